/*
 * loop.h: the event loop: file descriptors (epoll), one-shot timers and a
 * before-sleep hook.  Knows nothing about xenstore.  The cost of one
 * wake-up depends on the ready descriptors, not on how many are
 * registered (epoll), so idle connections cost nothing.
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

struct loop;
struct loop_fd;
struct loop_timer;

typedef void loop_fd_fn(void *arg, uint32_t events);
typedef void loop_fn(void *arg);

/* Ownership: *out is owned, release with loop_free. */
int loop_new(struct loop **out);
void loop_free(struct loop **lp);

/*
 * Watch `fd` for `events` (EPOLLIN/EPOLLOUT).  The loop does not own the
 * fd.  *out is a handle owned by the loop, valid until loop_del.
 */
int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_fn *fn,
    void *arg, struct loop_fd **out);
/* Change the interest set (no system call when unchanged). */
int loop_set(struct loop_fd *h, uint32_t events);
uint32_t loop_events(const struct loop_fd *h);
/* Stop watching; safe from inside a callback (freed after dispatch). */
void loop_del(struct loop_fd *h);

/* Called once per iteration just before the loop waits. */
void loop_before_sleep(struct loop *l, loop_fn *fn, void *arg);

/* Make the next wait return at once (work is pending). */
void loop_wake_soon(struct loop *l);

/* One-shot timer after `ms` milliseconds.  *out owned by the loop until
 * it fires or is cancelled. */
int loop_timer(struct loop *l, uint64_t ms, loop_fn *fn, void *arg,
    struct loop_timer **out);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);

/* Monotonic milliseconds. */
uint64_t loop_now_ms(void);

/* Run until loop_stop; returns 0, or -errno if waiting failed. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
