/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Metering (docs/metering.md): what each domain uses, read from the kernel
 * when a client asks (STATS) and once more when the domain ends, for its
 * usage record.  Every counter lives outside hvd (the hv-vmm process, its
 * memory cgroup, its taps), so a restarted hvd reads the same totals on;
 * hvd only remembers the last values it saw, for a domain whose hv-vmm is
 * already gone when its record is written.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "hvd.h"
#include "meter-read.h"

static uint64_t meter_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The hv-vmm's CPU time, if the process under d->pid is still its own:
 * -ESTALE where the pid is another process's now.
 */
static int meter_cpu(struct hvd *hvd, struct hvd_domain *d, uint64_t *ns_r)
{
	char path[64], buf[METER_READ_MAX];
	uint64_t ticks, start;
	long hz = sysconf(_SC_CLK_TCK);
	ssize_t n;

	if (!d->pid || hz <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)d->pid);
	n = meter_fds_read(hvd, d, METER_STAT, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (meter_parse_stat(buf, (size_t)n, &ticks, &start))
		return -EINVAL;
	/* a pid used again by another process counts nothing */
	if (d->pid_start && start != d->pid_start)
		return -ESTALE;
	*ns_r = ticks * (1000000000ull / (uint64_t)hz);
	return 0;
}

/* One number of the domain's memory cgroup: 0 or -errno. */
static int meter_cgroup_u64(struct hvd *hvd, struct hvd_domain *d, enum meter_file which,
			    const char *file, uint64_t *v_r)
{
	char path[PATH_MAX], buf[64];
	ssize_t n;
	int rc = cgroup_file_path(hvd, d, file, path, sizeof(path));

	if (rc)
		return rc;
	n = meter_fds_read(hvd, d, which, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return meter_parse_u64(buf, (size_t)n, v_r);
}

/*
 * Host memory: the domain's cgroup when it has one, else the process's own
 * counts (@cpu_rc: whether the pid was still its hv-vmm's, meter_cpu()).
 */
static void meter_mem(struct hvd *hvd, struct hvd_domain *d, int cpu_rc,
		      struct hv_hc_domstats *s)
{
	char path[64], buf[METER_READ_MAX];
	ssize_t n;

	if (d->capped && meter_cgroup_u64(hvd, d, METER_MEM_CURRENT, hvd->cg_version == 1 ?
					  "memory.usage_in_bytes" : "memory.current",
					  &s->mem_current_bytes) == 0) {
		s->valid |= HV_HC_STATS_MEM | HV_HC_STATS_MEM_CGROUP;
		if (meter_cgroup_u64(hvd, d, METER_MEM_PEAK, hvd->cg_version == 1 ?
				     "memory.max_usage_in_bytes" : "memory.peak",
				     &s->mem_peak_bytes) == 0)
			s->valid |= HV_HC_STATS_MEM_PEAK;
		return;
	}
	if (!d->pid || cpu_rc == -ESTALE)
		return;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)d->pid);
	n = meter_fds_read(hvd, d, METER_STATUS, path, buf, sizeof(buf));
	if (n < 0)
		return;
	if (meter_parse_status_kb(buf, (size_t)n, "VmRSS", &s->mem_current_bytes) == 0)
		s->valid |= HV_HC_STATS_MEM;
	if (meter_parse_status_kb(buf, (size_t)n, "VmHWM", &s->mem_peak_bytes) == 0)
		s->valid |= HV_HC_STATS_MEM_PEAK;
}

/* A tap's counters from its sysfs files, where rtnetlink cannot be asked. */
static int meter_tap_sysfs(const char *ifname, struct meter_link *k)
{
	static const char *const names[] = { "rx_bytes", "rx_packets", "tx_bytes", "tx_packets" };
	uint64_t *v[] = { &k->rx_bytes, &k->rx_packets, &k->tx_bytes, &k->tx_packets };
	char path[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int rc;

		snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname, names[i]);
		rc = meter_read_u64(path, v[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * The vifs' counters: from @links (one dump for a whole STATS reply) where
 * there is one, else asked of rtnetlink for this tap alone.
 */
static void meter_net(struct hvd *hvd, const struct hvd_domain *d,
		      const struct meter_links *links, struct hv_hc_domstats *s)
{
	size_t n = d->cfg->nr_vifs < HV_HC_STATS_MAX_VIFS ? d->cfg->nr_vifs :
		   HV_HC_STATS_MAX_VIFS;

	s->nr_vifs = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		struct hv_hc_vifstats *v = &s->vifs[i];
		const struct meter_link *k = NULL;
		struct meter_link one;
		char ifname[32];
		int rc;

		v->devid = d->cfg->vifs[i]->devid;
		/* no tap while no hv-vmm runs: a name alone could be someone else's */
		if (!d->pid)
			continue;
		net_ifname(d, i, ifname, sizeof(ifname));
		if (!meter_ifname_ok(ifname))
			continue;
		if (links && links->ok) {
			k = meter_links_find(links, ifname);
		} else {
			rc = meter_link_get(hvd, ifname, &one);
			if (rc && rc != -ENODEV)
				rc = meter_tap_sysfs(ifname, &one);
			k = rc ? NULL : &one;
		}
		if (!k)
			continue;
		/* the tap's tx is what the guest received, its rx what the guest sent */
		v->rx_bytes = k->tx_bytes;
		v->rx_packets = k->tx_packets;
		v->tx_bytes = k->rx_bytes;
		v->tx_packets = k->rx_packets;
		v->valid = 1;
	}
	if (n)
		s->valid |= HV_HC_STATS_NET;
}

/*
 * The disks' counters from the statistics file the hv-vmm keeps (its
 * own word: public/vmm.h), matched to the description's disks by vdev.
 */
static void meter_disks(struct hvd *hvd, struct hvd_domain *d, struct hv_hc_domstats *s)
{
	size_t n = d->cfg->nr_disks < HV_HC_STATS_MAX_DISKS ? d->cfg->nr_disks :
		   HV_HC_STATS_MAX_DISKS;
	struct hv_vmm_stats f;
	char path[PATH_MAX];
	ssize_t got;

	s->nr_disks = (uint32_t)n;
	for (size_t i = 0; i < n; i++)
		snprintf(s->disks[i].vdev, sizeof(s->disks[i].vdev), "%s",
			 d->cfg->disks[i]->vdev ? d->cfg->disks[i]->vdev : "");
	if (n)
		s->valid |= HV_HC_STATS_DISK;
	/* no hv-vmm: what it last counted stands (meter_keep()) */
	if (!d->pid)
		return;
	snprintf(path, sizeof(path), "%s/domains/%u/stats", hvd->rundir, d->domid);
	/* hvd's own file, as everything it reads back (meter-fds.c checks) */
	got = meter_fds_read(hvd, d, METER_STATS, path, (char *)&f, sizeof(f));
	if (got != (ssize_t)sizeof(f) || f.magic != HV_VMM_STATS_MAGIC ||
	    f.version != HV_VMM_STATS_VERSION || f.nr_disks != HV_VMM_STATS_DISKS)
		return;
	for (size_t i = 0; i < n; i++) {
		struct hv_hc_diskstats *o = &s->disks[i];

		for (unsigned int j = 0; j < HV_VMM_STATS_DISKS; j++) {
			const struct hv_vmm_diskstats *v = &f.disks[j];

			if (!o->vdev[0] || strnlen(v->vdev, sizeof(v->vdev)) == sizeof(v->vdev) ||
			    strcmp(v->vdev, o->vdev))
				continue;
			o->valid = 1;
			o->rd_reqs = v->rd_reqs;
			o->rd_bytes = v->rd_bytes;
			o->wr_reqs = v->wr_reqs;
			o->wr_bytes = v->wr_bytes;
			o->flush_reqs = v->flush_reqs;
			o->discard_reqs = v->discard_reqs;
			o->err_reqs = v->err_reqs;
			o->throttled_reqs = v->throttled_reqs;
			break;
		}
	}
}

/* @a has gone backwards from @b in some counter: not the same counting. */
static bool meter_disk_behind(const struct hv_hc_diskstats *a, const struct hv_hc_diskstats *b)
{
	return a->rd_reqs < b->rd_reqs || a->rd_bytes < b->rd_bytes ||
	       a->wr_reqs < b->wr_reqs || a->wr_bytes < b->wr_bytes ||
	       a->flush_reqs < b->flush_reqs || a->discard_reqs < b->discard_reqs ||
	       a->err_reqs < b->err_reqs || a->throttled_reqs < b->throttled_reqs;
}

static struct hv_hc_diskstats *meter_last_disk(struct hv_hc_usage *m, const char *vdev)
{
	for (unsigned int j = 0; j < HV_HC_STATS_MAX_DISKS; j++)
		if (m->disks[j].valid && !strcmp(m->disks[j].vdev, vdev))
			return &m->disks[j];
	return NULL;
}

/*
 * The disks' last counters, by vdev: a counter that went backwards (a
 * hostile hv-vmm) or could not be read gives the last one; the last ones
 * become those of the description's disks now.
 */
static void meter_keep_disks(struct hv_hc_usage *m, struct hv_hc_domstats *s)
{
	struct hv_hc_diskstats now[HV_HC_STATS_MAX_DISKS] = { 0 };

	for (uint32_t i = 0; i < s->nr_disks; i++) {
		struct hv_hc_diskstats *k = &s->disks[i];
		const struct hv_hc_diskstats *last = meter_last_disk(m, k->vdev);

		if (last && (!k->valid || meter_disk_behind(k, last)))
			*k = *last;
		if (k->valid)
			now[i] = *k;
	}
	memcpy(m->disks, now, sizeof(now));
}

void meter_forget_disk(struct hvd_domain *d, const char *vdev)
{
	struct hv_hc_diskstats *last = meter_last_disk(&d->meter, vdev);

	if (last)
		memset(last, 0, sizeof(*last));
}

/*
 * Counters only grow while one hv-vmm runs: where one cannot be read now
 * (the process went, its tap with it) the last value seen stands.
 */
static void meter_keep(struct hvd_domain *d, struct hv_hc_domstats *s)
{
	struct hv_hc_usage *m = &d->meter;

	if (s->valid & HV_HC_STATS_CPU)
		m->cpu_ns = s->cpu_ns > m->cpu_ns ? s->cpu_ns : m->cpu_ns;
	/*
	 * an hv-vmm that ended while hvd was down left only the CPU time the
	 * state file recorded (domain_fill_info()): better than nothing
	 */
	else if (d->cpu_time_ns > m->cpu_ns)
		m->cpu_ns = d->cpu_time_ns;
	s->cpu_ns = m->cpu_ns;
	if (m->cpu_ns)
		s->valid |= HV_HC_STATS_CPU;
	if ((s->valid & HV_HC_STATS_MEM_PEAK) && s->mem_peak_bytes > m->mem_peak_bytes)
		m->mem_peak_bytes = s->mem_peak_bytes;
	if ((s->valid & HV_HC_STATS_MEM) && s->mem_current_bytes > m->mem_peak_bytes)
		m->mem_peak_bytes = s->mem_current_bytes;
	s->mem_peak_bytes = m->mem_peak_bytes;
	if (m->mem_peak_bytes)
		s->valid |= HV_HC_STATS_MEM_PEAK;
	for (uint32_t i = 0; i < s->nr_vifs; i++) {
		struct hv_hc_vifstats *v = &s->vifs[i], *last = &m->vifs[i];

		if (v->valid && last->devid == v->devid && v->rx_bytes < last->rx_bytes)
			v->valid = 0;	/* a new tap under the old name: not this one */
		if (v->valid)
			*last = *v;
		else if (last->valid && last->devid == v->devid)
			*v = *last;
	}
	meter_keep_disks(m, s);
}

/* What it used before a save comes on top: the counters of its hv-vmm start at 0. */
static void meter_add_carried(const struct hvd_domain *d, struct hv_hc_domstats *s)
{
	const struct hv_hc_usage *c = &d->carried;

	if (c->cpu_ns) {
		s->cpu_ns += c->cpu_ns;
		s->valid |= HV_HC_STATS_CPU;
	}
	if (c->mem_peak_bytes > s->mem_peak_bytes) {
		s->mem_peak_bytes = c->mem_peak_bytes;
		s->valid |= HV_HC_STATS_MEM_PEAK;
	}
	for (uint32_t i = 0; i < s->nr_vifs; i++) {
		struct hv_hc_vifstats *v = &s->vifs[i];

		for (unsigned int j = 0; j < HV_HC_STATS_MAX_VIFS; j++) {
			const struct hv_hc_vifstats *cv = &c->vifs[j];

			if (!cv->valid || cv->devid != v->devid)
				continue;
			v->rx_bytes += cv->rx_bytes;
			v->rx_packets += cv->rx_packets;
			v->tx_bytes += cv->tx_bytes;
			v->tx_packets += cv->tx_packets;
			v->valid = 1;
		}
	}
	for (uint32_t i = 0; i < s->nr_disks; i++) {
		struct hv_hc_diskstats *k = &s->disks[i];

		for (unsigned int j = 0; j < HV_HC_STATS_MAX_DISKS; j++) {
			const struct hv_hc_diskstats *ck = &c->disks[j];

			if (!ck->valid || strcmp(ck->vdev, k->vdev))
				continue;
			k->rd_reqs += ck->rd_reqs;
			k->rd_bytes += ck->rd_bytes;
			k->wr_reqs += ck->wr_reqs;
			k->wr_bytes += ck->wr_bytes;
			k->valid = 1;
		}
	}
}

/* meter_sample(), the taps' counters from @links where it is not NULL */
static void meter_sample_links(struct hvd *hvd, struct hvd_domain *d,
			       const struct meter_links *links, struct hv_hc_domstats *s)
{
	uint64_t now_s;
	int cpu_rc;

	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->domid = d->domid;
	s->state = d->state;
	snprintf(s->name, sizeof(s->name), "%s", d->cfg->name);
	memcpy(s->uuid, d->cfg->uuid, sizeof(s->uuid));
	s->sample_time_ns = meter_clock_ns(CLOCK_REALTIME);
	s->start_time = d->start_time;
	now_s = s->sample_time_ns / 1000000000ull;
	if (d->pid && d->start_time && now_s >= d->start_time)
		s->uptime_ns = s->sample_time_ns - d->start_time * 1000000000ull;
	cpu_rc = meter_cpu(hvd, d, &s->cpu_ns);
	if (cpu_rc == 0)
		s->valid |= HV_HC_STATS_CPU;
	meter_mem(hvd, d, cpu_rc, s);
	meter_net(hvd, d, links, s);
	meter_disks(hvd, d, s);
	s->memory_mib = d->cfg->memory_mib;
	s->maxmem_mib = desc_maxmem_mib(d);
	s->vcpus = d->cfg->vcpus;
	meter_keep(d, s);
	meter_add_carried(d, s);
	if (d->has_migration) {
		s->migration = d->migration;
		s->valid |= HV_HC_STATS_MIGRATION;
	}
}

void meter_sample(struct hvd *hvd, struct hvd_domain *d, struct hv_hc_domstats *s)
{
	meter_sample_links(hvd, d, NULL, s);
}

/* Whether any of the first @max domains from @d has a tap to count. */
static bool meter_any_vif(const struct hvd_domain *d, size_t max)
{
	for (; d && max; d = d->next, max--)
		if (d->pid && d->cfg->nr_vifs)
			return true;
	return false;
}

bool meter_cfg_has_usage(const hv_domain_config *cfg)
{
	if (cfg->usage_cpu_ns || cfg->usage_mem_peak_bytes)
		return true;
	for (size_t i = 0; i < cfg->nr_vifs; i++) {
		const hv_vif_spec *v = cfg->vifs[i];

		if (v->usage_rx_bytes || v->usage_rx_packets || v->usage_tx_bytes ||
		    v->usage_tx_packets)
			return true;
	}
	for (size_t i = 0; i < cfg->nr_disks; i++) {
		const hv_disk_spec *k = cfg->disks[i];

		if (k->usage_rd_reqs || k->usage_rd_bytes || k->usage_wr_reqs || k->usage_wr_bytes)
			return true;
	}
	return false;
}

void meter_take_carried(hv_domain_config *cfg, struct hv_hc_usage *c)
{
	memset(c, 0, sizeof(*c));
	c->cpu_ns = cfg->usage_cpu_ns;
	c->mem_peak_bytes = cfg->usage_mem_peak_bytes;
	cfg->usage_cpu_ns = cfg->usage_mem_peak_bytes = 0;
	for (size_t i = 0; i < cfg->nr_vifs && i < HV_HC_STATS_MAX_VIFS; i++) {
		hv_vif_spec *v = cfg->vifs[i];
		struct hv_hc_vifstats *cv = &c->vifs[i];

		cv->devid = v->devid;
		cv->valid = v->usage_rx_bytes || v->usage_rx_packets || v->usage_tx_bytes ||
			    v->usage_tx_packets;
		cv->rx_bytes = v->usage_rx_bytes;
		cv->rx_packets = v->usage_rx_packets;
		cv->tx_bytes = v->usage_tx_bytes;
		cv->tx_packets = v->usage_tx_packets;
		v->usage_rx_bytes = v->usage_rx_packets = 0;
		v->usage_tx_bytes = v->usage_tx_packets = 0;
	}
	for (size_t i = 0; i < cfg->nr_disks && i < HV_HC_STATS_MAX_DISKS; i++) {
		hv_disk_spec *k = cfg->disks[i];
		struct hv_hc_diskstats *ck = &c->disks[i];

		if (!k->vdev)
			continue;
		snprintf(ck->vdev, sizeof(ck->vdev), "%s", k->vdev);
		ck->valid = k->usage_rd_reqs || k->usage_rd_bytes || k->usage_wr_reqs ||
			    k->usage_wr_bytes;
		ck->rd_reqs = k->usage_rd_reqs;
		ck->rd_bytes = k->usage_rd_bytes;
		ck->wr_reqs = k->usage_wr_reqs;
		ck->wr_bytes = k->usage_wr_bytes;
		k->usage_rd_reqs = k->usage_rd_bytes = 0;
		k->usage_wr_reqs = k->usage_wr_bytes = 0;
	}
}

int meter_save_json(struct hvd *hvd, struct hvd_domain *d, char **json_r, size_t *len_r)
{
	struct hv_hc_domstats s;
	hv_domain_config *cfg;
	char *json = NULL;
	int rc = -HV_HC_ENOMEM;

	meter_sample(hvd, d, &s);
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return rc;
	hv_domain_config_init(cfg);
	if (hv_domain_config_copy(cfg, d->cfg))
		goto out;
	cfg->usage_cpu_ns = s.cpu_ns;
	cfg->usage_mem_peak_bytes = s.mem_peak_bytes;
	for (uint32_t i = 0; i < s.nr_vifs; i++) {
		hv_vif_spec *v;
		int k = net_find(cfg, s.vifs[i].devid);

		if (k < 0 || !s.vifs[i].valid)
			continue;
		v = cfg->vifs[k];
		v->usage_rx_bytes = s.vifs[i].rx_bytes;
		v->usage_rx_packets = s.vifs[i].rx_packets;
		v->usage_tx_bytes = s.vifs[i].tx_bytes;
		v->usage_tx_packets = s.vifs[i].tx_packets;
	}
	for (uint32_t i = 0; i < s.nr_disks; i++) {
		hv_disk_spec *k;
		int j = disk_find(cfg, s.disks[i].vdev);

		if (j < 0 || !s.disks[i].valid)
			continue;
		k = cfg->disks[j];
		k->usage_rd_reqs = s.disks[i].rd_reqs;
		k->usage_rd_bytes = s.disks[i].rd_bytes;
		k->usage_wr_reqs = s.disks[i].wr_reqs;
		k->usage_wr_bytes = s.disks[i].wr_bytes;
	}
	if (hv_config_to_json(&hvd->ctx, cfg, &json)) {
		hvd_err(hvd, "domain %u (%s): cannot encode its description with its usage for "
			"the save image: %s; the image carries none", d->domid, d->cfg->name,
			hvd->desc_error);
		rc = -HV_HC_EIO;
		goto out;
	}
	*json_r = json;
	*len_r = strlen(json);
	rc = 0;
out:
	hv_domain_config_dispose(cfg);
	free(cfg);
	return rc;
}

void meter_vmm_ending(struct hvd *hvd, struct hvd_domain *d)
{
	struct hv_hc_domstats s;

	/* the zombie still tells its times; the taps are still there */
	meter_sample(hvd, d, &s);
}

/* --- STATS ---------------------------------------------------------------- */

size_t meter_fit(void)
{
	return (HV_HC_MSG_MAX - sizeof(struct hv_hc_hdr) - sizeof(struct hv_hc_stats_reply)) /
	       sizeof(struct hv_hc_domstats);
}

int meter_op_stats(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req)
{
	uint8_t *body = hvd->listbuf;
	struct hv_hc_stats_reply r = { .entry_size = sizeof(struct hv_hc_domstats) };
	size_t fit = meter_fit(), off = sizeof(r);
	struct meter_links links = { 0 };
	struct hvd_domain *d;

	if (req->u.stats.domid != HV_HC_DOMID_INVALID) {
		d = domain_find(hvd, req->u.stats.domid);
		if (!d)
			return -HV_HC_ENOENT;
		fit = 1;
	} else {
		if (req->u.stats.max && req->u.stats.max < fit)
			fit = req->u.stats.max;
		for (d = hvd->domains; d && d->domid < req->u.stats.first_domid; d = d->next)
			;
	}
	/* many domains' taps: one dump for them all (a failed one: each asked alone) */
	if (fit > 1 && meter_any_vif(d, fit))
		meter_links_dump(hvd, &links);
	for (; d && r.count < fit; d = d->next) {
		struct hv_hc_domstats s;

		meter_sample_links(hvd, d, &links, &s);
		memcpy(body + off, &s, sizeof(s));
		off += sizeof(s);
		r.count++;
	}
	meter_links_free(&links);
	r.more = req->u.stats.domid == HV_HC_DOMID_INVALID && d != NULL;
	memcpy(body, &r, sizeof(r));
	server_reply(hvd, c->id, req->hdr.op, req->hdr.seq, 0, body, off, -1);
	return HVD_REPLIED;
}

/* --- usage records -------------------------------------------------------- */

/* Why the domain ended, as the record says it. */
static const char *meter_why(const struct hvd_domain *d)
{
	if (d->end_why)
		return d->end_why;
	switch (d->shutdown_code) {
	case HV_HC_CODE_POWEROFF:
		return "poweroff";
	case HV_HC_CODE_REBOOT:
		return "reboot";
	case HV_HC_CODE_CRASH:
		return "crash";
	default:
		return "destroy";
	}
}

void meter_end(struct hvd *hvd, struct hvd_domain *d)
{
	struct hv_hc_domstats s;
	char line[8192], *path;
	struct stat st;
	int fd, n;

	meter_sample(hvd, d, &s);
	n = meter_format_record(&s, meter_why(d), (uint64_t)time(NULL), line, sizeof(line));
	path = hvd_path("%s/usage.jsonl", hvd->logdir);
	if (n < 0 || !path) {
		hvd_err(hvd, "domain %u (%s): no usage record: out of memory", d->domid,
			d->cfg->name);
		goto out;
	}
	/*
	 * The log directory is hvd's own (main_own_dir); a link or anything but
	 * a regular file in its place is refused, not followed.  One write()
	 * with O_APPEND keeps each record whole beside other writers.
	 */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK |
		  O_CLOEXEC, 0640);
	if (fd < 0) {
		hvd_err(hvd, "domain %u (%s): cannot write its usage record to %s: %s (check "
			"that it is a regular file hvd may write)", d->domid, d->cfg->name, path,
			strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		hvd_err(hvd, "domain %u (%s): %s is not a regular file; no usage record (remove "
			"it)", d->domid, d->cfg->name, path);
	} else if (write(fd, line, (size_t)n) != n) {
		hvd_err(hvd, "domain %u (%s): writing its usage record to %s failed: %s (is the "
			"disk full?)", d->domid, d->cfg->name, path, strerror(errno));
	}
	close(fd);
out:
	free(path);
}
