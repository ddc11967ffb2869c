/*
 * check_invariants.c: unit tests of the invariant checker (checker.c) and
 * of the per-pass request budget it enforces.
 *
 * A daemon is built in-process (daemon_init: store, watch index, domain
 * table; connections over a test transport; no Xen) and driven
 * through conn_input and daemon_before_sleep, as the real transports do.
 * Each test first checks that the state the handlers built passes, then
 * corrupts one invariant by hand (the fields are plain memory here: no
 * hook is compiled into the daemon), checks that the checker names it,
 * and repairs it so that teardown frees a consistent daemon.
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "events.h"
#include "loop.h"
#include "trie_internal.h"
#include "txn.h"

static struct xsd *x;
static bool peer_reads = true;	/* does the test transport drain output? */

/* The last reply each connection got (events are counted, not kept). */
struct seen {
	const struct conn *c;
	uint32_t type;
	char body[XENSTORE_PAYLOAD_MAX + 1];
	unsigned replies, events;
};
static struct seen seen[16];

static struct seen *
seen_of(const struct conn *c)
{
	size_t i;

	for (i = 0; i < 16; i++)
		if (seen[i].c == c || seen[i].c == NULL) {
			seen[i].c = c;
			return &seen[i];
		}
	ck_abort_msg("too many connections");
	return NULL;
}

static void
t_kick(struct conn *c)
{
	struct seen *s = seen_of(c);

	if (!peer_reads)
		return;
	while (conn_out_sendable(c) >= WIRE_HDR) {
		struct xsd_sockmsg h;

		memcpy(&h, c->out + c->outhead, WIRE_HDR);
		ck_assert_uint_le(h.len, XENSTORE_PAYLOAD_MAX);
		if (h.type == XS_WATCH_EVENT) {
			s->events++;
		} else {
			s->replies++;
			s->type = h.type;
			memcpy(s->body, c->out + c->outhead + WIRE_HDR, h.len);
			s->body[h.len] = '\0';
		}
		conn_out_consumed(c, WIRE_HDR + h.len);
	}
	conn_sent(c, true);
	if (c->stalled)
		conn_resume(c);
}

static const struct conn_ops t_ops = { "test", t_kick, NULL, NULL };

static void
setup(void)
{
	char *argv[] = { "pxenstored", "-N", "--test-hooks", NULL };

	x = calloc(1, sizeof(*x));
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(config_parse(&x->cfg, 3, argv, stdout, stderr), 0);
	log_init(&x->log, LOG_DEST_STDERR, NULL, false);
	ck_assert_int_eq(daemon_init(x, 99), 0);
	memset(seen, 0, sizeof(seen));
	peer_reads = true;
}

static void
teardown(void)
{
	daemon_fini(x);
	config_fini(&x->cfg);
	free(x);
	x = NULL;
}

/* ---- driving the daemon ------------------------------------------------ */

static struct conn *
new_conn(unsigned domid, bool priv)
{
	struct conn *c = conn_new(x, &t_ops, NULL, domid, priv);

	ck_assert_ptr_nonnull(c);
	return c;
}

/* One loop pass's end: output pushed, closed connections freed. */
static void
pass(void)
{
	daemon_before_sleep(x);
}

/* Frame a request from NUL-terminated strings (NULL ends the list). */
static size_t
frame(uint8_t *buf, uint32_t type, uint32_t tx, va_list ap)
{
	struct xsd_sockmsg h = { type, 1, tx, 0 };
	const char *s;
	size_t len = WIRE_HDR;

	while ((s = va_arg(ap, const char *)) != NULL) {
		size_t n = strlen(s) + 1;

		memcpy(buf + len, s, n);
		len += n;
	}
	h.len = (uint32_t)(len - WIRE_HDR);
	memcpy(buf, &h, WIRE_HDR);
	return len;
}

/* Send one request, end the pass, return the reply ("ERR x" on error). */
static const char *
req(struct conn *c, uint32_t type, uint32_t tx, ...)
{
	static char out[XENSTORE_PAYLOAD_MAX + 8];
	uint8_t buf[WIRE_MAX_MSG];
	struct seen *s = seen_of(c);
	unsigned before = s->replies;
	va_list ap;
	size_t len;

	va_start(ap, tx);
	len = frame(buf, type, tx, ap);
	va_end(ap);
	ck_assert_int_eq(conn_input(c, buf, len), 0);
	pass();
	ck_assert_uint_eq(s->replies, before + 1);
	snprintf(out, sizeof(out), "%s%s", s->type == XS_ERROR ? "ERR " : "",
	    s->body);
	return out;
}

static const char *
write_(struct conn *c, uint32_t tx, const char *path, const char *val)
{
	uint8_t buf[WIRE_MAX_MSG];
	struct xsd_sockmsg h = { XS_WRITE, 1, tx, 0 };
	struct seen *s = seen_of(c);
	unsigned before = s->replies;
	size_t pl = strlen(path) + 1, vl = strlen(val);
	static char out[XENSTORE_PAYLOAD_MAX + 8];

	h.len = (uint32_t)(pl + vl);
	memcpy(buf, &h, WIRE_HDR);
	memcpy(buf + WIRE_HDR, path, pl);
	memcpy(buf + WIRE_HDR + pl, val, vl);
	ck_assert_int_eq(conn_input(c, buf, WIRE_HDR + h.len), 0);
	pass();
	ck_assert_uint_eq(s->replies, before + 1);
	snprintf(out, sizeof(out), "%s%s", s->type == XS_ERROR ? "ERR " : "",
	    s->body);
	return out;
}

/* ---- the checker's verdict --------------------------------------------- */

static char report[16384];

static void
collect(void *arg, const char *problem)
{
	size_t l = strlen(report);

	(void)arg;
	snprintf(report + l, sizeof(report) - l, "%s\n", problem);
}

static unsigned
run_check(void)
{
	report[0] = '\0';
	return check_all(x, collect, NULL);
}

#define ck_clean() do {							\
	unsigned n_ = run_check();					\
	ck_assert_msg(n_ == 0, "%u problems:\n%s", n_, report);		\
} while (0)

/* At least one problem, and one of them mentions every fragment. */
static void
ck_found_(int line, const char *a, const char *b)
{
	unsigned n = run_check();
	const char *l;

	ck_assert_msg(n > 0, "line %d: nothing found (expected '%s')", line,
	    a);
	for (l = report; *l != '\0'; l = strchr(l, '\n') + 1) {
		const char *e = strchr(l, '\n');
		char one[1024];

		snprintf(one, sizeof(one), "%.*s", (int)(e - l), l);
		if (strstr(one, a) != NULL && (b == NULL ||
		    strstr(one, b) != NULL))
			return;
	}
	ck_abort_msg("line %d: no problem mentions '%s'%s%s:\n%s", line, a,
	    b ? " and " : "", b ? b : "", report);
}
#define ck_found(a) ck_found_(__LINE__, (a), NULL)
#define ck_found2(a, b) ck_found_(__LINE__, (a), (b))

/* ---- a populated daemon ------------------------------------------------ */

static struct conn *dom0, *g5, *g6;
static uint32_t g5_tx, dom0_tx;

/*
 * dom0 (a privileged socket) and two guests (5, 6: unprivileged
 * connections); guest 5 owns a home with a large directory, watches it,
 * has a transaction with a write in it; dom0 watches / and has a
 * transaction too.
 */
static void
populate(void)
{
	char p[64];
	int i;

	dom0 = new_conn(0, true);
	g5 = new_conn(5, false);
	g6 = new_conn(6, false);
	ck_assert_str_eq(req(dom0, XS_MKDIR, 0, "/local/domain/5", NULL),
	    "OK");
	ck_assert_str_eq(req(dom0, XS_SET_PERMS, 0, "/local/domain/5", "n5",
	    NULL), "OK");
	ck_assert_str_eq(write_(g5, 0, "/local/domain/5/a", "x"), "OK");
	for (i = 0; i < 40; i++) {
		snprintf(p, sizeof(p), "/local/domain/5/big/k%d", i);
		ck_assert_str_eq(write_(g5, 0, p, "v"), "OK");
	}
	ck_assert_str_eq(req(g5, XS_WATCH, 0, "/local/domain/5", "tok",
	    NULL), "OK");
	ck_assert_str_eq(req(dom0, XS_WATCH, 0, "/", "all", NULL), "OK");
	g5_tx = (uint32_t)atoi(req(g5, XS_TRANSACTION_START, 0, "", NULL));
	ck_assert_uint_gt(g5_tx, 0);
	ck_assert_str_eq(write_(g5, g5_tx, "/local/domain/5/a", "in-tx"),
	    "OK");
	dom0_tx = (uint32_t)atoi(req(dom0, XS_TRANSACTION_START, 0, "",
	    NULL));
	ck_assert_str_eq(req(dom0, XS_READ, dom0_tx, "/local/domain/5/a",
	    NULL), "x");
	ck_assert_uint_gt(seen_of(dom0)->events, 0);
	ck_clean();
}

static struct trie_node *
node_at(const char *path)
{
	const struct trie_node *n = trie_get(x->store.cx, x->store.root,
	    path);

	ck_assert_ptr_nonnull(n);
	return (struct trie_node *)(uintptr_t)n;
}

/* ---- the tree ---------------------------------------------------------- */

START_TEST(tree_structure)
{
	struct trie_node *n;

	populate();
	n = node_at("/local/domain/5");
	n->kidnames++;
	ck_found2("tree: /local/domain/5", "child-name length");
	n->kidnames--;
	ck_clean();
}
END_TEST

START_TEST(reference_counts)
{
	struct trie_node *n;

	populate();
	n = node_at("/local/domain/5/a");
	n->refs++;
	ck_found2("references: /local/domain/5/a", "leaked");
	n->refs -= 2;
	ck_found2("references: /local/domain/5/a", "freed while in use");
	n->refs++;
	ck_clean();
}
END_TEST

START_TEST(unreachable_nodes)
{
	struct trie_node *held;

	populate();
	/* a root nobody declares any more: what only it holds is lost */
	held = trie_ref(x->store.root);
	ck_assert_str_eq(write_(dom0, 0, "/local/domain/5/a", "y"), "OK");
	ck_found("references: ");
	trie_unref(x->store.cx, held);
	ck_clean();
}
END_TEST

START_TEST(accounting)
{
	size_t i;

	populate();
	for (i = 0; i < x->store.acct.n; i++)
		if (x->store.acct.e[i].owner == 5)
			break;
	ck_assert_uint_lt(i, x->store.acct.n);
	x->store.acct.e[i].nodes++;
	ck_found2("accounting: domain 5 is charged", "recount");
	x->store.acct.e[i].nodes--;
	x->store.acct.e[i].bytes += 3;
	ck_found2("accounting: domain 5", "bytes");
	x->store.acct.e[i].bytes -= 3;
	ck_clean();
}
END_TEST

/* ---- domains ----------------------------------------------------------- */

/* Each per-domain counter in turn, one off. */
START_TEST(domain_counters)
{
	struct domain *d;
	unsigned *u[4];
	unsigned long *ul[2];
	int i;

	populate();
	d = g5->dom;
	u[0] = &d->nconns;
	u[1] = &d->watches;
	u[2] = &d->txns;
	u[3] = &d->outstanding;
	ul[0] = &d->watch_bytes;
	ul[1] = &d->queued_bytes;
	for (i = 0; i < 4; i++) {
		(*u[i])++;
		ck_found2("domain 5 counts", "its connections have");
		(*u[i])--;
	}
	for (i = 0; i < 2; i++) {
		(*ul[i])++;
		ck_found2("domain 5 counts", "its connections have");
		(*ul[i])--;
	}
	ck_clean();
}
END_TEST

START_TEST(domain_records)
{
	struct domain *d9;

	populate();
	/* torn down with nothing referring to it: should be forgotten */
	d9 = daemon_track(x, 9);
	ck_assert_ptr_nonnull(d9);
	ck_clean();
	d9->dying = true;
	ck_found("domain 9: torn down, nothing refers to it");
	d9->dying = false;
	d9->introduced = true;
	d9->dying = true;
	ck_found("domain 9: introduced and dying");
	d9->introduced = d9->dying = false;
	/* its connection must be its own */
	d9->conn = g6;
	ck_found("domain 9: its connection is not one of its own");
	d9->conn = NULL;
	x->doms.count++;
	ck_found("domain table: ");
	x->doms.count--;
	ck_clean();
}
END_TEST

/* ---- connections ------------------------------------------------------- */

START_TEST(closed_connection_state)
{
	struct conn *g7 = NULL;

	populate();
	/* closing drops its watches and transaction: nothing left */
	ck_assert_str_eq(req(g6, XS_WATCH, 0, "/local", "t6", NULL), "OK");
	ck_assert_str_eq(req(g6, XS_TRANSACTION_START, 0, "", NULL), "1");
	conn_close(g6, "test");
	ck_assert_uint_eq(g6->nwatches, 0);
	ck_assert_uint_eq(g6->ntxns, 0);
	ck_clean();
	/* one that kept a watch */
	g7 = new_conn(7, false);
	conn_close(g7, "test");
	ck_assert_int_eq(watches_add(&x->watches, g7, &g7->watches, "/x",
	    "t", false, -1), 0);
	g7->nwatches++;
	g7->dom->watches++;
	g7->dom->watch_bytes += TAILQ_FIRST(&g7->watches)->bytes;
	ck_found2("closed but still holds 1 watches", "0 transactions");
	conn_reset(g7);
	ck_clean();
	pass();
	g6 = NULL;
	ck_clean();
}
END_TEST

START_TEST(oversized_message)
{
	static char big[5000];

	populate();
	peer_reads = false;
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(conn_queue(g5, XS_READ, 1, 0, big, sizeof(big)), 0);
	ck_found2("the message being sent is 5016 bytes", "at most 4112");
	ck_assert_int_eq(conn_queue(g5, XS_READ, 2, 0, big, sizeof(big)), 0);
	ck_found2("with 5000 bytes of payload", "at most 4096");
	conn_out_consumed(g5, conn_out_pending(g5));	/* never sent */
	peer_reads = true;
	pass();
	ck_clean();
}
END_TEST

START_TEST(queue_bounds)
{
	static char ev[4000];
	struct conn *g7;
	size_t n = 0;

	populate();
	peer_reads = false;
	g7 = new_conn(7, false);
	memset(ev, 'e', sizeof(ev));
	/* events past the cap events.c keeps to (the checker's bound) */
	while (conn_out_pending(g7) <= CHECK_GUEST_OUT_MAX) {
		ck_assert_int_eq(conn_queue(g7, XS_WATCH_EVENT, 0, 0, ev,
		    sizeof(ev)), 0);
		n++;
	}
	ck_found2("(domain 7): ", "bytes of output queued (bound");
	peer_reads = true;
	pass();
	ck_clean();
	/* input kept beyond one read of the daemon's buffer */
	g5->in = realloc(g5->in, CHECK_IN_MAX + 1);
	ck_assert_ptr_nonnull(g5->in);
	g5->incap = CHECK_IN_MAX + 1;
	g5->inlen = CHECK_IN_MAX + 1;
	ck_found("bytes of input kept (bound");
	g5->inlen = 0;
	ck_clean();
	ck_assert_uint_gt(n, 0);
}
END_TEST

START_TEST(message_counts)
{
	populate();
	peer_reads = false;
	ck_assert_int_eq(conn_queue(g5, XS_READ, 1, 0, "ok", 3), 0);
	ck_assert_int_eq(conn_queue(g5, XS_READ, 2, 0, "ok", 3), 0);
	g5->outmsgs++;
	g5->dom->outstanding++;
	ck_found2("conn ", "2 messages queued, 3 counted");
	g5->outmsgs--;
	g5->dom->outstanding--;
	g5->outmsg_end += 2;	/* the rest misparsed */
	ck_found2("conn ", "payload queued");
	g5->outmsg_end -= 2;
	g5->outlen--;		/* the last message cut short */
	g5->dom->queued_bytes--;
	ck_found("runs past the output");
	g5->outlen++;
	g5->dom->queued_bytes++;
	peer_reads = true;
	pass();
	ck_clean();
}
END_TEST

START_TEST(lists_and_flags)
{
	populate();
	g5->stuck = true;
	ck_found("stuck list: the flags and the list differ");
	g5->stuck = false;
	g6->dirty = true;
	ck_found("dirty list: the flags and the list differ");
	g6->dirty = false;
	/* deferred with no protection to wait for */
	g6->deferred = true;
	g6->stalled = true;
	TAILQ_INSERT_TAIL(&x->deferred, g6, deferred_link);
	ck_found("connections deferred with no protection");
	TAILQ_REMOVE(&x->deferred, g6, deferred_link);
	g6->deferred = false;
	/* stalled, nothing queued, not waiting for anything */
	ck_found("conn ");
	ck_found2("stalled with nothing to wake it", "");
	g6->stalled = false;
	/* the protected connection must be privileged */
	x->protect = g5;
	ck_found("the protected connection is not a live privileged one");
	/* ... and never waits for itself */
	x->protect = dom0;
	dom0->deferred = true;
	dom0->stalled = true;
	TAILQ_INSERT_TAIL(&x->deferred, dom0, deferred_link);
	ck_found("deferred but the protected one");
	TAILQ_REMOVE(&x->deferred, dom0, deferred_link);
	dom0->deferred = false;
	dom0->stalled = false;
	x->protect = NULL;
	/* a privileged connection has no domain record */
	dom0->dom = g5->dom;
	ck_found("conn ");
	ck_found2("privileged but has a domain record", "");
	dom0->dom = NULL;
	ck_clean();
}
END_TEST

START_TEST(transactions)
{
	struct txn *t;
	uint32_t id;

	populate();
	id = (uint32_t)atoi(req(g5, XS_TRANSACTION_START, 0, "", NULL));
	t = txn_find(g5, id);
	ck_assert_ptr_nonnull(t);
	t->id = g5_tx;
	ck_found2("two transactions with id", "");
	t->id = id;
	g5->ntxns++;
	ck_found("transactions listed, ");
	g5->ntxns--;
	ck_clean();
	ck_assert_str_eq(req(g5, XS_TRANSACTION_END, id, "F", NULL), "OK");
	ck_assert_str_eq(req(dom0, XS_TRANSACTION_END, dom0_tx, "T", NULL),
	    "OK");
	ck_assert_str_eq(req(g5, XS_TRANSACTION_END, g5_tx, "T", NULL), "OK");
	ck_clean();
}
END_TEST

/* ---- watches ----------------------------------------------------------- */

/* Take w out of its hash chain only (the index loses it). */
static void
unhash(struct watch *w)
{
	struct watch **pp = &x->watches.bucket[w->hash &
	    (x->watches.nbucket - 1)];

	while (*pp != w)
		pp = &(*pp)->hnext;
	*pp = w->hnext;
	x->watches.count--;
}

static void
rehash(struct watch *w)
{
	struct watch **pp = &x->watches.bucket[w->hash &
	    (x->watches.nbucket - 1)];

	w->hnext = *pp;
	*pp = w;
	x->watches.count++;
}

START_TEST(watch_index)
{
	struct watch *w;

	populate();
	w = TAILQ_FIRST(&g5->watches);
	ck_assert_ptr_nonnull(w);
	unhash(w);
	ck_found2("watch /local/domain/5 (tok) is not in the index", "");
	ck_found("watch index: ");
	rehash(w);
	ck_clean();
	/* indexed for one connection, listed on another */
	w->conn = g6;
	ck_found("names another connection");
	ck_found2("indexed but not on conn", "");
	w->conn = g5;
	/* hashed into the wrong chain */
	unhash(w);
	w->hash++;
	rehash(w);
	ck_found("watch index: ");
	unhash(w);
	w->hash--;
	rehash(w);
	ck_clean();
}
END_TEST

/* ---- the per-pass budget ----------------------------------------------- */

/* n READs of one node in one chunk of input, as one ring read brings. */
static void
burst(struct conn *c, unsigned n)
{
	static uint8_t buf[64 * 1024];
	size_t len = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		struct xsd_sockmsg h = { XS_READ, i + 1, 0, 0 };
		const char *p = "/local/domain/5/a";

		h.len = (uint32_t)strlen(p) + 1;
		memcpy(buf + len, &h, WIRE_HDR);
		memcpy(buf + len + WIRE_HDR, p, h.len);
		len += WIRE_HDR + h.len;
	}
	ck_assert_int_eq(conn_input(c, buf, len), 0);
}

START_TEST(budget_per_pass)
{
	struct seen *s;
	unsigned passes = 0;

	populate();
	/* no outstanding quota: only the budget stops it */
	g5->dom->quota.hard[Q_OUTSTANDING] = 0;
	s = seen_of(g5);
	s->replies = 0;
	burst(g5, 100);
	ck_assert_uint_eq(g5->pass_reqs, CONN_PASS_REQUESTS);
	ck_assert(g5->throttled && g5->stalled && g5->ready);
	ck_assert_uint_gt(g5->inlen, 0);
	ck_clean();
	/* a privileged connection is not throttled */
	burst(dom0, 100);
	ck_assert_uint_eq(dom0->pass_reqs, 100);
	ck_assert(!dom0->throttled);
	while (s->replies < 100) {
		unsigned before = s->replies;

		pass();
		ck_clean();
		ck_assert_uint_le(s->replies - before, CONN_PASS_REQUESTS);
		ck_assert_uint_lt(++passes, 10);
	}
	ck_assert_uint_eq(g5->inlen, 0);
	ck_assert(!g5->throttled && !g5->stalled);
	ck_assert_uint_le(x->stats.max_conn_pass_requests,
	    CONN_PASS_REQUESTS);
	/* every request handled, in order: the last reply is the 100th */
	ck_assert_str_eq(s->body, "x");
	ck_clean();
}
END_TEST

/* A guest past its outstanding quota resumes in the next pass. */
START_TEST(resume_is_deferred_to_the_next_pass)
{
	struct seen *s;

	populate();
	peer_reads = false;
	burst(g5, 30);
	/* 20 replies unread: stalled by the outstanding quota */
	ck_assert_uint_eq(g5->outmsgs, 20);
	ck_assert(g5->stalled && !g5->throttled);
	ck_clean();
	peer_reads = true;
	s = seen_of(g5);
	s->replies = 0;
	pass();			/* the kick drains and resumes: no request */
	ck_assert_uint_eq(s->replies, 20);
	/* still paused (its transport too) until the kept input is taken */
	ck_assert(g5->stalled && g5->ready && g5->inlen > 0);
	ck_clean();
	pass();			/* the next pass handles the rest */
	pass();
	ck_assert_uint_eq(s->replies, 30);
	ck_assert_uint_eq(g5->inlen, 0);
	ck_clean();
}
END_TEST

/*
 * Restored as ring_conn_restore does it (output saved at the outstanding
 * quota, then the input kept behind it): the connection takes no request
 * until its peer reads, although it was never stalled in this process.
 */
START_TEST(restored_at_its_quota)
{
	uint8_t out[20 * (WIRE_HDR + 3)];
	struct conn *g7;
	size_t i;

	populate();
	peer_reads = false;
	g7 = new_conn(7, false);
	for (i = 0; i < 20; i++) {
		struct xsd_sockmsg h = { XS_WRITE, (uint32_t)i, 0, 3 };

		memcpy(out + i * (WIRE_HDR + 3), &h, WIRE_HDR);
		memcpy(out + i * (WIRE_HDR + 3) + WIRE_HDR, "OK", 3);
	}
	ck_assert_int_eq(conn_restore_output(g7, out, sizeof(out), 0), 0);
	ck_assert_uint_eq(g7->outmsgs, 20);
	ck_assert(!g7->stalled);
	burst(g7, 3);
	ck_assert_uint_eq(g7->outmsgs, 20);	/* nothing answered */
	ck_assert(g7->stalled && g7->inlen > 0);
	ck_clean();
	peer_reads = true;
	t_kick(g7);			/* the peer reads: resumed */
	pass();
	pass();
	ck_assert_uint_eq(seen_of(g7)->replies, 20 + 3);
	ck_clean();
}
END_TEST

/* Two connections of one domain: the domain's counts are their sums. */
START_TEST(outstanding_is_a_sum)
{
	struct conn *a, *b;

	populate();
	peer_reads = false;
	a = new_conn(8, false);
	b = new_conn(8, false);
	ck_assert_ptr_eq(a->dom, b->dom);
	ck_assert_int_eq(conn_queue(a, XS_READ, 1, 0, "1", 2), 0);
	ck_assert_int_eq(conn_queue(b, XS_READ, 1, 0, "2", 2), 0);
	ck_assert_int_eq(conn_queue(b, XS_READ, 2, 0, "3", 2), 0);
	ck_assert_uint_eq(a->dom->outstanding, 3);
	ck_clean();
	conn_close(b, "test");
	pass();
	ck_assert_uint_eq(a->dom->outstanding, 1);
	ck_clean();
	peer_reads = true;
	t_kick(a);		/* the peer reads */
	ck_assert_uint_eq(a->dom->outstanding, 0);
	ck_clean();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("invariants");
	TCase *tc = tcase_create("checker");
	TCase *tb = tcase_create("budget");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tree_structure);
	tcase_add_test(tc, reference_counts);
	tcase_add_test(tc, unreachable_nodes);
	tcase_add_test(tc, accounting);
	tcase_add_test(tc, domain_counters);
	tcase_add_test(tc, domain_records);
	tcase_add_test(tc, closed_connection_state);
	tcase_add_test(tc, oversized_message);
	tcase_add_test(tc, queue_bounds);
	tcase_add_test(tc, message_counts);
	tcase_add_test(tc, lists_and_flags);
	tcase_add_test(tc, transactions);
	tcase_add_test(tc, watch_index);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tb, setup, teardown);
	tcase_set_timeout(tb, 60);
	tcase_add_test(tb, budget_per_pass);
	tcase_add_test(tb, resume_is_deferred_to_the_next_pass);
	tcase_add_test(tb, outstanding_is_a_sum);
	tcase_add_test(tb, restored_at_its_quota);
	suite_add_tcase(s, tb);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
