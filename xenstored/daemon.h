/*
 * daemon.h: the one daemon struct.  Everything mutable the daemon has
 * hangs off it; there are no other globals.  Owned by main().
 */
#ifndef DAEMON_H
#define DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "config.h"
#include "conn.h"
#include "domain.h"
#include "log.h"
#include "store.h"
#include "watch.h"
#include "wire.h"

struct loop;
struct lu_session;
struct persist;
struct rings;
struct unix_listener;
struct xen;

TAILQ_HEAD(conn_list, conn);

#define XSD_READ_CHUNK (64 * 1024)

struct xsd_stats {
	unsigned long long requests;
	unsigned long long errors;
	unsigned long long events;
	unsigned long long events_dropped;
	unsigned long long commits[4];	/* by trie_commit_how */
	unsigned long long eagain;
	/* fairness (memreport): loop passes, and the most requests handled
	 * in one pass, in all and by one unprivileged connection */
	unsigned long long passes;
	unsigned pass_requests;		/* in the current pass */
	unsigned max_pass_requests;
	unsigned max_conn_pass_requests;
};

struct xsd {
	struct xsd_config cfg;
	struct xsd_log log;
	struct loop *loop;
	struct store store;
	struct watches watches;
	struct domains doms;
	struct xen *xen;		/* NULL: no Xen (socket only) */
	struct rings *rings;		/* ring transport state, or NULL */
	struct persist *persist;	/* state directory, or NULL */
	struct lu_session *lu;		/* live update in progress, or NULL */
	int argc;			/* our command line (live update) */
	char **argv;
	struct unix_listener *listener;
	struct conn_list conns;		/* every live connection */
	struct conn_list dirty;		/* output queued, not yet pushed */
	struct conn_list dead;		/* closed, to free before sleeping */
	struct conn_list stuck;		/* unprivileged, output unread */
	struct conn_list deferred;	/* publishing held back: protect */
	struct conn_list ready;		/* kept input for a later pass */
	uint64_t pass;			/* loop passes (before-sleep calls) */
	struct conn *protect;		/* privileged conn being let through */
	uint64_t protect_since;
	unsigned nconns;
	unsigned long next_conn_id;
	struct xsd_stats stats;
	uint64_t seed;			/* random: keys the daemon's hashes */
	/* scratch buffers: one request is handled at a time */
	char reply[XENSTORE_PAYLOAD_MAX + 64];
	uint8_t rbuf[XSD_READ_CHUNK];
};


/* --- daemon.c: glue shared by the request handlers and transports --- */
struct caller;

/* Who a connection acts as (privilege, domid, SET_TARGET target). */
void daemon_caller(const struct xsd *x, const struct conn *c,
    struct caller *who);

/*
 * perms_alive_fn for ACL entries: an entry counts only if its domain is
 * tracked and was first seen before the node's last change (domid reuse).
 * `arg` is the struct xsd.
 */
bool daemon_entry_alive(void *arg, unsigned domid, uint64_t gen);

/*
 * Does `domid` exist and is it not dying (Xen says so; without Xen every
 * domid does)?
 */
bool daemon_domain_exists(struct xsd *x, unsigned domid);

/*
 * Bytes charged to a domain against its memory quota: the nodes it owns,
 * its watches, what its open transactions hold.
 */
unsigned long daemon_charged(const struct xsd *x, const struct domain *d);

/* Track a domain (quota copy, first generation): NULL on ENOMEM. */
struct domain *daemon_track(struct xsd *x, unsigned domid);

/*
 * Set up x's containers, loop, store, watch registry and domain table
 * (x->cfg parsed, x->log open; hash keys from seed).  0 or -errno; on
 * failure daemon_fini undoes what was done.
 */
int daemon_init(struct xsd *x, uint64_t seed);

/*
 * Tear down everything x holds but its config and log: listening socket,
 * persistence, rings, connections, store, Xen handles, loop.
 */
void daemon_fini(struct xsd *x);

/* Before sleeping: push queued output, free closed connections. */
void daemon_before_sleep(void *arg);

/*
 * Every second: events queued for unprivileged peers that have not read
 * anything for the watch-event timeout are discarded (-w watch-event=),
 * and a protection that outlived its bound ends.
 */
void daemon_housekeeping(void *arg);

/*
 * XSA-206: a privileged connection whose transactions keep failing
 * because others keep changing what it reads gets protection: until its
 * next commit (or abort, or it closes, or it sends nothing for 2 s),
 * requests of every other connection that would publish a change
 * (writes outside a transaction, commits) wait: guests', and other
 * privileged ones' too (two toolstack processes on one hot node starve
 * each other as surely).  Its next attempt therefore commits, however
 * long it takes, as long as it keeps going.  Guests never get it: one
 * could hold dom0's writes back by never committing.
 */
#define PROTECT_AFTER 2		/* EAGAINs in a row */
#define PROTECT_MAX_MS 2000
void daemon_protect(struct xsd *x, struct conn *c);
void daemon_unprotect(struct xsd *x, struct conn *c);
/* Must this request wait (and its connection with it)? */
bool daemon_must_defer(struct xsd *x, struct conn *c,
    const struct wire_req *w);

#endif
