/*
 * trie-bench.c: micro-benchmarks of libtrie (a program, not a test).
 *
 *   trie-bench [--csv] [--quick]
 *
 * Prints name,value lines with --csv.  Every figure is the median of
 * several repetitions measured in this one run.  Trees are uniform with
 * paths of depth 6; the fan-out per level is chosen for the node count.
 * Writes go through trie_write with a change log, as the daemon does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trie.h"

#define REPS 5

static bool csv;
static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

static void
report(const char *name, double value, const char *unit)
{
	if (csv)
		printf("%s,%.6g\n", name, value);
	else
		printf("%-40s %14.3f %s\n", name, value, unit);
	fflush(stdout);
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "trie-bench: %s: %s\n", what, strerror(-rc));
	exit(1);
}

struct tree {
	struct trie_ctx *cx;
	struct trie_node *root;
	unsigned fan;
	uint64_t nodes;
};

static void
leaf_path(char *buf, size_t size, unsigned fan, uint64_t i)
{
	unsigned d[6], k;

	for (k = 6; k-- > 0;) {
		d[k] = (unsigned)(i % fan);
		i /= fan;
	}
	snprintf(buf, size, "/l%u/m%u/n%u/o%u/p%u/q%u", d[0], d[1], d[2],
	    d[3], d[4], d[5]);
}

static void
set(struct trie_ctx *cx, struct trie_node **root, const char *path,
    const char *v, struct trie_log *log)
{
	struct trie_node *nr;
	int rc = trie_write(cx, *root, path, v, strlen(v), TRIE_INHERIT, log,
	    &nr);

	if (rc < 0)
		die("write", rc);
	trie_unref(cx, *root);
	*root = nr;
}

static void
tree_build(struct tree *t, unsigned fan)
{
	static const struct trie_perm p = { 0, 1, 0 };
	uint64_t leaves = 1, i;
	char path[128];
	int rc;
	unsigned k;

	for (k = 0; k < 6; k++)
		leaves *= fan;
	rc = trie_ctx_new(NULL, 0x5eed, &t->cx);
	if (rc == 0)
		rc = trie_new_root(t->cx, &p, 1, &t->root);
	if (rc < 0)
		die("root", rc);
	t->fan = fan;
	for (i = 0; i < leaves; i++) {
		leaf_path(path, sizeof(path), fan, i);
		set(t->cx, &t->root, path, "value", NULL);
	}
	t->nodes = trie_ctx_live_nodes(t->cx);
}

static void
tree_free(struct tree *t)
{
	trie_unref(t->cx, t->root);
	trie_ctx_free(&t->cx);
}

static uint64_t
leaves_of(const struct tree *t)
{
	uint64_t l = 1;
	unsigned k;

	for (k = 0; k < 6; k++)
		l *= t->fan;
	return l;
}

/* Random leaf writes per second (with a log, as the daemon). */
static double
bench_writes(struct tree *t, unsigned n)
{
	double r[REPS];
	char path[128];
	struct trie_log log;
	int rep;
	unsigned i;

	trie_log_init(&log, t->cx);
	for (rep = 0; rep < REPS; rep++) {
		double t0 = now();

		for (i = 0; i < n; i++) {
			leaf_path(path, sizeof(path), t->fan,
			    rnd() % leaves_of(t));
			set(t->cx, &t->root, path, (i & 1) ? "a" : "bb", &log);
			trie_log_clear(&log);
		}
		r[rep] = n / (now() - t0);
	}
	trie_log_fini(&log);
	return median(r, REPS);
}

static double
bench_reads(struct tree *t, unsigned n)
{
	double r[REPS];
	char path[128];
	int rep;
	unsigned i, found = 0;

	for (rep = 0; rep < REPS; rep++) {
		double t0 = now();

		for (i = 0; i < n; i++) {
			leaf_path(path, sizeof(path), t->fan,
			    rnd() % leaves_of(t));
			found += trie_get(t->cx, t->root, path) != NULL;
		}
		r[rep] = n / (now() - t0);
	}
	if (found != n * REPS)
		die("reads", -EIO);
	return median(r, REPS);
}

enum commit_case { CASE_SWAP, CASE_GRAFT, CASE_REPLAY };

/* Median microseconds of trie_txn_commit alone, for one case. */
static double
bench_commit(struct tree *t, enum commit_case c, unsigned n)
{
	double *r = calloc(n, sizeof(double));
	char mine[200], other[200], parent[200];
	struct trie_log log;
	unsigned i;
	double med;

	trie_log_init(&log, t->cx);
	for (i = 0; i < n; i++) {
		struct trie_txn *tx;
		struct trie_node *nr;
		const struct trie_node *node;
		enum trie_commit_how how;
		uint64_t a = rnd() % leaves_of(t), b = rnd() % leaves_of(t);
		size_t m;
		double t0;
		int rc;

		leaf_path(mine, sizeof(mine), t->fan, a);
		leaf_path(other, sizeof(other), t->fan, b);
		if (c == CASE_REPLAY) {
			/* both create a child of the same parent */
			snprintf(parent, sizeof(parent), "%s", mine);
			*strrchr(parent, '/') = '\0';
			snprintf(mine, sizeof(mine), "%.100s/new%u", parent, i);
			snprintf(other, sizeof(other), "%.100s/oth%u", parent, i);
		} else if (a / t->fan == b / t->fan) {
			continue;	/* want disjoint parents for a graft */
		}
		if ((rc = trie_txn_begin(t->cx, t->root, &tx)) < 0)
			die("begin", rc);
		rc = trie_txn_get_deepest(t->cx, tx, mine, TRIE_OBS_PERMS,
		    &node, &m);
		if (rc == 0)
			rc = trie_txn_write(t->cx, tx, mine, "t", 1,
			    TRIE_INHERIT);
		if (rc < 0)
			die("txn write", rc);
		if (c != CASE_SWAP) {	/* a concurrent commit elsewhere */
			char v[16];

			snprintf(v, sizeof(v), "o%u", i);
			set(t->cx, &t->root, other, v, NULL);
		}
		t0 = now();
		rc = trie_txn_commit(t->cx, tx, t->root, &log, &nr, &how);
		r[i] = (now() - t0) * 1e6;
		if (rc < 0)
			die("commit", rc);
		if ((c == CASE_SWAP && how != TRIE_COMMIT_SWAP) ||
		    (c == CASE_GRAFT && how != TRIE_COMMIT_GRAFT) ||
		    (c == CASE_REPLAY && how != TRIE_COMMIT_REPLAY))
			die("unexpected commit path", -EINVAL);
		trie_unref(t->cx, t->root);
		t->root = nr;
		trie_txn_free(t->cx, &tx);
		trie_log_clear(&log);
		if (c == CASE_REPLAY) {
			/* keep the tree size steady */
			struct trie_node *x;

			if (trie_rm(t->cx, t->root, mine, NULL, &x) == 0) {
				trie_unref(t->cx, t->root);
				t->root = x;
			}
			if (trie_rm(t->cx, t->root, other, NULL, &x) == 0) {
				trie_unref(t->cx, t->root);
				t->root = x;
			}
		}
	}
	trie_log_fini(&log);
	{
		/* skipped iterations left zeros: drop them */
		unsigned k = 0;

		for (i = 0; i < n; i++)
			if (r[i] > 0)
				r[k++] = r[i];
		med = median(r, (int)k);
	}
	free(r);
	return med;
}

/* Microseconds per write of a random child under a node with n kids. */
static double
bench_fanout(unsigned kids, unsigned n)
{
	static const struct trie_perm p = { 0, 1, 0 };
	struct trie_ctx *cx;
	struct trie_node *root;
	struct trie_log log;
	char path[64];
	double r[REPS];
	unsigned i;
	int rep;

	if (trie_ctx_new(NULL, 1, &cx) < 0 ||
	    trie_new_root(cx, &p, 1, &root) < 0)
		die("fanout", -ENOMEM);
	for (i = 0; i < kids; i++) {
		snprintf(path, sizeof(path), "/local/domain/%u", i);
		set(cx, &root, path, "", NULL);
	}
	trie_log_init(&log, cx);
	for (rep = 0; rep < REPS; rep++) {
		double t0 = now();

		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "/local/domain/%u/name",
			    (unsigned)(rnd() % kids));
			set(cx, &root, path, (i & 1) ? "x" : "yy", &log);
			trie_log_clear(&log);
		}
		r[rep] = (now() - t0) * 1e6 / n;
	}
	trie_log_fini(&log);
	trie_unref(cx, root);
	trie_ctx_free(&cx);
	return median(r, REPS);
}

static long
rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, res = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &res) != 2)
		res = 0;
	fclose(f);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

int
main(int argc, char **argv)
{
	static const struct { const char *name; unsigned fan; } sizes[] = {
		{ "1e3", 3 }, { "1e5", 7 }, { "1e6", 10 },
	};
	bool quick = false;
	unsigned ops, s;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--csv") == 0)
			csv = true;
		else if (strcmp(argv[i], "--quick") == 0)
			quick = true;
		else {
			fprintf(stderr, "usage: trie-bench [--csv] [--quick]\n");
			return 2;
		}
	}
	ops = quick ? 20000 : 200000;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct tree t;
		char name[64];
		long rss0 = rss_kib(), rss1;

		if (quick && s == 2)
			break;
		tree_build(&t, sizes[s].fan);
		rss1 = rss_kib();
		snprintf(name, sizeof(name), "nodes_%s", sizes[s].name);
		report(name, (double)t.nodes, "nodes");
		snprintf(name, sizeof(name), "write_ops_per_s_%s",
		    sizes[s].name);
		report(name, bench_writes(&t, ops), "ops/s");
		snprintf(name, sizeof(name), "read_ops_per_s_%s", sizes[s].name);
		report(name, bench_reads(&t, ops), "ops/s");
		if (s != 1) {
			static const char *cn[] = { "a_swap", "b_graft",
			    "c_replay" };
			int c;

			for (c = 0; c < 3; c++) {
				snprintf(name, sizeof(name),
				    "commit_us_%s_%s", cn[c], sizes[s].name);
				report(name, bench_commit(&t,
				    (enum commit_case)c, quick ? 2000 : 20000),
				    "us");
			}
		}
		if (s == 2) {
			report("trie_bytes_per_node_1e6",
			    (double)trie_ctx_live_bytes(t.cx) / (double)t.nodes,
			    "bytes");
			report("rss_bytes_per_node_1e6",
			    (double)(rss1 - rss0) * 1024 / (double)t.nodes,
			    "bytes");
		}
		tree_free(&t);
	}
	{
		static const unsigned fans[] = { 10, 1000, 10000, 100000 };
		double w[4];
		char name[64];

		for (s = 0; s < 4; s++) {
			if (quick && fans[s] > 10000)
				continue;
			w[s] = bench_fanout(fans[s], ops / 2);
			snprintf(name, sizeof(name),
			    "write_us_under_%u_children", fans[s]);
			report(name, w[s], "us");
		}
		report("write_ratio_10000_vs_10_children", w[2] / w[0], "x");
	}
	return 0;
}
