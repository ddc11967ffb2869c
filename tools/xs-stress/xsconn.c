/*
 * xsconn.c: framing, request matching and the two transports (Unix
 * socket, guest ring through libxensim-host) of struct xsconn.
 *
 * req_id = slot index | generation << 20: a reply names the slot of its
 * request, and a stale or invented id is caught by the generation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#include "stats.h"
#include "util.h"
#include "xensim.h"
#include "xsconn.h"

#define ID_BITS		20
#define ID_MASK		((1u << ID_BITS) - 1)
#define HDR		((size_t)sizeof(struct xsd_sockmsg))
#define SERVICE_ROUNDS	64
#define DEFAULT_TIMEOUT	(30 * NSEC_PER_SEC)

enum xsconn_kind { XSC_SOCK, XSC_RING };

struct pend {
	struct xsreq_cb cb;
	int64_t t0;
	uint32_t type;
	uint32_t gen;		/* ID_BITS..31 of the req_id */
	uint32_t next_free;	/* index + 1, 0 = end */
	bool used;
};

struct xsconn {
	enum xsconn_kind kind;
	char name[32];
	struct stats *st;
	int64_t timeout;
	bool dead;
	/* socket */
	int fd;
	struct loop *loop;
	struct loop_handler h;
	bool want_out;
	/* ring */
	struct xensim_guest *g;
	struct xenstore_domain_interface *ring;
	/* output not yet taken by the transport */
	char *out;
	size_t ooff, olen, ocap;
	/* the message being received */
	unsigned char in[HDR + XENSTORE_PAYLOAD_MAX + 1];
	size_t ilen;
	/* outstanding requests */
	struct pend *pend;
	uint32_t cap, free_head, npend;
	struct xsconn_event ev;
};

static void
conn_init(struct xsconn *c, struct stats *st, const char *name)
{
	c->st = st;
	c->timeout = DEFAULT_TIMEOUT;
	c->fd = -1;
	snprintf(c->name, sizeof(c->name), "%s", name);
}

static void
sock_io(void *arg, uint32_t events)
{
	(void)events;
	xsconn_service(arg);
}

int
xsconn_open_sock(const char *path, struct loop *l, struct stats *st,
    const char *name, struct xsconn **out)
{
	struct sockaddr_un sa;
	struct xsconn *c;
	int fd, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	c = xcalloc(1, sizeof(*c));
	conn_init(c, st, name);
	c->kind = XSC_SOCK;
	c->fd = fd;
	c->loop = l;
	c->h.fn = sock_io;
	c->h.arg = c;
	if ((rc = loop_add(l, fd, EPOLLIN, &c->h)) < 0) {
		close(fd);
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

struct xsconn *
xsconn_new_ring(struct xensim_guest *g, struct stats *st, const char *name)
{
	struct xsconn *c = xcalloc(1, sizeof(*c));

	conn_init(c, st, name);
	c->kind = XSC_RING;
	c->g = g;
	c->ring = xensim_guest_ring(g);
	return c;
}

void
xsconn_free(struct xsconn **cp)
{
	struct xsconn *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	if (c->fd >= 0) {
		loop_del(c->loop, c->fd);
		close(c->fd);
	}
	free(c->out);
	free(c->pend);
	free(c);
	*cp = NULL;
}

void
xsconn_set_event(struct xsconn *c, const struct xsconn_event *ev)
{
	c->ev = *ev;
}

void
xsconn_set_stats(struct xsconn *c, struct stats *st)
{
	c->st = st;
}

void
xsconn_set_timeout(struct xsconn *c, int64_t ns)
{
	c->timeout = ns;
}

const char *
xsconn_name(const struct xsconn *c)
{
	return c->name;
}

struct stats *
xsconn_stats(const struct xsconn *c)
{
	return c->st;
}

bool
xsconn_is_dead(const struct xsconn *c)
{
	return c->dead;
}

unsigned
xsconn_pending(const struct xsconn *c)
{
	return c->npend;
}

/* ---- outstanding requests ---------------------------------------- */

static uint32_t
pend_alloc(struct xsconn *c)
{
	uint32_t i, ncap;

	if (c->free_head == 0) {
		ncap = c->cap != 0 ? c->cap * 2 : 8;
		if (ncap > ID_MASK + 1)
			return UINT32_MAX;
		c->pend = xrealloc(c->pend, ncap * sizeof(*c->pend));
		memset(c->pend + c->cap, 0, (ncap - c->cap) *
		    sizeof(*c->pend));
		for (i = ncap; i-- > c->cap;) {
			c->pend[i].next_free = c->free_head;
			c->free_head = i + 1;
		}
		c->cap = ncap;
	}
	i = c->free_head - 1;
	c->free_head = c->pend[i].next_free;
	c->pend[i].used = true;
	c->npend++;
	return i;
}

static void
pend_release(struct xsconn *c, uint32_t i)
{
	struct pend *p = &c->pend[i];

	p->used = false;
	p->gen = (p->gen + 1) & (UINT32_MAX >> ID_BITS);
	p->next_free = c->free_head;
	c->free_head = i + 1;
	c->npend--;
}

/* Complete request i with a locally made error reply. */
static void
pend_fail(struct xsconn *c, uint32_t i, const char *err, int64_t now)
{
	struct xsreq_cb cb = c->pend[i].cb;
	struct xsreply r;

	r.type = XS_ERROR;
	r.body = err;
	r.len = (uint32_t)strlen(err) + 1;
	r.lat = now - c->pend[i].t0;
	pend_release(c, i);
	if (cb.fn != NULL)
		cb.fn(cb.arg, &r);
}

static void
conn_dead(struct xsconn *c, const char *why)
{
	int64_t now = now_ns();
	uint32_t i;

	if (c->dead)
		return;
	c->dead = true;
	if (c->npend > 0)
		stats_fail(c->st, FAIL_PROTO, "%s: connection lost (%s) with "
		    "%u requests outstanding", c->name, why, c->npend);
	for (i = 0; i < c->cap; i++)
		if (c->pend[i].used)
			pend_fail(c, i, "ECONNRESET", now);
	c->olen = c->ooff = 0;
}

void
xsconn_sweep(struct xsconn *c, int64_t now)
{
	uint32_t i;

	for (i = 0; i < c->cap && c->npend > 0; i++) {
		if (!c->pend[i].used || now - c->pend[i].t0 < c->timeout)
			continue;
		stats_fail(c->st, FAIL_TIMEOUT, "%s: no reply to request type "
		    "%u (req_id %#x) within %lld ms", c->name,
		    c->pend[i].type, i | c->pend[i].gen << ID_BITS,
		    (long long)(c->timeout / NSEC_PER_MSEC));
		pend_fail(c, i, "ETIMEDOUT", now);
	}
}

/* ---- output ------------------------------------------------------ */

static void
out_append(struct xsconn *c, const void *p, size_t n)
{
	if (c->ooff == c->olen)
		c->ooff = c->olen = 0;
	if (c->olen + n > c->ocap) {
		if (c->ooff > 0) {
			memmove(c->out, c->out + c->ooff, c->olen - c->ooff);
			c->olen -= c->ooff;
			c->ooff = 0;
		}
		if (c->olen + n > c->ocap) {
			c->ocap = (c->olen + n) * 2;
			c->out = xrealloc(c->out, c->ocap);
		}
	}
	memcpy(c->out + c->olen, p, n);
	c->olen += n;
}

static void
sock_want_out(struct xsconn *c, bool want)
{
	if (want == c->want_out || c->dead)
		return;
	c->want_out = want;
	loop_mod(c->loop, c->fd, EPOLLIN | (want ? EPOLLOUT : 0), &c->h);
}

/* Write what the transport takes; true if anything moved. */
static bool
out_flush(struct xsconn *c)
{
	ssize_t n;

	if (c->dead || c->ooff == c->olen)
		return false;
	if (c->kind == XSC_RING) {
		n = xensim_ring_write(c->ring, c->out + c->ooff,
		    c->olen - c->ooff);
		if (n < 0) {
			stats_fail(c->st, FAIL_PROTO, "%s: request ring "
			    "indexes inconsistent", c->name);
			conn_dead(c, "corrupt ring");
			return false;
		}
	} else {
		n = send(c->fd, c->out + c->ooff, c->olen - c->ooff,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			conn_dead(c, strerror(errno));
			return false;
		}
		if (n < 0)
			n = 0;
		sock_want_out(c, c->ooff + (size_t)n < c->olen);
	}
	c->ooff += (size_t)n;
	return n > 0;
}

static void
ring_notify(struct xsconn *c)
{
	int rc = xensim_guest_notify(c->g);

	if (rc < 0)
		conn_dead(c, strerror(-rc));
}

int
xsconn_request(struct xsconn *c, uint32_t type, uint32_t tx_id,
    const void *payload, size_t len, const struct xsreq_cb *cb)
{
	struct xsd_sockmsg h;
	uint32_t i;

	if (c->dead)
		return -EPIPE;
	if (len > XENSTORE_PAYLOAD_MAX)
		return -EMSGSIZE;
	if ((i = pend_alloc(c)) == UINT32_MAX)
		return -ENOBUFS;
	c->pend[i].cb = *cb;
	c->pend[i].t0 = now_ns();
	c->pend[i].type = type;
	h.type = type;
	h.req_id = i | c->pend[i].gen << ID_BITS;
	h.tx_id = tx_id;
	h.len = (uint32_t)len;
	out_append(c, &h, sizeof(h));
	if (len > 0)
		out_append(c, payload, len);
	if (out_flush(c) && c->kind == XSC_RING)
		ring_notify(c);
	return 0;
}

/* ---- input ------------------------------------------------------- */

static void
dispatch_event(struct xsconn *c, const char *body, uint32_t len)
{
	const char *path = body, *token, *end = body + len;

	token = memchr(path, '\0', len);
	if (token == NULL || ++token >= end ||
	    memchr(token, '\0', (size_t)(end - token)) == NULL) {
		stats_fail(c->st, FAIL_PROTO, "%s: malformed watch event "
		    "(%u bytes)", c->name, len);
		return;
	}
	c->st->events++;
	if (c->ev.fn == NULL) {
		stats_fail(c->st, FAIL_PROTO, "%s: watch event %s (token %s) "
		    "without a watch", c->name, path, token);
		return;
	}
	c->ev.fn(c->ev.arg, c, path, token);
}

static void
dispatch(struct xsconn *c)
{
	const struct xsd_sockmsg *h = (const struct xsd_sockmsg *)c->in;
	uint32_t i = h->req_id & ID_MASK, type;
	struct xsreq_cb cb;
	struct xsreply r;
	int64_t now;

	c->in[HDR + h->len] = '\0';
	if (h->type == XS_WATCH_EVENT) {
		dispatch_event(c, (const char *)c->in + HDR, h->len);
		return;
	}
	if (i >= c->cap || !c->pend[i].used ||
	    c->pend[i].gen != h->req_id >> ID_BITS) {
		stats_fail(c->st, FAIL_PROTO, "%s: reply type %u to unknown "
		    "req_id %#x", c->name, h->type, h->req_id);
		return;
	}
	now = now_ns();
	type = c->pend[i].type;
	cb = c->pend[i].cb;
	r.type = h->type;
	r.len = h->len;
	r.body = (const char *)c->in + HDR;
	r.lat = now - c->pend[i].t0;
	if (c->kind == XSC_RING) {
		c->st->gops++;
		hist_add(&c->st->glat, r.lat);
	} else {
		c->st->sops++;
		hist_add(&c->st->slat, r.lat);
	}
	pend_release(c, i);
	if (h->type != type && h->type != XS_ERROR) {
		stats_fail(c->st, FAIL_PROTO, "%s: reply type %u to request "
		    "type %u", c->name, h->type, type);
		r.type = XS_ERROR;
		r.body = "EPROTO";
		r.len = 7;
	}
	if (cb.fn != NULL)
		cb.fn(cb.arg, &r);
}

/* Take n received bytes; false once the stream is unusable. */
static bool
feed(struct xsconn *c, const unsigned char *p, size_t n)
{
	const struct xsd_sockmsg *h = (const struct xsd_sockmsg *)c->in;
	size_t want, k;

	while (n > 0 && !c->dead) {
		want = c->ilen < HDR ? HDR : HDR + h->len;
		k = want - c->ilen < n ? want - c->ilen : n;
		memcpy(c->in + c->ilen, p, k);
		c->ilen += k;
		p += k;
		n -= k;
		if (c->ilen == HDR && h->len > XENSTORE_PAYLOAD_MAX) {
			stats_fail(c->st, FAIL_PROTO, "%s: message of %u "
			    "bytes from the daemon", c->name, h->len);
			conn_dead(c, "oversized message");
			return false;
		}
		if (c->ilen >= HDR && c->ilen == HDR + h->len) {
			c->ilen = 0;
			dispatch(c);
		}
	}
	return !c->dead;
}

static void
ring_service(struct xsconn *c)
{
	unsigned char buf[XENSTORE_RING_SIZE];
	bool moved = false, again;
	ssize_t n;
	int round;

	for (round = 0; round < SERVICE_ROUNDS && !c->dead; round++) {
		again = false;
		n = xensim_ring_read(c->ring, buf, sizeof(buf));
		if (n < 0) {
			stats_fail(c->st, FAIL_PROTO, "%s: reply ring indexes "
			    "inconsistent", c->name);
			conn_dead(c, "corrupt ring");
			return;
		}
		if (n > 0) {
			again = moved = true;
			if (!feed(c, buf, (size_t)n))
				return;
		}
		if (out_flush(c))
			again = moved = true;
		if (!again)
			break;
	}
	if (moved && !c->dead)
		ring_notify(c);
}

static void
sock_service(struct xsconn *c)
{
	unsigned char buf[65536];
	ssize_t n;
	int round;

	for (round = 0; round < SERVICE_ROUNDS && !c->dead; round++) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0) {
			conn_dead(c, "end of file");
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				conn_dead(c, strerror(errno));
			break;
		}
		if (!feed(c, buf, (size_t)n))
			return;
	}
	out_flush(c);
}

void
xsconn_service(struct xsconn *c)
{
	if (c->dead)
		return;
	if (c->kind == XSC_RING)
		ring_service(c);
	else
		sock_service(c);
}
