/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A domain's vCPUs as the host runs them: each is a thread of its hv-vmm
 * named "vcpuN" (hypervisor/vmm/kvm/vcpu.c), which Linux schedules.
 * VCPU_INFO reads them from /proc; VCPU_PIN and the description's cpus=
 * set their hard affinity (sched_setaffinity), the one kind Linux has.
 * Only hv-vmm's own threads are looked at: a thread that calls itself
 * "vcpu9" can at worst get its own process pinned.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hvd.h"
#include "config/config_int.h"
#include "meter-read.h"

/* The first line of a small /proc or /sys file into @buf; 0 or -errno. */
static int vcpu_read(const char *path, char *buf, size_t size)
{
	ssize_t n = meter_read_file(path, buf, size);

	if (n < 0)
		return (int)n;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Calls @fn for each thread of process @pid until it returns nonzero; that, or 0. */
static int vcpu_each_thread(pid_t pid, int (*fn)(pid_t tid, void *opaque), void *opaque)
{
	char path[64];
	struct dirent *e;
	DIR *dir;
	int rc = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while (!rc && (e = readdir(dir))) {
		char *end;
		unsigned long tid = strtoul(e->d_name, &end, 10);

		if (!*end && tid && tid <= INT32_MAX)
			rc = fn((pid_t)tid, opaque);
	}
	closedir(dir);
	return rc;
}

/* The host's online CPUs; all of CPU_SETSIZE where that cannot be read. */
static void vcpu_online(cpu_set_t *set, char *text, size_t size)
{
	char why[160];

	if (vcpu_read("/sys/devices/system/cpu/online", text, size) ||
	    hv__cpulist_parse(text, set, NULL, why, sizeof(why))) {
		CPU_ZERO(set);
		for (unsigned int c = 0; c < CPU_SETSIZE; c++)
			CPU_SET(c, set);
		snprintf(text, size, "?");
	}
}

int vcpu_cpuset(const char *list, cpu_set_t *set, char *why, size_t why_size)
{
	char online_text[512], buf[256];
	cpu_set_t online;
	const char *bad = hv__cpulist_parse(list, set, hv__node_cpus, buf, sizeof(buf));

	if (bad) {
		snprintf(why, why_size, "\"%s\" %s", list, bad);
		return -1;
	}
	vcpu_online(&online, online_text, sizeof(online_text));
	CPU_AND(set, set, &online);
	if (!CPU_COUNT(set)) {
		snprintf(why, why_size, "\"%s\" names no CPU this host has online (it has %s)", list,
			 online_text);
		return -1;
	}
	return 0;
}

struct vcpu_find {
	pid_t pid;
	unsigned int nr, found;
	pid_t *tids;
};

static int vcpu_find_one(pid_t tid, void *opaque)
{
	struct vcpu_find *f = opaque;
	char path[64], comm[32], *end;
	unsigned long n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)f->pid, (int)tid);
	if (vcpu_read(path, comm, sizeof(comm)) || strncmp(comm, "vcpu", 4))
		return 0;
	n = strtoul(comm + 4, &end, 10);
	if (*end || end == comm + 4 || n >= f->nr || f->tids[n])
		return 0;
	f->tids[n] = tid;
	f->found++;
	return 0;
}

/*
 * The thread ids of hv-vmm @pid's vCPU threads 0 to @nr - 1 into @tids (0
 * where there is none); how many were found.
 */
static unsigned int vcpu_tids(pid_t pid, unsigned int nr, pid_t *tids)
{
	struct vcpu_find f = { .pid = pid, .nr = nr, .tids = tids };

	memset(tids, 0, nr * sizeof(*tids));
	vcpu_each_thread(pid, vcpu_find_one, &f);
	return f.found;
}

/* Sets @set on the domain's vCPU @vcpu (HV_HC_VCPU_ALL: all); -errno. */
static int vcpu_set(struct hvd_domain *d, uint32_t vcpu, const cpu_set_t *set)
{
	unsigned int nr = d->cfg->vcpus;
	pid_t *tids = calloc(nr, sizeof(*tids));
	int rc = 0;

	if (!tids)
		return -ENOMEM;
	vcpu_tids(d->pid, nr, tids);
	for (unsigned int i = 0; i < nr && !rc; i++) {
		if (vcpu != HV_HC_VCPU_ALL && i != vcpu)
			continue;
		if (!tids[i])
			rc = -ESRCH;
		else if (sched_setaffinity(tids[i], sizeof(*set), set) < 0)
			rc = -errno;
	}
	free(tids);
	return rc;
}

static int vcpu_set_thread(pid_t tid, void *opaque)
{
	/* a thread that ended meanwhile is no failure */
	return sched_setaffinity(tid, sizeof(cpu_set_t), opaque) < 0 && errno != ESRCH ?
	       -errno : 0;
}

/* Sets @set on every thread of @pid; -errno. */
static int vcpu_set_process(pid_t pid, cpu_set_t *set)
{
	if (sched_setaffinity(pid, sizeof(*set), set) < 0)
		return -errno;
	return vcpu_each_thread(pid, vcpu_set_thread, set);
}

void vcpu_apply_cpus(struct hvd *hvd, struct hvd_domain *d)
{
	char why[640];
	cpu_set_t set;
	int rc;

	if (!d->cfg->cpus || !d->pid)
		return;
	if (vcpu_cpuset(d->cfg->cpus, &set, why, sizeof(why))) {
		hvd_err(hvd, "domain %u (%s): cpus %s; its vCPUs run on any CPU", d->domid,
			d->cfg->name, why);
		return;
	}
	rc = vcpu_set_process(d->pid, &set);
	if (rc)
		hvd_err(hvd, "domain %u (%s): cannot pin its hv-vmm to \"%s\": %s", d->domid,
			d->cfg->name, d->cfg->cpus, strerror(-rc));
}

int op_vcpu_pin(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		struct hvd_domain *d)
{
	const struct hv_hc_vcpu_pin *p = &req->u.vcpu_pin;
	char why[640];
	cpu_set_t set;
	int rc;

	if (!domain_live(d))
		return -HV_HC_ESTATE;
	if (p->vcpu != HV_HC_VCPU_ALL && p->vcpu >= d->cfg->vcpus) {
		snprintf(why, sizeof(why), "domain %u has %u vCPUs (0 to %u): there is no vCPU %u",
			 d->domid, d->cfg->vcpus, d->cfg->vcpus - 1, p->vcpu);
		server_reply_msg(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EINVAL, why);
		return HVD_REPLIED;
	}
	if (vcpu_cpuset(p->cpus, &set, why, sizeof(why))) {
		server_reply_msg(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EINVAL, why);
		return HVD_REPLIED;
	}
	rc = vcpu_set(d, p->vcpu, &set);
	if (rc) {
		char which[32] = "the vCPUs";

		if (p->vcpu != HV_HC_VCPU_ALL)
			snprintf(which, sizeof(which), "vCPU %u", p->vcpu);
		snprintf(why, sizeof(why), "cannot pin %s of domain %u to \"%s\": %s", which,
			 d->domid, p->cpus,
			 rc == -ESRCH ? "its hv-vmm has no such thread (yet)" : strerror(-rc));
		hvd_err(hvd, "domain %u (%s): %s", d->domid, d->cfg->name, why);
		server_reply_msg(hvd, c->id, req->hdr.op, req->hdr.seq,
				 rc == -ESRCH ? -HV_HC_ESTATE : -HV_HC_EIO, why);
		return HVD_REPLIED;
	}
	if (p->vcpu == HV_HC_VCPU_ALL)
		hvd_info(hvd, "domain %u (%s): vCPUs pinned to %s", d->domid, d->cfg->name,
			 p->cpus);
	else
		hvd_info(hvd, "domain %u (%s): vCPU %u pinned to %s", d->domid, d->cfg->name,
			 p->vcpu, p->cpus);
	return 0;
}

/* One vCPU thread's state, CPU time and last CPU, from its /proc stat line. */
static void vcpu_stat(pid_t pid, pid_t tid, struct hv_hc_vcpuinfo *v)
{
	char path[64], buf[METER_READ_MAX];
	long tick = sysconf(_SC_CLK_TCK);
	struct meter_task t;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	n = meter_read_file(path, buf, sizeof(buf));
	if (n < 0 || meter_parse_task(buf, (size_t)n, &t))
		return;
	v->cpu = t.cpu >= 0 ? (uint32_t)t.cpu : 0;
	v->flags = t.state == 'R' ? HV_HC_VCPU_RUNNING : HV_HC_VCPU_BLOCKED;
	if (tick > 0)
		v->cpu_time_ns = t.ticks * (1000000000ull / (unsigned long long)tick);
}

bool vcpu_all_blocked(const struct hvd_domain *d)
{
	unsigned int nr = d->cfg->vcpus;
	pid_t *tids = nr ? calloc(nr, sizeof(*tids)) : NULL;
	bool blocked = tids && vcpu_tids(d->pid, nr, tids) == nr;

	for (unsigned int i = 0; blocked && i < nr; i++) {
		struct hv_hc_vcpuinfo v = { .vcpu = i };

		/* a thread that cannot be read counts as running: "b" only when sure */
		vcpu_stat(d->pid, tids[i], &v);
		blocked = v.flags == HV_HC_VCPU_BLOCKED;
	}
	free(tids);
	return blocked;
}

int op_vcpu_info(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		 struct hvd_domain *d)
{
	unsigned int nr = d->cfg->vcpus;
	struct hv_hc_vcpu_info_reply r = { .count = nr, .entry_size = sizeof(struct hv_hc_vcpuinfo) };
	size_t len = sizeof(r) + (size_t)nr * sizeof(struct hv_hc_vcpuinfo);
	long host = sysconf(_SC_NPROCESSORS_CONF);
	pid_t *tids;
	uint8_t *body;

	if (!domain_live(d))
		return -HV_HC_ESTATE;
	if (len > HV_HC_MSG_MAX - sizeof(struct hv_hc_hdr))
		return -HV_HC_EIO;
	tids = calloc(nr, sizeof(*tids));
	body = calloc(1, len);
	if (!tids || !body) {
		free(tids);
		free(body);
		return -HV_HC_ENOMEM;
	}
	r.host_cpus = host > 0 ? (uint32_t)host : 1;
	vcpu_tids(d->pid, nr, tids);
	for (unsigned int i = 0; i < nr; i++) {
		struct hv_hc_vcpuinfo v = { .vcpu = i };
		cpu_set_t set;

		if (tids[i]) {
			vcpu_stat(d->pid, tids[i], &v);
			if (!sched_getaffinity(tids[i], sizeof(set), &set))
				for (unsigned int cpu = 0; cpu < HV_HC_CPUMAP_BYTES * 8u &&
				     cpu < CPU_SETSIZE; cpu++)
					if (CPU_ISSET(cpu, &set))
						v.affinity[cpu / 8] |= (uint8_t)(1u << (cpu % 8));
		}
		memcpy(body + sizeof(r) + i * sizeof(v), &v, sizeof(v));
	}
	memcpy(body, &r, sizeof(r));
	server_reply(hvd, c->id, req->hdr.op, req->hdr.seq, 0, body, len, -1);
	free(tids);
	free(body);
	return HVD_REPLIED;
}

/*
 * SCHED: the domain's weight and cap (Xen's credit scheduler's), applied to
 * its cgroup when its hv-vmm runs, and kept in its description.
 */
int op_sched(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
	     struct hvd_domain *d)
{
	const struct hv_hc_sched *s = &req->u.sched;
	unsigned int weight = s->flags & HV_HC_SCHED_WEIGHT ? s->weight : d->cfg->cpu_weight;
	unsigned int cap = s->flags & HV_HC_SCHED_CAP ? s->cap : d->cfg->cpu_cap;
	int rc;

	if (d->state == HV_HC_STATE_DYING || d->state == HV_HC_STATE_BUILDING)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u (%s) is being built or destroyed; try again",
					d->domid, d->cfg->name);
	if (d->pid) {
		rc = cgroup_set_cpu(hvd, d, weight, cap);
		if (rc == -ENOTSUP)
			return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq,
						-HV_HC_ENOTSUP, "hvd cannot weigh or cap domain %s: "
						"this host gives hvd no cpu cgroup controller (see "
						"hvd's log)", d->cfg->name);
		if (rc)
			return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EIO,
						"cannot set domain %s's cpu cgroup: %s",
						d->cfg->name, strerror(-rc));
	}
	rc = desc_set_sched(hvd, d, weight, cap);
	if (rc)
		return rc;
	hvd_info(hvd, "domain %u (%s): cpu_weight %u, cap %u%%", d->domid, d->cfg->name,
		 weight ? weight : HVD_CPU_WEIGHT_DEFAULT, cap);
	return 0;
}
