/*
 * check_hist.c: unit tests of xs-bench's latency histogram
 * (tools/xs-bench/hist.c): bucket arithmetic, precision, percentiles,
 * merging.
 */
#include <check.h>
#include <stdlib.h>

#include "hist.h"

START_TEST(buckets_tile_the_range)
{
	unsigned i;

	ck_assert_uint_eq(hist_index(0), 0);
	ck_assert_uint_eq(hist_lowest(0), 0);
	for (i = 0; i + 1 < HIST_BUCKETS; i++) {
		ck_assert_uint_le(hist_lowest(i), hist_highest(i));
		ck_assert_uint_eq(hist_highest(i) + 1, hist_lowest(i + 1));
		ck_assert_uint_eq(hist_index(hist_lowest(i)), i);
		ck_assert_uint_eq(hist_index(hist_highest(i)), i);
	}
	ck_assert_uint_eq(hist_index(UINT64_MAX), HIST_BUCKETS - 1);
}
END_TEST

START_TEST(three_significant_digits)
{
	uint64_t v, w;
	unsigned i;

	/* Below 2048 exact; above, a bucket spans at most 1/1024 of its
	 * lowest value. */
	for (v = 0; v < 2048; v++)
		ck_assert_uint_eq(hist_highest(hist_index(v)), v);
	for (i = 2048; i < HIST_BUCKETS; i++) {
		v = hist_lowest(i);
		w = hist_highest(i);
		ck_assert((double)(w - v + 1) / (double)v <= 1.0 / 1024);
	}
}
END_TEST

START_TEST(percentiles_of_a_uniform_distribution)
{
	struct hist *h = hist_new();
	uint64_t v;

	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(hist_percentile(h, 50), 0);
	for (v = 1; v <= 1000000; v++)
		hist_record(h, v * 10);	/* 10 ns .. 10 ms */
	ck_assert_uint_eq(h->total, 1000000);
	ck_assert_uint_eq(h->min, 10);
	ck_assert_uint_eq(h->max, 10000000);
	ck_assert_uint_ge(hist_percentile(h, 50), 5000000);
	ck_assert_uint_le(hist_percentile(h, 50), 5000000 + 5000000 / 1024);
	ck_assert_uint_ge(hist_percentile(h, 99), 9900000);
	ck_assert_uint_le(hist_percentile(h, 99), 9900000 + 9900000 / 1024);
	ck_assert_uint_ge(hist_percentile(h, 99.9), 9990000);
	ck_assert_uint_le(hist_percentile(h, 99.9), 9990000 + 9990000 / 1024);
	ck_assert_uint_eq(hist_percentile(h, 100), 10000000);
	ck_assert(hist_mean(h) > 5000004.9 && hist_mean(h) < 5000005.1);
	hist_free(h);
}
END_TEST

START_TEST(percentile_never_above_max)
{
	struct hist *h = hist_new();

	hist_record(h, 1000001);
	ck_assert_uint_eq(hist_percentile(h, 50), 1000001);
	ck_assert_uint_eq(hist_percentile(h, 99.9), 1000001);
	hist_free(h);
}
END_TEST

START_TEST(merge_adds_up)
{
	struct hist *a = hist_new(), *b = hist_new();
	uint64_t v;

	for (v = 0; v < 1000; v++)
		hist_record(a, 100);
	for (v = 0; v < 1000; v++)
		hist_record(b, 300000);
	hist_merge(a, b);
	ck_assert_uint_eq(a->total, 2000);
	ck_assert_uint_eq(a->min, 100);
	ck_assert_uint_eq(a->max, 300000);
	ck_assert_uint_eq(hist_percentile(a, 50), 100);
	ck_assert_uint_eq(hist_percentile(a, 50.1), 300000);
	hist_reset(b);
	ck_assert_uint_eq(b->total, 0);
	hist_merge(a, b);
	ck_assert_uint_eq(a->total, 2000);
	hist_free(a);
	hist_free(b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xs-bench hist");
	TCase *tc = tcase_create("hist");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, buckets_tile_the_range);
	tcase_add_test(tc, three_significant_digits);
	tcase_add_test(tc, percentiles_of_a_uniform_distribution);
	tcase_add_test(tc, percentile_never_above_max);
	tcase_add_test(tc, merge_adds_up);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
