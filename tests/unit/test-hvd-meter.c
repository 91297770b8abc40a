/*
 * Unit tests for metering's readers (hypervisor/hvd/meter-read.c): the
 * numbers of /proc/PID/stat, /proc/PID/status, cgroup and sysfs counter
 * files, read from real files (/proc/self, a temporary directory) and from
 * hostile text; and the usage record's line.
 */
#include <check.h>
#include "check-main.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "meter-read.h"

#define P(s) (s), strlen(s)

START_TEST(test_u64)
{
	uint64_t v;

	ck_assert_int_eq(meter_parse_u64(P("12345\n"), &v), 0);
	ck_assert_uint_eq(v, 12345);
	ck_assert_int_eq(meter_parse_u64(P("0"), &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(meter_parse_u64(P("18446744073709551615\n"), &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	/* one more is not a counter, nor is anything but digits */
	ck_assert_int_eq(meter_parse_u64(P("18446744073709551616"), &v), -EINVAL);
	ck_assert_int_eq(meter_parse_u64(P(""), &v), -EINVAL);
	ck_assert_int_eq(meter_parse_u64(P("\n"), &v), -EINVAL);
	ck_assert_int_eq(meter_parse_u64(P("-1"), &v), -EINVAL);
	ck_assert_int_eq(meter_parse_u64(P("12 34"), &v), -EINVAL);
	ck_assert_int_eq(meter_parse_u64(P("max\n"), &v), -EINVAL);
	ck_assert_int_eq(meter_parse_u64(P("0x10"), &v), -EINVAL);
	/* the length rules, not a NUL */
	ck_assert_int_eq(meter_parse_u64("123456", 3, &v), 0);
	ck_assert_uint_eq(v, 123);
}
END_TEST

START_TEST(test_stat)
{
	char buf[METER_READ_MAX];
	uint64_t ticks = 0, start = 0;
	ssize_t n;
	const char *odd = "42 (a) b) (c) S 1 42 42 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 1 0 "
			  "99 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0";
	struct meter_task t;

	/* ourselves: a real line, with our own start */
	n = meter_read_file("/proc/self/stat", buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(meter_parse_stat(buf, (size_t)n, &ticks, &start), 0);
	ck_assert_uint_gt(start, 0);
	/* a command with spaces and parentheses: fields count from the last ')' */
	ck_assert_int_eq(meter_parse_stat(P(odd), &ticks, &start), 0);
	ck_assert_uint_eq(ticks, 12);
	ck_assert_uint_eq(start, 99);
	/* the state, and the CPU it ran on last (field 39) where the line has it */
	ck_assert_int_eq(meter_parse_task(P(odd), &t), 0);
	ck_assert_int_eq(t.state, 'S');
	ck_assert_uint_eq(t.ticks, 12);
	ck_assert_int_eq(t.cpu, 3);
	ck_assert_int_eq(meter_parse_task(P("42 (x) R 1 42 42 0 -1 4194560 100 0 0 0 7 5 0 0 "
					    "20 0 1 0 99"), &t), 0);
	ck_assert_int_eq(t.state, 'R');
	ck_assert_int_eq(t.cpu, -1);
	ck_assert_int_eq(meter_parse_task(P("42 (x) R 1 42 42 0 -1 4194560 100 0 0 0 7 5 0 0 "
					    "20 0 1 0 99 1000 x"), &t), -EINVAL);
	ck_assert_int_eq(meter_parse_task(buf, (size_t)n, &t), 0);
	ck_assert_int_eq(t.state, 'R');
	ck_assert_int_ge(t.cpu, 0);
	/* cut short, garbled, or no command at all */
	ck_assert_int_eq(meter_parse_stat(P("42 (x) S 1 2 3"), &ticks, &start), -EINVAL);
	ck_assert_int_eq(meter_parse_stat(P("42 x S 1 2 3"), &ticks, &start), -EINVAL);
	ck_assert_int_eq(meter_parse_stat(P("42 (x)"), &ticks, &start), -EINVAL);
	ck_assert_int_eq(meter_parse_stat(P(""), &ticks, &start), -EINVAL);
	ck_assert_int_eq(meter_parse_stat(P("42 (x) S 1 42 42 0 -1 4194560 100 0 0 0 x 5 0 0 "
					    "20 0 1 0 99"), &ticks, &start), -EINVAL);
	ck_assert_int_eq(meter_parse_stat(P("42 (x) S 1 42 42 0 -1 4194560 100 0 0 0 "
					    "18446744073709551615 1 0 0 20 0 1 0 99"),
				     &ticks, &start), -EINVAL);
}
END_TEST

START_TEST(test_status)
{
	char buf[METER_READ_MAX];
	uint64_t v = 0;
	ssize_t n;

	n = meter_read_file("/proc/self/status", buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(meter_parse_status_kb(buf, (size_t)n, "VmRSS", &v), 0);
	ck_assert_uint_gt(v, 0);
	ck_assert_uint_eq(v % 1024, 0);
	ck_assert_int_eq(meter_parse_status_kb(buf, (size_t)n, "VmHWM", &v), 0);
	ck_assert_int_eq(meter_parse_status_kb(P("VmRSS:\t   100 kB\nVmHWM: 7 kB"), "VmHWM", &v), 0);
	ck_assert_uint_eq(v, 7 * 1024);
	/* a key that is only a prefix of another is not it */
	ck_assert_int_eq(meter_parse_status_kb(P("VmRSSX: 1 kB\n"), "VmRSS", &v), -ENOENT);
	ck_assert_int_eq(meter_parse_status_kb(P("VmRSS: 1 MB\n"), "VmRSS", &v), -EINVAL);
	ck_assert_int_eq(meter_parse_status_kb(P("VmRSS: kB\n"), "VmRSS", &v), -EINVAL);
	ck_assert_int_eq(meter_parse_status_kb(P("VmRSS: 99999999999999999999 kB\n"), "VmRSS",
					       &v), -EINVAL);
	ck_assert_int_eq(meter_parse_status_kb(P(""), "VmRSS", &v), -ENOENT);
}
END_TEST

/* A counter file as the cgroup and sysfs give one, and ones they never would. */
START_TEST(test_files)
{
	char dir[] = "/tmp/hv-meter-XXXXXX", path[64], big[METER_READ_MAX + 10];
	uint64_t v = 0;
	FILE *f;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/memory.usage_in_bytes", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("8388608\n", f);
	fclose(f);
	ck_assert_int_eq(meter_read_u64(path, &v), 0);
	ck_assert_uint_eq(v, 8388608);
	/* too long for a counter: refused, not cut */
	memset(big, '1', sizeof(big));
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	close(fd);
	ck_assert_int_eq(meter_read_u64(path, &v), -EFBIG);
	ck_assert_int_eq(meter_read_file(path, big, sizeof(big) - 5), -EFBIG);
	unlink(path);
	ck_assert_int_eq(meter_read_u64(path, &v), -ENOENT);
	rmdir(dir);
	/* the loopback's counters, where sysfs shows them */
	if (access("/sys/class/net/lo/statistics/rx_bytes", R_OK) == 0)
		ck_assert_int_eq(meter_read_u64("/sys/class/net/lo/statistics/rx_bytes", &v), 0);
}
END_TEST

START_TEST(test_ifname)
{
	ck_assert(meter_ifname_ok("vif3.0"));
	ck_assert(meter_ifname_ok("tap-abc_1"));
	ck_assert(!meter_ifname_ok(""));
	ck_assert(!meter_ifname_ok("."));
	ck_assert(!meter_ifname_ok(".."));
	ck_assert(!meter_ifname_ok("../../etc"));
	ck_assert(!meter_ifname_ok("a/b"));
	ck_assert(!meter_ifname_ok("sixteen-chars-xx"));
	ck_assert(!meter_ifname_ok("a b"));
}
END_TEST

START_TEST(test_record)
{
	struct hv_hc_domstats s;
	char line[8192];
	int n;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.domid = 7;
	snprintf(s.name, sizeof(s.name), "web\"1");
	for (int i = 0; i < 16; i++)
		s.uuid[i] = (uint8_t)(0x10 + i);
	s.start_time = 86400;
	s.cpu_ns = 1500000000;
	s.mem_peak_bytes = 1 << 20;
	s.memory_mib = 64;
	s.vcpus = 2;
	s.nr_vifs = 1;
	s.vifs[0].devid = 0;
	s.vifs[0].rx_bytes = 10;
	s.vifs[0].tx_packets = 3;
	/* a disk with counters, an empty CD-ROM drive without: left out */
	s.nr_disks = 2;
	snprintf(s.disks[0].vdev, sizeof(s.disks[0].vdev), "xvda");
	s.disks[0].valid = 1;
	s.disks[0].rd_reqs = 4;
	s.disks[0].rd_bytes = 16384;
	s.disks[0].wr_reqs = 2;
	s.disks[0].wr_bytes = 1024;
	s.disks[0].flush_reqs = 9;
	snprintf(s.disks[1].vdev, sizeof(s.disks[1].vdev), "hdc");
	n = meter_format_record(&s, "poweroff", 86400 + 3661, line, sizeof(line));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq((int)strlen(line), n);
	ck_assert_str_eq(line, "{\"uuid\":\"10111213-1415-1617-1819-1a1b1c1d1e1f\","
			 "\"name\":\"web\\\"1\",\"domid\":7,\"start\":\"1970-01-02T00:00:00Z\","
			 "\"end\":\"1970-01-02T01:01:01Z\",\"why\":\"poweroff\","
			 "\"cpu_ns\":1500000000,\"mem_peak_bytes\":1048576,\"memory_mib\":64,"
			 "\"vcpus\":2,\"vifs\":[{\"devid\":0,\"rx_bytes\":10,\"rx_packets\":0,"
			 "\"tx_bytes\":0,\"tx_packets\":3}],\"disks\":[{\"vdev\":\"xvda\","
			 "\"rd_reqs\":4,\"rd_bytes\":16384,\"wr_reqs\":2,\"wr_bytes\":1024}]}\n");
	/* every vif and disk there can be, each counter as long as it gets: it fits */
	s.nr_vifs = HV_HC_STATS_MAX_VIFS;
	s.nr_disks = HV_HC_STATS_MAX_DISKS;
	for (int i = 0; i < HV_HC_STATS_MAX_VIFS; i++)
		s.vifs[i] = (struct hv_hc_vifstats){ 7, 1, UINT64_MAX, UINT64_MAX, UINT64_MAX,
						      UINT64_MAX };
	for (int i = 0; i < HV_HC_STATS_MAX_DISKS; i++) {
		s.disks[i] = (struct hv_hc_diskstats){ .valid = 1, .rd_reqs = UINT64_MAX,
						       .rd_bytes = UINT64_MAX, .wr_reqs = UINT64_MAX,
						       .wr_bytes = UINT64_MAX };
		memset(s.disks[i].vdev, '"', sizeof(s.disks[i].vdev) - 1);
	}
	memset(s.name, '"', sizeof(s.name) - 1);
	ck_assert_int_gt(meter_format_record(&s, "poweroff", UINT32_MAX, line, sizeof(line)), 0);
	s.nr_vifs = 1;
	s.nr_disks = 0;
	snprintf(s.name, sizeof(s.name), "web\"1");
	/* one line whatever is in the name, and nothing written past the buffer */
	s.name[0] = '\n';
	n = meter_format_record(&s, "crash", 0, line, sizeof(line));
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_eq(strchr(line, '\n'), line + n - 1);
	ck_assert_int_eq(meter_format_record(&s, "crash", 0, line, 40), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvd-meter");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_u64);
	tcase_add_test(tc, test_stat);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_files);
	tcase_add_test(tc, test_ifname);
	tcase_add_test(tc, test_record);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
