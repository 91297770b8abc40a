/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DUMP_CORE: the domain as an ELF64 core file (snapshot/coredump.h). */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "snapshot/coredump.h"
#include "snapshot/save_int.h"
#include "vmm.h"

#define CORE_PAGE		4096u
#define CORE_CHUNK		(32u << 20)	/* bytes of memory between progress reports */
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

static int write_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len > CORE_CHUNK ? CORE_CHUNK : len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* One region's pages at @off in the file, holes left as they are. */
static int dump_region(struct vmm *vmm, int fd, const struct mem_region *r, uint64_t off,
		       uint64_t *done, const struct save_progress *pr)
{
	struct vm *vm = &vmm->vm;
	struct save_pages s = { vm, r, true, 0, 0, 0 };
	uint64_t run = 0, run_len = 0, next_report = *done + CORE_CHUNK;
	int rc = 0;

	for (uint64_t p = 0; !rc && p <= r->size; p += CORE_PAGE) {
		bool data = p < r->size && !save_in_hole(&s, (off_t)(r->offset + p));

		if (data && !run_len)
			run = p;
		if (data)
			run_len += CORE_PAGE;
		/* a run ends at a hole, at the region's end, or when it is a chunk long */
		if (run_len && (!data || run_len >= CORE_CHUNK)) {
			rc = write_all(fd, vm->mem + r->offset + run, run_len, off + run);
			run_len = 0;
		}
		if (p < r->size)
			*done += CORE_PAGE;
		if (!rc && *done >= next_report) {
			next_report = *done + CORE_CHUNK;
			if (pr && pr->fn && pr->fn(pr->opaque, *done, vm->mem_size))
				rc = -ECANCELED;
		}
	}
	return rc;
}

int vmm_dump_core(struct vmm *vmm, int fd, const struct save_progress *pr,
		  struct hv_vmm_dump_core_result *res, char *msg, size_t msg_len)
{
	struct vm *vm = &vmm->vm;
	struct coredump_region regions[2];
	struct kvm_regs *regs = calloc(vm->nr_vcpus ? vm->nr_vcpus : 1, sizeof(*regs));
	struct kvm_sregs *sregs = calloc(vm->nr_vcpus ? vm->nr_vcpus : 1, sizeof(*sregs));
	bool was_paused = vm->paused;
	uint64_t size = 0, off, done = 0;
	struct stat st;
	void *head = NULL;
	size_t head_len = 0;
	int rc = 0;

	msg[0] = '\0';
	if (!regs || !sregs) {
		rc = -ENOMEM;
		goto out_free;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = -EBADF;
		snprintf(msg, msg_len, "the descriptor to write the core to is not a regular file");
		goto out_free;
	}
	vmm_restore_settle(vmm);
	if (vm->nr_mapped && st.st_dev == vm->image_dev && st.st_ino == vm->image_ino) {
		snprintf(msg, msg_len, "the domain's memory is mapped from this file (it was restored from it lazily): dump it to another file");
		rc = -EBUSY;
		goto out_free;
	}
	vm_pause(vm);
	for (unsigned int i = 0; !rc && i < vm->nr_vcpus; i++) {
		if (ioctl(vm->vcpus[i].fd, KVM_GET_REGS, &regs[i]) < 0 ||
		    ioctl(vm->vcpus[i].fd, KVM_GET_SREGS, &sregs[i]) < 0) {
			rc = -errno;
			snprintf(msg, msg_len, "reading vCPU %u's registers: %s", i, strerror(-rc));
		}
	}
	for (unsigned int i = 0; i < vm->nr_regions; i++)
		regions[i] = (struct coredump_region){ vm->regions[i].gpa, vm->regions[i].size };
	if (!rc) {
		head = coredump_head(regions, vm->nr_regions, regs, sregs, vm->nr_vcpus, &head_len,
				     &size);
		if (!head)
			rc = -ENOMEM;
	}
	/* whatever the file held goes; what is not written reads as zeros */
	if (!rc && (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)size) < 0)) {
		rc = -errno;
		snprintf(msg, msg_len, "cannot size the core file to %" PRIu64 " bytes: %s", size,
			 strerror(-rc));
	}
	if (!rc)
		rc = write_all(fd, head, head_len, 0);
	off = head_len;
	for (unsigned int i = 0; !rc && i < vm->nr_regions; i++) {
		rc = dump_region(vmm, fd, &vm->regions[i], off, &done, pr);
		off += vm->regions[i].size;
	}
	/* a full disk may only show when the data reaches it */
	if (!rc && fdatasync(fd) < 0)
		rc = -errno;
	if (!was_paused)
		vm_unpause(vm);
	if (rc == -ECANCELED && !msg[0])
		snprintf(msg, msg_len, "the core dump was stopped; the domain is as it was");
	if (rc && !msg[0])
		snprintf(msg, msg_len, "writing the core: %s", strerror(-rc));
	if (!rc) {
		res->bytes = size;
		res->memory_bytes = vm->mem_size;
		res->vcpus = vm->nr_vcpus;
		info("core dumped: %" PRIu64 " bytes, %u vCPUs", size, vm->nr_vcpus);
	}
out_free:
	if (rc == -ENOMEM && !msg[0])
		snprintf(msg, msg_len, "out of memory");
	free(head);
	free(regs);
	free(sregs);
	return rc;
}
