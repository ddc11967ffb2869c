/*
 * host.c: the toolstack half of xensim.h (libxensim-host.a).
 *
 * Owns struct xensim and the translation between the public API and the
 * core (sim_*.c): simulation create/open/close and domain operations.  The
 * guest half is in guest.c.  No state outside struct xensim.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static int
sim_new(const char *dir, bool create, struct xensim **out)
{
	struct xensim *sim;
	int rc;

	if (dir == NULL || out == NULL)
		return -EINVAL;
	sim = calloc(1, sizeof(*sim));
	if (sim == NULL)
		return -ENOMEM;
	sim->dir = strdup(dir);
	if (sim->dir == NULL) {
		free(sim);
		return -ENOMEM;
	}
	rc = create ? xsim_core_create(&sim->core, dir) :
	    xsim_core_open(&sim->core, dir);
	if (rc < 0) {
		free(sim->dir);
		free(sim);
		return rc;
	}
	(void)xsim_gc(&sim->core);
	*out = sim;
	return 0;
}

int
xensim_create(const char *dir, struct xensim **out)
{
	return sim_new(dir, true, out);
}

int
xensim_open(const char *dir, struct xensim **out)
{
	return sim_new(dir, false, out);
}

void
xensim_close(struct xensim **simp)
{
	struct xensim *sim;

	if (simp == NULL || (sim = *simp) == NULL)
		return;
	xsim_core_close(&sim->core);
	free(sim->dir);
	free(sim);
	*simp = NULL;
}

const char *
xensim_dir(const struct xensim *sim)
{
	return sim->dir;
}

void
xensim_domain_params_init(struct xensim_domain_params *p)
{
	memset(p, 0, sizeof(*p));
	p->domid = XENSIM_DOMID_ANY;
}

static void
to_public(const struct xsim_dominfo *in, struct xensim_domain *out)
{
	memset(out, 0, sizeof(*out));
	out->domid = in->domid;
	out->state = in->state;
	out->shutdown_reason = in->state == XSIM_DOM_SHUTDOWN ? in->reason : 0;
	out->flags = in->flags;
	out->port = in->xs_port;
	out->gref = XENSIM_GREF_XENSTORE;
	out->gfn = in->gfn;
	memcpy(out->uuid, in->uuid, sizeof(out->uuid));
}

int
xensim_domain_create(struct xensim *sim, const struct xensim_domain_params *p,
    struct xensim_domain *out)
{
	struct xensim_domain_params def;
	struct xsim_dom_params cp;
	struct xsim_dominfo info;
	uint32_t domid;
	int rc;

	if (sim == NULL)
		return -EINVAL;
	if (p == NULL) {
		xensim_domain_params_init(&def);
		p = &def;
	}
	if (p->flags & XENSIM_F_PRIV)
		return -EINVAL;
	cp.domid = p->domid == XENSIM_DOMID_ANY ? XSIM_NONE : p->domid;
	cp.flags = p->flags;
	cp.gfn = p->gfn;
	cp.max_kb = p->max_kb;
	cp.uuid = p->uuid;
	if ((rc = xsim_dom_create(&sim->core, &cp, &domid)) < 0)
		return rc;
	if (out != NULL) {
		if ((rc = xsim_dom_info(&sim->core, domid, &info)) < 0)
			return rc;
		to_public(&info, out);
	}
	return 0;
}

int
xensim_domain_get(struct xensim *sim, uint32_t domid, struct xensim_domain *out)
{
	struct xsim_dominfo info;
	int rc;

	if (sim == NULL || out == NULL)
		return -EINVAL;
	if ((rc = xsim_dom_info(&sim->core, domid, &info)) < 0)
		return rc;
	to_public(&info, out);
	return 0;
}

/* The first existing domain with domid >= first; -ESRCH when none. */
int
xensim_domain_next(struct xensim *sim, uint32_t first,
    struct xensim_domain *out)
{
	struct xsim_dominfo info;
	int rc;

	if (sim == NULL || out == NULL)
		return -EINVAL;
	if ((rc = xsim_dom_next(&sim->core, first, &info)) < 0)
		return rc;
	to_public(&info, out);
	return 0;
}

int
xensim_domain_shutdown(struct xensim *sim, uint32_t domid, unsigned int reason)
{
	if (sim == NULL)
		return -EINVAL;
	return xsim_dom_shutdown(&sim->core, domid, reason);
}

int
xensim_domain_resume(struct xensim *sim, uint32_t domid)
{
	if (sim == NULL)
		return -EINVAL;
	return xsim_dom_resume(&sim->core, domid);
}

int
xensim_domain_kill(struct xensim *sim, uint32_t domid)
{
	if (sim == NULL)
		return -EINVAL;
	return xsim_dom_kill(&sim->core, domid);
}

int
xensim_domain_destroy(struct xensim *sim, uint32_t domid)
{
	if (sim == NULL)
		return -EINVAL;
	return xsim_dom_destroy(&sim->core, domid);
}

int
xensim_domain_set_flags(struct xensim *sim, uint32_t domid, uint32_t set,
    uint32_t clear)
{
	if (sim == NULL)
		return -EINVAL;
	return xsim_dom_set_flags(&sim->core, domid, set, clear);
}
