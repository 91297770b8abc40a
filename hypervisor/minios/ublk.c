// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The virtio-blk driver, in ring 3 (native speed on every host): virtio
 * 1.x over the PCI structures blk.c found and mapped, one split queue per
 * disk, requests completed by polling the used ring (interrupts are
 * suppressed: no MSI-X vector, VRING_AVAIL_F_NO_INTERRUPT).
 */
#include "ublk.h"

#define UBLK_WANT (VBLK_F_SIZE_MAX | VBLK_F_SEG_MAX | VBLK_F_RO | \
		   VBLK_F_BLK_SIZE | VBLK_F_FLUSH | VBLK_F_MQ | \
		   VBLK_F_DISCARD | VBLK_F_WRITE_ZEROES | VIRTIO_F_INDIRECT | \
		   VIRTIO_F_VERSION_1)
#define UBLK_NO_VECTOR		0xffff
#define VRING_AVAIL_NO_INTERRUPT 1
#define VRING_USED_NO_NOTIFY	1

struct ublk ublk_disks[MAX_BLK];
int ublk_nr_disks;
static u64 ublk_mem_next;

static u8 ublk_c8(const struct ublk *d, u32 off)
{
	return mmio_read8(d->pci->common + off);
}

static u16 ublk_c16(const struct ublk *d, u32 off)
{
	return mmio_read16(d->pci->common + off);
}

static u32 ublk_c32(const struct ublk *d, u32 off)
{
	return mmio_read32(d->pci->common + off);
}

static void ublk_w8(const struct ublk *d, u32 off, u8 v)
{
	mmio_write8(d->pci->common + off, v);
}

static void ublk_w16(const struct ublk *d, u32 off, u16 v)
{
	mmio_write16(d->pci->common + off, v);
}

static void ublk_w32(const struct ublk *d, u32 off, u32 v)
{
	mmio_write32(d->pci->common + off, v);
}

/* 64-bit fields as two 32-bit writes, as the spec allows any device. */
static void ublk_w64(const struct ublk *d, u32 off, u64 v)
{
	ublk_w32(d, off, (u32)v);
	ublk_w32(d, off + 4, v >> 32);
}

static u32 ublk_cfg32(const struct ublk *d, u32 off)
{
	return mmio_read32(d->pci->device + off);
}

u8 ublk_status(const struct ublk *d)
{
	return ublk_c8(d, VC_STATUS);
}

u64 ublk_us(u64 t)
{
	u64 hz = user_config_page.tsc_hz;

	return t / hz * 1000000 + t % hz * 1000000 / hz;
}

static u64 ublk_tsc_after_us(u64 us)
{
	return rdtsc() + user_config_page.tsc_hz / 1000000 * us;
}

/*
 * User memory for rings and buffers, given out from user_config.blk_mem;
 * nothing is freed but by going back to a mark.
 */
void *ublk_alloc(u64 size, u64 align)
{
	u64 a;

	if (!ublk_mem_next)
		ublk_mem_next = user_config_page.blk_mem;
	a = (ublk_mem_next + align - 1) & ~(align - 1);
	if (!a || a + size < a || a + size > user_config_page.blk_mem_end)
		return NULL;
	ublk_mem_next = a + size;
	return (void *)a;
}

u64 ublk_alloc_mark(void)
{
	if (!ublk_mem_next)
		ublk_mem_next = user_config_page.blk_mem;
	return ublk_mem_next;
}

void ublk_alloc_release(u64 mark)
{
	ublk_mem_next = mark;
}

const char *ublk_status_name(int status)
{
	switch (status) {
	case VBLK_S_OK: return "ok";
	case VBLK_S_IOERR: return "ioerr";
	case VBLK_S_UNSUPP: return "unsupp";
	case UBLK_S_UNSET: return "no-status";
	case UBLK_S_TIMEOUT: return "timeout";
	case UBLK_S_RESET: return "needs-reset";
	}
	return "bad-status";
}

/* vda, vdb, ...: the disk and where its name ends, or NULL. */
struct ublk *ublk_by_name(const char *s, const char **end)
{
	int i;

	if (s[0] != 'v' || s[1] != 'd' || s[2] < 'a' || s[2] >= 'a' + MAX_BLK)
		return NULL;
	i = s[2] - 'a';
	if (end)
		*end = s + 3;
	return i < ublk_nr_disks ? &ublk_disks[i] : NULL;
}

static void ublk_read_config(struct ublk *d)
{
	u64 f = d->features;
	u8 gen;

	do {
		gen = ublk_c8(d, VC_CFGGEN);
		d->capacity = ublk_cfg32(d, 0) | (u64)ublk_cfg32(d, 4) << 32;
		d->size_max = f & VBLK_F_SIZE_MAX ? ublk_cfg32(d, 8) : 0;
		d->seg_max = f & VBLK_F_SEG_MAX ? ublk_cfg32(d, 12) : 0;
		d->blk_size = f & VBLK_F_BLK_SIZE ? ublk_cfg32(d, 20) : 512;
		d->num_queues = f & VBLK_F_MQ ? ublk_cfg32(d, 32) >> 16 : 1;
		d->max_discard_sectors = f & VBLK_F_DISCARD ? ublk_cfg32(d, 36) : 0;
		d->max_discard_seg = f & VBLK_F_DISCARD ? ublk_cfg32(d, 40) : 0;
		d->max_wz_sectors = f & VBLK_F_WRITE_ZEROES ? ublk_cfg32(d, 48) : 0;
		d->max_wz_seg = f & VBLK_F_WRITE_ZEROES ? ublk_cfg32(d, 52) : 0;
	} while (gen != ublk_c8(d, VC_CFGGEN));
	if (d->blk_size < 512 || (d->blk_size & (d->blk_size - 1)))
		d->blk_size = 512;
}

static void ublk_clear_queue(struct ublk *d)
{
	int s;

	memset(d->desc, 0, 16 * UBLK_MAX_QSIZE);
	memset((void *)d->avail, 0, 6 + 2 * UBLK_MAX_QSIZE);
	memset((void *)d->used, 0, 6 + 8 * UBLK_MAX_QSIZE);
	d->avail_idx = d->last_used = d->kicked_idx = 0;
	d->nbusy = 0;
	for (s = 0; s < UBLK_MAX_SLOTS; s++)
		d->slot[s].busy = 0;
}

/*
 * Reset, feature negotiation, queue 0, DRIVER_OK (virtio 1.x, 3.1.1).
 * Returns 0, or -1 with *why_r set.
 */
static int ublk_setup(struct ublk *d, const char **why_r)
{
	u64 end = ublk_tsc_after_us(1000000), offered;
	u16 max, q;
	u8 st;

	ublk_w8(d, VC_STATUS, 0);
	while (ublk_c8(d, VC_STATUS)) {
		if (rdtsc() > end) {
			*why_r = "the reset did not complete in 1 s";
			return -1;
		}
		cpu_relax();
	}
	ublk_w8(d, VC_STATUS, ST_ACK);
	ublk_w8(d, VC_STATUS, ST_ACK | ST_DRIVER);
	ublk_w32(d, VC_DFSELECT, 0);
	offered = ublk_c32(d, VC_DF);
	ublk_w32(d, VC_DFSELECT, 1);
	offered |= (u64)ublk_c32(d, VC_DF) << 32;
	if (!(offered & VIRTIO_F_VERSION_1)) {
		ublk_w8(d, VC_STATUS, ST_FAILED);
		*why_r = "no VIRTIO_F_VERSION_1 (a legacy device)";
		return -1;
	}
	d->features = offered & UBLK_WANT;
	ublk_w32(d, VC_GFSELECT, 0);
	ublk_w32(d, VC_GF, (u32)d->features);
	ublk_w32(d, VC_GFSELECT, 1);
	ublk_w32(d, VC_GF, d->features >> 32);
	ublk_w8(d, VC_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
	if (!(ublk_c8(d, VC_STATUS) & ST_FEATURES_OK)) {
		ublk_w8(d, VC_STATUS, ST_FAILED);
		*why_r = "FEATURES_OK refused";
		return -1;
	}
	ublk_w16(d, VC_MSIX, UBLK_NO_VECTOR);
	ublk_w16(d, VC_QSELECT, 0);
	max = ublk_c16(d, VC_QSIZE);
	for (q = UBLK_MAX_QSIZE; q > max; q >>= 1)
		;
	if (q < 2 * UBLK_DESC_PER_SLOT) {
		ublk_w8(d, VC_STATUS, ST_FAILED);
		*why_r = "queue 0 is too small (fewer than 8 entries)";
		return -1;
	}
	d->qsize = q;
	d->nslots = q / UBLK_DESC_PER_SLOT;
	ublk_clear_queue(d);
	d->avail[0] = VRING_AVAIL_NO_INTERRUPT;
	ublk_w16(d, VC_QSIZE, q);
	ublk_w16(d, VC_QMSIX, UBLK_NO_VECTOR);
	ublk_w64(d, VC_QDESC, (u64)d->desc);
	ublk_w64(d, VC_QDRIVER, (u64)d->avail);
	ublk_w64(d, VC_QDEVICE, (u64)d->used);
	d->notify = d->pci->notify +
		    (u64)ublk_c16(d, VC_QNOFF) * d->pci->notify_mult;
	ublk_w16(d, VC_QENABLE, 1);
	ublk_w8(d, VC_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
	st = ublk_c8(d, VC_STATUS);
	if (st & (ST_NEEDS_RESET | ST_FAILED) || !(st & ST_DRIVER_OK)) {
		*why_r = "the device did not accept DRIVER_OK";
		return -1;
	}
	return 0;
}

int ublk_reset(struct ublk *d)
{
	const char *why = NULL;

	d->ok = 0;
	if (ublk_setup(d, &why)) {
		user_printf("minios: blk %s reset FAILED: %s (status 0x%02x)\n",
			    d->name, why, ublk_status(d));
		return -1;
	}
	d->ok = 1;
	return 0;
}

static void ublk_get_id(struct ublk *d)
{
	char *id = ublk_alloc(UBLK_SECTOR, 64);
	int i, st;

	d->serial[0] = '\0';
	if (!id)
		return;
	memset(id, 0, 32);
	st = ublk_sync(d, VBLK_T_GET_ID, 0, id, 20);
	if (st != VBLK_S_OK) {
		lib_snprintf(d->serial, sizeof(d->serial), "(%s)",
			     ublk_status_name(st));
		return;
	}
	for (i = 0; i < 20 && id[i]; i++)
		d->serial[i] = id[i] > ' ' && id[i] < 127 ? id[i] : '?';
	d->serial[i] = '\0';
}

static int ublk_init(struct ublk *d, int idx)
{
	const char *why = NULL;
	u64 f;

	d->idx = idx;
	lib_snprintf(d->name, sizeof(d->name), "vd%c", 'a' + idx);
	d->pci = &user_config_page.blk[idx];
	if (!d->pci->ok)
		return -1;		/* blk.c said why */
	d->desc = ublk_alloc(16 * UBLK_MAX_QSIZE, 4096);
	d->avail = ublk_alloc(6 + 2 * UBLK_MAX_QSIZE, 64);
	d->used = ublk_alloc(6 + 8 * UBLK_MAX_QSIZE, 64);
	d->hdr = ublk_alloc(sizeof(struct vblk_hdr) * UBLK_MAX_SLOTS, 64);
	d->status = ublk_alloc(UBLK_MAX_SLOTS, 64);
	d->ind = ublk_alloc(sizeof(struct vring_desc) * UBLK_DESC_PER_SLOT *
			    UBLK_MAX_SLOTS, 64);
	if (!d->ind) {
		user_printf("minios: blk %s: no memory for its queue\n", d->name);
		return -1;
	}
	if (ublk_setup(d, &why)) {
		user_printf("minios: blk %s 00:%02x.%x: %s (status 0x%02x)\n",
			    d->name, d->pci->dev, d->pci->fn, why,
			    ublk_status(d));
		return -1;
	}
	d->ok = 1;
	ublk_read_config(d);
	ublk_get_id(d);
	f = d->features;
	user_printf("minios: blk %s capacity=%lu serial=%s ro=%d blk_size=%u seg_max=%u size_max=%u flush=%d discard=%d write_zeroes=%d queues=%u qsize=%u indirect=%d pci=00:%02x.%x\n",
		    d->name, d->capacity, d->serial[0] ? d->serial : "-",
		    !!(f & VBLK_F_RO), d->blk_size, d->seg_max, d->size_max,
		    !!(f & VBLK_F_FLUSH), !!(f & VBLK_F_DISCARD),
		    !!(f & VBLK_F_WRITE_ZEROES), d->num_queues, d->qsize,
		    !!(f & VIRTIO_F_INDIRECT), d->pci->dev, d->pci->fn);
	return 0;
}

/* Every disk blk.c found, in bus order: vda, vdb, ... */
void ublk_init_all(void)
{
	int i;

	ublk_nr_disks = user_config_page.nr_blk;
	for (i = 0; i < ublk_nr_disks; i++)
		ublk_init(&ublk_disks[i], i);
}

/*
 * The most data one request may carry: two segments (one if seg_max says
 * so) of at most size_max each, whole blocks, at most 4 MiB.
 */
u32 ublk_max_request(const struct ublk *d)
{
	u64 max = 4 << 20;

	if (d->size_max)
		max = (u64)d->size_max * (d->seg_max == 1 ? 1 : 2);
	if (max > 4 << 20)
		max = 4 << 20;
	return max & ~((u64)d->blk_size - 1);
}

/* The slot the next request takes: the lowest free one, or -1. */
int ublk_next_slot(const struct ublk *d)
{
	int s;

	if (d->nbusy >= d->nslots)
		return -1;
	for (s = 0; d->slot[s].busy; s++)
		;
	return s;
}

/*
 * Queues one request (not yet notified: ublk_kick()). The data, if any, is
 * one segment, or two where the request is one of every split_every or
 * larger than size_max; every indirect_every-th request goes through an
 * indirect table. Returns the slot, or -1 when all are busy.
 */
int ublk_submit(struct ublk *d, u32 type, u64 sector, void *buf, u32 len,
		u64 tag)
{
	u16 dflags = (type == VBLK_T_IN || type == VBLK_T_GET_ID) ? DESC_WRITE : 0;
	struct vring_desc *t;
	u32 first = len;
	int s, n = 1, ind;
	u16 base;

	s = ublk_next_slot(d);
	if (!d->ok || s < 0)
		return -1;
	ind = d->indirect_every && (d->features & VIRTIO_F_INDIRECT) &&
	      d->nr_submitted % d->indirect_every == 0;
	if (d->size_max && len > d->size_max)
		first = d->size_max;
	else if (d->split_every && len >= 2 * UBLK_SECTOR &&
		 d->nr_submitted % d->split_every == 1 &&
		 (!d->seg_max || d->seg_max >= 2))
		first = (len / 2 + UBLK_SECTOR - 1) & ~(UBLK_SECTOR - 1);
	if (len - first > first || (len > first && d->seg_max == 1))
		return -1;	/* past ublk_max_request(): never asked for */
	d->hdr[s] = (struct vblk_hdr){ type, 0, sector };
	d->status[s] = UBLK_S_UNSET;
	t = ind ? &d->ind[s * UBLK_DESC_PER_SLOT] : &d->desc[s * UBLK_DESC_PER_SLOT];
	base = ind ? 0 : s * UBLK_DESC_PER_SLOT;
	t[0] = (struct vring_desc){ (u64)&d->hdr[s], sizeof(struct vblk_hdr),
				    DESC_NEXT, base + 1 };
	if (len) {
		t[n] = (struct vring_desc){ (u64)buf, first, DESC_NEXT | dflags,
					    base + n + 1 };
		n++;
	}
	if (len > first) {
		t[n] = (struct vring_desc){ (u64)buf + first, len - first,
					    DESC_NEXT | dflags, base + n + 1 };
		n++;
	}
	t[n++] = (struct vring_desc){ (u64)&d->status[s], 1, DESC_WRITE, 0 };
	if (ind)
		d->desc[s * UBLK_DESC_PER_SLOT] = (struct vring_desc){
			(u64)t, n * sizeof(*t), DESC_INDIRECT, 0 };
	d->slot[s] = (struct ublk_slot){ 1, type, sector, len, tag };
	d->nbusy++;
	d->nr_submitted++;
	barrier();
	d->avail[2 + (d->avail_idx & (d->qsize - 1))] = s * UBLK_DESC_PER_SLOT;
	barrier();
	d->avail[1] = ++d->avail_idx;
	return s;
}

/* Notifies the device of what was queued, unless it said not to. */
void ublk_kick(struct ublk *d)
{
	if (d->kicked_idx == d->avail_idx)
		return;
	d->kicked_idx = d->avail_idx;
	/* the index store before the flag load (virtio 1.x, 2.7.13.4) */
	__asm__ volatile("mfence" ::: "memory");
	if (!(d->used[0] & VRING_USED_NO_NOTIFY))
		mmio_write16(d->notify, 0);
}

/*
 * One completion, if there is one: returns 1 with the slot (free again)
 * and the status the device wrote, 0 if none, -1 if the device returned an
 * id that is no request of ours (the disk is then given up).
 */
int ublk_poll(struct ublk *d, int *slot_r, int *status_r)
{
	volatile u32 *e;
	u32 id;
	int s;

	if (d->used[1] == d->last_used)
		return 0;
	barrier();
	e = (volatile u32 *)(d->used + 2) + 2 * (d->last_used & (d->qsize - 1));
	id = e[0];
	d->last_used++;
	s = id / UBLK_DESC_PER_SLOT;
	if (id >= d->qsize || id % UBLK_DESC_PER_SLOT || !d->slot[s].busy) {
		user_printf("minios: blk %s: the device returned id %u, which is no request in flight\n",
			    d->name, id);
		d->ok = 0;
		return -1;
	}
	d->slot[s].busy = 0;
	d->nbusy--;
	*slot_r = s;
	*status_r = d->status[s];
	return 1;
}

/*
 * Polls until a request completes (1), or until timeout_us passes or the
 * device needs a reset (-1, with *status_r UBLK_S_TIMEOUT or UBLK_S_RESET;
 * the disk is given up). The device status is read only after 10 ms
 * without a completion: each read is an exit.
 */
int ublk_wait(struct ublk *d, int *slot_r, int *status_r, u64 timeout_us)
{
	u64 start = rdtsc(), hz = user_config_page.tsc_hz;
	u64 end = start + hz / 1000000 * timeout_us, check = start + hz / 100;
	int r;

	for (;;) {
		r = ublk_poll(d, slot_r, status_r);
		if (r)
			return r;
		if (rdtsc() < check) {
			cpu_relax();
			continue;
		}
		check = rdtsc() + hz / 100;
		if (ublk_status(d) & ST_NEEDS_RESET) {
			*status_r = UBLK_S_RESET;
			break;
		}
		if (rdtsc() > end) {
			*status_r = UBLK_S_TIMEOUT;
			break;
		}
	}
	user_printf("minios: blk %s: %s with %u requests in flight (status 0x%02x avail %u used %u used.flags %u)\n",
		    d->name, ublk_status_name(*status_r), d->nbusy,
		    ublk_status(d), d->avail_idx, d->used[1], d->used[0]);
	d->ok = 0;
	return -1;
}

/* One request with nothing else in flight: its status. */
int ublk_sync(struct ublk *d, u32 type, u64 sector, void *buf, u32 len)
{
	int s, st;

	if (ublk_submit(d, type, sector, buf, len, 0) < 0)
		return UBLK_S_TIMEOUT;
	ublk_kick(d);
	if (ublk_wait(d, &s, &st, 30000000) < 0)
		return st;
	return st;
}

/* hostile cases: a chain the caller built, on the ring, notified. */
void ublk_post_head(struct ublk *d, u16 head)
{
	barrier();
	d->avail[2 + (d->avail_idx & (d->qsize - 1))] = head;
	barrier();
	d->avail[1] = ++d->avail_idx;
	d->kicked_idx = d->avail_idx;
	__asm__ volatile("mfence" ::: "memory");
	mmio_write16(d->notify, 0);
}

/*
 * After ublk_post_head(): 1 once the used index passes used_before (the
 * id in *id_r), 0 if the device set NEEDS_RESET instead, -1 on timeout.
 */
int ublk_await_raw(struct ublk *d, u16 used_before, u64 timeout_us, u32 *id_r)
{
	u64 end = ublk_tsc_after_us(timeout_us);

	for (;;) {
		if (d->used[1] != used_before) {
			barrier();
			*id_r = ((volatile u32 *)(d->used + 2))[2 * (used_before & (d->qsize - 1))];
			d->last_used = used_before + 1;
			return 1;
		}
		if (ublk_status(d) & ST_NEEDS_RESET)
			return 0;
		if (rdtsc() > end)
			return -1;
		cpu_relax();
	}
}
