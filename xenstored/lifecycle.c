/*
 * lifecycle.c: see lifecycle.h.  Tree clean-up when a domain goes away
 * follows C HEAD (permissions-watches.md §3.6): nodes it owns are removed
 * with their subtrees and the usual watch events (or given to the
 * privileged domain with -K), and ACL entries naming it are removed from
 * every other node and from the special paths' lists, so that a new
 * domain reusing the id inherits nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "events.h"
#include "lifecycle.h"
#include "perms.h"
#include "persist.h"
#include "stream.h"
#include "ring_conn.h"

struct pathlist {
	char **p;
	size_t n, cap;
	unsigned domid;
	bool all;		/* every owned node, not just the top ones */
};

static int
push(struct pathlist *l, const char *path, size_t len)
{
	char *s;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **np = realloc(l->p, cap * sizeof(*np));

		if (np == NULL)
			return -ENOMEM;
		l->p = np;
		l->cap = cap;
	}
	s = malloc(len + 1);
	if (s == NULL)
		return -ENOMEM;
	memcpy(s, path, len);
	s[len] = '\0';
	l->p[l->n++] = s;
	return 0;
}

static void
pathlist_free(struct pathlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->p[i]);
	free(l->p);
}

static int
owned_visit(void *arg, const char *path, size_t len,
    const struct trie_node *n)
{
	struct pathlist *l = arg;

	if (len == 1 || trie_node_owner(n) != l->domid)
		return 0;
	if (push(l, path, len) < 0)
		return -ENOMEM;
	return l->all ? 0 : TRIE_WALK_SKIP;
}

static int
acl_visit(void *arg, const char *path, size_t len,
    const struct trie_node *n)
{
	struct pathlist *l = arg;
	size_t np, i;
	const struct trie_perm *p = trie_node_perms(n, &np);

	for (i = 1; i < np; i++)
		if (p[i].id == l->domid)
			return push(l, path, len) < 0 ? -ENOMEM : 0;
	return 0;
}

/* Apply one update to the store and fire its events. */
typedef int update_fn(struct trie_ctx *cx, struct trie_node *root,
    const char *path, unsigned domid, unsigned priv, struct trie_log *log,
    struct trie_node **out);

static int
do_rm(struct trie_ctx *cx, struct trie_node *root, const char *path,
    unsigned domid, unsigned priv, struct trie_log *log,
    struct trie_node **out)
{
	(void)domid;
	(void)priv;
	return trie_rm(cx, root, path, log, out);
}

/* New permissions: owner re-owned to priv and/or ACL entries dropped. */
static int
do_perms(struct trie_ctx *cx, struct trie_node *root, const char *path,
    unsigned domid, unsigned priv, struct trie_log *log,
    struct trie_node **out)
{
	const struct trie_node *n = trie_get(cx, root, path);
	const struct trie_perm *p;
	struct trie_perm *np;
	size_t n_in, i, k = 0;
	int rc;

	if (n == NULL)
		return -ENOENT;
	p = trie_node_perms(n, &n_in);
	np = malloc(n_in * sizeof(*np));
	if (np == NULL)
		return -ENOMEM;
	for (i = 0; i < n_in; i++) {
		if (i > 0 && p[i].id == domid)
			continue;
		np[k] = p[i];
		if (i == 0 && p[i].id == domid)
			np[k].id = (uint16_t)priv;
		k++;
	}
	rc = trie_set_perms(cx, root, path, np, k, log, out);
	free(np);
	return rc;
}

static void
apply_all(struct xsd *x, struct pathlist *l, update_fn *fn, bool events)
{
	struct trie_ctx *cx = x->store.cx;
	size_t i;

	for (i = 0; i < l->n; i++) {
		struct trie_node *nr;
		struct trie_log log;
		int rc;

		trie_log_init(&log, cx);
		rc = fn(cx, x->store.root, l->p[i], l->domid,
		    x->cfg.priv_domid, &log, &nr);
		if (rc == 0 && store_publish(&x->store, nr, &log) == 0 &&
		    events)
			events_fire_log(x, &log, false);
		if (rc < 0 && rc != -ENOENT)
			log_err(&x->log, "domain %u clean-up of %s: error %d",
			    l->domid, l->p[i], rc);
		trie_log_fini(&log);
	}
}

/* The special paths' lists forget it too (C: "plus the two special"). */
static void
clean_specials(struct xsd *x, unsigned domid)
{
	struct trie_perm buf[64], *np;
	int i;

	for (i = 0; i < SPECIAL_COUNT; i++) {
		const struct special_perms *sp = &x->store.special[i];
		size_t j, k = 0;

		np = sp->n <= 64 ? buf : malloc(sp->n * sizeof(*np));
		if (np == NULL)
			continue;
		for (j = 0; j < sp->n; j++) {
			if (j > 0 && sp->p[j].id == domid)
				continue;
			np[k] = sp->p[j];
			if (j == 0 && np[k].id == domid)
				np[k].id = (uint16_t)x->cfg.priv_domid;
			k++;
		}
		if (k != sp->n || np[0].id != sp->p[0].id)
			store_set_special(&x->store, i, np, k);
		if (np != buf)
			free(np);
	}
}

/* Nodes owned by the domain go (or change hands); ACLs forget it. */
void
lifecycle_clean_tree(struct xsd *x, unsigned domid)
{
	struct pathlist l = { NULL, 0, 0, domid, x->cfg.keep_orphans };

	/*
	 * Not the privileged domain's (a control domain apart from the
	 * store domain, --priv-domid): it owns the root and whatever
	 * privileged callers created below it (they inherit the owner), so
	 * removing its nodes would empty the store and there is nobody to
	 * give them to; a domain with its id is privileged again anyway.
	 */
	if (domid == x->cfg.priv_domid)
		return;
	if (trie_walk(x->store.cx, x->store.root, owned_visit, &l) == 0)
		apply_all(x, &l, x->cfg.keep_orphans ? do_perms : do_rm,
		    !x->cfg.keep_orphans);
	else
		log_err(&x->log, "domain %u: cannot walk the tree", domid);
	pathlist_free(&l);
	memset(&l, 0, sizeof(l));
	l.domid = domid;
	if (trie_walk(x->store.cx, x->store.root, acl_visit, &l) == 0)
		apply_all(x, &l, do_perms, false);
	pathlist_free(&l);
	clean_specials(x, domid);
}

void
lifecycle_forget(struct xsd *x, struct domain *d)
{
	unsigned domid = d->domid;

	persist_domain(x, REC_PX_J_FORGET, domid, 0);
	/*
	 * Its nodes and ACL entries go too, as at a release: entries only
	 * lapse by generation, and a rewrite of the node would give them a
	 * newer one, granting the next domain with this id what this one
	 * had (XSA-322).
	 */
	lifecycle_clean_tree(x, domid);
	domain_forget(&x->doms, d);
}

int
lifecycle_introduce(struct xsd *x, unsigned domid, unsigned long gfn,
    unsigned port)
{
	struct domain *d = domain_find(&x->doms, domid);
	bool fresh = d == NULL || !d->introduced, tracked = d == NULL;
	int rc;

	if (d != NULL && d->dying)
		return -EBUSY;	/* the previous one is still being freed */
	if (d == NULL) {
		d = daemon_track(x, domid);
		if (d == NULL)
			return -ENOMEM;
	}
	rc = ring_conn_introduce(x, d, gfn, port);
	if (rc < 0) {
		log_warn(&x->log, "INTRODUCE of domain %u: error %d", domid,
		    rc);
		/*
		 * Tracked for this request only: forget it, so that a later
		 * INTRODUCE starts its generation (stale ACL entries) then.
		 */
		if (tracked && d->nconns == 0)
			domain_forget(&x->doms, d);
		return rc;
	}
	d->introduced = true;
	d->shutdown_reported = false;
	persist_introduce(x, d);
	if (fresh && domid != x->cfg.master_domid)
		events_fire_special(x, SPECIAL_INTRODUCE);
	return 0;
}

void
lifecycle_release(struct xsd *x, struct domain *d, bool fire)
{
	unsigned domid = d->domid;
	struct conn *c = d->conn;

	if (d->dying)
		return;
	d->dying = true;
	/* Its watches go first: its own removals must not notify it. */
	if (c != NULL) {
		conn_reset(c);
		conn_close(c, "domain released");
		d->conn = NULL;
	}
	ring_conn_release(x, d);
	persist_domain(x, REC_PX_J_RELEASE, domid, 0);
	lifecycle_clean_tree(x, domid);
	d->introduced = false;
	if (fire)
		events_fire_special(x, SPECIAL_RELEASE);
	/*
	 * Forget it once no connection refers to it any more, so that a
	 * new domain with this id starts with fresh counters and a fresh
	 * first generation (its stale ACL entries stay stale).
	 */
	if (d->nconns == 0)
		domain_forget(&x->doms, d);
}
