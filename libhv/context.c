/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The library context: its logger (hypervisor/shared/config/ctx.c) and its
 * connections to hvd. */
#include <stdlib.h>
#include "client.h"

HV__EXPORT int hv_ctx_new(hv_ctx **ctx_r)
{
	hv_ctx *ctx = calloc(1, sizeof(*ctx));

	*ctx_r = NULL;
	if (!ctx)
		return HV_ERROR_NOMEM;
	hv__ctx_init(ctx);
	ctx->client = hv__client_new();
	if (!ctx->client) {
		hv__ctx_fini(ctx);
		free(ctx);
		return HV_ERROR_NOMEM;
	}
	*ctx_r = ctx;
	return 0;
}

HV__EXPORT void hv_ctx_free(hv_ctx *ctx)
{
	if (!ctx)
		return;
	hv__client_free(ctx->client);
	hv__ctx_fini(ctx);
	free(ctx);
}

HV__EXPORT const char *hv_version(void)
{
	return PACKAGE_VERSION;
}
