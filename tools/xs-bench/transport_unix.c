/*
 * transport_unix.c: the daemon's Unix stream socket (see transport.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "transport.h"

struct xsb_link {
	int fd;
};

struct unix_priv {
	struct sockaddr_un addr;
};

static int
unix_open(const struct xsb_transport *t, struct xsb_link **out)
{
	const struct unix_priv *p = t->priv;
	struct xsb_link *l;
	int fd, rc;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Blocking connect: a full listen backlog waits for the daemon to
	 * accept instead of failing. */
	while (connect(fd, (const struct sockaddr *)&p->addr,
	    sizeof(p->addr)) < 0) {
		if (errno == EINTR)
			continue;
		rc = -errno;
		close(fd);
		return rc;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    (l = malloc(sizeof(*l))) == NULL) {
		rc = errno ? -errno : -ENOMEM;
		close(fd);
		return rc;
	}
	l->fd = fd;
	*out = l;
	return 0;
}

static ssize_t
unix_send(struct xsb_link *l, const void *buf, size_t len)
{
	ssize_t n;

	do
		n = send(l->fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

static ssize_t
unix_recv(struct xsb_link *l, void *buf, size_t len)
{
	ssize_t n;

	do
		n = recv(l->fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

static int
unix_pollfd(const struct xsb_link *l)
{
	return l->fd;
}

static void
unix_close(struct xsb_link *l)
{
	if (l != NULL) {
		close(l->fd);
		free(l);
	}
}

int
xsb_unix_transport(const char *path, struct xsb_transport **out)
{
	struct xsb_transport *t;
	struct unix_priv *p;

	if (strlen(path) >= sizeof(p->addr.sun_path))
		return -ENAMETOOLONG;
	t = calloc(1, sizeof(*t));
	p = calloc(1, sizeof(*p));
	if (t == NULL || p == NULL) {
		free(t);
		free(p);
		return -ENOMEM;
	}
	p->addr.sun_family = AF_UNIX;
	memcpy(p->addr.sun_path, path, strlen(path) + 1);
	t->name = "unix";
	t->open = unix_open;
	t->send = unix_send;
	t->recv = unix_recv;
	t->pollfd = unix_pollfd;
	t->close = unix_close;
	t->fd_signals_writable = true;
	t->priv = p;
	*out = t;
	return 0;
}

void
xsb_transport_free(struct xsb_transport *t)
{
	if (t != NULL) {
		free(t->priv);
		free(t);
	}
}
