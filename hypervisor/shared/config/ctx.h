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
	struct hv__client *client;	/* libhv: connections to hvd; else NULL */
};

/* A context with no logger and no client; never fails. */
void hv__ctx_init(hv_ctx *ctx);
void hv__ctx_fini(hv_ctx *ctx);

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

#endif
