/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading the kernel's counters for metering (meter.c): small files of
 * /proc, /sys and the cgroup filesystem, read once with a bounded buffer
 * and parsed strictly, since a counter that cannot be read is reported as
 * missing, never as a guess.  No state, so the unit test reads real files.
 */
#ifndef HVD_METER_READ_H
#define HVD_METER_READ_H

#include <stdint.h>
#include <sys/types.h>
#include <public/hypercall.h>

/* The most bytes read of one such file; a longer one is refused. */
#define METER_READ_MAX	4096

/*
 * The @len bytes of @text (no NUL needed) as one unsigned decimal number,
 * optionally followed by whitespace: 0 with *v_r set, or -EINVAL.
 */
int meter_parse_u64(const char *text, size_t len, uint64_t *v_r);
/* The file @path holding one such number: 0, or -errno (-EINVAL: not one). */
int meter_read_u64(const char *path, uint64_t *v_r);
/*
 * The text of /proc/PID/stat (@len bytes): utime + stime in clock ticks
 * into *ticks_r and the start time (ticks after boot) into *start_r
 * (either may be NULL).  0, or -EINVAL if it is not such a line.
 */
int meter_parse_stat(const char *text, size_t len, uint64_t *ticks_r, uint64_t *start_r);
/* The same line's state letter (field 3), utime + stime, start time and
 * the CPU it ran on last (field 39; -1 where the line ends before it). */
struct meter_task {
	char state;
	uint64_t ticks;
	uint64_t start;
	int32_t cpu;
};
int meter_parse_task(const char *text, size_t len, struct meter_task *t);
/*
 * The "KEY:   N kB" line of a /proc/PID/status text in bytes: 0, -ENOENT
 * (no such line) or -EINVAL.
 */
int meter_parse_status_kb(const char *text, size_t len, const char *key, uint64_t *bytes_r);
/* Reads a whole small file into @buf (NUL-terminated): its length, or -errno. */
ssize_t meter_read_file(const char *path, char *buf, size_t size);
/*
 * The same through @fd, from offset 0: procfs seq files, cgroup files and
 * sysfs attributes are made anew by such a read, so one descriptor serves
 * every sample.  Its length, or -errno (-ESRCH: the process is gone,
 * -ENODEV: the cgroup or the interface is; -EFBIG: longer than @size - 1).
 */
ssize_t meter_pread(int fd, char *buf, size_t size);
/* Opens @path for meter_pread(): a descriptor, or -errno. */
int meter_open(const char *path);
/*
 * A network interface's counters as RTM_NEWLINK says them (rtnetlink):
 * its own view, so a tap's tx is what its guest received.
 */
struct meter_link {
	int32_t ifindex;
	char name[16];		/* IFNAMSIZ, NUL-terminated */
	uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets;
};
/*
 * One netlink message of @len bytes at @msg (struct nlmsghdr first, its
 * nlmsg_len at most @len) as a link with counters into *@l: 0, -ENOENT (not
 * RTM_NEWLINK, or no name or counters in it) or -EINVAL (malformed).
 */
int meter_parse_link(const void *msg, size_t len, struct meter_link *l);
/*
 * The usage record of a domain that ended at @end_time (seconds since the
 * epoch) with the totals @s, for @why: one JSON line (docs/metering.md)
 * into @buf.  Its length, or -1 if it does not fit.
 */
int meter_format_record(const struct hv_hc_domstats *s, const char *why, uint64_t end_time,
			char *buf, size_t size);
/* Whether @name is an interface name hvd may put in a /sys path. */
int meter_ifname_ok(const char *name);

#endif
