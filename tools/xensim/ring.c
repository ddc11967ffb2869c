/*
 * ring.c: the guest's side of the xenstore ring protocol (libxensim-host.a).
 *
 * Pure memory operations on a mapped struct xenstore_domain_interface,
 * following docs/misc/xenstore-ring.txt: the guest produces into req[] and
 * consumes from rsp[].  Indexes are free-running 32-bit counters; the
 * shared fields are read once into locals, and full fences order the data
 * against the index updates (C11 seq_cst fences stand in for xen_mb()).
 * No notification and no I/O here.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <xen/io/xs_wire.h>

#include "xensim.h"

static uint32_t
load_idx(const XENSTORE_RING_IDX *p)
{
	return *(const volatile XENSTORE_RING_IDX *)p;
}

static void
store_idx(XENSTORE_RING_IDX *p, uint32_t v)
{
	*(volatile XENSTORE_RING_IDX *)p = v;
}

ssize_t
xensim_ring_write(struct xenstore_domain_interface *intf, const void *buf,
    size_t len)
{
	const unsigned char *src = buf;
	uint32_t cons, prod, space, off, chunk;
	size_t done = 0;

	if (intf == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	cons = load_idx(&intf->req_cons);
	prod = load_idx(&intf->req_prod);
	atomic_thread_fence(memory_order_seq_cst);
	if (prod - cons > XENSTORE_RING_SIZE)
		return -EIO;
	space = XENSTORE_RING_SIZE - (prod - cons);
	if (len > space)
		len = space;
	while (done < len) {
		off = MASK_XENSTORE_IDX(prod + (uint32_t)done);
		chunk = XENSTORE_RING_SIZE - off;
		if (chunk > len - done)
			chunk = (uint32_t)(len - done);
		memcpy((char *)intf->req + off, src + done, chunk);
		done += chunk;
	}
	atomic_thread_fence(memory_order_seq_cst);
	store_idx(&intf->req_prod, prod + (uint32_t)done);
	return (ssize_t)done;
}

ssize_t
xensim_ring_read(struct xenstore_domain_interface *intf, void *buf,
    size_t len)
{
	unsigned char *dst = buf;
	uint32_t cons, prod, avail, off, chunk;
	size_t done = 0;

	if (intf == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	cons = load_idx(&intf->rsp_cons);
	prod = load_idx(&intf->rsp_prod);
	atomic_thread_fence(memory_order_seq_cst);
	if (prod - cons > XENSTORE_RING_SIZE)
		return -EIO;
	avail = prod - cons;
	if (len > avail)
		len = avail;
	while (done < len) {
		off = MASK_XENSTORE_IDX(cons + (uint32_t)done);
		chunk = XENSTORE_RING_SIZE - off;
		if (chunk > len - done)
			chunk = (uint32_t)(len - done);
		memcpy(dst + done, (const char *)intf->rsp + off, chunk);
		done += chunk;
	}
	atomic_thread_fence(memory_order_seq_cst);
	store_idx(&intf->rsp_cons, cons + (uint32_t)done);
	return (ssize_t)done;
}
