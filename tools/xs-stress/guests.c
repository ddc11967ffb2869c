/*
 * guests.c: the guest table.  Each slot holds one simulated domain with
 * its ring (the guest end, attached to a shared event queue) and the
 * xsconn over it.  A slot keeps its index when churn replaces its domain
 * (same domid, new uuid, gen + 1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "stress.h"
#include "util.h"
#include "xsconn.h"

static void
guest_event(void *arg, struct xsconn *c, const char *path, const char *token)
{
	struct guest *g = arg;

	switch (token[0]) {
	case 'b':
		boot_event(g->s, g, c, path, token);
		return;
	case 's':
		steady_event(g->s, g, c, path, token);
		return;
	case 'c':
		churn_event(g->s, g, c, path, token);
		return;
	}
	stats_fail(&g->s->st, FAIL_PROTO, "dom%u: watch event %s with a "
	    "token it never used (%s)", g->domid, path, token);
}

/* Events of one queue: service each signalled guest's ring. */
static void
evq_ready(void *arg, uint32_t events)
{
	struct evq_slot *q = arg;
	struct xensim_guest *xg;
	struct guest *g;
	unsigned i, bound = 4 * q->s->o.qsize + 8;

	(void)events;
	for (i = 0; i < bound; i++) {
		if (xensim_evq_next(q->q, &xg) < 0)
			break;
		g = xensim_guest_data(xg);
		if (g == NULL)
			continue;
		if (g->hostile != NULL)
			hostile_ring_event(g->s, g);
		else if (g->conn != NULL)
			xsconn_service(g->conn);
	}
}

bool
guest_usable(const struct guest *g)
{
	return !g->dead && !g->tainted && g->xg != NULL;
}

static void
uuid_make(struct stress *s, struct guest *g)
{
	uint64_t a = rng_next(&s->rng), b = rng_next(&s->rng);
	unsigned i;

	for (i = 0; i < 8; i++) {
		g->dom.uuid[i] = (uint8_t)(a >> (8 * i));
		g->dom.uuid[8 + i] = (uint8_t)(b >> (8 * i));
	}
	g->dom.uuid[6] = (uint8_t)((g->dom.uuid[6] & 0x0f) | 0x40);
	g->dom.uuid[8] = (uint8_t)((g->dom.uuid[8] & 0x3f) | 0x80);
}

int
guest_new_domain(struct stress *s, struct guest *g, uint32_t domid)
{
	struct xensim_domain_params p;
	struct xsconn_event ev = { guest_event, g };
	const uint8_t *u;
	char name[32];
	int rc;

	xensim_domain_params_init(&p);
	p.domid = domid;
	uuid_make(s, g);
	memcpy(p.uuid, g->dom.uuid, sizeof(p.uuid));
	if ((rc = xensim_domain_create(s->sim, &p, &g->dom)) < 0)
		return rc;
	g->domid = g->dom.domid;
	if ((rc = xensim_guest_attach(s->sim, g->domid, s->q[g->slot /
	    s->o.qsize].q, &g->xg)) < 0) {
		xensim_domain_destroy(s->sim, g->domid);
		return rc;
	}
	xensim_guest_set_data(g->xg, g);
	g->gen++;
	u = g->dom.uuid;
	snprintf(g->uuid, sizeof(g->uuid), "%02x%02x%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
	    u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
	    u[13], u[14], u[15]);
	snprintf(g->name, sizeof(g->name), "guest%u-%u", g->domid, g->gen);
	snprintf(g->home, sizeof(g->home), "/local/domain/%u", g->domid);
	snprintf(name, sizeof(name), "dom%u", g->domid);
	g->conn = xsconn_new_ring(g->xg, &s->st, name);
	xsconn_set_event(g->conn, &ev);
	xsconn_set_timeout(g->conn, (int64_t)(s->o.req_timeout *
	    NSEC_PER_SEC));
	g->introduced = g->dead = g->tainted = false;
	g->rng = s->o.seed ^ ((uint64_t)g->slot << 32) ^ g->gen;
	s->slot_of[g->domid] = (int32_t)g->slot;
	return 0;
}

void
guest_detach(struct guest *g)
{
	xsconn_free(&g->conn);
	xensim_guest_detach(&g->xg);
	if (g->s->slot_of[g->domid] == (int32_t)g->slot)
		g->s->slot_of[g->domid] = -1;
}

int
guests_create(struct stress *s)
{
	unsigned i;
	int rc;

	s->ng = s->o.guests;
	s->g = xcalloc(s->ng, sizeof(*s->g));
	s->slot_of = xmalloc((XENSIM_MAX_DOMID + 1) * sizeof(*s->slot_of));
	for (i = 0; i <= XENSIM_MAX_DOMID; i++)
		s->slot_of[i] = -1;
	s->nq = (s->ng + s->o.qsize - 1) / s->o.qsize;
	s->q = xcalloc(s->nq, sizeof(*s->q));
	for (i = 0; i < s->nq; i++) {
		s->q[i].s = s;
		if ((rc = xensim_evq_open(s->sim, &s->q[i].q)) < 0)
			return rc;
		s->q[i].h.fn = evq_ready;
		s->q[i].h.arg = &s->q[i];
		if ((rc = loop_add(&s->loop, xensim_evq_fd(s->q[i].q),
		    EPOLLIN, &s->q[i].h)) < 0)
			return rc;
	}
	for (i = 0; i < s->ng; i++) {
		s->g[i].s = s;
		s->g[i].slot = i;
		if ((rc = guest_new_domain(s, &s->g[i], XENSIM_DOMID_ANY)) < 0)
			return rc;
	}
	return 0;
}

void
guests_free(struct stress *s)
{
	unsigned i;

	for (i = 0; i < s->ng; i++) {
		free(s->g[i].hostile);
		free(s->g[i].boot);
		steady_guest_free(&s->g[i]);
		guest_detach(&s->g[i]);
	}
	for (i = 0; i < s->nq; i++) {
		if (s->q[i].q != NULL)
			loop_del(&s->loop, xensim_evq_fd(s->q[i].q));
		xensim_evq_close(&s->q[i].q);
	}
	free(s->q);
	free(s->g);
	free(s->slot_of);
	s->q = NULL;
	s->g = NULL;
	s->slot_of = NULL;
}
