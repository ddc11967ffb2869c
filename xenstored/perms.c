/*
 * perms.c: see perms.h.  The decision is the C daemon's perm_for_conn:
 * SET_TARGET makes the target's entries (and ownership) apply to the
 * stub domain too; DOMID_ANY matches every caller.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "perms.h"
#include "wire.h"
#include "xs_wire_ext.h"

static bool
matches(unsigned id, const struct caller *c)
{
	return id == c->domid || (c->target >= 0 && id == (unsigned)c->target);
}

unsigned
perms_for(const struct trie_perm *p, size_t n, uint64_t gen,
    const struct caller *c, perms_alive_fn *alive, void *arg)
{
	size_t i;

	if (c->priv)
		return PERM_READ | PERM_WRITE | PERM_OWNER;
	if (n == 0)
		return PERM_NONE;
	/* (a DOMID_ANY owner would make everybody an owner: §3.4) */
	if (!(p[0].flags & PERM_F_STALE) &&
	    (p[0].id == DOMID_ANY || matches(p[0].id, c)))
		return PERM_READ | PERM_WRITE | PERM_OWNER;
	for (i = 1; i < n; i++) {
		if (p[i].flags & PERM_F_STALE)
			continue;
		if (p[i].id != DOMID_ANY && !matches(p[i].id, c))
			continue;
		if (p[i].id != DOMID_ANY && alive != NULL &&
		    !alive(arg, p[i].id, gen))
			continue;
		return p[i].mode & (PERM_READ | PERM_WRITE);
	}
	return p[0].mode & (PERM_READ | PERM_WRITE);
}

static int
letter_mode(char l)
{
	switch (l) {
	case 'n': return PERM_NONE;
	case 'r': return PERM_READ;
	case 'w': return PERM_WRITE;
	case 'b': return PERM_READ | PERM_WRITE;
	default: return -1;
	}
}

static char
mode_letter(unsigned m)
{
	static const char l[] = "nrwb";

	return l[m & 3];
}

int
perms_parse(const char *const *argv, size_t n, struct trie_perm *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int mode = letter_mode(argv[i][0]);
		char *end;
		long id;

		if (mode < 0 || argv[i][1] == '\0')
			return -EINVAL;
		errno = 0;
		id = strtol(argv[i] + 1, &end, 0);
		if (errno != 0 || *end != '\0' || id < 0 || id > 65535)
			return -EINVAL;
		out[i].id = (uint16_t)id;
		out[i].mode = (uint8_t)mode;
		out[i].flags = 0;
	}
	return 0;
}

int
perms_format(const struct trie_perm *p, size_t n, char *buf, size_t size)
{
	size_t i, len = 0;

	/* By hand, not snprintf: every GET_PERMS formats a list. */
	for (i = 0; i < n; i++) {
		char one[24];
		size_t k;

		one[0] = mode_letter(p[i].mode);
		k = 1 + wire_put_uint(one + 1, p[i].id);
		one[k++] = '\0';	/* kept: one string per entry */
		if (k > size - len)
			return -E2BIG;
		memcpy(buf + len, one, k);
		len += k;
	}
	return (int)len;
}

bool
perms_equal(const struct trie_perm *a, size_t na, const struct trie_perm *b,
    size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (a[i].id != b[i].id || a[i].mode != b[i].mode ||
		    a[i].flags != b[i].flags)
			return false;
	return true;
}
