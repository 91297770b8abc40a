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

struct ublk ublk_disks[MAX_BLK];
int ublk_nr_disks;

u8 ublk_status(const struct ublk *d)
{
	return uvirtio_status(d->pci);
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
		gen = uvirtio_cfg_gen(d->pci);
		d->capacity = uvirtio_cfg32(d->pci, 0) | (u64)uvirtio_cfg32(d->pci, 4) << 32;
		d->size_max = f & VBLK_F_SIZE_MAX ? uvirtio_cfg32(d->pci, 8) : 0;
		d->seg_max = f & VBLK_F_SEG_MAX ? uvirtio_cfg32(d->pci, 12) : 0;
		d->blk_size = f & VBLK_F_BLK_SIZE ? uvirtio_cfg32(d->pci, 20) : 512;
		d->num_queues = f & VBLK_F_MQ ? uvirtio_cfg32(d->pci, 32) >> 16 : 1;
		d->max_discard_sectors = f & VBLK_F_DISCARD ? uvirtio_cfg32(d->pci, 36) : 0;
		d->max_discard_seg = f & VBLK_F_DISCARD ? uvirtio_cfg32(d->pci, 40) : 0;
		d->max_wz_sectors = f & VBLK_F_WRITE_ZEROES ? uvirtio_cfg32(d->pci, 48) : 0;
		d->max_wz_seg = f & VBLK_F_WRITE_ZEROES ? uvirtio_cfg32(d->pci, 52) : 0;
	} while (gen != uvirtio_cfg_gen(d->pci));
	if (d->blk_size < 512 || (d->blk_size & (d->blk_size - 1)))
		d->blk_size = 512;
}

/*
 * Reset, feature negotiation, queue 0, DRIVER_OK (virtio 1.x, 3.1.1).
 * Returns 0, or -1 with *why_r set.
 */
static int ublk_setup(struct ublk *d, const char **why_r)
{
	int s;

	if (uvirtio_start(d->pci, UBLK_WANT, &d->features, why_r) ||
	    uvirtio_queue(d->pci, 0, &d->q, 2 * UBLK_DESC_PER_SLOT, why_r))
		return -1;
	d->nslots = d->q.qsize / UBLK_DESC_PER_SLOT;
	d->nbusy = 0;
	for (s = 0; s < UBLK_MAX_SLOTS; s++)
		d->slot[s].busy = 0;
	return uvirtio_driver_ok(d->pci, why_r);
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
	char *id = user_alloc(UBLK_SECTOR, 64);
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
	d->hdr = user_alloc(sizeof(struct vblk_hdr) * UBLK_MAX_SLOTS, 64);
	d->status = user_alloc(UBLK_MAX_SLOTS, 64);
	d->ind = user_alloc(sizeof(struct vring_desc) * UBLK_DESC_PER_SLOT *
			    UBLK_MAX_SLOTS, 64);
	if (!d->ind || uvq_alloc(&d->q, UBLK_MAX_QSIZE)) {
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
		    !!(f & VBLK_F_WRITE_ZEROES), d->num_queues, d->q.qsize,
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
	t = ind ? &d->ind[s * UBLK_DESC_PER_SLOT] : &d->q.desc[s * UBLK_DESC_PER_SLOT];
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
		d->q.desc[s * UBLK_DESC_PER_SLOT] = (struct vring_desc){
			(u64)t, n * sizeof(*t), DESC_INDIRECT, 0 };
	d->slot[s] = (struct ublk_slot){ 1, type, sector, len, tag };
	d->nbusy++;
	d->nr_submitted++;
	uvq_post(&d->q, s * UBLK_DESC_PER_SLOT);
	return s;
}

/* Notifies the device of what was queued, unless it said not to. */
void ublk_kick(struct ublk *d)
{
	uvq_kick(&d->q);
}

/*
 * One completion, if there is one: returns 1 with the slot (free again)
 * and the status the device wrote, 0 if none, -1 if the device returned an
 * id that is no request of ours (the disk is then given up).
 */
int ublk_poll(struct ublk *d, int *slot_r, int *status_r)
{
	u32 id, len;
	int s;

	if (!uvq_used(&d->q, &id, &len))
		return 0;
	s = id / UBLK_DESC_PER_SLOT;
	if (id >= d->q.qsize || id % UBLK_DESC_PER_SLOT || !d->slot[s].busy) {
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
		    ublk_status(d), d->q.avail_idx, d->q.used[1], d->q.used[0]);
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
