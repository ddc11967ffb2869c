/*
 * hostile.c: see hostile.h.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile.h"

/* ---- raw indexes ----------------------------------------------------------- */

static uint32_t *
idx(struct gt_chan *c, enum hg_index i)
{
	struct xenstore_domain_interface *intf = gt_intf(c);

	switch (i) {
	case HG_REQ_CONS:
		return &intf->req_cons;
	case HG_REQ_PROD:
		return &intf->req_prod;
	case HG_RSP_CONS:
		return &intf->rsp_cons;
	default:
		return &intf->rsp_prod;
	}
}

uint32_t
hg_get(struct gt_chan *c, enum hg_index i)
{
	return __atomic_load_n(idx(c, i), __ATOMIC_SEQ_CST);
}

void
hg_set(struct gt_chan *c, enum hg_index i, uint32_t v)
{
	__atomic_store_n(idx(c, i), v, __ATOMIC_SEQ_CST);
}

struct hg_flip {
	pthread_t th;
	uint32_t *at;
	uint32_t vals[16];
	size_t n;
	atomic_bool stop;
	unsigned long stores;
};

static void *
flip_main(void *arg)
{
	struct hg_flip *f = arg;
	size_t k = 0;

	while (!atomic_load(&f->stop)) {
		__atomic_store_n(f->at, f->vals[k], __ATOMIC_SEQ_CST);
		k = (k + 1) % f->n;
		f->stores++;
	}
	return NULL;
}

struct hg_flip *
hg_flip_start(struct gt_chan *c, enum hg_index i, const uint32_t *vals,
    size_t n)
{
	struct hg_flip *f = calloc(1, sizeof(*f));

	ck_assert_ptr_nonnull(f);
	ck_assert(n > 0 && n <= sizeof(f->vals) / sizeof(f->vals[0]));
	f->at = idx(c, i);
	memcpy(f->vals, vals, n * sizeof(*vals));
	f->n = n;
	atomic_init(&f->stop, false);
	ck_assert_int_eq(pthread_create(&f->th, NULL, flip_main, f), 0);
	return f;
}

unsigned long
hg_flip_stop(struct hg_flip **fp)
{
	struct hg_flip *f = *fp;
	unsigned long n;

	atomic_store(&f->stop, true);
	pthread_join(f->th, NULL);
	n = f->stores;
	free(f);
	*fp = NULL;
	return n;
}

/* ---- raw bytes ------------------------------------------------------------- */

size_t
hg_msg(void *buf, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *payload, size_t len)
{
	struct xsd_sockmsg h = { type, req_id, tx_id, (uint32_t)len };

	memcpy(buf, &h, sizeof(h));
	if (len > 0)
		memcpy((char *)buf + sizeof(h), payload, len);
	return sizeof(h) + len;
}

void
hg_raw(struct gt_chan *c, const void *buf, size_t len)
{
	struct xenstore_domain_interface *intf = gt_intf(c);
	uint32_t prod = hg_get(c, HG_REQ_PROD);
	const char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		intf->req[MASK_XENSTORE_IDX(prod + (uint32_t)i)] = p[i];
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	hg_set(c, HG_REQ_PROD, prod + (uint32_t)len);
}

bool
hg_post(struct gt_chan *c, const void *msg, size_t len)
{
	uint32_t used = hg_get(c, HG_REQ_PROD) - hg_get(c, HG_REQ_CONS);

	if (used > HG_RING || HG_RING - used < len)
		return false;
	ck_assert_int_eq(xensim_ring_write(gt_intf(c), msg, len),
	    (ssize_t)len);
	return true;
}

void
hg_send(struct gt_chan *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *payload, size_t len)
{
	uint8_t buf[HG_RING];

	ck_assert_uint_le(len + sizeof(struct xsd_sockmsg), sizeof(buf));
	ck_assert_msg(hg_post(c, buf, hg_msg(buf, type, req_id, tx_id,
	    payload, len)), "no room in the request ring");
	gt_notify(c);
}

uint32_t
hg_flood(struct gt *t, struct gt_chan *c, uint32_t type, uint32_t first_id,
    const void *payload, size_t len, uint32_t max)
{
	uint8_t buf[HG_RING];
	uint32_t sent = 0;
	int still = 0;

	ck_assert_uint_le(len + sizeof(struct xsd_sockmsg), sizeof(buf));
	/* Two syncs in a row with a full ring and nothing consumed: done. */
	while (sent < max && still < 2) {
		uint32_t cons = hg_get(c, HG_REQ_CONS);
		bool posted = false;

		while (sent < max) {
			hg_msg(buf, type, first_id + sent, 0, payload, len);
			if (!hg_post(c, buf, len + sizeof(struct xsd_sockmsg)))
				break;
			sent++;
			posted = true;
		}
		gt_notify(c);
		hg_sync(t);
		still = !posted && hg_get(c, HG_REQ_CONS) == cons ? still + 1 :
		    0;
	}
	return sent;
}

uint32_t
hg_sock_send(struct gt_chan *c, uint32_t type, const void *payload,
    size_t len)
{
	uint8_t buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	uint32_t id = c->next_req++;
	size_t n = hg_msg(buf, type, id, 0, payload, len);

	ck_assert(!c->ring);
	ck_assert_int_eq(write(c->fd, buf, n), (ssize_t)n);
	return id;
}

/* ---- guests in other processes --------------------------------------------- */

struct hg_writer {
	pid_t pid;
	int ctl;		/* closed to stop the child */
	int res;		/* the child's counts */
};

struct wstate {
	struct xensim_guest *g;
	struct xenstore_domain_interface *intf;
	const char *path;
	uint32_t next_id, inflight;
	unsigned long ok, bad;
	uint8_t in[2 * (XENSTORE_PAYLOAD_MAX + 16)];
	size_t inlen;
};

/* Post writes until `want` are in flight or the ring is full. */
static int
writer_post(struct wstate *w, uint32_t want)
{
	uint8_t msg[512];
	char body[256];
	bool posted = false;

	while (w->inflight < want) {
		size_t pl = strlen(w->path) + 1, n;
		int vl = snprintf(body + pl, sizeof(body) - pl, "%u",
		    w->next_id);
		uint32_t used;

		memcpy(body, w->path, pl);
		n = hg_msg(msg, XS_WRITE, w->next_id, 0, body,
		    pl + (size_t)vl);
		used = w->intf->req_prod - w->intf->req_cons;
		if (used > HG_RING)
			return -EIO;
		if (HG_RING - used < n)
			break;
		if (xensim_ring_write(w->intf, msg, n) != (ssize_t)n)
			return -EIO;
		w->next_id++;
		w->inflight++;
		posted = true;
	}
	if (posted)
		xensim_guest_notify(w->g);
	return 0;
}

/* Take the replies there are. */
static int
writer_read(struct wstate *w)
{
	ssize_t n = xensim_ring_read(w->intf, w->in + w->inlen,
	    sizeof(w->in) - w->inlen);
	size_t off = 0;

	if (n < 0)
		return (int)n;
	if (n > 0)
		xensim_guest_notify(w->g);
	w->inlen += (size_t)n;
	while (w->inlen - off >= sizeof(struct xsd_sockmsg)) {
		struct xsd_sockmsg h;

		memcpy(&h, w->in + off, sizeof(h));
		if (h.len > XENSTORE_PAYLOAD_MAX)
			return -EPROTO;
		if (w->inlen - off < sizeof(h) + h.len)
			break;
		if (h.type == XS_WRITE) {
			w->ok++;
			w->inflight--;
		} else if (h.type != XS_WATCH_EVENT) {
			w->bad++;
			w->inflight--;
		}
		off += sizeof(h) + h.len;
	}
	memmove(w->in, w->in + off, w->inlen - off);
	w->inlen -= off;
	return 0;
}

static void
writer_child(const char *simdir, uint32_t domid, const char *path,
    unsigned inflight, int ctl, int res)
{
	struct wstate w;
	struct xensim *sim = NULL;
	char out[128];
	int err = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	memset(&w, 0, sizeof(w));
	w.path = path;
	w.next_id = 1;
	if (xensim_open(simdir, &sim) < 0 ||
	    xensim_guest_attach(sim, domid, NULL, &w.g) < 0)
		_exit(2);
	w.intf = xensim_guest_ring(w.g);
	for (;;) {
		struct pollfd p = { ctl, POLLIN, 0 };

		if (poll(&p, 1, 0) != 0)
			break;		/* the parent closed it: stop */
		if ((err = writer_post(&w, inflight)) < 0 ||
		    (err = writer_read(&w)) < 0)
			break;
		if (w.inflight >= inflight)
			xensim_guest_wait(w.g, 20);
	}
	snprintf(out, sizeof(out), "%lu %lu %d %u\n", w.ok, w.bad, err,
	    w.intf->error);
	if (write(res, out, strlen(out)) < 0)
		_exit(3);
	_exit(0);
}

struct hg_writer *
hg_writer_start(struct gt *t, uint32_t domid, const char *path,
    unsigned inflight)
{
	struct hg_writer *w = calloc(1, sizeof(*w));
	char simdir[300];
	int ctl[2], res[2];

	ck_assert_ptr_nonnull(w);
	ck_assert(pipe2(ctl, O_CLOEXEC) == 0 && pipe2(res, O_CLOEXEC) == 0);
	snprintf(simdir, sizeof(simdir), "%s/sim", gt_dir(t));
	fflush(NULL);
	w->pid = fork();
	ck_assert_int_ge(w->pid, 0);
	if (w->pid == 0) {
		close(ctl[1]);
		close(res[0]);
		writer_child(simdir, domid, path, inflight, ctl[0], res[1]);
	}
	close(ctl[0]);
	close(res[1]);
	w->ctl = ctl[1];
	w->res = res[0];
	return w;
}

unsigned long
hg_writer_stop(struct hg_writer **wp)
{
	struct hg_writer *w = *wp;
	unsigned long ok = 0, bad = 0;
	unsigned err_field = 0;
	int err = 0, st = 0, i;
	char buf[128];
	ssize_t n;

	close(w->ctl);
	n = read(w->res, buf, sizeof(buf) - 1);
	for (i = 0; i < 1000 && waitpid(w->pid, &st, WNOHANG) == 0; i++)
		gt_sleep_ms(10);
	if (i == 1000) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, &st, 0);
	}
	close(w->res);
	free(w);
	*wp = NULL;
	ck_assert_msg(n > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "the writer process failed (status %#x)", st);
	buf[n] = '\0';
	ck_assert_int_eq(sscanf(buf, "%lu %lu %d %u", &ok, &bad, &err,
	    &err_field), 4);
	ck_assert_msg(bad == 0 && err == 0 && err_field == 0,
	    "writer: %lu failed writes, error %d, ring error field %u", bad,
	    err, err_field);
	return ok;
}

/* ---- domains --------------------------------------------------------------- */

void
hg_wait_gone(struct gt *t, uint32_t domid)
{
	int64_t end = gt_now_ms() + GT_REPLY_MS;
	char id[16];

	snprintf(id, sizeof(id), "%u", domid);
	while (strcmp(gt_do(gt_tool(t), XS_IS_DOMAIN_INTRODUCED, 0, id,
	    NULL), "F") != 0) {
		ck_assert_msg(gt_alive(t), "the daemon died");
		ck_assert_msg(gt_now_ms() < end, "domain %u still introduced",
		    domid);
		gt_sleep_ms(2);
	}
}

struct gt_chan *
hg_reboot(struct gt_chan *c)
{
	struct gt *t = c->t;
	uint32_t domid = c->domid;
	int rc = xensim_domain_destroy(gt_sim(t), domid);

	ck_assert_msg(rc == 0, "destroy %u: %s", domid, strerror(-rc));
	gt_detach(c);
	hg_wait_gone(t, domid);
	return gt_guest(t, domid);
}

/* ---- the daemon ------------------------------------------------------------ */

void
hg_sync(struct gt *t)
{
	ck_assert_str_eq(gt_do(gt_tool(t), XS_GET_DOMAIN_PATH, 0, "0", NULL),
	    "/local/domain/0");
}

void
hg_freeze(struct gt *t)
{
	ck_assert_int_eq(kill(gt_pid(t), SIGSTOP), 0);
}

void
hg_thaw(struct gt *t)
{
	ck_assert_int_eq(kill(gt_pid(t), SIGCONT), 0);
}

long
hg_rss_kb(struct gt *t)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)gt_pid(t));
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			v = strtol(line + 6, NULL, 10);
	fclose(f);
	ck_assert_int_gt(v, 0);
	return v;
}

void
hg_settle(struct gt *t)
{
	int64_t end = gt_now_ms() + GT_REPLY_MS;

	while (strstr(gt_do(gt_tool(t), XS_CONTROL, 0, "persist", "status",
	    NULL), "being written") != NULL) {
		ck_assert_msg(gt_now_ms() < end, "a snapshot never ends");
		gt_sleep_ms(5);
	}
}

void
hg_rss_within(struct gt *t, long base, long kb, const char *what)
{
	long now;

	if (getenv("HG_SLOW") != NULL || getenv("HG_ASAN") != NULL)
		return;
	now = hg_rss_kb(t);
	ck_assert_msg(now - base <= kb, "%s: the daemon grew by %ld KiB "
	    "(bound %ld)", what, now - base, kb);
}

long
hg_trie_bytes(struct gt *t)
{
	hg_settle(t);
	return gt_memreport(t, "trie bytes");
}

long
hg_live_nodes(struct gt *t)
{
	hg_settle(t);
	return gt_memreport(t, "trie nodes");
}

long
hg_quota(struct gt *t, uint32_t domid, const char *what)
{
	char id[16];
	const char *r, *s;
	size_t wl = strlen(what);

	snprintf(id, sizeof(id), "%u", domid);
	r = gt_do(gt_tool(t), XS_CONTROL, 0, "quota", id, NULL);
	if (strcmp(r, "ERR ENOENT") == 0)
		return -1;
	/* "Domain 1:\nnodes            :        3\n..." */
	for (s = r; (s = strstr(s, what)) != NULL; s += wl)
		if ((s == r || s[-1] == '\n') && (s[wl] == ' ' || s[wl] == ':'))
			return strtol(strchr(s, ':') + 1, NULL, 10);
	ck_abort_msg("quota %u has no '%s': %s", domid, what, r);
	return -1;
}

/* The state letter of the daemon in /proc/<pid>/stat. */
static char
proc_state(struct gt *t)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)gt_pid(t));
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* after the command name */
	ck_assert(p != NULL && p[1] == ' ');
	return p[2];
}

void
hg_idle(struct gt *t)
{
	int64_t end = gt_now_ms() + GT_REPLY_MS;
	long before = gt_memreport(t, "passes"), woken;
	int asleep = 0;

	while (asleep < 5) {
		ck_assert_msg(gt_now_ms() < end, "the daemon never sleeps "
		    "(state %c)", proc_state(t));
		asleep = proc_state(t) == 'S' ? asleep + 1 : 0;
		gt_sleep_ms(1);
	}
	/* this request's own iteration, and the 1 s housekeeping timer */
	woken = gt_memreport(t, "passes") - before;
	ck_assert_msg(woken <= 3, "the daemon woke up %ld times while idle",
	    woken);
}

long
hg_failalloc(struct gt *t, unsigned long k)
{
	char arg[32];
	const char *r;
	char *end;
	long n;

	snprintf(arg, sizeof(arg), "%lu", k);
	r = gt_do(gt_tool(t), XS_CONTROL, 0, "test-failalloc", arg, NULL);
	n = strtol(r, &end, 10);
	ck_assert_msg(*end == '\0' && end != r, "test-failalloc: %s", r);
	return n;
}

void
hg_live_update(struct gt *t)
{
	const char *bin = getenv("PXENSTORED");
	char path[4096];
	long before = gt_memreport(t, "requests");
	struct gt_msg *m = malloc(sizeof(*m));
	static const char s[] = "live-update\0-s";

	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(realpath(bin != NULL && *bin ? bin :
	    "build/bin/pxenstored", path));
	ck_assert_str_eq(gt_do(gt_tool(t), XS_CONTROL, 0, "live-update", "-f",
	    path, NULL), "OK");
	/* the new process answers: give it time to start (ASan, valgrind) */
	ck_assert_int_eq(gt_req(gt_tool(t), XS_CONTROL, 0, s, sizeof(s), m,
	    6 * GT_REPLY_MS), 0);
	ck_assert_str_eq(gt_text(gt_tool(t), m), "OK");
	free(m);
	ck_assert(gt_alive(t));
	ck_assert_int_lt(gt_memreport(t, "requests"), before);
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n--) {
		h ^= *s++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* A raw request from the toolstack; asserts a non-error reply. */
static void
tool_req(struct gt *t, uint32_t type, const void *p, size_t len,
    struct gt_msg *m)
{
	ck_assert_int_eq(gt_req(gt_tool(t), type, 0, p, len, m, GT_REPLY_MS),
	    0);
	ck_assert_msg(m->type == type, "%u on %s: %s", type, (const char *)p,
	    m->body);
}

/* A FIFO of paths still to visit. */
struct pathq {
	char **p;
	size_t head, n, cap;
};

static void
pathq_push(struct pathq *q, const char *parent, const char *name)
{
	char *s;

	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 64;
		q->p = realloc(q->p, q->cap * sizeof(*q->p));
		ck_assert_ptr_nonnull(q->p);
	}
	s = malloc(strlen(parent) + strlen(name) + 2);
	ck_assert_ptr_nonnull(s);
	if (name[0] == '\0')
		strcpy(s, parent);
	else
		sprintf(s, "%s/%s", strcmp(parent, "/") == 0 ? "" : parent,
		    name);
	q->p[q->n++] = s;
}

/* One node: path, value, permissions; its children join the queue. */
static uint64_t
hash_node(struct gt *t, const char *path, uint64_t h, struct gt_msg *m,
    struct pathq *q)
{
	char *req = malloc(XENSTORE_PAYLOAD_MAX + 32);
	size_t pl = strlen(path) + 1, off = 0;
	bool more = true;

	ck_assert_ptr_nonnull(req);
	h = fnv(h, path, pl);
	tool_req(t, XS_READ, path, pl, m);
	h = fnv(fnv(h, &m->len, sizeof(m->len)), m->body, m->len);
	tool_req(t, XS_GET_PERMS, path, pl, m);
	h = fnv(h, m->body, m->len);
	/* children, a page at a time: "gen\0a\0b\0", "\0" after the last */
	while (more) {
		size_t pos, got = 0;
		int n = snprintf(req + pl, XENSTORE_PAYLOAD_MAX + 32 - pl, "%zu",
		    off);

		memcpy(req, path, pl);
		tool_req(t, XS_DIRECTORY_PART, req, pl + (size_t)n + 1, m);
		more = !(m->len >= 2 && m->body[m->len - 2] == '\0');
		for (pos = strlen(m->body) + 1; pos < m->len &&
		    m->body[pos] != '\0'; got++) {
			size_t nl = strlen(m->body + pos);

			pathq_push(q, path, m->body + pos);
			pos += nl + 1;
			off += nl + 1;
		}
		ck_assert_msg(!more || got > 0, "DIRECTORY_PART %s %zu: no "
		    "progress", path, off);
	}
	free(req);
	return h;
}

uint64_t
hg_tree_hash(struct gt *t, const char *top)
{
	struct gt_msg *m = malloc(sizeof(*m));
	struct pathq q = { NULL, 0, 0, 0 };
	uint64_t h = 1469598103934665603ULL;

	ck_assert_ptr_nonnull(m);
	pathq_push(&q, top, "");
	for (; q.head < q.n; q.head++) {
		h = hash_node(t, q.p[q.head], h, m, &q);
		free(q.p[q.head]);
	}
	free(q.p);
	free(m);
	return h;
}

/* ---- common expectations ------------------------------------------------- */

void
hg_watch(struct gt_chan *c, const char *path, const char *token)
{
	ck_assert_str_eq(gt_do(c, XS_WATCH, 0, path, token, NULL), "OK");
	ck_assert_msg(gt_event(c, path, token, GT_REPLY_MS),
	    "no initial event for %s %s", path, token);
}

void
hg_served(struct gt *t, struct gt_chan *other)
{
	struct gt_chan *tool = gt_tool(t);

	if (other != NULL) {
		ck_assert_str_eq(gt_write(other, 0, "data/alive", "1"), "OK");
		ck_assert_str_eq(gt_read(other, 0, "data/alive"), "1");
	}
	ck_assert_str_eq(gt_write(tool, 0, "/tool/alive", "1"), "OK");
	ck_assert_str_eq(gt_read(tool, 0, "/tool/alive"), "1");
	gt_check(t);
}

void
hg_ignored(struct gt_chan *c)
{
	uint32_t rsp_prod = hg_get(c, HG_RSP_PROD), req_cons;

	/* a sane request ring holding one valid request */
	hg_set(c, HG_REQ_PROD, hg_get(c, HG_REQ_CONS));
	req_cons = hg_get(c, HG_REQ_CONS);
	hg_send(c, XS_READ, 0xdead, 0, "data", 5);
	hg_sync(c->t);
	ck_assert_msg(hg_get(c, HG_REQ_CONS) == req_cons, "domain %u: its "
	    "request was read", c->domid);
	ck_assert_msg(hg_get(c, HG_RSP_PROD) == rsp_prod, "domain %u: "
	    "something was written for it", c->domid);
}

/* ---- suites ----------------------------------------------------------------- */

void
hg_add(Suite *s, const char *name, const TTest *test)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, NULL, gt_teardown);
	/* generous: valgrind, and loops sized by the environment */
	tcase_set_timeout(tc, 3000);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

int
hg_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* ---- test parameters ------------------------------------------------------- */

unsigned long
hg_count(const char *name, unsigned long ci)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (v == NULL || *v == '\0')
		return getenv("HG_SLOW") != NULL ? (ci + 9) / 10 : ci;
	n = strtoul(v, &end, 10);
	ck_assert_msg(*end == '\0' && n > 0, "%s=%s: not a count", name, v);
	return n;
}
