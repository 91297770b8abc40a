/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hvd.h"

/*
 * One write per line, so lines from a restarted hvd never interleave with
 * a half-written one.  In the foreground the same line goes to stderr.
 */
void hvd_log(struct hvd *hvd, enum hvd_log_level level, const char *fmt, ...)
{
	static const char *const tag[] = { "error: ", "", "debug: " };
	char line[2048];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n, m;

	if (level == HVD_LOG_DEBUG && !hvd->verbose)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ hvd[%d]: %s",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		     tm.tm_sec, ts.tv_nsec / 1000000, (int)getpid(), tag[level]);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (hvd->log_fd >= 0 && write(hvd->log_fd, line, n) < 0) {
		/* nothing better to do with a full disk than to go on */
	}
	if (hvd->foreground && write(STDERR_FILENO, line, n) < 0) {
		/* stderr closed: the log file has it */
	}
}
