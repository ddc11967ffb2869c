/*
 * lifecycle.c: guests die and their domids are reused (churn, and the
 * replacement of hostile guests).
 *
 *   1. (optional) shut the domains down (crash): @releaseDomain must
 *      fire, the domains stay introduced;
 *   2. kill them (VIRQ_DOM_EXC), every other one destroyed outright (its
 *      domid vanishes at once): @releaseDomain must fire; on each event
 *      dom0 asks IS_DOMAIN_INTRODUCED until every victim answers F;
 *   3. the nodes a dead guest owned must be gone (its data/, its
 *      frontends), while dom0's (name) stay;
 *   4. destroy the domains (domid free), the toolstack cleans up as
 *      xl destroy does;
 *   5. new domains with the same domids, introduced as libxl does; each
 *      new guest watches, writes, reads and lists its home: it works.
 * Hooks let the caller add checks after 3 and 5.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xs_wire.h>

#include "batch.h"
#include "devices.h"
#include "stress.h"
#include "util.h"
#include "xsconn.h"

#define REL_PATH	"@releaseDomain"
#define REL_TOKEN	"c:rel"
#define LIFE_SECS	30.0

struct life {
	struct stress *s;
	struct guest **v;
	unsigned n;
	unsigned base;		/* rel_events before the kill */
	unsigned checked;	/* rel_events at the last check */
	bool checking;
	bool *gone;		/* destroyed already (domid free) */
};

static bool
rel_since(void *arg)
{
	struct life *l = arg;

	return l->s->rel_events > l->base;
}

static int
rel_watch(struct stress *s)
{
	struct life l = { .s = s, .base = 0 };
	struct batch *b;

	if (s->rel_watch)
		return 0;
	b = batch_new(s->mon, false, "dom0 @releaseDomain watch");
	batch_watch(b, REL_PATH, REL_TOKEN);
	stress_run_batch(s, b);
	if (stress_wait(s, NULL, LIFE_SECS, "watching @releaseDomain") < 0)
		return -1;
	s->rel_watch = true;
	/* its first event comes at once */
	if (!stress_run_until(s, rel_since, &l, LIFE_SECS)) {
		stats_fail(&s->st, FAIL_LOST, "no initial event for the watch "
		    "on @releaseDomain");
		return -1;
	}
	return 0;
}

void
life_rel_event(struct stress *s, const char *path)
{
	if (strcmp(path, REL_PATH) != 0) {
		stats_fail(&s->st, FAIL_PROTO, "watch on %s fired for %s",
		    REL_PATH, path);
		return;
	}
	s->rel_events++;
}

/* ---- IS_DOMAIN_INTRODUCED ---------------------------------------- */

struct intro_q {
	struct guest *g;
	bool want;		/* the expected answer: T after a crash */
	bool any;		/* just record g->released */
};

static bool
intro_inspect(void *arg, unsigned i, const struct xsreply *r)
{
	struct intro_q *q = arg;
	struct guest *g = q->g;
	bool t = r->len >= 1 && r->body[0] == 'T';

	(void)i;
	if (r->len < 1 || (r->body[0] != 'T' && r->body[0] != 'F')) {
		stats_fail(&g->s->st, FAIL_PROTO, "IS_DOMAIN_INTRODUCED %u "
		    "answered \"%.8s\"", g->domid, r->body);
		free(q);
		return false;
	}
	if (q->any) {
		g->released = !t;
	} else if (t != q->want) {
		stats_fail(&g->s->st, FAIL_OTHER, "dom%u: IS_DOMAIN_INTRODUCED "
		    "is %c, expected %c", g->domid, t ? 'T' : 'F',
		    q->want ? 'T' : 'F');
		free(q);
		return false;
	}
	free(q);
	return true;
}

static void
ask_introduced(struct stress *s, struct guest *g, bool any, bool want)
{
	struct intro_q *q = xcalloc(1, sizeof(*q));
	struct batch_inspect in = { intro_inspect, q };
	struct batch *b;
	char id[16];

	q->g = g;
	q->any = any;
	q->want = want;
	snprintf(id, sizeof(id), "%u", g->domid);
	b = batch_new(s->mon, false, "dom0 watcher");
	batch_strs(b, XS_IS_DOMAIN_INTRODUCED, NULL, id, NULL);
	batch_set_inspect(b, &in);
	stress_run_batch(s, b);
}

/* ---- phases ------------------------------------------------------ */

static void
shutdown_phase(struct life *l)
{
	struct stress *s = l->s;
	unsigned i;
	int rc;

	l->base = s->rel_events;
	for (i = 0; i < l->n; i++) {
		if ((rc = xensim_domain_shutdown(s->sim, l->v[i]->domid,
		    3)) < 0)
			stats_fail(&s->st, FAIL_OTHER, "xensim shutdown %u: %s",
			    l->v[i]->domid, strerror(-rc));
	}
	if (!stress_run_until(s, rel_since, l, LIFE_SECS) && !s->abort) {
		stats_fail(&s->st, FAIL_LOST, "no @releaseDomain within %.0f s "
		    "of %u domains crashing", LIFE_SECS, l->n);
		return;
	}
	for (i = 0; i < l->n; i++)
		ask_introduced(s, l->v[i], false, true);
	stress_wait(s, NULL, LIFE_SECS, "shut-down domains still introduced");
}

static bool
all_released(void *arg)
{
	struct life *l = arg;
	struct stress *s = l->s;
	unsigned i, left = 0;

	for (i = 0; i < l->n; i++)
		left += !l->v[i]->released;
	if (left == 0 && s->inflight == 0)
		return true;
	/* Each new @releaseDomain: ask again for those not released. */
	if (s->inflight == 0 && s->rel_events > l->checked) {
		l->checked = s->rel_events;
		for (i = 0; i < l->n; i++)
			if (!l->v[i]->released)
				ask_introduced(s, l->v[i], true, false);
	}
	return false;
}

static void
kill_phase(struct life *l)
{
	struct stress *s = l->s;
	unsigned i, left = 0;
	int rc;

	l->base = l->checked = s->rel_events;
	for (i = 0; i < l->n; i++) {
		l->v[i]->dead = true;
		l->v[i]->released = false;
		l->gone[i] = i % 2 == 1;
		rc = l->gone[i] ? xensim_domain_destroy(s->sim,
		    l->v[i]->domid) : xensim_domain_kill(s->sim,
		    l->v[i]->domid);
		if (rc < 0)
			stats_fail(&s->st, FAIL_OTHER, "xensim %s %u: %s",
			    l->gone[i] ? "destroy" : "kill", l->v[i]->domid,
			    strerror(-rc));
	}
	s->what = "waiting for @releaseDomain";
	if (stress_run_until(s, all_released, l, LIFE_SECS) || s->abort)
		return;
	for (i = 0; i < l->n; i++)
		left += !l->v[i]->released;
	if (s->rel_events == l->base)
		stats_fail(&s->st, FAIL_LOST, "no @releaseDomain within %.0f s "
		    "of killing %u domains", LIFE_SECS, l->n);
	else
		stats_fail(&s->st, FAIL_OTHER, "%u of %u killed domains still "
		    "introduced %.0f s after (%u @releaseDomain events)", left,
		    l->n, LIFE_SECS, s->rel_events - l->base);
	s->abort = true;
}

static void
gone_phase(struct life *l, const struct life_hooks *h)
{
	struct stress *s = l->s;
	struct batch *b;
	char p[160];
	unsigned i, d, k;

	for (i = 0; i < l->n; i++) {
		struct guest *g = l->v[i];

		b = batch_new(ts_conn_for(s, g), false, "dom0 after a death");
		snprintf(p, sizeof(p), "%s/data", g->home);
		k = batch_read(b, p, NULL);
		batch_expect_err(b, k, "ENOENT");
		snprintf(p, sizeof(p), "%s/control/shutdown", g->home);
		k = batch_read(b, p, NULL);
		batch_expect_err(b, k, "ENOENT");
		snprintf(p, sizeof(p), "%s/name", g->home);
		batch_read(b, p, g->name);
		for (d = 0; g->boot != NULL && d < NDEVS; d++) {
			dev_fe_path(g, d, p, sizeof(p));
			k = batch_read(b, p, NULL);
			batch_expect_err(b, k, "ENOENT");
		}
		stress_run_batch(s, b);
		if (h != NULL && h->released != NULL)
			h->released(s, g, h->arg);
	}
	stress_wait(s, NULL, LIFE_SECS, "checking the dead guests' nodes");
}

static void
ts_done(void *arg, struct guest *g, int rc)
{
	struct stress *s = arg;

	(void)g;
	(void)rc;
	s->inflight--;
}

static void
destroy_phase(struct life *l)
{
	struct stress *s = l->s;
	struct ts_done done = { ts_done, s };
	unsigned i;
	int rc;

	for (i = 0; i < l->n; i++) {
		struct guest *g = l->v[i];

		boot_forget(s, g);
		guest_detach(g);
		free(g->hostile);
		g->hostile = NULL;
		if (!l->gone[i] &&
		    (rc = xensim_domain_destroy(s->sim, g->domid)) < 0)
			stats_fail(&s->st, FAIL_OTHER, "xensim destroy %u: %s",
			    g->domid, strerror(-rc));
		s->inflight++;
		ts_cleanup(s, g, &done);
	}
	stress_wait(s, NULL, LIFE_SECS, "toolstack clean-up");
}

static bool
hello_seen(void *arg)
{
	struct life *l = arg;
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (l->v[i]->xg != NULL && l->v[i]->hello < 2)
			return false;
	return true;
}

static void
reborn_phase(struct life *l, const struct life_hooks *h)
{
	struct stress *s = l->s;
	struct ts_done done = { ts_done, s };
	char p[96], tok[48], v[48];
	struct batch *b;
	unsigned i, k;
	int rc;

	for (i = 0; i < l->n; i++) {
		struct guest *g = l->v[i];
		uint32_t domid = g->domid;

		if ((rc = guest_new_domain(s, g, domid)) < 0) {
			stats_fail(&s->st, FAIL_OTHER, "creating a new dom%u: "
			    "%s", domid, strerror(-rc));
			continue;
		}
		g->hello = 0;
		s->replaced++;
		s->inflight++;
		ts_introduce(s, g, false, &done);
	}
	if (stress_wait(s, NULL, LIFE_SECS, "introducing the new guests") < 0)
		return;
	for (i = 0; i < l->n; i++) {
		struct guest *g = l->v[i];

		if (g->xg == NULL || !g->introduced)
			continue;
		b = batch_new(g->conn, false, "new guest");
		snprintf(p, sizeof(p), "%s/data", g->home);
		snprintf(tok, sizeof(tok), "c:hello:%u:%u", g->slot, g->gen);
		batch_watch(b, p, tok);
		snprintf(v, sizeof(v), "hello from %s", g->name);
		batch_write(b, "data/hello", v);
		batch_read(b, "data/hello", v);
		k = batch_read(b, "data/churn", NULL);
		batch_expect_err(b, k, "ENOENT");
		batch_read(b, "name", g->name);
		stress_run_batch(s, b);
		if (h != NULL && h->reborn != NULL)
			h->reborn(s, g, h->arg);
	}
	stress_wait(s, NULL, LIFE_SECS, "the new guests' first requests");
	if (!stress_run_until(s, hello_seen, l, LIFE_SECS) && !s->abort)
		stats_fail(&s->st, FAIL_LOST, "a new guest's watch on its data "
		    "did not fire twice (initial + write)");
	for (i = 0; i < l->n; i++) {
		struct guest *g = l->v[i];

		if (g->xg == NULL || !g->introduced)
			continue;
		b = batch_new(g->conn, false, "new guest");
		snprintf(p, sizeof(p), "%s/data", g->home);
		snprintf(tok, sizeof(tok), "c:hello:%u:%u", g->slot, g->gen);
		batch_unwatch(b, p, tok);
		stress_run_batch(s, b);
	}
	stress_wait(s, NULL, LIFE_SECS, "unwatch");
}

void
life_hello_event(struct stress *s, struct guest *g, const char *path,
    const char *token)
{
	unsigned slot, gen;
	char a[96], b[96];

	if (sscanf(token, "c:hello:%u:%u", &slot, &gen) != 2 ||
	    g == NULL || slot != g->slot || gen != g->gen)
		return;		/* late: a previous domain's */
	snprintf(a, sizeof(a), "%s/data", g->home);
	snprintf(b, sizeof(b), "%s/data/hello", g->home);
	if (strcmp(path, a) != 0 && strcmp(path, b) != 0) {
		stats_fail(&s->st, FAIL_PROTO, "dom%u: event %s on a watch of "
		    "%s", g->domid, path, a);
		return;
	}
	g->hello++;
}

int
life_replace(struct stress *s, struct guest **v, unsigned n,
    bool shutdown_first, const struct life_hooks *h)
{
	struct life l;

	memset(&l, 0, sizeof(l));
	l.s = s;
	l.v = v;
	l.n = n;
	if (n == 0 || rel_watch(s) < 0)
		return -1;
	l.gone = xcalloc(n, sizeof(*l.gone));
	if (shutdown_first)
		shutdown_phase(&l);
	if (!s->abort)
		kill_phase(&l);
	if (!s->abort)
		gone_phase(&l, h);
	if (!s->abort)
		destroy_phase(&l);
	if (!s->abort)
		reborn_phase(&l, h);
	free(l.gone);
	return s->abort ? -1 : 0;
}
