/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include "hcmsg.h"

long hcmsg_body_size(uint16_t op, bool reply)
{
	switch (op) {
	case HV_HC_DOMCTL_CREATE_DOMAIN:
		return reply ? sizeof(struct hv_hc_domid) : sizeof(struct hv_hc_create_domain);
	case HV_HC_DOMCTL_RESTORE_DOMAIN:
		return reply ? sizeof(struct hv_hc_domid) : sizeof(struct hv_hc_restore_domain);
	case HV_HC_DOMCTL_CANCEL:
		return reply ? 0 : sizeof(struct hv_hc_cancel);
	case HV_HC_DOMCTL_DISK_ATTACH:
		return reply ? 0 : sizeof(struct hv_hc_disk_attach);
	case HV_HC_DOMCTL_DISK_DETACH:
		return reply ? 0 : sizeof(struct hv_hc_disk_detach);
	case HV_HC_DOMCTL_NIC_ATTACH:
		return reply ? 0 : sizeof(struct hv_hc_nic_attach);
	case HV_HC_DOMCTL_NIC_DETACH:
		return reply ? 0 : sizeof(struct hv_hc_nic_detach);
	case HV_HC_DOMCTL_ADD_DEVICE:
		return reply ? 0 : sizeof(struct hv_hc_add_device);
	case HV_HC_DOMCTL_MEM_TARGET:
		return reply ? 0 : sizeof(struct hv_hc_mem_target);
	case HV_HC_DOMCTL_MEM_MAX:
		return reply ? 0 : sizeof(struct hv_hc_mem_max);
	case HV_HC_DOMCTL_MEM_INFO:
		return reply ? sizeof(struct hv_hc_meminfo) : sizeof(struct hv_hc_domid);
	case HV_HC_DOMCTL_TRIGGER:
		return reply ? 0 : sizeof(struct hv_hc_trigger);
	case HV_HC_DOMCTL_STATS:
		return reply ? sizeof(struct hv_hc_stats_reply) : sizeof(struct hv_hc_stats);
	case HV_HC_SYSCTL_READ_LOG:
		return reply ? sizeof(struct hv_hc_read_log_reply) : sizeof(struct hv_hc_read_log);
	case HV_HC_DOMCTL_VCPU_INFO:
		return reply ? sizeof(struct hv_hc_vcpu_info_reply) : sizeof(struct hv_hc_domid);
	case HV_HC_DOMCTL_VCPU_PIN:
		return reply ? 0 : sizeof(struct hv_hc_vcpu_pin);
	case HV_HC_DOMCTL_SCHED:
		return reply ? 0 : sizeof(struct hv_hc_sched);
	case HV_HC_DOMCTL_MIGRATED:
		return reply ? 0 : sizeof(struct hv_hc_migrated);
	case HV_HC_DOMCTL_CONFIG_UPDATE:
		return reply ? 0 : sizeof(struct hv_hc_config_update);
	case HV_HC_DOMCTL_PAUSE:
	case HV_HC_DOMCTL_UNPAUSE:
	case HV_HC_DOMCTL_DESTROY:
	case HV_HC_DOMCTL_CONSOLE:
		return reply ? 0 : sizeof(struct hv_hc_domid);
	case HV_HC_DOMCTL_SHUTDOWN:
		return reply ? 0 : sizeof(struct hv_hc_shutdown);
	case HV_HC_DOMCTL_GETINFO:
		return reply ? sizeof(struct hv_hc_dominfo) : sizeof(struct hv_hc_domid);
	case HV_HC_DOMCTL_RENAME:
		return reply ? 0 : sizeof(struct hv_hc_rename);
	case HV_HC_DOMCTL_GET_CONFIG:
		return reply ? 0 : sizeof(struct hv_hc_domid);
	case HV_HC_DOMCTL_SAVE:
		return reply ? sizeof(struct hv_hc_save_result) : sizeof(struct hv_hc_save);
	case HV_HC_DOMCTL_MIGRATE_SEND:
		return reply ? sizeof(struct hv_hc_migrate_result) : sizeof(struct hv_hc_migrate);
	case HV_HC_DOMCTL_DUMP_CORE:
		return reply ? sizeof(struct hv_hc_dump_core_result) : sizeof(struct hv_hc_dump_core);
	case HV_HC_SYSCTL_PHYSINFO:
		return reply ? sizeof(struct hv_hc_physinfo) : 0;
	case HV_HC_SYSCTL_LIST:
		return reply ? sizeof(struct hv_hc_list_reply) : sizeof(struct hv_hc_list);
	case HV_HC_EVENT_SUBSCRIBE:
		return 0;
	case HV_HC_EVENT:
		return sizeof(struct hv_hc_event);
	default:
		return -1;
	}
}

bool hcmsg_body_tail(uint16_t op, bool reply)
{
	switch (op) {
	case HV_HC_SYSCTL_LIST:
	case HV_HC_DOMCTL_GET_CONFIG:
	case HV_HC_SYSCTL_READ_LOG:
	case HV_HC_DOMCTL_STATS:
	case HV_HC_DOMCTL_VCPU_INFO:
		return reply;
	case HV_HC_DOMCTL_CREATE_DOMAIN:
	case HV_HC_DOMCTL_RESTORE_DOMAIN:
	case HV_HC_DOMCTL_SAVE:
	case HV_HC_DOMCTL_MIGRATE_SEND:
	case HV_HC_DOMCTL_DISK_ATTACH:
	case HV_HC_DOMCTL_NIC_ATTACH:
	case HV_HC_DOMCTL_CONFIG_UPDATE:
		return !reply;
	default:
		return false;
	}
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* A failed reply's body: empty, or printable ASCII ending in its only NUL. */
static bool errmsg_ok(const uint8_t *p, size_t n)
{
	return n == 0 || (n <= HV_HC_ERRMSG_MAX && memchr(p, '\0', n) == p + n - 1 &&
			  hcmsg_string_ok((const char *)p, n));
}

int hcmsg_check(const void *buf, size_t len, struct hv_hc_hdr *h)
{
	const uint8_t *body = (const uint8_t *)buf + sizeof(*h);
	uint32_t kind;
	size_t have;
	bool reply;
	long want;

	if (len < sizeof(*h) || len > HV_HC_MSG_MAX)
		return -HV_HC_EPROTO;
	memcpy(h, buf, sizeof(*h));
	if (h->magic != HV_HC_MAGIC || h->length != len)
		return -HV_HC_EPROTO;
	if (h->version != HV_HC_VERSION)
		return -HV_HC_EVERSION;
	kind = h->flags & (HV_HC_F_REPLY | HV_HC_F_EVENT | HV_HC_F_PROGRESS);
	if (h->reserved[0] || h->reserved[1] || h->flags != kind || (kind & (kind - 1)))
		return -HV_HC_EPROTO;
	reply = h->flags & HV_HC_F_REPLY;
	if (!reply && h->status != 0)
		return -HV_HC_EPROTO;
	have = len - sizeof(*h);
	if (h->flags & HV_HC_F_PROGRESS) {
		/* only the long operations report progress */
		if (h->op != HV_HC_DOMCTL_SAVE && h->op != HV_HC_DOMCTL_RESTORE_DOMAIN &&
		    h->op != HV_HC_DOMCTL_MIGRATE_SEND && h->op != HV_HC_DOMCTL_DUMP_CORE)
			return -HV_HC_EPROTO;
		want = h->op == HV_HC_DOMCTL_MIGRATE_SEND ? sizeof(struct hv_hc_migrate_progress) :
		       sizeof(struct hv_hc_progress);
	} else {
		want = hcmsg_body_size(h->op, reply);
		if (want < 0)
			return -HV_HC_EOPNOTSUPP;
	}
	/* a failed reply carries nothing or a message saying why */
	if (reply && h->status != 0)
		return errmsg_ok(body, have) ? 0 : -HV_HC_EPROTO;
	if (!(h->flags & HV_HC_F_PROGRESS) && hcmsg_body_tail(h->op, reply))
		return have >= (size_t)want ? 0 : -HV_HC_EPROTO;
	if (have > (size_t)want && !all_zero(body + want, have - want))
		return -HV_HC_EPROTO;
	return 0;
}

const char *hcmsg_errmsg(const void *buf, size_t len)
{
	struct hv_hc_hdr h;

	if (len <= sizeof(h))
		return NULL;
	memcpy(&h, buf, sizeof(h));
	if (!(h.flags & HV_HC_F_REPLY) || h.status == 0 ||
	    !errmsg_ok((const uint8_t *)buf + sizeof(h), len - sizeof(h)))
		return NULL;
	return (const char *)buf + sizeof(h);
}

void hcmsg_body(const void *buf, size_t len, void *body, size_t size)
{
	size_t have = len > sizeof(struct hv_hc_hdr) ? len - sizeof(struct hv_hc_hdr) : 0;

	memset(body, 0, size);
	memcpy(body, (const uint8_t *)buf + sizeof(struct hv_hc_hdr), have < size ? have : size);
}

bool hcmsg_string_ok(const char *s, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		if (s[i] == '\0')
			return true;
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	}
	return false;
}

bool hcmsg_name_ok(const char *s, size_t size)
{
	bool digits_only = true;
	size_t i;

	/* what xl calls the host (domain 0), as Xen's xl does */
	if (size >= sizeof(HCMSG_DOM0_NAME) && !strncmp(s, HCMSG_DOM0_NAME, sizeof(HCMSG_DOM0_NAME)))
		return false;
	for (i = 0; i < size && s[i]; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
		if (c < '0' || c > '9')
			digits_only = false;
	}
	return i > 0 && i < size && i <= 63 && !digits_only;
}

void hcmsg_header(struct hv_hc_hdr *h, uint16_t op, uint32_t flags, uint32_t seq,
		  int32_t status, size_t body_len)
{
	memset(h, 0, sizeof(*h));
	h->magic = HV_HC_MAGIC;
	h->version = HV_HC_VERSION;
	h->op = op;
	h->flags = flags;
	h->length = sizeof(*h) + body_len;
	h->seq = seq;
	h->status = status;
}
