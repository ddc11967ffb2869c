/*
 * util.c: clock, random numbers and allocation helpers (no I/O besides
 * the fatal message when memory runs out).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

uint64_t
rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t
rng_below(uint64_t *state, uint32_t n)
{
	return n == 0 ? 0 : (uint32_t)(rng_next(state) % n);
}

static void
oom(size_t n)
{
	fprintf(stderr, "xs-stress: out of memory (%zu bytes)\n", n);
	exit(3);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n != 0 ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n != 0 ? n : 1, size != 0 ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n != 0 ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *
xmemdup(const void *p, size_t n)
{
	char *q = xmalloc(n + 1);

	memcpy(q, p, n);
	q[n] = '\0';
	return q;
}

char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s));
}
