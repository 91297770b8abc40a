/*
 * libFuzzer target: the save/migration stream reader
 * (hypervisor/shared/stream/stream-record.c and stream-read.c).  A save
 * image or a migration peer is untrusted: whatever the bytes, the reader
 * must refuse them with a message or hand over records whose every page
 * lies in the layout and whose file offsets point at the page bytes.
 *
 * The first input byte picks a mode: bit 0 set recomputes the header and
 * record CRCs before reading, so that mutations reach the checks behind them;
 * bit 1 reads as a lazy restore does (defer_page_crc), and then checks each
 * deferred batch with stream_batch_verify(); bit 2 reads with a key (a
 * sealed stream's seal and MACs; an unsealed one is then refused).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "stream/stream.h"
#include "le.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_ctx {
	const uint8_t *stream;
	size_t size;
	const struct stream_layout *layout;
	unsigned int sum;
};



static void fuzz_fix_crcs(uint8_t *s, size_t size)
{
	size_t off = STREAM_HEADER_SIZE;
	uint32_t trailer;

	if (size < STREAM_HEADER_SIZE)
		return;
	le_put32(s + 28, crc32(0, s, 28));
	trailer = stream_trailer_size(le_get32(s + 12));
	if (le_get32(s + 12) & STREAM_F_SEALED)
		off += STREAM_SEAL_SIZE;
	while (off <= size && size - off >= STREAM_RECORD_HEADER_SIZE) {
		uint64_t len = le_get32(s + off + 8);
		uint64_t total = STREAM_RECORD_HEADER_SIZE + ((len + 7) & ~7ull) + trailer;

		if (total > size - off)
			break;
		le_put32(s + off + total - trailer, crc32(0, s + off, total - trailer));
		off += total;
	}
}

static int fuzz_page(void *opaque, uint64_t pfn, const void *page, uint64_t file_offset)
{
	struct fuzz_ctx *c = opaque;

	if (!stream_layout_has_pfn(c->layout, pfn))
		abort();
	if (!page) {
		if (file_offset != STREAM_NO_OFFSET)
			abort();
		return 0;
	}
	c->sum += ((const uint8_t *)page)[0] + ((const uint8_t *)page)[STREAM_PAGE_SIZE - 1];
	if (file_offset != STREAM_NO_OFFSET &&
	    (file_offset > c->size || c->size - file_offset < STREAM_PAGE_SIZE ||
	     memcmp(c->stream + file_offset, page, STREAM_PAGE_SIZE)))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream_reader r;
	struct stream_record rec;
	struct fuzz_ctx c = { 0 };
	uint8_t *s;
	int rc;

	if (!size)
		return 0;
	s = malloc(size - 1 ? size - 1 : 1);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	if (data[0] & 1)
		fuzz_fix_crcs(s, size - 1);
	c.stream = s;
	c.size = size - 1;
	stream_reader_init_mem(&r, s, size - 1);
	r.defer_page_crc = data[0] & 2;
	if (data[0] & 4) {
		static const uint8_t key[STREAM_KEY_SIZE] = "fuzz-stream's fixed key, 32 byte";

		if (stream_reader_set_key(&r, key))
			abort();
	}
	while ((rc = stream_read_record(&r, &rec)) > 0) {
		if (rec.offset + STREAM_RECORD_HEADER_SIZE + rec.len > c.size)
			abort();
		if (rec.batch.crc_deferred) {
			if (rec.batch.data_file_offset > c.size ||
			    c.size - rec.batch.data_file_offset < (uint64_t)rec.batch.nr_data * STREAM_PAGE_SIZE)
				abort();
			c.sum += stream_batch_verify(&rec.batch, s + rec.batch.data_file_offset) ? 1 : 0;
		}
		if (rec.type == STREAM_REC_PAGE_BATCH && !rec.unknown) {
			c.layout = stream_reader_layout(&r);
			if (!c.layout)
				abort();
			stream_page_batch_foreach(&rec, fuzz_page, &c);
		}
		if (rec.type == STREAM_REC_CPU_POLICY && !rec.unknown) {
			struct stream_cpuid e;

			for (uint32_t i = 0; i < (rec.len - 8) / 32; i++)
				stream_cpu_policy_entry(&rec, i, &e);
		}
	}
	if (rc < 0 && (!r.errmsg[0] || rc != r.err))
		abort();
	stream_reader_fini(&r);
	free(s);
	return 0;
}
