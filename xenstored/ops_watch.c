/*
 * ops_watch.c: WATCH, UNWATCH, RESET_WATCHES.  A new watch answers OK and
 * then fires once at once with the path as the client wrote it.
 */
#include <errno.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "events.h"
#include "path.h"
#include "persist.h"
#include "ring_conn.h"
#include "stream.h"
#include "request.h"

static unsigned
features_of(const struct conn *c)
{
	return c->dom != NULL ? c->dom->features :
	    XENSTORE_SERVER_FEATURE_WATCHDEPTH;
}

int
op_watch(struct req *r)
{
	struct conn *c = r->c;
	struct domain *d = c->dom;
	char path[PATH_BUF];
	bool rel;
	int depth = -1, rc;

	if (r->argc == 3 &&
	    (features_of(c) & XENSTORE_SERVER_FEATURE_WATCHDEPTH)) {
		unsigned long v;

		if (!wire_uint(r->argv[2], 65535, &v))
			return -EINVAL;
		depth = (int)v;
	} else if (r->argc != 2) {
		return -EINVAL;
	}
	rc = path_canon(r->argv[0], c->domid, r->x->cfg.quota.hard[Q_PATH_MAX],
	    PATH_F_SPECIAL, path, &rel);
	if (rc < 0)
		return rc;
	/* A duplicate is EEXIST before any quota, as in C. */
	if (watches_find(&r->x->watches, c, path, r->argv[1]) != NULL)
		return -EEXIST;
	if (!r->who.priv && d != NULL) {
		if (quota_exceeded(&d->quota, Q_WATCHES, d->watches + 1UL))
			return -ENOSPC;
		if (quota_exceeded(&d->quota, Q_MEMORY, daemon_charged(r->x,
		    d) + strlen(path) + strlen(r->argv[1])))
			return -ENOMEM;
	}
	rc = watches_add(&r->x->watches, c, &c->watches, path, r->argv[1], rel,
	    depth);
	if (rc < 0)
		return rc;
	c->nwatches++;
	if (d != NULL) {
		d->watches++;
		d->watch_bytes += strlen(path) + strlen(r->argv[1]);
	}
	persist_watch(r->x, c, r->argv[0], r->argv[1], depth, rel, true);
	req_ok(r);
	req_reply_now(r);
	events_initial(r->x, c, r->argv[0], r->argv[1]);
	return 0;
}

int
op_unwatch(struct req *r)
{
	struct conn *c = r->c;
	char path[PATH_BUF];
	bool rel;
	int rc;

	if (r->argc != 2)
		return -EINVAL;
	rc = path_canon(r->argv[0], c->domid, r->x->cfg.quota.hard[Q_PATH_MAX],
	    PATH_F_SPECIAL, path, &rel);
	if (rc < 0)
		return rc;
	rc = watches_del(&r->x->watches, c, &c->watches, path, r->argv[1]);
	if (rc < 0)
		return rc;
	c->nwatches--;
	if (c->dom != NULL) {
		c->dom->watches--;
		c->dom->watch_bytes -= strlen(path) + strlen(r->argv[1]);
	}
	persist_watch(r->x, c, r->argv[0], r->argv[1], -1, rel, false);
	return req_ok(r);
}

int
op_reset_watches(struct req *r)
{
	conn_reset(r->c);
	if (ring_conn_is(r->c))
		persist_domain(r->x, REC_PX_J_RESET, r->c->domid, 0);
	return req_ok(r);
}
