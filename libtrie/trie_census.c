/*
 * trie_census.c: the reference census (trie.h, trie__census_*).  The
 * caller declares every reference it holds on a context's nodes; the
 * census then visits each object reachable from them once -- nodes, and
 * the kmaps, CHAMP and order-vector nodes of large directories -- counts
 * the references pointing at it (declared ones, parents' child slots,
 * index entries) and compares that with its reference count.  Nodes the
 * context counts as alive but the census never reached are leaks.
 *
 * A count above the references found means a reference leaked (or a
 * holder was not declared); below, the object would be freed while still
 * in use.  Iterative: a heap work list, so tree depth never becomes C
 * stack depth.  No I/O; memory through trie__alloc.
 */
#include <errno.h>
#include <stdio.h>

#include "trie_internal.h"

struct cent {
	const void *p;		/* NULL: empty slot */
	uint32_t found;		/* references found pointing at it */
	uint8_t kind;		/* enum census_kind */
	uint8_t shift;		/* order-vector level */
};

struct cwork {
	const void *p;
	uint8_t kind, shift;
};

struct trie_census {
	struct trie_ctx *cx;
	struct cent *tab;	/* open addressing, power-of-two size */
	size_t cap, used, nodes;
	struct cwork *work;	/* objects still to expand */
	size_t nwork, capwork;
	const struct trie_node **roots;	/* declared trees: for messages */
	size_t nroots, caproots;
	int err;		/* sticky -ENOMEM */
};

static size_t
slot_of(const struct trie_census *cs, const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 17) & (cs->cap - 1);
}

static int
rehash(struct trie_census *cs)
{
	size_t ncap = cs->cap ? cs->cap * 2 : 1024, i;
	struct cent *old = cs->tab, *nt;
	size_t ocap = cs->cap;

	nt = trie__alloc(cs->cx, ncap * sizeof(*nt));
	if (nt == NULL)
		return -ENOMEM;
	memset(nt, 0, ncap * sizeof(*nt));
	cs->tab = nt;
	cs->cap = ncap;
	for (i = 0; i < ocap; i++) {
		size_t k;

		if (old[i].p == NULL)
			continue;
		for (k = slot_of(cs, old[i].p); nt[k].p != NULL;
		    k = (k + 1) & (ncap - 1))
			;
		nt[k] = old[i];
	}
	trie__free(cs->cx, old, ocap * sizeof(*old));
	return 0;
}

static int
push_work(struct trie_census *cs, const void *p, int kind, unsigned shift)
{
	if (cs->nwork == cs->capwork) {
		size_t ncap = cs->capwork ? cs->capwork * 2 : 256;
		struct cwork *nw = trie__alloc(cs->cx, ncap * sizeof(*nw));

		if (nw == NULL)
			return -ENOMEM;
		if (cs->nwork)
			memcpy(nw, cs->work, cs->nwork * sizeof(*nw));
		trie__free(cs->cx, cs->work, cs->capwork * sizeof(*nw));
		cs->work = nw;
		cs->capwork = ncap;
	}
	cs->work[cs->nwork].p = p;
	cs->work[cs->nwork].kind = (uint8_t)kind;
	cs->work[cs->nwork].shift = (uint8_t)shift;
	cs->nwork++;
	return 0;
}

/* One reference found on `p`; new objects go on the work list. */
static int
found(void *arg, const void *p, int kind, unsigned shift)
{
	struct trie_census *cs = arg;
	size_t k;

	if (p == NULL)
		return 0;
	if ((cs->used + 1) * 2 > cs->cap && rehash(cs) < 0)
		return -ENOMEM;
	for (k = slot_of(cs, p); cs->tab[k].p != NULL;
	    k = (k + 1) & (cs->cap - 1))
		if (cs->tab[k].p == p) {
			cs->tab[k].found++;
			return 0;
		}
	if (push_work(cs, p, kind, shift) < 0)
		return -ENOMEM;
	cs->tab[k].p = p;
	cs->tab[k].found = 1;
	cs->tab[k].kind = (uint8_t)kind;
	cs->tab[k].shift = (uint8_t)shift;
	cs->used++;
	if (kind == CK_NODE)
		cs->nodes++;
	return 0;
}

int
trie__census_new(struct trie_ctx *cx, struct trie_census **out)
{
	struct trie_census *cs = trie__alloc(cx, sizeof(*cs));

	if (cs == NULL)
		return -ENOMEM;
	memset(cs, 0, sizeof(*cs));
	cs->cx = cx;
	if (rehash(cs) < 0) {
		trie__free(cx, cs, sizeof(*cs));
		return -ENOMEM;
	}
	*out = cs;
	return 0;
}

void
trie__census_free(struct trie_census *cs)
{
	if (cs == NULL)
		return;
	trie__free(cs->cx, cs->tab, cs->cap * sizeof(cs->tab[0]));
	trie__free(cs->cx, cs->work, cs->capwork * sizeof(cs->work[0]));
	trie__free(cs->cx, cs->roots, cs->caproots * sizeof(cs->roots[0]));
	trie__free(cs->cx, cs, sizeof(*cs));
}

static int
sticky(struct trie_census *cs, int rc)
{
	if (rc < 0 && cs->err == 0)
		cs->err = rc;
	return rc;
}

int
trie__census_root(struct trie_census *cs, const struct trie_node *n)
{
	if (n == NULL)
		return 0;
	if (n->namelen == 0) {	/* a whole tree: searched for messages */
		if (cs->nroots == cs->caproots) {
			size_t ncap = cs->caproots ? cs->caproots * 2 : 16;
			const struct trie_node **nr = trie__alloc(cs->cx,
			    ncap * sizeof(*nr));

			if (nr == NULL)
				return sticky(cs, -ENOMEM);
			if (cs->nroots)
				memcpy(nr, cs->roots,
				    cs->nroots * sizeof(*nr));
			trie__free(cs->cx, cs->roots,
			    cs->caproots * sizeof(*nr));
			cs->roots = nr;
			cs->caproots = ncap;
		}
		cs->roots[cs->nroots++] = n;
	}
	return sticky(cs, found(cs, n, CK_NODE, 0));
}

static int
declare_one(void *arg, const void *obj, int kind, unsigned shift)
{
	(void)kind;
	(void)shift;
	return trie__census_root(arg, obj);
}

int
trie__census_txn(struct trie_census *cs, const struct trie_txn *tx)
{
	return sticky(cs, trie__txn_census(tx, declare_one, cs));
}

int
trie__census_log(struct trie_census *cs, const struct trie_log *log)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < log->n; i++) {
		rc = trie__census_root(cs, log->ch[i].old);
		if (rc == 0)
			rc = trie__census_root(cs, log->ch[i].new);
	}
	return rc;
}

/* The references held by one object. */
static int
expand(struct trie_census *cs, const struct cwork *w)
{
	const struct trie_node *n = w->p;
	size_t i;
	int rc = 0;

	if (w->kind != CK_NODE)
		return kmap__census_refs(w->p, w->kind, w->shift, found, cs);
	if (n->flags & TN_MAP)
		return found(cs, node_map(n), CK_KMAP, 0);
	for (i = 0; rc == 0 && i < n->nkids; i++)
		rc = found(cs, node_kids(n)[i], CK_NODE, 0);
	return rc;
}

struct pathfind {
	const struct trie_node *target;
	char *buf;
	size_t len;
};

static int
pathfind_visit(void *arg, const char *path, size_t pathlen,
    const struct trie_node *n)
{
	struct pathfind *pf = arg;

	(void)pathlen;
	if (n != pf->target)
		return 0;
	snprintf(pf->buf, pf->len, "%s", path);
	return 1;
}

/* Where `n` is in one of the declared trees, or its name. */
static void
describe(struct trie_census *cs, const struct trie_node *n, char *buf,
    size_t len)
{
	struct pathfind pf = { n, buf, len };
	size_t i;

	for (i = 0; i < cs->nroots; i++)
		if (trie__walk_post(cs->cx, cs->roots[i], "/", 1,
		    pathfind_visit, &pf) == 1)
			return;
	snprintf(buf, len, "node named '%.*s' (in no declared tree)",
	    (int)(n->namelen > 64 ? 64 : n->namelen), node_name(n));
}

static const char *const kind_names[] = {
	"node", "large-directory map", "directory hash-map node",
	"directory order node",
};

int
trie__census_check(struct trie_census *cs, char *why, size_t whylen)
{
	char label[TRIE_PATH_MAX + 64], one[512];
	size_t i, bad = 0;
	int rc = cs->err;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	while (rc == 0 && cs->nwork > 0) {
		struct cwork w = cs->work[--cs->nwork];

		if (w.kind == CK_NODE) {
			const struct trie_node *n = w.p;

			if (trie__node_check(cs->cx, n, n->namelen == 0,
			    "", one, sizeof(one)) < 0) {
				describe(cs, n, label, sizeof(label));
				if (why != NULL && whylen > 0)
					snprintf(why, whylen, "%s%s", label,
					    one);
				return -EIO;
			}
		}
		rc = expand(cs, &w);
	}
	if (rc < 0)
		return rc;
	for (i = 0; i < cs->cap; i++) {
		const struct cent *e = &cs->tab[i];
		uint32_t refs;

		if (e->p == NULL)
			continue;
		refs = e->kind == CK_NODE ?
		    ((const struct trie_node *)e->p)->refs :
		    kmap__census_count(e->p, e->kind);
		if (refs == e->found)
			continue;
		if (bad++ > 0)
			continue;
		if (e->kind == CK_NODE)
			describe(cs, e->p, label, sizeof(label));
		else
			snprintf(label, sizeof(label), "a %s",
			    kind_names[e->kind]);
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "%s: reference count %u, but %u "
			    "references to it (%s)", label, refs, e->found,
			    refs > e->found ? "a reference leaked or its "
			    "holder is unknown" : "it would be freed while "
			    "in use");
	}
	if (bad > 0) {
		size_t l = why != NULL ? strlen(why) : 0;

		if (bad > 1 && why != NULL && l + 1 < whylen)
			snprintf(why + l, whylen - l, "; %zu objects wrong in "
			    "all", bad);
		return -EIO;
	}
	if (cs->nodes != cs->cx->live_nodes) {
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "%llu nodes alive, %zu reachable "
			    "from the references held: %s",
			    (unsigned long long)cs->cx->live_nodes, cs->nodes,
			    cs->nodes < cs->cx->live_nodes ? "unreachable "
			    "nodes (leaked)" : "counter wrong");
		return -EIO;
	}
	return 0;
}
