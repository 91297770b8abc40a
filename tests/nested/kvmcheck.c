/*
 * kvmcheck: the smallest useful KVM client.  Creates a VM with one vCPU in
 * real mode, runs "mov $0x10,%dx; mov $0x40,%al; add $2,%al; out %al,(%dx);
 * hlt" and checks that KVM reports the OUT (port 0x10, one byte, 0x42) and
 * then the HLT.  The nested harness self-test runs it in the outer host to
 * show that kvm_amd works there.  Exit status 0 on success, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define KVMCHECK_MEM_SIZE 0x10000
#define KVMCHECK_ENTRY 0x1000
#define KVMCHECK_PORT 0x10
#define KVMCHECK_VALUE 0x42

static const uint8_t kvmcheck_code[] = {
	0xba, KVMCHECK_PORT, 0x00, /* mov $0x10, %dx */
	0xb0, 0x40,                /* mov $0x40, %al */
	0x04, 0x02,                /* add $2, %al */
	0xee,                      /* out %al, (%dx) */
	0xf4,                      /* hlt */
};

static int kvmcheck_fail(const char *what)
{
	fprintf(stderr, "kvmcheck: %s: %s\n", what, strerror(errno));
	return 1;
}

static const char *kvmcheck_module(void)
{
	if (access("/sys/module/kvm_amd", F_OK) == 0)
		return "kvm_amd";
	if (access("/sys/module/kvm_intel", F_OK) == 0)
		return "kvm_intel";
	if (access("/sys/module/kvm_pvm", F_OK) == 0)
		return "kvm_pvm";
	return "unknown";
}

static int kvmcheck_run(int vcpu)
{
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) == 0)
			return 0;
		if (errno != EINTR && errno != EAGAIN)
			return kvmcheck_fail("KVM_RUN");
	}
}

int main(void)
{
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	uint8_t *mem;
	int kvm, vm, vcpu, r, run_size;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return kvmcheck_fail("open /dev/kvm");
	r = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (r != KVM_API_VERSION) {
		fprintf(stderr, "kvmcheck: KVM API version %d, expected %d\n",
			r, KVM_API_VERSION);
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return kvmcheck_fail("KVM_CREATE_VM");

	mem = mmap(NULL, KVMCHECK_MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return kvmcheck_fail("mmap guest memory");
	memcpy(mem + KVMCHECK_ENTRY, kvmcheck_code, sizeof(kvmcheck_code));

	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = KVMCHECK_MEM_SIZE;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return kvmcheck_fail("KVM_SET_USER_MEMORY_REGION");

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return kvmcheck_fail("KVM_CREATE_VCPU");
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(*run))
		return kvmcheck_fail("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	if (run == MAP_FAILED)
		return kvmcheck_fail("mmap kvm_run");

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return kvmcheck_fail("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return kvmcheck_fail("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = KVMCHECK_ENTRY;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return kvmcheck_fail("KVM_SET_REGS");

	if (kvmcheck_run(vcpu))
		return 1;
	if (run->exit_reason != KVM_EXIT_IO) {
		fprintf(stderr, "kvmcheck: first exit %u, expected KVM_EXIT_IO\n",
			run->exit_reason);
		return 1;
	}
	if (run->io.direction != KVM_EXIT_IO_OUT ||
	    run->io.port != KVMCHECK_PORT || run->io.size != 1 ||
	    run->io.count != 1 ||
	    ((uint8_t *)run)[run->io.data_offset] != KVMCHECK_VALUE) {
		fprintf(stderr,
			"kvmcheck: I/O exit dir %u port %#x size %u count %u "
			"value %#x, expected out 0x42 to port 0x10\n",
			run->io.direction, run->io.port, run->io.size,
			run->io.count, ((uint8_t *)run)[run->io.data_offset]);
		return 1;
	}

	if (kvmcheck_run(vcpu))
		return 1;
	if (run->exit_reason != KVM_EXIT_HLT) {
		fprintf(stderr, "kvmcheck: second exit %u, expected KVM_EXIT_HLT\n",
			run->exit_reason);
		return 1;
	}
	if (ioctl(vcpu, KVM_GET_REGS, &regs) < 0)
		return kvmcheck_fail("KVM_GET_REGS");

	printf("kvmcheck: ok (%s: out 0x%x to port 0x%x, hlt at 0x%llx)\n",
	       kvmcheck_module(), KVMCHECK_VALUE, KVMCHECK_PORT,
	       (unsigned long long)regs.rip - 1);
	return 0;
}
