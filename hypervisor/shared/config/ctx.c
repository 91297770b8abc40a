/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The context's logger, as libhv, hvd and hv-vmm all use it.
 *
 * The logger is never called with a lock held, so that it may block, take
 * its own locks or call libhv without deadlocking us: messages logged
 * while the thread holds one of libhv's locks (taken with hv__lock()) wait
 * in a per-thread list until hv__unlock() releases the last one.  The list
 * is empty whenever the thread is outside libhv.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctx.h"

/* at most this many messages wait for one lock's release; more are counted */
#define DEFERRED_MAX 256

struct deferred {
	struct deferred *next;
	hv_ctx *ctx;
	enum hv_log_level level;
	char *msg;
};

static __thread unsigned int locks_held;
static __thread struct deferred *deferred_head, **deferred_tail;
static __thread unsigned int deferred_nr, deferred_dropped;
static __thread hv_ctx *dropped_ctx;
static __thread unsigned int in_logger;

void hv__ctx_init(hv_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	pthread_mutex_init(&ctx->lock, NULL);
	pthread_cond_init(&ctx->log_idle, NULL);
	ctx->log_max = HV_LOG_INFO;
}

void hv__ctx_fini(hv_ctx *ctx)
{
	pthread_cond_destroy(&ctx->log_idle);
	pthread_mutex_destroy(&ctx->lock);
}

HV__EXPORT void hv_ctx_set_logger(hv_ctx *ctx, hv_logger_fn *fn, void *opaque,
				  enum hv_log_level max_level)
{
	unsigned int old;

	pthread_mutex_lock(&ctx->lock);
	/* the generation before the current one has ended: its slot is free */
	while (!in_logger && ctx->log_users[(ctx->log_gen + 1) & 1])
		pthread_cond_wait(&ctx->log_idle, &ctx->lock);
	ctx->log_fn = fn;
	ctx->log_opaque = opaque;
	ctx->log_max = max_level;
	old = ctx->log_gen & 1;
	ctx->log_gen++;
	while (!in_logger && ctx->log_users[old])
		pthread_cond_wait(&ctx->log_idle, &ctx->lock);
	pthread_mutex_unlock(&ctx->lock);
}

static void call_fn(hv_logger_fn *fn, void *opaque, enum hv_log_level level,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fn(opaque, level, fmt, ap);
	va_end(ap);
}

/*
 * The logger for a message at @level, or NULL; while the caller uses it,
 * it counts as one of its generation's (*gen_r) until logger_leave().
 */
static hv_logger_fn *logger_enter(hv_ctx *ctx, enum hv_log_level level,
				  void **opaque_r, unsigned int *gen_r)
{
	hv_logger_fn *fn;

	pthread_mutex_lock(&ctx->lock);
	fn = level <= ctx->log_max ? ctx->log_fn : NULL;
	*opaque_r = ctx->log_opaque;
	*gen_r = ctx->log_gen & 1;
	if (fn)
		ctx->log_users[*gen_r]++;
	pthread_mutex_unlock(&ctx->lock);
	if (fn)
		in_logger++;
	return fn;
}

static void logger_leave(hv_ctx *ctx, unsigned int gen)
{
	in_logger--;
	pthread_mutex_lock(&ctx->lock);
	if (!--ctx->log_users[gen])
		pthread_cond_broadcast(&ctx->log_idle);
	pthread_mutex_unlock(&ctx->lock);
}

static void log_msg(hv_ctx *ctx, enum hv_log_level level, const char *msg)
{
	hv_logger_fn *fn;
	unsigned int gen;
	void *opaque;

	fn = logger_enter(ctx, level, &opaque, &gen);
	if (!fn)
		return;
	call_fn(fn, opaque, level, "%s", msg);
	logger_leave(ctx, gen);
}

static bool wanted(hv_ctx *ctx, enum hv_log_level level)
{
	bool yes;

	pthread_mutex_lock(&ctx->lock);
	yes = ctx->log_fn && level <= ctx->log_max;
	pthread_mutex_unlock(&ctx->lock);
	return yes;
}

static void defer(hv_ctx *ctx, enum hv_log_level level, const char *fmt,
		  va_list ap)
{
	struct deferred *d;

	if (!wanted(ctx, level))
		return;
	d = deferred_nr < DEFERRED_MAX ? calloc(1, sizeof(*d)) : NULL;
	if (!d || vasprintf(&d->msg, fmt, ap) < 0) {
		free(d);
		deferred_dropped++;
		dropped_ctx = ctx;
		return;
	}
	d->ctx = ctx;
	d->level = level;
	if (!deferred_head)
		deferred_tail = &deferred_head;
	*deferred_tail = d;
	deferred_tail = &d->next;
	deferred_nr++;
}

/* Pass on what waited (no lock held); a logger may log, or lock, again. */
static void flush_deferred(void)
{
	struct deferred *d = deferred_head;
	unsigned int dropped = deferred_dropped;
	hv_ctx *ctx = dropped_ctx;

	deferred_head = NULL;
	deferred_nr = 0;
	deferred_dropped = 0;
	dropped_ctx = NULL;
	while (d) {
		struct deferred *next = d->next;

		log_msg(d->ctx, d->level, d->msg);
		free(d->msg);
		free(d);
		d = next;
	}
	if (dropped)
		hv__log(ctx, HV_LOG_WARN, "%u log messages were dropped (out of memory, or too many at once)",
			dropped);
}

void hv__log(hv_ctx *ctx, enum hv_log_level level, const char *fmt, ...)
{
	hv_logger_fn *fn;
	unsigned int gen;
	void *opaque;
	va_list ap;

	va_start(ap, fmt);
	if (locks_held) {
		defer(ctx, level, fmt, ap);
	} else if ((fn = logger_enter(ctx, level, &opaque, &gen))) {
		fn(opaque, level, fmt, ap);
		logger_leave(ctx, gen);
	}
	va_end(ap);
}

void hv__lock(pthread_mutex_t *m)
{
	pthread_mutex_lock(m);
	locks_held++;
}

void hv__unlock(pthread_mutex_t *m)
{
	pthread_mutex_unlock(m);
	if (!--locks_held && (deferred_head || deferred_dropped))
		flush_deferred();
}
