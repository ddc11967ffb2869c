/*
 * txn.c: see txn.h.  Ids follow the C daemon: a per-connection counter
 * from 1 that skips 0 and ids still open.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "domain.h"
#include "txn.h"

struct txn *
txn_find(const struct conn *c, uint32_t id)
{
	struct txn *t;

	TAILQ_FOREACH(t, &c->txns, link)
		if (t->id == id)
			return t;
	return NULL;
}

static int
start(struct trie_ctx *cx, struct conn *c, struct trie_node *root,
    uint32_t id, struct txn **out)
{
	struct txn *t;
	int rc;

	if (id != 0 && txn_find(c, id) != NULL)
		return -EEXIST;
	t = c->spare_txn;
	if (t != NULL) {
		c->spare_txn = NULL;
		memset(t, 0, sizeof(*t));
	} else {
		t = calloc(1, sizeof(*t));
		if (t == NULL)
			return -ENOMEM;
	}
	rc = trie_txn_begin(cx, root, &t->tx);
	if (rc < 0) {
		free(t);
		return rc;
	}
	t->id = id;
	while (t->id == 0 || txn_find(c, t->id) != NULL)
		t->id = c->next_txid++;
	TAILQ_INSERT_TAIL(&c->txns, t, link);
	c->ntxns++;
	*out = t;
	return 0;
}

int
txn_adopt(struct conn *c, uint32_t id, struct trie_txn *tx, struct txn **out)
{
	struct txn *t;

	if (id == 0 || txn_find(c, id) != NULL)
		return -EEXIST;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->id = id;
	t->tx = tx;
	TAILQ_INSERT_TAIL(&c->txns, t, link);
	c->ntxns++;
	*out = t;
	return 0;
}

int
txn_start(struct trie_ctx *cx, struct conn *c, struct trie_node *root,
    struct txn **out)
{
	return start(cx, c, root, 0, out);
}

int
txn_start_id(struct trie_ctx *cx, struct conn *c, struct trie_node *root,
    uint32_t id, struct txn **out)
{
	return start(cx, c, root, id ? id : 1, out);
}

void
txn_charge(struct conn *c, struct txn *t, size_t bytes)
{
	t->bytes += bytes;
	if (c->dom != NULL)
		c->dom->txn_bytes += bytes;
}

void
txn_end(struct trie_ctx *cx, struct conn *c, struct txn *t)
{
	if (c->dom != NULL)
		c->dom->txn_bytes -= t->bytes;
	TAILQ_REMOVE(&c->txns, t, link);
	c->ntxns--;
	trie_txn_free(cx, &t->tx);
	free(t->touched);
	if (c->spare_txn == NULL)
		c->spare_txn = t;
	else
		free(t);
}

void
txn_drop_spare(struct conn *c)
{
	free(c->spare_txn);
	c->spare_txn = NULL;
}

long
txn_touch(struct txn *t, const char *path, uint64_t seed)
{
	/* keyed, 64 bits: distinct paths do not collide by choice */
	uint64_t h = trie_hash64(seed, path, strlen(path));
	size_t i;

	if (t->ntouched * 2 >= t->captouched) {
		size_t cap = t->captouched ? t->captouched * 2 : 64, j;
		uint64_t *nt = calloc(cap, sizeof(*nt));

		if (nt == NULL)
			return -ENOMEM;
		for (j = 0; j < t->captouched; j++) {
			if (t->touched[j] == 0)
				continue;
			for (i = t->touched[j] & (cap - 1); nt[i] != 0;
			    i = (i + 1) & (cap - 1))
				;
			nt[i] = t->touched[j];
		}
		free(t->touched);
		t->touched = nt;
		t->captouched = cap;
	}
	if (h == 0)
		h = 1;		/* 0 marks an empty slot */
	for (i = h & (t->captouched - 1); t->touched[i] != 0;
	    i = (i + 1) & (t->captouched - 1))
		if (t->touched[i] == h)
			return (long)t->ntouched;
	t->touched[i] = h;
	return (long)++t->ntouched;
}
