/*
 * sim_machine.c: create, open, map and lock the machine file.
 *
 * Owns <dir>/machine (header, domain table, endpoint table, handle table;
 * layout in sim.h) and the process-local struct xsim_core that maps it.
 * The file is sparse: only the pages of used entries ever get allocated.
 * No domain or event logic here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

static void
core_reset(struct xsim_core *c)
{
	c->map = NULL;
	c->fd = -1;
	c->dirfd = -1;
	c->sendfd = -1;
	c->locked = 0;
}

void
xsim_core_close(struct xsim_core *c)
{
	if (c->map != NULL)
		munmap(c->map, XSIM_SIZE);
	if (c->fd >= 0)
		close(c->fd);
	if (c->dirfd >= 0)
		close(c->dirfd);
	if (c->sendfd >= 0)
		close(c->sendfd);
	core_reset(c);
}

int
xsim_lock(struct xsim_core *c)
{
	if (c->locked++ > 0)
		return 0;
	while (flock(c->fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			c->locked--;
			return -errno;
		}
	}
	return 0;
}

void
xsim_unlock(struct xsim_core *c)
{
	if (c->locked > 0 && --c->locked == 0)
		flock(c->fd, LOCK_UN);
}

static int
core_map(struct xsim_core *c)
{
	void *p;

	p = mmap(NULL, XSIM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	c->map = p;
	return 0;
}

static int
open_dir(struct xsim_core *c, const char *dir, bool create)
{
	if (dir == NULL || dir[0] == '\0')
		return -EINVAL;
	if (create && mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	c->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dirfd < 0)
		return -errno;
	return 0;
}

static int
write_text(int dirfd, const char *name, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0 || (size_t)n != len) {
		n = n < 0 ? -errno : -EIO;
		close(fd);
		return (int)n;
	}
	close(fd);
	return 0;
}

/*
 * Build a new simulation in dir (created if missing): the machine file,
 * dom0 with its ring page (xsd_kva) and port (xsd_port), and the files a
 * dom0 kernel would show in /proc/xen.  Fails with -EEXIST if dir already
 * holds a simulation.
 */
int
xsim_core_create(struct xsim_core *c, const char *dir)
{
	struct xsim_hdr *h;
	uint64_t id = 0;
	int rc;

	core_reset(c);
	rc = open_dir(c, dir, true);
	if (rc < 0)
		return rc;
	c->fd = openat(c->dirfd, "machine",
	    O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (c->fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (ftruncate(c->fd, XSIM_SIZE) < 0) {
		rc = -errno;
		goto fail_unlink;
	}
	if ((rc = core_map(c)) < 0)
		goto fail_unlink;
	if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
		id = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	if ((rc = xsim_lock(c)) < 0)
		goto fail_unlink;
	h = xsim_hdr(c);
	h->simid = id;
	h->xs_domid = 0;
	if ((mkdirat(c->dirfd, "pages", 0755) < 0 && errno != EEXIST) ||
	    (mkdirat(c->dirfd, "run", 0755) < 0 && errno != EEXIST)) {
		rc = -errno;
		goto fail_locked;
	}
	if ((rc = write_text(c->dirfd, "capabilities", "control_d\n")) < 0)
		goto fail_locked;
	if ((rc = xsim_dom_init0(c)) < 0)
		goto fail_locked;
	h->version = XSIM_VERSION;
	atomic_thread_fence(memory_order_seq_cst);
	h->magic = XSIM_MAGIC;
	xsim_unlock(c);
	return 0;

fail_locked:
	xsim_unlock(c);
fail_unlink:
	unlinkat(c->dirfd, "machine", 0);
fail:
	xsim_core_close(c);
	return rc;
}

int
xsim_core_open(struct xsim_core *c, const char *dir)
{
	struct stat st;
	int rc;

	core_reset(c);
	if ((rc = open_dir(c, dir, false)) < 0)
		return rc;
	c->fd = openat(c->dirfd, "machine", O_RDWR | O_CLOEXEC);
	if (c->fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (fstat(c->fd, &st) < 0) {
		rc = -errno;
		goto fail;
	}
	if ((size_t)st.st_size != XSIM_SIZE) {
		rc = -EPROTO;
		goto fail;
	}
	if ((rc = core_map(c)) < 0)
		goto fail;
	if (xsim_hdr(c)->magic != XSIM_MAGIC ||
	    xsim_hdr(c)->version != XSIM_VERSION) {
		rc = -EPROTO;
		goto fail;
	}
	return 0;

fail:
	xsim_core_close(c);
	return rc;
}
