/*
 * gtest.h: integration-test harness for pxenstored under the simulated
 * Xen.  One daemon per test, in its own mktemp -d directory:
 *
 *   xensim run DIR/sim -- $PXENSTORED -N --test-hooks [extra options]
 *
 * The test is the toolstack (raw xenstore protocol over the daemon's Unix
 * socket, privileged) and any number of guests (the other end of their
 * rings and event channels, through xensim.h).  Both kinds of connection
 * are a struct gt_chan: requests wait for their reply (bounded), and
 * every watch event that arrives meanwhile is kept for gt_event().
 *
 * Environment: PXENSTORED (default build/bin/pxenstored) and XENSIM
 * (default build/bin/xensim); GT_WRAPPER, words the daemon runs under
 * (`valgrind -q --error-exitcode=1 ...`).  Under ASan the daemon runs with
 * verify_asan_link_order=0 (the preload comes before the ASan runtime)
 * and its exit status, leaks included, is checked by gt_finish().
 *
 * Every wait has a deadline; every message the daemon sends is checked
 * against the 4096-byte payload limit.
 */
#ifndef GTEST_H
#define GTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "xs_wire_ext.h"
#include "xensim.h"

/* Deadlines (ms).  Generous: ASan and a loaded machine are slow. */
#define GT_REPLY_MS 10000	/* a reply that must come */
#define GT_QUIET_MS 300		/* how long "nothing arrives" is watched */

struct gt;

struct gt_msg {
	uint32_t type, req_id, tx_id, len;
	char body[XENSTORE_PAYLOAD_MAX + 1];	/* NUL-terminated copy */
};

struct gt_chan {
	struct gt *t;
	bool ring;			/* guest ring, else Unix socket */
	int fd;				/* socket */
	struct xensim_guest *g;		/* guest */
	uint32_t domid;
	uint32_t next_req;
	uint8_t in[2 * (XENSTORE_PAYLOAD_MAX + 16)];
	size_t inlen;
	struct gt_msg *q;		/* messages not claimed yet */
	size_t qn, qcap;
	char last[2 * XENSTORE_PAYLOAD_MAX + 16];	/* gt_do's text */
	struct gt_chan *next;
};

/*
 * Start a daemon with extra options (NULL-terminated list, may be
 * empty).  Aborts the test on failure.
 */
struct gt *gt_start(const char *opt, ...);

/* What gt_start_cfg may change about the daemon's start. */
struct gt_cfg {
	unsigned stack_kb;	/* RLIMIT_STACK of the daemon; 0: inherited */
	/* Called once the simulation exists, before the daemon starts. */
	void (*prepare)(struct xensim *sim, void *arg);
	void *arg;
};

/* gt_start with a configuration (copied; may be NULL). */
struct gt *gt_start_cfg(const struct gt_cfg *cfg, const char *opt, ...);
/*
 * Kill the daemon (SIGKILL, as a crash) and start it again on the same
 * simulation, state directory and options; the toolstack's connection
 * is replaced (other socket channels are dead), guests stay attached.
 */
void gt_restart(struct gt *t);
/*
 * End of a test: CONTROL check answers OK, no oversized message was
 * seen, the daemon exits 0 on SIGTERM (ASan: no leak, no error), and
 * everything is freed.
 */
void gt_finish(struct gt *t);
/* Checked-fixture teardown: kill and free whatever a failed test left. */
void gt_teardown(void);

struct xensim *gt_sim(struct gt *t);
pid_t gt_pid(struct gt *t);
const char *gt_dir(struct gt *t);
/* The toolstack's socket connection (opened by gt_start). */
struct gt_chan *gt_tool(struct gt *t);
/* Another socket connection. */
struct gt_chan *gt_sock(struct gt *t);
/* Is the daemon process still running? */
bool gt_alive(struct gt *t);

/* ---- domains ------------------------------------------------------------- */

/* Create domain `domid` in the simulation (no xenstore nodes). */
void gt_domain(struct gt *t, uint32_t domid, struct xensim_domain *out);
/* Attach to its ring as the guest. */
struct gt_chan *gt_attach(struct gt *t, uint32_t domid);
/* Detach (the channel is freed). */
void gt_detach(struct gt_chan *c);
/* XS_INTRODUCE it from the toolstack; returns the reply text. */
const char *gt_introduce(struct gt *t, uint32_t domid);
/*
 * Write the usual home of a guest from the toolstack:
 * /local/domain/<id> (n0 r<id>) and /local/domain/<id>/data (n<id>).
 */
void gt_home(struct gt *t, uint32_t domid);
/*
 * The usual new guest: create the domain, write its home (gt_home),
 * attach, introduce.
 */
struct gt_chan *gt_guest(struct gt *t, uint32_t domid);

/* ---- requests ------------------------------------------------------------ */

/*
 * Send a request (payload as given) and wait for its reply, keeping
 * watch events.  0, or -ETIMEDOUT (no reply within timeout_ms), -EIO.
 */
int gt_req(struct gt_chan *c, uint32_t type, uint32_t tx_id,
    const void *payload, size_t len, struct gt_msg *reply, int timeout_ms);
/*
 * Request whose payload is the given strings, each NUL-terminated
 * (NULL ends the list).  Returns the reply as text: an error reply is
 * "ERR <name>", otherwise the payload with one trailing NUL dropped and
 * the other NULs shown as '|' (DIRECTORY "a\0b\0" -> "a|b").  No reply
 * -> "TIMEOUT".  Valid until the next request on the channel.
 */
const char *gt_do(struct gt_chan *c, uint32_t type, uint32_t tx_id, ...);
/* WRITE path value (the value is not NUL-terminated on the wire). */
const char *gt_write(struct gt_chan *c, uint32_t tx_id, const char *path,
    const char *value);
/* READ path. */
const char *gt_read(struct gt_chan *c, uint32_t tx_id, const char *path);
/* TRANSACTION_START; the id (aborts the test on an error). */
uint32_t gt_txn(struct gt_chan *c);

/*
 * Wait for the reply to a request sent by other means (raw ring
 * writes): 0, or -ETIMEDOUT.
 */
int gt_reply(struct gt_chan *c, uint32_t req_id, struct gt_msg *out,
    int timeout_ms);
/* The reply text of a gt_msg, as gt_do gives it. */
const char *gt_text(struct gt_chan *c, const struct gt_msg *m);

/* ---- watch events -------------------------------------------------------- */

/* Wait for the event (path, token); true if it came (and is consumed). */
bool gt_event(struct gt_chan *c, const char *path, const char *token,
    int timeout_ms);
/* Number of events received and not consumed yet (reads what is there). */
size_t gt_pending_events(struct gt_chan *c);
/* Drop the events received so far (after a round trip). */
void gt_flush_events(struct gt_chan *c);
/*
 * A round trip (so everything the daemon queued before is in), then:
 * does an event with this path (and token, if not NULL) wait?
 */
bool gt_has_event(struct gt_chan *c, const char *path, const char *token);
/* Count the waiting events with this path (after a round trip). */
size_t gt_count_events(struct gt_chan *c, const char *path);

/* ---- raw ring access ----------------------------------------------------- */

struct xenstore_domain_interface *gt_intf(struct gt_chan *c);
/* Notify the daemon. */
void gt_notify(struct gt_chan *c);
/*
 * Read everything in the response ring into the channel (kept for
 * gt_reply/gt_event) without notifying the daemon of the room made:
 * bytes taken, or <0.
 */
int gt_take_quietly(struct gt_chan *c);
/* Wait until fn(arg) is true, up to timeout_ms; returns fn's last value. */
bool gt_until(struct gt_chan *c, bool (*fn)(void *), void *arg,
    int timeout_ms);
/* Wait until the ring's error field reads `err`; true if it does. */
bool gt_wait_error(struct gt_chan *c, uint32_t err, int timeout_ms);
/*
 * The guest's reconnect handshake: connection = XENSTORE_RECONNECT,
 * notify, wait for XENSTORE_CONNECTED.  Asserts that the daemon answered
 * and left both rings empty with all indexes 0; forgets buffered input.
 */
void gt_reconnect(struct gt_chan *c);

/* ---- misc ---------------------------------------------------------------- */

int64_t gt_now_ms(void);
void gt_sleep_ms(int ms);
/*
 * CONTROL check over the toolstack socket is OK (the daemon's log, dumped
 * on failure, names each problem).  gt_req runs it after every request
 * that may change state, unless GT_CHECK_STEPS=0; gt_finish at the end.
 */
void gt_check(struct gt *t);
/* A line of `CONTROL memreport FILE` ("watches" etc.) as a number. */
long gt_memreport(struct gt *t, const char *what);

#endif
