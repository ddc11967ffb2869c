/*
 * sc_churn.c: guests die and their domids are reused (lifecycle.c does
 * the dying, the release checks and the rebirth).  Each round picks
 * --churn-pct % of the guests; before they die it sets two traps naming
 * each victim's domid in an ACL:
 *   /tool/xs-stress/acl/<domid>        dom0's node, perms n0 b<domid>
 *   <survivor>/data/acl-<domid>        a survivor's node, n<surv> r<domid>
 * The victim must be able to use both (so the check below can fail).
 * After the domid is reused, the new guest must get EACCES on both:
 * ACL entries naming a dead domain must not grant anything to the next
 * domain with that number (permissions-watches.md 3.5-3.6).  Odd rounds
 * crash the domains before killing them.
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

struct churn {
	struct guest **v;	/* victims of the round */
	struct guest **surv;	/* survivor holding victim i's trap */
	unsigned n;
	unsigned round;
};

static void
trap_paths(const struct guest *v, const struct guest *sv, char *tool,
    char *mine, size_t len)
{
	snprintf(tool, len, "/tool/xs-stress/acl/%u", v->domid);
	snprintf(mine, len, "%s/data/acl-%u", sv->home, v->domid);
}

static void
set_traps(struct stress *s, struct churn *c)
{
	char tool[96], mine[96], val[48], own[16], acl[16];
	struct batch *b;
	unsigned i;

	for (i = 0; i < c->n; i++) {
		struct guest *v = c->v[i], *sv = c->surv[i];

		trap_paths(v, sv, tool, mine, sizeof(tool));
		snprintf(val, sizeof(val), "trap-%u-%u", v->domid, c->round);
		b = batch_new(ts_conn_for(s, v), false, "dom0 trap");
		batch_write(b, tool, val);
		snprintf(acl, sizeof(acl), "b%u", v->domid);
		batch_perms(b, tool, "n0", acl, NULL);
		stress_run_batch(s, b);
		snprintf(val, sizeof(val), "dom%u", sv->domid);
		b = batch_new(sv->conn, false, val);
		snprintf(mine, sizeof(mine), "data/acl-%u", v->domid);
		batch_write(b, mine, "trap");
		snprintf(own, sizeof(own), "n%u", sv->domid);
		snprintf(acl, sizeof(acl), "r%u", v->domid);
		batch_perms(b, mine, own, acl, NULL);
		stress_run_batch(s, b);
	}
	stress_wait(s, NULL, s->o.timeout, "churn: traps");
	for (i = 0; i < c->n && !s->abort; i++) {
		struct guest *v = c->v[i], *sv = c->surv[i];

		trap_paths(v, sv, tool, mine, sizeof(tool));
		snprintf(val, sizeof(val), "trap-%u-%u", v->domid, c->round);
		snprintf(own, sizeof(own), "dom%u (victim)", v->domid);
		b = batch_new(v->conn, false, own);
		batch_read(b, tool, val);
		batch_write(b, tool, val);
		batch_read(b, mine, "trap");
		batch_write(b, "data/churn", "mine");
		stress_run_batch(s, b);
	}
	stress_wait(s, NULL, s->o.timeout, "churn: victims use the traps");
}

static void
released(struct stress *s, struct guest *g, void *arg)
{
	struct batch *b;
	char p[96];
	unsigned k;

	(void)arg;
	b = batch_new(ts_conn_for(s, g), false, "dom0 after a death");
	snprintf(p, sizeof(p), "%s/data/churn", g->home);
	k = batch_read(b, p, NULL);
	batch_expect_err(b, k, "ENOENT");
	stress_run_batch(s, b);
}

static void
reborn(struct stress *s, struct guest *g, void *arg)
{
	struct churn *c = arg;
	char tool[96], mine[96], w[32];
	struct batch *b;
	unsigned i, k;

	for (i = 0; i < c->n && c->v[i] != g; i++)
		;
	if (i == c->n)
		return;
	trap_paths(g, c->surv[i], tool, mine, sizeof(tool));
	snprintf(w, sizeof(w), "dom%u (reused domid)", g->domid);
	b = batch_new(g->conn, false, w);
	k = batch_read(b, tool, NULL);
	batch_expect_err(b, k, "EACCES");
	k = batch_write(b, tool, "stolen");
	batch_expect_err(b, k, "EACCES");
	k = batch_read(b, mine, NULL);
	batch_expect_err(b, k, "EACCES");
	stress_run_batch(s, b);
}

static void
remove_traps(struct stress *s, struct churn *c)
{
	char tool[96], mine[96], w[32];
	struct batch *b;
	unsigned i;

	for (i = 0; i < c->n; i++) {
		trap_paths(c->v[i], c->surv[i], tool, mine, sizeof(tool));
		b = batch_new(ts_conn_for(s, c->v[i]), false, "dom0 trap");
		batch_rm(b, tool);
		stress_run_batch(s, b);
		snprintf(w, sizeof(w), "dom%u", c->surv[i]->domid);
		b = batch_new(c->surv[i]->conn, false, w);
		snprintf(mine, sizeof(mine), "data/acl-%u", c->v[i]->domid);
		batch_rm(b, mine);
		stress_run_batch(s, b);
	}
	stress_wait(s, NULL, s->o.timeout, "churn: removing the traps");
}

static void
status(struct stress *s, char *buf, size_t len)
{
	snprintf(buf, len, "%u domains replaced, %u @releaseDomain events",
	    s->replaced, s->rel_events);
}

/* Pick the round's victims and a survivor for each. */
static unsigned
pick(struct stress *s, struct churn *c)
{
	struct guest **ok = xcalloc(s->ng, sizeof(*ok));
	unsigned i, j, n = 0, k;

	for (i = 0; i < s->ng; i++)
		if (guest_usable(&s->g[i]) && s->g[i].introduced)
			ok[n++] = &s->g[i];
	k = n * s->o.churn_pct / 100;
	if (k == 0)
		k = 1;
	if (k >= n)
		k = n - 1;
	for (i = 0; i < k; i++) {	/* partial Fisher-Yates */
		struct guest *t;

		j = i + rng_below(&s->rng, n - i);
		t = ok[i];
		ok[i] = ok[j];
		ok[j] = t;
	}
	for (i = 0; i < k; i++) {
		c->v[i] = ok[i];
		c->surv[i] = ok[k + rng_below(&s->rng, n - k)];
	}
	free(ok);
	return k;
}

int
sc_churn(struct stress *s)
{
	struct churn c;
	struct life_hooks h = { released, reborn, &c };
	unsigned r, before = s->replaced, rel = s->rel_events;

	memset(&c, 0, sizeof(c));
	c.v = xcalloc(s->ng, sizeof(*c.v));
	c.surv = xcalloc(s->ng, sizeof(*c.surv));
	s->status = status;
	for (r = 0; r < s->o.churn_rounds && !s->abort; r++) {
		c.round = r;
		s->what = "churn";
		if ((c.n = pick(s, &c)) == 0) {
			stats_fail(&s->st, FAIL_OTHER, "churn needs at least "
			    "two usable guests");
			break;
		}
		set_traps(s, &c);
		if (s->abort)
			break;
		life_replace(s, c.v, c.n, r % 2 == 1, &h);
		if (!s->abort)
			remove_traps(s, &c);
	}
	stress_extra(s, "%u rounds, %u domains died and were replaced with "
	    "the same domids, %u @releaseDomain events", r,
	    s->replaced - before, s->rel_events - rel);
	free(c.v);
	free(c.surv);
	return 0;
}

void
churn_event(struct stress *s, struct guest *g, struct xsconn *c,
    const char *path, const char *token)
{
	(void)c;
	if (g == NULL && strcmp(token, "c:rel") == 0)
		life_rel_event(s, path);
	else if (strncmp(token, "c:hello:", 8) == 0)
		life_hello_event(s, g, path, token);
	else
		stats_fail(&s->st, FAIL_PROTO, "unexpected event %s (token "
		    "%s)", path, token);
}
