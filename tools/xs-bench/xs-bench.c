/*
 * xs-bench.c: a load generator for xenstore daemons, in the spirit of
 * redis-benchmark.  Options, idle connections, key set-up, --tree
 * population, the report and the exit status; the measurements are done
 * by engine.c (raw protocol) and libxs.c (--libxenstore).  Usage in
 * docs/xs-bench.md and `xs-bench --help`.
 *
 * Exit status: 0 all fine; 1 some requests got unexpected error replies;
 * 2 usage error, connection failure or protocol error (the run stops).
 * Timings never change the exit status.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"

#define DEFAULT_CLIENTS 16
#define DEFAULT_REQUESTS 100000
#define DEFAULT_SIZE 16
#define DEFAULT_TESTS "read,write"
#define SETUP_CONNS 4
#define SETUP_PIPELINE 32
#define IDLE_BATCH 256

static struct {
	bool csv, quiet, libxs, cleanup, rings;
	uint64_t requests, idle, tree, pid;
	const char *simdir;
	bool ops[OP_COUNT];
	unsigned nops;
	enum xsb_op order[OP_COUNT];
	bool any_errors, failed;
} opt;

static struct xsb_config cfg;

static const char usage_text[] =
"usage: xs-bench [options]\n"
"  -s, --socket PATH    daemon socket (default $XENSTORED_PATH, else\n"
"                       $XENSTORED_RUNDIR/socket, else\n"
"                       /var/run/xenstored/socket)\n"
"  -c, --clients N      connections (default 16)\n"
"  -n, --requests N     operations per test (default 100000)\n"
"  -t, --tests LIST     comma-separated: read, write, directory, get-perms,\n"
"                       mkdir-rm, transaction, watch-event, all (these\n"
"                       seven); txn-blind, txn-create, txn-shared-read,\n"
"                       txn-sleep (default read,write)\n"
"  -d, --size BYTES     value size (default 16)\n"
"  -P, --pipeline N     requests sent back to back per connection before\n"
"                       reading the replies (default 1)\n"
"      --idle N         extra idle connections held open during the run\n"
"      --tree N         first write N nodes at depth 6 (timed: populate)\n"
"      --keys K         distinct keys each client spreads its ops over\n"
"                       (default 1)\n"
"      --shared         all clients use the same K keys\n"
"      --watchers W     watch-event: watching connections (default -c)\n"
"      --retries N      transactions: retries after EAGAIN (default 200)\n"
"      --txn-sleep MS   txn-sleep: pause between the two writes (default\n"
"                       10)\n"
"      --threads N      worker threads for the raw engine (default: one\n"
"                       less than the CPUs, at least 1, at most -c)\n"
"      --libxenstore    go through libxenstore: one thread and xs_handle\n"
"                       per client, no pipelining (not watch-event)\n"
"      --rings          clients are simulated guests over rings and event\n"
"                       channels (the daemon runs under xensim); set-up\n"
"                       still goes over the socket\n"
"      --sim DIR        --rings: the simulation (default $XENSIM_DIR, else\n"
"                       the socket's directory)\n"
"      --prefix PATH    where the benchmark's nodes live (default\n"
"                       /xs-bench; removed before and after the run)\n"
"      --no-cleanup     leave the nodes in place at the end\n"
"      --timeout MS     fail when nothing moves for MS ms (default 30000)\n"
"      --pid PID        also report the CPU time process PID (the daemon)\n"
"                       used per operation (from /proc; with --csv as an\n"
"                       extra last column, daemon_cpu_us)\n"
"      --csv            op,clients,pipeline,idle,requests,rps,p50_us,p99_us,\n"
"                       p999_us,max_us,errors,eagain,giveups,max_retries\n"
"                       lines\n"
"  -q, --quiet          one line per test\n"
"  -h, --help           this text\n";

static void
usage_fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "xs-bench: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	exit(2);
}

static uint64_t
parse_num(const char *s, const char *what, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end != '\0' || s[0] == '-' || v < min ||
	    v > max) {
		fprintf(stderr, "xs-bench: %s: bad value \"%s\" (%" PRIu64
		    "..%" PRIu64 ")\n", what, s, min, max);
		exit(2);
	}
	return v;
}

static void
parse_tests(const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	enum xsb_op o;

	if (copy == NULL)
		exit(2);
	memset(opt.ops, 0, sizeof(opt.ops));
	opt.nops = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		bool all = strcmp(tok, "all") == 0, found = all;

		for (o = OP_READ; o <= OP_USER_LAST; o++) {
			if (all ? o > OP_ALL_LAST :
			    strcmp(tok, xsb_op_names[o]) != 0)
				continue;
			found = true;
			if (!opt.ops[o]) {
				opt.ops[o] = true;
				opt.order[opt.nops++] = o;
			}
		}
		if (!found)
			usage_fail("unknown test \"%s\"", tok);
	}
	free(copy);
	if (opt.nops == 0)
		usage_fail("no test in \"%s\"", list);
}

static const char *
default_socket(void)
{
	static char buf[PATH_MAX];
	const char *s = getenv("XENSTORED_PATH");

	if (s != NULL && s[0] != '\0')
		return s;
	s = getenv("XENSTORED_RUNDIR");
	if (s != NULL && s[0] != '\0') {
		snprintf(buf, sizeof(buf), "%s/socket", s);
		return buf;
	}
	return "/var/run/xenstored/socket";
}

static unsigned
default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 1 ? (unsigned)(n - 1) : 1;
}

enum {
	O_IDLE = 256, O_TREE, O_KEYS, O_SHARED, O_WATCHERS, O_RETRIES,
	O_THREADS, O_LIBXS, O_RINGS, O_PREFIX, O_NOCLEAN, O_TIMEOUT, O_CSV,
	O_PID, O_SIM, O_TXN_SLEEP,
};

static void
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "clients", required_argument, NULL, 'c' },
		{ "requests", required_argument, NULL, 'n' },
		{ "tests", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 'd' },
		{ "pipeline", required_argument, NULL, 'P' },
		{ "idle", required_argument, NULL, O_IDLE },
		{ "tree", required_argument, NULL, O_TREE },
		{ "keys", required_argument, NULL, O_KEYS },
		{ "shared", no_argument, NULL, O_SHARED },
		{ "watchers", required_argument, NULL, O_WATCHERS },
		{ "retries", required_argument, NULL, O_RETRIES },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "libxenstore", no_argument, NULL, O_LIBXS },
		{ "rings", no_argument, NULL, O_RINGS },
		{ "sim", required_argument, NULL, O_SIM },
		{ "txn-sleep", required_argument, NULL, O_TXN_SLEEP },
		{ "prefix", required_argument, NULL, O_PREFIX },
		{ "no-cleanup", no_argument, NULL, O_NOCLEAN },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "csv", no_argument, NULL, O_CSV },
		{ "pid", required_argument, NULL, O_PID },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char value[XENSTORE_PAYLOAD_MAX];
	unsigned threads = 0;
	size_t i;
	int c;

	cfg.socket = default_socket();
	cfg.prefix = "/xs-bench";
	cfg.clients = DEFAULT_CLIENTS;
	cfg.pipeline = 1;
	cfg.retries = 200;
	cfg.keys = 1;
	cfg.value_size = DEFAULT_SIZE;
	cfg.stall_ms = 30000;
	cfg.txn_sleep_ns = 10 * 1000000u;
	opt.requests = DEFAULT_REQUESTS;
	opt.cleanup = true;
	parse_tests(DEFAULT_TESTS);
	while ((c = getopt_long(argc, argv, "s:c:n:t:d:P:qh", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 's':
			cfg.socket = optarg;
			break;
		case 'c':
			cfg.clients = (unsigned)parse_num(optarg, "-c", 1,
			    1000000);
			break;
		case 'n':
			opt.requests = parse_num(optarg, "-n", 1,
			    UINT64_MAX / 2);
			break;
		case 't':
			parse_tests(optarg);
			break;
		case 'd':
			cfg.value_size = parse_num(optarg, "-d", 0,
			    XENSTORE_PAYLOAD_MAX - XSB_PATH_MAX - 1);
			break;
		case 'P':
			cfg.pipeline = (unsigned)parse_num(optarg, "-P", 1,
			    4096);
			break;
		case O_IDLE:
			opt.idle = parse_num(optarg, "--idle", 0, 10000000);
			break;
		case O_TREE:
			opt.tree = parse_num(optarg, "--tree", 0,
			    UINT64_MAX / 2);
			break;
		case O_KEYS:
			cfg.keys = parse_num(optarg, "--keys", 1,
			    UINT64_MAX / 2);
			break;
		case O_SHARED:
			cfg.shared = true;
			break;
		case O_WATCHERS:
			cfg.watchers = (unsigned)parse_num(optarg,
			    "--watchers", 1, 1000000);
			break;
		case O_RETRIES:
			cfg.retries = (unsigned)parse_num(optarg, "--retries",
			    0, 1000000);
			break;
		case O_THREADS:
			threads = (unsigned)parse_num(optarg, "--threads", 1,
			    4096);
			break;
		case O_LIBXS:
			opt.libxs = true;
			break;
		case O_RINGS:
			opt.rings = true;
			break;
		case O_SIM:
			opt.simdir = optarg;
			break;
		case O_TXN_SLEEP:
			cfg.txn_sleep_ns = parse_num(optarg, "--txn-sleep", 0,
			    3600000) * 1000000u;
			break;
		case O_PREFIX:
			cfg.prefix = optarg;
			break;
		case O_NOCLEAN:
			opt.cleanup = false;
			break;
		case O_TIMEOUT:
			cfg.stall_ms = (int)parse_num(optarg, "--timeout", 1,
			    INT_MAX);
			break;
		case O_CSV:
			opt.csv = true;
			break;
		case O_PID:
			opt.pid = parse_num(optarg, "--pid", 1, INT_MAX);
			break;
		case 'q':
			opt.quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fputs(usage_text, stderr);
			exit(2);
		}
	}
	if (optind < argc)
		usage_fail("unexpected argument \"%s\"", argv[optind]);
	if (cfg.prefix[0] != '/' || strlen(cfg.prefix) < 2 ||
	    strlen(cfg.prefix) > XSB_PREFIX_MAX ||
	    cfg.prefix[strlen(cfg.prefix) - 1] == '/')
		usage_fail("--prefix \"%s\": want an absolute path, not /, "
		    "no trailing /, at most 128 bytes", cfg.prefix);
	if (opt.libxs && cfg.pipeline > 1)
		usage_fail("%s", "--libxenstore cannot pipeline (-P 1)");
	if (opt.libxs && opt.rings)
		usage_fail("%s", "--libxenstore talks over the socket, not "
		    "--rings");
	for (i = OP_WATCH_EVENT; opt.libxs && i <= OP_USER_LAST; i++)
		if (opt.ops[i])
			usage_fail("--libxenstore does not do %s",
			    xsb_op_names[i]);
	if (cfg.watchers == 0)
		cfg.watchers = cfg.clients;
	if (threads == 0)
		threads = default_threads();
	cfg.threads = threads;
	for (i = 0; i < cfg.value_size; i++)
		value[i] = (char)('a' + i % 26);
	cfg.value = value;
}

/* ---- set-up and clean-up over a control connection ----------------- */

static struct xsb_link *ctl;
/* The daemon's socket: the control connection, set-up and --tree always
 * go through it (dom0, no quota), whatever the clients use. */
static struct xsb_transport *sock_tr;

/* A request of path and an optional second argument over the control
 * connection. */
static int
ctl_request(uint32_t type, const char *path, const char *arg, int timeout_ms)
{
	char buf[XSB_HDR + 2 * XSB_PATH_MAX + 2];
	char body[XENSTORE_PAYLOAD_MAX + 1];
	static uint32_t req_id = 1;
	struct xsd_sockmsg h;
	size_t len;
	int rc;

	len = xsb_put(buf, type, req_id, 0, path, strlen(path) + 1, arg,
	    arg != NULL ? strlen(arg) + 1 : 0);
	if ((rc = xsb_send_all(sock_tr, ctl, buf, len, timeout_ms)) < 0 ||
	    (rc = xsb_recv_msg(sock_tr, ctl, &h, body, timeout_ms)) < 0) {
		fprintf(stderr, "xs-bench: %s %s: %s\n", xsb_type_name(type),
		    path, strerror(-rc));
		return -1;
	}
	if (h.req_id != req_id++ || (h.type != type && h.type != XS_ERROR)) {
		fprintf(stderr, "xs-bench: %s %s: protocol error (reply %s "
		    "req_id %u)\n", xsb_type_name(type), path,
		    xsb_type_name(h.type), h.req_id);
		return -1;
	}
	if (h.type == XS_ERROR) {
		fprintf(stderr, "xs-bench: %s %s: %s\n", xsb_type_name(type),
		    path, body);
		return -1;
	}
	return 0;
}

/* WRITE path value over the control connection. */
static int
ctl_write(const char *path, const char *value, size_t len, int timeout_ms)
{
	char buf[XSB_HDR + XSB_PATH_MAX + XENSTORE_PAYLOAD_MAX];
	char body[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h;
	size_t n;
	int rc;

	n = xsb_put(buf, XS_WRITE, 0x7fffffff, 0, path, strlen(path) + 1,
	    value, len);
	if ((rc = xsb_send_all(sock_tr, ctl, buf, n, timeout_ms)) < 0 ||
	    (rc = xsb_recv_msg(sock_tr, ctl, &h, body, timeout_ms)) < 0 ||
	    h.type != XS_WRITE) {
		fprintf(stderr, "xs-bench: WRITE %s: %s\n", path, rc < 0 ?
		    strerror(-rc) : body);
		return -1;
	}
	return 0;
}

/* Open the idle connections, each answering one READ of / so that the
 * daemon has surely accepted it (or, for a guest, introduced it). */
static struct xsb_link **
open_idle(uint64_t n)
{
	struct xsb_link **l = calloc(n ? n : 1, sizeof(*l));
	char buf[XSB_HDR + 2], body[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h;
	uint64_t i, j, b;
	size_t len;
	int rc;

	if (l == NULL)
		return NULL;
	len = xsb_put(buf, XS_READ, 7, 0, "/", 2, NULL, 0);
	for (i = 0; i < n; i += b) {
		b = n - i < IDLE_BATCH ? n - i : IDLE_BATCH;
		for (j = i; j < i + b; j++) {
			if ((rc = cfg.tr->open(cfg.tr, &l[j])) < 0 ||
			    (rc = xsb_send_all(cfg.tr, l[j], buf, len,
			    cfg.stall_ms)) < 0)
				goto fail;
		}
		for (j = i; j < i + b; j++) {
			if ((rc = xsb_recv_msg(cfg.tr, l[j], &h, body,
			    cfg.stall_ms)) < 0)
				goto fail;
			/* Any answer will do (a guest may not read /). */
			if ((h.type != XS_READ && h.type != XS_ERROR) ||
			    h.req_id != 7) {
				rc = -EPROTO;
				goto fail;
			}
		}
	}
	return l;
fail:
	fprintf(stderr, "xs-bench: idle connection %" PRIu64 ": %s\n", j,
	    strerror(-rc));
	for (j = 0; j < n; j++)
		if (l[j] != NULL)
			cfg.tr->close(l[j]);
	free(l);
	return NULL;
}

static void
close_idle(struct xsb_link **l, uint64_t n)
{
	uint64_t i;

	for (i = 0; l != NULL && i < n; i++)
		cfg.tr->close(l[i]);
	free(l);
}

static void
raise_fd_limit(uint64_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && need > rl.rlim_cur) {
		fprintf(stderr, "xs-bench: %" PRIu64 " descriptors needed, "
		    "the limit is %llu (ulimit -n)\n", need,
		    (unsigned long long)rl.rlim_cur);
		exit(2);
	}
}

/* CPU time of every thread of process pid, in ns (schedstat's first
 * field); -1 if unavailable. */
static int64_t
daemon_cpu_ns(uint64_t pid)
{
	char path[64], file[64 + 256 + 16];
	unsigned long long ns;
	struct dirent *de;
	int64_t sum = 0;
	FILE *f;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%" PRIu64 "/task", pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/schedstat", path,
		    de->d_name);
		if ((f = fopen(file, "r")) == NULL)
			continue;	/* the thread just exited */
		if (fscanf(f, "%llu", &ns) == 1)
			sum += (int64_t)ns;
		fclose(f);
	}
	closedir(d);
	return sum;
}

/* ---- report -------------------------------------------------------- */

static double
us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

/* Three significant digits, at least the integer part. */
static const char *
fmt_us(char *buf, size_t len, uint64_t ns)
{
	double v = us(ns);

	if (v < 10)
		snprintf(buf, len, "%.2f", v);
	else if (v < 100)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

static const char *
op_label(enum xsb_op op)
{
	static char buf[32];

	if (!opt.libxs || op == OP_POPULATE)
		return xsb_op_names[op];
	snprintf(buf, sizeof(buf), "libxs-%s", xsb_op_names[op]);
	return buf;
}

/* Daemon CPU microseconds per operation (-1: unknown). */
static double
cpu_per_op(const struct xsb_result *r)
{
	if (r->daemon_cpu_ns < 0 || r->ops == 0)
		return -1;
	return (double)r->daemon_cpu_ns / 1000.0 / (double)r->ops;
}

static void
report(const struct xsb_result *r)
{
	uint64_t errs = 0;
	double rps = r->seconds > 0 ? (double)r->ops / r->seconds : 0.0;
	char a[32], b[32], c[32], d[32], e[32], f[32];
	const char *unit = r->op == OP_WATCH_EVENT ? "events" :
	    r->op == OP_POPULATE ? "nodes" : "requests";
	unsigned i;

	for (i = 0; i < XSB_NERR; i++)
		errs += r->errors[i];
	if (errs)
		opt.any_errors = true;
	if (opt.csv) {
		printf("%s,%u,%u,%" PRIu64 ",%" PRIu64 ",%.1f,%.3f,%.3f,%.3f,"
		    "%.3f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
		    op_label(r->op),
		    r->clients, r->pipeline, opt.idle, r->ops, rps,
		    us(hist_percentile(r->hist, 50)),
		    us(hist_percentile(r->hist, 99)),
		    us(hist_percentile(r->hist, 99.9)), us(r->hist->max),
		    errs, r->eagain, r->giveups, r->max_retries);
		if (opt.pid)
			printf(",%.3f", cpu_per_op(r));
		printf("\n");
	} else if (opt.quiet) {
		printf("%s: %.1f %s/s, p50 %s us, p99 %s us, p99.9 %s us, "
		    "max %s us, errors %" PRIu64, op_label(r->op), rps,
		    unit,
		    fmt_us(a, sizeof(a), hist_percentile(r->hist, 50)),
		    fmt_us(b, sizeof(b), hist_percentile(r->hist, 99)),
		    fmt_us(c, sizeof(c), hist_percentile(r->hist, 99.9)),
		    fmt_us(d, sizeof(d), r->hist->max), errs);
		if (xsb_op_is_txn(r->op) || r->eagain)
			printf(", eagain %" PRIu64 ", give-ups %" PRIu64
			    ", max retries %" PRIu64, r->eagain, r->giveups,
			    r->max_retries);
		if (opt.pid)
			printf(", daemon CPU %.2f us/op", cpu_per_op(r));
		printf("%s\n", r->failed ? " (FAILED)" : "");
	} else {
		printf("====== %s ======\n", op_label(r->op));
		if (r->op == OP_WATCH_EVENT)
			printf("  %" PRIu64 " writes by 1 client, %" PRIu64
			    " events to %u watchers in %.3f s\n", r->writes,
			    r->ops, r->clients, r->seconds);
		else
			printf("  %" PRIu64 " %s in %.3f s\n", r->ops,
			    r->op == OP_POPULATE ? "nodes at depth 6" :
			    "requests", r->seconds);
		printf("  %u %s, pipeline %u, %" PRIu64 " idle connections, "
		    "value %zu bytes, %" PRIu64 " key%s%s\n", r->clients,
		    r->op == OP_WATCH_EVENT ? "watchers" : "clients",
		    r->pipeline, opt.idle, cfg.value_size, cfg.keys,
		    cfg.keys == 1 ? "" : "s",
		    cfg.shared ? " shared by all" : " per client");
		printf("  throughput    %.1f %s/s\n", rps, unit);
		printf("  latency (us)  p50 %s  p99 %s  p99.9 %s  max %s  "
		    "(min %s, mean %s)\n",
		    fmt_us(a, sizeof(a), hist_percentile(r->hist, 50)),
		    fmt_us(b, sizeof(b), hist_percentile(r->hist, 99)),
		    fmt_us(c, sizeof(c), hist_percentile(r->hist, 99.9)),
		    fmt_us(d, sizeof(d), r->hist->max),
		    fmt_us(e, sizeof(e), r->hist->total ? r->hist->min : 0),
		    fmt_us(f, sizeof(f), (uint64_t)hist_mean(r->hist)));
		printf("  errors        ");
		if (errs == 0)
			printf("none");
		for (i = 0; i < XSB_NERR; i++)
			if (r->errors[i])
				printf("%s %" PRIu64 "  ", xsb_err_names[i],
				    r->errors[i]);
		printf("\n");
		if (xsb_op_is_txn(r->op) || r->eagain)
			printf("  eagain        %" PRIu64 " retries, %" PRIu64
			    " give-ups, at most %" PRIu64 " retries for one "
			    "transaction\n", r->eagain, r->giveups,
			    r->max_retries);
		if (opt.pid && r->daemon_cpu_ns >= 0)
			printf("  daemon CPU    %.2f us per %s, %.0f%% of a CPU\n",
			    cpu_per_op(r), r->op == OP_WATCH_EVENT ? "event" :
			    r->op == OP_POPULATE ? "node" : "request",
			    r->seconds > 0 ? (double)r->daemon_cpu_ns / 1e7 /
			    r->seconds : 0.0);
		if (r->failed)
			printf("  FAILED        %s\n", r->why);
		printf("\n");
	}
	fflush(stdout);
}

/* ---- main ---------------------------------------------------------- */

static int
run_one(enum xsb_op op, uint64_t n, unsigned clients, unsigned pipeline,
    bool libxs, bool show)
{
	struct xsb_config sock_cfg;
	struct xsb_result r;
	int64_t cpu0, cpu1;
	int rc;

	memset(&r, 0, sizeof(r));
	if ((r.hist = hist_new()) == NULL) {
		fprintf(stderr, "xs-bench: out of memory\n");
		exit(2);
	}
	/* Set-up writes go over the socket as dom0: no quota, and the
	 * nodes are dom0's whatever the clients are. */
	sock_cfg = cfg;
	sock_cfg.tr = sock_tr;
	cpu0 = opt.pid ? daemon_cpu_ns(opt.pid) : -1;
	if (libxs)
		rc = xsb_run_libxs(&cfg, op, n, &r);
	else
		rc = xsb_run_raw(op == OP_SETUP || op == OP_POPULATE ?
		    &sock_cfg : &cfg, op, n, clients, pipeline, &r);
	cpu1 = cpu0 >= 0 ? daemon_cpu_ns(opt.pid) : -1;
	r.daemon_cpu_ns = cpu0 >= 0 && cpu1 >= cpu0 ? cpu1 - cpu0 : -1;
	if (show || r.failed)
		report(&r);
	if (r.failed) {
		fprintf(stderr, "xs-bench: %s: %s\n", xsb_op_names[op], r.why);
		opt.failed = true;
	} else if (!show) {
		for (unsigned i = 0; i < XSB_NERR; i++)
			if (r.errors[i]) {
				fprintf(stderr, "xs-bench: %s: %s replies\n",
				    xsb_op_names[op], xsb_err_names[i]);
				opt.failed = true;
				rc = -1;
			}
	}
	hist_free(r.hist);
	return rc;
}

/* Nodes some tests need besides the keys, made over the control
 * connection before the clock starts. */
static int
prepare(void)
{
	char path[XSB_PATH_MAX];
	uint64_t k;

	/* Guests may only touch what they are granted: everyone may read
	 * and write below the prefix, as its children inherit "b0". */
	if (opt.rings && (ctl_request(XS_MKDIR, cfg.prefix, NULL,
	    cfg.stall_ms) < 0 || ctl_request(XS_SET_PERMS, cfg.prefix, "b0",
	    cfg.stall_ms) < 0))
		return -1;
	/* The nodes the watch-event writer writes exist beforehand: a
	 * write then only changes a node (a guest creating them would also
	 * run into its quota of nodes). */
	if (opt.ops[OP_WATCH_EVENT]) {
		xsb_watch_root(&cfg, path);
		if (ctl_request(XS_MKDIR, path, NULL, cfg.stall_ms) < 0)
			return -1;
		for (k = 0; k < cfg.keys; k++) {
			xsb_watch_path(&cfg, path, k);
			if (ctl_write(path, cfg.value, cfg.value_size,
			    cfg.stall_ms) < 0)
				return -1;
		}
	}
	if (opt.ops[OP_TXN_CREATE]) {
		xsb_create_root(&cfg, path);
		if (ctl_request(XS_MKDIR, path, NULL, cfg.stall_ms) < 0)
			return -1;
	}
	if (opt.ops[OP_TXN_SHARED_READ]) {
		xsb_hot_path(&cfg, path);
		if (ctl_write(path, cfg.value, cfg.value_size,
		    cfg.stall_ms) < 0)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct xsb_transport *ring_tr = NULL;
	struct xsb_link **idle = NULL;
	unsigned setup_conns, i, maxconns;
	int rc;

	parse_args(argc, argv);
	if ((rc = xsb_unix_transport(cfg.socket, &sock_tr)) < 0) {
		fprintf(stderr, "xs-bench: %s: %s\n", cfg.socket,
		    strerror(-rc));
		return 2;
	}
	cfg.tr = sock_tr;
	if (opt.libxs && setenv("XENSTORED_PATH", cfg.socket, 1) < 0)
		return 2;
	maxconns = cfg.clients;
	if (opt.ops[OP_WATCH_EVENT] && cfg.watchers + 1 > maxconns)
		maxconns = cfg.watchers + 1;
	raise_fd_limit(opt.idle + maxconns + 64);
	if ((rc = sock_tr->open(sock_tr, &ctl)) < 0) {
		fprintf(stderr, "xs-bench: connect to %s: %s\n", cfg.socket,
		    strerror(-rc));
		return 2;
	}
	if (opt.rings) {
		if (xsb_ring_transport(opt.simdir, cfg.socket, sock_tr,
		    &ring_tr) < 0)
			return 2;
		cfg.tr = ring_tr;
	}
	if (!opt.csv && !opt.quiet) {
		unsigned nt = opt.libxs ? cfg.clients : cfg.threads < maxconns ?
		    cfg.threads : maxconns;

		printf("xs-bench: %s, %s, %u client%s, %u thread%s, "
		    "%" PRIu64 " idle\n\n", cfg.socket,
		    opt.libxs ? "libxenstore" : opt.rings ?
		    "raw protocol over guests' rings" : "raw protocol",
		    cfg.clients, cfg.clients == 1 ? "" : "s", nt,
		    nt == 1 ? "" : "s", opt.idle);
	}
	if (opt.csv)
		printf("op,clients,pipeline,idle,requests,rps,p50_us,p99_us,"
		    "p999_us,max_us,errors,eagain,giveups,max_retries%s\n",
		    opt.pid ? ",daemon_cpu_us" : "");
	if (opt.pid && daemon_cpu_ns(opt.pid) < 0) {
		fprintf(stderr, "xs-bench: --pid %" PRIu64 ": no such "
		    "process\n", opt.pid);
		return 2;
	}
	/* Leftovers of an interrupted run. */
	if (ctl_request(XS_RM, cfg.prefix, NULL, 600000) < 0)
		return 2;
	if (prepare() < 0) {
		opt.failed = true;
		goto out;
	}
	if (opt.idle > 0 && (idle = open_idle(opt.idle)) == NULL) {
		opt.failed = true;
		goto out;
	}
	setup_conns = cfg.clients < SETUP_CONNS ? cfg.clients : SETUP_CONNS;
	if (opt.tree > 0 && run_one(OP_POPULATE, opt.tree, setup_conns,
	    SETUP_PIPELINE, false, true) < 0)
		goto out;
	if (run_one(OP_SETUP, cfg.shared ? cfg.keys : cfg.keys * cfg.clients,
	    setup_conns, SETUP_PIPELINE, false, false) < 0)
		goto out;
	for (i = 0; i < opt.nops; i++)
		if (run_one(opt.order[i], opt.requests, cfg.clients,
		    cfg.pipeline, opt.libxs, true) < 0 && opt.failed)
			break;
out:
	close_idle(idle, opt.idle);
	if (opt.cleanup && ctl_request(XS_RM, cfg.prefix, NULL, 600000) < 0)
		opt.failed = true;
	xsb_ring_transport_free(ring_tr);
	sock_tr->close(ctl);
	xsb_transport_free(sock_tr);
	return opt.failed ? 2 : opt.any_errors ? 1 : 0;
}
