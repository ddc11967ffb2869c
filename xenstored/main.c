/*
 * main.c: start-up and shut-down (command-line.md §3): options, logging,
 * daemonizing, the pid file, the socket, Xen, readiness, the loop,
 * signals.  The foreground process of a daemonizing start waits until
 * the daemon serves before it exits, so a launcher that runs us and then
 * reads the pid file or connects finds both ready.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "liveupdate.h"
#include "loop.h"
#include "persist.h"
#include "ring_conn.h"
#include "state.h"
#include "transport_unix.h"
#include "xen.h"

struct sig {
	int fd;
	struct loop_fd *lfd;
	struct xsd *x;
};

static void
on_signal(void *arg, uint32_t events)
{
	struct sig *s = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(s->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			log_reopen(&s->x->log);
			log_info(&s->x->log, "SIGHUP: logs reopened");
			break;
		case SIGTERM:
		case SIGINT:
			log_info(&s->x->log, "signal %u: exiting",
			    si.ssi_signo);
			loop_stop(s->x->loop);
			break;
		default:
			break;
		}
	}
}

/* SIGHUP/SIGTERM/SIGINT through a signalfd; SIGPIPE ignored. */
static int
setup_signals(struct xsd *x, struct sig *s)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	s->fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->fd < 0)
		return -errno;
	s->x = x;
	return loop_add(x->loop, s->fd, EPOLLIN, on_signal, s, &s->lfd);
}

/* 10,000 connections need descriptors: take the hard limit. */
static void
raise_nofile(struct xsd *x)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warn(&x->log, "cannot raise the descriptor limit: %s",
		    strerror(errno));
}

/*
 * The C daemon's pid file: created 0600, locked for the life of the
 * process; if another process holds the lock, it is already running and
 * we exit 0.
 */
static int
write_pidfile(const char *path, int *fdp)
{
	char buf[32];
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600), n;

	if (fd < 0)
		return -errno;
	if (lockf(fd, F_TLOCK, 0) < 0) {
		close(fd);
		return -EEXIST;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || write(fd, buf, (size_t)n) != n) {
		close(fd);
		return -EIO;
	}
	*fdp = fd;
	return 0;
}

/*
 * Fork into the background.  The parent waits on a pipe for the daemon's
 * "ready" byte (or its death) and exits with the matching status.
 */
static int
daemonize(int *ready_fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		exit(read(p[0], &c, 1) == 1 && c == 0 ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -errno;
	umask(0);
	*ready_fd = p[1];
	return 0;
}

/*
 * Daemonizing moves to "/": anchor relative file names to the starting
 * directory first, as the C daemon effectively does by opening its files
 * before it moves.  A name stays relative if the cwd cannot be read.
 */
static void
anchor_paths(struct xsd_config *cfg)
{
	char **names[] = { &cfg->socket_path, &cfg->rundir, &cfg->pid_file,
	    &cfg->trace_file, &cfg->log_file, &cfg->state_dir };
	char cwd[PATH_MAX], *abs;
	size_t i;

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (*names[i] == NULL || (*names[i])[0] == '/' ||
		    asprintf(&abs, "%s/%s", cwd, *names[i]) < 0)
			continue;
		free(*names[i]);
		*names[i] = abs;
	}
}

static void
redirect_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static uint64_t
random_seed(void)
{
	uint64_t s = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &s, sizeof(s)) != (ssize_t)sizeof(s))
			s = 0;
		close(fd);
	}
	return s ^ (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
}

int
main(int argc, char **argv)
{
	struct xsd *x = calloc(1, sizeof(*x));
	struct sig sig = { -1, NULL, NULL };
	struct restore *restored = NULL;
	int rc, status = 1, ready_fd = -1, pid_fd = -1;
	char ok = 0;

	if (x == NULL) {
		perror("pxenstored");
		return 1;
	}
	rc = config_parse(&x->cfg, argc, argv, stdout, stderr);
	if (rc != 0) {
		config_fini(&x->cfg);
		free(x);
		return rc > 0 ? 0 : 1;
	}
	x->argc = argc;
	x->argv = argv;
	if (!x->cfg.no_fork && !x->cfg.live_update)
		anchor_paths(&x->cfg);
	log_init(&x->log, x->cfg.log_file ? LOG_DEST_FILE :
	    x->cfg.no_fork ? LOG_DEST_STDERR : LOG_DEST_SYSLOG,
	    x->cfg.log_file, x->cfg.verbose);
	/* After a live update we are already the daemon. */
	if (!x->cfg.no_fork && !x->cfg.live_update &&
	    (rc = daemonize(&ready_fd)) < 0) {
		log_err(&x->log, "cannot daemonize: %s", strerror(-rc));
		goto out;
	}
	if (x->cfg.pid_file != NULL) {
		rc = write_pidfile(x->cfg.pid_file, &pid_fd);
		if (rc == -EEXIST) {
			/* already running: the launcher's success case */
			if (ready_fd >= 0 && write(ready_fd, &ok, 1) < 0)
				log_warn(&x->log, "cannot signal the launcher");
			status = 0;
			goto out;
		}
		if (rc < 0) {
			log_err(&x->log, "pid file %s: %s", x->cfg.pid_file,
			    strerror(-rc));
			goto out;
		}
	}
	raise_nofile(x);
	if (x->cfg.trace_file != NULL &&
	    log_trace_open(&x->log, x->cfg.trace_file) < 0)
		log_warn(&x->log, "cannot open trace file %s",
		    x->cfg.trace_file);
	if ((rc = daemon_init(x, random_seed())) < 0 ||
	    (rc = setup_signals(x, &sig)) < 0) {
		log_err(&x->log, "start-up failed: %s", strerror(-rc));
		goto out;
	}
	loop_timer(x->loop, 1000, daemon_housekeeping, x, NULL);
	if (x->cfg.live_update) {
		rc = liveupdate_restore(x);
		if (rc < 0) {
			log_err(&x->log, "live update restore failed: %s",
			    strerror(-rc));
			goto out;
		}
		goto serving;
	}
	rc = persist_start(x, &restored);
	if (rc < 0) {
		log_err(&x->log, "cannot recover the saved state in %s: %s "
		    "(--fresh starts empty)", x->cfg.state_dir, strerror(-rc));
		goto out;
	}
	rc = unix_listen(x);
	if (rc < 0) {
		log_err(&x->log, "cannot listen on %s: %s", x->cfg.socket_path,
		    strerror(-rc));
		goto out;
	}
	if (xen_open(&x->log, &x->xen) == 0) {
		rc = rings_init(x);
		if (rc < 0) {
			log_err(&x->log, "cannot serve rings: %s",
			    strerror(-rc));
			goto out;
		}
		if (restored != NULL) {
			restore_instantiate(restored);
			/* some may have died while we were down */
			rings_check_domains(x);
		}
		if (!x->cfg.no_domain_init &&
		    !(restored && restore_has_master(restored)) &&
		    (rc = ring_conn_dom0(x)) < 0) {
			log_err(&x->log, "cannot connect dom0's ring "
			    "(/proc/xen/xsd_kva, xsd_port): %s", strerror(-rc));
			goto out;
		}
	} else if (!x->cfg.no_domain_init) {
		log_err(&x->log, "no Xen here: use -D to serve sockets only");
		goto out;
	}
	restore_free(&restored);
	rc = persist_begin(x);
	if (rc < 0) {
		log_err(&x->log, "cannot write to the state directory %s: %s",
		    x->cfg.state_dir, strerror(-rc));
		goto out;
	}
serving:
	/* Like the C daemon: the pid goes out before stdout is detached. */
	if (x->cfg.output_pid) {
		printf("%ld\n", (long)getpid());
		fflush(stdout);
	}
	/* Not after a live update: detached and announced long ago. */
	if (!x->cfg.live_update) {
		if (!x->cfg.no_fork)
			redirect_stdio();
		log_info(&x->log, "serving on %s%s", x->cfg.socket_path,
		    x->xen ? "" : " (no Xen: socket clients only)");
		sd_notify(1, "READY=1");
	}
	log_started(&x->log);
	if (ready_fd >= 0) {
		if (write(ready_fd, &ok, 1) < 0)
			log_warn(&x->log, "cannot signal readiness");
		close(ready_fd);
		ready_fd = -1;
	}
	rc = loop_run(x->loop);
	if (rc < 0)
		log_err(&x->log, "event loop failed: %s", strerror(-rc));
	status = rc < 0 ? 1 : 0;
out:
	/*
	 * Also after a failed start: remove the socket and the pid file we
	 * created, so that nothing claims a daemon is there.  A daemonizing
	 * launcher still waiting on ready_fd sees it close and exits 1.
	 */
	restore_free(&restored);
	loop_del(sig.lfd);
	daemon_fini(x);
	liveupdate_fini(x);
	if (sig.fd >= 0)
		close(sig.fd);
	if (pid_fd >= 0) {
		unlink(x->cfg.pid_file);
		close(pid_fd);
	}
	if (ready_fd >= 0)
		close(ready_fd);
	log_fini(&x->log);
	config_fini(&x->cfg);
	free(x);
	return status;
}
