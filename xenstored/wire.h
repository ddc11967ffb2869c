/*
 * wire.h: framing and argument parsing of xenstore messages (struct
 * xsd_sockmsg + payload).  Pure: no I/O, no state.  Every length and
 * NUL check of a request happens here, before any handler runs.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xs_wire_ext.h"

#define WIRE_HDR ((size_t)sizeof(struct xsd_sockmsg))
#define WIRE_MAX_MSG (WIRE_HDR + XENSTORE_PAYLOAD_MAX)

/* A request as received: header plus payload (borrowed from a buffer). */
struct wire_req {
	struct xsd_sockmsg hdr;
	const char *body;
	uint32_t len;
};

/*
 * Is a whole message at the start of buf[0..avail)?  Returns 1 and fills
 * *req (body borrowed from buf) when it is, 0 when more bytes are needed
 * (*need says how many in total), or -E2BIG when the header announces a
 * payload over XENSTORE_PAYLOAD_MAX (the connection must be dropped).
 */
int wire_frame(const void *buf, size_t avail, struct wire_req *req,
    size_t *need);

/*
 * Split a payload into its NUL-terminated strings.  Returns the number of
 * strings (NUL bytes); at most `max` pointers are stored.  Bytes after
 * the last NUL are not a string (C daemon rule).
 */
size_t wire_args(const char *body, size_t len, const char **argv,
    size_t max);

/*
 * The first string and what follows its NUL (WRITE: path + raw value).
 * Returns false when the payload has no NUL.
 */
bool wire_first(const char *body, size_t len, const char **first,
    const char **rest, size_t *restlen);

/* Strict unsigned decimal (no sign, no spaces, no trailing bytes). */
bool wire_uint(const char *s, unsigned long max, unsigned long *out);

/*
 * `v` in decimal at `out` (room for 20 bytes), no NUL; returns the number
 * of digits.  Replies and paths format numbers on every request: no
 * snprintf.
 */
size_t wire_put_uint(char *out, unsigned long v);

#endif
