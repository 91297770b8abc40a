/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A domain's network interfaces.  The client makes each vif's tap (and
 * puts it on its bridge) with its own privileges and sends the tap's
 * descriptors, one per queue pair, after the disks' with CREATE_DOMAIN or
 * RESTORE_DOMAIN.  hvd keeps duplicates for as long as the domain exists,
 * so that the taps outlive one hv-vmm (a reboot) and every hv-vmm gets
 * them again.  The taps are not persistent: when the domain goes and its
 * last hv-vmm with it, the kernel removes them and their bridge ports,
 * whoever was killed how.  A restarted hvd has lost them; it cannot make
 * taps the client did not ask for, so such a domain cannot restart.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "hvd.h"

static unsigned int net_queues(const hv_vif_spec *vif)
{
	return vif->queues ? vif->queues : 1;
}

unsigned int net_fd_count(const hv_domain_config *cfg)
{
	unsigned int n = 0;

	for (size_t i = 0; i < cfg->nr_vifs; i++)
		n += net_queues(cfg->vifs[i]);
	return n;
}

void net_close(struct hvd_domain *d)
{
	for (unsigned int i = 0; i < d->nr_net_fds; i++)
		if (d->net_fds[i] >= 0)
			close(d->net_fds[i]);
	d->nr_net_fds = 0;
	d->nets_open = false;
}

/* Whether @fd is a tap opened as hv-vmm needs it; the reason in @why if not. */
static bool net_tap_ok(int fd, char *why, size_t why_size)
{
	struct ifreq ifr;
	struct stat st;

	memset(&ifr, 0, sizeof(ifr));
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 10 ||
	    minor(st.st_rdev) != 200 || ioctl(fd, TUNGETIFF, &ifr)) {
		snprintf(why, why_size, "a descriptor that came for a vif is not an open tap");
		return false;
	}
	if ((ifr.ifr_flags & (IFF_TAP | IFF_TUN)) != IFF_TAP || !(ifr.ifr_flags & IFF_NO_PI) ||
	    !(ifr.ifr_flags & IFF_VNET_HDR)) {
		snprintf(why, why_size, "tap %.*s is not open with IFF_TAP, IFF_NO_PI and "
			 "IFF_VNET_HDR", IFNAMSIZ, ifr.ifr_name);
		return false;
	}
	return true;
}

int net_check(const hv_domain_config *cfg, const int *fds, unsigned int nfds, char *why,
	      size_t why_size)
{
	unsigned int want = net_fd_count(cfg);

	if (nfds != want || want > HVD_MAX_NET_FDS) {
		snprintf(why, why_size, "the description has %zu vif%s taking %u tap "
			 "descriptor%s (one per queue), but %u came", cfg->nr_vifs,
			 cfg->nr_vifs == 1 ? "" : "s", want, want == 1 ? "" : "s", nfds);
		return -HV_HC_EBADF;
	}
	for (unsigned int i = 0; i < nfds; i++)
		if (!net_tap_ok(fds[i], why, why_size))
			return -HV_HC_EBADF;
	return 0;
}

int net_check_vif(const hv_vif_spec *vif, const int *fds, unsigned int nfds, char *why,
		  size_t why_size)
{
	if (nfds != net_queues(vif)) {
		snprintf(why, why_size, "vif %u has %u queue pair%s taking as many tap "
			 "descriptors, but %u came", vif->devid, net_queues(vif),
			 net_queues(vif) == 1 ? "" : "s", nfds);
		return -HV_HC_EBADF;
	}
	for (unsigned int i = 0; i < nfds; i++)
		if (!net_tap_ok(fds[i], why, why_size))
			return -HV_HC_EBADF;
	return 0;
}

void net_add_fds(struct hvd_domain *d, int *fds, unsigned int nfds)
{
	/* a restarted hvd holds none of the others: the places would not match */
	if (!d->nets_open && d->cfg->nr_vifs == 1)
		d->nets_open = true;
	for (unsigned int i = 0; i < nfds; i++) {
		if (d->nets_open && d->nr_net_fds < HVD_MAX_NET_FDS)
			d->net_fds[d->nr_net_fds++] = fds[i];
		else
			close(fds[i]);
		fds[i] = -1;
	}
}

void net_remove_fds(struct hvd_domain *d, size_t index)
{
	unsigned int k = 0, q;

	if (index >= d->cfg->nr_vifs || !d->nets_open)
		return;
	for (size_t i = 0; i < index; i++)
		k += net_queues(d->cfg->vifs[i]);
	q = net_queues(d->cfg->vifs[index]);
	if (k + q > d->nr_net_fds)
		return;
	for (unsigned int i = k; i < k + q; i++)
		if (d->net_fds[i] >= 0)
			close(d->net_fds[i]);
	memmove(d->net_fds + k, d->net_fds + k + q,
		(d->nr_net_fds - k - q) * sizeof(d->net_fds[0]));
	d->nr_net_fds -= q;
}

int net_take(struct hvd_domain *d, const int *fds, unsigned int nfds, char *why,
	     size_t why_size)
{
	int rc = net_check(d->cfg, fds, nfds, why, why_size);

	if (rc)
		return rc;
	net_close(d);
	for (unsigned int i = 0; i < nfds; i++) {
		int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);

		if (fd < 0) {
			snprintf(why, why_size, "hvd cannot keep the taps' descriptors: %s",
				 strerror(errno));
			net_close(d);
			return -HV_HC_EIO;
		}
		d->net_fds[d->nr_net_fds++] = fd;
	}
	d->nets_open = true;
	return 0;
}

int net_ensure(struct hvd *hvd, struct hvd_domain *d)
{
	if (d->nets_open || !d->cfg->nr_vifs)
		return 0;
	hvd_err(hvd, "domain %u (%s): its taps went with the hvd that ran it before this one, "
		"and hvd makes none of its own: it cannot start again (destroy it and create it "
		"anew)", d->domid, d->cfg->name);
	return -1;
}

void net_move(struct hvd_domain *to, struct hvd_domain *from)
{
	memcpy(to->net_fds, from->net_fds, sizeof(to->net_fds));
	to->nr_net_fds = from->nr_net_fds;
	to->nets_open = from->nets_open;
	from->nr_net_fds = 0;
	from->nets_open = false;
}

/* The disks' descriptors, then the taps': how many of @nfds are the disks'. */
static unsigned int dev_split(const hv_domain_config *cfg, unsigned int nfds)
{
	unsigned int disks = disk_count(cfg);

	return nfds < disks ? nfds : disks;
}

int dev_check(const hv_domain_config *cfg, const int *fds, unsigned int nfds, char *why,
	      size_t why_size)
{
	unsigned int k = dev_split(cfg, nfds);
	int rc = disk_check(cfg, fds, k, why, why_size);

	return rc ? rc : net_check(cfg, fds + k, nfds - k, why, why_size);
}

int dev_take(struct hvd *hvd, struct hvd_domain *d, const int *fds, unsigned int nfds,
	     char *why, size_t why_size)
{
	unsigned int k = dev_split(d->cfg, nfds);
	int rc = disk_take(hvd, d, fds, k, why, why_size);

	return rc ? rc : net_take(d, fds + k, nfds - k, why, why_size);
}

int net_ifname(const struct hvd_domain *d, size_t index, char *name, size_t size)
{
	const hv_vif_spec *vif = d->cfg->vifs[index];
	unsigned int k = 0;
	struct ifreq ifr;

	/*
	 * The tap hvd holds says its own name: a restarted domain keeps the
	 * taps (and names) of the domid it had first.  A restarted hvd holds
	 * none: then the name the description or libhv gave it.
	 */
	for (size_t i = 0; i < index; i++)
		k += net_queues(d->cfg->vifs[i]);
	memset(&ifr, 0, sizeof(ifr));
	if (d->nets_open && k < d->nr_net_fds && d->net_fds[k] >= 0 &&
	    ioctl(d->net_fds[k], TUNGETIFF, &ifr) == 0 && ifr.ifr_name[0]) {
		snprintf(name, size, "%.*s", (int)sizeof(ifr.ifr_name), ifr.ifr_name);
		return 0;
	}
	if (vif->vifname && vif->vifname[0])
		snprintf(name, size, "%s", vif->vifname);
	else
		snprintf(name, size, "vif%" PRIu32 ".%u", d->domid, vif->devid);
	return 0;
}
