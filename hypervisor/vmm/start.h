/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The domain's first request: BUILD (a new domain from its description,
 * its kernel and its disks) or RESTORE (a saved one from its image, with
 * the disks its description names now), as in
 * public/vmm.h.  hvd sends it on the control channel; a standalone
 * `hv-vmm run` makes the same request from its options.
 */
#ifndef HV_VMM_START_H
#define HV_VMM_START_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <hv/config.h>
#include "boot/boot.h"

struct vmm;

/* What the first request made of the domain. */
struct vmm_start {
	bool restoring;
	bool paused;		/* vCPUs park before their first run */
	char name[64];		/* the domain's, for messages */
	const char *dump_acpi;	/* standalone --dump-acpi DIR, or NULL */
	/* standalone --disk ...,serial=NAME: the serial of the description's
	 * disk i, instead of its vdev (NULL: the vdev) */
	const char *disk_serial[HV_DOMAIN_MAX_DISKS];
	struct boot_entry entry;	/* BUILD: where vCPU 0 starts */
};

/*
 * Builds or restores vmm->vm and its devices from the request @op
 * (HV_VMM_OP_BUILD or HV_VMM_OP_RESTORE) with body @body (@len bytes) and
 * descriptors @fds, which it closes.  Returns 0 once the domain is ready
 * to run (nothing has run yet), or -errno after logging why (the caller
 * destroys the VM).
 */
int start_request(struct vmm *vmm, uint16_t op, const void *body, size_t len, int *fds,
		  size_t nfds, struct vmm_start *st);

/*
 * hvd mode: waits for the first request on vmm->ctl_fd, carries it out and
 * replies (a failure with its reason).  0 or -errno.
 */
int start_from_control(struct vmm *vmm, struct vmm_start *st);

/*
 * One disk of a description, @d, with its target's descriptor @fd, into
 * @vd: read-only for ro and CD-ROMs, discard unless no-discard, O_DIRECT
 * for direct-io-safe, @serial (NULL: the vdev) for GET_ID, its queues and
 * rate limits, and its PCI slot (PLAT_PCI_SLOT_DISK0 + its disk number).
 */
struct vmm_disk;
void start_disk_conf(struct vmm_disk *vd, const hv_disk_spec *d, int fd, const char *serial,
		     unsigned int vcpus);
/*
 * One vif of a description, @n, with its taps @fds (one per queue pair),
 * into @vv: MAC, MTU, queue pairs, rate (Xen's credit) and PCI slot
 * (PLAT_PCI_SLOT_VIF0 + its devid).
 */
struct vmm_vif;
void start_vif_conf(struct vmm_vif *vv, const hv_vif_spec *n, const int *fds);

/*
 * A description (@len bytes of JSON) into @cfg (initialised by the caller),
 * checked as BUILD checks it; 0 or -errno after logging why.
 */
int start_decode(const char *text, size_t len, hv_domain_config *cfg);

#endif
