/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ring-3 virtio-blk driver (ublk.c) and its workloads (ublkwl.c,
 * ublkbench.c, ublkhostile.c). These files live in user pages (minios.ld):
 * they reach the device through uvirtio.c and the BAR pages blk.c made
 * user-accessible, and memory through the identity map, so a buffer's
 * address is its bus address.
 */
#ifndef MINIOS_UBLK_H
#define MINIOS_UBLK_H

#include "uvirtio.h"

#define UBLK_SECTOR		512

/* Request types and status (virtio 1.x, 5.2.6). */
#define VBLK_T_IN		0
#define VBLK_T_OUT		1
#define VBLK_T_FLUSH		4
#define VBLK_T_GET_ID		8
#define VBLK_T_DISCARD		11
#define VBLK_T_WRITE_ZEROES	13

#define VBLK_S_OK		0
#define VBLK_S_IOERR		1
#define VBLK_S_UNSUPP		2
#define UBLK_S_UNSET		0xff	/* the device did not write it */
#define UBLK_S_TIMEOUT		0x100	/* no completion in time */
#define UBLK_S_RESET		0x101	/* the device set NEEDS_RESET */

/* Feature bits. */
#define VBLK_F_SIZE_MAX		(1UL << 1)
#define VBLK_F_SEG_MAX		(1UL << 2)
#define VBLK_F_RO		(1UL << 5)
#define VBLK_F_BLK_SIZE		(1UL << 6)
#define VBLK_F_FLUSH		(1UL << 9)
#define VBLK_F_MQ		(1UL << 12)
#define VBLK_F_DISCARD		(1UL << 13)
#define VBLK_F_WRITE_ZEROES	(1UL << 14)

struct vblk_hdr {
	u32 type;
	u32 reserved;
	u64 sector;
};

/* DISCARD and WRITE_ZEROES carry one of these per range. */
struct vblk_range {
	u64 sector;
	u32 num_sectors;
	u32 flags;
};

/*
 * Descriptors per request: header, up to two data segments, status. Slot s
 * owns descriptors [4s, 4s + 4) and indirect table s.
 */
#define UBLK_DESC_PER_SLOT	4
#define UBLK_MAX_QSIZE		256
#define UBLK_MAX_SLOTS		(UBLK_MAX_QSIZE / UBLK_DESC_PER_SLOT)

struct ublk_slot {
	u8 busy;
	u32 type;
	u64 sector;
	u32 len;
	u64 tag;		/* the caller's */
};

struct ublk {
	int idx;
	char name[8];		/* vda, vdb, ... */
	const struct user_pci *pci;
	int ok;			/* set up and usable */
	u64 features;		/* negotiated */
	u64 capacity;		/* 512-byte sectors */
	u32 blk_size, seg_max, size_max;
	u32 max_discard_sectors, max_discard_seg;
	u32 max_wz_sectors, max_wz_seg;
	u16 num_queues;
	char serial[24];
	struct uvq q;		/* queue 0 */
	u16 nslots, nbusy;
	struct ublk_slot slot[UBLK_MAX_SLOTS];
	struct vblk_hdr *hdr;		/* one per slot */
	volatile u8 *status;		/* one per slot */
	struct vring_desc *ind;		/* UBLK_DESC_PER_SLOT per slot */
	int indirect_every;	/* every Nth request indirect (0: never) */
	int split_every;	/* N >= 2: every Nth data request in two segments */
	u64 nr_submitted;
};

extern struct ublk ublk_disks[MAX_BLK];
extern int ublk_nr_disks;

/* ublk.c */
void ublk_init_all(void);
int ublk_reset(struct ublk *d);
u8 ublk_status(const struct ublk *d);
u32 ublk_max_request(const struct ublk *d);
int ublk_next_slot(const struct ublk *d);
int ublk_submit(struct ublk *d, u32 type, u64 sector, void *buf, u32 len,
		u64 tag);
void ublk_kick(struct ublk *d);
int ublk_poll(struct ublk *d, int *slot_r, int *status_r);
int ublk_wait(struct ublk *d, int *slot_r, int *status_r, u64 timeout_us);
int ublk_sync(struct ublk *d, u32 type, u64 sector, void *buf, u32 len);
struct ublk *ublk_by_name(const char *s, const char **end);
const char *ublk_status_name(int status);

/* No completion for this long while requests are in flight: give up. */
#define UBLK_STALL_US		30000000

/* ublkbench.c */
#define UBLKBENCH_MODES		4	/* seqread seqwrite randread randwrite */
extern const char *const ublkbench_modes[UBLKBENCH_MODES];
void ublkbench_run(struct ublk *d, int mode, u32 qd, u64 limit, int limit_s);

/* ublkwl.c */
void ublkwl_start(void);
int ublkwl_busy(void);
void ublkwl_tick(u64 now);
void ublkwl_verify(void);

/* ublkhostile.c */
void ublkhostile_run(const char *name);

#endif
