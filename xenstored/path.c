/*
 * path.c: see path.h.  The rules are the C daemon's (canonicalize,
 * valid_chars, the path-max counting of domain_max_chk); 4.17 applies the
 * length limit to every connection.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "path.h"

static bool
valid_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '/' || c == '_' ||
	    c == '@';
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
	size_t len = 0, i, n;
	const char *s;

	for (s = in; *s; s++, len++)
		if (!valid_char(*s))
			return -EINVAL;
	if (len == 0)
		return -EINVAL;
	if (in[0] == '@') {
		if (!(flags & PATH_F_SPECIAL))
			return -EINVAL;
		if (len >= PATH_BUF)
			return -EINVAL;
		memcpy(out, in, len + 1);
		*relative = false;
		n = len;
	} else if (in[0] == '/') {
		if (len >= PATH_BUF)
			return -EINVAL;
		memcpy(out, in, len + 1);
		*relative = false;
		n = len;
	} else {
		int k = snprintf(out, PATH_BUF, "/local/domain/%u/%s", domid,
		    in);

		if (k < 0 || (size_t)k >= PATH_BUF)
			return -EINVAL;
		*relative = true;
		n = (size_t)k;
	}
	/* Like the C daemon, for '@' paths too: no trailing '/', no "//". */
	if (n > 1 && out[n - 1] == '/')
		return -EINVAL;
	for (i = 1; i < n; i++)
		if (out[i] == '/' && out[i - 1] == '/')
			return -EINVAL;
	if (path_max != 0 && n - path_domain_prefix(out) > path_max)
		return -EINVAL;
	return 0;
}

const char *
path_relative(const char *abs, unsigned domid)
{
	char base[40];
	int k = snprintf(base, sizeof(base), "/local/domain/%u/", domid);

	if (k > 0 && strncmp(abs, base, (size_t)k) == 0 && abs[k] != '\0')
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
