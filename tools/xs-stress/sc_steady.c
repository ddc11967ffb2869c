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
#include "stress.h"
#include "util.h"
#include "xsconn.h"

#define NKEYS		16
#define PAD_MAX		64
#define DEFAULT_SECS	10.0

enum op { OP_WRITE, OP_READ, OP_LIST, OP_TXN, OP_PUB, OP_PEER, OP_DENIED,
	OP_NAME };

/* Cumulative percentages of the mix, in enum order. */
static const unsigned mix[] = { 30, 60, 68, 76, 86, 92, 96, 100 };

struct steady_guest {
	uint32_t gen;
	bool on;		/* takes part in this run */
	struct guest *peer;	/* reads and watches my data/pub */
	struct guest *src;	/* whose data/pub I watch */
	struct guest *other;	/* whose data I may not read */
	char *model[NKEYS];
	uint32_t ctr, seq;
	bool busy;
	enum op op;
	unsigned key;
	char *val;
	/* publishing */
	uint32_t pub_seq;
	bool pub_wait;
	int64_t pub_t;
	uint32_t seen_peer, seen_mon;
	/* watching src (on my ring) and being watched by dom0 */
	bool w_busy, w_dirty, m_busy, m_dirty;
	unsigned w_events;	/* events of my watch on src's data/pub */
};

struct steady {
	unsigned n;
	unsigned busy;		/* requests in flight (all actors) */
	unsigned waiting;	/* publications not yet seen by both */
	bool stop;
	int64_t end;
	uint64_t target;
	bool faulted;
	struct guest *deaf;	/* --fault lose-event */
	uint64_t pubs;
};

static struct steady_guest *
sg_of(const struct stress *s, const struct guest *g)
{
	if (s->steady == NULL || g == NULL || g->steady == NULL ||
	    !g->steady->on || g->steady->gen != g->gen)
		return NULL;
	return g->steady;
}

/* Set a busy or waiting flag, keeping the run's counts. */
static void
flag(struct stress *s, bool *f, bool v, bool pub)
{
	unsigned *n;

	if (*f == v)
		return;
	*f = v;
	if (s->steady == NULL)
		return;
	n = pub ? &s->steady->waiting : &s->steady->busy;
	*n = v ? *n + 1 : *n - 1;
}

static void
who(const struct guest *g, char *buf, size_t len)
{
	snprintf(buf, len, "dom%u", g->domid);
}

static void
pub_check(struct stress *s, struct steady_guest *sg)
{
	if (sg->pub_wait && sg->seen_peer >= sg->pub_seq &&
	    sg->seen_mon >= sg->pub_seq) {
		flag(s, &sg->pub_wait, false, true);
		hist_add(&s->st.wlat, now_ns() - sg->pub_t);
	}
}

static uint32_t
seq_of(const struct xsreply *r)
{
	return r->type == XS_ERROR ? 0 : (uint32_t)strtoul(r->body, NULL, 10);
}

/* ---- the guest's own loop ---------------------------------------- */

static void next_op(struct stress *s, struct guest *g);

struct op_ctx {
	struct stress *s;
	struct guest *g;
};

static bool
list_inspect(void *arg, unsigned i, const struct xsreply *r)
{
	struct guest *g = arg;
	struct steady_guest *sg = g->steady;
	const char *p = r->body, *end = r->body + r->len;
	unsigned n = 0, want = 1, k;
	char *e;

	(void)i;
	for (k = 0; k < NKEYS; k++)
		want += sg->model[k] != NULL;
	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));

		if (z == NULL)
			break;
		if (strcmp(p, "ctr") != 0) {
			k = (unsigned)strtoul(p + 1, &e, 10);
			if (p[0] != 'k' || *e != '\0' || k >= NKEYS ||
			    sg->model[k] == NULL)
				goto bad;
		}
		n++;
		p = z + 1;
	}
	if (n == want)
		return true;
bad:
	stats_fail(&g->s->st, FAIL_MISMATCH, "dom%u: data/stress lists %u "
	    "entries, %u written (first unexpected: %.20s)", g->domid, n,
	    want, p < end ? p : "-");
	return false;
}

static void
op_done(void *arg, int rc)
{
	struct guest *g = arg;
	struct stress *s = g->s;
	struct steady_guest *sg = g->steady;

	flag(s, &sg->busy, false, false);
	if (rc == 0) {
		switch (sg->op) {
		case OP_WRITE:
			free(sg->model[sg->key]);
			sg->model[sg->key] = sg->val;
			sg->val = NULL;
			break;
		case OP_TXN:
			sg->ctr++;
			/* self-test: forget one increment, as a lost
			 * update would look */
			if (s->o.fault != NULL && strcmp(s->o.fault,
			    "mismatch") == 0 && s->steady != NULL &&
			    !s->steady->faulted) {
				s->steady->faulted = true;
				sg->ctr--;
			}
			break;
		case OP_PUB:
			sg->pub_seq++;
			flag(s, &sg->pub_wait, true, true);
			sg->pub_t = now_ns();
			if (s->steady != NULL)
				s->steady->pubs++;
			pub_check(s, sg);
			break;
		default:
			break;
		}
	}
	free(sg->val);
	sg->val = NULL;
	next_op(s, g);
}

static enum op
pick(struct guest *g)
{
	struct steady_guest *sg = g->steady;
	uint32_t r = rng_below(&g->rng, 100);
	enum op op = OP_WRITE;

	while (r >= mix[op])
		op++;
	if (op == OP_PUB && sg->pub_wait)
		op = OP_READ;
	if (op == OP_DENIED && sg->other == NULL)
		op = OP_NAME;
	return op;
}

static void
next_op(struct stress *s, struct guest *g)
{
	struct steady_guest *sg = g->steady;
	struct batch_done d = { op_done, g };
	struct batch_inspect in = { list_inspect, g };
	char w[32], p[128], v[160];
	struct batch *b;
	unsigned i, pad;

	if (s->steady == NULL || s->steady->stop || s->abort || sg->busy)
		return;
	if (now_ns() >= s->steady->end || (s->steady->target != 0 &&
	    s->st.gops >= s->steady->target)) {
		s->steady->stop = true;
		return;
	}
	who(g, w, sizeof(w));
	sg->op = pick(g);
	sg->key = rng_below(&g->rng, NKEYS);
	snprintf(p, sizeof(p), "data/stress/k%u", sg->key);
	b = batch_new(g->conn, sg->op == OP_TXN, w);
	switch (sg->op) {
	case OP_WRITE:
		pad = rng_below(&g->rng, PAD_MAX);
		i = (unsigned)snprintf(v, sizeof(v), "%u.%u.%u.", g->domid,
		    sg->key, ++sg->seq);
		while (pad-- > 0 && i < sizeof(v) - 1)
			v[i++] = (char)('a' + rng_below(&g->rng, 26));
		v[i] = '\0';
		sg->val = xstrdup(v);
		batch_write(b, p, v);
		break;
	case OP_READ:
		i = batch_read(b, p, sg->model[sg->key]);
		if (sg->model[sg->key] == NULL)
			batch_expect_err(b, i, "ENOENT");
		break;
	case OP_LIST:
		batch_dir(b, "data/stress");
		batch_set_inspect(b, &in);
		break;
	case OP_TXN:
		snprintf(v, sizeof(v), "%u", sg->ctr);
		batch_read(b, "data/stress/ctr", v);
		snprintf(v, sizeof(v), "%u", sg->ctr + 1);
		batch_write(b, "data/stress/ctr", v);
		break;
	case OP_PUB:
		pad = rng_below(&g->rng, PAD_MAX);
		i = (unsigned)snprintf(v, sizeof(v), "%u:", sg->pub_seq + 1);
		while (pad-- > 0 && i < sizeof(v) - 1)
			v[i++] = (char)('A' + rng_below(&g->rng, 26));
		v[i] = '\0';
		batch_write(b, "data/pub", v);
		break;
	case OP_PEER:
		snprintf(p, sizeof(p), "%s/data/pub", sg->src->home);
		batch_read(b, p, NULL);
		break;
	case OP_DENIED:
		snprintf(p, sizeof(p), "%s/data/stress/ctr", sg->other->home);
		i = batch_read(b, p, NULL);
		batch_expect_err(b, i, "EACCES");
		break;
	case OP_NAME:
		batch_read(b, "name", g->name);
		break;
	}
	flag(s, &sg->busy, true, false);
	batch_run(b, &d);
}

/* ---- watchers ---------------------------------------------------- */

static void w_kick(struct stress *s, struct guest *g);
static void m_kick(struct stress *s, struct guest *g);

static bool
w_inspect(void *arg, unsigned i, const struct xsreply *r)
{
	struct guest *g = arg;
	struct steady_guest *src = g->steady->src->steady;
	uint32_t v = seq_of(r);

	(void)i;
	if (v > src->seen_peer)
		src->seen_peer = v;
	pub_check(g->s, src);
	return true;
}

static void
w_done(void *arg, int rc)
{
	struct guest *g = arg;

	(void)rc;
	flag(g->s, &g->steady->w_busy, false, false);
	w_kick(g->s, g);
}

static void
w_kick(struct stress *s, struct guest *g)
{
	struct steady_guest *sg = g->steady;
	struct batch_inspect in = { w_inspect, g };
	struct batch_done d = { w_done, g };
	char w[32], p[128];
	struct batch *b;

	if (sg->w_busy || !sg->w_dirty || s->abort)
		return;
	sg->w_dirty = false;
	flag(s, &sg->w_busy, true, false);
	who(g, w, sizeof(w));
	b = batch_new(g->conn, false, w);
	snprintf(p, sizeof(p), "%s/data/pub", sg->src->home);
	batch_read(b, p, NULL);
	batch_set_inspect(b, &in);
	batch_run(b, &d);
}

static bool
m_inspect(void *arg, unsigned i, const struct xsreply *r)
{
	struct guest *g = arg;
	uint32_t v = seq_of(r);

	(void)i;
	if (v > g->steady->seen_mon)
		g->steady->seen_mon = v;
	pub_check(g->s, g->steady);
	return true;
}

static void
m_done(void *arg, int rc)
{
	struct guest *g = arg;

	(void)rc;
	flag(g->s, &g->steady->m_busy, false, false);
	m_kick(g->s, g);
}

static void
m_kick(struct stress *s, struct guest *g)
{
	struct steady_guest *sg = g->steady;
	struct batch_inspect in = { m_inspect, g };
	struct batch_done d = { m_done, g };
	struct batch *b;
	char p[128];

	if (sg->m_busy || !sg->m_dirty || s->abort)
		return;
	sg->m_dirty = false;
	flag(s, &sg->m_busy, true, false);
	b = batch_new(s->mon, false, "dom0 watcher");
	snprintf(p, sizeof(p), "%s/data/pub", g->home);
	batch_read(b, p, NULL);
	batch_set_inspect(b, &in);
	batch_run(b, &d);
}

void
steady_event(struct stress *s, struct guest *g, struct xsconn *c,
    const char *path, const char *token)
{
	struct steady_guest *sg;
	struct guest *t;
	unsigned slot, gen;
	char want[64];

	if (s->steady == NULL ||
	    sscanf(token + 1, ":%*c:%u:%u", &slot, &gen) != 2 ||
	    slot >= s->ng)
		return;		/* a late event of a finished run */
	t = &s->g[slot];
	if (sg_of(s, t) == NULL || t->gen != gen)
		return;
	snprintf(want, sizeof(want), "%s/data/pub", t->home);
	if (strcmp(path, want) != 0) {
		stats_fail(&s->st, FAIL_PROTO, "%s: event for %s on a watch "
		    "of %s", xsconn_name(c), path, want);
		return;
	}
	if (token[2] == 'p' && g != NULL && (sg = sg_of(s, g)) != NULL &&
	    sg->src == t) {
		/* self-test: from its second event on, the first guest
		 * to get one hears nothing more on this watch */
		if (++sg->w_events == 2 && s->o.fault != NULL &&
		    strcmp(s->o.fault, "lose-event") == 0 &&
		    !s->steady->faulted) {
			s->steady->faulted = true;
			s->steady->deaf = g;
		}
		if (s->steady->deaf == g)
			return;
		sg->w_dirty = true;
		w_kick(s, g);
	} else if (token[2] == 'm' && g == NULL) {
		t->steady->m_dirty = true;
		m_kick(s, t);
	} else {
		stats_fail(&s->st, FAIL_PROTO, "%s: steady event %s with "
		    "token %s", xsconn_name(c), path, token);
	}
}

/* ---- the run ----------------------------------------------------- */

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
