/*
 * main.c: xs-stress.  Start a simulation and the daemon under test in a
 * temporary directory, connect dom0's toolstack and watcher sockets,
 * create the guests, run the scenarios in order, check the daemon
 * (CONTROL check for pxenstored), report, and exit non-zero on any
 * failure.  Usage and scenarios: docs/xs-stress.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <xen/io/xs_wire.h>

#include "batch.h"
#include "stress.h"
#include "util.h"
#include "xsconn.h"

static int (*const runners[SC_COUNT])(struct stress *) = {
	sc_boot, sc_steady, sc_churn, sc_hostile,
};

static int
connect_dom0(struct stress *s)
{
	struct xsconn_event ev = { dom0_event, s };
	char name[32];
	unsigned i;
	int rc;

	s->nts = s->o.toolstacks;
	s->ts = xcalloc(s->nts, sizeof(*s->ts));
	for (i = 0; i <= s->nts; i++) {
		struct xsconn **c = i < s->nts ? &s->ts[i] : &s->mon;

		if (i < s->nts)
			snprintf(name, sizeof(name), "toolstack %u", i);
		else
			snprintf(name, sizeof(name), "dom0 watcher");
		if ((rc = xsconn_open_sock(s->d.sock, &s->loop, &s->st, name,
		    c)) < 0)
			return rc;
		xsconn_set_event(*c, &ev);
		xsconn_set_timeout(*c, (int64_t)(s->o.req_timeout *
		    NSEC_PER_SEC));
	}
	return 0;
}

static void
retarget_stats(struct stress *s, struct stats *st)
{
	unsigned i;

	for (i = 0; i < s->nts; i++)
		xsconn_set_stats(s->ts[i], st);
	if (s->mon != NULL)
		xsconn_set_stats(s->mon, st);
	for (i = 0; i < s->ng; i++)
		if (s->g[i].conn != NULL)
			xsconn_set_stats(s->g[i].conn, st);
}

static bool
any_to_introduce(const struct stress *s)
{
	unsigned i;

	for (i = 0; i < s->ng; i++)
		if (!s->g[i].introduced && guest_usable(&s->g[i]))
			return true;
	return false;
}

static unsigned
usable(const struct stress *s)
{
	unsigned i, n = 0;

	for (i = 0; i < s->ng; i++)
		n += guest_usable(&s->g[i]);
	return n;
}

static void
phase_begin(struct stress *s)
{
	memset(&s->st, 0, sizeof(s->st));
	s->t0 = now_ns();
	s->dcpu0 = daemon_cpu(s);
	s->scpu0 = self_cpu();
	s->status = NULL;
	s->tick = NULL;
	s->inflight = 0;
}

static void
phase_end(struct stress *s, enum scenario_id sc)
{
	struct result *r = &s->res[s->nres++];

	r->sc = sc;
	r->guests = usable(s);
	r->secs = stress_elapsed(s);
	r->st = s->st;
	daemon_rss(s, &r->rss_kb, &r->hwm_kb);
	r->dcpu = daemon_cpu(s);
	r->dcpu = r->dcpu >= 0 && s->dcpu0 >= 0 ? r->dcpu - s->dcpu0 : -1;
	r->scpu = self_cpu() - s->scpu0;
	report_progress(s, true);
	s->status = NULL;
	s->tick = NULL;
}

static void
run_scenario(struct stress *s, enum scenario_id sc)
{
	if (sc != SC_BOOT && any_to_introduce(s)) {
		phase_begin(s);
		ts_introduce_all(s);
		stress_extra(s, "libxl-style introduction of the guests");
		phase_end(s, SC_COUNT);
		if (s->abort)
			return;
	}
	phase_begin(s);
	runners[sc](s);
	phase_end(s, sc);
}

static bool
check_reply(void *arg, unsigned i, const struct xsreply *r)
{
	struct stress *s = arg;

	(void)i;
	if (r->len >= 2 && memcmp(r->body, "OK", 2) == 0 &&
	    (r->len == 2 || (r->len == 3 && r->body[2] == '\0'))) {
		s->check = "OK";
		return true;
	}
	stats_fail(&s->st, FAIL_OTHER, "CONTROL check answered \"%.*s\"",
	    (int)(r->len > 60 ? 60 : r->len), r->body);
	s->check = "FAILED";
	return false;
}

static void
control_check(struct stress *s)
{
	struct batch_inspect in = { check_reply, s };
	struct batch *b;

	s->check = "FAILED (no answer)";
	b = batch_new(s->mon, false, "CONTROL check");
	batch_strs(b, XS_CONTROL, NULL, "check", NULL);
	batch_set_inspect(b, &in);
	stress_run_batch(s, b);
	stress_wait(s, NULL, 60, "CONTROL check");
}

/* After SIGTERM: pxenstored must exit cleanly (0, or the signal). */
static void
check_exit(struct stress *s)
{
	int st = s->d.status;

	if (!s->is_px || !s->d.exited)
		return;
	if ((WIFEXITED(st) && WEXITSTATUS(st) == 0) ||
	    (WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM))
		return;
	stats_fail(&s->fin, FAIL_OTHER, "the daemon's exit status after "
	    "SIGTERM: %s %d", WIFEXITED(st) ? "exit" : "signal",
	    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

static void
show_log(const struct stress *s)
{
	char line[512];
	FILE *f = fopen(s->d.log, "r");
	unsigned n = 0;

	if (f == NULL)
		return;
	fprintf(stderr, "xs-stress: the daemon's log (%s):\n", s->d.log);
	while (fgets(line, sizeof(line), f) != NULL && n++ < 40)
		fprintf(stderr, "  %s", line);
	fclose(f);
}

int
main(int argc, char **argv)
{
	struct stress s;
	uint64_t fails = 0;
	unsigned i;
	int rc;

	memset(&s, 0, sizeof(s));
	if (opts_parse(&s.o, argc, argv) < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	if (stress_init(&s) < 0) {
		perror("xs-stress: epoll");
		return 2;
	}
	if ((rc = daemon_start(&s)) < 0) {
		fprintf(stderr, "xs-stress: starting %s: %s\n", s.o.daemon,
		    strerror(-rc));
		show_log(&s);
		daemon_stop(&s);
		daemon_cleanup(&s, true);
		return 2;
	}
	if ((rc = connect_dom0(&s)) < 0 || (rc = guests_create(&s)) < 0) {
		fprintf(stderr, "xs-stress: setting up %u guests: %s\n",
		    s.o.guests, strerror(-rc));
		stress_abort(&s, "set-up failed");
	}
	if (!s.abort)
		fprintf(stderr, "xs-stress: %u guests, daemon %s (pid %d), "
		    "seed %llu\n", s.ng, s.d.kind, (int)s.d.pid,
		    (unsigned long long)s.o.seed);
	for (i = 0; i < s.o.nsc && !s.abort; i++)
		run_scenario(&s, s.o.sc[i]);
	memset(&s.st, 0, sizeof(s.st));
	s.st.line_dirty = false;
	if ((s.o.check_set ? s.o.check : s.is_px) && !s.interrupted &&
	    daemon_alive(&s) == 0 &&
	    s.mon != NULL && !xsconn_is_dead(s.mon)) {
		s.abort = false;
		s.inflight = 0;
		control_check(&s);
	}
	fails = stats_failures(&s.st);
	retarget_stats(&s, &s.fin);
	if (daemon_alive(&s) < 0 && !s.d.reported) {
		char why[96];

		daemon_status(&s, why, sizeof(why));
		stats_fail(&s.fin, FAIL_OTHER, "the daemon %s", why);
	}
	report_results(&s);
	guests_free(&s);
	for (i = 0; i < s.nts; i++)
		xsconn_free(&s.ts[i]);
	free(s.ts);
	xsconn_free(&s.mon);
	ts_free(&s);
	boot_free(&s);
	daemon_stop(&s);
	check_exit(&s);
	for (i = 0; i < s.nres; i++)
		fails += stats_failures(&s.res[i].st);
	fails += stats_failures(&s.fin);
	if (fails > 0) {
		fprintf(stderr, "xs-stress: %llu failure(s)\n",
		    (unsigned long long)fails);
		show_log(&s);
	}
	daemon_cleanup(&s, s.o.keep || fails > 0);
	loop_fini(&s.loop);
	return fails > 0 ? 1 : 0;
}
