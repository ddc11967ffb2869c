/*
 * trie_node.c: allocation, reference counting and copy-with-one-change of
 * trie nodes.  The only file that lays out a node; see trie_internal.h
 * for the picture.  Every builder here returns a new, frozen node with
 * one reference, sharing everything else with its input.
 */
#include <errno.h>

#include "trie_internal.h"

struct trie_node *
node_alloc(struct trie_ctx *cx, size_t nslots, const struct trie_perm *perms,
    size_t nperms, const char *name, size_t namelen, const void *val,
    size_t vallen)
{
	struct trie_node *n;

	assert(nperms >= 1 && nperms <= TRIE_PERMS_MAX);
	assert(namelen <= UINT16_MAX && vallen <= TRIE_VALUE_MAX);
	n = trie__alloc(cx, node_size(nslots, nperms, namelen, vallen));
	if (n == NULL)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->refs = 1;
	n->vallen = (uint32_t)vallen;
	n->namelen = (uint16_t)namelen;
	n->nperms = (uint16_t)nperms;
	n->gen = ++cx->gen;
	/* nkids/flags are set by the caller before slots are read. */
	memcpy((char *)(node_kids(n) + nslots), perms,
	    nperms * sizeof(*perms));
	memcpy((char *)(node_kids(n) + nslots) + nperms * sizeof(*perms),
	    name, namelen);
	if (vallen)
		memcpy((char *)(node_kids(n) + nslots) +
		    nperms * sizeof(*perms) + namelen, val, vallen);
	cx->live_nodes++;
	return n;
}

struct trie_node *
trie_ref(struct trie_node *n)
{
	if (n != NULL) {
		assert(n->refs > 0);
		n->refs++;
	}
	return n;
}

/*
 * Dead nodes are chained through their (no longer meaningful) generation
 * field, so freeing a deep tree needs no stack and no allocation.
 */
static void
push_dead(void *arg, struct trie_node *n)
{
	struct trie_node **list = arg;

	n->gen = (uint64_t)(uintptr_t)*list;
	*list = n;
}

void
trie_unref(struct trie_ctx *cx, struct trie_node *n)
{
	struct trie_node *list = NULL;

	if (n == NULL)
		return;
	assert(n->refs > 0);
	if (--n->refs > 0)
		return;
	push_dead(&list, n);
	while (list != NULL) {
		struct trie_node *d = list;
		size_t i, size;

		list = (struct trie_node *)(uintptr_t)d->gen;
		if (d->flags & TN_MAP) {
			kmap_unref(cx, node_map(d), push_dead, &list);
		} else {
			for (i = 0; i < d->nkids; i++) {
				struct trie_node *k = node_kids(d)[i];

				assert(k->refs > 0);
				if (--k->refs == 0)
					push_dead(&list, k);
			}
		}
		size = node_size(node_nslots(d), d->nperms, d->namelen,
		    d->vallen);
#ifndef NDEBUG
		memset(d, 0x5a, size);	/* poison: use-after-free shows */
#endif
		trie__free(cx, d, size);
		assert(cx->live_nodes > 0);
		cx->live_nodes--;
	}
}

/* A copy of n's header and data with `nslots` slots, kids not filled. */
static struct trie_node *
node_clone(struct trie_ctx *cx, const struct trie_node *n, size_t nslots,
    const struct trie_perm *perms, size_t np, const void *val, size_t len)
{
	struct trie_node *c = node_alloc(cx, nslots, perms, np,
	    node_name(n), n->namelen, val, len);

	if (c == NULL)
		return NULL;
	c->nkids = n->nkids;
	c->kidnames = n->kidnames;
	c->flags = n->flags & TN_MAP;
	return c;
}

/* Share all of n's children with c (same slot layout). */
static void
node_share_kids(struct trie_node *c, const struct trie_node *n)
{
	size_t i;

	if (n->flags & TN_MAP) {
		node_kids(c)[0] = (struct trie_node *)(void *)
		    kmap_ref(node_map(n));
		return;
	}
	for (i = 0; i < n->nkids; i++)
		node_kids(c)[i] = trie_ref(node_kids(n)[i]);
}

int
node_with_value(struct trie_ctx *cx, const struct trie_node *n,
    const void *val, size_t len, struct trie_node **out)
{
	struct trie_node *c;

	if (len > TRIE_VALUE_MAX)
		return -E2BIG;
	c = node_clone(cx, n, node_nslots(n), node_perms(n), n->nperms, val,
	    len);
	if (c == NULL)
		return -ENOMEM;
	node_share_kids(c, n);
	*out = node_freeze(c);
	return 0;
}

int
node_with_perms(struct trie_ctx *cx, const struct trie_node *n,
    const struct trie_perm *perms, size_t np, struct trie_node **out)
{
	struct trie_node *c;

	if (np == 0)
		return -EINVAL;
	if (np > TRIE_PERMS_MAX)
		return -E2BIG;
	c = node_clone(cx, n, node_nslots(n), perms, np, node_value(n),
	    n->vallen);
	if (c == NULL)
		return -ENOMEM;
	node_share_kids(c, n);
	*out = node_freeze(c);
	return 0;
}

int
node_with_kid_replaced(struct trie_ctx *cx, const struct trie_node *n,
    const struct trie_node *oldkid, struct trie_node *newkid,
    struct trie_node **out)
{
	size_t size = node_size(node_nslots(n), n->nperms, n->namelen,
	    n->vallen);
	struct trie_node *c;
	struct kmap *m = NULL;
	size_t i;
	int rc;

	assert(node_name_is(newkid, node_name(oldkid), oldkid->namelen));
	if (n->flags & TN_MAP) {
		rc = kmap_with_replaced(cx, node_map(n), oldkid, newkid, &m);
		if (rc < 0)
			return rc;
	}
	c = trie__alloc(cx, size);
	if (c == NULL) {
		kmap_unref(cx, m, NULL, NULL);
		return -ENOMEM;
	}
	/*
	 * Same layout, same data: one copy (every update copies its path
	 * this way).  Only a pointer below changed, so the generation (the
	 * child list's) stays.
	 */
	memcpy(c, n, size);
	c->refs = 1;
	c->flags = n->flags & TN_MAP;
	cx->live_nodes++;
	if (m != NULL) {
		node_kids(c)[0] = (struct trie_node *)(void *)m;
	} else {
		for (i = 0; i < n->nkids; i++) {
			struct trie_node *k = node_kids(n)[i];

			node_kids(c)[i] = trie_ref(k == oldkid ? newkid : k);
		}
	}
	*out = node_freeze(c);
	return 0;
}

int
node_with_kid_added(struct trie_ctx *cx, const struct trie_node *n,
    struct trie_node *newkid, struct trie_node **out)
{
	size_t nk = n->nkids, i;
	bool to_map = !(n->flags & TN_MAP) && nk + 1 > KIDS_FLAT_MAX;
	struct trie_node *c;
	struct kmap *m = NULL;
	int rc;

	if (nk >= UINT32_MAX - 1)
		return -E2BIG;
	if (n->flags & TN_MAP) {
		rc = kmap_with_added(cx, node_map(n), newkid, &m);
	} else if (to_map) {
		struct trie_node *tmp[KIDS_FLAT_MAX + 1];

		memcpy(tmp, node_kids(n), nk * sizeof(tmp[0]));
		tmp[nk] = newkid;
		rc = kmap_from_array(cx, tmp, nk + 1, &m);
	} else {
		rc = 0;
	}
	if (rc < 0)
		return rc;
	c = node_clone(cx, n, m ? 1 : nk + 1, node_perms(n), n->nperms,
	    node_value(n), n->vallen);
	if (c == NULL) {
		kmap_unref(cx, m, NULL, NULL);
		return -ENOMEM;
	}
	c->nkids = (uint32_t)nk + 1;
	c->kidnames = n->kidnames + newkid->namelen + 1u;
	if (m != NULL) {
		c->flags |= TN_MAP;
		node_kids(c)[0] = (struct trie_node *)(void *)m;
	} else {
		for (i = 0; i < nk; i++)
			node_kids(c)[i] = trie_ref(node_kids(n)[i]);
		node_kids(c)[nk] = trie_ref(newkid);
	}
	*out = node_freeze(c);
	return 0;
}

static int
collect_kid(void *arg, const struct trie_node *kid)
{
	struct trie_node ***pp = arg;

	*(*pp)++ = (struct trie_node *)(uintptr_t)kid;
	return 0;
}

int
node_with_kid_removed(struct trie_ctx *cx, const struct trie_node *n,
    const struct trie_node *oldkid, struct trie_node **out)
{
	size_t nk = n->nkids, i, j;
	struct trie_node *c, *flat[KIDS_FLAT_MIN], **p = flat;
	struct kmap *m = NULL;
	bool to_flat = false;
	int rc;

	assert(nk > 0);
	if (n->flags & TN_MAP) {
		rc = kmap_with_removed(cx, node_map(n), oldkid, &m);
		if (rc < 0)
			return rc;
		if (nk - 1 <= KIDS_FLAT_MIN) {
			to_flat = true;
			kmap_foreach(m, collect_kid, &p);
		}
	}
	c = node_clone(cx, n, (m && !to_flat) ? 1 : nk - 1, node_perms(n),
	    n->nperms, node_value(n), n->vallen);
	if (c == NULL) {
		kmap_unref(cx, m, NULL, NULL);
		return -ENOMEM;
	}
	c->nkids = (uint32_t)nk - 1;
	c->kidnames = n->kidnames - (oldkid->namelen + 1u);
	if (m != NULL && !to_flat) {
		node_kids(c)[0] = (struct trie_node *)(void *)m;
	} else if (m != NULL) {
		c->flags &= (uint8_t)~TN_MAP;
		for (i = 0; i < nk - 1; i++)
			node_kids(c)[i] = trie_ref(flat[i]);
		kmap_unref(cx, m, NULL, NULL);
	} else {
		for (i = 0, j = 0; i < nk; i++)
			if (node_kids(n)[i] != oldkid)
				node_kids(c)[j++] = trie_ref(node_kids(n)[i]);
		assert(j == nk - 1);
	}
	*out = node_freeze(c);
	return 0;
}

int
node_new(struct trie_ctx *cx, const char *name, size_t namelen,
    const struct trie_perm *perms, size_t np, const void *val, size_t vallen,
    struct trie_node *kid, struct trie_node **out)
{
	struct trie_node *n;

	if (vallen > TRIE_VALUE_MAX || np > TRIE_PERMS_MAX ||
	    namelen > UINT16_MAX)
		return -E2BIG;
	n = node_alloc(cx, kid ? 1 : 0, perms, np, name, namelen, val, vallen);
	if (n == NULL)
		return -ENOMEM;
	if (kid != NULL) {
		node_kids(n)[0] = trie_ref(kid);
		n->nkids = 1;
		n->kidnames = kid->namelen + 1u;
	}
	*out = node_freeze(n);
	return 0;
}

bool
node_perms_equal(const struct trie_node *a, const struct trie_node *b)
{
	return a->nperms == b->nperms && memcmp(node_perms(a), node_perms(b),
	    a->nperms * sizeof(struct trie_perm)) == 0;
}

bool
node_values_equal(const struct trie_node *a, const struct trie_node *b)
{
	return a->vallen == b->vallen &&
	    memcmp(node_value(a), node_value(b), a->vallen) == 0;
}

/* --- public accessors --- */

int
trie_new_root(struct trie_ctx *cx, const struct trie_perm *perms, size_t n,
    struct trie_node **out)
{
	if (n == 0)
		return -EINVAL;
	return node_new(cx, "", 0, perms, n, NULL, 0, NULL, out);
}

const char *
trie_node_name(const struct trie_node *n, size_t *len)
{
	if (len != NULL)
		*len = n->namelen;
	return node_name(n);
}

const void *
trie_node_value(const struct trie_node *n, size_t *len)
{
	if (len != NULL)
		*len = n->vallen;
	return node_value(n);
}

const struct trie_perm *
trie_node_perms(const struct trie_node *n, size_t *count)
{
	if (count != NULL)
		*count = n->nperms;
	return node_perms(n);
}

size_t
trie_node_nchildren(const struct trie_node *n)
{
	return n->nkids;
}

size_t
trie_node_child_names_len(const struct trie_node *n)
{
	return n->kidnames;
}

uint64_t
trie_node_gen(const struct trie_node *n)
{
	return n->gen;
}

uint16_t
trie_node_owner(const struct trie_node *n)
{
	return node_perms(n)[0].id;
}

uint64_t
trie_node_acc_bytes(const struct trie_node *n, size_t pathlen)
{
	return 16u + 8u * (uint64_t)n->nperms + n->vallen + n->kidnames +
	    pathlen;
}
