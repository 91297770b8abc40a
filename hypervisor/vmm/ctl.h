/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control channel from hvd (hypervisor/include/public/vmm.h). */
#ifndef HV_VMM_CTL_H
#define HV_VMM_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <public/vmm.h>

struct vmm;

/* Checks that vmm->ctl_fd is a control channel: 0 or -EINVAL (said why). */
int ctl_check(struct vmm *vmm);
/* Serves requests on vmm->ctl_fd from the I/O loop. */
int ctl_init(struct vmm *vmm);
/* Listens for control connections at @path; a new one replaces the old. */
int ctl_listen(struct vmm *vmm, const char *path);
void ctl_close(struct vmm *vmm);
void ctl_event_running(struct vmm *vmm);
void ctl_event_exit(struct vmm *vmm, int status);
/* A disk is gone: the guest ejected it, or a forced detach removed it. */
void ctl_event_disk_ejected(struct vmm *vmm, const char *vdev);
/* HV_VMM_EV_BALLOON: the guest moved its balloon (rate-limited by the device). */
void ctl_event_balloon(struct vmm *vmm, const struct hv_vmm_balloon *ev);
/* A vif is gone, the same way; its taps are closed. */
void ctl_event_net_ejected(struct vmm *vmm, unsigned int devid);
/* HV_VMM_EV_PROGRESS (saves and restores); dropped if the channel is full. */
void ctl_event_progress(struct vmm *vmm, uint64_t done, uint64_t total);

/* HV_VMM_EV_MIGRATE: a migration's progress (any thread); dropped if the channel is full. */
void ctl_event_migrate(struct vmm *vmm, const struct hv_vmm_migrate_progress *p);

#endif
