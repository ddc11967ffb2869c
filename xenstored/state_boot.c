/*
 * state_boot.c: the boot id stamp of the state directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "state_boot.h"

#define STAMP "boot_id"
#define ID_MAX 64	/* a UUID is 36 characters and a newline */

/* Read a short file into buf (NUL-terminated).  Bytes read, or -errno. */
static ssize_t
read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

bool
state_boot_matches(const char *dir, const char *source)
{
	char now[ID_MAX], saved[ID_MAX], path[4096];

	if (read_small(source, now, sizeof(now)) <= 0)
		return true;
	if (snprintf(path, sizeof(path), "%s/%s", dir, STAMP) >=
	    (int)sizeof(path))
		return false;
	if (read_small(path, saved, sizeof(saved)) < 0)
		return true;	/* no stamp: nothing says it is stale */
	return strcmp(now, saved) == 0;
}

int
state_boot_stamp(const char *dir, const char *source)
{
	char now[ID_MAX], tmp[4096], path[4096];
	ssize_t n = read_small(source, now, sizeof(now));
	int fd, rc = 0;

	if (n <= 0)
		return 0;
	if (snprintf(path, sizeof(path), "%s/%s", dir, STAMP) >=
	    (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, STAMP) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, now, (size_t)n) != n)
		rc = errno ? -errno : -EIO;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}
