/*
 * conn.c: see conn.h.  Input arrives in chunks from the transport; whole
 * requests are handled straight from the chunk, and only a trailing
 * partial request (or, while output is backed up, the unhandled rest) is
 * copied into the connection.  Requests of one connection are handled
 * strictly in order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "loop.h"
#include "quota.h"
#include "request.h"
#include "txn.h"
#include "xs_errors.h"

struct conn *
conn_new(struct xsd *x, const struct conn_ops *ops, void *tp,
    unsigned domid, bool priv)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->id = ++x->next_conn_id;
	c->x = x;
	c->ops = ops;
	c->tp = tp;
	c->domid = domid;
	c->priv = priv;
	c->next_txid = 1;
	TAILQ_INIT(&c->txns);
	TAILQ_INIT(&c->watches);
	if (!priv) {
		c->dom = daemon_track(x, domid);
		if (c->dom == NULL) {
			free(c);
			return NULL;
		}
		c->dom->nconns++;
	}
	TAILQ_INSERT_TAIL(&x->conns, c, link);
	x->nconns++;
	return c;
}

static void unready(struct conn *c);

/*
 * The number of messages queued and not completely sent; the domain's
 * outstanding count is the sum over its connections.
 */
static void
set_outmsgs(struct conn *c, unsigned n)
{
	if (c->dom != NULL)
		c->dom->outstanding = c->dom->outstanding - c->outmsgs + n;
	c->outmsgs = n;
}

void
conn_reset(struct conn *c)
{
	struct xsd *x = c->x;
	struct txn *t;

	if (c->dom != NULL) {
		struct watch *w;

		TAILQ_FOREACH(w, &c->watches, conn_link)
			c->dom->watch_bytes -= w->bytes;
		c->dom->watches -= c->nwatches;
		c->dom->txns -= c->ntxns;
	}
	watches_del_all(&x->watches, &c->watches);
	c->nwatches = 0;
	while ((t = TAILQ_FIRST(&c->txns)) != NULL)
		txn_end(x->store.cx, c, t);
}

/*
 * With `reset`, the connection's watches and transactions go at once:
 * nothing is matched against or charged for a connection that is only
 * waiting to be freed.  Without (an allocation failure while queueing,
 * possibly inside a handler using one of its transactions or inside a
 * walk of the watch index), they go when it is freed, before sleeping.
 */
static void
close_conn(struct conn *c, const char *why, bool reset)
{
	struct xsd *x = c->x;

	if (c->closing)
		return;
	c->closing = true;
	if (why != NULL)
		log_debug(&x->log, "closing conn %lu (domain %u): %s", c->id,
		    c->domid, why);
	if (c->dirty) {
		TAILQ_REMOVE(&x->dirty, c, dirty_link);
		c->dirty = false;
	}
	if (c->stuck) {
		TAILQ_REMOVE(&x->stuck, c, stuck_link);
		c->stuck = false;
	}
	if (c->deferred) {
		TAILQ_REMOVE(&x->deferred, c, deferred_link);
		c->deferred = false;
	}
	unready(c);
	if (x->protect == c)
		daemon_unprotect(x, c);
	TAILQ_REMOVE(&x->conns, c, link);
	x->nconns--;
	TAILQ_INSERT_TAIL(&x->dead, c, link);
	if (reset)
		conn_reset(c);
}

void
conn_close(struct conn *c, const char *why)
{
	close_conn(c, why, true);
}

void
conn_free(struct conn *c)
{
	conn_reset(c);
	if (c->dom != NULL) {
		struct domain *d = c->dom;

		d->queued_bytes -= conn_out_pending(c);
		d->outstanding -= c->outmsgs;
		if (d->conn == c)
			d->conn = NULL;
		if (--d->nconns == 0 && d->dying)
			domain_forget(&c->x->doms, d);
	}
	if (c->ops->destroy != NULL)
		c->ops->destroy(c);
	txn_drop_spare(c);
	free(c->in);
	free(c->out);
	free(c);
}

static int
reserve(uint8_t **buf, size_t *cap, size_t want)
{
	size_t n = *cap ? *cap : 256;
	uint8_t *nb;

	if (want <= *cap)
		return 0;
	while (n < want)
		n *= 2;
	nb = realloc(*buf, n);
	if (nb == NULL)
		return -ENOMEM;
	*buf = nb;
	*cap = n;
	return 0;
}

int
conn_queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *payload, size_t len)
{
	struct xsd_sockmsg hdr = { type, req_id, tx_id, (uint32_t)len };
	struct xsd *x = c->x;

	if (c->closing)
		return 0;
	/*
	 * Reclaim the messages already sent before growing the buffer:
	 * output that never drains completely would otherwise grow it with
	 * every byte ever sent.
	 */
	if (c->outmsg > 0 && c->outlen + WIRE_HDR + len > c->outcap) {
		size_t d = c->outmsg;

		memmove(c->out, c->out + d, c->outlen - d);
		c->outlen -= d;
		c->outhead -= d;
		c->outmsg_end -= d;
		c->out_safe = c->out_safe > d ? c->out_safe - d : 0;
		c->outmsg = 0;
	}
	if (reserve(&c->out, &c->outcap, c->outlen + WIRE_HDR + len) < 0) {
		close_conn(c, "out of memory for output", false);
		return -ENOMEM;
	}
	memcpy(c->out + c->outlen, &hdr, WIRE_HDR);
	if (len)
		memcpy(c->out + c->outlen + WIRE_HDR, payload, len);
	if (c->outmsgs == 0) {
		c->outmsg = c->outlen;
		c->outmsg_end = c->outlen + WIRE_HDR + len;
	}
	set_outmsgs(c, c->outmsgs + 1);
	c->outlen += WIRE_HDR + len;
	if (c->dom != NULL)
		c->dom->queued_bytes += WIRE_HDR + len;
	if (log_tracing(&x->log))
		log_access(&x->log, c->id, "OUT", type, tx_id, req_id,
		    payload, len);
	if (!c->dirty) {
		c->dirty = true;
		TAILQ_INSERT_TAIL(&x->dirty, c, dirty_link);
	}
	return 0;
}

/* Length of the message starting at `off` of the output buffer. */
static size_t
msg_len_at(const struct conn *c, size_t off)
{
	struct xsd_sockmsg h;

	memcpy(&h, c->out + off, WIRE_HDR);
	return WIRE_HDR + h.len;
}

void
conn_out_consumed(struct conn *c, size_t n)
{
	c->outhead += n;
	c->out_taken += n;
	if (c->dom != NULL)
		c->dom->queued_bytes -= n;
	/* Count the messages now completely sent. */
	while (c->outmsgs > 0 && c->outhead >= c->outmsg_end) {
		set_outmsgs(c, c->outmsgs - 1);
		c->outmsg = c->outmsg_end;
		if (c->outmsgs > 0)
			c->outmsg_end += msg_len_at(c, c->outmsg_end);
	}
	if (c->outhead == c->outlen) {
		c->outhead = c->outlen = c->out_safe = c->outmsg = 0;
		/* Give back a buffer a burst made large. */
		if (c->outcap > 4 * WIRE_MAX_MSG) {
			free(c->out);
			c->out = NULL;
			c->outcap = 0;
		}
	}
}

int
conn_restore_output(struct conn *c, const void *out, size_t len,
    size_t head_rest)
{
	size_t off;
	unsigned n;

	if (reserve(&c->out, &c->outcap, c->outlen + len) < 0)
		return -ENOMEM;
	memcpy(c->out + c->outlen, out, len);
	/* Count whole messages after the partial head, as conn_queue would. */
	off = c->outlen + (head_rest < len ? head_rest : len);
	n = c->outmsgs;
	if (n == 0) {
		/* a partial head: its start went out with the old process */
		c->outmsg = c->outlen;
		c->outmsg_end = off;
		n = head_rest ? 1 : 0;
	}
	c->outlen += len;
	while (off + WIRE_HDR <= c->outlen) {
		struct xsd_sockmsg h;

		memcpy(&h, c->out + off, WIRE_HDR);
		if (n++ == 0)
			c->outmsg_end = off + WIRE_HDR + h.len;
		off += WIRE_HDR + h.len;
	}
	set_outmsgs(c, n);
	if (c->dom != NULL)
		c->dom->queued_bytes += len;
	conn_out_release(c);
	if (!c->dirty) {	/* to be pushed before the loop sleeps */
		c->dirty = true;
		TAILQ_INSERT_TAIL(&c->x->dirty, c, dirty_link);
	}
	return 0;
}

void
conn_sent(struct conn *c, bool progress)
{
	struct xsd *x = c->x;

	if (c->closing || c->priv)
		return;
	if (conn_out_pending(c) == 0) {
		if (c->stuck) {
			TAILQ_REMOVE(&x->stuck, c, stuck_link);
			c->stuck = false;
		}
		return;
	}
	if (!c->stuck) {
		c->stuck = true;
		TAILQ_INSERT_TAIL(&x->stuck, c, stuck_link);
		c->stuck_since = loop_now_ms();
	} else if (progress) {
		c->stuck_since = loop_now_ms();
	}
}

unsigned
conn_drop_events(struct conn *c)
{
	size_t keep_end, off, w, first_end;
	unsigned dropped = 0, msgs = 0;

	if (c->outmsgs == 0 || c->out_safe != c->outlen)
		return 0;	/* nothing queued, or not all released yet */
	/* The message being sent stays whole; look at those after it. */
	first_end = c->outmsg_end;
	keep_end = w = first_end;
	for (off = first_end; off + WIRE_HDR <= c->outlen;) {
		struct xsd_sockmsg h;
		size_t len;

		memcpy(&h, c->out + off, WIRE_HDR);
		len = WIRE_HDR + h.len;
		if (h.type == XS_WATCH_EVENT) {
			dropped++;
		} else {
			memmove(c->out + w, c->out + off, len);
			w += len;
			msgs++;
		}
		off += len;
	}
	keep_end = w;
	if (dropped > 0)
		c->out_epoch++;
	if (c->dom != NULL)
		c->dom->queued_bytes -= c->outlen - keep_end;
	c->outlen = c->out_safe = keep_end;
	set_outmsgs(c, 1 + msgs);
	return dropped;
}

/* Put c on the ready list: its kept input is handled in a later pass. */
static void
make_ready(struct conn *c)
{
	struct xsd *x = c->x;

	if (!c->ready) {
		c->ready = true;
		c->ready_pass = x->pass;
		TAILQ_INSERT_TAIL(&x->ready, c, ready_link);
	}
	if (x->loop != NULL)
		loop_wake_soon(x->loop);	/* that pass comes at once */
}

static void
unready(struct conn *c)
{
	if (!c->ready)
		return;
	TAILQ_REMOVE(&c->x->ready, c, ready_link);
	c->ready = false;
}

/* Has an unprivileged connection had its share of this pass? */
static bool
over_budget(struct conn *c)
{
	struct xsd *x = c->x;

	if (c->pass != x->pass) {
		c->pass = x->pass;
		c->pass_reqs = 0;
	}
	return !c->priv && c->pass_reqs >= CONN_PASS_REQUESTS;
}

static void
count_request(struct conn *c)
{
	struct xsd_stats *st = &c->x->stats;

	c->pass_reqs++;
	if (++st->pass_requests > st->max_pass_requests)
		st->max_pass_requests = st->pass_requests;
	if (!c->priv && c->pass_reqs > st->max_conn_pass_requests)
		st->max_conn_pass_requests = c->pass_reqs;
}

/* Stop taking requests until the next pass (the rest is kept). */
static void
throttle(struct conn *c)
{
	c->throttled = true;
	c->stalled = true;
	if (c->ops->stall != NULL)
		c->ops->stall(c, true);
	make_ready(c);
}

/* Handle whole requests from buf[0..len); returns the bytes consumed. */
static size_t
handle(struct conn *c, const uint8_t *buf, size_t len, int *err)
{
	size_t used = 0;

	*err = 0;
	while (!c->closing && !c->stalled) {
		struct wire_req w;
		size_t need;
		int rc = wire_frame(buf + used, len - used, &w, &need);

		if (rc == 0)
			break;
		if (rc < 0) {
			/* Over 4096: drop the connection (C daemon). */
			conn_close(c, "request longer than 4096 bytes");
			*err = -EPROTO;
			break;
		}
		/*
		 * Checked before each request too, not only after one: a
		 * connection can arrive here already past a limit without
		 * having been stalled for it (restored with its queued output,
		 * or its quota lowered meanwhile).
		 */
		if (conn_must_wait(c)) {
			c->stalled = true;
			if (c->ops->stall != NULL)
				c->ops->stall(c, true);
			break;
		}
		if (over_budget(c)) {
			throttle(c);
			break;
		}
		if (c->x->protect != NULL && c != c->x->protect &&
		    daemon_must_defer(c->x, c, &w)) {
			c->deferred = true;
			c->stalled = true;
			TAILQ_INSERT_TAIL(&c->x->deferred, c, deferred_link);
			if (c->ops->stall != NULL)
				c->ops->stall(c, true);
			break;
		}
		if (c->x->protect == c)	/* still at it: protection lasts */
			c->x->protect_since = loop_now_ms();
		request_handle(c->x, c, &w);
		count_request(c);
		used += need;
		if (!c->closing && conn_must_wait(c)) {
			c->stalled = true;
			if (c->ops->stall != NULL)
				c->ops->stall(c, true);
		}
	}
	return used;
}

static int
keep(struct conn *c, const uint8_t *data, size_t len)
{
	if (reserve(&c->in, &c->incap, c->inlen + len) < 0) {
		conn_close(c, "out of memory for input");
		return -ENOMEM;
	}
	memmove(c->in + c->inlen, data, len);
	c->inlen += len;
	return 0;
}

/* Handle what is buffered in c->in, keeping the rest at its start. */
static int
drain_kept(struct conn *c)
{
	int err;
	size_t used = handle(c, c->in, c->inlen, &err);

	memmove(c->in, c->in + used, c->inlen - used);
	c->inlen -= used;
	c->in_taken += used;
	if (c->inlen == 0 && c->incap > 2 * WIRE_MAX_MSG) {
		free(c->in);
		c->in = NULL;
		c->incap = 0;
	}
	return err;
}

int
conn_input(struct conn *c, const void *data, size_t len)
{
	const uint8_t *d = data;
	size_t used;
	int err;

	if (c->closing)
		return 0;
	if (c->inlen > 0 || c->stalled) {
		if (keep(c, d, len) < 0)
			return -ENOMEM;
		return drain_kept(c);
	}
	used = handle(c, d, len, &err);
	if (err < 0 || c->closing)
		return err;
	if (used < len)
		return keep(c, d + used, len - used);
	return 0;
}

bool
conn_must_wait(const struct conn *c)
{
	if (c->deferred || c->throttled ||
	    conn_out_pending(c) > CONN_OUT_STALL)
		return true;
	return !c->priv && c->dom != NULL &&
	    quota_exceeded(&c->dom->quota, Q_OUTSTANDING, c->outmsgs);
}

void
conn_resume(struct conn *c)
{
	if (!c->stalled || c->closing || conn_must_wait(c))
		return;
	/*
	 * Input kept back is handled in the next pass, not now: this may
	 * run inside another connection's handler (daemon_unprotect) or
	 * after the pass's journal batch (a kick before sleeping), where a
	 * reply must not be released early.  The transport stays paused
	 * until then, so that kept input never grows by more than a read.
	 */
	if (c->inlen > 0) {
		make_ready(c);
		return;
	}
	c->stalled = false;
	if (c->ops->stall != NULL)
		c->ops->stall(c, false);
}

void
conns_run_ready(struct xsd *x)
{
	struct conn *c;

	/*
	 * Those put there in this pass (throttled again below, or resumed
	 * while this pass's events were handled) wait for the next one;
	 * the list is walked from its head, so a connection closed by a
	 * request handled here simply leaves it.
	 */
	while ((c = TAILQ_FIRST(&x->ready)) != NULL &&
	    c->ready_pass != x->pass) {
		unready(c);
		c->throttled = false;
		if (c->stalled && conn_must_wait(c))
			continue;	/* conn_resume wakes it */
		c->stalled = false;
		if (c->inlen > 0)
			drain_kept(c);
		/* All kept input taken: the transport may read again. */
		if (!c->stalled && !c->closing && c->ops->stall != NULL)
			c->ops->stall(c, false);
	}
}
