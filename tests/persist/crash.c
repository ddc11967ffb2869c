/*
 * crash.c: kill -9 at random moments under load, for each --fsync policy.
 *
 * Writers: simulated guests over their rings (raw ring requests, one in
 * flight at a time), dom0's own ring, and socket clients.  Each does
 * single writes, multi-node writes (a path four levels below an absent
 * node), removals of such subtrees, and three-node transactions.  Each
 * keeps, per key, the last value it got OK for (acknowledged) and the
 * value of a write whose outcome it does not know (in flight when the
 * daemon died).
 *
 * After each kill the state directory must pass xs-dump --verify; a
 * guest that had nothing in flight sends its next request into the ring
 * while the daemon is down.  After each restart:
 *   - every guest's in-flight request is answered (once: a reply to no
 *     request, or a second one, fails), without the guest doing anything
 *     (no reconnect, no notification), and its restored watch fires;
 *   - every acknowledged write is there; an unacknowledged one is there
 *     or not, never half: a multi-node write's nodes all or none, a
 *     transaction's three values equal;
 *   - CONTROL check passes (accounting equals a recount, watch index and
 *     counters consistent).
 * At the end the daemon is stopped with SIGTERM and must exit 0 (no leak
 * under ASan), and a clean restart must show the same state.
 *
 * usage: crash [POLICY...]   (default: none batch always)
 * PT_KILLS (default 10) kills per policy, PT_SEED replays.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pt.h"
#include "xensim.h"

#define NGUESTS 3
#define NSOCKS 2
#define NWRITERS (NGUESTS + 1 + NSOCKS)
#define NKEYS 12
#define DWIN 64			/* deep writes tracked per writer */
#define DLIVE 10		/* live deep subtrees before removing */
#define VAL 48
#define REPLY_WAIT_MS 30000	/* a restarted daemon answers within */
#define START_WAIT_MS 60000

enum op { OP_NONE, OP_WRITE, OP_DEEP, OP_RM, OP_TXN, OP_WATCH };
enum dstate { D_ABSENT, D_PRESENT, D_MAYBE_ADD, D_MAYBE_RM };

struct key {
	bool exists;
	char val[VAL];
	bool pend;		/* outcome unknown: maybe pval */
	char pval[VAL];
};

struct writer {
	int idx;
	bool guest;		/* ring (else socket) */
	unsigned domid;
	char name[16];
	char base[64];
	struct xensim_guest *g;
	int fd;			/* socket, -1 when not connected */
	struct pt_frame f;
	uint8_t out[XENSTORE_PAYLOAD_MAX + 16];
	size_t outlen, outoff;
	bool inflight;
	uint32_t req_id, next_id;
	uint64_t sent_at;
	/* the operation under way */
	enum op op;
	int step;
	uint32_t txid;
	int key;
	uint32_t n;
	char val[VAL];
	/* the model */
	struct key k[NKEYS];
	uint32_t dlo, dhi;
	uint8_t dst[DWIN];
	struct key t;		/* the transaction group's value */
	uint64_t seq;
	/* counters */
	unsigned long acked, eagain, answered_after_restart, events;
	unsigned long once_events;
};

static struct pt_rng rng;
static struct writer W[NWRITERS];
static struct pt_daemon D;
static struct xensim *sim;
static struct pt_sock adm;
static unsigned long total_inflight_at_kill, total_sent_while_down;

static void
reply_fail(struct writer *w, const struct pt_msg *m, const char *what)
{
	pt_die("%s: %s: unexpected reply type %u \"%.100s\" (op %d step %d)",
	    w->name, what, m->hdr.type, m->body, w->op, w->step);
}

/* --- sending --------------------------------------------------------- */

static void
send_req(struct writer *w, uint32_t type, uint32_t tx, const void *p,
    size_t len)
{
	PT_CHECK(!w->inflight && w->outoff == w->outlen, "%s: two requests",
	    w->name);
	w->req_id = w->next_id++;
	w->outlen = pt_encode(w->out, type, w->req_id, tx, p, len);
	w->outoff = 0;
	w->inflight = true;
	w->sent_at = pt_now_ms();
}

static void
send_write(struct writer *w, uint32_t tx, const char *path, const char *val)
{
	static char buf[XENSTORE_PAYLOAD_MAX];
	size_t pl = strlen(path) + 1, vl = strlen(val);

	PT_CHECK(pl + vl <= sizeof(buf), "request too big");
	memcpy(buf, path, pl);
	memcpy(buf + pl, val, vl);
	send_req(w, XS_WRITE, tx, buf, pl + vl);
}

/* Push pending request bytes into the ring or socket. */
static void
flush(struct writer *w)
{
	while (w->outoff < w->outlen) {
		ssize_t n;

		if (w->guest) {
			n = xensim_ring_write(xensim_guest_ring(w->g),
			    w->out + w->outoff, w->outlen - w->outoff);
			PT_CHECK(n >= 0, "%s: request ring corrupt", w->name);
			if (n == 0)
				return;
			w->outoff += (size_t)n;
			xensim_guest_notify(w->g);
		} else {
			if (w->fd < 0)
				return;
			n = send(w->fd, w->out + w->outoff,
			    w->outlen - w->outoff, MSG_NOSIGNAL |
			    MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			if (n <= 0) {
				close(w->fd);
				w->fd = -1;
				return;
			}
			w->outoff += (size_t)n;
		}
	}
}

/* --- operations ------------------------------------------------------ */

static uint32_t
dlive(const struct writer *w)
{
	uint32_t n, live = 0;

	for (n = w->dlo; n != w->dhi; n++)
		if (w->dst[n % DWIN] != D_ABSENT)
			live++;
	return live;
}

static void
start_op(struct writer *w)
{
	uint32_t r = pt_below(&rng, 100);
	char path[256];

	w->step = 0;
	snprintf(w->val, sizeof(w->val), "%s-%llu", w->name,
	    (unsigned long long)++w->seq);
	while (w->dlo != w->dhi && w->dst[w->dlo % DWIN] == D_ABSENT)
		w->dlo++;
	if (r < 45) {
		w->op = OP_WRITE;
		w->key = (int)pt_below(&rng, NKEYS);
		snprintf(path, sizeof(path), "%s/k%d", w->base, w->key);
		/* now and then a value that makes a big batch */
		if (!w->guest && pt_below(&rng, 8) == 0) {
			static char big[2100];

			memset(big, 'x', sizeof(big) - 1);
			memcpy(big, w->val, strlen(w->val));
			big[sizeof(big) - 1] = '\0';
			/* the model keeps the prefix; the length tells */
			memcpy(w->val, big, VAL - 1);
			w->val[VAL - 1] = '\0';
			send_write(w, 0, path, big);
		} else {
			send_write(w, 0, path, w->val);
		}
		w->k[w->key].pend = true;
		snprintf(w->k[w->key].pval, VAL, "%s", w->val);
	} else if (r < 65 && w->dhi - w->dlo < DWIN - 1) {
		w->op = OP_DEEP;
		w->n = w->dhi++;
		w->dst[w->n % DWIN] = D_MAYBE_ADD;
		snprintf(path, sizeof(path), "%s/d%u/a/b/c", w->base, w->n);
		snprintf(w->val, sizeof(w->val), "%u", w->n);
		send_write(w, 0, path, w->val);
	} else if (r < 75 && dlive(w) > DLIVE) {
		uint32_t n;

		for (n = w->dlo; n != w->dhi; n++)
			if (w->dst[n % DWIN] == D_PRESENT)
				break;
		if (n == w->dhi) {
			w->op = OP_NONE;
			return;
		}
		w->op = OP_RM;
		w->n = n;
		w->dst[n % DWIN] = D_MAYBE_RM;
		snprintf(path, sizeof(path), "%s/d%u", w->base, n);
		send_req(w, XS_RM, 0, path, strlen(path) + 1);
	} else {
		w->op = OP_TXN;
		send_req(w, XS_TRANSACTION_START, 0, "", 1);
	}
}

/* The next request of a multi-step operation, or the end of it. */
static void
next_step(struct writer *w)
{
	char path[256];

	if (w->op != OP_TXN || w->step > 4) {
		w->op = OP_NONE;
		return;
	}
	if (w->step >= 1 && w->step <= 3) {
		snprintf(path, sizeof(path), "%s/t/%c", w->base,
		    "abc"[w->step - 1]);
		send_write(w, w->txid, path, w->val);
	} else if (w->step == 4) {
		w->t.pend = true;
		snprintf(w->t.pval, VAL, "%s", w->val);
		send_req(w, XS_TRANSACTION_END, w->txid, "T", 2);
	}
}

static bool
is_ok(const struct pt_msg *m)
{
	return m->hdr.type != XS_ERROR && strcmp(m->body, "OK") == 0;
}

static void
on_reply(struct writer *w, const struct pt_msg *m)
{
	w->inflight = false;
	w->outoff = w->outlen = 0;
	switch (w->op) {
	case OP_WRITE:
		if (!is_ok(m))
			reply_fail(w, m, "write");
		w->k[w->key].exists = true;
		snprintf(w->k[w->key].val, VAL, "%s", w->val);
		w->k[w->key].pend = false;
		w->acked++;
		w->op = OP_NONE;
		return;
	case OP_DEEP:
		if (!is_ok(m))
			reply_fail(w, m, "multi-node write");
		w->dst[w->n % DWIN] = D_PRESENT;
		w->acked++;
		w->op = OP_NONE;
		return;
	case OP_RM:
		if (!is_ok(m))
			reply_fail(w, m, "rm");
		w->dst[w->n % DWIN] = D_ABSENT;
		w->acked++;
		w->op = OP_NONE;
		return;
	case OP_WATCH:
		if (!is_ok(m))
			reply_fail(w, m, "watch");
		w->op = OP_NONE;
		return;
	case OP_TXN:
		break;
	default:
		reply_fail(w, m, "no operation under way");
	}
	if (w->step == 0) {
		char *end;
		unsigned long id;

		if (m->hdr.type != XS_TRANSACTION_START)
			reply_fail(w, m, "transaction start");
		id = strtoul(m->body, &end, 10);
		if (*end != '\0' || id == 0)
			reply_fail(w, m, "transaction id");
		w->txid = (uint32_t)id;
	} else if (w->step <= 3) {
		if (!is_ok(m))
			reply_fail(w, m, "write in a transaction");
	} else {
		if (m->hdr.type == XS_ERROR && strcmp(m->body, "EAGAIN") == 0) {
			w->t.pend = false;	/* not committed */
			w->eagain++;
		} else if (is_ok(m)) {
			w->t.exists = true;
			snprintf(w->t.val, VAL, "%s", w->t.pval);
			w->t.pend = false;
			w->acked++;
		} else {
			reply_fail(w, m, "commit");
		}
	}
	w->step++;
	next_step(w);
}

static void
on_msg(struct writer *w, const struct pt_msg *m, bool restarted)
{
	if (m->hdr.type == XS_WATCH_EVENT) {
		size_t pl = strlen(m->body);

		w->events++;
		if (pl < m->hdr.len && strcmp(m->body + pl + 1, "once") == 0)
			w->once_events++;
		return;
	}
	if (!w->inflight || m->hdr.req_id != w->req_id)
		pt_die("%s: reply %u (type %u \"%.60s\") to no request in "
		    "flight (expected %s%u): answered twice?", w->name,
		    m->hdr.req_id, m->hdr.type, m->body, w->inflight ? "" :
		    "none, last ", w->req_id);
	if (restarted)
		w->answered_after_restart++;
	on_reply(w, m);
}

/* Read what the daemon sent; handle whole messages. */
static void
receive(struct writer *w, bool restarted)
{
	uint8_t buf[4096];
	struct pt_msg m;
	int rc;

	for (;;) {
		ssize_t n;

		if (w->guest) {
			xensim_guest_consume(w->g);
			n = xensim_ring_read(xensim_guest_ring(w->g), buf,
			    sizeof(buf));
			PT_CHECK(n >= 0, "%s: response ring corrupt", w->name);
			if (n > 0)
				xensim_guest_notify(w->g);
		} else {
			if (w->fd < 0)
				return;
			n = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				n = 0;
			else if (n <= 0) {
				close(w->fd);
				w->fd = -1;
				return;
			}
		}
		if (n == 0)
			return;
		PT_CHECK(pt_frame_put(&w->f, buf, (size_t)n),
		    "%s: reply stream overflows", w->name);
		while ((rc = pt_frame_get(&w->f, &m)) == 1)
			on_msg(w, &m, restarted);
		PT_CHECK(rc == 0, "%s: garbled reply stream", w->name);
	}
}

/* --- running ----------------------------------------------------------- */

static void
pump(int wait_ms, bool restarted)
{
	struct pollfd pf[NWRITERS];
	int i, n = 0;

	for (i = 0; i < NWRITERS; i++) {
		struct writer *w = &W[i];
		int fd = w->guest ? xensim_guest_fd(w->g) : w->fd;

		if (fd >= 0) {
			pf[n].fd = fd;
			pf[n].events = POLLIN;
			pf[n].revents = 0;
			n++;
		}
	}
	poll(pf, (nfds_t)n, wait_ms);
	for (i = 0; i < NWRITERS; i++) {
		receive(&W[i], restarted);
		flush(&W[i]);
	}
}

/*
 * Run the writers for `ms`; with `quiet`, the guests start nothing new in
 * the last 50 ms (so that they are idle when the daemon dies and send
 * their next request while it is down).
 */
static void
load(unsigned ms, bool quiet)
{
	uint64_t end = pt_now_ms() + ms;
	int i;

	while (pt_now_ms() < end) {
		bool hush = quiet && pt_now_ms() + 50 > end;

		for (i = 0; i < NWRITERS; i++) {
			struct writer *w = &W[i];

			if ((!w->guest && w->fd < 0) || (w->guest && hush))
				continue;
			if (!w->inflight && w->op == OP_NONE)
				start_op(w);
			flush(w);
		}
		pump(2, false);
	}
}

static void
connect_sockets(void)
{
	int i;

	for (i = NGUESTS + 1; i < NWRITERS; i++) {
		struct writer *w = &W[i];
		struct pt_sock s;

		PT_CHECK(pt_sock_open(&s, D.sock, 5000) == 0,
		    "cannot connect to %s", D.sock);
		w->fd = s.fd;
		w->f.len = 0;
		w->next_id = 1;
	}
}

/* After a kill: sockets lose what was in flight (outcome unknown). */
static void
sockets_lost(void)
{
	int i;

	for (i = NGUESTS + 1; i < NWRITERS; i++) {
		struct writer *w = &W[i];

		if (w->fd >= 0)
			close(w->fd);
		w->fd = -1;
		w->inflight = false;
		w->outlen = w->outoff = 0;
		w->f.len = 0;
		if (w->op == OP_DEEP)
			w->dst[w->n % DWIN] = D_MAYBE_ADD;
		w->op = OP_NONE;	/* a transaction dies with it */
	}
}

/* --- checking ---------------------------------------------------------- */

static int
get(const char *path, char *buf, size_t cap)
{
	size_t len;
	int rc = pt_xs_read(&adm, 0, path, buf, cap, &len);

	PT_CHECK(rc == 0 || rc == -ENOENT, "read %s: %s", path,
	    strerror(-rc));
	return rc;
}

/* Is `have` the value `want` stands for?  Big values carry the name. */
static bool
same(const char *have, const char *want)
{
	size_t n = strlen(want);

	return strncmp(have, want, n) == 0 && (have[n] == '\0' ||
	    (n == VAL - 1 && strlen(have) == 2099));
}

static void
verify_key(struct writer *w, struct key *k, const char *path, bool exists,
    const char *have)
{
	bool ok_acked = exists == k->exists && (!exists || same(have, k->val));
	bool ok_pend = k->pend && exists && same(have, k->pval);

	if (!ok_acked && !ok_pend)
		pt_die("%s: %s is %s%s%s; acknowledged: %s%s%s%s%s%s", w->name,
		    path, exists ? "\"" : "absent", exists ? have : "",
		    exists ? "\"" : "", k->exists ? "\"" : "absent",
		    k->exists ? k->val : "", k->exists ? "\"" : "",
		    k->pend ? ", maybe \"" : "", k->pend ? k->pval : "",
		    k->pend ? "\"" : "");
	if (ok_pend && !ok_acked) {
		k->exists = true;
		snprintf(k->val, VAL, "%s", k->pval);
	}
	k->pend = false;
}

static void
verify_writer(struct writer *w)
{
	static char buf[4200], buf2[4200];
	char path[256];
	uint32_t n;
	int j;

	for (j = 0; j < NKEYS; j++) {
		int rc;

		snprintf(path, sizeof(path), "%s/k%d", w->base, j);
		rc = get(path, buf, sizeof(buf));
		verify_key(w, &w->k[j], path, rc == 0, buf);
	}
	for (n = w->dlo; n != w->dhi; n++) {
		uint8_t *st = &w->dst[n % DWIN];
		bool top, leaf;
		char want[16];

		snprintf(path, sizeof(path), "%s/d%u", w->base, n);
		top = get(path, buf, sizeof(buf)) == 0;
		snprintf(path, sizeof(path), "%s/d%u/a/b/c", w->base, n);
		leaf = get(path, buf2, sizeof(buf2)) == 0;
		snprintf(want, sizeof(want), "%u", n);
		if (top && (!leaf || strcmp(buf2, want) != 0))
			pt_die("%s: %s/d%u half there: %s missing or wrong "
			    "(state %u)", w->name, w->base, n, path, *st);
		if (*st == D_PRESENT && !top)
			pt_die("%s: acknowledged %s is gone", w->name, path);
		if (*st == D_ABSENT && top)
			pt_die("%s: %s/d%u, removed with OK, is back",
			    w->name, w->base, n);
		*st = top ? D_PRESENT : D_ABSENT;
	}
	{
		char v[3][4200];
		int rc[3];

		for (j = 0; j < 3; j++) {
			snprintf(path, sizeof(path), "%s/t/%c", w->base,
			    "abc"[j]);
			rc[j] = get(path, v[j], sizeof(v[j]));
		}
		if (rc[0] != rc[1] || rc[1] != rc[2] || (rc[0] == 0 &&
		    (strcmp(v[0], v[1]) != 0 || strcmp(v[1], v[2]) != 0)))
			pt_die("%s: transaction half applied: t/a %s, t/b %s, "
			    "t/c %s", w->name, rc[0] ? "absent" : v[0],
			    rc[1] ? "absent" : v[1], rc[2] ? "absent" : v[2]);
		snprintf(path, sizeof(path), "%s/t/*", w->base);
		verify_key(w, &w->t, path, rc[0] == 0, v[0]);
	}
}

/* Guests' requests in flight are answered with no help from them. */
static void
wait_guests(const unsigned long *once_before)
{
	uint64_t end = pt_now_ms() + REPLY_WAIT_MS;
	int i;

	for (;;) {
		bool done = true;

		for (i = 0; i <= NGUESTS; i++) {
			struct writer *w = &W[i];

			if (w->inflight || (i < NGUESTS &&
			    w->once_events == once_before[i]))
				done = false;
		}
		if (done)
			return;
		if (pt_now_ms() > end) {
			for (i = 0; i <= NGUESTS; i++)
				if (W[i].inflight || (i < NGUESTS &&
				    W[i].once_events == once_before[i]))
					pt_die("%s: %s after the restart "
					    "(waited %d ms)", W[i].name,
					    W[i].inflight ? "request not "
					    "answered" : "restored watch did "
					    "not fire", REPLY_WAIT_MS);
		}
		pump(5, true);
	}
}

static void
verify_all(const char *when)
{
	int i;

	for (i = 0; i < NWRITERS; i++)
		verify_writer(&W[i]);
	pt_check_daemon(&adm, &D);
	(void)when;
}

static void
xsdump_verify(void)
{
	const char *argv[] = { pt_prog("PT_XSDUMP"), "--verify", D.state,
		NULL };
	char out[PT_PATH + 32];
	int rc;

	snprintf(out, sizeof(out), "%s/xs-dump.out", D.sim);
	rc = pt_run(argv, out, 60000);
	if (rc != 0) {
		uint8_t *o;
		size_t len;

		if (read_whole_file(out, &o, &len) == 0) {
			fwrite(o, 1, len, stderr);
			free(o);
		}
		pt_die("xs-dump --verify %s after a kill: status %d", D.state,
		    rc);
	}
}

/*
 * With PT_CORPUS_OUT set: the state files after a kill (up to 64 KiB)
 * go there, as seeds for the fuzz targets' corpus.
 */
static void
corpus_out(const char *state, const char *policy, int k)
{
	const char *out = getenv("PT_CORPUS_OUT");
	unsigned g;

	if (out == NULL || out[0] == '\0')
		return;
	for (g = 0; g < 64; g++) {
		char from[PT_PATH + 64], to[PT_PATH + 64];
		uint8_t *data;
		size_t len;

		if (g == 0)
			snprintf(from, sizeof(from), "%s/snapshot", state);
		else
			snprintf(from, sizeof(from), "%s/journal.%u", state,
			    g - 1);
		if (read_whole_file(from, &data, &len) < 0)
			continue;
		snprintf(to, sizeof(to), "%s/%s-kill%d-%s", out, policy, k,
		    strrchr(from, '/') + 1);
		if (len <= 65536)
			pt_spit(to, data, len);
		free(data);
	}
}

/* --- set-up ------------------------------------------------------------ */

static void
adm_open(void)
{
	PT_CHECK(pt_sock_open(&adm, D.sock, 5000) == 0, "connect %s", D.sock);
}

static void
setup_writers(void)
{
	int i, rc;

	for (i = 0; i < NWRITERS; i++) {
		struct writer *w = &W[i];

		memset(w, 0, sizeof(*w));
		w->idx = i;
		w->fd = -1;
		w->next_id = 1;
		if (i < NGUESTS) {
			struct xensim_domain_params p;
			struct xensim_domain dom;
			char buf[128], perm[16];

			xensim_domain_params_init(&p);
			rc = xensim_domain_create(sim, &p, &dom);
			PT_CHECK(rc == 0, "xensim_domain_create: %s",
			    strerror(-rc));
			w->guest = true;
			w->domid = dom.domid;
			snprintf(w->name, sizeof(w->name), "guest%u",
			    dom.domid);
			snprintf(w->base, sizeof(w->base),
			    "/local/domain/%u/data", dom.domid);
			rc = pt_xs_write(&adm, 0, w->base, "", 0);
			PT_CHECK(rc == 0, "mkdir %s", w->base);
			snprintf(perm, sizeof(perm), "n%u", dom.domid);
			snprintf(buf, sizeof(buf), "%s", w->base);
			{
				char pl[256];
				size_t a = strlen(buf) + 1;
				struct pt_msg m;

				memcpy(pl, buf, a);
				memcpy(pl + a, perm, strlen(perm) + 1);
				rc = pt_sock_req(&adm, XS_SET_PERMS, 0, pl,
				    a + strlen(perm) + 1, &m, 10000);
				PT_CHECK(rc == 0 && m.hdr.type != XS_ERROR,
				    "set perms %s", w->base);
			}
			{
				char pl[128];
				int n = snprintf(pl, sizeof(pl), "%u%c%llu%c%u",
				    dom.domid, 0, (unsigned long long)dom.gfn,
				    0, dom.port);
				struct pt_msg m;

				rc = pt_sock_req(&adm, XS_INTRODUCE, 0, pl,
				    (size_t)n + 1, &m, 10000);
				PT_CHECK(rc == 0 && m.hdr.type != XS_ERROR,
				    "introduce %u: %s", dom.domid, m.body);
			}
			rc = xensim_guest_attach(sim, dom.domid, NULL, &w->g);
			PT_CHECK(rc == 0, "attach %u: %s", dom.domid,
			    strerror(-rc));
		} else if (i == NGUESTS) {
			w->guest = true;
			w->domid = 0;
			snprintf(w->name, sizeof(w->name), "dom0ring");
			snprintf(w->base, sizeof(w->base), "/dom0ring");
			rc = xensim_guest_attach(sim, 0, NULL, &w->g);
			PT_CHECK(rc == 0, "attach dom0: %s", strerror(-rc));
		} else {
			snprintf(w->name, sizeof(w->name), "sock%d",
			    i - NGUESTS - 1);
			snprintf(w->base, sizeof(w->base), "/sock%d",
			    i - NGUESTS - 1);
		}
	}
	/* A watch on a path nothing writes: its event after a restart is
	 * the restored watch's. */
	for (i = 0; i < NGUESTS; i++) {
		struct writer *w = &W[i];
		char pl[128];
		size_t a;
		uint64_t end = pt_now_ms() + REPLY_WAIT_MS;

		snprintf(pl, sizeof(pl), "%s/none", w->base);
		a = strlen(pl) + 1;
		memcpy(pl + a, "once", 5);
		send_req(w, XS_WATCH, 0, pl, a + 5);
		w->op = OP_WATCH;
		while (w->inflight && pt_now_ms() < end) {
			flush(w);
			pump(5, false);
		}
		PT_CHECK(!w->inflight, "%s: WATCH not answered", w->name);
	}
}

static void
run_policy(const char *policy, int kills)
{
	char dir[PT_PATH], simdir[PT_PATH + 8], state[PT_PATH + 8];
	const char *args[] = { "--fsync", policy, NULL };
	unsigned long once[NGUESTS];
	int k, i, rc;
	uint64_t t0 = pt_now_ms();

	total_inflight_at_kill = total_sent_while_down = 0;
	pt_tmpdir(dir, sizeof(dir), "crash");
	snprintf(simdir, sizeof(simdir), "%s/sim", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	rc = xensim_create(simdir, &sim);
	PT_CHECK(rc == 0, "xensim_create %s: %s", simdir, strerror(-rc));
	pt_daemon_init(&D, simdir, state);
	pt_daemon_start(&D, true, args, START_WAIT_MS);
	adm_open();
	setup_writers();
	connect_sockets();
	for (k = 0; k < kills; k++) {
		unsigned ms = 20 + pt_below(&rng, 380);

		load(ms, pt_below(&rng, 3) == 0);
		for (i = 0; i < NWRITERS; i++)
			total_inflight_at_kill += W[i].inflight;
		pt_daemon_kill(&D);
		pt_sock_close(&adm);
		sockets_lost();
		xsdump_verify();
		{
			/* what the restart recovers from, kept for a post
			 * mortem */
			char keep[PT_PATH + 16];

			snprintf(keep, sizeof(keep), "%s/state.at-kill", dir);
			pt_rmtree(keep);
			pt_copydir(D.state, keep);
			corpus_out(keep, policy, k);
		}
		/* guests go on: their next request waits in the ring */
		for (i = 0; i <= NGUESTS; i++) {
			struct writer *w = &W[i];

			if (!w->inflight && w->op == OP_NONE) {
				start_op(w);
				flush(w);
				total_sent_while_down++;
			}
			if (i < NGUESTS)
				once[i] = w->once_events;
		}
		pt_daemon_start(&D, true, args, START_WAIT_MS);
		adm_open();
		wait_guests(once);
		verify_all("after a restart");
		connect_sockets();
	}
	/* A clean stop and start keep everything too. */
	load(100, false);
	for (i = 0; i < NWRITERS; i++) {
		uint64_t end = pt_now_ms() + REPLY_WAIT_MS;

		while (W[i].inflight && pt_now_ms() < end)
			pump(5, false);
		PT_CHECK(!W[i].inflight, "%s: no reply", W[i].name);
		/* a transaction left open is lost with a socket: fine */
	}
	pt_sock_close(&adm);
	pt_daemon_stop(&D, 30000);
	sockets_lost();
	for (i = 0; i < NGUESTS; i++)
		once[i] = W[i].once_events;
	pt_daemon_start(&D, true, args, START_WAIT_MS);
	adm_open();
	wait_guests(once);
	verify_all("after a clean restart");
	pt_sock_close(&adm);
	pt_daemon_stop(&D, 30000);
	{
		unsigned long acked = 0, eagain = 0, after = 0;

		for (i = 0; i < NWRITERS; i++) {
			acked += W[i].acked;
			eagain += W[i].eagain;
			after += W[i].answered_after_restart;
		}
		pt_note("--fsync %s: %d kills in %.1f s: %lu writes "
		    "acknowledged, %lu commits EAGAIN, %lu guest requests "
		    "answered after a restart (%lu in flight at kills, %lu "
		    "sent while down)", policy, kills,
		    (double)(pt_now_ms() - t0) / 1000.0, acked, eagain, after,
		    total_inflight_at_kill, total_sent_while_down);
		PT_CHECK(acked > 0 && after > 0, "the load did nothing");
	}
	for (i = 0; i <= NGUESTS; i++)
		xensim_guest_detach(&W[i].g);
	xensim_close(&sim);
	pt_rmtree(dir);
}

int
main(int argc, char **argv)
{
	static const char *const dflt[] = { "none", "batch", "always" };
	const char *e = getenv("PT_KILLS");
	int kills = e ? atoi(e) : 10, i;

	pt_set_name("crash");
	pt_rng_init(&rng, pt_seed());
	if (kills < 1)
		kills = 1;
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			run_policy(argv[i], kills);
	} else {
		for (i = 0; i < 3; i++)
			run_policy(dflt[i], kills);
	}
	pt_note("OK");
	return 0;
}
