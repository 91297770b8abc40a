/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhv error codes.  Every libhv function that can fail returns 0 on
 * success or one of these negative values; hv_strerror() names them.
 * Codes are never renumbered; new ones are only appended.
 */
#ifndef HV_ERROR_H
#define HV_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum hv_error {
	HV_ERROR_NONE = 0,
	HV_ERROR_FAIL = -1,		/* unspecified failure */
	HV_ERROR_NOMEM = -2,		/* out of memory */
	HV_ERROR_INVAL = -3,		/* invalid argument */
	HV_ERROR_CONFIG = -4,		/* domain configuration is invalid */
	HV_ERROR_NOTFOUND = -5,		/* no such domain or object */
	HV_ERROR_EXISTS = -6,		/* name or id already in use */
	HV_ERROR_PERM = -7,		/* permission denied */
	HV_ERROR_IO = -8,		/* I/O error on a file, socket or device */
	HV_ERROR_PROTOCOL = -9,		/* malformed or unexpected message */
	HV_ERROR_VERSION = -10,		/* unsupported ABI or format version */
	HV_ERROR_NOSYS = -11,		/* not supported by this build or host */
	HV_ERROR_BUSY = -12,		/* object busy; try again */
	HV_ERROR_STATE = -13,		/* not valid in the object's current state */
	HV_ERROR_CORRUPT = -14,		/* image or stream failed validation */
	HV_ERROR_TIMEDOUT = -15,	/* operation timed out */
	HV_ERROR_NOKVM = -16,		/* /dev/kvm missing or unusable */
	HV_ERROR_DAEMON = -17,		/* hvd could not be reached or started */
	HV_ERROR_CANCELLED = -18,	/* cancelled by the caller (libhv 1.2) */
};

#define HV_ERROR_MIN HV_ERROR_CANCELLED

/*
 * hv_strerror - a short English description of @rc (0 or an HV_ERROR_*).
 * Never returns NULL; unknown codes give "unknown error".  Thread-safe.
 */
const char *hv_strerror(int rc);

#ifdef __cplusplus
}
#endif
#endif /* HV_ERROR_H */
