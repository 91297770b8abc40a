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
static int pci_nr_bars;

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

int pci_find(u16 vendor, u16 device, int *dev_r, int *fn_r)
{
	int dev, fn;

	for (dev = 0; dev < 32; dev++)
		for (fn = 0; fn < 8; fn++) {
			u32 id = pci_read32(0, dev, fn, 0);

			if (id == ((u32)device << 16 | vendor)) {
				*dev_r = dev;
				*fn_r = fn;
				return 1;
			}
			if (fn == 0 && (id == 0xffffffff ||
					!(pci_read8(0, dev, 0, 0x0e) & 0x80)))
				break;
		}
	return 0;
}

int pci_addr_in_bar(u64 addr)
{
	int i;

	for (i = 0; i < pci_nr_bars; i++)
		if (addr >= pci_bars[i].addr &&
		    addr - pci_bars[i].addr < pci_bars[i].size)
			return 1;
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

void pci_scan(void)
{
	int dev, fn, n = 0;

	for (dev = 0; dev < 32; dev++) {
		for (fn = 0; fn < 8; fn++) {
			u32 id = pci_read32(0, dev, fn, 0);
			u32 class;

			if (id == 0xffffffff || id == 0) {
				if (fn == 0)
					break;
				continue;
			}
			class = pci_read32(0, dev, fn, 0x08) >> 8;
			con_printf("minios: pci 00:%02x.%x vendor=%04x device=%04x class=%06x\n",
				   dev, fn, id & 0xffff, id >> 16, class);
			pci_record_bars(dev, fn);
			n++;
			if (fn == 0 && !(pci_read8(0, dev, 0, 0x0e) & 0x80))
				break;
		}
	}
	con_printf("minios: pci devices=%d\n", n);
}
