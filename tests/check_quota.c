/*
 * check_quota.c: unit tests of quota.c (links quota.c and wire.c, whose
 * wire_uint parses the values): the C daemon's defaults and names (HEAD
 * names plus the 4.17 alias), the boundary of every quota at limit-1,
 * limit and limit+1 (a value equal to the limit is allowed for counts and
 * lengths, refused for node size, memory and outstanding requests; 0
 * disables), and "name=value" assignments.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quota.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The reference, from quotas-and-limits.md §1 (4.17 column). */
static const struct {
	const char *name;
	unsigned hard, soft;
	bool at_limit_fails;
} ref[Q_COUNT] = {
	[Q_NODES] = { "nodes", 1000, QUOTA_NA, false },
	[Q_WATCHES] = { "watches", 128, QUOTA_NA, false },
	[Q_OUTSTANDING] = { "outstanding", 20, QUOTA_NA, true },
	[Q_MEMORY] = { "memory", 2621440, 2097152, true },
	[Q_TRANSACTIONS] = { "transactions", 10, QUOTA_NA, false },
	[Q_TXN_NODES] = { "transaction-nodes", 1024, QUOTA_NA, false },
	[Q_PERMS] = { "node-permissions", 5, QUOTA_NA, false },
	[Q_PATH_MAX] = { "path-max", 2048, QUOTA_NA, false },
	[Q_NODE_SIZE] = { "node-size", 2048, QUOTA_NA, true },
};

START_TEST(defaults)
{
	struct quota q;
	int i;

	memset(&q, 0xa5, sizeof(q));
	quota_defaults(&q);
	for (i = 0; i < Q_COUNT; i++) {
		ck_assert_msg(q.hard[i] == ref[i].hard, "%s hard %u",
		    ref[i].name, q.hard[i]);
		ck_assert_msg(q.soft[i] == ref[i].soft, "%s soft %u",
		    ref[i].name, q.soft[i]);
	}
}
END_TEST

START_TEST(names)
{
	int i;

	for (i = 0; i < Q_COUNT; i++) {
		ck_assert_str_eq(quota_name((enum quota_id)i), ref[i].name);
		ck_assert_int_eq(quota_by_name(ref[i].name), i);
		ck_assert_ptr_nonnull(quota_describe((enum quota_id)i));
		ck_assert_uint_gt(strlen(quota_describe((enum quota_id)i)),
		    0);
	}
	/* 4.17's CONTROL name (and xenstore.txt's) */
	ck_assert_int_eq(quota_by_name("permissions"), Q_PERMS);
	/* not names: HEAD --help's wrong one, case, prefixes, soft-memory */
	ck_assert_int_eq(quota_by_name("path-length"), -1);
	ck_assert_int_eq(quota_by_name("Nodes"), -1);
	ck_assert_int_eq(quota_by_name("node"), -1);
	ck_assert_int_eq(quota_by_name("nodes "), -1);
	ck_assert_int_eq(quota_by_name("transaction"), -1);
	ck_assert_int_eq(quota_by_name(""), -1);
}
END_TEST

/* Every quota, at its default and at a small limit. */
START_TEST(exceeded_boundaries)
{
	enum quota_id id = (enum quota_id)_i;
	bool ge = ref[id].at_limit_fails;
	static const unsigned limits[] = { 0 /* default */, 1, 7, UINT_MAX };
	struct quota q;
	size_t k;

	for (k = 0; k < NELEM(limits); k++) {
		unsigned long lim;

		quota_defaults(&q);
		if (limits[k] != 0)
			q.hard[id] = limits[k];
		lim = q.hard[id];
		ck_assert_msg(!quota_exceeded(&q, id, lim - 1), "%s: %lu",
		    ref[id].name, lim - 1);
		ck_assert_msg(quota_exceeded(&q, id, lim) == ge, "%s: %lu",
		    ref[id].name, lim);
		ck_assert_msg(quota_exceeded(&q, id, lim + 1), "%s: %lu",
		    ref[id].name, lim + 1);
		ck_assert(quota_exceeded(&q, id, ULONG_MAX));
		ck_assert(!quota_exceeded(&q, id, 0));
	}
	/* 0 disables the quota. */
	quota_defaults(&q);
	q.hard[id] = 0;
	ck_assert(!quota_exceeded(&q, id, 0));
	ck_assert(!quota_exceeded(&q, id, 1));
	ck_assert(!quota_exceeded(&q, id, ULONG_MAX));
	/* Only the quota asked about counts. */
	quota_defaults(&q);
	q.hard[(id + 1) % Q_COUNT] = 1;
	ck_assert(!quota_exceeded(&q, id, 2));
}
END_TEST

static const struct assign_case {
	const char *spec;
	bool soft;
	int rc;
	int id;			/* changed entry when rc == 0 */
	unsigned v;
} assign_cases[] = {
	{ "nodes=5", false, 0, Q_NODES, 5 },
	{ "nodes=0", false, 0, Q_NODES, 0 },
	{ "nodes=007", false, 0, Q_NODES, 7 },
	{ "watches=1", false, 0, Q_WATCHES, 1 },
	{ "outstanding=30", false, 0, Q_OUTSTANDING, 30 },
	{ "memory=1048576", false, 0, Q_MEMORY, 1048576 },
	{ "transactions=3", false, 0, Q_TRANSACTIONS, 3 },
	{ "transaction-nodes=99", false, 0, Q_TXN_NODES, 99 },
	{ "node-permissions=4", false, 0, Q_PERMS, 4 },
	{ "permissions=3", false, 0, Q_PERMS, 3 },
	{ "path-max=100", false, 0, Q_PATH_MAX, 100 },
	{ "node-size=4000", false, 0, Q_NODE_SIZE, 4000 },
	{ "nodes=2147483647", false, 0, Q_NODES, 2147483647u },
	{ "memory=100", true, 0, Q_MEMORY, 100 },
	{ "memory=0", true, 0, Q_MEMORY, 0 },
	/* rejected, nothing changes */
	{ "nodes=5", true, -EINVAL, 0, 0 },	/* no soft value */
	{ "path-max=5", true, -EINVAL, 0, 0 },
	{ "nodes=2147483648", false, -EINVAL, 0, 0 },
	{ "nodes=-1", false, -EINVAL, 0, 0 },
	{ "nodes=+1", false, -EINVAL, 0, 0 },
	{ "nodes=0x10", false, -EINVAL, 0, 0 },
	{ "nodes= 1", false, -EINVAL, 0, 0 },
	{ "nodes=1 ", false, -EINVAL, 0, 0 },
	{ "nodes=", false, -EINVAL, 0, 0 },
	{ "nodes=5=6", false, -EINVAL, 0, 0 },
	{ "nodes", false, -EINVAL, 0, 0 },
	{ "=5", false, -EINVAL, 0, 0 },
	{ "", false, -EINVAL, 0, 0 },
	{ " nodes=1", false, -EINVAL, 0, 0 },
	{ "Nodes=1", false, -EINVAL, 0, 0 },
	{ "path-length=100", false, -EINVAL, 0, 0 },
	{ "bogus=1", false, -EINVAL, 0, 0 },
	{ "a-name-much-longer-than-any-quota-name=1", false, -EINVAL, 0, 0 },
	{ "watch-event=5", false, -EINVAL, 0, 0 },
};

START_TEST(assign_table)
{
	const struct assign_case *ac = &assign_cases[_i];
	struct quota q, before;
	int rc;

	quota_defaults(&q);
	before = q;
	rc = quota_assign(&q, ac->spec, ac->soft);
	ck_assert_msg(rc == ac->rc, "\"%s\" (%s): rc %d", ac->spec,
	    ac->soft ? "soft" : "hard", rc);
	if (rc == 0) {
		unsigned *v = ac->soft ? &q.soft[ac->id] : &q.hard[ac->id];

		ck_assert_uint_eq(*v, ac->v);
		*v = ac->soft ? before.soft[ac->id] : before.hard[ac->id];
	}
	/* Nothing else changed. */
	ck_assert_mem_eq(&q, &before, sizeof(q));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("quota");
	TCase *tc = tcase_create("quota");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, names);
	tcase_add_loop_test(tc, exceeded_boundaries, 0, Q_COUNT);
	tcase_add_loop_test(tc, assign_table, 0, NELEM(assign_cases));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
