/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A domain's disks.  The client opens and locks each target with its own
 * privileges and sends the descriptors with CREATE_DOMAIN or
 * RESTORE_DOMAIN; hvd keeps duplicates for as long as the domain exists,
 * so its disks stay locked between two hv-vmm (a reboot) and every hv-vmm
 * gets them again.  A restarted hvd has lost them: it opens the targets
 * again, the same way (disk/target.h), when a domain it found needs them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "config/config_int.h"
#include "disk/target.h"
#include "hvd.h"

#define DISK_BUSY_TRIES 50
#define DISK_BUSY_WAIT_MS 10

unsigned int disk_count(const hv_domain_config *cfg)
{
	unsigned int n = 0;

	for (size_t i = 0; i < cfg->nr_disks; i++)
		n += cfg->disks[i]->target != NULL;
	return n;
}

/* Disk @k (counting those with a target) of @cfg. */
static const hv_disk_spec *disk_nth(const hv_domain_config *cfg, unsigned int k)
{
	for (size_t i = 0; i < cfg->nr_disks; i++)
		if (cfg->disks[i]->target && k-- == 0)
			return cfg->disks[i];
	return NULL;
}

void disk_close(struct hvd_domain *d)
{
	for (unsigned int i = 0; i < d->nr_disk_fds; i++)
		if (d->disk_fds[i] >= 0)
			close(d->disk_fds[i]);
	d->nr_disk_fds = 0;
	d->disks_open = false;
}

int disk_relock(struct hvd *hvd, struct hvd_domain *d, bool lock, char *why, size_t why_size)
{
	for (unsigned int i = 0; i < d->nr_disk_fds; i++) {
		const hv_disk_spec *spec = disk_nth(d->cfg, i);
		bool held_rw = false;
		int r;

		if (d->disk_fds[i] < 0 || !spec)
			continue;
		if (!lock) {
			disk_target_unlock(d->disk_fds[i]);
			continue;
		}
		r = disk_target_lock(d->disk_fds[i], !disk_target_read_only(spec), &held_rw);
		if (r) {
			snprintf(why, why_size, "disk %s: %s is %s", spec->vdev, spec->target,
				 r == -EBUSY ? (held_rw ? "in use read-write by another process" :
				 "in use read-only by another process") : strerror(-r));
			/* all or none */
			for (unsigned int j = 0; j < i; j++)
				if (d->disk_fds[j] >= 0)
					disk_target_unlock(d->disk_fds[j]);
			return r;
		}
	}
	d->disks_unlocked = !lock;
	hvd_dbg(hvd, "domain %u (%s): disks %s", d->domid, d->cfg->name,
		lock ? "locked" : "unlocked");
	return 0;
}

int disk_check(const hv_domain_config *cfg, const int *fds, unsigned int nfds, char *why,
	       size_t why_size)
{
	unsigned int want = disk_count(cfg);

	if (nfds != want || want > HV_DOMAIN_MAX_DISKS) {
		snprintf(why, why_size, "the description has %u disk%s with a target, but %u "
			 "descriptor%s came for %s (one each, in the order of \"disks\")",
			 want, want == 1 ? "" : "s", nfds, nfds == 1 ? "" : "s",
			 want == 1 ? "it" : "them");
		return -HV_HC_EBADF;
	}
	for (unsigned int i = 0; i < nfds; i++)
		if (disk_target_check_fd(disk_nth(cfg, i), fds[i], why, why_size))
			return -HV_HC_EBADF;
	return 0;
}

int disk_take(struct hvd *hvd, struct hvd_domain *d, const int *fds, unsigned int nfds,
	      char *why, size_t why_size)
{
	int rc = disk_check(d->cfg, fds, nfds, why, why_size);

	(void)hvd;
	if (rc)
		return rc;
	disk_close(d);
	for (unsigned int i = 0; i < nfds; i++) {
		/* above 10, like every descriptor hvd keeps (vmm.c's dup2s) */
		int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);

		if (fd < 0) {
			snprintf(why, why_size, "hvd cannot keep the disks' descriptors: %s",
				 strerror(errno));
			disk_close(d);
			return -HV_HC_EIO;
		}
		d->disk_fds[d->nr_disk_fds++] = fd;
	}
	d->disks_open = true;
	return 0;
}

int disk_ensure(struct hvd *hvd, struct hvd_domain *d)
{
	unsigned int want = disk_count(d->cfg);

	if (d->disks_open)
		return 0;
	disk_close(d);
	for (unsigned int i = 0; i < want && i < HV_DOMAIN_MAX_DISKS; i++) {
		const hv_disk_spec *spec = disk_nth(d->cfg, i);
		char why[600];
		int fd = disk_target_open(spec, NULL, why, sizeof(why));

		/* the hv-vmm that just ended may hold it until its process is
		 * gone: a short wait (this is rare: a restart after hvd restarted) */
		for (int tries = 0; fd == -EBUSY && tries < DISK_BUSY_TRIES; tries++) {
			struct timespec ts = { 0, DISK_BUSY_WAIT_MS * 1000000L };

			nanosleep(&ts, NULL);
			fd = disk_target_open(spec, NULL, why, sizeof(why));
		}

		if (fd >= 0) {
			/* the duplicate shares the lock, which stays when @fd goes */
			int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);

			if (high < 0)
				snprintf(why, sizeof(why), "%s: %s", spec->target, strerror(errno));
			close(fd);
			fd = high;
		}
		if (fd < 0) {
			hvd_err(hvd, "domain %u (%s): disk %s: %s%s", d->domid, d->cfg->name,
				spec->vdev, why, fd == -EBUSY ? " by another process" : "");
			disk_close(d);
			return -1;
		}
		d->disk_fds[d->nr_disk_fds++] = fd;
	}
	d->disks_open = true;
	if (want)
		hvd_info(hvd, "domain %u (%s): opened its %u disk(s) again", d->domid,
			 d->cfg->name, want);
	return 0;
}

void disk_move(struct hvd_domain *to, struct hvd_domain *from)
{
	memcpy(to->disk_fds, from->disk_fds, sizeof(to->disk_fds));
	to->nr_disk_fds = from->nr_disk_fds;
	to->disks_open = from->disks_open;
	from->nr_disk_fds = 0;
	from->disks_open = false;
}

void disk_add_fd(struct hvd_domain *d, int fd)
{
	if (d->nr_disk_fds >= HV_DOMAIN_MAX_DISKS) {
		/* the checks before make this impossible */
		close(fd);
		return;
	}
	d->disk_fds[d->nr_disk_fds++] = fd;
}

void disk_remove_fd(struct hvd_domain *d, size_t index)
{
	unsigned int k = 0;

	if (index >= d->cfg->nr_disks || !d->cfg->disks[index]->target || !d->disks_open)
		return;
	for (size_t i = 0; i < index; i++)
		k += d->cfg->disks[i]->target != NULL;
	if (k >= d->nr_disk_fds)
		return;
	if (d->disk_fds[k] >= 0)
		close(d->disk_fds[k]);
	memmove(d->disk_fds + k, d->disk_fds + k + 1,
		(d->nr_disk_fds - k - 1) * sizeof(d->disk_fds[0]));
	d->nr_disk_fds--;
}
