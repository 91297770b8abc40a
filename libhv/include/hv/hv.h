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

/*
 * 1.1.0: save and restore.  1.2.0: size-prefixed result structures,
 * lists of pointers (hv_dominfo_list_free()), cancelling progress
 * callbacks (HV_ERROR_CANCELLED).  1.3.0: disks (hv_disk_spec's rate
 * limits and queues, HV_CONFIG_VALIDATE_CREATE).  1.4.0: disks attached
 * to and detached from running domains (hv_domain_disk_attach()).  1.5.0:
 * vifs attached and detached likewise (hv_domain_nic_attach()); the
 * balloon and the memory cap (hv_domain_set_memory_target(),
 * hv_domain_set_memory_max(), hv_domain_meminfo(), HV_EVENT_MEMORY).
 * 1.6.0: triggers (hv_domain_trigger(): reset, NMI, SysRq) and hvd's log
 * (hv_hvd_log_read()).
 * 1.7.0: libvirt domain XML (hv_domain_config_from_xml(),
 * hv_domain_config_to_xml()).  1.8.0: what domains use
 * (hv_domain_stats()).  1.10.0: settings in xl.cfg syntax handed to the
 * caller (hv_config_read_settings()).  1.11.0: vCPUs as the host runs them
 * and their affinity (hv_domain_vcpu_list(), hv_domain_vcpu_pin()).
 */
#define HV_API_VERSION_CURRENT 0x010b00
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
 * context's logger (none installed: messages are dropped); @fmt/@ap follow
 * printf().  It is called from the thread that made the libhv call, so,
 * when several threads use one context, from any of them and possibly
 * from several at once: it must be thread-safe itself.  libhv holds none
 * of its locks while it runs (messages produced while a lock is held are
 * kept and passed on once it is released, in order), so a logger may
 * block, take its own locks (a language runtime's global lock, say) or
 * call libhv, even on the same context, without deadlocking libhv.
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
 * messages at or below @max_level.  Thread-safe: when it returns, no
 * thread is still in the previous logger, nor will be called there again,
 * so its @opaque may be freed (called from inside a logger, it returns
 * without that wait, since the calling logger itself is still running).
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
