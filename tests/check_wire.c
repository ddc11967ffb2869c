/*
 * check_wire.c: unit tests of wire.c (links wire.c only): framing of
 * struct xsd_sockmsg + payload (need-more, exact, trailing bytes, the
 * 4096-byte limit, several messages in one buffer, unaligned headers),
 * splitting payloads into strings, and strict decimal numbers.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Buffer big enough for the largest message plus slack. */
static unsigned char buf[WIRE_MAX_MSG + 64];

static void
put_hdr(unsigned char *p, uint32_t type, uint32_t req, uint32_t tx,
    uint32_t len)
{
	struct xsd_sockmsg h = { type, req, tx, len };

	memcpy(p, &h, sizeof(h));
}

/* ---- wire_frame ---------------------------------------------------- */

static const struct frame_case {
	const char *name;
	size_t avail;		/* bytes available (< WIRE_HDR: header cut) */
	uint32_t len;		/* header's len field */
	int rc;
	size_t need;		/* expected *need (rc 0 and 1) */
} frame_cases[] = {
	{ "nothing", 0, 5, 0, WIRE_HDR },
	{ "one byte", 1, 5, 0, WIRE_HDR },
	{ "header minus one", WIRE_HDR - 1, 5, 0, WIRE_HDR },
	{ "header only, payload due", WIRE_HDR, 5, 0, WIRE_HDR + 5 },
	{ "payload minus one", WIRE_HDR + 4, 5, 0, WIRE_HDR + 5 },
	{ "exact", WIRE_HDR + 5, 5, 1, WIRE_HDR + 5 },
	{ "trailing bytes", WIRE_HDR + 40, 5, 1, WIRE_HDR + 5 },
	{ "empty payload", WIRE_HDR, 0, 1, WIRE_HDR },
	{ "4096 header only", WIRE_HDR, 4096, 0, WIRE_HDR + 4096 },
	{ "4096 minus one byte", WIRE_HDR + 4095, 4096, 0, WIRE_HDR + 4096 },
	{ "4096 exact", WIRE_HDR + 4096, 4096, 1, WIRE_HDR + 4096 },
	{ "4097", WIRE_HDR, 4097, -E2BIG, 0 },
	{ "4097 with its payload", WIRE_HDR + 4097, 4097, -E2BIG, 0 },
	{ "huge", WIRE_HDR, 0xffffffffu, -E2BIG, 0 },
	{ "huge, header not complete", WIRE_HDR - 1, 0xffffffffu, 0,
	    WIRE_HDR },
};

START_TEST(frame_table)
{
	const struct frame_case *fc = &frame_cases[_i];
	struct wire_req req;
	size_t need = 12345;
	int rc;

	memset(buf, 'x', sizeof(buf));
	put_hdr(buf, XS_READ, 77, 3, fc->len);
	memset(&req, 0, sizeof(req));
	rc = wire_frame(buf, fc->avail, &req, &need);
	ck_assert_msg(rc == fc->rc, "%s: rc %d, want %d", fc->name, rc, fc->rc);
	if (rc >= 0)
		ck_assert_msg(need == fc->need, "%s: need %zu, want %zu",
		    fc->name, need, fc->need);
	if (rc == 1) {
		ck_assert_uint_eq(req.hdr.type, XS_READ);
		ck_assert_uint_eq(req.hdr.req_id, 77);
		ck_assert_uint_eq(req.hdr.tx_id, 3);
		ck_assert_uint_eq(req.hdr.len, fc->len);
		ck_assert_uint_eq(req.len, fc->len);
		ck_assert_ptr_eq(req.body, (const char *)buf + WIRE_HDR);
	} else {
		/* Nothing framed: the request is left alone. */
		ck_assert_ptr_null(req.body);
	}
}
END_TEST

/* Several messages back to back, odd lengths: later headers unaligned. */
START_TEST(frame_several_in_one_buffer)
{
	static const char *const payloads[] = { "a", "", "xyz\0w", "hello" };
	static const uint32_t lens[] = { 1, 0, 5, 5 };
	size_t off = 1, total, n = 0, i;	/* start unaligned too */
	struct wire_req req;
	size_t need;

	for (i = 0; i < NELEM(payloads); i++) {
		put_hdr(buf + off, XS_WRITE, (uint32_t)(100 + i), 0, lens[i]);
		memcpy(buf + off + WIRE_HDR, payloads[i], lens[i]);
		off += WIRE_HDR + lens[i];
	}
	total = off;
	off = 1;
	/* Bounded: at most one iteration per message, plus the last. */
	for (i = 0; i <= NELEM(payloads); i++) {
		int rc = wire_frame(buf + off, total - off, &req, &need);

		if (rc == 0)
			break;
		ck_assert_int_eq(rc, 1);
		ck_assert_uint_eq(req.hdr.req_id, 100 + n);
		ck_assert_uint_eq(req.len, lens[n]);
		ck_assert_mem_eq(req.body, payloads[n], lens[n]);
		ck_assert_uint_eq(need, WIRE_HDR + lens[n]);
		off += need;
		n++;
	}
	ck_assert_uint_eq(n, NELEM(payloads));
	ck_assert_uint_eq(off, total);
	ck_assert_uint_eq(need, WIRE_HDR);

	/* The same stream cut in the middle of the third message. */
	off = 1 + 2 * WIRE_HDR + 1;
	ck_assert_int_eq(wire_frame(buf + off, WIRE_HDR + 2, &req, &need), 0);
	ck_assert_uint_eq(need, WIRE_HDR + 5);
}
END_TEST

/* ---- wire_args ------------------------------------------------------ */

static const struct args_case {
	const char *name;
	const char *body;
	size_t len;
	size_t max;
	size_t count;		/* return value */
	const char *want[4];	/* first min(count, max) strings */
} args_cases[] = {
	{ "empty", "", 0, 4, 0, { NULL } },
	{ "no NUL", "abc", 3, 4, 0, { NULL } },
	{ "one", "a\0", 2, 4, 1, { "a" } },
	{ "one empty string", "\0", 1, 4, 1, { "" } },
	{ "two", "ab\0cd\0", 6, 4, 2, { "ab", "cd" } },
	{ "trailing bytes ignored", "ab\0cd", 5, 4, 1, { "ab" } },
	{ "three empty", "\0\0\0", 3, 4, 3, { "", "", "" } },
	{ "empty in the middle", "a\0\0b\0", 5, 4, 3, { "a", "", "b" } },
	{ "more than max", "a\0b\0c\0d\0e\0", 10, 2, 5, { "a", "b" } },
	{ "max zero", "a\0b\0", 4, 0, 2, { NULL } },
	{ "exactly max", "a\0b\0c\0", 6, 3, 3, { "a", "b", "c" } },
};

START_TEST(args_table)
{
	const struct args_case *ac = &args_cases[_i];
	const char *argv[6];
	const char sentinel[] = "untouched";
	size_t n, i, stored;

	for (i = 0; i < NELEM(argv); i++)
		argv[i] = sentinel;
	n = wire_args(ac->body, ac->len, argv, ac->max);
	ck_assert_msg(n == ac->count, "%s: %zu strings, want %zu", ac->name,
	    n, ac->count);
	stored = n < ac->max ? n : ac->max;
	for (i = 0; i < stored; i++) {
		ck_assert_msg(argv[i] >= ac->body &&
		    argv[i] < ac->body + ac->len, "%s: argv[%zu] outside the "
		    "payload", ac->name, i);
		ck_assert_str_eq(argv[i], ac->want[i]);
	}
	for (; i < NELEM(argv); i++)
		ck_assert_msg(argv[i] == sentinel, "%s: argv[%zu] written",
		    ac->name, i);
}
END_TEST

/* ---- wire_first ----------------------------------------------------- */

static const struct first_case {
	const char *name;
	const char *body;
	size_t len;
	bool ok;
	const char *first;
	size_t restoff, restlen;
} first_cases[] = {
	{ "path and value", "p/a\0value", 9, true, "p/a", 4, 5 },
	{ "empty value", "p\0", 2, true, "p", 2, 0 },
	{ "value with NULs", "p\0a\0b", 5, true, "p", 2, 3 },
	{ "only a NUL", "\0", 1, true, "", 1, 0 },
	{ "no NUL", "path", 4, false, NULL, 0, 0 },
	{ "nothing", "", 0, false, NULL, 0, 0 },
	{ "NUL past len ignored", "ab\0", 2, false, NULL, 0, 0 },
};

START_TEST(first_table)
{
	const struct first_case *fc = &first_cases[_i];
	const char *first = NULL, *rest = NULL;
	size_t restlen = 999;
	bool ok = wire_first(fc->body, fc->len, &first, &rest, &restlen);

	ck_assert_msg(ok == fc->ok, "%s", fc->name);
	if (!ok)
		return;
	ck_assert_ptr_eq(first, fc->body);
	ck_assert_str_eq(first, fc->first);
	ck_assert_ptr_eq(rest, fc->body + fc->restoff);
	ck_assert_uint_eq(restlen, fc->restlen);
}
END_TEST

/* ---- wire_uint ------------------------------------------------------ */

static const struct uint_case {
	const char *s;
	unsigned long max;
	bool ok;
	unsigned long v;
} uint_cases[] = {
	{ "0", 10, true, 0 },
	{ "7", 10, true, 7 },
	{ "10", 10, true, 10 },
	{ "11", 10, false, 0 },
	{ "9", 9, true, 9 },
	{ "10", 9, false, 0 },
	{ "5", 3, false, 0 },
	{ "0", 0, true, 0 },
	{ "1", 0, false, 0 },
	{ "007", 10, true, 7 },
	{ "", 10, false, 0 },
	{ "-1", 10, false, 0 },
	{ "-0", 10, false, 0 },
	{ "+1", 10, false, 0 },
	{ " 1", 10, false, 0 },
	{ "1 ", 10, false, 0 },
	{ "1\t", 10, false, 0 },
	{ "1a", 10, false, 0 },
	{ "a1", 10, false, 0 },
	{ "0x10", 100, false, 0 },
	{ "1.0", 10, false, 0 },
	{ "65535", 65535, true, 65535 },
	{ "65536", 65535, false, 0 },
	{ "2147483647", 0x7fffffff, true, 0x7fffffff },
	{ "2147483648", 0x7fffffff, false, 0 },
	{ "18446744073709551615", ULONG_MAX, true, ULONG_MAX },
	{ "18446744073709551616", ULONG_MAX, false, 0 },
	{ "18446744073709551620", ULONG_MAX, false, 0 },
	{ "99999999999999999999999", ULONG_MAX, false, 0 },
	{ "0000000000000000000000000001", ULONG_MAX, true, 1 },
};

START_TEST(uint_table)
{
	const struct uint_case *uc = &uint_cases[_i];
	unsigned long v = 4242;
	bool ok = wire_uint(uc->s, uc->max, &v);

	ck_assert_msg(ok == uc->ok, "\"%s\" max %lu: %d", uc->s, uc->max,
	    (int)ok);
	/* The result is written only on success. */
	ck_assert_msg(v == (ok ? uc->v : 4242), "\"%s\": %lu", uc->s, v);
}
END_TEST

/* wire_put_uint against snprintf, and back through wire_uint. */
START_TEST(put_uint_round_trips)
{
	static const unsigned long vals[] = { 0, 1, 9, 10, 99, 100, 65535,
	    4294967295UL, 18446744073709551615UL };
	size_t i;

	for (i = 0; i < NELEM(vals); i++) {
		char got[24], want[24];
		unsigned long back = 0;
		size_t n;

		memset(got, 'x', sizeof(got));
		n = wire_put_uint(got, vals[i]);
		snprintf(want, sizeof(want), "%lu", vals[i]);
		ck_assert_uint_eq(n, strlen(want));
		ck_assert_int_eq(got[n], 'x');	/* no NUL written */
		got[n] = '\0';
		ck_assert_str_eq(got, want);
		ck_assert(wire_uint(got, vals[i], &back));
		ck_assert_uint_eq(back, vals[i]);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("wire");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, frame_table, 0, NELEM(frame_cases));
	tcase_add_test(tc, frame_several_in_one_buffer);
	tcase_add_loop_test(tc, args_table, 0, NELEM(args_cases));
	tcase_add_loop_test(tc, first_table, 0, NELEM(first_cases));
	tcase_add_loop_test(tc, uint_table, 0, NELEM(uint_cases));
	tcase_add_test(tc, put_uint_round_trips);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
