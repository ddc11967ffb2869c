/*
 * trie_log.c: the change log an update appends to (paths changed, nodes
 * before and after, accounting delta).  Appends are all-or-nothing, and
 * an update that fails later truncates back to where it started.
 */
#include <errno.h>

#include "trie_internal.h"

void
trie_log_init(struct trie_log *log, struct trie_ctx *cx)
{
	memset(log, 0, sizeof(*log));
	log->cx = cx;
	trie_acct_init(&log->delta, cx);
}

void
trie__log_truncate(struct trie_log *log, size_t n)
{
	while (log->n > n) {
		struct trie_change *c = &log->ch[--log->n];

		trie__free(log->cx, c->path, strlen(c->path) + 1);
		trie_unref(log->cx, c->old);
		trie_unref(log->cx, c->new);
	}
}

void
trie_log_clear(struct trie_log *log)
{
	trie__log_truncate(log, 0);
	trie_acct_clear(&log->delta);
}

void
trie_log_fini(struct trie_log *log)
{
	trie__log_truncate(log, 0);
	trie__free(log->cx, log->ch, log->cap * sizeof(log->ch[0]));
	log->ch = NULL;
	log->cap = 0;
	trie_acct_fini(&log->delta);
}

int
trie__log_append(struct trie_log *log, enum trie_change_kind kind,
    const char *path, size_t pathlen, const struct trie_node *old,
    const struct trie_node *new)
{
	struct trie_change *c;
	char *p;

	if (log->n == log->cap) {
		size_t cap = log->cap ? log->cap * 2 : 8;
		struct trie_change *nc = trie__alloc(log->cx,
		    cap * sizeof(*nc));

		if (nc == NULL)
			return -ENOMEM;
		if (log->n)
			memcpy(nc, log->ch, log->n * sizeof(*nc));
		trie__free(log->cx, log->ch, log->cap * sizeof(*nc));
		log->ch = nc;
		log->cap = cap;
	}
	p = trie__alloc(log->cx, pathlen + 1);
	if (p == NULL)
		return -ENOMEM;
	memcpy(p, path, pathlen);
	p[pathlen] = '\0';
	c = &log->ch[log->n++];
	c->kind = kind;
	c->path = p;
	c->old = trie_ref((struct trie_node *)(uintptr_t)old);
	c->new = trie_ref((struct trie_node *)(uintptr_t)new);
	return 0;
}

int
trie__log_move(struct trie_log *dst, struct trie_log *src)
{
	int rc;

	/* Reserve everything first: after that nothing can fail. */
	if (dst->n + src->n > dst->cap) {
		size_t cap = dst->cap ? dst->cap : 8;
		struct trie_change *nc;

		while (cap < dst->n + src->n)
			cap *= 2;
		nc = trie__alloc(dst->cx, cap * sizeof(*nc));
		if (nc == NULL)
			return -ENOMEM;
		if (dst->n)
			memcpy(nc, dst->ch, dst->n * sizeof(*nc));
		trie__free(dst->cx, dst->ch, dst->cap * sizeof(*nc));
		dst->ch = nc;
		dst->cap = cap;
	}
	rc = trie_acct_merge(&dst->delta, &src->delta);
	if (rc < 0)
		return rc;
	if (src->n)
		memcpy(dst->ch + dst->n, src->ch, src->n * sizeof(src->ch[0]));
	dst->n += src->n;
	src->n = 0;
	trie_acct_clear(&src->delta);
	return 0;
}
