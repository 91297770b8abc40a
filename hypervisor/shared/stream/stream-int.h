/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the stream's files share and nothing else sees: little-endian access,
 * the CRC, the rules (stream_check_record(), stream.c) that the writer and the
 * reader both apply, and the sticky error of a writer or reader.
 */
#ifndef HV_STREAM_INT_H
#define HV_STREAM_INT_H

#include <stdarg.h>
#include <string.h>
#include "stream-record.h"
#include "../le.h"

#define STREAM_INTERNAL __attribute__((visibility("hidden")))

/* The longest rule message, without the "record N (TYPE) at offset N: " */
#define STREAM_MSG_MAX 200





static inline size_t stream_pad8(size_t len)
{
	return (len + 7) & ~(size_t)7;
}

static inline bool stream_all_zero(const uint8_t *p, size_t len)
{
	return !len || (!p[0] && !memcmp(p, p + 1, len - 1));
}

/*
 * CRC-32 (IEEE 802.3, reflected: zlib's crc32()) continued from @crc over
 * @len bytes (stream-crc.c).  Built with -DHV_STREAM_ISAL it is ISA-L's
 * folding implementation, which runs at memory speed, several times zlib's:
 * the page data of a save is most of what it covers.  Without, it is
 * stream_crc_update_table(), enough for a record or two.
 */
STREAM_INTERNAL uint32_t stream_crc_update(uint32_t crc, const void *p, size_t len);
/* The same CRC from a table, byte by byte, needing no library. */
STREAM_INTERNAL uint32_t stream_crc_update_table(uint32_t crc, const void *p,
						 size_t len);

static inline uint32_t stream_crc(const uint8_t *p, size_t len)
{
	return stream_crc_update(0, p, len);
}

/* ---- Sealing (stream-seal.c) ---- */

/* A keyed MAC state for one writer or reader; NULL: out of memory. */
STREAM_INTERNAL struct stream_seal *stream_seal_new(const uint8_t key[STREAM_KEY_SIZE]);
/* Wipes and frees it (NULL: nothing). */
STREAM_INTERNAL void stream_seal_free(struct stream_seal *s);
/* The seal after the header: the MAC of the header and the nonce, which starts the chain. */
STREAM_INTERNAL void stream_seal_start(struct stream_seal *s,
				       const uint8_t header[STREAM_HEADER_SIZE],
				       const uint8_t nonce[STREAM_NONCE_SIZE],
				       uint8_t mac[STREAM_MAC_SIZE]);
/* One record's MAC: begin (the previous MAC), update with its bytes, end. */
STREAM_INTERNAL void stream_seal_begin(struct stream_seal *s);
STREAM_INTERNAL void stream_seal_update(struct stream_seal *s, const void *p, size_t len);
STREAM_INTERNAL void stream_seal_end(struct stream_seal *s, uint8_t mac[STREAM_MAC_SIZE]);
/* In constant time. */
STREAM_INTERNAL bool stream_seal_equal(const uint8_t a[STREAM_MAC_SIZE],
				       const uint8_t b[STREAM_MAC_SIZE]);

/* ---- The rules, shared by writer and reader (stream.c) ---- */

struct stream_msg {
	char text[STREAM_MSG_MAX];
};

/*
 * Applies every rule to one record at stream offset @rec_offset and, if it
 * passes, records it in @o and describes it in @rec.  Returns 0 or
 * -STREAM_E_* with the reason in @m.
 */
STREAM_INTERNAL int stream_check_record(struct stream_order *o, uint32_t type,
					uint32_t flags, const uint8_t *body,
					uint32_t len, uint64_t rec_offset,
					struct stream_record *rec,
					struct stream_msg *m);

/* Where the data of a batch with @count entries starts in its body. */
STREAM_INTERNAL uint32_t stream_batch_data_offset(uint32_t stream_flags,
						  uint64_t rec_offset,
						  uint32_t count, uint32_t nr_data);

/* "record 3 (PAGE_BATCH) at offset 4096", for messages. */
STREAM_INTERNAL void stream_where(char *buf, size_t size, uint32_t idx,
				  uint32_t type, uint64_t offset);

/* Keeps the first error (sticky) and its message in a writer or reader. */
STREAM_INTERNAL int stream_vfail(int *err, char *msg, size_t size, int rc,
				 const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

/* ---- The record reader (stream-record.c) ---- */

STREAM_INTERNAL int stream_rfail(struct stream_reader *r, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Called by the record reader for a checked PAGE_BATCH with compressed data,
 * before the record is accepted: inflates it (stream-read.c), or fails the
 * reader with the record described as @where.
 */
typedef int (*stream_inflate_fn)(struct stream_reader *r, struct stream_record *rec,
				 const char *where);

/* stream_read_next(), with compressed page data handed to @inflate (if any). */
STREAM_INTERNAL int stream_read_checked(struct stream_reader *r,
					struct stream_record *rec,
					stream_inflate_fn inflate);

#endif
