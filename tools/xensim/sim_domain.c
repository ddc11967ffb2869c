/*
 * sim_domain.c: the domain table of the simulated machine.
 *
 * Owns domain lifecycle: free -> running <-> shutdown(reason) -> dying ->
 * free.  Creation allocates the ring page and the guest's unbound xenstore
 * port; shutdown and death raise VIRQ_DOM_EXC; death closes the domain's
 * event channels (their peers become unbound, as in Xen).  The state and
 * shutdown reason live in one atomic word so that readers (the daemon's
 * xc_domain_getinfo) need no lock.  Event delivery is in sim_evtchn.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

#define DEFAULT_MAX_KB	131072u

static int
dom_state(struct xsim_core *c, uint32_t domid)
{
	if (domid >= XSIM_NR_DOMS)
		return -ESRCH;
	return (int)XSIM_DOM_STATE(atomic_load(&xsim_dom(c, domid)->state));
}

static void
fill_info(struct xsim_core *c, uint32_t domid, uint32_t w,
    struct xsim_dominfo *out)
{
	struct xsim_dom *d = xsim_dom(c, domid);

	out->domid = domid;
	out->state = XSIM_DOM_STATE(w);
	out->reason = XSIM_DOM_REASON(w);
	out->flags = d->flags;
	out->xs_port = d->xs_port;
	out->gen = d->gen;
	out->gfn = d->gfn;
	out->max_kb = d->max_kb;
	memcpy(out->uuid, d->uuid, sizeof(out->uuid));
}

int
xsim_dom_info(struct xsim_core *c, uint32_t domid, struct xsim_dominfo *out)
{
	uint32_t w;

	if (domid >= XSIM_NR_DOMS)
		return -ESRCH;
	w = atomic_load(&xsim_dom(c, domid)->state);
	if (XSIM_DOM_STATE(w) == XSIM_DOM_FREE)
		return -ESRCH;
	fill_info(c, domid, w, out);
	return 0;
}

/* The first domain with domid >= first, as XEN_DOMCTL_getdomaininfo. */
int
xsim_dom_next(struct xsim_core *c, uint32_t first, struct xsim_dominfo *out)
{
	uint32_t id, w;

	for (id = first; id < XSIM_NR_DOMS; id++) {
		w = atomic_load(&xsim_dom(c, id)->state);
		if (XSIM_DOM_STATE(w) != XSIM_DOM_FREE) {
			fill_info(c, id, w, out);
			return 0;
		}
	}
	return -ESRCH;
}

static int
pick_domid(struct xsim_core *c, uint32_t want, uint32_t *domid)
{
	struct xsim_hdr *h = xsim_hdr(c);
	uint32_t i, id;

	if (want != XSIM_NONE) {
		if (want == 0 || want >= XSIM_NR_DOMS)
			return -EINVAL;
		if (dom_state(c, want) != XSIM_DOM_FREE)
			return -EEXIST;
		*domid = want;
		return 0;
	}
	for (i = 1; i < XSIM_NR_DOMS; i++) {
		id = (h->dom_rover + i) % XSIM_NR_DOMS;
		if (id != 0 && dom_state(c, id) == XSIM_DOM_FREE) {
			*domid = id;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Caller holds the lock.  Sets up everything but the state word. */
static int
dom_setup(struct xsim_core *c, uint32_t domid, const struct xsim_dom_params *p)
{
	struct xsim_dom *d = xsim_dom(c, domid);
	uint32_t epi;
	int rc;

	d->gen++;
	d->flags = p->flags;
	d->gfn = p->gfn != 0 ? p->gfn : XSIM_RING_GFN;
	d->max_kb = p->max_kb != 0 ? p->max_kb : DEFAULT_MAX_KB;
	d->ep_head = 0;
	if (p->uuid != NULL)
		memcpy(d->uuid, p->uuid, sizeof(d->uuid));
	else
		memset(d->uuid, 0, sizeof(d->uuid));
	if ((rc = xsim_page_create(c, domid, d->gen)) < 0)
		return rc;
	/* Allocation needs a live domain; lock-free readers may briefly
	 * see xs_port 0, as they would before a toolstack allocates it. */
	atomic_store(&d->state, XSIM_DOM_WORD(XSIM_DOM_RUNNING, 0));
	rc = xsim_ev_alloc_unbound(c, domid, xsim_hdr(c)->xs_domid, 0,
	    XSIM_EPF_GUEST, &epi);
	if (rc < 0) {
		atomic_store(&d->state, XSIM_DOM_WORD(XSIM_DOM_FREE, 0));
		xsim_page_remove(c, domid, d->gen);
		return rc;
	}
	d->xs_port = xsim_ep(c, epi)->port;
	return 0;
}

int
xsim_dom_create(struct xsim_core *c, const struct xsim_dom_params *p,
    uint32_t *domid)
{
	uint32_t id;
	int rc;

	if (p == NULL || (p->flags & ~(XSIM_DOMF_HVM | XSIM_DOMF_NOGRANT |
	    XSIM_DOMF_PAUSED | XSIM_DOMF_PRIV)) != 0)
		return -EINVAL;
	if ((rc = xsim_lock(c)) < 0)
		return rc;
	if ((rc = pick_domid(c, p->domid, &id)) < 0)
		goto out;
	if ((rc = dom_setup(c, id, p)) < 0)
		goto out;
	xsim_hdr(c)->dom_rover = id;
	xsim_hdr(c)->ndoms++;
	*domid = id;
out:
	xsim_unlock(c);
	return rc;
}

/* dom0 at machine creation: privileged, ring page xsd_kva, port in xsd_port. */
int
xsim_dom_init0(struct xsim_core *c)
{
	struct xsim_dom_params p = { .domid = 0, .flags = XSIM_DOMF_PRIV };
	char buf[16];
	int fd, n, rc;

	if ((rc = xsim_lock(c)) < 0)
		return rc;
	if ((rc = dom_setup(c, 0, &p)) < 0)
		goto out;
	xsim_hdr(c)->ndoms = 1;
	/* No newline: oxenstored refuses one, the kernel file has none. */
	n = snprintf(buf, sizeof(buf), "%u", xsim_dom(c, 0)->xs_port);
	fd = openat(c->dirfd, "xsd_port", O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if (write(fd, buf, (size_t)n) != n)
		rc = -EIO;
	close(fd);
out:
	xsim_unlock(c);
	return rc;
}

int
xsim_dom_shutdown(struct xsim_core *c, uint32_t domid, uint32_t reason)
{
	struct xsim_dom *d;
	int rc, st;

	if (reason > 255)
		return -EINVAL;
	if (domid == 0)
		return -EPERM;
	if ((rc = xsim_lock(c)) < 0)
		return rc;
	st = dom_state(c, domid);
	if (st < 0 || st == XSIM_DOM_FREE) {
		rc = -ESRCH;
	} else if (st == XSIM_DOM_DYING) {
		rc = -EINVAL;
	} else if (st == XSIM_DOM_RUNNING) {
		/* As in Xen, shutting down again changes nothing. */
		d = xsim_dom(c, domid);
		atomic_store(&d->state, XSIM_DOM_WORD(XSIM_DOM_SHUTDOWN,
		    reason));
		xsim_ev_virq(c, XSIM_VIRQ_DOM_EXC);
	}
	xsim_unlock(c);
	return rc;
}

int
xsim_dom_resume(struct xsim_core *c, uint32_t domid)
{
	int rc, st;

	if ((rc = xsim_lock(c)) < 0)
		return rc;
	st = dom_state(c, domid);
	if (st < 0 || st == XSIM_DOM_FREE)
		rc = -ESRCH;
	else if (st != XSIM_DOM_SHUTDOWN)
		rc = -EINVAL;
	else
		atomic_store(&xsim_dom(c, domid)->state,
		    XSIM_DOM_WORD(XSIM_DOM_RUNNING, 0));
	xsim_unlock(c);
	return rc;
}

/* Caller holds the lock. */
static int
dom_kill_locked(struct xsim_core *c, uint32_t domid)
{
	struct xsim_dom *d;
	uint32_t w;

	if (domid == 0)
		return -EPERM;
	if (domid >= XSIM_NR_DOMS)
		return -ESRCH;
	d = xsim_dom(c, domid);
	w = atomic_load(&d->state);
	if (XSIM_DOM_STATE(w) == XSIM_DOM_FREE)
		return -ESRCH;
	if (XSIM_DOM_STATE(w) == XSIM_DOM_DYING)
		return 0;
	atomic_store(&d->state, XSIM_DOM_WORD(XSIM_DOM_DYING,
	    XSIM_DOM_REASON(w)));
	xsim_ev__free_dom(c, domid);
	xsim_ev_virq(c, XSIM_VIRQ_DOM_EXC);
	return 0;
}

int
xsim_dom_kill(struct xsim_core *c, uint32_t domid)
{
	int rc;

	if ((rc = xsim_lock(c)) < 0)
		return rc;
	rc = dom_kill_locked(c, domid);
	xsim_unlock(c);
	return rc;
}

int
xsim_dom_destroy(struct xsim_core *c, uint32_t domid)
{
	struct xsim_dom *d;
	int rc;

	if ((rc = xsim_lock(c)) < 0)
		return rc;
	if ((rc = dom_kill_locked(c, domid)) < 0)
		goto out;
	d = xsim_dom(c, domid);
	xsim_page_remove(c, domid, d->gen);
	d->xs_port = 0;
	atomic_store(&d->state, XSIM_DOM_WORD(XSIM_DOM_FREE, 0));
	xsim_hdr(c)->ndoms--;
out:
	xsim_unlock(c);
	return rc;
}

int
xsim_dom_set_flags(struct xsim_core *c, uint32_t domid, uint32_t set,
    uint32_t clear)
{
	const uint32_t ok = XSIM_DOMF_NOGRANT | XSIM_DOMF_PAUSED;
	int rc, st;

	if (((set | clear) & ~ok) != 0)
		return -EINVAL;
	if ((rc = xsim_lock(c)) < 0)
		return rc;
	st = dom_state(c, domid);
	if (st < 0 || st == XSIM_DOM_FREE)
		rc = -ESRCH;
	else
		xsim_dom(c, domid)->flags =
		    (xsim_dom(c, domid)->flags | set) & ~clear;
	xsim_unlock(c);
	return rc;
}
