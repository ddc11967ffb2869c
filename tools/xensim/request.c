/*
 * request.c: one synchronous xenstore request over a guest's ring
 * (libxensim-host.a).
 *
 * Frames a struct xsd_sockmsg, streams it into req[] as space frees up,
 * notifies, and streams the reply back from rsp[], skipping watch events
 * and replies to other request ids.  Every wait is bounded by one
 * deadline.  A convenience for tests and tools; asynchronous users drive
 * xensim_ring_write/read and the event fd themselves.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <xen/io/xs_wire.h>

#include "host.h"

static int64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
left_ms(int64_t end)
{
	int64_t l = end - ms_now();

	return l < 0 ? 0 : (int)l;
}

/* Write all len bytes, notifying after each chunk. */
static int
put_all(struct xensim_guest *g, const unsigned char *p, size_t len,
    int64_t end)
{
	ssize_t n;
	int rc;

	while (len > 0) {
		n = xensim_ring_write(g->ring, p, len);
		if (n < 0)
			return (int)n;
		if (n > 0) {
			if ((rc = xensim_guest_notify(g)) < 0)
				return rc;
			p += n;
			len -= (size_t)n;
			continue;
		}
		if ((rc = xensim_guest_wait(g, left_ms(end))) < 0)
			return rc;
		if (rc == 0 && left_ms(end) == 0)
			return -ETIMEDOUT;
	}
	return 0;
}

/* Read exactly len bytes into p, notifying as space frees up. */
static int
get_all(struct xensim_guest *g, unsigned char *p, size_t len, int64_t end)
{
	ssize_t n;
	int rc;

	while (len > 0) {
		n = xensim_ring_read(g->ring, p, len);
		if (n < 0)
			return (int)n;
		if (n > 0) {
			if ((rc = xensim_guest_notify(g)) < 0)
				return rc;
			p += n;
			len -= (size_t)n;
			continue;
		}
		if ((rc = xensim_guest_wait(g, left_ms(end))) < 0)
			return rc;
		if (rc == 0 && left_ms(end) == 0)
			return -ETIMEDOUT;
	}
	return 0;
}

int
xensim_guest_request(struct xensim_guest *g, uint32_t type, uint32_t req_id,
    uint32_t tx_id, const void *payload, size_t len, uint32_t *type_out,
    char *buf, size_t bufsz, int timeout_ms)
{
	unsigned char body[XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg h;
	int64_t end;
	size_t n;
	int rc;

	if (g == NULL || (payload == NULL && len > 0) ||
	    (buf == NULL && bufsz > 0))
		return -EINVAL;
	if (len > (size_t)XENSTORE_PAYLOAD_MAX)
		return -EMSGSIZE;
	end = ms_now() + (timeout_ms < 0 ? 0 : timeout_ms);
	h.type = type;
	h.req_id = req_id;
	h.tx_id = tx_id;
	h.len = (uint32_t)len;
	if ((rc = put_all(g, (const unsigned char *)&h, sizeof(h), end)) < 0 ||
	    (rc = put_all(g, payload, len, end)) < 0)
		return rc;
	for (;;) {
		if ((rc = get_all(g, (unsigned char *)&h, sizeof(h), end)) < 0)
			return rc;
		if (h.len > (uint32_t)XENSTORE_PAYLOAD_MAX)
			return -EPROTO;
		if ((rc = get_all(g, body, h.len, end)) < 0)
			return rc;
		if (h.type != XS_WATCH_EVENT && h.req_id == req_id)
			break;
	}
	if (bufsz > 0) {
		n = h.len < bufsz - 1 ? h.len : bufsz - 1;
		memcpy(buf, body, n);
		buf[n] = '\0';
	}
	if (type_out != NULL)
		*type_out = h.type;
	return (int)h.len;
}
