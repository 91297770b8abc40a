/*
 * Unit tests for hvd's request checks (hypervisor/hvd/request.c): what a
 * DISK_ATTACH, DISK_DETACH, NIC_ATTACH, NIC_DETACH, MEM_TARGET, MEM_MAX,
 * MEM_INFO, TRIGGER, READ_LOG, STATS, VCPU_INFO, VCPU_PIN, MIGRATE_SEND,
 * DUMP_CORE, SCHED, MIGRATED or CONFIG_UPDATE is refused for by its bytes
 * alone, and RESTORE_DOMAIN's STREAM flag; and the control channel's NET_*
 * and TRIGGER messages (wire/vmmmsg.c).
 */
#include <check.h>
#include "check-main.h"
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "wire/hcmsg.h"
#include "wire/vmmmsg.h"
#include "request.h"

static uint8_t msg[HV_HC_MSG_MAX];

/* A request @op with @body (@len bytes) and @extra bytes of @tail after it. */
static size_t build(uint16_t op, const void *body, size_t len, const char *tail)
{
	size_t tlen = tail ? strlen(tail) : 0;
	struct hv_hc_hdr h;

	hcmsg_header(&h, op, 0, 7, 0, len + tlen);
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), body, len);
	if (tlen)
		memcpy(msg + sizeof(h) + len, tail, tlen);
	return sizeof(h) + len + tlen;
}

static int attach(uint32_t flags, uint32_t config_len, uint32_t reserved, const char *json,
		  unsigned int nfds, struct hvd_req *req)
{
	struct hv_hc_disk_attach a = {
		.domid = 3, .flags = flags, .config_len = config_len, .reserved = reserved,
	};
	size_t n = build(HV_HC_DOMCTL_DISK_ATTACH, &a, sizeof(a), json);

	return request_decode(msg, n, nfds, req);
}

START_TEST(test_attach)
{
	static const char disk[] = "{ \"vdev\": \"xvdb\", \"target\": \"/b.img\" }";
	struct hvd_req req;

	ck_assert_int_eq(attach(0, strlen(disk), 0, disk, 1, &req), 0);
	ck_assert_uint_eq(req.hdr.op, HV_HC_DOMCTL_DISK_ATTACH);
	ck_assert_uint_eq(req.hdr.seq, 7);
	ck_assert_uint_eq(req.u.disk_attach.domid, 3);
	ck_assert_uint_eq(req.json_len, strlen(disk));
	ck_assert_int_eq(memcmp(req.json, disk, req.json_len), 0);
	/* exactly one descriptor: the target */
	ck_assert_int_eq(attach(0, strlen(disk), 0, disk, 0, &req), -HV_HC_EBADF);
	ck_assert_int_eq(attach(0, strlen(disk), 0, disk, 2, &req), -HV_HC_EBADF);
	/* no flags yet; reserved zero; the length as announced; some JSON */
	ck_assert_int_eq(attach(1, strlen(disk), 0, disk, 1, &req), -HV_HC_EINVAL);
	ck_assert_int_eq(attach(0, strlen(disk), 1, disk, 1, &req), -HV_HC_EPROTO);
	ck_assert_int_eq(attach(0, strlen(disk) + 1, 0, disk, 1, &req), -HV_HC_EPROTO);
	ck_assert_int_eq(attach(0, 0, 0, NULL, 1, &req), -HV_HC_EINVAL);
	/* a NUL inside the JSON */
	{
		char bad[] = "{ \"vdev\": \"xvdb\" }";
		struct hv_hc_disk_attach a = { .domid = 3, .config_len = sizeof(bad) };
		size_t n = build(HV_HC_DOMCTL_DISK_ATTACH, &a, sizeof(a), bad);

		msg[n] = '\0';
		n++;
		((struct hv_hc_hdr *)msg)->length = (uint32_t)n;
		ck_assert_int_eq(request_decode(msg, n, 1, &req), -HV_HC_EPROTO);
	}
}
END_TEST

static int config_update(uint32_t flags, uint32_t config_len, uint32_t reserved,
			 const char *json, unsigned int nfds, struct hvd_req *req)
{
	struct hv_hc_config_update u = {
		.domid = 5, .flags = flags, .config_len = config_len, .reserved = reserved,
	};
	size_t n = build(HV_HC_DOMCTL_CONFIG_UPDATE, &u, sizeof(u), json);

	return request_decode(msg, n, nfds, req);
}

/* CONFIG_UPDATE: the next start's description after the struct, no descriptors */
START_TEST(test_config_update)
{
	static const char cfg[] = "{ \"name\": \"a\", \"memory_mib\": 64 }";
	struct hvd_req req;

	ck_assert_int_eq(config_update(0, strlen(cfg), 0, cfg, 0, &req), 0);
	ck_assert_uint_eq(req.hdr.op, HV_HC_DOMCTL_CONFIG_UPDATE);
	ck_assert_uint_eq(req.u.config_update.domid, 5);
	ck_assert_uint_eq(req.json_len, strlen(cfg));
	ck_assert_int_eq(memcmp(req.json, cfg, req.json_len), 0);
	ck_assert_ptr_null(req.key);
	/* no descriptors, no flags yet, reserved zero, the length as announced, some JSON */
	ck_assert_int_eq(config_update(0, strlen(cfg), 0, cfg, 1, &req), -HV_HC_EBADF);
	ck_assert_int_eq(config_update(2, strlen(cfg), 0, cfg, 0, &req), -HV_HC_EINVAL);
	ck_assert_int_eq(config_update(0, strlen(cfg), 9, cfg, 0, &req), -HV_HC_EPROTO);
	ck_assert_int_eq(config_update(0, strlen(cfg) - 1, 0, cfg, 0, &req), -HV_HC_EPROTO);
	ck_assert_int_eq(config_update(0, 0, 0, NULL, 0, &req), -HV_HC_EINVAL);
	/* the fixed part cut short */
	{
		struct hv_hc_config_update u = { .domid = 5 };
		size_t n = build(HV_HC_DOMCTL_CONFIG_UPDATE, &u, sizeof(u) - 4, NULL);

		ck_assert_int_ne(request_decode(msg, n, 0, &req), 0);
	}
}
END_TEST

static int detach(uint32_t flags, uint32_t timeout_ms, uint32_t reserved, const char *vdev,
		  unsigned int nfds, struct hvd_req *req)
{
	struct hv_hc_disk_detach d = {
		.domid = 3, .flags = flags, .timeout_ms = timeout_ms, .reserved = reserved,
	};
	size_t n;

	memcpy(d.vdev, vdev, strlen(vdev) < sizeof(d.vdev) ? strlen(vdev) : sizeof(d.vdev));
	n = build(HV_HC_DOMCTL_DISK_DETACH, &d, sizeof(d), NULL);
	return request_decode(msg, n, nfds, req);
}

START_TEST(test_detach)
{
	struct hvd_req req;

	ck_assert_int_eq(detach(0, 0, 0, "xvdb", 0, &req), 0);
	ck_assert_str_eq(req.u.disk_detach.vdev, "xvdb");
	ck_assert_ptr_null(req.json);
	ck_assert_int_eq(detach(HV_HC_DISK_DETACH_FORCE, HV_HC_DISK_TIMEOUT_MAX_MS, 0, "d1p2", 0,
				&req), 0);
	ck_assert_uint_eq(req.u.disk_detach.flags, HV_HC_DISK_DETACH_FORCE);
	/* no descriptors */
	ck_assert_int_eq(detach(0, 0, 0, "xvdb", 1, &req), -HV_HC_EBADF);
	/* unknown flags, too long a wait, no name */
	ck_assert_int_eq(detach(2, 0, 0, "xvdb", 0, &req), -HV_HC_EINVAL);
	ck_assert_int_eq(detach(0, HV_HC_DISK_TIMEOUT_MAX_MS + 1, 0, "xvdb", 0, &req),
			 -HV_HC_EINVAL);
	ck_assert_int_eq(detach(0, 0, 0, "", 0, &req), -HV_HC_EINVAL);
	/* malformed: reserved, no NUL in the field, a control character */
	ck_assert_int_eq(detach(0, 0, 1, "xvdb", 0, &req), -HV_HC_EPROTO);
	ck_assert_int_eq(detach(0, 0, 0, "0123456789abcdef0123456789abcdef", 0, &req),
			 -HV_HC_EPROTO);
	ck_assert_int_eq(detach(0, 0, 0, "xv\ndb", 0, &req), -HV_HC_EPROTO);
	/* a body cut short is a malformed message, too long one with non-zero bytes too */
	{
		struct hv_hc_disk_detach d = { .domid = 3 };
		size_t n = build(HV_HC_DOMCTL_DISK_DETACH, &d, 8, NULL);

		ck_assert_int_ne(request_decode(msg, n, 0, &req), 0);
	}
}
END_TEST

static int mem(uint16_t op, uint32_t flags, uint64_t mib, size_t len, unsigned int nfds,
	       struct hvd_req *req)
{
	struct hv_hc_mem_target t = { .domid = 5, .flags = flags, .target_mib = mib };

	return request_decode(msg, build(op, &t, len, NULL), nfds, req);
}

START_TEST(test_mem)
{
	const uint16_t ops[] = { HV_HC_DOMCTL_MEM_TARGET, HV_HC_DOMCTL_MEM_MAX };
	struct hvd_req req;

	for (size_t i = 0; i < 2; i++) {
		uint16_t op = ops[i];

		ck_assert_int_eq(mem(op, 0, 512, 16, 0, &req), 0);
		ck_assert_uint_eq(req.u.mem_target.domid, 5);
		ck_assert_uint_eq(op == HV_HC_DOMCTL_MEM_MAX ? req.u.mem_max.max_mib :
				  req.u.mem_target.target_mib, 512);
		ck_assert_int_eq(mem(op, 0, HV_HC_MEM_MIN_MIB, 16, 0, &req), 0);
		/* below the smallest, above any host, unknown flags */
		ck_assert_int_eq(mem(op, 0, HV_HC_MEM_MIN_MIB - 1, 16, 0, &req), -HV_HC_EINVAL);
		ck_assert_int_eq(mem(op, 0, 0, 16, 0, &req), -HV_HC_EINVAL);
		ck_assert_int_eq(mem(op, 0, UINT64_MAX, 16, 0, &req), -HV_HC_EINVAL);
		ck_assert_int_eq(mem(op, 1, 512, 16, 0, &req), -HV_HC_EINVAL);
		/* no descriptors; a body cut short */
		ck_assert_int_eq(mem(op, 0, 512, 16, 1, &req), -HV_HC_EBADF);
		ck_assert_int_ne(mem(op, 0, 512, 8, 0, &req), 0);
	}
	/* MEM_INFO: a domid, as GETINFO */
	{
		struct hv_hc_domid d = { .domid = 2 };

		ck_assert_int_eq(request_decode(msg, build(HV_HC_DOMCTL_MEM_INFO, &d, sizeof(d),
							   NULL), 0, &req), 0);
		d.reserved = 1;
		ck_assert_int_eq(request_decode(msg, build(HV_HC_DOMCTL_MEM_INFO, &d, sizeof(d),
							   NULL), 0, &req), -HV_HC_EPROTO);
	}
	/* the replies: MEM_INFO's has its fixed size */
	ck_assert_int_eq(hcmsg_body_size(HV_HC_DOMCTL_MEM_INFO, true),
			 (long)sizeof(struct hv_hc_meminfo));
	ck_assert_int_eq(hcmsg_body_size(HV_HC_DOMCTL_MEM_TARGET, true), 0);
}
END_TEST

/* The replies: empty on success, a message on failure; ETIMEDOUT is a status like the others. */
START_TEST(test_replies)
{
	struct hv_hc_hdr h;
	const char why[] = "the guest did not let go of xvdb within 2 s";

	hcmsg_header(&h, HV_HC_DOMCTL_DISK_DETACH, HV_HC_F_REPLY, 7, 0, 0);
	ck_assert_int_eq(hcmsg_check(&h, sizeof(h), &h), 0);
	hcmsg_header(&h, HV_HC_DOMCTL_DISK_DETACH, HV_HC_F_REPLY, 7, -HV_HC_ETIMEDOUT, sizeof(why));
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), why, sizeof(why));
	ck_assert_int_eq(hcmsg_check(msg, sizeof(h) + sizeof(why), &h), 0);
	ck_assert_str_eq(hcmsg_errmsg(msg, sizeof(h) + sizeof(why)), why);
	ck_assert(hcmsg_body_tail(HV_HC_DOMCTL_DISK_ATTACH, false));
	ck_assert(!hcmsg_body_tail(HV_HC_DOMCTL_DISK_DETACH, false));
}
END_TEST

static int nic_attach(uint32_t flags, uint32_t config_len, uint32_t reserved, const char *json,
		      unsigned int nfds, struct hvd_req *req)
{
	struct hv_hc_nic_attach a = {
		.domid = 3, .flags = flags, .config_len = config_len, .reserved = reserved,
	};
	size_t n = build(HV_HC_DOMCTL_NIC_ATTACH, &a, sizeof(a), json);

	return request_decode(msg, n, nfds, req);
}

START_TEST(test_nic_attach)
{
	static const char vif[] = "{ \"devid\": 1, \"mac\": \"00:16:3e:01:02:03\" }";
	struct hvd_req req;

	ck_assert_int_eq(nic_attach(0, strlen(vif), 0, vif, 1, &req), 0);
	ck_assert_uint_eq(req.hdr.op, HV_HC_DOMCTL_NIC_ATTACH);
	ck_assert_uint_eq(req.u.nic_attach.domid, 3);
	ck_assert_uint_eq(req.json_len, strlen(vif));
	ck_assert_int_eq(memcmp(req.json, vif, req.json_len), 0);
	/* one tap descriptor per queue pair: one to four */
	ck_assert_int_eq(nic_attach(0, strlen(vif), 0, vif, HV_HC_NIC_MAX_QUEUES, &req), 0);
	ck_assert_int_eq(nic_attach(0, strlen(vif), 0, vif, 0, &req), -HV_HC_EBADF);
	ck_assert_int_eq(nic_attach(0, strlen(vif), 0, vif, HV_HC_NIC_MAX_QUEUES + 1, &req),
			 -HV_HC_EBADF);
	/* no flags yet; reserved zero; the length as announced; some JSON */
	ck_assert_int_eq(nic_attach(1, strlen(vif), 0, vif, 1, &req), -HV_HC_EINVAL);
	ck_assert_int_eq(nic_attach(0, strlen(vif), 1, vif, 1, &req), -HV_HC_EPROTO);
	ck_assert_int_eq(nic_attach(0, strlen(vif) - 1, 0, vif, 1, &req), -HV_HC_EPROTO);
	ck_assert_int_eq(nic_attach(0, 0, 0, NULL, 1, &req), -HV_HC_EINVAL);
	ck_assert(hcmsg_body_tail(HV_HC_DOMCTL_NIC_ATTACH, false));
	ck_assert(!hcmsg_body_tail(HV_HC_DOMCTL_NIC_ATTACH, true));
}
END_TEST

static int nic_detach(uint32_t flags, uint32_t timeout_ms, uint32_t devid, unsigned int nfds,
		      struct hvd_req *req)
{
	struct hv_hc_nic_detach d = {
		.domid = 3, .flags = flags, .timeout_ms = timeout_ms, .devid = devid,
	};
	size_t n = build(HV_HC_DOMCTL_NIC_DETACH, &d, sizeof(d), NULL);

	return request_decode(msg, n, nfds, req);
}

START_TEST(test_nic_detach)
{
	struct hvd_req req;

	ck_assert_int_eq(nic_detach(0, 0, 1, 0, &req), 0);
	ck_assert_uint_eq(req.u.nic_detach.devid, 1);
	ck_assert_ptr_null(req.json);
	ck_assert_int_eq(nic_detach(HV_HC_NIC_DETACH_FORCE, HV_HC_DISK_TIMEOUT_MAX_MS,
				    HV_HC_NIC_MAX_DEVID, 0, &req), 0);
	ck_assert_uint_eq(req.u.nic_detach.flags, HV_HC_NIC_DETACH_FORCE);
	/* no descriptors; unknown flags, too long a wait, a devid past the last */
	ck_assert_int_eq(nic_detach(0, 0, 1, 1, &req), -HV_HC_EBADF);
	ck_assert_int_eq(nic_detach(2, 0, 1, 0, &req), -HV_HC_EINVAL);
	ck_assert_int_eq(nic_detach(0, HV_HC_DISK_TIMEOUT_MAX_MS + 1, 1, 0, &req), -HV_HC_EINVAL);
	ck_assert_int_eq(nic_detach(0, 0, HV_HC_NIC_MAX_DEVID + 1, 0, &req), -HV_HC_EINVAL);
	/* a body cut short is malformed */
	{
		struct hv_hc_nic_detach d = { .domid = 3 };
		size_t n = build(HV_HC_DOMCTL_NIC_DETACH, &d, 8, NULL);

		ck_assert_int_eq(request_decode(msg, n, 0, &req), 0);
		ck_assert_uint_eq(req.u.nic_detach.devid, 0);
	}
}
END_TEST

/* The control channel's NET_ATTACH, NET_DETACH and NET_EJECTED, both ends' checks. */
START_TEST(test_vmm_net)
{
	static const char json[] = "{ \"name\": \"a\" }";
	struct hv_vmm_net_attach a;
	struct hv_vmm_net_detach d = { .devid = 3 };
	struct hv_vmm_net_ejected e = { .devid = 7 };
	const char *j, *why = NULL;
	size_t len, jl;
	uint8_t *body = vmmmsg_net_attach_body(2, json, strlen(json), &len);

	ck_assert_ptr_nonnull(body);
	ck_assert_int_eq(vmmmsg_net_attach(body, len, 1, &a, &j, &jl, &why), 0);
	ck_assert_uint_eq(a.vif, 2);
	ck_assert_uint_eq(jl, strlen(json));
	ck_assert_int_eq(memcmp(j, json, jl), 0);
	ck_assert_int_eq(vmmmsg_net_attach(body, len, HV_VMM_NET_MAX_QUEUES, &a, &j, &jl, &why), 0);
	ck_assert_int_eq(vmmmsg_net_attach(body, len, 0, &a, &j, &jl, &why), -EBADF);
	ck_assert_ptr_nonnull(strstr(why, "NET_ATTACH"));
	ck_assert_int_eq(vmmmsg_net_attach(body, len, HV_VMM_NET_MAX_QUEUES + 1, &a, &j, &jl,
					   &why), -EBADF);
	ck_assert_int_eq(vmmmsg_net_attach(body, len - 1, 1, &a, &j, &jl, &why), -EPROTO);
	ck_assert_int_eq(vmmmsg_net_attach(body, 8, 1, &a, &j, &jl, &why), -EPROTO);
	body[0] = 1;	/* flags */
	ck_assert_int_eq(vmmmsg_net_attach(body, len, 1, &a, &j, &jl, &why), -EPROTO);
	free(body);

	ck_assert_int_eq(vmmmsg_net_detach(&d, sizeof(d), &d, &why), 0);
	ck_assert_uint_eq(d.devid, 3);
	d.flags = HV_VMM_NET_DETACH_FORCE;
	ck_assert_int_eq(vmmmsg_net_detach(&d, sizeof(d), &d, &why), 0);
	d.flags = 2;
	ck_assert_int_eq(vmmmsg_net_detach(&d, sizeof(d), &d, &why), -EPROTO);
	d.flags = 0;
	d.devid = HV_VMM_NET_MAX_DEVICES;
	ck_assert_int_eq(vmmmsg_net_detach(&d, sizeof(d), &d, &why), -EPROTO);
	ck_assert_int_eq(vmmmsg_net_detach(&d, 4, &d, &why), -EPROTO);

	ck_assert_int_eq(vmmmsg_net_ejected(&e, sizeof(e), &e, &why), 0);
	ck_assert_uint_eq(e.devid, 7);
	e.reserved = 1;
	ck_assert_int_eq(vmmmsg_net_ejected(&e, sizeof(e), &e, &why), -EPROTO);
	e.reserved = 0;
	e.devid = 8;
	ck_assert_int_eq(vmmmsg_net_ejected(&e, sizeof(e), &e, &why), -EPROTO);
}
END_TEST

/* TRIGGER: a known trigger, its argument in range, reserved zero, no descriptors. */
static int trigger(uint32_t kind, uint32_t arg, uint32_t reserved, unsigned int nfds,
		   struct hvd_req *req)
{
	struct hv_hc_trigger t = { .domid = 4, .trigger = kind, .arg = arg, .reserved = reserved };
	size_t n = build(HV_HC_DOMCTL_TRIGGER, &t, sizeof(t), NULL);

	return request_decode(msg, n, nfds, req);
}

START_TEST(test_trigger)
{
	struct hvd_req req;

	ck_assert_int_eq(trigger(HV_HC_TRIGGER_RESET, 0, 0, 0, &req), 0);
	ck_assert_uint_eq(req.u.trigger.domid, 4);
	ck_assert_int_eq(trigger(HV_HC_TRIGGER_NMI, 0, 0, 0, &req), 0);
	ck_assert_int_eq(trigger(HV_HC_TRIGGER_NMI, REQUEST_MAX_VCPUS - 1, 0, 0, &req), 0);
	ck_assert_uint_eq(req.u.trigger.arg, REQUEST_MAX_VCPUS - 1);
	ck_assert_int_eq(trigger(HV_HC_TRIGGER_SYSRQ, 'h', 0, 0, &req), 0);
	ck_assert_int_eq(trigger(HV_HC_TRIGGER_SYSRQ, '~', 0, 0, &req), 0);
	/* a vCPU no domain has; a key that is no printable byte; an argument for reset */
	ck_assert_int_eq(trigger(HV_HC_TRIGGER_NMI, REQUEST_MAX_VCPUS, 0, 0, &req), -HV_HC_EINVAL);
	ck_assert_int_eq(trigger(HV_HC_TRIGGER_SYSRQ, ' ', 0, 0, &req), -HV_HC_EINVAL);
	ck_assert_int_eq(trigger(HV_HC_TRIGGER_SYSRQ, 0x7f, 0, 0, &req), -HV_HC_EINVAL);
	ck_assert_int_eq(trigger(HV_HC_TRIGGER_SYSRQ, 0x168, 0, 0, &req), -HV_HC_EINVAL);
	ck_assert_int_eq(trigger(HV_HC_TRIGGER_RESET, 1, 0, 0, &req), -HV_HC_EINVAL);
	/* unknown triggers, reserved, descriptors */
	ck_assert_int_eq(trigger(0, 0, 0, 0, &req), -HV_HC_EINVAL);
	ck_assert_int_eq(trigger(4, 0, 0, 0, &req), -HV_HC_EINVAL);
	ck_assert_int_eq(trigger(HV_HC_TRIGGER_RESET, 0, 1, 0, &req), -HV_HC_EPROTO);
	ck_assert_int_eq(trigger(HV_HC_TRIGGER_RESET, 0, 0, 1, &req), -HV_HC_EBADF);
}
END_TEST

/* VCPU_PIN: a vCPU in range or all, a CPU list that is a NUL-ended printable string. */
/* MIGRATE_SEND: a downtime, a ceiling not below it, known flags, one descriptor. */
static int migrate(const struct hv_hc_migrate *m, const char *json, unsigned int nfds,
		   struct hvd_req *req)
{
	size_t n = build(HV_HC_DOMCTL_MIGRATE_SEND, m, sizeof(*m), json);

	return request_decode(msg, n, nfds, req);
}

START_TEST(test_migrate)
{
	struct hv_hc_migrate m = { .domid = 4, .downtime_ms = 300, .ceiling_ms = 1300,
				   .bandwidth = 1 << 20, .timeout_ms = 60000 };
	struct hv_hc_restore_domain rs = { .flags = HV_HC_RESTORE_STREAM, .config_len = 2 };
	struct hvd_req req;
	size_t n;

	ck_assert_int_eq(migrate(&m, NULL, 1, &req), 0);
	ck_assert_uint_eq(req.u.migrate.domid, 4);
	ck_assert_uint_eq(req.u.migrate.bandwidth, 1 << 20);
	ck_assert_ptr_null(req.json);
	m.config_len = 2;
	ck_assert_int_eq(migrate(&m, "{}", 1, &req), 0);
	ck_assert_uint_eq(req.json_len, 2);
	ck_assert_int_eq(migrate(&m, "{}x", 1, &req), -HV_HC_EPROTO);	/* not config_len */
	m.config_len = 0;
	m.flags = HV_HC_MIGRATE_COMPRESS | HV_HC_MIGRATE_AUTO_CONVERGE | HV_HC_MIGRATE_DIGEST;
	ck_assert_int_eq(migrate(&m, NULL, 1, &req), 0);
	m.flags = 0x80;
	ck_assert_int_eq(migrate(&m, NULL, 1, &req), -HV_HC_EINVAL);
	m.flags = 0;
	/* no descriptor, or two */
	ck_assert_int_eq(migrate(&m, NULL, 0, &req), -HV_HC_EBADF);
	ck_assert_int_eq(migrate(&m, NULL, 2, &req), -HV_HC_EBADF);
	/* no downtime; a ceiling below it; reserved bytes */
	m.downtime_ms = 0;
	ck_assert_int_eq(migrate(&m, NULL, 1, &req), -HV_HC_EINVAL);
	m.downtime_ms = 2000;
	ck_assert_int_eq(migrate(&m, NULL, 1, &req), -HV_HC_EINVAL);
	m.downtime_ms = 300;
	m.reserved = 1;
	ck_assert_int_eq(migrate(&m, NULL, 1, &req), -HV_HC_EPROTO);
	m.reserved = 0;
	/* SEALED: the key first in the tail, then the JSON; not with LOCAL */
#define KEY32 "0123456789abcdef0123456789ABCDEF"
	m.flags = HV_HC_MIGRATE_SEALED;
	ck_assert_int_eq(migrate(&m, KEY32, 1, &req), 0);
	ck_assert_ptr_nonnull(req.key);
	ck_assert_mem_eq(req.key, KEY32, HV_HC_KEY_SIZE);
	ck_assert_ptr_null(req.json);
	m.config_len = 2;
	ck_assert_int_eq(migrate(&m, KEY32 "{}", 1, &req), 0);
	ck_assert_uint_eq(req.json_len, 2);
	ck_assert_mem_eq(req.json, "{}", 2);
	ck_assert_int_eq(migrate(&m, "{}", 1, &req), -HV_HC_EPROTO);	/* shorter than a key */
	m.config_len = 0;
	m.flags = HV_HC_MIGRATE_SEALED | HV_HC_MIGRATE_LOCAL;
	ck_assert_int_eq(migrate(&m, KEY32, 1, &req), -HV_HC_EINVAL);
	m.flags = 0;
	ck_assert_int_eq(migrate(&m, NULL, 1, &req), 0);
	ck_assert_ptr_null(req.key);
	/* RESTORE_DOMAIN from a sealed stream */
	rs.flags = HV_HC_RESTORE_STREAM | HV_HC_RESTORE_SEALED;
	n = build(HV_HC_DOMCTL_RESTORE_DOMAIN, &rs, sizeof(rs), KEY32 "{}");
	ck_assert_int_eq(request_decode(msg, n, 1, &req), 0);
	ck_assert_ptr_nonnull(req.key);
	rs.flags = HV_HC_RESTORE_STREAM;
#undef KEY32
	/* RESTORE_DOMAIN from a stream; not with LAZY */
	n = build(HV_HC_DOMCTL_RESTORE_DOMAIN, &rs, sizeof(rs), "{}");
	ck_assert_int_eq(request_decode(msg, n, 1, &req), 0);
	rs.flags |= HV_HC_RESTORE_LAZY;
	n = build(HV_HC_DOMCTL_RESTORE_DOMAIN, &rs, sizeof(rs), "{}");
	ck_assert_int_eq(request_decode(msg, n, 1, &req), -HV_HC_EINVAL);
}
END_TEST

/*
 * MIGRATED: numbers, and with HV_HC_MIGRATED_USAGE usage whose disks' names
 * are strings; no other flag, no descriptors; a body without the usage
 * (as before it) is whole too
 */
START_TEST(test_migrated)
{
	struct hv_hc_migrated b = { .domid = 4, .m = { .total_ns = 1, .downtime_ns = 2 } };
	struct hvd_req req;
	size_t n = build(HV_HC_DOMCTL_MIGRATED, &b, sizeof(b), NULL);

	ck_assert_uint_eq(offsetof(struct hv_hc_migrated, usage), 160);
	ck_assert_uint_eq(sizeof(b), 160 + 16 + 8 * 40 + 12 * 88);
	ck_assert_int_eq(request_decode(msg, n, 0, &req), 0);
	ck_assert_uint_eq(req.u.migrated.domid, 4);
	ck_assert_uint_eq(req.u.migrated.m.downtime_ns, 2);
	ck_assert_int_eq(request_decode(msg, n, 1, &req), -HV_HC_EBADF);
	n = build(HV_HC_DOMCTL_MIGRATED, &b, offsetof(struct hv_hc_migrated, usage), NULL);
	ck_assert_int_eq(request_decode(msg, n, 0, &req), 0);
	ck_assert_uint_eq(req.u.migrated.usage.cpu_ns, 0);
	b.flags = HV_HC_MIGRATED_USAGE;
	b.usage.cpu_ns = 7;
	strcpy(b.usage.disks[0].vdev, "xvda");
	n = build(HV_HC_DOMCTL_MIGRATED, &b, sizeof(b), NULL);
	ck_assert_int_eq(request_decode(msg, n, 0, &req), 0);
	ck_assert_uint_eq(req.u.migrated.usage.cpu_ns, 7);
	ck_assert_str_eq(req.u.migrated.usage.disks[0].vdev, "xvda");
	memset(b.usage.disks[11].vdev, 'x', sizeof(b.usage.disks[11].vdev));
	n = build(HV_HC_DOMCTL_MIGRATED, &b, sizeof(b), NULL);
	ck_assert_int_eq(request_decode(msg, n, 0, &req), -HV_HC_EINVAL);
	memset(b.usage.disks[11].vdev, 0, sizeof(b.usage.disks[11].vdev));
	b.flags = 2;
	n = build(HV_HC_DOMCTL_MIGRATED, &b, sizeof(b), NULL);
	ck_assert_int_eq(request_decode(msg, n, 0, &req), -HV_HC_EINVAL);
}
END_TEST

static int sched(uint32_t flags, uint32_t weight, uint32_t cap, unsigned int nfds)
{
	struct hv_hc_sched b = { .domid = 4, .flags = flags, .weight = weight, .cap = cap };
	struct hvd_req req;
	size_t n = build(HV_HC_DOMCTL_SCHED, &b, sizeof(b), NULL);

	return request_decode(msg, n, nfds, &req);
}

START_TEST(test_sched)
{
	ck_assert_int_eq(sched(HV_HC_SCHED_WEIGHT, 512, 0, 0), 0);
	ck_assert_int_eq(sched(HV_HC_SCHED_CAP, 0, 0, 0), 0);
	ck_assert_int_eq(sched(HV_HC_SCHED_WEIGHT | HV_HC_SCHED_CAP, 65535, 102400, 0), 0);
	/* the unflagged one is not looked at */
	ck_assert_int_eq(sched(HV_HC_SCHED_CAP, 0, 50, 0), 0);
	ck_assert_int_eq(sched(HV_HC_SCHED_WEIGHT, 1, 999999, 0), 0);
	/* nothing to set, an unknown flag, out of range, a descriptor */
	ck_assert_int_eq(sched(0, 256, 0, 0), -HV_HC_EINVAL);
	ck_assert_int_eq(sched(0x4 | HV_HC_SCHED_WEIGHT, 256, 0, 0), -HV_HC_EINVAL);
	ck_assert_int_eq(sched(HV_HC_SCHED_WEIGHT, 0, 0, 0), -HV_HC_EINVAL);
	ck_assert_int_eq(sched(HV_HC_SCHED_WEIGHT, 65536, 0, 0), -HV_HC_EINVAL);
	ck_assert_int_eq(sched(HV_HC_SCHED_CAP, 0, 102401, 0), -HV_HC_EINVAL);
	ck_assert_int_eq(sched(HV_HC_SCHED_WEIGHT, 256, 0, 1), -HV_HC_EBADF);
}
END_TEST

/* DUMP_CORE: no flags yet, reserved zero, exactly one descriptor (the file). */
static int dump_core(const struct hv_hc_dump_core *d, const char *tail, unsigned int nfds,
		     struct hvd_req *req)
{
	size_t n = build(HV_HC_DOMCTL_DUMP_CORE, d, sizeof(*d), tail);

	return request_decode(msg, n, nfds, req);
}

START_TEST(test_dump_core)
{
	struct hv_hc_dump_core d = { .domid = 5 };
	struct hv_hc_dump_core_result res = { .bytes = 4096, .vcpus = 2 };
	struct hv_hc_progress pr = { 1, 2 };
	struct hv_hc_hdr h;
	struct hvd_req req;

	ck_assert_int_eq(dump_core(&d, NULL, 1, &req), 0);
	ck_assert_uint_eq(req.hdr.op, HV_HC_DOMCTL_DUMP_CORE);
	ck_assert_uint_eq(req.u.dump_core.domid, 5);
	ck_assert_ptr_null(req.json);
	/* the file: one descriptor, no more, no less */
	ck_assert_int_eq(dump_core(&d, NULL, 0, &req), -HV_HC_EBADF);
	ck_assert_int_eq(dump_core(&d, NULL, 2, &req), -HV_HC_EBADF);
	/* no flags are defined; reserved words are zero; nothing follows the struct */
	d.flags = 1;
	ck_assert_int_eq(dump_core(&d, NULL, 1, &req), -HV_HC_EINVAL);
	d.flags = 0;
	d.reserved[1] = 1;
	ck_assert_int_eq(dump_core(&d, NULL, 1, &req), -HV_HC_EPROTO);
	d.reserved[1] = 0;
	ck_assert_int_ne(dump_core(&d, "{}", 1, &req), 0);
	/* its reply is the result; progress may come before it */
	hcmsg_header(&h, HV_HC_DOMCTL_DUMP_CORE, HV_HC_F_REPLY, 7, 0, sizeof(res));
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), &res, sizeof(res));
	ck_assert_int_eq(hcmsg_check(msg, sizeof(h) + sizeof(res), &h), 0);
	ck_assert_int_ne(hcmsg_check(msg, sizeof(h) + sizeof(res) - 8, &h), 0);
	hcmsg_header(&h, HV_HC_DOMCTL_DUMP_CORE, HV_HC_F_PROGRESS, 7, 0, sizeof(pr));
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), &pr, sizeof(pr));
	ck_assert_int_eq(hcmsg_check(msg, sizeof(h) + sizeof(pr), &h), 0);
}
END_TEST

static int vcpu_pin(uint32_t vcpu, const char *cpus, size_t len, struct hvd_req *req)
{
	struct hv_hc_vcpu_pin p = { .domid = 3, .vcpu = vcpu };
	size_t n;

	memcpy(p.cpus, cpus, len);
	n = build(HV_HC_DOMCTL_VCPU_PIN, &p, sizeof(p), NULL);
	return request_decode(msg, n, 0, req);
}

START_TEST(test_vcpu)
{
	struct hv_hc_domid d = { .domid = 5 };
	struct hvd_req req;
	char full[HV_HC_CPULIST_MAX];
	size_t n;

	ck_assert_int_eq(vcpu_pin(0, "0-3,^1", 7, &req), 0);
	ck_assert_uint_eq(req.u.vcpu_pin.domid, 3);
	ck_assert_str_eq(req.u.vcpu_pin.cpus, "0-3,^1");
	ck_assert_int_eq(vcpu_pin(HV_HC_VCPU_ALL, "all", 4, &req), 0);
	ck_assert_int_eq(vcpu_pin(REQUEST_MAX_VCPUS - 1, "1", 2, &req), 0);
	/* no such vCPU; an empty list; bytes that are no text; no NUL in the field */
	ck_assert_int_eq(vcpu_pin(REQUEST_MAX_VCPUS, "1", 2, &req), -HV_HC_EINVAL);
	ck_assert_int_eq(vcpu_pin(0, "", 1, &req), -HV_HC_EINVAL);
	ck_assert_int_eq(vcpu_pin(0, "1\n", 3, &req), -HV_HC_EPROTO);
	memset(full, '1', sizeof(full));
	ck_assert_int_eq(vcpu_pin(0, full, sizeof(full), &req), -HV_HC_EPROTO);
	/* VCPU_INFO: a domid, reserved zero, no descriptors */
	n = build(HV_HC_DOMCTL_VCPU_INFO, &d, sizeof(d), NULL);
	ck_assert_int_eq(request_decode(msg, n, 0, &req), 0);
	ck_assert_int_eq(request_decode(msg, n, 1, &req), -HV_HC_EBADF);
	d.reserved = 1;
	n = build(HV_HC_DOMCTL_VCPU_INFO, &d, sizeof(d), NULL);
	ck_assert_int_eq(request_decode(msg, n, 0, &req), -HV_HC_EPROTO);
}
END_TEST

START_TEST(test_stats)
{
	struct hv_hc_stats s = { .domid = HV_HC_DOMID_INVALID, .first_domid = 3, .max = 10 };
	struct hv_hc_stats_reply rep = { .count = 0, .entry_size = sizeof(struct hv_hc_domstats) };
	struct hv_hc_hdr h;
	struct hvd_req req;
	size_t n;

	n = build(HV_HC_DOMCTL_STATS, &s, sizeof(s), NULL);
	ck_assert_int_eq(request_decode(msg, n, 0, &req), 0);
	ck_assert_uint_eq(req.u.stats.domid, HV_HC_DOMID_INVALID);
	ck_assert_uint_eq(req.u.stats.first_domid, 3);
	ck_assert_int_eq(request_decode(msg, n, 1, &req), -HV_HC_EBADF);
	s.flags = 1;
	n = build(HV_HC_DOMCTL_STATS, &s, sizeof(s), NULL);
	ck_assert_int_eq(request_decode(msg, n, 0, &req), -HV_HC_EINVAL);
	/* a shorter body (an older client) reads as zeros: domain 0, which is none */
	n = build(HV_HC_DOMCTL_STATS, &s, 4, NULL);
	ck_assert_int_eq(request_decode(msg, n, 0, &req), 0);
	/* the reply: its fixed part, then the entries; the entry is 8-byte aligned */
	ck_assert_uint_eq(sizeof(struct hv_hc_domstats) % 8, 0);
	/* the ABI: what an older hvd sends ends where the disks begin */
	ck_assert_uint_eq(offsetof(struct hv_hc_domstats, disks), 504);
	ck_assert_uint_eq(sizeof(struct hv_hc_diskstats), 88);
	/* and where the migration's figures begin (MIGRATED) */
	ck_assert_uint_eq(offsetof(struct hv_hc_domstats, migration), 504 + 12 * 88);
	ck_assert_uint_eq(sizeof(struct hv_hc_migstats), 152);
	ck_assert_uint_eq(sizeof(struct hv_hc_domstats), 504 + 12 * 88 + 152);
	hcmsg_header(&h, HV_HC_DOMCTL_STATS, HV_HC_F_REPLY, 7, 0, sizeof(rep));
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), &rep, sizeof(rep));
	ck_assert_int_eq(hcmsg_check(msg, sizeof(h) + sizeof(rep), &h), 0);
	ck_assert_int_eq(hcmsg_check(msg, sizeof(h) + sizeof(rep) - 1, &h), -HV_HC_EPROTO);
}
END_TEST

START_TEST(test_read_log)
{
	struct hv_hc_read_log r = { .offset = 12345, .flags = HV_HC_READ_LOG_CLEAR };
	struct hv_hc_read_log_reply rep = { .offset = 0, .size = 5 };
	struct hv_hc_hdr h;
	struct hvd_req req;
	size_t n;

	n = build(HV_HC_SYSCTL_READ_LOG, &r, sizeof(r), NULL);
	ck_assert_int_eq(request_decode(msg, n, 0, &req), 0);
	ck_assert_uint_eq(req.u.read_log.offset, 12345);
	ck_assert_int_eq(request_decode(msg, n, 1, &req), -HV_HC_EBADF);
	r.flags = 2;
	n = build(HV_HC_SYSCTL_READ_LOG, &r, sizeof(r), NULL);
	ck_assert_int_eq(request_decode(msg, n, 0, &req), -HV_HC_EINVAL);
	r.flags = 0;
	r.reserved = 1;
	n = build(HV_HC_SYSCTL_READ_LOG, &r, sizeof(r), NULL);
	ck_assert_int_eq(request_decode(msg, n, 0, &req), -HV_HC_EPROTO);
	/* the reply: its fixed part, then the log's text */
	hcmsg_header(&h, HV_HC_SYSCTL_READ_LOG, HV_HC_F_REPLY, 7, 0, sizeof(rep) + 5);
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), &rep, sizeof(rep));
	memcpy(msg + sizeof(h) + sizeof(rep), "hello", 5);
	ck_assert_int_eq(hcmsg_check(msg, sizeof(h) + sizeof(rep) + 5, &h), 0);
	ck_assert_int_eq(hcmsg_check(msg, sizeof(h) + sizeof(rep) - 1, &h), -HV_HC_EPROTO);
}
END_TEST

/* The control channel's TRIGGER, as hv-vmm checks it. */
START_TEST(test_vmm_trigger)
{
	struct hv_vmm_trigger t = { .trigger = HV_VMM_TRIGGER_NMI, .arg = 3 }, out;
	const char *why = NULL;

	ck_assert_int_eq(vmmmsg_trigger(&t, sizeof(t), &out, &why), 0);
	ck_assert_uint_eq(out.arg, 3);
	ck_assert_int_eq(vmmmsg_trigger(&t, sizeof(t) - 1, &out, &why), -EPROTO);
	t.reserved[1] = 1;
	ck_assert_int_eq(vmmmsg_trigger(&t, sizeof(t), &out, &why), -EPROTO);
	t.reserved[1] = 0;
	t.trigger = HV_VMM_TRIGGER_SYSRQ;
	t.arg = 'b';
	ck_assert_int_eq(vmmmsg_trigger(&t, sizeof(t), &out, &why), 0);
	t.arg = 0;
	ck_assert_int_eq(vmmmsg_trigger(&t, sizeof(t), &out, &why), -EINVAL);
	ck_assert_ptr_nonnull(why);
	t.trigger = HV_VMM_TRIGGER_RESET;
	ck_assert_int_eq(vmmmsg_trigger(&t, sizeof(t), &out, &why), 0);
	t.arg = 1;
	ck_assert_int_eq(vmmmsg_trigger(&t, sizeof(t), &out, &why), -EINVAL);
	t.trigger = 9;
	t.arg = 0;
	ck_assert_int_eq(vmmmsg_trigger(&t, sizeof(t), &out, &why), -EINVAL);
}
END_TEST

/* Domain-0 is xl's name for the host: no domain may take it. */
START_TEST(test_dom0_name)
{
	char name[HV_HC_NAME_MAX] = "Domain-0";

	ck_assert(!hcmsg_name_ok(name, sizeof(name)));
	ck_assert(!hcmsg_name_ok("Domain-0", 9));
	ck_assert(hcmsg_name_ok("Domain-00", 10));
	ck_assert(hcmsg_name_ok("Domain", 7));
	ck_assert(hcmsg_name_ok("D", 2));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("hvd-request");
	TCase *tc = tcase_create("disks");

	tcase_add_test(tc, test_attach);
	tcase_add_test(tc, test_detach);
	tcase_add_test(tc, test_mem);
	tcase_add_test(tc, test_replies);
	suite_add_tcase(s, tc);
	tc = tcase_create("nics");
	tcase_add_test(tc, test_nic_attach);
	tcase_add_test(tc, test_nic_detach);
	tcase_add_test(tc, test_vmm_net);
	suite_add_tcase(s, tc);
	tc = tcase_create("triggers");
	tcase_add_test(tc, test_trigger);
	tcase_add_test(tc, test_read_log);
	tcase_add_test(tc, test_vmm_trigger);
	tcase_add_test(tc, test_dom0_name);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_vcpu);
	tcase_add_test(tc, test_sched);
	tcase_add_test(tc, test_migrated);
	tcase_add_test(tc, test_config_update);
	tcase_add_test(tc, test_migrate);
	tcase_add_test(tc, test_dump_core);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run_suite(suite());
}
