/*
 * trie_kmap.c: the child container of large directories.
 *
 * A kmap is two persistent structures, both path-copied on update:
 *
 *   names: a CHAMP hash map (32-way, bitmap-compressed) from the keyed
 *          hash of a child's name to (child node, sequence number).
 *          Lookup and update touch only this map.
 *   order: a radix vector from sequence number to name hash, digits of 5
 *          bits, most significant first, so an in-order walk yields the
 *          children in insertion order.  Only insertions and removals
 *          touch it.
 *
 *      kmap ──names──> [champ bitmap|e e e|sub sub] ─> ...   (<= 7 levels)
 *        └───order───> [ovec bitmap|sub sub] ─> [ovec bitmap|h h h h]
 *
 * A new child takes the next sequence number; when the 32-bit counter
 * runs out the map is rebuilt with numbers 0..n-1.  Recursion here is
 * bounded by the structures' fixed maximum depth (8), never by input.
 * No I/O; all memory through trie__alloc.
 */
#include <errno.h>
#include <stdio.h>

#include "trie_internal.h"

#define BITS 5
#define WIDTH (1u << BITS)
#define MASK (WIDTH - 1)
#define HASH_BITS 32
#define MAX_SHIFT 30		/* ovec: 7 levels cover 2^35 > 2^32 */

struct champ_ent {
	struct trie_node *kid;
	uint32_t hash;
	uint32_t seq;
};

/* A collision node (all 32 hash bits equal) has maps 0 and ncoll > 0. */
struct champ {
	uint32_t refs;
	uint32_t datamap;
	uint32_t nodemap;
	uint32_t ncoll;
	struct champ_ent ent[];	/* then struct champ *sub[] */
};

struct ovec {
	uint32_t refs;
	uint32_t bitmap;
	/* shift > 0: struct ovec *sub[]; shift == 0: uint32_t hash[] */
};

struct kmap {
	uint32_t refs;
	uint32_t next_seq;
	uint32_t count;
	uint32_t shift;		/* level of the order root */
	struct champ *names;
	struct ovec *order;
};

typedef void drop_fn(void *arg, struct trie_node *kid);

/* Drop callback for error paths, where no kid can reach zero. */
static void
drop_none(void *arg, struct trie_node *kid)
{
	(void)arg;
	(void)kid;
	assert(!"a child lost its last reference on an error path");
}

/* ------------------------------------------------------------------ */
/* champ                                                              */

static inline unsigned
popc(uint32_t x)
{
	return (unsigned)__builtin_popcount(x);
}

static inline unsigned
champ_nent(const struct champ *c)
{
	return c->ncoll ? c->ncoll : popc(c->datamap);
}

static inline struct champ **
champ_sub(const struct champ *c)
{
	return (struct champ **)(void *)((char *)(uintptr_t)c +
	    sizeof(*c) + champ_nent(c) * sizeof(struct champ_ent));
}

static inline size_t
champ_size(unsigned nent, unsigned nsub)
{
	return sizeof(struct champ) + nent * sizeof(struct champ_ent) +
	    nsub * sizeof(struct champ *);
}

static struct champ *
champ_alloc(struct trie_ctx *cx, uint32_t datamap, uint32_t nodemap,
    uint32_t ncoll)
{
	unsigned nent = ncoll ? ncoll : popc(datamap);
	struct champ *c = trie__alloc(cx, champ_size(nent, popc(nodemap)));

	if (c == NULL)
		return NULL;
	c->refs = 1;
	c->datamap = datamap;
	c->nodemap = nodemap;
	c->ncoll = ncoll;
	return c;
}

static void
champ_unref(struct trie_ctx *cx, struct champ *c, drop_fn *drop, void *arg)
{
	unsigned i, ne, ns;
	struct champ **sub;

	if (c == NULL || --c->refs > 0)
		return;
	if (drop == NULL)
		drop = drop_none;
	ne = champ_nent(c);
	ns = popc(c->nodemap);
	sub = champ_sub(c);
	for (i = 0; i < ne; i++)
		if (--c->ent[i].kid->refs == 0)
			drop(arg, c->ent[i].kid);
	for (i = 0; i < ns; i++)
		champ_unref(cx, sub[i], drop, arg);
	trie__free(cx, c, champ_size(ne, ns));
}

/* Take references on everything a freshly copied node points to. */
static void
champ_ref_contents(struct champ *c)
{
	unsigned i, ne = champ_nent(c), ns = popc(c->nodemap);
	struct champ **sub = champ_sub(c);

	for (i = 0; i < ne; i++)
		c->ent[i].kid->refs++;
	for (i = 0; i < ns; i++)
		sub[i]->refs++;
}

static inline unsigned
digit(uint32_t hash, unsigned shift)
{
	return (hash >> shift) & MASK;
}

static inline unsigned
index_of(uint32_t map, uint32_t bit)
{
	return popc(map & (bit - 1));
}

static const struct champ_ent *
champ_find_at(const struct champ *c, unsigned shift, uint32_t hash,
    const char *name, size_t len)
{
	unsigned i;

	while (c != NULL) {
		uint32_t bit;

		if (c->ncoll) {
			for (i = 0; i < c->ncoll; i++)
				if (c->ent[i].hash == hash &&
				    node_name_is(c->ent[i].kid, name, len))
					return &c->ent[i];
			return NULL;
		}
		bit = 1u << digit(hash, shift);
		if (c->datamap & bit) {
			const struct champ_ent *e =
			    &c->ent[index_of(c->datamap, bit)];
			if (e->hash == hash && node_name_is(e->kid, name, len))
				return e;
			return NULL;
		}
		if (!(c->nodemap & bit))
			return NULL;
		c = champ_sub(c)[index_of(c->nodemap, bit)];
		shift += BITS;
	}
	return NULL;
}

static const struct champ_ent *
champ_find(const struct champ *c, uint32_t hash, const char *name,
    size_t len)
{
	return champ_find_at(c, 0, hash, name, len);
}

static const struct champ_ent *
champ_find_seq(const struct champ *c, uint32_t hash, uint32_t seq)
{
	unsigned shift = 0, i;

	while (c != NULL) {
		uint32_t bit;

		if (c->ncoll) {
			for (i = 0; i < c->ncoll; i++)
				if (c->ent[i].seq == seq)
					return &c->ent[i];
			return NULL;
		}
		bit = 1u << digit(hash, shift);
		if (c->datamap & bit) {
			const struct champ_ent *e =
			    &c->ent[index_of(c->datamap, bit)];
			return e->seq == seq ? e : NULL;
		}
		if (!(c->nodemap & bit))
			return NULL;
		c = champ_sub(c)[index_of(c->nodemap, bit)];
		shift += BITS;
	}
	return NULL;
}

/* A node holding exactly e1 and e2, whose hashes agree below `shift`. */
static int
champ_pair(struct trie_ctx *cx, const struct champ_ent *e1,
    const struct champ_ent *e2, unsigned shift, struct champ **out)
{
	struct champ *c, *sub;
	unsigned d1, d2;
	int rc;

	if (shift >= HASH_BITS) {
		c = champ_alloc(cx, 0, 0, 2);
		if (c == NULL)
			return -ENOMEM;
		c->ent[0] = *e1;
		c->ent[1] = *e2;
		c->ent[0].kid->refs++;
		c->ent[1].kid->refs++;
		*out = c;
		return 0;
	}
	d1 = digit(e1->hash, shift);
	d2 = digit(e2->hash, shift);
	if (d1 == d2) {
		rc = champ_pair(cx, e1, e2, shift + BITS, &sub);
		if (rc < 0)
			return rc;
		c = champ_alloc(cx, 0, 1u << d1, 0);
		if (c == NULL) {
			champ_unref(cx, sub, NULL, NULL);
			return -ENOMEM;
		}
		champ_sub(c)[0] = sub;
		*out = c;
		return 0;
	}
	c = champ_alloc(cx, (1u << d1) | (1u << d2), 0, 0);
	if (c == NULL)
		return -ENOMEM;
	c->ent[d1 < d2 ? 0 : 1] = *e1;
	c->ent[d1 < d2 ? 1 : 0] = *e2;
	e1->kid->refs++;
	e2->kid->refs++;
	*out = c;
	return 0;
}

/*
 * Copy `c` with data entry array and sub array rebuilt: `drop_ent` (or -1)
 * is left out, `add_ent` (or NULL) is inserted at data index `add_at`,
 * `drop_sub`/`add_sub`/`add_sub_at` likewise for subnodes, `set_sub` (or
 * -1) replaced by `new_sub`.  New maps given.  Takes references on shared
 * contents; `add_sub`/`new_sub` are consumed (owned by the result).
 */
struct champ_edit {
	uint32_t datamap, nodemap;
	int drop_ent;
	const struct champ_ent *add_ent;
	unsigned add_at;
	int drop_sub;
	struct champ *add_sub;
	unsigned add_sub_at;
	int set_sub;
	struct champ *new_sub;
	int set_ent;
	struct trie_node *new_kid;
};

static void
edit_init(struct champ_edit *ed, const struct champ *c)
{
	memset(ed, 0, sizeof(*ed));
	ed->datamap = c->datamap;
	ed->nodemap = c->nodemap;
	ed->drop_ent = ed->drop_sub = ed->set_sub = ed->set_ent = -1;
}

static struct champ *
champ_edit(struct trie_ctx *cx, const struct champ *c,
    const struct champ_edit *ed)
{
	unsigned ne = champ_nent(c), ns = popc(c->nodemap), i, j;
	struct champ *n = champ_alloc(cx, ed->datamap, ed->nodemap, 0);
	struct champ **osub = champ_sub(c), **nsub;

	if (n == NULL)
		return NULL;
	for (i = 0, j = 0; i <= ne; i++) {
		if (ed->add_ent != NULL && ed->add_at == i)
			n->ent[j++] = *ed->add_ent;
		if (i == ne)
			break;
		if ((int)i == ed->drop_ent)
			continue;
		n->ent[j] = c->ent[i];
		if ((int)i == ed->set_ent)
			n->ent[j].kid = ed->new_kid;
		j++;
	}
	nsub = champ_sub(n);
	for (i = 0, j = 0; i <= ns; i++) {
		if (ed->add_sub != NULL && ed->add_sub_at == i)
			nsub[j++] = ed->add_sub;
		if (i == ns)
			break;
		if ((int)i == ed->drop_sub)
			continue;
		nsub[j++] = (int)i == ed->set_sub ? ed->new_sub : osub[i];
	}
	/* Reference everything but what the edit handed over. */
	for (i = 0; i < champ_nent(n); i++)
		n->ent[i].kid->refs++;
	for (i = 0; i < popc(n->nodemap); i++)
		if (nsub[i] != ed->add_sub && nsub[i] != ed->new_sub)
			nsub[i]->refs++;
	return n;
}

static int
champ_insert(struct trie_ctx *cx, const struct champ *c,
    const struct champ_ent *e, unsigned shift, struct champ **out)
{
	struct champ_edit ed;
	struct champ *sub, *n;
	uint32_t bit;
	int rc;

	if (c->ncoll) {
		n = champ_alloc(cx, 0, 0, c->ncoll + 1);
		if (n == NULL)
			return -ENOMEM;
		memcpy(n->ent, c->ent, c->ncoll * sizeof(c->ent[0]));
		n->ent[c->ncoll] = *e;
		champ_ref_contents(n);
		*out = n;
		return 0;
	}
	bit = 1u << digit(e->hash, shift);
	edit_init(&ed, c);
	if (c->datamap & bit) {
		unsigned di = index_of(c->datamap, bit);

		rc = champ_pair(cx, &c->ent[di], e, shift + BITS, &sub);
		if (rc < 0)
			return rc;
		ed.datamap &= ~bit;
		ed.nodemap |= bit;
		ed.drop_ent = (int)di;
		ed.add_sub = sub;
		ed.add_sub_at = index_of(c->nodemap, bit);
	} else if (c->nodemap & bit) {
		unsigned si = index_of(c->nodemap, bit);

		rc = champ_insert(cx, champ_sub(c)[si], e, shift + BITS, &sub);
		if (rc < 0)
			return rc;
		ed.set_sub = (int)si;
		ed.new_sub = sub;
	} else {
		sub = NULL;
		ed.datamap |= bit;
		ed.add_ent = e;
		ed.add_at = index_of(c->datamap, bit);
	}
	n = champ_edit(cx, c, &ed);
	if (n == NULL) {
		champ_unref(cx, sub, NULL, NULL);
		return -ENOMEM;
	}
	*out = n;
	return 0;
}

/* Replace the kid of the entry holding `old` by `new` (refs taken). */
static int
champ_replace(struct trie_ctx *cx, const struct champ *c, uint32_t hash,
    const struct trie_node *old, struct trie_node *new, unsigned shift,
    struct champ **out)
{
	struct champ_edit ed;
	struct champ *sub = NULL, *n;
	uint32_t bit;
	unsigned i;
	int rc;

	edit_init(&ed, c);
	if (c->ncoll) {
		n = champ_alloc(cx, 0, 0, c->ncoll);
		if (n == NULL)
			return -ENOMEM;
		memcpy(n->ent, c->ent, c->ncoll * sizeof(c->ent[0]));
		for (i = 0; i < c->ncoll; i++)
			if (n->ent[i].kid == old)
				n->ent[i].kid = new;
		champ_ref_contents(n);
		*out = n;
		return 0;
	}
	bit = 1u << digit(hash, shift);
	if (c->datamap & bit) {
		ed.set_ent = (int)index_of(c->datamap, bit);
		assert(c->ent[ed.set_ent].kid == old);
		ed.new_kid = new;
	} else {
		unsigned si = index_of(c->nodemap, bit);

		assert(c->nodemap & bit);
		rc = champ_replace(cx, champ_sub(c)[si], hash, old, new,
		    shift + BITS, &sub);
		if (rc < 0)
			return rc;
		ed.set_sub = (int)si;
		ed.new_sub = sub;
	}
	n = champ_edit(cx, c, &ed);
	if (n == NULL) {
		champ_unref(cx, sub, NULL, NULL);
		return -ENOMEM;
	}
	*out = n;
	return 0;
}

static bool
champ_is_single(const struct champ *c)
{
	return c->ncoll ? c->ncoll == 1 :
	    (c->nodemap == 0 && popc(c->datamap) == 1);
}

/*
 * Remove the entry holding `old`.  *out is NULL when nothing is left.
 * A subnode left with a single entry is folded into its parent, so the
 * map keeps the canonical CHAMP shape.
 */
static int
champ_remove(struct trie_ctx *cx, const struct champ *c, uint32_t hash,
    const struct trie_node *old, unsigned shift, struct champ **out)
{
	struct champ_edit ed;
	struct champ *sub = NULL, *n;
	uint32_t bit;
	unsigned i, j;
	int rc;

	if (c->ncoll) {
		if (c->ncoll == 1) {
			*out = NULL;
			return 0;
		}
		n = champ_alloc(cx, 0, 0, c->ncoll - 1);
		if (n == NULL)
			return -ENOMEM;
		for (i = 0, j = 0; i < c->ncoll; i++)
			if (c->ent[i].kid != old)
				n->ent[j++] = c->ent[i];
		assert(j == c->ncoll - 1);
		champ_ref_contents(n);
		*out = n;
		return 0;
	}
	edit_init(&ed, c);
	bit = 1u << digit(hash, shift);
	if (c->datamap & bit) {
		if (champ_nent(c) == 1 && c->nodemap == 0) {
			*out = NULL;
			return 0;
		}
		ed.datamap &= ~bit;
		ed.drop_ent = (int)index_of(c->datamap, bit);
	} else {
		unsigned si = index_of(c->nodemap, bit);

		assert(c->nodemap & bit);
		rc = champ_remove(cx, champ_sub(c)[si], hash, old,
		    shift + BITS, &sub);
		if (rc < 0)
			return rc;
		if (sub == NULL) {
			ed.nodemap &= ~bit;
			ed.drop_sub = (int)si;
		} else if (champ_is_single(sub)) {
			/* Pull the lone entry up into this node. */
			ed.nodemap &= ~bit;
			ed.drop_sub = (int)si;
			ed.datamap |= bit;
			ed.add_ent = &sub->ent[0];
			ed.add_at = index_of(c->datamap, bit);
		} else {
			ed.set_sub = (int)si;
			ed.new_sub = sub;
		}
	}
	if (ed.datamap == 0 && ed.nodemap == 0) {
		*out = NULL;
		champ_unref(cx, sub, NULL, NULL);
		return 0;
	}
	n = champ_edit(cx, c, &ed);
	if (ed.add_ent != NULL) {
		/* The folded subnode is no longer referenced by n. */
		if (n != NULL)
			champ_unref(cx, sub, NULL, NULL);
		sub = n == NULL ? sub : NULL;
	}
	if (n == NULL) {
		champ_unref(cx, sub, NULL, NULL);
		return -ENOMEM;
	}
	*out = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* ovec                                                               */

static inline size_t
ovec_size(unsigned shift, unsigned n)
{
	return sizeof(struct ovec) +
	    n * (shift ? sizeof(struct ovec *) : sizeof(uint32_t));
}

static inline struct ovec **
ovec_sub(const struct ovec *v)
{
	return (struct ovec **)(void *)((char *)(uintptr_t)v + sizeof(*v));
}

static inline uint32_t *
ovec_hash(const struct ovec *v)
{
	return (uint32_t *)(void *)((char *)(uintptr_t)v + sizeof(*v));
}

static void
ovec_unref(struct trie_ctx *cx, struct ovec *v, unsigned shift)
{
	unsigned i, n;

	if (v == NULL || --v->refs > 0)
		return;
	n = popc(v->bitmap);
	if (shift)
		for (i = 0; i < n; i++)
			ovec_unref(cx, ovec_sub(v)[i], shift - BITS);
	trie__free(cx, v, ovec_size(shift, n));
}

/*
 * Copy of `v` (may be NULL) at level `shift` with slot `d` set: to `sub`
 * (consumed) for inner levels, to `hash` for leaves; or cleared when
 * `clear`.  Returns NULL on ENOMEM (sub not consumed then).
 */
static struct ovec *
ovec_edit(struct trie_ctx *cx, const struct ovec *v, unsigned shift,
    unsigned d, struct ovec *sub, uint32_t hash, bool clear)
{
	uint32_t bit = 1u << d, omap = v ? v->bitmap : 0;
	uint32_t nmap = clear ? omap & ~bit : omap | bit, left;
	struct ovec *n = trie__alloc(cx, ovec_size(shift, popc(nmap)));
	unsigned j;

	if (n == NULL)
		return NULL;
	n->refs = 1;
	n->bitmap = nmap;
	for (left = nmap, j = 0; left; left &= left - 1, j++) {
		uint32_t b = left & -left;
		unsigned i = index_of(omap, b);

		if (b == bit) {
			if (shift)
				ovec_sub(n)[j] = sub;
			else
				ovec_hash(n)[j] = hash;
		} else if (shift) {
			ovec_sub(n)[j] = ovec_sub(v)[i];
			ovec_sub(n)[j]->refs++;
		} else {
			ovec_hash(n)[j] = ovec_hash(v)[i];
		}
	}
	return n;
}

static int
ovec_set(struct trie_ctx *cx, const struct ovec *v, unsigned shift,
    uint32_t seq, uint32_t hash, struct ovec **out)
{
	unsigned d = (seq >> shift) & MASK;
	struct ovec *sub = NULL, *n;
	int rc;

	if (shift) {
		const struct ovec *old = NULL;

		if (v != NULL && (v->bitmap & (1u << d)))
			old = ovec_sub(v)[index_of(v->bitmap, 1u << d)];
		rc = ovec_set(cx, old, shift - BITS, seq, hash, &sub);
		if (rc < 0)
			return rc;
	}
	n = ovec_edit(cx, v, shift, d, sub, hash, false);
	if (n == NULL) {
		if (sub != NULL)
			ovec_unref(cx, sub, shift - BITS);
		return -ENOMEM;
	}
	*out = n;
	return 0;
}

/* Remove `seq`; *out NULL when the vector is left empty. */
static int
ovec_remove(struct trie_ctx *cx, const struct ovec *v, unsigned shift,
    uint32_t seq, struct ovec **out)
{
	unsigned d = (seq >> shift) & MASK;
	uint32_t bit = 1u << d;
	struct ovec *sub = NULL, *n;
	int rc;

	assert(v->bitmap & bit);
	if (shift) {
		rc = ovec_remove(cx, ovec_sub(v)[index_of(v->bitmap, bit)],
		    shift - BITS, seq, &sub);
		if (rc < 0)
			return rc;
	}
	if (sub == NULL && v->bitmap == bit) {
		*out = NULL;
		return 0;
	}
	n = ovec_edit(cx, v, shift, d, sub, 0, sub == NULL);
	if (n == NULL) {
		if (sub != NULL)
			ovec_unref(cx, sub, shift - BITS);
		return -ENOMEM;
	}
	*out = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* kmap                                                               */

struct kmap *
kmap_ref(struct kmap *m)
{
	m->refs++;
	return m;
}

static void
kmap_destroy(struct trie_ctx *cx, struct kmap *m, drop_fn *drop, void *arg)
{
	champ_unref(cx, m->names, drop, arg);
	ovec_unref(cx, m->order, m->shift);
	trie__free(cx, m, sizeof(*m));
}

void
kmap_unref(struct trie_ctx *cx, struct kmap *m, drop_fn *drop, void *arg)
{
	if (m == NULL || --m->refs > 0)
		return;
	kmap_destroy(cx, m, drop, arg);
}

const struct trie_node *
kmap_find(const struct trie_ctx *cx, const struct kmap *m, const char *name,
    size_t len)
{
	const struct champ_ent *e =
	    champ_find(m->names, trie__hash(cx, name, len), name, len);

	return e ? e->kid : NULL;
}

static struct kmap *
kmap_alloc(struct trie_ctx *cx, const struct kmap *from)
{
	struct kmap *m = trie__alloc(cx, sizeof(*m));

	if (m == NULL)
		return NULL;
	if (from != NULL)
		*m = *from;
	else
		memset(m, 0, sizeof(*m));
	m->refs = 1;
	return m;
}

/* Insert with a given sequence number into a map being built (owned). */
static int
kmap_put(struct trie_ctx *cx, struct kmap *m, struct trie_node *kid,
    uint32_t hash, uint32_t seq)
{
	struct champ_ent e = { kid, hash, seq };
	struct champ *names;
	struct ovec *order, *root;
	unsigned shift = m->shift;
	int rc;

	root = m->order;
	if (root == NULL)
		shift = 0;
	else
		root->refs++;
	/* Grow the order vector until seq fits. */
	while (shift < MAX_SHIFT && (seq >> (shift + BITS)) != 0) {
		struct ovec *up;

		if (root == NULL) {
			shift += BITS;
			continue;
		}
		up = ovec_edit(cx, NULL, shift + BITS, 0, root, 0, false);
		if (up == NULL) {
			ovec_unref(cx, root, shift);
			return -ENOMEM;
		}
		root = up;
		shift += BITS;
	}
	rc = ovec_set(cx, root, shift, seq, hash, &order);
	ovec_unref(cx, root, shift);
	if (rc < 0)
		return rc;
	if (m->names == NULL) {
		names = champ_alloc(cx, 1u << digit(hash, 0), 0, 0);
		if (names != NULL) {
			names->ent[0] = e;
			kid->refs++;
		}
		rc = names ? 0 : -ENOMEM;
	} else {
		rc = champ_insert(cx, m->names, &e, 0, &names);
	}
	if (rc < 0) {
		ovec_unref(cx, order, shift);
		return rc;
	}
	champ_unref(cx, m->names, NULL, NULL);
	ovec_unref(cx, m->order, m->shift);
	m->names = names;
	m->order = order;
	m->shift = shift;
	m->count++;
	if (seq >= m->next_seq)
		m->next_seq = seq + 1;
	return 0;
}

int
kmap_from_array(struct trie_ctx *cx, struct trie_node *const *kids,
    size_t n, struct kmap **out)
{
	struct kmap *m = kmap_alloc(cx, NULL);
	size_t i;
	int rc;

	if (m == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		rc = kmap_put(cx, m, kids[i],
		    trie__hash(cx, node_name(kids[i]), kids[i]->namelen),
		    (uint32_t)i);
		if (rc < 0) {
			kmap_destroy(cx, m, NULL, NULL);
			return rc;
		}
	}
	*out = m;
	return 0;
}

static int
collect_one(void *arg, const struct trie_node *kid)
{
	const struct trie_node ***pp = arg;

	*(*pp)++ = kid;
	return 0;
}

/* Rebuild with sequence numbers 0..n-1 (the counter ran out). */
static int
kmap_renumber(struct trie_ctx *cx, const struct kmap *m, struct kmap **out)
{
	size_t sz = m->count * sizeof(struct trie_node *);
	const struct trie_node **kids = trie__alloc(cx, sz), **p = kids;
	int rc;

	if (kids == NULL)
		return -ENOMEM;
	kmap_foreach(m, collect_one, &p);
	rc = kmap_from_array(cx, (struct trie_node *const *)kids, m->count,
	    out);
	trie__free(cx, kids, sz);
	return rc;
}

int
kmap_with_added(struct trie_ctx *cx, const struct kmap *m,
    struct trie_node *kid, struct kmap **out)
{
	struct kmap *n;
	int rc;

	if (m->next_seq == UINT32_MAX) {
		rc = kmap_renumber(cx, m, &n);
		if (rc < 0)
			return rc;
	} else {
		n = kmap_alloc(cx, m);
		if (n == NULL)
			return -ENOMEM;
		n->names->refs++;
		n->order->refs++;
	}
	rc = kmap_put(cx, n, kid, trie__hash(cx, node_name(kid), kid->namelen),
	    n->next_seq);
	if (rc < 0) {
		kmap_destroy(cx, n, NULL, NULL);
		return rc;
	}
	*out = n;
	return 0;
}

int
kmap_with_replaced(struct trie_ctx *cx, const struct kmap *m,
    const struct trie_node *oldkid, struct trie_node *newkid,
    struct kmap **out)
{
	uint32_t hash = trie__hash(cx, node_name(oldkid), oldkid->namelen);
	struct kmap *n = kmap_alloc(cx, m);
	struct champ *names;
	int rc;

	if (n == NULL)
		return -ENOMEM;
	rc = champ_replace(cx, m->names, hash, oldkid, newkid, 0, &names);
	if (rc < 0) {
		trie__free(cx, n, sizeof(*n));
		return rc;
	}
	n->names = names;
	n->order->refs++;
	*out = n;
	return 0;
}

int
kmap_with_removed(struct trie_ctx *cx, const struct kmap *m,
    const struct trie_node *oldkid, struct kmap **out)
{
	uint32_t hash = trie__hash(cx, node_name(oldkid), oldkid->namelen);
	const struct champ_ent *e =
	    champ_find(m->names, hash, node_name(oldkid), oldkid->namelen);
	struct kmap *n = kmap_alloc(cx, m);
	struct champ *names;
	struct ovec *order;
	int rc;

	assert(e != NULL && e->kid == oldkid);
	if (n == NULL)
		return -ENOMEM;
	rc = champ_remove(cx, m->names, hash, oldkid, 0, &names);
	if (rc < 0)
		goto fail;
	rc = ovec_remove(cx, m->order, m->shift, e->seq, &order);
	if (rc < 0) {
		champ_unref(cx, names, NULL, NULL);
		goto fail;
	}
	n->names = names;
	n->order = order;
	n->count--;
	*out = n;
	return 0;
fail:
	trie__free(cx, n, sizeof(*n));
	return rc;
}

void
kmap_iter_init(struct kiter *it, const struct kmap *m)
{
	it->m = m;
	it->depth = m->order ? 0 : -1;
	if (m->order != NULL) {
		it->st[0].v = m->order;
		it->st[0].left = m->order->bitmap;
		it->st[0].base = 0;
		it->st[0].i = 0;
	}
}

const struct trie_node *
kmap_iter_next(struct kiter *it)
{
	const struct kmap *m = it->m;

	while (it->depth >= 0) {
		struct kiter_frame *f = &it->st[it->depth];
		const struct ovec *v = f->v;
		unsigned shift = m->shift - BITS * (unsigned)it->depth;
		unsigned d, idx;
		uint32_t seq;

		if (f->left == 0) {
			it->depth--;
			continue;
		}
		d = (unsigned)__builtin_ctz(f->left);
		f->left &= f->left - 1;
		idx = f->i++;
		seq = f->base | ((uint32_t)d << shift);
		if (shift == 0) {
			const struct champ_ent *e =
			    champ_find_seq(m->names, ovec_hash(v)[idx], seq);

			assert(e != NULL);
			if (e != NULL)
				return e->kid;
			continue;
		}
		assert(it->depth + 1 < (int)(sizeof(it->st) / sizeof(it->st[0])));
		v = ovec_sub(v)[idx];
		f = &it->st[++it->depth];
		f->v = v;
		f->left = v->bitmap;
		f->base = seq;
		f->i = 0;
	}
	return NULL;
}

int
kmap_foreach(const struct kmap *m, trie_child_fn *fn, void *arg)
{
	const struct trie_node *k;
	struct kiter it;
	int rc;

	kmap_iter_init(&it, m);
	while ((k = kmap_iter_next(&it)) != NULL)
		if ((rc = fn(arg, k)) != 0)
			return rc;
	return 0;
}

/* ------------------------------------------------------------------ */
/* diff of two maps, skipping shared subnodes                         */

/* One side of a slot: a single entry, or a subnode at `shift`. */
struct side {
	const struct champ_ent *e;
	const struct champ *c;
	unsigned shift;
};

typedef int pair_fn(void *arg, const struct trie_node *a,
    const struct trie_node *b);

static int champ_each(const struct champ *c, int (*fn)(void *,
    const struct champ_ent *), void *arg);

struct match_state {
	const struct side *other;
	bool a_side;		/* entries enumerated come from side a */
	pair_fn *fn;
	void *arg;
};

static int
match_one(void *arg, const struct champ_ent *e)
{
	struct match_state *st = arg;
	const struct champ_ent *o = NULL;

	if (st->other->e != NULL) {
		if (st->other->e->hash == e->hash &&
		    node_name_is(st->other->e->kid, node_name(e->kid),
		    e->kid->namelen))
			o = st->other->e;
	} else if (st->other->c != NULL) {
		o = champ_find_at(st->other->c, st->other->shift, e->hash,
		    node_name(e->kid), e->kid->namelen);
	}
	if (st->a_side) {
		if (o == NULL || o->kid != e->kid)
			return st->fn(st->arg, e->kid, o ? o->kid : NULL);
		return 0;
	}
	/* b side: only report what a lacks (pairs came from a already). */
	return o == NULL ? st->fn(st->arg, NULL, e->kid) : 0;
}

static int
side_each(const struct side *s, int (*fn)(void *, const struct champ_ent *),
    void *arg)
{
	if (s->e != NULL)
		return fn(arg, s->e);
	if (s->c != NULL)
		return champ_each(s->c, fn, arg);
	return 0;
}

static int
champ_each(const struct champ *c, int (*fn)(void *, const struct champ_ent *),
    void *arg)
{
	unsigned i, ne = champ_nent(c);
	int rc;

	for (i = 0; i < ne; i++)
		if ((rc = fn(arg, &c->ent[i])) != 0)
			return rc;
	for (i = 0; i < popc(c->nodemap); i++)
		if ((rc = champ_each(champ_sub(c)[i], fn, arg)) != 0)
			return rc;
	return 0;
}

/* Compare two arbitrary sides by enumeration: used where shapes differ. */
static int
side_diff(const struct side *a, const struct side *b, pair_fn *fn,
    void *arg)
{
	struct match_state st = { b, true, fn, arg };
	int rc;

	rc = side_each(a, match_one, &st);
	if (rc)
		return rc;
	st.other = a;
	st.a_side = false;
	return side_each(b, match_one, &st);
}

static int
champ_diff(const struct champ *a, const struct champ *b, unsigned shift,
    pair_fn *fn, void *arg)
{
	unsigned d;
	int rc;

	if (a == b)
		return 0;
	if (a->ncoll || b->ncoll) {
		struct side sa = { NULL, a, shift }, sb = { NULL, b, shift };

		return side_diff(&sa, &sb, fn, arg);
	}
	for (d = 0; d < WIDTH; d++) {
		uint32_t bit = 1u << d;
		struct side sa = { NULL, NULL, shift + BITS };
		struct side sb = { NULL, NULL, shift + BITS };

		if (a->datamap & bit)
			sa.e = &a->ent[index_of(a->datamap, bit)];
		else if (a->nodemap & bit)
			sa.c = champ_sub(a)[index_of(a->nodemap, bit)];
		if (b->datamap & bit)
			sb.e = &b->ent[index_of(b->datamap, bit)];
		else if (b->nodemap & bit)
			sb.c = champ_sub(b)[index_of(b->nodemap, bit)];
		if (sa.c != NULL && sb.c != NULL)
			rc = champ_diff(sa.c, sb.c, shift + BITS, fn, arg);
		else if (sa.e != NULL && sb.e != NULL && sa.e->kid == sb.e->kid)
			rc = 0;
		else
			rc = side_diff(&sa, &sb, fn, arg);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Report every child that differs between two maps: fn(a_kid, b_kid) with
 * NULL for a side that lacks the name.  Shared subnodes are skipped, so
 * the cost follows the differences, not the directory size.
 */
int
kmap_diff(const struct kmap *a, const struct kmap *b, pair_fn *fn,
    void *arg)
{
	struct side sa = { NULL, a->names, 0 }, sb = { NULL, b->names, 0 };

	if (a->names == NULL || b->names == NULL)
		return side_diff(&sa, &sb, fn, arg);
	return champ_diff(a->names, b->names, 0, fn, arg);
}

struct check_state {
	const struct kmap *m;
	size_t seen;
	const struct trie_ctx *cx;
	int bad;
};

static int
check_one(void *arg, const struct trie_node *kid)
{
	struct check_state *st = arg;

	st->seen++;
	if (kmap_find(st->cx, st->m, node_name(kid), kid->namelen) != kid)
		st->bad = 1;
	return st->bad;
}

static size_t
champ_count(const struct champ *c)
{
	size_t n = champ_nent(c);
	unsigned i;

	for (i = 0; i < popc(c->nodemap); i++)
		n += champ_count(champ_sub(c)[i]);
	return n;
}

int
kmap_check(const struct trie_ctx *cx, const struct kmap *m, size_t nkids,
    char *why, size_t whylen)
{
	struct check_state st = { m, 0, cx, 0 };

	kmap_foreach(m, check_one, &st);
	if (st.bad || st.seen != nkids || m->count != nkids ||
	    (m->names ? champ_count(m->names) : 0) != nkids) {
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "large directory index: %zu "
			    "children expected, %zu in order, %u counted%s",
			    nkids, st.seen, m->count,
			    st.bad ? ", an entry does not resolve" : "");
		return -EIO;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* census (trie_census.c)                                             */

int
kmap__census_refs(const void *obj, int kind, unsigned shift,
    census_ref_fn *fn, void *arg)
{
	unsigned i, n;
	int rc = 0;

	switch (kind) {
	case CK_KMAP: {
		const struct kmap *m = obj;

		if (m->names != NULL)
			rc = fn(arg, m->names, CK_CHAMP, 0);
		if (rc == 0 && m->order != NULL)
			rc = fn(arg, m->order, CK_OVEC, m->shift);
		return rc;
	}
	case CK_CHAMP: {
		const struct champ *c = obj;

		n = champ_nent(c);
		for (i = 0; rc == 0 && i < n; i++)
			rc = fn(arg, c->ent[i].kid, CK_NODE, 0);
		n = popc(c->nodemap);
		for (i = 0; rc == 0 && i < n; i++)
			rc = fn(arg, champ_sub(c)[i], CK_CHAMP, 0);
		return rc;
	}
	case CK_OVEC: {
		const struct ovec *v = obj;

		if (shift == 0)
			return 0;	/* leaves hold name hashes only */
		n = popc(v->bitmap);
		for (i = 0; rc == 0 && i < n; i++)
			rc = fn(arg, ovec_sub(v)[i], CK_OVEC, shift - BITS);
		return rc;
	}
	default:
		return -EINVAL;
	}
}

uint32_t
kmap__census_count(const void *obj, int kind)
{
	switch (kind) {
	case CK_KMAP:
		return ((const struct kmap *)obj)->refs;
	case CK_CHAMP:
		return ((const struct champ *)obj)->refs;
	case CK_OVEC:
		return ((const struct ovec *)obj)->refs;
	default:
		return 0;
	}
}
