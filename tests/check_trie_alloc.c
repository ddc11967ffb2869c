/*
 * check_trie_alloc.c: allocation-failure injection (after SQLite's
 * faultsim).  Every operation is run with its k-th allocation failing,
 * for k = 1, 2, ... until it succeeds; each failure must be a clean
 * -ENOMEM with the root unchanged, the log unchanged and no memory lost.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/failalloc.h"
#include "trie.h"

static struct failalloc fa;
static struct trie_ctx *cx;
static struct trie_node *root;
static const struct trie_perm P0 = { 0, 1, 0 };
static char deep[600];

static void
put(const char *path, const char *v)
{
	struct trie_node *nr;

	ck_assert_int_eq(trie_write(cx, root, path, v, strlen(v),
	    TRIE_INHERIT, NULL, &nr), 0);
	trie_unref(cx, root);
	root = nr;
}

/* A tree with a flat directory at the edge of the map threshold, a map
 * directory, and a path deeper than the walk's inline buffers. */
static void
setup(void)
{
	char path[64];
	size_t i, n = 0;

	failalloc_init(&fa);
	ck_assert_int_eq(trie_ctx_new(&fa.a, 3, &cx), 0);
	ck_assert_int_eq(trie_new_root(cx, &P0, 1, &root), 0);
	for (i = 0; i < 32; i++) {
		snprintf(path, sizeof(path), "/flat/k%zu", i);
		put(path, "v");
	}
	for (i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "/map/k%zu/x", i);
		put(path, "v");
	}
	for (i = 0; i < 40; i++) {
		deep[n++] = '/';
		deep[n++] = (char)('a' + i % 26);
	}
	deep[n] = '\0';
	put(deep, "deep");
}

static void
teardown(void)
{
	trie_unref(cx, root);
	ck_assert_uint_eq(trie_ctx_live_nodes(cx), 0);
	trie_ctx_free(&cx);
	ck_assert_int_eq(fa.live, 0);
}

/* Run setup work inside an armed operation without consuming its k. */
static uint64_t paused_at;

static void
pause_failures(void)
{
	paused_at = fa.fail_at ? fa.fail_at - fa.calls : 0;
	fa.fail_at = 0;
}

static void
resume_failures(void)
{
	fa.fail_at = paused_at ? fa.calls + paused_at : 0;
}

typedef int op_fn(struct trie_log *log, struct trie_node **out,
    const void *arg);

/*
 * Run `op` failing its k-th allocation for every k until it succeeds;
 * returns how many distinct failure points were exercised.
 */
static unsigned
inject(op_fn *op, const void *arg)
{
	unsigned k, failures = 0;

	for (k = 1; k < 100000; k++) {
		struct trie_log log;
		struct trie_acct delta;
		struct trie_node *out = NULL;
		int64_t live = fa.live;
		uint64_t nodes = trie_ctx_live_nodes(cx);
		size_t nlog;
		int rc;

		trie_log_init(&log, cx);
		trie_acct_init(&delta, cx);
		/* a non-empty log, to see that failures leave it intact */
		ck_assert_int_eq(trie_write(cx, root, "/flat/k0", "v", 1,
		    TRIE_INHERIT, &log, &out), 0);
		trie_unref(cx, out);
		out = NULL;
		nlog = log.n;
		ck_assert_int_eq(trie_acct_merge(&delta, &log.delta), 0);
		failalloc_arm(&fa, k);
		rc = op(&log, &out, arg);
		failalloc_arm(&fa, 0);
		if (rc == 0) {
			if (out != NULL) {
				trie_unref(cx, root);
				root = out;
			}
			ck_assert_int_eq(trie__check(cx, root, NULL, 0), 0);
			trie_log_fini(&log);
			trie_acct_fini(&delta);
			return failures;
		}
		ck_assert_int_eq(rc, -ENOMEM);
		ck_assert_ptr_null(out);
		ck_assert_uint_eq(log.n, nlog);
		ck_assert(trie_acct_equal(&log.delta, &delta));
		ck_assert_uint_eq(trie_ctx_live_nodes(cx), nodes);
		ck_assert_int_eq(trie__check(cx, root, NULL, 0), 0);
		/* A log may keep grown capacity; once freed, nothing is left. */
		trie_log_fini(&log);
		trie_acct_fini(&delta);
		ck_assert_msg(fa.live == live, "leak of %lld bytes at k=%u",
		    (long long)(fa.live - live), k);
		failures++;
	}
	ck_abort_msg("operation never succeeded");
	return 0;
}

static int
op_write(struct trie_log *log, struct trie_node **out, const void *arg)
{
	return trie_write(cx, root, arg, "new", 3, 5, log, out);
}

static int
op_mkdir(struct trie_log *log, struct trie_node **out, const void *arg)
{
	return trie_mkdir(cx, root, arg, TRIE_INHERIT, log, out);
}

static int
op_rm(struct trie_log *log, struct trie_node **out, const void *arg)
{
	return trie_rm(cx, root, arg, log, out);
}

static int
op_perms(struct trie_log *log, struct trie_node **out, const void *arg)
{
	static const struct trie_perm p[3] = { { 9, 0, 0 }, { 1, 1, 0 },
	    { 2, 2, 0 } };

	return trie_set_perms(cx, root, arg, p, 3, log, out);
}

static int
op_graft(struct trie_log *log, struct trie_node **out, const void *arg)
{
	struct trie_node *other, *nr;
	int rc;

	(void)log;
	(void)arg;
	/* build the version to graft from without failures */
	pause_failures();
	rc = trie_write(cx, root, "/map/k7/x", "g", 1, TRIE_INHERIT, NULL,
	    &other);
	resume_failures();
	ck_assert_int_eq(rc, 0);
	rc = trie_graft(cx, root, "/map",
	    (struct trie_node *)(uintptr_t)trie_get(cx, other, "/map"), &nr);
	trie_unref(cx, other);
	if (rc == 0)
		*out = nr;
	return rc;
}

static int
op_recount(struct trie_log *log, struct trie_node **out, const void *arg)
{
	struct trie_acct a;
	int rc;

	(void)log;
	(void)out;
	(void)arg;
	trie_acct_init(&a, cx);
	rc = trie_acct_recount(cx, root, &a);
	trie_acct_fini(&a);
	return rc;
}

static int
count_diff(void *arg, const char *path, const struct trie_node *a,
    const struct trie_node *b)
{
	(void)path;
	(void)a;
	(void)b;
	(*(int *)arg)++;
	return 0;
}

static int
op_diff(struct trie_log *log, struct trie_node **out, const void *arg)
{
	struct trie_node *other;
	int rc, n = 0;

	(void)log;
	(void)out;
	(void)arg;
	pause_failures();
	ck_assert_int_eq(trie_write(cx, root, "/map/k9/y", "d", 1,
	    TRIE_INHERIT, NULL, &other), 0);
	resume_failures();
	rc = trie_diff(cx, root, other, count_diff, &n);
	trie_unref(cx, other);
	return rc;
}

/* A whole transaction, with the failure anywhere inside it. */
struct txn_case {
	bool concurrent;	/* someone commits before ours */
	bool same_subtree;	/* ... under our write path: replay */
};

static int
op_txn(struct trie_log *log, struct trie_node **out, const void *arg)
{
	const struct txn_case *tc = arg;
	struct trie_txn *tx = NULL;
	struct trie_node *cur = trie_ref(root), *nr;
	const struct trie_node *n;
	size_t m;
	int rc;

	rc = trie_txn_begin(cx, root, &tx);
	if (rc == 0)
		rc = trie_txn_get_deepest(cx, tx, "/map/new/z", TRIE_OBS_PERMS,
		    &n, &m);
	if (rc == 0)
		rc = trie_txn_write(cx, tx, "/map/new/z", "t", 1, 4);
	if (rc == 0)
		rc = trie_txn_rm(cx, tx, "/map/k3");
	if (rc == 0)
		rc = trie_txn_get(cx, tx, "/map", TRIE_OBS_PERMS, &n);
	if (rc == 0 && tc->concurrent) {
		pause_failures();
		ck_assert_int_eq(trie_write(cx, cur, tc->same_subtree ?
		    "/map/k50/x" : "/flat/k5", "c", 1, TRIE_INHERIT, NULL,
		    &nr), 0);
		resume_failures();
		trie_unref(cx, cur);
		cur = nr;
	}
	if (rc == 0)
		rc = trie_txn_commit(cx, tx, cur, log, out, NULL);
	trie_txn_free(cx, &tx);
	trie_unref(cx, cur);
	return rc;
}

START_TEST(updates_fail_cleanly)
{
	ck_assert_uint_gt(inject(op_write, "/new/a/b/c"), 3);
	ck_assert_uint_gt(inject(op_write, "/flat/k32"), 1);	/* to map */
	ck_assert_uint_gt(inject(op_write, "/map/k5/x"), 1);
	ck_assert_uint_gt(inject(op_write, deep), 1);
	ck_assert_uint_gt(inject(op_mkdir, "/m/n/o"), 1);
	ck_assert_uint_gt(inject(op_rm, "/map"), 1);
	ck_assert_uint_gt(inject(op_perms, "/flat/k3"), 1);
}
END_TEST

START_TEST(map_shrink_fails_cleanly)
{
	char path[32];
	int i;

	for (i = 0; i < 183; i++) {
		snprintf(path, sizeof(path), "/map/k%d", i);
		ck_assert_uint_gt(inject(op_rm, path), 0);
	}
	ck_assert_uint_gt(inject(op_rm, "/map/k190"), 0);	/* to flat */
}
END_TEST

START_TEST(walks_fail_cleanly)
{
	ck_assert_uint_gt(inject(op_graft, NULL), 0);
	ck_assert_uint_gt(inject(op_recount, NULL), 0);
	ck_assert_uint_gt(inject(op_diff, NULL), 0);
}
END_TEST

START_TEST(transactions_fail_cleanly)
{
	static const struct txn_case swap = { false, false };
	static const struct txn_case graft = { true, false };
	static const struct txn_case replay = { true, true };

	ck_assert_uint_gt(inject(op_txn, &swap), 5);
	ck_assert_uint_gt(inject(op_txn, &graft), 5);
	ck_assert_uint_gt(inject(op_txn, &replay), 5);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("trie_alloc");
	TCase *tc = tcase_create("faultsim");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, updates_fail_cleanly);
	tcase_add_test(tc, map_shrink_fails_cleanly);
	tcase_add_test(tc, walks_fail_cleanly);
	tcase_add_test(tc, transactions_fail_cleanly);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
