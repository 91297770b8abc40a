/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The save image and migration stream: what the writer and the reader share.
 * The format is docs/save-stream.md; stream_check_record() is its rules,
 * applied by the writer (stream-write.c) to what it is about to emit and by
 * the reader (stream-record.c) to what it received.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "stream-int.h"

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
		[STREAM_E_SEAL - STREAM_E_MAGIC] = "sealed stream and key do not go together",
		[STREAM_E_MAC - STREAM_E_MAGIC] = "MAC mismatch (altered, or another key)",
	};
	int e = -rc;

	if (e >= STREAM_E_MAGIC && e <= STREAM_E_MAC)
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
	n = le_get32(b);
	if (le_get32(b + 4))
		return stream_refuse(m, STREAM_E_RESERVED, "reserved word at body offset 4 is not zero");
	if (!n || n > STREAM_CPUID_MAX)
		return stream_refuse(m, STREAM_E_BODY, "%u CPUID leaves (1 to %u allowed)", n, STREAM_CPUID_MAX);
	if (len != 8 + 32 * n)
		return stream_refuse(m, STREAM_E_LENGTH, "%u CPUID leaves need %u bytes, body has %u", n, 8 + 32 * n, len);
	for (uint32_t i = 0; i < n; i++)
		if (le_get32(b + 8 + 32 * i + 28))
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
	n = le_get32(b);
	if (le_get32(b + 4))
		return stream_refuse(m, STREAM_E_RESERVED, "reserved word at body offset 4 is not zero");
	total = le_get64(b + 8);
	if (!n || n > STREAM_REGIONS_MAX)
		return stream_refuse(m, STREAM_E_BODY, "%u regions (1 to %u allowed)", n, STREAM_REGIONS_MAX);
	if (len != 16 + 16 * n)
		return stream_refuse(m, STREAM_E_LENGTH, "%u regions need %u bytes, body has %u", n, 16 + 16 * n, len);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t gpa = le_get64(b + 16 + 16 * i);
		uint64_t size = le_get64(b + 24 + 16 * i);

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
		l->regions[i].gpa = le_get64(b + 16 + 16 * i);
		l->regions[i].size = le_get64(b + 24 + 16 * i);
	}
	return 0;
}

uint32_t stream_batch_data_offset(uint32_t stream_flags, uint64_t rec_offset,
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
	count = le_get32(b);
	bflags = le_get32(b + 4);
	data_off = le_get32(b + 8);
	data_len = le_get32(b + 12);
	if (!count || count > STREAM_BATCH_MAX)
		return stream_refuse(m, STREAM_E_BODY, "%u pages (1 to %u allowed)", count, STREAM_BATCH_MAX);
	if (bflags & ~STREAM_BATCH_COMPRESSED)
		return stream_refuse(m, STREAM_E_RESERVED, "unknown batch flags 0x%x", bflags);
	if ((bflags & STREAM_BATCH_COMPRESSED) && !(o->stream_flags & STREAM_F_COMPRESSED))
		return stream_refuse(m, STREAM_E_BODY, "compressed batch in a stream whose header does not allow compression");
	if (len < 16 + 8 * count)
		return stream_refuse(m, STREAM_E_LENGTH, "%u pfns need %u bytes, body has %u", count, 16 + 8 * count, len);
	for (uint32_t i = 0; i < count; i++) {
		uint64_t e = le_get64(b + 16 + 8 * i);
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
	records = le_get64(b);
	pages = le_get64(b + 8);
	if (records != o->records)
		return stream_refuse(m, STREAM_E_BODY, "END counts %" PRIu64 " records before it, the stream had %u", records, o->records);
	if (pages != o->pages)
		return stream_refuse(m, STREAM_E_BODY, "END counts %" PRIu64 " pages, the stream had %" PRIu64, pages, o->pages);
	return 0;
}

int stream_check_record(struct stream_order *o, uint32_t type, uint32_t flags,
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
		id = le_get32(body);
		if (le_get32(body + 4))
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

void stream_where(char *buf, size_t size, uint32_t idx, uint32_t type,
		  uint64_t offset)
{
	const char *name = stream_type_name(type);

	if (name)
		snprintf(buf, size, "record %u (%s) at offset %" PRIu64, idx, name, offset);
	else
		snprintf(buf, size, "record %u (type %u) at offset %" PRIu64, idx, type, offset);
}

int stream_vfail(int *err, char *msg, size_t size, int rc, const char *fmt,
		 va_list ap)
{
	if (*err)
		return *err;
	*err = rc;
	vsnprintf(msg, size, fmt, ap);
	return rc;
}
