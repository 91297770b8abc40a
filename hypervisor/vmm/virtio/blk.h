/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-blk (virtio 1.x, 5.2) on the PCI transport: one disk backed by an
 * open file or block device.  Requests go to the host through io_uring
 * where the kernel has it, else through a small thread pool; the guest's
 * descriptor chains are hostile input, checked before any byte moves.
 */
#ifndef HV_VMM_VIRTIO_BLK_H
#define HV_VMM_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <public/vmm.h>

struct virtio_blk;
struct pci_bus;
struct vm;
struct loop;
struct state_io;
struct virtio_pci;

#define VIRTIO_BLK_SERIAL_MAX 20	/* GET_ID: at most 20 bytes, no NUL needed */

struct virtio_blk_conf {
	int fd;			/* the open target; the device owns it from create on */
	bool read_only;		/* VIRTIO_BLK_F_RO: writes fail with IOERR */
	bool discard;		/* offer DISCARD and WRITE_ZEROES */
	bool direct;		/* @fd is O_DIRECT: unaligned buffers are bounced */
	const char *serial;	/* GET_ID: the vdev ("xvda"); NULL: none */
	unsigned int nr_queues;	/* 1 to VIRTIO_BLK_MAX_QUEUES */
	unsigned int pci_slot;	/* 0: the first free one */
	uint64_t iops, iops_burst;	/* requests/s and bucket size; 0: unlimited */
	uint64_t bps, bps_burst;	/* bytes/s and bucket size; 0: unlimited */
	struct hv_vmm_diskstats *stats;	/* where to count (the statistics file's
					 * slot); NULL: the device's own */
};

#define VIRTIO_BLK_MAX_QUEUES 4

/*
 * Creates the device on @bus (its function is the next free slot).  On
 * success and on failure @conf->fd belongs to the device (closed by
 * virtio_blk_destroy(), or at once when creation fails).
 */
int virtio_blk_create(struct virtio_blk **blk_r, struct pci_bus *bus, struct vm *vm,
		      struct loop *loop, const struct virtio_blk_conf *conf);
/* Saves or loads the transport and the device (capacity, config). */
void virtio_blk_state(struct state_io *io, struct virtio_blk *blk);
/* After a load: queues checked, the image's capacity matched to the file. */
int virtio_blk_post_load(struct virtio_blk *blk);
/* Completes every request in flight (the vCPUs are stopped); before a save. */
void virtio_blk_quiesce(struct virtio_blk *blk);
/* Flushes the target's written data to storage (fdatasync): 0 or -errno. */
int virtio_blk_sync(struct virtio_blk *blk);
void virtio_blk_destroy(struct virtio_blk *blk);
/* The transport: its PCI function (hotplug, tests). */
struct virtio_pci *virtio_blk_pci(struct virtio_blk *blk);
/* Its counters so far (requests completed, by kind), vdev left out. */
void virtio_blk_stats(const struct virtio_blk *blk, struct hv_vmm_diskstats *st);
/* The disk's size in bytes, as the guest sees it. */
uint64_t virtio_blk_capacity(const struct virtio_blk *blk);

#endif
