/*
 * sim_evset.c: a process-local set of endpoints read through one bell.
 *
 * Both a daemon's xenevtchn handle (preload) and a guest-side event queue
 * (host library) are an evset: one fd, many ports.  xsim_evset_next() hands
 * out queued ports round-robin and keeps the invariant that the fd is
 * readable exactly while some port of the set is queued (the C xenstored
 * treats a readable evtchn fd with nothing to read as fatal).
 */
#include <errno.h>
#include <stdlib.h>

#include "sim.h"

int
xsim_evset_init(struct xsim_core *c, bool cloexec, struct xsim_evset *s)
{
	s->ev = NULL;
	s->n = s->cap = s->cursor = 0;
	s->bell.fd = -1;
	s->bell.word = 0;
	return xsim_bell_open(c, cloexec, &s->bell);
}

void
xsim_evset_fini(struct xsim_core *c, struct xsim_evset *s)
{
	xsim_bell_close(c, &s->bell);
	free(s->ev);
	s->ev = NULL;
	s->n = s->cap = s->cursor = 0;
}

int
xsim_evset_add(struct xsim_evset *s, uint32_t epi, void *tag)
{
	struct xsim_event *p;
	uint32_t cap;

	if (s->n == s->cap) {
		cap = s->cap != 0 ? s->cap * 2 : 4;
		p = realloc(s->ev, cap * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		s->ev = p;
		s->cap = cap;
	}
	s->ev[s->n].epi = epi;
	s->ev[s->n].tag = tag;
	s->n++;
	return 0;
}

void
xsim_evset_del(struct xsim_evset *s, uint32_t epi)
{
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		if (s->ev[i].epi == epi) {
			s->ev[i] = s->ev[--s->n];
			if (s->cursor > s->n)
				s->cursor = 0;
			return;
		}
	}
}

static bool
any_queued(struct xsim_core *c, const struct xsim_evset *s)
{
	uint32_t i;

	for (i = 0; i < s->n; i++)
		if (xsim_ev_queued(c, s->ev[i].epi))
			return true;
	return false;
}

/* Make the fd readable iff some port of the set is queued. */
void
xsim_evset_refresh(struct xsim_core *c, struct xsim_evset *s)
{
	if (any_queued(c, s))
		return;
	xsim_bell_quiet(c, &s->bell);
	/* A raise that saw the bell still set did not ring: look again. */
	if (any_queued(c, s))
		xsim_bell_ring(c, s->bell.word);
}

/*
 * Take the next queued port, round-robin: 0 and *out, or -EAGAIN if none
 * is queued.  ack: consume the event entirely, as a guest's upcall does
 * (xsim_ev_ack); otherwise leave the port masked until unmask, as the
 * evtchn device does (xsim_ev_take).
 */
int
xsim_evset_next(struct xsim_core *c, struct xsim_evset *s, bool ack,
    struct xsim_event *out)
{
	uint32_t i, k;
	bool got;
	int rc = -EAGAIN;

	for (i = 0; i < s->n; i++) {
		k = (s->cursor + i) % s->n;
		got = ack ? xsim_ev_ack(c, s->ev[k].epi) :
		    xsim_ev_take(c, s->ev[k].epi);
		if (got) {
			*out = s->ev[k];
			s->cursor = k + 1;
			rc = 0;
			break;
		}
	}
	xsim_evset_refresh(c, s);
	return rc;
}
