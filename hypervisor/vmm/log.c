/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "log.h"

int log_verbosity = LOG_ERR;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char last_error[256];

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void log_v(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "" };

	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "hv-vmm: %s", prefix[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&log_lock);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == LOG_ERR) {
		va_start(ap, fmt);
		pthread_mutex_lock(&log_lock);
		vsnprintf(last_error, sizeof(last_error), fmt, ap);
		pthread_mutex_unlock(&log_lock);
		va_end(ap);
	}
	if ((int)level > log_verbosity)
		return;
	va_start(ap, fmt);
	log_v(level, fmt, ap);
	va_end(ap);
}

void log_last_error(char *buf, size_t size)
{
	pthread_mutex_lock(&log_lock);
	snprintf(buf, size, "%s", last_error);
	pthread_mutex_unlock(&log_lock);
}

void log_clear_error(void)
{
	pthread_mutex_lock(&log_lock);
	last_error[0] = '\0';
	pthread_mutex_unlock(&log_lock);
}

void log_ratelimited(struct ratelimit *rl, const char *fmt, ...)
{
	uint64_t now = now_ns();
	unsigned int dropped = 0;
	va_list ap;

	if (log_verbosity < LOG_WARN)
		return;
	pthread_mutex_lock(&log_lock);
	if (now - rl->window_start_ns > 1000000000ull) {
		dropped = rl->suppressed;
		rl->window_start_ns = now;
		rl->count = 0;
		rl->suppressed = 0;
	}
	if (rl->count >= 10) {
		rl->suppressed++;
		pthread_mutex_unlock(&log_lock);
		return;
	}
	rl->count++;
	pthread_mutex_unlock(&log_lock);
	if (dropped)
		log_msg(LOG_WARN, "guest: %u similar messages suppressed", dropped);
	va_start(ap, fmt);
	log_v(LOG_WARN, fmt, ap);
	va_end(ap);
}
