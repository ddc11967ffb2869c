/*
 * conn.h: a client connection, whatever carries it (Unix socket, ring).
 * Owns its partial input, its queued output, its transactions and its
 * watches.  Closing is deferred: conn_close marks it and the daemon frees
 * it from the loop's before-sleep hook, so no handler ever sees a
 * connection vanish under it.  Knows nothing about epoll or rings: the
 * transport gives it bytes and takes bytes from it.
 */
#ifndef CONN_H
#define CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "watch.h"

struct conn;
struct domain;
struct txn;
struct xsd;

/* What a transport provides. */
struct conn_ops {
	const char *name;
	/* Output was queued: push it now or arrange to. */
	void (*kick)(struct conn *c);
	/* Stop (true) or resume (false) taking input. */
	void (*stall)(struct conn *c, bool on);
	/* Release the transport's resources (fd, mapping). */
	void (*destroy)(struct conn *c);
};

TAILQ_HEAD(txn_list, txn);

struct conn {
	TAILQ_ENTRY(conn) link;		/* xsd->conns */
	TAILQ_ENTRY(conn) dirty_link;	/* xsd->dirty while output waits */
	TAILQ_ENTRY(conn) stuck_link;	/* xsd->stuck: peer not reading */
	bool stuck;
	uint64_t stuck_since;		/* ms: last progress of its output */
	unsigned long id;
	struct xsd *x;			/* borrowed */
	const struct conn_ops *ops;
	void *tp;			/* transport state, owned by it */
	unsigned domid;
	bool priv;
	struct domain *dom;		/* counters, or NULL (privileged) */
	bool closing;
	bool dirty;
	bool stalled;			/* input paused: too much output */
	bool deferred;			/* waiting for dom0's transaction */
	TAILQ_ENTRY(conn) deferred_link;	/* xsd->deferred */
	/*
	 * Fairness: requests handled in loop pass `pass` (unprivileged
	 * connections stop at CONN_PASS_REQUESTS: throttled), and the
	 * ready list of connections whose kept input is handled in a
	 * later pass (throttled, or resumed after a stall).
	 */
	uint64_t pass;
	unsigned pass_reqs;
	bool throttled;
	bool ready;			/* on xsd->ready */
	uint64_t ready_pass;		/* the pass it was put there */
	TAILQ_ENTRY(conn) ready_link;
	unsigned eagain_streak;		/* commits refused in a row */
	bool blocked;			/* transport cannot take output */
	/* partial or unprocessed input */
	uint8_t *in;
	size_t inlen, incap;
	/*
	 * output: bytes [outhead, outlen) still to send; the first message
	 * not completely sent starts at outmsg (<= outhead)
	 */
	uint8_t *out;
	size_t outhead, outlen, outcap;
	size_t outmsg;			/* start of the message at outhead */
	size_t outmsg_end;		/* end of the message at outhead */
	size_t out_safe;		/* may be sent up to here: durable */
	unsigned outmsgs;		/* replies and events not fully sent */
	/*
	 * Bytes taken from the front of in and out since the connection
	 * began, so that the journal can record what changed in the buffers
	 * instead of all they hold; out_epoch counts the changes that are
	 * not appending or taking from the front (events dropped from the
	 * middle).
	 */
	uint64_t in_taken, out_taken;
	uint32_t out_epoch;
	struct txn_list txns;
	unsigned ntxns;
	uint32_t next_txid;
	/* the last one ended, kept for the next start (owned; or NULL) */
	struct txn *spare_txn;
	struct watch_list watches;
	unsigned nwatches;
	unsigned long long reqs;	/* requests handled */
};

/* Above this much queued output a connection's input is paused. */
#define CONN_OUT_STALL (256 * 1024)

/*
 * Requests an unprivileged connection may have handled in one pass of
 * the loop; the rest of its input waits for the next pass, after every
 * other connection had its turn.  (Within a pass replies are not sent,
 * so the outstanding quota, 20 by default, usually stops it first.)
 */
#define CONN_PASS_REQUESTS 32

/*
 * A new connection for domain `domid` (privileged or not), registered in
 * x->conns.  Ownership: the daemon's; ends with conn_close.
 */
struct conn *conn_new(struct xsd *x, const struct conn_ops *ops, void *tp,
    unsigned domid, bool priv);

/* Mark for freeing at the end of this loop iteration (idempotent). */
void conn_close(struct conn *c, const char *why);

/* Free now: only from the daemon's reaper.  Drops watches, transactions. */
void conn_free(struct conn *c);

/*
 * Bytes received: frame and handle every complete request, keeping a
 * partial one (and, when stalled, the unprocessed rest).  Returns 0, or
 * -EPROTO when the stream is invalid (the connection is then closing).
 */
int conn_input(struct conn *c, const void *data, size_t len);

/*
 * Should the connection stop taking requests?  Its output is backed up,
 * or (unprivileged) it has reached its outstanding-request quota.
 */
bool conn_must_wait(const struct conn *c);

/*
 * A stalled connection may take requests again (if it need not wait any
 * more): input kept back is handled in the next pass (conns_run_ready),
 * never from inside a handler or after the pass's journal batch.
 */
void conn_resume(struct conn *c);

/*
 * Before sleeping: handle the kept input of connections put on the ready
 * list in an earlier pass (throttled, or resumed).  Those throttled again
 * wait for the next pass.
 */
void conns_run_ready(struct xsd *x);

/*
 * Queue one message.  `payload` is copied.  Returns 0 or -ENOMEM (the
 * connection is then closed: it cannot be answered in order any more).
 */
int conn_queue(struct conn *c, uint32_t type, uint32_t req_id,
    uint32_t tx_id, const void *payload, size_t len);

/* The transport took n bytes of output. */
void conn_out_consumed(struct conn *c, size_t n);

static inline size_t
conn_out_pending(const struct conn *c)
{
	return c->outlen - c->outhead;
}

/*
 * Output the transport may send now.  Replies and events queued in this
 * loop iteration become sendable only once what caused them is durable
 * (conn_out_release, after the journal batch is written).
 */
static inline size_t
conn_out_sendable(const struct conn *c)
{
	return c->out_safe > c->outhead ? c->out_safe - c->outhead : 0;
}

static inline void
conn_out_release(struct conn *c)
{
	c->out_safe = c->outlen;
}

/*
 * Put back output saved by a previous daemon: `len` bytes whose first
 * message has `head_rest` bytes (0: starts on a message boundary).
 * 0 or -ENOMEM.
 */
int conn_restore_output(struct conn *c, const void *out, size_t len,
    size_t head_rest);

/*
 * The transport tried to send: `progress` if some bytes went.  An
 * unprivileged peer that leaves output unread is remembered, so that its
 * watch events can be discarded after the watch-event timeout.
 */
void conn_sent(struct conn *c, bool progress);

/*
 * Discard queued watch events not yet started (the watch-event timeout):
 * replies stay.  Returns the number dropped.
 */
unsigned conn_drop_events(struct conn *c);

/* Drop all watches and transactions (RESET_WATCHES, ring reset). */
void conn_reset(struct conn *c);

#endif
