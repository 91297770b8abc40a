/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ring-3 side of virtio 1.x over PCI (uvirtio.c), shared by the disk
 * (ublk.c), network (unet.c) and balloon (uballoon.c) drivers: the transport (status, features,
 * queues, device configuration) through the structures the kernel found
 * and made user-accessible (struct user_pci), and split virtqueues that
 * the drivers poll (no MSI-X vector, VRING_AVAIL_F_NO_INTERRUPT). Memory
 * is identity-mapped, so an address is its bus address; rings and buffers
 * come from user_alloc() (user.c).
 */
#ifndef MINIOS_UVIRTIO_H
#define MINIOS_UVIRTIO_H

#include "minios.h"

#define VIRTIO_F_INDIRECT	(1UL << 28)
#define VIRTIO_F_VERSION_1	(1UL << 32)

#define VRING_AVAIL_NO_INTERRUPT 1
#define VRING_USED_NO_NOTIFY	1

/* One split virtqueue as the driver sees it. */
struct uvq {
	struct vring_desc *desc;
	volatile u16 *avail;	/* flags, idx, ring[] */
	volatile u16 *used;	/* flags, idx, then {u32 id, u32 len}[] */
	u64 notify;		/* its notification address */
	u16 max;		/* entries its memory holds */
	u16 qsize;		/* entries in use (a power of two) */
	u16 avail_idx, last_used, kicked_idx;
};

/* The transport. */
u8 uvirtio_status(const struct user_pci *p);
void uvirtio_set_status(const struct user_pci *p, u8 status);
int uvirtio_start(const struct user_pci *p, u64 want, u64 *features_r,
		  const char **why_r);
int uvirtio_queue(const struct user_pci *p, u16 idx, struct uvq *q, u16 min,
		  const char **why_r);
int uvirtio_driver_ok(const struct user_pci *p, const char **why_r);
u8 uvirtio_cfg_gen(const struct user_pci *p);
u8 uvirtio_cfg8(const struct user_pci *p, u32 off);
u16 uvirtio_cfg16(const struct user_pci *p, u32 off);
u32 uvirtio_cfg32(const struct user_pci *p, u32 off);
void uvirtio_cfg_w32(const struct user_pci *p, u32 off, u32 v);
u64 uvirtio_offered(const struct user_pci *p);

/* Virtqueues. */
int uvq_alloc(struct uvq *q, u16 max);
void uvq_post(struct uvq *q, u16 head);
void uvq_kick(struct uvq *q);
int uvq_used(struct uvq *q, u32 *id_r, u32 *len_r);
void uvq_post_notify(struct uvq *q, u16 head);
int uvq_await(struct uvq *q, const struct user_pci *p, u16 used_before,
	      u64 timeout_us, u32 *id_r);

#endif
