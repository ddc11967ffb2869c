/*
 * engine.c: the raw-protocol engine.
 *
 * A phase opens its connections in the calling thread, hands them round
 * robin to worker threads and releases the workers together.  Each worker
 * drives its connections from one epoll loop, so thousands of connections
 * need no thread each.  A connection holds `pipeline` slots; every round
 * it sends one request per busy slot back to back, then waits for all the
 * replies before the next round (the -P semantics of redis-benchmark).  A
 * slot runs one operation, which may take several requests (mkdir-rm: 2,
 * transaction: 4 plus retries); its latency runs from the send of its
 * first request to the reply that completes it.  The transaction tests
 * follow a plan of steps (txn_plans below); an EAGAIN at the commit starts
 * the whole transaction over.  txn-sleep holds its connection back for
 * --txn-sleep between its two writes (the worker's epoll timeout wakes it).
 *
 * watch-event: connection 0 writes (pipelined like any client), the
 * watchers registered a watch on the parent of the written keys before
 * the start.  The daemon handles the writer's requests in order and
 * queues each watcher's events in order, so a watcher's k-th event
 * belongs to the k-th write: its latency is the arrival time minus the
 * send time of that write, which the writer published in wtimes[k].
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define RBUF_EXTRA (64 * 1024)

enum role { ROLE_CLIENT, ROLE_WATCHER };

struct slot {
	bool busy;		/* an operation is in progress */
	bool sent;		/* a request of it is in flight */
	bool failed;		/* an error reply: finish without latency */
	bool fresh;		/* claimed this round: stamp t0 at send */
	uint8_t step;
	uint32_t req_id;
	uint32_t type;
	uint32_t tx_id;
	unsigned retries;
	uint64_t op;		/* global index of the operation */
	uint64_t key;		/* key index for this connection */
	uint64_t t0;
};

struct worker;

struct conn {
	struct worker *w;
	uint64_t wake_at;	/* txn-sleep: next round not before this */
	bool deferred;		/* waiting for wake_at */
	struct xsb_link *link;
	int fd;
	unsigned id;		/* client number (key namespace) */
	enum role role;
	bool finished;
	bool exhausted;		/* nothing left to claim */
	bool out_armed;
	unsigned inflight;
	uint32_t next_req;
	uint64_t nops;		/* operations claimed (spreads keys) */
	uint64_t events;	/* watcher: events received */
	uint64_t writes;	/* writes sent (varies the value) */
	char *vbuf;		/* value of the write being built */
	char *rbuf;
	size_t rlen, rcap;
	char *wbuf;
	size_t wlen, woff, wcap;
	struct slot *slot;
};

struct phase {
	const struct xsb_config *cfg;
	enum xsb_op op;
	uint64_t n;
	unsigned pipeline;
	atomic_uint_fast64_t claimed;
	atomic_int abort;
	atomic_uint_fast64_t *wtimes;	/* watch-event: send time per write */
	atomic_uint_fast64_t wseq;
	pthread_barrier_t start;
};

struct worker {
	struct phase *ph;
	pthread_t tid;
	int epfd;
	struct conn **conns;
	unsigned nconns;
	unsigned live;
	unsigned deferred;	/* connections waiting for their wake_at */
	uint64_t t_start, t_end;
	struct xsb_result res;	/* this worker's share */
};

const char *const xsb_op_names[OP_COUNT] = {
	[OP_READ] = "read",
	[OP_WRITE] = "write",
	[OP_DIRECTORY] = "directory",
	[OP_GET_PERMS] = "get-perms",
	[OP_MKDIR_RM] = "mkdir-rm",
	[OP_TRANSACTION] = "transaction",
	[OP_WATCH_EVENT] = "watch-event",
	[OP_TXN_BLIND] = "txn-blind",
	[OP_TXN_CREATE] = "txn-create",
	[OP_TXN_SHARED_READ] = "txn-shared-read",
	[OP_TXN_SLEEP] = "txn-sleep",
	[OP_POPULATE] = "populate",
	[OP_SETUP] = "setup",
};

uint64_t
xsb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
xsb_fail(struct xsb_result *res, const char *fmt, ...)
{
	va_list ap;

	if (!res->failed) {
		res->failed = true;
		va_start(ap, fmt);
		vsnprintf(res->why, sizeof(res->why), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ---- paths and values ---------------------------------------------- */

void
xsb_value(const struct xsb_config *cfg, char *buf, unsigned client,
    uint64_t n)
{
	char tag[40];
	int len;

	memcpy(buf, cfg->value, cfg->value_size);
	len = snprintf(tag, sizeof(tag), "%x.%llx.", client,
	    (unsigned long long)n);
	memcpy(buf, tag, (size_t)len < cfg->value_size ? (size_t)len :
	    cfg->value_size);
}

void
xsb_dir_path(const struct xsb_config *cfg, char *buf, unsigned client)
{
	if (cfg->shared)
		snprintf(buf, XSB_PATH_MAX, "%s/shared", cfg->prefix);
	else
		snprintf(buf, XSB_PATH_MAX, "%s/c%u", cfg->prefix, client);
}

void
xsb_key_path(const struct xsb_config *cfg, char *buf, unsigned client,
    uint64_t key)
{
	if (cfg->shared)
		snprintf(buf, XSB_PATH_MAX, "%s/shared/k%llu", cfg->prefix,
		    (unsigned long long)key);
	else
		snprintf(buf, XSB_PATH_MAX, "%s/c%u/k%llu", cfg->prefix,
		    client, (unsigned long long)key);
}

void
xsb_mkdir_path(const struct xsb_config *cfg, char *buf, unsigned client,
    uint64_t key)
{
	if (cfg->shared)
		snprintf(buf, XSB_PATH_MAX, "%s/shared/m%llu", cfg->prefix,
		    (unsigned long long)key);
	else
		snprintf(buf, XSB_PATH_MAX, "%s/c%u/m%llu", cfg->prefix,
		    client, (unsigned long long)key);
}

/* Leaves at depth 6 when the prefix is one component:
 * <prefix>/tree/a<i%16>/b<i/16%16>/c<i/256%16>/n<i>. */
void
xsb_tree_path(const struct xsb_config *cfg, char *buf, uint64_t i)
{
	snprintf(buf, XSB_PATH_MAX, "%s/tree/a%u/b%u/c%u/n%llu", cfg->prefix,
	    (unsigned)(i % 16), (unsigned)(i / 16 % 16),
	    (unsigned)(i / 256 % 16), (unsigned long long)i);
}

void
xsb_watch_root(const struct xsb_config *cfg, char *buf)
{
	snprintf(buf, XSB_PATH_MAX, "%s/watch", cfg->prefix);
}

void
xsb_watch_path(const struct xsb_config *cfg, char *buf, uint64_t key)
{
	snprintf(buf, XSB_PATH_MAX, "%s/watch/k%llu", cfg->prefix,
	    (unsigned long long)key);
}

void
xsb_create_root(const struct xsb_config *cfg, char *buf)
{
	snprintf(buf, XSB_PATH_MAX, "%s/create", cfg->prefix);
}

void
xsb_create_path(const struct xsb_config *cfg, char *buf, unsigned client,
    uint64_t key)
{
	snprintf(buf, XSB_PATH_MAX, "%s/create/c%uk%llu", cfg->prefix, client,
	    (unsigned long long)key);
}

void
xsb_hot_path(const struct xsb_config *cfg, char *buf)
{
	snprintf(buf, XSB_PATH_MAX, "%s/hot", cfg->prefix);
}

/* ---- transaction plans --------------------------------------------- */

enum txn_step {
	TS_DONE, TS_START, TS_READ_KEY, TS_READ_HOT, TS_WRITE_KEY,
	TS_WRITE_SIB, TS_WRITE_NEW, TS_END, TS_RM_NEW,
};

#define TXN_MAX_STEPS 6

static const uint8_t txn_plans[OP_COUNT][TXN_MAX_STEPS] = {
	[OP_TRANSACTION] = { TS_START, TS_READ_KEY, TS_WRITE_KEY, TS_END },
	[OP_TXN_BLIND] = { TS_START, TS_WRITE_KEY, TS_END },
	[OP_TXN_CREATE] = { TS_START, TS_WRITE_NEW, TS_END, TS_RM_NEW },
	[OP_TXN_SHARED_READ] = { TS_START, TS_READ_HOT, TS_WRITE_KEY,
	    TS_END },
	[OP_TXN_SLEEP] = { TS_START, TS_WRITE_KEY, TS_WRITE_SIB, TS_END },
};

static enum txn_step
txn_step(enum xsb_op op, unsigned step)
{
	return step < TXN_MAX_STEPS ? (enum txn_step)txn_plans[op][step] :
	    TS_DONE;
}

static unsigned
txn_end_step(enum xsb_op op)
{
	unsigned i;

	for (i = 0; txn_step(op, i) != TS_END; i++)
		;
	return i;
}

/* The request of a transaction's current step. */
static void
txn_request(struct conn *c, struct slot *s, char *path, uint32_t *type,
    uint32_t *tx, bool *write)
{
	const struct xsb_config *cfg = c->w->ph->cfg;

	*tx = s->tx_id;
	switch (txn_step(c->w->ph->op, s->step)) {
	case TS_START:
		*type = XS_TRANSACTION_START;
		*tx = 0;
		path[0] = '\0';	/* payload "\0", as libxenstore */
		break;
	case TS_READ_KEY:
		xsb_key_path(cfg, path, c->id, s->key);
		*type = XS_READ;
		break;
	case TS_READ_HOT:
		xsb_hot_path(cfg, path);
		*type = XS_READ;
		break;
	case TS_WRITE_KEY:
	case TS_WRITE_SIB:
		xsb_key_path(cfg, path, c->id, s->key);
		if (txn_step(c->w->ph->op, s->step) == TS_WRITE_SIB)
			strcat(path, "s");
		*type = XS_WRITE;
		*write = true;
		break;
	case TS_WRITE_NEW:
		xsb_create_path(cfg, path, c->id, s->key);
		*type = XS_WRITE;
		*write = true;
		break;
	case TS_END:
		*type = XS_TRANSACTION_END;
		strcpy(path, s->failed ? "F" : "T");
		break;
	case TS_RM_NEW:
		xsb_create_path(cfg, path, c->id, s->key);
		*type = XS_RM;
		*tx = 0;
		break;
	default:
		break;
	}
}

/* ---- one connection ------------------------------------------------ */

static int
conn_fail(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
conn_fail(struct conn *c, const char *fmt, ...)
{
	struct xsb_result *res = &c->w->res;
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xsb_fail(res, "connection %u: %s", c->id, msg);
	atomic_store(&c->w->ph->abort, 1);
	return -1;
}

static void
conn_finish(struct conn *c)
{
	if (!c->finished) {
		c->finished = true;
		c->w->live--;
	}
}

static void
arm_out(struct conn *c, bool on)
{
	struct epoll_event ev = { .data.ptr = c };

	if (!c->w->ph->cfg->tr->fd_signals_writable || c->out_armed == on)
		return;
	ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
	if (epoll_ctl(c->w->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->out_armed = on;
}

static int
conn_flush(struct conn *c)
{
	const struct xsb_transport *t = c->w->ph->cfg->tr;
	ssize_t n;

	while (c->woff < c->wlen) {
		n = t->send(c->link, c->wbuf + c->woff, c->wlen - c->woff);
		if (n == -EAGAIN) {
			arm_out(c, true);
			return 0;
		}
		if (n <= 0)
			return conn_fail(c, "send: %s",
			    strerror(n == 0 ? EPIPE : (int)-n));
		c->woff += (size_t)n;
	}
	c->woff = c->wlen = 0;
	arm_out(c, false);
	return 0;
}

/* Append a request for the slot's current step. */
static void
put_request(struct conn *c, struct slot *s)
{
	const struct xsb_config *cfg = c->w->ph->cfg;
	struct phase *ph = c->w->ph;
	char path[XSB_PATH_MAX];
	bool write = false;
	uint32_t type = XS_READ, tx = 0;
	uint64_t seq;

	switch (ph->op) {
	case OP_READ:
		xsb_key_path(cfg, path, c->id, s->key);
		type = XS_READ;
		break;
	case OP_WRITE:
		xsb_key_path(cfg, path, c->id, s->key);
		type = XS_WRITE;
		write = true;
		break;
	case OP_DIRECTORY:
		xsb_dir_path(cfg, path, c->id);
		type = XS_DIRECTORY;
		break;
	case OP_GET_PERMS:
		xsb_key_path(cfg, path, c->id, s->key);
		type = XS_GET_PERMS;
		break;
	case OP_MKDIR_RM:
		xsb_mkdir_path(cfg, path, c->id, s->key);
		type = s->step == 0 ? XS_MKDIR : XS_RM;
		break;
	case OP_WATCH_EVENT:
		xsb_watch_path(cfg, path, s->key);
		type = XS_WRITE;
		write = true;
		seq = atomic_fetch_add(&ph->wseq, 1);
		/* Stamped again right before the send; this orders the slot
		 * with the sequence the daemon will see. */
		s->op = seq;
		break;
	case OP_POPULATE:
		xsb_tree_path(cfg, path, s->op);
		type = XS_WRITE;
		write = true;
		break;
	case OP_SETUP:
		if (cfg->shared)
			xsb_key_path(cfg, path, 0, s->op);
		else
			xsb_key_path(cfg, path, (unsigned)(s->op / cfg->keys),
			    s->op % cfg->keys);
		type = XS_WRITE;
		write = true;
		break;
	default:
		if (xsb_op_is_txn(ph->op))
			txn_request(c, s, path, &type, &tx, &write);
		break;
	}
	if (write)
		xsb_value(cfg, c->vbuf, c->id, c->writes++);
	s->type = type;
	s->req_id = c->next_req++;
	s->sent = true;
	c->inflight++;
	c->wlen += xsb_put(c->wbuf + c->wlen, type, s->req_id, tx, path,
	    strlen(path) + 1, c->vbuf, write ? cfg->value_size : 0);
}

static bool
claim(struct conn *c, struct slot *s)
{
	struct phase *ph = c->w->ph;
	uint64_t i;

	if (c->exhausted)
		return false;
	i = atomic_fetch_add(&ph->claimed, 1);
	if (i >= ph->n) {
		c->exhausted = true;
		return false;
	}
	memset(s, 0, sizeof(*s));
	s->busy = true;
	s->fresh = true;
	s->op = i;
	s->key = c->nops++ % ph->cfg->keys;
	return true;
}

/* Send the next round: one request per busy slot, new operations for
 * idle slots while there are any left. */
static int
start_round(struct conn *c)
{
	struct phase *ph = c->w->ph;
	unsigned i;
	uint64_t t;

	if (atomic_load_explicit(&ph->abort, memory_order_relaxed))
		return -1;
	for (i = 0; i < ph->pipeline; i++) {
		struct slot *s = &c->slot[i];

		if (!s->busy && !claim(c, s))
			continue;
		put_request(c, s);
	}
	if (c->inflight == 0) {
		conn_finish(c);
		return 0;
	}
	t = xsb_now_ns();
	for (i = 0; i < ph->pipeline; i++) {
		struct slot *s = &c->slot[i];

		if (s->fresh) {
			s->fresh = false;
			s->t0 = t;
		}
		if (ph->op == OP_WATCH_EVENT && s->sent && s->step == 0)
			atomic_store_explicit(&ph->wtimes[s->op], t,
			    memory_order_release);
	}
	return conn_flush(c);
}

static void
op_done(struct conn *c, struct slot *s, uint64_t now, bool record)
{
	struct xsb_result *res = &c->w->res;

	if (record && !s->failed && c->w->ph->op != OP_WATCH_EVENT)
		hist_record(res->hist, now - s->t0);
	if (s->retries > res->max_retries)
		res->max_retries = s->retries;
	if (c->w->ph->op == OP_WATCH_EVENT)
		res->writes++;
	else
		res->ops++;
	c->w->t_end = now;
	s->busy = false;
}

static int
check_reply(struct conn *c, struct slot *s, const char *body, uint32_t len)
{
	const struct xsb_config *cfg = c->w->ph->cfg;
	char *end;

	switch (s->type) {
	case XS_READ:
		if (len != cfg->value_size)
			return conn_fail(c, "READ returned %u bytes, wrote "
			    "%zu", len, cfg->value_size);
		break;
	case XS_WRITE:
	case XS_MKDIR:
	case XS_RM:
	case XS_TRANSACTION_END:
		if (len != 3 || memcmp(body, "OK", 3) != 0)
			return conn_fail(c, "%s reply is not \"OK\"",
			    xsb_type_name(s->type));
		break;
	case XS_DIRECTORY:
	case XS_GET_PERMS:
		if (len == 0 ? s->type == XS_GET_PERMS : body[len - 1] != '\0')
			return conn_fail(c, "malformed %s reply",
			    xsb_type_name(s->type));
		break;
	case XS_TRANSACTION_START:
		if (len < 2 || body[len - 1] != '\0')
			return conn_fail(c, "malformed TRANSACTION_START "
			    "reply");
		errno = 0;
		s->tx_id = (uint32_t)strtoul(body, &end, 10);
		if (errno || *end != '\0' || s->tx_id == 0)
			return conn_fail(c, "bad transaction id \"%.20s\"",
			    body);
		break;
	default:
		break;
	}
	return 0;
}

/* A reply for slot s; advance its operation. */
static int
slot_reply(struct conn *c, struct slot *s, const struct xsd_sockmsg *h,
    const char *body, uint64_t now)
{
	struct phase *ph = c->w->ph;
	struct xsb_result *res = &c->w->res;
	unsigned e;

	s->sent = false;
	c->inflight--;
	if (h->type == XS_ERROR) {
		enum txn_step ts = xsb_op_is_txn(ph->op) ?
		    txn_step(ph->op, s->step) : TS_DONE;

		e = xsb_err_index(body, h->len);
		if (e == XSB_ERR_EAGAIN)
			res->eagain++;
		if (ts == TS_END && !s->failed && e == XSB_ERR_EAGAIN) {
			/* Conflict at commit: the transaction is gone;
			 * start over, or give up. */
			if (s->retries < ph->cfg->retries) {
				s->retries++;
				s->step = 0;
				return 0;
			}
			res->giveups++;
			op_done(c, s, now, false);
			return 0;
		}
		res->errors[e]++;
		s->failed = true;
		if (ts != TS_DONE && ts != TS_START && ts != TS_END &&
		    ts != TS_RM_NEW) {
			s->step = (uint8_t)txn_end_step(ph->op);  /* abort */
			return 0;
		}
		op_done(c, s, now, false);
		return 0;
	}
	if (check_reply(c, s, body, h->len) < 0)
		return -1;
	switch (ph->op) {
	case OP_MKDIR_RM:
		if (s->step++ == 0)
			return 0;
		break;
	default:
		if (!xsb_op_is_txn(ph->op))
			break;
		if (ph->op == OP_TXN_SLEEP &&
		    txn_step(ph->op, s->step) == TS_WRITE_KEY)
			c->wake_at = now + ph->cfg->txn_sleep_ns;
		s->step++;
		/* An aborted transaction ends at its TRANSACTION_END. */
		if (txn_step(ph->op, s->step) != TS_DONE &&
		    !(s->failed && s->step > txn_end_step(ph->op)))
			return 0;
		break;
	}
	op_done(c, s, now, true);
	return 0;
}

static int
watcher_event(struct conn *c, const char *body, uint32_t len, uint64_t now)
{
	struct phase *ph = c->w->ph;
	struct xsb_result *res = &c->w->res;
	uint64_t t0;
	size_t plen;

	plen = strnlen(body, len);
	if (plen >= len || strnlen(body + plen + 1, len - plen - 1) !=
	    len - plen - 2)
		return conn_fail(c, "malformed WATCH_EVENT");
	if (c->events >= ph->n)
		return conn_fail(c, "more events than writes");
	t0 = atomic_load_explicit(&ph->wtimes[c->events],
	    memory_order_acquire);
	if (t0 == 0)
		return conn_fail(c, "event %llu before its write was sent",
		    (unsigned long long)c->events);
	c->events++;
	hist_record(res->hist, now > t0 ? now - t0 : 0);
	res->ops++;
	c->w->t_end = now;
	if (c->events == ph->n)
		conn_finish(c);
	return 0;
}

static int
conn_message(struct conn *c, const struct xsd_sockmsg *h, const char *body,
    uint64_t now)
{
	struct phase *ph = c->w->ph;
	unsigned i;

	if (h->type == XS_WATCH_EVENT) {
		if (c->role != ROLE_WATCHER)
			return conn_fail(c, "unexpected WATCH_EVENT");
		return watcher_event(c, body, h->len, now);
	}
	if (c->role == ROLE_WATCHER)
		return conn_fail(c, "unexpected %s on a watcher",
		    xsb_type_name(h->type));
	for (i = 0; i < ph->pipeline; i++)
		if (c->slot[i].sent && c->slot[i].req_id == h->req_id)
			break;
	if (i == ph->pipeline)
		return conn_fail(c, "reply %s with req_id %u matches no "
		    "request in flight", xsb_type_name(h->type), h->req_id);
	if (h->type != c->slot[i].type && h->type != XS_ERROR)
		return conn_fail(c, "reply type %s to a %s request",
		    xsb_type_name(h->type), xsb_type_name(c->slot[i].type));
	if (slot_reply(c, &c->slot[i], h, body, now) < 0)
		return -1;
	if (c->inflight > 0)
		return 0;
	if (c->wake_at > now) {
		c->deferred = true;
		c->w->deferred++;
		return 0;
	}
	return start_round(c);
}

static int
conn_read(struct conn *c)
{
	const struct xsb_transport *t = c->w->ph->cfg->tr;
	struct xsd_sockmsg h;
	size_t off, want;
	ssize_t n;
	uint64_t now;

	for (;;) {
		want = c->rcap - c->rlen;
		n = t->recv(c->link, c->rbuf + c->rlen, want);
		if (n == -EAGAIN)
			return 0;
		if (n == 0)
			return conn_fail(c, "the daemon closed the "
			    "connection");
		if (n < 0)
			return conn_fail(c, "recv: %s", strerror((int)-n));
		now = xsb_now_ns();
		c->rlen += (size_t)n;
		off = 0;
		while (c->rlen - off >= XSB_HDR) {
			memcpy(&h, c->rbuf + off, XSB_HDR);
			if (h.len > XENSTORE_PAYLOAD_MAX)
				return conn_fail(c, "reply length %u over "
				    "%d", h.len, XENSTORE_PAYLOAD_MAX);
			if (c->rlen - off < XSB_HDR + h.len)
				break;
			if (conn_message(c, &h, c->rbuf + off + XSB_HDR,
			    now) < 0)
				return -1;
			off += XSB_HDR + h.len;
		}
		if (off > 0) {
			memmove(c->rbuf, c->rbuf + off, c->rlen - off);
			c->rlen -= off;
		}
		if (c->finished && c->rlen == 0)
			return 0;
		if ((size_t)n < want)
			return 0;	/* short read: drained for now */
	}
}

/* ---- workers ------------------------------------------------------- */

/* Start the next round of every deferred connection whose time came. */
static int
wake_deferred(struct worker *w)
{
	uint64_t now = xsb_now_ns();
	unsigned i;

	for (i = 0; i < w->nconns && w->deferred > 0; i++) {
		struct conn *c = w->conns[i];

		if (!c->deferred || c->wake_at > now)
			continue;
		c->deferred = false;
		c->wake_at = 0;
		w->deferred--;
		if (start_round(c) < 0)
			return -1;
	}
	return 0;
}

/* Until the first deferred connection is due (rounded up to 1 ms). */
static int
deferred_timeout_ms(const struct worker *w)
{
	uint64_t now = xsb_now_ns(), first = UINT64_MAX;
	unsigned i;

	for (i = 0; i < w->nconns; i++)
		if (w->conns[i]->deferred && w->conns[i]->wake_at < first)
			first = w->conns[i]->wake_at;
	if (first <= now)
		return 0;
	first = (first - now + 999999) / 1000000;
	return first > 200 ? 200 : (int)first;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct phase *ph = w->ph;
	struct epoll_event ev[256];
	uint64_t last;
	unsigned i;
	int n, k;

	pthread_barrier_wait(&ph->start);
	w->t_start = w->t_end = xsb_now_ns();
	for (i = 0; i < w->nconns; i++)
		if (w->conns[i]->role == ROLE_CLIENT &&
		    start_round(w->conns[i]) < 0)
			return NULL;
	last = xsb_now_ns();
	while (w->live > 0 && !atomic_load_explicit(&ph->abort,
	    memory_order_relaxed)) {
		if (w->deferred > 0) {
			if (wake_deferred(w) < 0)
				return NULL;
			last = xsb_now_ns();
		}
		n = epoll_wait(w->epfd, ev, 256, w->deferred > 0 ?
		    deferred_timeout_ms(w) : 200);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			xsb_fail(&w->res, "epoll_wait: %s", strerror(errno));
			atomic_store(&ph->abort, 1);
			break;
		}
		if (n == 0) {
			if (xsb_now_ns() - last >
			    (uint64_t)ph->cfg->stall_ms * 1000000u) {
				xsb_fail(&w->res, "no progress for %d ms "
				    "(%u connections waiting)",
				    ph->cfg->stall_ms, w->live);
				atomic_store(&ph->abort, 1);
				break;
			}
			continue;
		}
		last = xsb_now_ns();
		for (k = 0; k < n; k++) {
			struct conn *c = ev[k].data.ptr;

			if (c->wlen > c->woff && conn_flush(c) < 0)
				return NULL;
			if ((ev[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
			    conn_read(c) < 0)
				return NULL;
		}
	}
	return NULL;
}

/* ---- a phase ------------------------------------------------------- */

static void
conn_free(const struct xsb_transport *t, struct conn *c)
{
	if (c == NULL)
		return;
	if (c->link != NULL)
		t->close(c->link);
	free(c->rbuf);
	free(c->wbuf);
	free(c->vbuf);
	free(c->slot);
	free(c);
}

static struct conn *
conn_new(const struct xsb_config *cfg, unsigned id, enum role role,
    unsigned pipeline, struct xsb_result *res)
{
	size_t req_max = XSB_HDR + XSB_PATH_MAX + 2 + cfg->value_size;
	struct conn *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL) {
		xsb_fail(res, "out of memory");
		return NULL;
	}
	c->id = id;
	c->role = role;
	c->rcap = XSB_MSG_MAX + (pipeline > 1 ? RBUF_EXTRA : XSB_MSG_MAX);
	c->wcap = req_max * pipeline;
	c->rbuf = malloc(c->rcap);
	c->wbuf = malloc(c->wcap);
	c->vbuf = malloc(cfg->value_size + 1);
	c->slot = calloc(pipeline, sizeof(*c->slot));
	if (c->rbuf == NULL || c->wbuf == NULL || c->vbuf == NULL ||
	    c->slot == NULL) {
		conn_free(cfg->tr, c);
		xsb_fail(res, "out of memory");
		return NULL;
	}
	if ((rc = cfg->tr->open(cfg->tr, &c->link)) < 0) {
		c->link = NULL;
		conn_free(cfg->tr, c);
		xsb_fail(res, "connect to %s: %s", cfg->socket,
		    strerror(-rc));
		return NULL;
	}
	c->fd = cfg->tr->pollfd(c->link);
	c->next_req = 1;
	return c;
}

/* Register a watch on a watcher connection: the OK reply and the initial
 * event, in either order. */
static int
watch_register(const struct xsb_config *cfg, struct conn *c,
    struct xsb_result *res)
{
	char path[XSB_PATH_MAX], token[32], buf[XSB_HDR + XSB_PATH_MAX + 40];
	char body[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h;
	size_t plen, len;
	bool ok = false, event = false;
	int rc;

	xsb_watch_root(cfg, path);
	plen = strlen(path) + 1;
	len = (size_t)snprintf(token, sizeof(token), "xsb%u", c->id) + 1;
	len = xsb_put(buf, XS_WATCH, 1, 0, path, plen, token, len);
	if ((rc = xsb_send_all(cfg->tr, c->link, buf, len,
	    cfg->stall_ms)) < 0)
		return xsb_fail(res, "WATCH: %s", strerror(-rc));
	while (!ok || !event) {
		if ((rc = xsb_recv_msg(cfg->tr, c->link, &h, body,
		    cfg->stall_ms)) < 0)
			return xsb_fail(res, "WATCH reply: %s",
			    strerror(-rc));
		if (h.type == XS_WATCH_EVENT && !event)
			event = true;
		else if (h.type == XS_WATCH && h.req_id == 1 && !ok)
			ok = true;
		else if (h.type == XS_ERROR)
			return xsb_fail(res, "WATCH %s: %s", path, body);
		else
			return xsb_fail(res, "WATCH: unexpected %s reply",
			    xsb_type_name(h.type));
	}
	return 0;
}

static void
merge(struct xsb_result *into, const struct xsb_result *from)
{
	unsigned i;

	hist_merge(into->hist, from->hist);
	into->ops += from->ops;
	into->writes += from->writes;
	for (i = 0; i < XSB_NERR; i++)
		into->errors[i] += from->errors[i];
	into->eagain += from->eagain;
	into->giveups += from->giveups;
	if (from->max_retries > into->max_retries)
		into->max_retries = from->max_retries;
	if (from->failed && !into->failed) {
		into->failed = true;
		memcpy(into->why, from->why, sizeof(into->why));
	}
}

int
xsb_run_raw(const struct xsb_config *cfg, enum xsb_op op, uint64_t n,
    unsigned clients, unsigned pipeline, struct xsb_result *res)
{
	unsigned nconns, nthreads, i;
	struct conn **conns = NULL;
	struct worker *ws = NULL;
	struct phase ph;
	uint64_t t0 = UINT64_MAX, t1 = 0;
	bool barrier = false;
	int rc = -1;

	memset(&ph, 0, sizeof(ph));
	ph.cfg = cfg;
	ph.op = op;
	ph.n = n;
	ph.pipeline = pipeline;
	atomic_init(&ph.claimed, 0);
	atomic_init(&ph.abort, 0);
	atomic_init(&ph.wseq, 0);
	res->op = op;
	res->pipeline = pipeline;
	if (op == OP_WATCH_EVENT) {
		nconns = 1 + cfg->watchers;
		res->clients = cfg->watchers;
		ph.wtimes = calloc(n ? n : 1, sizeof(*ph.wtimes));
		if (ph.wtimes == NULL)
			return xsb_fail(res, "out of memory");
	} else {
		nconns = clients;
		res->clients = clients;
	}
	nthreads = cfg->threads < nconns ? cfg->threads : nconns;
	conns = calloc(nconns, sizeof(*conns));
	ws = calloc(nthreads, sizeof(*ws));
	if (conns == NULL || ws == NULL) {
		xsb_fail(res, "out of memory");
		goto out;
	}
	for (i = 0; i < nconns; i++) {
		bool watcher = op == OP_WATCH_EVENT && i > 0;

		conns[i] = conn_new(cfg, watcher ? i - 1 : i,
		    watcher ? ROLE_WATCHER : ROLE_CLIENT,
		    watcher ? 1 : pipeline, res);
		if (conns[i] == NULL)
			goto out;
		if (watcher && watch_register(cfg, conns[i], res) < 0)
			goto out;
	}
	for (i = 0; i < nthreads; i++)
		ws[i].epfd = -1;
	for (i = 0; i < nthreads; i++) {
		ws[i].ph = &ph;
		ws[i].res.hist = hist_new();
		ws[i].conns = calloc(nconns / nthreads + 1,
		    sizeof(*ws[i].conns));
		ws[i].epfd = epoll_create1(EPOLL_CLOEXEC);
		if (ws[i].res.hist == NULL || ws[i].conns == NULL ||
		    ws[i].epfd < 0) {
			xsb_fail(res, "worker setup: %s", strerror(errno));
			goto out;
		}
	}
	for (i = 0; i < nconns; i++) {
		struct worker *w = &ws[i % nthreads];
		struct epoll_event ev = { .events = EPOLLIN,
		    .data.ptr = conns[i] };

		conns[i]->w = w;
		w->conns[w->nconns++] = conns[i];
		w->live++;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, conns[i]->fd, &ev) < 0) {
			xsb_fail(res, "epoll_ctl: %s", strerror(errno));
			goto out;
		}
	}
	if (pthread_barrier_init(&ph.start, NULL, nthreads + 1) != 0) {
		xsb_fail(res, "pthread_barrier_init failed");
		goto out;
	}
	barrier = true;
	for (i = 0; i < nthreads; i++) {
		if ((errno = pthread_create(&ws[i].tid, NULL, worker_main,
		    &ws[i])) != 0) {
			/* The ones started wait in the barrier for ever. */
			fprintf(stderr, "xs-bench: pthread_create: %s\n",
			    strerror(errno));
			exit(2);
		}
	}
	pthread_barrier_wait(&ph.start);
	for (i = 0; i < nthreads; i++)
		pthread_join(ws[i].tid, NULL);
	for (i = 0; i < nthreads; i++) {
		merge(res, &ws[i].res);
		if (ws[i].t_start < t0)
			t0 = ws[i].t_start;
		if (ws[i].t_end > t1)
			t1 = ws[i].t_end;
	}
	res->seconds = t1 > t0 ? (double)(t1 - t0) / 1e9 : 0.0;
	rc = res->failed ? -1 : 0;
out:
	if (barrier)
		pthread_barrier_destroy(&ph.start);
	for (i = 0; conns != NULL && i < nconns; i++)
		conn_free(cfg->tr, conns[i]);
	for (i = 0; ws != NULL && i < nthreads; i++) {
		hist_free(ws[i].res.hist);
		free(ws[i].conns);
		if (ws[i].epfd >= 0)
			close(ws[i].epfd);
	}
	free(conns);
	free(ws);
	free(ph.wtimes);
	return rc;
}
