/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Two text forms of xl.cfg that more than the configuration reads: CPU
 * lists (cpus=, xl vcpu-pin) and vif rates.  Built into libhv, hvd and
 * hv-vmm with the rest of the configuration, and into xl, which prints
 * them as libxl's bitmaps and credit (xl list -l, xl create -n).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "config_int.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads a decimal number below 65536 at *p; false if there is none. */
static bool read_cpu_number(const char **p, unsigned int *v)
{
	const char *s = *p;
	unsigned int n = 0;

	if (!is_digit(*s))
		return false;
	while (is_digit(*s)) {
		n = n * 10 + (unsigned int)(*s++ - '0');
		if (n > 65535)
			return false;
	}
	*v = n;
	*p = s;
	return true;
}

const char *hv__cpulist_parse(const char *s, cpu_set_t *set,
			      int (*node_cpus)(unsigned int node, cpu_set_t *cpus),
			      char *buf, size_t len)
{
	const char *p = s;
	bool first = true;

	if (set)
		CPU_ZERO(set);
	for (;;) {
		const char *item = p;
		bool exclude = false, node = false, all = false;
		unsigned int a = 0, b;
		cpu_set_t these;

		if (*p == '^') {
			exclude = true;
			p++;
		}
		if (!strncmp(p, "all", 3) && (p[3] == ',' || !p[3])) {
			p += 3;
			all = true;
		} else {
			if (!strncmp(p, "nodes:", 6)) {
				p += 6;
				node = true;
			} else if (!strncmp(p, "node:", 5)) {
				p += 5;
				node = true;
			}
			if (!read_cpu_number(&p, &a))
				goto bad;
			b = a;
			if (*p == '-') {
				p++;
				if (!read_cpu_number(&p, &b))
					goto bad;
				if (b < a) {
					snprintf(buf, len, "is not a CPU list: range \"%.*s\" runs backwards (write it low-high, e.g. \"%u-%u\")",
						 (int)(p - item), item, b, a);
					return buf;
				}
			}
			if (set && !node && b >= CPU_SETSIZE) {
				snprintf(buf, len, "names CPU %u; hv pins to CPUs 0 to %d only", b,
					 CPU_SETSIZE - 1);
				return buf;
			}
		}
		if (*p && *p != ',')
			goto bad;
		if (set) {
			/* a list that starts by taking CPUs away takes them from all */
			if (first && exclude)
				for (unsigned int c = 0; c < CPU_SETSIZE; c++)
					CPU_SET(c, set);
			CPU_ZERO(&these);
			if (all) {
				for (unsigned int c = 0; c < CPU_SETSIZE; c++)
					CPU_SET(c, &these);
			} else if (node) {
				for (unsigned int n = a; n <= b; n++) {
					cpu_set_t nc;

					if (!node_cpus || node_cpus(n, &nc)) {
						snprintf(buf, len, "names NUMA node %u, which this host does not have", n);
						return buf;
					}
					CPU_OR(&these, &these, &nc);
				}
			} else {
				for (unsigned int c = a; c <= b; c++)
					CPU_SET(c, &these);
			}
			if (exclude)
				for (unsigned int c = 0; c < CPU_SETSIZE; c++)
					if (CPU_ISSET(c, &these))
						CPU_CLR(c, set);
			if (!exclude)
				CPU_OR(set, set, &these);
		}
		first = false;
		if (!*p)
			return NULL;
		p++;
		continue;
bad:
		snprintf(buf, len, "is not a CPU list: \"%.*s\" is not a CPU, a range or \"all\" (try \"0-3\", \"0-3,^1\", \"all\" or \"nodes:0\")",
			 (int)strcspn(item, ","), item);
		return buf;
	}
}

const char *hv__check_cpus(const char *s, char *buf, size_t len)
{
	return hv__cpulist_parse(s, NULL, NULL, buf, len);
}

int hv__cpulist_format(const cpu_set_t *set, unsigned int nr_cpus, char *out, size_t size)
{
	size_t at = 0;
	unsigned int c = 0, n = 0;

	if (size)
		out[0] = '\0';
	for (unsigned int i = 0; i < nr_cpus && i < CPU_SETSIZE; i++)
		n += CPU_ISSET(i, set) != 0;
	if (n && n == nr_cpus)
		return snprintf(out, size, "all") < (int)size ? 0 : -1;
	while (c < CPU_SETSIZE) {
		unsigned int e;
		int w;

		if (!CPU_ISSET(c, set)) {
			c++;
			continue;
		}
		for (e = c; e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, set); e++)
			;
		w = e == c ? snprintf(out + at, size - at, "%s%u", at ? "," : "", c) :
			     snprintf(out + at, size - at, "%s%u-%u", at ? "," : "", c, e);
		if (w < 0 || (size_t)w >= size - at)
			return -1;
		at += (size_t)w;
		c = e + 1;
	}
	return 0;
}

/* Digits, at most @max: 0 and the end in *@end_r, or -1. */
static int parse_u64(const char *p, uint64_t max, uint64_t *v_r, const char **end_r)
{
	uint64_t v = 0;

	if (!is_digit(*p))
		return -1;
	for (; is_digit(*p); p++) {
		if (v > (max - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*v_r = v;
	*end_r = p;
	return 0;
}

int hv__rate_parse(const char *s, uint64_t *bytes_r, uint64_t *interval_us_r)
{
	static const struct { const char *sfx; uint64_t mul; } units[] = {
		{ "s", 1000000 }, { "ms", 1000 }, { "us", 1 }, { "", 1 },
	};
	uint64_t n, scale = 1, per_s, us;
	const char *p;

	if (parse_u64(s, UINT64_C(1) << 50, &n, &p))
		return -1;
	if (*p == 'K' || *p == 'M' || *p == 'G') {
		scale = *p == 'K' ? 1000 : *p == 'M' ? 1000000 : 1000000000;
		p++;
	}
	if (*p != 'B' && *p != 'b')
		return -1;
	per_s = n * scale;
	if (*p++ == 'b')
		per_s /= 8;
	if (strncmp(p, "/s", 2) || !per_s)
		return -1;
	p += 2;
	us = HV__RATE_INTERVAL_DEFAULT_US;
	if (*p) {
		size_t i;

		if (*p++ != '@' || parse_u64(p, 1000000000, &us, &p))
			return -1;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(p, units[i].sfx))
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return -1;
		us *= units[i].mul;
		if (!us || us > HV__RATE_INTERVAL_MAX_US)
			return -1;
	}
	/* the credit per interval: at least one byte */
	*bytes_r = per_s / 1000000 * us + per_s % 1000000 * us / 1000000;
	if (!*bytes_r)
		*bytes_r = 1;
	*interval_us_r = us;
	return 0;
}

const char *hv__check_rate(const char *s)
{
	uint64_t b, us;

	if (!hv__rate_parse(s, &b, &us))
		return NULL;
	return "is not a rate (a number with K, M or G (powers of 1000) and B (bytes) or b (bits), then /s and optionally @ an interval in s, ms or us up to 10 s, e.g. \"10Mb/s@20ms\")";
}

int hv__node_cpus(unsigned int node, cpu_set_t *cpus)
{
	char path[80], list[4096], why[160];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%u/cpulist", node);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, list, sizeof(list) - 1);
	close(fd);
	if (n < 0)
		return -1;
	list[n] = '\0';
	list[strcspn(list, "\n")] = '\0';
	if (!list[0]) {
		CPU_ZERO(cpus);
		return 0;
	}
	return hv__cpulist_parse(list, cpus, NULL, why, sizeof(why)) ? -1 : 0;
}
