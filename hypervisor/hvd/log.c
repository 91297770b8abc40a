/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>
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

int log_op_read(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req)
{
	struct hv_hc_read_log_reply r = { 0 };
	uint8_t *body = hvd->listbuf;
	size_t room = HV_HC_MSG_MAX - sizeof(struct hv_hc_hdr) - sizeof(r);
	struct stat st;
	ssize_t n = 0;

	if (hvd->log_fd < 0 || fstat(hvd->log_fd, &st) < 0) {
		server_reply_msg(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EIO,
				 "hvd has no log file open");
		return HVD_REPLIED;
	}
	r.size = (uint64_t)st.st_size;
	/* past the end: the log was emptied (or cut) since; start again */
	r.offset = req->u.read_log.offset <= r.size ? req->u.read_log.offset : 0;
	if (r.size - r.offset < room)
		room = (size_t)(r.size - r.offset);
	while (room && (n = pread(hvd->log_fd, body + sizeof(r), room, (off_t)r.offset)) < 0 &&
	       errno == EINTR)
		;
	if (n < 0) {
		server_reply_msg(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EIO,
				 "hvd cannot read its log");
		return HVD_REPLIED;
	}
	/* emptied only once the client has it all, so that no line is lost */
	if ((req->u.read_log.flags & HV_HC_READ_LOG_CLEAR) && r.offset + (uint64_t)n >= r.size &&
	    ftruncate(hvd->log_fd, 0) == 0) {
		r.flags = HV_HC_READ_LOG_CLEARED;
		hvd_info(hvd, "log emptied, as asked (xl dmesg -c)");
	}
	memcpy(body, &r, sizeof(r));
	server_reply(hvd, c->id, req->hdr.op, req->hdr.seq, 0, body, sizeof(r) + (size_t)n, -1);
	return HVD_REPLIED;
}
