/*
 * check_trie.c: unit tests of libtrie's nodes, updates, children,
 * accounting, logs, diff and graft.  Transactions: check_txn.c.
 * Allocation failures: check_trie_alloc.c.  Random sequences: prop_trie.c.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/failalloc.h"
#include "trie.h"
#include "trie_internal.h"

static struct trie_ctx *cx;
static struct trie_node *root;
static const struct trie_perm P0 = { 0, 1, 0 };

static void
setup(void)
{
	ck_assert_int_eq(trie_ctx_new(NULL, 42, &cx), 0);
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

/* Replace the test's root by the result of an update. */
static void
take(struct trie_node *nr)
{
	trie_unref(cx, root);
	root = nr;
}

static void
put(const char *path, const char *val)
{
	struct trie_node *nr;

	ck_assert_int_eq(trie_write(cx, root, path, val, strlen(val),
	    TRIE_INHERIT, NULL, &nr), 0);
	take(nr);
}

static const char *
val(const char *path)
{
	static char buf[256];
	const struct trie_node *n = trie_get(cx, root, path);
	size_t len;
	const void *v;

	if (n == NULL)
		return NULL;
	v = trie_node_value(n, &len);
	ck_assert_uint_lt(len, sizeof(buf));
	memcpy(buf, v, len);
	buf[len] = '\0';
	return buf;
}

static int
join_kid(void *arg, const struct trie_node *k)
{
	size_t len;
	const char *name = trie_node_name(k, &len);

	strncat(arg, name, len);
	strcat(arg, ",");
	return 0;
}

static const char *
kids(const char *path)
{
	static char buf[8192];

	buf[0] = '\0';
	trie_children(cx, trie_get(cx, root, path), join_kid, buf);
	return buf;
}

static void
assert_acct_consistent(const struct trie_acct *inc)
{
	struct trie_acct a;

	trie_acct_init(&a, cx);
	ck_assert_int_eq(trie_acct_recount(cx, root, &a), 0);
	ck_assert(trie_acct_equal(&a, inc));
	trie_acct_fini(&a);
}

START_TEST(write_read_and_implicit_parents)
{
	struct trie_perm pp[2] = { { 5, 2, 0 }, { 7, 1, 0 } };
	struct trie_node *nr;
	const struct trie_perm *p;
	size_t n;

	ck_assert_int_eq(trie_set_perms(cx, root, "/", pp, 2, NULL, &nr), 0);
	take(nr);
	put("/a/b/c", "hello");
	ck_assert_str_eq(val("/a/b/c"), "hello");
	ck_assert_str_eq(val("/a/b"), "");
	ck_assert_str_eq(val("/a"), "");
	ck_assert_ptr_null(trie_get(cx, root, "/a/b/c/d"));
	ck_assert_ptr_null(trie_get(cx, root, "/x"));
	/* created nodes copy the permissions of the deepest existing one */
	p = trie_node_perms(trie_get(cx, root, "/a/b"), &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(p[0].id, 5);
	ck_assert_uint_eq(p[1].id, 7);
	/* a creator replaces the owner id and keeps its mode */
	ck_assert_int_eq(trie_write(cx, root, "/a/b/x/y", "v", 1, 9, NULL,
	    &nr), 0);
	take(nr);
	p = trie_node_perms(trie_get(cx, root, "/a/b/x"), &n);
	ck_assert_uint_eq(p[0].id, 9);
	ck_assert_uint_eq(p[0].mode, 2);
	ck_assert_uint_eq(p[1].id, 7);
	ck_assert_uint_eq(trie_node_owner(trie_get(cx, root, "/a/b/x/y")), 9);
	ck_assert_uint_eq(trie_node_owner(trie_get(cx, root, "/a/b")), 5);
}
END_TEST

START_TEST(values_are_bytes)
{
	static const char v[] = { 'a', '\0', 'b', '\0' };
	struct trie_node *nr;
	const void *got;
	size_t len;

	ck_assert_int_eq(trie_write(cx, root, "/bin", v, sizeof(v),
	    TRIE_INHERIT, NULL, &nr), 0);
	take(nr);
	got = trie_node_value(trie_get(cx, root, "/bin"), &len);
	ck_assert_uint_eq(len, sizeof(v));
	ck_assert_mem_eq(got, v, sizeof(v));
	put("/bin", "");
	trie_node_value(trie_get(cx, root, "/bin"), &len);
	ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(malformed_paths_are_einval)
{
	static const char *bad[] = { "", "a", "//", "/a/", "/a//b", "a/b",
	    "///", "/a/b/", "/a/b//", "//a", "/ab/cd//ef/g" };
	struct trie_node *nr = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(trie_write(cx, root, bad[i], "", 0,
		    TRIE_INHERIT, NULL, &nr), -EINVAL);
		ck_assert_int_eq(trie_rm(cx, root, bad[i], NULL, &nr), -EINVAL);
		ck_assert_ptr_null(trie_get(cx, root, bad[i]));
	}
	ck_assert_ptr_null(nr);
	ck_assert_int_eq(trie_rm(cx, root, "/", NULL, &nr), -EINVAL);
}
END_TEST

/* The path validator at its length limit and on well-formed shapes. */
START_TEST(path_validity_boundaries)
{
	static const char *good[] = { "/", "/a", "/a/b", "/ab/cd/ef",
	    "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r" };
	char *p = malloc(TRIE_PATH_MAX + 2);
	size_t i, len;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(trie_path_valid(good[i], &len), "%s", good[i]);
		ck_assert_uint_eq(len, strlen(good[i]));
	}
	ck_assert(!trie_path_valid(NULL, &len));
	/* "/aaaa...": exactly TRIE_PATH_MAX bytes is valid, one more not */
	p[0] = '/';
	memset(p + 1, 'a', TRIE_PATH_MAX);
	p[TRIE_PATH_MAX] = '\0';
	ck_assert(trie_path_valid(p, &len));
	ck_assert_uint_eq(len, TRIE_PATH_MAX);
	p[TRIE_PATH_MAX] = 'a';
	p[TRIE_PATH_MAX + 1] = '\0';
	ck_assert(!trie_path_valid(p, &len));
	/* a '/' as the last allowed byte is a trailing slash */
	p[TRIE_PATH_MAX - 1] = '/';
	p[TRIE_PATH_MAX] = '\0';
	ck_assert(!trie_path_valid(p, &len));
	free(p);
}
END_TEST

START_TEST(too_big_is_e2big)
{
	size_t big = TRIE_VALUE_MAX + 1;
	char *v = calloc(1, big);
	struct trie_node *nr = NULL;

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(trie_write(cx, root, "/v", v, big, TRIE_INHERIT,
	    NULL, &nr), -E2BIG);
	ck_assert_ptr_null(nr);
	free(v);
}
END_TEST

START_TEST(no_change_returns_the_same_root)
{
	struct trie_node *nr;
	const struct trie_perm *p;
	struct trie_perm copy[4];
	size_t n;

	put("/a/b", "v");
	ck_assert_int_eq(trie_write(cx, root, "/a/b", "v", 1, TRIE_INHERIT,
	    NULL, &nr), 0);
	ck_assert_ptr_eq(nr, root);
	trie_unref(cx, nr);
	ck_assert_int_eq(trie_mkdir(cx, root, "/a", TRIE_INHERIT, NULL, &nr),
	    0);
	ck_assert_ptr_eq(nr, root);
	trie_unref(cx, nr);
	ck_assert_int_eq(trie_rm(cx, root, "/a/zz", NULL, &nr), 0);
	ck_assert_ptr_eq(nr, root);
	trie_unref(cx, nr);
	p = trie_node_perms(trie_get(cx, root, "/a"), &n);
	memcpy(copy, p, n * sizeof(*p));
	ck_assert_int_eq(trie_set_perms(cx, root, "/a", copy, n, NULL, &nr),
	    0);
	ck_assert_ptr_eq(nr, root);
	trie_unref(cx, nr);
}
END_TEST

START_TEST(path_copying_shares_and_preserves)
{
	struct trie_node *old, *nr;
	const struct trie_node *x_before;

	put("/a/b/c", "1");
	put("/x/y", "2");
	old = trie_ref(root);
	x_before = trie_get(cx, root, "/x");
	ck_assert_int_eq(trie_write(cx, root, "/a/b/c", "3", 1, TRIE_INHERIT,
	    NULL, &nr), 0);
	take(nr);
	/* the untouched subtree is the same pointer in both versions */
	ck_assert_ptr_eq(trie_get(cx, root, "/x"), x_before);
	ck_assert_ptr_ne(trie_get(cx, root, "/a"), trie_get(cx, old, "/a"));
	/* the old version still shows the old value */
	ck_assert_str_eq(val("/a/b/c"), "3");
	{
		size_t len;
		const char *v = trie_node_value(trie_get(cx, old, "/a/b/c"),
		    &len);

		ck_assert_uint_eq(len, 1);
		ck_assert_int_eq(v[0], '1');
	}
	trie_unref(cx, old);
}
END_TEST

START_TEST(rm_removes_subtree_and_logs_post_order)
{
	struct trie_node *nr = NULL;
	struct trie_log log;
	struct trie_acct acct;

	trie_acct_init(&acct, cx);
	trie_acct_recount(cx, root, &acct);
	trie_log_init(&log, cx);
	ck_assert_int_eq(trie_write(cx, root, "/a/b/c", "1", 1, TRIE_INHERIT,
	    &log, &nr), 0);
	take(nr);
	ck_assert_int_eq(trie_write(cx, root, "/a/d", "2", 1, TRIE_INHERIT,
	    &log, &nr), 0);
	take(nr);
	ck_assert_int_eq(trie_acct_merge(&acct, &log.delta), 0);
	assert_acct_consistent(&acct);
	trie_log_clear(&log);
	ck_assert_int_eq(trie_rm(cx, root, "/a/x/y", &log, &nr), -ENOENT);
	ck_assert_int_eq(trie_rm(cx, root, "/a", &log, &nr), 0);
	take(nr);
	ck_assert_ptr_null(trie_get(cx, root, "/a"));
	ck_assert_str_eq(kids("/"), "");
	ck_assert_uint_eq(log.n, 4);
	ck_assert_str_eq(log.ch[0].path, "/a/b/c");
	ck_assert_int_eq(log.ch[0].kind, TRIE_CH_RM_CHILD);
	ck_assert_str_eq(log.ch[1].path, "/a/b");
	ck_assert_str_eq(log.ch[2].path, "/a/d");
	ck_assert_str_eq(log.ch[3].path, "/a");
	ck_assert_int_eq(log.ch[3].kind, TRIE_CH_RM);
	ck_assert_ptr_null(log.ch[3].new);
	ck_assert_ptr_nonnull(log.ch[3].old);
	ck_assert_int_eq(trie_acct_merge(&acct, &log.delta), 0);
	assert_acct_consistent(&acct);
	trie_log_fini(&log);
	trie_acct_fini(&acct);
}
END_TEST

START_TEST(set_perms_moves_accounting)
{
	struct trie_perm np[2] = { { 3, 0, 0 }, { 4, 1, 0 } };
	struct trie_node *nr = NULL;
	struct trie_log log;
	struct trie_acct acct;

	put("/a/b", "xyz");
	trie_acct_init(&acct, cx);
	trie_acct_recount(cx, root, &acct);
	trie_log_init(&log, cx);
	ck_assert_int_eq(trie_set_perms(cx, root, "/nope", np, 2, &log, &nr),
	    -ENOENT);
	ck_assert_int_eq(trie_set_perms(cx, root, "/a/b", np, 0, &log, &nr),
	    -EINVAL);
	ck_assert_int_eq(trie_set_perms(cx, root, "/a/b", np, 2, &log, &nr),
	    0);
	take(nr);
	ck_assert_uint_eq(trie_node_owner(trie_get(cx, root, "/a/b")), 3);
	ck_assert_int_eq(trie_acct_get(&log.delta, 3).nodes, 1);
	ck_assert_int_eq(trie_acct_get(&log.delta, 0).nodes, -1);
	ck_assert_int_eq(trie_acct_merge(&acct, &log.delta), 0);
	assert_acct_consistent(&acct);
	ck_assert_int_eq(log.ch[0].kind, TRIE_CH_PERMS);
	ck_assert_ptr_eq(log.ch[0].new, trie_get(cx, root, "/a/b"));
	trie_log_fini(&log);
	trie_acct_fini(&acct);
}
END_TEST

START_TEST(children_in_insertion_order)
{
	struct trie_node *nr;

	put("/d/zeta", "");
	put("/d/alpha", "");
	put("/d/mid", "");
	ck_assert_str_eq(kids("/d"), "zeta,alpha,mid,");
	ck_assert_int_eq(trie_rm(cx, root, "/d/zeta", NULL, &nr), 0);
	take(nr);
	put("/d/zeta", "again");
	ck_assert_str_eq(kids("/d"), "alpha,mid,zeta,");
	ck_assert_uint_eq(trie_node_nchildren(trie_get(cx, root, "/d")), 3);
	ck_assert_uint_eq(trie_node_child_names_len(trie_get(cx, root, "/d")),
	    6 + 4 + 5);
}
END_TEST

START_TEST(generation_tracks_own_changes_only)
{
	uint64_t g_a, g_b;
	struct trie_node *nr;

	put("/a/b/c", "1");
	g_a = trie_node_gen(trie_get(cx, root, "/a"));
	g_b = trie_node_gen(trie_get(cx, root, "/a/b"));
	put("/a/b/c", "2");		/* a descendant changes */
	ck_assert_uint_eq(trie_node_gen(trie_get(cx, root, "/a")), g_a);
	ck_assert_uint_eq(trie_node_gen(trie_get(cx, root, "/a/b")), g_b);
	put("/a/b/d", "");		/* b's child list changes */
	ck_assert_uint_gt(trie_node_gen(trie_get(cx, root, "/a/b")), g_b);
	ck_assert_uint_eq(trie_node_gen(trie_get(cx, root, "/a")), g_a);
	g_a = trie_node_gen(trie_get(cx, root, "/a"));
	put("/a", "v");			/* own value */
	ck_assert_uint_gt(trie_node_gen(trie_get(cx, root, "/a")), g_a);
	g_a = trie_node_gen(trie_get(cx, root, "/a"));
	ck_assert_int_eq(trie_set_perms(cx, root, "/a", &P0, 1, NULL, &nr), 0);
	take(nr);		/* identical permissions: no change at all */
	ck_assert_uint_eq(trie_node_gen(trie_get(cx, root, "/a")), g_a);
}
END_TEST

START_TEST(get_deepest_reports_match)
{
	const struct trie_node *n;
	size_t m;

	put("/a/bb/c", "");
	n = trie_get_deepest(cx, root, "/a/bb/x/y", &m);
	ck_assert_ptr_eq(n, trie_get(cx, root, "/a/bb"));
	ck_assert_uint_eq(m, 5);
	n = trie_get_deepest(cx, root, "/q", &m);
	ck_assert_ptr_eq(n, root);
	ck_assert_uint_eq(m, 1);
	n = trie_get_deepest(cx, root, "/a/bb/c", &m);
	ck_assert_uint_eq(m, 7);
	ck_assert_ptr_null(trie_get_deepest(cx, root, "bad", &m));
}
END_TEST

/* What the precheck saw, and what it answers. */
struct seen {
	const struct trie_node *n;
	bool exists;
	size_t matched;
	int calls;
	int answer;
};

static int
precheck(void *arg, const struct trie_node *n, bool exists, size_t matched)
{
	struct seen *s = arg;

	s->n = n;
	s->exists = exists;
	s->matched = matched;
	s->calls++;
	return s->answer;
}

START_TEST(precheck_sees_node_or_deepest_ancestor)
{
	struct seen s = { 0 };
	struct trie_node *nr;
	struct trie_log log;
	const struct trie_node *before;

	put("/a/bb/c", "v");
	/* Existing node: the node itself, the whole path matched. */
	before = trie_get(cx, root, "/a/bb/c");
	ck_assert_int_eq(trie_write_if(cx, root, "/a/bb/c", "w", 1,
	    TRIE_INHERIT, precheck, &s, NULL, &nr), 0);
	ck_assert_int_eq(s.calls, 1);
	ck_assert(s.exists);
	ck_assert_ptr_eq(s.n, before);
	ck_assert_uint_eq(s.matched, 7);
	take(nr);
	ck_assert_str_eq(val("/a/bb/c"), "w");
	/* Missing: the deepest existing ancestor and its path's length. */
	ck_assert_int_eq(trie_mkdir_if(cx, root, "/a/bb/x/y", TRIE_INHERIT,
	    precheck, &s, NULL, &nr), 0);
	ck_assert_int_eq(s.calls, 2);
	ck_assert(!s.exists);
	ck_assert_uint_eq(s.matched, 5);
	ck_assert_ptr_eq(s.n, trie_get(cx, root, "/a/bb"));
	take(nr);
	ck_assert_str_eq(val("/a/bb/x/y"), "");
	/* Nothing exists below the root: the root, "/" matched. */
	ck_assert_int_eq(trie_write_if(cx, root, "/q", "1", 1, TRIE_INHERIT,
	    precheck, &s, NULL, &nr), 0);
	ck_assert_ptr_eq(s.n, root);
	ck_assert(!s.exists);
	ck_assert_uint_eq(s.matched, 1);
	take(nr);
	/* A veto ends the update with its value: nothing built, no log. */
	s.answer = -EACCES;
	trie_log_init(&log, cx);
	nr = NULL;
	ck_assert_int_eq(trie_write_if(cx, root, "/a/bb/c", "zz", 2,
	    TRIE_INHERIT, precheck, &s, &log, &nr), -EACCES);
	ck_assert_ptr_null(nr);
	ck_assert_uint_eq(log.n, 0);
	ck_assert_int_eq(trie_mkdir_if(cx, root, "/n/e/w", TRIE_INHERIT,
	    precheck, &s, &log, &nr), -EACCES);
	ck_assert_ptr_null(nr);
	ck_assert_uint_eq(log.n, 0);
	trie_log_fini(&log);
	ck_assert_str_eq(val("/a/bb/c"), "w");
	ck_assert_ptr_null(trie_get(cx, root, "/n"));
	/* Malformed paths fail before the check. */
	s.calls = 0;
	ck_assert_int_eq(trie_write_if(cx, root, "/a//b", "1", 1,
	    TRIE_INHERIT, precheck, &s, NULL, &nr), -EINVAL);
	ck_assert_int_eq(s.calls, 0);
}
END_TEST

/*
 * The block cache of the default allocator: blocks freed are reused,
 * live_bytes counts what is in use (not what is cached), and the context
 * frees the cache (LeakSanitizer and valgrind see the rest).
 */
START_TEST(cache_reuses_and_accounts)
{
	uint64_t base_bytes, base_nodes;
	int i;

	put("/c/d", "x");
	base_bytes = trie_ctx_live_bytes(cx);
	base_nodes = trie_ctx_live_nodes(cx);
	for (i = 0; i < 2000; i++) {
		char v[16];

		snprintf(v, sizeof(v), "%d", i);
		put("/c/d", v);
		ck_assert_str_eq(val("/c/d"), v);
	}
	ck_assert_uint_eq(trie_ctx_live_nodes(cx), base_nodes);
	/* values "0".."1999" against "x": up to 3 more bytes */
	ck_assert_uint_le(trie_ctx_live_bytes(cx), base_bytes + 3);
	ck_assert_uint_ge(trie_ctx_live_bytes(cx), base_bytes);
	/*
	 * A freed block of a class comes back for the next allocation (the
	 * class emptied first: a full class sends frees to malloc).
	 */
	{
		size_t k = cache_class(40), n = cx->ncached[k], j;
		void *held[CACHE_PER_CLASS], *a, *b;

		ck_assert_uint_le(n, CACHE_PER_CLASS);
		for (j = 0; j < n; j++)
			held[j] = trie__alloc(cx, 40);
		ck_assert_uint_eq(cx->ncached[k], 0);
		a = trie__alloc(cx, 40);
		ck_assert_ptr_nonnull(a);
		trie__free(cx, a, 40);
		ck_assert_uint_eq(cx->ncached[k], 1);
		b = trie__alloc(cx, 33);	/* same 48-byte class */
		ck_assert_ptr_eq(a, b);
		memset(b, 0xab, 48);		/* the whole class is usable */
		trie__free(cx, b, 33);
		for (j = 0; j < n; j++)
			trie__free(cx, held[j], 40);
	}
	/* More than the per-class bound frees and reallocates cleanly. */
	{
		void *p[CACHE_PER_CLASS + 8];
		size_t k;

		for (k = 0; k < CACHE_PER_CLASS + 8; k++) {
			p[k] = trie__alloc(cx, 200);
			ck_assert_ptr_nonnull(p[k]);
		}
		for (k = 0; k < CACHE_PER_CLASS + 8; k++)
			trie__free(cx, p[k], 200);
	}
	ck_assert_uint_le(trie_ctx_live_bytes(cx), base_bytes + 3);
}
END_TEST

/* Large directories: many children under one node, against an array. */
START_TEST(large_directory_against_array)
{
	enum { N = 10000 };
	static char names[N][8];
	static int present[N];
	static int order[N * 3];
	size_t norder = 0, i, k;
	struct trie_node *nr;
	char path[32], why[256];
	struct trie_acct acct;
	struct trie_log log;
	unsigned r = 12345;

	trie_acct_init(&acct, cx);
	trie_acct_recount(cx, root, &acct);
	trie_log_init(&log, cx);
	memset(present, 0, sizeof(present));
	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "%zu", i);
		snprintf(path, sizeof(path), "/dom/%zu", i);
		ck_assert_int_eq(trie_write(cx, root, path, "v", 1,
		    TRIE_INHERIT, &log, &nr), 0);
		take(nr);
		present[i] = 1;
		order[norder++] = (int)i;
	}
	ck_assert_uint_eq(trie_node_nchildren(trie_get(cx, root, "/dom")), N);
	ck_assert_int_eq(trie__check(cx, root, why, sizeof(why)), 0);
	/* random removals and re-additions, down below the flat threshold
	 * and back up */
	for (k = 0; k < 3 * N; k++) {
		r = r * 1103515245 + 12345;
		i = (r >> 8) % N;
		snprintf(path, sizeof(path), "/dom/%zu", i);
		if (present[i] && k < 2 * N) {
			ck_assert_int_eq(trie_rm(cx, root, path, &log, &nr), 0);
			present[i] = 0;
		} else {
			ck_assert_int_eq(trie_write(cx, root, path, "w", 1,
			    TRIE_INHERIT, &log, &nr), 0);
			if (!present[i])
				order[norder++] = (int)i;
			present[i] = 1;
		}
		take(nr);
		if (k % 5000 == 0)
			ck_assert_int_eq(trie__check(cx, root, why,
			    sizeof(why)), 0);
	}
	ck_assert_int_eq(trie__check(cx, root, why, sizeof(why)), 0);
	/* the listing equals the array's insertion order of present names */
	{
		char *want = malloc(N * 8), *got = malloc(N * 8), *w = want;
		static int last[N];
		size_t j;

		/* a name's place is its last insertion */
		memset(last, -1, sizeof(last));
		for (j = 0; j < norder; j++)
			last[order[j]] = (int)j;
		for (j = 0; j < norder; j++)
			if (present[order[j]] && last[order[j]] == (int)j)
				w += sprintf(w, "%s,", names[order[j]]);
		*w = '\0';
		got[0] = '\0';
		trie_children(cx, trie_get(cx, root, "/dom"), join_kid, got);
		ck_assert_str_eq(got, want);
		free(want);
		free(got);
	}
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/dom/%zu", i);
		ck_assert_int_eq(trie_get(cx, root, path) != NULL,
		    present[i]);
	}
	ck_assert_int_eq(trie_acct_merge(&acct, &log.delta), 0);
	assert_acct_consistent(&acct);
	trie_log_fini(&log);
	trie_acct_fini(&acct);
}
END_TEST

START_TEST(large_directory_shrinks_to_flat)
{
	struct trie_node *nr;
	const struct trie_node *d;
	char path[32];
	int i;

	for (i = 0; i < KIDS_FLAT_MAX + 5; i++) {
		snprintf(path, sizeof(path), "/d/k%d", i);
		put(path, "");
	}
	d = trie_get(cx, root, "/d");
	ck_assert(d->flags & TN_MAP);
	for (i = 0; i < KIDS_FLAT_MAX + 5 - KIDS_FLAT_MIN; i++) {
		snprintf(path, sizeof(path), "/d/k%d", i * 2 %
		    (KIDS_FLAT_MAX + 5));
		ck_assert_int_eq(trie_rm(cx, root, path, NULL, &nr), 0);
		take(nr);
	}
	d = trie_get(cx, root, "/d");
	ck_assert_uint_le(d->nkids, KIDS_FLAT_MIN + 1);
	ck_assert_int_eq(trie__check(cx, root, NULL, 0), 0);
}
END_TEST

START_TEST(deep_paths_and_deep_free)
{
	enum { DEPTH = 1500 };
	char *path = malloc(DEPTH * 2 + 2);
	struct trie_node *nr;
	size_t i, n = 0;

	for (i = 0; i < DEPTH; i++) {
		path[n++] = '/';
		path[n++] = (char)('a' + i % 26);
	}
	path[n] = '\0';
	put(path, "deep");
	ck_assert_str_eq(val(path), "deep");
	path[200] = '\0';
	ck_assert_int_eq(trie_rm(cx, root, path, NULL, &nr), 0);
	take(nr);
	ck_assert_ptr_null(trie_get(cx, root, path));
	path[200] = '/';
	put(path, "again");
	free(path);
	ck_assert_int_eq(trie__check(cx, root, NULL, 0), 0);
	/* teardown frees 1500 levels: iterative, or the stack would show */
}
END_TEST

START_TEST(graft_replaces_subtree)
{
	struct trie_node *other, *nr, *keep;

	put("/a/b", "1");
	put("/c", "2");
	keep = trie_ref(root);
	put("/a/b", "changed");
	put("/a/new", "n");
	other = trie_ref(root);
	take(keep);
	ck_assert_int_eq(trie_graft(cx, root, "/a",
	    (struct trie_node *)(uintptr_t)trie_get(cx, other, "/a"), &nr), 0);
	take(nr);
	ck_assert_str_eq(val("/a/b"), "changed");
	ck_assert_str_eq(val("/a/new"), "n");
	ck_assert_str_eq(val("/c"), "2");
	ck_assert_ptr_eq(trie_get(cx, root, "/a"), trie_get(cx, other, "/a"));
	ck_assert_int_eq(trie_graft(cx, root, "/c",
	    (struct trie_node *)(uintptr_t)trie_get(cx, other, "/a"), &nr),
	    -EINVAL);
	ck_assert_int_eq(trie_graft(cx, root, "/zz",
	    (struct trie_node *)(uintptr_t)trie_get(cx, other, "/a"), &nr),
	    -ENOENT);
	trie_unref(cx, other);
}
END_TEST

struct diffrec {
	char paths[64][64];
	int n;
};

static int
rec_diff(void *arg, const char *path, const struct trie_node *a,
    const struct trie_node *b)
{
	struct diffrec *d = arg;

	(void)a;
	(void)b;
	if (d->n < 64)
		snprintf(d->paths[d->n], sizeof(d->paths[0]), "%s", path);
	d->n++;
	return 0;
}

static int
has(const struct diffrec *d, const char *p)
{
	int i;

	for (i = 0; i < d->n && i < 64; i++)
		if (strcmp(d->paths[i], p) == 0)
			return 1;
	return 0;
}

START_TEST(diff_reports_changes)
{
	struct trie_node *a, *nr;
	struct diffrec d;

	put("/x/y", "1");
	put("/x/z", "2");
	put("/k", "3");
	a = trie_ref(root);
	put("/x/y", "9");
	put("/new/leaf", "");
	ck_assert_int_eq(trie_rm(cx, root, "/k", NULL, &nr), 0);
	take(nr);
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(trie_diff(cx, a, root, rec_diff, &d), 0);
	/* "/" (children changed), /x/y (value), /new (added), /k (gone) */
	ck_assert_int_eq(d.n, 4);
	ck_assert(has(&d, "/"));
	ck_assert(has(&d, "/x/y"));
	ck_assert(has(&d, "/new"));
	ck_assert(has(&d, "/k"));
	ck_assert(!has(&d, "/x"));	/* only a pointer below changed */
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(trie_diff(cx, root, root, rec_diff, &d), 0);
	ck_assert_int_eq(d.n, 0);
	trie_unref(cx, a);
}
END_TEST

/* A diff in a 10,000-child directory must not visit every child. */
START_TEST(diff_prunes_by_pointer)
{
	struct failalloc fa;
	struct trie_ctx *c2;
	struct trie_node *r, *a, *nr;
	struct diffrec d;
	char path[32];
	uint64_t before;
	int i;

	failalloc_init(&fa);
	ck_assert_int_eq(trie_ctx_new(&fa.a, 1, &c2), 0);
	ck_assert_int_eq(trie_new_root(c2, &P0, 1, &r), 0);
	for (i = 0; i < 10000; i++) {
		snprintf(path, sizeof(path), "/d/%d", i);
		ck_assert_int_eq(trie_write(c2, r, path, "v", 1, TRIE_INHERIT,
		    NULL, &nr), 0);
		trie_unref(c2, r);
		r = nr;
	}
	a = trie_ref(r);
	ck_assert_int_eq(trie_write(c2, r, "/d/4711", "w", 1, TRIE_INHERIT,
	    NULL, &nr), 0);
	trie_unref(c2, r);
	r = nr;
	memset(&d, 0, sizeof(d));
	before = fa.calls;
	ck_assert_int_eq(trie_diff(c2, a, r, rec_diff, &d), 0);
	ck_assert_int_eq(d.n, 1);
	ck_assert_str_eq(d.paths[0], "/d/4711");
	/* a stack and one pair list per level: a handful, not 10,000 */
	ck_assert_uint_lt(fa.calls - before, 16);
	trie_unref(c2, a);
	trie_unref(c2, r);
	ck_assert_uint_eq(trie_ctx_live_nodes(c2), 0);
	trie_ctx_free(&c2);
	ck_assert_int_eq(fa.live, 0);
}
END_TEST

START_TEST(check_detects_corruption)
{
	struct trie_node *d;
	char why[128];

	put("/a/b", "");
	put("/a/c", "");
	d = (struct trie_node *)(uintptr_t)trie_get(cx, root, "/a");
	ck_assert_int_eq(trie__check(cx, root, why, sizeof(why)), 0);
	d->kidnames++;
	ck_assert_int_eq(trie__check(cx, root, why, sizeof(why)), -EIO);
	ck_assert_ptr_nonnull(strstr(why, "/a"));
	d->kidnames--;
	d->flags &= (uint8_t)~TN_FROZEN;
	ck_assert_int_eq(trie__check(cx, root, why, sizeof(why)), -EIO);
	ck_assert_ptr_nonnull(strstr(why, "frozen"));
	d->flags |= TN_FROZEN;
	ck_assert_int_eq(trie__check(cx, root, NULL, 0), 0);
}
END_TEST

/*
 * The census state of the tests below: the test's root, an older version
 * sharing most of it, a large directory (kmap) and a transaction with
 * observations and writes.
 */
struct census_fix {
	struct trie_node *old;
	struct trie_txn *tx;
};

static void
census_setup(struct census_fix *f)
{
	const struct trie_node *n;
	char p[64];
	int i;

	put("/a/b", "1");
	put("/a/c", "2");
	for (i = 0; i < 40; i++) {
		snprintf(p, sizeof(p), "/big/k%d", i);
		put(p, "v");
	}
	f->old = trie_ref(root);
	put("/a/b", "changed");
	put("/big/k7", "changed");
	ck_assert_int_eq(trie_txn_begin(cx, root, &f->tx), 0);
	ck_assert_int_eq(trie_txn_get(cx, f->tx, "/a/c", TRIE_OBS_VALUE, &n),
	    0);
	ck_assert_int_eq(trie_txn_write(cx, f->tx, "/a/new", "x", 1,
	    TRIE_INHERIT), 0);
	ck_assert_int_eq(trie_txn_rm(cx, f->tx, "/big/k3"), 0);
}

static void
census_teardown(struct census_fix *f)
{
	trie_txn_free(cx, &f->tx);
	trie_unref(cx, f->old);
}

/* Declare what the fixture holds (all of it unless told otherwise). */
static int
census_run(struct census_fix *f, bool with_old, char *why, size_t len)
{
	struct trie_census *cs;
	int rc;

	ck_assert_int_eq(trie__census_new(cx, &cs), 0);
	ck_assert_int_eq(trie__census_root(cs, root), 0);
	if (with_old)
		ck_assert_int_eq(trie__census_root(cs, f->old), 0);
	ck_assert_int_eq(trie__census_txn(cs, f->tx), 0);
	rc = trie__census_check(cs, why, len);
	trie__census_free(cs);
	return rc;
}

START_TEST(census_accepts_shared_versions)
{
	struct census_fix f;
	char why[512];

	census_setup(&f);
	ck_assert_msg(census_run(&f, true, why, sizeof(why)) == 0, "%s", why);
	census_teardown(&f);
}
END_TEST

START_TEST(census_detects_reference_errors)
{
	struct census_fix f;
	struct trie_node *n;
	char why[512];

	census_setup(&f);
	n = (struct trie_node *)(uintptr_t)trie_get(cx, root, "/a/c");
	n->refs++;		/* a leaked reference */
	ck_assert_int_eq(census_run(&f, true, why, sizeof(why)), -EIO);
	ck_assert_msg(strstr(why, "/a/c") && strstr(why, "leaked"), "%s",
	    why);
	n->refs -= 2;		/* one reference short */
	ck_assert_int_eq(census_run(&f, true, why, sizeof(why)), -EIO);
	ck_assert_msg(strstr(why, "/a/c") && strstr(why, "freed while in "
	    "use"), "%s", why);
	n->refs++;
	ck_assert_msg(census_run(&f, true, why, sizeof(why)) == 0, "%s", why);
	census_teardown(&f);
}
END_TEST

START_TEST(census_detects_large_directory_errors)
{
	struct census_fix f;
	const struct trie_node *big;
	uint32_t *refs;
	char why[512];

	census_setup(&f);
	big = trie_get(cx, root, "/big");
	ck_assert(big->flags & TN_MAP);
	refs = (uint32_t *)(void *)node_map(big);	/* kmap: refs first */
	(*refs)++;
	ck_assert_int_eq(census_run(&f, true, why, sizeof(why)), -EIO);
	ck_assert_msg(strstr(why, "large-directory map"), "%s", why);
	(*refs)--;
	ck_assert_msg(census_run(&f, true, why, sizeof(why)) == 0, "%s", why);
	census_teardown(&f);
}
END_TEST

START_TEST(census_detects_unreachable_nodes)
{
	struct census_fix f;
	char why[512];

	census_setup(&f);
	/* f.old is alive but not declared: its own nodes are unreachable */
	ck_assert_int_eq(census_run(&f, false, why, sizeof(why)), -EIO);
	ck_assert_msg(strstr(why, "reference count") ||
	    strstr(why, "unreachable"), "%s", why);
	census_teardown(&f);
	/* a node nobody holds any more, but never freed */
	put("/gone", "");
	{
		struct trie_node *g = (struct trie_node *)(uintptr_t)
		    trie_get(cx, root, "/gone");
		struct trie_node *nr;
		struct trie_census *cs;

		g->refs++;	/* the leak */
		ck_assert_int_eq(trie_rm(cx, root, "/gone", NULL, &nr), 0);
		take(nr);
		ck_assert_int_eq(trie__census_new(cx, &cs), 0);
		ck_assert_int_eq(trie__census_root(cs, root), 0);
		ck_assert_int_eq(trie__census_check(cs, why, sizeof(why)),
		    -EIO);
		ck_assert_msg(strstr(why, "unreachable nodes (leaked)"), "%s",
		    why);
		trie__census_free(cs);
		trie_unref(cx, g);
	}
}
END_TEST

START_TEST(census_checks_structure_of_every_version)
{
	struct census_fix f;
	struct trie_node *t2a;
	char why[512];

	census_setup(&f);
	/* /a as the transaction sees it exists only in its own version */
	t2a = (struct trie_node *)(uintptr_t)trie_get(cx,
	    trie_txn_root(f.tx), "/a");
	ck_assert_ptr_ne(t2a, trie_get(cx, root, "/a"));
	ck_assert_int_eq(trie__check(cx, root, why, sizeof(why)), 0);
	t2a->kidnames++;
	ck_assert_int_eq(census_run(&f, true, why, sizeof(why)), -EIO);
	ck_assert_msg(strstr(why, "child-name length"), "%s", why);
	t2a->kidnames--;
	ck_assert_msg(census_run(&f, true, why, sizeof(why)) == 0, "%s", why);
	census_teardown(&f);
}
END_TEST

START_TEST(census_allocation_failures)
{
	struct failalloc fa;
	struct trie_ctx *c2;
	struct trie_node *r, *nr;
	char p[32];
	uint64_t k;
	int i, rc;

	failalloc_init(&fa);
	ck_assert_int_eq(trie_ctx_new(&fa.a, 1, &c2), 0);
	ck_assert_int_eq(trie_new_root(c2, &P0, 1, &r), 0);
	for (i = 0; i < 300; i++) {
		snprintf(p, sizeof(p), "/d%d/x", i % 50);
		ck_assert_int_eq(trie_write(c2, r, p, "v", 1, TRIE_INHERIT,
		    NULL, &nr), 0);
		trie_unref(c2, r);
		r = nr;
	}
	for (k = 1;; k++) {
		struct trie_census *cs = NULL;

		failalloc_arm(&fa, k);
		rc = trie__census_new(c2, &cs);
		if (rc == 0)
			rc = trie__census_root(cs, r);
		if (rc == 0)
			rc = trie__census_check(cs, NULL, 0);
		else if (cs != NULL)
			ck_assert_int_eq(trie__census_check(cs, NULL, 0),
			    -ENOMEM);
		trie__census_free(cs);
		failalloc_arm(&fa, 0);
		if (rc == 0)
			break;
		ck_assert_int_eq(rc, -ENOMEM);
	}
	ck_assert_uint_gt(k, 2);
	trie_unref(c2, r);
	trie_ctx_free(&c2);
	ck_assert_int_eq(fa.live, 0);
}
END_TEST

START_TEST(acct_basics)
{
	struct trie_acct a, b;

	trie_acct_init(&a, cx);
	trie_acct_init(&b, cx);
	ck_assert_int_eq(trie_acct_add(&a, 5, 2, 100), 0);
	ck_assert_int_eq(trie_acct_add(&a, 1, 1, 10), 0);
	ck_assert_int_eq(trie_acct_add(&a, 5, -2, -100), 0);
	ck_assert_uint_eq(a.n, 1);	/* zero entries disappear */
	ck_assert_int_eq(trie_acct_get(&a, 5).nodes, 0);
	ck_assert_int_eq(trie_acct_get(&a, 1).bytes, 10);
	ck_assert_int_eq(trie_acct_add(&b, 1, -1, -10), 0);
	ck_assert_int_eq(trie_acct_add(&b, 9, 3, 3), 0);
	ck_assert_int_eq(trie_acct_merge(&a, &b), 0);
	ck_assert_uint_eq(a.n, 1);
	ck_assert_int_eq(trie_acct_get(&a, 9).nodes, 3);
	trie_acct_fini(&a);
	trie_acct_fini(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("trie");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, write_read_and_implicit_parents);
	tcase_add_test(tc, values_are_bytes);
	tcase_add_test(tc, malformed_paths_are_einval);
	tcase_add_test(tc, path_validity_boundaries);
	tcase_add_test(tc, too_big_is_e2big);
	tcase_add_test(tc, no_change_returns_the_same_root);
	tcase_add_test(tc, path_copying_shares_and_preserves);
	tcase_add_test(tc, rm_removes_subtree_and_logs_post_order);
	tcase_add_test(tc, set_perms_moves_accounting);
	tcase_add_test(tc, children_in_insertion_order);
	tcase_add_test(tc, generation_tracks_own_changes_only);
	tcase_add_test(tc, get_deepest_reports_match);
	tcase_add_test(tc, precheck_sees_node_or_deepest_ancestor);
	tcase_add_test(tc, cache_reuses_and_accounts);
	tcase_add_test(tc, large_directory_against_array);
	tcase_add_test(tc, large_directory_shrinks_to_flat);
	tcase_add_test(tc, deep_paths_and_deep_free);
	tcase_add_test(tc, graft_replaces_subtree);
	tcase_add_test(tc, diff_reports_changes);
	tcase_add_test(tc, diff_prunes_by_pointer);
	tcase_add_test(tc, check_detects_corruption);
	tcase_add_test(tc, census_accepts_shared_versions);
	tcase_add_test(tc, census_detects_reference_errors);
	tcase_add_test(tc, census_detects_large_directory_errors);
	tcase_add_test(tc, census_detects_unreachable_nodes);
	tcase_add_test(tc, census_checks_structure_of_every_version);
	tcase_add_test(tc, census_allocation_failures);
	tcase_add_test(tc, acct_basics);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
