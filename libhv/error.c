/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "private.h"

static const char *const hv__errors[] = {
	[-HV_ERROR_NONE] = "success",
	[-HV_ERROR_FAIL] = "operation failed",
	[-HV_ERROR_NOMEM] = "out of memory",
	[-HV_ERROR_INVAL] = "invalid argument",
	[-HV_ERROR_CONFIG] = "invalid domain configuration",
	[-HV_ERROR_NOTFOUND] = "no such domain or object",
	[-HV_ERROR_EXISTS] = "already exists",
	[-HV_ERROR_PERM] = "permission denied",
	[-HV_ERROR_IO] = "input/output error",
	[-HV_ERROR_PROTOCOL] = "protocol error",
	[-HV_ERROR_VERSION] = "unsupported version",
	[-HV_ERROR_NOSYS] = "not supported",
	[-HV_ERROR_BUSY] = "busy",
	[-HV_ERROR_STATE] = "invalid in the current state",
	[-HV_ERROR_CORRUPT] = "image or stream is corrupt",
	[-HV_ERROR_TIMEDOUT] = "timed out",
	[-HV_ERROR_NOKVM] = "KVM is not available",
	[-HV_ERROR_DAEMON] = "hvd could not be reached",
	[-HV_ERROR_CANCELLED] = "cancelled",
};

HV__EXPORT const char *hv_strerror(int rc)
{
	if (rc > 0 || rc < HV_ERROR_MIN || !hv__errors[-rc])
		return "unknown error";
	return hv__errors[-rc];
}
