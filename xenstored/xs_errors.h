/*
 * xs_errors.h: the single mapping between negative errno values and the
 * error names sent on the wire (the xsd_errors table of xs_wire.h).
 */
#ifndef XS_ERRORS_H
#define XS_ERRORS_H

/*
 * Wire name for -err (or err).  Codes the table lacks become "EINVAL", as
 * in the C daemon; *known (if not NULL) says whether it was in the table.
 */
const char *xs_error_name(int err, int *known);

/* Negative errno for a wire name, -EINVAL for an unknown one. */
int xs_error_code(const char *name);

#endif
