/*
 * ring.c: see ring.h.  Barriers: C11 sequentially consistent fences
 * (domains-and-rings.md §2.5 accepts them for the tools' xen_mb), and
 * relaxed atomic loads/stores for the shared indexes so the compiler
 * reads each one exactly once.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "ring.h"

#define RSIZE XENSTORE_RING_SIZE

#ifdef RING_LOAD_HOOK
/*
 * Test builds only (tests/fuzz/fuzz_ring.c includes this file with it
 * defined): every read of a shared field goes through the hook, which
 * plays a guest changing the page between any two reads.
 */
uint32_t RING_LOAD_HOOK(const XENSTORE_RING_IDX *p);
#endif

static inline uint32_t
load(const XENSTORE_RING_IDX *p)
{
#ifdef RING_LOAD_HOOK
	return RING_LOAD_HOOK(p);
#else
	return atomic_load_explicit((const _Atomic uint32_t *)(uintptr_t)p,
	    memory_order_relaxed);
#endif
}

static inline void
store(XENSTORE_RING_IDX *p, uint32_t v)
{
	atomic_store_explicit((_Atomic uint32_t *)(uintptr_t)p, v,
	    memory_order_relaxed);
}

static inline void
mb(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}

ssize_t
ring_read(struct xenstore_domain_interface *intf, void *buf, size_t len)
{
	uint32_t cons = load(&intf->req_cons), prod = load(&intf->req_prod);
	uint32_t avail, n, first;

	mb();
	avail = prod - cons;
	if (avail > RSIZE)
		return -EIO;
	n = len < avail ? (uint32_t)len : avail;
	if (n == 0)
		return 0;
	first = RSIZE - MASK_XENSTORE_IDX(cons);
	if (first > n)
		first = n;
	memcpy(buf, intf->req + MASK_XENSTORE_IDX(cons), first);
	memcpy((char *)buf + first, intf->req, n - first);
	mb();
	store(&intf->req_cons, cons + n);
	return (ssize_t)n;
}

ssize_t
ring_peek(struct xenstore_domain_interface *intf, uint32_t *pos, void *buf,
    size_t len)
{
	uint32_t cons = *pos, prod = load(&intf->req_prod);
	uint32_t avail, n, first;

	mb();
	avail = prod - cons;
	if (avail > RSIZE)
		return -EIO;
	n = len < avail ? (uint32_t)len : avail;
	if (n == 0)
		return 0;
	first = RSIZE - MASK_XENSTORE_IDX(cons);
	if (first > n)
		first = n;
	memcpy(buf, intf->req + MASK_XENSTORE_IDX(cons), first);
	memcpy((char *)buf + first, intf->req, n - first);
	*pos = cons + n;
	return (ssize_t)n;
}

void
ring_consume(struct xenstore_domain_interface *intf, uint32_t pos)
{
	mb();
	store(&intf->req_cons, pos);
	mb();
}

size_t
ring_input_after(const struct xenstore_domain_interface *intf, uint32_t pos)
{
	uint32_t prod = load(&intf->req_prod);

	return prod - pos > RSIZE ? 0 : prod - pos;
}

uint32_t
ring_get_req_cons(const struct xenstore_domain_interface *intf)
{
	return load(&intf->req_cons);
}

uint32_t
ring_get_rsp_prod(const struct xenstore_domain_interface *intf)
{
	return load(&intf->rsp_prod);
}

ssize_t
ring_write(struct xenstore_domain_interface *intf, const void *buf,
    size_t len)
{
	uint32_t cons = load(&intf->rsp_cons), prod = load(&intf->rsp_prod);
	uint32_t used, n, first;

	mb();
	used = prod - cons;
	if (used > RSIZE)
		return -EIO;
	n = RSIZE - used;
	if (len < n)
		n = (uint32_t)len;
	if (n == 0)
		return 0;
	first = RSIZE - MASK_XENSTORE_IDX(prod);
	if (first > n)
		first = n;
	memcpy(intf->rsp + MASK_XENSTORE_IDX(prod), buf, first);
	memcpy(intf->rsp, (const char *)buf + first, n - first);
	mb();
	store(&intf->rsp_prod, prod + n);
	return (ssize_t)n;
}

size_t
ring_input_avail(const struct xenstore_domain_interface *intf)
{
	uint32_t cons = load(&intf->req_cons), prod = load(&intf->req_prod);

	return prod - cons > RSIZE ? 0 : prod - cons;
}

void
ring_reset(struct xenstore_domain_interface *intf)
{
	store(&intf->req_cons, 0);
	store(&intf->req_prod, 0);
	store(&intf->rsp_cons, 0);
	store(&intf->rsp_prod, 0);
	mb();
}

uint32_t
ring_get_connection(const struct xenstore_domain_interface *intf)
{
	uint32_t v = load(&intf->connection);

	mb();
	return v;
}

void
ring_set_connection(struct xenstore_domain_interface *intf, uint32_t v)
{
	mb();
	store(&intf->connection, v);
	mb();
}

void
ring_set_error(struct xenstore_domain_interface *intf, uint32_t v)
{
	mb();
	store(&intf->error, v);
	mb();
}

void
ring_set_features(struct xenstore_domain_interface *intf, uint32_t v)
{
	mb();
	store(&intf->server_features, v);
	mb();
}

uint32_t
ring_get_evtchn_port(const struct xenstore_domain_interface *intf)
{
	const uint32_t *p = (const uint32_t *)(const void *)
	    ((const char *)intf + XSD_RING_EVTCHN_PORT_OFF);

	return load(p);
}
