/*
 * check_txn.c: unit tests of libtrie transactions: visibility, each of
 * the commit paths (swap, graft, replay, read-only), true and false
 * conflicts, the change log and accounting delta of a commit, and the
 * sticky error.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/failalloc.h"
#include "trie.h"

static struct trie_ctx *cx;
static struct trie_node *root;
static const struct trie_perm P0 = { 0, 1, 0 };

static void
setup(void)
{
	ck_assert_int_eq(trie_ctx_new(NULL, 7, &cx), 0);
	ck_assert_int_eq(trie_new_root(cx, &P0, 1, &root), 0);
}

static void
teardown(void)
{
	trie_unref(cx, root);
	ck_assert_uint_eq(trie_ctx_live_nodes(cx), 0);
	ck_assert_uint_eq(trie_ctx_live_bytes(cx), 0);
	trie_ctx_free(&cx);
}

static void
put(const char *path, const char *v)
{
	struct trie_node *nr;

	ck_assert_int_eq(trie_write(cx, root, path, v, strlen(v),
	    TRIE_INHERIT, NULL, &nr), 0);
	trie_unref(cx, root);
	root = nr;
}

static int
node_is(const struct trie_node *n, const char *v)
{
	size_t len;
	const void *got;

	if (n == NULL)
		return v == NULL;
	if (v == NULL)
		return 0;
	got = trie_node_value(n, &len);
	return len == strlen(v) && memcmp(got, v, len) == 0;
}

static const char *
val_in(const struct trie_node *r, const char *path)
{
	static char buf[64];
	const struct trie_node *n = trie_get(cx, r, path);
	size_t len;
	const void *v;

	if (n == NULL)
		return "(missing)";
	v = trie_node_value(n, &len);
	snprintf(buf, sizeof(buf), "%.*s", (int)len, (const char *)v);
	return buf;
}

/* Commit tx against root; on success publish.  Returns rc. */
static int
commit(struct trie_txn **tx, enum trie_commit_how *how, struct trie_log *log)
{
	struct trie_node *nr;
	int rc = trie_txn_commit(cx, *tx, root, log, &nr, how);

	if (rc == 0) {
		trie_unref(cx, root);
		root = nr;
	}
	trie_txn_free(cx, tx);
	return rc;
}

START_TEST(isolation_both_ways)
{
	struct trie_txn *tx;
	const struct trie_node *n;
	enum trie_commit_how how;

	put("/a", "1");
	ck_assert_int_eq(trie_txn_begin(cx, root, &tx), 0);
	ck_assert_int_eq(trie_txn_write(cx, tx, "/a", "2", 1, TRIE_INHERIT),
	    0);
	/* the transaction sees its write, the store does not */
	ck_assert_int_eq(trie_txn_get(cx, tx, "/a", TRIE_OBS_VALUE, &n), 0);
	ck_assert(node_is(n, "2"));
	ck_assert_str_eq(val_in(root, "/a"), "1");
	/* a later commit by someone else is invisible inside */
	put("/b", "x");
	ck_assert_int_eq(trie_txn_get(cx, tx, "/b", TRIE_OBS_EXISTS, &n), 0);
	ck_assert_ptr_null(n);
	ck_assert_int_eq(commit(&tx, &how, NULL), -EAGAIN);
}
END_TEST

START_TEST(swap_when_nobody_committed)
{
	struct trie_txn *tx;
	enum trie_commit_how how;
	struct trie_log log;

	trie_log_init(&log, cx);
	ck_assert_int_eq(trie_txn_begin(cx, root, &tx), 0);
	ck_assert_int_eq(trie_txn_write(cx, tx, "/x/y", "v", 1, 3), 0);
	ck_assert_int_eq(commit(&tx, &how, &log), 0);
	ck_assert_int_eq(how, TRIE_COMMIT_SWAP);
	ck_assert_str_eq(val_in(root, "/x/y"), "v");
	ck_assert_uint_eq(log.n, 1);
	ck_assert_str_eq(log.ch[0].path, "/x/y");
	ck_assert_int_eq(trie_acct_get(&log.delta, 3).nodes, 2);
	trie_log_fini(&log);
}
END_TEST

/* Worked example 1 of trie_txn.c: disjoint writers graft. */
START_TEST(graft_for_disjoint_writers)
{
	struct trie_txn *tx;
	enum trie_commit_how how;
	const struct trie_node *b_before;

	put("/a/x", "1");
	put("/b/y", "2");
	ck_assert_int_eq(trie_txn_begin(cx, root, &tx), 0);
	ck_assert_int_eq(trie_txn_write(cx, tx, "/a/x", "5", 1, TRIE_INHERIT),
	    0);
	put("/b/y", "3");
	b_before = trie_get(cx, root, "/b");
	ck_assert_int_eq(commit(&tx, &how, NULL), 0);
	ck_assert_int_eq(how, TRIE_COMMIT_GRAFT);
	ck_assert_str_eq(val_in(root, "/a/x"), "5");
	ck_assert_str_eq(val_in(root, "/b/y"), "3");
	ck_assert_ptr_eq(trie_get(cx, root, "/b"), b_before);
}
END_TEST

/* Worked example 2: a real read-write conflict. */
START_TEST(eagain_on_true_conflict)
{
	struct trie_txn *tx;
	enum trie_commit_how how;
	const struct trie_node *n;

	put("/a/x", "1");
	ck_assert_int_eq(trie_txn_begin(cx, root, &tx), 0);
	ck_assert_int_eq(trie_txn_get(cx, tx, "/a/x", TRIE_OBS_VALUE, &n), 0);
	ck_assert_int_eq(trie_txn_write(cx, tx, "/b/z", "1", 1, TRIE_INHERIT),
	    0);
	put("/a/x", "7");
	ck_assert_int_eq(commit(&tx, &how, NULL), -EAGAIN);
	ck_assert_str_eq(val_in(root, "/b/z"), "(missing)");
	ck_assert_str_eq(val_in(root, "/a/x"), "7");
}
END_TEST

/* Worked example 3: creations under one parent do not conflict. */
START_TEST(creates_under_one_parent_both_commit)
{
	struct trie_txn *t1, *t2;
	enum trie_commit_how how;
	const struct trie_node *n;
	size_t m;

	put("/a", "");
	ck_assert_int_eq(trie_txn_begin(cx, root, &t1), 0);
	ck_assert_int_eq(trie_txn_begin(cx, root, &t2), 0);
	/* each checks /a's permissions, as the daemon does, then creates */
	ck_assert_int_eq(trie_txn_get_deepest(cx, t1, "/a/n1", TRIE_OBS_PERMS,
	    &n, &m), 0);
	ck_assert_int_eq(trie_txn_write(cx, t1, "/a/n1", "1", 1, 1), 0);
	ck_assert_int_eq(trie_txn_get_deepest(cx, t2, "/a/n2", TRIE_OBS_PERMS,
	    &n, &m), 0);
	ck_assert_int_eq(trie_txn_write(cx, t2, "/a/n2", "2", 1, 2), 0);
	ck_assert_int_eq(commit(&t2, &how, NULL), 0);
	ck_assert_int_eq(how, TRIE_COMMIT_SWAP);
	ck_assert_int_eq(commit(&t1, &how, NULL), 0);
	ck_assert_int_eq(how, TRIE_COMMIT_REPLAY);
	ck_assert_str_eq(val_in(root, "/a/n1"), "1");
	ck_assert_str_eq(val_in(root, "/a/n2"), "2");
}
END_TEST

/* But one that listed the directory depends on its children. */
START_TEST(listing_conflicts_with_new_child)
{
	struct trie_txn *tx;
	enum trie_commit_how how;
	const struct trie_node *n;

	put("/a/k", "");
	ck_assert_int_eq(trie_txn_begin(cx, root, &tx), 0);
	ck_assert_int_eq(trie_txn_get(cx, tx, "/a", TRIE_OBS_CHILDREN, &n), 0);
	ck_assert_int_eq(trie_txn_write(cx, tx, "/a/k", "1", 1, TRIE_INHERIT),
	    0);
	put("/a/other", "");
	ck_assert_int_eq(commit(&tx, &how, NULL), -EAGAIN);
}
END_TEST

/* Worked example 4: blind writes serialize. */
START_TEST(blind_writes_serialize)
{
	struct trie_txn *tx;
	enum trie_commit_how how;
	const struct trie_node *n;

	put("/a/x", "0");
	ck_assert_int_eq(trie_txn_begin(cx, root, &tx), 0);
	ck_assert_int_eq(trie_txn_get(cx, tx, "/a/x", TRIE_OBS_PERMS, &n), 0);
	ck_assert_int_eq(trie_txn_write(cx, tx, "/a/x", "5", 1, TRIE_INHERIT),
	    0);
	put("/a/x", "6");
	ck_assert_int_eq(commit(&tx, &how, NULL), 0);
	ck_assert_int_eq(how, TRIE_COMMIT_REPLAY);
	ck_assert_str_eq(val_in(root, "/a/x"), "5");
}
END_TEST

START_TEST(changed_back_is_not_a_conflict)
{
	struct trie_txn *tx;
	enum trie_commit_how how;
	const struct trie_node *n;

	put("/a", "1");
	ck_assert_int_eq(trie_txn_begin(cx, root, &tx), 0);
	ck_assert_int_eq(trie_txn_get(cx, tx, "/a", TRIE_OBS_VALUE, &n), 0);
	ck_assert_int_eq(trie_txn_write(cx, tx, "/b", "x", 1, TRIE_INHERIT),
	    0);
	put("/a", "2");
	put("/a", "1");
	ck_assert_int_eq(commit(&tx, &how, NULL), 0);
	ck_assert_int_eq(how, TRIE_COMMIT_REPLAY);
}
END_TEST

START_TEST(read_only_transactions)
{
	struct trie_txn *tx;
	enum trie_commit_how how;
	const struct trie_node *n;

	put("/a", "1");
	ck_assert_int_eq(trie_txn_begin(cx, root, &tx), 0);
	ck_assert_int_eq(trie_txn_get(cx, tx, "/a", TRIE_OBS_VALUE, &n), 0);
	put("/elsewhere", "x");
	ck_assert_int_eq(commit(&tx, &how, NULL), 0);
	ck_assert_int_eq(how, TRIE_COMMIT_NOOP);
	ck_assert_int_eq(trie_txn_begin(cx, root, &tx), 0);
	ck_assert_int_eq(trie_txn_get(cx, tx, "/a", TRIE_OBS_VALUE, &n), 0);
	put("/a", "2");
	ck_assert_int_eq(commit(&tx, &how, NULL), -EAGAIN);
}
END_TEST

static int
count_step(void *arg, const struct trie_step *st)
{
	(void)st;
	++*(int *)arg;
	return 0;
}

/*
 * Malformed paths and values too big: EINVAL before E2BIG, as outside a
 * transaction; nothing recorded, the transaction still usable.
 */
START_TEST(bad_writes_record_nothing)
{
	static const char *const bad[] = { "", "a", "//", "/a/", "/a//b" };
	struct trie_txn *tx;
	enum trie_commit_how how;
	size_t i;
	int steps = 0;

	ck_assert_int_eq(trie_txn_begin(cx, root, &tx), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(trie_txn_write(cx, tx, bad[i], "v", 1,
		    TRIE_INHERIT), -EINVAL);
		ck_assert_int_eq(trie_txn_write(cx, tx, bad[i], "v",
		    TRIE_VALUE_MAX + 1, TRIE_INHERIT), -EINVAL);
		ck_assert_int_eq(trie_txn_mkdir(cx, tx, bad[i],
		    TRIE_INHERIT), -EINVAL);
	}
	ck_assert_int_eq(trie_txn_write(cx, tx, "/ok", "v",
	    TRIE_VALUE_MAX + 1, TRIE_INHERIT), -E2BIG);
	trie_txn_foreach_step(tx, count_step, &steps);
	ck_assert_int_eq(steps, 0);
	ck_assert_int_eq(trie_txn_write(cx, tx, "/ok", "v", 1, TRIE_INHERIT),
	    0);
	ck_assert_int_eq(commit(&tx, &how, NULL), 0);
	ck_assert_str_eq(val_in(root, "/ok"), "v");
}
END_TEST

START_TEST(rm_and_set_perms_in_transaction)
{
	struct trie_perm p = { 4, 2, 0 };
	struct trie_txn *tx;
	enum trie_commit_how how;
	struct trie_log log;

	put("/a/b/c", "1");
	trie_log_init(&log, cx);
	ck_assert_int_eq(trie_txn_begin(cx, root, &tx), 0);
	ck_assert_int_eq(trie_txn_rm(cx, tx, "/x/y"), -ENOENT);
	ck_assert_int_eq(trie_txn_rm(cx, tx, "/"), -EINVAL);
	ck_assert_int_eq(trie_txn_set_perms(cx, tx, "/nope", &p, 1), -ENOENT);
	ck_assert_int_eq(trie_txn_set_perms(cx, tx, "/a", &p, 1), 0);
	ck_assert_int_eq(trie_txn_rm(cx, tx, "/a/b"), 0);
	ck_assert_int_eq(commit(&tx, &how, &log), 0);
	ck_assert_ptr_null(trie_get(cx, root, "/a/b"));
	ck_assert_uint_eq(trie_node_owner(trie_get(cx, root, "/a")), 4);
	/* perms of /a, then /a/b/c and /a/b removed */
	ck_assert_uint_eq(log.n, 3);
	ck_assert_int_eq(log.ch[0].kind, TRIE_CH_PERMS);
	ck_assert_int_eq(log.ch[1].kind, TRIE_CH_RM_CHILD);
	ck_assert_int_eq(log.ch[2].kind, TRIE_CH_RM);
	ck_assert_int_eq(trie_acct_get(&log.delta, 0).nodes, -3);
	ck_assert_int_eq(trie_acct_get(&log.delta, 4).nodes, 1);
	trie_log_fini(&log);
}
END_TEST

/* A parent created after a failed rm saw it missing: the reply differs. */
START_TEST(enoent_observation_conflicts)
{
	struct trie_txn *tx;
	enum trie_commit_how how;

	ck_assert_int_eq(trie_txn_begin(cx, root, &tx), 0);
	ck_assert_int_eq(trie_txn_rm(cx, tx, "/p/q"), -ENOENT);
	ck_assert_int_eq(trie_txn_write(cx, tx, "/z", "", 0, TRIE_INHERIT), 0);
	put("/p", "");
	ck_assert_int_eq(commit(&tx, &how, NULL), -EAGAIN);
}
END_TEST

START_TEST(graft_delta_counts_created_nodes)
{
	struct trie_txn *tx;
	enum trie_commit_how how;
	struct trie_log log;
	const struct trie_node *n;
	size_t m;

	put("/a", "");
	trie_log_init(&log, cx);
	ck_assert_int_eq(trie_txn_begin(cx, root, &tx), 0);
	ck_assert_int_eq(trie_txn_get_deepest(cx, tx, "/a/b/c", TRIE_OBS_PERMS,
	    &n, &m), 0);
	ck_assert_int_eq(trie_txn_write(cx, tx, "/a/b/c", "v", 1, 6), 0);
	ck_assert_int_eq(trie_acct_get(trie_txn_delta(tx), 6).nodes, 2);
	put("/q", "");	/* someone else commits: not a swap */
	ck_assert_int_eq(commit(&tx, &how, &log), 0);
	ck_assert_int_eq(how, TRIE_COMMIT_GRAFT);
	ck_assert_int_eq(trie_acct_get(&log.delta, 6).nodes, 2);
	trie_log_fini(&log);
}
END_TEST

START_TEST(sticky_error_after_enomem)
{
	struct failalloc fa;
	struct trie_ctx *c2;
	struct trie_node *r, *nr = NULL;
	struct trie_txn *tx;
	const struct trie_node *n;
	int rc = 0;
	uint64_t k;

	failalloc_init(&fa);
	ck_assert_int_eq(trie_ctx_new(&fa.a, 1, &c2), 0);
	ck_assert_int_eq(trie_new_root(c2, &P0, 1, &r), 0);
	for (k = 1; k < 100; k++) {
		ck_assert_int_eq(trie_txn_begin(c2, r, &tx), 0);
		failalloc_arm(&fa, k);
		rc = trie_txn_write(c2, tx, "/a/b", "v", 1, TRIE_INHERIT);
		failalloc_arm(&fa, 0);
		if (rc == 0) {
			trie_txn_free(c2, &tx);
			break;
		}
		ck_assert_int_eq(rc, -ENOMEM);
		ck_assert_int_eq(trie_txn_error(tx), -ENOMEM);
		ck_assert_int_eq(trie_txn_get(c2, tx, "/a", 0, &n), -ENOMEM);
		ck_assert_int_eq(trie_txn_commit(c2, tx, r, NULL, &nr, NULL),
		    -ENOMEM);
		ck_assert_ptr_null(nr);
		ck_assert_ptr_eq(trie_txn_root(tx), r);
		trie_txn_free(c2, &tx);
	}
	ck_assert_int_eq(rc, 0);
	trie_unref(c2, r);
	trie_ctx_free(&c2);
	ck_assert_int_eq(fa.live, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("txn");
	TCase *tc = tcase_create("commit");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, isolation_both_ways);
	tcase_add_test(tc, swap_when_nobody_committed);
	tcase_add_test(tc, graft_for_disjoint_writers);
	tcase_add_test(tc, eagain_on_true_conflict);
	tcase_add_test(tc, creates_under_one_parent_both_commit);
	tcase_add_test(tc, listing_conflicts_with_new_child);
	tcase_add_test(tc, blind_writes_serialize);
	tcase_add_test(tc, changed_back_is_not_a_conflict);
	tcase_add_test(tc, read_only_transactions);
	tcase_add_test(tc, rm_and_set_perms_in_transaction);
	tcase_add_test(tc, enoent_observation_conflicts);
	tcase_add_test(tc, graft_delta_counts_created_nodes);
	tcase_add_test(tc, sticky_error_after_enomem);
	tcase_add_test(tc, bad_writes_record_nothing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
