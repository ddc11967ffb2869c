/*
 * trie_walk.c: whole-subtree walks: post-order visits (removal logs,
 * recounts), the structural checker, and the diff of two versions that
 * descends only where pointers differ.  All iterative with a heap stack,
 * so the depth of a tree never turns into C stack depth.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "trie_internal.h"

struct wframe {
	const struct trie_node *n;
	size_t pathlen;
	struct kiter it;
};

/* Byte offset where a child's name goes after its parent's path. */
static inline size_t
child_off(size_t parentlen)
{
	return parentlen == 1 ? 1 : parentlen + 1;
}

/* A NULL context means plain malloc (the detached walk's threads). */
static void *
walk_alloc(struct trie_ctx *cx, size_t size)
{
	return cx ? trie__alloc(cx, size) : malloc(size);
}

static void
walk_free(struct trie_ctx *cx, void *p, size_t size)
{
	if (cx)
		trie__free(cx, p, size);
	else
		free(p);
}

static int
grow(struct trie_ctx *cx, void **stack, size_t *cap, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	void *ns = walk_alloc(cx, ncap * elem);

	if (ns == NULL)
		return -ENOMEM;
	if (*cap)
		memcpy(ns, *stack, *cap * elem);
	walk_free(cx, *stack, *cap * elem);
	*stack = ns;
	*cap = ncap;
	return 0;
}

int
trie__walk_post(struct trie_ctx *cx, const struct trie_node *n,
    const char *path, size_t pathlen, trie__visit_fn *fn, void *arg)
{
	char buf[TRIE_PATH_MAX + 1];
	struct wframe *st = NULL;
	size_t depth = 0, cap = 0;
	int rc = 0;

	if (pathlen > TRIE_PATH_MAX)
		return -EINVAL;
	memcpy(buf, path, pathlen);
	rc = grow(cx, (void **)&st, &cap, sizeof(*st));
	if (rc < 0)
		return rc;
	st[0].n = n;
	st[0].pathlen = pathlen;
	kiter_init(&st[0].it, n);
	depth = 1;
	while (depth > 0) {
		struct wframe *f = &st[depth - 1];
		const struct trie_node *k = kiter_next(&f->it);
		size_t off;

		if (k == NULL) {
			buf[f->pathlen] = '\0';
			rc = fn(arg, buf, f->pathlen, f->n);
			if (rc)
				break;
			depth--;
			continue;
		}
		off = child_off(f->pathlen);
		if (off + k->namelen > TRIE_PATH_MAX) {
			rc = -EIO;	/* cannot exist: paths are bounded */
			break;
		}
		if (depth == cap) {
			rc = grow(cx, (void **)&st, &cap, sizeof(*st));
			if (rc < 0)
				break;
			f = &st[depth - 1];
		}
		buf[off - 1] = '/';
		memcpy(buf + off, node_name(k), k->namelen);
		st[depth].n = k;
		st[depth].pathlen = off + k->namelen;
		kiter_init(&st[depth].it, k);
		depth++;
	}
	trie__free(cx, st, cap * sizeof(*st));
	return rc;
}

static int
walk_pre(struct trie_ctx *cx, const struct trie_node *root,
    trie_walk_fn *fn, void *arg)
{
	char buf[TRIE_PATH_MAX + 1] = "/";
	struct wframe *st = NULL;
	size_t depth, cap = 0;
	int rc;

	rc = fn(arg, "/", 1, root);
	if (rc == TRIE_WALK_SKIP)
		return 0;
	if (rc)
		return rc;
	rc = grow(cx, (void **)&st, &cap, sizeof(*st));
	if (rc < 0)
		return rc;
	st[0].n = root;
	st[0].pathlen = 1;
	kiter_init(&st[0].it, root);
	depth = 1;
	while (depth > 0) {
		struct wframe *f = &st[depth - 1];
		const struct trie_node *k = kiter_next(&f->it);
		size_t off, len;

		if (k == NULL) {
			depth--;
			continue;
		}
		off = child_off(f->pathlen);
		len = off + k->namelen;
		if (len > TRIE_PATH_MAX) {
			rc = -EIO;
			break;
		}
		buf[off - 1] = '/';
		memcpy(buf + off, node_name(k), k->namelen);
		buf[len] = '\0';
		rc = fn(arg, buf, len, k);
		if (rc == TRIE_WALK_SKIP) {
			rc = 0;
			continue;
		}
		if (rc)
			break;
		if (k->nkids == 0)
			continue;
		if (depth == cap) {
			rc = grow(cx, (void **)&st, &cap, sizeof(*st));
			if (rc < 0)
				break;
		}
		st[depth].n = k;
		st[depth].pathlen = len;
		kiter_init(&st[depth].it, k);
		depth++;
	}
	walk_free(cx, st, cap * sizeof(*st));
	return rc;
}

int
trie_walk(struct trie_ctx *cx, const struct trie_node *root,
    trie_walk_fn *fn, void *arg)
{
	return walk_pre(cx, root, fn, arg);
}

int
trie_walk_detached(const struct trie_node *root, trie_walk_fn *fn,
    void *arg)
{
	return walk_pre(NULL, root, fn, arg);
}

static int
recount_visit(void *arg, const char *path, size_t pathlen,
    const struct trie_node *n)
{
	(void)path;
	return trie_acct_add(arg, trie_node_owner(n), 1,
	    (int64_t)trie_node_acc_bytes(n, pathlen));
}

int
trie_acct_recount(struct trie_ctx *cx, const struct trie_node *root,
    struct trie_acct *ac)
{
	trie_acct_clear(ac);
	return trie__walk_post(cx, root, "/", 1, recount_visit, ac);
}

static int
bad(char *why, size_t whylen, const char *label, const char *what)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s: %s", label, what);
	return -EIO;
}

int
trie__node_check(struct trie_ctx *cx, const struct trie_node *n,
    bool is_root, const char *label, char *why, size_t whylen)
{
	const struct trie_node *k;
	struct kiter it;
	size_t count = 0, names = 0, i, j;

	if (n->refs == 0)
		return bad(why, whylen, label, "reference count is zero");
	if (!(n->flags & TN_FROZEN))
		return bad(why, whylen, label, "node reachable but not frozen");
	if (n->nperms == 0)
		return bad(why, whylen, label, "no permission entry");
	if (!is_root && n->namelen == 0)
		return bad(why, whylen, label, "empty name");
	for (i = 0; !(n->flags & TN_MAP) && i < n->nkids; i++)
		if (node_kids(n)[i] == NULL)
			return bad(why, whylen, label, "listed child missing");
	kiter_init(&it, n);
	while ((k = kiter_next(&it)) != NULL) {
		count++;
		names += k->namelen + 1u;
		if (k->refs == 0)
			return bad(why, whylen, label,
			    "child with no reference");
	}
	if (count != n->nkids)
		return bad(why, whylen, label,
		    "child count differs from the list");
	if (names != n->kidnames)
		return bad(why, whylen, label, "child-name length differs");
	if (n->flags & TN_MAP) {
		if (n->nkids <= KIDS_FLAT_MIN)
			return bad(why, whylen, label,
			    "small directory kept as map");
		if (kmap_check(cx, node_map(n), n->nkids, why, whylen) < 0)
			return -EIO;
	} else {
		struct trie_node *const *kk = node_kids(n);

		if (n->nkids > KIDS_FLAT_MAX)
			return bad(why, whylen, label,
			    "large directory kept flat");
		for (i = 0; i < n->nkids; i++)
			for (j = i + 1; j < n->nkids; j++)
				if (node_name_is(kk[i], node_name(kk[j]),
				    kk[j]->namelen))
					return bad(why, whylen, label,
					    "duplicate child name");
	}
	return 0;
}

struct check_state {
	struct trie_ctx *cx;
	char *why;
	size_t whylen;
};

static int
check_visit(void *arg, const char *path, size_t pathlen,
    const struct trie_node *n)
{
	struct check_state *st = arg;

	return trie__node_check(st->cx, n, pathlen == 1, path, st->why,
	    st->whylen);
}

int
trie__check(struct trie_ctx *cx, const struct trie_node *root, char *why,
    size_t whylen)
{
	struct check_state st = { cx, why, whylen };

	if (root == NULL)
		return bad(why, whylen, "/", "no root");
	if (root->namelen != 0)
		return bad(why, whylen, "/", "root has a name");
	return trie__walk_post(cx, root, "/", 1, check_visit, &st);
}

/* ------------------------------------------------------------------ */
/* diff                                                                */

struct pair {
	const struct trie_node *a, *b;
};

struct dframe {
	struct pair *p;
	size_t n, cap, i;
	size_t pathlen;
};

static int
pair_push(void *arg, const struct trie_node *a, const struct trie_node *b)
{
	struct dframe *f = ((void **)arg)[0];
	struct trie_ctx *cx = ((void **)arg)[1];
	int rc;

	if (f->n == f->cap) {
		rc = grow(cx, (void **)&f->p, &f->cap, sizeof(f->p[0]));
		if (rc < 0)
			return rc;
	}
	f->p[f->n].a = a;
	f->p[f->n].b = b;
	f->n++;
	return 0;
}

/* The child pairs of two differing nodes that are not the same pointer. */
static int
collect_pairs(struct trie_ctx *cx, const struct trie_node *a,
    const struct trie_node *b, struct dframe *f)
{
	void *ctx[2] = { f, cx };
	const struct trie_node *k, *o;
	struct kiter it;
	int rc;

	if ((a->flags & TN_MAP) && (b->flags & TN_MAP))
		return kmap_diff(node_map(a), node_map(b), pair_push, ctx);
	kiter_init(&it, b);
	while ((k = kiter_next(&it)) != NULL) {
		o = kids_find(cx, a, node_name(k), k->namelen);
		if (o != k && (rc = pair_push(ctx, o, k)) < 0)
			return rc;
	}
	kiter_init(&it, a);
	while ((k = kiter_next(&it)) != NULL) {
		if (kids_find(cx, b, node_name(k), k->namelen) == NULL &&
		    (rc = pair_push(ctx, k, NULL)) < 0)
			return rc;
	}
	return 0;
}

static bool
node_content_differs(const struct trie_ctx *cx, const struct trie_node *a,
    const struct trie_node *b)
{
	return !node_values_equal(a, b) || !node_perms_equal(a, b) ||
	    !node_kid_names_equal(cx, a, b);
}

int
trie_diff(struct trie_ctx *cx, const struct trie_node *a,
    const struct trie_node *b, trie_diff_fn *fn, void *arg)
{
	char buf[TRIE_PATH_MAX + 1] = "/";
	struct dframe *st = NULL;
	size_t depth = 0, cap = 0, i;
	int rc = 0;

	if (a == b)
		return 0;
	if (a == NULL || b == NULL || node_content_differs(cx, a, b)) {
		rc = fn(arg, "/", a, b);
		if (rc || a == NULL || b == NULL)
			return rc;
	}
	rc = grow(cx, (void **)&st, &cap, sizeof(*st));
	if (rc < 0)
		return rc;
	memset(&st[0], 0, sizeof(st[0]));
	st[0].pathlen = 1;
	depth = 1;
	rc = collect_pairs(cx, a, b, &st[0]);
	while (rc == 0 && depth > 0) {
		struct dframe *f = &st[depth - 1];
		const struct trie_node *x, *y, *named;
		size_t off, len;

		if (f->i == f->n) {
			trie__free(cx, f->p, f->cap * sizeof(f->p[0]));
			depth--;
			continue;
		}
		x = f->p[f->i].a;
		y = f->p[f->i].b;
		f->i++;
		named = x ? x : y;
		off = child_off(f->pathlen);
		len = off + named->namelen;
		if (len > TRIE_PATH_MAX) {
			rc = -EIO;
			break;
		}
		buf[off - 1] = '/';
		memcpy(buf + off, node_name(named), named->namelen);
		buf[len] = '\0';
		if (x == NULL || y == NULL || node_content_differs(cx, x, y)) {
			rc = fn(arg, buf, x, y);
			if (rc || x == NULL || y == NULL)
				continue;
		}
		if (depth == cap) {
			rc = grow(cx, (void **)&st, &cap, sizeof(*st));
			if (rc < 0)
				break;
		}
		memset(&st[depth], 0, sizeof(st[0]));
		st[depth].pathlen = len;
		rc = collect_pairs(cx, x, y, &st[depth]);
		depth++;
	}
	for (i = 0; i < depth; i++)
		trie__free(cx, st[i].p, st[i].cap * sizeof(st[i].p[0]));
	trie__free(cx, st, cap * sizeof(*st));
	return rc;
}
