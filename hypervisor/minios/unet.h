/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ring-3 virtio-net driver (unet.c), its protocols (unetip.c: ARP,
 * IPv4 and IPv6 echo), workloads (unetwl.c, with unetstat.c) and hostile
 * cases (unethostile.c). Like the disk driver (ublk.h) these live in user pages
 * and reach the device through uvirtio.c.
 */
#ifndef MINIOS_UNET_H
#define MINIOS_UNET_H

#include "uvirtio.h"

/* Feature bits (virtio 1.x, 5.1.3). */
#define VNET_F_CSUM		(1UL << 0)
#define VNET_F_MAC		(1UL << 5)
#define VNET_F_HOST_TSO4	(1UL << 11)
#define VNET_F_MRG_RXBUF	(1UL << 15)
#define VNET_F_STATUS		(1UL << 16)

#define VNET_S_LINK_UP		1

/* Queues: receiveq1, transmitq1. */
#define UNET_RXQ		0
#define UNET_TXQ		1

/* The header before every frame: 12 bytes with VERSION_1 (5.1.6). */
struct vnet_hdr {
	u8 flags;
	u8 gso_type;
	u16 hdr_len;
	u16 gso_size;
	u16 csum_start;
	u16 csum_offset;
	u16 num_buffers;
} __attribute__((packed));

#define VNET_HDR_F_NEEDS_CSUM	1
#define VNET_HDR_GSO_NONE	0
#define VNET_HDR_GSO_TCPV4	1

#define ETH_ALEN		6
#define ETH_HLEN		14
#define ETH_ZLEN		60	/* shortest frame, without the FCS */
#define ETH_FRAME_MAX		1514	/* longest without jumbo frames */

/*
 * Each buffer (receive or transmit) holds the header and one frame:
 * 2 KiB, more than 12 + 1514. A frame that arrives in several receive
 * buffers (MRG_RXBUF) is gathered in rx_merge, up to UNET_MERGE_MAX.
 */
#define UNET_BUF		2048
#define UNET_MAX_QSIZE		256
#define UNET_MERGE_MAX		65562

struct unet {
	int idx;
	char name[8];		/* eth0, eth1, ... */
	const struct user_pci *pci;
	int ok;			/* set up and usable */
	u64 features;		/* negotiated */
	u8 mac[ETH_ALEN];
	u16 status;		/* config status (VNET_S_LINK_UP), if offered */
	struct uvq rx, tx;
	u8 *rx_buf;		/* rx.max buffers of UNET_BUF */
	u8 *tx_buf;		/* tx.max / 2 buffers of UNET_BUF */
	u8 *rx_merge;		/* UNET_MERGE_MAX, for merged frames */
	int rx_held;		/* the buffer of the frame last returned, or -1 */
	/* transmit: slot s uses descriptors 2s (and 2s + 1 when split) */
	u16 tx_slots, tx_nfree;
	u16 *tx_free;		/* a stack of free slots */
	u8 *tx_busy;		/* per slot */
	u32 tx_split_every;	/* N >= 2: every Nth frame as header + data */
	u64 tx_full_since;	/* TSC the queue was first found full, or 0 */
	/* counters */
	u64 rx_frames, rx_bytes, rx_errors, tx_frames, tx_bytes;
};

extern struct unet unet_nics[MAX_NET];
extern int unet_nr_nics;

/* unet.c */
void unet_init_all(void);
int unet_reset(struct unet *n);
int unet_reset_with(struct unet *n, u64 want, int fill_rx);
u8 unet_status(const struct unet *n);
int unet_link_up(struct unet *n);
u8 *unet_tx_get(struct unet *n);
void unet_tx_put(struct unet *n, u32 len);
int unet_tx(struct unet *n, const void *frame, u32 len);
void unet_tx_kick(struct unet *n);
int unet_tx_reap(struct unet *n);
int unet_rx(struct unet *n, const u8 **frame_r, u32 *len_r);
const char *unet_mac_str(const u8 *mac, char *buf);

/* A transmit queue with no completion for this long: the device is stuck. */
#define UNET_STALL_US		5000000

/* unetip.c: addresses and the responder */
struct unet_addr {
	int has_ip, has_ip6;
	u8 ip[4];
	u8 prefix;		/* IPv4 prefix length */
	u8 ip6[16];
};

extern struct unet_addr unet_addr;

int unetip_parse_ip(const char *s, u8 *ip, const char **end);
int unetip_parse_ip6(const char *s, u8 *ip6, const char **end);
int unetip_parse_mac(const char *s, u8 *mac, const char **end);
void unetip_ip_str(const u8 *ip, char *buf);
void unetip_ip6_str(const u8 *ip6, char *buf);
int unetip_config(void);
int unetip_input(struct unet *n, const u8 *f, u32 len);
void unetip_arp_request(struct unet *n, const u8 *ip);
const u8 *unetip_arp_lookup(const u8 *ip);
void unetip_ping(struct unet *n, const u8 *dst_mac, const u8 *ip, u16 id,
		 u16 seq, u32 size);
u16 unetip_csum(const void *p, u32 len, u32 sum);

/* What unetip_input() did with a frame (for the ping workload). */
#define UNETIP_NONE		0	/* not for the responder */
#define UNETIP_DONE		1	/* answered or learned */
#define UNETIP_ECHO_REPLY	2	/* an ICMP echo reply for us */

extern u16 unetip_reply_id, unetip_reply_seq;

static inline u16 unet_be16(const u8 *p)
{
	return (u16)p[0] << 8 | p[1];
}

static inline void unet_put_be16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* unetstat.c */
struct unetstat_count {		/* frames of one stream as they arrived */
	u64 frames, bytes, bad, reordered;
	u64 next_seq;		/* past the highest sequence number seen */
	u64 first, last;	/* TSC of the first and last frame */
};

struct unetstat_samples {	/* round trips, in ns */
	u32 *ns;
	u32 n, max;
};

void unetstat_count(struct unetstat_count *c, u64 seq, u32 len, u64 now);
u64 unetstat_lost(const struct unetstat_count *c, u64 expected);
const char *unetstat_rate(char *buf, u64 frames, u64 bytes, u64 us);
void unetstat_sample(struct unetstat_samples *s, u64 tsc);
const char *unetstat_rtt(char *buf, struct unetstat_samples *s, int all);

/* unetwl.c */
void unetwl_start(void);
int unetwl_forever(void);
int unetwl_done(void);
u64 unetwl_run(u64 now, u64 until);
void unetwl_finish(void);

/* unethostile.c */
void unethostile_run(const char *name);

#endif
