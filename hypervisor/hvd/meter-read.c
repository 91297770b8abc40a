/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "meter-read.h"

ssize_t meter_read_file(const char *path, char *buf, size_t size)
{
	size_t have = 0;
	int fd;

	if (size < 2)
		return -EINVAL;
	/* O_NOFOLLOW is no use here: /sys/class/net/IF is itself a link */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	/* procfs and sysfs give a small file in one read; loop for the rest */
	while (have < size - 1) {
		ssize_t n = read(fd, buf + have, size - 1 - have);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	if (have == size - 1)
		return -EFBIG;
	buf[have] = '\0';
	return (ssize_t)have;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* The digits at @p (at most @end): advances *p past them; 0 or -EINVAL. */
static int digits(const char **p, const char *end, uint64_t *v_r)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || *s < '0' || *s > '9')
		return -EINVAL;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*p = s;
	*v_r = v;
	return 0;
}

int meter_parse_u64(const char *text, size_t len, uint64_t *v_r)
{
	const char *p = text, *end = text + len;
	uint64_t v;

	if (digits(&p, end, &v))
		return -EINVAL;
	for (; p < end; p++)
		if (!is_space(*p))
			return -EINVAL;
	*v_r = v;
	return 0;
}

int meter_read_u64(const char *path, uint64_t *v_r)
{
	char buf[64];
	ssize_t n = meter_read_file(path, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return meter_parse_u64(buf, (size_t)n, v_r);
}

int meter_parse_stat(const char *text, size_t len, uint64_t *ticks_r, uint64_t *start_r)
{
	const char *end = text + len, *p = NULL;
	uint64_t v, utime = 0, stime = 0, start = 0;
	int field;

	/* the command (field 2) may hold spaces and ')': fields resume after the last ')' */
	for (const char *q = text; q < end; q++)
		if (*q == ')')
			p = q;
	if (!p || p + 2 >= end || p[1] != ' ')
		return -EINVAL;
	p += 2;
	/* field 3, the state, is a letter; 4 on are numbers, some negative */
	if (p >= end || *p == ' ')
		return -EINVAL;
	p++;
	for (field = 4; field <= 22; field++) {
		if (p >= end || *p != ' ')
			return -EINVAL;
		p++;
		if (p < end && *p == '-')
			p++;
		if (digits(&p, end, &v))
			return -EINVAL;
		if (field == 14)
			utime = v;
		else if (field == 15)
			stime = v;
		else if (field == 22)
			start = v;
	}
	if (utime > UINT64_MAX - stime)
		return -EINVAL;
	if (ticks_r)
		*ticks_r = utime + stime;
	if (start_r)
		*start_r = start;
	return 0;
}

int meter_parse_status_kb(const char *text, size_t len, const char *key, uint64_t *bytes_r)
{
	const char *end = text + len, *p = text;
	size_t klen = strlen(key);
	uint64_t v;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) > klen && !memcmp(p, key, klen) && p[klen] == ':') {
			p += klen + 1;
			while (p < eol && is_space(*p))
				p++;
			if (digits(&p, eol, &v))
				return -EINVAL;
			if (eol - p != 3 || memcmp(p, " kB", 3) || v > UINT64_MAX / 1024)
				return -EINVAL;
			*bytes_r = v * 1024;
			return 0;
		}
		p = eol + 1;
	}
	return -ENOENT;
}

int meter_ifname_ok(const char *name)
{
	size_t n = strlen(name);

	/* IFNAMSIZ less its NUL; "." and ".." and a '/' would leave the folder */
	if (n == 0 || n > 15 || !strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/' || name[i] <= ' ' || name[i] > '~' || name[i] == ':')
			return 0;
	return 1;
}
