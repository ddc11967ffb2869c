/*
 * check_guest_ops.c: pxenstored as an unprivileged guest sees it, over
 * its ring in the simulated Xen: every request type, relative paths,
 * permission checks, watches firing into the ring, per-domain quotas.
 * The toolstack is the privileged socket connection.  Each test runs its
 * own daemon and ends with CONTROL check and a clean daemon exit.
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

/* ---- every request type from a ring -------------------------------------- */

START_TEST(every_request_type_from_a_ring)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g = gt_guest(t, 1);
	const char *r;
	uint32_t tx;

	ck_assert_str_eq(gt_do(g, XS_GET_DOMAIN_PATH, 0, "1", NULL),
	    "/local/domain/1");
	ck_assert_str_eq(gt_do(g, XS_GET_DOMAIN_PATH, 0, "7", NULL),
	    "/local/domain/7");
	/* WRITE, READ (relative and absolute) */
	ck_assert_str_eq(gt_write(g, 0, "data/x", "hello"), OK);
	ck_assert_str_eq(gt_read(tool, 0, "/local/domain/1/data/x"), "hello");
	ck_assert_str_eq(gt_read(g, 0, "data/x"), "hello");
	ck_assert_str_eq(gt_read(g, 0, "/local/domain/1/data/x"), "hello");
	/* MKDIR, DIRECTORY, DIRECTORY_PART */
	ck_assert_str_eq(gt_do(g, XS_MKDIR, 0, "data/d", NULL), OK);
	ck_assert_str_eq(gt_do(g, XS_MKDIR, 0, "data/d", NULL), OK);
	ck_assert_str_eq(gt_do(g, XS_DIRECTORY, 0, "data", NULL), "x|d");
	ck_assert_str_eq(gt_do(tool, XS_DIRECTORY, 0, "/local/domain/1/data",
	    NULL), "x|d");
	r = gt_do(g, XS_DIRECTORY_PART, 0, "data", "0", NULL);
	ck_assert_msg(strlen(r) > 6 && r[0] >= '0' && r[0] <= '9' &&
	    strcmp(r + strlen(r) - 5, "|x|d|") == 0,
	    "DIRECTORY_PART: %s", r);
	r = gt_do(g, XS_DIRECTORY_PART, 0, "data", "2", NULL);
	ck_assert_msg(strcmp(r + strlen(r) - 3, "|d|") == 0 &&
	    strstr(r, "|x|") == NULL, "DIRECTORY_PART at 2: %s", r);
	/* GET_PERMS, SET_PERMS */
	ck_assert_str_eq(get_perms(g, "data/x"), "n1");
	ck_assert_str_eq(set_perms(g, "data/x", "n1", "r0", NULL), OK);
	ck_assert_str_eq(get_perms(g, "data/x"), "n1|r0");
	ck_assert_str_eq(get_perms(tool, "/local/domain/1/data/x"), "n1|r0");
	/* WATCH, UNWATCH, RESET_WATCHES */
	watch(g, "data", "tk");
	ck_assert_str_eq(gt_do(g, XS_UNWATCH, 0, "data", "tk", NULL), OK);
	ck_assert_str_eq(gt_do(g, XS_UNWATCH, 0, "data", "tk", NULL), ENOENT_);
	watch(g, "data/x", "a");
	watch(g, "/local/domain/1/data", "b");
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/1/data/x", "1"), OK);
	ck_assert(gt_event(g, "data/x", "a", GT_REPLY_MS));
	ck_assert(gt_event(g, "/local/domain/1/data/x", "b", GT_REPLY_MS));
	ck_assert_str_eq(gt_do(g, XS_RESET_WATCHES, 0, NULL), OK);
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/1/data/x", "2"), OK);
	ck_assert_uint_eq(gt_count_events(g, "data/x"), 0);
	ck_assert_uint_eq(gt_count_events(g, "/local/domain/1/data/x"), 0);
	/* TRANSACTION_START, TRANSACTION_END (commit and abort) */
	tx = gt_txn(g);
	ck_assert_str_eq(gt_write(g, tx, "data/t", "1"), OK);
	ck_assert_str_eq(gt_read(g, tx, "data/t"), "1");
	ck_assert_str_eq(gt_read(g, 0, "data/t"), ENOENT_);
	ck_assert_str_eq(gt_do(g, XS_TRANSACTION_END, tx, "T", NULL), OK);
	ck_assert_str_eq(gt_read(g, 0, "data/t"), "1");
	tx = gt_txn(g);
	ck_assert_str_eq(gt_write(g, tx, "data/u", "1"), OK);
	ck_assert_str_eq(gt_do(g, XS_TRANSACTION_END, tx, "F", NULL), OK);
	ck_assert_str_eq(gt_read(g, 0, "data/u"), ENOENT_);
	ck_assert_str_eq(gt_do(g, XS_TRANSACTION_END, 999, "T", NULL),
	    ENOENT_);
	ck_assert_str_eq(gt_read(g, 999, "data/t"), ENOENT_);
	/* GET_FEATURE: own, without an argument; a domid is privileged */
	ck_assert_str_eq(gt_do(g, XS_GET_FEATURE, 0, NULL), "15");
	ck_assert_str_eq(gt_do(g, XS_GET_FEATURE, 0, "1", NULL), EACCES_);
	ck_assert_str_eq(gt_do(tool, XS_GET_FEATURE, 0, "1", NULL), "15");
	/* RM */
	ck_assert_str_eq(gt_do(g, XS_RM, 0, "data/x", NULL), OK);
	ck_assert_str_eq(gt_read(g, 0, "data/x"), ENOENT_);
	ck_assert_str_eq(gt_do(g, XS_RM, 0, "data/x", NULL), OK);
	ck_assert_str_eq(gt_do(g, XS_RM, 0, "data/no/such", NULL), ENOENT_);
	/* unknown types */
	ck_assert_str_eq(gt_do(g, 20, 0, "x", NULL), "ERR ENOSYS");
	ck_assert_str_eq(gt_do(g, 99, 0, "x", NULL), "ERR ENOSYS");
	ck_assert_str_eq(gt_do(g, XS_WATCH_EVENT, 0, "x", NULL), "ERR ENOSYS");
	gt_finish(t);
}
END_TEST

START_TEST(privileged_requests_are_eacces_from_a_guest)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g = gt_guest(t, 1);

	gt_domain(t, 2, NULL);
	ck_assert_str_eq(gt_do(g, XS_INTRODUCE, 0, "2", "1044476", "1", NULL),
	    EACCES_);
	ck_assert_str_eq(gt_do(g, XS_RELEASE, 0, "1", NULL), EACCES_);
	ck_assert_str_eq(gt_do(g, XS_RESUME, 0, "1", NULL), EACCES_);
	ck_assert_str_eq(gt_do(g, XS_SET_TARGET, 0, "1", "0", NULL), EACCES_);
	ck_assert_str_eq(gt_do(g, XS_IS_DOMAIN_INTRODUCED, 0, "1", NULL),
	    EACCES_);
	ck_assert_str_eq(gt_do(g, XS_CONTROL, 0, "check", NULL), EACCES_);
	ck_assert_str_eq(gt_do(g, XS_CONTROL, 0, "test-unpriv", "1", NULL),
	    EACCES_);
	ck_assert_str_eq(gt_do(g, XS_SET_FEATURE, 0, "2", "0", NULL), EACCES_);
	ck_assert_str_eq(gt_do(g, XS_GET_QUOTA, 0, NULL), EACCES_);
	ck_assert_str_eq(gt_do(g, XS_GET_QUOTA, 0, "nodes", NULL), EACCES_);
	ck_assert_str_eq(gt_do(g, XS_GET_QUOTA, 0, "1", "nodes", NULL),
	    EACCES_);
	ck_assert_str_eq(gt_do(g, XS_SET_QUOTA, 0, "nodes", "5", NULL),
	    EACCES_);
	ck_assert_str_eq(gt_do(g, XS_SET_QUOTA, 0, "1", "nodes", "5000",
	    NULL), EACCES_);
	/* nothing happened: 2 not introduced, 1 still is, quota unchanged */
	ck_assert_str_eq(gt_do(tool, XS_IS_DOMAIN_INTRODUCED, 0, "2", NULL),
	    "F");
	ck_assert_str_eq(gt_do(tool, XS_IS_DOMAIN_INTRODUCED, 0, "1", NULL),
	    "T");
	ck_assert_str_eq(gt_do(tool, XS_GET_QUOTA, 0, "1", "nodes", NULL),
	    "1000");
	ck_assert_str_eq(gt_read(g, 0, "data"), "");
	gt_finish(t);
}
END_TEST

START_TEST(relative_paths_resolve_under_the_home)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g1 = gt_guest(t, 1),
	    *g2 = gt_guest(t, 2);

	ck_assert_str_eq(gt_write(g1, 0, "data/rel/a", "one"), OK);
	ck_assert_str_eq(gt_write(g2, 0, "data/rel/a", "two"), OK);
	ck_assert_str_eq(gt_read(tool, 0, "/local/domain/1/data/rel/a"),
	    "one");
	ck_assert_str_eq(gt_read(tool, 0, "/local/domain/2/data/rel/a"),
	    "two");
	ck_assert_str_eq(gt_read(g1, 0, "data/rel/a"), "one");
	ck_assert_str_eq(gt_read(g2, 0, "data/rel/a"), "two");
	ck_assert_str_eq(gt_do(g1, XS_MKDIR, 0, "data/rel/m", NULL), OK);
	ck_assert_str_eq(gt_do(g1, XS_DIRECTORY, 0, "data/rel", NULL), "a|m");
	ck_assert_str_eq(get_perms(g1, "data/rel/m"), "n1");
	ck_assert_str_eq(gt_do(g1, XS_RM, 0, "data/rel/m", NULL), OK);
	ck_assert_str_eq(gt_do(tool, XS_DIRECTORY, 0,
	    "/local/domain/1/data/rel", NULL), "a");
	/* the home itself, relative: readable (r1), not writable (n0) */
	ck_assert_str_eq(gt_read(g1, 0, "data"), "");
	ck_assert_str_eq(gt_write(g1, 0, "name", "x"), EACCES_);
	/* the toolstack's relative paths are dom0's */
	ck_assert_str_eq(gt_write(tool, 0, "rel0", "z"), OK);
	ck_assert_str_eq(gt_read(tool, 0, "/local/domain/0/rel0"), "z");
	/* bad paths */
	ck_assert_str_eq(gt_read(g1, 0, "data//x"), "ERR EINVAL");
	ck_assert_str_eq(gt_read(g1, 0, "data/x/"), "ERR EINVAL");
	ck_assert_str_eq(gt_read(g1, 0, "@releaseDomain"), "ERR EINVAL");
	gt_finish(t);
}
END_TEST

/* ---- permissions --------------------------------------------------------- */

START_TEST(permissions_of_an_unprivileged_guest)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g1 = gt_guest(t, 1),
	    *g2 = gt_guest(t, 2);

	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/0/secret", "s"), OK);
	ck_assert_str_eq(gt_write(tool, 0, "/acl", ""), OK);
	ck_assert_str_eq(gt_write(tool, 0, "/acl/r", "r"), OK);
	ck_assert_str_eq(set_perms(tool, "/acl/r", "n0", "r1", NULL), OK);
	ck_assert_str_eq(gt_write(tool, 0, "/acl/w", "w"), OK);
	ck_assert_str_eq(set_perms(tool, "/acl/w", "n0", "w1", NULL), OK);
	ck_assert_str_eq(gt_write(tool, 0, "/acl/b", "b"), OK);
	ck_assert_str_eq(set_perms(tool, "/acl/b", "n0", "b1", NULL), OK);
	ck_assert_str_eq(gt_write(tool, 0, "/acl/pub", "p"), OK);
	ck_assert_str_eq(set_perms(tool, "/acl/pub", "r0", NULL, NULL), OK);
	ck_assert_str_eq(gt_write(g2, 0, "data/priv", "x"), OK);

	/* dom0's nodes */
	ck_assert_str_eq(gt_read(g1, 0, "/local/domain/0/secret"), EACCES_);
	ck_assert_str_eq(gt_write(g1, 0, "/local/domain/0/secret", "y"),
	    EACCES_);
	ck_assert_str_eq(gt_do(g1, XS_RM, 0, "/local/domain/0/secret", NULL),
	    EACCES_);
	ck_assert_str_eq(get_perms(g1, "/local/domain/0/secret"), EACCES_);
	ck_assert_str_eq(set_perms(g1, "/local/domain/0/secret", "n1", NULL,
	    NULL), EACCES_);
	ck_assert_str_eq(gt_do(g1, XS_DIRECTORY, 0, "/local/domain/0", NULL),
	    EACCES_);
	ck_assert_str_eq(gt_write(g1, 0, "/tool/x", "y"), EACCES_);
	ck_assert_str_eq(gt_read(tool, 0, "/local/domain/0/secret"), "s");
	/* another guest's nodes */
	ck_assert_str_eq(gt_read(g1, 0, "/local/domain/2/data/priv"), EACCES_);
	ck_assert_str_eq(gt_write(g1, 0, "/local/domain/2/data/priv", "y"),
	    EACCES_);
	ck_assert_str_eq(gt_write(g1, 0, "/local/domain/2/data/new", "y"),
	    EACCES_);
	ck_assert_str_eq(gt_do(g1, XS_DIRECTORY, 0, "/local/domain/2/data",
	    NULL), EACCES_);
	ck_assert_str_eq(gt_do(g1, XS_RM, 0, "/local/domain/2/data", NULL),
	    EACCES_);
	ck_assert_str_eq(gt_read(g2, 0, "data/priv"), "x");
	/* ACL entries: r, w, b, and the owner's letter for everybody */
	ck_assert_str_eq(gt_read(g1, 0, "/acl/r"), "r");
	ck_assert_str_eq(gt_write(g1, 0, "/acl/r", "r2"), EACCES_);
	ck_assert_str_eq(gt_read(g1, 0, "/acl/w"), EACCES_);
	ck_assert_str_eq(gt_write(g1, 0, "/acl/w", "w2"), OK);
	ck_assert_str_eq(gt_read(tool, 0, "/acl/w"), "w2");
	ck_assert_str_eq(gt_read(g1, 0, "/acl/b"), "b");
	ck_assert_str_eq(gt_write(g1, 0, "/acl/b", "b2"), OK);
	ck_assert_str_eq(gt_read(g1, 0, "/acl/pub"), "p");
	ck_assert_str_eq(gt_read(g2, 0, "/acl/pub"), "p");
	ck_assert_str_eq(gt_write(g1, 0, "/acl/pub", "x"), EACCES_);
	ck_assert_str_eq(gt_read(g2, 0, "/acl/r"), EACCES_);
	ck_assert_str_eq(gt_write(g2, 0, "/acl/w", "x"), EACCES_);
	ck_assert_str_eq(gt_read(g2, 0, "/acl/b"), EACCES_);
	ck_assert_str_eq(get_perms(g1, "/acl/r"), "n0|r1");
	/* write access without ownership cannot change permissions */
	ck_assert_str_eq(set_perms(g1, "/acl/b", "n0", "b1", "r2"), EACCES_);
	ck_assert_str_eq(get_perms(tool, "/acl/b"), "n0|b1");
	/* a node a guest creates is its own; the rest is inherited */
	ck_assert_str_eq(gt_write(g1, 0, "/acl/b/child", "c"), OK);
	ck_assert_str_eq(get_perms(tool, "/acl/b/child"), "n1|b1");
	ck_assert_str_eq(gt_write(g1, 0, "data/own", "o"), OK);
	ck_assert_str_eq(get_perms(tool, "/local/domain/1/data/own"), "n1");
	ck_assert_str_eq(set_perms(g1, "/acl/b/child", "n1", "r2", NULL), OK);
	ck_assert_str_eq(gt_read(g2, 0, "/acl/b/child"), "c");
	/* ... but it may not give it away (XSA-352) */
	ck_assert_str_eq(set_perms(g1, "/acl/b/child", "n0", NULL, NULL),
	    "ERR EPERM");
	ck_assert_str_eq(set_perms(g1, "/acl/b/child", "n2", NULL, NULL),
	    "ERR EPERM");
	ck_assert_str_eq(set_perms(g1, "data/own", "b2", "r1", NULL),
	    "ERR EPERM");
	ck_assert_str_eq(get_perms(tool, "/acl/b/child"), "n1|r2");
	ck_assert_str_eq(get_perms(tool, "/local/domain/1/data/own"), "n1");
	/* ENOENT only for those who could see the parent (operations.md §0) */
	ck_assert_str_eq(gt_read(g1, 0, "/acl/r/missing"), ENOENT_);
	ck_assert_str_eq(gt_read(g1, 0, "/acl/r/missing/deeper"), ENOENT_);
	ck_assert_str_eq(gt_read(g1, 0, "/local/domain/0/missing"), EACCES_);
	ck_assert_str_eq(gt_read(g1, 0, "/acl/w/missing"), EACCES_);
	ck_assert_str_eq(gt_read(g1, 0, "/no/such/node"), EACCES_);
	ck_assert_str_eq(gt_read(g1, 0, "/local/domain/2/data/none"),
	    EACCES_);
	ck_assert_str_eq(gt_read(g1, 0, "data/none"), ENOENT_);
	ck_assert_str_eq(gt_write(g1, 0, "/acl/r/missing/x", "1"), EACCES_);
	ck_assert_str_eq(gt_do(g1, XS_RM, 0, "/acl/r/missing", NULL), EACCES_);
	ck_assert_str_eq(gt_do(g1, XS_RM, 0, "/acl/w/missing", NULL), OK);
	ck_assert_str_eq(gt_do(g1, XS_RM, 0, "/acl/w/missing/deeper", NULL),
	    ENOENT_);
	ck_assert_str_eq(get_perms(g1, "/acl/r/missing"), ENOENT_);
	ck_assert_str_eq(get_perms(g1, "/local/domain/0/missing"), EACCES_);
	/* SET_PERMS wants write and ownership: r shares neither */
	ck_assert_str_eq(set_perms(g1, "/acl/r/missing", "n1", NULL, NULL),
	    EACCES_);
	ck_assert_str_eq(set_perms(g1, "data/missing", "n1", NULL, NULL),
	    ENOENT_);
	/* the root (XSA-353): nothing a guest may do to it */
	ck_assert_str_eq(gt_do(g1, XS_DIRECTORY, 0, "/", NULL), EACCES_);
	ck_assert_str_eq(get_perms(g1, "/"), EACCES_);
	ck_assert_str_eq(set_perms(g1, "/", "n1", NULL, NULL), EACCES_);
	ck_assert_str_eq(gt_do(g1, XS_RM, 0, "/", NULL), EACCES_);
	/* in a transaction too (the check sees the transaction's view) */
	{
		uint32_t tx = gt_txn(g1);

		ck_assert_str_eq(gt_do(g1, XS_RM, tx, "/", NULL), EACCES_);
		ck_assert_str_eq(gt_do(g1, XS_SET_PERMS, tx, "/", "n1", NULL),
		    EACCES_);
		ck_assert_str_eq(gt_do(g1, XS_TRANSACTION_END, tx, "T", NULL),
		    OK);
	}
	/* the tool may not remove the root either, but it may look */
	ck_assert_str_eq(gt_do(tool, XS_RM, 0, "/", NULL), "ERR EINVAL");
	ck_assert_str_eq(gt_write(g1, 0, "/", "x"), EACCES_);
	ck_assert_str_eq(gt_read(tool, 0, "/acl/r"), "r");
	ck_assert_str_eq(get_perms(tool, "/"), "n0");
	gt_finish(t);
}
END_TEST

/* ---- watches ------------------------------------------------------------- */

START_TEST(watch_events_into_rings)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *tool = gt_tool(t), *g1 = gt_guest(t, 1),
	    *g2 = gt_guest(t, 2);

	ck_assert_str_eq(gt_write(tool, 0, "/acl/r", "0"), OK);
	ck_assert_str_eq(set_perms(tool, "/acl", "n0", NULL, NULL), OK);
	ck_assert_str_eq(set_perms(tool, "/acl/r", "n0", "r1", NULL), OK);
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/0/priv", "0"), OK);
	watch(g1, "data", "rel");
	watch(g1, "/local/domain/1/data", "abs");
	watch(g1, "/acl/r", "acl");
	/* the initial event is never filtered */
	watch(g1, "/local/domain/0/priv", "dom0");
	watch(g1, "data", "d0");
	ck_assert_str_eq(gt_do(g1, XS_UNWATCH, 0, "data", "d0", NULL), OK);
	ck_assert_str_eq(gt_do(g1, XS_WATCH, 0, "data", "depth0", "0", NULL),
	    OK);
	ck_assert(gt_event(g1, "data", "depth0", GT_REPLY_MS));
	watch(g2, "/local/domain/1/data", "spy");
	watch(tool, "/local/domain/1/data", "tool");

	/* a dom0 write below the guest's home: relative and absolute forms */
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/1/data/foo", "1"),
	    OK);
	ck_assert(gt_event(g1, "data/foo", "rel", GT_REPLY_MS));
	ck_assert(gt_event(g1, "/local/domain/1/data/foo", "abs",
	    GT_REPLY_MS));
	ck_assert(gt_event(tool, "/local/domain/1/data/foo", "tool",
	    GT_REPLY_MS));
	/* depth 0: the path itself only */
	ck_assert(!gt_has_event(g1, "data/foo", "depth0"));
	/* the other guest may not read it: nothing */
	ck_assert(!gt_has_event(g2, "/local/domain/1/data/foo", "spy"));
	/* the guest's own write */
	ck_assert_str_eq(gt_write(g1, 0, "data/bar", "2"), OK);
	ck_assert(gt_event(g1, "data/bar", "rel", GT_REPLY_MS));
	ck_assert(gt_event(tool, "/local/domain/1/data/bar", "tool",
	    GT_REPLY_MS));
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/1/data", "v"), OK);
	ck_assert(gt_event(g1, "data", "depth0", GT_REPLY_MS));
	ck_assert(gt_event(g1, "data", "rel", GT_REPLY_MS));
	ck_assert(gt_event(g1, "/local/domain/1/data", "abs", GT_REPLY_MS));
	/* a dom0 node the guest may read */
	ck_assert_str_eq(gt_write(tool, 0, "/acl/r", "x"), OK);
	ck_assert(gt_event(g1, "/acl/r", "acl", GT_REPLY_MS));
	ck_assert_str_eq(gt_write(tool, 0, "/acl/r/sub", "y"), OK);
	ck_assert(gt_event(g1, "/acl/r/sub", "acl", GT_REPLY_MS));
	/* one it may not read */
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/0/priv", "z"), OK);
	ck_assert(!gt_has_event(g1, "/local/domain/0/priv", "dom0"));
	/* losing access is still told (old permissions), then silence */
	ck_assert_str_eq(set_perms(tool, "/acl/r", "n0", NULL, NULL), OK);
	ck_assert(gt_event(g1, "/acl/r", "acl", GT_REPLY_MS));
	ck_assert_str_eq(gt_write(tool, 0, "/acl/r", "w"), OK);
	ck_assert(!gt_has_event(g1, "/acl/r", "acl"));
	/* removal: visible to those who could read the node */
	ck_assert_str_eq(gt_do(tool, XS_RM, 0, "/local/domain/1/data/foo",
	    NULL), OK);
	ck_assert(gt_event(g1, "data/foo", "rel", GT_REPLY_MS));
	ck_assert(gt_event(g1, "/local/domain/1/data/foo", "abs",
	    GT_REPLY_MS));
	ck_assert(!gt_has_event(g2, "/local/domain/1/data/foo", "spy"));
	/* a transaction's events come at commit */
	{
		uint32_t tx = gt_txn(tool);

		ck_assert_str_eq(gt_write(tool, tx, "/local/domain/1/data/tx",
		    "1"), OK);
		ck_assert(!gt_has_event(g1, "data/tx", "rel"));
		ck_assert_str_eq(gt_do(tool, XS_TRANSACTION_END, tx, "T",
		    NULL), OK);
		ck_assert(gt_event(g1, "data/tx", "rel", GT_REPLY_MS));
	}
	/* nothing left over anywhere */
	gt_flush_events(tool);
	ck_assert_uint_eq(gt_count_events(g1, "data"), 0);
	gt_flush_events(g1);
	ck_assert_uint_eq(gt_pending_events(g1), 0);
	gt_flush_events(g2);
	gt_finish(t);
}
END_TEST

/* ---- quotas -------------------------------------------------------------- */

static void
write_n(struct gt_chan *c, const char *fmt, int from, int to,
    const char *want)
{
	char path[64];
	int i;

	for (i = from; i <= to; i++) {
		snprintf(path, sizeof(path), fmt, i);
		ck_assert_msg(strcmp(gt_write(c, 0, path, "v"), want) == 0,
		    "write %s: %s, wanted %s", path, c->last, want);
	}
}

static char *
value(size_t n)
{
	char *v = malloc(n + 1);

	ck_assert_ptr_nonnull(v);
	memset(v, 'v', n);
	v[n] = '\0';
	return v;
}

/*
 * Small limits: 8 nodes, 3 watches, 2 transactions, records under 100
 * bytes, 3 permission entries per node (the 4.17 semantics the daemon
 * follows: the limit is the largest count allowed; the node size must
 * stay below it).
 */
START_TEST(quotas_of_a_guest)
{
	struct gt *t = gt_start("-E", "8", "-W", "3", "-t", "2", "-S", "100",
	    "-A", "3", NULL);
	struct gt_chan *tool = gt_tool(t), *g = gt_guest(t, 1);
	char *v;
	uint32_t t1, t2, t3;

	/* nodes: the guest owns data; 6 more is 7 (N-1), then 8 (N) */
	write_n(g, "data/n%d", 1, 6, OK);
	ck_assert_str_eq(gt_write(g, 0, "data/n7", "v"), OK);
	ck_assert_str_eq(gt_write(g, 0, "data/n8", "v"), "ERR ENOSPC");
	ck_assert_str_eq(gt_do(g, XS_MKDIR, 0, "data/n8", NULL), "ERR ENOSPC");
	ck_assert_str_eq(gt_read(g, 0, "data/n8"), ENOENT_);
	/* changing an existing node is fine at the limit */
	ck_assert_str_eq(gt_write(g, 0, "data/n7", "again"), OK);
	/* a transaction cannot get around it */
	t1 = gt_txn(g);
	ck_assert_str_eq(gt_write(g, t1, "data/n8", "v"), OK);
	ck_assert_str_eq(gt_do(g, XS_TRANSACTION_END, t1, "T", NULL),
	    "ERR ENOSPC");
	ck_assert_str_eq(gt_read(g, 0, "data/n8"), ENOENT_);
	/* room again after a removal */
	ck_assert_str_eq(gt_do(g, XS_RM, 0, "data/n7", NULL), OK);
	ck_assert_str_eq(gt_write(g, 0, "data/n8", "v"), OK);
	ck_assert_str_eq(gt_write(g, 0, "data/n9", "v"), "ERR ENOSPC");
	/* dom0 has no quota, also for nodes it gives the guest */
	write_n(tool, "/local/domain/1/data/d%d", 1, 20, OK);
	ck_assert_str_eq(set_perms(tool, "/local/domain/1/data/d1", "n1",
	    NULL, NULL), OK);

	/* watches: 2 (N-1), 3 (N), not 4 (N+1) */
	watch(g, "data/w1", "t");
	watch(g, "data/w2", "t");
	watch(g, "data/w3", "t");
	ck_assert_str_eq(gt_do(g, XS_WATCH, 0, "data/w4", "t", NULL),
	    "ERR ENOSPC");
	ck_assert_str_eq(gt_do(g, XS_UNWATCH, 0, "data/w1", "t", NULL), OK);
	watch(g, "data/w4", "t");
	ck_assert_str_eq(gt_do(g, XS_WATCH, 0, "data/w5", "t", NULL),
	    "ERR ENOSPC");
	{
		char p[32];
		int i;

		for (i = 0; i < 10; i++) {
			snprintf(p, sizeof(p), "/tool/w%d", i);
			watch(tool, p, "t");
		}
	}

	/* transactions: 1 (N-1), 2 (N), not 3 (N+1) */
	t1 = gt_txn(g);
	t2 = gt_txn(g);
	ck_assert_str_eq(gt_do(g, XS_TRANSACTION_START, 0, "", NULL),
	    "ERR ENOSPC");
	ck_assert_str_eq(gt_do(g, XS_TRANSACTION_END, t1, "F", NULL), OK);
	t3 = gt_txn(g);
	ck_assert_str_eq(gt_do(g, XS_TRANSACTION_START, 0, "", NULL),
	    "ERR ENOSPC");
	ck_assert_str_eq(gt_do(g, XS_TRANSACTION_END, t2, "F", NULL), OK);
	ck_assert_str_eq(gt_do(g, XS_TRANSACTION_END, t3, "F", NULL), OK);
	{
		uint32_t d[5];
		int i;

		for (i = 0; i < 5; i++)
			d[i] = gt_txn(tool);
		for (i = 0; i < 5; i++)
			ck_assert_str_eq(gt_do(tool, XS_TRANSACTION_END, d[i],
			    "F", NULL), OK);
	}

	/* node size: record = 16 + 8 per permission + value (+ children) */
	v = value(75);				/* 99: N-1 */
	ck_assert_str_eq(gt_write(g, 0, "data/n8", v), OK);
	free(v);
	v = value(76);				/* 100: N */
	ck_assert_str_eq(gt_write(g, 0, "data/n8", v), "ERR ENOSPC");
	free(v);
	v = value(77);				/* 101: N+1 */
	ck_assert_str_eq(gt_write(g, 0, "data/n8", v), "ERR ENOSPC");
	free(v);
	ck_assert_uint_eq(strlen(gt_read(g, 0, "data/n8")), 75);
	v = value(3000);			/* dom0: no limit */
	ck_assert_str_eq(gt_write(tool, 0, "/local/domain/1/data/n8", v), OK);
	ck_assert_str_eq(gt_read(g, 0, "data/n8"), v);
	free(v);

	/* permission entries: 3 (N), not 4 (N+1) */
	ck_assert_str_eq(set_perms(g, "data/n2", "n1", "r0", NULL), OK);
	ck_assert_str_eq(set_perms(g, "data/n2", "n1", "r0", "r0"), OK);
	ck_assert_str_eq(gt_do(g, XS_SET_PERMS, 0, "data/n2", "n1", "r0", "r0",
	    "r0", NULL), "ERR ENOSPC");
	ck_assert_str_eq(get_perms(g, "data/n2"), "n1|r0|r0");
	ck_assert_str_eq(gt_do(tool, XS_SET_PERMS, 0,
	    "/local/domain/1/data/n2", "n1", "r0", "r0", "r0", "r0", "r0",
	    NULL), OK);
	gt_finish(t);
}
END_TEST

/*
 * The node-size quota counts the child-name list too
 * (quotas-and-limits.md §1.2): a guest cannot grow one of its
 * directories past the limit by adding children.
 */
START_TEST(node_size_quota_counts_children)
{
	struct gt *t = gt_start("-S", "100", NULL);
	struct gt_chan *g = gt_guest(t, 1);
	/* names of 20 characters: 21 bytes each in the parent's list */
	static const char *const kids[] = {
		"data/dir/aaaaaaaaaaaaaaaaaaa1",
		"data/dir/aaaaaaaaaaaaaaaaaaa2",
		"data/dir/aaaaaaaaaaaaaaaaaaa3",
		"data/dir/aaaaaaaaaaaaaaaaaaa4",
	};

	ck_assert_str_eq(gt_write(g, 0, "data/dir", ""), OK);
	/* 16 + 8 + 3 * 21 = 87 */
	ck_assert_str_eq(gt_write(g, 0, kids[0], ""), OK);
	ck_assert_str_eq(gt_write(g, 0, kids[1], ""), OK);
	ck_assert_str_eq(gt_write(g, 0, kids[2], ""), OK);
	/* 16 + 8 + 4 * 21 = 108 */
	ck_assert_str_eq(gt_write(g, 0, kids[3], ""), "ERR ENOSPC");
	ck_assert_str_eq(gt_do(g, XS_DIRECTORY, 0, "data/dir", NULL),
	    "aaaaaaaaaaaaaaaaaaa1|aaaaaaaaaaaaaaaaaaa2|aaaaaaaaaaaaaaaaaaa3");
	gt_finish(t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("guest_ops");
	TCase *tc = tcase_create("ops");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, gt_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_request_type_from_a_ring);
	tcase_add_test(tc, privileged_requests_are_eacces_from_a_guest);
	tcase_add_test(tc, relative_paths_resolve_under_the_home);
	tcase_add_test(tc, permissions_of_an_unprivileged_guest);
	tcase_add_test(tc, watch_events_into_rings);
	tcase_add_test(tc, quotas_of_a_guest);
	tcase_add_test(tc, node_size_quota_counts_children);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
