/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "io.h"
#include "log.h"
#include "dev/pci.h"
#include "platform.h"
#include "snapshot/state.h"

#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_BAR0		0x10
#define PCI_SUBSYS_VENDOR	0x2c
#define PCI_CAP_PTR		0x34
#define PCI_INT_LINE		0x3c
#define PCI_CMD_MEM		0x0002
#define PCI_CMD_MASTER		0x0004
#define PCI_CMD_INTX_DISABLE	0x0400
#define PCI_STATUS_CAPS		0x0010
#define PCI_CAP_MSIX		0x11
#define MSIX_CTRL_ENABLE	0x8000
#define MSIX_CTRL_FMASK		0x4000
#define MSIX_ENTRY_MASKED	0x1

static uint16_t cfg16(const struct pci_dev *d, unsigned int off)
{
	return d->cfg[off] | (d->cfg[off + 1] << 8);
}

static uint32_t cfg32(const struct pci_dev *d, unsigned int off)
{
	return cfg16(d, off) | ((uint32_t)cfg16(d, off + 2) << 16);
}

static void set16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void set32(uint8_t *p, uint32_t v)
{
	set16(p, v);
	set16(p + 2, v >> 16);
}

/* --- BAR mapping -------------------------------------------------------- */

static void pci_bar_io_read(void *opaque, uint64_t off, void *data, unsigned int size);
static void pci_bar_io_write(void *opaque, uint64_t off, const void *data, unsigned int size);

static void pci_bar_update(struct pci_dev *d, unsigned int n)
{
	struct pci_bar *b = &d->bar[n];
	struct vm *vm = d->bus->vm;
	uint64_t addr = cfg32(d, PCI_BAR0 + 4 * n) & ~0xfull;
	bool want = (cfg16(d, PCI_COMMAND) & PCI_CMD_MEM) && b->size && addr &&
		    addr >= PLAT_PCI_MMIO_BASE &&
		    addr + b->size <= PLAT_PCI_MMIO_BASE + PLAT_PCI_MMIO_SIZE;

	if (want == b->mapped && (!want || addr == b->addr))
		return;
	if (b->mapped) {
		if (vm)
			vm_del_mmio(vm, b, b->addr);
		b->mapped = false;
		if (d->bar_mapped)
			d->bar_mapped(d, n, false);
	}
	if (!want)
		return;
	b->dev = d;
	b->index = n;
	if (vm) {
		struct io_range r = {
			.base = addr, .len = b->size, .opaque = b,
			.read = pci_bar_io_read, .write = pci_bar_io_write,
			.name = d->name,
		};

		if (vm_add_mmio(vm, &r)) {
			guest_warn("guest: %s BAR%u at 0x%llx overlaps another; left unmapped",
				   d->name, n, (unsigned long long)addr);
			return;
		}
	}
	b->addr = addr;
	b->mapped = true;
	if (d->bar_mapped)
		d->bar_mapped(d, n, true);
}

static void pci_bar_io_read(void *opaque, uint64_t off, void *data, unsigned int size)
{
	struct pci_bar *b = opaque;

	memset(data, 0xff, size);
	if (b->read)
		b->read(b->dev, off, data, size);
}

static void pci_bar_io_write(void *opaque, uint64_t off, const void *data, unsigned int size)
{
	struct pci_bar *b = opaque;

	if (b->write)
		b->write(b->dev, off, data, size);
}

/* --- MSI-X ------------------------------------------------------------- */

static bool msix_enabled(const struct pci_dev *d)
{
	uint16_t ctrl = cfg16(d, d->msix->cap + 2);

	return (ctrl & MSIX_CTRL_ENABLE) && !(ctrl & MSIX_CTRL_FMASK);
}

static bool msix_deliverable(const struct pci_dev *d, unsigned int v)
{
	return msix_enabled(d) && !(d->msix->table[v].ctrl & MSIX_ENTRY_MASKED);
}

static void msix_fire(struct pci_dev *d, unsigned int v)
{
	struct pci_msix *m = d->msix;
	struct vm *vm = d->bus->vm;
	uint64_t one = 1;

	if (!vm)
		return;
	if (!m->routed[v]) {
		uint64_t addr = ((uint64_t)m->table[v].addr_hi << 32) | m->table[v].addr_lo;

		if (vm_msi_route_set(vm, m->gsi[v], addr, m->table[v].data, true))
			return;
		m->routed[v] = true;
	}
	if (write(m->efd[v], &one, sizeof(one)) < 0)
		guest_warn("%s: MSI-X vector %u: %s", d->name, v, strerror(errno));
}

/* A vector became deliverable: send what was pending. */
static void msix_update(struct pci_dev *d)
{
	struct pci_msix *m = d->msix;

	for (unsigned int v = 0; v < m->nr; v++)
		if ((m->pba & (1ull << v)) && msix_deliverable(d, v)) {
			m->pba &= ~(1ull << v);
			msix_fire(d, v);
		}
}

void pci_msix_notify(struct pci_dev *d, unsigned int vec)
{
	struct pci_msix *m = d->msix;

	if (!m || vec >= m->nr)
		return;		/* no vector assigned (0xffff): nothing to send */
	if (msix_deliverable(d, vec))
		msix_fire(d, vec);
	else
		m->pba |= 1ull << vec;
}

static void msix_table_read(struct pci_dev *d, uint64_t off, void *data, unsigned int size)
{
	struct pci_msix *m = d->msix;
	uint64_t v = 0;

	if (off >= PCI_MSIX_PBA_OFF) {
		if (off - PCI_MSIX_PBA_OFF < 8)
			v = m->pba >> (8 * (off - PCI_MSIX_PBA_OFF));
	} else if (off < m->nr * 16ull && (off & 3) == 0 && (size == 4 || size == 8)) {
		const uint32_t *w = (const uint32_t *)&m->table[off / 16] + (off % 16) / 4;

		v = w[0];
		if (size == 8 && (off % 16) < 12)
			v |= (uint64_t)w[1] << 32;
	}
	io_put(data, size, v);
}

static void msix_table_write(struct pci_dev *d, uint64_t off, const void *data, unsigned int size)
{
	struct pci_msix *m = d->msix;
	uint64_t v = io_get(data, size);
	unsigned int vec = off / 16;

	if (off >= m->nr * 16ull || (off & 3) || (size != 4 && size != 8))
		return;		/* the PBA is read-only; odd accesses are ignored */
	for (unsigned int i = 0; i < size / 4 && (off % 16) + 4 * i < 16; i++) {
		uint32_t *w = (uint32_t *)&m->table[vec] + (off % 16) / 4 + i;
		uint32_t nv = (uint32_t)(v >> (32 * i));

		if ((off % 16) / 4 + i == 3)
			nv &= MSIX_ENTRY_MASKED;
		else if (*w != nv)
			m->routed[vec] = false;	/* address or data changed */
		*w = nv;
	}
	msix_update(d);
}

int pci_msix_init(struct pci_dev *d, struct pci_msix *m, unsigned int nr, unsigned int bar)
{
	uint8_t cap;

	if (nr == 0 || nr > PCI_MSIX_MAX || nr * 16 > PCI_MSIX_PBA_OFF ||
	    d->bar[bar].size < 0x1000)
		return -EINVAL;
	cap = pci_cap_add(d, PCI_CAP_MSIX, 12);
	if (!cap)
		return -ENOSPC;
	memset(m, 0, sizeof(*m));
	m->nr = nr;
	m->cap = cap;
	m->bar = bar;
	set16(&d->cfg[cap + 2], nr - 1);
	set16(&d->wmask[cap + 2], MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK);
	set32(&d->cfg[cap + 4], 0 | bar);
	set32(&d->cfg[cap + 8], PCI_MSIX_PBA_OFF | bar);
	for (unsigned int v = 0; v < nr; v++) {
		m->table[v].ctrl = MSIX_ENTRY_MASKED;
		m->efd[v] = -1;
		m->gsi[v] = -1;
	}
	d->msix = m;
	d->bar[bar].read = msix_table_read;
	d->bar[bar].write = msix_table_write;
	if (!d->bus->vm)
		return 0;
	for (unsigned int v = 0; v < nr; v++) {
		m->gsi[v] = vm_msi_route_alloc(d->bus->vm);
		m->efd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (m->gsi[v] < 0 || m->efd[v] < 0 ||
		    vm_irqfd(d->bus->vm, m->efd[v], m->gsi[v], true)) {
			err("%s: cannot set up MSI-X vector %u", d->name, v);
			return -EIO;
		}
	}
	return 0;
}

/* --- configuration space ------------------------------------------------ */

int pci_bus_init(struct pci_bus *bus, struct vm *vm)
{
	int rc;

	memset(bus, 0, sizeof(*bus));
	bus->vm = vm;
	bus->mmio_next = PLAT_PCI_MMIO_BASE;
	/* a generic host bridge: class 06.00.00 */
	rc = pci_dev_add(bus, &bus->host, 0x1b36, 0x0008, 0x060000, 0, 0);
	bus->host.name = "pci-host";
	return rc;
}

int pci_dev_add(struct pci_bus *bus, struct pci_dev *d, uint16_t vendor, uint16_t device,
		uint32_t class, uint16_t subsys_vendor, uint16_t subsys_id)
{
	return pci_dev_add_at(bus, d, 0, vendor, device, class, subsys_vendor, subsys_id);
}

int pci_dev_add_at(struct pci_bus *bus, struct pci_dev *d, unsigned int slot, uint16_t vendor,
		   uint16_t device, uint32_t class, uint16_t subsys_vendor, uint16_t subsys_id)
{
	bool any = !slot;	/* 0: the first free one */

	if (slot >= PCI_MAX_DEVS)
		return -EINVAL;
	if (slot && bus->devs[slot])
		return -EEXIST;
	while (any && slot < PCI_MAX_DEVS && bus->devs[slot])
		slot++;
	if (slot == PCI_MAX_DEVS)
		return -ENOSPC;
	d->bus = bus;
	d->slot = slot;
	memset(d->cfg, 0, sizeof(d->cfg));
	memset(d->wmask, 0, sizeof(d->wmask));
	set16(&d->cfg[0], vendor);
	set16(&d->cfg[2], device);
	set16(&d->cfg[PCI_COMMAND], PCI_CMD_MEM);
	d->cfg[8] = 1;				/* revision */
	d->cfg[9] = class;
	d->cfg[10] = class >> 8;
	d->cfg[11] = class >> 16;
	set16(&d->cfg[PCI_SUBSYS_VENDOR], subsys_vendor);
	set16(&d->cfg[PCI_SUBSYS_VENDOR + 2], subsys_id);
	set16(&d->wmask[PCI_COMMAND], PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_DISABLE);
	d->wmask[PCI_INT_LINE] = 0xff;
	d->cfg[0x3d] = 0;			/* no INTx pin: MSI-X only */
	bus->devs[slot] = d;
	return 0;
}

void pci_dev_remove(struct pci_dev *d)
{
	struct pci_bus *bus = d->bus;

	if (!bus || bus->devs[d->slot] != d)
		return;
	for (unsigned int n = 0; n < 6; n++) {
		struct pci_bar *b = &d->bar[n];

		if (!b->mapped)
			continue;
		if (bus->vm)
			vm_del_mmio(bus->vm, b, b->addr);
		b->mapped = false;
		if (d->bar_mapped)
			d->bar_mapped(d, n, false);
	}
	bus->devs[d->slot] = NULL;
}

int pci_bar_add(struct pci_dev *d, unsigned int n, uint32_t size)
{
	struct pci_bus *bus = d->bus;
	uint64_t addr;

	if (n >= 6 || size < 0x1000 || (size & (size - 1)))
		return -EINVAL;
	addr = (bus->mmio_next + size - 1) & ~((uint64_t)size - 1);
	if (addr + size > PLAT_PCI_MMIO_BASE + PLAT_PCI_MMIO_SIZE)
		return -ENOSPC;
	bus->mmio_next = addr + size;
	d->bar[n].size = size;
	set32(&d->cfg[PCI_BAR0 + 4 * n], addr);		/* 32-bit memory BAR */
	set32(&d->wmask[PCI_BAR0 + 4 * n], ~(size - 1));
	pci_bar_update(d, n);
	return 0;
}

uint8_t pci_cap_add(struct pci_dev *d, uint8_t id, unsigned int len)
{
	uint8_t off = d->cap_end ? d->cap_end : 0x40;

	if (off + len > PCI_CFG_SIZE)
		return 0;
	if (d->cap_last)
		d->cfg[d->cap_last + 1] = off;
	else
		d->cfg[PCI_CAP_PTR] = off;
	d->cfg[off] = id;
	d->cfg[off + 1] = 0;
	d->cfg[PCI_STATUS] |= PCI_STATUS_CAPS;
	d->cap_last = off;
	d->cap_end = (off + len + 3) & ~3u;
	return off;
}

static struct pci_dev *pci_addressed(struct pci_bus *bus, unsigned int *reg)
{
	uint32_t a = bus->addr_reg;

	if (!(a & 0x80000000u) || ((a >> 16) & 0xff) != 0 || ((a >> 8) & 7) != 0)
		return NULL;
	*reg = a & 0xfc;
	return bus->devs[(a >> 11) & 0x1f];
}

void pci_config_io_read(void *opaque, uint64_t off, void *data, unsigned int size)
{
	struct pci_bus *bus = opaque;
	struct pci_dev *d;
	unsigned int reg;
	uint64_t v = 0;

	if (off < 4) {
		if (off == 0 && size == 4)
			v = bus->addr_reg;
		else
			v = ~0ull;
		io_put(data, size, v);
		return;
	}
	d = pci_addressed(bus, &reg);
	reg += off - 4;
	if (!d || reg + size > PCI_CFG_SIZE) {
		io_put(data, size, ~0ull);
		return;
	}
	if (d->config_read)
		d->config_read(d, reg, size);
	memcpy(&v, &d->cfg[reg], size);
	io_put(data, size, v);
}

void pci_config_io_write(void *opaque, uint64_t off, const void *data, unsigned int size)
{
	struct pci_bus *bus = opaque;
	struct pci_dev *d;
	unsigned int reg;
	uint64_t v = io_get(data, size);
	bool bars = false, msix = false;

	if (off < 4) {
		if (off == 0 && size == 4)
			bus->addr_reg = v & 0x80fffffc;
		return;
	}
	d = pci_addressed(bus, &reg);
	reg += off - 4;
	if (!d || reg + size > PCI_CFG_SIZE) {
		if (!d && (bus->addr_reg & 0x80000000u))
			guest_warn("guest: PCI config write to absent device %02x:%02x.%u, ignored",
				   (bus->addr_reg >> 16) & 0xff, (bus->addr_reg >> 11) & 0x1f,
				   (bus->addr_reg >> 8) & 7);
		return;
	}
	for (unsigned int i = 0; i < size; i++) {
		unsigned int r = reg + i;
		uint8_t b = v >> (8 * i);

		d->cfg[r] = (d->cfg[r] & ~d->wmask[r]) | (b & d->wmask[r]);
		if (r == PCI_COMMAND || (r >= PCI_BAR0 && r < PCI_BAR0 + 24))
			bars = true;
		if (d->msix && r >= d->msix->cap + 2u && r < d->msix->cap + 4u)
			msix = true;
	}
	if (bars)
		for (unsigned int n = 0; n < 6; n++)
			if (d->bar[n].size)
				pci_bar_update(d, n);
	if (msix)
		msix_update(d);
	if (d->config_written)
		d->config_written(d, reg, size);
}

/* --- state --------------------------------------------------------------- */

void pci_dev_state(struct state_io *io, struct pci_dev *d)
{
	char name[32];
	uint8_t cfg[PCI_CFG_SIZE];

	snprintf(name, sizeof(name), "pci-%02x", d->slot);
	if (state_begin(io, name, 1))
		return;
	memcpy(cfg, d->cfg, sizeof(cfg));
	state_bytes(io, "config", cfg, sizeof(cfg));
	if (io->loading && !io->err) {
		/* take only what the guest could have written */
		for (unsigned int i = 0; i < PCI_CFG_SIZE; i++)
			d->cfg[i] = (d->cfg[i] & ~d->wmask[i]) | (cfg[i] & d->wmask[i]);
	}
	if (d->msix) {
		struct pci_msix *m = d->msix;

		for (unsigned int v = 0; v < m->nr; v++) {
			state_u32f(io, &m->table[v].addr_lo, "msix%u.addr_lo", v);
			state_u32f(io, &m->table[v].addr_hi, "msix%u.addr_hi", v);
			state_u32f(io, &m->table[v].data, "msix%u.data", v);
			state_u32f(io, &m->table[v].ctrl, "msix%u.ctrl", v);
			if (io->loading) {
				m->table[v].ctrl &= MSIX_ENTRY_MASKED;
				m->routed[v] = false;
			}
		}
		state_u64(io, "msix.pba", &m->pba);
		if (io->loading)
			m->pba &= m->nr == 64 ? ~0ull : (1ull << m->nr) - 1;
	}
	state_end(io);
}

void pci_dev_post_load(struct pci_dev *d)
{
	for (unsigned int n = 0; n < 6; n++)
		if (d->bar[n].size)
			pci_bar_update(d, n);
	if (d->msix)
		msix_update(d);
}

void pci_bus_state(struct state_io *io, struct pci_bus *bus)
{
	if (state_begin(io, "pci-bus", 1))
		return;
	state_u32(io, "addr_reg", &bus->addr_reg);
	state_end(io);
	pci_dev_state(io, &bus->host);
}
