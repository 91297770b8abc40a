/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-vmm's jail (docs/hv-vmm.md, "The jail"): what a guest that takes over
 * hv-vmm could reach is the domain's own descriptors and nothing else.
 */
#ifndef HV_VMM_JAIL_H
#define HV_VMM_JAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "public/vmm.h"
#include "kvm/vm.h"

/* The exit status of an hv-vmm its seccomp filter stopped. */
#define JAIL_EXIT_SECCOMP HV_VMM_EXIT_SECCOMP


struct jail_conf {
	bool self;		/* keep our own uid and gid, in a user namespace */
	uid_t uid;
	gid_t gid;
	const char *mount_dir;	/* where the empty root is mounted (our namespace only) */
	int netns_fd;		/* a network namespace to join, or -1: make one */
};

/*
 * Parses --jail's argument: "UID[:GID]" (GID defaults to UID), or "self"
 * (not root: keep our uid and gid, mapped to root of a user namespace of
 * our own that holds the jail).  0 or -EINVAL.
 */
int jail_parse(const char *arg, struct jail_conf *c);

/*
 * Closes every descriptor but 0, 1, 2 and the @n in @keep (those hv-vmm was
 * told of): nothing inherited from whoever started it stays open.
 */
void jail_close_inherited(const int *keep, size_t n);

/*
 * Enters the jail (call while single-threaded): a PID namespace (forking
 * once, the parent relaying signals and the exit status, unless we already
 * are PID 1 of one), then new mount, IPC, UTS and network namespaces, an
 * empty read-only root, rlimits, no capabilities, @c's uid and gid,
 * no_new_privs and the seccomp filter.  /dev/kvm and /proc/self/pagemap are
 * opened first (jail_kvm_fd(), jail_pagemap_fd()).  0, or -errno after
 * saying what failed.
 */
int jail_enter(struct jail_conf *c);

/* Whether jail_enter() has run. */
bool jail_active(void);

/*
 * Standalone (the relay outside the PID namespace waits for us): hands it
 * @status, with which it exits at once, before our own exit releases the
 * VM and the namespaces (milliseconds).  A no-op where there is no relay.
 */
void jail_report_exit(int status);

/*
 * Narrows the calling thread's filter to what a thread of @kind does; a
 * no-op outside the jail.  0, or -errno.  jail_enter() makes it
 * vm_thread_begin()'s hook.
 */
int jail_thread(enum vm_thread kind);

/*
 * A descriptor of /dev/kvm: the one the jail opened (once), else opened
 * now.  -1 with errno set when it cannot be had.
 */
int jail_kvm_fd(void);

/* A new descriptor of /proc/self/pagemap, or -1 with errno set. */
int jail_pagemap_fd(void);

#endif
