/*
 * check_sim_domain.c: the simulation directory and the domain table:
 * creation and opening, dom0, domain lifecycle and its error paths, domid
 * allocation and reuse, ring pages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_xensim.h"

static void
read_file(const char *dir, const char *name, char *buf, size_t len)
{
	char path[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, len - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
}

static off_t
file_size(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(path, &st) < 0)
		return -1;
	return st.st_size;
}

static uint32_t
mkdom(void)
{
	struct xensim_domain d;

	ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, &d), 0);
	return d.domid;
}

START_TEST(test_machine_files)
{
	struct xensim_domain d;
	char buf[64];

	ck_assert_int_eq(file_size(tx.dir, "xsd_kva"), 4096);
	read_file(tx.dir, "xsd_port", buf, sizeof(buf));
	ck_assert_str_eq(buf, "1");	/* no newline, for oxenstored */
	read_file(tx.dir, "capabilities", buf, sizeof(buf));
	ck_assert_str_eq(buf, "control_d\n");
	ck_assert_int_eq(xensim_domain_get(tx.sim, 0, &d), 0);
	ck_assert_uint_eq(d.domid, 0);
	ck_assert_uint_eq(d.state, XENSIM_RUNNING);
	ck_assert_uint_eq(d.port, 1);
	ck_assert_uint_eq(d.gref, XENSIM_GREF_XENSTORE);
	ck_assert(d.flags & XENSIM_F_PRIV);
	ck_assert_str_eq(xensim_dir(tx.sim), tx.dir);
}
END_TEST

START_TEST(test_create_open_errors)
{
	struct xensim *s2 = NULL;
	char path[4096], *empty;
	int fd;

	ck_assert_int_eq(xensim_create(tx.dir, &s2), -EEXIST);
	ck_assert_ptr_null(s2);
	ck_assert_int_eq(xensim_open(tx.dir, &s2), 0);
	ck_assert_ptr_nonnull(s2);
	xensim_close(&s2);
	ck_assert_ptr_null(s2);
	xensim_close(&s2);
	xensim_close(NULL);

	empty = tutil_mkdtemp();
	ck_assert_int_eq(xensim_open(empty, &s2), -ENOENT);
	snprintf(path, sizeof(path), "%s/machine", empty);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "junk", 4), 4);
	close(fd);
	ck_assert_int_eq(xensim_open(empty, &s2), -EPROTO);
	ck_assert_int_eq(xensim_create(empty, &s2), -EEXIST);
	tutil_rmrf(&empty);

	ck_assert_int_eq(xensim_open("", &s2), -EINVAL);
	ck_assert_int_eq(xensim_open(NULL, &s2), -EINVAL);
	ck_assert_int_eq(xensim_open(tx.dir, NULL), -EINVAL);
	ck_assert_int_eq(xensim_create("/proc/xensim-cannot-exist", &s2) < 0,
	    1);
}
END_TEST

START_TEST(test_domain_defaults)
{
	struct xensim_domain d, e;

	ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, &d), 0);
	ck_assert_uint_eq(d.domid, 1);
	ck_assert_uint_eq(d.state, XENSIM_RUNNING);
	ck_assert_uint_eq(d.shutdown_reason, 0);
	ck_assert_uint_eq(d.port, 1);	/* lowest free port of the guest */
	ck_assert_uint_eq(d.gref, 1);
	ck_assert_uint_eq(d.gfn, XENSIM_DEFAULT_GFN);
	ck_assert_uint_eq(d.flags, 0);
	ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, &e), 0);
	ck_assert_uint_eq(e.domid, 2);
	ck_assert_int_eq(xensim_domain_get(tx.sim, 2, &d), 0);
	ck_assert_mem_eq(&d, &e, sizeof(d));
	ck_assert_int_eq(file_size(tx.dir, "pages/1.1"), 4096);
	ck_assert_int_eq(file_size(tx.dir, "pages/2.1"), 4096);
}
END_TEST

START_TEST(test_domain_params)
{
	struct xensim_domain_params p;
	struct xensim_domain d;

	xensim_domain_params_init(&p);
	ck_assert_uint_eq(p.domid, XENSIM_DOMID_ANY);
	p.domid = 7;
	p.flags = XENSIM_F_HVM | XENSIM_F_PAUSED;
	p.gfn = 0x1234;
	p.uuid[0] = 0xab;
	ck_assert_int_eq(xensim_domain_create(tx.sim, &p, &d), 0);
	ck_assert_uint_eq(d.domid, 7);
	ck_assert_uint_eq(d.flags, XENSIM_F_HVM | XENSIM_F_PAUSED);
	ck_assert_uint_eq(d.gfn, 0x1234);
	ck_assert_uint_eq(d.uuid[0], 0xab);
	ck_assert_int_eq(xensim_domain_create(tx.sim, &p, &d), -EEXIST);
	p.domid = 0;
	ck_assert_int_eq(xensim_domain_create(tx.sim, &p, &d), -EINVAL);
	p.domid = XENSIM_MAX_DOMID + 1;
	ck_assert_int_eq(xensim_domain_create(tx.sim, &p, &d), -EINVAL);
	p.domid = XENSIM_MAX_DOMID;
	ck_assert_int_eq(xensim_domain_create(tx.sim, &p, NULL), 0);
	p.domid = XENSIM_DOMID_ANY;
	p.flags = XENSIM_F_PRIV;
	ck_assert_int_eq(xensim_domain_create(tx.sim, &p, &d), -EINVAL);
	p.flags = 0x100;
	ck_assert_int_eq(xensim_domain_create(tx.sim, &p, &d), -EINVAL);
	ck_assert_int_eq(xensim_domain_create(NULL, NULL, &d), -EINVAL);
}
END_TEST

START_TEST(test_domain_next)
{
	struct xensim_domain d;
	uint32_t id = 0, seen[8];
	int n = 0;

	mkdom();
	mkdom();
	mkdom();
	while (xensim_domain_next(tx.sim, id, &d) == 0) {
		ck_assert_int_lt(n, 8);
		seen[n++] = d.domid;
		id = d.domid + 1;
	}
	ck_assert_int_eq(n, 4);
	ck_assert_uint_eq(seen[0], 0);
	ck_assert_uint_eq(seen[3], 3);
	ck_assert_int_eq(xensim_domain_next(tx.sim, 4, &d), -ESRCH);
	ck_assert_int_eq(xensim_domain_next(tx.sim, 99999, &d), -ESRCH);
	ck_assert_int_eq(xensim_domain_get(tx.sim, 4, &d), -ESRCH);
	ck_assert_int_eq(xensim_domain_get(tx.sim, 1u << 30, &d), -ESRCH);
	ck_assert_int_eq(xensim_domain_get(tx.sim, 1, NULL), -EINVAL);
}
END_TEST

START_TEST(test_shutdown_resume)
{
	struct xensim_domain d;
	uint32_t id = mkdom();

	ck_assert_int_eq(xensim_domain_shutdown(tx.sim, id, 3), 0);
	ck_assert_int_eq(xensim_domain_get(tx.sim, id, &d), 0);
	ck_assert_uint_eq(d.state, XENSIM_SHUTDOWN);
	ck_assert_uint_eq(d.shutdown_reason, 3);
	/* A second shutdown changes nothing, as in Xen. */
	ck_assert_int_eq(xensim_domain_shutdown(tx.sim, id, 1), 0);
	ck_assert_int_eq(xensim_domain_get(tx.sim, id, &d), 0);
	ck_assert_uint_eq(d.shutdown_reason, 3);
	ck_assert_int_eq(xensim_domain_resume(tx.sim, id), 0);
	ck_assert_int_eq(xensim_domain_get(tx.sim, id, &d), 0);
	ck_assert_uint_eq(d.state, XENSIM_RUNNING);
	ck_assert_uint_eq(d.shutdown_reason, 0);
	ck_assert_int_eq(xensim_domain_resume(tx.sim, id), -EINVAL);
	ck_assert_int_eq(xensim_domain_shutdown(tx.sim, 0, 0), -EPERM);
	ck_assert_int_eq(xensim_domain_shutdown(tx.sim, 99, 0), -ESRCH);
	ck_assert_int_eq(xensim_domain_shutdown(tx.sim, id, 256), -EINVAL);
	ck_assert_int_eq(xensim_domain_resume(tx.sim, 99), -ESRCH);
}
END_TEST

START_TEST(test_kill_destroy)
{
	struct xensim_domain d;
	uint32_t id = mkdom();

	ck_assert_int_eq(xensim_domain_kill(tx.sim, id), 0);
	ck_assert_int_eq(xensim_domain_get(tx.sim, id, &d), 0);
	ck_assert_uint_eq(d.state, XENSIM_DYING);
	ck_assert_int_eq(xensim_domain_kill(tx.sim, id), 0);
	ck_assert_int_eq(xensim_domain_shutdown(tx.sim, id, 0), -EINVAL);
	ck_assert_int_eq(xensim_domain_resume(tx.sim, id), -EINVAL);
	ck_assert_int_eq(xensim_domain_destroy(tx.sim, id), 0);
	ck_assert_int_eq(xensim_domain_get(tx.sim, id, &d), -ESRCH);
	ck_assert_int_eq(file_size(tx.dir, "pages/1.1"), -1);
	ck_assert_int_eq(xensim_domain_destroy(tx.sim, id), -ESRCH);
	ck_assert_int_eq(xensim_domain_kill(tx.sim, id), -ESRCH);
	ck_assert_int_eq(xensim_domain_destroy(tx.sim, 0), -EPERM);
	ck_assert_int_eq(xensim_domain_kill(tx.sim, 0), -EPERM);
	ck_assert_int_eq(xensim_domain_destroy(tx.sim, 1u << 20), -ESRCH);
	/* destroy straight from running */
	id = mkdom();
	ck_assert_int_eq(xensim_domain_destroy(tx.sim, id), 0);
	ck_assert_int_eq(xensim_domain_get(tx.sim, id, &d), -ESRCH);
	ck_assert_int_eq(xensim_domain_destroy(NULL, id), -EINVAL);
}
END_TEST

/* New domids come from a rover; a freed one is reused only on request. */
START_TEST(test_domid_rover_and_reuse)
{
	struct xensim_domain_params p;
	struct xensim_domain d;

	ck_assert_uint_eq(mkdom(), 1);
	ck_assert_int_eq(xensim_domain_destroy(tx.sim, 1), 0);
	ck_assert_uint_eq(mkdom(), 2);
	xensim_domain_params_init(&p);
	p.domid = 1;
	ck_assert_int_eq(xensim_domain_create(tx.sim, &p, &d), 0);
	ck_assert_uint_eq(d.domid, 1);
	ck_assert_uint_eq(d.port, 1);
	/* second incarnation of domid 1: a new page file */
	ck_assert_int_eq(file_size(tx.dir, "pages/1.2"), 4096);
}
END_TEST

/* A reused domid gets a fresh zero page; old mappings keep the old one. */
START_TEST(test_page_per_incarnation)
{
	struct xensim_domain_params p;
	unsigned char *old, *cur;
	void *m;
	uint32_t id = mkdom();

	ck_assert_int_eq(xsim_page_map(&tx.sim->core, id,
	    PROT_READ | PROT_WRITE, NULL, &m), 0);
	old = m;
	memset(old, 0x5a, 4096);
	ck_assert_int_eq(xensim_domain_destroy(tx.sim, id), 0);
	xensim_domain_params_init(&p);
	p.domid = id;
	ck_assert_int_eq(xensim_domain_create(tx.sim, &p, NULL), 0);
	ck_assert_int_eq(xsim_page_map(&tx.sim->core, id, PROT_READ, NULL, &m),
	    0);
	cur = m;
	ck_assert_uint_eq(cur[0], 0);
	ck_assert_uint_eq(cur[4095], 0);
	ck_assert_uint_eq(old[0], 0x5a);
	munmap(old, 4096);
	munmap(cur, 4096);
	ck_assert_int_eq(xsim_page_map(&tx.sim->core, 4242, PROT_READ, NULL,
	    &m), -ESRCH);
	ck_assert_int_eq(xensim_domain_kill(tx.sim, id), 0);
	ck_assert_int_eq(xsim_page_map(&tx.sim->core, id, PROT_READ, NULL, &m),
	    -EINVAL);
}
END_TEST

START_TEST(test_set_flags)
{
	struct xensim_domain d;
	uint32_t id = mkdom();

	ck_assert_int_eq(xensim_domain_set_flags(tx.sim, id, XENSIM_F_NOGRANT,
	    0), 0);
	ck_assert_int_eq(xensim_domain_get(tx.sim, id, &d), 0);
	ck_assert_uint_eq(d.flags, XENSIM_F_NOGRANT);
	ck_assert_int_eq(xensim_domain_set_flags(tx.sim, id, XENSIM_F_PAUSED,
	    XENSIM_F_NOGRANT), 0);
	ck_assert_int_eq(xensim_domain_get(tx.sim, id, &d), 0);
	ck_assert_uint_eq(d.flags, XENSIM_F_PAUSED);
	ck_assert_int_eq(xensim_domain_set_flags(tx.sim, id, XENSIM_F_PRIV, 0),
	    -EINVAL);
	ck_assert_int_eq(xensim_domain_set_flags(tx.sim, id, XENSIM_F_HVM, 0),
	    -EINVAL);
	ck_assert_int_eq(xensim_domain_set_flags(tx.sim, 77, 0, 0), -ESRCH);
}
END_TEST

/* Two opens of one simulation see the same machine. */
START_TEST(test_shared_between_opens)
{
	struct xensim_domain d;
	struct xensim *s2;
	uint32_t id;

	ck_assert_int_eq(xensim_open(tx.dir, &s2), 0);
	id = mkdom();
	ck_assert_int_eq(xensim_domain_get(s2, id, &d), 0);
	ck_assert_int_eq(xensim_domain_shutdown(s2, id, 2), 0);
	ck_assert_int_eq(xensim_domain_get(tx.sim, id, &d), 0);
	ck_assert_uint_eq(d.state, XENSIM_SHUTDOWN);
	ck_assert_uint_eq(mkdom(), 2);
	xensim_close(&s2);
}
END_TEST

/* Scale: 2,000 domains, all distinct, all freed. */
START_TEST(test_many_domains)
{
	struct xensim_domain d;
	uint32_t i, n = 2000;

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, &d), 0);
		ck_assert_uint_eq(d.domid, i + 1);
		ck_assert_uint_eq(d.port, 1);
	}
	for (i = 1; i <= n; i++)
		ck_assert_int_eq(xensim_domain_destroy(tx.sim, i), 0);
	ck_assert_int_eq(xensim_domain_next(tx.sim, 1, &d), -ESRCH);
	ck_assert_uint_eq(xsim_hdr(&tx.sim->core)->ndoms, 1);
}
END_TEST

/* Every domid can be allocated once; then -ENOSPC. */
START_TEST(test_domid_exhaustion)
{
	uint32_t i;

	for (i = 1; i <= XENSIM_MAX_DOMID; i++)
		ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, NULL), 0);
	ck_assert_int_eq(xensim_domain_create(tx.sim, NULL, NULL), -ENOSPC);
	ck_assert_int_eq(xensim_domain_destroy(tx.sim, 500), 0);
	ck_assert_uint_eq(mkdom(), 500);
}
END_TEST

Suite *
suite_domain(void)
{
	Suite *s = suite_create("domain");
	TCase *tc = tx_tcase("domain");

	tcase_add_test(tc, test_machine_files);
	tcase_add_test(tc, test_create_open_errors);
	tcase_add_test(tc, test_domain_defaults);
	tcase_add_test(tc, test_domain_params);
	tcase_add_test(tc, test_domain_next);
	tcase_add_test(tc, test_shutdown_resume);
	tcase_add_test(tc, test_kill_destroy);
	tcase_add_test(tc, test_domid_rover_and_reuse);
	tcase_add_test(tc, test_page_per_incarnation);
	tcase_add_test(tc, test_set_flags);
	tcase_add_test(tc, test_shared_between_opens);
	tcase_add_test(tc, test_many_domains);
	tcase_add_test(tc, test_domid_exhaustion);
	suite_add_tcase(s, tc);
	return s;
}
