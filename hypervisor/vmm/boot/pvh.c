/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PVH boot: an ELF kernel with a XEN_ELFNOTE_PHYS32_ENTRY note, entered in
 * 32-bit protected mode with %ebx pointing at struct hvm_start_info.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>
#include "boot/boot.h"
#include "log.h"
#include "platform.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC 0x336ec578

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

/* One program header, whichever the ELF class. */
struct pvh_phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

static bool in_file(const struct boot_args *a, uint64_t off, uint64_t len)
{
	return off <= a->kernel_len && len <= a->kernel_len - off;
}

static int get_phdr(const struct boot_args *a, bool is64, uint64_t phoff,
		    unsigned int i, unsigned int phentsize, struct pvh_phdr *p)
{
	uint64_t off = phoff + (uint64_t)i * phentsize;

	if (is64) {
		Elf64_Phdr h;

		if (phentsize < sizeof(h) || !in_file(a, off, sizeof(h)))
			return -EINVAL;
		memcpy(&h, a->kernel + off, sizeof(h));
		*p = (struct pvh_phdr){ h.p_type, h.p_offset, h.p_paddr, h.p_filesz, h.p_memsz };
	} else {
		Elf32_Phdr h;

		if (phentsize < sizeof(h) || !in_file(a, off, sizeof(h)))
			return -EINVAL;
		memcpy(&h, a->kernel + off, sizeof(h));
		*p = (struct pvh_phdr){ h.p_type, h.p_offset, h.p_paddr, h.p_filesz, h.p_memsz };
	}
	return 0;
}

/* Walks a PT_NOTE segment for Xen's PHYS32_ENTRY note. */
static bool find_entry_note(const uint8_t *p, uint64_t len, uint64_t *entry)
{
	uint64_t off = 0;

	while (len - off >= 12) {
		uint32_t namesz, descsz, type;
		uint64_t name_off, desc_off, next;

		memcpy(&namesz, p + off, 4);
		memcpy(&descsz, p + off + 4, 4);
		memcpy(&type, p + off + 8, 4);
		name_off = off + 12;
		desc_off = name_off + (((uint64_t)namesz + 3) & ~3ull);
		next = desc_off + (((uint64_t)descsz + 3) & ~3ull);
		if (desc_off > len || next > len || descsz > len - desc_off)
			return false;
		if (namesz == 4 && !memcmp(p + name_off, "Xen", 4) &&
		    type == XEN_ELFNOTE_PHYS32_ENTRY && (descsz == 4 || descsz == 8)) {
			uint64_t v = 0;

			memcpy(&v, p + desc_off, descsz);
			*entry = v;
			return true;
		}
		off = next;
	}
	return false;
}

int boot_pvh_load(struct vm *vm, const struct boot_args *a, struct boot_entry *e)
{
	const uint8_t *k = a->kernel;
	struct hvm_start_info *si;
	struct hvm_modlist_entry *mod;
	struct hvm_memmap_entry *mm;
	struct mem_map_entry map[8];
	uint64_t phoff, entry = 0, kernel_end = 0, initrd = 0;
	unsigned int phnum, phentsize, n;
	bool is64, found = false;
	int rc;

	if (a->kernel_len < EI_NIDENT || memcmp(k, ELFMAG, SELFMAG))
		return -ENOEXEC;
	if (k[EI_DATA] != ELFDATA2LSB || (k[EI_CLASS] != ELFCLASS32 && k[EI_CLASS] != ELFCLASS64)) {
		err("--kernel: a big-endian or unknown-class ELF file; hv-vmm runs x86 kernels");
		return -EINVAL;
	}
	is64 = k[EI_CLASS] == ELFCLASS64;
	if (is64) {
		Elf64_Ehdr h;

		if (a->kernel_len < sizeof(h))
			goto truncated;
		memcpy(&h, k, sizeof(h));
		if (h.e_machine != EM_X86_64)
			goto foreign;
		phoff = h.e_phoff, phnum = h.e_phnum, phentsize = h.e_phentsize;
	} else {
		Elf32_Ehdr h;

		if (a->kernel_len < sizeof(h))
			goto truncated;
		memcpy(&h, k, sizeof(h));
		if (h.e_machine != EM_386 && h.e_machine != EM_X86_64)
			goto foreign;
		phoff = h.e_phoff, phnum = h.e_phnum, phentsize = h.e_phentsize;
	}
	if (phnum == 0 || phnum > 64)
		goto truncated;

	/* Pass 0 finds the entry note, pass 1 checks every segment, pass 2 loads. */
	for (unsigned int pass = 0; pass < 3; pass++) {
		for (unsigned int i = 0; i < phnum; i++) {
			struct pvh_phdr ph;

			if (get_phdr(a, is64, phoff, i, phentsize, &ph))
				goto truncated;
			if (ph.type == PT_NOTE) {
				if (!in_file(a, ph.offset, ph.filesz))
					goto truncated;
				if (pass == 0 && !found)
					found = find_entry_note(k + ph.offset, ph.filesz, &entry);
				continue;
			}
			if (pass == 0 || ph.type != PT_LOAD || ph.memsz == 0)
				continue;
			if (!in_file(a, ph.offset, ph.filesz) || ph.filesz > ph.memsz)
				goto truncated;
			if (ph.paddr < PLAT_HIMEM_START || !vm_gpa(vm, ph.paddr, ph.memsz)) {
				err("--kernel: a segment at 0x%llx-0x%llx lies outside guest RAM (from 1 MiB to %llu MiB): give the domain more --memory or relink the kernel",
				    (unsigned long long)ph.paddr,
				    (unsigned long long)(ph.paddr + ph.memsz),
				    (unsigned long long)(vm->regions[0].size >> 20));
				return -EINVAL;
			}
			if (pass == 2) {
				uint8_t *dst = vm_gpa(vm, ph.paddr, ph.memsz);

				memcpy(dst, k + ph.offset, ph.filesz);
				memset(dst + ph.filesz, 0, ph.memsz - ph.filesz);
			}
			if (ph.paddr + ph.memsz > kernel_end)
				kernel_end = ph.paddr + ph.memsz;
		}
		if (pass == 0 && !found) {
			err("--kernel: an ELF file without a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); boot a bzImage, or a kernel built with PVH support");
			return -EINVAL;
		}
		if (pass == 1 && (entry >= kernel_end || entry < PLAT_HIMEM_START)) {
			err("--kernel: the PVH entry point 0x%llx is outside the kernel's loaded segments",
			    (unsigned long long)entry);
			return -EINVAL;
		}
	}

	rc = boot_put_cmdline(vm, a->cmdline, PLAT_CMDLINE_MAX);
	if (rc)
		return rc;
	rc = boot_place_initrd(vm, a, PLAT_MMIO_HOLE - 1, kernel_end, &initrd);
	if (rc)
		return rc;

	si = vm_gpa(vm, PLAT_BOOT_INFO, sizeof(*si) + sizeof(*mod));
	mm = vm_gpa(vm, PLAT_BOOT_MEMMAP, sizeof(*mm) * 8);
	if (!si || !mm)
		return -EFAULT;
	memset(si, 0, sizeof(*si) + sizeof(*mod));
	si->magic = HVM_START_MAGIC;
	si->version = 1;
	si->cmdline_paddr = PLAT_BOOT_CMDLINE;
	si->rsdp_paddr = a->rsdp;
	n = vm_memory_map(vm, map, 8);
	for (unsigned int i = 0; i < n; i++)
		mm[i] = (struct hvm_memmap_entry){ map[i].addr, map[i].size, map[i].type, 0 };
	si->memmap_paddr = PLAT_BOOT_MEMMAP;
	si->memmap_entries = n;
	if (initrd) {
		mod = (struct hvm_modlist_entry *)(si + 1);
		mod->paddr = initrd;
		mod->size = a->initrd_len;
		si->nr_modules = 1;
		si->modlist_paddr = PLAT_BOOT_INFO + sizeof(*si);
	}
	e->mode = BOOT_PVH32;
	e->rip = entry;
	e->arg = PLAT_BOOT_INFO;
	return 0;

truncated:
	err("--kernel: the ELF file is truncated or its headers are inconsistent");
	return -EINVAL;
foreign:
	err("--kernel: an ELF file for another architecture; hv-vmm runs x86 kernels");
	return -EINVAL;
}
