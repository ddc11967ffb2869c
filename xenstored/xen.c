/*
 * xen.c: see xen.h.  The libraries' own messages go to our log at debug
 * level through a xentoollog logger.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xentoollog.h>

#include "log.h"
#include "xen.h"

#define XSD_KVA "/proc/xen/xsd_kva"
#define XSD_PORT "/proc/xen/xsd_port"
#define RESERVED_XENSTORE_GRANT 1
#define PAGE 4096

/* A page mapped by foreign mapping rather than by grant. */
struct fmap {
	struct fmap *next;
	void *page;
};

struct xen {
	struct xentoollog_logger logger;	/* first: cast back */
	struct xsd_log *log;
	xc_interface *xc;
	xenevtchn_handle *xce;
	xengnttab_handle *xgt;
	xenforeignmemory_handle *fmem;
	struct fmap *fmaps;
};

static void
tl_vmessage(struct xentoollog_logger *l, xentoollog_level level, int err,
    const char *context, const char *fmt, va_list ap)
{
	struct xen *xen = (struct xen *)l;
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_msg(xen->log, level >= XTL_ERROR ? LOG_DEBUG : LOG_DEBUG,
	    "%s: %s%s%s", context ? context : "xen", buf,
	    err > 0 ? ": " : "", err > 0 ? strerror(err) : "");
}

static void
tl_destroy(struct xentoollog_logger *l)
{
	(void)l;
}

void
xen_close(struct xen **xp)
{
	struct xen *xen = *xp;

	if (xen == NULL)
		return;
	while (xen->fmaps != NULL) {
		struct fmap *f = xen->fmaps;

		xen->fmaps = f->next;
		if (xen->fmem != NULL)
			xenforeignmemory_unmap(xen->fmem, f->page, 1);
		free(f);
	}
	if (xen->fmem != NULL)
		xenforeignmemory_close(xen->fmem);
	if (xen->xgt != NULL)
		xengnttab_close(xen->xgt);
	if (xen->xce != NULL)
		xenevtchn_close(xen->xce);
	if (xen->xc != NULL)
		xc_interface_close(xen->xc);
	free(xen);
	*xp = NULL;
}

static int open_handles(struct xsd_log *log, int evtchn_fd,
    struct xen **out);

int
xen_open(struct xsd_log *log, struct xen **out)
{
	return open_handles(log, -1, out);
}

int
xen_open_fd(struct xsd_log *log, int evtchn_fd, struct xen **out)
{
	return open_handles(log, evtchn_fd, out);
}

void
xen_keep_across_exec(struct xen *xen, bool keep)
{
	int fd = xenevtchn_fd(xen->xce), f = fcntl(fd, F_GETFD);

	if (f >= 0)
		fcntl(fd, F_SETFD, keep ? f & ~FD_CLOEXEC : f | FD_CLOEXEC);
}

static int
open_handles(struct xsd_log *log, int evtchn_fd, struct xen **out)
{
	struct xen *xen = calloc(1, sizeof(*xen));
	int fd;

	if (xen == NULL)
		return -ENOMEM;
	xen->log = log;
	xen->logger.vmessage = tl_vmessage;
	xen->logger.destroy = tl_destroy;
	xen->xc = xc_interface_open(&xen->logger, &xen->logger, 0);
	if (xen->xc == NULL) {
		log_info(log, "no Xen control interface");
		xen_close(&xen);
		return -ENODEV;
	}
	xen->xce = evtchn_fd >= 0 ?
	    xenevtchn_fdopen(&xen->logger, evtchn_fd, 0) :
	    xenevtchn_open(&xen->logger, 0);
	xen->xgt = xengnttab_open(&xen->logger, 0);
	if (xen->xce == NULL || xen->xgt == NULL) {
		log_err(log, "cannot open the event channel or grant device");
		xen_close(&xen);
		return -ENODEV;
	}
	/* Rings of up to DOMID_FIRST_RESERVED domains, as the C daemon. */
	xengnttab_set_max_grants(xen->xgt, DOMID_FIRST_RESERVED);
	/* Optional: only the fall-back mapping needs it. */
	xen->fmem = xenforeignmemory_open(&xen->logger, 0);
	fd = xenevtchn_fd(xen->xce);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	*out = xen;
	return 0;
}

int
xen_evtchn_fd(struct xen *xen)
{
	return xenevtchn_fd(xen->xce);
}

int
xen_bind_dom_exc(struct xen *xen, unsigned *port)
{
	xenevtchn_port_or_error_t p = xenevtchn_bind_virq(xen->xce,
	    VIRQ_DOM_EXC);

	if (p < 0)
		return errno ? -errno : -EIO;
	*port = (unsigned)p;
	return 0;
}

int
xen_bind(struct xen *xen, unsigned domid, unsigned remote, unsigned *local)
{
	xenevtchn_port_or_error_t p = xenevtchn_bind_interdomain(xen->xce,
	    domid, remote);

	if (p < 0)
		return errno ? -errno : -EIO;
	*local = (unsigned)p;
	return 0;
}

void
xen_unbind(struct xen *xen, unsigned local)
{
	xenevtchn_unbind(xen->xce, local);
}

void
xen_notify(struct xen *xen, unsigned local)
{
	xenevtchn_notify(xen->xce, local);
}

int
xen_pending(struct xen *xen)
{
	struct pollfd p = { xenevtchn_fd(xen->xce), POLLIN, 0 };
	xenevtchn_port_or_error_t port;

	/* Never block, whatever the device does with O_NONBLOCK. */
	if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
		return -1;
	port = xenevtchn_pending(xen->xce);
	return port < 0 ? -1 : (int)port;
}

void
xen_unmask(struct xen *xen, unsigned local)
{
	xenevtchn_unmask(xen->xce, local);
}

void *
xen_map_ring(struct xen *xen, unsigned domid, unsigned long gfn, int *err)
{
	xen_pfn_t pfn = gfn;
	struct fmap *f;
	void *p;
	int e = 0;

	p = xengnttab_map_grant_ref(xen->xgt, domid, RESERVED_XENSTORE_GRANT,
	    PROT_READ | PROT_WRITE);
	if (p != NULL)
		return p;
	*err = errno ? -errno : -EIO;
	if (xen->fmem == NULL)
		return NULL;
	f = malloc(sizeof(*f));
	if (f == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	p = xenforeignmemory_map(xen->fmem, domid, PROT_READ | PROT_WRITE, 1,
	    &pfn, &e);
	if (p == NULL || e != 0) {
		if (p != NULL)
			xenforeignmemory_unmap(xen->fmem, p, 1);
		free(f);
		return NULL;
	}
	f->page = p;
	f->next = xen->fmaps;
	xen->fmaps = f;
	return p;
}

void
xen_unmap_ring(struct xen *xen, void *page)
{
	struct fmap **pp;

	for (pp = &xen->fmaps; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->page == page) {
			struct fmap *f = *pp;

			*pp = f->next;
			xenforeignmemory_unmap(xen->fmem, page, 1);
			free(f);
			return;
		}
	xengnttab_unmap(xen->xgt, page, 1);
}

int
xen_dom0_ring(struct xen *xen, void **page, unsigned *port)
{
	char buf[32];
	ssize_t n;
	unsigned long v;
	char *end;
	int fd;
	void *p;

	(void)xen;
	fd = open(XSD_PORT, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	v = strtoul(buf, &end, 0);
	if (end == buf || v == 0 || v > 0xffffffUL)
		return -EINVAL;
	fd = open(XSD_KVA, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	*page = p;
	*port = (unsigned)v;
	return 0;
}

void
xen_dom0_unmap(void *page)
{
	munmap(page, PAGE);
}

int
xen_domain_info(struct xen *xen, unsigned domid, struct xen_dominfo *i)
{
	xc_dominfo_t info;

	/* The call returns the next existing domain when domid is gone. */
	if (xc_domain_getinfo(xen->xc, domid, 1, &info) != 1 ||
	    info.domid != domid)
		return -ENOENT;
	i->dying = info.dying;
	i->shutdown = info.shutdown || info.crashed;
	return 0;
}

bool
xen_domain_exists(struct xen *xen, unsigned domid)
{
	struct xen_dominfo i;

	/*
	 * A dying domain counts as gone: Xen raises no VIRQ when it is
	 * finally destroyed, so a record made for it now would outlive it
	 * and be taken for the next domain with its id (XSA-417).
	 */
	return xen_domain_info(xen, domid, &i) == 0 && !i.dying;
}
