/*
 * domain.c: see domain.h.  A small hash table by domid.  No I/O.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "xs_wire_ext.h"

int
domains_init(struct domains *d)
{
	d->nbucket = 256;
	d->count = 0;
	d->bucket = calloc(d->nbucket, sizeof(d->bucket[0]));
	return d->bucket ? 0 : -ENOMEM;
}

void
domains_fini(struct domains *d)
{
	size_t i;

	for (i = 0; i < d->nbucket; i++)
		while (d->bucket[i] != NULL) {
			struct domain *dom = d->bucket[i];

			d->bucket[i] = dom->hnext;
			free(dom);
		}
	free(d->bucket);
	memset(d, 0, sizeof(*d));
}

struct domain *
domain_find(const struct domains *d, unsigned domid)
{
	struct domain *dom = d->bucket[domid & (d->nbucket - 1)];

	while (dom != NULL && dom->domid != domid)
		dom = dom->hnext;
	return dom;
}

struct domain *
domain_track(struct domains *d, unsigned domid, const struct quota *q,
    uint64_t gen)
{
	struct domain *dom = domain_find(d, domid);

	if (dom != NULL)
		return dom;
	dom = calloc(1, sizeof(*dom));
	if (dom == NULL)
		return NULL;
	dom->domid = domid;
	dom->target = -1;
	dom->quota = *q;
	dom->first_gen = gen;
	dom->features = XENSTORE_SERVER_FEATURE_RECONNECTION |
	    XENSTORE_SERVER_FEATURE_ERROR |
	    XENSTORE_SERVER_FEATURE_WATCHDEPTH |
	    XENSTORE_SERVER_FEATURE_DOMID_ANY;
	dom->hnext = d->bucket[domid & (d->nbucket - 1)];
	d->bucket[domid & (d->nbucket - 1)] = dom;
	d->count++;
	return dom;
}

void
domain_forget(struct domains *d, struct domain *dom)
{
	struct domain **pp = &d->bucket[dom->domid & (d->nbucket - 1)];

	while (*pp != dom)
		pp = &(*pp)->hnext;
	*pp = dom->hnext;
	d->count--;
	free(dom);
}

void
domains_foreach(struct domains *d, domain_fn *fn, void *arg)
{
	size_t i;

	for (i = 0; i < d->nbucket; i++) {
		struct domain *dom = d->bucket[i], *next;

		for (; dom != NULL; dom = next) {
			next = dom->hnext;	/* fn may forget dom */
			fn(arg, dom);
		}
	}
}
