/*
 * check_watch.c: watches: the immediate first event, relative watches and
 * relative events, subtree matching, depth (raw protocol, the 4.17
 * library cannot send it), removal of a subtree, permission filtering for
 * unprivileged watchers, UNWATCH, events of transactions (only at commit,
 * none after abort or a failed commit) and the special paths.
 *
 * "No event" is proven, not waited for: the writer then writes a sync
 * node whose event must be the watcher's next one (itest.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

static struct xs_handle *p;	/* privileged writer */

static void
setup(void)
{
	itest_start(NULL);
	p = xs_priv();
	xmkdir(p, XBT_NULL, "/local/domain/5");
	ck_succeeds(xperms(p, XBT_NULL, "/local/domain/5", "n5", NULL));
}

static void
teardown(void)
{
	xs_close(p);
	p = NULL;
	ck_store_ok();
	itest_stop();
}

/* A watcher with its sync watch. */
static struct xs_handle *
watcher(int domid)
{
	struct xs_handle *w = domid < 0 ? xs_priv() : xs_as((unsigned)domid);

	xw_sync_setup(p, w);
	return w;
}

START_TEST(test_initial_event)
{
	struct xs_handle *w = watcher(-1), *u = watcher(5);

	/* The path need not exist; the token comes back verbatim. */
	ck_succeeds(xs_watch(w, "/not/there", "token with spaces"));
	xw_expect(w, "/not/there", "token with spaces");
	ck_succeeds(xs_watch(w, "rel/path", "r"));
	xw_expect(w, "rel/path", "r");
	ck_succeeds(xs_watch(w, "@introduceDomain", "i"));
	xw_expect(w, "@introduceDomain", "i");
	ck_succeeds(xs_watch(w, "@anything-else", "a"));
	xw_expect(w, "@anything-else", "a");
	ck_succeeds(xs_watch(w, "/not/there", "second"));
	xw_expect(w, "/not/there", "second");
	ck_events(p, w, "");
	/* Not filtered: a guest gets it for a node it cannot read. */
	ck_succeeds(xs_watch(u, "/tool", "t"));
	xw_expect(u, "/tool", "t");
	ck_succeeds(xs_watch(u, "@releaseDomain", "rd"));
	xw_expect(u, "@releaseDomain", "rd");
	ck_events(p, u, "");
	xs_close(u);
	xs_close(w);
}
END_TEST

START_TEST(test_relative)
{
	struct xs_handle *w = watcher(-1), *u = watcher(5);

	/* A socket's relative watch: under /local/domain/0. */
	ck_succeeds(xs_watch(w, "rw", "t"));
	xw_expect(w, "rw", "t");
	xwrite(p, XBT_NULL, "/local/domain/0/rw/x", "1");
	xwrite(p, XBT_NULL, "rw", "2");
	ck_events(p, w, "rw/x|t;rw|t");
	/* A guest's relative watch. */
	ck_succeeds(xs_watch(u, "dev", "rel"));
	xw_expect(u, "dev", "rel");
	ck_succeeds(xs_watch(u, "/local/domain/5/dev", "abs"));
	xw_expect(u, "/local/domain/5/dev", "abs");
	xwrite(u, XBT_NULL, "dev/a", "1");
	xwrite(p, XBT_NULL, "/local/domain/5/dev/b", "2");
	ck_events_any(p, u, "dev/a|rel;/local/domain/5/dev/a|abs;"
	    "dev/b|rel;/local/domain/5/dev/b|abs");
	xrm(u, XBT_NULL, "dev");
	ck_events_any(p, u, "dev|rel;/local/domain/5/dev|abs");
	xs_close(u);
	xs_close(w);
}
END_TEST

START_TEST(test_subtree)
{
	struct xs_handle *w = watcher(-1);

	ck_succeeds(xs_watch(w, "/s", "s"));
	xw_expect(w, "/s", "s");
	ck_succeeds(xs_watch(w, "/s/new", "new"));
	xw_expect(w, "/s/new", "new");
	ck_succeeds(xs_watch(w, "/s/new/x/y/z", "below"));
	xw_expect(w, "/s/new/x/y/z", "below");
	xwrite(p, XBT_NULL, "/s", "");
	ck_events(p, w, "/s|s");
	xwrite(p, XBT_NULL, "/s/a/b", "");
	ck_events(p, w, "/s/a/b|s");
	/* A longer name is not a child. */
	xwrite(p, XBT_NULL, "/sx", "");
	xwrite(p, XBT_NULL, "/s2/a", "");
	ck_events(p, w, "");
	/* Creating ancestors: one event, for the written path. */
	xwrite(p, XBT_NULL, "/s/new/x/y", "");
	ck_events_any(p, w, "/s/new/x/y|s;/s/new/x/y|new");
	/* Rewriting the same value still fires; MKDIR of an existing node,
	 * RM of a missing one and reads do not. */
	xwrite(p, XBT_NULL, "/s/a/b", "");
	ck_events(p, w, "/s/a/b|s");
	xmkdir(p, XBT_NULL, "/s/a");
	xrm(p, XBT_NULL, "/s/a/missing");
	ck_read(p, XBT_NULL, "/s/a/b", "");
	ck_dir(p, XBT_NULL, "/s", "a,new");
	ck_events(p, w, "");
	xmkdir(p, XBT_NULL, "/s/a/m");
	ck_events(p, w, "/s/a/m|s");
	ck_succeeds(xperms(p, XBT_NULL, "/s/a", "n0", "r1", NULL));
	ck_events(p, w, "/s/a|s");
	/* "/" sees everything. */
	ck_succeeds(xs_watch(w, "/", "root"));
	xw_expect(w, "/", "root");
	xwrite(p, XBT_NULL, "/elsewhere/deep/node", "");
	ck_events(p, w, "/elsewhere/deep/node|root");
	xs_close(w);
}
END_TEST

START_TEST(test_depth)
{
	struct rmsg m;
	int fd = raw_open();

	raw_sync_setup(p, fd);
	raw_req(fd, XS_WATCH, 0, &m, "/d", "d0", "0", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	raw_expect_event(fd, "/d", "d0");
	raw_req(fd, XS_WATCH, 0, &m, "/d", "d1", "1", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	raw_expect_event(fd, "/d", "d1");
	raw_req(fd, XS_WATCH, 0, &m, "/d", "d2", "2", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	raw_expect_event(fd, "/d", "d2");
	raw_req(fd, XS_WATCH, 0, &m, "/", "r1", "1", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	raw_expect_event(fd, "/", "r1");
	raw_req(fd, XS_WATCH, 0, &m, "/", "r2", "2", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	raw_expect_event(fd, "/", "r2");
	xwrite(p, XBT_NULL, "/d", "");
	ck_raw_events(p, fd, "/d|d0;/d|d1;/d|d2;/d|r1;/d|r2", true);
	xwrite(p, XBT_NULL, "/d/a", "");
	ck_raw_events(p, fd, "/d/a|d1;/d/a|d2;/d/a|r2", true);
	xwrite(p, XBT_NULL, "/d/a/b", "");
	ck_raw_events(p, fd, "/d/a/b|d2", true);
	xwrite(p, XBT_NULL, "/d/a/b/c", "");
	ck_raw_events(p, fd, "", true);
	/* The removal of /d/a: exact events below, depth applies too. */
	xrm(p, XBT_NULL, "/d/a");
	ck_raw_events(p, fd, "/d/a|d1;/d/a|d2;/d/a|r2", true);
	/* A relative watch with a depth. */
	raw_req(fd, XS_WATCH, 0, &m, "reld", "rd", "1", NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	raw_expect_event(fd, "reld", "rd");
	xwrite(p, XBT_NULL, "/local/domain/0/reld/x", "");
	xwrite(p, XBT_NULL, "/local/domain/0/reld/x/y", "");
	ck_raw_events(p, fd, "reld/x|rd", true);
	close(fd);
}
END_TEST

START_TEST(test_rm_subtree)
{
	static const char *const w[][2] = {
		{ "/r/a/b", "exact-b" }, { "/r/a", "a" }, { "/r", "r" },
		{ "/r/a/b/deep", "deep" }, { "/r/a/b/never", "never" },
		{ "/r/a/zz", "zz" }, { "/r/a/c", "c" },
	};
	struct xs_handle *x = watcher(-1);
	size_t i;

	xwrite(p, XBT_NULL, "/r/a/b/deep", "");
	xwrite(p, XBT_NULL, "/r/a/c", "");
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		ck_succeeds(xs_watch(x, w[i][0], w[i][1]));
		xw_expect(x, w[i][0], w[i][1]);
	}
	/*
	 * Children before parents: an exact event on each removed
	 * descendant that existed, a subtree event on the removed node;
	 * nothing for watches on paths that never existed.
	 */
	xrm(p, XBT_NULL, "/r/a");
	ck_events(p, x, "/r/a/b/deep|deep;/r/a/b|exact-b;/r/a/c|c;/r/a|a;"
	    "/r/a|r");
	xs_close(x);
}
END_TEST

START_TEST(test_perm_filter)
{
	struct xs_handle *g = watcher(6), *u = xs_as(5), *o = watcher(7);

	ck_succeeds(xs_watch(g, "/local/domain/5", "g"));
	xw_expect(g, "/local/domain/5", "g");
	ck_succeeds(xs_watch(o, "/", "o"));
	xw_expect(o, "/", "o");
	/* 6 can read neither the node nor its parent: nothing. */
	xwrite(u, XBT_NULL, "secret", "s");
	xwrite(u, XBT_NULL, "secret/kid", "s");
	ck_events(p, g, "");
	/* Readable node: the event comes, for the permission change too. */
	xwrite(u, XBT_NULL, "pub", "");
	ck_events(p, g, "");
	ck_succeeds(xperms(u, XBT_NULL, "pub", "n5", "r6", NULL));
	ck_events(p, g, "/local/domain/5/pub|g");
	xwrite(u, XBT_NULL, "pub", "v");
	ck_events(p, g, "/local/domain/5/pub|g");
	/* Unreadable node under a readable parent: the event comes. */
	xwrite(u, XBT_NULL, "pub/kid", "");
	ck_succeeds(xperms(u, XBT_NULL, "pub/kid", "n5", NULL));
	ck_events(p, g, "/local/domain/5/pub/kid|g;/local/domain/5/pub/kid|g");
	xwrite(u, XBT_NULL, "pub/kid", "v");
	ck_events(p, g, "/local/domain/5/pub/kid|g");
	/* A node that could be read before its removal: the event comes. */
	xwrite(u, XBT_NULL, "gone", "");
	ck_succeeds(xperms(u, XBT_NULL, "gone", "n5", "r6", NULL));
	ck_events(p, g, "/local/domain/5/gone|g");
	xrm(u, XBT_NULL, "gone");
	ck_events(p, g, "/local/domain/5/gone|g");
	/* Losing access: told once (old permissions), then nothing. */
	ck_succeeds(xperms(u, XBT_NULL, "pub", "n5", NULL));
	ck_events(p, g, "/local/domain/5/pub|g");
	xwrite(u, XBT_NULL, "pub", "w");
	ck_events(p, g, "");
	/* Removal of a subtree: the readable descendant is reported. */
	xwrite(u, XBT_NULL, "tree/open", "");
	ck_succeeds(xperms(u, XBT_NULL, "tree/open", "n5", "r6", NULL));
	ck_events(p, g, "/local/domain/5/tree/open|g");
	xrm(u, XBT_NULL, "tree");
	ck_events(p, g, "");	/* exact event: g watches elsewhere */
	/* A third domain with no rights saw none of it. */
	ck_events(p, o, "");
	/* The privileged watcher sees all. */
	xs_close(o);
	o = watcher(-1);
	ck_succeeds(xs_watch(o, "/local/domain/5", "all"));
	xw_expect(o, "/local/domain/5", "all");
	xwrite(u, XBT_NULL, "secret", "again");
	ck_events(p, o, "/local/domain/5/secret|all");
	ck_events(p, g, "");
	xs_close(o);
	xs_close(u);
	xs_close(g);
}
END_TEST

START_TEST(test_unwatch)
{
	struct xs_handle *w = watcher(-1);

	ck_succeeds(xs_watch(w, "/u", "one"));
	xw_expect(w, "/u", "one");
	ck_succeeds(xs_watch(w, "/u", "two"));
	xw_expect(w, "/u", "two");
	xwrite(p, XBT_NULL, "/u", "");
	ck_events_any(p, w, "/u|one;/u|two");
	ck_succeeds(xs_unwatch(w, "/u", "one"));
	xwrite(p, XBT_NULL, "/u/x", "");
	ck_events(p, w, "/u/x|two");
	ck_fails(xs_unwatch(w, "/u", "one"), ENOENT);
	ck_fails(xs_unwatch(w, "/u/x", "two"), ENOENT);
	ck_succeeds(xs_unwatch(w, "/u", "two"));
	xwrite(p, XBT_NULL, "/u/y", "");
	ck_events(p, w, "");
	/* A relative watch is removed by its relative name too. */
	ck_succeeds(xs_watch(w, "ru", "r"));
	xw_expect(w, "ru", "r");
	ck_succeeds(xs_unwatch(w, "/local/domain/0/ru", "r"));
	xwrite(p, XBT_NULL, "ru", "");
	ck_events(p, w, "");
	xs_close(w);
}
END_TEST

START_TEST(test_multiple_watchers)
{
	struct xs_handle *a = watcher(-1), *b = watcher(-1);

	ck_succeeds(xs_watch(a, "/mw", "a"));
	xw_expect(a, "/mw", "a");
	ck_succeeds(xs_watch(a, "/mw/sub", "a-sub"));
	xw_expect(a, "/mw/sub", "a-sub");
	ck_succeeds(xs_watch(b, "/mw", "b"));
	xw_expect(b, "/mw", "b");
	xwrite(p, XBT_NULL, "/mw/sub/x", "");
	ck_events_any(p, a, "/mw/sub/x|a;/mw/sub/x|a-sub");
	ck_events(p, b, "/mw/sub/x|b");
	/* Closing one watcher does not disturb the other. */
	xs_close(a);
	xwrite(p, XBT_NULL, "/mw/y", "");
	ck_events(p, b, "/mw/y|b");
	xs_close(b);
}
END_TEST

START_TEST(test_txn_events)
{
	struct xs_handle *w = watcher(-1), *other = xs_priv();
	xs_transaction_t t;

	xwrite(p, XBT_NULL, "/t/c", "");
	xwrite(p, XBT_NULL, "/t/d", "");
	ck_succeeds(xs_watch(w, "/t", "t"));
	xw_expect(w, "/t", "t");
	/* Nothing until the commit, then each change once, in order. */
	t = xs_transaction_start(p);
	ck_assert_uint_ne(t, 0);
	xwrite(p, t, "/t/a", "1");
	xwrite(p, t, "/t/b", "1");
	xrm(p, t, "/t/c");
	xwrite(p, t, "/t/a", "2");
	ck_events(p, w, "");
	ck_succeeds(xs_transaction_end(p, t, false));
	ck_events(p, w, "/t/a|t;/t/b|t;/t/c|t");
	/* Abort: nothing. */
	t = xs_transaction_start(p);
	xwrite(p, t, "/t/e", "1");
	xrm(p, t, "/t/d");
	ck_succeeds(xs_transaction_end(p, t, true));
	ck_events(p, w, "");
	/* A failed commit: nothing either. */
	t = xs_transaction_start(p);
	ck_read(p, t, "/t/a", "2");
	xwrite(p, t, "/t/a", "3");
	xwrite(other, XBT_NULL, "/t/a", "other");
	ck_events(p, w, "/t/a|t");
	ck_fails(xs_transaction_end(p, t, false), EAGAIN);
	ck_events(p, w, "");
	/* A removal in a transaction: exact events below, at commit. */
	xwrite(p, XBT_NULL, "/t/sub/k", "");
	ck_events(p, w, "/t/sub/k|t");
	ck_succeeds(xs_watch(w, "/t/sub/k", "k"));
	xw_expect(w, "/t/sub/k", "k");
	ck_succeeds(xs_watch(w, "/t/sub/k/never", "never"));
	xw_expect(w, "/t/sub/k/never", "never");
	t = xs_transaction_start(p);
	xrm(p, t, "/t/sub");
	ck_events(p, w, "");
	ck_succeeds(xs_transaction_end(p, t, false));
	ck_events(p, w, "/t/sub/k|k;/t/sub|t");
	xs_close(other);
	xs_close(w);
}
END_TEST

START_TEST(test_txn_events_filtered)
{
	struct xs_handle *g = watcher(6), *u = xs_as(5);
	xs_transaction_t t;

	xwrite(u, XBT_NULL, "tp", "");
	ck_succeeds(xperms(u, XBT_NULL, "tp", "n5", "r6", NULL));
	ck_succeeds(xs_watch(g, "/local/domain/5", "g"));
	xw_expect(g, "/local/domain/5", "g");
	/* A transaction of an unprivileged writer: filtered at commit. */
	t = xs_transaction_start(u);
	xwrite(u, t, "tp", "1");
	xwrite(u, t, "hidden", "1");
	ck_succeeds(xs_transaction_end(u, t, false));
	ck_events(p, g, "/local/domain/5/tp|g");
	/* Access taken away in the transaction: the old permissions
	 * count, so the watcher hears of it. */
	t = xs_transaction_start(p);
	ck_succeeds(xperms(p, t, "/local/domain/5/tp", "n5", NULL));
	xwrite(p, t, "/local/domain/5/tp", "2");
	ck_succeeds(xs_transaction_end(p, t, false));
	ck_events(p, g, "/local/domain/5/tp|g");
	xwrite(u, XBT_NULL, "tp", "3");
	ck_events(p, g, "");
	xs_close(u);
	xs_close(g);
}
END_TEST

/* Next event is `path` with the long token (messages stay short). */
static void
expect_long(int fd, const char *path, const char *token)
{
	size_t pl = strlen(path), tl = strlen(token);
	struct rmsg e;

	ck_assert_int_eq(raw_recv(fd, &e, ITEST_WAIT_MS), 1);
	ck_assert_uint_eq(e.hdr.type, XS_WATCH_EVENT);
	ck_assert_msg(e.hdr.len == pl + tl + 2 && strcmp(e.body, path) == 0 &&
	    memcmp(e.body + pl + 1, token, tl + 1) == 0, "event of %u bytes "
	    "for %.40s, expected %zu bytes for %s", e.hdr.len, e.body,
	    pl + tl + 2, path);
}

START_TEST(test_event_size)
{
	char *token = malloc(4100);
	struct rmsg m;
	int fd = raw_open();

	/* An event is path + token + 2 bytes; over 4096 it is dropped. */
	memset(token, 't', 4088);
	token[4088] = '\0';
	raw_req(fd, XS_WATCH, 0, &m, "/", token, NULL);
	ck_rstr(&m, XS_WATCH, "OK");
	expect_long(fd, "/", token);			/* 4091 bytes */
	xwrite(p, XBT_NULL, "/ab", "");
	expect_long(fd, "/ab", token);			/* 4093 */
	xwrite(p, XBT_NULL, "/abcde", "");
	expect_long(fd, "/abcde", token);		/* 4096 */
	xwrite(p, XBT_NULL, "/abcdef", "");		/* 4097: dropped */
	xwrite(p, XBT_NULL, "/abcde/f", "");		/* 4098: dropped */
	xwrite(p, XBT_NULL, "/z", "");
	expect_long(fd, "/z", token);
	close(fd);
	free(token);
}
END_TEST
END_TEST

START_TEST(test_special_watch)
{
	struct xs_handle *g = watcher(6), *o = watcher(7), *w = watcher(-1);

	ck_succeeds(xs_watch(g, "@releaseDomain", "rel"));
	xw_expect(g, "@releaseDomain", "rel");
	ck_succeeds(xs_watch(o, "@releaseDomain", "rel"));
	xw_expect(o, "@releaseDomain", "rel");
	ck_succeeds(xs_watch(w, "@releaseDomain", "rel"));
	xw_expect(w, "@releaseDomain", "rel");
	ck_succeeds(xs_watch(w, "@introduceDomain", "intro"));
	xw_expect(w, "@introduceDomain", "intro");
	/* A permission change fires the watch, filtered by permission. */
	ck_succeeds(xperms(p, XBT_NULL, "@releaseDomain", "n0", "r6", NULL));
	ck_events(p, g, "@releaseDomain|rel");
	ck_events(p, o, "");
	ck_events(p, w, "@releaseDomain|rel");
	/* Losing access: told once (the old permissions let it read). */
	ck_succeeds(xperms(p, XBT_NULL, "@releaseDomain", "n0", NULL));
	ck_events(p, g, "@releaseDomain|rel");
	ck_events(p, o, "");
	ck_events(p, w, "@releaseDomain|rel");
	ck_succeeds(xperms(p, XBT_NULL, "@releaseDomain", "n0", NULL));
	ck_events(p, g, "");
	ck_events(p, w, "@releaseDomain|rel");
	/* Writes to normal nodes never reach special watches. */
	xwrite(p, XBT_NULL, "/local/domain/5/x", "");
	ck_events(p, w, "");
	/* A failed INTRODUCE fires nothing. */
	ck_fails(xs_introduce_domain(p, 9, 1, 1), EINVAL);
	ck_events(p, w, "");
	xs_close(w);
	xs_close(o);
	xs_close(g);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("watch");
	TCase *tc = tcase_create("watch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tcase_add_test(tc, test_initial_event);
	tcase_add_test(tc, test_relative);
	tcase_add_test(tc, test_subtree);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_rm_subtree);
	tcase_add_test(tc, test_perm_filter);
	tcase_add_test(tc, test_unwatch);
	tcase_add_test(tc, test_multiple_watchers);
	tcase_add_test(tc, test_txn_events);
	tcase_add_test(tc, test_special_watch);
	tcase_add_test(tc, test_txn_events_filtered);
	tcase_add_test(tc, test_event_size);
	return itest_run(s);
}
