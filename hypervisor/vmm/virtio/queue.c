/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Split virtqueues: walking descriptor chains (direct and indirect), the
 * available and used rings, and EVENT_IDX notification suppression.
 */
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

/* The longest indirect table hv-vmm walks: every buffer of a full element. */
#define VIRTQ_INDIRECT_MAX (2 * VIRTIO_MAX_IOV)

uint64_t virtq_iov_read(void *dst, const struct iov *iov, unsigned int n, uint64_t skip,
			uint64_t len)
{
	uint64_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		uint64_t l = iov[i].len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		l -= skip;
		if (l > len - done)
			l = len - done;
		memcpy((uint8_t *)dst + done, (uint8_t *)iov[i].base + skip, l);
		done += l;
		skip = 0;
	}
	return done;
}

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

/* Adds one checked buffer to @e; NULL or the reason it is refused. */
static const char *elem_add(struct virtq_elem *e, struct vm *vm, const struct vring_desc *d)
{
	void *p = d->len ? vq_ptr(vm, d->addr, d->len) : NULL;

	if (d->len && !p)
		return "descriptor points outside guest memory";
	if (d->flags & VRING_DESC_F_WRITE) {
		if (e->nr_in == VIRTIO_MAX_IOV)
			return "descriptor chain longer than hv-vmm accepts";
		e->in[e->nr_in++] = (struct iov){ p, d->len };
	} else {
		if (e->nr_in)
			return "readable descriptor after a writable one";
		if (e->nr_out == VIRTIO_MAX_IOV)
			return "descriptor chain longer than hv-vmm accepts";
		e->out[e->nr_out++] = (struct iov){ p, d->len };
	}
	return NULL;
}

/*
 * Walks the indirect table @d points to (2.7.5.3): its own chain of at most
 * len / 16 descriptors, which may not be indirect again.
 */
static const char *elem_indirect(struct virtq_elem *e, struct vm *vm, const struct vring_desc *d)
{
	const struct vring_desc *table;
	uint32_t n = d->len / 16, i = 0, seen = 0;

	if (d->len == 0 || d->len % 16)
		return "indirect table length is not a multiple of 16";
	if (n > VIRTQ_INDIRECT_MAX)
		return "indirect table longer than hv-vmm accepts";
	table = vq_ptr(vm, d->addr, d->len);
	if (!table)
		return "indirect table outside guest memory";
	for (;;) {
		struct vring_desc id;
		const char *why;

		memcpy(&id, &table[i], sizeof(id));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (++seen > n)
			return "indirect descriptor chain loops";
		if (id.flags & VRING_DESC_F_INDIRECT)
			return "indirect descriptor inside an indirect table";
		why = elem_add(e, vm, &id);
		if (why)
			return why;
		if (!(id.flags & VRING_DESC_F_NEXT))
			return NULL;
		if (id.next >= n)
			return "indirect next index out of the table";
		i = id.next;
	}
}

/* Whether the available ring holds nothing new; tells the driver when to kick. */
static bool vq_empty(struct virtq *vq, struct vm *vm, uint16_t *avail, uint16_t *avail_idx)
{
	uint8_t *used;

	*avail_idx = __atomic_load_n(&avail[1], __ATOMIC_ACQUIRE);
	if (*avail_idx != vq->last_avail || !vq->event_idx)
		return *avail_idx == vq->last_avail;
	/*
	 * EVENT_IDX: ask for a kick on the next entry (avail_event, after the
	 * used ring), then look again, or a request added in between would
	 * wait for one that never comes.
	 */
	used = vq_ptr(vm, vq->used, 6 + 8ull * vq->size);
	if (!used)
		return true;
	__atomic_store_n((uint16_t *)(used + 4 + 8 * vq->size), vq->last_avail,
			 __ATOMIC_RELAXED);
	vm_mark_dirty(vm, used + 4 + 8 * vq->size, 2);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*avail_idx = __atomic_load_n(&avail[1], __ATOMIC_ACQUIRE);
	return *avail_idx == vq->last_avail;
}

int virtq_pop(struct virtq *vq, struct vm *vm, struct virtq_elem *e, const char **why_r)
{
	uint16_t *avail = vq_ptr(vm, vq->avail, 6 + 2 * vq->size);
	struct vring_desc *table = vq_ptr(vm, vq->desc, 16ull * vq->size);
	uint16_t avail_idx, head, i;
	unsigned int n = 0;
	const char *why;

	if (!avail || !table)
		return 0;
	if (vq_empty(vq, vm, avail, &avail_idx))
		return 0;
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->size) {
		*why_r = "available index moved by more than the queue size";
		return -1;
	}
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

		/* one copy, so the guest cannot change it between check and use */
		memcpy(&d, &table[i], sizeof(d));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (++n > vq->size) {
			*why_r = "descriptor chain loops";
			return -1;
		}
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (!vq->indirect)
				why = "indirect descriptor, which was not negotiated";
			else if (d.flags & VRING_DESC_F_NEXT)
				why = "indirect descriptor with a next one";
			else
				why = elem_indirect(e, vm, &d);
			if (why) {
				*why_r = why;
				return -1;
			}
			break;
		}
		why = elem_add(e, vm, &d);
		if (why) {
			*why_r = why;
			return -1;
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
}

void virtq_unpop(struct virtq *vq, unsigned int n)
{
	vq->last_avail -= n;
}

void virtq_push_only(struct virtq *vq, struct vm *vm, const struct virtq_elem *e, uint32_t len)
{
	uint8_t *used = vq_ptr(vm, vq->used, 6 + 8ull * vq->size);
	uint32_t ent[2] = { e->head, len };

	if (!used)
		return;
	/* a migration resends what the device wrote: its buffers, then the ring */
	for (unsigned int i = 0; i < e->nr_in; i++)
		vm_mark_dirty(vm, e->in[i].base, e->in[i].len);
	memcpy(used + 4 + 8 * (vq->used_idx % vq->size), ent, 8);
	vm_mark_dirty(vm, used + 4 + 8 * (vq->used_idx % vq->size), 8);
	vq->used_idx++;
	__atomic_store_n((uint16_t *)(used + 2), vq->used_idx, __ATOMIC_RELEASE);
	vm_mark_dirty(vm, used + 2, 2);
}

bool virtq_should_notify(struct virtq *vq, struct vm *vm)
{
	uint16_t *avail = vq_ptr(vm, vq->avail, 6 + 2 * vq->size);
	uint16_t old = vq->signalled_used, now = vq->used_idx, event;

	if (!avail || old == now)
		return false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->signalled_used = now;
	if (!vq->event_idx)
		return !(__atomic_load_n(&avail[0], __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT);
	/* used_event, after the available ring (2.7.10) */
	event = __atomic_load_n(&avail[2 + vq->size], __ATOMIC_RELAXED);
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

bool virtq_push(struct virtq *vq, struct vm *vm, const struct virtq_elem *e, uint32_t len)
{
	virtq_push_only(vq, vm, e, len);
	return virtq_should_notify(vq, vm);
}
