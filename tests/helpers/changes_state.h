/*
 * changes_state.h: the request types after which the test harnesses
 * (tests/guests/gtest.c, tests/integration/itest.c) run the invariant
 * checker: every one that may change the daemon's state, whatever its
 * answer.  CONTROL is left out (the check is one).
 */
#ifndef TESTS_HELPERS_CHANGES_STATE_H
#define TESTS_HELPERS_CHANGES_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "xs_wire_ext.h"

static inline bool
changes_state(uint32_t type)
{
	switch (type) {
	case XS_WRITE:
	case XS_MKDIR:
	case XS_RM:
	case XS_SET_PERMS:
	case XS_WATCH:
	case XS_UNWATCH:
	case XS_RESET_WATCHES:
	case XS_TRANSACTION_START:
	case XS_TRANSACTION_END:
	case XS_INTRODUCE:
	case XS_RELEASE:
	case XS_RESUME:
	case XS_SET_TARGET:
	case XS_SET_FEATURE:
	case XS_SET_QUOTA:
		return true;
	default:
		return false;
	}
}

#endif
