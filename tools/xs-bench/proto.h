/*
 * proto.h: the xenstore wire protocol as xs-bench speaks it (a 16-byte
 * struct xsd_sockmsg header in native byte order, then the payload), and
 * blocking one-message helpers for setup work outside the measurements.
 */
#ifndef XSB_PROTO_H
#define XSB_PROTO_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

#include "transport.h"

#define XSB_HDR ((size_t)sizeof(struct xsd_sockmsg))
#define XSB_MSG_MAX (XSB_HDR + XENSTORE_PAYLOAD_MAX)

/* Error names: the 16 of xs_wire.h, then one slot for anything else. */
#define XSB_NERR 17
#define XSB_ERR_OTHER 16
#define XSB_ERR_EAGAIN 12
extern const char *const xsb_err_names[XSB_NERR];

/* Index of the error name in an XS_ERROR payload (XSB_ERR_OTHER if it is
 * not one of the table). */
unsigned xsb_err_index(const char *body, uint32_t len);
/* Index for an errno value (libxenstore reports errors as errno). */
unsigned xsb_errno_index(int err);
const char *xsb_type_name(uint32_t type);

/* Append a request (header + a[0..alen) + b[0..blen)) at buf, which must
 * have room for XSB_HDR + alen + blen.  Returns the bytes written. */
size_t xsb_put(char *buf, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *a, size_t alen, const void *b, size_t blen);

/* Blocking helpers over a non-blocking link (poll()s on EAGAIN), with a
 * timeout in milliseconds for the whole call.  0 or -errno (-ETIMEDOUT,
 * -EPIPE at end of stream, -EPROTO for a header over the 4096 limit). */
int xsb_send_all(const struct xsb_transport *t, struct xsb_link *l,
    const void *buf, size_t len, int timeout_ms);
/* Read exactly one message: header into *h, payload into body (room for
 * XENSTORE_PAYLOAD_MAX + 1 bytes; a NUL is appended). */
int xsb_recv_msg(const struct xsb_transport *t, struct xsb_link *l,
    struct xsd_sockmsg *h, char *body, int timeout_ms);

#endif
