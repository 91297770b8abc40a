/*
 * libFuzzer target: the control channel between hvd and hv-vmm, as both
 * ends read it (hypervisor/shared/wire/vmmmsg.c), and the domain
 * description a BUILD carries (hypervisor/shared/config/).  hv-vmm reads
 * what hvd sends and hvd what hv-vmm sends; neither trusts the other's
 * bytes (a compromised hv-vmm is a guest's way into hvd).
 *
 * The first input byte says how many descriptors "came" with the message
 * (0-3); the rest is the packet.  A BUILD's JSON is decoded and checked as
 * hv-vmm does, and a valid description must survive an encode and decode
 * round trip unchanged; so must RESTORE's, which may carry one since disks
 * came (with the disks' descriptors after the image's).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hv/config.h>
#include "config/ctx.h"
#include "wire/vmmmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_description(const char *text, size_t len)
{
	hv_domain_config cfg, back;
	hv_ctx ctx;
	char *json = strndup(text, len), *again = NULL, *third = NULL;

	if (!json)
		return;
	hv__ctx_init(&ctx);
	hv_domain_config_init(&cfg);
	hv_domain_config_init(&back);
	if (hv_config_from_json(&ctx, json, &cfg) == 0 &&
	    hv_config_validate(&ctx, &cfg, HV_CONFIG_VALIDATE_CREATE) == 0 &&
	    hv_config_to_json(&ctx, &cfg, &again) == 0) {
		/* what hvd stores after a rename: the same description again */
		if (hv_config_from_json(&ctx, again, &back) ||
		    hv_config_to_json(&ctx, &back, &third) || strcmp(again, third))
			abort();
	}
	free(third);
	free(again);
	hv_domain_config_dispose(&back);
	hv_domain_config_dispose(&cfg);
	hv__ctx_fini(&ctx);
	free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_vmm_msg m;
	const uint8_t *body;
	size_t nfds, len;

	if (size < 1)
		return 0;
	nfds = data[0] & 3;
	data++;
	size--;
	if (vmmmsg_check(data, size, &m))
		return 0;
	body = data + sizeof(m);
	len = size - sizeof(m);
	if (m.flags & HV_VMM_F_REPLY) {
		/* what hvd reads: a reply and the message of a failed one */
		const void *rest;
		size_t rest_len;
		char text[256];
		int status;

		if (vmmmsg_reply(body, len, &status, &rest, &rest_len) == 0) {
			if (status > 0 || status < -4095)
				abort();
			vmmmsg_reply_text(rest, rest_len, text, sizeof(text));
			for (size_t i = 0; text[i]; i++)
				if (text[i] < 0x20 || text[i] > 0x7e)
					abort();
		}
	} else if (m.op == HV_VMM_OP_BUILD) {
		struct hv_vmm_build b;
		const char *json, *why;
		size_t json_len;

		if (vmmmsg_build(body, len, nfds, &b, &json, &json_len, &why) == 0) {
			if (json_len != len - sizeof(b) || memchr(json, 0, json_len))
				abort();
			fuzz_description(json, json_len);
		}
	} else if (m.op == HV_VMM_OP_TRIGGER) {
		struct hv_vmm_trigger t;
		const char *why;

		/* what hv-vmm acts on: a key it can put on COM1 as one byte */
		if (vmmmsg_trigger(body, len, &t, &why) == 0 &&
		    (t.reserved[0] || t.reserved[1] ||
		     (t.trigger == HV_VMM_TRIGGER_SYSRQ && (t.arg < 0x21 || t.arg > 0x7e)) ||
		     (t.trigger == HV_VMM_TRIGGER_RESET && t.arg) ||
		     t.trigger < HV_VMM_TRIGGER_RESET || t.trigger > HV_VMM_TRIGGER_SYSRQ))
			abort();
	} else if (m.op == HV_VMM_OP_RESTORE) {
		struct hv_vmm_restore r;
		const char *json, *why;
		const uint8_t *key;
		size_t json_len;

		if (vmmmsg_restore(body, len, nfds, &r, &key, &json, &json_len, &why) == 0) {
			size_t klen = key ? HV_VMM_KEY_SIZE : 0;

			/* the image, and the disks only with a description */
			if (nfds < 1 || (!json && nfds != 1))
				abort();
			/* a key only with SEALED, never with LAZY, right after the struct */
			if (!key != !(r.flags & HV_VMM_RESTORE_SEALED) ||
			    (key && ((r.flags & HV_VMM_RESTORE_LAZY) ||
				     key != (const uint8_t *)body + sizeof(r))))
				abort();
			if (json) {
				if (json_len != len - sizeof(r) - klen || memchr(json, 0, json_len))
					abort();
				fuzz_description(json, json_len);
			}
		}
	}
	return 0;
}
