/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <string.h>
#include "ctx.h"

void hv__ctx_init(hv_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	pthread_mutex_init(&ctx->lock, NULL);
	ctx->log_max = HV_LOG_INFO;
}

void hv__ctx_fini(hv_ctx *ctx)
{
	pthread_mutex_destroy(&ctx->lock);
}

HV__EXPORT void hv_ctx_set_logger(hv_ctx *ctx, hv_logger_fn *fn, void *opaque,
				  enum hv_log_level max_level)
{
	pthread_mutex_lock(&ctx->lock);
	ctx->log_fn = fn;
	ctx->log_opaque = opaque;
	ctx->log_max = max_level;
	pthread_mutex_unlock(&ctx->lock);
}

void hv__log(hv_ctx *ctx, enum hv_log_level level, const char *fmt, ...)
{
	hv_logger_fn *fn;
	void *opaque;
	va_list ap;

	pthread_mutex_lock(&ctx->lock);
	fn = level <= ctx->log_max ? ctx->log_fn : NULL;
	opaque = ctx->log_opaque;
	pthread_mutex_unlock(&ctx->lock);
	if (!fn)
		return;
	va_start(ap, fmt);
	fn(opaque, level, fmt, ap);
	va_end(ap);
}
