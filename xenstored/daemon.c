/*
 * daemon.c: glue every part of the daemon shares: who a connection acts
 * as, whether an ACL entry still counts, domain tracking, and the work
 * done once per loop iteration before sleeping.
 */
#include <stdlib.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "liveupdate.h"
#include "perms.h"
#include "persist.h"
#include "ring_conn.h"
#include "xen.h"

void
daemon_caller(const struct xsd *x, const struct conn *c, struct caller *who)
{
	(void)x;
	who->domid = c->domid;
	who->priv = c->priv;
	who->target = c->dom != NULL ? c->dom->target : -1;
}

bool
daemon_entry_alive(void *arg, unsigned domid, uint64_t gen)
{
	struct xsd *x = arg;
	const struct domain *d = domain_find(&x->doms, domid);

	return d != NULL && !d->dying && d->first_gen <= gen;
}

bool
daemon_domain_exists(struct xsd *x, unsigned domid)
{
	if (x->xen == NULL)
		return true;	/* nobody to ask: trust the caller */
	return xen_domain_exists(x->xen, domid);
}

struct domain *
daemon_track(struct xsd *x, unsigned domid)
{
	struct domain *d = domain_find(&x->doms, domid);

	if (d != NULL && !d->dying)
		return d;
	if (d != NULL)
		return NULL;	/* still being torn down */
	/*
	 * The next generation: a node changed before now (even the last
	 * one, at trie_ctx_gen) is older than the domain.
	 */
	return domain_track(&x->doms, domid, &x->cfg.quota,
	    trie_ctx_gen(x->store.cx) + 1);
}

void
daemon_before_sleep(void *arg)
{
	struct xsd *x = arg;
	struct conn *c;

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
	liveupdate_before_sleep(x);
}
