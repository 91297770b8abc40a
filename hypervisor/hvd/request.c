/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "wire/hcmsg.h"
#include "request.h"

static bool request_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* A name field: malformed bytes are EPROTO, a well-formed bad name EINVAL. */
static int request_check_name(const char *name)
{
	if (!hcmsg_string_ok(name, HV_HC_NAME_MAX))
		return -HV_HC_EPROTO;
	if (!hcmsg_name_ok(name, HV_HC_NAME_MAX))
		return -HV_HC_EINVAL;
	return 0;
}

/*
 * The JSON after a fixed part: @len bytes (@want_len of them announced by
 * the struct, or -1 if the body's length says it), 1..HV_HC_CONFIG_MAX
 * (EINVAL), as announced and without a NUL (EPROTO).
 */
static int request_check_json(const char *json, size_t len, long want_len)
{
	if (want_len >= 0 && (size_t)want_len != len)
		return -HV_HC_EPROTO;
	if (len && memchr(json, '\0', len))
		return -HV_HC_EPROTO;
	if (len < 1 || len > HV_HC_CONFIG_MAX)
		return -HV_HC_EINVAL;
	return 0;
}

size_t request_list_fit(void)
{
	return (HV_HC_MSG_MAX - sizeof(struct hv_hc_hdr) - sizeof(struct hv_hc_list_reply)) /
	       sizeof(struct hv_hc_dominfo);
}

static int request_check_body(struct hvd_req *req, unsigned int nfds)
{
	struct hvd_req *r = req;
	unsigned int want_fds;
	int rc;

	/* only CREATE_DOMAIN, RESTORE_DOMAIN, ADD_DEVICE, SAVE, MIGRATE_SEND, DUMP_CORE,
	 * DISK_ATTACH and NIC_ATTACH take descriptors */
	if (nfds && r->hdr.op != HV_HC_DOMCTL_CREATE_DOMAIN &&
	    r->hdr.op != HV_HC_DOMCTL_RESTORE_DOMAIN && r->hdr.op != HV_HC_DOMCTL_ADD_DEVICE &&
	    r->hdr.op != HV_HC_DOMCTL_SAVE && r->hdr.op != HV_HC_DOMCTL_DISK_ATTACH &&
	    r->hdr.op != HV_HC_DOMCTL_MIGRATE_SEND && r->hdr.op != HV_HC_DOMCTL_DUMP_CORE &&
	    r->hdr.op != HV_HC_DOMCTL_NIC_ATTACH)
		return -HV_HC_EBADF;
	switch (r->hdr.op) {
	case HV_HC_DOMCTL_CREATE_DOMAIN:
		if (!request_zero(r->u.create.reserved, sizeof(r->u.create.reserved)))
			return -HV_HC_EPROTO;
		rc = request_check_json(r->json, r->json_len, r->u.create.config_len);
		if (rc)
			return rc;
		if (r->u.create.flags & ~(HV_HC_CREATE_PAUSED | HV_HC_CREATE_RAMDISK))
			return -HV_HC_EINVAL;
		/* the kernel, and the ramdisk if the flags say so; then the disks,
		 * which only the description can count (op-create.c does) */
		want_fds = r->u.create.flags & HV_HC_CREATE_RAMDISK ? 2 : 1;
		return nfds >= want_fds ? 0 : -HV_HC_EBADF;
	case HV_HC_DOMCTL_CANCEL:
		return 0;
	case HV_HC_DOMCTL_ADD_DEVICE:
		return 0;
	case HV_HC_DOMCTL_PAUSE:
	case HV_HC_DOMCTL_UNPAUSE:
	case HV_HC_DOMCTL_DESTROY:
	case HV_HC_DOMCTL_GETINFO:
	case HV_HC_DOMCTL_MEM_INFO:
	case HV_HC_DOMCTL_CONSOLE:
	case HV_HC_DOMCTL_GET_CONFIG:
	case HV_HC_DOMCTL_VCPU_INFO:
		return r->u.domid.reserved ? -HV_HC_EPROTO : 0;
	case HV_HC_DOMCTL_VCPU_PIN:
		if (!hcmsg_string_ok(r->u.vcpu_pin.cpus, sizeof(r->u.vcpu_pin.cpus)))
			return -HV_HC_EPROTO;
		if (!r->u.vcpu_pin.cpus[0] ||
		    (r->u.vcpu_pin.vcpu != HV_HC_VCPU_ALL && r->u.vcpu_pin.vcpu >= REQUEST_MAX_VCPUS))
			return -HV_HC_EINVAL;
		return 0;
	case HV_HC_DOMCTL_SAVE:
		if (r->u.save.reserved)
			return -HV_HC_EPROTO;
		/* config_len 0: the stored configuration */
		if (r->u.save.config_len || r->json_len) {
			rc = request_check_json(r->json, r->json_len, r->u.save.config_len);
			if (rc)
				return rc;
		}
		if (r->u.save.flags & ~(HV_HC_SAVE_CONTINUE | HV_HC_SAVE_PAUSED |
					HV_HC_SAVE_COMPRESS | HV_HC_SAVE_SEALED))
			return -HV_HC_EINVAL;
		/* run on and stay paused at once */
		if ((r->u.save.flags & HV_HC_SAVE_CONTINUE) && (r->u.save.flags & HV_HC_SAVE_PAUSED))
			return -HV_HC_EINVAL;
		return nfds == 1 ? 0 : -HV_HC_EBADF;
	case HV_HC_DOMCTL_MIGRATE_SEND:
		if (r->u.migrate.reserved)
			return -HV_HC_EPROTO;
		if (r->u.migrate.config_len || r->json_len) {
			rc = request_check_json(r->json, r->json_len, r->u.migrate.config_len);
			if (rc)
				return rc;
		}
		if (r->u.migrate.flags & ~(HV_HC_MIGRATE_COMPRESS | HV_HC_MIGRATE_AUTO_CONVERGE |
					   HV_HC_MIGRATE_DIGEST | HV_HC_MIGRATE_LOCAL |
					   HV_HC_MIGRATE_SEALED) ||
		    !r->u.migrate.downtime_ms || r->u.migrate.ceiling_ms < r->u.migrate.downtime_ms)
			return -HV_HC_EINVAL;
		/* a local migration's memory is its memfd, which no MAC covers */
		if ((r->u.migrate.flags & HV_HC_MIGRATE_SEALED) &&
		    (r->u.migrate.flags & HV_HC_MIGRATE_LOCAL))
			return -HV_HC_EINVAL;
		return nfds == 1 ? 0 : -HV_HC_EBADF;
	case HV_HC_DOMCTL_DUMP_CORE:
		if (!request_zero(r->u.dump_core.reserved, sizeof(r->u.dump_core.reserved)))
			return -HV_HC_EPROTO;
		if (r->u.dump_core.flags)
			return -HV_HC_EINVAL;
		/* the file to write the core to */
		return nfds == 1 ? 0 : -HV_HC_EBADF;
	case HV_HC_DOMCTL_RESTORE_DOMAIN:
		if (!request_zero(r->u.restore.reserved, sizeof(r->u.restore.reserved)))
			return -HV_HC_EPROTO;
		rc = request_check_json(r->json, r->json_len, r->u.restore.config_len);
		if (rc)
			return rc;
		if (r->u.restore.flags & ~(HV_HC_RESTORE_PAUSED | HV_HC_RESTORE_LAZY |
					   HV_HC_RESTORE_KERNEL | HV_HC_RESTORE_INITRD |
					   HV_HC_RESTORE_STREAM | HV_HC_RESTORE_SEALED))
			return -HV_HC_EINVAL;
		/* a lazy restore maps pages that are checked only later: never sealed ones */
		if ((r->u.restore.flags & HV_HC_RESTORE_SEALED) &&
		    (r->u.restore.flags & HV_HC_RESTORE_LAZY))
			return -HV_HC_EINVAL;
		if ((r->u.restore.flags & HV_HC_RESTORE_STREAM) &&
		    (r->u.restore.flags & HV_HC_RESTORE_LAZY))
			return -HV_HC_EINVAL;
		if ((r->u.restore.flags & HV_HC_RESTORE_INITRD) &&
		    !(r->u.restore.flags & HV_HC_RESTORE_KERNEL))
			return -HV_HC_EINVAL;
		/* the image, the kernel and ramdisk as the flags say, then the disks */
		want_fds = 1 + !!(r->u.restore.flags & HV_HC_RESTORE_KERNEL) +
			   !!(r->u.restore.flags & HV_HC_RESTORE_INITRD);
		return nfds >= want_fds ? 0 : -HV_HC_EBADF;
	case HV_HC_DOMCTL_DISK_ATTACH:
		if (r->u.disk_attach.reserved)
			return -HV_HC_EPROTO;
		rc = request_check_json(r->json, r->json_len, r->u.disk_attach.config_len);
		if (rc)
			return rc;
		if (r->u.disk_attach.flags)
			return -HV_HC_EINVAL;
		/* the disk's target: an empty drive cannot be attached */
		return nfds == 1 ? 0 : -HV_HC_EBADF;
	case HV_HC_DOMCTL_CONFIG_UPDATE:
		if (r->u.config_update.reserved)
			return -HV_HC_EPROTO;
		rc = request_check_json(r->json, r->json_len, r->u.config_update.config_len);
		if (rc)
			return rc;
		return r->u.config_update.flags ? -HV_HC_EINVAL : 0;
	case HV_HC_DOMCTL_DISK_DETACH:
		if (r->u.disk_detach.reserved)
			return -HV_HC_EPROTO;
		if (!hcmsg_string_ok(r->u.disk_detach.vdev, sizeof(r->u.disk_detach.vdev)))
			return -HV_HC_EPROTO;
		if (!r->u.disk_detach.vdev[0] ||
		    (r->u.disk_detach.flags & ~HV_HC_DISK_DETACH_FORCE) ||
		    r->u.disk_detach.timeout_ms > HV_HC_DISK_TIMEOUT_MAX_MS)
			return -HV_HC_EINVAL;
		return 0;
	case HV_HC_DOMCTL_MEM_TARGET:
		if (r->u.mem_target.flags)
			return -HV_HC_EINVAL;
		return r->u.mem_target.target_mib < HV_HC_MEM_MIN_MIB ||
		       r->u.mem_target.target_mib > REQUEST_MAX_MEMORY_MIB ? -HV_HC_EINVAL : 0;
	case HV_HC_DOMCTL_MEM_MAX:
		if (r->u.mem_max.flags)
			return -HV_HC_EINVAL;
		return r->u.mem_max.max_mib < HV_HC_MEM_MIN_MIB ||
		       r->u.mem_max.max_mib > REQUEST_MAX_MEMORY_MIB ? -HV_HC_EINVAL : 0;
	case HV_HC_DOMCTL_MIGRATED:
		if (r->u.migrated.flags & ~HV_HC_MIGRATED_USAGE)
			return -HV_HC_EINVAL;
		for (unsigned int i = 0; i < HV_HC_STATS_MAX_DISKS; i++)
			if (!hcmsg_string_ok(r->u.migrated.usage.disks[i].vdev,
					     sizeof(r->u.migrated.usage.disks[i].vdev)))
				return -HV_HC_EINVAL;
		return 0;
	case HV_HC_DOMCTL_SCHED:
		if (!r->u.sched.flags || (r->u.sched.flags & ~(HV_HC_SCHED_WEIGHT | HV_HC_SCHED_CAP)))
			return -HV_HC_EINVAL;
		if ((r->u.sched.flags & HV_HC_SCHED_WEIGHT) &&
		    (!r->u.sched.weight || r->u.sched.weight > HV_HC_SCHED_WEIGHT_MAX))
			return -HV_HC_EINVAL;
		if ((r->u.sched.flags & HV_HC_SCHED_CAP) && r->u.sched.cap > HV_HC_SCHED_CAP_MAX)
			return -HV_HC_EINVAL;
		return 0;
	case HV_HC_DOMCTL_NIC_ATTACH:
		if (r->u.nic_attach.reserved)
			return -HV_HC_EPROTO;
		rc = request_check_json(r->json, r->json_len, r->u.nic_attach.config_len);
		if (rc)
			return rc;
		if (r->u.nic_attach.flags)
			return -HV_HC_EINVAL;
		/* the tap's, one per queue pair: the vif says how many (op-nic-attach.c) */
		return nfds >= 1 && nfds <= HV_HC_NIC_MAX_QUEUES ? 0 : -HV_HC_EBADF;
	case HV_HC_DOMCTL_NIC_DETACH:
		if ((r->u.nic_detach.flags & ~HV_HC_NIC_DETACH_FORCE) ||
		    r->u.nic_detach.devid > HV_HC_NIC_MAX_DEVID ||
		    r->u.nic_detach.timeout_ms > HV_HC_DISK_TIMEOUT_MAX_MS)
			return -HV_HC_EINVAL;
		return 0;
	case HV_HC_DOMCTL_TRIGGER:
		if (r->u.trigger.reserved)
			return -HV_HC_EPROTO;
		switch (r->u.trigger.trigger) {
		case HV_HC_TRIGGER_RESET:
			return r->u.trigger.arg ? -HV_HC_EINVAL : 0;
		case HV_HC_TRIGGER_NMI:
			/* the vCPU: the domain says how many it has (ops.c) */
			return r->u.trigger.arg < REQUEST_MAX_VCPUS ? 0 : -HV_HC_EINVAL;
		case HV_HC_TRIGGER_SYSRQ:
			return r->u.trigger.arg >= 0x21 && r->u.trigger.arg <= 0x7e ? 0 :
			       -HV_HC_EINVAL;
		default:
			return -HV_HC_EINVAL;
		}
	case HV_HC_DOMCTL_STATS:
		return r->u.stats.flags ? -HV_HC_EINVAL : 0;
	case HV_HC_SYSCTL_READ_LOG:
		if (r->u.read_log.reserved)
			return -HV_HC_EPROTO;
		return r->u.read_log.flags & ~(uint32_t)HV_HC_READ_LOG_CLEAR ? -HV_HC_EINVAL : 0;
	case HV_HC_DOMCTL_SHUTDOWN:
		if (r->u.shutdown.reason != HV_HC_SHUTDOWN_POWEROFF &&
		    r->u.shutdown.reason != HV_HC_SHUTDOWN_REBOOT)
			return -HV_HC_EINVAL;
		return 0;
	case HV_HC_DOMCTL_RENAME:
		if (r->u.rename.reserved)
			return -HV_HC_EPROTO;
		return request_check_name(r->u.rename.name);
	case HV_HC_SYSCTL_PHYSINFO:
	case HV_HC_SYSCTL_LIST:
	case HV_HC_EVENT_SUBSCRIBE:
		return 0;
	default:
		/* HV_HC_EVENT and anything else a client may not send */
		return -HV_HC_EOPNOTSUPP;
	}
}

int request_decode(const void *buf, size_t len, unsigned int nfds, struct hvd_req *req)
{
	long size;
	int rc;

	memset(req, 0, sizeof(*req));
	if (len >= sizeof(req->hdr))
		memcpy(&req->hdr, buf, sizeof(req->hdr));
	rc = hcmsg_check(buf, len, &req->hdr);
	if (rc)
		return rc;
	/* requests carry no flags: a reply or an event sent to hvd is an error */
	if (req->hdr.flags)
		return -HV_HC_EPROTO;
	size = hcmsg_body_size(req->hdr.op, false);
	if (size < 0 || (size_t)size > sizeof(req->u) || req->hdr.op == HV_HC_EVENT)
		return -HV_HC_EOPNOTSUPP;
	if (nfds > HV_HC_MAX_FDS)
		return -HV_HC_EBADF;
	if (hcmsg_body_tail(req->hdr.op, false)) {
		/* hcmsg_check() saw the whole fixed part: the JSON follows it */
		size_t at = sizeof(req->hdr) + (size_t)size;

		req->json = (const char *)buf + at;
		req->json_len = len - at;
		if (!req->json_len)
			req->json = NULL;
	}
	hcmsg_body(buf, len, &req->u, (size_t)size);
	if ((req->hdr.op == HV_HC_DOMCTL_SAVE && (req->u.save.flags & HV_HC_SAVE_SEALED)) ||
	    (req->hdr.op == HV_HC_DOMCTL_RESTORE_DOMAIN &&
	     (req->u.restore.flags & HV_HC_RESTORE_SEALED)) ||
	    (req->hdr.op == HV_HC_DOMCTL_MIGRATE_SEND &&
	     (req->u.migrate.flags & HV_HC_MIGRATE_SEALED))) {
		/* a sealed image's or stream's key comes first in the tail, then the JSON */
		if (req->json_len < HV_HC_KEY_SIZE)
			return -HV_HC_EPROTO;
		req->key = (const uint8_t *)req->json;
		req->json += HV_HC_KEY_SIZE;
		req->json_len -= HV_HC_KEY_SIZE;
		if (!req->json_len)
			req->json = NULL;
	}
	return request_check_body(req, nfds);
}
