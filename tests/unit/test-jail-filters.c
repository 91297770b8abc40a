/*
 * hv-vmm's per-thread seccomp filters (hypervisor/vmm/jail-gen.c, built
 * into jail-bpf.h): each kind of thread is let do what it does and stopped
 * (SIGSYS) at what it never does.  Each case runs one call in a child
 * process under one filter alone, and looks at how the child ended: it
 * exits 0 when the call was let through (whatever the call returned), it
 * dies of SIGSYS when the filter stopped it.  A call that names a path
 * fails with EACCES under every filter.
 */
#include <check.h>
#include "check-main.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "jail-bpf.h"

#define FILTER(bpf) { #bpf, bpf, sizeof(bpf) / sizeof(bpf[0]) }

struct filter {
	const char *name;
	const struct sock_filter *bpf;
	size_t len;
};

static const struct filter vcpu = FILTER(jail_bpf_vcpu), io = FILTER(jail_bpf_io),
			   migrate = FILTER(jail_bpf_migrate),
			   background = FILTER(jail_bpf_background);

static int null_fd(void)
{
	return open("/dev/null", O_RDWR | O_CLOEXEC);
}

static void *nothing(void *arg)
{
	return arg;
}

/* The calls, each on descriptors opened before the filter. */
static void call_kvm_ioctl(int fd)
{
	(void)!ioctl(fd, KVM_GET_API_VERSION, 0);
}

/* an interrupt's route: allowed to I/O threads (a vector moved is routed at its next interrupt) */
static void call_gsi_routing(int fd)
{
	struct kvm_irq_routing r = { 0 };

	(void)!ioctl(fd, KVM_SET_GSI_ROUTING, &r);
}

static void call_blk_ioctl(int fd)
{
	uint64_t range[2] = { 0, 4096 };

	(void)!ioctl(fd, BLKDISCARD, range);
}

static void call_tun_ioctl(int fd)
{
	(void)!ioctl(fd, TUNSETOFFLOAD, 0);
}

static void call_tun_getiff(int fd)
{
	(void)!ioctl(fd, TUNGETIFF, NULL);
}

static void call_eventfd(int fd)
{
	(void)fd;
	(void)!eventfd(0, EFD_CLOEXEC);
}

static void call_thread(int fd)
{
	pthread_t t;

	(void)fd;
	if (!pthread_create(&t, NULL, nothing, NULL))
		pthread_join(t, NULL);
}

static void call_sendto(int fd)
{
	(void)!sendto(fd, "x", 1, MSG_DONTWAIT, NULL, 0);
}

static void call_setpriority(int fd)
{
	(void)fd;
	(void)!setpriority(PRIO_PROCESS, 0, 0);
}

static void call_write(int fd)
{
	(void)!write(fd, "x", 1);
}

static void call_uring_enter(int fd)
{
	(void)!syscall(__NR_io_uring_enter, fd, 0, 0, 0, NULL, 0);
}

static void call_accept(int fd)
{
	(void)!accept4(fd, NULL, NULL, SOCK_CLOEXEC);
}

/* A path: the child exits 0 only if it was refused with EACCES. */
static int path_refused;

static void call_open(int fd)
{
	(void)fd;
	path_refused = open("/dev/null", O_RDONLY | O_CLOEXEC) < 0 && errno == EACCES;
}

/* True when @call, under @f alone, was let through (false: SIGSYS). */
static bool allowed(const struct filter *f, void (*call)(int))
{
	struct sock_fprog prog = { .len = (unsigned short)f->len,
				   .filter = (struct sock_filter *)f->bpf };
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rlimit none = { 0, 0 };
		int fd = null_fd();

		setrlimit(RLIMIT_CORE, &none);	/* a SIGSYS leaves no core file */
		if (fd < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
			_exit(3);
		path_refused = true;
		call(fd);
		_exit(path_refused ? 0 : 4);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status)) {
		ck_assert_msg(WTERMSIG(status) == SIGSYS, "%s: the child died of signal %d",
			      f->name, WTERMSIG(status));
		return false;
	}
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "%s: the child could not load the filter or make its call (status %d)",
		      f->name, status);
	return true;
}

START_TEST(every_kind_writes_and_refuses_paths)
{
	const struct filter *all[] = { &vcpu, &io, &migrate, &background };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		ck_assert_msg(allowed(all[i], call_write), "%s stops write()", all[i]->name);
		ck_assert_msg(allowed(all[i], call_open), "%s does not refuse a path with EACCES",
			      all[i]->name);
		ck_assert_msg(!allowed(all[i], call_thread), "%s lets a thread be made",
			      all[i]->name);
		ck_assert_msg(!allowed(all[i], call_accept), "%s lets accept4() through",
			      all[i]->name);
	}
}
END_TEST

START_TEST(io_threads_have_no_kvm_but_interrupts_and_no_sockets)
{
	ck_assert(!allowed(&io, call_kvm_ioctl));
	ck_assert(allowed(&io, call_gsi_routing));
	ck_assert(allowed(&io, call_blk_ioctl));
	ck_assert(allowed(&io, call_tun_ioctl));
	ck_assert(!allowed(&io, call_tun_getiff));	/* set-up's, not an I/O thread's */
	ck_assert(!allowed(&io, call_eventfd));
	ck_assert(!allowed(&io, call_sendto));
	ck_assert(!allowed(&io, call_setpriority));
	ck_assert(!allowed(&io, call_uring_enter));
}
END_TEST

START_TEST(migration_reads_kvm_state_and_sends)
{
	ck_assert(allowed(&migrate, call_kvm_ioctl));
	ck_assert(allowed(&migrate, call_sendto));
	ck_assert(allowed(&migrate, call_uring_enter));	/* a resume restarts the disks */
	ck_assert(!allowed(&migrate, call_eventfd));
	ck_assert(!allowed(&migrate, call_setpriority));
}
END_TEST

START_TEST(background_threads_have_no_ioctl)
{
	ck_assert(!allowed(&background, call_kvm_ioctl));
	ck_assert(!allowed(&background, call_gsi_routing));
	ck_assert(!allowed(&background, call_blk_ioctl));
	ck_assert(!allowed(&background, call_sendto));
	ck_assert(allowed(&background, call_setpriority));	/* the copy lowers its own */
}
END_TEST

START_TEST(vcpu_threads_keep_kvm)
{
	/* the names hv-vmm says when a filter stops it */
	ck_assert_str_eq(jail_syscall_names[__NR_ioctl], "ioctl");
	ck_assert(allowed(&vcpu, call_kvm_ioctl));
	ck_assert(allowed(&vcpu, call_eventfd));
	ck_assert(!allowed(&vcpu, call_setpriority));
}
END_TEST

static Suite *jail_filters_suite(void)
{
	Suite *s = suite_create("jail-filters");
	TCase *tc = tcase_create("kinds");

	tcase_add_test(tc, every_kind_writes_and_refuses_paths);
	tcase_add_test(tc, io_threads_have_no_kvm_but_interrupts_and_no_sockets);
	tcase_add_test(tc, migration_reads_kvm_state_and_sends);
	tcase_add_test(tc, background_threads_have_no_ioctl);
	tcase_add_test(tc, vcpu_threads_keep_kvm);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run_suite(jail_filters_suite());
}
