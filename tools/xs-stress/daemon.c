/*
 * daemon.c: the daemon under test.  A fresh simulation in a mktemp -d
 * directory (`xensim init`), the daemon started in it through
 * `xensim run DIR -- CMD...` (the preload and the socket environment are
 * the CLI's business), its output in daemon.log next to the simulation,
 * its memory from /proc/<pid>/status, and its end.
 *
 * Only three things depend on which daemon it is, all by the basename of
 * the command: oxenstored gets --no-fork and the configuration file that
 * `xensim init` generated (if not given); pxenstored gets the final
 * CONTROL check (main.c); the kind is printed in the report.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#include "stress.h"
#include "util.h"

#define START_MS	20000
#define STOP_MS		10000

/* Split the command at blanks; add what oxenstored needs. */
static void
build_argv(struct stress *s)
{
	struct daemon *d = &s->d;
	char *copy = xstrdup(s->o.daemon), *tok, *save = NULL;
	const char *base;
	size_t n = 0, cap = 8;
	bool nofork = false, conf = false;

	d->argv = xcalloc(cap, sizeof(char *));
	for (tok = strtok_r(copy, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (n + 5 >= cap) {
			cap *= 2;
			d->argv = xrealloc(d->argv, cap * sizeof(char *));
		}
		d->argv[n++] = xstrdup(tok);
		nofork |= strcmp(tok, "--no-fork") == 0;
		conf |= strcmp(tok, "--config-file") == 0;
	}
	free(copy);
	d->argv[n] = NULL;
	if (n == 0)
		return;
	base = strrchr(d->argv[0], '/');
	base = base != NULL ? base + 1 : d->argv[0];
	if (strncmp(base, "oxenstored", 10) == 0) {
		d->kind = "oxenstored";
		if (!nofork)
			d->argv[n++] = xstrdup("--no-fork");
		if (!conf) {
			char path[400];

			snprintf(path, sizeof(path), "%s/oxenstored.conf",
			    d->dir);
			d->argv[n++] = xstrdup("--config-file");
			d->argv[n++] = xstrdup(path);
		}
		d->argv[n] = NULL;
	} else if (strncmp(base, "pxenstored", 10) == 0) {
		d->kind = "pxenstored";
	} else {
		d->kind = base;
	}
}

static int
run_wait(char *const argv[])
{
	pid_t pid;
	int st;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "xs-stress: %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* One READ of "/" over a blocking socket: is the daemon serving? */
static bool
ping(const char *path)
{
	struct xsd_sockmsg h = { XS_READ, 1, 0, 2 };
	struct sockaddr_un sa;
	char buf[sizeof(h) + 2];
	struct pollfd p;
	bool ok = false;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), "/", 2);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    send(fd, buf, sizeof(buf), MSG_NOSIGNAL) == (ssize_t)sizeof(buf)) {
		p.fd = fd;
		p.events = POLLIN;
		ok = poll(&p, 1, 2000) == 1 &&
		    recv(fd, &h, sizeof(h), MSG_WAITALL) == (ssize_t)sizeof(h)
		    && h.req_id == 1;
	}
	close(fd);
	return ok;
}

/*
 * An ASan-built daemon (make asan) under the preload: ASan refuses to
 * start when a library is preloaded before its runtime (the preload is
 * the simulation), and its start-up setrlimit(RLIMIT_CORE) reaches the
 * preload before the environment is readable, which then never finds
 * the simulation (reported to tools/xensim).  Both options only matter
 * to ASan binaries.
 */
static void
asan_env(void)
{
	static const char *const opts[] = {
		"verify_asan_link_order=0", "disable_coredump=0",
	};
	const char *old = getenv("ASAN_OPTIONS");
	char buf[1024];
	size_t i, n;

	n = (size_t)snprintf(buf, sizeof(buf), "%s", old != NULL ? old : "");
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		size_t k = strcspn(opts[i], "=");

		if (strstr(buf, opts[i]) != NULL || n >= sizeof(buf) ||
		    (old != NULL && memmem(old, strlen(old), opts[i], k)))
			continue;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    n > 0 ? ":" : "", opts[i]);
	}
	if (n < sizeof(buf))
		setenv("ASAN_OPTIONS", buf, 1);
}

static void
child(struct stress *s)
{
	struct daemon *d = &s->d;
	char **argv;
	size_t n, i;
	int fd;

	/* If xs-stress dies, so does the daemon. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGPIPE, SIG_DFL);
	setenv("XENSTORED_PATH", d->sock, 1);
	unsetenv("XENSTORED_RUNDIR");
	unsetenv("XENSTORED_STATEDIR");	/* xensim run: <sim>/state */
	asan_env();
	fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0)
		dup2(fd, 0);
	for (n = 0; d->argv[n] != NULL; n++)
		;
	argv = xcalloc(n + 5, sizeof(char *));
	argv[0] = (char *)s->o.xensim;
	argv[1] = (char *)"run";
	argv[2] = d->dir;
	argv[3] = (char *)"--";
	for (i = 0; i < n; i++)
		argv[4 + i] = d->argv[i];
	execv(argv[0], argv);
	fprintf(stderr, "xs-stress: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int
daemon_start(struct stress *s)
{
	struct daemon *d = &s->d;
	const char *tmpdir = getenv("TMPDIR");
	char *init[] = { (char *)s->o.xensim, (char *)"init", d->dir, NULL };
	int64_t end;
	int rc;

	d->pid = -1;
	snprintf(d->tmp, sizeof(d->tmp), "%s/xs-stress.XXXXXX",
	    tmpdir != NULL && tmpdir[0] != '\0' ? tmpdir : "/tmp");
	if (mkdtemp(d->tmp) == NULL)
		return -errno;
	snprintf(d->dir, sizeof(d->dir), "%s/sim", d->tmp);
	snprintf(d->sock, sizeof(d->sock), "%s/socket", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/daemon.log", d->tmp);
	build_argv(s);
	if (d->argv[0] == NULL)
		return -EINVAL;
	s->is_px = strcmp(d->kind, "pxenstored") == 0;
	if ((rc = run_wait(init)) < 0) {
		fprintf(stderr, "xs-stress: %s init %s failed\n", s->o.xensim,
		    d->dir);
		return rc;
	}
	if ((rc = xensim_open(d->dir, &s->sim)) < 0)
		return rc;
	d->pid = fork();
	if (d->pid < 0)
		return -errno;
	if (d->pid == 0)
		child(s);
	end = now_ns() + START_MS * NSEC_PER_MSEC;
	while (now_ns() < end) {
		if (daemon_alive(s) < 0)
			return -ESRCH;
		if (ping(d->sock))
			return 0;
		usleep(20000);
	}
	return -ETIMEDOUT;
}

int
daemon_alive(struct stress *s)
{
	struct daemon *d = &s->d;

	if (d->pid <= 0 || d->exited)
		return d->exited ? -ESRCH : 0;
	if (waitpid(d->pid, &d->status, WNOHANG) == d->pid) {
		d->exited = true;
		return -ESRCH;
	}
	return 0;
}

void
daemon_status(const struct stress *s, char *buf, size_t len)
{
	int st = s->d.status;

	if (!s->d.exited)
		snprintf(buf, len, "is running");
	else if (WIFEXITED(st))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "was killed by signal %d (%s)%s",
		    WTERMSIG(st), strsignal(WTERMSIG(st)),
		    WCOREDUMP(st) ? ", core dumped" : "");
	else
		snprintf(buf, len, "ended (status %#x)", st);
}

void
daemon_rss(const struct stress *s, long *rss_kb, long *hwm_kb)
{
	char path[64], line[256];
	FILE *f;

	*rss_kb = *hwm_kb = -1;
	if (s->d.pid <= 0 || s->d.exited)
		return;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)s->d.pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			*rss_kb = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			*hwm_kb = strtol(line + 6, NULL, 10);
	}
	fclose(f);
}

/* The daemon's user + system CPU time in seconds, -1 if unknown. */
double
daemon_cpu(const struct stress *s)
{
	unsigned long long ut, st;
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;

	if (s->d.pid <= 0 || s->d.exited)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)s->d.pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after "(comm)": state is field 3, utime 14, stime 15 */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
	    "%llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

void
daemon_stop(struct stress *s)
{
	struct daemon *d = &s->d;
	int64_t end;

	if (d->pid <= 0 || d->exited)
		return;
	kill(d->pid, SIGTERM);
	end = now_ns() + STOP_MS * NSEC_PER_MSEC;
	while (now_ns() < end) {
		if (daemon_alive(s) < 0)
			return;
		usleep(10000);
	}
	kill(d->pid, SIGKILL);
	if (waitpid(d->pid, &d->status, 0) == d->pid)
		d->exited = true;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void
daemon_cleanup(struct stress *s, bool keep)
{
	size_t i;

	xensim_close(&s->sim);
	if (s->d.tmp[0] != '\0') {
		if (keep)
			fprintf(stderr, "xs-stress: kept %s (daemon log: %s)\n",
			    s->d.tmp, s->d.log);
		else
			nftw(s->d.tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
	for (i = 0; s->d.argv != NULL && s->d.argv[i] != NULL; i++)
		free(s->d.argv[i]);
	free(s->d.argv);
	s->d.argv = NULL;
}
