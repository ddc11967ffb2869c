/*
 * lifecycle.h: an introduced domain from INTRODUCE to its end: its ring
 * connection, @introduceDomain, and on release or death the tear-down of
 * its watches, transactions and connection, the removal of the nodes it
 * owns (XSA-419), the removal of ACL entries naming it (XSA-322/417) and
 * @releaseDomain.
 */
#ifndef LIFECYCLE_H
#define LIFECYCLE_H

#include <stdbool.h>

struct domain;
struct xsd;

/* INTRODUCE: map the ring and bind the event channel.  0 or -errno. */
int lifecycle_introduce(struct xsd *x, unsigned domid, unsigned long gfn,
    unsigned port);

/*
 * The domain is gone (RELEASE, or death seen through VIRQ_DOM_EXC): tear
 * everything down and fire @releaseDomain if `fire`.
 */
void lifecycle_release(struct xsd *x, struct domain *d, bool fire);

/*
 * The tree part of a release: nodes owned by `domid` removed (or given to
 * the privileged domain with -K), ACL entries naming it dropped.  Fires
 * the removal events of whatever watches are registered.  Nothing for
 * the privileged domain, which owns the tree's structure.
 */
void lifecycle_clean_tree(struct xsd *x, unsigned domid);

/*
 * A domain that was only counted (owner or ACL entry, never introduced)
 * is dying or gone: journal it, clean the tree as lifecycle_clean_tree
 * does, and forget d (freed).
 */
void lifecycle_forget(struct xsd *x, struct domain *d);

#endif
