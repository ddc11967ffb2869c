/*
 * transport_unix.h: the listening Unix socket and the connections
 * accepted on it (dom0 tools; every one privileged).
 */
#ifndef TRANSPORT_UNIX_H
#define TRANSPORT_UNIX_H

struct xsd;

/*
 * Listen on x->cfg.socket_path (mode 0600, parent directory created),
 * replacing a stale socket.  0 or -errno.
 */
int unix_listen(struct xsd *x);
void unix_unlisten(struct xsd *x);

#endif
