/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jail-gen: compiles hv-vmm's seccomp filters (jail.c) at build time.
 * libseccomp turns the lists below into BPF, which this program prints as
 * jail-bpf.h; hv-vmm loads that with one seccomp() call, so a start costs
 * no filter compilation and hv-vmm does not link libseccomp.  It also
 * prints the system calls' names, for the line hv-vmm writes when its
 * filter stops it.  x86-64 only, as hv-vmm is.
 *
 * Usage: jail-gen > jail-bpf.h
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <termios.h>

#define JAIL_NAMES 512

/* The ioctl()s hv-vmm makes, by number. */
static const unsigned long jail_ioctls[] = {
	/* /dev/kvm */
	KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_CHECK_EXTENSION, KVM_GET_VCPU_MMAP_SIZE,
	KVM_GET_SUPPORTED_CPUID, KVM_GET_MSR_INDEX_LIST,
	/* the VM */
	KVM_CREATE_VCPU, KVM_SET_USER_MEMORY_REGION, KVM_SET_TSS_ADDR, KVM_CREATE_IRQCHIP,
	KVM_CREATE_PIT2, KVM_SET_GSI_ROUTING, KVM_IRQFD, KVM_IOEVENTFD, KVM_IRQ_LINE,
	KVM_GET_DIRTY_LOG, KVM_GET_CLOCK, KVM_SET_CLOCK, KVM_GET_IRQCHIP, KVM_SET_IRQCHIP,
	KVM_GET_PIT2, KVM_SET_PIT2, KVM_GET_TSC_KHZ,
	/* a vCPU */
	KVM_RUN, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS, KVM_GET_MSRS,
	KVM_SET_MSRS, KVM_SET_CPUID2, KVM_SET_FPU, KVM_GET_LAPIC, KVM_SET_LAPIC, KVM_NMI,
	KVM_GET_MP_STATE, KVM_SET_MP_STATE, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS,
	KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS, KVM_GET_XCRS, KVM_SET_XCRS, KVM_GET_XSAVE,
	KVM_SET_XSAVE, KVM_GET_XSAVE2,
	/* taps */
	TUNSETOFFLOAD, TUNSETVNETHDRSZ, TUNSETQUEUE, TUNGETIFF,
	/* block devices */
	BLKSSZGET, BLKPBSZGET, BLKGETSIZE64, BLKDISCARD, BLKZEROOUT,
	/* a terminal as the console (standalone) */
	TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ,
	/* what a migration's reader has not taken yet: a socket's, a pipe's */
	TIOCOUTQ /* = SIOCOUTQ */, FIONREAD,
};

/*
 * What no narrowed thread does, though the main thread does: accept
 * connections, make guest memory, rings, loops, pipes or signal
 * descriptors (nor threads and filters: filter_narrow() allows neither).
 * Threads a narrowed thread made would inherit its filter, so devices make
 * theirs when they are built, on the main thread.
 */
static const int narrowed_denied[] = {
	SCMP_SYS(accept4), SCMP_SYS(memfd_create), SCMP_SYS(signalfd4), SCMP_SYS(pipe2),
	SCMP_SYS(epoll_create1), SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_register),
};

/* What a vCPU thread does not do besides. */
static const int vcpu_denied[] = {
	SCMP_SYS(setpriority), SCMP_SYS(recvmsg), SCMP_SYS(recvfrom),
};

/*
 * What a device's I/O thread (a virtio-net queue pair's, a disk's thread
 * pool) never does: besides the above, it has no socket and no ring, makes
 * no descriptor, and of the ioctl()s only a tap's, a block device's and
 * the two that deliver an interrupt (jail_io_ioctls: an MSI-X vector the
 * guest moved is routed again at its next interrupt): no other of KVM's.
 * These threads read what the guest put in its rings, so they get the
 * least.
 */
static const int io_denied[] = {
	SCMP_SYS(io_uring_enter), SCMP_SYS(setpriority), SCMP_SYS(recvmsg), SCMP_SYS(recvfrom),
	SCMP_SYS(sendmsg), SCMP_SYS(sendto), SCMP_SYS(shutdown), SCMP_SYS(getsockopt),
	SCMP_SYS(timerfd_create), SCMP_SYS(eventfd2), SCMP_SYS(ftruncate), SCMP_SYS(mincore),
};

static const unsigned long jail_io_ioctls[] = {
	TUNSETOFFLOAD, TUNSETQUEUE, BLKDISCARD, BLKZEROOUT, KVM_SET_GSI_ROUTING, KVM_IRQ_LINE,
};

/*
 * What the migration thread never does besides: it writes the stream
 * (a descriptor it was given; sendmsg() passes a local migration's memfd),
 * reads dirty logs and vCPU state (KVM's ioctl()s, by number in the
 * process's filter), and reads nothing from anyone.
 */
static const int migrate_denied[] = {
	SCMP_SYS(setpriority), SCMP_SYS(recvmsg), SCMP_SYS(recvfrom),
	SCMP_SYS(timerfd_create), SCMP_SYS(eventfd2),
};

/*
 * What a restore's background threads (the copy out of the image, the
 * second half of the checksums) never do besides: they read memory and the
 * pagemap and write the memfd; no ioctl() at all, no socket, no
 * descriptor made.  setpriority() stays: the copy lowers its own.
 */
static const int background_denied[] = {
	SCMP_SYS(io_uring_enter), SCMP_SYS(recvmsg), SCMP_SYS(recvfrom), SCMP_SYS(sendmsg),
	SCMP_SYS(sendto), SCMP_SYS(shutdown), SCMP_SYS(getsockopt), SCMP_SYS(timerfd_create),
	SCMP_SYS(eventfd2), SCMP_SYS(ftruncate),
};

/* What any thread of hv-vmm does. */
static const int all_syscalls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev),
	SCMP_SYS(preadv2), SCMP_SYS(pwritev2), SCMP_SYS(close), SCMP_SYS(dup),
	SCMP_SYS(fcntl), SCMP_SYS(lseek), SCMP_SYS(fstat), SCMP_SYS(newfstatat),
	SCMP_SYS(statx), SCMP_SYS(ftruncate), SCMP_SYS(fallocate), SCMP_SYS(fdatasync),
	SCMP_SYS(fsync), SCMP_SYS(sync_file_range), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(brk), SCMP_SYS(memfd_create), SCMP_SYS(epoll_create1),
	SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_pwait2), SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(eventfd2),
	SCMP_SYS(timerfd_create), SCMP_SYS(timerfd_settime), SCMP_SYS(timerfd_gettime),
	SCMP_SYS(signalfd4), SCMP_SYS(pipe2), SCMP_SYS(accept4), SCMP_SYS(recvfrom),
	SCMP_SYS(recvmsg), SCMP_SYS(sendto), SCMP_SYS(sendmsg), SCMP_SYS(shutdown),
	SCMP_SYS(getsockopt), SCMP_SYS(futex), SCMP_SYS(futex_waitv), SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(nanosleep), SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigtimedwait), SCMP_SYS(sigaltstack),
	SCMP_SYS(tgkill), SCMP_SYS(gettid), SCMP_SYS(getpid), SCMP_SYS(exit),
	SCMP_SYS(exit_group), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity), SCMP_SYS(setpriority),
	SCMP_SYS(getpriority), SCMP_SYS(getrandom), SCMP_SYS(io_uring_setup),
	SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register), SCMP_SYS(membarrier),
	SCMP_SYS(restart_syscall), SCMP_SYS(prlimit64), SCMP_SYS(sysinfo), SCMP_SYS(uname),
	SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
	SCMP_SYS(mincore),
};

/* Calls that name a path: the root is empty, so they fail (EACCES). */
static const int path_syscalls[] = {
	SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(stat), SCMP_SYS(lstat),
	SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(readlink),
	SCMP_SYS(readlinkat), SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(rename),
	SCMP_SYS(renameat), SCMP_SYS(renameat2), SCMP_SYS(mkdir), SCMP_SYS(mkdirat),
};

static int allow_list(scmp_filter_ctx f, const int *nr, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, nr[i], 0);

		if (rc && rc != -EDOM)	/* -EDOM: not on this architecture */
			return rc;
	}
	return 0;
}

static int allow_ioctls(scmp_filter_ctx f)
{
	for (size_t i = 0; i < sizeof(jail_ioctls) / sizeof(jail_ioctls[0]); i++) {
		int rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
					  SCMP_A1_32(SCMP_CMP_EQ, (uint32_t)jail_ioctls[i]));

		if (rc)
			return rc;
	}
	return 0;
}

/* mmap() and mprotect() without PROT_EXEC: no new code. */
static int allow_memory(scmp_filter_ctx f)
{
	int rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				  SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));

	if (!rc)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	return rc;
}

static scmp_filter_ctx filter_new(void)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_TRAP);

	/* no_new_privs is ours already; a filter never turns it on itself */
	if (f && seccomp_attr_set(f, SCMP_FLTATR_CTL_NNP, 0)) {
		seccomp_release(f);
		return NULL;
	}
	return f;
}

/* Calls that name a path fail with EACCES instead of stopping hv-vmm. */
static int refuse_paths(scmp_filter_ctx f)
{
	for (size_t i = 0; i < sizeof(path_syscalls) / sizeof(path_syscalls[0]); i++) {
		int rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EACCES), path_syscalls[i], 0);

		if (rc && rc != -EDOM)	/* -EDOM: not on this architecture */
			return rc;
	}
	return 0;
}

/* The process's filter: what any thread does. */
static int filter_all(scmp_filter_ctx f)
{
	int rc = allow_list(f, all_syscalls, sizeof(all_syscalls) / sizeof(all_syscalls[0]));

	rc = rc ? rc : allow_ioctls(f);
	rc = rc ? rc : allow_memory(f);
	/* threads, never processes; clone3's flags are out of a filter's sight */
	rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
					SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* its own name (vm_thread_create()); a further filter of a thread's own */
	rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
					SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
					SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME));
	rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(seccomp), 1,
					SCMP_A0(SCMP_CMP_EQ, SECCOMP_SET_MODE_FILTER));
	return rc ? rc : refuse_paths(f);
}

/* Which ioctl()s a thread kind's filter lets through to the process's. */
enum ioctls { IOCTLS_ALL, IOCTLS_IO, IOCTLS_NONE };

/*
 * A thread kind's filter: the process's calls less narrowed_denied and
 * @denied, stacked on the process's filter (which checks arguments, so
 * mmap() and the ioctl()s allowed here are still checked there).  No
 * clone() and no seccomp(): a narrowed thread makes no threads and no
 * further filters.
 */
static int filter_narrow(scmp_filter_ctx f, const int *denied, size_t nr_denied,
			 enum ioctls ioctls)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < sizeof(all_syscalls) / sizeof(all_syscalls[0]); i++) {
		bool no = false;

		for (size_t j = 0; j < nr_denied; j++)
			no |= denied[j] == all_syscalls[i];
		for (size_t j = 0; j < sizeof(narrowed_denied) / sizeof(narrowed_denied[0]); j++)
			no |= narrowed_denied[j] == all_syscalls[i];
		if (!no)
			rc = allow_list(f, &all_syscalls[i], 1);
	}
	if (ioctls == IOCTLS_ALL)
		rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 0);
	for (size_t i = 0; ioctls == IOCTLS_IO &&
			   i < sizeof(jail_io_ioctls) / sizeof(jail_io_ioctls[0]); i++)
		rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
						SCMP_A1_32(SCMP_CMP_EQ,
							   (uint32_t)jail_io_ioctls[i]));
	rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 0);
	rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 0);
	rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
					SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
					SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME));
	return rc ? rc : refuse_paths(f);
}

#define NARROW(f, denied, ioctls) \
	filter_narrow(f, denied, sizeof(denied) / sizeof(denied[0]), ioctls)

/* Prints @f's BPF as the array @name. */
static int print_filter(scmp_filter_ctx f, const char *name)
{
	FILE *tmp = tmpfile();
	struct sock_filter insn;
	unsigned int n = 0;

	if (!tmp || seccomp_export_bpf(f, fileno(tmp)) < 0)
		return -1;
	rewind(tmp);
	printf("static const struct sock_filter %s[] = {\n", name);
	while (fread(&insn, sizeof(insn), 1, tmp) == 1) {
		printf("\t{ 0x%04x, %u, %u, 0x%08x },\n", insn.code, insn.jt, insn.jf, insn.k);
		n++;
	}
	printf("};\n\n");
	fclose(tmp);
	return n ? 0 : -1;
}

int main(void)
{
	static const char *const names[] = {
		"jail_bpf_process", "jail_bpf_vcpu", "jail_bpf_io", "jail_bpf_migrate",
		"jail_bpf_background",
	};
	scmp_filter_ctx f[5];
	int rc = 0;

	for (int i = 0; i < 5; i++)
		if (!(f[i] = filter_new()))
			rc = -ENOMEM;
	rc = rc ? rc : filter_all(f[0]);
	rc = rc ? rc : NARROW(f[1], vcpu_denied, IOCTLS_ALL);
	rc = rc ? rc : NARROW(f[2], io_denied, IOCTLS_IO);
	rc = rc ? rc : NARROW(f[3], migrate_denied, IOCTLS_ALL);
	rc = rc ? rc : NARROW(f[4], background_denied, IOCTLS_NONE);
	if (rc) {
		fprintf(stderr, "jail-gen: cannot build the filters\n");
		return 1;
	}
	printf("/* Made by jail-gen (hypervisor/vmm/jail-gen.c) at build time: do not edit. */\n\n");
	for (int i = 0; i < 5; i++)
		if (print_filter(f[i], names[i])) {
			fprintf(stderr, "jail-gen: cannot export the filters\n");
			return 1;
		}
	printf("static const char *const jail_syscall_names[%d] = {\n", JAIL_NAMES);
	for (int nr = 0; nr < JAIL_NAMES; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);

		if (name)
			printf("\t[%d] = \"%s\",\n", nr, name);
		free(name);
	}
	printf("};\n");
	for (int i = 0; i < 5; i++)
		seccomp_release(f[i]);
	return fflush(stdout) ? 1 : 0;
}
