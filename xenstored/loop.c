/*
 * loop.c: see loop.h.  epoll, level-triggered.  Handles deleted during a
 * dispatch batch are only marked and freed once the batch is done, so a
 * callback may close any descriptor, including one with an event pending
 * in the same batch (Redis's deferred free).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "nocancel.h"

#define BATCH 256

struct loop_fd {
	struct loop *l;
	int fd;
	uint32_t events;
	loop_fd_fn *fn;		/* NULL once deleted */
	void *arg;
	struct loop_fd *next_dead;
};

struct loop_timer {
	uint64_t due;
	loop_fn *fn;
	void *arg;
	struct loop_timer *next;	/* sorted by due */
};

struct loop {
	int epfd;
	bool stop;
	bool soon;
	loop_fn *before;
	void *before_arg;
	struct loop_fd *dead;
	struct loop_timer *timers;
};

uint64_t
loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
loop_new(struct loop **out)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int e = errno;

		free(l);
		return -e;
	}
	*out = l;
	return 0;
}

static void
reap(struct loop *l)
{
	while (l->dead != NULL) {
		struct loop_fd *h = l->dead;

		l->dead = h->next_dead;
		free(h);
	}
}

void
loop_free(struct loop **lp)
{
	struct loop *l = *lp;

	if (l == NULL)
		return;
	reap(l);
	while (l->timers != NULL) {
		struct loop_timer *t = l->timers;

		l->timers = t->next;
		free(t);
	}
	close(l->epfd);
	free(l);
	*lp = NULL;
}

int
loop_add(struct loop *l, int fd, uint32_t events, loop_fd_fn *fn, void *arg,
    struct loop_fd **out)
{
	struct loop_fd *h = calloc(1, sizeof(*h));
	struct epoll_event ev;

	if (h == NULL)
		return -ENOMEM;
	h->l = l;
	h->fd = fd;
	h->events = events;
	h->fn = fn;
	h->arg = arg;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = h;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;

		free(h);
		return -e;
	}
	*out = h;
	return 0;
}

int
loop_set(struct loop_fd *h, uint32_t events)
{
	struct epoll_event ev;

	if (h->events == events)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = h;
	if (epoll_ctl(h->l->epfd, EPOLL_CTL_MOD, h->fd, &ev) < 0)
		return -errno;
	h->events = events;
	return 0;
}

uint32_t
loop_events(const struct loop_fd *h)
{
	return h->events;
}

void
loop_del(struct loop_fd *h)
{
	if (h == NULL || h->fn == NULL)
		return;
	epoll_ctl(h->l->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	h->fn = NULL;
	h->next_dead = h->l->dead;
	h->l->dead = h;
}

void
loop_before_sleep(struct loop *l, loop_fn *fn, void *arg)
{
	l->before = fn;
	l->before_arg = arg;
}

void
loop_wake_soon(struct loop *l)
{
	l->soon = true;
}

int
loop_timer(struct loop *l, uint64_t ms, loop_fn *fn, void *arg,
    struct loop_timer **out)
{
	struct loop_timer *t = calloc(1, sizeof(*t)), **pp;

	if (t == NULL)
		return -ENOMEM;
	t->due = loop_now_ms() + ms;
	t->fn = fn;
	t->arg = arg;
	for (pp = &l->timers; *pp != NULL && (*pp)->due <= t->due;
	    pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	if (out != NULL)
		*out = t;
	return 0;
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	struct loop_timer **pp;

	for (pp = &l->timers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			free(t);
			return;
		}
}

static void
run_timers(struct loop *l)
{
	uint64_t now = loop_now_ms();

	while (l->timers != NULL && l->timers->due <= now) {
		struct loop_timer *t = l->timers;

		l->timers = t->next;
		t->fn(t->arg);
		free(t);
	}
}

int
loop_run(struct loop *l)
{
	struct epoll_event ev[BATCH];

	l->stop = false;
	while (!l->stop) {
		int n, i, timeout = -1;

		if (l->before != NULL)
			l->before(l->before_arg);
		reap(l);
		if (l->stop)
			break;
		if (l->soon) {
			timeout = 0;
		} else if (l->timers != NULL) {
			uint64_t now = loop_now_ms();

			uint64_t wait = l->timers->due <= now ? 0 :
			    l->timers->due - now;

			/* a far timer just means a long sleep, then again */
			timeout = wait > 86400000 ? 86400000 : (int)wait;
		}
		l->soon = false;
		n = nc_epoll_wait(l->epfd, ev, BATCH, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			struct loop_fd *h = ev[i].data.ptr;

			if (h->fn != NULL)
				h->fn(h->arg, ev[i].events);
		}
		run_timers(l);
	}
	return 0;
}

void
loop_stop(struct loop *l)
{
	l->stop = true;
}
