/*
 * events.h: turning changes into watch events (permissions-watches.md
 * §4-6): matching, permission filtering, relative paths, queueing.  No
 * I/O: events are queued on connections like replies.
 */
#ifndef EVENTS_H
#define EVENTS_H

#include <stdbool.h>

#include "trie.h"

struct conn;
struct special_perms;
struct xsd;

/*
 * Fire the events of a published change log: subtree events for writes,
 * creations and permission changes, exact events for descendants removed
 * with a node.  With `merge` (a transaction commit) each path fires once,
 * in first-change order, as a subtree event if any of its changes was.
 */
void events_fire_log(struct xsd *x, const struct trie_log *log, bool merge);

/* Fire @introduceDomain or @releaseDomain (store.h's SPECIAL_*). */
void events_fire_special(struct xsd *x, int special);

/*
 * The same after SET_PERMS on it: a watcher that could read it under the
 * old permissions `old` (borrowed) qualifies too.
 */
void events_fire_special_perms(struct xsd *x, int special,
    const struct special_perms *old);

/* The event every new watch gets at once: the path as registered. */
void events_initial(struct xsd *x, struct conn *c, const char *path,
    const char *token);

/* Events queued beyond this are dropped for an unprivileged reader. */
#define EVENTS_QUEUE_LIMIT (1024 * 1024)

#endif
