/*
 * transport_ring.c: connections that are simulated guests (see
 * transport.h and docs/xs-bench.md, --rings).
 *
 * Opening a connection creates a domain in the simulation the daemon runs
 * in (tools/xensim), attaches to its ring page and event channel as the
 * guest, and introduces it to the daemon with XS_INTRODUCE over a dom0
 * socket connection, as a toolstack does.  Bytes then go through the ring
 * with the guest's side of docs/misc/xenstore-ring.txt.  The descriptor
 * is the guest's event queue: readable while a notification from the
 * daemon is unconsumed, whether it announced replies or freed request
 * space, hence fd_signals_writable is false.
 *
 * Notifications follow Linux's xenbus driver: after every write (the
 * daemon may be idle), and after a read only when the response ring was
 * full, the one case where the daemon waits for us.  recv() consumes the
 * pending notification before it looks at the ring, so a notification
 * that arrives after the look leaves the descriptor readable: no wake-up
 * is lost.
 *
 * Engines open fresh connections for every test; introducing a domain per
 * test would measure the daemon's domain handling, so a closed connection
 * goes back to a pool with its watches reset (XS_RESET_WATCHES, which
 * also drains what is left in its ring) and the next open() reuses it.
 * The domains are destroyed when the transport is freed.
 *
 * Threads: open() and close() run in the caller's thread (the engines
 * open and close connections outside their workers); send() and recv()
 * run in the worker that owns the link and only touch the guest's own
 * queue and ring plus the lock-free event words of the shared simulation,
 * so one struct xensim serves every worker.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xen/io/xs_wire.h>

#include "proto.h"
#include "transport.h"
#include "xensim.h"

#define CTL_TIMEOUT_MS 30000
#define RESET_REQ_ID 0xfffffff0u

struct xsb_link {
	struct ring_priv *p;
	struct xensim_guest *g;
	uint32_t domid;
	struct xsb_link *next;	/* every link, for the final clean-up */
	struct xsb_link *free;	/* the pool of closed links */
};

struct ring_priv {
	struct xensim *sim;
	const struct xsb_transport *ctl_tr;	/* dom0's socket */
	struct xsb_link *ctl;
	uint32_t ctl_req;
	struct xsb_link *all;
	struct xsb_link *pool;
};

/* A request over dom0's socket; 0 or -errno (-EPROTO for an error
 * reply, its text in err). */
static int
ctl_do(struct ring_priv *p, uint32_t type, const char *payload, size_t len,
    char *err, size_t errlen)
{
	char buf[XSB_HDR + 256], body[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h;
	uint32_t id = ++p->ctl_req;
	size_t n;
	int rc;

	n = xsb_put(buf, type, id, 0, payload, len, NULL, 0);
	if ((rc = xsb_send_all(p->ctl_tr, p->ctl, buf, n,
	    CTL_TIMEOUT_MS)) < 0 ||
	    (rc = xsb_recv_msg(p->ctl_tr, p->ctl, &h, body,
	    CTL_TIMEOUT_MS)) < 0)
		return rc;
	if (h.req_id != id)
		return -EPROTO;
	if (h.type == XS_ERROR) {
		snprintf(err, errlen, "%.32s", body);
		return -EPROTO;
	}
	return h.type == type ? 0 : -EPROTO;
}

/* Create a domain, attach to it as its guest, introduce it. */
static int
guest_new(struct ring_priv *p, struct xsb_link **out)
{
	struct xensim_domain_params dp;
	struct xensim_domain d;
	struct xsb_link *l;
	char pl[64], err[64] = "";
	int rc, n;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -ENOMEM;
	l->p = p;
	xensim_domain_params_init(&dp);
	if ((rc = xensim_domain_create(p->sim, &dp, &d)) < 0) {
		free(l);
		return rc;
	}
	l->domid = d.domid;
	if ((rc = xensim_guest_attach(p->sim, d.domid, NULL, &l->g)) < 0)
		goto fail;
	n = snprintf(pl, sizeof(pl), "%" PRIu32 "%c%" PRIu64 "%c%" PRIu32,
	    d.domid, '\0', d.gfn, '\0', d.port);
	if ((rc = ctl_do(p, XS_INTRODUCE, pl, (size_t)n + 1, err,
	    sizeof(err))) < 0) {
		if (err[0] != '\0')
			fprintf(stderr, "xs-bench: INTRODUCE %" PRIu32 ": %s\n",
			    d.domid, err);
		goto fail;
	}
	l->next = p->all;
	p->all = l;
	*out = l;
	return 0;
fail:
	xensim_guest_detach(&l->g);
	xensim_domain_destroy(p->sim, d.domid);
	free(l);
	return rc;
}

static int
ring_open(const struct xsb_transport *t, struct xsb_link **out)
{
	struct ring_priv *p = t->priv;

	if (p->pool != NULL) {
		*out = p->pool;
		p->pool = p->pool->free;
		(*out)->free = NULL;
		return 0;
	}
	return guest_new(p, out);
}

static ssize_t
ring_send(struct xsb_link *l, const void *buf, size_t len)
{
	ssize_t n = xensim_ring_write(xensim_guest_ring(l->g), buf, len);
	int rc;

	if (n < 0)
		return n;
	if (n == 0)
		return -EAGAIN;
	if ((rc = xensim_guest_notify(l->g)) < 0)
		return rc;
	return n;
}

static ssize_t
ring_recv(struct xsb_link *l, void *buf, size_t len)
{
	struct xenstore_domain_interface *intf = xensim_guest_ring(l->g);
	XENSTORE_RING_IDX cons;
	ssize_t n;
	int rc;

	if ((rc = xensim_guest_consume(l->g)) < 0)
		return rc;
	cons = *(volatile XENSTORE_RING_IDX *)&intf->rsp_cons;
	n = xensim_ring_read(intf, buf, len);
	if (n < 0)
		return n;
	if (n == 0)
		return -EAGAIN;
	/* Pairs with the daemon's store of rsp_prod before it looks at
	 * rsp_cons: either it sees the space we freed, or we see that the
	 * ring was full and wake it. */
	atomic_thread_fence(memory_order_seq_cst);
	if (*(volatile XENSTORE_RING_IDX *)&intf->rsp_prod - cons >=
	    XENSTORE_RING_SIZE && (rc = xensim_guest_notify(l->g)) < 0)
		return rc;
	return n;
}

static int
ring_pollfd(const struct xsb_link *l)
{
	return xensim_guest_fd(l->g);
}

/* Back to the pool, without the watches a watcher registered; replies
 * still in the ring (a test that failed half-way) are skipped. */
static void
ring_close(struct xsb_link *l)
{
	uint32_t type;
	char rsp[64];

	if (l == NULL)
		return;
	if (xensim_guest_request(l->g, XS_RESET_WATCHES, RESET_REQ_ID, 0, "",
	    1, &type, rsp, sizeof(rsp), CTL_TIMEOUT_MS) < 0 ||
	    type != XS_RESET_WATCHES)
		return;	/* unusable: leave it out of the pool */
	l->free = l->p->pool;
	l->p->pool = l;
}

/* The simulation directory: dir if given, else $XENSIM_DIR, else the
 * directory of the socket when it holds a machine file (`xensim run D`
 * puts the socket at D/socket). */
static int
sim_dir(const char *dir, const char *socket, char *buf, size_t len)
{
	const char *env = getenv("XENSIM_DIR"), *slash;
	struct stat st;

	if (dir != NULL && dir[0] != '\0') {
		snprintf(buf, len, "%s", dir);
		return 0;
	}
	if (env != NULL && env[0] != '\0') {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	slash = strrchr(socket, '/');
	if (slash == NULL)
		snprintf(buf, len, ".");
	else
		snprintf(buf, len, "%.*s", (int)(slash - socket), socket);
	if (strlen(buf) + sizeof("/machine") > len)
		return -ENAMETOOLONG;
	strcat(buf, "/machine");
	if (stat(buf, &st) < 0)
		return -ENOENT;
	buf[strlen(buf) - strlen("/machine")] = '\0';
	return 0;
}

int
xsb_ring_transport(const char *dir, const char *socket,
    const struct xsb_transport *ctl_tr, struct xsb_transport **out)
{
	struct xsb_transport *t;
	struct ring_priv *p;
	char path[4096];
	int rc;

	if ((rc = sim_dir(dir, socket, path, sizeof(path))) < 0) {
		fprintf(stderr, "xs-bench: --rings: no simulation next to %s "
		    "(give --sim DIR or set XENSIM_DIR)\n", socket);
		return rc;
	}
	t = calloc(1, sizeof(*t));
	p = calloc(1, sizeof(*p));
	if (t == NULL || p == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = xensim_open(path, &p->sim)) < 0) {
		fprintf(stderr, "xs-bench: --rings: simulation %s: %s\n",
		    path, strerror(-rc));
		goto fail;
	}
	p->ctl_tr = ctl_tr;
	if ((rc = ctl_tr->open(ctl_tr, &p->ctl)) < 0) {
		xensim_close(&p->sim);
		goto fail;
	}
	t->name = "rings";
	t->open = ring_open;
	t->send = ring_send;
	t->recv = ring_recv;
	t->pollfd = ring_pollfd;
	t->close = ring_close;
	t->fd_signals_writable = false;
	t->priv = p;
	*out = t;
	return 0;
fail:
	free(t);
	free(p);
	return rc;
}

/* Detach every guest and destroy its domain: the daemon sees them die
 * (VIRQ_DOM_EXC) and releases them. */
void
xsb_ring_transport_free(struct xsb_transport *t)
{
	struct ring_priv *p;
	struct xsb_link *l, *next;

	if (t == NULL)
		return;
	p = t->priv;
	for (l = p->all; l != NULL; l = next) {
		next = l->next;
		xensim_guest_detach(&l->g);
		xensim_domain_destroy(p->sim, l->domid);
		free(l);
	}
	p->ctl_tr->close(p->ctl);
	xensim_close(&p->sim);
	free(p);
	free(t);
}
