/*
 * ring.h: copying bytes in and out of a xenbus ring page
 * (domains-and-rings.md §2).  Pure: no mapping, no event channels; the
 * page is whatever memory it is handed, so tests use a plain buffer.
 *
 * The page is shared with a guest that may change it at any moment: each
 * index is read exactly once per call into a local, checked (prod - cons
 * must not exceed the ring size), and only the locals are used after a
 * full barrier.
 */
#ifndef RING_H
#define RING_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "xs_wire_ext.h"

/*
 * Take up to `len` request bytes (the guest's output) into `buf`, and
 * advance req_cons.  Returns the count (0: nothing there) or -EIO when
 * the indexes are inconsistent.
 */
ssize_t ring_read(struct xenstore_domain_interface *intf, void *buf,
    size_t len);

/*
 * Like ring_read, but from the daemon's own cursor *pos rather than the
 * page's req_cons, which is not moved: the bytes stay the guest's until
 * ring_consume.  That lets the daemon make a request durable before the
 * guest may reuse its bytes.  -EIO when prod - *pos exceeds the ring.
 */
ssize_t ring_peek(struct xenstore_domain_interface *intf, uint32_t *pos,
    void *buf, size_t len);

/* Hand the request bytes before `pos` back to the guest (req_cons). */
void ring_consume(struct xenstore_domain_interface *intf, uint32_t pos);

/* Request bytes waiting after the daemon's cursor `pos`. */
size_t ring_input_after(const struct xenstore_domain_interface *intf,
    uint32_t pos);

/* The daemon-owned indexes as the page shows them. */
uint32_t ring_get_req_cons(const struct xenstore_domain_interface *intf);
uint32_t ring_get_rsp_prod(const struct xenstore_domain_interface *intf);

/*
 * Put up to `len` bytes of `buf` into the response ring and advance
 * rsp_prod.  Returns the count (0: ring full) or -EIO.
 */
ssize_t ring_write(struct xenstore_domain_interface *intf, const void *buf,
    size_t len);

/* Request bytes waiting (0 also when the indexes are bad). */
size_t ring_input_avail(const struct xenstore_domain_interface *intf);

/* Empty both rings (all indexes to 0): a reset. */
void ring_reset(struct xenstore_domain_interface *intf);

/* The shared fields, read or written once with barriers around. */
uint32_t ring_get_connection(const struct xenstore_domain_interface *intf);
void ring_set_connection(struct xenstore_domain_interface *intf, uint32_t v);
void ring_set_error(struct xenstore_domain_interface *intf, uint32_t v);
void ring_set_features(struct xenstore_domain_interface *intf, uint32_t v);
uint32_t ring_get_evtchn_port(const struct xenstore_domain_interface *intf);

#endif
