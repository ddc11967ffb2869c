/*
 * state_write.c: the daemon's state as a record stream (state.h).  The
 * small state is expressed with the journal's own records, so recovery
 * applies a snapshot and a journal with the same code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "journal.h"
#include "path.h"
#include "perms.h"
#include "quota.h"
#include "ring_conn.h"
#include "state.h"
#include "store.h"
#include "txn.h"
#include "transport_unix.h"
#include "watch.h"
#include "xen.h"
#include "xs_wire_ext.h"

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

/*
 * A copy of p with the ACL entries that no longer count marked stale, or
 * NULL when none needs marking (or on ENOMEM: *err).
 */
typedef bool alive_fn(const void *arg, unsigned domid, uint64_t gen);

static struct trie_perm *
mark_dead(const struct trie_perm *p, size_t np, uint64_t gen, alive_fn *alive,
    const void *arg, int *err)
{
	struct trie_perm *c = NULL;
	size_t i;

	for (i = 1; i < np; i++) {
		if ((p[i].flags & PERM_F_STALE) || p[i].id == DOMID_ANY ||
		    alive(arg, p[i].id, gen))
			continue;
		if (c == NULL) {
			c = malloc(np * sizeof(*c));
			if (c == NULL) {
				*err = -ENOMEM;
				return NULL;
			}
			memcpy(c, p, np * sizeof(*c));
		}
		c[i].flags |= PERM_F_STALE;
	}
	return c;
}

static bool
daemon_alive(const void *arg, unsigned domid, uint64_t gen)
{
	return daemon_entry_alive((void *)(uintptr_t)arg, domid, gen);
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
	for (i = 0; i < SPECIAL_COUNT; i++) {
		const struct special_perms *sp = &x->store.special[i];
		int err = 0;
		struct trie_perm *m = mark_dead(sp->p, sp->n, sp->gen,
		    daemon_alive, x, &err);

		if (err)
			b->err = err;
		j_perms(b, specials[i], m ? m : sp->p, sp->n);
		free(m);
	}
}

struct state_alive {
	size_t n;
	struct alive_dom {
		unsigned domid;
		uint64_t first_gen;
	} *e;			/* sorted by domid */
};

static void
count_dom(void *arg, struct domain *d)
{
	struct state_alive *a = arg;

	if (!d->dying)
		a->n++;
}

static void
add_dom(void *arg, struct domain *d)
{
	struct state_alive *a = arg;

	if (!d->dying) {
		a->e[a->n].domid = d->domid;
		a->e[a->n].first_gen = d->first_gen;
		a->n++;
	}
}

static int
cmp_dom(const void *x, const void *y)
{
	const struct alive_dom *a = x, *b = y;

	return a->domid < b->domid ? -1 : a->domid > b->domid;
}

struct state_alive *
state_alive_new(struct xsd *x)
{
	struct state_alive *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	domains_foreach(&x->doms, count_dom, a);
	a->e = malloc((a->n ? a->n : 1) * sizeof(*a->e));
	if (a->e == NULL) {
		free(a);
		return NULL;
	}
	a->n = 0;
	domains_foreach(&x->doms, add_dom, a);
	qsort(a->e, a->n, sizeof(*a->e), cmp_dom);
	return a;
}

void
state_alive_free(struct state_alive *a)
{
	if (a != NULL)
		free(a->e);
	free(a);
}

/* daemon_entry_alive, from the frozen table. */
static bool
frozen_alive(const void *arg, unsigned domid, uint64_t gen)
{
	const struct state_alive *a = arg;
	struct alive_dom key = { domid, 0 };
	const struct alive_dom *d = bsearch(&key, a->e, a->n, sizeof(*a->e),
	    cmp_dom);

	return d != NULL && d->first_gen <= gen;
}

struct tree_ctx {
	struct sbuf *b;
	const struct state_alive *a;
};

static int
tree_visit(void *arg, const char *path, size_t pathlen,
    const struct trie_node *n)
{
	struct tree_ctx *t = arg;
	size_t vlen, np;
	const void *v = trie_node_value(n, &vlen);
	const struct trie_perm *p = trie_node_perms(n, &np);
	struct trie_perm *m = NULL;
	int err = 0;

	if (t->a != NULL)
		m = mark_dead(p, np, trie_node_gen(n), frozen_alive, t->a,
		    &err);
	if (err)
		return err;
	stream_node(t->b, path, pathlen, v, vlen, m ? m : p, np);
	free(m);
	return t->b->err;
}

int
state_write_tree_alive(const struct trie_node *root,
    const struct state_alive *a, struct sbuf *b)
{
	struct tree_ctx t = { b, a };
	int rc = trie_walk_detached(root, tree_visit, &t);

	return rc ? rc : b->err;
}

int
state_write_tree(const struct trie_node *root, struct sbuf *b)
{
	return state_write_tree_alive(root, NULL, b);
}

void
state_write_end(struct sbuf *b)
{
	stream_checksum(b);
	stream_end(b, stream_begin(b, REC_END));
}

/* --- live update --- */

struct lu {
	struct xsd *x;
	struct sbuf *b;
	uint32_t conn_id;
	uint32_t txid;
};

static int
put_kid(void *arg, const struct trie_node *k)
{
	size_t len;
	const char *name = trie_node_name(k, &len);
	static const char nul;

	stream_bytes(arg, name, len);
	stream_bytes(arg, &nul, 1);
	return 0;
}

static int
txn_step(void *arg, const struct trie_step *st)
{
	struct lu *lu = arg;
	struct sbuf *b = lu->b;
	size_t r = stream_begin(b, REC_PX_TXN_STEP);

	stream_u32(b, lu->conn_id);
	stream_u32(b, lu->txid);
	stream_u32(b, st->kind);
	stream_u32(b, st->obs);
	stream_u32(b, (uint32_t)st->creator);
	stream_str(b, st->path);
	switch (st->kind) {
	case TRIE_STEP_OBSERVE:
		stream_u32(b, st->seen != NULL);
		if (st->seen == NULL)
			break;
		if (st->obs & TRIE_OBS_VALUE) {
			size_t len;
			const void *v = trie_node_value(st->seen, &len);

			stream_u32(b, (uint32_t)len);
			stream_bytes(b, v, len);
		}
		if (st->obs & TRIE_OBS_PERMS) {
			size_t np;
			const struct trie_perm *p = trie_node_perms(st->seen,
			    &np);

			stream_u32(b, (uint32_t)np);
			stream_perms(b, p, np);
		}
		if (st->obs & TRIE_OBS_CHILDREN) {
			stream_u32(b, (uint32_t)
			    trie_node_child_names_len(st->seen));
			trie_children(NULL, st->seen, put_kid, b);
		}
		break;
	case TRIE_STEP_WRITE:
		stream_u32(b, (uint32_t)st->len);
		stream_bytes(b, st->val, st->len);
		break;
	case TRIE_STEP_PERMS:
		stream_u32(b, (uint32_t)st->nperms);
		stream_perms(b, st->perms, st->nperms);
		break;
	default:
		break;
	}
	stream_end(b, r);
	return 0;
}

static void
lu_conn(struct lu *lu, const struct conn *c, const struct conn *lu_c,
    const struct xsd_sockmsg *reply)
{
	struct sbuf *b = lu->b;
	const struct watch *w;
	const struct txn *t;
	uint32_t head = 0, outlen = (uint32_t)conn_out_pending(c);
	size_t r;

	if (c->outmsgs > 0)
		head = (uint32_t)(c->outmsg_end - c->outhead);
	if (c == lu_c)
		outlen += WIRE_HDR + 3;
	r = stream_begin(b, REC_PX_CONN);
	stream_u32(b, lu->conn_id);
	stream_u32(b, ring_conn_is(c) ? CONN_TYPE_RING : CONN_TYPE_SOCKET);
	stream_u32(b, c->domid);
	stream_u32(b, c->priv);
	/* a socket's descriptor, or a ring's local port */
	if (ring_conn_is(c)) {
		const struct domain *d = domain_find(&lu->x->doms, c->domid);

		stream_u32(b, d ? ring_local_port(d) : 0);
	} else {
		stream_u32(b, (uint32_t)unix_conn_fd(c));
	}
	stream_u32(b, c->next_txid);
	stream_u32(b, (uint32_t)c->inlen);
	stream_u32(b, head);
	stream_u32(b, outlen);
	stream_bytes(b, c->in, c->inlen);
	stream_bytes(b, c->out + c->outhead, conn_out_pending(c));
	if (c == lu_c) {
		stream_bytes(b, reply, WIRE_HDR);
		stream_bytes(b, "OK", 3);
	}
	stream_end(b, r);
	TAILQ_FOREACH(w, &c->watches, conn_link) {
		r = stream_begin(b, REC_PX_WATCH);
		stream_u32(b, lu->conn_id);
		stream_u32(b, (uint32_t)w->depth);
		stream_u32(b, w->relative);
		stream_str(b, w->relative ? path_relative(w->path, c->domid) :
		    w->path);
		stream_str(b, w->token);
		stream_end(b, r);
	}
	TAILQ_FOREACH(t, &c->txns, link) {
		r = stream_begin(b, REC_PX_TXN);
		stream_u32(b, lu->conn_id);
		stream_u32(b, t->id);
		stream_u32(b, (uint32_t)t->failed);
		stream_end(b, r);
		lu->txid = t->id;
		trie_txn_foreach_step(t->tx, txn_step, lu);
	}
}

/*
 * A quarantined ring has no connection to save, but its domain keeps it
 * (and its binding): a connection record without one, so that the new
 * process keeps it quarantined and a reconnect still works.
 */
static void
lu_quarantined(void *arg, struct domain *d)
{
	struct lu *lu = arg;
	uint32_t error;
	size_t r;

	if (!ring_conn_quarantined(d, &error))
		return;
	r = stream_begin(lu->b, REC_PX_CONN);
	stream_u32(lu->b, ++lu->conn_id);
	stream_u32(lu->b, CONN_TYPE_RING_QUARANTINED);
	stream_u32(lu->b, d->domid);
	stream_u32(lu->b, 0);
	stream_u32(lu->b, ring_local_port(d));
	stream_u32(lu->b, error);
	stream_u32(lu->b, 0);	/* no input, no output */
	stream_u32(lu->b, 0);
	stream_u32(lu->b, 0);
	stream_end(lu->b, r);
}

void
state_write_lu(struct xsd *x, struct sbuf *b, const struct conn *lu_c,
    const struct xsd_sockmsg *reply)
{
	struct lu lu = { x, b, 0, 0 };
	struct state_alive *alive;
	const struct conn *c;
	size_t r;

	state_write_small(x, b, 0);
	r = stream_begin(b, REC_GLOBAL);
	stream_u32(b, (uint32_t)unix_listener_fd(x));
	stream_u32(b, (uint32_t)(x->xen ? xen_evtchn_fd(x->xen) : -1));
	stream_end(b, r);
	TAILQ_FOREACH(c, &x->conns, link) {
		if (c->closing || c->tp == NULL)
			continue;
		lu.conn_id++;
		lu_conn(&lu, c, lu_c, reply);
	}
	domains_foreach(&x->doms, lu_quarantined, &lu);
	/* The new process numbers generations afresh, as a restore does. */
	alive = state_alive_new(x);
	if (alive == NULL)
		b->err = -ENOMEM;
	else
		state_write_tree_alive(x->store.root, alive, b);
	state_alive_free(alive);
	state_write_end(b);
}
