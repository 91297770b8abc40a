/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The part of libhv's context that the domain description's code needs:
 * the logger.  libhv's hv_ctx_new() adds its connections to hvd (client);
 * hvd and hv-vmm make a context of their own with hv__ctx_init() and
 * route its messages into their logs.
 */
#ifndef HV_SHARED_CTX_H
#define HV_SHARED_CTX_H

#include <pthread.h>
#include <hv/hv.h>

#define HV__EXPORT __attribute__((visibility("default")))

struct hv_ctx {
	pthread_mutex_t lock;
	hv_logger_fn *log_fn;
	void *log_opaque;
	enum hv_log_level log_max;
	struct hv__client *client;	/* libhv: connections to hvd; else NULL */
};

/* A context with no logger and no client; never fails. */
void hv__ctx_init(hv_ctx *ctx);
void hv__ctx_fini(hv_ctx *ctx);

/*
 * Hands a message to the context's logger, if it takes @level.  The lock
 * is not held while the logger runs, so a logger may be called from any
 * thread and may itself call libhv.
 */
void hv__log(hv_ctx *ctx, enum hv_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define HV__ERR(ctx, ...) hv__log((ctx), HV_LOG_ERROR, __VA_ARGS__)
#define HV__WARN(ctx, ...) hv__log((ctx), HV_LOG_WARN, __VA_ARGS__)
#define HV__INFO(ctx, ...) hv__log((ctx), HV_LOG_INFO, __VA_ARGS__)
#define HV__DEBUG(ctx, ...) hv__log((ctx), HV_LOG_DEBUG, __VA_ARGS__)

#endif
