/*
 * transport.h: how xs-bench reaches a daemon.
 *
 * The engine only sees this interface: open a connection, move bytes in
 * and out without blocking, and a descriptor to wait on.  The Unix socket
 * transport is in transport_unix.c.  The shared-ring transport (--rings,
 * transport_ring.c) makes each connection a simulated guest (tools/xensim):
 * open() creates and introduces a domain, send()/recv() copy through its
 * ring and notify its event channel, and pollfd() is the event-channel
 * descriptor, with fd_signals_writable false because a ring reports free
 * space through the same event as new data.
 */
#ifndef XSB_TRANSPORT_H
#define XSB_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct xsb_link;

struct xsb_transport {
	const char *name;
	/* Open one connection, non-blocking.  0 or -errno. */
	int (*open)(const struct xsb_transport *t, struct xsb_link **out);
	/* Bytes moved (> 0), -EAGAIN when nothing can move now, other
	 * -errno on failure; recv returns 0 at end of stream. */
	ssize_t (*send)(struct xsb_link *l, const void *buf, size_t len);
	ssize_t (*recv)(struct xsb_link *l, void *buf, size_t len);
	/* Descriptor for epoll/poll: readable when recv can progress. */
	int (*pollfd)(const struct xsb_link *l);
	void (*close)(struct xsb_link *l);
	/* True: the descriptor reports writability (EPOLLOUT/POLLOUT).
	 * False: every kind of progress is reported as readable. */
	bool fd_signals_writable;
	void *priv;
};

/* The Unix socket transport for the daemon socket at path (copied). */
int xsb_unix_transport(const char *path, struct xsb_transport **out);
void xsb_transport_free(struct xsb_transport *t);

/* Simulated guests in the simulation dir (NULL: $XENSIM_DIR, else the
 * directory of socket), introduced over ctl_tr (the daemon's socket),
 * which must outlive the transport.  Messages on stderr. */
int xsb_ring_transport(const char *dir, const char *socket,
    const struct xsb_transport *ctl_tr, struct xsb_transport **out);
/* Destroys the guests' domains too.  NULL is fine. */
void xsb_ring_transport_free(struct xsb_transport *t);

#endif
