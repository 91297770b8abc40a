/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Save and restore: a domain to and from the stream of docs/save-stream.md.
 *
 * Save pauses the vCPUs and writes, in this order: DOMAIN_CONFIG (given by
 * the caller), CPU_POLICY, MEMORY_LAYOUT, every page of RAM (holes in the
 * memfd and all-zero pages are left out), VM_STATE, one VCPU_STATE per
 * vCPU, DEVICE_STATE, END.
 *
 * Restore builds the VM from the stream: it reads and checks every record
 * before any vCPU exists, then creates the vCPUs, checks the CPU policy
 * against this host, loads the KVM and device state and raises the
 * generation page.  A regular file is read through a mapping, and the page
 * data of an aligned stream is mapped from it (MAP_PRIVATE) where it lies:
 * eager, every batch's CRC is checked on two CPUs before any vCPU runs, and
 * once the domain runs a thread gives every mapped page a copy of its own
 * (the domain then no longer depends on the file); with @lazy, a thread
 * checks the CRCs once the domain runs (a mismatch stops it) and the
 * domain depends on the file for its life.
 */
#ifndef HV_VMM_SAVE_H
#define HV_VMM_SAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <public/vmm.h>

struct vmm;

/* Called between chunks of memory; a non-zero return stops the save (-ECANCELED). */
struct save_progress {
	int (*fn)(void *opaque, uint64_t done, uint64_t total);
	void *opaque;
};

/*
 * Writes the domain to @fd with HV_VMM_SAVE_* @flags, sealed with @key
 * (HV_VMM_KEY_SIZE bytes; NULL: not sealed), which the caller wipes.  Returns 0 with
 * @res filled in, or -errno with the reason in @msg.  On failure the
 * domain is left running or paused as it was; on success it stays paused
 * unless HV_VMM_SAVE_RESUME is given and it was running.
 */
int vmm_save(struct vmm *vmm, int fd, uint32_t flags, const uint8_t *key,
	     const char *config, size_t config_len, const struct save_progress *pr,
	     struct hv_vmm_save_result *res, char *msg, size_t msg_len);

struct restore_options {
	int fd;				/* the image, from its current offset */
	const char *what;		/* its name, for messages */
	bool lazy;
	const uint8_t *key;		/* a sealed image's (HV_VMM_KEY_SIZE bytes), or NULL */
	uint64_t memory_mib;		/* 0: as the image says */
	/* also taken, when not 0: RAM from the description's memory (the
	 * target) to its maxmem (the cap, which may have grown since the save) */
	uint64_t memory_min_mib, memory_max_mib;
	unsigned int vcpus;		/* 0: as the image says */
	struct save_progress progress;
};

/*
 * Creates vmm->vm and its devices from the image.  Returns 0 once the
 * domain is ready to run (nothing has run yet), or -errno after saying why
 * on stderr; the caller then destroys the VM.
 */
int vmm_restore(struct vmm *vmm, const struct restore_options *o);

/*
 * Once the domain runs: starts, 20 ms later, what finishes a restore in
 * the background (eager: copying the memory out of the image; lazy:
 * checking the page data against its CRCs).  It reads all of the image at
 * memory speed; run at once, it measured delaying the restore's answer
 * (hv-vmm to hvd to the caller, a few ms) by up to 20 ms on two CPUs.
 */
void vmm_restore_start(struct vmm *vmm);

/*
 * Waits until an eager restore's memory no longer depends on its image
 * (saving onto that file is then allowed).
 */
void vmm_restore_settle(struct vmm *vmm);

/* Stops the thread that finishes a restore (lazy: the CRC checks). */
void vmm_restore_fini(struct vmm *vmm);

#endif
