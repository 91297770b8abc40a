/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Split virtqueues: walking descriptor chains, the available and used rings. */
#include <stddef.h>
#include <string.h>
#include "kvm/vm.h"
#include "virtio/queue.h"

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_DESC_F_INDIRECT	4
#define VRING_AVAIL_F_NO_INTERRUPT 1

/* The rings of an enabled queue must lie wholly in guest RAM. */
bool virtq_valid(const struct virtq *vq, struct vm *vm, uint16_t queue_max)
{
	uint64_t n = vq->size;

	if (n == 0 || (n & (n - 1)) || n > queue_max)
		return false;
	if ((vq->desc & 15) || (vq->avail & 1) || (vq->used & 3))
		return false;
	if (!vm)
		return true;
	return vm_gpa(vm, vq->desc, 16 * n) &&
	       vm_gpa(vm, vq->avail, 6 + 2 * n) &&
	       vm_gpa(vm, vq->used, 6 + 8 * n);
}

static void *vq_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	return vm ? vm_gpa(vm, gpa, len) : NULL;
}

int virtq_pop(struct virtq *vq, struct vm *vm, struct virtq_elem *e, const char **why_r)
{
	uint16_t *avail = vq_ptr(vm, vq->avail, 4 + 2 * vq->size);
	struct vring_desc *table = vq_ptr(vm, vq->desc, 16ull * vq->size);
	uint16_t avail_idx, head, i;
	unsigned int n = 0;

	if (!avail || !table)
		return 0;
	avail_idx = __atomic_load_n(&avail[1], __ATOMIC_ACQUIRE);
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->size) {
		*why_r = "available index moved by more than the queue size";
		return -1;
	}
	if (avail_idx == vq->last_avail)
		return 0;
	head = __atomic_load_n(&avail[2 + vq->last_avail % vq->size], __ATOMIC_RELAXED);
	if (head >= vq->size) {
		*why_r = "descriptor index out of range";
		return -1;
	}
	e->head = head;
	e->nr_in = e->nr_out = 0;
	i = head;
	for (;;) {
		struct vring_desc d;
		void *p;

		/* one copy, so the guest cannot change it between check and use */
		memcpy(&d, &table[i], sizeof(d));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (++n > vq->size) {
			*why_r = "descriptor chain loops";
			return -1;
		}
		if (d.flags & VRING_DESC_F_INDIRECT) {
			*why_r = "indirect descriptor, which was not negotiated";
			return -1;
		}
		p = d.len ? vq_ptr(vm, d.addr, d.len) : NULL;
		if (d.len && !p) {
			*why_r = "descriptor points outside guest memory";
			return -1;
		}
		if (d.flags & VRING_DESC_F_WRITE) {
			if (e->nr_in == VIRTIO_MAX_IOV)
				goto too_long;
			e->in[e->nr_in++] = (struct iov){ p, d.len };
		} else {
			if (e->nr_in) {
				*why_r = "readable descriptor after a writable one";
				return -1;
			}
			if (e->nr_out == VIRTIO_MAX_IOV)
				goto too_long;
			e->out[e->nr_out++] = (struct iov){ p, d.len };
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (d.next >= vq->size) {
			*why_r = "next descriptor index out of range";
			return -1;
		}
		i = d.next;
	}
	vq->last_avail++;
	return 1;

too_long:
	*why_r = "descriptor chain longer than hv-vmm accepts";
	return -1;
}

bool virtq_push(struct virtq *vq, struct vm *vm, const struct virtq_elem *e, uint32_t len)
{
	uint16_t *avail = vq_ptr(vm, vq->avail, 4 + 2 * vq->size);
	uint8_t *used = vq_ptr(vm, vq->used, 4 + 8ull * vq->size);
	uint32_t ent[2] = { e->head, len };

	if (!used || !avail)
		return false;
	memcpy(used + 4 + 8 * (vq->used_idx % vq->size), ent, 8);
	vq->used_idx++;
	__atomic_store_n((uint16_t *)(used + 2), vq->used_idx, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(__atomic_load_n(&avail[0], __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT);
}
