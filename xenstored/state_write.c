/*
 * state_write.c: the daemon's state as a record stream (state.h).  The
 * small state is expressed with the journal's own records, so recovery
 * applies a snapshot and a journal with the same code.
 */
#include <errno.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "journal.h"
#include "path.h"
#include "quota.h"
#include "ring_conn.h"
#include "state.h"
#include "store.h"
#include "txn.h"
#include "watch.h"

static void
meta(struct sbuf *b, uint64_t gen)
{
	size_t r = stream_begin(b, REC_PX_META);

	stream_u64(b, gen);
	stream_end(b, r);
}

/* DOMAIN_DATA: the domain's quota copy and features. */
static void
domain_data(struct sbuf *b, const struct domain *d)
{
	size_t r = stream_begin(b, REC_DOMAIN);
	int i;

	stream_u16(b, (uint16_t)d->domid);
	stream_u16(b, Q_COUNT + 1);
	stream_u32(b, d->features);
	for (i = 0; i < Q_COUNT; i++)
		stream_u32(b, d->quota.hard[i]);
	stream_u32(b, d->quota.soft[Q_MEMORY]);
	for (i = 0; i < Q_COUNT; i++)
		stream_str(b, quota_name(i));
	stream_str(b, "soft-memory");
	stream_end(b, r);
}

/* A ring connection's watches and open transactions. */
static void
ring_conn_state(struct sbuf *b, const struct domain *d, const struct conn *c)
{
	const struct watch *w;
	const struct txn *t;

	TAILQ_FOREACH(w, &c->watches, conn_link)
		j_watch(b, d->domid, w->depth, w->relative, w->relative ?
		    path_relative(w->path, d->domid) : w->path, w->token);
	TAILQ_FOREACH(t, &c->txns, link)
		j_domid2(b, REC_PX_J_TXN_OPEN, d->domid, t->id);
}

struct small {
	struct xsd *x;
	struct sbuf *b;
};

static void
one_domain(void *arg, struct domain *d)
{
	struct small *s = arg;
	const struct conn *c;

	if (d->dying)
		return;
	domain_data(s->b, d);
	if (!d->introduced || d->ring == NULL)
		return;
	j_introduce(s->b, d->domid, d->remote_port, d->gfn, d->features,
	    d->kva ? 1 : 0);
	if (d->target >= 0)
		j_domid2(s->b, REC_PX_J_TARGET, d->domid, (uint32_t)d->target);
	if (d->shutdown_reported)
		j_domid2(s->b, REC_PX_J_SHUTDOWN, d->domid, 1);
	c = ring_conn_of(d);
	if (c != NULL && !c->closing)
		ring_conn_state(s->b, d, c);
	ring_conn_sync(d, s->b);
}

void
state_write_small(struct xsd *x, struct sbuf *b, uint64_t gen)
{
	static const char *const specials[SPECIAL_COUNT] = {
		"@introduceDomain", "@releaseDomain",
	};
	struct small s = { x, b };
	int i;

	stream_preamble(b, STREAM_VERSION);
	meta(b, gen);
	for (i = 0; i < Q_COUNT; i++)
		j_quota(b, J_GLOBAL_QUOTA, (unsigned)i, false,
		    x->cfg.quota.hard[i]);
	j_quota(b, J_GLOBAL_QUOTA, Q_MEMORY, true, x->cfg.quota.soft[Q_MEMORY]);
	domains_foreach(&x->doms, one_domain, &s);
	for (i = 0; i < SPECIAL_COUNT; i++)
		j_perms(b, specials[i], x->store.special[i].p,
		    x->store.special[i].n);
}

static int
tree_visit(void *arg, const char *path, size_t pathlen,
    const struct trie_node *n)
{
	struct sbuf *b = arg;
	size_t vlen, np;
	const void *v = trie_node_value(n, &vlen);
	const struct trie_perm *p = trie_node_perms(n, &np);

	stream_node(b, path, pathlen, v, vlen, p, np);
	return b->err;
}

int
state_write_tree(const struct trie_node *root, struct sbuf *b)
{
	int rc = trie_walk_detached(root, tree_visit, b);

	return rc ? rc : b->err;
}

void
state_write_end(struct sbuf *b)
{
	stream_checksum(b);
	stream_end(b, stream_begin(b, REC_END));
}
