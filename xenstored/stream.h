/*
 * stream.h: the xenstore state record stream (live-update.md §4): the
 * format of live-update state, of our snapshots and (with our own record
 * types) of the journal.  Pure: encoding into a growable buffer, decoding
 * from memory; no files, no daemon state.
 *
 * Layout: a 16-byte preamble ("xenstore", version big-endian, flags),
 * then records: type (u32), length (u32, body length including padding
 * to 8), body.  Integers in the writer's byte order (flags bit 0 says
 * which; we write and accept little-endian only, as the C daemon accepts
 * only its own).  Readers skip record types they do not know.
 *
 * Record types 0-8 are Xen's.  Ours (0x50580000 + n, "PX") carry what a
 * crash recovery needs beyond a live update (the guest's remote event
 * channel port, the grant frame), open transactions, journal operations
 * and checksums.  A C daemon reading our live-update stream skips them.
 */
#ifndef STREAM_H
#define STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "trie.h"

#define STREAM_VERSION 2

enum stream_type {
	REC_END = 0,
	REC_GLOBAL = 1,
	REC_CONNECTION = 2,
	REC_WATCH = 3,
	REC_TRANSACTION = 4,
	REC_NODE = 5,
	REC_GLOBAL_QUOTA = 6,
	REC_DOMAIN = 7,
	REC_WATCH_EXT = 8,
	REC_PX = 0x50580000,
	REC_PX_DOMAIN_RING = REC_PX + 1,	/* introduced domain's ring */
	REC_PX_CHECKSUM = REC_PX + 2,		/* stream_sum of all before it */
	REC_PX_TXN_STEP = REC_PX + 3,		/* a transaction's step */
	REC_PX_META = REC_PX + 4,		/* snapshot/journal generation */
	REC_PX_CONN = REC_PX + 5,		/* live update: a connection */
	REC_PX_WATCH = REC_PX + 6,		/* live update: its watch */
	REC_PX_TXN = REC_PX + 7,		/* live update: its transaction */
	/* journal operations */
	REC_PX_J_WRITE = REC_PX + 16,
	REC_PX_J_MKDIR,
	REC_PX_J_RM,
	REC_PX_J_PERMS,
	REC_PX_J_INTRODUCE,
	REC_PX_J_RELEASE,
	REC_PX_J_TARGET,
	REC_PX_J_FEATURES,
	REC_PX_J_QUOTA,
	REC_PX_J_WATCH,
	REC_PX_J_UNWATCH,
	REC_PX_J_RESET,
	REC_PX_J_TXN_OPEN,
	REC_PX_J_TXN_CLOSE,
	REC_PX_J_RING_SYNC,
	REC_PX_J_SHUTDOWN,
	REC_PX_J_BATCH,		/* end of a batch: its checksum */
	REC_PX_J_FORGET,	/* a domain no longer tracked */
	REC_PX_J_RING_DELTA,	/* a RING_SYNC as change of the previous one */
};

#define CONN_TYPE_RING 0
#define CONN_TYPE_SOCKET 1
/* A quarantined ring: no connection; next_txid carries its error. */
#define CONN_TYPE_RING_QUARANTINED 2
#define DOMID_INVALID_WIRE 0x7FF4

/* A growable output buffer.  Functions return 0 or -ENOMEM (sticky). */
struct sbuf {
	uint8_t *p;
	size_t len, cap;
	int err;
};

void sbuf_init(struct sbuf *b);
void sbuf_fini(struct sbuf *b);
void sbuf_reset(struct sbuf *b);
/* sbuf_put when the buffer must grow first (or has failed). */
int sbuf_put_grow(struct sbuf *b, const void *data, size_t len);

/*
 * Append; on failure the buffer keeps its error (b->err) and takes no
 * more.  Inline, like the stream_ helpers below: the journal encodes a
 * record for every change.
 */
static inline int
sbuf_put(struct sbuf *b, const void *data, size_t len)
{
	if (b->err || b->len + len > b->cap)
		return sbuf_put_grow(b, data, len);
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

/* Checksum of data (32 bits; seed chains several pieces). */
uint32_t stream_sum(uint32_t seed, const void *data, size_t len);

/* --- writing --- */
void stream_preamble(struct sbuf *b, uint32_t version);
/* Start a record; returns its offset for stream_end_record. */
size_t stream_begin(struct sbuf *b, uint32_t type);
/* Pad the body to 8 and fill in its length. */
void stream_end(struct sbuf *b, size_t rec);

static inline void
stream_u16(struct sbuf *b, uint16_t v)
{
	sbuf_put(b, &v, 2);
}

static inline void
stream_u32(struct sbuf *b, uint32_t v)
{
	sbuf_put(b, &v, 4);
}

static inline void
stream_u64(struct sbuf *b, uint64_t v)
{
	sbuf_put(b, &v, 8);
}

static inline void
stream_bytes(struct sbuf *b, const void *p, size_t n)
{
	sbuf_put(b, p, n);
}

/* A string and its NUL. */
static inline void
stream_str(struct sbuf *b, const char *s)
{
	sbuf_put(b, s, strlen(s) + 1);
}

/* Permission entries in NODE_DATA's 4-byte form. */
void stream_perms(struct sbuf *b, const struct trie_perm *p, size_t np);

/* NODE_DATA (committed node: conn_id 0). */
void stream_node(struct sbuf *b, const char *path, size_t pathlen,
    const void *val, size_t vlen, const struct trie_perm *p, size_t np);
/* The checksum record over b[0..len). */
void stream_checksum(struct sbuf *b);

/* --- reading --- */
struct stream_rec {
	uint32_t type;
	uint32_t len;		/* body length (with padding) */
	const uint8_t *body;
};

struct stream_reader {
	const uint8_t *p;
	size_t len, off;
	uint32_t version;
};

/*
 * Check the preamble.  Returns 0, or -EINVAL (not a stream, wrong byte
 * order or version).
 */
int stream_open(struct stream_reader *r, const void *data, size_t len);

/*
 * The next record.  Returns 1 with *rec filled, 0 at the end of data, or
 * -EIO when a record runs past the data (truncated or corrupt).
 */
int stream_next(struct stream_reader *r, struct stream_rec *rec);

/* Bounded field readers over a record body: false when out of range. */
struct cursor {
	const uint8_t *p;
	size_t len, off;
};

static inline void
cursor_init(struct cursor *c, const struct stream_rec *rec)
{
	c->p = rec->body;
	c->len = rec->len;
	c->off = 0;
}

bool cur_u16(struct cursor *c, uint16_t *v);
bool cur_u32(struct cursor *c, uint32_t *v);
bool cur_u64(struct cursor *c, uint64_t *v);
/* n raw bytes (borrowed) */
bool cur_bytes(struct cursor *c, size_t n, const uint8_t **out);
/* A NUL-terminated string of exactly n bytes including the NUL. */
bool cur_strn(struct cursor *c, size_t n, const char **out);
/* A NUL-terminated string, whatever its length. */
bool cur_str(struct cursor *c, const char **out);

/* NODE_DATA, decoded (borrowed from the record). */
struct stream_node {
	uint32_t conn_id, ta_id;
	const char *path;
	const uint8_t *val;
	size_t vlen;
	uint16_t access;
	size_t np;
	const uint8_t *rawperms;	/* np entries, 4 bytes each */
};
/* 0 or -EIO. */
int stream_read_node(const struct stream_rec *rec, struct stream_node *n);
/* Decode permission entry i of a raw NODE_DATA permission array. */
void stream_perm_at(const uint8_t *raw, size_t i, struct trie_perm *p);

#endif
