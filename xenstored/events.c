/*
 * events.c: see events.h.  A watcher gets an event for a normal path only
 * if it could read the node or its parent (the node as it was before a
 * removal or permission change counts too), like the C daemon's
 * watch_permitted.  Events over 4096 bytes are dropped, as in C.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "events.h"
#include "path.h"
#include "perms.h"
#include "watch.h"

struct fire {
	struct xsd *x;
	const char *path;
	const struct trie_node *old, *new;
	int special;		/* SPECIAL_* or -1 */
	const struct special_perms *sp_old;	/* or NULL */
};

static bool
readable(struct xsd *x, const struct caller *who, const struct trie_node *n)
{
	size_t np;
	const struct trie_perm *p;

	if (n == NULL)
		return false;
	p = trie_node_perms(n, &np);
	return perms_for(p, np, trie_node_gen(n), who, daemon_entry_alive, x) &
	    PERM_READ;
}

static bool
permitted(struct fire *f, struct conn *c)
{
	struct caller who;
	struct xsd *x = f->x;

	if (c->priv)
		return true;
	daemon_caller(x, c, &who);
	if (f->special >= 0) {
		const struct special_perms *sp = &x->store.special[f->special];

		if (perms_for(sp->p, sp->n, sp->gen, &who,
		    daemon_entry_alive, x) & PERM_READ)
			return true;
		sp = f->sp_old;
		return sp != NULL && (perms_for(sp->p, sp->n, sp->gen, &who,
		    daemon_entry_alive, x) & PERM_READ);
	}
	if (readable(x, &who, f->new) || readable(x, &who, f->old))
		return true;
	/* ... or its parent, as it is now */
	if (strcmp(f->path, "/") != 0) {
		char parent[PATH_BUF];
		size_t len = path_parent_len(f->path, strlen(f->path));

		memcpy(parent, f->path, len);
		parent[len] = '\0';
		return readable(x, &who, trie_get(x->store.cx, x->store.root,
		    parent));
	}
	return false;
}

static void
deliver(struct xsd *x, struct conn *c, const char *path, const char *token)
{
	size_t pl = strlen(path), tl = strlen(token);
	char buf[XENSTORE_PAYLOAD_MAX + 2];

	if (c->closing)
		return;
	if (pl + tl + 2 > XENSTORE_PAYLOAD_MAX ||
	    (!c->priv && conn_out_pending(c) > EVENTS_QUEUE_LIMIT)) {
		x->stats.events_dropped++;
		return;
	}
	memcpy(buf, path, pl + 1);
	memcpy(buf + pl + 1, token, tl + 1);
	x->stats.events++;
	conn_queue(c, XS_WATCH_EVENT, 0, 0, buf, pl + tl + 2);
}

static void
on_match(void *arg, struct watch *w)
{
	struct fire *f = arg;

	if (!permitted(f, w->conn))
		return;
	deliver(f->x, w->conn, w->relative ?
	    path_relative(f->path, w->conn->domid) : f->path, w->token);
}

static void
fire_one(struct xsd *x, const struct trie_change *ch, bool exact)
{
	struct fire f = { x, ch->path, ch->old, ch->new, -1, NULL };

	watches_match(&x->watches, ch->path, exact, on_match, &f);
}

static uint64_t
hash_str(const char *p)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ULL;
	}
	return h;
}

/*
 * For a commit: mark each change that repeats an earlier path (skip) and
 * whether the first change of a path must fire as a subtree event.
 * Returns false on allocation failure (then every change fires).
 */
static bool
merge_plan(const struct trie_log *log, unsigned char *plan)
{
	size_t cap = 16, i;
	long *slot;

	while (cap < log->n * 2)
		cap *= 2;
	slot = malloc(cap * sizeof(*slot));
	if (slot == NULL)
		return false;
	memset(slot, 0xff, cap * sizeof(*slot));	/* -1: empty */
	for (i = 0; i < log->n; i++) {
		const struct trie_change *ch = &log->ch[i];
		size_t k = hash_str(ch->path) & (cap - 1);
		bool subtree = ch->kind != TRIE_CH_RM_CHILD;

		plan[i] = subtree ? 2 : 0;
		for (; slot[k] >= 0; k = (k + 1) & (cap - 1))
			if (strcmp(log->ch[slot[k]].path, ch->path) == 0)
				break;
		if (slot[k] < 0) {
			slot[k] = (long)i;
			continue;
		}
		plan[i] = 1;			/* fired at its first change */
		if (subtree)
			plan[slot[k]] = 2;	/* subtree wins */
	}
	free(slot);
	return true;
}

void
events_fire_log(struct xsd *x, const struct trie_log *log, bool merge)
{
	unsigned char *plan = NULL;
	size_t i;

	if (x->watches.count == 0 || log->n == 0)
		return;
	if (merge && log->n > 1) {
		plan = malloc(log->n);
		if (plan != NULL && !merge_plan(log, plan)) {
			free(plan);
			plan = NULL;
		}
	}
	for (i = 0; i < log->n; i++) {
		const struct trie_change *ch = &log->ch[i];
		bool exact = ch->kind == TRIE_CH_RM_CHILD;

		if (plan != NULL) {
			if (plan[i] == 1)
				continue;
			exact = plan[i] == 0;
		}
		fire_one(x, ch, exact);
	}
	free(plan);
}

void
events_fire_special_perms(struct xsd *x, int special,
    const struct special_perms *old)
{
	static const char *const names[SPECIAL_COUNT] = {
		"@introduceDomain", "@releaseDomain",
	};
	struct fire f = { x, names[special], NULL, NULL, special, old };

	watches_match(&x->watches, names[special], true, on_match, &f);
}

void
events_fire_special(struct xsd *x, int special)
{
	events_fire_special_perms(x, special, NULL);
}

void
events_initial(struct xsd *x, struct conn *c, const char *path,
    const char *token)
{
	deliver(x, c, path, token);
}
