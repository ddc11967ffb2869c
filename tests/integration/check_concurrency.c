/*
 * check_concurrency.c: many clients at once.  160 threads, each with its
 * own libxenstore handle, run read/write/transaction loops (bounded in
 * iterations and time), check their own data and count EAGAIN; shared
 * counters incremented in transactions must add up, and clients whose
 * transactions touch only their own nodes must never see EAGAIN.  Half
 * of the clients are unprivileged domains (test hook), writing in their
 * own homes and, through an ACL, in the shared area.  Then 10,000 idle
 * socket connections held open while another client is served.  At the
 * end of each, CONTROL check answers OK and the daemon still runs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "itest.h"

#define CLIENTS 160
#define ITERATIONS 200
#define SHARED 20		/* counters, for the even clients: 4 each */
#define DEADLINE_MS 25000	/* per client loop */

struct client {
	pthread_t thread;
	struct xs_handle *h;	/* opened (and made unprivileged) by main */
	char base[48];		/* where its own nodes are */
	int id;
	int done;		/* iterations completed */
	int last;		/* iteration of the last plain write */
	int shared_incs;	/* committed increments of its shared counter */
	int eagain;
	char err[256];		/* first problem seen, or "" */
};

static _Atomic int started;

static void
client_fail(struct client *c, const char *what, const char *path)
{
	if (c->err[0] == '\0')
		snprintf(c->err, sizeof(c->err), "client %d: %s %s: %s", c->id,
		    what, path, strerror(errno));
}

/* Read a decimal value; -1 if missing. */
static long
read_num(struct xs_handle *h, xs_transaction_t t, const char *path,
    bool *ok)
{
	unsigned len;
	char *v = xs_read(h, t, path, &len);
	long n;

	if (v == NULL) {
		*ok = errno == ENOENT;
		return -1;
	}
	n = strtol(v, NULL, 10);
	free(v);
	*ok = true;
	return n;
}

static bool
write_num(struct xs_handle *h, xs_transaction_t t, const char *path,
    long n)
{
	char v[32];

	snprintf(v, sizeof(v), "%ld", n);
	return xs_write(h, t, path, v, strlen(v));
}

static void *
client_run(void *arg)
{
	struct client *c = arg;
	struct xs_handle *h = c->h;
	char own[64], cnt[64], shared[64], val[64];
	long long end;
	int i;

	atomic_fetch_add(&started, 1);
	snprintf(own, sizeof(own), "%s/v", c->base);
	snprintf(cnt, sizeof(cnt), "%s/n", c->base);
	/* Odd clients share nothing: they must never conflict. */
	if (c->id % 2 == 0)
		snprintf(shared, sizeof(shared), "/conc/shared/s%d",
		    c->id / 2 % SHARED);
	else
		snprintf(shared, sizeof(shared), "%s/private", c->base);
	end = itest_now_ms() + DEADLINE_MS;
	for (i = 0; i < ITERATIONS && itest_now_ms() < end && !c->err[0];
	    i++) {
		unsigned len;
		char *v;
		bool ok, committed = false;
		int n;

		/* Plain write and read back of its own node. */
		n = snprintf(val, sizeof(val), "%d-%d", c->id, i);
		if (!xs_write(h, XBT_NULL, own, val, (unsigned)n)) {
			client_fail(c, "write", own);
			break;
		}
		c->last = i;
		v = xs_read(h, XBT_NULL, own, &len);
		if (v == NULL || len != (unsigned)n || memcmp(v, val, len)) {
			client_fail(c, "read back", own);
			free(v);
			break;
		}
		free(v);
		/*
		 * A transaction: its own counter (nobody else writes it, so
		 * no conflict on it) and a shared one (conflicts expected).
		 */
		while (!committed && !c->err[0] && itest_now_ms() < end) {
			xs_transaction_t t = xs_transaction_start(h);
			long mine, sh;

			if (t == 0) {
				client_fail(c, "transaction_start", "");
				break;
			}
			mine = read_num(h, t, cnt, &ok);
			if (!ok || mine != (i == 0 ? -1 : i)) {
				errno = EIO;
				client_fail(c, "own counter", cnt);
				xs_transaction_end(h, t, true);
				break;
			}
			sh = read_num(h, t, shared, &ok);
			if (!ok || !write_num(h, t, cnt, i + 1) ||
			    !write_num(h, t, shared, sh < 0 ? 1 : sh + 1)) {
				client_fail(c, "transaction", shared);
				xs_transaction_end(h, t, true);
				break;
			}
			if (xs_transaction_end(h, t, false)) {
				committed = true;
				c->shared_incs++;
			} else if (errno == EAGAIN) {
				c->eagain++;
			} else {
				client_fail(c, "commit", shared);
			}
		}
		if (!committed)
			break;
		c->done = i + 1;
	}
	return NULL;
}

START_TEST(test_many_clients)
{
	static struct client cl[CLIENTS];
	struct xs_handle *h;
	long total_incs = 0, sum = 0;
	int i, eagain = 0, done = 0, min_done = ITERATIONS;
	long long t0;

	itest_start(NULL);
	h = xs_priv();
	xmkdir(h, XBT_NULL, "/conc/shared");
	ck_succeeds(xperms(h, XBT_NULL, "/conc/shared", "b0", NULL));
	memset(cl, 0, sizeof(cl));
	for (i = 0; i < CLIENTS; i++) {
		cl[i].id = i;
		if (i % 4 < 2) {
			cl[i].h = xs_priv();
			snprintf(cl[i].base, sizeof(cl[i].base), "/conc/c%d",
			    i);
		} else {
			unsigned dom = 1000 + (unsigned)i;
			char owner[16];

			snprintf(cl[i].base, sizeof(cl[i].base),
			    "/local/domain/%u", dom);
			snprintf(owner, sizeof(owner), "n%u", dom);
			xmkdir(h, XBT_NULL, cl[i].base);
			ck_succeeds(xperms(h, XBT_NULL, cl[i].base, owner,
			    NULL));
			cl[i].h = xs_as(dom);
			strcat(cl[i].base, "/c");
		}
	}
	t0 = itest_now_ms();
	for (i = 0; i < CLIENTS; i++) {
		ck_assert_int_eq(pthread_create(&cl[i].thread, NULL,
		    client_run, &cl[i]), 0);
	}
	for (i = 0; i < CLIENTS; i++) {
		pthread_join(cl[i].thread, NULL);
		xs_close(cl[i].h);
	}
	ck_assert_int_eq(atomic_load(&started), CLIENTS);
	for (i = 0; i < CLIENTS; i++) {
		ck_assert_msg(cl[i].err[0] == '\0', "%s", cl[i].err);
		total_incs += cl[i].shared_incs;
		eagain += cl[i].eagain;
		done += cl[i].done;
		if (cl[i].done < min_done)
			min_done = cl[i].done;
		ck_assert_int_eq(cl[i].shared_incs, cl[i].done);
		if (i % 2 == 1) {
			ck_assert_msg(cl[i].eagain == 0, "client %d touches "
			    "only its own nodes, got EAGAIN %d times", i,
			    cl[i].eagain);
			total_incs -= cl[i].shared_incs;
		}
	}
	fprintf(stderr, "concurrency: %d clients, %d iterations in %lld ms "
	    "(fewest %d per client), %d EAGAIN\n", CLIENTS, done,
	    itest_now_ms() - t0, min_done, eagain);
	/* Every client got somewhere, even on a slow machine. */
	ck_assert_int_gt(min_done, 0);
	/* Each client's data is what it last wrote. */
	for (i = 0; i < CLIENTS; i++) {
		char path[64], val[32];

		snprintf(path, sizeof(path), "%s/n", cl[i].base);
		snprintf(val, sizeof(val), "%d", cl[i].done);
		ck_read(h, XBT_NULL, path, val);
		snprintf(path, sizeof(path), "%s/v", cl[i].base);
		snprintf(val, sizeof(val), "%d-%d", i, cl[i].last);
		ck_read(h, XBT_NULL, path, val);
	}
	/* No committed increment was lost, none counted twice. */
	for (i = 0; i < SHARED; i++) {
		char path[64];
		bool ok;

		snprintf(path, sizeof(path), "/conc/shared/s%d", i);
		sum += read_num(h, XBT_NULL, path, &ok);
		ck_assert(ok);
	}
	ck_assert_int_eq(sum, total_incs);
	xs_close(h);
	ck_assert(itest_alive());
	ck_store_ok();
}
END_TEST

#define IDLE 10000

START_TEST(test_idle_connections)
{
	static int fds[IDLE];
	struct rlimit rl;
	struct xs_handle *h;
	struct rmsg m;
	long long t0;
	int i;

	/* Enough descriptors for us; the daemon raises its own. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_msg(rl.rlim_max >= IDLE + 200, "the hard limit on open "
	    "files is %llu: %d connections need at least %d (raise it, "
	    "e.g. ulimit -Hn 20000)", (unsigned long long)rl.rlim_max,
	    IDLE, IDLE + 200);
	rl.rlim_cur = rl.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);

	itest_start(NULL);
	h = xs_priv();
	t0 = itest_now_ms();
	for (i = 0; i < IDLE; i++)
		fds[i] = raw_open();
	fprintf(stderr, "idle: %d connections in %lld ms\n", IDLE,
	    itest_now_ms() - t0);
	/* Another client is served while they are all open. */
	t0 = itest_now_ms();
	for (i = 0; i < 200; i++) {
		char path[32], val[16];

		snprintf(path, sizeof(path), "/idle/%d", i % 10);
		snprintf(val, sizeof(val), "%d", i);
		xwrite(h, XBT_NULL, path, val);
		ck_read(h, XBT_NULL, path, val);
	}
	fprintf(stderr, "idle: 400 requests of another client in %lld ms\n",
	    itest_now_ms() - t0);
	/* Each of them was accepted and is served: one request each. */
	for (i = 0; i < IDLE; i++)
		ck_assert(raw_send(fds[i], XS_GET_DOMAIN_PATH, (uint32_t)i, 0,
		    "7", 2));
	for (i = 0; i < IDLE; i++) {
		ck_assert_int_eq(raw_recv(fds[i], &m, ITEST_WAIT_MS), 1);
		ck_assert_uint_eq(m.hdr.req_id, (uint32_t)i);
		ck_rstr(&m, XS_GET_DOMAIN_PATH, "/local/domain/7");
	}
	ck_read(h, XBT_NULL, "/idle/9", "199");
	for (i = 0; i < IDLE; i++)
		close(fds[i]);
	/* The daemon notices them gone and still serves. */
	xwrite(h, XBT_NULL, "/idle/after", "1");
	ck_read(h, XBT_NULL, "/idle/after", "1");
	xs_close(h);
	ck_assert(itest_alive());
	ck_store_ok();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("concurrency");
	TCase *tc;

	tc = itest_tcase(s, "clients", 150);
	tcase_add_test(tc, test_many_clients);
	tc = itest_tcase(s, "idle", 150);
	tcase_add_test(tc, test_idle_connections);
	return itest_run(s);
}
