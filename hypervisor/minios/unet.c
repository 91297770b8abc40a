// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The virtio-net driver, in ring 3 (native speed on every host): virtio
 * 1.x over the PCI structures pci.c found and mapped, one receive and one
 * transmit queue per card, both polled (no MSI-X vector,
 * VRING_AVAIL_F_NO_INTERRUPT). Features: VERSION_1, MAC, STATUS and
 * MRG_RXBUF where offered; no offloads, so every header it sends is zero
 * and every frame is whole.
 *
 * Receive: each buffer is one device-writable descriptor of UNET_BUF
 * bytes (header and frame), descriptor i always buffer i. Transmit: slot
 * s owns descriptors 2s and 2s + 1 and one buffer; a frame goes as one
 * descriptor (header and frame together, which virtio 1.x allows), or as
 * two (header, frame) every tx_split_every frames, so that devices see
 * both layouts.
 */
#include "unet.h"

#define UNET_WANT	(VNET_F_MAC | VNET_F_STATUS | VNET_F_MRG_RXBUF)

struct unet unet_nics[MAX_NET];
int unet_nr_nics;

u8 unet_status(const struct unet *n)
{
	return uvirtio_status(n->pci);
}

/* "52:54:00:12:34:56" into buf (18 bytes); returns buf. */
const char *unet_mac_str(const u8 *m, char *buf)
{
	lib_snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
		     m[2], m[3], m[4], m[5]);
	return buf;
}

/*
 * The MAC address (or, without VNET_F_MAC, a locally administered one
 * made from the PCI address) and the link status.
 */
static void unet_read_config(struct unet *n)
{
	u8 gen;
	int i;

	do {
		gen = uvirtio_cfg_gen(n->pci);
		if (n->features & VNET_F_MAC)
			for (i = 0; i < ETH_ALEN; i++)
				n->mac[i] = uvirtio_cfg8(n->pci, i);
		n->status = n->features & VNET_F_STATUS ?
			    uvirtio_cfg16(n->pci, 6) : VNET_S_LINK_UP;
	} while (gen != uvirtio_cfg_gen(n->pci));
	if (!(n->features & VNET_F_MAC)) {
		static const u8 base[4] = { 0x02, 0x68, 0x76, 0x00 };

		memcpy(n->mac, base, 4);
		n->mac[4] = n->pci->dev;
		n->mac[5] = n->pci->fn;
	}
}

int unet_link_up(struct unet *n)
{
	if (n->features & VNET_F_STATUS)
		n->status = uvirtio_cfg16(n->pci, 6);
	return n->status & VNET_S_LINK_UP;
}

static void unet_rx_post(struct unet *n, u16 id)
{
	uvq_post(&n->rx, id);
}

/*
 * Reset, features (want, of what the driver can do), both queues,
 * DRIVER_OK; then, if fill_rx, every receive buffer is posted (hostile
 * cases post their own). Returns 0, or -1 with *why_r set.
 */
static int unet_setup(struct unet *n, u64 want, int fill_rx, const char **why_r)
{
	u16 i;

	n->ok = 0;
	if (uvirtio_start(n->pci, want & UNET_WANT, &n->features, why_r) ||
	    uvirtio_queue(n->pci, UNET_RXQ, &n->rx, 2, why_r) ||
	    uvirtio_queue(n->pci, UNET_TXQ, &n->tx, 2, why_r))
		return -1;
	unet_read_config(n);
	n->rx_held = -1;
	for (i = 0; i < n->rx.qsize; i++)
		n->rx.desc[i] = (struct vring_desc){
			(u64)n->rx_buf + (u64)i * UNET_BUF, UNET_BUF,
			DESC_WRITE, 0 };
	n->tx_slots = n->tx.qsize / 2;
	n->tx_nfree = n->tx_slots;
	for (i = 0; i < n->tx_slots; i++) {
		n->tx_free[i] = n->tx_slots - 1 - i;
		n->tx_busy[i] = 0;
	}
	n->tx_full_since = 0;
	if (uvirtio_driver_ok(n->pci, why_r))
		return -1;
	if (fill_rx) {
		for (i = 0; i < n->rx.qsize; i++)
			unet_rx_post(n, i);
		uvq_kick(&n->rx);
	}
	n->ok = 1;
	return 0;
}

/*
 * A reset and set-up with the features in want (hostile cases leave some
 * out) and, unless fill_rx is 0, the receive queue full. Says why on
 * failure.
 */
int unet_reset_with(struct unet *n, u64 want, int fill_rx)
{
	const char *why = NULL;

	if (unet_setup(n, want, fill_rx, &why)) {
		user_printf("minios: net %s reset FAILED: %s (status 0x%02x)\n",
			    n->name, why, unet_status(n));
		return -1;
	}
	return 0;
}

int unet_reset(struct unet *n)
{
	return unet_reset_with(n, UNET_WANT, 1);
}

static int unet_init(struct unet *n, int idx)
{
	const char *why = NULL;
	char mac[18];

	n->idx = idx;
	lib_snprintf(n->name, sizeof(n->name), "eth%d", idx);
	n->pci = &user_config_page.net[idx];
	if (!n->pci->ok)
		return -1;		/* pci.c said why */
	n->rx_buf = user_alloc((u64)UNET_MAX_QSIZE * UNET_BUF, 4096);
	n->tx_buf = user_alloc((u64)UNET_MAX_QSIZE / 2 * UNET_BUF, 4096);
	n->rx_merge = user_alloc(UNET_MERGE_MAX, 64);
	n->tx_free = user_alloc(UNET_MAX_QSIZE / 2 * sizeof(u16), 64);
	n->tx_busy = user_alloc(UNET_MAX_QSIZE / 2, 64);
	if (!n->tx_busy || uvq_alloc(&n->rx, UNET_MAX_QSIZE) ||
	    uvq_alloc(&n->tx, UNET_MAX_QSIZE)) {
		user_printf("minios: net %s: no memory for its queues\n", n->name);
		return -1;
	}
	n->tx_split_every = 7;
	if (unet_setup(n, UNET_WANT, 1, &why)) {
		user_printf("minios: net %s 00:%02x.%x: %s (status 0x%02x)\n",
			    n->name, n->pci->dev, n->pci->fn, why,
			    unet_status(n));
		return -1;
	}
	user_printf("minios: net %s mac=%s link=%s mrg_rxbuf=%d rx_qsize=%u tx_qsize=%u pci=00:%02x.%x\n",
		    n->name, unet_mac_str(n->mac, mac),
		    n->status & VNET_S_LINK_UP ? "up" : "down",
		    !!(n->features & VNET_F_MRG_RXBUF), n->rx.qsize,
		    n->tx.qsize, n->pci->dev, n->pci->fn);
	return 0;
}

/* Every card pci.c found, in bus order: eth0, eth1, ... */
void unet_init_all(void)
{
	int i;

	unet_nr_nics = user_config_page.nr_net;
	for (i = 0; i < unet_nr_nics; i++)
		unet_init(&unet_nics[i], i);
}

static void unet_give_up(struct unet *n, const char *queue, u32 id)
{
	user_printf("minios: net %s: the device returned %s id %u, which is no buffer of ours (status 0x%02x)\n",
		    n->name, queue, id, unet_status(n));
	n->ok = 0;
}

/* Transmit completions taken: the slots are free again. -1: broken. */
int unet_tx_reap(struct unet *n)
{
	u32 id, len;
	int k = 0;

	while (n->ok && uvq_used(&n->tx, &id, &len)) {
		u32 s = id / 2;

		if (id >= n->tx.qsize || (id & 1) || !n->tx_busy[s]) {
			unet_give_up(n, "transmit", id);
			return -1;
		}
		n->tx_busy[s] = 0;
		n->tx_free[n->tx_nfree++] = s;
		k++;
	}
	return k;
}

/*
 * Where the next frame goes (its Ethernet header first, up to
 * UNET_BUF - 12 bytes), or NULL while the transmit queue is full. A queue
 * full for UNET_STALL_US, or a device needing a reset, gives the card up.
 */
u8 *unet_tx_get(struct unet *n)
{
	u64 now;

	if (!n->ok)
		return NULL;
	if (!n->tx_nfree && unet_tx_reap(n) <= 0) {
		now = rdtsc();
		if (!n->tx_full_since) {
			n->tx_full_since = now;
		} else if (now - n->tx_full_since >
			   user_config_page.tsc_hz / 1000000 * UNET_STALL_US ||
			   (unet_status(n) & ST_NEEDS_RESET)) {
			user_printf("minios: net %s: the transmit queue is stuck (status 0x%02x avail %u used %u used.flags %u)\n",
				    n->name, unet_status(n), n->tx.avail_idx,
				    n->tx.used[1], n->tx.used[0]);
			n->ok = 0;
		}
		return NULL;
	}
	n->tx_full_since = 0;
	return n->tx_buf + (u64)n->tx_free[n->tx_nfree - 1] * UNET_BUF +
	       sizeof(struct vnet_hdr);
}

/* Queues the frame of len bytes written where unet_tx_get() said. */
void unet_tx_put(struct unet *n, u32 len)
{
	u16 s = n->tx_free[--n->tx_nfree];
	u8 *buf = n->tx_buf + (u64)s * UNET_BUF;
	struct vring_desc *d = &n->tx.desc[2 * s];

	memset(buf, 0, sizeof(struct vnet_hdr));
	if (n->tx_split_every >= 2 &&
	    n->tx_frames % n->tx_split_every == n->tx_split_every - 1) {
		d[0] = (struct vring_desc){ (u64)buf, sizeof(struct vnet_hdr),
					    DESC_NEXT, 2 * s + 1 };
		d[1] = (struct vring_desc){ (u64)buf + sizeof(struct vnet_hdr),
					    len, 0, 0 };
	} else {
		d[0] = (struct vring_desc){ (u64)buf,
					    sizeof(struct vnet_hdr) + len, 0, 0 };
	}
	n->tx_busy[s] = 1;
	n->tx_frames++;
	n->tx_bytes += len;
	uvq_post(&n->tx, 2 * s);
}

/* A copy of the frame queued: 0, or -1 if the queue is full. */
int unet_tx(struct unet *n, const void *frame, u32 len)
{
	u8 *p = unet_tx_get(n);

	if (!p || len > UNET_BUF - sizeof(struct vnet_hdr))
		return -1;
	memcpy(p, frame, len);
	unet_tx_put(n, len);
	return 0;
}

void unet_tx_kick(struct unet *n)
{
	uvq_kick(&n->tx);
}

/*
 * A merged frame (MRG_RXBUF, num_buffers > 1): the first buffer's part is
 * in rx_merge already; the others follow on the used ring (the device
 * publishes them together). Returns the frame's length, or 0 if it was
 * dropped.
 */
static u32 unet_rx_gather(struct unet *n, u32 have, u16 nbufs)
{
	u32 id, len, bad = 0;

	while (--nbufs) {
		if (!uvq_used(&n->rx, &id, &len)) {
			n->rx_errors++;
			return 0;	/* fewer buffers than it said */
		}
		if (id >= n->rx.qsize) {
			unet_give_up(n, "receive", id);
			return 0;
		}
		if (len > UNET_BUF || have + len > UNET_MERGE_MAX)
			bad = 1;
		else
			memcpy(n->rx_merge + have, n->rx_buf + (u64)id * UNET_BUF,
			       len);
		have += len;
		unet_rx_post(n, id);
	}
	if (bad) {
		n->rx_errors++;
		return 0;
	}
	return have;
}

/*
 * The next frame received: 1 with the frame (Ethernet header first) and
 * its length, valid until the next call; 0 if there is none (the device
 * is then notified of the buffers given back, if it wants to be); -1 if
 * the card is given up. Frames the device got wrong (too short, longer
 * than the buffer) are counted in rx_errors and skipped.
 */
int unet_rx(struct unet *n, const u8 **frame_r, u32 *len_r)
{
	const u32 hl = sizeof(struct vnet_hdr);
	u32 id, len;

	if (n->rx_held >= 0) {
		unet_rx_post(n, n->rx_held);
		n->rx_held = -1;
	}
	while (n->ok) {
		const u8 *buf;
		u16 nbufs = 1;

		if (!uvq_used(&n->rx, &id, &len)) {
			uvq_kick(&n->rx);
			return 0;
		}
		if (id >= n->rx.qsize) {
			unet_give_up(n, "receive", id);
			break;
		}
		buf = n->rx_buf + (u64)id * UNET_BUF;
		if (n->features & VNET_F_MRG_RXBUF)
			nbufs = ((const struct vnet_hdr *)buf)->num_buffers;
		if (len < hl || len > UNET_BUF) {
			n->rx_errors++;
			unet_rx_post(n, id);
			continue;
		}
		if (nbufs > 1) {
			memcpy(n->rx_merge, buf + hl, len - hl);
			unet_rx_post(n, id);
			len = unet_rx_gather(n, len - hl, nbufs);
			if (!len)
				continue;
			*frame_r = n->rx_merge;
			*len_r = len;
		} else {
			n->rx_held = id;
			*frame_r = buf + hl;
			*len_r = len - hl;
		}
		n->rx_frames++;
		n->rx_bytes += *len_r;
		return 1;
	}
	return -1;
}
