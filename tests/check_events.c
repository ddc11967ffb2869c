/*
 * check_events.c: unit tests of events.c, turning change logs into watch
 * events.  Links events.c with the modules it calls: daemon.c (who a
 * caller is, whether an ACL entry still counts), domain.c, watch.c,
 * perms.c, path.c, store.c and libtrie.  conn.c is not linked (it would
 * pull in request.c and every handler): this file stands in for
 * conn_queue, recording what would have been queued, and for the two
 * functions daemon.c references but these tests never reach (conn_free,
 * xen_domain_exists).  The struct xsd and the connections are built by
 * hand.
 *
 * Covered: subtree events reach the path and every ancestor; removed
 * descendants fire exact events, children first; permission filtering
 * (the node as it is, as it was, or its parent; owner, ACL, SET_TARGET;
 * privileged readers see everything); relative watches get relative
 * paths; a commit's merged log fires each path once; special paths
 * follow their own permission lists; the first event of a watch; the
 * 4096-byte and queue-length drops; closing connections; ACL entries of
 * a domain tracked after the node's last change do not count.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "events.h"
#include "path.h"
#include "perms.h"
#include "xen.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- stand-ins for conn.c and xen.c ------------------------------------ */

struct ev {
	struct conn *c;
	char path[4200];
	char token[4200];
};

static struct ev evs[32];
static size_t nev;

int
conn_queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *payload, size_t len)
{
	const char *p = payload;
	size_t pl, tl;

	ck_assert_uint_eq(type, XS_WATCH_EVENT);
	ck_assert_uint_eq(req_id, 0);
	ck_assert_uint_eq(tx_id, 0);
	ck_assert_uint_lt(nev, NELEM(evs));
	/* "path\0token\0" exactly */
	pl = strnlen(p, len);
	ck_assert_uint_lt(pl, len);
	tl = strnlen(p + pl + 1, len - pl - 1);
	ck_assert_uint_eq(pl + 1 + tl + 1, len);
	ck_assert_uint_le(len, XENSTORE_PAYLOAD_MAX);
	evs[nev].c = c;
	memcpy(evs[nev].path, p, pl + 1);
	memcpy(evs[nev].token, p + pl + 1, tl + 1);
	nev++;
	return 0;
}

void
conn_free(struct conn *c)
{
	(void)c;
	ck_abort_msg("conn_free called");
}

bool
xen_domain_exists(struct xen *xen, unsigned domid)
{
	(void)xen;
	(void)domid;
	ck_abort_msg("xen_domain_exists called");
	return false;
}

/* ---- fixture ------------------------------------------------------------ */

static struct xsd *x;
static struct conn *conns[8];
static size_t nconns;

static void
setup(void)
{
	x = calloc(1, sizeof(*x));
	ck_assert_ptr_nonnull(x);
	TAILQ_INIT(&x->conns);
	TAILQ_INIT(&x->dirty);
	TAILQ_INIT(&x->dead);
	ck_assert_int_eq(store_init(&x->store, 99, 0, false), 0);
	ck_assert_int_eq(watches_init(&x->watches, 7), 0);
	ck_assert_int_eq(domains_init(&x->doms), 0);
	nconns = 0;
	nev = 0;
}

static void
teardown(void)
{
	size_t i;

	for (i = 0; i < nconns; i++) {
		watches_del_all(&x->watches, &conns[i]->watches);
		free(conns[i]);
	}
	watches_fini(&x->watches);
	domains_fini(&x->doms);
	store_fini(&x->store);
	free(x);
	x = NULL;
}

/* A connection as conn_new makes one (unprivileged ones track a domain). */
static struct conn *
new_conn(unsigned domid, bool priv)
{
	struct conn *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	ck_assert_uint_lt(nconns, NELEM(conns));
	c->x = x;
	c->domid = domid;
	c->priv = priv;
	c->next_txid = 1;
	TAILQ_INIT(&c->txns);
	TAILQ_INIT(&c->watches);
	if (!priv) {
		c->dom = daemon_track(x, domid);
		ck_assert_ptr_nonnull(c->dom);
		c->dom->nconns++;
	}
	conns[nconns++] = c;
	return c;
}

/* WATCH as op_watch registers it. */
static void
watch(struct conn *c, const char *path, const char *token, int depth)
{
	char canon[PATH_BUF];
	bool rel;

	ck_assert_int_eq(path_canon(path, c->domid, 0, PATH_F_SPECIAL, canon,
	    &rel), 0);
	ck_assert_int_eq(watches_add(&x->watches, c, &c->watches, canon, token,
	    rel, depth), 0);
}

/* ---- store updates, as a privileged caller ------------------------------ */

enum op { OP_WRITE, OP_MKDIR, OP_RM, OP_PERMS };

/* Apply one update on `*root` (owned, replaced) appending to `log`. */
static void
apply(struct trie_node **root, struct trie_log *log, enum op op,
    const char *path, const char *val, const struct trie_perm *p, size_t np)
{
	struct trie_ctx *cx = x->store.cx;
	struct trie_node *nr = NULL;
	int rc = -1;

	switch (op) {
	case OP_WRITE:
		rc = trie_write(cx, *root, path, val, strlen(val), TRIE_INHERIT,
		    log, &nr);
		break;
	case OP_MKDIR:
		rc = trie_mkdir(cx, *root, path, TRIE_INHERIT, log, &nr);
		break;
	case OP_RM:
		rc = trie_rm(cx, *root, path, log, &nr);
		break;
	case OP_PERMS:
		rc = trie_set_perms(cx, *root, path, p, np, log, &nr);
		break;
	}
	ck_assert_msg(rc == 0, "update of %s: %d", path, rc);
	trie_unref(cx, *root);
	*root = nr;
}

/* One update published, its events fired (not merged). */
static void
update(enum op op, const char *path, const char *val,
    const struct trie_perm *p, size_t np)
{
	struct trie_node *root = trie_ref(x->store.root);
	struct trie_log log;

	trie_log_init(&log, x->store.cx);
	apply(&root, &log, op, path, val, p, np);
	ck_assert_int_eq(store_publish(&x->store, root, &log), 0);
	events_fire_log(x, &log, false);
	trie_log_fini(&log);
}

#define WRITE(path, val) update(OP_WRITE, (path), (val), NULL, 0)
#define MKDIR(path) update(OP_MKDIR, (path), NULL, NULL, 0)
#define RM(path) update(OP_RM, (path), NULL, NULL, 0)
#define PERMS(path, ...) do {						\
	const struct trie_perm p_[] = { __VA_ARGS__ };			\
	update(OP_PERMS, (path), NULL, p_, NELEM(p_));			\
} while (0)

/* ---- checking what was queued ------------------------------------------- */

static void
clear(void)
{
	nev = 0;
}

/* Was (c, path, token) queued?  Each recorded event matches once. */
static bool
got(struct conn *c, const char *path, const char *token)
{
	size_t i;

	for (i = 0; i < nev; i++)
		if (evs[i].c == c && strcmp(evs[i].path, path) == 0 &&
		    strcmp(evs[i].token, token) == 0)
			return true;
	return false;
}

/* Index of (c, path, token) in the queue, or -1. */
static int
pos(struct conn *c, const char *path, const char *token)
{
	size_t i;

	for (i = 0; i < nev; i++)
		if (evs[i].c == c && strcmp(evs[i].path, path) == 0 &&
		    strcmp(evs[i].token, token) == 0)
			return (int)i;
	return -1;
}

static void
dump(void)
{
	size_t i;

	for (i = 0; i < nev; i++)
		fprintf(stderr, "  event %zu: conn %u \"%s\" \"%s\"\n", i,
		    evs[i].c->domid, evs[i].path, evs[i].token);
}

#define EXPECT_N(n) do {						\
	if (nev != (size_t)(n))						\
		dump();							\
	ck_assert_uint_eq(nev, (n));					\
} while (0)

#define P(id, mode) { (id), (mode), 0 }

/* ---- tests ------------------------------------------------------------ */

START_TEST(subtree_reaches_ancestors)
{
	struct conn *p = new_conn(0, true);

	watch(p, "/", "root", -1);
	watch(p, "/a", "a", -1);
	watch(p, "/a/b", "ab", -1);
	watch(p, "/a/b/c", "abc", -1);
	watch(p, "/ab", "sibling", -1);
	WRITE("/a/b", "v");
	EXPECT_N(3);
	ck_assert(got(p, "/a/b", "ab"));
	ck_assert(got(p, "/a/b", "a"));
	ck_assert(got(p, "/a/b", "root"));
	clear();
	/* Depth limits apply. */
	watch(p, "/a", "a0", 0);
	watch(p, "/a", "a1", 1);
	WRITE("/a/b/c", "v");
	EXPECT_N(4);
	ck_assert(got(p, "/a/b/c", "abc"));
	ck_assert(!got(p, "/a/b/c", "a1"));
	ck_assert(!got(p, "/a/b/c", "a0"));
	clear();
	WRITE("/a", "v");
	ck_assert(got(p, "/a", "a0"));
	ck_assert(got(p, "/a", "a1"));
}
END_TEST

START_TEST(removal_fires_exact_children_first)
{
	struct conn *p = new_conn(0, true);

	WRITE("/t/u/v", "x");
	watch(p, "/t/u/v", "v", -1);
	watch(p, "/t/u/v/w", "w", -1);	/* never existed */
	watch(p, "/t/u", "u", -1);
	watch(p, "/t", "t", -1);
	watch(p, "/", "root", -1);
	RM("/t/u");
	EXPECT_N(4);
	ck_assert(got(p, "/t/u/v", "v"));
	ck_assert(got(p, "/t/u", "u"));
	ck_assert(got(p, "/t/u", "t"));
	ck_assert(got(p, "/t/u", "root"));
	/* Exact: the ancestors do not hear about /t/u/v itself. */
	ck_assert(!got(p, "/t/u/v", "t"));
	ck_assert(!got(p, "/t/u/v", "root"));
	/* Children before parents (the C daemon's order). */
	ck_assert_int_lt(pos(p, "/t/u/v", "v"), pos(p, "/t/u", "u"));
}
END_TEST

START_TEST(filtered_by_permissions)
{
	struct conn *p = new_conn(0, true), *d5 = new_conn(5, false),
	    *d6 = new_conn(6, false);

	watch(p, "/", "p", -1);
	watch(d5, "/", "d5", -1);
	watch(d6, "/", "d6", -1);
	/* n0: only the privileged reader. */
	WRITE("/secret", "s");
	EXPECT_N(1);
	ck_assert(got(p, "/secret", "p"));
	clear();
	/* An ACL entry for 5. */
	WRITE("/shared", "s");
	clear();
	PERMS("/shared", P(0, PERM_NONE), P(5, PERM_READ));
	EXPECT_N(2);
	ck_assert(got(d5, "/shared", "d5"));
	ck_assert(!got(d6, "/shared", "d6"));
	clear();
	/* Write access alone does not let a watcher see the event. */
	PERMS("/shared", P(0, PERM_NONE), P(6, PERM_WRITE));
	ck_assert(!got(d6, "/shared", "d6"));
	clear();
	/* The owner sees its nodes. */
	MKDIR("/local/domain/5");
	PERMS("/local/domain/5", P(5, PERM_NONE));
	clear();
	WRITE("/local/domain/5/x", "1");	/* inherits n5 */
	EXPECT_N(2);
	ck_assert(got(d5, "/local/domain/5/x", "d5"));
	ck_assert(got(p, "/local/domain/5/x", "p"));
	clear();
	/* A default letter of r lets everyone read. */
	WRITE("/pub", "x");
	clear();
	PERMS("/pub", P(0, PERM_READ));
	EXPECT_N(3);
}
END_TEST

START_TEST(parent_readable)
{
	struct conn *d5 = new_conn(5, false);

	WRITE("/p/c", "1");
	WRITE("/q/c", "1");
	PERMS("/p", P(0, PERM_NONE), P(5, PERM_READ));
	watch(d5, "/p/c", "pc", -1);
	watch(d5, "/q/c", "qc", -1);
	clear();
	/* /p/c itself is n0, but its parent is readable. */
	WRITE("/p/c", "2");
	EXPECT_N(1);
	ck_assert(got(d5, "/p/c", "pc"));
	clear();
	WRITE("/q/c", "2");
	EXPECT_N(0);
}
END_TEST

START_TEST(old_node_counts)
{
	struct conn *d5 = new_conn(5, false);

	WRITE("/r", "1");
	PERMS("/r", P(0, PERM_NONE), P(5, PERM_READ));
	watch(d5, "/r", "r", -1);
	clear();
	/* Losing access: the node as it was was readable. */
	PERMS("/r", P(0, PERM_NONE));
	EXPECT_N(1);
	ck_assert(got(d5, "/r", "r"));
	clear();
	/* Neither before nor after: nothing. */
	PERMS("/r", P(0, PERM_NONE), P(6, PERM_READ));
	EXPECT_N(0);
	/* Removal of a node it could read. */
	PERMS("/r", P(0, PERM_NONE), P(5, PERM_READ));
	clear();
	RM("/r");
	EXPECT_N(1);
	ck_assert(got(d5, "/r", "r"));
}
END_TEST

START_TEST(set_target_reads_as_target)
{
	struct conn *d5 = new_conn(5, false);

	d5->dom->target = 7;	/* SET_TARGET 5 7 */
	ck_assert_ptr_nonnull(daemon_track(x, 7));
	watch(d5, "/", "d5", -1);
	WRITE("/g", "1");
	EXPECT_N(0);
	PERMS("/g", P(0, PERM_NONE), P(7, PERM_READ));	/* target's ACL */
	EXPECT_N(1);
	clear();
	PERMS("/g", P(7, PERM_NONE));		/* owned by the target */
	EXPECT_N(1);
	clear();
	PERMS("/g", P(0, PERM_NONE));		/* as it was: owned */
	EXPECT_N(1);
	clear();
	WRITE("/g", "2");
	EXPECT_N(0);
}
END_TEST

START_TEST(relative_watches_get_relative_paths)
{
	struct conn *d5 = new_conn(5, false);

	MKDIR("/local/domain/5");
	PERMS("/local/domain/5", P(5, PERM_NONE));
	watch(d5, "data", "rel", -1);
	watch(d5, "/local/domain/5/data", "abs", -1);
	clear();
	WRITE("/local/domain/5/data/x", "1");
	EXPECT_N(2);
	ck_assert(got(d5, "data/x", "rel"));
	ck_assert(got(d5, "/local/domain/5/data/x", "abs"));
	clear();
	WRITE("/local/domain/5/data", "1");
	EXPECT_N(2);
	ck_assert(got(d5, "data", "rel"));
	ck_assert(got(d5, "/local/domain/5/data", "abs"));
}
END_TEST

/* A commit's log: each path once, in first-change order, subtree wins. */
START_TEST(merged_log_fires_each_path_once)
{
	struct conn *p = new_conn(0, true);
	struct trie_node *root;
	struct trie_log log;
	const char *merged[] = { "/m/b/c", "/m/b", "/m/a" };
	const char *plain[] = { "/m/b", "/m/b/c", "/m/a", "/m/a" };
	size_t i;

	WRITE("/m/b/c", "0");
	watch(p, "/m", "m", -1);
	clear();
	root = trie_ref(x->store.root);
	trie_log_init(&log, x->store.cx);
	apply(&root, &log, OP_RM, "/m/b", NULL, NULL, 0);	/* c, then b */
	apply(&root, &log, OP_WRITE, "/m/b/c", "again", NULL, 0);
	apply(&root, &log, OP_WRITE, "/m/a", "1", NULL, 0);
	apply(&root, &log, OP_WRITE, "/m/a", "2", NULL, 0);
	ck_assert_int_eq(store_publish(&x->store, root, &log), 0);

	events_fire_log(x, &log, true);
	EXPECT_N(NELEM(merged));
	for (i = 0; i < NELEM(merged); i++)
		ck_assert_str_eq(evs[i].path, merged[i]);
	clear();
	/* The same log unmerged: one event per change. */
	events_fire_log(x, &log, false);
	EXPECT_N(NELEM(plain));
	for (i = 0; i < NELEM(plain); i++)
		ck_assert_str_eq(evs[i].path, plain[i]);
	trie_log_fini(&log);
}
END_TEST

START_TEST(special_paths)
{
	struct conn *p = new_conn(0, true), *d5 = new_conn(5, false);
	static const struct trie_perm acl[] = { P(0, PERM_NONE),
	    P(5, PERM_READ) };

	watch(p, "@releaseDomain", "rel", -1);
	watch(p, "@introduceDomain", "intro", -1);
	watch(p, "/", "root", -1);
	watch(d5, "@releaseDomain", "d5", -1);
	events_fire_special(x, SPECIAL_RELEASE);
	EXPECT_N(1);
	ck_assert(got(p, "@releaseDomain", "rel"));
	clear();
	events_fire_special(x, SPECIAL_INTRODUCE);
	EXPECT_N(1);
	ck_assert(got(p, "@introduceDomain", "intro"));
	clear();
	/* SET_PERMS @releaseDomain n0 r5 (domain 5 is known). */
	ck_assert_int_eq(store_set_special(&x->store, SPECIAL_RELEASE, acl,
	    NELEM(acl)), 0);
	events_fire_special(x, SPECIAL_RELEASE);
	EXPECT_N(2);
	ck_assert(got(d5, "@releaseDomain", "d5"));
	clear();
	/* Domain 5 as owner. */
	ck_assert_int_eq(store_set_special(&x->store, SPECIAL_RELEASE, &acl[1],
	    1), 0);
	events_fire_special(x, SPECIAL_RELEASE);
	EXPECT_N(2);
	ck_assert(got(d5, "@releaseDomain", "d5"));
}
END_TEST

START_TEST(first_event_and_drops)
{
	struct conn *p = new_conn(0, true), *d5 = new_conn(5, false);
	static char path[XENSTORE_PAYLOAD_MAX], token[XENSTORE_PAYLOAD_MAX];
	size_t pl = 100;

	/* The first event: as registered, no permission check. */
	events_initial(x, d5, "some/relative", "tok");
	EXPECT_N(1);
	ck_assert(got(d5, "some/relative", "tok"));
	ck_assert_uint_eq(x->stats.events, 1);
	clear();
	/* path + token + 2 NULs: 4096 is sent, 4097 dropped. */
	memset(path, 'p', pl);
	path[pl] = '\0';
	memset(token, 't', sizeof(token) - 1);
	token[XENSTORE_PAYLOAD_MAX - pl - 2] = '\0';
	events_initial(x, p, path, token);
	EXPECT_N(1);
	token[XENSTORE_PAYLOAD_MAX - pl - 2] = 't';
	token[XENSTORE_PAYLOAD_MAX - pl - 1] = '\0';
	events_initial(x, p, path, token);
	EXPECT_N(1);
	ck_assert_uint_eq(x->stats.events_dropped, 1);
	clear();
	/* An unprivileged reader with too much queued loses events. */
	d5->outlen = EVENTS_QUEUE_LIMIT;
	events_initial(x, d5, "/a", "t");
	EXPECT_N(1);
	d5->outlen = EVENTS_QUEUE_LIMIT + 1;
	events_initial(x, d5, "/a", "t");
	EXPECT_N(1);
	ck_assert_uint_eq(x->stats.events_dropped, 2);
	/* A privileged one does not. */
	p->outlen = 10 * EVENTS_QUEUE_LIMIT;
	events_initial(x, p, "/a", "t");
	EXPECT_N(2);
	d5->outlen = p->outlen = 0;
	clear();
	/* A closing connection gets nothing. */
	watch(p, "/", "root", -1);
	p->closing = true;
	WRITE("/z", "1");
	events_initial(x, p, "/a", "t");
	EXPECT_N(0);
	p->closing = false;
}
END_TEST

/*
 * Domid reuse: an ACL entry counts only for a domain tracked before the
 * node's last change (daemon.h).  The root is the sharpest case: a
 * permission change of "/" allocates no other node, so the domain is
 * tracked at the very next generation.
 */
START_TEST(acl_of_domain_tracked_later)
{
	struct conn *d5;
	struct domain *old;

	/* An earlier domain 5 could read "/" and "/d/old", then went away. */
	old = daemon_track(x, 5);
	ck_assert_ptr_nonnull(old);
	WRITE("/x", "1");
	WRITE("/d/old", "1");
	PERMS("/d/old", P(0, PERM_NONE), P(5, PERM_READ));
	PERMS("/", P(0, PERM_NONE), P(5, PERM_READ));
	old->dying = true;
	domain_forget(&x->doms, old);
	/* A new domain 5 appears right after those changes. */
	d5 = new_conn(5, false);
	watch(d5, "/x", "x", -1);
	watch(d5, "/d/old", "old", -1);
	watch(d5, "/d/new", "new", -1);
	clear();
	/* /x is n0; its parent "/" names the old domain 5. */
	WRITE("/x", "2");
	EXPECT_N(0);
	RM("/d/old");
	EXPECT_N(0);
	/* Access given after it appeared counts. */
	WRITE("/d/new", "1");
	clear();
	PERMS("/d/new", P(0, PERM_NONE), P(5, PERM_READ));
	EXPECT_N(1);
	ck_assert(got(d5, "/d/new", "new"));
	clear();
	PERMS("/", P(0, PERM_NONE));
	PERMS("/", P(0, PERM_NONE), P(5, PERM_READ));
	WRITE("/x", "3");
	EXPECT_N(1);
	ck_assert(got(d5, "/x", "x"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("events");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, subtree_reaches_ancestors);
	tcase_add_test(tc, removal_fires_exact_children_first);
	tcase_add_test(tc, filtered_by_permissions);
	tcase_add_test(tc, parent_readable);
	tcase_add_test(tc, old_node_counts);
	tcase_add_test(tc, set_target_reads_as_target);
	tcase_add_test(tc, relative_watches_get_relative_paths);
	tcase_add_test(tc, merged_log_fires_each_path_once);
	tcase_add_test(tc, special_paths);
	tcase_add_test(tc, first_event_and_drops);
	tcase_add_test(tc, acl_of_domain_tracked_later);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
