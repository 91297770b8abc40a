// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PCI configuration space through the type-1 ports, bus 0 only.
 */
#include "minios.h"

#define PCI_ADDR	0xcf8
#define PCI_DATA	0xcfc

struct pci_bar {
	u64 addr, size;
};

static struct pci_bar pci_bars[64];
static int pci_nr_bars, pci_bars_recorded;

static void pci_select(int bus, int dev, int fn, int off)
{
	outl(PCI_ADDR, 0x80000000u | bus << 16 | dev << 11 | fn << 8 |
		       (off & 0xfc));
}

u32 pci_read32(int bus, int dev, int fn, int off)
{
	pci_select(bus, dev, fn, off);
	return inl(PCI_DATA);
}

u16 pci_read16(int bus, int dev, int fn, int off)
{
	pci_select(bus, dev, fn, off);
	return inw(PCI_DATA + (off & 2));
}

u8 pci_read8(int bus, int dev, int fn, int off)
{
	pci_select(bus, dev, fn, off);
	return inb(PCI_DATA + (off & 3));
}

void pci_write32(int bus, int dev, int fn, int off, u32 v)
{
	pci_select(bus, dev, fn, off);
	outl(PCI_DATA, v);
}

void pci_write16(int bus, int dev, int fn, int off, u16 v)
{
	pci_select(bus, dev, fn, off);
	outw(PCI_DATA + (off & 2), v);
}

u64 pci_bar_addr(int bus, int dev, int fn, int bar)
{
	u32 lo = pci_read32(bus, dev, fn, 0x10 + 4 * bar);

	if (lo & 1)
		return lo & ~3u;
	if (((lo >> 1) & 3) == 2 && bar < 5)
		return (lo & ~0xfu) |
		       (u64)pci_read32(bus, dev, fn, 0x14 + 4 * bar) << 32;
	return lo & ~0xfu;
}

/*
 * The capability list, a dword per field (each config access costs two
 * exits): the header dword holds id, next, length and the virtio cfg_type
 * or the MSI-X message control; BAR addresses are read once each. The
 * first structure of each virtio type counts (virtio 1.x, 4.1.4).
 */
void pci_virtio_caps(int dev, int fn, struct pci_virtio_caps *c)
{
	u64 bars[6] = { 0 };
	int n = 0;
	u8 p;

	memset(c, 0, sizeof(*c));
	if (!(pci_read16(0, dev, fn, 0x06) & 0x10))
		return;
	for (p = pci_read8(0, dev, fn, 0x34) & 0xfc; p && n < 48; n++) {
		u32 hdr = pci_read32(0, dev, fn, p);
		u8 id = hdr, type = hdr >> 24, bar;
		u64 *where[] = { NULL, &c->common, &c->notify, &c->isr, &c->device };

		if (id == 0x11 && !c->msix_cap) {
			u32 t = pci_read32(0, dev, fn, p + 4);

			c->msix_cap = p;
			c->msix_ctl = hdr >> 16;
			c->msix_size = ((hdr >> 16) & 0x7ff) + 1;
			c->msix_table = pci_bar_addr(0, dev, fn, t & 7) + (t & ~7u);
		} else if (id == 0x09 && type >= 1 && type <= 4 && !*where[type] &&
			   (bar = pci_read8(0, dev, fn, p + 4)) <= 5) {
			if (!bars[bar])
				bars[bar] = pci_bar_addr(0, dev, fn, bar);
			if (bars[bar]) {
				*where[type] = bars[bar] + pci_read32(0, dev, fn, p + 8);
				if (type == 1)
					c->common_len = pci_read32(0, dev, fn, p + 12);
				else if (type == 2)
					c->notify_mult = pci_read32(0, dev, fn, p + 16);
				else if (type == 4)
					c->device_len = pci_read32(0, dev, fn, p + 12);
			}
		}
		p = (hdr >> 8) & 0xfc;
	}
}

#define PTE_US		0x004

/*
 * Marks the 2 MiB pages of [addr, addr + len) user-accessible; they stay
 * uncached (3-4 GiB) or are RAM pages that are user pages already.
 */
static int pci_map_user(u64 addr, u64 len)
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

/*
 * A virtio-pci function whose driver runs in ring 3 (a disk, a network
 * card: what names it in messages): memory decode and bus master on (no
 * MSI-X: the driver polls), its structures found and their pages made
 * user-accessible. u->ok says whether that worked; if not, this said why.
 */
void pci_virtio_user(struct user_pci *u, int dev, int fn, const char *what)
{
	struct pci_virtio_caps c;

	u->dev = dev;
	u->fn = fn;
	pci_write16(0, dev, fn, 0x04, pci_read16(0, dev, fn, 0x04) | 0x6);
	pci_virtio_caps(dev, fn, &c);
	if (!c.common || !c.notify || !c.device) {
		con_printf("minios: %s 00:%02x.%x: no virtio 1.x common/notify/device structure\n",
			   what, dev, fn);
		return;
	}
	if (pci_map_user(c.common, c.common_len ? c.common_len : 0x38) ||
	    pci_map_user(c.notify, 2) ||
	    pci_map_user(c.device, c.device_len ? c.device_len : 64) ||
	    (c.isr && pci_map_user(c.isr, 1))) {
		con_printf("minios: %s 00:%02x.%x: structures at 0x%lx/0x%lx outside the low 4 GiB map\n",
			   what, dev, fn, c.common, c.device);
		return;
	}
	u->common = c.common;
	u->notify = c.notify;
	u->isr = c.isr;
	u->device = c.device;
	u->common_len = c.common_len;
	u->notify_mult = c.notify_mult;
	u->device_len = c.device_len;
	u->ok = 1;
}

/*
 * Every virtio function of device type `type` (1 network, 2 block, 5
 * balloon) that pci_scan() found, in bus order (the order of the disks,
 * vda, vdb, ..., and of the network cards, eth0, eth1, ...), up to max:
 * modern (device 0x1040 + type) or transitional (0x1000-0x103f with
 * subsystem id type: the transitional ids are not 0x1000 + type - 1 for
 * every type, the balloon's is 0x1002). Each is set up for its ring-3
 * driver (pci_virtio_user()). Returns how many were found.
 */
int pci_virtio_probe(u16 type, struct user_pci *u, int max, const char *what)
{
	const struct boot_report *r = &user_cfg->boot;
	int i, n = 0;

	for (i = 0; i < r->nr_pci; i++) {
		u16 vendor = r->pci[i].id, device = r->pci[i].id >> 16;
		int dev = r->pci[i].dev, fn = r->pci[i].fn;

		if (vendor != 0x1af4)
			continue;
		if (device != 0x1040 + type &&
		    (device < 0x1000 || device > 0x103f ||
		     pci_read16(0, dev, fn, 0x2e) != type))
			continue;
		if (n == max) {
			con_printf("minios: %s: more than %d devices, 00:%02x.%x left alone\n",
				   what, max, dev, fn);
			continue;
		}
		pci_virtio_user(&u[n++], dev, fn, what);
	}
	return n;
}

/*
 * Looks in what pci_scan() found (each config access is an exit); only
 * before ring 3 runs, since ring 3 may write the report.
 */
int pci_find(u16 vendor, u16 device, int *dev_r, int *fn_r)
{
	const struct boot_report *b = &user_cfg->boot;
	int i;

	for (i = 0; i < b->nr_pci; i++)
		if (b->pci[i].id == ((u32)device << 16 | vendor)) {
			*dev_r = b->pci[i].dev;
			*fn_r = b->pci[i].fn;
			return 1;
		}
	return 0;
}

/* Sizes the memory BARs (decode off meanwhile) for pci_addr_in_bar(). */
static void pci_record_bars(int dev, int fn)
{
	u16 cmd = pci_read16(0, dev, fn, 0x04);
	int bar;

	if (pci_read8(0, dev, fn, 0x0e) & 0x7f)
		return;
	pci_write16(0, dev, fn, 0x04, cmd & ~3);
	for (bar = 0; bar < 6 && pci_nr_bars < (int)ARRAY_SIZE(pci_bars); bar++) {
		int off = 0x10 + 4 * bar;
		u32 lo = pci_read32(0, dev, fn, off), sz;
		int is64 = !(lo & 1) && ((lo >> 1) & 3) == 2;

		pci_write32(0, dev, fn, off, 0xffffffff);
		sz = pci_read32(0, dev, fn, off);
		pci_write32(0, dev, fn, off, lo);
		if (!(lo & 1) && sz) {
			pci_bars[pci_nr_bars].addr = pci_bar_addr(0, dev, fn, bar);
			pci_bars[pci_nr_bars].size = ~(sz & ~0xfu) + 1;
			pci_nr_bars++;
		}
		if (is64)
			bar++;
	}
	pci_write16(0, dev, fn, 0x04, cmd);
}

/*
 * Whether addr is in a memory BAR. The BARs are sized on the first call,
 * not at boot: only hostile=mmio asks, and sizing costs a dozen exits per
 * BAR.
 */
int pci_addr_in_bar(u64 addr)
{
	const struct boot_report *b = &user_cfg->boot;
	int i;

	if (!pci_bars_recorded) {
		u64 flags;

		/* decode is off meanwhile: no interrupt handler may use it */
		__asm__ volatile("pushfq; popq %0; cli"
				 : "=r"(flags) : : "memory");
		for (i = 0; i < b->nr_pci; i++)
			pci_record_bars(b->pci[i].dev, b->pci[i].fn);
		pci_bars_recorded = 1;
		if (flags & 0x200)
			__asm__ volatile("sti" ::: "memory");
	}
	for (i = 0; i < pci_nr_bars; i++)
		if (addr >= pci_bars[i].addr &&
		    addr - pci_bars[i].addr < pci_bars[i].size)
			return 1;
	return 0;
}

static void pci_add(struct boot_report *b, int dev, int fn, u32 id)
{
	if (b->nr_pci == MAX_PCI_FNS)
		return;
	b->pci[b->nr_pci].dev = dev;
	b->pci[b->nr_pci].fn = fn;
	b->pci[b->nr_pci].id = id;
	b->pci[b->nr_pci++].class = pci_read32(0, dev, fn, 0x08) >> 8;
}

/*
 * Bus 0: one read per empty slot (the loop is kept short: most slots are
 * empty), the functions of multi-function devices. Ring 3 prints what it
 * finds (struct boot_report).
 */
void pci_scan(void)
{
	struct boot_report *b = &user_cfg->boot;
	int dev, fn;

	for (dev = 0; dev < 32; dev++) {
		u32 id = pci_read32(0, dev, 0, 0);

		if (id == 0xffffffff || !id)
			continue;
		pci_add(b, dev, 0, id);
		if (!(pci_read8(0, dev, 0, 0x0e) & 0x80))
			continue;
		for (fn = 1; fn < 8; fn++) {
			id = pci_read32(0, dev, fn, 0);
			if (id != 0xffffffff && id)
				pci_add(b, dev, fn, id);
		}
	}
	if (opt_verbose)
		con_printf("minios: pci devices=%d\n", b->nr_pci);
}
