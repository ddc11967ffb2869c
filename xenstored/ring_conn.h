/*
 * ring_conn.h: connections over a guest's shared ring page and event
 * channel (the xenbus transport), through the Xen libraries (xen.h).
 */
#ifndef RING_CONN_H
#define RING_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct domain;
struct xsd;

/*
 * INTRODUCE: map domain d's ring (grant reference 1, else the frame
 * `gfn`), bind its event channel `port`, and create or reset its
 * connection.  0 or -errno; -ENODEV without Xen.
 */
int ring_conn_introduce(struct xsd *x, struct domain *d, unsigned long gfn,
    unsigned port);

/* Unbind and unmap what introduce set up (the connection is closed). */
void ring_conn_release(struct xsd *x, struct domain *d);

/*
 * Start serving rings: bind VIRQ_DOM_EXC and watch the event channel.
 * Requires x->xen.  0 or -errno.
 */
int rings_init(struct xsd *x);
void rings_fini(struct xsd *x);

/*
 * Live update, old side: unbind VIRQ_DOM_EXC and stop watching, keeping
 * every ring binding (the event channel handle survives the exec).
 * `undo` re-arms them if the exec failed.
 */
int rings_prepare_exec(struct xsd *x, bool undo);

/* The local port of d's ring (live update), or 0. */
unsigned ring_local_port(const struct domain *d);

/*
 * Live update, new side: map d's ring again and serve it on `local`, a
 * port already bound through the inherited handle.  The ring's contents
 * are not touched.  *out is the new connection, or NULL when `error` is
 * not 0: the ring was quarantined with it, and stays so.  0 or -errno.
 */
int ring_conn_adopt(struct xsd *x, struct domain *d, unsigned local,
    uint32_t error, struct conn **out);

/* Live update, old side: is d's ring quarantined (and with what)? */
bool ring_conn_quarantined(const struct domain *d, uint32_t *error);

/*
 * CONTROL check's part: the list of rings waiting to be served again is
 * consistent with the rings' flags.  0, or -EIO with why.
 */
int rings_check(const struct xsd *x, char *why, size_t len);

/* Check every introduced domain now (one may have died meanwhile). */
void rings_check_domains(struct xsd *x);

/* Connect dom0's own ring (/proc/xen/xsd_kva, xsd_port). 0 or -errno. */
int ring_conn_dom0(struct xsd *x);

/* Serve rings that had more input than one pass took. */
void rings_before_sleep(struct xsd *x);

/* Give the guests back the request bytes read this iteration. */
void rings_commit(struct xsd *x);

struct conn;
struct sbuf;

/* Is this connection a ring's (its state survives a restart)? */
bool ring_conn_is(const struct conn *c);

/* The current connection of d's ring, or NULL. */
struct conn *ring_conn_of(const struct domain *d);

/* Append a RING_SYNC record of d's ring (positions, pending bytes). */
void ring_conn_sync(const struct domain *d, struct sbuf *b);

/*
 * Records of every ring active in this iteration: RING_DELTAs against
 * the previous record of the ring where possible, else RING_SYNCs.
 */
void rings_journal(struct xsd *x, struct sbuf *b);

/*
 * Forget what the journal recorded of every ring: each one's next record
 * is a whole RING_SYNC.  For a new journal file (it must not depend on
 * the one before) and after a failed journal write.
 */
void rings_journal_rebase(struct xsd *x);

/* What a restart restores of a ring. */
struct ring_restore {
	bool has_sync;
	bool quarantined;
	uint32_t error;
	uint32_t req_cons;	/* requests up to here were handled */
	uint32_t rsp_off;	/* output below begins at this offset */
	uint32_t head_rest;	/* bytes of its first message left to send */
	const uint8_t *in, *out;
	size_t inlen, outlen;
};

/*
 * Map d's ring again (grant, or xsd_kva for the daemon's own domain) and
 * bind its event channel by remote port, as after a crash.  Returns the
 * new connection (NULL if quarantined) in *out.  0 or -errno (the domain
 * then stays introduced without a ring).
 */
int ring_conn_restore(struct xsd *x, struct domain *d,
    const struct ring_restore *rr, struct conn **out);

#endif
