/*
 * opts.c: the command line of xs-stress (see usage below and
 * docs/xs-stress.md).  The daemon and the xensim CLI default to the ones
 * next to the xs-stress executable (the same build tree).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stress.h"
#include "util.h"

static const char usage_text[] =
"usage: xs-stress [options]\n"
"  -g, --guests N         simulated guests (default 160)\n"
"  -s, --scenario LIST    boot-storm, steady, churn, hostile; repeatable\n"
"                         or comma-separated, run in order on the same\n"
"                         daemon and guests (default boot-storm,steady)\n"
"  -d, --daemon CMD       daemon command line (default: pxenstored -N\n"
"                         next to this program); oxenstored gets\n"
"                         --no-fork --config-file <generated>\n"
"  -t, --duration SECS    steady/hostile load duration (default 10,\n"
"                         or none with --ops)\n"
"  -n, --ops N            steady/hostile: stop after N guest requests\n"
"  -S, --seed N           random seed (default: from the clock; printed)\n"
"  -k, --keep             keep the simulation directory and daemon log\n"
"  -c, --csv              CSV results on stdout (table on stderr)\n"
"      --check            send CONTROL check at the end (default for\n"
"                         pxenstored)\n"
"      --no-check         do not\n"
"      --xensim PATH      the xensim CLI (default: next to this program)\n"
"      --toolstacks K     parallel toolstack connections (default 4)\n"
"      --queue-size Q     guests per event queue (default 32)\n"
"      --timeout SECS     limit of each phase (default 600)\n"
"      --request-timeout SECS  limit of each request (default 60)\n"
"      --churn-rounds R   churn rounds (default 3)\n"
"      --churn-pct P      guests replaced per round, %% (default 10)\n"
"      --hostile N        misbehaving guests in hostile (default 4)\n"
"      --progress         progress output even when stderr is not a\n"
"                         terminal: a plain line every 10 s\n"
"      --no-progress      no progress output (default when stderr is\n"
"                         not a terminal)\n"
"      --fault KIND       self-test: make xs-stress see a failure\n"
"                         (lose-event, mismatch) to prove it reports it\n"
"  -h, --help\n";

enum {
	O_CHECK = 256, O_NOCHECK, O_XENSIM, O_TOOLSTACKS, O_QSIZE, O_TIMEOUT,
	O_REQTIMEOUT, O_ROUNDS, O_PCT, O_HOSTILE, O_NOPROGRESS, O_PROGRESS,
	O_FAULT,
};

static const struct option longopts[] = {
	{ "guests", required_argument, NULL, 'g' },
	{ "scenario", required_argument, NULL, 's' },
	{ "daemon", required_argument, NULL, 'd' },
	{ "duration", required_argument, NULL, 't' },
	{ "ops", required_argument, NULL, 'n' },
	{ "seed", required_argument, NULL, 'S' },
	{ "keep", no_argument, NULL, 'k' },
	{ "csv", no_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "check", no_argument, NULL, O_CHECK },
	{ "no-check", no_argument, NULL, O_NOCHECK },
	{ "xensim", required_argument, NULL, O_XENSIM },
	{ "toolstacks", required_argument, NULL, O_TOOLSTACKS },
	{ "queue-size", required_argument, NULL, O_QSIZE },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "request-timeout", required_argument, NULL, O_REQTIMEOUT },
	{ "churn-rounds", required_argument, NULL, O_ROUNDS },
	{ "churn-pct", required_argument, NULL, O_PCT },
	{ "hostile", required_argument, NULL, O_HOSTILE },
	{ "no-progress", no_argument, NULL, O_NOPROGRESS },
	{ "progress", no_argument, NULL, O_PROGRESS },
	{ "fault", required_argument, NULL, O_FAULT },
	{ NULL, 0, NULL, 0 },
};

static int
num(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
secs(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > 1e6)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
add_scenarios(struct opts *o, const char *list)
{
	char *copy = xstrdup(list), *tok, *save = NULL;
	int i, rc = 0;

	for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == 0;
	    tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < SC_COUNT; i++)
			if (strcmp(tok, scenario_names[i]) == 0)
				break;
		if (i == SC_COUNT) {
			fprintf(stderr, "xs-stress: unknown scenario %s\n",
			    tok);
			rc = -EINVAL;
		} else if (o->nsc == MAX_SCENARIOS) {
			fprintf(stderr, "xs-stress: too many scenarios\n");
			rc = -EINVAL;
		} else {
			o->sc[o->nsc++] = (enum scenario_id)i;
		}
	}
	free(copy);
	return rc;
}

/* dir/name next to our own executable, in buf (else name). */
static const char *
sibling(const char *name, char *buf, size_t len)
{
	char exe[PATH_MAX], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return name;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return name;
	*slash = '\0';
	if (strlen(exe) + 1 + strlen(name) + 1 > len)
		return name;
	memcpy(buf, exe, strlen(exe));
	buf[strlen(exe)] = '/';
	memcpy(buf + strlen(exe) + 1, name, strlen(name) + 1);
	return buf;
}

int
opts_parse(struct opts *o, int argc, char **argv)
{
	static char px[PATH_MAX + 8], xs[PATH_MAX];
	unsigned long long v;
	bool check_set = false, seeded = false;
	int c, bad = 0;

	memset(o, 0, sizeof(*o));
	o->guests = 160;
	o->toolstacks = 4;
	o->qsize = 32;
	o->timeout = 600;
	o->req_timeout = 60;
	o->churn_rounds = 3;
	o->churn_pct = 10;
	o->hostile = 4;
	o->progress = isatty(2);
	while ((c = getopt_long(argc, argv, "g:s:d:t:n:S:kch", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'g':
			bad |= num(optarg, XENSIM_MAX_DOMID - 1, &v) < 0 ||
			    v == 0;
			o->guests = (unsigned)v;
			break;
		case 's':
			bad |= add_scenarios(o, optarg) < 0;
			break;
		case 'd':
			o->daemon = optarg;
			break;
		case 't':
			bad |= secs(optarg, &o->duration) < 0;
			break;
		case 'n':
			bad |= num(optarg, UINT64_MAX / 2, &v) < 0 || v == 0;
			o->ops = v;
			break;
		case 'S':
			bad |= num(optarg, UINT64_MAX, &v) < 0;
			o->seed = v;
			seeded = true;
			break;
		case 'k':
			o->keep = true;
			break;
		case 'c':
			o->csv = true;
			break;
		case O_CHECK:
		case O_NOCHECK:
			o->check = c == O_CHECK;
			check_set = true;
			break;
		case O_XENSIM:
			o->xensim = optarg;
			break;
		case O_TOOLSTACKS:
			bad |= num(optarg, 256, &v) < 0 || v == 0;
			o->toolstacks = (unsigned)v;
			break;
		case O_QSIZE:
			bad |= num(optarg, 4096, &v) < 0 || v == 0;
			o->qsize = (unsigned)v;
			break;
		case O_TIMEOUT:
			bad |= secs(optarg, &o->timeout) < 0;
			break;
		case O_REQTIMEOUT:
			bad |= secs(optarg, &o->req_timeout) < 0;
			break;
		case O_ROUNDS:
			bad |= num(optarg, 1000, &v) < 0;
			o->churn_rounds = (unsigned)v;
			break;
		case O_PCT:
			bad |= num(optarg, 50, &v) < 0 || v == 0;
			o->churn_pct = (unsigned)v;
			break;
		case O_HOSTILE:
			bad |= num(optarg, 1000, &v) < 0;
			o->hostile = (unsigned)v;
			break;
		case O_PROGRESS:
			o->progress = true;
			break;
		case O_NOPROGRESS:
			o->progress = false;
			break;
		case O_FAULT:
			o->fault = optarg;
			bad |= strcmp(optarg, "lose-event") != 0 &&
			    strcmp(optarg, "mismatch") != 0;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			bad = 1;
		}
	}
	if (bad || optind != argc) {
		fputs(usage_text, stderr);
		return -EINVAL;
	}
	if (o->nsc == 0) {
		o->sc[o->nsc++] = SC_BOOT;
		o->sc[o->nsc++] = SC_STEADY;
	}
	if (o->daemon == NULL) {
		snprintf(px, sizeof(px), "%s -N", sibling("pxenstored", xs,
		    sizeof(xs)));
		o->daemon = px;
	}
	if (o->xensim == NULL)
		o->xensim = sibling("xensim", xs, sizeof(xs));
	if (!seeded)
		o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
	o->check = check_set ? o->check : false;
	o->check_set = check_set;
	return 0;
}
