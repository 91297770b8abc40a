// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-console over modern virtio-pci (virtio 1.x): the capabilities in
 * config space, MSI-X, two split virtqueues (port 0: receiveq 0,
 * transmitq 1). Also the virtio cases of hostile=.
 */
#include "minios.h"

#define VIRTIO_VENDOR		0x1af4
#define VIRTIO_DEV_CONSOLE	0x1043

#define QSIZE		16
#define RXBUF		64

struct vq {
	struct vring_desc *desc;
	volatile u16 *avail;	/* flags, idx, ring[] */
	volatile u16 *used;	/* flags, idx, then {u32 id, u32 len}[] */
	u16 size;
	u16 avail_idx;
	u16 last_used;
	u64 notify;
};

static struct {
	int present;
	int dev, fn;
	u64 common, notify;	/* MSI-X: no ISR status; no device config */
	u32 common_len;
	u32 notify_mult;
	u64 msix_table;
	u16 msix_size;
	struct vq q[2];
} vcon;

static u8 vq_mem[2][8192] __attribute__((aligned(4096)));
static u8 rx_buf[QSIZE][RXBUF];
static char tx_buf[512];
static volatile u32 vcon_lock;

static u8 vc_read8(u32 off)
{
	return mmio_read8(vcon.common + off);
}

static u16 vc_read16(u32 off)
{
	return mmio_read16(vcon.common + off);
}

static void vc_write8(u32 off, u8 v)
{
	mmio_write8(vcon.common + off, v);
}

static void vc_write16(u32 off, u16 v)
{
	mmio_write16(vcon.common + off, v);
}

static void vc_write32(u32 off, u32 v)
{
	mmio_write32(vcon.common + off, v);
}

static void vc_write64(u32 off, u64 v)
{
	mmio_write32(vcon.common + off, (u32)v);
	mmio_write32(vcon.common + off + 4, v >> 32);
}

int virtio_con_present(void)
{
	return vcon.present;
}

u8 virtio_con_status(void)
{
	return vcon.common ? vc_read8(VC_STATUS) : 0;
}

/* The structures, and MSI-X enabled (its vectors are set below). */
static void virtio_find_caps(void)
{
	struct pci_virtio_caps c;

	pci_virtio_caps(vcon.dev, vcon.fn, &c);
	vcon.common = c.common;
	vcon.common_len = c.common_len;
	vcon.notify = c.notify;
	vcon.notify_mult = c.notify_mult;
	vcon.msix_table = c.msix_table;
	vcon.msix_size = c.msix_size;
	if (c.msix_cap)
		pci_write16(0, vcon.dev, vcon.fn, c.msix_cap + 2, c.msix_ctl | 0x8000);
}

static void virtio_msix_set(int entry, int vector)
{
	u64 e = vcon.msix_table + 16 * entry;

	if (!vcon.msix_table || entry >= vcon.msix_size)
		return;
	mmio_write32(e, 0xfee00000 | apic_bsp_id << 12);
	mmio_write32(e + 4, 0);
	mmio_write32(e + 8, vector);
	mmio_write32(e + 12, 0);
}

static int virtio_setup_queue(int qi, int vector_entry)
{
	struct vq *q = &vcon.q[qi];
	u8 *mem = vq_mem[qi];
	u16 size;

	vc_write16(VC_QSELECT, qi);
	size = vc_read16(VC_QSIZE);
	if (!size)
		return -1;
	if (size > QSIZE) {
		size = QSIZE;
		vc_write16(VC_QSIZE, size);
	}
	q->size = size;
	q->desc = (struct vring_desc *)mem;
	q->avail = (volatile u16 *)(mem + 1024);
	q->used = (volatile u16 *)(mem + 4096);
	q->avail_idx = 0;
	q->last_used = 0;
	vc_write64(VC_QDESC, (u64)q->desc);
	vc_write64(VC_QDRIVER, (u64)q->avail);
	vc_write64(VC_QDEVICE, (u64)q->used);
	vc_write16(VC_QMSIX, vector_entry);
	q->notify = vcon.notify + (u64)vc_read16(VC_QNOFF) * vcon.notify_mult;
	vc_write16(VC_QENABLE, 1);
	return 0;
}

static void virtio_kick(int qi)
{
	barrier();
	mmio_write16(vcon.q[qi].notify, qi);
}

static void virtio_post(int qi, u16 head)
{
	struct vq *q = &vcon.q[qi];

	q->avail[2 + q->avail_idx % q->size] = head;
	barrier();
	q->avail[1] = ++q->avail_idx;
}

/* All receive buffers on the receive queue, one index update, one kick. */
static void virtio_rx_refill(void)
{
	struct vq *q = &vcon.q[0];
	u16 i;

	for (i = 0; i < q->size; i++) {
		q->desc[i] = (struct vring_desc){ (u64)rx_buf[i], RXBUF,
						  DESC_WRITE, 0 };
		q->avail[2 + i] = i;
	}
	q->avail_idx = q->size;
	barrier();
	q->avail[1] = q->avail_idx;
	virtio_kick(0);
}

int virtio_con_init(void)
{
	u32 hi;
	u8 st;

	if (!pci_find(VIRTIO_VENDOR, VIRTIO_DEV_CONSOLE, &vcon.dev, &vcon.fn)) {
		con_puts("minios: virtio-console: none\n");
		return -1;
	}
	pci_write16(0, vcon.dev, vcon.fn, 0x04,
		    pci_read16(0, vcon.dev, vcon.fn, 0x04) | 0x6);
	virtio_find_caps();
	if (!vcon.common || !vcon.notify) {
		con_puts("minios: virtio-console: no common/notify capability (legacy device?)\n");
		return -1;
	}
	vc_write8(VC_STATUS, 0);
	while (vc_read8(VC_STATUS))
		cpu_relax();
	vc_write8(VC_STATUS, ST_ACK);
	vc_write8(VC_STATUS, ST_ACK | ST_DRIVER);
	vc_write32(VC_DFSELECT, 1);
	hi = mmio_read32(vcon.common + VC_DF);
	if (!(hi & 1)) {
		con_puts("minios: virtio-console: no VIRTIO_F_VERSION_1\n");
		vc_write8(VC_STATUS, ST_FAILED);
		return -1;
	}
	vc_write32(VC_GFSELECT, 0);
	vc_write32(VC_GF, 0);
	vc_write32(VC_GFSELECT, 1);
	vc_write32(VC_GF, 1);
	vc_write8(VC_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
	if (!(vc_read8(VC_STATUS) & ST_FEATURES_OK)) {
		con_puts("minios: virtio-console: FEATURES_OK refused\n");
		vc_write8(VC_STATUS, ST_FAILED);
		return -1;
	}
	virtio_msix_set(0, VEC_VIRTIO_CFG);
	virtio_msix_set(1, VEC_VIRTIO_RX);
	virtio_msix_set(2, VEC_VIRTIO_TX);
	vc_write16(VC_MSIX, 0);
	if (virtio_setup_queue(0, 1) || virtio_setup_queue(1, 2)) {
		con_puts("minios: virtio-console: queue setup failed\n");
		vc_write8(VC_STATUS, ST_FAILED);
		return -1;
	}
	vc_write8(VC_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
	st = vc_read8(VC_STATUS);
	if (st & (ST_NEEDS_RESET | ST_FAILED)) {
		con_printf("minios: virtio-console: status 0x%x\n", st);
		return -1;
	}
	vcon.present = 1;
	virtio_rx_refill();
	user_cfg->boot.virtio_ok = 1;		/* ring 3 says it on COM1 */
	virtio_con_write("minios: virtio-console ok\n", 26);
	return 0;
}

void virtio_con_write(const char *s, size_t n)
{
	struct vq *q = &vcon.q[1];
	u64 end;
	u16 target;

	if (!vcon.present)
		return;
	if (n > sizeof(tx_buf))
		n = sizeof(tx_buf);
	while (__atomic_exchange_n(&vcon_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	memcpy(tx_buf, s, n);
	q->desc[0].addr = (u64)tx_buf;
	q->desc[0].len = n;
	q->desc[0].flags = 0;
	q->desc[0].next = 0;
	virtio_post(1, 0);
	target = q->avail_idx;
	virtio_kick(1);
	end = rdtsc() + tsc_hz / 10;
	while (q->used[1] != target && rdtsc() < end)
		cpu_relax();
	q->last_used = q->used[1];
	if (q->last_used != target) {
		con_printf("minios: virtio-console: tx timeout, status 0x%x\n",
			   vc_read8(VC_STATUS));
		vcon.present = 0;
	}
	__atomic_store_n(&vcon_lock, 0, __ATOMIC_RELEASE);
}

void virtio_con_irq(void)
{
	struct vq *q = &vcon.q[0];
	int n = 0;

	if (!vcon.present)
		return;
	while (q->last_used != q->used[1] && n++ < 64) {
		volatile u32 *e = (volatile u32 *)(q->used + 2) +
				  2 * (q->last_used % q->size);
		u32 id = e[0], len = e[1], i;

		q->last_used++;
		if (id >= q->size)
			continue;
		for (i = 0; i < len && i < RXBUF; i++)
			con_input_char(rx_buf[id][i]);
		q->desc[id].len = RXBUF;
		virtio_post(0, id);
	}
	if (n)
		virtio_kick(0);
	if (vc_read8(VC_STATUS) & ST_NEEDS_RESET) {
		con_puts("minios: virtio-console: NEEDS_RESET\n");
		vcon.present = 0;
	}
}

/* Posts a chain on the transmit queue and waits a little for the device. */
static void virtio_hostile_post(u16 head)
{
	virtio_post(1, head);
	virtio_kick(1);
	udelay(20000);
}

int virtio_hostile(const char *name)
{
	struct vq *q = &vcon.q[1];
	struct vring_desc *d = q->desc;
	int i;

	if (!vcon.common)
		return 0;
	if (!lib_strncmp(name, "virtio-desc-oob", 16)) {
		vcon.present = 0;
		d[0] = (struct vring_desc){ 0xfffffffffff000UL, 0x7fffffff, 0, 0 };
		virtio_hostile_post(0);
		d[1] = (struct vring_desc){ ram_low_top - 16, 0x100000, 0, 0 };
		virtio_hostile_post(1);
		d[2] = (struct vring_desc){ acpi.ioapic_addr, 256, 0, 0 };
		virtio_hostile_post(2);
		d[3] = (struct vring_desc){ (u64)tx_buf, 0xffffffff, 0, 0 };
		virtio_hostile_post(3);
		d[4] = (struct vring_desc){ (u64)tx_buf, 8, DESC_NEXT, 200 };
		virtio_hostile_post(4);
		return 1;
	}
	if (!lib_strncmp(name, "virtio-desc-loop", 17)) {
		static struct vring_desc ind[2] __attribute__((aligned(16)));

		vcon.present = 0;
		memcpy(tx_buf, "loop\n", 5);
		d[0] = (struct vring_desc){ (u64)tx_buf, 5, DESC_NEXT, 1 };
		d[1] = (struct vring_desc){ (u64)tx_buf, 5, DESC_NEXT, 0 };
		virtio_hostile_post(0);
		d[2] = (struct vring_desc){ (u64)tx_buf, 5, DESC_NEXT, 2 };
		virtio_hostile_post(2);
		ind[0] = (struct vring_desc){ (u64)tx_buf, 5, DESC_NEXT, 1 };
		ind[1] = (struct vring_desc){ (u64)tx_buf, 5, DESC_NEXT, 0 };
		d[3] = (struct vring_desc){ (u64)ind, sizeof(ind), DESC_INDIRECT, 0 };
		virtio_hostile_post(3);
		/* an avail ring index far ahead of the ring */
		q->avail[1] = q->avail_idx + 1000;
		virtio_kick(1);
		udelay(20000);
		return 1;
	}
	if (!lib_strncmp(name, "virtio-bad-config", 18)) {
		u16 nq = vc_read16(VC_NUMQ);
		static const u16 sizes[] = { 0, 3, 0x8000, 0xffff };

		vcon.present = 0;
		vc_write16(VC_QSELECT, 0xffff);
		(void)vc_read16(VC_QSIZE);
		vc_write16(VC_QSIZE, 8);
		vc_write16(VC_QENABLE, 1);
		vc_write16(VC_QSELECT, nq + 5);
		vc_write64(VC_QDESC, 0x1000);
		vc_write16(VC_QENABLE, 1);
		for (i = 0; i < (int)ARRAY_SIZE(sizes); i++) {
			vc_write16(VC_QSELECT, 0);
			vc_write16(VC_QSIZE, sizes[i]);
			vc_write16(VC_QENABLE, 1);
			mmio_write16(vcon.q[0].notify, 0);
		}
		/* a queue at unmapped guest addresses, then used */
		vc_write16(VC_QSELECT, 1);
		vc_write16(VC_QSIZE, 16);
		vc_write64(VC_QDESC, 0xfffffffff000UL);
		vc_write64(VC_QDRIVER, 0xffffffff0000UL);
		vc_write64(VC_QDEVICE, ram_low_top + 0x1000);
		vc_write16(VC_QENABLE, 1);
		mmio_write16(vcon.q[1].notify, 1);
		udelay(10000);
		/* read-only fields */
		vc_write32(VC_DF, 0xffffffff);
		vc_write16(VC_NUMQ, 0xffff);
		vc_write8(VC_CFGGEN, 0xff);
		vc_write16(VC_QNOFF, 0xffff);
		/* feature select out of range, bogus MSI-X vectors */
		vc_write32(VC_DFSELECT, 0xffffffff);
		(void)mmio_read32(vcon.common + VC_DF);
		vc_write16(VC_MSIX, 0x7ff);
		/* past the end of the common structure */
		for (i = 0; i < 64; i += 4) {
			(void)mmio_read32(vcon.common + vcon.common_len + i);
			mmio_write32(vcon.common + vcon.common_len + i, 0xffffffff);
		}
		/* status bits the driver must not set on its own */
		vc_write8(VC_STATUS, ST_NEEDS_RESET | ST_DRIVER_OK);
		/* notify past the last queue, odd widths */
		mmio_write16(vcon.notify + (u64)(nq + 3) * vcon.notify_mult, 7);
		mmio_write32(vcon.q[1].notify, 0xffffffff);
		mmio_write8(vcon.q[1].notify + 1, 0xff);
		udelay(10000);
		return 1;
	}
	return 0;
}
