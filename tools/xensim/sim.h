/*
 * sim.h: the simulated machine shared by every process of one simulation.
 *
 * Owns the layout of the machine file (<dir>/machine, mapped MAP_SHARED by
 * every process: the daemon under the preload, the host library, the CLI)
 * and the internal "core" API that both libxensim.so (preload) and
 * libxensim-host.a are built from.  Nothing here is public: tools use
 * xensim.h.  See docs/simulated-xen.md, "Model".
 *
 * Concurrency: structural changes (domain create/kill/destroy, endpoint
 * allocation, binding, unbinding) happen under an exclusive flock() of the
 * machine file.  The event path (notify, pending, unmask) and domain-info
 * reads are lock-free on C11 atomics in the shared mapping.
 */
#ifndef XENSIM_SIM_H
#define XENSIM_SIM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define XSIM_MAGIC		0x4d495358u	/* "XSIM" */
#define XSIM_VERSION		1u
#define XSIM_PAGE		4096u

#define XSIM_NR_DOMS		32752u	/* DOMID_FIRST_RESERVED */
#define XSIM_NR_EPS		131072u	/* endpoints in the machine */
#define XSIM_MAX_PORT		(XSIM_NR_EPS - 1)
#define XSIM_NR_HANDLES		32768u	/* evtchn handles */
#define XSIM_NONE		UINT32_MAX

#define XSIM_RING_GFN		0xfeffcu /* default ring frame */
#define XSIM_RING_GREF		1u	/* GNTTAB_RESERVED_XENSTORE */
#define XSIM_VIRQ_DOM_EXC	3u

/* Domain states (low byte of xsim_dom.state; shutdown reason above). */
#define XSIM_DOM_FREE		0u
#define XSIM_DOM_RUNNING	1u
#define XSIM_DOM_SHUTDOWN	2u
#define XSIM_DOM_DYING		3u
#define XSIM_DOM_STATE(w)	((w) & 0xffu)
#define XSIM_DOM_REASON(w)	(((w) >> 8) & 0xffu)
#define XSIM_DOM_WORD(s, r)	((s) | ((uint32_t)(r) << 8))

/* Domain flags. */
#define XSIM_DOMF_PRIV		0x1u	/* privileged (dom0) */
#define XSIM_DOMF_HVM		0x2u
#define XSIM_DOMF_NOGRANT	0x4u	/* grant 1 cannot be mapped */
#define XSIM_DOMF_PAUSED	0x8u

/* Endpoint states. */
#define XSIM_EP_FREE		0u
#define XSIM_EP_UNBOUND		1u
#define XSIM_EP_INTER		2u
#define XSIM_EP_VIRQ		3u

/* Endpoint flags. */
#define XSIM_EPF_GUEST		0x1u	/* the domain's own */

/* Event bits of an endpoint (see sim_evtchn.c for the state machine). */
#define XSIM_EVB_Q		0x1u	/* queued for its handle */
#define XSIM_EVB_P		0x2u	/* raised while masked */
#define XSIM_EVB_M		0x4u	/* masked */

struct xsim_hdr {
	uint32_t magic;
	uint32_t version;
	uint64_t simid;		/* random; names the abstract sockets */
	uint32_t ep_hwm;	/* endpoints [0, hwm) were used once */
	uint32_t ep_free;	/* free list head, index + 1 */
	uint32_t h_hwm;
	uint32_t h_free;
	uint32_t dom_rover;	/* last domid handed out */
	uint32_t xs_domid;	/* domain whose daemon serves xenstore */
	uint32_t ndoms;
	uint32_t pad;
};

struct xsim_dom {
	_Atomic uint32_t state;	/* XSIM_DOM_WORD(state, reason) */
	uint32_t gen;		/* incarnation, names the page file */
	uint32_t flags;		/* XSIM_DOMF_* */
	uint32_t xs_port;	/* the guest's xenstore port */
	uint32_t ep_head;	/* endpoints of this domain, index + 1 */
	uint32_t pad;
	uint64_t gfn;		/* frame of the ring page */
	uint64_t max_kb;
	uint8_t uuid[16];
};

struct xsim_ep {
	_Atomic uint32_t bits;	/* XSIM_EVB_* */
	_Atomic uint32_t state;	/* XSIM_EP_* */
	_Atomic uint32_t peer;	/* INTER: peer endpoint index + 1 */
	_Atomic uint32_t owner;	/* handle word getting events, 0 none */
	uint32_t gen;		/* bumped when freed */
	uint32_t dom;
	uint32_t port;
	uint32_t remote_dom;	/* UNBOUND: who may bind; INTER: peer dom */
	uint32_t virq;
	uint32_t flags;		/* XSIM_EPF_* */
	uint32_t dom_next;	/* next endpoint of dom, index + 1 */
	uint32_t free_next;
};

struct xsim_hslot {
	_Atomic uint32_t bell;	/* gen << 16 | 1 when rung */
	_Atomic uint32_t gen;	/* 16 bits used */
	_Atomic int32_t pid;	/* owning process, 0 free */
	uint32_t free_next;
};

#define XSIM_OFF_DOMS	XSIM_PAGE
#define XSIM_OFF_EPS	(XSIM_OFF_DOMS + \
    ((XSIM_NR_DOMS * sizeof(struct xsim_dom) + XSIM_PAGE - 1) & \
    ~(size_t)(XSIM_PAGE - 1)))
#define XSIM_OFF_HS	(XSIM_OFF_EPS + \
    ((XSIM_NR_EPS * sizeof(struct xsim_ep) + XSIM_PAGE - 1) & \
    ~(size_t)(XSIM_PAGE - 1)))
#define XSIM_SIZE	(XSIM_OFF_HS + \
    ((XSIM_NR_HANDLES * sizeof(struct xsim_hslot) + XSIM_PAGE - 1) & \
    ~(size_t)(XSIM_PAGE - 1)))

/* A process's view of one simulation.  Not thread-safe. */
struct xsim_core {
	unsigned char *map;	/* XSIM_SIZE bytes of <dir>/machine */
	int fd;			/* <dir>/machine, for flock() */
	int dirfd;		/* <dir> */
	int sendfd;		/* unbound datagram socket, or -1 */
	int locked;		/* nesting depth of xsim_lock() */
};

static inline struct xsim_hdr *
xsim_hdr(const struct xsim_core *c)
{
	return (struct xsim_hdr *)c->map;
}

static inline struct xsim_dom *
xsim_dom(const struct xsim_core *c, uint32_t domid)
{
	return (struct xsim_dom *)(c->map + XSIM_OFF_DOMS) + domid;
}

static inline struct xsim_ep *
xsim_ep(const struct xsim_core *c, uint32_t epi)
{
	return (struct xsim_ep *)(c->map + XSIM_OFF_EPS) + epi;
}

static inline struct xsim_hslot *
xsim_hslot(const struct xsim_core *c, uint32_t slot)
{
	return (struct xsim_hslot *)(c->map + XSIM_OFF_HS) + slot;
}

/* sim_machine.c: the machine file. */
int xsim_core_create(struct xsim_core *c, const char *dir);
int xsim_core_open(struct xsim_core *c, const char *dir);
void xsim_core_close(struct xsim_core *c);
int xsim_lock(struct xsim_core *c);
void xsim_unlock(struct xsim_core *c);

/* sim_domain.c: the domain table.  Functions lock internally. */
struct xsim_dom_params {
	uint32_t domid;		/* XSIM_NONE: pick one */
	uint32_t flags;		/* XSIM_DOMF_* */
	uint64_t gfn;		/* 0: XSIM_RING_GFN */
	uint64_t max_kb;	/* 0: 131072 */
	const uint8_t *uuid;	/* 16 bytes or NULL */
};

struct xsim_dominfo {
	uint32_t domid;
	uint32_t state;		/* XSIM_DOM_* (never FREE) */
	uint32_t reason;
	uint32_t flags;
	uint32_t xs_port;
	uint32_t gen;
	uint64_t gfn;
	uint64_t max_kb;
	uint8_t uuid[16];
};

int xsim_dom_create(struct xsim_core *c, const struct xsim_dom_params *p,
    uint32_t *domid);
int xsim_dom_info(struct xsim_core *c, uint32_t domid,
    struct xsim_dominfo *out);
int xsim_dom_next(struct xsim_core *c, uint32_t first,
    struct xsim_dominfo *out);
int xsim_dom_shutdown(struct xsim_core *c, uint32_t domid, uint32_t reason);
int xsim_dom_resume(struct xsim_core *c, uint32_t domid);
int xsim_dom_kill(struct xsim_core *c, uint32_t domid);
int xsim_dom_destroy(struct xsim_core *c, uint32_t domid);
int xsim_dom_set_flags(struct xsim_core *c, uint32_t domid, uint32_t set,
    uint32_t clear);
int xsim_dom_init0(struct xsim_core *c);

/* sim_page.c: ring pages. */
int xsim_page_name(uint32_t domid, uint32_t gen, char *buf, size_t len);
int xsim_page_create(struct xsim_core *c, uint32_t domid, uint32_t gen);
void xsim_page_remove(struct xsim_core *c, uint32_t domid, uint32_t gen);
int xsim_page_map(struct xsim_core *c, uint32_t domid, int prot,
    void *fixed, void **out);

/* sim_evtchn.c: endpoints.  Binding functions lock internally. */
int xsim_ev_alloc_unbound(struct xsim_core *c, uint32_t dom,
    uint32_t remote_dom, uint32_t owner, uint32_t flags, uint32_t *epi);
int xsim_ev_bind_inter(struct xsim_core *c, uint32_t dom,
    uint32_t remote_dom, uint32_t remote_port, uint32_t owner,
    uint32_t *epi);
int xsim_ev_bind_virq(struct xsim_core *c, uint32_t dom, uint32_t virq,
    uint32_t owner, uint32_t *epi);
int xsim_ev_close(struct xsim_core *c, uint32_t epi, uint32_t owner);
int xsim_ev_lookup(struct xsim_core *c, uint32_t dom, uint32_t port,
    uint32_t *epi);
int xsim_ev_send(struct xsim_core *c, uint32_t epi);
void xsim_ev_raise(struct xsim_core *c, uint32_t epi);
bool xsim_ev_take(struct xsim_core *c, uint32_t epi);
bool xsim_ev_ack(struct xsim_core *c, uint32_t epi);
bool xsim_ev_queued(struct xsim_core *c, uint32_t epi);
void xsim_ev_unmask(struct xsim_core *c, uint32_t epi);
int xsim_ev_attach(struct xsim_core *c, uint32_t epi, uint32_t gen,
    uint32_t owner);
void xsim_ev_detach(struct xsim_core *c, uint32_t epi, uint32_t owner);
void xsim_ev_virq(struct xsim_core *c, uint32_t virq);
void xsim_ev__free_dom(struct xsim_core *c, uint32_t dom);

/* sim_bell.c: handles and their doorbell sockets. */
struct xsim_bell {
	uint32_t word;		/* gen << 16 | (slot + 1) */
	int fd;			/* bound abstract datagram socket */
};

int xsim_bell_open(struct xsim_core *c, bool cloexec, struct xsim_bell *b);
int xsim_bell_adopt(struct xsim_core *c, int fd, struct xsim_bell *b);
void xsim_bell_close(struct xsim_core *c, struct xsim_bell *b);
void xsim_bell_ring(struct xsim_core *c, uint32_t word);
void xsim_bell_quiet(struct xsim_core *c, struct xsim_bell *b);
int xsim_gc(struct xsim_core *c);

/* sim_evset.c: a process-local set of endpoints read through one bell. */
struct xsim_event {
	uint32_t epi;
	void *tag;		/* the caller's, e.g. its guest */
};

struct xsim_evset {
	struct xsim_bell bell;
	struct xsim_event *ev;
	uint32_t n;
	uint32_t cap;
	uint32_t cursor;
};

int xsim_evset_init(struct xsim_core *c, bool cloexec, struct xsim_evset *s);
void xsim_evset_fini(struct xsim_core *c, struct xsim_evset *s);
int xsim_evset_add(struct xsim_evset *s, uint32_t epi, void *tag);
void xsim_evset_del(struct xsim_evset *s, uint32_t epi);
int xsim_evset_next(struct xsim_core *c, struct xsim_evset *s, bool ack,
    struct xsim_event *out);
void xsim_evset_refresh(struct xsim_core *c, struct xsim_evset *s);

#endif
