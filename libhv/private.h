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

/*
 * hv__file_read - the whole file at @path into *buf_r (malloc()ed, with a
 * NUL after its *len_r bytes), for a file that holds a @what ("config
 * file"), at most @max bytes.  0, HV_ERROR_IO (cannot open or read it),
 * HV_ERROR_CONFIG (larger than @max), HV_ERROR_NOMEM; failures but the
 * last are logged, naming @path.
 */
int hv__file_read(hv_ctx *ctx, const char *path, size_t max, const char *what,
		  char **buf_r, size_t *len_r);

/* The size of a structure's first version: up to the end of @last. */
#define HV__SIZE_UPTO(type, last) \
	(offsetof(type, last) + sizeof(((type *)0)->last))

#endif
