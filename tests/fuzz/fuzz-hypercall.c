/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: hvd's request decoding (hypervisor/hvd/request.c), the
 * code every byte a client sends goes through before hvd acts on it.
 *
 * Input: byte 0 picks the number of descriptors the message "came with"
 * (bits 0-3) and whether to fix up the header (bit 7: right magic, version
 * and length, no flags, so the fuzzer reaches the bodies quickly); the
 * rest is the message.  The decoder must refuse or accept without a
 * crash, and what it accepts must hold the invariants hvd relies on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hcmsg.h"
#include "request.h"

static void check(int cond)
{
	if (!cond)
		abort();
}

static int nul_within(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void fuzz_check_accepted(const struct hvd_req *r, size_t len, unsigned int nfds)
{
	check(r->hdr.magic == HV_HC_MAGIC && r->hdr.version == HV_HC_VERSION);
	check(r->hdr.length == len && r->hdr.flags == 0 && r->hdr.status == 0);
	check(hcmsg_body_size(r->hdr.op, false) >= 0);
	check(nfds <= HV_HC_MAX_FDS);
	switch (r->hdr.op) {
	case HV_HC_DOMCTL_CREATE:
		check(nul_within(r->u.create.name, sizeof(r->u.create.name)));
		check(hcmsg_name_ok(r->u.create.name, sizeof(r->u.create.name)));
		check(r->u.create.vcpus >= 1 && r->u.create.vcpus <= r->u.create.maxvcpus);
		check(r->u.create.maxvcpus <= REQUEST_MAX_VCPUS);
		check(r->u.create.memory_mib >= REQUEST_MIN_MEMORY_MIB);
		check(r->u.create.maxmem_mib >= r->u.create.memory_mib);
		check(r->u.create.on_crash <= HV_HC_ACTION_RENAME_RESTART);
		check(nfds == 0);
		break;
	case HV_HC_DOMCTL_BUILD:
		check(nul_within(r->u.build.cmdline, sizeof(r->u.build.cmdline)));
		check(nfds == (r->u.build.flags & HV_HC_BUILD_INITRD ? 2u : 1u));
		break;
	case HV_HC_DOMCTL_RENAME:
		check(hcmsg_name_ok(r->u.rename.name, sizeof(r->u.rename.name)));
		check(nfds == 0);
		break;
	case HV_HC_DOMCTL_SHUTDOWN:
		check(r->u.shutdown.reason <= HV_HC_SHUTDOWN_REBOOT);
		break;
	case HV_HC_EVENT:
		check(0);	/* an event is never a request */
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg;
	struct hvd_req req;
	struct hv_hc_hdr reply;
	unsigned int nfds;
	size_t len;
	int rc;

	if (size < 1 || size > HV_HC_MSG_MAX + 64)
		return 0;
	nfds = data[0] & 0x0f;
	len = size - 1;
	msg = malloc(len ? len : 1);
	if (!msg)
		return 0;
	memcpy(msg, data + 1, len);
	if (data[0] & 0x80 && len >= sizeof(struct hv_hc_hdr)) {
		struct hv_hc_hdr h;

		memcpy(&h, msg, sizeof(h));
		h.magic = HV_HC_MAGIC;
		h.version = HV_HC_VERSION;
		h.length = (uint32_t)len;
		h.flags = 0;
		h.status = 0;
		h.reserved[0] = h.reserved[1] = 0;
		memcpy(msg, &h, sizeof(h));
	}
	rc = request_decode(msg, len, nfds, &req);
	check(rc <= 0 && rc >= -HV_HC_EVMM);
	if (rc == 0)
		fuzz_check_accepted(&req, len, nfds);
	/* the error reply hvd would send is itself well formed */
	hcmsg_header(&reply, req.hdr.op, HV_HC_F_REPLY, req.hdr.seq, rc, 0);
	if (rc && hcmsg_body_size(req.hdr.op, true) >= 0) {
		struct hv_hc_hdr back;

		check(hcmsg_check(&reply, sizeof(reply), &back) == 0);
	}
	free(msg);
	return 0;
}
