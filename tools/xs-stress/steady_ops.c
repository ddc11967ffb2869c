/*
 * steady_ops.c: one guest's own closed loop of requests in the steady
 * load (the mix is in the table below; what each checks: sc_steady.c),
 * and the model the reads are checked against.
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

/* Cumulative percentages of the mix, in enum op order. */
static const unsigned mix[] = { 30, 60, 68, 76, 86, 92, 96, 100 };

struct steady_guest *
sg_of(const struct stress *s, const struct guest *g)
{
	if (s->steady == NULL || g == NULL || g->steady == NULL ||
	    !g->steady->on || g->steady->gen != g->gen)
		return NULL;
	return g->steady;
}

void
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

void
who(const struct guest *g, char *buf, size_t len)
{
	snprintf(buf, len, "dom%u", g->domid);
}

void
pub_check(struct stress *s, struct steady_guest *sg)
{
	if (sg->pub_wait && sg->seen_peer >= sg->pub_seq &&
	    sg->seen_mon >= sg->pub_seq) {
		flag(s, &sg->pub_wait, false, true);
		hist_add(&s->st.wlat, now_ns() - sg->pub_t);
	}
}

bool
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

void
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
