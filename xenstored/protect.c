/*
 * protect.c: fairness for starved privileged transactions (XSA-206, see
 * daemon.h): while a privileged connection is protected, every other
 * connection's requests that would publish a change wait, their
 * connections stalled, and resume in order when the protection ends.
 */
#include "conn.h"
#include "daemon.h"
#include "loop.h"

void
daemon_protect(struct xsd *x, struct conn *c)
{
	if (x->protect != NULL)
		return;		/* one at a time: the others wait their turn */
	x->protect = c;
	x->protect_since = loop_now_ms();
	log_debug(&x->log, "conn %lu: transactions starved, others' writes "
	    "wait for its next commit", c->id);
}

void
daemon_unprotect(struct xsd *x, struct conn *c)
{
	struct conn *d;

	if (x->protect != c || c == NULL)
		return;
	x->protect = NULL;
	while ((d = TAILQ_FIRST(&x->deferred)) != NULL) {
		TAILQ_REMOVE(&x->deferred, d, deferred_link);
		d->deferred = false;
		conn_resume(d);
	}
}

bool
daemon_must_defer(struct xsd *x, struct conn *c, const struct wire_req *w)
{
	(void)x;
	(void)c;
	switch (w->hdr.type) {
	case XS_WRITE:
	case XS_MKDIR:
	case XS_RM:
	case XS_SET_PERMS:
		/* inside a transaction nothing is published yet */
		return w->hdr.tx_id == 0;
	case XS_TRANSACTION_END:
		return w->len >= 1 && w->body[0] == 'T';
	default:
		return false;
	}
}
