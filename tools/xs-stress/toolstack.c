/*
 * toolstack.c: what libxl writes to xenstore to create and destroy a
 * domain, over dom0's socket connections.
 *
 * Like several `xl create` processes at once, each of the --toolstacks
 * connections runs one guest's job at a time, request by request, each
 * step in its own transaction retried on EAGAIN:
 *   1. libxl__domain_make: /local/domain/<id>, /vm/<uuid>, /libxl/<id>
 *      with libxl's permissions (n0 r<id> for what the guest reads,
 *      n<id> for what it writes);
 *   2. libxl__build_post: memory, domid, store/port, store/ring-ref, ...;
 *   3. XS_INTRODUCE <domid> <gfn> <port>;
 *   4. (boot-storm) libxl__device_generic_add for a vbd and a vif: the
 *      frontend directory owned by the guest with dom0 reading, the
 *      backend directory owned by dom0 with the guest reading.
 * Clean-up (xl destroy) removes the domain's paths and backends.
 */
#include <inttypes.h>
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

enum job_kind { JOB_INTRO, JOB_CLEANUP };

struct ts_job {
	struct stress *s;
	struct guest *g;
	enum job_kind kind;
	bool devices;
	int step;
	unsigned conn;
	struct ts_done done;
	struct ts_job *next;
};

struct toolstack {
	struct ts_job *head, *tail;
	bool *busy;
};

static void job_step(struct ts_job *j);

struct xsconn *
ts_conn_for(struct stress *s, const struct guest *g)
{
	return s->ts[g->slot % s->nts];
}

static struct toolstack *
tsk(struct stress *s)
{
	if (s->tsk == NULL) {
		s->tsk = xcalloc(1, sizeof(*s->tsk));
		s->tsk->busy = xcalloc(s->nts, sizeof(bool));
	}
	return s->tsk;
}

/* ---- libxl's nodes ----------------------------------------------- */

static void
mknod(struct batch *b, const struct guest *g, const char *base,
    const char *rel, char mode)
{
	char path[256], own[16], rd[16];

	snprintf(path, sizeof(path), "%s%s%s", base, rel[0] ? "/" : "", rel);
	batch_write(b, path, "");
	if (mode == 'w') {		/* the guest owns it */
		snprintf(own, sizeof(own), "n%u", g->domid);
		batch_perms(b, path, own, NULL);
	} else if (mode == 'r') {	/* dom0's, the guest reads */
		snprintf(rd, sizeof(rd), "r%u", g->domid);
		batch_perms(b, path, "n0", rd, NULL);
	} else {			/* dom0 only */
		batch_perms(b, path, "n0", NULL);
	}
}

static void
put(struct batch *b, const char *base, const char *rel, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	batch_write(b, path, val);
}

static void
domain_make(struct batch *b, const struct guest *g)
{
	static const char *const rw[] = {
		"control/shutdown", "control/feature-poweroff",
		"control/feature-reboot", "control/feature-suspend",
		"control/sysrq", "device/suspend/event-channel", "data",
		"drivers", "feature", "attr", "error",
	};
	char vm[64], lx[32];
	size_t i;

	snprintf(vm, sizeof(vm), "/vm/%s", g->uuid);
	snprintf(lx, sizeof(lx), "/libxl/%u", g->domid);
	batch_rm(b, g->home);
	batch_rm(b, vm);
	batch_rm(b, lx);
	mknod(b, g, g->home, "", 'r');
	mknod(b, g, vm, "", 'r');
	mknod(b, g, lx, "", 'n');
	put(b, g->home, "vm", vm);
	mknod(b, g, g->home, "device", 'r');
	mknod(b, g, g->home, "control", 'r');
	for (i = 0; i < sizeof(rw) / sizeof(rw[0]); i++)
		mknod(b, g, g->home, rw[i], 'w');
	put(b, vm, "uuid", g->uuid);
	put(b, vm, "name", g->name);
	put(b, g->home, "name", g->name);
	put(b, g->home, "control/platform-feature-multiprocessor-suspend",
	    "1");
	put(b, g->home, "control/platform-feature-xs_reset_watches", "1");
	put(b, lx, "type", "pvh");
}

static void
build_post(struct batch *b, const struct guest *g)
{
	char v[32], vm[64];

	snprintf(vm, sizeof(vm), "/vm/%s", g->uuid);
	put(b, g->home, "memory/static-max", "262144");
	put(b, g->home, "memory/target", "262144");
	snprintf(v, sizeof(v), "%u", g->domid);
	put(b, g->home, "domid", v);
	put(b, g->home, "cpu/0/availability", "online");
	put(b, g->home, "cpu/1/availability", "online");
	snprintf(v, sizeof(v), "%u", g->dom.port);
	put(b, g->home, "store/port", v);
	snprintf(v, sizeof(v), "%" PRIu64, g->dom.gfn);
	put(b, g->home, "store/ring-ref", v);
	put(b, g->home, "console/port", "2");
	put(b, g->home, "console/ring-ref", "1044475");
	put(b, g->home, "console/limit", "1048576");
	put(b, g->home, "console/type", "xenconsoled");
	put(b, vm, "start_time", "1763769600.00");
}

static void
device_add(struct batch *b, const struct guest *g, unsigned d)
{
	char fe[128], be[128], lx[128], v[64], id[16], own[16], rd[16];

	dev_fe_path(g, d, fe, sizeof(fe));
	dev_be_path(g, d, be, sizeof(be));
	dev_lx_path(g, d, lx, sizeof(lx));
	snprintf(id, sizeof(id), "%u", g->domid);
	batch_rm(b, fe);
	batch_rm(b, be);
	batch_rm(b, lx);
	batch_write(b, fe, "");
	snprintf(own, sizeof(own), "n%u", g->domid);
	batch_perms(b, fe, own, "r0", NULL);
	put(b, fe, "backend", be);
	put(b, fe, "backend-id", "0");
	put(b, fe, "state", "1");
	put(b, fe, "trusted", "1");
	batch_write(b, be, "");
	snprintf(rd, sizeof(rd), "r%u", g->domid);
	batch_perms(b, be, "n0", rd, NULL);
	put(b, be, "frontend", fe);
	put(b, be, "frontend-id", id);
	put(b, be, "online", "1");
	put(b, be, "state", "1");
	if (d == 0) {
		put(b, fe, "virtual-device", devtypes[d].devid);
		put(b, fe, "device-type", "disk");
		put(b, be, "removable", "0");
		put(b, be, "bootable", "1");
		put(b, be, "dev", "xvda");
		put(b, be, "type", "phy");
		put(b, be, "mode", "w");
		put(b, be, "device-type", "disk");
		put(b, be, "discard-enable", "1");
		snprintf(v, sizeof(v), "/dev/vg0/%s-disk", g->name);
		put(b, be, "params", v);
	} else {
		snprintf(v, sizeof(v), "00:16:3e:%02x:%02x:%02x",
		    g->domid >> 16 & 0xff, g->domid >> 8 & 0xff,
		    g->domid & 0xff);
		put(b, fe, "handle", "0");
		put(b, fe, "mac", v);
		put(b, be, "mac", v);
		put(b, be, "handle", "0");
		put(b, be, "bridge", "xenbr0");
		put(b, be, "type", "vif");
		put(b, be, "script", "/etc/xen/scripts/vif-bridge");
	}
	batch_write(b, lx, "");
	put(b, lx, "frontend", fe);
	put(b, lx, "backend", be);
}

static void
cleanup(struct batch *b, const struct guest *g)
{
	char p[128];
	unsigned d;

	batch_rm(b, g->home);
	snprintf(p, sizeof(p), "/vm/%s", g->uuid);
	batch_rm(b, p);
	snprintf(p, sizeof(p), "/libxl/%u", g->domid);
	batch_rm(b, p);
	for (d = 0; d < NDEVS; d++) {
		snprintf(p, sizeof(p), "/local/domain/0/backend/%s/%u",
		    devtypes[d].type, g->domid);
		batch_rm(b, p);
	}
}

/* ---- jobs -------------------------------------------------------- */

static void
job_done(struct ts_job *j, int rc)
{
	struct toolstack *t = tsk(j->s);
	struct ts_done d = j->done;
	struct guest *g = j->g;
	struct ts_job *n;
	unsigned c = j->conn;

	if (rc == 0 && j->kind == JOB_INTRO)
		g->introduced = true;
	free(j);
	t->busy[c] = false;
	if ((n = t->head) != NULL) {
		t->head = n->next;
		if (t->head == NULL)
			t->tail = NULL;
		n->conn = c;
		t->busy[c] = true;
		job_step(n);
	}
	if (d.fn != NULL)
		d.fn(d.arg, g, rc);
}

static void
step_done(void *arg, int rc)
{
	struct ts_job *j = arg;

	if (rc < 0) {
		job_done(j, rc);
		return;
	}
	j->step++;
	job_step(j);
}

static void
job_step(struct ts_job *j)
{
	struct batch_done done = { step_done, j };
	struct xsconn *c = j->s->ts[j->conn];
	struct guest *g = j->g;
	char who[48], id[16], gfn[32], port[16];
	struct batch *b;

	snprintf(who, sizeof(who), "toolstack %u (dom%u)", j->conn,
	    g->domid);
	if (j->kind == JOB_CLEANUP) {
		if (j->step > 0) {
			job_done(j, 0);
			return;
		}
		b = batch_new(c, false, who);
		cleanup(b, g);
		batch_run(b, &done);
		return;
	}
	switch (j->step) {
	case 0:
		b = batch_new(c, true, who);
		domain_make(b, g);
		break;
	case 1:
		b = batch_new(c, true, who);
		build_post(b, g);
		break;
	case 2:
		b = batch_new(c, false, who);
		snprintf(id, sizeof(id), "%u", g->domid);
		snprintf(gfn, sizeof(gfn), "%" PRIu64, g->dom.gfn);
		snprintf(port, sizeof(port), "%u", g->dom.port);
		batch_strs(b, XS_INTRODUCE, NULL, id, gfn, port, NULL);
		break;
	case 3:
	case 4:
		if (j->devices) {
			b = batch_new(c, true, who);
			device_add(b, g, (unsigned)j->step - 3);
			break;
		}
		/* FALLTHROUGH */
	default:
		job_done(j, 0);
		return;
	}
	batch_run(b, &done);
}

static void
submit(struct stress *s, struct guest *g, enum job_kind kind, bool devices,
    const struct ts_done *done)
{
	struct toolstack *t = tsk(s);
	struct ts_job *j = xcalloc(1, sizeof(*j));
	unsigned i;

	j->s = s;
	j->g = g;
	j->kind = kind;
	j->devices = devices;
	if (kind == JOB_INTRO && g->introduced)
		j->step = 3;
	if (done != NULL)
		j->done = *done;
	for (i = 0; i < s->nts; i++) {
		if (!t->busy[i]) {
			t->busy[i] = true;
			j->conn = i;
			job_step(j);
			return;
		}
	}
	if (t->tail != NULL)
		t->tail->next = j;
	else
		t->head = j;
	t->tail = j;
}

void
ts_introduce(struct stress *s, struct guest *g, bool devices,
    const struct ts_done *done)
{
	submit(s, g, JOB_INTRO, devices, done);
}

void
ts_cleanup(struct stress *s, struct guest *g, const struct ts_done *done)
{
	submit(s, g, JOB_CLEANUP, false, done);
}

static void
intro_done(void *arg, struct guest *g, int rc)
{
	struct stress *s = arg;

	(void)g;
	(void)rc;
	s->inflight--;
}

int
ts_introduce_all(struct stress *s)
{
	struct ts_done done = { intro_done, s };
	unsigned i;

	for (i = 0; i < s->ng; i++) {
		if (s->g[i].introduced || !guest_usable(&s->g[i]))
			continue;
		s->inflight++;
		ts_introduce(s, &s->g[i], false, &done);
	}
	return stress_wait(s, NULL, s->o.timeout, "introducing the guests");
}

void
ts_free(struct stress *s)
{
	struct ts_job *j;

	if (s->tsk == NULL)
		return;
	while ((j = s->tsk->head) != NULL) {
		s->tsk->head = j->next;
		free(j);
	}
	free(s->tsk->busy);
	free(s->tsk);
	s->tsk = NULL;
}
