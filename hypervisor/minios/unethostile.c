// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostile=net-NAME, in ring 3 on the first card (eth0): what a broken or
 * malicious driver does to a virtio-net device. Each sub-case prints
 *   minios: hostile net-NAME: WHAT -> RESULT (status 0xSS)
 * and starts from a device reset. For transmit chains RESULT is completed
 * (the device returned the chain: it sent or dropped the frame),
 * needs-reset (the device set NEEDS_RESET), or timeout (neither in 3 s:
 * the one bad result). For receive buffers, frames are asked for (ARP
 * requests to the first address of our subnet, or 192.0.2.1) and RESULT
 * is needs-reset, no-frame (nothing used in 2 s), used len=N, or what
 * must not happen: OVERRUN (the device wrote past a buffer) or WROTE (it
 * wrote into a device-readable one). At the end, after a reset, a frame
 * must go out:
 *   minios: hostile net-NAME done status=0xSS result=pass|FAIL after=ok|FAILED
 */
#include "unet.h"

#define UNETH_TIMEOUT_US	3000000
#define UNETH_RX_WAIT_US	2000000
#define UNETH_FAR		0x10000000000UL	/* 1 TiB: no RAM, no MMIO */
#define UNETH_BIG		(256 * 1024)
#define UNETH_BUF_SIZE		(UNETH_BIG + 4096)
#define UNETH_CANARY		0xa5

struct uneth {
	const char *name;
	struct unet *n;
	u8 *buf;		/* UNETH_BUF_SIZE: headers, frames, buffers */
	struct vring_desc *ind;	/* an indirect table of 16 */
	u8 target[4];		/* whom the receive cases ask */
	u8 last_status;
	int bad;
};

/* A broadcast frame from us of len bytes at f. */
static void uneth_fill(struct uneth *h, u8 *f, u32 len)
{
	u32 i;

	memset(f, 0xff, ETH_ALEN);
	memcpy(f + ETH_ALEN, h->n->mac, ETH_ALEN);
	unet_put_be16(f + 12, 0x88b6);		/* local experimental */
	for (i = ETH_HLEN; i < len; i++)
		f[i] = i;
}

/* A zero header at buf, then a frame of len bytes at buf + 64. */
static void uneth_frame(struct uneth *h, u32 len)
{
	memset(h->buf, 0, sizeof(struct vnet_hdr));
	uneth_fill(h, h->buf + 64, len);
}

static struct vnet_hdr *uneth_hdr(struct uneth *h)
{
	return (struct vnet_hdr *)h->buf;
}

static void uneth_report(struct uneth *h, const char *what, const char *res,
			 int good)
{
	user_printf("minios: hostile %s: %s -> %s (status 0x%02x)\n", h->name,
		    what, res, h->last_status);
	h->bad |= !good;
}

/*
 * Posts the transmit chain at descriptor 0, waits, says what came of it
 * and resets the device for the next sub-case.
 */
static void uneth_tx(struct uneth *h, const char *what)
{
	struct unet *n = h->n;
	u16 before = n->tx.used[1];
	u32 id;
	int r;

	uvq_post_notify(&n->tx, 0);
	r = uvq_await(&n->tx, n->pci, before, UNETH_TIMEOUT_US, &id);
	h->last_status = unet_status(n);
	if (r == 0 || (h->last_status & ST_NEEDS_RESET))
		uneth_report(h, what, "needs-reset", 1);
	else
		uneth_report(h, what, r < 0 ? "timeout" : "completed", r > 0);
	unet_reset(n);
}

/* desc[0]: a zero header and a frame of len bytes in one descriptor. */
static void uneth_one(struct uneth *h, u32 len)
{
	memset(h->buf, 0, sizeof(struct vnet_hdr));
	uneth_fill(h, h->buf + sizeof(struct vnet_hdr), len);
	h->n->tx.desc[0] = (struct vring_desc){
		(u64)h->buf, sizeof(struct vnet_hdr) + len, 0, 0 };
}

static void uneth_tx_loop(struct uneth *h)
{
	struct vring_desc *t = h->n->tx.desc;
	u16 q = h->n->tx.qsize, i;

	uneth_frame(h, 60);
	t[0] = (struct vring_desc){ (u64)h->buf, sizeof(struct vnet_hdr) + 60,
				    DESC_NEXT, 0 };
	uneth_tx(h, "a descriptor chained to itself");
	uneth_frame(h, 60);
	t[0] = (struct vring_desc){ (u64)h->buf, sizeof(struct vnet_hdr),
				    DESC_NEXT, 1 };
	t[1] = (struct vring_desc){ (u64)h->buf + 64, 60, DESC_NEXT, 0 };
	uneth_tx(h, "header and frame chained in a loop");
	uneth_frame(h, 60);
	for (i = 0; i < q; i++)
		t[i] = (struct vring_desc){ (u64)h->buf + 64, 4, DESC_NEXT,
					    (i + 1) % q };
	t[0] = (struct vring_desc){ (u64)h->buf, sizeof(struct vnet_hdr),
				    DESC_NEXT, 1 };
	uneth_tx(h, "a chain through every descriptor and back");
	uneth_frame(h, 60);
	h->ind[0] = (struct vring_desc){ (u64)h->buf, sizeof(struct vnet_hdr),
					 DESC_NEXT, 1 };
	h->ind[1] = (struct vring_desc){ (u64)h->buf + 64, 60, DESC_NEXT, 0 };
	t[0] = (struct vring_desc){ (u64)h->ind, 2 * sizeof(*t), DESC_INDIRECT, 0 };
	uneth_tx(h, "a looping indirect table (not negotiated)");
	/* the avail index far ahead of what was made available */
	uneth_one(h, 60);
	h->n->tx.avail[1] = h->n->tx.avail_idx + 0x8000;
	__asm__ volatile("mfence" ::: "memory");
	mmio_write16(h->n->tx.notify, 0);
	{
		u32 id;
		int r = uvq_await(&h->n->tx, h->n->pci, h->n->tx.used[1],
				  UNETH_TIMEOUT_US, &id);

		h->last_status = unet_status(h->n);
		uneth_report(h, "avail index 0x8000 ahead",
			     r == 0 || (h->last_status & ST_NEEDS_RESET) ?
			     "needs-reset" : r < 0 ? "ignored" : "completed",
			     1);
		unet_reset(h->n);
	}
}

/* One frame of 1514 bytes whose header is set as hdr says. */
static void uneth_gso(struct uneth *h, const char *what, struct vnet_hdr v)
{
	uneth_one(h, ETH_FRAME_MAX);
	*uneth_hdr(h) = v;
	uneth_tx(h, what);
}

static void uneth_tx_gso(struct uneth *h)
{
	uneth_gso(h, "gso_type 0x55 (no such type)",
		  (struct vnet_hdr){ 0, 0x55, 54, 1000, 0, 0, 0 });
	uneth_gso(h, "gso_type TCPV4 (not negotiated), gso_size 100",
		  (struct vnet_hdr){ 0, VNET_HDR_GSO_TCPV4, 54, 100, 0, 0, 0 });
	uneth_gso(h, "gso_type TCPV4 with gso_size 0",
		  (struct vnet_hdr){ 0, VNET_HDR_GSO_TCPV4, 54, 0, 0, 0, 0 });
	uneth_gso(h, "gso_type 0x83 (ECN and UDP)",
		  (struct vnet_hdr){ 0, 0x83, 42, 8, 0, 0, 0 });
	uneth_gso(h, "NEEDS_CSUM (not negotiated), csum_start past the frame",
		  (struct vnet_hdr){ VNET_HDR_F_NEEDS_CSUM, 0, 0, 0, 3000, 6,
				     0 });
	uneth_gso(h, "NEEDS_CSUM, csum_offset past the frame",
		  (struct vnet_hdr){ VNET_HDR_F_NEEDS_CSUM, 0, 0, 0, 14, 0xfff0,
				     0 });
	uneth_gso(h, "hdr_len 0xffff, flags 0xff",
		  (struct vnet_hdr){ 0xff, 0, 0xffff, 0, 0, 0, 0 });
	uneth_gso(h, "num_buffers 0xffff on transmit",
		  (struct vnet_hdr){ 0, 0, 0, 0, 0, 0, 0xffff });
}

static void uneth_tx_big(struct uneth *h)
{
	struct vring_desc *t = h->n->tx.desc;
	u32 i;

	uneth_frame(h, 65551);
	t[0] = (struct vring_desc){ (u64)h->buf, sizeof(struct vnet_hdr),
				    DESC_NEXT, 1 };
	t[1] = (struct vring_desc){ (u64)h->buf + 64, 65551, 0, 0 };
	uneth_tx(h, "a frame of 65551 bytes");
	uneth_frame(h, UNETH_BIG - 64);
	t[0] = (struct vring_desc){ (u64)h->buf, sizeof(struct vnet_hdr),
				    DESC_NEXT, 1 };
	for (i = 0; i < 4; i++)
		t[1 + i] = (struct vring_desc){
			(u64)h->buf + 64 + i * (UNETH_BIG / 4 - 16),
			UNETH_BIG / 4 - 16, i < 3 ? DESC_NEXT : 0, 2 + i };
	uneth_tx(h, "a frame of 256 KiB in four descriptors");
	uneth_frame(h, 60);
	t[0] = (struct vring_desc){ (u64)h->buf, 0xffffffff, 0, 0 };
	uneth_tx(h, "a descriptor 4 GiB long");
	uneth_frame(h, 60);
	t[0] = (struct vring_desc){ (u64)h->buf, sizeof(struct vnet_hdr), 0, 0 };
	uneth_tx(h, "the header alone");
	t[0] = (struct vring_desc){ (u64)h->buf, 8, 0, 0 };
	uneth_tx(h, "8 bytes, shorter than the header");
	t[0] = (struct vring_desc){ (u64)h->buf, 0, 0, 0 };
	uneth_tx(h, "a descriptor of length 0");
}

static void uneth_tx_oob(struct uneth *h)
{
	struct vring_desc *t = h->n->tx.desc;
	u64 top = user_config_page.ram_top;

	t[0] = (struct vring_desc){ UNETH_FAR, 72, 0, 0 };
	uneth_tx(h, "header and frame at 1 TiB");
	t[0] = (struct vring_desc){ top - 32, 72, 0, 0 };
	uneth_tx(h, "header and frame across the end of RAM");
	uneth_frame(h, 60);
	t[0] = (struct vring_desc){ (u64)h->buf, sizeof(struct vnet_hdr),
				    DESC_NEXT, h->n->tx.qsize + 3 };
	uneth_tx(h, "next index past the queue");
	uneth_one(h, 60);
	t[0].flags = DESC_WRITE;
	uneth_tx(h, "a device-writable transmit buffer");
	t[0] = (struct vring_desc){ UNETH_FAR, 2 * sizeof(*t), DESC_INDIRECT, 0 };
	uneth_tx(h, "an indirect table at 1 TiB");
}

/*
 * The receive queue full of the buffers described (len bytes each, at
 * addr + i * stride, or all at `far` if it is set, with flags), frames
 * asked for; then what the device did with them.
 */
static void uneth_rx(struct uneth *h, const char *what, u64 want, u32 len,
		     u32 stride, u16 flags, u64 far)
{
	struct unet *n = h->n;
	u64 end, next = 0, hz = user_config_page.tsc_hz;
	char res[48];
	u32 id, used_len = 0, i;
	int got = 0, bad = 0;

	if (unet_reset_with(n, want, 0))
		return;
	if (!far)
		memset(h->buf, UNETH_CANARY, (u64)n->rx.qsize * stride);
	for (i = 0; i < n->rx.qsize; i++) {
		n->rx.desc[i] = (struct vring_desc){
			far ? far : (u64)h->buf + (u64)i * stride, len, flags, 0 };
		uvq_post(&n->rx, i);
	}
	__asm__ volatile("mfence" ::: "memory");
	mmio_write16(n->rx.notify, 0);
	end = user_tsc_after_us(UNETH_RX_WAIT_US);
	/* an ARP request every 200 ms; the status (an exit) read as often */
	while (rdtsc() < end && !got) {
		if (rdtsc() >= next) {
			h->last_status = unet_status(n);
			if (h->last_status & ST_NEEDS_RESET)
				break;
			unetip_arp_request(n, h->target);
			unet_tx_reap(n);
			next = rdtsc() + hz / 5;
		}
		got = uvq_used(&n->rx, &id, &used_len);
	}
	h->last_status = unet_status(n);
	/* a buffer past its length, or a device-readable one, must be as it was */
	for (i = 0; !far && i < n->rx.qsize && !bad; i++) {
		const u8 *b = h->buf + (u64)i * stride;
		u32 k = flags & DESC_WRITE ? len : 0;

		for (; k < stride; k++)
			if (b[k] != UNETH_CANARY) {
				bad = 1;
				break;
			}
	}
	if (bad)
		lib_snprintf(res, sizeof(res), "%s",
			     flags & DESC_WRITE ? "OVERRUN" : "WROTE");
	else if (got && used_len > len)	/* whatever the status says after */
		lib_snprintf(res, sizeof(res), "OVERRUN len=%u", used_len);
	else if (h->last_status & ST_NEEDS_RESET)
		lib_snprintf(res, sizeof(res), "needs-reset");
	else if (!got)
		lib_snprintf(res, sizeof(res), "no-frame");
	else
		lib_snprintf(res, sizeof(res), "used len=%u", used_len);
	uneth_report(h, what, res, !bad && !(got && used_len > len));
	unet_reset(n);
}

/* Buffers too small for a frame, or for the header. */
static void uneth_rx_small(struct uneth *h)
{
	u64 nomrg = ~VNET_F_MRG_RXBUF;

	uneth_rx(h, "receive buffers of 32 bytes, no MRG_RXBUF", nomrg, 32, 64,
		 DESC_WRITE, 0);
	uneth_rx(h, "receive buffers of 8 bytes (shorter than the header), no MRG_RXBUF",
		 nomrg, 8, 64, DESC_WRITE, 0);
	uneth_rx(h, "receive buffers of 8 bytes (shorter than the header), MRG_RXBUF",
		 ~0UL, 8, 64, DESC_WRITE, 0);
}

/* Buffers the device must not write: read-only, or not RAM. */
static void uneth_rx_bad(struct uneth *h)
{
	uneth_rx(h, "device-readable receive buffers", ~0UL, 1024, 1024, 0, 0);
	uneth_rx(h, "receive buffers at 1 TiB", ~0UL, UNET_BUF, UNET_BUF,
		 DESC_WRITE, UNETH_FAR);
	uneth_rx(h, "receive buffers across the end of RAM", ~0UL, UNET_BUF,
		 UNET_BUF, DESC_WRITE, user_config_page.ram_top - 16);
}

static const struct {
	const char *name;
	void (*run)(struct uneth *h);
} uneth_cases[] = {
	{ "net-tx-loop", uneth_tx_loop },
	{ "net-tx-gso", uneth_tx_gso },
	{ "net-tx-big", uneth_tx_big },
	{ "net-tx-oob", uneth_tx_oob },
	{ "net-rx-small", uneth_rx_small },
	{ "net-rx-bad", uneth_rx_bad },
};

/* After the cases: a reset, and an ARP request must go out. */
static int uneth_after(struct uneth *h)
{
	struct unet *n = h->n;
	u64 end;

	if (unet_reset(n))
		return -1;
	unetip_arp_request(n, h->target);
	end = user_tsc_after_us(UNETH_TIMEOUT_US);
	while (n->ok && n->tx_nfree != n->tx_slots && rdtsc() < end)
		unet_tx_reap(n);
	h->last_status = unet_status(n);
	return n->ok && n->tx_nfree == n->tx_slots &&
	       !(h->last_status & (ST_NEEDS_RESET | ST_FAILED)) ? 0 : -1;
}

/* One case, or every one (net-all), on eth0. */
static void uneth_run(const char *name)
{
	u64 mark = user_alloc_mark();
	struct uneth h = { name, NULL, NULL, NULL, { 192, 0, 2, 1 }, 0, 0 };
	int all = !lib_strncmp(name, "net-all", 8), found = 0, after;
	u32 i, mask;

	h.n = unet_nr_nics ? &unet_nics[0] : NULL;
	if (!h.n || !h.n->ok) {
		user_printf("minios: hostile %s: no usable virtio-net card\n", name);
		user_printf("minios: hostile %s done status=0x00 result=FAIL after=FAILED\n",
			    name);
		return;
	}
	if (unet_addr.has_ip) {
		mask = unet_addr.prefix >= 32 ? ~0U : ~(~0U >> unet_addr.prefix);
		i = (u32)unet_addr.ip[0] << 24 | (u32)unet_addr.ip[1] << 16 |
		    (u32)unet_addr.ip[2] << 8 | unet_addr.ip[3];
		i = (i & mask) + 1 + ((i & ~mask) == 1);
		h.target[0] = i >> 24;
		h.target[1] = i >> 16;
		h.target[2] = i >> 8;
		h.target[3] = i;
	}
	h.buf = user_alloc(UNETH_BUF_SIZE, 4096);
	h.ind = user_alloc(16 * sizeof(*h.ind), 64);
	if (!h.ind) {
		user_printf("minios: hostile %s: no memory\n", name);
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(uneth_cases); i++) {
		if (!all && lib_strncmp(name, uneth_cases[i].name, 32))
			continue;
		found = 1;
		h.name = all ? uneth_cases[i].name : name;
		if (!h.n->ok)
			unet_reset(h.n);
		uneth_cases[i].run(&h);
	}
	h.name = name;
	if (!found) {
		user_printf("minios: hostile %s: unknown case\n", name);
		h.bad = 1;
	}
	after = uneth_after(&h);
	user_printf("minios: hostile %s done status=0x%02x result=%s after=%s\n",
		    name, h.last_status, h.bad ? "FAIL" : "pass",
		    after ? "FAILED" : "ok");
out:
	user_alloc_release(mark);
}

/* hostile=net-A,net-B,...: each case in turn. */
void unethostile_run(const char *list)
{
	char name[32];
	u32 i;

	while (*list) {
		for (i = 0; i < sizeof(name) - 1 && list[i] && list[i] != ','; i++)
			name[i] = list[i];
		name[i] = '\0';
		list += i;
		while (*list && *list != ',')
			list++;
		list += *list == ',';
		if (name[0])
			uneth_run(name);
	}
}
