/*
 * steady.h: the steady load's private state, shared by sc_steady.c (the
 * run), steady_ops.c (each guest's own requests) and steady_watch.c (the
 * watchers).  A guest's struct steady_guest belongs to its slot; struct
 * steady lives for one run (s->steady, NULL between runs).
 */
#ifndef XS_STRESS_STEADY_H
#define XS_STRESS_STEADY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stress;
struct guest;
struct xsreply;

#define NKEYS		16
#define PAD_MAX		64
#define DEFAULT_SECS	10.0

enum op { OP_WRITE, OP_READ, OP_LIST, OP_TXN, OP_PUB, OP_PEER, OP_DENIED,
	OP_NAME };

/* Cumulative percentages of the mix, in enum order. */

struct steady_guest {
	uint32_t gen;
	bool on;		/* takes part in this run */
	struct guest *peer;	/* reads and watches my data/pub */
	struct guest *src;	/* whose data/pub I watch */
	struct guest *other;	/* whose data I may not read */
	char *model[NKEYS];
	uint32_t ctr, seq;
	bool busy;
	enum op op;
	unsigned key;
	char *val;
	/* publishing */
	uint32_t pub_seq;
	bool pub_wait;
	int64_t pub_t;
	uint32_t seen_peer, seen_mon;
	/* watching src (on my ring) and being watched by dom0 */
	bool w_busy, w_dirty, m_busy, m_dirty;
	unsigned w_events;	/* events of my watch on src's data/pub */
};

struct steady {
	unsigned n;
	unsigned busy;		/* requests in flight (all actors) */
	unsigned waiting;	/* publications not yet seen by both */
	bool stop;
	int64_t end;
	uint64_t target;
	bool faulted;
	struct guest *deaf;	/* --fault lose-event */
	uint64_t pubs;
};

/* The guest's steady state, if it takes part in the current run. */
struct steady_guest *sg_of(const struct stress *s, const struct guest *g);
/* Set a busy (pub false) or waiting (pub true) flag, keeping counts. */
void flag(struct stress *s, bool *f, bool v, bool pub);
void who(const struct guest *g, char *buf, size_t len);
/* A publication both watchers have read is done. */
void pub_check(struct stress *s, struct steady_guest *sg);

/* steady_ops.c */
void next_op(struct stress *s, struct guest *g);
bool list_inspect(void *arg, unsigned i, const struct xsreply *r);

#endif
