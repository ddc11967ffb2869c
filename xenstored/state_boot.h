/*
 * state_boot.h: saved state belongs to one boot of the host.
 *
 * The store describes running domains.  After the host reboots they are
 * all gone, so a snapshot from an earlier boot must not be restored: it
 * would resurrect domains, rings and watches that no longer exist.  The
 * state directory carries a stamp of the kernel's boot id; state whose
 * stamp differs is discarded on start.
 */
#ifndef PXENSTORED_STATE_BOOT_H
#define PXENSTORED_STATE_BOOT_H

#include <stdbool.h>

/* Where the running kernel publishes its boot id (Linux). */
#define STATE_BOOT_ID_SOURCE "/proc/sys/kernel/random/boot_id"

/*
 * Whether the state in dir was written during this boot.  True when the
 * running kernel's boot id cannot be read, or when dir has no stamp
 * (state written before stamps existed, or by a tool: nothing to compare
 * against, the state is trusted).  source is the boot id file, normally
 * STATE_BOOT_ID_SOURCE.
 */
bool state_boot_matches(const char *dir, const char *source);

/*
 * Stamp dir with the current boot id (written to a temporary file and
 * renamed over the stamp).  0, or -errno; a missing source is not an
 * error (nothing is written).
 */
int state_boot_stamp(const char *dir, const char *source);

#endif
