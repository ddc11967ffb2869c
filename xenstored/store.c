/*
 * store.c: see store.h.  Every published version goes through
 * store_publish, which keeps the accounting equal to a recount (checked by
 * CONTROL check).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

static const char *const special_names[SPECIAL_COUNT] = {
	"@introduceDomain", "@releaseDomain",
};

int
store_special_index(const char *path)
{
	int i;

	for (i = 0; i < SPECIAL_COUNT; i++)
		if (strcmp(path, special_names[i]) == 0)
			return i;
	return -1;
}

int
store_set_special(struct store *st, int idx, const struct trie_perm *p,
    size_t n)
{
	struct trie_perm *np = malloc(n * sizeof(*np));

	if (np == NULL)
		return -ENOMEM;
	memcpy(np, p, n * sizeof(*np));
	free(st->special[idx].p);
	st->special[idx].p = np;
	st->special[idx].n = n;
	/*
	 * From the trie's counter, like a node's generation: the ACL check
	 * (daemon_entry_alive) compares it with a domain's first generation.
	 */
	st->special[idx].gen = trie_ctx_next_gen(st->cx);
	return 0;
}

static void *
fault_alloc(void *arg, size_t size)
{
	struct store_faults *f = arg;

	if (!f->paused && ++f->calls == f->fail_at) {
		f->failed++;
		return NULL;
	}
	return malloc(size);
}

static void
fault_free(void *arg, void *ptr, size_t size)
{
	(void)arg;
	(void)size;
	free(ptr);
}

void
store_faults_pause(struct store *st, bool paused)
{
	if (st->faults != NULL)
		st->faults->paused = paused;
}

int
store_fail_alloc(struct store *st, uint64_t k)
{
	if (st->faults == NULL)
		return -ENODEV;
	st->faults->fail_at = k ? st->faults->calls + k : 0;
	return 0;
}

int
store_init(struct store *st, uint64_t seed, unsigned priv, bool faults)
{
	struct trie_perm p = { (uint16_t)priv, 0, 0 };
	struct trie_allocator a = { fault_alloc, fault_free, NULL };
	struct trie_node *nr;
	struct trie_log log;
	int rc, i;

	memset(st, 0, sizeof(*st));
	if (faults) {
		st->faults = calloc(1, sizeof(*st->faults));
		if (st->faults == NULL)
			return -ENOMEM;
		a.arg = st->faults;
	}
	rc = trie_ctx_new(faults ? &a : NULL, seed, &st->cx);
	if (rc < 0) {
		free(st->faults);
		st->faults = NULL;
		return rc;
	}
	trie_acct_init(&st->acct, st->cx);
	rc = trie_new_root(st->cx, &p, 1, &st->root);
	if (rc == 0)
		rc = trie_acct_recount(st->cx, st->root, &st->acct);
	if (rc == 0) {
		trie_log_init(&log, st->cx);
		rc = trie_mkdir(st->cx, st->root, "/tool/xenstored",
		    TRIE_INHERIT, &log, &nr);
		if (rc == 0)
			rc = store_publish(st, nr, &log);
		trie_log_fini(&log);
	}
	for (i = 0; rc == 0 && i < SPECIAL_COUNT; i++)
		rc = store_set_special(st, i, &p, 1);
	if (rc < 0)
		store_fini(st);
	return rc;
}

void
store_fini(struct store *st)
{
	int i;

	if (st->cx == NULL)
		return;
	for (i = 0; i < SPECIAL_COUNT; i++)
		free(st->special[i].p);
	trie_unref(st->cx, st->root);
	trie_acct_fini(&st->acct);
	trie_ctx_free(&st->cx);
	free(st->faults);
	memset(st, 0, sizeof(*st));
}

int
store_publish(struct store *st, struct trie_node *root,
    const struct trie_log *log)
{
	int rc = 0;

	if (log != NULL)
		rc = trie_acct_merge(&st->acct, &log->delta);
	if (rc < 0) {
		trie_unref(st->cx, root);
		return rc;
	}
	if (root != st->root)
		st->commits++;
	trie_unref(st->cx, st->root);
	st->root = root;
	return 0;
}

struct trie_acct_entry
store_usage(const struct store *st, unsigned domid)
{
	return trie_acct_get(&st->acct, domid);
}
