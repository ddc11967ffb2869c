/*
 * persist.c: see persist.h.  Files and threads only here; what goes in a
 * record is journal.c's and state_*.c's business.
 *
 * The snapshot thread gets a reference to the root taken by the daemon
 * thread, and a buffer already holding the small state; it only reads
 * immutable nodes (trie_walk_detached) and writes its own file.  The
 * daemon thread learns of its end through an eventfd in the loop, joins
 * it, drops the root and removes the journals the snapshot replaced.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "journal.h"
#include "loop.h"
#include "nocancel.h"
#include "path.h"
#include "persist.h"
#include "readfile.h"
#include "state_boot.h"
#include "ring_conn.h"
#include "state.h"
#include "store.h"

#define DEFAULT_JOURNAL_MAX (64ULL << 20)
#define DIR_MAX 1024		/* the state directory's path */

struct snapjob {
	struct persist *p;
	pthread_t thread;
	struct trie_node *root;		/* held for the thread */
	struct state_alive *alive;	/* which ACL entries count */
	struct sbuf buf;
	uint64_t gen;
	bool sync;			/* fsync it (policy not "none") */
	int rc;
	double seconds;
	char tmp[PATH_BUF], final[PATH_BUF], dir[DIR_MAX];
};

struct persist {
	struct xsd *x;
	char dir[DIR_MAX];
	enum persist_fsync fsync;
	int jfd;
	uint64_t gen;
	uint64_t jsize, jmax;
	struct sbuf batch;
	bool records;			/* the batch holds changes */
	size_t written;			/* of the batch, already in the file */
	bool compact;			/* new generation at the batch end */
	bool batch_failed;		/* this batch could not be written */
	unsigned fail_writes;		/* test hook: writes to fail */
	double last_error_gen;		/* when a write error last asked one */
	struct snapjob *job;
	int evfd;
	struct loop_fd *lfd;
	uint64_t batches, snapshots, write_errors;
	double last_snapshot_s;
	size_t last_snapshot_bytes;
};


#define ERROR_GEN_S 5.0

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = nc_write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static void
jpath(const struct persist *p, uint64_t gen, char *buf)
{
	snprintf(buf, PATH_BUF, "%s/journal.%llu", p->dir,
	    (unsigned long long)gen);
}

/* Journal generations present in the directory: lowest and highest. */
static void
journal_range(const struct persist *p, uint64_t *lo, uint64_t *hi)
{
	DIR *d = opendir(p->dir);
	struct dirent *e;

	*lo = UINT64_MAX;
	*hi = 0;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *end;
		unsigned long long g;

		if (strncmp(e->d_name, "journal.", 8) != 0)
			continue;
		g = strtoull(e->d_name + 8, &end, 10);
		if (*end != '\0' || end == e->d_name + 8)
			continue;
		if (g < *lo)
			*lo = g;
		if (g > *hi)
			*hi = g;
	}
	closedir(d);
}

static void
remove_journals_below(const struct persist *p, uint64_t gen)
{
	uint64_t lo, hi, g;
	char path[PATH_BUF];

	journal_range(p, &lo, &hi);
	for (g = lo; lo != UINT64_MAX && g < gen && g <= hi; g++) {
		jpath(p, g, path);
		unlink(path);
	}
}

/* Start journal generation `gen`: header written and made durable. */
static int
open_journal(struct persist *p, uint64_t gen)
{
	char path[PATH_BUF];
	struct sbuf b;
	size_t r;
	int fd, rc;

	jpath(p, gen, path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return -errno;
	sbuf_init(&b);
	stream_preamble(&b, STREAM_VERSION);
	r = stream_begin(&b, REC_PX_META);
	stream_u64(&b, gen);
	stream_end(&b, r);
	rc = b.err ? b.err : write_all(fd, b.p, b.len);
	if (rc == 0 && p->fsync != PERSIST_FSYNC_NONE &&
	    (fsync(fd) < 0 || fsync_dir(p->dir) < 0))
		rc = -errno;
	if (rc < 0) {
		close(fd);
		sbuf_fini(&b);
		return rc;
	}
	if (p->jfd >= 0)
		close(p->jfd);
	p->jfd = fd;
	p->gen = gen;
	p->jsize = b.len;
	sbuf_fini(&b);
	return 0;
}

static void *
snap_thread(void *arg)
{
	struct snapjob *j = arg;
	double t0 = now_s();
	int fd, rc;

	rc = state_write_tree_alive(j->root, j->alive, &j->buf);
	if (rc == 0) {
		state_write_end(&j->buf);
		rc = j->buf.err;
	}
	if (rc == 0) {
		fd = open(j->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
		if (fd < 0) {
			rc = -errno;
		} else {
			rc = write_all(fd, j->buf.p, j->buf.len);
			/* durable by the same policy as the journal */
			if (rc == 0 && j->sync && fsync(fd) < 0)
				rc = -errno;
			close(fd);
		}
	}
	/* Only a complete, durable snapshot replaces the previous one. */
	if (rc == 0 && rename(j->tmp, j->final) < 0)
		rc = -errno;
	if (rc == 0 && j->sync)
		rc = fsync_dir(j->dir);
	j->rc = rc;
	j->seconds = now_s() - t0;
	{
		uint64_t one = 1;

		if (write(j->p->evfd, &one, sizeof(one)) < 0)
			j->rc = j->rc ? j->rc : -EIO;
	}
	return NULL;
}

static void
job_done(void *arg, uint32_t events)
{
	struct persist *p = arg;
	struct snapjob *j = p->job;
	uint64_t v;

	(void)events;
	if (read(p->evfd, &v, sizeof(v)) < 0 || j == NULL)
		return;
	pthread_join(j->thread, NULL);
	trie_unref(p->x->store.cx, j->root);
	if (j->rc == 0) {
		remove_journals_below(p, j->gen);
		p->snapshots++;
		p->last_snapshot_s = j->seconds;
		p->last_snapshot_bytes = j->buf.len;
		log_info(&p->x->log, "snapshot %llu written: %zu bytes in "
		    "%.3f s", (unsigned long long)j->gen, j->buf.len,
		    j->seconds);
	} else {
		unlink(j->tmp);
		log_err(&p->x->log, "snapshot %llu failed: %s",
		    (unsigned long long)j->gen, strerror(-j->rc));
	}
	state_alive_free(j->alive);
	sbuf_fini(&j->buf);
	free(j);
	p->job = NULL;
}

/*
 * Start a new generation: a new journal, and a snapshot of the state as it
 * is now.  Only where no request is half handled and the batch is
 * written: at start, and at the end of a loop iteration.
 */
static int
new_generation(struct xsd *x)
{
	struct persist *p = x->persist;
	struct snapjob *j;
	int rc;

	if (p->job != NULL)
		return -EBUSY;
	j = calloc(1, sizeof(*j));
	if (j != NULL)
		j->alive = state_alive_new(x);
	if (j == NULL || j->alive == NULL) {
		free(j);
		return -ENOMEM;
	}
	rc = open_journal(p, p->gen + 1);
	if (rc < 0) {
		state_alive_free(j->alive);
		free(j);
		log_err(&x->log, "cannot start journal %llu: %s",
		    (unsigned long long)p->gen + 1, strerror(-rc));
		return rc;
	}
	j->p = p;
	j->gen = p->gen;
	j->sync = p->fsync != PERSIST_FSYNC_NONE;
	snprintf(j->tmp, sizeof(j->tmp), "%s/snapshot.tmp", p->dir);
	snprintf(j->final, sizeof(j->final), "%s/snapshot", p->dir);
	snprintf(j->dir, sizeof(j->dir), "%s", p->dir);
	sbuf_init(&j->buf);
	state_write_small(x, &j->buf, j->gen);
	rings_journal_rebase(x);	/* the new journal stands alone */
	j->root = trie_ref(x->store.root);
	rc = pthread_create(&j->thread, NULL, snap_thread, j);
	if (rc != 0) {
		trie_unref(x->store.cx, j->root);
		state_alive_free(j->alive);
		sbuf_fini(&j->buf);
		free(j);
		return -rc;
	}
	p->job = j;
	return 0;
}

int
persist_compact(struct xsd *x)
{
	struct persist *p = x->persist;

	if (p == NULL)
		return -ENODEV;
	/*
	 * Not now: a request may be half handled (CONTROL persist snapshot
	 * read from a ring together with the requests behind it, whose
	 * changes and replies do not exist yet).  The generation starts at
	 * the end of this loop iteration, once its batch is written, or of
	 * the first after a snapshot still being written: never EBUSY, a
	 * caller asks for a snapshot of the state at or after its request,
	 * and two such requests are served by one.
	 */
	p->compact = true;
	return 0;
}

/*
 * A batch could not be written: we keep serving, but the journal must
 * stay readable and complete.  Cut what reached the file of this batch
 * (a partial batch in the middle of a journal is damage to recovery),
 * write nothing more of it, and start a new generation at the end of the
 * iteration: its snapshot holds what the lost batch changed.  (At most
 * one such generation per ERROR_GEN_S while the disk keeps failing.)
 */
static void
write_error(struct persist *p, int rc)
{
	off_t start = (off_t)(p->jsize - p->written);
	double now = now_s();

	if (p->write_errors++ % 1000 == 0)
		log_err(&p->x->log, "journal write failed: %s", strerror(-rc));
	if (ftruncate(p->jfd, start) == 0)
		p->jsize = (uint64_t)start;
	p->batch_failed = true;
	rings_journal_rebase(p->x);
	if (now - p->last_error_gen >= ERROR_GEN_S) {
		p->last_error_gen = now;
		p->compact = true;
	}
}

/*
 * Write what the batch holds beyond what is already in the file (with
 * "always", its changes went out one by one) and make it durable by
 * policy.
 */
static int
write_pending(struct persist *p)
{
	size_t n = p->batch.len - p->written;
	int rc;

	if (p->batch_failed)
		return 0;	/* its start is lost: the new generation has it */
	if (p->fail_writes > 0 && n > 0) {
		/* as a disk that took part of it and then failed */
		p->fail_writes--;
		rc = write_all(p->jfd, p->batch.p + p->written, n / 2);
		p->written = p->batch.len;
		p->jsize += n;	/* as below: counted, then cut by the error */
		return rc < 0 ? rc : -EIO;
	}
	rc = p->batch.err ? p->batch.err :
	    write_all(p->jfd, p->batch.p + p->written, n);
	if (rc == 0 && p->fsync != PERSIST_FSYNC_NONE && fsync(p->jfd) < 0)
		rc = -errno;
	p->written = p->batch.len;
	p->jsize += n;
	return rc;
}

/* Close the batch, append it to the journal, make it durable by policy. */
static void
flush_batch(struct persist *p)
{
	int rc;

	if (p->batch.len == 0)
		return;
	j_batch(&p->batch, 0);
	rc = write_pending(p);
	if (rc < 0)
		write_error(p, rc);
	else
		p->batches++;
	sbuf_reset(&p->batch);
	p->written = 0;
	p->batch_failed = false;
	p->records = false;
}

/*
 * A change was appended.  With "always" it reaches the disk before the
 * next change is made, but the batch stays open: a batch ends only with
 * the loop iteration, with the positions of the rings whose requests made
 * its changes, so that recovery never applies a change without also
 * knowing that its request was handled (which would handle it twice).
 */
static void
changed(struct persist *p)
{
	int rc;

	p->records = true;
	if (p->fsync == PERSIST_FSYNC_ALWAYS && (rc = write_pending(p)) < 0)
		write_error(p, rc);
}

void
persist_batch_end(struct xsd *x)
{
	struct persist *p = x->persist;

	if (p == NULL || p->jfd < 0)
		return;
	rings_journal(x, &p->batch);
	flush_batch(p);
	if ((p->compact || p->jsize > p->jmax) && p->job == NULL) {
		p->compact = false;
		new_generation(x);
	}
}

void
persist_update(struct xsd *x, enum persist_op op, const char *path,
    const void *val, size_t len, const struct trie_perm *perms, size_t np,
    int creator)
{
	struct persist *p = x->persist;

	if (p == NULL)
		return;
	switch (op) {
	case P_WRITE:
		j_write(&p->batch, creator, path, val, len);
		break;
	case P_MKDIR:
		j_mkdir(&p->batch, creator, path);
		break;
	case P_RM:
		j_rm(&p->batch, path);
		break;
	case P_PERMS:
		j_perms(&p->batch, path, perms, np);
		break;
	}
	changed(p);
}

static int
commit_step(void *arg, const struct trie_step *st)
{
	struct xsd *x = arg;

	switch (st->kind) {
	case TRIE_STEP_WRITE:
		persist_update(x, P_WRITE, st->path, st->val, st->len, NULL, 0,
		    st->creator);
		break;
	case TRIE_STEP_MKDIR:
		persist_update(x, P_MKDIR, st->path, NULL, 0, NULL, 0,
		    st->creator);
		break;
	case TRIE_STEP_RM:
		persist_update(x, P_RM, st->path, NULL, 0, NULL, 0, 0);
		break;
	case TRIE_STEP_PERMS:
		persist_update(x, P_PERMS, st->path, NULL, 0, st->perms,
		    st->nperms, 0);
		break;
	default:
		break;
	}
	return 0;
}

void
persist_commit(struct xsd *x, const struct trie_txn *tx)
{
	struct persist *p = x->persist;
	enum persist_fsync f;

	if (p == NULL)
		return;
	/* A commit is one batch, whatever the policy: all or nothing. */
	f = p->fsync;
	if (f == PERSIST_FSYNC_ALWAYS)
		p->fsync = PERSIST_FSYNC_BATCH;
	trie_txn_foreach_step(tx, commit_step, x);
	p->fsync = f;
	changed(p);
}

void
persist_introduce(struct xsd *x, const struct domain *d)
{
	struct persist *p = x->persist;

	if (p == NULL)
		return;
	j_introduce(&p->batch, d->domid, d->remote_port, d->gfn, d->features,
	    d->kva ? 1 : 0);
	changed(p);
}

void
persist_domain(struct xsd *x, uint32_t type, unsigned domid, uint32_t v)
{
	struct persist *p = x->persist;

	if (p == NULL)
		return;
	if (type == REC_PX_J_RELEASE || type == REC_PX_J_RESET ||
	    type == REC_PX_J_FORGET)
		j_domid(&p->batch, type, domid);
	else
		j_domid2(&p->batch, type, domid, v);
	changed(p);
}

void
persist_quota(struct xsd *x, uint32_t domid, unsigned id, bool soft,
    unsigned value)
{
	struct persist *p = x->persist;

	if (p == NULL)
		return;
	j_quota(&p->batch, domid, id, soft, value);
	changed(p);
}

void
persist_watch(struct xsd *x, const struct conn *c, const char *path,
    const char *token, int depth, bool relative, bool add)
{
	struct persist *p = x->persist;

	if (p == NULL || !ring_conn_is(c))
		return;
	if (add)
		j_watch(&p->batch, c->domid, depth, relative, path, token);
	else
		j_unwatch(&p->batch, c->domid, path, token);
	changed(p);
}

void
persist_txn(struct xsd *x, const struct conn *c, uint32_t txid, bool open)
{
	struct persist *p = x->persist;

	if (p == NULL || !ring_conn_is(c))
		return;
	j_domid2(&p->batch, open ? REC_PX_J_TXN_OPEN : REC_PX_J_TXN_CLOSE,
	    c->domid, txid);
	changed(p);
}

int
persist_fail_writes(struct xsd *x, unsigned n)
{
	if (x->persist == NULL)
		return -ENODEV;
	x->persist->fail_writes = n;
	return 0;
}

void
persist_status(struct xsd *x, char *buf, size_t len)
{
	struct persist *p = x->persist;

	if (p == NULL) {
		snprintf(buf, len, "persistence off\n");
		return;
	}
	snprintf(buf, len, "state directory %s, generation %llu, journal "
	    "%llu bytes, %llu batches, %llu snapshots (last %zu bytes in "
	    "%.3f s)%s, %llu write errors\n", p->dir,
	    (unsigned long long)p->gen, (unsigned long long)p->jsize,
	    (unsigned long long)p->batches,
	    (unsigned long long)p->snapshots, p->last_snapshot_bytes,
	    p->last_snapshot_s, p->job ? ", one being written" : "",
	    (unsigned long long)p->write_errors);
}

static int
mkdir_p(const char *dir)
{
	char buf[PATH_BUF];
	size_t i, n = strlen(dir);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, n + 1);
	for (i = 1; i <= n; i++)
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];

			buf[i] = '\0';
			if (mkdir(buf, 0700) < 0 && errno != EEXIST)
				return -errno;
			buf[i] = c;
		}
	return 0;
}

static void
wipe(const struct persist *p)
{
	uint64_t lo, hi, g;
	char path[PATH_BUF];

	snprintf(path, sizeof(path), "%s/snapshot", p->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/snapshot.tmp", p->dir);
	unlink(path);
	journal_range(p, &lo, &hi);
	for (g = lo; lo != UINT64_MAX && g <= hi; g++) {
		jpath(p, g, path);
		unlink(path);
	}
}

/* Whether dir holds a snapshot or a journal. */
static bool
has_state(const struct persist *p)
{
	char path[PATH_BUF];
	uint64_t lo, hi;

	snprintf(path, sizeof(path), "%s/snapshot", p->dir);
	if (access(path, F_OK) == 0)
		return true;
	journal_range(p, &lo, &hi);
	return lo != UINT64_MAX;
}

/* Load the snapshot and replay the journals: the generation reached. */
static int
recover(struct persist *p, struct restore *r, uint64_t *last, bool *found)
{
	char path[PATH_BUF], why[256] = "";
	uint64_t gen = 0, lo, hi, g;
	uint8_t *data;
	size_t len;
	int rc;

	*found = false;
	snprintf(path, sizeof(path), "%s/snapshot", p->dir);
	rc = read_whole_file(path, &data, &len);
	if (rc == 0) {
		rc = restore_snapshot(r, data, len, &gen, why, sizeof(why));
		free(data);
		if (rc < 0) {
			log_err(&p->x->log, "%s: %s", path, why[0] ? why :
			    strerror(-rc));
			return -EIO;
		}
		*found = true;
	} else if (rc != -ENOENT) {
		log_err(&p->x->log, "%s: %s", path, strerror(-rc));
		return rc;
	}
	journal_range(p, &lo, &hi);
	if (!*found)	/* no snapshot yet: the first journal's base */
		gen = lo == UINT64_MAX ? 0 : lo;
	for (g = gen; lo != UINT64_MAX && g <= hi; g++) {
		bool dropped;

		jpath(p, g, path);
		rc = read_whole_file(path, &data, &len);
		if (rc == -ENOENT)
			break;
		if (rc < 0)
			return rc;
		rc = restore_journal(r, data, len, g, &dropped, why,
		    sizeof(why));
		free(data);
		if (rc < 0) {
			log_err(&p->x->log, "%s: %s", path, why[0] ? why :
			    strerror(-rc));
			return -EIO;
		}
		if (dropped)
			log_warn(&p->x->log, "%s: torn last batch dropped",
			    path);
		*found = true;
	}
	*last = lo != UINT64_MAX && hi > gen ? hi : gen;
	return 0;
}

static int persist_open(struct xsd *x, struct restore **rs, bool recover_it);

int
persist_start(struct xsd *x, struct restore **rs)
{
	return persist_open(x, rs, true);
}

int
persist_resume(struct xsd *x)
{
	struct restore *none = NULL;
	int rc = persist_open(x, &none, false);

	return rc < 0 ? rc : persist_begin(x);
}

static int
persist_open(struct xsd *x, struct restore **rs, bool recover_it)
{
	struct persist *p;
	struct restore *r = NULL;
	uint64_t last = 0;
	bool found = false;
	int rc;

	*rs = NULL;
	if (x->cfg.state_dir == NULL)
		return 0;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->x = x;
	p->jfd = -1;
	p->evfd = -1;
	p->fsync = (enum persist_fsync)x->cfg.fsync;
	p->jmax = x->cfg.journal_max ? x->cfg.journal_max :
	    DEFAULT_JOURNAL_MAX;
	sbuf_init(&p->batch);
	if (snprintf(p->dir, sizeof(p->dir), "%s", x->cfg.state_dir) >=
	    (int)sizeof(p->dir)) {
		free(p);
		return -ENAMETOOLONG;
	}
	rc = mkdir_p(p->dir);
	if (rc < 0)
		goto fail;
	if (x->cfg.fresh && recover_it)
		wipe(p);
	else if (recover_it && has_state(p) &&
	    !state_boot_matches(p->dir, STATE_BOOT_ID_SOURCE)) {
		log_warn(&x->log, "state in %s is from another boot of the "
		    "host: discarded", p->dir);
		wipe(p);
	}
	rc = state_boot_stamp(p->dir, STATE_BOOT_ID_SOURCE);
	if (rc < 0)
		goto fail;
	if (recover_it) {
		rc = restore_new(x, &r);
		if (rc == 0)
			rc = recover(p, r, &last, &found);
		if (rc < 0)
			goto fail;
	} else {
		uint64_t lo;

		journal_range(p, &lo, &last);
	}
	p->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->evfd < 0 || loop_add(x->loop, p->evfd, EPOLLIN, job_done, p,
	    &p->lfd) < 0) {
		rc = -errno;
		goto fail;
	}
	x->persist = p;
	p->gen = last;
	log_info(&x->log, "state in %s: %s, generation %llu", p->dir,
	    found ? "recovered" : "starting empty",
	    (unsigned long long)p->gen);
	if (found)
		*rs = r;
	else
		restore_free(&r);
	return 0;
fail:
	restore_free(&r);
	if (p->lfd != NULL)
		loop_del(p->lfd);
	if (p->evfd >= 0)
		close(p->evfd);
	if (p->jfd >= 0)
		close(p->jfd);
	sbuf_fini(&p->batch);
	free(p);
	return rc;
}

int
persist_begin(struct xsd *x)
{
	struct persist *p = x->persist;
	char snap[PATH_BUF];
	uint64_t lo, hi;
	int rc;

	if (p == NULL)
		return 0;
	/*
	 * Restored from a snapshot alone (written by a tool, or by a daemon
	 * whose journal was removed): its generation gets an empty journal
	 * first.  Otherwise a crash before the new generation's snapshot is
	 * written leaves snapshot N and journal N+1 with no journal N
	 * between them, and recovery rightly stops at the gap, losing what
	 * journal N+1 acknowledged.
	 */
	journal_range(p, &lo, &hi);
	snprintf(snap, sizeof(snap), "%s/snapshot", p->dir);
	if ((lo == UINT64_MAX || hi < p->gen) && access(snap, F_OK) == 0) {
		rc = open_journal(p, p->gen);
		if (rc < 0)
			return rc;
	}
	/* A new generation: its snapshot is the state as restored. */
	return new_generation(x);
}

void
persist_stop(struct xsd *x)
{
	struct persist *p = x->persist;

	if (p == NULL)
		return;
	persist_batch_end(x);
	if (p->job != NULL) {
		/* wait for it: a snapshot half written would be wasted */
		pthread_join(p->job->thread, NULL);
		trie_unref(x->store.cx, p->job->root);
		if (p->job->rc == 0)
			remove_journals_below(p, p->job->gen);
		state_alive_free(p->job->alive);
		sbuf_fini(&p->job->buf);
		free(p->job);
	}
	loop_del(p->lfd);
	close(p->evfd);
	if (p->jfd >= 0)
		close(p->jfd);
	sbuf_fini(&p->batch);
	free(p);
	x->persist = NULL;
}

const struct trie_node *
persist_held_root(const struct xsd *x)
{
	const struct persist *p = x->persist;

	return p != NULL && p->job != NULL ? p->job->root : NULL;
}
