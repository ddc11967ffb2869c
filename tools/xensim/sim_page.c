/*
 * sim_page.c: the ring page of each domain, one 4 KiB file per incarnation.
 *
 * dom0's page is <dir>/xsd_kva (what /proc/xen/xsd_kva shows); a guest's is
 * <dir>/pages/<domid>.<gen>.  Every mapping is MAP_SHARED on that file, so
 * the daemon and the guest side see the same bytes.  Removing the file at
 * destruction keeps existing mappings valid, as a real frame stays alive
 * while mapped, and a reused domid gets a fresh page.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim.h"

int
xsim_page_name(uint32_t domid, uint32_t gen, char *buf, size_t len)
{
	int n;

	if (domid == 0)
		n = snprintf(buf, len, "xsd_kva");
	else
		n = snprintf(buf, len, "pages/%u.%u", domid, gen);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int
xsim_page_create(struct xsim_core *c, uint32_t domid, uint32_t gen)
{
	char name[64];
	int fd, rc;

	if ((rc = xsim_page_name(domid, gen, name, sizeof(name))) < 0)
		return rc;
	fd = openat(c->dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return -errno;
	rc = ftruncate(fd, XSIM_PAGE) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

void
xsim_page_remove(struct xsim_core *c, uint32_t domid, uint32_t gen)
{
	char name[64];

	if (domid != 0 && xsim_page_name(domid, gen, name, sizeof(name)) == 0)
		unlinkat(c->dirfd, name, 0);
}

/*
 * Map the ring page of a domain that exists and is not dying (a dying
 * domain's grants and frames can no longer be mapped).  With fixed != NULL
 * the page replaces the mapping at that address.
 */
int
xsim_page_map(struct xsim_core *c, uint32_t domid, int prot, void *fixed,
    void **out)
{
	struct xsim_dom *d;
	uint32_t st;
	char name[64];
	void *p;
	int fd, rc;

	if (domid >= XSIM_NR_DOMS)
		return -ESRCH;
	if ((rc = xsim_lock(c)) < 0)
		return rc;
	d = xsim_dom(c, domid);
	st = XSIM_DOM_STATE(atomic_load(&d->state));
	if (st == XSIM_DOM_FREE) {
		rc = -ESRCH;
		goto out;
	}
	if (st == XSIM_DOM_DYING) {
		rc = -EINVAL;
		goto out;
	}
	if ((rc = xsim_page_name(domid, d->gen, name, sizeof(name))) < 0)
		goto out;
	fd = openat(c->dirfd, name,
	    ((prot & PROT_WRITE) ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	p = mmap(fixed, XSIM_PAGE, prot,
	    MAP_SHARED | (fixed != NULL ? MAP_FIXED : 0), fd, 0);
	rc = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (rc == 0)
		*out = p;
out:
	xsim_unlock(c);
	return rc;
}
