/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libhv internals: hv__ names, hidden from the ABI. */
#ifndef HV_PRIVATE_H
#define HV_PRIVATE_H

#include <pthread.h>
#include <hv/hv.h>

#define HV__EXPORT __attribute__((visibility("default")))

struct hv_ctx {
	pthread_mutex_t lock;
	hv_logger_fn *log_fn;
	void *log_opaque;
	enum hv_log_level log_max;
	struct hv__client *client;	/* connections to hvd (client.c) */
};

void hv__log(hv_ctx *ctx, enum hv_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define HV__ERR(ctx, ...) hv__log((ctx), HV_LOG_ERROR, __VA_ARGS__)
#define HV__WARN(ctx, ...) hv__log((ctx), HV_LOG_WARN, __VA_ARGS__)
#define HV__INFO(ctx, ...) hv__log((ctx), HV_LOG_INFO, __VA_ARGS__)
#define HV__DEBUG(ctx, ...) hv__log((ctx), HV_LOG_DEBUG, __VA_ARGS__)

#endif
