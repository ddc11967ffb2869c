/*
 * xs_wire_ext.h: the system's xen/io/xs_wire.h plus what the 4.17 header
 * lacks (message types 23-26, the WATCHDEPTH and DOMID_ANY features, the
 * ring's evtchn_port field, DOMID_ANY).  The newer header defines the
 * WATCHDEPTH macro together with the new enum members, so its absence
 * tells an old header.
 */
#ifndef XS_WIRE_EXT_H
#define XS_WIRE_EXT_H

#include <errno.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

#ifndef XENSTORE_SERVER_FEATURE_WATCHDEPTH
#define XS_GET_FEATURE 23
#define XS_SET_FEATURE 24
#define XS_GET_QUOTA 25
#define XS_SET_QUOTA 26
#define XENSTORE_SERVER_FEATURE_WATCHDEPTH 4
#endif
#ifndef XENSTORE_SERVER_FEATURE_DOMID_ANY
#define XENSTORE_SERVER_FEATURE_DOMID_ANY 8
#endif
#ifndef DOMID_ANY
#define DOMID_ANY 0x7FF5
#endif
#ifndef DOMID_SELF
#define DOMID_SELF 0x7FF0
#endif

/* One past the highest message type we know (HEAD's XS_TYPE_COUNT). */
#define XSD_TYPE_LIMIT 27

/* The HEAD ring page has the guest's event channel at this offset. */
#define XSD_RING_EVTCHN_PORT_OFF 2076

#endif
