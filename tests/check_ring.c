/*
 * check_ring.c: unit tests of xenstored/ring.c (the daemon's side of a
 * xenbus ring page) against a hostile guest, on a plain page.
 *
 * The page sits between two PROT_NONE guard pages, so an access outside
 * it faults.  Under ASan (make asan) the parts of the page a call must
 * not touch are also poisoned around each call: ring_read may only touch
 * req[], req_cons and req_prod; ring_write only rsp[], rsp_cons and
 * rsp_prod.  The test plays the guest with its own copy of the guest side
 * of the protocol (xenstore-ring.txt), so a shared bug cannot hide.
 *
 * Covered: gaps over 1024 in either ring (-EIO, nothing consumed or
 * produced), a gap of exactly 1024 (a full ring is normal), wrap of the
 * free-running indexes at 2^32, data split at the 1024-byte boundary,
 * indexes changed by another thread while the daemon copies, every piece
 * size at every start offset in both directions, a full response ring
 * and its resumption, ring_reset, the connection / error / features
 * fields and the evtchn_port field at offset 2076.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/*
 * Check's ck_assert_* record every check that passes (a write to a pipe
 * in fork mode): far too slow for loops of millions of calls.  These
 * only cost something when they fail.
 */
#define REQUIRE(c) do { \
	if (!(c)) \
		ck_abort_msg("failed: %s", #c); \
} while (0)
#define REQUIRE_CMP(a, op, b) do { \
	long long a_ = (long long)(a), b_ = (long long)(b); \
	if (!(a_ op b_)) \
		ck_abort_msg("failed: %s %s %s (%lld, %lld)", #a, #op, #b, \
		    a_, b_); \
} while (0)

#define PAGE 4096
#define RS XENSTORE_RING_SIZE

_Static_assert(offsetof(struct xenstore_domain_interface, req) == 0, "req");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp) == 1024,
    "rsp");
_Static_assert(offsetof(struct xenstore_domain_interface, req_cons) == 2048,
    "req_cons");
_Static_assert(offsetof(struct xenstore_domain_interface, req_prod) == 2052,
    "req_prod");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_cons) == 2056,
    "rsp_cons");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_prod) == 2060,
    "rsp_prod");
_Static_assert(offsetof(struct xenstore_domain_interface,
    server_features) == 2064, "server_features");
_Static_assert(offsetof(struct xenstore_domain_interface, connection) ==
    2068, "connection");
_Static_assert(offsetof(struct xenstore_domain_interface, error) == 2072,
    "error");

static char *mapping;	/* guard, page, guard */
static struct xenstore_domain_interface *intf;

static void
setup(void)
{
	mapping = mmap(NULL, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	ck_assert_ptr_ne(mapping, MAP_FAILED);
	ck_assert_int_eq(mprotect(mapping + PAGE, PAGE,
	    PROT_READ | PROT_WRITE), 0);
	intf = (struct xenstore_domain_interface *)(void *)(mapping + PAGE);
	memset(intf, 0, PAGE);
}

static void
teardown(void)
{
	UNPOISON(intf, PAGE);
	munmap(mapping, 3 * PAGE);
	mapping = NULL;
	intf = NULL;
}

/* Byte offsets of the page areas each call may touch. */
#define OFF_REQ_IDX 2048	/* req_cons, req_prod */
#define OFF_RSP_IDX 2056	/* rsp_cons, rsp_prod */
#define OFF_FIELDS 2064

/* Poison what ring_read must not touch (no-op without ASan). */
static void
fence_for_read(void)
{
	POISON((char *)intf + RS, RS);
	POISON((char *)intf + OFF_RSP_IDX, PAGE - OFF_RSP_IDX);
}

static void
fence_for_write(void)
{
	POISON((char *)intf, RS);
	POISON((char *)intf + OFF_REQ_IDX, 8);
	POISON((char *)intf + OFF_FIELDS, PAGE - OFF_FIELDS);
}

static void
unfence(void)
{
	UNPOISON(intf, PAGE);
}

static ssize_t
d_read(void *buf, size_t len)
{
	ssize_t n;

	fence_for_read();
	n = ring_read(intf, buf, len);
	unfence();
	return n;
}

static ssize_t
d_write(const void *buf, size_t len)
{
	ssize_t n;

	fence_for_write();
	n = ring_write(intf, buf, len);
	unfence();
	return n;
}

/* ---- the guest's side, written from xenstore-ring.txt -------------- */

static uint32_t
ld(const uint32_t *p)
{
	return atomic_load_explicit((const _Atomic uint32_t *)(uintptr_t)p,
	    memory_order_acquire);
}

static void
st(uint32_t *p, uint32_t v)
{
	atomic_store_explicit((_Atomic uint32_t *)(uintptr_t)p, v,
	    memory_order_release);
}

/* Produce up to len request bytes; returns the count. */
static size_t
g_put(const void *buf, size_t len)
{
	uint32_t cons = ld(&intf->req_cons), prod = ld(&intf->req_prod);
	size_t space = RS - (prod - cons), i;

	if (len > space)
		len = space;
	for (i = 0; i < len; i++)
		intf->req[(prod + i) & (RS - 1)] = ((const char *)buf)[i];
	st(&intf->req_prod, prod + (uint32_t)len);
	return len;
}

/* Consume up to len response bytes; returns the count. */
static size_t
g_get(void *buf, size_t len)
{
	uint32_t cons = ld(&intf->rsp_cons), prod = ld(&intf->rsp_prod);
	size_t avail = prod - cons, i;

	if (len > avail)
		len = avail;
	for (i = 0; i < len; i++)
		((char *)buf)[i] = intf->rsp[(cons + i) & (RS - 1)];
	st(&intf->rsp_cons, cons + (uint32_t)len);
	return len;
}

static void
set_req(uint32_t cons, uint32_t prod)
{
	intf->req_cons = cons;
	intf->req_prod = prod;
}

static void
set_rsp(uint32_t cons, uint32_t prod)
{
	intf->rsp_cons = cons;
	intf->rsp_prod = prod;
}

static uint32_t
rnd32(unsigned *seed)
{
	return ((uint32_t)rand_r(seed) << 16) ^ (uint32_t)rand_r(seed);
}

static unsigned char
pat(uint32_t i)
{
	return (unsigned char)(i * 7u + 3u);
}

/* ---- inconsistent indexes ----------------------------------------- */

/* (cons, prod) pairs whose gap is over 1024. */
static const uint32_t bad_pairs[][2] = {
	{ 0, 1025 },
	{ 5, 5 + 0x80000000u },
	{ 100, 99 },			/* producer behind the consumer */
	{ UINT32_MAX, 1024 },		/* 1025 across the wrap */
	{ 0xfffffc00u, 0x401 },		/* 2049 across the wrap */
	{ 0, UINT32_MAX },
	{ 1234, 1234 + 4096 },
	{ 0x7fffffffu, 0x80000400u },	/* 1025 at the sign boundary */
};

START_TEST(read_gap_over_1024_is_eio)
{
	char buf[RS], sentinel[RS];
	unsigned seed = 1;
	size_t i;
	int k;

	memset(sentinel, 0x5a, sizeof(sentinel));
	for (i = 0; i < RS; i++)
		intf->req[i] = (char)pat((uint32_t)i);
	for (k = 0; k < 1000 + (int)(sizeof(bad_pairs) / sizeof(bad_pairs[0]));
	    k++) {
		uint32_t cons, prod;

		if (k < (int)(sizeof(bad_pairs) / sizeof(bad_pairs[0]))) {
			cons = bad_pairs[k][0];
			prod = bad_pairs[k][1];
		} else {
			do {
				cons = rnd32(&seed);
				prod = rnd32(&seed);
			} while (prod - cons <= RS);
		}
		set_req(cons, prod);
		memcpy(buf, sentinel, sizeof(buf));
		REQUIRE_CMP(d_read(buf, sizeof(buf)), ==, -EIO);
		REQUIRE_CMP(intf->req_cons, ==, cons);
		REQUIRE_CMP(intf->req_prod, ==, prod);
		REQUIRE(memcmp(buf, sentinel, sizeof(buf)) == 0);
		REQUIRE_CMP(ring_input_avail(intf), ==, 0);
		/* len 0 is no excuse to skip the check */
		REQUIRE_CMP(d_read(buf, 0), ==, -EIO);
	}
}
END_TEST

START_TEST(write_gap_over_1024_is_eio)
{
	char data[RS], rsp[RS];
	unsigned seed = 2;
	int k;

	memset(data, 'x', sizeof(data));
	memset(intf->rsp, 0x33, RS);
	memcpy(rsp, intf->rsp, RS);
	for (k = 0; k < 1000 + (int)(sizeof(bad_pairs) / sizeof(bad_pairs[0]));
	    k++) {
		uint32_t cons, prod;

		if (k < (int)(sizeof(bad_pairs) / sizeof(bad_pairs[0]))) {
			cons = bad_pairs[k][0];
			prod = bad_pairs[k][1];
		} else {
			do {
				cons = rnd32(&seed);
				prod = rnd32(&seed);
			} while (prod - cons <= RS);
		}
		set_rsp(cons, prod);
		REQUIRE_CMP(d_write(data, 10), ==, -EIO);
		REQUIRE_CMP(d_write(data, 0), ==, -EIO);
		REQUIRE_CMP(intf->rsp_cons, ==, cons);
		REQUIRE_CMP(intf->rsp_prod, ==, prod);
		REQUIRE(memcmp(intf->rsp, rsp, RS) == 0);
	}
}
END_TEST

/* A gap of exactly 1024 is a full ring, consumed normally (XSA-38 fix). */
START_TEST(full_request_ring_is_read)
{
	static const uint32_t starts[] = { 0, 1, 1023, 0xfffffc00u,
	    UINT32_MAX, 0x7ffffe00u };
	char buf[RS + 16];
	size_t s, i;

	for (s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
		uint32_t c = starts[s];

		for (i = 0; i < RS; i++)
			intf->req[(c + i) & (RS - 1)] = (char)pat((uint32_t)i);
		set_req(c, c + RS);
		ck_assert_uint_eq(ring_input_avail(intf), RS);
		ck_assert_int_eq(d_read(buf, sizeof(buf)), RS);
		for (i = 0; i < RS; i++)
			REQUIRE_CMP((unsigned char)buf[i], ==,
			    pat((uint32_t)i));
		ck_assert_uint_eq(intf->req_cons, c + RS);
		ck_assert_uint_eq(ring_input_avail(intf), 0);
		ck_assert_int_eq(d_read(buf, sizeof(buf)), 0);
	}
}
END_TEST

/* ---- wrap and the buffer boundary ---------------------------------- */

START_TEST(indexes_wrap_at_2_32)
{
	unsigned char msg[300], got[300];
	uint32_t start;
	size_t i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = pat((uint32_t)i + 11);
	for (start = UINT32_MAX - 299; start != 5; start++) {
		ssize_t n;

		/* request direction */
		set_req(start, start);
		REQUIRE_CMP(g_put(msg, sizeof(msg)), ==, sizeof(msg));
		REQUIRE_CMP(ring_input_avail(intf), ==, sizeof(msg));
		n = d_read(got, 100);
		REQUIRE_CMP(n, ==, 100);
		n = d_read(got + 100, sizeof(got));
		REQUIRE_CMP(n, ==, 200);
		REQUIRE(memcmp(got, msg, sizeof(msg)) == 0);
		REQUIRE_CMP(intf->req_cons, ==, start + 300);
		REQUIRE_CMP(intf->req_prod, ==, start + 300);
		/* response direction */
		set_rsp(start, start);
		REQUIRE_CMP(d_write(msg, sizeof(msg)), ==, sizeof(msg));
		REQUIRE_CMP(intf->rsp_prod, ==, start + 300);
		memset(got, 0, sizeof(got));
		REQUIRE_CMP(g_get(got, sizeof(got)), ==, sizeof(got));
		REQUIRE(memcmp(got, msg, sizeof(msg)) == 0);
	}
}
END_TEST

START_TEST(data_split_at_buffer_end)
{
	unsigned char msg[100], got[100];
	size_t i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = pat((uint32_t)i);
	/* 24 bytes at the end of req[], 76 at its start */
	set_req(1000, 1000);
	ck_assert_uint_eq(g_put(msg, sizeof(msg)), sizeof(msg));
	ck_assert_mem_eq(intf->req + 1000, msg, 24);
	ck_assert_mem_eq(intf->req, msg + 24, 76);
	ck_assert_int_eq(d_read(got, sizeof(got)), sizeof(got));
	ck_assert_mem_eq(got, msg, sizeof(msg));
	ck_assert_uint_eq(intf->req_cons, 1100);
	/* the same for responses, written by the daemon */
	set_rsp(2024, 2024);
	ck_assert_int_eq(d_write(msg, sizeof(msg)), sizeof(msg));
	ck_assert_mem_eq(intf->rsp + 1000, msg, 24);
	ck_assert_mem_eq(intf->rsp, msg + 24, 76);
	ck_assert_uint_eq(intf->rsp_prod, 2124);
	/* exactly at the boundary: nothing wraps */
	set_req(1024, 1024);
	ck_assert_uint_eq(g_put(msg, sizeof(msg)), sizeof(msg));
	ck_assert_mem_eq(intf->req, msg, sizeof(msg));
	ck_assert_int_eq(d_read(got, sizeof(got)), sizeof(got));
	ck_assert_mem_eq(got, msg, sizeof(msg));
}
END_TEST

/* ---- every piece size at every offset ------------------------------ */

/*
 * A message written by the guest in pieces of `piece` bytes, the daemon
 * reading after each piece with a buffer of `rd` bytes, starting at
 * index `start`: reassembled exactly, and req_cons ends at start + len.
 */
static void
reassemble_request(const unsigned char *msg, size_t len, uint32_t start,
    size_t piece, size_t rd, unsigned char *out)
{
	size_t put = 0, got = 0;
	int guard = 0;

	set_req(start, start);
	while (got < len) {
		ssize_t n;

		REQUIRE_CMP(guard++, <, 8 * (int)len + 8);
		if (put < len)
			put += g_put(msg + put, len - put < piece ?
			    len - put : piece);
		n = d_read(out + got, rd < len - got ? rd : len - got);
		REQUIRE_CMP(n, >=, 0);
		REQUIRE_CMP((size_t)n, <=, put - got);
		got += (size_t)n;
	}
	REQUIRE_CMP(d_read(out, 1), ==, 0);
	REQUIRE_CMP(intf->req_cons, ==, start + (uint32_t)len);
	if (memcmp(out, msg, len) != 0)
		ck_abort_msg("request of %zu bytes at %u in pieces of %zu, "
		    "reads of %zu: corrupted", len, start, piece, rd);
}

/* The same for a response the daemon writes in pieces. */
static void
reassemble_response(const unsigned char *msg, size_t len, uint32_t start,
    size_t piece, size_t rd, unsigned char *out)
{
	size_t put = 0, got = 0;
	int guard = 0;

	set_rsp(start, start);
	while (got < len) {
		ssize_t n;

		REQUIRE_CMP(guard++, <, 8 * (int)len + 8);
		if (put < len) {
			n = d_write(msg + put, len - put < piece ? len - put :
			    piece);
			REQUIRE_CMP(n, >=, 0);
			put += (size_t)n;
		}
		got += g_get(out + got, rd < len - got ? rd : len - got);
	}
	REQUIRE_CMP(intf->rsp_prod, ==, start + (uint32_t)len);
	if (memcmp(out, msg, len) != 0)
		ck_abort_msg("response of %zu bytes at %u in pieces of %zu, "
		    "reads of %zu: corrupted", len, start, piece, rd);
}

START_TEST(every_piece_at_every_offset)
{
	enum { LEN = 131 };
	unsigned char msg[LEN], out[LEN];
	uint32_t off;
	size_t piece, i;

	for (i = 0; i < LEN; i++)
		msg[i] = pat((uint32_t)i * 13 + 1);
	for (off = 0; off < RS; off++) {
		/* odd offsets also start just before the 2^32 wrap */
		uint32_t start = off & 1 ? off - RS * 2 : off;

		for (piece = 1; piece <= LEN; piece++) {
			size_t rd = 1 + (off * 31 + piece * 17) % (LEN + 8);

			reassemble_request(msg, LEN, start, piece, rd, out);
			reassemble_response(msg, LEN, start, piece, rd, out);
		}
	}
}
END_TEST

/* A message as long as the ring itself, in many piece sizes. */
START_TEST(ring_sized_message_in_pieces)
{
	unsigned char msg[RS], out[RS];
	uint32_t off;
	size_t piece, i;

	for (i = 0; i < RS; i++)
		msg[i] = pat((uint32_t)i * 5 + 9);
	for (off = 0; off < RS; off += 61) {
		uint32_t start = off & 1 ? off - RS : off;

		for (piece = 1; piece <= RS; piece += piece < 16 ? 1 : 37) {
			reassemble_request(msg, RS, start, piece, RS, out);
			reassemble_request(msg, RS, start, piece, piece + 3,
			    out);
			reassemble_response(msg, RS, start, piece, RS, out);
		}
	}
}
END_TEST

/* ---- the guest moves its index while the daemon copies ------------- */

struct mover {
	uint32_t *idx;		/* the index the "guest" keeps changing */
	uint32_t vals[4];	/* values it stores, in turn */
	atomic_bool stop;
	atomic_ulong stores;
};

static void *
mover_main(void *arg)
{
	struct mover *m = arg;
	unsigned seed = 7;

	while (!atomic_load(&m->stop) &&
	    atomic_load_explicit(&m->stores, memory_order_relaxed) <
	    100000000ul) {
		st(m->idx, m->vals[rand_r(&seed) & 3]);
		atomic_fetch_add_explicit(&m->stores, 1, memory_order_relaxed);
	}
	return NULL;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Start the mover and wait (at most 5 s) until it runs. */
static void
mover_start(struct mover *m, pthread_t *th)
{
	int64_t end = now_ms() + 5000;

	ck_assert_int_eq(pthread_create(th, NULL, mover_main, m), 0);
	while (atomic_load(&m->stores) == 0 && now_ms() < end)
		sched_yield();
}

/*
 * Keep racing for at least 400 ms and until both outcomes were seen, at
 * most 5 s or 20 million calls (a loaded machine may starve the mover).
 */
static bool
race_on(int64_t start, unsigned long calls, unsigned long good,
    unsigned long bad)
{
	int64_t t;

	if (calls % 256 != 0)
		return true;
	t = now_ms();
	if (calls >= 20000000ul || t - start >= 5000)
		return false;
	return t - start < 400 || good == 0 || bad == 0;
}

/*
 * Another thread flips req_prod between a good value (100 bytes waiting)
 * and bad ones while ring_read runs; req_cons is put back after each
 * call.  Every result must follow from one consistent reading: -EIO, or
 * min(len, 100) bytes that are exactly the bytes at req_cons.  The
 * destination ends at the end of a heap block and the page is guarded:
 * a copy past either faults (ASan or SIGSEGV).
 */
static void
racing_reads(uint32_t base)
{
	struct mover m = { &intf->req_prod, { base + 100, base + 5000,
	    base - 1, base + 100 }, false, 0 };
	unsigned char *dst = malloc(RS);
	unsigned long calls = 0, good = 0, bad = 0;
	unsigned seed = base;
	char why[160] = "";
	pthread_t th;
	int64_t start;
	size_t i;

	ck_assert_ptr_nonnull(dst);
	for (i = 0; i < RS; i++)
		intf->req[i] = (char)pat((uint32_t)i);
	set_req(base, base + 100);
	mover_start(&m, &th);
	start = now_ms();
	/* No abort while the mover runs: note the first problem, stop. */
	while (why[0] == '\0' && race_on(start, calls, good, bad)) {
		size_t len = 1 + (size_t)rand_r(&seed) % RS;
		unsigned char *d = dst + RS - len;
		ssize_t n;

		fence_for_read();
		n = ring_read(intf, d, len);
		unfence();
		calls++;
		if (n == -EIO) {
			if (intf->req_cons != base)
				snprintf(why, sizeof(why), "-EIO but req_cons "
				    "moved to %u", intf->req_cons);
			bad++;
			continue;
		}
		if (n != (ssize_t)(len < 100 ? len : 100)) {
			snprintf(why, sizeof(why), "read %zd of %zu bytes "
			    "(100 or none were there)", n, len);
			break;
		}
		if (intf->req_cons != base + (uint32_t)n)
			snprintf(why, sizeof(why), "read %zd, req_cons moved "
			    "by %u", n, intf->req_cons - base);
		for (i = 0; i < (size_t)n; i++)
			if (d[i] != pat((base + (uint32_t)i) & (RS - 1)))
				snprintf(why, sizeof(why), "byte %zu wrong", i);
		intf->req_cons = base;
		good++;
	}
	atomic_store(&m.stop, true);
	pthread_join(th, NULL);
	free(dst);
	if (why[0] != '\0')
		ck_abort_msg("base %u, call %lu: %s", base, calls, why);
	/* both outcomes were exercised */
	ck_assert_uint_gt(good, 0);
	ck_assert_uint_gt(bad, 0);
}

START_TEST(request_index_moved_during_read)
{
	racing_reads(0);
	racing_reads(1000);
	racing_reads(UINT32_MAX - 40);
}
END_TEST

/* The same for rsp_cons while ring_write runs (1000 bytes free). */
static void
racing_writes(uint32_t base)
{
	struct mover m = { &intf->rsp_cons, { base - 24, base - 3000,
	    base + 5, base - 24 }, false, 0 };
	unsigned char *src = malloc(RS);
	unsigned long calls = 0, good = 0, bad = 0;
	unsigned seed = base;
	char why[160] = "";
	pthread_t th;
	int64_t start;
	size_t i;

	ck_assert_ptr_nonnull(src);
	for (i = 0; i < RS; i++)
		src[i] = pat((uint32_t)i + 1);
	set_rsp(base - 24, base);
	mover_start(&m, &th);
	start = now_ms();
	while (why[0] == '\0' && race_on(start, calls, good, bad)) {
		size_t len = 1 + (size_t)rand_r(&seed) % RS;
		const unsigned char *s = src + RS - len;
		ssize_t n;

		memset(intf->rsp, 0, RS);
		fence_for_write();
		n = ring_write(intf, s, len);
		unfence();
		calls++;
		if (n == -EIO) {
			if (intf->rsp_prod != base)
				snprintf(why, sizeof(why), "-EIO but rsp_prod "
				    "moved to %u", intf->rsp_prod);
			bad++;
			continue;
		}
		if (n != (ssize_t)(len < 1000 ? len : 1000)) {
			snprintf(why, sizeof(why), "wrote %zd of %zu bytes "
			    "(1000 were free, or none)", n, len);
			break;
		}
		if (intf->rsp_prod != base + (uint32_t)n)
			snprintf(why, sizeof(why), "wrote %zd, rsp_prod moved "
			    "by %u", n, intf->rsp_prod - base);
		for (i = 0; i < (size_t)n; i++)
			if ((unsigned char)intf->rsp[(base + i) & (RS - 1)] !=
			    s[i])
				snprintf(why, sizeof(why), "byte %zu wrong", i);
		intf->rsp_prod = base;
		good++;
	}
	atomic_store(&m.stop, true);
	pthread_join(th, NULL);
	free(src);
	if (why[0] != '\0')
		ck_abort_msg("base %u, call %lu: %s", base, calls, why);
	ck_assert_uint_gt(good, 0);
	ck_assert_uint_gt(bad, 0);
}

START_TEST(response_index_moved_during_write)
{
	racing_writes(24);
	racing_writes(5000);
	racing_writes(10);	/* rsp_cons near UINT32_MAX */
}
END_TEST

/* ---- a full response ring ------------------------------------------ */

START_TEST(full_response_ring_then_resume)
{
	unsigned char msg[1500], got[1500];
	uint32_t start = UINT32_MAX - 500;
	size_t i, sent, recvd;
	ssize_t n;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = pat((uint32_t)i * 3);
	set_rsp(start, start);
	n = d_write(msg, sizeof(msg));
	ck_assert_int_eq(n, RS);
	sent = RS;
	/* full: nothing more, nothing changed */
	ck_assert_int_eq(d_write(msg + sent, sizeof(msg) - sent), 0);
	ck_assert_uint_eq(intf->rsp_prod, start + RS);
	/* the guest takes 100 bytes: exactly 100 more fit */
	ck_assert_uint_eq(g_get(got, 100), 100);
	recvd = 100;
	n = d_write(msg + sent, sizeof(msg) - sent);
	ck_assert_int_eq(n, 100);
	sent += 100;
	ck_assert_int_eq(d_write(msg + sent, sizeof(msg) - sent), 0);
	/* the guest drains; the rest goes in */
	recvd += g_get(got + recvd, sizeof(got) - recvd);
	ck_assert_uint_eq(recvd, sent);
	n = d_write(msg + sent, sizeof(msg) - sent);
	ck_assert_int_eq(n, (ssize_t)(sizeof(msg) - sent));
	sent += (size_t)n;
	recvd += g_get(got + recvd, sizeof(got) - recvd);
	ck_assert_uint_eq(recvd, sizeof(msg));
	ck_assert_mem_eq(got, msg, sizeof(msg));
	ck_assert_uint_eq(intf->rsp_prod, start + (uint32_t)sizeof(msg));
}
END_TEST

/* ---- reset and the shared fields ----------------------------------- */

static uint32_t
field_at(size_t off)
{
	uint32_t v;

	memcpy(&v, (char *)intf + off, sizeof(v));
	return v;
}

START_TEST(reset_zeroes_only_the_indexes)
{
	char before[PAGE];

	memset(intf, 0xa5, PAGE);
	set_req(17, 40);
	set_rsp(UINT32_MAX, 3);
	memcpy(before, intf, PAGE);
	ring_reset(intf);
	ck_assert_uint_eq(intf->req_cons, 0);
	ck_assert_uint_eq(intf->req_prod, 0);
	ck_assert_uint_eq(intf->rsp_cons, 0);
	ck_assert_uint_eq(intf->rsp_prod, 0);
	ck_assert_mem_eq(intf, before, OFF_REQ_IDX);
	ck_assert_mem_eq((char *)intf + OFF_FIELDS, before + OFF_FIELDS,
	    PAGE - OFF_FIELDS);
	ck_assert_uint_eq(ring_input_avail(intf), 0);
}
END_TEST

START_TEST(shared_fields_at_their_offsets)
{
	char before[PAGE];
	uint32_t v = 0xdeadbeefu;

	memset(intf, 0x11, PAGE);
	memcpy(before, intf, PAGE);
	ring_set_connection(intf, XENSTORE_RECONNECT);
	ck_assert_uint_eq(field_at(2068), XENSTORE_RECONNECT);
	ck_assert_uint_eq(ring_get_connection(intf), XENSTORE_RECONNECT);
	ring_set_connection(intf, XENSTORE_CONNECTED);
	ck_assert_uint_eq(field_at(2068), XENSTORE_CONNECTED);
	ck_assert_uint_eq(ring_get_connection(intf), XENSTORE_CONNECTED);
	ring_set_error(intf, XENSTORE_ERROR_RINGIDX);
	ck_assert_uint_eq(field_at(2072), XENSTORE_ERROR_RINGIDX);
	ring_set_error(intf, XENSTORE_ERROR_PROTO);
	ck_assert_uint_eq(field_at(2072), XENSTORE_ERROR_PROTO);
	ring_set_features(intf, XENSTORE_SERVER_FEATURE_RECONNECTION |
	    XENSTORE_SERVER_FEATURE_ERROR);
	ck_assert_uint_eq(field_at(2064), 3);
	/* evtchn_port is read at 2076, and only read */
	memcpy((char *)intf + 2076, &v, sizeof(v));
	ck_assert_uint_eq(ring_get_evtchn_port(intf), 0xdeadbeefu);
	v = 0;
	memcpy((char *)intf + 2076, &v, sizeof(v));
	ck_assert_uint_eq(ring_get_evtchn_port(intf), 0);
	v = 42;
	memcpy((char *)intf + 2076, &v, sizeof(v));
	ck_assert_uint_eq(ring_get_evtchn_port(intf), 42);
	/* nothing else moved: the rings, the indexes, the tail */
	ck_assert_mem_eq(intf, before, OFF_FIELDS);
	ck_assert_mem_eq((char *)intf + 2080, before + 2080, PAGE - 2080);
}
END_TEST

START_TEST(input_avail_follows_the_indexes)
{
	set_req(0, 0);
	ck_assert_uint_eq(ring_input_avail(intf), 0);
	set_req(UINT32_MAX - 1, 3);
	ck_assert_uint_eq(ring_input_avail(intf), 5);
	set_req(10, 1034);
	ck_assert_uint_eq(ring_input_avail(intf), RS);
	set_req(10, 1035);
	ck_assert_uint_eq(ring_input_avail(intf), 0);
	/* the response ring does not count */
	set_req(0, 0);
	set_rsp(0, 700);
	ck_assert_uint_eq(ring_input_avail(intf), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("ring");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, read_gap_over_1024_is_eio);
	tcase_add_test(tc, write_gap_over_1024_is_eio);
	tcase_add_test(tc, full_request_ring_is_read);
	tcase_add_test(tc, indexes_wrap_at_2_32);
	tcase_add_test(tc, data_split_at_buffer_end);
	tcase_add_test(tc, every_piece_at_every_offset);
	tcase_add_test(tc, ring_sized_message_in_pieces);
	tcase_add_test(tc, request_index_moved_during_read);
	tcase_add_test(tc, response_index_moved_during_write);
	tcase_add_test(tc, full_response_ring_then_resume);
	tcase_add_test(tc, reset_zeroes_only_the_indexes);
	tcase_add_test(tc, shared_fields_at_their_offsets);
	tcase_add_test(tc, input_avail_follows_the_indexes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
