/*
 * core.c: running the loop for a phase (stress_wait, stress_run_until),
 * the 100 ms tick (request deadlines, daemon liveness, progress), and the
 * routing of dom0's watch events.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include "batch.h"
#include "stress.h"
#include "util.h"
#include "xsconn.h"

#define TICK_NS		(100 * NSEC_PER_MSEC)

/* SIGINT/SIGTERM: stop the run cleanly (a second one kills). */
static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}
#define WAIT_MS		20

const char *const scenario_names[SC_COUNT] = {
	"boot-storm", "steady", "churn", "hostile",
};

int
stress_init(struct stress *s)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = (int)SA_RESETHAND;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	s->t0 = now_ns();
	s->rng = s->o.seed ^ 0x5eedULL;
	return loop_init(&s->loop);
}

double
self_cpu(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double
stress_elapsed(const struct stress *s)
{
	return (double)(now_ns() - s->t0) / NSEC_PER_SEC;
}

void
stress_abort(struct stress *s, const char *why)
{
	if (!s->abort && why != NULL)
		stats_fail(&s->st, FAIL_OTHER, "%s", why);
	s->abort = true;
}

void
stress_extra(struct stress *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->res[s->nres].extra, sizeof(s->res[0].extra), fmt, ap);
	va_end(ap);
}

struct guest *
stress_guest_by_domid(struct stress *s, uint32_t domid)
{
	if (domid > XENSIM_MAX_DOMID || s->slot_of[domid] < 0)
		return NULL;
	return &s->g[s->slot_of[domid]];
}

static void
tick(struct stress *s)
{
	int64_t now = now_ns();
	unsigned i;

	if (now < s->next_tick)
		return;
	s->next_tick = now + TICK_NS;
	for (i = 0; i < s->nts; i++)
		xsconn_sweep(s->ts[i], now);
	if (s->mon != NULL)
		xsconn_sweep(s->mon, now);
	for (i = 0; i < s->ng; i++)
		if (s->g[i].conn != NULL)
			xsconn_sweep(s->g[i].conn, now);
	if (daemon_alive(s) < 0 && !s->abort) {
		char why[96];

		daemon_status(s, why, sizeof(why));
		stats_fail(&s->st, FAIL_OTHER, "the daemon %s", why);
		s->d.reported = true;
		s->abort = true;
	}
	if (s->tick != NULL)
		s->tick(s);
	report_progress(s, false);
}

static void
spin(struct stress *s)
{
	int rc = loop_once(&s->loop, WAIT_MS);

	if (interrupted && !s->interrupted) {
		s->interrupted = true;
		stress_abort(s, "interrupted");
	}
	if (rc < 0) {
		stats_fail(&s->st, FAIL_OTHER, "epoll: %s", strerror(-rc));
		s->abort = true;
	}
	tick(s);
}

int
stress_wait(struct stress *s, const unsigned *counter, double secs,
    const char *what)
{
	int64_t end = now_ns() + (int64_t)(secs * NSEC_PER_SEC);

	if (counter == NULL)
		counter = &s->inflight;
	s->what = what;
	while (*counter > 0 && !s->abort) {
		if (now_ns() >= end) {
			stats_fail(&s->st, FAIL_TIMEOUT, "%s: not done after "
			    "%.0f s (%u outstanding)", what, secs, *counter);
			s->abort = true;
			break;
		}
		spin(s);
	}
	return s->abort ? -ECANCELED : 0;
}

bool
stress_run_until(struct stress *s, bool (*pred)(void *), void *arg,
    double secs)
{
	int64_t end = now_ns() + (int64_t)(secs * NSEC_PER_SEC);

	while (!s->abort && !pred(arg) && now_ns() < end)
		spin(s);
	return !s->abort && pred(arg);
}

static void
inflight_done(void *arg, int rc)
{
	struct stress *s = arg;

	(void)rc;
	s->inflight--;
}

void
stress_run_batch(struct stress *s, struct batch *b)
{
	struct batch_done d = { inflight_done, s };

	s->inflight++;
	batch_run(b, &d);
}

/* dom0's connections: the token's first letter names the scenario. */
void
dom0_event(void *arg, struct xsconn *c, const char *path, const char *token)
{
	struct stress *s = arg;

	switch (token[0]) {
	case 'b':
		boot_event(s, NULL, c, path, token);
		return;
	case 's':
		steady_event(s, NULL, c, path, token);
		return;
	case 'c':
		churn_event(s, NULL, c, path, token);
		return;
	}
	stats_fail(&s->st, FAIL_PROTO, "%s: watch event %s with a token it "
	    "never used (%s)", xsconn_name(c), path, token);
}
