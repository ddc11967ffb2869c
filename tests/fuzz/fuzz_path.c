/*
 * fuzz_path.c: path canonicalization (xenstored/path.c) on any string,
 * for any domain id, length limit and flags.
 *
 * Input: flags (1 byte: bit 0 PATH_F_SPECIAL), domid (4 bytes, taken
 * modulo 65536), path-max
 * (2 bytes, 0 = none), then the path as sent; like an argument taken from
 * a payload, it ends at its first NUL.
 *
 * Properties:
 *   - path_canon returns 0 or -EINVAL, and agrees with a reference made
 *     from path.h's rules: valid characters only, not empty, '@' first
 *     only with PATH_F_SPECIAL, no "//", no trailing '/' (but "/"), the
 *     length after a /local/domain/<id>/ prefix within path-max;
 *   - accepted: the output is "/local/domain/<domid>/" + input for a
 *     relative input (relative = true), the input itself otherwise; it is
 *     shorter than PATH_BUF, and every path a payload can carry fits;
 *   - idempotence: the canonical form is accepted again, by any domain,
 *     unchanged and absolute;
 *   - its parent (path_parent_len) is canonical too, a prefix, and the
 *     path is one level below it (path_depth_below); the path is at depth
 *     0 below itself;
 *   - path_domain_prefix is 0 or the length of a "/local/domain/<1 to 5
 *     digits>/" prefix; path_relative gives back the input or its part
 *     after that domain's prefix.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "path.h"
#include "xs_wire_ext.h"

static bool
ref_char(char c)
{
	return strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-/_@", c) != NULL && c != '\0';
}

/* path.h's rules, written again from the header: 0 or -EINVAL. */
static int
ref_canon(const char *in, unsigned domid, unsigned path_max, unsigned flags,
    char *out)
{
	size_t n = strlen(in), i;

	if (n == 0)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!ref_char(in[i]))
			return -EINVAL;
	if (in[0] == '@' && !(flags & PATH_F_SPECIAL))
		return -EINVAL;
	if (in[0] == '@' || in[0] == '/') {
		if (n >= PATH_BUF)
			return -EINVAL;
		strcpy(out, in);
	} else {
		int k = snprintf(out, PATH_BUF, "/local/domain/%u/%s", domid, in);

		if (k < 0 || (size_t)k >= PATH_BUF)
			return -EINVAL;
		n = (size_t)k;
	}
	if (n > 1 && out[n - 1] == '/')
		return -EINVAL;
	if (strstr(out, "//") != NULL)
		return -EINVAL;
	if (path_max != 0 && n - path_domain_prefix(out) > path_max)
		return -EINVAL;
	return 0;
}

static void
check_prefix(const char *p)
{
	size_t k = path_domain_prefix(p), i;

	if (k == 0)
		return;
	FZ_ASSERT(k >= 16 && k <= 20 && strncmp(p, "/local/domain/", 14) == 0
	    && p[k - 1] == '/', "path_domain_prefix(\"%.60s\") = %zu", p, k);
	for (i = 14; i < k - 1; i++)
		FZ_ASSERT(p[i] >= '0' && p[i] <= '9', "prefix digit");
}

static void
check_relative(const char *abs, unsigned domid)
{
	const char *r = path_relative(abs, domid);
	char base[40];
	int k;

	if (r == abs)
		return;
	k = snprintf(base, sizeof(base), "/local/domain/%u/", domid);
	FZ_ASSERT(r == abs + k && strncmp(abs, base, (size_t)k) == 0 &&
	    *r != '\0', "path_relative(\"%.60s\", %u)", abs, domid);
}

/* The canonical path p: its parent, depth and idempotence. */
static void
check_canonical(const char *p, unsigned flags, unsigned domid2,
    unsigned path_max)
{
	static char again[PATH_BUF], parent[PATH_BUF], child[PATH_BUF + 8];
	size_t n = strlen(p), plen;
	bool rel = true;

	FZ_ASSERT(path_canon(p, domid2, 0, flags, again, &rel) == 0 && !rel &&
	    strcmp(again, p) == 0, "not idempotent: \"%.60s\"", p);
	FZ_ASSERT(path_canon(p, domid2, path_max, flags, again, &rel) == 0,
	    "\"%.60s\" over the limit once canonical", p);
	FZ_ASSERT(path_depth_below(p, p) == 0, "depth of itself");
	check_prefix(p);
	if (p[0] != '/' || n == 1)
		return;
	plen = path_parent_len(p, n);
	FZ_ASSERT(plen >= 1 && plen < n && (plen == 1 || p[plen] == '/'),
	    "parent of \"%.60s\" has length %zu", p, plen);
	memcpy(parent, p, plen);
	parent[plen] = '\0';
	FZ_ASSERT(path_canon(parent, domid2, 0, flags, again, &rel) == 0 &&
	    strcmp(again, parent) == 0, "parent \"%.60s\" not canonical",
	    parent);
	FZ_ASSERT(path_depth_below(p, parent) == 1, "depth %d below the "
	    "parent", path_depth_below(p, parent));
	FZ_ASSERT(path_depth_below(parent, p) == -1, "parent below child");
	if (n + 3 < sizeof(child)) {
		snprintf(child, sizeof(child), "%s/c", p);
		FZ_ASSERT(path_depth_below(child, p) == 1 &&
		    path_depth_below(child, parent) == 2, "depth of a child");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[PATH_BUF], ref[PATH_BUF];
	struct fz_in in = { data, size };
	unsigned flags = fz_u8(&in) & PATH_F_SPECIAL;
	/*
	 * A connection's domid is 16 bits (INTRODUCE and the socket's
	 * master domid): with six digits or more, where "/local/domain/<id>/"
	 * stops being a home prefix for path_domain_prefix (C matches five
	 * digits), path.h leaves the count of a relative path open.
	 */
	unsigned domid = fz_u32(&in) % 65536, path_max = fz_u16(&in);
	size_t len, got, i;
	const uint8_t *p = fz_bytes(&in, in.n, &got);
	char *s = malloc(got + 1);
	bool rel = false;
	int rc, want;

	if (s == NULL)
		abort();
	memcpy(s, p, got);
	s[got] = '\0';
	len = strlen(s);
	memset(out, 0x5a, sizeof(out));
	rc = path_canon(s, domid, path_max, flags, out, &rel);
	want = ref_canon(s, domid, path_max, flags, ref);
	FZ_ASSERT(rc == want, "path_canon(\"%.60s\", %u, %u, %u) = %d, "
	    "reference %d", s, domid, path_max, flags, rc, want);
	/* Room for any canonical path: a payload-sized path always fits. */
	if (len < XENSTORE_PAYLOAD_MAX && path_max == 0 && len > 0 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz") == len)
		FZ_ASSERT(rc == 0, "a %zu-byte relative path refused", len);
	if (rc == 0) {
		size_t n = strnlen(out, PATH_BUF);

		FZ_ASSERT(n < PATH_BUF, "output not terminated");
		FZ_ASSERT(strcmp(out, ref) == 0, "\"%.60s\" gave \"%.60s\"", s,
		    out);
		FZ_ASSERT(rel == (s[0] != '/' && s[0] != '@'), "relative");
		for (i = 0; i < n; i++)
			FZ_ASSERT(ref_char(out[i]), "character %zu", i);
		check_canonical(out, flags, domid ^ 1, path_max);
		check_relative(out, domid);
		check_relative(out, domid ^ 1);
	}
	free(s);
	return 0;
}
