/*
 * recover.c: recovery from damaged state directories.
 *
 *  snapshot-kill   a tree of PT_BIG_NODES nodes (default 200,000);
 *                  `persist snapshot`, then kill -9 while snapshot.tmp is
 *                  being written (several times); a socket client keeps
 *                  writing meanwhile.  After each restart: every
 *                  acknowledged write is there, the big tree is intact,
 *                  CONTROL check passes; xs-dump --verify accepts the
 *                  directory after each kill.  A left-over snapshot.tmp
 *                  (complete but damaged) is ignored.
 *  journal-tail    a journal whose last batch is a 6-write transaction,
 *                  truncated at every offset of that batch (recovered in
 *                  this process): each gives exactly the state before the
 *                  batch; the whole file gives the state after it; a few
 *                  offsets again through the real daemon.
 *  journal-damage  a byte changed, or a record length changed, in a
 *                  batch that is not the last: recovery fails with a
 *                  message naming the journal, the daemon does not start;
 *                  --fresh starts empty.  A damaged or truncated snapshot
 *                  likewise.
 *  ring-snapshot   `persist snapshot` sent over dom0's ring with another
 *                  request behind it in the same ring read: the snapshot
 *                  must not record a request as handled without its
 *                  effect and its reply.
 *  journal-max     --journal-max 4096 and 400 writes: new generations
 *                  keep starting, the daemon stays up, a kill loses
 *                  nothing.
 *  ring-stall      a guest sends 60 requests without reading replies (its
 *                  connection stalls: requests wait in its input, replies
 *                  in its output); after a kill every request is answered
 *                  once and in order.
 *
 * usage: recover [PART...]   PT_SEED replays.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipd.h"
#include "journal.h"
#include "pt.h"
#include "stream.h"
#include "xensim.h"

#define START_MS 180000		/* 200,000 nodes under ASan on a busy box */

static struct pt_rng rng;

/* --- helpers ---------------------------------------------------------- */

static void
xsdump_ok(const char *path, const char *when)
{
	const char *argv[] = { pt_prog("PT_XSDUMP"), "--verify", path, NULL };
	int rc = pt_run(argv, NULL, 120000);

	PT_CHECK(rc == 0, "xs-dump --verify %s %s: status %d", path, when,
	    rc);
}

static void
xsdump_bad(const char *path, const char *what)
{
	const char *argv[] = { pt_prog("PT_XSDUMP"), "--verify", path, NULL };
	int rc = pt_run(argv, "/dev/null", 120000);

	PT_CHECK(rc == 1, "xs-dump --verify %s (%s): status %d, not 1", path,
	    what, rc);
}

static void
expect_value(struct pt_sock *s, const char *path, const char *want)
{
	static char buf[4200];
	int rc = pt_xs_read(s, 0, path, buf, sizeof(buf), NULL);

	if (want == NULL)
		PT_CHECK(rc == -ENOENT, "%s should be absent (%s)", path,
		    rc ? strerror(-rc) : buf);
	else
		PT_CHECK(rc == 0 && strcmp(buf, want) == 0, "%s is %s, "
		    "expected \"%s\"", path, rc ? strerror(-rc) : buf, want);
}

static void
write_ok(struct pt_sock *s, const char *path, const char *val)
{
	int rc = pt_xs_write(s, 0, path, val, strlen(val));

	PT_CHECK(rc == 0, "write %s: %s", path, strerror(-rc));
}

/* Highest journal generation in dir. */
static unsigned long long
last_journal(const char *dir, char *path, size_t len)
{
	unsigned long long g, best = 0;
	bool found = false;

	for (g = 0; g < 1000; g++) {
		snprintf(path, len, "%s/journal.%llu", dir, g);
		if (pt_fsize(path) >= 0) {
			best = g;
			found = true;
		}
	}
	PT_CHECK(found, "no journal in %s", dir);
	snprintf(path, len, "%s/journal.%llu", dir, best);
	return best;
}

/* --- snapshot-kill ----------------------------------------------------- */

static void
put_meta(struct sbuf *b, uint64_t gen)
{
	size_t r = stream_begin(b, REC_PX_META);

	stream_u64(b, gen);
	stream_end(b, r);
}

/* A snapshot of generation 1 with the initial nodes and a big tree. */
static void
big_snapshot(const char *state, unsigned dirs, unsigned per)
{
	static const struct trie_perm p0 = { 0, 0, 0 };
	struct sbuf b;
	char path[PT_PATH + 32], val[32];
	unsigned i, j;

	sbuf_init(&b);
	stream_preamble(&b, STREAM_VERSION);
	put_meta(&b, 1);
	stream_node(&b, "/", 1, "", 0, &p0, 1);
	stream_node(&b, "/tool", 5, "", 0, &p0, 1);
	stream_node(&b, "/tool/xenstored", 15, "", 0, &p0, 1);
	stream_node(&b, "/big", 4, "", 0, &p0, 1);
	for (i = 0; i < dirs; i++) {
		int n = snprintf(path, sizeof(path), "/big/d%u", i);

		stream_node(&b, path, (size_t)n, "", 0, &p0, 1);
		for (j = 0; j < per; j++) {
			int v = snprintf(val, sizeof(val), "v%u.%u", i, j);

			n = snprintf(path, sizeof(path), "/big/d%u/n%u", i, j);
			stream_node(&b, path, (size_t)n, val, (size_t)v, &p0,
			    1);
		}
	}
	stream_checksum(&b);
	stream_end(&b, stream_begin(&b, REC_END));
	PT_CHECK(b.err == 0, "building the snapshot: out of memory");
	snprintf(path, sizeof(path), "%s/snapshot", state);
	mkdir(state, 0700);
	PT_CHECK(pt_spit(path, b.p, b.len) == 0, "write %s", path);
	sbuf_fini(&b);
}

static void
check_big(struct pt_sock *s, unsigned dirs, unsigned per)
{
	static struct pt_msg m;
	char path[64], val[32];
	int i, rc;

	for (i = 0; i < 40; i++) {
		unsigned d = pt_below(&rng, dirs), n = pt_below(&rng, per);

		snprintf(path, sizeof(path), "/big/d%u/n%u", d, n);
		snprintf(val, sizeof(val), "v%u.%u", d, n);
		expect_value(s, path, val);
	}
	snprintf(path, sizeof(path), "/big/d%u", pt_below(&rng, dirs));
	rc = pt_sock_req(s, XS_DIRECTORY, 0, path, strlen(path) + 1, &m,
	    30000);
	PT_CHECK(rc == 0 && m.hdr.type == XS_DIRECTORY, "directory %s", path);
	{
		unsigned k = 0;
		size_t off = 0;

		while (off < m.hdr.len) {
			off += strlen(m.body + off) + 1;
			k++;
		}
		PT_CHECK(k == per, "%s has %u children, not %u", path, k,
		    per);
	}
}

struct acked {
	char (*key)[48];
	size_t n, cap;
};

static void
acked_add(struct acked *a, const char *k)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 256;
		a->key = realloc(a->key, a->cap * sizeof(*a->key));
		PT_CHECK(a->key != NULL, "out of memory");
	}
	snprintf(a->key[a->n++], sizeof(*a->key), "%s", k);
}

static void
snapshot_kill(void)
{
	const char *e = getenv("PT_BIG_NODES");
	unsigned nodes = e ? (unsigned)atoi(e) : 200000;
	unsigned per = 400, dirs = nodes / per ? nodes / per : 1;
	char dir[PT_PATH], sim[PT_PATH + 8], state[PT_PATH + 8];
	char tmp[PT_PATH + 32], snap[PT_PATH + 32];
	const char *args[] = { "--fsync", "batch", NULL };
	struct acked ok = { NULL, 0, 0 };
	struct pt_daemon d;
	struct pt_sock s;
	int attempt, partial = 0, present = 0, attempts = 3;
	size_t i;
	uint64_t t0 = pt_now_ms();

	pt_tmpdir(dir, sizeof(dir), "snapkill");
	snprintf(sim, sizeof(sim), "%s/sim", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	mkdir(sim, 0700);
	big_snapshot(state, dirs, per);
	snprintf(tmp, sizeof(tmp), "%s/snapshot.tmp", state);
	snprintf(snap, sizeof(snap), "%s/snapshot", state);
	pt_daemon_init(&d, sim, state);
	pt_daemon_start(&d, false, args, START_MS);
	PT_CHECK(pt_sock_open(&s, d.sock, 5000) == 0, "connect");
	check_big(&s, dirs, per);
	for (attempt = 0; attempt < attempts; attempt++) {
		long long full, at_kill = -1;
		uint64_t end;
		char key[48];
		int rc, k = 0;

		end = pt_now_ms() + START_MS;
		full = pt_fsize(snap);
		for (;;) {
			struct stat before, now;
			long long sz;

			/* queued behind the snapshot of the start (or of the
			 * last attempt): the kill may land in either, and in
			 * the start's the new journal follows a snapshot
			 * that had none of its own (big_snapshot) */
			rc = pt_xs_control(&s, "persist\0snapshot", 17, NULL,
			    0);
			PT_CHECK(rc == 0, "persist snapshot: %s",
			    strerror(-rc));
			PT_CHECK(stat(snap, &before) == 0, "no snapshot");
			/* write while it is written; kill once snapshot.tmp
			 * shows: the first attempt at first sight, the others
			 * once it has contents; if it was missed, again */
			do {
				sz = pt_fsize(tmp);
				snprintf(key, sizeof(key), "/w/a%d-%d", attempt,
				    k++);
				write_ok(&s, key, key);
				acked_add(&ok, key);
				if (sz >= 0 && (attempt == 0 || sz > 0))
					break;
				PT_CHECK(stat(snap, &now) == 0, "no snapshot");
			} while (now.st_ino == before.st_ino &&
			    pt_now_ms() < end);
			if (sz >= 0 && (attempt == 0 || sz > 0)) {
				at_kill = sz;
				break;
			}
			PT_CHECK(pt_now_ms() < end, "snapshot.tmp never seen "
			    "in %d ms", START_MS);
		}
		pt_daemon_kill(&d);
		pt_sock_close(&s);
		{
			long long after = pt_fsize(tmp);

			present += after >= 0;
			partial += after > 0 && after < full;
			pt_note("attempt %d: killed with snapshot.tmp at %lld "
			    "bytes (%lld after the kill) of about %lld", attempt,
			    at_kill, after, full);
		}
		xsdump_ok(state, "after a kill during a snapshot");
		pt_daemon_start(&d, false, args, START_MS);
		PT_CHECK(pt_sock_open(&s, d.sock, 5000) == 0, "connect");
		for (i = 0; i < ok.n; i++)
			expect_value(&s, ok.key[i], ok.key[i]);
		check_big(&s, dirs, per);
		pt_check_daemon(&s, &d);
	}
	PT_CHECK(present > 0, "no kill found snapshot.tmp in place");
	pt_note("snapshot-kill: %u nodes, %d kills (%d with snapshot.tmp, %d "
	    "of them partial), %zu acknowledged writes kept, %.1f s", nodes,
	    attempts, present, partial, ok.n,
	    (double)(pt_now_ms() - t0) / 1000.0);
	/* a left-over snapshot.tmp, complete but damaged, is ignored */
	{
		uint8_t *data;
		size_t len;

		pt_sock_close(&s);
		pt_daemon_stop(&d, START_MS);
		PT_CHECK(read_whole_file(snap, &data, &len) == 0, "read %s", snap);
		data[len / 2] ^= 0x5a;
		PT_CHECK(pt_spit(tmp, data, len) == 0, "write %s", tmp);
		free(data);
		pt_daemon_start(&d, false, args, START_MS);
		PT_CHECK(pt_sock_open(&s, d.sock, 5000) == 0, "connect");
		expect_value(&s, ok.key[ok.n - 1], ok.key[ok.n - 1]);
		check_big(&s, dirs, per);
		pt_sock_close(&s);
		pt_daemon_stop(&d, START_MS);
	}
	free(ok.key);
	pt_rmtree(dir);
}

/* --- journal-tail and journal-damage ------------------------------------ */

/* Offsets just past each batch end of a journal. */
static size_t
batch_ends(const uint8_t *data, size_t len, size_t *ends, size_t max)
{
	struct stream_reader sr;
	struct stream_rec rec;
	size_t n = 0;

	PT_CHECK(stream_open(&sr, data, len) == 0, "journal preamble");
	while (stream_next(&sr, &rec) == 1)
		if (rec.type == REC_PX_J_BATCH && n < max)
			ends[n++] = sr.off;
	return n;
}

struct jfix {
	char dir[PT_PATH];	/* the test's directory */
	char state[PT_PATH + 8];	/* as the daemon left it */
	char jname[64];		/* the last journal's file name */
	uint8_t *j;		/* its contents */
	size_t jlen;
	size_t ends[256];
	size_t nends;
};

/*
 * A state directory whose last journal ends with: two single writes, a
 * multi-node write, and a transaction of six writes (the last batch).
 */
static void
make_journal(struct jfix *f)
{
	char sim[PT_PATH + 8], path[PT_PATH + 64];
	const char *args[] = { "--fsync", "batch", NULL };
	struct pt_daemon d;
	struct pt_sock s;
	struct pt_msg m;
	uint32_t tx;
	int i, rc;

	pt_tmpdir(f->dir, sizeof(f->dir), "journal");
	snprintf(sim, sizeof(sim), "%s/sim", f->dir);
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	mkdir(sim, 0700);
	pt_daemon_init(&d, sim, f->state);
	pt_daemon_start(&d, false, args, START_MS);
	PT_CHECK(pt_sock_open(&s, d.sock, 5000) == 0, "connect");
	/* let the start's snapshot finish: its journal is the one to use */
	for (i = 0; i < 3000; i++) {
		char st[512];

		PT_CHECK(pt_xs_control(&s, "persist", 8, st, sizeof(st)) == 0,
		    "persist status");
		if (strstr(st, "being written") == NULL)
			break;
		pt_sleep_ms(10);
	}
	write_ok(&s, "/j/a", "1");
	write_ok(&s, "/j/b", "2");
	write_ok(&s, "/j/deep/x/y/z", "3");
	rc = pt_sock_req(&s, XS_TRANSACTION_START, 0, "", 1, &m, 10000);
	PT_CHECK(rc == 0 && m.hdr.type == XS_TRANSACTION_START, "start");
	tx = (uint32_t)strtoul(m.body, NULL, 10);
	for (i = 0; i < 6; i++) {
		char p[32], v[16];

		snprintf(p, sizeof(p), "/j/t/%c", 'a' + i);
		snprintf(v, sizeof(v), "t%d", i);
		rc = pt_xs_write(&s, tx, p, v, strlen(v));
		PT_CHECK(rc == 0, "write %s in a transaction", p);
	}
	PT_CHECK(pt_xs_simple(&s, XS_TRANSACTION_END, tx, "T") == 0,
	    "commit");
	pt_sock_close(&s);
	pt_daemon_kill(&d);
	last_journal(f->state, path, sizeof(path));
	snprintf(f->jname, sizeof(f->jname), "%s", strrchr(path, '/') + 1);
	PT_CHECK(read_whole_file(path, &f->j, &f->jlen) == 0, "read %s", path);
	f->nends = batch_ends(f->j, f->jlen, f->ends, 256);
	PT_CHECK(f->nends >= 4, "%s has %zu batches", path, f->nends);
	PT_CHECK(f->ends[f->nends - 1] == f->jlen, "%s: a tail after its "
	    "last batch", path);
}

/* A copy of the state with the last journal replaced by `data`. */
static void
variant(const struct jfix *f, const char *to, const void *data, size_t len)
{
	char path[PT_PATH + 128];

	pt_rmtree(to);
	pt_copydir(f->state, to);
	snprintf(path, sizeof(path), "%s/%s", to, f->jname);
	PT_CHECK(pt_spit(path, data, len) == 0, "write %s", path);
}

static char *
recover_tree(const char *dir, int *rc)
{
	char *t = ipd_recover_tree(dir, rc);

	return t;
}

static void
journal_tail(struct jfix *f)
{
	char work[PT_PATH + 16], sim[PT_PATH + 8];
	size_t lo = f->ends[f->nends - 2], hi = f->ends[f->nends - 1], t;
	char *before, *after;
	int rc;
	uint64_t t0 = pt_now_ms();
	unsigned checked = 0;

	snprintf(work, sizeof(work), "%s/work", f->dir);
	variant(f, work, f->j, lo);
	before = recover_tree(work, &rc);
	PT_CHECK(before != NULL, "recovery up to the last batch: %s",
	    strerror(-rc));
	variant(f, work, f->j, hi);
	after = recover_tree(work, &rc);
	PT_CHECK(after != NULL, "recovery of the whole journal: %s",
	    strerror(-rc));
	PT_CHECK(strstr(after, "/j/t/f \"t5\"") != NULL &&
	    strstr(after, "/j/deep/x/y/z \"3\"") != NULL,
	    "the whole journal lacks acknowledged writes:\n%s", after);
	PT_CHECK(strstr(before, "/j/t/") == NULL &&
	    strstr(before, "/j/deep/x/y/z \"3\"") != NULL,
	    "the journal without its last batch:\n%s", before);
	/* every offset inside the last batch: exactly the state before it */
	for (t = lo + 1; t < hi; t++) {
		char *got;

		variant(f, work, f->j, t);
		got = recover_tree(work, &rc);
		PT_CHECK(got != NULL, "journal cut at %zu (batch %zu..%zu): "
		    "recovery failed: %s", t, lo, hi, strerror(-rc));
		PT_CHECK(strcmp(got, before) == 0, "journal cut at %zu "
		    "(batch %zu..%zu): not the state before the batch:\n%s",
		    t, lo, hi, got);
		free(got);
		checked++;
	}
	/* the last batch whole but its checksum wrong: a torn write too */
	{
		uint8_t *c = malloc(hi);
		char *got;

		memcpy(c, f->j, hi);
		c[hi - 8] ^= 0x01;
		variant(f, work, c, hi);
		got = recover_tree(work, &rc);
		PT_CHECK(got != NULL && strcmp(got, before) == 0,
		    "last batch with a bad checksum: not dropped");
		free(got);
		free(c);
	}
	/* a few cuts through the real daemon */
	snprintf(sim, sizeof(sim), "%s/sim2", f->dir);
	mkdir(sim, 0700);
	{
		size_t cuts[] = { lo + 1, lo + 8, (lo + hi) / 2, hi - 1, hi };
		const char *args[] = { NULL };
		size_t i;

		for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
			struct pt_daemon d;
			struct pt_sock s;

			variant(f, work, f->j, cuts[i]);
			pt_daemon_init(&d, sim, work);
			pt_daemon_start(&d, false, args, START_MS);
			PT_CHECK(pt_sock_open(&s, d.sock, 5000) == 0,
			    "connect");
			expect_value(&s, "/j/a", "1");
			expect_value(&s, "/j/deep/x/y/z", "3");
			expect_value(&s, "/j/t/a", cuts[i] == hi ? "t0" :
			    NULL);
			expect_value(&s, "/j/t/f", cuts[i] == hi ? "t5" :
			    NULL);
			pt_check_daemon(&s, &d);
			pt_sock_close(&s);
			pt_daemon_stop(&d, 60000);
		}
	}
	pt_note("journal-tail: %u cuts of the last batch (%zu bytes) each "
	    "recovered the state before it, %.1f s", checked, hi - lo,
	    (double)(pt_now_ms() - t0) / 1000.0);
	free(before);
	free(after);
}

/* The daemon must refuse to start on `dir`, saying why. */
static void
refuses(const char *dir, const char *what, const char *must_say)
{
	char sim[PT_PATH + 32];
	struct pt_daemon d;
	const char *args[] = { NULL };
	int st;

	snprintf(sim, sizeof(sim), "%s.sim", dir);
	mkdir(sim, 0700);
	pt_daemon_init(&d, sim, dir);
	st = pt_daemon_start_fail(&d, false, args, START_MS);
	if (st == 0 || st < 0 || !pt_log_has(&d, must_say)) {
		pt_daemon_log_tail(&d, 10);
		pt_die("%s: the daemon started or did not say \"%s\" "
		    "(status %d)", what, must_say, st);
	}
}

static void
journal_damage(struct jfix *f)
{
	char work[PT_PATH + 16], sim[PT_PATH + 16];
	size_t b1 = f->ends[0], b2 = f->ends[1];
	uint8_t *c = malloc(f->jlen);
	int rc;
	char *t;

	snprintf(work, sizeof(work), "%s/damaged", f->dir);
	/* a byte of a value in the second batch */
	memcpy(c, f->j, f->jlen);
	c[b1 + 8 + 8 + 4] ^= 0x20;
	variant(f, work, c, f->jlen);
	t = recover_tree(work, &rc);
	PT_CHECK(t == NULL && rc == -EIO, "a changed byte in batch 2 of %zu: "
	    "recovery %s", f->nends, t ? "succeeded" : strerror(-rc));
	refuses(work, "a changed byte in the middle of the journal",
	    f->jname);
	xsdump_bad(work, "a changed byte in the middle of the journal");
	/* the length of the second batch's first record */
	memcpy(c, f->j, f->jlen);
	{
		uint32_t len = 0x10000;

		memcpy(c + b1 + 4, &len, 4);
	}
	variant(f, work, c, f->jlen);
	t = recover_tree(work, &rc);
	if (t != NULL) {
		pt_die("a record length changed in batch 2 of %zu (of %zu "
		    "bytes, valid batches after it): recovery silently "
		    "loaded a prefix:\n%s", f->nends, f->jlen, t);
	}
	refuses(work, "a changed record length in the middle of the journal",
	    f->jname);
	xsdump_bad(work, "a changed record length in the journal");
	/* a record length shortened (the rest misparsed) */
	memcpy(c, f->j, f->jlen);
	{
		uint32_t len;

		memcpy(&len, c + b1 + 4, 4);
		len -= 8;
		memcpy(c + b1 + 4, &len, 4);
	}
	variant(f, work, c, f->jlen);
	t = recover_tree(work, &rc);
	PT_CHECK(t == NULL, "a record length shortened in batch 2: recovery "
	    "succeeded:\n%s", t ? t : "");
	xsdump_bad(work, "a record length shortened in the journal");
	/* --fresh: empty, and the damaged files gone */
	snprintf(sim, sizeof(sim), "%s/simfresh", f->dir);
	mkdir(sim, 0700);
	{
		const char *fresh[] = { "--fresh", NULL }, *none[] = { NULL };
		struct pt_daemon d;
		struct pt_sock s;

		pt_daemon_init(&d, sim, work);
		pt_daemon_start(&d, false, fresh, START_MS);
		PT_CHECK(pt_sock_open(&s, d.sock, 5000) == 0, "connect");
		expect_value(&s, "/j/a", NULL);
		expect_value(&s, "/tool/xenstored", "");
		pt_sock_close(&s);
		pt_daemon_stop(&d, 60000);
		pt_daemon_start(&d, false, none, START_MS);
		PT_CHECK(pt_sock_open(&s, d.sock, 5000) == 0, "connect");
		expect_value(&s, "/j/a", NULL);
		pt_sock_close(&s);
		pt_daemon_stop(&d, 60000);
	}
	/* damaged and truncated snapshots */
	{
		char snap[PT_PATH + 32];
		uint8_t *sd;
		size_t sl;

		variant(f, work, f->j, f->jlen);
		snprintf(snap, sizeof(snap), "%s/snapshot", work);
		PT_CHECK(read_whole_file(snap, &sd, &sl) == 0, "read %s", snap);
		sd[sl / 2] ^= 0x04;
		PT_CHECK(pt_spit(snap, sd, sl) == 0, "write");
		t = recover_tree(work, &rc);
		PT_CHECK(t == NULL && rc == -EIO, "damaged snapshot: %s",
		    t ? "loaded" : strerror(-rc));
		refuses(work, "a damaged snapshot", "checksum");
		xsdump_bad(work, "a damaged snapshot");
		sd[sl / 2] ^= 0x04;
		PT_CHECK(pt_spit(snap, sd, sl - 24) == 0, "write");
		t = recover_tree(work, &rc);
		PT_CHECK(t == NULL && rc == -EIO, "truncated snapshot: %s",
		    t ? "loaded" : strerror(-rc));
		refuses(work, "a truncated snapshot", "snapshot");
		xsdump_bad(work, "a truncated snapshot");
		free(sd);
	}
	(void)b2;
	free(c);
	pt_note("journal-damage: damage in the middle refused, --fresh "
	    "starts empty");
}

/* --- ring-snapshot ------------------------------------------------------ */

/* What a snapshot file says about one ring and one node. */
struct snapring {
	bool found;
	uint32_t req_cons, rsp_off;
	uint8_t out[8192];
	size_t outlen;
	bool node;
};

static void
read_snapshot(const char *path, unsigned domid, const char *node,
    struct snapring *sr)
{
	struct stream_reader rd;
	struct stream_rec rec;
	uint8_t *data;
	size_t len;

	memset(sr, 0, sizeof(*sr));
	PT_CHECK(read_whole_file(path, &data, &len) == 0, "read %s", path);
	PT_CHECK(stream_open(&rd, data, len) == 0, "%s: not a stream", path);
	while (stream_next(&rd, &rec) == 1) {
		struct jrec j;
		struct stream_node n;

		if (rec.type == REC_NODE && stream_read_node(&rec, &n) == 0 &&
		    strcmp(n.path, node) == 0)
			sr->node = true;
		if (rec.type != REC_PX_J_RING_SYNC || j_decode(&rec, &j) != 0 ||
		    j.domid != domid)
			continue;
		sr->found = true;
		sr->req_cons = j.req_cons;
		sr->rsp_off = j.rsp_off;
		sr->outlen = j.outlen < sizeof(sr->out) ? j.outlen :
		    sizeof(sr->out);
		memcpy(sr->out, j.out, sr->outlen);
	}
	free(data);
}

/* Is there a reply to req_id among the whole messages of out? */
static bool
has_reply(const struct snapring *sr, uint32_t req_id)
{
	size_t off = 0;

	while (off + sizeof(struct xsd_sockmsg) <= sr->outlen) {
		struct xsd_sockmsg h;

		memcpy(&h, sr->out + off, sizeof(h));
		if (h.req_id == req_id && h.type != XS_WATCH_EVENT)
			return true;
		off += sizeof(h) + h.len;
	}
	return false;
}

/*
 * `persist snapshot` over dom0's ring, with a write behind it in the same
 * ring read.  Recovery from that snapshot alone (the daemon dying before
 * the iteration's batch) must neither lose the write nor the replies: a
 * request the snapshot counts as handled has its reply saved and its
 * effect in the tree.
 */
static void
ring_snapshot(void)
{
	char dir[PT_PATH], simdir[PT_PATH + 8], state[PT_PATH + 8];
	char snap[PT_PATH + 32];
	const char *args[] = { "--fsync", "batch", NULL };
	struct xenstore_domain_interface *intf;
	struct xensim *sim;
	struct xensim_guest *g;
	struct pt_daemon d;
	struct pt_sock s;
	struct snapring sr;
	uint8_t buf[256];
	size_t l1, l2;
	uint32_t p0, p1, p2;
	int rc, got = 0, i;
	uint64_t end;

	pt_tmpdir(dir, sizeof(dir), "ringsnap");
	snprintf(simdir, sizeof(simdir), "%s/sim", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(snap, sizeof(snap), "%s/snapshot", state);
	rc = xensim_create(simdir, &sim);
	PT_CHECK(rc == 0, "xensim_create: %s", strerror(-rc));
	pt_daemon_init(&d, simdir, state);
	pt_daemon_start(&d, true, args, START_MS);
	PT_CHECK(pt_sock_open(&s, d.sock, 5000) == 0, "connect");
	rc = xensim_guest_attach(sim, 0, NULL, &g);
	PT_CHECK(rc == 0, "attach dom0's ring: %s", strerror(-rc));
	intf = xensim_guest_ring(g);
	/* the start's snapshot first */
	for (i = 0; i < 6000; i++) {
		char st[512];

		PT_CHECK(pt_xs_control(&s, "persist", 8, st, sizeof(st)) == 0,
		    "persist status");
		if (strstr(st, "being written") == NULL)
			break;
		pt_sleep_ms(10);
	}
	p0 = intf->req_prod;
	l1 = pt_encode(buf, XS_CONTROL, 1, 0, "persist\0snapshot", 17);
	l2 = pt_encode(buf + l1, XS_WRITE, 2, 0, "/c/k\0v", 6);
	p1 = p0 + (uint32_t)l1;
	p2 = p1 + (uint32_t)l2;
	PT_CHECK(xensim_ring_write(intf, buf, l1 + l2) == (ssize_t)(l1 + l2),
	    "ring write");
	xensim_guest_notify(g);
	end = pt_now_ms() + 30000;
	{
		struct pt_frame f;
		struct pt_msg m;

		f.len = 0;
		while (got < 2 && pt_now_ms() < end) {
			uint8_t in[4096];
			ssize_t n;

			xensim_guest_wait(g, 50);
			xensim_guest_consume(g);
			n = xensim_ring_read(intf, in, sizeof(in));
			PT_CHECK(n >= 0, "response ring corrupt");
			if (n > 0) {
				xensim_guest_notify(g);
				PT_CHECK(pt_frame_put(&f, in, (size_t)n),
				    "overflow");
			}
			while (pt_frame_get(&f, &m) == 1)
				if (m.hdr.type != XS_WATCH_EVENT)
					got++;
		}
	}
	PT_CHECK(got == 2, "dom0's ring: %d of 2 replies", got);
	for (i = 0; i < 6000; i++) {
		char st[512];

		PT_CHECK(pt_xs_control(&s, "persist", 8, st, sizeof(st)) == 0,
		    "persist status");
		if (strstr(st, "being written") == NULL)
			break;
		pt_sleep_ms(10);
	}
	read_snapshot(snap, 0, "/c/k", &sr);
	PT_CHECK(sr.found, "the snapshot has no ring record for dom0");
	pt_note("ring-snapshot: requests at %u, %u, %u; the snapshot says "
	    "handled up to %u, %zu output bytes, /c/k %s", p0, p1, p2,
	    sr.req_cons, sr.outlen, sr.node ? "there" : "absent");
	PT_CHECK(sr.req_cons - p0 <= p2 - p0, "ring position %u outside "
	    "[%u, %u]", sr.req_cons, p0, p2);
	if (sr.req_cons - p0 >= p1 - p0)
		PT_CHECK(has_reply(&sr, 1), "the snapshot counts `persist "
		    "snapshot` (ring bytes %u..%u) as handled but holds no "
		    "reply to it: a crash before the next batch loses the "
		    "reply", p0, p1);
	if (sr.req_cons - p0 >= p2 - p0)
		PT_CHECK(has_reply(&sr, 2) && sr.node, "the snapshot counts "
		    "the write behind `persist snapshot` (ring bytes %u..%u) "
		    "as handled but %s: a crash before the next batch loses "
		    "it", p1, p2, sr.node ? "holds no reply to it" :
		    "its node is not in the tree");
	pt_check_daemon(&s, &d);
	pt_sock_close(&s);
	pt_daemon_stop(&d, 60000);
	xensim_guest_detach(&g);
	xensim_close(&sim);
	pt_rmtree(dir);
}

/* --- journal-max ------------------------------------------------------- */

/* Wait (bounded) until `persist` says no snapshot is being written. */
static void
snapshot_settles(struct pt_sock *s)
{
	uint64_t end = pt_now_ms() + 20000;
	char st[512];

	for (;;) {
		PT_CHECK(pt_xs_control(s, "persist", 8, st, sizeof(st)) == 0,
		    "persist status");
		if (strstr(st, "being written") == NULL)
			return;
		PT_CHECK(pt_now_ms() < end, "a snapshot is still being "
		    "written after 20 s: %s", st);
		pt_sleep_ms(10);
	}
}

/*
 * A journal that outgrows --journal-max starts a new generation (a new
 * journal and a snapshot), again and again, while writes go on; a kill
 * at the end loses nothing.
 */
static void
journal_max(void)
{
	char dir[PT_PATH], sim[PT_PATH + 8], state[PT_PATH + 8], st[512];
	const char *args[] = { "--journal-max", "4096", NULL };
	struct pt_daemon d;
	struct pt_sock s;
	char key[64], val[64];
	int i;
	unsigned long long snaps = 0;
	const char *p;

	pt_tmpdir(dir, sizeof(dir), "jmax");
	snprintf(sim, sizeof(sim), "%s/sim", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	mkdir(sim, 0700);
	pt_daemon_init(&d, sim, state);
	pt_daemon_start(&d, false, args, START_MS);
	PT_CHECK(pt_sock_open(&s, d.sock, 5000) == 0, "connect");
	for (i = 0; i < 400; i++) {
		snprintf(key, sizeof(key), "/m/k%d", i);
		snprintf(val, sizeof(val), "value %d of a journal that "
		    "keeps outgrowing its bound", i);
		write_ok(&s, key, val);
		/*
		 * Every 50 writes (over 4 KiB of journal), let the snapshot
		 * in flight finish: a generation starts only when none is
		 * being written, and the loop outruns the snapshot thread.
		 */
		if (i % 50 == 49)
			snapshot_settles(&s);
	}
	PT_CHECK(pt_xs_control(&s, "persist", 8, st, sizeof(st)) == 0,
	    "persist status");
	p = strstr(st, "batches, ");
	if (p != NULL)
		snaps = strtoull(p + 9, NULL, 10);
	PT_CHECK(snaps >= 3, "only %llu snapshots after ~40 KiB of journal "
	    "with --journal-max 4096: %s", snaps, st);
	pt_sock_close(&s);
	pt_daemon_kill(&d);
	xsdump_ok(state, "after generations started by --journal-max");
	pt_daemon_start(&d, false, args, START_MS);
	PT_CHECK(pt_sock_open(&s, d.sock, 5000) == 0, "connect");
	for (i = 0; i < 400; i++) {
		snprintf(key, sizeof(key), "/m/k%d", i);
		snprintf(val, sizeof(val), "value %d of a journal that "
		    "keeps outgrowing its bound", i);
		expect_value(&s, key, val);
	}
	pt_check_daemon(&s, &d);
	pt_sock_close(&s);
	pt_daemon_stop(&d, 60000);
	pt_note("journal-max: %llu generations started by --journal-max, "
	    "nothing lost", snaps);
	pt_rmtree(dir);
}

/* --- ring-stall -------------------------------------------------------- */

/*
 * A guest that sends many requests without reading the replies stalls
 * its connection (outstanding-request quota): complete requests wait in
 * the connection's input, replies in its output.  Killed and restarted,
 * the daemon must answer every request once and in order.
 */
static void
ring_stall(void)
{
	char dir[PT_PATH], simdir[PT_PATH + 8], state[PT_PATH + 8];
	const char *args[] = { "--fsync", "batch", NULL };
	struct xenstore_domain_interface *intf;
	struct xensim_domain_params dp;
	struct xensim_domain dom;
	struct xensim *sim;
	struct xensim_guest *g;
	struct pt_daemon d;
	struct pt_sock s;
	struct pt_frame f;
	uint8_t req[64 * 64];
	size_t reqlen = 0, sent = 0;
	uint32_t next = 1, n = 60, i;
	uint64_t end;
	int rc;

	pt_tmpdir(dir, sizeof(dir), "ringstall");
	snprintf(simdir, sizeof(simdir), "%s/sim", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	rc = xensim_create(simdir, &sim);
	PT_CHECK(rc == 0, "xensim_create: %s", strerror(-rc));
	xensim_domain_params_init(&dp);
	PT_CHECK(xensim_domain_create(sim, &dp, &dom) == 0, "create");
	pt_daemon_init(&d, simdir, state);
	pt_daemon_start(&d, true, args, START_MS);
	PT_CHECK(pt_sock_open(&s, d.sock, 5000) == 0, "connect");
	{
		char pl[128];
		int l = snprintf(pl, sizeof(pl), "%u%c%llu%c%u", dom.domid, 0,
		    (unsigned long long)dom.gfn, 0, dom.port);
		struct pt_msg m;

		rc = pt_sock_req(&s, XS_INTRODUCE, 0, pl, (size_t)l + 1, &m,
		    10000);
		PT_CHECK(rc == 0 && m.hdr.type != XS_ERROR, "introduce");
		l = snprintf(pl, sizeof(pl), "/local/domain/%u/data%cn%u",
		    dom.domid, 0, dom.domid);
		write_ok(&s, pl, "");
		rc = pt_sock_req(&s, XS_SET_PERMS, 0, pl, (size_t)l + 1, &m,
		    10000);
		PT_CHECK(rc == 0 && m.hdr.type != XS_ERROR, "set perms");
	}
	PT_CHECK(xensim_guest_attach(sim, dom.domid, NULL, &g) == 0,
	    "attach");
	intf = xensim_guest_ring(g);
	for (i = 1; i <= n; i++) {
		char pl[48];
		int l = snprintf(pl, sizeof(pl), "data/s%u%cv%u", i, 0, i);

		reqlen += pt_encode(req + reqlen, XS_WRITE, i, 0, pl,
		    (size_t)l);
	}
	/* send without reading: the daemon stalls the connection */
	end = pt_now_ms() + 2000;
	while (sent < reqlen && pt_now_ms() < end) {
		ssize_t w = xensim_ring_write(intf, req + sent, reqlen - sent);

		PT_CHECK(w >= 0, "request ring corrupt");
		if (w > 0) {
			sent += (size_t)w;
			xensim_guest_notify(g);
		} else {
			pt_sleep_ms(10);
		}
	}
	pt_sleep_ms(300);	/* let it settle: its batches are written */
	pt_daemon_kill(&d);
	pt_sock_close(&s);
	xsdump_ok(state, "with a stalled ring");
	pt_daemon_start(&d, true, args, START_MS);
	/* read every reply (sending the rest): once each, in order */
	f.len = 0;
	end = pt_now_ms() + 30000;
	while (next <= n && pt_now_ms() < end) {
		uint8_t in[4096];
		struct pt_msg m;
		ssize_t r;

		if (sent < reqlen) {
			ssize_t w = xensim_ring_write(intf, req + sent,
			    reqlen - sent);

			PT_CHECK(w >= 0, "request ring corrupt");
			if (w > 0) {
				sent += (size_t)w;
				xensim_guest_notify(g);
			}
		}
		xensim_guest_wait(g, 20);
		xensim_guest_consume(g);
		r = xensim_ring_read(intf, in, sizeof(in));
		PT_CHECK(r >= 0, "response ring corrupt");
		if (r == 0)
			continue;
		xensim_guest_notify(g);
		PT_CHECK(pt_frame_put(&f, in, (size_t)r), "overflow");
		while ((rc = pt_frame_get(&f, &m)) == 1) {
			if (m.hdr.type == XS_WATCH_EVENT)
				continue;
			PT_CHECK(m.hdr.req_id == next && m.hdr.type == XS_WRITE,
			    "after the restart, reply %u (type %u \"%.40s\") "
			    "where %u was due: replies lost, repeated or out "
			    "of order", m.hdr.req_id, m.hdr.type, m.body,
			    next);
			next++;
		}
		PT_CHECK(rc == 0, "garbled replies");
	}
	PT_CHECK(next == n + 1, "only %u of %u replies after the restart",
	    next - 1, n);
	PT_CHECK(pt_sock_open(&s, d.sock, 5000) == 0, "connect");
	for (i = 1; i <= n; i++) {
		char path[64], want[16];

		snprintf(path, sizeof(path), "/local/domain/%u/data/s%u",
		    dom.domid, i);
		snprintf(want, sizeof(want), "v%u", i);
		expect_value(&s, path, want);
	}
	pt_check_daemon(&s, &d);
	pt_sock_close(&s);
	pt_daemon_stop(&d, 60000);
	xensim_guest_detach(&g);
	xensim_close(&sim);
	pt_note("ring-stall: %u pipelined requests across a kill: each "
	    "answered once, in order", n);
	pt_rmtree(dir);
}

static void
journals(bool tail, bool damage)
{
	struct jfix f;

	memset(&f, 0, sizeof(f));
	make_journal(&f);
	if (tail)
		journal_tail(&f);
	if (damage)
		journal_damage(&f);
	free(f.j);
	pt_rmtree(f.dir);
}

int
main(int argc, char **argv)
{
	bool all = argc < 2;
	int i;

	pt_set_name("recover");
	pt_rng_init(&rng, pt_seed());
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "snapshot-kill") != 0 &&
		    strcmp(argv[i], "journal-tail") != 0 &&
		    strcmp(argv[i], "journal-damage") != 0 &&
		    strcmp(argv[i], "ring-snapshot") != 0 &&
		    strcmp(argv[i], "journal-max") != 0 &&
		    strcmp(argv[i], "ring-stall") != 0) {
			fprintf(stderr, "usage: recover [snapshot-kill|"
			    "journal-tail|journal-damage|ring-snapshot|"
			    "journal-max|ring-stall]...\n");
			return 2;
		}
	{
		bool t = all, d = all, s = all, r = all, m = all, q = all;

		for (i = 1; i < argc; i++) {
			t |= strcmp(argv[i], "journal-tail") == 0;
			d |= strcmp(argv[i], "journal-damage") == 0;
			s |= strcmp(argv[i], "snapshot-kill") == 0;
			r |= strcmp(argv[i], "ring-snapshot") == 0;
			m |= strcmp(argv[i], "journal-max") == 0;
			q |= strcmp(argv[i], "ring-stall") == 0;
		}
		if (q)
			ring_stall();
		if (m)
			journal_max();
		if (r)
			ring_snapshot();
		if (t || d)
			journals(t, d);
		if (s)
			snapshot_kill();
	}
	pt_note("OK");
	return 0;
}
