// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostile=NAME: things a broken or malicious guest does, to check that the
 * VMM survives them. Each case ends with
 *   minios: hostile NAME done status=0x..
 * (the virtio device status read back), then the run goes on.
 */
#include "minios.h"

/*
 * Ports the platform (docs/platform.md), QEMU or a PC use; the ports case
 * leaves them be, so that the guest itself keeps working (its console
 * above all).
 */
static const u16 hostile_used_ports[][2] = {
	{ 0x0000, 0x001f },	/* DMA */
	{ 0x0020, 0x0021 },	/* PIC */
	{ 0x0040, 0x0043 },	/* PIT */
	{ 0x0060, 0x0064 },	/* i8042, port 0x61 */
	{ 0x0070, 0x0071 },	/* RTC */
	/*
	 * QEMU's kvmvapic: a byte written there patches the guest's code
	 * before %rip, a word maps its ROM state over guest RAM.
	 */
	{ 0x007e, 0x007f },
	{ 0x0080, 0x009f },	/* POST, DMA pages, port 0x92 */
	{ 0x00a0, 0x00a1 },	/* PIC */
	{ 0x00b2, 0x00b3 },	/* APM / SMI */
	{ 0x00c0, 0x00df },	/* DMA */
	{ 0x0170, 0x0177 },	/* IDE */
	{ 0x01f0, 0x01f7 },
	{ 0x02f8, 0x02ff },	/* COM2 */
	{ 0x0376, 0x0376 },
	{ 0x0378, 0x037f },	/* LPT */
	{ 0x03b0, 0x03df },	/* VGA */
	{ 0x03f0, 0x03f7 },	/* floppy */
	{ 0x03f8, 0x03ff },	/* COM1, the console */
	{ 0x04d0, 0x04d1 },	/* ELCR */
	{ 0x0500, 0x051f },	/* pvpanic, fw_cfg */
	{ 0x0600, 0x06ff },	/* ACPI PM */
	{ 0x0cf8, 0x0cff },	/* PCI config, reset control 0xcf9 */
};

static int hostile_port_used(u32 port)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(hostile_used_ports); i++)
		if (port >= hostile_used_ports[i][0] &&
		    port <= hostile_used_ports[i][1])
			return 1;
	if (acpi.pm1a_evt && port >= acpi.pm1a_evt && port < acpi.pm1a_evt + 16)
		return 1;
	if (acpi.smi_cmd && port == acpi.smi_cmd)
		return 1;
	if (acpi.reset_space == 1 && port == acpi.reset_reg)
		return 1;
	if (acpi.sleep_space == 1 && port >= acpi.sleep_ctl &&
	    port < acpi.sleep_ctl + 2)
		return 1;
	return 0;
}

/* PCI I/O BARs on bus 0 are the devices' own ports: leave them too. */
static void hostile_mark_pci_io(u8 *map, u32 nmap)
{
	int dev, fn, bar;

	for (dev = 0; dev < 32; dev++)
		for (fn = 0; fn < 8; fn++) {
			u32 id = pci_read32(0, dev, fn, 0), p;

			if (id == 0xffffffff || !id)
				continue;
			if (pci_read8(0, dev, fn, 0x0e) & 0x7f)
				continue;
			for (bar = 0; bar < 6; bar++) {
				u32 b = pci_read32(0, dev, fn, 0x10 + 4 * bar);

				if (!(b & 1))
					continue;
				for (p = (b & ~3u) / 8; p < (b & ~3u) / 8 + 32 &&
						       p < nmap; p++)
					map[p] = 1;
			}
		}
}

static void hostile_ports(void)
{
	u32 port, n = 0;
	static u8 pci_io[0x1000 / 8];

	hostile_mark_pci_io(pci_io, sizeof(pci_io));
	for (port = 0; port < 0x1000; port++) {
		if (hostile_port_used(port) || pci_io[port / 8])
			continue;
		(void)inb(port);
		outb(port, 0xa5);
		if (!(port & 1)) {
			(void)inw(port);
			outw(port, 0x5aa5);
		}
		if (!(port & 3)) {
			(void)inl(port);
			outl(port, 0xdeadbeef);
		}
		n++;
	}
	con_printf("minios: hostile ports: %u ports\n", n);
}

static void hostile_mmio_at(u64 a)
{
	if (pci_addr_in_bar(a) || pci_addr_in_bar(a + 7))
		return;
	(void)mmio_read8(a);
	(void)mmio_read32(a);
	(void)*(volatile u64 *)a;
	mmio_write8(a, 0xa5);
	mmio_write32(a, 0xdeadbeef);
	mmio_write64(a, 0x0123456789abcdefUL);
	__asm__ volatile("lock incl %0" : "+m"(*(volatile u32 *)a));
}

static void hostile_mmio(void)
{
	u64 a;
	int n = 0;

	/* the PCI hole, away from the BARs */
	for (a = 0xc0000000UL; a < 0xfec00000UL; a += 0x1000000UL, n++)
		hostile_mmio_at(a + 0x800);
	hostile_mmio_at(0xfeb00000UL);
	hostile_mmio_at(0xfed00000UL);		/* where a HPET would be */
	hostile_mmio_at(0xfef00000UL);
	hostile_mmio_at(0xfffff000UL);
	/* above RAM, below the hole */
	for (a = (ram_low_top + 0xfff) & ~0xfffUL; a < 0xc0000000UL;
	     a += 0x4000000UL, n++)
		hostile_mmio_at(a);
	con_printf("minios: hostile mmio: %d places\n", n + 4);
}

static void hostile_pci(void)
{
	int dev, bar;

	/* absent devices, absent buses */
	for (dev = 0; dev < 32; dev++) {
		if (pci_read32(0, dev, 0, 0) != 0xffffffff)
			continue;
		pci_write32(0, dev, 0, 0x04, 0xffffffff);
		pci_write32(0, dev, 0, 0x10, 0xffffffff);
		pci_write32(0, dev, 7, 0x3c, 0x12345678);
	}
	pci_write32(1, 0, 0, 0x04, 0x7);
	pci_write32(255, 31, 7, 0xfc, 0xffffffff);
	(void)pci_read32(255, 31, 7, 0xfc);
	/* the host bridge: BAR sizing, then restore */
	for (bar = 0; bar < 6; bar++) {
		u32 old = pci_read32(0, 0, 0, 0x10 + 4 * bar);

		pci_write32(0, 0, 0, 0x10 + 4 * bar, 0xffffffff);
		(void)pci_read32(0, 0, 0, 0x10 + 4 * bar);
		pci_write32(0, 0, 0, 0x10 + 4 * bar, old);
	}
	pci_write32(0, 0, 0, 0x30, 0xfffff800);	/* expansion ROM */
	(void)pci_read32(0, 0, 0, 0x30);
	pci_write32(0, 0, 0, 0x30, 0);
	/* odd widths and offsets through 0xcfc..0xcff */
	outl(0xcf8, 0x80000000u | 0x01);
	(void)inl(0xcfc);
	outl(0xcf8, 0x80000000u);
	(void)inw(0xcfd);
	(void)inl(0xcfd);
	(void)inl(0xcfe);
	(void)inb(0xcff);
	outl(0xcf8, 0x80000000u | 0xfc);
	outw(0xcfe, 0xffff);
	outl(0xcf8, 0x7f000000u | 0x10);	/* enable bit clear */
	outl(0xcfc, 0xffffffff);
	outl(0xcf8, 0xffffffffu);		/* reserved bits set */
	(void)inl(0xcfc);
	outl(0xcfc, 0);
	outw(0xcf8, 0x1234);			/* partial address writes */
	outb(0xcfa, 0x56);
	(void)inw(0xcf8);
	outl(0xcf8, 0);
	con_puts("minios: hostile pci: done\n");
}

void hostile_run(const char *name)
{
	if (!lib_strncmp(name, "blk-", 4) || !lib_strncmp(name, "net-", 4) ||
	    !lib_strncmp(name, "balloon-", 8)) {
		/* the drivers are in ring 3, and so are these cases */
		memcpy(user_cfg->hostile3, name, sizeof(user_cfg->hostile3));
		user_cfg->hostile3[sizeof(user_cfg->hostile3) - 1] = '\0';
		return;
	}
	if (virtio_hostile(name))
		;
	else if (!lib_strncmp(name, "virtio-", 7))
		con_printf("minios: hostile %s: no virtio-console device\n", name);
	else if (!lib_strncmp(name, "ports", 6))
		hostile_ports();
	else if (!lib_strncmp(name, "mmio", 5))
		hostile_mmio();
	else if (!lib_strncmp(name, "pci", 4))
		hostile_pci();
	else
		con_printf("minios: hostile %s: unknown case\n", name);
	con_printf("minios: hostile %s done status=0x%02x\n", name,
		   virtio_con_status());
}
