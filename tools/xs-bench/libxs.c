/*
 * libxs.c: the libxenstore engine (--libxenstore).
 *
 * One thread and one xs_handle per client, as a toolstack process would
 * use the library: every call is a blocking round trip (libxenstore keeps
 * one request in flight per handle and cannot pipeline).  The handles are
 * opened before the clock starts; xs_open() finds the socket through
 * XENSTORED_PATH, which xs-bench sets to --socket.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "bench.h"

struct lx_phase {
	const struct xsb_config *cfg;
	enum xsb_op op;
	uint64_t n;
	atomic_uint_fast64_t claimed;
	atomic_int abort;
	pthread_barrier_t start;
};

struct lx_thread {
	struct lx_phase *ph;
	pthread_t tid;
	unsigned id;
	struct xs_handle *xs;
	uint64_t nops;
	uint64_t writes;
	char *vbuf;
	uint64_t t_start, t_end;
	struct xsb_result res;
};

/* An error from the library: a xenstore error name is counted; anything
 * else (a broken connection, a protocol error the library detected) ends
 * the run. */
static int
lx_error(struct lx_thread *t, const char *call, int err)
{
	unsigned e = xsb_errno_index(err);

	if (e == XSB_ERR_OTHER) {
		xsb_fail(&t->res, "client %u: %s: %s", t->id, call,
		    strerror(err));
		atomic_store(&t->ph->abort, 1);
		return -1;
	}
	if (e == XSB_ERR_EAGAIN)
		t->res.eagain++;
	t->res.errors[e]++;
	return 1;
}

static int
lx_read(struct lx_thread *t, xs_transaction_t tx, const char *path)
{
	unsigned int len;
	void *v;

	v = xs_read(t->xs, tx, path, &len);
	if (v == NULL)
		return lx_error(t, "xs_read", errno);
	free(v);
	if (len != t->ph->cfg->value_size) {
		xsb_fail(&t->res, "client %u: xs_read returned %u bytes, "
		    "wrote %zu", t->id, len, t->ph->cfg->value_size);
		atomic_store(&t->ph->abort, 1);
		return -1;
	}
	return 0;
}

static int
lx_write(struct lx_thread *t, xs_transaction_t tx, const char *path)
{
	const struct xsb_config *cfg = t->ph->cfg;

	xsb_value(cfg, t->vbuf, t->id, t->writes++);
	if (!xs_write(t->xs, tx, path, t->vbuf,
	    (unsigned int)cfg->value_size))
		return lx_error(t, "xs_write", errno);
	return 0;
}

/* 0: done, 1: failed with an error reply (counted), -1: give up the run. */
static int
lx_transaction(struct lx_thread *t, const char *path)
{
	const struct xsb_config *cfg = t->ph->cfg;
	xs_transaction_t tx;
	unsigned tries;
	int rc;

	for (tries = 0;; tries++) {
		tx = xs_transaction_start(t->xs);
		if (tx == XBT_NULL)
			return lx_error(t, "xs_transaction_start", errno);
		if ((rc = lx_read(t, tx, path)) != 0 ||
		    (rc = lx_write(t, tx, path)) != 0) {
			if (rc > 0)
				xs_transaction_end(t->xs, tx, true);
			return rc;
		}
		if (xs_transaction_end(t->xs, tx, false))
			return 0;
		if (errno != EAGAIN)
			return lx_error(t, "xs_transaction_end", errno);
		t->res.eagain++;
		if (tries >= cfg->retries) {
			t->res.giveups++;
			return 2;
		}
	}
}

static int
lx_op(struct lx_thread *t)
{
	const struct xsb_config *cfg = t->ph->cfg;
	char path[XSB_PATH_MAX];
	uint64_t key = t->nops++ % cfg->keys;
	unsigned int num;
	void *v;
	int rc;

	switch (t->ph->op) {
	case OP_READ:
		xsb_key_path(cfg, path, t->id, key);
		return lx_read(t, XBT_NULL, path);
	case OP_WRITE:
		xsb_key_path(cfg, path, t->id, key);
		return lx_write(t, XBT_NULL, path);
	case OP_DIRECTORY:
		xsb_dir_path(cfg, path, t->id);
		v = xs_directory(t->xs, XBT_NULL, path, &num);
		if (v == NULL)
			return lx_error(t, "xs_directory", errno);
		free(v);
		return 0;
	case OP_GET_PERMS:
		xsb_key_path(cfg, path, t->id, key);
		v = xs_get_permissions(t->xs, XBT_NULL, path, &num);
		if (v == NULL)
			return lx_error(t, "xs_get_permissions", errno);
		free(v);
		return 0;
	case OP_MKDIR_RM:
		xsb_mkdir_path(cfg, path, t->id, key);
		if (!xs_mkdir(t->xs, XBT_NULL, path))
			return lx_error(t, "xs_mkdir", errno);
		if (!xs_rm(t->xs, XBT_NULL, path))
			return lx_error(t, "xs_rm", errno);
		return 0;
	case OP_TRANSACTION:
		xsb_key_path(cfg, path, t->id, key);
		rc = lx_transaction(t, path);
		return rc;
	default:
		return -1;
	}
}

static void *
lx_main(void *arg)
{
	struct lx_thread *t = arg;
	struct lx_phase *ph = t->ph;
	uint64_t t0, now;
	int rc;

	pthread_barrier_wait(&ph->start);
	t->t_start = t->t_end = xsb_now_ns();
	while (!atomic_load_explicit(&ph->abort, memory_order_relaxed) &&
	    atomic_fetch_add(&ph->claimed, 1) < ph->n) {
		t0 = xsb_now_ns();
		rc = lx_op(t);
		if (rc < 0)
			break;
		now = xsb_now_ns();
		if (rc == 0)
			hist_record(t->res.hist, now - t0);
		t->res.ops++;
		t->t_end = now;
	}
	return NULL;
}

int
xsb_run_libxs(const struct xsb_config *cfg, enum xsb_op op, uint64_t n,
    struct xsb_result *res)
{
	unsigned i, nt = cfg->clients;
	struct lx_thread *ts;
	struct lx_phase ph;
	uint64_t t0 = UINT64_MAX, t1 = 0;
	int rc = -1;

	memset(&ph, 0, sizeof(ph));
	ph.cfg = cfg;
	ph.op = op;
	ph.n = n;
	atomic_init(&ph.claimed, 0);
	atomic_init(&ph.abort, 0);
	res->op = op;
	res->clients = nt;
	res->pipeline = 1;
	if ((ts = calloc(nt, sizeof(*ts))) == NULL)
		return xsb_fail(res, "out of memory");
	for (i = 0; i < nt; i++) {
		ts[i].ph = &ph;
		ts[i].id = i;
		ts[i].res.hist = hist_new();
		ts[i].vbuf = malloc(cfg->value_size + 1);
		if (ts[i].res.hist == NULL || ts[i].vbuf == NULL) {
			xsb_fail(res, "out of memory");
			goto out;
		}
		ts[i].xs = xs_open(0);
		if (ts[i].xs == NULL) {
			xsb_fail(res, "xs_open (XENSTORED_PATH=%s): %s",
			    cfg->socket, strerror(errno));
			goto out;
		}
	}
	if (pthread_barrier_init(&ph.start, NULL, nt + 1) != 0) {
		xsb_fail(res, "pthread_barrier_init failed");
		goto out;
	}
	for (i = 0; i < nt; i++) {
		if ((errno = pthread_create(&ts[i].tid, NULL, lx_main,
		    &ts[i])) != 0) {
			fprintf(stderr, "xs-bench: pthread_create: %s\n",
			    strerror(errno));
			exit(2);
		}
	}
	pthread_barrier_wait(&ph.start);
	for (i = 0; i < nt; i++)
		pthread_join(ts[i].tid, NULL);
	pthread_barrier_destroy(&ph.start);
	for (i = 0; i < nt; i++) {
		hist_merge(res->hist, ts[i].res.hist);
		res->ops += ts[i].res.ops;
		for (unsigned e = 0; e < XSB_NERR; e++)
			res->errors[e] += ts[i].res.errors[e];
		res->eagain += ts[i].res.eagain;
		res->giveups += ts[i].res.giveups;
		if (ts[i].res.failed && !res->failed)
			xsb_fail(res, "%s", ts[i].res.why);
		if (ts[i].t_start < t0)
			t0 = ts[i].t_start;
		if (ts[i].t_end > t1)
			t1 = ts[i].t_end;
	}
	res->seconds = t1 > t0 ? (double)(t1 - t0) / 1e9 : 0.0;
	rc = res->failed ? -1 : 0;
out:
	for (i = 0; i < nt; i++) {
		if (ts[i].xs != NULL)
			xs_close(ts[i].xs);
		hist_free(ts[i].res.hist);
		free(ts[i].vbuf);
	}
	free(ts);
	return rc;
}
