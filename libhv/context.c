/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include "client.h"

HV__EXPORT int hv_ctx_new(hv_ctx **ctx_r)
{
	hv_ctx *ctx = calloc(1, sizeof(*ctx));

	*ctx_r = NULL;
	if (!ctx)
		return HV_ERROR_NOMEM;
	ctx->client = hv__client_new();
	if (!ctx->client) {
		free(ctx);
		return HV_ERROR_NOMEM;
	}
	pthread_mutex_init(&ctx->lock, NULL);
	ctx->log_max = HV_LOG_INFO;
	*ctx_r = ctx;
	return 0;
}

HV__EXPORT void hv_ctx_free(hv_ctx *ctx)
{
	if (!ctx)
		return;
	hv__client_free(ctx->client);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
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

HV__EXPORT const char *hv_version(void)
{
	return PACKAGE_VERSION;
}
