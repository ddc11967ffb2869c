/*
 * check_daemon_txn.c: unit tests of the daemon's transaction table,
 * xenstored/txn.c (links txn.c and libtrie; the connection is a struct
 * conn filled by hand, no conn.c).  Ids start at 1, never 0, never one
 * still open, also when the per-connection counter wraps; txn_find and
 * txn_end; txn_touch counts distinct paths, across its table's growth.
 * (tests/check_txn.c is libtrie's transaction test.)
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "txn.h"

static struct trie_ctx *cx;
static struct trie_node *root;
static struct conn c;

static void
setup(void)
{
	static const struct trie_perm p0 = { 0, 0, 0 };

	ck_assert_int_eq(trie_ctx_new(NULL, 1, &cx), 0);
	ck_assert_int_eq(trie_new_root(cx, &p0, 1, &root), 0);
	memset(&c, 0, sizeof(c));
	TAILQ_INIT(&c.txns);
	TAILQ_INIT(&c.watches);
	c.next_txid = 1;	/* as conn_new sets it */
}

static void
teardown(void)
{
	struct txn *t;
	unsigned n = c.ntxns;

	/* Bounded by the count the table claims. */
	while (n-- > 0 && (t = TAILQ_FIRST(&c.txns)) != NULL)
		txn_end(cx, &c, t);
	ck_assert(TAILQ_EMPTY(&c.txns));
	ck_assert_uint_eq(c.ntxns, 0);
	txn_drop_spare(&c);
	trie_unref(cx, root);
	ck_assert_uint_eq(trie_ctx_live_nodes(cx), 0);
	trie_ctx_free(&cx);
}

static uint32_t
start(void)
{
	struct txn *t = NULL;

	ck_assert_int_eq(txn_start(cx, &c, root, &t), 0);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(t->tx);
	ck_assert_uint_ne(t->id, 0);
	ck_assert_ptr_eq(txn_find(&c, t->id), t);
	return t->id;
}

START_TEST(ids_from_one)
{
	struct txn *t;

	ck_assert_uint_eq(start(), 1);
	ck_assert_uint_eq(start(), 2);
	ck_assert_uint_eq(start(), 3);
	ck_assert_uint_eq(c.ntxns, 3);
	/* Each sees the root it started on. */
	t = txn_find(&c, 2);
	ck_assert_ptr_eq(trie_txn_root(t->tx), root);
	ck_assert_int_eq(t->failed, 0);
	ck_assert_ptr_null(txn_find(&c, 0));
	ck_assert_ptr_null(txn_find(&c, 4));
	/* An ended id is not reused until the counter comes round. */
	txn_end(cx, &c, txn_find(&c, 2));
	ck_assert_ptr_null(txn_find(&c, 2));
	ck_assert_uint_eq(c.ntxns, 2);
	ck_assert_uint_eq(start(), 4);
	ck_assert_ptr_nonnull(txn_find(&c, 1));
	ck_assert_ptr_nonnull(txn_find(&c, 3));
}
END_TEST

/* A zeroed counter (a struct conn not made by conn_new) skips 0. */
START_TEST(zero_is_skipped)
{
	c.next_txid = 0;
	ck_assert_uint_eq(start(), 1);
	ck_assert_uint_eq(start(), 2);
}
END_TEST

START_TEST(wrap_around_skips_zero_and_open_ids)
{
	/* Open 1, 2, 3, then end 2. */
	ck_assert_uint_eq(start(), 1);
	ck_assert_uint_eq(start(), 2);
	ck_assert_uint_eq(start(), 3);
	txn_end(cx, &c, txn_find(&c, 2));
	/* The counter about to wrap: 0xfffffffe, 0xffffffff, then (not 0,
	 * not 1: open) 2, (not 3: open) 4. */
	c.next_txid = 0xfffffffeu;
	ck_assert_uint_eq(start(), 0xfffffffeu);
	ck_assert_uint_eq(start(), 0xffffffffu);
	ck_assert_uint_eq(start(), 2);
	ck_assert_uint_eq(start(), 4);
	ck_assert_uint_eq(c.ntxns, 6);
	/* The open ones at the top are skipped when it comes round again. */
	c.next_txid = 0xfffffffeu;
	ck_assert_uint_eq(start(), 5);
	ck_assert_uint_eq(c.ntxns, 7);
}
END_TEST

START_TEST(touch_counts_distinct_paths)
{
	struct txn *t;

	start();
	t = txn_find(&c, 1);
	ck_assert_int_eq(txn_touch(t, "/a", 42), 1);
	ck_assert_int_eq(txn_touch(t, "/a", 42), 1);
	ck_assert_int_eq(txn_touch(t, "/b", 42), 2);
	ck_assert_int_eq(txn_touch(t, "/a/b", 42), 3);
	ck_assert_int_eq(txn_touch(t, "/", 42), 4);
	ck_assert_int_eq(txn_touch(t, "/b", 42), 4);
	ck_assert_int_eq(txn_touch(t, "/a/", 42), 5);	/* just a string */
	/* Each transaction counts its own. */
	start();
	ck_assert_int_eq(txn_touch(txn_find(&c, 2), "/a", 42), 1);
	ck_assert_int_eq(txn_touch(t, "/a", 42), 5);
}
END_TEST

/* Many paths: the table grows several times and forgets nothing. */
START_TEST(touch_growth)
{
	enum { N = 5000 };
	char path[64];
	struct txn *t;
	long i;

	start();
	t = txn_find(&c, 1);
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/local/domain/%ld/x", i);
		ck_assert_int_eq(txn_touch(t, path, 42), i + 1);
	}
	ck_assert_uint_ge(t->captouched, 2 * (size_t)N);
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/local/domain/%ld/x", i);
		ck_assert_int_eq(txn_touch(t, path, 42), N);
	}
	ck_assert_int_eq(txn_touch(t, "/new", 42), N + 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("daemon_txn");
	TCase *tc = tcase_create("txn");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ids_from_one);
	tcase_add_test(tc, zero_is_skipped);
	tcase_add_test(tc, wrap_around_skips_zero_and_open_ids);
	tcase_add_test(tc, touch_counts_distinct_paths);
	tcase_add_test(tc, touch_growth);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
