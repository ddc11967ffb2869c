/*
 * readfile.h: a whole file into memory, for the daemon's state files and
 * the tools and tests that read them.
 */
#ifndef READFILE_H
#define READFILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Read all of the regular file `path`.  Returns 0 with *data (malloc'ed,
 * owned by the caller; one byte longer than *len, set to NUL, so that a
 * text file is a string) and *len; -EINVAL for anything but a regular
 * file (a FIFO would block the reader); -ENOMEM; or -errno (-ENOENT...).
 */
int read_whole_file(const char *path, uint8_t **data, size_t *len);

#endif
