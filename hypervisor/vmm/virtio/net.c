/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-net: the device around the queue pairs of virtio/netq.c.  Here
 * are its features and configuration space, the control queue (receive
 * modes, MAC filter, queue pairs, guest offloads, announcements), what the
 * tap is told (header size, offloads, which of its queues are attached),
 * and the device's saved state.  Control commands run in the thread that
 * saw the notification, under the VM's io_lock.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "io.h"
#include "log.h"
#include "loop.h"
#include "snapshot/state.h"
#include "kvm/vm.h"
#include "virtio/net.h"
#include "virtio/netq.h"
#include "virtio/pci.h"

#define VIRTIO_NET_F_CTRL_GUEST_OFFLOADS (1ull << 2)
#define VIRTIO_NET_F_MTU		(1ull << 3)
#define VIRTIO_NET_F_MAC		(1ull << 5)
#define VIRTIO_NET_F_STATUS		(1ull << 16)
#define VIRTIO_NET_F_CTRL_VQ		(1ull << 17)
#define VIRTIO_NET_F_CTRL_RX		(1ull << 18)
#define VIRTIO_NET_F_GUEST_ANNOUNCE	(1ull << 21)
#define VIRTIO_NET_F_MQ			(1ull << 22)

#define VIRTIO_NET_S_LINK_UP		1
#define VIRTIO_NET_S_ANNOUNCE		2

#define VIRTIO_NET_OK			0
#define VIRTIO_NET_ERR			1
#define VIRTIO_NET_CTRL_RX		0
#define VIRTIO_NET_CTRL_RX_PROMISC	0
#define VIRTIO_NET_CTRL_RX_ALLMULTI	1
#define VIRTIO_NET_CTRL_MAC		1
#define VIRTIO_NET_CTRL_MAC_TABLE_SET	0
#define VIRTIO_NET_CTRL_ANNOUNCE	3
#define VIRTIO_NET_CTRL_ANNOUNCE_ACK	0
#define VIRTIO_NET_CTRL_MQ		4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET	0
#define VIRTIO_NET_CTRL_GUEST_OFFLOADS	5
#define VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET 0

#define NET_GUEST_OFFLOADS (VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_GUEST_TSO4 | \
			    VIRTIO_NET_F_GUEST_TSO6 | VIRTIO_NET_F_GUEST_ECN | \
			    VIRTIO_NET_F_GUEST_UFO)
#define NET_CONFIG_LEN		12	/* mac, status, max_virtqueue_pairs, mtu */
#define NET_CTRL_BATCH		64	/* commands per notification */

struct virtio_net {
	struct virtio_pci vp;
	struct virtio_dev_ops ops;
	struct netq_dev d;
	struct loop *loop;
	char name[32];
	unsigned int nr_pairs;
	uint16_t mtu;
	uint8_t mac[6];
	bool attached[VIRTIO_NET_MAX_QUEUE_PAIRS];	/* the tap queue is attached */
	/* under io_lock */
	uint16_t status;		/* VIRTIO_NET_S_* as the guest reads it */
	uint8_t announce_pending;	/* asked for before the driver could take it */
	uint16_t pairs;			/* queue pairs in use */
	uint64_t offloads;		/* guest offloads, as saved */
	struct virtq_elem ctrl;		/* the command being carried out */
	struct netq q[VIRTIO_NET_MAX_QUEUE_PAIRS];
};

static struct virtio_net *vnet(struct virtio_pci *vp)
{
	return vp->dev;
}

static uint64_t net_features(const struct virtio_net *n)
{
	return __atomic_load_n(&n->d.features, __ATOMIC_ACQUIRE);
}

/* --- the tap ------------------------------------------------------------- */

/* TUNSETOFFLOAD's flags for @offl: the kernel takes segmentation only with checksums. */
static unsigned int tun_offloads(uint64_t offl)
{
	unsigned int f;

	if (!(offl & VIRTIO_NET_F_GUEST_CSUM))
		return 0;
	f = TUN_F_CSUM;
	if (offl & VIRTIO_NET_F_GUEST_TSO4)
		f |= TUN_F_TSO4;
	if (offl & VIRTIO_NET_F_GUEST_TSO6)
		f |= TUN_F_TSO6;
	if ((offl & VIRTIO_NET_F_GUEST_ECN) && (f & (TUN_F_TSO4 | TUN_F_TSO6)))
		f |= TUN_F_TSO_ECN;
	return f;
}

/* The guest takes @offl from now on; 0 or -errno (the tap refused them). */
static int net_set_offloads(struct virtio_net *n, uint64_t offl)
{
	if (!n->d.sockets &&
	    ioctl(n->q[0].tap_fd, TUNSETOFFLOAD, (unsigned long)tun_offloads(offl)) < 0) {
		int rc = -errno;

		warn("%s: the tap refuses offloads 0x%x: %s", n->name, tun_offloads(offl),
		     strerror(-rc));
		return rc;
	}
	n->offloads = offl;
	__atomic_store_n(&n->d.guest_offloads, offl, __ATOMIC_RELEASE);
	return 0;
}

/* Attaches or detaches tap queue @i, so the kernel only steers frames to pairs in use. */
static void net_tap_queue(struct virtio_net *n, unsigned int i, bool on)
{
	struct ifreq ifr = { .ifr_flags = on ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE };

	if (n->d.sockets || n->nr_pairs == 1 || n->attached[i] == on)
		return;
	if (ioctl(n->q[i].tap_fd, TUNSETQUEUE, &ifr) < 0 && errno != EINVAL) {
		warn("%s: cannot %s tap queue %u: %s", n->name, on ? "attach" : "detach", i,
		     strerror(errno));
		return;
	}
	n->attached[i] = on;
}

/* io_lock held: @k queue pairs are in use, started if @start. */
static void net_set_pairs(struct virtio_net *n, unsigned int k, bool start)
{
	for (unsigned int i = 0; i < n->nr_pairs; i++) {
		bool on = i < k;

		if (!on) {
			netq_stop(&n->q[i], false);
			net_tap_queue(n, i, false);
		} else {
			net_tap_queue(n, i, true);
			if (start)
				netq_start(&n->q[i]);
		}
	}
	n->pairs = k;
}

/* io_lock held: the device runs with features @f, offloads @offl and @pairs pairs. */
static void net_begin(struct virtio_net *n, uint64_t f, uint64_t offl, unsigned int pairs)
{
	int ctrl = -1;

	if (f & VIRTIO_NET_F_CTRL_VQ)
		ctrl = f & VIRTIO_NET_F_MQ ? 2 * (int)n->nr_pairs : 2;
	__atomic_store_n(&n->d.features, f, __ATOMIC_RELEASE);
	__atomic_store_n(&n->d.ctrl_q, ctrl, __ATOMIC_RELEASE);
	net_set_offloads(n, offl);
	net_set_pairs(n, pairs, true);
}

/* --- control queue ------------------------------------------------------- */

/*
 * Carries out the command in n->ctrl, @len bytes after its class and
 * command: VIRTIO_NET_OK or VIRTIO_NET_ERR.
 */
static uint8_t net_ctrl_cmd(struct virtio_net *n, uint8_t class, uint8_t cmd, uint64_t len)
{
	const struct virtq_elem *e = &n->ctrl;
	uint64_t f = net_features(n);
	uint64_t offl;
	uint32_t nr[2];
	uint16_t pairs;
	uint8_t on;

	switch (class << 8 | cmd) {
	case VIRTIO_NET_CTRL_RX << 8 | VIRTIO_NET_CTRL_RX_PROMISC:
	case VIRTIO_NET_CTRL_RX << 8 | VIRTIO_NET_CTRL_RX_ALLMULTI:
		if (!(f & VIRTIO_NET_F_CTRL_RX) || len != 1)
			return VIRTIO_NET_ERR;
		virtq_iov_read(&on, e->out, e->nr_out, 2, 1);
		dbg("%s: guest turns %s %s (every frame is delivered)", n->name,
		    cmd == VIRTIO_NET_CTRL_RX_PROMISC ? "promiscuous mode" : "all-multicast",
		    on ? "on" : "off");
		return VIRTIO_NET_OK;
	case VIRTIO_NET_CTRL_MAC << 8 | VIRTIO_NET_CTRL_MAC_TABLE_SET:
		/* two tables of { le32 entries; u8 macs[entries][6] }, nothing after */
		if (!(f & VIRTIO_NET_F_CTRL_RX) || len < 8)
			return VIRTIO_NET_ERR;
		virtq_iov_read(&nr[0], e->out, e->nr_out, 2, 4);
		nr[0] = le32toh(nr[0]);
		if (nr[0] > (len - 8) / 6)
			return VIRTIO_NET_ERR;
		virtq_iov_read(&nr[1], e->out, e->nr_out, 2 + 4 + 6ull * nr[0], 4);
		nr[1] = le32toh(nr[1]);
		if (8 + 6ull * nr[0] + 6ull * nr[1] != len)
			return VIRTIO_NET_ERR;
		return VIRTIO_NET_OK;
	case VIRTIO_NET_CTRL_ANNOUNCE << 8 | VIRTIO_NET_CTRL_ANNOUNCE_ACK:
		if (!(f & VIRTIO_NET_F_GUEST_ANNOUNCE) || len)
			return VIRTIO_NET_ERR;
		n->status &= ~VIRTIO_NET_S_ANNOUNCE;
		return VIRTIO_NET_OK;
	case VIRTIO_NET_CTRL_MQ << 8 | VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET:
		if (!(f & VIRTIO_NET_F_MQ) || len != 2)
			return VIRTIO_NET_ERR;
		virtq_iov_read(&pairs, e->out, e->nr_out, 2, 2);
		pairs = le16toh(pairs);
		if (pairs < 1 || pairs > n->nr_pairs)
			return VIRTIO_NET_ERR;
		net_set_pairs(n, pairs, true);
		return VIRTIO_NET_OK;
	case VIRTIO_NET_CTRL_GUEST_OFFLOADS << 8 | VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET:
		if (!(f & VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) || len != 8)
			return VIRTIO_NET_ERR;
		virtq_iov_read(&offl, e->out, e->nr_out, 2, 8);
		offl = le64toh(offl);
		/* only offloads the driver negotiated (5.1.6.5.6.2) */
		if (offl & ~(f & NET_GUEST_OFFLOADS))
			return VIRTIO_NET_ERR;
		return net_set_offloads(n, offl) ? VIRTIO_NET_ERR : VIRTIO_NET_OK;
	default:
		guest_warn("guest: %s: control command %u.%u is not known; refused", n->name,
			   class, cmd);
		return VIRTIO_NET_ERR;
	}
}

/* io_lock held: the control queue was notified. */
static void net_ctrl(struct virtio_net *n)
{
	int q = __atomic_load_n(&n->d.ctrl_q, __ATOMIC_ACQUIRE);
	struct virtq_elem *e = &n->ctrl;
	bool used = false;

	for (unsigned int i = 0; q >= 0 && i < NET_CTRL_BATCH; i++) {
		uint64_t len = 0;
		uint8_t hdr[2], *ack;

		if (virtio_pci_pop(&n->vp, q, e) != 1)
			break;
		for (unsigned int j = 0; j < e->nr_out; j++)
			len += e->out[j].len;
		if (len < 2) {
			virtio_pci_fail(&n->vp, "control command shorter than its class and command");
			return;
		}
		if (!e->nr_in || !e->in[e->nr_in - 1].len) {
			virtio_pci_fail(&n->vp, "control command without a byte for its acknowledgement");
			return;
		}
		virtq_iov_read(hdr, e->out, e->nr_out, 0, 2);
		ack = (uint8_t *)e->in[e->nr_in - 1].base + e->in[e->nr_in - 1].len - 1;
		*ack = net_ctrl_cmd(n, hdr[0], hdr[1], len - 2);
		virtio_pci_push_only(&n->vp, q, e, 1);
		used = true;
	}
	if (used)
		virtio_pci_notify(&n->vp, q);
}

static void net_ctrl_kick(struct netq_dev *d)
{
	net_ctrl((struct virtio_net *)((char *)d - offsetof(struct virtio_net, d)));
}

/* --- transport hooks ----------------------------------------------------- */

static void net_notify(struct virtio_pci *vp, unsigned int q)
{
	struct virtio_net *n = vnet(vp);
	unsigned int used = net_features(n) & VIRTIO_NET_F_MQ ? 2 * n->nr_pairs : 2;

	if ((int)q == __atomic_load_n(&n->d.ctrl_q, __ATOMIC_ACQUIRE))
		net_ctrl(n);
	else if (q < used)
		netq_kick(&n->q[q / 2], q);
	/* else a queue the negotiated features leave unused */
}

static void net_config_read(struct virtio_pci *vp, uint32_t off, void *data, unsigned int size)
{
	struct virtio_net *n = vnet(vp);
	uint8_t cfg[NET_CONFIG_LEN];

	memcpy(cfg, n->mac, 6);
	io_put(cfg + 6, 2, n->status);
	io_put(cfg + 8, 2, n->nr_pairs);
	io_put(cfg + 10, 2, n->mtu);
	memcpy(data, cfg + off, size);
}

static void net_config_write(struct virtio_pci *vp, uint32_t off, const void *data,
			     unsigned int size)
{
	guest_warn("guest: %s: write to config offset %u ignored (the MAC is the host's)",
		   vnet(vp)->name, off);
}

/* The driver reset the device (and once at creation). */
static void net_reset(struct virtio_pci *vp)
{
	struct virtio_net *n = vnet(vp);

	for (unsigned int i = 0; i < n->nr_pairs; i++)
		netq_stop(&n->q[i], true);
	if (n->status & VIRTIO_NET_S_ANNOUNCE)
		n->announce_pending = 1;	/* the next driver hears it */
	n->status = VIRTIO_NET_S_LINK_UP;
	__atomic_store_n(&n->d.features, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&n->d.ctrl_q, -1, __ATOMIC_RELEASE);
	net_set_offloads(n, 0);
	net_set_pairs(n, 1, false);
}

static void net_driver_ok(struct virtio_pci *vp)
{
	struct virtio_net *n = vnet(vp);
	uint64_t f = vp->driver_features;

	if (!(vp->status & VIRTIO_STATUS_FEATURES_OK)) {
		virtio_pci_fail(vp, "DRIVER_OK without FEATURES_OK");
		return;
	}
	/* offloads as negotiated until a control command changes them (5.1.6.5.6.1) */
	net_begin(n, f, f & NET_GUEST_OFFLOADS, 1);
	if (n->announce_pending)
		virtio_net_announce(n);
}

void virtio_net_announce(struct virtio_net *n)
{
	uint64_t f = net_features(n);

	if (!virtio_pci_running(&n->vp)) {
		n->announce_pending = 1;
		return;
	}
	n->announce_pending = 0;
	if (!(f & VIRTIO_NET_F_GUEST_ANNOUNCE) || !(f & VIRTIO_NET_F_STATUS))
		return;
	n->status |= VIRTIO_NET_S_ANNOUNCE;
	virtio_pci_config_changed(&n->vp);
}

/* --- state --------------------------------------------------------------- */

static void net_dev_state(struct state_io *io, struct virtio_pci *vp)
{
	struct virtio_net *n = vnet(vp);
	uint64_t f = vp->driver_features;
	uint8_t mac[6];

	if (state_begin(io, "virtio-net-dev", 1))
		return;
	memcpy(mac, n->mac, sizeof(mac));
	state_u16(io, "status", &n->status);
	state_u8(io, "announce_pending", &n->announce_pending);
	state_u16(io, "queue_pairs", &n->pairs);
	state_u64(io, "guest_offloads", &n->offloads);
	state_bytes(io, "mac", mac, sizeof(mac));
	if (io->loading && !io->err && memcmp(mac, n->mac, sizeof(mac))) {
		/* the driver read it at probe: it stays what the guest knows */
		info("%s: the guest keeps the MAC it was saved with, %02x:%02x:%02x:%02x:%02x:%02x",
		     n->name, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
		memcpy(n->mac, mac, sizeof(mac));
	}
	if (io->loading && !io->err) {
		if (n->status & ~(VIRTIO_NET_S_LINK_UP | VIRTIO_NET_S_ANNOUNCE))
			state_fail(io, "status 0x%x has unknown bits", n->status);
		else if (n->announce_pending > 1)
			state_fail(io, "announce_pending is %u", n->announce_pending);
		else if (n->pairs < 1 || n->pairs > n->nr_pairs ||
			 (n->pairs > 1 && !(f & VIRTIO_NET_F_MQ)))
			state_fail(io, "%u queue pairs in use, the device has %u%s", n->pairs,
				   n->nr_pairs, f & VIRTIO_NET_F_MQ ? "" : " and no MQ");
		else if (n->offloads & ~(f & NET_GUEST_OFFLOADS))
			state_fail(io, "guest offloads 0x%llx were not negotiated",
				   (unsigned long long)n->offloads);
	}
	state_end(io);
}

/* Whether no pair touches guest memory. */
static bool net_quiesced(struct virtio_net *n)
{
	for (unsigned int i = 0; i < n->nr_pairs; i++)
		if (!netq_quiesced(&n->q[i]))
			return false;
	return true;
}

void virtio_net_state(struct state_io *io, struct virtio_net *n)
{
	bool was = io->loading || net_quiesced(n);

	/* the rings as the guest left them: no buffer held, none moving */
	if (!was)
		virtio_net_quiesce(n);
	virtio_pci_state(io, &n->vp);
	if (!was)
		virtio_net_resume(n);
}

int virtio_net_post_load(struct virtio_net *n)
{
	struct virtio_pci *vp = &n->vp;
	int rc;

	rc = virtio_pci_post_load(vp);
	if (rc)
		return rc;
	if (virtio_pci_running(vp) && !(vp->status & VIRTIO_STATUS_FEATURES_OK))
		return -EINVAL;
	if (virtio_pci_running(vp)) {
		uint64_t offl = n->offloads;
		unsigned int pairs = n->pairs;

		n->pairs = 1;
		net_begin(n, vp->driver_features, offl, pairs);
	} else {
		__atomic_store_n(&n->d.guest_offloads, n->offloads, __ATOMIC_RELEASE);
	}
	virtio_net_announce(n);
	return 0;
}

/* --- life cycle ---------------------------------------------------------- */

void virtio_net_quiesce(struct virtio_net *n)
{
	for (unsigned int i = 0; i < n->nr_pairs; i++)
		netq_quiesce(&n->q[i]);
}

void virtio_net_resume(struct virtio_net *n)
{
	for (unsigned int i = 0; i < n->nr_pairs; i++)
		netq_resume(&n->q[i]);
}

void virtio_net_poll(struct virtio_net *n)
{
	for (unsigned int i = 0; i < n->pairs && !n->d.threads; i++)
		netq_poll(&n->q[i]);
}

struct virtio_pci *virtio_net_pci(struct virtio_net *n)
{
	return &n->vp;
}

void virtio_net_get_stats(struct virtio_net *n, struct virtio_net_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned int i = 0; i < n->nr_pairs; i++)
		netq_add_stats(&n->q[i], st);
}

/* Checks tap queue @i and sets it up: 12-byte headers, non-blocking. */
static int net_tap_setup(struct virtio_net *n, unsigned int i)
{
	int fd = n->q[i].tap_fd, hdr = NETQ_HDR_LEN, fl;
	struct ifreq ifr = { 0 };
	int type = 0;
	socklen_t tl = sizeof(type);

	if (n->d.sockets) {
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_SEQPACKET) {
			err("%s: queue %u: not a SOCK_SEQPACKET socket", n->name, i);
			return -EINVAL;
		}
	} else {
		if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
			err("%s: queue %u: not a tap device (%s); libhv opens it with IFF_TAP|IFF_NO_PI|IFF_VNET_HDR",
			    n->name, i, strerror(errno));
			return -EINVAL;
		}
		if ((ifr.ifr_flags & (IFF_TUN | IFF_TAP)) != IFF_TAP || !(ifr.ifr_flags & IFF_NO_PI) ||
		    !(ifr.ifr_flags & IFF_VNET_HDR) ||
		    (n->nr_pairs > 1 && !(ifr.ifr_flags & IFF_MULTI_QUEUE))) {
			err("%s: tap %.*s was opened with flags 0x%x; it needs IFF_TAP|IFF_NO_PI|IFF_VNET_HDR%s",
			    n->name, IFNAMSIZ, ifr.ifr_name, ifr.ifr_flags,
			    n->nr_pairs > 1 ? "|IFF_MULTI_QUEUE" : "");
			return -EINVAL;
		}
		if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) {
			err("%s: tap %.*s: cannot set a %d-byte header: %s", n->name, IFNAMSIZ,
			    ifr.ifr_name, hdr, strerror(errno));
			return -errno;
		}
		if (i == 0 && n->name[0] == '\0')
			snprintf(n->name, sizeof(n->name), "%.*s", IFNAMSIZ, ifr.ifr_name);
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	n->attached[i] = true;
	return 0;
}

static const struct virtio_dev_ops net_ops = {
	.name = "virtio-net",
	.device_id = 1,
	.pci_class = 0x020000,		/* Ethernet controller */
	.queue_max = NETQ_QUEUE_MAX,
	.config_len = NET_CONFIG_LEN,
	.config_read = net_config_read,
	.config_write = net_config_write,
	.queue_notify = net_notify,
	.reset = net_reset,
	.driver_ok = net_driver_ok,
	.state = net_dev_state,
};

int virtio_net_create(struct virtio_net **net_r, struct pci_bus *bus, struct vm *vm,
		      struct loop *loop, const struct virtio_net_conf *conf)
{
	unsigned int nr = conf->nr_queue_pairs;
	struct virtio_net *n = NULL;
	unsigned int i = 0;
	int rc = -EINVAL;

	if (nr < 1 || nr > VIRTIO_NET_MAX_QUEUE_PAIRS) {
		err("%s: %u queue pairs (1 to %u)", conf->name ? conf->name : "virtio-net", nr,
		    VIRTIO_NET_MAX_QUEUE_PAIRS);
		nr = nr > VIRTIO_NET_MAX_QUEUE_PAIRS ? VIRTIO_NET_MAX_QUEUE_PAIRS : nr;
		goto fail;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		rc = -ENOMEM;
		goto fail;
	}
	snprintf(n->name, sizeof(n->name), "%s", conf->name ? conf->name : "");
	n->loop = loop;
	n->nr_pairs = nr;
	memcpy(n->mac, conf->mac, sizeof(n->mac));
	n->d.vp = &n->vp;
	n->d.vm = vm;
	n->d.name = n->name;
	n->d.sockets = conf->sockets;
	n->d.threads = !conf->no_threads && vm && loop;
	n->d.ctrl_q = -1;
	n->d.ctrl_kick = net_ctrl_kick;
	pthread_mutex_init(&n->d.rate_lock, NULL);
	/* every pair owns its tap from here, whatever happens next */
	for (; i < nr; i++) {
		rc = netq_init(&n->q[i], &n->d, i, conf->tap_fds[i]);
		if (rc) {
			i++;
			goto fail;
		}
	}
	for (unsigned int k = 0; k < nr; k++) {
		rc = net_tap_setup(n, k);
		if (rc)
			goto fail;
	}
	if (!n->name[0])
		snprintf(n->name, sizeof(n->name), "virtio-net");
	rc = -EINVAL;
	if (conf->mtu && (conf->mtu < 68 || conf->mtu > 65535)) {
		err("%s: MTU %u (68 to 65535)", n->name, conf->mtu);
		goto fail;
	}
	n->mtu = conf->mtu ? conf->mtu : 1500;
	n->d.frame_small = (n->mtu > 1500 ? n->mtu : 1500) + 18;
	if (conf->rate_bytes && conf->rate_interval_us) {
		if (conf->rate_bytes > (1ull << 48) || conf->rate_interval_us > 3600000000ull) {
			err("%s: rate of %llu bytes per %llu us is out of range", n->name,
			    (unsigned long long)conf->rate_bytes,
			    (unsigned long long)conf->rate_interval_us);
			goto fail;
		}
		n->d.rate_bytes = conf->rate_bytes;
		n->d.interval_ns = conf->rate_interval_us * 1000;
		n->d.credit = (int64_t)conf->rate_bytes;
		n->d.next_refill_ns = now_ns() + n->d.interval_ns;
	}
	n->ops = net_ops;
	n->ops.nr_queues = 2 * nr + 1;
	n->ops.pci_slot = conf->pci_slot;
	n->ops.features = VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM |
			  VIRTIO_NET_F_CTRL_GUEST_OFFLOADS | VIRTIO_NET_F_MTU | VIRTIO_NET_F_MAC |
			  VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_TSO6 | VIRTIO_NET_F_GUEST_ECN |
			  VIRTIO_NET_F_HOST_TSO4 | VIRTIO_NET_F_HOST_TSO6 | VIRTIO_NET_F_HOST_ECN |
			  VIRTIO_NET_F_MRG_RXBUF | VIRTIO_NET_F_STATUS | VIRTIO_NET_F_CTRL_VQ |
			  VIRTIO_NET_F_CTRL_RX | VIRTIO_NET_F_GUEST_ANNOUNCE |
			  (nr > 1 ? VIRTIO_NET_F_MQ : 0);
	rc = virtio_pci_init(&n->vp, bus, vm, loop, &n->ops, n);
	if (rc)
		goto fail;
	if (n->d.threads) {
		/* the data queues' notifications go to their pair's thread, not the I/O loop */
		for (unsigned int q = 0; q < 2 * nr; q++)
			loop_del(loop, n->vp.vq[q].kick_fd);
		for (unsigned int k = 0; k < nr; k++) {
			rc = netq_start_thread(&n->q[k]);
			if (rc) {
				err("%s: cannot start queue pair %u: %s", n->name, k, strerror(-rc));
				goto fail;
			}
		}
	}
	dbg("%s: %u queue pair(s), MTU %u, %s%s", n->name, nr, n->mtu,
	    n->d.rate_bytes ? "rate-limited" : "no rate limit", n->d.threads ? "" : ", no threads");
	*net_r = n;
	return 0;
fail:
	/* the descriptors no pair took */
	for (; i < nr; i++)
		if (conf->tap_fds[i] >= 0)
			close(conf->tap_fds[i]);
	virtio_net_destroy(n);
	return rc;
}

void virtio_net_destroy(struct virtio_net *n)
{
	if (!n)
		return;
	/* no thread may use a notification descriptor the transport closes */
	for (unsigned int i = 0; i < n->nr_pairs; i++)
		netq_end_thread(&n->q[i]);
	if (n->vp.ops) {
		virtio_pci_fini(&n->vp, n->loop);
		pci_dev_remove(&n->vp.pci);
	}
	for (unsigned int i = 0; i < n->nr_pairs; i++)
		netq_fini(&n->q[i]);
	pthread_mutex_destroy(&n->d.rate_lock);
	free(n);
}
