/*
 * tutil.h: helpers shared by the xensim tests: temporary simulation
 * directories and fd readiness.
 */
#ifndef XENSIM_TUTIL_H
#define XENSIM_TUTIL_H

#include <stdbool.h>

char *tutil_mkdtemp(void);
void tutil_rmrf(char **dirp);
bool tutil_readable(int fd, int timeout_ms);

#endif
