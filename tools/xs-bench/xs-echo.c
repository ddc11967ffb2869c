/*
 * xs-echo.c: the Unix-socket ping-pong floor for xs-bench.
 *
 * A server that frames xenstore requests exactly as a daemon does and
 * answers each one at once with a reply of the size a daemon would send
 * (READ: -d bytes; WRITE, MKDIR, RM, TRANSACTION_END, WATCH...: "OK";
 * DIRECTORY: one name; GET_PERMS: "n0"; TRANSACTION_START: "1"), without
 * a store.  xs-bench run against it measures what the socket round trip,
 * the framing and the client cost by themselves: no daemon spends less
 * CPU per request (requests per second, on few cores, also depend on
 * the order in which the scheduler wakes clients and server).
 * Like a daemon it is one thread with one epoll loop; it reads what is
 * there (up to 64 KiB) on every ready connection, then writes each one's
 * replies at once: batching the writes of one wake-up, as pxenstored
 * does, lets a client collect many replies per wake-up of its own.
 *
 * usage: xs-echo --socket PATH [-d BYTES]
 * Runs until SIGTERM/SIGINT; removes the socket at exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#define HDR sizeof(struct xsd_sockmsg)
#define RBUF (64 * 1024)

struct client {
	int fd;
	size_t rlen;
	char rbuf[RBUF + HDR + XENSTORE_PAYLOAD_MAX];
	/* Replies not yet taken by the kernel (a client that does not
	 * read): grows as needed. */
	char *out;
	size_t olen, ocap;
	bool out_armed;		/* EPOLLOUT requested */
};

static volatile sig_atomic_t stop;
static char value[XENSTORE_PAYLOAD_MAX];
static size_t value_size = 16;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
put(struct client *c, const struct xsd_sockmsg *req, const void *body,
    size_t len)
{
	struct xsd_sockmsg h = *req;

	if (c->olen + HDR + len > c->ocap) {
		size_t cap = c->ocap ? c->ocap * 2 : RBUF;
		char *p;

		while (cap < c->olen + HDR + len)
			cap *= 2;
		if ((p = realloc(c->out, cap)) == NULL)
			return -1;
		c->out = p;
		c->ocap = cap;
	}
	h.len = (uint32_t)len;
	memcpy(c->out + c->olen, &h, HDR);
	memcpy(c->out + c->olen + HDR, body, len);
	c->olen += HDR + len;
	return 0;
}

static int
answer(struct client *c, const struct xsd_sockmsg *h)
{
	switch (h->type) {
	case XS_READ:
		return put(c, h, value, value_size);
	case XS_DIRECTORY:
		return put(c, h, "k0", 3);
	case XS_GET_PERMS:
		return put(c, h, "n0", 3);
	case XS_TRANSACTION_START:
		return put(c, h, "1", 2);
	default:
		return put(c, h, "OK", 3);
	}
}

static int
flush(struct client *c)
{
	size_t off = 0;
	ssize_t n;

	while (off < c->olen) {
		n = send(c->fd, c->out + off, c->olen - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	memmove(c->out, c->out + off, c->olen - off);
	c->olen -= off;
	return 0;
}

/* Read and answer every whole request (written later by flush()).
 * -1: drop the client. */
static int
serve(struct client *c)
{
	struct xsd_sockmsg h;
	size_t off = 0;
	ssize_t n;

	n = recv(c->fd, c->rbuf + c->rlen, RBUF, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	c->rlen += (size_t)n;
	while (c->rlen - off >= HDR) {
		memcpy(&h, c->rbuf + off, HDR);
		if (h.len > XENSTORE_PAYLOAD_MAX)
			return -1;
		if (c->rlen - off < HDR + h.len)
			break;
		if (answer(c, &h) < 0)
			return -1;
		off += HDR + h.len;
	}
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
	return 0;
}

static void
drop(struct client *c)
{
	close(c->fd);
	free(c->out);
	free(c);
}

static int
listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "xs-echo: %s: path too long\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4096) < 0) {
		perror("xs-echo: listen");
		return -1;
	}
	return fd;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct epoll_event ev, evs[256];
	const char *path = NULL;
	struct sigaction sa;
	int lfd, ep, n, i, o;

	while ((o = getopt_long(argc, argv, "s:d:", longopts, NULL)) != -1) {
		switch (o) {
		case 's':
			path = optarg;
			break;
		case 'd':
			value_size = strtoul(optarg, NULL, 10);
			if (value_size > sizeof(value))
				value_size = sizeof(value);
			break;
		default:
			fprintf(stderr, "usage: xs-echo --socket PATH "
			    "[-d BYTES]\n");
			return 2;
		}
	}
	if (path == NULL) {
		fprintf(stderr, "usage: xs-echo --socket PATH [-d BYTES]\n");
		return 2;
	}
	memset(value, 'a', sizeof(value));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if ((lfd = listen_on(path)) < 0 ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return 1;
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	while (!stop) {
		n = epoll_wait(ep, evs, 256, -1);
		/* Read everything ready first... */
		for (i = 0; i < n; i++) {
			struct client *c = evs[i].data.ptr;
			int fd;

			if (c != NULL) {
				if (serve(c) < 0) {
					evs[i].data.ptr = NULL;
					drop(c);
				}
				continue;
			}
			while ((fd = accept4(lfd, NULL, NULL,
			    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				if ((c = calloc(1, sizeof(*c))) == NULL) {
					close(fd);
					continue;
				}
				c->fd = fd;
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			}
		}
		/* ...then answer. */
		for (i = 0; i < n; i++) {
			struct client *c = evs[i].data.ptr;

			if (c == NULL || c->olen == 0)
				continue;
			if (flush(c) < 0) {
				drop(c);
				continue;
			}
			if ((c->olen > 0) != c->out_armed) {
				c->out_armed = c->olen > 0;
				ev.events = EPOLLIN |
				    (c->out_armed ? EPOLLOUT : 0);
				ev.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
			}
		}
	}
	unlink(path);
	return 0;
}
