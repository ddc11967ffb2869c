/*
 * xensim.h: host and guest side of the simulated Xen (libxensim-host.a).
 *
 * A simulation is a directory.  Daemons run in it unmodified under the
 * preload library libxensim.so (see docs/simulated-xen.md); our own tools
 * and tests use this API to play the hypervisor's other users: the
 * toolstack (create, shut down, destroy domains) and the guests (the other
 * end of each xenstore ring and event channel).  dom0 exists from the
 * start; its ring is the page the daemon maps from /proc/xen/xsd_kva.
 *
 * Conventions:
 *   - int results are 0 (or a count) on success, a negative errno on
 *     failure; out-parameters are written only on success.
 *   - Handles (struct xensim, xensim_evq, xensim_guest) belong to the
 *     caller and are not thread-safe; use one per thread or lock around.
 *     Several processes may open the same simulation at once; a forked
 *     child must open its own (the machine lock is per open file).  An
 *     evq or guest borrows its struct xensim, which must outlive it.
 *   - _close/_detach take a pointer to the handle, accept NULL or a NULL
 *     handle, and set it to NULL.
 *
 * Costs: every event queue is one file descriptor (a guest attached
 * without a queue gets its own); the ring mapping costs none.  Share one
 * queue among many guests to run more guests than RLIMIT_NOFILE allows.
 */
#ifndef XENSIM_H
#define XENSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct xenstore_domain_interface;	/* <xen/io/xs_wire.h> */

struct xensim;		/* an open simulation */
struct xensim_evq;	/* one fd delivering the events of many guests */
struct xensim_guest;	/* the guest end of one domain's xenstore ring */

#define XENSIM_DOMID_ANY	UINT32_MAX
#define XENSIM_MAX_DOMID	32751u	/* DOMID_FIRST_RESERVED - 1 */
#define XENSIM_GREF_XENSTORE	1u	/* GNTTAB_RESERVED_XENSTORE */
#define XENSIM_DEFAULT_GFN	0xfeffcu

/* Domain states, as xc_domain_getinfo shows them. */
#define XENSIM_RUNNING		1u
#define XENSIM_SHUTDOWN		2u	/* see shutdown_reason */
#define XENSIM_DYING		3u	/* destruction under way */

/* Domain flags. */
#define XENSIM_F_PRIV		0x1u	/* dom0 only: privileged */
#define XENSIM_F_HVM		0x2u	/* reported as an HVM guest */
#define XENSIM_F_NOGRANT	0x4u	/* grant 1 can't be mapped */
#define XENSIM_F_PAUSED		0x8u	/* reported as paused */

struct xensim_domain_params {
	uint32_t domid;		/* XENSIM_DOMID_ANY: next free one */
	uint32_t flags;		/* XENSIM_F_HVM | _NOGRANT | _PAUSED */
	uint64_t gfn;		/* ring frame; 0: XENSIM_DEFAULT_GFN */
	uint64_t max_kb;	/* 0: 131072 */
	uint8_t uuid[16];	/* xen_domain_handle_t */
};

struct xensim_domain {
	uint32_t domid;
	uint32_t state;		/* XENSIM_RUNNING / _SHUTDOWN / _DYING */
	uint32_t shutdown_reason;
	uint32_t flags;
	uint32_t port;		/* guest's xenstore event channel */
	uint32_t gref;		/* ring's grant: XENSIM_GREF_XENSTORE */
	uint64_t gfn;		/* frame of the ring */
	uint8_t uuid[16];
};

/*
 * Simulation.  xensim_create() makes dir (if needed) and a fresh machine
 * in it, with dom0; -EEXIST if dir already holds one.  xensim_open() joins
 * an existing one.  Both also reclaim handles of processes that died.
 */
int xensim_create(const char *dir, struct xensim **out);
int xensim_open(const char *dir, struct xensim **out);
void xensim_close(struct xensim **simp);
const char *xensim_dir(const struct xensim *sim);

/*
 * Toolstack.  A created domain runs, has a zeroed ring page (grant 1 and
 * frame gfn) and an unbound event channel offered to dom0 (port): the
 * three values a toolstack passes to XS_INTRODUCE.  Shutdown and death
 * raise VIRQ_DOM_EXC.  kill makes the domain dying and closes its event
 * channels; destroy kills it (if not already) and frees the domid.
 * dom0 can be neither shut down nor killed (-EPERM).
 */
void xensim_domain_params_init(struct xensim_domain_params *p);
int xensim_domain_create(struct xensim *sim,
    const struct xensim_domain_params *p, struct xensim_domain *out);
int xensim_domain_get(struct xensim *sim, uint32_t domid,
    struct xensim_domain *out);
int xensim_domain_next(struct xensim *sim, uint32_t first,
    struct xensim_domain *out);
int xensim_domain_shutdown(struct xensim *sim, uint32_t domid,
    unsigned int reason);
int xensim_domain_resume(struct xensim *sim, uint32_t domid);
int xensim_domain_kill(struct xensim *sim, uint32_t domid);
int xensim_domain_destroy(struct xensim *sim, uint32_t domid);
int xensim_domain_set_flags(struct xensim *sim, uint32_t domid,
    uint32_t set, uint32_t clear);

/*
 * Event queues.  The fd is readable while an attached guest has an
 * unconsumed event.  xensim_evq_next() consumes one and returns its guest,
 * or -EAGAIN.  A queue lives until it is closed and its last guest is
 * detached.
 */
int xensim_evq_open(struct xensim *sim, struct xensim_evq **out);
void xensim_evq_close(struct xensim_evq **qp);
int xensim_evq_fd(const struct xensim_evq *q);
int xensim_evq_next(struct xensim_evq *q, struct xensim_guest **out);

/*
 * Guest side of a domain's ring (domid 0: dom0's xsd_kva ring).  One guest
 * handle per domain at a time (-EBUSY).  q may be NULL: the guest gets a
 * queue of its own.  An event is pending at most once: any number of
 * daemon notifications before xensim_guest_consume() count as one.  After
 * the domain dies, notify and consume fail with -ESRCH; the ring stays
 * mapped until detach.
 */
int xensim_guest_attach(struct xensim *sim, uint32_t domid,
    struct xensim_evq *q, struct xensim_guest **out);
void xensim_guest_detach(struct xensim_guest **gp);
uint32_t xensim_guest_domid(const struct xensim_guest *g);
uint32_t xensim_guest_port(const struct xensim_guest *g);
struct xenstore_domain_interface *xensim_guest_ring(
    const struct xensim_guest *g);
int xensim_guest_fd(const struct xensim_guest *g);
int xensim_guest_notify(struct xensim_guest *g);
int xensim_guest_consume(struct xensim_guest *g);
int xensim_guest_wait(struct xensim_guest *g, int timeout_ms);
void xensim_guest_set_data(struct xensim_guest *g, void *data);
void *xensim_guest_data(const struct xensim_guest *g);

/*
 * Guest side of the ring protocol, with the barriers of xenstore-ring.txt:
 * write copies up to len request bytes into req[] and advances req_prod;
 * read copies up to len reply bytes from rsp[] and advances rsp_cons.
 * They return the byte count (0: ring full / empty) or -EIO when the
 * indexes are inconsistent.  Neither notifies.  Hostile tests may ignore
 * these and write the page directly.
 */
ssize_t xensim_ring_write(struct xenstore_domain_interface *intf,
    const void *buf, size_t len);
ssize_t xensim_ring_read(struct xenstore_domain_interface *intf, void *buf,
    size_t len);

/*
 * One synchronous request over a guest's ring: writes the header
 * (type, req_id, tx_id, len) and payload, notifying as it goes, then
 * reads messages until the reply to req_id (watch events and other
 * replies are skipped and lost).  Returns the reply's payload length, its
 * type in *type_out (XS_ERROR for errors) and its payload, truncated and
 * NUL-terminated, in buf.  -ETIMEDOUT after timeout_ms, -EMSGSIZE for a
 * payload over 4096 bytes, -EIO/-EPROTO for a corrupt ring or reply,
 * -ESRCH once the domain is dead.
 */
int xensim_guest_request(struct xensim_guest *g, uint32_t type,
    uint32_t req_id, uint32_t tx_id, const void *payload, size_t len,
    uint32_t *type_out, char *buf, size_t bufsz, int timeout_ms);

#endif
