/*
 * proto.c: see proto.h.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "proto.h"

const char *const xsb_err_names[XSB_NERR] = {
	"EINVAL", "EACCES", "EEXIST", "EISDIR", "ENOENT", "ENOMEM", "ENOSPC",
	"EIO", "ENOTEMPTY", "ENOSYS", "EROFS", "EBUSY", "EAGAIN", "EISCONN",
	"E2BIG", "EPERM", "other",
};

unsigned
xsb_err_index(const char *body, uint32_t len)
{
	unsigned i;
	size_t n;

	/* The name, NUL-terminated (tolerate a missing terminator). */
	n = strnlen(body, len);
	for (i = 0; i < XSB_ERR_OTHER; i++)
		if (strlen(xsb_err_names[i]) == n &&
		    memcmp(xsb_err_names[i], body, n) == 0)
			return i;
	return XSB_ERR_OTHER;
}

unsigned
xsb_errno_index(int err)
{
	unsigned i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]) &&
	    i < XSB_ERR_OTHER; i++)
		if (xsd_errors[i].errnum == err)
			return i;
	return XSB_ERR_OTHER;
}

const char *
xsb_type_name(uint32_t type)
{
	static const char *const names[] = {
		"CONTROL", "DIRECTORY", "READ", "GET_PERMS", "WATCH",
		"UNWATCH", "TRANSACTION_START", "TRANSACTION_END",
		"INTRODUCE", "RELEASE", "GET_DOMAIN_PATH", "WRITE", "MKDIR",
		"RM", "SET_PERMS", "WATCH_EVENT", "ERROR",
		"IS_DOMAIN_INTRODUCED", "RESUME", "SET_TARGET", "RESTRICT",
		"RESET_WATCHES", "DIRECTORY_PART",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

size_t
xsb_put(char *buf, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *a, size_t alen, const void *b, size_t blen)
{
	struct xsd_sockmsg h = {
		.type = type, .req_id = req_id, .tx_id = tx_id,
		.len = (uint32_t)(alen + blen),
	};

	memcpy(buf, &h, XSB_HDR);
	if (alen)
		memcpy(buf + XSB_HDR, a, alen);
	if (blen)
		memcpy(buf + XSB_HDR + alen, b, blen);
	return XSB_HDR + alen + blen;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
wait_fd(const struct xsb_transport *t, struct xsb_link *l, bool out,
    int64_t end)
{
	struct pollfd p = { .fd = t->pollfd(l) };
	int64_t left = end - mono_ms();
	int n;

	if (left <= 0)
		return -ETIMEDOUT;
	p.events = out && t->fd_signals_writable ? POLLOUT : POLLIN;
	n = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
	if (n < 0 && errno != EINTR)
		return -errno;
	return 0;
}

int
xsb_send_all(const struct xsb_transport *t, struct xsb_link *l,
    const void *buf, size_t len, int timeout_ms)
{
	int64_t end = mono_ms() + timeout_ms;
	size_t off = 0;
	ssize_t n;
	int rc;

	while (off < len) {
		n = t->send(l, (const char *)buf + off, len - off);
		if (n > 0) {
			off += (size_t)n;
		} else if (n == -EAGAIN) {
			if ((rc = wait_fd(t, l, true, end)) < 0)
				return rc;
		} else {
			return n == 0 ? -EPIPE : (int)n;
		}
	}
	return 0;
}

static int
recv_exact(const struct xsb_transport *t, struct xsb_link *l, void *buf,
    size_t len, int64_t end)
{
	size_t off = 0;
	ssize_t n;
	int rc;

	while (off < len) {
		n = t->recv(l, (char *)buf + off, len - off);
		if (n > 0) {
			off += (size_t)n;
		} else if (n == -EAGAIN) {
			if ((rc = wait_fd(t, l, false, end)) < 0)
				return rc;
		} else {
			return n == 0 ? -EPIPE : (int)n;
		}
	}
	return 0;
}

int
xsb_recv_msg(const struct xsb_transport *t, struct xsb_link *l,
    struct xsd_sockmsg *h, char *body, int timeout_ms)
{
	int64_t end = mono_ms() + timeout_ms;
	int rc;

	if ((rc = recv_exact(t, l, h, XSB_HDR, end)) < 0)
		return rc;
	if (h->len > XENSTORE_PAYLOAD_MAX)
		return -EPROTO;
	if ((rc = recv_exact(t, l, body, h->len, end)) < 0)
		return rc;
	body[h->len] = '\0';
	return 0;
}
