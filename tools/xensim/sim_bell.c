/*
 * sim_bell.c: event-channel handles and their doorbells.
 *
 * A handle (a daemon's xenevtchn handle, or a guest-side event queue) is a
 * slot in the shared handle table plus a datagram socket bound to the
 * abstract name "xensim-<simid>-<slot>-<gen>".  The socket is the fd a
 * caller polls.  Ringing a bell sends one byte, but only when the slot's
 * bell bit goes from clear to set, so at most one datagram is ever queued
 * (net.unix.max_dgram_qlen can be as low as 10).  The reader clears the bit
 * after draining (xsim_bell_quiet) and then rescans its endpoints.  The
 * generation in the bell word makes rings aimed at a previous owner of the
 * slot no-ops.  Also owns the collection of handles whose process died.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sim.h"

#define WORD(slot, gen)	(((gen) & 0xffffu) << 16 | ((slot) + 1))
#define WORD_SLOT(w)	(((w) & 0xffffu) - 1)
#define WORD_GEN(w)	((w) >> 16)

static socklen_t
bell_addr(struct xsim_core *c, uint32_t slot, uint32_t gen,
    struct sockaddr_un *sa)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1,
	    "xensim-%016llx-%u-%u",
	    (unsigned long long)xsim_hdr(c)->simid, slot, gen);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)n);
}

static int
slot_alloc(struct xsim_core *c, uint32_t *slot, uint32_t *gen)
{
	struct xsim_hdr *h = xsim_hdr(c);
	struct xsim_hslot *hs;
	uint32_t i, g;

	if (h->h_free != 0) {
		i = h->h_free - 1;
		h->h_free = xsim_hslot(c, i)->free_next;
	} else if (h->h_hwm < XSIM_NR_HANDLES) {
		i = h->h_hwm++;
	} else {
		return -EMFILE;
	}
	hs = xsim_hslot(c, i);
	g = (atomic_load(&hs->gen) + 1) & 0xffffu;
	atomic_store(&hs->gen, g);
	atomic_store(&hs->bell, g << 16);
	atomic_store(&hs->pid, (int32_t)getpid());
	hs->free_next = 0;
	*slot = i;
	*gen = g;
	return 0;
}

static void
slot_free(struct xsim_core *c, uint32_t slot)
{
	struct xsim_hslot *hs = xsim_hslot(c, slot);

	atomic_store(&hs->pid, 0);
	hs->free_next = xsim_hdr(c)->h_free;
	xsim_hdr(c)->h_free = slot + 1;
}

int
xsim_bell_open(struct xsim_core *c, bool cloexec, struct xsim_bell *b)
{
	struct sockaddr_un sa;
	uint32_t slot, gen;
	socklen_t len;
	int fd, rc;

	if ((rc = xsim_lock(c)) < 0)
		return rc;
	rc = slot_alloc(c, &slot, &gen);
	if (rc == -EMFILE && xsim_gc(c) > 0)
		rc = slot_alloc(c, &slot, &gen);
	xsim_unlock(c);
	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_DGRAM | (cloexec ? SOCK_CLOEXEC : 0), 0);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	len = bell_addr(c, slot, gen, &sa);
	if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
		rc = -errno;
		close(fd);
		goto fail;
	}
	b->fd = fd;
	b->word = WORD(slot, gen);
	return 0;
fail:
	if (xsim_lock(c) == 0) {
		slot_free(c, slot);
		xsim_unlock(c);
	}
	return rc;
}

/* Rebuild a bell from its socket, e.g. after exec (xenevtchn_fdopen). */
int
xsim_bell_adopt(struct xsim_core *c, int fd, struct xsim_bell *b)
{
	struct sockaddr_un sa, want;
	socklen_t len = sizeof(sa), wlen;
	unsigned long long id;
	unsigned slot, gen;

	memset(&sa, 0, sizeof(sa));
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -errno;
	if (sa.sun_family != AF_UNIX || sa.sun_path[0] != '\0' ||
	    sscanf(sa.sun_path + 1, "xensim-%16llx-%u-%u", &id, &slot,
	    &gen) != 3 || slot >= XSIM_NR_HANDLES)
		return -EINVAL;
	wlen = bell_addr(c, slot, gen, &want);
	if (wlen != len || memcmp(&want, &sa, len) != 0 ||
	    atomic_load(&xsim_hslot(c, slot)->gen) != gen)
		return -EINVAL;
	atomic_store(&xsim_hslot(c, slot)->pid, (int32_t)getpid());
	b->fd = fd;
	b->word = WORD(slot, gen);
	return 0;
}

/* Free the handle slot and close its socket.  Endpoints are the caller's. */
void
xsim_bell_close(struct xsim_core *c, struct xsim_bell *b)
{
	if (b->word != 0 && xsim_lock(c) == 0) {
		slot_free(c, WORD_SLOT(b->word));
		xsim_unlock(c);
	}
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	b->word = 0;
}

void
xsim_bell_ring(struct xsim_core *c, uint32_t word)
{
	struct sockaddr_un sa;
	struct xsim_hslot *hs;
	uint32_t slot = WORD_SLOT(word), gen = WORD_GEN(word), b;
	socklen_t len;
	char one = 1;

	if (word == 0 || slot >= XSIM_NR_HANDLES)
		return;
	hs = xsim_hslot(c, slot);
	b = atomic_load(&hs->bell);
	do {
		if ((b >> 16) != gen || (b & 1))
			return;
	} while (!atomic_compare_exchange_weak(&hs->bell, &b, b | 1));
	if (c->sendfd < 0) {
		c->sendfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0);
		if (c->sendfd < 0)
			return;
	}
	/*
	 * Errors are ignored: ECONNREFUSED means the owner is gone, and
	 * EAGAIN means datagrams are queued, so the owner will wake anyway.
	 */
	len = bell_addr(c, slot, gen, &sa);
	(void)sendto(c->sendfd, &one, 1, MSG_DONTWAIT,
	    (struct sockaddr *)&sa, len);
}

/* Drain the socket and clear the bell.  The caller rescans afterwards. */
void
xsim_bell_quiet(struct xsim_core *c, struct xsim_bell *b)
{
	char buf[16];
	int i;

	for (i = 0; i < 64; i++)
		if (recv(b->fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 &&
		    errno != EINTR)
			break;
	atomic_store(&xsim_hslot(c, WORD_SLOT(b->word))->bell,
	    WORD_GEN(b->word) << 16);
}

/*
 * Dead, or a zombie nobody has reaped (in containers the process that
 * adopts orphans may never reap them): its descriptors are closed either
 * way, so its handles must be reclaimed.
 */
static bool
pid_dead(pid_t pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* "pid (comm) S ...": the state follows the last ')' */
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/*
 * Reclaim the handles of processes that exited without closing them, as
 * the kernel does when a process's evtchn device is closed: its ports are
 * closed (their peers become unbound), a guest's own port is only
 * detached.  Returns the number of handles reclaimed.
 */
int
xsim_gc(struct xsim_core *c)
{
	uint32_t s, i, hwm, owner;
	pid_t pid, alive = 0, dead = 0;
	struct xsim_ep *ep;
	int n = 0;

	if (xsim_lock(c) < 0)
		return 0;
	for (s = 0; s < xsim_hdr(c)->h_hwm; s++) {
		pid = atomic_load(&xsim_hslot(c, s)->pid);
		if (pid == 0 || pid == getpid() || pid == alive)
			continue;
		if (pid != dead && !pid_dead(pid)) {
			alive = pid;
			continue;
		}
		dead = pid;
		hwm = xsim_hdr(c)->ep_hwm;
		for (i = 0; i < hwm; i++) {
			ep = xsim_ep(c, i);
			owner = atomic_load(&ep->owner);
			if (owner == 0 || WORD_SLOT(owner) != s ||
			    atomic_load(&ep->state) == XSIM_EP_FREE)
				continue;
			if (ep->flags & XSIM_EPF_GUEST)
				atomic_store(&ep->owner, 0);
			else
				xsim_ev_close(c, i, 0);
		}
		slot_free(c, s);
		n++;
	}
	xsim_unlock(c);
	return n;
}
