/*
 * nocancel.h: the hot paths' system calls, without glibc's cancellation
 * bookkeeping.
 *
 * Once the snapshot writer's thread has started, glibc brackets every
 * call that is a cancellation point (read, write, send, epoll_wait) with
 * __pthread_enable_asynccancel/disable for the rest of the process's life:
 * about 30 instructions per call, and a request makes three or four of
 * them.  The daemon never cancels a thread, so these wrappers go straight
 * to the kernel.  Same contract as the libc functions: -1 and errno on
 * failure.  Slow paths keep the libc calls.
 */
#ifndef PXS_NOCANCEL_H
#define PXS_NOCANCEL_H

#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static inline ssize_t
nc_read(int fd, void *buf, size_t len)
{
	return syscall(SYS_read, fd, buf, len);
}

static inline ssize_t
nc_write(int fd, const void *buf, size_t len)
{
	return syscall(SYS_write, fd, buf, len);
}

/* send(2) is sendto(2) without an address on every architecture. */
static inline ssize_t
nc_send(int fd, const void *buf, size_t len, int flags)
{
	return syscall(SYS_sendto, fd, buf, len, flags, NULL, 0);
}

/* epoll_wait(2) is epoll_pwait(2) without a mask (and aarch64 has only
 * the latter). */
static inline int
nc_epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	return (int)syscall(SYS_epoll_pwait, epfd, ev, max, timeout, NULL,
	    (size_t)(_NSIG / 8));
}

#endif
