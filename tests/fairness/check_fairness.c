/*
 * check_fairness.c: hostile guests against fairness, under the simulated
 * Xen (the gtest harness: one daemon per test, the test playing dom0's
 * toolstack and every guest).  Every bound is a count -- attempts,
 * requests, bytes -- never a time.
 *
 *   transaction_starved_by_a_guest: a guest rewrites the node dom0's
 *     read-modify-write transaction reads, right after each read, so
 *     every unprotected attempt fails; dom0 must commit within
 *     PROTECT_AFTER + 1 attempts, every round, and the guest's write is
 *     held back, not refused.
 *   transaction_against_a_flooding_guest: the same against a guest (a
 *     child process) that writes that node as fast as it can.
 *   ring_floods: N guests keep their rings full of writes (some never
 *     read their replies, one watcher never reads its events) while a
 *     normal guest and dom0 take turns with single requests.  Each of
 *     those is answered with a bounded number of flood requests handled
 *     in between (the daemon's access log says which, in order); no
 *     guest connection has more than CONN_PASS_REQUESTS requests handled
 *     in one loop pass; queues stay within their bounds.
 *   socket_flood: the same with an unprivileged socket that keeps 128
 *     requests ahead of its replies; floods_without_outstanding_quota:
 *     both, with the outstanding quota (which usually stops a guest at
 *     20 requests a pass) off, so that only the budget bounds them.
 *
 * The invariant checker runs after every state-changing step the harness
 * drives, and every few probes while the floods go on.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gtest.h"

/*
 * The daemon's numbers (conn.h, daemon.h, events.h, checker.h,
 * transport_ring.c).
 */
#define PASS_REQUESTS 32		/* CONN_PASS_REQUESTS */
#define PROTECT_AFTER 2
#define EVENTS_QUEUE_LIMIT (1024 * 1024)
#define WIRE_MAX_MSG (16 + XENSTORE_PAYLOAD_MAX)
#define GUEST_OUT_MAX (EVENTS_QUEUE_LIMIT + 2 * WIRE_MAX_MSG)
#define RING_BACKLOG (4 * XENSTORE_RING_SIZE)

/* ---- memreport ----------------------------------------------------------- */

struct report {
	unsigned long long passes, busiest, busiest_guest;
	unsigned long long queued, largest_guest, input;
	unsigned long protect, deferred;
};

static void
memreport(struct gt *t, struct report *r)
{
	char path[300], line[256];
	FILE *f;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/memreport", gt_dir(t));
	unlink(path);
	ck_assert_str_eq(gt_do(gt_tool(t), XS_CONTROL, 0, "memreport", path,
	    NULL), "OK");
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, " passes %llu", &r->passes);
		sscanf(line, " busiest pass %llu requests (one guest "
		    "connection: %llu)", &r->busiest, &r->busiest_guest);
		sscanf(line, " queued output %llu (largest of a guest %llu)",
		    &r->queued, &r->largest_guest);
		sscanf(line, " buffered input %llu", &r->input);
		sscanf(line, " protected %lu (deferred %lu)", &r->protect,
		    &r->deferred);
	}
	fclose(f);
}

/* ---- raw messages ------------------------------------------------------- */

static size_t
msg(uint8_t *buf, uint32_t type, uint32_t req_id, uint32_t tx,
    const void *payload, size_t len)
{
	struct xsd_sockmsg h = { type, req_id, tx, (uint32_t)len };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), payload, len);
	return sizeof(h) + len;
}

/* WRITE path=value, as one message. */
static size_t
write_msg(uint8_t *buf, uint32_t req_id, const char *path, const char *val)
{
	char p[256];
	size_t pl = strlen(path) + 1, vl = strlen(val);

	memcpy(p, path, pl);
	memcpy(p + pl, val, vl);
	return msg(buf, XS_WRITE, req_id, 0, p, pl + vl);
}

/* Whole messages received so far on a stream (ring or socket). */
struct stream {
	uint8_t buf[4 * WIRE_MAX_MSG];
	size_t len;
};

/* Read what is there (non-blocking).  Returns bytes read, -1 at EOF. */
static ssize_t
stream_read(struct gt_chan *c, struct stream *s)
{
	ssize_t n;

	if (c->ring) {
		n = xensim_ring_read(gt_intf(c), s->buf + s->len,
		    sizeof(s->buf) - s->len);
		ck_assert_int_ge(n, 0);
		if (n > 0)
			gt_notify(c);	/* room for more output */
	} else {
		n = recv(c->fd, s->buf + s->len, sizeof(s->buf) - s->len,
		    MSG_DONTWAIT);
		if (n == 0)
			return -1;
		if (n < 0) {
			ck_assert(errno == EAGAIN || errno == EINTR);
			n = 0;
		}
	}
	s->len += (size_t)n;
	return n;
}

/* Take the next whole message off the stream, if there is one. */
static bool
stream_next(struct stream *s, struct xsd_sockmsg *h)
{
	size_t total;

	if (s->len < sizeof(*h))
		return false;
	memcpy(h, s->buf, sizeof(*h));
	ck_assert_uint_le(h->len, XENSTORE_PAYLOAD_MAX);
	total = sizeof(*h) + h->len;
	if (s->len < total)
		return false;
	memmove(s->buf, s->buf + total, s->len - total);
	s->len -= total;
	return true;
}

/* Send all of buf on a channel (ring: as room comes; socket: blocking). */
static void
send_all(struct gt_chan *c, const uint8_t *buf, size_t len)
{
	int64_t end = gt_now_ms() + GT_REPLY_MS;

	while (len > 0) {
		ssize_t n;

		ck_assert_msg(gt_now_ms() < end, "cannot send");
		if (c->ring) {
			n = xensim_ring_write(gt_intf(c), buf, len);
			ck_assert_int_ge(n, 0);
			if (n > 0)
				gt_notify(c);
			else
				gt_sleep_ms(1);
		} else {
			n = send(c->fd, buf, len, MSG_NOSIGNAL);
			ck_assert_int_gt(n, 0);
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* ---- dom0's read-modify-write transaction -------------------------------- */

#define COUNTER "/local/domain/5/data/counter"

/*
 * One round: read the counter in a transaction, copy it to /tool/copy,
 * commit; again on EAGAIN.  `meddle` runs after each read (the
 * adversary).  Returns the attempts it took.
 */
static unsigned
rmw_round(struct gt *t, void (*meddle)(void *), void *arg)
{
	struct gt_chan *tool = gt_tool(t);
	unsigned attempts;

	for (attempts = 1; attempts <= 20; attempts++) {
		char tid[16], val[64];
		const char *r;
		uint32_t tx = gt_txn(tool);

		snprintf(tid, sizeof(tid), "%u", tx);
		r = gt_read(tool, tx, COUNTER);
		ck_assert_msg(strncmp(r, "ERR", 3) != 0, "read: %s", r);
		snprintf(val, sizeof(val), "%s", r);
		if (meddle != NULL)
			meddle(arg);
		ck_assert_str_eq(gt_write(tool, tx, "/tool/copy", val), "OK");
		r = gt_do(tool, XS_TRANSACTION_END, tx, "T", NULL);
		if (strcmp(r, "OK") == 0)
			return attempts;
		ck_assert_str_eq(r, "ERR EAGAIN");
	}
	ck_abort_msg("dom0's transaction never committed");
	return 0;
}

struct meddler {
	struct gt *t;
	struct gt_chan *g;
	const char *path;	/* the counter, as g names it */
	uint32_t next_id;
	unsigned writes, held;	/* sent; of which held back */
	uint32_t pending[64];	/* held back: replies still to come */
	unsigned npending;
};

/*
 * The guest rewrites the counter right after dom0 read it, and waits
 * until its write was either answered (it now conflicts with dom0's
 * transaction) or is held back by the daemon (dom0 is protected).
 */
static void
meddle(void *arg)
{
	struct meddler *m = arg;
	uint8_t buf[WIRE_MAX_MSG];
	char val[32];
	uint32_t id = m->next_id++;
	struct gt_msg reply;
	struct report r;
	int64_t end = gt_now_ms() + GT_REPLY_MS;

	snprintf(val, sizeof(val), "g%u", id);
	send_all(m->g, buf, write_msg(buf, id, m->path, val));
	m->writes++;
	for (;;) {
		if (gt_reply(m->g, id, &reply, 20) == 0) {
			ck_assert_str_eq(gt_text(m->g, &reply), "OK");
			return;
		}
		memreport(m->t, &r);
		if (r.deferred > 0) {
			ck_assert_uint_lt(m->npending, 64);
			m->pending[m->npending++] = id;
			m->held++;
			return;
		}
		ck_assert_msg(gt_now_ms() < end, "the guest's write was "
		    "neither answered nor held back");
	}
}

/*
 * dom0's read-modify-write rounds against a meddler on channel g, which
 * names the counter `path`; the meddler is a guest or another privileged
 * socket connection (two toolstack processes on one hot node).
 */
static void
starved_rounds(struct gt *t, struct gt_chan *g, const char *path,
    const char *who)
{
	struct meddler m = { t, g, path, 100, 0, 0, { 0 }, 0 };
	unsigned round, attempts, worst = 0, total = 0, i;
	struct gt_msg reply;

	ck_assert_str_eq(gt_write(m.g, 0, path, "0"), "OK");
	for (round = 0; round < 10; round++) {
		attempts = rmw_round(t, meddle, &m);
		/* every unprotected attempt conflicts: the first one did */
		ck_assert_uint_gt(attempts, 1);
		ck_assert_uint_le(attempts, PROTECT_AFTER + 1);
		if (attempts > worst)
			worst = attempts;
		total += attempts;
		/* the writes held back go through once dom0 committed */
		for (i = 0; i < m.npending; i++) {
			ck_assert_int_eq(gt_reply(m.g, m.pending[i], &reply,
			    GT_REPLY_MS), 0);
			ck_assert_str_eq(gt_text(m.g, &reply), "OK");
		}
		m.npending = 0;
	}
	fprintf(stderr, "fairness: transaction starved by %s: 10 rounds, "
	    "%u attempts in all, at most %u per round; its writes %u, %u of "
	    "them held back until dom0 committed\n", who, total, worst,
	    m.writes, m.held);
	ck_assert_uint_gt(m.held, 0);
	/* the meddler still works */
	ck_assert_str_eq(gt_write(m.g, 0, path, "end"), "OK");
}

START_TEST(transaction_starved_by_a_guest)
{
	struct gt *t = gt_start(NULL);

	starved_rounds(t, gt_guest(t, 5), "data/counter", "a guest");
	gt_finish(t);
}
END_TEST

/*
 * Privileged connections starve each other too (two toolstack processes
 * on one hot node): the protection holds back every other connection's
 * publishing requests, not only guests'.
 */
START_TEST(transaction_starved_by_another_dom0_client)
{
	struct gt *t = gt_start(NULL);

	gt_guest(t, 5);		/* the counter lives in its home */
	starved_rounds(t, gt_sock(t), COUNTER, "another dom0 connection");
	gt_finish(t);
}
END_TEST

/* The flooding guest: a child process writing the counter forever. */
static pid_t
start_flooder(struct gt *t, uint32_t domid)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct xensim *sim;
		struct xensim_guest *g;
		char dir[400], val[32];
		uint8_t buf[WIRE_MAX_MSG], rsp[XENSTORE_RING_SIZE];
		uint32_t id = 1;

		snprintf(dir, sizeof(dir), "%s/sim", gt_dir(t));
		if (xensim_open(dir, &sim) < 0 ||
		    xensim_guest_attach(sim, domid, NULL, &g) < 0)
			_exit(2);
		for (;;) {
			struct xenstore_domain_interface *intf =
			    xensim_guest_ring(g);
			size_t len;

			snprintf(val, sizeof(val), "f%u", id);
			len = write_msg(buf, id++, "data/counter", val);
			while (XENSTORE_RING_SIZE - (intf->req_prod -
			    intf->req_cons) < len) {
				/* drop the replies, wait for room */
				while (xensim_ring_read(intf, rsp,
				    sizeof(rsp)) > 0)
					xensim_guest_notify(g);
				if (xensim_guest_wait(g, 10) < 0)
					_exit(0);	/* domain gone */
			}
			if (xensim_ring_write(intf, buf, len) < 0)
				_exit(3);
			xensim_guest_notify(g);
			while (xensim_ring_read(intf, rsp, sizeof(rsp)) > 0)
				xensim_guest_notify(g);
		}
	}
	return pid;
}

START_TEST(transaction_against_a_flooding_guest)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *g;
	unsigned round, attempts, worst = 0, total = 0;
	pid_t flooder;
	int st;

	g = gt_guest(t, 5);
	ck_assert_str_eq(gt_write(g, 0, "data/counter", "0"), "OK");
	gt_detach(g);		/* the child is that guest from now on */
	flooder = start_flooder(t, 5);
	for (round = 0; round < 10; round++) {
		attempts = rmw_round(t, NULL, NULL);
		ck_assert_uint_le(attempts, PROTECT_AFTER + 1);
		if (attempts > worst)
			worst = attempts;
		total += attempts;
	}
	kill(flooder, SIGKILL);
	waitpid(flooder, &st, 0);
	fprintf(stderr, "fairness: flooded transaction: 10 rounds, %u "
	    "attempts in all, at most %u per round\n", total, worst);
	gt_finish(t);
}
END_TEST

/* ---- floods ---------------------------------------------------------------- */

#define PROBE_PATH "data/probe"

struct flood {
	struct gt_chan *c;
	bool reads;		/* takes its replies */
	const char *path;	/* what it writes */
	unsigned long sent;
	size_t window;		/* socket: requests ahead of replies */
	unsigned long replies;
	struct stream in;
	uint8_t out[64 * 1024];	/* socket: bytes not yet sent */
	size_t outlen;
};

/* Keep a flooder's ring (or socket) full and take what came back. */
static void
pump(struct flood *f)
{
	struct xsd_sockmsg h;
	char val[32];
	uint8_t buf[WIRE_MAX_MSG];

	if (f->c->ring) {
		struct xenstore_domain_interface *intf = gt_intf(f->c);
		bool wrote = false;

		for (;;) {
			size_t len;

			snprintf(val, sizeof(val), "%lu", f->sent);
			len = write_msg(buf, (uint32_t)f->sent, f->path, val);
			if (XENSTORE_RING_SIZE - (intf->req_prod -
			    intf->req_cons) < len)
				break;
			ck_assert_int_eq(xensim_ring_write(intf, buf, len),
			    (ssize_t)len);
			f->sent++;
			wrote = true;
		}
		if (wrote)
			gt_notify(f->c);
	} else {
		while (f->outlen + WIRE_MAX_MSG < sizeof(f->out) &&
		    f->sent - f->replies < f->window) {
			snprintf(val, sizeof(val), "%lu", f->sent);
			f->outlen += write_msg(f->out + f->outlen,
			    (uint32_t)f->sent, f->path, val);
			f->sent++;
		}
		while (f->outlen > 0) {
			ssize_t n = send(f->c->fd, f->out, f->outlen,
			    MSG_DONTWAIT | MSG_NOSIGNAL);

			if (n <= 0)
				break;
			memmove(f->out, f->out + n, f->outlen - (size_t)n);
			f->outlen -= (size_t)n;
		}
	}
	if (!f->reads)
		return;
	while (stream_read(f->c, &f->in) > 0)
		while (stream_next(&f->in, &h))
			if (h.type != XS_WATCH_EVENT)
				f->replies++;
}

struct probe {
	struct gt_chan *c;
	const char *path;
	uint32_t next_id;
	struct stream in;
};

/* Send one READ and pump the floods until its answer comes. */
static void
probe_once(struct probe *p, struct flood *fl, size_t nfl)
{
	uint8_t buf[WIRE_MAX_MSG];
	uint32_t id = p->next_id++;
	int64_t end = gt_now_ms() + 4 * GT_REPLY_MS;
	struct xsd_sockmsg h;
	size_t i;

	send_all(p->c, buf, msg(buf, XS_READ, id, 0, p->path,
	    strlen(p->path) + 1));
	for (;;) {
		for (i = 0; i < nfl; i++)
			pump(&fl[i]);
		ck_assert_int_ge(stream_read(p->c, &p->in), 0);
		while (stream_next(&p->in, &h)) {
			if (h.type == XS_WATCH_EVENT)
				continue;
			ck_assert_uint_eq(h.req_id, id);
			ck_assert_uint_eq(h.type, XS_READ);
			return;
		}
		ck_assert_msg(gt_now_ms() < end, "probe %u starved", id);
	}
}

/*
 * The access log, as (conn, IN/OUT, req_id, flood?) lines in the order
 * the daemon handled them.
 */
struct tline {
	unsigned long conn;
	bool in;
	uint32_t id;
	int who;		/* 0 flood, 1 the guest probe, 2 dom0's probe */
};

static size_t
read_trace(const char *path, const char *guest_probe, const char *dom0_probe,
    struct tline **out)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t n = 0, cap = 0;
	struct tline *v = NULL;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *c = strstr(line, " conn "), dir[8], type[32];
		unsigned long conn;
		unsigned tx, id;
		int k = 0;
		char *body;

		if (c == NULL || sscanf(c, " conn %lu %7s %31s tx %u id %u %n",
		    &conn, dir, type, &tx, &id, &k) != 5 || k == 0)
			continue;
		body = c + k + 1;	/* after '(' */
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			v = realloc(v, cap * sizeof(*v));
			ck_assert_ptr_nonnull(v);
		}
		v[n].conn = conn;
		v[n].in = strcmp(dir, "IN") == 0;
		v[n].id = id;
		v[n].who = -1;
		if (v[n].in && strncmp(body, guest_probe,
		    strlen(guest_probe)) == 0)
			v[n].who = 1;
		else if (v[n].in && strncmp(body, dom0_probe,
		    strlen(dom0_probe)) == 0)
			v[n].who = 2;
		else if (v[n].in && (strncmp(body, "data/f ", 7) == 0 ||
		    strncmp(body, "/flood/f ", 9) == 0))
			v[n].who = 0;
		n++;
	}
	fclose(f);
	*out = v;
	return n;
}

/*
 * For each probe after the first of one prober (`who`): the flood
 * requests handled between the answer to its previous probe and this
 * probe.  Returns the largest; *sum gets the total, *count the probes.
 */
static unsigned long
flood_between(const struct tline *v, size_t n, int who,
    unsigned long *sum, unsigned long *count)
{
	unsigned long conn = 0, worst = 0;
	size_t i, last_out = 0;
	bool have_out = false;

	*sum = *count = 0;
	for (i = 0; i < n; i++)
		if (v[i].who == who) {
			conn = v[i].conn;
			break;
		}
	ck_assert_uint_ne(conn, 0);
	for (i = 0; i < n; i++) {
		if (v[i].conn != conn)
			continue;
		if (!v[i].in) {
			last_out = i;
			have_out = true;
		} else if (v[i].who == who && have_out) {
			unsigned long k = 0;
			size_t j;

			for (j = last_out + 1; j < i; j++)
				if (v[j].in && v[j].who == 0)
					k++;
			if (k > worst)
				worst = k;
			*sum += k;
			(*count)++;
		}
	}
	return worst;
}

/*
 * N flooding connections (made by `add_floods`), a normal guest (5) and
 * dom0 take turns with single READs.
 */
static void
flood_scenario(const char *name, size_t nrings, bool with_socket,
    const char *quota)
{
	struct gt *t = gt_start("-w", "watch-event=0", quota ? "-Q" : NULL,
	    quota, NULL);
	struct gt_chan *tool = gt_tool(t), *watcher, *normal;
	struct flood fl[16];
	struct probe guest = { NULL, PROBE_PATH, 1000, { { 0 }, 0 } };
	struct probe dom0 = { NULL, "/local/domain/5/" PROBE_PATH, 5000,
	    { { 0 }, 0 } };
	char trace[300], token[2001], home[64];
	struct report r0, r;
	struct tline *v;
	unsigned long worst_g, worst_d, sum_g, sum_d, cnt_g, cnt_d;
	unsigned long sent = 0, replies = 0, bound;
	size_t nfl = 0, i, n;
	int probes;

	memset(fl, 0, sizeof(fl));
	normal = gt_guest(t, 5);
	ck_assert_str_eq(gt_write(normal, 0, PROBE_PATH, "p"), "OK");
	guest.c = normal;
	dom0.c = gt_sock(t);
	/* The watcher: never reads; its watch covers flooder 10's node. */
	watcher = gt_guest(t, 20);
	for (i = 0; i < nrings; i++) {
		uint32_t domid = 10 + (uint32_t)i;

		fl[nfl].c = gt_guest(t, domid);
		fl[nfl].reads = i % 3 != 2;	/* every third never reads */
		fl[nfl].path = "data/f";
		if (domid == 10) {
			snprintf(home, sizeof(home), "/local/domain/%u/data",
			    domid);
			ck_assert_str_eq(gt_do(tool, XS_SET_PERMS, 0, home,
			    "n10", "r20", NULL), "OK");
		}
		nfl++;
	}
	if (with_socket) {
		struct gt_chan *s = gt_sock(t);

		gt_domain(t, 30, NULL);	/* exists: it may own nodes */
		ck_assert_str_eq(gt_do(tool, XS_MKDIR, 0, "/flood", NULL),
		    "OK");
		ck_assert_str_eq(gt_do(tool, XS_SET_PERMS, 0, "/flood", "n30",
		    NULL), "OK");
		ck_assert_str_eq(gt_do(s, XS_CONTROL, 0, "test-unpriv", "30",
		    NULL), "OK");
		fl[nfl].c = s;
		fl[nfl].reads = true;
		fl[nfl].path = "/flood/f";
		/*
		 * Always 128 requests ahead of its replies (four passes'
		 * worth): enough to be throttled every pass, few enough that
		 * what it has queued when a probe goes out is a count, not
		 * whatever the daemon gets through while the test process
		 * waits for the CPU.
		 */
		fl[nfl].window = 4 * PASS_REQUESTS;
		nfl++;
	}
	/* A long token: the watcher's queue reaches its bound quickly. */
	memset(token, 't', sizeof(token) - 1);
	token[sizeof(token) - 1] = '\0';
	ck_assert_str_eq(gt_do(watcher, XS_WATCH, 0, "/local/domain/10/data",
	    token, NULL), "OK");
	/* Fill the watcher's queue past its bound: 600 events of 2 KiB. */
	if (nrings > 0)
		for (i = 0; i < 600; i++)
			ck_assert_str_eq(gt_write(fl[0].c, 0, "data/f", "x"),
			    "OK");
	snprintf(trace, sizeof(trace), "%s/trace", gt_dir(t));
	memreport(t, &r0);
	ck_assert_str_eq(gt_do(tool, XS_CONTROL, 0, "logfile", trace, NULL),
	    "OK");
	for (probes = 0; probes < 100; probes++) {
		probe_once(&guest, fl, nfl);
		probe_once(&dom0, fl, nfl);
		if (probes % 10 == 9)
			gt_check(t);	/* under the floods */
	}
	ck_assert_str_eq(gt_do(tool, XS_CONTROL, 0, "log", "off", NULL),
	    "OK");
	memreport(t, &r);
	for (i = 0; i < nfl; i++) {
		sent += fl[i].sent;
		replies += fl[i].replies;
	}
	n = read_trace(trace, PROBE_PATH, dom0.path, &v);
	worst_g = flood_between(v, n, 1, &sum_g, &cnt_g);
	worst_d = flood_between(v, n, 2, &sum_d, &cnt_d);
	free(v);
	fprintf(stderr, "fairness: %s: %zu flooders, %lu flood requests "
	    "sent; flood requests handled between a probe's previous "
	    "answer and the probe: guest at most %lu (mean %.1f), dom0 at "
	    "most %lu (mean %.1f); busiest pass %llu requests, %llu of one "
	    "guest connection; passes %llu; queued output %llu (largest "
	    "guest queue %llu), input kept %llu\n", name, nfl, sent, worst_g,
	    cnt_g ? (double)sum_g / (double)cnt_g : 0.0, worst_d,
	    cnt_d ? (double)sum_d / (double)cnt_d : 0.0, r.busiest,
	    r.busiest_guest, r.passes - r0.passes, r.queued,
	    r.largest_guest, r.input);
	ck_assert_uint_eq(cnt_g, 99);
	ck_assert_uint_eq(cnt_d, 99);
	/*
	 * A probe waits at most two passes once its notification or data
	 * is in; each flooder has at most PASS_REQUESTS handled per pass.
	 * Before the probe goes out the test refills every flooder at most
	 * twice (a ring's worth, or the socket's window, is its backlog).
	 */
	bound = (unsigned long)nfl * 4 * PASS_REQUESTS +
	    (with_socket ? 2 * 4 * PASS_REQUESTS : 0) +
	    nrings * 2 * (XENSTORE_RING_SIZE / 16);
	ck_assert_uint_le(worst_g, bound);
	ck_assert_uint_le(worst_d, bound);
	ck_assert_uint_le(r.busiest_guest, PASS_REQUESTS);
	ck_assert_uint_le(r.busiest, (nfl + 2) * PASS_REQUESTS);
	/*
	 * No busy loop: a pass needs something to do, and the test's
	 * writes, reads (each notifies at most once) and probes are all
	 * there is.
	 */
	ck_assert_uint_le(r.passes - r0.passes, 2 * (sent + replies) + 1000);
	/* the watcher's queue reached its bound and stayed within it */
	if (nrings > 0)
		ck_assert_uint_ge(r.largest_guest, EVENTS_QUEUE_LIMIT);
	ck_assert_uint_le(r.largest_guest, GUEST_OUT_MAX);
	ck_assert_uint_le(r.queued, (nfl + 2) * GUEST_OUT_MAX);
	/* the floods were served too (no one was shut out) */
	for (i = 0; i < nfl; i++)
		if (fl[i].reads)
			ck_assert_uint_gt(fl[i].replies, 0);
	gt_finish(t);
}

/*
 * A guest that never reads its replies, with more requests waiting in its
 * ring: it is stalled (its outstanding quota), and an idle daemon must
 * not spin over it.  Counted: the loop passes while nothing happens.
 */
START_TEST(idle_with_a_guest_that_never_reads)
{
	struct gt *t = gt_start(NULL);
	struct gt_chan *g = gt_guest(t, 5);
	uint8_t buf[WIRE_MAX_MSG];
	char big[501];
	struct report r1, r2;
	unsigned long long prev;
	int64_t end = gt_now_ms() + 4 * GT_REPLY_MS;
	uint32_t id;

	memset(big, 'v', 500);
	big[500] = '\0';
	ck_assert_str_eq(gt_write(g, 0, "data/x", big), "OK");
	/*
	 * 40 READs of 516-byte answers, none read: one answer fits in the
	 * ring, the rest of the requests stay in the ring once the daemon
	 * stops reading it.  It stops at the outstanding quota (20 answers
	 * waiting) when it took many requests in one read, or earlier, once
	 * 4 ring sizes of output wait (RING_BACKLOG in transport_ring.c),
	 * when it served the ring while the requests were still coming in:
	 * which one depends on timing.  Stalled: over the backlog bound and
	 * no longer growing.
	 */
	for (id = 1; id <= 40; id++)
		send_all(g, buf, msg(buf, XS_READ, id, 0, "data/x", 7));
	memset(&r1, 0, sizeof(r1));
	do {
		prev = r1.largest_guest;
		ck_assert_msg(gt_now_ms() < end, "the guest never stalled "
		    "(%llu bytes queued for it)", r1.largest_guest);
		gt_sleep_ms(20);
		memreport(t, &r1);
	} while (r1.largest_guest < RING_BACKLOG ||
	    r1.largest_guest != prev);
	gt_sleep_ms(500);
	memreport(t, &r2);
	fprintf(stderr, "fairness: idle: %llu loop passes in 500 ms with a "
	    "stalled guest (%llu bytes queued for it)\n",
	    r2.passes - r1.passes, r2.largest_guest);
	/* the memreport requests themselves, the once-a-second timer */
	ck_assert_uint_le(r2.passes - r1.passes, 20);
	gt_finish(t);
}
END_TEST

START_TEST(ring_floods)
{
	flood_scenario("6 ring flooders", 6, false, NULL);
}
END_TEST

START_TEST(socket_flood)
{
	flood_scenario("1 unprivileged socket flooder", 1, true, NULL);
}
END_TEST

/* Without the outstanding quota only the per-pass budget holds them. */
START_TEST(floods_without_outstanding_quota)
{
	flood_scenario("6 ring flooders and a socket, no outstanding quota",
	    6, true, "outstanding=0");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fairness");
	TCase *tc = tcase_create("fairness");
	SRunner *sr;
	int failed;

	signal(SIGPIPE, SIG_IGN);
	tcase_add_checked_fixture(tc, NULL, gt_teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, transaction_starved_by_a_guest);
	tcase_add_test(tc, transaction_starved_by_another_dom0_client);
	tcase_add_test(tc, transaction_against_a_flooding_guest);
	tcase_add_test(tc, idle_with_a_guest_that_never_reads);
	tcase_add_test(tc, ring_floods);
	tcase_add_test(tc, socket_flood);
	tcase_add_test(tc, floods_without_outstanding_quota);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
