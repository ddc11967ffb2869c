/*
 * cli.c: the xensim command: argument dispatch and the domain subcommands
 * (create, list, shutdown, resume, kill, destroy).  The simulation and
 * daemon subcommands are in cli_run.c, the guest/toolstack ones in
 * cli_guest.c.  Usage in docs/simulated-xen.md and `xensim help`.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xensim.h"

static const char usage_text[] =
"usage: xensim init DIR                  create a simulation in DIR\n"
"       xensim run DIR [--] CMD [ARG...] run CMD (a daemon) under it\n"
"       xensim env DIR                   print its client environment\n"
"       xensim create DIR [--domid N] [--hvm] [--nogrant] [--gfn N]\n"
"                                        new domain: prints DOMID GFN PORT\n"
"       xensim introduce DIR DOMID [NAME] write its nodes, XS_INTRODUCE\n"
"       xensim list DIR                  the domain table\n"
"       xensim shutdown DIR DOMID [poweroff|reboot|suspend|crash|N]\n"
"       xensim resume DIR DOMID          undo a shutdown\n"
"       xensim kill DIR DOMID            make dying (VIRQ_DOM_EXC)\n"
"       xensim destroy DIR DOMID         kill and free the domid\n"
"       xensim request DIR DOMID TYPE [ARG...]\n"
"                                        one request over DOMID's ring,\n"
"                                        e.g. read PATH, write PATH VALUE\n";

int
cli_usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

int
cli_fail(const char *what, int rc)
{
	fprintf(stderr, "xensim: %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
	return 1;
}

int
cli_u32(const char *s, uint32_t *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v > UINT32_MAX ||
	    s[0] == '-')
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int
cli_absdir(const char *dir, char *buf, size_t len)
{
	char tmp[PATH_MAX];

	if (realpath(dir, tmp) == NULL)
		return -errno;
	if (strlen(tmp) >= len)
		return -ENAMETOOLONG;
	memcpy(buf, tmp, strlen(tmp) + 1);
	return 0;
}

static const char *
state_name(const struct xensim_domain *d)
{
	static const char *const reasons[] = {
		"poweroff", "reboot", "suspend", "crash", "watchdog",
		"soft_reset",
	};

	switch (d->state) {
	case XENSIM_RUNNING:
		return "running";
	case XENSIM_DYING:
		return "dying";
	case XENSIM_SHUTDOWN:
		if (d->shutdown_reason < sizeof(reasons) / sizeof(reasons[0]))
			return reasons[d->shutdown_reason];
		return "shutdown";
	}
	return "?";
}

static int
cmd_create(int argc, char **argv)
{
	struct xensim_domain_params p;
	struct xensim_domain d;
	struct xensim *sim;
	uint32_t v;
	int i, rc;

	xensim_domain_params_init(&p);
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--hvm") == 0) {
			p.flags |= XENSIM_F_HVM;
		} else if (strcmp(argv[i], "--nogrant") == 0) {
			p.flags |= XENSIM_F_NOGRANT;
		} else if (strcmp(argv[i], "--domid") == 0 && i + 1 < argc &&
		    cli_u32(argv[i + 1], &v) == 0) {
			p.domid = v;
			i++;
		} else if (strcmp(argv[i], "--gfn") == 0 && i + 1 < argc &&
		    cli_u32(argv[i + 1], &v) == 0) {
			p.gfn = v;
			i++;
		} else {
			return cli_usage();
		}
	}
	if ((rc = xensim_open(argv[2], &sim)) < 0)
		return cli_fail(argv[2], rc);
	rc = xensim_domain_create(sim, &p, &d);
	xensim_close(&sim);
	if (rc < 0)
		return cli_fail("create", rc);
	printf("%u %" PRIu64 " %u\n", d.domid, d.gfn, d.port);
	return 0;
}

static int
cmd_list(const char *dir)
{
	struct xensim_domain d;
	struct xensim *sim;
	uint32_t id = 0;
	int rc;

	if ((rc = xensim_open(dir, &sim)) < 0)
		return cli_fail(dir, rc);
	printf("%-6s %-10s %-6s %-10s %s\n", "domid", "state", "port", "gfn",
	    "flags");
	while (id <= XENSIM_MAX_DOMID && xensim_domain_next(sim, id, &d) == 0) {
		printf("%-6u %-10s %-6u %#-10" PRIx64 " %s%s%s%s\n", d.domid,
		    state_name(&d), d.port, d.gfn,
		    d.flags & XENSIM_F_PRIV ? "priv " : "",
		    d.flags & XENSIM_F_HVM ? "hvm " : "",
		    d.flags & XENSIM_F_NOGRANT ? "nogrant " : "",
		    d.flags & XENSIM_F_PAUSED ? "paused" : "");
		id = d.domid + 1;
	}
	xensim_close(&sim);
	return 0;
}

static int
parse_reason(const char *s, unsigned int *out)
{
	static const char *const names[] = {
		"poweroff", "reboot", "suspend", "crash", "watchdog",
		"soft_reset",
	};
	uint32_t v;
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	if (cli_u32(s, &v) < 0 || v > 255)
		return -EINVAL;
	*out = v;
	return 0;
}

/* shutdown, resume, kill, destroy: DIR DOMID [ARG]. */
static int
cmd_domain(int argc, char **argv)
{
	struct xensim *sim;
	unsigned int reason = 0;
	const char *op = argv[1];
	uint32_t domid;
	int rc;

	if (argc < 4 || cli_u32(argv[3], &domid) < 0)
		return cli_usage();
	if (strcmp(op, "shutdown") == 0) {
		if (argc > 5 || (argc == 5 && parse_reason(argv[4],
		    &reason) < 0))
			return cli_usage();
	} else if (argc != 4) {
		return cli_usage();
	}
	if ((rc = xensim_open(argv[2], &sim)) < 0)
		return cli_fail(argv[2], rc);
	if (strcmp(op, "shutdown") == 0)
		rc = xensim_domain_shutdown(sim, domid, reason);
	else if (strcmp(op, "resume") == 0)
		rc = xensim_domain_resume(sim, domid);
	else if (strcmp(op, "kill") == 0)
		rc = xensim_domain_kill(sim, domid);
	else
		rc = xensim_domain_destroy(sim, domid);
	xensim_close(&sim);
	return rc < 0 ? cli_fail(op, rc) : 0;
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "help";

	if (argc < 3 || strcmp(cmd, "help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "--help") == 0)
		return cli_usage();
	if (strcmp(cmd, "init") == 0)
		return cli_init(argc, argv);
	if (strcmp(cmd, "run") == 0)
		return cli_run(argc, argv);
	if (strcmp(cmd, "env") == 0)
		return cli_env(argc, argv);
	if (strcmp(cmd, "create") == 0)
		return cmd_create(argc, argv);
	if (strcmp(cmd, "list") == 0)
		return argc == 3 ? cmd_list(argv[2]) : cli_usage();
	if (strcmp(cmd, "shutdown") == 0 || strcmp(cmd, "resume") == 0 ||
	    strcmp(cmd, "kill") == 0 || strcmp(cmd, "destroy") == 0)
		return cmd_domain(argc, argv);
	if (strcmp(cmd, "introduce") == 0)
		return cli_introduce(argc, argv);
	if (strcmp(cmd, "request") == 0)
		return cli_request(argc, argv);
	return cli_usage();
}
