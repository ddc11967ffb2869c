/*
 * stream.c: see stream.h.  Permission entries in NODE_DATA are 4 bytes:
 * the letter (n/r/w/b), flags (0x01 stale), domid (u16).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "perms.h"
#include "stream.h"

void
sbuf_init(struct sbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void
sbuf_fini(struct sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void
sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	b->err = 0;
}

int
sbuf_put_grow(struct sbuf *b, const void *data, size_t len)
{
	size_t cap = b->cap ? b->cap : 4096;
	uint8_t *np;

	if (b->err)
		return b->err;
	while (cap < b->len + len)
		cap *= 2;
	np = realloc(b->p, cap);
	if (np == NULL) {
		b->err = -ENOMEM;
		return b->err;
	}
	b->p = np;
	b->cap = cap;
	return sbuf_put(b, data, len);
}

/*
 * A 64-bit multiply-xorshift checksum, 8 bytes per step, folded to 32
 * bits: detects torn and corrupted records; needs no table (so no shared
 * state between the daemon and its snapshot thread).
 */
uint32_t
stream_sum(uint32_t seed, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ seed ^ ((uint64_t)len << 32);
	uint64_t w;

	while (len >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
		h ^= h >> 31;
		p += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, p, len);
	h = (h ^ w ^ 0xff) * 0x94D049BB133111EBULL;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ULL;
	h ^= h >> 32;
	return (uint32_t)h;
}

void
stream_preamble(struct sbuf *b, uint32_t version)
{
	uint8_t pre[16] = "xenstore";

	pre[8] = (uint8_t)(version >> 24);
	pre[9] = (uint8_t)(version >> 16);
	pre[10] = (uint8_t)(version >> 8);
	pre[11] = (uint8_t)version;
	/* flags: bit 0 clear = little-endian */
	sbuf_put(b, pre, sizeof(pre));
}

size_t
stream_begin(struct sbuf *b, uint32_t type)
{
	uint32_t hdr[2] = { type, 0 };
	size_t at = b->len;

	sbuf_put(b, hdr, sizeof(hdr));
	return at;
}

void
stream_end(struct sbuf *b, size_t rec)
{
	static const uint8_t zero[8];
	uint32_t len;

	if (b->err)
		return;
	sbuf_put(b, zero, (8 - (b->len - rec) % 8) % 8);
	if (b->err)
		return;
	len = (uint32_t)(b->len - rec - 8);
	memcpy(b->p + rec + 4, &len, 4);
}

static const char letters[] = "nrwb";

void
stream_perms(struct sbuf *b, const struct trie_perm *p, size_t np)
{
	size_t i;

	for (i = 0; i < np; i++) {
		uint8_t e[4] = { (uint8_t)letters[p[i].mode & 3],
		    (uint8_t)(p[i].flags & PERM_F_STALE), 0, 0 };

		memcpy(e + 2, &p[i].id, 2);
		sbuf_put(b, e, 4);
	}
}

void
stream_node(struct sbuf *b, const char *path, size_t pathlen,
    const void *val, size_t vlen, const struct trie_perm *p, size_t np)
{
	size_t rec = stream_begin(b, REC_NODE);
	static const uint8_t nul;

	stream_u32(b, 0);			/* conn_id: committed */
	stream_u32(b, 0);			/* ta_id */
	stream_u16(b, (uint16_t)(pathlen + 1));
	stream_u16(b, (uint16_t)vlen);
	stream_u16(b, 0);			/* ta_access */
	stream_u16(b, (uint16_t)np);
	stream_perms(b, p, np);
	sbuf_put(b, path, pathlen);
	sbuf_put(b, &nul, 1);
	sbuf_put(b, val, vlen);
	stream_end(b, rec);
}

void
stream_checksum(struct sbuf *b)
{
	uint32_t crc = b->err ? 0 : stream_sum(0, b->p, b->len);
	size_t rec = stream_begin(b, REC_PX_CHECKSUM);

	stream_u32(b, crc);
	stream_end(b, rec);
}

int
stream_open(struct stream_reader *r, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t flags;

	if (len < 16 || memcmp(p, "xenstore", 8) != 0)
		return -EINVAL;
	r->version = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
	    (uint32_t)p[10] << 8 | p[11];
	memcpy(&flags, p + 12, 4);
	if (flags != 0 || r->version < 1 || r->version > STREAM_VERSION)
		return -EINVAL;
	r->p = p;
	r->len = len;
	r->off = 16;
	return 0;
}

int
stream_next(struct stream_reader *r, struct stream_rec *rec)
{
	uint32_t hdr[2];

	if (r->off == r->len)
		return 0;
	if (r->len - r->off < 8)
		return -EIO;
	memcpy(hdr, r->p + r->off, 8);
	if (hdr[1] > r->len - r->off - 8)
		return -EIO;
	rec->type = hdr[0];
	rec->len = hdr[1];
	rec->body = r->p + r->off + 8;
	r->off += 8 + (size_t)hdr[1];
	return 1;
}

bool
cur_bytes(struct cursor *c, size_t n, const uint8_t **out)
{
	if (n > c->len - c->off)
		return false;
	*out = c->p + c->off;
	c->off += n;
	return true;
}

bool
cur_u16(struct cursor *c, uint16_t *v)
{
	const uint8_t *p;

	if (!cur_bytes(c, 2, &p))
		return false;
	memcpy(v, p, 2);
	return true;
}

bool
cur_u32(struct cursor *c, uint32_t *v)
{
	const uint8_t *p;

	if (!cur_bytes(c, 4, &p))
		return false;
	memcpy(v, p, 4);
	return true;
}

bool
cur_u64(struct cursor *c, uint64_t *v)
{
	const uint8_t *p;

	if (!cur_bytes(c, 8, &p))
		return false;
	memcpy(v, p, 8);
	return true;
}

bool
cur_strn(struct cursor *c, size_t n, const char **out)
{
	const uint8_t *p;

	if (n == 0 || !cur_bytes(c, n, &p) || p[n - 1] != '\0' ||
	    memchr(p, '\0', n - 1) != NULL)
		return false;
	*out = (const char *)p;
	return true;
}

bool
cur_str(struct cursor *c, const char **out)
{
	const uint8_t *p = c->p + c->off;
	const uint8_t *nul = memchr(p, '\0', c->len - c->off);

	if (nul == NULL)
		return false;
	*out = (const char *)p;
	c->off += (size_t)(nul - p) + 1;
	return true;
}

void
stream_perm_at(const uint8_t *raw, size_t i, struct trie_perm *p)
{
	const uint8_t *e = raw + 4 * i;
	const char *l = memchr(letters, e[0], 4);

	p->mode = l && e[0] ? (uint8_t)(l - letters) : 0;	/* else 'n' */
	p->flags = e[1] & PERM_F_STALE;
	memcpy(&p->id, e + 2, 2);
}

int
stream_read_node(const struct stream_rec *rec, struct stream_node *n)
{
	struct cursor c;
	uint16_t plen, dlen, np;

	cursor_init(&c, rec);
	if (!cur_u32(&c, &n->conn_id) || !cur_u32(&c, &n->ta_id) ||
	    !cur_u16(&c, &plen) || !cur_u16(&c, &dlen) ||
	    !cur_u16(&c, &n->access) || !cur_u16(&c, &np) ||
	    !cur_bytes(&c, 4 * (size_t)np, &n->rawperms) ||
	    !cur_strn(&c, plen, &n->path) || !cur_bytes(&c, dlen, &n->val))
		return -EIO;
	n->vlen = dlen;
	n->np = np;
	return 0;
}
