/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HV_VMM_LOG_H
#define HV_VMM_LOG_H

#include <stddef.h>
#include <stdint.h>

/*
 * hv-vmm writes nothing but the guest console to stdout.  Diagnostics go to
 * stderr: errors always, the rest with -v.  Anything a guest can trigger
 * is logged through log_ratelimited() so a hostile guest cannot flood it.
 */
enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int log_verbosity;

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct ratelimit {
	uint64_t window_start_ns;
	unsigned int count;
	unsigned int suppressed;
};

/* At most 10 lines per call site per second; says how many it dropped. */
void log_ratelimited(struct ratelimit *rl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define dbg(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* A guest did something it should not: rate-limited per call site. */
#define guest_warn(...) do {					\
	static struct ratelimit rl_;				\
	log_ratelimited(&rl_, __VA_ARGS__);			\
} while (0)

uint64_t now_ns(void);

/*
 * The last error logged (whatever the verbosity), "" if none since
 * log_clear_error(): what a failed BUILD or RESTORE reply tells hvd.
 * Copied into @buf of @size bytes.
 */
void log_last_error(char *buf, size_t size);
void log_clear_error(void);

#endif
