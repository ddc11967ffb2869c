/*
 * stats.c: latency histograms and failure accounting.  Failures print to
 * stderr (the first STATS_SHOWN of each scenario, then only a count).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stats.h"

#define STATS_SHOWN 25

static unsigned
bucket(int64_t v)
{
	unsigned e;

	if (v < HIST_SUB)
		return v < 0 ? 0 : (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll((unsigned long long)v);
	/* v in [2^e, 2^(e+1)): the next 4 bits below the top one. */
	v = (v >> (e - 4)) & (HIST_SUB - 1);
	e = HIST_SUB + (e - 4) * HIST_SUB + (unsigned)v;
	return e < HIST_BUCKETS ? e : HIST_BUCKETS - 1;
}

/* Middle of bucket i. */
static int64_t
bucket_value(unsigned i)
{
	unsigned e, m;
	int64_t lo;

	if (i < HIST_SUB)
		return (int64_t)i;
	e = (i - HIST_SUB) / HIST_SUB + 4;
	m = (i - HIST_SUB) % HIST_SUB;
	lo = ((int64_t)1 << e) + ((int64_t)m << (e - 4));
	return lo + ((int64_t)1 << (e - 4)) / 2;
}

void
hist_add(struct hist *h, int64_t ns)
{
	h->b[bucket(ns)]++;
	h->n++;
	if (ns > h->max)
		h->max = ns;
}

int64_t
hist_pct(const struct hist *h, double p)
{
	uint64_t want, seen = 0;
	unsigned i;

	if (h->n == 0)
		return 0;
	want = (uint64_t)((double)h->n * p / 100.0 + 0.5);
	if (want == 0)
		want = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want) {
			int64_t v = bucket_value(i);

			return v < h->max ? v : h->max;
		}
	}
	return h->max;
}

uint64_t
stats_failures(const struct stats *st)
{
	uint64_t n = 0;
	int k;

	for (k = 0; k < FAIL_KINDS; k++)
		n += st->fails[k];
	return n;
}

void
stats_clear_line(struct stats *st)
{
	if (st->line_dirty) {
		fputs("\r\033[K", stderr);
		st->line_dirty = false;
	}
}

void
stats_fail(struct stats *st, enum fail_kind kind, const char *fmt, ...)
{
	static const char *const names[FAIL_KINDS] = {
		"protocol", "mismatch", "lost event", "timeout", "error",
	};
	va_list ap;

	st->fails[kind]++;
	if (st->shown > STATS_SHOWN)
		return;
	stats_clear_line(st);
	if (st->shown++ == STATS_SHOWN) {
		fputs("xs-stress: more failures, counting only\n", stderr);
		return;
	}
	fprintf(stderr, "xs-stress: FAIL (%s): ", names[kind]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
stats_note(struct stats *st, const char *fmt, ...)
{
	va_list ap;

	stats_clear_line(st);
	fputs("xs-stress: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
