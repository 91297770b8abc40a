/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host side of a domain's network interfaces (libhv/net.c): a tap
 * opened with the caller's privileges and put on its bridge, whose
 * descriptors go to hvd and hv-vmm, which never create or configure a host
 * interface themselves.  Internal to libhv (hidden, not in libhv.map).
 *
 * Who cleans up: a tap is never made persistent (TUNSETPERSIST), so it
 * lives exactly as long as one of its descriptors is open somewhere (in
 * the caller, in hvd, in hv-vmm).  When the last one closes, for whatever
 * reason (hv__tap_close(), an exit, kill -9 of every holder), the kernel
 * removes the interface and, with it, its port on the bridge: nothing is
 * left to tidy.  docs/network.md has the whole picture.
 *
 * Every function needs CAP_NET_ADMIN in the caller's network namespace
 * (root has it), except hv__tap_close().  The caller's thread and network
 * namespace are where the tap is made; each call opens a netlink socket of
 * its own, so calls may run in parallel on one context.
 */
#ifndef HV_NET_H
#define HV_NET_H

#include <stdint.h>
#include <hv/hv.h>

#define HV__TAP_MAX_QUEUES 4

/* The prefix of the names the kernel chooses (hvtap0, hvtap1...). */
#define HV__TAP_PREFIX "hvtap"

struct hv__tap {
	char name[16];			/* IFNAMSIZ: the host interface's name */
	int fds[HV__TAP_MAX_QUEUES];	/* -1 when unused */
	unsigned int nr_fds;
	int ifindex;
};

/*
 * hv__tap_open - opens a tap with @queues descriptors (/dev/net/tun,
 * IFF_TAP | IFF_NO_PI | IFF_VNET_HDR with a 12-byte virtio-net header,
 * plus IFF_MULTI_QUEUE when @queues > 1; each O_CLOEXEC | O_NONBLOCK) and
 * makes it ready: its address is @guest_mac with the first byte 0xfe, its
 * MTU set, a port of @bridge, up.
 *
 * @what: names the interface in messages, e.g. "domain \"web\": vif 0".
 * @ifname: the interface's exact name (1 to 15 characters, none of '/',
 * ':', '%' or white space), or NULL for one the kernel chooses, hvtap<N>.
 * A name in use is refused (HV_ERROR_EXISTS), never joined, even if it is
 * a tap: the tap is made under a kernel-chosen name and only then renamed
 * to @ifname, so a name taken in the meantime fails the rename rather than
 * attaching us to someone else's tap.
 * @bridge: the bridge to join.  When no interface has that name, it is
 * created (logged at info level): STP off, forward delay 0, an address of
 * its own (random, locally administered, so that it stays put as ports
 * come and go), up.  A bridge this call created stays if the call fails
 * later: it is empty, it is what the next attempt needs, and another
 * domain may be joining it at that moment.  An existing bridge is used as
 * it is (a warning if it is down); an interface of that name that is not
 * a bridge is refused (HV_ERROR_CONFIG).
 * @guest_mac: the guest's address.  The tap gets it with the first byte
 * 0xfe, an address above any ordinary one: a bridge whose address is not
 * fixed takes its ports' lowest, so it never takes a guest's tap's.
 * @mtu: 0 for the bridge's MTU; otherwise the tap's, which must not be
 * larger than the bridge's (HV_ERROR_CONFIG: frames the guest sent would
 * be dropped where they leave the bridge).  A smaller one is allowed: a
 * bridge whose MTU was never set follows its smallest port.  The kernel
 * refuses an MTU under 68.
 * @queues: 1 to HV__TAP_MAX_QUEUES (HV_ERROR_INVAL otherwise).
 * @tap: where the tap goes.  It is always set: on failure to no tap
 * (nr_fds 0, every fd -1), so hv__tap_close() may be called either way.
 *
 * Returns 0, or a negative HV_ERROR_* after logging what failed, on which
 * interface and what to do: HV_ERROR_PERM without CAP_NET_ADMIN (or no
 * access to /dev/net/tun), HV_ERROR_NOSYS when the host has no tun or
 * bridge support.  On failure no tap remains and no port was added.
 */
int hv__tap_open(hv_ctx *ctx, const char *what, const char *ifname, const char *bridge,
		 const uint8_t guest_mac[6], unsigned int mtu, unsigned int queues,
		 struct hv__tap *tap);

/*
 * hv__tap_rename - renames the open @tap to @name (rules as @ifname
 * above): taken down, renamed, and brought up again if it was up; it stays
 * on its bridge and keeps its ifindex and descriptors.  0, or a negative
 * HV_ERROR_* (logged; HV_ERROR_EXISTS for a name in use), after which the
 * tap has its old name and is up if it was.
 */
int hv__tap_rename(hv_ctx *ctx, struct hv__tap *tap, const char *name);

/*
 * hv__tap_close - closes @tap's descriptors held here and marks it closed.
 * Once no process holds one (hv-vmm and hvd have their own copies), the
 * kernel removes the interface and its bridge port.  Never fails; a
 * closed tap may be closed again.
 */
void hv__tap_close(struct hv__tap *tap);

#endif
