/*
 * stress.h: the context of one xs-stress run: options, the simulation,
 * the daemon, the guests, dom0's socket connections, and the helpers the
 * scenarios are written with.
 *
 * Scenarios are sequential code: each phase starts asynchronous work
 * (batches on guest rings or dom0 sockets), counting it in s->inflight,
 * then calls stress_wait() which runs the event loop until the work is
 * done, the phase deadline passes or the run is aborted.  Everything is
 * one thread: an epoll loop over the dom0 sockets and the event queues
 * that multiplex the guests' event channels (QSIZE guests per queue).
 */
#ifndef XS_STRESS_H
#define XS_STRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "loop.h"
#include "stats.h"
#include "xensim.h"

struct xsconn;
struct batch;
struct toolstack;
struct boot;
struct steady;

#define MAX_SCENARIOS	16

enum scenario_id { SC_BOOT, SC_STEADY, SC_CHURN, SC_HOSTILE, SC_COUNT };

struct opts {
	unsigned guests;
	enum scenario_id sc[MAX_SCENARIOS];
	unsigned nsc;
	const char *daemon;	/* command line, split at blanks */
	const char *xensim;	/* the xensim CLI */
	double duration;	/* steady / hostile load, seconds; 0: unset */
	uint64_t ops;		/* or: stop after this many requests */
	uint64_t seed;
	bool keep, csv, check, check_set, progress;
	unsigned toolstacks;	/* parallel dom0 toolstack connections */
	unsigned qsize;		/* guests per event queue */
	double timeout;		/* per phase, seconds */
	double req_timeout;	/* per request, seconds */
	unsigned churn_rounds;
	unsigned churn_pct;	/* victims per round, % of the guests */
	unsigned hostile;	/* misbehaving guests */
	const char *fault;	/* self-test: inject a failure */
};

struct boot_guest;
struct steady_guest;
struct hostile_guest;

struct guest {
	struct stress *s;
	unsigned slot;
	uint32_t domid;
	uint32_t gen;		/* bumped for each new domain */
	struct xensim_domain dom;
	char uuid[40];
	char name[32];
	char home[40];		/* /local/domain/<domid> */
	struct xensim_guest *xg;
	struct xsconn *conn;
	bool introduced;
	bool dead;		/* killed, waiting for replacement */
	bool tainted;		/* misbehaved: no longer a normal guest */
	struct hostile_guest *hostile;	/* ring events go there */
	struct boot_guest *boot;
	struct steady_guest *steady;
	uint64_t rng;
	unsigned hello;			/* lifecycle.c: events seen */
	bool released;			/* lifecycle.c: not introduced */
};

struct evq_slot {
	struct stress *s;
	struct xensim_evq *q;
	struct loop_handler h;
};

struct daemon {
	char tmp[256];		/* mktemp -d: holds sim/ and daemon.log */
	char dir[300];		/* the simulation */
	char sock[320];
	char log[320];
	char **argv;
	const char *kind;	/* "pxenstored", "xenstored", "oxenstored" */
	pid_t pid;
	int status;		/* after exit */
	bool exited;
	bool reported;		/* its unexpected end is a failure already */
};

struct result {
	enum scenario_id sc;
	unsigned guests;
	double secs;
	struct stats st;
	long rss_kb, hwm_kb;
	double dcpu, scpu;	/* CPU seconds: daemon, xs-stress */
	char extra[160];
};

struct progress {
	int64_t last, last_plain;
	uint64_t last_ops;
	double rate;
	bool tty;
};

struct stress {
	struct opts o;
	struct progress prog;
	struct loop loop;
	struct xensim *sim;
	struct daemon d;
	struct stats st;		/* the current scenario */
	struct guest *g;
	unsigned ng;
	int32_t *slot_of;		/* domid -> slot, -1 */
	struct evq_slot *q;
	unsigned nq;
	struct xsconn **ts;		/* toolstack / backend connections */
	unsigned nts;
	struct xsconn *mon;		/* dom0 watcher connection */
	unsigned inflight;		/* async work of the current phase */
	bool abort;
	bool interrupted;		/* SIGINT or SIGTERM */
	int64_t t0;			/* scenario start */
	double dcpu0, scpu0;		/* CPU times at its start */
	int64_t next_tick;
	const char *what;		/* current phase, for progress */
	void (*status)(struct stress *s, char *buf, size_t len);
	void (*tick)(struct stress *s);	/* every 100 ms while waiting */
	struct toolstack *tsk;
	struct boot *boot;		/* sc_boot.c's (its watches stay) */
	struct steady *steady;		/* sc_steady.c's, while it runs */
	unsigned rel_events;		/* @releaseDomain events seen */
	bool rel_watch;			/* ... watched (lifecycle.c) */
	unsigned replaced;		/* domains killed and recreated */
	uint64_t rng;
	struct result res[MAX_SCENARIOS + 1];
	unsigned nres;
	void *sc_state;			/* the running scenario's */
	bool is_px;			/* the daemon is pxenstored */
	const char *check;		/* CONTROL check outcome */
	struct stats fin;		/* failures after the scenarios */
};

extern const char *const scenario_names[SC_COUNT];

/* opts.c */
int opts_parse(struct opts *o, int argc, char **argv);

/* core.c: the loop, waits, event routing. */
int stress_init(struct stress *s);
/* Run the loop until *counter == 0 (NULL: s->inflight) or abort;
 * a timeout is a failure and aborts the run. */
int stress_wait(struct stress *s, const unsigned *counter, double secs,
    const char *what);
/* Run the loop until pred(arg) or the deadline; no failure on timeout. */
bool stress_run_until(struct stress *s, bool (*pred)(void *), void *arg,
    double secs);
void stress_abort(struct stress *s, const char *why);
/* The current scenario's one-line summary in the report. */
void stress_extra(struct stress *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Counts one unit of async work; batch_done helpers decrement it. */
void stress_run_batch(struct stress *s, struct batch *b);
struct guest *stress_guest_by_domid(struct stress *s, uint32_t domid);
double stress_elapsed(const struct stress *s);
/* Event handler of dom0's connections (routes by token). */
void dom0_event(void *arg, struct xsconn *c, const char *path,
    const char *token);

/* guests.c */
int guests_create(struct stress *s);
int guest_new_domain(struct stress *s, struct guest *g, uint32_t domid);
void guest_detach(struct guest *g);
void guests_free(struct stress *s);
/* Normal guests, usable by a workload (not dead, not tainted). */
bool guest_usable(const struct guest *g);

/* daemon.c */
int daemon_start(struct stress *s);
int daemon_alive(struct stress *s);
void daemon_stop(struct stress *s);
void daemon_rss(const struct stress *s, long *rss_kb, long *hwm_kb);
/* "exited with status 1", "was killed by signal 11 (...)". */
void daemon_status(const struct stress *s, char *buf, size_t len);
double daemon_cpu(const struct stress *s);
/* This process's user + system CPU time in seconds. */
double self_cpu(void);
void daemon_cleanup(struct stress *s, bool keep);

/* toolstack.c: libxl's xenstore work for a guest, over dom0 sockets. */
struct ts_done {
	void (*fn)(void *arg, struct guest *g, int rc);
	void *arg;
};
/* Nodes + XS_INTRODUCE (unless introduced already); then devices (vbd +
 * vif) if devices is set. */
void ts_introduce(struct stress *s, struct guest *g, bool devices,
    const struct ts_done *done);
/* Toolstack clean-up of a dead guest's nodes (xl destroy). */
void ts_cleanup(struct stress *s, struct guest *g, const struct ts_done *d);
struct xsconn *ts_conn_for(struct stress *s, const struct guest *g);
/* Introduce every guest not introduced yet (phase). */
int ts_introduce_all(struct stress *s);
void ts_free(struct stress *s);

/* report.c */
void report_progress(struct stress *s, bool final);
void report_results(struct stress *s);

/* scenarios */
int sc_boot(struct stress *s);
int sc_steady(struct stress *s);
int sc_churn(struct stress *s);
int sc_hostile(struct stress *s);
void boot_event(struct stress *s, struct guest *g, struct xsconn *c,
    const char *path, const char *token);
void steady_event(struct stress *s, struct guest *g, struct xsconn *c,
    const char *path, const char *token);
void churn_event(struct stress *s, struct guest *g, struct xsconn *c,
    const char *path, const char *token);
void hostile_ring_event(struct stress *s, struct guest *g);
/* A dead guest's boot-storm watches on dom0's side are dropped. */
void boot_forget(struct stress *s, struct guest *g);
void boot_free(struct stress *s);
/* Steady load on the usable guests (also under hostile). */
int steady_run(struct stress *s, double secs, uint64_t ops);
void steady_guest_free(struct guest *g);

/* lifecycle.c: kill guests, check the daemon released them, recreate
 * them with the same domids (shared by churn and hostile). */
struct life_hooks {
	/* after the release checks, before destroy (may start batches) */
	void (*released)(struct stress *s, struct guest *g, void *arg);
	/* after the new domain is introduced (may start batches) */
	void (*reborn)(struct stress *s, struct guest *g, void *arg);
	void *arg;
};
int life_replace(struct stress *s, struct guest **v, unsigned n,
    bool shutdown_first, const struct life_hooks *h);
void life_rel_event(struct stress *s, const char *path);
void life_hello_event(struct stress *s, struct guest *g, const char *path,
    const char *token);

#endif
