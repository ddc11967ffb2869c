/*
 * itest.c: see itest.h.  Starting and stopping the daemon, the raw
 * protocol client and libxenstore conveniences shared by every
 * integration test binary.  Test-only code: failures are Check
 * assertions.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"
#include "../helpers/changes_state.h"

/*
 * Sync nodes: /itest-sync/<n>, one per watcher, readable by every
 * domain.  Their events never count as the events a test looks at.
 */
#define SYNC_PREFIX "/itest-sync"

static void sync_reset(void);

#define MAX_ARGS 32

static char root_dir[128];		/* this run's temporary directory */
static char daemon_bin[PATH_MAX];

static struct {
	pid_t pid;
	char dir[160];
	char sock[192];
	char log[192];
	int check_fd;		/* privileged raw connection for checks */
} d = { .check_fd = -1 };

static bool check_steps(void);
static void close_check_fd(void);

long long
itest_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
itest_init(void)
{
	const char *bin = getenv("PXENSTORED");
	const char *tmp = getenv("TMPDIR");

	if (bin == NULL || access(bin, X_OK) != 0) {
		fprintf(stderr, "itest: set PXENSTORED to the daemon binary "
		    "(got %s)\n", bin ? bin : "nothing");
		exit(2);
	}
	if (realpath(bin, daemon_bin) == NULL) {
		perror("itest: realpath");
		exit(2);
	}
	if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 64)
		tmp = "/tmp";	/* the socket path must stay short */
	snprintf(root_dir, sizeof(root_dir), "%s/pxs-itest.XXXXXX", tmp);
	if (mkdtemp(root_dir) == NULL) {
		perror("itest: mkdtemp");
		exit(2);
	}
	signal(SIGPIPE, SIG_IGN);
}

/* rm -r of a directory we made (no symlinks are followed). */
static void
remove_tree(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	char sub[PATH_MAX];
	struct stat st;

	if (dir == NULL)
		return;
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(sub);
		else
			unlink(sub);
	}
	closedir(dir);
	rmdir(path);
}

static void
kill_daemon(void)
{
	if (d.pid > 0) {
		kill(d.pid, SIGKILL);
		waitpid(d.pid, NULL, 0);
		d.pid = 0;
	}
}

void
itest_fini(void)
{
	kill_daemon();
	if (root_dir[0] != '\0')
		remove_tree(root_dir);
}

static void
dump_log(void)
{
	char buf[4096];
	FILE *f = fopen(d.log, "r");
	size_t n;

	if (f == NULL)
		return;
	fprintf(stderr, "--- daemon log %s ---\n", d.log);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	fprintf(stderr, "--- end of daemon log ---\n");
	fclose(f);
}

/*
 * make check-small-stack sets EXPECT_STACK_KB: the daemon must really run
 * with that stack limit (the wrapper's ulimit reached it).
 */
static void
check_stack_limit(pid_t pid)
{
	const char *want = getenv("EXPECT_STACK_KB");
	char path[64], line[256];
	unsigned long long soft = 0;
	FILE *f;

	if (want == NULL || *want == '\0')
		return;
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Max stack size %llu", &soft) == 1)
			break;
	fclose(f);
	ck_assert_msg(soft == strtoull(want, NULL, 10) * 1024, "the daemon's "
	    "stack limit is %llu bytes, not %s KiB", soft, want);
}

void
itest_start(const char *arg, ...)
{
	const char *argv[MAX_ARGS];
	int argc = 0, p[2], fd;
	char line[64];
	size_t got = 0;
	long long end;
	va_list ap;
	pid_t pid;

	kill_daemon();	/* left over by a failed test (no-fork mode) */
	close_check_fd();
	sync_reset();
	ck_assert_msg(root_dir[0] != '\0', "itest_init was not called");
	snprintf(d.dir, sizeof(d.dir), "%s/d.XXXXXX", root_dir);
	ck_assert_ptr_nonnull(mkdtemp(d.dir));
	snprintf(d.sock, sizeof(d.sock), "%s/socket", d.dir);
	snprintf(d.log, sizeof(d.log), "%s/daemon.log", d.dir);
	argv[argc++] = daemon_bin;
	argv[argc++] = "-N";
	argv[argc++] = "-D";
	argv[argc++] = "-P";
	argv[argc++] = "--test-hooks";
	argv[argc++] = "--socket";
	argv[argc++] = d.sock;
	va_start(ap, arg);
	for (; arg != NULL; arg = va_arg(ap, const char *)) {
		ck_assert_int_lt(argc, MAX_ARGS - 1);
		argv[argc++] = arg;
	}
	va_end(ap);
	argv[argc] = NULL;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Die with the test process, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(d.log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(p[1], 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(126);
		execv(daemon_bin, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	d.pid = pid;
	/* -P prints the pid once the daemon serves. */
	end = itest_now_ms() + ITEST_WAIT_MS;
	while (got < sizeof(line) - 1 && memchr(line, '\n', got) == NULL) {
		struct pollfd pfd = { p[0], POLLIN, 0 };
		long long left = end - itest_now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		n = read(p[0], line + got, sizeof(line) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(p[0]);
	line[got] = '\0';
	if (strtol(line, NULL, 10) != (long)pid) {
		dump_log();
		ck_abort_msg("the daemon did not start (said '%s')", line);
	}
	setenv("XENSTORED_PATH", d.sock, 1);
	unsetenv("XENSTORED_RUNDIR");
	check_stack_limit(pid);
}

bool
itest_alive(void)
{
	int st;

	if (d.pid <= 0)
		return false;
	return waitpid(d.pid, &st, WNOHANG) == 0;
}

static void
close_check_fd(void)
{
	if (d.check_fd >= 0)
		close(d.check_fd);
	d.check_fd = -1;
}

void
itest_check(void)
{
	struct rmsg m;

	if (d.check_fd < 0)
		d.check_fd = raw_open();
	raw_req(d.check_fd, XS_CONTROL, 0, &m, "check", NULL);
	if (m.hdr.type != XS_CONTROL || strcmp(m.body, "OK") != 0) {
		dump_log();
		ck_abort_msg("CONTROL check: %s %s (the daemon's log above "
		    "names the problems)", m.hdr.type == XS_ERROR ? "error" :
		    "answered", m.body);
	}
}

void
itest_stop(void)
{
	long long end = itest_now_ms() + ITEST_WAIT_MS;
	pid_t pid = d.pid;
	int st = 0;
	pid_t r = 0;

	ck_assert_msg(pid > 0, "no daemon running");
	/* Whatever the test did, the daemon is consistent at its end. */
	if (itest_alive())
		itest_check();
	close_check_fd();
	kill(pid, SIGTERM);
	while (itest_now_ms() < end) {
		r = waitpid(pid, &st, WNOHANG);
		if (r != 0)
			break;
		usleep(5000);
	}
	if (r == 0) {
		kill_daemon();
		dump_log();
		ck_abort_msg("the daemon did not exit on SIGTERM");
	}
	d.pid = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		dump_log();
		if (WIFSIGNALED(st))
			ck_abort_msg("the daemon died of signal %d",
			    WTERMSIG(st));
		ck_abort_msg("the daemon exited with status %d",
		    WEXITSTATUS(st));
	}
	unsetenv("XENSTORED_PATH");
}

void
itest_teardown(void)
{
	if (d.pid > 0)
		itest_stop();
}

TCase *
itest_tcase(Suite *s, const char *name, double timeout)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, NULL, itest_teardown);
	tcase_set_timeout(tc, timeout);
	suite_add_tcase(s, tc);
	return tc;
}

int
itest_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	itest_init();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	itest_fini();
	return failed == 0 ? 0 : 1;
}

const char *
itest_socket(void)
{
	return d.sock;
}

const char *
itest_dir(void)
{
	return d.dir;
}

/* --- raw protocol --- */

int
raw_open(void)
{
	struct timeval tv = { ITEST_WAIT_MS / 1000, 0 };
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	/* A daemon that stops reading makes a send fail, not hang. */
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof(tv)), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(d.sock), sizeof(sa.sun_path));
	strcpy(sa.sun_path, d.sock);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	    "connect %s: %s", d.sock, strerror(errno));
	return fd;
}

bool
raw_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

bool
raw_send(int fd, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *payload, size_t len)
{
	char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 64];
	struct xsd_sockmsg h = { type, req_id, tx_id, (uint32_t)len };

	ck_assert_uint_le(len, sizeof(buf) - sizeof(h));
	memcpy(buf, &h, sizeof(h));
	if (len > 0)
		memcpy(buf + sizeof(h), payload, len);
	return raw_write(fd, buf, sizeof(h) + len);
}

/* Read exactly len bytes before `end`: 1, 0 on EOF, -1 on timeout. */
static int
read_full(int fd, void *buf, size_t len, long long end)
{
	char *p = buf;

	while (len > 0) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		long long left = end - itest_now_ms();
		ssize_t n;

		if (left <= 0)
			return -1;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ECONNRESET)
			return 0;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

int
raw_recv(int fd, struct rmsg *m, int ms)
{
	long long end = itest_now_ms() + ms;
	int rc = read_full(fd, &m->hdr, sizeof(m->hdr), end);

	if (rc <= 0)
		return rc;
	if (m->hdr.len > XENSTORE_PAYLOAD_MAX)
		return -1;
	rc = read_full(fd, m->body, m->hdr.len, end);
	if (rc <= 0)
		return -1;	/* EOF or timeout inside a message */
	m->body[m->hdr.len] = '\0';
	return 1;
}

bool
raw_closed(int fd, int ms)
{
	char c;
	int rc = read_full(fd, &c, 1, itest_now_ms() + ms);

	return rc == 0;
}

/* changes_state(): tests/helpers; ITEST_CHECK_STEPS=0: no checks */

static bool
check_steps(void)
{
	const char *e = getenv("ITEST_CHECK_STEPS");

	return e == NULL || strcmp(e, "0") != 0;
}

void
raw_call(int fd, uint32_t type, uint32_t tx_id, const void *payload,
    size_t len, struct rmsg *reply)
{
	static uint32_t req_id = 100;
	uint32_t id = ++req_id;
	int skipped;

	ck_assert_msg(raw_send(fd, type, id, tx_id, payload, len),
	    "cannot send type %u", type);
	for (skipped = 0;; skipped++) {
		int rc = raw_recv(fd, reply, ITEST_WAIT_MS);

		ck_assert_msg(skipped < 10000, "endless events");

		ck_assert_msg(rc == 1, "no reply to type %u (%s)", type,
		    rc == 0 ? "connection closed" : "timeout");
		if (reply->hdr.type == XS_WATCH_EVENT)
			continue;
		ck_assert_uint_eq(reply->hdr.req_id, id);
		ck_assert_uint_eq(reply->hdr.tx_id, tx_id);
		if (fd != d.check_fd && changes_state(type) && check_steps()) {
			/* The check's own reply must not replace this one. */
			struct rmsg *keep = malloc(sizeof(*keep));

			ck_assert_ptr_nonnull(keep);
			*keep = *reply;
			itest_check();
			*reply = *keep;
			free(keep);
		}
		return;
	}
}

static size_t
vargs(char *buf, size_t size, va_list ap)
{
	const char *s;
	size_t len = 0;

	while ((s = va_arg(ap, const char *)) != NULL) {
		size_t n = strlen(s) + 1;

		ck_assert_uint_le(len + n, size);
		memcpy(buf + len, s, n);
		len += n;
	}
	return len;
}

size_t
raw_args(char *buf, size_t size, ...)
{
	va_list ap;
	size_t len;

	va_start(ap, size);
	len = vargs(buf, size, ap);
	va_end(ap);
	return len;
}

void
raw_req(int fd, uint32_t type, uint32_t tx_id, struct rmsg *reply, ...)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	va_list ap;
	size_t len;

	va_start(ap, reply);
	len = vargs(buf, sizeof(buf), ap);
	va_end(ap);
	raw_call(fd, type, tx_id, buf, len, reply);
}

void
ck_rerr(const struct rmsg *m, const char *name)
{
	ck_assert_msg(m->hdr.type == XS_ERROR, "type %u ('%s'), expected "
	    "error %s", m->hdr.type, m->body, name);
	ck_assert_uint_eq(m->hdr.len, strlen(name) + 1);
	ck_assert_str_eq(m->body, name);
}

void
ck_rbytes(const struct rmsg *m, uint32_t type, const void *buf, size_t len)
{
	ck_assert_msg(m->hdr.type == type, "type %u ('%s'), expected %u",
	    m->hdr.type, m->hdr.type == XS_ERROR ? m->body : "", type);
	ck_assert_uint_eq(m->hdr.len, len);
	ck_assert_msg(memcmp(m->body, buf, len) == 0, "payload differs");
}

void
ck_rstr(const struct rmsg *m, uint32_t type, const char *s)
{
	ck_assert_msg(m->hdr.type == type, "type %u ('%s'), expected %u "
	    "('%s')", m->hdr.type, m->body, type, s);
	ck_assert_str_eq(m->body, s);
	ck_assert_uint_eq(m->hdr.len, strlen(s) + 1);
}

/* Events on the sync nodes belong to the sync mechanism (see below). */
static bool
is_sync_path(const char *path)
{
	return strncmp(path, SYNC_PREFIX, strlen(SYNC_PREFIX)) == 0 &&
	    (path[strlen(SYNC_PREFIX)] == '/' ||
	    path[strlen(SYNC_PREFIX)] == '\0');
}

/* Next non-sync event of a raw connection. */
static void
raw_next_event(int fd, struct rmsg *m, const char **token)
{
	int n;

	for (n = 0;; n++) {
		int rc = raw_recv(fd, m, ITEST_WAIT_MS);

		ck_assert_msg(n < 10000, "endless sync events");
		ck_assert_msg(rc == 1, "no event (%s)",
		    rc == 0 ? "closed" : "timeout");
		ck_assert_msg(m->hdr.type == XS_WATCH_EVENT, "type %u, "
		    "expected an event", m->hdr.type);
		ck_assert_uint_eq(m->hdr.req_id, 0);
		ck_assert_uint_eq(m->hdr.tx_id, 0);
		*token = m->body + strlen(m->body) + 1;
		ck_assert_msg(*token < m->body + m->hdr.len &&
		    m->body[m->hdr.len - 1] == '\0', "malformed event");
		ck_assert_uint_eq(m->hdr.len, strlen(m->body) +
		    strlen(*token) + 2);
		if (!is_sync_path(m->body))
			return;
	}
}

void
raw_expect_event(int fd, const char *path, const char *token)
{
	struct rmsg m;
	const char *tok;

	raw_next_event(fd, &m, &tok);
	ck_assert_msg(strcmp(m.body, path) == 0 && strcmp(tok, token) == 0,
	    "event %s (token %s), expected %s (token %s)", m.body, tok, path,
	    token);
}

void
raw_unpriv(int fd, unsigned domid)
{
	char id[16];
	struct rmsg m;

	snprintf(id, sizeof(id), "%u", domid);
	raw_req(fd, XS_CONTROL, 0, &m, "test-unpriv", id, NULL);
	ck_rstr(&m, XS_CONTROL, "OK");
}

/* --- libxenstore --- */

struct xs_handle *
xs_priv(void)
{
	struct xs_handle *h = xs_open(0);

	ck_assert_msg(h != NULL, "xs_open: %s", strerror(errno));
	return h;
}

struct xs_handle *
xs_as(unsigned domid)
{
	struct xs_handle *h = xs_priv();
	char id[16], *r;

	snprintf(id, sizeof(id), "%u", domid);
	r = xcontrol(h, "test-unpriv", id);
	ck_assert_msg(r != NULL, "test-unpriv %u: %s", domid,
	    strerror(errno));
	ck_assert_str_eq(r, "OK");
	free(r);
	return h;
}

void
xwrite(struct xs_handle *h, xs_transaction_t t, const char *path,
    const char *value)
{
	ck_assert_msg(xs_write(h, t, path, value, strlen(value)),
	    "write %s: %s", path, strerror(errno));
	if (check_steps())
		itest_check();
}

void
xmkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	ck_assert_msg(xs_mkdir(h, t, path), "mkdir %s: %s", path,
	    strerror(errno));
	if (check_steps())
		itest_check();
}

void
xrm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	ck_assert_msg(xs_rm(h, t, path), "rm %s: %s", path, strerror(errno));
	if (check_steps())
		itest_check();
}

void
ck_read(struct xs_handle *h, xs_transaction_t t, const char *path,
    const char *value)
{
	unsigned len = 0;
	char *v = xs_read(h, t, path, &len);

	ck_assert_msg(v != NULL, "read %s: %s", path, strerror(errno));
	ck_assert_msg(len == strlen(value) && memcmp(v, value, len) == 0,
	    "read %s: '%.*s', expected '%s'", path, (int)len, v, value);
	free(v);
}

void
ck_read_err(struct xs_handle *h, xs_transaction_t t, const char *path,
    int err)
{
	unsigned len = 0;
	char *v;

	errno = 0;
	v = xs_read(h, t, path, &len);
	ck_assert_msg(v == NULL, "read %s succeeded ('%.*s'), expected "
	    "error %d", path, (int)len, v ? v : "", err);
	ck_assert_msg(errno == err, "read %s: errno %d (%s), expected %d (%s)",
	    path, errno, strerror(errno), err, strerror(err));
}

bool
xperms(struct xs_handle *h, xs_transaction_t t, const char *path, ...)
{
	struct xs_permissions p[64];
	unsigned n = 0;
	const char *s;
	va_list ap;

	va_start(ap, path);
	while ((s = va_arg(ap, const char *)) != NULL) {
		ck_assert_uint_lt(n, 64);
		ck_assert_msg(xs_strings_to_perms(&p[n], 1, s), "bad perm %s",
		    s);
		n++;
	}
	va_end(ap);
	return xs_set_permissions(h, t, path, p, n);
}

void
ck_perms(struct xs_handle *h, xs_transaction_t t, const char *path,
    const char *expected)
{
	unsigned n = 0, i;
	struct xs_permissions *p = xs_get_permissions(h, t, path, &n);
	char got[1024] = "", one[32];

	ck_assert_msg(p != NULL, "get perms %s: %s", path, strerror(errno));
	for (i = 0; i < n; i++) {
		snprintf(one, sizeof(one), "%c%u",
		    "nrwb"[p[i].perms & (XS_PERM_READ | XS_PERM_WRITE)],
		    p[i].id);
		if (i > 0)
			strncat(got, ",", sizeof(got) - strlen(got) - 1);
		strncat(got, one, sizeof(got) - strlen(got) - 1);
	}
	free(p);
	ck_assert_msg(strcmp(got, expected) == 0, "perms of %s: %s, "
	    "expected %s", path, got, expected);
}

void
ck_dir(struct xs_handle *h, xs_transaction_t t, const char *path,
    const char *expected)
{
	unsigned n = 0, i;
	char **v = xs_directory(h, t, path, &n);
	size_t len = 0;
	char *got;

	ck_assert_msg(v != NULL, "directory %s: %s", path, strerror(errno));
	for (i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	got = calloc(1, len + 1);
	ck_assert_ptr_nonnull(got);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(got, ",");
		strcat(got, v[i]);
	}
	free(v);
	ck_assert_msg(strcmp(got, expected) == 0, "directory %s: '%s', "
	    "expected '%s'", path, got, expected);
	free(got);
}

char *
xcontrol(struct xs_handle *h, const char *cmd, const char *arg)
{
	return xs_control_command(h, cmd, (void *)(uintptr_t)arg,
	    arg ? strlen(arg) + 1 : 0);
}

void
ck_store_ok(void)
{
	itest_check();
}

/* --- watch events --- */

static struct {
	const void *key;	/* the xs_handle, or fd + 1 */
	unsigned n;
} syncs[128];
static unsigned nsyncs;

/* A new daemon: no sync nodes yet. */
static void
sync_reset(void)
{
	memset(syncs, 0, sizeof(syncs));
	nsyncs = 0;
}

/* A new sync node for `key`: its path and token. */
static unsigned
sync_new(struct xs_handle *writer, const void *key, char *path,
    char *token)
{
	unsigned n = nsyncs++;
	size_t i;

	for (i = 0; i < sizeof(syncs) / sizeof(syncs[0]); i++)
		if (syncs[i].key == key || syncs[i].key == NULL)
			break;
	ck_assert_msg(i < sizeof(syncs) / sizeof(syncs[0]), "too many "
	    "watchers");
	syncs[i].key = key;
	syncs[i].n = n;
	if (n == 0) {
		xwrite(writer, XBT_NULL, SYNC_PREFIX, "");
		ck_succeeds(xperms(writer, XBT_NULL, SYNC_PREFIX, "r0", NULL));
	}
	snprintf(path, 64, SYNC_PREFIX "/%u", n);
	snprintf(token, 64, "itest-sync-%u", n);
	xwrite(writer, XBT_NULL, path, "");
	return n;
}

static void
sync_of(const void *key, char *path, char *token)
{
	size_t i;

	for (i = 0; i < sizeof(syncs) / sizeof(syncs[0]); i++)
		if (syncs[i].key == key)
			break;
	ck_assert_msg(i < sizeof(syncs) / sizeof(syncs[0]), "no sync "
	    "watch set up for this watcher");
	snprintf(path, 64, SYNC_PREFIX "/%u", syncs[i].n);
	snprintf(token, 64, "itest-sync-%u", syncs[i].n);
}

/* Next event of a libxenstore handle: sync ones only if `sync`. */
static char **
xw_next(struct xs_handle *h, bool sync)
{
	long long end = itest_now_ms() + ITEST_WAIT_MS;
	int n;

	for (n = 0;; n++) {
		struct pollfd pfd = { xs_fileno(h), POLLIN, 0 };
		char **v = xs_check_watch(h);
		long long left;

		if (v != NULL) {
			if (sync || !is_sync_path(v[XS_WATCH_PATH]))
				return v;
			free(v);
			ck_assert_msg(n < 10000, "endless sync events");
			continue;
		}
		ck_assert_msg(errno == EAGAIN, "xs_check_watch: %s",
		    strerror(errno));
		left = end - itest_now_ms();
		ck_assert_msg(left > 0, "no event within %d ms",
		    ITEST_WAIT_MS);
		poll(&pfd, 1, (int)left);
	}
}

void
xw_expect(struct xs_handle *h, const char *path, const char *token)
{
	char **v = xw_next(h, false);

	ck_assert_msg(strcmp(v[XS_WATCH_PATH], path) == 0 &&
	    strcmp(v[XS_WATCH_TOKEN], token) == 0, "event %s (token %s), "
	    "expected %s (token %s)", v[XS_WATCH_PATH], v[XS_WATCH_TOKEN],
	    path, token);
	free(v);
}

void
xw_sync_setup(struct xs_handle *writer, struct xs_handle *watcher)
{
	char path[64], token[64];
	char **v;

	sync_new(writer, watcher, path, token);
	ck_succeeds(xs_watch(watcher, path, token));
	v = xw_next(watcher, true);
	ck_assert_str_eq(v[XS_WATCH_PATH], path);
	ck_assert_str_eq(v[XS_WATCH_TOKEN], token);
	free(v);
}

/* Events of a watcher up to the sync event, one "path|token" each. */
struct evlist {
	char *ev[256];
	size_t n;
};

static void
ev_add(struct evlist *l, const char *path, const char *token)
{
	size_t len = strlen(path) + strlen(token) + 2;

	ck_assert_msg(l->n < 256, "too many events");
	l->ev[l->n] = malloc(len);
	ck_assert_ptr_nonnull(l->ev[l->n]);
	snprintf(l->ev[l->n], len, "%s|%s", path, token);
	l->n++;
}

static int
ev_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Compare with `expected` (';'-separated), then free. */
static void
ev_check(struct evlist *l, const char *expected, bool any_order, int line)
{
	struct evlist want = { { NULL }, 0 };
	char *copy = strdup(expected), *tok, *save = NULL;
	char got[8192] = "", exp[8192] = "";
	size_t i;

	ck_assert_ptr_nonnull(copy);
	for (tok = strtok_r(copy, ";", &save); tok != NULL;
	    tok = strtok_r(NULL, ";", &save)) {
		ck_assert(want.n < 256);
		want.ev[want.n++] = tok;
	}
	if (any_order) {
		qsort(l->ev, l->n, sizeof(l->ev[0]), ev_cmp);
		qsort(want.ev, want.n, sizeof(want.ev[0]), ev_cmp);
	}
	for (i = 0; i < l->n; i++) {
		strncat(got, i ? ";" : "", sizeof(got) - strlen(got) - 1);
		strncat(got, l->ev[i], sizeof(got) - strlen(got) - 1);
	}
	for (i = 0; i < want.n; i++) {
		strncat(exp, i ? ";" : "", sizeof(exp) - strlen(exp) - 1);
		strncat(exp, want.ev[i], sizeof(exp) - strlen(exp) - 1);
	}
	for (i = 0; i < l->n; i++)
		free(l->ev[i]);
	free(copy);
	ck_assert_msg(strcmp(got, exp) == 0, "line %d: events '%s', "
	    "expected '%s'", line, got, exp);
}

static void
xw_collect(struct xs_handle *writer, struct xs_handle *watcher,
    const char *expected, bool any_order, int line)
{
	struct evlist l = { { NULL }, 0 };
	char path[64], token[64];

	int n;

	sync_of(watcher, path, token);
	xwrite(writer, XBT_NULL, path, "");
	for (n = 0;; n++) {
		char **v = xw_next(watcher, true);
		bool sync = strcmp(v[XS_WATCH_PATH], path) == 0 &&
		    strcmp(v[XS_WATCH_TOKEN], token) == 0;

		if (!sync && !is_sync_path(v[XS_WATCH_PATH]))
			ev_add(&l, v[XS_WATCH_PATH], v[XS_WATCH_TOKEN]);
		free(v);
		if (sync)
			break;
		ck_assert_msg(n < 10000, "endless events");
	}
	ev_check(&l, expected, any_order, line);
}

void
xw_sync(struct xs_handle *writer, struct xs_handle *watcher)
{
	xw_collect(writer, watcher, "", false, 0);
}

void
itest_events(struct xs_handle *writer, struct xs_handle *watcher,
    const char *expected, bool any_order, int line)
{
	xw_collect(writer, watcher, expected, any_order, line);
}

static const void *
fd_key(int fd)
{
	return (const void *)(uintptr_t)(fd + 1);
}

void
raw_sync_setup(struct xs_handle *writer, int fd)
{
	char path[64], token[64];
	struct rmsg m;

	sync_new(writer, fd_key(fd), path, token);
	raw_req(fd, XS_WATCH, 0, &m, path, token, NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	ck_assert_int_eq(raw_recv(fd, &m, ITEST_WAIT_MS), 1);
	ck_assert_uint_eq(m.hdr.type, XS_WATCH_EVENT);
	ck_assert_str_eq(m.body, path);
}

void
itest_raw_events(struct xs_handle *writer, int fd, const char *expected,
    bool any_order, int line)
{
	struct evlist l = { { NULL }, 0 };
	char path[64], token[64];
	struct rmsg m;

	int n;

	sync_of(fd_key(fd), path, token);
	xwrite(writer, XBT_NULL, path, "");
	for (n = 0;; n++) {
		const char *tok;

		ck_assert_msg(n < 10000, "endless events");
		ck_assert_int_eq(raw_recv(fd, &m, ITEST_WAIT_MS), 1);
		ck_assert_uint_eq(m.hdr.type, XS_WATCH_EVENT);
		tok = m.body + strlen(m.body) + 1;
		ck_assert(tok < m.body + m.hdr.len);
		if (strcmp(m.body, path) == 0 && strcmp(tok, token) == 0)
			break;
		if (!is_sync_path(m.body))
			ev_add(&l, m.body, tok);
	}
	ev_check(&l, expected, any_order, line);
}
