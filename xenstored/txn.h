/*
 * txn.h: a connection's open transactions: ids, the libtrie transaction
 * behind each, and the per-transaction quota state.  The commit logic is
 * libtrie's; this layer adds what the protocol needs (ids that are never
 * 0 and never collide, the transaction-nodes quota, the failed flag).
 */
#ifndef TXN_H
#define TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "trie.h"

struct conn;

/* Owned by its connection (conn->txns). */
struct txn {
	TAILQ_ENTRY(txn) link;
	uint32_t id;
	struct trie_txn *tx;	/* owned */
	int failed;		/* error the commit must return, or 0 */
	size_t bytes;		/* store memory it holds (its domain's) */
	/* distinct paths touched, for the transaction-nodes quota */
	uint64_t *touched;
	size_t ntouched, captouched;
};

/* Start one on `root`; picks the next free id.  0 or -ENOMEM. */
int txn_start(struct trie_ctx *cx, struct conn *c, struct trie_node *root,
    struct txn **out);
/* The same with a given id (restoring state).  -EEXIST if it is taken. */
int txn_start_id(struct trie_ctx *cx, struct conn *c, struct trie_node *root,
    uint32_t id, struct txn **out);
/* Adopt a rebuilt libtrie transaction under id (owned on success). */
int txn_adopt(struct conn *c, uint32_t id, struct trie_txn *tx,
    struct txn **out);
struct txn *txn_find(const struct conn *c, uint32_t id);
/*
 * Remove from the connection and free (abort, or after commit).  The
 * struct itself is kept for the connection's next start: a client that
 * runs transactions one after the other allocates one once.
 */
void txn_end(struct trie_ctx *cx, struct conn *c, struct txn *t);
/* Free the kept struct (the connection goes away). */
void txn_drop_spare(struct conn *c);

/*
 * Charge t (and the connection's domain) with `bytes` more of the
 * store's memory: what one of its requests made the store allocate.
 * txn_end gives the charge back.
 */
void txn_charge(struct conn *c, struct txn *t, size_t bytes);

/*
 * Count `path` as touched; returns the number of distinct paths touched
 * so far (so the caller can check its quota) or -ENOMEM.
 */
long txn_touch(struct txn *t, const char *path, uint64_t seed);

#endif
