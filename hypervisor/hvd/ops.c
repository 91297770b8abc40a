/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A client's request about domains: the short ones are answered here, the
 * long ones start an operation (op-*.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "hvd.h"

static int domain_op_get_config(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
				struct hvd_domain *d)
{
	server_reply(hvd, c->id, req->hdr.op, req->hdr.seq, 0, d->json, d->json_len, -1);
	return HVD_REPLIED;
}

/*
 * Destroy, as in Xen, is immediate: the hv-vmm gets SIGKILL (its vCPUs run
 * no further) and the domain leaves the table at once; the kernel frees
 * its memory behind us and SIGCHLD reaps the process.
 */
static int domain_op_destroy(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
			     struct hvd_domain *d)
{
	/*
	 * the copy a migration left paused here, its disks let go (and not one
	 * arriving here): it runs at the destination now
	 */
	if (d->disks_unlocked && !d->incoming_conn && d->state == HV_HC_STATE_PAUSED)
		d->end_why = "migrated";
	domain_remove(hvd, d);
	return 0;
}

static int domain_op_rename(struct hvd *hvd, struct hvd_domain *d, const char *name)
{
	struct hvd_domain *other = domain_find_name(hvd, name);
	char *old;
	int rc;

	if (other == d)
		return 0;
	if (other)
		return -HV_HC_EEXIST;
	if (d->state == HV_HC_STATE_DYING)
		return -HV_HC_ESTATE;
	old = strdup(d->cfg->name);
	if (!old)
		return -HV_HC_ENOMEM;
	/* the description says the name: a save image, a restart, GET_CONFIG follow it */
	rc = desc_rename(hvd, d, name);
	if (rc == 0) {
		hvd_info(hvd, "domain %u (%s): renamed %s", d->domid, old, name);
		domain_rename_logs(hvd, old, name);
	}
	free(old);
	return rc;
}

static int domain_op_console(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
			     struct hvd_domain *d)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char *path;
	int fd = -1, rc = -HV_HC_EIO;

	if (!domain_live(d))
		return -HV_HC_ESTATE;
	path = store_domain_file(hvd, d->domid, "console.sock");
	if (!path || strlen(path) >= sizeof(a.sun_path))
		goto out;
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		hvd_err(hvd, "domain %u (%s): cannot connect to its console at %s: %s", d->domid,
			d->cfg->name, path, strerror(errno));
		goto out;
	}
	server_reply(hvd, c->id, req->hdr.op, req->hdr.seq, 0, NULL, 0, fd);
	fd = -1;
	rc = HVD_REPLIED;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

uint64_t hvd_proc_kib(const char *path, const char *key)
{
	char buf[8192], *p;
	size_t klen = strlen(key);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ':')
			return strtoull(p + klen + 1, NULL, 10);
	return 0;
}

/*
 * free_mib is what the host could still give without taking from a
 * domain: MemAvailable less what running domains are owed, the part of
 * each one's target (the memory it was given) that its guest has not
 * touched yet.  What a guest has touched is its hv-vmm's resident shared
 * memory (RssShmem: the RAM memfd's pages it maps), which MemAvailable
 * already leaves out; ballooned-out and reported pages are neither.
 */
static int domain_op_physinfo(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req)
{
	struct hv_hc_physinfo pi;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t owed_kib = 0, avail_kib;

	memset(&pi, 0, sizeof(pi));
	pi.nr_cpus = cpus > 0 ? (uint32_t)cpus : 1;
	pi.total_mib = hvd_proc_kib("/proc/meminfo", "MemTotal") / 1024;
	avail_kib = hvd_proc_kib("/proc/meminfo", "MemAvailable");
	for (struct hvd_domain *d = hvd->domains; d; d = d->next) {
		char path[64];
		uint64_t target_kib, held_kib;

		pi.nr_domains++;
		if (!d->pid)
			continue;
		pi.domains_mib += d->cfg->memory_mib;
		snprintf(path, sizeof(path), "/proc/%d/status", (int)d->pid);
		target_kib = d->cfg->memory_mib * 1024;
		held_kib = hvd_proc_kib(path, "RssShmem");
		if (held_kib < target_kib)
			owed_kib += target_kib - held_kib;
	}
	pi.free_mib = (avail_kib > owed_kib ? avail_kib - owed_kib : 0) / 1024;
	pi.max_vcpus = REQUEST_MAX_VCPUS;
	pi.hvd_pid = (uint32_t)getpid();
	snprintf(pi.version, sizeof(pi.version), "%s", PACKAGE_VERSION);
	server_reply(hvd, c->id, req->hdr.op, req->hdr.seq, 0, &pi, sizeof(pi), -1);
	return HVD_REPLIED;
}

static int domain_op_list(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req)
{
	uint8_t *body = hvd->listbuf;
	struct hv_hc_list_reply lr = { 0 };
	size_t fit = request_list_fit(), off = sizeof(lr);
	struct hvd_domain *d;

	if (req->u.list.max && req->u.list.max < fit)
		fit = req->u.list.max;
	for (d = hvd->domains; d && d->domid < req->u.list.first_domid; d = d->next)
		;
	for (; d && lr.count < fit; d = d->next) {
		struct hv_hc_dominfo info;

		domain_fill_info(d, &info);
		memcpy(body + off, &info, sizeof(info));
		off += sizeof(info);
		lr.count++;
	}
	lr.more = d != NULL;
	memcpy(body, &lr, sizeof(lr));
	server_reply(hvd, c->id, req->hdr.op, req->hdr.seq, 0, body, off, -1);
	return HVD_REPLIED;
}

/* TRIGGER: what the request's bytes could not say is checked against the domain. */
static int domain_op_trigger(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
			     struct hvd_domain *d)
{
	struct hv_vmm_trigger t = { .arg = req->u.trigger.arg };

	if (d->state != HV_HC_STATE_RUNNING && d->state != HV_HC_STATE_PAUSED)
		return -HV_HC_ESTATE;
	switch (req->u.trigger.trigger) {
	case HV_HC_TRIGGER_RESET:
		t.trigger = HV_VMM_TRIGGER_RESET;
		hvd_info(hvd, "domain %u (%s): reset, as asked", d->domid, d->cfg->name);
		break;
	case HV_HC_TRIGGER_NMI:
		if (req->u.trigger.arg >= d->cfg->vcpus) {
			server_reply_msg(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EINVAL,
					 "the domain has no such vCPU (xl vcpu-list lists them)");
			return HVD_REPLIED;
		}
		t.trigger = HV_VMM_TRIGGER_NMI;
		hvd_info(hvd, "domain %u (%s): NMI to vCPU %u, as asked", d->domid, d->cfg->name,
			 req->u.trigger.arg);
		break;
	default:
		t.trigger = HV_VMM_TRIGGER_SYSRQ;
		hvd_info(hvd, "domain %u (%s): SysRq '%c', as asked", d->domid, d->cfg->name,
			 (char)req->u.trigger.arg);
		break;
	}
	return op_call_body(hvd, c, req, d, HV_VMM_OP_TRIGGER, &t, sizeof(t));
}

int domain_op(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req, int *fds,
	      unsigned int nfds)
{
	struct hvd_domain *d = NULL;
	struct hv_hc_dominfo info;

	switch (req->hdr.op) {
	case HV_HC_DOMCTL_CREATE_DOMAIN:
		return op_create(hvd, c, req, fds, nfds);
	case HV_HC_DOMCTL_RESTORE_DOMAIN:
		return op_restore(hvd, c, req, fds, nfds);
	case HV_HC_DOMCTL_CANCEL:
		return op_cancel(hvd, c, req);
	case HV_HC_SYSCTL_PHYSINFO:
		return domain_op_physinfo(hvd, c, req);
	case HV_HC_SYSCTL_LIST:
		return domain_op_list(hvd, c, req);
	case HV_HC_SYSCTL_READ_LOG:
		return log_op_read(hvd, c, req);
	case HV_HC_DOMCTL_STATS:
		return meter_op_stats(hvd, c, req);
	case HV_HC_DOMCTL_TRIGGER:
		d = domain_find(hvd, req->u.trigger.domid);
		break;
	case HV_HC_DOMCTL_ADD_DEVICE:
		d = domain_find(hvd, req->u.add_device.domid);
		break;
	case HV_HC_DOMCTL_SHUTDOWN:
		d = domain_find(hvd, req->u.shutdown.domid);
		break;
	case HV_HC_DOMCTL_RENAME:
		d = domain_find(hvd, req->u.rename.domid);
		break;
	case HV_HC_DOMCTL_SAVE:
		d = domain_find(hvd, req->u.save.domid);
		break;
	case HV_HC_DOMCTL_MIGRATE_SEND:
		d = domain_find(hvd, req->u.migrate.domid);
		break;
	case HV_HC_DOMCTL_DUMP_CORE:
		d = domain_find(hvd, req->u.dump_core.domid);
		break;
	case HV_HC_DOMCTL_DISK_ATTACH:
		d = domain_find(hvd, req->u.disk_attach.domid);
		break;
	case HV_HC_DOMCTL_DISK_DETACH:
		d = domain_find(hvd, req->u.disk_detach.domid);
		break;
	case HV_HC_DOMCTL_MEM_TARGET:
		d = domain_find(hvd, req->u.mem_target.domid);
		break;
	case HV_HC_DOMCTL_MEM_MAX:
		d = domain_find(hvd, req->u.mem_max.domid);
		break;
	case HV_HC_DOMCTL_NIC_ATTACH:
		d = domain_find(hvd, req->u.nic_attach.domid);
		break;
	case HV_HC_DOMCTL_NIC_DETACH:
		d = domain_find(hvd, req->u.nic_detach.domid);
		break;
	case HV_HC_DOMCTL_VCPU_PIN:
		d = domain_find(hvd, req->u.vcpu_pin.domid);
		break;
	case HV_HC_DOMCTL_SCHED:
		d = domain_find(hvd, req->u.sched.domid);
		break;
	case HV_HC_DOMCTL_MIGRATED:
		d = domain_find(hvd, req->u.migrated.domid);
		break;
	case HV_HC_DOMCTL_CONFIG_UPDATE:
		d = domain_find(hvd, req->u.config_update.domid);
		break;
	default:
		d = domain_find(hvd, req->u.domid.domid);
		break;
	}
	if (!d)
		return -HV_HC_ENOENT;
	switch (req->hdr.op) {
	case HV_HC_DOMCTL_ADD_DEVICE:
		return -HV_HC_ENOTSUP;
	case HV_HC_DOMCTL_PAUSE:
	case HV_HC_DOMCTL_UNPAUSE:
		if (d->incoming_conn && d->incoming_conn != c->id)
			return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq,
						-HV_HC_ESTATE, "domain %u is arriving by migration: "
						"its receiver starts it once the sender says go",
						d->domid);
		/* it runs, or is committed paused: its disks are its own again */
		if (d->disks_unlocked && (req->hdr.op == HV_HC_DOMCTL_UNPAUSE || d->incoming_conn)) {
			char why[600];

			if (disk_relock(hvd, d, true, why, sizeof(why)))
				return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq,
							-HV_HC_ESTATE, "domain %u cannot have its "
							"disks back: %s", d->domid, why);
		}
		if (d->incoming_conn)
			hvd_info(hvd, "domain %u (%s): the migration's receiver commits it", d->domid,
				 d->cfg->name);
		d->incoming_conn = 0;
		break;
	default:
		break;
	}
	switch (req->hdr.op) {
	case HV_HC_DOMCTL_PAUSE:
		if (d->state == HV_HC_STATE_PAUSED && domain_live(d))
			return 0;
		return d->state == HV_HC_STATE_RUNNING ?
			op_call(hvd, c, req, d, HV_VMM_OP_PAUSE) : -HV_HC_ESTATE;
	case HV_HC_DOMCTL_UNPAUSE:
		if (d->state == HV_HC_STATE_RUNNING && domain_live(d))
			return 0;
		return d->state == HV_HC_STATE_PAUSED ?
			op_call(hvd, c, req, d, HV_VMM_OP_UNPAUSE) : -HV_HC_ESTATE;
	case HV_HC_DOMCTL_SHUTDOWN:
		if (d->state != HV_HC_STATE_RUNNING && d->state != HV_HC_STATE_PAUSED)
			return -HV_HC_ESTATE;
		return op_call(hvd, c, req, d,
				     req->u.shutdown.reason == HV_HC_SHUTDOWN_REBOOT ?
				     HV_VMM_OP_CTRL_ALT_DEL : HV_VMM_OP_POWER_BUTTON);
	case HV_HC_DOMCTL_TRIGGER:
		return domain_op_trigger(hvd, c, req, d);
	case HV_HC_DOMCTL_DESTROY:
		return domain_op_destroy(hvd, c, req, d);
	case HV_HC_DOMCTL_GETINFO:
		domain_fill_info(d, &info);
		server_reply(hvd, c->id, req->hdr.op, req->hdr.seq, 0, &info, sizeof(info), -1);
		return HVD_REPLIED;
	case HV_HC_DOMCTL_RENAME:
		return domain_op_rename(hvd, d, req->u.rename.name);
	case HV_HC_DOMCTL_CONSOLE:
		return domain_op_console(hvd, c, req, d);
	case HV_HC_DOMCTL_GET_CONFIG:
		return domain_op_get_config(hvd, c, req, d);
	case HV_HC_DOMCTL_SAVE:
		return op_save(hvd, c, req, d, fds[0]);
	case HV_HC_DOMCTL_MIGRATE_SEND:
		return op_migrate(hvd, c, req, d, fds[0]);
	case HV_HC_DOMCTL_DUMP_CORE:
		return op_dump_core(hvd, c, req, d, fds[0]);
	case HV_HC_DOMCTL_DISK_ATTACH:
		return op_disk_attach(hvd, c, req, d, fds[0]);
	case HV_HC_DOMCTL_DISK_DETACH:
		return op_disk_detach(hvd, c, req, d);
	case HV_HC_DOMCTL_MEM_TARGET:
		return op_mem_target(hvd, c, req, d);
	case HV_HC_DOMCTL_MEM_MAX:
		return op_mem_max(hvd, c, req, d);
	case HV_HC_DOMCTL_MEM_INFO:
		return op_mem_info(hvd, c, req, d);
	case HV_HC_DOMCTL_NIC_ATTACH:
		return op_nic_attach(hvd, c, req, d, fds, nfds);
	case HV_HC_DOMCTL_NIC_DETACH:
		return op_nic_detach(hvd, c, req, d);
	case HV_HC_DOMCTL_VCPU_INFO:
		return op_vcpu_info(hvd, c, req, d);
	case HV_HC_DOMCTL_VCPU_PIN:
		return op_vcpu_pin(hvd, c, req, d);
	case HV_HC_DOMCTL_SCHED:
		return op_sched(hvd, c, req, d);
	case HV_HC_DOMCTL_MIGRATED:
		return op_migrated(hvd, c, req, d);
	case HV_HC_DOMCTL_CONFIG_UPDATE:
		return op_config_update(hvd, c, req, d);
	default:
		return -HV_HC_EOPNOTSUPP;
	}
}
