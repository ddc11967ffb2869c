/*
 * trie.c: lookups and updates by path copying.
 *
 * A write to /a/b/c builds a new c, then a new b whose child slot points at
 * the new c, a new a, and a new root; everything else is shared:
 *
 *      old root        new root
 *        /    \        /    \
 *       a      x  <---+---   a'          x is shared, untouched
 *      / \            |     / \
 *     b   y   <-------+--- b'  y         y is shared
 *     |                    |
 *     c                    c'            only the path is copied
 *
 * Every update here borrows its input root and either returns a new owned
 * root or fails leaving everything as it was: new nodes are built bottom
 * up and only linked into the result once all of them exist, so an
 * allocation failure just releases the partial chain.
 */
#include <errno.h>

#include "trie_internal.h"

#define WALK_INLINE 32

struct seg {
	uint32_t off, len;
};

/* A parsed path and the existing nodes along it. */
struct walk {
	const char *path;
	size_t pathlen;
	size_t nseg;
	size_t nfound;		/* segments that exist: anc[0..nfound] valid */
	struct seg *seg;
	const struct trie_node **anc;
	size_t heap_cap;	/* segments allocated on the heap, or 0 */
	struct seg segbuf[WALK_INLINE];
	const struct trie_node *ancbuf[WALK_INLINE + 1];
};

/*
 * The end of the segment starting at `p` (the next '/', or `end`, the
 * path's NUL).  memchr: a constant cost, below a byte loop's for segments
 * of more than a few bytes, and most are (device, backend, vif, state).
 */
static inline const char *
seg_end(const char *p, const char *end)
{
	const char *s = memchr(p, '/', (size_t)(end - p));

	return s != NULL ? s : end;
}

bool
trie__path_valid(const char *path, size_t *lenp)
{
	const char *p, *e, *end;
	size_t len;

	if (path == NULL || path[0] != '/')
		return false;
	len = strnlen(path, TRIE_PATH_MAX + 1);
	if (len > TRIE_PATH_MAX)
		return false;
	end = path + len;
	/* Every segment non-empty: no "//", no trailing '/' but for "/". */
	for (p = path + 1; p < end; p = e + 1) {
		e = seg_end(p, end);
		if (e == p || e + 1 == end)
			return false;
	}
	if (lenp != NULL)
		*lenp = len;
	return true;
}

bool
trie_path_valid(const char *path, size_t *len)
{
	return trie__path_valid(path, len);
}

static void
walk_fini(struct trie_ctx *cx, struct walk *w)
{
	if (w->heap_cap) {
		trie__free(cx, w->seg, w->heap_cap * sizeof(w->seg[0]));
		trie__free(cx, w->anc, (w->heap_cap + 1) * sizeof(w->anc[0]));
	}
}

/* walk_init for paths of more than WALK_INLINE segments. */
static int
walk_init_long(struct trie_ctx *cx, struct walk *w,
    const struct trie_node *root, const char *path)
{
	size_t len, i, n = 0, start;
	const char *s = path;

	if (!trie__path_valid(path, &len))
		return -EINVAL;
	while ((s = memchr(s, '/', len - (size_t)(s - path))) != NULL) {
		n++;
		s++;
	}
	w->seg = trie__alloc(cx, n * sizeof(w->seg[0]));
	w->anc = trie__alloc(cx, (n + 1) * sizeof(w->anc[0]));
	if (w->seg == NULL || w->anc == NULL) {
		trie__free(cx, w->seg, n * sizeof(w->seg[0]));
		trie__free(cx, w->anc, (n + 1) * sizeof(w->anc[0]));
		return -ENOMEM;
	}
	w->heap_cap = n;
	w->path = path;
	w->pathlen = len;
	w->nseg = n;
	for (i = 0, start = 1; i < n; i++) {
		size_t end = (size_t)(seg_end(path + start, path + len) - path);

		w->seg[i].off = (uint32_t)start;
		w->seg[i].len = (uint32_t)(end - start);
		start = end + 1;
	}
	w->anc[0] = root;
	for (i = 0; i < n; i++) {
		const struct trie_node *k = kids_find(cx, w->anc[i],
		    path + w->seg[i].off, w->seg[i].len);

		if (k == NULL)
			break;
		w->anc[i + 1] = k;
	}
	w->nfound = i;
	return 0;
}

/*
 * Parse `path` and descend from `root` as far as nodes exist, in one pass
 * over the path that also validates it (this runs for every update).
 */
static int
walk_init(struct trie_ctx *cx, struct walk *w, const struct trie_node *root,
    const char *path)
{
	const char *p, *e, *end;
	size_t n = 0;
	bool found = true;

	w->heap_cap = 0;
	w->seg = w->segbuf;
	w->anc = w->ancbuf;
	w->anc[0] = root;
	w->nfound = 0;
	if (path == NULL || path[0] != '/')
		return -EINVAL;
	end = path + strnlen(path, TRIE_PATH_MAX + 1);
	if ((size_t)(end - path) > TRIE_PATH_MAX)
		return -EINVAL;
	/* One pass that validates and descends: every update runs it. */
	for (p = path + 1; p < end; p = e + 1) {
		e = seg_end(p, end);
		if (e == p || e + 1 == end)
			return -EINVAL;	/* "//" or a trailing '/' */
		if (n == WALK_INLINE)
			return walk_init_long(cx, w, root, path);
		w->seg[n].off = (uint32_t)(p - path);
		w->seg[n].len = (uint32_t)(e - p);
		if (found) {
			const struct trie_node *k = kids_find(cx, w->anc[n], p,
			    (size_t)(e - p));

			if (k != NULL) {
				w->anc[n + 1] = k;
				w->nfound = n + 1;
			} else {
				found = false;
			}
		}
		n++;
	}
	w->path = path;
	w->pathlen = (size_t)(end - path);
	w->nseg = n;
	return 0;
}

/* Length of the path up to and including segment i ("/" for i < 0). */
static size_t
walk_prefix(const struct walk *w, size_t nsegs)
{
	if (nsegs == 0)
		return 1;
	return w->seg[nsegs - 1].off + w->seg[nsegs - 1].len;
}

/*
 * `sub` (owned, consumed) replaces anc[level]; copy the ancestors up to a
 * new root.  On failure everything built is released.
 */
static int
path_copy_up(struct trie_ctx *cx, const struct walk *w, size_t level,
    struct trie_node *sub, struct trie_node **out)
{
	struct trie_node *p;
	size_t i;
	int rc;

	for (i = level; i > 0; i--) {
		rc = node_with_kid_replaced(cx, w->anc[i - 1], w->anc[i], sub,
		    &p);
		trie_unref(cx, sub);
		if (rc < 0)
			return rc;
		sub = p;
	}
	*out = sub;
	return 0;
}

const struct trie_node *
trie__lookup(const struct trie_ctx *cx, const struct trie_node *root,
    const char *path, size_t *matched, size_t *lenp)
{
	const struct trie_node *n = root;
	const char *p, *e, *end;
	size_t got = 1;
	bool found = true;

	/* One pass that validates and descends (every read runs this). */
	if (path == NULL || path[0] != '/')
		return NULL;
	end = path + strnlen(path, TRIE_PATH_MAX + 1);
	if ((size_t)(end - path) > TRIE_PATH_MAX)
		return NULL;
	for (p = path + 1; p < end; p = e + 1) {
		e = seg_end(p, end);
		if (e == p || e + 1 == end)
			return NULL;	/* "//" or a trailing '/' */
		if (found) {
			const struct trie_node *k = kids_find(cx, n, p,
			    (size_t)(e - p));

			if (k != NULL) {
				n = k;
				got = (size_t)(e - path);
			} else {
				found = false;
			}
		}
	}
	*matched = got;
	*lenp = (size_t)(end - path);
	return n;
}

const struct trie_node *
trie_get_deepest(const struct trie_ctx *cx, const struct trie_node *root,
    const char *path, size_t *matched)
{
	size_t m, len;
	const struct trie_node *n = trie__lookup(cx, root, path, &m, &len);

	if (n != NULL && matched != NULL)
		*matched = m;
	return n;
}

const struct trie_node *
trie_get(const struct trie_ctx *cx, const struct trie_node *root,
    const char *path)
{
	size_t m, len;
	const struct trie_node *n = trie__lookup(cx, root, path, &m, &len);

	return n != NULL && m == len ? n : NULL;
}

/*
 * Record one change plus up to two owner deltas, all or nothing.  Delta
 * entries go in after room for them is known to exist.
 */
static int
log_record(struct trie_log *log, enum trie_change_kind kind,
    const struct walk *w, const struct trie_node *old,
    const struct trie_node *new, uint32_t o1, int64_t n1, int64_t b1,
    uint32_t o2, int64_t n2, int64_t b2)
{
	size_t mark = log->n;
	int rc;

	rc = trie__log_append(log, kind, w->path, w->pathlen, old, new);
	if (rc == 0)
		rc = trie__acct_reserve(&log->delta, 2);
	if (rc < 0) {
		trie__log_truncate(log, mark);
		return rc;
	}
	/* Cannot fail now: capacity for two new owners exists. */
	trie_acct_add(&log->delta, o1, n1, b1);
	trie_acct_add(&log->delta, o2, n2, b2);
	return 0;
}

static int
do_set(struct trie_ctx *cx, struct trie_node *root, const char *path,
    const void *val, size_t len, int creator, bool mkdir,
    trie_precheck_fn *check, void *arg, struct trie_log *log,
    struct trie_node **out)
{
	struct trie_perm pbuf[8], *perms = pbuf;
	const struct trie_node *parent, *old = NULL, *target = NULL;
	struct trie_node *sub = NULL, *chain = NULL, *res;
	size_t level, np = 0, j;
	uint32_t o1 = 0, o2 = 0;
	int64_t n1 = 0, b1 = 0, b2 = 0;
	struct walk w;
	int rc;

	if (len > TRIE_VALUE_MAX)
		return -E2BIG;
	rc = walk_init(cx, &w, root, path);
	if (rc < 0)
		return rc;
	if (check != NULL) {
		rc = check(arg, w.anc[w.nfound], w.nfound == w.nseg,
		    walk_prefix(&w, w.nfound));
		if (rc != 0)
			goto done;
	}
	if (w.nfound == w.nseg) {
		old = w.anc[w.nseg];
		if (mkdir) {
			*out = trie_ref(root);
			goto done;
		}
		if (old->vallen == len &&
		    (len == 0 || memcmp(node_value(old), val, len) == 0)) {
			/* Same value: same tree, but writers still notify. */
			if (log != NULL)
				rc = log_record(log, TRIE_CH_WRITE, &w, old,
				    old, 0, 0, 0, 0, 0, 0);
			if (rc == 0)
				*out = trie_ref(root);
			goto done;
		}
		rc = node_with_value(cx, old, val, len, &sub);
		if (rc < 0)
			goto done;
		target = sub;
		level = w.nseg;
		o1 = trie_node_owner(old);
		b1 = (int64_t)len - (int64_t)old->vallen;
	} else {
		parent = w.anc[w.nfound];
		np = parent->nperms;
		if (np > sizeof(pbuf) / sizeof(pbuf[0])) {
			perms = trie__alloc(cx, np * sizeof(*perms));
			if (perms == NULL) {
				rc = -ENOMEM;
				goto done;
			}
		}
		memcpy(perms, node_perms(parent), np * sizeof(*perms));
		if (creator != TRIE_INHERIT)
			perms[0].id = (uint16_t)creator;
		/* Build the missing chain bottom up. */
		for (j = w.nseg; j-- > w.nfound;) {
			struct trie_node *n;
			bool leaf = j == w.nseg - 1;

			rc = node_new(cx, path + w.seg[j].off, w.seg[j].len,
			    perms, np, leaf && !mkdir ? val : NULL,
			    leaf && !mkdir ? len : 0, chain, &n);
			trie_unref(cx, chain);
			chain = NULL;
			if (rc < 0)
				goto done;
			if (leaf)
				target = n;
			chain = n;
			b1 += (int64_t)trie_node_acc_bytes(n,
			    walk_prefix(&w, j + 1));
		}
		o1 = perms[0].id;
		n1 = (int64_t)(w.nseg - w.nfound);
		rc = node_with_kid_added(cx, parent, chain, &sub);
		trie_unref(cx, chain);
		if (rc < 0)
			goto done;
		level = w.nfound;
		o2 = trie_node_owner(parent);
		b2 = (int64_t)w.seg[w.nfound].len + 1;
	}
	rc = path_copy_up(cx, &w, level, sub, &res);
	if (rc < 0)
		goto done;
	if (log != NULL) {
		rc = log_record(log, mkdir ? TRIE_CH_MKDIR : TRIE_CH_WRITE, &w,
		    old, target, o1, n1, b1, o2, 0, b2);
		if (rc < 0) {
			trie_unref(cx, res);
			goto done;
		}
	}
	*out = res;
done:
	if (perms != pbuf)
		trie__free(cx, perms, np * sizeof(*perms));
	walk_fini(cx, &w);
	return rc;
}

int
trie_write(struct trie_ctx *cx, struct trie_node *root, const char *path,
    const void *val, size_t len, int creator, struct trie_log *log,
    struct trie_node **out)
{
	return do_set(cx, root, path, val, len, creator, false, NULL, NULL,
	    log, out);
}

int
trie_write_if(struct trie_ctx *cx, struct trie_node *root, const char *path,
    const void *val, size_t len, int creator, trie_precheck_fn *check,
    void *arg, struct trie_log *log, struct trie_node **out)
{
	return do_set(cx, root, path, val, len, creator, false, check, arg,
	    log, out);
}

int
trie_mkdir_if(struct trie_ctx *cx, struct trie_node *root, const char *path,
    int creator, trie_precheck_fn *check, void *arg, struct trie_log *log,
    struct trie_node **out)
{
	return do_set(cx, root, path, NULL, 0, creator, true, check, arg, log,
	    out);
}

int
trie_mkdir(struct trie_ctx *cx, struct trie_node *root, const char *path,
    int creator, struct trie_log *log, struct trie_node **out)
{
	return do_set(cx, root, path, NULL, 0, creator, true, NULL, NULL, log,
	    out);
}

int
trie_set_perms(struct trie_ctx *cx, struct trie_node *root,
    const char *path, const struct trie_perm *perms, size_t n,
    struct trie_log *log, struct trie_node **out)
{
	const struct trie_node *old, *target;
	struct trie_node *sub, *res;
	int64_t ob, nb;
	struct walk w;
	int rc;

	if (n == 0)
		return -EINVAL;
	if (n > TRIE_PERMS_MAX)
		return -E2BIG;
	rc = walk_init(cx, &w, root, path);
	if (rc < 0)
		return rc;
	if (w.nfound < w.nseg) {
		rc = -ENOENT;
		goto done;
	}
	old = w.anc[w.nseg];
	if (old->nperms == n &&
	    memcmp(node_perms(old), perms, n * sizeof(*perms)) == 0) {
		if (log != NULL)
			rc = log_record(log, TRIE_CH_PERMS, &w, old, old,
			    0, 0, 0, 0, 0, 0);
		if (rc == 0)
			*out = trie_ref(root);
		goto done;
	}
	rc = node_with_perms(cx, old, perms, n, &sub);
	if (rc < 0)
		goto done;
	target = sub;		/* stays alive inside res */
	ob = (int64_t)trie_node_acc_bytes(old, w.pathlen);
	nb = (int64_t)trie_node_acc_bytes(sub, w.pathlen);
	rc = path_copy_up(cx, &w, w.nseg, sub, &res);
	if (rc < 0)
		goto done;
	if (log != NULL) {
		rc = log_record(log, TRIE_CH_PERMS, &w, old, target,
		    trie_node_owner(old), -1, -ob, perms[0].id, 1, nb);
		if (rc < 0) {
			trie_unref(cx, res);
			goto done;
		}
	}
	*out = res;
done:
	walk_fini(cx, &w);
	return rc;
}

/* Accumulates the removed subtree into the log. */
struct rm_state {
	struct trie_log *log;
	struct trie_acct acc;
	const struct trie_node *top;
};

static int
rm_visit(void *arg, const char *path, size_t pathlen,
    const struct trie_node *n)
{
	struct rm_state *st = arg;
	int rc;

	rc = trie__log_append(st->log, n == st->top ? TRIE_CH_RM :
	    TRIE_CH_RM_CHILD, path, pathlen, n, NULL);
	if (rc == 0)
		rc = trie_acct_add(&st->acc, trie_node_owner(n), -1,
		    -(int64_t)trie_node_acc_bytes(n, pathlen));
	return rc;
}

int
trie_rm(struct trie_ctx *cx, struct trie_node *root, const char *path,
    struct trie_log *log, struct trie_node **out)
{
	const struct trie_node *old, *parent;
	struct trie_node *sub, *res;
	struct rm_state st;
	struct walk w;
	size_t mark;
	int rc;

	rc = walk_init(cx, &w, root, path);
	if (rc < 0)
		return rc;
	if (w.nseg == 0) {
		rc = -EINVAL;
		goto done;
	}
	if (w.nfound < w.nseg - 1) {
		rc = -ENOENT;
		goto done;
	}
	if (w.nfound == w.nseg - 1) {
		*out = trie_ref(root);
		goto done;
	}
	old = w.anc[w.nseg];
	parent = w.anc[w.nseg - 1];
	rc = node_with_kid_removed(cx, parent, old, &sub);
	if (rc < 0)
		goto done;
	rc = path_copy_up(cx, &w, w.nseg - 1, sub, &res);
	if (rc < 0)
		goto done;
	if (log != NULL) {
		mark = log->n;
		st.log = log;
		st.top = old;
		trie_acct_init(&st.acc, cx);
		rc = trie__walk_post(cx, old, path, w.pathlen, rm_visit, &st);
		if (rc == 0)
			rc = trie_acct_add(&st.acc, trie_node_owner(parent), 0,
			    -(int64_t)(old->namelen + 1u));
		if (rc == 0)
			rc = trie_acct_merge(&log->delta, &st.acc);
		trie_acct_fini(&st.acc);
		if (rc < 0) {
			trie__log_truncate(log, mark);
			trie_unref(cx, res);
			goto done;
		}
	}
	*out = res;
done:
	walk_fini(cx, &w);
	return rc;
}

int
trie_graft(struct trie_ctx *cx, struct trie_node *root, const char *path,
    struct trie_node *sub, struct trie_node **out)
{
	struct walk w;
	int rc;

	rc = walk_init(cx, &w, root, path);
	if (rc < 0)
		return rc;
	if (w.nfound < w.nseg) {
		rc = -ENOENT;
	} else if (w.nseg == 0) {
		*out = trie_ref(sub);
	} else if (!node_name_is(sub, path + w.seg[w.nseg - 1].off,
	    w.seg[w.nseg - 1].len)) {
		rc = -EINVAL;
	} else if (w.anc[w.nseg] == sub) {
		*out = trie_ref(root);
	} else {
		rc = path_copy_up(cx, &w, w.nseg, trie_ref(sub), out);
	}
	walk_fini(cx, &w);
	return rc;
}
