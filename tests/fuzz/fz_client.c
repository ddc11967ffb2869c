/*
 * fz_client.c: see fz_client.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "fuzz.h"
#include "fz_client.h"
#include "wire.h"
#include "xs_errors.h"

static void *
grow(void *p, size_t *cap, size_t want, size_t elem)
{
	size_t n = *cap ? *cap : 64;

	if (want <= *cap)
		return p;
	while (n < want)
		n *= 2;
	p = realloc(p, n * elem);
	if (p == NULL)
		abort();
	*cap = n;
	return p;
}

/* --- the transport --------------------------------------------------- */

/* What a wake-up lets the client read of n sendable bytes. */
static size_t
budget(const struct fz_client *cl, size_t n)
{
	switch (cl->reading) {
	case FZ_READ_NONE: return 0;
	case FZ_READ_TRICKLE: return n < FZ_TRICKLE ? n : FZ_TRICKLE;
	default: return n;
	}
}

static void receive(struct fz_client *cl, const uint8_t *p, size_t n);

/* As transport_unix.c's sock_kick, with the client as the socket. */
static void
fz_kick(struct conn *c)
{
	struct fz_client *cl = c->tp;
	size_t n = budget(cl, conn_out_sendable(c));

	if (n > 0) {
		receive(cl, c->out + c->outhead, n);
		conn_out_consumed(c, n);
	}
	conn_sent(c, n > 0);
	if (c->stalled)
		conn_resume(c);
}

static void
fz_stall(struct conn *c, bool on)
{
	struct fz_client *cl = c->tp;

	cl->stalled = on;
}

static void
fz_destroy(struct conn *c)
{
	struct fz_client *cl = c->tp;

	cl->c = NULL;
	cl->npend = 0;
}

static const struct conn_ops fz_ops = { "fuzz", fz_kick, fz_stall,
	fz_destroy };

bool
fz_client_connect(struct fz_client *cl, struct xsd *x, unsigned domid,
    bool priv)
{
	fz_client_fini(cl);
	cl->x = x;
	cl->domid = domid;
	cl->priv = priv;
	cl->c = conn_new(x, &fz_ops, cl, domid, priv);
	return cl->c != NULL;
}

void
fz_client_fini(struct fz_client *cl)
{
	free(cl->pend);
	free(cl->fifo);
	memset(cl, 0, sizeof(*cl));
}

void
fz_client_hangup(struct fz_client *cl)
{
	if (cl->c != NULL)
		conn_close(cl->c, "closed by peer");
	cl->npend = 0;
}

/* --- sending ------------------------------------------------------------ */

void
fz_client_send(struct fz_client *cl, const void *p, size_t len)
{
	if (cl->c == NULL || cl->c->closing || len == 0)
		return;		/* the socket is gone: nobody reads this */
	cl->pend = grow(cl->pend, &cl->cappend, cl->npend + len, 1);
	memcpy(cl->pend + cl->npend, p, len);
	cl->npend += len;
}

/*
 * A privileged client may do anything the daemon offers, including
 * CONTROL commands that open files by name or exec a binary: harmless
 * for a toolstack, not for a fuzzer running as root.  Those are turned
 * into an unknown command (EINVAL) before the daemon sees them.  The
 * daemon frames its kept input c->in followed by the new bytes from a
 * message boundary, so the client frames the same bytes the same way.
 */
static bool
dangerous(const char *body, size_t len)
{
	const char *argv[3];
	size_t argc = wire_args(body, len, argv, 3);

	if (argc == 0)
		return false;
	return strcmp(argv[0], "logfile") == 0 ||
	    (strcmp(argv[0], "memreport") == 0 && argc >= 2) ||
	    (strcmp(argv[0], "live-update") == 0 && argc >= 2 &&
	    strcmp(argv[1], "-f") == 0);
}

static uint8_t *
at(struct conn *c, uint8_t *data, size_t k)
{
	return k < c->inlen ? c->in + k : data + (k - c->inlen);
}

static void
neuter(struct conn *c, uint8_t *data, size_t len)
{
	static char body[XENSTORE_PAYLOAD_MAX];
	size_t total = c->inlen + len, off = 0, i;

	while (off + WIRE_HDR <= total) {
		struct xsd_sockmsg h;
		uint8_t *hb = (uint8_t *)&h;

		for (i = 0; i < WIRE_HDR; i++)
			hb[i] = *at(c, data, off + i);
		if (h.len > XENSTORE_PAYLOAD_MAX ||
		    off + WIRE_HDR + h.len > total)
			return;
		if (h.type == XS_CONTROL) {
			for (i = 0; i < h.len; i++)
				body[i] = (char)*at(c, data, off + WIRE_HDR +
				    i);
			if (dangerous(body, h.len))
				*at(c, data, off + WIRE_HDR) = '#';
		}
		off += WIRE_HDR + h.len;
	}
}

/* The requests the daemon is given, in order: the replies to expect. */
static void
frame_sent(struct fz_client *cl, const uint8_t *p, size_t n)
{
	while (n > 0 && !cl->sdead) {
		size_t k;

		if (cl->shave < WIRE_HDR) {
			k = WIRE_HDR - cl->shave;
			k = k < n ? k : n;
			memcpy(cl->shdr + cl->shave, p, k);
			cl->shave += k;
			p += k;
			n -= k;
			if (cl->shave == WIRE_HDR) {
				struct xsd_sockmsg h;

				memcpy(&h, cl->shdr, WIRE_HDR);
				if (h.len > XENSTORE_PAYLOAD_MAX) {
					cl->sdead = true;	/* dropped */
					return;
				}
				cl->sleft = h.len;
				cl->fifo = grow(cl->fifo, &cl->fcap,
				    cl->ftail + 1, sizeof(*cl->fifo));
				cl->fifo[cl->ftail].type = h.type;
				cl->fifo[cl->ftail].req_id = h.req_id;
				cl->fifo[cl->ftail].tx_id = h.tx_id;
				cl->ftail++;
			}
		}
		k = cl->sleft < n ? cl->sleft : n;
		cl->sleft -= (uint32_t)k;
		p += k;
		n -= k;
		if (cl->shave == WIRE_HDR && cl->sleft == 0)
			cl->shave = 0;
	}
}

void
fz_client_deliver(struct fz_client *cl)
{
	struct xsd *x = cl->x;

	while (cl->c != NULL && !cl->c->closing && !cl->c->stalled &&
	    cl->npend > 0) {
		struct conn *c = cl->c;
		size_t k = cl->npend < sizeof(x->rbuf) ? cl->npend :
		    sizeof(x->rbuf);

		/* one read into the daemon's buffer, as the transport does */
		memcpy(x->rbuf, cl->pend, k);
		memmove(cl->pend, cl->pend + k, cl->npend - k);
		cl->npend -= k;
		if (cl->priv)
			neuter(c, x->rbuf, k);
		frame_sent(cl, x->rbuf, k);
		conn_input(c, x->rbuf, k);
	}
}

/* --- receiving ------------------------------------------------------- */

static bool
known_error(const char *name)
{
	return xs_error_code(name) != -EINVAL || strcmp(name, "EINVAL") == 0;
}

/* A header has come: its size and type, and which request it answers. */
static void
header_done(struct fz_client *cl)
{
	const struct xsd_sockmsg *h = &cl->rcur;
	const struct fz_req *q;

	FZ_ASSERT(h->len <= XENSTORE_PAYLOAD_MAX, "a message of %u bytes "
	    "(type %u) sent", h->len, h->type);
	FZ_ASSERT(h->type < XSD_TYPE_LIMIT, "a message of type %u sent",
	    h->type);
	if (h->type == XS_WATCH_EVENT) {
		FZ_ASSERT(h->req_id == 0 && h->tx_id == 0, "an event with ids "
		    "%u/%u", h->req_id, h->tx_id);
		cl->events++;
		return;
	}
	FZ_ASSERT(cl->fhead < cl->ftail, "a reply (type %u, id %u) to no "
	    "request", h->type, h->req_id);
	q = &cl->fifo[cl->fhead++];
	FZ_ASSERT(h->req_id == q->req_id && h->tx_id == q->tx_id &&
	    (h->type == q->type || h->type == XS_ERROR), "reply type %u id "
	    "%u tx %u to request type %u id %u tx %u", h->type, h->req_id,
	    h->tx_id, q->type, q->req_id, q->tx_id);
	cl->replies++;
	cl->errors += h->type == XS_ERROR;
}

/* FZ_SESSION_TRACE set: every message received, on stderr. */
static void
trace(const struct fz_client *cl)
{
	static int on = -1;
	const struct xsd_sockmsg *h = &cl->rcur;
	size_t i;

	if (on < 0)
		on = getenv("FZ_SESSION_TRACE") != NULL;
	if (!on)
		return;
	fprintf(stderr, "  %s <- type %u id %u tx %u len %u \"",
	    cl->priv ? "privileged" : "guest", h->type, h->req_id, h->tx_id,
	    h->len);
	for (i = 0; i < h->len && i < 48; i++)
		fprintf(stderr, cl->rbody[i] >= ' ' && cl->rbody[i] < 127 ?
		    "%c" : "\\x%02x", (unsigned char)cl->rbody[i]);
	fprintf(stderr, "%s\"\n", h->len > 48 ? "..." : "");
}

static void
message_done(struct fz_client *cl)
{
	const struct xsd_sockmsg *h = &cl->rcur;
	size_t nuls = 0, i;

	trace(cl);

	for (i = 0; i < h->len; i++)
		nuls += cl->rbody[i] == '\0';
	if (h->type == XS_WATCH_EVENT)
		FZ_ASSERT(nuls == 2 && h->len >= 2 &&
		    cl->rbody[h->len - 1] == '\0', "an event is not "
		    "path\\0token\\0 (%u bytes, %zu NULs)", h->len, nuls);
	else if (h->type == XS_ERROR)
		FZ_ASSERT(nuls == 1 && h->len >= 2 &&
		    cl->rbody[h->len - 1] == '\0' && known_error(cl->rbody),
		    "an error reply is not a wire error name");
}

static void
receive(struct fz_client *cl, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t k;

		if (cl->rhave < WIRE_HDR) {
			k = WIRE_HDR - cl->rhave;
			k = k < n ? k : n;
			memcpy((uint8_t *)&cl->rcur + cl->rhave, p, k);
			cl->rhave += k;
			p += k;
			n -= k;
			if (cl->rhave < WIRE_HDR)
				break;
			header_done(cl);
			cl->rleft = cl->rcur.len;
		}
		k = cl->rleft < n ? cl->rleft : n;
		memcpy(cl->rbody + (cl->rcur.len - cl->rleft), p, k);
		cl->rleft -= (uint32_t)k;
		p += k;
		n -= k;
		if (cl->rleft == 0) {
			message_done(cl);
			cl->rhave = 0;
		}
	}
}

void
fz_client_writable(struct fz_client *cl)
{
	if (cl->c != NULL && !cl->c->closing && conn_out_sendable(cl->c) > 0)
		fz_kick(cl->c);
}

void
fz_client_check(struct fz_client *cl)
{
	const struct conn *c = cl->c;
	unsigned long long pending = 0;
	size_t off;

	if (c == NULL || c->closing)
		return;
	FZ_ASSERT(cl->stalled == c->stalled, "the transport was told "
	    "stalled=%d, the connection is %d", cl->stalled, c->stalled);
	/* the first message the client has not begun to read */
	if (cl->rhave == 0)
		off = c->outhead;
	else if (cl->rhave < WIRE_HDR)
		off = c->outhead - cl->rhave;
	else
		off = c->outhead + cl->rleft;
	while (off + WIRE_HDR <= c->outlen) {
		struct xsd_sockmsg h;

		memcpy(&h, c->out + off, WIRE_HDR);
		pending += h.type != XS_WATCH_EVENT;
		off += WIRE_HDR + h.len;
	}
	FZ_ASSERT(off == c->outlen, "queued output is not whole messages");
	FZ_ASSERT(cl->replies + pending == c->reqs, "%llu requests handled, "
	    "%llu replies sent and %llu queued", c->reqs, cl->replies,
	    pending);
}
