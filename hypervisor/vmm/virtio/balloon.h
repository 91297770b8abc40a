/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-balloon (virtio 1.x, 5.5) on the PCI transport: every domain has
 * one, in PCI slot 23.  Pages the guest inflates or reports as free are
 * punched out of the RAM's memfd (kvm/vm.c: vm_ram_discard()), so the
 * host really gets them back; they read as zeros when the guest touches
 * them again.  The PFN arrays, reported ranges and statistics the guest
 * hands over are hostile input: a bad one breaks the queue (NEEDS_RESET).
 * Every function is called with the VM's io_lock held, but for the event
 * callback, which runs in the I/O thread without it.
 */
#ifndef HV_VMM_VIRTIO_BALLOON_H
#define HV_VMM_VIRTIO_BALLOON_H

#include <stdbool.h>
#include <stdint.h>
#include <public/vmm.h>
#include "virtio/pci.h"

#define VIRTIO_BALLOON_F_STATS_VQ		(1ull << 1)
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM		(1ull << 2)
#define VIRTIO_BALLOON_F_FREE_PAGE_HINT		(1ull << 3)	/* never offered */
#define VIRTIO_BALLOON_F_PAGE_POISON		(1ull << 4)
#define VIRTIO_BALLOON_F_REPORTING		(1ull << 5)

/* Most PFNs one inflate or deflate request may carry (Linux sends 256). */
#define VIRTIO_BALLOON_MAX_PFNS 16384
/* Most statistics one stats buffer may carry (there are 16 tags). */
#define VIRTIO_BALLOON_MAX_STATS 64
/* QUERY asks the guest for new statistics when these are older. */
#define VIRTIO_BALLOON_STATS_REFRESH_NS	1000000000ull
/* EV_BALLOON at most this often. */
#define VIRTIO_BALLOON_EVENT_NS		100000000ull

/* What a queue is, given the features the driver took (queues are numbered
 * only for the features negotiated). */
enum virtio_balloon_queue {
	VIRTIO_BALLOON_Q_INFLATE,
	VIRTIO_BALLOON_Q_DEFLATE,
	VIRTIO_BALLOON_Q_STATS,
	VIRTIO_BALLOON_Q_FREE_PAGE,
	VIRTIO_BALLOON_Q_REPORTING,
	VIRTIO_BALLOON_Q_NONE,
};
enum virtio_balloon_queue virtio_balloon_queue(uint64_t features, unsigned int q);

struct virtio_balloon_conf {
	/* BUILD: what the guest should have (0: all of its RAM); RESTORE: the
	 * target it starts with (0: as the image says) */
	uint64_t target_bytes;
	uint64_t ram_bytes;	/* 0: the VM's (tests without a VM say it) */
	bool deflate_on_oom;
	bool free_page_reporting;
	unsigned int pci_slot;	/* 0: the first free one */
	/* EV_BALLOON is due (I/O thread, io_lock not held); NULL: none */
	void (*event)(void *opaque, const struct hv_vmm_balloon *ev);
	void *event_opaque;
};

/* What the device did, for tests and -v. */
struct virtio_balloon_counters {
	uint64_t inflated_pages, deflated_pages;
	uint64_t reported_bytes;
	uint64_t punches;		/* fallocate calls: one per run of pages */
	uint64_t punched_bytes;
	uint64_t kept_bytes;		/* not punched: poisoned, or mapped from an image being copied */
	uint64_t stats_updates;
};

struct virtio_balloon {
	struct virtio_pci vp;
	struct virtio_dev_ops ops;
	struct virtio_balloon_conf conf;
	struct vm *vm;
	struct loop *loop;
	uint64_t ram_bytes;
	uint64_t target_bytes;
	/* configuration space */
	uint32_t num_pages, actual, poison_val;
	/* the statistics buffer the device holds until it wants new values */
	bool stats_held;
	uint16_t stats_head;
	uint64_t stats[HV_VMM_BALLOON_STATS];
	uint64_t stats_valid;
	uint64_t stats_ns;		/* when they came; 0: never */
	uint64_t stats_asked_ns;	/* when the buffer went back to the guest */
	/* EV_BALLOON's rate limit */
	int timer_fd;
	bool event_pending;
	bool ready;			/* made: events may go */
	uint64_t event_ns;		/* the last one */
	struct virtio_balloon_counters c;
	uint64_t *runs;			/* VIRTIO_BALLOON_MAX_PFNS memfd offsets */
	struct virtq_elem *elem;
};

int virtio_balloon_init(struct virtio_balloon *b, struct pci_bus *bus, struct vm *vm,
			struct loop *loop, const struct virtio_balloon_conf *conf);
void virtio_balloon_fini(struct virtio_balloon *b);

/*
 * MEM_TARGET: asks the guest to have @target_bytes (rounded down to whole
 * pages): num_pages becomes RAM - target and the driver gets a
 * configuration change interrupt.  -EINVAL for 0 or more than the RAM.
 */
int virtio_balloon_set_target(struct virtio_balloon *b, uint64_t target_bytes);
/*
 * QUERY's part: the sizes, the memfd's allocated bytes, the statistics by
 * tag.  With @refresh, statistics older than VIRTIO_BALLOON_STATS_REFRESH_NS
 * are asked for again (at most that often): the next QUERY has them.
 */
void virtio_balloon_info(struct virtio_balloon *b, struct hv_vmm_balloon_info *info,
			 bool refresh);
/* EV_BALLOON's body as of now. */
void virtio_balloon_event(struct virtio_balloon *b, struct hv_vmm_balloon *ev);

void virtio_balloon_state(struct state_io *io, struct virtio_balloon *b);
/* After a load: queues checked, the target the restore starts with applied. */
int virtio_balloon_post_load(struct virtio_balloon *b);
/* A restore of an image from before the balloon: the device as at boot. */
void virtio_balloon_load_absent(struct virtio_balloon *b);

#endif
