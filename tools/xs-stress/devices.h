/*
 * devices.h: the paravirtual devices every guest gets in boot-storm (one
 * vbd, one vif), their xenstore paths and the values each side writes,
 * so that the other side can check what it reads.
 */
#ifndef XS_STRESS_DEVICES_H
#define XS_STRESS_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#define NDEVS 2

struct guest;

struct devtype {
	const char *type;	/* "vbd", "vif" */
	const char *devid;	/* "51712" (xvda), "0" */
};

extern const struct devtype devtypes[NDEVS];

/* /local/domain/<domid>/device/<type>/<devid> */
void dev_fe_path(const struct guest *g, unsigned d, char *buf, size_t len);
/* /local/domain/0/backend/<type>/<domid>/<devid> */
void dev_be_path(const struct guest *g, unsigned d, char *buf, size_t len);
/* /libxl/<domid>/device/<type>/<devid> */
void dev_lx_path(const struct guest *g, unsigned d, char *buf, size_t len);
/* What the frontend publishes: its ring grant and event channel. */
void dev_ring_ref(const struct guest *g, unsigned d, char *buf, size_t len);
void dev_evtchn(const struct guest *g, unsigned d, char *buf, size_t len);
/* Parse a backend path: the device index and the domid, or -1. */
int dev_parse_be(const char *path, uint32_t *domid);

#endif
