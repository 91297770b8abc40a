/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-net's queue pairs.  Transmit: a chain's 12-byte header is copied
 * and checked, then the header copy and the guest's buffers after it go to
 * the tap in one writev().  Receive: chains are taken off the ring until
 * they can hold the largest frame the guest may get, and one readv() puts
 * the frame straight into them (mergeable buffers: into as many chains as
 * it needs); what would not fit lands in an overflow buffer and the frame
 * is dropped.  Chains not used stay with the pair for the next frame and
 * go back to the ring (virtq_unpop()) before a save.
 */
#include <endian.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "kvm/vm.h"
#include "virtio/net.h"
#include "virtio/netq.h"
#include "virtio/pci.h"

#define NETQ_BATCH		64	/* frames each way per turn, then one interrupt */
#define NETQ_RX_WAIT_NS		(20 * 1000000ull)
#define NETQ_QUIESCED_POLL_MS	10
#define NETQ_ETH_HLEN		14

#define VIRTIO_NET_HDR_F_NEEDS_CSUM	1
#define VIRTIO_NET_HDR_F_DATA_VALID	2
#define VIRTIO_NET_HDR_GSO_NONE		0
#define VIRTIO_NET_HDR_GSO_TCPV4	1
#define VIRTIO_NET_HDR_GSO_UDP		3
#define VIRTIO_NET_HDR_GSO_TCPV6	4
#define VIRTIO_NET_HDR_GSO_ECN		0x80

/* struct virtio_net_hdr_mrg_rxbuf, little-endian */
struct net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

_Static_assert(sizeof(struct net_hdr) == NETQ_HDR_LEN, "virtio-net header");

enum { TAG_WAKE, TAG_TIMER, TAG_TAP, TAG_KICK_RX, TAG_KICK_TX };

static unsigned int rxq(const struct netq *q)
{
	return 2 * q->index;
}

static unsigned int txq(const struct netq *q)
{
	return 2 * q->index + 1;
}

static struct virtq *vq_at(struct netq *q, unsigned int i)
{
	return &q->dev->vp->vq[i];
}

static void netq_wake(struct netq *q)
{
	if (q->wake_fd >= 0)
		eventfd_write(q->wake_fd, 1);
}

/* Writes @len bytes of @src at @off into @n buffers. */
static void iovec_write(const struct iovec *iov, unsigned int n, uint64_t off, const void *src,
			size_t len)
{
	for (unsigned int i = 0; i < n && len; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len)
			l = len;
		memcpy((uint8_t *)iov[i].iov_base + off, src, l);
		src = (const uint8_t *)src + l;
		len -= l;
		off = 0;
	}
}

static size_t iovec_read(void *dst, const struct iovec *iov, unsigned int n, size_t len)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;

		if (!l)
			continue; /* an empty buffer may have no address at all */
		memcpy((uint8_t *)dst + done, iov[i].iov_base, l);
		done += l;
	}
	return done;
}

/* The tap failed under the pair: said once, and the tap is not polled again. */
static void tap_failed(struct netq *q, const char *what, int e)
{
	if (q->tap_broken)
		return;
	q->tap_broken = true;
	warn("%s: tap queue %u: %s%s%s; the queue moves no more frames", q->dev->name, q->index,
	     what, e ? ": " : "", e ? strerror(e) : "");
}

/* --- the credit scheduler ------------------------------------------------- */

/*
 * Whether the pair may send now: some credit is left (a frame may take it
 * below zero; the debt is paid from the next refills, so the rate holds
 * for frames larger than the credit too).  Each interval refills
 * rate_bytes, up to rate_bytes.  If not, the pair's timer is set for the
 * refill that brings credit back.
 */
static bool rate_ok(struct netq *q)
{
	struct netq_dev *d = q->dev;
	struct itimerspec its = { 0 };
	uint64_t now, at;
	bool ok;

	if (!d->rate_bytes)
		return true;
	pthread_mutex_lock(&d->rate_lock);
	now = now_ns();
	if (now >= d->next_refill_ns) {
		uint64_t k = (now - d->next_refill_ns) / d->interval_ns + 1;
		__int128 c = (__int128)d->credit + (__int128)k * d->rate_bytes;

		d->credit = c > (__int128)d->rate_bytes ? (int64_t)d->rate_bytes : (int64_t)c;
		d->next_refill_ns = now - (now - d->next_refill_ns) % d->interval_ns + d->interval_ns;
	}
	ok = d->credit > 0;
	/* the refill after which credit is left again */
	at = ok ? 0 : d->next_refill_ns + (uint64_t)(-d->credit) / d->rate_bytes * d->interval_ns;
	pthread_mutex_unlock(&d->rate_lock);
	if (ok)
		return true;
	if (q->timer_fd >= 0) {
		its.it_value.tv_sec = at / 1000000000ull;
		its.it_value.tv_nsec = at % 1000000000ull;
		timerfd_settime(q->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
	}
	return false;
}

static void rate_charge(struct netq *q, uint64_t bytes)
{
	struct netq_dev *d = q->dev;

	if (!d->rate_bytes)
		return;
	pthread_mutex_lock(&d->rate_lock);
	d->credit -= (int64_t)bytes;
	pthread_mutex_unlock(&d->rate_lock);
}

/* --- transmit ------------------------------------------------------------ */

/* Why the frame behind @h, @len bytes long, may not go out; NULL if it may. */
static const char *tx_check(const struct net_hdr *h, uint64_t len, uint64_t feat)
{
	uint8_t gso = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	bool csum = h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM;

	if (len < NETQ_ETH_HLEN || len > NETQ_FRAME_MAX)
		return "frame length out of range";
	if (h->flags & ~VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return "unknown header flags";
	if (csum && !(feat & VIRTIO_NET_F_CSUM))
		return "checksum offload, which was not negotiated";
	if (csum && (uint64_t)le16toh(h->csum_start) + le16toh(h->csum_offset) + 2 > len)
		return "checksum position outside the frame";
	if (le16toh(h->hdr_len) > len)
		return "header length past the frame";
	switch (gso) {
	case VIRTIO_NET_HDR_GSO_NONE:
		if (h->gso_type & VIRTIO_NET_HDR_GSO_ECN)
			return "ECN flag without segmentation";
		return NULL;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		if (!(feat & VIRTIO_NET_F_HOST_TSO4))
			return "TCP segmentation (IPv4), which was not negotiated";
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (!(feat & VIRTIO_NET_F_HOST_TSO6))
			return "TCP segmentation (IPv6), which was not negotiated";
		break;
	default:
		return "a segmentation type that was not offered";
	}
	if ((h->gso_type & VIRTIO_NET_HDR_GSO_ECN) && !(feat & VIRTIO_NET_F_HOST_ECN))
		return "ECN segmentation, which was not negotiated";
	if (!csum)
		return "segmentation without checksum offload";
	if (!h->gso_size)
		return "segment size 0";
	return NULL;
}

/*
 * Sends the chain in q->elem: 1 when it is done with (sent or dropped),
 * 0 when the tap is full, -1 when it breaks the queue (q->fail).
 */
static int tx_one(struct netq *q, uint64_t feat, uint64_t *bytes_r)
{
	const struct virtq_elem *e = &q->elem;
	struct net_hdr h;
	uint64_t total = 0, skip = NETQ_HDR_LEN;
	unsigned int n = 1;
	const char *why;
	ssize_t r;

	if (e->nr_in) {
		q->fail = "transmit chain with a buffer for the device to write";
		return -1;
	}
	for (unsigned int i = 0; i < e->nr_out; i++)
		total += e->out[i].len;
	if (total < NETQ_HDR_LEN) {
		q->fail = "transmit chain shorter than its 12-byte header";
		return -1;
	}
	virtq_iov_read(&h, e->out, e->nr_out, 0, sizeof(h));
	why = tx_check(&h, total - NETQ_HDR_LEN, feat);
	if (why) {
		guest_warn("guest: %s: transmit queue %u: %s; frame dropped", q->dev->name,
			   q->index, why);
		q->tx_dropped++;
		return 1;
	}
	/* the kernel gets the copy that was checked, not the guest's bytes */
	if (!(h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		h.csum_start = h.csum_offset = 0;
	if (h.gso_type == VIRTIO_NET_HDR_GSO_NONE)
		h.gso_size = 0;
	h.num_buffers = 0;
	q->tx_iov[0] = (struct iovec){ &h, sizeof(h) };
	for (unsigned int i = 0; i < e->nr_out; i++) {
		uint64_t l = e->out[i].len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		q->tx_iov[n++] = (struct iovec){ (uint8_t *)e->out[i].base + skip, l - skip };
		skip = 0;
	}
	do
		r = writev(q->tap_fd, q->tx_iov, n);
	while (r < 0 && errno == EINTR);
	if (r < 0 && errno == EAGAIN)
		return 0;
	if (r < 0) {
		static struct ratelimit rl;

		log_ratelimited(&rl, "%s: tap queue %u refused a %llu-byte frame: %s; dropped",
				q->dev->name, q->index, (unsigned long long)(total - NETQ_HDR_LEN),
				strerror(errno));
		q->tx_dropped++;
		return 1;
	}
	q->tx_frames++;
	q->tx_bytes += total - NETQ_HDR_LEN;
	*bytes_r = total - NETQ_HDR_LEN;
	return 1;
}

/* Sends up to a batch of frames; true if more may be waiting. */
static bool netq_tx(struct netq *q)
{
	struct virtq *vq = vq_at(q, txq(q));
	struct vm *vm = q->dev->vm;
	uint64_t feat = __atomic_load_n(&q->dev->features, __ATOMIC_ACQUIRE);

	if (!vq->enabled) {
		q->tx_work = false;
		return false;
	}
	for (unsigned int done = 0; done < NETQ_BATCH; done++) {
		const char *why = NULL;
		uint64_t bytes = 0;
		int r;

		if (!rate_ok(q)) {
			q->tx_throttled = q->timer_fd >= 0;	/* else the next turn looks again */
			q->tx_throttled_count++;
			return false;
		}
		r = virtq_pop(vq, vm, &q->elem, &why);
		if (r == 0) {
			q->tx_work = false;
			return false;
		}
		if (r < 0) {
			q->fail = why;
			return false;
		}
		r = tx_one(q, feat, &bytes);
		if (r < 0)
			return false;
		if (r == 0) {
			virtq_unpop(vq, 1);	/* sent when the tap has room */
			q->tx_blocked = true;
			return false;
		}
		virtq_push_only(vq, vm, &q->elem, 0);
		q->notify_tx = true;
		rate_charge(q, bytes);
	}
	return true;
}

/* --- receive ------------------------------------------------------------- */

static void rx_forget(struct netq *q)
{
	q->rxb_first = q->rxb_count = 0;
	q->rx_len = 0;
	q->rx_iov_first = q->rx_iov_count = 0;
	q->rx_wait_until = 0;
	q->rx_short = false;
}

/* The chains held go back to the ring, as if never taken. */
static void rx_give_back(struct netq *q)
{
	if (q->rxb_count)
		virtq_unpop(vq_at(q, rxq(q)), q->rxb_count);
	rx_forget(q);
}

/*
 * Takes chains off the receive ring until the pair holds @max_chains or
 * @need bytes.  *@full_r: no more could be held, however many the ring
 * has.  -1 if the ring or a chain breaks the queue (q->fail).
 */
static int rx_fill(struct netq *q, struct virtq *vq, uint64_t need, unsigned int max_chains,
		   bool *full_r)
{
	struct virtq_elem *e = &q->elem;

	*full_r = false;
	while (q->rxb_count < max_chains && q->rx_len < need) {
		const char *why = NULL;
		uint64_t len = 0;
		struct iovec *to;
		int r;

		if (q->rxb_count >= NETQ_QUEUE_MAX || q->rxb_count >= vq->size) {
			*full_r = true;
			break;
		}
		r = virtq_pop(vq, q->dev->vm, e, &why);
		if (r == 0)
			break;
		if (r < 0) {
			q->fail = why;
			return -1;
		}
		if (e->nr_out) {
			q->fail = "receive chain with a buffer the device may only read";
			return -1;
		}
		for (unsigned int i = 0; i < e->nr_in; i++)
			len += e->in[i].len;
		if (len < NETQ_HDR_LEN) {
			q->fail = "receive chain smaller than the 12-byte header";
			return -1;
		}
		if (q->rx_iov_first + q->rx_iov_count + e->nr_in > NETQ_RX_IOV_MAX) {
			memmove(q->rx_iov, q->rx_iov + q->rx_iov_first,
				q->rx_iov_count * sizeof(q->rx_iov[0]));
			q->rx_iov_first = 0;
		}
		if (q->rx_iov_count + e->nr_in > NETQ_RX_IOV_MAX) {
			virtq_unpop(vq, 1);
			*full_r = true;
			break;
		}
		to = &q->rx_iov[q->rx_iov_first + q->rx_iov_count];
		for (unsigned int i = 0; i < e->nr_in; i++)
			to[i] = (struct iovec){ e->in[i].base, e->in[i].len };
		q->rx_iov_count += e->nr_in;
		q->rxb[(q->rxb_first + q->rxb_count) % NETQ_QUEUE_MAX] =
			(struct netq_rxbuf){ e->head, (uint16_t)e->nr_in, len };
		q->rxb_count++;
		q->rx_len += len;
	}
	return 0;
}

static const struct netq_rxbuf *rxb_at(const struct netq *q, unsigned int i)
{
	return &q->rxb[(q->rxb_first + i) % NETQ_QUEUE_MAX];
}

/*
 * The frame of @n bytes (header included) is in the chains held: its
 * header is made right for the guest and the chains it filled are used.
 */
static void rx_deliver(struct netq *q, struct virtq *vq, uint64_t n, uint64_t feat)
{
	struct iovec *iov = &q->rx_iov[q->rx_iov_first];
	uint64_t offl = __atomic_load_n(&q->dev->guest_offloads, __ATOMIC_ACQUIRE);
	uint64_t left = n, len = 0;
	unsigned int nbuf = 0, niov = 0;
	uint8_t gso;
	struct net_hdr h;

	while (left) {
		const struct netq_rxbuf *b = rxb_at(q, nbuf++);

		left -= b->len < left ? b->len : left;
		niov += b->nr_iov;
		len += b->len;
	}
	/*
	 * The tap wrote the first 10 bytes; what it says must be what the
	 * guest accepted (an offload turned off leaves frames in the tap's
	 * queue that were made with it).
	 */
	iovec_read(&h, iov, niov, sizeof(h));
	gso = h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	if ((gso == VIRTIO_NET_HDR_GSO_TCPV4 && !(offl & VIRTIO_NET_F_GUEST_TSO4)) ||
	    (gso == VIRTIO_NET_HDR_GSO_TCPV6 && !(offl & VIRTIO_NET_F_GUEST_TSO6)) ||
	    (gso == VIRTIO_NET_HDR_GSO_UDP && !(offl & VIRTIO_NET_F_GUEST_UFO)) ||
	    (gso != VIRTIO_NET_HDR_GSO_NONE && gso != VIRTIO_NET_HDR_GSO_TCPV4 &&
	     gso != VIRTIO_NET_HDR_GSO_TCPV6 && gso != VIRTIO_NET_HDR_GSO_UDP) ||
	    ((h.gso_type & VIRTIO_NET_HDR_GSO_ECN) && !(offl & VIRTIO_NET_F_GUEST_ECN)) ||
	    ((h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !(offl & VIRTIO_NET_F_GUEST_CSUM))) {
		q->rx_dropped++;	/* the chains stay for the next frame */
		return;
	}
	h.flags &= feat & VIRTIO_NET_F_GUEST_CSUM ?
		   VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID : 0;
	h.num_buffers = htole16(nbuf);
	iovec_write(iov, niov, 0, &h, sizeof(h));
	left = n;
	for (unsigned int i = 0; i < nbuf; i++) {
		const struct netq_rxbuf *b = rxb_at(q, i);
		uint64_t use = b->len < left ? b->len : left;

		q->elem.head = b->head;
		virtq_push_only(vq, q->dev->vm, &q->elem, (uint32_t)use);
		left -= use;
	}
	q->rxb_first = (q->rxb_first + nbuf) % NETQ_QUEUE_MAX;
	q->rxb_count -= nbuf;
	q->rx_len -= len;
	q->rx_iov_first += niov;
	q->rx_iov_count -= niov;
	if (!q->rx_iov_count)
		q->rx_iov_first = 0;
	q->rx_frames++;
	q->rx_bytes += n - NETQ_HDR_LEN;
	q->notify_rx = true;
}

/* Receives up to a batch of frames; true if more may be waiting. */
static bool netq_rx(struct netq *q)
{
	struct netq_dev *d = q->dev;
	struct virtq *vq = vq_at(q, rxq(q));
	uint64_t feat = __atomic_load_n(&d->features, __ATOMIC_ACQUIRE);
	uint64_t offl = __atomic_load_n(&d->guest_offloads, __ATOMIC_ACQUIRE);
	bool mrg = feat & VIRTIO_NET_F_MRG_RXBUF;
	uint64_t need = NETQ_HDR_LEN +
		(offl & (VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_TSO6 | VIRTIO_NET_F_GUEST_UFO) ?
		 NETQ_FRAME_MAX : d->frame_small);

	if (!vq->enabled) {
		q->rx_starved = true;
		return false;
	}
	for (unsigned int done = 0; done < NETQ_BATCH; done++) {
		struct iovec *iov, saved;
		unsigned int niov = 0;
		uint64_t cap = 0;
		bool full;
		ssize_t n;

		/* without mergeable buffers a frame gets one chain, whatever its size */
		if (rx_fill(q, vq, mrg ? need : 1, mrg ? NETQ_QUEUE_MAX : 1, &full) < 0)
			return false;
		if (!q->rxb_count) {
			q->rx_starved = true;
			return false;
		}
		if (q->rx_len >= need)
			q->rx_short = false;
		if (mrg && q->rx_len < need && !full && d->threads && !q->rx_short) {
			/*
			 * Short of a whole frame's room: the guest is likely
			 * refilling, and a kick says when it did.  A guest that
			 * never posts that much gets frames as they fit after a
			 * while (and loses those that do not).
			 */
			uint64_t now = now_ns();

			if (!q->rx_wait_until)
				q->rx_wait_until = now + NETQ_RX_WAIT_NS;
			if (now < q->rx_wait_until) {
				q->rx_starved = true;
				return false;
			}
			q->rx_short = true;
		}
		q->rx_wait_until = 0;
		for (unsigned int i = 0; i < (mrg ? q->rxb_count : 1) && cap < (mrg ? need : 1); i++) {
			niov += rxb_at(q, i)->nr_iov;
			cap += rxb_at(q, i)->len;
		}
		iov = &q->rx_iov[q->rx_iov_first];
		saved = iov[niov];
		iov[niov] = (struct iovec){ q->overflow, NETQ_HDR_LEN + NETQ_FRAME_MAX };
		do
			n = readv(q->tap_fd, iov, niov + 1);
		while (n < 0 && errno == EINTR);
		iov[niov] = saved;
		if (n < 0 && errno == EAGAIN) {
			q->rx_work = false;
			return false;
		}
		if (n <= 0) {
			tap_failed(q, n ? "read" : "end of file", n ? errno : 0);
			q->rx_work = false;
			return false;
		}
		if ((uint64_t)n > cap || n < NETQ_HDR_LEN) {
			guest_warn("guest: %s: receive queue %u: a %zd-byte frame does not fit the %llu bytes of buffers; dropped",
				   d->name, q->index, n - NETQ_HDR_LEN, (unsigned long long)cap);
			q->rx_dropped++;
			continue;
		}
		rx_deliver(q, vq, (uint64_t)n, feat);
	}
	return true;
}

/* --- the pair's turn and thread ------------------------------------------ */

/* What epoll waits for on the tap: frames when there is room, room when full. */
static void tap_poll_update(struct netq *q)
{
	bool live = q->run && !q->quiesced && !q->stop && !q->fail && !q->tap_broken &&
		    virtio_pci_running(q->dev->vp);
	struct epoll_event ev = { .data.u32 = TAG_TAP };
	uint32_t want = 0;
	int op;

	if (q->epfd < 0)
		return;
	if (live && !q->rx_starved && !q->rx_wait_until)
		want |= EPOLLIN;
	if (live && q->tx_blocked)
		want |= EPOLLOUT;
	if (want == q->tap_events)
		return;
	ev.events = want;
	op = !q->tap_events ? EPOLL_CTL_ADD : !want ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
	if (epoll_ctl(q->epfd, op, q->tap_fd, &ev) < 0) {
		tap_failed(q, "epoll", errno);
		if (op != EPOLL_CTL_DEL)
			return;
	}
	q->tap_events = want;
}

static void mark_kick(struct netq *q, unsigned int vq)
{
	if ((int)vq == __atomic_load_n(&q->dev->ctrl_q, __ATOMIC_ACQUIRE)) {
		q->ctrl_kicked = true;
	} else if (vq == rxq(q)) {
		q->rx_work = true;
		q->rx_starved = false;
	} else {
		q->tx_work = true;
	}
}

/* Lock held. */
static void resume_locked(struct netq *q)
{
	q->quiesced = false;
	q->rx_work = q->tx_work = true;
	q->rx_starved = false;
}

/*
 * Takes the VM's io_lock for the interrupts of a batch, unless the thread
 * is asked to end meanwhile (whoever ends it may hold io_lock).
 */
static bool lock_io(struct netq *q)
{
	for (;;) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 2000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (!pthread_mutex_timedlock(&q->dev->vm->io_lock, &ts))
			return true;
		if (__atomic_load_n(&q->stop, __ATOMIC_ACQUIRE))
			return false;
	}
}

/*
 * One turn: a batch each way under the pair's lock, then its interrupts
 * (or NEEDS_RESET) under io_lock.  Returns the thread's next epoll
 * timeout: 0 when more may be waiting.
 */
static int netq_work(struct netq *q, bool io_locked)
{
	struct netq_dev *d = q->dev;
	bool more = false, tell, ctrl;
	int timeout = -1;
	uint32_t epoch;

	pthread_mutex_lock(&q->lock);
	if (q->quiesced && d->threads && !__atomic_load_n(&d->vm->paused, __ATOMIC_ACQUIRE))
		resume_locked(q);
	if (q->rx_wait_until && now_ns() >= q->rx_wait_until) {
		q->rx_work = true;
		q->rx_starved = false;
	}
	if (q->run && !q->quiesced && !q->stop && !q->fail && virtio_pci_running(d->vp)) {
		if (q->tx_work && !q->tx_throttled && !q->tx_blocked)
			more |= netq_tx(q);
		if (q->rx_work && !q->rx_starved && !q->tap_broken && !q->fail)
			more |= netq_rx(q);
	}
	tap_poll_update(q);
	epoch = q->epoch;
	tell = !q->quiesced && (q->notify_rx || q->notify_tx || q->fail);
	ctrl = q->ctrl_kicked;
	q->ctrl_kicked = false;
	if (more) {
		timeout = 0;
	} else if (q->quiesced) {
		timeout = NETQ_QUIESCED_POLL_MS;
	} else if (q->rx_wait_until) {
		uint64_t now = now_ns();

		timeout = now < q->rx_wait_until ? (int)((q->rx_wait_until - now) / 1000000) + 1 : 0;
	}
	pthread_mutex_unlock(&q->lock);
	if (!tell && !ctrl)
		return timeout;
	if (!io_locked && !lock_io(q))
		return timeout;
	pthread_mutex_lock(&q->lock);
	if (q->epoch != epoch) {
		q->notify_rx = q->notify_tx = false;	/* reset since: nothing to tell */
		q->fail = NULL;
	} else if (!q->quiesced) {
		if (q->fail)
			virtio_pci_fail(d->vp, q->fail);
		else if (q->notify_rx)
			virtio_pci_notify(d->vp, rxq(q));
		if (q->notify_tx && !q->fail)
			virtio_pci_notify(d->vp, txq(q));
		q->notify_rx = q->notify_tx = false;
		q->fail = NULL;
	}
	tap_poll_update(q);
	pthread_mutex_unlock(&q->lock);
	if (ctrl && d->ctrl_kick)
		d->ctrl_kick(d);
	if (!io_locked)
		pthread_mutex_unlock(&d->vm->io_lock);
	return timeout;
}

static void on_event(struct netq *q, uint32_t tag, uint32_t events)
{
	uint64_t v;

	switch (tag) {
	case TAG_WAKE:
		if (read(q->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			warn("%s: queue pair %u: wake-up: %s", q->dev->name, q->index, strerror(errno));
		break;
	case TAG_TIMER:
		if (read(q->timer_fd, &v, sizeof(v)) >= 0 || errno != EAGAIN) {
			q->tx_throttled = false;
			q->tx_work = true;
		}
		break;
	case TAG_TAP:
		if (events & (EPOLLERR | EPOLLHUP)) {
			tap_failed(q, "the tap reports an error (was it deleted?)", 0);
			break;
		}
		if (events & EPOLLIN)
			q->rx_work = true;
		if (events & EPOLLOUT) {
			q->tx_blocked = false;
			q->tx_work = true;
		}
		break;
	case TAG_KICK_RX:
	case TAG_KICK_TX: {
		unsigned int vq = tag == TAG_KICK_RX ? rxq(q) : txq(q);

		if (read(vq_at(q, vq)->kick_fd, &v, sizeof(v)) == sizeof(v))
			mark_kick(q, vq);
		break;
	}
	}
}

static void *netq_thread(void *arg)
{
	struct netq *q = arg;
	int timeout = -1;

	vm_thread_begin(VM_THREAD_IO);
	for (;;) {
		struct epoll_event ev[8];
		int n = epoll_wait(q->epfd, ev, 8, timeout);

		if (n < 0 && errno != EINTR) {
			err("%s: queue pair %u: epoll_wait: %s; the pair stops", q->dev->name,
			    q->index, strerror(errno));
			return NULL;
		}
		pthread_mutex_lock(&q->lock);
		for (int i = 0; i < n; i++)
			on_event(q, ev[i].data.u32, ev[i].events);
		if (q->stop) {
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		pthread_mutex_unlock(&q->lock);
		timeout = netq_work(q, false);
	}
}

/* --- set-up and control -------------------------------------------------- */

int netq_init(struct netq *q, struct netq_dev *d, unsigned int index, int tap_fd)
{
	q->dev = d;
	q->index = index;
	q->tap_fd = tap_fd;
	q->epfd = q->wake_fd = q->timer_fd = -1;
	pthread_mutex_init(&q->lock, NULL);
	q->overflow = malloc(NETQ_HDR_LEN + NETQ_FRAME_MAX);
	return q->overflow ? 0 : -ENOMEM;
}

static int ep_add(struct netq *q, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(q->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int netq_start_thread(struct netq *q)
{
	sigset_t all, old;
	char name[16];
	int rc;

	q->epfd = epoll_create1(EPOLL_CLOEXEC);
	q->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	q->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (q->epfd < 0 || q->wake_fd < 0 || q->timer_fd < 0)
		return -errno;
	rc = ep_add(q, q->wake_fd, TAG_WAKE);
	if (!rc)
		rc = ep_add(q, q->timer_fd, TAG_TIMER);
	if (!rc)
		rc = ep_add(q, vq_at(q, rxq(q))->kick_fd, TAG_KICK_RX);
	if (!rc)
		rc = ep_add(q, vq_at(q, txq(q))->kick_fd, TAG_KICK_TX);
	if (rc)
		return rc;
	/* signals are the I/O thread's (a signalfd) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	snprintf(name, sizeof(name), "net-q%u", q->index);
	rc = -vm_thread_create(&q->thread, netq_thread, q, name);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return rc;
	q->thread_started = true;
	return 0;
}

void netq_end_thread(struct netq *q)
{
	if (!q->thread_started)
		return;
	pthread_mutex_lock(&q->lock);
	__atomic_store_n(&q->stop, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&q->lock);
	netq_wake(q);
	pthread_join(q->thread, NULL);
	q->thread_started = false;
}

void netq_fini(struct netq *q)
{
	if (!q->dev)
		return;		/* never set up */
	netq_end_thread(q);
	if (q->epfd >= 0)
		close(q->epfd);
	if (q->wake_fd >= 0)
		close(q->wake_fd);
	if (q->timer_fd >= 0)
		close(q->timer_fd);
	if (q->tap_fd >= 0)
		close(q->tap_fd);
	q->epfd = q->wake_fd = q->timer_fd = q->tap_fd = -1;
	free(q->overflow);
	q->overflow = NULL;
	pthread_mutex_destroy(&q->lock);
	q->dev = NULL;
}

void netq_start(struct netq *q)
{
	pthread_mutex_lock(&q->lock);
	q->run = true;
	q->rx_work = q->tx_work = true;
	q->rx_starved = false;
	pthread_mutex_unlock(&q->lock);
	netq_wake(q);
}

void netq_stop(struct netq *q, bool reset)
{
	pthread_mutex_lock(&q->lock);
	if (reset) {
		rx_forget(q);
		q->tx_blocked = false;
		q->fail = NULL;
		q->notify_rx = q->notify_tx = false;
		q->ctrl_kicked = false;
	} else if (q->run) {
		rx_give_back(q);
	}
	/*
	 * Until netq_start(), the thread leaves the rings alone: a reset goes
	 * on to clear the queues' addresses and indexes after this returns,
	 * and a driver that then reuses its ring memory must find nothing
	 * pushed into it from before.
	 */
	q->run = false;
	q->epoch++;
	pthread_mutex_unlock(&q->lock);
	netq_wake(q);
}

void netq_quiesce(struct netq *q)
{
	pthread_mutex_lock(&q->lock);
	if (q->run)
		rx_give_back(q);
	q->quiesced = true;
	pthread_mutex_unlock(&q->lock);
	netq_wake(q);
}

void netq_resume(struct netq *q)
{
	pthread_mutex_lock(&q->lock);
	resume_locked(q);
	pthread_mutex_unlock(&q->lock);
	netq_wake(q);
}

bool netq_quiesced(struct netq *q)
{
	bool r;

	pthread_mutex_lock(&q->lock);
	r = q->quiesced;
	pthread_mutex_unlock(&q->lock);
	return r;
}

void netq_kick(struct netq *q, unsigned int vq)
{
	if (q->dev->threads) {
		eventfd_write(vq_at(q, vq)->kick_fd, 1);	/* as the ioeventfd would */
		return;
	}
	pthread_mutex_lock(&q->lock);
	mark_kick(q, vq);
	pthread_mutex_unlock(&q->lock);
	netq_work(q, true);
}

void netq_poll(struct netq *q)
{
	pthread_mutex_lock(&q->lock);
	q->rx_work = true;
	pthread_mutex_unlock(&q->lock);
	netq_work(q, true);
}

void netq_add_stats(struct netq *q, struct virtio_net_stats *st)
{
	pthread_mutex_lock(&q->lock);
	st->tx_frames += q->tx_frames;
	st->tx_bytes += q->tx_bytes;
	st->tx_dropped += q->tx_dropped;
	st->tx_throttled += q->tx_throttled_count;
	st->rx_frames += q->rx_frames;
	st->rx_bytes += q->rx_bytes;
	st->rx_dropped += q->rx_dropped;
	pthread_mutex_unlock(&q->lock);
}
