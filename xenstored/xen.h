/*
 * xen.h: the daemon's only door to Xen: the real libraries (libxenctrl,
 * libxenevtchn, libxengnttab, libxenforeignmemory) and dom0's xenfs
 * files.  On a machine without Xen xen_open fails and the daemon serves
 * sockets only.  No xenstore logic here.
 */
#ifndef XEN_H
#define XEN_H

#include <stdbool.h>

struct xen;
struct xsd_log;

/* Open the handles.  0 or -errno (no Xen here). */
int xen_open(struct xsd_log *log, struct xen **out);
/*
 * The same after a live update: the event channel handle is rebuilt on
 * the inherited descriptor `evtchn_fd`, so its bindings stay valid.
 */
int xen_open_fd(struct xsd_log *log, int evtchn_fd, struct xen **out);
/* Let the event channel descriptor survive (or not) an exec. */
void xen_keep_across_exec(struct xen *xen, bool keep);
void xen_close(struct xen **xp);

/* The event-channel descriptor to poll. */
int xen_evtchn_fd(struct xen *xen);
/* Bind VIRQ_DOM_EXC; the local port in *port.  0 or -errno. */
int xen_bind_dom_exc(struct xen *xen, unsigned *port);
/* Bind to (domid, remote port); the local port in *local. 0 or -errno. */
int xen_bind(struct xen *xen, unsigned domid, unsigned remote,
    unsigned *local);
void xen_unbind(struct xen *xen, unsigned local);
void xen_notify(struct xen *xen, unsigned local);
/* The next pending local port, or -1 when none is ready. */
int xen_pending(struct xen *xen);
void xen_unmask(struct xen *xen, unsigned local);

/*
 * Map a guest's ring page: its reserved xenstore grant (reference 1),
 * falling back to a foreign mapping of frame `gfn`.  NULL and -errno in
 * *err on failure.  Unmap with xen_unmap_ring (it remembers how).
 */
void *xen_map_ring(struct xen *xen, unsigned domid, unsigned long gfn,
    int *err);
void xen_unmap_ring(struct xen *xen, void *page);

/*
 * dom0's own ring, as the kernel publishes it (/proc/xen/xsd_kva and
 * /proc/xen/xsd_port).  0 or -errno (e.g. not in dom0).
 */
int xen_dom0_ring(struct xen *xen, void **page, unsigned *port);
void xen_dom0_unmap(void *page);

struct xen_dominfo {
	bool dying;
	bool shutdown;		/* shut down or crashed */
};

/* State of a domain: 0, or -ENOENT when it no longer exists. */
int xen_domain_info(struct xen *xen, unsigned domid, struct xen_dominfo *i);

/* Does the hypervisor know this domain, alive (not dying)? */
bool xen_domain_exists(struct xen *xen, unsigned domid);

#endif
