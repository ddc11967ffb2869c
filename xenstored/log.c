/*
 * log.c: see log.h.  Log lines go to one destination chosen at start:
 * stderr in the foreground, syslog when daemonized, or a file given with
 * --log-file (reopened on SIGHUP so logrotate can move it).  Until the
 * daemon serves, warnings and errors are copied to stderr as well.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "xs_wire_ext.h"

static FILE *
open_append(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "a");
	if (f == NULL)
		close(fd);
	else
		setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

void
log_init(struct xsd_log *l, int dest, const char *file, bool verbose)
{
	memset(l, 0, sizeof(*l));
	l->dest = dest;
	l->verbose = verbose;
	l->starting = true;
	if (dest == LOG_DEST_FILE) {
		l->file = strdup(file);
		l->fp = l->file ? open_append(l->file) : NULL;
		if (l->fp == NULL)
			l->dest = LOG_DEST_STDERR;
	}
	if (l->dest == LOG_DEST_SYSLOG)
		openlog("pxenstored", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_trace_close(struct xsd_log *l)
{
	if (l->trace != NULL)
		fclose(l->trace);
	l->trace = NULL;
}

void
log_fini(struct xsd_log *l)
{
	log_trace_close(l);
	free(l->trace_path);
	if (l->fp != NULL)
		fclose(l->fp);
	free(l->file);
	if (l->dest == LOG_DEST_SYSLOG)
		closelog();
	memset(l, 0, sizeof(*l));
}

void
log_started(struct xsd_log *l)
{
	l->starting = false;
}

void
log_reopen(struct xsd_log *l)
{
	if (l->dest == LOG_DEST_FILE) {
		FILE *f = open_append(l->file);

		if (f != NULL) {
			fclose(l->fp);
			l->fp = f;
		}
	}
	if (l->trace != NULL && l->trace_path != NULL) {
		FILE *f = open_append(l->trace_path);

		if (f != NULL) {
			fclose(l->trace);
			l->trace = f;
		}
	}
}

static void
stamp(FILE *f)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "%s.%03ld ", buf, ts.tv_nsec / 1000000);
}

void
log_msg(struct xsd_log *l, int prio, const char *fmt, ...)
{
	va_list ap;
	FILE *f;

	if (prio == LOG_DEBUG && !l->verbose)
		return;
	if (l->starting && prio <= LOG_WARNING && l->dest != LOG_DEST_STDERR) {
		va_start(ap, fmt);
		fputs("pxenstored: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	va_start(ap, fmt);
	if (l->dest == LOG_DEST_SYSLOG) {
		vsyslog(prio, fmt, ap);
		va_end(ap);
		return;
	}
	f = l->dest == LOG_DEST_FILE ? l->fp : stderr;
	stamp(f);
	fputs("pxenstored: ", f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	va_end(ap);
}

int
log_trace_open(struct xsd_log *l, const char *path)
{
	FILE *f;
	char *p;

	if (path == NULL)
		path = l->trace_path;
	if (path == NULL)
		return -EINVAL;
	f = open_append(path);
	if (f == NULL)
		return -errno;
	p = path == l->trace_path ? l->trace_path : strdup(path);
	if (p == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	log_trace_close(l);
	if (p != l->trace_path) {
		free(l->trace_path);
		l->trace_path = p;
	}
	l->trace = f;
	return 0;
}

static const char *
type_name(unsigned t)
{
	static const char *names[XSD_TYPE_LIMIT] = {
		"CONTROL", "DIRECTORY", "READ", "GET_PERMS", "WATCH",
		"UNWATCH", "TRANSACTION_START", "TRANSACTION_END",
		"INTRODUCE", "RELEASE", "GET_DOMAIN_PATH", "WRITE", "MKDIR",
		"RM", "SET_PERMS", "WATCH_EVENT", "ERROR",
		"IS_DOMAIN_INTRODUCED", "RESUME", "SET_TARGET", "RESTRICT",
		"RESET_WATCHES", "DIRECTORY_PART", "GET_FEATURE",
		"SET_FEATURE", "GET_QUOTA", "SET_QUOTA",
	};

	return t < XSD_TYPE_LIMIT ? names[t] : "UNKNOWN";
}

void
log_access(struct xsd_log *l, unsigned long conn_id, const char *dir,
    unsigned type, unsigned tx_id, unsigned req_id, const void *body,
    size_t len)
{
	const unsigned char *b = body;
	size_t i, shown = len < 256 ? len : 256;

	if (l->trace == NULL)
		return;
	stamp(l->trace);
	fprintf(l->trace, "%llu conn %lu %s %s tx %u id %u (",
	    ++l->seq, conn_id, dir, type_name(type), tx_id, req_id);
	for (i = 0; i < shown; i++) {
		if (b[i] == '\0')
			fputc(' ', l->trace);
		else if (b[i] < 32 || b[i] >= 127)
			fputc('.', l->trace);
		else
			fputc(b[i], l->trace);
	}
	fprintf(l->trace, "%s)\n", shown < len ? "..." : "");
}

void
log_trace(struct xsd_log *l, const char *fmt, ...)
{
	va_list ap;

	if (l->trace == NULL)
		return;
	va_start(ap, fmt);
	stamp(l->trace);
	vfprintf(l->trace, fmt, ap);
	fputc('\n', l->trace);
	va_end(ap);
}
