/*
 * hostile_kinds.c: the misbehaviours (see hostile.h).
 *
 *   ring-gap    req_prod set 1536 bytes ahead of req_cons: a producer
 *               index more than a ring size away (xenstore-ring.txt
 *               forbids it; domains-and-rings.md 2.1, 3.3)
 *   oversized   a request header announcing 4097 payload bytes (over
 *               XENSTORE_PAYLOAD_MAX), then 1000 of them
 *   flood       requests written as fast as the ring takes them, no
 *               reply read until the end; then every reply must come,
 *               in order, correct (flooding is legal, only rude)
 *   partial     half a header, nothing more until the end; then the rest
 *               of the request, which must be answered
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "hostile.h"
#include "stress.h"
#include "xensim.h"

#define FLOOD_MAX	1000000u
#define PARTIAL_ID	0x7777u

static struct xenstore_domain_interface *
ring(const struct guest *g)
{
	return xensim_guest_ring(g->xg);
}

static void
notify(struct guest *g)
{
	xensim_guest_notify(g->xg);	/* -ESRCH once dead: nothing to do */
}

/* ---- ring-gap ---------------------------------------------------- */

static void
gap_start(struct stress *s, struct guest *g)
{
	struct xenstore_domain_interface *r = ring(g);
	uint32_t cons;

	(void)s;
	cons = r->req_cons;
	atomic_thread_fence(memory_order_seq_cst);
	memset(r->req, 0x5a, sizeof(r->req));
	atomic_thread_fence(memory_order_seq_cst);
	r->req_prod = cons + XENSTORE_RING_SIZE + 512;
	notify(g);
}

static void
nothing(struct stress *s, struct guest *g)
{
	(void)s;
	(void)g;
}

static void
observe(struct stress *s, struct guest *g)
{
	struct xenstore_domain_interface *r = ring(g);
	struct hostile_guest *h = g->hostile;

	(void)s;
	snprintf(h->verdict, sizeof(h->verdict), "ring error field %u, "
	    "req %u/%u (cons/prod), rsp %u/%u", r->error, r->req_cons,
	    r->req_prod, r->rsp_cons, r->rsp_prod);
	h->done = true;
}

/* ---- oversized --------------------------------------------------- */

static void
big_start(struct stress *s, struct guest *g)
{
	struct xsd_sockmsg m = { XS_WRITE, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };
	char body[1000];

	(void)s;
	memset(body, 'A', sizeof(body));
	memcpy(body, "data/big", 9);
	xensim_ring_write(ring(g), &m, sizeof(m));
	xensim_ring_write(ring(g), body, sizeof(body));
	notify(g);
}

/* ---- reading replies back (flood, partial) ----------------------- */

/* Read one message if complete: 1, 0 if not yet, -1 on a corrupt ring. */
static int
read_msg(struct guest *g)
{
	struct hostile_guest *h = g->hostile;
	const struct xsd_sockmsg *m = (const struct xsd_sockmsg *)h->in;
	size_t want;
	ssize_t n;

	for (;;) {
		want = h->ilen < sizeof(*m) ? sizeof(*m) : sizeof(*m) + m->len;
		if (h->ilen >= sizeof(*m) && m->len > XENSTORE_PAYLOAD_MAX)
			return -1;
		if (h->ilen == want && h->ilen >= sizeof(*m)) {
			h->in[h->ilen] = '\0';
			h->ilen = 0;
			return 1;
		}
		n = xensim_ring_read(ring(g), h->in + h->ilen, want - h->ilen);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		h->ilen += (size_t)n;
		notify(g);
	}
}

/* Check replies as they come: the one to request id, in order. */
static void
drain(struct stress *s, struct guest *g, uint32_t first_id)
{
	struct hostile_guest *h = g->hostile;
	const struct xsd_sockmsg *m = (const struct xsd_sockmsg *)h->in;
	const char *body = (const char *)h->in + sizeof(*m);
	unsigned bound = 4096;
	int rc;

	while (!h->done && bound-- > 0 && (rc = read_msg(g)) != 0) {
		if (rc < 0) {
			stats_fail(&s->st, FAIL_PROTO, "dom%u (%s): reply "
			    "ring corrupt", g->domid, h->kind->name);
			h->done = true;
			return;
		}
		if (m->type == XS_WATCH_EVENT)
			continue;
		if (m->req_id != first_id + h->answered || m->type != XS_READ ||
		    m->len != strlen(g->name) ||
		    memcmp(body, g->name, m->len) != 0) {
			stats_fail(&s->st, FAIL_PROTO, "dom%u (%s): reply %u: "
			    "type %u req_id %#x \"%.20s\", expected READ %#x "
			    "\"%s\"", g->domid, h->kind->name, h->answered,
			    m->type, m->req_id, body, first_id + h->answered,
			    g->name);
			h->done = true;
			return;
		}
		if (++h->answered == h->sent) {
			snprintf(h->verdict, sizeof(h->verdict), "%u request%s "
			    "answered in order, correctly", h->sent,
			    h->sent == 1 ? "" : "s");
			h->done = true;
		}
	}
}

/* ---- flood ------------------------------------------------------- */

static void
flood_push(struct guest *g)
{
	struct hostile_guest *h = g->hostile;
	struct xsd_sockmsg m = { XS_READ, 0, 0, 5 };
	unsigned char buf[sizeof(m) + 5];
	struct xenstore_domain_interface *r = ring(g);
	bool any = false;

	while (!h->finishing && h->sent < FLOOD_MAX &&
	    XENSTORE_RING_SIZE - (r->req_prod - r->req_cons) >= sizeof(buf)) {
		m.req_id = 1 + h->sent;
		memcpy(buf, &m, sizeof(m));
		memcpy(buf + sizeof(m), "name", 5);
		if (xensim_ring_write(r, buf, sizeof(buf)) != sizeof(buf))
			break;
		h->sent++;
		any = true;
	}
	if (any)
		notify(g);
}

static void
flood_start(struct stress *s, struct guest *g)
{
	(void)s;
	flood_push(g);
}

static void
flood_event(struct stress *s, struct guest *g)
{
	if (g->hostile->finishing)
		drain(s, g, 1);
	else
		flood_push(g);
}

static void
flood_finish(struct stress *s, struct guest *g)
{
	g->hostile->finishing = true;
	drain(s, g, 1);
}

/* ---- partial ----------------------------------------------------- */

static void
partial_start(struct stress *s, struct guest *g)
{
	struct xsd_sockmsg m = { XS_READ, PARTIAL_ID, 0, 5 };

	(void)s;
	xensim_ring_write(ring(g), &m, sizeof(m) / 2);
	notify(g);
}

static void
partial_event(struct stress *s, struct guest *g)
{
	if (g->hostile->finishing)
		drain(s, g, PARTIAL_ID);
}

static void
partial_finish(struct stress *s, struct guest *g)
{
	struct xsd_sockmsg m = { XS_READ, PARTIAL_ID, 0, 5 };
	unsigned char buf[sizeof(m) / 2 + 5];

	memcpy(buf, (unsigned char *)&m + sizeof(m) / 2, sizeof(m) / 2);
	memcpy(buf + sizeof(m) / 2, "name", 5);
	g->hostile->finishing = true;
	g->hostile->sent = 1;
	xensim_ring_write(ring(g), buf, sizeof(buf));
	notify(g);
	drain(s, g, PARTIAL_ID);
}

const struct hostile_kind hostile_kinds[] = {
	{ "ring-gap", "producer index 1536 bytes ahead of the consumer",
	    gap_start, nothing, observe },
	{ "oversized", "header announcing a 4097-byte payload",
	    big_start, nothing, observe },
	{ "flood", "requests without reading replies", flood_start,
	    flood_event, flood_finish },
	{ "partial", "half a header, completed at the end", partial_start,
	    partial_event, partial_finish },
};

const unsigned hostile_nkinds = sizeof(hostile_kinds) /
    sizeof(hostile_kinds[0]);
