/*
 * model.h: a deliberately naive reference store for property tests: an
 * unsorted array of (full path, value, permissions, creation number).
 * Every operation is a linear scan; nothing is shared; obviously right is
 * the only goal.
 */
#ifndef MODEL_H
#define MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trie.h"

struct mnode {
	char *path;
	unsigned char *val;
	size_t vlen;
	struct trie_perm *perms;
	size_t np;
	uint64_t seq;		/* creation order */
};

struct model {
	struct mnode *n;
	size_t count, cap;
	uint64_t seq;
};

void model_init(struct model *m, const struct trie_perm *perms, size_t np);
void model_free(struct model *m);
void model_copy(struct model *dst, const struct model *src);

struct mnode *model_find(const struct model *m, const char *path);
/* Deepest existing node on path; *matched as trie_get_deepest. */
struct mnode *model_deepest(const struct model *m, const char *path,
    size_t *matched);

int model_write(struct model *m, const char *path, const void *val,
    size_t len, int creator);
int model_mkdir(struct model *m, const char *path, int creator);
int model_rm(struct model *m, const char *path);
int model_set_perms(struct model *m, const char *path,
    const struct trie_perm *p, size_t np);

/* Children of path in creation order; returns count (<= max stored). */
size_t model_children(const struct model *m, const char *path,
    const struct mnode **out, size_t max);

/* Per-owner recount with the trie's accounting formula. */
void model_acct(const struct model *m, struct trie_acct *ac);

#endif
