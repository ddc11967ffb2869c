/*
 * check_path.c: unit tests of path.c (links path.c only) against the C
 * daemon's rules (paths-and-nodes.md §2): valid characters, '@' only
 * where special paths are allowed, no "//" and no trailing '/' (for '@'
 * paths too), the empty path, relative paths made absolute under
 * /local/domain/<domid>, and the path-max count taken after a leading
 * /local/domain/<id>/ of at most 5 digits (4.17: a count equal to the
 * limit is accepted).  Then the helpers: path_relative,
 * path_depth_below, path_parent_len and path_domain_prefix.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define SP PATH_F_SPECIAL

static const struct canon_case {
	const char *in;
	unsigned domid, max, flags;
	int rc;
	const char *out;	/* canonical form when rc == 0 */
	bool relative;
} canon_cases[] = {
	/* shape */
	{ "/", 0, 2048, 0, 0, "/", false },
	{ "/a", 0, 2048, 0, 0, "/a", false },
	{ "/a/b/c", 3, 2048, 0, 0, "/a/b/c", false },
	{ "", 0, 2048, 0, -EINVAL, NULL, false },
	{ "", 0, 2048, SP, -EINVAL, NULL, false },
	{ "//", 0, 2048, 0, -EINVAL, NULL, false },
	{ "/a/", 0, 2048, 0, -EINVAL, NULL, false },
	{ "/a//b", 0, 2048, 0, -EINVAL, NULL, false },
	{ "//a", 0, 2048, 0, -EINVAL, NULL, false },
	{ "/a/b//", 0, 2048, 0, -EINVAL, NULL, false },
	/* characters: A-Z a-z 0-9 - / _ @ only */
	{ "/AZaz09-_", 0, 2048, 0, 0, "/AZaz09-_", false },
	{ "/a@b", 0, 2048, 0, 0, "/a@b", false },
	{ "/a b", 0, 2048, 0, -EINVAL, NULL, false },
	{ "/a.b", 0, 2048, 0, -EINVAL, NULL, false },
	{ "/a:b", 0, 2048, 0, -EINVAL, NULL, false },
	{ "/a+b", 0, 2048, 0, -EINVAL, NULL, false },
	{ "/a~", 0, 2048, 0, -EINVAL, NULL, false },
	{ "/a\tb", 0, 2048, 0, -EINVAL, NULL, false },
	{ "/a\\b", 0, 2048, 0, -EINVAL, NULL, false },
	{ "/\xc3\xa9", 0, 2048, 0, -EINVAL, NULL, false },
	{ "/a\x7f", 0, 2048, 0, -EINVAL, NULL, false },
	{ "a.b", 5, 2048, 0, -EINVAL, NULL, false },
	/* special paths */
	{ "@introduceDomain", 0, 2048, 0, -EINVAL, NULL, false },
	{ "@introduceDomain", 0, 2048, SP, 0, "@introduceDomain", false },
	{ "@releaseDomain", 9, 2048, SP, 0, "@releaseDomain", false },
	{ "@anything-else_1", 9, 2048, SP, 0, "@anything-else_1", false },
	{ "@", 0, 2048, SP, 0, "@", false },
	{ "@releaseDomain/5", 0, 2048, SP, 0, "@releaseDomain/5", false },
	{ "@x y", 0, 2048, SP, -EINVAL, NULL, false },
	{ "@releaseDomain/", 0, 2048, SP, -EINVAL, NULL, false },
	{ "@a//b", 0, 2048, SP, -EINVAL, NULL, false },
	{ "@/", 0, 2048, SP, -EINVAL, NULL, false },
	/* relative: made absolute under the connection's domain */
	{ "foo", 5, 2048, 0, 0, "/local/domain/5/foo", true },
	{ "foo/bar", 0, 2048, 0, 0, "/local/domain/0/foo/bar", true },
	{ "foo", 65535, 2048, SP, 0, "/local/domain/65535/foo", true },
	{ "a@b", 7, 2048, 0, 0, "/local/domain/7/a@b", true },
	{ "foo/", 5, 2048, 0, -EINVAL, NULL, false },
	{ "foo//bar", 5, 2048, 0, -EINVAL, NULL, false },
	{ "foo bar", 5, 2048, 0, -EINVAL, NULL, false },
	/* path_max 0: no limit */
	{ "/abc", 0, 0, 0, 0, "/abc", false },
};

START_TEST(canon_table)
{
	const struct canon_case *cc = &canon_cases[_i];
	char out[PATH_BUF];
	bool rel = !cc->relative;
	int rc;

	memset(out, 'Z', sizeof(out));
	rc = path_canon(cc->in, cc->domid, cc->max, cc->flags, out, &rel);
	ck_assert_msg(rc == cc->rc, "\"%s\" (domid %u, flags %u): rc %d, "
	    "want %d", cc->in, cc->domid, cc->flags, rc, cc->rc);
	if (rc == 0) {
		ck_assert_str_eq(out, cc->out);
		ck_assert_msg(rel == cc->relative, "\"%s\": relative %d",
		    cc->in, (int)rel);
	}
}
END_TEST

/*
 * Every byte value, alone in a segment, after a '/' and before one, and
 * doubled: accepted exactly when the C daemon's valid_chars accepts it
 * (isalnum or one of "-/_@"), "//" never.  This pins path_canon's
 * byte table down against the rule it encodes.
 */
START_TEST(every_byte_value)
{
	int c;

	for (c = 1; c < 256; c++) {
		bool valid = (c < 128 && ((c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) ||
		    c == '-' || c == '_' || c == '@' || c == '/';
		char in[3][8], out[PATH_BUF];
		bool rel;
		int i;

		snprintf(in[0], sizeof(in[0]), "/a%cb", c);
		snprintf(in[1], sizeof(in[1]), "/%c/b", c);
		snprintf(in[2], sizeof(in[2]), "/x%c%cy", c, c);
		for (i = 0; i < 3; i++) {
			/* '/' makes "/a/b" (fine), "//b" and "/x//y" (not) */
			int want = valid && !(c == '/' && i > 0) ? 0 : -EINVAL;

			ck_assert_msg(path_canon(in[i], 0, 2048, 0, out,
			    &rel) == want, "byte 0x%02x in \"%s\": want %d",
			    c, in[i], want);
		}
	}
}
END_TEST

/*
 * Length limit: `prefix` + `n` x 'a' against a limit of 2048 (and one of
 * 10), with the expected count of path-max.
 */
static const struct len_case {
	const char *prefix;
	unsigned domid;		/* for relative prefixes ("") */
	unsigned flags;
	size_t counted_extra;	/* bytes of prefix that count */
} len_cases[] = {
	{ "/", 0, 0, 1 },			/* whole path counts */
	{ "/local/domain/5/", 0, 0, 0 },	/* after the prefix */
	{ "/local/domain/12345/", 0, 0, 0 },	/* 5 digits: still */
	{ "/local/domain/00005/", 0, 0, 0 },	/* leading zeros */
	{ "/local/domain/123456/", 0, 0, 21 },	/* 6 digits: all counts */
	{ "/local/domain/5x/", 0, 0, 17 },	/* not a domid */
	{ "/local/domainx/5/", 0, 0, 17 },
	{ "/local/domain/", 0, 0, 14 },		/* no domid at all */
	{ "/tool/", 0, 0, 6 },
	{ "", 5, 0, 0 },			/* relative, 1 digit */
	{ "", 65535, 0, 0 },			/* relative, 5 digits */
	{ "@", 0, SP, 1 },			/* special: all counts */
};

/* Run one length case: the counted length is `counted`. */
static void
check_len(const struct len_case *lc, unsigned max, size_t counted,
    int want)
{
	char in[PATH_BUF + 8], out[PATH_BUF];
	size_t pl = strlen(lc->prefix), tail;
	bool rel;
	int rc;

	ck_assert_uint_ge(counted, lc->counted_extra + 1);
	tail = counted - lc->counted_extra;
	ck_assert_uint_lt(pl + tail, sizeof(in));
	memcpy(in, lc->prefix, pl);
	memset(in + pl, 'a', tail);
	in[pl + tail] = '\0';
	rc = path_canon(in, lc->domid, max, lc->flags, out, &rel);
	ck_assert_msg(rc == want, "prefix \"%s\" (domid %u), counted %zu, "
	    "limit %u: rc %d, want %d", lc->prefix, lc->domid, counted, max,
	    rc, want);
}

START_TEST(path_max_boundaries)
{
	const struct len_case *lc = &len_cases[_i];
	static const unsigned limits[] = { 2048, 10, 30 };
	size_t i;

	for (i = 0; i < NELEM(limits); i++) {
		unsigned max = limits[i];

		size_t shortest = lc->counted_extra + 1;

		if (shortest < max)
			check_len(lc, max, max - 1, 0);
		if (shortest <= max)
			check_len(lc, max, max, 0);
		check_len(lc, max, shortest > max + 1 ? shortest : max + 1,
		    -EINVAL);
	}
	/* No limit: the longest path the buffer holds is fine. */
	check_len(lc, 0, 4000, 0);
}
END_TEST

START_TEST(too_long_for_the_buffer)
{
	char in[PATH_BUF + 8], out[PATH_BUF];
	bool rel;

	/* Absolute: PATH_BUF - 1 bytes fit, PATH_BUF do not. */
	in[0] = '/';
	memset(in + 1, 'a', PATH_BUF - 2);
	in[PATH_BUF - 1] = '\0';
	ck_assert_int_eq(path_canon(in, 0, 0, 0, out, &rel), 0);
	ck_assert_uint_eq(strlen(out), PATH_BUF - 1);
	in[PATH_BUF - 1] = 'a';
	in[PATH_BUF] = '\0';
	ck_assert_int_eq(path_canon(in, 0, 0, 0, out, &rel), -EINVAL);
	/* Relative: the prefix must fit too. */
	memset(in, 'a', PATH_BUF - 10);
	in[PATH_BUF - 10] = '\0';
	ck_assert_int_eq(path_canon(in, 5, 0, 0, out, &rel), -EINVAL);
	in[PATH_BUF - 1 - strlen("/local/domain/5/")] = '\0';
	ck_assert_int_eq(path_canon(in, 5, 0, 0, out, &rel), 0);
	ck_assert(rel);
	ck_assert_uint_eq(strlen(out), PATH_BUF - 1);
}
END_TEST

/* ---- path_relative -------------------------------------------------- */

static const struct rel_case {
	const char *abs;
	unsigned domid;
	long off;		/* expected result - abs */
} rel_cases[] = {
	{ "/local/domain/5/foo", 5, 16 },
	{ "/local/domain/5/a/b", 5, 16 },
	{ "/local/domain/0/x", 0, 16 },
	{ "/local/domain/65535/x", 65535, 20 },
	{ "/local/domain/5", 5, 0 },
	{ "/local/domain/5/", 5, 0 },
	{ "/local/domain/50/foo", 5, 0 },
	{ "/local/domain/5/foo", 50, 0 },
	{ "/local/domain/5/foo", 6, 0 },
	{ "/local/domain", 5, 0 },
	{ "/", 5, 0 },
	{ "@releaseDomain", 5, 0 },
};

START_TEST(relative_table)
{
	const struct rel_case *rc = &rel_cases[_i];

	ck_assert_ptr_eq(path_relative(rc->abs, rc->domid), rc->abs + rc->off);
}
END_TEST

/* ---- path_depth_below ----------------------------------------------- */

static const struct depth_case {
	const char *below, *top;
	int depth;
} depth_cases[] = {
	{ "/a", "/a", 0 },
	{ "/a/b", "/a", 1 },
	{ "/a/b/c", "/a", 2 },
	{ "/a/b/c", "/a/b", 1 },
	{ "/ab", "/a", -1 },
	{ "/a", "/ab", -1 },
	{ "/a", "/a/b", -1 },
	{ "/b", "/a", -1 },
	{ "/", "/", 0 },
	{ "/a", "/", 1 },
	{ "/a/b/c", "/", 3 },
	{ "/", "/a", -1 },
	{ "@introduceDomain", "/", -1 },
	{ "@introduceDomain", "@introduceDomain", 0 },
	{ "@introduceDomain/5", "@introduceDomain", 1 },
	{ "@introduceDomainX", "@introduceDomain", -1 },
};

START_TEST(depth_table)
{
	const struct depth_case *dc = &depth_cases[_i];

	ck_assert_msg(path_depth_below(dc->below, dc->top) == dc->depth,
	    "%s below %s: %d, want %d", dc->below, dc->top,
	    path_depth_below(dc->below, dc->top), dc->depth);
}
END_TEST

/* ---- path_parent_len ------------------------------------------------ */

static const struct parent_case {
	const char *p;
	size_t len;		/* of the parent */
} parent_cases[] = {
	{ "/a", 1 },
	{ "/abc", 1 },
	{ "/a/b", 2 },
	{ "/a/bc/d", 5 },
	{ "/local/domain/5", 13 },
	{ "/local/domain/5/device/vif/0/state", 28 },
};

START_TEST(parent_table)
{
	const struct parent_case *pc = &parent_cases[_i];

	ck_assert_uint_eq(path_parent_len(pc->p, strlen(pc->p)), pc->len);
	/* A length shorter than the string: the parent of that prefix. */
	ck_assert_uint_eq(path_parent_len("/a/b/c/d", 6), 4);
}
END_TEST

/* ---- path_domain_prefix --------------------------------------------- */

static const struct prefix_case {
	const char *p;
	size_t len;
} prefix_cases[] = {
	{ "/local/domain/5/x", 16 },
	{ "/local/domain/5/", 16 },
	{ "/local/domain/12345/x", 20 },
	{ "/local/domain/00005/x", 20 },
	{ "/local/domain/123456/x", 0 },
	{ "/local/domain/5", 0 },
	{ "/local/domain//x", 0 },
	{ "/local/domain/x/", 0 },
	{ "/local/domain/5x/", 0 },
	{ "/local/domainx/5/", 0 },
	{ "/local/domai", 0 },
	{ "/local", 0 },
	{ "local/domain/5/x", 0 },
	{ "@releaseDomain", 0 },
	{ "", 0 },
};

START_TEST(prefix_table)
{
	const struct prefix_case *pc = &prefix_cases[_i];

	ck_assert_msg(path_domain_prefix(pc->p) == pc->len, "%s: %zu", pc->p,
	    path_domain_prefix(pc->p));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("path");
	TCase *tc = tcase_create("path");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, canon_table, 0, NELEM(canon_cases));
	tcase_add_test(tc, every_byte_value);
	tcase_add_loop_test(tc, path_max_boundaries, 0, NELEM(len_cases));
	tcase_add_test(tc, too_long_for_the_buffer);
	tcase_add_loop_test(tc, relative_table, 0, NELEM(rel_cases));
	tcase_add_loop_test(tc, depth_table, 0, NELEM(depth_cases));
	tcase_add_loop_test(tc, parent_table, 0, NELEM(parent_cases));
	tcase_add_loop_test(tc, prefix_table, 0, NELEM(prefix_cases));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
