/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stream's writer: records built in place in one buffer and checked by
 * stream_check_record() before they leave it; page data queued for writev
 * from where it lies (a save does not copy guest memory), written to a file
 * in STREAM_WRITE_ALIGN pieces with a thread handing them to writeback; page
 * batches zlib-compressed on request.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>
#include "stream.h"
#include "stream-int.h"

#define STREAM_FLUSH_AT (1u << 20)
/* a regular file's written bytes go to writeback in steps of this much */
#define STREAM_WRITEBACK_STEP (8u << 20)
#define STREAM_IOV_MAX 1024

const uint8_t stream_zero_page[STREAM_PAGE_SIZE];

static void stream_header_bytes(uint8_t h[STREAM_HEADER_SIZE], uint32_t flags)
{
	memset(h, 0, STREAM_HEADER_SIZE);
	memcpy(h, STREAM_MAGIC, 8);
	le_put32(h + 8, STREAM_VERSION);
	le_put32(h + 12, flags);
	le_put32(h + 28, stream_crc(h, 28));
}

static int stream_wfail(struct stream_writer *w, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int stream_wfail(struct stream_writer *w, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = stream_vfail(&w->err, w->errmsg, sizeof(w->errmsg), rc, fmt, ap);
	va_end(ap);
	return rc;
}

static int stream_wreserve(struct stream_writer *w, size_t n)
{
	size_t cap;
	uint8_t *b;

	if (w->err)
		return w->err;
	if (n <= w->cap - w->len)
		return 0;
	cap = w->cap ? w->cap : 64 * 1024;
	while (cap - w->len < n)
		cap *= 2;
	b = realloc(w->buf, cap);
	if (!b)
		return stream_wfail(w, -ENOMEM, "out of memory for a %zu-byte stream buffer", cap);
	w->buf = b;
	w->cap = cap;
	return 0;
}

/*
 * A regular file's writeback, started by a thread of the writer's own: the
 * file system's part of it (block allocation, building the I/O) costs about
 * as much CPU as copying the bytes into the page cache, so it runs beside the
 * writes instead of between them, and the disk works while the stream is
 * still being written: the caller's final fdatasync() has little left.
 */
struct stream_wb {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more;
	int fd;
	long long base;			/* the stream's offset in the file */
	uint64_t written;		/* bytes that reached the file */
	uint64_t done;			/* bytes handed to writeback */
	bool stop;
};

static void *stream_wb_main(void *arg)
{
	struct stream_wb *wb = arg;

	pthread_mutex_lock(&wb->lock);
	for (;;) {
		uint64_t from = wb->done, to = wb->written;

		if (wb->stop)
			break;
		if (to - from < STREAM_WRITEBACK_STEP) {
			pthread_cond_wait(&wb->more, &wb->lock);
			continue;
		}
		pthread_mutex_unlock(&wb->lock);
		/* a file system without it: fdatasync does it all */
		if (sync_file_range(wb->fd, wb->base + (off_t)from, (off_t)(to - from),
				    SYNC_FILE_RANGE_WRITE) < 0) {
			pthread_mutex_lock(&wb->lock);
			break;
		}
		pthread_mutex_lock(&wb->lock);
		wb->done = to;
	}
	pthread_mutex_unlock(&wb->lock);
	return NULL;
}

/* Stops the writeback thread (what it did not hand over, fdatasync does). */
static void stream_wb_stop(struct stream_writer *w)
{
	struct stream_wb *wb = w->wb;

	if (!wb)
		return;
	pthread_mutex_lock(&wb->lock);
	wb->stop = true;
	pthread_cond_signal(&wb->more);
	pthread_mutex_unlock(&wb->lock);
	pthread_join(wb->thread, NULL);
	pthread_cond_destroy(&wb->more);
	pthread_mutex_destroy(&wb->lock);
	free(wb);
	w->wb = NULL;
}

/* Tells the writeback thread how far the file is written; starts it first. */
static void stream_writeback(struct stream_writer *w)
{
	struct stream_wb *wb = w->wb;

	if (w->file_base < 0 || w->bytes_written - w->writeback_done < STREAM_WRITEBACK_STEP)
		return;
	w->writeback_done = w->bytes_written;
	if (!wb) {
		wb = calloc(1, sizeof(*wb));
		if (!wb) {
			w->file_base = -1;
			return;
		}
		wb->fd = w->fd;
		wb->base = w->file_base;
		pthread_mutex_init(&wb->lock, NULL);
		pthread_cond_init(&wb->more, NULL);
		if (pthread_create(&wb->thread, NULL, stream_wb_main, wb)) {
			pthread_cond_destroy(&wb->more);
			pthread_mutex_destroy(&wb->lock);
			free(wb);
			w->file_base = -1;	/* no thread: fdatasync does it all */
			return;
		}
		w->wb = wb;
	}
	pthread_mutex_lock(&wb->lock);
	wb->written = w->bytes_written;
	pthread_cond_signal(&wb->more);
	pthread_mutex_unlock(&wb->lock);
}

/* writev() with w->pass_fd attached (SCM_RIGHTS); it is sent once. */
static ssize_t stream_send_fd(struct stream_writer *w, struct iovec *iov, int n)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)(n > STREAM_IOV_MAX ? STREAM_IOV_MAX : n),
			    .msg_control = c.space, .msg_controllen = sizeof(c.space) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	ssize_t k;

	memset(c.space, 0, sizeof(c.space));
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &w->pass_fd, sizeof(int));
	k = sendmsg(w->fd, &m, MSG_NOSIGNAL);
	if (k > 0)
		w->pass_fd = -1;
	return k;
}

/* Writes all of @iov[0..@n) to the fd (consuming @iov); 0 or an error. */
static int stream_writev_all(struct stream_writer *w, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t k = w->pass_fd >= 0 ? stream_send_fd(w, iov, n) :
			    writev(w->fd, iov, n > STREAM_IOV_MAX ? STREAM_IOV_MAX : n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = { .fd = w->fd, .events = POLLOUT };
			int r = poll(&p, 1, w->stall_ms > 0 ? w->stall_ms : -1);

			if (r < 0 && errno != EINTR)
				return stream_wfail(w, -errno, "waiting to write the stream at offset %" PRIu64 ": %s",
						    w->bytes_written, strerror(errno));
			if (r == 0)
				return stream_wfail(w, -ETIMEDOUT, "the stream's reader took nothing for %d s (at offset %" PRIu64 ")",
						    (w->stall_ms + 999) / 1000, w->bytes_written);
			continue;
		}
		if (k <= 0) {
			int e = k < 0 ? errno : EIO;

			return stream_wfail(w, -e, "writing the stream at offset %" PRIu64 ": %s",
					    w->bytes_written, strerror(e));
		}
		w->bytes_written += (uint64_t)k;
		while (n > 0 && (size_t)k >= iov->iov_len) {
			k -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + k;
			iov->iov_len -= (size_t)k;
		}
	}
	stream_writeback(w);
	return 0;
}

/* A piece of the stream queued for writev: page data where it lies, or w->buf's bytes. */
struct stream_seg {
	const uint8_t *p;		/* NULL: in w->buf from off */
	size_t off;
	size_t len;
};

/* Queues @len bytes for writev: at @p, or (@p NULL) w->buf's from @off. */
static int stream_wseg(struct stream_writer *w, const uint8_t *p, size_t off, size_t len)
{
	struct stream_seg *l = w->nr_segs ? &w->segs[w->nr_segs - 1] : NULL;

	if (!len)
		return 0;
	if (l && ((!p && !l->p && l->off + l->len == off) || (p && l->p && l->p + l->len == p))) {
		l->len += len;
	} else {
		if (w->nr_segs == w->segs_cap) {
			size_t cap = w->segs_cap ? 2 * w->segs_cap : 64;
			struct stream_seg *s = realloc(w->segs, cap * sizeof(*s));
			struct iovec *v = s ? realloc(w->iov, cap * sizeof(*v)) : NULL;

			if (s)
				w->segs = s;
			if (!v)
				return stream_wfail(w, -ENOMEM, "out of memory for %zu stream segments", cap);
			w->iov = v;
			w->segs_cap = cap;
		}
		w->segs[w->nr_segs++] = (struct stream_seg){ p, off, len };
	}
	w->queued += len;
	return 0;
}

/* Queues the bytes of w->buf not yet queued. */
static int stream_wqueue_buf(struct stream_writer *w)
{
	int rc = stream_wseg(w, NULL, w->buf_queued, w->len - w->buf_queued);

	if (!rc)
		w->buf_queued = w->len;
	return rc;
}

/* The stream offset that w->buf[@pos] will have (@pos past what is queued). */
static uint64_t stream_woffset(const struct stream_writer *w, size_t pos)
{
	return w->bytes_written + w->queued + (pos - w->buf_queued);
}

/*
 * Writes what is queued: all of it, or (@all false, in a regular file) what
 * ends on the last STREAM_WRITE_ALIGN boundary, keeping the rest queued so
 * that the next write starts on one.  Written bytes of w->buf are dropped.
 */
static int stream_wpush(struct stream_writer *w, bool all)
{
	uint64_t n, left;
	size_t nr_iov = 0, used = 0, from_buf = 0, i;
	int rc;

	if (w->err)
		return w->err;
	rc = stream_wqueue_buf(w);
	if (rc)
		return rc;
	n = w->queued;
	if (!all && w->file_base >= 0) {
		uint64_t pos = (uint64_t)w->file_base + w->bytes_written;
		uint64_t cut = (pos + n) & ~(uint64_t)(STREAM_WRITE_ALIGN - 1);

		n = cut > pos ? cut - pos : 0;
	}
	if (!n)
		return 0;
	for (left = n; left; nr_iov++) {
		struct stream_seg *g = &w->segs[nr_iov];
		size_t k = g->len < left ? g->len : (size_t)left;

		w->iov[nr_iov] = (struct iovec){ g->p ? (void *)g->p : w->buf + g->off, k };
		left -= k;
	}
	rc = stream_writev_all(w, w->iov, (int)nr_iov);
	if (rc)
		return rc;
	/* drop what was written, and the bytes of w->buf among it */
	for (left = n; left; used++) {
		struct stream_seg *g = &w->segs[used];
		size_t k = g->len < left ? g->len : (size_t)left;

		if (!g->p)
			from_buf += k;
		if (k < g->len) {
			g->len -= k;
			if (g->p)
				g->p += k;
			else
				g->off += k;
			break;
		}
		left -= k;
	}
	memmove(w->segs, w->segs + used, (w->nr_segs - used) * sizeof(*w->segs));
	w->nr_segs -= used;
	w->queued -= n;
	memmove(w->buf, w->buf + from_buf, w->len - from_buf);
	w->len -= from_buf;
	w->buf_queued -= from_buf;
	for (i = 0; i < w->nr_segs; i++)
		if (!w->segs[i].p)
			w->segs[i].off -= from_buf;
	return 0;
}

int stream_writer_flush(struct stream_writer *w)
{
	return stream_wpush(w, true);
}

uint64_t stream_writer_unread(const struct stream_writer *w)
{
	struct stat st;
	int n = 0;

	if (fstat(w->fd, &st) < 0)
		return 0;
	/* FIONREAD on a socket would count what came the other way */
	if (S_ISSOCK(st.st_mode) && ioctl(w->fd, SIOCOUTQ, &n) == 0 && n > 0)
		return (uint64_t)n;
	if (S_ISFIFO(st.st_mode) && ioctl(w->fd, FIONREAD, &n) == 0 && n > 0)
		return (uint64_t)n;
	return 0;
}

int stream_writer_init(struct stream_writer *w, int fd, uint32_t flags)
{
	struct stat st;
	off_t base;
	int rc;

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->pass_fd = -1;
	w->flags = flags;
	w->file_base = -1;
	w->order.stream_flags = flags;
	if (flags & ~STREAM_F_ALL)
		return stream_wfail(w, -EINVAL, "unknown stream flags 0x%x", flags & ~STREAM_F_ALL);
	if (flags & STREAM_F_SEALED)
		return stream_wfail(w, -EINVAL, "a stream is sealed by stream_writer_set_key(), not by its flags");
	if ((flags & STREAM_F_ALIGNED) && (flags & STREAM_F_COMPRESSED))
		return stream_wfail(w, -EINVAL, "an aligned stream cannot be compressed");
	base = lseek(fd, 0, SEEK_CUR);
	if ((flags & STREAM_F_ALIGNED) && base > 0 && base % STREAM_PAGE_SIZE)
		return stream_wfail(w, -EINVAL, "an aligned stream must start at a multiple of 4096 in its file, not %lld",
				    (long long)base);
	if (base >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode))
		w->file_base = base;
	rc = stream_wreserve(w, STREAM_HEADER_SIZE);
	if (rc)
		return rc;
	stream_header_bytes(w->buf, flags);
	w->len = STREAM_HEADER_SIZE;
	return 0;
}

int stream_writer_set_key(struct stream_writer *w, const uint8_t key[STREAM_KEY_SIZE])
{
	uint8_t nonce[STREAM_NONCE_SIZE], mac[STREAM_MAC_SIZE];
	size_t got = 0;
	int rc;

	if (w->err)
		return w->err;
	if (w->seal || w->order.records || w->bytes_written || w->len != STREAM_HEADER_SIZE)
		return stream_wfail(w, -EINVAL, "a stream is sealed once, before its first record");
	while (got < sizeof(nonce)) {
		ssize_t k = getrandom(nonce + got, sizeof(nonce) - got, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return stream_wfail(w, -errno, "no random nonce for the seal: %s", strerror(errno));
		got += (size_t)k;
	}
	rc = stream_wreserve(w, STREAM_SEAL_SIZE);
	if (rc)
		return rc;
	w->seal = stream_seal_new(key);
	if (!w->seal)
		return stream_wfail(w, -ENOMEM, "out of memory for the seal");
	w->flags |= STREAM_F_SEALED;
	w->order.stream_flags |= STREAM_F_SEALED;
	stream_header_bytes(w->buf, w->flags);
	stream_seal_start(w->seal, w->buf, nonce, mac);
	memcpy(w->buf + w->len, nonce, sizeof(nonce));
	memcpy(w->buf + w->len + STREAM_NONCE_SIZE, mac, sizeof(mac));
	w->len += STREAM_SEAL_SIZE;
	return 0;
}

void stream_writer_fini(struct stream_writer *w)
{
	stream_seal_free(w->seal);
	w->seal = NULL;
	stream_wb_stop(w);
	free(w->segs);
	free(w->iov);
	w->segs = NULL;
	w->iov = NULL;
	w->nr_segs = w->segs_cap = w->buf_queued = 0;
	w->queued = 0;
	if (w->z) {
		deflateEnd(w->z);
		free(w->z);
		w->z = NULL;
	}
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

/*
 * Records are built in place in w->buf: stream_wbegin() reserves the record
 * header, the caller appends the body, stream_wfinish() checks it, pads it
 * and adds header and trailer (or drops it again when the check fails).
 */
static int stream_wbegin(struct stream_writer *w, size_t body_max, size_t *start_r)
{
	int rc;

	if (w->err)
		return w->err;
	if (body_max > STREAM_RECORD_MAX)
		return stream_wfail(w, -STREAM_E_LENGTH, "record %u: body of %zu bytes is over the %u-byte limit",
				    w->order.records, body_max, STREAM_RECORD_MAX);
	rc = stream_wreserve(w, STREAM_RECORD_HEADER_SIZE + stream_pad8(body_max) +
			     stream_trailer_size(w->flags));
	if (rc)
		return rc;
	*start_r = w->len;
	w->len += STREAM_RECORD_HEADER_SIZE;
	return 0;
}

/* A record whose @len-byte body starts zeroed; returns the body or NULL. */
static uint8_t *stream_wbody(struct stream_writer *w, size_t len, size_t *start_r)
{
	uint8_t *b;

	if (stream_wbegin(w, len, start_r))
		return NULL;
	b = w->buf + w->len;
	memset(b, 0, len);
	w->len += len;
	return b;
}

/*
 * Seals the record begun at @start: its body is what follows the header in
 * w->buf, then the @nr_data pages at @data, which are queued to be written
 * straight from where they are (writev: a save does not copy guest memory)
 * and must not change before they are written: before stream_write_pages()
 * returns, or the next flush with w->pages_stable.  Checks the record first
 * and drops it again when the check fails.
 */
static int stream_wseal(struct stream_writer *w, size_t start, uint32_t type,
			uint32_t flags, const void *const *data, uint32_t nr_data)
{
	uint8_t *h = w->buf + start;
	size_t len = w->len - start - STREAM_RECORD_HEADER_SIZE +
		     (size_t)nr_data * STREAM_PAGE_SIZE;
	size_t pad = stream_pad8(len) - len;
	uint64_t rec_offset = stream_woffset(w, start);
	struct stream_record rec;
	struct stream_msg m;
	char where[96];
	uint32_t crc;
	int rc;

	stream_where(where, sizeof(where), w->order.records, type, rec_offset);
	rc = stream_check_record(&w->order, type, flags, h + STREAM_RECORD_HEADER_SIZE,
				 (uint32_t)len, rec_offset, &rec, &m);
	if (rc) {
		w->len = start;
		return stream_wfail(w, rc, "%s: %s", where, m.text);
	}
	le_put32(h, type);
	le_put32(h + 4, flags);
	le_put32(h + 8, (uint32_t)len);
	le_put32(h + 12, 0);
	crc = stream_crc(h, w->len - start);
	if (w->seal) {
		stream_seal_begin(w->seal);
		stream_seal_update(w->seal, h, w->len - start);
	}
	if (nr_data) {
		rc = stream_wqueue_buf(w);
		for (uint32_t i = 0; !rc && i < nr_data; i++) {
			crc = stream_crc_update(crc, data[i], STREAM_PAGE_SIZE);
			if (w->seal)
				stream_seal_update(w->seal, data[i], STREAM_PAGE_SIZE);
			rc = stream_wseg(w, data[i], 0, STREAM_PAGE_SIZE);
		}
		if (rc)
			return rc;
	}
	/* the trailer: room for it was reserved with the record */
	memset(w->buf + w->len, 0, pad);
	w->len += pad;
	le_put32(w->buf + w->len, stream_crc_update(crc, w->buf + w->len - pad, pad));
	le_put32(w->buf + w->len + 4, 0);
	w->len += STREAM_RECORD_TRAILER_SIZE;
	if (w->seal) {
		/* the MAC of the previous MAC and all of this record up to here */
		stream_seal_update(w->seal, w->buf + w->len - STREAM_RECORD_TRAILER_SIZE - pad,
				   pad + STREAM_RECORD_TRAILER_SIZE);
		stream_seal_end(w->seal, w->buf + w->len);
		w->len += STREAM_MAC_SIZE;
	}
	if (nr_data)
		return stream_wpush(w, false);
	return w->len - w->buf_queued >= STREAM_FLUSH_AT ? stream_writer_flush(w) : 0;
}

static int stream_wfinish(struct stream_writer *w, size_t start, uint32_t type,
			  uint32_t flags)
{
	return stream_wseal(w, start, type, flags, NULL, 0);
}

int stream_write_record(struct stream_writer *w, uint32_t type, uint32_t flags,
			const void *body, size_t len)
{
	size_t start = 0;
	uint8_t *b = stream_wbody(w, len, &start);

	if (!b)
		return w->err;
	if (len)
		memcpy(b, body, len);
	return stream_wfinish(w, start, type, flags);
}

int stream_write_cpu_policy(struct stream_writer *w, const struct stream_cpuid *e,
			    size_t n)
{
	size_t start = 0;
	uint8_t *b = stream_wbody(w, 8 + 32 * n, &start);

	if (!b)
		return w->err;
	le_put32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = b + 8 + 32 * i;

		le_put32(p, e[i].function);
		le_put32(p + 4, e[i].index);
		le_put32(p + 8, e[i].flags);
		le_put32(p + 12, e[i].eax);
		le_put32(p + 16, e[i].ebx);
		le_put32(p + 20, e[i].ecx);
		le_put32(p + 24, e[i].edx);
	}
	return stream_wfinish(w, start, STREAM_REC_CPU_POLICY, 0);
}

int stream_write_layout(struct stream_writer *w, const struct stream_region *r,
			size_t n)
{
	size_t start = 0;
	uint64_t total = 0;
	uint8_t *b = stream_wbody(w, 16 + 16 * n, &start);

	if (!b)
		return w->err;
	le_put32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		le_put64(b + 16 + 16 * i, r[i].gpa);
		le_put64(b + 24 + 16 * i, r[i].size);
		total += r[i].size;
	}
	le_put64(b + 8, total);
	return stream_wfinish(w, start, STREAM_REC_MEMORY_LAYOUT, 0);
}

int stream_write_vcpu(struct stream_writer *w, uint32_t id, const void *state,
		      size_t len)
{
	size_t start = 0;
	uint8_t *b = stream_wbody(w, 8 + len, &start);

	if (!b)
		return w->err;
	le_put32(b, id);
	if (len)
		memcpy(b + 8, state, len);
	return stream_wfinish(w, start, STREAM_REC_VCPU_STATE, 0);
}

/*
 * Deflates the @nr pages at @pg to w->buf + w->len; *size_r is the size, or
 * 0 when it would not be smaller than the pages.  Returns 0 or an error.
 */
static int stream_wdeflate(struct stream_writer *w, const void *const *pg,
			   uint32_t nr, size_t *size_r)
{
	z_stream *z = w->z;
	size_t room = (size_t)nr * STREAM_PAGE_SIZE;
	int zr = Z_OK;

	if (!z) {
		z = calloc(1, sizeof(*z));
		if (!z)
			return stream_wfail(w, -ENOMEM, "out of memory for the compressor");
		if (deflateInit(z, Z_BEST_SPEED) != Z_OK) {
			free(z);
			return stream_wfail(w, -ENOMEM, "cannot start the compressor");
		}
		w->z = z;
	} else if (deflateReset(z) != Z_OK) {
		return stream_wfail(w, -EIO, "cannot reset the compressor");
	}
	*size_r = 0;
	z->next_out = w->buf + w->len;
	z->avail_out = (uInt)room;
	for (uint32_t i = 0; i < nr; i++) {
		z->next_in = (Bytef *)pg[i];
		z->avail_in = STREAM_PAGE_SIZE;
		zr = deflate(z, i + 1 < nr ? Z_NO_FLUSH : Z_FINISH);
		if (zr == Z_STREAM_END)
			break;
		if ((zr != Z_OK && zr != Z_BUF_ERROR) || !z->avail_out)
			return 0;	/* no smaller than the pages */
	}
	if (zr != Z_STREAM_END)
		return 0;
	*size_r = room - z->avail_out;
	return 0;
}

/* One PAGE_BATCH of the @n pages @pfns, whose bytes are at @pg (NULL: zero). */
static int stream_write_batch(struct stream_writer *w, const uint64_t *pfns,
			      const void **pg, uint32_t n, bool compress)
{
	uint32_t nr_data = 0, data_off;
	size_t start = 0, zsize = 0, max;
	uint8_t *b;
	int rc;

	max = 16 + 8 * n + STREAM_PAGE_SIZE + (compress ? (size_t)n * STREAM_PAGE_SIZE : 0);
	rc = stream_wbegin(w, max, &start);
	if (rc)
		return rc;
	b = w->buf + w->len;
	for (uint32_t i = 0; i < n; i++) {
		le_put64(b + 16 + 8 * i, pfns[i] | (pg[i] ? 0 : STREAM_PFN_ZERO));
		if (pg[i])
			pg[nr_data++] = pg[i];
	}
	data_off = stream_batch_data_offset(w->flags, stream_woffset(w, start), n, nr_data);
	memset(b + 16 + 8 * n, 0, data_off - 16 - 8 * n);
	w->len += data_off;
	if (compress && nr_data) {
		rc = stream_wdeflate(w, pg, nr_data, &zsize);
		if (rc)
			return rc;
	}
	le_put32(b, n);
	le_put32(b + 4, zsize ? STREAM_BATCH_COMPRESSED : 0);
	le_put32(b + 8, data_off);
	le_put32(b + 12, zsize ? (uint32_t)zsize : nr_data * STREAM_PAGE_SIZE);
	if (zsize) {
		w->len += zsize;
		rc = stream_wfinish(w, start, STREAM_REC_PAGE_BATCH, 0);
	} else {
		rc = stream_wseal(w, start, STREAM_REC_PAGE_BATCH, 0, pg, nr_data);
	}
	if (!rc)
		w->data_bytes += zsize ? zsize : (uint64_t)nr_data * STREAM_PAGE_SIZE;
	return rc;
}

int stream_write_pages(struct stream_writer *w, const uint64_t *pfns, size_t n,
		       stream_page_getter get, void *opaque, bool compress)
{
	uint64_t bp[STREAM_BATCH_MAX];
	const void *pg[STREAM_BATCH_MAX];
	bool live = w->flags & STREAM_F_LIVE;
	uint32_t k = 0;
	int rc = w->err;

	if (!rc && compress && !(w->flags & STREAM_F_COMPRESSED))
		rc = stream_wfail(w, -EINVAL, "compressed pages in a stream started without STREAM_F_COMPRESSED");
	for (size_t i = 0; !rc && i < n; i++) {
		const void *p;

		if (pfns[i] > STREAM_PFN_MAX)
			return stream_wfail(w, -STREAM_E_PFN, "pfn 0x%" PRIx64 " is beyond 52-bit addresses", pfns[i]);
		p = get(opaque, pfns[i]);
		if (!p)
			return stream_wfail(w, -EFAULT, "no data for guest page 0x%" PRIx64, pfns[i]);
		w->pages++;
		if (p == stream_zero_page || stream_all_zero(p, STREAM_PAGE_SIZE)) {
			w->zero_pages++;
			if (!live)
				continue;	/* a page a saved image leaves out is zero */
			p = NULL;		/* a later pass may zero a page sent before */
		}
		bp[k] = pfns[i];
		pg[k++] = p;
		if (k == STREAM_BATCH_MAX) {
			rc = stream_write_batch(w, bp, pg, k, compress);
			k = 0;
		}
	}
	if (!rc && k)
		rc = stream_write_batch(w, bp, pg, k, compress);
	if (!rc && !w->pages_stable)
		rc = stream_writer_flush(w);	/* the pages may change once this returns */
	return rc;
}

int stream_write_end(struct stream_writer *w)
{
	uint8_t b[16];
	int rc;

	le_put64(b, w->order.records);
	le_put64(b + 8, w->order.pages);
	rc = stream_write_record(w, STREAM_REC_END, 0, b, sizeof(b));
	if (!rc)
		rc = stream_writer_flush(w);
	stream_wb_stop(w);
	return rc;
}
