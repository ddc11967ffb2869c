/*
 * check_sim_guest.c: the guest side of the public API: attaching, the
 * shared ring page, the ring helpers (wrap, full, empty, corrupt indexes),
 * shared event queues and their lifetime, waiting with a deadline.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <xen/io/xs_wire.h>

#include "check_xensim.h"

static struct xsim_core *
core(void)
{
	return &tx.sim->core;
}

static uint32_t
mkdom(void)
{
	struct xensim_domain d;

	ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, &d), 0);
	return d.domid;
}

START_TEST(test_attach_and_page)
{
	struct xenstore_domain_interface *r;
	struct xensim_guest *g, *g2;
	unsigned char *daemon;
	uint32_t id = mkdom();
	void *m;
	int x = 7;

	ck_assert_int_eq(xensim_guest_attach(tx.sim, id, NULL, &g), 0);
	ck_assert_uint_eq(xensim_guest_domid(g), id);
	ck_assert_uint_eq(xensim_guest_port(g), 1);
	ck_assert_int_ge(xensim_guest_fd(g), 0);
	xensim_guest_set_data(g, &x);
	ck_assert_ptr_eq(xensim_guest_data(g), &x);
	r = xensim_guest_ring(g);
	ck_assert_ptr_nonnull(r);
	/* the daemon's mapping is the same page */
	ck_assert_int_eq(xsim_page_map(core(), id, PROT_READ | PROT_WRITE,
	    NULL, &m), 0);
	daemon = m;
	r->req[5] = 'x';
	r->req_prod = 42;
	ck_assert_uint_eq(daemon[5], 'x');
	ck_assert_uint_eq(((struct xenstore_domain_interface *)m)->req_prod,
	    42);
	daemon[1024] = 'y';
	ck_assert_uint_eq((unsigned char)r->rsp[0], 'y');
	munmap(m, 4096);
	ck_assert_int_eq(xensim_guest_attach(tx.sim, id, NULL, &g2), -EBUSY);
	xensim_guest_detach(&g);
	ck_assert_ptr_null(g);
	xensim_guest_detach(&g);
	xensim_guest_detach(NULL);
	ck_assert_int_eq(xensim_guest_attach(tx.sim, id, NULL, &g2), 0);
	ck_assert_uint_eq(xensim_guest_ring(g2)->req_prod, 42);
	xensim_guest_detach(&g2);
}
END_TEST

START_TEST(test_attach_errors)
{
	struct xensim_guest *g = NULL;
	struct xensim_evq *q;
	struct xensim *s2;
	uint32_t id = mkdom();

	ck_assert_int_eq(xensim_guest_attach(tx.sim, 99, NULL, &g), -ESRCH);
	ck_assert_int_eq(xensim_guest_attach(tx.sim, 1u << 20, NULL, &g),
	    -ESRCH);
	ck_assert_int_eq(xensim_guest_attach(NULL, id, NULL, &g), -EINVAL);
	ck_assert_int_eq(xensim_guest_attach(tx.sim, id, NULL, NULL), -EINVAL);
	ck_assert_int_eq(xensim_open(tx.dir, &s2), 0);
	ck_assert_int_eq(xensim_evq_open(s2, &q), 0);
	ck_assert_int_eq(xensim_guest_attach(tx.sim, id, q, &g), -EINVAL);
	xensim_evq_close(&q);
	xensim_close(&s2);
	ck_assert_int_eq(xensim_domain_kill(tx.sim, id), 0);
	ck_assert_int_eq(xensim_guest_attach(tx.sim, id, NULL, &g), -ESRCH);
	ck_assert_ptr_null(g);
	ck_assert_int_eq(xensim_guest_notify(NULL), -EINVAL);
	ck_assert_int_eq(xensim_guest_consume(NULL), -EINVAL);
	ck_assert_int_eq(xensim_guest_wait(NULL, 0), -EINVAL);
	ck_assert_int_eq(xensim_evq_open(NULL, &q), -EINVAL);
	ck_assert_int_eq(xensim_evq_next(NULL, &g), -EINVAL);
}
END_TEST

/* dom0's ring is the xsd_kva file the daemon maps. */
START_TEST(test_dom0_ring)
{
	struct xensim_guest *g;
	void *m;

	ck_assert_int_eq(xensim_guest_attach(tx.sim, 0, NULL, &g), 0);
	ck_assert_uint_eq(xensim_guest_port(g), 1);
	xensim_guest_ring(g)->req[0] = 'Q';
	ck_assert_int_eq(xsim_page_map(core(), 0, PROT_READ, NULL, &m), 0);
	ck_assert_uint_eq(((unsigned char *)m)[0], 'Q');
	munmap(m, 4096);
	xensim_guest_detach(&g);
}
END_TEST

START_TEST(test_ring_write_read)
{
	struct xenstore_domain_interface *r;
	struct xensim_guest *g;
	char in[1500], out[1500];
	size_t i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (char)(i * 7);
	ck_assert_int_eq(xensim_guest_attach(tx.sim, mkdom(), NULL, &g), 0);
	r = xensim_guest_ring(g);
	/* start near the 32-bit wrap and near the end of the buffer */
	r->req_cons = r->req_prod = 0xfffffff0u;
	ck_assert_int_eq(xensim_ring_write(r, in, sizeof(in)), 1024);
	ck_assert_uint_eq(r->req_prod, 0xfffffff0u + 1024);
	ck_assert_int_eq(xensim_ring_write(r, in, 1), 0);	/* full */
	ck_assert_mem_eq(r->req + 1008, in, 16);
	ck_assert_mem_eq(r->req, in + 16, 1008);
	/* play the daemon: consume 100 bytes, then write a reply */
	r->req_cons += 100;
	ck_assert_int_eq(xensim_ring_write(r, in, sizeof(in)), 100);
	r->rsp_cons = r->rsp_prod = 1000;
	memcpy(r->rsp + 1000, in, 24);
	memcpy(r->rsp, in + 24, 26);
	r->rsp_prod = 1050;
	ck_assert_int_eq(xensim_ring_read(r, out, 10), 10);
	ck_assert_int_eq(xensim_ring_read(r, out + 10, sizeof(out)), 40);
	ck_assert_mem_eq(out, in, 50);
	ck_assert_uint_eq(r->rsp_cons, 1050);
	ck_assert_int_eq(xensim_ring_read(r, out, sizeof(out)), 0);
	/* hostile indexes */
	r->rsp_prod = r->rsp_cons + 1025;
	ck_assert_int_eq(xensim_ring_read(r, out, 1), -EIO);
	r->req_prod = r->req_cons + 2000;
	ck_assert_int_eq(xensim_ring_write(r, in, 1), -EIO);
	ck_assert_int_eq(xensim_ring_write(NULL, in, 1), -EINVAL);
	ck_assert_int_eq(xensim_ring_read(r, NULL, 1), -EINVAL);
	ck_assert_int_eq(xensim_ring_write(r, NULL, 0), -EIO);
	xensim_guest_detach(&g);
}
END_TEST

/* Many guests on one queue: events come out tagged with their guest. */
START_TEST(test_shared_evq)
{
	struct xensim_guest *g[3], *got;
	struct xensim_domain d;
	struct xensim_evq *q;
	struct xsim_evset daemon;
	uint32_t epi[3];
	int i;

	ck_assert_int_eq(xensim_evq_open(tx.sim, &q), 0);
	ck_assert_int_eq(xsim_evset_init(core(), true, &daemon), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, &d), 0);
		ck_assert_int_eq(xensim_guest_attach(tx.sim, d.domid, q, &g[i]),
		    0);
		ck_assert_int_eq(xensim_guest_fd(g[i]), xensim_evq_fd(q));
		ck_assert_int_eq(xsim_ev_bind_inter(core(), 0, d.domid, d.port,
		    daemon.bell.word, &epi[i]), 0);
	}
	ck_assert_int_eq(xensim_evq_next(q, &got), -EAGAIN);
	ck_assert_int_eq(xsim_ev_send(core(), epi[1]), 0);
	ck_assert_int_eq(xsim_ev_send(core(), epi[1]), 0);
	ck_assert(tutil_readable(xensim_evq_fd(q), 1000));
	ck_assert_int_eq(xensim_evq_next(q, &got), 0);
	ck_assert_ptr_eq(got, g[1]);
	ck_assert_int_eq(xensim_evq_next(q, &got), -EAGAIN);
	ck_assert(!tutil_readable(xensim_evq_fd(q), 0));
	ck_assert_int_eq(xsim_ev_send(core(), epi[0]), 0);
	ck_assert_int_eq(xsim_ev_send(core(), epi[2]), 0);
	ck_assert_int_eq(xensim_guest_consume(g[2]), 1);
	ck_assert(tutil_readable(xensim_evq_fd(q), 0));	/* g[0] still */
	/* detaching a guest with a queued event leaves no stale wakeup */
	xensim_guest_detach(&g[0]);
	ck_assert(!tutil_readable(xensim_evq_fd(q), 0));
	/* the queue outlives its close while guests remain */
	xensim_evq_close(&q);
	ck_assert_ptr_null(q);
	ck_assert_int_eq(xsim_ev_send(core(), epi[2]), 0);
	ck_assert_int_eq(xensim_guest_wait(g[2], 1000), 1);
	xensim_guest_detach(&g[1]);
	xensim_guest_detach(&g[2]);
	for (i = 0; i < 3; i++)
		xsim_ev_close(core(), epi[i], daemon.bell.word);
	xsim_evset_fini(core(), &daemon);
}
END_TEST

/* A guest attached after the daemon notified still sees the event. */
START_TEST(test_event_before_attach)
{
	struct xensim_guest *g;
	struct xensim_domain d;
	struct xsim_evset daemon;
	uint32_t epi;

	ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, &d), 0);
	ck_assert_int_eq(xsim_evset_init(core(), true, &daemon), 0);
	ck_assert_int_eq(xsim_ev_bind_inter(core(), 0, d.domid, d.port,
	    daemon.bell.word, &epi), 0);
	ck_assert_int_eq(xsim_ev_send(core(), epi), 0);
	ck_assert_int_eq(xensim_guest_attach(tx.sim, d.domid, NULL, &g), 0);
	ck_assert(tutil_readable(xensim_guest_fd(g), 1000));
	ck_assert_int_eq(xensim_guest_consume(g), 1);
	xensim_guest_detach(&g);
	xsim_ev_close(core(), epi, daemon.bell.word);
	xsim_evset_fini(core(), &daemon);
}
END_TEST

START_TEST(test_wait_deadline)
{
	struct timespec a, b;
	struct xensim_guest *g;
	long ms;

	ck_assert_int_eq(xensim_guest_attach(tx.sim, mkdom(), NULL, &g), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(xensim_guest_wait(g, 120), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	ck_assert_int_ge(ms, 100);
	ck_assert_int_lt(ms, 2000);
	xensim_guest_detach(&g);
}
END_TEST

/* Without a daemon a request times out, bounded. */
START_TEST(test_request_timeout)
{
	struct xensim_guest *g;
	char buf[16];
	uint32_t type;

	ck_assert_int_eq(xensim_guest_attach(tx.sim, mkdom(), NULL, &g), 0);
	ck_assert_int_eq(xensim_guest_request(g, XS_READ, 1, 0, "a", 2, &type,
	    buf, sizeof(buf), 100), -ETIMEDOUT);
	ck_assert_int_eq(xensim_guest_request(g, XS_READ, 1, 0, buf, 5000,
	    &type, buf, sizeof(buf), 100), -EMSGSIZE);
	ck_assert_int_eq(xensim_guest_request(NULL, XS_READ, 1, 0, "a", 2,
	    &type, buf, sizeof(buf), 100), -EINVAL);
	xensim_guest_detach(&g);
}
END_TEST

Suite *
suite_guest(void)
{
	Suite *s = suite_create("guest");
	TCase *tc = tx_tcase("guest");

	tcase_add_test(tc, test_attach_and_page);
	tcase_add_test(tc, test_attach_errors);
	tcase_add_test(tc, test_dom0_ring);
	tcase_add_test(tc, test_ring_write_read);
	tcase_add_test(tc, test_shared_evq);
	tcase_add_test(tc, test_event_before_attach);
	tcase_add_test(tc, test_wait_deadline);
	tcase_add_test(tc, test_request_timeout);
	suite_add_tcase(s, tc);
	return s;
}
