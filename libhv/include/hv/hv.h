/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhv: the hv toolstack library.
 *
 * Define HV_API_VERSION before including this header to pin the API you
 * were written against; HV_HAVE_* macros announce optional features.
 */
#ifndef HV_HV_H
#define HV_HV_H

#include <stdarg.h>
#include <hv/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HV_API_VERSION_CURRENT 0x010100	/* 1.1.0: save and restore */
#ifndef HV_API_VERSION
#define HV_API_VERSION HV_API_VERSION_CURRENT
#endif
#if HV_API_VERSION > HV_API_VERSION_CURRENT
#error "HV_API_VERSION is newer than this libhv"
#endif

/* Feature macros: present when the feature exists in this header set. */
#define HV_HAVE_LOGGER 1

enum hv_log_level {
	HV_LOG_ERROR = 0,
	HV_LOG_WARN = 1,
	HV_LOG_INFO = 2,
	HV_LOG_DEBUG = 3,
};

/*
 * Log callback.  libhv never prints: every message goes through the
 * context's logger (none installed: messages are dropped).  Called from
 * the thread that made the libhv call; @fmt/@ap follow printf().
 */
typedef void hv_logger_fn(void *opaque, enum hv_log_level level,
			  const char *fmt, va_list ap);

typedef struct hv_ctx hv_ctx;

/*
 * hv_ctx_new - allocate a library context in *ctx_r.
 * Returns 0 or HV_ERROR_NOMEM.  Free with hv_ctx_free().  A context may be
 * used from several threads at once.
 */
int hv_ctx_new(hv_ctx **ctx_r);

/* hv_ctx_free - release @ctx (NULL is allowed). */
void hv_ctx_free(hv_ctx *ctx);

/*
 * hv_ctx_set_logger - install @fn (NULL: drop messages) with @opaque for
 * messages at or below @max_level.
 */
void hv_ctx_set_logger(hv_ctx *ctx, hv_logger_fn *fn, void *opaque,
		       enum hv_log_level max_level);

/* hv_version - the library version as a string, e.g. "0.1.0". */
const char *hv_version(void);

#ifdef __cplusplus
}
#endif

#include <hv/config.h>

#endif /* HV_HV_H */
