/*
 * trie_ctx.c: the trie context: allocator hook, live counters, the keyed
 * hash used by large directories, the cache of small freed blocks.  Every
 * allocation of libtrie goes through trie__alloc so that tests can count
 * and fail them (a caller's allocator sees every call: no cache).
 */
#include <errno.h>
#include <stdlib.h>

#include "trie_internal.h"

static void *
default_alloc(void *arg, size_t size)
{
	(void)arg;
	return malloc(size);
}

static void
default_free(void *arg, void *p, size_t size)
{
	(void)arg;
	(void)size;
	free(p);
}

static const struct trie_allocator malloc_allocator = {
	default_alloc, default_free, NULL
};

int
trie_ctx_new(const struct trie_allocator *a, uint64_t hash_seed,
    struct trie_ctx **out)
{
	struct trie_ctx *cx;

	if (a == NULL)
		a = &malloc_allocator;
	cx = a->alloc(a->arg, sizeof(*cx));
	if (cx == NULL)
		return -ENOMEM;
	memset(cx, 0, sizeof(*cx));
	cx->caching = a == &malloc_allocator;
	cx->a = *a;
	/* Two independent 64-bit keys from one seed (splitmix64 steps). */
	cx->k0 = hash_seed ^ 0x736f6d6570736575ULL;
	cx->k1 = (hash_seed * 0x9e3779b97f4a7c15ULL) ^ 0x646f72616e646f6dULL;
	*out = cx;
	return 0;
}

void
trie_ctx_free(struct trie_ctx **cxp)
{
	struct trie_ctx *cx;
	struct trie_allocator a;

	if (cxp == NULL || *cxp == NULL)
		return;
	cx = *cxp;
	trie__cache_drain(cx);
	assert(cx->live_nodes == 0);
	assert(cx->live_bytes == 0);
	a = cx->a;
	a.free(a.arg, cx, sizeof(*cx));
	*cxp = NULL;
}

uint64_t
trie_ctx_gen(const struct trie_ctx *cx)
{
	return cx->gen;
}

uint64_t
trie_ctx_next_gen(struct trie_ctx *cx)
{
	return ++cx->gen;
}

uint64_t
trie_ctx_live_nodes(const struct trie_ctx *cx)
{
	return cx->live_nodes;
}

uint64_t
trie_ctx_live_bytes(const struct trie_ctx *cx)
{
	return cx->live_bytes;
}

void
trie__cache_drain(struct trie_ctx *cx)
{
	size_t i;

	for (i = 0; i < CACHE_CLASSES; i++) {
		while (cx->cache[i] != NULL) {
			void *p = cx->cache[i];

			CACHED_LINK(p);
			cx->cache[i] = *(void **)p;
			free(p);
		}
		cx->ncached[i] = 0;
	}
}

void *
trie__alloc_slow(struct trie_ctx *cx, size_t size)
{
	void *p;

	if (cx->caching && size != 0 && size <= CACHE_MAX_SIZE)
		p = malloc((cache_class(size) + 1) * CACHE_STEP);
	else
		p = cx->a.alloc(cx->a.arg, size);
	if (p != NULL)
		cx->live_bytes += size;
	return p;
}

void
trie__free_slow(struct trie_ctx *cx, void *p, size_t size)
{
	if (cx->caching && size != 0 && size <= CACHE_MAX_SIZE)
		free(p);
	else
		cx->a.free(cx->a.arg, p, size);
}

/* SipHash-1-3, truncated to 32 bits: keyed so guests cannot aim at
 * collisions in the directories they create. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

static uint64_t
siphash13(uint64_t k0, uint64_t k1, const void *s, size_t len)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	const unsigned char *p = s;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, left = len & 7, full = len - left;

	for (i = 0; i < full; i += 8) {
		memcpy(&m, p + i, 8);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (i = 0; i < left; i++)
		b |= (uint64_t)p[full + i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint32_t
trie__hash(const struct trie_ctx *cx, const char *s, size_t len)
{
	uint64_t h = siphash13(cx->k0, cx->k1, s, len);

	return (uint32_t)(h ^ (h >> 32));
}

uint64_t
trie_hash64(uint64_t seed, const void *data, size_t len)
{
	return siphash13(seed ^ 0x736f6d6570736575ULL,
	    (seed * 0x9e3779b97f4a7c15ULL) ^ 0x646f72616e646f6dULL, data, len);
}
