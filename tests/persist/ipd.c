/*
 * ipd.c: see ipd.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "loop.h"
#include "perms.h"
#include "persist.h"
#include "quota.h"
#include "ring_conn.h"
#include "state.h"
#include "store.h"
#include "txn.h"
#include "watch.h"
#include "xen.h"

#include "ipd.h"

struct xsd *
ipd_new(const char *const *args, bool xen)
{
	struct xsd *x = calloc(1, sizeof(*x));
	char *argv[64];
	int argc = 0, rc;

	if (x == NULL)
		return NULL;
	argv[argc++] = (char *)"pxenstored";
	while (args != NULL && *args != NULL && argc < 63)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	if (config_parse(&x->cfg, argc, argv, stdout, stderr) != 0) {
		free(x);
		return NULL;
	}
	log_init(&x->log, x->cfg.log_file ? LOG_DEST_FILE : LOG_DEST_STDERR,
	    x->cfg.log_file, false);
	rc = daemon_init(x, 0x1234567);
	if (rc < 0) {
		fprintf(stderr, "ipd: set-up failed: %s\n", strerror(-rc));
		ipd_free(&x);
		return NULL;
	}
	if (xen) {
		rc = xen_open(&x->log, &x->xen);
		if (rc == 0)
			rc = rings_init(x);
		if (rc < 0) {
			fprintf(stderr, "ipd: no (simulated) Xen: %s\n",
			    strerror(-rc));
			ipd_free(&x);
			return NULL;
		}
	}
	return x;
}

void
ipd_settle(struct xsd *x)
{
	int i;

	daemon_before_sleep(x);
	for (i = 0; i < 100000 && !TAILQ_EMPTY(&x->ready); i++)
		daemon_before_sleep(x);
}

void
ipd_free(struct xsd **xp)
{
	struct xsd *x = *xp;

	if (x == NULL)
		return;
	daemon_fini(x);
	log_fini(&x->log);
	config_fini(&x->cfg);
	free(x);
	*xp = NULL;
}

int
ipd_recover(struct xsd *x, bool instantiate)
{
	struct restore *r = NULL;
	int rc = persist_start(x, &r);

	if (rc == 0 && r != NULL && instantiate)
		restore_instantiate(r);
	restore_free(&r);
	return rc;
}

/* --- text ------------------------------------------------------------- */

struct sb {
	char *p;
	size_t len, cap;
};

static void
sb_printf(struct sb *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sb *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->p ? s->p + s->len : NULL,
		    s->p ? s->cap - s->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if (s->p != NULL && (size_t)n < s->cap - s->len) {
			s->len += (size_t)n;
			return;
		}
		s->cap = (s->cap + (size_t)n + 1) * 2;
		s->p = realloc(s->p, s->cap);
		if (s->p == NULL)
			abort();
	}
}

static void
sb_bytes(struct sb *s, const void *v, size_t n)
{
	const unsigned char *p = v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] >= ' ' && p[i] < 127 && p[i] != '\\')
			sb_printf(s, "%c", p[i]);
		else
			sb_printf(s, "\\x%02x", p[i]);
	}
}

static void
sb_perms(struct sb *s, struct xsd *x, const struct trie_perm *p, size_t np,
    uint64_t gen)
{
	size_t i;

	sb_printf(s, "(");
	for (i = 0; i < np; i++) {
		sb_printf(s, "%s%c%u", i ? "," : "", "nrwb"[p[i].mode & 3],
		    p[i].id);
		/* stale or not alive: either way it grants nothing */
		if (i > 0 && ((p[i].flags & PERM_F_STALE) || (x != NULL &&
		    p[i].id != DOMID_ANY &&
		    !daemon_entry_alive(x, p[i].id, gen))))
			sb_printf(s, "!dead");
		else if (i == 0 && (p[i].flags & PERM_F_STALE))
			sb_printf(s, "!stale");
	}
	sb_printf(s, ")");
}

struct walk {
	struct sb *s;
	struct xsd *x;	/* for liveness, or NULL */
};

static int
tree_line(void *arg, const char *path, size_t pathlen,
    const struct trie_node *n)
{
	struct walk *w = arg;
	size_t vlen, np;
	const void *v = trie_node_value(n, &vlen);
	const struct trie_perm *p = trie_node_perms(n, &np);

	sb_printf(w->s, "%.*s \"", (int)pathlen, path);
	sb_bytes(w->s, v, vlen);
	sb_printf(w->s, "\" ");
	sb_perms(w->s, w->x, p, np, trie_node_gen(n));
	sb_printf(w->s, "\n");
	return 0;
}

char *
ipd_tree(struct xsd *x)
{
	struct sb s = { NULL, 0, 0 };
	struct walk w = { &s, NULL };

	sb_printf(&s, "%s", "");
	if (trie_walk(x->store.cx, x->store.root, tree_line, &w) != 0)
		sb_printf(&s, "(walk failed)\n");
	return s.p;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lines appended in sorted order (sets compared, not their order). */
struct lines {
	char **l;
	size_t n, cap;
};

static void
lines_add(struct lines *ls, struct sb *tmp)
{
	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? ls->cap * 2 : 16;
		ls->l = realloc(ls->l, ls->cap * sizeof(*ls->l));
		if (ls->l == NULL)
			abort();
	}
	ls->l[ls->n++] = tmp->p;
	memset(tmp, 0, sizeof(*tmp));
}

static void
lines_flush(struct lines *ls, struct sb *s)
{
	size_t i;

	if (ls->n > 0)
		qsort(ls->l, ls->n, sizeof(*ls->l), cmp_str);
	for (i = 0; i < ls->n; i++) {
		sb_printf(s, "%s", ls->l[i]);
		free(ls->l[i]);
	}
	free(ls->l);
	memset(ls, 0, sizeof(*ls));
}

static void
quota_line(struct sb *s, const struct quota *q)
{
	int i;

	for (i = 0; i < Q_COUNT; i++)
		sb_printf(s, " %s=%u", quota_name((enum quota_id)i),
		    q->hard[i]);
	sb_printf(s, " soft-memory=%u", q->soft[Q_MEMORY]);
}

struct dctx {
	struct xsd *x;
	struct lines doms;
	uint8_t named[65536 / 8];	/* by a live ACL entry */
};

static int
name_visit(void *arg, const char *path, size_t pathlen,
    const struct trie_node *n)
{
	struct dctx *k = arg;
	size_t np, i;
	const struct trie_perm *p = trie_node_perms(n, &np);

	(void)path;
	(void)pathlen;
	for (i = 1; i < np; i++)
		if (!(p[i].flags & PERM_F_STALE) &&
		    daemon_entry_alive(k->x, p[i].id, trie_node_gen(n)))
			k->named[p[i].id / 8] |= (uint8_t)(1u << (p[i].id % 8));
	return 0;
}

static void
one_domain(void *arg, struct domain *d)
{
	struct dctx *k = arg;
	struct sb s = { NULL, 0, 0 };
	struct lines w = { NULL, 0, 0 }, t = { NULL, 0, 0 };
	const struct conn *c = ring_conn_of(d);

	/*
	 * A domain the daemon tracks only because a request named it (and
	 * failed: no record of it) makes no difference the restored daemon
	 * could show: not compared.
	 */
	if (!d->introduced && d->ring == NULL && d->nconns == 0 &&
	    d->domid < 65536 && !(k->named[d->domid / 8] & (1u << (d->domid %
	    8))) && d->target < 0 && d->watches == 0 && d->txns == 0)
		return;
	sb_printf(&s, "domain %u: introduced=%d dying=%d shutdown=%d "
	    "target=%d features=%#x watches=%u txns=%u watch_bytes=%lu",
	    d->domid, d->introduced, d->dying, d->shutdown_reported,
	    d->target, d->features, d->watches, d->txns, d->watch_bytes);
	if (d->introduced)
		sb_printf(&s, " ring=%s port=%u gfn=%#llx", d->ring ? "yes" :
		    "no", d->remote_port, d->kva ? 0ULL :
		    (unsigned long long)d->gfn);
	/* the privileged domain's copy is never used (no quota applies),
	 * and connections track it unrecorded */
	if (d->domid != k->x->cfg.priv_domid &&
	    d->domid != k->x->cfg.master_domid)
		quota_line(&s, &d->quota);
	sb_printf(&s, "\n");
	if (c != NULL) {
		const struct watch *wt;
		const struct txn *tx;

		TAILQ_FOREACH(wt, &c->watches, conn_link) {
			struct sb l = { NULL, 0, 0 };

			sb_printf(&l, "  watch \"");
			sb_bytes(&l, wt->path, strlen(wt->path));
			sb_printf(&l, "\" \"");
			sb_bytes(&l, wt->token, strlen(wt->token));
			sb_printf(&l, "\" depth=%d relative=%d\n", wt->depth,
			    wt->relative);
			lines_add(&w, &l);
		}
		TAILQ_FOREACH(tx, &c->txns, link) {
			struct sb l = { NULL, 0, 0 };

			sb_printf(&l, "  transaction %u\n", tx->id);
			lines_add(&t, &l);
		}
		sb_printf(&s, "  connection: %u watches, %u transactions\n",
		    c->nwatches, c->ntxns);
		lines_flush(&w, &s);
		lines_flush(&t, &s);
	}
	lines_add(&k->doms, &s);
}

char *
ipd_describe(struct xsd *x)
{
	struct sb s = { NULL, 0, 0 };
	struct walk w = { &s, x };
	static struct dctx k;
	size_t i;

	memset(&k, 0, sizeof(k));
	k.x = x;
	trie_walk(x->store.cx, x->store.root, name_visit, &k);

	sb_printf(&s, "global quotas:");
	quota_line(&s, &x->cfg.quota);
	sb_printf(&s, "\n");
	for (i = 0; i < SPECIAL_COUNT; i++) {
		sb_printf(&s, "special %zu ", i);
		sb_perms(&s, NULL, x->store.special[i].p,
		    x->store.special[i].n, 0);
		sb_printf(&s, "\n");
	}
	domains_foreach(&x->doms, one_domain, &k);
	lines_flush(&k.doms, &s);
	for (i = 0; i < x->store.acct.n; i++)
		sb_printf(&s, "accounting %u: %lld nodes, %lld bytes\n",
		    x->store.acct.e[i].owner,
		    (long long)x->store.acct.e[i].nodes,
		    (long long)x->store.acct.e[i].bytes);
	if (trie_walk(x->store.cx, x->store.root, tree_line, &w) != 0)
		sb_printf(&s, "(walk failed)\n");
	return s.p;
}

char *
ipd_recover_tree(const char *dir, int *rc)
{
	const char *args[] = { "-D", "--state-dir", dir, "--log-file",
		"/dev/null", NULL };
	struct xsd *x = ipd_new(args, false);
	char *t = NULL;

	if (x == NULL) {
		*rc = -ENOMEM;
		return NULL;
	}
	*rc = ipd_recover(x, false);
	if (*rc == 0)
		t = ipd_tree(x);
	ipd_free(&x);
	return t;
}
