/*
 * ops_control.c: XS_CONTROL sub-commands (control.md): check, log,
 * logfile, memreport, print, quota, quota-soft, help, and the test-only
 * test-unpriv and test-failalloc (with --test-hooks).  Output formats follow the C daemon's
 * for humans; nothing parses them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "journal.h"
#include "liveupdate.h"
#include "persist.h"
#include "request.h"
#include "ring_conn.h"
#include "txn.h"
#include "xs_errors.h"

struct text {
	char *buf;
	size_t len, cap;
};

static void
tprintf(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
tprintf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len >= t->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n < t->cap - t->len ? (size_t)n :
		    t->cap - t->len;
}

static int
text_reply(struct req *r, struct text *t)
{
	if (t->len >= t->cap)
		t->len = t->cap - 1;
	t->buf[t->len] = '\0';
	r->outlen = t->len + 1;
	return 0;
}

static void
check_log(void *arg, const char *problem)
{
	struct xsd *x = arg;

	log_err(&x->log, "check: %s", problem);
}

/* Every problem is logged; the reply only says whether there was one. */
static int
ctl_check(struct req *r)
{
	unsigned n;

	if (r->argc != 1)
		return -EINVAL;
	n = check_all(r->x, check_log, r->x);
	if (n > CHECK_REPORT_MAX)
		log_err(&r->x->log, "check: %u problems in all", n);
	return n > 0 ? -EIO : req_ok(r);
}

static int
ctl_log(struct req *r)
{
	struct text t = { r->out, 0, XENSTORE_PAYLOAD_MAX };

	if (r->argc == 1) {
		tprintf(&t, "Trace file: %s\n%-8s: %s\n",
		    r->x->log.trace_path ? r->x->log.trace_path : "(none)",
		    "io", log_tracing(&r->x->log) ? "on" : "off");
		return text_reply(r, &t);
	}
	if (r->argc != 2)
		return -EINVAL;
	if (strcmp(r->argv[1], "on") == 0) {
		if (log_trace_open(&r->x->log, NULL) < 0)
			return -EINVAL;
	} else if (strcmp(r->argv[1], "off") == 0) {
		log_trace_close(&r->x->log);
	} else if (r->argv[1][0] == '+' || r->argv[1][0] == '-') {
		/* one trace class here: every request and reply */
		if (strcmp(r->argv[1] + 1, "io") != 0 &&
		    strcmp(r->argv[1] + 1, "obj") != 0)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	return req_ok(r);
}

static int
ctl_logfile(struct req *r)
{
	int rc;

	if (r->argc != 2 || r->argv[1][0] == '\0')
		return -EINVAL;
	rc = log_trace_open(&r->x->log, r->argv[1]);
	return rc < 0 ? rc : req_ok(r);
}

/* Bytes the connections hold: output queued, input kept. */
static void
buffered(struct xsd *x, unsigned long long *out, unsigned long long *in,
    unsigned long long *guest_out)
{
	struct conn *c;

	*out = *in = *guest_out = 0;
	TAILQ_FOREACH(c, &x->conns, link) {
		*out += conn_out_pending(c);
		*in += c->inlen;
		if (!c->priv && conn_out_pending(c) > *guest_out)
			*guest_out = conn_out_pending(c);
	}
}

static unsigned
deferred_count(struct xsd *x)
{
	struct conn *c;
	unsigned n = 0;

	TAILQ_FOREACH(c, &x->deferred, deferred_link)
		n++;
	return n;
}

static void
memreport(struct xsd *x, FILE *f)
{
	unsigned long long out, in, guest_out;

	fprintf(f, "pxenstored memory report\n");
	fprintf(f, "  trie nodes        %llu\n",
	    (unsigned long long)trie_ctx_live_nodes(x->store.cx));
	fprintf(f, "  trie bytes        %llu\n",
	    (unsigned long long)trie_ctx_live_bytes(x->store.cx));
	fprintf(f, "  connections       %u\n", x->nconns);
	fprintf(f, "  watches           %zu\n", x->watches.count);
	fprintf(f, "  domains tracked   %zu\n", x->doms.count);
	fprintf(f, "  requests          %llu\n", x->stats.requests);
	fprintf(f, "  events sent       %llu (dropped %llu)\n",
	    x->stats.events, x->stats.events_dropped);
	fprintf(f, "  commits           swap %llu graft %llu replay %llu "
	    "read-only %llu, EAGAIN %llu\n", x->stats.commits[1],
	    x->stats.commits[2], x->stats.commits[3], x->stats.commits[0],
	    x->stats.eagain);
	buffered(x, &out, &in, &guest_out);
	fprintf(f, "  queued output     %llu (largest of a guest %llu)\n",
	    out, guest_out);
	fprintf(f, "  buffered input    %llu\n", in);
	fprintf(f, "  passes            %llu\n", x->stats.passes);
	fprintf(f, "  busiest pass      %u requests (one guest connection: "
	    "%u)\n", x->stats.max_pass_requests,
	    x->stats.max_conn_pass_requests);
	fprintf(f, "  protected         %lu (deferred %u)\n",
	    x->protect != NULL ? x->protect->id : 0, deferred_count(x));
}

static int
ctl_memreport(struct req *r)
{
	FILE *f;

	if (r->argc > 2)
		return -EINVAL;
	if (r->argc == 2) {
		f = fopen(r->argv[1], "ae");
		if (f == NULL)
			return -EINVAL;
		memreport(r->x, f);
		fclose(f);
	} else {
		if (!log_tracing(&r->x->log))
			return -EBADF;	/* sent as EINVAL, like C */
		memreport(r->x, r->x->log.trace);
	}
	return req_ok(r);
}

static int
ctl_print(struct req *r)
{
	if (r->argc != 2)
		return -EINVAL;
	log_trace(&r->x->log, "control: %s", r->argv[1]);
	log_info(&r->x->log, "control: %s", r->argv[1]);
	return req_ok(r);
}

static int
ctl_quota(struct req *r, bool soft)
{
	struct text t = { r->out, 0, XENSTORE_PAYLOAD_MAX };
	struct quota *q = &r->x->cfg.quota;
	unsigned long v;
	int id;

	if (r->argc == 1) {
		tprintf(&t, "%s quota settings:\n", soft ? "Soft" : "Hard");
		for (id = 0; id < Q_COUNT; id++) {
			unsigned val = soft ? q->soft[id] : q->hard[id];

			if (val == QUOTA_NA)
				continue;
			tprintf(&t, "%-17s: %8u %s\n", quota_name(id), val,
			    quota_describe(id));
		}
		return text_reply(r, &t);
	}
	if (r->argc == 4 && strcmp(r->argv[1], "set") == 0) {
		id = quota_by_name(r->argv[2]);
		if (id < 0 || !wire_uint(r->argv[3], 0x7fffffff, &v) ||
		    v < 1 || (soft && id != Q_MEMORY))
			return -EINVAL;
		if (soft)
			q->soft[id] = (unsigned)v;
		else
			q->hard[id] = (unsigned)v;
		persist_quota(r->x, J_GLOBAL_QUOTA, (unsigned)id, soft,
		    (unsigned)v);
		return req_ok(r);
	}
	if (r->argc == 2 && !soft) {
		unsigned domid;
		struct domain *d;
		struct trie_acct_entry use;

		if (req_domid(r->argv[1], &domid) < 0)
			return -EINVAL;
		d = domain_find(&r->x->doms, domid);
		if (d == NULL)
			return -ENOENT;
		use = store_usage(&r->x->store, domid);
		tprintf(&t, "Domain %u:\n", domid);
		tprintf(&t, "%-17s: %8lld\n", "nodes", (long long)use.nodes);
		tprintf(&t, "%-17s: %8u\n", "watches", d->watches);
		tprintf(&t, "%-17s: %8u\n", "transactions", d->txns);
		tprintf(&t, "%-17s: %8u\n", "outstanding", d->outstanding);
		tprintf(&t, "%-17s: %8llu\n", "memory", (unsigned long long)
		    daemon_charged(r->x, d) + d->queued_bytes);
		return text_reply(r, &t);
	}
	return -EINVAL;
}

static int
ctl_test_unpriv(struct req *r)
{
	unsigned domid;
	struct conn *c = r->c;

	if (!r->x->cfg.test_hooks || r->argc != 2 ||
	    req_domid(r->argv[1], &domid) < 0 || c->ntxns || c->nwatches)
		return -EINVAL;
	c->dom = daemon_track(r->x, domid);
	if (c->dom == NULL)
		return -ENOMEM;
	c->dom->nconns++;
	/* Output still queued from before is the domain's from now on. */
	c->dom->queued_bytes += conn_out_pending(c);
	c->dom->outstanding += c->outmsgs;
	c->domid = domid;
	c->priv = false;
	return req_ok(r);
}

/*
 * test-failalloc [<k>]: fail the k-th allocation of the store from now
 * (0 disarms); the answer is the number of allocations refused so far.
 */
static int
ctl_test_failalloc(struct req *r)
{
	struct text t = { r->out, 0, XENSTORE_PAYLOAD_MAX };
	unsigned long k = 0;

	if (!r->x->cfg.test_hooks || r->x->store.faults == NULL ||
	    r->argc > 2 || (r->argc == 2 && !wire_uint(r->argv[1],
	    0x7fffffff, &k)))
		return -EINVAL;
	if (r->argc == 2)
		store_fail_alloc(&r->x->store, k);
	tprintf(&t, "%llu", (unsigned long long)r->x->store.faults->failed);
	return text_reply(r, &t);
}

static int
ctl_persist(struct req *r)
{
	int rc;

	if (r->argc == 1 || (r->argc == 2 && strcmp(r->argv[1], "status") == 0)) {
		persist_status(r->x, r->out, XENSTORE_PAYLOAD_MAX);
		r->outlen = strlen(r->out) + 1;
		return 0;
	}
	if (r->argc == 2 && strcmp(r->argv[1], "snapshot") == 0) {
		rc = persist_compact(r->x);
		return rc < 0 ? (rc == -ENODEV ? -EINVAL : rc) : req_ok(r);
	}
	if (r->argc == 3 && strcmp(r->argv[1], "fail-writes") == 0 &&
	    r->x->cfg.test_hooks) {
		unsigned long n;

		if (!wire_uint(r->argv[2], 1000, &n))
			return -EINVAL;
		rc = persist_fail_writes(r->x, (unsigned)n);
		return rc < 0 ? -EINVAL : req_ok(r);
	}
	return -EINVAL;
}

static int ctl_help(struct req *r);

static const struct {
	const char *name;
	int (*fn)(struct req *r);
	const char *args;
} cmds[] = {
	{ "check", ctl_check, "" },
	{ "log", ctl_log, "[on|off|+io|-io]" },
	{ "logfile", ctl_logfile, "<file>" },
	{ "memreport", ctl_memreport, "[<file>]" },
	{ "print", ctl_print, "<string>" },
	{ "quota", NULL, "[set <name> <val>|<domid>]" },
	{ "quota-soft", NULL, "[set <name> <val>]" },
	{ "persist", ctl_persist, "[status|snapshot]" },
	{ "live-update", NULL, "[-c <cmdline>] [-F] [-t <timeout>] <file>" },
	{ "help", ctl_help, "" },
};

static int
ctl_help(struct req *r)
{
	struct text t = { r->out, 0, XENSTORE_PAYLOAD_MAX };
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		tprintf(&t, "%-15s %s\n", cmds[i].name, cmds[i].args);
	return text_reply(r, &t);
}

int
op_control(struct req *r)
{
	size_t i;

	if (r->argc == 0)
		return -EINVAL;
	if (strcmp(r->argv[0], "quota") == 0)
		return ctl_quota(r, false);
	if (strcmp(r->argv[0], "quota-soft") == 0)
		return ctl_quota(r, true);
	if (strcmp(r->argv[0], "test-unpriv") == 0)
		return ctl_test_unpriv(r);
	if (strcmp(r->argv[0], "test-failalloc") == 0)
		return ctl_test_failalloc(r);
	if (strcmp(r->argv[0], "live-update") == 0)
		return liveupdate_control(r);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].fn != NULL && strcmp(r->argv[0], cmds[i].name) == 0)
			return cmds[i].fn(r);
	return -EINVAL;
}
