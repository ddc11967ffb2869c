/*
 * itest.h: shared helpers of the daemon's integration tests.  They start
 * the real daemon ($PXENSTORED, the binary of the same build directory)
 * on a Unix socket inside a private temporary directory, and talk to it
 * through libxenstore or through a raw xsd_sockmsg connection.
 *
 * Every wait is bounded (ITEST_WAIT_MS); a test that does not get what it
 * waits for fails instead of hanging.  The daemon is killed with the test
 * process (PR_SET_PDEATHSIG), so a failing test in Check's fork mode
 * leaves nothing running; itest_stop checks that it exits cleanly (under
 * ASan that includes LeakSanitizer's verdict on the daemon).
 */
#ifndef ITEST_H
#define ITEST_H

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <xenstore.h>
#include <xen/io/xs_wire.h>

/* Types the 4.17 header lacks. */
#ifndef XS_GET_FEATURE
#define XS_GET_FEATURE 23
#define XS_SET_FEATURE 24
#define XS_GET_QUOTA 25
#define XS_SET_QUOTA 26
#endif
#ifndef XENSTORE_SERVER_FEATURE_WATCHDEPTH
#define XENSTORE_SERVER_FEATURE_WATCHDEPTH 4
#endif

/* Longest wait for one reply or event (ASan on a loaded machine). */
#define ITEST_WAIT_MS 10000

/* --- the daemon --- */

/* main(): make the run's temporary directory, check $PXENSTORED. */
void itest_init(void);
/* main(): stop a daemon still running, remove the temporary directory. */
void itest_fini(void);

/*
 * Start the daemon with -N -D --socket <tmp>/socket --test-hooks -P and
 * the extra arguments (NULL-terminated list); returns once it serves.
 * Sets XENSTORED_PATH for libxenstore and the xenstore tools.
 */
void itest_start(const char *arg, ...);
/* SIGTERM, then require a clean exit (status 0) within the wait limit. */
void itest_stop(void);
/* Is the daemon process still running? */
bool itest_alive(void);
const char *itest_socket(void);
/* The daemon's private directory (for files a test creates). */
const char *itest_dir(void);

/* Checked fixture teardown: stop the daemon if a test left it running. */
void itest_teardown(void);

/* A test case with that teardown and a timeout in seconds. */
TCase *itest_tcase(Suite *s, const char *name, double timeout);
/* main(): itest_init, run the suite, itest_fini; the exit status. */
int itest_run(Suite *s);

/* Elapsed milliseconds on the monotonic clock. */
long long itest_now_ms(void);

/* --- raw protocol --- */

struct rmsg {
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1];	/* NUL added after len */
};

/* A blocking connection to the daemon. */
int raw_open(void);
/* Send one message; false if the connection is gone. */
bool raw_send(int fd, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *payload, size_t len);
/* Write all bytes; false if the connection is gone. */
bool raw_write(int fd, const void *buf, size_t len);
/*
 * Receive one message within `ms` milliseconds.  Returns 1, 0 when the
 * daemon closed the connection, -1 on timeout or a malformed reply.
 */
int raw_recv(int fd, struct rmsg *m, int ms);
/* Is the connection closed by the daemon (EOF within `ms`, no data)? */
bool raw_closed(int fd, int ms);
/* Send and return the reply, skipping watch events. */
void raw_call(int fd, uint32_t type, uint32_t tx_id, const void *payload,
    size_t len, struct rmsg *reply);
/* Build "a\0b\0..." from a NULL-terminated list; returns the length. */
size_t raw_args(char *buf, size_t size, ...);
/* raw_call with NUL-terminated string arguments. */
void raw_req(int fd, uint32_t type, uint32_t tx_id, struct rmsg *reply,
    ...);
/* The reply is an XS_ERROR carrying `name`. */
void ck_rerr(const struct rmsg *m, const char *name);
/* The reply has type `type` and payload exactly s plus its NUL. */
void ck_rstr(const struct rmsg *m, uint32_t type, const char *s);
/* The reply has type `type` and payload exactly buf[0..len). */
void ck_rbytes(const struct rmsg *m, uint32_t type, const void *buf,
    size_t len);
/* Next message is the watch event (path, token). */
void raw_expect_event(int fd, const char *path, const char *token);
/* Make a raw connection unprivileged, acting as `domid`. */
void raw_unpriv(int fd, unsigned domid);

/* --- libxenstore --- */

/* A privileged (socket) handle. */
struct xs_handle *xs_priv(void);
/* A handle turned unprivileged, acting as domain `domid`. */
struct xs_handle *xs_as(unsigned domid);

void xwrite(struct xs_handle *h, xs_transaction_t t, const char *path,
    const char *value);
void xmkdir(struct xs_handle *h, xs_transaction_t t, const char *path);
void xrm(struct xs_handle *h, xs_transaction_t t, const char *path);
/* The node reads exactly `value`. */
void ck_read(struct xs_handle *h, xs_transaction_t t, const char *path,
    const char *value);
/* Reading fails with `err`. */
void ck_read_err(struct xs_handle *h, xs_transaction_t t, const char *path,
    int err);
/* A libxenstore call returned false and set errno to `err`. */
#define ck_fails(call, err) do {					\
	errno = 0;							\
	bool ck_ok_ = (call);						\
	int ck_errno_ = errno;						\
	ck_assert_msg(!ck_ok_, "%s succeeded, expected %s", #call,	\
	    #err);							\
	ck_assert_msg(ck_errno_ == (err), "%s: errno %d (%s), expected %s", \
	    #call, ck_errno_, strerror(ck_errno_), #err);		\
} while (0)
#define ck_succeeds(call) do {						\
	errno = 0;							\
	bool ck_ok_ = (call);						\
	ck_assert_msg(ck_ok_, "%s failed: %s", #call, strerror(errno));	\
} while (0)

/* Set permissions from strings ("n0", "r5", ..., NULL). */
bool xperms(struct xs_handle *h, xs_transaction_t t, const char *path,
    ...);
/* The permissions, as the wire strings joined by ',' ("n0,r5"). */
void ck_perms(struct xs_handle *h, xs_transaction_t t, const char *path,
    const char *expected);
/* The child list joined by ',' in the order the daemon gives it. */
void ck_dir(struct xs_handle *h, xs_transaction_t t, const char *path,
    const char *expected);
/* Send a CONTROL command, return its (malloc'd) answer or NULL. */
char *xcontrol(struct xs_handle *h, const char *cmd, const char *arg);
/*
 * CONTROL check answers OK (the daemon's log, dumped on failure, names
 * each problem).  raw_call and xwrite/xmkdir/xrm run it after every
 * request that may change state (ITEST_CHECK_STEPS=0: not), itest_stop
 * before stopping the daemon; ck_store_ok is the same.
 */
void itest_check(void);
void ck_store_ok(void);

/* --- watch events through libxenstore --- */

/* Next event within ITEST_WAIT_MS: path and token must match. */
void xw_expect(struct xs_handle *h, const char *path, const char *token);
/*
 * Prove that no other event is pending for `watcher`: the privileged
 * `writer` writes the sync node, whose event must be the next one.
 * xw_sync_setup registers the sync watch (and makes the node readable
 * by every domain) and consumes its first event.
 */
void xw_sync_setup(struct xs_handle *writer, struct xs_handle *watcher);
void xw_sync(struct xs_handle *writer, struct xs_handle *watcher);
/*
 * Every event `watcher` has before the sync event, as "path|token" lines
 * joined by ';', must be `expected` ("" for none).  ck_events compares
 * in order; ck_events_any as sets (sorted).
 */
#define ck_events(w, x, e) itest_events(w, x, e, false, __LINE__)
#define ck_events_any(w, x, e) itest_events(w, x, e, true, __LINE__)
void itest_events(struct xs_handle *writer, struct xs_handle *watcher,
    const char *expected, bool any_order, int line);
/* The same for a raw watcher (raw_sync_setup registers its sync watch). */
void raw_sync_setup(struct xs_handle *writer, int fd);
#define ck_raw_events(w, fd, e, any) itest_raw_events(w, fd, e, any, \
    __LINE__)
void itest_raw_events(struct xs_handle *writer, int fd,
    const char *expected, bool any_order, int line);

#endif
