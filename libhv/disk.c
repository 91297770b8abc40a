/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A domain's disks, opened here with the caller's privileges and locked
 * (hypervisor/shared/disk/target.h), then passed to hvd as descriptors:
 * hvd and hv-vmm never open a disk path a client names.  When an image is
 * in use, the domain that holds it is named: the descriptions hvd keeps
 * say every domain's targets.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "disk/target.h"
#include "domain_int.h"

/*
 * A domain destroyed a moment ago may hold its disks until its hv-vmm
 * has gone (destroy does not wait for that): a lock whose holder is no
 * domain is tried again for this long, every HV__DISK_RETRY_MS.
 */
#define HV__DISK_WAIT_MS 2000
#define HV__DISK_RETRY_MS 10

/*
 * Into @name, the name of a domain whose description names @fd's file:
 * 1, or 0 if none does, -1 if hvd cannot say.
 */
static int disk_owner(hv_ctx *ctx, int fd, char *name, size_t size)
{
	hv_dominfo **list = NULL;
	size_t nr = 0;
	bool found = false;

	if (hv_domain_list(ctx, &list, &nr))
		return -1;
	for (size_t i = 0; i < nr && !found; i++) {
		hv_domain_config cfg;

		hv_domain_config_init(&cfg);
		if (hv_domain_config_get(ctx, list[i]->domid, &cfg) == 0) {
			for (size_t j = 0; j < cfg.nr_disks && !found; j++)
				found = cfg.disks[j]->target &&
					disk_target_is(fd, cfg.disks[j]->target);
		}
		if (found)
			snprintf(name, size, "%s", list[i]->name);
		hv_domain_config_dispose(&cfg);
	}
	hv_dominfo_list_free(list, nr);
	return found;
}

static void disk_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int hv__disk_open(hv_ctx *ctx, const char *domain, const hv_disk_spec *d, bool find_owner)
{
	return hv__disk_open_lock(ctx, domain, d, find_owner, true);
}

int hv__disk_open_lock(hv_ctx *ctx, const char *domain, const hv_disk_spec *d, bool find_owner,
		       bool lock)
{
	char why[600], owner[HV_DOMAIN_NAME_MAX + 1];
	bool held_rw = false, named = false;
	long waited = 0;
	int fd;

	for (;;) {
		int probe, found = -1;

		fd = disk_target_open_lock(d, lock, &held_rw, why, sizeof(why));
		if (fd != -EBUSY || !find_owner || waited >= HV__DISK_WAIT_MS)
			break;
		/* who holds it: opened without a lock, only to compare with the descriptions */
		probe = open(d->target, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (probe >= 0) {
			found = disk_owner(ctx, probe, owner, sizeof(owner));
			close(probe);
		}
		named = found > 0;
		/* a domain has it, or hvd cannot say which: no use waiting */
		if (found)
			break;
		disk_sleep_ms(HV__DISK_RETRY_MS);
		waited += HV__DISK_RETRY_MS;
	}
	if (fd >= 0)
		return fd;
	if (fd == -EBUSY) {
		if (named)
			HV__ERR(ctx, "domain \"%s\": disk %s: %s by domain '%s' (%s)", domain,
				d->vdev, why, owner,
				held_rw ? "an image is read-write in one domain at a time: destroy that domain first, or give both access=ro" :
				"it is read-only there, and a disk that is read-write in one domain is in no other: give access=ro here too");
		else
			HV__ERR(ctx, "domain \"%s\": disk %s: %s by another process (which has it locked; stop it, or give another image)",
				domain, d->vdev, why);
		return HV_ERROR_BUSY;
	}
	HV__ERR(ctx, "domain \"%s\": disk %s: %s", domain, d->vdev, why);
	return fd == -EACCES || fd == -EPERM ? HV_ERROR_PERM :
		fd == -ENOENT ? HV_ERROR_NOTFOUND :
		fd == -EISDIR || fd == -ENOTBLK || fd == -EINVAL ? HV_ERROR_CONFIG : HV_ERROR_IO;
}

int hv__disks_open(hv_ctx *ctx, const hv_domain_config *cfg, int *fds, size_t *nr_r)
{
	return hv__disks_open_lock(ctx, cfg, fds, nr_r, true);
}

int hv__disks_open_lock(hv_ctx *ctx, const hv_domain_config *cfg, int *fds, size_t *nr_r,
			bool lock)
{
	size_t n = 0;

	*nr_r = 0;
	for (size_t i = 0; i < cfg->nr_disks; i++) {
		int fd;

		if (!cfg->disks[i]->target)
			continue;	/* an empty CD-ROM drive: no descriptor */
		if (n == HV_DOMAIN_MAX_DISKS) {
			/* hv_config_validate() refuses this before */
			HV__ERR(ctx, "domain \"%s\": more than %d disks", cfg->name,
				HV_DOMAIN_MAX_DISKS);
			hv__disks_close(fds, n);
			return HV_ERROR_CONFIG;
		}
		fd = hv__disk_open_lock(ctx, cfg->name, cfg->disks[i], true, lock);
		if (fd < 0) {
			hv__disks_close(fds, n);
			return fd;
		}
		fds[n++] = fd;
	}
	*nr_r = n;
	return 0;
}

void hv__disks_close(int *fds, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}
