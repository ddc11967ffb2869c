/*
 * steady_watch.c: the watchers of the steady load.  Each guest watches
 * the data/pub of the guest before it in the ring (and reads it on each
 * event); dom0's watcher connection watches every guest's data/pub.
 * What each has read is what acknowledges a publication (pub_check).
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

static uint32_t
seq_of(const struct xsreply *r)
{
	return r->type == XS_ERROR ? 0 : (uint32_t)strtoul(r->body, NULL, 10);
}

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
