/*
 * check_sec_misc.c: the non-advisory bugs of the security record (§1.1)
 * that are about single requests and the loop: malformed and random
 * requests (the 2005 xs_crashme finds), an idle daemon that keeps busy
 * (2018), the exact behaviour at each limit (2026-03) and zero-length
 * requests (2026-07).  The 2016 transaction-id wrap is a unit test,
 * tests/check_daemon_txn.c (zero_is_skipped,
 * wrap_around_skips_zero_and_open_ids).  Each test runs its own daemon
 * under the simulated Xen and ends with CONTROL check and a clean exit.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"

#define OK "OK"
#define EINVAL_ "ERR EINVAL"
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Types the daemon knows; the others are ENOSYS. */
static bool
known(uint32_t type)
{
	return type < XSD_TYPE_LIMIT && type != XS_WATCH_EVENT &&
	    type != XS_ERROR && type != 20 /* XS_RESTRICT */;
}

/* Types that take exactly one string: anything else is EINVAL. */
static bool
one_arg(uint32_t type)
{
	static const uint32_t t[] = { XS_READ, XS_DIRECTORY, XS_GET_PERMS,
	    XS_RELEASE, XS_GET_DOMAIN_PATH, XS_MKDIR, XS_RM,
	    XS_IS_DOMAIN_INTRODUCED, XS_RESUME };
	size_t i;

	for (i = 0; i < NELEM(t); i++)
		if (t[i] == type)
			return true;
	return false;
}

static bool
privileged(uint32_t type)
{
	static const uint32_t t[] = { XS_CONTROL, XS_INTRODUCE, XS_RELEASE,
	    XS_IS_DOMAIN_INTRODUCED, XS_RESUME, XS_SET_TARGET, XS_SET_FEATURE,
	    XS_GET_QUOTA, XS_SET_QUOTA };
	size_t i;

	for (i = 0; i < NELEM(t); i++)
		if (t[i] == type)
			return true;
	return false;
}

/* A reply is its request's type or an error with a wire error name. */
static void
sane_reply(struct gt_chan *c, uint32_t type, const struct gt_msg *m)
{
	static const char *const names[] = { "EINVAL", "EACCES", "EEXIST",
	    "EISDIR", "ENOENT", "ENOMEM", "ENOSPC", "EIO", "ENOTEMPTY",
	    "ENOSYS", "EROFS", "EBUSY", "EAGAIN", "EISCONN", "E2BIG",
	    "EPERM" };
	size_t i;

	if (m->type == type)
		return;
	ck_assert_msg(m->type == XS_ERROR, "type %u answered with type %u",
	    type, m->type);
	for (i = 0; i < NELEM(names); i++)
		if (strcmp(m->body, names[i]) == 0)
			return;
	ck_abort_msg("type %u: unknown error name %s (%s)", type, m->body,
	    gt_text(c, m));
}

struct form {
	const char *what;
	const char *p;
	size_t len;
};

#define FORM(w, s) { w, s, sizeof(s) - 1 }

/* ---- §1.1: 2005, xs_crashme ------------------------------------------------- */

/*
 * Every request type, known or not, with no payload, one argument, too
 * many, no final NUL, NULs inside, from a guest's ring and from dom0's
 * socket: one sane reply each (a one-string request malformed is
 * EINVAL, an unknown type ENOSYS, a privileged one from a guest
 * EACCES).  Then random requests, as xs_crashme sent them: random types,
 * transaction ids and bytes from a small alphabet, now and then a length
 * over 4096 (quarantine, then a reconnect); every request answered or
 * the guest quarantined, the invariants hold throughout, the others
 * served.  CRASHME_ROUNDS sets the random requests (CI: 3000).
 */
START_TEST(crashme_2005_arguments)
{
	static const struct form forms[] = {
		FORM("empty", ""), FORM("one", "data\0"),
		FORM("many", "data\0b\0c\0d\0e\0f\0"),
		FORM("no final NUL", "data"), FORM("NULs inside", "da\0ta\0"),
		FORM("only NULs", "\0\0\0"),
	};
	static const char alphabet[] = "ab/@0\0-_";
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g = gt_guest(t, 1),
	    *other = gt_guest(t, 2);
	struct gt_chan *chans[2] = { g, tool };
	unsigned long rounds = hg_count("CRASHME_ROUNDS", 3000), i;
	struct gt_msg *m = malloc(sizeof(*m));
	uint32_t type, seed = 0x2005u;
	size_t f, k;

	ck_assert_ptr_nonnull(m);
	for (k = 0; k < 2; k++)
		for (type = 0; type < XSD_TYPE_LIMIT + 3; type++)
			for (f = 0; f < NELEM(forms); f++) {
				struct gt_chan *c = chans[k];

				/* dom0 must not live-update or release */
				if (c == tool && type == XS_CONTROL)
					continue;
				ck_assert_int_eq(gt_req(c, type, 0, forms[f].p,
				    forms[f].len, m, GT_REPLY_MS), 0);
				sane_reply(c, type, m);
				if (!known(type))
					ck_assert_msg(strcmp(gt_text(c, m),
					    "ERR ENOSYS") == 0, "type %u: %s",
					    type, gt_text(c, m));
				else if (c == g && privileged(type))
					ck_assert_str_eq(gt_text(c, m),
					    "ERR EACCES");
				else if (one_arg(type) && f != 1)
					ck_assert_msg(strcmp(gt_text(c, m),
					    EINVAL_) == 0, "%s type %u, %s: %s",
					    k ? "dom0" : "guest", type,
					    forms[f].what, gt_text(c, m));
			}
	gt_flush_events(g);
	gt_flush_events(tool);
	gt_check(t);
	/* random requests from the guest */
	for (i = 0; i < rounds; i++) {
		char body[512];
		size_t len = rnd(&seed) % 300, j;
		uint32_t tx = rnd(&seed) % 4 == 0 ? rnd(&seed) % 4 : 0;
		uint8_t msg[600];
		size_t n;
		int rc;

		type = rnd(&seed) % (XSD_TYPE_LIMIT + 4);
		for (j = 0; j < len; j++)
			body[j] = alphabet[rnd(&seed) % (sizeof(alphabet) - 1)];
		n = hg_msg(msg, type, 7000 + (uint32_t)i, tx, body, len);
		if (rnd(&seed) % 100 == 0) {
			/* a header over 4096 bytes: quarantine */
			struct xsd_sockmsg h = { type, 1, 0, 4097 +
			    rnd(&seed) % 0x7ffff000u };

			hg_raw(g, &h, sizeof(h));
			gt_notify(g);
			ck_assert(gt_wait_error(g, XENSTORE_ERROR_PROTO,
			    GT_REPLY_MS));
			gt_reconnect(g);
			continue;
		}
		while (!hg_post(g, msg, n)) {
			gt_flush_events(g);
			hg_sync(t);
		}
		gt_notify(g);
		rc = gt_reply(g, 7000 + (uint32_t)i, m, GT_REPLY_MS);
		ck_assert_msg(rc == 0, "random request %lu (type %u, %zu "
		    "bytes): no reply", i, type, len);
		sane_reply(g, type, m);
		if (i % 100 == 99) {
			gt_flush_events(g);
			hg_served(t, other);
		}
	}
	ck_assert_uint_eq(gt_intf(g)->error, XENSTORE_ERROR_NONE);
	free(m);
	hg_served(t, other);
	gt_finish(t);
}
END_TEST

/* ---- §1.1: 2018, a busy idle daemon ------------------------------------------ */

/*
 * With nothing to do the daemon sleeps: after start, after guests come
 * and go with watches and transactions open, after a burst of traffic
 * from several guests, and after a guest left requests half written.
 */
START_TEST(idle_cpu_2018)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g[4];
	uint8_t req[64];
	size_t n;
	int i, k;

	hg_idle(t);
	for (k = 0; k < 4; k++) {
		g[k] = gt_guest(t, 1 + (uint32_t)k);
		hg_watch(g[k], "data", "w");
		gt_txn(g[k]);
	}
	hg_watch(tool, "/", "all");
	hg_idle(t);
	for (i = 0; i < 50; i++)
		for (k = 0; k < 4; k++)
			ck_assert_str_eq(gt_write(g[k], 0, "data/x", "v"), OK);
	for (k = 0; k < 4; k++)
		gt_flush_events(g[k]);
	gt_flush_events(tool);
	hg_idle(t);
	n = hg_msg(req, XS_READ, 5, 0, "data", 5);
	ck_assert(hg_post(g[0], req, n - 3));
	gt_notify(g[0]);
	hg_sync(t);
	hg_idle(t);
	ck_assert_int_eq(xensim_domain_destroy(gt_sim(t), 4), 0);
	hg_wait_gone(t, 4);
	hg_idle(t);
	gt_finish(t);
}
END_TEST

/* ---- §1.1: 2026-03, every limit at N-1, N, N+1 ------------------------------- */

/*
 * The limits a guest meets over its ring that tests/guests
 * check_guest_ops.c (quotas_of_a_guest: nodes, watches, transactions,
 * node size, permission entries) and tests/integration check_ops.c
 * (transaction nodes) leave out: the path length (-M 100: 100 is
 * allowed, 101 EINVAL, in relative and absolute form), the memory quota
 * (fails when the charge reaches it: ENOMEM) and the outstanding quota
 * (3: the daemon stops taking requests with 3 replies unread).
 */
START_TEST(boundary_2026_limits)
{
	struct gt *t = gt_start("-M", "100", NULL);
	struct gt_chan *tool = gt_tool(t), *g = gt_guest(t, 1);
	char path[128], abs[160], *v = malloc(2100);
	long mem0, l;
	int len;

	ck_assert_ptr_nonnull(v);
	/* path-max: the part below the home */
	for (len = 99; len <= 101; len++) {
		memset(path, 'p', (size_t)len);
		memcpy(path, "data/", 5);
		path[len] = '\0';
		snprintf(abs, sizeof(abs), "/local/domain/1/%s", path);
		ck_assert_str_eq(gt_write(g, 0, path, ""), len <= 100 ? OK :
		    EINVAL_);
		ck_assert_str_eq(gt_write(g, 0, abs, ""), len <= 100 ? OK :
		    EINVAL_);
		ck_assert_str_eq(gt_read(tool, 0, abs), len <= 100 ? "" :
		    EINVAL_);
	}
	ck_assert_str_eq(gt_do(g, XS_RM, 0, "data/ppppp", NULL), OK);
	gt_finish(t);

	t = gt_start("-Q", "memory=400", "-Q", "outstanding=3", NULL);
	tool = gt_tool(t);
	g = gt_guest(t, 1);
	/* memory: a value that brings the charge to N-1, N, N+1 */
	ck_assert_str_eq(gt_write(g, 0, "data/m", ""), OK);
	mem0 = hg_quota(t, 1, "memory");
	ck_assert_int_lt(mem0, 300);
	for (l = 399 - mem0; l <= 401 - mem0; l++) {
		memset(v, 'm', (size_t)l);
		v[l] = '\0';
		ck_assert_str_eq(gt_write(g, 0, "data/m", v), mem0 + l < 400 ?
		    OK : "ERR ENOMEM");
	}
	ck_assert_int_eq(hg_quota(t, 1, "memory"), 399);
	ck_assert_str_eq(gt_do(g, XS_WATCH, 0, "data/w", "t", NULL),
	    "ERR ENOMEM");
	ck_assert_str_eq(gt_do(g, XS_RM, 0, "data/m", NULL), OK);
	/* outstanding: replies of 2000 bytes, never read */
	memset(v, 'o', 2000);
	v[2000] = '\0';
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/1/data/o", v), OK);
	for (l = 0; l < 5; l++)
		hg_send(g, XS_READ, 300 + (uint32_t)l, 0, "data/o", 7);
	hg_sync(t);
	ck_assert_int_eq(hg_quota(t, 1, "outstanding"), 3);
	for (l = 0; l < 5; l++) {
		struct gt_msg m;

		ck_assert_int_eq(gt_reply(g, 300 + (uint32_t)l, &m,
		    GT_REPLY_MS), 0);
		ck_assert_uint_eq(m.len, 2000);
	}
	free(v);
	gt_finish(t);
}
END_TEST

/* ---- §1.1: 2026-07, zero-length requests ------------------------------------ */

/*
 * A request with no payload is answered at once, on a socket and on a
 * ring, without a second request to push it through: each is sent
 * alone and its reply awaited.
 */
START_TEST(zero_length_2026)
{
	static const uint32_t types[] = { XS_GET_FEATURE, XS_RESET_WATCHES,
	    XS_READ, XS_TRANSACTION_START, XS_DIRECTORY, XS_WATCH, 99 };
	struct gt *t = gt_start(NULL);
	struct gt_chan *g = gt_guest(t, 1), *sock = gt_sock(t);
	size_t i;

	for (i = 0; i < NELEM(types); i++) {
		struct gt_msg m;
		uint32_t id;

		hg_send(g, types[i], 500 + (uint32_t)i, 0, "", 0);
		ck_assert_msg(gt_reply(g, 500 + (uint32_t)i, &m,
		    GT_REPLY_MS) == 0, "ring: type %u not answered", types[i]);
		sane_reply(g, types[i], &m);
		id = hg_sock_send(sock, types[i], "", 0);
		ck_assert_msg(gt_reply(sock, id, &m, GT_REPLY_MS) == 0,
		    "socket: type %u not answered", types[i]);
		sane_reply(sock, types[i], &m);
	}
	ck_assert_str_eq(gt_do(g, XS_GET_FEATURE, 0, NULL), "15");
	hg_served(t, g);
	gt_finish(t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sec_misc");

	hg_add(s, "crashme_2005_arguments", crashme_2005_arguments);
	hg_add(s, "idle_cpu_2018", idle_cpu_2018);
	hg_add(s, "boundary_2026_limits", boundary_2026_limits);
	hg_add(s, "zero_length_2026", zero_length_2026);
	return hg_run(s);
}
