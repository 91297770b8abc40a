/*
 * The save/migration stream (docs/save-stream.md): every record type round
 * trips through the writer and both readers; streams built here byte by byte
 * from the spec are accepted; and the reader refuses every truncation and
 * every single-byte corruption of a small stream, plus each rule broken on
 * purpose, with a message.
 *
 * "test-stream write FILE small|big [live] [aligned] [compressed]" writes a
 * sample stream for tests/integration/streamcheck.sh and the fuzzer's seeds.
 */
#include <check.h>
#include "check-main.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <zlib.h>
#include "stream/stream.h"
#include "stream/stream-int.h"

/* An assertion for helpers that also run outside the check runner (write). */
#define need(x)								\
	do {								\
		if (!(x)) {						\
			fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #x); \
			abort();					\
		}							\
	} while (0)

#define PAGE STREAM_PAGE_SIZE
#define GIB (1ull << 30)

static const char test_config[] = "{\"name\":\"guest\",\"memory\":64,\"vcpus\":2}";
static const uint8_t test_vm[] = "\x02" "vm" "\x01\x00\x00\x00" "\x00\x00\x00\x00";
static const uint8_t test_dev[] = "\x04" "uart" "\x01\x00\x00\x00" "\x00\x00\x00\x00";
static const uint8_t test_vcpu[] = "\x04" "vcpu" "\x01\x00\x00\x00" "\x00\x00\x00\x00";
static const struct stream_cpuid test_cpuid[] = {
	{ 0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69 },
	{ 1, 0, 0, 0x806f8, 0x800, 0xfffa3223, 0x0f8bfbff },
	{ 7, 0, 1, 0, 0x219c07ab, 0x4, 0 },
};

/* Guest memory: region 0 at 0, region 1 at 4 GiB. */
struct guest {
	struct stream_region regions[2];
	uint8_t *lo, *hi;
	bool random;			/* incompressible contents */
};

static void guest_init(struct guest *g, uint64_t lo_pages, uint64_t hi_pages, bool random)
{
	uint32_t seed = 12345;

	g->regions[0] = (struct stream_region){ 0, lo_pages * PAGE };
	g->regions[1] = (struct stream_region){ 4 * GIB, hi_pages * PAGE };
	g->lo = calloc(lo_pages, PAGE);
	g->hi = calloc(hi_pages, PAGE);
	need(g->lo && g->hi);
	g->random = random;
	for (uint64_t p = 0; p < lo_pages + hi_pages; p++) {
		uint8_t *b = p < lo_pages ? g->lo + p * PAGE : g->hi + (p - lo_pages) * PAGE;

		if (p % 3 == 0)
			continue;	/* a zero page */
		for (unsigned int i = 0; i < PAGE; i++) {
			seed = seed * 1103515245 + 12345;
			b[i] = random ? seed >> 16 : (uint8_t)(p + i / 512);
		}
	}
}

static void guest_fini(struct guest *g)
{
	free(g->lo);
	free(g->hi);
}

static uint8_t *guest_page(struct guest *g, uint64_t pfn)
{
	uint64_t gpa = pfn * PAGE;

	if (gpa < g->regions[0].size)
		return g->lo + gpa;
	if (gpa >= g->regions[1].gpa && gpa - g->regions[1].gpa < g->regions[1].size)
		return g->hi + gpa - g->regions[1].gpa;
	return NULL;
}

static const void *guest_get(void *opaque, uint64_t pfn)
{
	return guest_page(opaque, pfn);
}

static size_t guest_pfns(struct guest *g, uint64_t *pfns)
{
	size_t n = 0;

	for (int r = 0; r < 2; r++)
		for (uint64_t a = 0; a < g->regions[r].size; a += PAGE)
			pfns[n++] = (g->regions[r].gpa + a) / PAGE;
	return n;
}

/* Writes a whole stream of @g; returns 0 or the first error. */
/*
 * write_sample() with the pages handed over @chunk at a time, and
 * w->pages_stable as @stable.  Between the calls, what the writer left
 * queued is checked, and *@bounds_ok (if given) cleared when it is wrong:
 * in a regular file, with @stable, writes end on STREAM_WRITE_ALIGN
 * boundaries; without, nothing is left behind.
 */
static int write_sample_chunked(int fd, struct guest *g, uint32_t flags, bool compress,
				size_t chunk, bool stable, struct stream_writer *w,
				bool *bounds_ok)
{
	size_t n = (g->regions[0].size + g->regions[1].size) / PAGE;
	uint64_t *pfns = calloc(n, sizeof(*pfns));
	uint8_t opt[24] = "an optional note";
	int rc;

	need(pfns);
	guest_pfns(g, pfns);
	rc = stream_writer_init(w, fd, flags);
	w->pages_stable = stable;
	if (!rc)
		rc = stream_write_record(w, STREAM_REC_DOMAIN_CONFIG, 0, test_config, strlen(test_config));
	if (!rc)
		rc = stream_write_cpu_policy(w, test_cpuid, 3);
	if (!rc)
		rc = stream_write_layout(w, g->regions, 2);
	if (!rc)
		rc = stream_write_record(w, 0x7fff0001, STREAM_RF_OPTIONAL, opt, 17);
	if (!rc && (flags & STREAM_F_LIVE)) /* a first pass, then all of it again */
		rc = stream_write_pages(w, pfns, n / 2, guest_get, g, compress);
	for (size_t i = 0; !rc && i < n; i += chunk) {
		rc = stream_write_pages(w, pfns + i, n - i < chunk ? n - i : chunk, guest_get, g, compress);
		if (rc)
			break;
		if (bounds_ok && (stable ? w->file_base >= 0 &&
				  (w->file_base + w->bytes_written) % STREAM_WRITE_ALIGN : w->queued))
			*bounds_ok = false;
	}
	if (!rc)
		rc = stream_write_record(w, STREAM_REC_VM_STATE, 0, test_vm, sizeof(test_vm) - 1);
	for (uint32_t id = 0; !rc && id < 2; id++)
		rc = stream_write_vcpu(w, id, test_vcpu, sizeof(test_vcpu) - 1);
	if (!rc)
		rc = stream_write_record(w, STREAM_REC_DEVICE_STATE, 0, test_dev, sizeof(test_dev) - 1);
	if (!rc)
		rc = stream_write_end(w);
	if (!rc && w->queued && bounds_ok)
		*bounds_ok = false;
	free(pfns);
	return rc;
}

static int write_sample(int fd, struct guest *g, uint32_t flags, bool compress,
			struct stream_writer *w)
{
	return write_sample_chunked(fd, g, flags, compress, SIZE_MAX, false, w, NULL);
}

/* A stream in memory. */
struct mem {
	uint8_t *p;
	size_t len;
};

static int tmp_fd(void)
{
	FILE *f = tmpfile();
	int fd;

	ck_assert(f);
	fd = dup(fileno(f));
	fclose(f);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static struct mem fd_slurp(int fd, off_t from)
{
	struct mem m;
	off_t end = lseek(fd, 0, SEEK_END);

	m.len = end - from;
	m.p = malloc(m.len ? m.len : 1);
	ck_assert(m.p);
	ck_assert_int_eq(pread(fd, m.p, m.len, from), (ssize_t)m.len);
	return m;
}

static struct mem sample(uint64_t lo, uint64_t hi, uint32_t flags, bool compress)
{
	struct stream_writer w;
	struct guest g;
	struct mem m;
	int fd = tmp_fd();

	guest_init(&g, lo, hi, false);
	ck_assert_int_eq(write_sample(fd, &g, flags, compress, &w), 0);
	stream_writer_fini(&w);
	m = fd_slurp(fd, 0);
	close(fd);
	guest_fini(&g);
	return m;
}

struct check_ctx {
	struct guest *g;
	const struct mem *file;		/* the whole file, for file offsets */
	unsigned int pages, zero, offsets;
	bool aligned;
};

static int check_page(void *opaque, uint64_t pfn, const void *page, uint64_t off)
{
	struct check_ctx *c = opaque;
	uint8_t *want = guest_page(c->g, pfn);
	static const uint8_t zero[PAGE];

	ck_assert_msg(want, "pfn 0x%" PRIx64 " is not guest memory", pfn);
	c->pages++;
	if (!page) {
		c->zero++;
		ck_assert(!memcmp(want, zero, PAGE));
		ck_assert(off == STREAM_NO_OFFSET);
		return 0;
	}
	ck_assert(memcmp(want, zero, PAGE));
	ck_assert(!memcmp(want, page, PAGE));
	if (off != STREAM_NO_OFFSET) {
		c->offsets++;
		ck_assert(off + PAGE <= c->file->len);
		ck_assert(!memcmp(c->file->p + off, page, PAGE));
		if (c->aligned)
			ck_assert_uint_eq(off % PAGE, 0);
	}
	return 0;
}

/* Reads a sample stream back and checks every record. */
static void check_sample(struct stream_reader *r, struct guest *g, const struct mem *file,
			 uint32_t flags, bool compress)
{
	struct check_ctx c = { .g = g, .file = file, .aligned = flags & STREAM_F_ALIGNED };
	struct stream_record rec;
	unsigned int batches = 0, compressed = 0, vcpus = 0, unknown = 0;
	uint64_t n = (g->regions[0].size + g->regions[1].size) / PAGE;
	uint32_t next = 0;
	int rc;

	while ((rc = stream_read_record(r, &rec)) > 0) {
		ck_assert_uint_eq(rec.index, next++);
		switch (rec.unknown ? UINT32_MAX : rec.type) {
		case STREAM_REC_DOMAIN_CONFIG:
			ck_assert_uint_eq(rec.len, strlen(test_config));
			ck_assert(!memcmp(rec.body, test_config, rec.len));
			break;
		case STREAM_REC_CPU_POLICY:
			ck_assert_uint_eq(rec.len, 8 + 32 * 3);
			for (uint32_t i = 0; i < 3; i++) {
				struct stream_cpuid e;

				stream_cpu_policy_entry(&rec, i, &e);
				ck_assert(!memcmp(&e, &test_cpuid[i], sizeof(e)));
			}
			break;
		case STREAM_REC_MEMORY_LAYOUT: {
			const struct stream_layout *l = stream_reader_layout(r);

			ck_assert(l);
			ck_assert_uint_eq(l->nr, 2);
			ck_assert_uint_eq(l->regions[1].gpa, 4 * GIB);
			ck_assert_uint_eq(l->total, n * PAGE);
			break;
		}
		case STREAM_REC_PAGE_BATCH:
			batches++;
			compressed += rec.batch.compressed;
			ck_assert_int_eq(stream_page_batch_foreach(&rec, check_page, &c), 0);
			break;
		case STREAM_REC_VM_STATE:
			ck_assert(!memcmp(rec.body, test_vm, rec.len));
			break;
		case STREAM_REC_VCPU_STATE:
			ck_assert_uint_eq(rec.vcpu_id, vcpus++);
			ck_assert_uint_eq(rec.len, 8 + sizeof(test_vcpu) - 1);
			ck_assert(!memcmp(rec.body + 8, test_vcpu, rec.len - 8));
			break;
		case STREAM_REC_DEVICE_STATE:
			ck_assert(!memcmp(rec.body, test_dev, rec.len));
			break;
		case UINT32_MAX:
			ck_assert_uint_eq(rec.type, 0x7fff0001);
			ck_assert(!memcmp(rec.body, "an optional note", 17));
			unknown++;
			break;
		default:
			ck_abort_msg("unexpected record type %u", rec.type);
		}
	}
	ck_assert_msg(rc == 0, "reader: %s", r->errmsg);
	ck_assert_uint_eq(rec.type, STREAM_REC_END);
	ck_assert_uint_eq(vcpus, 2);
	ck_assert_uint_eq(unknown, 1);
	ck_assert_uint_eq(r->version, STREAM_VERSION);
	ck_assert_uint_eq(r->flags, flags);
	if (flags & STREAM_F_LIVE) {
		ck_assert_uint_eq(c.pages, n + n / 2);
	} else {
		/* a saved image leaves the zero pages (every third) out */
		ck_assert_uint_eq(c.zero, 0);
		ck_assert_uint_eq(c.pages, n - (n + 2) / 3);
	}
	ck_assert_uint_eq(r->order.pages, c.pages);
	ck_assert_uint_eq(r->order.zero_pages, c.zero);
	ck_assert_uint_eq(r->bytes, file->len - r->base);
	if (compress) {
		ck_assert_uint_eq(compressed, batches);
		ck_assert_uint_eq(c.offsets, 0);
	} else {
		ck_assert_uint_eq(compressed, 0);
		ck_assert_uint_eq(c.offsets, c.pages - c.zero);
	}
	ck_assert_uint_ge(batches, (c.pages + STREAM_BATCH_MAX - 1) / STREAM_BATCH_MAX);
	/* END is sticky */
	ck_assert_int_eq(stream_read_record(r, &rec), 0);
}

static void roundtrip(uint32_t flags, bool compress)
{
	struct stream_writer w;
	struct stream_reader r;
	struct guest g;
	struct mem m;
	int fd = tmp_fd();

	/* more than one batch's worth of pages */
	guest_init(&g, 1100, 40, false);
	ck_assert_int_eq(write_sample(fd, &g, flags, compress, &w), 0);
	m = fd_slurp(fd, 0);
	ck_assert_uint_eq(w.bytes_written, m.len);
	ck_assert_uint_eq(w.pages, (flags & STREAM_F_LIVE) ? 1140 + 570 : 1140);
	ck_assert_uint_gt(w.zero_pages, 0);
	if (compress)
		ck_assert_uint_lt(w.data_bytes, (w.pages - w.zero_pages) * PAGE / 4);
	else
		ck_assert_uint_eq(w.data_bytes, (w.pages - w.zero_pages) * PAGE);
	stream_writer_fini(&w);

	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	stream_reader_init(&r, fd);
	check_sample(&r, &g, &m, flags, compress);
	stream_reader_fini(&r);

	stream_reader_init_mem(&r, m.p, m.len);
	check_sample(&r, &g, &m, flags, compress);
	stream_reader_fini(&r);

	free(m.p);
	close(fd);
	guest_fini(&g);
}

START_TEST(roundtrip_plain)
{
	roundtrip(0, false);
}
END_TEST

START_TEST(roundtrip_compressed)
{
	roundtrip(STREAM_F_COMPRESSED, true);
}
END_TEST

START_TEST(roundtrip_aligned)
{
	roundtrip(STREAM_F_ALIGNED, false);
}
END_TEST

START_TEST(roundtrip_live)
{
	roundtrip(STREAM_F_LIVE | STREAM_F_COMPRESSED, true);
}
END_TEST

/* Pages that do not compress are stored as they are, even when asked to compress. */
START_TEST(incompressible_pages)
{
	struct stream_writer w;
	struct stream_reader r;
	struct stream_record rec;
	struct guest g;
	struct mem m;
	int fd = tmp_fd(), rc;

	guest_init(&g, 30, 3, true);
	ck_assert_int_eq(write_sample(fd, &g, STREAM_F_COMPRESSED, true, &w), 0);
	stream_writer_fini(&w);
	m = fd_slurp(fd, 0);
	stream_reader_init_mem(&r, m.p, m.len);
	while ((rc = stream_read_record(&r, &rec)) > 0) {
		struct check_ctx c = { .g = &g, .file = &m };

		if (rec.type != STREAM_REC_PAGE_BATCH)
			continue;
		ck_assert(!rec.batch.compressed);
		ck_assert_int_eq(stream_page_batch_foreach(&rec, check_page, &c), 0);
		ck_assert_uint_eq(c.offsets, 22);
	}
	ck_assert_msg(rc == 0, "%s", r.errmsg);
	stream_reader_fini(&r);
	free(m.p);
	close(fd);
	guest_fini(&g);
}
END_TEST

struct map_ctx {
	uint8_t *map;
	struct guest *g;
	unsigned int mapped;
};

static int check_mapped(void *opaque, uint64_t pfn, const void *page, uint64_t off)
{
	struct map_ctx *c = opaque;

	if (!page)
		return 0;
	ck_assert(off != STREAM_NO_OFFSET);
	ck_assert_uint_eq(off % PAGE, 0);
	ck_assert(!memcmp(c->map + off, guest_page(c->g, pfn), PAGE));
	c->mapped++;
	return 0;
}

/*
 * A lazy restore maps an aligned stream's pages in place: the stream starts
 * at 8192 in its file here, behind some other header, and the offsets given
 * are file offsets.
 */
START_TEST(aligned_pages_map_in_place)
{
	struct stream_writer w;
	struct stream_reader r;
	struct stream_record rec;
	struct map_ctx c = { 0 };
	struct guest g;
	uint8_t prefix[8192];
	struct mem m;
	int fd = tmp_fd(), rc;

	memset(prefix, 'x', sizeof(prefix));
	ck_assert_int_eq(write(fd, prefix, sizeof(prefix)), (ssize_t)sizeof(prefix));
	guest_init(&g, 50, 7, false);
	ck_assert_int_eq(write_sample(fd, &g, STREAM_F_ALIGNED, false, &w), 0);
	stream_writer_fini(&w);
	m = fd_slurp(fd, 0);
	c.map = mmap(NULL, m.len, PROT_READ, MAP_PRIVATE, fd, 0);
	ck_assert(c.map != MAP_FAILED);
	c.g = &g;
	ck_assert_int_eq(lseek(fd, sizeof(prefix), SEEK_SET), (off_t)sizeof(prefix));
	stream_reader_init(&r, fd);
	while ((rc = stream_read_record(&r, &rec)) > 0)
		if (rec.type == STREAM_REC_PAGE_BATCH)
			ck_assert_int_eq(stream_page_batch_foreach(&rec, check_mapped, &c), 0);
	ck_assert_msg(rc == 0, "%s", r.errmsg);
	ck_assert_uint_eq(c.mapped, 57 - 19);
	stream_reader_fini(&r);

	/* an aligned stream cannot start off a page boundary */
	ck_assert_int_eq(lseek(fd, 100, SEEK_SET), 100);
	ck_assert_int_eq(stream_writer_init(&w, fd, STREAM_F_ALIGNED), -EINVAL);
	ck_assert(strstr(w.errmsg, "4096"));
	stream_writer_fini(&w);

	munmap(c.map, m.len);
	free(m.p);
	close(fd);
	guest_fini(&g);
}
END_TEST

/*
 * A lazy restore's reader (defer_page_crc) checks everything but the page
 * data of aligned batches, never touches that data, and leaves its CRC to
 * stream_batch_verify(): a flipped data byte passes the read and fails the
 * verify; a flipped byte in the batch's page list fails one or the other.
 */
static unsigned int defer_read(struct mem *m, size_t flip, int *read_rc, unsigned int *bad)
{
	struct stream_reader r;
	struct stream_record rec;
	unsigned int deferred = 0;
	int rc;

	if (flip != SIZE_MAX)
		m->p[flip] ^= 0x10;
	stream_reader_init_mem(&r, m->p, m->len);
	r.defer_page_crc = true;
	*bad = 0;
	while ((rc = stream_read_record(&r, &rec)) > 0) {
		if (rec.type != STREAM_REC_PAGE_BATCH || !rec.batch.crc_deferred)
			continue;
		deferred++;
		ck_assert(rec.batch.data_file_offset % PAGE == 0);
		if (stream_batch_verify(&rec.batch, m->p + rec.batch.data_file_offset))
			(*bad)++;
	}
	stream_reader_fini(&r);
	if (flip != SIZE_MAX)
		m->p[flip] ^= 0x10;
	*read_rc = rc;
	return deferred;
}

START_TEST(deferred_page_crc)
{
	struct mem m = sample(50, 7, STREAM_F_ALIGNED, false);
	struct stream_reader r;
	struct stream_record rec;
	unsigned int deferred, bad;
	size_t data_at = 0, pfn_at = 0;
	int rc;

	deferred = defer_read(&m, SIZE_MAX, &rc, &bad);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_gt(deferred, 0);
	ck_assert_uint_eq(bad, 0);
	/* find a page of data, then flip one of its bytes */
	stream_reader_init_mem(&r, m.p, m.len);
	while (!data_at && stream_read_record(&r, &rec) > 0)
		if (rec.type == STREAM_REC_PAGE_BATCH && rec.batch.nr_data) {
			data_at = rec.batch.data_file_offset + 100;
			pfn_at = rec.offset + STREAM_RECORD_HEADER_SIZE + 16;
		}
	stream_reader_fini(&r);
	ck_assert_uint_gt(data_at, 0);
	defer_read(&m, data_at, &rc, &bad);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(bad, 1);
	/* the page list is under the same CRC, and checked by the read too */
	defer_read(&m, pfn_at, &rc, &bad);
	ck_assert(rc < 0 || bad == 1);
	free(m.p);
}
END_TEST

/* Reads @m to its end; returns the reader's result and keeps its message. */
static int read_all(const struct mem *m, char *msg, size_t size)
{
	struct stream_reader r;
	struct stream_record rec;
	int rc;

	stream_reader_init_mem(&r, m->p, m->len);
	while ((rc = stream_read_record(&r, &rec)) > 0) {
		if (rec.type == STREAM_REC_PAGE_BATCH) {
			const struct stream_layout *l = stream_reader_layout(&r);

			ck_assert(l);
			for (uint32_t i = 0; i < rec.batch.count; i++) {
				uint64_t e = 0;

				memcpy(&e, rec.batch.pfns + 8 * i, 8);
				ck_assert(stream_layout_has_pfn(l, e & ~STREAM_PFN_ZERO));
			}
		}
	}
	if (rc < 0) {
		ck_assert_int_eq(rc, r.err);
		ck_assert(r.errmsg[0]);
	}
	if (msg)
		snprintf(msg, size, "%s", r.errmsg);
	stream_reader_fini(&r);
	return rc;
}

static void expect_refused(const struct mem *m, int code, const char *words)
{
	char msg[256];
	int rc = read_all(m, msg, sizeof(msg));

	ck_assert_msg(rc == -code, "expected %s, got %d (%s): %s",
		      stream_strerror(-code), rc, stream_strerror(rc), msg);
	ck_assert_msg(strstr(msg, words), "message \"%s\" lacks \"%s\"", msg, words);
}

static void truncations(uint32_t flags, bool compress)
{
	struct mem m = sample(2, 1, flags, compress), t;

	ck_assert_int_eq(read_all(&m, NULL, 0), 0);
	for (size_t len = 0; len < m.len; len++) {
		int rc;

		t.p = m.p;
		t.len = len;
		rc = read_all(&t, NULL, 0);
		ck_assert_msg(rc == -STREAM_E_TRUNCATED, "cut at %zu of %zu: %d", len, m.len, rc);
	}
	free(m.p);
}

START_TEST(truncated_everywhere)
{
	truncations(0, false);
	truncations(STREAM_F_COMPRESSED, true);
}
END_TEST

static void corruptions(uint32_t flags, bool compress)
{
	static const uint8_t xors[] = { 0x01, 0x80, 0xff, 0x10 };
	struct mem m = sample(2, 1, flags, compress);

	for (size_t off = 0; off < m.len; off++) {
		for (size_t x = 0; x < sizeof(xors); x++) {
			char msg[256];
			int rc;

			m.p[off] ^= xors[x];
			rc = read_all(&m, msg, sizeof(msg));
			m.p[off] ^= xors[x];
			ck_assert_msg(rc < 0, "byte %zu ^ 0x%02x of %zu accepted", off, xors[x], m.len);
			ck_assert_msg(rc != -ENOMEM, "byte %zu: %s", off, msg);
		}
	}
	ck_assert_int_eq(read_all(&m, NULL, 0), 0);
	free(m.p);
}

START_TEST(corrupted_everywhere)
{
	corruptions(0, false);
	corruptions(STREAM_F_COMPRESSED, true);
}
END_TEST

/* ---- Streams built byte by byte from docs/save-stream.md ---- */

struct hb {
	uint8_t *p;
	size_t len, cap;
	uint32_t records;
	uint64_t pages;
};

static void hb_put(struct hb *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		ck_assert(b->p);
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void hb_u32(struct hb *b, uint32_t v)
{
	uint8_t x[4] = { v, v >> 8, v >> 16, v >> 24 };

	hb_put(b, x, 4);
}

static void hb_u64(struct hb *b, uint64_t v)
{
	hb_u32(b, (uint32_t)v);
	hb_u32(b, (uint32_t)(v >> 32));
}

static void hb_set32(struct hb *b, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->p[at + i] = v >> (8 * i);
}

static void hb_header(struct hb *b, uint32_t version, uint32_t flags)
{
	memset(b, 0, sizeof(*b));
	hb_put(b, "HVSAVE\r\n", 8);
	hb_u32(b, version);
	hb_u32(b, flags);
	hb_u32(b, 0);
	hb_u32(b, 0);
	hb_u32(b, 0);
	hb_u32(b, crc32(0, b->p, 28));
}

/* Starts a record; the body follows through hb_put(); hb_close() ends it. */
static size_t hb_open(struct hb *b, uint32_t type, uint32_t flags)
{
	size_t at = b->len;

	hb_u32(b, type);
	hb_u32(b, flags);
	hb_u32(b, 0);
	hb_u32(b, 0);
	return at;
}

static void hb_close(struct hb *b, size_t at)
{
	uint32_t len = b->len - at - 16;

	hb_set32(b, at + 8, len);
	while (b->len % 8)
		hb_put(b, "", 1);
	hb_u32(b, crc32(0, b->p + at, b->len - at));
	hb_u32(b, 0);
	b->records++;
}

static void hb_record(struct hb *b, uint32_t type, uint32_t flags, const void *body, size_t len)
{
	size_t at = hb_open(b, type, flags);

	hb_put(b, body, len);
	hb_close(b, at);
}

/* A layout of 16 pages at 0 and 16 at 4 GiB. */
static void hb_layout(struct hb *b)
{
	size_t at = hb_open(b, STREAM_REC_MEMORY_LAYOUT, 0);

	hb_u32(b, 2);
	hb_u32(b, 0);
	hb_u64(b, 32 * PAGE);
	hb_u64(b, 0);
	hb_u64(b, 16 * PAGE);
	hb_u64(b, 4 * GIB);
	hb_u64(b, 16 * PAGE);
	hb_close(b, at);
}

static void hb_start(struct hb *b, uint32_t flags)
{
	hb_header(b, 1, flags);
	hb_record(b, STREAM_REC_DOMAIN_CONFIG, 0, "{}", 2);
	hb_layout(b);
}

/* A batch of @n entries: pfn[i] with its page filled with byte i+1, or a
 * zero page where the entry has STREAM_PFN_ZERO. */
static void hb_batch(struct hb *b, const uint64_t *pfns, uint32_t n)
{
	size_t at = hb_open(b, STREAM_REC_PAGE_BATCH, 0);
	uint8_t page[PAGE];
	uint32_t data = 0;

	for (uint32_t i = 0; i < n; i++)
		data += !(pfns[i] & STREAM_PFN_ZERO);
	hb_u32(b, n);
	hb_u32(b, 0);
	hb_u32(b, 16 + 8 * n);
	hb_u32(b, data * PAGE);
	for (uint32_t i = 0; i < n; i++)
		hb_u64(b, pfns[i]);
	for (uint32_t i = 0; i < n; i++) {
		if (pfns[i] & STREAM_PFN_ZERO)
			continue;
		memset(page, i + 1, PAGE);
		hb_put(b, page, PAGE);
	}
	hb_close(b, at);
	b->pages += n;
}

static void hb_finish(struct hb *b)
{
	size_t at;

	hb_record(b, STREAM_REC_VM_STATE, 0, test_vm, sizeof(test_vm) - 1);
	at = hb_open(b, STREAM_REC_VCPU_STATE, 0);
	hb_u32(b, 0);
	hb_u32(b, 0);
	hb_put(b, test_vcpu, sizeof(test_vcpu) - 1);
	hb_close(b, at);
}

static void hb_end(struct hb *b)
{
	size_t at = hb_open(b, STREAM_REC_END, 0);

	hb_u64(b, b->records);
	hb_u64(b, b->pages);
	hb_close(b, at);
}

/* The smallest valid stream. */
static void hb_minimal(struct hb *b)
{
	hb_start(b, 0);
	hb_finish(b);
	hb_end(b);
}

static struct mem hb_mem(struct hb *b)
{
	return (struct mem){ b->p, b->len };
}

/* Expects the reader to refuse @b's stream with @code and @words; frees it. */
static void hb_refused(struct hb *b, int code, const char *words)
{
	struct mem m = hb_mem(b);

	expect_refused(&m, code, words);
	free(b->p);
}

START_TEST(spec_stream_accepted)
{
	static const uint64_t pfns[] = { 1, 2 | STREAM_PFN_ZERO, 15, (4 * GIB) / PAGE + 3 };
	struct stream_reader r;
	struct stream_record rec;
	struct hb b;
	int rc, batches = 0;

	hb_start(&b, 0);
	hb_batch(&b, pfns, 4);
	hb_record(&b, 0x12345, STREAM_RF_OPTIONAL, "skip me", 7);
	hb_finish(&b);
	hb_end(&b);
	stream_reader_init_mem(&r, b.p, b.len);
	while ((rc = stream_read_record(&r, &rec)) > 0) {
		if (rec.type != STREAM_REC_PAGE_BATCH)
			continue;
		batches++;
		ck_assert_uint_eq(rec.batch.count, 4);
		ck_assert_uint_eq(rec.batch.nr_data, 3);
		ck_assert_uint_eq(rec.batch.data[0], 1);
		ck_assert_uint_eq(rec.batch.data[PAGE], 3);
		ck_assert_uint_eq(rec.batch.data[2 * PAGE + 4095], 4);
		ck_assert_uint_eq(rec.batch.data_file_offset, rec.offset + 16 + 16 + 32);
	}
	ck_assert_msg(rc == 0, "%s", r.errmsg);
	ck_assert_uint_eq(r.order.records, 7);
	stream_reader_fini(&r);
	free(b.p);
}
END_TEST

START_TEST(wrong_version)
{
	struct hb b;
	struct mem m;

	hb_minimal(&b);
	m = hb_mem(&b);
	ck_assert_int_eq(read_all(&m, NULL, 0), 0);
	hb_set32(&b, 8, 2);
	hb_set32(&b, 28, crc32(0, b.p, 28));
	expect_refused(&m, STREAM_E_VERSION, "version 2");
	hb_set32(&b, 8, 0);
	hb_set32(&b, 28, crc32(0, b.p, 28));
	expect_refused(&m, STREAM_E_VERSION, "version 0");
	hb_set32(&b, 8, 1);
	hb_set32(&b, 12, 1u << 9);
	hb_set32(&b, 28, crc32(0, b.p, 28));
	expect_refused(&m, STREAM_E_HEADER, "flags");
	hb_set32(&b, 12, STREAM_F_ALIGNED | STREAM_F_COMPRESSED);
	hb_set32(&b, 28, crc32(0, b.p, 28));
	expect_refused(&m, STREAM_E_HEADER, "aligned and compressed");
	hb_set32(&b, 12, 0);
	hb_set32(&b, 20, 1);
	hb_set32(&b, 28, crc32(0, b.p, 28));
	expect_refused(&m, STREAM_E_RESERVED, "offset 16");
	hb_set32(&b, 20, 0);
	hb_set32(&b, 28, 0);
	expect_refused(&m, STREAM_E_CRC, "header CRC");
	memcpy(b.p, "HVSAVE\n\n", 8);
	expect_refused(&m, STREAM_E_MAGIC, "magic");
	free(b.p);
}
END_TEST

START_TEST(oversized_length)
{
	struct hb b;
	struct mem m;

	hb_minimal(&b);
	m = hb_mem(&b);
	/* the DOMAIN_CONFIG record at 32 */
	hb_set32(&b, 32 + 8, STREAM_RECORD_MAX + 1);
	expect_refused(&m, STREAM_E_LENGTH, "record 0 (DOMAIN_CONFIG) at offset 32: body of 16777217 bytes");
	hb_set32(&b, 32 + 8, 1u << 20);
	expect_refused(&m, STREAM_E_TRUNCATED, "runs past the end");
	hb_set32(&b, 32 + 8, 2);
	hb_set32(&b, 32 + 12, 5);
	expect_refused(&m, STREAM_E_RESERVED, "reserved word of the record header");
	free(b.p);

	/* a layout of more regions than allowed */
	{
		size_t at;

		hb_header(&b, 1, 0);
		hb_record(&b, STREAM_REC_DOMAIN_CONFIG, 0, "{}", 2);
		at = hb_open(&b, STREAM_REC_MEMORY_LAYOUT, 0);
		hb_u32(&b, 65);
		hb_u32(&b, 0);
		hb_u64(&b, 65 * PAGE);
		for (int i = 0; i < 65; i++) {
			hb_u64(&b, (uint64_t)i * 2 * PAGE);
			hb_u64(&b, PAGE);
		}
		hb_close(&b, at);
		hb_refused(&b, STREAM_E_BODY, "65 regions");
	}
}
END_TEST

START_TEST(pfn_outside_layout)
{
	static const uint64_t outside[][2] = {
		{ 3, 16 },			/* just past region 0 */
		{ 3, (4 * GIB) / PAGE - 1 },	/* in the hole */
		{ 3, (4 * GIB) / PAGE + 16 },	/* past region 1 */
		{ 3, 1ull << 50 },		/* reserved bits */
		{ 5, 5 },			/* twice in a batch */
		{ 9, 5 },			/* descending */
	};
	struct stream_writer w;
	struct hb b;
	struct mem m;
	int fd;

	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		hb_start(&b, 0);
		hb_batch(&b, outside[i], 2);
		hb_finish(&b);
		hb_end(&b);
		hb_refused(&b, STREAM_E_PFN, "entry 1: pfn");
	}

	/* the same page twice in a saved image, once in each of two batches */
	hb_start(&b, 0);
	hb_batch(&b, (uint64_t[]){ 4 }, 1);
	hb_batch(&b, (uint64_t[]){ 4 }, 1);
	hb_finish(&b);
	hb_end(&b);
	m = hb_mem(&b);
	expect_refused(&m, STREAM_E_PFN, "record 3 (PAGE_BATCH)");
	/* which a migration stream may do */
	hb_set32(&b, 12, STREAM_F_LIVE);
	hb_set32(&b, 28, crc32(0, b.p, 28));
	ck_assert_int_eq(read_all(&m, NULL, 0), 0);
	free(b.p);

	/* the writer applies the same rule */
	fd = open("/dev/null", O_WRONLY);
	ck_assert_int_ge(fd, 0);
	{
		struct guest g;
		uint64_t bad = 16;

		guest_init(&g, 16, 16, false);
		ck_assert_int_eq(stream_writer_init(&w, fd, 0), 0);
		ck_assert_int_eq(stream_write_record(&w, STREAM_REC_DOMAIN_CONFIG, 0, "{}", 2), 0);
		ck_assert_int_eq(stream_write_layout(&w, g.regions, 2), 0);
		g.regions[0].size += PAGE;	/* so that the getter finds it */
		g.lo = realloc(g.lo, 17 * PAGE);
		ck_assert(g.lo);
		memset(g.lo + 16 * PAGE, 7, PAGE);
		ck_assert_int_eq(stream_write_pages(&w, &bad, 1, guest_get, &g, false), -STREAM_E_PFN);
		ck_assert(strstr(w.errmsg, "outside the memory layout"));
		/* sticky */
		ck_assert_int_eq(stream_write_end(&w), -STREAM_E_PFN);
		stream_writer_fini(&w);
		guest_fini(&g);
	}
	close(fd);
}
END_TEST

START_TEST(missing_end)
{
	struct hb b;
	struct mem m;

	hb_start(&b, 0);
	hb_finish(&b);
	m = hb_mem(&b);
	expect_refused(&m, STREAM_E_TRUNCATED, "no END record");

	/* END that miscounts, or comes too early */
	hb_record(&b, STREAM_REC_END, 0, (uint64_t[]){ 3, 0 }, 16);
	hb_refused(&b, STREAM_E_BODY, "END counts 3 records");

	hb_start(&b, 0);
	hb_end(&b);
	hb_refused(&b, STREAM_E_ORDER, "no VM_STATE");

	/* anything after END */
	hb_minimal(&b);
	hb_record(&b, STREAM_REC_DEVICE_STATE, 0, test_dev, sizeof(test_dev) - 1);
	hb_refused(&b, STREAM_E_TRAILING, "after the END");
}
END_TEST

START_TEST(out_of_order)
{
	struct hb b;
	size_t at;

	/* pages before MEMORY_LAYOUT */
	hb_header(&b, 1, 0);
	hb_record(&b, STREAM_REC_DOMAIN_CONFIG, 0, "{}", 2);
	hb_batch(&b, (uint64_t[]){ 1 }, 1);
	hb_refused(&b, STREAM_E_ORDER, "record 1 (PAGE_BATCH) at offset 64: comes before MEMORY_LAYOUT");

	/* no DOMAIN_CONFIG first */
	hb_header(&b, 1, 0);
	hb_layout(&b);
	hb_refused(&b, STREAM_E_ORDER, "first record must be DOMAIN_CONFIG");

	/* a duplicate vCPU */
	hb_start(&b, 0);
	hb_finish(&b);
	at = hb_open(&b, STREAM_REC_VCPU_STATE, 0);
	hb_u32(&b, 0);
	hb_u32(&b, 0);
	hb_put(&b, test_vcpu, sizeof(test_vcpu) - 1);
	hb_close(&b, at);
	hb_end(&b);
	hb_refused(&b, STREAM_E_DUPLICATE, "vCPU 0 was sent already");

	/* an unknown mandatory record; and a known type with flags */
	hb_start(&b, 0);
	hb_record(&b, 99, 0, "x", 1);
	hb_refused(&b, STREAM_E_TYPE, "record 2 (type 99)");
	hb_start(&b, 0);
	hb_record(&b, STREAM_REC_VM_STATE, STREAM_RF_OPTIONAL, test_vm, sizeof(test_vm) - 1);
	hb_refused(&b, STREAM_E_TYPE, "takes none");

	/* CPU_POLICY after the layout */
	hb_start(&b, 0);
	at = hb_open(&b, STREAM_REC_CPU_POLICY, 0);
	hb_u32(&b, 1);
	hb_u32(&b, 0);
	for (int i = 0; i < 8; i++)
		hb_u32(&b, 0);
	hb_close(&b, at);
	hb_refused(&b, STREAM_E_ORDER, "CPU_POLICY after MEMORY_LAYOUT");
}
END_TEST

START_TEST(bad_padding_and_bodies)
{
	struct hb b;
	size_t at;

	/* non-zero padding after a 2-byte body, with a CRC that matches */
	hb_start(&b, 0);
	b.p[32 + 16 + 2] = 1;
	hb_set32(&b, 32 + 24, crc32(0, b.p + 32, 24));
	hb_refused(&b, STREAM_E_RESERVED, "padding after the body");

	/* trailer reserved word */
	hb_start(&b, 0);
	b.p[32 + 24 + 4] = 1;
	hb_refused(&b, STREAM_E_RESERVED, "after the CRC");

	/* a NUL in the configuration */
	hb_header(&b, 1, 0);
	hb_record(&b, STREAM_REC_DOMAIN_CONFIG, 0, "{\0}", 3);
	hb_refused(&b, STREAM_E_BODY, "NUL byte at body offset 1");

	/* a batch whose data length does not match its pages */
	hb_start(&b, 0);
	at = hb_open(&b, STREAM_REC_PAGE_BATCH, 0);
	hb_u32(&b, 1);
	hb_u32(&b, 0);
	hb_u32(&b, 24);
	hb_u32(&b, 8);
	hb_u64(&b, 1);
	hb_u64(&b, 0);
	hb_close(&b, at);
	hb_refused(&b, STREAM_E_LENGTH, "1 pages with data need 4096 bytes");

	/* a batch of more than STREAM_BATCH_MAX pages */
	hb_start(&b, 0);
	at = hb_open(&b, STREAM_REC_PAGE_BATCH, 0);
	hb_u32(&b, STREAM_BATCH_MAX + 1);
	hb_u32(&b, 0);
	hb_u32(&b, 16 + 8 * (STREAM_BATCH_MAX + 1));
	hb_u32(&b, 0);
	for (uint32_t i = 0; i <= STREAM_BATCH_MAX; i++)
		hb_u64(&b, i | STREAM_PFN_ZERO);
	hb_close(&b, at);
	hb_refused(&b, STREAM_E_BODY, "1025 pages");
}
END_TEST

/* A compressed batch: @z is the zlib data for @pages pages. */
static void hb_zbatch(struct hb *b, const void *z, uint32_t zlen, uint32_t pages)
{
	size_t at = hb_open(b, STREAM_REC_PAGE_BATCH, 0);

	hb_u32(b, pages);
	hb_u32(b, STREAM_BATCH_COMPRESSED);
	hb_u32(b, 16 + 8 * pages);
	hb_u32(b, zlen);
	for (uint32_t i = 0; i < pages; i++)
		hb_u64(b, i);
	hb_put(b, z, zlen);
	hb_close(b, at);
	b->pages += pages;
}

START_TEST(bad_compression)
{
	static uint8_t pages[3 * PAGE];
	uint8_t z[2 * 3 * PAGE];
	uLongf zlen = sizeof(z);
	struct hb b;
	struct mem m;

	memset(pages, 0x5a, sizeof(pages));
	ck_assert_int_eq(compress2(z, &zlen, pages, sizeof(pages), 6), Z_OK);

	/* right: 3 pages */
	hb_start(&b, STREAM_F_COMPRESSED);
	hb_zbatch(&b, z, zlen, 3);
	hb_finish(&b);
	hb_end(&b);
	m = hb_mem(&b);
	ck_assert_int_eq(read_all(&m, NULL, 0), 0);
	free(b.p);

	/* in a stream whose header does not allow it */
	hb_start(&b, 0);
	hb_zbatch(&b, z, zlen, 3);
	hb_refused(&b, STREAM_E_BODY, "does not allow compression");

	/* inflates to more, or to less, than the pages */
	hb_start(&b, STREAM_F_COMPRESSED);
	hb_zbatch(&b, z, zlen, 2);
	hb_refused(&b, STREAM_E_COMPRESS, "does not inflate to 8192 bytes");
	hb_start(&b, STREAM_F_COMPRESSED);
	hb_zbatch(&b, z, zlen, 4);
	hb_refused(&b, STREAM_E_COMPRESS, "inflates to 12288 bytes");

	/* garbage, and a valid stream followed by junk */
	hb_start(&b, STREAM_F_COMPRESSED);
	hb_zbatch(&b, "not zlib at all", 15, 3);
	hb_refused(&b, STREAM_E_COMPRESS, "record 2 (PAGE_BATCH)");
	z[zlen] = 0;
	hb_start(&b, STREAM_F_COMPRESSED);
	hb_zbatch(&b, z, zlen + 1, 3);
	hb_refused(&b, STREAM_E_COMPRESS, "after the end of the compressed data");
}
END_TEST

/* The writer refuses, at save time, what the reader would refuse. */
START_TEST(writer_refuses)
{
	struct stream_writer w;
	struct stream_region bad[2] = { { 0, 8 * PAGE }, { 4 * PAGE, 8 * PAGE } };
	int fd = open("/dev/null", O_WRONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(stream_writer_init(&w, fd, 0), 0);
	ck_assert_int_eq(stream_write_vcpu(&w, 0, "x", 1), -STREAM_E_ORDER);
	ck_assert(strstr(w.errmsg, "record 0 (VCPU_STATE) at offset 32"));
	stream_writer_fini(&w);

	ck_assert_int_eq(stream_writer_init(&w, fd, 0), 0);
	ck_assert_int_eq(stream_write_record(&w, STREAM_REC_DOMAIN_CONFIG, 0, "{}", 2), 0);
	ck_assert_int_eq(stream_write_layout(&w, bad, 2), -STREAM_E_BODY);
	ck_assert(strstr(w.errmsg, "overlaps"));
	stream_writer_fini(&w);

	ck_assert_int_eq(stream_writer_init(&w, fd, 0), 0);
	ck_assert_int_eq(stream_write_record(&w, STREAM_REC_DOMAIN_CONFIG, 0, "{}", 2), 0);
	ck_assert_int_eq(stream_write_layout(&w, bad, 1), 0);
	ck_assert_int_eq(stream_write_record(&w, STREAM_REC_VM_STATE, 0, "v", 1), 0);
	ck_assert_int_eq(stream_write_end(&w), -STREAM_E_ORDER);
	ck_assert(strstr(w.errmsg, "no VCPU_STATE"));
	stream_writer_fini(&w);

	ck_assert_int_eq(stream_writer_init(&w, fd, STREAM_F_ALIGNED | STREAM_F_COMPRESSED), -EINVAL);
	stream_writer_fini(&w);
	ck_assert_int_eq(stream_writer_init(&w, fd, 0), 0);
	ck_assert_int_eq(stream_write_pages(&w, NULL, 0, guest_get, NULL, true), -EINVAL);
	stream_writer_fini(&w);
	close(fd);
}
END_TEST

/* A full disk or a closed peer: -errno, and the domain's memory untouched. */
START_TEST(writer_full_disk)
{
	struct stream_writer w;
	struct guest g;
	int fd = open("/dev/full", O_WRONLY);
	int p[2];

	if (fd < 0) {
		fprintf(stderr, "test-stream: no /dev/full (%s), full disk not tested\n", strerror(errno));
		return;
	}
	guest_init(&g, 600, 4, false);
	ck_assert_int_eq(write_sample(fd, &g, 0, false, &w), -ENOSPC);
	ck_assert_msg(strstr(w.errmsg, "offset 0: No space left on device"), "%s", w.errmsg);
	ck_assert_uint_eq(w.bytes_written, 0);
	stream_writer_fini(&w);
	close(fd);

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	ck_assert_int_eq(write_sample(p[1], &g, STREAM_F_COMPRESSED, true, &w), -EPIPE);
	stream_writer_fini(&w);
	close(p[1]);
	guest_fini(&g);
}
END_TEST

/*
 * Page data goes out with writev straight from guest memory: on a
 * non-blocking pipe that a slow reader drains, the writer waits and resumes
 * inside a batch's pages (partial writes, EAGAIN), and the bytes are the
 * ones it writes to a file.
 */
START_TEST(writer_nonblocking_pipe)
{
	struct stream_writer w;
	struct guest g;
	struct mem want, got = { NULL, 0 };
	size_t cap = 0;
	int fd = tmp_fd(), p[2];
	pid_t pid;
	int status;

	guest_init(&g, 3000, 8, false);
	ck_assert_int_eq(write_sample(fd, &g, 0, false, &w), 0);
	stream_writer_fini(&w);
	want = fd_slurp(fd, 0);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		close(p[0]);
		if (fcntl(p[1], F_SETFL, O_NONBLOCK))
			_exit(2);
		_exit(write_sample(p[1], &g, 0, false, &w) ? 1 : 0);
	}
	close(p[1]);
	for (;;) {
		ssize_t n;

		if (got.len + 1000 > cap) {
			cap = cap ? 2 * cap : 1 << 20;
			got.p = realloc(got.p, cap);
			need(got.p);
		}
		n = read(p[0], got.p + got.len, 1000);	/* slower than the writer */
		ck_assert_int_ge(n, 0);
		if (!n)
			break;
		got.len += (size_t)n;
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(got.len, want.len);
	ck_assert(!memcmp(got.p, want.p, want.len));
	close(p[0]);
	close(fd);
	free(got.p);
	free(want.p);
	guest_fini(&g);
}
END_TEST

/*
 * A reader that stops reading: with stall_ms, the write fails with
 * -ETIMEDOUT once the pipe is full and stays so for that long (hv-vmm
 * then abandons the save and the domain runs on); without, it would wait.
 */
START_TEST(writer_stalled_reader)
{
	struct stream_writer w;
	struct guest g;
	size_t n;
	uint64_t *pfns;
	struct timespec t0, t1;
	int p[2], rc;
	double s;

	guest_init(&g, 3000, 8, false);
	n = (g.regions[0].size + g.regions[1].size) / PAGE;
	pfns = calloc(n, sizeof(*pfns));
	need(pfns);
	guest_pfns(&g, pfns);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(stream_writer_init(&w, p[1], 0), 0);
	w.stall_ms = 300;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = stream_write_record(&w, STREAM_REC_DOMAIN_CONFIG, 0, test_config, strlen(test_config));
	if (!rc)
		rc = stream_write_layout(&w, g.regions, 2);
	if (!rc)
		rc = stream_write_pages(&w, pfns, n, guest_get, &g, false);
	if (!rc)
		rc = stream_write_end(&w);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_int_eq(rc, -ETIMEDOUT);
	ck_assert_msg(strstr(w.errmsg, "reader took nothing for 1 s"), "%s", w.errmsg);
	ck_assert_msg(s >= 0.29, "gave up after %.3f s, before the stall limit", s);
	/* what went out is what fitted the pipe: the reader has no whole stream */
	ck_assert_uint_lt(w.bytes_written, (uint64_t)n * PAGE);
	stream_writer_fini(&w);
	close(p[0]);
	close(p[1]);
	free(pfns);
	guest_fini(&g);
}
END_TEST

/*
 * In a regular file, page data goes out in writes that end on
 * STREAM_WRITE_ALIGN boundaries (write_sample_chunked() checks), and the
 * bytes are the same whether the writer keeps page data queued across
 * stream_write_pages() calls (pages_stable) or not.
 */
START_TEST(writer_file_write_bounds)
{
	struct stream_writer w;
	struct guest g;
	struct mem img[2];

	guest_init(&g, 3000, 8, true);
	for (int stable = 0; stable < 2; stable++) {
		int fd = tmp_fd();
		bool bounds_ok = true;

		ck_assert_int_eq(write_sample_chunked(fd, &g, STREAM_F_ALIGNED, false, 700, stable,
						      &w, &bounds_ok), 0);
		ck_assert_msg(bounds_ok, "pages_stable %d: a write did not end where it should", stable);
		stream_writer_fini(&w);
		img[stable] = fd_slurp(fd, 0);
		close(fd);
	}
	ck_assert_uint_gt(img[0].len, 3 * STREAM_WRITE_ALIGN);
	ck_assert_uint_eq(img[1].len, img[0].len);
	ck_assert(!memcmp(img[1].p, img[0].p, img[0].len));
	free(img[0].p);
	free(img[1].p);
	guest_fini(&g);
}
END_TEST

/*
 * A reader on a pipe or socket takes exactly the stream's bytes: what the
 * peer sends after END stays for the caller to read.
 */
START_TEST(reader_on_a_pipe)
{
	struct mem m = sample(3, 2, STREAM_F_LIVE, false);
	struct stream_reader r;
	struct stream_record rec;
	char after[6] = "";
	int p[2], rc;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		close(p[0]);
		for (size_t off = 0; off < m.len; off += 1000)
			if (write(p[1], m.p + off, m.len - off < 1000 ? m.len - off : 1000) < 0)
				_exit(1);
		_exit(write(p[1], "after", 5) != 5);
	}
	close(p[1]);
	stream_reader_init(&r, p[0]);
	while ((rc = stream_read_record(&r, &rec)) > 0)
		;
	ck_assert_msg(rc == 0, "%s", r.errmsg);
	ck_assert_uint_eq(r.bytes, m.len);
	ck_assert_int_eq(read(p[0], after, 5), 5);
	ck_assert_str_eq(after, "after");
	stream_reader_fini(&r);
	close(p[0]);
	free(m.p);
}
END_TEST

/*
 * A descriptor that goes with the stream (a local migration's memory): the
 * writer attaches it to the record written after pass_fd is set, and a
 * reader that takes descriptors keeps it, reading the stream as always.
 */
/* What the reader has not taken yet: a socket's queue, a pipe's, none for a file. */
START_TEST(unread_counts_what_the_reader_has_not_taken)
{
	struct stream_writer w;
	char body[4096], buf[8192], tmp[] = "/tmp/hv-stream-XXXXXX";
	int sv[2], p[2], file = mkstemp(tmp);
	size_t got = 0;

	ck_assert_int_ge(file, 0);
	unlink(tmp);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(p), 0);
	memset(body, 'x', sizeof(body));	/* a config's body: text */

	ck_assert_int_eq(stream_writer_init(&w, sv[0], STREAM_F_LIVE), 0);
	ck_assert_int_eq(stream_write_record(&w, STREAM_REC_DOMAIN_CONFIG, 0, body, 4096), 0);
	ck_assert_int_eq(stream_writer_flush(&w), 0);
	/* a socket's queue counts its buffers' overhead too */
	ck_assert_uint_ge(stream_writer_unread(&w), 4096);
	while (got < w.bytes_written) {
		ssize_t n = read(sv[1], buf, sizeof(buf));

		ck_assert_int_gt(n, 0);
		got += (size_t)n;
	}
	ck_assert_uint_eq(stream_writer_unread(&w), 0);
	stream_writer_fini(&w);

	ck_assert_int_eq(stream_writer_init(&w, p[1], STREAM_F_LIVE), 0);
	ck_assert_int_eq(stream_write_record(&w, STREAM_REC_DOMAIN_CONFIG, 0, body, 100), 0);
	ck_assert_int_eq(stream_writer_flush(&w), 0);
	ck_assert_uint_eq(stream_writer_unread(&w), w.bytes_written);
	ck_assert_int_eq(read(p[0], buf, sizeof(buf)), (ssize_t)w.bytes_written);
	ck_assert_uint_eq(stream_writer_unread(&w), 0);
	stream_writer_fini(&w);

	ck_assert_int_eq(stream_writer_init(&w, file, STREAM_F_LIVE), 0);
	ck_assert_int_eq(stream_write_record(&w, STREAM_REC_DOMAIN_CONFIG, 0, body, 100), 0);
	ck_assert_int_eq(stream_writer_flush(&w), 0);
	ck_assert_uint_eq(stream_writer_unread(&w), 0);
	stream_writer_fini(&w);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	close(file);
}
END_TEST

START_TEST(descriptor_passed_with_the_stream)
{
	struct stream_region layout = { 0, 8 * PAGE };
	struct stream_writer w;
	struct stream_reader r;
	struct stream_record rec;
	struct stat a, b;
	int sv[2], memfd, rc, seen = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memfd = memfd_create("hv-test", MFD_CLOEXEC);
	ck_assert_int_ge(memfd, 0);
	ck_assert_int_eq(stream_writer_init(&w, sv[0], STREAM_F_LIVE), 0);
	ck_assert_int_eq(stream_write_record(&w, STREAM_REC_DOMAIN_CONFIG, 0, "{}", 2), 0);
	ck_assert_int_eq(stream_write_layout(&w, &layout, 1), 0);
	ck_assert_int_eq(stream_writer_flush(&w), 0);
	w.pass_fd = memfd;
	ck_assert_int_eq(stream_write_record(&w, 0x101, STREAM_RF_OPTIONAL, "12345678", 8), 0);
	ck_assert_int_eq(stream_writer_flush(&w), 0);
	ck_assert_int_eq(w.pass_fd, -1);
	ck_assert_int_eq(stream_write_record(&w, STREAM_REC_VM_STATE, 0, "v", 1), 0);
	ck_assert_int_eq(stream_write_vcpu(&w, 0, "c", 1), 0);
	ck_assert_int_eq(stream_write_end(&w), 0);
	stream_writer_fini(&w);

	stream_reader_init(&r, sv[1]);
	r.take_fds = true;
	while ((rc = stream_read_record(&r, &rec)) > 0)
		if (rec.type == 0x101) {
			ck_assert(rec.unknown);
			ck_assert_int_ge(r.passed_fd, 0);
			ck_assert_int_eq(fstat(r.passed_fd, &a), 0);
			ck_assert_int_eq(fstat(memfd, &b), 0);
			ck_assert(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
			seen++;
		}
	ck_assert_msg(rc == 0, "%s", r.errmsg);
	ck_assert_int_eq(seen, 1);
	stream_reader_fini(&r);	/* closes the descriptor nobody took */
	ck_assert_int_eq(r.passed_fd, -1);
	close(memfd);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* ---- The record reader alone (libhv's) and its table CRC ---- */

/*
 * The CRC from the table (libhv's) and from ISA-L (hv-vmm's) are zlib's
 * crc32() of docs/save-stream.md, at every length and alignment and
 * continued from any value.
 */
START_TEST(crc_implementations_agree)
{
	static uint8_t buf[3 * PAGE + 64];
	uint32_t seed = 0x12345678;

	ck_assert_uint_eq(stream_crc_update_table(0, "123456789", 9), 0xcbf43926);
	ck_assert_uint_eq(stream_crc_update(0, "123456789", 9), 0xcbf43926);
	for (size_t i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = seed >> 16;
	}
	for (size_t off = 0; off < 8; off++) {
		for (size_t len = 0; len + off <= sizeof(buf);
		     len += len < 300 ? 1 : len < PAGE ? 97 : 1021) {
			uint32_t want = (uint32_t)crc32(0, buf + off, (uInt)len);
			uint32_t from = (uint32_t)crc32(0, buf, (uInt)off);

			ck_assert_uint_eq(stream_crc_update_table(0, buf + off, len), want);
			ck_assert_uint_eq(stream_crc_update(0, buf + off, len), want);
			want = (uint32_t)crc32(from, buf + off, (uInt)len);
			ck_assert_uint_eq(stream_crc_update_table(from, buf + off, len), want);
			ck_assert_uint_eq(stream_crc_update(from, buf + off, len), want);
		}
	}
}
END_TEST

/* Reads @m to its end with stream_read_next() (no zlib), like read_all(). */
static int read_all_next(const struct mem *m)
{
	struct stream_reader r;
	struct stream_record rec;
	int rc;

	stream_reader_init_mem(&r, m->p, m->len);
	while ((rc = stream_read_next(&r, &rec)) > 0)
		;
	if (rc < 0)
		ck_assert_int_eq(rc, r.err);
	stream_reader_fini(&r);
	return rc;
}

/*
 * stream_read_next() hands over the records stream_read_record() does, the
 * page data of compressed batches left as the stream has it; on a broken
 * stream it fails as stream_read_record() does, where zlib plays no part.
 */
START_TEST(record_reader_alone)
{
	struct mem m = sample(40, 2, STREAM_F_COMPRESSED, true);
	struct stream_reader rn, rr;
	struct stream_record a, b;
	unsigned int compressed = 0;
	int n, r, fd;

	stream_reader_init_mem(&rn, m.p, m.len);
	stream_reader_init_mem(&rr, m.p, m.len);
	do {
		n = stream_read_next(&rn, &a);
		r = stream_read_record(&rr, &b);
		ck_assert_msg(n == r, "%d vs %d: %s / %s", n, r, rn.errmsg, rr.errmsg);
		ck_assert_uint_eq(a.index, b.index);
		ck_assert_uint_eq(a.offset, b.offset);
		ck_assert_uint_eq(a.type, b.type);
		ck_assert_uint_eq(a.len, b.len);
		ck_assert_ptr_eq(a.body, b.body);
		if (a.type != STREAM_REC_PAGE_BATCH)
			continue;
		ck_assert_uint_eq(a.batch.count, b.batch.count);
		ck_assert_uint_eq(a.batch.nr_data, b.batch.nr_data);
		ck_assert_int_eq(a.batch.compressed, b.batch.compressed);
		if (!a.batch.compressed) {
			ck_assert_ptr_eq(a.batch.data, b.batch.data);
			continue;
		}
		/* the zlib data where the record has it, inflated by the other */
		compressed++;
		ck_assert_ptr_eq(a.batch.data, a.body + le_get32(a.body + 8));
		ck_assert_ptr_ne(b.batch.data, a.batch.data);
	} while (n > 0);
	ck_assert_msg(n == 0, "%s", rn.errmsg);
	ck_assert_uint_gt(compressed, 0);
	ck_assert_uint_eq(rn.bytes, rr.bytes);
	stream_reader_fini(&rn);
	stream_reader_fini(&rr);

	/* what libhv does: the first record, from a file */
	fd = tmp_fd();
	ck_assert_int_eq(write(fd, m.p, m.len), (ssize_t)m.len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	stream_reader_init(&rn, fd);
	ck_assert_int_eq(stream_read_next(&rn, &a), 1);
	ck_assert_uint_eq(a.type, STREAM_REC_DOMAIN_CONFIG);
	ck_assert_uint_eq(a.len, strlen(test_config));
	ck_assert(!memcmp(a.body, test_config, a.len));
	ck_assert_uint_eq(rn.flags, STREAM_F_COMPRESSED);
	stream_reader_fini(&rn);
	close(fd);
	free(m.p);

	/* every corruption of a plain stream is refused alike */
	m = sample(2, 1, 0, false);
	for (size_t off = 0; off < m.len; off++) {
		m.p[off] ^= 0x81;
		n = read_all_next(&m);
		r = read_all(&m, NULL, 0);
		m.p[off] ^= 0x81;
		ck_assert_msg(n == r && n < 0, "byte %zu: %d vs %d", off, n, r);
	}
	free(m.p);
}
END_TEST

static Suite *stream_suite(void)
{
	Suite *s = suite_create("stream");
	TCase *tc = tcase_create("stream");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, roundtrip_plain);
	tcase_add_test(tc, roundtrip_compressed);
	tcase_add_test(tc, roundtrip_aligned);
	tcase_add_test(tc, roundtrip_live);
	tcase_add_test(tc, incompressible_pages);
	tcase_add_test(tc, aligned_pages_map_in_place);
	tcase_add_test(tc, deferred_page_crc);
	tcase_add_test(tc, truncated_everywhere);
	tcase_add_test(tc, corrupted_everywhere);
	tcase_add_test(tc, spec_stream_accepted);
	tcase_add_test(tc, wrong_version);
	tcase_add_test(tc, oversized_length);
	tcase_add_test(tc, pfn_outside_layout);
	tcase_add_test(tc, missing_end);
	tcase_add_test(tc, out_of_order);
	tcase_add_test(tc, bad_padding_and_bodies);
	tcase_add_test(tc, bad_compression);
	tcase_add_test(tc, writer_refuses);
	tcase_add_test(tc, writer_full_disk);
	tcase_add_test(tc, writer_nonblocking_pipe);
	tcase_add_test(tc, writer_stalled_reader);
	tcase_add_test(tc, writer_file_write_bounds);
	tcase_add_test(tc, reader_on_a_pipe);
	tcase_add_test(tc, descriptor_passed_with_the_stream);
	tcase_add_test(tc, unread_counts_what_the_reader_has_not_taken);
	tcase_add_test(tc, crc_implementations_agree);
	tcase_add_test(tc, record_reader_alone);
	suite_add_tcase(s, tc);
	return s;
}

/* test-stream write FILE small|big [live] [aligned] [compressed] */
static int write_main(int argc, char **argv)
{
	struct stream_writer w;
	uint32_t flags = 0;
	struct guest g;
	bool big;
	int fd, rc;

	if (argc < 4 || (strcmp(argv[3], "small") && strcmp(argv[3], "big"))) {
		fprintf(stderr, "usage: test-stream write FILE small|big [live] [aligned] [compressed]\n");
		return 2;
	}
	big = !strcmp(argv[3], "big");
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "live"))
			flags |= STREAM_F_LIVE;
		else if (!strcmp(argv[i], "aligned"))
			flags |= STREAM_F_ALIGNED;
		else if (!strcmp(argv[i], "compressed"))
			flags |= STREAM_F_COMPRESSED;
		else
			return 2;
	}
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "test-stream: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	guest_init(&g, big ? 1500 : 3, big ? 100 : 1, false);
	rc = write_sample(fd, &g, flags, flags & STREAM_F_COMPRESSED, &w);
	if (rc)
		fprintf(stderr, "test-stream: %s: %s\n", argv[2], w.errmsg);
	stream_writer_fini(&w);
	guest_fini(&g);
	if (close(fd) && !rc)
		rc = -errno;
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "write"))
		return write_main(argc, argv);
	return check_run_suite(stream_suite());
}
