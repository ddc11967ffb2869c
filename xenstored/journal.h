/*
 * journal.h: the journal's records: encoding (into the batch being
 * built) and decoding (for recovery and xs-dump).  Pure.
 *
 * Each acknowledged change is one record; the records of one loop
 * iteration form a batch closed by a REC_PX_J_BATCH record holding the
 * checksum of the batch.  Recovery applies whole batches only, so a torn
 * last batch is dropped and nothing half-done survives.
 */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stream.h"
#include "trie.h"

#define J_GLOBAL_QUOTA 0xFFFFFFFFu	/* quota record for the defaults */
#define J_RING_QUARANTINED 0x1u

void j_write(struct sbuf *b, int creator, const char *path, const void *val,
    size_t len);
void j_mkdir(struct sbuf *b, int creator, const char *path);
void j_rm(struct sbuf *b, const char *path);
void j_perms(struct sbuf *b, const char *path, const struct trie_perm *p,
    size_t np);
void j_introduce(struct sbuf *b, unsigned domid, unsigned remote_port,
    uint64_t gfn, unsigned features, unsigned flags);
void j_domid(struct sbuf *b, uint32_t type, unsigned domid);
void j_domid2(struct sbuf *b, uint32_t type, unsigned domid, uint32_t v);
void j_quota(struct sbuf *b, uint32_t domid, unsigned id, bool soft,
    unsigned value);
void j_watch(struct sbuf *b, unsigned domid, int depth, bool relative,
    const char *path, const char *token);
void j_unwatch(struct sbuf *b, unsigned domid, const char *path,
    const char *token);
void j_ring_sync(struct sbuf *b, unsigned domid, uint32_t req_cons,
    uint32_t rsp_off, uint32_t flags, uint32_t error, uint32_t head_rest,
    const void *in, size_t inlen, const void *out, size_t outlen);
/*
 * The ring's state as a change of the last RING_SYNC or RING_DELTA of the
 * same domain: the first in_drop/out_drop bytes of its buffers were used
 * up, in/out were appended; the positions are absolute.
 */
void j_ring_delta(struct sbuf *b, unsigned domid, uint32_t req_cons,
    uint32_t rsp_off, uint32_t flags, uint32_t error, uint32_t head_rest,
    uint32_t in_drop, const void *in, size_t inlen, uint32_t out_drop,
    const void *out, size_t outlen);
/* Close the batch that started at offset `start` of b. */
void j_batch(struct sbuf *b, size_t start);

/* A decoded journal record; pointers borrow from the record. */
struct jrec {
	uint32_t type;
	int32_t creator;
	const char *path;
	const char *token;
	const uint8_t *val;
	size_t vlen;
	const uint8_t *rawperms;
	size_t np;
	uint32_t domid, port, features, flags, v, id, soft, value;
	int32_t depth;
	uint64_t gfn;
	uint32_t req_cons, rsp_off, error, head_rest;
	const uint8_t *in, *out;
	size_t inlen, outlen;
	uint32_t in_drop, out_drop;	/* RING_DELTA */
	uint32_t sum;
};

/* 0, 1 for a record type that is not a journal record, -EIO if bad. */
int j_decode(const struct stream_rec *rec, struct jrec *j);

#endif
