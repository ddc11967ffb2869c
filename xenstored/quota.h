/*
 * quota.h: quota values, their names, and the limit checks
 * (quotas-and-limits.md).  Pure.
 *
 * A quota value is the largest allowed count or length: 1000 nodes means
 * the 1000th node can be created and the 1001st cannot.  That is the 4.17
 * daemon's rule for nodes, transaction nodes, permissions and path length;
 * for watches and transactions 4.17 allows one more and HEAD one fewer, so
 * neither is a reference and the plain reading wins.  Node size and
 * memory fail when the value reaches the limit (both C versions).
 */
#ifndef QUOTA_H
#define QUOTA_H

#include <stdbool.h>
#include <stddef.h>

enum quota_id {
	Q_NODES,		/* nodes owned */
	Q_WATCHES,		/* watches registered */
	Q_OUTSTANDING,		/* requests not yet answered */
	Q_MEMORY,		/* bytes charged */
	Q_TRANSACTIONS,		/* open transactions */
	Q_TXN_NODES,		/* distinct nodes one transaction touches */
	Q_PERMS,		/* entries in one SET_PERMS */
	Q_PATH_MAX,		/* counted path length */
	Q_NODE_SIZE,		/* node record size */
	Q_COUNT
};

#define QUOTA_NA ((unsigned)-1)	/* no soft value */

struct quota {
	unsigned hard[Q_COUNT];
	unsigned soft[Q_COUNT];
};

void quota_defaults(struct quota *q);

/* Index of a quota name (HEAD names and the 4.17 aliases), or -1. */
int quota_by_name(const char *name);
const char *quota_name(enum quota_id id);
const char *quota_describe(enum quota_id id);

/*
 * Would `value` (the count or size the operation would reach) break
 * quota `id`?  0 disables a quota.  Counts and lengths fail above the
 * limit; node-size, memory and outstanding (stop reading) at it.
 */
bool quota_exceeded(const struct quota *q, enum quota_id id,
    unsigned long value);

/* "name=value" (as -Q/-q take it).  Returns 0 or -EINVAL. */
int quota_assign(struct quota *q, const char *spec, bool soft);

#endif
