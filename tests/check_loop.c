/*
 * check_loop.c: unit tests of the event loop, loop.c (links loop.c only;
 * descriptors are pipes): fd callbacks, changing the interest set,
 * deleting a handle from inside a callback of the same batch (a deleted
 * handle with an event pending in that batch is not called, and is freed
 * only after dispatch), timers in due order and cancelled, the
 * before-sleep hook, loop_wake_soon and loop_stop.
 *
 * No timing is asserted.  Every run of the loop is bounded three ways: a
 * watchdog timer that stops it (and fails the test) after 2 seconds, a
 * cap on iterations counted in the before-sleep hook, and Check's
 * timeout in fork mode.  Timer order is checked only where it holds
 * whatever the clock does (equal or increasing delays added in order,
 * or a 60-second timer that must not delay earlier ones).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ITER 100

static struct loop *l;
static bool watchdog_fired;
static int iterations;
static int fds[8];		/* pipes opened by tests, -1 when closed */

static void
watchdog(void *arg)
{
	(void)arg;
	watchdog_fired = true;
	loop_stop(l);
}

/* Default before-sleep hook: only bounds the number of iterations. */
static void
count_iterations(void *arg)
{
	(void)arg;
	if (++iterations > MAX_ITER)
		loop_stop(l);
}

static void
setup(void)
{
	size_t i;

	ck_assert_int_eq(loop_new(&l), 0);
	watchdog_fired = false;
	iterations = 0;
	for (i = 0; i < NELEM(fds); i++)
		fds[i] = -1;
	ck_assert_int_eq(loop_timer(l, 2000, watchdog, NULL, NULL), 0);
	loop_before_sleep(l, count_iterations, NULL);
}

static void
teardown(void)
{
	size_t i;

	loop_free(&l);
	ck_assert_ptr_null(l);
	for (i = 0; i < NELEM(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* A pipe in fds[2k], fds[2k+1]; with `data`, one byte already in it. */
static void
make_pipe(int k, bool data)
{
	ck_assert_int_eq(pipe2(&fds[2 * k], O_NONBLOCK | O_CLOEXEC), 0);
	if (data)
		ck_assert_int_eq(write(fds[2 * k + 1], "x", 1), 1);
}

static void
close_fd(int i)
{
	close(fds[i]);
	fds[i] = -1;
}

/* Run and check that the loop stopped by itself, not by a guard. */
static void
run_ok(void)
{
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_msg(!watchdog_fired, "loop stopped by the watchdog");
	ck_assert_msg(iterations <= MAX_ITER, "loop ran too many times");
}

/* ---- fd callbacks ---------------------------------------------------- */

struct fd_rec {
	int calls;
	uint32_t events;
	bool stop;
	int drain_fd;		/* read a byte from it, or -1 */
};

static void
on_fd(void *arg, uint32_t events)
{
	struct fd_rec *r = arg;

	r->calls++;
	r->events = events;
	if (r->drain_fd >= 0) {
		char c;

		ck_assert_int_eq(read(r->drain_fd, &c, 1), 1);
	}
	if (r->stop)
		loop_stop(l);
}

START_TEST(fd_callback)
{
	struct fd_rec r = { 0, 0, true, -1 };
	struct loop_fd *h;

	make_pipe(0, true);
	r.drain_fd = fds[0];
	ck_assert_int_eq(loop_add(l, fds[0], EPOLLIN, on_fd, &r, &h), 0);
	ck_assert_uint_eq(loop_events(h), EPOLLIN);
	run_ok();
	ck_assert_int_eq(r.calls, 1);
	ck_assert(r.events & EPOLLIN);
	/* Drained: running again does not call it (the hook stops). */
	r.stop = false;
	iterations = MAX_ITER - 1;	/* two more iterations at most */
	loop_wake_soon(l);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_int_eq(r.calls, 1);
	loop_del(h);
}
END_TEST

START_TEST(add_errors)
{
	struct fd_rec r = { 0, 0, false, -1 };
	struct loop_fd *h, *h2 = NULL;

	ck_assert_int_eq(loop_add(l, -1, EPOLLIN, on_fd, &r, &h), -EBADF);
	make_pipe(0, false);
	ck_assert_int_eq(loop_add(l, fds[0], EPOLLIN, on_fd, &r, &h), 0);
	ck_assert_int_eq(loop_add(l, fds[0], EPOLLIN, on_fd, &r, &h2),
	    -EEXIST);
	ck_assert_ptr_null(h2);
	loop_del(h);
	loop_del(h);		/* twice in one batch: no-op */
	loop_del(NULL);
	/* Deleted: the descriptor can be added again. */
	ck_assert_int_eq(loop_add(l, fds[0], EPOLLIN, on_fd, &r, &h2), 0);
	loop_del(h2);
}
END_TEST

/* ---- loop_set -------------------------------------------------------- */

struct set_state {
	struct loop_fd *h;
	int step;
	int calls;
};

static void
set_hook(void *arg)
{
	struct set_state *s = arg;

	if (++iterations > MAX_ITER) {
		loop_stop(l);
		return;
	}
	switch (s->step++) {
	case 0:
		/* Interest 0 so far; ask for writability. */
		ck_assert_int_eq(s->calls, 0);
		ck_assert_int_eq(loop_set(s->h, EPOLLOUT), 0);
		ck_assert_uint_eq(loop_events(s->h), EPOLLOUT);
		ck_assert_int_eq(loop_set(s->h, EPOLLOUT), 0);	/* same */
		break;
	case 1:
		/* Called once, and it turned its interest off. */
		ck_assert_int_eq(s->calls, 1);
		ck_assert_uint_eq(loop_events(s->h), 0);
		loop_wake_soon(l);	/* wait returns with nothing */
		break;
	default:
		/* Not called again while the interest set is empty. */
		ck_assert_int_eq(s->calls, 1);
		loop_stop(l);
		break;
	}
}

static void
on_writable(void *arg, uint32_t events)
{
	struct set_state *s = arg;

	ck_assert(events & EPOLLOUT);
	s->calls++;
	ck_assert_int_eq(loop_set(s->h, 0), 0);
}

START_TEST(set_changes_interest)
{
	struct set_state s = { NULL, 0, 0 };

	make_pipe(0, false);
	/* The write end of an empty pipe is always writable. */
	ck_assert_int_eq(loop_add(l, fds[1], 0, on_writable, &s, &s.h), 0);
	ck_assert_uint_eq(loop_events(s.h), 0);
	loop_before_sleep(l, set_hook, &s);
	run_ok();
	ck_assert_int_eq(s.step, 3);
	ck_assert_int_eq(s.calls, 1);
	loop_del(s.h);
}
END_TEST

/* ---- deleting inside a batch ------------------------------------------ */

struct del_state {
	struct loop_fd *h[2];
	int fdidx[2];		/* index in fds[] of each read end */
	int calls[2];
	struct fd_rec fresh;	/* a handle added in the callback */
	struct loop_fd *fresh_h;
};

struct del_arg {
	struct del_state *s;
	int me;
};

/*
 * Whichever of the two is called first deletes the other, closes the
 * other's descriptor and opens a new pipe (likely reusing that number)
 * whose handle must not receive the stale event.
 */
static void
on_del_other(void *arg, uint32_t events)
{
	struct del_arg *a = arg;
	struct del_state *s = a->s;
	int other = 1 - a->me;

	(void)events;
	s->calls[a->me]++;
	if (s->h[other] != NULL) {
		loop_del(s->h[other]);
		s->h[other] = NULL;
		close_fd(s->fdidx[other]);
		make_pipe(2, false);
		ck_assert_int_eq(loop_add(l, fds[4], EPOLLIN, on_fd,
		    &s->fresh, &s->fresh_h), 0);
	}
	loop_stop(l);
}

START_TEST(delete_other_in_same_batch)
{
	struct del_state s;
	struct del_arg a[2];
	int i;

	memset(&s, 0, sizeof(s));
	s.fresh.drain_fd = -1;
	make_pipe(0, true);
	make_pipe(1, true);
	s.fdidx[0] = 0;
	s.fdidx[1] = 2;
	for (i = 0; i < 2; i++) {
		a[i].s = &s;
		a[i].me = i;
		ck_assert_int_eq(loop_add(l, fds[s.fdidx[i]], EPOLLIN,
		    on_del_other, &a[i], &s.h[i]), 0);
	}
	/* Both readable before the first wait: one batch holds both. */
	run_ok();
	ck_assert_int_eq(s.calls[0] + s.calls[1], 1);
	ck_assert_int_eq(s.fresh.calls, 0);
	for (i = 0; i < 2; i++)
		if (s.h[i] != NULL)
			loop_del(s.h[i]);
	loop_del(s.fresh_h);
}
END_TEST

struct self_state {
	struct loop_fd *h;
	int calls;
};

static void
on_del_self(void *arg, uint32_t events)
{
	struct self_state *st = arg;

	(void)events;
	st->calls++;
	loop_del(st->h);	/* freed after this batch, not now */
	loop_del(st->h);	/* still safe within the batch */
}

/* Hook: three iterations with no wait, stop on the fourth. */
static void
wake_three_times(void *arg)
{
	(void)arg;
	if (++iterations > 3)
		loop_stop(l);
	else
		loop_wake_soon(l);
}

START_TEST(delete_self)
{
	struct self_state st = { NULL, 0 };

	make_pipe(0, true);	/* stays readable: level-triggered */
	ck_assert_int_eq(loop_add(l, fds[0], EPOLLIN, on_del_self, &st,
	    &st.h), 0);
	/* Three iterations that do not block: called in the first only. */
	loop_before_sleep(l, wake_three_times, NULL);
	run_ok();
	ck_assert_int_eq(iterations, 4);
	ck_assert_int_eq(st.calls, 1);
}
END_TEST

/* ---- timers ------------------------------------------------------------ */

struct tstate {
	char order[16];
	size_t n;
	struct loop_timer *cancel;	/* cancelled by 'X' */
	const char *stop_after;		/* stop once these ids fired */
};

struct targ {
	struct tstate *s;
	char id;
};

static void
on_timer(void *arg)
{
	struct targ *a = arg;
	struct tstate *s = a->s;

	ck_assert_uint_lt(s->n, sizeof(s->order) - 1);
	s->order[s->n++] = a->id;
	if (a->id == 'X' && s->cancel != NULL) {
		loop_timer_cancel(l, s->cancel);
		s->cancel = NULL;
	}
	if (strlen(s->order) == strlen(s->stop_after))
		loop_stop(l);
}

START_TEST(timers_in_due_order)
{
	struct tstate s = { "", 0, NULL, "ABCD" };
	struct targ late = { &s, 'L' }, a = { &s, 'A' }, b = { &s, 'B' },
	    c = { &s, 'C' }, d = { &s, 'D' };

	/* Added first, due last: must not hold back the others. */
	ck_assert_int_eq(loop_timer(l, 60000, on_timer, &late, NULL), 0);
	ck_assert_int_eq(loop_timer(l, 0, on_timer, &a, NULL), 0);
	ck_assert_int_eq(loop_timer(l, 0, on_timer, &b, NULL), 0);
	ck_assert_int_eq(loop_timer(l, 1, on_timer, &c, NULL), 0);
	ck_assert_int_eq(loop_timer(l, 3, on_timer, &d, NULL), 0);
	run_ok();
	ck_assert_str_eq(s.order, "ABCD");
	/* 'L' is still pending: loop_free releases it (leak-checked). */
}
END_TEST

START_TEST(timer_cancel)
{
	struct tstate s = { "", 0, NULL, "XZ" };
	struct targ x = { &s, 'X' }, y = { &s, 'Y' }, w = { &s, 'W' },
	    z = { &s, 'Z' };
	struct loop_timer *ty, *tw;

	ck_assert_int_eq(loop_timer(l, 0, on_timer, &x, NULL), 0);
	ck_assert_int_eq(loop_timer(l, 0, on_timer, &y, &ty), 0);
	ck_assert_int_eq(loop_timer(l, 0, on_timer, &w, &tw), 0);
	ck_assert_int_eq(loop_timer(l, 1, on_timer, &z, NULL), 0);
	/* Y before running; W from inside X's callback (same pass). */
	loop_timer_cancel(l, ty);
	s.cancel = tw;
	run_ok();
	ck_assert_str_eq(s.order, "XZ");
}
END_TEST

/* A timer callback may add a timer; it fires on a later pass. */
static void
on_timer_rearm(void *arg)
{
	struct targ *a = arg;

	ck_assert_int_eq(loop_timer(l, 0, on_timer, a, NULL), 0);
}

START_TEST(timer_added_from_timer)
{
	struct tstate s = { "", 0, NULL, "R" };
	struct targ r = { &s, 'R' };

	ck_assert_int_eq(loop_timer(l, 0, on_timer_rearm, &r, NULL), 0);
	run_ok();
	ck_assert_str_eq(s.order, "R");
}
END_TEST

/* ---- before-sleep, wake-soon, stop --------------------------------------- */

static void
hook_wake(void *arg)
{
	int *calls = arg;

	++iterations;
	if (++*calls % 3 == 0)
		loop_stop(l);	/* from the hook: no wait at all */
	else
		loop_wake_soon(l);	/* nothing is ready: must not block */
}

START_TEST(before_sleep_and_wake_soon)
{
	int calls = 0;

	loop_before_sleep(l, hook_wake, &calls);
	run_ok();
	ck_assert_int_eq(calls, 3);
	/* The loop can be run again after a stop. */
	run_ok();
	ck_assert_int_eq(calls, 6);
	/* Removing the hook. */
	loop_before_sleep(l, NULL, NULL);
	{
		struct fd_rec r = { 0, 0, true, -1 };
		struct loop_fd *h;

		make_pipe(0, true);
		r.drain_fd = fds[0];
		ck_assert_int_eq(loop_add(l, fds[0], EPOLLIN, on_fd, &r, &h),
		    0);
		run_ok();
		ck_assert_int_eq(r.calls, 1);
		ck_assert_int_eq(calls, 6);
		loop_del(h);
	}
}
END_TEST

START_TEST(now_is_monotonic)
{
	uint64_t a = loop_now_ms(), b = loop_now_ms();

	ck_assert_uint_ge(b, a);
	ck_assert_uint_gt(a, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("loop");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, fd_callback);
	tcase_add_test(tc, add_errors);
	tcase_add_test(tc, set_changes_interest);
	tcase_add_test(tc, delete_other_in_same_batch);
	tcase_add_test(tc, delete_self);
	tcase_add_test(tc, timers_in_due_order);
	tcase_add_test(tc, timer_cancel);
	tcase_add_test(tc, timer_added_from_timer);
	tcase_add_test(tc, before_sleep_and_wake_soon);
	tcase_add_test(tc, now_is_monotonic);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
