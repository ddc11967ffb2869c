/*
 * check_guest_deep.c: the deepest paths the daemon accepts, under the
 * simulated Xen.  A guest builds a chain a/a/a/... down to its path
 * limit (2048 bytes under its home: about 1,000 levels) and dom0 one
 * down to its own (the same 2048 bytes, counted after /local/domain/0/,
 * so its absolute paths are the longest there are); then every walk of
 * the tree runs over them: reads, a transaction committed at the
 * bottom, watch events, CONTROL check, a snapshot, a live update (the
 * state written and read back), and removal with its events.
 *
 * `make check` runs it with the usual stack; `make check-small-stack`
 * runs it again with the daemon on a 256 KiB stack, where any walk whose
 * C stack grows with the depth of the tree would crash the daemon.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gtest.h"

#define OK "OK"
#define EINVAL_ "ERR EINVAL"
#define DEEP "/local/domain/0/deep"

/* base + "/a" repeated `levels` times, into buf. */
static char *
chain(char *buf, size_t size, const char *base, unsigned levels)
{
	size_t len = strlen(base);
	unsigned i;

	ck_assert_uint_lt(len + 2 * (size_t)levels, size);
	memcpy(buf, base, len);
	for (i = 0; i < levels; i++) {
		buf[len++] = '/';
		buf[len++] = 'a';
	}
	buf[len] = '\0';
	return buf;
}

/*
 * Write the deepest chain under `base` that `c` may, found by bisection
 * between 1 level and the most a request's payload can carry (a write
 * that is accepted creates every level, so the shorter chains tried on
 * the way are prefixes of the final one).  The next level down must be
 * EINVAL.  Returns the depth.
 */
static unsigned
deepest_chain(struct gt_chan *c, const char *base, const char *val)
{
	static char p[XENSTORE_PAYLOAD_MAX + 8];
	unsigned lo = 1, hi = (unsigned)(XENSTORE_PAYLOAD_MAX - 1 -
	    strlen(base) - strlen(val)) / 2 + 1;	/* hi: does not fit */
	const char *r;

	ck_assert_str_eq(gt_write(c, 0, chain(p, sizeof(p), base, lo), val),
	    OK);
	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;

		r = gt_write(c, 0, chain(p, sizeof(p), base, mid), val);
		if (strcmp(r, OK) == 0) {
			lo = mid;
		} else {
			ck_assert_str_eq(r, EINVAL_);
			hi = mid;
		}
	}
	ck_assert_str_eq(gt_write(c, 0, chain(p, sizeof(p), base, lo), val),
	    OK);
	if (strlen(base) + 2 * (size_t)(lo + 1) + 1 + strlen(val) <=
	    XENSTORE_PAYLOAD_MAX)
		ck_assert_str_eq(gt_write(c, 0, chain(p, sizeof(p), base,
		    lo + 1), val), EINVAL_);
	return lo;
}

static void
wait_snapshot(struct gt *t)
{
	int64_t end = gt_now_ms() + 6 * GT_REPLY_MS;

	for (;;) {
		const char *r = gt_do(gt_tool(t), XS_CONTROL, 0, "persist",
		    "status", NULL);

		ck_assert_msg(strncmp(r, "state directory", 15) == 0, "%s", r);
		if (strstr(r, "one being written") == NULL)
			return;
		ck_assert_msg(gt_now_ms() < end, "the snapshot never ended");
		gt_sleep_ms(20);
	}
}

/*
 * make check-small-stack sets EXPECT_STACK_KB: the daemon (the process
 * xensim ran, which exec'd the wrapper, which exec'd the daemon) must
 * really have that stack limit.
 */
static void
check_stack_limit(struct gt *t)
{
	const char *want = getenv("EXPECT_STACK_KB");
	char path[64], line[256], exe[4096];
	unsigned long long soft = 0;
	ssize_t n;
	FILE *f;

	if (want == NULL || *want == '\0')
		return;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)gt_pid(t));
	n = readlink(path, exe, sizeof(exe) - 1);
	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	ck_assert_msg(strstr(exe, "pxenstored") != NULL, "pid %d is %s",
	    (int)gt_pid(t), exe);
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)gt_pid(t));
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Max stack size %llu", &soft) == 1)
			break;
	fclose(f);
	ck_assert_msg(soft == strtoull(want, NULL, 10) * 1024, "the daemon's "
	    "stack limit is %llu bytes, not %s KiB", soft, want);
	fprintf(stderr, "deep: the daemon runs with a %s KiB stack\n", want);
}

START_TEST(deepest_chains_through_every_walk)
{
	static char p[XENSTORE_PAYLOAD_MAX + 8], d[XENSTORE_PAYLOAD_MAX + 8];
	char state[256], bin[4096];
	struct gt *t;
	struct gt_chan *tool, *g;
	unsigned gl, dl;
	uint32_t tx;
	long nodes0;
	const char *r;

	snprintf(state, sizeof(state), "%s/pxs-deep.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(state));
	/* the guest's chain is about 1,000 nodes: above the default quota */
	t = gt_start("--state-dir", state, "-Q", "nodes=4000", NULL);
	check_stack_limit(t);
	tool = gt_tool(t);
	g = gt_guest(t, 5);
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/0", ""), OK);
	wait_snapshot(t);	/* the first one holds an older root */
	nodes0 = gt_memreport(t, "trie nodes");

	/* The guest: relative paths, 2048 bytes under its home. */
	ck_assert_str_eq(gt_do(g, XS_WATCH, 0, "data", "g", NULL), OK);
	ck_assert(gt_event(g, "data", "g", GT_REPLY_MS));
	gl = deepest_chain(g, "data", "g");
	ck_assert_uint_ge(gl, 1000);
	ck_assert_str_eq(gt_read(g, 0, chain(p, sizeof(p), "data", gl)), "g");
	ck_assert(gt_event(g, p, "g", GT_REPLY_MS));
	/* a watch on the bottom node itself: its removal fires it too */
	ck_assert_str_eq(gt_do(g, XS_WATCH, 0, p, "bottom", NULL), OK);
	ck_assert(gt_event(g, p, "bottom", GT_REPLY_MS));

	/* dom0: absolute paths, the longest it may write. */
	ck_assert_str_eq(gt_do(tool, XS_WATCH, 0, DEEP, "d", NULL), OK);
	ck_assert(gt_event(tool, DEEP, "d", GT_REPLY_MS));
	dl = deepest_chain(tool, DEEP, "d");
	ck_assert_uint_ge(dl, 1000);
	chain(d, sizeof(d), DEEP, dl);
	ck_assert_str_eq(gt_read(tool, 0, d), "d");
	ck_assert_str_eq(gt_do(tool, XS_WATCH, 0, d, "bottom", NULL), OK);
	ck_assert(gt_event(tool, d, "bottom", GT_REPLY_MS));
	ck_assert_str_eq(gt_do(tool, XS_GET_PERMS, 0, d, NULL), "n0");
	ck_assert_str_eq(gt_do(tool, XS_DIRECTORY, 0, chain(p, sizeof(p),
	    DEEP, dl - 1), NULL), "a");
	fprintf(stderr, "deep: guest chain %u levels, dom0 chain %u levels\n",
	    gl, dl);

	/* A transaction writing at the bottom: path copies that deep. */
	tx = gt_txn(tool);
	ck_assert_str_eq(gt_read(tool, tx, d), "d");
	ck_assert_str_eq(gt_write(tool, tx, d, "in-tx"), OK);
	ck_assert_str_eq(gt_write(tool, 0, "/other", "x"), OK);
	ck_assert_str_eq(gt_do(tool, XS_TRANSACTION_END, tx, "T", NULL), OK);
	ck_assert_str_eq(gt_read(tool, 0, d), "in-tx");

	/* Every whole-tree walk: the check, a snapshot, a live update. */
	gt_check(t);
	ck_assert_str_eq(gt_do(tool, XS_CONTROL, 0, "persist", "snapshot",
	    NULL), OK);
	wait_snapshot(t);
	gt_check(t);
	ck_assert_ptr_nonnull(realpath(getenv("PXENSTORED") ?
	    getenv("PXENSTORED") : "build/bin/pxenstored", bin));
	ck_assert_str_eq(gt_do(tool, XS_CONTROL, 0, "live-update", "-f", bin,
	    NULL), OK);
	r = gt_do(tool, XS_CONTROL, 0, "live-update", "-s", NULL);
	ck_assert_str_eq(r, OK);
	ck_assert_str_eq(gt_read(tool, 0, d), "in-tx");
	ck_assert_str_eq(gt_read(g, 0, chain(p, sizeof(p), "data", gl)), "g");
	gt_check(t);

	/* Removal: every level goes, with its events, iteratively. */
	gt_flush_events(g);
	gt_flush_events(tool);
	ck_assert_str_eq(gt_do(g, XS_RM, 0, "data/a", NULL), OK);
	ck_assert(gt_event(g, chain(p, sizeof(p), "data", gl), "bottom",
	    GT_REPLY_MS));
	ck_assert(gt_event(g, "data/a", "g", GT_REPLY_MS));
	ck_assert_str_eq(gt_do(tool, XS_RM, 0, DEEP, NULL), OK);
	ck_assert(gt_event(tool, d, "bottom", GT_REPLY_MS));
	ck_assert(gt_event(tool, DEEP, "d", GT_REPLY_MS));
	gt_check(t);
	/*
	 * /other stays, and nothing else of the chains, once the snapshot
	 * the live update started lets go of the root it holds.
	 */
	wait_snapshot(t);
	ck_assert_int_eq(gt_memreport(t, "trie nodes"), nodes0 + 1);
	gt_finish(t);
	snprintf(p, sizeof(p), "rm -rf -- '%s'", state);
	ck_assert_int_eq(system(p), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("guest_deep");
	TCase *tc = tcase_create("deep");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, gt_teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, deepest_chains_through_every_walk);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
