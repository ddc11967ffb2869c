/*
 * util.h: clock, random numbers and allocation helpers of xs-stress.
 */
#ifndef XS_STRESS_UTIL_H
#define XS_STRESS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define NSEC_PER_SEC	1000000000LL
#define NSEC_PER_MSEC	1000000LL

int64_t now_ns(void);

/* splitmix64: one 64-bit state per stream, reproducible from --seed. */
uint64_t rng_next(uint64_t *state);
uint32_t rng_below(uint64_t *state, uint32_t n);

/* Allocation that cannot fail: a stress tool out of memory just stops. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xmemdup(const void *p, size_t n);

#endif
