/*
 * check_preload.c: unit tests of libxensim.so's replaced entry points.
 *
 * The library is dlopen()ed (RTLD_LOCAL: it interposes nothing in this
 * process) with XENSIM_DIR naming a simulation made here, and its
 * libxenctrl / libxenevtchn / libxengnttab / libxenforeignmemory and libc
 * functions are called through dlsym().  The host library plays guests and
 * toolstack.  xenevtchn_fdopen is tested across a real exec.
 * Usage: check_preload <path/to/libxensim.so>
 * Compiled as gnu11: xenctrl.h needs GNU C.
 */
#define XC_WANT_COMPAT_MAP_FOREIGN_API
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xen/io/xs_wire.h>

#include "tutil.h"
#include "xensim.h"

#define FN(name) __typeof__(name) *name

static struct {
	const char *lib;
	char self[4096];	/* this program, to exec it again */
	void *dl;
	char *dir;
	struct xensim *sim;
	FN(xc_interface_open);
	FN(xc_interface_close);
	FN(xc_get_last_error);
	FN(xc_error_code_to_desc);
	FN(xc_domain_getinfo);
	FN(xc_domain_getinfolist);
	FN(xc_map_foreign_range);
	FN(xenevtchn_open);
	FN(xenevtchn_fdopen);
	FN(xenevtchn_close);
	FN(xenevtchn_fd);
	FN(xenevtchn_notify);
	FN(xenevtchn_bind_unbound_port);
	FN(xenevtchn_bind_interdomain);
	FN(xenevtchn_bind_virq);
	FN(xenevtchn_unbind);
	FN(xenevtchn_pending);
	FN(xenevtchn_unmask);
	FN(xengnttab_open);
	FN(xengnttab_close);
	FN(xengnttab_set_max_grants);
	FN(xengnttab_map_grant_ref);
	FN(xengnttab_map_domain_grant_refs);
	FN(xengnttab_unmap);
	FN(xengnttab_grant_copy);
	FN(xenforeignmemory_open);
	FN(xenforeignmemory_close);
	FN(xenforeignmemory_map);
	FN(xenforeignmemory_unmap);
	FN(open);
	FN(fopen);
	FN(stat);
	FN(mkdir);
	FN(unlink);
	FN(bind);
	FN(setrlimit);
} t;

#define LOAD(name) do { \
	t.name = (__typeof__(t.name))dlsym(t.dl, #name); \
	if (t.name == NULL) { \
		fprintf(stderr, "check_preload: no %s in %s\n", #name, \
		    t.lib); \
		exit(1); \
	} \
} while (0)

static void
load(void)
{
	t.dl = dlopen(t.lib, RTLD_NOW | RTLD_LOCAL);
	if (t.dl == NULL) {
		fprintf(stderr, "check_preload: %s\n", dlerror());
		exit(1);
	}
	LOAD(xc_interface_open);
	LOAD(xc_interface_close);
	LOAD(xc_get_last_error);
	LOAD(xc_error_code_to_desc);
	LOAD(xc_domain_getinfo);
	LOAD(xc_domain_getinfolist);
	LOAD(xc_map_foreign_range);
	LOAD(xenevtchn_open);
	LOAD(xenevtchn_fdopen);
	LOAD(xenevtchn_close);
	LOAD(xenevtchn_fd);
	LOAD(xenevtchn_notify);
	LOAD(xenevtchn_bind_unbound_port);
	LOAD(xenevtchn_bind_interdomain);
	LOAD(xenevtchn_bind_virq);
	LOAD(xenevtchn_unbind);
	LOAD(xenevtchn_pending);
	LOAD(xenevtchn_unmask);
	LOAD(xengnttab_open);
	LOAD(xengnttab_close);
	LOAD(xengnttab_set_max_grants);
	LOAD(xengnttab_map_grant_ref);
	LOAD(xengnttab_map_domain_grant_refs);
	LOAD(xengnttab_unmap);
	LOAD(xengnttab_grant_copy);
	LOAD(xenforeignmemory_open);
	LOAD(xenforeignmemory_close);
	LOAD(xenforeignmemory_map);
	LOAD(xenforeignmemory_unmap);
	LOAD(open);
	LOAD(fopen);
	LOAD(stat);
	LOAD(mkdir);
	LOAD(unlink);
	LOAD(bind);
	LOAD(setrlimit);
}

static struct xensim_domain
mkdom(void)
{
	struct xensim_domain d;

	ck_assert_int_eq(xensim_domain_create(t.sim, NULL, &d), 0);
	return d;
}

/* Take the bind event of a fresh port off the handle. */
static void
drain_bind(xenevtchn_handle *h, int port)
{
	ck_assert(tutil_readable(t.xenevtchn_fd(h), 1000));
	ck_assert_int_eq(t.xenevtchn_pending(h), port);
	ck_assert_int_eq(t.xenevtchn_unmask(h, (evtchn_port_t)port), 0);
}

START_TEST(test_xc_info)
{
	struct xensim_domain a = mkdom(), b = mkdom();
	xc_interface *xch = t.xc_interface_open(NULL, NULL, 0);
	xc_domaininfo_t li;
	xc_dominfo_t di;

	ck_assert_ptr_nonnull(xch);
	ck_assert_int_eq(t.xc_get_last_error(xch)->code, XC_ERROR_NONE);
	ck_assert_str_eq(t.xc_error_code_to_desc(XC_INTERNAL_ERROR),
	    "Internal error");
	ck_assert_int_eq(t.xc_domain_getinfo(xch, 0, 1, &di), 1);
	ck_assert_uint_eq(di.domid, 0);
	ck_assert(di.running && !di.dying && !di.shutdown);
	ck_assert_int_eq(t.xc_domain_getinfo(xch, a.domid, 1, &di), 1);
	ck_assert_uint_eq(di.domid, a.domid);
	ck_assert(!di.dying && !di.shutdown && !di.crashed && !di.hvm);
	ck_assert_int_eq(xensim_domain_shutdown(t.sim, a.domid, SHUTDOWN_crash),
	    0);
	ck_assert_int_eq(t.xc_domain_getinfo(xch, a.domid, 1, &di), 1);
	ck_assert(di.crashed && !di.shutdown);	/* as libxc reports it */
	ck_assert_int_eq(t.xc_domain_getinfolist(xch, a.domid, 1, &li), 1);
	ck_assert_uint_eq(li.domain, a.domid);
	ck_assert_uint_eq(li.flags & XEN_DOMINF_shutdown, XEN_DOMINF_shutdown);
	ck_assert_uint_eq((li.flags >> XEN_DOMINF_shutdownshift) &
	    XEN_DOMINF_shutdownmask, SHUTDOWN_crash);
	ck_assert_int_eq(xensim_domain_shutdown(t.sim, b.domid,
	    SHUTDOWN_suspend), 0);
	ck_assert_int_eq(t.xc_domain_getinfo(xch, b.domid, 1, &di), 1);
	ck_assert(di.shutdown && di.shutdown_reason == SHUTDOWN_suspend);
	ck_assert_int_eq(xensim_domain_kill(t.sim, a.domid), 0);
	ck_assert_int_eq(t.xc_domain_getinfo(xch, a.domid, 1, &di), 1);
	ck_assert(di.dying);
	ck_assert_int_eq(t.xc_domain_getinfolist(xch, a.domid, 1, &li), 1);
	ck_assert_uint_eq(li.flags & XEN_DOMINF_dying, XEN_DOMINF_dying);
	/* a missing domid yields the next domain, or nothing */
	ck_assert_int_eq(xensim_domain_destroy(t.sim, a.domid), 0);
	ck_assert_int_eq(t.xc_domain_getinfo(xch, a.domid, 1, &di), 1);
	ck_assert_uint_eq(di.domid, b.domid);
	ck_assert_int_eq(t.xc_domain_getinfo(xch, XENSIM_MAX_DOMID, 1, &di), 0);
	ck_assert_int_eq(t.xc_domain_getinfolist(xch, XENSIM_MAX_DOMID, 1,
	    &li), 0);
	ck_assert_int_eq(t.xc_interface_close(xch), 0);
}
END_TEST

START_TEST(test_gnttab)
{
	struct xensim_domain a = mkdom();
	xengnttab_handle *g = t.xengnttab_open(NULL, 0);
	struct xensim_guest *guest;
	uint32_t refs[2] = { 1, 1 };
	unsigned char *p;

	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(t.xengnttab_set_max_grants(g, 32752), 0);
	ck_assert_int_eq(xensim_guest_attach(t.sim, a.domid, NULL, &guest), 0);
	p = t.xengnttab_map_grant_ref(g, a.domid, 1, PROT_READ | PROT_WRITE);
	ck_assert_ptr_nonnull(p);
	xensim_guest_ring(guest)->req[3] = 'g';
	ck_assert_uint_eq(p[3], 'g');
	p[1024] = 'd';
	ck_assert_uint_eq((unsigned char)xensim_guest_ring(guest)->rsp[0], 'd');
	ck_assert_int_eq(t.xengnttab_unmap(g, p, 1), 0);
	errno = 0;
	ck_assert_ptr_null(t.xengnttab_map_grant_ref(g, a.domid, 2, PROT_READ));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(t.xengnttab_map_grant_ref(g, 30000, 1, PROT_READ));
	ck_assert_int_eq(errno, ESRCH);
	p = t.xengnttab_map_domain_grant_refs(g, 2, a.domid, refs, PROT_READ);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p[4096 + 3], 'g');
	ck_assert_int_eq(t.xengnttab_unmap(g, p, 2), 0);
	ck_assert_int_eq(xensim_domain_set_flags(t.sim, a.domid,
	    XENSIM_F_NOGRANT, 0), 0);
	ck_assert_ptr_null(t.xengnttab_map_grant_ref(g, a.domid, 1, PROT_READ));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(xensim_domain_set_flags(t.sim, a.domid, 0,
	    XENSIM_F_NOGRANT), 0);
	ck_assert_int_eq(xensim_domain_kill(t.sim, a.domid), 0);
	ck_assert_ptr_null(t.xengnttab_map_grant_ref(g, a.domid, 1, PROT_READ));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(t.xengnttab_grant_copy(g, 0, NULL), -1);
	ck_assert_int_eq(errno, ENOSYS);
	ck_assert_int_eq(t.xengnttab_unmap(g, NULL, 1), -1);
	ck_assert_int_eq(t.xengnttab_close(g), 0);
	xensim_guest_detach(&guest);
}
END_TEST

START_TEST(test_foreign)
{
	struct xensim_domain a = mkdom();
	xc_interface *xch = t.xc_interface_open(NULL, NULL, 0);
	xenforeignmemory_handle *fm = t.xenforeignmemory_open(NULL, 0);
	xen_pfn_t arr[2] = { a.gfn, a.gfn + 1 };
	unsigned char *p, *q;
	int err[2] = { 1, 1 };

	p = t.xc_map_foreign_range(xch, a.domid, 4096, PROT_READ | PROT_WRITE,
	    a.gfn);
	ck_assert_ptr_nonnull(p);
	p[100] = 'f';
	q = t.xenforeignmemory_map(fm, a.domid, PROT_READ, 2, arr, err);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(err[0], 0);
	ck_assert_int_eq(err[1], -EINVAL);
	ck_assert_uint_eq(q[100], 'f');
	ck_assert_int_eq(t.xenforeignmemory_unmap(fm, q, 2), 0);
	ck_assert_ptr_null(t.xenforeignmemory_map(fm, a.domid, PROT_READ, 2,
	    arr, NULL));
	munmap(p, 4096);
	errno = 0;
	ck_assert_ptr_null(t.xc_map_foreign_range(xch, a.domid, 4096,
	    PROT_READ, a.gfn + 1));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(t.xc_map_foreign_range(xch, a.domid, 0, PROT_READ,
	    a.gfn));
	ck_assert_ptr_null(t.xc_map_foreign_range(xch, 31000, 4096, PROT_READ,
	    a.gfn));
	ck_assert_int_eq(errno, ESRCH);
	ck_assert_int_eq(t.xenforeignmemory_close(fm), 0);
	ck_assert_int_eq(t.xc_interface_close(xch), 0);
}
END_TEST

START_TEST(test_evtchn_guest)
{
	struct xensim_domain a = mkdom();
	struct xensim_guest *g;
	xenevtchn_handle *h = t.xenevtchn_open(NULL, 0);
	int lport;

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(xensim_guest_attach(t.sim, a.domid, NULL, &g), 0);
	lport = t.xenevtchn_bind_interdomain(h, a.domid, a.port);
	ck_assert_int_gt(lport, 0);
	drain_bind(h, lport);
	ck_assert(!tutil_readable(t.xenevtchn_fd(h), 0));
	ck_assert_int_eq(xensim_guest_notify(g), 0);
	ck_assert_int_eq(xensim_guest_notify(g), 0);
	ck_assert(tutil_readable(t.xenevtchn_fd(h), 1000));
	ck_assert_int_eq(t.xenevtchn_pending(h), lport);
	ck_assert(!tutil_readable(t.xenevtchn_fd(h), 0));
	/* the second notification was held while masked */
	ck_assert_int_eq(t.xenevtchn_unmask(h, (evtchn_port_t)lport), 0);
	ck_assert(tutil_readable(t.xenevtchn_fd(h), 0));
	ck_assert_int_eq(t.xenevtchn_pending(h), lport);
	ck_assert_int_eq(t.xenevtchn_unmask(h, (evtchn_port_t)lport), 0);
	ck_assert(!tutil_readable(t.xenevtchn_fd(h), 0));
	ck_assert_int_eq(t.xenevtchn_notify(h, (evtchn_port_t)lport), 0);
	ck_assert_int_eq(t.xenevtchn_notify(h, (evtchn_port_t)lport), 0);
	ck_assert_int_eq(xensim_guest_wait(g, 1000), 1);
	ck_assert_int_eq(xensim_guest_consume(g), 0);
	/* errors */
	errno = 0;
	ck_assert_int_eq(t.xenevtchn_bind_interdomain(h, a.domid, a.port), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(t.xenevtchn_bind_interdomain(h, 30000, 1), -1);
	ck_assert_int_eq(errno, ESRCH);
	ck_assert_int_eq(t.xenevtchn_notify(h, 9999), -1);
	ck_assert_int_eq(errno, ENOTCONN);
	ck_assert_int_eq(t.xenevtchn_unmask(h, 9999), -1);
	ck_assert_int_eq(t.xenevtchn_unbind(h, 9999), -1);
	ck_assert_int_eq(t.xenevtchn_bind_virq(h, 99), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* unbind: the guest's port is unbound again, so a rebind works */
	ck_assert_int_eq(t.xenevtchn_unbind(h, (evtchn_port_t)lport), 0);
	ck_assert_int_eq(t.xenevtchn_notify(h, (evtchn_port_t)lport), -1);
	lport = t.xenevtchn_bind_interdomain(h, a.domid, a.port);
	ck_assert_int_gt(lport, 0);
	drain_bind(h, lport);
	ck_assert_int_eq(t.xenevtchn_close(h), 0);
	/* closing the handle closed the channel too */
	h = t.xenevtchn_open(NULL, 0);
	ck_assert_int_eq(t.xenevtchn_pending(h), -1);
	ck_assert_int_eq(errno, EAGAIN);
	lport = t.xenevtchn_bind_interdomain(h, a.domid, a.port);
	ck_assert_int_gt(lport, 0);
	ck_assert_int_gt(t.xenevtchn_bind_unbound_port(h, a.domid), 0);
	ck_assert_int_eq(t.xenevtchn_close(h), 0);
	xensim_guest_detach(&g);
}
END_TEST

START_TEST(test_evtchn_virq)
{
	struct xensim_domain a = mkdom();
	xenevtchn_handle *h = t.xenevtchn_open(NULL, 0);
	int v;

	v = t.xenevtchn_bind_virq(h, VIRQ_DOM_EXC);
	ck_assert_int_gt(v, 0);
	ck_assert(!tutil_readable(t.xenevtchn_fd(h), 0));
	ck_assert_int_eq(xensim_domain_shutdown(t.sim, a.domid, 0), 0);
	ck_assert(tutil_readable(t.xenevtchn_fd(h), 1000));
	ck_assert_int_eq(t.xenevtchn_pending(h), v);
	ck_assert_int_eq(t.xenevtchn_unmask(h, (evtchn_port_t)v), 0);
	ck_assert_int_eq(xensim_domain_destroy(t.sim, a.domid), 0);
	ck_assert(tutil_readable(t.xenevtchn_fd(h), 1000));
	ck_assert_int_eq(t.xenevtchn_pending(h), v);
	ck_assert_int_eq(t.xenevtchn_unmask(h, (evtchn_port_t)v), 0);
	ck_assert(!tutil_readable(t.xenevtchn_fd(h), 0));
	ck_assert_int_eq(t.xenevtchn_close(h), 0);
}
END_TEST

/*
 * Live update: a handle opened without close-on-exec survives exec and is
 * rebuilt there by xenevtchn_fdopen, ports included.
 */
START_TEST(test_evtchn_fdopen_exec)
{
	struct xensim_domain a = mkdom();
	struct xensim_guest *g;
	xenevtchn_handle *h = t.xenevtchn_open(NULL, XENEVTCHN_NO_CLOEXEC);
	char fdarg[16], portarg[16];
	int lport, st;
	pid_t pid;

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(xensim_guest_attach(t.sim, a.domid, NULL, &g), 0);
	lport = t.xenevtchn_bind_interdomain(h, a.domid, a.port);
	drain_bind(h, lport);
	ck_assert_ptr_null(t.xenevtchn_fdopen(NULL, t.xenevtchn_fd(h),
	    XENEVTCHN_NO_CLOEXEC));
	ck_assert_ptr_null(t.xenevtchn_fdopen(NULL, 0, 0));
	snprintf(fdarg, sizeof(fdarg), "%d", t.xenevtchn_fd(h));
	snprintf(portarg, sizeof(portarg), "%d", lport);
	ck_assert_int_eq(xensim_guest_notify(g), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl(t.self, t.self, t.lib, "--fdopen",
		    fdarg, portarg, (char *)NULL);
		_exit(126);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	/* the child notified the guest through the adopted handle */
	ck_assert_int_eq(xensim_guest_wait(g, 1000), 1);
	ck_assert_int_eq(t.xenevtchn_close(h), 0);
	xensim_guest_detach(&g);
}
END_TEST

/* The exec'd side of test_evtchn_fdopen_exec. */
static int
fdopen_child(const char *fdarg, const char *portarg)
{
	int fd = atoi(fdarg), port = atoi(portarg);
	xenevtchn_handle *h = t.xenevtchn_fdopen(NULL, fd, 0);

	if (h == NULL)
		return 2;
	if (!tutil_readable(t.xenevtchn_fd(h), 2000))
		return 3;
	if (t.xenevtchn_pending(h) != port ||
	    t.xenevtchn_unmask(h, (evtchn_port_t)port) != 0)
		return 4;
	if (t.xenevtchn_notify(h, (evtchn_port_t)port) != 0)
		return 5;
	return 0;	/* exit without closing: the parent still owns it */
}

START_TEST(test_paths)
{
	char buf[64], path[4096];
	struct sockaddr_un sa;
	struct stat st;
	FILE *f;
	int fd;
	ssize_t n;

	fd = t.open("/proc/xen/xsd_port", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(buf[0], '1');
	close(fd);
	f = t.fopen("/proc/xen/capabilities", "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	ck_assert_str_eq(buf, "control_d\n");
	fclose(f);
	ck_assert_int_eq(t.stat("/proc/xen/xsd_kva", &st), 0);
	ck_assert_int_eq(st.st_size, 4096);
	ck_assert_int_eq(t.stat("/var/run/xenstored", &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(t.mkdir("/run/xenstored/sub", 0700), 0);
	snprintf(path, sizeof(path), "%s/run/sub", t.dir);
	ck_assert_int_eq(stat(path, &st), 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, "/var/run/xenstored/socket");
	ck_assert_int_eq(t.bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/sock", t.dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(t.unlink("/var/run/xenstored/socket"), 0);
	ck_assert_int_eq(stat(path, &st), -1);
	/* a redirection that does not fit fails, never falls back */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(sa.sun_path, 'x', sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, "/run/xenstored/", 15);
	sa.sun_path[sizeof(sa.sun_path) - 1] = '\0';
	ck_assert_int_eq(t.bind(fd, (struct sockaddr *)&sa, sizeof(sa)), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	close(fd);
	memset(path, 'y', sizeof(path) - 1);
	memcpy(path, "/run/xenstored/", 15);
	path[sizeof(path) - 1] = '\0';
	ck_assert_int_eq(t.open(path, O_RDONLY), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	/* anything else is untouched */
	ck_assert_int_eq(t.stat("/proc/xen/other", &st), -1);
	ck_assert_int_eq(t.stat("/proc/self", &st), 0);
}
END_TEST

/* Above the hard limit: granted if privileged, else clamped, never EPERM. */
START_TEST(test_setrlimit_clamp)
{
	struct rlimit cur, want, now;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &cur), 0);
	if (cur.rlim_max == RLIM_INFINITY)
		return;
	want.rlim_cur = want.rlim_max = cur.rlim_max + 1;
	ck_assert_int_eq(t.setrlimit(RLIMIT_NOFILE, &want), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &now), 0);
	ck_assert(now.rlim_max == want.rlim_max ||
	    now.rlim_max == cur.rlim_max);
	ck_assert_uint_eq(now.rlim_cur, now.rlim_max);
}
END_TEST

int
main(int argc, char **argv)
{
	char sock[4096];
	SRunner *sr;
	Suite *s;
	TCase *tc;
	int failed;

	if (argc < 2) {
		fprintf(stderr, "usage: check_preload LIBXENSIM_SO\n");
		return 2;
	}
	t.lib = argv[1];
	if (argc == 5 && strcmp(argv[2], "--fdopen") == 0) {
		/* _exit: the adopted handle stays open on purpose, and a
		 * leak checker at exit would call that a leak. */
		load();
		_exit(fdopen_child(argv[3], argv[4]));
	}
	/* Not /proc/self/exe: under valgrind that is valgrind itself. */
	if (realpath(argv[0], t.self) == NULL) {
		perror("check_preload: realpath");
		return 1;
	}
	t.dir = tutil_mkdtemp();
	if (t.dir == NULL || xensim_create(t.dir, &t.sim) < 0) {
		perror("check_preload: simulation");
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/sock", t.dir);
	setenv("XENSIM_DIR", t.dir, 1);
	setenv("XENSIM_SOCKET", sock, 1);
	load();

	s = suite_create("preload");
	tc = tcase_create("preload");
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_xc_info);
	tcase_add_test(tc, test_gnttab);
	tcase_add_test(tc, test_foreign);
	tcase_add_test(tc, test_evtchn_guest);
	tcase_add_test(tc, test_evtchn_virq);
	tcase_add_test(tc, test_evtchn_fdopen_exec);
	tcase_add_test(tc, test_paths);
	tcase_add_test(tc, test_setrlimit_clamp);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	xensim_close(&t.sim);
	tutil_rmrf(&t.dir);
	dlclose(t.dl);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
