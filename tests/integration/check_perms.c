/*
 * check_perms.c: permissions through libxenstore, for privileged and
 * unprivileged (test-hook) callers: the n/r/w/b modes, owner against ACL
 * entries, the first matching entry, the owner entry's letter as the
 * default, inheritance and ownership on implicit creation, the EACCES /
 * ENOENT masking of operations.md §0, the special paths and relative
 * paths.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

static struct xs_handle *p;	/* privileged */

static void
setup(void)
{
	itest_start(NULL);
	p = xs_priv();
	/* Domain 5's home, owned by 5; a playground owned by dom0. */
	xmkdir(p, XBT_NULL, "/local/domain/5");
	ck_succeeds(xperms(p, XBT_NULL, "/local/domain/5", "n5", NULL));
	xmkdir(p, XBT_NULL, "/pg");
	ck_succeeds(xperms(p, XBT_NULL, "/pg", "r0", NULL));
}

static void
teardown(void)
{
	xs_close(p);
	p = NULL;
	ck_store_ok();
	itest_stop();
}

/* A node /pg/<name> with the given permissions (set by dom0). */
static void
node(const char *path, const char *p1, const char *p2, const char *p3)
{
	xwrite(p, XBT_NULL, path, "value");
	ck_succeeds(xperms(p, XBT_NULL, path, p1, p2, p3, NULL));
}

/* What `h` may do with an existing node. */
static void
ck_access(struct xs_handle *h, const char *path, bool r, bool w)
{
	unsigned n;
	void *v;

	errno = 0;
	v = xs_read(h, XBT_NULL, path, &n);
	ck_assert_msg((v != NULL) == r, "read %s: %s", path,
	    v ? "allowed" : strerror(errno));
	if (!r)
		ck_assert_int_eq(errno, EACCES);
	free(v);
	errno = 0;
	v = xs_directory(h, XBT_NULL, path, &n);
	ck_assert_msg((v != NULL) == r, "directory %s: %s", path,
	    v ? "allowed" : strerror(errno));
	if (!r)
		ck_assert_int_eq(errno, EACCES);
	free(v);
	errno = 0;
	v = xs_get_permissions(h, XBT_NULL, path, &n);
	ck_assert_msg((v != NULL) == r, "get perms %s: %s", path,
	    v ? "allowed" : strerror(errno));
	if (!r)
		ck_assert_int_eq(errno, EACCES);
	free(v);
	if (w) {
		xwrite(h, XBT_NULL, path, "value");
		xmkdir(h, XBT_NULL, path);
	} else {
		ck_fails(xs_write(h, XBT_NULL, path, "x", 1), EACCES);
		ck_fails(xs_mkdir(h, XBT_NULL, path), EACCES);
	}
}

START_TEST(test_modes)
{
	struct xs_handle *u = xs_as(5);

	node("/pg/n", "n0", "n5", NULL);
	node("/pg/r", "n0", "r5", NULL);
	node("/pg/w", "n0", "w5", NULL);
	node("/pg/b", "n0", "b5", NULL);
	ck_access(u, "/pg/n", false, false);
	ck_access(u, "/pg/r", true, false);
	ck_access(u, "/pg/w", false, true);
	ck_access(u, "/pg/b", true, true);
	/* Not the owner: no permission changes, even with b. */
	ck_fails(xperms(u, XBT_NULL, "/pg/b", "n0", "b5", NULL), EACCES);
	/* RM needs write on the node itself. */
	ck_fails(xs_rm(u, XBT_NULL, "/pg/r"), EACCES);
	ck_fails(xs_rm(u, XBT_NULL, "/pg/n"), EACCES);
	xrm(u, XBT_NULL, "/pg/w");
	xrm(u, XBT_NULL, "/pg/b");
	/* The privileged caller may do everything everywhere. */
	ck_access(p, "/pg/n", true, true);
	ck_succeeds(xperms(p, XBT_NULL, "/pg/n", "n7", NULL));
	ck_access(p, "/pg/n", true, true);
	xs_close(u);
}
END_TEST

START_TEST(test_owner)
{
	struct xs_handle *u = xs_as(5), *o = xs_as(6);

	/* The owner has full access whatever its letter says. */
	node("/pg/own", "n5", NULL, NULL);
	ck_access(u, "/pg/own", true, true);
	ck_succeeds(xperms(u, XBT_NULL, "/pg/own", "n5", "r6", NULL));
	ck_perms(u, XBT_NULL, "/pg/own", "n5,r6");
	ck_access(o, "/pg/own", true, false);
	/* An ACL entry naming the owner does not restrict it. */
	ck_succeeds(xperms(u, XBT_NULL, "/pg/own", "n5", "n5", NULL));
	ck_access(u, "/pg/own", true, true);
	/* RM of its node, whatever the children's permissions. */
	xwrite(p, XBT_NULL, "/pg/own/kid", "");
	ck_succeeds(xperms(p, XBT_NULL, "/pg/own/kid", "n0", NULL));
	xrm(u, XBT_NULL, "/pg/own");
	ck_read_err(p, XBT_NULL, "/pg/own/kid", ENOENT);
	xs_close(o);
	xs_close(u);
}
END_TEST

START_TEST(test_first_match)
{
	struct xs_handle *u = xs_as(5);

	node("/pg/rw", "n0", "r5", "w5");
	node("/pg/wr", "n0", "w5", "r5");
	node("/pg/nb", "n0", "n5", "b5");
	node("/pg/br", "n0", "b5", "n5");
	ck_access(u, "/pg/rw", true, false);
	ck_access(u, "/pg/wr", false, true);
	ck_access(u, "/pg/nb", false, false);
	ck_access(u, "/pg/br", true, true);
	xs_close(u);
}
END_TEST

START_TEST(test_default_letter)
{
	struct xs_handle *u = xs_as(6), *x = xs_as(7);

	/* Domain 6 has no entry: the owner entry's letter applies. */
	node("/pg/dn", "n5", "r7", NULL);
	node("/pg/dr", "r5", "n7", NULL);
	node("/pg/dw", "w5", "n7", NULL);
	node("/pg/db", "b5", "n7", NULL);
	ck_access(u, "/pg/dn", false, false);
	ck_access(u, "/pg/dr", true, false);
	ck_access(u, "/pg/dw", false, true);
	ck_access(u, "/pg/db", true, true);
	/* Domain 7's own entry wins over the default. */
	ck_access(x, "/pg/dn", true, false);
	ck_access(x, "/pg/dr", false, false);
	ck_access(x, "/pg/db", false, false);
	xs_close(x);
	xs_close(u);
}
END_TEST

START_TEST(test_inherit)
{
	struct xs_handle *u = xs_as(5), *o = xs_as(6);

	/* Unprivileged creators own what they create. */
	ck_succeeds(xperms(p, XBT_NULL, "/local/domain/5", "n5", "r6", NULL));
	xwrite(u, XBT_NULL, "a/b/c", "v");
	ck_perms(p, XBT_NULL, "/local/domain/5/a", "n5,r6");
	ck_perms(p, XBT_NULL, "/local/domain/5/a/b", "n5,r6");
	ck_perms(p, XBT_NULL, "/local/domain/5/a/b/c", "n5,r6");
	ck_read(o, XBT_NULL, "/local/domain/5/a/b/c", "v");
	/* Privileged creators keep the parent's list as it is. */
	xwrite(p, XBT_NULL, "/local/domain/5/q/r", "");
	ck_perms(p, XBT_NULL, "/local/domain/5/q", "n5,r6");
	ck_perms(p, XBT_NULL, "/local/domain/5/q/r", "n5,r6");
	/* Creating under a node someone else owns: the owner changes,
	 * the owner entry's letter and the ACL stay. */
	node("/pg/drop", "r0", "w5", NULL);
	xwrite(u, XBT_NULL, "/pg/drop/y/z", "in");
	ck_perms(p, XBT_NULL, "/pg/drop", "r0,w5");
	ck_perms(p, XBT_NULL, "/pg/drop/y", "r5,w5");
	ck_perms(p, XBT_NULL, "/pg/drop/y/z", "r5,w5");
	/* ... and the new owner may change them, the parent's owner can
	 * still read by the default letter. */
	ck_succeeds(xperms(u, XBT_NULL, "/pg/drop/y/z", "n5", NULL));
	ck_read_err(o, XBT_NULL, "/pg/drop/y/z", EACCES);
	ck_read(o, XBT_NULL, "/pg/drop/y", "");
	/* Open to everybody: each creator owns its node. */
	node("/pg/open", "b0", NULL, NULL);
	xwrite(o, XBT_NULL, "/pg/open/six", "6");
	xwrite(u, XBT_NULL, "/pg/open/five", "5");
	ck_perms(p, XBT_NULL, "/pg/open/six", "b6");
	ck_perms(p, XBT_NULL, "/pg/open/five", "b5");
	ck_succeeds(xperms(o, XBT_NULL, "/pg/open/six", "n6", NULL));
	ck_fails(xperms(o, XBT_NULL, "/pg/open/five", "n5", NULL), EACCES);
	/* MKDIR creates the same way. */
	xmkdir(u, XBT_NULL, "/pg/open/d1/d2");
	ck_perms(p, XBT_NULL, "/pg/open/d1/d2", "b5");
	xs_close(o);
	xs_close(u);
}
END_TEST

/* Every operation on a missing path gives `err`. */
static void
ck_missing(struct xs_handle *h, const char *path, int rerr, int werr,
    int rmerr, int permerr)
{
	unsigned n;

	ck_read_err(h, XBT_NULL, path, rerr);
	errno = 0;
	ck_assert_ptr_null(xs_directory(h, XBT_NULL, path, &n));
	ck_assert_int_eq(errno, rerr);
	errno = 0;
	ck_assert_ptr_null(xs_get_permissions(h, XBT_NULL, path, &n));
	ck_assert_int_eq(errno, rerr);
	if (werr != 0) {
		ck_fails(xs_write(h, XBT_NULL, path, "x", 1), werr);
		ck_fails(xs_mkdir(h, XBT_NULL, path), werr);
	}
	if (rmerr != 0)
		ck_fails(xs_rm(h, XBT_NULL, path), rmerr);
	else
		ck_succeeds(xs_rm(h, XBT_NULL, path));
	ck_fails(xperms(h, XBT_NULL, path, "n5", NULL), permerr);
}

START_TEST(test_masking)
{
	struct xs_handle *u = xs_as(5);

	node("/pg/hidden", "n0", NULL, NULL);
	node("/pg/ro", "n0", "r5", NULL);
	node("/pg/wo", "n0", "w5", NULL);
	/* Nearest existing ancestor grants nothing: EACCES. */
	ck_missing(u, "/pg/hidden/x", EACCES, EACCES, EACCES, EACCES);
	ck_missing(u, "/pg/hidden/x/y/z", EACCES, EACCES, EACCES, EACCES);
	/* Grants read: ENOENT for reads, EACCES for writes. */
	ck_missing(u, "/pg/ro/x", ENOENT, EACCES, EACCES, EACCES);
	ck_missing(u, "/pg/ro/x/y/z", ENOENT, EACCES, EACCES, EACCES);
	/* Grants write: EACCES for reads, ENOENT where write matters
	 * (RM of a missing child of an existing node is OK). */
	ck_missing(u, "/pg/wo/x", EACCES, 0, 0, ENOENT);
	ck_missing(u, "/pg/wo/x/y", EACCES, 0, ENOENT, ENOENT);
	/* The root is n0: outside its home a guest sees EACCES. */
	ck_read_err(u, XBT_NULL, "/nowhere", EACCES);
	ck_read_err(u, XBT_NULL, "/", EACCES);
	ck_read_err(u, XBT_NULL, "/tool", EACCES);
	ck_fails(xs_write(u, XBT_NULL, "/nowhere", "", 0), EACCES);
	/* Its own home: ENOENT. */
	ck_read_err(u, XBT_NULL, "nothing", ENOENT);
	ck_read_err(u, XBT_NULL, "/local/domain/5/no/thing", ENOENT);
	/* The privileged caller always gets ENOENT. */
	ck_missing(p, "/pg/hidden/x/y", ENOENT, 0, ENOENT, ENOENT);
	xs_close(u);
	/* DIRECTORY_PART, which libxenstore only sends for big lists. */
	{
		struct rmsg m;
		int fd = raw_open();

		raw_unpriv(fd, 5);
		raw_req(fd, XS_DIRECTORY_PART, 0, &m, "/pg/hidden", "0", NULL);
		ck_rerr(&m, "EACCES");
		raw_req(fd, XS_DIRECTORY_PART, 0, &m, "/pg/hidden/x", "0",
		    NULL);
		ck_rerr(&m, "EACCES");
		raw_req(fd, XS_DIRECTORY_PART, 0, &m, "/pg/ro/x", "0", NULL);
		ck_rerr(&m, "ENOENT");
		raw_req(fd, XS_DIRECTORY_PART, 0, &m, "/pg/ro", "0", NULL);
		ck_assert_uint_eq(m.hdr.type, XS_DIRECTORY_PART);
		close(fd);
	}
}
END_TEST

START_TEST(test_special_paths)
{
	struct xs_handle *u = xs_as(5), *o = xs_as(6);
	unsigned n;

	ck_perms(p, XBT_NULL, "@introduceDomain", "n0");
	ck_perms(p, XBT_NULL, "@releaseDomain", "n0");
	errno = 0;
	ck_assert_ptr_null(xs_get_permissions(u, XBT_NULL, "@releaseDomain",
	    &n));
	ck_assert_int_eq(errno, EACCES);
	ck_fails(xperms(u, XBT_NULL, "@releaseDomain", "n5", NULL), EACCES);
	/* Granting read lets the domain see (and watch) it. */
	ck_succeeds(xperms(p, XBT_NULL, "@releaseDomain", "n0", "r5", NULL));
	ck_perms(u, XBT_NULL, "@releaseDomain", "n0,r5");
	ck_fails(xperms(u, XBT_NULL, "@releaseDomain", "n0", "b5", NULL),
	    EACCES);
	errno = 0;
	ck_assert_ptr_null(xs_get_permissions(o, XBT_NULL, "@releaseDomain",
	    &n));
	ck_assert_int_eq(errno, EACCES);
	/* An owner may change the ACL, not the owner. */
	ck_succeeds(xperms(p, XBT_NULL, "@introduceDomain", "n5", NULL));
	ck_succeeds(xperms(u, XBT_NULL, "@introduceDomain", "n5", "r6",
	    NULL));
	ck_perms(o, XBT_NULL, "@introduceDomain", "n5,r6");
	ck_fails(xperms(u, XBT_NULL, "@introduceDomain", "n6", NULL), EPERM);
	/* The special paths are not in the tree. */
	ck_dir(p, XBT_NULL, "/", "tool,local,pg");
	xs_close(o);
	xs_close(u);
}
END_TEST

START_TEST(test_relative_paths)
{
	struct xs_handle *u = xs_as(5);

	/* A socket connection's base is /local/domain/0. */
	xwrite(p, XBT_NULL, "sock/rel", "0");
	ck_read(p, XBT_NULL, "/local/domain/0/sock/rel", "0");
	ck_dir(p, XBT_NULL, "sock", "rel");
	ck_perms(p, XBT_NULL, "sock/rel", "n0");
	/* An unprivileged connection's base is its own home. */
	xwrite(u, XBT_NULL, "dev/vif", "5");
	ck_read(p, XBT_NULL, "/local/domain/5/dev/vif", "5");
	ck_read(u, XBT_NULL, "/local/domain/5/dev/vif", "5");
	ck_dir(u, XBT_NULL, "dev", "vif");
	ck_perms(u, XBT_NULL, "dev/vif", "n5");
	ck_succeeds(xperms(u, XBT_NULL, "dev", "n5", "r0", NULL));
	ck_perms(p, XBT_NULL, "/local/domain/5/dev", "n5,r0");
	xrm(u, XBT_NULL, "dev");
	ck_read_err(p, XBT_NULL, "/local/domain/5/dev", ENOENT);
	/* Its relative paths never reach dom0's home. */
	ck_read_err(u, XBT_NULL, "sock/rel", ENOENT);
	xs_close(u);
}
END_TEST

/* Permissions inside a transaction are the transaction's view. */
START_TEST(test_perms_in_txn)
{
	struct xs_handle *u = xs_as(5);
	xs_transaction_t t;

	node("/pg/tp", "n0", "r5", NULL);
	t = xs_transaction_start(p);
	ck_succeeds(xperms(p, t, "/pg/tp", "n0", "b5", NULL));
	ck_perms(p, t, "/pg/tp", "n0,b5");
	ck_perms(p, XBT_NULL, "/pg/tp", "n0,r5");
	ck_fails(xs_write(u, XBT_NULL, "/pg/tp", "x", 1), EACCES);
	ck_succeeds(xs_transaction_end(p, t, false));
	xwrite(u, XBT_NULL, "/pg/tp", "x");
	/* An unprivileged transaction checks its own view too. */
	t = xs_transaction_start(u);
	ck_assert_uint_ne(t, 0);
	ck_fails(xs_write(u, t, "/pg/hidden2", "x", 1), EACCES);
	xwrite(u, t, "/local/domain/5/t", "1");
	ck_succeeds(xperms(u, t, "/local/domain/5/t", "n5", "r6", NULL));
	ck_perms(u, t, "/local/domain/5/t", "n5,r6");
	ck_succeeds(xs_transaction_end(u, t, false));
	ck_perms(p, XBT_NULL, "/local/domain/5/t", "n5,r6");
	xs_close(u);
}
END_TEST

/* DOMID_ANY (32757) entries (C HEAD): they match every domain. */
START_TEST(test_domid_any)
{
	struct xs_handle *u = xs_as(5), *o = xs_as(6), *n;
	struct rmsg m;
	int fd;

	node("/pg/any", "n0", "r32757", NULL);
	ck_read(u, XBT_NULL, "/pg/any", "value");
	ck_read(o, XBT_NULL, "/pg/any", "value");
	ck_fails(xs_write(o, XBT_NULL, "/pg/any", "x", 1), EACCES);
	/* An earlier entry for the domain still wins. */
	node("/pg/any2", "n0", "n6", "b32757");
	ck_read_err(o, XBT_NULL, "/pg/any2", EACCES);
	xwrite(u, XBT_NULL, "/pg/any2", "5");
	/*
	 * Set by a domain without the DOMID_ANY feature, the entry is kept
	 * but inert (stale).
	 */
	fd = raw_open();
	raw_req(fd, XS_SET_FEATURE, 0, &m, "8", "2", NULL);
	ck_rstr(&m, XS_SET_FEATURE, "OK");
	close(fd);
	xmkdir(p, XBT_NULL, "/local/domain/8");
	ck_succeeds(xperms(p, XBT_NULL, "/local/domain/8", "n8", NULL));
	n = xs_as(8);
	xwrite(n, XBT_NULL, "shared", "8");
	ck_succeeds(xperms(n, XBT_NULL, "shared", "n8", "r32757", NULL));
	ck_perms(n, XBT_NULL, "shared", "n8,r32757");
	ck_read_err(o, XBT_NULL, "/local/domain/8/shared", EACCES);
	/* The same entry set by a domain with the feature works. */
	xwrite(u, XBT_NULL, "shared", "5");
	ck_succeeds(xperms(u, XBT_NULL, "shared", "n5", "r32757", NULL));
	ck_read(o, XBT_NULL, "/local/domain/5/shared", "5");
	xs_close(n);
	xs_close(o);
	xs_close(u);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("perms");
	TCase *tc = tcase_create("perms");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tcase_add_test(tc, test_modes);
	tcase_add_test(tc, test_owner);
	tcase_add_test(tc, test_first_match);
	tcase_add_test(tc, test_default_letter);
	tcase_add_test(tc, test_inherit);
	tcase_add_test(tc, test_masking);
	tcase_add_test(tc, test_special_paths);
	tcase_add_test(tc, test_relative_paths);
	tcase_add_test(tc, test_perms_in_txn);
	tcase_add_test(tc, test_domid_any);
	return itest_run(s);
}
