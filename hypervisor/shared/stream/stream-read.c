/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stream's reader with its page data: stream_read_record() is the record
 * reader's (stream-record.c) with compressed batches inflated, and the rest
 * hands a checked record's contents over.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "stream.h"
#include "stream-int.h"

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
	return stream_read_checked(r, rec, stream_inflate);
}

int stream_page_batch_foreach(const struct stream_record *rec, stream_page_fn fn,
			      void *opaque)
{
	const struct stream_batch *bt = &rec->batch;
	uint32_t k = 0;
	int rc = 0;

	for (uint32_t i = 0; !rc && i < bt->count; i++) {
		uint64_t e = le_get64(bt->pfns + 8 * i);
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
	static const uint8_t zero_pad[8];
	uint32_t crc;

	if (!bt->crc_deferred)
		return 0;
	crc = stream_crc_update(bt->crc_prefix, data, (size_t)bt->nr_data * STREAM_PAGE_SIZE);
	crc = stream_crc_update(crc, zero_pad, bt->crc_tail);
	return crc == bt->crc ? 0 : -STREAM_E_CRC;
}

void stream_cpu_policy_entry(const struct stream_record *rec, uint32_t i,
			     struct stream_cpuid *e)
{
	const uint8_t *p = rec->body + 8 + 32 * (size_t)i;

	e->function = le_get32(p);
	e->index = le_get32(p + 4);
	e->flags = le_get32(p + 8);
	e->eax = le_get32(p + 12);
	e->ebx = le_get32(p + 16);
	e->ecx = le_get32(p + 20);
	e->edx = le_get32(p + 24);
}
