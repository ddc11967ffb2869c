/*
 * tutil.c: helpers shared by the xensim tests.  Temporary directories go
 * under $TMPDIR (default /tmp), never under system paths.
 */
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tutil.h"

char *
tutil_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s/xensim-test.XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(buf) == NULL)
		return NULL;
	return strdup(buf);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void
tutil_rmrf(char **dirp)
{
	if (dirp == NULL || *dirp == NULL)
		return;
	nftw(*dirp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(*dirp);
	*dirp = NULL;
}

bool
tutil_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}
