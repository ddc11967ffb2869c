/*
 * toolstack.h: what libxl does in xenstore for a new domain, for the CLI
 * and the tests (not part of libxensim-host.a: it needs libxenstore).
 */
#ifndef XENSIM_TOOLSTACK_H
#define XENSIM_TOOLSTACK_H

struct xs_handle;
struct xensim_domain;

int xsim_toolstack_introduce(struct xs_handle *xs,
    const struct xensim_domain *d, const char *name);

#endif
