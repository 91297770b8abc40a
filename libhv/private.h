/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libhv internals: hv__ names, hidden from the ABI. */
#ifndef HV_PRIVATE_H
#define HV_PRIVATE_H

#include <stddef.h>
#include "config/ctx.h"

/*
 * Size-prefixed public structures (struct_size first): @min is the size of
 * the structure's first version, @known libhv's sizeof.
 *
 * hv__sized_check - 0, or HV_ERROR_INVAL (logged, naming @type) if @s is
 * NULL or was not initialised.
 *
 * hv__sized_out - copy libhv's @src into the caller's @dst, only what fits
 * in dst's struct_size, which is kept; HV_ERROR_INVAL as hv__sized_check().
 */
int hv__sized_check(hv_ctx *ctx, const void *s, size_t min, const char *type);
int hv__sized_out(hv_ctx *ctx, void *dst, const void *src, size_t min,
		  size_t known, const char *type);
/*
 * hv__sized_in - the caller's @src into libhv's @dst (zeroed first, its
 * struct_size set to @known; NULL @src leaves it so).  A larger
 * @src is accepted if the bytes libhv does not know are zero.
 * HV_ERROR_INVAL (logged) otherwise, or if @src was not initialised.
 */
int hv__sized_in(hv_ctx *ctx, void *dst, const void *src, size_t min,
		 size_t known, const char *type);

/* The size of a structure's first version: up to the end of @last. */
#define HV__SIZE_UPTO(type, last) \
	(offsetof(type, last) + sizeof(((type *)0)->last))

#endif
