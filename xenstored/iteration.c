/*
 * iteration.c: the work done once per loop iteration (a pass), just
 * before the loop sleeps, in this order: handle the input of connections
 * throttled or resumed in an earlier pass; serve rings that had more
 * input than one service took; make the pass's changes durable (one
 * journal batch);
 * give the guests back the request bytes read; release and push queued
 * output; free closed connections; run a started live update (a quiet
 * point: nothing half done).
 */
#include "conn.h"
#include "daemon.h"
#include "liveupdate.h"
#include "loop.h"
#include "persist.h"
#include "ring_conn.h"

void
daemon_before_sleep(void *arg)
{
	struct xsd *x = arg;
	struct conn *c;

	conns_run_ready(x);
	rings_before_sleep(x);
	/* What this iteration changed is durable from here on. */
	persist_batch_end(x);
	rings_commit(x);
	while ((c = TAILQ_FIRST(&x->dirty)) != NULL) {
		TAILQ_REMOVE(&x->dirty, c, dirty_link);
		c->dirty = false;
		conn_out_release(c);
		c->ops->kick(c);
	}
	while ((c = TAILQ_FIRST(&x->dead)) != NULL) {
		TAILQ_REMOVE(&x->dead, c, link);
		conn_free(c);
	}
	/* A quiet point: everything sent that could be, nobody half done. */
	if (x->lu != NULL)	/* (its frame is large: not for every pass) */
		liveupdate_before_sleep(x);
	/* Budgets start again; what was put off waits for the next pass. */
	x->pass++;
	x->stats.passes++;
	x->stats.pass_requests = 0;
	if (!TAILQ_EMPTY(&x->ready))
		loop_wake_soon(x->loop);
}

void
daemon_housekeeping(void *arg)
{
	struct xsd *x = arg;
	uint64_t now = loop_now_ms(), limit;
	struct conn *c, *next;

	/* PROTECT_MAX_MS since the protected connection's last request */
	if (x->protect != NULL && now - x->protect_since > PROTECT_MAX_MS)
		daemon_unprotect(x, x->protect);
	limit = (uint64_t)x->cfg.watch_event_timeout * 1000;
	for (c = TAILQ_FIRST(&x->stuck); c != NULL && limit > 0; c = next) {
		next = TAILQ_NEXT(c, stuck_link);
		if (now - c->stuck_since < limit)
			continue;
		if (conn_drop_events(c) > 0) {
			x->stats.events_dropped++;
			log_debug(&x->log, "conn %lu (domain %u) not reading: "
			    "watch events discarded", c->id, c->domid);
		}
		c->stuck_since = now;
	}
	loop_timer(x->loop, 1000, daemon_housekeeping, x, NULL);
}
