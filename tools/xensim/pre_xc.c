/*
 * pre_xc.c: the part of libxenctrl that xenstored daemons call.
 *
 * xc_interface_open/close, xc_get_last_error, xc_clear_last_error,
 * xc_error_code_to_desc, xc_domain_getinfo (C xenstored 4.17),
 * xc_domain_getinfolist (oxenstored) and xc_map_foreign_range (oxenstored's
 * XS_INTRODUCE), answered from the simulated domain table.  Any other
 * libxenctrl call still reaches the real library and fails there.
 * Compiled as gnu11: xenctrl.h needs GNU C (mk/xensim.mk).
 */
#define XC_WANT_COMPAT_MAP_FOREIGN_API
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

#include "pre.h"

struct xc_interface_core {
	xc_error err;
};

static const xc_error no_error = { XC_ERROR_NONE, "" };

PRE_API xc_interface *
xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild,
    unsigned open_flags)
{
	xc_interface *xch;

	(void)logger;
	(void)dombuild;
	(void)open_flags;
	if (pre_core() == NULL) {
		pre_trace("xc_interface_open = NULL (%s)", strerror(errno));
		return NULL;
	}
	xch = calloc(1, sizeof(*xch));
	pre_trace("xc_interface_open = %p", (void *)xch);
	return xch;
}

PRE_API int
xc_interface_close(xc_interface *xch)
{
	pre_trace("xc_interface_close(%p)", (void *)xch);
	free(xch);
	return 0;
}

PRE_API const xc_error *
xc_get_last_error(xc_interface *xch)
{
	return xch != NULL ? &xch->err : &no_error;
}

PRE_API void
xc_clear_last_error(xc_interface *xch)
{
	if (xch != NULL)
		memset(&xch->err, 0, sizeof(xch->err));
}

PRE_API const char *
xc_error_code_to_desc(int code)
{
	switch (code) {
	case XC_ERROR_NONE:
		return "No error details";
	case XC_INTERNAL_ERROR:
		return "Internal error";
	case XC_INVALID_KERNEL:
		return "Invalid kernel";
	case XC_INVALID_PARAM:
		return "Invalid configuration";
	case XC_OUT_OF_MEMORY:
		return "Out of memory";
	}
	return "Unknown error code";
}

static uint32_t
dominf_flags(const struct xsim_dominfo *d)
{
	uint32_t f = 0;

	if (d->state == XSIM_DOM_DYING)
		f |= XEN_DOMINF_dying;
	if (d->state == XSIM_DOM_SHUTDOWN)
		f |= XEN_DOMINF_shutdown |
		    (d->reason & XEN_DOMINF_shutdownmask) <<
		    XEN_DOMINF_shutdownshift;
	if (d->flags & XSIM_DOMF_PAUSED)
		f |= XEN_DOMINF_paused;
	else if (d->state == XSIM_DOM_RUNNING)
		f |= d->domid == pre.self ? XEN_DOMINF_running :
		    XEN_DOMINF_blocked;
	if (d->flags & XSIM_DOMF_HVM)
		f |= XEN_DOMINF_hvm_guest | XEN_DOMINF_hap;
	return f;
}

/* As libxc does: a crash is reported as crashed, not shutdown. */
static void
fill_dominfo(const struct xsim_dominfo *d, xc_dominfo_t *out)
{
	uint32_t f = dominf_flags(d);

	memset(out, 0, sizeof(*out));
	out->domid = d->domid;
	out->dying = !!(f & XEN_DOMINF_dying);
	out->shutdown = !!(f & XEN_DOMINF_shutdown);
	out->paused = !!(f & XEN_DOMINF_paused);
	out->blocked = !!(f & XEN_DOMINF_blocked);
	out->running = !!(f & XEN_DOMINF_running);
	out->hvm = !!(f & XEN_DOMINF_hvm_guest);
	out->hap = !!(f & XEN_DOMINF_hap);
	out->shutdown_reason = (f >> XEN_DOMINF_shutdownshift) &
	    XEN_DOMINF_shutdownmask;
	if (out->shutdown && out->shutdown_reason == SHUTDOWN_crash) {
		out->shutdown = 0;
		out->crashed = 1;
	}
	out->nr_pages = d->max_kb / 4;
	out->max_memkb = d->max_kb;
	out->nr_online_vcpus = 1;
	out->max_vcpu_id = 0;
	memcpy(out->handle, d->uuid, sizeof(out->handle));
}

static void
fill_domaininfo(const struct xsim_dominfo *d, xc_domaininfo_t *out)
{
	memset(out, 0, sizeof(*out));
	out->domain = (domid_t)d->domid;
	out->flags = dominf_flags(d);
	out->tot_pages = d->max_kb / 4;
	out->max_pages = d->max_kb / 4;
	out->nr_online_vcpus = 1;
	out->max_vcpu_id = 0;
	memcpy(out->handle, d->uuid, sizeof(out->handle));
}

/* Domains with domid >= first, in domid order, up to max of them. */
PRE_API int
xc_domain_getinfo(xc_interface *xch, uint32_t first, unsigned int max,
    xc_dominfo_t *info)
{
	struct xsim_core *c = pre_core();
	struct xsim_dominfo d;
	unsigned int n = 0;
	uint32_t id = first;

	(void)xch;
	if (c == NULL)
		return -1;
	while (n < max && xsim_dom_next(c, id, &d) == 0) {
		fill_dominfo(&d, &info[n++]);
		id = d.domid + 1;
	}
	pre_trace("xc_domain_getinfo(%u, %u) = %u%s", first, max, n,
	    n > 0 && info[0].domid == first ? "" : " (not found)");
	return (int)n;
}

PRE_API int
xc_domain_getinfolist(xc_interface *xch, uint32_t first, unsigned int max,
    xc_domaininfo_t *info)
{
	struct xsim_core *c = pre_core();
	struct xsim_dominfo d;
	unsigned int n = 0;
	uint32_t id = first;

	(void)xch;
	if (c == NULL)
		return -1;
	while (n < max && xsim_dom_next(c, id, &d) == 0) {
		fill_domaininfo(&d, &info[n++]);
		id = d.domid + 1;
	}
	pre_trace("xc_domain_getinfolist(%u, %u) = %u%s", first, max, n,
	    n > 0 && info[0].domain == first ? "" : " (not found)");
	return (int)n;
}

PRE_API void *
xc_map_foreign_range(xc_interface *xch, uint32_t dom, int size, int prot,
    unsigned long mfn)
{
	uint64_t gfns[16];
	size_t i, pages;
	void *p;

	(void)xch;
	pages = size > 0 ? ((size_t)size + XSIM_PAGE - 1) / XSIM_PAGE : 0;
	if (pages == 0 || pages > 16) {
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < pages; i++)
		gfns[i] = mfn + i;
	p = pre_map_pages(dom, prot, pages, gfns, NULL, NULL);
	pre_trace("xc_map_foreign_range(%u, %d, %#lx) = %p%s%s", dom, size,
	    mfn, p, p == NULL ? " " : "", p == NULL ? strerror(errno) : "");
	return p;
}
