/*
 * mkseeds.c: writes the seed corpus of the wire, session, ring, path and
 * perms fuzz targets (make fuzz-seeds; the files are committed under
 * tests/fuzz/corpus/<target>/).  Each seed is a case of the advisory
 * record (docs/fuzzing.md): XSA-420 lengths, XSA-481 paths, XSA-324
 * tokens, XSA-38 indexes, xs_crashme's argument cases, and the requests
 * behind XSA-72, 206, 352, 353, 414, 415, 418, 421, 440, 484; plus
 * ordinary traffic, so that the fuzzer starts from sessions that work.
 *
 * usage: mkseeds CORPUS_DIR   (its target subdirectories must exist)
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_wire_ext.h"

static const char *outdir;

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 256;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			abort();
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
put8(struct buf *b, unsigned v)
{
	uint8_t c = (uint8_t)v;

	put(b, &c, 1);
}

static void
put16(struct buf *b, unsigned v)
{
	put8(b, v & 0xff);
	put8(b, (v >> 8) & 0xff);
}

static void
put32(struct buf *b, uint32_t v)
{
	put16(b, v & 0xffff);
	put16(b, v >> 16);
}

static void
save(const char *target, const char *name, const struct buf *b)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(b->p, 1, b->n, f) != b->n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void
clear(struct buf *b)
{
	b->n = 0;
}

/* --- messages ---------------------------------------------------------- */

static uint32_t next_id = 1;

/* A message whose payload is n bytes. */
static void
msg_raw(struct buf *b, uint32_t type, uint32_t tx, const void *p, size_t n)
{
	struct xsd_sockmsg h = { type, next_id++, tx, (uint32_t)n };

	put(b, &h, sizeof(h));
	put(b, p, n);
}

/* A message whose payload is the strings given, each with its NUL. */
static void
msg(struct buf *b, uint32_t type, uint32_t tx, ...)
{
	struct buf pl = { NULL, 0, 0 };
	const char *s;
	va_list ap;

	va_start(ap, tx);
	while ((s = va_arg(ap, const char *)) != NULL)
		put(&pl, s, strlen(s) + 1);
	va_end(ap);
	msg_raw(b, type, tx, pl.p, pl.n);
	free(pl.p);
}

/* WRITE: path with its NUL, then the value without one. */
static void
msg_write(struct buf *b, uint32_t tx, const char *path, const char *value)
{
	struct buf pl = { NULL, 0, 0 };

	put(&pl, path, strlen(path) + 1);
	put(&pl, value, strlen(value));
	msg_raw(b, XS_WRITE, tx, pl.p, pl.n);
	free(pl.p);
}

/* --- sessions (fuzz_session.c's input) --------------------------------- */

#define PRIV 0x00
#define GUEST 0x01
#define NOREAD 0x02
#define TRICKLE 0x04
#define TIME 0x06
#define LATER 0x08
#define HANGUP 0x10

/* A step: one client sends the bytes of `m` as one chunk. */
static void
step(struct buf *s, unsigned op, const struct buf *m)
{
	put8(s, op);
	put16(s, (unsigned)m->n);
	if (m->n)
		put(s, m->p, m->n);
}

/* The same bytes cut into chunks of `every` bytes, in one iteration. */
static void
step_cut(struct buf *s, unsigned op, const struct buf *m, size_t every)
{
	size_t off;

	for (off = 0; off < m->n; off += every) {
		size_t k = m->n - off < every ? m->n - off : every;

		put8(s, op | (off + k < m->n ? LATER : 0));
		put16(s, (unsigned)k);
		put(s, m->p + off, k);
	}
}

static void
session_begin(struct buf *s, unsigned guest)
{
	clear(s);
	put8(s, guest - 1);
}

static void
seeds_session(void)
{
	struct buf s = { NULL, 0, 0 }, m = { NULL, 0, 0 };
	static const char *const bad_paths[] = { "/local/domain/",
		"/local/domain//", "/local/domain/x/", "/local/domain/99999999999/a",
		"", "//", "/a/", "a/", "/a//b", "@", "@releaseDomain/x",
		"/local/domain/1/", "/local/domain/000001/a", "../a", "a b",
		"/\xff", NULL };
	static const uint32_t lens[] = { 4097, 0x40000000, 0x7fffffff,
		0x80000000, 0xffffffff };
	char name[64], big[4200];
	unsigned i, t;

	/* Ordinary traffic from both sides. */
	session_begin(&s, 1);
	clear(&m);
	msg_write(&m, 0, "/a", "v");
	msg(&m, XS_READ, 0, "/a", NULL);
	msg(&m, XS_DIRECTORY, 0, "/", NULL);
	msg(&m, XS_SET_PERMS, 0, "/a", "n0", "r1", NULL);
	msg(&m, XS_GET_PERMS, 0, "/a", NULL);
	msg(&m, XS_MKDIR, 0, "/local/domain/1", NULL);
	msg(&m, XS_SET_PERMS, 0, "/local/domain/1", "n1", NULL);
	msg(&m, XS_MKDIR, 0, "/b", NULL);
	msg(&m, XS_RM, 0, "/b", NULL);
	step(&s, PRIV, &m);
	clear(&m);
	msg(&m, XS_READ, 0, "/a", NULL);
	msg_write(&m, 0, "/local/domain/1/x", "1");
	msg_write(&m, 0, "data/y", "2");
	msg(&m, XS_GET_DOMAIN_PATH, 0, "1", NULL);
	msg(&m, XS_DIRECTORY, 0, "data", NULL);
	msg(&m, XS_GET_PERMS, 0, "data/y", NULL);
	msg(&m, XS_SET_PERMS, 0, "data/y", "n1", "r0", NULL);
	msg(&m, XS_RM, 0, "data", NULL);
	step(&s, GUEST, &m);
	save("session", "basic", &s);

	/* The same, every chunk one byte, the guest reading 7 at a time. */
	session_begin(&s, 1);
	clear(&m);
	msg(&m, XS_MKDIR, 0, "/local/domain/1", NULL);
	msg(&m, XS_SET_PERMS, 0, "/local/domain/1", "n1", NULL);
	step(&s, PRIV, &m);
	clear(&m);
	msg_write(&m, 0, "data/y", "2");
	msg(&m, XS_WATCH, 0, "data", "tok", NULL);
	msg(&m, XS_READ, 0, "data/y", NULL);
	msg(&m, XS_RM, 0, "data/y", NULL);
	step_cut(&s, GUEST | TRICKLE, &m, 1);
	save("session", "byte-by-byte", &s);

	/* Watches: relative, special, depth (WATCHDEPTH), unwatch, reset. */
	session_begin(&s, 2);
	clear(&m);
	msg(&m, XS_MKDIR, 0, "/local/domain/2", NULL);
	msg(&m, XS_SET_PERMS, 0, "/local/domain/2", "n2", NULL);
	msg(&m, XS_SET_FEATURE, 0, "2", "4", NULL);
	msg(&m, XS_WATCH, 0, "@releaseDomain", "r", NULL);
	msg(&m, XS_WATCH, 0, "@introduceDomain", "i", NULL);
	msg(&m, XS_WATCH, 0, "/", "root", NULL);
	step(&s, PRIV, &m);
	clear(&m);
	msg(&m, XS_GET_FEATURE, 0, NULL);
	msg(&m, XS_WATCH, 0, "data", "t1", NULL);
	msg(&m, XS_WATCH, 0, "/local/domain/2", "t2", "1", NULL);
	msg(&m, XS_WATCH, 0, "@releaseDomain", "t3", NULL);
	msg_write(&m, 0, "data/a/b", "x");
	msg(&m, XS_UNWATCH, 0, "data", "t1", NULL);
	msg_write(&m, 0, "data/a/c", "y");
	msg(&m, XS_RESET_WATCHES, 0, NULL);
	msg(&m, XS_WATCH, 0, "data", "t1", NULL);
	msg(&m, XS_RM, 0, "data", NULL);
	step(&s, GUEST, &m);
	save("session", "watches", &s);

	/*
	 * XSA-324: tokens so long that the event for P/abcdef is 4097 bytes
	 * (dropped) and 4096 (sent); a relative watch reports the relative
	 * path.
	 */
	for (t = 0; t < 2; t++) {
		const char *p = t ? "/w" : "data";
		size_t ev = strlen(p) + strlen("/abcdef") + 2;

		session_begin(&s, 1);
		clear(&m);
		msg(&m, XS_MKDIR, 0, "/local/domain/1", NULL);
		msg(&m, XS_SET_PERMS, 0, "/local/domain/1", "n1", NULL);
		msg(&m, XS_MKDIR, 0, "/w", NULL);
		msg(&m, XS_SET_PERMS, 0, "/w", "n0", "b1", NULL);
		step(&s, PRIV, &m);
		clear(&m);
		memset(big, 'T', 4097 - ev);
		big[4097 - ev] = '\0';
		msg(&m, XS_WATCH, 0, p, big, NULL);
		big[4096 - ev] = '\0';
		msg(&m, XS_WATCH, 0, p, big, NULL);
		snprintf(name, sizeof(name), "%s/abcdef", p);
		msg_write(&m, 0, name, "v");
		msg(&m, XS_RM, 0, name, NULL);
		step(&s, GUEST, &m);
		snprintf(name, sizeof(name), "xsa324-long-token-%s",
		    t ? "absolute" : "relative");
		save("session", name, &s);
	}

	/* XSA-420: header lengths over 4096, from each side. */
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		for (t = 0; t < 2; t++) {
			struct xsd_sockmsg h = { XS_READ, 7, 0, lens[i] };

			session_begin(&s, 1);
			clear(&m);
			msg(&m, XS_READ, 0, "/", NULL);
			put(&m, &h, sizeof(h));
			put(&m, "/a", 3);
			msg(&m, XS_READ, 0, "/", NULL);
			step(&s, t ? GUEST : PRIV, &m);
			clear(&m);
			msg(&m, XS_READ, 0, "/", NULL);	/* a new connection */
			step(&s, t ? GUEST : PRIV, &m);
			snprintf(name, sizeof(name), "xsa420-len-%#x-%s",
			    lens[i], t ? "guest" : "priv");
			save("session", name, &s);
		}

	/* XSA-481 and friends: bad paths in every path-taking request. */
	for (t = 0; t < 2; t++) {
		session_begin(&s, 1);
		clear(&m);
		for (i = 0; bad_paths[i] != NULL; i++) {
			const char *p = bad_paths[i];

			msg(&m, XS_READ, 0, p, NULL);
			msg_write(&m, 0, p, "v");
			msg(&m, XS_MKDIR, 0, p, NULL);
			msg(&m, XS_RM, 0, p, NULL);
			msg(&m, XS_DIRECTORY, 0, p, NULL);
			msg(&m, XS_DIRECTORY_PART, 0, p, "0", NULL);
			msg(&m, XS_GET_PERMS, 0, p, NULL);
			msg(&m, XS_SET_PERMS, 0, p, "n0", NULL);
			msg(&m, XS_WATCH, 0, p, "tok", NULL);
			msg(&m, XS_UNWATCH, 0, p, "tok", NULL);
		}
		/* an embedded NUL: "/local/domain/" then "1/a" */
		msg_raw(&m, XS_READ, 0, "/local/domain/\0" "1/a", 18);
		msg_raw(&m, XS_WRITE, 0, "/local/domain/\0" "1/a\0v", 20);
		msg(&m, XS_READ, 0, "/", NULL);
		step(&s, t ? GUEST : PRIV, &m);
		save("session", t ? "xsa481-paths-guest" : "xsa481-paths-priv",
		    &s);
	}

	/* xs_crashme: every type with no payload, one argument, too many,
	 * no final NUL, embedded NULs. */
	for (t = 0; t < 2; t++) {
		session_begin(&s, 1);
		clear(&m);
		for (i = 0; i <= XSD_TYPE_LIMIT + 3; i++) {
			uint32_t type = i > XSD_TYPE_LIMIT ? 0xffff - (i -
			    XSD_TYPE_LIMIT - 1) : i;

			if (type == XS_CONTROL)
				continue;	/* its own seed */
			msg_raw(&m, type, 0, "", 0);
			msg_raw(&m, type, 0, "/a", 2);
			msg_raw(&m, type, 0, "/a\0", 3);
			msg_raw(&m, type, 0, "/a\0b\0c\0d\0e\0f\0g\0h\0i\0j", 20);
			msg_raw(&m, type, 0, "\0\0\0", 3);
			msg_raw(&m, type, 0, "1\0" "2\0" "3", 5);
		}
		step(&s, t ? GUEST : PRIV, &m);
		save("session", t ? "crashme-args-guest" : "crashme-args-priv",
		    &s);
	}

	/* CONTROL, each command, good and bad arguments (those that would
	 * open a file are turned into unknown commands by the client). */
	session_begin(&s, 1);
	clear(&m);
	msg(&m, XS_CONTROL, 0, "check", NULL);
	msg(&m, XS_CONTROL, 0, "help", NULL);
	msg(&m, XS_CONTROL, 0, "log", NULL);
	msg(&m, XS_CONTROL, 0, "log", "on", NULL);
	msg(&m, XS_CONTROL, 0, "log", "+io", NULL);
	msg(&m, XS_CONTROL, 0, "print", "hello", NULL);
	msg(&m, XS_CONTROL, 0, "quota", NULL);
	msg(&m, XS_CONTROL, 0, "quota", "1", NULL);
	msg(&m, XS_CONTROL, 0, "quota", "set", "nodes", "3", NULL);
	msg(&m, XS_CONTROL, 0, "quota-soft", NULL);
	msg(&m, XS_CONTROL, 0, "quota-soft", "set", "memory", "100", NULL);
	msg(&m, XS_CONTROL, 0, "persist", NULL);
	msg(&m, XS_CONTROL, 0, "persist", "snapshot", NULL);
	msg(&m, XS_CONTROL, 0, "memreport", NULL);
	msg(&m, XS_CONTROL, 0, "memreport", "/tmp/x", NULL);
	msg(&m, XS_CONTROL, 0, "logfile", "/tmp/x", NULL);
	msg(&m, XS_CONTROL, 0, "live-update", "-a", NULL);
	msg(&m, XS_CONTROL, 0, "live-update", "-c", "x", NULL);
	msg(&m, XS_CONTROL, 0, "live-update", "-s", "-t", "10", "-F", NULL);
	msg(&m, XS_CONTROL, 0, "live-update", "-f", "/bin/true", NULL);
	msg(&m, XS_CONTROL, 0, "test-unpriv", "1", NULL);
	msg(&m, XS_CONTROL, 0, NULL);
	msg(&m, XS_CONTROL, 0, "nosuch", NULL);
	step(&s, PRIV, &m);
	clear(&m);
	msg(&m, XS_CONTROL, 0, "check", NULL);
	step(&s, GUEST, &m);
	save("session", "control", &s);

	/* Domain requests without Xen, and from a guest (EACCES). */
	for (t = 0; t < 2; t++) {
		session_begin(&s, 3);
		clear(&m);
		msg(&m, XS_INTRODUCE, 0, "3", "4096", "5", NULL);
		msg(&m, XS_INTRODUCE, 0, "3", "4096", "0", NULL);
		msg(&m, XS_INTRODUCE, 0, "70000", "1", "1", NULL);
		msg(&m, XS_IS_DOMAIN_INTRODUCED, 0, "3", NULL);
		msg(&m, XS_SET_TARGET, 0, "3", "0", NULL);
		msg(&m, XS_RESUME, 0, "3", NULL);
		msg(&m, XS_RELEASE, 0, "3", NULL);
		msg(&m, XS_RELEASE, 0, "0", NULL);
		msg(&m, XS_GET_QUOTA, 0, NULL);
		msg(&m, XS_GET_QUOTA, 0, "nodes", NULL);
		msg(&m, XS_GET_QUOTA, 0, "3", "memory", NULL);
		msg(&m, XS_SET_QUOTA, 0, "3", "nodes", "2", NULL);
		msg(&m, XS_SET_QUOTA, 0, "path-max", "4000", NULL);
		msg(&m, XS_SET_QUOTA, 0, "soft-memory", "10", NULL);
		msg(&m, XS_GET_FEATURE, 0, "3", NULL);
		msg(&m, XS_SET_FEATURE, 0, "3", "15", NULL);
		msg(&m, XS_GET_DOMAIN_PATH, 0, "65535", NULL);
		msg(&m, XS_GET_DOMAIN_PATH, 0, "65536", NULL);
		step(&s, t ? GUEST : PRIV, &m);
		save("session", t ? "domain-ops-guest" : "domain-ops-priv",
		    &s);
	}

	/* Transactions: XSA-421 (create and remove in one), XSA-484
	 * (RESET_WATCHES with a tx_id), ids that do not exist. */
	session_begin(&s, 1);
	clear(&m);
	msg(&m, XS_MKDIR, 0, "/local/domain/1", NULL);
	msg(&m, XS_SET_PERMS, 0, "/local/domain/1", "n1", NULL);
	step(&s, PRIV, &m);
	clear(&m);
	for (i = 0; i < 4; i++) {
		msg(&m, XS_TRANSACTION_START, 0, "", NULL);
		msg_write(&m, i + 1, "x", "1");
		msg(&m, XS_RM, i + 1, "x", NULL);
		msg(&m, XS_TRANSACTION_END, i + 1, "T", NULL);
	}
	msg(&m, XS_TRANSACTION_START, 0, "", NULL);
	msg(&m, XS_WATCH, 5, "data", "tok", NULL);
	msg(&m, XS_RESET_WATCHES, 5, NULL);
	msg(&m, XS_READ, 5, "data", NULL);
	msg(&m, XS_TRANSACTION_END, 5, "F", NULL);
	msg(&m, XS_TRANSACTION_END, 99, "T", NULL);
	msg(&m, XS_TRANSACTION_END, 0, "T", NULL);
	msg(&m, XS_TRANSACTION_START, 0, "", NULL);
	msg(&m, XS_TRANSACTION_START, 0, "", NULL);
	msg_write(&m, 6, "t/a/b/c", "deep");
	msg(&m, XS_DIRECTORY, 6, "t/a", NULL);
	step(&s, GUEST, &m);
	clear(&m);
	msg(&m, XS_TRANSACTION_START, 0, "", NULL);
	msg_write(&m, 1, "/local/domain/1/t", "x");
	step(&s, PRIV | HANGUP, &m);	/* hangs up with it open */
	save("session", "transactions", &s);

	/* XSA-440: two transactions remove the same 50 nodes, both commit. */
	session_begin(&s, 1);
	clear(&m);
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "/n/%u", i);
		msg_write(&m, 0, name, "v");
	}
	msg(&m, XS_TRANSACTION_START, 0, "", NULL);
	msg(&m, XS_TRANSACTION_START, 0, "", NULL);
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "/n/%u", i);
		msg(&m, XS_RM, 1, name, NULL);
		msg(&m, XS_RM, 2, name, NULL);
	}
	msg(&m, XS_TRANSACTION_END, 1, "T", NULL);
	msg(&m, XS_TRANSACTION_END, 2, "T", NULL);
	msg(&m, XS_DIRECTORY, 0, "/n", NULL);
	step(&s, PRIV, &m);
	save("session", "xsa440-two-removals", &s);

	/* XSA-72: a directory listing over 4096 bytes; DIRECTORY_PART. */
	session_begin(&s, 1);
	clear(&m);
	msg(&m, XS_MKDIR, 0, "/big", NULL);
	msg(&m, XS_SET_PERMS, 0, "/big", "n0", "r1", NULL);
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "/big/child-with-a-long-name-%03u",
		    i);
		msg(&m, XS_MKDIR, 0, name, NULL);
	}
	step(&s, PRIV, &m);
	clear(&m);
	msg(&m, XS_DIRECTORY, 0, "/big", NULL);
	msg(&m, XS_DIRECTORY_PART, 0, "/big", "0", NULL);
	msg(&m, XS_DIRECTORY_PART, 0, "/big", "4000", NULL);
	msg(&m, XS_DIRECTORY_PART, 0, "/big", "6600", NULL);
	msg(&m, XS_DIRECTORY_PART, 0, "/big", "99999999999999999999", NULL);
	step(&s, GUEST, &m);
	save("session", "xsa72-big-directory", &s);

	/* Quotas: XSA-414/415 (a deep write that hits the node quota, in
	 * and out of a transaction), too many permissions, values at the
	 * node size. */
	session_begin(&s, 1);
	clear(&m);
	msg(&m, XS_MKDIR, 0, "/local/domain/1", NULL);
	msg(&m, XS_SET_PERMS, 0, "/local/domain/1", "n1", NULL);
	msg(&m, XS_SET_QUOTA, 0, "1", "nodes", "3", NULL);
	msg(&m, XS_SET_QUOTA, 0, "1", "transaction-nodes", "4", NULL);
	step(&s, PRIV, &m);
	clear(&m);
	msg_write(&m, 0, "a/b/c/d", "x");
	msg_write(&m, 0, "a", "x");
	msg(&m, XS_TRANSACTION_START, 0, "", NULL);
	msg_write(&m, 1, "q/r/s/t", "x");
	msg(&m, XS_TRANSACTION_END, 1, "T", NULL);
	msg(&m, XS_SET_PERMS, 0, "a", "n1", "r2", "r3", "r4", "r5", "r6",
	    NULL);
	memset(big, 'v', 2100);
	big[2100] = '\0';
	msg_write(&m, 0, "a", big);
	big[2000] = '\0';
	msg_write(&m, 0, "a", big);
	step(&s, GUEST, &m);
	save("session", "quotas", &s);

	/* XSA-352/353: a guest makes another domain the owner; a guest on /. */
	session_begin(&s, 1);
	clear(&m);
	msg(&m, XS_MKDIR, 0, "/local/domain/1", NULL);
	msg(&m, XS_SET_PERMS, 0, "/local/domain/1", "n1", NULL);
	msg(&m, XS_SET_PERMS, 0, "/", "n0", "r1", NULL);
	step(&s, PRIV, &m);
	clear(&m);
	msg_write(&m, 0, "mine", "x");
	msg(&m, XS_SET_PERMS, 0, "mine", "n0", NULL);
	msg(&m, XS_SET_PERMS, 0, "mine", "n2", NULL);
	msg(&m, XS_SET_PERMS, 0, "mine", "n1", "b32757", NULL);
	msg(&m, XS_SET_PERMS, 0, "/", "n1", NULL);
	msg(&m, XS_RM, 0, "/", NULL);
	msg(&m, XS_DIRECTORY, 0, "/", NULL);
	msg(&m, XS_GET_PERMS, 0, "/", NULL);
	msg(&m, XS_WATCH, 0, "/", "all", NULL);
	step(&s, GUEST, &m);
	clear(&m);
	msg_write(&m, 0, "/secret", "x");
	step(&s, PRIV, &m);
	save("session", "xsa352-353-owner-root", &s);

	/* XSA-418: paths as deep as the limits allow, then removed. */
	session_begin(&s, 1);
	clear(&m);
	msg(&m, XS_MKDIR, 0, "/local/domain/1", NULL);
	msg(&m, XS_SET_PERMS, 0, "/local/domain/1", "n1", NULL);
	for (i = 0; i < 3070; i += 2)
		memcpy(big + i, "/d", 2);
	big[3070] = '\0';
	msg_write(&m, 0, big, "deep");
	msg(&m, XS_CONTROL, 0, "check", NULL);
	msg(&m, XS_RM, 0, "/d", NULL);
	step(&s, PRIV, &m);
	clear(&m);
	for (i = 0; i < 2046; i += 2)
		memcpy(big + i, "a/", 2);
	big[2047] = 'a';
	big[2048] = '\0';
	msg_write(&m, 0, big, "deep");
	big[2046] = '\0';
	msg_write(&m, 0, big, "deep");
	msg(&m, XS_RM, 0, "a", NULL);
	step(&s, GUEST, &m);
	save("session", "xsa418-deep", &s);

	/* XSA-206: dom0's transaction keeps failing on a node a guest keeps
	 * writing; then the guest's writes wait; then time passes. */
	session_begin(&s, 1);
	clear(&m);
	msg_write(&m, 0, "/hot", "0");
	msg(&m, XS_SET_PERMS, 0, "/hot", "n0", "b1", NULL);
	step(&s, PRIV, &m);
	for (i = 0; i < 3; i++) {
		clear(&m);
		msg(&m, XS_TRANSACTION_START, 0, "", NULL);
		msg(&m, XS_READ, i + 1, "/hot", NULL);
		step(&s, PRIV | LATER, &m);
		clear(&m);
		snprintf(name, sizeof(name), "g%u", i);	/* a new value */
		msg_write(&m, 0, "/hot", name);
		step(&s, GUEST | LATER, &m);
		clear(&m);
		msg_write(&m, i + 1, "/hot", "d");
		msg(&m, XS_TRANSACTION_END, i + 1, "T", NULL);
		step(&s, PRIV, &m);
	}
	clear(&m);
	msg_write(&m, 0, "/hot", "late");
	msg(&m, XS_READ, 0, "/hot", NULL);
	step(&s, GUEST, &m);
	clear(&m);
	step(&s, PRIV | TIME, &m);
	save("session", "xsa206-starved-transaction", &s);

	/* XSA-326: a guest that does not read: outstanding requests, events
	 * piling up, then dropped when time passes; then it reads. */
	session_begin(&s, 1);
	clear(&m);
	msg(&m, XS_SET_PERMS, 0, "/", "n0", "r1", NULL);
	step(&s, PRIV, &m);
	clear(&m);
	msg(&m, XS_WATCH, 0, "/", "all", NULL);
	for (i = 0; i < 30; i++)
		msg(&m, XS_READ, 0, "/", NULL);
	step(&s, GUEST | NOREAD, &m);
	clear(&m);
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "/e/%u", i);
		msg_write(&m, 0, name, "v");
	}
	step(&s, PRIV, &m);
	clear(&m);
	step(&s, GUEST | TIME, &m);
	clear(&m);
	step(&s, GUEST, &m);
	save("session", "xsa326-not-reading", &s);

	/* A client that hangs up in the middle of a request, and again. */
	session_begin(&s, 1);
	clear(&m);
	msg_write(&m, 0, "/h", "v");
	msg(&m, XS_WATCH, 0, "/h", "t", NULL);
	msg(&m, XS_TRANSACTION_START, 0, "", NULL);
	step_cut(&s, PRIV, &m, 20);
	clear(&m);
	msg(&m, XS_READ, 0, "/h", NULL);
	m.n -= 2;
	step(&s, PRIV | HANGUP, &m);
	clear(&m);
	msg(&m, XS_READ, 0, "/h", NULL);
	step(&s, GUEST | HANGUP | LATER, &m);
	step(&s, GUEST, &m);
	save("session", "hangups", &s);

	/* Special paths' permissions; a transaction whose commit fires
	 * several events at a watcher (merged), with SET_PERMS inside. */
	session_begin(&s, 1);
	clear(&m);
	msg(&m, XS_GET_PERMS, 0, "@releaseDomain", NULL);
	msg(&m, XS_SET_PERMS, 0, "@releaseDomain", "n0", "r1", NULL);
	msg(&m, XS_SET_PERMS, 0, "@introduceDomain", "n1", NULL);
	msg(&m, XS_MKDIR, 0, "/local/domain/1", NULL);
	msg(&m, XS_SET_PERMS, 0, "/local/domain/1", "n1", NULL);
	step(&s, PRIV, &m);
	clear(&m);
	msg(&m, XS_WATCH, 0, "@releaseDomain", "rel", NULL);
	msg(&m, XS_WATCH, 0, "@introduceDomain", "int", NULL);
	msg(&m, XS_GET_PERMS, 0, "@releaseDomain", NULL);
	msg(&m, XS_GET_PERMS, 0, "@introduceDomain", NULL);
	msg(&m, XS_SET_PERMS, 0, "@introduceDomain", "n1", "r0", NULL);
	msg(&m, XS_SET_PERMS, 0, "@introduceDomain", "n0", NULL);
	msg(&m, XS_SET_PERMS, 0, "@releaseDomain", "n1", NULL);
	msg(&m, XS_WATCH, 0, "data", "d", NULL);
	msg(&m, XS_TRANSACTION_START, 0, "", NULL);
	msg_write(&m, 1, "data/a", "1");
	msg_write(&m, 1, "data/b", "2");
	msg(&m, XS_RM, 1, "data/a", NULL);
	msg(&m, XS_SET_PERMS, 1, "data/b", "n1", "r0", NULL);
	msg(&m, XS_MKDIR, 1, "data/c/d", NULL);
	msg(&m, XS_GET_PERMS, 1, "data/b", NULL);
	msg(&m, XS_TRANSACTION_END, 1, "T", NULL);
	msg(&m, XS_TRANSACTION_START, 0, "", NULL);
	msg(&m, XS_SET_PERMS, 2, "data/nosuch", "n1", NULL);
	msg(&m, XS_SET_PERMS, 2, "data/b", "r1", NULL);
	msg(&m, XS_TRANSACTION_END, 2, "T", NULL);
	step(&s, GUEST, &m);
	clear(&m);
	msg(&m, XS_SET_PERMS, 0, "@releaseDomain", "n0", NULL);
	msg(&m, XS_RM, 0, "/local/domain/1/data", NULL);
	step(&s, PRIV, &m);
	save("session", "special-perms-txn-events", &s);

	/* Zero-length payloads (the 2026 socket bug). */
	session_begin(&s, 1);
	clear(&m);
	msg_raw(&m, XS_TRANSACTION_START, 0, "", 0);
	msg_raw(&m, XS_GET_FEATURE, 0, "", 0);
	msg_raw(&m, XS_RESET_WATCHES, 0, "", 0);
	step(&s, GUEST, &m);
	step(&s, PRIV, &m);
	save("session", "zero-length", &s);

	free(s.p);
	free(m.p);
}

/* --- wire: message streams ---------------------------------------------- */

static void
seeds_wire(void)
{
	struct buf m = { NULL, 0, 0 };
	static const uint32_t lens[] = { 0, 4095, 4096, 4097, 0x40000000,
		0x7fffffff, 0x80000000, 0xffffffff };
	char name[64], big[4097];
	unsigned i;

	clear(&m);
	msg_write(&m, 0, "/a", "v");
	msg(&m, XS_READ, 0, "/a", NULL);
	msg(&m, XS_SET_PERMS, 0, "/a", "n0", "r1", NULL);
	msg(&m, XS_WATCH, 0, "/a", "tok", NULL);
	msg(&m, XS_INTRODUCE, 0, "1", "4096", "5", NULL);
	msg(&m, XS_SET_QUOTA, 0, "1", "nodes", "00010", NULL);
	save("wire", "basic", &m);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct xsd_sockmsg h = { XS_READ, 1, 0, lens[i] };

		clear(&m);
		put(&m, &h, sizeof(h));
		memset(big, 'x', sizeof(big));
		put(&m, big, lens[i] < sizeof(big) ? lens[i] : 64);
		snprintf(name, sizeof(name), "len-%#x", lens[i]);
		save("wire", name, &m);
	}
	clear(&m);	/* xs_crashme's cases */
	msg_raw(&m, XS_READ, 0, "", 0);
	msg_raw(&m, XS_READ, 0, "/a", 2);
	msg_raw(&m, XS_READ, 0, "/a\0b", 4);
	msg_raw(&m, XS_RM, 0, "\0\0", 2);
	msg_raw(&m, XS_DIRECTORY_PART, 0, "/a\0" "18446744073709551616", 24);
	msg_raw(&m, XS_GET_DOMAIN_PATH, 0, "0065535\0", 8);
	save("wire", "crashme-args", &m);
	clear(&m);	/* a header cut short */
	msg(&m, XS_READ, 0, "/a", NULL);
	m.n = 10;
	save("wire", "short-header", &m);
	free(m.p);
}

/* --- ring: fuzz_ring.c's input ------------------------------------------ */

static void
ring_begin(struct buf *b, uint32_t req, uint32_t rsp)
{
	clear(b);
	put8(b, 0x42);
	put32(b, req);
	put32(b, rsp);
}

static void
seeds_ring(void)
{
	struct buf b = { NULL, 0, 0 };
	static const uint32_t starts[] = { 0, 1000, 0xfffffc00, 0xfffffff0 };
	static const unsigned gaps[] = { 0, 1, 1023, 1024, 1025, 2047 };
	char name[64];
	unsigned i, k;

	/* XSA-38: prod = cons + gap, wrapping or not; every call. */
	for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		for (k = 0; k < sizeof(gaps) / sizeof(gaps[0]); k++) {
			ring_begin(&b, starts[i], starts[i]);
			/* read 5 bytes: cons as it is, prod = cons + gap */
			put8(&b, 0x80);
			put16(&b, 5);
			put8(&b, 0x00);
			put8(&b, 0x80);
			put16(&b, gaps[k]);
			/* read 1024 bytes: the same */
			put8(&b, 0x60);
			put8(&b, 0x00);
			put8(&b, 0x80);
			put16(&b, gaps[k]);
			/* write 1026 bytes: rsp_prod = rsp_cons + gap */
			put8(&b, 0x62);
			put8(&b, 0x00);
			put8(&b, 0x80);
			put16(&b, gaps[k]);
			/* peek from the daemon's cursor, prod = req_cons + gap */
			put8(&b, 0xfd);
			put16(&b, 1024);	/* the cursor stays */
			put8(&b, 0x80);
			put16(&b, gaps[k]);
			/* the accessors: avail, after, consume */
			put8(&b, 0x03);
			put8(&b, 0);
			put8(&b, 0x00);
			put8(&b, 0x00);
			put8(&b, 0x03);
			put8(&b, 1);
			put8(&b, 0x00);
			put8(&b, 0x03);
			put8(&b, 6);
			snprintf(name, sizeof(name), "xsa38-start-%#x-gap-%u",
			    starts[i], gaps[k]);
			save("ring", name, &b);
		}
	/* a guest that moves an index by any 32-bit value */
	ring_begin(&b, 5, 5);
	put8(&b, 0x80);		/* read 64 bytes */
	put16(&b, 64);
	put8(&b, 0x00);
	put8(&b, 0xc0);		/* req_prod = 0x80000005 */
	put32(&b, 0x80000005);
	put8(&b, 0x82);		/* write 64 bytes */
	put16(&b, 64);
	put8(&b, 0xc0);		/* rsp_cons = 0x7fffffff */
	put32(&b, 0x7fffffff);
	put8(&b, 0x00);
	save("ring", "xsa38-high-bits", &b);
	free(b.p);
}

/* --- path: fuzz_path.c's input ------------------------------------------ */

static void
path_seed(const char *name, unsigned flags, uint32_t domid,
    unsigned path_max, const char *p, size_t len)
{
	struct buf b = { NULL, 0, 0 };

	put8(&b, flags);
	put32(&b, domid);
	put16(&b, path_max);
	put(&b, p, len);
	save("path", name, &b);
	free(b.p);
}

static void
seeds_path(void)
{
	static const char *const paths[] = { "/local/domain/",
		"/local/domain//", "/local/domain/x/", "/local/domain/99999999999/a",
		"", "//", "/", "/a/", "a/", "/a//b", "@", "@releaseDomain",
		"@introduceDomain", "@releaseDomain/", "/local/domain/1",
		"/local/domain/12345/a", "/local/domain/123456/a", "data/x",
		"a-b_c/D9", "a.b", "a b", "\xff", NULL };
	char big[4200], name[64];
	unsigned i;

	for (i = 0; paths[i] != NULL; i++) {
		snprintf(name, sizeof(name), "xsa481-%02u", i);
		path_seed(name, i % 2, 1, 2048, paths[i], strlen(paths[i]));
	}
	path_seed("embedded-nul", 0, 1, 0, "/local/domain/\0" "1/a", 18);
	/* XSA-323: relative at the limit and one over; absolute 3072. */
	memset(big, 'r', sizeof(big));
	path_seed("xsa323-relative-2048", 0, 7, 2048, big, 2048);
	path_seed("xsa323-relative-2049", 0, 7, 2048, big, 2049);
	big[0] = '/';
	path_seed("absolute-3072", 0, 0, 3072, big, 3072);
	path_seed("absolute-4199", 0, 0, 0, big, 4199);
	big[0] = 'r';
	path_seed("relative-4095-big-domid", 0, 0xffffffff, 0, big, 4095);
}

/* --- perms: fuzz_perms.c's input ---------------------------------------- */

static void
perms_seed(const char *name, unsigned domid, unsigned target, unsigned flags,
    const char *p, size_t len)
{
	struct buf b = { NULL, 0, 0 };

	put16(&b, domid);
	put16(&b, target);
	put8(&b, flags);
	put8(&b, 0x04);		/* the third entry stale */
	put8(&b, 3);		/* generation */
	put16(&b, 10);		/* a small formatting buffer */
	put(&b, p, len);
	save("perms", name, &b);
	free(b.p);
}

#define PS(name, d, t, f, lit) perms_seed(name, d, t, f, lit, sizeof(lit) - 1)

static void
seeds_perms(void)
{
	struct buf b = { NULL, 0, 0 };
	unsigned i;

	PS("owner-read", 1, 0xffff, 0, "n0\0r1\0");
	PS("target", 2, 1, 2, "n1\0b2\0w3\0");
	PS("priv", 0, 0xffff, 1, "n5\0");
	PS("domid-any", 9, 0xffff, 4, "n0\0r32757\0b9\0");
	PS("any-owner", 9, 0xffff, 0, "b32757\0");
	PS("hex-octal", 16, 0xffff, 0, "r0x10\0w010\0b0X1f\0");
	PS("spaces-signs", 5, 0xffff, 0, "r 5\0w+5\0n-0\0b\t7\0");
	PS("limits", 65535, 0xffff, 0, "r65535\0w65536\0");
	PS("negative", 1, 0xffff, 0, "r-1\0");
	PS("bad-letter", 1, 0xffff, 0, "x1\0");
	PS("no-domid", 1, 0xffff, 0, "r\0");
	PS("junk", 1, 0xffff, 0, "r1junk\0");
	PS("hex-empty", 1, 0xffff, 0, "r0x\0");
	PS("octal-8", 1, 0xffff, 0, "r08\0");
	PS("huge", 1, 0xffff, 0, "r99999999999999999999999\0");
	PS("no-final-nul", 1, 0xffff, 0, "n0\0r1");
	PS("empty-entry", 1, 0xffff, 0, "n0\0\0");
	PS("nothing", 1, 0xffff, 0, "");
	put16(&b, 1);
	put16(&b, 0xffff);
	put8(&b, 0);
	put8(&b, 0);
	put8(&b, 1);
	put16(&b, 4000);
	for (i = 0; i < 1300; i++)
		put(&b, "r1\0", 3);
	save("perms", "many-entries", &b);
	free(b.p);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	seeds_session();
	seeds_wire();
	seeds_ring();
	seeds_path();
	seeds_perms();
	return 0;
}
