/*
 * report.c: the progress line (one updating line on a terminal, a plain
 * line every 10 s otherwise) and the results: a table, one row per
 * scenario, or CSV with --csv.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "stress.h"
#include "util.h"

#define PLAIN_EVERY_NS	(10 * NSEC_PER_SEC)
#define TTY_EVERY_NS	(200 * NSEC_PER_MSEC)

void
report_progress(struct stress *s, bool final)
{
	struct progress *p = &s->prog;
	char status[160] = "";
	int64_t now = now_ns();
	uint64_t ops = s->st.gops + s->st.sops;

	if (!s->o.progress)
		return;
	p->tty = isatty(2);
	if (final) {
		stats_clear_line(&s->st);
		return;
	}
	if (now - p->last < TTY_EVERY_NS)
		return;
	if (p->last != 0 && now > p->last)
		p->rate = (double)(ops >= p->last_ops ? ops - p->last_ops : 0)
		    * NSEC_PER_SEC / (double)(now - p->last);
	p->last = now;
	p->last_ops = ops;
	if (s->status != NULL)
		s->status(s, status, sizeof(status));
	if (!p->tty) {
		if (now - p->last_plain < PLAIN_EVERY_NS)
			return;
		p->last_plain = now;
		fprintf(stderr, "xs-stress: %s %.0fs: %s; %llu ops, %llu "
		    "failures\n", s->what != NULL ? s->what : "",
		    stress_elapsed(s), status, (unsigned long long)ops,
		    (unsigned long long)stats_failures(&s->st));
		return;
	}
	fprintf(stderr, "\r\033[K[%s %.1fs] %s | %llu ops %.0f/s | eagain "
	    "%llu | fail %llu", s->what != NULL ? s->what : "",
	    stress_elapsed(s), status, (unsigned long long)ops, p->rate,
	    (unsigned long long)s->st.eagain,
	    (unsigned long long)stats_failures(&s->st));
	s->st.line_dirty = true;
}

static double
us(int64_t ns)
{
	return (double)ns / 1000.0;
}

/* A percentile in us, "-" without samples. */
static void
pct(const struct hist *h, double p, char *buf, size_t len)
{
	if (h->n == 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", us(hist_pct(h, p)));
}

static void
table(const struct stress *s, FILE *f)
{
	char p50[24], p99[24];
	const struct result *r;
	unsigned i;
	uint64_t ops;

	fprintf(f, "\ndaemon: %s (%s), seed %llu\n", s->o.daemon, s->d.kind,
	    (unsigned long long)s->o.seed);
	fprintf(f, "%-11s %6s %8s %9s %9s %8s %8s %7s %6s %8s %8s\n",
	    "scenario", "guests", "secs", "ops", "ops/s", "p50(us)",
	    "p99(us)", "eagain", "fails", "rss(kB)", "hwm(kB)");
	for (i = 0; i < s->nres; i++) {
		r = &s->res[i];
		ops = r->st.gops + r->st.sops;
		pct(&r->st.glat, 50, p50, sizeof(p50));
		pct(&r->st.glat, 99, p99, sizeof(p99));
		fprintf(f, "%-11s %6u %8.2f %9llu %9.0f %8s %8s %7llu "
		    "%6llu %8ld %8ld\n", r->sc < SC_COUNT ?
		    scenario_names[r->sc] : "introduce", r->guests, r->secs,
		    (unsigned long long)ops, r->secs > 0 ? (double)ops /
		    r->secs : 0, p50, p99,
		    (unsigned long long)r->st.eagain,
		    (unsigned long long)stats_failures(&r->st), r->rss_kb,
		    r->hwm_kb);
	}
	if (s->check != NULL)
		fprintf(f, "CONTROL check: %s\n", s->check);
	for (i = 0; i < s->nres; i++) {
		r = &s->res[i];
		fprintf(f, "  %s: %s; guest requests %llu, dom0 requests %llu "
		    "(p50 %.1f us, p99 %.1f us), watch events %llu; CPU "
		    "seconds: daemon %.2f, xs-stress %.2f\n",
		    r->sc < SC_COUNT ? scenario_names[r->sc] : "introduce",
		    r->extra[0] ? r->extra : "-",
		    (unsigned long long)r->st.gops,
		    (unsigned long long)r->st.sops,
		    us(hist_pct(&r->st.slat, 50)),
		    us(hist_pct(&r->st.slat, 99)),
		    (unsigned long long)r->st.events, r->dcpu, r->scpu);
	}
}

static void
csv(const struct stress *s, FILE *f)
{
	const struct result *r;
	unsigned i;
	uint64_t ops;

	fprintf(f, "daemon,scenario,guests,seconds,ops,ops_per_s,p50_us,"
	    "p99_us,eagain,failures,rss_kb,hwm_kb,guest_ops,dom0_ops,"
	    "dom0_p50_us,dom0_p99_us,events,daemon_cpu_s,xs_stress_cpu_s\n");
	for (i = 0; i < s->nres; i++) {
		r = &s->res[i];
		ops = r->st.gops + r->st.sops;
		fprintf(f, "%s,%s,%u,%.3f,%llu,%.0f,%.1f,%.1f,%llu,%llu,%ld,"
		    "%ld,%llu,%llu,%.1f,%.1f,%llu,%.2f,%.2f\n", s->d.kind,
		    r->sc < SC_COUNT ? scenario_names[r->sc] : "introduce",
		    r->guests, r->secs, (unsigned long long)ops,
		    r->secs > 0 ? (double)ops / r->secs : 0,
		    us(hist_pct(&r->st.glat, 50)),
		    us(hist_pct(&r->st.glat, 99)),
		    (unsigned long long)r->st.eagain,
		    (unsigned long long)stats_failures(&r->st), r->rss_kb,
		    r->hwm_kb, (unsigned long long)r->st.gops,
		    (unsigned long long)r->st.sops,
		    us(hist_pct(&r->st.slat, 50)),
		    us(hist_pct(&r->st.slat, 99)),
		    (unsigned long long)r->st.events, r->dcpu, r->scpu);
	}
}

void
report_results(struct stress *s)
{
	report_progress(s, true);
	if (s->o.csv) {
		csv(s, stdout);
		table(s, stderr);
	} else {
		table(s, stdout);
	}
	fflush(stdout);
}
