/* failalloc.c: see failalloc.h. */
#include <stdlib.h>

#include "helpers/failalloc.h"

static void *
fa_alloc(void *arg, size_t size)
{
	struct failalloc *fa = arg;
	void *p;

	fa->calls++;
	if (fa->fail_at != 0 && fa->calls == fa->fail_at) {
		fa->failed++;
		return NULL;
	}
	p = malloc(size);
	if (p != NULL)
		fa->live += (int64_t)size;
	return p;
}

static void
fa_free(void *arg, void *p, size_t size)
{
	struct failalloc *fa = arg;

	if (p == NULL)
		return;
	fa->live -= (int64_t)size;
	free(p);
}

void
failalloc_init(struct failalloc *fa)
{
	fa->calls = 0;
	fa->fail_at = 0;
	fa->failed = 0;
	fa->live = 0;
	fa->a.alloc = fa_alloc;
	fa->a.free = fa_free;
	fa->a.arg = fa;
}

void
failalloc_arm(struct failalloc *fa, uint64_t k)
{
	fa->fail_at = k ? fa->calls + k : 0;
}
