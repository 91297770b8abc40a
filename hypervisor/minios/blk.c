// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-blk, the kernel's part: find every virtio-blk function on bus 0
 * and its virtio-pci structures, and make their pages user-accessible.
 * Everything else (reset, features, the queue, requests) is done by the
 * ring-3 driver, ublk.c: only configuration space needs the kernel (ports
 * 0xcf8/0xcfc), and ring 0 is emulated on some hosts.
 */
#include "minios.h"

#define BLK_VENDOR		0x1af4
#define BLK_DEVICE		0x1042	/* virtio 1.x, device type 2 */
#define BLK_DEVICE_TRANS	0x1001	/* transitional: subsystem id 2 */

#define PTE_US			0x004

/*
 * Marks the 2 MiB pages of [addr, addr + len) user-accessible; they stay
 * uncached (3-4 GiB) or are RAM pages that are user pages already.
 */
static int blk_map_user(u64 addr, u64 len)
{
	u64 a;

	if (!addr || !len || addr + len < addr || addr + len > 0x100000000UL)
		return -1;
	for (a = addr & ~0x1fffffUL; a < addr + len; a += 0x200000UL) {
		if (!(a >> 21))
			return -1;		/* the image's own 4 KiB pages */
		pd[a >> 21] |= PTE_US;
		__asm__ volatile("invlpg (%0)" : : "r"(a) : "memory");
	}
	return 0;
}

static void blk_probe_fn(struct blk_pci *b, int dev, int fn)
{
	struct pci_virtio_caps c;

	b->dev = dev;
	b->fn = fn;
	/* memory decode and bus master; no MSI-X: the driver polls */
	pci_write16(0, dev, fn, 0x04, pci_read16(0, dev, fn, 0x04) | 0x6);
	pci_virtio_caps(dev, fn, &c);
	if (!c.common || !c.notify || !c.device) {
		con_printf("minios: blk 00:%02x.%x: no virtio 1.x common/notify/device structure\n",
			   dev, fn);
		return;
	}
	if (blk_map_user(c.common, c.common_len ? c.common_len : 0x38) ||
	    blk_map_user(c.notify, 2) ||
	    blk_map_user(c.device, c.device_len ? c.device_len : 64) ||
	    (c.isr && blk_map_user(c.isr, 1))) {
		con_printf("minios: blk 00:%02x.%x: structures at 0x%lx/0x%lx outside the low 4 GiB map\n",
			   dev, fn, c.common, c.device);
		return;
	}
	b->common = c.common;
	b->notify = c.notify;
	b->isr = c.isr;
	b->device = c.device;
	b->common_len = c.common_len;
	b->notify_mult = c.notify_mult;
	b->device_len = c.device_len;
	b->ok = 1;
}

/* In bus order, which is the order of the disks (vda, vdb, ...). */
void blk_probe(void)
{
	const struct boot_report *r = &user_cfg->boot;
	int i;

	for (i = 0; i < r->nr_pci; i++) {
		u16 vendor = r->pci[i].id, device = r->pci[i].id >> 16;
		int dev = r->pci[i].dev, fn = r->pci[i].fn;

		if (vendor != BLK_VENDOR)
			continue;
		if (device != BLK_DEVICE &&
		    (device != BLK_DEVICE_TRANS ||
		     pci_read16(0, dev, fn, 0x2e) != 2))
			continue;
		if (user_cfg->nr_blk == MAX_BLK) {
			con_printf("minios: blk: more than %d disks, 00:%02x.%x left alone\n",
				   MAX_BLK, dev, fn);
			continue;
		}
		blk_probe_fn(&user_cfg->blk[user_cfg->nr_blk++], dev, fn);
	}
}
