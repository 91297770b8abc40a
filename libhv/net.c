/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host side of a domain's network interfaces: taps opened here with
 * the caller's privileges and put on their bridge (net.h).  Only the
 * opening of the tap goes through /dev/net/tun; everything else is
 * rtnetlink through libnl-route, in the caller's network namespace (never
 * sysfs, whose /sys/class/net shows the namespace of whoever mounted it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include "private.h"
#include "net.h"

/* virtio 1.0's struct virtio_net_hdr_mrg_rxbuf, which hv-vmm's device uses */
#define NET_VNET_HDR_LEN 12
#define NET_PERM_HINT " (this needs root or CAP_NET_ADMIN)"
#define NET_MAC_FMT "%02x:%02x:%02x:%02x:%02x:%02x"
#define NET_MAC_ARGS(m) (m)[0], (m)[1], (m)[2], (m)[3], (m)[4], (m)[5]

static int net_nl_rc(int nlerr)
{
	switch (-nlerr) {
	case NLE_PERM:
	case NLE_NOACCESS:
		return HV_ERROR_PERM;
	case NLE_EXIST:
		return HV_ERROR_EXISTS;
	case NLE_NODEV:
	case NLE_OBJ_NOTFOUND:
		return HV_ERROR_NOTFOUND;
	case NLE_OPNOTSUPP:
		return HV_ERROR_NOSYS;
	case NLE_NOMEM:
		return HV_ERROR_NOMEM;
	case NLE_INVAL:
	case NLE_RANGE:
		return HV_ERROR_INVAL;
	case NLE_BUSY:
		return HV_ERROR_BUSY;
	default:
		return HV_ERROR_IO;
	}
}

static int net_errno_rc(int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return HV_ERROR_PERM;
	case ENOMEM:
	case ENOBUFS:
		return HV_ERROR_NOMEM;
	case EBUSY:
		return HV_ERROR_BUSY;
	case EINVAL:
		return HV_ERROR_INVAL;
	default:
		return HV_ERROR_IO;
	}
}

/* Logs "<doing>: <why>", with a hint when privilege was missing; returns @rc. */
static int net_log(hv_ctx *ctx, int rc, const char *why, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static int net_log(hv_ctx *ctx, int rc, const char *why, const char *fmt, va_list ap)
{
	char doing[512];

	vsnprintf(doing, sizeof(doing), fmt, ap);
	HV__ERR(ctx, "%s: %s%s", doing, why, rc == HV_ERROR_PERM ? NET_PERM_HINT : "");
	return rc;
}

/* For a libnl error (a negative NLE_*): logs and returns its HV_ERROR_*. */
static int net_nl_fail(hv_ctx *ctx, int nlerr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int net_nl_fail(hv_ctx *ctx, int nlerr, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = net_log(ctx, net_nl_rc(nlerr), nl_geterror(nlerr), fmt, ap);
	va_end(ap);
	return rc;
}

/* For a failed system call (@err an errno): logs and returns its HV_ERROR_*. */
static int net_sys_fail(hv_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int net_sys_fail(hv_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = net_log(ctx, net_errno_rc(err), strerror(err), fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * An interface name the kernel takes as it is: 1 to IFNAMSIZ - 1
 * characters, not "." or "..", none of '/', ':' or white space (the
 * kernel's rules), and no '%', which the kernel would fill in with a
 * number.  @role says which name it is in the message.
 */
static int net_name_check(hv_ctx *ctx, const char *what, const char *role, const char *name)
{
	size_t len = strlen(name);

	if (len >= IFNAMSIZ) {
		HV__ERR(ctx, "%s: %s \"%s\" is too long (%zu characters): an interface name has at most %d",
			what, role, name, len, IFNAMSIZ - 1);
		return HV_ERROR_CONFIG;
	}
	if (len == 0 || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strpbrk(name, "/:% \t\n\v\f\r")) {
		HV__ERR(ctx, "%s: %s \"%s\" is not a valid interface name: give 1 to %d characters, none of '/', ':', '%%' or white space",
			what, role, name, IFNAMSIZ - 1);
		return HV_ERROR_CONFIG;
	}
	return 0;
}

static int net_connect(hv_ctx *ctx, const char *what, struct nl_sock **sk_r)
{
	struct nl_sock *sk;
	int err;

	*sk_r = NULL;
	sk = nl_socket_alloc();
	if (!sk) {
		HV__ERR(ctx, "%s: out of memory for a netlink socket", what);
		return HV_ERROR_NOMEM;
	}
	/* libnl opens it SOCK_CLOEXEC: a child the caller forks meanwhile does not keep it */
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(sk);
		return net_nl_fail(ctx, err, "%s: opening a route netlink socket", what);
	}
	*sk_r = sk;
	return 0;
}

/* The interface called @name: 0, or -NLE_OBJ_NOTFOUND when there is none, or another error. */
static int net_link_get(struct nl_sock *sk, const char *name, struct rtnl_link **link_r)
{
	int err = rtnl_link_get_kernel(sk, 0, name, link_r);

	return err == -NLE_NODEV ? -NLE_OBJ_NOTFOUND : err;
}

/* "dummy", "veth", "tun"...: what a device is, for messages. */
static const char *net_link_kind(struct rtnl_link *link)
{
	const char *kind = rtnl_link_get_type(link);

	/* no link kind: a physical NIC, the loopback, and the like */
	return kind ? kind : "physical or loopback";
}

/* Applies @changes to interface @ifindex; a negative NLE_* on failure. */
static int net_link_change(struct nl_sock *sk, int ifindex, struct rtnl_link *changes)
{
	struct rtnl_link *orig = rtnl_link_alloc();
	int err;

	if (!orig)
		return -NLE_NOMEM;
	rtnl_link_set_ifindex(orig, ifindex);
	err = rtnl_link_change(sk, orig, changes, 0);
	rtnl_link_put(orig);
	return err;
}

/* Brings interface @ifindex up or down. */
static int net_link_set_up(struct nl_sock *sk, int ifindex, bool up)
{
	struct rtnl_link *changes = rtnl_link_alloc();
	int err;

	if (!changes)
		return -NLE_NOMEM;
	if (up)
		rtnl_link_set_flags(changes, IFF_UP);
	else
		rtnl_link_unset_flags(changes, IFF_UP);
	err = net_link_change(sk, ifindex, changes);
	rtnl_link_put(changes);
	return err;
}

static int net_link_set_name(struct nl_sock *sk, int ifindex, const char *name)
{
	struct rtnl_link *changes = rtnl_link_alloc();
	int err;

	if (!changes)
		return -NLE_NOMEM;
	rtnl_link_set_name(changes, name);
	err = net_link_change(sk, ifindex, changes);
	rtnl_link_put(changes);
	return err;
}

/* 0 if no interface is called @name; else HV_ERROR_EXISTS (logged, saying what has it). */
static int net_name_free(hv_ctx *ctx, struct nl_sock *sk, const char *what, const char *name)
{
	struct rtnl_link *link = NULL;
	int err = net_link_get(sk, name, &link);

	if (err == -NLE_OBJ_NOTFOUND)
		return 0;
	if (err < 0)
		return net_nl_fail(ctx, err, "%s: looking for an interface called %s", what, name);
	HV__ERR(ctx, "%s: interface name %s is in use (by a %s device, ifindex %d): give the interface another name, or remove that device",
		what, name, net_link_kind(link), rtnl_link_get_ifindex(link));
	rtnl_link_put(link);
	return HV_ERROR_EXISTS;
}

/*
 * Creates bridge @name in one request, so that no one sees it half made:
 * STP off, forward delay 0, up, and an address of its own.  libnl 3.7 has
 * no setters for a bridge's IFLA_BR_* attributes, hence the message built
 * here.  The address is random and locally administered; being set (not
 * the kernel's), it stays when ports come and go, where a bridge left to
 * itself takes its ports' lowest.  0, or a negative NLE_*.
 */
static int net_bridge_create(struct nl_sock *sk, const char *name)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_flags = IFF_UP,
		.ifi_change = IFF_UP,
	};
	struct nlattr *info, *data;
	struct nl_msg *msg;
	uint8_t addr[6];
	int err = -NLE_NOMEM;

	if (getrandom(addr, sizeof(addr), 0) != (ssize_t)sizeof(addr))
		return -nl_syserr2nlerr(errno);
	addr[0] = (addr[0] & ~0x01) | 0x02;	/* unicast, locally administered */

	msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	if (!msg)
		return -NLE_NOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
	    nla_put(msg, IFLA_ADDRESS, sizeof(addr), addr) < 0)
		goto out;
	info = nla_nest_start(msg, IFLA_LINKINFO);
	if (!info || nla_put_string(msg, IFLA_INFO_KIND, "bridge") < 0)
		goto out;
	data = nla_nest_start(msg, IFLA_INFO_DATA);
	/* the kernel takes the forward delay first: 0 is allowed while STP is off, as it is on a new bridge */
	if (!data || nla_put_u32(msg, IFLA_BR_FORWARD_DELAY, 0) < 0 ||
	    nla_put_u32(msg, IFLA_BR_STP_STATE, 0) < 0)
		goto out;
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	err = nl_send_auto(sk, msg);
	if (err >= 0)
		err = nl_wait_for_ack(sk);
out:
	nlmsg_free(msg);
	return err;
}

struct net_bridge {
	int ifindex;
	unsigned int mtu;
};

/* Finds bridge @name, creating it when no interface has that name. */
static int net_bridge_get(hv_ctx *ctx, struct nl_sock *sk, const char *what, const char *name,
			  struct net_bridge *br)
{
	struct rtnl_link *link = NULL;
	bool created = false;
	const char *kind;
	int err, rc = 0;

	err = net_link_get(sk, name, &link);
	if (err == -NLE_OBJ_NOTFOUND) {
		err = net_bridge_create(sk, name);
		if (err == -NLE_OPNOTSUPP) {
			HV__ERR(ctx, "%s: creating bridge %s: this kernel has no bridge support (load it: modprobe bridge)",
				what, name);
			return HV_ERROR_NOSYS;
		}
		/* NLE_EXIST: someone else made it a moment ago; see what it is */
		if (err < 0 && err != -NLE_EXIST)
			return net_nl_fail(ctx, err, "%s: creating bridge %s", what, name);
		created = err == 0;
		err = net_link_get(sk, name, &link);
	}
	if (err < 0)
		return net_nl_fail(ctx, err, "%s: looking up bridge %s", what, name);

	kind = rtnl_link_get_type(link);
	if (!kind || strcmp(kind, "bridge")) {
		HV__ERR(ctx, "%s: %s exists and is not a bridge (it is a %s device): give the name of a bridge, or remove or rename that device",
			what, name, net_link_kind(link));
		rc = HV_ERROR_CONFIG;
		goto out;
	}
	if (created)
		HV__INFO(ctx, "%s: bridge %s did not exist: created it (STP off, forward delay 0, up); it has no uplink until one is added (ip link set dev NIC master %s)",
			 what, name, name);
	else if (!(rtnl_link_get_flags(link) & IFF_UP))
		HV__WARN(ctx, "%s: bridge %s is down: no traffic passes until it is up (ip link set dev %s up)",
			 what, name, name);
	br->ifindex = rtnl_link_get_ifindex(link);
	br->mtu = rtnl_link_get_mtu(link);
out:
	rtnl_link_put(link);
	return rc;
}

static void net_tap_init(struct hv__tap *tap)
{
	memset(tap, 0, sizeof(*tap));
	for (unsigned int i = 0; i < HV__TAP_MAX_QUEUES; i++)
		tap->fds[i] = -1;
}

/*
 * Opens a new tap with @queues descriptors under a name the kernel
 * chooses.  Never TUNSETPERSIST: the tap goes with its last descriptor.
 */
static int net_tap_create(hv_ctx *ctx, const char *what, unsigned int queues, struct hv__tap *tap)
{
	struct ifreq ifr;
	int len = NET_VNET_HDR_LEN;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (queues > 1)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s%%d", HV__TAP_PREFIX);

	for (unsigned int i = 0; i < queues; i++) {
		int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

		if (fd < 0) {
			int err = errno;

			if (err == ENOENT || err == ENODEV || err == ENXIO) {
				HV__ERR(ctx, "%s: this host has no tun device (/dev/net/tun: %s): load the tun module (modprobe tun)",
					what, strerror(err));
				return HV_ERROR_NOSYS;
			}
			return net_sys_fail(ctx, err, "%s: opening /dev/net/tun", what);
		}
		tap->fds[tap->nr_fds++] = fd;
		/* the first creates the tap and learns its name; the others attach to it */
		if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
			if (i == 0)
				return net_sys_fail(ctx, errno, "%s: creating a tap", what);
			return net_sys_fail(ctx, errno, "%s: attaching queue %u to tap %s", what, i,
					    ifr.ifr_name);
		}
	}
	snprintf(tap->name, sizeof(tap->name), "%s", ifr.ifr_name);
	/* the header's size is the device's, whichever descriptor sets it */
	if (ioctl(tap->fds[0], TUNSETVNETHDRSZ, &len) < 0)
		return net_sys_fail(ctx, errno, "%s: setting tap %s's virtio-net header size", what,
				    tap->name);
	return 0;
}

/* The tap's address, MTU, name, bridge and state, in that order. */
static int net_tap_setup(hv_ctx *ctx, struct nl_sock *sk, const char *what, const char *ifname,
			 const struct net_bridge *br, const char *bridge,
			 const uint8_t guest_mac[6], unsigned int mtu, struct hv__tap *tap)
{
	struct rtnl_link *link = NULL, *changes = NULL;
	struct nl_addr *addr = NULL;
	uint8_t mac[6];
	int err, rc = 0;

	err = net_link_get(sk, tap->name, &link);
	if (err < 0)
		return net_nl_fail(ctx, err, "%s: looking up the new tap %s", what, tap->name);
	tap->ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);

	memcpy(mac, guest_mac, sizeof(mac));
	mac[0] = 0xfe;
	changes = rtnl_link_alloc();
	addr = nl_addr_build(AF_LLC, mac, sizeof(mac));
	if (!changes || !addr) {
		HV__ERR(ctx, "%s: out of memory", what);
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	rtnl_link_set_addr(changes, addr);
	rtnl_link_set_mtu(changes, mtu);
	err = net_link_change(sk, tap->ifindex, changes);
	if (err == -NLE_INVAL) {
		/* the address is a valid unicast one: the MTU it is */
		HV__ERR(ctx, "%s: tap %s: the kernel refuses MTU %u: give one of 68 or more, up to bridge %s's %u",
			what, tap->name, mtu, bridge, br->mtu);
		rc = HV_ERROR_CONFIG;
		goto out;
	}
	if (err < 0) {
		rc = net_nl_fail(ctx, err, "%s: setting tap %s's address " NET_MAC_FMT " and MTU %u",
				 what, tap->name, NET_MAC_ARGS(mac), mtu);
		goto out;
	}

	/* made under a name of the kernel's: the rename fails if @ifname was taken since */
	if (ifname) {
		err = net_link_set_name(sk, tap->ifindex, ifname);
		if (err == -NLE_EXIST) {
			HV__ERR(ctx, "%s: interface name %s is in use: give the interface another name, or remove that device",
				what, ifname);
			rc = HV_ERROR_EXISTS;
			goto out;
		}
		if (err < 0) {
			rc = net_nl_fail(ctx, err, "%s: renaming tap %s to %s", what, tap->name, ifname);
			goto out;
		}
		snprintf(tap->name, sizeof(tap->name), "%s", ifname);
	}

	rtnl_link_put(changes);
	changes = rtnl_link_alloc();
	if (!changes) {
		HV__ERR(ctx, "%s: out of memory", what);
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	rtnl_link_set_master(changes, br->ifindex);
	err = net_link_change(sk, tap->ifindex, changes);
	if (err < 0) {
		rc = net_nl_fail(ctx, err, "%s: adding tap %s to bridge %s", what, tap->name, bridge);
		goto out;
	}

	err = net_link_set_up(sk, tap->ifindex, true);
	if (err < 0)
		rc = net_nl_fail(ctx, err, "%s: bringing tap %s up", what, tap->name);
out:
	nl_addr_put(addr);
	rtnl_link_put(changes);
	return rc;
}

int hv__tap_open(hv_ctx *ctx, const char *what, const char *ifname, const char *bridge,
		 const uint8_t guest_mac[6], unsigned int mtu, unsigned int queues,
		 struct hv__tap *tap)
{
	struct hv__tap t;
	struct net_bridge br = { 0 };
	struct nl_sock *sk = NULL;
	int rc;

	net_tap_init(tap);
	net_tap_init(&t);
	if (!what || !bridge || !guest_mac) {
		HV__ERR(ctx, "%s: no bridge or guest address given for a tap", what ? what : "network");
		return HV_ERROR_INVAL;
	}
	if (queues < 1 || queues > HV__TAP_MAX_QUEUES) {
		HV__ERR(ctx, "%s: %u queues asked for: a tap has 1 to %d here",
			what, queues, HV__TAP_MAX_QUEUES);
		return HV_ERROR_INVAL;
	}
	rc = net_name_check(ctx, what, "bridge", bridge);
	if (!rc && ifname)
		rc = net_name_check(ctx, what, "tap name", ifname);
	if (rc)
		return rc;

	rc = net_connect(ctx, what, &sk);
	if (rc)
		return rc;
	/* a name in use is not joined, even that of a tap */
	if (ifname) {
		rc = net_name_free(ctx, sk, what, ifname);
		if (rc)
			goto out;
	}
	rc = net_bridge_get(ctx, sk, what, bridge, &br);
	if (rc)
		goto out;
	if (mtu > br.mtu) {
		HV__ERR(ctx, "%s: MTU %u is larger than bridge %s's %u: frames that large would be dropped; give an MTU of at most %u, or raise the bridge's first (ip link set dev %s mtu %u)",
			what, mtu, bridge, br.mtu, br.mtu, bridge, mtu);
		rc = HV_ERROR_CONFIG;
		goto out;
	}
	if (!mtu)
		mtu = br.mtu;

	rc = net_tap_create(ctx, what, queues, &t);
	if (!rc)
		rc = net_tap_setup(ctx, sk, what, ifname, &br, bridge, guest_mac, mtu, &t);
	if (rc)
		goto out;
	HV__DEBUG(ctx, "%s: tap %s (ifindex %d, %u queue%s, MTU %u) is on bridge %s",
		  what, t.name, t.ifindex, t.nr_fds, t.nr_fds == 1 ? "" : "s", mtu, bridge);
	*tap = t;
	net_tap_init(&t);
out:
	/* the last descriptor closed, the kernel removes the tap and its port */
	hv__tap_close(&t);
	nl_socket_free(sk);
	return rc;
}

int hv__tap_rename(hv_ctx *ctx, struct hv__tap *tap, const char *name)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *sk = NULL;
	char what[64], old[sizeof(tap->name)];
	bool was_up;
	int err, rc;

	if (!tap->nr_fds) {
		HV__ERR(ctx, "tap %s: cannot rename a closed tap", tap->name);
		return HV_ERROR_STATE;
	}
	snprintf(what, sizeof(what), "tap %s", tap->name);
	snprintf(old, sizeof(old), "%s", tap->name);
	if (!name) {
		HV__ERR(ctx, "%s: no new name given", what);
		return HV_ERROR_INVAL;
	}
	rc = net_name_check(ctx, what, "new name", name);
	if (rc || !strcmp(name, tap->name))
		return rc;
	rc = net_connect(ctx, what, &sk);
	if (rc)
		return rc;
	rc = net_name_free(ctx, sk, what, name);
	if (rc)
		goto out;
	err = rtnl_link_get_kernel(sk, tap->ifindex, NULL, &link);
	if (err < 0) {
		rc = net_nl_fail(ctx, err, "%s: looking up ifindex %d", what, tap->ifindex);
		goto out;
	}
	was_up = rtnl_link_get_flags(link) & IFF_UP;
	rtnl_link_put(link);

	/* the kernel renames only an interface that is down */
	if (was_up) {
		err = net_link_set_up(sk, tap->ifindex, false);
		if (err < 0) {
			rc = net_nl_fail(ctx, err, "%s: taking it down to rename it", what);
			goto out;
		}
	}
	err = net_link_set_name(sk, tap->ifindex, name);
	if (err == -NLE_EXIST) {
		HV__ERR(ctx, "%s: renaming to %s: that name is in use: give another, or remove that device",
			what, name);
		rc = HV_ERROR_EXISTS;
	} else if (err < 0) {
		rc = net_nl_fail(ctx, err, "%s: renaming to %s", what, name);
	}
	if (!rc)
		snprintf(tap->name, sizeof(tap->name), "%s", name);
	if (was_up) {
		err = net_link_set_up(sk, tap->ifindex, true);
		if (err < 0 && !rc) {
			/* renamed but down: better the old name, up (if the kernel lets us) */
			rc = net_nl_fail(ctx, err, "%s: bringing it up as %s", what, name);
			if (net_link_set_name(sk, tap->ifindex, old) == 0)
				snprintf(tap->name, sizeof(tap->name), "%s", old);
			net_link_set_up(sk, tap->ifindex, true);
		} else if (err < 0) {
			net_nl_fail(ctx, err, "%s: bringing it up again", what);
		}
	}
out:
	nl_socket_free(sk);
	return rc;
}

/* The name and ifindex stay, for messages. */
void hv__tap_close(struct hv__tap *tap)
{
	for (unsigned int i = 0; i < HV__TAP_MAX_QUEUES; i++) {
		if (tap->fds[i] >= 0)
			close(tap->fds[i]);
		tap->fds[i] = -1;
	}
	tap->nr_fds = 0;
}
