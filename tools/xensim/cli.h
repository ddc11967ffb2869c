/*
 * cli.h: the xensim command's subcommands (cli*.c).  Each returns the
 * process exit status: 0 success, 1 failure (reported on stderr), 2 usage.
 */
#ifndef XENSIM_CLI_H
#define XENSIM_CLI_H

#include <stdint.h>

int cli_init(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_env(int argc, char **argv);
int cli_introduce(int argc, char **argv);
int cli_request(int argc, char **argv);

int cli_fail(const char *what, int rc);
int cli_usage(void);
int cli_u32(const char *s, uint32_t *out);
int cli_absdir(const char *dir, char *buf, size_t len);

#endif
