/*
 * check_ops.c: every request type the 4.17 libxenstore can send, the
 * newer types 23-26 and unknown types over a raw connection, the error
 * paths of operations.md reachable over a socket, and every quota and
 * limit at N-1, N and N+1 for an unprivileged caller (and not for a
 * privileged one).  Each test starts its own daemon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

/* A home for domain `domid`: /local/domain/<domid>, owned by it. */
static void
home(struct xs_handle *h, unsigned domid)
{
	char path[64], owner[16];

	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	snprintf(owner, sizeof(owner), "n%u", domid);
	xmkdir(h, XBT_NULL, path);
	ck_succeeds(xperms(h, XBT_NULL, path, owner, NULL));
}

static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* ------------------------------------------------------------------ */
/* Request types                                                       */
/* ------------------------------------------------------------------ */

START_TEST(test_read_write)
{
	struct xs_handle *h;
	static const char bin[] = { 'a', '\0', 'b', '\xff', '\0' };
	unsigned len;
	char *v;
	struct rmsg m;
	int fd;

	itest_start(NULL);
	h = xs_priv();
	xwrite(h, XBT_NULL, "/a", "hello");
	ck_read(h, XBT_NULL, "/a", "hello");
	xwrite(h, XBT_NULL, "/a", "bye");
	ck_read(h, XBT_NULL, "/a", "bye");
	/* Values are bytes: NULs kept, nothing appended. */
	ck_succeeds(xs_write(h, XBT_NULL, "/bin", bin, sizeof(bin)));
	v = xs_read(h, XBT_NULL, "/bin", &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, sizeof(bin));
	ck_assert_mem_eq(v, bin, sizeof(bin));
	free(v);
	xwrite(h, XBT_NULL, "/empty", "");
	ck_read(h, XBT_NULL, "/empty", "");
	/* Implicit creation of the ancestors, with empty values. */
	xwrite(h, XBT_NULL, "/x/y/z", "deep");
	ck_read(h, XBT_NULL, "/x/y", "");
	ck_read(h, XBT_NULL, "/x", "");
	/* Relative paths of a socket connection are under dom0's home. */
	xwrite(h, XBT_NULL, "rel/node", "r");
	ck_read(h, XBT_NULL, "/local/domain/0/rel/node", "r");
	ck_read(h, XBT_NULL, "rel/node", "r");
	xs_close(h);

	/* The raw reply is exactly the value, without a terminator. */
	fd = raw_open();
	raw_call(fd, XS_WRITE, 0, "/raw\0abc", 8, &m);
	ck_rstr(&m, XS_WRITE, "OK");
	raw_req(fd, XS_READ, 0, &m, "/raw", NULL);
	ck_rbytes(&m, XS_READ, "abc", 3);
	raw_call(fd, XS_WRITE, 0, "/raw\0", 5, &m);
	ck_rstr(&m, XS_WRITE, "OK");
	raw_req(fd, XS_READ, 0, &m, "/raw", NULL);
	ck_rbytes(&m, XS_READ, "", 0);
	close(fd);
	ck_store_ok();
}
END_TEST

START_TEST(test_mkdir)
{
	struct xs_handle *h;

	itest_start(NULL);
	h = xs_priv();
	xmkdir(h, XBT_NULL, "/m/n/o");
	ck_read(h, XBT_NULL, "/m/n/o", "");
	ck_dir(h, XBT_NULL, "/m", "n");
	/* An existing node keeps its value and children. */
	xwrite(h, XBT_NULL, "/m/n", "value");
	xmkdir(h, XBT_NULL, "/m/n");
	ck_read(h, XBT_NULL, "/m/n", "value");
	ck_dir(h, XBT_NULL, "/m/n", "o");
	xmkdir(h, XBT_NULL, "/");
	xs_close(h);
	ck_store_ok();
}
END_TEST

START_TEST(test_rm)
{
	struct xs_handle *h;

	itest_start(NULL);
	h = xs_priv();
	xwrite(h, XBT_NULL, "/r/a/b", "1");
	xwrite(h, XBT_NULL, "/r/a/c", "2");
	xwrite(h, XBT_NULL, "/r/d", "3");
	xrm(h, XBT_NULL, "/r/a");
	ck_read_err(h, XBT_NULL, "/r/a", ENOENT);
	ck_read_err(h, XBT_NULL, "/r/a/b", ENOENT);
	ck_dir(h, XBT_NULL, "/r", "d");
	/* Missing node whose parent exists: OK; parent missing: ENOENT. */
	xrm(h, XBT_NULL, "/r/nothing");
	ck_fails(xs_rm(h, XBT_NULL, "/r/nothing/below"), ENOENT);
	ck_fails(xs_rm(h, XBT_NULL, "/"), EINVAL);
	xrm(h, XBT_NULL, "/r");
	ck_read_err(h, XBT_NULL, "/r/d", ENOENT);
	ck_dir(h, XBT_NULL, "/", "tool");
	xs_close(h);
	ck_store_ok();
}
END_TEST

START_TEST(test_directory_small)
{
	struct xs_handle *h;
	unsigned n = 99;
	char **v;

	itest_start(NULL);
	h = xs_priv();
	ck_dir(h, XBT_NULL, "/", "tool");
	ck_dir(h, XBT_NULL, "/tool", "xenstored");
	xwrite(h, XBT_NULL, "/dir/zeta", "");
	xwrite(h, XBT_NULL, "/dir/alpha", "");
	xwrite(h, XBT_NULL, "/dir/mid", "");
	ck_dir(h, XBT_NULL, "/dir", "zeta,alpha,mid");
	/* Re-creation appends at the end. */
	xrm(h, XBT_NULL, "/dir/alpha");
	xwrite(h, XBT_NULL, "/dir/alpha", "");
	ck_dir(h, XBT_NULL, "/dir", "zeta,mid,alpha");
	/* A node without children lists nothing. */
	v = xs_directory(h, XBT_NULL, "/dir/mid", &n);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(n, 0);
	free(v);
	errno = 0;
	ck_assert_ptr_null(xs_directory(h, XBT_NULL, "/dir/none", &n));
	ck_assert_int_eq(errno, ENOENT);
	xs_close(h);
	ck_store_ok();
}
END_TEST

#define BIG_N 600

static void
big_name(char *buf, size_t size, unsigned i)
{
	snprintf(buf, size, "child-%04u", i);
}

/* Child i of the insertion order: a permutation far from sorted. */
static unsigned
big_order(unsigned k)
{
	return (k * 7u + 13u) % BIG_N;
}

START_TEST(test_directory_large)
{
	struct xs_handle *h;
	char path[64], name[32], *expect, *got;
	unsigned n = 0, k;
	char **v;
	size_t elen = 0, glen = 0;
	unsigned long long gen0 = 0;
	unsigned long off = 0;
	struct rmsg m;
	int fd, chunks = 0;

	itest_start(NULL);
	h = xs_priv();
	expect = malloc(BIG_N * 16);
	got = malloc(BIG_N * 16 + XENSTORE_PAYLOAD_MAX);
	ck_assert(expect && got);
	for (k = 0; k < BIG_N; k++) {
		big_name(name, sizeof(name), big_order(k));
		snprintf(path, sizeof(path), "/big/%s", name);
		xwrite(h, XBT_NULL, path, "");
		memcpy(expect + elen, name, strlen(name) + 1);
		elen += strlen(name) + 1;
	}
	ck_assert_uint_gt(elen, XENSTORE_PAYLOAD_MAX);

	/* libxenstore falls back to DIRECTORY_PART: full list, in order. */
	v = xs_directory(h, XBT_NULL, "/big", &n);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(n, BIG_N);
	for (k = 0; k < BIG_N; k++) {
		big_name(name, sizeof(name), big_order(k));
		ck_assert_str_eq(v[k], name);
	}
	free(v);

	/* Raw: DIRECTORY is E2BIG, DIRECTORY_PART gives whole slices. */
	fd = raw_open();
	raw_req(fd, XS_DIRECTORY, 0, &m, "/big", NULL);
	ck_rerr(&m, "E2BIG");
	for (;;) {
		char offs[24];
		unsigned long long gen;
		size_t hl, slice;

		ck_assert_int_lt(chunks++, 20);
		snprintf(offs, sizeof(offs), "%lu", off);
		raw_req(fd, XS_DIRECTORY_PART, 0, &m, "/big", offs, NULL);
		ck_assert_uint_eq(m.hdr.type, XS_DIRECTORY_PART);
		ck_assert_uint_le(m.hdr.len, XENSTORE_PAYLOAD_MAX);
		hl = strlen(m.body) + 1;
		gen = strtoull(m.body, NULL, 10);
		if (chunks == 1)
			gen0 = gen;
		ck_assert_uint_eq(gen, gen0);
		slice = m.hdr.len - hl;
		ck_assert_uint_ge(slice, 1);
		if (chunks == 1) {
			/* C's rule: a name of length L is taken while
			 * collected + L < 4096 - strlen(gen) - 2. */
			size_t want = 0, maxlen = XENSTORE_PAYLOAD_MAX - hl - 1;

			while (want + 10 < maxlen)
				want += 11;	/* "child-NNNN" + NUL */
			ck_assert_uint_eq(slice, want);
		}
		/* every slice ends with a NUL: whole names only */
		ck_assert_int_eq(m.body[m.hdr.len - 1], '\0');
		memcpy(got + glen, m.body + hl, slice);
		glen += slice;
		off += slice;
		if (slice == 1 || m.body[m.hdr.len - 2] == '\0')
			break;	/* "\0\0": the end marker */
	}
	ck_assert_int_ge(chunks, 2);
	/* the end marker is the one extra NUL */
	ck_assert_uint_eq(glen, elen + 1);
	ck_assert_mem_eq(got, expect, elen);
	/* Inside a transaction: its own view, its own new child last. */
	{
		xs_transaction_t t = xs_transaction_start(h);

		xwrite(h, t, "/big/in-txn", "");
		v = xs_directory(h, t, "/big", &n);
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(n, BIG_N + 1);
		ck_assert_str_eq(v[BIG_N], "in-txn");
		big_name(name, sizeof(name), big_order(0));
		ck_assert_str_eq(v[0], name);
		free(v);
		v = xs_directory(h, XBT_NULL, "/big", &n);
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(n, BIG_N);
		free(v);
		ck_succeeds(xs_transaction_end(h, t, true));
	}
	/* Past the end: the generation and one empty string. */
	{
		char offs[24], buf[48];
		int bl;

		snprintf(offs, sizeof(offs), "%zu", elen + 100);
		raw_req(fd, XS_DIRECTORY_PART, 0, &m, "/big", offs, NULL);
		bl = snprintf(buf, sizeof(buf), "%llu", gen0);
		ck_assert_uint_eq(m.hdr.len, (size_t)bl + 2);
		ck_assert_str_eq(m.body, buf);
		ck_assert_int_eq(m.body[bl + 1], '\0');
		/* Exactly two strings are required. */
		raw_req(fd, XS_DIRECTORY_PART, 0, &m, "/big", NULL);
		ck_rerr(&m, "EINVAL");
		raw_req(fd, XS_DIRECTORY_PART, 0, &m, "/big", "0", "1", NULL);
		ck_rerr(&m, "EINVAL");
		raw_req(fd, XS_DIRECTORY_PART, 0, &m, "/nothere", "0", NULL);
		ck_rerr(&m, "ENOENT");
		/* A change of the child list changes the generation. */
		xwrite(h, XBT_NULL, "/big/new-one", "");
		raw_req(fd, XS_DIRECTORY_PART, 0, &m, "/big", "0", NULL);
		ck_assert_uint_eq(m.hdr.type, XS_DIRECTORY_PART);
		ck_assert_uint_ne(strtoull(m.body, NULL, 10), gen0);
	}
	close(fd);
	free(expect);
	free(got);
	xs_close(h);
	ck_store_ok();
}
END_TEST

START_TEST(test_perms_ops)
{
	struct xs_handle *h;
	struct rmsg m;
	int fd;

	itest_start(NULL);
	h = xs_priv();
	ck_perms(h, XBT_NULL, "/", "n0");
	ck_perms(h, XBT_NULL, "/tool/xenstored", "n0");
	xwrite(h, XBT_NULL, "/p", "");
	ck_succeeds(xperms(h, XBT_NULL, "/p", "n0", "r5", "w6", "b7", NULL));
	ck_perms(h, XBT_NULL, "/p", "n0,r5,w6,b7");
	ck_succeeds(xperms(h, XBT_NULL, "/p", "r9", NULL));
	ck_perms(h, XBT_NULL, "/p", "r9");
	fd = raw_open();
	raw_req(fd, XS_GET_PERMS, 0, &m, "/p", NULL);
	ck_rbytes(&m, XS_GET_PERMS, "r9", 3);
	/* Domids in strtol(..., 0) syntax: hex and octal. */
	raw_req(fd, XS_SET_PERMS, 0, &m, "/p", "b0x10", "r010", NULL);
	ck_rstr(&m, XS_SET_PERMS, "OK");
	raw_req(fd, XS_GET_PERMS, 0, &m, "/p", NULL);
	ck_rbytes(&m, XS_GET_PERMS, "b16\0r8", 7);
	close(fd);
	xs_close(h);
	ck_store_ok();
}
END_TEST

START_TEST(test_watch_unwatch)
{
	struct xs_handle *h, *w;

	itest_start(NULL);
	h = xs_priv();
	w = xs_priv();
	xw_sync_setup(h, w);
	ck_succeeds(xs_watch(w, "/wu", "tok"));
	xw_expect(w, "/wu", "tok");
	xwrite(h, XBT_NULL, "/wu/a", "1");
	xw_expect(w, "/wu/a", "tok");
	ck_succeeds(xs_unwatch(w, "/wu", "tok"));
	xwrite(h, XBT_NULL, "/wu/a", "2");
	xw_sync(h, w);
	ck_fails(xs_unwatch(w, "/wu", "tok"), ENOENT);
	xs_close(w);
	xs_close(h);
	ck_store_ok();
}
END_TEST

START_TEST(test_reset_watches)
{
	struct rmsg m;
	char tid[16];
	int fd, other;

	itest_start(NULL);
	fd = raw_open();
	other = raw_open();
	raw_req(fd, XS_WATCH, 0, &m, "/rw", "t1", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	raw_expect_event(fd, "/rw", "t1");
	raw_req(fd, XS_WATCH, 0, &m, "/rw2", "t2", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	raw_expect_event(fd, "/rw2", "t2");
	raw_req(fd, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_assert_uint_eq(m.hdr.type, XS_TRANSACTION_START);
	ck_assert_uint_lt(m.hdr.len, sizeof(tid));
	memcpy(tid, m.body, m.hdr.len);
	/* Payload ignored: libxenstore-less clients send nothing. */
	raw_call(fd, XS_RESET_WATCHES, 0, NULL, 0, &m);
	ck_rstr(&m, XS_RESET_WATCHES, "OK");
	/* The watches are gone: no events, UNWATCH finds nothing. */
	raw_req(other, XS_WRITE, 0, &m, "/rw", NULL);
	ck_rstr(&m, XS_WRITE, "OK");
	ck_assert(raw_send(fd, XS_UNWATCH, 1, 0, "/rw\0t1", 7));
	ck_assert_int_eq(raw_recv(fd, &m, ITEST_WAIT_MS), 1);
	ck_rerr(&m, "ENOENT");	/* the reply, no event before it */
	/* ... and so is the transaction. */
	raw_req(fd, XS_READ, (uint32_t)atoi(tid), &m, "/rw", NULL);
	ck_rerr(&m, "ENOENT");
	/* The same watch can be registered again. */
	raw_req(fd, XS_WATCH, 0, &m, "/rw", "t1", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	raw_expect_event(fd, "/rw", "t1");
	/* With the conventional "\0" payload too. */
	raw_call(fd, XS_RESET_WATCHES, 0, "", 1, &m);
	ck_rstr(&m, XS_RESET_WATCHES, "OK");
	raw_req(fd, XS_UNWATCH, 0, &m, "/rw", "t1", NULL);
	ck_rerr(&m, "ENOENT");
	close(fd);
	close(other);
	ck_store_ok();
}
END_TEST

START_TEST(test_transaction_basic)
{
	struct xs_handle *h;
	xs_transaction_t t;
	struct rmsg m;
	int fd;

	itest_start(NULL);
	/* Ids start at 1 on a fresh connection. */
	fd = raw_open();
	raw_req(fd, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rstr(&m, XS_TRANSACTION_START, "1");
	raw_req(fd, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rstr(&m, XS_TRANSACTION_START, "2");
	raw_req(fd, XS_WRITE, 1, &m, "/tb", NULL);
	ck_rstr(&m, XS_WRITE, "OK");
	ck_assert_uint_eq(m.hdr.tx_id, 1);
	raw_req(fd, XS_TRANSACTION_END, 1, &m, "T", NULL);
	ck_rstr(&m, XS_TRANSACTION_END, "OK");
	raw_req(fd, XS_TRANSACTION_END, 2, &m, "F", NULL);
	ck_rstr(&m, XS_TRANSACTION_END, "OK");
	close(fd);

	h = xs_priv();
	ck_read(h, XBT_NULL, "/tb", "");
	t = xs_transaction_start(h);
	ck_assert_uint_ne(t, 0);
	xwrite(h, t, "/tb", "in");
	ck_succeeds(xs_transaction_end(h, t, false));
	ck_read(h, XBT_NULL, "/tb", "in");
	xs_close(h);
	ck_store_ok();
}
END_TEST

START_TEST(test_domain_path)
{
	struct xs_handle *h;
	struct rmsg m;
	char *p;
	int fd;

	itest_start(NULL);
	h = xs_priv();
	p = xs_get_domain_path(h, 7);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, "/local/domain/7");
	free(p);
	xs_close(h);
	fd = raw_open();
	raw_req(fd, XS_GET_DOMAIN_PATH, 0, &m, "0", NULL);
	ck_rstr(&m, XS_GET_DOMAIN_PATH, "/local/domain/0");
	raw_req(fd, XS_GET_DOMAIN_PATH, 0, &m, "65535", NULL);
	ck_rstr(&m, XS_GET_DOMAIN_PATH, "/local/domain/65535");
	raw_req(fd, XS_GET_DOMAIN_PATH, 0, &m, "65536", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_GET_DOMAIN_PATH, 0, &m, "abc", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_GET_DOMAIN_PATH, 0, &m, "-1", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_GET_DOMAIN_PATH, 0, &m, "", NULL);
	ck_rerr(&m, "EINVAL");
	raw_call(fd, XS_GET_DOMAIN_PATH, 0, NULL, 0, &m);
	ck_rerr(&m, "EINVAL");
	/* No privilege needed. */
	raw_unpriv(fd, 5);
	raw_req(fd, XS_GET_DOMAIN_PATH, 0, &m, "9", NULL);
	ck_rstr(&m, XS_GET_DOMAIN_PATH, "/local/domain/9");
	close(fd);
}
END_TEST

START_TEST(test_is_introduced)
{
	struct xs_handle *h;
	struct rmsg m;
	int fd;

	itest_start(NULL);
	h = xs_priv();
	ck_assert(!xs_is_domain_introduced(h, 5));
	xs_close(h);
	fd = raw_open();
	raw_req(fd, XS_IS_DOMAIN_INTRODUCED, 0, &m, "5", NULL);
	ck_rstr(&m, XS_IS_DOMAIN_INTRODUCED, "F");
	raw_req(fd, XS_IS_DOMAIN_INTRODUCED, 0, &m, "32752", NULL);
	ck_rstr(&m, XS_IS_DOMAIN_INTRODUCED, "T");	/* DOMID_SELF */
	raw_req(fd, XS_IS_DOMAIN_INTRODUCED, 0, &m, "x", NULL);
	ck_rerr(&m, "EINVAL");
	raw_call(fd, XS_IS_DOMAIN_INTRODUCED, 0, NULL, 0, &m);
	ck_rerr(&m, "EINVAL");
	raw_unpriv(fd, 5);
	raw_req(fd, XS_IS_DOMAIN_INTRODUCED, 0, &m, "5", NULL);
	ck_rerr(&m, "EACCES");
	close(fd);
}
END_TEST

START_TEST(test_introduce_errors)
{
	struct xs_handle *h;
	struct rmsg m;
	int fd;

	itest_start(NULL);
	h = xs_priv();
	/* No Xen here: a well-formed INTRODUCE cannot map a ring. */
	ck_fails(xs_introduce_domain(h, 5, 1234, 7), EINVAL);
	ck_assert(!xs_is_domain_introduced(h, 5));
	xs_close(h);
	fd = raw_open();
	raw_req(fd, XS_INTRODUCE, 0, &m, "5", "1234", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_INTRODUCE, 0, &m, "abc", "1234", "7", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_INTRODUCE, 0, &m, "65536", "1234", "7", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_INTRODUCE, 0, &m, "5", "1234", "0", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_INTRODUCE, 0, &m, "5", "x", "7", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_IS_DOMAIN_INTRODUCED, 0, &m, "5", NULL);
	ck_rstr(&m, XS_IS_DOMAIN_INTRODUCED, "F");
	raw_unpriv(fd, 5);
	raw_req(fd, XS_INTRODUCE, 0, &m, "6", "1234", "7", NULL);
	ck_rerr(&m, "EACCES");
	close(fd);
	ck_store_ok();
}
END_TEST

START_TEST(test_release_resume_target)
{
	struct xs_handle *h;
	struct rmsg m;
	int fd;

	itest_start(NULL);
	h = xs_priv();
	ck_fails(xs_release_domain(h, 5), ENOENT);
	ck_fails(xs_resume_domain(h, 5), ENOENT);
	ck_fails(xs_set_target(h, 5, 6), ENOENT);
	xs_close(h);
	fd = raw_open();
	/* The privileged domain itself cannot be released. */
	raw_req(fd, XS_RELEASE, 0, &m, "0", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_RELEASE, 0, &m, "zz", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_RELEASE, 0, &m, "70000", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_RESUME, 0, &m, "0", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_RESUME, 0, &m, "-5", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_SET_TARGET, 0, &m, "5", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_SET_TARGET, 0, &m, "x", "6", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_SET_TARGET, 0, &m, "5", "y", NULL);
	ck_rerr(&m, "EINVAL");
	raw_unpriv(fd, 5);
	raw_req(fd, XS_RELEASE, 0, &m, "6", NULL);
	ck_rerr(&m, "EACCES");
	raw_req(fd, XS_RESUME, 0, &m, "6", NULL);
	ck_rerr(&m, "EACCES");
	raw_req(fd, XS_SET_TARGET, 0, &m, "5", "6", NULL);
	ck_rerr(&m, "EACCES");
	close(fd);
	ck_store_ok();
}
END_TEST

static void
ck_contains(const char *text, const char *what)
{
	ck_assert_msg(text != NULL && strstr(text, what) != NULL,
	    "'%s' not in '%s'", what, text ? text : "(null)");
}

START_TEST(test_control)
{
	struct xs_handle *h;
	char file[512], trace[512], *r;
	struct rmsg m;
	int fd;

	itest_start("-E", "321", NULL);
	h = xs_priv();
	r = xcontrol(h, "check", NULL);
	ck_assert_str_eq(r, "OK");
	free(r);
	r = xcontrol(h, "help", NULL);
	ck_contains(r, "check");
	ck_contains(r, "quota-soft");
	ck_contains(r, "memreport");
	free(r);
	r = xcontrol(h, "print", "hello from the test");
	ck_assert_str_eq(r, "OK");
	free(r);
	/* The old name of the same request type. */
	r = xs_debug_command(h, "check", NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r, "OK");
	free(r);
	r = xcontrol(h, "quota", NULL);
	ck_contains(r, "nodes");
	ck_contains(r, "321");
	free(r);
	r = xcontrol(h, "quota-soft", NULL);
	ck_contains(r, "memory");
	free(r);
	r = xcontrol(h, "log", NULL);
	ck_assert_ptr_nonnull(r);
	free(r);
	/* No trace file yet: memreport has nowhere to write. */
	errno = 0;
	ck_assert_ptr_null(xcontrol(h, "memreport", NULL));
	ck_assert_int_eq(errno, EINVAL);
	snprintf(file, sizeof(file), "%s/memreport", itest_dir());
	r = xcontrol(h, "memreport", file);
	ck_assert_str_eq(r, "OK");
	free(r);
	ck_assert_int_eq(access(file, R_OK), 0);
	snprintf(trace, sizeof(trace), "%s/trace", itest_dir());
	r = xcontrol(h, "logfile", trace);
	ck_assert_str_eq(r, "OK");
	free(r);
	ck_assert_int_eq(access(trace, R_OK), 0);
	r = xcontrol(h, "memreport", NULL);
	ck_assert_str_eq(r, "OK");
	free(r);
	r = xcontrol(h, "log", "off");
	ck_assert_str_eq(r, "OK");
	free(r);
	r = xcontrol(h, "log", "on");
	ck_assert_str_eq(r, "OK");
	free(r);
	errno = 0;
	ck_assert_ptr_null(xcontrol(h, "log", "sideways"));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(xcontrol(h, "no-such-command", NULL));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(xcontrol(h, "check", "extra"));
	ck_assert_int_eq(errno, EINVAL);
	xs_close(h);

	fd = raw_open();
	raw_call(fd, XS_CONTROL, 0, NULL, 0, &m);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_CONTROL, 0, &m, "quota", "set", "nodes", "77", NULL);
	ck_rstr(&m, XS_CONTROL, "OK");
	raw_req(fd, XS_GET_QUOTA, 0, &m, "nodes", NULL);
	ck_rstr(&m, XS_GET_QUOTA, "77");
	raw_req(fd, XS_CONTROL, 0, &m, "quota", "set", "nodes", "0", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_CONTROL, 0, &m, "quota", "set", "bogus", "3", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_CONTROL, 0, &m, "quota-soft", "set", "memory", "1000",
	    NULL);
	ck_rstr(&m, XS_CONTROL, "OK");
	raw_req(fd, XS_GET_QUOTA, 0, &m, "soft-memory", NULL);
	ck_rstr(&m, XS_GET_QUOTA, "1000");
	/* An untracked domain has no usage to show. */
	raw_req(fd, XS_CONTROL, 0, &m, "quota", "4242", NULL);
	ck_rerr(&m, "ENOENT");
	raw_req(fd, XS_CONTROL, 0, &m, "test-unpriv", "nope", NULL);
	ck_rerr(&m, "EINVAL");
	raw_unpriv(fd, 5);
	raw_req(fd, XS_CONTROL, 0, &m, "check", NULL);
	ck_rerr(&m, "EACCES");
	close(fd);
	ck_store_ok();
}
END_TEST

START_TEST(test_features)
{
	struct rmsg m;
	unsigned long f;
	int fd, u;

	itest_start(NULL);
	fd = raw_open();
	/* The socket's own features: WATCHDEPTH works here (watch tests). */
	raw_call(fd, XS_GET_FEATURE, 0, NULL, 0, &m);
	ck_assert_uint_eq(m.hdr.type, XS_GET_FEATURE);
	f = strtoul(m.body, NULL, 10);
	ck_assert_uint_ne(f & XENSTORE_SERVER_FEATURE_WATCHDEPTH, 0);
	ck_assert_uint_eq(f & ~15UL, 0);
	/* A domain's features, which can be changed before INTRODUCE. */
	raw_req(fd, XS_GET_FEATURE, 0, &m, "5", NULL);
	ck_assert_uint_eq(m.hdr.type, XS_GET_FEATURE);
	raw_req(fd, XS_SET_FEATURE, 0, &m, "5", "4", NULL);
	ck_rstr(&m, XS_SET_FEATURE, "OK");
	raw_req(fd, XS_GET_FEATURE, 0, &m, "5", NULL);
	ck_rstr(&m, XS_GET_FEATURE, "4");
	raw_req(fd, XS_SET_FEATURE, 0, &m, "5", "16", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_SET_FEATURE, 0, &m, "5", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_SET_FEATURE, 0, &m, "5", "x", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_GET_FEATURE, 0, &m, "5", "6", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_GET_FEATURE, 0, &m, "bad", NULL);
	ck_rerr(&m, "EINVAL");
	/* Unprivileged: its own set only. */
	u = raw_open();
	raw_unpriv(u, 6);
	raw_call(u, XS_GET_FEATURE, 0, NULL, 0, &m);
	ck_assert_uint_eq(m.hdr.type, XS_GET_FEATURE);
	ck_assert_uint_ne(strtoul(m.body, NULL, 10) &
	    XENSTORE_SERVER_FEATURE_WATCHDEPTH, 0);
	raw_req(u, XS_GET_FEATURE, 0, &m, "5", NULL);
	ck_rerr(&m, "EACCES");
	raw_req(u, XS_SET_FEATURE, 0, &m, "6", "4", NULL);
	ck_rerr(&m, "EACCES");
	close(u);
	/* Without WATCHDEPTH a third WATCH argument is invalid. */
	raw_req(fd, XS_SET_FEATURE, 0, &m, "7", "2", NULL);
	ck_rstr(&m, XS_SET_FEATURE, "OK");
	u = raw_open();
	raw_unpriv(u, 7);
	raw_call(u, XS_GET_FEATURE, 0, NULL, 0, &m);
	ck_rstr(&m, XS_GET_FEATURE, "2");
	raw_req(u, XS_WATCH, 0, &m, "/w", "t", "1", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(u, XS_WATCH, 0, &m, "/w", "t", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	close(u);
	close(fd);
	ck_store_ok();
}
END_TEST

START_TEST(test_quota_ops)
{
	struct rmsg m;
	int fd, u;

	itest_start("-E", "55", "-W", "7", NULL);
	fd = raw_open();
	raw_call(fd, XS_GET_QUOTA, 0, NULL, 0, &m);
	ck_rstr(&m, XS_GET_QUOTA, "nodes watches outstanding memory "
	    "soft-memory transactions transaction-nodes node-permissions "
	    "path-max node-size");
	raw_req(fd, XS_GET_QUOTA, 0, &m, "nodes", NULL);
	ck_rstr(&m, XS_GET_QUOTA, "55");
	raw_req(fd, XS_GET_QUOTA, 0, &m, "watches", NULL);
	ck_rstr(&m, XS_GET_QUOTA, "7");
	raw_req(fd, XS_GET_QUOTA, 0, &m, "soft-memory", NULL);
	ck_rstr(&m, XS_GET_QUOTA, "2097152");
	raw_req(fd, XS_GET_QUOTA, 0, &m, "bogus", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_GET_QUOTA, 0, &m, "soft-nodes", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_GET_QUOTA, 0, &m, "1", "2", "3", NULL);
	ck_rerr(&m, "EINVAL");
	/* A domain the daemon does not track. */
	raw_req(fd, XS_GET_QUOTA, 0, &m, "9", "nodes", NULL);
	ck_rerr(&m, "ENOENT");
	/* Domain 5 becomes tracked with a copy of the global values. */
	u = raw_open();
	raw_unpriv(u, 5);
	raw_req(fd, XS_GET_QUOTA, 0, &m, "5", "nodes", NULL);
	ck_rstr(&m, XS_GET_QUOTA, "55");
	raw_req(fd, XS_SET_QUOTA, 0, &m, "nodes", "44", NULL);
	ck_rstr(&m, XS_SET_QUOTA, "OK");
	raw_req(fd, XS_GET_QUOTA, 0, &m, "nodes", NULL);
	ck_rstr(&m, XS_GET_QUOTA, "44");
	raw_req(fd, XS_GET_QUOTA, 0, &m, "5", "nodes", NULL);
	ck_rstr(&m, XS_GET_QUOTA, "55");
	raw_req(fd, XS_SET_QUOTA, 0, &m, "5", "nodes", "3", NULL);
	ck_rstr(&m, XS_SET_QUOTA, "OK");
	raw_req(fd, XS_GET_QUOTA, 0, &m, "5", "nodes", NULL);
	ck_rstr(&m, XS_GET_QUOTA, "3");
	raw_req(fd, XS_GET_QUOTA, 0, &m, "nodes", NULL);
	ck_rstr(&m, XS_GET_QUOTA, "44");
	raw_req(fd, XS_SET_QUOTA, 0, &m, "path-max", "3000", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_SET_QUOTA, 0, &m, "nodes", "x", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_SET_QUOTA, 0, &m, "nodes", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_SET_QUOTA, 0, &m, "9", "nodes", "3", NULL);
	ck_rerr(&m, "ENOENT");
	raw_req(u, XS_GET_QUOTA, 0, &m, "nodes", NULL);
	ck_rerr(&m, "EACCES");
	raw_req(u, XS_SET_QUOTA, 0, &m, "nodes", "1", NULL);
	ck_rerr(&m, "EACCES");
	close(u);
	close(fd);
}
END_TEST

START_TEST(test_unknown_types)
{
	static const uint32_t types[] = {
		XS_WATCH_EVENT, XS_ERROR, 20, 27, 28, 100, 0xffff,
		0xffffffffu,
	};
	struct rmsg m;
	size_t i;
	int fd;

	itest_start(NULL);
	fd = raw_open();
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		raw_call(fd, types[i], 0, "x", 2, &m);
		ck_rerr(&m, "ENOSYS");
	}
	/* The connection still works. */
	raw_req(fd, XS_GET_DOMAIN_PATH, 0, &m, "1", NULL);
	ck_rstr(&m, XS_GET_DOMAIN_PATH, "/local/domain/1");
	close(fd);
}
END_TEST

/* Every privileged-only type from an unprivileged connection. */
START_TEST(test_priv_only)
{
	static const uint32_t types[] = {
		XS_CONTROL, XS_INTRODUCE, XS_RELEASE, XS_IS_DOMAIN_INTRODUCED,
		XS_RESUME, XS_SET_TARGET, XS_SET_FEATURE, XS_GET_QUOTA,
		XS_SET_QUOTA,
	};
	struct rmsg m;
	size_t i;
	int fd;

	itest_start(NULL);
	fd = raw_open();
	raw_unpriv(fd, 5);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		raw_req(fd, types[i], 0, &m, "5", "6", "7", NULL);
		ck_rerr(&m, "EACCES");
	}
	/* An unknown transaction id is still reported (wire.md §10). */
	raw_req(fd, XS_GET_DOMAIN_PATH, 99, &m, "5", NULL);
	ck_rerr(&m, "ENOENT");
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Error paths                                                         */
/* ------------------------------------------------------------------ */

static const char *const bad_paths[] = {
	"/a b", "/a.b", "/a\x01", "/caf\xc3\xa9", "/a:b", "//", "/a//b",
	"/a/", "a/", "", "/a\\b", "/*",
};

START_TEST(test_bad_paths)
{
	static const uint32_t ops[] = {
		XS_READ, XS_MKDIR, XS_RM, XS_DIRECTORY, XS_GET_PERMS,
	};
	struct rmsg m;
	char buf[64];
	size_t i, j, n;
	int fd;

	itest_start(NULL);
	fd = raw_open();
	for (i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
		const char *p = bad_paths[i];

		for (j = 0; j < sizeof(ops) / sizeof(ops[0]); j++) {
			raw_req(fd, ops[j], 0, &m, p, NULL);
			ck_assert_msg(m.hdr.type == XS_ERROR &&
			    strcmp(m.body, "EINVAL") == 0, "type %u on '%s': "
			    "%s", ops[j], p, m.body);
		}
		raw_req(fd, XS_WRITE, 0, &m, p, "v", NULL);
		ck_rerr(&m, "EINVAL");
		raw_req(fd, XS_SET_PERMS, 0, &m, p, "n0", NULL);
		ck_rerr(&m, "EINVAL");
		raw_req(fd, XS_WATCH, 0, &m, p, "tok", NULL);
		ck_rerr(&m, "EINVAL");
		raw_req(fd, XS_UNWATCH, 0, &m, p, "tok", NULL);
		ck_rerr(&m, "EINVAL");
		n = raw_args(buf, sizeof(buf), p, "0", NULL);
		raw_call(fd, XS_DIRECTORY_PART, 0, buf, n, &m);
		ck_rerr(&m, "EINVAL");
	}
	/* '@' starts a path only where special paths are allowed. */
	for (j = 0; j < sizeof(ops) / sizeof(ops[0]); j++) {
		if (ops[j] == XS_GET_PERMS)
			continue;
		raw_req(fd, ops[j], 0, &m, "@introduceDomain", NULL);
		ck_rerr(&m, "EINVAL");
	}
	raw_req(fd, XS_WRITE, 0, &m, "@foo", "v", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_DIRECTORY_PART, 0, &m, "@releaseDomain", "0", NULL);
	ck_rerr(&m, "EINVAL");
	/* Special paths other than the two are not nodes. */
	raw_req(fd, XS_GET_PERMS, 0, &m, "@foo", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_SET_PERMS, 0, &m, "@foo", "n0", NULL);
	ck_rerr(&m, "EINVAL");
	/* ... but any of them can be watched. */
	raw_req(fd, XS_WATCH, 0, &m, "@foo", "tok", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	raw_expect_event(fd, "@foo", "tok");
	/* '@' inside a path is a valid character. */
	raw_req(fd, XS_WRITE, 0, &m, "/a@b", "v", NULL);
	ck_rstr(&m, XS_WRITE, "OK");
	close(fd);
	ck_store_ok();
}
END_TEST

START_TEST(test_enoent)
{
	struct xs_handle *h;
	unsigned n;

	itest_start(NULL);
	h = xs_priv();
	ck_read_err(h, XBT_NULL, "/missing", ENOENT);
	ck_read_err(h, XBT_NULL, "/missing/deeper", ENOENT);
	errno = 0;
	ck_assert_ptr_null(xs_directory(h, XBT_NULL, "/missing", &n));
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_ptr_null(xs_get_permissions(h, XBT_NULL, "/missing", &n));
	ck_assert_int_eq(errno, ENOENT);
	ck_fails(xperms(h, XBT_NULL, "/missing", "n0", NULL), ENOENT);
	ck_fails(xs_rm(h, XBT_NULL, "/missing/deeper"), ENOENT);
	xs_close(h);
}
END_TEST

START_TEST(test_eexist)
{
	struct rmsg m;
	int fd;

	itest_start(NULL);
	fd = raw_open();
	raw_req(fd, XS_WATCH, 0, &m, "/local/domain/0/ee", "tok", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	raw_req(fd, XS_WATCH, 0, &m, "/local/domain/0/ee", "tok", NULL);
	ck_rerr(&m, "EEXIST");
	/* Same canonical path written relatively: still a duplicate. */
	raw_req(fd, XS_WATCH, 0, &m, "ee", "tok", NULL);
	ck_rerr(&m, "EEXIST");
	/* With a depth: the depth is not part of the identity. */
	raw_req(fd, XS_WATCH, 0, &m, "/local/domain/0/ee", "tok", "1", NULL);
	ck_rerr(&m, "EEXIST");
	/* Another token or another path is fine. */
	raw_req(fd, XS_WATCH, 0, &m, "/local/domain/0/ee", "tok2", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	raw_req(fd, XS_WATCH, 0, &m, "/local/domain/0/ee2", "tok", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	close(fd);
	/* Another connection has its own watches. */
	fd = raw_open();
	raw_req(fd, XS_WATCH, 0, &m, "/local/domain/0/ee", "tok", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	close(fd);
	ck_store_ok();
}
END_TEST

START_TEST(test_watch_args)
{
	struct rmsg m;
	int fd;

	itest_start(NULL);
	fd = raw_open();
	raw_req(fd, XS_WATCH, 0, &m, "/w", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_WATCH, 0, &m, "/w", "t", "1", "2", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_WATCH, 0, &m, "/w", "t", "x", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_WATCH, 0, &m, "/w", "t", "-1", NULL);
	ck_rerr(&m, "EINVAL");
	raw_call(fd, XS_WATCH, 0, NULL, 0, &m);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_UNWATCH, 0, &m, "/w", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_UNWATCH, 0, &m, "/w", "t", "x", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_UNWATCH, 0, &m, "/w", "t", NULL);
	ck_rerr(&m, "ENOENT");
	/* WATCH and UNWATCH ignore tx_id, even an unknown one. */
	raw_req(fd, XS_WATCH, 77, &m, "/w", "t", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	raw_expect_event(fd, "/w", "t");
	raw_req(fd, XS_UNWATCH, 78, &m, "/w", "t", NULL);
	ck_rstr(&m, XS_UNWATCH, "OK");
	close(fd);
	ck_store_ok();
}
END_TEST

START_TEST(test_txn_errors)
{
	struct rmsg m;
	int fd, other;

	itest_start(NULL);
	fd = raw_open();
	other = raw_open();
	raw_req(fd, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rstr(&m, XS_TRANSACTION_START, "1");
	/* No nesting. */
	raw_req(fd, XS_TRANSACTION_START, 1, &m, "", NULL);
	ck_rerr(&m, "EBUSY");
	/* Unknown ids. */
	raw_req(fd, XS_TRANSACTION_START, 9, &m, "", NULL);
	ck_rerr(&m, "ENOENT");
	raw_req(fd, XS_READ, 9, &m, "/", NULL);
	ck_rerr(&m, "ENOENT");
	raw_req(fd, XS_WRITE, 9, &m, "/x", "v", NULL);
	ck_rerr(&m, "ENOENT");
	raw_req(fd, XS_TRANSACTION_END, 0, &m, "T", NULL);
	ck_rerr(&m, "ENOENT");
	raw_req(fd, XS_TRANSACTION_END, 9, &m, "T", NULL);
	ck_rerr(&m, "ENOENT");
	/* Another connection's transaction is unknown here. */
	raw_req(other, XS_READ, 1, &m, "/", NULL);
	ck_rerr(&m, "ENOENT");
	raw_req(other, XS_TRANSACTION_END, 1, &m, "F", NULL);
	ck_rerr(&m, "ENOENT");
	/* Bad END payloads; the transaction survives them. */
	raw_req(fd, XS_TRANSACTION_END, 1, &m, "X", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_TRANSACTION_END, 1, &m, "", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_TRANSACTION_END, 1, &m, "TT", NULL);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_TRANSACTION_END, 1, &m, "T", "F", NULL);
	ck_rerr(&m, "EINVAL");
	raw_call(fd, XS_TRANSACTION_END, 1, "T", 1, &m);	/* no NUL */
	ck_rerr(&m, "EINVAL");
	raw_call(fd, XS_TRANSACTION_END, 1, NULL, 0, &m);
	ck_rerr(&m, "EINVAL");
	raw_req(fd, XS_READ, 1, &m, "/tool", NULL);
	ck_rbytes(&m, XS_READ, "", 0);
	raw_req(fd, XS_TRANSACTION_END, 1, &m, "T", NULL);
	ck_rstr(&m, XS_TRANSACTION_END, "OK");
	raw_req(fd, XS_TRANSACTION_END, 1, &m, "T", NULL);
	ck_rerr(&m, "ENOENT");
	close(fd);
	close(other);
	ck_store_ok();
}
END_TEST

START_TEST(test_set_perms_args)
{
	static const char *const bad[] = {
		"x5", "r", "r5x", "r70000", "r-1", "", "R5", "r5 ", "r0x",
		"r99999999999999999999",
	};
	struct xs_handle *h;
	struct rmsg m;
	size_t i;
	int fd;

	itest_start(NULL);
	h = xs_priv();
	xwrite(h, XBT_NULL, "/sp", "");
	xs_close(h);
	fd = raw_open();
	raw_req(fd, XS_SET_PERMS, 0, &m, "/sp", NULL);
	ck_rerr(&m, "EINVAL");
	raw_call(fd, XS_SET_PERMS, 0, "/sp", 3, &m);
	ck_rerr(&m, "EINVAL");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		raw_req(fd, XS_SET_PERMS, 0, &m, "/sp", bad[i], NULL);
		ck_assert_msg(m.hdr.type == XS_ERROR &&
		    strcmp(m.body, "EINVAL") == 0, "perm '%s': %s", bad[i],
		    m.body);
		raw_req(fd, XS_SET_PERMS, 0, &m, "/sp", "n0", bad[i], NULL);
		ck_rerr(&m, "EINVAL");
	}
	raw_req(fd, XS_GET_PERMS, 0, &m, "/sp", NULL);
	ck_rbytes(&m, XS_GET_PERMS, "n0", 3);
	close(fd);
	ck_store_ok();
}
END_TEST

START_TEST(test_write_payload)
{
	struct rmsg m;
	int fd;

	itest_start(NULL);
	fd = raw_open();
	/* No NUL: no path. */
	raw_call(fd, XS_WRITE, 0, "/abc", 4, &m);
	ck_rerr(&m, "EINVAL");
	raw_call(fd, XS_WRITE, 0, NULL, 0, &m);
	ck_rerr(&m, "EINVAL");
	/* Everything after the first NUL is the value, NULs included. */
	raw_call(fd, XS_WRITE, 0, "/w\0a\0b\0", 7, &m);
	ck_rstr(&m, XS_WRITE, "OK");
	raw_req(fd, XS_READ, 0, &m, "/w", NULL);
	ck_rbytes(&m, XS_READ, "a\0b\0", 4);
	close(fd);
	ck_store_ok();
}
END_TEST

START_TEST(test_eperm)
{
	struct xs_handle *p, *u;

	itest_start(NULL);
	p = xs_priv();
	home(p, 5);
	u = xs_as(5);
	xwrite(u, XBT_NULL, "mine", "");
	ck_perms(u, XBT_NULL, "mine", "n5");
	/* The owner may change the ACL but not give the node away. */
	ck_succeeds(xperms(u, XBT_NULL, "mine", "n5", "r6", NULL));
	ck_fails(xperms(u, XBT_NULL, "mine", "n6", NULL), EPERM);
	ck_fails(xperms(u, XBT_NULL, "mine", "r0", "b5", NULL), EPERM);
	ck_perms(u, XBT_NULL, "mine", "n5,r6");
	/* The privileged caller may. */
	ck_succeeds(xperms(p, XBT_NULL, "/local/domain/5/mine", "n6", NULL));
	ck_perms(p, XBT_NULL, "/local/domain/5/mine", "n6");
	xs_close(u);
	xs_close(p);
	ck_store_ok();
}
END_TEST

/* ------------------------------------------------------------------ */
/* Quotas and limits: N-1, N, N+1 unprivileged; none for privileged.   */
/* ------------------------------------------------------------------ */

START_TEST(test_quota_nodes)
{
	struct xs_handle *p, *u;
	xs_transaction_t t;

	/* Domain 5 owns its home (1 node); 4 nodes at most. */
	itest_start("-E", "4", NULL);
	p = xs_priv();
	home(p, 5);
	u = xs_as(5);
	xwrite(u, XBT_NULL, "a", "");		/* 2 */
	xwrite(u, XBT_NULL, "b", "");		/* 3: N-1 */
	xmkdir(u, XBT_NULL, "c");		/* 4: N */
	ck_fails(xs_write(u, XBT_NULL, "d", "", 0), ENOSPC);	/* N+1 */
	ck_fails(xs_mkdir(u, XBT_NULL, "d"), ENOSPC);
	ck_read_err(p, XBT_NULL, "/local/domain/5/d", ENOENT);
	/* Rewriting an owned node creates nothing. */
	xwrite(u, XBT_NULL, "a", "again");
	xrm(u, XBT_NULL, "c");			/* 3 */
	/* Every created ancestor counts: x/y needs two. */
	ck_fails(xs_write(u, XBT_NULL, "x/y", "", 0), ENOSPC);
	ck_read_err(p, XBT_NULL, "/local/domain/5/x", ENOENT);
	xwrite(u, XBT_NULL, "x", "");		/* 4 */
	xrm(u, XBT_NULL, "x");			/* 3 */
	/* A commit that would pass the quota fails and applies nothing. */
	t = xs_transaction_start(u);
	ck_assert_uint_ne(t, 0);
	xwrite(u, t, "t1", "");
	xwrite(u, t, "t2", "");
	ck_fails(xs_transaction_end(u, t, false), ENOSPC);
	ck_read_err(p, XBT_NULL, "/local/domain/5/t1", ENOENT);
	t = xs_transaction_start(u);
	xwrite(u, t, "t1", "");
	ck_succeeds(xs_transaction_end(u, t, false));	/* 4 */
	ck_fails(xs_write(u, XBT_NULL, "d", "", 0), ENOSPC);
	/* Privileged writers are not limited, even creating 5's nodes. */
	xwrite(p, XBT_NULL, "/local/domain/5/p1", "");
	xwrite(p, XBT_NULL, "/local/domain/5/p2/p3/p4", "");
	ck_perms(p, XBT_NULL, "/local/domain/5/p2/p3/p4", "n5");
	ck_fails(xs_write(u, XBT_NULL, "d", "", 0), ENOSPC);
	xrm(p, XBT_NULL, "/local/domain/5/p1");
	xrm(p, XBT_NULL, "/local/domain/5/p2");
	xrm(u, XBT_NULL, "t1");
	xwrite(u, XBT_NULL, "d", "");
	xs_close(u);
	xs_close(p);
	ck_store_ok();
}
END_TEST

START_TEST(test_quota_node_size)
{
	struct xs_handle *p, *u;
	char *v;
	char name[16];
	int i;

	/*
	 * A node record is 16 + 8 per permission + value + child names
	 * and must stay below -S: with one permission entry the largest
	 * value under 100 is 75 bytes.
	 */
	itest_start("-S", "100", NULL);
	p = xs_priv();
	home(p, 5);
	u = xs_as(5);
	v = repeat('v', 77);
	ck_succeeds(xs_write(u, XBT_NULL, "n", v, 74));
	ck_succeeds(xs_write(u, XBT_NULL, "n", v, 75));	/* 99: N-1 */
	ck_fails(xs_write(u, XBT_NULL, "n", v, 76), ENOSPC);	/* 100: N */
	ck_fails(xs_write(u, XBT_NULL, "n", v, 77), ENOSPC);	/* N+1 */
	ck_fails(xs_write(u, XBT_NULL, "new", v, 76), ENOSPC);
	ck_read_err(p, XBT_NULL, "/local/domain/5/new", ENOENT);
	ck_succeeds(xs_write(u, XBT_NULL, "new", v, 75));
	/* Another permission entry costs 8 bytes. */
	ck_succeeds(xperms(u, XBT_NULL, "n", "n5", "r6", NULL));
	ck_fails(xs_write(u, XBT_NULL, "n", v, 68), ENOSPC);
	ck_succeeds(xs_write(u, XBT_NULL, "n", v, 67));
	/* Child names count: "n/ab" and "n/cd" add 6 bytes to n. */
	xwrite(u, XBT_NULL, "n", "");
	xwrite(u, XBT_NULL, "n/ab", "");
	xwrite(u, XBT_NULL, "n/cd", "");
	ck_fails(xs_write(u, XBT_NULL, "n", v, 62), ENOSPC);
	ck_succeeds(xs_write(u, XBT_NULL, "n", v, 61));
	/*
	 * A growing child list is a write of the parent too: home's
	 * record is 24 + 4 per child "cNN" (plus "n" and "new": 6).
	 */
	for (i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "c%02d", i);
		xwrite(u, XBT_NULL, name, "");
	}
	/* 24 + 6 + 64 = 94: one more child would make 98, then 102 */
	xwrite(u, XBT_NULL, "c16", "");
	ck_fails(xs_write(u, XBT_NULL, "c17", "", 0), ENOSPC);
	ck_read_err(p, XBT_NULL, "/local/domain/5/c17", ENOENT);
	free(v);
	/* Privileged writers are not limited. */
	v = repeat('p', 3000);
	ck_succeeds(xs_write(p, XBT_NULL, "/local/domain/5/n", v, 3000));
	ck_succeeds(xs_write(p, XBT_NULL, "/local/domain/5/big", v, 3000));
	free(v);
	xs_close(u);
	xs_close(p);
	ck_store_ok();
}
END_TEST

static void
raw_watch(int fd, const char *path, const char *token, const char *err)
{
	struct rmsg m;

	raw_req(fd, XS_WATCH, 0, &m, path, token, NULL);
	if (err != NULL) {
		ck_rerr(&m, err);
		return;
	}
	ck_rstr(&m, XS_WATCH, "OK");
	raw_expect_event(fd, path, token);
}

START_TEST(test_quota_watches)
{
	struct rmsg m;
	int u, u2, p, i;

	itest_start("-W", "3", NULL);
	u = raw_open();
	raw_unpriv(u, 5);
	raw_watch(u, "/w1", "t", NULL);
	raw_watch(u, "/w2", "t", NULL);		/* N-1 */
	raw_watch(u, "/w3", "t", NULL);		/* N */
	raw_watch(u, "/w4", "t", "ENOSPC");	/* N+1 */
	raw_watch(u, "/w1", "t2", "ENOSPC");
	/* A duplicate is a duplicate first (as in C). */
	raw_watch(u, "/w1", "t", "EEXIST");
	/* The quota is the domain's, over all its connections. */
	u2 = raw_open();
	raw_unpriv(u2, 5);
	raw_watch(u2, "/w5", "t", "ENOSPC");
	raw_req(u, XS_UNWATCH, 0, &m, "/w2", "t", NULL);
	ck_rstr(&m, XS_UNWATCH, "OK");
	raw_watch(u2, "/w5", "t", NULL);
	raw_watch(u, "/w6", "t", "ENOSPC");
	/* Closing a connection gives its watches back. */
	close(u2);
	u2 = raw_open();	/* a round trip: the close was handled */
	raw_req(u2, XS_GET_DOMAIN_PATH, 0, &m, "1", NULL);
	close(u2);
	raw_watch(u, "/w6", "t", NULL);
	/* RESET_WATCHES gives them all back. */
	raw_watch(u, "/w7", "t", "ENOSPC");
	raw_call(u, XS_RESET_WATCHES, 0, NULL, 0, &m);
	ck_rstr(&m, XS_RESET_WATCHES, "OK");
	raw_watch(u, "/w7", "t", NULL);
	raw_watch(u, "/w8", "t", NULL);
	raw_watch(u, "/w9", "t", NULL);
	raw_watch(u, "/w10", "t", "ENOSPC");
	/* Another domain has its own count. */
	u2 = raw_open();
	raw_unpriv(u2, 6);
	raw_watch(u2, "/w1", "t", NULL);
	close(u2);
	/* Privileged: no limit. */
	p = raw_open();
	for (i = 0; i < 8; i++) {
		char path[16];

		snprintf(path, sizeof(path), "/pw%d", i);
		raw_watch(p, path, "t", NULL);
	}
	close(p);
	close(u);
	ck_store_ok();
}
END_TEST

START_TEST(test_quota_transactions)
{
	struct rmsg m;
	int u, p, i;

	itest_start("-t", "2", NULL);
	u = raw_open();
	raw_unpriv(u, 5);
	raw_req(u, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rstr(&m, XS_TRANSACTION_START, "1");		/* N-1 */
	raw_req(u, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rstr(&m, XS_TRANSACTION_START, "2");		/* N */
	raw_req(u, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rerr(&m, "ENOSPC");				/* N+1 */
	raw_req(u, XS_TRANSACTION_END, 1, &m, "F", NULL);
	ck_rstr(&m, XS_TRANSACTION_END, "OK");
	raw_req(u, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rstr(&m, XS_TRANSACTION_START, "3");
	raw_req(u, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rerr(&m, "ENOSPC");
	/* A commit ends one too. */
	raw_req(u, XS_TRANSACTION_END, 2, &m, "T", NULL);
	ck_rstr(&m, XS_TRANSACTION_END, "OK");
	raw_req(u, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rstr(&m, XS_TRANSACTION_START, "4");
	/* RESET_WATCHES ends them all. */
	raw_call(u, XS_RESET_WATCHES, 0, NULL, 0, &m);
	ck_rstr(&m, XS_RESET_WATCHES, "OK");
	raw_req(u, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rstr(&m, XS_TRANSACTION_START, "5");
	raw_req(u, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rstr(&m, XS_TRANSACTION_START, "6");
	raw_req(u, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rerr(&m, "ENOSPC");
	/* Privileged: no limit. */
	p = raw_open();
	for (i = 1; i <= 6; i++) {
		char id[16];

		snprintf(id, sizeof(id), "%d", i);
		raw_req(p, XS_TRANSACTION_START, 0, &m, "", NULL);
		ck_rstr(&m, XS_TRANSACTION_START, id);
	}
	close(p);
	close(u);
	ck_store_ok();
}
END_TEST

START_TEST(test_quota_perms)
{
	struct xs_handle *p, *u;

	itest_start("-A", "3", NULL);
	p = xs_priv();
	home(p, 5);
	u = xs_as(5);
	xwrite(u, XBT_NULL, "n", "");
	/* N-1, N */
	ck_succeeds(xperms(u, XBT_NULL, "n", "n5", "r6", NULL));
	ck_succeeds(xperms(u, XBT_NULL, "n", "n5", "r6", "w7", NULL));
	ck_fails(xperms(u, XBT_NULL, "n", "n5", "r6", "w7", "b8", NULL),
	    ENOSPC);						/* N+1 */
	ck_perms(u, XBT_NULL, "n", "n5,r6,w7");
	/* Privileged: no limit. */
	ck_succeeds(xperms(p, XBT_NULL, "/local/domain/5/n", "n5", "r6", "w7",
	    "b8", "r9", "r10", NULL));
	ck_perms(p, XBT_NULL, "/local/domain/5/n", "n5,r6,w7,b8,r9,r10");
	xs_close(u);
	xs_close(p);
	ck_store_ok();
}
END_TEST

START_TEST(test_quota_path_max)
{
	struct xs_handle *p, *u;
	char *s, path[128];

	/*
	 * The counted length excludes a /local/domain/<id>/ prefix.  Like
	 * the 4.17 daemon, the limit applies to every connection.
	 */
	itest_start("-M", "20", NULL);
	p = xs_priv();
	home(p, 5);
	u = xs_as(5);
	s = repeat('r', 21);
	s[19] = '\0';
	xwrite(u, XBT_NULL, s, "");			/* 19: N-1 */
	s[19] = 'r';
	s[20] = '\0';
	xwrite(u, XBT_NULL, s, "");			/* 20: N */
	s[20] = 'r';
	ck_fails(xs_write(u, XBT_NULL, s, "", 0), EINVAL);	/* 21 */
	ck_fails(xs_mkdir(u, XBT_NULL, s), EINVAL);
	ck_fails(xs_watch(u, s, "t"), EINVAL);
	/* Absolute form of the same paths: the prefix is not counted. */
	snprintf(path, sizeof(path), "/local/domain/5/%.20s", s);
	ck_read(u, XBT_NULL, path, "");
	snprintf(path, sizeof(path), "/local/domain/5/%s", s);
	ck_read_err(u, XBT_NULL, path, EINVAL);
	/* Elsewhere the whole path counts. */
	snprintf(path, sizeof(path), "/%.19s", s);
	ck_read_err(p, XBT_NULL, path, ENOENT);		/* 20 */
	snprintf(path, sizeof(path), "/%.20s", s);
	ck_read_err(p, XBT_NULL, path, EINVAL);		/* 21 */
	ck_fails(xs_write(p, XBT_NULL, path, "", 0), EINVAL);
	/* Watch paths too, special ones included. */
	snprintf(path, sizeof(path), "@%.19s", s);
	ck_succeeds(xs_watch(p, path, "t"));
	snprintf(path, sizeof(path), "@%.20s", s);
	ck_fails(xs_watch(p, path, "t"), EINVAL);
	free(s);
	xs_close(u);
	xs_close(p);
	ck_store_ok();
}
END_TEST

START_TEST(test_quota_default_path_max)
{
	struct xs_handle *p;
	char *s;

	itest_start(NULL);
	p = xs_priv();
	s = repeat('q', 2049);
	s[0] = '/';
	s[2048] = '\0';
	xwrite(p, XBT_NULL, s, "");			/* 2048 */
	s[2048] = 'q';
	ck_fails(xs_write(p, XBT_NULL, s, "", 0), EINVAL);	/* 2049 */
	free(s);
	xs_close(p);
	ck_store_ok();
}
END_TEST

START_TEST(test_quota_txn_nodes)
{
	struct xs_handle *p, *u;
	xs_transaction_t t;
	int i;

	/* Distinct nodes one transaction may touch: 3. */
	itest_start("-Q", "transaction-nodes=3", NULL);
	p = xs_priv();
	home(p, 5);
	for (i = 0; i < 5; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/local/domain/5/n%d", i);
		xwrite(p, XBT_NULL, path, "0");
	}
	u = xs_as(5);
	t = xs_transaction_start(u);
	xwrite(u, t, "n0", "1");
	xwrite(u, t, "n1", "1");			/* N-1 */
	xwrite(u, t, "n0", "2");	/* the same node again: still 2 */
	xwrite(u, t, "n2", "1");			/* N */
	ck_succeeds(xs_transaction_end(u, t, false));
	ck_read(p, XBT_NULL, "/local/domain/5/n2", "1");
	t = xs_transaction_start(u);
	xwrite(u, t, "n0", "3");
	xwrite(u, t, "n1", "3");
	xwrite(u, t, "n2", "3");
	ck_fails(xs_write(u, t, "n3", "3", 1), ENOSPC);	/* N+1 */
	/* The transaction is marked failed: its commit fails. */
	ck_fails(xs_transaction_end(u, t, false), ENOMEM);
	ck_read(p, XBT_NULL, "/local/domain/5/n0", "2");
	/* Reads touch nodes too. */
	t = xs_transaction_start(u);
	ck_read(u, t, "n0", "2");
	ck_read(u, t, "n1", "1");
	ck_read(u, t, "n2", "1");
	ck_read_err(u, t, "n3", ENOSPC);
	ck_fails(xs_transaction_end(u, t, false), ENOMEM);
	/* Privileged: no limit. */
	t = xs_transaction_start(p);
	for (i = 0; i < 5; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/local/domain/5/n%d", i);
		xwrite(p, t, path, "9");
	}
	ck_succeeds(xs_transaction_end(p, t, false));
	ck_read(p, XBT_NULL, "/local/domain/5/n4", "9");
	xs_close(u);
	xs_close(p);
	ck_store_ok();
}
END_TEST

START_TEST(test_quota_memory)
{
	struct xs_handle *p, *u;
	char *v;

	/*
	 * Bytes charged: each owned node's record (16 + 8 per permission
	 * + value + child names) plus its path, plus each watch's path and
	 * token.  Home "/local/domain/5" with child "a": 24 + 2 + 15 = 41;
	 * "/local/domain/5/a" with L bytes: 24 + L + 17; 82 + L in all,
	 * and a charge fails when the total reaches the quota (200).
	 */
	itest_start("-Q", "memory=200", NULL);
	p = xs_priv();
	home(p, 5);
	u = xs_as(5);
	v = repeat('m', 130);
	ck_succeeds(xs_write(u, XBT_NULL, "a", v, 116));
	ck_succeeds(xs_write(u, XBT_NULL, "a", v, 117));	/* 199 */
	ck_fails(xs_write(u, XBT_NULL, "a", v, 118), ENOMEM);	/* 200 */
	ck_fails(xs_write(u, XBT_NULL, "a", v, 119), ENOMEM);
	ck_fails(xs_write(u, XBT_NULL, "b", "", 0), ENOMEM);
	/* Watches are charged too. */
	ck_fails(xs_watch(u, "a", "token"), ENOMEM);
	ck_succeeds(xs_write(u, XBT_NULL, "a", v, 100));	/* 182 */
	ck_succeeds(xs_watch(u, "/w", "1234567890"));	/* 182 + 12 */
	ck_fails(xs_watch(u, "/w", "12345"), ENOMEM);	/* 194 + 7 */
	ck_fails(xs_watch(u, "/w", "1234"), ENOMEM);	/* 194 + 6 */
	ck_succeeds(xs_watch(u, "/w", "123"));		/* 194 + 5 */
	/* Privileged writers are not limited. */
	ck_succeeds(xs_write(p, XBT_NULL, "/local/domain/5/a", v, 130));
	xs_close(u);
	xs_close(p);
	free(v);
	ck_store_ok();
}
END_TEST

START_TEST(test_payload_limit)
{
	char *buf = malloc(XENSTORE_PAYLOAD_MAX + 1);
	struct rmsg m;
	int fd, other;

	itest_start(NULL);
	ck_assert_ptr_nonnull(buf);
	other = raw_open();
	fd = raw_open();
	memcpy(buf, "/big", 5);
	memset(buf + 5, 'b', XENSTORE_PAYLOAD_MAX + 1 - 5);
	raw_call(fd, XS_WRITE, 0, buf, XENSTORE_PAYLOAD_MAX - 1, &m);
	ck_rstr(&m, XS_WRITE, "OK");			/* N-1 */
	raw_call(fd, XS_WRITE, 0, buf, XENSTORE_PAYLOAD_MAX, &m);
	ck_rstr(&m, XS_WRITE, "OK");			/* N */
	/* The largest value comes back whole (4091 bytes). */
	raw_req(fd, XS_READ, 0, &m, "/big", NULL);
	ck_rbytes(&m, XS_READ, buf + 5, XENSTORE_PAYLOAD_MAX - 5);
	/* N+1: the connection is dropped, nothing is written. */
	buf[XENSTORE_PAYLOAD_MAX] = 'c';
	raw_send(fd, XS_WRITE, 1, 0, buf, XENSTORE_PAYLOAD_MAX + 1);
	ck_assert(raw_closed(fd, ITEST_WAIT_MS));
	close(fd);
	/* Unprivileged connections get the same treatment. */
	fd = raw_open();
	raw_unpriv(fd, 5);
	raw_send(fd, XS_WRITE, 1, 0, buf, XENSTORE_PAYLOAD_MAX + 1);
	ck_assert(raw_closed(fd, ITEST_WAIT_MS));
	close(fd);
	raw_req(other, XS_READ, 0, &m, "/big", NULL);
	ck_rbytes(&m, XS_READ, buf + 5, XENSTORE_PAYLOAD_MAX - 5);
	close(other);
	free(buf);
	ck_store_ok();
}
END_TEST

/* A DIRECTORY reply of exactly `total` bytes: children of 63 chars
 * (64 bytes with the NUL) and one to make up the rest. */
static void
ck_dir_reply(struct xs_handle *h, int fd, size_t total, bool fits)
{
	char path[128], name[80];
	size_t len = 0, i = 0;
	struct rmsg m;

	xrm(h, XBT_NULL, "/dl");
	xmkdir(h, XBT_NULL, "/dl");
	for (; len + 64 <= total - 2; i++, len += 64) {
		snprintf(name, sizeof(name), "%02zu%061d", i, 0);
		snprintf(path, sizeof(path), "/dl/%s", name);
		xwrite(h, XBT_NULL, path, "");
	}
	memset(name, 'z', total - len - 1);
	name[total - len - 1] = '\0';
	snprintf(path, sizeof(path), "/dl/%s", name);
	xwrite(h, XBT_NULL, path, "");
	raw_req(fd, XS_DIRECTORY, 0, &m, "/dl", NULL);
	if (fits) {
		ck_assert_uint_eq(m.hdr.type, XS_DIRECTORY);
		ck_assert_uint_eq(m.hdr.len, total);
	} else {
		ck_rerr(&m, "E2BIG");
	}
}

START_TEST(test_reply_limit)
{
	struct xs_handle *h;
	int fd;

	itest_start(NULL);
	h = xs_priv();
	fd = raw_open();
	ck_dir_reply(h, fd, XENSTORE_PAYLOAD_MAX - 1, true);	/* N-1 */
	ck_dir_reply(h, fd, XENSTORE_PAYLOAD_MAX, true);	/* N */
	ck_dir_reply(h, fd, XENSTORE_PAYLOAD_MAX + 1, false);	/* N+1 */
	close(fd);
	xs_close(h);
	ck_store_ok();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ops");
	TCase *tc;

	tc = itest_tcase(s, "types", 60);
	tcase_add_test(tc, test_read_write);
	tcase_add_test(tc, test_mkdir);
	tcase_add_test(tc, test_rm);
	tcase_add_test(tc, test_directory_small);
	tcase_add_test(tc, test_directory_large);
	tcase_add_test(tc, test_perms_ops);
	tcase_add_test(tc, test_watch_unwatch);
	tcase_add_test(tc, test_reset_watches);
	tcase_add_test(tc, test_transaction_basic);
	tcase_add_test(tc, test_domain_path);
	tcase_add_test(tc, test_is_introduced);
	tcase_add_test(tc, test_introduce_errors);
	tcase_add_test(tc, test_release_resume_target);
	tcase_add_test(tc, test_control);
	tcase_add_test(tc, test_features);
	tcase_add_test(tc, test_quota_ops);
	tcase_add_test(tc, test_unknown_types);
	tcase_add_test(tc, test_priv_only);

	tc = itest_tcase(s, "errors", 60);
	tcase_add_test(tc, test_bad_paths);
	tcase_add_test(tc, test_enoent);
	tcase_add_test(tc, test_eexist);
	tcase_add_test(tc, test_watch_args);
	tcase_add_test(tc, test_txn_errors);
	tcase_add_test(tc, test_set_perms_args);
	tcase_add_test(tc, test_write_payload);
	tcase_add_test(tc, test_eperm);

	tc = itest_tcase(s, "limits", 60);
	tcase_add_test(tc, test_quota_nodes);
	tcase_add_test(tc, test_quota_node_size);
	tcase_add_test(tc, test_quota_watches);
	tcase_add_test(tc, test_quota_transactions);
	tcase_add_test(tc, test_quota_perms);
	tcase_add_test(tc, test_quota_path_max);
	tcase_add_test(tc, test_quota_default_path_max);
	tcase_add_test(tc, test_quota_txn_nodes);
	tcase_add_test(tc, test_quota_memory);
	tcase_add_test(tc, test_payload_limit);
	tcase_add_test(tc, test_reply_limit);
	return itest_run(s);
}
