/*
 * checker.c: see checker.h.  Each check_* function below owns one family
 * of invariants and reports every problem it finds (not just the first)
 * through problem(), naming the object: a path, a domain, a connection.
 * Pointers are only followed once they are known to be live (a watch's
 * connection is looked up among the daemon's connections first), so a
 * corrupted registry is reported, not dereferenced.
 */
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
#include "persist.h"
#include "ring_conn.h"
#include "txn.h"

struct dom_count {
	const struct domain *d;
	unsigned nconns, watches, txns, outstanding;
	unsigned long watch_bytes, queued_bytes;
};

struct check {
	struct xsd *x;
	check_report_fn *fn;
	void *arg;
	unsigned problems;
	/* every connection (live and closed), sorted by address */
	const struct conn **conns;
	size_t nconns;
	/* every domain record with its recount, sorted by address */
	struct dom_count *doms;
	size_t ndoms, capdoms, founddoms;
	size_t watches;		/* on the connections' lists */
};

static void
problem(struct check *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
problem(struct check *k, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (k->problems++ >= CHECK_REPORT_MAX || k->fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	k->fn(k->arg, buf);
}

static int
ptr_cmp(const void *a, const void *b)
{
	const void *pa = *(const void *const *)a;
	const void *pb = *(const void *const *)b;

	return pa < pb ? -1 : pa > pb;
}

/* Is c one of the daemon's connections (live or closed, not freed)? */
static bool
known_conn(const struct check *k, const struct conn *c)
{
	return c != NULL && bsearch(&c, k->conns, k->nconns,
	    sizeof(k->conns[0]), ptr_cmp) != NULL;
}

static struct dom_count *
known_dom(const struct check *k, const struct domain *d)
{
	return d == NULL ? NULL : bsearch(&d, k->doms, k->ndoms,
	    sizeof(k->doms[0]), ptr_cmp);
}

/* ---- the tree ---------------------------------------------------------- */

static void
check_tree(struct check *k)
{
	struct store *st = &k->x->store;
	struct trie_acct recount;
	char why[512];
	size_t i, j;
	int rc;

	rc = trie__check(st->cx, st->root, why, sizeof(why));
	if (rc == -ENOMEM)
		problem(k, "tree: no memory to walk it");
	else if (rc < 0)
		problem(k, "tree: %s", why);
	trie_acct_init(&recount, st->cx);
	if (trie_acct_recount(st->cx, st->root, &recount) < 0) {
		problem(k, "tree: no memory to recount the accounting");
		trie_acct_fini(&recount);
		return;
	}
	/* Both directions: an owner counted on one side only is wrong too. */
	for (i = 0; i < recount.n; i++) {
		const struct trie_acct_entry *a = &recount.e[i];
		struct trie_acct_entry b = trie_acct_get(&st->acct, a->owner);

		if (a->nodes != b.nodes || a->bytes != b.bytes)
			problem(k, "accounting: domain %u is charged %lld "
			    "nodes and %lld bytes, a recount of the tree "
			    "finds %lld and %lld", a->owner,
			    (long long)b.nodes, (long long)b.bytes,
			    (long long)a->nodes, (long long)a->bytes);
	}
	for (j = 0; j < st->acct.n; j++) {
		const struct trie_acct_entry *b = &st->acct.e[j];
		struct trie_acct_entry a = trie_acct_get(&recount, b->owner);

		if (a.nodes == 0 && a.bytes == 0 &&
		    (b->nodes != 0 || b->bytes != 0))
			problem(k, "accounting: domain %u is charged %lld "
			    "nodes and %lld bytes but owns no node",
			    b->owner, (long long)b->nodes,
			    (long long)b->bytes);
	}
	trie_acct_fini(&recount);
	for (i = 0; i < SPECIAL_COUNT; i++)
		if (st->special[i].n == 0 || st->special[i].p == NULL)
			problem(k, "special path %zu has no owner entry", i);
}

/* Every node reference the daemon holds, declared to libtrie's census. */
static void
check_references(struct check *k)
{
	struct trie_ctx *cx = k->x->store.cx;
	struct trie_census *cs;
	char why[TRIE_PATH_MAX + 256];
	size_t i;
	int rc;

	if (trie__census_new(cx, &cs) < 0) {
		problem(k, "references: no memory for the census");
		return;
	}
	rc = trie__census_root(cs, k->x->store.root);
	if (rc == 0)
		rc = trie__census_root(cs, persist_held_root(k->x));
	for (i = 0; rc == 0 && i < k->nconns; i++) {
		const struct txn *t;

		TAILQ_FOREACH(t, &k->conns[i]->txns, link)
			if (t->tx != NULL && rc == 0)
				rc = trie__census_txn(cs, t->tx);
	}
	if (rc == 0)
		rc = trie__census_check(cs, why, sizeof(why));
	if (rc == -EIO)
		problem(k, "references: %s", why);
	else if (rc < 0)
		problem(k, "references: no memory for the census");
	trie__census_free(cs);
}

/* ---- connections ------------------------------------------------------- */

/*
 * Queued output: whole messages, each within the protocol's size.  The
 * message being sent may have gone out in part -- even before a restart,
 * and then its start is not in the buffer at all -- so only its size is
 * known; those after it are parsed.
 */
static void
check_output(struct check *k, const struct conn *c)
{
	size_t off, n = 0;
	struct xsd_sockmsg h;

	if (c->outhead > c->outlen || c->outlen > c->outcap ||
	    c->out_safe > c->outlen) {
		problem(k, "conn %lu: output indexes out of order (head %zu, "
		    "safe %zu, len %zu, buffer %zu)", c->id, c->outhead,
		    c->out_safe, c->outlen, c->outcap);
		return;
	}
	if (c->outmsgs == 0) {
		if (c->outhead != c->outlen)
			problem(k, "conn %lu: %zu bytes queued but no message "
			    "counted", c->id, conn_out_pending(c));
		return;
	}
	if (c->outmsg > c->outhead || c->outhead >= c->outmsg_end ||
	    c->outmsg_end > c->outlen) {
		problem(k, "conn %lu: the message being sent [%zu, %zu) does "
		    "not hold the send position %zu", c->id, c->outmsg,
		    c->outmsg_end, c->outhead);
		return;
	}
	if (c->outmsg_end - c->outmsg > WIRE_MAX_MSG)
		problem(k, "conn %lu: the message being sent is %zu bytes "
		    "(at most %zu)", c->id, c->outmsg_end - c->outmsg,
		    (size_t)WIRE_MAX_MSG);
	n = 1;
	for (off = c->outmsg_end; off < c->outlen; off += WIRE_HDR + h.len) {
		if (off + WIRE_HDR > c->outlen) {
			problem(k, "conn %lu: output ends inside a header",
			    c->id);
			return;
		}
		memcpy(&h, c->out + off, WIRE_HDR);
		if (h.len > XENSTORE_PAYLOAD_MAX) {
			problem(k, "conn %lu: a message (type %u) with %u "
			    "bytes of payload queued (at most %u)", c->id,
			    h.type, h.len, XENSTORE_PAYLOAD_MAX);
			return;
		}
		n++;
	}
	if (off != c->outlen)
		problem(k, "conn %lu: the last queued message runs past the "
		    "output", c->id);
	else if (n != c->outmsgs)
		problem(k, "conn %lu: %zu messages queued, %u counted", c->id,
		    n, c->outmsgs);
}

static void
check_bounds(struct check *k, const struct conn *c)
{
	struct xsd *x = k->x;

	if (c->inlen > c->incap)
		problem(k, "conn %lu: %zu bytes of input in a %zu-byte buffer",
		    c->id, c->inlen, c->incap);
	if (c->inlen > CHECK_IN_MAX)
		problem(k, "conn %lu: %zu bytes of input kept (bound %zu)",
		    c->id, c->inlen, (size_t)CHECK_IN_MAX);
	if (!c->priv && conn_out_pending(c) > CHECK_GUEST_OUT_MAX)
		problem(k, "conn %lu (domain %u): %zu bytes of output queued "
		    "(bound %zu)", c->id, c->domid, conn_out_pending(c),
		    (size_t)CHECK_GUEST_OUT_MAX);
	if (!c->priv && c->pass == x->pass &&
	    c->pass_reqs > CONN_PASS_REQUESTS)
		problem(k, "conn %lu (domain %u): %u requests handled in this "
		    "pass (budget %u)", c->id, c->domid, c->pass_reqs,
		    CONN_PASS_REQUESTS);
}

static void
check_conn(struct check *k, const struct conn *c)
{
	const struct watch *w;
	const struct txn *t, *u;
	unsigned nw = 0, nt = 0;

	TAILQ_FOREACH(w, &c->watches, conn_link) {
		nw++;
		if (w->conn != c)
			problem(k, "conn %lu: its watch %s (%s) names another "
			    "connection", c->id, w->path, w->token);
		if (!watches_indexed(&k->x->watches, w))
			problem(k, "conn %lu: its watch %s (%s) is not in the "
			    "index", c->id, w->path, w->token);
	}
	k->watches += nw;
	if (nw != c->nwatches)
		problem(k, "conn %lu: %u watches listed, %u counted", c->id,
		    nw, c->nwatches);
	TAILQ_FOREACH(t, &c->txns, link) {
		nt++;
		if (t->id == 0 || t->tx == NULL)
			problem(k, "conn %lu: transaction %u is not usable",
			    c->id, t->id);
		for (u = TAILQ_NEXT(t, link); u != NULL;
		    u = TAILQ_NEXT(u, link))
			if (u->id == t->id)
				problem(k, "conn %lu: two transactions with id "
				    "%u", c->id, t->id);
	}
	if (nt != c->ntxns)
		problem(k, "conn %lu: %u transactions listed, %u counted",
		    c->id, nt, c->ntxns);
	if (c->closing && (nw > 0 || nt > 0))
		problem(k, "conn %lu: closed but still holds %u watches and %u "
		    "transactions", c->id, nw, nt);
	if (c->priv != (c->dom == NULL))
		problem(k, "conn %lu: %s but %s domain record", c->id,
		    c->priv ? "privileged" : "unprivileged",
		    c->dom ? "has a" : "has no");
	else if (c->dom != NULL && known_dom(k, c->dom) == NULL)
		problem(k, "conn %lu: its domain record is not tracked",
		    c->id);
	else if (c->dom != NULL && c->dom->domid != c->domid)
		problem(k, "conn %lu acts as domain %u but is counted for %u",
		    c->id, c->domid, c->dom->domid);
	if (c->stuck && (c->priv || c->closing))
		problem(k, "conn %lu: on the stuck list but %s", c->id,
		    c->priv ? "privileged" : "closed");
	if (c->deferred && (!c->stalled || c == k->x->protect))
		problem(k, "conn %lu: deferred but %s", c->id,
		    c->stalled ? "the protected one" : "not stalled");
	if (c->throttled && !c->closing && (!c->stalled || !c->ready))
		problem(k, "conn %lu: throttled but not %s", c->id,
		    !c->stalled ? "stalled" : "on the ready list");
	/* A stall ends on a kick (output to push), the ready list or the
	 * end of a protection: without any, nothing ever resumes it. */
	if (c->stalled && !c->closing && !c->ready && !c->deferred &&
	    conn_out_pending(c) == 0 && !conn_must_wait(c))
		problem(k, "conn %lu: stalled with nothing to wake it", c->id);
	check_output(k, c);
	check_bounds(k, c);
}

/* Walk a list of connections through `link`, checking membership. */
#define CHECK_LIST(k, head, field, flag, what) do {			\
	const struct conn *c_;						\
	size_t n_ = 0;							\
									\
	TAILQ_FOREACH(c_, (head), field) {				\
		if (!known_conn((k), c_)) {				\
			problem((k), "%s list: an entry is not a "	\
			    "connection", (what));			\
			break;						\
		}							\
		if (!c_->flag)						\
			problem((k), "conn %lu: on the %s list without " \
			    "its flag", c_->id, (what));		\
		n_++;							\
	}								\
	for (size_t i_ = 0; i_ < (k)->nconns; i_++)			\
		if ((k)->conns[i_]->flag)				\
			n_--;						\
	if (n_ != 0)							\
		problem((k), "%s list: the flags and the list differ",	\
		    (what));						\
} while (0)

static void
check_conns(struct check *k)
{
	struct xsd *x = k->x;
	const struct conn *c;
	size_t i, live = 0;

	TAILQ_FOREACH(c, &x->conns, link) {
		live++;
		if (c->closing)
			problem(k, "conn %lu: closed but on the live list",
			    c->id);
	}
	if (live != x->nconns)
		problem(k, "%zu live connections listed, %u counted", live,
		    x->nconns);
	TAILQ_FOREACH(c, &x->dead, link)
		if (!c->closing)
			problem(k, "conn %lu: on the closed list but not "
			    "closing", c->id);
	CHECK_LIST(k, &x->dirty, dirty_link, dirty, "dirty");
	CHECK_LIST(k, &x->stuck, stuck_link, stuck, "stuck");
	CHECK_LIST(k, &x->deferred, deferred_link, deferred, "deferred");
	CHECK_LIST(k, &x->ready, ready_link, ready, "ready");
	if (!TAILQ_EMPTY(&x->deferred) && x->protect == NULL)
		problem(k, "connections deferred with no protection to wait "
		    "for");
	if (x->protect != NULL && (!known_conn(k, x->protect) ||
	    x->protect->closing || !x->protect->priv))
		problem(k, "the protected connection is not a live privileged "
		    "one");
	for (i = 0; i < k->nconns; i++)
		check_conn(k, k->conns[i]);
}

/* ---- watches ----------------------------------------------------------- */

static void
indexed_watch(void *arg, struct watch *w)
{
	struct check *k = arg;
	const struct watch *v;

	if (!known_conn(k, w->conn)) {
		problem(k, "watch %s (%s): its connection is gone", w->path,
		    w->token);
		return;
	}
	TAILQ_FOREACH(v, &w->conn->watches, conn_link)
		if (v == w)
			return;
	problem(k, "watch %s (%s): indexed but not on conn %lu's list",
	    w->path, w->token, w->conn->id);
}

static void
check_watches(struct check *k)
{
	const struct watches *ws = &k->x->watches;

	if (watches_check(ws, k->watches) < 0)
		problem(k, "watch index: %zu indexed, %zu on connections, or "
		    "a watch hashed into the wrong chain", ws->count,
		    k->watches);
	watches_foreach(ws, indexed_watch, k);
}

/* ---- domains ----------------------------------------------------------- */

static void
collect_dom(void *arg, struct domain *d)
{
	struct check *k = arg;

	if (k->ndoms < k->capdoms)
		k->doms[k->ndoms++].d = d;
	k->founddoms++;
}

/* What the connections say each domain should count. */
static void
recount_domains(struct check *k)
{
	size_t i;

	for (i = 0; i < k->nconns; i++) {
		const struct conn *c = k->conns[i];
		struct dom_count *dc = known_dom(k, c->dom);
		const struct watch *w;

		if (dc == NULL)
			continue;
		dc->nconns++;
		dc->watches += c->nwatches;
		dc->txns += c->ntxns;
		dc->outstanding += c->outmsgs;
		dc->queued_bytes += conn_out_pending(c);
		TAILQ_FOREACH(w, &c->watches, conn_link)
			dc->watch_bytes += w->bytes;
	}
}

static void
check_domain(struct check *k, const struct dom_count *dc)
{
	const struct domain *d = dc->d;
	struct xsd *x = k->x;
	const struct conn *rc;

	if (d->nconns != dc->nconns || d->watches != dc->watches ||
	    d->watch_bytes != dc->watch_bytes || d->txns != dc->txns ||
	    d->outstanding != dc->outstanding ||
	    d->queued_bytes != dc->queued_bytes)
		problem(k, "domain %u counts %u connections, %u watches (%lu "
		    "bytes), %u transactions, %u outstanding, %lu bytes "
		    "queued; its connections have %u, %u (%lu), %u, %u, %lu",
		    d->domid, d->nconns, d->watches, d->watch_bytes, d->txns,
		    d->outstanding, d->queued_bytes, dc->nconns, dc->watches,
		    dc->watch_bytes, dc->txns, dc->outstanding,
		    dc->queued_bytes);
	if (d->conn != NULL && (!known_conn(k, d->conn) ||
	    d->conn->domid != d->domid || (d->conn->dom != d &&
	    !(d->conn->priv && d->conn->dom == NULL))))
		problem(k, "domain %u: its connection is not one of its own",
		    d->domid);
	rc = ring_conn_of(d);
	if (rc != NULL && (!known_conn(k, rc) || rc->closing ||
	    rc->domid != d->domid))
		problem(k, "domain %u: its ring's connection is not a live "
		    "one of its own", d->domid);
	if (d->introduced && d->dying)
		problem(k, "domain %u: introduced and dying", d->domid);
	if (d->dying && d->nconns == 0)
		problem(k, "domain %u: torn down, nothing refers to it, yet "
		    "not forgotten", d->domid);
	else if (x->xen != NULL && !d->introduced && d->nconns == 0 &&
	    d->domid != x->cfg.master_domid &&
	    !daemon_domain_exists(x, d->domid))
		problem(k, "domain %u: gone, nothing refers to it, yet its "
		    "record is kept", d->domid);
}

static void
check_domains(struct check *k)
{
	size_t i;

	recount_domains(k);
	for (i = 0; i < k->ndoms; i++)
		check_domain(k, &k->doms[i]);
}

/* ---- all --------------------------------------------------------------- */

static int
collect(struct check *k)
{
	struct xsd *x = k->x;
	const struct conn *c;
	size_t n = 0;

	TAILQ_FOREACH(c, &x->conns, link)
		n++;
	TAILQ_FOREACH(c, &x->dead, link)
		n++;
	k->conns = calloc(n ? n : 1, sizeof(k->conns[0]));
	k->capdoms = x->doms.count;
	k->doms = calloc(k->capdoms ? k->capdoms : 1, sizeof(k->doms[0]));
	if (k->conns == NULL || k->doms == NULL)
		return -ENOMEM;
	TAILQ_FOREACH(c, &x->conns, link)
		k->conns[k->nconns++] = c;
	TAILQ_FOREACH(c, &x->dead, link)
		k->conns[k->nconns++] = c;
	qsort(k->conns, k->nconns, sizeof(k->conns[0]), ptr_cmp);
	/* The table's own count is checked against a walk of it here. */
	domains_foreach(&x->doms, collect_dom, k);
	if (k->founddoms != x->doms.count)
		return -EIO;
	qsort(k->doms, k->ndoms, sizeof(k->doms[0]), ptr_cmp);
	return 0;
}

unsigned
check_all(struct xsd *x, check_report_fn *fn, void *arg)
{
	struct check k;
	char why[256];
	int rc;

	memset(&k, 0, sizeof(k));
	k.x = x;
	k.fn = fn;
	k.arg = arg;
	store_faults_pause(&x->store, true);
	check_tree(&k);
	rc = collect(&k);
	if (rc == -ENOMEM) {
		problem(&k, "no memory to check the connections");
	} else if (rc < 0) {
		problem(&k, "domain table: %zu records counted, %zu found",
		    x->doms.count, k.founddoms);
	} else {
		check_references(&k);	/* the transactions: on k.conns */
		check_conns(&k);
		check_watches(&k);
		check_domains(&k);
	}
	if (rings_check(x, why, sizeof(why)) < 0)
		problem(&k, "%s", why);
	free(k.conns);
	free(k.doms);
	store_faults_pause(&x->store, false);
	return k.problems;
}
