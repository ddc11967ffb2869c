/*
 * ipd.h: a daemon in the test's own process (struct xsd put together as
 * main.c does, without the socket), for recovery and restore checks that
 * look inside: every node, every counter.  With `xen`, the Xen handles
 * and ring transport too (the process must run under libxensim.so).
 */
#ifndef IPD_H
#define IPD_H

#include <stdbool.h>
#include <stddef.h>

struct xsd;

/*
 * A daemon configured by the command-line arguments `args` (NULL-
 * terminated, without argv[0]); NULL with a message on stderr if that
 * fails.  Nothing is recovered: see ipd_recover / ipd_restore.
 */
struct xsd *ipd_new(const char *const *args, bool xen);
/*
 * End loop passes until no connection has input kept for a later pass
 * (one throttled by the per-pass budget, or resumed after a stall): the
 * loop would not sleep before that, so this is the daemon at rest.
 */
void ipd_settle(struct xsd *x);

/* Tear down as main.c does (state stopped, rings, connections, ...). */
void ipd_free(struct xsd **xp);

/*
 * Recovery as the daemon does it at start (persist_start) from
 * x->cfg.state_dir; with `instantiate`, the restored rings are attached
 * (needs xen).  0, or the negative errno persist_start returned.
 */
int ipd_recover(struct xsd *x, bool instantiate);

/*
 * The tree as text, one line per node in pre-order (child order kept):
 * "path value-escaped (perms)".  malloc'ed.
 */
char *ipd_tree(struct xsd *x);

/*
 * Everything a restart must keep, as text: the tree with each ACL entry's
 * effective liveness, the accounting, the special paths' permissions,
 * global and per-domain quotas, the domains (features, target, shutdown
 * state, introduced, ring port, counters), and each ring connection's
 * watches and open transactions.  malloc'ed.
 */
char *ipd_describe(struct xsd *x);

/* Recover `dir` in a fresh daemon and return its tree (NULL: failed, and
 * *rc says why). */
char *ipd_recover_tree(const char *dir, int *rc);

#endif
