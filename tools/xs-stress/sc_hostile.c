/*
 * sc_hostile.c: a few guests misbehave (hostile_kinds.c, one kind per
 * guest, round robin) while the others run the steady load, which must
 * see no failure at all.  When the load is over the hostile guests
 * finish (legal misbehaviours must then be answered correctly), their
 * observations are printed, and they are killed and replaced through
 * lifecycle.c: a domain whose ring the daemon gave up on must still be
 * released, and its domid must work again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include "stress.h"
#include "util.h"
#include "xsconn.h"

#define FINISH_SECS 30.0

void
hostile_ring_event(struct stress *s, struct guest *g)
{
	if (!g->dead)
		g->hostile->kind->event(s, g);
}

struct hctx {
	struct guest **h;
	unsigned n;
};

static bool
all_done(void *arg)
{
	struct hctx *c = arg;
	unsigned i;

	for (i = 0; i < c->n; i++)
		if (!c->h[i]->hostile->done)
			return false;
	return true;
}

int
sc_hostile(struct stress *s)
{
	struct hctx c;
	double secs = s->o.duration > 0 ? s->o.duration :
	    s->o.ops != 0 ? 0 : 10.0;
	unsigned i, n = 0, want = s->o.hostile;
	char kinds[160] = "";

	memset(&c, 0, sizeof(c));
	c.h = xcalloc(s->ng, sizeof(*c.h));
	for (i = 0; i < s->ng && n < want; i++) {
		struct guest *g = &s->g[i];

		if (!guest_usable(g) || !g->introduced ||
		    xsconn_pending(g->conn) != 0)
			continue;
		c.h[n++] = g;
	}
	if (n == 0 || n + 1 > s->ng) {
		stats_fail(&s->st, FAIL_OTHER, "hostile needs at least %u "
		    "guests", want + 1);
		free(c.h);
		return -1;
	}
	c.n = n;
	for (i = 0; i < n; i++) {
		struct guest *g = c.h[i];

		g->tainted = true;
		g->hostile = xcalloc(1, sizeof(*g->hostile));
		g->hostile->kind = &hostile_kinds[i % hostile_nkinds];
		g->hostile->kind->start(s, g);
	}
	steady_run(s, secs, s->o.ops);
	s->what = "hostile: finishing";
	for (i = 0; i < n; i++)
		c.h[i]->hostile->kind->finish(s, c.h[i]);
	if (!stress_run_until(s, all_done, &c, FINISH_SECS) && !s->abort) {
		for (i = 0; i < n; i++) {
			struct hostile_guest *h = c.h[i]->hostile;

			if (!h->done)
				stats_fail(&s->st, FAIL_TIMEOUT, "dom%u (%s): "
				    "%u of %u requests answered %.0f s after "
				    "it stopped misbehaving", c.h[i]->domid,
				    h->kind->name, h->answered, h->sent,
				    FINISH_SECS);
		}
	}
	for (i = 0; i < n; i++) {
		struct hostile_guest *h = c.h[i]->hostile;
		size_t l = strlen(kinds);

		stats_note(&s->st, "hostile dom%u %s (%s): %s", c.h[i]->domid,
		    h->kind->name, h->kind->what, h->verdict[0] ? h->verdict :
		    "no verdict");
		if (i < hostile_nkinds && l < sizeof(kinds))
			snprintf(kinds + l, sizeof(kinds) - l, "%s%s",
			    l ? "," : "", h->kind->name);
	}
	if (!s->abort)
		life_replace(s, c.h, n, false, NULL);
	stress_extra(s, "%u hostile guests (%s) beside %u well-behaved ones; "
	    "hostile guests replaced", n, kinds, s->ng - n);
	free(c.h);
	return 0;
}
