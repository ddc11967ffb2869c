/*
 * hostile.h: misbehaving guests.  A hostile kind is a small set of hooks
 * run on one guest's raw ring (the guest's xsconn is bypassed while
 * g->hostile is set):
 *
 *   start   begin misbehaving (the guest is idle, its ring empty)
 *   event   the daemon signalled the guest's event channel
 *   finish  the load on the other guests is over: stop, and check what
 *           can be checked (a legal misbehaviour must be answered
 *           correctly in the end); set done when finished
 *
 * A kind records its observations in verdict (printed, not judged: what
 * a daemon does with a broken ring is its policy) and counts violations
 * of the protocol as failures.  To add one: write the three hooks in
 * hostile_kinds.c and a row in hostile_kinds[].
 */
#ifndef XS_STRESS_HOSTILE_H
#define XS_STRESS_HOSTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

struct stress;
struct guest;

struct hostile_kind {
	const char *name;
	const char *what;
	void (*start)(struct stress *s, struct guest *g);
	void (*event)(struct stress *s, struct guest *g);
	void (*finish)(struct stress *s, struct guest *g);
};

struct hostile_guest {
	const struct hostile_kind *kind;
	bool finishing, done;
	uint32_t sent, answered;	/* requests */
	/* one message being read back from rsp[] */
	unsigned char in[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX +
	    1];
	size_t ilen;
	char verdict[160];
};

extern const struct hostile_kind hostile_kinds[];
extern const unsigned hostile_nkinds;

#endif
