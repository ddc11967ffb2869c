/*
 * pre_evtchn.c: libxenevtchn over the simulated event channels.
 *
 * A handle is an evset (sim_evset.c): its fd is readable exactly while one
 * of its ports is queued; xenevtchn_pending() takes one and leaves it
 * masked until xenevtchn_unmask(), like the Linux evtchn device.  Ports
 * are those of our domain (dom0) and are closed with the handle.  Errors
 * follow the device: -1 and errno.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xenevtchn.h>

#include "pre.h"

struct xenevtchn_handle {
	struct xsim_evset set;
};

static xenevtchn_handle *
handle_new(void)
{
	xenevtchn_handle *h = calloc(1, sizeof(*h));

	if (h != NULL)
		h->set.bell.fd = -1;
	return h;
}

PRE_API xenevtchn_handle *
xenevtchn_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	struct xsim_core *c = pre_core();
	xenevtchn_handle *h;
	int rc;

	(void)logger;
	if (c == NULL)
		return NULL;
	/* A new daemon may follow a dead one: release what it held. */
	(void)xsim_gc(c);
	if ((h = handle_new()) == NULL)
		return NULL;
	rc = xsim_evset_init(c, !(open_flags & XENEVTCHN_NO_CLOEXEC), &h->set);
	if (rc < 0) {
		free(h);
		errno = -rc;
		return NULL;
	}
	pre_trace("xenevtchn_open(%#x) = %p fd %d", open_flags, (void *)h,
	    h->set.bell.fd);
	return h;
}

/* Track a port bound through h, or undo the binding on failure. */
static int
track(struct xsim_core *c, xenevtchn_handle *h, uint32_t epi)
{
	uint32_t port = xsim_ep(c, epi)->port;
	int rc;

	if ((rc = xsim_evset_add(&h->set, epi, NULL)) == 0 &&
	    (rc = pre_port_set(port, epi)) == 0)
		return (int)port;
	xsim_evset_del(&h->set, epi);
	xsim_ev_close(c, epi, h->set.bell.word);
	errno = -rc;
	return -1;
}

/*
 * Rebuild a handle from an fd inherited across exec (live update): the
 * bell is named by the socket, the ports are those the machine says it
 * owns.
 */
PRE_API xenevtchn_handle *
xenevtchn_fdopen(struct xentoollog_logger *logger, int fd,
    unsigned open_flags)
{
	struct xsim_core *c = pre_core();
	xenevtchn_handle *h;
	uint32_t i, hwm;
	int rc;

	(void)logger;
	if (c == NULL)
		return NULL;
	if (open_flags & XENEVTCHN_NO_CLOEXEC) {
		errno = EINVAL;
		return NULL;
	}
	if ((h = handle_new()) == NULL)
		return NULL;
	if ((rc = xsim_bell_adopt(c, fd, &h->set.bell)) < 0) {
		free(h);
		errno = -rc;
		return NULL;
	}
	hwm = xsim_hdr(c)->ep_hwm;
	for (i = 0; i < hwm; i++) {
		if (atomic_load(&xsim_ep(c, i)->owner) == h->set.bell.word &&
		    atomic_load(&xsim_ep(c, i)->state) != XSIM_EP_FREE &&
		    (xsim_evset_add(&h->set, i, NULL) < 0 ||
		    pre_port_set(xsim_ep(c, i)->port, i) < 0)) {
			xsim_evset_fini(c, &h->set);
			free(h);
			errno = ENOMEM;
			return NULL;
		}
	}
	xsim_evset_refresh(c, &h->set);
	pre_trace("xenevtchn_fdopen(%d) = %p, %u ports", fd, (void *)h,
	    h->set.n);
	return h;
}

PRE_API int
xenevtchn_close(xenevtchn_handle *h)
{
	struct xsim_core *c = pre_core();
	uint32_t i;

	if (h == NULL)
		return 0;
	pre_trace("xenevtchn_close(%p)", (void *)h);
	if (c != NULL) {
		for (i = 0; i < h->set.n; i++) {
			pre_port_set(xsim_ep(c, h->set.ev[i].epi)->port,
			    XSIM_NONE);
			xsim_ev_close(c, h->set.ev[i].epi, h->set.bell.word);
		}
		xsim_evset_fini(c, &h->set);
	}
	free(h);
	return 0;
}

PRE_API int
xenevtchn_fd(xenevtchn_handle *h)
{
	return h->set.bell.fd;
}

/* The endpoint behind a port of ours bound through h, or XSIM_NONE. */
static uint32_t
lookup(struct xsim_core *c, xenevtchn_handle *h, evtchn_port_t port)
{
	uint32_t epi = pre_port_get(port);

	if (epi == XSIM_NONE ||
	    atomic_load(&xsim_ep(c, epi)->owner) != h->set.bell.word)
		return XSIM_NONE;
	return epi;
}

PRE_API int
xenevtchn_notify(xenevtchn_handle *h, evtchn_port_t port)
{
	struct xsim_core *c = pre_core();
	uint32_t epi;
	int rc;

	if (c == NULL)
		return -1;
	if ((epi = lookup(c, h, port)) == XSIM_NONE) {
		pre_trace("xenevtchn_notify(%u) = ENOTCONN", port);
		errno = ENOTCONN;
		return -1;
	}
	if ((rc = xsim_ev_send(c, epi)) < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

PRE_API xenevtchn_port_or_error_t
xenevtchn_bind_unbound_port(xenevtchn_handle *h, uint32_t domid)
{
	struct xsim_core *c = pre_core();
	uint32_t epi;
	int rc;

	if (c == NULL)
		return -1;
	rc = xsim_ev_alloc_unbound(c, pre.self, domid, h->set.bell.word, 0,
	    &epi);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	rc = track(c, h, epi);
	pre_trace("xenevtchn_bind_unbound_port(%u) = %d", domid, rc);
	return rc;
}

PRE_API xenevtchn_port_or_error_t
xenevtchn_bind_interdomain(xenevtchn_handle *h, uint32_t domid,
    evtchn_port_t remote_port)
{
	struct xsim_core *c = pre_core();
	uint32_t epi;
	int rc;

	if (c == NULL)
		return -1;
	rc = xsim_ev_bind_inter(c, pre.self, domid, remote_port,
	    h->set.bell.word, &epi);
	if (rc < 0) {
		pre_trace("xenevtchn_bind_interdomain(%u, %u) = %s", domid,
		    remote_port, strerror(-rc));
		errno = -rc;
		return -1;
	}
	rc = track(c, h, epi);
	pre_trace("xenevtchn_bind_interdomain(%u, %u) = %d", domid,
	    remote_port, rc);
	return rc;
}

PRE_API xenevtchn_port_or_error_t
xenevtchn_bind_virq(xenevtchn_handle *h, unsigned int virq)
{
	struct xsim_core *c = pre_core();
	uint32_t epi;
	int rc;

	if (c == NULL)
		return -1;
	rc = xsim_ev_bind_virq(c, pre.self, virq, h->set.bell.word, &epi);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	rc = track(c, h, epi);
	pre_trace("xenevtchn_bind_virq(%u) = %d", virq, rc);
	return rc;
}

PRE_API int
xenevtchn_unbind(xenevtchn_handle *h, evtchn_port_t port)
{
	struct xsim_core *c = pre_core();
	uint32_t epi;

	if (c == NULL)
		return -1;
	if ((epi = lookup(c, h, port)) == XSIM_NONE) {
		pre_trace("xenevtchn_unbind(%u) = ENOTCONN", port);
		errno = ENOTCONN;
		return -1;
	}
	pre_port_set(port, XSIM_NONE);
	xsim_evset_del(&h->set, epi);
	xsim_ev_close(c, epi, h->set.bell.word);
	xsim_evset_refresh(c, &h->set);
	pre_trace("xenevtchn_unbind(%u) = 0", port);
	return 0;
}

/*
 * The next pending port.  The fd is readable only while one is queued, so
 * callers that poll first always get one.  Should a race with a port's
 * closing leave nothing, report a bound port anyway: a spurious event is
 * harmless to a daemon, which rescans, while an error is fatal to it.
 */
PRE_API xenevtchn_port_or_error_t
xenevtchn_pending(xenevtchn_handle *h)
{
	struct xsim_core *c = pre_core();
	struct xsim_event ev;
	uint32_t port;

	if (c == NULL)
		return -1;
	if (xsim_evset_next(c, &h->set, false, &ev) < 0) {
		if (h->set.n == 0) {
			errno = EAGAIN;
			return -1;
		}
		ev = h->set.ev[0];
	}
	port = xsim_ep(c, ev.epi)->port;
	pre_trace("xenevtchn_pending = %u", port);
	return (xenevtchn_port_or_error_t)port;
}

PRE_API int
xenevtchn_unmask(xenevtchn_handle *h, evtchn_port_t port)
{
	struct xsim_core *c = pre_core();
	uint32_t epi;

	if (c == NULL)
		return -1;
	if ((epi = lookup(c, h, port)) == XSIM_NONE) {
		errno = ENOTCONN;
		return -1;
	}
	xsim_ev_unmask(c, epi);
	return 0;
}

PRE_API int
xenevtchn_restrict(xenevtchn_handle *h, domid_t domid)
{
	(void)h;
	(void)domid;
	errno = ENOSYS;
	return -1;
}
