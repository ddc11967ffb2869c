/*
 * trie_internal.h: private layout of trie nodes, child containers and the
 * context.  Only libtrie's own files and its unit tests include this.
 *
 * A node is one allocation:
 *
 *   +--------------------+  struct trie_node (32 bytes)
 *   | refs vallen ...gen |
 *   +--------------------+  kid slots: nkids child pointers in insertion
 *   | kid[0] ... kid[k]  |  order (small directories), or one struct kmap
 *   +--------------------+  pointer (large ones, TN_MAP set)
 *   | perms[nperms]      |  4 bytes each
 *   +--------------------+
 *   | name | value       |  namelen + vallen bytes, no terminators
 *   +--------------------+
 *
 * Large directories (more than KIDS_FLAT_MAX children) keep their children
 * in a struct kmap: a CHAMP hash map from name to (child, sequence number)
 * for lookup, and a persistent radix vector from sequence number to name
 * hash for insertion order.  Both are path-copied like the tree, so a write
 * under a node with 10,000 children copies O(log n) small nodes.
 */
#ifndef TRIE_INTERNAL_H
#define TRIE_INTERNAL_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "trie.h"

/* Above this many children a directory switches to a kmap ... */
#define KIDS_FLAT_MAX 32
/* ... and back to a flat array at or below this many. */
#define KIDS_FLAT_MIN 16

#define TN_FROZEN	0x01	/* published: never written again */
#define TN_MAP		0x02	/* kid slot 0 is a struct kmap * */

struct trie_node {
	uint32_t refs;
	uint32_t vallen;
	uint16_t namelen;
	uint16_t nperms;
	uint8_t flags;
	uint8_t pad[3];
	uint32_t nkids;
	uint32_t kidnames;	/* sum of (child name length + 1) */
	uint64_t gen;
	/* followed by kid slots, perms, name, value */
};

/*
 * Freed small blocks kept for reuse, by size class (16-byte steps up to
 * CACHE_MAX_SIZE): an update allocates and frees the same few sizes
 * (a path's copies, its log entry), and a list pop costs a fraction of
 * malloc.  Only with the default allocator: a test's allocator sees
 * every call.  Bounded per class, so a burst's blocks go back to malloc.
 */
#define CACHE_STEP 16
#define CACHE_MAX_SIZE 512
#define CACHE_CLASSES (CACHE_MAX_SIZE / CACHE_STEP)
#define CACHE_PER_CLASS 128

struct trie_ctx {
	struct trie_allocator a;
	bool caching;		/* default allocator: use the cache */
	void *cache[CACHE_CLASSES];	/* free lists, linked through blocks */
	uint32_t ncached[CACHE_CLASSES];
	uint64_t k0, k1;	/* hash key */
	uint64_t gen;		/* last generation handed out */
	uint64_t live_nodes;
	uint64_t live_bytes;
};

/* --- allocation (trie_ctx.c; the cache's fast paths here, inlined) --- */

/*
 * Blocks in the cache are freed memory as far as the checkers are
 * concerned: a use after free of a cached block still shows under ASan,
 * and under valgrind in debug builds (a client request costs a dozen
 * instructions, too many for the release build's hot path).
 * CACHED_LINK opens a cached block's first word, the free list's link,
 * with its value (valgrind: defined, not just accessible); CACHED_SHOW
 * hands the whole block out as malloc would (contents undefined).
 */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define CACHED_HIDE(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define CACHED_LINK(p) ASAN_UNPOISON_MEMORY_REGION(p, sizeof(void *))
#define CACHED_SHOW(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#elif !defined(NDEBUG) && defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define CACHED_HIDE(p, n) VALGRIND_MAKE_MEM_NOACCESS(p, n)
#define CACHED_LINK(p) VALGRIND_MAKE_MEM_DEFINED(p, sizeof(void *))
#define CACHED_SHOW(p, n) VALGRIND_MAKE_MEM_UNDEFINED(p, n)
#endif
#endif
#ifndef CACHED_HIDE
#define CACHED_HIDE(p, n) ((void)(p), (void)(n))
#define CACHED_LINK(p) ((void)(p))
#define CACHED_SHOW(p, n) ((void)(p), (void)(n))
#endif

/* The class of a block of `size` bytes (0 < size <= CACHE_MAX_SIZE). */
static inline size_t
cache_class(size_t size)
{
	return (size - 1) / CACHE_STEP;
}

/* Miss or not cacheable: malloc or the caller's allocator. */
void *trie__alloc_slow(struct trie_ctx *cx, size_t size);
/* Class full or not cacheable. */
void trie__free_slow(struct trie_ctx *cx, void *p, size_t size);
/* Release every cached block (trie_ctx_free). */
void trie__cache_drain(struct trie_ctx *cx);

/*
 * Every allocation of libtrie: accounted in live_bytes by `size`, which
 * trie__free must be given again.  NULL on failure.
 */
static inline void *
trie__alloc(struct trie_ctx *cx, size_t size)
{
	/* (size - 1 wraps for 0: not cached) */
	if (cx->caching && size - 1 < CACHE_MAX_SIZE) {
		size_t k = cache_class(size);
		void *p = cx->cache[k];

		if (p != NULL) {
			CACHED_LINK(p);
			cx->cache[k] = *(void **)p;
			CACHED_SHOW(p, (k + 1) * CACHE_STEP);
			cx->ncached[k]--;
			cx->live_bytes += size;
			return p;
		}
	}
	return trie__alloc_slow(cx, size);
}

static inline void
trie__free(struct trie_ctx *cx, void *p, size_t size)
{
	if (p == NULL)
		return;
	assert(cx->live_bytes >= size);
	cx->live_bytes -= size;
	if (cx->caching && size - 1 < CACHE_MAX_SIZE) {
		size_t k = cache_class(size);

		if (cx->ncached[k] < CACHE_PER_CLASS) {
			*(void **)p = cx->cache[k];
			cx->cache[k] = p;
			cx->ncached[k]++;
			CACHED_HIDE(p, (k + 1) * CACHE_STEP);
			return;
		}
	}
	trie__free_slow(cx, p, size);
}

uint32_t trie__hash(const struct trie_ctx *cx, const char *s, size_t len);

/* --- node layout (trie_node.c) --- */
static inline size_t
node_nslots(const struct trie_node *n)
{
	return (n->flags & TN_MAP) ? 1 : n->nkids;
}

static inline struct trie_node **
node_kids(const struct trie_node *n)
{
	return (struct trie_node **)(void *)((char *)(uintptr_t)n +
	    sizeof(*n));
}

static inline struct trie_perm *
node_perms(const struct trie_node *n)
{
	return (struct trie_perm *)(void *)(node_kids(n) + node_nslots(n));
}

static inline char *
node_name(const struct trie_node *n)
{
	return (char *)(node_perms(n) + n->nperms);
}

static inline char *
node_value(const struct trie_node *n)
{
	return node_name(n) + n->namelen;
}

static inline struct kmap *
node_map(const struct trie_node *n)
{
	assert(n->flags & TN_MAP);
	return (struct kmap *)(void *)node_kids(n)[0];
}

static inline size_t
node_size(size_t nslots, size_t nperms, size_t namelen, size_t vallen)
{
	return sizeof(struct trie_node) + nslots * sizeof(void *) +
	    nperms * sizeof(struct trie_perm) + namelen + vallen;
}

/*
 * Allocate an unpublished node with room for `nslots` kid slots; header
 * fields are set from the arguments, slots are left for the caller.  The
 * result has refs == 1 and is not frozen.
 */
struct trie_node *node_alloc(struct trie_ctx *cx, size_t nslots,
    const struct trie_perm *perms, size_t nperms, const char *name,
    size_t namelen, const void *val, size_t vallen);

/* Publish: from now on the node is read-only. */
static inline struct trie_node *
node_freeze(struct trie_node *n)
{
	n->flags |= TN_FROZEN;
	return n;
}

static inline bool
node_name_is(const struct trie_node *n, const char *name, size_t len)
{
	const char *a = node_name(n);
	size_t i;

	if (n->namelen != len)
		return false;
	if (len > 16)
		return memcmp(a, name, len) == 0;
	/* Most names are short: a byte loop beats a call to memcmp. */
	for (i = 0; i < len; i++)
		if (a[i] != name[i])
			return false;
	return true;
}

/* Copies of a node with one thing changed (new owned node, frozen). */
int node_with_value(struct trie_ctx *cx, const struct trie_node *n,
    const void *val, size_t len, struct trie_node **out);
int node_with_perms(struct trie_ctx *cx, const struct trie_node *n,
    const struct trie_perm *perms, size_t np, struct trie_node **out);
/* `newkid` is borrowed (the copy takes its own reference). */
int node_with_kid_replaced(struct trie_ctx *cx, const struct trie_node *n,
    const struct trie_node *oldkid, struct trie_node *newkid,
    struct trie_node **out);
int node_with_kid_added(struct trie_ctx *cx, const struct trie_node *n,
    struct trie_node *newkid, struct trie_node **out);
int node_with_kid_removed(struct trie_ctx *cx, const struct trie_node *n,
    const struct trie_node *oldkid, struct trie_node **out);

/* A fresh leaf or directory with one child (`kid` borrowed, may be NULL). */
int node_new(struct trie_ctx *cx, const char *name, size_t namelen,
    const struct trie_perm *perms, size_t np, const void *val, size_t vallen,
    struct trie_node *kid, struct trie_node **out);

bool node_perms_equal(const struct trie_node *a, const struct trie_node *b);
bool node_values_equal(const struct trie_node *a, const struct trie_node *b);
/* Same child names in the same order. */
bool node_kid_names_equal(const struct trie_ctx *cx,
    const struct trie_node *a, const struct trie_node *b);

/*
 * Iterator over a node's children in insertion order; no allocation.
 * The node (and so its kmap) must stay alive while iterating.
 */
struct kiter {
	const struct trie_node *n;
	const struct kmap *m;
	uint32_t i;
	int depth;
	struct kiter_frame {
		const void *v;
		uint32_t left, base, i;
	} st[8];
};
void kiter_init(struct kiter *it, const struct trie_node *n);
const struct trie_node *kiter_next(struct kiter *it);
void kmap_iter_init(struct kiter *it, const struct kmap *m);
const struct trie_node *kmap_iter_next(struct kiter *it);

/* --- children (trie_kids.c) --- */
const struct trie_node *kmap_find(const struct trie_ctx *cx,
    const struct kmap *m, const char *name, size_t len);

/* The child named `name`, or NULL.  Inline: every lookup step runs it. */
static inline const struct trie_node *
kids_find(const struct trie_ctx *cx, const struct trie_node *n,
    const char *name, size_t len)
{
	struct trie_node *const *k;
	size_t i;

	if (n->flags & TN_MAP)
		return kmap_find(cx, node_map(n), name, len);
	k = node_kids(n);
	for (i = 0; i < n->nkids; i++)
		if (node_name_is(k[i], name, len))
			return k[i];
	return NULL;
}

/*
 * Collect the children of `n` in order into `buf` (room for n->nkids).
 * Borrowed pointers.
 */
void kids_collect(const struct trie_node *n, const struct trie_node **buf);
int kids_foreach(const struct trie_node *n, trie_child_fn *fn, void *arg);

/* --- large-directory map (trie_kmap.c) --- */
struct kmap;
struct kmap *kmap_ref(struct kmap *m);
/* Release; children dropped to zero are pushed with `drop`. */
void kmap_unref(struct trie_ctx *cx, struct kmap *m,
    void (*drop)(void *arg, struct trie_node *kid), void *arg);
/* Build a kmap from `n` children in order (borrowed; refs taken). */
int kmap_from_array(struct trie_ctx *cx, struct trie_node *const *kids,
    size_t n, struct kmap **out);
int kmap_with_added(struct trie_ctx *cx, const struct kmap *m,
    struct trie_node *kid, struct kmap **out);
int kmap_with_replaced(struct trie_ctx *cx, const struct kmap *m,
    const struct trie_node *oldkid, struct trie_node *newkid,
    struct kmap **out);
int kmap_with_removed(struct trie_ctx *cx, const struct kmap *m,
    const struct trie_node *oldkid, struct kmap **out);
int kmap_foreach(const struct kmap *m, trie_child_fn *fn, void *arg);
/* Children that differ between two maps (NULL for a missing side). */
int kmap_diff(const struct kmap *a, const struct kmap *b,
    int (*fn)(void *arg, const struct trie_node *a,
    const struct trie_node *b), void *arg);
/* Structural check: every order entry resolves, counts agree. */
int kmap_check(const struct trie_ctx *cx, const struct kmap *m,
    size_t nkids, char *why, size_t whylen);

/* --- paths (trie.c) --- */
bool trie__path_valid(const char *path, size_t *lenp);
/*
 * Validate `path` and find its deepest existing node, in one pass: NULL
 * if the path is malformed, else the node, with the length of its path
 * in *matched and the path's length in *len (the node is at the path
 * when they are equal).  Borrowed.
 */
const struct trie_node *trie__lookup(const struct trie_ctx *cx,
    const struct trie_node *root, const char *path, size_t *matched,
    size_t *len);

/* --- accounting (trie_acct.c) --- */
/* Room for `extra` new owners: the next `extra` adds cannot fail. */
int trie__acct_reserve(struct trie_acct *ac, size_t extra);

/* --- logs (trie_log.c) --- */
/* Append one change (refs taken on old/new); all-or-nothing per call. */
int trie__log_append(struct trie_log *log, enum trie_change_kind kind,
    const char *path, size_t pathlen, const struct trie_node *old,
    const struct trie_node *new);
/* Move every change and the delta of src to the end of dst; all or none. */
int trie__log_move(struct trie_log *dst, struct trie_log *src);
/* Truncate back to `n` changes (undoing appends of a failed update). */
void trie__log_truncate(struct trie_log *log, size_t n);

/* --- walks (trie_walk.c) --- */
/*
 * Visit `n` and its subtree in post-order (children before parents, in
 * child order).  `path` holds n's path (pathlen bytes); the visitor sees
 * the path of each node.  Iterative.
 */
typedef int trie__visit_fn(void *arg, const char *path, size_t pathlen,
    const struct trie_node *n);
int trie__walk_post(struct trie_ctx *cx, const struct trie_node *n,
    const char *path, size_t pathlen, trie__visit_fn *fn, void *arg);

/* --- reference census (trie_census.c; kmap internals in trie_kmap.c) --- */
enum census_kind { CK_NODE, CK_KMAP, CK_CHAMP, CK_OVEC };
/* One reference held by an object of the census: on `obj` of `kind`. */
typedef int census_ref_fn(void *arg, const void *obj, int kind,
    unsigned shift);
/*
 * Call fn for every reference a kmap, CHAMP or order-vector node holds
 * (`shift`: an order-vector node's level).  Returns fn's first non-zero.
 */
int kmap__census_refs(const void *obj, int kind, unsigned shift,
    census_ref_fn *fn, void *arg);
/* The reference count of a kmap, CHAMP or order-vector node. */
uint32_t kmap__census_count(const void *obj, int kind);
/* The node references a transaction holds: fn(arg, node, CK_NODE, 0). */
int trie__txn_census(const struct trie_txn *tx, census_ref_fn *fn,
    void *arg);
/*
 * The structural checks of one node (trie_walk.c): counts, names, its
 * child container.  `label` names it in `why`.  0 or -EIO.
 */
int trie__node_check(struct trie_ctx *cx, const struct trie_node *n,
    bool is_root, const char *label, char *why, size_t whylen);

#endif /* TRIE_INTERNAL_H */
