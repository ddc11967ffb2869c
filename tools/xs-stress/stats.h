/*
 * stats.h: what one scenario measured: request counts and latencies,
 * EAGAIN retries, and every failure (each one makes xs-stress exit
 * non-zero).  The first few failure messages are printed as they happen.
 */
#ifndef XS_STRESS_STATS_H
#define XS_STRESS_STATS_H

#include <stdbool.h>
#include <stdint.h>

/* Log-linear latency histogram: 16 buckets per power of two, in ns. */
#define HIST_SUB	16
#define HIST_BUCKETS	(HIST_SUB + 44 * HIST_SUB)

struct hist {
	uint64_t n;
	int64_t max;
	uint64_t b[HIST_BUCKETS];
};

void hist_add(struct hist *h, int64_t ns);
/* The p-th percentile (0 < p <= 100) in ns; 0 for an empty histogram. */
int64_t hist_pct(const struct hist *h, double p);

enum fail_kind {
	FAIL_PROTO,	/* malformed/unexpected message or error */
	FAIL_MISMATCH,	/* a read returned something else than written */
	FAIL_LOST,	/* an expected watch event never arrived */
	FAIL_TIMEOUT,	/* a request or phase did not complete in time */
	FAIL_OTHER,	/* the daemon died, a simulation call failed, ... */
	FAIL_KINDS
};

struct stats {
	uint64_t gops;		/* replies received over guest rings */
	uint64_t sops;		/* replies received over the socket */
	uint64_t events;	/* watch events received */
	uint64_t eagain;	/* transaction commits retried */
	uint64_t fails[FAIL_KINDS];
	struct hist glat;	/* per request at the guest */
	struct hist slat;	/* per request at the toolstack (socket) */
	struct hist wlat;	/* write to every watcher having read it */
	bool line_dirty;	/* a tty progress line is on screen */
	unsigned shown;		/* failure messages printed so far */
};

uint64_t stats_failures(const struct stats *st);
void stats_fail(struct stats *st, enum fail_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Informational message that does not count as a failure. */
void stats_note(struct stats *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void stats_clear_line(struct stats *st);

#endif
