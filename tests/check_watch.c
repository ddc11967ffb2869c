/*
 * check_watch.c: unit tests of the watch registry, watch.c (links watch.c
 * only; a connection is only a pointer to it, so the test defines its own
 * struct conn): identity (path, token) per connection, EEXIST, ENOENT,
 * removing all of a connection's watches, growth of the hash table past
 * its initial size, matching (exact, subtree, every ancestor up to "/",
 * '@' paths, depth limits) and watches_check.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watch.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The registry never looks inside a connection. */
struct conn {
	const char *name;
};

static struct conn conn_a = { "a" }, conn_b = { "b" };
static struct watches w;
static struct watch_list la, lb;

static void
setup(void)
{
	ck_assert_int_eq(watches_init(&w, 7), 0);
	TAILQ_INIT(&la);
	TAILQ_INIT(&lb);
}

static void
teardown(void)
{
	watches_del_all(&w, &la);
	watches_del_all(&w, &lb);
	ck_assert_uint_eq(w.count, 0);
	ck_assert_int_eq(watches_check(&w, 0), 0);
	watches_fini(&w);
}

static size_t
list_len(const struct watch_list *l)
{
	const struct watch *wt;
	size_t n = 0;

	TAILQ_FOREACH(wt, l, conn_link)
		n++;
	return n;
}

static void
add_a(const char *path, const char *token, int depth)
{
	ck_assert_int_eq(watches_add(&w, &conn_a, &la, path, token, false,
	    depth), 0);
}

/* What watches_match reported: tokens in call order. */
struct hits {
	size_t n;
	const struct watch *wt[64];
};

static void
collect(void *arg, struct watch *wt)
{
	struct hits *h = arg;

	ck_assert_uint_lt(h->n, NELEM(h->wt));
	h->wt[h->n++] = wt;
}

/*
 * Match `path` and compare the set of tokens reached with `want`, a
 * space-separated list (each watch at most once).
 */
static void
expect(const char *path, bool exact, const char *want)
{
	struct hits h = { 0, { NULL } };
	char buf[256], *tok, *save = NULL;
	size_t nwant = 0, i;
	bool seen[64] = { false };

	watches_match(&w, path, exact, collect, &h);
	snprintf(buf, sizeof(buf), "%s", want);
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		bool found = false;

		for (i = 0; i < h.n; i++)
			if (!seen[i] && strcmp(h.wt[i]->token, tok) == 0) {
				seen[i] = found = true;
				break;
			}
		ck_assert_msg(found, "%s (%s): token %s not reached", path,
		    exact ? "exact" : "subtree", tok);
		nwant++;
	}
	ck_assert_msg(h.n == nwant, "%s (%s): %zu watches reached, want %zu "
	    "(%s)", path, exact ? "exact" : "subtree", h.n, nwant, want);
}

START_TEST(add_and_identity)
{
	struct watch *wt;

	ck_assert_int_eq(watches_add(&w, &conn_a, &la, "/a", "t1", true, 3),
	    0);
	wt = TAILQ_FIRST(&la);
	ck_assert_ptr_nonnull(wt);
	ck_assert_str_eq(wt->path, "/a");
	ck_assert_str_eq(wt->token, "t1");
	ck_assert_ptr_eq(wt->conn, &conn_a);
	ck_assert(wt->relative);
	ck_assert_int_eq(wt->depth, 3);
	ck_assert_uint_eq(wt->bytes, strlen("/a") + strlen("t1"));
	/* Same (path, token): EEXIST, whatever the depth or relativeness. */
	ck_assert_int_eq(watches_add(&w, &conn_a, &la, "/a", "t1", false, -1),
	    -EEXIST);
	ck_assert_int_eq(watches_add(&w, &conn_a, &la, "/a", "t1", true, 3),
	    -EEXIST);
	/* Same path, other token; same token, other path: fine. */
	add_a("/a", "t2", -1);
	add_a("/b", "t1", -1);
	/* Tokens and paths are compared whole. */
	add_a("/a", "t", -1);
	add_a("/a", "t11", -1);
	add_a("/a/", "t1", -1);	/* the registry takes paths as given */
	/* The same pair on another connection: fine. */
	ck_assert_int_eq(watches_add(&w, &conn_b, &lb, "/a", "t1", false, -1),
	    0);
	ck_assert_uint_eq(w.count, 7);
	ck_assert_uint_eq(list_len(&la), 6);
	ck_assert_uint_eq(list_len(&lb), 1);
	ck_assert_int_eq(watches_check(&w, 7), 0);
	/* Empty token and '@' paths are just strings. */
	add_a("@releaseDomain", "", -1);
	ck_assert_int_eq(watches_add(&w, &conn_a, &la, "@releaseDomain", "",
	    false, -1), -EEXIST);
	/* The list keeps registration order. */
	ck_assert_str_eq(TAILQ_LAST(&la, watch_list)->path, "@releaseDomain");
	ck_assert_str_eq(TAILQ_FIRST(&la)->token, "t1");
}
END_TEST

START_TEST(del)
{
	add_a("/a", "t1", -1);
	add_a("/a", "t2", -1);
	ck_assert_int_eq(watches_add(&w, &conn_b, &lb, "/a", "t1", false, -1),
	    0);
	ck_assert_int_eq(watches_del(&w, &conn_a, &la, "/a", "nope"), -ENOENT);
	ck_assert_int_eq(watches_del(&w, &conn_a, &la, "/b", "t1"), -ENOENT);
	ck_assert_int_eq(watches_del(&w, &conn_a, &la, "/a/", "t1"), -ENOENT);
	ck_assert_int_eq(watches_del(&w, &conn_a, &la, "/a", "t"), -ENOENT);
	ck_assert_uint_eq(w.count, 3);
	/* Removing a's (/a, t1) leaves b's. */
	ck_assert_int_eq(watches_del(&w, &conn_a, &la, "/a", "t1"), 0);
	ck_assert_int_eq(watches_del(&w, &conn_a, &la, "/a", "t1"), -ENOENT);
	ck_assert_uint_eq(w.count, 2);
	expect("/a", false, "t1 t2");
	ck_assert_int_eq(watches_check(&w, 2), 0);
	/* A watch only b has is not a's to remove. */
	ck_assert_int_eq(watches_del(&w, &conn_b, &lb, "/a", "t2"), -ENOENT);
	/* The pair can be registered again after removal. */
	add_a("/a", "t1", -1);
	ck_assert_uint_eq(w.count, 3);
}
END_TEST

START_TEST(del_all)
{
	add_a("/a", "1", -1);
	add_a("/b", "2", -1);
	add_a("/a/b", "3", -1);
	ck_assert_int_eq(watches_add(&w, &conn_b, &lb, "/a", "b1", false, -1),
	    0);
	watches_del_all(&w, &la);
	ck_assert(TAILQ_EMPTY(&la));
	ck_assert_uint_eq(w.count, 1);
	ck_assert_int_eq(watches_check(&w, 1), 0);
	expect("/a/b", false, "b1");
	/* An empty list is fine. */
	watches_del_all(&w, &la);
	ck_assert_uint_eq(w.count, 1);
}
END_TEST

START_TEST(match_exact_and_subtree)
{
	add_a("/", "root", -1);
	add_a("/a", "a", -1);
	add_a("/a/b", "ab", -1);
	add_a("/a/b/c", "abc", -1);
	add_a("/ab", "ab_sibling", -1);
	add_a("/a/bc", "abc_sibling", -1);
	add_a("/a/b", "ab2", -1);
	add_a("@introduceDomain", "intro", -1);
	add_a("@", "at", -1);
	ck_assert_int_eq(watches_add(&w, &conn_b, &lb, "/a", "b_a", false,
	    -1), 0);

	/* Subtree: the path itself and every ancestor up to "/". */
	expect("/a/b", false, "ab ab2 a b_a root");
	expect("/a/b/c", false, "abc ab ab2 a b_a root");
	expect("/a/b/c/d/e", false, "abc ab ab2 a b_a root");
	expect("/a", false, "a b_a root");
	expect("/ab", false, "ab_sibling root");
	expect("/a/bc", false, "abc_sibling a b_a root");
	expect("/", false, "root");
	expect("/zzz", false, "root");
	/* Exact: only watches on the path itself. */
	expect("/a/b", true, "ab ab2");
	expect("/a/b/c/d", true, "");
	expect("/", true, "root");
	/* '@' paths only ever match exactly. */
	expect("@introduceDomain", false, "intro");
	expect("@introduceDomain", true, "intro");
	expect("@introduceDomain/5", false, "");
	expect("@", false, "at");
	expect("@releaseDomain", false, "");
}
END_TEST

START_TEST(match_depth)
{
	add_a("/a", "d0", 0);
	add_a("/a", "d1", 1);
	add_a("/a", "d2", 2);
	add_a("/a", "inf", -1);
	add_a("/", "root1", 1);
	add_a("/", "root0", 0);
	add_a("@introduceDomain", "sd0", 0);

	expect("/a", false, "d0 d1 d2 inf root1");
	expect("/a/b", false, "d1 d2 inf");
	expect("/a/b/c", false, "d2 inf");
	expect("/a/b/c/d", false, "inf");
	expect("/", false, "root1 root0");
	expect("/x", false, "root1");
	expect("/x/y", false, "");
	/* An exact event is at depth 0 of its own path. */
	expect("/a", true, "d0 d1 d2 inf");
	expect("@introduceDomain", false, "sd0");
}
END_TEST

/* Well past the initial 256 buckets, with chains of colliding buckets. */
START_TEST(growth)
{
	enum { N = 3000 };
	char path[32], tok[32];
	size_t nb0 = w.nbucket;
	int i;

	for (i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/p/%d", i);
		snprintf(tok, sizeof(tok), "t%d", i);
		add_a(path, tok, -1);
		if (i % 500 == 0)
			ck_assert_int_eq(watches_check(&w, (size_t)i + 1), 0);
	}
	ck_assert_uint_eq(w.count, N);
	ck_assert_uint_gt(w.nbucket, nb0);
	ck_assert_uint_ge(w.nbucket, N);	/* load stays at most 1 */
	ck_assert_int_eq(watches_check(&w, N), 0);
	ck_assert_int_eq(watches_check(&w, N - 1), -EIO);
	ck_assert_int_eq(watches_check(&w, N + 1), -EIO);
	add_a("/p", "parent", -1);
	/* Each is still found, and only it (plus its parent). */
	for (i = 0; i < N; i += 7) {
		char want[48];

		snprintf(path, sizeof(path), "/p/%d/x", i);
		snprintf(want, sizeof(want), "t%d parent", i);
		expect(path, false, want);
		snprintf(path, sizeof(path), "/p/%d", i);
		snprintf(want, sizeof(want), "t%d", i);
		expect(path, true, want);
	}
	expect("/p/3000", true, "");
	/* Remove every other one; the table stays consistent. */
	for (i = 0; i < N; i += 2) {
		snprintf(path, sizeof(path), "/p/%d", i);
		snprintf(tok, sizeof(tok), "t%d", i);
		ck_assert_int_eq(watches_del(&w, &conn_a, &la, path, tok), 0);
	}
	ck_assert_int_eq(watches_check(&w, N / 2 + 1), 0);
	expect("/p/2", true, "");
	expect("/p/3", true, "t3");
}
END_TEST

START_TEST(check_detects_corruption)
{
	struct watch *wt;
	char c;

	add_a("/a", "1", -1);
	add_a("/b/c", "2", -1);
	ck_assert_int_eq(watches_check(&w, 2), 0);
	ck_assert_int_eq(watches_check(&w, 3), -EIO);
	/* A path changed behind the registry's back: hashed wrongly. */
	wt = TAILQ_LAST(&la, watch_list);
	c = wt->path[1];
	wt->path[1] = 'z';
	ck_assert_int_eq(watches_check(&w, 2), -EIO);
	wt->path[1] = c;
	ck_assert_int_eq(watches_check(&w, 2), 0);
	/* A wrong count. */
	w.count++;
	ck_assert_int_eq(watches_check(&w, 2), -EIO);
	w.count--;
	ck_assert_int_eq(watches_check(&w, 2), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("watch");
	TCase *tc = tcase_create("watch");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, add_and_identity);
	tcase_add_test(tc, del);
	tcase_add_test(tc, del_all);
	tcase_add_test(tc, match_exact_and_subtree);
	tcase_add_test(tc, match_depth);
	tcase_add_test(tc, growth);
	tcase_add_test(tc, check_detects_corruption);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
