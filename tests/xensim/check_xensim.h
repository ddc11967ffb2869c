/*
 * check_xensim.h: the suites of the check_xensim unit-test binary and the
 * fixture they share (a fresh simulation per test).
 */
#ifndef XENSIM_CHECK_XENSIM_H
#define XENSIM_CHECK_XENSIM_H

#include <check.h>

#include "sim.h"
#include "host.h"
#include "tutil.h"

/* Set up by tx_setup for each test, torn down by tx_teardown. */
struct tx {
	char *dir;
	struct xensim *sim;
};

extern struct tx tx;

void tx_setup(void);
void tx_teardown(void);
TCase *tx_tcase(const char *name);

Suite *suite_domain(void);
Suite *suite_evtchn(void);
Suite *suite_guest(void);

#endif
