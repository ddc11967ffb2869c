/*
 * hostile.h: a hostile guest for the security tests, on top of gtest.h
 * (one daemon per test under `xensim run`, the toolstack on the socket,
 * guests on their rings).  A hostile guest ignores xenstore-ring.txt
 * when it likes: it writes raw bytes and raw indexes (including values
 * that change while the daemon reads them), floods requests without
 * reading replies, and reboots with the same domid.  The helpers that
 * look at the daemon (memory, quota counters, wake-ups, a hash of the
 * whole tree) are here too, so each test states only its attack and its
 * expectations.
 *
 * Synchronisation without sleeping: a notification makes the daemon's
 * event-channel descriptor readable at once, so a round trip on the
 * toolstack's socket started after it (hg_sync) ends only after the
 * daemon's loop has handled that notification (both descriptors are
 * ready when it next wakes up, and it answers the socket once the whole
 * batch is handled).  Every wait is bounded.
 */
#ifndef HOSTILE_H
#define HOSTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "gtest.h"

#define HG_RING XENSTORE_RING_SIZE

/* ---- raw indexes ----------------------------------------------------------- */

enum hg_index { HG_REQ_CONS, HG_REQ_PROD, HG_RSP_CONS, HG_RSP_PROD };

uint32_t hg_get(struct gt_chan *c, enum hg_index i);
void hg_set(struct gt_chan *c, enum hg_index i, uint32_t v);

/*
 * A thread storing vals[0], vals[1], ... vals[n-1], vals[0], ... into
 * index i of c's ring until stopped, so that two reads of the index by
 * the daemon may see different values.  It only stores; notifying is
 * the caller's.  hg_flip_stop returns the number of stores made.
 */
struct hg_flip;
struct hg_flip *hg_flip_start(struct gt_chan *c, enum hg_index i,
    const uint32_t *vals, size_t n);
unsigned long hg_flip_stop(struct hg_flip **fp);

/* ---- raw bytes ------------------------------------------------------------- */

/* A message (header, then len payload bytes) into buf: its length. */
size_t hg_msg(void *buf, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *payload, size_t len);
/*
 * Copy bytes into the request ring at req_prod and advance it, whatever
 * req_cons says (unread requests may be overwritten).  No notification.
 */
void hg_raw(struct gt_chan *c, const void *buf, size_t len);
/* Put a whole message in the request ring if it fits now (no notify). */
bool hg_post(struct gt_chan *c, const void *msg, size_t len);
/* Send a request without waiting for its reply (it must fit), notify. */
void hg_send(struct gt_chan *c, uint32_t type, uint32_t req_id,
    uint32_t tx_id, const void *payload, size_t len);
/*
 * Flood: post copies of one request (ids first_id, first_id + 1, ...)
 * whenever there is room, never reading a reply, until the daemon stops
 * taking them (the request ring stays full across a sync) or `max` are
 * sent.  Returns the number sent.
 */
uint32_t hg_flood(struct gt *t, struct gt_chan *c, uint32_t type,
    uint32_t first_id, const void *payload, size_t len, uint32_t max);

/*
 * Send a request on a socket channel without waiting (the daemon may be
 * frozen): its req_id, for gt_reply.
 */
uint32_t hg_sock_send(struct gt_chan *c, uint32_t type, const void *payload,
    size_t len);

/* ---- guests in other processes --------------------------------------------- */

/*
 * Another process plays guest `domid` (introduced, and not attached by
 * this process): it WRITEs `path` in a loop with a changing value,
 * keeping up to `inflight` requests in its ring and reading the replies,
 * until stopped.  hg_writer_stop returns the number of writes answered
 * OK and asserts that none failed and that the ring never broke.
 */
struct hg_writer;
struct hg_writer *hg_writer_start(struct gt *t, uint32_t domid,
    const char *path, unsigned inflight);
unsigned long hg_writer_stop(struct hg_writer **wp);

/* ---- domains --------------------------------------------------------------- */

/* Wait (bounded) until the daemon no longer counts `domid` introduced. */
void hg_wait_gone(struct gt *t, uint32_t domid);
/*
 * Reboot with the same domid, as a toolstack does: destroy the domain,
 * wait until the daemon has let it go, create a new domain with that
 * id, write its home, attach, INTRODUCE.  c is detached (freed); the
 * new guest's channel is returned.
 */
struct gt_chan *hg_reboot(struct gt_chan *c);

/* ---- the daemon ------------------------------------------------------------ */

/* A round trip on the toolstack's socket (see the header comment). */
void hg_sync(struct gt *t);
/* Stop (SIGSTOP) and continue (SIGCONT) the daemon: several events then
 * reach it in one loop iteration. */
void hg_freeze(struct gt *t);
void hg_thaw(struct gt *t);
/* Resident memory, KiB. */
long hg_rss_kb(struct gt *t);
/*
 * The daemon grew by at most `kb` KiB since hg_rss_kb gave `base`;
 * not checked when its heap is not its own: under valgrind (HG_SLOW) or
 * ASan (HG_ASAN: freed memory waits in quarantine).  The exact measures
 * (memreport, quota) apply regardless.
 */
void hg_rss_within(struct gt *t, long base, long kb, const char *what);
/*
 * Wait (bounded) until no snapshot is being written: a snapshot holds an
 * old version of the tree, so the store's counts below are stable only
 * without one.
 */
void hg_settle(struct gt *t);
/* Bytes allocated by the daemon's store (trie nodes, transactions). */
long hg_trie_bytes(struct gt *t);
/* Nodes allocated by the daemon's store (every version it holds). */
long hg_live_nodes(struct gt *t);
/*
 * A line of `CONTROL quota <domid>` ("nodes", "watches", "transactions",
 * "outstanding", "memory"), or -1 if the daemon does not know the domain.
 */
long hg_quota(struct gt *t, uint32_t domid, const char *what);
/*
 * The daemon is idle: it is seen asleep (state S in /proc) several
 * times in a row, and its loop was not woken meanwhile beyond the
 * request asking (CONTROL memreport counts loop iterations).  A loop
 * that spins is never asleep.  Polling for the sleep is bounded.
 */
void hg_idle(struct gt *t);
/*
 * A hash of the subtree at `top` as the toolstack sees it: every path,
 * value and permission list, children in order.
 */
uint64_t hg_tree_hash(struct gt *t, const char *top);

/*
 * The daemon's allocation-failure hook (--test-hooks): fail the k-th
 * allocation of its store from now (0 disarms).  Returns the number of
 * allocations refused so far.
 */
long hg_failalloc(struct gt *t, unsigned long k);

/*
 * Live update to the daemon's own binary (CONTROL live-update -f, -s):
 * the same process carries on after exec with the state it streamed.
 * Asserts that it answered and that it really was a new image (its count
 * of requests starts again).
 */
void hg_live_update(struct gt *t);

/* ---- common expectations ------------------------------------------------- */

/* WATCH and its initial event. */
void hg_watch(struct gt_chan *c, const char *path, const char *token);
/*
 * Guest `other` (a normal guest with a home, may be NULL) and the
 * toolstack are served normally, and CONTROL check passes.
 */
void hg_served(struct gt *t, struct gt_chan *other);
/*
 * Guest c is not served: a valid request put in a sane request ring
 * stays unread and nothing is written to its response ring.
 */
void hg_ignored(struct gt_chan *c);

/* ---- suites ----------------------------------------------------------------- */

/*
 * Each test is its own test case, named after its row of the record,
 * so that CK_RUN_CASE=<name> runs just that one.
 */
void hg_add(Suite *s, const char *name, const TTest *test);
/* Run the suite: the exit status of main. */
int hg_run(Suite *s);

/* ---- test parameters ------------------------------------------------------- */

/*
 * An iteration count from the environment variable `name` (the full
 * count of the record, for long runs), else `ci` (what `make check`
 * runs: enough to exercise the bug class; a tenth of it, at least 1,
 * when HG_SLOW is set: the daemon runs under valgrind).
 */
unsigned long hg_count(const char *name, unsigned long ci);

#endif
