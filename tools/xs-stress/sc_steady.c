/*
 * sc_steady.c: steady load.  Every guest runs a closed loop of requests
 * over its ring for --duration seconds (or until --ops guest requests):
 *
 *   write   data/stress/k<j> (16 keys)       the value is remembered
 *   read    data/stress/k<j>                 must equal the last write
 *                                            (or ENOENT if never written)
 *   list    data/stress                      must be the keys written
 *   txn     ctr = ctr + 1 in a transaction   must read the model's ctr
 *   publish data/pub (seq:padding)           see below
 *   read    the watched guest's data/pub     granted: must succeed
 *   read    a third guest's data/stress/ctr  not granted: must be EACCES
 *   read    name (relative path)             must be the guest's name
 *
 * Watches: guests form a ring; each guest's data/pub is readable by the
 * next guest (SET_PERMS n<self> r<next>), which watches it, and dom0's
 * watcher connection watches every guest's data/pub too.  On each event
 * the watcher reads the node.  A guest publishes seq k+1 only after both
 * watchers have read a seq >= k, so a write whose event never arrives is
 * caught: after --request-timeout it is a lost watch event.  (Duplicate
 * events queued by the daemon may be merged; a watcher that read a later
 * value has seen the write, so merging is no loss.)  At the end every
 * guest reads all its keys back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xs_wire.h>

#include "batch.h"
#include "steady.h"
#include "stress.h"
#include "util.h"
#include "xsconn.h"

static bool
idle(void *arg)
{
	struct stress *s = arg;

	return s->steady->busy == 0 && s->steady->waiting == 0;
}

static bool
stopped(void *arg)
{
	return ((struct steady *)arg)->stop;
}

static void
tick(struct stress *s)
{
	int64_t now = now_ns(), lim = (int64_t)(s->o.req_timeout *
	    NSEC_PER_SEC);
	unsigned i;

	if (s->steady != NULL && !s->steady->stop && (now >= s->steady->end ||
	    (s->steady->target != 0 && s->st.gops >= s->steady->target)))
		s->steady->stop = true;
	for (i = 0; i < s->ng; i++) {
		struct guest *g = &s->g[i];
		struct steady_guest *sg = sg_of(s, g);

		if (sg == NULL || !sg->pub_wait || now - sg->pub_t < lim)
			continue;
		stats_fail(&s->st, FAIL_LOST, "dom%u wrote data/pub seq %u "
		    "%.0f s ago: dom%u (watching it) has read seq %u, dom0 "
		    "seq %u", g->domid, sg->pub_seq, (double)(now - sg->pub_t)
		    / NSEC_PER_SEC, sg->peer->domid, sg->seen_peer,
		    sg->seen_mon);
		flag(s, &sg->pub_wait, false, true);
	}
}

static void
status(struct stress *s, char *buf, size_t len)
{
	snprintf(buf, len, "%u guests, %llu publications%s", s->steady->n,
	    (unsigned long long)s->steady->pubs, s->steady->stop ?
	    ", stopping" : "");
}

static void
setup(struct stress *s, struct guest *g)
{
	struct steady_guest *sg = g->steady;
	char w[32], own[16], rd[16];
	struct batch *b;

	who(g, w, sizeof(w));
	b = batch_new(g->conn, false, w);
	batch_rm(b, "data/stress");
	batch_write(b, "data/stress/ctr", "0");
	batch_write(b, "data/pub", "0:");
	snprintf(own, sizeof(own), "n%u", g->domid);
	snprintf(rd, sizeof(rd), "r%u", sg->peer->domid);
	if (sg->peer != g)
		batch_perms(b, "data/pub", own, rd, NULL);
	stress_run_batch(s, b);
}

static void
watch(struct stress *s, struct guest *g, bool on)
{
	struct steady_guest *sg = g->steady;
	char w[32], p[128], tok[48];
	struct batch *b;

	who(g, w, sizeof(w));
	b = batch_new(g->conn, false, w);
	snprintf(p, sizeof(p), "%s/data/pub", sg->src->home);
	snprintf(tok, sizeof(tok), "s:p:%u:%u", sg->src->slot, sg->src->gen);
	if (on)
		batch_watch(b, p, tok);
	else
		batch_unwatch(b, p, tok);
	stress_run_batch(s, b);
	b = batch_new(s->mon, false, "dom0 watcher");
	snprintf(p, sizeof(p), "%s/data/pub", g->home);
	snprintf(tok, sizeof(tok), "s:m:%u:%u", g->slot, g->gen);
	if (on)
		batch_watch(b, p, tok);
	else
		batch_unwatch(b, p, tok);
	stress_run_batch(s, b);
}

static void
verify(struct stress *s, struct guest *g)
{
	struct steady_guest *sg = g->steady;
	struct batch_inspect in = { list_inspect, g };
	char w[32], p[64], v[16];
	struct batch *b;
	unsigned k, i;

	who(g, w, sizeof(w));
	b = batch_new(g->conn, false, w);
	for (k = 0; k < NKEYS; k++) {
		snprintf(p, sizeof(p), "data/stress/k%u", k);
		i = batch_read(b, p, sg->model[k]);
		if (sg->model[k] == NULL)
			batch_expect_err(b, i, "ENOENT");
	}
	snprintf(v, sizeof(v), "%u", sg->ctr);
	batch_read(b, "data/stress/ctr", v);
	stress_run_batch(s, b);
	b = batch_new(g->conn, false, w);
	batch_dir(b, "data/stress");
	batch_set_inspect(b, &in);
	stress_run_batch(s, b);
}

static void
sg_free(struct steady_guest *sg)
{
	unsigned k;

	for (k = 0; k < NKEYS; k++)
		free(sg->model[k]);
	free(sg->val);
	memset(sg, 0, sizeof(*sg));
}

void
steady_guest_free(struct guest *g)
{
	if (g->steady != NULL)
		sg_free(g->steady);
	free(g->steady);
	g->steady = NULL;
}

int
steady_run(struct stress *s, double secs, uint64_t ops)
{
	struct steady st;
	struct guest **on;
	unsigned i, n = 0;

	memset(&st, 0, sizeof(st));
	on = xcalloc(s->ng, sizeof(*on));
	for (i = 0; i < s->ng; i++) {
		struct guest *g = &s->g[i];

		if (!guest_usable(g) || !g->introduced)
			continue;
		if (g->steady == NULL)
			g->steady = xcalloc(1, sizeof(*g->steady));
		sg_free(g->steady);
		g->steady->gen = g->gen;
		g->steady->on = true;
		on[n++] = g;
	}
	for (i = 0; i < n; i++) {
		on[i]->steady->peer = on[(i + 1) % n];
		on[i]->steady->src = on[(i + n - 1) % n];
		on[i]->steady->other = n >= 3 ? on[(i + 2) % n] : NULL;
	}
	if (n == 0) {
		stats_fail(&s->st, FAIL_OTHER, "steady: no usable guest");
		free(on);
		return -1;
	}
	st.n = n;
	st.end = INT64_MAX;
	s->steady = &st;
	s->status = status;
	for (i = 0; i < n; i++)
		setup(s, on[i]);
	stress_wait(s, NULL, s->o.timeout, "steady: set-up");
	for (i = 0; i < n && !s->abort; i++)
		watch(s, on[i], true);
	stress_wait(s, NULL, s->o.timeout, "steady: watches");
	st.end = secs <= 0 ? INT64_MAX :
	    now_ns() + (int64_t)(secs * NSEC_PER_SEC);
	st.target = ops != 0 ? s->st.gops + ops : 0;
	s->tick = tick;
	s->what = "steady";
	for (i = 0; i < n && !s->abort; i++)
		next_op(s, on[i]);
	stress_run_until(s, stopped, &st, secs > 0 ? secs + s->o.timeout :
	    s->o.timeout);
	st.stop = true;
	s->what = "steady: draining";
	stress_run_until(s, idle, s, s->o.req_timeout + 5);
	tick(s);
	for (i = 0; i < n && !s->abort; i++)
		verify(s, on[i]);
	stress_wait(s, NULL, s->o.timeout, "steady: reading back");
	for (i = 0; i < n && !s->abort; i++)
		watch(s, on[i], false);
	stress_wait(s, NULL, s->o.timeout, "steady: unwatch");
	s->tick = NULL;
	s->steady = NULL;
	for (i = 0; i < n; i++)
		on[i]->steady->on = false;
	free(on);
	return 0;
}

int
sc_steady(struct stress *s)
{
	double secs = s->o.duration > 0 ? s->o.duration :
	    s->o.ops != 0 ? 0 : DEFAULT_SECS;

	steady_run(s, secs, s->o.ops);
	stress_extra(s, "write-to-watchers-read p50 %.0f us, p99 %.0f us",
	    (double)hist_pct(&s->st.wlat, 50) / 1000,
	    (double)hist_pct(&s->st.wlat, 99) / 1000);
	return 0;
}
