/*
 * loop.c: epoll registration and one bounded dispatch round.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"

#define LOOP_BATCH 256

int
loop_init(struct loop *l)
{
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

void
loop_fini(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

static int
ctl(struct loop *l, int op, int fd, uint32_t events, struct loop_handler *h)
{
	struct epoll_event ev;

	ev.events = events;
	ev.data.ptr = h;
	return epoll_ctl(l->epfd, op, fd, &ev) < 0 ? -errno : 0;
}

int
loop_add(struct loop *l, int fd, uint32_t events, struct loop_handler *h)
{
	return ctl(l, EPOLL_CTL_ADD, fd, events, h);
}

int
loop_mod(struct loop *l, int fd, uint32_t events, struct loop_handler *h)
{
	return ctl(l, EPOLL_CTL_MOD, fd, events, h);
}

void
loop_del(struct loop *l, int fd)
{
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
}

int
loop_once(struct loop *l, int timeout_ms)
{
	struct epoll_event ev[LOOP_BATCH];
	struct loop_handler *h;
	int n, i;

	n = epoll_wait(l->epfd, ev, LOOP_BATCH, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		h = ev[i].data.ptr;
		h->fn(h->arg, ev[i].events);
	}
	return n;
}
