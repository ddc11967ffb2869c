/*
 * path.h: validation and canonicalization of the paths clients send
 * (paths-and-nodes.md §2).  Pure.
 */
#ifndef PATH_H
#define PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Room for any canonical path: a payload-sized path plus a domain base. */
#define PATH_BUF 4200

/* The operation accepts @special paths (GET/SET_PERMS, WATCH, UNWATCH). */
#define PATH_F_SPECIAL 0x1

/*
 * Make `in` (as sent, NUL-terminated) absolute for a connection of domain
 * `domid` and check it: characters, '@' only where allowed, no "//", no
 * trailing '/', counted length within `path_max` (0 = no limit; counted
 * after a leading /local/domain/<id>/ as both daemons do).  Writes the
 * canonical path to out[PATH_BUF]; *relative says whether `in` was
 * relative.  Returns 0 or -EINVAL.
 */
int path_canon(const char *in, unsigned domid, unsigned path_max,
    unsigned flags, char *out, bool *relative);

/* Is it one of the '@' special paths? */
static inline bool
path_is_special(const char *p)
{
	return p[0] == '@';
}

/* Length of the /local/domain/<id>/ prefix of p that limits ignore. */
size_t path_domain_prefix(const char *p);

/*
 * The event path a relative watch of domain `domid` reports for absolute
 * `abs`: the part after "/local/domain/<domid>/", or abs itself.
 */
const char *path_relative(const char *abs, unsigned domid);

/* Number of components of `below` under `top` (-1 if not below/equal). */
int path_depth_below(const char *below, const char *top);

/* Length of the parent path of a canonical path other than "/". */
size_t path_parent_len(const char *p, size_t len);

#endif
