/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading a whole configuration file (xl.cfg, domain XML) into memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "private.h"

int hv__file_read(hv_ctx *ctx, const char *path, size_t max, const char *what,
		  char **buf_r, size_t *len_r)
{
	char *buf = NULL, *n;
	size_t len = 0, cap = 0;
	int fd, rc = 0;

	*buf_r = NULL;
	*len_r = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		HV__ERR(ctx, "%s: cannot open the %s: %s", path, what, strerror(errno));
		return HV_ERROR_IO;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			/* one byte past @max tells a file that is too large */
			cap = cap ? cap * 2 : 8192;
			if (cap > max + 1)
				cap = max + 1;
			n = realloc(buf, cap + 1);
			if (!n) {
				rc = HV_ERROR_NOMEM;
				goto out;
			}
			buf = n;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			HV__ERR(ctx, "%s: cannot read the %s: %s", path, what, strerror(errno));
			rc = HV_ERROR_IO;
			goto out;
		}
		if (!r)
			break;
		len += (size_t)r;
		if (len > max) {
			if (max >= 1u << 20)
				HV__ERR(ctx, "%s: larger than %zu MiB; is this really a %s?", path,
					max >> 20, what);
			else
				HV__ERR(ctx, "%s: larger than %zu KiB; is this really a %s?", path,
					max >> 10, what);
			rc = HV_ERROR_CONFIG;
			goto out;
		}
	}
	if (!buf && !(buf = malloc(1))) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	buf[len] = '\0';
	*buf_r = buf;
	*len_r = len;
	buf = NULL;
out:
	close(fd);
	free(buf);
	return rc;
}
