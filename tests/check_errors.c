/*
 * check_errors.c: unit tests of xs_errors.c (links xs_errors.c only):
 * both directions of the errno <-> wire name mapping for every entry of
 * the xsd_errors table, checked against our own copy of wire.md §7 (not
 * against the table itself), and the fallbacks: unknown codes become
 * "EINVAL", unknown names -EINVAL.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_errors.h"
#include "xs_wire_ext.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* wire.md §7, in table order. */
static const struct {
	int err;
	const char *name;
} ref[] = {
	{ EINVAL, "EINVAL" }, { EACCES, "EACCES" }, { EEXIST, "EEXIST" },
	{ EISDIR, "EISDIR" }, { ENOENT, "ENOENT" }, { ENOMEM, "ENOMEM" },
	{ ENOSPC, "ENOSPC" }, { EIO, "EIO" }, { ENOTEMPTY, "ENOTEMPTY" },
	{ ENOSYS, "ENOSYS" }, { EROFS, "EROFS" }, { EBUSY, "EBUSY" },
	{ EAGAIN, "EAGAIN" }, { EISCONN, "EISCONN" }, { E2BIG, "E2BIG" },
	{ EPERM, "EPERM" },
};

START_TEST(every_entry)
{
	int known = -1;

	/* Negative (as handlers return them) and positive. */
	ck_assert_str_eq(xs_error_name(-ref[_i].err, &known), ref[_i].name);
	ck_assert_int_eq(known, 1);
	known = -1;
	ck_assert_str_eq(xs_error_name(ref[_i].err, &known), ref[_i].name);
	ck_assert_int_eq(known, 1);
	ck_assert_str_eq(xs_error_name(-ref[_i].err, NULL), ref[_i].name);
	ck_assert_int_eq(xs_error_code(ref[_i].name), -ref[_i].err);
}
END_TEST

/* The header's table has exactly the entries above: a new one is tested. */
START_TEST(table_size)
{
	ck_assert_uint_eq(sizeof(xsd_errors) / sizeof(xsd_errors[0]),
	    NELEM(ref));
}
END_TEST

static const int unknown_codes[] = {
	0, EBADF, EPROTO, ETIMEDOUT, EDOM, ENODEV, EOVERFLOW, 4095, INT_MAX,
};

START_TEST(unknown_code)
{
	int err = unknown_codes[_i], known = -1;

	ck_assert_str_eq(xs_error_name(-err, &known), "EINVAL");
	ck_assert_int_eq(known, 0);
	known = -1;
	ck_assert_str_eq(xs_error_name(err, &known), "EINVAL");
	ck_assert_int_eq(known, 0);
	ck_assert_str_eq(xs_error_name(err, NULL), "EINVAL");
}
END_TEST

static const char *const unknown_names[] = {
	"", "EQUOTA", "eacces", "EACCES ", " EACCES", "EACCESS", "EACCE",
	"EBADF", "ENOSPC\n", "OK",
};

START_TEST(unknown_name)
{
	ck_assert_int_eq(xs_error_code(unknown_names[_i]), -EINVAL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("errors");
	TCase *tc = tcase_create("errors");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, every_entry, 0, NELEM(ref));
	tcase_add_test(tc, table_size);
	tcase_add_loop_test(tc, unknown_code, 0, NELEM(unknown_codes));
	tcase_add_loop_test(tc, unknown_name, 0, NELEM(unknown_names));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
