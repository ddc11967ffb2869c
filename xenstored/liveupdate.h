/*
 * liveupdate.h: replacing the daemon's binary in place (live-update.md),
 * driven by `xenstore-control live-update`: the state is written in the
 * record stream, the new binary exec'ed with the descriptors (listening
 * socket, socket connections, event channel) kept open, and the new
 * process carries on.  Unlike the C daemon we do not wait for
 * transactions to end: they travel in the stream and commit afterwards.
 */
#ifndef LIVEUPDATE_H
#define LIVEUPDATE_H

struct req;
struct xsd;

/* CONTROL live-update -f/-c/-s/-a. */
int liveupdate_control(struct req *r);

/* Run a started update (before sleeping, at a quiet point). */
void liveupdate_before_sleep(struct xsd *x);

/* The new process (-U): take over from the stream.  0 or -errno. */
int liveupdate_restore(struct xsd *x);

/* Free a session left at exit. */
void liveupdate_fini(struct xsd *x);

#endif
