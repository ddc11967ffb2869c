/*
 * pt.h: helpers of the persistence tests: temporary directories, the
 * daemon under the simulated Xen (started, killed, stopped by pid: only
 * processes a test started are ever signalled), a synchronous socket
 * client speaking the raw wire protocol, message framing, a seeded
 * random generator, and failure reporting.
 *
 * The tests take their programs from the environment (the make rules set
 * them): PT_DAEMON (pxenstored), PT_PRELOAD (libxensim.so), PT_XSDUMP
 * (xs-dump), PT_ASAN_RT (the ASan runtime to preload before the
 * simulation, when the daemon is an ASan build), PT_LSAN_SUPP (leak
 * suppressions for that daemon).  PT_SEED replays a run.
 */
#ifndef PT_H
#define PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "readfile.h"
#include "xs_wire_ext.h"

#define PT_PATH 1024

/* --- failure ------------------------------------------------------- */

/* Print "FAIL: ...", the logs of running daemons, kill them, exit 1. */
void pt_die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
    noreturn));
#define PT_CHECK(cond, ...) do { if (!(cond)) pt_die(__VA_ARGS__); } \
    while (0)
/* Progress lines go to stderr with the test's name. */
void pt_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pt_set_name(const char *name);

/* --- time, randomness ---------------------------------------------- */

uint64_t pt_now_ms(void);
void pt_sleep_ms(unsigned ms);
/* Seed from PT_SEED, else the clock; printed. */
uint64_t pt_seed(void);
struct pt_rng {
	uint64_t s;
};
void pt_rng_init(struct pt_rng *r, uint64_t seed);
uint64_t pt_rand(struct pt_rng *r);
/* Uniform in [0, n). */
uint32_t pt_below(struct pt_rng *r, uint32_t n);

/* --- files --------------------------------------------------------- */

/* A new directory under $TMPDIR (or /tmp); removed by pt_rmtree. */
void pt_tmpdir(char *buf, size_t len, const char *what);
void pt_rmtree(const char *dir);
/* (Whole files: read_whole_file, from readfile.h above.) */
int pt_spit(const char *path, const void *data, size_t len);
/* Copy every regular file of `from` into `to` (created). */
void pt_copydir(const char *from, const char *to);
/* Size of a file, or -1. */
long long pt_fsize(const char *path);

/* Run a program and wait (bounded): its exit status, or -1. */
int pt_run(const char *const *argv, const char *out_file, int timeout_ms);

/* --- the daemon ------------------------------------------------------ */

struct pt_daemon {
	pid_t pid;		/* 0 when not running */
	char sim[PT_PATH];	/* simulation directory */
	char sock[PT_PATH];
	char state[PT_PATH];	/* state directory */
	char log[PT_PATH];
	int starts;
};

const char *pt_prog(const char *var);	/* the program in env var, or die */

/*
 * Set up a daemon description: simulation `sim` (must exist), socket and
 * log beside it, state directory `state`.
 */
void pt_daemon_init(struct pt_daemon *d, const char *sim, const char *state);
/*
 * Start it (-N, --state-dir, plus args, NULL-terminated) under the
 * simulation; `xen`: with the preload (else -D, sockets only).  Returns
 * once the socket answers, or dies after timeout_ms.
 */
void pt_daemon_start(struct pt_daemon *d, bool xen, const char *const *args,
    int timeout_ms);
/* Start and return the exit status (for starts expected to fail). */
int pt_daemon_start_fail(struct pt_daemon *d, bool xen,
    const char *const *args, int timeout_ms);
/* SIGKILL and reap. */
void pt_daemon_kill(struct pt_daemon *d);
/* SIGTERM, reap; dies unless it exits 0 within timeout_ms. */
void pt_daemon_stop(struct pt_daemon *d, int timeout_ms);
/* Print the last lines of its log to stderr. */
void pt_daemon_log_tail(const struct pt_daemon *d, int lines);
/* Does the log contain `text`? */
bool pt_log_has(const struct pt_daemon *d, const char *text);

/* --- messages -------------------------------------------------------- */

struct pt_msg {
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1];	/* NUL-terminated copy */
};

/* Accumulates bytes; hands out whole messages. */
struct pt_frame {
	uint8_t buf[2 * (XENSTORE_PAYLOAD_MAX + 16)];
	size_t len;
};
/* Append bytes (false if they do not fit: a protocol error). */
bool pt_frame_put(struct pt_frame *f, const void *p, size_t n);
/* 1 with *m filled, 0 if incomplete, -1 if the stream is garbage. */
int pt_frame_get(struct pt_frame *f, struct pt_msg *m);

/* Build header + payload into buf: total length. */
size_t pt_encode(uint8_t *buf, uint32_t type, uint32_t req_id,
    uint32_t tx_id, const void *payload, size_t len);
/* errno of an XS_ERROR reply ("EAGAIN" -> EAGAIN), EIO if unknown. */
int pt_errno(const char *name);

/* --- a synchronous socket client -------------------------------------- */

struct pt_sock {
	int fd;
	uint32_t next_id;
	struct pt_frame f;
};

/* Connect (retrying until timeout_ms): 0 or -errno. */
int pt_sock_open(struct pt_sock *s, const char *path, int timeout_ms);
void pt_sock_close(struct pt_sock *s);
/*
 * One request; watch events are skipped.  0 with the reply in *m (type
 * XS_ERROR for errors), or -errno (-ETIMEDOUT, -EPIPE when the daemon
 * went away).
 */
int pt_sock_req(struct pt_sock *s, uint32_t type, uint32_t tx,
    const void *payload, size_t len, struct pt_msg *m, int timeout_ms);
/* Convenience: 0, or -errno from the daemon's error or the transport. */
int pt_xs_write(struct pt_sock *s, uint32_t tx, const char *path,
    const void *val, size_t len);
int pt_xs_read(struct pt_sock *s, uint32_t tx, const char *path, char *buf,
    size_t cap, size_t *len);
int pt_xs_simple(struct pt_sock *s, uint32_t type, uint32_t tx,
    const char *arg);
/* CONTROL with arguments "a\0b\0": payload given whole. */
int pt_xs_control(struct pt_sock *s, const char *args, size_t len,
    char *out, size_t cap);
/* Dies unless CONTROL check says OK. */
void pt_check_daemon(struct pt_sock *s, struct pt_daemon *d);

#endif
