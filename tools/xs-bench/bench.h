/*
 * bench.h: what the xs-bench front end (xs-bench.c) shares with the two
 * engines: the raw-protocol epoll engine (engine.c) and the libxenstore
 * one (libxs.c).
 */
#ifndef XSB_BENCH_H
#define XSB_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "proto.h"
#include "transport.h"

enum xsb_op {
	OP_READ,
	OP_WRITE,
	OP_DIRECTORY,
	OP_GET_PERMS,
	OP_MKDIR_RM,
	OP_TRANSACTION,
	OP_WATCH_EVENT,
	/* Transaction variants (not in "all"), for conflict behaviour: */
	OP_TXN_BLIND,		/* START, WRITE key, END */
	OP_TXN_CREATE,		/* START, WRITE a new child of one shared
				 * directory, END; then RM it */
	OP_TXN_SHARED_READ,	/* START, READ one shared node, WRITE key,
				 * END */
	OP_TXN_SLEEP,		/* START, WRITE key, sleep, WRITE key's
				 * sibling, END */
	OP_POPULATE,		/* --tree: writes below <prefix>/tree */
	OP_SETUP,		/* the keys the measured operations use */
	OP_COUNT
};

extern const char *const xsb_op_names[OP_COUNT];

/* The last test "all" selects, and the last one -t accepts. */
#define OP_ALL_LAST OP_WATCH_EVENT
#define OP_USER_LAST OP_TXN_SLEEP

/* Is op one transaction (retried as a whole on EAGAIN at its commit)? */
static inline bool
xsb_op_is_txn(enum xsb_op op)
{
	return op == OP_TRANSACTION || (op >= OP_TXN_BLIND &&
	    op <= OP_TXN_SLEEP);
}

/* Longest path xs-bench builds below the prefix (the prefix itself is
 * limited to XSB_PREFIX_MAX bytes). */
#define XSB_PREFIX_MAX 128
#define XSB_PATH_MAX (XSB_PREFIX_MAX + 96)

struct xsb_config {
	const struct xsb_transport *tr;
	const char *socket;
	const char *prefix;
	unsigned clients;
	unsigned threads;
	unsigned pipeline;
	unsigned watchers;
	unsigned retries;	/* EAGAIN retries before giving up */
	uint64_t keys;
	size_t value_size;
	const char *value;	/* value_size bytes */
	bool shared;		/* all clients use the same keys */
	uint64_t txn_sleep_ns;	/* txn-sleep: pause between the writes */
	int stall_ms;		/* no progress for this long: fail */
};

struct xsb_result {
	enum xsb_op op;
	unsigned clients;
	unsigned pipeline;
	uint64_t ops;		/* completed operations (events for
				 * watch-event) */
	uint64_t writes;	/* watch-event: writes made */
	double seconds;
	struct hist *hist;
	uint64_t errors[XSB_NERR];	/* unexpected error replies */
	uint64_t eagain;	/* EAGAIN replies (transaction retries) */
	uint64_t giveups;	/* transactions abandoned after retries */
	uint64_t max_retries;	/* most retries one transaction needed */
	int64_t daemon_cpu_ns;	/* --pid: the daemon's CPU time, or -1 */
	bool failed;		/* protocol error or broken connection */
	char why[256];
};

/* Run n operations of op over `clients` fresh connections (1 writer and
 * cfg->watchers watchers for OP_WATCH_EVENT), `pipeline` requests in
 * flight per connection.  0 when the run completed (res may still count
 * error replies), -1 with res->failed and res->why set otherwise. */
int xsb_run_raw(const struct xsb_config *cfg, enum xsb_op op, uint64_t n,
    unsigned clients, unsigned pipeline, struct xsb_result *res);
/* The same through libxenstore: one thread and one xs_handle per client,
 * for read, write, directory, get-perms, mkdir-rm and transaction. */
int xsb_run_libxs(const struct xsb_config *cfg, enum xsb_op op, uint64_t n,
    struct xsb_result *res);

/* Paths (buf has XSB_PATH_MAX bytes). */
void xsb_key_path(const struct xsb_config *cfg, char *buf, unsigned client,
    uint64_t key);
void xsb_mkdir_path(const struct xsb_config *cfg, char *buf, unsigned client,
    uint64_t key);
void xsb_dir_path(const struct xsb_config *cfg, char *buf, unsigned client);
void xsb_tree_path(const struct xsb_config *cfg, char *buf, uint64_t i);
void xsb_watch_path(const struct xsb_config *cfg, char *buf, uint64_t key);
void xsb_watch_root(const struct xsb_config *cfg, char *buf);
/* txn-create's shared parent, and its children. */
void xsb_create_root(const struct xsb_config *cfg, char *buf);
void xsb_create_path(const struct xsb_config *cfg, char *buf, unsigned client,
    uint64_t key);
/* txn-shared-read's shared node (written once before the tests). */
void xsb_hot_path(const struct xsb_config *cfg, char *buf);

/* The value of a write: cfg->value_size bytes, starting with the client
 * and a per-client count in hex, so that successive writes change the
 * node (a daemon may treat rewriting identical bytes as a no-op). */
void xsb_value(const struct xsb_config *cfg, char *buf, unsigned client,
    uint64_t n);

uint64_t xsb_now_ns(void);
/* Flag a failure in res (first message wins).  Returns -1. */
int xsb_fail(struct xsb_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
