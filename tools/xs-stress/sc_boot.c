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
#include "devices.h"
#include "stress.h"
#include "util.h"
#include "xsconn.h"

#define DISC_PATH	"/local/domain/0/backend"
#define DISC_TOKEN	"b:disc"

enum fe_stage { FE_IDLE, FE_WATCH, FE_SCAN, FE_READ_BE, FE_TALK,
	FE_DETAILS, FE_CONNECT };
enum be_stage { BE_IDLE, BE_PROBE, BE_INITWAIT, BE_READ_FE, BE_READ_RING,
	BE_CONNECT };

struct bedev {
	struct guest *g;
	unsigned d;
	uint8_t state;		/* the backend's own state */
	uint8_t fe_state;	/* last read */
	enum be_stage stage;
	bool probed, dirty;
};

struct boot_guest {
	uint32_t gen;
	bool devs_added, scanned, need_scan, connected, failed;
	enum fe_stage stage;	/* FE_IDLE: not busy */
	unsigned dirty;		/* devices whose backend state changed */
	unsigned cur;		/* device of the current stage */
	uint8_t state[NDEVS];	/* the frontend's own states */
	uint8_t be_state[NDEVS];
	struct bedev be[NDEVS];
};

struct boot {
	unsigned n;		/* guests booting */
	unsigned connected, failed, be_connected, added;
	int64_t t_added;	/* all devices added */
	bool running;
};

static void fe_kick(struct stress *s, struct guest *g);
static void be_kick(struct stress *s, struct bedev *be);

static struct boot_guest *
bg_of(const struct guest *g)
{
	return g->boot != NULL && g->boot->gen == g->gen ? g->boot : NULL;
}

static void
who_fe(const struct guest *g, char *buf, size_t len)
{
	snprintf(buf, len, "dom%u frontend", g->domid);
}

/* ---- frontend (guest) -------------------------------------------- */

static bool
fe_inspect(void *arg, unsigned i, const struct xsreply *r)
{
	struct guest *g = arg;
	struct boot_guest *bg = g->boot;
	struct stats *st = &g->s->st;

	if (bg->stage == FE_SCAN && i < 3) {
		static const char *const want[3][2] = {
			{ "vbd", "vif" }, { "51712", "51712" }, { "0", "0" },
		};

		if (!reply_lists(r, want[i][0]) || !reply_lists(r,
		    want[i][1])) {
			stats_fail(st, FAIL_MISMATCH, "dom%u: directory %u of "
			    "its devices lacks %s", g->domid, i, want[i][0]);
			return false;
		}
	} else if (bg->stage == FE_READ_BE) {
		bg->be_state[bg->cur] = (uint8_t)atoi(r->body);
	}
	return true;
}

static void fe_done(void *arg, int rc);

static void
fe_run(struct guest *g, struct batch *b, enum fe_stage stage)
{
	struct batch_inspect in = { fe_inspect, g };
	struct batch_done d = { fe_done, g };

	g->boot->stage = stage;
	batch_set_inspect(b, &in);
	batch_run(b, &d);
}

static void
fe_scan(struct guest *g)
{
	char who[48], p[192], be[128];
	struct batch *b;
	unsigned d;

	who_fe(g, who, sizeof(who));
	b = batch_new(g->conn, false, who);
	batch_dir(b, "device");
	batch_dir(b, "device/vbd");
	batch_dir(b, "device/vif");
	for (d = 0; d < NDEVS; d++) {
		dev_be_path(g, d, be, sizeof(be));
		snprintf(p, sizeof(p), "device/%s/%s/backend",
		    devtypes[d].type, devtypes[d].devid);
		batch_read(b, p, be);
		snprintf(p, sizeof(p), "device/%s/%s/state", devtypes[d].type,
		    devtypes[d].devid);
		batch_read(b, p, "1");
		snprintf(p, sizeof(p), "%s/state", be);
		snprintf(who, sizeof(who), "b:be:%u", d);
		batch_watch(b, p, who);
	}
	fe_run(g, b, FE_SCAN);
}

static void
fe_put(struct batch *b, unsigned d, const char *rel, const char *val)
{
	char p[160];

	snprintf(p, sizeof(p), "device/%s/%s/%s", devtypes[d].type,
	    devtypes[d].devid, rel);
	batch_write(b, p, val);
}

static void
fe_be_read(struct batch *b, const struct guest *g, unsigned d,
    const char *rel, const char *expect)
{
	char p[160];

	dev_be_path(g, d, p, sizeof(p));
	strcat(p, "/");
	strcat(p, rel);
	batch_read(b, p, expect);
}

static void
fe_state_change(struct batch *b, unsigned d, const char *from,
    const char *to)
{
	char p[160];

	snprintf(p, sizeof(p), "device/%s/%s/state", devtypes[d].type,
	    devtypes[d].devid);
	batch_read(b, p, from);
	batch_write(b, p, to);
}

/* After the backend's state was read: what the frontend does next. */
static void
fe_advance(struct guest *g)
{
	struct boot_guest *bg = g->boot;
	unsigned d = bg->cur;
	char who[48], v[32];
	struct batch *b;

	who_fe(g, who, sizeof(who));
	if (bg->state[d] == 1 && bg->be_state[d] == 2) {
		/* talk_to_backend: publish the ring, then Initialised. */
		b = batch_new(g->conn, true, who);
		dev_ring_ref(g, d, v, sizeof(v));
		fe_put(b, d, d == 0 ? "ring-ref" : "tx-ring-ref", v);
		if (d == 1) {
			snprintf(v, sizeof(v), "%u", 1000 + g->gen);
			fe_put(b, d, "rx-ring-ref", v);
		}
		dev_evtchn(g, d, v, sizeof(v));
		fe_put(b, d, "event-channel", v);
		if (d == 0) {
			fe_put(b, d, "protocol", "x86_64-abi");
			fe_put(b, d, "feature-persistent", "1");
		} else {
			fe_put(b, d, "request-rx-copy", "1");
			fe_put(b, d, "feature-rx-notify", "1");
			fe_put(b, d, "feature-sg", "1");
		}
		fe_state_change(b, d, "1", "3");
		fe_run(g, b, FE_TALK);
	} else if (bg->state[d] == 3 && bg->be_state[d] == 4) {
		/* connect: read what the backend published. */
		b = batch_new(g->conn, false, who);
		if (d == 0) {
			fe_be_read(b, g, d, "sectors", "2097152");
			fe_be_read(b, g, d, "sector-size", "512");
			fe_be_read(b, g, d, "info", "0");
			fe_be_read(b, g, d, "feature-flush-cache", "1");
		} else {
			fe_be_read(b, g, d, "feature-sg", "1");
			fe_be_read(b, g, d, "feature-rx-copy", "1");
			fe_be_read(b, g, d, "hotplug-status", "connected");
		}
		fe_run(g, b, FE_DETAILS);
	} else {
		bg->stage = FE_IDLE;
		fe_kick(g->s, g);
	}
}

static void
fe_connected(struct stress *s, struct guest *g)
{
	struct boot_guest *bg = g->boot;
	unsigned d;

	for (d = 0; d < NDEVS; d++)
		if (bg->state[d] != 4)
			return;
	if (!bg->connected && s->boot != NULL) {
		bg->connected = true;
		s->boot->connected++;
	}
}

static void
fe_done(void *arg, int rc)
{
	struct guest *g = arg;
	struct stress *s = g->s;
	struct boot_guest *bg = g->boot;
	char who[48];
	struct batch *b;

	if (rc < 0) {
		if (!bg->failed && !bg->connected && s->boot != NULL)
			s->boot->failed++;
		bg->failed = true;
		bg->stage = FE_IDLE;
		return;
	}
	switch (bg->stage) {
	case FE_SCAN:
		bg->scanned = true;
		bg->dirty = (1u << NDEVS) - 1;
		break;
	case FE_READ_BE:
		fe_advance(g);
		return;
	case FE_TALK:
		bg->state[bg->cur] = 3;
		break;
	case FE_DETAILS:
		who_fe(g, who, sizeof(who));
		b = batch_new(g->conn, true, who);
		fe_state_change(b, bg->cur, "3", "4");
		fe_run(g, b, FE_CONNECT);
		return;
	case FE_CONNECT:
		bg->state[bg->cur] = 4;
		fe_connected(s, g);
		break;
	default:
		break;
	}
	bg->stage = FE_IDLE;
	fe_kick(s, g);
}

static void
fe_kick(struct stress *s, struct guest *g)
{
	struct boot_guest *bg = g->boot;
	char who[48], p[160];
	struct batch *b;
	unsigned d;

	(void)s;
	if (bg->stage != FE_IDLE || bg->failed || g->conn == NULL)
		return;
	if (bg->need_scan) {
		bg->need_scan = false;
		fe_scan(g);
		return;
	}
	if (bg->dirty == 0 || !bg->scanned)
		return;
	d = (unsigned)__builtin_ctz(bg->dirty);
	bg->dirty &= ~(1u << d);
	bg->cur = d;
	who_fe(g, who, sizeof(who));
	b = batch_new(g->conn, false, who);
	dev_be_path(g, d, p, sizeof(p));
	strcat(p, "/state");
	batch_read(b, p, NULL);
	fe_run(g, b, FE_READ_BE);
}

/* The toolstack added the devices: unpause, the frontend starts. */
static void
fe_start(struct guest *g)
{
	char who[48];
	struct batch *b;

	who_fe(g, who, sizeof(who));
	b = batch_new(g->conn, false, who);
	batch_watch(b, "device", "b:dev");
	fe_run(g, b, FE_WATCH);
}

/* ---- backend (dom0) ---------------------------------------------- */

static void be_done(void *arg, int rc);

static bool
be_inspect(void *arg, unsigned i, const struct xsreply *r)
{
	struct bedev *be = arg;

	(void)i;
	if (be->stage == BE_READ_FE)
		be->fe_state = r->type == XS_ERROR ? 0 :
		    (uint8_t)atoi(r->body);
	return true;
}

static void
be_run(struct bedev *be, struct batch *b, enum be_stage stage)
{
	struct batch_inspect in = { be_inspect, be };
	struct batch_done d = { be_done, be };

	be->stage = stage;
	batch_set_inspect(b, &in);
	batch_run(b, &d);
}

static struct batch *
be_batch(struct stress *s, struct bedev *be, bool txn)
{
	char who[48];

	snprintf(who, sizeof(who), "dom0 %s backend (dom%u)",
	    devtypes[be->d].type, be->g->domid);
	return batch_new(ts_conn_for(s, be->g), txn, who);
}

static void
be_path(const struct bedev *be, const char *rel, char *buf, size_t len)
{
	dev_be_path(be->g, be->d, buf, len);
	if (rel != NULL) {
		strncat(buf, "/", len - strlen(buf) - 1);
		strncat(buf, rel, len - strlen(buf) - 1);
	}
}

static void
fe_path(const struct bedev *be, const char *rel, char *buf, size_t len)
{
	dev_fe_path(be->g, be->d, buf, len);
	strncat(buf, "/", len - strlen(buf) - 1);
	strncat(buf, rel, len - strlen(buf) - 1);
}

static void
be_probe(struct stress *s, struct bedev *be)
{
	struct guest *g = be->g;
	char p[160], v[160], tok[48];
	struct batch *b = be_batch(s, be, false);

	be_path(be, "frontend", p, sizeof(p));
	dev_fe_path(g, be->d, v, sizeof(v));
	batch_read(b, p, v);
	be_path(be, "frontend-id", p, sizeof(p));
	snprintf(v, sizeof(v), "%u", g->domid);
	batch_read(b, p, v);
	be_path(be, "state", p, sizeof(p));
	batch_read(b, p, "1");
	fe_path(be, "state", p, sizeof(p));
	snprintf(tok, sizeof(tok), "b:fe:%u:%u:%u", g->slot, g->gen, be->d);
	batch_watch(b, p, tok);
	be_run(be, b, BE_PROBE);
}

static void
be_put(struct batch *b, const struct bedev *be, const char *rel,
    const char *val)
{
	char p[160];

	be_path(be, rel, p, sizeof(p));
	batch_write(b, p, val);
}

static void
be_state_change(struct batch *b, const struct bedev *be, const char *from,
    const char *to)
{
	char p[160];

	be_path(be, "state", p, sizeof(p));
	batch_read(b, p, from);
	batch_write(b, p, to);
}

static void
be_next(struct stress *s, struct bedev *be)
{
	struct guest *g = be->g;
	struct batch *b;
	char p[160], v[32];

	switch (be->stage) {
	case BE_PROBE:		/* xenbus probe: features, InitWait */
		b = be_batch(s, be, true);
		if (be->d == 0) {
			be_put(b, be, "feature-flush-cache", "1");
			be_put(b, be, "feature-discard", "1");
			be_put(b, be, "feature-persistent", "1");
			be_put(b, be, "max-ring-page-order", "4");
		} else {
			be_put(b, be, "feature-sg", "1");
			be_put(b, be, "feature-gso-tcpv4", "1");
			be_put(b, be, "feature-rx-copy", "1");
			be_put(b, be, "multi-queue-max-queues", "2");
			be_put(b, be, "hotplug-status", "connected");
		}
		be_state_change(b, be, "1", "2");
		be_run(be, b, BE_INITWAIT);
		return;
	case BE_INITWAIT:
		be->state = 2;
		be->probed = true;
		break;
	case BE_READ_FE:	/* frontend Initialised: read its ring */
		if (be->fe_state != 3 || be->state != 2)
			break;
		b = be_batch(s, be, false);
		fe_path(be, be->d == 0 ? "ring-ref" : "tx-ring-ref", p,
		    sizeof(p));
		dev_ring_ref(g, be->d, v, sizeof(v));
		batch_read(b, p, v);
		fe_path(be, "event-channel", p, sizeof(p));
		dev_evtchn(g, be->d, v, sizeof(v));
		batch_read(b, p, v);
		be_run(be, b, BE_READ_RING);
		return;
	case BE_READ_RING:	/* connect: publish, then Connected */
		b = be_batch(s, be, true);
		if (be->d == 0) {
			be_put(b, be, "sectors", "2097152");
			be_put(b, be, "sector-size", "512");
			be_put(b, be, "info", "0");
		}
		be_state_change(b, be, "2", "4");
		be_run(be, b, BE_CONNECT);
		return;
	case BE_CONNECT:
		be->state = 4;
		if (s->boot != NULL)
			s->boot->be_connected++;
		break;
	default:
		break;
	}
	be->stage = BE_IDLE;
	be_kick(s, be);
}

static void
be_done(void *arg, int rc)
{
	struct bedev *be = arg;
	struct guest *g = be->g;
	struct boot_guest *bg = g->boot;

	if (rc < 0) {
		be->stage = BE_IDLE;
		if (!bg->failed && !bg->connected && g->s->boot != NULL)
			g->s->boot->failed++;
		bg->failed = true;
		return;
	}
	be_next(g->s, be);
}

static void
be_kick(struct stress *s, struct bedev *be)
{
	struct guest *g = be->g;
	struct batch *b;
	char p[160];
	unsigned i;

	if (be->stage != BE_IDLE || !be->probed || !be->dirty ||
	    g->boot->failed || g->dead || bg_of(g) == NULL)
		return;
	be->dirty = false;
	b = be_batch(s, be, false);
	fe_path(be, "state", p, sizeof(p));
	i = batch_read(b, p, NULL);
	batch_allow_err(b, i, "ENOENT");
	be_run(be, b, BE_READ_FE);
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

static void
report_stuck(struct stress *s)
{
	unsigned i, shown = 0;

	for (i = 0; i < s->ng && shown < 10; i++) {
		struct guest *g = &s->g[i];
		struct boot_guest *bg = bg_of(g);

		if (bg == NULL || bg->connected || bg->failed)
			continue;
		shown++;
		stats_fail(&s->st, FAIL_LOST, "dom%u never Connected: "
		    "frontend states %u/%u, backend states %u/%u (read %u/%u), "
		    "devices %s, scanned %d", g->domid, bg->state[0],
		    bg->state[1], bg->be[0].state, bg->be[1].state,
		    bg->be_state[0], bg->be_state[1], bg->devs_added ?
		    "added" : "not added", bg->scanned);
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
	s->status = status;
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
		fe_path(&bg->be[d], "state", p, sizeof(p));
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
