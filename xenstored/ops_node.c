/*
 * ops_node.c: READ, WRITE, MKDIR, RM, DIRECTORY, DIRECTORY_PART,
 * GET_PERMS and SET_PERMS (operations.md), in or out of a transaction.
 *
 * Every lookup goes through the request's view: the store's root, or the
 * transaction's, where it is recorded as an observation (what the
 * operation looked at: existence, value, permissions, child list) so that
 * the commit knows what the transaction depended on.
 *
 * Error masking is the C daemon's (operations.md §0): a caller who could
 * not see a missing node gets EACCES rather than ENOENT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "events.h"
#include "path.h"
#include "persist.h"
#include "perms.h"
#include "request.h"
#include "txn.h"

#define OBS_NODE (TRIE_OBS_EXISTS | TRIE_OBS_PERMS)

/* Canonical form of path argument `i` (the path-max quota applies). */
static int
arg_path(struct req *r, size_t i, unsigned flags, char *out, bool *relative)
{
	bool rel;

	if (r->argc <= i)
		return -EINVAL;
	return path_canon(r->argv[i], r->c->domid,
	    r->x->cfg.quota.hard[Q_PATH_MAX], flags, out,
	    relative ? relative : &rel);
}

static int
view_get(struct req *r, const char *path, unsigned obs,
    const struct trie_node **n)
{
	if (r->txn != NULL)
		return trie_txn_get(r->x->store.cx, r->txn->tx, path, obs, n);
	*n = trie_get(r->x->store.cx, r->x->store.root, path);
	return 0;
}

static int
view_deepest(struct req *r, const char *path, unsigned obs,
    const struct trie_node **n, size_t *matched)
{
	if (r->txn != NULL)
		return trie_txn_get_deepest(r->x->store.cx, r->txn->tx, path,
		    obs, n, matched);
	*n = trie_get_deepest(r->x->store.cx, r->x->store.root, path,
	    matched);
	return *n ? 0 : -EINVAL;
}

static unsigned
access_to(struct req *r, const struct trie_node *n)
{
	size_t np;
	const struct trie_perm *p = trie_node_perms(n, &np);

	return perms_for(p, np, trie_node_gen(n), &r->who, daemon_entry_alive,
	    r->x);
}

static int touch(struct req *r, const char *path);

/*
 * The node at `path` if the caller has every bit of `want` on it.  A
 * missing node is ENOENT when the caller's access to the nearest existing
 * ancestor shares a bit with `want`, else EACCES.  In a transaction the
 * lookup touches the node, present or not (the C daemon's access_node).
 */
static int
get_checked(struct req *r, const char *path, unsigned want, unsigned obs,
    const struct trie_node **out)
{
	const struct trie_node *n, *a;
	size_t m;
	int rc = touch(r, path);

	if (rc == 0)
		rc = view_get(r, path, obs | OBS_NODE, &n);
	if (rc < 0)
		return rc;
	if (n != NULL) {
		if ((access_to(r, n) & want) != want)
			return -EACCES;
		*out = n;
		return 0;
	}
	rc = view_deepest(r, path, TRIE_OBS_PERMS, &a, &m);
	if (rc < 0)
		return rc;
	return (access_to(r, a) & want) ? -ENOENT : -EACCES;
}

/* Record size as the C daemon charges it (quotas-and-limits.md §1.2). */
static unsigned long
record_size(size_t nperms, size_t vallen, size_t kidnames)
{
	return 16 + 8 * nperms + vallen + kidnames;
}

/*
 * Node-size quota when `path` is created below the existing ancestor `a`
 * (path[0..m)): every node written counts, as in the C daemon, so the
 * ancestor whose child list grows, each created intermediate node (its
 * child list names the next level) and the target with `len` bytes.
 * Created nodes copy a's `np` permission entries.
 */
static bool
creation_too_big(const struct quota *q, const char *path, size_t m,
    const struct trie_node *a, size_t np, size_t len)
{
	const char *c = path + (m == 1 ? 1 : m + 1), *e = strchrnul(c, '/');
	size_t alen;

	trie_node_value(a, &alen);
	if (quota_exceeded(q, Q_NODE_SIZE, record_size(np, alen,
	    trie_node_child_names_len(a) + (size_t)(e - c) + 1)))
		return true;
	while (*e != '\0') {
		c = e + 1;
		e = strchrnul(c, '/');
		if (quota_exceeded(q, Q_NODE_SIZE, record_size(np, 0,
		    (size_t)(e - c) + 1)))
			return true;
	}
	return quota_exceeded(q, Q_NODE_SIZE, record_size(np, len, 0));
}

/* Quotas a published change must respect, for unprivileged callers. */
static int
check_delta(struct req *r, const struct trie_acct *delta)
{
	struct domain *d = r->c->dom;
	struct trie_acct_entry use, del;

	if (r->who.priv || d == NULL)
		return 0;
	use = store_usage(&r->x->store, r->c->domid);
	del = trie_acct_get(delta, r->c->domid);
	if (del.nodes > 0 && quota_exceeded(&d->quota, Q_NODES,
	    (unsigned long)(use.nodes + del.nodes)))
		return -ENOSPC;
	if (del.bytes > 0 && quota_exceeded(&d->quota, Q_MEMORY,
	    daemon_charged(r->x, d) + (unsigned long)del.bytes))
		return -ENOMEM;
	return 0;
}

/* The transaction-nodes quota, for unprivileged callers. */
static int
touch(struct req *r, const char *path)
{
	long n;

	if (r->txn == NULL || r->who.priv || r->c->dom == NULL)
		return 0;
	n = txn_touch(r->txn, path, r->x->seed);
	if (n < 0) {
		r->txn->failed = -ENOMEM;
		return (int)n;
	}
	if (quota_exceeded(&r->c->dom->quota, Q_TXN_NODES, (unsigned long)n)) {
		r->txn->failed = -ENOMEM;	/* the commit must fail */
		return -ENOSPC;
	}
	return 0;
}

enum update { U_WRITE, U_MKDIR, U_RM, U_PERMS };

struct update_args {
	enum update what;
	const char *path;
	const void *val;
	size_t len;
	const struct trie_perm *perms;
	size_t np;
};

/*
 * Apply an update: into the transaction, or to the store (quota check,
 * publish, watch events).  Outside a transaction, a WRITE or MKDIR runs
 * `check` (may be NULL) on the walk the update makes anyway.
 */
static int
apply(struct req *r, const struct update_args *u, trie_precheck_fn *check,
    void *arg)
{
	struct xsd *x = r->x;
	struct trie_ctx *cx = x->store.cx;
	int creator = r->who.priv ? TRIE_INHERIT : (int)r->c->domid;
	struct trie_node *nr = NULL;
	struct trie_log log;
	int rc;

	if (r->txn != NULL) {
		struct trie_txn *tx = r->txn->tx;

		switch (u->what) {
		case U_WRITE:
			rc = trie_txn_write(cx, tx, u->path, u->val, u->len,
			    creator);
			break;
		case U_MKDIR:
			rc = trie_txn_mkdir(cx, tx, u->path, creator);
			break;
		case U_RM:
			rc = trie_txn_rm(cx, tx, u->path);
			break;
		default:
			rc = trie_txn_set_perms(cx, tx, u->path, u->perms,
			    u->np);
			break;
		}
		if (rc == -ENOMEM)
			r->txn->failed = rc;
		return rc;
	}
	trie_log_init(&log, cx);
	switch (u->what) {
	case U_WRITE:
		rc = trie_write_if(cx, x->store.root, u->path, u->val, u->len,
		    creator, check, arg, &log, &nr);
		break;
	case U_MKDIR:
		rc = trie_mkdir_if(cx, x->store.root, u->path, creator, check,
		    arg, &log, &nr);
		break;
	case U_RM:
		rc = trie_rm(cx, x->store.root, u->path, &log, &nr);
		break;
	default:
		rc = trie_set_perms(cx, x->store.root, u->path, u->perms, u->np,
		    &log, &nr);
		break;
	}
	if (rc == 0)
		rc = check_delta(r, &log.delta);
	if (rc == 0) {
		rc = store_publish(&x->store, nr, &log);
		nr = NULL;
	}
	if (rc == 0 && log.n > 0) {	/* (none: MKDIR of an existing node) */
		static const enum persist_op ops[] = {
			[U_WRITE] = P_WRITE, [U_MKDIR] = P_MKDIR,
			[U_RM] = P_RM, [U_PERMS] = P_PERMS,
		};

		persist_update(x, ops[u->what], u->path, u->val, u->len,
		    u->perms, u->np, creator);
		events_fire_log(x, &log, false);
	}
	trie_unref(cx, nr);
	trie_log_fini(&log);
	return rc;
}

int
op_read(struct req *r)
{
	char path[PATH_BUF];
	const struct trie_node *n;
	const void *v;
	size_t len;
	int rc = arg_path(r, 0, 0, path, NULL);

	if (rc == 0)
		rc = get_checked(r, path, PERM_READ, TRIE_OBS_VALUE, &n);
	if (rc < 0)
		return rc;
	v = trie_node_value(n, &len);
	if (len > XENSTORE_PAYLOAD_MAX) {
		r->outlen = len;	/* E2BIG */
		return 0;
	}
	memcpy(r->out, v, len);
	r->outlen = len;
	return 0;
}

/* What WRITE and MKDIR check on the node or its deepest ancestor. */
struct set_check {
	struct req *r;
	const char *path;
	size_t len;
	bool mkdir;
};

/*
 * Write permission, then the node-size quota: of the node written, or of
 * every node a creation writes.  An existing node passes MKDIR's checks
 * here with nothing left to do.  A trie_precheck_fn.
 */
static int
set_precheck(void *arg, const struct trie_node *n, bool exists,
    size_t matched)
{
	const struct set_check *sc = arg;
	struct req *r = sc->r;
	struct domain *d = r->c->dom;
	bool quota = !r->who.priv && d != NULL;
	size_t np;

	if (!(access_to(r, n) & PERM_WRITE))
		return -EACCES;
	trie_node_perms(n, &np);
	if (exists)
		return !sc->mkdir && quota && quota_exceeded(&d->quota,
		    Q_NODE_SIZE, record_size(np, sc->len,
		    trie_node_child_names_len(n))) ? -ENOSPC : 0;
	return quota && creation_too_big(&d->quota, sc->path, matched, n, np,
	    sc->len) ? -ENOSPC : 0;
}

/*
 * WRITE and MKDIR: permission, size and creation checks, then apply.
 * Outside a transaction the checks run inside the update's own walk.
 */
static int
set_common(struct req *r, const char *path, const void *val, size_t len,
    bool mkdir)
{
	struct update_args u = { mkdir ? U_MKDIR : U_WRITE, path, val, len,
	    NULL, 0 };
	struct set_check sc = { r, path, len, mkdir };
	const struct trie_node *n;
	size_t m;
	int rc;

	if (r->txn == NULL)
		return apply(r, &u, set_precheck, &sc);
	rc = view_get(r, path, OBS_NODE, &n);
	if (rc < 0)
		return rc;
	if (n != NULL) {
		rc = set_precheck(&sc, n, true, strlen(path));
		if (rc < 0 || mkdir)
			return rc;	/* MKDIR: exists, nothing to do */
		rc = touch(r, path);
	} else {
		rc = view_deepest(r, path, TRIE_OBS_PERMS, &n, &m);
		if (rc == 0)
			rc = set_precheck(&sc, n, false, m);
		if (rc == 0)
			rc = touch(r, path);
		if (rc == 0) {
			char parent[PATH_BUF];

			memcpy(parent, path, m);
			parent[m] = '\0';
			rc = touch(r, parent);
		}
	}
	if (rc < 0)
		return rc;
	return apply(r, &u, NULL, NULL);
}

int
op_write(struct req *r)
{
	char path[PATH_BUF];
	const char *first, *val;
	size_t len;
	bool rel;
	int rc;

	if (!wire_first(r->w->body, r->w->len, &first, &val, &len))
		return -EINVAL;
	rc = path_canon(first, r->c->domid, r->x->cfg.quota.hard[Q_PATH_MAX],
	    0, path, &rel);
	if (rc == 0)
		rc = set_common(r, path, val, len, false);
	return rc < 0 ? rc : req_ok(r);
}

int
op_mkdir(struct req *r)
{
	char path[PATH_BUF];
	int rc = arg_path(r, 0, 0, path, NULL);

	if (rc == 0)
		rc = set_common(r, path, NULL, 0, true);
	return rc < 0 ? rc : req_ok(r);
}

int
op_rm(struct req *r)
{
	struct update_args u = { U_RM, NULL, NULL, 0, NULL, 0 };
	char path[PATH_BUF];
	const struct trie_node *n, *a;
	size_t m;
	int rc = arg_path(r, 0, 0, path, NULL);

	if (rc < 0)
		return rc;
	rc = view_get(r, path, OBS_NODE, &n);
	if (rc < 0)
		return rc;
	if (n == NULL) {
		rc = view_deepest(r, path, TRIE_OBS_PERMS, &a, &m);
		if (rc < 0)
			return rc;
		if (!(access_to(r, a) & PERM_WRITE))
			return -EACCES;
		/* Missing: fine if the parent exists, ENOENT if not. */
		if (m != path_parent_len(path, strlen(path)))
			return -ENOENT;
		return req_ok(r);
	}
	if (!(access_to(r, n) & PERM_WRITE))
		return -EACCES;
	/* After the permission check: a guest learns EACCES (XSA-353). */
	if (strcmp(path, "/") == 0)
		return -EINVAL;
	rc = touch(r, path);
	if (rc < 0)
		return rc;
	u.path = path;
	rc = apply(r, &u, NULL, NULL);
	return rc < 0 ? rc : req_ok(r);
}

struct listing {
	char *buf;
	size_t len, cap;
	bool overflow;
};

static int
list_one(void *arg, const struct trie_node *k)
{
	struct listing *l = arg;
	size_t n;
	const char *name = trie_node_name(k, &n);

	if (l->len + n + 1 > l->cap) {
		l->overflow = true;
		return 1;
	}
	memcpy(l->buf + l->len, name, n);
	l->buf[l->len + n] = '\0';
	l->len += n + 1;
	return 0;
}

int
op_directory(struct req *r)
{
	struct listing l = { r->out, 0, XENSTORE_PAYLOAD_MAX, false };
	char path[PATH_BUF];
	const struct trie_node *n;
	int rc = arg_path(r, 0, 0, path, NULL);

	if (rc == 0)
		rc = get_checked(r, path, PERM_READ, TRIE_OBS_CHILDREN, &n);
	if (rc < 0)
		return rc;
	trie_children(r->x->store.cx, n, list_one, &l);
	if (l.overflow)
		return -E2BIG;
	r->outlen = l.len;
	return 0;
}

int
op_directory_part(struct req *r)
{
	char path[PATH_BUF], gen[32];
	const struct trie_node *n;
	struct listing l;
	size_t off, glen, maxlen, got = 0, pos;
	unsigned long uoff;
	int rc;

	if (r->argc != 2)
		return -EINVAL;
	rc = arg_path(r, 0, 0, path, NULL);
	if (rc == 0)
		rc = get_checked(r, path, PERM_READ, TRIE_OBS_CHILDREN, &n);
	if (rc < 0)
		return rc;
	/* atoi, as the C daemon parses it */
	uoff = strtoul(r->argv[1], NULL, 10);
	l.cap = trie_node_child_names_len(n);
	l.buf = malloc(l.cap ? l.cap : 1);
	l.len = 0;
	l.overflow = false;
	if (l.buf == NULL)
		return -ENOMEM;
	trie_children(r->x->store.cx, n, list_one, &l);
	glen = (size_t)snprintf(gen, sizeof(gen), "%llu",
	    (unsigned long long)trie_node_gen(n));
	memcpy(r->out, gen, glen + 1);
	r->outlen = glen + 1;
	maxlen = XENSTORE_PAYLOAD_MAX - glen - 2;
	off = uoff > l.len ? l.len : (size_t)uoff;
	/* Whole names from `off` while the next still fits. */
	for (pos = off; pos < l.len;) {
		size_t nl = strlen(l.buf + pos);

		if (got + nl >= maxlen)
			break;
		memcpy(r->out + r->outlen + got, l.buf + pos, nl + 1);
		got += nl + 1;
		pos += nl + 1;
	}
	r->outlen += got;
	if (pos >= l.len)
		r->out[r->outlen++] = '\0';	/* the end marker */
	free(l.buf);
	return 0;
}

int
op_get_perms(struct req *r)
{
	char path[PATH_BUF];
	const struct trie_node *n;
	const struct trie_perm *p;
	size_t np;
	int rc = arg_path(r, 0, PATH_F_SPECIAL, path, NULL), len;

	if (rc < 0)
		return rc;
	if (path_is_special(path)) {
		int idx = store_special_index(path);
		const struct special_perms *sp;

		if (idx < 0)
			return -EINVAL;
		sp = &r->x->store.special[idx];
		if (!(perms_for(sp->p, sp->n, sp->gen, &r->who,
		    daemon_entry_alive, r->x) & PERM_READ))
			return -EACCES;
		p = sp->p;
		np = sp->n;
	} else {
		rc = get_checked(r, path, PERM_READ, TRIE_OBS_PERMS, &n);
		if (rc < 0)
			return rc;
		p = trie_node_perms(n, &np);
	}
	len = perms_format(p, np, r->out, REQ_OUT_MAX);
	if (len < 0) {
		r->outlen = XENSTORE_PAYLOAD_MAX + 1;	/* E2BIG */
		return 0;
	}
	r->outlen = (size_t)len;
	return 0;
}

/*
 * Entries naming domains that do not exist are kept but marked stale, so
 * that a later domain with a reused id gets nothing from them (XSA-322).
 */
static void
mark_stale(struct req *r, struct trie_perm *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i].id == DOMID_ANY) {
			if (!r->who.priv && r->c->dom != NULL &&
			    !(r->c->dom->features &
			    XENSTORE_SERVER_FEATURE_DOMID_ANY))
				p[i].flags |= PERM_F_STALE;
			continue;
		}
		if (!daemon_domain_exists(r->x, p[i].id) ||
		    daemon_track(r->x, p[i].id) == NULL)
			p[i].flags |= PERM_F_STALE;
	}
}

int
op_set_perms(struct req *r)
{
	struct update_args u = { U_PERMS, NULL, NULL, 0, NULL, 0 };
	const char *argv[REQ_ARGV], *const *ents;
	char path[PATH_BUF];
	const struct trie_node *n;
	struct trie_perm *perms;
	const struct trie_perm *old;
	size_t np, nold;
	int rc;

	if (r->argc < 2)
		return -EINVAL;
	np = r->argc - 1;
	if (!r->who.priv && r->c->dom != NULL &&
	    quota_exceeded(&r->c->dom->quota, Q_PERMS, np))
		return -ENOSPC;
	rc = arg_path(r, 0, PATH_F_SPECIAL, path, NULL);
	if (rc < 0)
		return rc;
	/* All the entries: argv holds only the first few. */
	{
		const char **all = np + 1 > REQ_ARGV ?
		    malloc((np + 1) * sizeof(*all)) : argv;

		if (all == NULL)
			return -ENOMEM;
		wire_args(r->w->body, r->w->len, all, np + 1);
		ents = all + 1;
		perms = malloc(np * sizeof(*perms));
		rc = perms ? perms_parse(ents, np, perms) : -ENOMEM;
		if (all != argv)
			free(all);
	}
	if (rc < 0)
		goto out;
	mark_stale(r, perms, np);
	if (perms[0].flags & PERM_F_STALE) {
		rc = -ENOENT;
		goto out;
	}
	if (path_is_special(path)) {
		int idx = store_special_index(path);
		const struct special_perms *sp;

		if (idx < 0) {
			rc = -EINVAL;
			goto out;
		}
		sp = &r->x->store.special[idx];
		if ((perms_for(sp->p, sp->n, sp->gen, &r->who,
		    daemon_entry_alive, r->x) & (PERM_WRITE | PERM_OWNER)) !=
		    (PERM_WRITE | PERM_OWNER)) {
			rc = -EACCES;
			goto out;
		}
		if (!r->who.priv && perms[0].id != sp->p[0].id) {
			rc = -EPERM;
			goto out;
		}
		{
			/* Watchers who could read it before hear of it. */
			struct special_perms was = *sp;

			was.p = malloc(sp->n * sizeof(*was.p));
			if (was.p == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			memcpy(was.p, sp->p, sp->n * sizeof(*was.p));
			rc = store_set_special(&r->x->store, idx, perms, np);
			if (rc == 0) {
				persist_update(r->x, P_PERMS, path, NULL, 0,
				    perms, np, 0);
				events_fire_special_perms(r->x, idx, &was);
			}
			free(was.p);
		}
		goto out;
	}
	rc = get_checked(r, path, PERM_WRITE | PERM_OWNER, 0, &n);
	if (rc < 0)
		goto out;
	old = trie_node_perms(n, &nold);
	if (!r->who.priv && perms[0].id != old[0].id) {
		rc = -EPERM;
		goto out;
	}
	rc = touch(r, path);
	if (rc < 0)
		goto out;
	u.path = path;
	u.perms = perms;
	u.np = np;
	rc = apply(r, &u, NULL, NULL);
out:
	free(perms);
	return rc < 0 ? rc : req_ok(r);
}
