/*
 * failalloc.h: a counting allocator for libtrie that can fail the k-th
 * allocation from a chosen point on (after SQLite's faultsim).
 */
#ifndef FAILALLOC_H
#define FAILALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "trie.h"

struct failalloc {
	uint64_t calls;		/* allocations attempted so far */
	uint64_t fail_at;	/* fail when calls reaches this; 0 = never */
	uint64_t failed;	/* allocations refused */
	int64_t live;		/* bytes allocated and not freed */
	struct trie_allocator a;
};

void failalloc_init(struct failalloc *fa);
/* Fail the k-th allocation from now (k >= 1); 0 disarms. */
void failalloc_arm(struct failalloc *fa, uint64_t k);

#endif
