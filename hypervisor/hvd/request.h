/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decoding and checking one hypercall request, with no socket and no
 * state: everything a request can be refused for by its bytes alone is
 * decided here, so the fuzz target (tests/fuzz/fuzz-hypercall.c) covers
 * it.  What needs the domain table (a name in use, a domain's state) is
 * decided by domain.c; a description is checked by libhv's own code
 * (hypervisor/shared/config/) when hvd reads it.
 */
#ifndef HVD_REQUEST_H
#define HVD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <public/hypercall.h>

#define REQUEST_MAX_VCPUS	64
#define REQUEST_MIN_MEMORY_MIB	16
#define REQUEST_MAX_MEMORY_MIB	(1ull << 22)	/* 4 TiB */

struct hvd_req {
	struct hv_hc_hdr hdr;		/* op and seq are valid for a reply even on error */
	union {
		struct hv_hc_domid domid;
		struct hv_hc_create_domain create;
		struct hv_hc_restore_domain restore;
		struct hv_hc_cancel cancel;
		struct hv_hc_add_device add_device;
		struct hv_hc_shutdown shutdown;
		struct hv_hc_rename rename;
		struct hv_hc_list list;
		struct hv_hc_save save;
		struct hv_hc_migrate migrate;
		struct hv_hc_dump_core dump_core;
		struct hv_hc_disk_attach disk_attach;
		struct hv_hc_disk_detach disk_detach;
		struct hv_hc_mem_target mem_target;
		struct hv_hc_mem_max mem_max;
		struct hv_hc_sched sched;
		struct hv_hc_migrated migrated;
		struct hv_hc_config_update config_update;
		struct hv_hc_nic_attach nic_attach;
		struct hv_hc_nic_detach nic_detach;
		struct hv_hc_trigger trigger;
		struct hv_hc_read_log read_log;
		struct hv_hc_stats stats;
		struct hv_hc_vcpu_pin vcpu_pin;
	} u;
	/*
	 * CREATE_DOMAIN, RESTORE_DOMAIN, SAVE: the description's JSON after the
	 * fixed part (DISK_ATTACH, NIC_ATTACH: the device's; CONFIG_UPDATE: the
	 * next start's), pointing into the decoded buffer
	 * (no NUL in it, none after it); NULL and 0 when there is none.
	 */
	const char *json;
	size_t json_len;
	/* SAVE, RESTORE_DOMAIN, MIGRATE_SEND with their SEALED flag: the key (HV_HC_KEY_SIZE
	 * bytes before the JSON, in the decoded buffer); else NULL */
	const uint8_t *key;
};

/*
 * Decodes the @len bytes of a received request that came with @nfds file
 * descriptors into *req.  Returns 0, or -HV_HC_E* for the error reply; in
 * both cases req->hdr.op and req->hdr.seq are what the reply echoes (0 if
 * the message was too short to have them).  req->json points into @buf,
 * which must outlive its use.
 */
int request_decode(const void *buf, size_t len, unsigned int nfds, struct hvd_req *req);

/* The number of hv_hc_dominfo entries that fit in one LIST reply. */
size_t request_list_fit(void);

#endif
