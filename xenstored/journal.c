/*
 * journal.c: see journal.h.  Record bodies (little-endian):
 *   WRITE    i32 creator, u32 vlen, path\0, value
 *   MKDIR    i32 creator, path\0
 *   RM       path\0
 *   PERMS    u32 n, n x 4-byte entries, path\0
 *   INTRODUCE u32 domid, u32 remote port, u64 gfn, u32 features, u32 flags
 *   RELEASE, RESET, FORGET  u32 domid
 *   SHUTDOWN, TARGET, FEATURES, TXN_OPEN, TXN_CLOSE  u32 domid, u32 v
 *   QUOTA    u32 domid (or J_GLOBAL_QUOTA), u32 id, u32 soft, u32 value
 *   WATCH    u32 domid, i32 depth, u32 relative, path\0, token\0
 *   UNWATCH  u32 domid, path\0, token\0
 *   RING_SYNC u32 domid, req_cons, rsp_off, flags, error, head_rest,
 *            in_len, out_len, input bytes, output bytes (head_rest: bytes
 *            of the first output message that are still to send)
 *   BATCH    u32 checksum of the batch's bytes before this record
 */
#include <errno.h>
#include <string.h>

#include "journal.h"

void
j_write(struct sbuf *b, int creator, const char *path, const void *val,
    size_t len)
{
	size_t r = stream_begin(b, REC_PX_J_WRITE);

	stream_u32(b, (uint32_t)creator);
	stream_u32(b, (uint32_t)len);
	stream_str(b, path);
	stream_bytes(b, val, len);
	stream_end(b, r);
}

void
j_mkdir(struct sbuf *b, int creator, const char *path)
{
	size_t r = stream_begin(b, REC_PX_J_MKDIR);

	stream_u32(b, (uint32_t)creator);
	stream_str(b, path);
	stream_end(b, r);
}

void
j_rm(struct sbuf *b, const char *path)
{
	size_t r = stream_begin(b, REC_PX_J_RM);

	stream_str(b, path);
	stream_end(b, r);
}

void
j_perms(struct sbuf *b, const char *path, const struct trie_perm *p,
    size_t np)
{
	size_t r = stream_begin(b, REC_PX_J_PERMS);

	stream_u32(b, (uint32_t)np);
	stream_perms(b, p, np);
	stream_str(b, path);
	stream_end(b, r);
}

void
j_introduce(struct sbuf *b, unsigned domid, unsigned remote_port,
    uint64_t gfn, unsigned features, unsigned flags)
{
	size_t r = stream_begin(b, REC_PX_J_INTRODUCE);

	stream_u32(b, domid);
	stream_u32(b, remote_port);
	stream_u64(b, gfn);
	stream_u32(b, features);
	stream_u32(b, flags);
	stream_end(b, r);
}

void
j_domid(struct sbuf *b, uint32_t type, unsigned domid)
{
	size_t r = stream_begin(b, type);

	stream_u32(b, domid);
	stream_end(b, r);
}

void
j_domid2(struct sbuf *b, uint32_t type, unsigned domid, uint32_t v)
{
	size_t r = stream_begin(b, type);

	stream_u32(b, domid);
	stream_u32(b, v);
	stream_end(b, r);
}

void
j_quota(struct sbuf *b, uint32_t domid, unsigned id, bool soft,
    unsigned value)
{
	size_t r = stream_begin(b, REC_PX_J_QUOTA);

	stream_u32(b, domid);
	stream_u32(b, id);
	stream_u32(b, soft);
	stream_u32(b, value);
	stream_end(b, r);
}

void
j_watch(struct sbuf *b, unsigned domid, int depth, bool relative,
    const char *path, const char *token)
{
	size_t r = stream_begin(b, REC_PX_J_WATCH);

	stream_u32(b, domid);
	stream_u32(b, (uint32_t)depth);
	stream_u32(b, relative);
	stream_str(b, path);
	stream_str(b, token);
	stream_end(b, r);
}

void
j_unwatch(struct sbuf *b, unsigned domid, const char *path,
    const char *token)
{
	size_t r = stream_begin(b, REC_PX_J_UNWATCH);

	stream_u32(b, domid);
	stream_str(b, path);
	stream_str(b, token);
	stream_end(b, r);
}

void
j_ring_sync(struct sbuf *b, unsigned domid, uint32_t req_cons,
    uint32_t rsp_off, uint32_t flags, uint32_t error, uint32_t head_rest,
    const void *in, size_t inlen, const void *out, size_t outlen)
{
	size_t r = stream_begin(b, REC_PX_J_RING_SYNC);

	stream_u32(b, domid);
	stream_u32(b, req_cons);
	stream_u32(b, rsp_off);
	stream_u32(b, flags);
	stream_u32(b, error);
	stream_u32(b, head_rest);
	stream_u32(b, (uint32_t)inlen);
	stream_u32(b, (uint32_t)outlen);
	stream_bytes(b, in, inlen);
	stream_bytes(b, out, outlen);
	stream_end(b, r);
}

void
j_ring_delta(struct sbuf *b, unsigned domid, uint32_t req_cons,
    uint32_t rsp_off, uint32_t flags, uint32_t error, uint32_t head_rest,
    uint32_t in_drop, const void *in, size_t inlen, uint32_t out_drop,
    const void *out, size_t outlen)
{
	size_t r = stream_begin(b, REC_PX_J_RING_DELTA);

	stream_u32(b, domid);
	stream_u32(b, req_cons);
	stream_u32(b, rsp_off);
	stream_u32(b, flags);
	stream_u32(b, error);
	stream_u32(b, head_rest);
	stream_u32(b, in_drop);
	stream_u32(b, (uint32_t)inlen);
	stream_u32(b, out_drop);
	stream_u32(b, (uint32_t)outlen);
	stream_bytes(b, in, inlen);
	stream_bytes(b, out, outlen);
	stream_end(b, r);
}

void
j_batch(struct sbuf *b, size_t start)
{
	uint32_t sum = b->err ? 0 : stream_sum(0, b->p + start,
	    b->len - start);
	size_t r = stream_begin(b, REC_PX_J_BATCH);

	stream_u32(b, sum);
	stream_end(b, r);
}

int
j_decode(const struct stream_rec *rec, struct jrec *j)
{
	struct cursor c;
	uint32_t u = 0, in = 0, out = 0;
	bool ok = true;

	memset(j, 0, sizeof(*j));
	j->type = rec->type;
	cursor_init(&c, rec);
	switch (rec->type) {
	case REC_PX_J_WRITE:
		ok = cur_u32(&c, &u) && cur_u32(&c, &in) &&
		    cur_str(&c, &j->path) && cur_bytes(&c, in, &j->val);
		j->creator = (int32_t)u;
		j->vlen = in;
		break;
	case REC_PX_J_MKDIR:
		ok = cur_u32(&c, &u) && cur_str(&c, &j->path);
		j->creator = (int32_t)u;
		break;
	case REC_PX_J_RM:
		ok = cur_str(&c, &j->path);
		break;
	case REC_PX_J_PERMS:
		ok = cur_u32(&c, &u) && u > 0 && u <= TRIE_PERMS_MAX &&
		    cur_bytes(&c, 4 * (size_t)u, &j->rawperms) &&
		    cur_str(&c, &j->path);
		j->np = u;
		break;
	case REC_PX_J_INTRODUCE:
		ok = cur_u32(&c, &j->domid) && cur_u32(&c, &j->port) &&
		    cur_u64(&c, &j->gfn) && cur_u32(&c, &j->features) &&
		    cur_u32(&c, &j->flags);
		break;
	case REC_PX_J_RELEASE:
	case REC_PX_J_RESET:
	case REC_PX_J_FORGET:
		ok = cur_u32(&c, &j->domid);
		break;
	case REC_PX_J_SHUTDOWN:
	case REC_PX_J_TARGET:
	case REC_PX_J_FEATURES:
	case REC_PX_J_TXN_OPEN:
	case REC_PX_J_TXN_CLOSE:
		ok = cur_u32(&c, &j->domid) && cur_u32(&c, &j->v);
		break;
	case REC_PX_J_QUOTA:
		ok = cur_u32(&c, &j->domid) && cur_u32(&c, &j->id) &&
		    cur_u32(&c, &j->soft) && cur_u32(&c, &j->value);
		break;
	case REC_PX_J_WATCH:
		ok = cur_u32(&c, &j->domid) && cur_u32(&c, &u) &&
		    cur_u32(&c, &j->v) && cur_str(&c, &j->path) &&
		    cur_str(&c, &j->token);
		j->depth = (int32_t)u;
		break;
	case REC_PX_J_UNWATCH:
		ok = cur_u32(&c, &j->domid) && cur_str(&c, &j->path) &&
		    cur_str(&c, &j->token);
		break;
	case REC_PX_J_RING_SYNC:
		ok = cur_u32(&c, &j->domid) && cur_u32(&c, &j->req_cons) &&
		    cur_u32(&c, &j->rsp_off) && cur_u32(&c, &j->flags) &&
		    cur_u32(&c, &j->error) && cur_u32(&c, &j->head_rest) &&
		    cur_u32(&c, &in) &&
		    cur_u32(&c, &out) && cur_bytes(&c, in, &j->in) &&
		    cur_bytes(&c, out, &j->out);
		j->inlen = in;
		j->outlen = out;
		break;
	case REC_PX_J_RING_DELTA:
		ok = cur_u32(&c, &j->domid) && cur_u32(&c, &j->req_cons) &&
		    cur_u32(&c, &j->rsp_off) && cur_u32(&c, &j->flags) &&
		    cur_u32(&c, &j->error) && cur_u32(&c, &j->head_rest) &&
		    cur_u32(&c, &j->in_drop) && cur_u32(&c, &in) &&
		    cur_u32(&c, &j->out_drop) && cur_u32(&c, &out) &&
		    cur_bytes(&c, in, &j->in) && cur_bytes(&c, out, &j->out);
		j->inlen = in;
		j->outlen = out;
		break;
	case REC_PX_J_BATCH:
		ok = cur_u32(&c, &j->sum);
		break;
	default:
		return 1;
	}
	return ok ? 0 : -EIO;
}
