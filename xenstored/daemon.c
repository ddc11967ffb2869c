/*
 * daemon.c: glue every part of the daemon shares: who a connection acts
 * as, whether an ACL entry still counts, domain tracking, and the work
 * done once per loop iteration before sleeping.
 */
#include <stdlib.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "perms.h"
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
	struct xen_dominfo i;

	if (x->xen == NULL)
		return true;	/* nobody to ask: trust the caller */
	/*
	 * A dying domain counts as gone: Xen raises no VIRQ when it is
	 * finally destroyed, so a record made for it now would outlive it
	 * and be taken for the next domain with its id (XSA-417).
	 */
	return xen_domain_info(x->xen, domid, &i) == 0 && !i.dying;
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
	 * Its first generation is the next one to be handed out: every node
	 * changed before it was tracked has a lower one, even when nothing
	 * changed in between (trie_ctx_gen is the last one handed out).
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
	while ((c = TAILQ_FIRST(&x->dirty)) != NULL) {
		TAILQ_REMOVE(&x->dirty, c, dirty_link);
		c->dirty = false;
		c->ops->kick(c);
	}
	while ((c = TAILQ_FIRST(&x->dead)) != NULL) {
		TAILQ_REMOVE(&x->dead, c, link);
		conn_free(c);
	}
}
