/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Split virtqueues (virtio 1.x, 2.7): the descriptor table, available and
 * used rings in guest memory.  This knows nothing of the transport: it
 * walks and fills rings and tells its caller what went wrong, and the
 * transport (virtio/pci.c) decides what a broken ring does to the device
 * and how the driver is interrupted.  Every ring is guest memory, written
 * by the guest at any time: each descriptor is copied once, then checked.
 */
#ifndef HV_VMM_VIRTIO_QUEUE_H
#define HV_VMM_VIRTIO_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

/* Buffers of one request in each direction (virtio-blk offers seg_max from it). */
#define VIRTIO_MAX_IOV 256

struct vm;
struct virtio_pci;

struct virtq {
	uint16_t size;		/* as set by the driver */
	uint16_t msix_vector;
	bool enabled;
	uint64_t desc, avail, used;
	uint16_t last_avail, used_idx;
	uint16_t signalled_used;	/* used_idx at the last interrupt decision */
	bool indirect;		/* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool event_idx;		/* VIRTIO_RING_F_EVENT_IDX negotiated */
	int kick_fd;		/* ioeventfd on this queue's notify address */
	struct virtio_pci *vp;	/* the transport's, for its kick callback */
	unsigned int index;
};

struct iov {
	void *base;
	uint32_t len;
};

/* One request popped from a queue: readable buffers, then writable ones. */
struct virtq_elem {
	uint16_t head;
	unsigned int nr_out, nr_in;
	struct iov out[VIRTIO_MAX_IOV];	/* device reads */
	struct iov in[VIRTIO_MAX_IOV];	/* device writes */
};

/*
 * Copies up to @len bytes, starting @skip bytes in, out of the @n guest
 * buffers @iov (a request's out[] or in[]) into @dst; returns how many
 * there were.  The copy is what a device checks: the guest may change its
 * buffers at any time.
 */
uint64_t virtq_iov_read(void *dst, const struct iov *iov, unsigned int n, uint64_t skip,
			uint64_t len);

/*
 * Whether @vq's size and ring addresses are acceptable: a power of two up
 * to @queue_max, aligned rings that lie wholly in @vm's RAM (with no @vm,
 * as in unit tests, the RAM check is skipped).
 */
bool virtq_valid(const struct virtq *vq, struct vm *vm, uint16_t queue_max);

/*
 * Takes the next available request off @vq into @e.  Returns 1 with a
 * request, 0 when the queue is empty (or its rings are not in @vm's RAM),
 * -1 when the ring is broken, with the reason in *@why_r; the caller must
 * then stop using the queue until the driver resets the device.
 */
int virtq_pop(struct virtq *vq, struct vm *vm, struct virtq_elem *e, const char **why_r);

/*
 * Gives back the last @n requests taken off @vq and not returned, as if
 * they had never been popped: the next virtq_pop() walks them again from
 * the ring (a device that took buffers it could not use, e.g. receive
 * buffers for a frame that did not come).  Only for requests popped in a
 * row, the newest ones.  With EVENT_IDX, avail_event may be left ahead of
 * them: the driver then kicks later than it could, which is allowed, and
 * the device must look at the queue again without waiting for a kick.
 */
void virtq_unpop(struct virtq *vq, unsigned int n);

/*
 * Returns request @e to the driver with @len bytes written, without deciding
 * about an interrupt: completing a batch costs one virtq_should_notify().
 */
void virtq_push_only(struct virtq *vq, struct vm *vm, const struct virtq_elem *e, uint32_t len);
/*
 * Whether the driver wants an interrupt for what was pushed since the last
 * call: its used_event with EVENT_IDX, else no VRING_AVAIL_F_NO_INTERRUPT.
 */
bool virtq_should_notify(struct virtq *vq, struct vm *vm);
/* virtq_push_only() and virtq_should_notify() in one. */
bool virtq_push(struct virtq *vq, struct vm *vm, const struct virtq_elem *e, uint32_t len);

#endif
