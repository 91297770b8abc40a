/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: hvd's request decoding (hypervisor/hvd/request.c), the
 * code every byte a client sends goes through before hvd acts on it.
 *
 * Input: byte 0 picks the number of descriptors the message "came with"
 * (bits 0-3), whether to fix up the header (bit 7: right magic, version
 * and length, no flags, so the fuzzer reaches the bodies quickly) and,
 * with it, which op (bits 4-5: one of the ops with a description's JSON
 * after their struct, CREATE_DOMAIN, SAVE and RESTORE_DOMAIN, with
 * config_len matching the length when bit 6 is set; or 3: one of the
 * retired ops of the first ABI, by the seq's low bits); the rest is the
 * message.  The decoder must refuse or accept without a crash, and what
 * it accepts must hold the invariants hvd relies on; a retired op is
 * never accepted.  Every message hvd can send back (an error reply with a
 * message, a progress message) must pass the checks libhv makes.
 * tests/fuzz/hypercall.sh seeds it with one well-formed message of each
 * op.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wire/hcmsg.h"
#include "request.h"

static void check(int cond)
{
	if (!cond)
		abort();
}

/* Ops 1 (CREATE), 2 (BUILD), 11 (SET_CONFIG), 14 (RESTORE): retired, never reused. */
static const uint16_t retired_ops[] = { 1, 2, 11, 14 };

static int retired(uint16_t op)
{
	for (size_t i = 0; i < sizeof(retired_ops) / sizeof(retired_ops[0]); i++)
		if (op == retired_ops[i])
			return 1;
	return 0;
}

static int zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/*
 * The JSON after a fixed part (and a sealed image's or stream's key): all
 * of the rest, 1..HV_HC_CONFIG_MAX bytes, no NUL.
 */
static void check_json(const struct hvd_req *r, size_t len, size_t fixed, uint32_t config_len)
{
	size_t klen = r->key ? HV_HC_KEY_SIZE : 0;

	check(r->json && r->json_len >= 1 && r->json_len <= HV_HC_CONFIG_MAX);
	check(r->json_len == config_len);
	check(sizeof(struct hv_hc_hdr) + fixed + klen + r->json_len == len);
	check(!r->key || (const uint8_t *)r->json == r->key + HV_HC_KEY_SIZE);
	check(!memchr(r->json, '\0', r->json_len));
}

static void fuzz_check_accepted(const struct hvd_req *r, size_t len, unsigned int nfds)
{
	if (r->hdr.op != HV_HC_DOMCTL_CREATE_DOMAIN && r->hdr.op != HV_HC_DOMCTL_SAVE &&
	    r->hdr.op != HV_HC_DOMCTL_RESTORE_DOMAIN && r->hdr.op != HV_HC_DOMCTL_DISK_ATTACH &&
	    r->hdr.op != HV_HC_DOMCTL_NIC_ATTACH && r->hdr.op != HV_HC_DOMCTL_MIGRATE_SEND &&
	    r->hdr.op != HV_HC_DOMCTL_CONFIG_UPDATE)
		check(!r->json && !r->json_len);
	check(!retired(r->hdr.op));
	check(r->hdr.magic == HV_HC_MAGIC && r->hdr.version == HV_HC_VERSION);
	check(r->hdr.length == len && r->hdr.flags == 0 && r->hdr.status == 0);
	check(hcmsg_body_size(r->hdr.op, false) >= 0);
	check(nfds <= HV_HC_MAX_FDS);
	switch (r->hdr.op) {
	case HV_HC_DOMCTL_CREATE_DOMAIN:
		/* the description itself is libhv's code's to check, in hvd */
		check(zero(r->u.create.reserved, sizeof(r->u.create.reserved)));
		check(!(r->u.create.flags & ~(HV_HC_CREATE_PAUSED | HV_HC_CREATE_RAMDISK)));
		/* the kernel [and ramdisk], then the disks, which hvd counts
		 * against the description (hypervisor/hvd/disk.c) */
		check(nfds >= (r->u.create.flags & HV_HC_CREATE_RAMDISK ? 2u : 1u));
		check_json(r, len, sizeof(struct hv_hc_create_domain), r->u.create.config_len);
		break;
	case HV_HC_DOMCTL_CANCEL:
		check(nfds == 0);
		break;
	case HV_HC_DOMCTL_RENAME:
		check(hcmsg_name_ok(r->u.rename.name, sizeof(r->u.rename.name)));
		check(nfds == 0);
		break;
	case HV_HC_DOMCTL_SHUTDOWN:
		check(r->u.shutdown.reason <= HV_HC_SHUTDOWN_REBOOT);
		break;
	case HV_HC_DOMCTL_GET_CONFIG:
		check(r->u.domid.reserved == 0 && nfds == 0);
		break;
	case HV_HC_DOMCTL_SAVE:
		check(r->u.save.reserved == 0 && nfds == 1);
		check(!(r->u.save.flags & ~(HV_HC_SAVE_CONTINUE | HV_HC_SAVE_PAUSED |
					    HV_HC_SAVE_COMPRESS | HV_HC_SAVE_SEALED)));
		check(!(r->u.save.flags & HV_HC_SAVE_SEALED) == !r->key);
		check(!((r->u.save.flags & HV_HC_SAVE_CONTINUE) &&
			(r->u.save.flags & HV_HC_SAVE_PAUSED)));
		if (r->u.save.config_len)
			check_json(r, len, sizeof(struct hv_hc_save), r->u.save.config_len);
		else
			check(!r->json && len == sizeof(struct hv_hc_hdr) + sizeof(struct hv_hc_save) +
			      (r->key ? HV_HC_KEY_SIZE : 0));
		break;
	case HV_HC_DOMCTL_MIGRATE_SEND:
		check(r->u.migrate.reserved == 0 && nfds == 1);
		check(!(r->u.migrate.flags & ~(HV_HC_MIGRATE_COMPRESS | HV_HC_MIGRATE_AUTO_CONVERGE |
					       HV_HC_MIGRATE_DIGEST | HV_HC_MIGRATE_LOCAL |
					       HV_HC_MIGRATE_SEALED)));
		check(!(r->u.migrate.flags & HV_HC_MIGRATE_SEALED) == !r->key);
		check(!((r->u.migrate.flags & HV_HC_MIGRATE_SEALED) &&
			(r->u.migrate.flags & HV_HC_MIGRATE_LOCAL)));
		check(r->u.migrate.downtime_ms && r->u.migrate.ceiling_ms >= r->u.migrate.downtime_ms);
		if (r->u.migrate.config_len)
			check_json(r, len, sizeof(struct hv_hc_migrate), r->u.migrate.config_len);
		else
			check(!r->json && len == sizeof(struct hv_hc_hdr) + sizeof(struct hv_hc_migrate) +
			      (r->key ? HV_HC_KEY_SIZE : 0));
		break;
	case HV_HC_DOMCTL_DUMP_CORE:
		check(zero(r->u.dump_core.reserved, sizeof(r->u.dump_core.reserved)));
		check(r->u.dump_core.flags == 0 && nfds == 1);
		break;
	case HV_HC_DOMCTL_RESTORE_DOMAIN:
		check(zero(r->u.restore.reserved, sizeof(r->u.restore.reserved)));
		check(!(r->u.restore.flags & ~(HV_HC_RESTORE_PAUSED | HV_HC_RESTORE_LAZY |
					       HV_HC_RESTORE_KERNEL | HV_HC_RESTORE_INITRD |
					       HV_HC_RESTORE_STREAM | HV_HC_RESTORE_SEALED)));
		check(!(r->u.restore.flags & HV_HC_RESTORE_SEALED) == !r->key);
		check(!((r->u.restore.flags & HV_HC_RESTORE_SEALED) &&
			(r->u.restore.flags & HV_HC_RESTORE_LAZY)));
		check(!((r->u.restore.flags & HV_HC_RESTORE_STREAM) &&
			(r->u.restore.flags & HV_HC_RESTORE_LAZY)));
		check(!(r->u.restore.flags & HV_HC_RESTORE_INITRD) ||
		      (r->u.restore.flags & HV_HC_RESTORE_KERNEL));
		check(nfds >= 1u + !!(r->u.restore.flags & HV_HC_RESTORE_KERNEL) +
		      !!(r->u.restore.flags & HV_HC_RESTORE_INITRD));
		check_json(r, len, sizeof(struct hv_hc_restore_domain), r->u.restore.config_len);
		break;
	case HV_HC_DOMCTL_DISK_ATTACH:
		/* the disk is libhv's code's to check, in hvd; its target comes along */
		check(r->u.disk_attach.reserved == 0 && r->u.disk_attach.flags == 0);
		check(nfds == 1);
		check_json(r, len, sizeof(struct hv_hc_disk_attach), r->u.disk_attach.config_len);
		break;
	case HV_HC_DOMCTL_CONFIG_UPDATE:
		/* the description is hvd's desc.c's to check */
		check(r->u.config_update.reserved == 0 && r->u.config_update.flags == 0);
		check(nfds == 0);
		check_json(r, len, sizeof(struct hv_hc_config_update),
			   r->u.config_update.config_len);
		break;
	case HV_HC_DOMCTL_DISK_DETACH:
		check(r->u.disk_detach.reserved == 0 && nfds == 0);
		check(!(r->u.disk_detach.flags & ~HV_HC_DISK_DETACH_FORCE));
		check(r->u.disk_detach.timeout_ms <= HV_HC_DISK_TIMEOUT_MAX_MS);
		check(r->u.disk_detach.vdev[0] &&
		      hcmsg_string_ok(r->u.disk_detach.vdev, sizeof(r->u.disk_detach.vdev)));
		break;
	case HV_HC_DOMCTL_NIC_ATTACH:
		/* the vif is libhv's code's to check, in hvd; its taps come along */
		check(r->u.nic_attach.reserved == 0 && r->u.nic_attach.flags == 0);
		check(nfds >= 1 && nfds <= HV_HC_NIC_MAX_QUEUES);
		check_json(r, len, sizeof(struct hv_hc_nic_attach), r->u.nic_attach.config_len);
		break;
	case HV_HC_DOMCTL_NIC_DETACH:
		check(nfds == 0);
		check(!(r->u.nic_detach.flags & ~HV_HC_NIC_DETACH_FORCE));
		check(r->u.nic_detach.timeout_ms <= HV_HC_DISK_TIMEOUT_MAX_MS);
		check(r->u.nic_detach.devid <= HV_HC_NIC_MAX_DEVID);
		break;
	case HV_HC_DOMCTL_TRIGGER:
		check(nfds == 0 && r->u.trigger.reserved == 0);
		check(r->u.trigger.trigger >= HV_HC_TRIGGER_RESET &&
		      r->u.trigger.trigger <= HV_HC_TRIGGER_SYSRQ);
		check(r->u.trigger.trigger != HV_HC_TRIGGER_RESET || r->u.trigger.arg == 0);
		check(r->u.trigger.trigger != HV_HC_TRIGGER_NMI ||
		      r->u.trigger.arg < REQUEST_MAX_VCPUS);
		/* a key hv-vmm can put on the serial line as one byte */
		check(r->u.trigger.trigger != HV_HC_TRIGGER_SYSRQ ||
		      (r->u.trigger.arg >= 0x21 && r->u.trigger.arg <= 0x7e));
		break;
	case HV_HC_DOMCTL_MIGRATED:
		check(nfds == 0 && !(r->u.migrated.flags & ~HV_HC_MIGRATED_USAGE));
		/* hvd copies the disks' names: each ends within its field */
		for (unsigned int i = 0; i < HV_HC_STATS_MAX_DISKS; i++)
			check(memchr(r->u.migrated.usage.disks[i].vdev, '\0',
				     sizeof(r->u.migrated.usage.disks[i].vdev)) != NULL);
		break;
	case HV_HC_DOMCTL_SCHED:
		check(nfds == 0);
		check(r->u.sched.flags &&
		      !(r->u.sched.flags & ~(HV_HC_SCHED_WEIGHT | HV_HC_SCHED_CAP)));
		check(!(r->u.sched.flags & HV_HC_SCHED_WEIGHT) ||
		      (r->u.sched.weight >= 1 && r->u.sched.weight <= HV_HC_SCHED_WEIGHT_MAX));
		check(!(r->u.sched.flags & HV_HC_SCHED_CAP) || r->u.sched.cap <= HV_HC_SCHED_CAP_MAX);
		break;
	case HV_HC_SYSCTL_READ_LOG:
		check(nfds == 0 && r->u.read_log.reserved == 0);
		check(!(r->u.read_log.flags & ~(uint32_t)HV_HC_READ_LOG_CLEAR));
		break;
	case HV_HC_EVENT:
		check(0);	/* an event is never a request */
		break;
	default:
		break;
	}
}

/* Makes CREATE_DOMAIN's, SAVE's, RESTORE_DOMAIN's, DISK_ATTACH's or NIC_ATTACH's config_len say how much JSON follows. */
static void fuzz_fix_config_len(uint8_t *msg, size_t len, uint16_t op)
{
	size_t fixed = 0, at = 0;
	uint32_t n;

	switch (op) {
	case HV_HC_DOMCTL_CREATE_DOMAIN:
		fixed = sizeof(struct hv_hc_create_domain);
		at = offsetof(struct hv_hc_create_domain, config_len);
		break;
	case HV_HC_DOMCTL_SAVE:
		fixed = sizeof(struct hv_hc_save);
		at = offsetof(struct hv_hc_save, config_len);
		break;
	case HV_HC_DOMCTL_RESTORE_DOMAIN:
		fixed = sizeof(struct hv_hc_restore_domain);
		at = offsetof(struct hv_hc_restore_domain, config_len);
		break;
	case HV_HC_DOMCTL_DISK_ATTACH:
		fixed = sizeof(struct hv_hc_disk_attach);
		at = offsetof(struct hv_hc_disk_attach, config_len);
		break;
	case HV_HC_DOMCTL_NIC_ATTACH:
		fixed = sizeof(struct hv_hc_nic_attach);
		at = offsetof(struct hv_hc_nic_attach, config_len);
		break;
	case HV_HC_DOMCTL_CONFIG_UPDATE:
		fixed = sizeof(struct hv_hc_config_update);
		at = offsetof(struct hv_hc_config_update, config_len);
		break;
	}

	if (!fixed || len < sizeof(struct hv_hc_hdr) + fixed)
		return;
	n = (uint32_t)(len - sizeof(struct hv_hc_hdr) - fixed);
	memcpy(msg + sizeof(struct hv_hc_hdr) + at, &n, sizeof(n));
}

/* What hvd sends back for a request: an error reply with a message, a progress message. */
static void fuzz_check_answers(const struct hvd_req *req, int rc, const uint8_t *data,
			       size_t size)
{
	uint8_t buf[sizeof(struct hv_hc_hdr) + HV_HC_ERRMSG_MAX];
	struct hv_hc_hdr h, back;
	size_t n = size < HV_HC_ERRMSG_MAX - 1 ? size : HV_HC_ERRMSG_MAX - 1;
	struct hv_hc_progress p = { 0 };

	if (hcmsg_body_size(req->hdr.op, true) < 0)
		return;
	/* an error message, as server.c makes one printable, with its NUL */
	for (size_t i = 0; i < n; i++)
		buf[sizeof(h) + i] = data[i] >= 0x20 && data[i] < 0x7f && data[i] ? data[i] : '?';
	buf[sizeof(h) + n] = '\0';
	hcmsg_header(&h, req->hdr.op, HV_HC_F_REPLY, req->hdr.seq, rc ? rc : -HV_HC_EVMM, n + 1);
	memcpy(buf, &h, sizeof(h));
	check(hcmsg_check(buf, sizeof(h) + n + 1, &back) == 0);
	check(hcmsg_errmsg(buf, sizeof(h) + n + 1) == (const char *)buf + sizeof(h));
	/* a message without its NUL is malformed */
	h.length--;
	memcpy(buf, &h, sizeof(h));
	check(hcmsg_check(buf, sizeof(h) + n, &back) == -HV_HC_EPROTO);
	/* progress goes only with SAVE, RESTORE_DOMAIN, MIGRATE_SEND and DUMP_CORE */
	hcmsg_header(&h, req->hdr.op, HV_HC_F_PROGRESS, req->hdr.seq, 0, sizeof(p));
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &p, sizeof(p));
	check((hcmsg_check(buf, sizeof(h) + sizeof(p), &back) == 0) ==
	      (req->hdr.op == HV_HC_DOMCTL_SAVE || req->hdr.op == HV_HC_DOMCTL_RESTORE_DOMAIN ||
	       req->hdr.op == HV_HC_DOMCTL_MIGRATE_SEND || req->hdr.op == HV_HC_DOMCTL_DUMP_CORE));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg;
	struct hvd_req req;
	struct hv_hc_hdr reply;
	unsigned int nfds;
	size_t len;
	int rc, fixed = 0;

	if (size < 1 || size > HV_HC_MSG_MAX + 64)
		return 0;
	nfds = data[0] & 0x0f;
	len = size - 1;
	msg = malloc(len ? len : 1);
	if (!msg)
		return 0;
	memcpy(msg, data + 1, len);
	if (data[0] & 0x80 && len >= sizeof(struct hv_hc_hdr)) {
		static const uint16_t json_ops[] = {
			HV_HC_DOMCTL_CREATE_DOMAIN, HV_HC_DOMCTL_SAVE, HV_HC_DOMCTL_RESTORE_DOMAIN,
		};
		unsigned int pick = (data[0] >> 4) & 3;
		struct hv_hc_hdr h;

		memcpy(&h, msg, sizeof(h));
		h.magic = HV_HC_MAGIC;
		h.version = HV_HC_VERSION;
		h.length = (uint32_t)len;
		h.flags = 0;
		h.status = 0;
		h.reserved[0] = h.reserved[1] = 0;
		h.op = pick < 3 ? json_ops[pick] : retired_ops[h.seq & 3];
		memcpy(msg, &h, sizeof(h));
		if (pick < 3 && data[0] & 0x40)
			fuzz_fix_config_len(msg, len, h.op);
		fixed = len <= HV_HC_MSG_MAX;
	}
	rc = request_decode(msg, len, nfds, &req);
	check(rc <= 0 && rc >= -HV_HC_EVMM);
	/* a well-formed header with a retired op: EOPNOTSUPP, whatever follows */
	if (fixed && retired(req.hdr.op))
		check(rc == -HV_HC_EOPNOTSUPP);
	if (rc == 0)
		fuzz_check_accepted(&req, len, nfds);
	/* the error reply hvd would send is itself well formed */
	hcmsg_header(&reply, req.hdr.op, HV_HC_F_REPLY, req.hdr.seq, rc, 0);
	if (rc && hcmsg_body_size(req.hdr.op, true) >= 0) {
		struct hv_hc_hdr back;

		check(hcmsg_check(&reply, sizeof(reply), &back) == 0);
	}
	fuzz_check_answers(&req, rc, data, size);
	free(msg);
	return 0;
}
