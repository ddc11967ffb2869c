/*
 * pre_libc.c: the libc calls the preload replaces.
 *
 * Path-taking calls go through pre_path() (the dom0 kernel's /proc/xen
 * files, the daemons' fixed /var/run/xenstored), AF_UNIX bind/connect
 * likewise, and setrlimit(RLIMIT_NOFILE) above the hard limit is clamped
 * to it instead of failing: oxenstored asks for nr_open and exits on
 * EPERM, which only a privileged real dom0 grants.  Nothing else changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "pre.h"

/* r_<p>: where p really is; NULL (fail the call) if that does not fit. */
#define PATH(p) char buf_##p[PATH_MAX]; \
	const char *r_##p = (pre_init(), pre_path(p, buf_##p, sizeof(buf_##p)))
#define CHECK(p, fail) do { \
	if (r_##p == NULL) { \
		errno = ENAMETOOLONG; \
		return fail; \
	} \
} while (0)

static mode_t
mode_arg(int flags, va_list ap)
{
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		return (mode_t)va_arg(ap, int);
	return 0;
}

PRE_API int
open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	PATH(path);
	CHECK(path, -1);

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return pre.open(r_path, flags, mode);
}

PRE_API int
open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	PATH(path);
	CHECK(path, -1);

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return pre.open64(r_path, flags, mode);
}

PRE_API int
openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	PATH(path);
	CHECK(path, -1);

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return pre.openat(dirfd, r_path, flags, mode);
}

PRE_API int
openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	PATH(path);
	CHECK(path, -1);

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return pre.openat64(dirfd, r_path, flags, mode);
}

PRE_API FILE *
fopen(const char *path, const char *mode)
{
	PATH(path);
	CHECK(path, NULL);
	return pre.fopen(r_path, mode);
}

PRE_API FILE *
fopen64(const char *path, const char *mode)
{
	PATH(path);
	CHECK(path, NULL);
	return pre.fopen64(r_path, mode);
}

PRE_API int
stat(const char *path, struct stat *st)
{
	PATH(path);
	CHECK(path, -1);
	return pre.stat(r_path, st);
}

PRE_API int
lstat(const char *path, struct stat *st)
{
	PATH(path);
	CHECK(path, -1);
	return pre.lstat(r_path, st);
}

PRE_API int
stat64(const char *path, struct stat64 *st)
{
	PATH(path);
	CHECK(path, -1);
	return pre.stat64(r_path, st);
}

PRE_API int
lstat64(const char *path, struct stat64 *st)
{
	PATH(path);
	CHECK(path, -1);
	return pre.lstat64(r_path, st);
}

PRE_API int
access(const char *path, int mode)
{
	PATH(path);
	CHECK(path, -1);
	return pre.access(r_path, mode);
}

PRE_API int
mkdir(const char *path, mode_t mode)
{
	PATH(path);
	CHECK(path, -1);
	return pre.mkdir(r_path, mode);
}

PRE_API int
unlink(const char *path)
{
	PATH(path);
	CHECK(path, -1);
	return pre.unlink(r_path);
}

PRE_API int
rmdir(const char *path)
{
	PATH(path);
	CHECK(path, -1);
	return pre.rmdir(r_path);
}

PRE_API int
chmod(const char *path, mode_t mode)
{
	PATH(path);
	CHECK(path, -1);
	return pre.chmod(r_path, mode);
}

PRE_API int
chown(const char *path, uid_t uid, gid_t gid)
{
	PATH(path);
	CHECK(path, -1);
	return pre.chown(r_path, uid, gid);
}

PRE_API int
rename(const char *from, const char *to)
{
	PATH(from);
	CHECK(from, -1);
	PATH(to);
	CHECK(to, -1);
	return pre.rename(r_from, r_to);
}

/*
 * An AF_UNIX address naming a redirected path, rewritten into *out; NULL
 * if the redirected path does not fit in sun_path.
 */
static const struct sockaddr *
unix_addr(const struct sockaddr *sa, socklen_t *len, struct sockaddr_un *out)
{
	char path[sizeof(out->sun_path) + 1], buf[PATH_MAX];
	const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
	size_t n, off = offsetof(struct sockaddr_un, sun_path);
	const char *r;

	if (sa == NULL || *len <= off || *len > sizeof(*un) ||
	    sa->sa_family != AF_UNIX || un->sun_path[0] == '\0')
		return sa;
	n = *len - off;
	memcpy(path, un->sun_path, n);
	path[n] = '\0';
	r = pre_path(path, buf, sizeof(buf));
	if (r == path)
		return sa;
	if (r == NULL || strlen(r) >= sizeof(out->sun_path))
		return NULL;	/* does not fit: fail, never use the original */
	memset(out, 0, sizeof(*out));
	out->sun_family = AF_UNIX;
	memcpy(out->sun_path, r, strlen(r));
	*len = (socklen_t)(off + strlen(r) + 1);
	return (const struct sockaddr *)out;
}

PRE_API int
bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_un un;

	pre_init();
	if (sa != NULL && (sa = unix_addr(sa, &len, &un)) == NULL) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return pre.bind(fd, sa, len);
}

PRE_API int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_un un;

	pre_init();
	if (sa != NULL && (sa = unix_addr(sa, &len, &un)) == NULL) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return pre.connect(fd, sa, len);
}

PRE_API int
setrlimit(__rlimit_resource_t res, const struct rlimit *rl)
{
	struct rlimit cur, lim;
	int rc;

	pre_init();
	rc = pre.setrlimit(res, rl);
	if (rc == 0 || errno != EPERM || res != RLIMIT_NOFILE ||
	    getrlimit(RLIMIT_NOFILE, &cur) < 0 ||
	    rl->rlim_max <= cur.rlim_max)
		return rc;
	lim.rlim_max = cur.rlim_max;
	lim.rlim_cur = rl->rlim_cur < cur.rlim_max ? rl->rlim_cur :
	    cur.rlim_max;
	pre_trace("setrlimit(NOFILE, %llu) clamped to %llu",
	    (unsigned long long)rl->rlim_max,
	    (unsigned long long)lim.rlim_max);
	return pre.setrlimit(res, &lim);
}

PRE_API int
setrlimit64(__rlimit_resource_t res, const struct rlimit64 *rl)
{
	struct rlimit r;

	r.rlim_cur = rl->rlim_cur;
	r.rlim_max = rl->rlim_max;
	return setrlimit(res, &r);
}
