/*
 * watch.h: the watch registry: every registered watch, findable by the
 * connection that owns it and by its path.  Matching an event costs one
 * hash lookup per ancestor of the event path, whatever the number of
 * watches.  No I/O; delivery is events.c's job.
 */
#ifndef WATCH_H
#define WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

struct conn;

/* Owned by the registry; listed on its connection too. */
struct watch {
	TAILQ_ENTRY(watch) conn_link;	/* in conn->watches */
	struct watch *hnext;		/* hash chain */
	struct conn *conn;		/* borrowed: freed after its watches */
	char *path;			/* canonical absolute, or @special */
	char *token;
	int depth;			/* levels below path, -1 = unlimited */
	bool relative;			/* registered relative: events too */
	uint32_t hash;
	size_t bytes;			/* charged: path + token */
};

TAILQ_HEAD(watch_list, watch);

struct watches {
	struct watch **bucket;
	size_t nbucket;
	size_t count;
	uint64_t seed;		/* keys the hash: no chosen collisions */
};

int watches_init(struct watches *w, uint64_t seed);
/* Requires: no watch left (connections remove theirs first). */
void watches_fini(struct watches *w);

/*
 * Register a watch for `c` (appended to `list`, the connection's list).
 * -EEXIST if c already has (path, token), -ENOMEM.
 */
int watches_add(struct watches *w, struct conn *c, struct watch_list *list,
    const char *path, const char *token, bool relative, int depth);

/* c's watch on (path, token), borrowed; NULL if it has none. */
struct watch *watches_find(const struct watches *w, const struct conn *c,
    const char *path, const char *token);

/* Remove c's (path, token): 0 or -ENOENT. */
int watches_del(struct watches *w, const struct conn *c,
    struct watch_list *list, const char *path, const char *token);

/* Remove and free every watch on `list`. */
void watches_del_all(struct watches *w, struct watch_list *list);

/*
 * Call fn for every watch an event on `path` reaches: with `exact`, the
 * watches registered on exactly `path`; otherwise also those on every
 * ancestor whose depth limit allows it.  fn must not change the registry.
 */
typedef void watch_match_fn(void *arg, struct watch *wt);
void watches_match(const struct watches *w, const char *path, bool exact,
    watch_match_fn *fn, void *arg);

/*
 * Consistency for CONTROL check: every watch hashed where it belongs,
 * count right.  Returns 0 or -EIO.
 */
int watches_check(const struct watches *w, size_t expected_total);

/* Is this very watch in the index (in the chain its hash selects)? */
bool watches_indexed(const struct watches *w, const struct watch *wt);

/* fn for every indexed watch; fn must not change the registry. */
void watches_foreach(const struct watches *w, watch_match_fn *fn,
    void *arg);

#endif
