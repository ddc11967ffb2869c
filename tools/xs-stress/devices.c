/*
 * devices.c: paths and published values of the boot-storm devices.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "stress.h"

#define BE_ROOT "/local/domain/0/backend/"

const struct devtype devtypes[NDEVS] = {
	{ "vbd", "51712" },
	{ "vif", "0" },
};

void
dev_fe_path(const struct guest *g, unsigned d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/device/%s/%s", g->home, devtypes[d].type,
	    devtypes[d].devid);
}

void
dev_be_path(const struct guest *g, unsigned d, char *buf, size_t len)
{
	snprintf(buf, len, BE_ROOT "%s/%u/%s", devtypes[d].type, g->domid,
	    devtypes[d].devid);
}

void
dev_lx_path(const struct guest *g, unsigned d, char *buf, size_t len)
{
	snprintf(buf, len, "/libxl/%u/device/%s/%s", g->domid,
	    devtypes[d].type, devtypes[d].devid);
}

void
dev_ring_ref(const struct guest *g, unsigned d, char *buf, size_t len)
{
	snprintf(buf, len, "%u", 8 + g->gen * 4 + d);
}

void
dev_evtchn(const struct guest *g, unsigned d, char *buf, size_t len)
{
	snprintf(buf, len, "%u", 10 + 2 * (g->gen % 1000) + d);
}

int
dev_parse_be(const char *path, uint32_t *domid)
{
	const char *p;
	unsigned long v;
	char *end;
	size_t l;
	int d;

	if (strncmp(path, BE_ROOT, strlen(BE_ROOT)) != 0)
		return -1;
	p = path + strlen(BE_ROOT);
	for (d = 0; d < NDEVS; d++) {
		l = strlen(devtypes[d].type);
		if (strncmp(p, devtypes[d].type, l) == 0 && p[l] == '/')
			break;
	}
	if (d == NDEVS)
		return -1;
	p += l + 1;
	v = strtoul(p, &end, 10);
	if (end == p || (*end != '/' && *end != '\0') || v > 0xffff)
		return -1;
	*domid = (uint32_t)v;
	return d;
}
