/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ELF core's head (snapshot/coredump.h): header, program headers and
 * NT_PRSTATUS notes, built from registers alone so the unit tests can
 * check the layout without KVM (tests/unit/test-coredump.c).
 */
#include <elf.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot/coredump.h"

#define CORE_PAGE		4096u
#define CORE_NOTE_NAME		"CORE"

/*
 * The x86-64 struct elf_prstatus of Linux's core files, written out field
 * by field so that its layout is this file's, not the build host's: 336
 * bytes, pr_reg at 112 (struct user_regs_struct's 27 registers).
 */
struct coredump_prstatus {
	int32_t si_signo, si_code, si_errno;
	int16_t pr_cursig;
	uint16_t pad0;
	uint64_t pr_sigpend, pr_sighold;
	int32_t pr_pid, pr_ppid, pr_pgrp, pr_sid;
	uint64_t pr_utime[2], pr_stime[2], pr_cutime[2], pr_cstime[2];
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs, eflags, rsp, ss;
	uint64_t fs_base, gs_base, ds, es, fs, gs;
	int32_t pr_fpvalid;
	uint32_t pad1;
};
_Static_assert(sizeof(struct coredump_prstatus) == 336, "x86-64 elf_prstatus");
_Static_assert(offsetof(struct coredump_prstatus, r15) == 112, "pr_reg's offset");

static size_t align_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

/* One vCPU's note: the header, "CORE" padded to 4, its prstatus. */
#define CORE_NOTE_SIZE \
	(sizeof(Elf64_Nhdr) + align_up(sizeof(CORE_NOTE_NAME), 4) + sizeof(struct coredump_prstatus))

static void coredump_prstatus(struct coredump_prstatus *p, unsigned int id,
			      const struct kvm_regs *r, const struct kvm_sregs *s)
{
	memset(p, 0, sizeof(*p));
	/* a thread per vCPU, numbered from 1 as gdb and crash expect */
	p->pr_pid = (int32_t)id + 1;
	p->r15 = r->r15;
	p->r14 = r->r14;
	p->r13 = r->r13;
	p->r12 = r->r12;
	p->rbp = r->rbp;
	p->rbx = r->rbx;
	p->r11 = r->r11;
	p->r10 = r->r10;
	p->r9 = r->r9;
	p->r8 = r->r8;
	p->rax = r->rax;
	p->rcx = r->rcx;
	p->rdx = r->rdx;
	p->rsi = r->rsi;
	p->rdi = r->rdi;
	p->rip = r->rip;
	p->eflags = r->rflags;
	p->rsp = r->rsp;
	p->cs = s->cs.selector;
	p->ss = s->ss.selector;
	p->ds = s->ds.selector;
	p->es = s->es.selector;
	p->fs = s->fs.selector;
	p->gs = s->gs.selector;
	p->fs_base = s->fs.base;
	p->gs_base = s->gs.base;
}

void *coredump_head(const struct coredump_region *regions, unsigned int nr_regions,
		    const struct kvm_regs *regs, const struct kvm_sregs *sregs,
		    unsigned int nr_vcpus, size_t *len_r, uint64_t *size_r)
{
	size_t phnum = 1 + nr_regions;
	size_t notes_at = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
	size_t notes_len = nr_vcpus * CORE_NOTE_SIZE;
	size_t len = align_up(notes_at + notes_len, CORE_PAGE);
	uint8_t *buf = calloc(1, len), *at;
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph = { 0 };
	uint64_t off = len;

	if (!buf)
		return NULL;
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (Elf64_Half)phnum;
	memcpy(buf, &eh, sizeof(eh));
	at = buf + sizeof(eh);

	ph.p_type = PT_NOTE;
	ph.p_offset = notes_at;
	ph.p_filesz = ph.p_memsz = notes_len;
	ph.p_align = 4;
	memcpy(at, &ph, sizeof(ph));
	at += sizeof(ph);
	for (unsigned int i = 0; i < nr_regions; i++) {
		memset(&ph, 0, sizeof(ph));
		ph.p_type = PT_LOAD;
		ph.p_flags = PF_R | PF_W | PF_X;
		ph.p_offset = off;
		/* identity: gdb reads memory by p_vaddr, crash by p_paddr */
		ph.p_vaddr = ph.p_paddr = regions[i].gpa;
		ph.p_filesz = ph.p_memsz = regions[i].size;
		ph.p_align = CORE_PAGE;
		memcpy(at, &ph, sizeof(ph));
		at += sizeof(ph);
		off += regions[i].size;
	}
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		Elf64_Nhdr nh = { sizeof(CORE_NOTE_NAME), sizeof(struct coredump_prstatus),
				  NT_PRSTATUS };
		struct coredump_prstatus p;

		memcpy(at, &nh, sizeof(nh));
		at += sizeof(nh);
		memcpy(at, CORE_NOTE_NAME, sizeof(CORE_NOTE_NAME));
		at += align_up(sizeof(CORE_NOTE_NAME), 4);
		coredump_prstatus(&p, i, &regs[i], &sregs[i]);
		memcpy(at, &p, sizeof(p));
		at += sizeof(p);
	}
	*len_r = len;
	*size_r = off;
	return buf;
}

