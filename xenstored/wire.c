/*
 * wire.c: see wire.h.  The header's length field is checked before
 * anything is buffered for the payload (wire.md §9: over 4096 the
 * connection is dropped, as the C daemon does).
 */
#include <errno.h>
#include <string.h>

#include "wire.h"

int
wire_frame(const void *buf, size_t avail, struct wire_req *req, size_t *need)
{
	struct xsd_sockmsg hdr;

	if (avail < WIRE_HDR) {
		*need = WIRE_HDR;
		return 0;
	}
	memcpy(&hdr, buf, WIRE_HDR);
	if (hdr.len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	*need = WIRE_HDR + hdr.len;
	if (avail < *need)
		return 0;
	req->hdr = hdr;
	req->body = (const char *)buf + WIRE_HDR;
	req->len = hdr.len;
	return 1;
}

size_t
wire_args(const char *body, size_t len, const char **argv, size_t max)
{
	const char *p = body, *end = body + len, *nul;
	size_t n = 0;

	while (p < end && (nul = memchr(p, '\0', (size_t)(end - p))) != NULL) {
		if (n < max)
			argv[n] = p;
		n++;
		p = nul + 1;
	}
	return n;
}

bool
wire_first(const char *body, size_t len, const char **first,
    const char **rest, size_t *restlen)
{
	const char *nul = memchr(body, '\0', len);

	if (nul == NULL)
		return false;
	*first = body;
	*rest = nul + 1;
	*restlen = len - (size_t)(nul + 1 - body);
	return true;
}

bool
wire_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if ((unsigned long)(*s - '0') > max ||
		    v > (max - (unsigned long)(*s - '0')) / 10)
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return true;
}

size_t
wire_put_uint(char *out, unsigned long v)
{
	char digits[20], *p = digits + sizeof(digits);
	size_t n;

	/* Backwards into digits[], then one copy. */
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	n = (size_t)(digits + sizeof(digits) - p);
	memcpy(out, p, n);
	return n;
}
