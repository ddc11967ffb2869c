/*
 * ring_conn.h: connections over a guest's shared ring page and event
 * channel (the xenbus transport), through the Xen libraries (xen.h).
 */
#ifndef RING_CONN_H
#define RING_CONN_H

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

/* Connect dom0's own ring (/proc/xen/xsd_kva, xsd_port). 0 or -errno. */
int ring_conn_dom0(struct xsd *x);

/* Serve rings that had more input than one pass took. */
void rings_before_sleep(struct xsd *x);

/* Give the guests back the request bytes read this iteration. */
void rings_commit(struct xsd *x);

#endif
