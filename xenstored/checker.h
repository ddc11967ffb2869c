/*
 * checker.h: the daemon's invariant checker, behind CONTROL check and the
 * tests' oracle after their steps (docs/design.md §5).  It recomputes from
 * the tree and the connections everything the daemon keeps incrementally
 * and checks every structural promise:
 *
 *   tree        structure of every version held (every listed child
 *               present, counts, large-directory indexes), reference
 *               counts equal to the references held (store, snapshot
 *               writer, transactions), no node alive but unreachable,
 *               per-owner node and byte accounting equal to a recount;
 *   domains     per domain: connections, watches, watch bytes,
 *               transactions, outstanding messages and queued bytes equal
 *               to a recount over its connections; every record refers to
 *               live connections, and none is kept for a domain that is
 *               gone with nothing referring to it;
 *   connections every list (live, closed, dirty, stuck, deferred, ready)
 *               agrees with the flags; a closed connection holds no watch
 *               or transaction; a stalled one has something to wake it;
 *               queued output parses into whole messages of at most 4096
 *               bytes of payload, its count right; no queue above its
 *               bound (output of unprivileged peers, kept input, the
 *               per-pass request budget);
 *   watches     the index and the connections' lists agree both ways,
 *               every watch owned by a live connection.
 *
 * Read-only.  The only I/O: asking Xen whether a domain still exists.
 * (Not "check.h": the unit tests, built with -Ixenstored, would find it
 * instead of the Check framework's <check.h>.)
 */
#ifndef CHECKER_H
#define CHECKER_H

struct xsd;

/*
 * Output queued for an unprivileged connection never exceeds this: events
 * stop at EVENTS_QUEUE_LIMIT (the one that crosses it included), then at
 * most one reply, and no request is taken above CONN_OUT_STALL.
 */
#define CHECK_GUEST_OUT_MAX (EVENTS_QUEUE_LIMIT + 2 * WIRE_MAX_MSG)
/* Input kept for a connection: one read of the daemon's buffer, plus a
 * partial request. */
#define CHECK_IN_MAX (XSD_READ_CHUNK + WIRE_MAX_MSG)

/* One problem, as a line of text naming what is wrong (borrowed). */
typedef void check_report_fn(void *arg, const char *problem);

/*
 * Check everything.  Returns the number of problems found; the first
 * CHECK_REPORT_MAX are passed to fn (if not NULL), in the order found.
 * An allocation failure is reported as a problem (the check is then
 * incomplete).
 */
#define CHECK_REPORT_MAX 32
unsigned check_all(struct xsd *x, check_report_fn *fn, void *arg);

#endif
