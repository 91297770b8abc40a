/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The logger of the libhv fuzzers: it formats every message (so that the
 * message code runs too, under the sanitizers) and prints none.
 */
#ifndef HV_FUZZ_LOG_H
#define HV_FUZZ_LOG_H

#include <stdarg.h>
#include <stdio.h>
#include <hv/hv.h>

static void fuzz_logger(void *opaque, enum hv_log_level level, const char *fmt,
			va_list ap) __attribute__((format(printf, 3, 0)));

static void fuzz_logger(void *opaque, enum hv_log_level level, const char *fmt, va_list ap)
{
	char buf[1024];

	(void)opaque;
	(void)level;
	vsnprintf(buf, sizeof(buf), fmt, ap);
}

#endif
