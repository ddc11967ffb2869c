/*
 * fz_client.h: a client of the in-process daemon for fuzz_session.c: a
 * fake transport (conn_ops) standing in for a socket, and the client at
 * its other end, which checks everything the daemon sends it.
 *
 * Sending: bytes go into the client's pending buffer, and are handed to
 * conn_input whenever the connection takes input (not stalled), at most
 * one daemon read buffer at a time, as transport_unix.c does.
 *
 * Receiving: the client takes the daemon's sendable output when asked to
 * (the loop's kick, or "the socket became writable"), as much as its
 * reading mode allows, and frames it.  Every message must have a payload
 * of at most 4096 bytes and a known type; a watch event is "path\0token\0"
 * with ids 0; anything else is the reply to the oldest unanswered request
 * (same request id and transaction id, its type or XS_ERROR with a wire
 * error name).
 */
#ifndef FZ_CLIENT_H
#define FZ_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xs_wire_ext.h"

struct conn;
struct xsd;

enum fz_reading {
	FZ_READ_ALL,		/* takes everything it is offered */
	FZ_READ_NONE,		/* never reads (a stuck guest) */
	FZ_READ_TRICKLE,	/* a few bytes per wake-up: split headers */
};

#define FZ_TRICKLE 7

struct fz_req {
	uint32_t type, req_id, tx_id;
};

struct fz_client {
	struct xsd *x;
	struct conn *c;		/* NULL once the daemon freed it */
	unsigned domid;
	bool priv;
	enum fz_reading reading;
	bool stalled;		/* as the transport was told */
	/* sent, not yet taken by the daemon */
	uint8_t *pend;
	size_t npend, cappend;
	/* what the daemon was given, framed: requests awaiting replies */
	struct fz_req *fifo;
	size_t fhead, ftail, fcap;
	uint8_t shdr[sizeof(struct xsd_sockmsg)];
	size_t shave;
	uint32_t sleft;
	bool sdead;		/* an oversized header: the stream is over */
	/* what the daemon sent, framed */
	struct xsd_sockmsg rcur;
	size_t rhave;		/* header bytes of rcur received */
	uint32_t rleft;		/* payload bytes of rcur still to come */
	char rbody[XENSTORE_PAYLOAD_MAX + 1];
	unsigned long long replies;	/* replies begun */
	unsigned long long errors;	/* of which XS_ERROR */
	unsigned long long events;
};

/*
 * Connect (conn_new) as domain `domid`; false if the daemon refused.
 * The client's buffers are its own; fz_client_fini frees them.
 */
bool fz_client_connect(struct fz_client *cl, struct xsd *x, unsigned domid,
    bool priv);
void fz_client_fini(struct fz_client *cl);

/* Send bytes (they reach the daemon when it takes input). */
void fz_client_send(struct fz_client *cl, const void *p, size_t len);

/* Hand pending bytes to the daemon while it takes them. */
void fz_client_deliver(struct fz_client *cl);

/* The socket is writable: take what the reading mode allows. */
void fz_client_writable(struct fz_client *cl);

/* Hang up (the peer closed the socket). */
void fz_client_hangup(struct fz_client *cl);

/*
 * Between requests: the transport's view agrees with the connection's,
 * and every request handled has had its reply (received or queued).
 */
void fz_client_check(struct fz_client *cl);

#endif
