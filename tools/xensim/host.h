/*
 * host.h: private definitions of the host library (host.c, guest.c).
 *
 * struct xensim owns one struct xsim_core (the mapping of the machine
 * file).  An event queue is an evset plus a reference count: each attached
 * guest holds one reference, the queue's creator another.  A guest borrows
 * its simulation, which must outlive it.
 */
#ifndef XENSIM_HOST_H
#define XENSIM_HOST_H

#include "sim.h"
#include "xensim.h"

struct xensim {
	struct xsim_core core;
	char *dir;
};

struct xensim_evq {
	struct xensim *sim;	/* borrowed */
	struct xsim_evset set;
	unsigned int refs;
};

struct xensim_guest {
	struct xensim *sim;	/* borrowed */
	struct xensim_evq *q;	/* one reference */
	struct xenstore_domain_interface *ring;
	uint32_t domid;
	uint32_t port;
	uint32_t epi;		/* the domain's xenstore endpoint */
	uint32_t ep_gen;	/* its generation when attached */
	void *data;
};

#endif
