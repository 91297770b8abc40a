// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio 1.x over PCI, in ring 3: the transport (virtio 1.x, 4.1.4.3 and
 * 3.1.1) and polled split virtqueues, for ublk.c, unet.c and uballoon.c. Interrupts
 * are never used: no MSI-X vector, VRING_AVAIL_F_NO_INTERRUPT.
 */
#include "uvirtio.h"

#define UVIRTIO_NO_VECTOR	0xffff

static u8 uvirtio_c8(const struct user_pci *p, u32 off)
{
	return mmio_read8(p->common + off);
}

static u16 uvirtio_c16(const struct user_pci *p, u32 off)
{
	return mmio_read16(p->common + off);
}

static u32 uvirtio_c32(const struct user_pci *p, u32 off)
{
	return mmio_read32(p->common + off);
}

static void uvirtio_w16(const struct user_pci *p, u32 off, u16 v)
{
	mmio_write16(p->common + off, v);
}

static void uvirtio_w32(const struct user_pci *p, u32 off, u32 v)
{
	mmio_write32(p->common + off, v);
}

/* 64-bit fields as two 32-bit writes, as the spec allows any device. */
static void uvirtio_w64(const struct user_pci *p, u32 off, u64 v)
{
	uvirtio_w32(p, off, (u32)v);
	uvirtio_w32(p, off + 4, v >> 32);
}

u8 uvirtio_status(const struct user_pci *p)
{
	return uvirtio_c8(p, VC_STATUS);
}

void uvirtio_set_status(const struct user_pci *p, u8 status)
{
	mmio_write8(p->common + VC_STATUS, status);
}

u8 uvirtio_cfg_gen(const struct user_pci *p)
{
	return uvirtio_c8(p, VC_CFGGEN);
}

u8 uvirtio_cfg8(const struct user_pci *p, u32 off)
{
	return mmio_read8(p->device + off);
}

u16 uvirtio_cfg16(const struct user_pci *p, u32 off)
{
	return mmio_read16(p->device + off);
}

u32 uvirtio_cfg32(const struct user_pci *p, u32 off)
{
	return mmio_read32(p->device + off);
}

/* The device's configuration space is little-endian, as is x86. */
void uvirtio_cfg_w32(const struct user_pci *p, u32 off, u32 v)
{
	mmio_write32(p->device + off, v);
}

/* The features the device offers (a read-only field: any time). */
u64 uvirtio_offered(const struct user_pci *p)
{
	u64 offered;

	uvirtio_w32(p, VC_DFSELECT, 0);
	offered = uvirtio_c32(p, VC_DF);
	uvirtio_w32(p, VC_DFSELECT, 1);
	return offered | (u64)uvirtio_c32(p, VC_DF) << 32;
}

/*
 * Reset, ACKNOWLEDGE, DRIVER, the features offered and wanted (VERSION_1
 * is required), FEATURES_OK; no configuration-change vector. Returns 0,
 * or -1 with *why_r set (the device then has FAILED where it got that
 * far).
 */
int uvirtio_start(const struct user_pci *p, u64 want, u64 *features_r,
		  const char **why_r)
{
	u64 end = user_tsc_after_us(1000000), offered, f;

	uvirtio_set_status(p, 0);
	while (uvirtio_status(p)) {
		if (rdtsc() > end) {
			*why_r = "the reset did not complete in 1 s";
			return -1;
		}
		cpu_relax();
	}
	uvirtio_set_status(p, ST_ACK);
	uvirtio_set_status(p, ST_ACK | ST_DRIVER);
	offered = uvirtio_offered(p);
	if (!(offered & VIRTIO_F_VERSION_1)) {
		uvirtio_set_status(p, ST_FAILED);
		*why_r = "no VIRTIO_F_VERSION_1 (a legacy device)";
		return -1;
	}
	f = offered & (want | VIRTIO_F_VERSION_1);
	uvirtio_w32(p, VC_GFSELECT, 0);
	uvirtio_w32(p, VC_GF, (u32)f);
	uvirtio_w32(p, VC_GFSELECT, 1);
	uvirtio_w32(p, VC_GF, f >> 32);
	uvirtio_set_status(p, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
	if (!(uvirtio_status(p) & ST_FEATURES_OK)) {
		uvirtio_set_status(p, ST_FAILED);
		*why_r = "FEATURES_OK refused";
		return -1;
	}
	uvirtio_w16(p, VC_MSIX, UVIRTIO_NO_VECTOR);
	*features_r = f;
	return 0;
}

/* Ring memory for up to max entries (a power of two), from user_alloc(). */
int uvq_alloc(struct uvq *q, u16 max)
{
	memset(q, 0, sizeof(*q));
	q->desc = user_alloc(16UL * max, 4096);
	q->avail = user_alloc(6 + 2UL * max, 64);
	q->used = user_alloc(6 + 8UL * max, 64);
	if (!q->used)
		return -1;
	q->max = max;
	return 0;
}

/*
 * Queue idx with as many entries as the device and the ring memory allow
 * (at least min), cleared and enabled, interrupts suppressed. Returns 0,
 * or -1 with *why_r set and the device FAILED.
 */
int uvirtio_queue(const struct user_pci *p, u16 idx, struct uvq *q, u16 min,
		  const char **why_r)
{
	u16 max, n;

	uvirtio_w16(p, VC_QSELECT, idx);
	max = uvirtio_c16(p, VC_QSIZE);
	for (n = q->max; n > max; n >>= 1)
		;
	if (!n || n < min) {
		uvirtio_set_status(p, ST_FAILED);
		*why_r = max ? "a queue is too small" : "a queue is missing";
		return -1;
	}
	q->qsize = n;
	memset(q->desc, 0, 16UL * q->max);
	memset((void *)q->avail, 0, 6 + 2UL * q->max);
	memset((void *)q->used, 0, 6 + 8UL * q->max);
	q->avail_idx = q->last_used = q->kicked_idx = 0;
	q->avail[0] = VRING_AVAIL_NO_INTERRUPT;
	uvirtio_w16(p, VC_QSIZE, n);
	uvirtio_w16(p, VC_QMSIX, UVIRTIO_NO_VECTOR);
	uvirtio_w64(p, VC_QDESC, (u64)q->desc);
	uvirtio_w64(p, VC_QDRIVER, (u64)q->avail);
	uvirtio_w64(p, VC_QDEVICE, (u64)q->used);
	q->notify = p->notify + (u64)uvirtio_c16(p, VC_QNOFF) * p->notify_mult;
	uvirtio_w16(p, VC_QENABLE, 1);
	return 0;
}

int uvirtio_driver_ok(const struct user_pci *p, const char **why_r)
{
	u8 st;

	uvirtio_set_status(p, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
	st = uvirtio_status(p);
	if (st & (ST_NEEDS_RESET | ST_FAILED) || !(st & ST_DRIVER_OK)) {
		*why_r = "the device did not accept DRIVER_OK";
		return -1;
	}
	return 0;
}

/* Makes the chain at head available (the device is not notified). */
void uvq_post(struct uvq *q, u16 head)
{
	barrier();
	q->avail[2 + (q->avail_idx & (q->qsize - 1))] = head;
	barrier();
	q->avail[1] = ++q->avail_idx;
}

/* Notifies the device of what was posted, unless it said not to. */
void uvq_kick(struct uvq *q)
{
	if (q->kicked_idx == q->avail_idx)
		return;
	q->kicked_idx = q->avail_idx;
	/* the index store before the flag load (virtio 1.x, 2.7.13.4) */
	__asm__ volatile("mfence" ::: "memory");
	if (!(q->used[0] & VRING_USED_NO_NOTIFY))
		mmio_write16(q->notify, 0);
}

/*
 * The next used entry, if there is one: 1 with its id and length, else 0.
 * The id is the device's word: the caller checks it.
 */
int uvq_used(struct uvq *q, u32 *id_r, u32 *len_r)
{
	volatile u32 *e;

	if (q->used[1] == q->last_used)
		return 0;
	barrier();
	e = (volatile u32 *)(q->used + 2) + 2 * (q->last_used & (q->qsize - 1));
	*id_r = e[0];
	*len_r = e[1];
	q->last_used++;
	return 1;
}

/* hostile cases: a chain the caller built, posted and always notified. */
void uvq_post_notify(struct uvq *q, u16 head)
{
	uvq_post(q, head);
	q->kicked_idx = q->avail_idx;
	__asm__ volatile("mfence" ::: "memory");
	mmio_write16(q->notify, 0);
}

/*
 * After uvq_post_notify(): 1 once the used index passes used_before (the
 * id in *id_r), 0 if the device set NEEDS_RESET instead, -1 on timeout.
 * The device status is read every 10 ms: each read is an exit.
 */
int uvq_await(struct uvq *q, const struct user_pci *p, u16 used_before,
	      u64 timeout_us, u32 *id_r)
{
	u64 end = user_tsc_after_us(timeout_us), check = 0;

	for (;;) {
		if (q->used[1] != used_before) {
			volatile u32 *e = (volatile u32 *)(q->used + 2);

			barrier();
			*id_r = e[2 * (used_before & (q->qsize - 1))];
			q->last_used = used_before + 1;
			return 1;
		}
		if (rdtsc() >= check) {
			if (uvirtio_status(p) & ST_NEEDS_RESET)
				return 0;
			if (rdtsc() > end)
				return -1;
			check = user_tsc_after_us(10000);
		}
		cpu_relax();
	}
}
