/*
 * check_malformed.c: malformed input on raw sockets: a short header then
 * close, a length over 4096, payloads missing their NUL, extra
 * arguments, bad transaction ids, garbage, a header split byte by byte,
 * many requests pipelined in one write.  Each gets a clear error or its
 * connection closed; the daemon never dies, a client connected before
 * and used after is unaffected, and CONTROL check passes at the end.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "itest.h"

static int keeper;	/* connected before the abuse, used after it */

static void
setup(void)
{
	struct rmsg m;

	itest_start(NULL);
	keeper = raw_open();
	raw_call(keeper, XS_WRITE, 0, "/keep\0alive", 11, &m);
	ck_rstr(&m, XS_WRITE, "OK");
}

static void
teardown(void)
{
	struct rmsg m;

	ck_assert(itest_alive());
	raw_req(keeper, XS_READ, 0, &m, "/keep", NULL);
	ck_rbytes(&m, XS_READ, "alive", 5);
	raw_req(keeper, XS_CONTROL, 0, &m, "check", NULL);
	ck_rstr(&m, XS_CONTROL, "OK");
	close(keeper);
	itest_stop();
}

static void
send_hdr(int fd, uint32_t type, uint32_t req_id, uint32_t tx_id,
    uint32_t len)
{
	struct xsd_sockmsg h = { type, req_id, tx_id, len };

	ck_assert(raw_write(fd, &h, sizeof(h)));
}

START_TEST(test_short_header)
{
	struct xsd_sockmsg h = { XS_READ, 1, 0, 6 };
	struct rmsg m;
	int fd, i;

	/* Half a header, then close. */
	for (i = 1; i < (int)sizeof(h); i += 5) {
		fd = raw_open();
		ck_assert(raw_write(fd, &h, (size_t)i));
		close(fd);
	}
	/* A header and part of the payload, then close. */
	fd = raw_open();
	ck_assert(raw_write(fd, &h, sizeof(h)));
	ck_assert(raw_write(fd, "/ke", 3));
	close(fd);
	/* A header announcing 4096 bytes that never come. */
	fd = raw_open();
	send_hdr(fd, XS_WRITE, 1, 0, XENSTORE_PAYLOAD_MAX);
	ck_assert(raw_write(fd, "/keep\0", 6));
	close(fd);
	raw_req(keeper, XS_READ, 0, &m, "/keep", NULL);
	ck_rbytes(&m, XS_READ, "alive", 5);
	/* An incomplete request is not answered, the rest later is. */
	fd = raw_open();
	ck_assert(raw_write(fd, &h, 10));
	ck_assert_int_eq(raw_recv(fd, &m, 200), -1);
	ck_assert(raw_write(fd, (char *)&h + 10, sizeof(h) - 10));
	ck_assert(raw_write(fd, "/keep", 6));
	ck_assert_int_eq(raw_recv(fd, &m, ITEST_WAIT_MS), 1);
	ck_rbytes(&m, XS_READ, "alive", 5);
	ck_assert_uint_eq(m.hdr.req_id, 1);
	close(fd);
}
END_TEST

START_TEST(test_oversized)
{
	static const uint32_t lens[] = {
		XENSTORE_PAYLOAD_MAX + 1, 65536, 0x7fffffffu, 0xffffffffu,
	};
	char junk[512];
	size_t i;
	int fd;

	memset(junk, 'j', sizeof(junk));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		fd = raw_open();
		send_hdr(fd, XS_WRITE, 1, 0, lens[i]);
		raw_write(fd, junk, sizeof(junk));	/* may fail: closed */
		ck_assert_msg(raw_closed(fd, ITEST_WAIT_MS), "len %u: the "
		    "connection stays open", lens[i]);
		close(fd);
	}
	/* After valid requests on the same connection too. */
	fd = raw_open();
	{
		struct rmsg m;

		raw_req(fd, XS_READ, 0, &m, "/keep", NULL);
		ck_rbytes(&m, XS_READ, "alive", 5);
	}
	send_hdr(fd, XS_READ, 2, 0, XENSTORE_PAYLOAD_MAX + 1);
	ck_assert(raw_closed(fd, ITEST_WAIT_MS));
	close(fd);
}
END_TEST

START_TEST(test_missing_nul)
{
	static const struct {
		uint32_t type;
		const char *payload;
		size_t len;
	} cases[] = {
		{ XS_READ, "/keep", 5 },
		{ XS_DIRECTORY, "/", 1 },
		{ XS_MKDIR, "/new", 4 },
		{ XS_RM, "/keep", 5 },
		{ XS_GET_PERMS, "/keep", 5 },
		{ XS_SET_PERMS, "/keep\0n0", 8 },
		{ XS_WRITE, "/new", 4 },
		{ XS_WATCH, "/keep\0tok", 9 },
		{ XS_UNWATCH, "/keep\0tok", 9 },
		{ XS_TRANSACTION_END, "T", 1 },
		{ XS_GET_DOMAIN_PATH, "5", 1 },
		{ XS_IS_DOMAIN_INTRODUCED, "5", 1 },
		{ XS_INTRODUCE, "5\0" "1\0" "1", 5 },
		{ XS_RELEASE, "5", 1 },
		{ XS_RESUME, "5", 1 },
		{ XS_SET_TARGET, "5\0" "6", 3 },
		{ XS_DIRECTORY_PART, "/\0" "0", 3 },
		{ XS_CONTROL, "check", 5 },
		{ XS_SET_FEATURE, "5\0" "4", 3 },
		{ XS_SET_QUOTA, "nodes\0" "5", 7 },
		/*
		 * Not here: GET_FEATURE and GET_QUOTA count strings, so
		 * without a NUL they are the no-argument forms (as in C).
		 */
	};
	struct rmsg m;
	size_t i;
	int fd = raw_open();

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		raw_call(fd, cases[i].type, 0, cases[i].payload, cases[i].len,
		    &m);
		ck_assert_msg(m.hdr.type == XS_ERROR &&
		    strcmp(m.body, "EINVAL") == 0, "type %u: %s",
		    cases[i].type, m.hdr.type == XS_ERROR ? m.body : "OK");
	}
	/* Nothing happened. */
	raw_req(fd, XS_READ, 0, &m, "/new", NULL);
	ck_rerr(&m, "ENOENT");
	raw_req(fd, XS_READ, 0, &m, "/keep", NULL);
	ck_rbytes(&m, XS_READ, "alive", 5);
	close(fd);
}
END_TEST

START_TEST(test_extra_args)
{
	static const struct {
		uint32_t type;
		const char *payload;
		size_t len;
	} cases[] = {
		/* one argument, and exactly one */
		{ XS_READ, "/keep\0extra", 12 },
		{ XS_READ, "/keep\0", 7 },
		{ XS_READ, "/keep\0junk", 10 },
		{ XS_DIRECTORY, "/\0/keep", 8 },
		{ XS_MKDIR, "/new\0/new2", 11 },
		{ XS_RM, "/keep\0x", 8 },
		{ XS_GET_PERMS, "/keep\0x", 8 },
		{ XS_GET_DOMAIN_PATH, "5\0" "6", 4 },
		{ XS_IS_DOMAIN_INTRODUCED, "5\0" "6", 4 },
		{ XS_RELEASE, "5\0" "6", 4 },
		{ XS_RESUME, "5\0" "6", 4 },
		/* fixed counts */
		{ XS_UNWATCH, "/keep\0t\0x", 10 },
		{ XS_WATCH, "/keep\0t\0" "1\0x", 12 },
		{ XS_TRANSACTION_END, "T\0T", 4 },
		{ XS_DIRECTORY_PART, "/\0" "0\0" "0", 6 },
		{ XS_GET_FEATURE, "5\0" "6", 4 },
		{ XS_SET_FEATURE, "5\0" "4\0" "4", 6 },
		{ XS_GET_QUOTA, "5\0nodes\0x", 10 },
		{ XS_SET_QUOTA, "5\0nodes\0" "1\0" "2", 12 },
		{ XS_CONTROL, "check\0now", 10 },
	};
	struct rmsg m;
	size_t i;
	int fd = raw_open();

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		raw_call(fd, cases[i].type, 0, cases[i].payload, cases[i].len,
		    &m);
		ck_assert_msg(m.hdr.type == XS_ERROR &&
		    strcmp(m.body, "EINVAL") == 0, "case %zu (type %u): %s",
		    i, cases[i].type, m.hdr.type == XS_ERROR ? m.body : "OK");
	}
	/* Nothing happened. */
	raw_req(fd, XS_READ, 0, &m, "/new", NULL);
	ck_rerr(&m, "ENOENT");
	raw_req(fd, XS_READ, 0, &m, "/keep", NULL);
	ck_rbytes(&m, XS_READ, "alive", 5);
	close(fd);
}
END_TEST

START_TEST(test_bad_txid)
{
	static const uint32_t ids[] = { 2, 12345, 0x7fffffffu, 0xffffffffu };
	struct rmsg m;
	size_t i;
	int fd = raw_open();

	raw_req(fd, XS_TRANSACTION_START, 0, &m, "", NULL);
	ck_rstr(&m, XS_TRANSACTION_START, "1");
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		raw_req(fd, XS_WRITE, ids[i], &m, "/new", "v", NULL);
		ck_rerr(&m, "ENOENT");
		raw_req(fd, XS_READ, ids[i], &m, "/keep", NULL);
		ck_rerr(&m, "ENOENT");
		raw_req(fd, XS_TRANSACTION_END, ids[i], &m, "T", NULL);
		ck_rerr(&m, "ENOENT");
		raw_req(fd, XS_TRANSACTION_START, ids[i], &m, "", NULL);
		ck_rerr(&m, "ENOENT");
	}
	raw_req(fd, XS_READ, 0, &m, "/new", NULL);
	ck_rerr(&m, "ENOENT");
	raw_req(fd, XS_TRANSACTION_END, 1, &m, "F", NULL);
	ck_rstr(&m, XS_TRANSACTION_END, "OK");
	close(fd);
}
END_TEST

/* A small deterministic generator (xorshift64*). */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32);
}

START_TEST(test_garbage)
{
	char *buf = malloc(64 * 1024);
	struct rmsg m;
	int fd, i, round;

	ck_assert_ptr_nonnull(buf);
	/* Well-framed messages with random contents: one answer each. */
	for (round = 0; round < 4; round++) {
		fd = raw_open();
		for (i = 0; i < 200; i++) {
			uint32_t type = rnd() % 32, len = rnd() % 64, k;
			uint32_t tx = rnd() % 8 == 0 ? rnd() % 4 : 0;

			if (rnd() % 16 == 0)
				type = rnd();
			if (type == XS_CONTROL || type == XS_RESET_WATCHES)
				type = XS_READ;	/* keep this connection's
						   own state predictable */
			for (k = 0; k < len; k++) {
				uint32_t c = rnd() % 8;

				buf[k] = c == 0 ? '\0' : c == 1 ? '/' :
				    (char)(rnd() & 0xff);
			}
			ck_assert(raw_send(fd, type, (uint32_t)i + 1, tx,
			    buf, len));
			for (;;) {
				ck_assert_int_eq(raw_recv(fd, &m,
				    ITEST_WAIT_MS), 1);
				if (m.hdr.type != XS_WATCH_EVENT)
					break;
			}
			ck_assert_uint_eq(m.hdr.req_id, (uint32_t)i + 1);
			ck_assert(m.hdr.type == type ||
			    m.hdr.type == XS_ERROR);
		}
		close(fd);
	}
	/* Unframed random bytes: answered or dropped, nothing else. */
	for (round = 0; round < 4; round++) {
		size_t n = 1024 + rnd() % (60 * 1024), k;

		for (k = 0; k < n; k++)
			buf[k] = (char)(rnd() & 0xff);
		fd = raw_open();
		raw_write(fd, buf, n);	/* may fail once dropped */
		shutdown(fd, SHUT_WR);
		/* Drain whatever comes back until the daemon closes. */
		for (i = 0; i < 100000; i++) {
			int rc = raw_recv(fd, &m, ITEST_WAIT_MS);

			ck_assert_msg(rc != -1, "neither answered nor "
			    "closed");
			if (rc != 1)
				break;
		}
		close(fd);
	}
	free(buf);
	raw_req(keeper, XS_READ, 0, &m, "/keep", NULL);
	ck_rbytes(&m, XS_READ, "alive", 5);
}
END_TEST

START_TEST(test_split_header)
{
	char msg[64];
	size_t len, i;
	struct rmsg m;
	int fd = raw_open();
	struct xsd_sockmsg h = { XS_READ, 77, 0, 6 };

	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), "/keep", 6);
	len = sizeof(h) + 6;
	for (i = 0; i < len; i++) {
		ck_assert(raw_write(fd, msg + i, 1));
		usleep(2000);
	}
	ck_assert_int_eq(raw_recv(fd, &m, ITEST_WAIT_MS), 1);
	ck_assert_uint_eq(m.hdr.req_id, 77);
	ck_rbytes(&m, XS_READ, "alive", 5);
	/* Two requests, the cut inside the second header. */
	h.req_id = 78;
	memcpy(msg + len, &h, sizeof(h));
	memcpy(msg + len + sizeof(h), "/keep", 6);
	ck_assert(raw_write(fd, msg, len + 7));
	usleep(20000);
	ck_assert(raw_write(fd, msg + len + 7, len - 7));
	ck_assert_int_eq(raw_recv(fd, &m, ITEST_WAIT_MS), 1);
	ck_assert_uint_eq(m.hdr.req_id, 77);
	ck_assert_int_eq(raw_recv(fd, &m, ITEST_WAIT_MS), 1);
	ck_assert_uint_eq(m.hdr.req_id, 78);
	ck_rbytes(&m, XS_READ, "alive", 5);
	close(fd);
}
END_TEST

/* Append one request to buf at *off. */
static void
put(char *buf, size_t *off, uint32_t type, uint32_t req_id, uint32_t tx,
    const void *payload, size_t len)
{
	struct xsd_sockmsg h = { type, req_id, tx, (uint32_t)len };

	memcpy(buf + *off, &h, sizeof(h));
	memcpy(buf + *off + sizeof(h), payload, len);
	*off += sizeof(h) + len;
}

START_TEST(test_pipelined)
{
	enum { N = 3000 };
	char *buf = malloc((size_t)N * 64), pl[48];
	size_t off = 0;
	struct rmsg m;
	int fd = raw_open(), i, n;

	ck_assert_ptr_nonnull(buf);
	/*
	 * More than the daemon reads at once (64 KiB), so requests are cut
	 * at arbitrary places between reads.
	 */
	for (i = 0; i < N; i++) {
		switch (i % 3) {
		case 0:
			n = snprintf(pl, sizeof(pl), "/pipe/%d%cv%d", i, 0, i);
			put(buf, &off, XS_WRITE, (uint32_t)i, 0, pl,
			    (size_t)n);
			break;
		case 1:
			n = snprintf(pl, sizeof(pl), "/pipe/%d", i - 1);
			put(buf, &off, XS_READ, (uint32_t)i, 0, pl,
			    (size_t)n + 1);
			break;
		default:
			n = snprintf(pl, sizeof(pl), "/pipe/none%d", i);
			put(buf, &off, XS_READ, (uint32_t)i, 0, pl,
			    (size_t)n + 1);
			break;
		}
	}
	/* A transaction whose id the pipeline predicts. */
	put(buf, &off, XS_TRANSACTION_START, N, 0, "", 1);
	put(buf, &off, XS_WRITE, N + 1, 1, "/pipe/tx\0in", 11);
	put(buf, &off, XS_TRANSACTION_END, N + 2, 1, "T", 2);
	ck_assert_uint_gt(off, 64 * 1024);
	ck_assert(raw_write(fd, buf, off));
	for (i = 0; i < N + 3; i++) {
		char want[32];

		ck_assert_int_eq(raw_recv(fd, &m, ITEST_WAIT_MS), 1);
		ck_assert_uint_eq(m.hdr.req_id, (uint32_t)i);
		if (i >= N) {
			ck_assert_uint_ne(m.hdr.type, XS_ERROR);
			continue;
		}
		switch (i % 3) {
		case 0:
			ck_rstr(&m, XS_WRITE, "OK");
			break;
		case 1:
			n = snprintf(want, sizeof(want), "v%d", i - 1);
			ck_rbytes(&m, XS_READ, want, (size_t)n);
			break;
		default:
			ck_rerr(&m, "ENOENT");
			break;
		}
	}
	raw_req(fd, XS_READ, 0, &m, "/pipe/tx", NULL);
	ck_rbytes(&m, XS_READ, "in", 2);
	/* Pipelined and closed before reading a single reply. */
	close(fd);
	fd = raw_open();
	ck_assert(raw_write(fd, buf, off));
	close(fd);
	free(buf);
}
END_TEST

/* Replies to READ /bp, req_id from 0, until `n` or the end; returns
 * how many came. */
static int
read_bp_replies(int fd, int n, const char *val, size_t vlen, bool to_eof)
{
	struct rmsg m;
	int i, rc;

	for (i = 0; i < n; i++) {
		rc = raw_recv(fd, &m, ITEST_WAIT_MS);
		if (to_eof && rc != 1)
			return i;
		ck_assert_msg(rc == 1, "reply %d: %s", i, rc == 0 ?
		    "closed" : "timeout or truncated");
		ck_assert_uint_eq(m.hdr.req_id, (uint32_t)i);
		ck_rbytes(&m, XS_READ, val, vlen);
	}
	return i;
}

START_TEST(test_backpressure)
{
	enum { N = 2500, VAL = 4000 };
	char *buf = malloc((size_t)N * 32 + 64), *val = malloc(VAL + 8);
	struct xsd_sockmsg h = { XS_READ, N, 0, XENSTORE_PAYLOAD_MAX + 1 };
	size_t off = 0;
	struct rmsg m;
	int fd = raw_open(), i;

	ck_assert(buf && val);
	memcpy(val, "/bp", 4);
	memset(val + 4, 'v', VAL);
	raw_call(fd, XS_WRITE, 0, val, VAL + 4, &m);
	ck_rstr(&m, XS_WRITE, "OK");
	/*
	 * 10 MB of replies to requests sent in one go and read only
	 * afterwards: the daemon stops reading this connection while its
	 * output is backed up, then resumes; every reply comes, in order.
	 */
	for (i = 0; i < N; i++)
		put(buf, &off, XS_READ, (uint32_t)i, 0, "/bp", 4);
	ck_assert(raw_write(fd, buf, off));
	ck_assert_int_eq(read_bp_replies(fd, N, val + 4, VAL, false), N);
	raw_req(fd, XS_GET_DOMAIN_PATH, 0, &m, "3", NULL);
	ck_rstr(&m, XS_GET_DOMAIN_PATH, "/local/domain/3");
	/*
	 * The same followed by an oversized header, met in the input kept
	 * while stalled: the connection is dropped there (replies still
	 * queued in the daemon are lost, as in the C daemon); what does
	 * arrive is in order.
	 */
	memcpy(buf + off, &h, sizeof(h));
	ck_assert(raw_write(fd, buf, off + sizeof(h)));
	read_bp_replies(fd, N, val + 4, VAL, true);
	ck_assert(raw_closed(fd, ITEST_WAIT_MS));
	close(fd);
	free(val);
	free(buf);
}
END_TEST

START_TEST(test_empty_payloads)
{
	struct rmsg m;
	int fd = raw_open();

	raw_call(fd, XS_READ, 0, NULL, 0, &m);
	ck_rerr(&m, "EINVAL");
	raw_call(fd, XS_DIRECTORY, 0, NULL, 0, &m);
	ck_rerr(&m, "EINVAL");
	raw_call(fd, XS_RM, 0, NULL, 0, &m);
	ck_rerr(&m, "EINVAL");
	raw_call(fd, XS_SET_PERMS, 0, NULL, 0, &m);
	ck_rerr(&m, "EINVAL");
	raw_call(fd, XS_INTRODUCE, 0, NULL, 0, &m);
	ck_rerr(&m, "EINVAL");
	/* Payload ignored. */
	raw_call(fd, XS_TRANSACTION_START, 0, NULL, 0, &m);
	ck_rstr(&m, XS_TRANSACTION_START, "1");
	raw_call(fd, XS_TRANSACTION_START, 0, "whatever", 8, &m);
	ck_rstr(&m, XS_TRANSACTION_START, "2");
	raw_call(fd, XS_RESET_WATCHES, 0, NULL, 0, &m);
	ck_rstr(&m, XS_RESET_WATCHES, "OK");
	close(fd);
}
END_TEST

START_TEST(test_connection_churn)
{
	struct rmsg m;
	int i, fd;

	/* Connections that come and go, some mid-request. */
	for (i = 0; i < 300; i++) {
		fd = raw_open();
		if (i % 3 == 1)
			ck_assert(raw_send(fd, XS_WATCH, 1, 0, "/\0t", 4));
		if (i % 3 == 2)
			ck_assert(raw_send(fd, XS_TRANSACTION_START, 1, 0,
			    "", 1));
		close(fd);
	}
	raw_req(keeper, XS_WRITE, 0, &m, "/churn", "done", NULL);
	ck_rstr(&m, XS_WRITE, "OK");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("malformed");
	TCase *tc = tcase_create("malformed");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	tcase_add_test(tc, test_short_header);
	tcase_add_test(tc, test_oversized);
	tcase_add_test(tc, test_missing_nul);
	tcase_add_test(tc, test_extra_args);
	tcase_add_test(tc, test_bad_txid);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_split_header);
	tcase_add_test(tc, test_pipelined);
	tcase_add_test(tc, test_backpressure);
	tcase_add_test(tc, test_empty_payloads);
	tcase_add_test(tc, test_connection_churn);
	return itest_run(s);
}
