/*
 * check_guest_life.c: the life of a guest domain in pxenstored, under the
 * simulated Xen: death (VIRQ_DOM_EXC) and what it cleans up, domid reuse
 * (XSA-322/417), shutdown reported once until RESUME, SET_TARGET stub
 * domains, RELEASE from the toolstack, and INTRODUCE of a domain that is
 * already introduced.  Each test runs its own daemon and ends with
 * CONTROL check and a clean daemon exit.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gtest.h"

#define OK "OK"
#define EACCES_ "ERR EACCES"
#define ENOENT_ "ERR ENOENT"

static const char *
set_perms(struct gt_chan *c, const char *path, const char *p1,
    const char *p2, const char *p3)
{
	return gt_do(c, XS_SET_PERMS, 0, path, p1, p2, p3, NULL);
}

static const char *
get_perms(struct gt_chan *c, const char *path)
{
	return gt_do(c, XS_GET_PERMS, 0, path, NULL);
}

static void
watch(struct gt_chan *c, const char *path, const char *token)
{
	ck_assert_str_eq(gt_do(c, XS_WATCH, 0, path, token, NULL), OK);
	ck_assert_msg(gt_event(c, path, token, GT_REPLY_MS),
	    "no initial event for %s %s", path, token);
}

static const char *
introduced(struct gt *t, const char *domid)
{
	return gt_do(gt_tool(t), XS_IS_DOMAIN_INTRODUCED, 0, domid, NULL);
}

static void
destroy(struct gt *t, uint32_t domid)
{
	int rc = xensim_domain_destroy(gt_sim(t), domid);

	ck_assert_msg(rc == 0, "destroy %u: %d", domid, rc);
}

/* Exactly one @releaseDomain reaches c (token tok) within the deadline. */
static void
one_release(struct gt_chan *c, const char *tok)
{
	ck_assert_msg(gt_event(c, "@releaseDomain", tok, GT_REPLY_MS),
	    "no @releaseDomain");
	ck_assert_uint_eq(gt_count_events(c, "@releaseDomain"), 0);
}

/* No @releaseDomain within a quiet period. */
static void
no_release(struct gt_chan *c, const char *tok)
{
	ck_assert_msg(!gt_event(c, "@releaseDomain", tok, 2 * GT_QUIET_MS),
	    "unexpected @releaseDomain");
}

/* ---- death --------------------------------------------------------------- */

START_TEST(death_cleans_up_after_the_guest)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g1 = gt_guest(t, 1),
	    *g2 = gt_guest(t, 2);
	long watches;
	uint32_t tx;

	/* what guest 1 leaves behind */
	ck_assert_str_eq(gt_write(tool, 0, "/shared", ""), OK);
	ck_assert_str_eq(set_perms(tool, "/shared", "n0", "w1", NULL), OK);
	ck_assert_str_eq(gt_write(g1, 0, "data/a", "1"), OK);
	ck_assert_str_eq(gt_write(g1, 0, "data/b/c", "2"), OK);
	ck_assert_str_eq(gt_write(g1, 0, "/shared/g1node", "x"), OK);
	ck_assert_str_eq(gt_write(tool, 0, "/acl/x", "v"), OK);
	ck_assert_str_eq(set_perms(tool, "/acl/x", "n0", "r1", "r2"), OK);
	ck_assert_str_eq(gt_write(g2, 0, "data/forone", "f"), OK);
	ck_assert_str_eq(set_perms(g2, "data/forone", "n2", "r1", NULL), OK);
	ck_assert_str_eq(gt_read(g1, 0, "/local/domain/2/data/forone"), "f");
	ck_assert_str_eq(gt_read(g1, 0, "/acl/x"), "v");
	watch(g1, "data", "w1");
	watch(g1, "/acl/x", "w2");
	tx = gt_txn(g1);
	ck_assert_str_eq(gt_write(g1, tx, "data/tx", "1"), OK);
	/* who is told */
	watch(tool, "@releaseDomain", "rel");
	watch(tool, "/shared", "sh");
	watch(tool, "/local/domain/1", "home");
	watch(tool, "/local/domain/1/data/b/c", "c");
	watches = gt_memreport(t, "watches");

	destroy(t, 1);
	one_release(tool, "rel");
	/* its nodes went, with the usual events */
	ck_assert(gt_event(tool, "/shared/g1node", "sh", GT_REPLY_MS));
	ck_assert(gt_event(tool, "/local/domain/1/data", "home",
	    GT_REPLY_MS));
	ck_assert(gt_event(tool, "/local/domain/1/data/b/c", "c",
	    GT_REPLY_MS));
	ck_assert_uint_eq(gt_count_events(tool, "/local/domain/1/data"), 0);
	ck_assert_str_eq(gt_read(tool, 0, "/local/domain/1/data"), ENOENT_);
	ck_assert_str_eq(gt_read(tool, 0, "/shared/g1node"), ENOENT_);
	ck_assert_str_eq(gt_read(tool, 0, "/local/domain/1/data/tx"), ENOENT_);
	/* dom0's nodes stay */
	ck_assert_str_eq(gt_read(tool, 0, "/local/domain/1"), "");
	ck_assert_str_eq(gt_read(tool, 0, "/shared"), "");
	/* ACL entries naming it are gone from everybody's nodes */
	ck_assert_str_eq(get_perms(tool, "/acl/x"), "n0|r2");
	ck_assert_str_eq(get_perms(tool, "/local/domain/2/data/forone"),
	    "n2");
	ck_assert_str_eq(get_perms(tool, "/shared"), "n0");
	/* not introduced; its watches and transaction are gone */
	ck_assert_str_eq(introduced(t, "1"), "F");
	ck_assert_str_eq(introduced(t, "2"), "T");
	ck_assert_int_eq(gt_memreport(t, "watches"), watches - 2);
	ck_assert_str_eq(gt_do(tool, XS_CONTROL, 0, "quota", "1", NULL),
	    ENOENT_);
	/* the others carry on */
	ck_assert_str_eq(gt_read(g2, 0, "data/forone"), "f");
	ck_assert_str_eq(gt_read(g2, 0, "/acl/x"), "v");
	ck_assert_str_eq(gt_write(tool, 0, "/acl/x", "w"), OK);
	gt_check(t);
	gt_finish(t);
}
END_TEST

/*
 * A new domain with a dead one's domid gets nothing that was granted to
 * the old one: entries written while it lived (removed at its death),
 * while it was dying, and while no domain had the id (XSA-322, XSA-417).
 * Its own home, written before INTRODUCE, is its own.
 */
START_TEST(domid_reuse_inherits_nothing)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g = gt_guest(t, 5);

	ck_assert_str_eq(gt_write(tool, 0, "/acl/old", "o"), OK);
	ck_assert_str_eq(set_perms(tool, "/acl/old", "n0", "r5", NULL), OK);
	ck_assert_str_eq(gt_read(g, 0, "/acl/old"), "o");
	watch(tool, "@releaseDomain", "rel");
	/* dying, not yet gone */
	ck_assert_int_eq(xensim_domain_kill(gt_sim(t), 5), 0);
	one_release(tool, "rel");
	gt_detach(g);
	ck_assert_str_eq(gt_write(tool, 0, "/acl/dying", "d"), OK);
	ck_assert_str_eq(set_perms(tool, "/acl/dying", "n0", "r5", NULL),
	    OK);
	/* gone (Xen raises no VIRQ for that) */
	destroy(t, 5);
	ck_assert_str_eq(gt_write(tool, 0, "/acl/none", "n"), OK);
	ck_assert_str_eq(set_perms(tool, "/acl/none", "n0", "r5", NULL), OK);
	ck_assert_str_eq(get_perms(tool, "/acl/old"), "n0");
	/* the new domain 5: home written first, as a toolstack does */
	g = gt_guest(t, 5);
	ck_assert_str_eq(gt_read(g, 0, "/acl/old"), EACCES_);
	ck_assert_str_eq(gt_read(g, 0, "/acl/dying"), EACCES_);
	ck_assert_str_eq(gt_read(g, 0, "/acl/none"), EACCES_);
	ck_assert_str_eq(gt_write(g, 0, "/acl/none", "x"), EACCES_);
	ck_assert_str_eq(gt_read(g, 0, "data"), "");
	ck_assert_str_eq(gt_read(g, 0, "/local/domain/5"), "");
	ck_assert_str_eq(gt_write(g, 0, "data/mine", "m"), OK);
	/* and no events from them */
	watch(g, "/acl/dying", "d");
	ck_assert_str_eq(gt_write(tool, 0, "/acl/dying", "d2"), OK);
	ck_assert(!gt_has_event(g, "/acl/dying", "d"));
	/* entries written for the new domain do work */
	ck_assert_str_eq(set_perms(tool, "/acl/none", "n0", "r5", NULL), OK);
	ck_assert_str_eq(gt_read(g, 0, "/acl/none"), "n");
	gt_finish(t);
}
END_TEST

/*
 * The same for a domain that was never introduced, when nothing is
 * written between the grant and the new domain's INTRODUCE.  The grant
 * is on the root: the one node whose change hands out the last
 * generation (any other change also copies its ancestors), so the new
 * domain would be first seen at exactly the generation of the grant;
 * the entry goes with the dead domain anyway (a tracked domain's death
 * cleans up after it, tests/security xsa_417_*).
 */
START_TEST(domid_reuse_right_after_the_grant)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g;

	gt_domain(t, 6, NULL);
	/* a bystander that owns nothing: its death shows the scan ran */
	gt_domain(t, 7, NULL);
	ck_assert_str_eq(gt_introduce(t, 7), OK);
	watch(tool, "@releaseDomain", "rel");
	ck_assert_str_eq(set_perms(tool, "/", "n0", "r6", NULL), OK);
	ck_assert_int_eq(xensim_domain_kill(gt_sim(t), 6), 0);
	ck_assert_int_eq(xensim_domain_kill(gt_sim(t), 7), 0);
	one_release(tool, "rel");
	destroy(t, 6);
	gt_domain(t, 6, NULL);
	g = gt_attach(t, 6);
	ck_assert_str_eq(gt_introduce(t, 6), OK);
	ck_assert_str_eq(gt_do(g, XS_DIRECTORY, 0, "/", NULL), EACCES_);
	ck_assert_str_eq(gt_read(g, 0, "/"), EACCES_);
	/*
	 * The entry went when the dead domain 6 was forgotten (a rewrite of
	 * the root would otherwise have made it count again).
	 */
	ck_assert_str_eq(get_perms(tool, "/"), "n0");
	ck_assert_str_eq(gt_write(tool, 0, "/", ""), OK);
	ck_assert_str_eq(gt_read(g, 0, "/"), EACCES_);
	gt_finish(t);
}
END_TEST

/*
 * Permissions of @releaseDomain: a guest granted read gets the event, one
 * not granted does not, and a new domain with the id of a dead grantee
 * gets nothing.
 */
START_TEST(release_domain_watch_permissions)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g1 = gt_guest(t, 1),
	    *g2 = gt_guest(t, 2), *g3 = gt_guest(t, 3);

	gt_guest(t, 5);
	gt_guest(t, 6);
	ck_assert_str_eq(set_perms(tool, "@releaseDomain", "n0", "r2", "r3"),
	    OK);
	ck_assert_str_eq(get_perms(g2, "@releaseDomain"), "n0|r2|r3");
	ck_assert_str_eq(get_perms(g1, "@releaseDomain"), EACCES_);
	ck_assert_str_eq(set_perms(g2, "@releaseDomain", "n0", "r2", NULL),
	    EACCES_);
	watch(g1, "@releaseDomain", "r");
	watch(g2, "@releaseDomain", "r");
	watch(g3, "@releaseDomain", "r");
	watch(tool, "@releaseDomain", "r");
	destroy(t, 5);
	one_release(tool, "r");
	one_release(g2, "r");
	one_release(g3, "r");
	ck_assert(!gt_has_event(g1, "@releaseDomain", "r"));
	/* @introduceDomain stays privileged */
	watch(g2, "@introduceDomain", "i");
	watch(tool, "@introduceDomain", "i");
	gt_guest(t, 4);
	ck_assert(gt_event(tool, "@introduceDomain", "i", GT_REPLY_MS));
	ck_assert(!gt_has_event(g2, "@introduceDomain", "i"));
	/* domain 3 dies: its entry goes; a new domain 3 gets nothing */
	destroy(t, 3);
	gt_detach(g3);
	one_release(tool, "r");
	one_release(g2, "r");
	ck_assert_str_eq(get_perms(tool, "@releaseDomain"), "n0|r2");
	g3 = gt_guest(t, 3);
	watch(g3, "@releaseDomain", "r");
	ck_assert_str_eq(get_perms(g3, "@releaseDomain"), EACCES_);
	destroy(t, 6);
	one_release(tool, "r");
	one_release(g2, "r");
	ck_assert(!gt_has_event(g3, "@releaseDomain", "r"));
	ck_assert(!gt_has_event(g1, "@releaseDomain", "r"));
	gt_finish(t);
}
END_TEST

/* ---- shutdown ------------------------------------------------------------ */

#define SHUTDOWN_SUSPEND 2

START_TEST(shutdown_reported_once_until_resume)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g1 = gt_guest(t, 1);
	struct xensim *sim = gt_sim(t);

	watch(tool, "@releaseDomain", "rel");
	ck_assert_int_eq(xensim_domain_shutdown(sim, 1, SHUTDOWN_SUSPEND), 0);
	one_release(tool, "rel");
	/* shut down is not dead */
	ck_assert_str_eq(introduced(t, "1"), "T");
	ck_assert_str_eq(gt_read(tool, 0, "/local/domain/1/data"), "");
	/* another VIRQ: not reported again */
	gt_domain(t, 9, NULL);
	destroy(t, 9);
	no_release(tool, "rel");
	/* RESUME while still shut down: the next scan reports it again */
	ck_assert_str_eq(gt_do(tool, XS_RESUME, 0, "1", NULL), OK);
	gt_domain(t, 10, NULL);
	destroy(t, 10);
	one_release(tool, "rel");
	/* running again, RESUME: nothing to report */
	ck_assert_int_eq(xensim_domain_resume(sim, 1), 0);
	ck_assert_str_eq(gt_do(tool, XS_RESUME, 0, "1", NULL), OK);
	gt_domain(t, 11, NULL);
	destroy(t, 11);
	no_release(tool, "rel");
	/* the next shutdown is reported */
	ck_assert_int_eq(xensim_domain_shutdown(sim, 1, 0), 0);
	one_release(tool, "rel");
	ck_assert_str_eq(introduced(t, "1"), "T");
	/* RESUME's checks */
	ck_assert_str_eq(gt_do(tool, XS_RESUME, 0, "0", NULL), "ERR EINVAL");
	ck_assert_str_eq(gt_do(tool, XS_RESUME, 0, "12", NULL), ENOENT_);
	ck_assert_str_eq(gt_do(tool, XS_RESUME, 0, "x", NULL), "ERR EINVAL");
	/* then death: one more */
	destroy(t, 1);
	one_release(tool, "rel");
	ck_assert_str_eq(introduced(t, "1"), "F");
	gt_detach(g1);
	gt_finish(t);
}
END_TEST

/* ---- SET_TARGET and RELEASE ---------------------------------------------- */

START_TEST(set_target_and_release)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *dm = gt_guest(t, 3),
	    *stub = gt_guest(t, 4);
	const char *r;

	ck_assert_str_eq(gt_write(dm, 0, "data/x", "1"), OK);
	ck_assert_str_eq(gt_write(tool, 0, "/acl/t", "t"), OK);
	ck_assert_str_eq(set_perms(tool, "/acl/t", "n0", "r3", NULL), OK);
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/0/secret", "s"), OK);
	ck_assert_str_eq(gt_read(stub, 0, "/local/domain/3/data/x"), EACCES_);
	ck_assert_str_eq(gt_read(stub, 0, "/acl/t"), EACCES_);
	ck_assert_str_eq(gt_do(tool, XS_SET_TARGET, 0, "4", "99", NULL),
	    ENOENT_);
	ck_assert_str_eq(gt_do(tool, XS_SET_TARGET, 0, "4", NULL),
	    "ERR EINVAL");
	ck_assert_str_eq(gt_do(tool, XS_SET_TARGET, 0, "4", "3", NULL), OK);
	/* the target's ownership and ACL entries */
	ck_assert_str_eq(gt_read(stub, 0, "/local/domain/3/data/x"), "1");
	ck_assert_str_eq(gt_write(stub, 0, "/local/domain/3/data/x", "2"), OK);
	ck_assert_str_eq(gt_read(dm, 0, "data/x"), "2");
	ck_assert_str_eq(gt_read(stub, 0, "/acl/t"), "t");
	ck_assert_str_eq(set_perms(stub, "/local/domain/3/data/x", "n3", "r4",
	    NULL), OK);
	ck_assert_str_eq(get_perms(tool, "/local/domain/3/data/x"), "n3|r4");
	ck_assert_str_eq(set_perms(stub, "/local/domain/3/data/x", "n4", NULL,
	    NULL), "ERR EPERM");
	/* what it creates is its own */
	ck_assert_str_eq(gt_write(stub, 0, "/local/domain/3/data/new", "n"),
	    OK);
	r = get_perms(tool, "/local/domain/3/data/new");
	ck_assert_msg(strncmp(r, "n4", 2) == 0, "created by the stub: %s", r);
	/* watches follow the same rules */
	watch(stub, "/local/domain/3/data", "tw");
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/3/data/y", "y"), OK);
	ck_assert(gt_event(stub, "/local/domain/3/data/y", "tw", GT_REPLY_MS));
	/* but no privilege */
	ck_assert_str_eq(gt_read(stub, 0, "/local/domain/0/secret"), EACCES_);
	ck_assert_str_eq(gt_do(stub, XS_CONTROL, 0, "check", NULL), EACCES_);
	ck_assert_str_eq(gt_do(stub, XS_IS_DOMAIN_INTRODUCED, 0, "3", NULL),
	    EACCES_);
	ck_assert_str_eq(gt_do(stub, XS_SET_TARGET, 0, "4", "0", NULL),
	    EACCES_);
	ck_assert_str_eq(gt_read(dm, 0, "/local/domain/4/data"), EACCES_);

	/* RELEASE from the toolstack: as if the domain had died, also with
	 * requests of the domain still unread (XSA-425) */
	watch(tool, "@releaseDomain", "rel");
	watch(tool, "/local/domain/3", "home");
	{
		struct xsd_sockmsg h = { XS_READ, 500, 0, 5 };
		uint8_t req[sizeof(h) + 5];
		int i;

		memcpy(req, &h, sizeof(h));
		memcpy(req + sizeof(h), "data", 5);
		for (i = 0; i < 20; i++)
			ck_assert_int_eq(xensim_ring_write(gt_intf(dm), req,
			    sizeof(req)), sizeof(req));
		gt_notify(dm);
	}
	ck_assert_str_eq(gt_do(tool, XS_RELEASE, 0, "3", NULL), OK);
	one_release(tool, "rel");
	ck_assert(gt_event(tool, "/local/domain/3/data", "home", GT_REPLY_MS));
	ck_assert_str_eq(gt_read(tool, 0, "/local/domain/3/data"), ENOENT_);
	ck_assert_str_eq(get_perms(tool, "/acl/t"), "n0");
	ck_assert_str_eq(introduced(t, "3"), "F");
	ck_assert_str_eq(gt_read(stub, 0, "/acl/t"), EACCES_);
	/* its ring is not served any more */
	{
		struct gt_msg m;

		ck_assert_int_eq(gt_req(dm, XS_READ, 0, "data", 5, &m,
		    GT_QUIET_MS), -ETIMEDOUT);
	}
	ck_assert_str_eq(gt_do(tool, XS_RELEASE, 0, "3", NULL), ENOENT_);
	ck_assert_str_eq(gt_do(tool, XS_RELEASE, 0, "0", NULL), "ERR EINVAL");
	ck_assert_str_eq(gt_do(tool, XS_RELEASE, 0, "70000", NULL),
	    "ERR EINVAL");
	/* it can be introduced again (it still exists) and is served */
	gt_detach(dm);
	watch(tool, "@introduceDomain", "intro");
	dm = gt_attach(t, 3);
	ck_assert_str_eq(gt_introduce(t, 3), OK);
	ck_assert(gt_event(tool, "@introduceDomain", "intro", GT_REPLY_MS));
	ck_assert_str_eq(gt_do(dm, XS_GET_DOMAIN_PATH, 0, "3", NULL),
	    "/local/domain/3");
	/* its entry on its home went with the release */
	ck_assert_str_eq(gt_read(dm, 0, "/local/domain/3"), EACCES_);
	ck_assert_str_eq(introduced(t, "3"), "T");
	ck_assert_str_eq(gt_read(stub, 0, "data"), "");
	gt_finish(t);
}
END_TEST

/*
 * A stub domain and its target die in the same scan, in both orders of
 * destruction (XSA-233): one @releaseDomain per death, both cleaned up.
 */
START_TEST(stub_and_target_die_together)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t);
	int round;

	watch(tool, "@releaseDomain", "rel");
	for (round = 0; round < 4; round++) {
		uint32_t dm = 3 + 2 * (uint32_t)round, stub = dm + 1;
		char a[16], b[16];
		struct gt_chan *gd = gt_guest(t, dm), *gs = gt_guest(t, stub);

		snprintf(a, sizeof(a), "%u", stub);
		snprintf(b, sizeof(b), "%u", dm);
		ck_assert_str_eq(gt_do(tool, XS_SET_TARGET, 0, a, b, NULL),
		    OK);
		watch(gs, "data", "w");
		watch(gd, "data", "w");
		ck_assert_str_eq(gt_write(gs, 0, "data/s", "1"), OK);
		ck_assert_int_eq(xensim_domain_kill(gt_sim(t), round & 1 ?
		    stub : dm), 0);
		ck_assert_int_eq(xensim_domain_kill(gt_sim(t), round & 1 ?
		    dm : stub), 0);
		ck_assert(gt_event(tool, "@releaseDomain", "rel",
		    GT_REPLY_MS));
		ck_assert(gt_event(tool, "@releaseDomain", "rel",
		    GT_REPLY_MS));
		ck_assert_uint_eq(gt_count_events(tool, "@releaseDomain"), 0);
		ck_assert_str_eq(introduced(t, a), "F");
		ck_assert_str_eq(introduced(t, b), "F");
		gt_detach(gd);
		gt_detach(gs);
		destroy(t, dm);
		destroy(t, stub);
		gt_check(t);
	}
	gt_finish(t);
}
END_TEST

/* ---- INTRODUCE again ----------------------------------------------------- */

START_TEST(introduce_again_resets_the_ring)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g = gt_guest(t, 1);
	struct xenstore_domain_interface *intf = gt_intf(g);
	static const uint8_t partial[8] = { 2, 0, 0, 0, 77, 0, 0, 0 };
	uint32_t tx;

	watch(tool, "@introduceDomain", "intro");
	watch(g, "data", "w");
	tx = gt_txn(g);
	ck_assert_str_eq(gt_write(g, tx, "data/tx", "1"), OK);
	/* half a header in the ring: the daemon keeps it as partial input */
	ck_assert_int_eq(xensim_ring_write(intf, partial, sizeof(partial)),
	    sizeof(partial));
	gt_notify(g);
	gt_sleep_ms(50);
	ck_assert_str_eq(gt_introduce(t, 1), OK);
	ck_assert_uint_eq(intf->req_cons, 0);
	ck_assert_uint_eq(intf->req_prod, 0);
	ck_assert_uint_eq(intf->rsp_cons, 0);
	ck_assert_uint_eq(intf->rsp_prod, 0);
	ck_assert_uint_eq(intf->connection, XENSTORE_CONNECTED);
	/* no @introduceDomain for a domain already introduced */
	ck_assert(!gt_has_event(tool, "@introduceDomain", "intro"));
	/* a clean ring, a fresh connection */
	ck_assert_str_eq(gt_read(g, 0, "data"), "");
	ck_assert_str_eq(gt_do(g, XS_TRANSACTION_END, tx, "T", NULL), ENOENT_);
	ck_assert_str_eq(gt_read(g, 0, "data/tx"), ENOENT_);
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/1/data/z", "z"), OK);
	ck_assert(!gt_has_event(g, "data/z", "w"));
	ck_assert(!gt_has_event(g, "data", "w"));
	ck_assert_str_eq(introduced(t, "1"), "T");
	/* and again, with the guest asking for a reconnect meanwhile */
	intf->connection = XENSTORE_RECONNECT;
	ck_assert_str_eq(gt_introduce(t, 1), OK);
	ck_assert_uint_eq(intf->connection, XENSTORE_CONNECTED);
	ck_assert_str_eq(gt_read(g, 0, "data"), "");
	gt_finish(t);
}
END_TEST

/* ---- INTRODUCE that fails ------------------------------------------------ */

START_TEST(failed_introduce_leaves_nothing)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t);

	watch(tool, "@introduceDomain", "intro");
	/* domain 9 does not exist: its page cannot be mapped */
	ck_assert_str_eq(gt_do(tool, XS_INTRODUCE, 0, "9", "4096", "5", NULL),
	    "ERR EINVAL");
	ck_assert_str_eq(introduced(t, "9"), "F");
	ck_assert(!gt_has_event(tool, "@introduceDomain", "intro"));
	/* not even tracked: no counters were kept for it */
	ck_assert_str_eq(gt_do(tool, XS_CONTROL, 0, "quota", "9", NULL),
	    ENOENT_);
	gt_check(t);
	gt_finish(t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("guest_life");
	TCase *tc = tcase_create("life");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, gt_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, death_cleans_up_after_the_guest);
	tcase_add_test(tc, domid_reuse_inherits_nothing);
	tcase_add_test(tc, domid_reuse_right_after_the_grant);
	tcase_add_test(tc, release_domain_watch_permissions);
	tcase_add_test(tc, shutdown_reported_once_until_resume);
	tcase_add_test(tc, set_target_and_release);
	tcase_add_test(tc, stub_and_target_die_together);
	tcase_add_test(tc, introduce_again_resets_the_ring);
	tcase_add_test(tc, failed_introduce_leaves_nothing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
