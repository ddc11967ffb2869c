/*
 * boot.h: boot-storm's private state, shared by sc_boot.c (events and the
 * scenario), boot_fe.c (the guests' frontends) and boot_be.c (dom0's
 * backend driver).  A guest's struct boot_guest belongs to its slot and
 * is valid for the domain of generation gen only.
 */
#ifndef XS_STRESS_BOOT_H
#define XS_STRESS_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices.h"

struct stress;
struct guest;

enum fe_stage { FE_IDLE, FE_WATCH, FE_SCAN, FE_READ_BE, FE_TALK,
	FE_DETAILS, FE_CONNECT };
enum be_stage { BE_IDLE, BE_PROBE, BE_INITWAIT, BE_READ_FE, BE_READ_RING,
	BE_CONNECT };

struct bedev {
	struct guest *g;
	unsigned d;
	uint8_t state;		/* the backend's own state */
	uint8_t fe_state;	/* last read */
	enum be_stage stage;
	bool probed, dirty;
};

struct boot_guest {
	uint32_t gen;
	bool devs_added, scanned, need_scan, connected, failed;
	enum fe_stage stage;	/* FE_IDLE: not busy */
	unsigned dirty;		/* devices whose backend state changed */
	unsigned cur;		/* device of the current stage */
	uint8_t state[NDEVS];	/* the frontend's own states */
	uint8_t be_state[NDEVS];
	struct bedev be[NDEVS];
};

struct boot {
	unsigned n;		/* guests booting */
	unsigned connected, failed, be_connected, added;
	int64_t t_added;	/* all devices added */
	bool running;
};

/* The guest's boot state if it belongs to its current domain. */
struct boot_guest *bg_of(const struct guest *g);

/* boot_fe.c */
void fe_start(struct guest *g);
void fe_kick(struct stress *s, struct guest *g);

/* boot_be.c */
void be_probe(struct stress *s, struct bedev *be);
void be_kick(struct stress *s, struct bedev *be);
/* <frontend>/<rel> of a backend's device. */
void be_fe_path(const struct bedev *be, const char *rel, char *buf,
    size_t len);

#endif
