/*
 * fuzz_perms.c: permission strings (xenstored/perms.c): SET_PERMS's
 * entries parsed, formatted as GET_PERMS sends them, and the access
 * decision on the parsed list.
 *
 * Input: caller domid (2 bytes), SET_TARGET target (2 bytes, 0xffff for
 * none), flags (1 byte: bit 0 privileged, bits 1-2 which ACL entries are
 * alive), a mask of entries to mark stale (1 byte), the node's
 * generation (1 byte), a buffer size for
 * formatting (2 bytes), then the entries as SET_PERMS carries them after
 * the path: strings each ending at a NUL (bytes after the last NUL are
 * not an entry, as in wire_args).
 *
 * Properties:
 *   - perms_parse accepts exactly what a reference parser of perms.h's
 *     syntax accepts (a letter n/r/w/b, then a domid 0..65535 written as
 *     C's strtol base 0 reads it: spaces, a sign, 0x hex, 0 octal) and
 *     gives the same entries;
 *   - round trip: the formatted list parses back to the same entries, and
 *     formats to the same bytes (a fixed point); its length is the sum of
 *     the entries' lengths, each with its NUL;
 *   - perms_format into a buffer of any size either fits (same bytes) or
 *     says -E2BIG, never writing outside it;
 *   - perms_for gives what perms.h says: everything to a privileged
 *     caller or the owner (first entry, unless stale), else the mode of
 *     the first live, matching, non-stale entry, else the owner entry's
 *     mode; never the owner bit otherwise.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "perms.h"
#include "xs_wire_ext.h"

#define MAXP 2100	/* a 4096-byte payload holds at most 2048 entries */

static int
digit(char c, int base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'z')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'Z')
		d = c - 'A' + 10;
	else
		return -1;
	return d < base ? d : -1;
}

/* C's strtol(s, &end, 0) with *end == '\0' required, into 0..65535. */
static bool
ref_id(const char *s, unsigned *out)
{
	bool neg = false;
	int base = 10, d;
	unsigned long v = 0;
	const char *start;

	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    digit(s[2], 16) >= 0) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	start = s;
	for (; (d = digit(*s, base)) >= 0; s++)
		if (v <= 65536)		/* saturate: anything above is out */
			v = v * (unsigned)base + (unsigned)d;
	if (s == start || *s != '\0')
		return false;
	if (v > 65535 || (neg && v != 0))
		return false;
	*out = (unsigned)v;
	return true;
}

static int
ref_parse(const char *const *argv, size_t n, struct trie_perm *out)
{
	static const char letters[] = "nrwb";
	size_t i;

	for (i = 0; i < n; i++) {
		const char *l = strchr(letters, argv[i][0]);
		unsigned id;

		if (argv[i][0] == '\0' || l == NULL || argv[i][1] == '\0' ||
		    !ref_id(argv[i] + 1, &id))
			return -EINVAL;
		out[i].id = (uint16_t)id;
		out[i].mode = (uint8_t)(l - letters);
		out[i].flags = 0;
	}
	return 0;
}

static unsigned alive_policy;

static bool
alive(void *arg, unsigned domid, uint64_t gen)
{
	(void)arg;
	switch (alive_policy) {
	case 1: return false;
	case 2: return (domid + gen) % 2 == 0;
	default: return domid < gen;
	}
}

static unsigned
ref_for(const struct trie_perm *p, size_t n, uint64_t gen,
    const struct caller *c, bool use_alive)
{
	size_t i;

	if (c->priv)
		return PERM_READ | PERM_WRITE | PERM_OWNER;
	if (n == 0)
		return PERM_NONE;
	if (!(p[0].flags & PERM_F_STALE) && (p[0].id == DOMID_ANY ||
	    p[0].id == c->domid || (c->target >= 0 && p[0].id ==
	    (unsigned)c->target)))
		return PERM_READ | PERM_WRITE | PERM_OWNER;
	for (i = 1; i < n; i++) {
		bool match = p[i].id == DOMID_ANY || p[i].id == c->domid ||
		    (c->target >= 0 && p[i].id == (unsigned)c->target);

		if ((p[i].flags & PERM_F_STALE) || !match)
			continue;
		if (p[i].id != DOMID_ANY && use_alive &&
		    !alive(NULL, p[i].id, gen))
			continue;
		return p[i].mode & (PERM_READ | PERM_WRITE);
	}
	return p[0].mode & (PERM_READ | PERM_WRITE);
}

/* Split as wire_args does; returns the count. */
static size_t
split(char *body, size_t len, const char **argv, size_t max)
{
	size_t n = 0, start = 0, i;

	for (i = 0; i < len; i++) {
		if (body[i] != '\0')
			continue;
		if (n < max)
			argv[n++] = body + start;
		start = i + 1;
	}
	return n;
}

static void
check_format(const struct trie_perm *p, size_t n, size_t small)
{
	static char big[MAXP * 8], again[MAXP * 8];
	static const char *argv[MAXP];
	static struct trie_perm q[MAXP];
	size_t want = 0, i, m;
	int len, len2;
	char *buf;

	for (i = 0; i < n; i++)
		want += (size_t)snprintf(NULL, 0, "%u", p[i].id) + 2;
	len = perms_format(p, n, big, sizeof(big));
	FZ_ASSERT(len >= 0 && (size_t)len == want, "formatted %d bytes, "
	    "%zu expected", len, want);
	m = split(big, (size_t)len, argv, MAXP);
	FZ_ASSERT(m == n, "%zu entries formatted as %zu", n, m);
	FZ_ASSERT(perms_parse(argv, m, q) == 0 && perms_equal(p, n, q, m),
	    "the formatted list does not parse back");
	len2 = perms_format(q, m, again, sizeof(again));
	FZ_ASSERT(len2 == len && memcmp(big, again, (size_t)len) == 0,
	    "format is not a fixed point");
	/* exactly `small` bytes, so ASan sees a write past them */
	buf = malloc(small ? small : 1);
	if (buf == NULL)
		abort();
	len2 = perms_format(p, n, buf, small);
	if (small >= (size_t)len)
		FZ_ASSERT(len2 == len && memcmp(buf, big, (size_t)len) == 0,
		    "%zu bytes are enough for %d", small, len);
	else
		FZ_ASSERT(len2 == -E2BIG, "%zu bytes for %d: %d", small, len,
		    len2);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *argv[MAXP];
	static struct trie_perm p[MAXP], r[MAXP];
	struct fz_in in = { data, size };
	struct caller c;
	unsigned stale;
	uint64_t gen;
	size_t small, got, n, i;
	uint16_t t;
	uint8_t f;
	const uint8_t *body;
	char *s;
	int rc, want;

	c.domid = fz_u16(&in);
	t = fz_u16(&in);
	c.target = t == 0xffff ? -1 : t;
	f = fz_u8(&in);
	c.priv = f & 1;
	alive_policy = (f >> 1) & 3;
	stale = fz_u8(&in);
	gen = (uint64_t)fz_u8(&in) + 1;
	small = fz_u16(&in) % (MAXP * 8);
	body = fz_bytes(&in, in.n, &got);
	s = malloc(got + 1);
	if (s == NULL)
		abort();
	memcpy(s, body, got);
	s[got] = '\0';
	n = split(s, got, argv, MAXP);
	memset(p, 0xa5, sizeof(p));
	rc = perms_parse(argv, n, p);
	want = ref_parse(argv, n, r);
	FZ_ASSERT(rc == want, "perms_parse gave %d, reference %d", rc, want);
	if (rc == 0) {
		FZ_ASSERT(perms_equal(p, n, r, n), "parsed entries differ from "
		    "the reference");
		check_format(p, n, small);
		for (i = 0; i < n && i < 8; i++)
			if (stale & (1u << i))
				p[i].flags |= PERM_F_STALE;
		for (i = 0; i < 2; i++) {
			unsigned got_m = perms_for(p, n, gen, &c,
			    i ? alive : NULL, NULL);

			FZ_ASSERT(got_m == ref_for(p, n, gen, &c, i == 1),
			    "perms_for gave %#x", got_m);
		}
	}
	free(s);
	return 0;
}
