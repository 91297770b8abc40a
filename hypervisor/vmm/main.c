/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-vmm: runs one domain on KVM.
 *
 *   hv-vmm run --kernel IMAGE [--initrd FILE] [--cmdline STR] [--memory MiB] [--maxmem MiB]
 *              [--vcpus N] [--disk PATH[,ro][,direct][,serial=NAME]...]...
 *              [--console stdio|file:PATH|pty] [--dump-acpi DIR] [-v]
 *   hv-vmm run --restore FILE [--lazy] [--disk ...]... [options]
 *
 * Exit status: 0 the guest powered off, 2 it rebooted, 3 it crashed,
 * 1 hv-vmm failed (with a message on stderr).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <hv/config.h>
#include "config/ctx.h"
#include "wire/vmmmsg.h"
#include "ctl.h"
#include "jail.h"
#include "log.h"
#include "platform.h"
#include "snapshot/migrate.h"
#include "snapshot/save.h"
#include "standalone.h"
#include "start.h"
#include "kvm/vcpu.h"
#include "vmm.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hv-vmm run --kernel IMAGE [options]\n"
		"       hv-vmm run --restore FILE [--lazy] [options]\n"
		"\n"
		"Runs one domain on KVM until it powers off, reboots or crashes.\n"
		"\n"
		"  --kernel IMAGE       PVH ELF kernel or bzImage\n"
		"  --restore FILE       resume the domain saved in FILE instead of booting\n"
		"                       (memory and vCPUs as the image says; the whole\n"
		"                       image is checked before any vCPU runs)\n"
		"  --lazy               with --restore: map the image's memory instead of\n"
		"                       reading it (the file must not change meanwhile)\n"
		"  --initrd FILE        initial ramdisk\n"
		"  --cmdline STR        kernel command line\n"
		"  --memory MiB         guest memory (default 128, at least 16)\n"
		"  --maxmem MiB         the guest's RAM, when more than --memory: the\n"
		"                       balloon holds the difference at boot\n"
		"  --vcpus N            virtual CPUs, 1-%u (default 1)\n"
		"  --disk PATH[,OPT]... a virtio-blk disk on the image file or block device\n"
		"                       PATH (repeat for more, at most %d: the guest sees\n"
		"                       them in this order, /dev/vda, /dev/vdb...); OPTs:\n"
		"                       ro, direct (O_DIRECT), serial=NAME (default xvda,\n"
		"                       xvdb...), queues=N (1-4, default min(vcpus, 4)),\n"
		"                       iops=N, iops-burst=N, bps=SIZE, bps-burst=SIZE\n"
		"                       (SIZE: bytes/s, K, M, G suffixes); with --restore\n"
		"                       they replace the disks the image names\n"
		"  --console SPEC       stdio (default), file:PATH, or pty\n"
		"  --dump-acpi DIR      write the ACPI tables to DIR, one file each\n"
		"  --paused             build the domain but do not start its vCPUs\n"
		"  --jail UID[:GID]     run jailed as UID and GID (default GID: UID): PID,\n"
		"                       mount, IPC, UTS and network namespaces of its own,\n"
		"                       an empty root, no capabilities, a seccomp filter\n"
		"                       (as root; hvd jails every hv-vmm it starts)\n"
		"  --jail self          the same, not as root: keep the user's uid, in a\n"
		"                       user namespace of its own\n"
		"  --jail-netns-fd N    join the network namespace of descriptor N\n"
		"                       instead of making one (hvd's, shared)\n"
		"\n"
		"For hvd (see hvd(8)); hv-vmm then opens no host path but these:\n"
		"  --control-fd N       control channel (SOCK_SEQPACKET) from hvd; without\n"
		"                       --kernel or --restore, its first request (BUILD or\n"
		"                       RESTORE) gives the domain and its descriptors\n"
		"  --control-socket P   listen for the control channel at P\n"
		"  --console none       no primary console (log and socket only)\n"
		"  --console-log-fd N   append console output to descriptor N\n"
		"  --console-log-max B  keep at most B bytes there (the newest half when\n"
		"                       full; at least 4096; 0: no limit, the default)\n"
		"  --console-socket P   serve console clients on a Unix socket at P\n"
		"  --exit-file P        write the exit status to P before exiting\n"
		"  --stats-fd N         keep the disks' counters in descriptor N, a file\n"
		"                       of 4096 bytes hvd reads (see docs/metering.md)\n"
		"  --name NAME          the domain's name, for messages\n"
		"  -v, --verbose        say what happens on stderr (twice: more)\n"
		"  -h, --help           this text\n"
		"\n"
		"Signals: SIGUSR1 presses the ACPI power button, SIGUSR2 types Ctrl-Alt-Del,\n"
		"SIGTERM/SIGINT stop the domain at once (exit status 1).\n"
		"Exit status: 0 poweroff, 2 reboot, 3 crash, 1 error.\n",
		VM_MAX_VCPUS, HV_DOMAIN_MAX_DISKS);
}

static int parse_ulong(const char *opt, const char *s, unsigned long min,
		       unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || *v < min || *v > max) {
		err("%s %s: expected a whole number from %lu to %lu", opt, s, min, max);
		return -EINVAL;
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "maxmem", required_argument, NULL, 'M' },
		{ "vcpus", required_argument, NULL, 'n' },
		{ "console", required_argument, NULL, 'C' },
		{ "dump-acpi", required_argument, NULL, 'A' },
		{ "control-fd", required_argument, NULL, 'F' },
		{ "control-socket", required_argument, NULL, 'S' },
		{ "console-socket", required_argument, NULL, 'O' },
		{ "console-log-fd", required_argument, NULL, 'L' },
		{ "console-log-max", required_argument, NULL, 'X' },
		{ "exit-file", required_argument, NULL, 'E' },
		{ "stats-fd", required_argument, NULL, 'T' },
		{ "name", required_argument, NULL, 'N' },
		{ "paused", no_argument, NULL, 'P' },
		{ "restore", required_argument, NULL, 'R' },
		{ "lazy", no_argument, NULL, 'z' },
		{ "disk", required_argument, NULL, 'D' },
		{ "jail", required_argument, NULL, 'J' },
		{ "jail-netns-fd", required_argument, NULL, 'W' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	*o = (struct options){ .cmdline = "", .console = "stdio", .memory_mib = 128,
			       .vcpus = 1, .control_fd = -1, .console_log_fd = -1,
			       .stats_fd = -1, .jail_netns_fd = -1 };
	/* hvd passes its environment on: -v for every hv-vmm it starts */
	if (getenv("HV_VMM_VERBOSE"))
		log_verbosity = atoi(getenv("HV_VMM_VERBOSE")) > 1 ? LOG_DEBUG : LOG_INFO;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': o->kernel = optarg; break;
		case 'i': o->initrd = optarg; break;
		case 'c': o->cmdline = optarg; break;
		case 'C': o->console = optarg; break;
		case 'A': o->dump_acpi = optarg; break;
		case 'm':
			if (parse_ulong("--memory", optarg, 16, 1ul << 30, &o->memory_mib))
				return -EINVAL;
			o->memory_set = true;
			break;
		case 'M':
			if (parse_ulong("--maxmem", optarg, 16, 1ul << 30, &o->maxmem_mib))
				return -EINVAL;
			break;
		case 'n':
			if (parse_ulong("--vcpus", optarg, 1, VM_MAX_VCPUS, &o->vcpus))
				return -EINVAL;
			o->vcpus_set = true;
			break;
		case 'R': o->restore = optarg; break;
		case 'z': o->lazy = true; break;
		case 'D':
			if (standalone_disk_option(o, optarg))
				return -EINVAL;
			break;
		case 'F':
			if (parse_ulong("--control-fd", optarg, 0, 1 << 20, &v))
				return -EINVAL;
			o->control_fd = v;
			break;
		case 'L':
			if (parse_ulong("--console-log-fd", optarg, 0, 1 << 20, &v))
				return -EINVAL;
			o->console_log_fd = v;
			break;
		case 'T':
			if (parse_ulong("--stats-fd", optarg, 0, 1 << 20, &v))
				return -EINVAL;
			o->stats_fd = v;
			break;
		case 'X':
			if (parse_ulong("--console-log-max", optarg, 0, 1ul << 40,
					&o->console_log_max))
				return -EINVAL;
			break;
		case 'S': o->control_socket = optarg; break;
		case 'O': o->console_socket = optarg; break;
		case 'E': o->exit_file = optarg; break;
		case 'N': o->name = optarg; break;
		case 'P': o->paused = true; break;
		case 'J': o->jail = optarg; break;
		case 'W':
			if (parse_ulong("--jail-netns-fd", optarg, 0, 1 << 20, &v))
				return -EINVAL;
			o->jail_netns_fd = v;
			break;
		case 'v':
			log_verbosity = log_verbosity < LOG_INFO ? LOG_INFO : LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		err("unexpected argument '%s' (see hv-vmm run --help)", argv[optind]);
		return -EINVAL;
	}
	if (o->jail_netns_fd >= 0 && !o->jail) {
		err("--jail-netns-fd goes with --jail");
		return -EINVAL;
	}
	if (o->jail && o->dump_acpi) {
		err("--dump-acpi writes files, which a jailed hv-vmm cannot: leave out --jail");
		return -EINVAL;
	}
	if (o->restore) {
		if (o->kernel || o->initrd || o->dump_acpi || *o->cmdline || o->maxmem_mib) {
			err("--restore resumes a saved domain: --kernel, --initrd, --cmdline, --maxmem and --dump-acpi do not apply");
			return -EINVAL;
		}
		return 0;
	}
	if (o->lazy) {
		err("--lazy goes with --restore FILE");
		return -EINVAL;
	}
	if (o->kernel)
		return 0;
	if (o->control_fd < 0) {
		err("--kernel IMAGE or --restore FILE is required (see hv-vmm run --help)");
		return -EINVAL;
	}
	/* hvd mode: the first request on the control channel says it all */
	if (o->initrd || *o->cmdline || o->paused || o->memory_set || o->vcpus_set ||
	    o->nr_disks || o->maxmem_mib) {
		err("with --control-fd and no --kernel, the BUILD request gives the domain: "
		    "--initrd, --cmdline, --memory, --maxmem, --vcpus, --disk and --paused do not apply");
		return -EINVAL;
	}
	return 0;
}

static void on_exit_event(void *opaque, int fd, unsigned int events)
{
	struct vmm *vmm = opaque;

	loop_quit(vmm->loop);
}

static void on_signal(void *opaque, int fd, unsigned int events)
{
	struct vmm *vmm = opaque;
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	switch (si.ssi_signo) {
	case SIGUSR1:
		info("power button pressed");
		vmm_power_button(vmm);
		break;
	case SIGUSR2:
		info("Ctrl-Alt-Del typed");
		vmm_ctrl_alt_del(vmm);
		break;
	case SIGPIPE:
		break;
	default:
		info("stopped by signal %u", si.ssi_signo);
		vm_request_exit(&vmm->vm, VM_EXIT_ERROR);
		break;
	}
}

static void on_console_input(void *opaque, const uint8_t *buf, size_t n)
{
	struct vmm *vmm = opaque;

	pthread_mutex_lock(&vmm->vm.io_lock);
	uart_receive(&vmm->uart, buf, n);
	virtio_console_receive(&vmm->vcon, buf, n);
	pthread_mutex_unlock(&vmm->vm.io_lock);
}

static int setup_signals(struct vmm *vmm, sigset_t *set)
{
	int fd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	return loop_add(vmm->loop, fd, on_signal, vmm);
}

/*
 * Tearing down a KVM VM takes milliseconds (15 ms for a small guest on a
 * PVM host) and would happen in our exit, before whoever waits for the
 * domain learns how it ended.  Instead a child inherits the VM's
 * descriptors and mappings and releases them once we are gone, so the exit
 * status is out at once and the teardown runs in the background.
 */
/*
 * Lets go of what a waiter might wait on (pipes it reads to EOF) and of
 * the disks, whose locks go when we do, for the next domain (devices.c
 * sets conf.fd to -1 once a device owns it; a device closes its own).
 */
static void exit_let_go(struct vmm *vmm)
{
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	close(STDERR_FILENO);
	for (unsigned int i = 0; i < vmm->nr_disks; i++)
		if (vmm->disks[i].conf.fd >= 0)
			close(vmm->disks[i].conf.fd);
}

static void exit_now(struct vmm *vmm, int status)
{
	int p[2];

	fflush(NULL);
	if (jail_active()) {
		/*
		 * A jailed hv-vmm cannot fork (and PID 1 of its namespace takes
		 * every process in it along), so its exit releases the VM and
		 * its namespaces (15 ms for 128 MiB on a PVM host); standalone,
		 * its relay answers for it now
		 */
		exit_let_go(vmm);
		jail_report_exit(status);
		_exit(status);
	}
	if (pipe2(p, O_CLOEXEC) == 0 && fork() == 0) {
		char b;

		exit_let_go(vmm);
		close(p[1]);
		/* returns at EOF: when the parent has exited */
		while (read(p[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	_exit(status);
}

/*
 * Opened at the start (the jail has no path to open at the end), empty until
 * the status is written in one write, so hvd never reads half of it.
 */
static int open_exit_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		err("--exit-file %s: %s", path, strerror(errno));
	return fd;
}

static void write_exit_file(int fd, int status)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d\n", status);

	if (fd >= 0 && pwrite(fd, buf, (size_t)n, 0) != n)
		err("cannot write the exit file: %s", strerror(errno));
}

static int run(int argc, char **argv)
{
	struct options o;
	struct vmm *vmm;
	struct vmm_start st = { 0 };
	struct jail_conf jail = { 0 };
	sigset_t set;
	int rc, status = VM_EXIT_ERROR, exit_fd = -1;

	if (parse_options(argc, argv, &o))
		return VM_EXIT_ERROR;
	if (o.jail) {
		int keep[] = { o.control_fd, o.console_log_fd, o.stats_fd, o.jail_netns_fd };

		if (jail_parse(o.jail, &jail))
			return VM_EXIT_ERROR;
		jail.netns_fd = o.jail_netns_fd;
		/* nothing of whoever started us, but what we were told of */
		jail_close_inherited(keep, sizeof(keep) / sizeof(keep[0]));
	}
	if (o.exit_file && (exit_fd = open_exit_file(o.exit_file)) < 0)
		return VM_EXIT_ERROR;

	/* Blocked in every thread; the I/O thread takes them from a signalfd. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* a writer breaking the lease on a restored image (snapshot/restore_bg.c) sends it */
	signal(SIGIO, SIG_IGN);

	vmm = calloc(1, sizeof(*vmm));
	if (!vmm)
		return VM_EXIT_ERROR;
	vmm->ctl_fd = o.control_fd;
	vmm->ctl_listen_fd = -1;
	vmm->jail = o.jail ? &jail : NULL;
	/* nothing to release until vm_create() has run */
	vmm->vm.kvm_fd = vmm->vm.vm_fd = vmm->vm.mem_fd = vmm->vm.exit_efd = -1;
	vmm->loop = loop_new();
	if (!vmm->loop)
		goto out;
	rc = console_open(&vmm->con, o.console);
	if (rc)
		goto out;
	if (o.console_log_fd >= 0)
		console_set_log(vmm->con, o.console_log_fd, o.console_log_max);
	if (o.stats_fd >= 0) {
		rc = vmm_stats_map(o.stats_fd, &vmm->stats);
		close(o.stats_fd);	/* the mapping stays */
		if (rc)
			goto out;
	}
	/* the sockets' paths are bound before the jail, which has none */
	if (o.console_socket) {
		rc = console_listen(vmm->con, o.console_socket);
		if (rc)
			goto out;
	}
	if (o.control_socket && ctl_listen(vmm, o.control_socket))
		goto out;
	if (o.kernel || o.restore) {
		rc = standalone_start(vmm, &o, &st);
	} else {
		rc = ctl_check(vmm);
		if (!rc)
			rc = start_from_control(vmm, &st);
	}
	if (!rc)
		rc = loop_add(vmm->loop, vmm->vm.exit_efd, on_exit_event, vmm);
	if (!rc)
		rc = setup_signals(vmm, &set);
	if (!rc)
		rc = console_attach(vmm->con, vmm->loop, on_console_input, vmm);
	if (!rc && vmm->ctl_fd >= 0)
		rc = ctl_init(vmm);
	if (rc) {
		if (rc != -EINVAL && rc != -ENOSPC && rc != -E2BIG && rc != -ENOTSUP &&
		    rc != -EPROTO && rc != -EBADF)
			err("cannot start the domain: %s", strerror(-rc));
		goto out_vm;
	}

	if (st.paused)
		vmm->vm.paused = true;	/* vCPU threads park before their first run */
	else if (st.restoring)
		vmm_devices_resume(vmm);	/* requests the save came between (paused: at the unpause) */
	if (st.restoring)
		info("resuming %s: %llu MiB, %u vCPU%s", o.name ? o.name : "the domain",
		     (unsigned long long)(vmm->vm.mem_size >> 20), vmm->vm.nr_vcpus,
		     vmm->vm.nr_vcpus > 1 ? "s" : "");
	else
		info("booting %s: %llu MiB, %u vCPU%s, %s entry at 0x%llx", st.name,
		     (unsigned long long)(vmm->vm.mem_size >> 20), vmm->vm.nr_vcpus,
		     vmm->vm.nr_vcpus > 1 ? "s" : "",
		     st.entry.mode == BOOT_PVH32 ? "PVH" : "64-bit Linux",
		     (unsigned long long)st.entry.rip);
	rc = vm_run(&vmm->vm);
	if (!rc) {
		ctl_event_running(vmm);
		if (st.restoring)
			vmm_restore_start(vmm);
		loop_run(vmm->loop);
	}
	vmm_migrate_stop(vmm);
	vm_stop_vcpus(&vmm->vm);
	vmm_devices_fini(vmm);	/* writes in flight land before anyone hears of the end */
	status = vmm->vm.exit_reason == VM_RUNNING ? VM_EXIT_ERROR : (int)vmm->vm.exit_reason;
	ctl_event_exit(vmm, status);
	info("guest %s", status == VM_EXIT_POWEROFF ? "powered off" :
			 status == VM_EXIT_REBOOT ? "rebooted" :
			 status == VM_EXIT_CRASH ? "crashed" : "stopped");
	if (!getenv("HV_VMM_SYNC_EXIT")) {
		/* the guest has ended: leave the VM's teardown to a child */
		ctl_close(vmm);
		console_close(vmm->con);
		write_exit_file(exit_fd, status);
		exit_now(vmm, status);
	}
out_vm:
	vmm_restore_fini(vmm);
	vm_destroy(&vmm->vm);
out:
	ctl_close(vmm);
	console_close(vmm->con);
	loop_free(vmm->loop);
	free(vmm);
	write_exit_file(exit_fd, status);
	return status;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "run")) {
		int status = run(argc - 1, argv + 1);

		/*
		 * Jailed, nothing is left for exit handlers to do but harm: a
		 * sanitizer build's leak check would trace us from a process
		 * (forbidden) through /proc (not there).
		 */
		if (jail_active()) {
			fflush(NULL);
			_exit(status);
		}
		return status;
	}
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		printf("hv-vmm %s\n", PACKAGE_VERSION);
		return 0;
	}
	usage(stderr);
	return VM_EXIT_ERROR;
}
