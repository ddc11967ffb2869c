/*
 * pt.c: see pt.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pt.h"

#define MAX_DAEMONS 8

static const char *test_name = "persist";
static struct pt_daemon *running[MAX_DAEMONS];

void
pt_set_name(const char *name)
{
	test_name = name;
}

void
pt_note(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", test_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
track(struct pt_daemon *d, bool on)
{
	int i;

	for (i = 0; i < MAX_DAEMONS; i++) {
		if (on && running[i] == NULL) {
			running[i] = d;
			return;
		}
		if (!on && running[i] == d)
			running[i] = NULL;
	}
}

void
pt_die(const char *fmt, ...)
{
	va_list ap;
	int i;

	fprintf(stderr, "%s: FAIL: ", test_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	for (i = 0; i < MAX_DAEMONS; i++) {
		struct pt_daemon *d = running[i];

		if (d == NULL || d->pid <= 0)
			continue;
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
		fprintf(stderr, "%s: log of the daemon in %s:\n", test_name,
		    d->sim);
		pt_daemon_log_tail(d, 40);
	}
	fprintf(stderr, "%s: (seed %s; the test's directories are kept)\n",
	    test_name, getenv("PT_SEED_USED") ? getenv("PT_SEED_USED") : "?");
	exit(1);
}

uint64_t
pt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
pt_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

uint64_t
pt_seed(void)
{
	const char *e = getenv("PT_SEED");
	uint64_t s;
	char buf[32];

	if (e != NULL && e[0] != '\0') {
		s = strtoull(e, NULL, 0);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
		    ((uint64_t)getpid() << 40);
	}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)s);
	setenv("PT_SEED_USED", buf, 1);
	pt_note("seed %s (PT_SEED=%s replays)", buf, buf);
	return s;
}

void
pt_rng_init(struct pt_rng *r, uint64_t seed)
{
	r->s = seed ? seed : 0x9E3779B97F4A7C15ULL;
}

uint64_t
pt_rand(struct pt_rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

uint32_t
pt_below(struct pt_rng *r, uint32_t n)
{
	return n ? (uint32_t)((pt_rand(r) >> 32) % n) : 0;
}

/* --- files --------------------------------------------------------- */

void
pt_tmpdir(char *buf, size_t len, const char *what)
{
	const char *t = getenv("TMPDIR");

	snprintf(buf, len, "%s/pt-%s.XXXXXX", t && t[0] ? t : "/tmp", what);
	if (mkdtemp(buf) == NULL)
		pt_die("mkdtemp %s: %s", buf, strerror(errno));
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP)
		return rmdir(path) < 0 ? 0 : 0;
	unlink(path);
	return 0;
}

void
pt_rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
pt_spit(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	const uint8_t *p = data;

	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
	return 0;
}

void
pt_copydir(const char *from, const char *to)
{
	DIR *d;
	struct dirent *e;

	if (mkdir(to, 0700) < 0 && errno != EEXIST)
		pt_die("mkdir %s: %s", to, strerror(errno));
	d = opendir(from);
	if (d == NULL)
		pt_die("opendir %s: %s", from, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		char a[PT_PATH + 256], b[PT_PATH + 256];
		uint8_t *data;
		size_t len;
		struct stat st;

		snprintf(a, sizeof(a), "%s/%s", from, e->d_name);
		snprintf(b, sizeof(b), "%s/%s", to, e->d_name);
		if (stat(a, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (read_whole_file(a, &data, &len) < 0)
			pt_die("read %s", a);
		if (pt_spit(b, data, len) < 0)
			pt_die("write %s", b);
		free(data);
	}
	closedir(d);
}

long long
pt_fsize(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (long long)st.st_size;
}

static int
wait_bounded(pid_t pid, int timeout_ms)
{
	uint64_t end = pt_now_ms() + (uint64_t)timeout_ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (pt_now_ms() > end)
			return -2;
		pt_sleep_ms(5);
	}
}

int
pt_run(const char *const *argv, const char *out_file, int timeout_ms)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		pt_die("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (out_file != NULL) {
			int fd = open(out_file, O_WRONLY | O_CREAT | O_TRUNC,
			    0600);

			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
				close(fd);
			}
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	status = wait_bounded(pid, timeout_ms);
	if (status == -2) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	if (status < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* --- the daemon ------------------------------------------------------ */

const char *
pt_prog(const char *var)
{
	const char *v = getenv(var);

	if (v == NULL || v[0] == '\0')
		pt_die("%s is not set (run the test through make)", var);
	return v;
}

void
pt_daemon_init(struct pt_daemon *d, const char *sim, const char *state)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->sim, sizeof(d->sim), "%s", sim);
	snprintf(d->sock, sizeof(d->sock), "%s/socket", sim);
	snprintf(d->state, sizeof(d->state), "%s", state);
	snprintf(d->log, sizeof(d->log), "%s/daemon.log", sim);
}

static pid_t
spawn(struct pt_daemon *d, bool xen, const char *const *args)
{
	const char *argv[64];
	char pre[2 * PT_PATH + 8], run[PT_PATH + 8], sd[PT_PATH];
	const char *asan = getenv("PT_ASAN_RT"), *supp = getenv("PT_LSAN_SUPP");
	size_t n = 0;
	pid_t pid;

	argv[n++] = pt_prog("PT_DAEMON");
	argv[n++] = "-N";
	if (!xen)
		argv[n++] = "-D";
	if (d->state[0] != '\0') {
		snprintf(sd, sizeof(sd), "%s", d->state);
		argv[n++] = "--state-dir";
		argv[n++] = sd;
	} else {
		argv[n++] = "--no-state";
	}
	while (args != NULL && *args != NULL && n < 62)
		argv[n++] = *args++;
	argv[n] = NULL;
	snprintf(pre, sizeof(pre), "%s%s%s", asan && asan[0] ? asan : "",
	    asan && asan[0] ? ":" : "", pt_prog("PT_PRELOAD"));
	snprintf(run, sizeof(run), "%s/run", d->sim);
	pid = fork();
	if (pid < 0)
		pt_die("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (xen) {
			setenv("LD_PRELOAD", pre, 1);
			setenv("XENSIM_DIR", d->sim, 1);
		}
		setenv("XENSTORED_PATH", d->sock, 1);
		setenv("XENSTORED_RUNDIR", run, 1);
		unsetenv("XENSTORED_STATEDIR");
		/* ASan's start-up setrlimit must not reach the preload before
		 * the environment is readable; abort on the first report. */
		setenv("ASAN_OPTIONS", "disable_coredump=0:abort_on_error=0:"
		    "detect_leaks=1", 1);
		if (supp != NULL && supp[0] != '\0') {
			char l[PT_PATH + 32];

			snprintf(l, sizeof(l), "suppressions=%s", supp);
			setenv("LSAN_OPTIONS", l, 1);
		}
		fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	d->pid = pid;
	d->starts++;
	track(d, true);
	return pid;
}

static void
log_mark(const struct pt_daemon *d, const char *what)
{
	FILE *f = fopen(d->log, "a");

	if (f != NULL) {
		fprintf(f, "==== test: %s (start %d)\n", what, d->starts + 1);
		fclose(f);
	}
}

void
pt_daemon_start(struct pt_daemon *d, bool xen, const char *const *args,
    int timeout_ms)
{
	uint64_t end = pt_now_ms() + (uint64_t)timeout_ms;
	struct pt_sock s;

	log_mark(d, "start");
	spawn(d, xen, args);
	for (;;) {
		int status;
		struct pt_msg m;

		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			track(d, false);
			d->pid = 0;
			pt_daemon_log_tail(d, 30);
			pt_die("the daemon exited at start (status %#x)",
			    status);
		}
		if (pt_sock_open(&s, d->sock, 50) == 0) {
			int rc = pt_sock_req(&s, XS_READ, 0, "/", 2, &m,
			    (int)(end > pt_now_ms() ? end - pt_now_ms() : 1));

			pt_sock_close(&s);
			if (rc == 0)
				return;
		}
		if (pt_now_ms() > end)
			pt_die("the daemon did not answer within %d ms",
			    timeout_ms);
		pt_sleep_ms(10);
	}
}

int
pt_daemon_start_fail(struct pt_daemon *d, bool xen, const char *const *args,
    int timeout_ms)
{
	int status;

	log_mark(d, "start expected to fail");
	spawn(d, xen, args);
	status = wait_bounded(d->pid, timeout_ms);
	if (status == -2) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		track(d, false);
		d->pid = 0;
		return -1;
	}
	track(d, false);
	d->pid = 0;
	return status < 0 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
}

void
pt_daemon_kill(struct pt_daemon *d)
{
	if (d->pid <= 0)
		return;
	kill(d->pid, SIGKILL);
	waitpid(d->pid, NULL, 0);
	track(d, false);
	d->pid = 0;
	log_mark(d, "killed with SIGKILL");
}

void
pt_daemon_stop(struct pt_daemon *d, int timeout_ms)
{
	int status;

	if (d->pid <= 0)
		return;
	kill(d->pid, SIGTERM);
	status = wait_bounded(d->pid, timeout_ms);
	if (status == -2)
		pt_die("the daemon did not exit within %d ms of SIGTERM",
		    timeout_ms);
	track(d, false);
	d->pid = 0;
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		pt_daemon_log_tail(d, 60);
		pt_die("the daemon's exit status is %#x (sanitizer report or "
		    "error above)", status);
	}
}

void
pt_daemon_log_tail(const struct pt_daemon *d, int lines)
{
	uint8_t *data;
	size_t len, i;
	int seen = 0;

	if (read_whole_file(d->log, &data, &len) < 0)
		return;
	for (i = len; i > 0; i--)
		if (data[i - 1] == '\n' && ++seen > lines)
			break;
	fwrite(data + i, 1, len - i, stderr);
	free(data);
}

bool
pt_log_has(const struct pt_daemon *d, const char *text)
{
	uint8_t *data;
	size_t len;
	bool has;

	if (read_whole_file(d->log, &data, &len) < 0)
		return false;
	data[len] = '\0';
	has = strstr((char *)data, text) != NULL;
	free(data);
	return has;
}

/* --- messages -------------------------------------------------------- */

bool
pt_frame_put(struct pt_frame *f, const void *p, size_t n)
{
	if (n > sizeof(f->buf) - f->len)
		return false;
	memcpy(f->buf + f->len, p, n);
	f->len += n;
	return true;
}

int
pt_frame_get(struct pt_frame *f, struct pt_msg *m)
{
	size_t total;

	if (f->len < sizeof(m->hdr))
		return 0;
	memcpy(&m->hdr, f->buf, sizeof(m->hdr));
	if (m->hdr.len > XENSTORE_PAYLOAD_MAX)
		return -1;
	total = sizeof(m->hdr) + m->hdr.len;
	if (f->len < total)
		return 0;
	memcpy(m->body, f->buf + sizeof(m->hdr), m->hdr.len);
	m->body[m->hdr.len] = '\0';
	memmove(f->buf, f->buf + total, f->len - total);
	f->len -= total;
	return 1;
}

size_t
pt_encode(uint8_t *buf, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *payload, size_t len)
{
	struct xsd_sockmsg h = { type, req_id, tx_id, (uint32_t)len };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), payload, len);
	return sizeof(h) + len;
}

int
pt_errno(const char *name)
{
	static const struct {
		const char *n;
		int e;
	} t[] = {
		{ "EINVAL", EINVAL }, { "EACCES", EACCES },
		{ "EEXIST", EEXIST }, { "EISDIR", EISDIR },
		{ "ENOENT", ENOENT }, { "ENOMEM", ENOMEM },
		{ "ENOSPC", ENOSPC }, { "EIO", EIO },
		{ "ENOTEMPTY", ENOTEMPTY }, { "ENOSYS", ENOSYS },
		{ "EROFS", EROFS }, { "EBUSY", EBUSY },
		{ "EAGAIN", EAGAIN }, { "EISCONN", EISCONN },
		{ "E2BIG", E2BIG }, { "EPERM", EPERM },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(name, t[i].n) == 0)
			return t[i].e;
	return EIO;
}

/* --- socket client ---------------------------------------------------- */

int
pt_sock_open(struct pt_sock *s, const char *path, int timeout_ms)
{
	struct sockaddr_un a;
	uint64_t end = pt_now_ms() + (uint64_t)timeout_ms;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->next_id = 1;
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	strcpy(a.sun_path, path);
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
			s->fd = fd;
			return 0;
		}
		close(fd);
		if (pt_now_ms() >= end)
			return -ECONNREFUSED;
		pt_sleep_ms(10);
	}
}

void
pt_sock_close(struct pt_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int
send_all(int fd, const uint8_t *p, size_t n, uint64_t end)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd pf = { fd, POLLOUT, 0 };
			uint64_t now = pt_now_ms();

			if (now >= end)
				return -ETIMEDOUT;
			poll(&pf, 1, (int)(end - now));
			continue;
		}
		if (w <= 0)
			return -EPIPE;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
pt_sock_req(struct pt_sock *s, uint32_t type, uint32_t tx,
    const void *payload, size_t len, struct pt_msg *m, int timeout_ms)
{
	static uint8_t buf[XENSTORE_PAYLOAD_MAX + 16];
	uint64_t end = pt_now_ms() + (uint64_t)timeout_ms;
	uint32_t id = s->next_id++;
	int rc;

	if (s->fd < 0)
		return -EPIPE;
	if (len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	rc = send_all(s->fd, buf, pt_encode(buf, type, id, tx, payload, len),
	    end);
	if (rc < 0)
		return rc;
	for (;;) {
		uint8_t in[8192];
		struct pollfd pf = { s->fd, POLLIN, 0 };
		uint64_t now;
		ssize_t n;

		while ((rc = pt_frame_get(&s->f, m)) == 1) {
			if (m->hdr.type == XS_WATCH_EVENT)
				continue;
			if (m->hdr.req_id != id)
				return -EPROTO;
			return 0;
		}
		if (rc < 0)
			return -EPROTO;
		now = pt_now_ms();
		if (now >= end)
			return -ETIMEDOUT;
		if (poll(&pf, 1, (int)(end - now)) <= 0)
			continue;
		n = recv(s->fd, in, sizeof(in), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -EPIPE;
		if (!pt_frame_put(&s->f, in, (size_t)n))
			return -EPROTO;
	}
}

static int
reply_rc(int rc, const struct pt_msg *m)
{
	if (rc < 0)
		return rc;
	return m->hdr.type == XS_ERROR ? -pt_errno(m->body) : 0;
}

int
pt_xs_write(struct pt_sock *s, uint32_t tx, const char *path,
    const void *val, size_t len)
{
	static uint8_t buf[XENSTORE_PAYLOAD_MAX + 1];
	static struct pt_msg m;
	size_t pl = strlen(path) + 1;

	if (pl + len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	memcpy(buf, path, pl);
	memcpy(buf + pl, val, len);
	return reply_rc(pt_sock_req(s, XS_WRITE, tx, buf, pl + len, &m,
	    30000), &m);
}

int
pt_xs_read(struct pt_sock *s, uint32_t tx, const char *path, char *buf,
    size_t cap, size_t *len)
{
	static struct pt_msg m;
	int rc = reply_rc(pt_sock_req(s, XS_READ, tx, path, strlen(path) + 1,
	    &m, 30000), &m);

	if (rc < 0)
		return rc;
	if (m.hdr.len >= cap)
		return -E2BIG;
	memcpy(buf, m.body, m.hdr.len);
	buf[m.hdr.len] = '\0';
	if (len != NULL)
		*len = m.hdr.len;
	return 0;
}

int
pt_xs_simple(struct pt_sock *s, uint32_t type, uint32_t tx, const char *arg)
{
	static struct pt_msg m;

	return reply_rc(pt_sock_req(s, type, tx, arg, strlen(arg) + 1, &m,
	    30000), &m);
}

int
pt_xs_control(struct pt_sock *s, const char *args, size_t len, char *out,
    size_t cap)
{
	static struct pt_msg m;
	int rc = reply_rc(pt_sock_req(s, XS_CONTROL, 0, args, len, &m, 60000),
	    &m);

	if (rc == 0 && out != NULL && cap > 0)
		snprintf(out, cap, "%s", m.body);
	return rc;
}

void
pt_check_daemon(struct pt_sock *s, struct pt_daemon *d)
{
	int rc = pt_xs_control(s, "check", 6, NULL, 0);

	(void)d;
	PT_CHECK(rc == 0, "CONTROL check failed: %s (the daemon's log says "
	    "why)", strerror(-rc));
}
