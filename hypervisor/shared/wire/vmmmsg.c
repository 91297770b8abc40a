/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "vmmmsg.h"

int vmmmsg_check(const void *buf, size_t len, struct hv_vmm_msg *hdr)
{
	const uint32_t known = HV_VMM_F_REPLY | HV_VMM_F_EVENT;

	if (len < sizeof(*hdr) || len > HV_VMM_MSG_MAX)
		return -EPROTO;
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->magic != HV_VMM_MAGIC || hdr->version != HV_VMM_VERSION ||
	    hdr->length != len || hdr->reserved != 0 || (hdr->flags & ~known) ||
	    (hdr->flags & known) == known)
		return -EPROTO;
	return 0;
}

int vmmmsg_header(struct hv_vmm_msg *hdr, uint16_t op, uint32_t flags, uint32_t seq,
		  size_t body_len)
{
	if (body_len > HV_VMM_MSG_MAX - sizeof(*hdr))
		return -EMSGSIZE;
	*hdr = (struct hv_vmm_msg){
		.magic = HV_VMM_MAGIC, .version = HV_VMM_VERSION, .op = op, .flags = flags,
		.length = (uint32_t)(sizeof(*hdr) + body_len), .seq = seq,
	};
	return 0;
}

int vmmmsg_reply(const void *body, size_t len, int *status_r, const void **data_r,
		 size_t *data_len_r)
{
	struct hv_vmm_reply r;

	if (len < sizeof(r))
		return -EPROTO;
	memcpy(&r, body, sizeof(r));
	*status_r = r.status > 0 || r.status < -4095 ? -EIO : r.status;
	*data_r = (const uint8_t *)body + sizeof(r);
	*data_len_r = len - sizeof(r);
	return 0;
}

void vmmmsg_reply_text(const void *data, size_t len, char *buf, size_t size)
{
	const char *s = data;
	size_t n = 0;

	if (!size)
		return;
	while (n < len && n < size - 1 && n < 255 && s[n]) {
		buf[n] = s[n] >= 0x20 && s[n] < 0x7f ? s[n] : '?';
		n++;
	}
	while (n && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
}

void *vmmmsg_build_body(uint32_t flags, const char *json, size_t len, size_t *size_r)
{
	struct hv_vmm_build b = { .flags = flags, .config_len = (uint32_t)len };
	uint8_t *body = malloc(sizeof(b) + len);

	if (!body)
		return NULL;
	memcpy(body, &b, sizeof(b));
	memcpy(body + sizeof(b), json, len);
	*size_r = sizeof(b) + len;
	return body;
}

int vmmmsg_build(const void *body, size_t len, size_t nfds, struct hv_vmm_build *b,
		 const char **json_r, size_t *json_len_r, const char **why)
{
	const char *json = (const char *)body + sizeof(*b);

	if (len < sizeof(*b)) {
		*why = "BUILD: the body is shorter than struct hv_vmm_build";
		return -EPROTO;
	}
	memcpy(b, body, sizeof(*b));
	if (b->flags & ~(uint32_t)(HV_VMM_BUILD_PAUSED | HV_VMM_BUILD_RAMDISK) ||
	    !b->config_len || b->config_len != len - sizeof(*b) ||
	    memchr(json, '\0', b->config_len)) {
		*why = "BUILD: unknown flags, a config_len that is not the rest of the body, or a NUL in the description";
		return -EPROTO;
	}
	/* the disks' descriptors follow; only the description can count them */
	if (nfds < (b->flags & HV_VMM_BUILD_RAMDISK ? 2u : 1u)) {
		*why = "BUILD: not the descriptors its flags say (the kernel, and the ramdisk with HV_VMM_BUILD_RAMDISK)";
		return -EBADF;
	}
	*json_r = json;
	*json_len_r = b->config_len;
	return 0;
}

void *vmmmsg_restore_body(const struct hv_vmm_restore *r, const uint8_t *key,
			  const char *json, size_t len, size_t *size_r)
{
	struct hv_vmm_restore h = *r;
	size_t klen = key ? HV_VMM_KEY_SIZE : 0;
	uint8_t *body = malloc(sizeof(h) + klen + len);

	if (!body)
		return NULL;
	h.config_len = (uint32_t)len;
	h.reserved = 0;
	h.flags = key ? h.flags | HV_VMM_RESTORE_SEALED : h.flags & ~(uint32_t)HV_VMM_RESTORE_SEALED;
	memcpy(body, &h, sizeof(h));
	if (klen)
		memcpy(body + sizeof(h), key, klen);
	if (len)
		memcpy(body + sizeof(h) + klen, json, len);
	*size_r = sizeof(h) + klen + len;
	return body;
}

int vmmmsg_restore(const void *body, size_t len, size_t nfds, struct hv_vmm_restore *r,
		   const uint8_t **key_r, const char **json_r, size_t *json_len_r,
		   const char **why)
{
	const char *json = (const char *)body + sizeof(*r);
	size_t klen = 0;

	*key_r = NULL;
	*json_r = NULL;
	*json_len_r = 0;
	memset(r, 0, sizeof(*r));
	if (len != HV_VMM_RESTORE_V1_SIZE && len < sizeof(*r)) {
		*why = "RESTORE: the body is not a struct hv_vmm_restore";
		return -EPROTO;
	}
	memcpy(r, body, len < sizeof(*r) ? len : sizeof(*r));
	if (r->flags & ~(uint32_t)(HV_VMM_RESTORE_PAUSED | HV_VMM_RESTORE_LAZY |
				   HV_VMM_RESTORE_SEALED) ||
	    r->reserved) {
		*why = "RESTORE: unknown flags, or a reserved field that is not zero";
		return -EPROTO;
	}
	if (r->flags & HV_VMM_RESTORE_SEALED) {
		if ((r->flags & HV_VMM_RESTORE_LAZY) || len < sizeof(*r) + HV_VMM_KEY_SIZE) {
			*why = "RESTORE: SEALED with LAZY, or without its key";
			return -EPROTO;
		}
		klen = HV_VMM_KEY_SIZE;
		*key_r = (const uint8_t *)json;
		json += klen;
	}
	if (len > HV_VMM_RESTORE_V1_SIZE &&
	    (r->config_len != len - sizeof(*r) - klen || memchr(json, '\0', r->config_len))) {
		*why = "RESTORE: a config_len that is not the rest of the body, or a NUL in the description";
		return -EPROTO;
	}
	if (nfds < 1 || (!r->config_len && nfds != 1)) {
		*why = "RESTORE: the image must come with it, and without a description nothing else";
		return -EBADF;
	}
	if (r->config_len) {
		*json_r = json;
		*json_len_r = r->config_len;
	}
	return 0;
}

/*
 * DISK_ATTACH and NET_ATTACH have one layout: flags, an index into the
 * description's devices, config_len, reserved, then the description.
 */
_Static_assert(sizeof(struct hv_vmm_disk_attach) == sizeof(struct hv_vmm_net_attach) &&
	       offsetof(struct hv_vmm_disk_attach, disk) ==
	       offsetof(struct hv_vmm_net_attach, vif) &&
	       offsetof(struct hv_vmm_disk_attach, config_len) ==
	       offsetof(struct hv_vmm_net_attach, config_len),
	       "the attach requests share their layout");

static void *attach_body(uint32_t index, const char *json, size_t len, size_t *size_r)
{
	struct hv_vmm_disk_attach a = { .disk = index, .config_len = (uint32_t)len };
	uint8_t *body = malloc(sizeof(a) + len);

	if (!body)
		return NULL;
	memcpy(body, &a, sizeof(a));
	memcpy(body + sizeof(a), json, len);
	*size_r = sizeof(a) + len;
	return body;
}

/* @a: the struct of either request (@net: NET_ATTACH's, with its taps). */
static int attach_check(bool net, const void *body, size_t len, size_t nfds,
			struct hv_vmm_disk_attach *a, const char **json_r, size_t *json_len_r,
			const char **why)
{
	const char *json = (const char *)body + sizeof(*a);

	if (len < sizeof(*a)) {
		*why = net ? "NET_ATTACH: the body is shorter than struct hv_vmm_net_attach" :
			     "DISK_ATTACH: the body is shorter than struct hv_vmm_disk_attach";
		return -EPROTO;
	}
	memcpy(a, body, sizeof(*a));
	if (a->flags || a->reserved || !a->config_len || a->config_len != len - sizeof(*a) ||
	    memchr(json, '\0', a->config_len)) {
		*why = net ? "NET_ATTACH: flags or reserved not zero, a config_len that is not the rest of the body, or a NUL in the description" :
			     "DISK_ATTACH: flags or reserved not zero, a config_len that is not the rest of the body, or a NUL in the description";
		return -EPROTO;
	}
	if (net ? nfds < 1 || nfds > HV_VMM_NET_MAX_QUEUES : nfds != 1) {
		*why = net ? "NET_ATTACH: not one to four descriptors (the vif's taps)" :
			     "DISK_ATTACH: not one descriptor (the disk's target)";
		return -EBADF;
	}
	*json_r = json;
	*json_len_r = a->config_len;
	return 0;
}

void *vmmmsg_disk_attach_body(uint32_t disk, const char *json, size_t len, size_t *size_r)
{
	return attach_body(disk, json, len, size_r);
}

int vmmmsg_disk_attach(const void *body, size_t len, size_t nfds, struct hv_vmm_disk_attach *a,
		       const char **json_r, size_t *json_len_r, const char **why)
{
	return attach_check(false, body, len, nfds, a, json_r, json_len_r, why);
}

void *vmmmsg_net_attach_body(uint32_t vif, const char *json, size_t len, size_t *size_r)
{
	return attach_body(vif, json, len, size_r);
}

int vmmmsg_net_attach(const void *body, size_t len, size_t nfds, struct hv_vmm_net_attach *a,
		      const char **json_r, size_t *json_len_r, const char **why)
{
	struct hv_vmm_disk_attach d;
	int rc;

	/* one tap per queue pair; the description says how many */
	rc = attach_check(true, body, len, nfds, &d, json_r, json_len_r, why);
	if (!rc)
		memcpy(a, &d, sizeof(*a));
	return rc;
}

int vmmmsg_net_detach(const void *body, size_t len, struct hv_vmm_net_detach *d,
		      const char **why)
{
	if (len != sizeof(*d)) {
		*why = "NET_DETACH: the body is not a struct hv_vmm_net_detach";
		return -EPROTO;
	}
	memcpy(d, body, sizeof(*d));
	if (d->flags & ~(uint32_t)HV_VMM_NET_DETACH_FORCE || d->devid >= HV_VMM_NET_MAX_DEVICES) {
		*why = "NET_DETACH: unknown flags, or a devid of 8 or more";
		return -EPROTO;
	}
	return 0;
}

int vmmmsg_net_ejected(const void *body, size_t len, struct hv_vmm_net_ejected *e,
		       const char **why)
{
	if (len != sizeof(*e)) {
		*why = "NET_EJECTED: the body is not a struct hv_vmm_net_ejected";
		return -EPROTO;
	}
	memcpy(e, body, sizeof(*e));
	if (e->reserved || e->devid >= HV_VMM_NET_MAX_DEVICES) {
		*why = "NET_EJECTED: reserved not zero, or a devid of 8 or more";
		return -EPROTO;
	}
	return 0;
}

static int vdev_ok(const char *vdev)
{
	size_t n = strnlen(vdev, HV_VMM_VDEV_MAX);

	return n > 0 && n < HV_VMM_VDEV_MAX;
}

int vmmmsg_disk_detach(const void *body, size_t len, struct hv_vmm_disk_detach *d,
		       const char **why)
{
	if (len != sizeof(*d)) {
		*why = "DISK_DETACH: the body is not a struct hv_vmm_disk_detach";
		return -EPROTO;
	}
	memcpy(d, body, sizeof(*d));
	if (d->flags & ~(uint32_t)HV_VMM_DISK_DETACH_FORCE || d->reserved || !vdev_ok(d->vdev)) {
		*why = "DISK_DETACH: unknown flags, reserved not zero, or a vdev that is empty or not NUL-terminated";
		return -EPROTO;
	}
	return 0;
}

int vmmmsg_disk_ejected(const void *body, size_t len, struct hv_vmm_disk_ejected *e,
			const char **why)
{
	if (len != sizeof(*e)) {
		*why = "DISK_EJECTED: the body is not a struct hv_vmm_disk_ejected";
		return -EPROTO;
	}
	memcpy(e, body, sizeof(*e));
	if (!vdev_ok(e->vdev)) {
		*why = "DISK_EJECTED: a vdev that is empty or not NUL-terminated";
		return -EPROTO;
	}
	return 0;
}

int vmmmsg_trigger(const void *body, size_t len, struct hv_vmm_trigger *t, const char **why)
{
	if (len != sizeof(*t)) {
		*why = "TRIGGER: the body is not a struct hv_vmm_trigger";
		return -EPROTO;
	}
	memcpy(t, body, sizeof(*t));
	if (t->reserved[0] || t->reserved[1]) {
		*why = "TRIGGER: reserved not zero";
		return -EPROTO;
	}
	switch (t->trigger) {
	case HV_VMM_TRIGGER_RESET:
		if (t->arg) {
			*why = "TRIGGER: RESET takes no argument";
			return -EINVAL;
		}
		return 0;
	case HV_VMM_TRIGGER_NMI:
		return 0;
	case HV_VMM_TRIGGER_SYSRQ:
		if (t->arg < 0x21 || t->arg > 0x7e) {
			*why = "TRIGGER: a SysRq key must be a printable character";
			return -EINVAL;
		}
		return 0;
	default:
		*why = "TRIGGER: unknown trigger";
		return -EINVAL;
	}
}
