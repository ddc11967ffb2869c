/*
 * trie_kids.c: reading a node's children, whatever container holds them
 * (a flat array in insertion order, or a kmap for large directories).
 */
#include "trie_internal.h"

void
kiter_init(struct kiter *it, const struct trie_node *n)
{
	it->n = n;
	it->i = 0;
	it->m = NULL;
	it->depth = -1;
	if (n->flags & TN_MAP)
		kmap_iter_init(it, node_map(n));
}

const struct trie_node *
kiter_next(struct kiter *it)
{
	if (it->m != NULL)
		return kmap_iter_next(it);
	if (it->i >= it->n->nkids)
		return NULL;
	return node_kids(it->n)[it->i++];
}

int
kids_foreach(const struct trie_node *n, trie_child_fn *fn, void *arg)
{
	const struct trie_node *k;
	struct kiter it;
	int rc;

	kiter_init(&it, n);
	while ((k = kiter_next(&it)) != NULL)
		if ((rc = fn(arg, k)) != 0)
			return rc;
	return 0;
}

void
kids_collect(const struct trie_node *n, const struct trie_node **buf)
{
	const struct trie_node *k;
	struct kiter it;

	kiter_init(&it, n);
	while ((k = kiter_next(&it)) != NULL)
		*buf++ = k;
}

bool
node_kid_names_equal(const struct trie_ctx *cx, const struct trie_node *a,
    const struct trie_node *b)
{
	const struct trie_node *x, *y;
	struct kiter ia, ib;

	(void)cx;
	if (a->nkids != b->nkids || a->kidnames != b->kidnames)
		return false;
	if ((a->flags & TN_MAP) && (b->flags & TN_MAP) &&
	    node_map(a) == node_map(b))
		return true;
	kiter_init(&ia, a);
	kiter_init(&ib, b);
	for (;;) {
		x = kiter_next(&ia);
		y = kiter_next(&ib);
		if (x == NULL || y == NULL)
			return x == y;
		if (x != y && !node_name_is(x, node_name(y), y->namelen))
			return false;
	}
}

const struct trie_node *
trie_child(const struct trie_ctx *cx, const struct trie_node *n,
    const char *name, size_t len)
{
	return kids_find(cx, n, name, len);
}

int
trie_children(const struct trie_ctx *cx, const struct trie_node *n,
    trie_child_fn *fn, void *arg)
{
	(void)cx;
	return kids_foreach(n, fn, arg);
}
