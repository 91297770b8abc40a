/*
 * virtio-net driven as a guest driver would: rings and buffers in a block
 * of memory laid out as guest RAM, the device's registers through its BAR,
 * its queue pairs' threads on a real tap in a network namespace of the
 * test's own.  The kernel side of the tap is an AF_PACKET socket bound to
 * it (and, for checksums, a second tap the kernel forwards to).  Hostile
 * chains must be dropped or break the queue, never the process.
 */
#include <check.h>
#include "check-main.h"
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "dev/pci.h"
#include "kvm/vm.h"
#include "log.h"
#include "loop.h"
#include "snapshot/state.h"
#include "virtio/net.h"
#include "virtio/pci.h"
#include "virtio-harness.h"

#define MEM_SIZE	(16u << 20)
#define QSIZE		256
#define QB(q)		(0x10000ull * (q))	/* desc; avail +0x1000, used +0x2000 */
#define INDIRECT	0xa0000
#define CTRLBUF		0xb0000
#define ACKBUF		0xb1000
#define TXDATA		0x100000		/* 1 MiB */
#define RXBASE		0x200000		/* 64 KiB per receive chain */
#define RXMAX		160

#define F_NEXT		1
#define F_WRITE		2
#define F_INDIRECT	4

#define F_CSUM		(1ull << 0)
#define F_GUEST_CSUM	(1ull << 1)
#define F_CTRL_OFFL	(1ull << 2)
#define F_MTU		(1ull << 3)
#define F_MAC		(1ull << 5)
#define F_GUEST_TSO4	(1ull << 7)
#define F_GUEST_TSO6	(1ull << 8)
#define F_GUEST_ECN	(1ull << 9)
#define F_GUEST_UFO	(1ull << 10)
#define F_HOST_TSO4	(1ull << 11)
#define F_HOST_TSO6	(1ull << 12)
#define F_HOST_ECN	(1ull << 13)
#define F_MRG		(1ull << 15)
#define F_STATUS	(1ull << 16)
#define F_CTRL_VQ	(1ull << 17)
#define F_CTRL_RX	(1ull << 18)
#define F_ANNOUNCE	(1ull << 21)
#define F_MQ		(1ull << 22)
#define F_INDIRECT_DESC	(1ull << 28)
#define F_EVENT_IDX	(1ull << 29)
#define F_V1		(1ull << 32)

#define ETH_TEST	0x88b5		/* local experimental ethertype */

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct net_hdr {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset, num_buffers;
};

struct seg {
	uint64_t addr;
	uint32_t len;
	bool write;
};

struct drvq {
	uint16_t avail_idx, next, used_seen;
};

static struct virtio_net *net;
static struct drvq dq[9];
static char ifname[IFNAMSIZ];
static int pkt = -1;
static unsigned int nr_pairs = 1;
static bool persist_tap;		/* the tap outlives the device (state tests) */
static bool kick_eventfd;		/* notify as KVM's ioeventfds do, not through the BAR */
static struct { struct seg s[4]; unsigned int n; } rxmap[QSIZE];
static unsigned int rx_next;
static uint8_t scratch[70000], scratch2[70000];

static const uint8_t guest_mac[6] = { 0x02, 0, 0, 0, 0, 0x11 };

/* --- the machine ---------------------------------------------------------- */

static bool needs_reset(void)
{
	return reg_r(0x14, 1) & 0x40;
}

static bool wait_for(bool (*cond)(void))
{
	for (int i = 0; i < 20000; i++) {
		if (cond())
			return true;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	return false;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* --- the tap and the kernel's side --------------------------------------- */

static int ioctl_sock(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	ck_assert_int_ge(s, 0);
	r = ioctl(s, req, ifr);
	close(s);
	return r;
}

static int tap_open(const char *name, int flags)
{
	struct ifreq ifr = { .ifr_flags = flags };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ck_assert_msg(ioctl(fd, TUNSETIFF, &ifr) == 0, "TUNSETIFF %s: %s", name, strerror(errno));
	return fd;
}

static void if_up(const char *name)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ck_assert_int_eq(ioctl_sock(SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	ck_assert_int_eq(ioctl_sock(SIOCSIFFLAGS, &ifr), 0);
}

static int pkt_open(const char *name, bool vnet)
{
	struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(0x0003) };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(0x0003)), one = 1;

	ck_assert_int_ge(fd, 0);
	{
		struct ifreq ifr = { 0 };

		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
		ck_assert_int_eq(ioctl_sock(SIOCGIFINDEX, &ifr), 0);
		a.sll_ifindex = ifr.ifr_ifindex;
	}
	if (vnet)
		ck_assert_int_eq(setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)), 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static uint16_t get16be(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The next frame of ethertype @type that reached the kernel from the
 * device on @fd (after @skip bytes of vnet header), or -1 after @ms.
 */
static ssize_t pkt_recv(int fd, size_t skip, uint16_t type, void *buf, size_t len, int ms)
{
	uint64_t end = mono_ns() + ms * 1000000ull;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		int left = (int)(((int64_t)(end - mono_ns())) / 1000000);
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return -1;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((size_t)n >= skip + 14 && get16be((uint8_t *)buf + skip + 12) == type)
			return n;
	}
}

/* A test frame: broadcast, from the guest's MAC, of ethertype ETH_TEST. */
static void make_frame(uint8_t *f, size_t len, unsigned int seed)
{
	memset(f, 0xff, 6);
	memcpy(f + 6, guest_mac, 6);
	f[12] = ETH_TEST >> 8;
	f[13] = ETH_TEST & 0xff;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seed * 29 + i * 13 + (i >> 8));
}

/* --- the driver ---------------------------------------------------------- */

static void q_setup(unsigned int q)
{
	reg_w(0x16, q, 2);
	reg_w(0x18, QSIZE, 2);
	reg_w(0x20, QB(q), 4);
	reg_w(0x24, 0, 4);
	reg_w(0x28, QB(q) + 0x1000, 4);
	reg_w(0x2c, 0, 4);
	reg_w(0x30, QB(q) + 0x2000, 4);
	reg_w(0x34, 0, 4);
	reg_w(0x1c, 1, 2);
}

/* The handshake, enabling queues 0 to @nq - 1; false when FEATURES_OK is refused. */
static bool drv_start(uint64_t features, unsigned int nq)
{
	reg_w(0x14, 0, 1);
	reg_w(0x14, 3, 1);
	reg_w(0x08, 0, 4);
	reg_w(0x0c, (uint32_t)features, 4);
	reg_w(0x08, 1, 4);
	reg_w(0x0c, features >> 32, 4);
	reg_w(0x14, 0x0b, 1);
	if (!(reg_r(0x14, 1) & 0x08))
		return false;
	memset(gpa(0), 0, QB(9));
	memset(dq, 0, sizeof(dq));
	rx_next = 0;
	for (unsigned int q = 0; q < nq; q++)
		q_setup(q);
	reg_w(0x14, 0x0f, 1);
	return true;
}

static uint16_t q_used_idx(unsigned int q)
{
	return __atomic_load_n((uint16_t *)gpa(QB(q) + 0x2002), __ATOMIC_ACQUIRE);
}

static void q_used(unsigned int q, uint16_t i, uint32_t *id, uint32_t *len)
{
	uint32_t e[2];

	memcpy(e, gpa(QB(q) + 0x2004 + 8 * (i % QSIZE)), 8);
	*id = e[0];
	*len = e[1];
}

/* Waits (up to 20 s, for loaded machines) until queue @q has used @n. */
static bool q_wait_used(unsigned int q, uint16_t n)
{
	for (int i = 0; i < 20000; i++) {
		if ((uint16_t)(q_used_idx(q) - n) < 0x8000)
			return true;
		nanosleep(&(struct timespec){ 0, 200000 }, NULL);
	}
	return false;
}

/* Puts a chain of @n buffers on queue @q (no notification); its head. */
static uint16_t q_add(unsigned int q, const struct seg *s, unsigned int n)
{
	uint16_t *avail = (uint16_t *)gpa(QB(q) + 0x1000);
	uint16_t head;

	if (dq[q].next + n > QSIZE)
		dq[q].next = 0;
	head = dq[q].next;
	for (unsigned int i = 0; i < n; i++) {
		struct desc d = { s[i].addr, s[i].len,
				  (uint16_t)((s[i].write ? F_WRITE : 0) | (i + 1 < n ? F_NEXT : 0)),
				  (uint16_t)(head + i + 1) };

		memcpy(gpa(QB(q) + 16 * (head + i)), &d, sizeof(d));
	}
	dq[q].next += n;
	avail[2 + dq[q].avail_idx % QSIZE] = head;
	__atomic_store_n(&avail[1], ++dq[q].avail_idx, __ATOMIC_RELEASE);
	return head;
}

static void q_kick(unsigned int q)
{
	if (kick_eventfd)
		ck_assert_int_eq(eventfd_write(virtio_net_pci(net)->vq[q].kick_fd, 1), 0);
	else
		reg_w(0x3000 + 4 * q, q, 2);
}

/* Transmits @len bytes at TXDATA (header included) cut at @cuts; waits for it. */
static uint32_t tx_chain(unsigned int q, size_t len, const size_t *cuts, unsigned int ncuts)
{
	struct seg s[16];
	unsigned int n = 0;
	size_t at = 0;
	uint32_t id, used_len;

	for (unsigned int i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;

		s[n++] = (struct seg){ TXDATA + at, (uint32_t)(end - at), false };
		at = end;
	}
	q_add(q, s, n);
	q_kick(q);
	ck_assert_msg(q_wait_used(q, dq[q].used_seen + 1), "transmit not completed");
	q_used(q, dq[q].used_seen++, &id, &used_len);
	return used_len;
}

static void tx_frame(unsigned int q, const struct net_hdr *h, const uint8_t *f, size_t len,
		     const size_t *cuts, unsigned int ncuts)
{
	memcpy(gpa(TXDATA), h, sizeof(*h));
	memcpy(gpa(TXDATA + sizeof(*h)), f, len);
	ck_assert_uint_eq(tx_chain(q, sizeof(*h) + len, cuts, ncuts), 0);
}

/* Posts a receive chain of @nseg buffers of @seglen bytes on queue @q. */
static void rx_post(unsigned int q, unsigned int nseg, uint32_t seglen)
{
	struct seg s[4];
	uint16_t head;

	ck_assert_uint_le(nseg, 4);
	for (unsigned int i = 0; i < nseg; i++) {
		s[i] = (struct seg){ RXBASE + 0x10000ull * (rx_next % RXMAX) + i * seglen, seglen,
				     true };
		ck_assert_uint_le((uint64_t)(i + 1) * seglen, 0x10000);
	}
	rx_next++;
	head = q_add(q, s, nseg);
	memcpy(rxmap[head].s, s, sizeof(s));
	rxmap[head].n = nseg;
}

/*
 * The next frame of ethertype @type the device put on receive queue @q
 * (others, like the kernel's own IPv6 chatter, are skipped): its header,
 * its bytes in @f, its length; *@nbuf_r: the chains it took.
 */
static size_t rx_take(unsigned int q, uint16_t type, struct net_hdr *h, uint8_t *f,
		      uint16_t *nbuf_r, uint32_t *lens)
{
	for (;;) {
		uint16_t nb = 1;
		size_t got = 0;

		for (unsigned int k = 0; k < nb; k++) {
			uint32_t id, len, left;

			ck_assert_msg(q_wait_used(q, dq[q].used_seen + 1), "no frame received");
			q_used(q, dq[q].used_seen++, &id, &len);
			ck_assert_uint_lt(id, QSIZE);
			if (lens && k < 8)
				lens[k] = len;
			left = len;
			for (unsigned int i = 0; i < rxmap[id].n && left; i++) {
				uint32_t l = rxmap[id].s[i].len < left ? rxmap[id].s[i].len : left;

				ck_assert_uint_le(got + l, sizeof(scratch2));
				memcpy(scratch2 + got, gpa(rxmap[id].s[i].addr), l);
				got += l;
				left -= l;
			}
			ck_assert_msg(left == 0, "used id %u len %u: %u bytes not in its buffers (%u segs)", id, len, left, rxmap[id].n);
			if (k == 0) {
				ck_assert_uint_ge(got, sizeof(*h));
				memcpy(h, scratch2, sizeof(*h));
				nb = le16toh(h->num_buffers);
				ck_assert_msg(nb >= 1 && nb <= 64, "num_buffers %u", nb);
			}
		}
		if (got >= sizeof(*h) + 14 && get16be(scratch2 + sizeof(*h) + 12) == type) {
			memcpy(f, scratch2 + sizeof(*h), got - sizeof(*h));
			if (nbuf_r)
				*nbuf_r = nb;
			return got - sizeof(*h);
		}
	}
}

/* Sends control command @class.@cmd with @len bytes of data on queue @cq; its ack. */
static uint8_t ctrl(unsigned int cq, uint8_t class, uint8_t cmd, const void *data, size_t len)
{
	struct seg s[3];
	unsigned int n = 0;
	uint32_t id, used_len;

	gpa(CTRLBUF)[0] = class;
	gpa(CTRLBUF)[1] = cmd;
	if (len)
		memcpy(gpa(CTRLBUF + 2), data, len);
	*gpa(ACKBUF) = 0xee;
	s[n++] = (struct seg){ CTRLBUF, 2, false };
	if (len)
		s[n++] = (struct seg){ CTRLBUF + 2, (uint32_t)len, false };
	s[n++] = (struct seg){ ACKBUF, 1, true };
	q_add(cq, s, n);
	q_kick(cq);
	ck_assert_msg(q_wait_used(cq, dq[cq].used_seen + 1), "control command not completed");
	q_used(cq, dq[cq].used_seen++, &id, &used_len);
	ck_assert_uint_eq(used_len, 1);
	return *gpa(ACKBUF);
}

/* An ethtool feature of the tap (ETHTOOL_GTSO, ETHTOOL_GTXCSUM). */
static uint32_t tap_feature(const char *name, uint32_t cmd)
{
	struct ethtool_value ev = { .cmd = cmd };
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_data = (void *)&ev;
	ck_assert_int_eq(ioctl_sock(SIOCETHTOOL, &ifr), 0);
	return ev.data;
}

static void stats(struct virtio_net_stats *st)
{
	virtio_net_get_stats(net, st);
}

/* --- fixture ------------------------------------------------------------- */

/*
 * A device with @pairs queue pairs on a fresh tap (multi-queue if more
 * than one); *@dup_r, if not NULL, keeps a duplicate of the queues' fds.
 */
static void make_net(unsigned int pairs, uint64_t rate, uint64_t interval_us, int *dup_r)
{
	struct virtio_net_conf c = {
		.nr_queue_pairs = pairs, .mtu = 1500, .rate_bytes = rate,
		.rate_interval_us = interval_us, .name = "vif-test",
	};
	int flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | (pairs > 1 ? IFF_MULTI_QUEUE : 0);

	memcpy(c.mac, guest_mac, 6);
	for (unsigned int i = 0; i < pairs; i++) {
		c.tap_fds[i] = tap_open(ifname, flags);
		if (persist_tap)
			ck_assert_int_eq(ioctl(c.tap_fds[i], TUNSETPERSIST, 1), 0);
		if (dup_r)
			dup_r[i] = dup(c.tap_fds[i]);
	}
	if_up(ifname);
	nr_pairs = pairs;
	pthread_mutex_lock(&vm.io_lock);
	ck_assert_int_eq(virtio_net_create(&net, &bus, &vm, loop, &c), 0);
	pthread_mutex_unlock(&vm.io_lock);
	pd = &virtio_net_pci(net)->pci;
	if (pkt < 0)
		pkt = pkt_open(ifname, false);
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

static void setup(void)
{
	harness_setup(MEM_SIZE);
	snprintf(ifname, sizeof(ifname), "hvn%d", (int)getpid());
	pkt = -1;
	persist_tap = false;
	kick_eventfd = false;
}

static void teardown(void)
{
	if (net) {
		pthread_mutex_lock(&vm.io_lock);	/* as a hot unplug does it */
		virtio_net_destroy(net);
		pthread_mutex_unlock(&vm.io_lock);
		net = NULL;
	}
	if (pkt >= 0)
		close(pkt);
	harness_teardown();
}

/* --- tests --------------------------------------------------------------- */

START_TEST(features_and_config)
{
	uint64_t want = F_V1 | F_INDIRECT_DESC | F_EVENT_IDX | F_MAC | F_MTU | F_STATUS | F_CSUM |
			F_GUEST_CSUM | F_GUEST_TSO4 | F_GUEST_TSO6 | F_GUEST_ECN | F_HOST_TSO4 |
			F_HOST_TSO6 | F_HOST_ECN | F_MRG | F_CTRL_VQ | F_CTRL_RX | F_CTRL_OFFL |
			F_ANNOUNCE;
	uint64_t f;
	uint8_t mac[6];

	make_net(1, 0, 0, NULL);
	reg_w(0x00, 0, 4);
	f = reg_r(0x04, 4);
	reg_w(0x00, 1, 4);
	f |= reg_r(0x04, 4) << 32;
	ck_assert_uint_eq(f, want);		/* no MQ with one pair, nothing unasked */
	ck_assert_uint_eq(reg_r(0x12, 2), 3);	/* receive, transmit, control */
	/* PCI identity: virtio 1.x network device, class 02 00 00 */
	ck_assert_uint_eq(pd->cfg[2] | pd->cfg[3] << 8, 0x1041);
	ck_assert_uint_eq(pd->cfg[9] | pd->cfg[10] << 8 | pd->cfg[11] << 16, 0x020000);
	for (int i = 0; i < 6; i++)
		mac[i] = reg_r(0x2000 + i, 1);
	ck_assert_mem_eq(mac, guest_mac, 6);
	ck_assert_uint_eq(reg_r(0x2006, 2), 1);		/* link up */
	ck_assert_uint_eq(reg_r(0x2008, 2), 1);		/* max_virtqueue_pairs */
	ck_assert_uint_eq(reg_r(0x200a, 2), 1500);	/* mtu */
	ck_assert(!drv_start(F_V1 | F_GUEST_UFO, 3));	/* not offered */
	ck_assert(!drv_start(F_V1 | F_MQ, 3));
	ck_assert(drv_start(want, 3));
	ck_assert(!needs_reset());
	/* a config write changes nothing */
	reg_w(0x2000, 0x42, 1);
	ck_assert_uint_eq(reg_r(0x2000, 1), guest_mac[0]);
}
END_TEST

START_TEST(features_with_queue_pairs)
{
	uint64_t f;

	make_net(4, 0, 0, NULL);
	reg_w(0x00, 0, 4);
	f = reg_r(0x04, 4);
	ck_assert(f & F_MQ);
	ck_assert_uint_eq(reg_r(0x12, 2), 9);
	ck_assert_uint_eq(reg_r(0x2008, 2), 4);
}
END_TEST

START_TEST(tx_frames_arrive_byte_exact)
{
	static const struct { size_t len; size_t cuts[6]; unsigned int ncuts; } cases[] = {
		{ 60, { 0 }, 0 },			/* header and frame in one buffer */
		{ 1514, { 12 }, 1 },			/* header, then the frame */
		{ 200, { 5, 12, 40 }, 3 },		/* a header split in two */
		{ 1000, { 3, 7, 11, 13, 500 }, 5 },	/* a header in four, the frame in three */
	};
	struct net_hdr h = { 0 };
	uint8_t got[2048];
	struct virtio_net_stats st;

	make_net(1, 0, 0, NULL);
	ck_assert(drv_start(F_V1 | F_MRG, 2));
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		ssize_t n;

		make_frame(scratch, cases[c].len, (unsigned int)c);
		tx_frame(1, &h, scratch, cases[c].len, cases[c].cuts, cases[c].ncuts);
		n = pkt_recv(pkt, 0, ETH_TEST, got, sizeof(got), 5000);
		ck_assert_msg(n == (ssize_t)cases[c].len, "case %zu: %zd bytes arrived", c, n);
		ck_assert_mem_eq(got, scratch, cases[c].len);
	}
	stats(&st);
	ck_assert_uint_eq(st.tx_frames, 4);
	ck_assert_uint_eq(st.tx_dropped, 0);
	ck_assert(!needs_reset());
}
END_TEST

START_TEST(tx_indirect_and_event_idx)
{
	struct net_hdr h = { 0 };
	struct desc t[3] = {
		{ TXDATA, 12, F_NEXT, 1 },
		{ TXDATA + 12, 100, F_NEXT, 2 },
		{ TXDATA + 112, 400, 0, 0 },
	};
	struct seg s = { INDIRECT, sizeof(t), false };
	uint8_t got[1024];
	uint16_t head;

	make_net(1, 0, 0, NULL);
	ck_assert(drv_start(F_V1 | F_INDIRECT_DESC | F_EVENT_IDX, 2));
	make_frame(scratch, 500, 9);
	memcpy(gpa(TXDATA), &h, 12);
	memcpy(gpa(TXDATA + 12), scratch, 500);
	memcpy(gpa(INDIRECT), t, sizeof(t));
	head = q_add(1, &s, 1);
	memcpy(gpa(QB(1) + 16 * head + 12), &(uint16_t){ F_INDIRECT }, 2);
	q_kick(1);
	ck_assert(q_wait_used(1, 1));
	ck_assert_int_eq(pkt_recv(pkt, 0, ETH_TEST, got, sizeof(got), 5000), 500);
	ck_assert_mem_eq(got, scratch, 500);
	/* EVENT_IDX: the device asked to be kicked for the next request */
	ck_assert_uint_eq(*(uint16_t *)gpa(QB(1) + 0x2004 + 8 * QSIZE), 1);
}
END_TEST

START_TEST(rx_frames_land_in_guest_buffers)
{
	struct net_hdr h;
	uint8_t f[2048];
	uint32_t lens[8];
	uint16_t nbuf;
	size_t n;

	/* without mergeable buffers: one chain per frame, num_buffers 1 */
	make_net(1, 0, 0, NULL);
	ck_assert(drv_start(F_V1, 2));
	for (int i = 0; i < 16; i++)
		rx_post(0, 2, 1024);		/* 2 KiB in two buffers: the header and 1012 bytes */
	q_kick(0);
	make_frame(scratch, 1200, 1);
	ck_assert_int_eq(send(pkt, scratch, 1200, 0), 1200);
	n = rx_take(0, ETH_TEST, &h, f, &nbuf, lens);
	ck_assert_uint_eq(n, 1200);
	ck_assert_mem_eq(f, scratch, 1200);
	ck_assert_uint_eq(nbuf, 1);
	ck_assert_uint_eq(lens[0], 12 + 1200);
	ck_assert_uint_eq(h.flags, 0);
	ck_assert_uint_eq(h.gso_type, 0);

	/* mergeable buffers: a 1514-byte frame spans two 1 KiB chains */
	ck_assert(drv_start(F_V1 | F_MRG, 2));
	for (int i = 0; i < 32; i++)
		rx_post(0, 1, 1024);
	q_kick(0);
	make_frame(scratch, 1514, 2);
	ck_assert_int_eq(send(pkt, scratch, 1514, 0), 1514);
	n = rx_take(0, ETH_TEST, &h, f, &nbuf, lens);
	ck_assert_uint_eq(n, 1514);
	ck_assert_mem_eq(f, scratch, 1514);
	ck_assert_uint_eq(nbuf, 2);
	ck_assert_uint_eq(lens[0], 1024);
	ck_assert_uint_eq(lens[1], 12 + 1514 - 1024);
	/* and a small one after it takes one */
	make_frame(scratch, 64, 3);
	ck_assert_int_eq(send(pkt, scratch, 64, 0), 64);
	n = rx_take(0, ETH_TEST, &h, f, &nbuf, lens);
	ck_assert_uint_eq(n, 64);
	ck_assert_mem_eq(f, scratch, 64);
	ck_assert_uint_eq(nbuf, 1);
	ck_assert(!needs_reset());
}
END_TEST

START_TEST(rx_waits_for_buffers)
{
	struct net_hdr h;
	uint8_t f[2048];
	size_t n;

	/* frames that come while the guest has no buffers wait in the tap */
	make_net(1, 0, 0, NULL);
	ck_assert(drv_start(F_V1 | F_MRG, 2));
	q_kick(0);
	for (int i = 0; i < 4; i++) {
		make_frame(scratch, 100 + i, 10 + i);
		ck_assert_int_eq(send(pkt, scratch, 100 + i, 0), 100 + i);
	}
	nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	ck_assert_uint_eq(q_used_idx(0), 0);
	for (int i = 0; i < 16; i++)
		rx_post(0, 1, 2048);
	q_kick(0);
	for (int i = 0; i < 4; i++) {
		n = rx_take(0, ETH_TEST, &h, f, NULL, NULL);
		make_frame(scratch, 100 + i, 10 + i);
		ck_assert_uint_eq(n, 100 + (size_t)i);
		ck_assert_mem_eq(f, scratch, n);
	}
}
END_TEST

/* The Internet checksum of @len bytes, seeded with @sum (not complemented). */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16be(p + i);
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void put16be(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* An Ethernet + IPv4 + (@proto) frame of @len bytes, the L4 checksum left partial. */
static size_t make_ip(uint8_t *f, const uint8_t *dst_mac, uint32_t saddr, uint32_t daddr,
		      uint8_t proto, size_t payload)
{
	size_t l4 = proto == 6 ? 20 : 8, len = 14 + 20 + l4 + payload;
	uint8_t *ip = f + 14, *t = ip + 20;
	uint32_t ps;

	memset(f, 0, len);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, guest_mac, 6);
	put16be(f + 12, 0x0800);
	ip[0] = 0x45;
	put16be(ip + 2, (uint16_t)(20 + l4 + payload));
	put16be(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	put16be(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, 20)));
	put16be(t, 40000);
	put16be(t + 2, 5678);
	if (proto == 6) {
		put16be(t + 4, 0x0102);	/* seq */
		t[12] = 5 << 4;
		t[13] = 0x18;		/* PSH, ACK */
		put16be(t + 14, 65535);
	} else {
		put16be(t + 4, (uint16_t)(8 + payload));
	}
	for (size_t i = 0; i < payload; i++)
		t[l4 + i] = (uint8_t)(i * 7 + 3);
	/* the pseudo-header's sum, as a driver leaves it for the device */
	ps = csum_add(0, ip + 12, 8) + proto + (uint32_t)(l4 + payload);
	put16be(t + (proto == 6 ? 16 : 6), csum_fold(ps));
	return len;
}

/* The full checksum of the L4 part of @f as it should be. */
static uint16_t l4_csum(const uint8_t *f, size_t len, unsigned int off)
{
	uint8_t copy[2048];
	const uint8_t *ip = f + 14;
	uint32_t s;

	memcpy(copy, f, len);
	put16be(copy + 34 + off, 0);
	s = csum_add(0, ip + 12, 8) + ip[9] + (uint32_t)(len - 34);
	s = csum_add(s, copy + 34, len - 34);
	return (uint16_t)~csum_fold(s);
}

static bool write_sysctl(const char *path, const char *v)
{
	char got[8] = "";
	FILE *f;

	write_file(path, v);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(got, sizeof(got), f))
		got[0] = 0;
	fclose(f);
	return got[0] == v[0];
}

static void set_addr(const char *name, const char *addr)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *a = (struct sockaddr_in *)&ifr.ifr_addr;

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	a->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &a->sin_addr);
	ck_assert_int_eq(ioctl_sock(SIOCSIFADDR, &ifr), 0);
	inet_pton(AF_INET, "255.255.255.0", &a->sin_addr);
	ck_assert_int_eq(ioctl_sock(SIOCSIFNETMASK, &ifr), 0);
}

START_TEST(tx_checksum_offload)
{
	static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x22 };
	struct net_hdr h = { .flags = 1, .csum_start = 34, .csum_offset = 6 };
	char out[IFNAMSIZ];
	uint8_t got[2048], tap_mac[6];
	struct ifreq ifr = { 0 };
	struct arpreq ar = { 0 };
	struct sockaddr_in *pa = (struct sockaddr_in *)&ar.arp_pa;
	uint32_t src, dst;
	size_t len;
	ssize_t n;
	int out_fd, vpkt;

	make_net(1, 0, 0, NULL);
	ck_assert(drv_start(F_V1 | F_CSUM, 2));
	inet_pton(AF_INET, "10.9.0.2", &src);
	inet_pton(AF_INET, "10.9.1.2", &dst);

	/* what the kernel received: the offload request as the guest made it */
	vpkt = pkt_open(ifname, true);
	len = make_ip(scratch, guest_mac, src, dst, 17, 333);
	tx_frame(1, (struct net_hdr *)&h, scratch, len, NULL, 0);
	n = pkt_recv(vpkt, 10, 0x0800, got, sizeof(got), 5000);
	ck_assert_int_eq(n, (ssize_t)(10 + len));
	ck_assert_uint_eq(got[0], 1);				/* NEEDS_CSUM */
	ck_assert_uint_eq(got[6] | got[7] << 8, 34);		/* csum_start */
	ck_assert_uint_eq(got[8] | got[9] << 8, 6);		/* csum_offset */
	close(vpkt);

	/*
	 * And finished by the kernel: forwarded to a second tap, which has no
	 * checksum offload, the kernel computes the checksum the guest left.
	 */
	if (!write_sysctl("/proc/sys/net/ipv4/ip_forward", "1")) {
		fprintf(stderr, "tx_checksum_offload: cannot turn on forwarding; checked the offload request only\n");
		return;
	}
	snprintf(out, sizeof(out), "hvo%d", (int)getpid());
	out_fd = tap_open(out, IFF_TAP | IFF_NO_PI);
	fcntl(out_fd, F_SETFL, O_NONBLOCK);
	if_up(out);
	set_addr(ifname, "10.9.0.1");
	set_addr(out, "10.9.1.1");
	pa->sin_family = AF_INET;
	pa->sin_addr.s_addr = dst;
	ar.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(ar.arp_ha.sa_data, peer_mac, 6);
	ar.arp_flags = ATF_COM | ATF_PERM;
	snprintf(ar.arp_dev, sizeof(ar.arp_dev), "%s", out);
	{
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		ck_assert_int_eq(ioctl(s, SIOCSARP, &ar), 0);
		close(s);
	}
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	ck_assert_int_eq(ioctl_sock(SIOCGIFHWADDR, &ifr), 0);
	memcpy(tap_mac, ifr.ifr_hwaddr.sa_data, 6);
	len = make_ip(scratch, tap_mac, src, dst, 17, 333);
	tx_frame(1, (struct net_hdr *)&h, scratch, len, (size_t[]){ 12, 40 }, 2);
	for (int i = 0; i < 5000; i++) {
		n = read(out_fd, got, sizeof(got));
		if (n == (ssize_t)len && get16be(got + 12) == 0x0800 && got[14 + 9] == 17)
			break;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	ck_assert_int_eq(n, (ssize_t)len);
	ck_assert_mem_eq(got + 42, scratch + 42, 333);			/* payload */
	ck_assert_uint_eq(got[14 + 8], 63);				/* forwarded */
	ck_assert_uint_eq(get16be(got + 34 + 6), l4_csum(scratch, len, 6));
	ck_assert_uint_ne(get16be(got + 34 + 6), get16be(scratch + 34 + 6));
	close(out_fd);
}
END_TEST

START_TEST(tx_tso_frame)
{
	struct net_hdr h = { .flags = 1, .gso_type = 1, .hdr_len = 54, .gso_size = 1000,
			     .csum_start = 34, .csum_offset = 16 };
	uint8_t got[8192];
	uint32_t a, b;
	size_t len;
	ssize_t n;
	int vpkt;

	make_net(1, 0, 0, NULL);
	ck_assert(drv_start(F_V1 | F_CSUM | F_HOST_TSO4, 2));
	vpkt = pkt_open(ifname, true);
	inet_pton(AF_INET, "10.9.0.2", &a);
	inet_pton(AF_INET, "10.9.1.2", &b);
	len = make_ip(scratch, guest_mac, a, b, 6, 4000);
	tx_frame(1, &h, scratch, len, (size_t[]){ 12, 66, 2000 }, 3);
	/* one frame of 4054 bytes, to be cut in 1000-byte segments on its way */
	n = pkt_recv(vpkt, 10, 0x0800, got, sizeof(got), 5000);
	ck_assert_int_eq(n, (ssize_t)(10 + len));
	ck_assert_uint_eq(got[1], 1);				/* GSO_TCPV4 */
	ck_assert_uint_eq(got[4] | got[5] << 8, 1000);		/* gso_size */
	ck_assert_mem_eq(got + 10 + 54, scratch + 54, 4000);
	close(vpkt);
}
END_TEST

/* Sends a TCP/IPv4 GSO frame of 4000 bytes (1000-byte segments) into the tap. */
static size_t send_tso(int vpkt)
{
	uint8_t buf[8192];
	uint32_t a, b;
	size_t len;

	inet_pton(AF_INET, "10.9.1.2", &a);
	inet_pton(AF_INET, "10.9.0.2", &b);
	len = make_ip(buf + 10, guest_mac, a, b, 6, 4000);
	memset(buf, 0, 10);
	buf[0] = 1;			/* NEEDS_CSUM */
	buf[1] = 1;			/* TCPV4 */
	buf[2] = 54;			/* hdr_len */
	buf[4] = 1000 & 0xff;		/* gso_size */
	buf[5] = 1000 >> 8;
	buf[6] = 34;			/* csum_start */
	buf[8] = 16;			/* csum_offset */
	ck_assert_int_eq(send(vpkt, buf, 10 + len, 0), (ssize_t)(10 + len));
	return len;
}

START_TEST(rx_offloads_follow_the_guest)
{
	struct net_hdr h;
	uint8_t f[8192];
	uint16_t nbuf;
	uint64_t off;
	size_t n, len;
	int vpkt;

	make_net(1, 0, 0, NULL);
	ck_assert_uint_eq(tap_feature(ifname, ETHTOOL_GTSO), 0);
	ck_assert(drv_start(F_V1 | F_MRG | F_GUEST_CSUM | F_GUEST_TSO4 | F_GUEST_TSO6 |
			    F_CTRL_VQ | F_CTRL_OFFL, 3));
	/* offloads as negotiated, on the tap from DRIVER_OK */
	ck_assert_uint_eq(tap_feature(ifname, ETHTOOL_GTSO), 1);
	ck_assert_uint_eq(tap_feature(ifname, ETHTOOL_GTXCSUM), 1);
	for (int i = 0; i < 64; i++)
		rx_post(0, 1, 2048);
	q_kick(0);
	vpkt = pkt_open(ifname, true);
	/* a TSO frame reaches the guest whole, with its segmentation header */
	len = send_tso(vpkt);
	n = rx_take(0, 0x0800, &h, f, &nbuf, NULL);
	ck_assert_uint_eq(n, len);
	ck_assert_uint_eq(h.gso_type, 1);
	ck_assert_uint_eq(le16toh(h.gso_size), 1000);
	ck_assert_uint_eq(h.flags & 1, 1);
	ck_assert_uint_eq(nbuf, 2);

	/* the guest turns segmentation off: the kernel cuts the frame for it */
	off = htole64(F_GUEST_CSUM);
	ck_assert_uint_eq(ctrl(2, 5, 0, &off, 8), 0);
	ck_assert_uint_eq(tap_feature(ifname, ETHTOOL_GTSO), 0);
	ck_assert_uint_eq(tap_feature(ifname, ETHTOOL_GTXCSUM), 1);
	send_tso(vpkt);
	for (int i = 0; i < 4; i++) {
		n = rx_take(0, 0x0800, &h, f, &nbuf, NULL);
		ck_assert_uint_eq(n, 14 + 20 + 20 + 1000);
		ck_assert_uint_eq(h.gso_type, 0);
		ck_assert_uint_eq(nbuf, 1);
	}
	/* offloads it did not negotiate are refused */
	off = htole64(F_GUEST_UFO | F_GUEST_CSUM);
	ck_assert_uint_eq(ctrl(2, 5, 0, &off, 8), 1);
	off = htole64(F_GUEST_ECN);
	ck_assert_uint_eq(ctrl(2, 5, 0, &off, 8), 1);
	/* a reset turns them all off */
	reg_w(0x14, 0, 1);
	ck_assert_uint_eq(tap_feature(ifname, ETHTOOL_GTXCSUM), 0);
	close(vpkt);
}
END_TEST

START_TEST(ctrl_queue_commands)
{
	uint8_t on = 1, mac_tables[8 + 6] = { 1, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0 };
	uint8_t bad_tables[8] = { 5, 0, 0, 0, 0, 0, 0, 0 };
	uint16_t pairs;

	make_net(1, 0, 0, NULL);
	ck_assert(drv_start(F_V1 | F_STATUS | F_CTRL_VQ | F_CTRL_RX | F_ANNOUNCE, 3));
	ck_assert_uint_eq(ctrl(2, 0, 0, &on, 1), 0);		/* promiscuous */
	ck_assert_uint_eq(ctrl(2, 0, 1, &on, 1), 0);		/* all-multicast */
	ck_assert_uint_eq(ctrl(2, 0, 0, mac_tables, 2), 1);	/* wrong length */
	ck_assert_uint_eq(ctrl(2, 0, 2, &on, 1), 1);		/* all-unicast: not offered */
	ck_assert_uint_eq(ctrl(2, 1, 0, mac_tables, sizeof(mac_tables)), 0);
	ck_assert_uint_eq(ctrl(2, 1, 0, bad_tables, sizeof(bad_tables)), 1);
	ck_assert_uint_eq(ctrl(2, 1, 1, guest_mac, 6), 1);	/* MAC_ADDR_SET: not offered */
	pairs = htole16(1);
	ck_assert_uint_eq(ctrl(2, 4, 0, &pairs, 2), 1);		/* MQ: not negotiated */
	ck_assert_uint_eq(ctrl(2, 9, 9, NULL, 0), 1);		/* unknown */

	/* announce: the status bit and a configuration interrupt, until the ack */
	(void)reg_r(0x1000, 1);
	pthread_mutex_lock(&vm.io_lock);
	virtio_net_announce(net);
	pthread_mutex_unlock(&vm.io_lock);
	ck_assert_uint_eq(reg_r(0x2006, 2), 3);
	ck_assert_uint_eq(reg_r(0x1000, 1) & 2, 2);
	ck_assert_uint_eq(ctrl(2, 3, 0, NULL, 0), 0);
	ck_assert_uint_eq(reg_r(0x2006, 2), 1);
	ck_assert(!needs_reset());
}
END_TEST

/* Whether the tap queue behind @fd is detached (no frames steered to it). */
static bool detached(int fd)
{
	struct ifreq ifr = { 0 };

	ck_assert_int_eq(ioctl(fd, TUNGETIFF, &ifr), 0);
	return ifr.ifr_flags & IFF_DETACH_QUEUE;
}

START_TEST(ctrl_queue_pairs)
{
	struct net_hdr h = { 0 };
	uint8_t got[2048];
	uint16_t pairs;
	int dups[2];

	kick_eventfd = true;	/* data queues: their pair's thread; control: the I/O loop */
	make_net(2, 0, 0, dups);
	/* until the driver asks for more, the second tap queue is detached */
	ck_assert(!detached(dups[0]));
	ck_assert(detached(dups[1]));
	ck_assert(drv_start(F_V1 | F_CTRL_VQ | F_MQ, 5));
	ck_assert(detached(dups[1]));
	pairs = htole16(2);
	ck_assert_uint_eq(ctrl(4, 4, 0, &pairs, 2), 0);		/* control queue: 2N */
	ck_assert(!detached(dups[1]));
	pairs = htole16(3);
	ck_assert_uint_eq(ctrl(4, 4, 0, &pairs, 2), 1);
	pairs = htole16(0);
	ck_assert_uint_eq(ctrl(4, 4, 0, &pairs, 2), 1);
	ck_assert_uint_eq(ctrl(4, 4, 0, &pairs, 1), 1);
	/* the second pair's transmit queue works */
	make_frame(scratch, 300, 4);
	tx_frame(3, &h, scratch, 300, NULL, 0);
	ck_assert_int_eq(pkt_recv(pkt, 0, ETH_TEST, got, sizeof(got), 5000), 300);
	ck_assert_mem_eq(got, scratch, 300);
	pairs = htole16(1);
	ck_assert_uint_eq(ctrl(4, 4, 0, &pairs, 2), 0);
	ck_assert(detached(dups[1]));

	/* without MQ the control queue is queue 2 (the second pair's thread sees it) */
	ck_assert(drv_start(F_V1 | F_CTRL_VQ | F_CTRL_RX, 3));
	ck_assert_uint_eq(ctrl(2, 0, 0, &(uint8_t){ 1 }, 1), 0);
	ck_assert(!needs_reset());
	close(dups[0]);
	close(dups[1]);
}
END_TEST

static bool is_reset(void)
{
	return needs_reset();
}

START_TEST(hostile_transmit)
{
	static const struct { struct net_hdr h; size_t len; uint64_t feat; const char *what; } drops[] = {
		{ { .gso_type = 1, .flags = 1, .gso_size = 100, .csum_start = 34, .csum_offset = 16 },
		  200, F_CSUM, "TSO not negotiated" },
		{ { .gso_type = 1, .gso_size = 100 }, 200, F_CSUM | F_HOST_TSO4, "TSO without checksum" },
		{ { .gso_type = 1, .flags = 1, .csum_start = 34, .csum_offset = 16 }, 200,
		  F_CSUM | F_HOST_TSO4, "segment size 0" },
		{ { .gso_type = 0x81, .flags = 1, .gso_size = 100, .csum_start = 34, .csum_offset = 16 },
		  200, F_CSUM | F_HOST_TSO4, "ECN not negotiated" },
		{ { .gso_type = 3, .flags = 1, .gso_size = 100, .csum_start = 34, .csum_offset = 6 },
		  200, F_CSUM | F_HOST_TSO4, "UDP fragmentation" },
		{ { .flags = 1, .csum_start = 190, .csum_offset = 16 }, 200, F_CSUM,
		  "checksum past the end" },
		{ { .flags = 1, .csum_start = 34, .csum_offset = 16 }, 200, 0, "CSUM not negotiated" },
		{ { .flags = 4 }, 200, F_CSUM, "unknown flags" },
		{ { .hdr_len = 300 }, 200, 0, "header length past the frame" },
		{ { 0 }, 10, 0, "runt frame" },
		{ { 0 }, 65551, 0, "frame too long" },
	};
	struct virtio_net_stats st;
	uint8_t got[2048];

	make_net(1, 0, 0, NULL);
	for (size_t c = 0; c < sizeof(drops) / sizeof(drops[0]); c++) {
		ck_assert(drv_start(F_V1 | drops[c].feat, 2));
		make_frame(scratch, drops[c].len, 7);
		memcpy(gpa(TXDATA), &drops[c].h, 12);
		memcpy(gpa(TXDATA + 12), scratch, drops[c].len);
		ck_assert_uint_eq(tx_chain(1, 12 + drops[c].len, NULL, 0), 0);
		ck_assert_msg(!needs_reset(), "%s: the device broke", drops[c].what);
		stats(&st);
		ck_assert_msg(st.tx_dropped == c + 1, "%s: not dropped", drops[c].what);
	}
	ck_assert_int_lt(pkt_recv(pkt, 0, ETH_TEST, got, sizeof(got), 100), 0);

	/* chains that break the queue: a short header, a writable buffer, a loop */
	ck_assert(drv_start(F_V1, 2));
	q_add(1, (struct seg[]){ { TXDATA, 8, false } }, 1);
	q_kick(1);
	ck_assert(wait_for(is_reset));
	ck_assert(drv_start(F_V1, 2));
	q_add(1, (struct seg[]){ { TXDATA, 100, false }, { TXDATA + 100, 100, true } }, 2);
	q_kick(1);
	ck_assert(wait_for(is_reset));
	ck_assert(drv_start(F_V1, 2));
	q_add(1, (struct seg[]){ { TXDATA, 100, false }, { TXDATA + 100, 100, false } }, 2);
	memcpy(gpa(QB(1) + 16 * 1 + 12), &(uint16_t){ F_NEXT }, 2);	/* desc 1 -> 0 */
	memcpy(gpa(QB(1) + 16 * 1 + 14), &(uint16_t){ 0 }, 2);
	q_kick(1);
	ck_assert(wait_for(is_reset));
	ck_assert(drv_start(F_V1, 2));
	q_add(1, (struct seg[]){ { MEM_SIZE - 8, 100, false } }, 1);	/* outside RAM */
	q_kick(1);
	ck_assert(wait_for(is_reset));

	/* and it works again after a reset */
	ck_assert(drv_start(F_V1, 2));
	make_frame(scratch, 100, 8);
	tx_frame(1, &(struct net_hdr){ 0 }, scratch, 100, NULL, 0);
	ck_assert_int_eq(pkt_recv(pkt, 0, ETH_TEST, got, sizeof(got), 5000), 100);
}
END_TEST

START_TEST(hostile_receive)
{
	struct virtio_net_stats st;
	struct net_hdr h;
	uint8_t f[2048];

	make_net(1, 0, 0, NULL);
	/* a chain that cannot hold the header breaks the queue */
	ck_assert(drv_start(F_V1 | F_MRG, 2));
	rx_post(0, 1, 8);
	q_kick(0);
	ck_assert(wait_for(is_reset));
	/* so does one the device could only read */
	ck_assert(drv_start(F_V1, 2));
	q_add(0, (struct seg[]){ { RXBASE, 2048, false } }, 1);
	q_kick(0);
	ck_assert(wait_for(is_reset));

	/* a frame larger than the chain is dropped; the chain takes the next one */
	ck_assert(drv_start(F_V1, 2));
	rx_post(0, 1, 200);
	q_kick(0);
	make_frame(scratch, 1000, 5);
	ck_assert_int_eq(send(pkt, scratch, 1000, 0), 1000);
	for (int i = 0; i < 5000; i++) {
		stats(&st);
		if (st.rx_dropped)
			break;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	ck_assert_uint_ge(st.rx_dropped, 1);
	make_frame(scratch, 100, 6);
	ck_assert_int_eq(send(pkt, scratch, 100, 0), 100);
	ck_assert_uint_eq(rx_take(0, ETH_TEST, &h, f, NULL, NULL), 100);
	ck_assert_mem_eq(f, scratch, 100);
	ck_assert(!needs_reset());

	/* a control command without an acknowledgement byte */
	ck_assert(drv_start(F_V1 | F_CTRL_VQ | F_CTRL_RX, 3));
	q_add(2, (struct seg[]){ { CTRLBUF, 3, false } }, 1);
	q_kick(2);
	ck_assert(wait_for(is_reset));
}
END_TEST

static volatile bool flooding;

static void *flood_thread(void *arg)
{
	uint8_t f[128];

	(void)arg;
	make_frame(f, sizeof(f), 9);
	while (__atomic_load_n(&flooding, __ATOMIC_ACQUIRE))
		if (send(pkt, f, sizeof(f), 0) < 0 && errno != ENOBUFS && errno != EAGAIN)
			break;
	return NULL;
}

/*
 * Once the driver's reset has returned, the device writes nothing more to
 * the rings: a driver may zero them and use the memory again.  (Before
 * netq_stop() stopped the pair, its thread could run a batch in the moment
 * between the reset hook and the queues' addresses being cleared; minios
 * one level down took a frame from before its reset for one of the new
 * ring's.)  A stress check: frames stream in the whole time, so the pair's
 * thread is busy at every reset.
 */
START_TEST(reset_leaves_rings_alone)
{
	pthread_t t;
	unsigned int stray = 0, rounds = 400;

	make_net(1, 0, 0, NULL);
	__atomic_store_n(&flooding, true, __ATOMIC_RELEASE);
	ck_assert_int_eq(pthread_create(&t, NULL, flood_thread, NULL), 0);
	for (unsigned int r = 0; r < rounds; r++) {
		ck_assert(drv_start(F_V1, 2));
		for (int i = 0; i < 64; i++)
			rx_post(0, 1, 2048);
		q_kick(0);
		/* let some frames land, then reset in the middle of the stream */
		for (int i = 0; i < 200 && q_used_idx(0) < 8; i++)
			nanosleep(&(struct timespec){ 0, 50000 }, NULL);
		reg_w(0x14, 0, 1);
		memset(gpa(QB(0) + 0x2000), 0, 4 + 8 * QSIZE);
		nanosleep(&(struct timespec){ 0, 200000 }, NULL);
		if (q_used_idx(0))
			stray++;
	}
	__atomic_store_n(&flooding, false, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	ck_assert_msg(!stray, "the device used receive chains after %u of %u resets", stray,
		      rounds);
}
END_TEST

/*
 * Transmits @nr frames of @frame bytes from one buffer, up to 128 on the
 * ring at a time, as fast as the device takes them; how long it took.
 */
static uint64_t tx_flood(unsigned int nr, size_t frame)
{
	struct net_hdr h = { 0 };
	unsigned int posted = 0;
	uint64_t t0;

	make_frame(scratch, frame, 1);
	memcpy(gpa(TXDATA), &h, 12);
	memcpy(gpa(TXDATA + 12), scratch, frame);
	t0 = mono_ns();
	while (posted < nr) {
		while (posted < nr && (uint16_t)(dq[1].avail_idx - q_used_idx(1)) < 128) {
			q_add(1, (struct seg[]){ { TXDATA, 12 + frame, false } }, 1);
			posted++;
		}
		q_kick(1);
		ck_assert(q_wait_used(1, (uint16_t)(dq[1].avail_idx - 64)));
	}
	ck_assert(q_wait_used(1, dq[1].avail_idx));
	return mono_ns() - t0;
}

START_TEST(rate_limit_holds_transmit)
{
	struct virtio_net_stats st;
	const unsigned int nr = ((1 << 20) + 1513) / 1514;	/* 1 MiB */
	uint64_t dt;

	/*
	 * 64 KiB per 10 ms: 1 MiB needs the first 64 KiB and 15 refills, the
	 * first of which may come at once: at least 140 ms.
	 */
	make_net(1, 64 << 10, 10000, NULL);
	ck_assert(drv_start(F_V1 | F_EVENT_IDX, 2));
	dt = tx_flood(nr, 1514);
	stats(&st);
	ck_assert_uint_eq(st.tx_frames, nr);
	ck_assert_uint_gt(st.tx_throttled, 0);
	ck_assert_msg(dt >= 140000000ull, "1 MiB in %llu ms at 64 KiB per 10 ms",
		      (unsigned long long)(dt / 1000000));
	fprintf(stderr, "rate limit: %u bytes in %llu ms\n", nr * 1514,
		(unsigned long long)(dt / 1000000));
}
END_TEST

START_TEST(throughput_unlimited)
{
	struct virtio_net_stats st;
	const unsigned int nr = 20000;
	uint64_t dt;

	make_net(1, 0, 0, NULL);
	ck_assert(drv_start(F_V1 | F_EVENT_IDX, 2));
	dt = tx_flood(nr, 1514);
	stats(&st);
	ck_assert_uint_eq(st.tx_frames, nr);
	fprintf(stderr, "transmit: %u frames of 1514 bytes in %llu ms (%llu frames/s)\n", nr,
		(unsigned long long)(dt / 1000000), (unsigned long long)(nr * 1000000000ull / dt));
}
END_TEST

/* Loads @buf into a fresh device on a new descriptor of the same tap; 0 or why not. */
static int reload(const void *buf, size_t len)
{
	struct virtio_net_conf c = { .nr_queue_pairs = 1, .mtu = 1500, .name = "vif-test" };
	struct state_io io;
	int rc;

	pthread_mutex_lock(&vm.io_lock);
	virtio_net_destroy(net);
	net = NULL;
	memcpy(c.mac, guest_mac, 6);
	c.tap_fds[0] = tap_open(ifname, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR);
	ck_assert_int_eq(virtio_net_create(&net, &bus, &vm, loop, &c), 0);
	pd = &virtio_net_pci(net)->pci;
	state_init_load(&io, buf, len);
	virtio_net_state(&io, net);
	rc = io.err;
	state_fini(&io);
	if (!rc)
		rc = virtio_net_post_load(net);
	pthread_mutex_unlock(&vm.io_lock);
	return rc;
}

START_TEST(state_round_trip)
{
	struct state_io io;
	struct net_hdr h;
	uint8_t f[2048], *saved, *p;
	uint64_t off;
	size_t len;
	persist_tap = true;	/* the namespace's end takes it away */
	make_net(1, 0, 0, NULL);
	ck_assert(drv_start(F_V1 | F_MRG | F_GUEST_CSUM | F_GUEST_TSO4 | F_STATUS | F_CTRL_VQ |
			    F_CTRL_OFFL | F_ANNOUNCE | F_EVENT_IDX, 3));
	for (int i = 0; i < 32; i++)
		rx_post(0, 1, 2048);
	q_kick(0);
	make_frame(scratch, 500, 1);
	ck_assert_int_eq(send(pkt, scratch, 500, 0), 500);
	ck_assert_uint_eq(rx_take(0, ETH_TEST, &h, f, NULL, NULL), 500);
	off = htole64(F_GUEST_CSUM);
	ck_assert_uint_eq(ctrl(2, 5, 0, &off, 8), 0);

	/* quiesced, the device holds no receive buffer: they are the ring's again */
	vm.paused = true;		/* as a save has it */
	virtio_net_quiesce(net);
	ck_assert_uint_eq(virtio_net_pci(net)->vq[0].last_avail, dq[0].used_seen);
	state_init_save(&io);
	pthread_mutex_lock(&vm.io_lock);
	virtio_net_state(&io, net);
	pthread_mutex_unlock(&vm.io_lock);
	ck_assert_int_eq(io.err, 0);
	len = io.len;
	saved = malloc(len);
	ck_assert_ptr_nonnull(saved);
	memcpy(saved, io.buf, len);
	state_fini(&io);
	vm.paused = false;

	/* more queue pairs in use than this device has: refused */
	p = memmem(saved, len, "queue_pairs", 11);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p[16], 1);	/* u8 type, u32 length, then the value */
	p[16] = 2;
	ck_assert_int_ne(reload(saved, len), 0);
	p[16] = 1;
	ck_assert_int_eq(reload(saved, len), 0);
	ck_assert(!needs_reset());
	/* the guest is asked to announce itself; its offloads are the tap's again */
	ck_assert_uint_eq(reg_r(0x2006, 2), 3);
	ck_assert_uint_eq(tap_feature(ifname, ETHTOOL_GTXCSUM), 1);
	ck_assert_uint_eq(tap_feature(ifname, ETHTOOL_GTSO), 0);
	/* the buffers posted before the save take the next frame */
	make_frame(scratch, 700, 2);
	ck_assert_int_eq(send(pkt, scratch, 700, 0), 700);
	ck_assert_uint_eq(rx_take(0, ETH_TEST, &h, f, NULL, NULL), 700);
	ck_assert_mem_eq(f, scratch, 700);
	ck_assert_uint_eq(ctrl(2, 3, 0, NULL, 0), 0);
	ck_assert_uint_eq(reg_r(0x2006, 2), 1);
	ck_assert(!needs_reset());
	free(saved);
}
END_TEST

static Suite *net_suite(void)
{
	Suite *s = suite_create("virtio-net");
	TCase *tc = tcase_create("device");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, features_and_config);
	tcase_add_test(tc, features_with_queue_pairs);
	tcase_add_test(tc, tx_frames_arrive_byte_exact);
	tcase_add_test(tc, tx_indirect_and_event_idx);
	tcase_add_test(tc, rx_frames_land_in_guest_buffers);
	tcase_add_test(tc, rx_waits_for_buffers);
	tcase_add_test(tc, tx_checksum_offload);
	tcase_add_test(tc, tx_tso_frame);
	tcase_add_test(tc, rx_offloads_follow_the_guest);
	tcase_add_test(tc, ctrl_queue_commands);
	tcase_add_test(tc, ctrl_queue_pairs);
	tcase_add_test(tc, hostile_transmit);
	tcase_add_test(tc, hostile_receive);
	tcase_add_test(tc, reset_leaves_rings_alone);
	tcase_add_test(tc, rate_limit_holds_transmit);
	tcase_add_test(tc, throughput_unlimited);
	tcase_add_test(tc, state_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int fd;

	if (unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: cannot make a network namespace (unshare: %s); needs root or CAP_NET_ADMIN\n",
		       strerror(errno));
		return 77;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("SKIP: /dev/net/tun: %s\n", strerror(errno));
		return 77;
	}
	close(fd);
	/* the kernel's own IPv6 chatter on the taps is skipped anyway; less is quicker */
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	log_verbosity = getenv("HV_TEST_VERBOSE") ? 3 : 0;
	return check_run_suite(net_suite());
}
