/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-blk: requests are parsed from the guest's chains (hostile input:
 * a chain without a header or a status byte breaks the queue; a request
 * out of range, misaligned or on a read-only disk fails with IOERR), metered
 * by the token buckets, and handed to blkio (io_uring or threads).  A
 * batch of completions costs one interrupt per queue, fewer with EVENT_IDX.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/stat.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "io.h"
#include "log.h"
#include "loop.h"
#include "snapshot/state.h"
#include "stats.h"
#include "kvm/vm.h"
#include "virtio/blk.h"
#include "virtio/blkio.h"
#include "virtio/pci.h"

#define VIRTIO_BLK_F_SEG_MAX		(1ull << 2)
#define VIRTIO_BLK_F_RO			(1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE		(1ull << 6)
#define VIRTIO_BLK_F_FLUSH		(1ull << 9)
#define VIRTIO_BLK_F_TOPOLOGY		(1ull << 10)
#define VIRTIO_BLK_F_CONFIG_WCE		(1ull << 11)
#define VIRTIO_BLK_F_MQ			(1ull << 12)
#define VIRTIO_BLK_F_DISCARD		(1ull << 13)
#define VIRTIO_BLK_F_WRITE_ZEROES	(1ull << 14)

#define VIRTIO_BLK_T_IN			0
#define VIRTIO_BLK_T_OUT		1
#define VIRTIO_BLK_T_FLUSH		4
#define VIRTIO_BLK_T_GET_ID		8
#define VIRTIO_BLK_T_DISCARD		11
#define VIRTIO_BLK_T_WRITE_ZEROES	13

#define VIRTIO_BLK_S_OK			0
#define VIRTIO_BLK_S_IOERR		1
#define VIRTIO_BLK_S_UNSUPP		2

#define VIRTIO_BLK_WZ_F_UNMAP		1

#define BLK_QUEUE_MAX		256
#define BLK_SEG_MAX		(VIRTIO_MAX_IOV - 2)	/* data buffers of one request */
#define BLK_DISCARD_SEG_MAX	32
#define BLK_DISCARD_SECTORS_MAX	(1u << 22)		/* 2 GiB per segment */
#define BLK_CONFIG_LEN		60			/* up to write_zeroes_may_unmap */
#define NS			1000000000ull

/* A token bucket with exact refill: its level is in units of 1/NS token. */
struct blk_bucket {
	uint64_t rate, burst;	/* per second; the bucket's size */
	__int128 level;
	uint64_t last_ns;
};

struct blk_req {
	struct blkio_req io;		/* first: blkio hands this back */
	uint16_t head;
	uint8_t q;
	uint8_t type;
	uint8_t *status;		/* in guest memory */
	uint32_t used_len;
	uint64_t sector;
	uint64_t bytes;			/* data moved: what the byte bucket meters */
	void *bounce;			/* an aligned copy for O_DIRECT */
	struct iovec bounce_iov;
	unsigned int nr_iov;		/* the guest's buffers, in iov[] */
	struct blk_req *next_free;
	struct iovec iov[VIRTIO_MAX_IOV];
};

struct virtio_blk {
	struct virtio_pci vp;
	struct virtio_dev_ops ops;
	struct loop *loop;
	int fd;
	bool blockdev, read_only, discard, direct, resetting;
	char serial[VIRTIO_BLK_SERIAL_MAX];
	uint64_t capacity;		/* bytes, a multiple of 512 */
	uint64_t loaded_capacity;	/* what a loaded state says */
	uint32_t blk_size, phys_size, mem_align;
	uint8_t writeback;
	struct blkio *io;
	struct blk_req *free;
	unsigned int inflight[VIRTIO_BLK_MAX_QUEUES];
	struct blk_req *held[VIRTIO_BLK_MAX_QUEUES];	/* waiting for tokens */
	uint32_t notify_mask, stalled_mask;
	struct blk_bucket ops_b, bytes_b;
	int timer_fd;
	struct virtq_elem elem;		/* the chain being parsed */
	struct hv_vmm_diskstats own_stats;
	struct hv_vmm_diskstats *st;	/* conf->stats, or own_stats */
};

static struct virtio_blk *vblk(struct virtio_pci *vp)
{
	return vp->dev;
}

/* --- rate limits --------------------------------------------------------- */

static void bucket_init(struct blk_bucket *k, uint64_t rate, uint64_t burst)
{
	k->rate = rate;
	k->burst = burst ? burst : rate;
	k->level = (__int128)k->burst * NS;
	k->last_ns = now_ns();
}

static void bucket_refill(struct blk_bucket *k, uint64_t now)
{
	__int128 full = (__int128)k->burst * NS;

	k->level += (__int128)(now - k->last_ns) * k->rate;
	if (k->level > full)
		k->level = full;
	k->last_ns = now;
}

/* Nanoseconds until @cost can be taken (a cost above the size needs a full bucket). */
static uint64_t bucket_wait(const struct blk_bucket *k, uint64_t cost)
{
	__int128 need = (__int128)(cost < k->burst ? cost : k->burst) * NS - k->level;

	if (!k->rate || need <= 0)
		return 0;
	return (uint64_t)((need + k->rate - 1) / k->rate);
}

/* Whether @r may start now; if so its tokens are taken, else the timer is set. */
static bool blk_afford(struct virtio_blk *b, struct blk_req *r)
{
	uint64_t now, w, bytes = r->bytes;
	struct itimerspec its = { 0 };

	if (!b->ops_b.rate && !b->bytes_b.rate)
		return true;
	now = now_ns();
	bucket_refill(&b->ops_b, now);
	bucket_refill(&b->bytes_b, now);
	w = bucket_wait(&b->ops_b, 1);
	if (bucket_wait(&b->bytes_b, bytes) > w)
		w = bucket_wait(&b->bytes_b, bytes);
	if (!w) {
		if (b->ops_b.rate)
			b->ops_b.level -= NS;
		if (b->bytes_b.rate)
			b->bytes_b.level -= (__int128)bytes * NS;
		return true;
	}
	its.it_value.tv_sec = w / NS;
	its.it_value.tv_nsec = w % NS;
	if (b->timer_fd >= 0)
		timerfd_settime(b->timer_fd, 0, &its, NULL);
	return false;
}

/* --- requests ------------------------------------------------------------ */

static struct blk_req *req_get(struct virtio_blk *b)
{
	struct blk_req *r = b->free;

	if (r)
		b->free = r->next_free;
	else
		r = malloc(sizeof(*r));
	if (r)
		memset(r, 0, offsetof(struct blk_req, iov));
	return r;
}

static void req_put(struct virtio_blk *b, struct blk_req *r)
{
	free(r->bounce);
	r->bounce = NULL;
	b->inflight[r->q]--;
	r->next_free = b->free;
	b->free = r;
}

/* A request completed with @status, counted as what it was. */
static void blk_count(struct virtio_blk *b, const struct blk_req *r, uint8_t status)
{
	struct hv_vmm_diskstats *st = b->st;

	if (status != VIRTIO_BLK_S_OK) {
		vmm_stats_add(&st->err_reqs, 1);
		return;
	}
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		vmm_stats_add(&st->rd_reqs, 1);
		vmm_stats_add(&st->rd_bytes, r->bytes);
		break;
	case VIRTIO_BLK_T_OUT:
		vmm_stats_add(&st->wr_reqs, 1);
		vmm_stats_add(&st->wr_bytes, r->bytes);
		break;
	case VIRTIO_BLK_T_FLUSH:
		vmm_stats_add(&st->flush_reqs, 1);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		vmm_stats_add(&st->discard_reqs, 1);
		break;
	}
}

/* Gives @r back to the driver with @status; the interrupt waits for blk_signal(). */
static void blk_finish(struct virtio_blk *b, struct blk_req *r, uint8_t status)
{
	struct virtq_elem e = { .head = r->head };

	if (!b->resetting) {
		blk_count(b, r, status);
		*r->status = status;
		/* a live migration sends again what the request wrote into guest memory */
		vm_mark_dirty(b->vp.vm, r->status, 1);
		if (r->type != VIRTIO_BLK_T_OUT)
			for (unsigned int i = 0; i < r->nr_iov; i++)
				vm_mark_dirty(b->vp.vm, r->iov[i].iov_base, r->iov[i].iov_len);
		virtio_pci_push_only(&b->vp, r->q, &e, status == VIRTIO_BLK_S_OK ? r->used_len : 1);
		b->notify_mask |= 1u << r->q;
	}
	req_put(b, r);
}

static void blk_signal(struct virtio_blk *b)
{
	for (unsigned int q = 0; b->notify_mask; q++)
		if (b->notify_mask & (1u << q)) {
			b->notify_mask &= ~(1u << q);
			virtio_pci_notify(&b->vp, q);
		}
}

/* Fills r->iov from @n guest buffers, @skip bytes in and @cut bytes short. */
static uint64_t req_iov(struct blk_req *r, const struct iov *iov, unsigned int n, uint64_t skip,
			uint64_t cut)
{
	uint64_t total = 0, want;

	for (unsigned int i = 0; i < n; i++)
		total += iov[i].len;
	want = total > skip + cut ? total - skip - cut : 0;
	total = 0;
	r->nr_iov = 0;
	for (unsigned int i = 0; i < n && total < want; i++) {
		uint64_t l = iov[i].len;
		uint8_t *p = iov[i].base;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		p += skip;
		l -= skip;
		skip = 0;
		if (l > want - total)
			l = want - total;
		r->iov[r->nr_iov++] = (struct iovec){ p, l };
		total += l;
	}
	return total;
}

static bool blk_in_range(struct virtio_blk *b, uint64_t sector, uint64_t bytes)
{
	uint64_t sectors = b->capacity >> 9;

	return sector <= sectors && (bytes >> 9) <= sectors - sector;
}

/* O_DIRECT wants aligned memory: unaligned guest buffers go through a copy. */
static int req_bounce(struct virtio_blk *b, struct blk_req *r, uint64_t len)
{
	bool aligned = true;

	for (unsigned int i = 0; i < r->nr_iov && aligned; i++)
		aligned = !((uintptr_t)r->iov[i].iov_base % b->mem_align) &&
			  !(r->iov[i].iov_len % b->blk_size);
	if (aligned)
		return 0;
	if (posix_memalign(&r->bounce, b->mem_align, len))
		return -ENOMEM;
	if (r->io.op == BLKIO_WRITE) {
		uint64_t done = 0;

		for (unsigned int i = 0; i < r->nr_iov; i++) {
			memcpy((uint8_t *)r->bounce + done, r->iov[i].iov_base, r->iov[i].iov_len);
			done += r->iov[i].iov_len;
		}
	}
	r->bounce_iov = (struct iovec){ r->bounce, len };
	r->io.iov = &r->bounce_iov;
	r->io.nr_iov = 1;
	return 0;
}

/* DISCARD and WRITE_ZEROES of one range, done at once. */
static int blk_zero(struct virtio_blk *b, uint64_t off, uint64_t len, bool zero, bool unmap)
{
	static uint8_t zeroes[65536] __attribute__((aligned(4096)));
	int mode = FALLOC_FL_KEEP_SIZE | (zero && !unmap ? FALLOC_FL_ZERO_RANGE :
							  FALLOC_FL_PUNCH_HOLE);

	if (b->blockdev) {
		uint64_t range[2] = { off, len };

		if (!ioctl(b->fd, zero ? BLKZEROOUT : BLKDISCARD, range))
			return 0;
		return zero || errno != EOPNOTSUPP ? -errno : 0;
	}
	if (!fallocate(b->fd, mode, (off_t)off, (off_t)len))
		return 0;
	if (errno != EOPNOTSUPP && errno != ENOSYS)
		return -errno;
	if (!zero)
		return 0;		/* a discard is a hint */
	if (!(mode & FALLOC_FL_PUNCH_HOLE) &&
	    !fallocate(b->fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, (off_t)off, (off_t)len))
		return 0;
	while (len) {
		size_t n = len < sizeof(zeroes) ? len : sizeof(zeroes);
		ssize_t w = pwrite(b->fd, zeroes, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w ? -errno : -EIO;
		off += w;
		len -= w;
	}
	return 0;
}

static uint8_t blk_discard(struct virtio_blk *b, const struct virtq_elem *e, bool zero)
{
	struct { uint64_t sector; uint32_t num, flags; } seg;
	uint64_t total = 0;
	unsigned int n;

	for (unsigned int i = 0; i < e->nr_out; i++)
		total += e->out[i].len;
	total -= 16;
	if (b->read_only)
		return VIRTIO_BLK_S_IOERR;
	if (!b->discard)
		return VIRTIO_BLK_S_UNSUPP;
	if (!total || total % sizeof(seg) || total / sizeof(seg) > BLK_DISCARD_SEG_MAX)
		return VIRTIO_BLK_S_IOERR;
	n = total / sizeof(seg);
	for (unsigned int i = 0; i < n; i++) {
		virtq_iov_read(&seg, e->out, e->nr_out, 16 + i * sizeof(seg), sizeof(seg));
		seg.sector = le64toh(seg.sector);
		seg.num = le32toh(seg.num);
		seg.flags = le32toh(seg.flags);
		if (seg.flags & ~(zero ? VIRTIO_BLK_WZ_F_UNMAP : 0))
			return VIRTIO_BLK_S_UNSUPP;
		if (seg.num > BLK_DISCARD_SECTORS_MAX ||
		    !blk_in_range(b, seg.sector, (uint64_t)seg.num << 9))
			return VIRTIO_BLK_S_IOERR;
	}
	for (unsigned int i = 0; i < n; i++) {
		int rc;

		virtq_iov_read(&seg, e->out, e->nr_out, 16 + i * sizeof(seg), sizeof(seg));
		rc = blk_zero(b, le64toh(seg.sector) << 9, (uint64_t)le32toh(seg.num) << 9, zero,
			      le32toh(seg.flags) & VIRTIO_BLK_WZ_F_UNMAP);
		if (rc) {
			warn("%s: %s of sector %llu: %s", b->serial[0] ? b->serial : "virtio-blk",
			     zero ? "write-zeroes" : "discard",
			     (unsigned long long)le64toh(seg.sector), strerror(-rc));
			return VIRTIO_BLK_S_IOERR;
		}
	}
	return VIRTIO_BLK_S_OK;
}

/*
 * Turns the chain in b->elem into a request: NULL when it was finished at
 * once (or the queue is broken), else one to meter and submit.
 */
static struct blk_req *blk_parse(struct virtio_blk *b, unsigned int q)
{
	const struct virtq_elem *e = &b->elem;
	struct { uint32_t type, reserved; uint64_t sector; } hdr;
	struct iov st;
	struct blk_req *r;
	uint64_t len;

	if (virtq_iov_read(&hdr, e->out, e->nr_out, 0, sizeof(hdr)) < sizeof(hdr)) {
		virtio_pci_fail(&b->vp, "request without a 16-byte header");
		return NULL;
	}
	if (!e->nr_in || !e->in[e->nr_in - 1].len) {
		virtio_pci_fail(&b->vp, "request without a status byte");
		return NULL;
	}
	st = e->in[e->nr_in - 1];
	r = req_get(b);
	if (!r) {
		virtio_pci_fail(&b->vp, "out of memory for a request");
		return NULL;
	}
	b->inflight[q]++;
	r->head = e->head;
	r->q = q;
	r->type = le32toh(hdr.type);
	r->sector = le64toh(hdr.sector);
	r->status = (uint8_t *)st.base + st.len - 1;
	r->used_len = 1;
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		if (r->type == VIRTIO_BLK_T_IN)
			len = req_iov(r, e->in, e->nr_in, 0, 1);
		else
			len = req_iov(r, e->out, e->nr_out, sizeof(hdr), 0);
		if (r->type == VIRTIO_BLK_T_OUT && b->read_only)
			goto ioerr;
		if (r->nr_iov > BLK_SEG_MAX)	/* more than the seg_max offered */
			goto ioerr;
		if (len % 512 || !blk_in_range(b, r->sector, len) ||
		    (b->direct && ((r->sector << 9) % b->blk_size || len % b->blk_size)))
			goto ioerr;
		if (!len)
			break;
		r->io.op = r->type == VIRTIO_BLK_T_IN ? BLKIO_READ : BLKIO_WRITE;
		r->io.iov = r->iov;
		r->io.nr_iov = r->nr_iov;
		r->io.off = r->sector << 9;
		r->io.dsync = r->type == VIRTIO_BLK_T_OUT && !b->writeback;
		r->bytes = len;
		r->used_len = r->type == VIRTIO_BLK_T_IN ? len + 1 : 1;
		if (b->direct && req_bounce(b, r, len))
			goto ioerr;
		return r;
	case VIRTIO_BLK_T_FLUSH:
		r->io.op = BLKIO_FLUSH;
		return r;
	case VIRTIO_BLK_T_GET_ID: {
		char id[VIRTIO_BLK_SERIAL_MAX] = { 0 };
		uint64_t done = 0;

		memcpy(id, b->serial, sizeof(id));
		req_iov(r, e->in, e->nr_in, 0, 1);
		for (unsigned int i = 0; i < r->nr_iov && done < sizeof(id); i++) {
			size_t n = r->iov[i].iov_len < sizeof(id) - done ?
				   r->iov[i].iov_len : sizeof(id) - done;

			memcpy(r->iov[i].iov_base, id + done, n);
			done += n;
		}
		r->used_len = done + 1;
		break;
	}
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		blk_finish(b, r, blk_discard(b, e, r->type == VIRTIO_BLK_T_WRITE_ZEROES));
		return NULL;
	default:
		blk_finish(b, r, VIRTIO_BLK_S_UNSUPP);
		return NULL;
	}
	blk_finish(b, r, VIRTIO_BLK_S_OK);
	return NULL;
ioerr:
	blk_finish(b, r, VIRTIO_BLK_S_IOERR);
	return NULL;
}

static void blk_done(void *arg, struct blkio_req *io)
{
	struct virtio_blk *b = arg;
	struct blk_req *r = (struct blk_req *)io;

	if (io->result) {
		warn("%s: %s at sector %llu: %s", b->serial[0] ? b->serial : "virtio-blk",
		     io->op == BLKIO_READ ? "read" : io->op == BLKIO_WRITE ? "write" : "flush",
		     (unsigned long long)r->sector, strerror(-io->result));
	} else if (r->bounce && io->op == BLKIO_READ && !b->resetting) {
		uint64_t done = 0;

		for (unsigned int i = 0; i < r->nr_iov; i++) {
			memcpy(r->iov[i].iov_base, (uint8_t *)r->bounce + done, r->iov[i].iov_len);
			done += r->iov[i].iov_len;
		}
	}
	blk_finish(b, r, io->result ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK);
}

/* Takes every request queue @q has (and the rate limits allow) to blkio. */
static void blk_run(struct virtio_blk *b, unsigned int q)
{
	/* quiesced for a save: nothing new lands in memory until it resumes */
	if (virtio_pci_defer(&b->vp, q))
		return;
	for (;;) {
		struct blk_req *r = b->held[q];

		if (r) {
			if (!blk_afford(b, r))
				break;
			b->held[q] = NULL;
			blkio_submit(b->io, &r->io);
			continue;
		}
		if (b->inflight[q] >= b->vp.vq[q].size) {
			b->stalled_mask |= 1u << q;	/* the guest reuses heads in flight */
			break;
		}
		if (virtio_pci_pop(&b->vp, q, &b->elem) != 1)
			break;
		r = blk_parse(b, q);
		if (!r)
			continue;
		if (!blk_afford(b, r)) {
			b->held[q] = r;
			vmm_stats_add(&b->st->throttled_reqs, 1);
			break;
		}
		blkio_submit(b->io, &r->io);
	}
	blkio_commit(b->io);
	blk_signal(b);
}

static void blk_notify(struct virtio_pci *vp, unsigned int q)
{
	blk_run(vblk(vp), q);
}

/* Completions are ready (the I/O thread). */
static void blk_kick(void *opaque)
{
	struct virtio_blk *b = opaque;
	uint32_t stalled;

	pthread_mutex_lock(&b->vp.vm->io_lock);
	blkio_reap(b->io, blk_done, b);
	blk_signal(b);
	stalled = b->stalled_mask;
	b->stalled_mask = 0;
	for (unsigned int q = 0; stalled; q++)
		if (stalled & (1u << q)) {
			stalled &= ~(1u << q);
			blk_run(b, q);
		}
	pthread_mutex_unlock(&b->vp.vm->io_lock);
}

static void blk_timer(void *opaque, int fd, unsigned int events)
{
	struct virtio_blk *b = opaque;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0)
		return;
	pthread_mutex_lock(&b->vp.vm->io_lock);
	for (unsigned int q = 0; q < b->ops.nr_queues; q++)
		if (b->held[q])
			blk_run(b, q);
	pthread_mutex_unlock(&b->vp.vm->io_lock);
}

/* --- configuration space ------------------------------------------------- */

static void blk_config_read(struct virtio_pci *vp, uint32_t off, void *data, unsigned int size)
{
	struct virtio_blk *b = vblk(vp);
	uint8_t cfg[BLK_CONFIG_LEN] = { 0 };
	uint32_t phys_exp = 0, blk_sectors = b->blk_size / 512;

	while ((b->blk_size << (phys_exp + 1)) <= b->phys_size && phys_exp < 15)
		phys_exp++;
	io_put(cfg + 0, 8, b->capacity >> 9);
	io_put(cfg + 12, 4, BLK_SEG_MAX);
	io_put(cfg + 20, 4, b->blk_size);
	cfg[24] = phys_exp;
	io_put(cfg + 26, 2, 1);			/* min_io_size, in blocks */
	io_put(cfg + 28, 4, 0);			/* opt_io_size: none */
	cfg[32] = b->writeback;
	io_put(cfg + 34, 2, b->ops.nr_queues);
	io_put(cfg + 36, 4, BLK_DISCARD_SECTORS_MAX);
	io_put(cfg + 40, 4, BLK_DISCARD_SEG_MAX);
	io_put(cfg + 44, 4, blk_sectors);
	io_put(cfg + 48, 4, BLK_DISCARD_SECTORS_MAX);
	io_put(cfg + 52, 4, BLK_DISCARD_SEG_MAX);
	cfg[56] = 1;				/* write_zeroes_may_unmap */
	memcpy(data, cfg + off, size);
}

static void blk_config_write(struct virtio_pci *vp, uint32_t off, const void *data,
			     unsigned int size)
{
	struct virtio_blk *b = vblk(vp);

	if (off == 32 && size == 1 && (vp->driver_features & VIRTIO_BLK_F_CONFIG_WCE))
		b->writeback = !!*(const uint8_t *)data;
	else
		guest_warn("guest: virtio-blk: write to config offset %u ignored", off);
}

/* The driver reset the device: requests in flight finish unseen. */
static void blk_reset(struct virtio_pci *vp)
{
	struct virtio_blk *b = vblk(vp);

	b->writeback = 1;
	if (!b->io)
		return;
	b->resetting = true;
	for (unsigned int q = 0; q < VIRTIO_BLK_MAX_QUEUES; q++)
		if (b->held[q]) {
			req_put(b, b->held[q]);
			b->held[q] = NULL;
		}
	blkio_drain(b->io, blk_done, b);
	b->resetting = false;
	b->notify_mask = b->stalled_mask = 0;
}

/* --- state --------------------------------------------------------------- */

static void blk_dev_state(struct state_io *io, struct virtio_pci *vp)
{
	struct virtio_blk *b = vblk(vp);

	if (state_begin(io, "virtio-blk-dev", 1))
		return;
	b->loaded_capacity = b->capacity;
	state_u64(io, "capacity", &b->loaded_capacity);
	state_u8(io, "writeback", &b->writeback);
	if (io->loading && b->writeback > 1)
		state_fail(io, "writeback is %u", b->writeback);
	state_end(io);
}

void virtio_blk_state(struct state_io *io, struct virtio_blk *b)
{
	virtio_pci_state(io, &b->vp);
}

int virtio_blk_post_load(struct virtio_blk *b)
{
	if (b->loaded_capacity != b->capacity) {
		err("disk %s: the image was saved with %llu bytes of disk, the target has %llu now; give the domain the disk it was saved with",
		    b->serial[0] ? b->serial : "virtio-blk",
		    (unsigned long long)b->loaded_capacity, (unsigned long long)b->capacity);
		return -EINVAL;
	}
	return virtio_pci_post_load(&b->vp);
}

void virtio_blk_quiesce(struct virtio_blk *b)
{
	pthread_mutex_lock(&b->vp.vm->io_lock);
	for (unsigned int q = 0; q < VIRTIO_BLK_MAX_QUEUES; q++)
		if (b->held[q]) {
			blkio_submit(b->io, &b->held[q]->io);
			b->held[q] = NULL;
		}
	blkio_drain(b->io, blk_done, b);
	blk_signal(b);
	pthread_mutex_unlock(&b->vp.vm->io_lock);
}

int virtio_blk_sync(struct virtio_blk *b)
{
	if (b->fd < 0 || fdatasync(b->fd) == 0 || errno == EINVAL)
		return 0;	/* EINVAL: a file that cannot be synced (nothing to flush) */
	return -errno;
}

struct virtio_pci *virtio_blk_pci(struct virtio_blk *b)
{
	return &b->vp;
}

uint64_t virtio_blk_capacity(const struct virtio_blk *b)
{
	return b->capacity;
}

void virtio_blk_stats(const struct virtio_blk *b, struct hv_vmm_diskstats *st)
{
	*st = *b->st;
	memset(st->vdev, 0, sizeof(st->vdev));
}

/* --- creation ------------------------------------------------------------ */

/* Size, block sizes and O_DIRECT alignment of the open target. */
static int blk_probe(struct virtio_blk *b)
{
	struct statx sx;
	struct stat st;

	if (fstat(b->fd, &st) < 0)
		return -errno;
	b->blk_size = 512;
	b->phys_size = 512;
	if (S_ISBLK(st.st_mode)) {
		int lsz = 0;
		unsigned int psz = 0;

		b->blockdev = true;
		if (ioctl(b->fd, BLKGETSIZE64, &b->capacity) < 0)
			return -errno;
		if (!ioctl(b->fd, BLKSSZGET, &lsz) && lsz >= 512 && lsz <= 65536)
			b->blk_size = lsz;
		if (!ioctl(b->fd, BLKPBSZGET, &psz) && psz >= (unsigned int)b->blk_size &&
		    psz <= 65536)
			b->phys_size = psz;
	} else if (S_ISREG(st.st_mode)) {
		b->capacity = st.st_size;
		if (st.st_blksize >= 512 && st.st_blksize <= 65536)
			b->phys_size = st.st_blksize;
	} else {
		return -EINVAL;
	}
	b->mem_align = b->blk_size;
	if (b->direct && !statx(b->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) &&
	    (sx.stx_mask & STATX_DIOALIGN) && sx.stx_dio_offset_align) {
		if (sx.stx_dio_offset_align > b->blk_size && sx.stx_dio_offset_align <= 65536)
			b->blk_size = sx.stx_dio_offset_align;
		if (sx.stx_dio_mem_align)
			b->mem_align = sx.stx_dio_mem_align;
	}
	if (b->phys_size < b->blk_size)
		b->phys_size = b->blk_size;
	if (b->capacity % 512)
		warn("disk %s: its size is not a multiple of 512 bytes; the last %llu bytes are not seen",
		     b->serial[0] ? b->serial : "virtio-blk",
		     (unsigned long long)(b->capacity % 512));
	b->capacity -= b->capacity % 512;
	return 0;
}

static const struct virtio_dev_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = 2,
	.pci_class = 0x010000,		/* mass storage */
	.queue_max = BLK_QUEUE_MAX,
	.config_len = BLK_CONFIG_LEN,
	.config_read = blk_config_read,
	.config_write = blk_config_write,
	.queue_notify = blk_notify,
	.reset = blk_reset,
	.state = blk_dev_state,
};

int virtio_blk_create(struct virtio_blk **blk_r, struct pci_bus *bus, struct vm *vm,
		      struct loop *loop, const struct virtio_blk_conf *conf)
{
	struct virtio_blk *b = calloc(1, sizeof(*b));
	int rc;

	if (!b) {
		close(conf->fd);
		return -ENOMEM;
	}
	b->fd = conf->fd;
	b->timer_fd = -1;
	b->loop = loop;
	b->read_only = conf->read_only;
	b->discard = conf->discard;
	b->direct = conf->direct;
	b->writeback = 1;
	if (conf->serial)
		memcpy(b->serial, conf->serial, strnlen(conf->serial, sizeof(b->serial)));
	b->st = conf->stats ? conf->stats : &b->own_stats;
	rc = blk_probe(b);
	if (rc) {
		err("disk %s: the target is not a regular file or block device of a size hv can read: %s",
		    b->serial[0] ? b->serial : "?", strerror(-rc));
		goto fail;
	}
	b->ops = blk_ops;
	b->ops.nr_queues = conf->nr_queues ? conf->nr_queues : 1;
	b->ops.pci_slot = conf->pci_slot;
	if (b->ops.nr_queues > VIRTIO_BLK_MAX_QUEUES) {
		rc = -EINVAL;
		goto fail;
	}
	b->ops.features = VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH |
			  VIRTIO_BLK_F_TOPOLOGY | VIRTIO_BLK_F_CONFIG_WCE |
			  (b->ops.nr_queues > 1 ? VIRTIO_BLK_F_MQ : 0) |
			  (b->read_only ? VIRTIO_BLK_F_RO : 0) |
			  (b->discard && !b->read_only ?
			   VIRTIO_BLK_F_DISCARD | VIRTIO_BLK_F_WRITE_ZEROES : 0);
	bucket_init(&b->ops_b, conf->iops, conf->iops_burst);
	bucket_init(&b->bytes_b, conf->bps, conf->bps_burst);
	if (conf->iops || conf->bps) {
		b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (b->timer_fd < 0 || (loop && (rc = loop_add(loop, b->timer_fd, blk_timer, b)))) {
			rc = b->timer_fd < 0 ? -errno : rc;
			goto fail;
		}
	}
	rc = blkio_create(&b->io, b->fd, b->ops.nr_queues * BLK_QUEUE_MAX, loop, blk_kick, b,
			  false);
	if (rc)
		goto fail;
	rc = virtio_pci_init(&b->vp, bus, vm, loop, &b->ops, b);
	if (rc)
		goto fail;
	dbg("disk %s: %llu bytes, block %u/%u, %u queue(s), %s%s%s", b->serial,
	    (unsigned long long)b->capacity, b->blk_size, b->phys_size, b->ops.nr_queues,
	    blkio_engine(b->io), b->direct ? ", O_DIRECT" : "", b->read_only ? ", read-only" : "");
	*blk_r = b;
	return 0;
fail:
	virtio_blk_destroy(b);
	return rc;
}

void virtio_blk_destroy(struct virtio_blk *b)
{
	if (!b)
		return;
	if (b->vp.ops) {
		virtio_pci_fini(&b->vp, b->loop);
		pci_dev_remove(&b->vp.pci);
	}
	b->resetting = true;
	if (b->io) {
		for (unsigned int q = 0; q < VIRTIO_BLK_MAX_QUEUES; q++)
			if (b->held[q])
				req_put(b, b->held[q]);
		blkio_drain(b->io, blk_done, b);
		blkio_destroy(b->io);
	}
	while (b->free) {
		struct blk_req *r = b->free;

		b->free = r->next_free;
		free(r);
	}
	if (b->timer_fd >= 0) {
		if (b->loop)
			loop_del(b->loop, b->timer_fd);
		close(b->timer_fd);
	}
	close(b->fd);
	free(b);
}
