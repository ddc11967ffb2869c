/*
 * check_config.c: unit tests of config.c (links config.c, quota.c and
 * wire.c): every option of the C daemon 4.17 (command-line.md §1.1) and
 * ours, short and long; -M and path-max capped at 2048; -Q/-q names;
 * -w watch-event=; bad numbers; unknown options ignored with a message;
 * non-option arguments rejected; --help; the socket path from --socket,
 * XENSTORED_PATH, XENSTORED_RUNDIR or the default, and its directory.
 * Output and diagnostics are captured with open_memstream.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAXARGS 16

static struct xsd_config cfg;
static char *outbuf, *errbuf;
static size_t outlen, errlen;
static FILE *out, *err;
static char *saved_path, *saved_rundir;

static char *
save_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL ? strdup(v) : NULL;
}

static void
restore_env(const char *name, char *v)
{
	if (v != NULL)
		setenv(name, v, 1);
	else
		unsetenv(name);
	free(v);
}

/* Fresh, empty capture streams. */
static void
open_streams(void)
{
	out = open_memstream(&outbuf, &outlen);
	err = open_memstream(&errbuf, &errlen);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
}

static void
close_streams(void)
{
	fclose(out);
	fclose(err);
	free(outbuf);
	free(errbuf);
	outbuf = errbuf = NULL;
}

static void
setup(void)
{
	saved_path = save_env("XENSTORED_PATH");
	saved_rundir = save_env("XENSTORED_RUNDIR");
	unsetenv("XENSTORED_PATH");
	unsetenv("XENSTORED_RUNDIR");
	memset(&cfg, 0, sizeof(cfg));
	open_streams();
}

static void
teardown(void)
{
	config_fini(&cfg);
	close_streams();
	restore_env("XENSTORED_PATH", saved_path);
	restore_env("XENSTORED_RUNDIR", saved_rundir);
}

/* Parse "pxenstored" + the NULL-terminated list; argv is a fresh copy. */
static int
parse_v(const char *const *args)
{
	static char *argv[MAXARGS + 2];
	static char store[MAXARGS + 1][256];
	int argc = 0, rc;

	config_fini(&cfg);
	snprintf(store[0], sizeof(store[0]), "pxenstored");
	argv[argc++] = store[0];
	for (; *args != NULL; args++) {
		ck_assert_int_lt(argc, MAXARGS + 1);
		snprintf(store[argc], sizeof(store[argc]), "%s", *args);
		argv[argc] = store[argc];
		argc++;
	}
	argv[argc] = NULL;
	close_streams();
	open_streams();
	rc = config_parse(&cfg, argc, argv, out, err);
	fflush(out);
	fflush(err);
	return rc;
}

#define PARSE(...) parse_v((const char *const[]){ __VA_ARGS__, NULL })

static bool
err_has(const char *s)
{
	return errlen > 0 && strstr(errbuf, s) != NULL;
}

/* ---- defaults --------------------------------------------------------- */

static void
check_defaults(const struct xsd_config *c)
{
	struct quota q;

	quota_defaults(&q);
	ck_assert(!c->no_fork && !c->no_domain_init && !c->output_pid &&
	    !c->keep_orphans && !c->verbose && !c->live_update &&
	    !c->test_hooks);
	ck_assert_ptr_null(c->pid_file);
	ck_assert_ptr_null(c->trace_file);
	ck_assert_ptr_null(c->log_file);
	ck_assert_int_eq(c->event_port, -1);
	ck_assert_uint_eq(c->master_domid, 0);
	ck_assert_uint_eq(c->priv_domid, 0);
	ck_assert_uint_eq(c->watch_event_timeout, 20);
	ck_assert_mem_eq(&c->quota, &q, sizeof(q));
}

START_TEST(no_options)
{
	ck_assert_int_eq(parse_v((const char *const[]){ NULL }), 0);
	check_defaults(&cfg);
	ck_assert_str_eq(cfg.socket_path, "/var/run/xenstored/socket");
	ck_assert_str_eq(cfg.rundir, "/var/run/xenstored");
	ck_assert_uint_eq(errlen, 0);
	ck_assert_uint_eq(outlen, 0);
}
END_TEST

/* ---- every option ------------------------------------------------------- */

enum field {
	F_NONE,			/* accepted, no effect */
	F_NOFORK, F_NODOMINIT, F_OUTPID, F_KEEP, F_VERBOSE, F_LIVE, F_HOOKS,
	F_PIDFILE, F_TRACE, F_LOGFILE,
	F_NODES, F_NODESIZE, F_WATCHES, F_TXNS, F_PERMS, F_PATHMAX,
	F_TXNNODES, F_MEMORY, F_OUTSTANDING, F_SOFTMEM,
	F_WATCHTIMEOUT, F_EVENT, F_MASTER, F_PRIV,
};

static const struct opt_case {
	const char *args[3];
	int rc;
	enum field f;
	long v;			/* expected number (flags: 1) */
	const char *s;		/* expected string */
} opt_cases[] = {
	{ { "-N" }, 0, F_NOFORK, 1, NULL },
	{ { "--no-fork" }, 0, F_NOFORK, 1, NULL },
	{ { "-D" }, 0, F_NODOMINIT, 1, NULL },
	{ { "--no-domain-init" }, 0, F_NODOMINIT, 1, NULL },
	{ { "-P" }, 0, F_OUTPID, 1, NULL },
	{ { "--output-pid" }, 0, F_OUTPID, 1, NULL },
	{ { "-K" }, 0, F_KEEP, 1, NULL },
	{ { "--keep-orphans" }, 0, F_KEEP, 1, NULL },
	{ { "-V" }, 0, F_VERBOSE, 1, NULL },
	{ { "--verbose" }, 0, F_VERBOSE, 1, NULL },
	{ { "-U" }, 0, F_LIVE, 1, NULL },
	{ { "--live-update" }, 0, F_LIVE, 1, NULL },
	{ { "--test-hooks" }, 0, F_HOOKS, 1, NULL },
	{ { "-R" }, 0, F_NONE, 0, NULL },
	{ { "--no-recovery" }, 0, F_NONE, 0, NULL },
	{ { "-I" }, 0, F_NONE, 0, NULL },
	{ { "-Ioff" }, 0, F_NONE, 0, NULL },
	{ { "--internal-db" }, 0, F_NONE, 0, NULL },
	{ { "--internal-db=on" }, 0, F_NONE, 0, NULL },
	{ { "--trace-control=+io" }, 0, F_NONE, 0, NULL },
	{ { "--trace-control", "-obj" }, 0, F_NONE, 0, NULL },
	{ { "-F", "/run/xs.pid" }, 0, F_PIDFILE, 0, "/run/xs.pid" },
	{ { "--pid-file", "/run/xs.pid" }, 0, F_PIDFILE, 0, "/run/xs.pid" },
	{ { "--pid-file=/p" }, 0, F_PIDFILE, 0, "/p" },
	{ { "-F", "a", "-Fb" }, 0, F_PIDFILE, 0, "b" },	/* last wins */
	{ { "-T", "/tmp/trace" }, 0, F_TRACE, 0, "/tmp/trace" },
	{ { "--trace-file", "t" }, 0, F_TRACE, 0, "t" },
	{ { "--log-file", "/tmp/log" }, 0, F_LOGFILE, 0, "/tmp/log" },
	{ { "-E", "5" }, 0, F_NODES, 5, NULL },
	{ { "--entry-nb", "0" }, 0, F_NODES, 0, NULL },
	{ { "-E2147483647" }, 0, F_NODES, 2147483647, NULL },
	{ { "-S", "4096" }, 0, F_NODESIZE, 4096, NULL },
	{ { "--entry-size", "1" }, 0, F_NODESIZE, 1, NULL },
	{ { "-W", "3" }, 0, F_WATCHES, 3, NULL },
	{ { "--watch-nb", "300" }, 0, F_WATCHES, 300, NULL },
	{ { "-t", "2" }, 0, F_TXNS, 2, NULL },
	{ { "--transaction", "20" }, 0, F_TXNS, 20, NULL },
	{ { "-A", "9" }, 0, F_PERMS, 9, NULL },
	{ { "--perm-nb", "1" }, 0, F_PERMS, 1, NULL },
	{ { "-M", "100" }, 0, F_PATHMAX, 100, NULL },
	{ { "--path-max", "2047" }, 0, F_PATHMAX, 2047, NULL },
	{ { "-M", "2048" }, 0, F_PATHMAX, 2048, NULL },
	{ { "-M", "2049" }, 0, F_PATHMAX, 2048, NULL },
	{ { "-M", "1000000" }, 0, F_PATHMAX, 2048, NULL },
	{ { "-Q", "path-max=4000" }, 0, F_PATHMAX, 2048, NULL },
	{ { "-Q", "path-max=300" }, 0, F_PATHMAX, 300, NULL },
	{ { "-Q", "nodes=7" }, 0, F_NODES, 7, NULL },
	{ { "-Q", "transaction-nodes=50" }, 0, F_TXNNODES, 50, NULL },
	{ { "--quota", "memory=1000" }, 0, F_MEMORY, 1000, NULL },
	{ { "-Q", "outstanding=3" }, 0, F_OUTSTANDING, 3, NULL },
	{ { "-Q", "permissions=2" }, 0, F_PERMS, 2, NULL },
	{ { "-Q", "node-permissions=3" }, 0, F_PERMS, 3, NULL },
	{ { "-q", "memory=12345" }, 0, F_SOFTMEM, 12345, NULL },
	{ { "--quota-soft", "memory=0" }, 0, F_SOFTMEM, 0, NULL },
	{ { "-w", "watch-event=5" }, 0, F_WATCHTIMEOUT, 5, NULL },
	{ { "--timeout", "watch-event=0" }, 0, F_WATCHTIMEOUT, 0, NULL },
	{ { "--event", "7" }, 0, F_EVENT, 7, NULL },
	{ { "--event", "65535" }, 0, F_EVENT, 65535, NULL },
	{ { "--master-domid", "3" }, 0, F_MASTER, 3, NULL },
	{ { "--priv-domid", "4" }, 0, F_PRIV, 4, NULL },
	{ { "--priv-domid=65535" }, 0, F_PRIV, 65535, NULL },
	/* rejected values */
	{ { "-E", "abc" }, -EINVAL, F_NONE, 0, NULL },
	{ { "-E", "-1" }, -EINVAL, F_NONE, 0, NULL },
	{ { "-E", "2147483648" }, -EINVAL, F_NONE, 0, NULL },
	{ { "-S", "" }, -EINVAL, F_NONE, 0, NULL },
	{ { "-W", "0x10" }, -EINVAL, F_NONE, 0, NULL },
	{ { "-t", " 1" }, -EINVAL, F_NONE, 0, NULL },
	{ { "-A", "1k" }, -EINVAL, F_NONE, 0, NULL },
	{ { "-M", "x" }, -EINVAL, F_NONE, 0, NULL },
	{ { "-Q", "bogus=1" }, -EINVAL, F_NONE, 0, NULL },
	{ { "-Q", "path-length=1" }, -EINVAL, F_NONE, 0, NULL },
	{ { "-Q", "nodes" }, -EINVAL, F_NONE, 0, NULL },
	{ { "-q", "nodes=1" }, -EINVAL, F_NONE, 0, NULL },
	{ { "-w", "watch-event=" }, -EINVAL, F_NONE, 0, NULL },
	{ { "-w", "watch-event=-1" }, -EINVAL, F_NONE, 0, NULL },
	{ { "-w", "watchevent=1" }, -EINVAL, F_NONE, 0, NULL },
	{ { "-w", "5" }, -EINVAL, F_NONE, 0, NULL },
	{ { "--event", "65536" }, -EINVAL, F_NONE, 0, NULL },
	{ { "--master-domid", "65536" }, -EINVAL, F_NONE, 0, NULL },
	{ { "--priv-domid", "x" }, -EINVAL, F_NONE, 0, NULL },
	{ { "--master-domid", "" }, -EINVAL, F_NONE, 0, NULL },
};

static long
field(enum field f, const char **s)
{
	*s = NULL;
	switch (f) {
	case F_NONE: return 0;
	case F_NOFORK: return cfg.no_fork;
	case F_NODOMINIT: return cfg.no_domain_init;
	case F_OUTPID: return cfg.output_pid;
	case F_KEEP: return cfg.keep_orphans;
	case F_VERBOSE: return cfg.verbose;
	case F_LIVE: return cfg.live_update;
	case F_HOOKS: return cfg.test_hooks;
	case F_PIDFILE: *s = cfg.pid_file; return 0;
	case F_TRACE: *s = cfg.trace_file; return 0;
	case F_LOGFILE: *s = cfg.log_file; return 0;
	case F_NODES: return cfg.quota.hard[Q_NODES];
	case F_NODESIZE: return cfg.quota.hard[Q_NODE_SIZE];
	case F_WATCHES: return cfg.quota.hard[Q_WATCHES];
	case F_TXNS: return cfg.quota.hard[Q_TRANSACTIONS];
	case F_PERMS: return cfg.quota.hard[Q_PERMS];
	case F_PATHMAX: return cfg.quota.hard[Q_PATH_MAX];
	case F_TXNNODES: return cfg.quota.hard[Q_TXN_NODES];
	case F_MEMORY: return cfg.quota.hard[Q_MEMORY];
	case F_OUTSTANDING: return cfg.quota.hard[Q_OUTSTANDING];
	case F_SOFTMEM: return cfg.quota.soft[Q_MEMORY];
	case F_WATCHTIMEOUT: return cfg.watch_event_timeout;
	case F_EVENT: return cfg.event_port;
	case F_MASTER: return cfg.master_domid;
	case F_PRIV: return cfg.priv_domid;
	}
	return -1;
}

START_TEST(option_table)
{
	const struct opt_case *oc = &opt_cases[_i];
	const char *args[NELEM(oc->args) + 1];
	const char *s;
	size_t i;
	long v;
	int rc;

	for (i = 0; i < NELEM(oc->args); i++)
		args[i] = oc->args[i];
	args[i] = NULL;
	rc = parse_v(args);
	ck_assert_msg(rc == oc->rc, "%s %s: rc %d, want %d", oc->args[0],
	    oc->args[1] ? oc->args[1] : "", rc, oc->rc);
	if (rc < 0) {
		ck_assert_msg(errlen > 0, "%s: no message", oc->args[0]);
		return;
	}
	ck_assert_msg(errlen == 0, "%s: message \"%s\"", oc->args[0],
	    errbuf);
	v = field(oc->f, &s);
	if (oc->s != NULL) {
		ck_assert_ptr_nonnull(s);
		ck_assert_str_eq(s, oc->s);
	} else {
		ck_assert_msg(v == oc->v, "%s %s: %ld, want %ld", oc->args[0],
		    oc->args[1] ? oc->args[1] : "", v, oc->v);
	}
	if (oc->f == F_NONE) {
		/* Accepted, nothing changed. */
		check_defaults(&cfg);
	}
}
END_TEST

START_TEST(options_together)
{
	ck_assert_int_eq(PARSE("-N", "-D", "--pid-file", "/run/p", "-T",
	    "/tmp/t", "-E", "50", "-Q", "memory=99"), 0);
	ck_assert(cfg.no_fork);
	ck_assert(cfg.no_domain_init);
	ck_assert_str_eq(cfg.pid_file, "/run/p");
	ck_assert_str_eq(cfg.trace_file, "/tmp/t");
	ck_assert_uint_eq(cfg.quota.hard[Q_NODES], 50);
	ck_assert_uint_eq(cfg.quota.hard[Q_MEMORY], 99);
	/* Clustered short options. */
	ck_assert_int_eq(PARSE("-NDV", "-E7"), 0);
	ck_assert(cfg.no_fork && cfg.no_domain_init && cfg.verbose);
	ck_assert_uint_eq(cfg.quota.hard[Q_NODES], 7);
}
END_TEST

START_TEST(unknown_options_ignored)
{
	ck_assert_int_eq(PARSE("-X", "-N"), 0);
	ck_assert(cfg.no_fork);
	ck_assert(err_has("-X"));
	ck_assert_int_eq(PARSE("--bogus", "--no-fork"), 0);
	ck_assert(cfg.no_fork);
	ck_assert(err_has("--bogus"));
	ck_assert_int_eq(PARSE("--bogus=3"), 0);
	ck_assert(err_has("--bogus"));
	check_defaults(&cfg);
}
END_TEST

START_TEST(arguments_rejected)
{
	ck_assert_int_eq(PARSE("foo"), -EINVAL);
	ck_assert(err_has("foo"));
	ck_assert_int_eq(PARSE("-N", "foo"), -EINVAL);
	ck_assert(err_has("foo"));
	ck_assert_int_eq(PARSE("foo", "-N"), -EINVAL);
	ck_assert_int_eq(PARSE("-N", "--", "-D"), -EINVAL);
	ck_assert(err_has("-D"));
	ck_assert_int_eq(PARSE("-"), -EINVAL);
}
END_TEST

START_TEST(help)
{
	ck_assert_int_eq(PARSE("--help"), 1);
	ck_assert_uint_gt(outlen, 0);
	ck_assert_ptr_nonnull(strstr(outbuf, "Usage"));
	ck_assert_uint_eq(errlen, 0);
	ck_assert_int_eq(PARSE("-N", "-H"), 1);
	ck_assert_ptr_nonnull(strstr(outbuf, "--socket"));
}
END_TEST

/* config_parse may be called again (getopt's state is reset each time). */
START_TEST(parse_twice)
{
	ck_assert_int_eq(PARSE("-HN"), 1);
	ck_assert_int_eq(parse_v((const char *const[]){ NULL }), 0);
	check_defaults(&cfg);
	ck_assert_int_eq(PARSE("-N", "-E", "abc", "-D"), -EINVAL);
	ck_assert_int_eq(PARSE("-D"), 0);
	ck_assert(!cfg.no_fork);
	ck_assert(cfg.no_domain_init);
}
END_TEST

/* ---- socket path ------------------------------------------------------ */

static const struct sock_case {
	const char *env_path, *env_rundir, *opt;
	const char *socket, *rundir;
} sock_cases[] = {
	{ NULL, NULL, NULL, "/var/run/xenstored/socket",
	    "/var/run/xenstored" },
	{ "/tmp/p/sock", NULL, NULL, "/tmp/p/sock", "/tmp/p" },
	{ NULL, "/tmp/r", NULL, "/tmp/r/socket", "/tmp/r" },
	{ "/tmp/p/sock", "/tmp/r", NULL, "/tmp/p/sock", "/tmp/p" },
	{ "", "", NULL, "/var/run/xenstored/socket", "/var/run/xenstored" },
	{ "", "/tmp/r", NULL, "/tmp/r/socket", "/tmp/r" },
	{ "/tmp/p/sock", "/tmp/r", "/tmp/o/s", "/tmp/o/s", "/tmp/o" },
	{ NULL, NULL, "/tmp/o/s", "/tmp/o/s", "/tmp/o" },
	{ NULL, NULL, "sock", "sock", "." },
	{ NULL, NULL, "/sock", "/sock", "/" },
	{ NULL, NULL, "a/b/c", "a/b/c", "a/b" },
	{ "sock", NULL, NULL, "sock", "." },
};

START_TEST(socket_table)
{
	const struct sock_case *sc = &sock_cases[_i];

	if (sc->env_path != NULL)
		ck_assert_int_eq(setenv("XENSTORED_PATH", sc->env_path, 1), 0);
	if (sc->env_rundir != NULL)
		ck_assert_int_eq(setenv("XENSTORED_RUNDIR", sc->env_rundir, 1),
		    0);
	if (sc->opt != NULL)
		ck_assert_int_eq(PARSE("--socket", sc->opt), 0);
	else
		ck_assert_int_eq(parse_v((const char *const[]){ NULL }), 0);
	ck_assert_str_eq(cfg.socket_path, sc->socket);
	ck_assert_str_eq(cfg.rundir, sc->rundir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, no_options);
	tcase_add_loop_test(tc, option_table, 0, NELEM(opt_cases));
	tcase_add_test(tc, options_together);
	tcase_add_test(tc, unknown_options_ignored);
	tcase_add_test(tc, arguments_rejected);
	tcase_add_test(tc, help);
	tcase_add_test(tc, parse_twice);
	tcase_add_loop_test(tc, socket_table, 0, NELEM(sock_cases));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
