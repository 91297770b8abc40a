// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The little of IP that the network workloads need, in ring 3: the
 * addresses of net-ip= and net-ip6=, ARP (answers for our address, a
 * small cache of what others say), ICMP echo (answered, and sent by
 * net-ping), and for IPv6 neighbour solicitations and echo requests for
 * our address. No fragments, no IPv6 extension headers, no options
 * beyond what Linux sends: what is not understood is ignored.
 */
#include "unet.h"

#define ETHERTYPE_IP	0x0800
#define ETHERTYPE_ARP	0x0806
#define ETHERTYPE_IP6	0x86dd

#define IP_HLEN		20
#define IP6_HLEN	40
#define ARP_LEN		28
#define ICMP_ECHO_REPLY	0
#define ICMP_ECHO	8
#define ICMP6_ECHO	128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_NS	135
#define ICMP6_NA	136

#define UNETIP_ARP_CACHE 8

struct unet_addr unet_addr;
u16 unetip_reply_id, unetip_reply_seq;

static struct {
	u8 ip[4];
	u8 mac[ETH_ALEN];
	u8 valid;
} unetip_arp[UNETIP_ARP_CACHE];
static int unetip_arp_next;

static const u8 unetip_bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Dotted quad: 0 with *end past it, -1 if it is none. */
int unetip_parse_ip(const char *s, u8 *ip, const char **end)
{
	int i;

	for (i = 0; i < 4; i++) {
		const char *e;
		u64 v;

		if (i && *s++ != '.')
			return -1;
		if (*s < '0' || *s > '9')
			return -1;
		v = lib_strtou(s, &e);
		if (v > 255 || e - s > 3)
			return -1;
		ip[i] = v;
		s = e;
	}
	if (end)
		*end = s;
	return 0;
}

/* IPv6 in the usual text form ("2001:db8::10"; no embedded IPv4). */
int unetip_parse_ip6(const char *s, u8 *ip6, const char **end)
{
	u16 g[8];
	int n = 0, gap = -1, i;

	if (s[0] == ':' && s[1] == ':') {
		gap = 0;
		s += 2;
	}
	while (n < 8) {
		int d, k = 0;
		u32 v = 0;

		while (k < 4 && (d = lib_hexdigit(*s)) >= 0) {
			v = v << 4 | d;
			s++;
			k++;
		}
		if (!k)
			break;
		g[n++] = v;
		if (s[0] != ':')
			break;
		if (s[1] == ':') {
			if (gap >= 0)
				return -1;
			gap = n;
			s += 2;
		} else if (lib_hexdigit(s[1]) >= 0) {
			s++;
		} else {
			return -1;
		}
	}
	if (gap < 0 ? n != 8 : n > 7)
		return -1;
	memset(ip6, 0, 16);
	for (i = 0; i < n; i++) {
		int at = gap >= 0 && i >= gap ? 8 - (n - i) : i;

		unet_put_be16(ip6 + 2 * at, g[i]);
	}
	if (end)
		*end = s;
	return 0;
}

/* Six hex pairs separated by '-' or ':'. */
int unetip_parse_mac(const char *s, u8 *mac, const char **end)
{
	int i;

	for (i = 0; i < ETH_ALEN; i++) {
		int hi, lo;

		if (i && *s != '-' && *s != ':')
			return -1;
		s += !!i;
		hi = lib_hexdigit(s[0]);
		lo = hi < 0 ? -1 : lib_hexdigit(s[1]);
		if (lo < 0)
			return -1;
		mac[i] = hi << 4 | lo;
		s += 2;
	}
	if (end)
		*end = s;
	return 0;
}

/* At least 16 bytes in buf. */
void unetip_ip_str(const u8 *ip, char *buf)
{
	lib_snprintf(buf, 16, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

/* At least 40 bytes in buf; the longest run of zero groups as "::". */
void unetip_ip6_str(const u8 *ip6, char *buf)
{
	int best = -1, best_len = 1, i, j, n = 0;

	for (i = 0; i < 8; i = j + 1) {
		for (j = i; j < 8 && !unet_be16(ip6 + 2 * j); j++)
			;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			n += lib_snprintf(buf + n, 40 - n, "::");
			i += best_len - 1;
			continue;
		}
		n += lib_snprintf(buf + n, 40 - n, "%s%x",
				  i && i != best + best_len ? ":" : "",
				  unet_be16(ip6 + 2 * i));
	}
}

/* net-ip=A.B.C.D[/P] and net-ip6=ADDR[/P]: 0, or -1 after saying why. */
int unetip_config(void)
{
	const char *ip = user_config_page.net_ip, *ip6 = user_config_page.net_ip6;
	const char *e;

	memset(&unet_addr, 0, sizeof(unet_addr));
	if (ip[0]) {
		unet_addr.prefix = 24;
		if (unetip_parse_ip(ip, unet_addr.ip, &e) ||
		    (*e == '/' &&
		     ((unet_addr.prefix = lib_strtou(e + 1, &e)) > 32 ||
		      !unet_addr.prefix)) || *e) {
			user_printf("minios: net-ip=%s: not an IPv4 address (try 192.0.2.10/24)\n",
				    ip);
			return -1;
		}
		unet_addr.has_ip = 1;
	}
	if (ip6[0]) {
		if (unetip_parse_ip6(ip6, unet_addr.ip6, &e) ||
		    (*e == '/' && lib_strtou(e + 1, &e) > 128) || *e) {
			user_printf("minios: net-ip6=%s: not an IPv6 address (try 2001:db8::10)\n",
				    ip6);
			return -1;
		}
		unet_addr.has_ip6 = 1;
	}
	return 0;
}

/* The one's complement sum of len bytes (big-endian words) added to sum. */
static u32 unetip_sum(const u8 *p, u32 len, u32 sum)
{
	u32 i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += unet_be16(p + i);
		if (sum > 0xffff)
			sum -= 0xffff;
	}
	if (len & 1) {
		sum += (u32)p[len - 1] << 8;
		if (sum > 0xffff)
			sum -= 0xffff;
	}
	return sum;
}

/* The Internet checksum of p (with sum, a partial sum, added). */
u16 unetip_csum(const void *p, u32 len, u32 sum)
{
	return ~unetip_sum(p, len, sum) & 0xffff;
}

/* ICMPv6's: the pseudo-header (addresses, length, next header 58). */
static u16 unetip_csum6(const u8 *ip6, const u8 *icmp, u32 len)
{
	u32 sum = unetip_sum(ip6 + 8, 32, 0);

	sum = unetip_sum((const u8 []){ 0, 0, len >> 8, len, 0, 0, 0, 58 },
			 8, sum);
	return unetip_csum(icmp, len, sum);
}

static void unetip_eth(u8 *f, const u8 *dst, const u8 *src, u16 type)
{
	memcpy(f, dst, ETH_ALEN);
	memcpy(f + ETH_ALEN, src, ETH_ALEN);
	unet_put_be16(f + 12, type);
}

/* Short frames are padded to ETH_ZLEN with zeroes, as a NIC would. */
static u32 unetip_pad(u8 *f, u32 len)
{
	if (len < ETH_ZLEN) {
		memset(f + len, 0, ETH_ZLEN - len);
		len = ETH_ZLEN;
	}
	return len;
}

static void unetip_arp_learn(const u8 *ip, const u8 *mac)
{
	int i;

	if (!(ip[0] | ip[1] | ip[2] | ip[3]) || (mac[0] & 1))
		return;
	for (i = 0; i < UNETIP_ARP_CACHE; i++)
		if (unetip_arp[i].valid && !memcmp(unetip_arp[i].ip, ip, 4))
			break;
	if (i == UNETIP_ARP_CACHE) {
		i = unetip_arp_next;
		unetip_arp_next = (unetip_arp_next + 1) % UNETIP_ARP_CACHE;
	}
	memcpy(unetip_arp[i].ip, ip, 4);
	memcpy(unetip_arp[i].mac, mac, ETH_ALEN);
	unetip_arp[i].valid = 1;
}

/* The MAC address ip has, as far as ARP told, or NULL. */
const u8 *unetip_arp_lookup(const u8 *ip)
{
	int i;

	for (i = 0; i < UNETIP_ARP_CACHE; i++)
		if (unetip_arp[i].valid && !memcmp(unetip_arp[i].ip, ip, 4))
			return unetip_arp[i].mac;
	return NULL;
}

static void unetip_arp_send(struct unet *n, u16 op, const u8 *dst_mac,
			    const u8 *tha, const u8 *tpa)
{
	static const u8 zero[4];
	u8 *f = unet_tx_get(n), *a;

	if (!f)
		return;
	unetip_eth(f, dst_mac, n->mac, ETHERTYPE_ARP);
	a = f + ETH_HLEN;
	unet_put_be16(a, 1);
	unet_put_be16(a + 2, ETHERTYPE_IP);
	a[4] = ETH_ALEN;
	a[5] = 4;
	unet_put_be16(a + 6, op);
	memcpy(a + 8, n->mac, ETH_ALEN);
	memcpy(a + 14, unet_addr.has_ip ? unet_addr.ip : zero, 4);
	memcpy(a + 18, tha, ETH_ALEN);
	memcpy(a + 24, tpa, 4);
	unet_tx_put(n, unetip_pad(f, ETH_HLEN + ARP_LEN));
	unet_tx_kick(n);
}

/* Who has ip? (From our address, or 0.0.0.0 without one: a probe.) */
void unetip_arp_request(struct unet *n, const u8 *ip)
{
	static const u8 zero[ETH_ALEN];

	unetip_arp_send(n, 1, unetip_bcast, zero, ip);
}

static int unetip_arp_input(struct unet *n, const u8 *f, u32 len)
{
	const u8 *a = f + ETH_HLEN;

	if (len < ETH_HLEN + ARP_LEN || unet_be16(a) != 1 ||
	    unet_be16(a + 2) != ETHERTYPE_IP || a[4] != ETH_ALEN || a[5] != 4)
		return UNETIP_NONE;
	unetip_arp_learn(a + 14, a + 8);
	if (unet_be16(a + 6) == 1 && unet_addr.has_ip &&
	    !memcmp(a + 24, unet_addr.ip, 4))
		unetip_arp_send(n, 2, a + 8, a + 8, a + 14);
	return UNETIP_DONE;
}

/*
 * An ICMP echo request to ip (dst_mac: its MAC or the router's) with id,
 * seq and size bytes of data.
 */
void unetip_ping(struct unet *n, const u8 *dst_mac, const u8 *ip, u16 id,
		 u16 seq, u32 size)
{
	u32 len = IP_HLEN + 8 + size, i;
	u8 *f = unet_tx_get(n), *p, *c;

	if (!f || ETH_HLEN + len > ETH_FRAME_MAX)
		return;
	unetip_eth(f, dst_mac, n->mac, ETHERTYPE_IP);
	p = f + ETH_HLEN;
	memset(p, 0, IP_HLEN);
	p[0] = 0x45;
	unet_put_be16(p + 2, len);
	unet_put_be16(p + 4, seq);
	p[6] = 0x40;			/* don't fragment */
	p[8] = 64;
	p[9] = 1;
	memcpy(p + 12, unet_addr.ip, 4);
	memcpy(p + 16, ip, 4);
	unet_put_be16(p + 10, unetip_csum(p, IP_HLEN, 0));
	c = p + IP_HLEN;
	c[0] = ICMP_ECHO;
	c[1] = 0;
	unet_put_be16(c + 2, 0);
	unet_put_be16(c + 4, id);
	unet_put_be16(c + 6, seq);
	for (i = 0; i < size; i++)
		c[8 + i] = i;
	unet_put_be16(c + 2, unetip_csum(c, 8 + size, 0));
	unet_tx_put(n, unetip_pad(f, ETH_HLEN + len));
	unet_tx_kick(n);
}

/* The request sent back from us, as one frame of len bytes. */
static void unetip_reply(struct unet *n, const u8 *req, u32 len, u8 **f_r)
{
	u8 *f = len <= UNET_BUF - sizeof(struct vnet_hdr) ? unet_tx_get(n) : NULL;

	*f_r = f;
	if (!f)
		return;
	memcpy(f, req, len);
	unetip_eth(f, req + ETH_ALEN, n->mac, unet_be16(req + 12));
}

static int unetip_ip_input(struct unet *n, const u8 *f, u32 len)
{
	const u8 *p = f + ETH_HLEN, *c;
	u32 hl, tot;
	u8 *r;

	if (!unet_addr.has_ip || len < ETH_HLEN + IP_HLEN || (p[0] >> 4) != 4)
		return UNETIP_NONE;
	hl = (p[0] & 15) * 4;
	tot = unet_be16(p + 2);
	if (hl < IP_HLEN || tot < hl + 8 || tot > len - ETH_HLEN ||
	    unetip_csum(p, hl, 0) || (unet_be16(p + 6) & 0x3fff) ||
	    p[9] != 1 || memcmp(p + 16, unet_addr.ip, 4))
		return UNETIP_NONE;
	c = p + hl;
	if (unetip_csum(c, tot - hl, 0))
		return UNETIP_DONE;		/* a damaged ICMP message */
	if (c[0] == ICMP_ECHO_REPLY) {
		unetip_reply_id = unet_be16(c + 4);
		unetip_reply_seq = unet_be16(c + 6);
		return UNETIP_ECHO_REPLY;
	}
	if (c[0] != ICMP_ECHO)
		return UNETIP_DONE;
	unetip_reply(n, f, ETH_HLEN + tot, &r);
	if (!r)
		return UNETIP_DONE;
	p = r + ETH_HLEN;
	memcpy(r + ETH_HLEN + 16, f + ETH_HLEN + 12, 4);
	memcpy(r + ETH_HLEN + 12, unet_addr.ip, 4);
	r[ETH_HLEN + 8] = 64;
	unet_put_be16(r + ETH_HLEN + 10, 0);
	unet_put_be16(r + ETH_HLEN + 10, unetip_csum(p, hl, 0));
	r[ETH_HLEN + hl] = ICMP_ECHO_REPLY;
	unet_put_be16(r + ETH_HLEN + hl + 2, 0);
	unet_put_be16(r + ETH_HLEN + hl + 2,
		      unetip_csum(r + ETH_HLEN + hl, tot - hl, 0));
	unet_tx_put(n, unetip_pad(r, ETH_HLEN + tot));
	unet_tx_kick(n);
	return UNETIP_DONE;
}

/* A neighbour advertisement of our address, to who asked. */
static void unetip_na(struct unet *n, const u8 *ns)
{
	const u32 plen = 32;
	u8 *f = unet_tx_get(n), *p, *c;

	if (!f)
		return;
	unetip_eth(f, ns + ETH_ALEN, n->mac, ETHERTYPE_IP6);
	p = f + ETH_HLEN;
	memset(p, 0, IP6_HLEN + plen);
	p[0] = 0x60;
	unet_put_be16(p + 4, plen);
	p[6] = 58;
	p[7] = 255;
	memcpy(p + 8, unet_addr.ip6, 16);
	memcpy(p + 24, ns + ETH_HLEN + 8, 16);
	c = p + IP6_HLEN;
	c[0] = ICMP6_NA;
	c[4] = 0x60;			/* solicited, override */
	memcpy(c + 8, unet_addr.ip6, 16);
	c[24] = 2;			/* target link-layer address */
	c[25] = 1;
	memcpy(c + 26, n->mac, ETH_ALEN);
	unet_put_be16(c + 2, unetip_csum6(p, c, plen));
	unet_tx_put(n, ETH_HLEN + IP6_HLEN + plen);
	unet_tx_kick(n);
}

static int unetip_ip6_input(struct unet *n, const u8 *f, u32 len)
{
	static const u8 unspec[16];
	const u8 *p = f + ETH_HLEN, *c = p + IP6_HLEN;
	u32 plen;
	u8 *r;

	if (!unet_addr.has_ip6 || len < ETH_HLEN + IP6_HLEN + 8 ||
	    (p[0] >> 4) != 6 || p[6] != 58)
		return UNETIP_NONE;
	plen = unet_be16(p + 4);
	if (plen < 8 || plen > len - ETH_HLEN - IP6_HLEN ||
	    unetip_csum6(p, c, plen))
		return UNETIP_NONE;
	if (c[0] == ICMP6_NS && plen >= 24 && p[7] == 255 &&
	    !memcmp(c + 8, unet_addr.ip6, 16)) {
		if (memcmp(p + 8, unspec, 16))	/* not duplicate detection */
			unetip_na(n, f);
		return UNETIP_DONE;
	}
	if (c[0] != ICMP6_ECHO || memcmp(p + 24, unet_addr.ip6, 16))
		return UNETIP_NONE;
	unetip_reply(n, f, ETH_HLEN + IP6_HLEN + plen, &r);
	if (!r)
		return UNETIP_DONE;
	memcpy(r + ETH_HLEN + 24, p + 8, 16);
	memcpy(r + ETH_HLEN + 8, unet_addr.ip6, 16);
	r[ETH_HLEN + 7] = 64;
	r[ETH_HLEN + IP6_HLEN] = ICMP6_ECHO_REPLY;
	unet_put_be16(r + ETH_HLEN + IP6_HLEN + 2, 0);
	unet_put_be16(r + ETH_HLEN + IP6_HLEN + 2,
		      unetip_csum6(r + ETH_HLEN, r + ETH_HLEN + IP6_HLEN, plen));
	unet_tx_put(n, ETH_HLEN + IP6_HLEN + plen);
	unet_tx_kick(n);
	return UNETIP_DONE;
}

/*
 * A received frame: ARP, ICMP or ICMPv6 for us is answered (if the
 * transmit queue has room) and UNETIP_DONE returned; an echo reply for
 * us is UNETIP_ECHO_REPLY (unetip_reply_id, _seq); anything else
 * UNETIP_NONE.
 */
int unetip_input(struct unet *n, const u8 *f, u32 len)
{
	if (len < ETH_HLEN)
		return UNETIP_NONE;
	switch (unet_be16(f + 12)) {
	case ETHERTYPE_ARP:
		return unetip_arp_input(n, f, len);
	case ETHERTYPE_IP:
		return unetip_ip_input(n, f, len);
	case ETHERTYPE_IP6:
		return unetip_ip6_input(n, f, len);
	}
	return UNETIP_NONE;
}
