// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostile=blk-NAME, in ring 3 on the first disk (vda): requests a broken
 * or malicious driver sends. Each sub-case prints what the device did:
 *   minios: hostile blk-NAME: WHAT -> RESULT (status 0xSS)
 * RESULT is ioerr (the request failed), needs-reset (the device set
 * NEEDS_RESET), or what must not happen: accepted, timeout, no-status
 * (completed without a status byte), unsupp. The device is reset after a
 * sub-case that left it needing one. At the end a plain read must work:
 *   minios: hostile blk-NAME done status=0xSS result=pass|FAIL after=ok|FAILED
 */
#include "ublk.h"

#define UBLKH_TIMEOUT_US	5000000
#define UBLKH_FAR		0x10000000000UL		/* 1 TiB: no RAM, no MMIO */

struct ublkh {
	const char *name;
	struct ublk *d;
	struct vblk_hdr *hdr;
	u8 *data;		/* 4 KiB */
	volatile u8 *status;
	struct vring_desc *ind;	/* indirect table, ind_len entries */
	u32 ind_len;
	u8 last_status;		/* the device status after the last sub-case */
	int bad;
};

/*
 * Posts the chain at descriptor 0, waits, prints what came of it; resets
 * the device if it needs it. ok_nostatus: completing the chain without a
 * status byte is acceptable (the status buffer was not writable).
 */
static void ublkh_post(struct ublkh *h, const char *what, int ok_nostatus)
{
	struct ublk *d = h->d;
	u16 before = d->q.used[1];
	const char *res;
	u32 id;
	int r, good;
	u8 sb;

	uvq_post_notify(&d->q, 0);
	r = uvq_await(&d->q, d->pci, before, UBLKH_TIMEOUT_US, &id);
	d->q.last_used = d->q.used[1];
	h->last_status = ublk_status(d);
	sb = *h->status;
	if (r == 0) {
		res = "needs-reset";
	} else if (r < 0) {
		res = "timeout";
	} else if (h->last_status & ST_NEEDS_RESET) {
		res = "needs-reset";
	} else {
		res = sb == VBLK_S_OK ? "accepted" : ublk_status_name(sb);
	}
	good = r == 0 || (h->last_status & ST_NEEDS_RESET) ||
	       (r > 0 && sb == VBLK_S_IOERR) ||
	       (r > 0 && ok_nostatus && sb == UBLK_S_UNSET);
	user_printf("minios: hostile %s: %s -> %s (status 0x%02x)\n", h->name,
		    what, res, h->last_status);
	h->bad |= !good;
	if (r <= 0 || (h->last_status & ST_NEEDS_RESET))
		ublk_reset(d);
}

/* desc[i] for the chain head, data, status of an IN request at sector 0. */
static void ublkh_chain(struct ublkh *h, struct vring_desc *t, u64 data,
			u32 len)
{
	*h->hdr = (struct vblk_hdr){ VBLK_T_IN, 0, 0 };
	*h->status = UBLK_S_UNSET;
	t[0] = (struct vring_desc){ (u64)h->hdr, sizeof(*h->hdr), DESC_NEXT, 1 };
	t[1] = (struct vring_desc){ data, len, DESC_NEXT | DESC_WRITE, 2 };
	t[2] = (struct vring_desc){ (u64)h->status, 1, DESC_WRITE, 0 };
}

static void ublkh_desc_loop(struct ublkh *h)
{
	struct vring_desc *t = h->d->q.desc;

	ublkh_chain(h, t, (u64)h->data, 512);
	t[1].next = 0;
	ublkh_post(h, "data descriptor chained back to the header", 0);
	ublkh_chain(h, t, (u64)h->data, 512);
	t[0].next = 0;
	ublkh_post(h, "header chained to itself", 0);
	if (!(h->d->features & VIRTIO_F_INDIRECT))
		return;
	ublkh_chain(h, h->ind, (u64)h->data, 512);
	h->ind[1].next = 0;
	t[0] = (struct vring_desc){ (u64)h->ind, 3 * sizeof(*t), DESC_INDIRECT, 0 };
	ublkh_post(h, "loop in an indirect table", 0);
}

static void ublkh_desc_oob(struct ublkh *h)
{
	struct vring_desc *t = h->d->q.desc;
	u64 top = user_config_page.ram_top;

	ublkh_chain(h, t, UBLKH_FAR, 4096);
	ublkh_post(h, "data at 1 TiB", 0);
	ublkh_chain(h, t, top - 512, 4096);
	ublkh_post(h, "data across the end of RAM", 0);
	ublkh_chain(h, t, (u64)h->data, 0xfffff000);
	ublkh_post(h, "data 4 GiB long", 0);
	ublkh_chain(h, t, (u64)h->data, 512);
	t[0].addr = UBLKH_FAR;
	ublkh_post(h, "header at 1 TiB", 0);
	ublkh_chain(h, t, (u64)h->data, 512);
	t[2].addr = UBLKH_FAR;
	ublkh_post(h, "status at 1 TiB", 1);
	ublkh_chain(h, t, (u64)h->data, 512);
	t[1].next = h->d->q.qsize + 3;
	ublkh_post(h, "next index past the queue", 0);
	if (!(h->d->features & VIRTIO_F_INDIRECT))
		return;
	t[0] = (struct vring_desc){ UBLKH_FAR, 3 * sizeof(*t), DESC_INDIRECT, 0 };
	ublkh_post(h, "indirect table at 1 TiB", 0);
}

/* Requests outside the disk: each must fail with IOERR. */
static void ublkh_sector(struct ublkh *h, const char *what, u32 type,
			 u64 sector, void *buf, u32 len)
{
	struct ublk *d = h->d;
	int st = ublk_sync(d, type, sector, buf, len);
	const char *res = st == VBLK_S_OK ? "accepted" : ublk_status_name(st);

	h->last_status = ublk_status(d);
	user_printf("minios: hostile %s: %s -> %s (status 0x%02x)\n", h->name,
		    what, res, h->last_status);
	h->bad |= st != VBLK_S_IOERR && st != UBLK_S_RESET;
	if (!d->ok || (h->last_status & ST_NEEDS_RESET))
		ublk_reset(d);
}

static void ublkh_sector_oob(struct ublkh *h)
{
	struct ublk *d = h->d;
	struct vblk_range *r = (struct vblk_range *)(h->data + 2048);
	u64 cap = d->capacity;

	ublkh_sector(h, "read at the capacity", VBLK_T_IN, cap, h->data, 512);
	memset(h->data, 0x6f, 1024);
	ublkh_sector(h, "write across the end", VBLK_T_OUT, cap - 1, h->data, 1024);
	ublkh_sector(h, "read at sector 2^63", VBLK_T_IN, 1UL << 63, h->data, 512);
	ublkh_sector(h, "read wrapping past sector 2^64", VBLK_T_IN, ~0UL - 3,
		     h->data, 4096);
	*r = (struct vblk_range){ cap - 8, 16, 0 };
	if (d->features & VBLK_F_DISCARD)
		ublkh_sector(h, "discard across the end", VBLK_T_DISCARD, 0, r,
			     sizeof(*r));
	*r = (struct vblk_range){ cap - 8, 16, 0 };
	if (d->features & VBLK_F_WRITE_ZEROES)
		ublkh_sector(h, "write-zeroes across the end",
			     VBLK_T_WRITE_ZEROES, 0, r, sizeof(*r));
}

/*
 * More data segments than seg_max: in an indirect table if the device
 * has them (where the chain may also be longer than the queue), else
 * directly if the queue is long enough.
 */
static void ublkh_seg_max(struct ublkh *h)
{
	struct ublk *d = h->d;
	u32 nseg = d->seg_max ? d->seg_max + 1 : d->q.qsize, n = nseg + 2, i;
	int ind = !!(d->features & VIRTIO_F_INDIRECT);
	struct vring_desc *t = ind ? h->ind : d->q.desc;
	u8 *bufs = user_alloc((u64)nseg * 512, 4096);
	char what[96];

	if (!bufs || (ind && n > h->ind_len) || (!ind && n > d->q.qsize)) {
		user_printf("minios: hostile %s: %u segments do not fit (queue %u, %s): skipped\n",
			    h->name, nseg, d->q.qsize,
			    ind ? "no memory" : "no indirect descriptors");
		return;
	}
	*h->hdr = (struct vblk_hdr){ VBLK_T_IN, 0, 0 };
	*h->status = UBLK_S_UNSET;
	t[0] = (struct vring_desc){ (u64)h->hdr, sizeof(*h->hdr), DESC_NEXT, 1 };
	for (i = 0; i < nseg; i++)
		t[1 + i] = (struct vring_desc){ (u64)bufs + 512 * i, 512,
						DESC_NEXT | DESC_WRITE, 2 + i };
	t[n - 1] = (struct vring_desc){ (u64)h->status, 1, DESC_WRITE, 0 };
	if (ind)
		d->q.desc[0] = (struct vring_desc){ (u64)t, n * sizeof(*t),
						  DESC_INDIRECT, 0 };
	lib_snprintf(what, sizeof(what), "%u data segments (seg_max %u)%s",
		     nseg, d->seg_max, ind ? " in an indirect table" : "");
	ublkh_post(h, what, 0);
}

static void ublkh_hdr_writable(struct ublkh *h)
{
	struct vring_desc *t = h->d->q.desc;

	ublkh_chain(h, t, (u64)h->data, 512);
	t[0].flags |= DESC_WRITE;
	ublkh_post(h, "header in a device-writable buffer", 0);
	ublkh_chain(h, t, (u64)h->data, 512);
	t[0].len = 8;
	ublkh_post(h, "header 8 bytes long", 0);
	ublkh_chain(h, t, (u64)h->data, 512);
	t[2].flags &= ~DESC_WRITE;
	ublkh_post(h, "status in a device-readable buffer", 1);
	ublkh_chain(h, t, (u64)h->data, 512);
	t[0].flags = 0;		/* the header alone: no data, no status */
	ublkh_post(h, "a chain of only the header", 1);
}

static const struct {
	const char *name;
	void (*run)(struct ublkh *h);
} ublkh_cases[] = {
	{ "blk-desc-loop", ublkh_desc_loop },
	{ "blk-desc-oob", ublkh_desc_oob },
	{ "blk-sector-oob", ublkh_sector_oob },
	{ "blk-seg-max", ublkh_seg_max },
	{ "blk-hdr-writable", ublkh_hdr_writable },
};

/* One case, or every one (blk-all), on vda. */
void ublkhostile_run(const char *name)
{
	u64 mark = user_alloc_mark();
	struct ublkh h = { name, NULL, NULL, NULL, NULL, NULL, 0, 0, 0 };
	int all = !lib_strncmp(name, "blk-all", 8), found = 0, st;
	u32 i;

	h.d = ublk_nr_disks ? &ublk_disks[0] : NULL;
	if (!h.d || !h.d->ok) {
		user_printf("minios: hostile %s: no usable virtio-blk disk\n", name);
		user_printf("minios: hostile %s done status=0x00 result=FAIL after=FAILED\n",
			    name);
		return;
	}
	h.ind_len = 4096;
	h.hdr = user_alloc(sizeof(*h.hdr), 64);
	h.status = user_alloc(1, 64);
	h.data = user_alloc(4096, 4096);
	h.ind = user_alloc(h.ind_len * sizeof(*h.ind), 4096);
	if (!h.ind) {
		user_printf("minios: hostile %s: no memory\n", name);
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(ublkh_cases); i++) {
		if (!all && lib_strncmp(name, ublkh_cases[i].name, 32))
			continue;
		found = 1;
		h.name = all ? ublkh_cases[i].name : name;
		if (!h.d->ok)
			ublk_reset(h.d);
		ublkh_cases[i].run(&h);
	}
	if (!found) {
		user_printf("minios: hostile %s: unknown case\n", name);
		h.bad = 1;
	}
	if (!h.d->ok || (ublk_status(h.d) & ST_NEEDS_RESET))
		ublk_reset(h.d);
	st = h.d->ok ? ublk_sync(h.d, VBLK_T_IN, 0, h.data, 512) : UBLK_S_RESET;
	user_printf("minios: hostile %s done status=0x%02x result=%s after=%s\n",
		    name, h.last_status, h.bad ? "FAIL" : "pass",
		    st == VBLK_S_OK ? "ok" : "FAILED");
out:
	user_alloc_release(mark);
}
