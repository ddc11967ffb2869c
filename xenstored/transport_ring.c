/*
 * transport_ring.c: the ring transport.  Without Xen there are no rings:
 * INTRODUCE answers an error and nothing else is touched.
 */
#include <errno.h>
#include <stddef.h>

#include "daemon.h"
#include "domain.h"
#include "ring_conn.h"

int
ring_conn_introduce(struct xsd *x, struct domain *d, unsigned long gfn,
    unsigned port)
{
	(void)d;
	(void)gfn;
	(void)port;
	if (x->xen == NULL)
		return -ENODEV;
	return -ENODEV;
}

void
ring_conn_release(struct xsd *x, struct domain *d)
{
	(void)x;
	(void)d;
}
