/*
 * state.h: the daemon's whole state as a record stream (stream.h):
 * writing it (snapshots, live update) and applying a stream to a daemon
 * (recovery, live update, journal replay).
 *
 * A snapshot is:  preamble, META(gen), the "small state" as journal-style
 * records (quotas, domains, introduced rings and their watches, open
 * transactions and ring positions, special paths' permissions), the tree
 * as NODE_DATA in pre-order, CHECKSUM, END.  The small state is written
 * by the daemon thread; the tree, from a held root, may be written by
 * another thread (state_write_tree touches nothing else).
 */
#ifndef STATE_H
#define STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stream.h"
#include "trie.h"

struct xsd;

/* Everything but the tree (daemon thread only). */
void state_write_small(struct xsd *x, struct sbuf *b, uint64_t gen);
/* The tree under `root` (borrowed; any thread).  0 or -errno. */
int state_write_tree(const struct trie_node *root, struct sbuf *b);

/*
 * Which ACL entries still count (daemon_entry_alive: the domain is
 * tracked and was first seen before the node last changed), frozen by
 * the daemon thread for a writer in another thread.  A restore numbers
 * generations afresh, so an entry that no longer counts must be written
 * stale, or a domain reusing the id would get what the entry grants
 * (XSA-322) after a restart.  NULL on allocation failure.
 */
struct state_alive;
struct state_alive *state_alive_new(struct xsd *x);
void state_alive_free(struct state_alive *a);
/* state_write_tree, with entries that no longer count written stale. */
int state_write_tree_alive(const struct trie_node *root,
    const struct state_alive *a, struct sbuf *b);
/* Checksum and END. */
void state_write_end(struct sbuf *b);

/* Recovery: apply streams to the daemon, then re-attach the rings. */
struct restore;

int restore_new(struct xsd *x, struct restore **out);
void restore_free(struct restore **rp);

/*
 * Apply a snapshot (checksum verified first).  Replaces the store's tree.
 * *gen receives its generation.  0, or -EIO/-EINVAL with `why` set.
 */
int restore_snapshot(struct restore *r, const void *data, size_t len,
    uint64_t *gen, char *why, size_t whylen);

/*
 * Apply a journal's complete batches.  A torn last batch is dropped
 * (*dropped set); anything else corrupt is -EIO.  `expect_gen` must match
 * the journal's META record.
 */
int restore_journal(struct restore *r, const void *data, size_t len,
    uint64_t expect_gen, bool *dropped, char *why, size_t whylen);

/*
 * After the Xen handles exist: map the rings of introduced domains again,
 * bind their event channels by remote port, give them back their
 * watches (each fired once), pending input and output, and their open
 * transactions (which will fail with EAGAIN).  Returns the number of
 * domains whose ring could not be restored (they stay introduced,
 * marked broken, so their @releaseDomain still fires).
 */
int restore_instantiate(struct restore *r);

/* Did the streams restore dom0's own ring? */
bool restore_has_master(const struct restore *r);

/* --- live update --- */

struct conn;
struct xsd_sockmsg;

/*
 * The whole state for a live update: the small state, every connection
 * (socket descriptors, ring local ports, pending input and output, and
 * for `lu_conn` the reply `reply` appended), their watches and open
 * transactions (every recorded step), the tree.  Descriptors must be
 * kept open across the exec by the caller.
 */
void state_write_lu(struct xsd *x, struct sbuf *b, const struct conn *lu_conn,
    const struct xsd_sockmsg *reply);

/*
 * New process: apply a live-update stream (checksum verified first):
 * the tree and small state at once, the connections kept for
 * restore_lu_attach.  0 or -errno (why).
 */
int restore_live_update(struct restore *r, const void *data, size_t len,
    char *why, size_t whylen);

/* The inherited listening socket and event channel descriptors (-1). */
void restore_lu_fds(const struct restore *r, int *listen_fd,
    int *evtchn_fd);

/*
 * Re-create every connection on its inherited descriptor (sockets) or
 * bound port (rings, needs x->rings), with its pending output, watches
 * (no event: nothing happened) and transactions (rebuilt on the restored
 * tree; one whose reads no longer hold fails with EAGAIN), then hand
 * back the input each had not handled yet.  Returns the number of
 * connections that could not be restored.
 */
int restore_lu_attach(struct restore *r);

#endif
