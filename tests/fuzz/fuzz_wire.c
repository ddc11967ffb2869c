/*
 * fuzz_wire.c: the message parser (xenstored/wire.c) on any byte stream.
 * The input is what a client sends: it is framed message after message as
 * conn.c does, from a copy of exactly the bytes available (so that ASan
 * sees any read past them), and each payload split into arguments.
 *
 * Properties (wire.h's promises):
 *   wire_frame  1: the whole message is there (need = header + len <=
 *               avail, len <= 4096, body right after the header);
 *               0: more is needed (need > avail; need = header size while
 *               the header is incomplete, else header + len <= 4096);
 *               -E2BIG: exactly when the header is complete and announces
 *               more than 4096 bytes.
 *   wire_args   returns the number of NULs; every stored pointer is the
 *               start of the next string, inside the payload, and its
 *               string ends at the next NUL; never more than `max` stored.
 *   wire_first  false exactly when there is no NUL; else the first string
 *               is the payload's start and the rest is what follows it.
 *   wire_uint   true exactly for a non-empty string of digits whose value
 *               is at most `max`, which it returns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "wire.h"

#define MAXARGS 64

/* The reference for wire_uint: digits only, value compared as text. */
static bool
ref_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i, n = strlen(s);

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	while (n > 1 && s[0] == '0') {	/* leading zeros do not count */
		s++;
		n--;
	}
	if (n > 20)			/* more than any unsigned long */
		return false;
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (~0UL - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static void
check_uint(const char *s)
{
	static const unsigned long maxes[] = { 0, 1, 9, 10, 65535,
		0x7fffffff, 0xffffffffUL, ~0UL };
	size_t i;

	for (i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		unsigned long got = 12345, want = 54321;
		bool ok = wire_uint(s, maxes[i], &got);
		bool ref = ref_uint(s, maxes[i], &want);

		FZ_ASSERT(ok == ref, "wire_uint(\"%.40s\", %lu) says %d", s,
		    maxes[i], ok);
		FZ_ASSERT(!ok || got == want, "wire_uint(\"%.40s\") = %lu, "
		    "not %lu", s, got, want);
	}
}

static void
check_payload(const char *body, size_t len)
{
	static const size_t maxes[] = { 0, 1, 3, MAXARGS };
	const char *argv[MAXARGS], *first, *rest;
	size_t nuls = 0, i, k, restlen;
	char *tmp;

	for (i = 0; i < len; i++)
		nuls += body[i] == '\0';
	for (k = 0; k < sizeof(maxes) / sizeof(maxes[0]); k++) {
		const char *start = body;
		size_t n;

		for (i = 0; i < MAXARGS; i++)
			argv[i] = NULL;
		n = wire_args(body, len, argv, maxes[k]);
		FZ_ASSERT(n == nuls, "%zu arguments for %zu NULs", n, nuls);
		for (i = 0; i < MAXARGS; i++) {
			if (i >= n || i >= maxes[k]) {
				FZ_ASSERT(argv[i] == NULL, "argv[%zu] set "
				    "(%zu args, max %zu)", i, n, maxes[k]);
				continue;
			}
			FZ_ASSERT(argv[i] == start, "argv[%zu] is not where "
			    "the string starts", i);
			FZ_ASSERT(memchr(argv[i], '\0', len - (size_t)(argv[i] -
			    body)) != NULL, "argv[%zu] not terminated", i);
			start = argv[i] + strlen(argv[i]) + 1;
		}
	}
	first = rest = NULL;
	restlen = 12345;
	if (!wire_first(body, len, &first, &rest, &restlen)) {
		FZ_ASSERT(nuls == 0, "wire_first: no first string, %zu NULs",
		    nuls);
	} else {
		FZ_ASSERT(nuls > 0 && first == body, "wire_first: first");
		FZ_ASSERT(rest == body + strlen(body) + 1 &&
		    rest + restlen == body + len, "wire_first: rest");
	}
	/* The first arguments as numbers, as handlers take domids... */
	tmp = malloc(len + 1);
	if (tmp == NULL)
		abort();
	memcpy(tmp, body, len);
	tmp[len] = '\0';
	for (i = 0, k = 0; i <= len && k < 32; i += strlen(tmp + i) + 1, k++)
		check_uint(tmp + i);
	free(tmp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off <= size) {
		/*
		 * Exactly the bytes given, so that ASan sees any read past
		 * them; no more than a message can take (the answer is the
		 * same), or a stream of small messages would cost its length
		 * squared.
		 */
		size_t avail = size - off < WIRE_MAX_MSG ? size - off :
		    WIRE_MAX_MSG, need = 0;
		uint8_t *buf = malloc(avail ? avail : 1);
		struct wire_req w;
		struct xsd_sockmsg h;
		int rc;

		if (buf == NULL)
			abort();
		memcpy(buf, data + off, avail);
		memset(&w, 0xa5, sizeof(w));
		rc = wire_frame(buf, avail, &w, &need);
		if (avail < WIRE_HDR) {
			FZ_ASSERT(rc == 0 && need == WIRE_HDR, "short header: "
			    "rc %d need %zu", rc, need);
			free(buf);
			break;
		}
		memcpy(&h, buf, WIRE_HDR);
		if (h.len > XENSTORE_PAYLOAD_MAX) {
			FZ_ASSERT(rc == -E2BIG, "len %u: rc %d", h.len, rc);
			free(buf);
			break;
		}
		FZ_ASSERT(need == WIRE_HDR + h.len, "need %zu for len %u", need,
		    h.len);
		if (avail < need) {
			FZ_ASSERT(rc == 0, "incomplete message: rc %d", rc);
			free(buf);
			break;
		}
		FZ_ASSERT(rc == 1, "whole message: rc %d", rc);
		FZ_ASSERT(memcmp(&w.hdr, &h, WIRE_HDR) == 0 && w.len == h.len &&
		    w.body == (const char *)buf + WIRE_HDR, "framed message");
		check_payload(w.body, w.len);
		free(buf);
		off += need;
	}
	return 0;
}
