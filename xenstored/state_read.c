/*
 * state_read.c: applying state streams to the daemon (state.h): a
 * snapshot (tree built in one pass, no path copying), then the journals'
 * batches (each applied whole or not at all).  What needs the rings (the
 * watches, transactions and pending bytes of ring connections) is kept
 * per domain until restore_instantiate, once the Xen handles exist.
 *
 * Every input here may be corrupt: lengths are bounded by the record,
 * paths and permissions are validated by the same code the protocol uses,
 * and nothing is applied from a snapshot whose checksum is wrong.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "events.h"
#include "journal.h"
#include "lifecycle.h"
#include "path.h"
#include "perms.h"
#include "quota.h"
#include "ring_conn.h"
#include "state.h"
#include "store.h"
#include "transport_unix.h"
#include "txn.h"

struct rwatch {
	char *path;		/* canonical */
	char *asked;		/* as registered (relative stays relative) */
	char *token;
	int depth;
	bool relative;
};

struct rdom {
	struct rdom *next;
	unsigned domid;
	bool introduced;
	struct rwatch *w;
	size_t nw, capw;
	uint32_t *tx;
	size_t ntx, captx;
	struct ring_restore rr;
	uint8_t *in, *out;	/* owned copies behind rr.in/rr.out */
};

struct lu_state;

struct restore {
	struct xsd *x;
	struct lu_state *lu;		/* live update only */
	struct rdom *doms;
	struct trie_builder *builder;
	bool master;
	char *why;
	size_t whylen;
};

static int
fail(struct restore *r, int rc, const char *fmt, const char *detail)
{
	if (r->why != NULL && r->whylen > 0)
		snprintf(r->why, r->whylen, fmt, detail);
	return rc;
}

static void lu_free(struct lu_state *lu);

int
restore_new(struct xsd *x, struct restore **out)
{
	struct restore *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -ENOMEM;
	r->x = x;
	*out = r;
	return 0;
}

static void
rdom_clear(struct rdom *d)
{
	size_t i;

	for (i = 0; i < d->nw; i++) {
		free(d->w[i].path);
		free(d->w[i].asked);
		free(d->w[i].token);
	}
	d->nw = 0;
	d->ntx = 0;
}

static void
rdom_free(struct rdom *d)
{
	rdom_clear(d);
	free(d->w);
	free(d->tx);
	free(d->in);
	free(d->out);
	free(d);
}

void
restore_free(struct restore **rp)
{
	struct restore *r = *rp;

	if (r == NULL)
		return;
	while (r->doms != NULL) {
		struct rdom *d = r->doms;

		r->doms = d->next;
		rdom_free(d);
	}
	trie_builder_free(&r->builder);
	lu_free(r->lu);
	free(r);
	*rp = NULL;
}

static struct rdom *
rdom_get(struct restore *r, unsigned domid, bool create)
{
	struct rdom *d;

	for (d = r->doms; d != NULL; d = d->next)
		if (d->domid == domid)
			return d;
	if (!create)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->domid = domid;
	d->next = r->doms;
	r->doms = d;
	return d;
}

static void
rdom_drop(struct restore *r, unsigned domid)
{
	struct rdom **pp;

	for (pp = &r->doms; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->domid == domid) {
			struct rdom *d = *pp;

			*pp = d->next;
			rdom_free(d);
			return;
		}
}

static struct trie_perm *
decode_perms(const uint8_t *raw, size_t np)
{
	struct trie_perm *p = malloc((np ? np : 1) * sizeof(*p));
	size_t i;

	if (p == NULL)
		return NULL;
	for (i = 0; i < np; i++)
		stream_perm_at(raw, i, &p[i]);
	return p;
}

/*
 * Domains named by live ACL entries must be tracked for them to count.
 * From entry `first`: a snapshot's owners need no tracking (a domain the
 * daemon tracked has its own record), a journal's do (SET_PERMS tracked
 * an owner that existed; one that did not is marked stale).
 */
static void
track_named(struct xsd *x, const struct trie_perm *p, size_t np, size_t first)
{
	size_t i;

	for (i = first; i < np; i++)
		if (!(p[i].flags & PERM_F_STALE) && p[i].id != DOMID_ANY)
			daemon_track(x, p[i].id);
}

static int
apply_node(struct restore *r, const struct stream_rec *rec)
{
	struct stream_node n;
	struct trie_perm *p;
	int rc;

	if (stream_read_node(rec, &n) < 0 || n.np == 0)
		return fail(r, -EIO, "malformed node record%s", "");
	if (n.conn_id != 0)
		return 0;	/* transaction nodes: not ours to restore */
	p = decode_perms(n.rawperms, n.np);
	if (p == NULL)
		return -ENOMEM;
	if (n.path[0] == '@') {
		int idx = store_special_index(n.path);

		rc = idx < 0 ? 0 : store_set_special(&r->x->store, idx, p,
		    n.np);
	} else if (r->builder == NULL) {
		rc = fail(r, -EIO, "node %s outside a snapshot", n.path);
	} else {
		track_named(r->x, p, n.np, 1);
		rc = trie_builder_add(r->builder, n.path, n.val, n.vlen, p,
		    n.np);
		if (rc < 0)
			rc = fail(r, -EIO, "node %s out of order or invalid",
			    n.path);
	}
	free(p);
	return rc;
}

static int
apply_domain_data(struct restore *r, const struct stream_rec *rec)
{
	struct cursor c;
	uint16_t domid, nq;
	uint32_t features, vals[64];
	struct domain *d;
	size_t i;

	cursor_init(&c, rec);
	if (!cur_u16(&c, &domid) || !cur_u16(&c, &nq) || nq > 64 ||
	    !cur_u32(&c, &features))
		return fail(r, -EIO, "malformed domain record%s", "");
	for (i = 0; i < nq; i++)
		if (!cur_u32(&c, &vals[i]))
			return fail(r, -EIO, "malformed domain record%s", "");
	d = daemon_track(r->x, domid);
	if (d == NULL)
		return -ENOMEM;
	d->features = features;
	for (i = 0; i < nq; i++) {
		const char *name;
		bool soft;
		int id;

		if (!cur_str(&c, &name))
			return fail(r, -EIO, "malformed domain record%s", "");
		soft = strncmp(name, "soft-", 5) == 0;
		id = quota_by_name(soft ? name + 5 : name);
		if (id < 0)
			continue;	/* unknown names are ignored */
		if (soft)
			d->quota.soft[id] = vals[i];
		else
			d->quota.hard[id] = vals[i];
	}
	return 0;
}

/* One store update, published (accounting kept), no events. */
static int
apply_update(struct restore *r, const struct jrec *j)
{
	struct xsd *x = r->x;
	struct trie_ctx *cx = x->store.cx;
	struct trie_node *nr = NULL;
	struct trie_perm *p = NULL;
	struct trie_log log;
	size_t len;
	int rc;

	if (!trie_path_valid(j->path, &len) && j->path[0] != '@')
		return fail(r, -EIO, "bad path in journal: %s", j->path);
	trie_log_init(&log, cx);
	switch (j->type) {
	case REC_PX_J_WRITE:
		rc = trie_write(cx, x->store.root, j->path, j->val, j->vlen,
		    j->creator, &log, &nr);
		break;
	case REC_PX_J_MKDIR:
		rc = trie_mkdir(cx, x->store.root, j->path, j->creator, &log,
		    &nr);
		break;
	case REC_PX_J_RM:
		rc = trie_rm(cx, x->store.root, j->path, &log, &nr);
		break;
	default:
		p = decode_perms(j->rawperms, j->np);
		if (p == NULL) {
			rc = -ENOMEM;
			break;
		}
		track_named(x, p, j->np, 0);
		if (j->path[0] == '@') {
			int idx = store_special_index(j->path);

			rc = idx < 0 ? -EIO : store_set_special(&x->store, idx,
			    p, j->np);
			break;
		}
		rc = trie_set_perms(cx, x->store.root, j->path, p, j->np,
		    &log, &nr);
		break;
	}
	free(p);
	if (rc == 0 && nr != NULL)
		rc = store_publish(&x->store, nr, &log);
	trie_log_fini(&log);
	/* A logged change that no longer applies means a broken history. */
	if (rc < 0 && rc != -ENOMEM)
		return fail(r, -EIO, "journal change does not apply: %s",
		    j->path);
	return rc;
}

static int
rdom_add_watch(struct restore *r, struct rdom *d, const struct jrec *j)
{
	char path[PATH_BUF];
	struct rwatch *w;
	bool rel;

	if (path_canon(j->path, d->domid, 0, PATH_F_SPECIAL, path, &rel) < 0)
		return fail(r, -EIO, "bad watch path %s", j->path);
	if (d->nw == d->capw) {
		size_t cap = d->capw ? d->capw * 2 : 8;
		struct rwatch *nw = realloc(d->w, cap * sizeof(*nw));

		if (nw == NULL)
			return -ENOMEM;
		d->w = nw;
		d->capw = cap;
	}
	w = &d->w[d->nw];
	w->path = strdup(path);
	w->asked = strdup(j->path);
	w->token = strdup(j->token);
	w->depth = j->depth;
	w->relative = rel;
	if (w->path == NULL || w->asked == NULL || w->token == NULL) {
		free(w->path);
		free(w->asked);
		free(w->token);
		return -ENOMEM;
	}
	d->nw++;
	return 0;
}

static void
rdom_del_watch(struct rdom *d, const struct jrec *j)
{
	char path[PATH_BUF];
	bool rel;
	size_t i;

	if (path_canon(j->path, d->domid, 0, PATH_F_SPECIAL, path, &rel) < 0)
		return;
	for (i = 0; i < d->nw; i++)
		if (strcmp(d->w[i].path, path) == 0 &&
		    strcmp(d->w[i].token, j->token) == 0) {
			free(d->w[i].path);
			free(d->w[i].asked);
			free(d->w[i].token);
			d->w[i] = d->w[--d->nw];
			return;
		}
}

static int
rdom_txn(struct rdom *d, uint32_t id, bool open)
{
	size_t i;

	for (i = 0; i < d->ntx; i++)
		if (d->tx[i] == id) {
			if (!open)
				d->tx[i] = d->tx[--d->ntx];
			return 0;
		}
	if (!open)
		return 0;
	if (d->ntx == d->captx) {
		size_t cap = d->captx ? d->captx * 2 : 4;
		uint32_t *nt = realloc(d->tx, cap * sizeof(*nt));

		if (nt == NULL)
			return -ENOMEM;
		d->tx = nt;
		d->captx = cap;
	}
	d->tx[d->ntx++] = id;
	return 0;
}

/*
 * old[drop..oldlen) followed by add[0..addlen): a new buffer in *res
 * (owned by the caller), or -EIO if drop is past the end of old.
 */
static int
splice_bytes(const uint8_t *old, size_t oldlen, uint32_t drop,
    const uint8_t *add, size_t addlen, uint8_t **res, size_t *reslen)
{
	size_t keep;
	uint8_t *p;

	if (drop > oldlen)
		return -EIO;
	keep = oldlen - drop;
	p = malloc(keep + addlen ? keep + addlen : 1);
	if (p == NULL)
		return -ENOMEM;
	if (keep)
		memcpy(p, old + drop, keep);
	if (addlen)
		memcpy(p + keep, add, addlen);
	*res = p;
	*reslen = keep + addlen;
	return 0;
}

/*
 * A RING_SYNC replaces what is known of the ring; a RING_DELTA changes
 * the previous one's buffers (and is invalid without one).
 */
static int
rdom_sync(struct rdom *d, const struct jrec *j)
{
	bool delta = j->type == REC_PX_J_RING_DELTA;
	uint8_t *in = NULL, *out = NULL;
	size_t inlen, outlen;
	int rc;

	if (delta && !d->rr.has_sync)
		return -EIO;
	rc = splice_bytes(d->in, delta ? d->rr.inlen : 0, delta ?
	    j->in_drop : 0, j->in, j->inlen, &in, &inlen);
	if (rc == 0)
		rc = splice_bytes(d->out, delta ? d->rr.outlen : 0, delta ?
		    j->out_drop : 0, j->out, j->outlen, &out, &outlen);
	if (rc < 0) {
		free(in);
		return rc;
	}
	free(d->in);
	free(d->out);
	d->in = in;
	d->out = out;
	d->rr.has_sync = true;
	d->rr.quarantined = j->flags & J_RING_QUARANTINED;
	d->rr.error = j->error;
	d->rr.req_cons = j->req_cons;
	d->rr.rsp_off = j->rsp_off;
	d->rr.head_rest = j->head_rest;
	d->rr.in = in;
	d->rr.inlen = inlen;
	d->rr.out = out;
	d->rr.outlen = outlen;
	return 0;
}

static struct domain *
dom_of(struct restore *r, unsigned domid)
{
	return domid > 0xffff ? NULL : daemon_track(r->x, domid);
}

static int
apply_journal_rec(struct restore *r, const struct jrec *j)
{
	struct xsd *x = r->x;
	struct domain *d;
	struct rdom *rd;

	switch (j->type) {
	case REC_PX_J_WRITE:
	case REC_PX_J_MKDIR:
	case REC_PX_J_RM:
	case REC_PX_J_PERMS:
		return apply_update(r, j);
	case REC_PX_J_INTRODUCE:
		d = dom_of(r, j->domid);
		rd = d ? rdom_get(r, j->domid, true) : NULL;
		if (rd == NULL)
			return -ENOMEM;
		d->introduced = true;
		d->remote_port = j->port;
		d->gfn = j->gfn;
		d->features = j->features;
		d->kva = j->flags & 1;
		rd->introduced = true;
		return 0;
	case REC_PX_J_RELEASE:
		rdom_drop(r, j->domid);
		lifecycle_clean_tree(x, j->domid);
		d = domain_find(&x->doms, j->domid);
		if (d != NULL && d->nconns == 0)
			domain_forget(&x->doms, d);
		return 0;
	case REC_PX_J_FORGET:
		/* a domain only counted (a node owner) went away: a domain
		 * reusing its id starts afresh (first generation, quotas) */
		d = domain_find(&x->doms, j->domid);
		if (d != NULL && !d->introduced && d->nconns == 0) {
			lifecycle_clean_tree(x, j->domid);
			domain_forget(&x->doms, d);
		}
		return 0;
	case REC_PX_J_SHUTDOWN:
	case REC_PX_J_TARGET:
	case REC_PX_J_FEATURES:
		d = dom_of(r, j->domid);
		if (d == NULL)
			return -ENOMEM;
		if (j->type == REC_PX_J_SHUTDOWN)
			d->shutdown_reported = j->v != 0;
		else if (j->type == REC_PX_J_TARGET)
			d->target = (int)j->v;
		else
			d->features = j->v;
		return 0;
	case REC_PX_J_QUOTA: {
		struct quota *q = &x->cfg.quota;

		if (j->id >= Q_COUNT)
			return 0;
		if (j->domid != J_GLOBAL_QUOTA) {
			d = dom_of(r, j->domid);
			if (d == NULL)
				return -ENOMEM;
			q = &d->quota;
		}
		if (j->soft)
			q->soft[j->id] = j->value;
		else
			q->hard[j->id] = j->value;
		return 0;
	}
	default:
		break;
	}
	/* The rest belongs to a ring connection. */
	rd = rdom_get(r, j->domid, true);
	if (rd == NULL)
		return -ENOMEM;
	switch (j->type) {
	case REC_PX_J_WATCH:
		return rdom_add_watch(r, rd, j);
	case REC_PX_J_UNWATCH:
		rdom_del_watch(rd, j);
		return 0;
	case REC_PX_J_RESET:
		rdom_clear(rd);
		return 0;
	case REC_PX_J_TXN_OPEN:
	case REC_PX_J_TXN_CLOSE:
		return rdom_txn(rd, j->v, j->type == REC_PX_J_TXN_OPEN);
	case REC_PX_J_RING_SYNC:
	case REC_PX_J_RING_DELTA:
		return rdom_sync(rd, j);
	default:
		return 0;
	}
}

/* Apply one record of either kind of stream. */
static int
apply(struct restore *r, const struct stream_rec *rec)
{
	struct jrec j;
	int rc;

	switch (rec->type) {
	case REC_NODE:
		return apply_node(r, rec);
	case REC_DOMAIN:
		return apply_domain_data(r, rec);
	case REC_PX_META:
	case REC_PX_CHECKSUM:
	case REC_PX_J_BATCH:
	case REC_END:
		return 0;
	default:
		break;
	}
	rc = j_decode(rec, &j);
	if (rc < 0)
		return fail(r, -EIO, "malformed journal record%s", "");
	if (rc > 0)
		return 0;	/* a record type we do not know: skip */
	return apply_journal_rec(r, &j);
}

static int
read_meta(struct stream_reader *sr, uint64_t *gen)
{
	struct stream_rec rec;
	struct cursor c;

	if (stream_next(sr, &rec) != 1 || rec.type != REC_PX_META)
		return -EIO;
	cursor_init(&c, &rec);
	return cur_u64(&c, gen) ? 0 : -EIO;
}

int
restore_snapshot(struct restore *r, const void *data, size_t len,
    uint64_t *gen, char *why, size_t whylen)
{
	struct xsd *x = r->x;
	struct stream_reader sr;
	struct stream_rec rec;
	struct trie_node *root = NULL;
	size_t sum_at = 0;
	bool summed = false, ended = false;
	int rc;

	r->why = why;
	r->whylen = whylen;
	/* First pass: the whole file must check out before anything is
	 * applied. */
	if (stream_open(&sr, data, len) < 0)
		return fail(r, -EIO, "not a state stream%s", "");
	while ((rc = stream_next(&sr, &rec)) == 1) {
		if (rec.type == REC_PX_CHECKSUM) {
			struct cursor c;
			uint32_t want;
			size_t at = (size_t)(rec.body - 8 -
			    (const uint8_t *)data);

			cursor_init(&c, &rec);
			if (!cur_u32(&c, &want) ||
			    stream_sum(0, data, at) != want)
				return fail(r, -EIO, "snapshot checksum "
				    "mismatch%s", "");
			summed = true;
			sum_at = at;
		}
		if (rec.type == REC_END) {
			ended = true;
			break;
		}
	}
	if (rc < 0 || !summed || !ended)
		return fail(r, -EIO, "snapshot truncated or without "
		    "checksum%s", "");
	(void)sum_at;
	stream_open(&sr, data, len);
	if (read_meta(&sr, gen) < 0)
		return fail(r, -EIO, "snapshot without generation%s", "");
	rc = trie_builder_new(x->store.cx, &r->builder);
	if (rc < 0)
		return rc;
	while ((rc = stream_next(&sr, &rec)) == 1 && rec.type != REC_END) {
		rc = apply(r, &rec);
		if (rc < 0)
			break;
	}
	if (rc >= 0)
		rc = trie_builder_finish(r->builder, &root);
	trie_builder_free(&r->builder);
	if (rc < 0)
		return rc == -ENOMEM ? rc : fail(r, -EIO, "snapshot tree "
		    "invalid%s", "");
	/* The snapshot's tree replaces the initial one. */
	trie_unref(x->store.cx, x->store.root);
	x->store.root = root;
	rc = trie_acct_recount(x->store.cx, root, &x->store.acct);
	return rc;
}

/*
 * Damage at offset `from` of a journal is a torn last write only if no
 * complete batch follows it (a torn write is a prefix of the last batch).
 * Candidates are the 8-aligned batch-end headers after `from`: the batch
 * that starts after one must parse and check out.  Bounded, so that a
 * hostile file costs at most a few passes.
 */
static bool
batch_follows(const uint8_t *data, size_t len, size_t from)
{
	size_t o, tried = 0;

	for (o = (from + 7) & ~(size_t)7; o + 16 <= len && tried < 64;
	    o += 8) {
		struct stream_reader br;
		struct stream_rec rec;
		uint32_t h[2];

		memcpy(h, data + o, 8);
		if (h[0] != REC_PX_J_BATCH || h[1] != 8)
			continue;
		tried++;
		br.p = data;
		br.len = len;
		br.off = o + 16;
		br.version = STREAM_VERSION;
		while (stream_next(&br, &rec) == 1) {
			struct jrec j;
			size_t end = (size_t)(rec.body - 8 - data);

			if (rec.type != REC_PX_J_BATCH)
				continue;
			if (end > o + 16 && j_decode(&rec, &j) == 0 &&
			    stream_sum(0, data + o + 16, end - (o + 16)) ==
			    j.sum)
				return true;
			break;
		}
	}
	return false;
}

int
restore_journal(struct restore *r, const void *data, size_t len,
    uint64_t expect_gen, bool *dropped, char *why, size_t whylen)
{
	struct stream_reader sr;
	struct stream_rec rec;
	uint64_t gen;
	size_t batch = 0;
	int rc;

	r->why = why;
	r->whylen = whylen;
	*dropped = false;
	if (stream_open(&sr, data, len) < 0 || read_meta(&sr, &gen) < 0) {
		/* A journal that never got its header written is empty. */
		if (len < 64) {
			*dropped = len > 0;
			return 0;
		}
		return fail(r, -EIO, "journal without header%s", "");
	}
	if (gen != expect_gen)
		return fail(r, -EIO, "journal generation mismatch%s", "");
	batch = sr.off;
	for (;;) {
		struct jrec j;
		size_t start = sr.off;

		rc = stream_next(&sr, &rec);
		if (rc == 0)
			break;
		if (rc < 0) {
			/* a record runs past the end: torn inside it, unless
			 * complete batches follow (a damaged length) */
			if (batch_follows(data, len, batch))
				return fail(r, -EIO, "journal damaged in the "
				    "middle (a record length is wrong, valid "
				    "batches follow)%s", "");
			*dropped = true;
			return 0;
		}
		if (rec.type != REC_PX_J_BATCH)
			continue;
		if (j_decode(&rec, &j) < 0 || stream_sum(0,
		    (const uint8_t *)data + batch, start - batch) != j.sum) {
			/* corrupt: acceptable only as the torn tail */
			if (sr.off == sr.len) {
				*dropped = true;
				return 0;
			}
			return fail(r, -EIO, "journal batch checksum "
			    "mismatch%s", "");
		}
		/* Apply the batch [batch, start). */
		{
			struct stream_reader br;

			br.p = data;
			br.len = start;
			br.off = batch;
			br.version = sr.version;
			while ((rc = stream_next(&br, &rec)) == 1)
				if ((rc = apply(r, &rec)) < 0)
					return rc;
			if (rc < 0)
				return fail(r, -EIO, "journal batch "
				    "malformed%s", "");
		}
		batch = sr.off;
	}
	if (batch != sr.off)
		*dropped = true;	/* records without their batch end */
	return 0;
}

bool
restore_has_master(const struct restore *r)
{
	return r->master;
}

static void
attach_watches(struct xsd *x, struct conn *c, struct rdom *rd)
{
	size_t i;

	for (i = 0; i < rd->nw; i++) {
		struct rwatch *w = &rd->w[i];

		if (watches_add(&x->watches, c, &c->watches, w->path, w->token,
		    w->relative, w->depth) < 0)
			continue;
		c->nwatches++;
		if (c->dom != NULL) {
			c->dom->watches++;
			c->dom->watch_bytes += strlen(w->path) +
			    strlen(w->token);
		}
		/* Clients cope with the registration event: fire once. */
		events_initial(x, c, w->asked, w->token);
	}
}

/* Open transactions come back doomed: their commit says EAGAIN. */
static void
attach_txns(struct xsd *x, struct conn *c, struct rdom *rd)
{
	size_t i;

	for (i = 0; i < rd->ntx; i++) {
		struct txn *t;

		if (txn_start_id(x->store.cx, c, x->store.root, rd->tx[i],
		    &t) < 0)
			continue;
		t->failed = -EAGAIN;
		if (c->dom != NULL)
			c->dom->txns++;
	}
}

int
restore_instantiate(struct restore *r)
{
	struct xsd *x = r->x;
	struct rdom *rd;
	int broken = 0;

	for (rd = r->doms; rd != NULL; rd = rd->next) {
		struct domain *d = domain_find(&x->doms, rd->domid);
		struct conn *c = NULL;
		int rc;

		if (!rd->introduced || d == NULL)
			continue;
		rc = ring_conn_restore(x, d, &rd->rr, &c);
		if (rc < 0) {
			log_err(&x->log, "domain %u: ring not restored: %s",
			    rd->domid, strerror(-rc));
			broken++;
			continue;
		}
		if (d->kva)
			r->master = true;
		if (c == NULL)
			continue;	/* quarantined before */
		attach_watches(x, c, rd);
		attach_txns(x, c, rd);
	}
	return broken;
}

/* --- live update --- */

struct rcwatch {
	char *path, *token;
	int depth;
	bool relative;
};

struct rctxn {
	uint32_t id;
	int failed;
	uint8_t **steps;	/* copies of PX_TXN_STEP bodies */
	uint32_t *steplen;
	size_t n, cap;
};

struct rconn {
	struct rconn *next;
	uint32_t id, type, domid, priv, fd_or_port, next_txid;
	uint8_t *in, *out;
	uint32_t inlen, head, outlen;
	struct rcwatch *w;
	size_t nw, capw;
	struct rctxn *t;
	size_t nt, capt;
	struct conn *c;
};

struct lu_state {
	struct rconn *conns, *last;
	int listen_fd, evtchn_fd;
};

static void *
dupmem(const void *p, size_t n)
{
	void *d = malloc(n ? n : 1);

	if (d != NULL && n)
		memcpy(d, p, n);
	return d;
}

static void
rconn_free(struct rconn *rc)
{
	size_t i, j;

	free(rc->in);
	free(rc->out);
	for (i = 0; i < rc->nw; i++) {
		free(rc->w[i].path);
		free(rc->w[i].token);
	}
	free(rc->w);
	for (i = 0; i < rc->nt; i++) {
		for (j = 0; j < rc->t[i].n; j++)
			free(rc->t[i].steps[j]);
		free(rc->t[i].steps);
		free(rc->t[i].steplen);
	}
	free(rc->t);
	free(rc);
}

static void
lu_free(struct lu_state *lu)
{
	while (lu != NULL && lu->conns != NULL) {
		struct rconn *rc = lu->conns;

		lu->conns = rc->next;
		rconn_free(rc);
	}
	free(lu);
}

static struct rconn *
rconn_find(struct lu_state *lu, uint32_t id)
{
	struct rconn *rc;

	for (rc = lu->conns; rc != NULL; rc = rc->next)
		if (rc->id == id)
			return rc;
	return NULL;
}

static int
lu_conn_rec(struct restore *r, struct lu_state *lu,
    const struct stream_rec *rec)
{
	struct rconn *rc = calloc(1, sizeof(*rc));
	struct cursor c;
	const uint8_t *in, *out;

	if (rc == NULL)
		return -ENOMEM;
	cursor_init(&c, rec);
	if (!cur_u32(&c, &rc->id) || !cur_u32(&c, &rc->type) ||
	    !cur_u32(&c, &rc->domid) || !cur_u32(&c, &rc->priv) ||
	    !cur_u32(&c, &rc->fd_or_port) || !cur_u32(&c, &rc->next_txid) ||
	    !cur_u32(&c, &rc->inlen) || !cur_u32(&c, &rc->head) ||
	    !cur_u32(&c, &rc->outlen) || !cur_bytes(&c, rc->inlen, &in) ||
	    !cur_bytes(&c, rc->outlen, &out) || rc->domid > 0xffff ||
	    rconn_find(lu, rc->id) != NULL) {
		free(rc);
		return fail(r, -EIO, "malformed connection record%s", "");
	}
	rc->in = dupmem(in, rc->inlen);
	rc->out = dupmem(out, rc->outlen);
	if (rc->in == NULL || rc->out == NULL) {
		rconn_free(rc);
		return -ENOMEM;
	}
	/* keep stream order: connections are re-created in it */
	if (lu->last != NULL)
		lu->last->next = rc;
	else
		lu->conns = rc;
	lu->last = rc;
	return 0;
}

static int
lu_watch_rec(struct restore *r, struct lu_state *lu,
    const struct stream_rec *rec)
{
	struct cursor c;
	uint32_t id, depth, rel;
	const char *path, *token;
	struct rconn *rc;
	struct rcwatch *w;

	cursor_init(&c, rec);
	if (!cur_u32(&c, &id) || !cur_u32(&c, &depth) || !cur_u32(&c, &rel) ||
	    !cur_str(&c, &path) || !cur_str(&c, &token) ||
	    (rc = rconn_find(lu, id)) == NULL)
		return fail(r, -EIO, "malformed watch record%s", "");
	if (rc->nw == rc->capw) {
		size_t cap = rc->capw ? rc->capw * 2 : 8;
		struct rcwatch *nw = realloc(rc->w, cap * sizeof(*nw));

		if (nw == NULL)
			return -ENOMEM;
		rc->w = nw;
		rc->capw = cap;
	}
	w = &rc->w[rc->nw];
	w->path = strdup(path);
	w->token = strdup(token);
	w->depth = (int)depth;
	w->relative = rel != 0;
	if (w->path == NULL || w->token == NULL) {
		free(w->path);
		free(w->token);
		return -ENOMEM;
	}
	rc->nw++;
	return 0;
}

static int
lu_txn_rec(struct restore *r, struct lu_state *lu,
    const struct stream_rec *rec, bool step)
{
	struct cursor c;
	uint32_t id, txid, failed;
	struct rconn *rc;
	struct rctxn *t;

	cursor_init(&c, rec);
	if (!cur_u32(&c, &id) || !cur_u32(&c, &txid) ||
	    (rc = rconn_find(lu, id)) == NULL)
		return fail(r, -EIO, "malformed transaction record%s", "");
	if (!step) {
		if (!cur_u32(&c, &failed) || txid == 0)
			return fail(r, -EIO, "malformed transaction "
			    "record%s", "");
		if (rc->nt == rc->capt) {
			size_t cap = rc->capt ? rc->capt * 2 : 4;
			struct rctxn *nt = realloc(rc->t, cap * sizeof(*nt));

			if (nt == NULL)
				return -ENOMEM;
			rc->t = nt;
			rc->capt = cap;
		}
		t = &rc->t[rc->nt++];
		memset(t, 0, sizeof(*t));
		t->id = txid;
		t->failed = (int)failed;
		return 0;
	}
	if (rc->nt == 0 || rc->t[rc->nt - 1].id != txid)
		return fail(r, -EIO, "transaction step out of place%s", "");
	t = &rc->t[rc->nt - 1];
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		uint8_t **ns = realloc(t->steps, cap * sizeof(*ns));
		uint32_t *nl;

		if (ns == NULL)
			return -ENOMEM;
		t->steps = ns;
		nl = realloc(t->steplen, cap * sizeof(*nl));
		if (nl == NULL)
			return -ENOMEM;
		t->steplen = nl;
		t->cap = cap;
	}
	t->steps[t->n] = dupmem(rec->body, rec->len);
	if (t->steps[t->n] == NULL)
		return -ENOMEM;
	t->steplen[t->n++] = rec->len;
	return 0;
}

int
restore_live_update(struct restore *r, const void *data, size_t len,
    char *why, size_t whylen)
{
	struct stream_reader sr;
	struct stream_rec rec;
	struct lu_state *lu;
	uint64_t gen;
	int rc;

	lu = calloc(1, sizeof(*lu));
	if (lu == NULL)
		return -ENOMEM;
	lu->listen_fd = lu->evtchn_fd = -1;
	r->lu = lu;
	/* The snapshot reader checks the sum and applies everything it
	 * knows; the live-update records are collected on a second pass. */
	rc = restore_snapshot(r, data, len, &gen, why, whylen);
	if (rc < 0)
		return rc;
	stream_open(&sr, data, len);
	while ((rc = stream_next(&sr, &rec)) == 1 && rec.type != REC_END) {
		struct cursor c;
		uint32_t a, b;

		switch (rec.type) {
		case REC_GLOBAL:
			cursor_init(&c, &rec);
			if (!cur_u32(&c, &a) || !cur_u32(&c, &b))
				return fail(r, -EIO, "malformed global "
				    "record%s", "");
			lu->listen_fd = (int32_t)a;
			lu->evtchn_fd = (int32_t)b;
			break;
		case REC_PX_CONN:
			rc = lu_conn_rec(r, lu, &rec);
			break;
		case REC_PX_WATCH:
			rc = lu_watch_rec(r, lu, &rec);
			break;
		case REC_PX_TXN:
		case REC_PX_TXN_STEP:
			rc = lu_txn_rec(r, lu, &rec,
			    rec.type == REC_PX_TXN_STEP);
			break;
		default:
			break;
		}
		if (rc < 0)
			return rc;
	}
	return rc < 0 ? fail(r, -EIO, "stream truncated%s", "") : 0;
}

void
restore_lu_fds(const struct restore *r, int *listen_fd, int *evtchn_fd)
{
	*listen_fd = r->lu ? r->lu->listen_fd : -1;
	*evtchn_fd = r->lu ? r->lu->evtchn_fd : -1;
}

/* Decode one saved step and replay it on the transaction. */
static int
replay_step(struct xsd *x, struct trie_txn *tx, const uint8_t *body,
    uint32_t len)
{
	struct stream_rec rec = { REC_PX_TXN_STEP, len, body };
	struct trie_step st;
	struct trie_seen seen;
	struct trie_perm *perms = NULL, *sperms = NULL;
	struct cursor c;
	uint32_t u, kind, exists = 0, n;
	const uint8_t *raw;
	int rc = -EIO;

	memset(&st, 0, sizeof(st));
	memset(&seen, 0, sizeof(seen));
	cursor_init(&c, &rec);
	if (!cur_u32(&c, &u) || !cur_u32(&c, &u) || !cur_u32(&c, &kind) ||
	    !cur_u32(&c, &st.obs) || !cur_u32(&c, &u) ||
	    !cur_str(&c, &st.path) || kind > TRIE_STEP_PERMS)
		return -EIO;
	st.kind = (enum trie_step_kind)kind;
	st.creator = (int32_t)u;
	switch (st.kind) {
	case TRIE_STEP_OBSERVE:
		if (!cur_u32(&c, &exists))
			return -EIO;
		seen.exists = exists != 0;
		if (exists && (st.obs & TRIE_OBS_VALUE)) {
			if (!cur_u32(&c, &n) || !cur_bytes(&c, n, &raw))
				return -EIO;
			seen.val = raw;
			seen.len = n;
		}
		if (exists && (st.obs & TRIE_OBS_PERMS)) {
			if (!cur_u32(&c, &n) || n > TRIE_PERMS_MAX ||
			    !cur_bytes(&c, 4 * (size_t)n, &raw))
				return -EIO;
			sperms = decode_perms(raw, n);
			if (sperms == NULL)
				return -ENOMEM;
			seen.perms = sperms;
			seen.nperms = n;
		}
		if (exists && (st.obs & TRIE_OBS_CHILDREN)) {
			if (!cur_u32(&c, &n) || !cur_bytes(&c, n, &raw))
				goto out;
			seen.kids = (const char *)raw;
			seen.kidslen = n;
		}
		rc = trie_txn_restore_step(x->store.cx, tx, &st, &seen);
		break;
	case TRIE_STEP_WRITE:
		if (!cur_u32(&c, &n) || !cur_bytes(&c, n, &raw))
			return -EIO;
		st.val = raw;
		st.len = n;
		rc = trie_txn_restore_step(x->store.cx, tx, &st, NULL);
		break;
	case TRIE_STEP_PERMS:
		if (!cur_u32(&c, &n) || n == 0 || n > TRIE_PERMS_MAX ||
		    !cur_bytes(&c, 4 * (size_t)n, &raw))
			return -EIO;
		perms = decode_perms(raw, n);
		if (perms == NULL)
			return -ENOMEM;
		st.perms = perms;
		st.nperms = n;
		rc = trie_txn_restore_step(x->store.cx, tx, &st, NULL);
		break;
	default:
		rc = trie_txn_restore_step(x->store.cx, tx, &st, NULL);
		break;
	}
out:
	free(perms);
	free(sperms);
	return rc;
}

static void
lu_txns(struct xsd *x, struct conn *c, struct rconn *rc)
{
	size_t i, j;

	for (i = 0; i < rc->nt; i++) {
		struct rctxn *rt = &rc->t[i];
		struct trie_txn *tx = NULL;
		struct txn *t;
		int err = rt->failed;
		uint64_t before;

		if (trie_txn_begin(x->store.cx, x->store.root, &tx) < 0)
			continue;
		before = trie_ctx_live_bytes(x->store.cx);
		for (j = 0; j < rt->n && err == 0; j++) {
			int rr = replay_step(x, tx, rt->steps[j],
			    rt->steplen[j]);

			if (rr < 0)	/* a read no longer holds, or bad */
				err = rr == -EAGAIN || rr == -EIO ? -EAGAIN :
				    rr;
		}
		if (err == -EAGAIN) {
			/* fresh view; only the commit's answer matters */
			trie_txn_free(x->store.cx, &tx);
			if (trie_txn_begin(x->store.cx, x->store.root,
			    &tx) < 0)
				continue;
			before = trie_ctx_live_bytes(x->store.cx);
		}
		if (txn_adopt(c, rt->id, tx, &t) < 0) {
			trie_txn_free(x->store.cx, &tx);
			continue;
		}
		/* what it holds is charged again (the memory quota) */
		txn_charge(c, t, (size_t)(trie_ctx_live_bytes(x->store.cx) -
		    before));
		t->failed = err;
		if (c->dom != NULL)
			c->dom->txns++;
	}
}

int
restore_lu_attach(struct restore *r)
{
	struct xsd *x = r->x;
	struct lu_state *lu = r->lu;
	struct rconn *rc;
	size_t i;
	int lost = 0;

	if (lu == NULL)
		return 0;
	for (rc = lu->conns; rc != NULL; rc = rc->next) {
		struct conn *c = NULL;
		int e;

		if (rc->type == CONN_TYPE_SOCKET) {
			e = unix_adopt_conn(x, (int)rc->fd_or_port, &c);
		} else {
			struct domain *d = domain_find(&x->doms, rc->domid);
			uint32_t quarantine = rc->type ==
			    CONN_TYPE_RING_QUARANTINED ? rc->next_txid : 0;

			e = d == NULL ? -ENOENT :
			    ring_conn_adopt(x, d, rc->fd_or_port, quarantine,
			    &c);
			if (e == 0 && quarantine)
				continue;	/* a ring, no connection */
		}
		if (e < 0 || c == NULL) {
			log_err(&x->log, "live update: connection %u (domain "
			    "%u) lost: %s", rc->id, rc->domid, strerror(-e));
			lost++;
			continue;
		}
		if (!rc->priv && c->priv) {
			/* a test-hook socket acting as a domain */
			c->priv = false;
			c->domid = rc->domid;
			c->dom = daemon_track(x, rc->domid);
			if (c->dom != NULL)
				c->dom->nconns++;
		}
		c->next_txid = rc->next_txid;
		if (rc->outlen)
			conn_restore_output(c, rc->out, rc->outlen, rc->head);
		for (i = 0; i < rc->nw; i++) {
			char path[PATH_BUF];
			bool rel;
			struct rcwatch *w = &rc->w[i];

			if (path_canon(w->path, c->domid, 0, PATH_F_SPECIAL,
			    path, &rel) < 0 || watches_add(&x->watches, c,
			    &c->watches, path, w->token, rel, w->depth) < 0)
				continue;
			c->nwatches++;
			if (c->dom != NULL) {
				c->dom->watches++;
				c->dom->watch_bytes += strlen(path) +
				    strlen(w->token);
			}
		}
		lu_txns(x, c, rc);
		rc->c = c;
	}
	/* Input last: requests may fire watches of any connection. */
	for (rc = lu->conns; rc != NULL; rc = rc->next)
		if (rc->c != NULL && rc->inlen && !rc->c->closing)
			conn_input(rc->c, rc->in, rc->inlen);
	return lost;
}
