/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stream's record reader: the header, then one record at a time from a
 * descriptor or a buffer, each checked whole (framing, CRC, reserved bytes
 * and padding, then stream_check_record()'s rules) before it is handed over.
 * Compressed page data is stream-read.c's: this file needs no zlib, so that
 * libhv, which reads only an image's DOMAIN_CONFIG, builds it alone.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>
#include "stream-int.h"

int stream_rfail(struct stream_reader *r, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = stream_vfail(&r->err, r->errmsg, sizeof(r->errmsg), rc, fmt, ap);
	va_end(ap);
	return rc;
}

/* read(), taking a descriptor that comes with the bytes (SCM_RIGHTS). */
static ssize_t stream_recv_fds(struct stream_reader *r, void *buf, size_t len)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int) * 4)];
	} c;
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.space,
			    .msg_controllen = sizeof(c.space) };
	ssize_t k = recvmsg(r->fd, &m, MSG_CMSG_CLOEXEC);

	if (k < 0)
		return k;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		size_t nr;

		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		nr = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nr; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(fd));
			if (r->passed_fd < 0)
				r->passed_fd = fd;
			else
				close(fd);
		}
	}
	return k;
}

int stream_reader_init(struct stream_reader *r, int fd)
{
	struct stat st;
	off_t base;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->passed_fd = -1;
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
	r->passed_fd = -1;
	r->mem = data;
	r->mem_len = len;
	r->file_size = len;
	r->check_eof = true;
	return 0;
}

void stream_reader_fini(struct stream_reader *r)
{
	if (r->passed_fd >= 0)
		close(r->passed_fd);
	r->passed_fd = -1;
	free(r->buf);
	free(r->pages);
	r->buf = r->pages = NULL;
	r->cap = 0;
	stream_seal_free(r->seal);
	r->seal = NULL;
}

int stream_reader_set_key(struct stream_reader *r, const uint8_t key[STREAM_KEY_SIZE])
{
	if (r->started || r->err)
		return -EINVAL;
	stream_seal_free(r->seal);
	r->seal = stream_seal_new(key);
	return r->seal ? 0 : -ENOMEM;
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
		ssize_t k = r->take_fds ? stream_recv_fds(r, r->buf + at + got, n - got) :
			    read(r->fd, r->buf + at + got, n - got);

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

/* A sealed stream's seal, after its header @h: the key must give its MAC. */
static int stream_read_seal(struct stream_reader *r, const uint8_t h[STREAM_HEADER_SIZE])
{
	uint8_t header[STREAM_HEADER_SIZE], mac[STREAM_MAC_SIZE];
	const uint8_t *p;
	ssize_t got;

	memcpy(header, h, sizeof(header));	/* reading on reuses r->buf */
	got = stream_rget(r, 0, STREAM_SEAL_SIZE, &p);	/* at r->offset: after the header */
	if (got < 0)
		return stream_rfail(r, (int)got, "reading the stream's seal: %s", strerror((int)-got));
	if (got < STREAM_SEAL_SIZE)
		return stream_rfail(r, -STREAM_E_TRUNCATED,
				    "offset %u: the stream ends inside its %u-byte seal (truncated)",
				    STREAM_HEADER_SIZE, STREAM_SEAL_SIZE);
	stream_seal_start(r->seal, header, p, mac);
	if (!stream_seal_equal(mac, p + STREAM_NONCE_SIZE))
		return stream_rfail(r, -STREAM_E_MAC,
				    "offset %u: the seal is not the key's: the stream was sealed with another key, or its header or seal was altered (give the key it was saved with)",
				    STREAM_HEADER_SIZE + STREAM_NONCE_SIZE);
	return 0;
}

static int stream_read_header(struct stream_reader *r)
{
	const uint8_t *h;
	ssize_t got;
	int rc;

	got = stream_rget(r, 0, STREAM_HEADER_SIZE, &h);
	if (got < 0)
		return stream_rfail(r, (int)got, "reading the stream header: %s", strerror((int)-got));
	if (memcmp(h, STREAM_MAGIC, got < 8 ? (size_t)got : 8))
		return stream_rfail(r, -STREAM_E_MAGIC, "offset 0: no \"HVSAVE\\r\\n\" magic, not an hv save stream");
	if (got < STREAM_HEADER_SIZE)
		return stream_rfail(r, -STREAM_E_TRUNCATED,
				    "offset 0: the stream ends after %zd of the %u header bytes (empty or truncated)",
				    got, STREAM_HEADER_SIZE);
	r->version = le_get32(h + 8);
	r->flags = le_get32(h + 12);
	if (!r->version || r->version > STREAM_VERSION)
		return stream_rfail(r, -STREAM_E_VERSION, "offset 8: stream version %u, this reader knows 1 to %u",
				    r->version, STREAM_VERSION);
	if (le_get32(h + 28) != stream_crc(h, 28))
		return stream_rfail(r, -STREAM_E_CRC, "offset 28: stream header CRC 0x%08x, computed 0x%08x",
				    le_get32(h + 28), stream_crc(h, 28));
	if (r->flags & ~STREAM_F_ALL)
		return stream_rfail(r, -STREAM_E_HEADER, "offset 12: unknown stream flags 0x%x", r->flags & ~STREAM_F_ALL);
	if ((r->flags & STREAM_F_ALIGNED) && (r->flags & STREAM_F_COMPRESSED))
		return stream_rfail(r, -STREAM_E_HEADER, "offset 12: a stream cannot be both aligned and compressed");
	if (!stream_all_zero(h + 16, 12))
		return stream_rfail(r, -STREAM_E_RESERVED, "offset 16: reserved header bytes are not zero");
	if ((r->flags & STREAM_F_SEALED) && !r->seal)
		return stream_rfail(r, -STREAM_E_SEAL, "offset 12: the stream is sealed (a MAC on every record): it can only be read with the key it was saved with (a key file: xl restore -k KEYFILE)");
	if (!(r->flags & STREAM_F_SEALED) && r->seal)
		return stream_rfail(r, -STREAM_E_SEAL, "offset 12: a key was given, but the stream is not sealed: nothing in it shows who wrote it (restore it without a key only if you trust where it comes from)");
	r->order.stream_flags = r->flags;
	r->offset = STREAM_HEADER_SIZE;
	if (r->flags & STREAM_F_SEALED) {
		rc = stream_read_seal(r, h);
		if (rc)
			return rc;
		r->offset += STREAM_SEAL_SIZE;
	}
	r->started = true;
	return 0;
}

int stream_read_checked(struct stream_reader *r, struct stream_record *rec,
			stream_inflate_fn inflate)
{
	const uint8_t *h, *p, *tail;
	uint32_t type, flags, len, crc, idx, trailer;
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
	trailer = stream_trailer_size(r->flags);
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
	type = le_get32(h);
	flags = le_get32(h + 4);
	len = le_get32(h + 8);
	stream_where(where, sizeof(where), idx, type, r->offset);
	if (le_get32(h + 12))
		return stream_rfail(r, -STREAM_E_RESERVED, "%s: reserved word of the record header is not zero", where);
	if (len > STREAM_RECORD_MAX)
		return stream_rfail(r, -STREAM_E_LENGTH, "%s: body of %u bytes is over the %u-byte limit",
				    where, len, STREAM_RECORD_MAX);
	total = STREAM_RECORD_HEADER_SIZE + stream_pad8(len) + trailer;
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
	tail = p + stream_pad8(len);
	crc = le_get32(tail);
	/* a sealed stream's MACs are a chain: every byte is read in order */
	defer = r->fd < 0 && r->defer_page_crc && !r->seal && type == STREAM_REC_PAGE_BATCH &&
		(r->flags & STREAM_F_ALIGNED) && len >= 16 && le_get32(p + 12);
	if (!defer && crc != stream_crc(h, tail - h))
		return stream_rfail(r, -STREAM_E_CRC, "%s: record CRC 0x%08x, computed 0x%08x",
				    where, crc, stream_crc(h, tail - h));
	if (le_get32(tail + 4))
		return stream_rfail(r, -STREAM_E_RESERVED, "%s: reserved word after the CRC is not zero", where);
	if (!stream_all_zero(p + len, stream_pad8(len) - len))
		return stream_rfail(r, -STREAM_E_RESERVED, "%s: padding after the body is not zero", where);
	if (r->seal) {
		uint8_t mac[STREAM_MAC_SIZE];

		/* before the body is looked into: only the key's writer's bytes are parsed */
		stream_seal_begin(r->seal);
		stream_seal_update(r->seal, h, (size_t)(tail - h) + STREAM_RECORD_TRAILER_SIZE);
		stream_seal_end(r->seal, mac);
		if (!stream_seal_equal(mac, tail + STREAM_RECORD_TRAILER_SIZE))
			return stream_rfail(r, -STREAM_E_MAC, "%s: the record's MAC is not what the key gives: the image was altered (this record changed, or records were moved, dropped or taken from another image), or it was sealed with another key",
					    where);
	}
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
			rc = inflate ? inflate(r, rec, where) : 0;
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

int stream_read_next(struct stream_reader *r, struct stream_record *rec)
{
	return stream_read_checked(r, rec, NULL);
}

int stream_read_config(int fd, const uint8_t *key, char **json_r, uint32_t *flags_r,
		       char *msg, size_t msg_size)
{
	off_t start = lseek(fd, 0, SEEK_CUR);
	struct stream_reader rd;
	struct stream_record rec;
	int r;

	*json_r = NULL;
	if (start < 0) {
		snprintf(msg, msg_size, "cannot tell the offset in the image: %s", strerror(errno));
		return -errno;
	}
	stream_reader_init(&rd, fd);
	r = key ? stream_reader_set_key(&rd, key) : 0;
	if (!r)
		r = stream_read_next(&rd, &rec);
	if (r < 0) {
		snprintf(msg, msg_size, "%s", rd.errmsg[0] ? rd.errmsg : strerror(-r));
	} else if (r == 0 || rec.type != STREAM_REC_DOMAIN_CONFIG) {
		/* the reader refuses this itself; never act on what it missed */
		snprintf(msg, msg_size, "the image does not start with its configuration");
		r = -STREAM_E_ORDER;
	} else if (!(*json_r = malloc((size_t)rec.len + 1))) {
		snprintf(msg, msg_size, "out of memory");
		r = -ENOMEM;
	} else {
		memcpy(*json_r, rec.body, rec.len);
		(*json_r)[rec.len] = '\0';
		*flags_r = rd.flags;
		r = 0;
	}
	stream_reader_fini(&rd);
	if (lseek(fd, start, SEEK_SET) != start && !r) {
		r = -errno;
		snprintf(msg, msg_size, "cannot seek back in the image: %s", strerror(-r));
		free(*json_r);
		*json_r = NULL;
	}
	return r;
}
