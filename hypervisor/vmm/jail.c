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
 *  - an empty read-only tmpfs as its root, so no host path can
 *    be opened: every file it uses came to it as a descriptor;
 *  - rlimits (no core dumps: they would hold the guest's memory);
 *  - no capability, bounding set included; the uid and gid it was given
 *    (one per domain, from hvd's range: docs/hv-vmm.md); no_new_privs;
 *  - a seccomp filter that allows the system calls hv-vmm makes and no
 *    other, ioctl()s by number, no new executable memory, threads but no
 *    processes, and a narrower one stacked on each thread by what it
 *    does: vCPU, device I/O (no KVM ioctl()s), migration, a restore's
 *    background copy (no ioctl()s) (all compiled at build time by
 *    jail-gen.c into jail-bpf.h).  A call
 *    outside the filter stops hv-vmm with a line naming it (exit status
 *    JAIL_EXIT_SECCOMP); calls that name a path fail with EACCES instead,
 *    since the C library probes a few files on its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <poll.h>
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
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "kvm/vm.h"
#include "jail-bpf.h"
#include "jail.h"
#include "log.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

static bool jailed;
static int pagemap_fd = -1;
static int relay_fd = -1;	/* standalone: the exit status to the relay (jail_report_exit()) */

int jail_parse(const char *arg, struct jail_conf *c)
{
	unsigned long u, g;
	char *end;

	c->netns_fd = -1;
	if (!strcmp(arg, "self")) {
		c->self = true;
		c->uid = geteuid();
		c->gid = getegid();
		return 0;
	}
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
		err("--jail %s: expected UID[:GID], numbers other than 0 (root), or self", arg);
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
	if (nr >= 0 && nr < (int)(sizeof(jail_syscall_names) / sizeof(jail_syscall_names[0])) &&
	    jail_syscall_names[nr]) {
		put(buf, &at, sizeof(buf), " (");
		put(buf, &at, sizeof(buf), jail_syscall_names[nr]);
		put(buf, &at, sizeof(buf), ")");
	}
	put(buf, &at, sizeof(buf), ", which the jail does not allow\n");
	if (write(STDERR_FILENO, buf, at) < 0) {
		/* nowhere else to say it */
	}
	/* PID 1 of its namespace cannot kill itself with a signal: exit */
	syscall(SYS_exit_group, JAIL_EXIT_SECCOMP);
}

static int jail_load(const struct sock_filter *insns, size_t n)
{
	struct sock_fprog prog = { .len = (unsigned short)n, .filter = (struct sock_filter *)insns };

	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 ? -errno : 0;
}

#define JAIL_FILTER(name, bpf) { name, bpf, sizeof(bpf) / sizeof(bpf[0]) }

int jail_thread(enum vm_thread kind)
{
	static const struct {
		const char *what;
		const struct sock_filter *bpf;
		size_t len;
	} kinds[] = {
		[VM_THREAD_VCPU] = JAIL_FILTER("vCPU", jail_bpf_vcpu),
		[VM_THREAD_IO] = JAIL_FILTER("I/O", jail_bpf_io),
		[VM_THREAD_MIGRATE] = JAIL_FILTER("migration", jail_bpf_migrate),
		[VM_THREAD_BACKGROUND] = JAIL_FILTER("background", jail_bpf_background),
	};
	int rc;

	if (!jailed)
		return 0;
	rc = jail_load(kinds[kind].bpf, kinds[kind].len);
	if (rc)
		err("jail: cannot narrow the %s thread's seccomp filter: %s", kinds[kind].what,
		    strerror(-rc));
	return rc;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));
	int rc = n == (ssize_t)strlen(text) ? 0 : -errno;

	if (fd >= 0)
		close(fd);
	return rc;
}

/* Whether we are in the host's user namespace (its uid_map maps every uid). */
static bool initial_userns(void)
{
	char buf[64] = "";
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = '\0';
		close(fd);
	}
	return strstr(buf, "4294967295") != NULL;
}

/*
 * --jail self: a user namespace of our own in which our uid and gid are
 * root, so that what follows (namespaces, mounts) needs no privilege on the
 * host; the capabilities that gives are all dropped in jail_drop().  hvd
 * makes the namespace when it clones hv-vmm; standalone, we make it here.
 */
static int jail_userns(struct jail_conf *c)
{
	char map[64];
	int rc;

	if (!initial_userns()) {
		if (geteuid() != 0) {
			err("jail: in a user namespace that does not map us to root");
			return -EPERM;
		}
		return 0;	/* hvd made it and mapped us */
	}
	if (geteuid() == 0) {
		err("--jail self keeps hv-vmm's uid, which is root's: give a uid (--jail UID)");
		return -EINVAL;
	}
	if (unshare(CLONE_NEWUSER) < 0) {
		err("jail: cannot make a user namespace: %s (are unprivileged user namespaces "
		    "turned off? sysctl kernel.unprivileged_userns_clone)", strerror(errno));
		return -errno;
	}
	rc = write_file("/proc/self/setgroups", "deny");
	if (!rc) {
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)c->uid);
		rc = write_file("/proc/self/uid_map", map);
	}
	if (!rc) {
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)c->gid);
		rc = write_file("/proc/self/gid_map", map);
	}
	if (rc)
		err("jail: cannot map uid %u in its user namespace: %s", (unsigned int)c->uid,
		    strerror(-rc));
	return rc;
}

/*
 * The relay, outside the PID namespace: passes signals on to @child, and
 * exits with the status that comes on @status_fd (jail_report_exit()), or,
 * where none came (the child was killed, or its filter stopped it), with
 * the child's own once it has ended.  A status that came is the child's
 * last word: it is killed then, so that one that lied (a guest that took
 * it over) does not run on once nobody holds its pid.
 */
static void jail_relay(pid_t child, int status_fd, const sigset_t *all)
{
	int sfd = signalfd(-1, all, SFD_CLOEXEC);

	if (sfd < 0) {
		int status;

		/* no signals to pass on then: the child's end is all it can give */
		err("jail: the relay cannot take signals (%s): it only waits for hv-vmm's end",
		    strerror(errno));
		while (waitpid(child, &status, 0) != child)
			if (errno != EINTR)
				_exit(125);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN },
				       { .fd = status_fd, .events = POLLIN } };
		struct signalfd_siginfo si;
		int status;

		if (poll(p, status_fd >= 0 ? 2 : 1, -1) < 0)
			continue;
		if (p[1].revents) {
			ssize_t n = read(status_fd, &status, sizeof(status));

			if (n == (ssize_t)sizeof(status)) {
				kill(child, SIGKILL);
				_exit(status);
			}
			if (n == 0 || (n < 0 && errno != EINTR)) {
				close(status_fd);
				status_fd = -1;
			}
		}
		if (!(p[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD) {
			kill(child, (int)si.ssi_signo);
			continue;
		}
		if (waitpid(child, &status, WNOHANG) != child)
			continue;
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
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
	int p[2];

	if (getpid() == 1)
		return 0;
	if (unshare(CLONE_NEWPID) < 0) {
		err("jail: cannot make a PID namespace: %s", strerror(errno));
		return -errno;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		err("jail: cannot make the relay's pipe: %s", strerror(errno));
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
		close(p[0]);
		relay_fd = p[1];
		return 0;
	}
	/* the relay: hold nothing of the domain's */
	if (dup2(p[0], 3) < 0)
		_exit(125);
	syscall(SYS_close_range, 4u, ~0u, 0u);
	jail_relay(child, 3, &all);
	return 0;	/* not reached */
}

void jail_report_exit(int status)
{
	if (relay_fd < 0)
		return;
	if (write(relay_fd, &status, sizeof(status)) < 0)
		dbg("jail: cannot tell the relay the exit status: %s", strerror(errno));
	close(relay_fd);
	relay_fd = -1;
}

/*
 * An empty, read-only tmpfs becomes the root: mounted on @dir, moved over
 * "/" and made the root (what switch_root does).  The host's root stays
 * beneath it, unreachable: no path leads there from the new root, no
 * descriptor of a directory is held, and chroot() and pivot_root() need
 * capabilities the jail drops.  pivot_root() and detaching the old root
 * would cost an RCU grace period (milliseconds) on every start, and the
 * namespace's end costs one anyway.
 */
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
	if (chdir(dir) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0) {
		err("jail: cannot make the empty root on %s the root: %s", dir, strerror(errno));
		return -errno;
	}
	return 0;
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
	if (c->self) {
		/* root of its user namespace, our uid outside: drop what that gives */
		struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct none[2] = { { 0 } };

		if (syscall(SYS_capset, &h, none) < 0) {
			err("jail: cannot drop capabilities: %s", strerror(errno));
			return -errno;
		}
	} else if (setgroups(0, NULL) < 0 || setresgid(c->gid, c->gid, c->gid) < 0 ||
		   setresuid(c->uid, c->uid, c->uid) < 0) {
		err("jail: cannot become uid %u gid %u: %s", (unsigned int)c->uid,
		    (unsigned int)c->gid, strerror(errno));
		return -errno;
	}
	/* none left either way; check, do not trust */
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
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	int rc;

	sigemptyset(&sa.sa_mask);
	rc = sigaction(SIGSYS, &sa, NULL) < 0 ? -errno : 0;
	rc = rc ? rc : jail_load(jail_bpf_process, sizeof(jail_bpf_process) /
				 sizeof(jail_bpf_process[0]));
	if (rc)
		err("jail: cannot load the seccomp filter: %s", strerror(-rc));
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

static double jail_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int jail_enter(struct jail_conf *c)
{
	double t0, t1, t2, t3, t4;
	bool joined;
	int rc, fd;

	rc = c->self ? jail_userns(c) : 0;
	rc = rc ? rc : jail_pid_namespace();
	if (rc)
		return rc;
	t0 = jail_ms();
	/* what the empty root will not have */
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vm_kvm_preset(fd, fd < 0 ? errno : 0);
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	/* hvd's empty network namespace, shared by its hv-vmms, or one of our own */
	joined = c->netns_fd >= 0;
	if (joined) {
		rc = setns(c->netns_fd, CLONE_NEWNET) < 0 ? -errno : 0;
		close(c->netns_fd);
		c->netns_fd = -1;
		if (rc) {
			err("jail: cannot join the network namespace of --jail-netns-fd: %s",
			    strerror(-rc));
			return rc;
		}
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP |
		    (joined ? 0 : CLONE_NEWNET)) < 0) {
		err("jail: cannot make the namespaces: %s (hv-vmm's jail needs root, or "
		    "--jail self)", strerror(errno));
		return -errno;
	}
	t1 = jail_ms();
	rc = jail_root(c->mount_dir ? c->mount_dir : "/tmp");
	t2 = jail_ms();
	rc = rc ? rc : jail_limits();
	rc = rc ? rc : jail_drop(c);
	t3 = jail_ms();
	rc = rc ? rc : jail_seccomp();
	if (rc)
		return rc;
	t4 = jail_ms();
	jailed = true;
	vm_thread_hook(jail_thread);
	if (getenv("HV_VMM_JAIL_PROBE"))
		jail_probe(getenv("HV_VMM_JAIL_PROBE"));
	if (c->self)
		dbg("jailed in a user namespace of its own (the user's uid outside) in %.2f ms: "
		    "namespaces %.2f, root %.2f, identity %.2f, seccomp %.2f", t4 - t0, t1 - t0,
		    t2 - t1, t3 - t2, t4 - t3);
	else
		dbg("jailed as uid %u gid %u in %.2f ms: namespaces %.2f, root %.2f, identity %.2f, "
		    "seccomp %.2f", (unsigned int)c->uid, (unsigned int)c->gid, t4 - t0, t1 - t0,
		    t2 - t1, t3 - t2, t4 - t3);
	return 0;
}
