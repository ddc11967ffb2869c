/*
 * request.h: one request being handled: the dispatch of a framed message
 * to its handler (request.c) and what handlers share (ops_*.c).  Handlers
 * never do I/O: they fill the reply buffer and return 0 or a negative
 * errno; request.c queues the reply or the error.
 */
#ifndef REQUEST_H
#define REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "perms.h"
#include "wire.h"

struct conn;
struct txn;
struct xsd;

#define REQ_ARGV 8

struct req {
	struct xsd *x;
	struct conn *c;
	const struct wire_req *w;
	struct txn *txn;		/* the request's transaction, or NULL */
	struct caller who;
	const char *argv[REQ_ARGV];	/* first strings of the payload */
	size_t argc;			/* number of strings (NULs) */
	char *out;			/* reply payload buffer */
	size_t outlen;			/* > XENSTORE_PAYLOAD_MAX: E2BIG */
	bool replied;			/* handler queued its own reply */
};

#define REQ_OUT_MAX (XENSTORE_PAYLOAD_MAX + 64)

/* Handle one complete request from `c` (and queue its answer). */
void request_handle(struct xsd *x, struct conn *c, const struct wire_req *w);

/* Reply "OK\0". */
int req_ok(struct req *r);
/* Reply with a NUL-terminated string. */
int req_str(struct req *r, const char *s);
/* Queue the reply now (for handlers that queue more after it). */
int req_reply_now(struct req *r);

/* Handlers, by file. */
int op_read(struct req *r);
int op_write(struct req *r);
int op_mkdir(struct req *r);
int op_rm(struct req *r);
int op_directory(struct req *r);
int op_directory_part(struct req *r);
int op_get_perms(struct req *r);
int op_set_perms(struct req *r);
int op_watch(struct req *r);
int op_unwatch(struct req *r);
int op_reset_watches(struct req *r);
int op_transaction_start(struct req *r);
int op_transaction_end(struct req *r);
int op_introduce(struct req *r);
int op_release(struct req *r);
int op_resume(struct req *r);
int op_set_target(struct req *r);
int op_get_domain_path(struct req *r);
int op_is_domain_introduced(struct req *r);
int op_get_feature(struct req *r);
int op_set_feature(struct req *r);
int op_get_quota(struct req *r);
int op_set_quota(struct req *r);
int op_control(struct req *r);

/* Parse a domid argument: strict decimal 0..65535. */
int req_domid(const char *s, unsigned *out);

#endif
