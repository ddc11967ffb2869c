/*
 * ops_domain.c: INTRODUCE, RELEASE, RESUME, SET_TARGET, GET_DOMAIN_PATH,
 * IS_DOMAIN_INTRODUCED, GET_FEATURE, SET_FEATURE, GET_QUOTA, SET_QUOTA
 * (operations.md).  Argument checks and answers; the lifecycle of an
 * introduced domain (mapping its ring, tearing it down) is lifecycle.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "journal.h"
#include "lifecycle.h"
#include "persist.h"
#include "request.h"

#define FEATURES_ALL (XENSTORE_SERVER_FEATURE_RECONNECTION | \
	XENSTORE_SERVER_FEATURE_ERROR | XENSTORE_SERVER_FEATURE_WATCHDEPTH | \
	XENSTORE_SERVER_FEATURE_DOMID_ANY)

int
op_introduce(struct req *r)
{
	unsigned domid;
	unsigned long gfn, port;

	if (r->argc < 3)
		return -EINVAL;
	if (req_domid(r->argv[0], &domid) < 0)
		return -EINVAL;
	/* libxl prints the frame as unsigned long */
	if (!wire_uint(r->argv[1], ~0UL, &gfn))
		return -EINVAL;
	port = strtoul(r->argv[2], NULL, 10);	/* atoi, as C */
	if (port == 0 || port > 0x7fffffff)
		return -EINVAL;
	return lifecycle_introduce(r->x, domid, gfn, (unsigned)port) < 0 ?
	    -EINVAL : req_ok(r);
}

/* RELEASE/RESUME: an introduced, connected, unprivileged domain. */
static int
target_domain(struct req *r, struct domain **out)
{
	unsigned domid;
	struct domain *d;

	if (r->argc < 1 || req_domid(r->argv[0], &domid) < 0)
		return -EINVAL;
	if (domid == r->x->cfg.master_domid || domid == r->x->cfg.priv_domid)
		return -EINVAL;
	d = domain_find(&r->x->doms, domid);
	if (d == NULL || !d->introduced)
		return -ENOENT;
	if (d->conn == NULL && d->ring == NULL)
		return -EINVAL;
	*out = d;
	return 0;
}

int
op_release(struct req *r)
{
	struct domain *d;
	int rc = target_domain(r, &d);

	if (rc < 0)
		return rc;
	lifecycle_release(r->x, d, true);
	return req_ok(r);
}

int
op_resume(struct req *r)
{
	struct domain *d;
	int rc = target_domain(r, &d);

	if (rc < 0)
		return rc;
	d->shutdown_reported = false;
	persist_domain(r->x, REC_PX_J_SHUTDOWN, d->domid, 0);
	return req_ok(r);
}

int
op_set_target(struct req *r)
{
	unsigned domid, target;
	struct domain *d, *t;

	if (r->argc < 2 || req_domid(r->argv[0], &domid) < 0 ||
	    req_domid(r->argv[1], &target) < 0)
		return -EINVAL;
	d = domain_find(&r->x->doms, domid);
	t = domain_find(&r->x->doms, target);
	if (d == NULL || !d->introduced || t == NULL || !t->introduced)
		return -ENOENT;
	if ((d->conn == NULL && d->ring == NULL) ||
	    (t->conn == NULL && t->ring == NULL))
		return -EINVAL;
	d->target = (int)target;
	persist_domain(r->x, REC_PX_J_TARGET, domid, target);
	return req_ok(r);
}

int
op_get_domain_path(struct req *r)
{
	unsigned domid;

	if (r->argc < 1 || req_domid(r->argv[0], &domid) < 0)
		return -EINVAL;
	r->outlen = (size_t)snprintf(r->out, REQ_OUT_MAX, "/local/domain/%u",
	    domid) + 1;
	return 0;
}

int
op_is_domain_introduced(struct req *r)
{
	unsigned domid;
	struct domain *d;

	if (r->argc < 1 || req_domid(r->argv[0], &domid) < 0)
		return -EINVAL;
	if (domid == DOMID_SELF)
		return req_str(r, "T");
	d = domain_find(&r->x->doms, domid);
	return req_str(r, d != NULL && d->introduced ? "T" : "F");
}

int
op_get_feature(struct req *r)
{
	unsigned domid, f;
	struct domain *d;

	if (r->argc == 0) {
		f = r->c->dom != NULL ? r->c->dom->features : FEATURES_ALL;
	} else if (r->argc == 1) {
		if (!r->c->priv)
			return -EACCES;
		if (req_domid(r->argv[0], &domid) < 0)
			return -EINVAL;
		d = domain_find(&r->x->doms, domid);
		if (d == NULL && daemon_domain_exists(r->x, domid))
			d = daemon_track(r->x, domid);
		if (d == NULL)
			return -ENOENT;
		f = d->features;
	} else {
		return -EINVAL;
	}
	r->outlen = (size_t)snprintf(r->out, REQ_OUT_MAX, "%u", f) + 1;
	return 0;
}

int
op_set_feature(struct req *r)
{
	unsigned domid;
	unsigned long f;
	struct domain *d;

	if (r->argc != 2 || req_domid(r->argv[0], &domid) < 0 ||
	    !wire_uint(r->argv[1], 0xffffffffUL, &f))
		return -EINVAL;
	d = domain_find(&r->x->doms, domid);
	if (d == NULL && daemon_domain_exists(r->x, domid))
		d = daemon_track(r->x, domid);
	if (d == NULL)
		return -ENOENT;
	if (d->introduced)
		return -EBUSY;	/* written into the ring at INTRODUCE */
	if (f & ~(unsigned long)FEATURES_ALL)
		return -EINVAL;
	d->features = (unsigned)f;
	persist_domain(r->x, REC_PX_J_FEATURES, domid, (uint32_t)f);
	return req_ok(r);
}

/* GET_QUOTA/SET_QUOTA names: the hard ones, and soft-<name>. */
static int
quota_ref(const char *name, bool *soft)
{
	int id;

	*soft = strncmp(name, "soft-", 5) == 0;
	id = quota_by_name(*soft ? name + 5 : name);
	if (id >= 0 && *soft && id != Q_MEMORY)
		return -1;
	return id;
}

int
op_get_quota(struct req *r)
{
	struct quota *q = &r->x->cfg.quota;
	unsigned domid;
	bool soft;
	int id;

	if (r->argc == 0) {
		size_t len = 0;

		for (id = 0; id < Q_COUNT; id++) {
			len += (size_t)snprintf(r->out + len, REQ_OUT_MAX - len,
			    "%s%s", len ? " " : "", quota_name(id));
			if (id == Q_MEMORY)
				len += (size_t)snprintf(r->out + len,
				    REQ_OUT_MAX - len, " soft-memory");
		}
		r->outlen = len + 1;
		return 0;
	}
	if (r->argc > 2)
		return -EINVAL;
	if (r->argc == 2) {
		struct domain *d;

		if (req_domid(r->argv[0], &domid) < 0)
			return -EINVAL;
		d = domain_find(&r->x->doms, domid);
		if (d == NULL)
			return -ENOENT;
		q = &d->quota;
	}
	id = quota_ref(r->argv[r->argc - 1], &soft);
	if (id < 0)
		return -EINVAL;
	r->outlen = (size_t)snprintf(r->out, REQ_OUT_MAX, "%u",
	    soft ? q->soft[id] : q->hard[id]) + 1;
	return 0;
}

int
op_set_quota(struct req *r)
{
	struct quota *q = &r->x->cfg.quota;
	uint32_t who = J_GLOBAL_QUOTA;
	unsigned long v;
	unsigned domid;
	bool soft;
	int id;

	if (r->argc != 2 && r->argc != 3)
		return -EINVAL;
	if (r->argc == 3) {
		struct domain *d;

		if (req_domid(r->argv[0], &domid) < 0)
			return -EINVAL;
		d = domain_find(&r->x->doms, domid);
		if (d == NULL)
			return -ENOENT;
		q = &d->quota;
		who = domid;
	}
	id = quota_ref(r->argv[r->argc - 2], &soft);
	if (id < 0 || !wire_uint(r->argv[r->argc - 1], 0x7fffffff, &v))
		return -EINVAL;
	if (id == Q_PATH_MAX && v > 2048)
		return -EINVAL;
	if (soft)
		q->soft[id] = (unsigned)v;
	else
		q->hard[id] = (unsigned)v;
	persist_quota(r->x, who, (unsigned)id, soft, (unsigned)v);
	return req_ok(r);
}
