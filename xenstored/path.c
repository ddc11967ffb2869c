/*
 * path.c: see path.h.  The rules are the C daemon's (canonicalize,
 * valid_chars, the path-max counting of domain_max_chk); 4.17 applies the
 * length limit to every connection.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "path.h"
#include "wire.h"

/*
 * The C daemon's valid characters (a-z A-Z 0-9 - / _ @) and its "//"
 * rule as a state machine over bytes: one table load per byte on the path
 * of every request.  PS_BAD is final.
 */
enum { PS_CHAR, PS_SLASH, PS_BAD };
#define C_ PS_CHAR
#define X_ PS_BAD
/* ASCII 0-127 from a state whose '/' leads to `s` */
#define PATH_LOW(s) \
	X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, \
	X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, \
	X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, C_, X_, s, \
	C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, X_, X_, X_, X_, X_, X_, \
	C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, \
	C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, X_, X_, X_, X_, C_, \
	X_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, \
	C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, X_, X_, X_, X_, X_
#define X4_ X_, X_, X_, X_
#define X16_ X4_, X4_, X4_, X4_
#define X128_ X16_, X16_, X16_, X16_, X16_, X16_, X16_, X16_
static const unsigned char path_next[3][256] = {
	{ PATH_LOW(PS_SLASH), X128_ },	/* PS_CHAR (and the start) */
	{ PATH_LOW(PS_BAD), X128_ },	/* PS_SLASH: "//" is bad */
	{ X128_, X128_ },		/* PS_BAD */
};
#undef C_
#undef X_
#undef PATH_LOW
#undef X4_
#undef X16_
#undef X128_

/* "/local/domain/<domid>/" into out (26 bytes or more): its length. */
static size_t
home_prefix(unsigned domid, char *out)
{
	static const char pre[] = "/local/domain/";
	size_t n = sizeof(pre) - 1;

	memcpy(out, pre, n);
	n += wire_put_uint(out + n, domid);
	out[n++] = '/';
	return n;
}

size_t
path_domain_prefix(const char *p)
{
	static const char pre[] = "/local/domain/";
	size_t i = sizeof(pre) - 1, digits = 0;

	if (strncmp(p, pre, i) != 0)
		return 0;
	while (p[i] >= '0' && p[i] <= '9' && digits < 6) {
		i++;
		digits++;
	}
	/* The C daemon matches at most 5 digits. */
	if (digits == 0 || digits > 5 || p[i] != '/')
		return 0;
	return i + 1;
}

int
path_canon(const char *in, unsigned domid, unsigned path_max,
    unsigned flags, char *out, bool *relative)
{
	size_t len, pre = 0, n;
	const char *s;
	unsigned st;

	/*
	 * One pass: valid characters, and (like the C daemon, for '@'
	 * paths too) no "//".  A relative path cannot start with '/', so
	 * the home prefix joins it without making one.
	 */
	for (s = in, st = PS_CHAR; *s; s++)
		st = path_next[st][(unsigned char)*s];
	if (st == PS_BAD)
		return -EINVAL;
	len = (size_t)(s - in);
	/* no trailing '/' (but "/" itself) */
	if (len == 0 || (len > 1 && in[len - 1] == '/'))
		return -EINVAL;
	if (in[0] == '@' && !(flags & PATH_F_SPECIAL))
		return -EINVAL;
	*relative = in[0] != '/' && in[0] != '@';
	if (*relative)
		pre = home_prefix(domid, out);
	n = pre + len;
	if (n >= PATH_BUF)
		return -EINVAL;
	memcpy(out + pre, in, len + 1);
	/* n - prefix <= n: only a longer path needs its prefix found. */
	if (path_max != 0 && n > path_max &&
	    n - (*relative ? pre : path_domain_prefix(out)) > path_max)
		return -EINVAL;
	return 0;
}

const char *
path_relative(const char *abs, unsigned domid)
{
	char base[32];
	size_t k = home_prefix(domid, base);

	if (strncmp(abs, base, k) == 0 && abs[k] != '\0')
		return abs + k;
	return abs;
}

int
path_depth_below(const char *below, const char *top)
{
	size_t tl = strlen(top);
	int depth = 0;
	const char *s;

	if (strcmp(top, "/") == 0) {
		if (below[0] != '/')
			return -1;
		if (below[1] == '\0')
			return 0;
		s = below;
	} else {
		if (strncmp(below, top, tl) != 0)
			return -1;
		if (below[tl] == '\0')
			return 0;
		if (below[tl] != '/')
			return -1;
		s = below + tl;
	}
	for (; *s; s++)
		depth += *s == '/';
	return depth;
}

size_t
path_parent_len(const char *p, size_t len)
{
	while (len > 0 && p[len - 1] != '/')
		len--;
	return len <= 1 ? 1 : len - 1;
}
