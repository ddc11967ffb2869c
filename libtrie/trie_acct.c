/*
 * trie_acct.c: per-owner accounting (nodes, bytes) as a sorted array.
 * The same type holds the store's totals and the signed deltas of single
 * updates and transactions; merging a delta is all-or-nothing.
 */
#include <errno.h>

#include "trie_internal.h"

void
trie_acct_init(struct trie_acct *ac, struct trie_ctx *cx)
{
	memset(ac, 0, sizeof(*ac));
	ac->cx = cx;
}

void
trie_acct_fini(struct trie_acct *ac)
{
	trie__free(ac->cx, ac->e, ac->cap * sizeof(ac->e[0]));
	ac->e = NULL;
	ac->n = ac->cap = 0;
}

void
trie_acct_clear(struct trie_acct *ac)
{
	ac->n = 0;
}

/* Index of `owner`, or of where it would be inserted. */
static size_t
acct_find(const struct trie_acct *ac, uint32_t owner, bool *found)
{
	size_t lo = 0, hi = ac->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ac->e[mid].owner < owner)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < ac->n && ac->e[lo].owner == owner;
	return lo;
}

static int
acct_reserve(struct trie_acct *ac, size_t want)
{
	struct trie_acct_entry *ne;
	size_t cap;

	if (want <= ac->cap)
		return 0;
	cap = ac->cap ? ac->cap * 2 : 4;
	while (cap < want)
		cap *= 2;
	ne = trie__alloc(ac->cx, cap * sizeof(*ne));
	if (ne == NULL)
		return -ENOMEM;
	if (ac->n)
		memcpy(ne, ac->e, ac->n * sizeof(*ne));
	trie__free(ac->cx, ac->e, ac->cap * sizeof(*ne));
	ac->e = ne;
	ac->cap = cap;
	return 0;
}

int
trie__acct_reserve(struct trie_acct *ac, size_t extra)
{
	return acct_reserve(ac, ac->n + extra);
}

/* Apply with capacity already reserved for a possible new entry. */
static void
acct_apply(struct trie_acct *ac, uint32_t owner, int64_t nodes,
    int64_t bytes)
{
	bool found;
	size_t i = acct_find(ac, owner, &found);

	if (!found) {
		assert(ac->n < ac->cap);
		memmove(&ac->e[i + 1], &ac->e[i], (ac->n - i) * sizeof(ac->e[0]));
		ac->e[i].owner = owner;
		ac->e[i].nodes = 0;
		ac->e[i].bytes = 0;
		ac->n++;
	}
	ac->e[i].nodes += nodes;
	ac->e[i].bytes += bytes;
	if (ac->e[i].nodes == 0 && ac->e[i].bytes == 0) {
		memmove(&ac->e[i], &ac->e[i + 1],
		    (ac->n - i - 1) * sizeof(ac->e[0]));
		ac->n--;
	}
}

int
trie_acct_add(struct trie_acct *ac, uint32_t owner, int64_t nodes,
    int64_t bytes)
{
	int rc;

	if (nodes == 0 && bytes == 0)
		return 0;
	rc = acct_reserve(ac, ac->n + 1);
	if (rc < 0)
		return rc;
	acct_apply(ac, owner, nodes, bytes);
	return 0;
}

struct trie_acct_entry
trie_acct_get(const struct trie_acct *ac, uint32_t owner)
{
	struct trie_acct_entry z = { owner, 0, 0 };
	bool found;
	size_t i = acct_find(ac, owner, &found);

	return found ? ac->e[i] : z;
}

int
trie_acct_merge(struct trie_acct *dst, const struct trie_acct *src)
{
	size_t i;
	int rc;

	/* Room for every owner of src first: then nothing can fail. */
	rc = acct_reserve(dst, dst->n + src->n);
	if (rc < 0)
		return rc;
	for (i = 0; i < src->n; i++)
		acct_apply(dst, src->e[i].owner, src->e[i].nodes,
		    src->e[i].bytes);
	return 0;
}

bool
trie_acct_equal(const struct trie_acct *x, const struct trie_acct *y)
{
	size_t i;

	if (x->n != y->n)
		return false;
	/* Field by field: entries have padding after `owner`. */
	for (i = 0; i < x->n; i++)
		if (x->e[i].owner != y->e[i].owner ||
		    x->e[i].nodes != y->e[i].nodes ||
		    x->e[i].bytes != y->e[i].bytes)
			return false;
	return true;
}
