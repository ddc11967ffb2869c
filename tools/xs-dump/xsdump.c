/*
 * xsdump.c: see xsdump.h.  The record primitives (bounded cursors, the
 * journal record decoder, the checksum) are the daemon's own (stream.c,
 * journal.c); the structure checks here are written independently of the
 * daemon's reader: pre-order and uniqueness of the tree, checksums of the
 * snapshot and of every journal batch, which records may appear where,
 * and whether a damaged journal tail is a torn last write or damage in
 * the middle of the file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "quota.h"
#include "stream.h"
#include "xsdump.h"

#define PATH_LIMIT 4096		/* bytes of a path without its NUL */
#define DOMID_LIMIT 0x7FF0	/* DOMID_FIRST_RESERVED */
#define TAIL_CANDIDATES 64	/* batch ends tried after a damaged record */
#define J_INHERIT (-1)		/* TRIE_INHERIT */

struct pset_ent {
	uint64_t h;
	const char *p;
	size_t len;
};

/* The paths seen so far (duplicate detection); borrows the input. */
struct pset {
	struct pset_ent *e;
	size_t n, cap;
};

struct ctx {
	const uint8_t *data;
	size_t len;
	const struct xsdump_opts *o;
	FILE *out;
	struct xsdump_result *res;
	/* pre-order check: the last node's path and its ancestors' lengths */
	char *cur;
	size_t curlen, curcap;
	size_t *stk;
	size_t depth, stkcap;
	bool have_root;
	struct pset set;
	bool oom;
};

const char *
xsdump_kind_name(enum xsdump_kind k)
{
	switch (k) {
	case XSD_SNAPSHOT:
		return "snapshot";
	case XSD_JOURNAL:
		return "journal";
	case XSD_STREAM:
		return "live-update stream";
	default:
		return "unknown";
	}
}

static void
out(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
out(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->o->print || c->out == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
}

/* Record the first problem; always returns 1 (corrupt). */
static int
bad(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
bad(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->res->corrupt) {
		c->res->corrupt = true;
		va_start(ap, fmt);
		vsnprintf(c->res->why, sizeof(c->res->why), fmt, ap);
		va_end(ap);
	}
	return 1;
}

static size_t
off_of(const struct ctx *c, const struct stream_rec *rec)
{
	return (size_t)(rec->body - 8 - c->data);
}

/* A value as xenstore-ls prints it: escapes for the unprintable. */
static void
out_value(struct ctx *c, const uint8_t *v, size_t n)
{
	size_t i;

	if (!c->o->print || c->out == NULL)
		return;
	for (i = 0; i < n; i++) {
		uint8_t ch = v[i];

		switch (ch) {
		case '\t':
			fputs("\\t", c->out);
			break;
		case '\n':
			fputs("\\n", c->out);
			break;
		case '\r':
			fputs("\\r", c->out);
			break;
		case '\\':
			fputs("\\\\", c->out);
			break;
		case '"':
			fputs("\\\"", c->out);
			break;
		default:
			if (ch < ' ' || ch >= 127)
				fprintf(c->out, "\\%03o", ch);
			else
				fputc(ch, c->out);
		}
	}
}

static void
out_str(struct ctx *c, const char *s)
{
	out_value(c, (const uint8_t *)s, strlen(s));
}

/* "n0,r1,w2!" (a '!' marks a stale entry).  False if an entry is bad. */
static bool
perms_ok(const uint8_t *raw, size_t np)
{
	size_t i;

	for (i = 0; i < np; i++) {
		const uint8_t *e = raw + 4 * i;

		if (memchr("nrwb", e[0], 4) == NULL || e[0] == 0 ||
		    (e[1] & ~1u) != 0)
			return false;
	}
	return true;
}

static void
out_perms(struct ctx *c, const uint8_t *raw, size_t np)
{
	size_t i;

	out(c, "(");
	for (i = 0; i < np; i++) {
		const uint8_t *e = raw + 4 * i;
		uint16_t id;
		char l = memchr("nrwb", e[0], 4) && e[0] ? (char)e[0] : '?';

		memcpy(&id, e + 2, 2);
		out(c, "%s%c%u%s", i ? "," : "", l, id, e[1] & 1 ? "!" : "");
	}
	out(c, ")");
}

/* A canonical absolute path ("/", "/a/b"): no "//", no trailing '/'. */
static bool
path_ok(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || len > PATH_LIMIT || p[0] != '/')
		return false;
	if (len == 1)
		return true;
	if (p[len - 1] == '/')
		return false;
	for (i = 1; i < len; i++)
		if (p[i] == '/' && p[i - 1] == '/')
			return false;
	return true;
}

static bool
special_ok(const char *p)
{
	return strcmp(p, "@introduceDomain") == 0 ||
	    strcmp(p, "@releaseDomain") == 0;
}

/* --- the set of paths -------------------------------------------------- */

static uint64_t
phash(const char *p, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)p[i];
		h *= 1099511628211ULL;
	}
	return h | 1;	/* 0 marks a free slot */
}

static int
pset_grow(struct pset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024, i;
	struct pset_ent *e = calloc(cap, sizeof(*e));

	if (e == NULL)
		return -ENOMEM;
	for (i = 0; i < s->cap; i++) {
		size_t j;

		if (s->e[i].h == 0)
			continue;
		for (j = s->e[i].h & (cap - 1); e[j].h != 0; j = (j + 1) &
		    (cap - 1))
			;
		e[j] = s->e[i];
	}
	free(s->e);
	s->e = e;
	s->cap = cap;
	return 0;
}

/* 1 if already there, 0 if added, -ENOMEM. */
static int
pset_add(struct pset *s, const char *p, size_t len)
{
	uint64_t h = phash(p, len);
	size_t j;

	if (2 * (s->n + 1) > s->cap && pset_grow(s) < 0)
		return -ENOMEM;
	for (j = h & (s->cap - 1); s->e[j].h != 0; j = (j + 1) &
	    (s->cap - 1))
		if (s->e[j].h == h && s->e[j].len == len &&
		    memcmp(s->e[j].p, p, len) == 0)
			return 1;
	s->e[j].h = h;
	s->e[j].p = p;
	s->e[j].len = len;
	s->n++;
	return 0;
}

/* --- pre-order ------------------------------------------------------- */

static int
reserve(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *np;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	np = realloc(*p, n * size);
	if (np == NULL)
		return -ENOMEM;
	*p = np;
	*cap = n;
	return 0;
}

/*
 * The tree's nodes must come parents first, children after their parent
 * and its earlier children's subtrees (the builder's rule), once each.
 */
static int
preorder(struct ctx *c, const struct stream_rec *rec, const char *path)
{
	size_t len = strlen(path), pl, i;
	int rc;

	if (!path_ok(path, len))
		return bad(c, "node at offset %zu: bad path \"%.200s\"",
		    off_of(c, rec), path);
	rc = pset_add(&c->set, path, len);
	if (rc < 0) {
		c->oom = true;
		return -ENOMEM;
	}
	if (rc > 0)
		return bad(c, "node at offset %zu: %.200s appears twice",
		    off_of(c, rec), path);
	if (!c->have_root) {
		if (len != 1)
			return bad(c, "node at offset %zu: the first node is "
			    "%.200s, not /", off_of(c, rec), path);
		c->have_root = true;
	} else {
		if (len == 1)
			return bad(c, "node at offset %zu: / appears again",
			    off_of(c, rec));
		for (pl = len - 1; path[pl] != '/'; pl--)
			;
		if (pl == 0)
			pl = 1;	/* the parent is "/" */
		for (i = c->depth; i > 0; i--)
			if (c->stk[i - 1] == pl)
				break;
		if (i == 0 || memcmp(c->cur, path, pl) != 0)
			return bad(c, "node at offset %zu: %.200s is out of "
			    "pre-order (its parent is not the previous node "
			    "or one of its ancestors)", off_of(c, rec), path);
		c->depth = i;
	}
	if (reserve((void **)&c->cur, &c->curcap, len + 1, 1) < 0 ||
	    reserve((void **)&c->stk, &c->stkcap, c->depth + 1,
	    sizeof(size_t)) < 0) {
		c->oom = true;
		return -ENOMEM;
	}
	memcpy(c->cur, path, len + 1);
	c->curlen = len;
	c->stk[c->depth++] = len;
	return 0;
}

/* --- journal records (also the snapshot's small state) ---------------- */

static const char *
jname(uint32_t type)
{
	static const char *const names[] = {
		"write", "mkdir", "rm", "perms", "introduce", "release",
		"target", "features", "quota", "watch", "unwatch", "reset",
		"transaction-open", "transaction-close", "ring", "shutdown",
		"batch", "forget", "ring-delta",
	};

	if (type >= REC_PX_J_WRITE && type <= REC_PX_J_RING_DELTA)
		return names[type - REC_PX_J_WRITE];
	return "?";
}

/*
 * Messages in a ring's saved output; the first has `head` bytes left to
 * send (0: the output starts on a message boundary).  *partial: the first
 * was partly sent already.
 */
static size_t
count_msgs(const uint8_t *p, size_t len, size_t head, bool *whole,
    bool *partial)
{
	size_t off = head < len ? head : len, n = head ? 1 : 0;
	uint32_t l;

	*partial = false;
	if (head != 0) {
		if (len >= 16)
			memcpy(&l, p + 12, 4);
		*partial = len < 16 || (size_t)l + 16 != head;
	}
	while (off + 16 <= len) {
		memcpy(&l, p + off + 12, 4);
		if (l > 4096) {
			*whole = false;
			return n;
		}
		off += 16 + (size_t)l;
		n++;
	}
	*whole = off == len;
	return n;
}

static void
print_jrec(struct ctx *c, const struct jrec *j)
{
	switch (j->type) {
	case REC_PX_J_WRITE:
		out(c, "write %s = \"", j->path);
		out_value(c, j->val, j->vlen);
		if (j->creator == J_INHERIT)
			out(c, "\" (creator inherits)\n");
		else
			out(c, "\" (creator %d)\n", j->creator);
		break;
	case REC_PX_J_MKDIR:
		out(c, "mkdir %s", j->path);
		if (j->creator == J_INHERIT)
			out(c, " (creator inherits)\n");
		else
			out(c, " (creator %d)\n", j->creator);
		break;
	case REC_PX_J_RM:
		out(c, "rm %s\n", j->path);
		break;
	case REC_PX_J_PERMS:
		out(c, "perms %s ", j->path);
		out_perms(c, j->rawperms, j->np);
		out(c, "\n");
		break;
	case REC_PX_J_INTRODUCE:
		out(c, "introduce domain %" PRIu32 ": port %" PRIu32 ", gfn "
		    "%#" PRIx64 ", features %#" PRIx32 "%s\n", j->domid, j->port,
		    j->gfn, j->features, j->flags & 1 ? ", ring from xsd_kva" :
		    "");
		break;
	case REC_PX_J_RELEASE:
		out(c, "release domain %" PRIu32 "\n", j->domid);
		break;
	case REC_PX_J_RESET:
		out(c, "reset domain %" PRIu32 " (its watches and transactions "
		    "dropped)\n", j->domid);
		break;
	case REC_PX_J_FORGET:
		out(c, "forget domain %" PRIu32 " (gone; no longer counted)\n",
		    j->domid);
		break;
	case REC_PX_J_SHUTDOWN:
		out(c, "shutdown domain %" PRIu32 ": @releaseDomain %s\n",
		    j->domid, j->v ? "fired" : "rearmed");
		break;
	case REC_PX_J_TARGET:
		out(c, "target domain %" PRIu32 " -> %" PRIu32 "\n", j->domid,
		    j->v);
		break;
	case REC_PX_J_FEATURES:
		out(c, "features domain %" PRIu32 " = %#" PRIx32 "\n", j->domid,
		    j->v);
		break;
	case REC_PX_J_QUOTA:
		if (j->domid == J_GLOBAL_QUOTA)
			out(c, "quota global ");
		else
			out(c, "quota domain %" PRIu32 " ", j->domid);
		if (j->id < Q_COUNT)
			out(c, "%s%s = %" PRIu32 "\n", j->soft ? "soft-" : "",
			    quota_name((enum quota_id)j->id), j->value);
		else
			out(c, "#%" PRIu32 "%s = %" PRIu32 " (unknown, "
			    "ignored)\n", j->id, j->soft ? " soft" : "",
			    j->value);
		break;
	case REC_PX_J_WATCH:
		out(c, "watch domain %" PRIu32 ": \"", j->domid);
		out_str(c, j->path);
		out(c, "\" token \"");
		out_str(c, j->token);
		if (j->depth >= 0)
			out(c, "\" depth %d%s\n", j->depth, j->v ?
			    " (relative)" : "");
		else
			out(c, "\"%s\n", j->v ? " (relative)" : "");
		break;
	case REC_PX_J_UNWATCH:
		out(c, "unwatch domain %" PRIu32 ": \"", j->domid);
		out_str(c, j->path);
		out(c, "\" token \"");
		out_str(c, j->token);
		out(c, "\"\n");
		break;
	case REC_PX_J_TXN_OPEN:
	case REC_PX_J_TXN_CLOSE:
		out(c, "transaction %" PRIu32 " of domain %" PRIu32 " %s\n",
		    j->v, j->domid, j->type == REC_PX_J_TXN_OPEN ? "open" :
		    "ended");
		break;
	case REC_PX_J_RING_SYNC: {
		bool whole, partial;
		size_t n = count_msgs(j->out, j->outlen, j->head_rest, &whole,
		    &partial);

		out(c, "ring of domain %" PRIu32 ": requests handled up to "
		    "%" PRIu32 ", response producer %" PRIu32 "%s", j->domid,
		    j->req_cons, j->rsp_off, j->flags & J_RING_QUARANTINED ?
		    ", quarantined" : "");
		if (j->error)
			out(c, ", error %" PRIu32, j->error);
		out(c, ", %zu input bytes pending, %zu output bytes (%zu "
		    "messages%s%s)\n", j->inlen, j->outlen, n, partial ?
		    ", the first partly sent" : "", whole ? "" :
		    ", garbled");
		break;
	}
	case REC_PX_J_RING_DELTA:
		out(c, "ring of domain %" PRIu32 ": requests handled up to "
		    "%" PRIu32 ", response producer %" PRIu32 "%s", j->domid,
		    j->req_cons, j->rsp_off, j->flags & J_RING_QUARANTINED ?
		    ", quarantined" : "");
		if (j->error)
			out(c, ", error %" PRIu32, j->error);
		out(c, "; since the last record: input -%" PRIu32 " +%zu "
		    "bytes, output -%" PRIu32 " +%zu bytes\n", j->in_drop,
		    j->inlen, j->out_drop, j->outlen);
		break;
	default:
		out(c, "record type %#" PRIx32 " (unknown, skipped)\n",
		    j->type);
		break;
	}
}

/*
 * Checks of a decoded journal record beyond its framing.  `snapshot`:
 * only the kinds a snapshot's small state holds are allowed.
 */
static const char *
jrec_problem(const struct jrec *j, bool snapshot)
{
	switch (j->type) {
	case REC_PX_J_WRITE:
	case REC_PX_J_MKDIR:
	case REC_PX_J_RM:
		if (snapshot)
			return "a tree change in a snapshot";
		if (!path_ok(j->path, strlen(j->path)))
			return "bad path";
		if (j->type == REC_PX_J_RM && strcmp(j->path, "/") == 0)
			return "removal of /";
		if (j->type != REC_PX_J_RM && j->creator != J_INHERIT &&
		    (j->creator < 0 || j->creator >= DOMID_LIMIT))
			return "bad creator";
		return NULL;
	case REC_PX_J_PERMS:
		if (!perms_ok(j->rawperms, j->np))
			return "bad permission entry";
		if (special_ok(j->path))
			return NULL;
		if (snapshot)
			return "a tree change in a snapshot";
		return path_ok(j->path, strlen(j->path)) ? NULL : "bad path";
	case REC_PX_J_INTRODUCE:
	case REC_PX_J_RELEASE:
	case REC_PX_J_RESET:
	case REC_PX_J_FORGET:
	case REC_PX_J_SHUTDOWN:
	case REC_PX_J_TARGET:
	case REC_PX_J_FEATURES:
	case REC_PX_J_WATCH:
	case REC_PX_J_UNWATCH:
	case REC_PX_J_TXN_OPEN:
	case REC_PX_J_TXN_CLOSE:
	case REC_PX_J_RING_SYNC:
	case REC_PX_J_RING_DELTA:
		if (j->domid >= DOMID_LIMIT)
			return "bad domain id";
		if (snapshot && (j->type == REC_PX_J_RELEASE ||
		    j->type == REC_PX_J_RESET ||
		    j->type == REC_PX_J_FORGET ||
		    j->type == REC_PX_J_RING_DELTA ||
		    j->type == REC_PX_J_UNWATCH ||
		    j->type == REC_PX_J_TXN_CLOSE))
			return "a change record in a snapshot";
		if (j->type == REC_PX_J_TARGET && j->v >= DOMID_LIMIT)
			return "bad target domain";
		if ((j->type == REC_PX_J_WATCH ||
		    j->type == REC_PX_J_UNWATCH) && (j->path[0] == '\0' ||
		    strlen(j->path) > PATH_LIMIT))
			return "bad watch path";
		if (j->type == REC_PX_J_WATCH && j->depth < -1)
			return "bad watch depth";
		if (j->type == REC_PX_J_TXN_OPEN && j->v == 0)
			return "transaction id 0";
		return NULL;
	case REC_PX_J_QUOTA:
		if (j->domid != J_GLOBAL_QUOTA && j->domid >= DOMID_LIMIT)
			return "bad domain id";
		return NULL;
	default:
		return NULL;
	}
}

/* --- Xen's records ---------------------------------------------------- */

/* DOMAIN_DATA (7): domid, n quotas, features, values, names. */
static int
domain_data(struct ctx *c, const struct stream_rec *rec)
{
	struct cursor k;
	uint16_t domid, nq;
	uint32_t features;
	const uint8_t *vals;
	size_t i;

	cursor_init(&k, rec);
	if (!cur_u16(&k, &domid) || !cur_u16(&k, &nq) ||
	    !cur_u32(&k, &features) || !cur_bytes(&k, 4 * (size_t)nq, &vals))
		return bad(c, "domain record at offset %zu is malformed",
		    off_of(c, rec));
	if (domid >= DOMID_LIMIT)
		return bad(c, "domain record at offset %zu: bad domain id %u",
		    off_of(c, rec), domid);
	out(c, "domain %u: features %#" PRIx32, domid, features);
	for (i = 0; i < nq; i++) {
		const char *name;
		uint32_t v;

		if (!cur_str(&k, &name))
			return bad(c, "domain record at offset %zu: quota "
			    "names missing", off_of(c, rec));
		memcpy(&v, vals + 4 * i, 4);
		out(c, ", %s=%" PRIu32, name, v);
	}
	out(c, "\n");
	return 0;
}

/* GLOBAL_QUOTA_DATA (6). */
static int
global_quota(struct ctx *c, const struct stream_rec *rec)
{
	struct cursor k;
	uint16_t nd, ng;
	const uint8_t *vals;
	size_t i;

	cursor_init(&k, rec);
	if (!cur_u16(&k, &nd) || !cur_u16(&k, &ng) ||
	    !cur_bytes(&k, 4 * ((size_t)nd + ng), &vals))
		return bad(c, "global quota record at offset %zu is "
		    "malformed", off_of(c, rec));
	out(c, "global quotas:");
	for (i = 0; i < (size_t)nd + ng; i++) {
		const char *name;
		uint32_t v;

		if (!cur_str(&k, &name))
			return bad(c, "global quota record at offset %zu: "
			    "names missing", off_of(c, rec));
		memcpy(&v, vals + 4 * i, 4);
		out(c, " %s=%" PRIu32 "%s", name, v, i >= nd ? " (global)" :
		    "");
	}
	out(c, "\n");
	return 0;
}

static int
connection(struct ctx *c, const struct stream_rec *rec)
{
	struct cursor k;
	uint32_t id, ts2, outlen;
	uint16_t type, fields, ts0, ts1, inlen, resplen;
	const uint8_t *in, *o;

	cursor_init(&k, rec);
	if (!cur_u32(&k, &id) || !cur_u16(&k, &type) ||
	    !cur_u16(&k, &fields) || !cur_u16(&k, &ts0) ||
	    !cur_u16(&k, &ts1) || !cur_u32(&k, &ts2) ||
	    !cur_u16(&k, &inlen) || !cur_u16(&k, &resplen) ||
	    !cur_u32(&k, &outlen) || !cur_bytes(&k, inlen, &in) ||
	    !cur_bytes(&k, outlen, &o) || resplen > outlen)
		return bad(c, "connection record at offset %zu is malformed",
		    off_of(c, rec));
	(void)in;
	if (id == 0)
		return bad(c, "connection record at offset %zu: id 0",
		    off_of(c, rec));
	if (type == CONN_TYPE_RING && ts1 == DOMID_INVALID_WIRE)
		out(c, "connection %" PRIu32 ": ring of domain %u, local port "
		    "%" PRIu32, id, ts0, ts2);
	else if (type == CONN_TYPE_RING)
		out(c, "connection %" PRIu32 ": ring of domain %u, target %u,"
		    " local port %" PRIu32, id, ts0, ts1, ts2);
	else if (type == CONN_TYPE_SOCKET)
		out(c, "connection %" PRIu32 ": socket fd %d", id,
		    (int)((uint32_t)ts0 | (uint32_t)ts1 << 16));
	else
		return bad(c, "connection record at offset %zu: type %u",
		    off_of(c, rec), type);
	out(c, ", %u input bytes, %" PRIu32 " output bytes (%u of a partly "
	    "sent reply)\n", inlen, outlen, resplen);
	if (fields & 1) {
		uint64_t uid;

		k.off = (k.off + 7) & ~(size_t)7;
		if (!cur_u64(&k, &uid))
			return bad(c, "connection record at offset %zu: "
			    "unique id missing", off_of(c, rec));
		out(c, "  unique id %#" PRIx64 "\n", uid);
	}
	return 0;
}

static int
watch_rec(struct ctx *c, const struct stream_rec *rec, bool ext)
{
	struct cursor k;
	uint32_t id;
	uint16_t pl, tl, depth = 0xFFFF, pad;
	const char *path, *token;

	cursor_init(&k, rec);
	if (!cur_u32(&k, &id) || !cur_u16(&k, &pl) || !cur_u16(&k, &tl) ||
	    (ext && (!cur_u16(&k, &depth) || !cur_u16(&k, &pad))) ||
	    !cur_strn(&k, pl, &path) || !cur_strn(&k, tl, &token))
		return bad(c, "watch record at offset %zu is malformed",
		    off_of(c, rec));
	out(c, "watch of connection %" PRIu32 ": \"", id);
	out_str(c, path);
	out(c, "\" token \"");
	out_str(c, token);
	if (depth != 0xFFFF)
		out(c, "\" depth %u\n", depth);
	else
		out(c, "\"\n");
	return 0;
}

/* --- the tree ------------------------------------------------------- */

static void
print_node(struct ctx *c, const struct stream_node *n)
{
	const char *name = n->path;
	size_t depth = 0, col, i;

	if (!c->o->print || c->out == NULL)
		return;
	if (n->path[0] == '/' && n->path[1] != '\0' && !c->o->full_paths) {
		for (i = 1; n->path[i]; i++)
			if (n->path[i] == '/')
				depth++;
		name = strrchr(n->path, '/') + 1;
	}
	for (i = 0; i < depth; i++)
		fputc(' ', c->out);
	col = depth + strlen(name) + 4 + n->vlen;
	fprintf(c->out, "%s = \"", name);
	out_value(c, n->val, n->vlen);
	fputc('"', c->out);
	/* xenstore-ls -p pads to a column with dots */
	for (; col < 72; col += 2)
		fputs(" .", c->out);
	fputs("  ", c->out);
	out_perms(c, n->rawperms, n->np);
	if (n->conn_id != 0)
		fprintf(c->out, " [transaction %" PRIu32 " of connection %"
		    PRIu32 ", access %#x]", n->ta_id, n->conn_id, n->access);
	fputc('\n', c->out);
}

static int
node_rec(struct ctx *c, const struct stream_rec *rec, bool snapshot)
{
	struct stream_node n;
	int rc;

	if (stream_read_node(rec, &n) < 0)
		return bad(c, "node record at offset %zu is malformed",
		    off_of(c, rec));
	c->res->nodes++;
	if (n.path[0] == '@') {
		if (!special_ok(n.path))
			return bad(c, "node record at offset %zu: unknown "
			    "special path %.100s", off_of(c, rec), n.path);
		if (n.np == 0 || !perms_ok(n.rawperms, n.np))
			return bad(c, "node record at offset %zu: bad "
			    "permissions", off_of(c, rec));
		print_node(c, &n);
		return 0;
	}
	if (n.conn_id != 0) {
		if (snapshot)
			return bad(c, "node record at offset %zu: a "
			    "transaction's node in a snapshot",
			    off_of(c, rec));
		if (!path_ok(n.path, strlen(n.path)))
			return bad(c, "node record at offset %zu: bad path",
			    off_of(c, rec));
		print_node(c, &n);
		return 0;
	}
	if (n.np == 0 || !perms_ok(n.rawperms, n.np))
		return bad(c, "node %.200s at offset %zu: bad permissions",
		    n.path, off_of(c, rec));
	rc = preorder(c, rec, n.path);
	if (rc != 0)
		return rc;
	print_node(c, &n);
	return 0;
}

/* --- snapshots and streams --------------------------------------------- */

/* Find END and the checksum; check the checksum. */
static int
check_frame(struct ctx *c, bool need_sum)
{
	struct stream_reader sr;
	struct stream_rec rec;
	bool summed = false;
	int rc;

	if (stream_open(&sr, c->data, c->len) < 0)
		return bad(c, "not a state stream (bad preamble)");
	while ((rc = stream_next(&sr, &rec)) == 1) {
		size_t at = off_of(c, &rec);

		if (rec.type == REC_PX_CHECKSUM) {
			struct cursor k;
			uint32_t want, got = stream_sum(0, c->data, at);

			cursor_init(&k, &rec);
			if (!cur_u32(&k, &want))
				return bad(c, "checksum record at offset %zu "
				    "is malformed", at);
			if (got != want)
				return bad(c, "checksum mismatch at offset "
				    "%zu: recorded %#" PRIx32 ", computed %#"
				    PRIx32, at, want, got);
			summed = true;
		} else if (rec.type == REC_END) {
			if (rec.len != 0)
				return bad(c, "END record at offset %zu has "
				    "a body", at);
			if (sr.off != sr.len)
				return bad(c, "%zu bytes after the END record",
				    sr.len - sr.off);
			if (need_sum && !summed)
				return bad(c, "no checksum record");
			return 0;
		} else if (summed && need_sum) {
			return bad(c, "record at offset %zu after the "
			    "checksum", at);
		}
	}
	if (rc < 0)
		return bad(c, "truncated: the record at offset %zu runs past "
		    "the end (%zu bytes)", sr.off, sr.len);
	return bad(c, "truncated: no END record");
}

static int
snapshot(struct ctx *c, bool lu)
{
	struct stream_reader sr;
	struct stream_rec rec;
	bool first = true, tree = false;
	int rc;

	rc = check_frame(c, !lu);
	if (rc != 0)
		return rc;
	stream_open(&sr, c->data, c->len);
	out(c, "# %s, format version %" PRIu32 ", %zu bytes\n",
	    xsdump_kind_name(c->res->kind), sr.version, c->len);
	while (stream_next(&sr, &rec) == 1 && rec.type != REC_END) {
		struct jrec j;
		const char *why;

		c->res->records++;
		if (rec.type == REC_PX_META) {
			struct cursor k;

			cursor_init(&k, &rec);
			if (!first || c->res->has_gen ||
			    !cur_u64(&k, &c->res->gen))
				return bad(c, "misplaced or malformed "
				    "generation record at offset %zu",
				    off_of(c, &rec));
			c->res->has_gen = true;
			out(c, "# generation %" PRIu64 "\n", c->res->gen);
			first = false;
			continue;
		}
		if (first && !lu)
			return bad(c, "the first record is not the "
			    "generation");
		first = false;
		switch (rec.type) {
		case REC_NODE:
			if (!tree) {
				out(c, "# tree\n");
				tree = true;
			}
			rc = node_rec(c, &rec, !lu);
			break;
		case REC_DOMAIN:
			rc = domain_data(c, &rec);
			break;
		case REC_GLOBAL_QUOTA:
			rc = global_quota(c, &rec);
			break;
		case REC_GLOBAL: {
			struct cursor k;
			uint32_t s, e;

			cursor_init(&k, &rec);
			if (!cur_u32(&k, &s) || !cur_u32(&k, &e))
				return bad(c, "global record at offset %zu is "
				    "malformed", off_of(c, &rec));
			out(c, "global: socket fd %d, event channel fd %d\n",
			    (int)s, (int)e);
			rc = 0;
			break;
		}
		case REC_CONNECTION:
			rc = connection(c, &rec);
			break;
		case REC_WATCH:
		case REC_WATCH_EXT:
			rc = watch_rec(c, &rec, rec.type == REC_WATCH_EXT);
			break;
		case REC_TRANSACTION: {
			struct cursor k;
			uint32_t id, tx;

			cursor_init(&k, &rec);
			if (!cur_u32(&k, &id) || !cur_u32(&k, &tx))
				return bad(c, "transaction record at offset "
				    "%zu is malformed", off_of(c, &rec));
			out(c, "transaction %" PRIu32 " of connection %" PRIu32
			    "\n", tx, id);
			rc = 0;
			break;
		}
		case REC_PX_CHECKSUM: {
			struct cursor k;
			uint32_t v = 0;

			cursor_init(&k, &rec);
			(void)cur_u32(&k, &v);
			out(c, "# checksum %#" PRIx32 " ok\n", v);
			rc = 0;
			break;
		}
		case REC_PX_J_BATCH:
			return bad(c, "a journal batch end in a %s at offset "
			    "%zu", xsdump_kind_name(c->res->kind),
			    off_of(c, &rec));
		default:
			rc = j_decode(&rec, &j);
			if (rc < 0)
				return bad(c, "%s record at offset %zu is "
				    "malformed", jname(rec.type),
				    off_of(c, &rec));
			if (rc == 0 && (why = jrec_problem(&j, !lu)) != NULL)
				return bad(c, "%s record at offset %zu: %s",
				    jname(rec.type), off_of(c, &rec), why);
			if (tree && rc == 0 && !lu)
				out(c, "# (state record inside the tree)\n");
			print_jrec(c, &j);
			rc = 0;
			break;
		}
		if (rc != 0)
			return rc;
	}
	if (!lu && !c->have_root)
		return bad(c, "no tree (no node /)");
	out(c, "# %zu nodes\n", c->res->nodes);
	return 0;
}

/* --- journals ------------------------------------------------------ */

/*
 * Scan one batch from `start`: 1 with *end just past its BATCH record if
 * it is complete and its checksum right, 0 if it is not, with *why.
 * *reached: how far the records parsed.
 */
static int
scan_batch(struct ctx *c, size_t start, size_t *end, size_t *nrec,
    const char **why, size_t *reached)
{
	struct stream_reader sr;
	struct stream_rec rec;
	const char *problem = NULL;
	size_t n = 0;
	int rc;

	sr.p = c->data;
	sr.len = c->len;
	sr.off = start;
	sr.version = STREAM_VERSION;
	*why = "the batch has no end";
	for (;;) {
		struct jrec j;
		size_t at = sr.off;

		rc = stream_next(&sr, &rec);
		*reached = sr.off;
		if (rc == 0)
			return 0;
		if (rc < 0) {
			*reached = at;
			*why = "a record runs past the end of the file";
			return 0;
		}
		if (rec.type == REC_PX_J_BATCH) {
			uint32_t sum = stream_sum(0, c->data + start,
			    at - start);

			if (j_decode(&rec, &j) < 0 || rec.len != 8) {
				*why = "malformed batch end";
				return 0;
			}
			if (sum != j.sum) {
				*why = "checksum mismatch";
				return 0;
			}
			if (n == 0) {
				*why = "an empty batch";
				return 0;
			}
			if (problem != NULL) {
				*why = problem;
				return -1;	/* right sum, bad contents */
			}
			*end = sr.off;
			*nrec = n;
			return 1;
		}
		n++;
		rc = j_decode(&rec, &j);
		if (problem == NULL && rc < 0)
			problem = "a malformed record";
		else if (problem == NULL && rc > 0 &&
		    (rec.type == REC_NODE || rec.type == REC_PX_META ||
		    rec.type == REC_PX_CHECKSUM || rec.type == REC_END))
			problem = "a record that has no place in a journal";
		else if (problem == NULL && rc == 0 &&
		    jrec_problem(&j, false) != NULL)
			problem = jrec_problem(&j, false);
	}
}

/*
 * After damage at `from`: is there a complete, valid batch later in the
 * file?  Then the damage is not a torn last write but corruption in the
 * middle.  Candidates: 8-aligned batch-end headers; the batch after one
 * must check out.  Bounded to TAIL_CANDIDATES candidates.
 */
static bool
valid_batch_after(struct ctx *c, size_t from)
{
	size_t o, tried = 0;

	for (o = (from + 7) & ~(size_t)7; o + 16 <= c->len &&
	    tried < TAIL_CANDIDATES; o += 8) {
		uint32_t h[2];
		size_t end, n, reached;
		const char *why;

		memcpy(h, c->data + o, 8);
		if (h[0] != REC_PX_J_BATCH || h[1] != 8)
			continue;
		tried++;
		if (scan_batch(c, o + 16, &end, &n, &why, &reached) != 0)
			return true;
	}
	return false;
}

static void
print_batch(struct ctx *c, size_t start, size_t end, const char *prefix)
{
	struct stream_reader sr;
	struct stream_rec rec;

	sr.p = c->data;
	sr.len = end;
	sr.off = start;
	sr.version = STREAM_VERSION;
	while (stream_next(&sr, &rec) == 1) {
		struct jrec j;

		if (rec.type == REC_PX_J_BATCH)
			break;
		out(c, "%s", prefix);
		if (j_decode(&rec, &j) == 0)
			print_jrec(c, &j);
		else if (rec.type >= REC_PX_J_WRITE &&
		    rec.type <= REC_PX_J_RING_DELTA)
			out(c, "%s record (malformed)\n", jname(rec.type));
		else
			out(c, "record type %#" PRIx32 " (skipped)\n",
			    rec.type);
	}
}

static int
journal(struct ctx *c)
{
	struct stream_reader sr;
	struct stream_rec rec;
	struct cursor k;
	size_t start;

	if (stream_open(&sr, c->data, c->len) < 0 ||
	    stream_next(&sr, &rec) != 1 || rec.type != REC_PX_META) {
		/* the daemon treats a journal whose header never made it to
		 * the disk as empty */
		if (c->len < 64) {
			c->res->torn = c->len > 0;
			c->res->torn_at = 0;
			c->res->torn_len = c->len;
			snprintf(c->res->why, sizeof(c->res->why), "the "
			    "journal's header is incomplete (%zu bytes): "
			    "it counts as empty", c->len);
			out(c, "# journal, header incomplete (%zu bytes): "
			    "empty\n", c->len);
			return c->o->strict && c->len > 0 ? bad(c, "%s",
			    c->res->why) : 0;
		}
		return bad(c, "not a journal (no generation record)");
	}
	cursor_init(&k, &rec);
	if (!cur_u64(&k, &c->res->gen))
		return bad(c, "malformed generation record");
	c->res->has_gen = true;
	out(c, "# journal, generation %" PRIu64 ", %zu bytes\n", c->res->gen,
	    c->len);
	start = sr.off;
	c->res->good_len = start;
	while (start < c->len) {
		size_t end = 0, n = 0, reached;
		const char *why;
		int rc = scan_batch(c, start, &end, &n, &why, &reached);

		if (rc < 0)
			return bad(c, "batch %zu at offset %zu: %s",
			    c->res->batches + 1, start, why);
		if (rc == 0) {
			if (valid_batch_after(c, start))
				return bad(c, "batch %zu at offset %zu: %s, "
				    "and valid batches follow: the journal is "
				    "damaged in the middle",
				    c->res->batches + 1, start, why);
			c->res->torn = true;
			c->res->torn_at = start;
			c->res->torn_len = c->len - start;
			snprintf(c->res->why, sizeof(c->res->why), "torn "
			    "tail at offset %zu (%zu bytes): %s; recovery "
			    "drops it", start, c->len - start, why);
			out(c, "# %s\n", c->res->why);
			print_batch(c, start, reached, "  (dropped) ");
			return c->o->strict ? bad(c, "%s", c->res->why) : 0;
		}
		c->res->batches++;
		c->res->changes += n;
		c->res->records += n + 1;
		out(c, "batch %zu (offset %zu, %zu records):\n",
		    c->res->batches, start, n);
		print_batch(c, start, end, "  ");
		start = end;
		c->res->good_len = end;
	}
	out(c, "# %zu batches, %zu records\n", c->res->batches,
	    c->res->changes);
	return 0;
}

/* --- entry ---------------------------------------------------------- */

static enum xsdump_kind
detect(const uint8_t *data, size_t len)
{
	struct stream_reader sr;
	struct stream_rec rec;
	int rc, i;

	if (stream_open(&sr, data, len) < 0)
		return len < 64 ? XSD_JOURNAL : XSD_SNAPSHOT;
	rc = stream_next(&sr, &rec);
	if (rc != 1)
		return XSD_JOURNAL;
	if (rec.type != REC_PX_META)
		return XSD_STREAM;
	/* a snapshot's small state comes first: journals have a batch end
	 * soon, snapshots have none */
	for (i = 0; i < 1000000 && (rc = stream_next(&sr, &rec)) == 1; i++) {
		if (rec.type == REC_PX_J_BATCH)
			return XSD_JOURNAL;
		if (rec.type == REC_NODE || rec.type == REC_END ||
		    rec.type == REC_PX_CHECKSUM || rec.type == REC_DOMAIN)
			return XSD_SNAPSHOT;
	}
	return XSD_JOURNAL;
}

int
xsdump_buf(const uint8_t *data, size_t len, const struct xsdump_opts *o,
    FILE *outf, struct xsdump_result *res)
{
	struct ctx c;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	c.data = data;
	c.len = len;
	c.o = o;
	c.out = outf;
	c.res = res;
	res->kind = o->kind == XSD_AUTO ? detect(data, len) : o->kind;
	switch (res->kind) {
	case XSD_JOURNAL:
		rc = journal(&c);
		break;
	case XSD_STREAM:
		rc = snapshot(&c, true);
		break;
	default:
		rc = snapshot(&c, false);
		break;
	}
	free(c.cur);
	free(c.stk);
	free(c.set.e);
	if (c.oom)
		return -ENOMEM;
	return rc != 0 || res->corrupt ? 1 : 0;
}
