/*
 * store.h: the xenstore tree as the daemon holds it: the current trie
 * root, the per-owner accounting, and the permission lists of the two
 * special paths (@introduceDomain, @releaseDomain), which are not nodes
 * of the tree.  No I/O.
 */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "trie.h"

enum special { SPECIAL_INTRODUCE, SPECIAL_RELEASE, SPECIAL_COUNT };

struct special_perms {
	struct trie_perm *p;	/* owned */
	size_t n;
	uint64_t gen;		/* trie generation of the last change */
};

/*
 * Test hook (--test-hooks): the store's allocations fail on demand, so
 * that tests can fail each allocation of a request in turn.
 */
struct store_faults {
	uint64_t calls;		/* allocations so far */
	uint64_t fail_at;	/* fail the one with this number; 0: none */
	uint64_t failed;	/* allocations refused */
	bool paused;		/* the checker's own walk: neither counted nor failed */
};

/* One per daemon.  Owns its root reference and its accounting. */
struct store {
	struct trie_ctx *cx;
	struct trie_node *root;
	struct trie_acct acct;	/* per owner: nodes and bytes, incremental */
	struct special_perms special[SPECIAL_COUNT];
	unsigned long long commits;	/* published versions */
	struct store_faults *faults;	/* owned; NULL unless test hooks */
};

/*
 * The initial store of the C daemon 4.17: "/", "/tool", "/tool/xenstored"
 * owned by `priv` with no access for others, and both special paths n<priv>.
 * With `faults`, allocations go through the test hook (store_fail_alloc).
 */
int store_init(struct store *st, uint64_t seed, unsigned priv, bool faults);

/*
 * Test hook: while paused, the store's allocations are neither counted nor
 * failed, so that CONTROL check between two requests does not take the
 * failure armed for the next request.  Without the hook: nothing.
 */
void store_faults_pause(struct store *st, bool paused);
void store_fini(struct store *st);

/*
 * Publish a new root (owned, consumed) with the delta of `log`; the
 * accounting is merged first so that failure changes nothing.
 */
int store_publish(struct store *st, struct trie_node *root,
    const struct trie_log *log);

/*
 * Test hook: fail the k-th allocation of the store from now (k >= 1; 0
 * disarms).  -ENODEV without the hook.
 */
int store_fail_alloc(struct store *st, uint64_t k);

/* Which special path, or -1. */
int store_special_index(const char *path);
int store_set_special(struct store *st, int idx, const struct trie_perm *p,
    size_t n);

/* Nodes and bytes owned by `domid` (from the incremental accounting). */
struct trie_acct_entry store_usage(const struct store *st, unsigned domid);

#endif
