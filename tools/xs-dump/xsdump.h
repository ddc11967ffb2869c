/*
 * xsdump.h: reading and checking pxenstored's state files (the core of
 * xs-dump, also linked into its fuzz target).  Pure: input from memory,
 * text to a FILE.
 *
 *   snapshot  preamble, META(gen), small state, NODE_DATA in pre-order,
 *             CHECKSUM, END
 *   journal   preamble, META(gen), batches of journal records, each
 *             closed by a BATCH record holding its checksum
 *   stream    a live-update record stream (live-update.md §4)
 *
 * Every input may be corrupt or hostile: lengths are bounded by the
 * record, nothing is read past the buffer, and memory use is bounded by a
 * small multiple of the input size.
 */
#ifndef XSDUMP_H
#define XSDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum xsdump_kind { XSD_AUTO, XSD_SNAPSHOT, XSD_JOURNAL, XSD_STREAM };

struct xsdump_opts {
	enum xsdump_kind kind;	/* XSD_AUTO: from the contents */
	bool print;		/* print the contents */
	bool full_paths;	/* one line per node with its whole path */
	bool strict;		/* a torn journal tail is corruption too */
};

struct xsdump_result {
	enum xsdump_kind kind;	/* what the input was taken for */
	bool has_gen;
	uint64_t gen;
	size_t records;		/* records read */
	size_t nodes;		/* NODE_DATA records */
	size_t batches;		/* complete journal batches */
	size_t changes;		/* records in complete batches */
	size_t good_len;	/* journal: bytes up to the last good batch */
	bool torn;		/* journal: a tail recovery drops */
	size_t torn_at, torn_len;
	bool corrupt;		/* the input is not a valid file */
	char why[256];		/* the first problem (corrupt or torn) */
};

/*
 * Read (and, with o->print, print to `out`) one state file.  Returns 0
 * when the input is valid (a torn journal tail is valid unless
 * o->strict), 1 when it is corrupt (res->why says where and why), -ENOMEM.
 */
int xsdump_buf(const uint8_t *data, size_t len, const struct xsdump_opts *o,
    FILE *out, struct xsdump_result *res);

const char *xsdump_kind_name(enum xsdump_kind k);

#endif
