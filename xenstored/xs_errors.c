/*
 * xs_errors.c: errno <-> wire error name, from the xsd_errors table of
 * the installed xs_wire.h (the only copy of the table).  Pure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_wire_ext.h"
#include "xs_errors.h"

const char *
xs_error_name(int err, int *known)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err) {
			if (known != NULL)
				*known = 1;
			return xsd_errors[i].errstring;
		}
	if (known != NULL)
		*known = 0;
	return "EINVAL";
}

int
xs_error_code(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (strcmp(xsd_errors[i].errstring, name) == 0)
			return -xsd_errors[i].errnum;
	return -EINVAL;
}
