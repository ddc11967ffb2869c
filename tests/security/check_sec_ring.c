/*
 * check_sec_ring.c: the advisories about what a guest writes to its
 * ring (security record §1): corrupt and racing indexes (XSA-38),
 * quarantine instead of release (XSA-325), huge lengths (XSA-420), events
 * over the payload limit (XSA-324) and RESET_WATCHES inside a
 * transaction (XSA-484).  Each test runs its own daemon under the
 * simulated Xen and ends with CONTROL check and a clean daemon exit
 * (under `make asan`: no error, no leak).
 *
 * What ASan cannot see here: the ring is a shared page, so a read
 * outside its 1024-byte request buffer would stay inside the page.  The
 * unit test tests/check_ring.c puts the page against a PROT_NONE guard
 * for that; these tests check what the guest can observe: the indexes
 * the daemon writes back, the replies, the error field.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"

#define OK "OK"
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A small deterministic generator (xorshift32): the same run each time. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* The guest is quarantined with `err` and nobody else notices. */
static void
quarantined(struct gt *t, struct gt_chan *g, uint32_t err,
    struct gt_chan *other)
{
	char id[16];

	ck_assert_msg(gt_wait_error(g, err, GT_REPLY_MS), "domain %u: error "
	    "field %u, wanted %u", g->domid, gt_intf(g)->error, err);
	hg_ignored(g);
	/* still introduced: its death is still to be reported (XSA-325) */
	snprintf(id, sizeof(id), "%u", g->domid);
	ck_assert_str_eq(gt_do(gt_tool(t), XS_IS_DOMAIN_INTRODUCED, 0, id,
	    NULL), "T");
	hg_served(t, other);
}

/* ---- XSA-38 ---------------------------------------------------------------- */

#define WRAP_START 0xffffff00u

/* dom0's ring, before the daemon maps it: every index just below 2^32. */
static void
dom0_near_wrap(struct xensim *sim, void *arg)
{
	struct xensim_guest *g = NULL;
	struct xenstore_domain_interface *intf;

	(void)arg;
	ck_assert_int_eq(xensim_guest_attach(sim, 0, NULL, &g), 0);
	intf = xensim_guest_ring(g);
	intf->req_cons = intf->req_prod = WRAP_START;
	intf->rsp_cons = intf->rsp_prod = WRAP_START;
	xensim_guest_detach(&g);
}

/* 16 READs of 64 bytes, ids from `id`, posted at once: exactly full. */
static void
full_ring(struct gt_chan *c, uint32_t id, const char *want)
{
	uint8_t ring[HG_RING];
	char path[48];
	size_t off = 0;
	uint32_t i;

	memset(path, 'p', sizeof(path));
	memcpy(path, "/wrap/", 6);
	path[sizeof(path) - 1] = '\0';
	for (i = 0; i < 16; i++)
		off += hg_msg(ring + off, XS_READ, id + i, 0, path,
		    sizeof(path));
	ck_assert_uint_eq(off, HG_RING);
	ck_assert(hg_post(c, ring, off));
	gt_notify(c);
	for (i = 0; i < 16; i++) {
		struct gt_msg m;

		ck_assert_int_eq(gt_reply(c, id + i, &m, GT_REPLY_MS), 0);
		ck_assert_str_eq(gt_text(c, &m), want);
	}
}

/*
 * Indexes at the 2^32 wrap, both rings, through the daemon: dom0's ring
 * keeps the indexes its kernel left (the daemon does not reset it), so
 * they start at WRAP_START.  A completely full request ring straddling
 * the wrap is read, as is one at the end of the buffer.  A guest's
 * response indexes are read back from the page each time: it may move
 * both to the wrap too.
 */
static void
wrap(struct gt *t, struct gt_chan *g)
{
	struct gt_chan *d0 = gt_attach(t, 0);
	char v[200];
	int i;

	ck_assert_uint_eq(hg_get(d0, HG_REQ_PROD), WRAP_START);
	full_ring(d0, 100, "ERR ENOENT");
	ck_assert_uint_eq(hg_get(d0, HG_REQ_CONS), WRAP_START + HG_RING);
	memset(v, 'w', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	for (i = 0; i < 8; i++) {
		ck_assert_str_eq(gt_write(d0, 0, "/wrap/x", v), OK);
		ck_assert_str_eq(gt_read(d0, 0, "/wrap/x"), v);
	}
	ck_assert_uint_lt(hg_get(d0, HG_RSP_PROD), WRAP_START);
	full_ring(d0, 200, "ERR ENOENT");
	ck_assert_uint_eq(gt_intf(d0)->error, XENSTORE_ERROR_NONE);
	gt_detach(d0);

	/* the guest's response ring, moved to the wrap while empty */
	gt_reconnect(g);
	hg_set(g, HG_RSP_CONS, WRAP_START);
	hg_set(g, HG_RSP_PROD, WRAP_START);
	ck_assert_str_eq(gt_write(g, 0, "data/wrap", v), OK);
	for (i = 0; i < 4; i++)
		ck_assert_str_eq(gt_read(g, 0, "data/wrap"), v);
	ck_assert_uint_lt(hg_get(g, HG_RSP_PROD), WRAP_START);
	ck_assert_uint_eq(gt_intf(g)->error, XENSTORE_ERROR_NONE);
}

/*
 * Random index pairs: req_prod anywhere relative to where the daemon
 * reads (0 after a reconnect), req_cons anywhere too (the daemon keeps
 * its own position); then rsp_cons anywhere before a reply is due.
 */
static void
random_pairs(struct gt *t, struct gt_chan *g, struct gt_chan *other,
    unsigned long rounds)
{
	uint32_t seed = 0x5a17038u;
	unsigned long i;

	for (i = 0; i < rounds; i++) {
		uint32_t prod = rnd(&seed), cons = rnd(&seed);

		gt_reconnect(g);
		if (i % 2 == 0) {
			if (prod <= HG_RING)
				prod += HG_RING + 1;
			hg_set(g, HG_REQ_CONS, cons);
			hg_set(g, HG_REQ_PROD, prod);
			gt_notify(g);
		} else {
			if ((uint32_t)(0 - cons) <= HG_RING)
				cons = 0x80000000u;
			hg_set(g, HG_RSP_CONS, cons);
			hg_send(g, XS_READ, 7, 0, "data", 5);
		}
		quarantined(t, g, XENSTORE_ERROR_RINGIDX, other);
	}
	gt_reconnect(g);
}

/*
 * An index that changes while the daemon reads it: a thread flips it
 * among sane values and, one time in 16, an insane one, while the guest
 * keeps notifying (a sync after each: one service each).  Whichever
 * value the daemon sees, it must act on that one: answer the one valid
 * request exactly, or quarantine the guest; never act on a sane value
 * and then read as far as an insane one says.
 */
static void
racing(struct gt *t, struct gt_chan *g, struct gt_chan *other,
    enum hg_index which, unsigned long rounds)
{
	unsigned long i;

	for (i = 0; i < rounds; i++) {
		struct xenstore_domain_interface *intf;
		uint8_t req[64];
		size_t n = hg_msg(req, XS_READ, 77, 0, "data/race", 10);
		uint32_t vals[16], sane, k;
		struct hg_flip *f;
		struct gt_msg m;

		gt_reconnect(g);
		ck_assert_str_eq(gt_write(g, 0, "data/race", "r"), OK);
		gt_reconnect(g);
		intf = gt_intf(g);
		memcpy(intf->req, req, n);
		/* req_prod: the request; rsp_cons: 0 */
		sane = which == HG_REQ_PROD ? (uint32_t)n : 0;
		for (k = 0; k < 16; k++)
			vals[k] = sane;
		vals[15] = sane + 0x80000000u + (uint32_t)i;
		if (which == HG_RSP_CONS)
			hg_set(g, HG_REQ_PROD, (uint32_t)n);
		f = hg_flip_start(g, which, vals, 16);
		for (k = 0; k < 40 && intf->error == 0; k++) {
			gt_notify(g);
			hg_sync(t);
		}
		hg_flip_stop(&f);
		hg_set(g, which, sane);
		gt_notify(g);
		hg_sync(t);
		if (intf->error == XENSTORE_ERROR_RINGIDX) {
			quarantined(t, g, XENSTORE_ERROR_RINGIDX, other);
			continue;
		}
		/* served: exactly the one reply, and nothing else read */
		ck_assert_uint_eq(intf->error, XENSTORE_ERROR_NONE);
		ck_assert_int_eq(gt_reply(g, 77, &m, GT_REPLY_MS), 0);
		ck_assert_str_eq(gt_text(g, &m), "r");
		ck_assert_uint_eq(hg_get(g, HG_REQ_CONS), n);
		ck_assert_uint_eq(hg_get(g, HG_RSP_PROD), 16 + 1);
		hg_served(t, other);
	}
	gt_reconnect(g);
}

/*
 * XSA-38: indexes out of range (a gap over 1024, junk in the high bits,
 * random pairs) put the guest in quarantine with error 2, nobody else
 * notices; indexes that change between two reads are acted on as read
 * once; a full ring (gap exactly 1024) and indexes wrapping at 2^32 are
 * normal.  Fixed gaps and the full ring at offset 0 are also in
 * tests/guests/check_guest_rings.c.  XSA038_ROUNDS sets the number of
 * random pairs and racing rounds (CI: 20).
 */
START_TEST(xsa_038_ring_indices)
{
	struct gt_cfg cfg = { 0, dom0_near_wrap, NULL };
	struct gt *t = gt_start_cfg(&cfg, NULL);
	struct gt_chan *tool = gt_tool(t), *g = gt_guest(t, 1),
	    *other = gt_guest(t, 2);
	unsigned long rounds = hg_count("XSA038_ROUNDS", 20);
	static const uint32_t gaps[] = { HG_RING + 1, 0x80000000u,
	    0xffff0000u | 5 };
	size_t i;

	hg_watch(tool, "@releaseDomain", "rel");
	for (i = 0; i < NELEM(gaps); i++) {
		gt_reconnect(g);
		hg_set(g, HG_REQ_PROD, gaps[i]);
		gt_notify(g);
		quarantined(t, g, XENSTORE_ERROR_RINGIDX, other);
		/* nothing read: req_cons where it was */
		ck_assert_uint_eq(hg_get(g, HG_REQ_CONS), 0);
	}
	random_pairs(t, g, other, rounds);
	racing(t, g, other, HG_REQ_PROD, 20 * rounds);
	racing(t, g, other, HG_RSP_CONS, 20 * rounds);
	wrap(t, g);
	ck_assert(!gt_has_event(tool, "@releaseDomain", "rel"));
	hg_served(t, other);
	gt_finish(t);
}
END_TEST

/* ---- XSA-325 --------------------------------------------------------------- */

/*
 * XSA-325: a guest that breaks the protocol (a length over 4096) is
 * ignored, not released: no early @releaseDomain, its nodes stay, it is
 * still introduced; a stub domain serving it (SET_TARGET) carries on.
 * When it really dies, exactly one @releaseDomain, and its nodes go.
 */
START_TEST(xsa_325_quarantine_not_release)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g = gt_guest(t, 3),
	    *stub = gt_guest(t, 4), *other = gt_guest(t, 5);
	struct xsd_sockmsg h = { XS_WRITE, 1, 0, 5000 };
	uint32_t tx;

	ck_assert_str_eq(gt_do(tool, XS_SET_TARGET, 0, "4", "3", NULL), OK);
	ck_assert_str_eq(gt_write(g, 0, "data/mine", "m"), OK);
	hg_watch(g, "data", "w");
	tx = gt_txn(g);
	ck_assert_str_eq(gt_write(g, tx, "data/tx", "t"), OK);
	hg_watch(tool, "@releaseDomain", "rel");
	hg_raw(g, &h, sizeof(h));
	gt_notify(g);
	quarantined(t, g, XENSTORE_ERROR_PROTO, other);
	ck_assert(!gt_has_event(tool, "@releaseDomain", "rel"));
	ck_assert_str_eq(gt_read(tool, 0, "/local/domain/3/data/mine"), "m");
	ck_assert_str_eq(gt_read(tool, 0, "/local/domain/3/data/tx"),
	    "ERR ENOENT");
	/* its stub still works on its nodes */
	ck_assert_str_eq(gt_read(stub, 0, "/local/domain/3/data/mine"), "m");
	ck_assert_str_eq(gt_write(stub, 0, "/local/domain/3/data/s", "s"), OK);
	/* RESUME does not release it either */
	ck_assert_str_eq(gt_do(tool, XS_RESUME, 0, "3", NULL), OK);
	ck_assert(!gt_has_event(tool, "@releaseDomain", "rel"));
	/* the stub dies first, then the guest: one event each */
	ck_assert_int_eq(xensim_domain_destroy(gt_sim(t), 4), 0);
	ck_assert(gt_event(tool, "@releaseDomain", "rel", GT_REPLY_MS));
	ck_assert_uint_eq(gt_count_events(tool, "@releaseDomain"), 0);
	ck_assert_str_eq(gt_read(tool, 0, "/local/domain/3/data/mine"), "m");
	ck_assert_int_eq(xensim_domain_destroy(gt_sim(t), 3), 0);
	ck_assert(gt_event(tool, "@releaseDomain", "rel", GT_REPLY_MS));
	ck_assert_uint_eq(gt_count_events(tool, "@releaseDomain"), 0);
	ck_assert_str_eq(gt_read(tool, 0, "/local/domain/3/data/mine"),
	    "ERR ENOENT");
	ck_assert_int_eq(hg_quota(t, 3, "nodes"), -1);
	gt_detach(g);
	gt_detach(stub);
	hg_served(t, other);
	gt_finish(t);
}
END_TEST

/* ---- XSA-420 --------------------------------------------------------------- */

/*
 * Move the daemon's read position to `pos` (< 1024) by one valid WRITE
 * of the right size, answered.
 */
static void
pad_to(struct gt_chan *g, uint32_t pos)
{
	static const char path[] = "data/pad";
	size_t vl = pos - sizeof(struct xsd_sockmsg) - sizeof(path);
	char *v = malloc(vl + 1);

	ck_assert_ptr_nonnull(v);
	memset(v, 'p', vl);
	v[vl] = '\0';
	ck_assert_str_eq(gt_write(g, 0, path, v), OK);
	ck_assert_uint_eq(hg_get(g, HG_REQ_CONS), pos);
	free(v);
}

/*
 * Lengths between 4097 and 2^32 - 1, as a 31-bit (or signed) length
 * would see them: the header is taken as a protocol error, the guest
 * quarantined with error 3, and the daemon goes back to sleep: its loop is not woken again and again by
 * the bytes left in the ring.  Each length also with the header split
 * across two notifications and across the end of the ring buffer.
 * (tests/guests/check_guest_rings.c has the plain case.)  A 32-bit
 * build is not available here (no i386 Xen libraries): see
 * docs/security-tests.md.
 */
START_TEST(xsa_420_length_truncation)
{
	static const uint32_t lens[] = { 4097, 0x40000000u, 0x7fffffffu,
	    0x80000000u, 0xffffffffu };
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g = gt_guest(t, 1),
	    *other = gt_guest(t, 2);
	size_t i;
	int how;

	hg_watch(tool, "@releaseDomain", "rel");
	for (i = 0; i < NELEM(lens); i++)
		for (how = 0; how < 3; how++) {
			struct xsd_sockmsg h = { XS_WRITE, 9, 0, lens[i] };
			uint8_t junk[64];

			gt_reconnect(g);
			memset(junk, 'j', sizeof(junk));
			if (how == 2)
				pad_to(g, HG_RING - 7);
			if (how == 1) {
				hg_raw(g, &h, 7);
				gt_notify(g);
				hg_sync(t);
				hg_raw(g, (uint8_t *)&h + 7, sizeof(h) - 7);
			} else {
				hg_raw(g, &h, sizeof(h));
			}
			hg_raw(g, junk, sizeof(junk));
			gt_notify(g);
			quarantined(t, g, XENSTORE_ERROR_PROTO, other);
			/* the bytes left in the ring do not keep it busy */
			hg_idle(t);
			ck_assert_str_eq(gt_read(tool, 0,
			    "/local/domain/1/data/j"), "ERR ENOENT");
		}
	ck_assert(!gt_has_event(tool, "@releaseDomain", "rel"));
	gt_reconnect(g);
	ck_assert_str_eq(gt_read(g, 0, "data"), "");
	hg_served(t, other);
	gt_finish(t);
}
END_TEST

/* ---- XSA-324 --------------------------------------------------------------- */

/*
 * A watch whose events would not fit in 4096 bytes: the initial event
 * fits exactly; every later one (a longer path below it, in relative
 * and absolute form, from a write, a removal, a commit, and the special
 * @releaseDomain) is dropped, never sent.  gtest counts every message
 * over 4096 bytes the daemon sends on any channel (gt_finish fails on
 * one), and CONTROL check finds any queued.  Other watches keep firing.
 */
START_TEST(xsa_324_oversized_event)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g = gt_guest(t, 1),
	    *other = gt_guest(t, 2);
	static const char *const paths[] = { "data", "/local/domain/1/data",
	    "@releaseDomain" };
	char *p = malloc(XENSTORE_PAYLOAD_MAX);
	struct gt_msg *m = malloc(sizeof(*m));
	size_t i;
	uint32_t tx;

	ck_assert(p != NULL && m != NULL);
	ck_assert_str_eq(gt_do(tool, XS_SET_PERMS, 0, "@releaseDomain", "n0",
	    "r1", NULL), OK);
	for (i = 0; i < NELEM(paths); i++) {
		size_t pl = strlen(paths[i]) + 1;
		size_t tok = XENSTORE_PAYLOAD_MAX - pl - 1;

		memcpy(p, paths[i], pl);
		memset(p + pl, 'a' + (int)i, tok);
		p[XENSTORE_PAYLOAD_MAX - 1] = '\0';
		ck_assert_int_eq(gt_req(g, XS_WATCH, 0, p, XENSTORE_PAYLOAD_MAX,
		    m, GT_REPLY_MS), 0);
		ck_assert_str_eq(gt_text(g, m), OK);
		ck_assert(gt_event(g, paths[i], p + pl, GT_REPLY_MS));
	}
	hg_watch(g, "data", "short");
	hg_watch(tool, "/local/domain/1/data", "tool");
	ck_assert_str_eq(gt_write(g, 0, "data/abcdef", "1"), OK);
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/1/data/x/y", "2"),
	    OK);
	ck_assert_str_eq(gt_do(tool, XS_RM, 0, "/local/domain/1/data/x",
	    NULL), OK);
	tx = gt_txn(g);
	ck_assert_str_eq(gt_write(g, tx, "data/t", "3"), OK);
	ck_assert_str_eq(gt_do(g, XS_TRANSACTION_END, tx, "T", NULL), OK);
	gt_domain(t, 9, NULL);
	ck_assert_str_eq(gt_introduce(t, 9), OK);
	ck_assert_int_eq(xensim_domain_destroy(gt_sim(t), 9), 0);
	hg_wait_gone(t, 9);
	/* the short watches fired for everything */
	ck_assert(gt_event(g, "data/abcdef", "short", GT_REPLY_MS));
	ck_assert(gt_event(g, "data/x/y", "short", GT_REPLY_MS));
	ck_assert(gt_event(g, "data/x", "short", GT_REPLY_MS));
	ck_assert(gt_event(g, "data/t", "short", GT_REPLY_MS));
	ck_assert(gt_event(tool, "/local/domain/1/data/t", "tool",
	    GT_REPLY_MS));
	/* and nothing else reached the guest */
	gt_flush_events(g);
	ck_assert_uint_eq(gt_intf(g)->error, XENSTORE_ERROR_NONE);
	ck_assert_str_eq(gt_read(g, 0, "data/abcdef"), "1");
	free(p);
	free(m);
	hg_served(t, other);
	gt_finish(t);
}
END_TEST

/* ---- XSA-484 --------------------------------------------------------------- */

/*
 * RESET_WATCHES sent with the id of an open transaction: OK, and every
 * transaction of the connection is gone (its id is ENOENT, nothing it
 * wrote is applied, the domain's counters are back to 0).  Then the ring
 * is corrupted while a transaction is open: quarantine, no crash, and the
 * transaction's state is freed (CONTROL check, the daemon's exit).
 */
START_TEST(xsa_484_reset_watches_in_txn)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g = gt_guest(t, 1),
	    *other = gt_guest(t, 2);
	uint32_t tx, tx2;
	int i;

	for (i = 0; i < 3; i++) {
		tx = gt_txn(g);
		tx2 = gt_txn(g);
		hg_watch(g, "data", "w");
		ck_assert_str_eq(gt_write(g, tx, "data/t", "1"), OK);
		ck_assert_str_eq(gt_do(g, XS_RESET_WATCHES, tx, NULL), OK);
		ck_assert_str_eq(gt_read(g, tx, "data/t"), "ERR ENOENT");
		ck_assert_str_eq(gt_do(g, XS_TRANSACTION_END, tx, "T", NULL),
		    "ERR ENOENT");
		ck_assert_str_eq(gt_do(g, XS_TRANSACTION_END, tx2, "T", NULL),
		    "ERR ENOENT");
		ck_assert_str_eq(gt_read(g, 0, "data/t"), "ERR ENOENT");
		ck_assert_int_eq(hg_quota(t, 1, "transactions"), 0);
		ck_assert_int_eq(hg_quota(t, 1, "watches"), 0);
		gt_check(t);
	}
	/* the same from the toolstack (privileged, no counters) */
	tx = gt_txn(tool);
	ck_assert_str_eq(gt_write(tool, tx, "/tool/t", "1"), OK);
	ck_assert_str_eq(gt_do(tool, XS_RESET_WATCHES, tx, NULL), OK);
	ck_assert_str_eq(gt_do(tool, XS_TRANSACTION_END, tx, "T", NULL),
	    "ERR ENOENT");
	/* a corrupt ring while a transaction is open */
	tx = gt_txn(g);
	ck_assert_str_eq(gt_write(g, tx, "data/t", "1"), OK);
	hg_set(g, HG_REQ_PROD, hg_get(g, HG_REQ_CONS) + HG_RING + 1);
	gt_notify(g);
	quarantined(t, g, XENSTORE_ERROR_RINGIDX, other);
	ck_assert_int_eq(hg_quota(t, 1, "transactions"), 0);
	gt_reconnect(g);
	ck_assert_str_eq(gt_do(g, XS_TRANSACTION_END, tx, "T", NULL),
	    "ERR ENOENT");
	ck_assert_str_eq(gt_read(g, 0, "data/t"), "ERR ENOENT");
	hg_served(t, other);
	gt_finish(t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sec_ring");
	hg_add(s, "xsa_038_ring_indices", xsa_038_ring_indices);
	hg_add(s, "xsa_325_quarantine_not_release",
	    xsa_325_quarantine_not_release);
	hg_add(s, "xsa_420_length_truncation", xsa_420_length_truncation);
	hg_add(s, "xsa_324_oversized_event", xsa_324_oversized_event);
	hg_add(s, "xsa_484_reset_watches_in_txn", xsa_484_reset_watches_in_txn);
	return hg_run(s);
}
