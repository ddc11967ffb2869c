/*
 * fuzz_ring.c: the ring layer (xenstored/ring.c, included here with a
 * load hook) against a hostile guest.  The guest is the input: every time
 * ring.c reads a shared field the hook takes the next bytes of the input
 * to decide what the guest has put there by then (unchanged, a small
 * step, a gap chosen around the 1024-byte limit, any 32-bit value), so
 * indexes change between any two reads, wrap at 2^32, and the ring may be
 * full, empty or inconsistent.  The daemon's side (which call, how many
 * bytes) also comes from the input.
 *
 * Properties (ring.h's promises), checked against the values the hook
 * handed out during the call:
 *   - each shared index is read at most once per call;
 *   - a gap (prod - cons, 32-bit) over 1024 is -EIO, and nothing moves;
 *   - otherwise the count is min(len, what is there) (or room left, for
 *     ring_write), the bytes are those at the indexes masked to the ring,
 *     the index advances by exactly the count;
 *   - no byte is read or written outside the 1 KiB ring the call is
 *     about: the rest of the page is poisoned for ASan during the call,
 *     and compared byte for byte with its copy after it; nothing is
 *     written to the caller's buffer past the count.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define RING_LOAD_HOOK fz_ring_load
#include "../../xenstored/ring.c"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FZ_ASAN 1
#endif

#ifdef FZ_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define MAXBUF (2 * RSIZE + 64)

enum field { F_REQ_CONS, F_REQ_PROD, F_RSP_CONS, F_RSP_PROD, F_CONN,
	F_PORT, F_OTHER, F_N };

#define PAGE 4096

static struct {
	struct fz_in in;
	struct xenstore_domain_interface *intf;
	unsigned loads[F_N];		/* during the current call */
	uint32_t seen[F_N];		/* the value the last load returned */
	/* the page before the call, with the guest's moves during it */
	uint8_t before[PAGE];
} g;

static enum field
which(const XENSTORE_RING_IDX *p)
{
	const char *b = (const char *)g.intf, *q = (const char *)p;

	if (q == b + offsetof(struct xenstore_domain_interface, req_cons))
		return F_REQ_CONS;
	if (q == b + offsetof(struct xenstore_domain_interface, req_prod))
		return F_REQ_PROD;
	if (q == b + offsetof(struct xenstore_domain_interface, rsp_cons))
		return F_RSP_CONS;
	if (q == b + offsetof(struct xenstore_domain_interface, rsp_prod))
		return F_RSP_PROD;
	if (q == b + offsetof(struct xenstore_domain_interface, connection))
		return F_CONN;
	if (q == b + XSD_RING_EVTCHN_PORT_OFF)
		return F_PORT;
	return F_OTHER;
}

/* The index paired with f (the other end of its ring). */
static uint32_t
partner(enum field f)
{
	switch (f) {
	case F_REQ_CONS: return g.intf->req_prod;
	case F_REQ_PROD: return g.intf->req_cons;
	case F_RSP_CONS: return g.intf->rsp_prod;
	case F_RSP_PROD: return g.intf->rsp_cons;
	default: return 0;
	}
}

/*
 * The guest's move before this read, from the next input byte:
 *   0x00-0x3f  nothing changes;
 *   0x40-0x7f  the field advances by 0..63;
 *   0x80-0xbf  the field is its partner + a 16-bit gap (mod 2048, so
 *              that 1023, 1024 and 1025 are near) or partner - that gap;
 *   0xc0-0xff  any 32-bit value.
 */
uint32_t
fz_ring_load(const XENSTORE_RING_IDX *p)
{
	enum field f = which(p);
	uint32_t v = *p;		/* the guest's side: no poison here */
	uint8_t b;

	FZ_ASSERT(f != F_OTHER, "ring.c read an unknown field at offset %td",
	    (const char *)p - (const char *)g.intf);
	b = fz_u8(&g.in);
	if (b >= 0xc0) {
		v = fz_u32(&g.in);
	} else if (b >= 0x80) {
		uint32_t gap = fz_u16(&g.in) % 2048;

		v = b & 1 ? partner(f) - gap : partner(f) + gap;
	} else if (b >= 0x40) {
		v += b - 0x40;
	}
	*(XENSTORE_RING_IDX *)(uintptr_t)p = v;
	/* the guest's doing, not the daemon's */
	memcpy(g.before + ((const char *)p - (const char *)g.intf), &v, 4);
	g.loads[f]++;
	g.seen[f] = v;
	return v;
}

/* --- checks around one call ------------------------------------------ */

/*
 * Start a call that may touch ring `ring` (g.intf->req or ->rsp, or NULL)
 * and the indexes [idx, idx + 8): everything else is poisoned.  Both
 * ranges are 8-aligned, as ASan's granules are.
 */
static void
call_begin(const char *ring, size_t idx)
{
	char *b = (char *)g.intf;

	memset(g.loads, 0, sizeof(g.loads));
	memcpy(g.before, b, PAGE);
	POISON(b, PAGE);
	if (ring != NULL)
		UNPOISON((void *)(uintptr_t)ring, RSIZE);
	UNPOISON(b + idx, 8);
}

static void
call_end(void)
{
	UNPOISON(g.intf, PAGE);
}

/* Bytes [from, to) of the page are as before the call. */
static void
same(size_t from, size_t to)
{
	const uint8_t *b = (const uint8_t *)g.intf;
	size_t i;

	if (to <= from || memcmp(b + from, g.before + from, to - from) == 0)
		return;
	for (i = from; b[i] == g.before[i]; i++)
		;
	FZ_ASSERT(0, "page byte %zu changed", i);
}

/*
 * Nothing changed in the page but ring bytes [from, from + n) (masked:
 * they wrap) of `ring` (or none) and the index at `idx` (or none: PAGE),
 * which lies after the rings.
 */
static void
unchanged_except(const char *ring, uint32_t from, uint32_t n, size_t idx)
{
	const uint8_t *b = (const uint8_t *)g.intf;
	size_t r0 = ring ? (size_t)(ring - (const char *)g.intf) : 0, i;
	size_t stop = idx < PAGE ? idx : PAGE;

	if (ring != NULL) {
		same(0, r0);
		for (i = 0; i < RSIZE; i++)
			FZ_ASSERT((uint32_t)(i - MASK_XENSTORE_IDX(from)) %
			    RSIZE < n || b[r0 + i] == g.before[r0 + i],
			    "ring byte %zu changed", i);
		same(r0 + RSIZE, stop);
	} else {
		same(0, stop);
	}
	if (idx < PAGE)
		same(idx + 4, PAGE);
}

#define OFF(f) offsetof(struct xenstore_domain_interface, f)

static void
do_read(size_t len, uint8_t *buf)
{
	ssize_t rc;
	uint32_t cons, prod, gap, want, i;

	memset(buf, 0xee, MAXBUF);
	call_begin(g.intf->req, OFF(req_cons));
	rc = ring_read(g.intf, buf, len);
	call_end();
	FZ_ASSERT(g.loads[F_REQ_CONS] == 1 && g.loads[F_REQ_PROD] == 1 &&
	    g.loads[F_RSP_CONS] + g.loads[F_RSP_PROD] == 0,
	    "ring_read: indexes read %u and %u times", g.loads[F_REQ_CONS],
	    g.loads[F_REQ_PROD]);
	cons = g.seen[F_REQ_CONS];
	prod = g.seen[F_REQ_PROD];
	gap = prod - cons;
	if (gap > RSIZE) {
		FZ_ASSERT(rc == -EIO, "ring_read: gap %u gave %zd", gap, rc);
		FZ_ASSERT(g.intf->req_cons == cons, "ring_read: req_cons moved "
		    "on -EIO");
		unchanged_except(NULL, 0, 0, OFF(req_cons));
		FZ_ASSERT(buf[0] == 0xee, "ring_read: wrote on -EIO");
		return;
	}
	want = len < gap ? (uint32_t)len : gap;
	FZ_ASSERT(rc == (ssize_t)want, "ring_read: %zd bytes, %u expected "
	    "(len %zu, gap %u)", rc, want, len, gap);
	for (i = 0; i < want; i++)
		FZ_ASSERT(buf[i] == (uint8_t)g.before[OFF(req) +
		    MASK_XENSTORE_IDX(cons + i)], "ring_read: byte %u", i);
	FZ_ASSERT(buf[want] == 0xee, "ring_read: wrote past the count");
	FZ_ASSERT(g.intf->req_cons == (want ? cons + want : cons),
	    "ring_read: req_cons %u after %u from %u", g.intf->req_cons, want,
	    cons);
	unchanged_except(NULL, 0, 0, OFF(req_cons));
}

static void
do_peek(size_t len, uint8_t *buf, uint32_t *pos)
{
	ssize_t rc;
	uint32_t cons = *pos, prod, gap, want, i;

	memset(buf, 0xee, MAXBUF);
	call_begin(g.intf->req, OFF(req_cons));
	rc = ring_peek(g.intf, pos, buf, len);
	call_end();
	FZ_ASSERT(g.loads[F_REQ_PROD] == 1 && g.loads[F_REQ_CONS] == 0 &&
	    g.loads[F_RSP_CONS] + g.loads[F_RSP_PROD] == 0,
	    "ring_peek: req_prod read %u times", g.loads[F_REQ_PROD]);
	prod = g.seen[F_REQ_PROD];
	gap = prod - cons;
	if (gap > RSIZE) {
		FZ_ASSERT(rc == -EIO && *pos == cons, "ring_peek: gap %u gave "
		    "%zd", gap, rc);
		unchanged_except(NULL, 0, 0, PAGE);
		return;
	}
	want = len < gap ? (uint32_t)len : gap;
	FZ_ASSERT(rc == (ssize_t)want, "ring_peek: %zd bytes, %u expected",
	    rc, want);
	for (i = 0; i < want; i++)
		FZ_ASSERT(buf[i] == (uint8_t)g.before[OFF(req) +
		    MASK_XENSTORE_IDX(cons + i)], "ring_peek: byte %u", i);
	FZ_ASSERT(buf[want] == 0xee, "ring_peek: wrote past the count");
	FZ_ASSERT(*pos == (want ? cons + want : cons), "ring_peek: cursor");
	unchanged_except(NULL, 0, 0, PAGE);	/* req_cons stays */
}

static void
do_write(size_t len, uint8_t *buf)
{
	ssize_t rc;
	uint32_t cons, prod, used, want, i;

	for (i = 0; i < MAXBUF; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	call_begin(g.intf->rsp, OFF(rsp_cons));
	rc = ring_write(g.intf, buf, len);
	call_end();
	FZ_ASSERT(g.loads[F_RSP_CONS] == 1 && g.loads[F_RSP_PROD] == 1 &&
	    g.loads[F_REQ_CONS] + g.loads[F_REQ_PROD] == 0,
	    "ring_write: indexes read %u and %u times", g.loads[F_RSP_CONS],
	    g.loads[F_RSP_PROD]);
	cons = g.seen[F_RSP_CONS];
	prod = g.seen[F_RSP_PROD];
	used = prod - cons;
	if (used > RSIZE) {
		FZ_ASSERT(rc == -EIO, "ring_write: gap %u gave %zd", used, rc);
		FZ_ASSERT(g.intf->rsp_prod == prod, "ring_write: rsp_prod "
		    "moved on -EIO");
		unchanged_except(NULL, 0, 0, OFF(rsp_prod));
		return;
	}
	want = RSIZE - used;
	if (len < want)
		want = (uint32_t)len;
	FZ_ASSERT(rc == (ssize_t)want, "ring_write: %zd bytes, %u expected "
	    "(len %zu, used %u)", rc, want, len, used);
	for (i = 0; i < want; i++)
		FZ_ASSERT((uint8_t)g.intf->rsp[MASK_XENSTORE_IDX(prod + i)] ==
		    buf[i], "ring_write: byte %u", i);
	FZ_ASSERT(g.intf->rsp_prod == (want ? prod + want : prod),
	    "ring_write: rsp_prod");
	unchanged_except(g.intf->rsp, prod, want, OFF(rsp_prod));
}

/* The small accessors: one read each, the value read returned. */
static void
do_small(uint8_t op, uint32_t pos)
{
	size_t n;
	uint32_t v;

	memset(g.loads, 0, sizeof(g.loads));
	switch (op % 7) {
	case 0:
		n = ring_input_avail(g.intf);
		v = g.seen[F_REQ_PROD] - g.seen[F_REQ_CONS];
		FZ_ASSERT(g.loads[F_REQ_CONS] == 1 && g.loads[F_REQ_PROD] == 1,
		    "ring_input_avail: reads");
		FZ_ASSERT(n == (v > RSIZE ? 0 : v), "ring_input_avail %zu, "
		    "gap %u", n, v);
		break;
	case 1:
		n = ring_input_after(g.intf, pos);
		v = g.seen[F_REQ_PROD] - pos;
		FZ_ASSERT(g.loads[F_REQ_PROD] == 1, "ring_input_after: reads");
		FZ_ASSERT(n == (v > RSIZE ? 0 : v), "ring_input_after %zu, "
		    "gap %u", n, v);
		break;
	case 2:
		v = ring_get_req_cons(g.intf);
		FZ_ASSERT(g.loads[F_REQ_CONS] == 1 && v == g.seen[F_REQ_CONS],
		    "ring_get_req_cons");
		v = ring_get_rsp_prod(g.intf);
		FZ_ASSERT(g.loads[F_RSP_PROD] == 1 && v == g.seen[F_RSP_PROD],
		    "ring_get_rsp_prod");
		break;
	case 3:
		v = ring_get_connection(g.intf);
		FZ_ASSERT(g.loads[F_CONN] == 1 && v == g.seen[F_CONN],
		    "ring_get_connection");
		break;
	case 4:
		v = ring_get_evtchn_port(g.intf);
		FZ_ASSERT(g.loads[F_PORT] == 1 && v == g.seen[F_PORT],
		    "ring_get_evtchn_port");
		break;
	case 5:
		ring_set_connection(g.intf, pos);
		ring_set_error(g.intf, pos + 1);
		ring_set_features(g.intf, pos + 2);
		FZ_ASSERT(g.intf->connection == pos && g.intf->error ==
		    pos + 1 && g.intf->server_features == pos + 2,
		    "ring_set_*");
		break;
	default:
		memcpy(g.before, g.intf, PAGE);
		ring_consume(g.intf, pos);
		FZ_ASSERT(g.intf->req_cons == pos, "ring_consume");
		unchanged_except(NULL, 0, 0, OFF(req_cons));
		break;
	}
}

/*
 * Input: 1024 + 1024 bytes of ring contents would be slow to find, so the
 * rings are filled from a seed byte; then operations, one byte each:
 * low 2 bits the call (read, peek, write, an accessor), the rest a
 * length class; lengths and the peek cursor's moves come from the input.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[MAXBUF + 1];
	uint32_t pos, i;
	uint8_t seed;

	g.in.p = data;
	g.in.n = size;
	g.intf = aligned_alloc(PAGE, PAGE);
	if (g.intf == NULL)
		abort();
	memset(g.intf, 0, PAGE);
	seed = fz_u8(&g.in);
	for (i = 0; i < RSIZE; i++) {
		g.intf->req[i] = (char)(i * 31 + seed);
		g.intf->rsp[i] = (char)(i * 17 + seed + 1);
	}
	/* Start anywhere, near the 2^32 wrap included. */
	g.intf->req_cons = g.intf->req_prod = fz_u32(&g.in);
	g.intf->rsp_cons = g.intf->rsp_prod = fz_u32(&g.in);
	pos = g.intf->req_cons;
	while (fz_more(&g.in)) {
		uint8_t op = fz_u8(&g.in);
		size_t len;

		switch (op >> 6) {	/* a length class: edges are likely */
		case 0: len = op & 0x3f; break;
		case 1: len = RSIZE - 32 + (op & 0x3f); break;
		case 2: len = fz_u16(&g.in) % MAXBUF; break;
		default: len = MAXBUF - 1 - (op & 0x3f); break;
		}
		switch (op & 3) {
		case 0: do_read(len, buf); break;
		case 1:
			if (op & 4)	/* the daemon's cursor jumps */
				pos += fz_u16(&g.in) % 2048 - 1024;
			do_peek(len, buf, &pos);
			break;
		case 2: do_write(len, buf); break;
		default: do_small(fz_u8(&g.in), pos); break;
		}
	}
	ring_reset(g.intf);
	FZ_ASSERT(g.intf->req_cons == 0 && g.intf->req_prod == 0 &&
	    g.intf->rsp_cons == 0 && g.intf->rsp_prod == 0, "ring_reset");
	free(g.intf);
	return 0;
}
