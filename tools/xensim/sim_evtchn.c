/*
 * sim_evtchn.c: event-channel endpoints of the simulated machine.
 *
 * Owns the endpoint table: per-domain port allocation (lowest free port,
 * as Xen), unbound / interdomain / VIRQ bindings, closing (the peer of a
 * closed interdomain channel becomes unbound, as in Xen), and the event
 * state machine of one endpoint.  Each endpoint has three bits:
 *
 *   Q  queued: delivered to the owning handle, not yet read by it
 *   M  masked: set on delivery (like the Linux evtchn driver), cleared by
 *      unmask
 *   P  pending: raised while masked; redelivered at unmask
 *
 *   raise:   M clear -> set M|Q and ring the owner's bell;  M set -> set P
 *   take:    Q set -> clear Q (the port is "read")
 *   unmask:  P set -> clear P, set M|Q, ring;  else clear M
 *
 * So a port is queued at most once, however often it is notified, and a
 * notification while masked is not lost.  Binding and closing take the
 * machine lock; raise/take/unmask/send are lock-free.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static bool
dom_alive(struct xsim_core *c, uint32_t dom, int *err)
{
	uint32_t st;

	if (dom >= XSIM_NR_DOMS) {
		*err = -ESRCH;
		return false;
	}
	st = XSIM_DOM_STATE(atomic_load(&xsim_dom(c, dom)->state));
	if (st == XSIM_DOM_FREE) {
		*err = -ESRCH;
		return false;
	}
	if (st == XSIM_DOM_DYING) {
		*err = -EINVAL;
		return false;
	}
	return true;
}

/* Lowest port >= 1 not used in dom.  Caller holds the lock. */
static int
lowest_free_port(struct xsim_core *c, uint32_t dom, uint32_t *port)
{
	unsigned char small[512], *map = small;
	uint32_t n = 0, i, e;
	size_t bytes;

	for (e = xsim_dom(c, dom)->ep_head; e != 0;
	    e = xsim_ep(c, e - 1)->dom_next)
		n++;
	if (n >= XSIM_MAX_PORT)
		return -ENOSPC;
	/* With n ports used, one of 1 .. n + 1 is free. */
	bytes = (n + 2 + 7) / 8;
	if (bytes > sizeof(small) && (map = calloc(1, bytes)) == NULL)
		return -ENOMEM;
	if (map == small)
		memset(small, 0, sizeof(small));
	for (e = xsim_dom(c, dom)->ep_head; e != 0;
	    e = xsim_ep(c, e - 1)->dom_next) {
		i = xsim_ep(c, e - 1)->port;
		if (i <= n + 1)
			map[i / 8] |= (unsigned char)(1u << (i % 8));
	}
	for (i = 1; map[i / 8] & (1u << (i % 8)); i++)
		;
	if (map != small)
		free(map);
	*port = i;
	return 0;
}

/* Allocate an endpoint of dom in the given state.  Caller holds the lock. */
static int
ep_alloc(struct xsim_core *c, uint32_t dom, uint32_t state, uint32_t owner,
    uint32_t flags, uint32_t *epi)
{
	struct xsim_hdr *h = xsim_hdr(c);
	struct xsim_dom *d;
	struct xsim_ep *ep;
	uint32_t i, port;
	int rc;

	if (!dom_alive(c, dom, &rc))
		return rc;
	if ((rc = lowest_free_port(c, dom, &port)) < 0)
		return rc;
	if (h->ep_free != 0) {
		i = h->ep_free - 1;
		h->ep_free = xsim_ep(c, i)->free_next;
	} else if (h->ep_hwm < XSIM_NR_EPS) {
		i = h->ep_hwm++;
	} else {
		return -ENOSPC;
	}
	d = xsim_dom(c, dom);
	ep = xsim_ep(c, i);
	atomic_store(&ep->bits, 0);
	atomic_store(&ep->peer, 0);
	ep->dom = dom;
	ep->port = port;
	ep->remote_dom = XSIM_NONE;
	ep->virq = 0;
	ep->flags = flags;
	ep->free_next = 0;
	ep->dom_next = d->ep_head;
	d->ep_head = i + 1;
	atomic_store(&ep->owner, owner);
	atomic_store(&ep->state, state);
	*epi = i;
	return 0;
}

/* Return an endpoint to the free list.  Caller holds the lock. */
static void
ep_free(struct xsim_core *c, uint32_t epi)
{
	struct xsim_ep *ep = xsim_ep(c, epi), *p;
	struct xsim_dom *d = xsim_dom(c, ep->dom);
	uint32_t *link;

	for (link = &d->ep_head; *link != 0; link = &p->dom_next) {
		p = xsim_ep(c, *link - 1);
		if (*link - 1 == epi) {
			*link = p->dom_next;
			break;
		}
	}
	atomic_store(&ep->state, XSIM_EP_FREE);
	atomic_store(&ep->owner, 0);
	atomic_store(&ep->peer, 0);
	atomic_store(&ep->bits, 0);
	ep->gen++;
	ep->dom_next = 0;
	ep->free_next = xsim_hdr(c)->ep_free;
	xsim_hdr(c)->ep_free = epi + 1;
}

/* Close one endpoint: its interdomain peer becomes unbound.  Locked. */
static void
ep_close(struct xsim_core *c, uint32_t epi)
{
	struct xsim_ep *ep = xsim_ep(c, epi), *p;
	uint32_t peer;

	peer = atomic_load(&ep->peer);
	if (atomic_load(&ep->state) == XSIM_EP_INTER && peer != 0) {
		p = xsim_ep(c, peer - 1);
		if (atomic_load(&p->state) == XSIM_EP_INTER &&
		    atomic_load(&p->peer) == epi + 1) {
			p->remote_dom = ep->dom;
			atomic_store(&p->peer, 0);
			atomic_store(&p->state, XSIM_EP_UNBOUND);
		}
	}
	ep_free(c, epi);
}

int
xsim_ev_alloc_unbound(struct xsim_core *c, uint32_t dom, uint32_t remote_dom,
    uint32_t owner, uint32_t flags, uint32_t *epi)
{
	uint32_t i;
	int rc;

	if (remote_dom >= XSIM_NR_DOMS)
		return -EINVAL;
	if ((rc = xsim_lock(c)) < 0)
		return rc;
	rc = ep_alloc(c, dom, XSIM_EP_UNBOUND, owner, flags, &i);
	if (rc == 0) {
		xsim_ep(c, i)->remote_dom = remote_dom;
		*epi = i;
	}
	xsim_unlock(c);
	return rc;
}

int
xsim_ev_lookup(struct xsim_core *c, uint32_t dom, uint32_t port,
    uint32_t *epi)
{
	uint32_t e;
	int rc;

	if (dom >= XSIM_NR_DOMS || port == 0 || port > XSIM_MAX_PORT)
		return -EINVAL;
	if ((rc = xsim_lock(c)) < 0)
		return rc;
	rc = -EINVAL;
	for (e = xsim_dom(c, dom)->ep_head; e != 0;
	    e = xsim_ep(c, e - 1)->dom_next) {
		if (xsim_ep(c, e - 1)->port == port) {
			*epi = e - 1;
			rc = 0;
			break;
		}
	}
	xsim_unlock(c);
	return rc;
}

/*
 * Bind a new port of dom to (remote_dom, remote_port), which must be
 * unbound and offered to dom.  As Xen does, the new local port starts
 * pending: notifications sent to the unbound port may have been lost.
 */
int
xsim_ev_bind_inter(struct xsim_core *c, uint32_t dom, uint32_t remote_dom,
    uint32_t remote_port, uint32_t owner, uint32_t *epi)
{
	struct xsim_ep *r;
	uint32_t ri, li;
	int rc;

	if ((rc = xsim_lock(c)) < 0)
		return rc;
	if (!dom_alive(c, remote_dom, &rc))
		goto out;
	if ((rc = xsim_ev_lookup(c, remote_dom, remote_port, &ri)) < 0)
		goto out;
	r = xsim_ep(c, ri);
	if (atomic_load(&r->state) != XSIM_EP_UNBOUND || r->remote_dom != dom) {
		rc = -EINVAL;
		goto out;
	}
	if ((rc = ep_alloc(c, dom, XSIM_EP_INTER, owner, 0, &li)) < 0)
		goto out;
	xsim_ep(c, li)->remote_dom = remote_dom;
	atomic_store(&xsim_ep(c, li)->peer, ri + 1);
	r->remote_dom = dom;
	atomic_store(&r->peer, li + 1);
	atomic_store(&r->state, XSIM_EP_INTER);
	xsim_ev_raise(c, li);
	*epi = li;
out:
	xsim_unlock(c);
	return rc;
}

int
xsim_ev_bind_virq(struct xsim_core *c, uint32_t dom, uint32_t virq,
    uint32_t owner, uint32_t *epi)
{
	uint32_t i;
	int rc;

	if (virq >= 24)
		return -EINVAL;
	if ((rc = xsim_lock(c)) < 0)
		return rc;
	rc = ep_alloc(c, dom, XSIM_EP_VIRQ, owner, 0, &i);
	if (rc == 0) {
		xsim_ep(c, i)->virq = virq;
		*epi = i;
	}
	xsim_unlock(c);
	return rc;
}

/* Close an endpoint bound through handle owner (0: any). */
int
xsim_ev_close(struct xsim_core *c, uint32_t epi, uint32_t owner)
{
	struct xsim_ep *ep;
	int rc;

	if (epi >= XSIM_NR_EPS)
		return -EINVAL;
	if ((rc = xsim_lock(c)) < 0)
		return rc;
	ep = xsim_ep(c, epi);
	if (atomic_load(&ep->state) == XSIM_EP_FREE ||
	    (owner != 0 && atomic_load(&ep->owner) != owner))
		rc = -EINVAL;
	else
		ep_close(c, epi);
	xsim_unlock(c);
	return rc;
}

/* Close every endpoint of a dying domain.  Caller holds the lock. */
void
xsim_ev__free_dom(struct xsim_core *c, uint32_t dom)
{
	struct xsim_dom *d = xsim_dom(c, dom);

	while (d->ep_head != 0)
		ep_close(c, d->ep_head - 1);
}

void
xsim_ev_raise(struct xsim_core *c, uint32_t epi)
{
	struct xsim_ep *ep = xsim_ep(c, epi);
	uint32_t b, nb, owner;

	b = atomic_load(&ep->bits);
	do {
		if (b & XSIM_EVB_M)
			nb = b | XSIM_EVB_P;
		else
			nb = b | XSIM_EVB_M | XSIM_EVB_Q;
	} while (!atomic_compare_exchange_weak(&ep->bits, &b, nb));
	if (!(b & XSIM_EVB_M) && (owner = atomic_load(&ep->owner)) != 0)
		xsim_bell_ring(c, owner);
}

bool
xsim_ev_take(struct xsim_core *c, uint32_t epi)
{
	struct xsim_ep *ep = xsim_ep(c, epi);
	uint32_t b;

	b = atomic_load(&ep->bits);
	do {
		if (!(b & XSIM_EVB_Q))
			return false;
	} while (!atomic_compare_exchange_weak(&ep->bits, &b,
	    b & ~XSIM_EVB_Q));
	return true;
}

/*
 * Consume an event the way a guest's upcall does: pending is cleared and
 * notifications that arrived since delivery coalesce into this one.
 */
bool
xsim_ev_ack(struct xsim_core *c, uint32_t epi)
{
	struct xsim_ep *ep = xsim_ep(c, epi);
	uint32_t b;

	b = atomic_load(&ep->bits);
	do {
		if (!(b & XSIM_EVB_Q))
			return false;
	} while (!atomic_compare_exchange_weak(&ep->bits, &b, 0));
	return true;
}

bool
xsim_ev_queued(struct xsim_core *c, uint32_t epi)
{
	return (atomic_load(&xsim_ep(c, epi)->bits) & XSIM_EVB_Q) != 0;
}

void
xsim_ev_unmask(struct xsim_core *c, uint32_t epi)
{
	struct xsim_ep *ep = xsim_ep(c, epi);
	uint32_t b, nb, owner;

	b = atomic_load(&ep->bits);
	do {
		if (b & XSIM_EVB_P)
			nb = (b & ~XSIM_EVB_P) | XSIM_EVB_M | XSIM_EVB_Q;
		else
			nb = b & ~XSIM_EVB_M;
	} while (!atomic_compare_exchange_weak(&ep->bits, &b, nb));
	if ((b & XSIM_EVB_P) && (owner = atomic_load(&ep->owner)) != 0)
		xsim_bell_ring(c, owner);
}

/*
 * Notify through local endpoint epi.  Like EVTCHNOP_send: an interdomain
 * port raises its peer, an unbound port silently drops the event, anything
 * else is an error.
 */
int
xsim_ev_send(struct xsim_core *c, uint32_t epi)
{
	struct xsim_ep *ep;
	uint32_t peer;

	if (epi >= XSIM_NR_EPS)
		return -EINVAL;
	ep = xsim_ep(c, epi);
	switch (atomic_load(&ep->state)) {
	case XSIM_EP_INTER:
		peer = atomic_load(&ep->peer);
		if (peer != 0)
			xsim_ev_raise(c, peer - 1);
		return 0;
	case XSIM_EP_UNBOUND:
		return 0;
	default:
		return -EINVAL;
	}
}

/* Raise virq on every endpoint bound to it (every interested handle). */
void
xsim_ev_virq(struct xsim_core *c, uint32_t virq)
{
	uint32_t i, hwm = xsim_hdr(c)->ep_hwm;
	struct xsim_ep *ep;

	for (i = 0; i < hwm; i++) {
		ep = xsim_ep(c, i);
		if (atomic_load(&ep->state) == XSIM_EP_VIRQ && ep->virq == virq)
			xsim_ev_raise(c, i);
	}
}

/*
 * Route a domain's own port (XSIM_EPF_GUEST) to a handle.  Fails with
 * -EBUSY if another handle receives it; a queued event is signalled to the
 * new owner at once.
 */
int
xsim_ev_attach(struct xsim_core *c, uint32_t epi, uint32_t gen, uint32_t owner)
{
	struct xsim_ep *ep;
	int rc;

	if (epi >= XSIM_NR_EPS || owner == 0)
		return -EINVAL;
	if ((rc = xsim_lock(c)) < 0)
		return rc;
	ep = xsim_ep(c, epi);
	if (atomic_load(&ep->state) == XSIM_EP_FREE || ep->gen != gen ||
	    !(ep->flags & XSIM_EPF_GUEST))
		rc = -ESRCH;
	else if (atomic_load(&ep->owner) != 0)
		rc = -EBUSY;
	else
		atomic_store(&ep->owner, owner);
	if (rc == 0 && xsim_ev_queued(c, epi))
		xsim_bell_ring(c, owner);
	xsim_unlock(c);
	return rc;
}

void
xsim_ev_detach(struct xsim_core *c, uint32_t epi, uint32_t owner)
{
	uint32_t expect = owner;

	if (epi < XSIM_NR_EPS)
		atomic_compare_exchange_strong(&xsim_ep(c, epi)->owner,
		    &expect, 0);
}
