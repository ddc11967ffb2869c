/*
 * batch.h: a sequence of requests run one after the other on one
 * connection, as a synchronous client (libxenstore, a kernel thread)
 * issues them, optionally inside a transaction.
 *
 * Each request carries its expectation: success, an exact value (READ),
 * or a given error.  Anything else is a failure (counted and described;
 * the batch stops, a transaction is aborted).  A transaction whose
 * commit answers EAGAIN is retried from TRANSACTION_START, a bounded
 * number of times, as libxl and the Linux xenbus driver do; each retry
 * is counted in stats.eagain.
 *
 * batch_run() takes ownership of the batch and frees it after calling
 * done (which may start new batches).  done gets 0 or -EPROTO.
 */
#ifndef XS_STRESS_BATCH_H
#define XS_STRESS_BATCH_H

#include <stdbool.h>
#include <stdint.h>

struct xsconn;
struct xsreply;
struct batch;

struct batch_done {
	void (*fn)(void *arg, int rc);
	void *arg;
};

/* Called for every reply that met its expectation (i: request index). */
struct batch_inspect {
	bool (*fn)(void *arg, unsigned i, const struct xsreply *r);
	void *arg;	/* fn returns false to fail the batch */
};

struct batch *batch_new(struct xsconn *c, bool txn, const char *who);
void batch_set_inspect(struct batch *b, const struct batch_inspect *in);

/* Generic request: payload of len bytes; err NULL means "must succeed". */
unsigned batch_req(struct batch *b, uint32_t type, const void *payload,
    uint32_t len, const char *err);
unsigned batch_write(struct batch *b, const char *path, const char *val);
/* expect NULL: any value. */
unsigned batch_read(struct batch *b, const char *path, const char *expect);
unsigned batch_mkdir(struct batch *b, const char *path);
/* Removal that tolerates a missing node. */
unsigned batch_rm(struct batch *b, const char *path);
unsigned batch_dir(struct batch *b, const char *path);
/* perms: NULL-terminated list such as "n0", "r5". */
unsigned batch_perms(struct batch *b, const char *path, ...)
    __attribute__((sentinel));
unsigned batch_watch(struct batch *b, const char *path, const char *token);
unsigned batch_unwatch(struct batch *b, const char *path, const char *token);
/* Payload of NUL-terminated strings, NULL-terminated argument list. */
unsigned batch_strs(struct batch *b, uint32_t type, const char *err, ...)
    __attribute__((sentinel));
/* The request i must fail with error err (e.g. "EACCES"). */
void batch_expect_err(struct batch *b, unsigned i, const char *err);
/* The request i may also fail with err (and then counts as passed). */
void batch_allow_err(struct batch *b, unsigned i, const char *err);

void batch_run(struct batch *b, const struct batch_done *done);

/* Helpers for inspectors: does a DIRECTORY reply list name? */
bool reply_lists(const struct xsreply *r, const char *name);

#endif
