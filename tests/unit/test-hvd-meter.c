/*
 * Unit tests for metering's readers (hypervisor/hvd/meter-read.c): the
 * numbers of /proc/PID/stat, /proc/PID/status, cgroup and sysfs counter
 * files, read from real files (/proc/self, a temporary directory) and from
 * hostile text; one descriptor read again and again as hvd holds them
 * (the kernel makes each file anew at offset 0); rtnetlink's link
 * messages; the usage record's line; and a migration's carried usage
 * merged at the destination (meter-carry.c, devfind.c).
 */
#include <check.h>
#include "check-main.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <hv/config.h>
#include "hvd.h"
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

/* CPU ticks of the process whose /proc/PID/stat @fd is, read again. */
static uint64_t held_ticks(int fd)
{
	char buf[METER_READ_MAX];
	uint64_t ticks = 0;
	ssize_t n = meter_pread(fd, buf, sizeof(buf));

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(meter_parse_stat(buf, (size_t)n, &ticks, NULL), 0);
	return ticks;
}

/*
 * What hvd relies on to hold its files between samples: a read at offset
 * 0 gives the file as it is now; a process's files read ESRCH once it is
 * reaped, never another process's.
 */
START_TEST(test_held)
{
	char dir[] = "/tmp/hv-meter-XXXXXX", path[64], buf[64];
	struct timespec t0, t;
	uint64_t first, v;
	int fd, p[2];
	pid_t pid;
	ssize_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/memory.current", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_eq(write(fd, "5\n", 2), 2);
	close(fd);
	fd = meter_open(path);
	ck_assert_int_ge(fd, 0);
	n = meter_pread(fd, buf, sizeof(buf));
	ck_assert_int_eq(meter_parse_u64(buf, (size_t)n, &v), 0);
	ck_assert_uint_eq(v, 5);
	{
		int w = open(path, O_WRONLY | O_TRUNC);

		ck_assert_int_eq(write(w, "1234567\n", 8), 8);
		close(w);
	}
	n = meter_pread(fd, buf, sizeof(buf));
	ck_assert_int_eq(meter_parse_u64(buf, (size_t)n, &v), 0);
	ck_assert_uint_eq(v, 1234567);
	/* no room for the whole file: refused */
	ck_assert_int_eq(meter_pread(fd, buf, 4), -EFBIG);
	close(fd);
	unlink(path);
	rmdir(dir);
	ck_assert_int_eq(meter_open(path), -ENOENT);

	/* a child that spins until told: its CPU time grows under one descriptor */
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		volatile unsigned long spin = 0;

		close(p[1]);
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		while (read(p[0], buf, 1) < 0)
			spin++;
		_exit(0);
	}
	close(p[0]);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = meter_open(path);
	ck_assert_int_ge(fd, 0);
	first = held_ticks(fd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		clock_gettime(CLOCK_MONOTONIC, &t);
		ck_assert_int_lt(t.tv_sec - t0.tv_sec, 10);
	} while (held_ticks(fd) <= first);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	close(p[1]);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	/* reaped: whatever takes its pid next is not this file's */
	ck_assert_int_eq(meter_pread(fd, buf, sizeof(buf)), -ESRCH);
	close(fd);

	/* an interface's counter moves under one descriptor too */
	fd = meter_open("/sys/class/net/lo/statistics/rx_packets");
	if (fd >= 0) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		uint64_t before;

		n = meter_pread(fd, buf, sizeof(buf));
		ck_assert_int_eq(meter_parse_u64(buf, (size_t)n, &before), 0);
		ck_assert_int_ge(sk, 0);
		for (int i = 0; i < 4; i++)
			sendto(sk, "x", 1, 0, (struct sockaddr *)&a, sizeof(a));
		close(sk);
		n = meter_pread(fd, buf, sizeof(buf));
		ck_assert_int_eq(meter_parse_u64(buf, (size_t)n, &v), 0);
		ck_assert_uint_gt(v, before);
		close(fd);
	}
}
END_TEST

/* An RTM_NEWLINK message as the kernel sends one. */
struct link_msg {
	struct nlmsghdr h;
	struct ifinfomsg i;
	uint8_t attrs[1024];
};

static void link_attr(struct link_msg *m, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((uint8_t *)m + NLMSG_ALIGN(m->h.nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	m->h.nlmsg_len = NLMSG_ALIGN(m->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void link_msg_init(struct link_msg *m, const char *name)
{
	memset(m, 0, sizeof(*m));
	m->h.nlmsg_type = RTM_NEWLINK;
	m->h.nlmsg_len = NLMSG_LENGTH(sizeof(m->i));
	m->i.ifi_index = 7;
	if (name)
		link_attr(m, IFLA_IFNAME, name, strlen(name) + 1);
}

START_TEST(test_link)
{
	struct rtnl_link_stats64 st64 = { .rx_packets = 1, .tx_packets = 2, .rx_bytes = 300,
					  .tx_bytes = 4000000000000ull };
	struct rtnl_link_stats st32 = { .rx_packets = 5, .tx_packets = 6, .rx_bytes = 7,
					.tx_bytes = 8 };
	struct meter_link l;
	struct link_msg m;

	link_msg_init(&m, "vif3.0");
	link_attr(&m, IFLA_STATS64, &st64, sizeof(st64));
	ck_assert_int_eq(meter_parse_link(&m, sizeof(m), &l), 0);
	ck_assert_str_eq(l.name, "vif3.0");
	ck_assert_int_eq(l.ifindex, 7);
	ck_assert_uint_eq(l.rx_packets, 1);
	ck_assert_uint_eq(l.tx_packets, 2);
	ck_assert_uint_eq(l.rx_bytes, 300);
	ck_assert_uint_eq(l.tx_bytes, 4000000000000ull);
	/* the 64-bit counters win over the 32-bit ones, whichever comes first */
	link_attr(&m, IFLA_STATS, &st32, sizeof(st32));
	ck_assert_int_eq(meter_parse_link(&m, sizeof(m), &l), 0);
	ck_assert_uint_eq(l.tx_bytes, 4000000000000ull);
	link_msg_init(&m, "tap0");
	link_attr(&m, IFLA_STATS, &st32, sizeof(st32));
	ck_assert_int_eq(meter_parse_link(&m, m.h.nlmsg_len, &l), 0);
	ck_assert_uint_eq(l.rx_bytes, 7);
	ck_assert_uint_eq(l.tx_bytes, 8);
	/* no counters, no name: not a link to count */
	link_msg_init(&m, "tap0");
	ck_assert_int_eq(meter_parse_link(&m, sizeof(m), &l), -ENOENT);
	link_msg_init(&m, NULL);
	link_attr(&m, IFLA_STATS64, &st64, sizeof(st64));
	ck_assert_int_eq(meter_parse_link(&m, sizeof(m), &l), -ENOENT);
	/* a name without its NUL, or longer than an interface's */
	link_msg_init(&m, NULL);
	link_attr(&m, IFLA_IFNAME, "tap0", 4);
	link_attr(&m, IFLA_STATS64, &st64, sizeof(st64));
	ck_assert_int_eq(meter_parse_link(&m, sizeof(m), &l), -EINVAL);
	link_msg_init(&m, "a-name-of-twenty-chars");
	link_attr(&m, IFLA_STATS64, &st64, sizeof(st64));
	ck_assert_int_eq(meter_parse_link(&m, sizeof(m), &l), -EINVAL);
	/* counters cut short are none */
	link_msg_init(&m, "tap0");
	link_attr(&m, IFLA_STATS64, &st64, 3 * sizeof(uint64_t));
	ck_assert_int_eq(meter_parse_link(&m, sizeof(m), &l), -ENOENT);
	/* a message longer than what was received, or too short for its header */
	link_msg_init(&m, "tap0");
	link_attr(&m, IFLA_STATS64, &st64, sizeof(st64));
	ck_assert_int_eq(meter_parse_link(&m, m.h.nlmsg_len - 1, &l), -EINVAL);
	ck_assert_int_eq(meter_parse_link(&m, sizeof(struct nlmsghdr), &l), -EINVAL);
	m.h.nlmsg_len = sizeof(struct nlmsghdr);
	ck_assert_int_eq(meter_parse_link(&m, sizeof(m), &l), -EINVAL);
	/* another message */
	link_msg_init(&m, "tap0");
	link_attr(&m, IFLA_STATS64, &st64, sizeof(st64));
	m.h.nlmsg_type = RTM_NEWADDR;
	ck_assert_int_eq(meter_parse_link(&m, sizeof(m), &l), -ENOENT);
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

/* A description with vifs of @devids and disks of @vdevs (NULL-ended). */
static void carry_cfg(hv_domain_config *cfg, const unsigned int *devids, size_t nr_vifs,
		      const char *const *vdevs)
{
	hv_domain_config_init(cfg);
	for (size_t i = 0; i < nr_vifs; i++) {
		hv_vif_spec *v = NULL;

		ck_assert_int_eq(hv_vif_spec_new(&v), 0);
		v->devid = devids[i];
		ck_assert_int_eq(hv_domain_config_add_vif(cfg, v), 0);
	}
	for (size_t i = 0; vdevs[i]; i++) {
		hv_disk_spec *k = NULL;

		ck_assert_int_eq(hv_disk_spec_new(&k), 0);
		k->vdev = strdup(vdevs[i]);
		ck_assert_ptr_nonnull(k->vdev);
		ck_assert_int_eq(hv_domain_config_add_disk(cfg, k), 0);
	}
}

START_TEST(test_carry)
{
	static const unsigned int devids[] = { 5, 2 };
	static const char *const vdevs[] = { "xvda", "xvdb", NULL };
	struct hvd_domain d;
	struct hv_hc_usage u;
	hv_domain_config cfg;

	memset(&d, 0, sizeof(d));
	carry_cfg(&cfg, devids, 2, vdevs);
	d.cfg = &cfg;
	/* what a restore carried already */
	d.carried.cpu_ns = 7000;
	d.carried.mem_peak_bytes = 1 << 20;
	d.carried.vifs[1] = (struct hv_hc_vifstats){ .devid = 2, .valid = 1, .rx_bytes = 900,
						     .tx_bytes = 50 };

	memset(&u, 0, sizeof(u));
	u.cpu_ns = 9000;			/* more: taken */
	u.mem_peak_bytes = 4096;		/* less: the carried peak stays */
	/* the source's slots need not be ours: devid 2 is our second vif */
	u.vifs[0] = (struct hv_hc_vifstats){ .devid = 2, .valid = 1, .rx_bytes = 800,
					     .rx_packets = 8, .tx_bytes = 70, .tx_packets = 3 };
	u.vifs[1] = (struct hv_hc_vifstats){ .devid = 5, .valid = 1, .rx_bytes = 10 };
	u.vifs[2] = (struct hv_hc_vifstats){ .devid = 9, .valid = 1, .rx_bytes = 99 };
	u.vifs[3] = (struct hv_hc_vifstats){ .devid = 5, .valid = 0, .rx_bytes = 12345 };
	/* a disk by its name, or by its number under another name (sdb is xvdb) */
	snprintf(u.disks[0].vdev, sizeof(u.disks[0].vdev), "sdb");
	u.disks[0].valid = 1;
	u.disks[0].wr_reqs = 4;
	u.disks[0].wr_bytes = 16384;
	snprintf(u.disks[1].vdev, sizeof(u.disks[1].vdev), "xvda");
	u.disks[1].valid = 1;
	u.disks[1].rd_bytes = 512;
	snprintf(u.disks[2].vdev, sizeof(u.disks[2].vdev), "xvdq");	/* not ours */
	u.disks[2].valid = 1;
	u.disks[2].rd_bytes = 777;

	meter_carry_migrated(&d, &u);
	ck_assert_uint_eq(d.carried.cpu_ns, 9000);
	ck_assert_uint_eq(d.carried.mem_peak_bytes, 1 << 20);
	/* devid 5 is our first vif; its invalid second entry changed nothing */
	ck_assert_uint_eq(d.carried.vifs[0].valid, 1);
	ck_assert_uint_eq(d.carried.vifs[0].devid, 5);
	ck_assert_uint_eq(d.carried.vifs[0].rx_bytes, 10);
	/* devid 2: each counter the larger one */
	ck_assert_uint_eq(d.carried.vifs[1].devid, 2);
	ck_assert_uint_eq(d.carried.vifs[1].rx_bytes, 900);
	ck_assert_uint_eq(d.carried.vifs[1].rx_packets, 8);
	ck_assert_uint_eq(d.carried.vifs[1].tx_bytes, 70);
	ck_assert_uint_eq(d.carried.vifs[1].tx_packets, 3);
	/* devid 9 is no vif of ours: nowhere */
	for (unsigned int i = 2; i < HV_HC_STATS_MAX_VIFS; i++)
		ck_assert_uint_eq(d.carried.vifs[i].valid, 0);
	/* sdb went to xvdb's slot, under our name: a sample adds it by name */
	ck_assert_uint_eq(d.carried.disks[0].valid, 1);
	ck_assert_str_eq(d.carried.disks[0].vdev, "xvda");
	ck_assert_uint_eq(d.carried.disks[0].rd_bytes, 512);
	ck_assert_uint_eq(d.carried.disks[1].valid, 1);
	ck_assert_str_eq(d.carried.disks[1].vdev, "xvdb");
	ck_assert_uint_eq(d.carried.disks[1].wr_reqs, 4);
	ck_assert_uint_eq(d.carried.disks[1].wr_bytes, 16384);
	for (unsigned int i = 2; i < HV_HC_STATS_MAX_DISKS; i++)
		ck_assert_uint_eq(d.carried.disks[i].valid, 0);

	/* a second report with less changes nothing */
	memset(&u, 0, sizeof(u));
	u.cpu_ns = 1;
	u.vifs[0] = (struct hv_hc_vifstats){ .devid = 2, .valid = 1, .rx_bytes = 1 };
	meter_carry_migrated(&d, &u);
	ck_assert_uint_eq(d.carried.cpu_ns, 9000);
	ck_assert_uint_eq(d.carried.vifs[1].rx_bytes, 900);
	hv_domain_config_dispose(&cfg);
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
	tcase_add_test(tc, test_held);
	tcase_add_test(tc, test_link);
	tcase_add_test(tc, test_ifname);
	tcase_add_test(tc, test_record);
	tcase_add_test(tc, test_carry);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
