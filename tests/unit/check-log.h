/*
 * For check tests of libhv's readers: a context whose logger keeps every
 * message, one "E: " / "W: " / "I: " line each, in logbuf, and the source
 * tree's data.  log_setup() and log_teardown() are a checked fixture.
 */
#ifndef HV_TEST_CHECK_LOG_H
#define HV_TEST_CHECK_LOG_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hv/hv.h>

static char logbuf[65536];
static size_t loglen;
static hv_ctx *ctx;

static inline void log_clear(void)
{
	loglen = 0;
	logbuf[0] = '\0';
}

static inline void log_keep(void *opaque, enum hv_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static inline void log_keep(void *opaque, enum hv_log_level level, const char *fmt, va_list ap)
{
	int n;

	(void)opaque;
	if (loglen >= sizeof(logbuf) - 4)
		return;
	n = snprintf(logbuf + loglen, sizeof(logbuf) - loglen, "%s: ",
		     level == HV_LOG_ERROR ? "E" : level == HV_LOG_WARN ? "W" : "I");
	loglen += (size_t)n;
	n = vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen - 1, fmt, ap);
	if (n > 0)
		loglen += (size_t)n < sizeof(logbuf) - loglen - 1 ?
			  (size_t)n : sizeof(logbuf) - loglen - 2;
	logbuf[loglen++] = '\n';
	logbuf[loglen] = '\0';
}

static inline void log_setup(void)
{
	ck_assert_int_eq(hv_ctx_new(&ctx), 0);
	hv_ctx_set_logger(ctx, log_keep, NULL, HV_LOG_DEBUG);
	log_clear();
}

static inline void log_teardown(void)
{
	hv_ctx_free(ctx);
	ctx = NULL;
}

#define ck_log_has(s) \
	ck_assert_msg(strstr(logbuf, (s)), "log lacks [%s]; log is:\n%s", (s), logbuf)

/* The source tree: $top_srcdir under make check, else where it was built. */
static inline const char *test_srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s && *s ? s : HV_TEST_SRCDIR;
}

#endif
