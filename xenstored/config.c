/*
 * config.c: see config.h.  Accepts everything the C daemon 4.17 accepts
 * (command-line.md §1.1) so a launcher's arguments never stop us; the
 * options that have no meaning here (-R, -I) are accepted and ignored.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "wire.h"

enum {
	OPT_EVENT = 256, OPT_MASTER, OPT_PRIV, OPT_SOCKET, OPT_LOGFILE,
	OPT_TESTHOOKS, OPT_TRACECTL, OPT_STATEDIR, OPT_NOSTATE, OPT_FSYNC,
	OPT_FRESH, OPT_JOURNALMAX,
};

static const struct option options[] = {
	{ "no-domain-init", no_argument, NULL, 'D' },
	{ "entry-nb", required_argument, NULL, 'E' },
	{ "pid-file", required_argument, NULL, 'F' },
	{ "event", required_argument, NULL, OPT_EVENT },
	{ "master-domid", required_argument, NULL, OPT_MASTER },
	{ "priv-domid", required_argument, NULL, OPT_PRIV },
	{ "help", no_argument, NULL, 'H' },
	{ "no-fork", no_argument, NULL, 'N' },
	{ "output-pid", no_argument, NULL, 'P' },
	{ "entry-size", required_argument, NULL, 'S' },
	{ "trace-file", required_argument, NULL, 'T' },
	{ "trace-control", required_argument, NULL, OPT_TRACECTL },
	{ "transaction", required_argument, NULL, 't' },
	{ "perm-nb", required_argument, NULL, 'A' },
	{ "path-max", required_argument, NULL, 'M' },
	{ "quota", required_argument, NULL, 'Q' },
	{ "quota-soft", required_argument, NULL, 'q' },
	{ "timeout", required_argument, NULL, 'w' },
	{ "no-recovery", no_argument, NULL, 'R' },
	{ "internal-db", optional_argument, NULL, 'I' },
	{ "keep-orphans", no_argument, NULL, 'K' },
	{ "verbose", no_argument, NULL, 'V' },
	{ "watch-nb", required_argument, NULL, 'W' },
	{ "live-update", no_argument, NULL, 'U' },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "log-file", required_argument, NULL, OPT_LOGFILE },
	{ "test-hooks", no_argument, NULL, OPT_TESTHOOKS },
	{ "state-dir", required_argument, NULL, OPT_STATEDIR },
	{ "no-state", no_argument, NULL, OPT_NOSTATE },
	{ "fsync", required_argument, NULL, OPT_FSYNC },
	{ "fresh", no_argument, NULL, OPT_FRESH },
	{ "journal-max", required_argument, NULL, OPT_JOURNALMAX },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: pxenstored [options]\n"
"\n"
"A xenstore daemon: serves the xenstore tree over a Unix socket (dom0\n"
"tools) and over shared rings (guests).\n"
"\n"
"  -N, --no-fork           stay in the foreground, log to stderr\n"
"  -F, --pid-file FILE     write the pid to FILE (locked while running)\n"
"  -P, --output-pid        print the pid on stdout once serving\n"
"  -D, --no-domain-init    do not connect dom0's ring (socket only;\n"
"                          also works with no Xen at all)\n"
"  -T, --trace-file FILE   log every request and reply to FILE (the\n"
"                          access log; reopened on SIGHUP)\n"
"      --trace-control=+|-CLASS\n"
"                          accepted for compatibility: the trace file\n"
"                          always holds every request and reply\n"
"      --log-file FILE     diagnostics to FILE instead of syslog/stderr\n"
"      --socket PATH       listen on PATH (default $XENSTORED_PATH, else\n"
"                          $XENSTORED_RUNDIR/socket, else\n"
"                          /var/run/xenstored/socket)\n"
"  -E, --entry-nb N        nodes per domain (default 1000)\n"
"  -S, --entry-size N      node record size (default 2048)\n"
"  -W, --watch-nb N        watches per domain (default 128)\n"
"  -t, --transaction N     open transactions per domain (default 10)\n"
"  -A, --perm-nb N         permission entries per node (default 5)\n"
"  -M, --path-max N        path length, at most 2048 (default 2048)\n"
"  -Q, --quota WHAT=N      hard quota: nodes, watches, outstanding,\n"
"                          memory, transactions, transaction-nodes,\n"
"                          node-permissions, path-max, node-size\n"
"  -q, --quota-soft WHAT=N soft quota (memory)\n"
"  -w, --timeout WHAT=S    timeout: watch-event=<seconds> (0: never)\n"
"  -K, --keep-orphans      on domain death give its nodes to dom0\n"
"                          instead of deleting them\n"
"  -V, --verbose           debug messages\n"
"      --master-domid ID   the domain this daemon serves as (default 0)\n"
"      --priv-domid ID     an additional privileged domain (default 0)\n"
"      --event PORT        dom0's xenstore event channel (Mini-OS)\n"
"  -U, --live-update       restore state after a live update\n"
"  -R, --no-recovery, -I, --internal-db[=on|off]\n"
"                          accepted for compatibility, no effect\n"
"      --state-dir DIR     keep a snapshot and a journal in DIR and\n"
"                          recover from them on start (default\n"
"                          $XENSTORED_STATEDIR, else /var/lib/xenstored;\n"
"                          none with -D)\n"
"      --no-state          keep the store in memory only\n"
"      --fsync POLICY      none (survives a daemon crash, the default),\n"
"                          batch (once per loop iteration) or always\n"
"      --fresh             start empty, discarding saved state\n"
"      --journal-max BYTES start a new snapshot when the journal grows\n"
"                          past this (default 64 MiB)\n"
"      --test-hooks        enable test-only CONTROL commands (never in\n"
"                          production)\n"
"  -H, --help              this text\n");
}

static int
num(const char *arg, const char *opt, unsigned long max, FILE *err,
    unsigned *out)
{
	unsigned long v;

	if (!wire_uint(arg, max, &v)) {
		fprintf(err, "pxenstored: %s: bad number '%s'\n", opt, arg);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

static char *
dup_or_die(const char *s)
{
	char *d = strdup(s);

	if (d == NULL) {
		perror("pxenstored");
		exit(1);
	}
	return d;
}

static void
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = dup_or_die(s);
}

/* Socket path and run directory from --socket or the environment. */
static void
resolve_socket(struct xsd_config *cfg)
{
	const char *path = getenv("XENSTORED_PATH");
	const char *rundir = getenv("XENSTORED_RUNDIR");
	char *p;

	if (rundir == NULL || *rundir == '\0')
		rundir = "/var/run/xenstored";
	if (cfg->socket_path == NULL) {
		if (path != NULL && *path != '\0') {
			cfg->socket_path = dup_or_die(path);
		} else {
			size_t n = strlen(rundir) + sizeof("/socket");

			cfg->socket_path = malloc(n);
			if (cfg->socket_path == NULL) {
				perror("pxenstored");
				exit(1);
			}
			snprintf(cfg->socket_path, n, "%s/socket", rundir);
		}
	}
	cfg->rundir = dup_or_die(cfg->socket_path);
	p = strrchr(cfg->rundir, '/');
	if (p == NULL)
		set_str(&cfg->rundir, ".");
	else if (p == cfg->rundir)
		p[1] = '\0';
	else
		*p = '\0';
}

int
config_parse(struct xsd_config *cfg, int argc, char **argv, void *outp,
    void *errp)
{
	FILE *out = outp, *err = errp;
	bool no_state = false;
	int c, rc = 0;
	unsigned v = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->event_port = -1;
	cfg->fsync = 0;
	cfg->watch_event_timeout = 20;
	quota_defaults(&cfg->quota);
	/* 0, not 1: glibc then also forgets a previous parse's state. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":DE:F:HNPS:t:A:M:Q:q:T:RI::KVW:w:U",
	    options, NULL)) != -1) {
		switch (c) {
		case 'D': cfg->no_domain_init = true; break;
		case 'N': cfg->no_fork = true; break;
		case 'P': cfg->output_pid = true; break;
		case 'K': cfg->keep_orphans = true; break;
		case 'V': cfg->verbose = true; break;
		case 'U': cfg->live_update = true; break;
		case 'R': case 'I': break;	/* no meaning here */
		case OPT_TESTHOOKS: cfg->test_hooks = true; break;
		case OPT_STATEDIR: set_str(&cfg->state_dir, optarg);
			no_state = false;
			break;
		case OPT_NOSTATE: no_state = true; break;
		case OPT_FRESH: cfg->fresh = true; break;
		case OPT_FSYNC:
			if (strcmp(optarg, "none") == 0)
				cfg->fsync = 0;
			else if (strcmp(optarg, "batch") == 0)
				cfg->fsync = 0;
			else if (strcmp(optarg, "always") == 0)
				cfg->fsync = 2;
			else {
				fprintf(err, "pxenstored: --fsync: none, batch "
				    "or always\n");
				rc = -EINVAL;
			}
			break;
		case OPT_JOURNALMAX: {
			unsigned long v2;

			if (!wire_uint(optarg, ~0UL, &v2) || v2 < 4096) {
				fprintf(err, "pxenstored: --journal-max: bad "
				    "size '%s'\n", optarg);
				rc = -EINVAL;
			}
			cfg->journal_max = v2;
			break;
		}
		case OPT_TRACECTL: break;	/* all classes are traced */
		case 'F': set_str(&cfg->pid_file, optarg); break;
		case 'T': set_str(&cfg->trace_file, optarg); break;
		case OPT_LOGFILE: set_str(&cfg->log_file, optarg); break;
		case OPT_SOCKET: set_str(&cfg->socket_path, optarg); break;
		case 'E':
			rc = num(optarg, "-E", 0x7fffffff, err,
			    &cfg->quota.hard[Q_NODES]);
			break;
		case 'S':
			rc = num(optarg, "-S", 0x7fffffff, err,
			    &cfg->quota.hard[Q_NODE_SIZE]);
			break;
		case 'W':
			rc = num(optarg, "-W", 0x7fffffff, err,
			    &cfg->quota.hard[Q_WATCHES]);
			break;
		case 't':
			rc = num(optarg, "-t", 0x7fffffff, err,
			    &cfg->quota.hard[Q_TRANSACTIONS]);
			break;
		case 'A':
			rc = num(optarg, "-A", 0x7fffffff, err,
			    &cfg->quota.hard[Q_PERMS]);
			break;
		case 'M':
			rc = num(optarg, "-M", 0x7fffffff, err, &v);
			/* never above XENSTORE_REL_PATH_MAX, as C caps it */
			cfg->quota.hard[Q_PATH_MAX] = v > 2048 ? 2048 : v;
			break;
		case 'Q':
		case 'q':
			rc = quota_assign(&cfg->quota, optarg, c == 'q');
			if (rc < 0)
				fprintf(err, "pxenstored: -%c: bad quota '%s'\n",
				    c, optarg);
			else if (cfg->quota.hard[Q_PATH_MAX] > 2048)
				cfg->quota.hard[Q_PATH_MAX] = 2048;
			break;
		case 'w':
			if (strncmp(optarg, "watch-event=", 12) != 0) {
				fprintf(err, "pxenstored: -w: unknown timeout "
				    "'%s'\n", optarg);
				rc = -EINVAL;
			} else {
				rc = num(optarg + 12, "-w", 0x7fffffff, err,
				    &cfg->watch_event_timeout);
			}
			break;
		case OPT_EVENT:
			rc = num(optarg, "--event", 65535, err, &v);
			cfg->event_port = (int)v;
			break;
		case OPT_MASTER:
			rc = num(optarg, "--master-domid", 65535, err,
			    &cfg->master_domid);
			break;
		case OPT_PRIV:
			rc = num(optarg, "--priv-domid", 65535, err,
			    &cfg->priv_domid);
			break;
		case 'H':
			usage(out);
			return 1;
		case ':':
			/* For a long option optopt is its value, not a letter. */
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				fprintf(err, "pxenstored: option %s needs an "
				    "argument\n", argv[optind - 1]);
			else
				fprintf(err, "pxenstored: option -%c needs an "
				    "argument\n", optopt);
			rc = -EINVAL;
			break;
		default:
			/* Like the C daemon: complain, carry on. */
			if (optopt)
				fprintf(err, "pxenstored: ignoring unknown "
				    "option -%c\n", optopt);
			else
				fprintf(err, "pxenstored: ignoring unknown "
				    "option '%s'\n", argv[optind - 1]);
			break;
		}
		if (rc < 0)
			return rc;
	}
	if (optind < argc) {
		fprintf(err, "pxenstored: unexpected argument '%s'\n",
		    argv[optind]);
		return -EINVAL;
	}
	resolve_socket(cfg);
	/*
	 * State directory: --state-dir, else $XENSTORED_STATEDIR, else the
	 * usual place -- but not for a socket-only daemon (-D), which has no
	 * guests to keep serving across a crash.
	 */
	if (no_state) {
		free(cfg->state_dir);
		cfg->state_dir = NULL;
	} else if (cfg->state_dir == NULL) {
		const char *env = getenv("XENSTORED_STATEDIR");

		if (env != NULL && *env != '\0')
			cfg->state_dir = dup_or_die(env);
		else if (!cfg->no_domain_init)
			cfg->state_dir = dup_or_die("/var/lib/xenstored");
	}
	if (cfg->state_dir != NULL && strcmp(cfg->state_dir, "none") == 0) {
		free(cfg->state_dir);
		cfg->state_dir = NULL;
	}
	return 0;
}

void
config_fini(struct xsd_config *cfg)
{
	free(cfg->pid_file);
	free(cfg->trace_file);
	free(cfg->log_file);
	free(cfg->socket_path);
	free(cfg->rundir);
	free(cfg->state_dir);
	memset(cfg, 0, sizeof(*cfg));
}
