/*
 * liveupdate.c: see liveupdate.h.  The exchange (live-update.md §2): each
 * step answers an XS_CONTROL reply whose text is "OK" or a message; only
 * a malformed argument list is XS_ERROR EINVAL.  The reply to "-s" is put
 * into the state as pending output of the requesting connection, so the
 * new process delivers it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn.h"
#include "daemon.h"
#include "liveupdate.h"
#include "loop.h"
#include "path.h"
#include "persist.h"
#include "request.h"
#include "ring_conn.h"
#include "state.h"
#include "transport_unix.h"
#include "xen.h"

#define LU_ARGS 64

struct lu_session {
	unsigned long conn_id;		/* the connection that owns it */
	char *binary;
	char *cmdline;			/* -c, or NULL */
	bool start;			/* -s received: run before sleeping */
	struct xsd_sockmsg hdr;		/* the -s request, to answer */
};

static void
end_session(struct xsd *x)
{
	if (x->lu == NULL)
		return;
	free(x->lu->binary);
	free(x->lu->cmdline);
	free(x->lu);
	x->lu = NULL;
}

void
liveupdate_fini(struct xsd *x)
{
	end_session(x);
}

static void
state_file(const struct xsd *x, char *buf, size_t len)
{
	snprintf(buf, len, "%s/state_dump", x->cfg.rundir);
}

int
liveupdate_control(struct req *r)
{
	struct xsd *x = r->x;
	const char *op = r->argc >= 2 ? r->argv[1] : "";
	size_t i;

	if (strcmp(op, "-f") == 0) {
		if (r->argc != 3)
			return -EINVAL;
		if (x->lu != NULL)
			return req_str(r, "live update already in progress");
		if (access(r->argv[2], F_OK) < 0)
			return req_str(r, "new binary not accessible");
		if (access(r->argv[2], X_OK) < 0)
			return req_str(r, "new binary not executable");
		x->lu = calloc(1, sizeof(*x->lu));
		if (x->lu == NULL || (x->lu->binary = strdup(r->argv[2])) ==
		    NULL) {
			end_session(x);
			return -ENOMEM;
		}
		x->lu->conn_id = r->c->id;
		return req_ok(r);
	}
	if (strcmp(op, "-a") == 0) {
		if (r->argc != 2)
			return -EINVAL;
		if (x->lu == NULL)
			return req_str(r, "no live update in progress");
		end_session(x);
		return req_ok(r);
	}
	if (strcmp(op, "-c") == 0) {
		if (r->argc != 3)
			return -EINVAL;
		if (x->lu == NULL || x->lu->conn_id != r->c->id)
			return req_str(r, "no live update session on this "
			    "connection");
		free(x->lu->cmdline);
		x->lu->cmdline = strdup(r->argv[2]);
		return x->lu->cmdline ? req_ok(r) : -ENOMEM;
	}
	if (strcmp(op, "-s") == 0) {
		for (i = 2; i < r->argc && i < REQ_ARGV; i++) {
			if (strcmp(r->argv[i], "-F") == 0)
				continue;
			if ((strcmp(r->argv[i], "-t") == 0 ||
			    strcmp(r->argv[i], "-v") == 0) &&
			    i + 1 < r->argc && i + 1 < REQ_ARGV) {
				if (strcmp(r->argv[i], "-v") == 0 &&
				    strcmp(r->argv[i + 1], "2") != 0)
					return req_str(r, "only stream version "
					    "2 is written");
				i++;
				continue;
			}
			return -EINVAL;
		}
		if (x->lu == NULL || x->lu->conn_id != r->c->id)
			return req_str(r, "no live update session on this "
			    "connection");
		/* Transactions need no waiting: they travel in the state.
		 * The answer comes from the new process. */
		x->lu->start = true;
		x->lu->hdr = r->w->hdr;
		x->lu->hdr.len = 3;
		r->replied = true;
		loop_wake_soon(x->loop);
		return 0;
	}
	return -EINVAL;
}

static struct conn *
conn_by_id(struct xsd *x, unsigned long id)
{
	struct conn *c;

	TAILQ_FOREACH(c, &x->conns, link)
		if (c->id == id)
			return c;
	return NULL;
}

/* argv for the new binary: -c's words or our own, with -U added. */
static int
build_argv(struct xsd *x, char **argv, char *words)
{
	int n = 0, i;
	bool has_u = false;

	argv[n++] = x->lu->binary;
	if (words != NULL) {
		char *save = NULL, *w;

		for (w = strtok_r(words, " \t", &save); w != NULL &&
		    n < LU_ARGS - 2; w = strtok_r(NULL, " \t", &save))
			argv[n++] = w;
	} else {
		for (i = 1; i < x->argc && n < LU_ARGS - 2; i++)
			argv[n++] = x->argv[i];
	}
	for (i = 1; i < n; i++)
		if (strcmp(argv[i], "-U") == 0 ||
		    strcmp(argv[i], "--live-update") == 0)
			has_u = true;
	if (!has_u)
		argv[n++] = "-U";
	argv[n] = NULL;
	return n;
}

static int
write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	const uint8_t *p = data;

	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? -errno : -EIO;

			close(fd);
			return e;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd) < 0 ? -errno : 0;
}

void
liveupdate_before_sleep(struct xsd *x)
{
	struct lu_session *lu = x->lu;
	struct conn *req;
	char path[PATH_BUF + 16], msg[256], *argv[LU_ARGS], *words = NULL;
	struct sbuf b;
	int rc;

	if (lu == NULL || !lu->start)
		return;
	lu->start = false;
	req = conn_by_id(x, lu->conn_id);
	if (req == NULL) {	/* the requester went away: no update */
		end_session(x);
		return;
	}
	log_info(&x->log, "live update to %s", lu->binary);
	/* Everything acknowledged is in the journal; its files close. */
	persist_stop(x);
	sbuf_init(&b);
	state_write_lu(x, &b, req, &lu->hdr);
	state_file(x, path, sizeof(path));
	rc = b.err ? b.err : write_file(path, b.p, b.len);
	sbuf_fini(&b);
	if (rc == 0 && lu->cmdline != NULL && (words = strdup(lu->cmdline)) ==
	    NULL)
		rc = -ENOMEM;
	if (rc == 0) {
		build_argv(x, argv, words);
		unix_keep_across_exec(x, true);
		rings_prepare_exec(x, false);
		execv(lu->binary, argv);
		rc = -errno;
		/* Still here: carry on as before. */
		unix_keep_across_exec(x, false);
		rings_prepare_exec(x, true);
		unlink(path);
	}
	free(words);
	log_err(&x->log, "live update failed: %s", strerror(-rc));
	if (persist_resume(x) < 0)
		log_err(&x->log, "persistence could not restart");
	snprintf(msg, sizeof(msg), "live update failed: %s", strerror(-rc));
	conn_queue(req, lu->hdr.type, lu->hdr.req_id, lu->hdr.tx_id, msg,
	    strlen(msg) + 1);
	end_session(x);
}

int
liveupdate_restore(struct xsd *x)
{
	char path[PATH_BUF + 16], why[256] = "";
	struct restore *r = NULL;
	uint8_t *data = NULL;
	int listen_fd, evtchn_fd, rc, fd, lost;
	struct stat st;
	size_t got = 0;

	state_file(x, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = -errno;
		log_err(&x->log, "live update: %s: %s", path, strerror(-rc));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	data = malloc(st.st_size ? (size_t)st.st_size : 1);
	while (data != NULL && got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	rc = data == NULL ? -ENOMEM : restore_new(x, &r);
	if (rc == 0)
		rc = restore_live_update(r, data, got, why, sizeof(why));
	free(data);
	if (rc < 0) {
		log_err(&x->log, "live update: %s: %s", path,
		    why[0] ? why : strerror(-rc));
		restore_free(&r);
		return rc;
	}
	restore_lu_fds(r, &listen_fd, &evtchn_fd);
	if (evtchn_fd >= 0) {
		rc = xen_open_fd(&x->log, evtchn_fd, &x->xen);
		if (rc == 0)
			rc = rings_init(x);
		if (rc < 0) {
			log_err(&x->log, "live update: event channel: %s",
			    strerror(-rc));
			restore_free(&r);
			return rc;
		}
	}
	if (listen_fd >= 0 && (rc = unix_adopt_listener(x, listen_fd)) < 0) {
		restore_free(&r);
		return rc;
	}
	lost = restore_lu_attach(r);
	restore_free(&r);
	unlink(path);
	if (lost)
		log_warn(&x->log, "live update: %d connections lost", lost);
	rings_check_domains(x);
	rc = persist_resume(x);
	log_info(&x->log, "live update complete");
	return rc;
}
