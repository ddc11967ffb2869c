/*
 * toolstack.c: create a domain's xenstore nodes and introduce it, as libxl
 * does (libxl__domain_make, libxl__domain_rename, libxl__build_post).
 *
 * /local/domain/<id> and /vm/<uuid> are owned by dom0 and readable by the
 * guest; the guest may write control/shutdown, data, drivers, feature,
 * attr, error and device/suspend/event-channel.  After the build entries
 * (memory, domid, store/port, store/ring-ref) comes
 * xs_introduce_domain(domid, gfn, port).  Transactions are retried on
 * EAGAIN a bounded number of times.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <xenstore.h>

#include "toolstack.h"
#include "xensim.h"

#define RETRIES 20

struct ts_ctx {
	struct xs_handle *xs;
	xs_transaction_t t;
	const struct xensim_domain *d;
	const char *name;
	char uuid[40];
	char dom[64];
	char vm[64];
};

static bool
put(struct ts_ctx *x, const char *base, const char *rel, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s%s%s", base, rel[0] ? "/" : "", rel);
	return xs_write(x->xs, x->t, path, val, (unsigned int)strlen(val));
}

/* A node with libxl's permissions: ro (guest reads) or rw (guest owns). */
static bool
mknod(struct ts_ctx *x, const char *base, const char *rel, bool rw)
{
	struct xs_permissions p[2];
	char path[256];

	snprintf(path, sizeof(path), "%s%s%s", base, rel[0] ? "/" : "", rel);
	if (!xs_write(x->xs, x->t, path, "", 0))
		return false;
	if (rw) {
		p[0].id = x->d->domid;
		p[0].perms = XS_PERM_NONE;
		return xs_set_permissions(x->xs, x->t, path, p, 1);
	}
	p[0].id = 0;
	p[0].perms = XS_PERM_NONE;
	p[1].id = x->d->domid;
	p[1].perms = XS_PERM_READ;
	return xs_set_permissions(x->xs, x->t, path, p, 2);
}

static bool
make_nodes(struct ts_ctx *x)
{
	static const char *const rw[] = {
		"control/shutdown", "device/suspend/event-channel", "data",
		"drivers", "feature", "attr", "error",
	};
	size_t i;

	xs_rm(x->xs, x->t, x->dom);
	xs_rm(x->xs, x->t, x->vm);
	if (!mknod(x, x->dom, "", false) || !mknod(x, x->vm, "", false) ||
	    !put(x, x->dom, "vm", x->vm) ||
	    !mknod(x, x->dom, "device", false) ||
	    !mknod(x, x->dom, "control", false))
		return false;
	for (i = 0; i < sizeof(rw) / sizeof(rw[0]); i++)
		if (!mknod(x, x->dom, rw[i], true))
			return false;
	return put(x, x->vm, "uuid", x->uuid) &&
	    put(x, x->vm, "name", x->name) &&
	    put(x, x->dom, "name", x->name) &&
	    put(x, x->dom,
	    "control/platform-feature-multiprocessor-suspend", "1") &&
	    put(x, x->dom, "control/platform-feature-xs_reset_watches", "1");
}

static bool
build_post(struct ts_ctx *x)
{
	char id[16], port[16], gfn[32];

	snprintf(id, sizeof(id), "%u", x->d->domid);
	snprintf(port, sizeof(port), "%u", x->d->port);
	snprintf(gfn, sizeof(gfn), "%" PRIu64, x->d->gfn);
	return put(x, x->dom, "memory/static-max", "131072") &&
	    put(x, x->dom, "memory/target", "131072") &&
	    put(x, x->dom, "domid", id) &&
	    put(x, x->dom, "store/port", port) &&
	    put(x, x->dom, "store/ring-ref", gfn);
}

/* The domain's handle as text; a zero handle gets one made of the domid. */
static void
uuid_text(const struct xensim_domain *d, char *buf, size_t len)
{
	static const uint8_t zero[16];
	const uint8_t *u = d->uuid;

	if (memcmp(u, zero, sizeof(zero)) == 0) {
		snprintf(buf, len, "00000000-0000-0000-0000-%012x", d->domid);
		return;
	}
	snprintf(buf, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4],
	    u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
	    u[15]);
}

/* Run one step in a transaction, retrying on EAGAIN. */
static int
in_txn(struct ts_ctx *x, bool (*step)(struct ts_ctx *))
{
	int i, err;

	for (i = 0; i < RETRIES; i++) {
		x->t = xs_transaction_start(x->xs);
		if (x->t == XBT_NULL)
			return -(errno != 0 ? errno : EIO);
		if (!step(x)) {
			err = errno != 0 ? errno : EIO;
			xs_transaction_end(x->xs, x->t, true);
			return -err;
		}
		if (xs_transaction_end(x->xs, x->t, false))
			return 0;
		if (errno != EAGAIN)
			return -(errno != 0 ? errno : EIO);
	}
	return -EAGAIN;
}

int
xsim_toolstack_introduce(struct xs_handle *xs, const struct xensim_domain *d,
    const char *name)
{
	struct ts_ctx x;
	char buf[32];
	int rc;

	if (xs == NULL || d == NULL)
		return -EINVAL;
	memset(&x, 0, sizeof(x));
	x.xs = xs;
	x.d = d;
	if (name == NULL) {
		snprintf(buf, sizeof(buf), "guest%u", d->domid);
		name = buf;
	}
	x.name = name;
	snprintf(x.dom, sizeof(x.dom), "/local/domain/%u", d->domid);
	uuid_text(d, x.uuid, sizeof(x.uuid));
	snprintf(x.vm, sizeof(x.vm), "/vm/%s", x.uuid);
	if ((rc = in_txn(&x, make_nodes)) < 0 ||
	    (rc = in_txn(&x, build_post)) < 0)
		return rc;
	if (!xs_introduce_domain(xs, d->domid, (unsigned long)d->gfn,
	    d->port))
		return -(errno != 0 ? errno : EIO);
	return 0;
}
