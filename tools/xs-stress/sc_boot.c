/*
 * sc_boot.c: boot-storm.  All guests boot at once, as after a host
 * restart: the toolstack introduces each guest and adds a vbd and a vif
 * (toolstack.c), then "unpauses" it; each guest's frontends and dom0's
 * backends then follow each other's state through watches, as Linux's
 * xenbus drivers do, until every device is Connected (4):
 *
 *   backend (dom0 socket)                frontend (guest ring)
 *   watch /local/domain/0/backend        watch device (relative)
 *   new device: read frontend*, watch    scan device/, read backend*,
 *     <fe>/state, txn: features,           watch <be>/state
 *     state 1 -> 2 (InitWait)
 *                                        be 2: txn: ring-ref, event-
 *                                          channel, ..., state 1 -> 3
 *   fe 3: read ring-ref*, event-channel*,
 *     txn: sectors, ..., state 2 -> 4
 *                                        be 4: read sectors*, ...,
 *                                          txn: state 3 -> 4
 * (* checked against what the other side wrote.)  Measures the time
 * until every guest is Connected; then dom0 reads every state back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xs_wire.h>

#include "batch.h"
#include "boot.h"
#include "devices.h"
#include "stress.h"
#include "util.h"
#include "xsconn.h"

#define DISC_PATH	"/local/domain/0/backend"
#define DISC_TOKEN	"b:disc"

struct boot_guest *
bg_of(const struct guest *g)
{
	return g->boot != NULL && g->boot->gen == g->gen ? g->boot : NULL;
}

/* ---- events ------------------------------------------------------ */

static void
disc_event(struct stress *s, const char *path)
{
	struct boot_guest *bg;
	struct guest *g;
	uint32_t domid;
	int d;

	if ((d = dev_parse_be(path, &domid)) < 0 ||
	    (g = stress_guest_by_domid(s, domid)) == NULL ||
	    (bg = bg_of(g)) == NULL || g->dead)
		return;
	if (!bg->be[d].probed && bg->be[d].stage == BE_IDLE)
		be_probe(s, &bg->be[d]);
}

void
boot_event(struct stress *s, struct guest *g, struct xsconn *c,
    const char *path, const char *token)
{
	struct boot_guest *bg;
	unsigned slot, gen, d;

	(void)c;
	if (g == NULL && strcmp(token, DISC_TOKEN) == 0) {
		disc_event(s, path);
		return;
	}
	if (g == NULL && sscanf(token, "b:fe:%u:%u:%u", &slot, &gen,
	    &d) == 3 && slot < s->ng && d < NDEVS) {
		g = &s->g[slot];
		if ((bg = bg_of(g)) == NULL || g->gen != gen)
			return;		/* a previous domain's */
		bg->be[d].dirty = true;
		be_kick(s, &bg->be[d]);
		return;
	}
	if (g != NULL && (bg = bg_of(g)) != NULL) {
		if (strcmp(token, "b:dev") == 0) {
			if (!bg->scanned && strcmp(path, "device") == 0) {
				bg->need_scan = true;
				fe_kick(s, g);
			}
			return;
		}
		if (sscanf(token, "b:be:%u", &d) == 1 && d < NDEVS) {
			bg->dirty |= 1u << d;
			fe_kick(s, g);
			return;
		}
	}
	if (g != NULL && bg_of(g) == NULL)
		return;
	stats_fail(&s->st, FAIL_PROTO, "%s: unexpected boot-storm event %s "
	    "(token %s)", xsconn_name(c), path, token);
}

/* ---- the scenario ------------------------------------------------ */

static void
added(void *arg, struct guest *g, int rc)
{
	struct stress *s = arg;

	s->boot->added++;
	if (s->boot->added == s->boot->n)
		s->boot->t_added = now_ns();
	if (rc < 0) {
		g->boot->failed = true;
		s->boot->failed++;
		return;
	}
	g->boot->devs_added = true;
	fe_start(g);
}

static bool
all_done(void *arg)
{
	struct boot *b = arg;

	return b->connected + b->failed >= b->n;
}

static void
status(struct stress *s, char *buf, size_t len)
{
	struct boot *b = s->boot;

	snprintf(buf, len, "devices added %u/%u, backends connected %u, "
	    "guests connected %u/%u", b->added, b->n, b->be_connected,
	    b->connected, b->n);
}

/* dom0 reads every device state back: all 4. */
static void
verify(struct stress *s)
{
	struct batch *b;
	char p[160];
	unsigned i, d;

	for (i = 0; i < s->ng; i++) {
		struct guest *g = &s->g[i];

		if (bg_of(g) == NULL || !g->boot->connected)
			continue;
		b = batch_new(ts_conn_for(s, g), false, "dom0 final check");
		for (d = 0; d < NDEVS; d++) {
			dev_fe_path(g, d, p, sizeof(p));
			strcat(p, "/state");
			batch_read(b, p, "4");
			dev_be_path(g, d, p, sizeof(p));
			strcat(p, "/state");
			batch_read(b, p, "4");
		}
		stress_run_batch(s, b);
	}
	stress_wait(s, NULL, s->o.timeout, "boot-storm: reading the states");
}

/*
 * At the phase limit, a guest not Connected is either still waiting for
 * the daemon (its devices not yet added by the toolstack, or one of its
 * frontend or backend steps waiting for a reply): a slow daemon, counted
 * with the timeout; or idle, waiting for a watch event that never came: a
 * lost event.
 */
static void
report_stuck(struct stress *s)
{
	unsigned i, d, shown = 0, busy;

	for (i = 0; i < s->ng && shown < 10; i++) {
		struct guest *g = &s->g[i];
		struct boot_guest *bg = bg_of(g);
		const char *why;

		if (bg == NULL || bg->connected || bg->failed)
			continue;
		busy = bg->stage != FE_IDLE;
		for (d = 0; d < NDEVS; d++)
			busy += bg->be[d].stage != BE_IDLE;
		if (!bg->devs_added)
			why = "still booting (waiting for the toolstack)";
		else if (busy)
			why = "still booting (waiting for a reply)";
		else
			why = NULL;
		shown++;
		stats_fail(&s->st, why != NULL ? FAIL_TIMEOUT : FAIL_LOST,
		    "dom%u never Connected%s%s: frontend states %u/%u, "
		    "backend states %u/%u (read %u/%u), devices %s, scanned %d",
		    g->domid, why != NULL ? ", " : "", why != NULL ? why : "",
		    bg->state[0], bg->state[1], bg->be[0].state,
		    bg->be[1].state, bg->be_state[0], bg->be_state[1],
		    bg->devs_added ? "added" : "not added", bg->scanned);
	}
}

int
sc_boot(struct stress *s)
{
	struct ts_done done = { added, s };
	struct batch *b;
	double t_conn;
	unsigned i, d;

	if (s->boot != NULL) {
		stats_fail(&s->st, FAIL_OTHER, "boot-storm runs once per "
		    "xs-stress run");
		return -1;
	}
	s->boot = xcalloc(1, sizeof(*s->boot));
	b = batch_new(s->mon, false, "dom0 backend watch");
	batch_watch(b, DISC_PATH, DISC_TOKEN);
	stress_run_batch(s, b);
	if (stress_wait(s, NULL, 60, "boot-storm: backend watch") < 0)
		return -1;
	for (i = 0; i < s->ng; i++) {
		struct guest *g = &s->g[i];

		if (!guest_usable(g))
			continue;
		free(g->boot);
		g->boot = xcalloc(1, sizeof(*g->boot));
		g->boot->gen = g->gen;
		for (d = 0; d < NDEVS; d++) {
			g->boot->state[d] = 1;
			g->boot->be[d].g = g;
			g->boot->be[d].d = d;
			g->boot->be[d].state = 1;
		}
		s->boot->n++;
	}
	s->what = "boot-storm";
	s->status = status;
	for (i = 0; i < s->ng; i++)
		if (bg_of(&s->g[i]) != NULL)
			ts_introduce(s, &s->g[i], true, &done);
	if (!stress_run_until(s, all_done, s->boot, s->o.timeout) &&
	    !s->abort) {
		report_stuck(s);
		stats_fail(&s->st, FAIL_TIMEOUT, "boot-storm: %u of %u guests "
		    "Connected after %.0f s", s->boot->connected, s->boot->n,
		    s->o.timeout);
		s->abort = true;
	}
	t_conn = stress_elapsed(s);
	stress_extra(s, "%u/%u guests Connected after %.2f s (devices of all "
	    "added after %.2f s)", s->boot->connected, s->boot->n, t_conn,
	    s->boot->t_added != 0 ? (double)(s->boot->t_added - s->t0) /
	    NSEC_PER_SEC : 0.0);
	if (s->abort)
		return -1;
	verify(s);
	b = batch_new(s->mon, false, "dom0 backend unwatch");
	batch_unwatch(b, DISC_PATH, DISC_TOKEN);
	stress_run_batch(s, b);
	stress_wait(s, NULL, 60, "boot-storm: unwatch");
	return 0;
}

void
boot_forget(struct stress *s, struct guest *g)
{
	struct boot_guest *bg = bg_of(g);
	struct batch *b;
	char p[160], tok[48];
	unsigned d;

	if (bg == NULL)
		return;
	for (d = 0; d < NDEVS; d++) {
		if (!bg->be[d].probed)
			continue;
		b = batch_new(ts_conn_for(s, g), false, "dom0 backend");
		be_fe_path(&bg->be[d], "state", p, sizeof(p));
		snprintf(tok, sizeof(tok), "b:fe:%u:%u:%u", g->slot, g->gen, d);
		batch_unwatch(b, p, tok);
		stress_run_batch(s, b);
	}
	bg->gen = 0;	/* inert; freed with the guest table */
}

void
boot_free(struct stress *s)
{
	free(s->boot);
	s->boot = NULL;
}
