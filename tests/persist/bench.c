/*
 * bench.c: persistence costs (make bench: bench-persist).  Reports, never
 * fails on timing.  Medians of PT_BENCH_REPEAT runs (default 3).
 *
 *   restore N    start of a daemon on a state directory holding a
 *                snapshot of N nodes, until its socket answers
 *   snapshot N   `persist snapshot` of those N nodes: the snapshot thread's
 *                time (walk, encode, write, fsync, rename), as the daemon
 *                reports it, and the snapshot's size
 *   writes       socket clients writing (one request in flight each) for
 *                PT_BENCH_SECONDS, with --fsync none, batch, always, and
 *                with --no-state
 *
 * usage: bench [--csv]   PT_BENCH_NODES="100000 1000000" sets the sizes.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "pt.h"
#include "stream.h"

#define CLIENTS 8
#define START_MS 600000

static bool csv;

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
report(const char *what, const char *unit, double *v, int n)
{
	double m = median(v, n);

	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	if (csv)
		printf("%s,%s,%.6g,%.6g,%.6g\n", what, unit, m, v[0],
		    v[n - 1]);
	else
		printf("%-34s %12.4g %-8s (min %.4g, max %.4g, %d runs)\n",
		    what, m, unit, v[0], v[n - 1], n);
	fflush(stdout);
}

/* A snapshot of generation 1: the initial nodes and n more. */
static size_t
make_snapshot(const char *state, unsigned long n)
{
	static const struct trie_perm p0 = { 0, 0, 0 };
	struct sbuf b;
	char path[PT_PATH + 96], val[32];
	unsigned long i, per = 1000, dirs = (n + per - 1) / per;
	size_t r, len;

	sbuf_init(&b);
	stream_preamble(&b, STREAM_VERSION);
	r = stream_begin(&b, REC_PX_META);
	stream_u64(&b, 1);
	stream_end(&b, r);
	stream_node(&b, "/", 1, "", 0, &p0, 1);
	stream_node(&b, "/tool", 5, "", 0, &p0, 1);
	stream_node(&b, "/tool/xenstored", 15, "", 0, &p0, 1);
	stream_node(&b, "/b", 2, "", 0, &p0, 1);
	for (i = 0; i < n; i++) {
		int l;

		if (i % per == 0) {
			l = snprintf(path, sizeof(path), "/b/d%lu", i / per);
			stream_node(&b, path, (size_t)l, "", 0, &p0, 1);
		}
		l = snprintf(path, sizeof(path), "/b/d%lu/node%lu", i / per,
		    i % per);
		r = (size_t)snprintf(val, sizeof(val), "value-%lu", i);
		stream_node(&b, path, (size_t)l, val, r, &p0, 1);
	}
	(void)dirs;
	stream_checksum(&b);
	stream_end(&b, stream_begin(&b, REC_END));
	PT_CHECK(b.err == 0, "out of memory");
	mkdir(state, 0700);
	snprintf(path, sizeof(path), "%s/snapshot", state);
	PT_CHECK(pt_spit(path, b.p, b.len) == 0, "write %s", path);
	len = b.len;
	sbuf_fini(&b);
	return len;
}

static double
status_field(struct pt_sock *s, const char *after, bool *running)
{
	char st[512];
	const char *p;

	PT_CHECK(pt_xs_control(s, "persist", 8, st, sizeof(st)) == 0,
	    "persist status");
	*running = strstr(st, "being written") != NULL;
	p = strstr(st, after);
	return p ? strtod(p + strlen(after), NULL) : -1;
}

static void
bench_size(const char *dir, unsigned long n, int repeat)
{
	char state[PT_PATH + 32], sim[PT_PATH + 32], what[64];
	const char *args[] = { "--fsync", "batch", NULL };
	double *rs = calloc((size_t)repeat, sizeof(double));
	double *ss = calloc((size_t)repeat, sizeof(double));
	double bytes = 0;
	int i;

	snprintf(sim, sizeof(sim), "%s/sim%lu", dir, n);
	snprintf(state, sizeof(state), "%s/state%lu", dir, n);
	mkdir(sim, 0700);
	for (i = 0; i < repeat; i++) {
		struct pt_daemon d;
		struct pt_sock s;
		uint64_t t0;
		double snaps0, last;
		bool running;
		int k;

		pt_rmtree(state);
		make_snapshot(state, n);
		pt_daemon_init(&d, sim, state);
		t0 = pt_now_ms();
		pt_daemon_start(&d, false, args, START_MS);
		rs[i] = (double)(pt_now_ms() - t0) / 1000.0;
		PT_CHECK(pt_sock_open(&s, d.sock, 5000) == 0, "connect");
		/* the start's snapshot, then one asked for */
		for (k = 0; k < 60000; k++) {
			status_field(&s, "batches, ", &running);
			if (!running)
				break;
			pt_sleep_ms(10);
		}
		snaps0 = status_field(&s, "batches, ", &running);
		PT_CHECK(pt_xs_control(&s, "persist\0snapshot", 17, NULL, 0)
		    == 0, "persist snapshot");
		for (k = 0; k < 60000; k++) {
			if (status_field(&s, "batches, ", &running) > snaps0 &&
			    !running)
				break;
			pt_sleep_ms(5);
		}
		last = status_field(&s, "bytes in ", &running);
		ss[i] = last;
		{
			char st[512];
			const char *p;

			pt_xs_control(&s, "persist", 8, st, sizeof(st));
			p = strstr(st, "(last ");
			if (p != NULL)
				bytes = strtod(p + 6, NULL);
		}
		pt_sock_close(&s);
		pt_daemon_stop(&d, START_MS);
	}
	snprintf(what, sizeof(what), "restore %lu nodes (start)", n);
	report(what, "s", rs, repeat);
	snprintf(what, sizeof(what), "snapshot %lu nodes", n);
	report(what, "s", ss, repeat);
	if (!csv)
		printf("%-34s %12.1f MiB\n", "  snapshot size", bytes / 1048576);
	free(rs);
	free(ss);
	pt_rmtree(state);
}

/* Writes per second by CLIENTS socket clients for `secs`. */
static double
write_rate(const char *sock, unsigned secs)
{
	struct pt_sock c[CLIENTS];
	struct pollfd pf[CLIENTS];
	uint64_t end, t0;
	unsigned long done = 0, seq = 0;
	int i;

	for (i = 0; i < CLIENTS; i++)
		PT_CHECK(pt_sock_open(&c[i], sock, 5000) == 0, "connect");
	t0 = pt_now_ms();
	end = t0 + secs * 1000ULL;
	/* one write in flight per client */
	for (i = 0; i < CLIENTS; i++) {
		uint8_t buf[128];
		char pl[64];
		int n = snprintf(pl, sizeof(pl), "/w/c%d/k%lu%cvalue %lu", i,
		    seq % 100, 0, seq);
		size_t l = pt_encode(buf, XS_WRITE, 1, 0, pl, (size_t)n);

		seq++;
		PT_CHECK(send(c[i].fd, buf, l, MSG_NOSIGNAL) == (ssize_t)l,
		    "send");
	}
	while (pt_now_ms() < end) {
		for (i = 0; i < CLIENTS; i++) {
			pf[i].fd = c[i].fd;
			pf[i].events = POLLIN;
			pf[i].revents = 0;
		}
		if (poll(pf, CLIENTS, 100) <= 0)
			continue;
		for (i = 0; i < CLIENTS; i++) {
			uint8_t in[4096];
			struct pt_msg m;
			ssize_t r;

			if (!(pf[i].revents & POLLIN))
				continue;
			r = recv(c[i].fd, in, sizeof(in), MSG_DONTWAIT);
			PT_CHECK(r > 0, "the daemon went away");
			PT_CHECK(pt_frame_put(&c[i].f, in, (size_t)r),
			    "overflow");
			while (pt_frame_get(&c[i].f, &m) == 1) {
				uint8_t buf[128];
				char pl[64];
				int n;
				size_t l;

				PT_CHECK(m.hdr.type == XS_WRITE, "write: %s",
				    m.body);
				done++;
				n = snprintf(pl, sizeof(pl), "/w/c%d/k%lu%c"
				    "value %lu", i, seq % 100, 0, seq);
				l = pt_encode(buf, XS_WRITE, 1, 0, pl,
				    (size_t)n);
				seq++;
				PT_CHECK(send(c[i].fd, buf, l, MSG_NOSIGNAL) ==
				    (ssize_t)l, "send");
			}
		}
	}
	t0 = pt_now_ms() - t0;
	for (i = 0; i < CLIENTS; i++)
		pt_sock_close(&c[i]);
	return (double)done * 1000.0 / (double)t0;
}

static void
bench_writes(const char *dir, int repeat, unsigned secs)
{
	static const char *const pol[] = { "none", "batch", "always", NULL };
	char sim[PT_PATH + 32], state[PT_PATH + 32], what[64];
	double *v = calloc((size_t)repeat, sizeof(double));
	int p, i;

	snprintf(sim, sizeof(sim), "%s/simw", dir);
	mkdir(sim, 0700);
	for (p = 0; p < 4; p++) {
		for (i = 0; i < repeat; i++) {
			const char *args[] = { "--fsync", pol[p] ? pol[p] :
				"none", NULL };
			struct pt_daemon d;

			snprintf(state, sizeof(state), "%s/statew", dir);
			pt_rmtree(state);
			pt_daemon_init(&d, sim, pol[p] ? state : "");
			pt_daemon_start(&d, false, pol[p] ? args : NULL,
			    START_MS);
			v[i] = write_rate(d.sock, secs);
			pt_daemon_stop(&d, START_MS);
		}
		snprintf(what, sizeof(what), "writes, %s", pol[p] ?
		    pol[p] : "no state directory");
		if (pol[p])
			snprintf(what, sizeof(what), "writes, --fsync %s",
			    pol[p]);
		report(what, "writes/s", v, repeat);
	}
	free(v);
	pt_rmtree(state);
}

int
main(int argc, char **argv)
{
	const char *e = getenv("PT_BENCH_REPEAT"), *sizes;
	int repeat = e ? atoi(e) : 3;
	unsigned secs;
	char dir[PT_PATH], buf[256], *tok, *save = NULL;
	struct utsname u;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double load[3] = { 0, 0, 0 };

	csv = argc > 1 && strcmp(argv[1], "--csv") == 0;
	pt_set_name("bench");
	e = getenv("PT_BENCH_SECONDS");
	secs = e ? (unsigned)atoi(e) : 3;
	sizes = getenv("PT_BENCH_NODES");
	snprintf(buf, sizeof(buf), "%s", sizes ? sizes : "100000 1000000");
	if (repeat < 1)
		repeat = 1;
	uname(&u);
	getloadavg(load, 3);
	if (csv)
		printf("what,unit,median,min,max\n");
	else
		printf("# %s %s %s, %ld CPUs, load %.1f; medians of %d\n",
		    u.sysname, u.release, u.machine, ncpu, load[0], repeat);
	pt_tmpdir(dir, sizeof(dir), "bench");
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save))
		bench_size(dir, strtoul(tok, NULL, 10), repeat);
	bench_writes(dir, repeat, secs);
	pt_rmtree(dir);
	return 0;
}
