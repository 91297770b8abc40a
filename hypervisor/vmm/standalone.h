/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A standalone `hv-vmm run`: the options, and the BUILD or RESTORE request
 * hvd would send, made from them, with the files they name opened here.
 */
#ifndef HV_VMM_STANDALONE_H
#define HV_VMM_STANDALONE_H

#include <stdbool.h>
#include <hv/config.h>

struct vmm;
struct vmm_start;

struct options {
	const char *kernel, *initrd, *cmdline, *console, *dump_acpi;
	const char *control_socket, *console_socket, *exit_file, *name, *restore;
	const char *jail;		/* --jail UID[:GID] */
	unsigned long memory_mib, maxmem_mib, vcpus;
	unsigned long console_log_max;	/* bytes; 0: no limit */
	int control_fd, console_log_fd, stats_fd, jail_netns_fd;
	bool paused, lazy, memory_set, vcpus_set;
	/* --disk PATH[,ro][,direct][,serial=NAME][,queues=N][,iops=N][,bps=N]... as given */
	const char *disks[HV_DOMAIN_MAX_DISKS];
	unsigned int nr_disks;
};

/* Takes one --disk option: 0, or -EINVAL after saying why (too many). */
int standalone_disk_option(struct options *o, const char *arg);

/*
 * Builds or restores the domain from @o (start_request()): 0, or -errno
 * after saying why.  --disk options give the disks, in their order, as
 * xvda, xvdb...; a restore without any takes the disks its image names.
 */
int standalone_start(struct vmm *vmm, const struct options *o, struct vmm_start *st);

#endif
