/*
 * fuzz_restore.c: the daemon's state readers on any input: a snapshot
 * (FUZZ_SNAPSHOT: restore_snapshot) or a journal (restore_journal, on the
 * initial store).  Each input is also tried with its checksums fixed.
 * Corrupt input must give an error, never a crash, a leak or a broken
 * store: after a successful restore the tree passes trie__check and the
 * accounting equals a recount.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "fuzz.h"
#include "ipd.h"
#include "state.h"
#include "stream.h"

#ifndef FUZZ_SNAPSHOT
/* The generation a journal says it holds (so that it is not refused). */
static uint64_t
journal_gen(const uint8_t *data, size_t size)
{
	struct stream_reader sr;
	struct stream_rec rec;
	uint64_t gen = 0;

	if (stream_open(&sr, data, size) == 0 &&
	    stream_next(&sr, &rec) == 1 && rec.type == REC_PX_META &&
	    rec.len >= 8)
		memcpy(&gen, rec.body, 8);
	return gen;
}
#endif

static void
consistent(struct xsd *x)
{
	struct trie_acct re;
	char why[256];

	if (trie__check(x->store.cx, x->store.root, why, sizeof(why)) < 0) {
		fprintf(stderr, "restored tree broken: %s\n", why);
		abort();
	}
	trie_acct_init(&re, x->store.cx);
	if (trie_acct_recount(x->store.cx, x->store.root, &re) == 0 &&
	    !trie_acct_equal(&re, &x->store.acct)) {
		fprintf(stderr, "restored accounting differs from a recount\n");
		abort();
	}
	trie_acct_fini(&re);
}

static void
one(const uint8_t *data, size_t size)
{
	static const char *const args[] = { "-D", "--log-file", "/dev/null",
		NULL };
	struct xsd *x = ipd_new(args, false);
	struct restore *r = NULL;
	char why[256];
	int rc;

	if (x == NULL)
		abort();
	if (restore_new(x, &r) < 0)
		abort();
#ifdef FUZZ_SNAPSHOT
	{
		uint64_t gen;

		rc = restore_snapshot(r, data, size, &gen, why, sizeof(why));
	}
#else
	{
		bool dropped;

		rc = restore_journal(r, data, size, journal_gen(data, size),
		    &dropped, why, sizeof(why));
	}
#endif
	if (rc == 0)
		consistent(x);
	restore_free(&r);
	ipd_free(&x);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed = fuzz_resum(data, size);

	one(data, size);
	if (fixed != NULL) {
		one(fixed, size);
		free(fixed);
	}
	return 0;
}
