/*
 * cli_guest.c: xensim introduce (the toolstack's side, over the daemon's
 * socket) and xensim request (the guest's side, over a domain's ring).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>
#include <xen/io/xs_wire.h>

#include "cli.h"
#include "toolstack.h"
#include "xensim.h"

#define REQUEST_TIMEOUT_MS 10000

static int
default_socket(const char *dir)
{
	char abs[PATH_MAX], buf[PATH_MAX + 16];
	int rc;

	if (getenv("XENSTORED_PATH") != NULL ||
	    getenv("XENSTORED_RUNDIR") != NULL)
		return 0;
	if ((rc = cli_absdir(dir, abs, sizeof(abs))) < 0)
		return rc;
	snprintf(buf, sizeof(buf), "%s/socket", abs);
	return setenv("XENSTORED_PATH", buf, 1) < 0 ? -errno : 0;
}

int
cli_introduce(int argc, char **argv)
{
	struct xensim_domain d;
	struct xs_handle *xs;
	struct xensim *sim;
	uint32_t domid;
	int rc;

	if ((argc != 4 && argc != 5) || cli_u32(argv[3], &domid) < 0)
		return cli_usage();
	if ((rc = xensim_open(argv[2], &sim)) < 0)
		return cli_fail(argv[2], rc);
	rc = xensim_domain_get(sim, domid, &d);
	xensim_close(&sim);
	if (rc < 0)
		return cli_fail(argv[3], rc);
	if ((rc = default_socket(argv[2])) < 0)
		return cli_fail("socket", rc);
	if ((xs = xs_open(XS_OPEN_SOCKETONLY)) == NULL)
		return cli_fail("xs_open", -errno);
	rc = xsim_toolstack_introduce(xs, &d, argc == 5 ? argv[4] : NULL);
	xs_close(xs);
	return rc < 0 ? cli_fail("introduce", rc) : 0;
}

static const struct {
	const char *name;
	uint32_t type;
} types[] = {
	{ "read", XS_READ }, { "write", XS_WRITE },
	{ "directory", XS_DIRECTORY }, { "ls", XS_DIRECTORY },
	{ "mkdir", XS_MKDIR }, { "rm", XS_RM },
	{ "get-perms", XS_GET_PERMS }, { "set-perms", XS_SET_PERMS },
	{ "get-domain-path", XS_GET_DOMAIN_PATH },
	{ "is-domain-introduced", XS_IS_DOMAIN_INTRODUCED },
	{ "control", XS_CONTROL }, { "reset-watches", XS_RESET_WATCHES },
};

static int
parse_type(const char *s, uint32_t *type)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(s, types[i].name) == 0) {
			*type = types[i].type;
			return 0;
		}
	}
	return cli_u32(s, type);
}

/* Arguments joined by NULs; a write's value has no terminator. */
static int
payload(uint32_t type, int argc, char **argv, char *buf, size_t *len)
{
	size_t n = 0, l;
	int i;

	for (i = 0; i < argc; i++) {
		l = strlen(argv[i]) + 1;
		if (n + l > XENSTORE_PAYLOAD_MAX)
			return -EMSGSIZE;
		memcpy(buf + n, argv[i], l);
		n += l;
	}
	if (type == XS_WRITE && argc > 1)
		n--;
	*len = n;
	return 0;
}

int
cli_request(int argc, char **argv)
{
	char req[XENSTORE_PAYLOAD_MAX], rsp[XENSTORE_PAYLOAD_MAX + 1];
	struct xensim_guest *g;
	struct xensim *sim;
	uint32_t domid, type, rtype;
	size_t len, i;
	int rc;

	if (argc < 5 || cli_u32(argv[3], &domid) < 0 ||
	    parse_type(argv[4], &type) < 0)
		return cli_usage();
	if ((rc = payload(type, argc - 5, argv + 5, req, &len)) < 0)
		return cli_fail("request", rc);
	if ((rc = xensim_open(argv[2], &sim)) < 0)
		return cli_fail(argv[2], rc);
	if ((rc = xensim_guest_attach(sim, domid, NULL, &g)) < 0) {
		xensim_close(&sim);
		return cli_fail("attach", rc);
	}
	rc = xensim_guest_request(g, type, 1, 0, req, len, &rtype, rsp,
	    sizeof(rsp), REQUEST_TIMEOUT_MS);
	xensim_guest_detach(&g);
	xensim_close(&sim);
	if (rc < 0)
		return cli_fail("request", rc);
	for (i = 0; i < (size_t)rc; i++)
		if (rsp[i] == '\0')
			rsp[i] = '\n';
	if (rtype == XS_ERROR) {
		fprintf(stderr, "xensim: error %s\n", rsp);
		return 1;
	}
	fwrite(rsp, 1, (size_t)rc, stdout);
	if (rc > 0 && rsp[rc - 1] != '\n')
		putchar('\n');
	return 0;
}
