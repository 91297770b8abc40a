/* SPDX-License-Identifier: MIT */
#include <errno.h>
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
