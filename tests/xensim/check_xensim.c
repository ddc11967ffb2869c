/*
 * check_xensim.c: unit tests of the simulated Xen's host library and core
 * (domain table, event channels, guest side).  The suites are in
 * check_sim_*.c; this file holds the shared fixture and main().
 */
#include <stdlib.h>

#include "check_xensim.h"

struct tx tx;

void
tx_setup(void)
{
	tx.dir = tutil_mkdtemp();
	ck_assert_ptr_nonnull(tx.dir);
	ck_assert_int_eq(xensim_create(tx.dir, &tx.sim), 0);
}

void
tx_teardown(void)
{
	xensim_close(&tx.sim);
	tutil_rmrf(&tx.dir);
}

TCase *
tx_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, tx_setup, tx_teardown);
	tcase_set_timeout(tc, 180);
	return tc;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(suite_domain());
	srunner_add_suite(sr, suite_evtchn());
	srunner_add_suite(sr, suite_guest());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
