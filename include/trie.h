/*
 * trie.h: the persistent path trie that holds the xenstore tree.
 *
 * WHAT IT IS
 *   A tree of nodes addressed by canonical absolute paths ("/", "/a/b").
 *   Each node has a name (one path segment), a value (bytes, possibly
 *   empty, possibly containing NUL), a permission list (owner entry
 *   first, then ACL entries; the trie stores the entries but does not
 *   interpret their access modes) and its children, listed in insertion
 *   order.
 *
 * IMMUTABILITY AND IDENTITY
 *   A node is never modified once it is published (returned to a caller or
 *   linked under a parent).  An update builds new nodes for the changed
 *   node and its ancestors ("path copying") and shares every other subtree
 *   by pointer with the previous version.  An update that changes nothing
 *   returns the input root itself: same value and same permissions mean
 *   the same node.  Two versions can therefore be compared by pointer: an
 *   unchanged subtree is the same pointer.
 *
 * OWNERSHIP (read this before calling anything)
 *   1. Every struct trie_node pointer the caller holds is either OWNED (the
 *      caller must release it once with trie_unref) or BORROWED (valid
 *      only while the reference it was obtained from is held).  Each
 *      function below says which, for every argument and result.
 *   2. Functions that produce a new version BORROW the input root and
 *      return a NEW OWNED root through an out-parameter.
 *   3. Out-parameters are written only on success.  On error (a negative
 *      errno) nothing the caller can see has changed: the input root is
 *      intact, logs are as they were, no memory is leaked.
 *   4. Reference counts are plain integers: a trie context and everything
 *      built with it belong to one thread.  The daemon is single-threaded;
 *      a snapshot writer in another thread must be handed nodes it only
 *      reads and must not ref/unref them concurrently.
 *   5. All nodes are allocated through the context's allocator and must be
 *      released through the same context.
 *
 * ERRORS
 *   Functions return 0 or a negative errno: -ENOMEM (allocation failed),
 *   -ENOENT (a node the operation needs is missing), -EINVAL (malformed
 *   path, or removing "/"), -E2BIG (a value or permission list too large
 *   for the node format), -EAGAIN (transaction conflict).
 *
 * PATHS
 *   Canonical absolute paths only: "/" or "/" followed by one or more
 *   non-empty segments separated by single "/", no trailing "/", at most
 *   TRIE_PATH_MAX bytes.  Segment characters are not restricted here (the
 *   daemon validates them); NUL ends the path.
 */
#ifndef TRIE_H
#define TRIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRIE_PATH_MAX 4096	/* bytes, without the NUL */
#define TRIE_VALUE_MAX (1u << 24)
#define TRIE_PERMS_MAX 65535

struct trie_ctx;
struct trie_node;
struct trie_txn;

/*
 * One permission entry.  The trie copies these around but never reads
 * `mode` or `flags`; `id` of the first entry names the node's owner, which
 * is what the accounting is keyed by.
 */
struct trie_perm {
	uint16_t id;
	uint8_t mode;
	uint8_t flags;
};

/* For trie_write/trie_mkdir: new nodes copy their parent's list verbatim. */
#define TRIE_INHERIT (-1)

/*
 * A keyed 64-bit hash (SipHash-1-3) for callers' own tables of names and
 * paths: with a random seed, clients cannot choose colliding inputs.
 */
uint64_t trie_hash64(uint64_t seed, const void *data, size_t len);

/* Is `path` canonical (see PATHS above)?  Its length in *len if so. */
bool trie_path_valid(const char *path, size_t *len);

/* -------------------------------------------------------------------- */
/* Context                                                               */

/*
 * The allocator hook: tests count and fail allocations through it.  A NULL
 * allocator means malloc/free, with freed blocks of up to 512 bytes kept
 * for reuse (a bounded number per size).  `free` receives the size given
 * to `alloc`.
 */
struct trie_allocator {
	void *(*alloc)(void *arg, size_t size);
	void (*free)(void *arg, void *ptr, size_t size);
	void *arg;
};

/*
 * Create a context.  `a` is copied (may be NULL).  `hash_seed` keys the
 * hash of child names in large directories, so that a guest cannot choose
 * names that collide; pass a random value.
 * Ownership: *out is owned; release with trie_ctx_free.
 */
int trie_ctx_new(const struct trie_allocator *a, uint64_t hash_seed,
    struct trie_ctx **out);

/*
 * Free a context.  Requires: every node built with it has been released
 * (checked by assertion in debug builds).  Sets *cxp to NULL; accepts NULL.
 */
void trie_ctx_free(struct trie_ctx **cxp);

/* The last generation number handed out (see trie_node_gen). */
uint64_t trie_ctx_gen(const struct trie_ctx *cx);

/*
 * Hand out a new generation number, as a change of a node would: for
 * objects kept outside the trie whose changes must be ordered with the
 * nodes' (the daemon's permission lists of the special paths).
 */
uint64_t trie_ctx_next_gen(struct trie_ctx *cx);

/* Nodes currently allocated by this context (trie nodes only). */
uint64_t trie_ctx_live_nodes(const struct trie_ctx *cx);

/* Bytes currently allocated through this context (all trie memory). */
uint64_t trie_ctx_live_bytes(const struct trie_ctx *cx);

/* -------------------------------------------------------------------- */
/* Nodes                                                                 */

/* Take another reference.  Returns `n` (now owned once more); NULL-safe. */
struct trie_node *trie_ref(struct trie_node *n);

/*
 * Release one reference; frees the nodes no other version shares.  NULL
 * is accepted.  Iterative: deep trees do not consume stack.
 */
void trie_unref(struct trie_ctx *cx, struct trie_node *n);

/*
 * A new root: name "", empty value, no children, permissions `perms`
 * (n >= 1 entries, copied).  Ownership: *out is owned.
 */
int trie_new_root(struct trie_ctx *cx, const struct trie_perm *perms,
    size_t n, struct trie_node **out);

/* Accessors.  Every result is borrowed from `n`. */
const char *trie_node_name(const struct trie_node *n, size_t *len);
const void *trie_node_value(const struct trie_node *n, size_t *len);
const struct trie_perm *trie_node_perms(const struct trie_node *n,
    size_t *count);
size_t trie_node_nchildren(const struct trie_node *n);
/* Total bytes of the child-name list: sum of (name length + 1). */
size_t trie_node_child_names_len(const struct trie_node *n);
/*
 * Generation: changes whenever the node's value, permissions or list of
 * child names changes, never when only a descendant changes; strictly
 * increasing over the context's lifetime.
 */
uint64_t trie_node_gen(const struct trie_node *n);

/* Owner: the id of the first permission entry. */
uint16_t trie_node_owner(const struct trie_node *n);

/*
 * Accounting size of a node at a path of length `pathlen` (what its owner
 * is charged, after the C xenstored's record size): 16 + 8 * #perms +
 * value length + child-name list length + pathlen.
 */
uint64_t trie_node_acc_bytes(const struct trie_node *n, size_t pathlen);

/*
 * Look up a path.  Returns a node borrowed from `root`, or NULL if the
 * path is missing or malformed.
 */
const struct trie_node *trie_get(const struct trie_ctx *cx,
    const struct trie_node *root, const char *path);

/* Look up one child by name (len bytes).  Borrowed result or NULL. */
const struct trie_node *trie_child(const struct trie_ctx *cx,
    const struct trie_node *n, const char *name, size_t len);

/*
 * The deepest existing node on `path` (at least the root).  *matched is
 * set to the number of bytes of `path` that the returned node's path
 * covers (1 for the root).  Borrowed result; NULL if path is malformed.
 */
const struct trie_node *trie_get_deepest(const struct trie_ctx *cx,
    const struct trie_node *root, const char *path, size_t *matched);

/*
 * Visit the children of `n` in insertion order.  `fn` returns 0 to go on,
 * anything else to stop; that value is returned.  Children are borrowed.
 */
typedef int trie_child_fn(void *arg, const struct trie_node *child);
int trie_children(const struct trie_ctx *cx, const struct trie_node *n,
    trie_child_fn *fn, void *arg);

/* -------------------------------------------------------------------- */
/* Accounting: per owner, number of nodes and bytes                     */

struct trie_acct_entry {
	uint32_t owner;
	int64_t nodes;
	int64_t bytes;
};

/* A map owner -> (nodes, bytes); also used for signed deltas. */
struct trie_acct {
	struct trie_acct_entry *e;	/* sorted by owner, no zero entries */
	size_t n, cap;
	struct trie_ctx *cx;		/* borrowed: allocates through it */
};

void trie_acct_init(struct trie_acct *ac, struct trie_ctx *cx);
void trie_acct_fini(struct trie_acct *ac);
void trie_acct_clear(struct trie_acct *ac);
/* Add a delta for one owner; the entry disappears when it reaches zero. */
int trie_acct_add(struct trie_acct *ac, uint32_t owner, int64_t nodes,
    int64_t bytes);
/* Current value for one owner (zeros when absent). */
struct trie_acct_entry trie_acct_get(const struct trie_acct *ac,
    uint32_t owner);
/* dst += src, all or nothing. */
int trie_acct_merge(struct trie_acct *dst, const struct trie_acct *src);
bool trie_acct_equal(const struct trie_acct *x, const struct trie_acct *y);
/* Recount a whole tree into `ac` (cleared first). */
int trie_acct_recount(struct trie_ctx *cx, const struct trie_node *root,
    struct trie_acct *ac);

/* -------------------------------------------------------------------- */
/* Change logs                                                           */

enum trie_change_kind {
	TRIE_CH_WRITE,		/* value written (node may be new) */
	TRIE_CH_MKDIR,		/* node created empty */
	TRIE_CH_PERMS,		/* permissions replaced */
	TRIE_CH_RM,		/* node removed, with its subtree */
	TRIE_CH_RM_CHILD,	/* descendant removed with an TRIE_CH_RM */
};

/*
 * One change, in the order it was applied.  `path` is NUL-terminated.
 * `old` is the node before the change (NULL if it did not exist), `new`
 * after it (NULL when removed).  For a removal the descendants come first,
 * children before parents, then the TRIE_CH_RM of the removed node.
 * Writes that create missing ancestors log one TRIE_CH_WRITE or
 * TRIE_CH_MKDIR for the target only.
 */
struct trie_change {
	enum trie_change_kind kind;
	char *path;
	struct trie_node *old;	/* owned by the log */
	struct trie_node *new;	/* owned by the log */
};

/*
 * What an update did: its changes and the accounting delta it caused.
 * Updates append to a log; on failure they leave it as it was.
 */
struct trie_log {
	struct trie_change *ch;
	size_t n, cap;
	struct trie_acct delta;
	struct trie_ctx *cx;		/* borrowed */
};

void trie_log_init(struct trie_log *log, struct trie_ctx *cx);
/* Drop every change (and the node references they hold). */
void trie_log_fini(struct trie_log *log);
void trie_log_clear(struct trie_log *log);

/* -------------------------------------------------------------------- */
/* Updates.  All borrow `root`, return a new owned root in *out, and, if  */
/* `log` is not NULL, append their changes and accounting delta to it.  */

/*
 * Set the value of `path` (len bytes, copied).  Missing ancestors are
 * created with an empty value.  Every created node copies the permission
 * list of the deepest existing ancestor; if `creator` is not TRIE_INHERIT
 * the first entry's id is replaced by `creator` (its mode is kept): this
 * is the C xenstored's rule for unprivileged callers.
 */
int trie_write(struct trie_ctx *cx, struct trie_node *root,
    const char *path, const void *val, size_t len, int creator,
    struct trie_log *log, struct trie_node **out);

/* Create `path` (and missing ancestors) if it does not exist. */
int trie_mkdir(struct trie_ctx *cx, struct trie_node *root,
    const char *path, int creator, struct trie_log *log,
    struct trie_node **out);

/*
 * The caller's checks, between the walk down `path` and the first node
 * built, so that an update that checks permissions walks the path once:
 * `n` is the node at the path when `exists`, else its deepest existing
 * ancestor, whose path is the first `matched` bytes of the path.  A
 * non-zero return ends the update with that value, nothing changed.
 */
typedef int trie_precheck_fn(void *arg, const struct trie_node *n,
    bool exists, size_t matched);

/* trie_write and trie_mkdir with `check` (see above) run first. */
int trie_write_if(struct trie_ctx *cx, struct trie_node *root,
    const char *path, const void *val, size_t len, int creator,
    trie_precheck_fn *check, void *arg, struct trie_log *log,
    struct trie_node **out);
int trie_mkdir_if(struct trie_ctx *cx, struct trie_node *root,
    const char *path, int creator, trie_precheck_fn *check, void *arg,
    struct trie_log *log, struct trie_node **out);

/*
 * Remove `path` and its subtree.  -EINVAL for "/", -ENOENT if the parent
 * is missing; a missing node under an existing parent is a no-op.
 */
int trie_rm(struct trie_ctx *cx, struct trie_node *root, const char *path,
    struct trie_log *log, struct trie_node **out);

/* Replace the permissions of an existing node (n >= 1). -ENOENT if none. */
int trie_set_perms(struct trie_ctx *cx, struct trie_node *root,
    const char *path, const struct trie_perm *perms, size_t n,
    struct trie_log *log, struct trie_node **out);

/*
 * Replace the subtree at `path` (which must exist in `root`) by `sub`
 * (borrowed; the new root takes its own reference).  `sub` must have the
 * same name as the node it replaces.  No log: callers that graft know
 * what they graft.
 */
int trie_graft(struct trie_ctx *cx, struct trie_node *root, const char *path,
    struct trie_node *sub, struct trie_node **out);

/* -------------------------------------------------------------------- */
/* Walks                                                                 */

/*
 * Visit every node of a tree in pre-order (parents before children,
 * children in insertion order) with its path.  `fn` returns 0 to go on,
 * TRIE_WALK_SKIP to skip the node's children, anything else to stop (that
 * value is returned).  Nodes are borrowed; `path` is valid during the
 * call.  Iterative.  Returns 0, fn's value, or -ENOMEM.
 */
#define TRIE_WALK_SKIP 1
typedef int trie_walk_fn(void *arg, const char *path, size_t pathlen,
    const struct trie_node *n);
int trie_walk(struct trie_ctx *cx, const struct trie_node *root,
    trie_walk_fn *fn, void *arg);

/*
 * The same walk for another thread: it allocates with malloc, never
 * through the context, and reads only immutable node contents, so it may
 * run while the owning thread goes on updating (other versions of) the
 * tree, as long as the owner keeps a reference to `root` until it ends.
 */
int trie_walk_detached(const struct trie_node *root, trie_walk_fn *fn,
    void *arg);

/* -------------------------------------------------------------------- */
/* Bulk building (restoring a saved tree)                                */

/*
 * Build a tree from its nodes in pre-order (each parent before its
 * children, children in their order), as trie_walk visits them: one
 * allocation per node, no path copying.  The first node must be "/".
 * trie_builder_add returns -EINVAL for a node out of pre-order (its
 * parent is not the last node added or one of its ancestors) or a
 * duplicate sibling name, -E2BIG for oversized contents, -ENOMEM.  A
 * failed builder can only be freed.
 */
struct trie_builder;
int trie_builder_new(struct trie_ctx *cx, struct trie_builder **out);
int trie_builder_add(struct trie_builder *b, const char *path,
    const void *val, size_t len, const struct trie_perm *perms, size_t np);
/* The root (owned).  The builder must still be freed. */
int trie_builder_finish(struct trie_builder *b, struct trie_node **root);
void trie_builder_free(struct trie_builder **bp);

/* -------------------------------------------------------------------- */
/* Diff                                                                  */

/*
 * Walk two versions, descending only where pointers differ, and report
 * every path whose node differs in existence, value, permissions or child
 * list: `fn(arg, path, a_node, b_node)` with a_node or b_node NULL for a
 * node present on one side only (its descendants are not reported
 * separately).  Nodes are borrowed; `path` is valid during the call.
 * Order: parents before children, children in b's order then a's removed
 * ones.  `fn` returns nonzero to stop.  Iterative.
 */
typedef int trie_diff_fn(void *arg, const char *path,
    const struct trie_node *a, const struct trie_node *b);
int trie_diff(struct trie_ctx *cx, const struct trie_node *a,
    const struct trie_node *b, trie_diff_fn *fn, void *arg);

/* -------------------------------------------------------------------- */
/* Transactions                                                          */

/*
 * A transaction is the triple of the design: T1 (the root at start, held),
 * T2 (its private root, updated by its writes) and the deepest paths
 * covering its writes (p) and its reads (r).  It also records, in order,
 * what it observed and what it wrote, so that a commit after concurrent
 * changes can check that every observation still holds and re-apply the
 * writes: -EAGAIN means something it observed really changed.
 *
 * Observation flags say what a read depended on.  The update calls record
 * what their own results depend on (trie_txn_rm the parent's existence,
 * trie_txn_set_perms the node's existence); callers add what their own
 * logic reads (permission checks) through trie_txn_get.
 */
#define TRIE_OBS_EXISTS		0x1u	/* whether the node exists */
#define TRIE_OBS_VALUE		0x2u
#define TRIE_OBS_PERMS		0x4u
#define TRIE_OBS_CHILDREN	0x8u	/* the list of child names */

enum trie_commit_how {
	TRIE_COMMIT_NOOP,	/* nothing written: no new version */
	TRIE_COMMIT_SWAP,	/* (a) nobody committed since start */
	TRIE_COMMIT_GRAFT,	/* (b) subtrees at p and r unchanged */
	TRIE_COMMIT_REPLAY,	/* (c) observations held, writes re-applied */
};

/*
 * Start a transaction on `root` (borrowed; the transaction holds its own
 * reference).  Ownership: *out is owned; end it with trie_txn_free.
 */
int trie_txn_begin(struct trie_ctx *cx, struct trie_node *root,
    struct trie_txn **out);

/* Abort or release a transaction.  Sets *txp to NULL; accepts NULL. */
void trie_txn_free(struct trie_ctx *cx, struct trie_txn **txp);

/*
 * Read `path` in the transaction's view and record the observation `obs`
 * (TRIE_OBS_* flags; 0 records nothing).  Returns 0 and the node
 * (borrowed until the next update of this transaction, NULL if missing) in
 * *out, or a negative errno (-ENOMEM: the transaction is now poisoned).
 */
int trie_txn_get(struct trie_ctx *cx, struct trie_txn *tx, const char *path,
    unsigned obs, const struct trie_node **out);

/*
 * The deepest existing node on `path`, observed with `obs`; every missing
 * segment between it and the target is observed as missing.  Borrowed
 * result in *out, *matched as for trie_get_deepest.
 */
int trie_txn_get_deepest(struct trie_ctx *cx, struct trie_txn *tx,
    const char *path, unsigned obs, const struct trie_node **out,
    size_t *matched);

/* Updates inside the transaction: as the functions without _txn_. */
int trie_txn_write(struct trie_ctx *cx, struct trie_txn *tx,
    const char *path, const void *val, size_t len, int creator);
int trie_txn_mkdir(struct trie_ctx *cx, struct trie_txn *tx,
    const char *path, int creator);
int trie_txn_rm(struct trie_ctx *cx, struct trie_txn *tx, const char *path);
int trie_txn_set_perms(struct trie_ctx *cx, struct trie_txn *tx,
    const char *path, const struct trie_perm *perms, size_t n);

/*
 * A recorded step, for journaling a commit and for carrying a transaction
 * across a live update.  For an observation, `seen` is the node observed
 * (NULL if missing; borrowed from the transaction).  For a write, the
 * operation's arguments (borrowed).
 */
enum trie_step_kind {
	TRIE_STEP_OBSERVE,
	TRIE_STEP_WRITE,
	TRIE_STEP_MKDIR,
	TRIE_STEP_RM,
	TRIE_STEP_PERMS,
};

struct trie_step {
	enum trie_step_kind kind;
	const char *path;
	unsigned obs;				/* OBSERVE: TRIE_OBS_* */
	const struct trie_node *seen;		/* OBSERVE */
	const void *val;			/* WRITE */
	size_t len;
	const struct trie_perm *perms;		/* PERMS */
	size_t nperms;
	int creator;				/* WRITE, MKDIR */
};

/* Visit every step in order; fn returns nonzero to stop (returned). */
typedef int trie_step_fn(void *arg, const struct trie_step *st);
int trie_txn_foreach_step(const struct trie_txn *tx, trie_step_fn *fn,
    void *arg);

/*
 * What an observation saw, as carried outside the process: whether the
 * node existed and the parts the observation looked at (value bytes,
 * permissions, child names as "a\0b\0" in order).  Borrowed.
 */
struct trie_seen {
	bool exists;
	const void *val;
	size_t len;
	const struct trie_perm *perms;
	size_t nperms;
	const char *kids;
	size_t kidslen;
};

/*
 * Rebuild a transaction on `root` (borrowed): begin one, then for each
 * step either check that the observation still holds on the view (as a
 * commit replay would) and record it again, or re-apply the write.
 * Returns 0 with *out, -EAGAIN when an observation no longer holds (the
 * transaction could only fail: callers make it fail at commit), or
 * another negative errno.  Call trie_txn_restore_begin, then
 * trie_txn_restore_step per step in order.
 */
int trie_txn_restore_step(struct trie_ctx *cx, struct trie_txn *tx,
    const struct trie_step *st, const struct trie_seen *seen);

/* The transaction's current view: borrowed from the transaction. */
const struct trie_node *trie_txn_root(const struct trie_txn *tx);

/* The accounting delta of its writes so far, against its own view. */
const struct trie_acct *trie_txn_delta(const struct trie_txn *tx);

/*
 * Number of recorded steps (observations + writes): a bound callers use
 * for the transaction-size quota.
 */
size_t trie_txn_steps(const struct trie_txn *tx);

/*
 * Sticky error: after an allocation failure inside a transaction every
 * later call returns that error and commit fails with it.  0 if healthy.
 */
int trie_txn_error(const struct trie_txn *tx);

/*
 * Commit against the current root `cur` (borrowed).  On success *out is a
 * new owned root to publish (it may be `cur` itself, with one more
 * reference, when nothing was written), `log` (if not NULL) receives the
 * changes and the accounting delta relative to `cur`, and *how (if not
 * NULL) says which path was taken.  -EAGAIN when an observation no longer
 * holds; nothing is written then.  The transaction is unchanged by a
 * commit and must still be freed.
 */
int trie_txn_commit(struct trie_ctx *cx, struct trie_txn *tx,
    struct trie_node *cur, struct trie_log *log, struct trie_node **out,
    enum trie_commit_how *how);

/* -------------------------------------------------------------------- */
/* Checking (for tests and the daemon's CONTROL check)                   */

/*
 * Verify the structural invariants of a tree: child names unique and
 * non-empty, child counts and name lengths consistent, large-directory
 * indexes consistent with their order lists, reference counts >= 1.
 * Returns 0 or -EIO; `why` (if not NULL, `whylen` bytes) describes the
 * first problem found.
 */
int trie__check(struct trie_ctx *cx, const struct trie_node *root,
    char *why, size_t whylen);

/*
 * Reference census: the caller declares every reference it holds on the
 * context's nodes -- each root (trie__census_root: one reference on that
 * node), each transaction, each log still alive -- then
 * trie__census_check visits everything reachable from them once and
 * verifies that:
 *   - each node passes trie__check's structural checks (every listed
 *     child present, counts and name lengths, large-directory indexes);
 *   - each node, and each internal object of a large directory, has
 *     exactly as many references as point at it (declared ones, parents,
 *     index entries): more means a leak or an undeclared holder, fewer a
 *     node that would be freed while in use;
 *   - no node is alive in the context that is not reachable (a leak).
 * Returns 0, -EIO with the first problem in `why` (a path when the node
 * is in a declared tree), or -ENOMEM.  A declaration that fails makes the
 * check fail with -ENOMEM too.
 * Ownership: the census is the caller's (trie__census_free, NULL
 * accepted); it borrows the context and every declared object, none of
 * which may change until the check is done.
 */
struct trie_census;
int trie__census_new(struct trie_ctx *cx, struct trie_census **out);
void trie__census_free(struct trie_census *cs);
int trie__census_root(struct trie_census *cs, const struct trie_node *n);
int trie__census_txn(struct trie_census *cs, const struct trie_txn *tx);
int trie__census_log(struct trie_census *cs, const struct trie_log *log);
int trie__census_check(struct trie_census *cs, char *why, size_t whylen);

#endif /* TRIE_H */
