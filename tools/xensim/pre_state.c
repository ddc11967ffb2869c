/*
 * pre_state.c: the preload's one process-wide state and its setup.
 *
 * Owns struct pre_state: reading the environment (docs/simulated-xen.md,
 * "Environment"), resolving the real libc functions, opening the
 * simulation at the first Xen call (reopening the lock fd after a fork),
 * the port -> endpoint table of this process, the call trace, and the
 * path redirection table.  The replaced entry points are in pre_*.c.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pre.h"

struct pre_state pre = { .trace_fd = -1, .core_rc = 1 };

static void
copy_env(char *dst, size_t len, const char *val)
{
	if (val == NULL || strlen(val) >= len)
		dst[0] = '\0';
	else
		memcpy(dst, val, strlen(val) + 1);
}

static void
join(char *dst, size_t len, const char *a, const char *b)
{
	int n = snprintf(dst, len, "%s/%s", a, b);

	if (n < 0 || (size_t)n >= len)
		dst[0] = '\0';
}

#define REAL(name) (pre.name = (__typeof__(pre.name))dlsym(RTLD_NEXT, #name))

static void
resolve_libc(void)
{
	REAL(open);
	REAL(open64);
	REAL(openat);
	REAL(openat64);
	REAL(fopen);
	REAL(fopen64);
	REAL(stat);
	REAL(lstat);
	REAL(stat64);
	REAL(lstat64);
	REAL(access);
	REAL(mkdir);
	REAL(unlink);
	REAL(rmdir);
	REAL(chmod);
	REAL(chown);
	REAL(rename);
	REAL(bind);
	REAL(connect);
	REAL(setrlimit);
	REAL(setrlimit64);
}

/* Idempotent; the constructor calls it, so do early interposed calls. */
void
pre_init(void)
{
	const char *v;
	char tmp[PATH_MAX];

	if (pre.inited)
		return;
	resolve_libc();
	/*
	 * A call interposed while a sanitizer runtime initializes (before
	 * libc has set up environ: ASan with log_path opens files that
	 * early) must not decide "no simulation" for good: look again at
	 * the next call.
	 */
	if (environ == NULL || environ[0] == NULL)
		return;
	pre.inited = 1;
	copy_env(pre.dir, sizeof(pre.dir), getenv("XENSIM_DIR"));
	if (pre.dir[0] == '\0')
		return;
	if ((v = getenv("XENSIM_SOCKET")) != NULL && v[0] != '\0') {
		copy_env(pre.socket, sizeof(pre.socket), v);
	} else if ((v = getenv("XENSTORED_PATH")) != NULL && v[0] != '\0') {
		copy_env(pre.socket, sizeof(pre.socket), v);
	} else if ((v = getenv("XENSTORED_RUNDIR")) != NULL && v[0] != '\0') {
		copy_env(tmp, sizeof(tmp), v);
		join(pre.socket, sizeof(pre.socket), tmp, "socket");
	} else {
		join(pre.socket, sizeof(pre.socket), pre.dir, "socket");
	}
	if ((v = getenv("XENSIM_RUNDIR")) != NULL && v[0] != '\0')
		copy_env(pre.rundir, sizeof(pre.rundir), v);
	else
		join(pre.rundir, sizeof(pre.rundir), pre.dir, "run");
	if ((v = getenv("XENSIM_TRACE")) != NULL && v[0] != '\0')
		pre.trace_fd = pre.open(v, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC, 0644);
}

__attribute__((constructor)) static void
pre_ctor(void)
{
	pre_init();
}

/* At exit or dlclose: give back what this process-wide state holds. */
__attribute__((destructor)) static void
pre_dtor(void)
{
	free(pre.port2ep);
	pre.port2ep = NULL;
	pre.nports = 0;
	if (pre.core_rc == 0)
		xsim_core_close(&pre.core);
	pre.core_rc = 1;
	if (pre.trace_fd >= 0)
		close(pre.trace_fd);
	pre.trace_fd = -1;
}

void
pre_trace(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n, m;

	if (pre.trace_fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%d ", (int)getpid());
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)write(pre.trace_fd, buf, (size_t)n);
}

/*
 * The simulation, or NULL with errno set.  A forked child gets its own
 * open file description of the machine file: flock() locks belong to it,
 * and parent and child must not share one.
 */
struct xsim_core *
pre_core(void)
{
	int fd;

	pre_init();
	if (pre.core_rc == 1) {
		if (pre.dir[0] == '\0')
			pre.core_rc = -ENOENT;
		else
			pre.core_rc = xsim_core_open(&pre.core, pre.dir);
		pre.core_pid = getpid();
		if (pre.core_rc < 0)
			pre_trace("xensim: cannot open simulation %s: %s",
			    pre.dir, strerror(-pre.core_rc));
	}
	if (pre.core_rc < 0) {
		errno = -pre.core_rc;
		return NULL;
	}
	if (pre.core_pid != getpid()) {
		fd = openat(pre.core.dirfd, "machine", O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			dup3(fd, pre.core.fd, O_CLOEXEC);
			close(fd);
		}
		pre.core.locked = 0;
		pre.core_pid = getpid();
	}
	return &pre.core;
}

int
pre_port_set(uint32_t port, uint32_t epi)
{
	uint32_t *p, n;

	if (port > XSIM_MAX_PORT)
		return -EINVAL;
	if (port >= pre.nports) {
		n = pre.nports != 0 ? pre.nports : 64;
		while (n <= port)
			n *= 2;
		p = realloc(pre.port2ep, n * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		memset(p + pre.nports, 0, (n - pre.nports) * sizeof(*p));
		pre.port2ep = p;
		pre.nports = n;
	}
	pre.port2ep[port] = epi == XSIM_NONE ? 0 : epi + 1;
	return 0;
}

/* Endpoint index of a local port of this process, or XSIM_NONE. */
uint32_t
pre_port_get(uint32_t port)
{
	if (port >= pre.nports || pre.port2ep[port] == 0)
		return XSIM_NONE;
	return pre.port2ep[port] - 1;
}

static const char *
redirect_tail(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0)
		return NULL;
	if (path[n] == '\0' || path[n] == '/')
		return path + n;
	return NULL;
}

/*
 * Where a process under the simulation really finds path: the dom0
 * kernel's /proc/xen files are in the simulation directory, and the fixed
 * run directory of the daemons is moved (the socket to XENSIM_SOCKET, the
 * rest to XENSIM_RUNDIR).  Returns path itself when nothing applies, and
 * NULL when the redirected path does not fit: better a failing call than
 * one that touches the real system path.
 */
const char *
pre_path(const char *path, char *buf, size_t len)
{
	static const char *const proc[] = {
		"xsd_kva", "xsd_port", "capabilities",
	};
	static const char *const run[] = {
		"/var/run/xenstored", "/run/xenstored",
	};
	const char *tail;
	size_t i;
	int n;

	pre_init();
	if (path == NULL || pre.dir[0] == '\0' || path[0] != '/')
		return path;
	if (strncmp(path, "/proc/xen/", 10) == 0) {
		for (i = 0; i < sizeof(proc) / sizeof(proc[0]); i++) {
			if (strcmp(path + 10, proc[i]) == 0) {
				n = snprintf(buf, len, "%s/%s", pre.dir,
				    proc[i]);
				return n < 0 || (size_t)n >= len ? NULL : buf;
			}
		}
		return path;
	}
	for (i = 0; i < sizeof(run) / sizeof(run[0]); i++) {
		if ((tail = redirect_tail(path, run[i])) == NULL)
			continue;
		if (strcmp(tail, "/socket") == 0 ||
		    strcmp(tail, "/socket_ro") == 0)
			n = snprintf(buf, len, "%s", pre.socket);
		else
			n = snprintf(buf, len, "%s%s", pre.rundir, tail);
		return n < 0 || (size_t)n >= len || pre.socket[0] == '\0' ||
		    pre.rundir[0] == '\0' ? NULL : buf;
	}
	return path;
}
