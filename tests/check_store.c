/*
 * check_store.c: unit tests of store.c (links store.c and libtrie): the
 * initial tree of the 4.17 C daemon ("/", "/tool", "/tool/xenstored",
 * n<priv>, 3 nodes charged to priv) and the two special permission
 * lists; store_publish (accounting merged from the log equals a recount,
 * published-version counter, no-op publish); store_special_index and
 * store_set_special.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define STALE 0x1	/* perms.h's PERM_F_STALE: the store only copies it */

static struct store st;

static void
teardown(void)
{
	store_fini(&st);
	ck_assert_ptr_null(st.cx);
	/* A second fini is harmless. */
	store_fini(&st);
}

/* The C daemon's record size: 16 + 8/perm + value + child names + path. */
static int64_t
record_bytes(const struct trie_node *n, const char *path)
{
	size_t np, vl;

	trie_node_perms(n, &np);
	trie_node_value(n, &vl);
	return (int64_t)(16 + 8 * np + vl + trie_node_child_names_len(n) +
	    strlen(path));
}

static void
check_initial(unsigned priv)
{
	static const char *const paths[] = { "/", "/tool", "/tool/xenstored" };
	static const size_t kids[] = { 1, 1, 0 };
	int64_t bytes = 0;
	struct trie_acct recount;
	struct trie_acct_entry u;
	size_t i;

	for (i = 0; i < NELEM(paths); i++) {
		const struct trie_node *n = trie_get(st.cx, st.root, paths[i]);
		const struct trie_perm *p;
		size_t np, vl;

		ck_assert_msg(n != NULL, "%s missing", paths[i]);
		p = trie_node_perms(n, &np);
		ck_assert_uint_eq(np, 1);
		ck_assert_uint_eq(p[0].id, priv);
		ck_assert_uint_eq(p[0].mode, 0);	/* n: no access */
		ck_assert_uint_eq(p[0].flags, 0);
		trie_node_value(n, &vl);
		ck_assert_uint_eq(vl, 0);
		ck_assert_uint_eq(trie_node_nchildren(n), kids[i]);
		bytes += record_bytes(n, paths[i]);
	}
	ck_assert_ptr_nonnull(trie_get(st.cx, st.root, "/tool"));
	ck_assert_ptr_null(trie_get(st.cx, st.root, "/local"));
	/* The special paths are permission lists, not nodes. */
	ck_assert_ptr_null(trie_get(st.cx, st.root, "/@introduceDomain"));
	for (i = 0; i < SPECIAL_COUNT; i++) {
		ck_assert_uint_eq(st.special[i].n, 1);
		ck_assert_uint_eq(st.special[i].p[0].id, priv);
		ck_assert_uint_eq(st.special[i].p[0].mode, 0);
		ck_assert_uint_eq(st.special[i].p[0].flags, 0);
	}
	/* 3 nodes charged to priv, nothing to anyone else. */
	u = store_usage(&st, priv);
	ck_assert_int_eq(u.nodes, 3);
	ck_assert_int_eq(u.bytes, bytes);
	u = store_usage(&st, priv + 1);
	ck_assert_int_eq(u.nodes, 0);
	ck_assert_int_eq(u.bytes, 0);
	trie_acct_init(&recount, st.cx);
	ck_assert_int_eq(trie_acct_recount(st.cx, st.root, &recount), 0);
	ck_assert(trie_acct_equal(&recount, &st.acct));
	trie_acct_fini(&recount);
	ck_assert_int_eq(trie__check(st.cx, st.root, NULL, 0), 0);
}

START_TEST(initial_tree)
{
	ck_assert_int_eq(store_init(&st, 42, 0, false), 0);
	check_initial(0);
}
END_TEST

START_TEST(initial_tree_other_priv)
{
	ck_assert_int_eq(store_init(&st, 42, 7, false), 0);
	check_initial(7);
}
END_TEST

/* Write, check that usage follows the log and equals a recount. */
static void
publish_write(const char *path, const char *val, int creator)
{
	struct trie_node *nr;
	struct trie_log log;
	unsigned long long before = st.commits;

	trie_log_init(&log, st.cx);
	ck_assert_int_eq(trie_write(st.cx, st.root, path, val, strlen(val),
	    creator, &log, &nr), 0);
	ck_assert_int_eq(store_publish(&st, nr, &log), 0);
	ck_assert_ptr_eq(st.root, nr);
	ck_assert_uint_eq(st.commits, before + 1);
	trie_log_fini(&log);
}

static void
check_recount(void)
{
	struct trie_acct recount;

	trie_acct_init(&recount, st.cx);
	ck_assert_int_eq(trie_acct_recount(st.cx, st.root, &recount), 0);
	ck_assert(trie_acct_equal(&recount, &st.acct));
	trie_acct_fini(&recount);
}

START_TEST(publish_accounting)
{
	const struct trie_node *n;
	struct trie_node *nr;
	struct trie_log log;
	unsigned long long commits;
	uint64_t live;

	ck_assert_int_eq(store_init(&st, 42, 0, false), 0);
	/* Dom 5 creates two nodes (it owns what it creates). */
	publish_write("/local/domain/5/a", "xyz", 5);
	check_recount();
	ck_assert_int_eq(store_usage(&st, 5).nodes, 4);	/* local..a */
	n = trie_get(st.cx, st.root, "/local/domain/5/a");
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(store_usage(&st, 5).bytes,
	    record_bytes(n, "/local/domain/5/a") +
	    record_bytes(trie_get(st.cx, st.root, "/local/domain/5"),
	    "/local/domain/5") +
	    record_bytes(trie_get(st.cx, st.root, "/local/domain"),
	    "/local/domain") +
	    record_bytes(trie_get(st.cx, st.root, "/local"), "/local"));
	ck_assert_int_eq(store_usage(&st, 0).nodes, 3);
	publish_write("/local/domain/5/a", "longer value", 5);
	check_recount();

	/* A write that changes nothing returns the same root: no commit. */
	commits = st.commits;
	live = trie_ctx_live_nodes(st.cx);
	trie_log_init(&log, st.cx);
	ck_assert_int_eq(trie_write(st.cx, st.root, "/local/domain/5/a",
	    "longer value", 12, 5, &log, &nr), 0);
	ck_assert_ptr_eq(nr, st.root);
	ck_assert_int_eq(store_publish(&st, nr, &log), 0);
	trie_log_fini(&log);
	ck_assert_uint_eq(st.commits, commits);
	ck_assert_ptr_eq(st.root, nr);
	ck_assert_uint_eq(trie_ctx_live_nodes(st.cx), live);
	check_recount();

	/* Removal gives the charge back. */
	trie_log_init(&log, st.cx);
	ck_assert_int_eq(trie_rm(st.cx, st.root, "/local", &log, &nr), 0);
	ck_assert_int_eq(store_publish(&st, nr, &log), 0);
	trie_log_fini(&log);
	ck_assert_int_eq(store_usage(&st, 5).nodes, 0);
	ck_assert_int_eq(store_usage(&st, 5).bytes, 0);
	check_recount();
	ck_assert_uint_eq(st.commits, commits + 1);
}
END_TEST

/* Without a log the caller vouches there is no delta. */
START_TEST(publish_without_log)
{
	struct trie_node *nr;
	struct trie_acct_entry u;

	ck_assert_int_eq(store_init(&st, 42, 0, false), 0);
	u = store_usage(&st, 0);
	ck_assert_int_eq(trie_write(st.cx, st.root, "/tool", "v", 1,
	    TRIE_INHERIT, NULL, &nr), 0);
	ck_assert_int_eq(store_publish(&st, nr, NULL), 0);
	ck_assert_ptr_eq(st.root, nr);
	ck_assert_int_eq(store_usage(&st, 0).bytes, u.bytes);
}
END_TEST

static const struct special_case {
	const char *path;
	int idx;
} special_cases[] = {
	{ "@introduceDomain", SPECIAL_INTRODUCE },
	{ "@releaseDomain", SPECIAL_RELEASE },
	{ "@introduceDomain/5", -1 },
	{ "@releaseDomain/", -1 },
	{ "@introduce", -1 },
	{ "@releasedomain", -1 },
	{ "@", -1 },
	{ "/", -1 },
	{ "/@releaseDomain", -1 },
	{ "", -1 },
};

START_TEST(special_index)
{
	const struct special_case *sc = &special_cases[_i];

	ck_assert_int_eq(store_special_index(sc->path), sc->idx);
}
END_TEST

START_TEST(set_special)
{
	struct trie_perm p[3] = {
		{ 0, 0, 0 }, { 5, 1, 0 }, { 6, 3, STALE },
	};
	uint64_t gen, ctxgen;

	ck_assert_int_eq(store_init(&st, 42, 0, false), 0);
	gen = st.special[SPECIAL_RELEASE].gen;
	ctxgen = trie_ctx_gen(st.cx);
	ck_assert_int_eq(store_set_special(&st, SPECIAL_RELEASE, p, 3), 0);
	/* Newer than every node change so far (same counter as nodes). */
	ck_assert_uint_gt(st.special[SPECIAL_RELEASE].gen, ctxgen);
	/* Copied: the caller's array is its own. */
	p[1].id = 99;
	ck_assert_uint_eq(st.special[SPECIAL_RELEASE].n, 3);
	ck_assert_uint_eq(st.special[SPECIAL_RELEASE].p[1].id, 5);
	ck_assert_uint_eq(st.special[SPECIAL_RELEASE].p[1].mode, 1);
	ck_assert_uint_eq(st.special[SPECIAL_RELEASE].p[2].flags,
	    STALE);
	ck_assert_uint_gt(st.special[SPECIAL_RELEASE].gen, gen);
	/* The other list is untouched. */
	ck_assert_uint_eq(st.special[SPECIAL_INTRODUCE].n, 1);
	/* Each change bumps the generation again. */
	gen = st.special[SPECIAL_RELEASE].gen;
	ck_assert_int_eq(store_set_special(&st, SPECIAL_RELEASE, p, 1), 0);
	ck_assert_uint_eq(st.special[SPECIAL_RELEASE].n, 1);
	ck_assert_uint_gt(st.special[SPECIAL_RELEASE].gen, gen);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, initial_tree);
	tcase_add_test(tc, initial_tree_other_priv);
	tcase_add_test(tc, publish_accounting);
	tcase_add_test(tc, publish_without_log);
	tcase_add_loop_test(tc, special_index, 0, NELEM(special_cases));
	tcase_add_test(tc, set_special);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
