/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include "meter-read.h"

ssize_t meter_pread(int fd, char *buf, size_t size)
{
	size_t have = 0;

	if (size < 2)
		return -EINVAL;
	/*
	 * procfs, cgroup files and sysfs give a small file whole in one read,
	 * made anew by a read at offset 0 (docs/metering.md): one shorter than
	 * asked is the end, and no second read is needed to say so
	 */
	while (have < size - 1) {
		size_t want = size - 1 - have;
		ssize_t n = pread(fd, buf + have, want, (off_t)have);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		have += (size_t)n;
		if ((size_t)n < want)
			break;
	}
	if (have == size - 1)
		return -EFBIG;
	buf[have] = '\0';
	return (ssize_t)have;
}

int meter_open(const char *path)
{
	/* O_NOFOLLOW is no use here: /sys/class/net/IF is itself a link */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	return fd < 0 ? -errno : fd;
}

ssize_t meter_read_file(const char *path, char *buf, size_t size)
{
	int fd = meter_open(path);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = meter_pread(fd, buf, size);
	close(fd);
	return n;
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

int meter_parse_task(const char *text, size_t len, struct meter_task *t)
{
	const char *end = text + len, *p = NULL;
	uint64_t v, utime = 0, stime = 0;
	int field;

	memset(t, 0, sizeof(*t));
	t->cpu = -1;
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
	t->state = *p++;
	/* up to the start time (22) they must be there; the CPU (39) may not */
	for (field = 4; field <= 39; field++) {
		if (field > 22 && (p >= end || *p == '\n'))
			break;
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
			t->start = v;
		else if (field == 39 && v <= INT32_MAX)
			t->cpu = (int32_t)v;
	}
	if (utime > UINT64_MAX - stime)
		return -EINVAL;
	t->ticks = utime + stime;
	return 0;
}

int meter_parse_stat(const char *text, size_t len, uint64_t *ticks_r, uint64_t *start_r)
{
	struct meter_task t;
	int rc = meter_parse_task(text, len, &t);

	if (rc)
		return rc;
	if (ticks_r)
		*ticks_r = t.ticks;
	if (start_r)
		*start_r = t.start;
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

int meter_parse_link(const void *msg, size_t len, struct meter_link *l)
{
	const struct nlmsghdr *h = msg;
	const struct ifinfomsg *ifi;
	const struct rtattr *a;
	uint64_t v[4] = { 0 };
	bool named = false;
	int counted = 0, left;	/* 64 or 32: which counters were read */

	memset(l, 0, sizeof(*l));
	if (len < NLMSG_LENGTH(sizeof(*ifi)) || h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)) ||
	    h->nlmsg_len > len)
		return -EINVAL;
	if (h->nlmsg_type != RTM_NEWLINK)
		return -ENOENT;
	ifi = NLMSG_DATA(h);
	l->ifindex = ifi->ifi_index;
	left = (int)IFLA_PAYLOAD(h);
	for (a = IFLA_RTA(ifi); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		const char *data = RTA_DATA(a);
		size_t n = RTA_PAYLOAD(a);

		if (a->rta_type == IFLA_IFNAME) {
			size_t k = strnlen(data, n);

			if (k == 0 || k == n || k >= sizeof(l->name))
				return -EINVAL;
			memcpy(l->name, data, k);
			named = true;
		} else if (a->rta_type == IFLA_STATS64 && n >= 4 * sizeof(uint64_t)) {
			/* struct rtnl_link_stats64 begins rx_packets, tx_packets, rx_bytes, tx_bytes */
			memcpy(v, data, sizeof(v));
			counted = 64;
		} else if (a->rta_type == IFLA_STATS && n >= 4 * sizeof(uint32_t) && counted != 64) {
			uint32_t v32[4];	/* the older 32-bit counters, where 64 are missing */

			memcpy(v32, data, sizeof(v32));
			for (int i = 0; i < 4; i++)
				v[i] = v32[i];
			counted = 32;
		}
	}
	l->rx_packets = v[0];
	l->tx_packets = v[1];
	l->rx_bytes = v[2];
	l->tx_bytes = v[3];
	return named && counted ? 0 : -ENOENT;
}

static void meter_time(uint64_t secs, char *buf, size_t size)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "1970-01-01T00:00:00Z");
}

/* @in (at most @max bytes) as a JSON string's contents: hvd's names are plain, but a
 * record must stay one valid line whatever a name holds */
static void meter_json_str(const char *in, size_t max, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < max && in[i] && o + 7 < size; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c > 0x7e) {
			o += (size_t)snprintf(out + o, size - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

/* Appends to @buf of @size at *@off; false once it does not fit (then *@off is @size). */
static bool meter_cat(char *buf, size_t size, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bool meter_cat(char *buf, size_t size, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= size)
		return false;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, size - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *off) {
		*off = size;
		return false;
	}
	*off += (size_t)n;
	return true;
}

int meter_format_record(const struct hv_hc_domstats *s, const char *why, uint64_t end_time,
			char *buf, size_t size)
{
	char name[HV_HC_NAME_MAX * 6 + 1], vdev[sizeof(s->disks[0].vdev) * 6 + 1];
	char uuid[37], start[32], end[32];
	const uint8_t *u = s->uuid;
	size_t off = 0;
	bool ok, first = true;

	snprintf(uuid, sizeof(uuid), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
		 u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	meter_time(s->start_time, start, sizeof(start));
	meter_time(end_time, end, sizeof(end));
	meter_json_str(s->name, sizeof(s->name), name, sizeof(name));
	ok = meter_cat(buf, size, &off, "{\"uuid\":\"%s\",\"name\":\"%s\",\"domid\":%" PRIu32
		       ",\"start\":\"%s\",\"end\":\"%s\",\"why\":\"%s\",\"cpu_ns\":%" PRIu64
		       ",\"mem_peak_bytes\":%" PRIu64 ",\"memory_mib\":%" PRIu64
		       ",\"vcpus\":%" PRIu32 ",\"vifs\":[", uuid, name, s->domid, start, end,
		       why, s->cpu_ns, s->mem_peak_bytes, s->memory_mib, s->vcpus);
	for (uint32_t i = 0; ok && i < s->nr_vifs && i < HV_HC_STATS_MAX_VIFS; i++) {
		const struct hv_hc_vifstats *v = &s->vifs[i];

		ok = meter_cat(buf, size, &off, "%s{\"devid\":%" PRIu32 ",\"rx_bytes\":%" PRIu64
			       ",\"rx_packets\":%" PRIu64 ",\"tx_bytes\":%" PRIu64
			       ",\"tx_packets\":%" PRIu64 "}", i ? "," : "", v->devid,
			       v->rx_bytes, v->rx_packets, v->tx_bytes, v->tx_packets);
	}
	ok = ok && meter_cat(buf, size, &off, "],\"disks\":[");
	/* the disks with counters (an empty CD-ROM drive has none) */
	for (uint32_t i = 0; ok && i < s->nr_disks && i < HV_HC_STATS_MAX_DISKS; i++) {
		const struct hv_hc_diskstats *k = &s->disks[i];

		if (!k->valid)
			continue;
		meter_json_str(k->vdev, sizeof(k->vdev), vdev, sizeof(vdev));
		ok = meter_cat(buf, size, &off, "%s{\"vdev\":\"%s\",\"rd_reqs\":%" PRIu64
			       ",\"rd_bytes\":%" PRIu64 ",\"wr_reqs\":%" PRIu64 ",\"wr_bytes\":%"
			       PRIu64 "}", first ? "" : ",", vdev, k->rd_reqs, k->rd_bytes,
			       k->wr_reqs, k->wr_bytes);
		first = false;
	}
	ok = ok && meter_cat(buf, size, &off, "]}\n");
	return ok ? (int)off : -1;
}
