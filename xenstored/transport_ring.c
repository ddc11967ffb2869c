/*
 * transport_ring.c: connections over xenbus rings (domains-and-rings.md).
 *
 * Each introduced domain has a struct ring: its mapped page, its bound
 * event channel and, while it behaves, a connection.  The ring belongs to
 * the domain (released with it); the connection is just the protocol
 * state and can be dropped and replaced:
 *   - a guest that corrupts its indexes or sends a message over 4096
 *     bytes is quarantined: the error field says why, its connection
 *     (watches, transactions, queued output) is dropped and the ring is
 *     not serviced any more, but the domain stays introduced, so its
 *     @releaseDomain still fires when it really dies;
 *   - a guest that asks for a reconnect (connection = XENSTORE_RECONNECT,
 *     we advertise XENSTORE_SERVER_FEATURE_RECONNECTION) gets a fresh
 *     connection and a clean ring, quarantined or not.
 * One event-channel descriptor serves every ring; a notification maps
 * back to its ring through the local port.  VIRQ_DOM_EXC triggers a scan
 * of the introduced domains (shut down, dying, gone).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "events.h"
#include "journal.h"
#include "lifecycle.h"
#include "loop.h"
#include "persist.h"
#include "ring.h"
#include "ring_conn.h"
#include "store.h"
#include "xen.h"

/* Reads per service of one ring (each at most a ring's worth). */
#define READS_PER_SERVICE 4
/* Stop reading a guest while this much output waits for its ring. */
#define RING_BACKLOG (4 * XENSTORE_RING_SIZE)

/*
 * The connection's buffers as of the ring's last journal record: the
 * next record only carries what changed since (a RING_DELTA), so a guest
 * reading its replies a byte at a time costs the journal bytes, not the
 * whole backlog each time.  The lengths are kept as they were, not
 * derived from the byte counts: events dropped from the middle of the
 * output (conn_drop_events) leave out_added - out_taken larger than what
 * is queued.
 */
struct jmark {
	bool valid;
	unsigned long conn_id;
	uint32_t out_epoch;
	uint64_t in_taken, out_taken;
	size_t inlen, outlen;
};

struct ring {
	struct xsd *x;
	struct domain *d;
	struct xenstore_domain_interface *intf;
	bool kva;		/* dom0's page from xsd_kva (munmap) */
	unsigned local_port;
	unsigned remote_port;	/* the guest's end */
	struct conn *conn;	/* NULL while quarantined */
	bool quarantined;
	uint32_t error;		/* what the error field was set to */
	bool queued;		/* on rings->again */
	uint64_t round;		/* rings->round when queued */
	TAILQ_ENTRY(ring) again_link;
	uint32_t in_pos;	/* request bytes read (req_cons lags) */
	bool to_consume;	/* on rings->consume */
	TAILQ_ENTRY(ring) consume_link;
	bool touched;		/* on rings->touched: journal its state */
	TAILQ_ENTRY(ring) touched_link;
	struct jmark jm;	/* what the journal last recorded */
};

TAILQ_HEAD(ring_list, ring);

struct rings {
	struct loop_fd *lfd;
	unsigned virq_port;
	struct ring **by_port;	/* local port -> ring */
	size_t nports;
	struct ring_list again;	/* more input than one service took */
	uint64_t round;		/* rings_before_sleep calls */
	struct ring_list consume;	/* read: hand req_cons back */
	struct ring_list touched;	/* state changed this iteration */
};

static void ring_service(struct ring *r);

static int
port_set(struct rings *rs, unsigned port, struct ring *r)
{
	if (port >= rs->nports) {
		size_t n = rs->nports ? rs->nports : 64;
		struct ring **np;

		while (n <= port)
			n *= 2;
		np = realloc(rs->by_port, n * sizeof(*np));
		if (np == NULL)
			return -ENOMEM;
		memset(np + rs->nports, 0, (n - rs->nports) * sizeof(*np));
		rs->by_port = np;
		rs->nports = n;
	}
	rs->by_port[port] = r;
	return 0;
}

static struct ring *
port_get(const struct rings *rs, unsigned port)
{
	return port < rs->nports ? rs->by_port[port] : NULL;
}

static void
again(struct ring *r)
{
	struct rings *rs = r->x->rings;

	if (r->queued)
		return;
	r->queued = true;
	r->round = rs->round;
	TAILQ_INSERT_TAIL(&rs->again, r, again_link);
	loop_wake_soon(r->x->loop);
}

static void
mark_touched(struct ring *r)
{
	if (r->touched || r->x->rings == NULL)
		return;
	r->touched = true;
	TAILQ_INSERT_TAIL(&r->x->rings->touched, r, touched_link);
}

static void
untouch(struct ring *r)
{
	if (!r->touched)
		return;
	TAILQ_REMOVE(&r->x->rings->touched, r, touched_link);
	r->touched = false;
}

/*
 * Requests read are given back to the guest (req_cons) only at the end of
 * the loop iteration, once what they changed is durable (persist.c).
 */
static void
mark_consumed(struct ring *r)
{
	mark_touched(r);
	if (r->to_consume)
		return;
	r->to_consume = true;
	TAILQ_INSERT_TAIL(&r->x->rings->consume, r, consume_link);
}

static void
unconsume(struct ring *r)
{
	if (!r->to_consume)
		return;
	TAILQ_REMOVE(&r->x->rings->consume, r, consume_link);
	r->to_consume = false;
}

void
rings_commit(struct xsd *x)
{
	struct rings *rs = x->rings;
	struct ring *r;

	if (rs == NULL)
		return;
	while ((r = TAILQ_FIRST(&rs->consume)) != NULL) {
		unconsume(r);
		ring_consume(r->intf, r->in_pos);
		xen_notify(x->xen, r->local_port);	/* space freed */
		/*
		 * Linux (xb_write) notifies after writing only when req_cons
		 * had caught up with its old req_prod: bytes it wrote after
		 * we read but before req_cons moved came with no event.
		 * ring_consume's barrier orders our req_cons store before
		 * this load of req_prod (the guest: its req_prod store before
		 * its req_cons load), so one of us sees the other.
		 */
		if (r->conn != NULL && !r->quarantined &&
		    ring_input_after(r->intf, r->in_pos) > 0)
			again(r);
	}
}

static void
unqueue(struct ring *r)
{
	if (!r->queued)
		return;
	TAILQ_REMOVE(&r->x->rings->again, r, again_link);
	r->queued = false;
}

/* Drop the connection and stop serving the ring until a reconnect. */
static void
quarantine(struct ring *r, uint32_t error, const char *why)
{
	struct conn *c = r->conn;

	log_warn(&r->x->log, "domain %u: %s: ring quarantined", r->d->domid,
	    why);
	if (r->d->features & XENSTORE_SERVER_FEATURE_ERROR)
		ring_set_error(r->intf, error);
	r->error = error;
	r->quarantined = true;
	/*
	 * The ring is left exactly as the guest wrote it: bytes peeked in
	 * this batch are not consumed, so req_cons never moves after the
	 * error becomes visible (only a reconnect resets the indexes).
	 */
	unconsume(r);
	persist_domain(r->x, REC_PX_J_RESET, r->d->domid, 0);
	mark_touched(r);
	r->conn = NULL;
	unqueue(r);
	if (c != NULL) {
		/*
		 * conn_free forgets it as d->conn only for an unprivileged
		 * connection (c->dom): dom0's or the control domain's would
		 * be left there, freed, for the next reconnect or release.
		 */
		if (r->d->conn == c)
			r->d->conn = NULL;
		conn_reset(c);
		conn_close(c, why);
		c->tp = NULL;
	}
}

/* Push queued output into the response ring. */
static void
ring_flush(struct ring *r)
{
	struct conn *c = r->conn;
	bool wrote = false;

	while (c != NULL && conn_out_sendable(c) > 0) {
		ssize_t n = ring_write(r->intf, c->out + c->outhead,
		    conn_out_sendable(c));

		if (n < 0) {
			quarantine(r, XENSTORE_ERROR_RINGIDX,
			    "inconsistent response ring indexes");
			return;
		}
		if (n == 0)
			break;	/* full: the guest notifies when it reads */
		conn_out_consumed(c, (size_t)n);
		wrote = true;
	}
	if (wrote)
		xen_notify(r->x->xen, r->local_port);
	if (c != NULL)
		conn_sent(c, wrote);
	if (c != NULL && c->stalled)
		conn_resume(c);
	/*
	 * Output drained enough: input we held back can be read now.  Not
	 * while the connection is stalled (its outstanding quota, say):
	 * its ring would be served again and again for nothing, a busy
	 * loop for as long as the guest does not read; the end of the stall
	 * serves it (ring_stall).
	 */
	if (c != NULL && !c->closing && !c->stalled &&
	    conn_out_pending(c) < RING_BACKLOG &&
	    ring_input_after(r->intf, r->in_pos) > 0)
		again(r);
}

static void
ring_kick(struct conn *c)
{
	if (c->tp != NULL)
		ring_flush(c->tp);
}

/* Input was held back (throttled, deferred, backed up): read it again. */
static void
ring_stall(struct conn *c, bool on)
{
	struct ring *r = c->tp;

	if (!on && r != NULL && r->conn == c && !r->quarantined &&
	    ring_input_after(r->intf, r->in_pos) > 0)
		again(r);
}

static void
ring_conn_destroy(struct conn *c)
{
	struct ring *r = c->tp;

	if (r != NULL && r->conn == c)
		r->conn = NULL;
}

static const struct conn_ops ring_ops = {
	"ring", ring_kick, ring_stall, ring_conn_destroy,
};

/* A fresh connection for the ring's domain. */
static int
ring_new_conn(struct ring *r)
{
	struct xsd *x = r->x;
	bool priv = r->d->domid == x->cfg.priv_domid;
	struct conn *c = conn_new(x, &ring_ops, r, r->d->domid, priv);

	if (c == NULL)
		return -ENOMEM;
	r->conn = c;
	r->quarantined = false;
	if (r->d->conn == NULL || r->d->conn->closing)
		r->d->conn = c;
	return 0;
}

/*
 * Start over: drop the connection's state, empty the ring, clear the
 * error, answer a pending reconnect request (connection = 0, notify).
 */
static int
ring_restart(struct ring *r)
{
	struct conn *old = r->conn;

	unqueue(r);
	if (old != NULL) {
		conn_reset(old);
		conn_close(old, "ring reset");
		old->tp = NULL;
		r->conn = NULL;
		if (r->d->conn == old)
			r->d->conn = NULL;
	}
	ring_reset(r->intf);
	r->in_pos = 0;
	unconsume(r);
	ring_set_error(r->intf, XENSTORE_ERROR_NONE);
	r->error = 0;
	persist_domain(r->x, REC_PX_J_RESET, r->d->domid, 0);
	mark_touched(r);
	if (ring_new_conn(r) < 0)
		return -ENOMEM;
	r->d->conn = r->conn;
	if (ring_get_connection(r->intf) != XENSTORE_CONNECTED)
		ring_set_connection(r->intf, XENSTORE_CONNECTED);
	xen_notify(r->x->xen, r->local_port);
	return 0;
}

static void
ring_service(struct ring *r)
{
	struct xsd *x = r->x;
	struct conn *c;
	int i;

	if ((r->d->features & XENSTORE_SERVER_FEATURE_RECONNECTION) &&
	    ring_get_connection(r->intf) == XENSTORE_RECONNECT) {
		log_debug(&x->log, "domain %u asks for a reconnect",
		    r->d->domid);
		if (ring_restart(r) < 0)
			return;
	}
	c = r->conn;
	if (r->quarantined || c == NULL || c->closing)
		return;
	ring_flush(r);
	for (i = 0; i < READS_PER_SERVICE; i++) {
		ssize_t n;

		c = r->conn;
		if (c == NULL || c->closing || c->stalled ||
		    conn_out_pending(c) >= RING_BACKLOG)
			break;
		n = ring_peek(r->intf, &r->in_pos, x->rbuf,
		    XENSTORE_RING_SIZE);
		if (n < 0) {
			quarantine(r, XENSTORE_ERROR_RINGIDX,
			    "inconsistent request ring indexes");
			return;
		}
		if (n == 0)
			break;
		mark_consumed(r);
		if (conn_input(c, x->rbuf, (size_t)n) < 0 || c->closing) {
			quarantine(r, XENSTORE_ERROR_PROTO,
			    "request longer than 4096 bytes");
			return;
		}
	}
	ring_flush(r);
	c = r->conn;
	if (c != NULL && !c->closing && !c->stalled &&
	    conn_out_pending(c) < RING_BACKLOG &&
	    ring_input_after(r->intf, r->in_pos) > 0)
		again(r);
}

/*
 * VIRQ_DOM_EXC: which introduced domains shut down, died or vanished
 * (the 4.17 scan with xc_domain_getinfo, domains-and-rings.md §5).
 */
struct scan {
	struct xsd *x;
	bool released, shutdown;
};

static void
scan_one(void *arg, struct domain *d)
{
	struct scan *s = arg;
	struct xen_dominfo info;
	int rc;

	if (d->dying || d->domid == s->x->cfg.master_domid)
		return;
	rc = xen_domain_info(s->x->xen, d->domid, &info);
	if (!d->introduced) {
		/* A domain only counted (a node owner, named in ACLs): forget
		 * it when dying or gone (Xen raises no VIRQ when a dying domain
		 * is finally destroyed), so a reused id starts afresh. */
		if ((rc == -ENOENT || info.dying) && d->nconns == 0)
			lifecycle_forget(s->x, d);
		return;
	}
	if (rc == -ENOENT || info.dying) {
		lifecycle_release(s->x, d, true);
		s->released = true;
	} else if (info.shutdown && !d->shutdown_reported) {
		d->shutdown_reported = true;
		persist_domain(s->x, REC_PX_J_SHUTDOWN, d->domid, 1);
		s->shutdown = true;
	}
}

static void
check_domains(struct xsd *x)
{
	struct scan s = { x, false, false };

	domains_foreach(&x->doms, scan_one, &s);
	if (s.shutdown && !s.released)
		events_fire_special(x, SPECIAL_RELEASE);
}

static void
on_evtchn(void *arg, uint32_t events)
{
	struct xsd *x = arg;
	struct rings *rs = x->rings;
	int i, port;

	(void)events;
	for (i = 0; i < 256 && (port = xen_pending(x->xen)) >= 0; i++) {
		struct ring *r;

		if ((unsigned)port == rs->virq_port) {
			check_domains(x);
		} else if ((r = port_get(rs, (unsigned)port)) != NULL) {
			unqueue(r);
			ring_service(r);
		}
		xen_unmask(x->xen, (unsigned)port);
	}
}

void
rings_before_sleep(struct xsd *x)
{
	struct rings *rs = x->rings;
	struct ring *r;

	if (rs == NULL)
		return;
	/*
	 * Serve each waiting ring once; those still busy queue again, for
	 * the next round.  Walked on the list itself, not a copy: a
	 * request served here may release another domain, whose ring
	 * leaves the list (and is freed) with it.
	 */
	rs->round++;
	while ((r = TAILQ_FIRST(&rs->again)) != NULL &&
	    r->round != rs->round) {
		unqueue(r);
		ring_service(r);
	}
}

int
rings_init(struct xsd *x)
{
	struct rings *rs = calloc(1, sizeof(*rs));
	int rc;

	if (rs == NULL)
		return -ENOMEM;
	TAILQ_INIT(&rs->again);
	TAILQ_INIT(&rs->consume);
	TAILQ_INIT(&rs->touched);
	rc = xen_bind_dom_exc(x->xen, &rs->virq_port);
	if (rc < 0) {
		free(rs);
		return rc;
	}
	rc = loop_add(x->loop, xen_evtchn_fd(x->xen), EPOLLIN, on_evtchn, x,
	    &rs->lfd);
	if (rc < 0) {
		xen_unbind(x->xen, rs->virq_port);
		free(rs);
		return rc;
	}
	x->rings = rs;
	return 0;
}

static void
ring_free(struct xsd *x, struct ring *r)
{
	unqueue(r);
	unconsume(r);
	untouch(r);
	if (r->conn != NULL) {
		r->conn->tp = NULL;
		conn_close(r->conn, "ring released");
	}
	port_set(x->rings, r->local_port, NULL);
	xen_unbind(x->xen, r->local_port);
	if (r->kva)
		xen_dom0_unmap(r->intf);
	else
		xen_unmap_ring(x->xen, r->intf);
	r->d->ring = NULL;
	free(r);
}

void
rings_fini(struct xsd *x)
{
	struct rings *rs = x->rings;
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->nports; i++)
		if (rs->by_port[i] != NULL)
			ring_free(x, rs->by_port[i]);
	loop_del(rs->lfd);
	xen_unbind(x->xen, rs->virq_port);
	free(rs->by_port);
	free(rs);
	x->rings = NULL;
}

/* Set up a ring on a mapped page for d, bound to `remote`. */
static int
ring_attach(struct xsd *x, struct domain *d, void *page, bool kva,
    unsigned remote)
{
	struct ring *r = calloc(1, sizeof(*r));
	int rc;

	if (r == NULL)
		return -ENOMEM;
	r->x = x;
	r->d = d;
	r->intf = page;
	r->kva = kva;
	r->remote_port = remote;
	rc = xen_bind(x->xen, d->domid, remote, &r->local_port);
	if (rc < 0) {
		free(r);
		return rc;
	}
	rc = port_set(x->rings, r->local_port, r);
	if (rc == 0)
		rc = ring_new_conn(r);
	if (rc < 0) {
		port_set(x->rings, r->local_port, NULL);
		xen_unbind(x->xen, r->local_port);
		free(r);
		return rc;
	}
	d->ring = r;
	d->remote_port = remote;
	d->kva = kva;
	ring_set_features(r->intf, d->features);
	/* dom0's kernel may already have queued requests: keep them. */
	if (!kva)
		ring_reset(r->intf);
	r->in_pos = ring_get_req_cons(r->intf);
	ring_set_error(r->intf, XENSTORE_ERROR_NONE);
	if (ring_get_connection(r->intf) != XENSTORE_CONNECTED)
		ring_set_connection(r->intf, XENSTORE_CONNECTED);
	xen_notify(x->xen, r->local_port);
	return 0;
}

int
ring_conn_dom0(struct xsd *x)
{
	struct domain *d;
	unsigned port;
	void *page;
	int rc;

	if (x->rings == NULL)
		return -ENODEV;
	rc = xen_dom0_ring(x->xen, &page, &port);
	if (rc < 0)
		return rc;
	d = daemon_track(x, x->cfg.master_domid);
	if (d == NULL) {
		xen_dom0_unmap(page);
		return -ENOMEM;
	}
	rc = ring_attach(x, d, page, true, port);
	if (rc < 0) {
		xen_dom0_unmap(page);
		return rc;
	}
	d->introduced = true;
	return 0;
}

int
ring_conn_introduce(struct xsd *x, struct domain *d, unsigned long gfn,
    unsigned port)
{
	struct ring *r = d->ring;
	uint32_t pport;
	void *page;
	int rc, err = -EIO;

	if (x->rings == NULL)
		return -ENODEV;
	if (r != NULL) {
		/* Already introduced (e.g. after resume): rebind, reset. */
		unsigned local;

		rc = xen_bind(x->xen, d->domid, port, &local);
		if (rc < 0 && port == r->remote_port) {
			/* The same port, still bound to us: keep that. */
			return ring_restart(r);
		}
		if (rc < 0)
			return rc;
		rc = port_set(x->rings, local, r);
		if (rc < 0) {
			xen_unbind(x->xen, local);
			return rc;
		}
		if (local != r->local_port) {
			port_set(x->rings, r->local_port, NULL);
			xen_unbind(x->xen, r->local_port);
		}
		r->local_port = local;
		d->remote_port = port;
		r->remote_port = port;
		return ring_restart(r);
	}
	page = xen_map_ring(x->xen, d->domid, gfn, &err);
	if (page == NULL)
		return err;
	d->gfn = gfn;
	/* dom0less/Hyperlaunch guests publish their port in the page. */
	pport = ring_get_evtchn_port(page);
	rc = ring_attach(x, d, page, false, pport ? pport : port);
	if (rc < 0)
		xen_unmap_ring(x->xen, page);
	return rc;
}

void
ring_conn_release(struct xsd *x, struct domain *d)
{
	if (d->ring != NULL && x->rings != NULL)
		ring_free(x, d->ring);
}

bool
ring_conn_is(const struct conn *c)
{
	return c->ops == &ring_ops;
}

struct conn *
ring_conn_of(const struct domain *d)
{
	const struct ring *r = d->ring;

	return r != NULL ? r->conn : NULL;
}

/*
 * A buffer went from `was` bytes (as recorded) to `now` bytes, `taken`
 * of them used up from its front in between: how many of the recorded
 * bytes are dropped and how many at the end of the buffer are new.
 */
static void
buffer_change(uint64_t was, uint64_t now, uint64_t taken, uint32_t *drop,
    size_t *added)
{
	uint64_t d = taken < was ? taken : was;

	*drop = (uint32_t)d;
	*added = (size_t)(now - (was - d));
}

/*
 * Journal the ring's state: a RING_DELTA against the previous record when
 * the same connection's buffers only grew at the end and shrank at the
 * front since; a whole RING_SYNC otherwise (or when full is asked for).
 */
static void
sync_record(struct ring *r, struct sbuf *b, bool full)
{
	const struct conn *c = r->conn;
	struct jmark *m = &r->jm;
	uint32_t flags = r->quarantined ? J_RING_QUARANTINED : 0;
	uint32_t head = 0, rsp = ring_get_rsp_prod(r->intf);
	size_t inlen = c ? c->inlen : 0, outlen = c ? conn_out_pending(c) : 0;
	const uint8_t *in = c ? c->in : NULL;
	const uint8_t *out = c ? c->out + c->outhead : NULL;

	if (c != NULL && c->outmsgs > 0)
		head = (uint32_t)(c->outmsg_end - c->outhead);
	if (!full && c != NULL && m->valid && m->conn_id == c->id &&
	    m->out_epoch == c->out_epoch) {
		uint32_t in_drop, out_drop;
		size_t in_new, out_new;

		buffer_change(m->inlen, inlen, c->in_taken - m->in_taken,
		    &in_drop, &in_new);
		buffer_change(m->outlen, outlen, c->out_taken - m->out_taken,
		    &out_drop, &out_new);
		j_ring_delta(b, r->d->domid, r->in_pos, rsp, flags, r->error,
		    head, in_drop, in + inlen - in_new, in_new, out_drop,
		    out + outlen - out_new, out_new);
	} else {
		/* Output not yet in the ring starts where the ring stops. */
		j_ring_sync(b, r->d->domid, r->in_pos, rsp, flags, r->error,
		    head, in, inlen, out, outlen);
	}
	m->valid = c != NULL;
	if (c != NULL) {
		m->conn_id = c->id;
		m->out_epoch = c->out_epoch;
		m->in_taken = c->in_taken;
		m->out_taken = c->out_taken;
		m->inlen = inlen;
		m->outlen = outlen;
	}
}

void
ring_conn_sync(const struct domain *d, struct sbuf *b)
{
	if (d->ring != NULL)
		sync_record(d->ring, b, true);
}

void
rings_journal(struct xsd *x, struct sbuf *b)
{
	struct rings *rs = x->rings;
	struct ring *r;
	struct conn *c;

	if (rs == NULL)
		return;
	/* Rings with new output this iteration count as touched too. */
	TAILQ_FOREACH(c, &x->dirty, dirty_link)
		if (ring_conn_is(c) && c->tp != NULL)
			mark_touched(c->tp);
	while ((r = TAILQ_FIRST(&rs->touched)) != NULL) {
		untouch(r);
		sync_record(r, b, false);
	}
}

void
rings_journal_rebase(struct xsd *x)
{
	struct rings *rs = x->rings;
	size_t i;

	for (i = 0; rs != NULL && i < rs->nports; i++)
		if (rs->by_port[i] != NULL) {
			rs->by_port[i]->jm.valid = false;
			mark_touched(rs->by_port[i]);
		}
}

/*
 * The page of a domain whose ring is known from the saved state (restore,
 * live update): dom0's own from /proc/xen, a guest's mapped again by its
 * grant.  *port is the remote port: dom0's from /proc/xen, a guest's as
 * it was introduced.  0, or a negative errno.
 */
static int
map_known_ring(struct xsd *x, const struct domain *d, void **page,
    unsigned *port)
{
	int rc, err = -EIO;

	if (d->kva) {
		rc = xen_dom0_ring(x->xen, page, port);
		return rc < 0 ? rc : 0;
	}
	*page = xen_map_ring(x->xen, d->domid, d->gfn, &err);
	if (*page == NULL)
		return err;
	*port = d->remote_port;
	return 0;
}

int
ring_conn_restore(struct xsd *x, struct domain *d,
    const struct ring_restore *rr, struct conn **out)
{
	struct ring *r;
	unsigned port;
	void *page;
	int rc;

	*out = NULL;
	if (x->rings == NULL)
		return -ENODEV;
	rc = map_known_ring(x, d, &page, &port);
	if (rc < 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		rc = -ENOMEM;
		goto fail_map;
	}
	r->x = x;
	r->d = d;
	r->intf = page;
	r->kva = d->kva;
	rc = xen_bind(x->xen, d->domid, port, &r->local_port);
	if (rc < 0)
		goto fail_ring;
	rc = port_set(x->rings, r->local_port, r);
	if (rc < 0)
		goto fail_bind;
	d->ring = r;
	d->remote_port = port;
	/* Requests handled before the crash are not the guest's any more. */
	r->in_pos = ring_get_req_cons(page);
	if (rr->has_sync && rr->req_cons - r->in_pos <= XENSTORE_RING_SIZE &&
	    rr->req_cons != r->in_pos) {
		r->in_pos = rr->req_cons;
		ring_consume(page, r->in_pos);
	}
	if (rr->quarantined) {
		r->quarantined = true;
		r->error = rr->error;
		*out = NULL;
		return 0;
	}
	rc = ring_new_conn(r);
	if (rc < 0) {
		port_set(x->rings, r->local_port, NULL);
		d->ring = NULL;
		goto fail_bind;
	}
	if (rr->has_sync) {
		struct conn *c = r->conn;
		uint32_t written = ring_get_rsp_prod(page) - rr->rsp_off;

		/*
		 * The saved output first: the saved input may hold whole
		 * requests that waited behind it (a stalled connection), and
		 * their replies must follow it.
		 */
		if (rr->outlen) {
			rc = conn_restore_output(c, rr->out, rr->outlen,
			    rr->head_rest);
			/* What the ring already holds is not sent twice. */
			if (rc == 0 && written <= rr->outlen)
				conn_out_consumed(c, written);
		}
		if (rr->inlen && conn_input(c, rr->in, rr->inlen) < 0)
			log_warn(&x->log, "domain %u: restored input rejected",
			    d->domid);
	}
	*out = r->conn;
	again(r);	/* the guest may have written while we were down */
	return 0;
fail_bind:
	xen_unbind(x->xen, r->local_port);
fail_ring:
	free(r);
fail_map:
	if (d->kva)
		xen_dom0_unmap(page);
	else
		xen_unmap_ring(x->xen, page);
	return rc;
}

int
rings_prepare_exec(struct xsd *x, bool undo)
{
	struct rings *rs = x->rings;

	if (rs == NULL)
		return 0;
	if (undo) {
		int rc = xen_bind_dom_exc(x->xen, &rs->virq_port);

		xen_keep_across_exec(x->xen, false);
		if (rc == 0)
			rc = loop_add(x->loop, xen_evtchn_fd(x->xen), EPOLLIN,
			    on_evtchn, x, &rs->lfd);
		return rc;
	}
	loop_del(rs->lfd);
	rs->lfd = NULL;
	xen_unbind(x->xen, rs->virq_port);
	xen_keep_across_exec(x->xen, true);
	return 0;
}

unsigned
ring_local_port(const struct domain *d)
{
	const struct ring *r = d->ring;

	return r != NULL ? r->local_port : 0;
}

int
ring_conn_adopt(struct xsd *x, struct domain *d, unsigned local,
    uint32_t error, struct conn **out)
{
	struct ring *r;
	unsigned port;
	void *page;
	int rc;

	if (x->rings == NULL)
		return -ENODEV;
	rc = map_known_ring(x, d, &page, &port);
	if (rc < 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	r->x = x;
	r->d = d;
	r->intf = page;
	r->kva = d->kva;
	r->local_port = local;
	r->in_pos = ring_get_req_cons(page);
	rc = port_set(x->rings, local, r);
	if (rc == 0) {
		d->ring = r;
		r->quarantined = error != 0;
		r->error = error;
		rc = error ? 0 : ring_new_conn(r);
	}
	if (rc < 0) {
		port_set(x->rings, local, NULL);
		d->ring = NULL;
		free(r);
		goto fail;
	}
	*out = r->conn;
	if (r->conn != NULL)
		again(r);
	return 0;
fail:
	if (d->kva)
		xen_dom0_unmap(page);
	else
		xen_unmap_ring(x->xen, page);
	return rc;
}

bool
ring_conn_quarantined(const struct domain *d, uint32_t *error)
{
	const struct ring *r = d->ring;

	if (r == NULL || !r->quarantined)
		return false;
	*error = r->error;
	return true;
}

int
rings_check(const struct xsd *x, char *why, size_t len)
{
	const struct rings *rs = x->rings;
	const struct ring *r, *last = NULL;
	size_t listed = 0, queued = 0, i;

	if (rs == NULL)
		return 0;
	TAILQ_FOREACH(r, &rs->again, again_link) {
		if (!r->queued || ++listed > rs->nports) {
			snprintf(why, len, "ring list broken at domain %u",
			    r->d->domid);
			return -EIO;
		}
		last = r;
	}
	for (i = 0; i < rs->nports; i++)
		queued += rs->by_port[i] != NULL && rs->by_port[i]->queued;
	if (queued != listed || rs->again.tqh_last != (last != NULL ?
	    &last->again_link.tqe_next : &rs->again.tqh_first)) {
		snprintf(why, len, "ring list: %zu listed, %zu flagged, %s "
		    "tail", listed, queued, queued == listed ? "wrong" :
		    "a");
		return -EIO;
	}
	return 0;
}

void
rings_check_domains(struct xsd *x)
{
	if (x->rings != NULL)
		check_domains(x);
}
