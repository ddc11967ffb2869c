/*
 * request.c: dispatch of one request, in the C daemon's order of checks
 * (wire.md §10): unknown type -> ENOSYS; privileged-only type from an
 * unprivileged connection -> EACCES; a non-zero tx_id must name an open
 * transaction of this connection (except WATCH/UNWATCH, which ignore it)
 * -> ENOENT; a request that takes one string (READ, RM, ...) must be
 * exactly that string, else EINVAL; then the handler.  Replies longer
 * than 4096 bytes become E2BIG.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "request.h"
#include "txn.h"
#include "xs_errors.h"

#define F_PRIV 0x1	/* privileged callers only */
#define F_NOTID 0x2	/* tx_id is not looked up */
#define F_ONEARG 0x4	/* exactly one string: the C daemon's onearg() */

static const struct {
	int (*fn)(struct req *r);
	unsigned flags;
} table[XSD_TYPE_LIMIT] = {
	[XS_CONTROL] = { op_control, F_PRIV },
	[XS_DIRECTORY] = { op_directory, F_ONEARG },
	[XS_READ] = { op_read, F_ONEARG },
	[XS_GET_PERMS] = { op_get_perms, F_ONEARG },
	[XS_WATCH] = { op_watch, F_NOTID },
	[XS_UNWATCH] = { op_unwatch, F_NOTID },
	[XS_TRANSACTION_START] = { op_transaction_start, 0 },
	[XS_TRANSACTION_END] = { op_transaction_end, 0 },
	[XS_INTRODUCE] = { op_introduce, F_PRIV },
	[XS_RELEASE] = { op_release, F_PRIV | F_ONEARG },
	[XS_GET_DOMAIN_PATH] = { op_get_domain_path, F_ONEARG },
	[XS_WRITE] = { op_write, 0 },
	[XS_MKDIR] = { op_mkdir, F_ONEARG },
	[XS_RM] = { op_rm, F_ONEARG },
	[XS_SET_PERMS] = { op_set_perms, 0 },
	[XS_IS_DOMAIN_INTRODUCED] = { op_is_domain_introduced,
	    F_PRIV | F_ONEARG },
	[XS_RESUME] = { op_resume, F_PRIV | F_ONEARG },
	[XS_SET_TARGET] = { op_set_target, F_PRIV },
	[XS_RESET_WATCHES] = { op_reset_watches, 0 },
	[XS_DIRECTORY_PART] = { op_directory_part, 0 },
	[XS_GET_FEATURE] = { op_get_feature, 0 },
	[XS_SET_FEATURE] = { op_set_feature, F_PRIV },
	[XS_GET_QUOTA] = { op_get_quota, F_PRIV },
	[XS_SET_QUOTA] = { op_set_quota, F_PRIV },
};

int
req_ok(struct req *r)
{
	memcpy(r->out, "OK", 3);
	r->outlen = 3;
	return 0;
}

int
req_str(struct req *r, const char *s)
{
	size_t n = strlen(s) + 1;

	if (n > REQ_OUT_MAX) {
		r->outlen = XENSTORE_PAYLOAD_MAX + 1;	/* -> E2BIG */
		return 0;
	}
	memcpy(r->out, s, n);
	r->outlen = n;
	return 0;
}

int
req_reply_now(struct req *r)
{
	int rc = conn_queue(r->c, r->w->hdr.type, r->w->hdr.req_id,
	    r->w->hdr.tx_id, r->out, r->outlen);

	r->replied = true;
	return rc;
}

int
req_domid(const char *s, unsigned *out)
{
	unsigned long v;

	if (!wire_uint(s, 65535, &v))
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static void
send_error(struct xsd *x, struct conn *c, const struct wire_req *w, int err)
{
	int known;
	const char *name = xs_error_name(err, &known);

	if (!known)
		log_warn(&x->log, "untranslatable error %d on conn %lu", err,
		    c->id);
	x->stats.errors++;
	conn_queue(c, XS_ERROR, w->hdr.req_id, w->hdr.tx_id, name,
	    strlen(name) + 1);
}

/*
 * What a transaction holds is charged to its domain (XSA-326): once the
 * domain is at its memory quota its transactions take no more requests
 * (but their end) and fail, as the C daemon's do.
 */
static bool
txn_over_quota(struct xsd *x, struct conn *c, struct txn *t, uint32_t type)
{
	if (c->priv || c->dom == NULL || type == XS_TRANSACTION_END ||
	    !quota_exceeded(&c->dom->quota, Q_MEMORY, daemon_charged(x, c->dom)))
		return false;
	t->failed = -ENOMEM;
	return true;
}

/*
 * The store memory a request in transaction `id` made the store allocate
 * is that transaction's (nothing else allocates from the store while a
 * request inside one is handled).  The request may have ended it.
 */
static void
charge(struct xsd *x, struct conn *c, uint32_t id, uint64_t before)
{
	uint64_t now = trie_ctx_live_bytes(x->store.cx);
	struct txn *t = txn_find(c, id);

	if (t != NULL && now > before)
		txn_charge(c, t, (size_t)(now - before));
}

void
request_handle(struct xsd *x, struct conn *c, const struct wire_req *w)
{
	struct req r;
	uint32_t type = w->hdr.type;
	uint64_t before;
	int rc;

	x->stats.requests++;
	c->reqs++;
	if (log_tracing(&x->log))
		log_access(&x->log, c->id, "IN", type, w->hdr.tx_id,
		    w->hdr.req_id, w->body, w->len);
	if (type >= XSD_TYPE_LIMIT || table[type].fn == NULL) {
		send_error(x, c, w, -ENOSYS);
		return;
	}
	if ((table[type].flags & F_PRIV) && !c->priv) {
		send_error(x, c, w, -EACCES);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.x = x;
	r.c = c;
	r.w = w;
	r.out = x->reply;
	if (!(table[type].flags & F_NOTID) && w->hdr.tx_id != 0) {
		r.txn = txn_find(c, w->hdr.tx_id);
		if (r.txn == NULL) {
			send_error(x, c, w, -ENOENT);
			return;
		}
	}
	r.argc = wire_args(w->body, w->len, r.argv, REQ_ARGV);
	/* One string filling the payload: no extra argument, no tail. */
	if ((table[type].flags & F_ONEARG) && (r.argc != 1 ||
	    w->body[w->len - 1] != '\0')) {
		send_error(x, c, w, -EINVAL);
		return;
	}
	if (r.txn != NULL && txn_over_quota(x, c, r.txn, type)) {
		send_error(x, c, w, -ENOMEM);
		return;
	}
	daemon_caller(x, c, &r.who);
	before = trie_ctx_live_bytes(x->store.cx);
	rc = table[type].fn(&r);
	if (r.txn != NULL)
		charge(x, c, w->hdr.tx_id, before);
	if (r.replied || c->closing)
		return;
	if (rc == 0 && r.outlen > XENSTORE_PAYLOAD_MAX)
		rc = -E2BIG;
	if (rc < 0) {
		send_error(x, c, w, rc);
		return;
	}
	conn_queue(c, type, w->hdr.req_id, w->hdr.tx_id, r.out, r.outlen);
}
