/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI bus 0 with type-1 configuration access (ports 0xcf8/0xcfc), a host
 * bridge at 00:00.0, 32-bit memory BARs in the MMIO hole, and MSI-X.
 */
#ifndef HV_VMM_PCI_H
#define HV_VMM_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include "kvm/vm.h"

#define PCI_MAX_DEVS 32
#define PCI_CFG_SIZE 256
#define PCI_MSIX_MAX 64

struct state_io;
struct pci_dev;

struct pci_bar {
	uint32_t size;		/* power of two, at least 4 KiB; 0: no BAR */
	uint64_t addr;		/* where it is mapped, when mapped */
	bool mapped;
	struct pci_dev *dev;
	unsigned int index;
	void (*read)(struct pci_dev *d, uint64_t off, void *data, unsigned int size);
	void (*write)(struct pci_dev *d, uint64_t off, const void *data, unsigned int size);
};

struct pci_msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct pci_msix {
	unsigned int nr;
	uint8_t cap;		/* capability offset in config space */
	uint8_t bar;		/* table at offset 0, PBA at PCI_MSIX_PBA_OFF */
	struct pci_msix_entry table[PCI_MSIX_MAX];
	uint64_t pba;
	int gsi[PCI_MSIX_MAX];
	int efd[PCI_MSIX_MAX];
	bool routed[PCI_MSIX_MAX];
};

#define PCI_MSIX_PBA_OFF 0x800

struct pci_dev {
	struct pci_bus *bus;
	unsigned int slot;
	const char *name;
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];	/* bits the guest may change */
	struct pci_bar bar[6];
	struct pci_msix *msix;
	uint8_t cap_last;		/* capability list building */
	uint16_t cap_end;
	void *opaque;
	/* optional hooks, called with the VM's io_lock held */
	void (*config_read)(struct pci_dev *d, unsigned int off, unsigned int size);
	void (*config_written)(struct pci_dev *d, unsigned int off, unsigned int size);
	void (*bar_mapped)(struct pci_dev *d, unsigned int bar, bool mapped);
};

struct pci_bus {
	struct vm *vm;
	uint32_t addr_reg;
	struct pci_dev *devs[PCI_MAX_DEVS];
	struct pci_dev host;
	uint64_t mmio_next;
};

int pci_bus_init(struct pci_bus *bus, struct vm *vm);
/* Sets up the header (ids, class) and takes the next free slot. */
int pci_dev_add(struct pci_bus *bus, struct pci_dev *d, uint16_t vendor, uint16_t device,
		uint32_t class, uint16_t subsys_vendor, uint16_t subsys_id);
/* The same in @slot (0: the first free one); -EEXIST if it is taken. */
int pci_dev_add_at(struct pci_bus *bus, struct pci_dev *d, unsigned int slot, uint16_t vendor,
		   uint16_t device, uint32_t class, uint16_t subsys_vendor, uint16_t subsys_id);
/* Takes @d off its bus: its BARs are unmapped and its slot is free again. */
void pci_dev_remove(struct pci_dev *d);
/* Declares memory BAR @n of @size bytes and assigns it an address. */
int pci_bar_add(struct pci_dev *d, unsigned int n, uint32_t size);
/* Appends a capability of @len bytes; returns its offset (or 0 if no room). */
uint8_t pci_cap_add(struct pci_dev *d, uint8_t id, unsigned int len);
/* Adds an MSI-X capability with @nr vectors in BAR @bar (declared by the caller). */
int pci_msix_init(struct pci_dev *d, struct pci_msix *m, unsigned int nr, unsigned int bar);
/* Raises MSI-X vector @vec (or sets it pending while masked). */
void pci_msix_notify(struct pci_dev *d, unsigned int vec);

void pci_config_io_read(void *opaque, uint64_t off, void *data, unsigned int size);
void pci_config_io_write(void *opaque, uint64_t off, const void *data, unsigned int size);

/* Saves/loads the config space (guest-writable parts) and the MSI-X state. */
void pci_dev_state(struct state_io *io, struct pci_dev *d);
/* After a load: map BARs, re-route MSI-X vectors. */
void pci_dev_post_load(struct pci_dev *d);
void pci_bus_state(struct state_io *io, struct pci_bus *bus);

#endif
