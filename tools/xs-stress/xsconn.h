/*
 * xsconn.h: one asynchronous xenstore client connection, over the Unix
 * socket (a dom0 process) or over a guest's ring (a guest kernel).
 *
 * Requests are framed (struct xsd_sockmsg), queued and written as the
 * transport takes them; any number may be outstanding.  Each reply is
 * matched to its request by req_id and handed to the request's callback
 * with its latency; watch events go to the connection's event handler.
 * Every request has a deadline: when it passes, the callback gets an
 * XS_ERROR reply "ETIMEDOUT" and a timeout failure is counted.
 *
 * Replies, events and failures are counted in the borrowed struct stats.
 * Not thread-safe (xs-stress is one thread).  A connection must not be
 * freed from inside one of its callbacks.
 */
#ifndef XS_STRESS_XSCONN_H
#define XS_STRESS_XSCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"

struct stats;
struct xensim_guest;
struct xsconn;

struct xsreply {
	uint32_t type;		/* the request's type, or XS_ERROR */
	uint32_t len;
	const char *body;	/* len bytes, a NUL; valid in the callback */
	int64_t lat;		/* ns from queueing to the reply */
};

struct xsreq_cb {
	void (*fn)(void *arg, const struct xsreply *r);
	void *arg;
};

struct xsconn_event {
	void (*fn)(void *arg, struct xsconn *c, const char *path,
	    const char *token);
	void *arg;
};

/* A socket connection registered in l; -errno if connect fails. */
int xsconn_open_sock(const char *path, struct loop *l, struct stats *st,
    const char *name, struct xsconn **out);
/* A connection over g's ring (g borrowed; serviced by xsconn_service). */
struct xsconn *xsconn_new_ring(struct xensim_guest *g, struct stats *st,
    const char *name);
void xsconn_free(struct xsconn **cp);

void xsconn_set_event(struct xsconn *c, const struct xsconn_event *ev);
void xsconn_set_stats(struct xsconn *c, struct stats *st);
void xsconn_set_timeout(struct xsconn *c, int64_t ns);
const char *xsconn_name(const struct xsconn *c);
struct stats *xsconn_stats(const struct xsconn *c);
bool xsconn_is_dead(const struct xsconn *c);
/* Requests waiting for a reply. */
unsigned xsconn_pending(const struct xsconn *c);

/*
 * Queue one request.  payload is copied.  0, or -EMSGSIZE (over 4096
 * bytes), -EPIPE (the connection is dead; nothing is queued and cb is not
 * called).
 */
int xsconn_request(struct xsconn *c, uint32_t type, uint32_t tx_id,
    const void *payload, size_t len, const struct xsreq_cb *cb);

/* Move bytes both ways (ring: after an event on the guest's queue). */
void xsconn_service(struct xsconn *c);
/* Expire requests past their deadline. */
void xsconn_sweep(struct xsconn *c, int64_t now);

#endif
