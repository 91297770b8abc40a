// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The network workloads (workload=net-..., see README), in ring 3, on the
 * first usable card: a responder (ARP, ICMP and ICMPv6 echo for the
 * address of net-ip= and net-ip6=, through unetip.c), test frames sent
 * at a rate (net-send), sent back (net-echo) or verified (net-verify),
 * and an ICMP ping-pong that measures round trips (net-ping).
 *
 * A test frame is an Ethernet frame of type 0x88b5 (IEEE 802 local
 * experimental) whose payload starts with struct unetwl_hdr
 * (little-endian) and goes on with a pattern that depends on the stream
 * and the sequence number. Its checksum covers the payload from `stream`
 * on (the sum itself read as zero; `size` must be the frame's length), so
 * that an echo, which swaps the MAC addresses and sets UNETWL_F_ECHO,
 * keeps it.
 *
 * The cards are polled: while anything is in progress, and for a second
 * after the last frame, the loop spins; otherwise it sleeps from one
 * timer tick to the next (10 ms), so an idle responder costs no CPU.
 */
#include "unet.h"

#define UNETWL_ETHERTYPE	0x88b5
#define UNETWL_MAGIC		0x746e7668	/* "hvnt" */
#define UNETWL_F_ECHO		1
#define UNETWL_MAX_STREAMS	16
#define UNETWL_MAX_SAMPLES	65536
#define UNETWL_IDLE_US		1000000
#define UNETWL_ARP_EVERY_US	200000
#define UNETWL_RESOLVE_US	30000000
#define UNETWL_ECHO_WAIT_US	3000000
#define UNETWL_PING_WAIT_US	1000000
#define UNETWL_PING_ID		0x686e
#define UNETWL_WINDOW_WAIT_US	1000000
#define UNETWL_BURST		64

struct unetwl_hdr {
	u32 magic;
	u16 flags;		/* UNETWL_F_ECHO; not in the checksum */
	u16 size;		/* the whole frame, bytes */
	u32 stream;		/* the sender's */
	u32 count;		/* frames the stream will have, 0: no end */
	u64 seq;
	u64 tsc;		/* the sender's TSC when it sent the frame */
	u64 sum;
} __attribute__((packed));

#define UNETWL_HDR_LEN		((u32)sizeof(struct unetwl_hdr))
#define UNETWL_SUM_FROM		8	/* the payload's first byte checksummed */

enum unetwl_op { UWN_SEND, UWN_PING };
enum unetwl_state { UWN_RESOLVE, UWN_RUN, UWN_WAIT, UWN_DONE };

/* net-send and net-ping: they have an end. */
struct unetwl_job {
	int op, state;
	int by_ip;
	u8 ip[4];
	u8 mac[ETH_ALEN];
	u32 size, rate;
	u64 count;
	u64 window;		/* send: frames out at most, not yet back */
	u64 forgiven;		/* frames the window stopped waiting for */
	u32 stream;
	u64 sent, bytes;
	u64 t0, t_last;		/* TSC of the first and last frame sent */
	u64 deadline, next_arp;
	struct unetstat_count echo;	/* send: what came back */
	struct unetstat_samples rtt;
	u64 received;		/* ping */
	u16 seq;
	int waiting;
	u64 sent_tsc;
};

struct unetwl_stream {
	u8 mac[ETH_ALEN];
	u32 id, count;
	int done;
	struct unetstat_count c;
};

static struct unet *unetwl_nic;
static struct unetwl_job unetwl_jobs[MAX_WORKLOADS];
static int unetwl_njobs;
static int unetwl_echo, unetwl_verify, unetwl_responder;
static struct unetwl_stream unetwl_streams[UNETWL_MAX_STREAMS];
static int unetwl_nstreams;
static u64 unetwl_bad_unknown;	/* damaged frames of no known stream */
static u64 unetwl_echoed, unetwl_echo_dropped;
static u64 unetwl_last_activity;

static u64 unetwl_hz(void)
{
	return user_config_page.tsc_hz;
}

static u64 unetwl_tsc_us(u64 us)
{
	return unetwl_hz() / 1000000 * us;
}

/*
 * Over the payload from UNETWL_SUM_FROM on, eight bytes a step, the sum
 * field (the fourth step) read as zero.
 */
static u64 unetwl_sum(const u8 *f, u32 len)
{
	u64 h = 0xcbf29ce484222325UL, w;
	u32 off = ETH_HLEN + UNETWL_SUM_FROM, i;

	for (i = 0; off + 8 <= len; off += 8, i++) {
		if (i == 3)
			w = 0;
		else
			__builtin_memcpy(&w, f + off, 8);
		h = (h ^ w) * 0x100000001b3UL;
		h ^= h >> 29;
	}
	for (w = 0, i = 0; off < len; off++, i++)
		w |= (u64)f[off] << (8 * i);
	h = (h ^ w ^ len) * 0x100000001b3UL;
	return h ^ (h >> 29);
}

static void unetwl_fill(u8 *f, const u8 *dst, const u8 *src, u32 size,
			u32 stream, u32 count, u64 seq)
{
	struct unetwl_hdr h = { UNETWL_MAGIC, 0, size, stream, count, seq,
				rdtsc(), 0 };
	u64 v = (seq + 1) * 0x9e3779b97f4a7c15UL ^ stream;
	u32 off = ETH_HLEN + UNETWL_HDR_LEN;

	memcpy(f, dst, ETH_ALEN);
	memcpy(f + ETH_ALEN, src, ETH_ALEN);
	unet_put_be16(f + 12, UNETWL_ETHERTYPE);
	for (; off + 8 <= size; off += 8) {
		v = v * 6364136223846793005UL + 1442695040888963407UL;
		__builtin_memcpy(f + off, &v, 8);
	}
	for (; off < size; off++)
		f[off] = v >> (8 * (off & 7));
	__builtin_memcpy(f + ETH_HLEN, &h, UNETWL_HDR_LEN);
	h.sum = unetwl_sum(f, size);
	__builtin_memcpy(f + ETH_HLEN + UNETWL_HDR_LEN - 8, &h.sum, 8);
}

/* 1: not a test frame; 0: one, whole; -1: one, damaged. */
static int unetwl_parse(const u8 *f, u32 len, struct unetwl_hdr *h)
{
	if (len < ETH_HLEN + UNETWL_HDR_LEN ||
	    unet_be16(f + 12) != UNETWL_ETHERTYPE)
		return 1;
	__builtin_memcpy(h, f + ETH_HLEN, UNETWL_HDR_LEN);
	if (h->magic != UNETWL_MAGIC)
		return 1;
	return h->size == len && h->sum == unetwl_sum(f, len) ? 0 : -1;
}

static void unetwl_dst_str(const struct unetwl_job *j, char *buf)
{
	if (j->by_ip)
		unetip_ip_str(j->ip, buf);
	else
		unet_mac_str(j->mac, buf);
}

static void unetwl_send_report(struct unetwl_job *j)
{
	u64 us = user_us(j->t_last - j->t0);
	char dst[24], rate[48];

	unetwl_dst_str(j, dst);
	user_printf("minios: net tx %lu frames, %lu bytes to %s stream %08x in %lu us (%s)\n",
		    j->sent, j->bytes, dst, j->stream, us,
		    unetstat_rate(rate, j->sent, j->bytes, us));
}

static void unetwl_echo_report(struct unetwl_job *j)
{
	char st[128];

	user_printf("minios: net echo rx %lu of %lu frames, %lu bad, %lu lost, %lu reordered, rtt us %s\n",
		    j->echo.frames, j->sent, j->echo.bad,
		    unetstat_lost(&j->echo, j->sent), j->echo.reordered,
		    unetstat_rtt(st, &j->rtt, 0));
}

static void unetwl_ping_report(struct unetwl_job *j)
{
	char dst[24], st[128];
	u64 sent = j->sent ? j->sent - 1 : 0;	/* less the warm-up */

	unetwl_dst_str(j, dst);
	user_printf("minios: net ping %s: %lu sent, %lu received, rtt us %s\n",
		    dst, sent, j->received, unetstat_rtt(st, &j->rtt, 1));
}

/* A job whose destination is an address: its MAC through ARP. */
static int unetwl_resolve(struct unetwl_job *j, u64 now)
{
	const u8 *mac = unetip_arp_lookup(j->ip);
	char ip[16];

	if (mac) {
		memcpy(j->mac, mac, ETH_ALEN);
		j->state = UWN_RUN;
		return 1;
	}
	if (!j->deadline)
		j->deadline = now + unetwl_tsc_us(UNETWL_RESOLVE_US);
	if (now > j->deadline) {
		unetip_ip_str(j->ip, ip);
		user_printf("minios: net %s %s: no ARP reply in %u s\n",
			    j->op == UWN_SEND ? "send" : "ping", ip,
			    UNETWL_RESOLVE_US / 1000000);
		j->state = UWN_DONE;
		return 0;
	}
	if (now >= j->next_arp) {
		unetip_arp_request(unetwl_nic, j->ip);
		j->next_arp = now + unetwl_tsc_us(UNETWL_ARP_EVERY_US);
	}
	return 0;
}

/* net-send: the frames due by now (RATE a second), a burst at most. */
static int unetwl_send_step(struct unetwl_job *j, u64 now)
{
	struct unet *n = unetwl_nic;
	u64 due = ~0UL, hz = unetwl_hz();
	int k = 0;

	if (j->state == UWN_WAIT) {
		if (j->echo.frames >= j->sent || now > j->deadline) {
			unetwl_echo_report(j);
			j->state = UWN_DONE;
		}
		return 0;
	}
	if (!j->t0)
		j->t0 = now;
	if (j->rate) {
		u64 t = now - j->t0;

		due = t / hz * j->rate + t % hz * j->rate / hz + 1;
	}
	if (j->count && due > j->count)
		due = j->count;
	if (j->window) {
		u64 back = j->echo.frames + j->echo.bad + j->forgiven;
		u64 quiet = j->echo.last > j->t_last ? j->echo.last : j->t_last;

		/* no echo for a second: stop waiting for those out */
		if (j->sent - back >= j->window &&
		    now - quiet > unetwl_tsc_us(UNETWL_WINDOW_WAIT_US)) {
			j->forgiven += j->sent - back;
			back = j->sent;
		}
		if (due > back + j->window)
			due = back + j->window;
	}
	while (j->sent < due && k < UNETWL_BURST) {
		u8 *f = unet_tx_get(n);

		if (!f)
			break;
		unetwl_fill(f, j->mac, n->mac, j->size, j->stream, j->count,
			    j->sent);
		unet_tx_put(n, j->size);
		j->sent++;
		j->bytes += j->size;
		k++;
	}
	if (k) {
		unet_tx_kick(n);
		j->t_last = now;
	}
	if (j->count && j->sent == j->count) {
		unetwl_send_report(j);
		/* no echo comes back from a group address */
		j->state = j->mac[0] & 1 ? UWN_DONE : UWN_WAIT;
		j->deadline = now + unetwl_tsc_us(UNETWL_ECHO_WAIT_US);
	}
	return k > 0;
}

/* net-ping: one echo request in flight; the first one is not counted. */
static int unetwl_ping_step(struct unetwl_job *j, u64 now)
{
	if (j->waiting) {
		if (now - j->sent_tsc < unetwl_tsc_us(UNETWL_PING_WAIT_US))
			return 0;
		j->waiting = 0;		/* lost */
	}
	if (j->sent == j->count + 1) {
		unetwl_ping_report(j);
		j->state = UWN_DONE;
		return 0;
	}
	j->seq = j->sent;
	j->waiting = 1;
	j->sent++;
	j->sent_tsc = rdtsc();
	unetip_ping(unetwl_nic, j->mac, j->ip,
		    UNETWL_PING_ID + (j - unetwl_jobs), j->seq, j->size);
	return 1;
}

static void unetwl_ping_reply(u64 now)
{
	int i;

	for (i = 0; i < unetwl_njobs; i++) {
		struct unetwl_job *j = &unetwl_jobs[i];

		if (j->op != UWN_PING || !j->waiting ||
		    unetip_reply_id != UNETWL_PING_ID + i ||
		    unetip_reply_seq != j->seq)
			continue;
		j->waiting = 0;
		if (j->seq) {
			j->received++;
			unetstat_sample(&j->rtt, now - j->sent_tsc);
		}
	}
}

static struct unetwl_stream *unetwl_stream(const u8 *mac, u32 id, int add)
{
	struct unetwl_stream *s;
	int i;

	for (i = 0; i < unetwl_nstreams; i++) {
		s = &unetwl_streams[i];
		if (s->id == id && !memcmp(s->mac, mac, ETH_ALEN))
			return s;
	}
	if (!add || unetwl_nstreams == UNETWL_MAX_STREAMS)
		return NULL;
	s = &unetwl_streams[unetwl_nstreams++];
	memcpy(s->mac, mac, ETH_ALEN);
	s->id = id;
	return s;
}

static void unetwl_stream_report(struct unetwl_stream *s)
{
	char mac[18], rate[48];
	u64 us = user_us(s->c.last - s->c.first);

	user_printf("minios: net rx stream %s/%08x done: %lu frames, %lu bytes, %lu bad, %lu lost, %lu reordered in %lu us (%s)\n",
		    unet_mac_str(s->mac, mac), s->id, s->c.frames, s->c.bytes,
		    s->c.bad, unetstat_lost(&s->c, s->count), s->c.reordered, us,
		    unetstat_rate(rate, s->c.frames, s->c.bytes, us));
}

static void unetwl_verify_frame(const u8 *f, u32 len,
				const struct unetwl_hdr *h, int ok, u64 now)
{
	struct unetwl_stream *s = unetwl_stream(f + ETH_ALEN, h->stream, ok);

	if (!ok) {
		if (s)
			s->c.bad++;
		else
			unetwl_bad_unknown++;
		return;
	}
	if (!s)
		return;		/* more streams than we keep */
	s->count = h->count;
	unetstat_count(&s->c, h->seq, len, now);
	if (h->count && h->seq == h->count - 1 && !s->done) {
		s->done = 1;
		unetwl_stream_report(s);
	}
}

/* An echo of one of our streams, back. */
static void unetwl_echo_back(const struct unetwl_hdr *h, u32 len, int ok,
			     u64 now)
{
	int i;

	for (i = 0; i < unetwl_njobs; i++) {
		struct unetwl_job *j = &unetwl_jobs[i];

		if (j->op != UWN_SEND || j->stream != h->stream)
			continue;
		if (!ok) {
			j->echo.bad++;
			return;
		}
		unetstat_count(&j->echo, h->seq, len, now);
		unetstat_sample(&j->rtt, now - h->tsc);
		return;
	}
}

static void unetwl_input(const u8 *f, u32 len)
{
	struct unet *n = unetwl_nic;
	struct unetwl_hdr h;
	u64 now = rdtsc();
	int r = unetwl_parse(f, len, &h);
	u8 *t;

	if (r > 0) {
		if (unetip_input(n, f, len) == UNETIP_ECHO_REPLY)
			unetwl_ping_reply(now);
		return;
	}
	if (h.flags & UNETWL_F_ECHO) {
		if (!memcmp(f, n->mac, ETH_ALEN))
			unetwl_echo_back(&h, len, !r, now);
		return;
	}
	if (unetwl_verify)
		unetwl_verify_frame(f, len, &h, !r, now);
	if (!unetwl_echo || r || memcmp(f, n->mac, ETH_ALEN))
		return;
	t = len <= UNET_BUF - sizeof(struct vnet_hdr) ? unet_tx_get(n) : NULL;
	if (!t) {
		unetwl_echo_dropped++;
		return;
	}
	memcpy(t, f + ETH_ALEN, ETH_ALEN);
	memcpy(t + ETH_ALEN, n->mac, ETH_ALEN);
	memcpy(t + 12, f + 12, len - 12);
	h.flags |= UNETWL_F_ECHO;
	__builtin_memcpy(t + ETH_HLEN + 4, &h.flags, 2);
	unet_tx_put(n, len);
	unetwl_echoed++;
}

/* Whether a job is in progress (the loop then spins). */
static int unetwl_jobs_busy(void)
{
	int i;

	for (i = 0; i < unetwl_njobs; i++)
		if (unetwl_jobs[i].state != UWN_DONE)
			return 1;
	return 0;
}

/*
 * One pass: what arrived (a bounded batch), then the first job not done
 * (they run one after the other).
 */
static int unetwl_poll(u64 now)
{
	struct unet *n = unetwl_nic;
	int act = 0, budget = 256, i, r;
	const u8 *f;
	u32 len;

	while (budget-- && (r = unet_rx(n, &f, &len)) > 0) {
		unetwl_input(f, len);
		act = 1;
	}
	unet_tx_kick(n);
	for (i = 0; i < unetwl_njobs; i++) {
		struct unetwl_job *j = &unetwl_jobs[i];

		if (j->state == UWN_DONE)
			continue;
		if (!n->ok) {
			user_printf("minios: net %s: %s given up after %lu frames\n",
				    j->op == UWN_SEND ? "send" : "ping", n->name,
				    j->sent);
			j->state = UWN_DONE;
			continue;
		}
		if (j->state == UWN_RESOLVE)
			act |= unetwl_resolve(j, now);
		else
			act |= j->op == UWN_SEND ? unetwl_send_step(j, now) :
						   unetwl_ping_step(j, now);
		break;		/* one at a time, in command-line order */
	}
	return act;
}

/*
 * Runs the network workloads until `until` (or for 10 ms at most).
 * Returns when the caller should come back: at once while busy, after a
 * tick while idle; ~0 without network workloads.
 */
u64 unetwl_run(u64 now, u64 until)
{
	u64 hz = unetwl_hz(), slice = now + hz / 100;

	if (!unetwl_nic)
		return ~0UL;
	if (until > slice)
		until = slice;
	for (;;) {
		if (unetwl_poll(now))
			unetwl_last_activity = now;
		if (now >= until || !unetwl_nic->ok)
			return unetwl_nic->ok ? now : ~0UL;
		if (!unetwl_jobs_busy() &&
		    now - unetwl_last_activity > unetwl_tsc_us(UNETWL_IDLE_US))
			return now + hz / 100;
		now = rdtsc();
	}
}

/* Whether some network workload runs until the end (no COUNT, or a server). */
int unetwl_forever(void)
{
	int i;

	if (!unetwl_nic)
		return 0;
	for (i = 0; i < unetwl_njobs; i++)
		if (unetwl_jobs[i].op == UWN_SEND && !unetwl_jobs[i].count)
			return 1;
	return unetwl_echo || unetwl_verify || unetwl_responder;
}

/* Whether net-send and net-ping are all done. */
int unetwl_done(void)
{
	return !unetwl_nic || !unetwl_jobs_busy();
}

/* The end of the run: what has not been said yet, and the totals. */
void unetwl_finish(void)
{
	struct unet *n = unetwl_nic;
	struct unetstat_count all = { 0 };
	char rate[48];
	u64 lost = 0, us;
	int i;

	if (!n)
		return;
	for (i = 0; i < unetwl_njobs; i++) {
		struct unetwl_job *j = &unetwl_jobs[i];

		/* the one under way, if it was cut short */
		if (j->state == UWN_RUN && j->op == UWN_SEND && j->t0)
			unetwl_send_report(j);
		if (((j->state == UWN_RUN && j->t0 && !(j->mac[0] & 1)) ||
		     j->state == UWN_WAIT) && j->op == UWN_SEND)
			unetwl_echo_report(j);
		if (j->state == UWN_RUN && j->op == UWN_PING && j->sent)
			unetwl_ping_report(j);
		j->state = UWN_DONE;
	}
	if (unetwl_verify) {
		all.bad = unetwl_bad_unknown;
		for (i = 0; i < unetwl_nstreams; i++) {
			struct unetwl_stream *s = &unetwl_streams[i];

			all.frames += s->c.frames;
			all.bytes += s->c.bytes;
			all.bad += s->c.bad;
			all.reordered += s->c.reordered;
			lost += unetstat_lost(&s->c, s->count);
			if (!all.first || s->c.first < all.first)
				all.first = s->c.first;
			if (s->c.last > all.last)
				all.last = s->c.last;
		}
		us = user_us(all.last - all.first);
		user_printf("minios: net rx %lu frames, %lu bytes, %lu bad, %lu lost, %lu reordered, %d streams in %lu us (%s)\n",
			    all.frames, all.bytes, all.bad, lost, all.reordered,
			    unetwl_nstreams, us,
			    unetstat_rate(rate, all.frames, all.bytes, us));
	}
	if (unetwl_echo)
		user_printf("minios: net echoed %lu frames, %lu dropped (transmit queue full)\n",
			    unetwl_echoed, unetwl_echo_dropped);
	user_printf("minios: net %s rx %lu frames %lu bytes, tx %lu frames %lu bytes, rx_errors %lu\n",
		    n->name, n->rx_frames, n->rx_bytes, n->tx_frames, n->tx_bytes,
		    n->rx_errors);
}

/* ":N" into *v, if there is one. */
static void unetwl_num(const char **s, u64 *v)
{
	if (**s == ':')
		*v = lib_strtou(*s + 1, s);
}

/* An IPv4 address or a MAC address (with '-'). */
static int unetwl_parse_dst(const char **s, struct unetwl_job *j)
{
	if (!unetip_parse_ip(*s, j->ip, s)) {
		j->by_ip = 1;
		j->state = UWN_RESOLVE;
		return 0;
	}
	return unetip_parse_mac(*s, j->mac, s);
}

/*
 * The text after "net-" (see README): 0, or -1 after saying what is
 * wrong.
 */
static int unetwl_parse_spec(const char *spec)
{
	struct unetwl_job *j = &unetwl_jobs[unetwl_njobs];
	const char *s = spec;
	u64 size, rate = 1000, count;

	if (!lib_strncmp(s, "responder", 10)) {
		unetwl_responder = 1;
		return 0;
	}
	if (!lib_strncmp(s, "echo", 5)) {
		unetwl_echo = 1;
		return 0;
	}
	if (!lib_strncmp(s, "verify", 7)) {
		unetwl_verify = 1;
		return 0;
	}
	memset(j, 0, sizeof(*j));
	j->state = UWN_RUN;
	if (!lib_strncmp(s, "send:", 5)) {
		j->op = UWN_SEND;
		size = 1024;
		count = 1000;
		s += 5;
	} else if (!lib_strncmp(s, "ping:", 5)) {
		j->op = UWN_PING;
		size = 56;
		count = 100;
		s += 5;
	} else {
		goto bad;
	}
	if (unetwl_parse_dst(&s, j) || (j->op == UWN_PING && !j->by_ip))
		goto bad;
	if (j->op == UWN_SEND) {
		unetwl_num(&s, &size);
		unetwl_num(&s, &rate);
		unetwl_num(&s, &count);
		unetwl_num(&s, &j->window);
		if (size < ETH_ZLEN || size > ETH_FRAME_MAX ||
		    count > 0xffffffffUL || rate > 100000000)
			goto bad;
	} else {
		unetwl_num(&s, &count);
		unetwl_num(&s, &size);
		if (!count || size > ETH_FRAME_MAX - ETH_HLEN - 28)
			goto bad;
	}
	if (*s)
		goto bad;
	if (j->by_ip && !unet_addr.has_ip)
		user_printf("minios: net-%s: no net-ip= (ARP asks from 0.0.0.0)\n",
			    spec);
	j->size = size;
	j->rate = rate;
	j->count = count;
	j->rtt.max = count < UNETWL_MAX_SAMPLES && count ? count :
		     UNETWL_MAX_SAMPLES;
	j->rtt.ns = user_alloc((u64)j->rtt.max * 4, 64);
	if (!j->rtt.ns)
		j->rtt.max = 0;
	unetwl_njobs++;
	return 0;
bad:
	user_printf("minios: net-%s: not a network workload (see the README)\n",
		    spec);
	return -1;
}

/*
 * After the boot report and the disks: the cards, the hostile case if
 * one was asked for, the addresses and the workloads; "net up" when they
 * start.
 */
void unetwl_start(void)
{
	struct user_config *cfg = &user_config_page;
	char mac[18], ip[24], ip6[48];
	int i, any = 0, bad_addr;

	unet_init_all();
	bad_addr = unetip_config();	/* the hostile cases use it too */
	if (!lib_strncmp(cfg->hostile3, "net-", 4))
		unethostile_run(cfg->hostile3);
	for (i = 0; i < cfg->nr_workloads; i++)
		any |= cfg->wl[i].kind == WL_NET;
	if (!any || bad_addr)
		return;
	for (i = 0; i < unet_nr_nics && !unet_nics[i].ok; i++)
		;
	if (i == unet_nr_nics) {
		user_printf("minios: net: no usable virtio-net card (%d found): no network workload runs\n",
			    unet_nr_nics);
		return;
	}
	unetwl_nic = &unet_nics[i];
	for (i = 0; i < cfg->nr_workloads; i++)
		if (cfg->wl[i].kind == WL_NET)
			unetwl_parse_spec(cfg->wl[i].spec);
	/* streams told apart by the sender's MAC address and this id */
	for (i = 0; i < unetwl_njobs; i++)
		unetwl_jobs[i].stream = (u32)unetwl_nic->mac[4] << 24 |
					(u32)unetwl_nic->mac[5] << 16 |
					(u32)(rdtsc() & 0xff) << 8 | i;
	ip[0] = ip6[0] = '\0';
	if (unet_addr.has_ip)
		lib_snprintf(ip, sizeof(ip), " ip=%u.%u.%u.%u/%u",
			     unet_addr.ip[0], unet_addr.ip[1], unet_addr.ip[2],
			     unet_addr.ip[3], unet_addr.prefix);
	if (unet_addr.has_ip6) {
		memcpy(ip6, " ip6=", 5);
		unetip_ip6_str(unet_addr.ip6, ip6 + 5);
	}
	user_printf("minios: net up mac=%s%s%s link=%s\n",
		    unet_mac_str(unetwl_nic->mac, mac), ip, ip6,
		    unet_link_up(unetwl_nic) ? "up" : "down");
	unetwl_last_activity = rdtsc();
}
