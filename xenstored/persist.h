/*
 * persist.h: never losing the store.  With a state directory the daemon
 * keeps a snapshot (written by a thread from a held root: no fork, no
 * pause) and a journal of every acknowledged change, appended before the
 * change's reply can be sent; on start it recovers from them.
 *
 *   <dir>/snapshot       the last complete snapshot (state.h)
 *   <dir>/snapshot.tmp   one being written (renamed when complete)
 *   <dir>/journal.<gen>  changes after the snapshot of generation <gen>
 *
 * A loop iteration's changes form one journal batch (journal.h), written
 * in the before-sleep hook; its replies are released after that.  When
 * the journal grows past a bound a new generation starts: a new journal,
 * and a snapshot of the state at that point; the older files go once the
 * snapshot is renamed into place.
 */
#ifndef PERSIST_H
#define PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trie.h"

struct conn;
struct domain;
struct restore;
struct watch;
struct xsd;

enum persist_fsync {
	PERSIST_FSYNC_NONE,	/* write(2) only: survives a daemon crash */
	PERSIST_FSYNC_BATCH,	/* fsync once per loop iteration */
	PERSIST_FSYNC_ALWAYS,	/* fsync every change before the next */
};

/*
 * Recover from x->cfg.state_dir (unless --fresh).  On success *rs holds
 * what remains to restore once the rings can be served
 * (restore_instantiate), or NULL when there was nothing to recover.
 * Corrupt state is an error (-EIO) with a message logged.
 */
int persist_start(struct xsd *x, struct restore **rs);

/*
 * Once the restored rings are attached: open a new journal generation and
 * snapshot the state as it now is.  0 or -errno.
 */
int persist_begin(struct xsd *x);
/*
 * Carry on with an existing state directory without recovering from it
 * (the state is live: after a live update, or a failed one): the next
 * generation starts now.  0 or -errno.
 */
int persist_resume(struct xsd *x);

/* Finish the batch, wait for a running snapshot, close the files. */
void persist_stop(struct xsd *x);

/* The journal hooks; each is a no-op without a state directory. */
enum persist_op { P_WRITE, P_MKDIR, P_RM, P_PERMS };
void persist_update(struct xsd *x, enum persist_op op, const char *path,
    const void *val, size_t len, const struct trie_perm *perms, size_t np,
    int creator);
/* A committed transaction: its writes, in order. */
void persist_commit(struct xsd *x, const struct trie_txn *tx);
void persist_introduce(struct xsd *x, const struct domain *d);
/* REC_PX_J_RELEASE/RESET/FORGET (v unused), SHUTDOWN/TARGET/FEATURES. */
void persist_domain(struct xsd *x, uint32_t type, unsigned domid,
    uint32_t v);
void persist_quota(struct xsd *x, uint32_t domid, unsigned id, bool soft,
    unsigned value);
/* A watch added to or removed from a ring connection (path as given). */
void persist_watch(struct xsd *x, const struct conn *c, const char *path,
    const char *token, int depth, bool relative, bool add);
void persist_txn(struct xsd *x, const struct conn *c, uint32_t txid,
    bool open);

/*
 * The root a snapshot being written holds (one reference, until the
 * snapshot is reaped), or NULL.  Borrowed: for the invariant checker.
 */
const struct trie_node *persist_held_root(const struct xsd *x);

/* Close the iteration's batch: write (and fsync by policy). */
void persist_batch_end(struct xsd *x);

/*
 * Start a new generation at the end of this loop iteration, or of the
 * first one after the snapshot being written (CONTROL persist snapshot).
 * 0, or -ENODEV without a state directory.
 */
int persist_compact(struct xsd *x);

/*
 * Test hook (--test-hooks, CONTROL persist fail-writes N): the next n
 * journal writes fail with EIO, as a full or failing disk would.
 * -ENODEV without a state directory.
 */
int persist_fail_writes(struct xsd *x, unsigned n);

/* For CONTROL persist: a one-line summary into buf. */
void persist_status(struct xsd *x, char *buf, size_t len);

#endif
