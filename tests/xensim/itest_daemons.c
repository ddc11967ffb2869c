/*
 * itest_daemons.c: run an unmodified xenstored daemon (Debian's C
 * xenstored or oxenstored) under the simulated Xen and drive it as dom0's
 * kernel, a toolstack (libxenstore over the socket) and guests (raw
 * xsd_sockmsg framing over their rings).
 *
 * Checks, each bounded in time: the daemon starts without -D and notifies
 * dom0's ring; a request on the xsd_kva ring is answered; a guest
 * introduced as libxl does reads and writes its nodes over its ring, with
 * the reply notified; a guest watch fires on its ring; shutdown and
 * destruction fire @releaseDomain to a socket watcher, the domain is
 * forgotten and the daemon stays up; a reused domid works again.  With
 * --guests N it also measures creating and introducing N guests and one
 * read by each over its ring.
 *
 * usage: itest_daemons --cli XENSIM --dir SIMDIR --kind c|ocaml
 *            --daemon PATH [--guests N [--bench bare|libxl]]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>
#include <xen/io/xs_wire.h>
#include <xen/sched.h>

#include "toolstack.h"
#include "xensim.h"

#define STEP_MS 10000	/* bound of every single wait */

static struct {
	const char *cli, *dir, *kind, *daemon;
	unsigned int guests;
	bool bare;		/* bench: XS_INTRODUCE without the nodes */
	pid_t pid;
	struct xensim *sim;
	struct xs_handle *xs;
	struct xensim_guest *dom0;
	int step;
} it = { .pid = -1 };

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
stop_daemon(void)
{
	int i, st;

	if (it.pid <= 0)
		return;
	kill(it.pid, SIGTERM);
	for (i = 0; i < 50; i++) {
		if (waitpid(it.pid, &st, WNOHANG) == it.pid) {
			it.pid = -1;
			return;
		}
		usleep(100000);
	}
	kill(it.pid, SIGKILL);
	waitpid(it.pid, &st, 0);
	it.pid = -1;
}

static void __attribute__((format(printf, 1, 2), noreturn))
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "not ok %d - %s: ", it.step + 1, it.kind);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	stop_daemon();
	exit(1);
}

#define CHECK(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

static void
ok(const char *what)
{
	printf("ok %d - %s: %s\n", ++it.step, it.kind, what);
	fflush(stdout);
}

static void
daemon_alive(void)
{
	int st;

	CHECK(waitpid(it.pid, &st, WNOHANG) == 0, "the daemon exited (%#x)",
	    st);
}

static void
spawn(char *const argv[], const char *log)
{
	int fd;

	if (log != NULL) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
	}
	execvp(argv[0], argv);
	_exit(127);
}

static void
sim_init(void)
{
	char *argv[] = { (char *)it.cli, "init", (char *)it.dir, NULL };
	pid_t pid;
	int st;

	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		spawn(argv, NULL);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "xensim init failed");
	CHECK(xensim_open(it.dir, &it.sim) == 0, "xensim_open");
}

static void
start_daemon(void)
{
	char conf[4096], log[4096], sock[4096];
	char *c_argv[] = { (char *)it.cli, "run", (char *)it.dir, "--",
	    (char *)it.daemon, "-N", NULL };
	char *o_argv[] = { (char *)it.cli, "run", (char *)it.dir, "--",
	    (char *)it.daemon, "--no-fork", "--config-file", conf, NULL };
	int64_t end;
	char *v;
	unsigned int len;

	snprintf(conf, sizeof(conf), "%s/oxenstored.conf", it.dir);
	snprintf(log, sizeof(log), "%s/daemon.log", it.dir);
	snprintf(sock, sizeof(sock), "%s/socket", it.dir);
	setenv("XENSTORED_PATH", sock, 1);
	unsetenv("XENSTORED_RUNDIR");
	it.pid = fork();
	CHECK(it.pid >= 0, "fork: %s", strerror(errno));
	if (it.pid == 0) {
		/* Never outlive the test, however it ends. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		spawn(strcmp(it.kind, "c") == 0 ? c_argv : o_argv, log);
	}
	end = now_ms() + STEP_MS;
	while (now_ms() < end) {
		daemon_alive();
		it.xs = xs_open(XS_OPEN_SOCKETONLY);
		if (it.xs != NULL) {
			v = xs_read(it.xs, XBT_NULL, "/", &len);
			if (v != NULL) {
				free(v);
				return;
			}
			xs_close(it.xs);
			it.xs = NULL;
		}
		usleep(50000);
	}
	fail("the daemon's socket did not answer within %d ms", STEP_MS);
}

/* Read one whole message from a guest's ring, waiting for events. */
static int
read_msg(struct xensim_guest *g, struct xsd_sockmsg *h, char *body,
    size_t cap, int64_t end)
{
	struct xenstore_domain_interface *r = xensim_guest_ring(g);
	size_t got = 0, want = sizeof(*h);
	char *dst = (char *)h;
	ssize_t n;
	int part;

	for (part = 0; part < 2; part++) {
		while (got < want) {
			n = xensim_ring_read(r, dst + got, want - got);
			if (n < 0)
				return (int)n;
			if (n > 0) {
				got += (size_t)n;
				xensim_guest_notify(g);
				continue;
			}
			if (now_ms() >= end)
				return -ETIMEDOUT;
			xensim_guest_wait(g, 100);
		}
		if (part == 0) {
			if (h->len >= cap)
				return -EMSGSIZE;
			dst = body;
			got = 0;
			want = h->len;
		}
	}
	body[h->len] = '\0';
	return 0;
}

static void
send_msg(struct xensim_guest *g, uint32_t type, uint32_t id, const char *p,
    size_t len)
{
	struct xsd_sockmsg h = { type, id, 0, (uint32_t)len };
	char buf[sizeof(h) + 512];

	CHECK(len <= 512, "message too long");
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p, len);
	CHECK(xensim_ring_write(xensim_guest_ring(g), buf, sizeof(h) + len) ==
	    (ssize_t)(sizeof(h) + len), "the request ring is full");
	CHECK(xensim_guest_notify(g) == 0, "notify");
}

/* A request through xensim_guest_request; the reply must be type/want. */
static void
request(struct xensim_guest *g, uint32_t type, const char *p, size_t len,
    const char *want)
{
	char buf[4097];
	uint32_t rtype;
	int n;

	n = xensim_guest_request(g, type, 5, 0, p, len, &rtype, buf,
	    sizeof(buf), STEP_MS);
	CHECK(n >= 0, "request %u on dom%u's ring: %s", type,
	    xensim_guest_domid(g), strerror(-n));
	CHECK(rtype == type, "request %u on dom%u's ring: reply %u \"%s\"",
	    type, xensim_guest_domid(g), rtype, buf);
	CHECK(strcmp(buf, want) == 0, "reply \"%s\", expected \"%s\"", buf,
	    want);
}

static char *
sock_read(const char *path)
{
	unsigned int len;

	return xs_read(it.xs, XBT_NULL, path, &len);
}

static void
test_dom0_ring(void)
{
	static const char w[] = "/xensim-itest/dom0\0hello";
	char *v;

	/* Both daemons notify dom0's port once they have bound it. */
	CHECK(xensim_guest_wait(it.dom0, STEP_MS) == 1,
	    "no notification on dom0's ring at start-up");
	ok("the daemon bound and notified dom0's ring (xsd_kva, xsd_port)");
	request(it.dom0, XS_WRITE, w, sizeof(w) - 1, "OK");
	request(it.dom0, XS_READ, w, sizeof("/xensim-itest/dom0"), "hello");
	v = sock_read("/xensim-itest/dom0");
	CHECK(v != NULL && strcmp(v, "hello") == 0, "socket read of dom0's "
	    "write: %s", v != NULL ? v : strerror(errno));
	free(v);
	ok("requests on dom0's ring are answered");
}

static void
introduce(const struct xensim_domain *d, const char *name)
{
	int rc = xsim_toolstack_introduce(it.xs, d, name);

	CHECK(rc == 0, "introducing dom%u: %s", d->domid, strerror(-rc));
	CHECK(xs_is_domain_introduced(it.xs, d->domid), "dom%u not introduced",
	    d->domid);
}

static struct xensim_guest *
new_guest(const char *name, uint32_t domid, struct xensim_domain *d)
{
	struct xensim_domain_params p;
	struct xensim_guest *g;
	int rc;

	xensim_domain_params_init(&p);
	p.domid = domid;
	rc = xensim_domain_create(it.sim, &p, d);
	CHECK(rc == 0, "domain create: %s", strerror(-rc));
	rc = xensim_guest_attach(it.sim, d->domid, NULL, &g);
	CHECK(rc == 0, "attach: %s", strerror(-rc));
	introduce(d, name);
	return g;
}

/* A raw XS_READ: the reply must come with a notification. */
static void
test_guest_read(struct xensim_guest *g, const char *name)
{
	struct xsd_sockmsg h;
	char body[4097];
	int rc;

	while (xensim_guest_consume(g) == 1)
		;
	send_msg(g, XS_READ, 77, "name", 5);
	CHECK(xensim_guest_wait(g, STEP_MS) == 1,
	    "no notification after the request");
	rc = read_msg(g, &h, body, sizeof(body), now_ms() + STEP_MS);
	CHECK(rc == 0, "reading the reply: %s", strerror(-rc));
	CHECK(h.type == XS_READ && h.req_id == 77 && h.tx_id == 0,
	    "reply type %u id %u: %s", h.type, h.req_id, body);
	CHECK(strcmp(body, name) == 0, "read name: \"%s\"", body);
}

static void
test_guest(void)
{
	static const char w[] = "data/itest\0v1";
	struct xsd_sockmsg h;
	struct xensim_domain d;
	struct xensim_guest *g;
	char body[4097], path[128], *v;
	bool replied = false, written = false;
	int64_t end;
	int rc, events = 0;

	g = new_guest("itest-guest", XENSIM_DOMID_ANY, &d);
	ok("a guest is introduced like libxl does (nodes, XS_INTRODUCE)");
	test_guest_read(g, "itest-guest");
	ok("a guest's XS_READ over its ring is answered, with a notification");
	request(g, XS_WRITE, w, sizeof(w) - 1, "OK");
	snprintf(path, sizeof(path), "/local/domain/%u/data/itest", d.domid);
	v = sock_read(path);
	CHECK(v != NULL && strcmp(v, "v1") == 0, "socket read of %s", path);
	free(v);
	ok("a guest's XS_WRITE over its ring lands in the store");

	/*
	 * A guest watch: the reply and the initial event (in either order),
	 * then one event for a socket write.  The write must wait for the
	 * initial event: C xenstored drops an event identical to one still
	 * queued.
	 */
	send_msg(g, XS_WATCH, 9, "data/itest\0tok", 15);
	end = now_ms() + STEP_MS;
	while (events < 2) {
		rc = read_msg(g, &h, body, sizeof(body), end);
		CHECK(rc == 0, "waiting for watch events: %s", strerror(-rc));
		if (h.type == XS_WATCH) {
			CHECK(h.req_id == 9 && strcmp(body, "OK") == 0 &&
			    !replied, "XS_WATCH reply %s", body);
			replied = true;
		} else {
			CHECK(h.type == XS_WATCH_EVENT,
			    "unexpected message %u", h.type);
			CHECK(strcmp(body, "data/itest") == 0 ||
			    strcmp(body, path) == 0, "watch event for %s",
			    body);
			events++;
		}
		if (replied && events == 1 && !written) {
			CHECK(xs_write(it.xs, XBT_NULL, path, "v2", 2),
			    "socket write");
			written = true;
		}
	}
	ok("a guest's watch fires on its ring");
	xensim_guest_detach(&g);
}

/* Wait for an @releaseDomain event on a socket watch. */
static bool
release_event(struct xs_handle *w)
{
	struct pollfd p = { .fd = xs_fileno(w), .events = POLLIN };
	int64_t end = now_ms() + STEP_MS;
	char **ev;

	while (now_ms() < end) {
		while ((ev = xs_check_watch(w)) != NULL) {
			bool hit = strcmp(ev[XS_WATCH_PATH], "@releaseDomain")
			    == 0;

			free(ev);
			if (hit)
				return true;
		}
		poll(&p, 1, 100);
	}
	return false;
}

static void
wait_forgotten(uint32_t domid, int ms)
{
	int64_t end = now_ms() + ms;

	while (xs_is_domain_introduced(it.xs, domid)) {
		CHECK(now_ms() < end, "dom%u still introduced", domid);
		usleep(20000);
	}
}

static void
test_release(void)
{
	struct xensim_domain a, b;
	struct xensim_guest *ga, *gb;
	struct xs_handle *w;
	char *v;

	w = xs_open(XS_OPEN_SOCKETONLY);
	CHECK(w != NULL, "second socket connection");
	CHECK(xs_watch(w, "@releaseDomain", "rel"), "watch @releaseDomain");
	CHECK(release_event(w), "no initial @releaseDomain event");
	ga = new_guest("itest-a", XENSIM_DOMID_ANY, &a);
	gb = new_guest("itest-b", XENSIM_DOMID_ANY, &b);

	CHECK(xensim_domain_shutdown(it.sim, b.domid, SHUTDOWN_poweroff) == 0,
	    "shutdown");
	CHECK(release_event(w), "no @releaseDomain after shutdown");
	ok("a domain's shutdown fires @releaseDomain");

	CHECK(xensim_domain_destroy(it.sim, a.domid) == 0, "destroy");
	CHECK(release_event(w), "no @releaseDomain after destruction");
	wait_forgotten(a.domid, STEP_MS);
	CHECK(xensim_guest_notify(ga) == -ESRCH, "dead guest can notify");
	daemon_alive();
	v = sock_read("/");
	CHECK(v != NULL, "the daemon stopped answering after destruction");
	free(v);
	request(it.dom0, XS_READ, "/xensim-itest/dom0", 19, "hello");
	ok("destruction fires @releaseDomain, the daemon forgets the domain "
	    "and stays up");

	CHECK(xensim_domain_destroy(it.sim, b.domid) == 0, "destroy");
	CHECK(release_event(w), "no @releaseDomain after destroying dom%u",
	    b.domid);
	wait_forgotten(b.domid, STEP_MS);
	xensim_guest_detach(&ga);
	xensim_guest_detach(&gb);

	/* the same domid again */
	ga = new_guest("itest-again", a.domid, &a);
	test_guest_read(ga, "itest-again");
	CHECK(xensim_domain_destroy(it.sim, a.domid) == 0, "destroy");
	CHECK(release_event(w), "no @releaseDomain for the reused domid");
	xensim_guest_detach(&ga);
	daemon_alive();
	ok("a reused domid is introduced, served and released again");
	xs_close(w);
}

struct bguest {
	struct xensim_guest *g;
	struct xensim_domain d;
	size_t have;
	bool done;
	_Alignas(struct xsd_sockmsg) char
	    buf[sizeof(struct xsd_sockmsg) + 64];
};

/* Drain what a guest's ring holds; true once its whole reply is in. */
static bool
bench_collect(struct bguest *b)
{
	struct xsd_sockmsg *h = (struct xsd_sockmsg *)b->buf;
	ssize_t n;

	n = xensim_ring_read(xensim_guest_ring(b->g), b->buf + b->have,
	    sizeof(b->buf) - b->have);
	CHECK(n >= 0, "dom%u's ring is corrupt", b->d.domid);
	b->have += (size_t)n;
	if (n > 0)
		xensim_guest_notify(b->g);
	return b->have >= sizeof(*h) && b->have >= sizeof(*h) + h->len;
}

static void
bench(unsigned int n)
{
	struct xensim_guest *g;
	struct xensim_evq *q;
	struct bguest *b;
	struct pollfd p;
	int64_t t0, t1, t2, t3, t4, end;
	unsigned int i, done = 0;
	char name[32];
	int rc;

	b = calloc(n, sizeof(*b));
	CHECK(b != NULL, "calloc");
	CHECK(xensim_evq_open(it.sim, &q) == 0, "evq");
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		rc = xensim_domain_create(it.sim, NULL, &b[i].d);
		CHECK(rc == 0, "create guest %u: %s", i, strerror(-rc));
	}
	t1 = now_ms();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "bench%u", b[i].d.domid);
		if (!it.bare)
			introduce(&b[i].d, name);
		else
			CHECK(xs_introduce_domain(it.xs, b[i].d.domid,
			    (unsigned long)b[i].d.gfn, b[i].d.port),
			    "XS_INTRODUCE dom%u: %s", b[i].d.domid,
			    strerror(errno));
	}
	t2 = now_ms();
	for (i = 0; i < n; i++) {
		rc = xensim_guest_attach(it.sim, b[i].d.domid, q, &b[i].g);
		CHECK(rc == 0, "attach %u: %s", i, strerror(-rc));
		xensim_guest_set_data(b[i].g, &b[i]);
		snprintf(name, sizeof(name), "%u", b[i].d.domid);
		if (!it.bare)
			send_msg(b[i].g, XS_READ, i, "name", 5);
		else
			send_msg(b[i].g, XS_GET_DOMAIN_PATH, i, name,
			    strlen(name) + 1);
	}
	p.fd = xensim_evq_fd(q);
	p.events = POLLIN;
	end = now_ms() + 6 * STEP_MS;
	while (done < n) {
		CHECK(now_ms() < end, "%u of %u replies after %d ms", done, n,
		    6 * STEP_MS);
		poll(&p, 1, 100);
		while (xensim_evq_next(q, &g) == 0) {
			struct bguest *x = xensim_guest_data(g);

			if (!x->done && bench_collect(x)) {
				x->done = true;
				done++;
			}
		}
	}
	t3 = now_ms();
	for (i = 0; i < n; i++) {
		struct xsd_sockmsg *h = (struct xsd_sockmsg *)b[i].buf;

		snprintf(name, sizeof(name), it.bare ? "/local/domain/%u" :
		    "bench%u", b[i].d.domid);
		CHECK(h->type == (it.bare ? XS_GET_DOMAIN_PATH : XS_READ) &&
		    h->req_id == i && (h->len == strlen(name) ||
		    (h->len == strlen(name) + 1 &&
		    b[i].buf[sizeof(*h) + h->len - 1] == '\0')) &&
		    memcmp(b[i].buf + sizeof(*h), name, strlen(name)) == 0,
		    "dom%u's reply", b[i].d.domid);
		rc = xensim_domain_destroy(it.sim, b[i].d.domid);
		CHECK(rc == 0, "destroy: %s", strerror(-rc));
	}
	wait_forgotten(b[n - 1].d.domid, 30 * STEP_MS);
	t4 = now_ms();
	printf("# bench %s: %u guests: create %lld ms, %s %lld ms "
	    "(%.2f ms/guest), one ring request each %lld ms, destroy+release "
	    "%lld ms\n", it.kind, n, (long long)(t1 - t0), it.bare ?
	    "bare XS_INTRODUCE" : "libxl-style nodes + XS_INTRODUCE",
	    (long long)(t2 - t1), (double)(t2 - t1) / n, (long long)(t3 - t2),
	    (long long)(t4 - t3));
	for (i = 0; i < n; i++)
		xensim_guest_detach(&b[i].g);
	xensim_evq_close(&q);
	free(b);
	daemon_alive();
	ok("bench: every guest introduced and answered, all released");
}

static void
usage(void)
{
	fprintf(stderr, "usage: itest_daemons --cli XENSIM --dir SIMDIR "
	    "--kind c|ocaml --daemon PATH [--guests N [--bench bare|libxl]]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	int i, rc;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--cli") == 0)
			it.cli = argv[i + 1];
		else if (strcmp(argv[i], "--dir") == 0)
			it.dir = argv[i + 1];
		else if (strcmp(argv[i], "--kind") == 0)
			it.kind = argv[i + 1];
		else if (strcmp(argv[i], "--daemon") == 0)
			it.daemon = argv[i + 1];
		else if (strcmp(argv[i], "--guests") == 0)
			it.guests = (unsigned int)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--bench") == 0)
			it.bare = strcmp(argv[i + 1], "bare") == 0;
		else
			usage();
	}
	if (i != argc || it.cli == NULL || it.dir == NULL || it.kind == NULL ||
	    it.daemon == NULL || (strcmp(it.kind, "c") != 0 &&
	    strcmp(it.kind, "ocaml") != 0))
		usage();
	signal(SIGPIPE, SIG_IGN);
	CHECK(access(it.daemon, X_OK) == 0, "%s: %s", it.daemon,
	    strerror(errno));
	sim_init();
	rc = xensim_guest_attach(it.sim, 0, NULL, &it.dom0);
	CHECK(rc == 0, "attach dom0: %s", strerror(-rc));
	start_daemon();
	ok("the daemon starts under the simulation and answers its socket");
	test_dom0_ring();
	if (it.guests > 0) {
		bench(it.guests);
	} else {
		test_guest();
		test_release();
	}
	daemon_alive();
	xs_close(it.xs);
	stop_daemon();
	xensim_guest_detach(&it.dom0);
	xensim_close(&it.sim);
	printf("1..%d\n", it.step);
	return 0;
}
