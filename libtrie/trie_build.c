/*
 * trie_build.c: bulk construction of a tree from a pre-order stream of
 * nodes (restoring a snapshot or a live-update state).  A stack holds the
 * path of open nodes; a node is built, with all its children at once,
 * when the stream leaves its subtree.
 */
#include <errno.h>
#include <stdlib.h>

#include "trie_internal.h"

struct frame {
	char *name;
	size_t namelen;
	void *val;
	size_t vlen;
	struct trie_perm *perms;
	size_t np;
	struct trie_node **kids;	/* owned references */
	size_t nkids, capkids;
	size_t pathlen;			/* length of this node's path */
};

struct trie_builder {
	struct trie_ctx *cx;
	struct frame *st;
	size_t depth, cap;
	struct trie_node *root;
	int err;
	char path[TRIE_PATH_MAX + 1];	/* the top frame's path (prefix) */
};

int
trie_builder_new(struct trie_ctx *cx, struct trie_builder **out)
{
	struct trie_builder *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return -ENOMEM;
	b->cx = cx;
	*out = b;
	return 0;
}

static void
frame_fini(struct trie_ctx *cx, struct frame *f)
{
	size_t i;

	for (i = 0; i < f->nkids; i++)
		trie_unref(cx, f->kids[i]);
	free(f->kids);
	free(f->name);
	free(f->val);
	free(f->perms);
	memset(f, 0, sizeof(*f));
}

void
trie_builder_free(struct trie_builder **bp)
{
	struct trie_builder *b = *bp;

	if (b == NULL)
		return;
	while (b->depth > 0)
		frame_fini(b->cx, &b->st[--b->depth]);
	free(b->st);
	trie_unref(b->cx, b->root);
	free(b);
	*bp = NULL;
}

static int
cmp_name(const void *a, const void *b)
{
	const struct trie_node *x = *(struct trie_node *const *)a;
	const struct trie_node *y = *(struct trie_node *const *)b;
	size_t n = x->namelen < y->namelen ? x->namelen : y->namelen;
	int c = memcmp(node_name(x), node_name(y), n);

	return c ? c : (x->namelen > y->namelen) - (x->namelen < y->namelen);
}

static bool
has_duplicates(struct trie_node **kids, size_t n)
{
	struct trie_node **s;
	size_t i;
	bool dup = false;

	if (n < 2)
		return false;
	s = malloc(n * sizeof(*s));
	if (s == NULL)
		return true;	/* cannot tell: refuse */
	memcpy(s, kids, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_name);
	for (i = 1; i < n && !dup; i++)
		dup = cmp_name(&s[i - 1], &s[i]) == 0;
	free(s);
	return dup;
}

/* Build the node of the top frame and hand it to its parent (or root). */
static int
close_top(struct trie_builder *b)
{
	struct frame *f = &b->st[b->depth - 1];
	struct trie_node *n;
	struct kmap *m = NULL;
	size_t i, names = 0;
	int rc;

	if (has_duplicates(f->kids, f->nkids))
		return -EINVAL;
	if (f->nkids > KIDS_FLAT_MAX) {
		rc = kmap_from_array(b->cx, f->kids, f->nkids, &m);
		if (rc < 0)
			return rc;
	}
	n = node_alloc(b->cx, m ? 1 : f->nkids, f->perms, f->np, f->name,
	    f->namelen, f->val, f->vlen);
	if (n == NULL) {
		kmap_unref(b->cx, m, NULL, NULL);
		return -ENOMEM;
	}
	for (i = 0; i < f->nkids; i++)
		names += f->kids[i]->namelen + 1u;
	n->nkids = (uint32_t)f->nkids;
	n->kidnames = (uint32_t)names;
	if (m != NULL) {
		n->flags |= TN_MAP;
		node_kids(n)[0] = (struct trie_node *)(void *)m;
	} else {
		/* the node takes over the frame's references (a leaf's
		 * frame has no array: memcpy must not see NULL) */
		if (f->nkids > 0)
			memcpy(node_kids(n), f->kids,
			    f->nkids * sizeof(f->kids[0]));
		f->nkids = 0;
	}
	node_freeze(n);
	frame_fini(b->cx, f);
	b->depth--;
	if (b->depth == 0) {
		b->root = n;
		return 0;
	}
	f = &b->st[b->depth - 1];
	if (f->nkids == f->capkids) {
		size_t cap = f->capkids ? f->capkids * 2 : 4;
		struct trie_node **nk = realloc(f->kids, cap * sizeof(*nk));

		if (nk == NULL) {
			trie_unref(b->cx, n);
			return -ENOMEM;
		}
		f->kids = nk;
		f->capkids = cap;
	}
	f->kids[f->nkids++] = n;
	return 0;
}

static void *
dup_bytes(const void *p, size_t n)
{
	void *d = malloc(n ? n : 1);

	if (d != NULL && n)
		memcpy(d, p, n);
	return d;
}

int
trie_builder_add(struct trie_builder *b, const char *path, const void *val,
    size_t len, const struct trie_perm *perms, size_t np)
{
	size_t plen, start;
	struct frame *f;
	int rc;

	if (b->err)
		return b->err;
	if (!trie__path_valid(path, &plen) || np == 0)
		return b->err = -EINVAL;
	if (len > TRIE_VALUE_MAX || np > TRIE_PERMS_MAX)
		return b->err = -E2BIG;
	if (b->root != NULL || (b->depth == 0 && plen != 1))
		return b->err = -EINVAL;	/* one tree, "/" first */
	if (b->depth > 0) {
		/* Close frames until the top is this node's parent. */
		size_t parent = plen;

		while (parent > 0 && path[parent - 1] != '/')
			parent--;
		start = parent;
		parent = parent <= 1 ? 1 : parent - 1;
		while (b->depth > 0 &&
		    (b->st[b->depth - 1].pathlen != parent)) {
			if (b->st[b->depth - 1].pathlen < parent)
				return b->err = -EINVAL;
			rc = close_top(b);
			if (rc < 0)
				return b->err = rc;
		}
		if (b->depth == 0 || plen == 1 ||
		    memcmp(b->path, path, parent) != 0)
			return b->err = -EINVAL;	/* not its parent */
	} else {
		start = 1;
	}
	if (b->depth == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		struct frame *ns = realloc(b->st, cap * sizeof(*ns));

		if (ns == NULL)
			return b->err = -ENOMEM;
		b->st = ns;
		b->cap = cap;
	}
	f = &b->st[b->depth];
	memset(f, 0, sizeof(*f));
	f->namelen = plen - start;
	f->name = dup_bytes(path + start, f->namelen);
	f->val = dup_bytes(val, len);
	f->vlen = len;
	f->perms = dup_bytes(perms, np * sizeof(*perms));
	f->np = np;
	f->pathlen = plen;
	memcpy(b->path, path, plen);
	b->depth++;
	if (f->name == NULL || f->val == NULL || f->perms == NULL)
		return b->err = -ENOMEM;
	return 0;
}

int
trie_builder_finish(struct trie_builder *b, struct trie_node **root)
{
	int rc;

	if (b->err)
		return b->err;
	while (b->depth > 0) {
		rc = close_top(b);
		if (rc < 0)
			return b->err = rc;
	}
	if (b->root == NULL)
		return b->err = -EINVAL;
	*root = b->root;
	b->root = NULL;
	return 0;
}
