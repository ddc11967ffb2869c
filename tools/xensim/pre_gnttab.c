/*
 * pre_gnttab.c: libxengnttab and libxenforeignmemory over the ring pages.
 *
 * The only guest memory the simulation has is each domain's ring page,
 * reachable as grant reference 1 (GNTTAB_RESERVED_XENSTORE, C xenstored's
 * way) and as frame <gfn> (oxenstored's xc_map_foreign_range).  Any other
 * grant or frame fails with EINVAL; a missing domain with ESRCH; a dying
 * one with EINVAL.  Mappings are MAP_SHARED views of the page file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xengnttab.h>
#include <xenforeignmemory.h>

#include "pre.h"

struct xengntdev_handle {
	uint32_t max_grants;
};

struct xenforeignmemory_handle {
	int unused;
};

/* Map one page of domid: its ring if ok, else fail with -err. */
static int
map_one(struct xsim_core *c, uint32_t domid, int prot, void *at, bool ok,
    int err)
{
	void *p;

	if (!ok)
		return -err;
	return xsim_page_map(c, domid, prot, at, &p);
}

/*
 * Map pages of domid into one range (at addr if given).  gfns, when given,
 * name frames; otherwise each page is grant 1.  With err, per-page
 * failures are reported there and the range is returned anyway, as
 * xenforeignmemory_map does; without, any failure fails the whole call.
 */
static void *
map_range(uint32_t domid, int prot, size_t pages, const uint64_t *gfns,
    const uint32_t *refs, int *err, void *addr)
{
	struct xsim_core *c = pre_core();
	struct xsim_dominfo d;
	unsigned char *base;
	size_t i;
	bool ok;
	int rc;

	if (c == NULL)
		return NULL;
	if (pages == 0 || pages > 1024) {
		errno = EINVAL;
		return NULL;
	}
	if ((rc = xsim_dom_info(c, domid, &d)) < 0) {
		errno = -rc;
		return NULL;
	}
	base = mmap(addr, pages * XSIM_PAGE, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	for (i = 0; i < pages; i++) {
		if (gfns != NULL)
			ok = gfns[i] == d.gfn;
		else
			ok = refs[i] == XSIM_RING_GREF &&
			    !(d.flags & XSIM_DOMF_NOGRANT);
		rc = map_one(c, domid, prot, base + i * XSIM_PAGE, ok, EINVAL);
		if (err != NULL) {
			err[i] = rc;
		} else if (rc < 0) {
			munmap(base, pages * XSIM_PAGE);
			errno = -rc;
			return NULL;
		}
	}
	return base;
}

void *
pre_map_pages(uint32_t domid, int prot, size_t pages, const uint64_t *gfns,
    int *err, void *addr)
{
	return map_range(domid, prot, pages, gfns, NULL, err, addr);
}

PRE_API xengnttab_handle *
xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	xengnttab_handle *h;

	(void)logger;
	(void)open_flags;
	if (pre_core() == NULL)
		return NULL;
	h = calloc(1, sizeof(*h));
	pre_trace("xengnttab_open = %p", (void *)h);
	return h;
}

PRE_API int
xengnttab_close(xengnttab_handle *xgt)
{
	free(xgt);
	return 0;
}

PRE_API int
xengnttab_fd(xengnttab_handle *xgt)
{
	(void)xgt;
	errno = ENOSYS;
	return -1;
}

PRE_API int
xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
	pre_trace("xengnttab_set_max_grants(%u)", nr_grants);
	if (xgt != NULL)
		xgt->max_grants = nr_grants;
	return 0;
}

PRE_API void *
xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref,
    int prot)
{
	void *p;

	(void)xgt;
	p = map_range(domid, prot, 1, NULL, &ref, NULL, NULL);
	pre_trace("xengnttab_map_grant_ref(%u, %u) = %p%s%s", domid, ref, p,
	    p == NULL ? " " : "", p == NULL ? strerror(errno) : "");
	return p;
}

PRE_API void *
xengnttab_map_grant_ref_notify(xengnttab_handle *xgt, uint32_t domid,
    uint32_t ref, int prot, uint32_t notify_offset,
    evtchn_port_t notify_port)
{
	(void)notify_offset;
	(void)notify_port;
	return xengnttab_map_grant_ref(xgt, domid, ref, prot);
}

PRE_API void *
xengnttab_map_domain_grant_refs(xengnttab_handle *xgt, uint32_t count,
    uint32_t domid, uint32_t *refs, int prot)
{
	(void)xgt;
	return map_range(domid, prot, count, NULL, refs, NULL, NULL);
}

/* All pages must come from one domain: only rings exist to be mapped. */
PRE_API void *
xengnttab_map_grant_refs(xengnttab_handle *xgt, uint32_t count,
    uint32_t *domids, uint32_t *refs, int prot)
{
	uint32_t i;

	(void)xgt;
	for (i = 1; i < count; i++) {
		if (domids[i] != domids[0]) {
			errno = EINVAL;
			return NULL;
		}
	}
	return count == 0 ? (errno = EINVAL, NULL) :
	    map_range(domids[0], prot, count, NULL, refs, NULL, NULL);
}

PRE_API int
xengnttab_unmap(xengnttab_handle *xgt, void *start, uint32_t count)
{
	(void)xgt;
	pre_trace("xengnttab_unmap(%p, %u)", start, count);
	if (start == NULL || count == 0) {
		errno = EINVAL;
		return -1;
	}
	return munmap(start, (size_t)count * XSIM_PAGE);
}

PRE_API int
xengnttab_grant_copy(xengnttab_handle *xgt, uint32_t count,
    xengnttab_grant_copy_segment_t *segs)
{
	(void)xgt;
	(void)count;
	(void)segs;
	errno = ENOSYS;
	return -1;
}

PRE_API xenforeignmemory_handle *
xenforeignmemory_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	xenforeignmemory_handle *h;

	(void)logger;
	(void)open_flags;
	if (pre_core() == NULL)
		return NULL;
	h = calloc(1, sizeof(*h));
	pre_trace("xenforeignmemory_open = %p", (void *)h);
	return h;
}

PRE_API int
xenforeignmemory_close(xenforeignmemory_handle *fmem)
{
	free(fmem);
	return 0;
}

PRE_API void *
xenforeignmemory_map2(xenforeignmemory_handle *fmem, uint32_t dom,
    void *addr, int prot, int flags, size_t pages, const xen_pfn_t arr[],
    int err[])
{
	uint64_t *gfns;
	size_t i;
	void *p;

	(void)fmem;
	(void)flags;
	if (arr == NULL || pages == 0) {
		errno = EINVAL;
		return NULL;
	}
	gfns = calloc(pages, sizeof(*gfns));
	if (gfns == NULL)
		return NULL;
	for (i = 0; i < pages; i++)
		gfns[i] = arr[i];
	p = map_range(dom, prot, pages, gfns, NULL, err, addr);
	free(gfns);
	pre_trace("xenforeignmemory_map(%u, %zu, %#llx) = %p", dom, pages,
	    (unsigned long long)arr[0], p);
	return p;
}

PRE_API void *
xenforeignmemory_map(xenforeignmemory_handle *fmem, uint32_t dom, int prot,
    size_t pages, const xen_pfn_t arr[], int err[])
{
	return xenforeignmemory_map2(fmem, dom, NULL, prot, 0, pages, arr,
	    err);
}

PRE_API int
xenforeignmemory_unmap(xenforeignmemory_handle *fmem, void *addr,
    size_t pages)
{
	(void)fmem;
	return munmap(addr, pages * XSIM_PAGE);
}

PRE_API int
xenforeignmemory_restrict(xenforeignmemory_handle *fmem, domid_t domid)
{
	(void)fmem;
	(void)domid;
	errno = ENOSYS;
	return -1;
}
