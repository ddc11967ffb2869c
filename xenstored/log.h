/*
 * log.h: the daemon's diagnostics (syslog, stderr or a file) and its
 * optional trace/access log of every request and reply.  Only this module
 * writes log output; nothing else in the daemon calls printf.
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>

struct xsd_log {
	int dest;		/* LOG_DEST_* */
	bool verbose;
	bool starting;		/* until log_started: problems also to stderr */
	char *file;		/* --log-file, owned */
	FILE *fp;		/* open --log-file */
	char *trace_path;	/* -T / CONTROL logfile, owned */
	FILE *trace;		/* open trace file, or NULL */
	unsigned long long seq;	/* access-log line number */
};

#define LOG_DEST_STDERR 0
#define LOG_DEST_SYSLOG 1
#define LOG_DEST_FILE 2

/* Start logging; a file destination that cannot be opened falls back. */
void log_init(struct xsd_log *l, int dest, const char *file, bool verbose);
void log_fini(struct xsd_log *l);

/*
 * Start-up is over (the daemon serves; stdio may be detached): from now
 * on warnings and errors go only to the chosen destination.  Before it,
 * they are also written to stderr when that destination is syslog or a
 * file, so a launcher sees why a start failed.
 */
void log_started(struct xsd_log *l);

/* SIGHUP: reopen the log file and the trace file (rotation). */
void log_reopen(struct xsd_log *l);

void log_msg(struct xsd_log *l, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define log_err(l, ...) log_msg((l), LOG_ERR, __VA_ARGS__)
#define log_warn(l, ...) log_msg((l), LOG_WARNING, __VA_ARGS__)
#define log_info(l, ...) log_msg((l), LOG_INFO, __VA_ARGS__)
#define log_debug(l, ...) log_msg((l), LOG_DEBUG, __VA_ARGS__)

/* Open (or switch) the trace file; NULL path closes it.  0 or -errno. */
int log_trace_open(struct xsd_log *l, const char *path);
void log_trace_close(struct xsd_log *l);
static inline bool
log_tracing(const struct xsd_log *l)
{
	return l->trace != NULL;
}

/*
 * One access-log line: connection id, direction ("IN"/"OUT"), message
 * type, transaction id, request id and a printable prefix of the payload.
 */
void log_access(struct xsd_log *l, unsigned long conn_id, const char *dir,
    unsigned type, unsigned tx_id, unsigned req_id, const void *body,
    size_t len);

/* Free-form trace line (CONTROL print, memreport). */
void log_trace(struct xsd_log *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
