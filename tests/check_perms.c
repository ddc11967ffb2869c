/*
 * check_perms.c: unit tests of perms.c (links perms.c only): parsing of
 * SET_PERMS entries (letters, C's strtol base-0 syntax and its limits),
 * formatting and the round trip, the access decision of the C daemon
 * (perm_for_conn: privilege, owner, SET_TARGET, first matching entry,
 * default letter, stale entries, DOMID_ANY, the alive callback) and
 * perms_equal.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perms.h"
#include "xs_wire_ext.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define RW (PERM_READ | PERM_WRITE)
#define ALL (PERM_READ | PERM_WRITE | PERM_OWNER)
#define ANY DOMID_ANY

/* ---- perms_parse ---------------------------------------------------- */

static const struct parse_case {
	const char *s;
	int rc;
	unsigned id, mode;
} parse_cases[] = {
	{ "n0", 0, 0, PERM_NONE },
	{ "r5", 0, 5, PERM_READ },
	{ "w5", 0, 5, PERM_WRITE },
	{ "b5", 0, 5, RW },
	{ "b65535", 0, 65535, RW },
	{ "r32757", 0, ANY, PERM_READ },
	/* strtol(..., 0): hex, octal, sign, leading space */
	{ "r0x10", 0, 16, PERM_READ },
	{ "r0X1f", 0, 31, PERM_READ },
	{ "r0xffff", 0, 65535, PERM_READ },
	{ "r010", 0, 8, PERM_READ },
	{ "r00", 0, 0, PERM_READ },
	{ "r+7", 0, 7, PERM_READ },
	{ "r 7", 0, 7, PERM_READ },
	/* rejected */
	{ "", -EINVAL, 0, 0 },
	{ "r", -EINVAL, 0, 0 },
	{ "n", -EINVAL, 0, 0 },
	{ "x5", -EINVAL, 0, 0 },
	{ "R5", -EINVAL, 0, 0 },
	{ "N5", -EINVAL, 0, 0 },
	{ "5", -EINVAL, 0, 0 },
	{ "rr5", -EINVAL, 0, 0 },
	{ "r5x", -EINVAL, 0, 0 },
	{ "r5 ", -EINVAL, 0, 0 },
	{ "r08", -EINVAL, 0, 0 },
	{ "r0x", -EINVAL, 0, 0 },
	{ "r0xg", -EINVAL, 0, 0 },
	{ "r-1", -EINVAL, 0, 0 },
	{ "r-65535", -EINVAL, 0, 0 },
	{ "r65536", -EINVAL, 0, 0 },
	{ "r0x10000", -EINVAL, 0, 0 },
	{ "r2147483648", -EINVAL, 0, 0 },
	{ "r99999999999999999999999", -EINVAL, 0, 0 },
	{ "r-99999999999999999999999", -EINVAL, 0, 0 },
};

START_TEST(parse_table)
{
	const struct parse_case *pc = &parse_cases[_i];
	const char *argv[1] = { pc->s };
	struct trie_perm p = { 0xeeee, 0xee, 0xee };
	int rc = perms_parse(argv, 1, &p);

	ck_assert_msg(rc == pc->rc, "\"%s\": rc %d, want %d", pc->s, rc,
	    pc->rc);
	if (rc < 0)
		return;
	ck_assert_uint_eq(p.id, pc->id);
	ck_assert_uint_eq(p.mode, pc->mode);
	ck_assert_uint_eq(p.flags, 0);
}
END_TEST

START_TEST(parse_several)
{
	const char *good[] = { "n0", "r5", "b0x7", "w010" };
	const char *bad[] = { "n0", "r5", "q7", "w1" };
	struct trie_perm p[4];

	ck_assert_int_eq(perms_parse(good, 4, p), 0);
	ck_assert_uint_eq(p[0].id, 0);
	ck_assert_uint_eq(p[1].mode, PERM_READ);
	ck_assert_uint_eq(p[2].id, 7);
	ck_assert_uint_eq(p[2].mode, RW);
	ck_assert_uint_eq(p[3].id, 8);
	ck_assert_uint_eq(p[3].mode, PERM_WRITE);
	/* One bad entry anywhere fails the list. */
	ck_assert_int_eq(perms_parse(bad, 4, p), -EINVAL);
	/* Zero entries: nothing to parse. */
	ck_assert_int_eq(perms_parse(good, 0, p), 0);
}
END_TEST

/* ---- perms_format --------------------------------------------------- */

START_TEST(format_and_round_trip)
{
	static const struct trie_perm p[] = {
		{ 0, PERM_NONE, 0 }, { 5, PERM_READ, 0 },
		{ 65535, PERM_WRITE, 0 }, { ANY, RW, 0 },
	};
	static const char want[] = "n0\0r5\0w65535\0b32757";
	char buf[64], *s;
	const char *argv[NELEM(p)];
	struct trie_perm back[NELEM(p)];
	size_t i;
	int len;

	memset(buf, 'Z', sizeof(buf));
	len = perms_format(p, NELEM(p), buf, sizeof(buf));
	ck_assert_int_eq(len, (int)sizeof(want));	/* with the last NUL */
	ck_assert_mem_eq(buf, want, sizeof(want));
	/* Parse what was formatted: the same list. */
	for (i = 0, s = buf; i < NELEM(p); i++, s += strlen(s) + 1)
		argv[i] = s;
	ck_assert_int_eq(perms_parse(argv, NELEM(p), back), 0);
	ck_assert(perms_equal(p, NELEM(p), back, NELEM(p)));
	/* Nothing to format. */
	ck_assert_int_eq(perms_format(p, 0, buf, sizeof(buf)), 0);
	ck_assert_int_eq(perms_format(p, 0, buf, 0), 0);
}
END_TEST

/*
 * Domids and modes survive format + parse: every id up to 1023 and every
 * 61st above (all digit counts and both ends), one assertion at the end
 * so that it stays quick under valgrind.
 */
START_TEST(round_trip_ids)
{
	struct trie_perm p, back;
	char buf[16];
	const char *argv[1] = { buf };
	unsigned id, bad = 0, n = 0;

	for (id = 0; id <= 65535; id += id < 1024 ? 1 : 61) {
		p.id = (uint16_t)id;
		p.mode = (uint8_t)(id & 3);
		p.flags = 0;
		if (perms_format(&p, 1, buf, sizeof(buf)) <= 0 ||
		    perms_parse(argv, 1, &back) != 0 ||
		    !perms_equal(&p, 1, &back, 1))
			bad++;
		n++;
	}
	p.id = 65535;
	p.mode = PERM_READ;
	if (perms_format(&p, 1, buf, sizeof(buf)) <= 0 ||
	    perms_parse(argv, 1, &back) != 0 || !perms_equal(&p, 1, &back, 1))
		bad++;
	ck_assert_uint_gt(n, 2000);
	ck_assert_msg(bad == 0, "%u ids did not survive", bad);
}
END_TEST

START_TEST(format_e2big)
{
	static const struct trie_perm p[] = {
		{ 0, PERM_NONE, 0 }, { 123, PERM_READ, 0 },
	};
	char buf[16];
	size_t need = sizeof("n0") + sizeof("r123"), size;

	/* Exactly enough room, then one byte less for every size. */
	ck_assert_int_eq(perms_format(p, 2, buf, need), (int)need);
	for (size = 0; size < need; size++) {
		memset(buf, 'Z', sizeof(buf));
		ck_assert_msg(perms_format(p, 2, buf, size) == -E2BIG,
		    "size %zu", size);
		/* Never writes past the size it was given. */
		ck_assert_msg(buf[size] == 'Z', "size %zu: overrun", size);
	}
}
END_TEST

/* ---- perms_for ------------------------------------------------------ */

#define MAXP 4
#define S PERM_F_STALE

struct alive_log {
	unsigned calls;
	unsigned domid;
	uint64_t gen;
};

/* The alive callback used by the table: `dead` names a dead domain. */
static bool
alive_unless(void *arg, unsigned domid, uint64_t gen)
{
	struct alive_log *l = arg;

	l->calls++;
	l->domid = domid;
	l->gen = gen;
	return domid != 9;
}

static const struct for_case {
	const char *name;
	struct trie_perm p[MAXP];
	size_t n;
	struct caller who;
	bool use_alive;		/* alive_unless (domain 9 dead) or NULL */
	unsigned want;
} for_cases[] = {
	{ "privileged, no entries", { { 0 } }, 0, { 5, -1, true }, false,
	    ALL },
	{ "privileged, not listed", { { 3, 0, 0 } }, 1, { 5, -1, true },
	    false, ALL },
	{ "unprivileged, no entries", { { 0 } }, 0, { 5, -1, false }, false,
	    PERM_NONE },
	{ "owner", { { 5, 0, 0 } }, 1, { 5, -1, false }, false, ALL },
	{ "owner listed again with less", { { 5, 0, 0 }, { 5, 0, 0 } }, 2,
	    { 5, -1, false }, false, ALL },
	{ "default n", { { 0, 0, 0 } }, 1, { 5, -1, false }, false,
	    PERM_NONE },
	{ "default r", { { 0, PERM_READ, 0 } }, 1, { 5, -1, false }, false,
	    PERM_READ },
	{ "default w", { { 0, PERM_WRITE, 0 } }, 1, { 5, -1, false }, false,
	    PERM_WRITE },
	{ "default b", { { 0, RW, 0 } }, 1, { 5, -1, false }, false, RW },
	{ "own entry beats default", { { 0, RW, 0 }, { 5, 0, 0 } }, 2,
	    { 5, -1, false }, false, PERM_NONE },
	{ "ACL read", { { 0, 0, 0 }, { 5, PERM_READ, 0 } }, 2,
	    { 5, -1, false }, false, PERM_READ },
	{ "ACL of another domain", { { 0, 0, 0 }, { 6, RW, 0 } }, 2,
	    { 5, -1, false }, false, PERM_NONE },
	{ "first match wins", { { 0, 0, 0 }, { 5, PERM_READ, 0 },
	    { 5, PERM_WRITE, 0 } }, 3, { 5, -1, false }, false, PERM_READ },
	{ "first match wins, later", { { 0, 0, 0 }, { 6, RW, 0 },
	    { 5, PERM_WRITE, 0 }, { 5, PERM_READ, 0 } }, 4, { 5, -1, false },
	    false, PERM_WRITE },
	{ "target as owner", { { 7, 0, 0 } }, 1, { 5, 7, false }, false,
	    ALL },
	{ "target as ACL", { { 0, 0, 0 }, { 7, PERM_READ, 0 } }, 2,
	    { 5, 7, false }, false, PERM_READ },
	{ "own entry before target's", { { 0, 0, 0 }, { 5, PERM_WRITE, 0 },
	    { 7, PERM_READ, 0 } }, 3, { 5, 7, false }, false, PERM_WRITE },
	{ "target's entry before own", { { 0, 0, 0 }, { 7, PERM_READ, 0 },
	    { 5, PERM_WRITE, 0 } }, 3, { 5, 7, false }, false, PERM_READ },
	{ "no target: 0xffff is nobody", { { 0xffff, 0, 0 } }, 1,
	    { 5, -1, false }, false, PERM_NONE },
	{ "stale ACL skipped", { { 0, 0, 0 }, { 5, PERM_READ, S },
	    { 5, PERM_WRITE, 0 } }, 3, { 5, -1, false }, false, PERM_WRITE },
	{ "stale ACL skipped to default", { { 0, PERM_WRITE, 0 },
	    { 5, RW, S } }, 2, { 5, -1, false }, false, PERM_WRITE },
	{ "stale owner is no owner", { { 5, PERM_READ, S } }, 1,
	    { 5, -1, false }, false, PERM_READ },
	{ "stale owner, target", { { 7, 0, S } }, 1, { 5, 7, false }, false,
	    PERM_NONE },
	{ "DOMID_ANY", { { 0, 0, 0 }, { ANY, PERM_READ, 0 } }, 2,
	    { 5, -1, false }, false, PERM_READ },
	{ "own entry before DOMID_ANY", { { 0, 0, 0 }, { 5, PERM_WRITE, 0 },
	    { ANY, PERM_READ, 0 } }, 3, { 5, -1, false }, false, PERM_WRITE },
	{ "DOMID_ANY before own entry", { { 0, 0, 0 }, { ANY, PERM_READ, 0 },
	    { 5, PERM_WRITE, 0 } }, 3, { 5, -1, false }, false, PERM_READ },
	{ "stale DOMID_ANY", { { 0, 0, 0 }, { ANY, PERM_READ, S } }, 2,
	    { 5, -1, false }, false, PERM_NONE },
	{ "alive ACL", { { 0, 0, 0 }, { 5, PERM_READ, 0 } }, 2,
	    { 5, -1, false }, true, PERM_READ },
	{ "dead ACL skipped", { { 0, 0, 0 }, { 9, PERM_READ, 0 } }, 2,
	    { 9, -1, false }, true, PERM_NONE },
	{ "dead ACL skipped to the next", { { 0, 0, 0 }, { 9, PERM_READ, 0 },
	    { ANY, PERM_WRITE, 0 } }, 3, { 9, -1, false }, true, PERM_WRITE },
	{ "dead target's ACL skipped", { { 0, 0, 0 }, { 9, PERM_READ, 0 } },
	    2, { 5, 9, false }, true, PERM_NONE },
	{ "owner needs no alive check", { { 9, 0, 0 } }, 1, { 9, -1, false },
	    true, ALL },
	{ "DOMID_ANY needs no alive check", { { 0, 0, 0 },
	    { ANY, PERM_READ, 0 } }, 2, { 9, -1, false }, true, PERM_READ },
};

START_TEST(for_table)
{
	const struct for_case *fc = &for_cases[_i];
	struct alive_log l = { 0, 0, 0 };
	unsigned got = perms_for(fc->p, fc->n, 1234, &fc->who,
	    fc->use_alive ? alive_unless : NULL, &l);

	ck_assert_msg(got == fc->want, "%s: %#x, want %#x", fc->name, got,
	    fc->want);
	if (!fc->use_alive)
		ck_assert_uint_eq(l.calls, 0);
}
END_TEST

/* The callback sees the matching entry's domid and the node generation. */
START_TEST(alive_arguments)
{
	static const struct trie_perm p[] = {
		{ 0, 0, 0 }, { 6, RW, 0 }, { ANY, PERM_WRITE, 0 },
		{ 5, PERM_READ, 0 },
	};
	struct caller who = { 5, -1, false };
	struct alive_log l = { 0, 0, 0 };

	/* DOMID_ANY matches first and is not asked about. */
	ck_assert_uint_eq(perms_for(p, 4, 77, &who, alive_unless, &l),
	    PERM_WRITE);
	ck_assert_uint_eq(l.calls, 0);
	/* Without DOMID_ANY, domain 5's entry is asked about. */
	ck_assert_uint_eq(perms_for(p, 2, 77, &who, alive_unless, &l),
	    PERM_NONE);
	ck_assert_uint_eq(l.calls, 0);	/* entry 6 does not match */
	{
		static const struct trie_perm q[] = {
			{ 0, 0, 0 }, { 6, RW, 0 }, { 5, PERM_READ, 0 },
		};

		ck_assert_uint_eq(perms_for(q, 3, 88, &who, alive_unless,
		    &l), PERM_READ);
		ck_assert_uint_eq(l.calls, 1);
		ck_assert_uint_eq(l.domid, 5);
		ck_assert_uint_eq(l.gen, 88);
	}
}
END_TEST

/* ---- perms_equal ---------------------------------------------------- */

START_TEST(equal)
{
	static const struct trie_perm a[] = { { 0, 0, 0 }, { 5, 1, 0 } };
	struct trie_perm b[2];

	memcpy(b, a, sizeof(b));
	ck_assert(perms_equal(a, 2, b, 2));
	ck_assert(perms_equal(a, 0, b, 0));
	ck_assert(!perms_equal(a, 2, b, 1));
	ck_assert(!perms_equal(a, 1, b, 2));
	ck_assert(perms_equal(a, 1, b, 1));
	b[1].id = 6;
	ck_assert(!perms_equal(a, 2, b, 2));
	b[1].id = 5;
	b[1].mode = 3;
	ck_assert(!perms_equal(a, 2, b, 2));
	b[1].mode = 1;
	b[1].flags = PERM_F_STALE;
	ck_assert(!perms_equal(a, 2, b, 2));
	b[1].flags = 0;
	b[0].mode = 2;
	ck_assert(!perms_equal(a, 2, b, 2));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("perms");
	TCase *tc = tcase_create("perms");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, parse_table, 0, NELEM(parse_cases));
	tcase_add_test(tc, parse_several);
	tcase_add_test(tc, format_and_round_trip);
	tcase_add_test(tc, round_trip_ids);
	tcase_add_test(tc, format_e2big);
	tcase_add_loop_test(tc, for_table, 0, NELEM(for_cases));
	tcase_add_test(tc, alive_arguments);
	tcase_add_test(tc, equal);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
