/*
 * batch.c: running a struct batch: one request at a time, expectations,
 * transactions and their EAGAIN retries.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xs_wire.h>

#include "batch.h"
#include "stats.h"
#include "util.h"
#include "xsconn.h"

#define BATCH_TRIES 500

struct bop {
	uint32_t type;
	uint32_t len;
	char *payload;
	char *expect;		/* READ: the exact value, NULL for any */
	uint32_t elen;
	const char *err;	/* must fail with this error */
	const char *allow;	/* may fail with this error */
};

enum bphase { B_START, B_OPS, B_END, B_ABORT, B_RETRY };

struct batch {
	struct xsconn *c;
	char who[48];
	bool txn;
	struct bop *ops;
	unsigned n, cap, pos, tries;
	uint32_t txid;
	enum bphase phase;
	struct batch_done done;
	struct batch_inspect in;
};

static const char *
type_name(uint32_t t)
{
	static const char *const names[] = {
		"CONTROL", "DIRECTORY", "READ", "GET_PERMS", "WATCH",
		"UNWATCH", "TRANSACTION_START", "TRANSACTION_END",
		"INTRODUCE", "RELEASE", "GET_DOMAIN_PATH", "WRITE", "MKDIR",
		"RM", "SET_PERMS", "WATCH_EVENT", "ERROR",
		"IS_DOMAIN_INTRODUCED", "RESUME", "SET_TARGET", "RESTRICT",
		"RESET_WATCHES", "DIRECTORY_PART",
	};

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

struct batch *
batch_new(struct xsconn *c, bool txn, const char *who)
{
	struct batch *b = xcalloc(1, sizeof(*b));

	b->c = c;
	b->txn = txn;
	snprintf(b->who, sizeof(b->who), "%s", who);
	return b;
}

void
batch_set_inspect(struct batch *b, const struct batch_inspect *in)
{
	b->in = *in;
}

static void
batch_free(struct batch *b)
{
	unsigned i;

	for (i = 0; i < b->n; i++) {
		free(b->ops[i].payload);
		free(b->ops[i].expect);
	}
	free(b->ops);
	free(b);
}

unsigned
batch_req(struct batch *b, uint32_t type, const void *payload, uint32_t len,
    const char *err)
{
	struct bop *op;

	if (b->n == b->cap) {
		b->cap = b->cap != 0 ? b->cap * 2 : 8;
		b->ops = xrealloc(b->ops, b->cap * sizeof(*b->ops));
	}
	op = &b->ops[b->n];
	memset(op, 0, sizeof(*op));
	op->type = type;
	op->len = len;
	op->payload = xmemdup(payload, len);
	op->err = err;
	return b->n++;
}

/* Strings joined with their NULs. */
static unsigned
req_strv(struct batch *b, uint32_t type, const char *err, va_list ap)
{
	char buf[XENSTORE_PAYLOAD_MAX + 64];
	const char *s;
	size_t n = 0, l;

	while ((s = va_arg(ap, const char *)) != NULL) {
		l = strlen(s) + 1;
		if (n + l > sizeof(buf))
			l = 0;	/* oversized: sent short, fails visibly */
		memcpy(buf + n, s, l);
		n += l;
	}
	return batch_req(b, type, buf, (uint32_t)n, err);
}

unsigned
batch_strs(struct batch *b, uint32_t type, const char *err, ...)
{
	va_list ap;
	unsigned i;

	va_start(ap, err);
	i = req_strv(b, type, err, ap);
	va_end(ap);
	return i;
}

unsigned
batch_write(struct batch *b, const char *path, const char *val)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t pl = strlen(path) + 1, vl = strlen(val);

	if (pl + vl > sizeof(buf))
		vl = sizeof(buf) - pl;
	memcpy(buf, path, pl);
	memcpy(buf + pl, val, vl);
	return batch_req(b, XS_WRITE, buf, (uint32_t)(pl + vl), NULL);
}

unsigned
batch_read(struct batch *b, const char *path, const char *expect)
{
	unsigned i = batch_strs(b, XS_READ, NULL, path, NULL);

	if (expect != NULL) {
		b->ops[i].elen = (uint32_t)strlen(expect);
		b->ops[i].expect = xmemdup(expect, b->ops[i].elen);
	}
	return i;
}

unsigned
batch_mkdir(struct batch *b, const char *path)
{
	return batch_strs(b, XS_MKDIR, NULL, path, NULL);
}

unsigned
batch_rm(struct batch *b, const char *path)
{
	unsigned i = batch_strs(b, XS_RM, NULL, path, NULL);

	b->ops[i].allow = "ENOENT";
	return i;
}

unsigned
batch_dir(struct batch *b, const char *path)
{
	return batch_strs(b, XS_DIRECTORY, NULL, path, NULL);
}

unsigned
batch_perms(struct batch *b, const char *path, ...)
{
	char buf[512];
	const char *s;
	size_t n, l;
	va_list ap;

	n = strlen(path) + 1;
	memcpy(buf, path, n < sizeof(buf) ? n : sizeof(buf));
	va_start(ap, path);
	while ((s = va_arg(ap, const char *)) != NULL) {
		l = strlen(s) + 1;
		if (n + l <= sizeof(buf)) {
			memcpy(buf + n, s, l);
			n += l;
		}
	}
	va_end(ap);
	return batch_req(b, XS_SET_PERMS, buf, (uint32_t)n, NULL);
}

unsigned
batch_watch(struct batch *b, const char *path, const char *token)
{
	return batch_strs(b, XS_WATCH, NULL, path, token, NULL);
}

unsigned
batch_unwatch(struct batch *b, const char *path, const char *token)
{
	return batch_strs(b, XS_UNWATCH, NULL, path, token, NULL);
}

void
batch_expect_err(struct batch *b, unsigned i, const char *err)
{
	b->ops[i].err = err;
}

void
batch_allow_err(struct batch *b, unsigned i, const char *err)
{
	b->ops[i].allow = err;
}

bool
reply_lists(const struct xsreply *r, const char *name)
{
	const char *p = r->body, *end = r->body + r->len;
	size_t l = strlen(name);

	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));

		if (z == NULL)
			z = end;
		if ((size_t)(z - p) == l && memcmp(p, name, l) == 0)
			return true;
		p = z + 1;
	}
	return false;
}

/* ---- running ----------------------------------------------------- */

static void step(struct batch *b);
static void on_reply(void *arg, const struct xsreply *r);

static void
finish(struct batch *b, int rc)
{
	struct batch_done d = b->done;

	batch_free(b);
	if (d.fn != NULL)
		d.fn(d.arg, rc);
}

static void
send_req(struct batch *b, uint32_t type, uint32_t tx, const void *p,
    uint32_t len)
{
	struct xsreq_cb cb = { on_reply, b };
	int rc;

	rc = xsconn_request(b->c, type, tx, p, len, &cb);
	if (rc < 0) {
		stats_fail(xsconn_stats(b->c), FAIL_PROTO, "%s: %s: cannot "
		    "send (%s)", b->who, type_name(type), strerror(-rc));
		finish(b, -EPROTO);
	}
}

static void
printable(const char *s, uint32_t len, char *buf, size_t sz)
{
	size_t i, n = len < sz - 1 ? len : sz - 1;

	for (i = 0; i < n; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '.';
	buf[n] = '\0';
}

static void
fail(struct batch *b, enum fail_kind kind, const char *fmt, const char *a,
    const char *c)
{
	const struct bop *op = &b->ops[b->pos < b->n ? b->pos : 0];
	char what[256], path[128];

	snprintf(what, sizeof(what), fmt, a, c);
	if (b->pos < b->n && b->phase == B_OPS) {
		printable(op->payload, (uint32_t)strnlen(op->payload,
		    op->len), path, sizeof(path));
		stats_fail(xsconn_stats(b->c), kind, "%s: %s %s%s: %s",
		    b->who, type_name(op->type), path, b->txn ?
		    " (in a transaction)" : "", what);
	} else {
		stats_fail(xsconn_stats(b->c), kind, "%s: transaction: %s",
		    b->who, what);
	}
}

/* Stop after a failure: abort an open transaction first. */
static void
bail(struct batch *b)
{
	if (b->txn && b->phase == B_OPS) {
		b->phase = B_ABORT;
		send_req(b, XS_TRANSACTION_END, b->txid, "F", 2);
		return;
	}
	finish(b, -EPROTO);
}

static void
step(struct batch *b)
{
	const struct bop *op;

	if (b->phase == B_OPS && b->pos < b->n) {
		op = &b->ops[b->pos];
		send_req(b, op->type, b->txn ? b->txid : 0, op->payload,
		    op->len);
	} else if (b->txn) {
		b->phase = B_END;
		send_req(b, XS_TRANSACTION_END, b->txid, "T", 2);
	} else {
		finish(b, 0);
	}
}

static void
restart(struct batch *b)
{
	if (++b->tries >= BATCH_TRIES) {
		fail(b, FAIL_PROTO, "still EAGAIN after %s tries%s", "500",
		    "");
		finish(b, -EPROTO);
		return;
	}
	b->phase = B_START;
	b->pos = 0;
	send_req(b, XS_TRANSACTION_START, 0, "", 1);
}

static void
op_reply(struct batch *b, const struct xsreply *r)
{
	const struct bop *op = &b->ops[b->pos];
	char got[80], want[80];

	if (r->type == XS_ERROR) {
		if ((op->err != NULL && strcmp(r->body, op->err) == 0) ||
		    (op->allow != NULL && strcmp(r->body, op->allow) == 0))
			goto next;
		if (b->txn && strcmp(r->body, "EAGAIN") == 0) {
			xsconn_stats(b->c)->eagain++;
			b->phase = B_RETRY;
			send_req(b, XS_TRANSACTION_END, b->txid, "F", 2);
			return;
		}
		fail(b, FAIL_PROTO, "error %s%s", r->body, op->err != NULL ?
		    " (expected another error)" : "");
		bail(b);
		return;
	}
	if (op->err != NULL) {
		fail(b, FAIL_PROTO, "succeeded, expected error %s%s", op->err,
		    "");
		bail(b);
		return;
	}
	if (op->expect != NULL && (r->len != op->elen ||
	    memcmp(r->body, op->expect, op->elen) != 0)) {
		printable(r->body, r->len, got, sizeof(got));
		printable(op->expect, op->elen, want, sizeof(want));
		fail(b, FAIL_MISMATCH, "read \"%s\", expected \"%s\"", got,
		    want);
		bail(b);
		return;
	}
	if (b->in.fn != NULL && !b->in.fn(b->in.arg, b->pos, r)) {
		bail(b);
		return;
	}
next:
	b->pos++;
	step(b);
}

static void
on_reply(void *arg, const struct xsreply *r)
{
	struct batch *b = arg;
	char *end;
	unsigned long v;

	switch (b->phase) {
	case B_START:
		v = strtoul(r->body, &end, 10);
		if (r->type == XS_ERROR || end == r->body || v == 0 ||
		    v > UINT32_MAX) {
			fail(b, FAIL_PROTO, "TRANSACTION_START: %s%s",
			    r->type == XS_ERROR ? r->body : "bad id", "");
			finish(b, -EPROTO);
			return;
		}
		b->txid = (uint32_t)v;
		b->phase = B_OPS;
		step(b);
		return;
	case B_OPS:
		op_reply(b, r);
		return;
	case B_END:
		if (r->type != XS_ERROR) {
			finish(b, 0);
		} else if (strcmp(r->body, "EAGAIN") == 0) {
			xsconn_stats(b->c)->eagain++;
			restart(b);
		} else {
			fail(b, FAIL_PROTO, "commit: error %s%s", r->body, "");
			finish(b, -EPROTO);
		}
		return;
	case B_RETRY:
		restart(b);
		return;
	case B_ABORT:
		finish(b, -EPROTO);
		return;
	}
}

void
batch_run(struct batch *b, const struct batch_done *done)
{
	if (done != NULL)
		b->done = *done;
	if (b->txn) {
		b->phase = B_START;
		send_req(b, XS_TRANSACTION_START, 0, "", 1);
	} else {
		b->phase = B_OPS;
		step(b);
	}
}
