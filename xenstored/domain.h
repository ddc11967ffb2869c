/*
 * domain.h: the domains the daemon tracks: introduced guests (with their
 * ring connection) and any domain whose usage is counted (a node owner,
 * a caller).  Per-domain quota copies and counters live here.  The ring
 * and Xen plumbing is elsewhere (transport_ring.c, xen.c).
 */
#ifndef DOMAIN_H
#define DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "quota.h"

struct conn;
struct xsd;

struct domain {
	struct domain *hnext;
	unsigned domid;
	bool introduced;	/* INTRODUCE seen, not yet released or dead */
	bool shutdown_reported;	/* @releaseDomain fired for a shutdown */
	bool dying;		/* torn down: forget once unreferenced */
	unsigned nconns;	/* connections acting as this domain */
	struct conn *conn;	/* its ring connection, or NULL */
	int target;		/* SET_TARGET target, or -1 */
	unsigned features;	/* XENSTORE_SERVER_FEATURE_* offered */
	struct quota quota;	/* copy of the global values at tracking */
	uint64_t first_gen;	/* first store generation after tracking */
	unsigned watches;	/* registered watches */
	unsigned txns;		/* open transactions */
	unsigned outstanding;	/* requests not completely answered */
	unsigned long watch_bytes;	/* path + token of its watches */
	unsigned long txn_bytes;	/* store memory its transactions hold */
	unsigned long queued_bytes;	/* output queued for it */
	void *ring;		/* transport_ring's state, or NULL */
	unsigned remote_port;	/* its xenstore event channel (INTRODUCE) */
	uint64_t gfn;		/* its ring frame (INTRODUCE) */
	bool kva;		/* the daemon's own domain: ring from xsd_kva */
};

struct domains {
	struct domain **bucket;
	size_t nbucket;
	size_t count;
};

int domains_init(struct domains *d);
/* Frees every domain (connections must be gone). */
void domains_fini(struct domains *d);

struct domain *domain_find(const struct domains *d, unsigned domid);
/*
 * Find or start tracking `domid`, copying the global quota `q` and
 * recording generation `gen`.  NULL on allocation failure.
 */
struct domain *domain_track(struct domains *d, unsigned domid,
    const struct quota *q, uint64_t gen);
/* Stop tracking (frees it). */
void domain_forget(struct domains *d, struct domain *dom);

typedef void domain_fn(void *arg, struct domain *dom);
void domains_foreach(struct domains *d, domain_fn *fn, void *arg);

#endif
