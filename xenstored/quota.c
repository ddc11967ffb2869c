/*
 * quota.c: see quota.h.  The table keeps the C daemon's internal order,
 * which is also the listing order of GET_QUOTA and CONTROL quota.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "quota.h"
#include "wire.h"

static const struct {
	const char *name;
	const char *alias;
	unsigned dflt;
	bool ge;		/* fails at value >= limit, not value > limit */
	const char *what;
} table[Q_COUNT] = {
	[Q_NODES] = { "nodes", NULL, 1000, false, "Nodes per domain" },
	[Q_WATCHES] = { "watches", NULL, 128, false, "Watches per domain" },
	[Q_OUTSTANDING] = { "outstanding", NULL, 20, true,
	    "Outstanding requests" },
	[Q_MEMORY] = { "memory", NULL, 2621440, true,
	    "Memory per domain (bytes)" },
	[Q_TRANSACTIONS] = { "transactions", NULL, 10, false,
	    "Transactions per domain" },
	[Q_TXN_NODES] = { "transaction-nodes", NULL, 1024, false,
	    "Nodes touched by one transaction" },
	[Q_PERMS] = { "node-permissions", "permissions", 5, false,
	    "Permission entries per node" },
	[Q_PATH_MAX] = { "path-max", NULL, 2048, false,
	    "Path length (bytes)" },
	[Q_NODE_SIZE] = { "node-size", NULL, 2048, true,
	    "Node record size (bytes)" },
};

void
quota_defaults(struct quota *q)
{
	int i;

	for (i = 0; i < Q_COUNT; i++) {
		q->hard[i] = table[i].dflt;
		q->soft[i] = QUOTA_NA;
	}
	q->soft[Q_MEMORY] = 2097152;
}

int
quota_by_name(const char *name)
{
	int i;

	for (i = 0; i < Q_COUNT; i++)
		if (strcmp(name, table[i].name) == 0 ||
		    (table[i].alias && strcmp(name, table[i].alias) == 0))
			return i;
	return -1;
}

const char *
quota_name(enum quota_id id)
{
	return table[id].name;
}

const char *
quota_describe(enum quota_id id)
{
	return table[id].what;
}

bool
quota_exceeded(const struct quota *q, enum quota_id id, unsigned long value)
{
	unsigned limit = q->hard[id];

	if (limit == 0)
		return false;
	return table[id].ge ? value >= limit : value > limit;
}

int
quota_assign(struct quota *q, const char *spec, bool soft)
{
	const char *eq = strchr(spec, '=');
	char name[32];
	unsigned long v;
	int id;

	if (eq == NULL || (size_t)(eq - spec) >= sizeof(name))
		return -EINVAL;
	memcpy(name, spec, (size_t)(eq - spec));
	name[eq - spec] = '\0';
	id = quota_by_name(name);
	if (id < 0 || !wire_uint(eq + 1, 0x7fffffff, &v))
		return -EINVAL;
	if (soft) {
		if (q->soft[id] == QUOTA_NA)
			return -EINVAL;
		q->soft[id] = (unsigned)v;
	} else {
		q->hard[id] = (unsigned)v;
	}
	return 0;
}
