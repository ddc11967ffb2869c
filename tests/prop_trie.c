/*
 * prop_trie.c: model-based property test of libtrie.
 *
 * Seeded random sequences of direct updates, reads and several interleaved
 * transactions run against the trie and against tests/model (a naive
 * array of full paths).  The model decides transaction conflicts by
 * serializability: at commit it replays the transaction's operations, in
 * order, on the current store and commits only if every reply (read
 * results, error codes) is the one the transaction saw.  So the test fails
 * on a false EAGAIN as well as on a lost update.
 *
 * Checked: every reply; every commit result; the full contents, child
 * order and accounting (incremental == recount == model) periodically;
 * snapshots never change; no-op writes keep identity; the live-node
 * counter returns to zero.  Names come from a small set so that
 * transactions collide often, plus one wide directory that crosses the
 * large-directory threshold back and forth.
 *
 * PROP_SEED=<n> replays a run; PROP_OPS=<n> sets its length (default
 * 100000).  The seed is printed at start and in every failure message.
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/model.h"
#include "trie.h"

#define NSLOTS 4
#define MAXSTEPS 64
#define RESMAX 8192

static uint64_t rng;
static uint64_t seed;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static unsigned
pick(unsigned n)
{
	return (unsigned)(rnd() % n);
}

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		char m_[3 * RESMAX]; \
		snprintf(m_, sizeof(m_), __VA_ARGS__); \
		ck_abort_msg("seed %" PRIu64 " op %lu: %s", seed, opno, m_); \
	} \
} while (0)

static unsigned long opno;

/* ---------------------------------------------------------------- */
/* random inputs                                                     */

static void
rand_path(char *buf, size_t size)
{
	static const char *names[] = { "a", "b", "c" };
	unsigned depth, i;

	if (pick(4) == 0) {
		/* the wide directory: up to 60 children */
		snprintf(buf, size, "/w/%u", pick(60));
		if (pick(3) == 0)
			strncat(buf, "/x", size - strlen(buf) - 1);
		return;
	}
	depth = 1 + pick(3);
	buf[0] = '\0';
	for (i = 0; i < depth; i++) {
		strncat(buf, "/", size - strlen(buf) - 1);
		strncat(buf, names[pick(3)], size - strlen(buf) - 1);
	}
	if (pick(20) == 0)
		snprintf(buf, size, "/");
}

static const char *values[] = { "", "x", "y", "z\0z" };
static const size_t vlens[] = { 0, 1, 1, 3 };

static size_t
rand_perms(struct trie_perm *p)
{
	size_t n = 1 + pick(3), i;

	for (i = 0; i < n; i++) {
		p[i].id = (uint16_t)pick(4);
		p[i].mode = (uint8_t)pick(4);
		p[i].flags = 0;
	}
	return n;
}

static int
rand_creator(void)
{
	return pick(2) ? TRIE_INHERIT : (int)pick(4);
}

/* ---------------------------------------------------------------- */
/* replies as strings, comparable between trie and model             */

static void
app(char *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
app(char *r, const char *fmt, ...)
{
	size_t n = strlen(r);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r + n, RESMAX - n, fmt, ap);
	va_end(ap);
}

static void
app_bytes(char *r, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		app(r, "%02x", p[i]);
}

static int
app_kid(void *arg, const struct trie_node *k)
{
	size_t len;
	const char *name = trie_node_name(k, &len);

	app(arg, "%.*s,", (int)len, name);
	return 0;
}

static void
trie_result(struct trie_ctx *cx, const struct trie_node *n, unsigned flags,
    char *r)
{
	size_t len, i;
	const void *v;
	const struct trie_perm *p;

	if (n == NULL) {
		app(r, "M");
		return;
	}
	app(r, "E");
	if (flags & TRIE_OBS_VALUE) {
		v = trie_node_value(n, &len);
		app(r, " v:");
		app_bytes(r, v, len);
	}
	if (flags & TRIE_OBS_PERMS) {
		p = trie_node_perms(n, &len);
		app(r, " p:");
		for (i = 0; i < len; i++)
			app(r, "%u.%u,", p[i].id, p[i].mode);
	}
	if (flags & TRIE_OBS_CHILDREN) {
		app(r, " c:");
		trie_children(cx, n, app_kid, r);
	}
}

static void
model_result(const struct model *m, const struct mnode *x, unsigned flags,
    char *r)
{
	const struct mnode *kids[256];
	size_t i, k;

	if (x == NULL) {
		app(r, "M");
		return;
	}
	app(r, "E");
	if (flags & TRIE_OBS_VALUE) {
		app(r, " v:");
		app_bytes(r, x->val, x->vlen);
	}
	if (flags & TRIE_OBS_PERMS) {
		app(r, " p:");
		for (i = 0; i < x->np; i++)
			app(r, "%u.%u,", x->perms[i].id, x->perms[i].mode);
	}
	if (flags & TRIE_OBS_CHILDREN) {
		app(r, " c:");
		k = model_children(m, x->path, kids, 256);
		for (i = 0; i < k; i++)
			app(r, "%s,", strrchr(kids[i]->path, '/') + 1);
	}
}

/* ---------------------------------------------------------------- */
/* model transactions: a snapshot plus the log of (operation, reply)   */

enum mop { M_GET, M_DEEP, M_WRITE, M_MKDIR, M_RM, M_PERMS };

struct mstep {
	enum mop op;
	char path[64];
	unsigned flags;
	int vi, creator;
	struct trie_perm perms[4];
	size_t np;
	char reply[RESMAX];
};

struct slot {
	bool open;
	struct trie_txn *tx;
	struct model snap;
	struct mstep *steps;
	size_t n;
};

/* Execute one step on a model and produce its reply string. */
static void
mstep_exec(struct model *m, const struct mstep *s, char *reply)
{
	size_t matched;
	struct mnode *x;
	int rc = 0;

	reply[0] = '\0';
	switch (s->op) {
	case M_GET:
		if (s->flags != 0)
			model_result(m, model_find(m, s->path), s->flags,
			    reply);
		return;
	case M_DEEP:
		x = model_deepest(m, s->path, &matched);
		app(reply, "m=%zu ", matched);
		model_result(m, x, s->flags, reply);
		return;
	case M_WRITE:
		rc = model_write(m, s->path, values[s->vi], vlens[s->vi],
		    s->creator);
		break;
	case M_MKDIR:
		rc = model_mkdir(m, s->path, s->creator);
		break;
	case M_RM:
		rc = model_rm(m, s->path);
		break;
	case M_PERMS:
		rc = model_set_perms(m, s->path, s->perms, s->np);
		break;
	}
	app(reply, "rc=%d", rc);
}

/* ---------------------------------------------------------------- */
/* the store under test                                              */

struct world {
	struct trie_ctx *cx;
	struct trie_node *root;
	struct trie_acct acct;	/* incremental totals */
	struct model m;
	struct slot slot[NSLOTS];
	/* a held snapshot and what it must keep showing */
	struct trie_node *snap;
	struct model snapm;
	uint64_t commits[4];	/* by trie_commit_how */
	uint64_t eagain;
};

static void
publish(struct world *w, struct trie_node *nr, struct trie_log *log)
{
	CHECK(trie_acct_merge(&w->acct, &log->delta) == 0, "merge");
	trie_unref(w->cx, w->root);
	w->root = nr;
}

/* Compare a trie version against a model, node by node. */
static void
compare_tree(struct world *w, const struct trie_node *root,
    const struct model *m, const char *what)
{
	struct trie_acct a, b;
	size_t i;
	char *r1 = malloc(RESMAX), *r2 = malloc(RESMAX);
	unsigned all = TRIE_OBS_VALUE | TRIE_OBS_PERMS | TRIE_OBS_CHILDREN;

	for (i = 0; i < m->count; i++) {
		const struct mnode *x = &m->n[i];

		r1[0] = r2[0] = '\0';
		trie_result(w->cx, trie_get(w->cx, root, x->path), all, r1);
		model_result(m, x, all, r2);
		CHECK(strcmp(r1, r2) == 0, "%s %s: trie [%s] model [%s]", what,
		    x->path, r1, r2);
	}
	trie_acct_init(&a, w->cx);
	trie_acct_init(&b, w->cx);
	CHECK(trie_acct_recount(w->cx, root, &a) == 0, "recount");
	model_acct(m, &b);
	CHECK(trie_acct_equal(&a, &b), "%s: recount differs from model", what);
	trie_acct_fini(&a);
	trie_acct_fini(&b);
	CHECK(trie__check(w->cx, root, r1, RESMAX) == 0, "%s: check: %s",
	    what, r1);
	free(r1);
	free(r2);
}

/*
 * Every reference the world holds, declared: each node's count equals
 * the references to it and nothing alive is unreachable.
 */
static void
census(struct world *w)
{
	struct trie_census *cs;
	char why[RESMAX];
	size_t i;

	CHECK(trie__census_new(w->cx, &cs) == 0, "census");
	CHECK(trie__census_root(cs, w->root) == 0, "census root");
	CHECK(trie__census_root(cs, w->snap) == 0, "census snapshot");
	for (i = 0; i < NSLOTS; i++)
		if (w->slot[i].open)
			CHECK(trie__census_txn(cs, w->slot[i].tx) == 0,
			    "census txn");
	CHECK(trie__census_check(cs, why, sizeof(why)) == 0, "census: %s",
	    why);
	trie__census_free(cs);
}

static void
full_check(struct world *w)
{
	struct trie_acct a;

	compare_tree(w, w->root, &w->m, "store");
	trie_acct_init(&a, w->cx);
	CHECK(trie_acct_recount(w->cx, w->root, &a) == 0, "recount");
	CHECK(trie_acct_equal(&a, &w->acct),
	    "incremental accounting differs from recount");
	trie_acct_fini(&a);
	if (w->snap != NULL)
		compare_tree(w, w->snap, &w->snapm, "snapshot");
	census(w);
}

/* A direct (non-transactional) operation. */
static void
direct_op(struct world *w)
{
	char path[64], r1[RESMAX], r2[RESMAX];
	struct trie_perm perms[4];
	struct trie_node *nr = NULL;
	struct trie_log log;
	struct mstep s;
	int rc, vi;
	unsigned op = pick(10);

	rand_path(path, sizeof(path));
	trie_log_init(&log, w->cx);
	memset(&s, 0, sizeof(s));
	snprintf(s.path, sizeof(s.path), "%s", path);
	if (op < 3) {
		unsigned flags = TRIE_OBS_VALUE | TRIE_OBS_PERMS |
		    TRIE_OBS_CHILDREN;

		r1[0] = r2[0] = '\0';
		trie_result(w->cx, trie_get(w->cx, w->root, path), flags, r1);
		model_result(&w->m, model_find(&w->m, path), flags, r2);
		CHECK(strcmp(r1, r2) == 0, "get %s: [%s] vs [%s]", path, r1,
		    r2);
		trie_log_fini(&log);
		return;
	}
	if (op < 6) {
		struct mnode *x = model_find(&w->m, path);

		vi = (int)pick(4);
		if (x != NULL && pick(4) == 0) {
			/* the same value again: identity must hold */
			const struct trie_node *n = trie_get(w->cx, w->root,
			    path);
			size_t len;
			const void *v = trie_node_value(n, &len);

			rc = trie_write(w->cx, w->root, path, v, len,
			    TRIE_INHERIT, &log, &nr);
			CHECK(rc == 0 && nr == w->root, "no-op write %s", path);
			CHECK(log.n == 1 && log.ch[0].old == log.ch[0].new,
			    "no-op write still logs the write");
		} else {
			int cr = rand_creator();

			rc = trie_write(w->cx, w->root, path, values[vi],
			    vlens[vi], cr, &log, &nr);
			CHECK(rc == 0, "write %s: %d", path, rc);
			model_write(&w->m, path, values[vi], vlens[vi], cr);
			CHECK(log.n == 1 && strcmp(log.ch[0].path, path) == 0,
			    "write log");
		}
	} else if (op < 7) {
		int cr = rand_creator();

		rc = trie_mkdir(w->cx, w->root, path, cr, &log, &nr);
		CHECK(rc == 0, "mkdir %s: %d", path, rc);
		model_mkdir(&w->m, path, cr);
	} else if (op < 9) {
		int mrc = model_rm(&w->m, path);

		rc = trie_rm(w->cx, w->root, path, &log, &nr);
		CHECK(rc == mrc, "rm %s: trie %d model %d", path, rc, mrc);
	} else {
		size_t np = rand_perms(perms);
		int mrc = model_set_perms(&w->m, path, perms, np);

		rc = trie_set_perms(w->cx, w->root, path, perms, np, &log, &nr);
		CHECK(rc == mrc, "setperms %s: trie %d model %d", path, rc,
		    mrc);
	}
	if (rc == 0)
		publish(w, nr, &log);
	trie_log_fini(&log);
}

static void
slot_close(struct world *w, struct slot *sl)
{
	trie_txn_free(w->cx, &sl->tx);
	model_free(&sl->snap);
	free(sl->steps);
	sl->steps = NULL;
	sl->n = 0;
	sl->open = false;
}

static void
txn_op(struct world *w, struct slot *sl)
{
	struct mstep *s;
	char got[RESMAX];
	const struct trie_node *n;
	size_t matched;
	int rc = 0;

	if (sl->n == MAXSTEPS)
		return;
	s = &sl->steps[sl->n];
	memset(s, 0, sizeof(*s));
	rand_path(s->path, sizeof(s->path));
	s->op = (enum mop)pick(6);
	s->flags = (unsigned)pick(16);
	s->vi = (int)pick(4);
	s->creator = rand_creator();
	s->np = rand_perms(s->perms);
	got[0] = '\0';
	switch (s->op) {
	case M_GET:
		rc = trie_txn_get(w->cx, sl->tx, s->path, s->flags, &n);
		CHECK(rc == 0, "txn get %d", rc);
		/* flags 0: the caller depends on nothing it got back */
		if (s->flags != 0)
			trie_result(w->cx, n, s->flags, got);
		break;
	case M_DEEP:
		if (s->flags == 0)
			s->flags = TRIE_OBS_PERMS;
		rc = trie_txn_get_deepest(w->cx, sl->tx, s->path, s->flags, &n,
		    &matched);
		CHECK(rc == 0, "txn deepest %d", rc);
		app(got, "m=%zu ", matched);
		trie_result(w->cx, n, s->flags, got);
		break;
	case M_WRITE:
		rc = trie_txn_write(w->cx, sl->tx, s->path, values[s->vi],
		    vlens[s->vi], s->creator);
		app(got, "rc=%d", rc);
		break;
	case M_MKDIR:
		rc = trie_txn_mkdir(w->cx, sl->tx, s->path, s->creator);
		app(got, "rc=%d", rc);
		break;
	case M_RM:
		rc = trie_txn_rm(w->cx, sl->tx, s->path);
		app(got, "rc=%d", rc);
		break;
	case M_PERMS:
		rc = trie_txn_set_perms(w->cx, sl->tx, s->path, s->perms,
		    s->np);
		app(got, "rc=%d", rc);
		break;
	}
	/* The transaction sees its snapshot plus its own writes. */
	mstep_exec(&sl->snap, s, s->reply);
	CHECK(strcmp(got, s->reply) == 0, "txn op %d %s flags %u: trie [%s] "
	    "model [%s]", s->op, s->path, s->flags, got, s->reply);
	sl->n++;
}

static void
txn_commit(struct world *w, struct slot *sl)
{
	struct trie_node *nr = NULL;
	struct trie_acct before, after, want;
	struct model tmp;
	struct trie_log log;
	enum trie_commit_how how;
	char reply[RESMAX];
	bool ok = true;
	size_t i;
	int rc;

	/* The model: replay in order on the current store, compare replies. */
	model_copy(&tmp, &w->m);
	for (i = 0; i < sl->n && ok; i++) {
		mstep_exec(&tmp, &sl->steps[i], reply);
		ok = strcmp(reply, sl->steps[i].reply) == 0;
	}
	trie_log_init(&log, w->cx);
	rc = trie_txn_commit(w->cx, sl->tx, w->root, &log, &nr, &how);
	CHECK(rc == (ok ? 0 : -EAGAIN), "commit: trie %d, model %s (steps "
	    "%zu)", rc, ok ? "commits" : "conflicts", sl->n);
	if (rc == 0) {
		w->commits[how]++;
		trie_acct_init(&before, w->cx);
		trie_acct_init(&after, w->cx);
		trie_acct_init(&want, w->cx);
		model_acct(&w->m, &before);
		model_acct(&tmp, &after);
		/* want = after - before */
		for (i = 0; i < before.n; i++)
			trie_acct_add(&want, before.e[i].owner,
			    -before.e[i].nodes, -before.e[i].bytes);
		trie_acct_merge(&want, &after);
		CHECK(trie_acct_equal(&want, &log.delta),
		    "commit delta differs from the model's (how %d)", how);
		trie_acct_fini(&before);
		trie_acct_fini(&after);
		trie_acct_fini(&want);
		publish(w, nr, &log);
		model_free(&w->m);
		w->m = tmp;
	} else {
		w->eagain++;
		model_free(&tmp);
	}
	trie_log_fini(&log);
	slot_close(w, sl);
}

static void
step(struct world *w)
{
	unsigned r = pick(100);
	struct slot *sl = &w->slot[pick(NSLOTS)];

	if (r < 30) {
		direct_op(w);
	} else if (!sl->open) {
		CHECK(trie_txn_begin(w->cx, w->root, &sl->tx) == 0, "begin");
		model_copy(&sl->snap, &w->m);
		sl->steps = calloc(MAXSTEPS, sizeof(sl->steps[0]));
		sl->open = true;
	} else if (r < 85) {
		txn_op(w, sl);
	} else if (r < 97) {
		txn_commit(w, sl);
	} else {
		slot_close(w, sl);	/* abort */
	}
	if (pick(500) == 0) {
		/* hold (or renew) a snapshot that must never change */
		trie_unref(w->cx, w->snap);
		if (w->snap != NULL)
			model_free(&w->snapm);
		w->snap = trie_ref(w->root);
		model_copy(&w->snapm, &w->m);
	}
}

static unsigned long
env_ul(const char *name, unsigned long dflt)
{
	const char *s = getenv(name);

	return s && *s ? strtoul(s, NULL, 0) : dflt;
}

START_TEST(random_ops_against_model)
{
	struct trie_perm rp = { 0, 1, 0 };
	struct world w;
	unsigned long nops = env_ul("PROP_OPS", 100000), i;

	seed = env_ul("PROP_SEED", (unsigned long)time(NULL) ^
	    ((unsigned long)_i << 20));
	rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	fprintf(stderr, "prop_trie: seed %" PRIu64 ", %lu operations "
	    "(replay with PROP_SEED=%" PRIu64 ")\n", seed, nops, seed);
	memset(&w, 0, sizeof(w));
	ck_assert_int_eq(trie_ctx_new(NULL, seed, &w.cx), 0);
	ck_assert_int_eq(trie_new_root(w.cx, &rp, 1, &w.root), 0);
	trie_acct_init(&w.acct, w.cx);
	ck_assert_int_eq(trie_acct_recount(w.cx, w.root, &w.acct), 0);
	model_init(&w.m, &rp, 1);
	for (i = 0; i < nops; i++) {
		opno = i;
		step(&w);
		if (i % 997 == 0)
			full_check(&w);
	}
	full_check(&w);
	fprintf(stderr, "prop_trie: commits swap %" PRIu64 " graft %" PRIu64
	    " replay %" PRIu64 " read-only %" PRIu64 ", EAGAIN %" PRIu64 "\n",
	    w.commits[TRIE_COMMIT_SWAP], w.commits[TRIE_COMMIT_GRAFT],
	    w.commits[TRIE_COMMIT_REPLAY], w.commits[TRIE_COMMIT_NOOP],
	    w.eagain);
	/* Every commit path was exercised, or the test proves little. */
	ck_assert(nops < 10000 || (w.commits[TRIE_COMMIT_SWAP] &&
	    w.commits[TRIE_COMMIT_GRAFT] && w.commits[TRIE_COMMIT_REPLAY] &&
	    w.eagain));
	for (i = 0; i < NSLOTS; i++)
		if (w.slot[i].open)
			slot_close(&w, &w.slot[i]);
	if (w.snap != NULL) {
		trie_unref(w.cx, w.snap);
		model_free(&w.snapm);
	}
	trie_unref(w.cx, w.root);
	model_free(&w.m);
	trie_acct_fini(&w.acct);
	ck_assert_uint_eq(trie_ctx_live_nodes(w.cx), 0);
	ck_assert_uint_eq(trie_ctx_live_bytes(w.cx), 0);
	trie_ctx_free(&w.cx);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("prop_trie");
	TCase *tc = tcase_create("model");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 1200);
	tcase_add_loop_test(tc, random_ops_against_model, 0, 2);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
