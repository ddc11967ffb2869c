/*
 * loop.h: a small epoll loop.  Knows nothing about xenstore: handlers are
 * (function, argument) pairs registered per fd; the caller decides when
 * to stop (loop_once() waits at most timeout_ms).
 */
#ifndef XS_STRESS_LOOP_H
#define XS_STRESS_LOOP_H

#include <stdint.h>

struct loop_handler {
	void (*fn)(void *arg, uint32_t events);
	void *arg;
};

struct loop {
	int epfd;
};

int loop_init(struct loop *l);
void loop_fini(struct loop *l);
/* h is borrowed and must stay valid until loop_del(). */
int loop_add(struct loop *l, int fd, uint32_t events, struct loop_handler *h);
int loop_mod(struct loop *l, int fd, uint32_t events, struct loop_handler *h);
void loop_del(struct loop *l, int fd);
/* Dispatch the ready handlers once: the number dispatched or -errno. */
int loop_once(struct loop *l, int timeout_ms);

#endif
