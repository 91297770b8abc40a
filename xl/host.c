/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host as Xen's xl shows it: domain 0, "Domain-0".  hv runs no domain
 * 0 (hvd's domains start at 1); the row stands for the Linux host that
 * runs hvd, so that scripts that expect it find it, with the host's own
 * numbers.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "xl.h"

bool xl_is_dom0(const char *s)
{
	if (!strcmp(s, XL_DOM0_NAME))
		return true;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s != '0')
			return false;
	return true;
}

double xl_host_uptime(void)
{
	FILE *f = fopen("/proc/uptime", "re");
	double up = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%lf", &up) != 1)
		up = -1;
	fclose(f);
	return up;
}

double xl_host_cpu_busy(int cpu)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[512], want[16];
	double busy = -1;
	long hz = sysconf(_SC_CLK_TCK);

	if (!f)
		return -1;
	if (cpu < 0)
		snprintf(want, sizeof(want), "cpu ");
	else
		snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[8] = { 0 };

		if (strncmp(line, want, strlen(want)))
			continue;
		/* user nice system idle iowait irq softirq steal: all but idle and iowait */
		if (sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
			   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) >= 4)
			busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
			       (double)(hz > 0 ? hz : 100);
		break;
	}
	fclose(f);
	return busy;
}

void xl_dom0_info(const hv_physinfo *pi, hv_dominfo *d)
{
	double up = xl_host_uptime(), busy = xl_host_cpu_busy(-1);

	hv_dominfo_init(d);
	d->domid = 0;
	d->state = HV_STATE_RUNNING;
	snprintf(d->name, sizeof(d->name), "%s", XL_DOM0_NAME);
	d->vcpus = d->maxvcpus = pi->nr_cpus;
	/* what the host keeps: its memory less what hv's domains were given */
	d->memory_mib = pi->total_mib > pi->domains_mib ? pi->total_mib - pi->domains_mib : 0;
	d->maxmem_mib = pi->total_mib;
	d->current_mib = d->memory_mib;
	d->cpu_time_ns = busy > 0 ? (uint64_t)(busy * 1e9) : 0;
	d->start_time = up >= 0 ? time(NULL) - (time_t)up : 0;
}
