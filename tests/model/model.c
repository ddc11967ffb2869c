/* model.c: see model.h.  Linear, copying, simple on purpose. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

static void
add(struct model *m, const char *path, const void *val, size_t vlen,
    const struct trie_perm *perms, size_t np)
{
	struct mnode *x;

	if (m->count == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->n = realloc(m->n, m->cap * sizeof(m->n[0]));
		if (m->n == NULL)
			abort();
	}
	x = &m->n[m->count++];
	x->path = strdup(path);
	x->val = xmalloc(vlen);
	if (vlen)
		memcpy(x->val, val, vlen);
	x->vlen = vlen;
	x->perms = xmalloc(np * sizeof(*perms));
	memcpy(x->perms, perms, np * sizeof(*perms));
	x->np = np;
	x->seq = ++m->seq;
	if (x->path == NULL)
		abort();
}

static void
drop(struct mnode *x)
{
	free(x->path);
	free(x->val);
	free(x->perms);
}

void
model_init(struct model *m, const struct trie_perm *perms, size_t np)
{
	memset(m, 0, sizeof(*m));
	add(m, "/", NULL, 0, perms, np);
}

void
model_free(struct model *m)
{
	size_t i;

	for (i = 0; i < m->count; i++)
		drop(&m->n[i]);
	free(m->n);
	memset(m, 0, sizeof(*m));
}

void
model_copy(struct model *dst, const struct model *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < src->count; i++) {
		const struct mnode *x = &src->n[i];

		add(dst, x->path, x->val, x->vlen, x->perms, x->np);
		dst->n[i].seq = x->seq;
	}
	dst->seq = src->seq;
}

struct mnode *
model_find(const struct model *m, const char *path)
{
	size_t i;

	for (i = 0; i < m->count; i++)
		if (strcmp(m->n[i].path, path) == 0)
			return &m->n[i];
	return NULL;
}

/* Copy of the first `len` bytes of path. */
static char *
prefix(const char *path, size_t len)
{
	char *s = xmalloc(len + 1);

	memcpy(s, path, len);
	s[len] = '\0';
	return s;
}

struct mnode *
model_deepest(const struct model *m, const char *path, size_t *matched)
{
	size_t len = strlen(path), end;
	struct mnode *best = model_find(m, "/"), *x;

	*matched = 1;
	for (end = 1; end <= len; end++) {
		char *p;

		if (end != len && path[end] != '/')
			continue;
		if (end == 1 && len > 1)
			continue;
		p = prefix(path, end);
		x = model_find(m, p);
		free(p);
		if (x == NULL)
			break;
		best = x;
		*matched = end;
	}
	return best;
}

static int
create(struct model *m, const char *path, const void *val, size_t len,
    int creator, bool mkdir)
{
	size_t matched, end, plen = strlen(path);
	struct mnode *a = model_deepest(m, path, &matched);
	struct trie_perm perms[64];
	size_t np = a->np;

	if (np > 64)
		abort();
	memcpy(perms, a->perms, np * sizeof(perms[0]));
	if (creator != TRIE_INHERIT)
		perms[0].id = (uint16_t)creator;
	for (end = matched + 1; end <= plen; end++) {
		char *p;

		if (end != plen && path[end] != '/')
			continue;
		p = prefix(path, end);
		if (end == plen && !mkdir)
			add(m, p, val, len, perms, np);
		else
			add(m, p, NULL, 0, perms, np);
		free(p);
	}
	return 0;
}

int
model_write(struct model *m, const char *path, const void *val, size_t len,
    int creator)
{
	struct mnode *x = model_find(m, path);

	if (x == NULL)
		return create(m, path, val, len, creator, false);
	free(x->val);
	x->val = xmalloc(len);
	if (len)
		memcpy(x->val, val, len);
	x->vlen = len;
	return 0;
}

int
model_mkdir(struct model *m, const char *path, int creator)
{
	if (model_find(m, path) != NULL)
		return 0;
	return create(m, path, NULL, 0, creator, true);
}

static bool
is_below_or_equal(const char *p, const char *top)
{
	size_t n = strlen(top);

	return strcmp(p, top) == 0 ||
	    (strncmp(p, top, n) == 0 && p[n] == '/');
}

int
model_rm(struct model *m, const char *path)
{
	size_t len = strlen(path), i, j, cut;
	char *parent;
	bool have_parent;

	if (strcmp(path, "/") == 0)
		return -EINVAL;
	for (cut = len; path[cut - 1] != '/'; cut--)
		;
	parent = prefix(path, cut == 1 ? 1 : cut - 1);
	have_parent = model_find(m, parent) != NULL;
	free(parent);
	if (!have_parent)
		return -ENOENT;
	for (i = 0, j = 0; i < m->count; i++) {
		if (is_below_or_equal(m->n[i].path, path))
			drop(&m->n[i]);
		else
			m->n[j++] = m->n[i];
	}
	m->count = j;
	return 0;
}

int
model_set_perms(struct model *m, const char *path,
    const struct trie_perm *p, size_t np)
{
	struct mnode *x = model_find(m, path);

	if (x == NULL)
		return -ENOENT;
	free(x->perms);
	x->perms = xmalloc(np * sizeof(*p));
	memcpy(x->perms, p, np * sizeof(*p));
	x->np = np;
	return 0;
}

static bool
is_child(const char *c, const char *parent)
{
	size_t n = strlen(parent);
	const char *rest;

	if (strcmp(parent, "/") == 0)
		rest = c + 1;
	else if (strncmp(c, parent, n) == 0 && c[n] == '/')
		rest = c + n + 1;
	else
		return false;
	return *rest != '\0' && strchr(rest, '/') == NULL;
}

size_t
model_children(const struct model *m, const char *path,
    const struct mnode **out, size_t max)
{
	size_t i, k = 0, a, b;

	for (i = 0; i < m->count; i++)
		if (is_child(m->n[i].path, path) && k < max)
			out[k++] = &m->n[i];
	/* insertion sort by creation number */
	for (a = 1; a < k; a++)
		for (b = a; b > 0 && out[b - 1]->seq > out[b]->seq; b--) {
			const struct mnode *t = out[b];

			out[b] = out[b - 1];
			out[b - 1] = t;
		}
	return k;
}

void
model_acct(const struct model *m, struct trie_acct *ac)
{
	size_t i, j;

	trie_acct_clear(ac);
	for (i = 0; i < m->count; i++) {
		const struct mnode *x = &m->n[i];
		uint64_t names = 0;

		for (j = 0; j < m->count; j++)
			if (is_child(m->n[j].path, x->path))
				names += strlen(strrchr(m->n[j].path, '/')) ;
		/* strrchr gives "/name": its length is namelen + 1 */
		if (trie_acct_add(ac, x->perms[0].id, 1, (int64_t)(16 +
		    8 * x->np + x->vlen + names + strlen(x->path))) < 0)
			abort();
	}
}
