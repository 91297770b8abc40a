/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The save image and migration stream: writer and reader.  The format is
 * docs/save-stream.md; stream_check_record() is its rules, applied by the
 * writer to what it is about to emit and by the reader to what it received.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <isa-l/crc.h>
#include <zlib.h>
#include "stream.h"

#define STREAM_FLUSH_AT (1u << 20)
/* a regular file's written bytes go to writeback in steps of this much */
#define STREAM_WRITEBACK_STEP (8u << 20)
#define STREAM_IOV_MAX 1024

const uint8_t stream_zero_page[STREAM_PAGE_SIZE];
#define STREAM_MSG_MAX 200

static uint32_t stream_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t stream_get64(const uint8_t *p)
{
	return (uint64_t)stream_get32(p) | (uint64_t)stream_get32(p + 4) << 32;
}

static void stream_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void stream_put64(uint8_t *p, uint64_t v)
{
	stream_put32(p, (uint32_t)v);
	stream_put32(p + 4, (uint32_t)(v >> 32));
}

/*
 * CRC-32 (IEEE 802.3, reflected: zlib's crc32()) continued from @crc over
 * @len bytes.  ISA-L's folding implementation runs at memory speed, several
 * times zlib's; the page data of a save is most of what it covers.
 */
static uint32_t stream_crc_update(uint32_t crc, const void *p, size_t len)
{
	return crc32_gzip_refl(crc, (const unsigned char *)p, len);
}

static uint32_t stream_crc(const uint8_t *p, size_t len)
{
	return stream_crc_update(0, p, len);
}

static size_t stream_pad8(size_t len)
{
	return (len + 7) & ~(size_t)7;
}

static bool stream_all_zero(const uint8_t *p, size_t len)
{
	return !len || (!p[0] && !memcmp(p, p + 1, len - 1));
}

const char *stream_strerror(int rc)
{
	static const char *const names[] = {
		[STREAM_E_MAGIC - STREAM_E_MAGIC] = "not a save stream (bad magic)",
		[STREAM_E_VERSION - STREAM_E_MAGIC] = "unsupported stream version",
		[STREAM_E_HEADER - STREAM_E_MAGIC] = "bad stream header",
		[STREAM_E_CRC - STREAM_E_MAGIC] = "CRC mismatch",
		[STREAM_E_TRUNCATED - STREAM_E_MAGIC] = "truncated stream",
		[STREAM_E_LENGTH - STREAM_E_MAGIC] = "bad record length",
		[STREAM_E_RESERVED - STREAM_E_MAGIC] = "non-zero reserved field or padding",
		[STREAM_E_TYPE - STREAM_E_MAGIC] = "unknown record type or flags",
		[STREAM_E_ORDER - STREAM_E_MAGIC] = "record out of order or missing",
		[STREAM_E_BODY - STREAM_E_MAGIC] = "malformed record body",
		[STREAM_E_PFN - STREAM_E_MAGIC] = "page outside the memory layout or out of order",
		[STREAM_E_DUPLICATE - STREAM_E_MAGIC] = "duplicate record",
		[STREAM_E_COMPRESS - STREAM_E_MAGIC] = "bad compressed page data",
		[STREAM_E_TRAILING - STREAM_E_MAGIC] = "data after the END record",
	};
	int e = -rc;

	if (e >= STREAM_E_MAGIC && e <= STREAM_E_TRAILING)
		return names[e - STREAM_E_MAGIC];
	if (e > 0)
		return strerror(e);
	return "success";
}

const char *stream_type_name(uint32_t type)
{
	static const char *const names[] = {
		[STREAM_REC_END] = "END",
		[STREAM_REC_DOMAIN_CONFIG] = "DOMAIN_CONFIG",
		[STREAM_REC_CPU_POLICY] = "CPU_POLICY",
		[STREAM_REC_MEMORY_LAYOUT] = "MEMORY_LAYOUT",
		[STREAM_REC_PAGE_BATCH] = "PAGE_BATCH",
		[STREAM_REC_VM_STATE] = "VM_STATE",
		[STREAM_REC_VCPU_STATE] = "VCPU_STATE",
		[STREAM_REC_DEVICE_STATE] = "DEVICE_STATE",
	};

	if (type < sizeof(names) / sizeof(names[0]))
		return names[type];
	return NULL;
}

bool stream_layout_has_pfn(const struct stream_layout *l, uint64_t pfn)
{
	uint64_t gpa;

	if (pfn > STREAM_PFN_MAX)
		return false;
	gpa = pfn * STREAM_PAGE_SIZE;
	for (uint32_t i = 0; i < l->nr; i++)
		if (gpa >= l->regions[i].gpa &&
		    gpa - l->regions[i].gpa < l->regions[i].size)
			return true;
	return false;
}

/* ---- The rules, shared by writer and reader ---- */

struct stream_msg {
	char text[STREAM_MSG_MAX];
};

static int stream_refuse(struct stream_msg *m, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int stream_refuse(struct stream_msg *m, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->text, sizeof(m->text), fmt, ap);
	va_end(ap);
	return -code;
}

static int stream_check_cpu_policy(const uint8_t *b, uint32_t len,
				   struct stream_msg *m)
{
	uint32_t n;

	if (len < 8)
		return stream_refuse(m, STREAM_E_LENGTH, "body of %u bytes is shorter than its 8-byte count", len);
	n = stream_get32(b);
	if (stream_get32(b + 4))
		return stream_refuse(m, STREAM_E_RESERVED, "reserved word at body offset 4 is not zero");
	if (!n || n > STREAM_CPUID_MAX)
		return stream_refuse(m, STREAM_E_BODY, "%u CPUID leaves (1 to %u allowed)", n, STREAM_CPUID_MAX);
	if (len != 8 + 32 * n)
		return stream_refuse(m, STREAM_E_LENGTH, "%u CPUID leaves need %u bytes, body has %u", n, 8 + 32 * n, len);
	for (uint32_t i = 0; i < n; i++)
		if (stream_get32(b + 8 + 32 * i + 28))
			return stream_refuse(m, STREAM_E_RESERVED, "CPUID leaf %u: reserved word is not zero", i);
	return 0;
}

static int stream_check_layout(struct stream_order *o, const uint8_t *b,
			       uint32_t len, struct stream_msg *m)
{
	struct stream_layout *l = &o->layout;
	uint64_t total, sum = 0, end = 0;
	uint32_t n;

	if (len < 16)
		return stream_refuse(m, STREAM_E_LENGTH, "body of %u bytes is shorter than 16", len);
	n = stream_get32(b);
	if (stream_get32(b + 4))
		return stream_refuse(m, STREAM_E_RESERVED, "reserved word at body offset 4 is not zero");
	total = stream_get64(b + 8);
	if (!n || n > STREAM_REGIONS_MAX)
		return stream_refuse(m, STREAM_E_BODY, "%u regions (1 to %u allowed)", n, STREAM_REGIONS_MAX);
	if (len != 16 + 16 * n)
		return stream_refuse(m, STREAM_E_LENGTH, "%u regions need %u bytes, body has %u", n, 16 + 16 * n, len);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t gpa = stream_get64(b + 16 + 16 * i);
		uint64_t size = stream_get64(b + 24 + 16 * i);

		if ((gpa | size) & (STREAM_PAGE_SIZE - 1) || !size)
			return stream_refuse(m, STREAM_E_BODY, "region %u (0x%" PRIx64 ", 0x%" PRIx64 " bytes) is empty or not 4 KiB aligned", i, gpa, size);
		if (gpa < end)
			return stream_refuse(m, STREAM_E_BODY, "region %u at 0x%" PRIx64 " overlaps or precedes the one before", i, gpa);
		if (size > ((STREAM_PFN_MAX + 1) << 12) - gpa)
			return stream_refuse(m, STREAM_E_BODY, "region %u at 0x%" PRIx64 " ends beyond 52-bit addresses", i, gpa);
		end = gpa + size;
		sum += size;
	}
	if (sum != total)
		return stream_refuse(m, STREAM_E_BODY, "total 0x%" PRIx64 " is not the sum of the regions (0x%" PRIx64 ")", total, sum);
	l->nr = n;
	l->total = total;
	for (uint32_t i = 0; i < n; i++) {
		l->regions[i].gpa = stream_get64(b + 16 + 16 * i);
		l->regions[i].size = stream_get64(b + 24 + 16 * i);
	}
	return 0;
}

/* Where the data of a batch with @count entries starts in its body. */
static uint32_t stream_batch_data_offset(uint32_t stream_flags, uint64_t rec_offset,
					 uint32_t count, uint32_t nr_data)
{
	uint32_t off = 16 + 8 * count;
	uint64_t at = rec_offset + STREAM_RECORD_HEADER_SIZE + off;

	if ((stream_flags & STREAM_F_ALIGNED) && nr_data)
		off += (STREAM_PAGE_SIZE - at % STREAM_PAGE_SIZE) % STREAM_PAGE_SIZE;
	return off;
}

static int stream_check_batch(struct stream_order *o, const uint8_t *b, uint32_t len,
			      uint64_t rec_offset, struct stream_batch *bt,
			      struct stream_msg *m)
{
	uint32_t count, bflags, data_off, data_len, nr_data = 0, want;
	uint64_t next = o->next_pfn, prev = 0;

	if (len < 16)
		return stream_refuse(m, STREAM_E_LENGTH, "body of %u bytes is shorter than 16", len);
	count = stream_get32(b);
	bflags = stream_get32(b + 4);
	data_off = stream_get32(b + 8);
	data_len = stream_get32(b + 12);
	if (!count || count > STREAM_BATCH_MAX)
		return stream_refuse(m, STREAM_E_BODY, "%u pages (1 to %u allowed)", count, STREAM_BATCH_MAX);
	if (bflags & ~STREAM_BATCH_COMPRESSED)
		return stream_refuse(m, STREAM_E_RESERVED, "unknown batch flags 0x%x", bflags);
	if ((bflags & STREAM_BATCH_COMPRESSED) && !(o->stream_flags & STREAM_F_COMPRESSED))
		return stream_refuse(m, STREAM_E_BODY, "compressed batch in a stream whose header does not allow compression");
	if (len < 16 + 8 * count)
		return stream_refuse(m, STREAM_E_LENGTH, "%u pfns need %u bytes, body has %u", count, 16 + 8 * count, len);
	for (uint32_t i = 0; i < count; i++) {
		uint64_t e = stream_get64(b + 16 + 8 * i);
		uint64_t pfn = e & ~STREAM_PFN_ZERO;

		if (pfn > STREAM_PFN_MAX)
			return stream_refuse(m, STREAM_E_PFN, "entry %u: pfn 0x%" PRIx64 " has reserved bits set", i, pfn);
		if (!stream_layout_has_pfn(&o->layout, pfn))
			return stream_refuse(m, STREAM_E_PFN, "entry %u: pfn 0x%" PRIx64 " is outside the memory layout", i, pfn);
		if (i && pfn <= prev)
			return stream_refuse(m, STREAM_E_PFN, "entry %u: pfn 0x%" PRIx64 " does not follow 0x%" PRIx64 " (pfns ascend within a batch)", i, pfn, prev);
		if (!(o->stream_flags & STREAM_F_LIVE) && pfn < next)
			return stream_refuse(m, STREAM_E_PFN, "entry %u: pfn 0x%" PRIx64 " was sent already or is out of order (pfns ascend through a saved image)", i, pfn);
		prev = pfn;
		if (!(e & STREAM_PFN_ZERO))
			nr_data++;
	}
	want = stream_batch_data_offset(o->stream_flags, rec_offset, count, nr_data);
	if (data_off != want)
		return stream_refuse(m, STREAM_E_BODY, "page data at body offset %u, expected %u", data_off, want);
	if (data_off > len)
		return stream_refuse(m, STREAM_E_LENGTH, "page data at body offset %u, past the %u-byte body", data_off, len);
	if (!stream_all_zero(b + 16 + 8 * count, data_off - 16 - 8 * count))
		return stream_refuse(m, STREAM_E_RESERVED, "alignment padding before the page data is not zero");
	if ((uint64_t)data_off + data_len != len)
		return stream_refuse(m, STREAM_E_LENGTH, "%u bytes of data at body offset %u do not end the %u-byte body", data_len, data_off, len);
	if (bflags & STREAM_BATCH_COMPRESSED) {
		if (!nr_data || !data_len)
			return stream_refuse(m, STREAM_E_BODY, "compressed batch with no page data");
	} else if (data_len != nr_data * STREAM_PAGE_SIZE) {
		return stream_refuse(m, STREAM_E_LENGTH, "%u pages with data need %u bytes, batch has %u", nr_data, nr_data * STREAM_PAGE_SIZE, data_len);
	}
	bt->count = count;
	bt->nr_data = nr_data;
	bt->compressed = bflags & STREAM_BATCH_COMPRESSED;
	bt->pfns = b + 16;
	bt->data = b + data_off;
	bt->data_file_offset = bt->compressed ? STREAM_NO_OFFSET :
			       rec_offset + STREAM_RECORD_HEADER_SIZE + data_off;
	o->pages += count;
	o->zero_pages += count - nr_data;
	if (!(o->stream_flags & STREAM_F_LIVE))
		o->next_pfn = prev + 1;
	return 0;
}

static int stream_check_end(struct stream_order *o, const uint8_t *b, uint32_t len,
			    struct stream_msg *m)
{
	uint64_t records, pages;

	if (len != 16)
		return stream_refuse(m, STREAM_E_LENGTH, "body of %u bytes, END has 16", len);
	if (!o->have_layout)
		return stream_refuse(m, STREAM_E_ORDER, "END before any MEMORY_LAYOUT");
	if (!o->have_vm)
		return stream_refuse(m, STREAM_E_ORDER, "END but no VM_STATE was sent");
	if (!o->nr_vcpus)
		return stream_refuse(m, STREAM_E_ORDER, "END but no VCPU_STATE was sent");
	records = stream_get64(b);
	pages = stream_get64(b + 8);
	if (records != o->records)
		return stream_refuse(m, STREAM_E_BODY, "END counts %" PRIu64 " records before it, the stream had %u", records, o->records);
	if (pages != o->pages)
		return stream_refuse(m, STREAM_E_BODY, "END counts %" PRIu64 " pages, the stream had %" PRIu64, pages, o->pages);
	return 0;
}

/*
 * Applies every rule to one record at stream offset @rec_offset and, if it
 * passes, records it in @o and describes it in @rec.  Returns 0 or
 * -STREAM_E_* with the reason in @m.
 */
static int stream_check_record(struct stream_order *o, uint32_t type, uint32_t flags,
			       const uint8_t *body, uint32_t len, uint64_t rec_offset,
			       struct stream_record *rec, struct stream_msg *m)
{
	int rc = 0;

	memset(rec, 0, sizeof(*rec));
	rec->index = o->records;
	rec->offset = rec_offset;
	rec->type = type;
	rec->flags = flags;
	rec->len = len;
	rec->body = body;
	if (o->ended)
		return stream_refuse(m, STREAM_E_ORDER, "record after END");
	if (len > STREAM_RECORD_MAX)
		return stream_refuse(m, STREAM_E_LENGTH, "body of %u bytes is over the %u-byte limit", len, STREAM_RECORD_MAX);
	if (!stream_type_name(type)) {
		if (flags & ~STREAM_RF_OPTIONAL)
			return stream_refuse(m, STREAM_E_TYPE, "unknown flags 0x%x", flags);
		if (!(flags & STREAM_RF_OPTIONAL))
			return stream_refuse(m, STREAM_E_TYPE, "unknown record type %u is not marked optional", type);
		if (!o->have_config)
			return stream_refuse(m, STREAM_E_ORDER, "the first record must be DOMAIN_CONFIG");
		rec->unknown = true;
		goto out;
	}
	if (flags)
		return stream_refuse(m, STREAM_E_TYPE, "flags 0x%x on a record type that takes none", flags);
	if (!o->have_config && type != STREAM_REC_DOMAIN_CONFIG)
		return stream_refuse(m, STREAM_E_ORDER, "the first record must be DOMAIN_CONFIG");
	if (!o->have_layout && type != STREAM_REC_DOMAIN_CONFIG &&
	    type != STREAM_REC_CPU_POLICY && type != STREAM_REC_MEMORY_LAYOUT)
		return stream_refuse(m, STREAM_E_ORDER, "comes before MEMORY_LAYOUT");

	switch (type) {
	case STREAM_REC_DOMAIN_CONFIG:
		if (o->have_config)
			return stream_refuse(m, STREAM_E_DUPLICATE, "a second DOMAIN_CONFIG");
		if (!len || len > STREAM_CONFIG_MAX)
			return stream_refuse(m, STREAM_E_LENGTH, "%u bytes of configuration (1 to %u allowed)", len, STREAM_CONFIG_MAX);
		if (memchr(body, 0, len))
			return stream_refuse(m, STREAM_E_BODY, "NUL byte at body offset %zu of the JSON text", (size_t)((const uint8_t *)memchr(body, 0, len) - body));
		o->have_config = true;
		break;
	case STREAM_REC_CPU_POLICY:
		if (o->have_policy)
			return stream_refuse(m, STREAM_E_DUPLICATE, "a second CPU_POLICY");
		if (o->have_layout)
			return stream_refuse(m, STREAM_E_ORDER, "CPU_POLICY after MEMORY_LAYOUT");
		rc = stream_check_cpu_policy(body, len, m);
		if (rc)
			return rc;
		o->have_policy = true;
		break;
	case STREAM_REC_MEMORY_LAYOUT:
		if (o->have_layout)
			return stream_refuse(m, STREAM_E_DUPLICATE, "a second MEMORY_LAYOUT");
		rc = stream_check_layout(o, body, len, m);
		if (rc)
			return rc;
		o->have_layout = true;
		break;
	case STREAM_REC_PAGE_BATCH:
		rc = stream_check_batch(o, body, len, rec_offset, &rec->batch, m);
		if (rc)
			return rc;
		break;
	case STREAM_REC_VM_STATE:
		if (o->have_vm)
			return stream_refuse(m, STREAM_E_DUPLICATE, "a second VM_STATE");
		if (!len)
			return stream_refuse(m, STREAM_E_LENGTH, "empty VM_STATE");
		o->have_vm = true;
		break;
	case STREAM_REC_VCPU_STATE: {
		uint32_t id;

		if (len <= 8)
			return stream_refuse(m, STREAM_E_LENGTH, "body of %u bytes holds no vCPU state", len);
		id = stream_get32(body);
		if (stream_get32(body + 4))
			return stream_refuse(m, STREAM_E_RESERVED, "reserved word at body offset 4 is not zero");
		if (id >= STREAM_VCPUS_MAX)
			return stream_refuse(m, STREAM_E_BODY, "vCPU id %u is not below %u", id, STREAM_VCPUS_MAX);
		if (o->vcpu_seen[id / 64] & (1ull << (id % 64)))
			return stream_refuse(m, STREAM_E_DUPLICATE, "vCPU %u was sent already", id);
		o->vcpu_seen[id / 64] |= 1ull << (id % 64);
		o->nr_vcpus++;
		rec->vcpu_id = id;
		break;
	}
	case STREAM_REC_DEVICE_STATE:
		if (!len)
			return stream_refuse(m, STREAM_E_LENGTH, "empty DEVICE_STATE");
		break;
	case STREAM_REC_END:
		rc = stream_check_end(o, body, len, m);
		if (rc)
			return rc;
		o->ended = true;
		break;
	}
out:
	o->records++;
	return rc;
}

static void stream_where(char *buf, size_t size, uint32_t idx, uint32_t type,
			 uint64_t offset)
{
	const char *name = stream_type_name(type);

	if (name)
		snprintf(buf, size, "record %u (%s) at offset %" PRIu64, idx, name, offset);
	else
		snprintf(buf, size, "record %u (type %u) at offset %" PRIu64, idx, type, offset);
}

static void stream_header_bytes(uint8_t h[STREAM_HEADER_SIZE], uint32_t flags)
{
	memset(h, 0, STREAM_HEADER_SIZE);
	memcpy(h, STREAM_MAGIC, 8);
	stream_put32(h + 8, STREAM_VERSION);
	stream_put32(h + 12, flags);
	stream_put32(h + 28, stream_crc(h, 28));
}

/* ---- Writer ---- */

/* Keeps the first error (sticky) and its message in a writer or reader. */
static int stream_vfail(int *err, char *msg, size_t size, int rc, const char *fmt,
			va_list ap)
{
	if (*err)
		return *err;
	*err = rc;
	vsnprintf(msg, size, fmt, ap);
	return rc;
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

/* Writes all of @iov[0..@n) to the fd (consuming @iov); 0 or an error. */
static int stream_writev_all(struct stream_writer *w, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t k = writev(w->fd, iov, n > STREAM_IOV_MAX ? STREAM_IOV_MAX : n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = { .fd = w->fd, .events = POLLOUT };

			if (poll(&p, 1, -1) < 0 && errno != EINTR)
				return stream_wfail(w, -errno, "waiting to write the stream at offset %" PRIu64 ": %s",
						    w->bytes_written, strerror(errno));
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

int stream_writer_init(struct stream_writer *w, int fd, uint32_t flags)
{
	struct stat st;
	off_t base;
	int rc;

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->flags = flags;
	w->file_base = -1;
	w->order.stream_flags = flags;
	if (flags & ~STREAM_F_ALL)
		return stream_wfail(w, -EINVAL, "unknown stream flags 0x%x", flags & ~STREAM_F_ALL);
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

void stream_writer_fini(struct stream_writer *w)
{
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
			     STREAM_RECORD_TRAILER_SIZE);
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
	stream_put32(h, type);
	stream_put32(h + 4, flags);
	stream_put32(h + 8, (uint32_t)len);
	stream_put32(h + 12, 0);
	crc = stream_crc(h, w->len - start);
	if (nr_data) {
		rc = stream_wqueue_buf(w);
		for (uint32_t i = 0; !rc && i < nr_data; i++) {
			crc = stream_crc_update(crc, data[i], STREAM_PAGE_SIZE);
			rc = stream_wseg(w, data[i], 0, STREAM_PAGE_SIZE);
		}
		if (rc)
			return rc;
	}
	/* the trailer: room for it was reserved with the record */
	memset(w->buf + w->len, 0, pad);
	w->len += pad;
	stream_put32(w->buf + w->len, stream_crc_update(crc, w->buf + w->len - pad, pad));
	stream_put32(w->buf + w->len + 4, 0);
	w->len += STREAM_RECORD_TRAILER_SIZE;
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
	stream_put32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = b + 8 + 32 * i;

		stream_put32(p, e[i].function);
		stream_put32(p + 4, e[i].index);
		stream_put32(p + 8, e[i].flags);
		stream_put32(p + 12, e[i].eax);
		stream_put32(p + 16, e[i].ebx);
		stream_put32(p + 20, e[i].ecx);
		stream_put32(p + 24, e[i].edx);
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
	stream_put32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		stream_put64(b + 16 + 16 * i, r[i].gpa);
		stream_put64(b + 24 + 16 * i, r[i].size);
		total += r[i].size;
	}
	stream_put64(b + 8, total);
	return stream_wfinish(w, start, STREAM_REC_MEMORY_LAYOUT, 0);
}

int stream_write_vcpu(struct stream_writer *w, uint32_t id, const void *state,
		      size_t len)
{
	size_t start = 0;
	uint8_t *b = stream_wbody(w, 8 + len, &start);

	if (!b)
		return w->err;
	stream_put32(b, id);
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
		stream_put64(b + 16 + 8 * i, pfns[i] | (pg[i] ? 0 : STREAM_PFN_ZERO));
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
	stream_put32(b, n);
	stream_put32(b + 4, zsize ? STREAM_BATCH_COMPRESSED : 0);
	stream_put32(b + 8, data_off);
	stream_put32(b + 12, zsize ? (uint32_t)zsize : nr_data * STREAM_PAGE_SIZE);
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

	stream_put64(b, w->order.records);
	stream_put64(b + 8, w->order.pages);
	rc = stream_write_record(w, STREAM_REC_END, 0, b, sizeof(b));
	if (!rc)
		rc = stream_writer_flush(w);
	stream_wb_stop(w);
	return rc;
}

/* ---- Reader ---- */

static int stream_rfail(struct stream_reader *r, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int stream_rfail(struct stream_reader *r, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = stream_vfail(&r->err, r->errmsg, sizeof(r->errmsg), rc, fmt, ap);
	va_end(ap);
	return rc;
}

int stream_reader_init(struct stream_reader *r, int fd)
{
	struct stat st;
	off_t base;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->file_size = UINT64_MAX;
	base = lseek(fd, 0, SEEK_CUR);
	if (base > 0)
		r->base = base;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode)) {
		r->check_eof = true;
		r->file_size = (uint64_t)st.st_size > r->base ? st.st_size - r->base : 0;
	}
	return 0;
}

int stream_reader_init_mem(struct stream_reader *r, const void *data, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->mem = data;
	r->mem_len = len;
	r->file_size = len;
	r->check_eof = true;
	return 0;
}

void stream_reader_fini(struct stream_reader *r)
{
	free(r->buf);
	free(r->pages);
	r->buf = r->pages = NULL;
	r->cap = 0;
}

const struct stream_layout *stream_reader_layout(const struct stream_reader *r)
{
	return r->order.have_layout ? &r->order.layout : NULL;
}

/*
 * Gets the @n stream bytes at r->offset into *p (a buffer pointer or
 * r->buf + @at).  Returns how many it got (fewer at the end) or -errno.
 */
static ssize_t stream_rget(struct stream_reader *r, size_t at, size_t n,
			   const uint8_t **p)
{
	size_t got = 0;

	if (r->fd < 0) {
		uint64_t left = r->mem_len > r->offset + at ? r->mem_len - r->offset - at : 0;

		*p = r->mem + r->offset + at;
		return n < left ? (ssize_t)n : (ssize_t)left;
	}
	if (r->cap < at + n + 1) {
		size_t cap = at + n + 1;
		uint8_t *b = realloc(r->buf, cap);

		if (!b)
			return -ENOMEM;
		r->buf = b;
		r->cap = cap;
	}
	while (got < n) {
		ssize_t k = read(r->fd, r->buf + at + got, n - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pf = { .fd = r->fd, .events = POLLIN };

			if (poll(&pf, 1, -1) < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		if (k < 0)
			return -errno;
		if (!k)
			break;
		got += k;
	}
	*p = r->buf + at;
	return got;
}

static int stream_read_header(struct stream_reader *r)
{
	const uint8_t *h;
	ssize_t got;

	got = stream_rget(r, 0, STREAM_HEADER_SIZE, &h);
	if (got < 0)
		return stream_rfail(r, (int)got, "reading the stream header: %s", strerror((int)-got));
	if (memcmp(h, STREAM_MAGIC, got < 8 ? (size_t)got : 8))
		return stream_rfail(r, -STREAM_E_MAGIC, "offset 0: no \"HVSAVE\\r\\n\" magic, not an hv save stream");
	if (got < STREAM_HEADER_SIZE)
		return stream_rfail(r, -STREAM_E_TRUNCATED,
				    "offset 0: the stream ends after %zd of the %u header bytes (empty or truncated)",
				    got, STREAM_HEADER_SIZE);
	r->version = stream_get32(h + 8);
	r->flags = stream_get32(h + 12);
	if (!r->version || r->version > STREAM_VERSION)
		return stream_rfail(r, -STREAM_E_VERSION, "offset 8: stream version %u, this reader knows 1 to %u",
				    r->version, STREAM_VERSION);
	if (stream_get32(h + 28) != stream_crc(h, 28))
		return stream_rfail(r, -STREAM_E_CRC, "offset 28: stream header CRC 0x%08x, computed 0x%08x",
				    stream_get32(h + 28), stream_crc(h, 28));
	if (r->flags & ~STREAM_F_ALL)
		return stream_rfail(r, -STREAM_E_HEADER, "offset 12: unknown stream flags 0x%x", r->flags & ~STREAM_F_ALL);
	if ((r->flags & STREAM_F_ALIGNED) && (r->flags & STREAM_F_COMPRESSED))
		return stream_rfail(r, -STREAM_E_HEADER, "offset 12: a stream cannot be both aligned and compressed");
	if (!stream_all_zero(h + 16, 12))
		return stream_rfail(r, -STREAM_E_RESERVED, "offset 16: reserved header bytes are not zero");
	r->order.stream_flags = r->flags;
	r->offset = STREAM_HEADER_SIZE;
	r->started = true;
	return 0;
}

static int stream_inflate(struct stream_reader *r, struct stream_record *rec,
			  const char *where)
{
	struct stream_batch *bt = &rec->batch;
	size_t want = (size_t)bt->nr_data * STREAM_PAGE_SIZE;
	size_t in_len = rec->len - (bt->data - rec->body);
	z_stream z;
	int zr, rc = 0;

	if (!r->pages) {
		r->pages = malloc((size_t)STREAM_BATCH_MAX * STREAM_PAGE_SIZE);
		if (!r->pages)
			return stream_rfail(r, -ENOMEM, "%s: out of memory for page data", where);
	}
	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return stream_rfail(r, -ENOMEM, "%s: cannot start the decompressor", where);
	z.next_in = (Bytef *)bt->data;
	z.avail_in = (uInt)in_len;
	z.next_out = r->pages;
	z.avail_out = (uInt)want;
	zr = inflate(&z, Z_FINISH);
	if (zr != Z_STREAM_END)
		rc = stream_rfail(r, -STREAM_E_COMPRESS, "%s: page data does not inflate to %zu bytes (zlib: %s)",
				  where, want, zr == Z_BUF_ERROR && !z.avail_out ? "more data than that" :
				  z.msg ? z.msg : "cut short");
	else if (z.avail_out)
		rc = stream_rfail(r, -STREAM_E_COMPRESS, "%s: page data inflates to %zu bytes, %u pages need %zu",
				  where, want - z.avail_out, bt->nr_data, want);
	else if (z.avail_in)
		rc = stream_rfail(r, -STREAM_E_COMPRESS, "%s: %u bytes after the end of the compressed data",
				  where, z.avail_in);
	inflateEnd(&z);
	if (!rc)
		bt->data = r->pages;
	return rc;
}

int stream_read_record(struct stream_reader *r, struct stream_record *rec)
{
	const uint8_t *h, *p;
	uint32_t type, flags, len, crc, idx;
	uint64_t total, left;
	struct stream_msg m;
	char where[96];
	bool defer;
	ssize_t got;
	int rc;

	if (r->err)
		return r->err;
	if (r->order.ended)
		return 0;
	if (!r->started) {
		rc = stream_read_header(r);
		if (rc)
			return rc;
	}
	idx = r->order.records;
	got = stream_rget(r, 0, STREAM_RECORD_HEADER_SIZE, &h);
	if (got < 0)
		return stream_rfail(r, (int)got, "record %u at offset %" PRIu64 ": %s", idx, r->offset,
				    strerror((int)-got));
	if (!got)
		return stream_rfail(r, -STREAM_E_TRUNCATED, "stream ends at offset %" PRIu64 " after %u records with no END record (truncated)",
				    r->offset, idx);
	if (got < STREAM_RECORD_HEADER_SIZE)
		return stream_rfail(r, -STREAM_E_TRUNCATED, "record %u at offset %" PRIu64 ": stream ends inside the record header",
				    idx, r->offset);
	type = stream_get32(h);
	flags = stream_get32(h + 4);
	len = stream_get32(h + 8);
	stream_where(where, sizeof(where), idx, type, r->offset);
	if (stream_get32(h + 12))
		return stream_rfail(r, -STREAM_E_RESERVED, "%s: reserved word of the record header is not zero", where);
	if (len > STREAM_RECORD_MAX)
		return stream_rfail(r, -STREAM_E_LENGTH, "%s: body of %u bytes is over the %u-byte limit",
				    where, len, STREAM_RECORD_MAX);
	total = STREAM_RECORD_HEADER_SIZE + stream_pad8(len) + STREAM_RECORD_TRAILER_SIZE;
	left = r->file_size - r->offset;
	if (r->file_size != UINT64_MAX && total > left)
		return stream_rfail(r, -STREAM_E_TRUNCATED, "%s: the %" PRIu64 "-byte record runs past the end of the stream (%" PRIu64 " bytes left)",
				    where, total, left);
	got = stream_rget(r, STREAM_RECORD_HEADER_SIZE, total - STREAM_RECORD_HEADER_SIZE, &p);
	if (got < 0)
		return stream_rfail(r, (int)got, "%s: %s", where, strerror((int)-got));
	if ((uint64_t)got < total - STREAM_RECORD_HEADER_SIZE)
		return stream_rfail(r, -STREAM_E_TRUNCATED, "%s: stream ends inside the record", where);
	h = p - STREAM_RECORD_HEADER_SIZE;
	crc = stream_get32(h + total - 8);
	defer = r->fd < 0 && r->defer_page_crc && type == STREAM_REC_PAGE_BATCH &&
		(r->flags & STREAM_F_ALIGNED) && len >= 16 && stream_get32(p + 12);
	if (!defer && crc != stream_crc(h, total - 8))
		return stream_rfail(r, -STREAM_E_CRC, "%s: record CRC 0x%08x, computed 0x%08x",
				    where, crc, stream_crc(h, total - 8));
	if (stream_get32(h + total - 4))
		return stream_rfail(r, -STREAM_E_RESERVED, "%s: reserved word after the CRC is not zero", where);
	if (!stream_all_zero(p + len, stream_pad8(len) - len))
		return stream_rfail(r, -STREAM_E_RESERVED, "%s: padding after the body is not zero", where);
	rc = stream_check_record(&r->order, type, flags, p, len, r->offset, rec, &m);
	if (rc)
		return stream_rfail(r, rc, "%s: %s", where, m.text);
	if (defer) {
		/* everything but the page data is checked; its CRC comes later */
		struct stream_batch *bt = &rec->batch;
		size_t prefix = STREAM_RECORD_HEADER_SIZE + (size_t)(bt->data - p);

		bt->crc_deferred = true;
		bt->crc = crc;
		bt->crc_prefix = stream_crc(h, prefix);
		bt->crc_tail = stream_pad8(len) - len;
	}
	if (type == STREAM_REC_PAGE_BATCH) {
		if (rec->batch.compressed) {
			rc = stream_inflate(r, rec, where);
			if (rc)
				return rc;
		} else {
			rec->batch.data_file_offset += r->base;
		}
	}
	r->offset += total;
	r->bytes = r->offset;
	if (type != STREAM_REC_END)
		return 1;
	if (r->check_eof) {
		/* r->buf is big enough already: rec->body stays where it is */
		got = stream_rget(r, 0, 1, &p);
		if (got > 0)
			return stream_rfail(r, -STREAM_E_TRAILING, "offset %" PRIu64 ": data after the END record", r->offset);
		if (got < 0)
			return stream_rfail(r, (int)got, "offset %" PRIu64 ": %s", r->offset, strerror((int)-got));
	}
	return 0;
}

int stream_page_batch_foreach(const struct stream_record *rec, stream_page_fn fn,
			      void *opaque)
{
	const struct stream_batch *bt = &rec->batch;
	uint32_t k = 0;
	int rc = 0;

	for (uint32_t i = 0; !rc && i < bt->count; i++) {
		uint64_t e = stream_get64(bt->pfns + 8 * i);
		uint64_t off = STREAM_NO_OFFSET;

		if (e & STREAM_PFN_ZERO) {
			rc = fn(opaque, e & ~STREAM_PFN_ZERO, NULL, STREAM_NO_OFFSET);
			continue;
		}
		if (bt->data_file_offset != STREAM_NO_OFFSET)
			off = bt->data_file_offset + (uint64_t)k * STREAM_PAGE_SIZE;
		rc = fn(opaque, e, bt->data + (size_t)k * STREAM_PAGE_SIZE, off);
		k++;
	}
	return rc;
}

int stream_batch_verify(const struct stream_batch *bt, const void *data)
{
	uint32_t crc;

	if (!bt->crc_deferred)
		return 0;
	crc = stream_crc_update(bt->crc_prefix, data, (size_t)bt->nr_data * STREAM_PAGE_SIZE);
	crc = stream_crc_update(crc, stream_zero_page, bt->crc_tail);
	return crc == bt->crc ? 0 : -STREAM_E_CRC;
}

void stream_cpu_policy_entry(const struct stream_record *rec, uint32_t i,
			     struct stream_cpuid *e)
{
	const uint8_t *p = rec->body + 8 + 32 * (size_t)i;

	e->function = stream_get32(p);
	e->index = stream_get32(p + 4);
	e->flags = stream_get32(p + 8);
	e->eax = stream_get32(p + 12);
	e->ebx = stream_get32(p + 16);
	e->ecx = stream_get32(p + 20);
	e->edx = stream_get32(p + 24);
}
