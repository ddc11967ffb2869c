/*
 * ops_txn.c: TRANSACTION_START and TRANSACTION_END.  The commit itself is
 * libtrie's (swap, graft or replay; EAGAIN only on a real conflict); this
 * adds the per-domain quotas, publishing and the watch events.
 */
#include <errno.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "events.h"
#include "persist.h"
#include "request.h"
#include "txn.h"

int
op_transaction_start(struct req *r)
{
	struct domain *d = r->c->dom;
	struct txn *t;
	int rc;

	if (r->txn != NULL)
		return -EBUSY;	/* no nesting */
	if (!r->who.priv && d != NULL &&
	    quota_exceeded(&d->quota, Q_TRANSACTIONS, d->txns + 1UL))
		return -ENOSPC;
	rc = txn_start(r->x->store.cx, r->c, r->x->store.root, &t);
	if (rc < 0)
		return rc;
	if (d != NULL)
		d->txns++;
	persist_txn(r->x, r->c, t->id, true);
	r->outlen = wire_put_uint(r->out, t->id);
	r->out[r->outlen++] = '\0';
	return 0;
}

/* Node quotas of every owner whose count a commit raises. */
static int
check_commit_quota(struct req *r, const struct trie_acct *delta)
{
	size_t i;

	if (r->who.priv)
		return 0;
	for (i = 0; i < delta->n; i++) {
		const struct trie_acct_entry *e = &delta->e[i];
		struct domain *d;
		struct trie_acct_entry use;

		if (e->nodes <= 0)
			continue;
		d = domain_find(&r->x->doms, e->owner);
		if (d == NULL)
			continue;
		use = store_usage(&r->x->store, e->owner);
		if (quota_exceeded(&d->quota, Q_NODES,
		    (unsigned long)(use.nodes + e->nodes)))
			return -ENOSPC;
	}
	return 0;
}

static int
commit(struct req *r, struct txn *t)
{
	struct xsd *x = r->x;
	struct trie_node *nr = NULL;
	enum trie_commit_how how;
	struct trie_log log;
	int rc;

	if (t->failed)	/* quota, allocation, or lost in a restart */
		return t->failed == -ENOSPC || t->failed == -EAGAIN ?
		    t->failed : -ENOMEM;
	trie_log_init(&log, x->store.cx);
	rc = trie_txn_commit(x->store.cx, t->tx, x->store.root, &log, &nr,
	    &how);
	if (rc == -EAGAIN)
		x->stats.eagain++;
	if (rc == 0)
		rc = check_commit_quota(r, &log.delta);
	if (rc == 0) {
		rc = store_publish(&x->store, nr, &log);
		nr = NULL;
	}
	if (rc == 0) {
		x->stats.commits[how]++;
		persist_commit(x, t->tx);
		events_fire_log(x, &log, true);
	}
	trie_unref(x->store.cx, nr);
	trie_log_fini(&log);
	return rc;
}

int
op_transaction_end(struct req *r)
{
	struct txn *t = r->txn;
	bool doit;
	int rc = 0;

	if (r->argc != 1 || (strcmp(r->argv[0], "T") != 0 &&
	    strcmp(r->argv[0], "F") != 0))
		return -EINVAL;
	if (t == NULL)
		return -ENOENT;
	doit = r->argv[0][0] == 'T';
	if (doit)
		rc = commit(r, t);
	if (r->who.priv) {
		/* XSA-206: starved privileged transactions get their turn */
		if (rc == -EAGAIN && ++r->c->eagain_streak >= PROTECT_AFTER)
			daemon_protect(r->x, r->c);
		else if (rc != -EAGAIN) {
			r->c->eagain_streak = 0;
			daemon_unprotect(r->x, r->c);
		}
	}
	persist_txn(r->x, r->c, t->id, false);
	txn_end(r->x->store.cx, r->c, t);
	if (r->c->dom != NULL)
		r->c->dom->txns--;
	return rc < 0 ? rc : req_ok(r);
}
