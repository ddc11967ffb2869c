/*
 * check_transactions.c: transactions through libxenstore and the raw
 * protocol: visibility inside and outside, abort, a true conflict
 * (EAGAIN, the other writer's value stays), disjoint writers and
 * creators of sibling nodes both committing, the empty transaction, a
 * read-only transaction whose read changed, and the transaction being
 * gone after END whatever the outcome.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

static struct xs_handle *a, *b;	/* two privileged clients */

static void
setup(void)
{
	itest_start(NULL);
	a = xs_priv();
	b = xs_priv();
	xwrite(a, XBT_NULL, "/v/x", "a");
}

static void
teardown(void)
{
	xs_close(a);
	xs_close(b);
	a = b = NULL;
	ck_store_ok();
	itest_stop();
}

START_TEST(test_visibility)
{
	xs_transaction_t t = xs_transaction_start(a);

	ck_assert_uint_ne(t, 0);
	ck_read(a, t, "/v/x", "a");
	/* Own writes are visible inside, not outside. */
	xwrite(a, t, "/v/y", "mine");
	xwrite(a, t, "/v/x", "changed");
	ck_read(a, t, "/v/y", "mine");
	ck_read(a, t, "/v/x", "changed");
	ck_dir(a, t, "/v", "x,y");
	ck_read_err(a, XBT_NULL, "/v/y", ENOENT);
	ck_read_err(b, XBT_NULL, "/v/y", ENOENT);
	ck_read(b, XBT_NULL, "/v/x", "a");
	ck_dir(b, XBT_NULL, "/v", "x");
	/* Removal inside: gone inside only. */
	xrm(a, t, "/v/y");
	ck_read_err(a, t, "/v/y", ENOENT);
	xwrite(a, t, "/v/y", "again");
	ck_read(b, XBT_NULL, "/v/x", "a");
	ck_succeeds(xs_transaction_end(a, t, false));
	ck_read(b, XBT_NULL, "/v/x", "changed");
	ck_read(b, XBT_NULL, "/v/y", "again");
	ck_dir(b, XBT_NULL, "/v", "x,y");
}
END_TEST

START_TEST(test_others_commit_invisible)
{
	xs_transaction_t t = xs_transaction_start(a);

	ck_read(a, t, "/v/x", "a");
	xwrite(b, XBT_NULL, "/v/x", "b");
	ck_read(a, t, "/v/x", "a");
	ck_read(a, XBT_NULL, "/v/x", "b");
	/* A transaction of another client, committed meanwhile. */
	{
		xs_transaction_t u = xs_transaction_start(b);

		xwrite(b, u, "/v/x", "c");
		ck_succeeds(xs_transaction_end(b, u, false));
	}
	ck_read(a, t, "/v/x", "a");
	/*
	 * A node created outside after the start, never looked at inside
	 * before: not visible either (the transaction reads a snapshot of
	 * its start; the C daemon would show it, clients cannot tell).
	 */
	xwrite(b, XBT_NULL, "/w/new", "other");
	ck_read_err(a, t, "/w/new", ENOENT);
	ck_dir(a, t, "/v", "x");
	/* What it read changed: its commit fails. */
	ck_fails(xs_transaction_end(a, t, false), EAGAIN);
	ck_read(a, XBT_NULL, "/v/x", "c");
	ck_read(a, XBT_NULL, "/w/new", "other");
}
END_TEST

START_TEST(test_abort)
{
	xs_transaction_t t;

	xwrite(a, XBT_NULL, "/v/keep/kid", "k");
	t = xs_transaction_start(a);
	xwrite(a, t, "/v/x", "no");
	xwrite(a, t, "/v/new/deep", "no");
	xmkdir(a, t, "/v/dir");
	xrm(a, t, "/v/keep");
	ck_succeeds(xperms(a, t, "/v/x", "n0", "r5", NULL));
	ck_succeeds(xs_transaction_end(a, t, true));
	ck_read(b, XBT_NULL, "/v/x", "a");
	ck_perms(b, XBT_NULL, "/v/x", "n0");
	ck_read_err(b, XBT_NULL, "/v/new", ENOENT);
	ck_read_err(b, XBT_NULL, "/v/dir", ENOENT);
	ck_read(b, XBT_NULL, "/v/keep/kid", "k");
	ck_dir(b, XBT_NULL, "/v", "x,keep");
}
END_TEST

START_TEST(test_conflict)
{
	xs_transaction_t t = xs_transaction_start(a);

	ck_read(a, t, "/v/x", "a");
	xwrite(b, XBT_NULL, "/v/x", "b");
	xwrite(a, t, "/v/x", "c");
	xwrite(a, t, "/v/other", "c");
	ck_fails(xs_transaction_end(a, t, false), EAGAIN);
	/* The other writer's value stays; nothing of t is applied. */
	ck_read(a, XBT_NULL, "/v/x", "b");
	ck_read_err(a, XBT_NULL, "/v/other", ENOENT);
	/* The usual retry loop then succeeds. */
	t = xs_transaction_start(a);
	ck_read(a, t, "/v/x", "b");
	xwrite(a, t, "/v/x", "c");
	ck_succeeds(xs_transaction_end(a, t, false));
	ck_read(b, XBT_NULL, "/v/x", "c");
}
END_TEST

START_TEST(test_conflict_removed)
{
	xs_transaction_t t = xs_transaction_start(a);

	/* The node read inside was removed outside. */
	ck_read(a, t, "/v/x", "a");
	xrm(b, XBT_NULL, "/v/x");
	xwrite(a, t, "/v/y", "1");
	ck_fails(xs_transaction_end(a, t, false), EAGAIN);
	ck_read_err(b, XBT_NULL, "/v/y", ENOENT);
	/* A node seen missing inside was created outside. */
	t = xs_transaction_start(a);
	ck_read_err(a, t, "/v/x", ENOENT);
	xwrite(b, XBT_NULL, "/v/x", "new");
	xwrite(a, t, "/v/y", "1");
	ck_fails(xs_transaction_end(a, t, false), EAGAIN);
	ck_read_err(b, XBT_NULL, "/v/y", ENOENT);
	/* A listing that changed. */
	t = xs_transaction_start(a);
	ck_dir(a, t, "/v", "x");
	xwrite(b, XBT_NULL, "/v/sibling", "");
	xwrite(a, t, "/v/y", "1");
	ck_fails(xs_transaction_end(a, t, false), EAGAIN);
	ck_read_err(b, XBT_NULL, "/v/y", ENOENT);
}
END_TEST

START_TEST(test_disjoint)
{
	xs_transaction_t ta, tb, tc;

	xwrite(a, XBT_NULL, "/d/a", "0");
	xwrite(a, XBT_NULL, "/d/b", "0");
	xwrite(a, XBT_NULL, "/d/c", "0");
	ta = xs_transaction_start(a);
	tb = xs_transaction_start(b);
	tc = xs_transaction_start(a);
	ck_assert(ta && tb && tc);
	ck_assert_uint_ne(ta, tc);
	xwrite(a, ta, "/d/a", "A");
	xwrite(b, tb, "/d/b", "B");
	xwrite(a, tc, "/d/c", "C");
	ck_succeeds(xs_transaction_end(b, tb, false));
	ck_succeeds(xs_transaction_end(a, tc, false));
	ck_succeeds(xs_transaction_end(a, ta, false));
	ck_read(b, XBT_NULL, "/d/a", "A");
	ck_read(b, XBT_NULL, "/d/b", "B");
	ck_read(b, XBT_NULL, "/d/c", "C");
	/* Readers of different nodes too. */
	ta = xs_transaction_start(a);
	tb = xs_transaction_start(b);
	ck_read(a, ta, "/d/a", "A");
	xwrite(a, ta, "/d/a", "A2");
	ck_read(b, tb, "/d/b", "B");
	xwrite(b, tb, "/d/b", "B2");
	ck_succeeds(xs_transaction_end(a, ta, false));
	ck_succeeds(xs_transaction_end(b, tb, false));
	ck_read(a, XBT_NULL, "/d/a", "A2");
	ck_read(a, XBT_NULL, "/d/b", "B2");
}
END_TEST

START_TEST(test_create_siblings)
{
	xs_transaction_t ta, tb;

	xmkdir(a, XBT_NULL, "/dir");
	ta = xs_transaction_start(a);
	tb = xs_transaction_start(b);
	xwrite(a, ta, "/dir/one", "1");
	xwrite(b, tb, "/dir/two/deep", "2");
	ck_succeeds(xs_transaction_end(a, ta, false));
	ck_succeeds(xs_transaction_end(b, tb, false));
	ck_dir(a, XBT_NULL, "/dir", "one,two");
	ck_read(a, XBT_NULL, "/dir/one", "1");
	ck_read(a, XBT_NULL, "/dir/two/deep", "2");
}
END_TEST

START_TEST(test_empty)
{
	xs_transaction_t t = xs_transaction_start(a);

	ck_assert_uint_ne(t, 0);
	xwrite(b, XBT_NULL, "/v/x", "busy");
	ck_succeeds(xs_transaction_end(a, t, false));
	t = xs_transaction_start(a);
	ck_succeeds(xs_transaction_end(a, t, true));
	ck_read(a, XBT_NULL, "/v/x", "busy");
}
END_TEST

START_TEST(test_read_only)
{
	xs_transaction_t t = xs_transaction_start(a);

	/* Its read changed: EAGAIN. */
	ck_read(a, t, "/v/x", "a");
	xwrite(b, XBT_NULL, "/v/x", "b");
	ck_fails(xs_transaction_end(a, t, false), EAGAIN);
	/* Something else changed: fine. */
	t = xs_transaction_start(a);
	ck_read(a, t, "/v/x", "b");
	xwrite(b, XBT_NULL, "/v/elsewhere", "b");
	ck_succeeds(xs_transaction_end(a, t, false));
	ck_read(a, XBT_NULL, "/v/x", "b");
}
END_TEST

/* After END the id is unknown, whatever END answered. */
static void
ck_gone(int fd, uint32_t id)
{
	struct rmsg m;

	raw_req(fd, XS_READ, id, &m, "/v/x", NULL);
	ck_rerr(&m, "ENOENT");
	raw_req(fd, XS_TRANSACTION_END, id, &m, "T", NULL);
	ck_rerr(&m, "ENOENT");
	raw_req(fd, XS_TRANSACTION_END, id, &m, "F", NULL);
	ck_rerr(&m, "ENOENT");
}

START_TEST(test_gone_after_end)
{
	struct rmsg m;
	int fd = raw_open();
	xs_transaction_t t;

	/* Commit. */
	raw_req(fd, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rstr(&m, XS_TRANSACTION_START, "1");
	raw_call(fd, XS_WRITE, 1, "/v/g\0" "1", 6, &m);
	ck_rstr(&m, XS_WRITE, "OK");
	raw_req(fd, XS_TRANSACTION_END, 1, &m, "T", NULL);
	ck_rstr(&m, XS_TRANSACTION_END, "OK");
	ck_gone(fd, 1);
	/* Abort. */
	raw_req(fd, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rstr(&m, XS_TRANSACTION_START, "2");
	raw_req(fd, XS_TRANSACTION_END, 2, &m, "F", NULL);
	ck_rstr(&m, XS_TRANSACTION_END, "OK");
	ck_gone(fd, 2);
	/* EAGAIN. */
	raw_req(fd, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rstr(&m, XS_TRANSACTION_START, "3");
	raw_req(fd, XS_READ, 3, &m, "/v/x", NULL);
	ck_rbytes(&m, XS_READ, "a", 1);
	xwrite(b, XBT_NULL, "/v/x", "b");
	raw_req(fd, XS_TRANSACTION_END, 3, &m, "T", NULL);
	ck_rerr(&m, "EAGAIN");
	ck_gone(fd, 3);
	/* A bad END payload does not end it. */
	raw_req(fd, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rstr(&m, XS_TRANSACTION_START, "4");
	raw_req(fd, XS_TRANSACTION_END, 4, &m, "maybe", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_READ, 4, &m, "/v/x", NULL);
	ck_rbytes(&m, XS_READ, "b", 1);
	raw_req(fd, XS_TRANSACTION_END, 4, &m, "F", NULL);
	ck_rstr(&m, XS_TRANSACTION_END, "OK");
	ck_gone(fd, 4);
	/* Ids are not reused while open; START skips open ids. */
	raw_req(fd, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rstr(&m, XS_TRANSACTION_START, "5");
	close(fd);
	/* libxenstore sees ENOENT for a second END. */
	t = xs_transaction_start(a);
	ck_succeeds(xs_transaction_end(a, t, false));
	ck_fails(xs_transaction_end(a, t, false), ENOENT);
}
END_TEST

START_TEST(test_retry_counter)
{
	int i, attempt, eagain = 0;

	/*
	 * Two clients increment one counter with the usual retry loop,
	 * interleaved so that every other attempt of `a` conflicts.
	 */
	xwrite(a, XBT_NULL, "/cnt", "0");
	for (i = 0; i < 20; i++) {
		for (attempt = 0;; attempt++) {
			xs_transaction_t t = xs_transaction_start(a);
			unsigned len;
			char *v = xs_read(a, t, "/cnt", &len), nv[16];

			ck_assert_ptr_nonnull(v);
			snprintf(nv, sizeof(nv), "%d", atoi(v) + 1);
			free(v);
			if (attempt == 0 && i % 2 == 0) {
				/* b increments meanwhile, outside */
				unsigned l2;
				char *w = xs_read(b, XBT_NULL, "/cnt", &l2);
				char bv[16];

				snprintf(bv, sizeof(bv), "%d", atoi(w) + 1);
				free(w);
				xwrite(b, XBT_NULL, "/cnt", bv);
			}
			xwrite(a, t, "/cnt", nv);
			if (xs_transaction_end(a, t, false))
				break;
			ck_assert_int_eq(errno, EAGAIN);
			ck_assert_int_lt(attempt, 3);
			eagain++;
		}
	}
	ck_assert_int_eq(eagain, 10);
	ck_read(b, XBT_NULL, "/cnt", "30");
}
END_TEST

START_TEST(test_unprivileged)
{
	struct xs_handle *u;
	xs_transaction_t t;

	xmkdir(a, XBT_NULL, "/local/domain/5");
	ck_succeeds(xperms(a, XBT_NULL, "/local/domain/5", "n5", NULL));
	u = xs_as(5);
	t = xs_transaction_start(u);
	ck_assert_uint_ne(t, 0);
	xwrite(u, t, "data/a", "1");
	xwrite(u, t, "data/b", "2");
	ck_read_err(u, t, "/v/x", EACCES);
	ck_fails(xs_write(u, t, "/v/x", "no", 2), EACCES);
	ck_read_err(a, XBT_NULL, "/local/domain/5/data", ENOENT);
	ck_succeeds(xs_transaction_end(u, t, false));
	ck_perms(a, XBT_NULL, "/local/domain/5/data/a", "n5");
	ck_dir(u, XBT_NULL, "data", "a,b");
	/* Its transactions are its own: another connection's id fails. */
	t = xs_transaction_start(u);
	ck_read_err(a, t, "/v/x", ENOENT);
	ck_succeeds(xs_transaction_end(u, t, true));
	xs_close(u);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("transactions");
	TCase *tc = tcase_create("transactions");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tcase_add_test(tc, test_visibility);
	tcase_add_test(tc, test_others_commit_invisible);
	tcase_add_test(tc, test_abort);
	tcase_add_test(tc, test_conflict);
	tcase_add_test(tc, test_conflict_removed);
	tcase_add_test(tc, test_disjoint);
	tcase_add_test(tc, test_create_siblings);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_read_only);
	tcase_add_test(tc, test_gone_after_end);
	tcase_add_test(tc, test_retry_counter);
	tcase_add_test(tc, test_unprivileged);
	return itest_run(s);
}
