/*
 * transport_unix.c: Unix stream sockets.  Non-blocking; reads go into the
 * daemon's shared read buffer and are handed to the connection; output
 * is written as soon as it is queued (at the end of the loop iteration)
 * and EPOLLOUT is only asked for while the socket is full.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn.h"
#include "daemon.h"
#include "loop.h"
#include "nocancel.h"
#include "transport_unix.h"

/* Reads per readiness event: fairness between busy connections. */
#define READS_PER_EVENT 4

struct unix_listener {
	int fd;
	struct loop_fd *lfd;
	struct loop_timer *retry;
	struct xsd *x;
};

struct sock {
	int fd;
	struct loop_fd *lfd;
};

static void sock_event(void *arg, uint32_t events);

static void
sock_kick(struct conn *c)
{
	struct sock *s = c->tp;
	uint32_t want = loop_events(s->lfd);
	bool progress = false;

	while (conn_out_sendable(c) > 0) {
		ssize_t n = nc_send(s->fd, c->out + c->outhead,
		    conn_out_sendable(c), MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			conn_out_consumed(c, (size_t)n);
			progress = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		conn_close(c, "write failed");
		return;
	}
	if (conn_out_sendable(c) > 0)
		want |= EPOLLOUT;
	else
		want &= ~(uint32_t)EPOLLOUT;
	loop_set(s->lfd, want);
	conn_sent(c, progress);
	if (c->stalled)
		conn_resume(c);
}

static void
sock_stall(struct conn *c, bool on)
{
	struct sock *s = c->tp;
	uint32_t ev = loop_events(s->lfd);

	loop_set(s->lfd, on ? ev & ~(uint32_t)EPOLLIN : ev | EPOLLIN);
}

static void
sock_destroy(struct conn *c)
{
	struct sock *s = c->tp;

	if (s == NULL)
		return;
	loop_del(s->lfd);
	close(s->fd);
	free(s);
}

static const struct conn_ops sock_ops = {
	"socket", sock_kick, sock_stall, sock_destroy,
};

static void
sock_event(void *arg, uint32_t events)
{
	struct conn *c = arg;
	struct sock *s = c->tp;
	struct xsd *x = c->x;
	int i;

	if (c->closing)
		return;
	if (events & EPOLLOUT)
		sock_kick(c);
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)) || c->stalled)
		return;
	for (i = 0; i < READS_PER_EVENT && !c->closing && !c->stalled; i++) {
		ssize_t n = nc_read(s->fd, x->rbuf, sizeof(x->rbuf));

		if (n > 0) {
			conn_input(c, x->rbuf, (size_t)n);
			if ((size_t)n < sizeof(x->rbuf))
				break;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		conn_close(c, n == 0 ? "closed by peer" : "read failed");
		break;
	}
}

static struct conn *
sock_conn(struct xsd *x, int fd)
{
	struct sock *s = calloc(1, sizeof(*s));
	struct conn *c = s ? conn_new(x, &sock_ops, s, x->cfg.master_domid,
	    true) : NULL;

	if (c == NULL) {
		free(s);
		return NULL;
	}
	s->fd = fd;
	if (loop_add(x->loop, fd, EPOLLIN, sock_event, c, &s->lfd) < 0) {
		c->tp = NULL;	/* nothing for destroy to undo */
		conn_close(c, "cannot watch the socket");
		free(s);
		return NULL;
	}
	return c;
}

static void resume_accept(void *arg);

static void
accept_event(void *arg, uint32_t events)
{
	struct unix_listener *ul = arg;
	struct xsd *x = ul->x;
	int i;

	(void)events;
	for (i = 0; i < 64; i++) {
		int fd = accept4(ul->fd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* Out of descriptors: pause, do not spin. */
				log_warn(&x->log, "accept: %s; pausing",
				    strerror(errno));
				loop_set(ul->lfd, 0);
				loop_timer(x->loop, 100, resume_accept, ul,
				    &ul->retry);
			}
			return;
		}
		c = sock_conn(x, fd);
		if (c == NULL)
			close(fd);
	}
}

static void
resume_accept(void *arg)
{
	struct unix_listener *ul = arg;

	ul->retry = NULL;
	loop_set(ul->lfd, EPOLLIN);
}

int
unix_listen(struct xsd *x)
{
	struct sockaddr_un sa;
	const char *path = x->cfg.socket_path;
	mode_t old;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	mkdir(x->cfg.rundir, 0755);	/* may exist: errors ignored */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	/*
	 * A daemonized process runs with umask 0: bind under 077 so the
	 * socket is never open to others, not even until the chmod.
	 */
	old = umask(077);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (chmod(path, 0600) < 0 || listen(fd, 4096) < 0) {
		rc = -errno;
		unlink(path);
		close(fd);
		return rc;
	}
	rc = unix_adopt_listener(x, fd);
	if (rc < 0) {
		unlink(path);
		close(fd);
	}
	return rc;
}

int
unix_adopt_listener(struct xsd *x, int fd)
{
	struct unix_listener *ul = calloc(1, sizeof(*ul));
	int rc;

	if (ul == NULL)
		return -ENOMEM;
	ul->fd = fd;
	ul->x = x;
	rc = loop_add(x->loop, fd, EPOLLIN, accept_event, ul, &ul->lfd);
	if (rc < 0) {
		free(ul);
		return rc;
	}
	x->listener = ul;
	return 0;
}

int
unix_adopt_conn(struct xsd *x, int fd, struct conn **out)
{
	struct conn *c;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	c = sock_conn(x, fd);
	if (c == NULL)
		return -ENOMEM;
	*out = c;
	return 0;
}

int
unix_listener_fd(const struct xsd *x)
{
	return x->listener ? x->listener->fd : -1;
}

bool
unix_conn_is(const struct conn *c)
{
	return c->ops == &sock_ops;
}

int
unix_conn_fd(const struct conn *c)
{
	const struct sock *s = c->tp;

	return s ? s->fd : -1;
}

static void
set_cloexec(int fd, bool on)
{
	int f = fcntl(fd, F_GETFD);

	if (f >= 0)
		fcntl(fd, F_SETFD, on ? f | FD_CLOEXEC : f & ~FD_CLOEXEC);
}

void
unix_keep_across_exec(struct xsd *x, bool keep)
{
	struct conn *c;

	if (x->listener != NULL)
		set_cloexec(x->listener->fd, !keep);
	TAILQ_FOREACH(c, &x->conns, link)
		if (unix_conn_is(c) && c->tp != NULL)
			set_cloexec(unix_conn_fd(c), !keep);
}

void
unix_unlisten(struct xsd *x)
{
	struct unix_listener *ul = x->listener;

	if (ul == NULL)
		return;
	if (ul->retry != NULL)
		loop_timer_cancel(x->loop, ul->retry);
	loop_del(ul->lfd);
	close(ul->fd);
	unlink(x->cfg.socket_path);
	free(ul);
	x->listener = NULL;
}
