/*
 * cli_run.c: xensim init, run and env.
 *
 * init creates the simulation and writes <dir>/oxenstored.conf (oxenstored
 * takes its dom0 ring, port, pid and log files from there); run exports
 * the preload and its environment and execs the daemon; env prints what a
 * client needs to reach that daemon's socket.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "xensim.h"

static int
write_conf(const char *dir)
{
	char path[PATH_MAX];
	FILE *f;
	int rc;

	if (snprintf(path, sizeof(path), "%s/oxenstored.conf", dir) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	if ((f = fopen(path, "w")) == NULL)
		return -errno;
	fprintf(f,
	    "# oxenstored configuration for the simulation in %s\n"
	    "# (written by xensim init; the socket is moved by the preload)\n"
	    "pid-file = %s/run/oxenstored.pid\n"
	    "xenstored-kva = %s/xsd_kva\n"
	    "xenstored-port = %s/xsd_port\n"
	    "xenstored-log-file = %s/oxenstored.log\n"
	    "access-log-file = %s/oxenstored-access.log\n"
	    "persistent = false\n", dir, dir, dir, dir, dir, dir);
	rc = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

int
cli_init(int argc, char **argv)
{
	char dir[PATH_MAX];
	struct xensim *sim;
	int rc;

	if (argc != 3)
		return cli_usage();
	if ((rc = xensim_create(argv[2], &sim)) < 0)
		return cli_fail(argv[2], rc);
	xensim_close(&sim);
	if ((rc = cli_absdir(argv[2], dir, sizeof(dir))) < 0 ||
	    (rc = write_conf(dir)) < 0)
		return cli_fail("oxenstored.conf", rc);
	return 0;
}

/* XENSIM_PRELOAD, else ../lib/libxensim.so next to this executable. */
static int
preload_path(char *buf, size_t len)
{
	const char *env = getenv("XENSIM_PRELOAD");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (env != NULL && env[0] != '\0') {
		if (strlen(env) >= len)
			return -ENAMETOOLONG;
		memcpy(buf, env, strlen(env) + 1);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0)
			return -errno;
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) == NULL)
			return -ENOENT;
		*slash = '\0';
		if (snprintf(buf, len, "%s/../lib/libxensim.so", exe) >=
		    (int)len)
			return -ENAMETOOLONG;
	}
	return access(buf, R_OK) < 0 ? -errno : 0;
}

/*
 * Give the daemon (and its clients) a socket, and pxenstored its state
 * directory, inside the simulation.
 */
static int
set_socket_env(const char *dir)
{
	char buf[PATH_MAX + 16];

	if (getenv("XENSTORED_STATEDIR") == NULL) {
		snprintf(buf, sizeof(buf), "%s/state", dir);
		if (setenv("XENSTORED_STATEDIR", buf, 1) < 0)
			return -errno;
	}
	if (getenv("XENSTORED_PATH") != NULL ||
	    getenv("XENSTORED_RUNDIR") != NULL)
		return 0;
	snprintf(buf, sizeof(buf), "%s/run", dir);
	if (setenv("XENSTORED_RUNDIR", buf, 1) < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "%s/socket", dir);
	return setenv("XENSTORED_PATH", buf, 1) < 0 ? -errno : 0;
}

int
cli_run(int argc, char **argv)
{
	char dir[PATH_MAX], so[PATH_MAX], pre[2 * PATH_MAX];
	const char *old = getenv("LD_PRELOAD");
	struct xensim *sim;
	int i = 3, rc;

	if (argc > i && strcmp(argv[i], "--") == 0)
		i++;
	if (argc <= i)
		return cli_usage();
	if ((rc = cli_absdir(argv[2], dir, sizeof(dir))) < 0 ||
	    (rc = xensim_open(dir, &sim)) < 0)
		return cli_fail(argv[2], rc);
	xensim_close(&sim);
	if ((rc = preload_path(so, sizeof(so))) < 0)
		return cli_fail("libxensim.so", rc);
	snprintf(pre, sizeof(pre), "%s%s%s", so, old != NULL && old[0] ? ":" :
	    "", old != NULL ? old : "");
	if (setenv("LD_PRELOAD", pre, 1) < 0 ||
	    setenv("XENSIM_DIR", dir, 1) < 0 ||
	    (rc = set_socket_env(dir)) < 0)
		return cli_fail("environment", rc < 0 ? rc : -errno);
	execvp(argv[i], argv + i);
	rc = errno;
	fprintf(stderr, "xensim: %s: %s\n", argv[i], strerror(rc));
	return 127;
}

int
cli_env(int argc, char **argv)
{
	char dir[PATH_MAX];
	int rc;

	if (argc != 3)
		return cli_usage();
	if ((rc = cli_absdir(argv[2], dir, sizeof(dir))) < 0)
		return cli_fail(argv[2], rc);
	printf("XENSTORED_PATH=%s/socket; export XENSTORED_PATH\n", dir);
	return 0;
}
