/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xl list, uptime, vcpu-list, vm-list, domid, domname. */
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "xl.h"

static const char *state_name(hv_domain_state s)
{
	switch (s) {
	case HV_STATE_BUILDING:
		return "building";
	case HV_STATE_PAUSED:
		return "paused";
	case HV_STATE_RUNNING:
		return "running";
	case HV_STATE_SHUTDOWN:
		return "shutdown";
	case HV_STATE_CRASHED:
		return "crashed";
	case HV_STATE_DYING:
		return "dying";
	}
	return "unknown";
}

static const char *code_name(hv_shutdown_code c)
{
	switch (c) {
	case HV_SHUTDOWN_POWEROFF:
		return "poweroff";
	case HV_SHUTDOWN_REBOOT:
		return "reboot";
	case HV_SHUTDOWN_CRASH:
		return "crash";
	case HV_SHUTDOWN_NONE:
		break;
	}
	return "none";
}

static const char *action_name(enum hv_action a)
{
	switch (a) {
	case HV_ACTION_RESTART:
		return "restart";
	case HV_ACTION_RENAME_RESTART:
		return "rename-restart";
	case HV_ACTION_PRESERVE:
		return "preserve";
	case HV_ACTION_COREDUMP_DESTROY:
		return "coredump-destroy";
	case HV_ACTION_COREDUMP_RESTART:
		return "coredump-restart";
	case HV_ACTION_DESTROY:
		break;
	}
	return "destroy";
}

/* Xen's six state letters: running, blocked, paused, shutdown, crashed, dying. */
void xl_state_letters(hv_domain_state state, unsigned int flags, char s[7])
{
	memcpy(s, "------", 7);
	switch (state) {
	case HV_STATE_RUNNING:
		/* all its vCPUs idle (halted) when hvd looked: blocked, as Xen says */
		if (flags & HV_DOMINFO_BLOCKED)
			s[1] = 'b';
		else
			s[0] = 'r';
		break;
	case HV_STATE_BUILDING:
	case HV_STATE_PAUSED:
		s[2] = 'p';
		break;
	case HV_STATE_CRASHED:
		s[4] = 'c';
		s[3] = 's';
		break;
	case HV_STATE_SHUTDOWN:
		s[3] = 's';
		break;
	case HV_STATE_DYING:
		s[5] = 'd';
		break;
	}
}

static void format_uuid(const uint8_t u[16], char buf[37])
{
	snprintf(buf, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
}

/*
 * The domain's stored configuration as JSON, indented to sit in the list:
 * in libxl's layout into *lxl_r (with @uuid, the domain's), as hv has it
 * into *hv_r; each NULL where there is none (none kept, or the domain
 * went away meanwhile).
 */
static void config_json(uint32_t domid, const uint8_t uuid[16], char **lxl_r, char **hv_r)
{
	hv_domain_config cfg;
	char *json = NULL, *lxl = NULL;

	*lxl_r = *hv_r = NULL;
	hv_domain_config_init(&cfg);
	xl_quiet(true);
	if (hv_domain_config_get(xl_ctx, domid, &cfg)) {
		xl_quiet(false);
		goto out;
	}
	if (!hv_config_to_json(xl_ctx, &cfg, &json))
		*hv_r = xl_json_indent(json, 8);
	xl_quiet(false);
	/* quiet where it needs to be on its own */
	if (!xl_libxl_config_json(&cfg, uuid, &lxl))
		*lxl_r = xl_json_indent(lxl, 8);
out:
	free(lxl);
	free(json);
	hv_domain_config_dispose(&cfg);
}

/* The guest's balloon statistics, by tag, as Linux's virtio_balloon names them. */
static const char *const stat_names[HV_BALLOON_STATS] = {
	[HV_BALLOON_SWAP_IN] = "swap_in", [HV_BALLOON_SWAP_OUT] = "swap_out",
	[HV_BALLOON_MAJFLT] = "major_faults", [HV_BALLOON_MINFLT] = "minor_faults",
	[HV_BALLOON_MEMFREE] = "free_memory", [HV_BALLOON_MEMTOT] = "total_memory",
	[HV_BALLOON_AVAIL] = "available_memory", [HV_BALLOON_CACHES] = "disk_caches",
	[HV_BALLOON_HTLB_PGALLOC] = "hugetlb_allocations",
	[HV_BALLOON_HTLB_PGFAIL] = "hugetlb_failures",
};

/*
 * The "memory" member of xl list -l: how the balloon and the cap stand,
 * NULL when hvd cannot say (the domain is not running).
 */
static char *memory_json(uint32_t domid)
{
	char *out = NULL, stats[1024] = "";
	size_t n = 0;
	hv_meminfo mi;
	int rc;

	hv_meminfo_init(&mi);
	xl_quiet(true);
	rc = hv_domain_meminfo(xl_ctx, domid, &mi);
	xl_quiet(false);
	if (rc)
		return NULL;
	for (int i = 0; i < HV_BALLOON_STATS; i++) {
		if (!(mi.stats_valid & (UINT64_C(1) << i)))
			continue;
		n += (size_t)snprintf(stats + n, sizeof(stats) - n,
				      "%s\n                \"%s\": %" PRIu64, n ? "," : "",
				      stat_names[i] ? stat_names[i] : "unknown", mi.stats[i]);
		if (n >= sizeof(stats))
			return NULL;
	}
	if (asprintf(&out,
		     "{\n"
		     "            \"ram_kib\": %" PRIu64 ",\n"
		     "            \"target_kib\": %" PRIu64 ",\n"
		     "            \"current_kib\": %" PRIu64 ",\n"
		     "            \"max_kib\": %" PRIu64 ",\n"
		     "            \"allocated_kib\": %" PRIu64 ",\n"
		     "            \"cgroup_limit_kib\": %" PRIu64 ",\n"
		     "            \"cgroup_usage_kib\": %" PRIu64 ",\n"
		     "            \"target_missed\": %s,\n"
		     "            \"balloon_driver\": %s,\n"
		     "            \"deflate_on_oom\": %s,\n"
		     "            \"free_page_reporting\": %s,\n"
		     "            \"stats_age_ms\": %" PRId64 ",\n"
		     "            \"stats\": {%s%s}\n"
		     "        }",
		     mi.ram_kib, mi.target_kib, mi.current_kib, mi.max_kib, mi.allocated_kib,
		     mi.cgroup_limit_kib, mi.cgroup_usage_kib,
		     mi.mem_flags & HV_MEM_TARGET_MISSED ? "true" : "false",
		     mi.features & HV_BALLOON_F_DRIVER ? "true" : "false",
		     mi.features & HV_BALLOON_F_DEFLATE_ON_OOM ? "true" : "false",
		     mi.features & HV_BALLOON_F_FREE_PAGE_REPORTING ? "true" : "false",
		     mi.stats_age_ms == UINT64_MAX ? (int64_t)-1 : (int64_t)mi.stats_age_ms,
		     stats, n ? "\n            " : "") < 0)
		return NULL;
	return out;
}

/* What the domain uses now (hv_domain_stats(), docs/metering.md); NULL if hvd cannot say. */
static char *stats_json(uint32_t domid)
{
	char *out = NULL, vifs[HV_DOMAIN_MAX_VIFS * 192] = "", disks[HV_DOMAIN_MAX_DISKS * 256] = "";
	char mig[1024] = "";
	size_t n = 0, m = 0;
	hv_domstats *s = NULL;
	int rc;

	xl_quiet(true);
	rc = hv_domain_stats(xl_ctx, domid, &s);
	xl_quiet(false);
	if (rc)
		return NULL;
	for (unsigned int i = 0; i < s->nr_vifs && i < HV_DOMAIN_MAX_VIFS; i++)
		n += (size_t)snprintf(vifs + n, sizeof(vifs) - n,
				      "%s\n                { \"devid\": %u, \"rx_bytes\": %" PRIu64
				      ", \"rx_packets\": %" PRIu64 ", \"tx_bytes\": %" PRIu64
				      ", \"tx_packets\": %" PRIu64 " }", i ? "," : "",
				      s->vifs[i].devid, s->vifs[i].rx_bytes, s->vifs[i].rx_packets,
				      s->vifs[i].tx_bytes, s->vifs[i].tx_packets);
	/* the disks with counters; vdevs are letters and digits (hv_config_validate()) */
	for (unsigned int i = 0; s->struct_size >= sizeof(*s) && i < s->nr_disks &&
	     i < HV_DOMAIN_MAX_DISKS; i++) {
		const hv_vbdstats *k = &s->disks[i];

		if (!k->valid)
			continue;
		m += (size_t)snprintf(disks + m, sizeof(disks) - m,
				      "%s\n                { \"vdev\": \"%.15s\", \"rd_reqs\": %" PRIu64
				      ", \"rd_bytes\": %" PRIu64 ", \"wr_reqs\": %" PRIu64
				      ", \"wr_bytes\": %" PRIu64 ", \"flush_reqs\": %" PRIu64 " }",
				      m ? "," : "", k->vdev, k->rd_reqs, k->rd_bytes, k->wr_reqs,
				      k->wr_bytes, k->flush_reqs);
	}
	/* the live migration that brought it here, as xl migrate prints it, in ms */
	if (s->struct_size >= sizeof(*s) && (s->valid & HV_STATS_MIGRATION)) {
		const hv_migrate_stats *g = &s->migration;
		char id[33];

		for (unsigned int i = 0; i < sizeof(g->id); i++)
			snprintf(id + 2 * i, 3, "%02x", g->id[i]);
		snprintf(mig, sizeof(mig),
			 ",\n            \"migration\": { \"id\": \"%s\", \"total_ms\": %.3f, "
			 "\"setup_ms\": %.3f, \"downtime_ms\": %.3f, \"expected_downtime_ms\": %.3f, "
			 "\"pause_ms\": %.3f, \"last_pages_ms\": %.3f, \"state_ms\": %.3f, "
			 "\"restore_ms\": %.3f, \"resume_ms\": %.3f, \"bytes\": %" PRIu64
			 ", \"pages\": %" PRIu64 ", \"zero_pages\": %" PRIu64 ", \"rounds\": %"
			 PRIu64 ", \"last_pages\": %" PRIu64 ", \"bandwidth\": %" PRIu64
			 ", \"dirty_rate\": %" PRIu64 " }", id, g->total_ns / 1e6,
			 g->setup_ns / 1e6, g->downtime_ns / 1e6, g->expected_downtime_ns / 1e6,
			 g->pause_ns / 1e6, g->last_pages_ns / 1e6, g->state_ns / 1e6,
			 g->restore_ns / 1e6, g->resume_ns / 1e6, g->bytes, g->pages, g->zero_pages,
			 g->rounds, g->last_pages, g->bandwidth, g->dirty_rate);
	}
	if (asprintf(&out,
		     "{\n"
		     "            \"sample_time_ns\": %" PRIu64 ",\n"
		     "            \"uptime_ns\": %" PRIu64 ",\n"
		     "            \"cpu_ns\": %" PRIu64 ",\n"
		     "            \"mem_current_bytes\": %" PRIu64 ",\n"
		     "            \"mem_peak_bytes\": %" PRIu64 ",\n"
		     "            \"mem_from_cgroup\": %s,\n"
		     "            \"vifs\": [%s%s],\n"
		     "            \"disks\": [%s%s]%s\n"
		     "        }",
		     s->sample_time_ns, s->uptime_ns, s->cpu_ns, s->mem_current_bytes,
		     s->mem_peak_bytes, s->valid & HV_STATS_MEM_CGROUP ? "true" : "false", vifs,
		     n ? "\n            " : "", disks, m ? "\n            " : "", mig) < 0)
		out = NULL;
	hv_domstats_free(s);
	return out;
}

static void print_info_json(const hv_dominfo *d, bool last)
{
	char uuid[37], *config, *hv_config, *mem = memory_json(d->domid);
	char *stats = stats_json(d->domid);

	config_json(d->domid, d->uuid, &config, &hv_config);
	format_uuid(d->uuid, uuid);
	/* libxl's {"domid": N, "config": ...}, then hv's own members */
	printf("    {\n"
	       "        \"domid\": %" PRIu32 ",\n"
	       "%s%s%s"
	       "        \"info\": {\n"
	       "            \"name\": \"%s\",\n"
	       "            \"uuid\": \"%s\",\n"
	       "            \"state\": \"%s\",\n"
	       "            \"shutdown_code\": \"%s\",\n"
	       "            \"vcpus\": %u,\n"
	       "            \"maxvcpus\": %u,\n"
	       "            \"memory_mib\": %" PRIu64 ",\n"
	       "            \"maxmem_mib\": %" PRIu64 ",\n"
	       "            \"current_mib\": %" PRIu64 ",\n"
	       "            \"cpu_time_ns\": %" PRIu64 ",\n"
	       "            \"start_time\": %lld,\n"
	       "            \"on_poweroff\": \"%s\",\n"
	       "            \"on_reboot\": \"%s\",\n"
	       "            \"on_crash\": \"%s\",\n"
	       "            \"vmm_pid\": %d\n"
	       "        }%s%s%s%s%s%s\n"
	       "    }%s\n",
	       d->domid, config ? "        \"config\": " : "", config ? config : "",
	       config ? ",\n" : "", d->name, uuid, state_name(d->state),
	       code_name(d->shutdown_code), d->vcpus, d->maxvcpus,
	       d->memory_mib, d->maxmem_mib, d->current_mib, d->cpu_time_ns,
	       (long long)d->start_time, action_name(d->on_poweroff),
	       action_name(d->on_reboot), action_name(d->on_crash), d->vmm_pid,
	       mem ? ",\n        \"memory\": " : "", mem ? mem : "",
	       stats ? ",\n        \"stats\": " : "", stats ? stats : "",
	       hv_config ? ",\n        \"hv_config\": " : "", hv_config ? hv_config : "",
	       last ? "" : ",");
	free(mem);
	free(stats);
	free(config);
	free(hv_config);
}

int main_list(int argc, char **argv)
{
	struct xl_domains ds;
	bool lng = false, verbose = false, context = false, pool = false, numa = false;
	int c;

	while ((c = xl_getopt(argc, argv, "lvZcn")) != -1) {
		switch (c) {
		case 'l':
			lng = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'Z':
			context = true;
			break;
		case 'c':
			pool = true;
			break;
		case 'n':
			numa = true;
			break;
		case XL_HELP:
			return xl_help("list");
		default:
			return XL_USAGE;
		}
	}
	/* the JSON is hv's own and describes hv's domains: no Domain-0 in it */
	if (xl_domains_get_flags(&ds, argc, argv, optind, lng ? 0 : XL_DOMAINS_DOM0))
		return XL_FAIL;
	if (lng) {
		printf("[\n");
		for (size_t i = 0; i < ds.nr; i++)
			print_info_json(ds.d[i], i + 1 == ds.nr);
		printf("]\n");
		goto out;
	}
	/* Xen's columns, and its extra ones in its order */
	printf("Name                                        ID   Mem VCPUs\tState\tTime(s)");
	if (verbose)
		printf("   UUID                            Reason-Code\tSecurity Label");
	if (context && !verbose)
		printf("   Security Label");
	if (pool)
		printf("         Cpupool");
	if (numa)
		printf(" NODE Affinity");
	printf("\n");
	for (size_t i = 0; i < ds.nr; i++) {
		const hv_dominfo *d = ds.d[i];
		char st[7], uuid[37];

		xl_state_letters(d->state, d->flags, st);
		printf("%-40s %5" PRIu32 " %5" PRIu64 " %5u     %s  %8.1f",
		       d->name, d->domid, d->current_mib ? d->current_mib : d->memory_mib,
		       d->vcpus, st,
		       (double)d->cpu_time_ns / 1e9);
		if (verbose) {
			format_uuid(d->uuid, uuid);
			printf(" %s %8s", uuid,
			       d->state == HV_STATE_SHUTDOWN ||
			       d->state == HV_STATE_CRASHED ?
			       code_name(d->shutdown_code) : "-");
		}
		/* no security labels: what Xen's xl prints without FLASK */
		if (verbose || context)
			printf(" %16s", "-");
		if (pool)
			printf("%16s", "Pool-0");
		/* every domain may use every node */
		if (numa)
			printf(" %s", "all");
		printf("\n");
	}
out:
	xl_domains_free(&ds);
	return XL_OK;
}

/* Xen's form: "2 days,  3:04:05", " 3:04:05"; short: without the seconds */
static void format_uptime(long s, bool shrt, char *buf, size_t len)
{
	long days = s / 86400;
	char days_s[32] = "";

	s %= 86400;
	if (days)
		snprintf(days_s, sizeof(days_s), "%ld day%s, ", days, days == 1 ? "" : "s");
	if (shrt)
		snprintf(buf, len, "%s%2ld:%02ld", days_s, s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%s%2ld:%02ld:%02ld", days_s, s / 3600, s / 60 % 60,
			 s % 60);
}

int main_uptime(int argc, char **argv)
{
	struct xl_domains ds;
	time_t now = time(NULL);
	bool shrt = false;
	char clock[16] = "";
	struct tm tm;
	int c;

	while ((c = xl_getopt(argc, argv, "s")) != -1) {
		switch (c) {
		case 's':
			shrt = true;
			break;
		case XL_HELP:
			return xl_help("uptime");
		default:
			return XL_USAGE;
		}
	}
	if (xl_domains_get_flags(&ds, argc, argv, optind, XL_DOMAINS_DOM0))
		return XL_FAIL;
	if (localtime_r(&now, &tm))
		strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	if (!shrt)
		printf("%-33s %4s %s\n", "Name", "ID", "Uptime");
	for (size_t i = 0; i < ds.nr; i++) {
		const hv_dominfo *d = ds.d[i];
		char up[64];
		long s = d->start_time && now > d->start_time ?
			(long)(now - d->start_time) : 0;

		format_uptime(s, shrt, up, sizeof(up));
		if (shrt)
			printf(" %s up %s, %s (%" PRIu32 ")\n", clock, up, d->name, d->domid);
		else
			printf("%-33s %4" PRIu32 " %s\n", d->name, d->domid, up);
	}
	xl_domains_free(&ds);
	return XL_OK;
}

/* Domain-0's vCPUs: the host's CPUs, each on itself, with its busy time. */
static void vcpulist_dom0(const hv_dominfo *d)
{
	int here = sched_getcpu();

	for (unsigned int v = 0; v < d->vcpus; v++) {
		double busy = xl_host_cpu_busy((int)v);

		/* running where xl runs; the others may be anywhere */
		printf("%-32s %5" PRIu32 " %5u %5u   %c%c- %9.1f  %s / %s\n", d->name, d->domid,
		       v, v, (int)v == here ? 'r' : '-', (int)v == here ? '-' : 'b',
		       busy < 0 ? 0.0 : busy, "all", "all");
	}
}

/*
 * A domain's vCPUs as its hv-vmm runs them: the host CPU each ran on
 * last, r (on a CPU), b (halted) or p (the domain is paused), the CPU
 * time of its thread and its hard affinity (there is no soft one: "all").
 * false if hvd could not say (no hv-vmm).
 */
static bool vcpulist_domain(const hv_dominfo *d)
{
	hv_vcpuinfo *list;
	size_t nr;

	if (d->state != HV_STATE_RUNNING && d->state != HV_STATE_PAUSED)
		return false;
	if (hv_domain_vcpu_list(xl_ctx, d->domid, &list, &nr, NULL))
		return false;
	for (size_t i = 0; i < nr; i++) {
		const hv_vcpuinfo *v = &list[i];
		bool paused = d->state == HV_STATE_PAUSED;

		printf("%-32s %5" PRIu32 " %5u %5u   %c%c%c %9.1f  %s / all\n", d->name, d->domid,
		       v->vcpu, v->cpu, !paused && v->running ? 'r' : '-',
		       !paused && !v->running ? 'b' : '-', paused ? 'p' : '-',
		       (double)v->cpu_time_ns / 1e9, v->affinity);
	}
	free(list);
	return true;
}

int main_vcpulist(int argc, char **argv)
{
	struct xl_domains ds;
	int c;

	while ((c = xl_getopt(argc, argv, "")) != -1) {
		if (c == XL_HELP)
			return xl_help("vcpu-list");
		return XL_USAGE;
	}
	if (xl_domains_get_flags(&ds, argc, argv, optind, XL_DOMAINS_DOM0))
		return XL_FAIL;
	printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)",
	       "Affinity (Hard / Soft)");
	for (size_t i = 0; i < ds.nr; i++) {
		const hv_dominfo *d = ds.d[i];
		const char *st = d->state == HV_STATE_RUNNING ? "r--" :
			d->state == HV_STATE_PAUSED ||
			d->state == HV_STATE_BUILDING ? "--p" : "---";

		if (d == &ds.dom0) {
			vcpulist_dom0(d);
			continue;
		}
		if (vcpulist_domain(d))
			continue;
		/* no hv-vmm to ask (shut down, preserved): what the domain has */
		for (unsigned int v = 0; v < d->vcpus; v++)
			printf("%-32s %5" PRIu32 " %5u %5s %5s %9s  %s\n",
			       d->name, d->domid, v, "-", st, "-",
			       "all / all");
	}
	xl_domains_free(&ds);
	return XL_OK;
}

int main_vm_list(int argc, char **argv)
{
	struct xl_domains ds;
	int c;

	while ((c = xl_getopt(argc, argv, "")) != -1) {
		if (c == XL_HELP)
			return xl_help("vm-list");
		return XL_USAGE;
	}
	if (optind != argc)
		return xl_usage("vm-list", "takes no arguments");
	if (xl_domains_get(&ds, argc, argv, optind))
		return XL_FAIL;
	printf("UUID                                  ID    name\n");
	for (size_t i = 0; i < ds.nr; i++) {
		char uuid[37];

		format_uuid(ds.d[i]->uuid, uuid);
		printf("%s  %" PRIu32 "    %-30s\n", uuid, ds.d[i]->domid, ds.d[i]->name);
	}
	xl_domains_free(&ds);
	return XL_OK;
}

int main_domid(int argc, char **argv)
{
	hv_dominfo **list = NULL;
	size_t nr = 0;
	int c, rc;

	while ((c = xl_getopt(argc, argv, "")) != -1) {
		if (c == XL_HELP)
			return xl_help("domid");
		return XL_USAGE;
	}
	if (optind + 1 != argc)
		return xl_usage("domid", "give one domain name");
	if (!strcmp(argv[optind], XL_DOM0_NAME)) {
		printf("0\n");
		return XL_OK;
	}
	xl_error_mark();
	rc = hv_domain_list(xl_ctx, &list, &nr);
	if (rc)
		return xl_error(rc, "list domains");
	rc = XL_FAIL;
	for (size_t i = 0; i < nr; i++) {
		if (!strcmp(list[i]->name, argv[optind])) {
			printf("%" PRIu32 "\n", list[i]->domid);
			rc = XL_OK;
			break;
		}
	}
	if (rc)
		fprintf(stderr, "xl: domain \"%s\": no such domain (xl list shows the domains)\n",
			argv[optind]);
	hv_dominfo_list_free(list, nr);
	return rc;
}

int main_domname(int argc, char **argv)
{
	hv_dominfo info;
	char *end;
	unsigned long id;
	int c, rc;

	while ((c = xl_getopt(argc, argv, "")) != -1) {
		if (c == XL_HELP)
			return xl_help("domname");
		return XL_USAGE;
	}
	if (optind + 1 != argc)
		return xl_usage("domname", "give one domain id");
	id = strtoul(argv[optind], &end, 10);
	if (!*argv[optind] || *end || id >= HV_DOMID_INVALID)
		return xl_usage("domname", "'%s' is not a domain id (a number; xl domid NAME gives one)",
				argv[optind]);
	if (id == 0) {
		printf("%s\n", XL_DOM0_NAME);
		return XL_OK;
	}
	xl_error_mark();
	hv_dominfo_init(&info);
	rc = hv_domain_info(xl_ctx, (uint32_t)id, &info);
	if (rc)
		return xl_error(rc, "domain %s", argv[optind]);
	printf("%s\n", info.name);
	return XL_OK;
}
