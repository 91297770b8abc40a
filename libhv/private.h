/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libhv internals: hv__ names, hidden from the ABI. */
#ifndef HV_PRIVATE_H
#define HV_PRIVATE_H

#include <pthread.h>
#include <stddef.h>
#include <hv/hv.h>

#define HV__EXPORT __attribute__((visibility("default")))

struct hv_ctx {
	pthread_mutex_t lock;		/* the logger's members below */
	hv_logger_fn *log_fn;
	void *log_opaque;
	enum hv_log_level log_max;
	/* calls in the logger, by the parity of the generation they began in
	 * (a new logger starts a generation): hv_ctx_set_logger() waits for
	 * the old generation's to end */
	unsigned int log_gen;
	unsigned int log_users[2];
	pthread_cond_t log_idle;
	struct hv__client *client;	/* connections to hvd (client.c) */
};

/*
 * Log through the context's logger.  While the calling thread holds a lock
 * taken with hv__lock(), the message is kept and passed on by the
 * hv__unlock() that releases the last one, so that no lock is held while
 * the logger runs.
 */
void hv__log(hv_ctx *ctx, enum hv_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* pthread_mutex_lock/unlock for libhv's locks (see hv__log()). */
void hv__lock(pthread_mutex_t *m);
void hv__unlock(pthread_mutex_t *m);

#define HV__ERR(ctx, ...) hv__log((ctx), HV_LOG_ERROR, __VA_ARGS__)
#define HV__WARN(ctx, ...) hv__log((ctx), HV_LOG_WARN, __VA_ARGS__)
#define HV__INFO(ctx, ...) hv__log((ctx), HV_LOG_INFO, __VA_ARGS__)
#define HV__DEBUG(ctx, ...) hv__log((ctx), HV_LOG_DEBUG, __VA_ARGS__)

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
