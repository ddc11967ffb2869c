/*
 * hist.h: latency histogram in the style of HdrHistogram.
 *
 * Values are nanoseconds.  Buckets are log-linear: values below 2048 have
 * a bucket each; above, every power of two is split into 1024 equal
 * buckets, so any recorded value is known to within 1/1024 of itself
 * (three significant decimal digits).  Values above 2^50 ns are clamped.
 * One histogram per thread, merged at the end: recording is a single
 * increment, no locking.
 */
#ifndef XSB_HIST_H
#define XSB_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 11
#define HIST_SUB (1u << HIST_SUB_BITS)		/* 2048 */
#define HIST_HALF (HIST_SUB / 2)		/* 1024 */
#define HIST_MAX_BITS 50
#define HIST_BUCKETS (HIST_SUB + (HIST_MAX_BITS - HIST_SUB_BITS) * \
    HIST_HALF)

struct hist {
	uint64_t total;
	uint64_t min, max;
	uint64_t sum;		/* for the mean; ns, does not overflow */
	uint64_t counts[HIST_BUCKETS];
};

struct hist *hist_new(void);
void hist_free(struct hist *h);
void hist_reset(struct hist *h);
void hist_record(struct hist *h, uint64_t ns);
void hist_merge(struct hist *into, const struct hist *from);
/* Value at percentile p (0 < p <= 100): the highest value equivalent to
 * the bucket holding it, never above the exact maximum.  0 when empty. */
uint64_t hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);

/* Bucket arithmetic, exposed for the unit check in the smoke test. */
unsigned hist_index(uint64_t v);
uint64_t hist_lowest(unsigned idx);
uint64_t hist_highest(unsigned idx);

#endif
