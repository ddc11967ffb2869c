/*
 * xen.c: see xen.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <xenctrl.h>

#include "log.h"
#include "xen.h"

struct xen {
	xc_interface *xc;
};

int
xen_open(struct xsd_log *log, struct xen **out)
{
	struct xen *xen = calloc(1, sizeof(*xen));

	if (xen == NULL)
		return -ENOMEM;
	xen->xc = xc_interface_open(NULL, NULL, 0);
	if (xen->xc == NULL) {
		int e = errno ? errno : ENODEV;

		log_info(log, "no Xen control interface: socket only");
		free(xen);
		return -e;
	}
	*out = xen;
	return 0;
}

void
xen_close(struct xen **xp)
{
	struct xen *xen = *xp;

	if (xen == NULL)
		return;
	xc_interface_close(xen->xc);
	free(xen);
	*xp = NULL;
}

bool
xen_domain_exists(struct xen *xen, unsigned domid)
{
	xc_dominfo_t info;

	if (xc_domain_getinfo(xen->xc, domid, 1, &info) != 1)
		return false;
	return info.domid == domid;
}
