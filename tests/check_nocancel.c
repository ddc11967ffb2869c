/*
 * check_nocancel.c: the hot paths' system-call wrappers (nocancel.h) keep
 * the libc contract the daemon relies on: byte counts, -1 with errno
 * (EAGAIN from a full or empty descriptor, EBADF, ENOTSOCK, EPIPE without
 * a SIGPIPE), and epoll readiness and timeouts.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nocancel.h"

START_TEST(read_and_write_move_bytes)
{
	int p[2];
	char buf[8] = { 0 };

	ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
	ck_assert_int_eq(nc_read(p[0], buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(nc_write(p[1], "abc", 3), 3);
	ck_assert_int_eq(nc_read(p[0], buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "abc");
	close(p[1]);
	ck_assert_int_eq(nc_read(p[0], buf, sizeof(buf)), 0);	/* EOF */
	close(p[0]);
}
END_TEST

START_TEST(errors_come_back_in_errno)
{
	int p[2];
	char c = 0;
	struct epoll_event ev;

	errno = 0;
	ck_assert_int_eq(nc_read(-1, &c, 1), -1);
	ck_assert_int_eq(errno, EBADF);
	errno = 0;
	ck_assert_int_eq(nc_write(-1, &c, 1), -1);
	ck_assert_int_eq(errno, EBADF);
	errno = 0;
	ck_assert_int_eq(nc_epoll_wait(-1, &ev, 1, 0), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(pipe(p), 0);
	errno = 0;
	ck_assert_int_eq(nc_send(p[1], &c, 1, MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, ENOTSOCK);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(send_fills_then_says_eagain)
{
	int sv[2];
	char chunk[4096], back[4096];
	size_t sent = 0, got = 0;
	ssize_t n;
	int i;

	memset(chunk, 'x', sizeof(chunk));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	/* A socket buffer is at most a few MiB: bounded. */
	for (i = 0; i < 100000; i++) {
		n = nc_send(sv[0], chunk, sizeof(chunk),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			break;
		sent += (size_t)n;
	}
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_uint_gt(sent, 0);
	for (i = 0; i < 100000 && got < sent; i++) {
		n = nc_read(sv[1], back, sizeof(back));
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(memcmp(back, chunk, (size_t)n), 0);
		got += (size_t)n;
	}
	ck_assert_uint_eq(got, sent);
	close(sv[1]);
	/* A closed peer: EPIPE, and MSG_NOSIGNAL keeps this process alive. */
	ck_assert_int_eq(nc_send(sv[0], chunk, 1, MSG_NOSIGNAL), -1);
	ck_assert_int_eq(errno, EPIPE);
	close(sv[0]);
}
END_TEST

START_TEST(epoll_wait_reports_ready_and_times_out)
{
	int p[2], ep;
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 7 }, out[4];

	ck_assert_int_eq(pipe(p), 0);
	ep = epoll_create1(0);
	ck_assert_int_ge(ep, 0);
	ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	ck_assert_int_eq(nc_epoll_wait(ep, out, 4, 0), 0);
	ck_assert_int_eq(nc_epoll_wait(ep, out, 4, 10), 0);	/* 10 ms */
	ck_assert_int_eq(nc_write(p[1], "z", 1), 1);
	memset(out, 0, sizeof(out));
	ck_assert_int_eq(nc_epoll_wait(ep, out, 4, 1000), 1);
	ck_assert_uint_eq(out[0].data.u32, 7);
	ck_assert(out[0].events & EPOLLIN);
	close(ep);
	close(p[0]);
	close(p[1]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("nocancel");
	TCase *tc = tcase_create("nocancel");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, read_and_write_move_bytes);
	tcase_add_test(tc, errors_come_back_in_errno);
	tcase_add_test(tc, send_fills_then_says_eagain);
	tcase_add_test(tc, epoll_wait_reports_ready_and_times_out);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
