/*
 * trie_txn.c: transactions as the triple (T1, T2, p) plus the read path r,
 * and their commit.  No I/O; the daemon's txn layer sits on top.
 *
 * A transaction holds T1 (the root when it began) and T2 (its private
 * root).  It records, in order, every observation its caller made
 * (path, what was looked at, the node seen) and every write (the
 * operation and its arguments), and keeps
 *   p: the deepest path under which all its writes lie (for a write to an
 *      existing node, the node; for one that creates nodes, the deepest
 *      existing ancestor; for a removal, the parent), and
 *   r: the deepest path under which all its observations lie.
 *
 * Commit against the current root C:
 *   (a) C == T1: nobody committed since; publish T2.
 *   (b) node(C, p) == node(T1, p) and node(C, r) == node(T1, r): every
 *       node it read or wrote is as it saw it; graft node(T2, p) into C
 *       at p (path copy of C down to p).
 *   (c) otherwise replay the steps on C: each observation must still hold
 *       (same pointer, or same content for what was looked at) and each
 *       write is re-applied.  Any observation that fails: -EAGAIN.
 *
 * Worked examples (T1 has /a/x=1, /b/y=2):
 *   1. tx writes /a/x=5; meanwhile another commit writes /b/y=3.
 *      p = /a/x.  C != T1, node(C,/a/x) == node(T1,/a/x): graft -> /a/x=5,
 *      /b/y=3.  No copy of /b, no replay.
 *   2. tx reads /a/x (observes VALUE 1), writes /b/z=1; meanwhile another
 *      commit writes /a/x=7.  r = /a/x, p = /b: node(C, r) differs, so
 *      replay: the observation of /a/x sees 7 != 1: -EAGAIN (a real
 *      read-write conflict).
 *   3. tx and another both create children of /a (tx: /a/n1, the other:
 *      /a/n2), both having checked /a's permissions.  p = /a for tx, which
 *      changed: replay: /a's permissions are still equal in content, so
 *      the observation holds; /a/n1 is re-applied after /a/n2.  Commit,
 *      no false conflict.
 *   4. tx writes /a/x=5 blindly (observing only permissions); another
 *      commit writes /a/x=6 first.  Replay: permissions equal, write
 *      re-applied: /a/x=5, as if tx ran after the other one.
 */
#include <errno.h>

#include "trie_internal.h"

enum step_kind { ST_OBS, ST_WRITE, ST_MKDIR, ST_RM, ST_PERMS };

struct step {
	uint8_t kind;
	uint8_t obs;		/* ST_OBS: TRIE_OBS_* */
	int32_t creator;
	char *path;
	size_t pathlen;
	struct trie_node *seen;	/* ST_OBS: owned, NULL if missing */
	void *data;		/* value bytes or trie_perm array */
	size_t len;		/* bytes of data */
};

/* A path prefix kept as (copy of the first path, current length). */
struct lcp {
	char *s;
	size_t len, alloc;
};

struct trie_txn {
	struct trie_node *t1, *t2;
	struct lcp p, r;
	struct step *st;
	size_t n, cap;
	struct trie_log log;	/* T2's changes and delta against T1 */
	int err;		/* sticky */
	bool done;		/* committed: only free is allowed */
};

/* Longest common path (segment-wise) of a[0..al) and b[0..bl). */
static size_t
path_lcp(const char *a, size_t al, const char *b, size_t bl)
{
	size_t i = 0, m = al < bl ? al : bl;

	while (i < m && a[i] == b[i])
		i++;
	if (i == al && i == bl)
		return i;
	if ((i == al || a[i] == '/') && (i == bl || b[i] == '/'))
		return i;
	while (i > 0 && a[i - 1] != '/')
		i--;
	return i <= 1 ? 1 : i - 1;
}

static int
lcp_add(struct trie_ctx *cx, struct lcp *l, const char *path, size_t len)
{
	if (l->s == NULL) {
		l->s = trie__alloc(cx, len + 1);
		if (l->s == NULL)
			return -ENOMEM;
		memcpy(l->s, path, len);
		l->s[len] = '\0';
		l->len = len;
		l->alloc = len + 1;
		return 0;
	}
	l->len = path_lcp(l->s, l->len, path, len);
	l->s[l->len] = '\0';
	return 0;
}

int
trie_txn_begin(struct trie_ctx *cx, struct trie_node *root,
    struct trie_txn **out)
{
	struct trie_txn *tx = trie__alloc(cx, sizeof(*tx));

	if (tx == NULL)
		return -ENOMEM;
	memset(tx, 0, sizeof(*tx));
	tx->t1 = trie_ref(root);
	tx->t2 = trie_ref(root);
	trie_log_init(&tx->log, cx);
	*out = tx;
	return 0;
}

static void
step_fini(struct trie_ctx *cx, struct step *s)
{
	trie__free(cx, s->path, s->pathlen + 1);
	trie__free(cx, s->data, s->len);
	trie_unref(cx, s->seen);
}

void
trie_txn_free(struct trie_ctx *cx, struct trie_txn **txp)
{
	struct trie_txn *tx;
	size_t i;

	if (txp == NULL || *txp == NULL)
		return;
	tx = *txp;
	for (i = 0; i < tx->n; i++)
		step_fini(cx, &tx->st[i]);
	trie__free(cx, tx->st, tx->cap * sizeof(tx->st[0]));
	trie__free(cx, tx->p.s, tx->p.alloc);
	trie__free(cx, tx->r.s, tx->r.alloc);
	trie_log_fini(&tx->log);
	trie_unref(cx, tx->t1);
	trie_unref(cx, tx->t2);
	trie__free(cx, tx, sizeof(*tx));
	*txp = NULL;
}

/* Append a step; data (len bytes) and path are copied. */
static int
step_add(struct trie_ctx *cx, struct trie_txn *tx, enum step_kind kind,
    const char *path, size_t pathlen, const void *data, size_t len)
{
	struct step *s;

	if (tx->n == tx->cap) {
		size_t cap = tx->cap ? tx->cap * 2 : 8;
		struct step *ns = trie__alloc(cx, cap * sizeof(*ns));

		if (ns == NULL)
			return -ENOMEM;
		if (tx->n)
			memcpy(ns, tx->st, tx->n * sizeof(*ns));
		trie__free(cx, tx->st, tx->cap * sizeof(*ns));
		tx->st = ns;
		tx->cap = cap;
	}
	s = &tx->st[tx->n];
	memset(s, 0, sizeof(*s));
	s->kind = (uint8_t)kind;
	s->path = trie__alloc(cx, pathlen + 1);
	if (s->path == NULL)
		return -ENOMEM;
	memcpy(s->path, path, pathlen);
	s->path[pathlen] = '\0';
	s->pathlen = pathlen;
	if (len) {
		s->data = trie__alloc(cx, len);
		if (s->data == NULL) {
			trie__free(cx, s->path, pathlen + 1);
			return -ENOMEM;
		}
		memcpy(s->data, data, len);
		s->len = len;
	}
	tx->n++;
	return 0;
}

/* Failures inside a transaction poison it (LMDB's sticky error). */
static int
poison(struct trie_txn *tx, int rc)
{
	if (rc == -ENOMEM)
		tx->err = rc;
	return rc;
}

static int
usable(const struct trie_txn *tx)
{
	if (tx->done)
		return -EINVAL;
	return tx->err;
}

static int
observe(struct trie_ctx *cx, struct trie_txn *tx, const char *path,
    size_t len, unsigned obs, const struct trie_node *n)
{
	int rc;

	if (obs == 0)
		return 0;
	rc = step_add(cx, tx, ST_OBS, path, len, NULL, 0);
	if (rc == 0)
		rc = lcp_add(cx, &tx->r, path, len);
	if (rc < 0)
		return poison(tx, rc);
	tx->st[tx->n - 1].obs = (uint8_t)obs;
	tx->st[tx->n - 1].seen = trie_ref((struct trie_node *)(uintptr_t)n);
	return 0;
}

int
trie_txn_get(struct trie_ctx *cx, struct trie_txn *tx, const char *path,
    unsigned obs, const struct trie_node **out)
{
	const struct trie_node *n;
	size_t len, m;
	int rc = usable(tx);

	if (rc < 0)
		return rc;
	n = trie__lookup(cx, tx->t2, path, &m, &len);
	if (n == NULL)
		return -EINVAL;
	if (m != len)
		n = NULL;
	rc = observe(cx, tx, path, len, obs, n);
	if (rc == 0)
		*out = n;
	return rc;
}

int
trie_txn_get_deepest(struct trie_ctx *cx, struct trie_txn *tx,
    const char *path, unsigned obs, const struct trie_node **out,
    size_t *matched)
{
	const struct trie_node *n;
	size_t len, m, end;
	int rc = usable(tx);

	if (rc < 0)
		return rc;
	n = trie__lookup(cx, tx->t2, path, &m, &len);
	if (n == NULL)
		return -EINVAL;
	if (m < len) {
		/* The first missing segment: everything below is missing. */
		for (end = m + 1; end < len && path[end] != '/'; end++)
			;
		rc = observe(cx, tx, path, end, TRIE_OBS_EXISTS, NULL);
		if (rc < 0)
			return rc;
	}
	rc = observe(cx, tx, path, m, obs, n);
	if (rc < 0)
		return rc;
	*out = n;
	if (matched != NULL)
		*matched = m;
	return 0;
}

/* Length of the parent path of path[0..len) (len > 1). */
static size_t
parent_len(const char *path, size_t len)
{
	while (len > 0 && path[len - 1] != '/')
		len--;
	return len <= 1 ? 1 : len - 1;
}

/* A trie_precheck_fn: how much of the path exists (into *arg). */
static int
note_matched(void *arg, const struct trie_node *n, bool exists,
    size_t matched)
{
	(void)n;
	(void)exists;
	*(size_t *)arg = matched;
	return 0;
}

/*
 * Apply one write step to `root`: shared by the transaction and replay.
 * For WRITE and MKDIR, *matched (if not NULL) gets the length of the
 * path's deepest existing prefix, from the update's own walk.
 */
static int
apply_step(struct trie_ctx *cx, const struct step *s, struct trie_node *root,
    struct trie_log *log, struct trie_node **out, size_t *matched)
{
	trie_precheck_fn *note = matched != NULL ? note_matched : NULL;

	switch (s->kind) {
	case ST_WRITE:
		return trie_write_if(cx, root, s->path, s->data, s->len,
		    s->creator, note, matched, log, out);
	case ST_MKDIR:
		return trie_mkdir_if(cx, root, s->path, s->creator, note,
		    matched, log, out);
	case ST_RM:
		return trie_rm(cx, root, s->path, log, out);
	case ST_PERMS:
		return trie_set_perms(cx, root, s->path, s->data,
		    s->len / sizeof(struct trie_perm), log, out);
	default:
		return -EINVAL;
	}
}

/* txn_update's wlen for WRITE and MKDIR: found by the update's walk. */
#define WLEN_WALKED SIZE_MAX

/*
 * Record and apply a write.  `wpath`/`wlen` is the write's contribution to
 * p; WLEN_WALKED for WRITE and MKDIR: the deepest prefix of the path that
 * exists before the write.  The step is recorded first so that a failure
 * to record leaves T2 as it was; a failure to apply removes it again.
 */
static int
txn_update(struct trie_ctx *cx, struct trie_txn *tx, enum step_kind kind,
    const char *path, size_t len, const void *data, size_t dlen,
    int creator, const char *wpath, size_t wlen)
{
	struct trie_node *nr;
	int rc;

	rc = step_add(cx, tx, kind, path, len, data, dlen);
	if (rc < 0)
		return poison(tx, rc);
	tx->st[tx->n - 1].creator = creator;
	rc = apply_step(cx, &tx->st[tx->n - 1], tx->t2, &tx->log, &nr,
	    wlen == WLEN_WALKED ? &wlen : NULL);
	if (rc < 0) {
		step_fini(cx, &tx->st[--tx->n]);
		return poison(tx, rc);
	}
	rc = lcp_add(cx, &tx->p, wpath, wlen);
	if (rc < 0) {
		trie_unref(cx, nr);
		return poison(tx, rc);	/* T2 unchanged, but poisoned */
	}
	trie_unref(cx, tx->t2);
	tx->t2 = nr;
	return 0;
}

static int
txn_set(struct trie_ctx *cx, struct trie_txn *tx, enum step_kind kind,
    const char *path, const void *val, size_t vlen, int creator)
{
	size_t len;
	int rc = usable(tx);

	if (rc < 0)
		return rc;
	/*
	 * The write's own walk validates the path (EINVAL, nothing
	 * recorded); only the errors' order needs it checked here.
	 */
	if (path == NULL || path[0] != '/')
		return -EINVAL;
	len = strnlen(path, TRIE_PATH_MAX + 1);
	if (len > TRIE_PATH_MAX)
		return -EINVAL;
	if (vlen > TRIE_VALUE_MAX)
		return trie__path_valid(path, NULL) ? -E2BIG : -EINVAL;
	return txn_update(cx, tx, kind, path, len, val, vlen, creator, path,
	    WLEN_WALKED);
}

int
trie_txn_write(struct trie_ctx *cx, struct trie_txn *tx, const char *path,
    const void *val, size_t len, int creator)
{
	return txn_set(cx, tx, ST_WRITE, path, val, len, creator);
}

int
trie_txn_mkdir(struct trie_ctx *cx, struct trie_txn *tx, const char *path,
    int creator)
{
	return txn_set(cx, tx, ST_MKDIR, path, NULL, 0, creator);
}

int
trie_txn_rm(struct trie_ctx *cx, struct trie_txn *tx, const char *path)
{
	const struct trie_node *parent;
	size_t len, plen;
	int rc = usable(tx);

	if (rc < 0)
		return rc;
	if (!trie__path_valid(path, &len))
		return -EINVAL;
	if (len == 1)
		return -EINVAL;
	plen = parent_len(path, len);
	/* Whether the parent exists decides between OK and ENOENT. */
	{
		char pbuf[TRIE_PATH_MAX + 1];

		memcpy(pbuf, path, plen);
		pbuf[plen] = '\0';
		parent = trie_get(cx, tx->t2, pbuf);
	}
	rc = observe(cx, tx, path, plen, TRIE_OBS_EXISTS, parent);
	if (rc < 0)
		return rc;
	if (parent == NULL)
		return -ENOENT;
	return txn_update(cx, tx, ST_RM, path, len, NULL, 0, TRIE_INHERIT,
	    path, plen);
}

int
trie_txn_set_perms(struct trie_ctx *cx, struct trie_txn *tx,
    const char *path, const struct trie_perm *perms, size_t n)
{
	const struct trie_node *node;
	size_t len, m;
	int rc = usable(tx);

	if (rc < 0)
		return rc;
	node = trie__lookup(cx, tx->t2, path, &m, &len);
	if (node == NULL || n == 0)
		return -EINVAL;
	if (n > TRIE_PERMS_MAX)
		return -E2BIG;
	if (m != len)
		node = NULL;
	rc = observe(cx, tx, path, len, TRIE_OBS_EXISTS, node);
	if (rc < 0)
		return rc;
	if (node == NULL)
		return -ENOENT;
	return txn_update(cx, tx, ST_PERMS, path, len, perms,
	    n * sizeof(*perms), TRIE_INHERIT, path, len);
}

int
trie_txn_foreach_step(const struct trie_txn *tx, trie_step_fn *fn,
    void *arg)
{
	static const enum trie_step_kind kinds[] = {
		[ST_OBS] = TRIE_STEP_OBSERVE, [ST_WRITE] = TRIE_STEP_WRITE,
		[ST_MKDIR] = TRIE_STEP_MKDIR, [ST_RM] = TRIE_STEP_RM,
		[ST_PERMS] = TRIE_STEP_PERMS,
	};
	size_t i;
	int rc;

	for (i = 0; i < tx->n; i++) {
		const struct step *s = &tx->st[i];
		struct trie_step st;

		memset(&st, 0, sizeof(st));
		st.kind = kinds[s->kind];
		st.path = s->path;
		st.obs = s->obs;
		st.seen = s->seen;
		st.creator = s->creator;
		if (s->kind == ST_PERMS) {
			st.perms = s->data;
			st.nperms = s->len / sizeof(struct trie_perm);
		} else {
			st.val = s->data;
			st.len = s->len;
		}
		if ((rc = fn(arg, &st)) != 0)
			return rc;
	}
	return 0;
}

struct kidcmp {
	const char *p;
	size_t left;
	bool ok;
};

static int
kid_cmp(void *arg, const struct trie_node *k)
{
	struct kidcmp *c = arg;
	size_t n = k->namelen;

	if (c->left < n + 1 || memcmp(c->p, node_name(k), n) != 0 ||
	    c->p[n] != '\0') {
		c->ok = false;
		return 1;
	}
	c->p += n + 1;
	c->left -= n + 1;
	return 0;
}

/* Does `n` show what `seen` says was observed with flags `obs`? */
static bool
seen_holds(const struct trie_node *n, unsigned obs,
    const struct trie_seen *seen)
{
	if (n == NULL || !seen->exists)
		return n == NULL && !seen->exists;
	if ((obs & TRIE_OBS_VALUE) && (n->vallen != seen->len ||
	    (seen->len && memcmp(node_value(n), seen->val, seen->len) != 0)))
		return false;
	if ((obs & TRIE_OBS_PERMS) && (n->nperms != seen->nperms ||
	    memcmp(node_perms(n), seen->perms,
	    seen->nperms * sizeof(struct trie_perm)) != 0))
		return false;
	if (obs & TRIE_OBS_CHILDREN) {
		struct kidcmp c = { seen->kids, seen->kidslen, true };

		if (n->kidnames != seen->kidslen)
			return false;
		kids_foreach(n, kid_cmp, &c);
		if (!c.ok || c.left != 0)
			return false;
	}
	return true;
}

int
trie_txn_restore_step(struct trie_ctx *cx, struct trie_txn *tx,
    const struct trie_step *st, const struct trie_seen *seen)
{
	const struct trie_node *n;
	int rc;

	switch (st->kind) {
	case TRIE_STEP_OBSERVE:
		rc = usable(tx);
		if (rc < 0)
			return rc;
		n = trie_get(cx, tx->t2, st->path);
		if (seen == NULL || !seen_holds(n, st->obs, seen))
			return -EAGAIN;
		if (!trie__path_valid(st->path, NULL))
			return -EINVAL;
		return observe(cx, tx, st->path, strlen(st->path), st->obs, n);
	case TRIE_STEP_WRITE:
		return trie_txn_write(cx, tx, st->path, st->val, st->len,
		    st->creator);
	case TRIE_STEP_MKDIR:
		return trie_txn_mkdir(cx, tx, st->path, st->creator);
	case TRIE_STEP_RM:
		/* its parent observation came first and was checked */
		rc = usable(tx);
		if (rc < 0)
			return rc;
		{
			size_t len = strlen(st->path);

			if (!trie__path_valid(st->path, NULL) || len == 1)
				return -EINVAL;
			return txn_update(cx, tx, ST_RM, st->path, len, NULL, 0,
			    TRIE_INHERIT, st->path, parent_len(st->path, len));
		}
	case TRIE_STEP_PERMS:
		rc = usable(tx);
		if (rc < 0)
			return rc;
		if (st->nperms == 0 || !trie__path_valid(st->path, NULL))
			return -EINVAL;
		return txn_update(cx, tx, ST_PERMS, st->path, strlen(st->path),
		    st->perms, st->nperms * sizeof(*st->perms), TRIE_INHERIT,
		    st->path, strlen(st->path));
	}
	return -EINVAL;
}

const struct trie_node *
trie_txn_root(const struct trie_txn *tx)
{
	return tx->t2;
}

const struct trie_acct *
trie_txn_delta(const struct trie_txn *tx)
{
	return &tx->log.delta;
}

size_t
trie_txn_steps(const struct trie_txn *tx)
{
	return tx->n;
}

int
trie_txn_error(const struct trie_txn *tx)
{
	return tx->err;
}

/* Does what was observed at s->path still hold for node `n`? */
static bool
obs_holds(const struct trie_ctx *cx, const struct step *s,
    const struct trie_node *n)
{
	const struct trie_node *seen = s->seen;

	if (seen == n)
		return true;
	if (seen == NULL || n == NULL)
		return false;
	if ((s->obs & TRIE_OBS_VALUE) && !node_values_equal(seen, n))
		return false;
	if ((s->obs & TRIE_OBS_PERMS) && !node_perms_equal(seen, n))
		return false;
	if ((s->obs & TRIE_OBS_CHILDREN) && !node_kid_names_equal(cx, seen, n))
		return false;
	return true;
}

/* Same subtree at `path` in both versions (by pointer)? */
static bool
same_at(const struct trie_ctx *cx, const struct trie_node *x,
    const struct trie_node *y, const struct lcp *l)
{
	return l->s == NULL || trie_get(cx, x, l->s) == trie_get(cx, y, l->s);
}

/*
 * Replay every step on `cur`.  On success *out is the new root and `log`
 * holds the changes; on failure nothing is kept.
 */
static int
replay(struct trie_ctx *cx, struct trie_txn *tx, struct trie_node *cur,
    struct trie_log *log, struct trie_node **out)
{
	struct trie_node *state = trie_ref(cur), *ns;
	size_t i;
	int rc = 0;

	for (i = 0; i < tx->n && rc == 0; i++) {
		const struct step *s = &tx->st[i];

		if (s->kind == ST_OBS) {
			if (!obs_holds(cx, s, trie_get(cx, state, s->path)))
				rc = -EAGAIN;
			continue;
		}
		rc = apply_step(cx, s, state, log, &ns, NULL);
		if (rc == 0) {
			trie_unref(cx, state);
			state = ns;
		}
	}
	if (rc < 0) {
		trie_unref(cx, state);
		return rc;
	}
	*out = state;
	return 0;
}

int
trie_txn_commit(struct trie_ctx *cx, struct trie_txn *tx,
    struct trie_node *cur, struct trie_log *log, struct trie_node **out,
    enum trie_commit_how *how)
{
	const struct trie_node *sub;
	enum trie_commit_how h;
	struct trie_log tmp;
	struct trie_node *res;
	int rc = usable(tx);

	if (rc < 0)
		return rc;
	trie_log_init(&tmp, cx);
	if (tx->p.s == NULL) {
		/* Read-only: valid if what it observed still holds. */
		h = TRIE_COMMIT_NOOP;
		if (cur == tx->t1 || same_at(cx, cur, tx->t1, &tx->r)) {
			res = trie_ref(cur);
		} else {
			rc = replay(cx, tx, cur, &tmp, &res);
			if (rc == 0)
				assert(res == cur);
		}
	} else if (cur == tx->t1) {
		h = TRIE_COMMIT_SWAP;
		res = trie_ref(tx->t2);
	} else if (same_at(cx, cur, tx->t1, &tx->p) &&
	    same_at(cx, cur, tx->t1, &tx->r) &&
	    trie_get(cx, cur, tx->p.s) != NULL &&
	    (sub = trie_get(cx, tx->t2, tx->p.s)) != NULL) {
		h = TRIE_COMMIT_GRAFT;
		rc = trie_graft(cx, cur, tx->p.s,
		    (struct trie_node *)(uintptr_t)sub, &res);
	} else {
		h = TRIE_COMMIT_REPLAY;
		rc = replay(cx, tx, cur, &tmp, &res);
	}
	if (rc == 0 && log != NULL) {
		/* Hand over the changes: the transaction's own, or replay's. */
		rc = trie__log_move(log, h == TRIE_COMMIT_REPLAY ||
		    h == TRIE_COMMIT_NOOP ? &tmp : &tx->log);
		if (rc < 0)
			trie_unref(cx, res);
	}
	trie_log_fini(&tmp);
	if (rc < 0)
		return rc == -ENOMEM ? poison(tx, rc) : rc;
	tx->done = true;
	*out = res;
	if (how != NULL)
		*how = h;
	return 0;
}

int
trie__txn_census(const struct trie_txn *tx, census_ref_fn *fn, void *arg)
{
	size_t i;
	int rc;

	if ((rc = fn(arg, tx->t1, CK_NODE, 0)) != 0 ||
	    (rc = fn(arg, tx->t2, CK_NODE, 0)) != 0)
		return rc;
	for (i = 0; i < tx->n; i++)
		if (tx->st[i].seen != NULL &&
		    (rc = fn(arg, tx->st[i].seen, CK_NODE, 0)) != 0)
			return rc;
	for (i = 0; i < tx->log.n; i++) {
		const struct trie_change *ch = &tx->log.ch[i];

		if (ch->old != NULL && (rc = fn(arg, ch->old, CK_NODE, 0)) != 0)
			return rc;
		if (ch->new != NULL && (rc = fn(arg, ch->new, CK_NODE, 0)) != 0)
			return rc;
	}
	return 0;
}
