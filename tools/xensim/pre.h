/*
 * pre.h: private definitions of the preload library libxensim.so.
 *
 * The preload replaces, inside an unmodified daemon, the entry points of
 * libxenctrl, libxenevtchn, libxengnttab and libxenforeignmemory that
 * xenstored daemons use, plus a few libc calls whose paths or limits are
 * Xen- or host-specific.  A preload necessarily has process-wide state:
 * all of it is the one struct pre_state below.  Only the replaced entry
 * points are exported (PRE_API); everything else is hidden.
 */
#ifndef XENSIM_PRE_H
#define XENSIM_PRE_H

#include <limits.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stdio.h>

#include "sim.h"

#define PRE_API __attribute__((visibility("default")))

struct pre_state {
	/* Filled once by the constructor from the environment. */
	int inited;
	char dir[PATH_MAX];	/* XENSIM_DIR ("" : inert) */
	char socket[PATH_MAX];	/* target of /var/run/xenstored/socket */
	char rundir[PATH_MAX];	/* target of /var/run/xenstored */
	uint32_t self;		/* our domid: 0, the daemon runs in dom0 */
	int trace_fd;		/* XENSIM_TRACE, -1 if unset */

	/* The simulation, opened at the first Xen call. */
	int core_rc;		/* 1 not yet, 0 open, < 0 failure */
	pid_t core_pid;		/* process that opened core */
	struct xsim_core core;

	/* Local port of our domain -> endpoint index + 1 (this process). */
	uint32_t *port2ep;
	uint32_t nports;

	/* The real libc functions behind the ones we replace. */
	int (*open)(const char *, int, ...);
	int (*open64)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*openat64)(int, const char *, int, ...);
	FILE *(*fopen)(const char *, const char *);
	FILE *(*fopen64)(const char *, const char *);
	int (*stat)(const char *, struct stat *);
	int (*lstat)(const char *, struct stat *);
	int (*stat64)(const char *, struct stat64 *);
	int (*lstat64)(const char *, struct stat64 *);
	int (*access)(const char *, int);
	int (*mkdir)(const char *, mode_t);
	int (*unlink)(const char *);
	int (*rmdir)(const char *);
	int (*chmod)(const char *, mode_t);
	int (*chown)(const char *, uid_t, gid_t);
	int (*rename)(const char *, const char *);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*setrlimit)(__rlimit_resource_t, const struct rlimit *);
	int (*setrlimit64)(__rlimit_resource_t, const struct rlimit64 *);
};

extern struct pre_state pre;

void pre_init(void);
struct xsim_core *pre_core(void);
void pre_trace(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
const char *pre_path(const char *path, char *buf, size_t len);
int pre_port_set(uint32_t port, uint32_t epi);
uint32_t pre_port_get(uint32_t port);
void *pre_map_pages(uint32_t domid, int prot, size_t pages,
    const uint64_t *gfns, int *err, void *addr);

#endif
