/*
 * boot_be.c: dom0's backend driver in boot-storm, as Linux's xenbus
 * backend drivers behave, over the toolstack's socket connections: probe
 * a new device (check its nodes, watch the frontend's state, publish the
 * features, InitWait), then follow the frontend: when it is Initialised,
 * read its ring references and go Connected.
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

void
be_fe_path(const struct bedev *be, const char *rel, char *buf, size_t len)
{
	dev_fe_path(be->g, be->d, buf, len);
	strncat(buf, "/", len - strlen(buf) - 1);
	strncat(buf, rel, len - strlen(buf) - 1);
}

void
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
	be_fe_path(be, "state", p, sizeof(p));
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
		be_fe_path(be, be->d == 0 ? "ring-ref" : "tx-ring-ref", p,
		    sizeof(p));
		dev_ring_ref(g, be->d, v, sizeof(v));
		batch_read(b, p, v);
		be_fe_path(be, "event-channel", p, sizeof(p));
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

void
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
	be_fe_path(be, "state", p, sizeof(p));
	i = batch_read(b, p, NULL);
	batch_allow_err(b, i, "ENOENT");
	be_run(be, b, BE_READ_FE);
}
