/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xl info: the host and hv, with Xen's keys in Xen's order and layout
 * (scripts parse them), then hv's own.  The xen_* keys answer for hv:
 * its version, its capabilities, its build (docs: man/xl.1).
 */
#include <ctype.h>
#include <cpuid.h>
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "xl.h"

/*
 * xl info FIELD: print only the value of the key FIELD or, if there is no
 * such key, of those that start with it (as Xen's xl matches)
 */
static const char *field;
static bool field_prefix;
static unsigned int fields_shown;

static void kv(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kv(const char *key, const char *fmt, ...)
{
	va_list ap;

	if (field && (field_prefix ? strncmp(key, field, strlen(field)) : strcmp(key, field)))
		return;
	if (!field)
		printf("%-23s: ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fields_shown++;
}

/* The first line of a file, without its newline; "" if unreadable. */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* How many CPUs a sysfs list ("0-3,8") names; its highest in *last_r. */
static int cpu_list_count(const char *s, int *last_r)
{
	int n = 0, last = -1;

	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s)
			break;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		if (b >= a) {
			n += (int)(b - a + 1);
			last = (int)b;
		}
		s = end + (*end == ',');
		if (*end && *end != ',')
			break;
	}
	if (last_r)
		*last_r = last;
	return n;
}

static int count_cpus(const char *path, int *last_r)
{
	char buf[4096];

	read_line(path, buf, sizeof(buf));
	return cpu_list_count(buf, last_r);
}

/* The NUMA nodes, counted from sysfs (1 on a host without it). */
static int nr_nodes(void)
{
	DIR *d = opendir("/sys/devices/system/node");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 1;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "node", 4) && isdigit((unsigned char)e->d_name[4]))
			n++;
	closedir(d);
	return n ? n : 1;
}

/* The CPU's clock in kHz, as /proc/cpuinfo or cpufreq say; 0 if neither. */
static unsigned long cpu_khz(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[256];
	double mhz = 0;

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "cpu MHz", 7) && sscanf(strchr(line, ':') ?
								     strchr(line, ':') + 1 : "",
								     "%lf", &mhz) == 1)
				break;
		fclose(f);
	}
	if (mhz > 0)
		return (unsigned long)(mhz * 1000 + 0.5);
	read_line("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", line, sizeof(line));
	return strtoul(line, NULL, 10);
}

/*
 * Xen's hw_caps: the host CPU's feature words in Xen's featureset order
 * (CPUID 1 EDX and ECX, 0x80000001 EDX and ECX, 0xd:1 EAX, 7:0 EBX and
 * ECX, 0x80000007 EDX).
 */
static void hw_caps(uint32_t w[8])
{
	unsigned int a, b, c, d, max = __get_cpuid_max(0, NULL),
		     emax = __get_cpuid_max(0x80000000, NULL);

	memset(w, 0, 8 * sizeof(*w));
	if (max >= 1 && __get_cpuid(1, &a, &b, &c, &d))
		w[0] = d, w[1] = c;
	if (emax >= 0x80000001 && __get_cpuid(0x80000001, &a, &b, &c, &d))
		w[2] = d, w[3] = c;
	if (max >= 0xd && __get_cpuid_count(0xd, 1, &a, &b, &c, &d))
		w[4] = a;
	if (max >= 7 && __get_cpuid_count(7, 0, &a, &b, &c, &d))
		w[5] = b, w[6] = c;
	if (emax >= 0x80000007 && __get_cpuid(0x80000007, &a, &b, &c, &d))
		w[7] = d;
}

/* Xen's virt_caps tokens for what KVM gives hv here: hvm, and hap or shadow. */
static const char *virt_caps(void)
{
	char ept[8], npt[8];

	if (access("/dev/kvm", R_OK | W_OK))
		return "";
	read_line("/sys/module/kvm_intel/parameters/ept", ept, sizeof(ept));
	read_line("/sys/module/kvm_amd/parameters/npt", npt, sizeof(npt));
	if (ept[0] == 'Y' || ept[0] == '1' || npt[0] == 'Y' || npt[0] == '1')
		return "hvm hap";
	return "hvm shadow";
}

/* hvd's command line, its arguments joined by spaces ("" if unreadable). */
static void hvd_cmdline(int pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
}

/* xl's ELF build id in hex (xl, hvd and hv-vmm are built together). */
static int build_id_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	char *out = data;

	(void)size;
	if (info->dlpi_name && info->dlpi_name[0])
		return 0;	/* the program itself comes first, nameless */
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		size_t left = ph->p_memsz;

		if (ph->p_type != PT_NOTE)
			continue;
		while (left >= sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			size_t name = (nh->n_namesz + 3) & ~3u, desc = (nh->n_descsz + 3) & ~3u;

			if (sizeof(*nh) + name + desc > left)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    !memcmp(p + sizeof(*nh), "GNU", 4) && nh->n_descsz <= 64) {
				for (size_t k = 0; k < nh->n_descsz; k++)
					sprintf(out + 2 * k, "%02x",
						p[sizeof(*nh) + name + k]);
				return 1;
			}
			p += sizeof(*nh) + name + desc;
			left -= sizeof(*nh) + name + desc;
		}
	}
	return 1;
}

/* xl info -n: the CPUs' topology and the nodes, as Xen prints them. */
static void print_numa(void)
{
	int last = -1, n = nr_nodes();
	DIR *d;

	count_cpus("/sys/devices/system/cpu/possible", &last);
	printf("cpu_topology           :\n");
	printf("cpu:    core    socket     node\n");
	for (int cpu = 0; cpu <= last; cpu++) {
		char path[128], core[16], sock[16];
		int node = 0;

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
		read_line(path, core, sizeof(core));
		if (!core[0])
			continue;	/* offline or absent */
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
		read_line(path, sock, sizeof(sock));
		for (int k = 0; k < n; k++) {
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/node%d", cpu, k);
			if (!access(path, F_OK))
				node = k;
		}
		printf("%3d:    %4d     %4d     %4d\n", cpu, atoi(core), atoi(sock), node);
	}
	printf("device topology        :\n");
	printf("device           node\n");
	d = opendir("/sys/bus/pci/devices");
	last = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		char path[300], node[16];
		unsigned int seg, bus, dev, fn;

		if (sscanf(e->d_name, "%x:%x:%x.%x", &seg, &bus, &dev, &fn) != 4)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/numa_node", e->d_name);
		read_line(path, node, sizeof(node));
		if (!node[0] || atoi(node) < 0)
			continue;
		printf("%04x:%02x:%02x.%01x      %d\n", seg, bus, dev, fn, atoi(node));
		last++;
	}
	if (d)
		closedir(d);
	if (!last)
		printf("No device topology data available\n");
	printf("numa_info              :\n");
	printf("node:    memsize    memfree    distances\n");
	for (int k = 0; k < n; k++) {
		char path[128], line[256], dist[256];
		unsigned long long total = 0, free_kb = 0, v;
		FILE *f;

		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", k);
		f = fopen(path, "re");
		if (!f && n == 1)
			f = fopen("/proc/meminfo", "re");
		while (f && fgets(line, sizeof(line), f)) {
			const char *p = strstr(line, "MemTotal:");
			const char *q = strstr(line, "MemFree:");

			if (p && sscanf(p + 9, "%llu", &v) == 1)
				total = v;
			if (q && sscanf(q + 8, "%llu", &v) == 1)
				free_kb = v;
		}
		if (f)
			fclose(f);
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/distance", k);
		read_line(path, dist, sizeof(dist));
		for (char *c = dist; *c; c++)
			if (*c == ' ')
				*c = ',';
		printf("%4d:    %6llu     %6llu      %s\n", k, total >> 10, free_kb >> 10,
		       dist[0] ? dist : "10");
	}
}

/* Everything xl info knows, gathered before it prints. */
struct info {
	hv_physinfo pi;
	struct utsname u;
	long pages, psize;
	int major, minor, threads, cores, last;
	char extra[32], cmdline[4096], build_id[129];
	unsigned long khz;
	uint32_t caps[8];
	bool numa;
};

static void print_info(const struct info *in)
{
	const hv_physinfo *pi = &in->pi;

	/* Xen's keys, in its order */
	kv("host", "%s", in->u.nodename);
	kv("release", "%s", in->u.release);
	kv("version", "%s", in->u.version);
	kv("machine", "%s", in->u.machine);
	kv("nr_cpus", "%u", pi->nr_cpus);
	kv("max_cpu_id", "%d", in->last >= 0 ? in->last : (int)pi->nr_cpus - 1);
	kv("nr_nodes", "%d", nr_nodes());
	kv("cores_per_socket", "%d", in->cores);
	kv("threads_per_core", "%d", in->threads);
	kv("cpu_mhz", "%lu.%03lu", in->khz / 1000, in->khz % 1000);
	kv("hw_caps", "%08x:%08x:%08x:%08x:%08x:%08x:%08x:%08x", in->caps[0], in->caps[1],
	   in->caps[2], in->caps[3], in->caps[4], in->caps[5], in->caps[6], in->caps[7]);
	kv("virt_caps", "%s", virt_caps());
	kv("total_memory", "%" PRIu64, pi->total_mib);
	kv("free_memory", "%" PRIu64, pi->free_mib);
	kv("sharing_freed_memory", "0");
	kv("sharing_used_memory", "0");
	kv("outstanding_claims", "0");
	kv("free_cpus", "0");
	if (in->numa)
		print_numa();
	kv("xen_major", "%d", in->major);
	kv("xen_minor", "%d", in->minor);
	kv("xen_extra", "%s", in->extra);
	kv("xen_version", "%d.%d%s", in->major, in->minor, in->extra);
	kv("xen_caps", "hvm-3.0-x86_64");
	kv("xen_scheduler", "linux");
	kv("xen_pagesize", "%ld", in->psize);
	kv("platform_params", "virt_start=0x0");
	kv("xen_changeset", "unavailable");
	kv("xen_commandline", "%s", in->cmdline);
#ifdef __clang__
	kv("cc_compiler", "clang version %s", __clang_version__);
#else
	kv("cc_compiler", "gcc version %s", __VERSION__);
#endif
	kv("cc_compile_by", "%s", HV_COMPILE_BY);
	kv("cc_compile_domain", "%s", HV_COMPILE_DOMAIN);
	kv("cc_compile_date", "%s %s", __DATE__, __TIME__);
	kv("build_id", "%s", in->build_id);
	kv("xend_config_format", "4");

	/* hv's own */
	kv("nr_online_cpus", "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	kv("domains_memory", "%" PRIu64, pi->domains_mib);
	if (in->pages > 0 && in->psize > 0)
		kv("host_memory", "%lld", (long long)in->pages * in->psize / (1024 * 1024));
	kv("nr_domains", "%u", pi->nr_domains);
	kv("max_vcpus_per_domain", "%u", pi->max_vcpus);
	kv("kvm", "%s", access("/dev/kvm", R_OK | W_OK) == 0 ? "/dev/kvm" :
	   "none (no usable /dev/kvm)");
	kv("hv_version", "%s", pi->version);
	kv("hvd_pid", "%d", pi->hvd_pid);
	kv("libhv_version", "%s", hv_version());
	kv("xl_version", "%s", PACKAGE_VERSION);
}

int main_info(int argc, char **argv)
{
	struct info in = { .last = -1 };
	int c, rc;

	while ((c = xl_getopt(argc, argv, "n")) != -1) {
		switch (c) {
		case 'n':
			in.numa = true;
			break;
		case XL_HELP:
			return xl_help("info");
		default:
			return XL_USAGE;
		}
	}
	if (optind + 1 < argc)
		return xl_usage("info", "give at most one FIELD");
	if (optind < argc && in.numa)
		return xl_usage("info", "-n prints every key: give -n or a FIELD");
	field = optind < argc ? argv[optind] : NULL;
	xl_error_mark();
	hv_physinfo_init(&in.pi);
	rc = hv_physinfo_get(xl_ctx, &in.pi);
	if (rc)
		return xl_error(rc, "get host information");
	if (uname(&in.u) < 0)
		memset(&in.u, 0, sizeof(in.u));
	in.pages = sysconf(_SC_PHYS_PAGES);
	in.psize = sysconf(_SC_PAGESIZE);
	in.threads = count_cpus("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list",
				NULL);
	in.cores = count_cpus("/sys/devices/system/cpu/cpu0/topology/core_siblings_list", NULL);
	count_cpus("/sys/devices/system/cpu/possible", &in.last);
	if (in.threads < 1)
		in.threads = 1;
	in.cores = in.cores >= in.threads ? in.cores / in.threads : 1;
	in.khz = cpu_khz();
	hw_caps(in.caps);
	/* hv's version in Xen's form: 0.1.0 is major 0, minor 1, extra ".0" */
	sscanf(in.pi.version, "%d.%d%31s", &in.major, &in.minor, in.extra);
	hvd_cmdline(in.pi.hvd_pid, in.cmdline, sizeof(in.cmdline));
	dl_iterate_phdr(build_id_cb, in.build_id);
	print_info(&in);
	if (field && !fields_shown) {
		field_prefix = true;
		print_info(&in);
	}
	if (field && !fields_shown) {
		fprintf(stderr, "xl: info: no key is or starts with \"%s\" (xl info lists the "
			"keys)\n", field);
		return XL_FAIL;
	}
	return XL_OK;
}

int main_dmesg(int argc, char **argv)
{
	bool clear = false;
	char *text = NULL;
	size_t len = 0;
	int c, rc;

	while ((c = xl_getopt(argc, argv, "c")) != -1) {
		switch (c) {
		case 'c':
			clear = true;
			break;
		case XL_HELP:
			return xl_help("dmesg");
		default:
			return XL_USAGE;
		}
	}
	if (optind != argc)
		return xl_usage("dmesg", "takes no arguments");
	/* read-only without -c: a dry run reads it too, and leaves it */
	if (clear && xl_dry("print hvd's log and empty it"))
		return XL_OK;
	xl_error_mark();
	rc = hv_hvd_log_read(xl_ctx, clear ? HV_HVD_LOG_CLEAR : 0, &text, &len);
	if (rc)
		return xl_error(rc, "dmesg: read hvd's log");
	fwrite(text, 1, len, stdout);
	free(text);
	return XL_OK;
}
