/*
 * Unit tests for the ELF core's head (hypervisor/vmm/snapshot/coredump-elf.c),
 * the layout xl dump-core writes (public/vmm.h, DUMP_CORE): an x86-64
 * ET_CORE, a PT_NOTE with one NT_PRSTATUS per vCPU holding its registers
 * where Linux's struct elf_prstatus has them, and one PT_LOAD per RAM
 * region at page-aligned offsets, one after the other.
 */
#include <check.h>
#include "check-main.h"
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot/coredump.h"

/* struct elf_prstatus (x86-64): pid at 32, pr_reg at 112, 27 registers */
#define PR_PID		32
#define PR_REG(i)	(112 + 8 * (i))
enum { R15, R14, R13, R12, RBP, RBX, R11, R10, R9, R8, RAX, RCX, RDX, RSI, RDI,
       ORIG_RAX, RIP, CS, EFLAGS, RSP, SS, FS_BASE, GS_BASE, DS, ES, FS, GS };

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

START_TEST(test_head)
{
	struct coredump_region r[2] = { { 0, 3ull << 30 }, { 1ull << 32, 1ull << 30 } };
	struct kvm_regs regs[3];
	struct kvm_sregs sregs[3];
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	const uint8_t *note;
	uint64_t size;
	size_t len;
	uint8_t *h;

	memset(regs, 0, sizeof(regs));
	memset(sregs, 0, sizeof(sregs));
	for (unsigned int i = 0; i < 3; i++) {
		regs[i].rip = 0x100000 + i;
		regs[i].rsp = 0x8000 + i;
		regs[i].rax = 42 + i;
		regs[i].r15 = 15 + i;
		regs[i].rflags = 0x202;
		sregs[i].cs.selector = 0x10;
		sregs[i].ss.selector = 0x18;
		sregs[i].gs.selector = 0x2b;
		sregs[i].fs.base = 0xf5000 + i;
		sregs[i].gs.base = 0x65000 + i;
	}
	h = coredump_head(r, 2, regs, sregs, 3, &len, &size);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(len % 4096, 0);
	ck_assert_uint_eq(size, len + (4ull << 30));

	eh = (const Elf64_Ehdr *)h;
	ck_assert_int_eq(memcmp(eh->e_ident, ELFMAG, SELFMAG), 0);
	ck_assert_uint_eq(eh->e_ident[EI_CLASS], ELFCLASS64);
	ck_assert_uint_eq(eh->e_ident[EI_DATA], ELFDATA2LSB);
	ck_assert_uint_eq(eh->e_type, ET_CORE);
	ck_assert_uint_eq(eh->e_machine, EM_X86_64);
	ck_assert_uint_eq(eh->e_phentsize, sizeof(Elf64_Phdr));
	ck_assert_uint_eq(eh->e_phnum, 3);
	ck_assert_uint_eq(eh->e_shnum, 0);

	ph = (const Elf64_Phdr *)(h + eh->e_phoff);
	ck_assert_uint_eq(ph[0].p_type, PT_NOTE);
	ck_assert_uint_le(ph[0].p_offset + ph[0].p_filesz, len);
	/* the loads: guest-physical addresses, back to back after the head */
	ck_assert_uint_eq(ph[1].p_type, PT_LOAD);
	ck_assert_uint_eq(ph[1].p_offset, len);
	ck_assert_uint_eq(ph[1].p_paddr, 0);
	ck_assert_uint_eq(ph[1].p_filesz, 3ull << 30);
	ck_assert_uint_eq(ph[1].p_memsz, 3ull << 30);
	ck_assert_uint_eq(ph[2].p_type, PT_LOAD);
	ck_assert_uint_eq(ph[2].p_offset, len + (3ull << 30));
	ck_assert_uint_eq(ph[2].p_paddr, 1ull << 32);
	ck_assert_uint_eq(ph[2].p_vaddr, 1ull << 32);
	ck_assert_uint_eq(ph[2].p_offset % 4096, 0);

	/* the notes: "CORE", NT_PRSTATUS, 336 bytes each, vCPU i as pid i + 1 */
	note = h + ph[0].p_offset;
	for (unsigned int i = 0; i < 3; i++) {
		Elf64_Nhdr nh;
		const uint8_t *pr;

		memcpy(&nh, note, sizeof(nh));
		ck_assert_uint_eq(nh.n_type, NT_PRSTATUS);
		ck_assert_uint_eq(nh.n_namesz, 5);
		ck_assert_uint_eq(nh.n_descsz, 336);
		ck_assert_int_eq(memcmp(note + sizeof(nh), "CORE", 5), 0);
		pr = note + sizeof(nh) + 8;
		ck_assert_int_eq(*(const int32_t *)(pr + PR_PID), (int32_t)i + 1);
		ck_assert_uint_eq(u64_at(pr + PR_REG(RIP)), 0x100000 + i);
		ck_assert_uint_eq(u64_at(pr + PR_REG(RSP)), 0x8000 + i);
		ck_assert_uint_eq(u64_at(pr + PR_REG(RAX)), 42 + i);
		ck_assert_uint_eq(u64_at(pr + PR_REG(R15)), 15 + i);
		ck_assert_uint_eq(u64_at(pr + PR_REG(EFLAGS)), 0x202);
		ck_assert_uint_eq(u64_at(pr + PR_REG(CS)), 0x10);
		ck_assert_uint_eq(u64_at(pr + PR_REG(SS)), 0x18);
		ck_assert_uint_eq(u64_at(pr + PR_REG(GS)), 0x2b);
		ck_assert_uint_eq(u64_at(pr + PR_REG(FS_BASE)), 0xf5000 + i);
		ck_assert_uint_eq(u64_at(pr + PR_REG(GS_BASE)), 0x65000 + i);
		note += sizeof(nh) + 8 + nh.n_descsz;
	}
	ck_assert_ptr_eq(note, h + ph[0].p_offset + ph[0].p_filesz);
	free(h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("coredump");
	TCase *tc = tcase_create("head");

	tcase_add_test(tc, test_head);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
