/*
 * config.h: the daemon's command line (the C xenstored's options plus our
 * own) and environment, parsed into one struct.  No globals; parsing
 * does not touch the system.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>

#include "quota.h"

struct xsd_config {
	bool no_fork;		/* -N */
	bool no_domain_init;	/* -D */
	bool output_pid;	/* -P */
	bool keep_orphans;	/* -K */
	bool verbose;		/* -V */
	bool live_update;	/* -U */
	bool test_hooks;	/* --test-hooks: test-only CONTROL commands */
	char *pid_file;		/* -F */
	char *trace_file;	/* -T */
	char *log_file;		/* --log-file */
	char *socket_path;	/* --socket, else XENSTORED_PATH/RUNDIR */
	char *rundir;		/* where the socket lives */
	int event_port;		/* --event (Mini-OS), -1 */
	unsigned master_domid;	/* --master-domid */
	unsigned priv_domid;	/* --priv-domid */
	unsigned watch_event_timeout;	/* -w watch-event=<s> */
	char *state_dir;	/* --state-dir, $XENSTORED_STATEDIR, or NULL */
	int fsync;		/* --fsync: enum persist_fsync */
	bool fresh;		/* --fresh: ignore saved state */
	unsigned long long journal_max;	/* --journal-max bytes */
	struct quota quota;	/* -E -S -W -t -A -M -Q -q */
};

/*
 * Parse argv.  Returns 0, 1 when the caller should exit successfully
 * (--help printed to `out`), or -EINVAL with a message written to `err`.
 * Ownership: strings in *cfg are owned by it; release with config_fini.
 */
int config_parse(struct xsd_config *cfg, int argc, char **argv,
    void *out, void *err);
void config_fini(struct xsd_config *cfg);

#endif
