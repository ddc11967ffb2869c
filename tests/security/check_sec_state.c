/*
 * check_sec_state.c: deep and large state across check, snapshot, live
 * update and crash-restart (security record §1: XSA-418; §1.1: the 2021
 * oxenstored fuzzer, the 2021 live-update cancel crash, the 2022
 * maximum-size dump, the 2025-2026 live update broken unnoticed).  Each
 * test runs its own daemon under the simulated Xen and ends with CONTROL
 * check and a clean daemon exit.
 *
 * "Equivalent" state is checked as the toolstack sees it: a hash of every
 * path, value and permission list (hg_tree_hash), each domain's counts
 * (CONTROL quota), and that watches, transactions and queued output carry
 * on working.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostile.h"

#define OK "OK"
#define EINVAL_ "ERR EINVAL"
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * `top` followed by "/aaa..." segments of `seg` letters (the last one
 * shorter) up to `len` characters in all.
 */
static char *
chain(const char *top, size_t len, size_t seg)
{
	char *p = malloc(len + 1);
	size_t n = strlen(top);

	ck_assert_ptr_nonnull(p);
	memcpy(p, top, n);
	while (n + 2 <= len) {
		size_t k = len - n - 1 < seg ? len - n - 1 : seg;

		p[n++] = '/';
		memset(p + n, 'a', k);
		n += k;
	}
	p[n] = '\0';
	return p;
}

/* Every count CONTROL quota shows for domain d, as one short line. */
static char *
counts(struct gt *t, uint32_t domid)
{
	char id[16], *r, *w;
	const char *p;

	snprintf(id, sizeof(id), "%u", domid);
	p = gt_do(gt_tool(t), XS_CONTROL, 0, "quota", id, NULL);
	r = w = malloc(strlen(p) + 1);
	ck_assert_ptr_nonnull(r);
	for (; *p; p++)
		if (*p == '\n')
			*w++ = ';';
		else if (*p != ' ')
			*w++ = *p;
	*w = '\0';
	return r;
}

struct snap {
	uint64_t hash;
	char *quota[4];
};

static void
take(struct gt *t, struct snap *s, const uint32_t *doms, size_t n)
{
	size_t i;

	hg_settle(t);
	s->hash = hg_tree_hash(t, "/");
	for (i = 0; i < n; i++)
		s->quota[i] = counts(t, doms[i]);
}

static void
same(struct gt *t, const struct snap *s, const uint32_t *doms, size_t n,
    const char *after)
{
	size_t i;

	ck_assert_msg(hg_tree_hash(t, "/") == s->hash, "the tree changed "
	    "across %s", after);
	for (i = 0; i < n; i++) {
		char *now = counts(t, doms[i]);

		ck_assert_msg(strcmp(now, s->quota[i]) == 0, "domain %u's "
		    "counts across %s: %s, were %s", doms[i], after, now,
		    s->quota[i]);
		free(now);
	}
	gt_check(t);
}

static void
drop(struct snap *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(s->quota[i]);
}

/* ---- XSA-418 --------------------------------------------------------------- */

/*
 * Chains a/a/a/... as deep as the path limit allows: a guest's (1022
 * levels below data, relative path 2048 bytes) and dom0's (1024 levels
 * from the root, absolute path 2048 bytes).  CONTROL check, a snapshot,
 * a live update and a crash-restart (restore from snapshot and journal)
 * each keep them exactly, and RM removes them; with the default stack
 * and with a 256 KiB one (nothing recurses on depth).  The node quota is
 * raised to 1100 so that the guest can reach the path limit.
 */
START_TEST(xsa_418_deep_paths)
{
	static const unsigned stacks[] = { 0, 256 };
	static const uint32_t doms[] = { 1 };
	size_t k;

	for (k = 0; k < NELEM(stacks); k++) {
		struct gt_cfg cfg = { stacks[k], NULL, NULL };
		struct gt *t = gt_start_cfg(&cfg, "-E", "1100", NULL);
		struct gt_chan *tool = gt_tool(t), *g = gt_guest(t, 1);
		char *rel = chain("data", 2048, 1), *rel1 = chain("data", 2050, 1);
		char *abs = chain("", 2048, 1), *abs1 = chain("", 2050, 1);
		struct snap s;

		ck_assert_uint_eq(strlen(rel), 2048);
		ck_assert_uint_eq(strlen(abs), 2048);
		hg_watch(tool, "/", "all");
		ck_assert_str_eq(gt_write(g, 0, rel, "deep"), OK);
		ck_assert_str_eq(gt_write(g, 0, rel1, "x"), EINVAL_);
		ck_assert_str_eq(gt_write(tool, 0, abs, "deep"), OK);
		ck_assert_str_eq(gt_write(tool, 0, abs1, "x"), EINVAL_);
		ck_assert_int_eq(hg_quota(t, 1, "nodes"), 1 + 1022);
		gt_check(t);
		ck_assert_str_eq(gt_do(tool, XS_CONTROL, 0, "persist",
		    "snapshot", NULL), OK);
		take(t, &s, doms, 1);
		hg_live_update(t);
		same(t, &s, doms, 1, "a live update");
		gt_restart(t);
		tool = gt_tool(t);
		same(t, &s, doms, 1, "a crash and restart");
		ck_assert_str_eq(gt_read(g, 0, rel), "deep");
		ck_assert_str_eq(gt_do(g, XS_RM, 0, "data/a", NULL), OK);
		ck_assert_str_eq(gt_do(tool, XS_RM, 0, "/a", NULL), OK);
		ck_assert_int_eq(hg_quota(t, 1, "nodes"), 1);
		gt_check(t);
		drop(&s, 1);
		free(rel);
		free(rel1);
		free(abs);
		free(abs1);
		gt_finish(t);
	}
}
END_TEST

/* ---- §1.1: 2021, oxenstored's structured fuzzer ----------------------------- */

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* One random operation by channel c on a few names below `top`. */
static void
random_op(struct gt_chan *c, const char *top, uint32_t *seed, uint32_t tx)
{
	char path[96];
	uint32_t r = rnd(seed);

	snprintf(path, sizeof(path), "%s/%c/%c", top, 'a' + (int)(r % 3),
	    'a' + (int)((r >> 4) % 3));
	switch ((r >> 8) % 6) {
	case 0:
	case 1:
		gt_write(c, tx, path, (r >> 12) % 2 ? "v" : "w");
		break;
	case 2:
		gt_do(c, XS_MKDIR, tx, path, NULL);
		break;
	case 3:
		path[strlen(top) + 2] = '\0';
		gt_do(c, XS_RM, tx, path, NULL);
		break;
	case 4:
		gt_do(c, XS_SET_PERMS, tx, path, c->ring ? "n1" : "n0",
		    (r >> 12) % 2 ? "r2" : "b2", NULL);
		break;
	default:
		gt_read(c, tx, path);
		break;
	}
}

/*
 * What the 2021 fuzzer found in oxenstored, as differences across a live
 * update: a watch on "//" (and other malformed watch paths) is EINVAL,
 * not a watch that can never fire; MKDIR of an existing node changes no
 * count and fires nothing.  Then its property itself: random operations
 * from dom0 and two guests, with watches and open transactions, and the
 * state (tree, counts) is the same after a live update and after a
 * crash-restart; the watches still fire, the transactions still commit
 * across the live update.  FUZZ2021_OPS sets the number of operations
 * (CI: 300).
 */
START_TEST(fuzz_2021_live_update_equivalence)
{
	static const char *const bad[] = { "//", "/a/", "", "a//b", "@r/",
	    "/a b", "data/" };
	static const uint32_t doms[] = { 1, 2 };
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g1 = gt_guest(t, 1),
	    *g2 = gt_guest(t, 2);
	unsigned long ops = hg_count("FUZZ2021_OPS", 300), i;
	uint32_t seed = 0x2021u, tx1, tx0;
	char *before;
	struct snap s;
	size_t k;

	for (k = 0; k < NELEM(bad); k++) {
		ck_assert_str_eq(gt_do(g1, XS_WATCH, 0, bad[k], "t", NULL),
		    EINVAL_);
		ck_assert_str_eq(gt_do(tool, XS_WATCH, 0, bad[k], "t", NULL),
		    EINVAL_);
	}
	ck_assert_int_eq(hg_quota(t, 1, "watches"), 0);
	/* MKDIR of what exists: no count, no event */
	ck_assert_str_eq(gt_write(g1, 0, "data/m", "v"), OK);
	hg_watch(g1, "data/m", "m");
	before = counts(t, 1);
	ck_assert_str_eq(gt_do(g1, XS_MKDIR, 0, "data/m", NULL), OK);
	ck_assert_str_eq(gt_do(g1, XS_MKDIR, 0, "data", NULL), OK);
	{
		char *now = counts(t, 1);

		ck_assert_str_eq(now, before);
		free(now);
	}
	free(before);
	ck_assert(!gt_has_event(g1, "data/m", "m"));
	ck_assert_str_eq(gt_read(g1, 0, "data/m"), "v");

	/* random state, then the property */
	ck_assert_str_eq(gt_write(tool, 0, "/fz", ""), OK);
	hg_watch(tool, "/fz", "fz");
	hg_watch(g1, "data", "d1");
	hg_watch(g2, "data", "d2");
	for (i = 0; i < ops; i++) {
		random_op(tool, "/fz", &seed, 0);
		random_op(i % 2 ? g1 : g2, "data", &seed, 0);
	}
	tx1 = gt_txn(g1);
	tx0 = gt_txn(tool);
	random_op(g1, "data", &seed, tx1);
	ck_assert_str_eq(gt_write(g1, tx1, "data/tx", "1"), OK);
	ck_assert_str_eq(gt_write(tool, tx0, "/fz/tx", "0"), OK);
	gt_flush_events(tool);
	gt_flush_events(g1);
	gt_flush_events(g2);
	gt_check(t);
	take(t, &s, doms, 2);
	hg_live_update(t);
	same(t, &s, doms, 2, "a live update");
	/* watches and transactions carried over */
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/2/data/after", "1"),
	    OK);
	ck_assert(gt_event(g2, "data/after", "d2", GT_REPLY_MS));
	ck_assert_str_eq(gt_do(g1, XS_TRANSACTION_END, tx1, "T", NULL), OK);
	ck_assert_str_eq(gt_do(tool, XS_TRANSACTION_END, tx0, "T", NULL), OK);
	ck_assert_str_eq(gt_read(g1, 0, "data/tx"), "1");
	drop(&s, 2);
	gt_flush_events(g1);
	gt_flush_events(g2);
	take(t, &s, doms, 2);
	gt_restart(t);
	tool = gt_tool(t);
	same(t, &s, doms, 2, "a crash and restart");
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/1/data/again", "1"),
	    OK);
	ck_assert(gt_event(g1, "data/again", "d1", GT_REPLY_MS));
	drop(&s, 2);
	gt_finish(t);
}
END_TEST

/* ---- §1.1: 2021, a cancelled live update ------------------------------------ */

static const char *
lu(struct gt_chan *c, const char *a, const char *b)
{
	return gt_do(c, XS_CONTROL, 0, "live-update", a, b, NULL);
}

/*
 * Live updates abandoned at every stage: after -f (then -a), after -c,
 * an -a with none in progress, -c and -s from a connection that does not
 * own the session, a second -f, and a session whose connection is closed
 * right after -s (the update must not run: nobody to answer; the C
 * daemon crashed on a cancelled update).  The daemon
 * stays up each time, no update happens (the process image stays), and
 * meanwhile every request is answered at once: we park none (the C
 * daemon delays requests during an update, and bounds them at one per
 * guest; we have none to bound), TRANSACTION_START included.
 */
START_TEST(lu_cancel_2021)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *other = gt_sock(t),
	    *g = gt_guest(t, 1), *d0;
	const char *bin = getenv("PXENSTORED");
	char path[4096];
	long reqs;
	uint32_t tx;
	int i;

	ck_assert_ptr_nonnull(realpath(bin != NULL && *bin ? bin :
	    "build/bin/pxenstored", path));
	ck_assert_str_eq(lu(tool, "-a", NULL), "no live update in progress");
	for (i = 0; i < 3; i++) {
		ck_assert_str_eq(lu(tool, "-f", path), OK);
		ck_assert_str_eq(lu(other, "-f", path),
		    "live update already in progress");
		if (i >= 1)
			ck_assert_str_eq(lu(tool, "-c", "pxenstored -N"), OK);
		ck_assert_str_eq(lu(other, "-c", "x"),
		    "no live update session on this connection");
		ck_assert_str_eq(lu(other, "-s", NULL),
		    "no live update session on this connection");
		/* nothing is delayed meanwhile */
		tx = gt_txn(g);
		ck_assert_str_eq(gt_write(g, tx, "data/t", "1"), OK);
		ck_assert_str_eq(gt_do(g, XS_TRANSACTION_END, tx, "T", NULL),
		    OK);
		ck_assert_str_eq(gt_write(g, 0, "data/w", "1"), OK);
		ck_assert_str_eq(lu(i == 2 ? other : tool, "-a", NULL), OK);
		ck_assert_str_eq(lu(tool, "-a", NULL),
		    "no live update in progress");
		gt_check(t);
	}
	ck_assert_str_eq(lu(tool, "-s", NULL),
	    "no live update session on this connection");
	ck_assert_str_eq(lu(tool, "-f", "/nonexistent/pxenstored"),
	    "new binary not accessible");
	/*
	 * The owner goes away between -s and the update: dom0's ring sends
	 * -s and, in the same batch, a header over 4096 bytes, so its
	 * connection is closed before the loop's quiet point.
	 */
	d0 = gt_attach(t, 0);
	ck_assert_str_eq(lu(d0, "-f", path), OK);
	reqs = gt_memreport(t, "requests");
	{
		static const char s[] = "live-update\0-s";
		struct xsd_sockmsg h = { XS_WRITE, 2, 0, 5000 };
		uint8_t buf[128];
		size_t k = hg_msg(buf, XS_CONTROL, 9300, 0, s, sizeof(s));

		memcpy(buf + k, &h, sizeof(h));
		ck_assert(hg_post(d0, buf, k + sizeof(h)));
		gt_notify(d0);
	}
	ck_assert(gt_wait_error(d0, XENSTORE_ERROR_PROTO, GT_REPLY_MS));
	hg_sync(t);
	ck_assert_int_gt(gt_memreport(t, "requests"), reqs);	/* no exec */
	ck_assert_str_eq(lu(tool, "-a", NULL), "no live update in progress");
	gt_reconnect(d0);
	ck_assert_str_eq(gt_do(d0, XS_GET_DOMAIN_PATH, 0, "0", NULL),
	    "/local/domain/0");
	ck_assert_str_eq(gt_read(g, 0, "data/w"), "1");
	hg_served(t, g);
	gt_finish(t);
}
END_TEST

/* ---- §1.1: 2022, the largest nodes and paths -------------------------------- */

/*
 * The largest things each kind of client can store: dom0's longest
 * absolute path with the largest value that fits in a request, and a
 * node with as many permission entries as fit; a guest's longest
 * relative path with the largest value its node-size quota allows and
 * its 5 permission entries.  A snapshot, a live update and a crash and
 * restart keep them exactly.
 */
START_TEST(lu_max_sizes_2022)
{
	static const uint32_t doms[] = { 1 };
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g = gt_guest(t, 1);
	char *apath = chain("", 2048, 199), *rpath = chain("data", 2048, 199);
	size_t vl = XENSTORE_PAYLOAD_MAX - 2048 - 1, gl = 2048 - 16 - 8 * 5 - 1;
	char *v = malloc(vl + 1), *payload = malloc(XENSTORE_PAYLOAD_MAX);
	size_t n = 0;
	struct gt_msg *m = malloc(sizeof(*m));
	struct snap s;
	int i;

	ck_assert(v != NULL && payload != NULL && m != NULL);
	memset(v, 'V', vl);
	v[vl] = '\0';
	ck_assert_str_eq(gt_write(tool, 0, apath, v), OK);
	v[gl] = '\0';
	ck_assert_str_eq(gt_write(g, 0, rpath, ""), OK);
	ck_assert_str_eq(gt_do(g, XS_SET_PERMS, 0, rpath, "n1", "r2", "r3",
	    "r4", "r5", NULL), OK);
	ck_assert_str_eq(gt_write(g, 0, rpath, v), OK);
	/* dom0: as many permission entries as one request carries */
	ck_assert_str_eq(gt_write(tool, 0, "/perms", ""), OK);
	n = (size_t)sprintf(payload, "/perms") + 1;
	n += (size_t)sprintf(payload + n, "n0") + 1;
	for (i = 0; n + 8 <= XENSTORE_PAYLOAD_MAX; i++)
		n += (size_t)sprintf(payload + n, "r%d", 10000 + i) + 1;
	ck_assert_int_eq(gt_req(tool, XS_SET_PERMS, 0, payload, n, m,
	    GT_REPLY_MS), 0);
	ck_assert_str_eq(gt_text(tool, m), OK);
	gt_check(t);
	ck_assert_str_eq(gt_do(tool, XS_CONTROL, 0, "persist", "snapshot",
	    NULL), OK);
	take(t, &s, doms, 1);
	hg_live_update(t);
	same(t, &s, doms, 1, "a live update");
	gt_restart(t);
	same(t, &s, doms, 1, "a crash and restart");
	ck_assert_str_eq(gt_read(g, 0, rpath), v);
	drop(&s, 1);
	free(apath);
	free(rpath);
	free(v);
	free(payload);
	free(m);
	gt_finish(t);
}
END_TEST

/* ---- §1.1: 2025-08 to 2026-02, live update unnoticed ------------------------ */

/*
 * A live update in every `make check`, of a daemon in the middle of
 * things: guests with watches, open transactions, replies not yet read
 * and half a request in the ring, a quarantined guest, a shut-down one,
 * a stub domain (SET_TARGET).  Afterwards each carries on as before:
 * the half request completes, the unread replies arrive, the
 * transactions commit, the watches fire, the quarantined guest stays so
 * until it reconnects, the shut-down one is not reported again, the stub
 * still acts for its target.
 */
START_TEST(lu_every_change_2025)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g = gt_guest(t, 1),
	    *bad = gt_guest(t, 2), *down = gt_guest(t, 3),
	    *dm = gt_guest(t, 4), *stub = gt_guest(t, 5);
	uint8_t req[64];
	size_t n = hg_msg(req, XS_READ, 9201, 0, "data/h", 7);
	struct xsd_sockmsg h = { XS_WRITE, 1, 0, 5000 };
	struct gt_msg m;
	uint32_t tx;

	hg_watch(tool, "@releaseDomain", "rel");
	hg_watch(g, "data", "w");
	tx = gt_txn(g);
	ck_assert_str_eq(gt_write(g, tx, "data/tx", "1"), OK);
	ck_assert_str_eq(gt_write(g, 0, "data/h", "half"), OK);
	hg_send(g, XS_READ, 9200, 0, "data/h", 7);	/* reply left unread */
	hg_sync(t);
	ck_assert(hg_post(g, req, n - 4));
	gt_notify(g);
	/* quarantined, shut down, a stub */
	hg_raw(bad, &h, sizeof(h));
	gt_notify(bad);
	ck_assert(gt_wait_error(bad, XENSTORE_ERROR_PROTO, GT_REPLY_MS));
	ck_assert_int_eq(xensim_domain_shutdown(gt_sim(t), 3, 0), 0);
	ck_assert(gt_event(tool, "@releaseDomain", "rel", GT_REPLY_MS));
	ck_assert_str_eq(gt_do(tool, XS_SET_TARGET, 0, "5", "4", NULL), OK);
	ck_assert_str_eq(gt_write(dm, 0, "data/x", "x"), OK);
	gt_check(t);

	hg_live_update(t);

	/* the rest of the half request, and the unread reply */
	ck_assert(hg_post(g, req + n - 4, 4));
	gt_notify(g);
	ck_assert_int_eq(gt_reply(g, 9201, &m, GT_REPLY_MS), 0);
	ck_assert_str_eq(gt_text(g, &m), "half");
	ck_assert_int_eq(gt_reply(g, 9200, &m, GT_REPLY_MS), 0);
	ck_assert_str_eq(gt_text(g, &m), "half");
	ck_assert_str_eq(gt_do(g, XS_TRANSACTION_END, tx, "T", NULL), OK);
	ck_assert(gt_event(g, "data/tx", "w", GT_REPLY_MS));
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/1/data/y", "1"), OK);
	ck_assert(gt_event(g, "data/y", "w", GT_REPLY_MS));
	/* still quarantined, until it reconnects */
	ck_assert_uint_eq(gt_intf(bad)->error, XENSTORE_ERROR_PROTO);
	hg_ignored(bad);
	gt_reconnect(bad);
	ck_assert_str_eq(gt_read(bad, 0, "data"), "");
	/* the shut-down domain is not reported again; its death is */
	gt_domain(t, 9, NULL);
	ck_assert_int_eq(xensim_domain_destroy(gt_sim(t), 9), 0);
	ck_assert_int_eq(xensim_domain_destroy(gt_sim(t), 3), 0);
	ck_assert(gt_event(tool, "@releaseDomain", "rel", GT_REPLY_MS));
	ck_assert_uint_eq(gt_count_events(tool, "@releaseDomain"), 0);
	gt_detach(down);
	/* the stub still acts for its target */
	ck_assert_str_eq(gt_read(stub, 0, "/local/domain/4/data/x"), "x");
	ck_assert_str_eq(gt_write(stub, 0, "/local/domain/4/data/x", "s"), OK);
	hg_served(t, g);
	gt_finish(t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sec_state");

	hg_add(s, "xsa_418_deep_paths", xsa_418_deep_paths);
	hg_add(s, "fuzz_2021_live_update_equivalence",
	    fuzz_2021_live_update_equivalence);
	hg_add(s, "lu_cancel_2021", lu_cancel_2021);
	hg_add(s, "lu_max_sizes_2022", lu_max_sizes_2022);
	hg_add(s, "lu_every_change_2025", lu_every_change_2025);
	return hg_run(s);
}
