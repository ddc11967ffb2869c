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
	struct unix_listener *listener;
	struct conn_list conns;		/* every live connection */
	struct conn_list dirty;		/* output queued, not yet pushed */
	struct conn_list dead;		/* closed, to free before sleeping */
	unsigned nconns;
	unsigned long next_conn_id;
	struct xsd_stats stats;
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

/* Track a domain (quota copy, first generation): NULL on ENOMEM. */
struct domain *daemon_track(struct xsd *x, unsigned domid);

/* Before sleeping: push queued output, free closed connections. */
void daemon_before_sleep(void *arg);

#endif
