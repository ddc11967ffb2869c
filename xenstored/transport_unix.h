/*
 * transport_unix.h: the listening Unix socket and the connections
 * accepted on it (dom0 tools; every one privileged).
 */
#ifndef TRANSPORT_UNIX_H
#define TRANSPORT_UNIX_H

#include <stdbool.h>

struct xsd;

/*
 * Listen on x->cfg.socket_path (mode 0600, parent directory created),
 * replacing a stale socket.  0 or -errno.
 */
int unix_listen(struct xsd *x);
void unix_unlisten(struct xsd *x);

struct conn;

/* Live update: serve a listening socket / a connection inherited by fd. */
int unix_adopt_listener(struct xsd *x, int fd);
int unix_adopt_conn(struct xsd *x, int fd, struct conn **out);

/* The descriptors a live update hands over (-1 if none). */
int unix_listener_fd(const struct xsd *x);
bool unix_conn_is(const struct conn *c);
int unix_conn_fd(const struct conn *c);

/* Let them survive (or not) an exec. */
void unix_keep_across_exec(struct xsd *x, bool keep);

#endif
