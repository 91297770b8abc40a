/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Size-prefixed public structures: their first member, struct_size, is the
 * size of the caller's copy, so that they can grow at their end without
 * breaking programs built against an older header (see domain.h).
 */
#include <stdbool.h>
#include <string.h>
#include <hv/domain.h>
#include "private.h"

static bool zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int hv__sized_check(hv_ctx *ctx, const void *s, size_t min, const char *type)
{
	size_t size;

	if (!s) {
		HV__ERR(ctx, "%s: NULL instead of a structure to fill", type);
		return HV_ERROR_INVAL;
	}
	memcpy(&size, s, sizeof(size));
	if (size < min) {
		HV__ERR(ctx, "%s: struct_size is %zu, not initialised (call %s_init() first)",
			type, size, type);
		return HV_ERROR_INVAL;
	}
	return 0;
}

int hv__sized_out(hv_ctx *ctx, void *dst, const void *src, size_t min,
		  size_t known, const char *type)
{
	size_t size;
	int rc;

	rc = hv__sized_check(ctx, dst, min, type);
	if (rc)
		return rc;
	memcpy(&size, dst, sizeof(size));
	if (size > known)
		size = known;
	memcpy((unsigned char *)dst + sizeof(size_t),
	       (const unsigned char *)src + sizeof(size_t),
	       size - sizeof(size_t));
	return 0;
}

int hv__sized_in(hv_ctx *ctx, void *dst, const void *src, size_t min,
		 size_t known, const char *type)
{
	size_t size;

	memset(dst, 0, known);
	memcpy(dst, &known, sizeof(known));
	if (!src)
		return 0;
	memcpy(&size, src, sizeof(size));
	if (size < min) {
		HV__ERR(ctx, "%s: struct_size is %zu, not initialised (call %s_init() first)",
			type, size, type);
		return HV_ERROR_INVAL;
	}
	if (size > known &&
	    !zero((const unsigned char *)src + known, size - known)) {
		HV__ERR(ctx, "%s: sets members this libhv %s does not know (upgrade libhv)",
			type, PACKAGE_VERSION);
		return HV_ERROR_INVAL;
	}
	memcpy((unsigned char *)dst + sizeof(size_t),
	       (const unsigned char *)src + sizeof(size_t),
	       (size < known ? size : known) - sizeof(size_t));
	return 0;
}

static void init_sized(void *s, size_t size)
{
	memset(s, 0, size);
	if (size >= sizeof(size_t))
		memcpy(s, &size, sizeof(size));
}

HV__EXPORT void hv_dominfo_init_sized(hv_dominfo *info, size_t size)
{
	init_sized(info, size);
}

HV__EXPORT void hv_physinfo_init_sized(hv_physinfo *info, size_t size)
{
	init_sized(info, size);
}

HV__EXPORT void hv_meminfo_init_sized(hv_meminfo *info, size_t size)
{
	init_sized(info, size);
}

HV__EXPORT void hv_event_init_sized(hv_event *ev, size_t size)
{
	init_sized(ev, size);
}

HV__EXPORT void hv_progress_init_sized(hv_progress *progress, size_t size)
{
	init_sized(progress, size);
}

HV__EXPORT void hv_migrate_params_init_sized(hv_migrate_params *params, size_t size)
{
	init_sized(params, size);
}

HV__EXPORT void hv_migrate_stats_init_sized(hv_migrate_stats *stats, size_t size)
{
	init_sized(stats, size);
}

HV__EXPORT void hv_restore_params_init_sized(hv_restore_params *params,
					     size_t size)
{
	init_sized(params, size);
}
