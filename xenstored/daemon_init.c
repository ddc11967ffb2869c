/*
 * daemon_init.c: setting up and tearing down the daemon struct's parts,
 * shared by main() and the tests that run a whole daemon in-process
 * (tests/persist/ipd.c), so that both build the same daemon.
 */
#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "loop.h"
#include "persist.h"
#include "ring_conn.h"
#include "store.h"
#include "transport_unix.h"
#include "watch.h"
#include "xen.h"

int
daemon_init(struct xsd *x, uint64_t seed)
{
	int rc;

	TAILQ_INIT(&x->conns);
	TAILQ_INIT(&x->dirty);
	TAILQ_INIT(&x->dead);
	TAILQ_INIT(&x->stuck);
	TAILQ_INIT(&x->deferred);
	TAILQ_INIT(&x->ready);
	x->seed = seed;
	if ((rc = loop_new(&x->loop)) < 0 ||
	    (rc = store_init(&x->store, seed, x->cfg.priv_domid,
	    x->cfg.test_hooks)) < 0 ||
	    (rc = watches_init(&x->watches, seed ^ 0x5a5a5a5a)) < 0 ||
	    (rc = domains_init(&x->doms)) < 0)
		return rc;
	loop_before_sleep(x->loop, daemon_before_sleep, x);
	return 0;
}

void
daemon_fini(struct xsd *x)
{
	struct conn *c;

	unix_unlisten(x);
	persist_stop(x);
	rings_fini(x);
	while ((c = TAILQ_FIRST(&x->conns)) != NULL)
		conn_close(c, NULL);
	if (x->loop != NULL)
		daemon_before_sleep(x);	/* frees the closed connections */
	if (x->watches.bucket != NULL)
		watches_fini(&x->watches);
	if (x->doms.bucket != NULL)
		domains_fini(&x->doms);
	if (x->store.cx != NULL)
		store_fini(&x->store);
	xen_close(&x->xen);
	loop_free(&x->loop);
}
