/*
 * perms.h: permission entries on the wire ("r5", "n0") and the access
 * decision (permissions-watches.md §2-3).  Pure.
 */
#ifndef PERMS_H
#define PERMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trie.h"

#define PERM_NONE	0x0
#define PERM_READ	0x1
#define PERM_WRITE	0x2
#define PERM_OWNER	0x8

/* trie_perm.flags: the entry names a domain that no longer counts. */
#define PERM_F_STALE	0x1

/* Who is asking. */
struct caller {
	unsigned domid;
	int target;		/* SET_TARGET's target domid, or -1 */
	bool priv;
};

/*
 * Decides whether an ACL entry still names a live domain for a node of
 * generation `gen` (domid reuse, XSA-322); NULL means every entry counts.
 */
typedef bool perms_alive_fn(void *arg, unsigned domid, uint64_t gen);

/*
 * Access bits (PERM_*) of `c` on a node with entries p[0..n) and
 * generation `gen`: privileged callers and the owner get everything, else
 * the first live matching ACL entry, else the owner entry's mode.
 */
unsigned perms_for(const struct trie_perm *p, size_t n, uint64_t gen,
    const struct caller *c, perms_alive_fn *alive, void *arg);

/*
 * Parse SET_PERMS entries argv[0..n): a letter n/r/w/b then a domid in
 * C's strtol(..., 0) syntax (decimal, 0x hex, 0 octal), 0..65535.
 * Returns 0 or -EINVAL.
 */
int perms_parse(const char *const *argv, size_t n, struct trie_perm *out);

/*
 * Format entries as "<letter><domid>\0..." into buf.  Returns the length
 * or -E2BIG if it does not fit in `size`.
 */
int perms_format(const struct trie_perm *p, size_t n, char *buf,
    size_t size);

/* Identical lists (entries and flags)? */
bool perms_equal(const struct trie_perm *a, size_t na,
    const struct trie_perm *b, size_t nb);

#endif
