/*
 * watch.c: see watch.h.  A chained hash table keyed by the watched path;
 * it doubles when the load passes 1.  Pure: no I/O, no knowledge of how
 * events are delivered.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trie.h"
#include "watch.h"

static uint32_t
hash_path(const struct watches *w, const char *p, size_t len)
{
	return (uint32_t)trie_hash64(w->seed, p, len);
}

int
watches_init(struct watches *w, uint64_t seed)
{
	w->seed = seed;
	w->nbucket = 256;
	w->count = 0;
	w->bucket = calloc(w->nbucket, sizeof(w->bucket[0]));
	return w->bucket ? 0 : -ENOMEM;
}

void
watches_fini(struct watches *w)
{
	free(w->bucket);
	w->bucket = NULL;
	w->nbucket = w->count = 0;
}

static void
grow(struct watches *w)
{
	size_t n = w->nbucket * 2, i;
	struct watch **nb = calloc(n, sizeof(nb[0]));

	if (nb == NULL)
		return;		/* longer chains, still correct */
	for (i = 0; i < w->nbucket; i++) {
		struct watch *wt = w->bucket[i], *next;

		for (; wt != NULL; wt = next) {
			next = wt->hnext;
			wt->hnext = nb[wt->hash & (n - 1)];
			nb[wt->hash & (n - 1)] = wt;
		}
	}
	free(w->bucket);
	w->bucket = nb;
	w->nbucket = n;
}

struct watch *
watches_find(const struct watches *w, const struct conn *c, const char *path,
    const char *token)
{
	uint32_t h = hash_path(w, path, strlen(path));
	struct watch *wt = w->bucket[h & (w->nbucket - 1)];

	/*
	 * Through the path index, not the connection's list: dom0's
	 * toolstack holds a watch per guest device, and registering n of
	 * them must not cost n^2 comparisons.
	 */
	for (; wt != NULL; wt = wt->hnext)
		if (wt->hash == h && wt->conn == c &&
		    strcmp(wt->path, path) == 0 &&
		    strcmp(wt->token, token) == 0)
			return wt;
	return NULL;
}

int
watches_add(struct watches *w, struct conn *c, struct watch_list *list,
    const char *path, const char *token, bool relative, int depth)
{
	struct watch *wt;
	size_t pl = strlen(path), tl = strlen(token);

	if (watches_find(w, c, path, token) != NULL)
		return -EEXIST;
	wt = calloc(1, sizeof(*wt) + pl + tl + 2);
	if (wt == NULL)
		return -ENOMEM;
	wt->path = (char *)(wt + 1);
	wt->token = wt->path + pl + 1;
	memcpy(wt->path, path, pl + 1);
	memcpy(wt->token, token, tl + 1);
	wt->conn = c;
	wt->depth = depth;
	wt->relative = relative;
	wt->hash = hash_path(w, path, pl);
	wt->bytes = pl + tl;
	if (w->count >= w->nbucket)
		grow(w);
	wt->hnext = w->bucket[wt->hash & (w->nbucket - 1)];
	w->bucket[wt->hash & (w->nbucket - 1)] = wt;
	TAILQ_INSERT_TAIL(list, wt, conn_link);
	w->count++;
	return 0;
}

static void
unhash(struct watches *w, struct watch *wt)
{
	struct watch **pp = &w->bucket[wt->hash & (w->nbucket - 1)];

	while (*pp != wt)
		pp = &(*pp)->hnext;
	*pp = wt->hnext;
	w->count--;
}

int
watches_del(struct watches *w, const struct conn *c, struct watch_list *list,
    const char *path, const char *token)
{
	struct watch *wt = watches_find(w, c, path, token);

	if (wt == NULL)
		return -ENOENT;
	unhash(w, wt);
	TAILQ_REMOVE(list, wt, conn_link);
	free(wt);
	return 0;
}

void
watches_del_all(struct watches *w, struct watch_list *list)
{
	struct watch *wt;

	while ((wt = TAILQ_FIRST(list)) != NULL) {
		unhash(w, wt);
		TAILQ_REMOVE(list, wt, conn_link);
		free(wt);
	}
}

/* Watches registered on exactly path[0..len), `below` levels above. */
static void
match_at(const struct watches *w, const char *path, size_t len, int below,
    watch_match_fn *fn, void *arg)
{
	uint32_t h = hash_path(w, path, len);
	struct watch *wt = w->bucket[h & (w->nbucket - 1)];

	for (; wt != NULL; wt = wt->hnext) {
		if (wt->hash != h || strncmp(wt->path, path, len) != 0 ||
		    wt->path[len] != '\0')
			continue;
		if (wt->depth >= 0 && below > wt->depth)
			continue;
		fn(arg, wt);
	}
}

void
watches_match(const struct watches *w, const char *path, bool exact,
    watch_match_fn *fn, void *arg)
{
	size_t len = strlen(path);
	int below = 0;

	match_at(w, path, len, 0, fn, arg);
	if (exact || path[0] != '/' || len == 1)
		return;
	/* Every ancestor, up to and including "/". */
	while (len > 1) {
		while (len > 1 && path[len - 1] != '/')
			len--;
		below++;
		if (len > 1)
			len--;	/* drop the '/' */
		match_at(w, path, len, below, fn, arg);
	}
}

int
watches_check(const struct watches *w, size_t expected_total)
{
	size_t i, n = 0;

	for (i = 0; i < w->nbucket; i++) {
		const struct watch *wt;

		for (wt = w->bucket[i]; wt != NULL; wt = wt->hnext) {
			if ((wt->hash & (w->nbucket - 1)) != i ||
			    wt->hash != hash_path(w, wt->path, strlen(wt->path)))
				return -EIO;
			n++;
		}
	}
	return n == w->count && n == expected_total ? 0 : -EIO;
}

bool
watches_indexed(const struct watches *w, const struct watch *wt)
{
	const struct watch *e;

	for (e = w->bucket[wt->hash & (w->nbucket - 1)]; e != NULL;
	    e = e->hnext)
		if (e == wt)
			return true;
	return false;
}

void
watches_foreach(const struct watches *w, watch_match_fn *fn, void *arg)
{
	size_t i;
	struct watch *wt;

	for (i = 0; i < w->nbucket; i++)
		for (wt = w->bucket[i]; wt != NULL; wt = wt->hnext)
			fn(arg, wt);
}
