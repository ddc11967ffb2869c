/*
 * check_sim_evtchn.c: event channels of the core, as the preload uses them
 * (an evset in dom0 playing the daemon) against guests of the public API:
 * pending at most once, mask/unmask, bind semantics, closing, VIRQ on
 * shutdown and death, port allocation, reclaiming dead processes' handles.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_xensim.h"

/* The daemon side: an evset whose ports live in dom0. */
struct dside {
	struct xsim_evset set;
};

static struct xsim_core *
core(void)
{
	return &tx.sim->core;
}

static void
dside_open(struct dside *d)
{
	ck_assert_int_eq(xsim_evset_init(core(), true, &d->set), 0);
}

static void
dside_close(struct dside *d)
{
	uint32_t i;

	for (i = 0; i < d->set.n; i++)
		xsim_ev_close(core(), d->set.ev[i].epi, d->set.bell.word);
	xsim_evset_fini(core(), &d->set);
}

static uint32_t
dside_bind(struct dside *d, uint32_t domid, uint32_t port)
{
	uint32_t epi;

	ck_assert_int_eq(xsim_ev_bind_inter(core(), 0, domid, port,
	    d->set.bell.word, &epi), 0);
	ck_assert_int_eq(xsim_evset_add(&d->set, epi, NULL), 0);
	return epi;
}

static uint32_t
dside_virq(struct dside *d)
{
	uint32_t epi;

	ck_assert_int_eq(xsim_ev_bind_virq(core(), 0, XSIM_VIRQ_DOM_EXC,
	    d->set.bell.word, &epi), 0);
	ck_assert_int_eq(xsim_evset_add(&d->set, epi, NULL), 0);
	return epi;
}

/* Like xenevtchn_pending: the epi of the next port, or XSIM_NONE. */
static uint32_t
dside_pending(struct dside *d)
{
	struct xsim_event ev;

	if (xsim_evset_next(core(), &d->set, false, &ev) < 0)
		return XSIM_NONE;
	return ev.epi;
}

static bool
dside_readable(struct dside *d)
{
	return tutil_readable(d->set.bell.fd, 0);
}

static void
guest_new(struct xensim_domain *dom, struct xensim_guest **g)
{
	ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, dom), 0);
	ck_assert_int_eq(xensim_guest_attach(tx.sim, dom->domid, NULL, g), 0);
}

/* Binding leaves the new local port pending, as Xen does. */
START_TEST(test_bind_starts_pending)
{
	struct xensim_domain dom;
	struct xensim_guest *g;
	struct dside d;
	uint32_t epi;

	guest_new(&dom, &g);
	dside_open(&d);
	ck_assert(!dside_readable(&d));
	epi = dside_bind(&d, dom.domid, dom.port);
	ck_assert(tutil_readable(d.set.bell.fd, 1000));
	ck_assert_uint_eq(dside_pending(&d), epi);
	ck_assert(!dside_readable(&d));
	ck_assert_uint_eq(dside_pending(&d), XSIM_NONE);
	xsim_ev_unmask(core(), epi);
	ck_assert(!dside_readable(&d));
	/* port 1 is xsd_port */
	ck_assert_uint_eq(xsim_ep(core(), epi)->port, 2);
	ck_assert_int_eq(xensim_guest_consume(g), 0);
	dside_close(&d);
	xensim_guest_detach(&g);
}
END_TEST

/* Daemon -> guest: any number of notifications is one event. */
START_TEST(test_guest_pending_once)
{
	struct xensim_domain dom;
	struct xensim_guest *g;
	struct dside d;
	uint32_t epi;
	int i;

	guest_new(&dom, &g);
	dside_open(&d);
	epi = dside_bind(&d, dom.domid, dom.port);
	ck_assert(!tutil_readable(xensim_guest_fd(g), 0));
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(xsim_ev_send(core(), epi), 0);
	ck_assert(tutil_readable(xensim_guest_fd(g), 1000));
	ck_assert_int_eq(xensim_guest_consume(g), 1);
	ck_assert(!tutil_readable(xensim_guest_fd(g), 0));
	ck_assert_int_eq(xensim_guest_consume(g), 0);
	ck_assert_int_eq(xsim_ev_send(core(), epi), 0);
	ck_assert_int_eq(xensim_guest_wait(g, 1000), 1);
	ck_assert_int_eq(xensim_guest_wait(g, 0), 0);
	dside_close(&d);
	xensim_guest_detach(&g);
}
END_TEST

/*
 * Guest -> daemon with the evtchn device's semantics: read masks the port;
 * notifications while masked are remembered once and redelivered at
 * unmask.
 */
START_TEST(test_device_mask_unmask)
{
	struct xensim_domain dom;
	struct xensim_guest *g;
	struct dside d;
	uint32_t epi;
	int i;

	guest_new(&dom, &g);
	dside_open(&d);
	epi = dside_bind(&d, dom.domid, dom.port);
	ck_assert_uint_eq(dside_pending(&d), epi);
	xsim_ev_unmask(core(), epi);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(xensim_guest_notify(g), 0);
	ck_assert(tutil_readable(d.set.bell.fd, 1000));
	ck_assert_uint_eq(dside_pending(&d), epi);
	ck_assert(!dside_readable(&d));
	/* masked: notifications are held, not delivered */
	ck_assert_int_eq(xensim_guest_notify(g), 0);
	ck_assert_int_eq(xensim_guest_notify(g), 0);
	ck_assert(!dside_readable(&d));
	xsim_ev_unmask(core(), epi);
	ck_assert(tutil_readable(d.set.bell.fd, 1000));
	ck_assert_uint_eq(dside_pending(&d), epi);
	xsim_ev_unmask(core(), epi);
	ck_assert(!dside_readable(&d));
	ck_assert_uint_eq(dside_pending(&d), XSIM_NONE);
	dside_close(&d);
	xensim_guest_detach(&g);
}
END_TEST

/* Notifying an unbound port drops the event, as EVTCHNOP_send does. */
START_TEST(test_unbound_drops)
{
	struct xensim_domain dom;
	struct xensim_guest *g;
	struct dside d;
	uint32_t epi;

	guest_new(&dom, &g);
	ck_assert_int_eq(xensim_guest_notify(g), 0);
	dside_open(&d);
	epi = dside_bind(&d, dom.domid, dom.port);
	ck_assert_uint_eq(dside_pending(&d), epi);	/* the bind's event */
	xsim_ev_unmask(core(), epi);
	ck_assert(!dside_readable(&d));
	dside_close(&d);
	xensim_guest_detach(&g);
}
END_TEST

/* Closing one end leaves the other unbound and bindable again. */
START_TEST(test_close_and_rebind)
{
	struct xensim_domain dom;
	struct xensim_guest *g;
	struct dside d;
	uint32_t epi, gepi;

	guest_new(&dom, &g);
	dside_open(&d);
	epi = dside_bind(&d, dom.domid, dom.port);
	ck_assert_int_eq(xsim_ev_lookup(core(), dom.domid, dom.port, &gepi), 0);
	ck_assert_uint_eq(atomic_load(&xsim_ep(core(), gepi)->state),
	    XSIM_EP_INTER);
	ck_assert_int_eq(xsim_ev_bind_inter(core(), 0, dom.domid, dom.port,
	    d.set.bell.word, &epi), -EINVAL);	/* already bound */
	xsim_evset_del(&d.set, epi);
	ck_assert_int_eq(xsim_ev_close(core(), epi, d.set.bell.word + 1),
	    -EINVAL);	/* not the owner */
	ck_assert_int_eq(xsim_ev_close(core(), epi, d.set.bell.word), 0);
	ck_assert_int_eq(xsim_ev_close(core(), epi, 0), -EINVAL);
	ck_assert_uint_eq(atomic_load(&xsim_ep(core(), gepi)->state),
	    XSIM_EP_UNBOUND);
	ck_assert_uint_eq(xsim_ep(core(), gepi)->remote_dom, 0);
	ck_assert_int_eq(xensim_guest_notify(g), 0);	/* dropped */
	epi = dside_bind(&d, dom.domid, dom.port);
	ck_assert_uint_eq(xsim_ep(core(), epi)->port, 2);	/* reused */
	dside_close(&d);
	xensim_guest_detach(&g);
}
END_TEST

START_TEST(test_bind_errors)
{
	struct xensim_domain dom;
	uint32_t epi, other;

	ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, &dom), 0);
	ck_assert_int_eq(xsim_ev_bind_inter(core(), 0, 4000, 1, 1, &epi),
	    -ESRCH);
	ck_assert_int_eq(xsim_ev_bind_inter(core(), 0, 1u << 20, 1, 1, &epi),
	    -ESRCH);
	ck_assert_int_eq(xsim_ev_bind_inter(core(), 0, dom.domid, 9, 1, &epi),
	    -EINVAL);
	ck_assert_int_eq(xsim_ev_bind_inter(core(), 0, dom.domid, 0, 1, &epi),
	    -EINVAL);
	/* a port offered to dom0 cannot be bound by another domain */
	ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, NULL), 0);
	other = dom.domid + 1;
	ck_assert_int_eq(xsim_ev_bind_inter(core(), other, dom.domid, dom.port,
	    1, &epi), -EINVAL);
	ck_assert_int_eq(xsim_ev_bind_virq(core(), 0, 24, 1, &epi), -EINVAL);
	ck_assert_int_eq(xsim_ev_alloc_unbound(core(), 0, 1u << 20, 1, 0,
	    &epi), -EINVAL);
	ck_assert_int_eq(xsim_ev_alloc_unbound(core(), 4000, 0, 1, 0, &epi),
	    -ESRCH);
	ck_assert_int_eq(xensim_domain_kill(tx.sim, dom.domid), 0);
	ck_assert_int_eq(xsim_ev_bind_inter(core(), 0, dom.domid, dom.port, 1,
	    &epi), -EINVAL);
	ck_assert_int_eq(xsim_ev_alloc_unbound(core(), dom.domid, 0, 1, 0,
	    &epi), -EINVAL);
	ck_assert_int_eq(xsim_ev_send(core(), XSIM_NR_EPS), -EINVAL);
	ck_assert_int_eq(xsim_ev_close(core(), XSIM_NR_EPS, 0), -EINVAL);
	ck_assert_int_eq(xsim_ev_lookup(core(), 0, 0, &epi), -EINVAL);
	ck_assert_int_eq(xsim_ev_lookup(core(), 0, XSIM_MAX_PORT + 1, &epi),
	    -EINVAL);
}
END_TEST

/* Ports are allocated lowest-first per domain, and reused. */
START_TEST(test_port_allocation)
{
	struct dside d;
	uint32_t a, b, c, e;

	dside_open(&d);
	a = dside_virq(&d);
	b = dside_virq(&d);
	c = dside_virq(&d);
	ck_assert_uint_eq(xsim_ep(core(), a)->port, 2);
	ck_assert_uint_eq(xsim_ep(core(), b)->port, 3);
	ck_assert_uint_eq(xsim_ep(core(), c)->port, 4);
	xsim_evset_del(&d.set, b);
	ck_assert_int_eq(xsim_ev_close(core(), b, d.set.bell.word), 0);
	e = dside_virq(&d);
	ck_assert_uint_eq(xsim_ep(core(), e)->port, 3);
	ck_assert_int_eq(xsim_ev_lookup(core(), 0, 3, &b), 0);
	ck_assert_uint_eq(b, e);
	ck_assert_int_eq(xsim_ev_lookup(core(), 0, 5, &b), -EINVAL);
	dside_close(&d);
}
END_TEST

/* Shutdown and death raise VIRQ_DOM_EXC on every handle bound to it. */
START_TEST(test_virq_dom_exc)
{
	struct dside d1, d2;
	uint32_t v1, v2, id;

	dside_open(&d1);
	dside_open(&d2);
	v1 = dside_virq(&d1);
	v2 = dside_virq(&d2);
	ck_assert(!dside_readable(&d1));
	ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, NULL), 0);
	id = 1;
	ck_assert(!dside_readable(&d1));	/* creation raises nothing */
	ck_assert_int_eq(xensim_domain_shutdown(tx.sim, id, 0), 0);
	ck_assert(tutil_readable(d1.set.bell.fd, 1000));
	ck_assert(tutil_readable(d2.set.bell.fd, 1000));
	ck_assert_uint_eq(dside_pending(&d1), v1);
	ck_assert_uint_eq(dside_pending(&d2), v2);
	xsim_ev_unmask(core(), v1);
	xsim_ev_unmask(core(), v2);
	ck_assert_int_eq(xensim_domain_shutdown(tx.sim, id, 0), 0);
	ck_assert(!dside_readable(&d1));	/* no change, no event */
	ck_assert_int_eq(xensim_domain_resume(tx.sim, id), 0);
	ck_assert(!dside_readable(&d1));
	ck_assert_int_eq(xensim_domain_kill(tx.sim, id), 0);
	ck_assert(tutil_readable(d1.set.bell.fd, 1000));
	ck_assert_uint_eq(dside_pending(&d1), v1);
	xsim_ev_unmask(core(), v1);
	ck_assert_uint_eq(dside_pending(&d2), v2);
	xsim_ev_unmask(core(), v2);
	ck_assert_int_eq(xensim_domain_destroy(tx.sim, id), 0);
	ck_assert(!dside_readable(&d1));	/* already dying: no event */
	ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, NULL), 0);
	ck_assert_int_eq(xensim_domain_destroy(tx.sim, 2), 0);
	ck_assert_uint_eq(dside_pending(&d1), v1);	/* kill + free */
	ck_assert_uint_eq(dside_pending(&d1), XSIM_NONE);
	dside_close(&d1);
	dside_close(&d2);
}
END_TEST

/* Death closes the domain's channels: the daemon's end becomes unbound. */
START_TEST(test_death_closes_channels)
{
	struct xensim_domain dom;
	struct xensim_guest *g;
	struct dside d;
	uint32_t epi;

	guest_new(&dom, &g);
	dside_open(&d);
	epi = dside_bind(&d, dom.domid, dom.port);
	ck_assert_int_eq(xensim_domain_destroy(tx.sim, dom.domid), 0);
	ck_assert_uint_eq(atomic_load(&xsim_ep(core(), epi)->state),
	    XSIM_EP_UNBOUND);
	ck_assert_uint_eq(xsim_ep(core(), epi)->remote_dom, dom.domid);
	ck_assert_int_eq(xsim_ev_send(core(), epi), 0);	/* dropped */
	ck_assert_int_eq(xensim_guest_notify(g), -ESRCH);
	ck_assert_int_eq(xensim_guest_consume(g), -ESRCH);
	ck_assert_int_eq(xensim_guest_wait(g, 10), -ESRCH);
	/* the same domid again is a different guest */
	ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, &dom), 0);
	ck_assert_int_eq(xensim_guest_notify(g), -ESRCH);
	xensim_guest_detach(&g);
	dside_close(&d);
}
END_TEST

/* One handle with many ports: pending at most once, held while masked. */
START_TEST(test_many_ports_once_each)
{
	enum { N = 1500 };
	static struct xensim_guest *g[N];
	static uint32_t epi[N];
	static int seen[N];
	struct xensim_domain dom;
	struct xensim_evq *q;
	struct dside d;
	uint32_t e, i, n = 0;
	int round;

	ck_assert_int_eq(xensim_evq_open(tx.sim, &q), 0);
	dside_open(&d);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, &dom), 0);
		ck_assert_int_eq(xensim_guest_attach(tx.sim, dom.domid, q,
		    &g[i]), 0);
		epi[i] = dside_bind(&d, dom.domid, dom.port);
		seen[i] = 0;
	}
	while ((e = dside_pending(&d)) != XSIM_NONE) {	/* bind events */
		xsim_ev_unmask(core(), e);
		ck_assert_uint_lt(n++, N);
	}
	ck_assert_uint_eq(n, N);
	ck_assert(!dside_readable(&d));
	for (i = 0; i < N; i += 3) {
		ck_assert_int_eq(xensim_guest_notify(g[i]), 0);
		ck_assert_int_eq(xensim_guest_notify(g[i]), 0);
	}
	/*
	 * Each notified port comes out once (the second notification finds
	 * it queued, hence masked, and is held); unmasking redelivers the
	 * held one once more; after that, nothing.
	 */
	for (round = 0; round < 2; round++) {
		ck_assert(tutil_readable(d.set.bell.fd, 1000));
		n = 0;
		while ((e = dside_pending(&d)) != XSIM_NONE) {
			for (i = 0; i < N && epi[i] != e; i++)
				;
			ck_assert_uint_lt(i, N);
			ck_assert_uint_eq(i % 3, 0);
			ck_assert_int_eq(seen[i]++, round);
			n++;
		}
		ck_assert_uint_eq(n, (N + 2) / 3);
		ck_assert(!dside_readable(&d));
		for (i = 0; i < N; i += 3)
			xsim_ev_unmask(core(), epi[i]);
	}
	ck_assert(!dside_readable(&d));
	ck_assert_uint_eq(dside_pending(&d), XSIM_NONE);
	for (i = 0; i < N; i++)
		xensim_guest_detach(&g[i]);
	xensim_evq_close(&q);
	dside_close(&d);
}
END_TEST

/*
 * A process that dies holding a handle: its ports are closed when the
 * handle is reclaimed, so a new daemon can bind the guest again.
 */
START_TEST(test_gc_dead_process)
{
	struct xensim_domain dom;
	struct xensim *s2;
	struct dside d;
	uint32_t gepi;
	pid_t pid;
	int st;

	ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, &dom), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct xsim_core c;
		struct xsim_bell b;
		uint32_t e;

		if (xsim_core_open(&c, tx.dir) < 0 ||
		    xsim_bell_open(&c, true, &b) < 0 ||
		    xsim_ev_bind_inter(&c, 0, dom.domid, dom.port, b.word,
		    &e) < 0)
			_exit(1);
		_exit(0);	/* without closing anything */
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(xsim_ev_lookup(core(), dom.domid, dom.port, &gepi), 0);
	ck_assert_uint_eq(atomic_load(&xsim_ep(core(), gepi)->state),
	    XSIM_EP_INTER);
	ck_assert_int_eq(xensim_open(tx.dir, &s2), 0);	/* collects */
	xensim_close(&s2);
	ck_assert_uint_eq(atomic_load(&xsim_ep(core(), gepi)->state),
	    XSIM_EP_UNBOUND);
	dside_open(&d);
	dside_bind(&d, dom.domid, dom.port);
	ck_assert_int_eq(xsim_gc(core()), 0);	/* we are alive */
	dside_close(&d);
}
END_TEST

START_TEST(test_bell_adopt)
{
	struct xsim_bell b;
	struct dside d;
	int sv[2];

	dside_open(&d);
	ck_assert_int_eq(xsim_bell_adopt(core(), d.set.bell.fd, &b), 0);
	ck_assert_uint_eq(b.word, d.set.bell.word);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	ck_assert_int_eq(xsim_bell_adopt(core(), sv[0], &b), -EINVAL);
	close(sv[0]);
	close(sv[1]);
	ck_assert_int_eq(xsim_bell_adopt(core(), -1, &b), -EBADF);
	/* a stale ring of a freed handle slot is a no-op */
	dside_close(&d);
	xsim_bell_ring(core(), b.word);
	xsim_bell_ring(core(), 0);
	xsim_bell_ring(core(), 0xffffffffu);
}
END_TEST

Suite *
suite_evtchn(void)
{
	Suite *s = suite_create("evtchn");
	TCase *tc = tx_tcase("evtchn");

	tcase_add_test(tc, test_bind_starts_pending);
	tcase_add_test(tc, test_guest_pending_once);
	tcase_add_test(tc, test_device_mask_unmask);
	tcase_add_test(tc, test_unbound_drops);
	tcase_add_test(tc, test_close_and_rebind);
	tcase_add_test(tc, test_bind_errors);
	tcase_add_test(tc, test_port_allocation);
	tcase_add_test(tc, test_virq_dom_exc);
	tcase_add_test(tc, test_death_closes_channels);
	tcase_add_test(tc, test_many_ports_once_each);
	tcase_add_test(tc, test_gc_dead_process);
	tcase_add_test(tc, test_bell_adopt);
	suite_add_tcase(s, tc);
	return s;
}
