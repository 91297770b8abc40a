/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-vmm's jail.  Everything a guest controls reaches hv-vmm's device
 * models, so hv-vmm is built to be of no use to a guest that takes it over:
 * before it reads the first byte of a domain (hvd's BUILD or RESTORE, a save
 * image, a kernel) it enters a jail it cannot leave.
 *
 *  - PID 1 of a PID namespace of its own (hvd clones it so; standalone, it
 *    forks once and the parent relays signals and the exit status), and new
 *    mount, IPC, UTS and network namespaces: no other process to signal or
 *    trace, no network but a loopback that is down;
 *  - an empty read-only tmpfs as its root (pivot_root), so no host path can
 *    be opened: every file it uses came to it as a descriptor;
 *  - rlimits (no core dumps: they would hold the guest's memory);
 *  - no capability, bounding set included; the uid and gid it was given
 *    (one per domain, from hvd's range: docs/hv-vmm.md); no_new_privs;
 *  - a seccomp filter that allows the system calls hv-vmm makes and no
 *    other, ioctl()s by number, no new executable memory, threads but no
 *    processes, and a narrower one stacked on each vCPU thread.  A call
 *    outside the filter stops hv-vmm with a line naming it (exit status
 *    JAIL_EXIT_SECCOMP); calls that name a path fail with EACCES instead,
 *    since the C library probes a few files on its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include "kvm/vm.h"
#include "jail.h"
#include "log.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

static bool jailed;
static int pagemap_fd = -1;
/* the vCPU threads' filter, compiled once */
static struct sock_fprog vcpu_prog;

/* System call names for the SIGSYS handler, which may not allocate. */
#define JAIL_NAMES 512
static char names_pool[JAIL_NAMES * 12];
static unsigned short names_at[JAIL_NAMES];

int jail_parse(const char *arg, struct jail_conf *c)
{
	unsigned long u, g;
	char *end;

	errno = 0;
	u = strtoul(arg, &end, 10);
	g = u;
	if (!errno && end != arg && *end == ':') {
		const char *gs = end + 1;

		g = strtoul(gs, &end, 10);
		if (end == gs)
			errno = EINVAL;
	}
	if (errno || end == arg || *end || *arg == '-' || u == 0 || g == 0 ||
	    u >= 0xffffffffu || g >= 0xffffffffu) {
		err("--jail %s: expected UID[:GID], numbers other than 0 (root)", arg);
		return -EINVAL;
	}
	c->uid = (uid_t)u;
	c->gid = (gid_t)g;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

void jail_close_inherited(const int *keep, size_t n)
{
	int k[16];
	unsigned int from = 3;
	size_t m = 0;

	for (size_t i = 0; i < n && m < sizeof(k) / sizeof(k[0]); i++)
		if (keep[i] > 2)
			k[m++] = keep[i];
	qsort(k, m, sizeof(int), cmp_int);
	for (size_t i = 0; i <= m; i++) {
		unsigned int to = i < m ? (unsigned int)k[i] : ~0u;

		if (to > from)
			syscall(SYS_close_range, from, to - 1, 0);
		if (i < m)
			from = (unsigned int)k[i] + 1;
	}
}

bool jail_active(void)
{
	return jailed;
}

int jail_kvm_fd(void)
{
	return vm_kvm_open();
}

int jail_pagemap_fd(void)
{
	if (pagemap_fd >= 0)
		return fcntl(pagemap_fd, F_DUPFD_CLOEXEC, 3);
	return open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
}

/* async-signal-safe: what the handler writes */
static void put(char *buf, size_t *at, size_t size, const char *s)
{
	while (*s && *at + 1 < size)
		buf[(*at)++] = *s++;
}

static void put_num(char *buf, size_t *at, size_t size, long v)
{
	char d[24];
	int n = 0;

	if (v < 0) {
		put(buf, at, size, "-");
		v = -v;
	}
	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < (int)sizeof(d));
	while (n && *at + 1 < size)
		buf[(*at)++] = d[--n];
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char buf[256];
	size_t at = 0;
	int nr = si->si_syscall;

	put(buf, &at, sizeof(buf), "hv-vmm: error: the seccomp filter stopped hv-vmm: thread ");
	put_num(buf, &at, sizeof(buf), syscall(SYS_gettid));
	put(buf, &at, sizeof(buf), " made system call ");
	put_num(buf, &at, sizeof(buf), nr);
	if (nr >= 0 && nr < JAIL_NAMES && names_at[nr]) {
		put(buf, &at, sizeof(buf), " (");
		put(buf, &at, sizeof(buf), names_pool + names_at[nr]);
		put(buf, &at, sizeof(buf), ")");
	}
	put(buf, &at, sizeof(buf), ", which the jail does not allow\n");
	if (write(STDERR_FILENO, buf, at) < 0) {
		/* nowhere else to say it */
	}
	/* PID 1 of its namespace cannot kill itself with a signal: exit */
	syscall(SYS_exit_group, JAIL_EXIT_SECCOMP);
}

static void names_init(void)
{
	size_t at = 1;

	for (int nr = 0; nr < JAIL_NAMES; nr++) {
		char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		size_t len = s ? strlen(s) : 0;

		if (s && at + len + 1 <= sizeof(names_pool)) {
			memcpy(names_pool + at, s, len + 1);
			names_at[nr] = (unsigned short)at;
			at += len + 1;
		}
		free(s);
	}
}

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
};

/*
 * What a vCPU thread never does, though other threads do: make threads,
 * accept connections, make guest memory, rings, loops or signal
 * descriptors.  Threads a vCPU thread made would inherit its filter, so
 * devices make theirs when they are built, on the main thread.
 */
static const int vcpu_denied[] = {
	SCMP_SYS(accept4), SCMP_SYS(memfd_create), SCMP_SYS(signalfd4), SCMP_SYS(pipe2),
	SCMP_SYS(epoll_create1), SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_register),
	SCMP_SYS(setpriority), SCMP_SYS(recvmsg), SCMP_SYS(recvfrom),
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
	/* pthread_setname_np() for itself; a further filter of a thread's own */
	rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
					SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(seccomp), 1,
					SCMP_A0(SCMP_CMP_EQ, SECCOMP_SET_MODE_FILTER));
	for (size_t i = 0; !rc && i < sizeof(path_syscalls) / sizeof(path_syscalls[0]); i++) {
		rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EACCES), path_syscalls[i], 0);
		if (rc == -EDOM)
			rc = 0;
	}
	return rc;
}

/* A vCPU thread's: a subset, stacked on the process's (which checks arguments). */
static int filter_vcpu(scmp_filter_ctx f)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < sizeof(all_syscalls) / sizeof(all_syscalls[0]); i++) {
		bool denied = false;

		for (size_t j = 0; j < sizeof(vcpu_denied) / sizeof(vcpu_denied[0]); j++)
			denied |= vcpu_denied[j] == all_syscalls[i];
		if (!denied)
			rc = allow_list(f, &all_syscalls[i], 1);
	}
	rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 0);
	rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 0);
	rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 0);
	rc = rc ? rc : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
					SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	for (size_t i = 0; !rc && i < sizeof(path_syscalls) / sizeof(path_syscalls[0]); i++) {
		rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EACCES), path_syscalls[i], 0);
		if (rc == -EDOM)
			rc = 0;
	}
	return rc;
}

/* Compiles @f to BPF in @prog (for threads to load without libseccomp's work). */
static int filter_export(scmp_filter_ctx f, struct sock_fprog *prog)
{
	int fd = memfd_create("hv-seccomp", MFD_CLOEXEC);
	off_t size;
	int rc = -EIO;

	if (fd < 0)
		return -errno;
	if (seccomp_export_bpf(f, fd) == 0 && (size = lseek(fd, 0, SEEK_END)) > 0 &&
	    size % sizeof(struct sock_filter) == 0 && size / sizeof(struct sock_filter) <= 4096) {
		prog->filter = malloc((size_t)size);
		if (prog->filter && pread(fd, prog->filter, (size_t)size, 0) == size) {
			prog->len = (unsigned short)(size / sizeof(struct sock_filter));
			rc = 0;
		} else {
			free(prog->filter);
			prog->filter = NULL;
		}
	}
	close(fd);
	return rc;
}

int jail_thread(enum jail_thread kind)
{
	if (!jailed || kind != JAIL_THREAD_VCPU || !vcpu_prog.filter)
		return 0;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &vcpu_prog) < 0) {
		err("jail: cannot narrow the vCPU thread's seccomp filter: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Standalone, hv-vmm is not PID 1 of a namespace: it makes one and forks
 * into it.  The parent stays outside, only to pass signals on to the child
 * and its exit status back (its own pid is the one the user knows).
 */
static int jail_pid_namespace(void)
{
	sigset_t all, old;
	pid_t child;

	if (getpid() == 1)
		return 0;
	if (unshare(CLONE_NEWPID) < 0) {
		err("jail: cannot make a PID namespace: %s", strerror(errno));
		return -errno;
	}
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	child = fork();
	if (child < 0) {
		err("jail: cannot fork into the PID namespace: %s", strerror(errno));
		return -errno;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return 0;
	}
	/* the relay: hold nothing of the domain's */
	syscall(SYS_close_range, 3u, ~0u, 0u);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si), status;

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		if (waitpid(child, &status, WNOHANG) != child)
			continue;
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
}

/* An empty, read-only tmpfs becomes the root; the old one is let go. */
static int jail_root(const char *dir)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		err("jail: cannot make the mounts private: %s", strerror(errno));
		return -errno;
	}
	if (mount("hv-jail", dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,nr_inodes=2,mode=0555") < 0) {
		err("jail: cannot mount an empty root on %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (chdir(dir) < 0)
		return -errno;
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		if (umount2(".", MNT_DETACH) < 0) {
			err("jail: cannot let the host's root go: %s", strerror(errno));
			return -errno;
		}
	} else if (errno == EINVAL) {
		/* the host's root is the initramfs (no pivot_root there): move over it */
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0) {
			err("jail: cannot make %s the root: %s", dir, strerror(errno));
			return -errno;
		}
	} else {
		err("jail: pivot_root into %s: %s", dir, strerror(errno));
		return -errno;
	}
	return chdir("/") < 0 ? -errno : 0;
}

static int jail_limits(void)
{
	static const struct { int res; rlim_t max; } lim[] = {
		{ RLIMIT_CORE, 0 },		/* a core would hold the guest's memory */
		{ RLIMIT_NOFILE, 4096 },
		{ RLIMIT_NPROC, 1024 },		/* threads of this uid: vCPUs, I/O */
		{ RLIMIT_MSGQUEUE, 0 },
		{ RLIMIT_LOCKS, 64 },
	};

	for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		struct rlimit r;

		if (getrlimit(lim[i].res, &r) < 0)
			return -errno;
		if (r.rlim_max > lim[i].max)
			r.rlim_max = lim[i].max;
		if (r.rlim_cur > r.rlim_max)
			r.rlim_cur = r.rlim_max;
		if (setrlimit(lim[i].res, &r) < 0) {
			err("jail: cannot set resource limit %d: %s", lim[i].res, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* No capability left, in any set, and none to be had again. */
static int jail_drop(const struct jail_conf *c)
{
	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
			err("jail: cannot drop capability %d: %s", cap, strerror(errno));
			return -errno;
		}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (setgroups(0, NULL) < 0 || setresgid(c->gid, c->gid, c->gid) < 0 ||
	    setresuid(c->uid, c->uid, c->uid) < 0) {
		err("jail: cannot become uid %u gid %u: %s", (unsigned int)c->uid,
		    (unsigned int)c->gid, strerror(errno));
		return -errno;
	}
	/* a uid other than 0 has no capabilities left; check, do not trust */
	{
		struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct d[2];

		if (syscall(SYS_capget, &h, d) < 0 || d[0].effective || d[1].effective ||
		    d[0].permitted || d[1].permitted) {
			err("jail: capabilities are left after the change of uid");
			return -EPERM;
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		err("jail: cannot set no_new_privs: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int jail_seccomp(void)
{
	scmp_filter_ctx all = filter_new(), vcpu = filter_new();
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	int rc = all && vcpu ? 0 : -ENOMEM;

	rc = rc ? rc : filter_all(all);
	rc = rc ? rc : filter_vcpu(vcpu);
	rc = rc ? rc : filter_export(vcpu, &vcpu_prog);
	if (!rc) {
		names_init();
		sigemptyset(&sa.sa_mask);
		rc = sigaction(SIGSYS, &sa, NULL) < 0 ? -errno : 0;
	}
	rc = rc ? rc : seccomp_load(all);
	if (rc)
		err("jail: cannot load the seccomp filter: %s", strerror(-rc));
	seccomp_release(all);
	seccomp_release(vcpu);
	return rc;
}

/*
 * HV_VMM_JAIL_PROBE (tests/integration/vmm-jail.sh): right after entering
 * the jail, try what a guest that took hv-vmm over would.  "files" opens
 * host files and says what it got; "wait" waits for EOF on stdin, so a test
 * can look at the jailed process from outside; any other word makes the
 * system call it names, which the filter does not allow.
 */
static void jail_probe(const char *what)
{
	static const char *const files[] = { "/etc/shadow", "/etc/hv-jail-probe", "/dev/kvm",
					     "/proc/1/mem", "/" };
	char b;
	long r = 0;

	if (!strcmp(what, "files")) {
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			int fd = open(files[i], O_RDWR | O_CREAT | O_CLOEXEC, 0600);

			err("jail probe: open %s: %s", files[i], fd < 0 ? strerror(errno) :
			    "opened");
			if (fd >= 0)
				close(fd);
		}
		return;
	}
	if (!strcmp(what, "wait")) {
		err("jail probe: waiting for EOF on stdin");
		while (read(STDIN_FILENO, &b, 1) > 0 || errno == EINTR)
			;
		return;
	}
	err("jail probe: %s", what);
	if (!strcmp(what, "socket"))
		r = syscall(SYS_socket, 2 /* AF_INET */, 1 /* SOCK_STREAM */, 0);
	else if (!strcmp(what, "ptrace"))
		r = syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
	else if (!strcmp(what, "mount"))
		r = syscall(SYS_mount, "none", "/", "tmpfs", 0, NULL);
	else if (!strcmp(what, "execve"))
		r = syscall(SYS_execve, "/bin/sh", NULL, NULL);
	else if (!strcmp(what, "fork"))
		r = syscall(SYS_fork);
	else if (!strcmp(what, "setuid"))
		r = syscall(SYS_setuid, 0);
	else if (!strcmp(what, "kill"))
		r = syscall(SYS_kill, -1, SIGKILL);
	else if (!strcmp(what, "unshare"))
		r = syscall(SYS_unshare, CLONE_NEWUSER);
	else if (!strcmp(what, "exec-memory"))
		r = (long)mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	err("jail probe: %s returned %ld (%s): the filter let it through", what, r,
	    r < 0 ? strerror(errno) : "no error");
}

int jail_enter(const struct jail_conf *c)
{
	int rc, fd;

	rc = jail_pid_namespace();
	if (rc)
		return rc;
	/* what the empty root will not have */
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vm_kvm_preset(fd, fd < 0 ? errno : 0);
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	tzset();
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET |
		    CLONE_NEWCGROUP) < 0) {
		err("jail: cannot make the namespaces: %s (hv-vmm's jail needs root; "
		    "run without --jail otherwise)", strerror(errno));
		return -errno;
	}
	rc = jail_root(c->mount_dir ? c->mount_dir : "/tmp");
	rc = rc ? rc : jail_limits();
	rc = rc ? rc : jail_drop(c);
	rc = rc ? rc : jail_seccomp();
	if (rc)
		return rc;
	jailed = true;
	if (getenv("HV_VMM_JAIL_PROBE"))
		jail_probe(getenv("HV_VMM_JAIL_PROBE"));
	dbg("jailed: uid %u gid %u, pid 1 of its namespaces", (unsigned int)c->uid,
	    (unsigned int)c->gid);
	return 0;
}
