/*
 * xen.h: the daemon's only door to Xen: the real libraries (libxenctrl,
 * libxenevtchn, libxengnttab, libxenforeignmemory).  On a machine without
 * Xen xen_open fails and the daemon serves sockets only.
 */
#ifndef XEN_H
#define XEN_H

#include <stdbool.h>

struct xen;
struct xsd_log;

/* Open the handles.  0 or -errno (no Xen here). */
int xen_open(struct xsd_log *log, struct xen **out);
void xen_close(struct xen **xp);

/* Does the hypervisor know this domain? */
bool xen_domain_exists(struct xen *xen, unsigned domid);

#endif
