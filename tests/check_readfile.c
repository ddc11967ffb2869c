/*
 * check_readfile.c: read_whole_file (xenstored/readfile.c): contents and
 * the NUL after them, an empty file, and the refusals (missing file,
 * directory, FIFO: a FIFO would block the daemon at start).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readfile.h"

static char dir[] = "/tmp/check_readfile.XXXXXX";

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/f", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/d", dir);
	rmdir(p);
	rmdir(dir);
	strcpy(dir, "/tmp/check_readfile.XXXXXX");
}

static void
put(const char *name, const void *data, size_t len)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(reads_contents_and_terminates)
{
	static const uint8_t bin[] = { 'a', 0, 0xff, 'b', '\n' };
	char p[256];
	uint8_t *d = NULL;
	size_t len = 99;

	put("f", bin, sizeof(bin));
	snprintf(p, sizeof(p), "%s/f", dir);
	ck_assert_int_eq(read_whole_file(p, &d, &len), 0);
	ck_assert_uint_eq(len, sizeof(bin));
	ck_assert_mem_eq(d, bin, sizeof(bin));
	ck_assert_int_eq(d[len], '\0');
	free(d);
	put("f", "", 0);
	ck_assert_int_eq(read_whole_file(p, &d, &len), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(d[0], '\0');
	free(d);
}
END_TEST

START_TEST(refuses_what_is_not_a_regular_file)
{
	char p[256];
	uint8_t *d = (uint8_t *)"untouched";
	size_t len = 7;

	snprintf(p, sizeof(p), "%s/missing", dir);
	ck_assert_int_eq(read_whole_file(p, &d, &len), -ENOENT);
	snprintf(p, sizeof(p), "%s/d", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	ck_assert_int_eq(read_whole_file(p, &d, &len), -EINVAL);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	/* Returns at once: no writer needed, nothing read. */
	ck_assert_int_eq(read_whole_file(p, &d, &len), -EINVAL);
	ck_assert_str_eq((const char *)d, "untouched");
	ck_assert_uint_eq(len, 7);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("readfile");
	TCase *tc = tcase_create("readfile");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reads_contents_and_terminates);
	tcase_add_test(tc, refuses_what_is_not_a_regular_file);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
