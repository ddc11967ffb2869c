/*
 * boot_fe.c: a guest's frontends in boot-storm, as Linux's xenbus
 * frontend drivers behave: find the devices under device/, watch each
 * backend's state, publish the ring and go Initialised when the backend
 * waits, read the backend's details and go Connected when it is.  One
 * step at a time per guest (stage), events in between are remembered
 * (need_scan, dirty) and handled when the step ends.
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

void
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
void
fe_start(struct guest *g)
{
	char who[48];
	struct batch *b;

	who_fe(g, who, sizeof(who));
	b = batch_new(g->conn, false, who);
	batch_watch(b, "device", "b:dev");
	fe_run(g, b, FE_WATCH);
}
