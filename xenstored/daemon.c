/*
 * daemon.c: glue every part of the daemon shares: who a connection acts
 * as, whether an ACL entry still counts, domain tracking.
 */
#include <stdlib.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "perms.h"
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

unsigned long
daemon_charged(const struct xsd *x, const struct domain *d)
{
	return (unsigned long)store_usage(&x->store, d->domid).bytes +
	    d->watch_bytes + d->txn_bytes;
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
