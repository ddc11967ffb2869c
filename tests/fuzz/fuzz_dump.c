/*
 * fuzz_dump.c: xs-dump's reader (tools/xs-dump/xsdump.c) on any input,
 * taken as each kind of file, printing everything, checksums as they are
 * and fixed.  It must never crash, read out of bounds or leak.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "xsdump.h"

static FILE *sink;

/* Closed at exit: valgrind counts a reachable block as a leak here. */
__attribute__((destructor)) static void
close_sink(void)
{
	if (sink != NULL)
		fclose(sink);
	sink = NULL;
}

static void
all_kinds(const uint8_t *data, size_t size)
{
	static const enum xsdump_kind kinds[] = { XSD_AUTO, XSD_SNAPSHOT,
		XSD_JOURNAL, XSD_STREAM };
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct xsdump_opts o = { kinds[i], true, i % 2 == 1, i == 2 };
		struct xsdump_result res;

		if (xsdump_buf(data, size, &o, sink, &res) < 0)
			abort();	/* out of memory on a small input */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;

	if (sink == NULL) {
		sink = fopen("/dev/null", "w");
		if (sink == NULL)
			abort();
	}
	all_kinds(data, size);
	fixed = fuzz_resum(data, size);
	if (fixed != NULL) {
		all_kinds(fixed, size);
		free(fixed);
	}
	return 0;
}
