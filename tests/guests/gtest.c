/*
 * gtest.c: see gtest.h.
 */
#include <check.h>
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gtest.h"
#include "../helpers/changes_state.h"

#define MAX_OPTS 32
#define MAX_WRAP 16

struct gt {
	char dir[200];
	char simdir[220];
	char sockpath[240];
	pid_t pid;
	int status;		/* once reaped */
	bool reaped;
	struct xensim *sim;
	struct gt_chan *chans;	/* every channel, for freeing */
	struct gt_chan *tool;
	unsigned long oversized;	/* daemon messages over 4096 */
	bool check_steps;	/* CONTROL check after each state change */
	unsigned long checks;	/* checks run so far */
	struct gt_cfg cfg;
	const char *opts[MAX_OPTS];	/* borrowed: the caller's strings */
	size_t nopts;
};

static struct gt *cur;	/* the running test's, for gt_teardown */

int64_t
gt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
gt_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int
left(int64_t end)
{
	int64_t l = end - gt_now_ms();

	return l < 0 ? 0 : (int)l;
}

static const char *
env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : dflt;
}

/* ---- files --------------------------------------------------------------- */

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
rmrf(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The daemon's log, to stderr, when something went wrong. */
static void
dump_log(struct gt *t)
{
	char path[300], buf[4096];
	FILE *f;
	size_t n;
	long sz;

	snprintf(path, sizeof(path), "%s/daemon.log", t->dir);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, sz > 16384 ? sz - 16384 : 0, SEEK_SET);
	fprintf(stderr, "---- %s (tail)\n", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	fprintf(stderr, "----\n");
	fclose(f);
}

/* ---- the daemon ---------------------------------------------------------- */

static void
child_exec(struct gt *t, const char *const *opts, size_t nopts)
{
	struct rlimit rl;
	const char *argv[MAX_OPTS + 8 + MAX_WRAP];
	char path[300], asan[1024], wrap[512], *save = NULL, *w;
	const char *old = getenv("ASAN_OPTIONS");
	size_t i, k = 0;
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (t->cfg.stack_kb > 0 && getrlimit(RLIMIT_STACK, &rl) == 0) {
		rl.rlim_cur = (rlim_t)t->cfg.stack_kb * 1024;
		setrlimit(RLIMIT_STACK, &rl);
	}
	snprintf(path, sizeof(path), "%s/daemon.log", t->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
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
	snprintf(path, sizeof(path), "%s/run", t->simdir);
	setenv("XENSTORED_PATH", t->sockpath, 1);
	setenv("XENSTORED_RUNDIR", path, 1);
	/*
	 * ASan daemon under the preload: the preload comes first in the
	 * library list (verify_asan_link_order=0), and ASan must not call
	 * setrlimit while it initializes (disable_coredump=0): the preload
	 * interposes setrlimit, and a call that early makes it read an empty
	 * environment and never find the simulation.
	 */
	snprintf(asan, sizeof(asan), "%s%sverify_asan_link_order=0:"
	    "disable_coredump=0", old != NULL ? old : "",
	    old != NULL && old[0] ? ":" : "");
	setenv("ASAN_OPTIONS", asan, 1);
	argv[k++] = env_or("XENSIM", "build/bin/xensim");
	argv[k++] = "run";
	argv[k++] = t->simdir;
	argv[k++] = "--";
	/* GT_WRAPPER: words to run the daemon under (valgrind). */
	snprintf(wrap, sizeof(wrap), "%s", env_or("GT_WRAPPER", ""));
	for (w = strtok_r(wrap, " ", &save); w != NULL && k < MAX_WRAP + 4;
	    w = strtok_r(NULL, " ", &save))
		argv[k++] = w;
	argv[k++] = env_or("PXENSTORED", "build/bin/pxenstored");
	argv[k++] = "-N";
	argv[k++] = "--test-hooks";
	for (i = 0; i < nopts; i++)
		argv[k++] = opts[i];
	argv[k] = NULL;
	execv(argv[0], (char *const *)(uintptr_t)argv);
	fprintf(stderr, "gtest: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static bool
reap(struct gt *t, int timeout_ms)
{
	int64_t end = gt_now_ms() + timeout_ms;

	while (!t->reaped) {
		pid_t p = waitpid(t->pid, &t->status, WNOHANG);

		if (p == t->pid) {
			t->reaped = true;
			break;
		}
		if (p < 0 || left(end) == 0)
			break;
		gt_sleep_ms(5);
	}
	return t->reaped;
}

bool
gt_alive(struct gt *t)
{
	return !reap(t, 0);
}

static int
sock_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static struct gt_chan *
chan_new(struct gt *t)
{
	struct gt_chan *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	c->t = t;
	c->fd = -1;
	c->next_req = 1;
	c->next = t->chans;
	t->chans = c;
	return c;
}

static void
chan_free(struct gt_chan *c)
{
	if (c->fd >= 0)
		close(c->fd);
	xensim_guest_detach(&c->g);
	free(c->q);
	free(c);
}

struct gt_chan *
gt_sock(struct gt *t)
{
	struct gt_chan *c;
	int fd = sock_connect(t->sockpath);

	ck_assert_msg(fd >= 0, "connect %s: %s", t->sockpath,
	    strerror(-fd));
	c = chan_new(t);
	c->fd = fd;
	return c;
}

/* Fork the daemon and wait until its socket accepts: the new fd. */
static int
spawn(struct gt *t)
{
	int64_t end;
	int fd = -1;

	fflush(NULL);
	t->reaped = false;
	t->pid = fork();
	ck_assert_int_ge(t->pid, 0);
	if (t->pid == 0)
		child_exec(t, t->opts, t->nopts);
	/*
	 * Up when the socket accepts: 20 s (ASan start-up is slow), 120 s
	 * under a wrapper (valgrind on a loaded machine took over 20 s).
	 */
	end = gt_now_ms() +
	    (*env_or("GT_WRAPPER", "") != '\0' ? 120000 : 20000);
	while (left(end) > 0 && gt_alive(t)) {
		fd = sock_connect(t->sockpath);
		if (fd >= 0)
			break;
		gt_sleep_ms(10);
	}
	if (fd < 0) {
		dump_log(t);
		ck_abort_msg("the daemon did not start (%s)", t->dir);
	}
	return fd;
}

static struct gt *
start(const struct gt_cfg *cfg, const char *opt, va_list ap)
{
	const char *tmp = env_or("TMPDIR", "/tmp");
	struct gt *t;
	int rc;

	ck_assert_ptr_null(cur);
	/* a daemon that dies must fail the test, not kill it with SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	t = calloc(1, sizeof(*t));
	ck_assert_ptr_nonnull(t);
	if (cfg != NULL)
		t->cfg = *cfg;
	for (; opt != NULL && t->nopts < MAX_OPTS;
	    opt = va_arg(ap, const char *))
		t->opts[t->nopts++] = opt;
	snprintf(t->dir, sizeof(t->dir), "%s/gtest.XXXXXX", tmp);
	ck_assert_msg(mkdtemp(t->dir) != NULL, "mkdtemp: %s",
	    strerror(errno));
	cur = t;
	snprintf(t->simdir, sizeof(t->simdir), "%s/sim", t->dir);
	snprintf(t->sockpath, sizeof(t->sockpath), "%s/socket", t->simdir);
	rc = xensim_create(t->simdir, &t->sim);
	ck_assert_msg(rc == 0, "xensim_create: %s", strerror(-rc));
	if (t->cfg.prepare != NULL)
		t->cfg.prepare(t->sim, t->cfg.arg);
	t->tool = chan_new(t);
	t->tool->fd = spawn(t);
	t->check_steps = strcmp(env_or("GT_CHECK_STEPS", "1"), "0") != 0;
	return t;
}

struct gt *
gt_start(const char *opt, ...)
{
	struct gt *t;
	va_list ap;

	va_start(ap, opt);
	t = start(NULL, opt, ap);
	va_end(ap);
	return t;
}

struct gt *
gt_start_cfg(const struct gt_cfg *cfg, const char *opt, ...)
{
	struct gt *t;
	va_list ap;

	va_start(ap, opt);
	t = start(cfg, opt, ap);
	va_end(ap);
	return t;
}

void
gt_restart(struct gt *t)
{
	struct gt_chan *c;

	kill(t->pid, SIGKILL);
	ck_assert_msg(reap(t, 10000), "the daemon did not die");
	/* Socket connections died with it; guests' rings did not. */
	for (c = t->chans; c != NULL; c = c->next)
		if (!c->ring && c->fd >= 0) {
			close(c->fd);
			c->fd = -1;
			c->inlen = c->qn = 0;
		}
	t->tool->fd = spawn(t);
}

struct xensim *
gt_sim(struct gt *t)
{
	return t->sim;
}

pid_t
gt_pid(struct gt *t)
{
	return t->pid;
}

const char *
gt_dir(struct gt *t)
{
	return t->dir;
}

struct gt_chan *
gt_tool(struct gt *t)
{
	return t->tool;
}

static void
gt_free(struct gt *t)
{
	while (t->chans != NULL) {
		struct gt_chan *c = t->chans;

		t->chans = c->next;
		chan_free(c);
	}
	xensim_close(&t->sim);
	rmrf(t->dir);
	if (cur == t)
		cur = NULL;
	free(t);
}

void
gt_finish(struct gt *t)
{
	int st;

	gt_check(t);
	ck_assert_msg(t->oversized == 0, "%lu messages over 4096 bytes",
	    t->oversized);
	ck_assert_msg(gt_alive(t), "the daemon died");
	kill(t->pid, SIGTERM);
	if (!reap(t, 30000)) {
		kill(t->pid, SIGKILL);
		reap(t, 5000);
		dump_log(t);
		ck_abort_msg("the daemon did not exit on SIGTERM");
	}
	st = t->status;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		dump_log(t);
		ck_abort_msg("the daemon ended with %s %d", WIFEXITED(st) ?
		    "status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) :
		    WTERMSIG(st));
	}
	gt_free(t);
}

void
gt_teardown(void)
{
	struct gt *t = cur;

	if (t == NULL)
		return;
	if (t->pid > 0 && !t->reaped) {
		kill(t->pid, SIGKILL);
		reap(t, 5000);
	}
	gt_free(t);
}

/* ---- channels: bytes in and out ------------------------------------------ */

/* Write all of buf, bounded by end. 0 or -errno. */
static int
chan_send(struct gt_chan *c, const void *buf, size_t len, int64_t end)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n;

		if (c->ring) {
			n = xensim_ring_write(xensim_guest_ring(c->g), p, len);
			if (n < 0)
				return (int)n;
			if (n > 0) {
				xensim_guest_notify(c->g);
			} else {
				if (left(end) == 0)
					return -ETIMEDOUT;
				if (xensim_guest_wait(c->g, left(end) < 20 ?
				    left(end) : 20) < 0)
					return -ESRCH;
				continue;
			}
		} else {
			struct pollfd pfd = { c->fd, POLLOUT, 0 };

			if (poll(&pfd, 1, left(end)) != 1)
				return -ETIMEDOUT;
			n = write(c->fd, p, len);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				return -errno;
			}
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
queue_msg(struct gt_chan *c, const struct xsd_sockmsg *h, const void *body)
{
	struct gt_msg *m;

	if (c->qn == c->qcap) {
		size_t cap = c->qcap ? c->qcap * 2 : 8;
		struct gt_msg *nq = realloc(c->q, cap * sizeof(*nq));

		ck_assert_ptr_nonnull(nq);
		c->q = nq;
		c->qcap = cap;
	}
	m = &c->q[c->qn++];
	m->type = h->type;
	m->req_id = h->req_id;
	m->tx_id = h->tx_id;
	m->len = h->len;
	memcpy(m->body, body, h->len);
	m->body[h->len] = '\0';
}

/* Split whole messages off the input into the queue. */
static int
parse(struct gt_chan *c)
{
	while (c->inlen >= sizeof(struct xsd_sockmsg)) {
		struct xsd_sockmsg h;
		size_t need;

		memcpy(&h, c->in, sizeof(h));
		if (h.len > XENSTORE_PAYLOAD_MAX) {
			c->t->oversized++;
			return -EPROTO;
		}
		need = sizeof(h) + h.len;
		if (c->inlen < need)
			break;
		queue_msg(c, &h, c->in + sizeof(h));
		memmove(c->in, c->in + need, c->inlen - need);
		c->inlen -= need;
	}
	return 0;
}

/*
 * Take what the daemon has sent; wait up to timeout_ms if nothing is
 * there.  >0: bytes taken, 0: nothing, <0: error.  A guest tells the
 * daemon about the room it made unless `quiet`.
 */
static int
chan_take(struct gt_chan *c, int timeout_ms, bool quiet)
{
	int64_t end = gt_now_ms() + timeout_ms;
	ssize_t n;

	for (;;) {
		size_t room = sizeof(c->in) - c->inlen;

		if (c->ring) {
			n = xensim_ring_read(xensim_guest_ring(c->g),
			    c->in + c->inlen, room);
			if (n < 0)
				return (int)n;
			if (n > 0 && !quiet)
				xensim_guest_notify(c->g);	/* space */
		} else {
			struct pollfd pfd = { c->fd, POLLIN, 0 };

			n = 0;
			if (poll(&pfd, 1, 0) == 1) {
				n = read(c->fd, c->in + c->inlen, room);
				if (n == 0)
					return -EPIPE;
				if (n < 0)
					n = errno == EAGAIN || errno == EINTR ?
					    0 : -errno;
				if (n < 0)
					return (int)n;
			}
		}
		if (n > 0) {
			int rc;

			c->inlen += (size_t)n;
			rc = parse(c);
			return rc < 0 ? rc : (int)n;
		}
		if (left(end) == 0)
			return 0;
		if (c->ring) {
			int rc = xensim_guest_wait(c->g, left(end) < 50 ?
			    left(end) : 50);

			if (rc < 0 && rc != -EINTR)
				return rc;
		} else {
			struct pollfd pfd = { c->fd, POLLIN, 0 };

			poll(&pfd, 1, left(end));
		}
	}
}

static int
chan_fill(struct gt_chan *c, int timeout_ms)
{
	return chan_take(c, timeout_ms, false);
}

int
gt_take_quietly(struct gt_chan *c)
{
	int n, total = 0;

	while ((n = chan_take(c, 0, true)) > 0)
		total += n;
	return n < 0 ? n : total;
}

static void
unqueue(struct gt_chan *c, size_t i, struct gt_msg *out)
{
	if (out != NULL)
		*out = c->q[i];
	memmove(&c->q[i], &c->q[i + 1], (c->qn - i - 1) * sizeof(c->q[0]));
	c->qn--;
}

/* changes_state(): tests/helpers; GT_CHECK_STEPS=0 turns checks off */

int
gt_req(struct gt_chan *c, uint32_t type, uint32_t tx_id, const void *payload,
    size_t len, struct gt_msg *reply, int timeout_ms)
{
	int64_t end = gt_now_ms() + timeout_ms;
	struct xsd_sockmsg h;
	uint32_t id = c->next_req++;
	int rc;

	h.type = type;
	h.req_id = id;
	h.tx_id = tx_id;
	h.len = (uint32_t)len;
	if ((rc = chan_send(c, &h, sizeof(h), end)) < 0 ||
	    (rc = chan_send(c, payload, len, end)) < 0)
		return rc;
	rc = gt_reply(c, id, reply, left(end));
	if (rc == 0 && c->t->check_steps && changes_state(type)) {
		/* The check's own reply must not replace this one. */
		struct gt_msg *keep = malloc(sizeof(*keep));

		ck_assert_ptr_nonnull(keep);
		*keep = *reply;
		gt_check(c->t);
		*reply = *keep;
		free(keep);
	}
	return rc;
}

int
gt_reply(struct gt_chan *c, uint32_t req_id, struct gt_msg *out,
    int timeout_ms)
{
	int64_t end = gt_now_ms() + timeout_ms;

	for (;;) {
		size_t i;
		int rc;

		for (i = 0; i < c->qn; i++)
			if (c->q[i].type != XS_WATCH_EVENT &&
			    c->q[i].req_id == req_id) {
				unqueue(c, i, out);
				return 0;
			}
		if (left(end) == 0)
			return -ETIMEDOUT;
		rc = chan_fill(c, left(end));
		if (rc < 0)
			return rc;
	}
}

static const char *
text(struct gt_chan *c, int rc, const struct gt_msg *m)
{
	size_t i, n;

	if (rc == -ETIMEDOUT)
		return strcpy(c->last, "TIMEOUT");
	if (rc < 0) {
		snprintf(c->last, sizeof(c->last), "FAIL %s", strerror(-rc));
		return c->last;
	}
	if (m->type == XS_ERROR) {
		snprintf(c->last, sizeof(c->last), "ERR %s", m->body);
		return c->last;
	}
	n = m->len;
	if (n > 0 && m->body[n - 1] == '\0')
		n--;
	for (i = 0; i < n; i++)
		c->last[i] = m->body[i] == '\0' ? '|' : m->body[i];
	c->last[n] = '\0';
	return c->last;
}

const char *
gt_text(struct gt_chan *c, const struct gt_msg *m)
{
	return text(c, 0, m);
}

static struct gt_msg scratch;	/* one request at a time */

const char *
gt_do(struct gt_chan *c, uint32_t type, uint32_t tx_id, ...)
{
	char payload[XENSTORE_PAYLOAD_MAX + 64];
	size_t len = 0;
	const char *s;
	va_list ap;
	int rc;

	va_start(ap, tx_id);
	while ((s = va_arg(ap, const char *)) != NULL) {
		size_t n = strlen(s) + 1;

		ck_assert_uint_le(len + n, sizeof(payload));
		memcpy(payload + len, s, n);
		len += n;
	}
	va_end(ap);
	rc = gt_req(c, type, tx_id, payload, len, &scratch, GT_REPLY_MS);
	return text(c, rc, &scratch);
}

const char *
gt_write(struct gt_chan *c, uint32_t tx_id, const char *path,
    const char *value)
{
	char payload[XENSTORE_PAYLOAD_MAX + 64];
	size_t pl = strlen(path) + 1, vl = strlen(value);
	int rc;

	ck_assert_uint_le(pl + vl, sizeof(payload));
	memcpy(payload, path, pl);
	memcpy(payload + pl, value, vl);
	rc = gt_req(c, XS_WRITE, tx_id, payload, pl + vl, &scratch,
	    GT_REPLY_MS);
	return text(c, rc, &scratch);
}

const char *
gt_read(struct gt_chan *c, uint32_t tx_id, const char *path)
{
	return gt_do(c, XS_READ, tx_id, path, NULL);
}

uint32_t
gt_txn(struct gt_chan *c)
{
	const char *r = gt_do(c, XS_TRANSACTION_START, 0, "", NULL);
	char *end;
	unsigned long v = strtoul(r, &end, 10);

	ck_assert_msg(*end == '\0' && end != r && v > 0,
	    "TRANSACTION_START: %s", r);
	return (uint32_t)v;
}

/* ---- events -------------------------------------------------------------- */

static bool
is_event(const struct gt_msg *m, const char *path, const char *token)
{
	size_t pl;

	if (m->type != XS_WATCH_EVENT)
		return false;
	pl = strlen(m->body);
	if (strcmp(m->body, path) != 0)
		return false;
	if (token == NULL)
		return true;
	return pl + 1 < m->len && strcmp(m->body + pl + 1, token) == 0;
}

bool
gt_event(struct gt_chan *c, const char *path, const char *token,
    int timeout_ms)
{
	int64_t end = gt_now_ms() + timeout_ms;

	for (;;) {
		size_t i;

		for (i = 0; i < c->qn; i++)
			if (is_event(&c->q[i], path, token)) {
				unqueue(c, i, NULL);
				return true;
			}
		if (left(end) == 0 || chan_fill(c, left(end)) < 0)
			return false;
	}
}

/* A request every daemon answers without side effects. */
static void
round_trip(struct gt_chan *c)
{
	const char *r = gt_do(c, XS_GET_DOMAIN_PATH, 0, "0", NULL);

	ck_assert_str_eq(r, "/local/domain/0");
}

size_t
gt_pending_events(struct gt_chan *c)
{
	size_t i, n = 0;

	chan_fill(c, 0);
	for (i = 0; i < c->qn; i++)
		n += c->q[i].type == XS_WATCH_EVENT;
	return n;
}

void
gt_flush_events(struct gt_chan *c)
{
	size_t i = 0;

	round_trip(c);
	while (i < c->qn)
		if (c->q[i].type == XS_WATCH_EVENT)
			unqueue(c, i, NULL);
		else
			i++;
}

bool
gt_has_event(struct gt_chan *c, const char *path, const char *token)
{
	round_trip(c);
	return gt_event(c, path, token, 0);
}

size_t
gt_count_events(struct gt_chan *c, const char *path)
{
	size_t n = 0;

	round_trip(c);
	while (gt_event(c, path, NULL, 0))
		n++;
	return n;
}

/* ---- domains ------------------------------------------------------------- */

void
gt_domain(struct gt *t, uint32_t domid, struct xensim_domain *out)
{
	struct xensim_domain_params p;
	struct xensim_domain d;
	int rc;

	xensim_domain_params_init(&p);
	p.domid = domid;
	rc = xensim_domain_create(t->sim, &p, &d);
	ck_assert_msg(rc == 0, "create domain %u: %s", domid, strerror(-rc));
	if (out != NULL)
		*out = d;
}

struct gt_chan *
gt_attach(struct gt *t, uint32_t domid)
{
	struct gt_chan *c = chan_new(t);
	int rc = xensim_guest_attach(t->sim, domid, NULL, &c->g);

	ck_assert_msg(rc == 0, "attach to domain %u: %s", domid,
	    strerror(-rc));
	c->ring = true;
	c->domid = domid;
	return c;
}

void
gt_detach(struct gt_chan *c)
{
	struct gt_chan **pp = &c->t->chans;

	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	chan_free(c);
}

const char *
gt_introduce(struct gt *t, uint32_t domid)
{
	struct xensim_domain d;
	char id[16], gfn[32], port[16];
	int rc = xensim_domain_get(t->sim, domid, &d);

	ck_assert_msg(rc == 0, "domain %u: %s", domid, strerror(-rc));
	snprintf(id, sizeof(id), "%u", domid);
	snprintf(gfn, sizeof(gfn), "%llu", (unsigned long long)d.gfn);
	snprintf(port, sizeof(port), "%u", d.port);
	return gt_do(t->tool, XS_INTRODUCE, 0, id, gfn, port, NULL);
}

void
gt_home(struct gt *t, uint32_t domid)
{
	char home[64], data[80], r[16], n[16];

	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	snprintf(data, sizeof(data), "%s/data", home);
	snprintf(r, sizeof(r), "r%u", domid);
	snprintf(n, sizeof(n), "n%u", domid);
	ck_assert_str_eq(gt_write(t->tool, 0, home, ""), "OK");
	ck_assert_str_eq(gt_do(t->tool, XS_SET_PERMS, 0, home, "n0", r, NULL),
	    "OK");
	ck_assert_str_eq(gt_write(t->tool, 0, data, ""), "OK");
	ck_assert_str_eq(gt_do(t->tool, XS_SET_PERMS, 0, data, n, NULL), "OK");
}

struct gt_chan *
gt_guest(struct gt *t, uint32_t domid)
{
	struct gt_chan *c;

	gt_domain(t, domid, NULL);
	gt_home(t, domid);
	c = gt_attach(t, domid);
	ck_assert_str_eq(gt_introduce(t, domid), "OK");
	return c;
}

/* ---- raw ring ------------------------------------------------------------ */

struct xenstore_domain_interface *
gt_intf(struct gt_chan *c)
{
	ck_assert(c->ring);
	return xensim_guest_ring(c->g);
}

void
gt_notify(struct gt_chan *c)
{
	ck_assert(c->ring);
	xensim_guest_notify(c->g);
}

bool
gt_until(struct gt_chan *c, bool (*fn)(void *), void *arg, int timeout_ms)
{
	int64_t end = gt_now_ms() + timeout_ms;

	for (;;) {
		if (fn(arg))
			return true;
		if (left(end) == 0)
			return fn(arg);
		if (c != NULL && c->ring)
			xensim_guest_wait(c->g, left(end) < 20 ?
			    left(end) : 20);
		else
			gt_sleep_ms(5);
	}
}

static bool
error_is(void *arg)
{
	struct { struct gt_chan *c; uint32_t err; } *a = arg;

	return __atomic_load_n(&gt_intf(a->c)->error, __ATOMIC_SEQ_CST) ==
	    a->err;
}

bool
gt_wait_error(struct gt_chan *c, uint32_t err, int timeout_ms)
{
	struct { struct gt_chan *c; uint32_t err; } a = { c, err };

	return gt_until(c, error_is, &a, timeout_ms);
}

static bool
connected(void *arg)
{
	struct gt_chan *c = arg;

	return __atomic_load_n(&gt_intf(c)->connection, __ATOMIC_SEQ_CST) ==
	    XENSTORE_CONNECTED;
}

void
gt_reconnect(struct gt_chan *c)
{
	struct xenstore_domain_interface *intf = gt_intf(c);
	int64_t end = gt_now_ms() + GT_REPLY_MS;
	bool notified = false;

	xensim_guest_consume(c->g);	/* forget older notifications */
	__atomic_store_n(&intf->connection, XENSTORE_RECONNECT,
	    __ATOMIC_SEQ_CST);
	gt_notify(c);
	/* The daemon answers with connection = 0 and a notification. */
	while (!(notified && connected(c)) && left(end) > 0)
		if (xensim_guest_wait(c->g, left(end) < 20 ? left(end) :
		    20) == 1)
			notified = true;
	if (!connected(c))
		dump_log(c->t);
	ck_assert_msg(connected(c), "domain %u: no answer to the reconnect "
	    "request", c->domid);
	ck_assert_msg(notified, "domain %u: reconnected without a "
	    "notification", c->domid);
	ck_assert_uint_eq(intf->req_cons, 0);
	ck_assert_uint_eq(intf->req_prod, 0);
	ck_assert_uint_eq(intf->rsp_cons, 0);
	ck_assert_uint_eq(intf->rsp_prod, 0);
	ck_assert_uint_eq(intf->error, XENSTORE_ERROR_NONE);
	c->inlen = 0;
	free(c->q);
	c->q = NULL;
	c->qn = c->qcap = 0;
}

/* ---- misc ---------------------------------------------------------------- */

void
gt_check(struct gt *t)
{
	const char *r = gt_do(t->tool, XS_CONTROL, 0, "check", NULL);

	t->checks++;
	if (strcmp(r, "OK") != 0)
		dump_log(t);
	ck_assert_str_eq(r, "OK");
}

long
gt_memreport(struct gt *t, const char *what)
{
	char path[300], line[256];
	size_t wl = strlen(what);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memreport", t->dir);
	unlink(path);
	ck_assert_str_eq(gt_do(t->tool, XS_CONTROL, 0, "memreport", path,
	    NULL), "OK");
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *s = line;

		while (*s == ' ')
			s++;
		if (strncmp(s, what, wl) == 0 && s[wl] == ' ')
			v = strtol(s + wl, NULL, 10);
	}
	fclose(f);
	ck_assert_msg(v >= 0, "memreport has no '%s'", what);
	return v;
}
