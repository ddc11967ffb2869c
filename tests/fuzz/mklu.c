/*
 * mklu.c: writes a small live-update stream in the C daemon's layout
 * (live-update.md §4: GLOBAL, GLOBAL_QUOTA, connections with their
 * watches, committed and transaction nodes, DOMAIN records, END) for the
 * xs-dump fuzz corpus.  Run once: mklu FILE.
 */
#include <stdio.h>
#include <string.h>

#include "stream.h"

static void
conn(struct sbuf *b, uint32_t id, uint16_t type, uint16_t domid,
    const char *in, size_t il, const char *out, size_t ol, uint16_t resp)
{
	size_t r = stream_begin(b, REC_CONNECTION);

	stream_u32(b, id);
	stream_u16(b, type);
	stream_u16(b, type == CONN_TYPE_RING ? 1 : 0);	/* unique id */
	if (type == CONN_TYPE_RING) {
		stream_u16(b, domid);
		stream_u16(b, DOMID_INVALID_WIRE);
		stream_u32(b, 7);	/* local port */
	} else {
		stream_u32(b, 5);	/* socket fd */
		stream_u32(b, 0);
	}
	stream_u16(b, (uint16_t)il);
	stream_u16(b, resp);
	stream_u32(b, (uint32_t)ol);
	stream_bytes(b, in, il);
	stream_bytes(b, out, ol);
	if (type == CONN_TYPE_RING) {
		static const uint8_t zero[8];

		stream_bytes(b, zero, (8 - b->len % 8) % 8);
		stream_u64(b, 0x1234abcdULL);
	}
	stream_end(b, r);
}

static void
watch(struct sbuf *b, uint32_t id, const char *path, const char *tok,
    int depth)
{
	size_t r = stream_begin(b, depth < 0 ? REC_WATCH : REC_WATCH_EXT);

	stream_u32(b, id);
	stream_u16(b, (uint16_t)(strlen(path) + 1));
	stream_u16(b, (uint16_t)(strlen(tok) + 1));
	if (depth >= 0) {
		stream_u16(b, (uint16_t)depth);
		stream_u16(b, 0);
	}
	stream_str(b, path);
	stream_str(b, tok);
	stream_end(b, r);
}

static void
names(struct sbuf *b, const char *const *n)
{
	for (; *n != NULL; n++)
		stream_str(b, *n);
}

int
main(int argc, char **argv)
{
	static const struct trie_perm p0 = { 0, 0, 0 };
	static const struct trie_perm p1[2] = { { 1, 0, 0 }, { 0, 1, 0 } };
	static const char *const qn[] = { "nodes", "watches", "outstanding",
		"memory", "soft-memory", "transactions", NULL };
	struct sbuf b;
	size_t r;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: mklu FILE\n");
		return 2;
	}
	sbuf_init(&b);
	stream_preamble(&b, 2);
	r = stream_begin(&b, REC_GLOBAL);
	stream_u32(&b, 3);
	stream_u32(&b, 4);
	stream_end(&b, r);
	r = stream_begin(&b, REC_GLOBAL_QUOTA);
	stream_u16(&b, 5);
	stream_u16(&b, 1);
	stream_u32(&b, 1000);
	stream_u32(&b, 128);
	stream_u32(&b, 20);
	stream_u32(&b, 2621440);
	stream_u32(&b, 2097152);
	stream_u32(&b, 10);
	names(&b, qn);
	stream_end(&b, r);
	conn(&b, 1, CONN_TYPE_RING, 0, "", 0, "", 0, 0);
	watch(&b, 1, "@releaseDomain", "rel", -1);
	/* a partial READ request in; the rest of a reply and a reply out */
	conn(&b, 2, CONN_TYPE_RING, 1,
	    "\x02\0\0\0\x09\0\0\0\0\0\0\0\x05\0\0\0da", 18,
	    "v\0\x02\0\0\0\x0a\0\0\0\0\0\0\0\x02\0\0\0w", 21, 2);
	watch(&b, 2, "data", "t1", -1);
	watch(&b, 2, "/local/domain/1/device", "t2", 2);
	conn(&b, 3, CONN_TYPE_SOCKET, 0, "", 0, "", 0, 0);
	r = stream_begin(&b, REC_TRANSACTION);
	stream_u32(&b, 2);
	stream_u32(&b, 5);
	stream_end(&b, r);
	stream_node(&b, "/", 1, "", 0, &p0, 1);
	stream_node(&b, "/local", 6, "", 0, &p0, 1);
	stream_node(&b, "/local/domain", 13, "", 0, &p0, 1);
	stream_node(&b, "/local/domain/1", 15, "", 0, p1, 2);
	stream_node(&b, "/local/domain/1/data", 20, "v\0x\n", 4, p1, 2);
	stream_node(&b, "@releaseDomain", 14, "", 0, &p0, 1);
	stream_node(&b, "@introduceDomain", 16, "", 0, &p0, 1);
	/* a transaction's node: conn 2, transaction 5, written */
	r = stream_begin(&b, REC_NODE);
	stream_u32(&b, 2);
	stream_u32(&b, 5);
	stream_u16(&b, 24);
	stream_u16(&b, 1);
	stream_u16(&b, 2);
	stream_u16(&b, 1);
	stream_perms(&b, p1, 1);
	stream_str(&b, "/local/domain/1/data/tx");
	stream_bytes(&b, "1", 1);
	stream_end(&b, r);
	r = stream_begin(&b, REC_DOMAIN);
	stream_u16(&b, 1);
	stream_u16(&b, 2);
	stream_u32(&b, 0xf);
	stream_u32(&b, 1000);
	stream_u32(&b, 128);
	stream_str(&b, "nodes");
	stream_str(&b, "watches");
	stream_end(&b, r);
	stream_end(&b, stream_begin(&b, REC_END));
	f = fopen(argv[1], "wb");
	if (f == NULL || fwrite(b.p, 1, b.len, f) != b.len || fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}
	sbuf_fini(&b);
	return 0;
}
