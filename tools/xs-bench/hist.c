/*
 * hist.c: see hist.h.
 */
#include <stdlib.h>
#include <string.h>

#include "hist.h"

struct hist *
hist_new(void)
{
	struct hist *h = calloc(1, sizeof(*h));

	if (h != NULL)
		h->min = UINT64_MAX;
	return h;
}

void
hist_free(struct hist *h)
{
	free(h);
}

void
hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned
hist_index(uint64_t v)
{
	unsigned msb, e;

	if (v >= (1ull << HIST_MAX_BITS))
		v = (1ull << HIST_MAX_BITS) - 1;
	if (v < HIST_SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	e = msb - (HIST_SUB_BITS - 1);	/* v >> e is in [1024, 2047] */
	return HIST_SUB + (e - 1) * HIST_HALF +
	    (unsigned)((v >> e) - HIST_HALF);
}

uint64_t
hist_lowest(unsigned idx)
{
	unsigned e, m;

	if (idx < HIST_SUB)
		return idx;
	e = (idx - HIST_SUB) / HIST_HALF + 1;
	m = (idx - HIST_SUB) % HIST_HALF + HIST_HALF;
	return (uint64_t)m << e;
}

uint64_t
hist_highest(unsigned idx)
{
	unsigned e;

	if (idx < HIST_SUB)
		return idx;
	e = (idx - HIST_SUB) / HIST_HALF + 1;
	return hist_lowest(idx) + (1ull << e) - 1;
}

void
hist_record(struct hist *h, uint64_t ns)
{
	h->counts[hist_index(ns)]++;
	h->total++;
	h->sum += ns;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

void
hist_merge(struct hist *into, const struct hist *from)
{
	unsigned i;

	if (from->total == 0)
		return;
	for (i = 0; i < HIST_BUCKETS; i++)
		into->counts[i] += from->counts[i];
	into->total += from->total;
	into->sum += from->sum;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
}

uint64_t
hist_percentile(const struct hist *h, double p)
{
	uint64_t want, seen = 0, v;
	unsigned i;

	if (h->total == 0)
		return 0;
	if (p >= 100.0)
		return h->max;
	want = (uint64_t)((p / 100.0) * (double)h->total + 0.999999);
	if (want < 1)
		want = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= want) {
			v = hist_highest(i);
			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

double
hist_mean(const struct hist *h)
{
	return h->total ? (double)h->sum / (double)h->total : 0.0;
}
