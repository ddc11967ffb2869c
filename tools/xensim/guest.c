/*
 * guest.c: the guest half of xensim.h (libxensim-host.a).
 *
 * Owns event queues and guest handles: attaching to a domain's xenstore
 * endpoint and ring page, notifying the daemon, and consuming the daemon's
 * notifications with guest semantics (an upcall clears pending, so
 * notifications coalesce until consumed).  Ring byte I/O is in ring.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "host.h"

int
xensim_evq_open(struct xensim *sim, struct xensim_evq **out)
{
	struct xensim_evq *q;
	int rc;

	if (sim == NULL || out == NULL)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	if ((rc = xsim_evset_init(&sim->core, true, &q->set)) < 0) {
		free(q);
		return rc;
	}
	q->sim = sim;
	q->refs = 1;
	*out = q;
	return 0;
}

static void
evq_unref(struct xensim_evq *q)
{
	if (--q->refs > 0)
		return;
	xsim_evset_fini(&q->sim->core, &q->set);
	free(q);
}

void
xensim_evq_close(struct xensim_evq **qp)
{
	if (qp == NULL || *qp == NULL)
		return;
	evq_unref(*qp);
	*qp = NULL;
}

int
xensim_evq_fd(const struct xensim_evq *q)
{
	return q->set.bell.fd;
}

int
xensim_evq_next(struct xensim_evq *q, struct xensim_guest **out)
{
	struct xsim_event ev;
	int rc;

	if (q == NULL || out == NULL)
		return -EINVAL;
	if ((rc = xsim_evset_next(&q->sim->core, &q->set, true, &ev)) < 0)
		return rc;
	*out = ev.tag;
	return 0;
}

int
xensim_guest_attach(struct xensim *sim, uint32_t domid, struct xensim_evq *q,
    struct xensim_guest **out)
{
	struct xsim_dominfo info;
	struct xensim_guest *g;
	struct xsim_core *c;
	void *ring;
	int rc;

	if (sim == NULL || out == NULL)
		return -EINVAL;
	if (q != NULL && q->sim != sim)
		return -EINVAL;
	c = &sim->core;
	if ((rc = xsim_dom_info(c, domid, &info)) < 0)
		return rc;
	if (info.state == XSIM_DOM_DYING)
		return -ESRCH;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	g->sim = sim;
	g->domid = domid;
	g->port = info.xs_port;
	if ((rc = xsim_ev_lookup(c, domid, info.xs_port, &g->epi)) < 0)
		goto fail;
	g->ep_gen = xsim_ep(c, g->epi)->gen;
	if ((rc = xsim_page_map(c, domid, PROT_READ | PROT_WRITE, NULL,
	    &ring)) < 0)
		goto fail;
	g->ring = ring;
	if (q == NULL) {
		if ((rc = xensim_evq_open(sim, &q)) < 0)
			goto fail_unmap;
	} else {
		q->refs++;
	}
	g->q = q;
	if ((rc = xsim_evset_add(&q->set, g->epi, g)) < 0)
		goto fail_unref;
	rc = xsim_ev_attach(c, g->epi, g->ep_gen, q->set.bell.word);
	if (rc < 0)
		goto fail_del;
	*out = g;
	return 0;

fail_del:
	xsim_evset_del(&q->set, g->epi);
fail_unref:
	evq_unref(q);
fail_unmap:
	munmap(g->ring, XSIM_PAGE);
fail:
	free(g);
	return rc;
}

void
xensim_guest_detach(struct xensim_guest **gp)
{
	struct xensim_guest *g;
	struct xsim_core *c;

	if (gp == NULL || (g = *gp) == NULL)
		return;
	c = &g->sim->core;
	xsim_ev_detach(c, g->epi, g->q->set.bell.word);
	xsim_evset_del(&g->q->set, g->epi);
	xsim_evset_refresh(c, &g->q->set);
	evq_unref(g->q);
	munmap(g->ring, XSIM_PAGE);
	free(g);
	*gp = NULL;
}

uint32_t
xensim_guest_domid(const struct xensim_guest *g)
{
	return g->domid;
}

uint32_t
xensim_guest_port(const struct xensim_guest *g)
{
	return g->port;
}

struct xenstore_domain_interface *
xensim_guest_ring(const struct xensim_guest *g)
{
	return g->ring;
}

int
xensim_guest_fd(const struct xensim_guest *g)
{
	return g->q->set.bell.fd;
}

void
xensim_guest_set_data(struct xensim_guest *g, void *data)
{
	g->data = data;
}

void *
xensim_guest_data(const struct xensim_guest *g)
{
	return g->data;
}

/* Is the domain's endpoint still the one we attached to? */
static bool
guest_alive(const struct xensim_guest *g)
{
	struct xsim_ep *ep = xsim_ep(&g->sim->core, g->epi);

	return atomic_load(&ep->state) != XSIM_EP_FREE &&
	    ep->gen == g->ep_gen && ep->dom == g->domid;
}

int
xensim_guest_notify(struct xensim_guest *g)
{
	if (g == NULL)
		return -EINVAL;
	if (!guest_alive(g))
		return -ESRCH;
	return xsim_ev_send(&g->sim->core, g->epi);
}

/* 1 if an event was pending (now consumed), 0 if none. */
int
xensim_guest_consume(struct xensim_guest *g)
{
	bool got;

	if (g == NULL)
		return -EINVAL;
	if (!guest_alive(g))
		return -ESRCH;
	got = xsim_ev_ack(&g->sim->core, g->epi);
	xsim_evset_refresh(&g->sim->core, &g->q->set);
	return got ? 1 : 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait up to timeout_ms (< 0: forever) for an event and consume it. */
int
xensim_guest_wait(struct xensim_guest *g, int timeout_ms)
{
	const struct timespec nap = { 0, 1000000 };
	struct pollfd pfd;
	int64_t end, left;
	int rc;

	if (g == NULL)
		return -EINVAL;
	end = now_ms() + timeout_ms;
	for (;;) {
		if ((rc = xensim_guest_consume(g)) != 0)
			return rc;
		left = timeout_ms < 0 ? -1 : end - now_ms();
		if (timeout_ms >= 0 && left <= 0)
			return 0;
		pfd.fd = xensim_guest_fd(g);
		pfd.events = POLLIN;
		pfd.revents = 0;
		rc = poll(&pfd, 1, left > 50 || left < 0 ? 50 : (int)left);
		if (rc < 0 && errno != EINTR)
			return -errno;
		/* A shared queue stays readable for other guests' events:
		 * nap instead of spinning on it until the deadline. */
		if (rc > 0 && g->q->set.n > 1)
			nanosleep(&nap, NULL);
	}
}
