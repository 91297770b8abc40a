/*
 * Sealed streams (docs/save-stream.md, *Sealed streams*): a stream written
 * with a key reads back with it; and every way of changing one that the
 * CRCs cannot show is refused with the key: a byte of any record changed
 * with its CRC made good again, a cut at any record boundary, two records
 * swapped, a record dropped, two images of one key spliced, another key.
 * A sealed stream without a key and an unsealed one with a key are refused
 * too, saying so.  Key files: too short, empty and too long are refused.
 *
 * "test-seal write FILE KEYFILE [aligned|compressed|live]" writes a small
 * sealed stream for tests/integration/streamcheck.sh.
 */
#include <check.h>
#include "check-main.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "stream/stream.h"
#include "stream/stream-int.h"

#define PAGE STREAM_PAGE_SIZE
#define NR_PAGES 24u

static const char seal_config[] = "{\"name\":\"guest\",\"memory\":64,\"vcpus\":2}";
static const uint8_t seal_vm[] = "\x02" "vm" "\x01\x00\x00\x00" "\x00\x00\x00\x00";
static const uint8_t seal_dev[] = "\x04" "uart" "\x01\x00\x00\x00" "\x00\x00\x00\x00";
static const uint8_t seal_cpu0[] = "\x04" "vcpu" "\x01\x00\x00\x00" "\x00\x00\x00\x00";
static const struct stream_cpuid seal_cpuid[] = {
	{ 0, 0, 0, 0xd, 0x68747541, 0x444d4163, 0x69746e65 },
};

struct mem {
	uint8_t *p;
	size_t len;
};

static uint8_t guest[NR_PAGES][PAGE];

static const void *seal_get(void *opaque, uint64_t pfn)
{
	(void)opaque;
	return guest[pfn];
}

static void seal_key(uint8_t key[STREAM_KEY_SIZE], uint8_t seed)
{
	for (unsigned int i = 0; i < STREAM_KEY_SIZE; i++)
		key[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

static int seal_tmp_fd(void)
{
	FILE *f = tmpfile();
	int fd;

	ck_assert(f);
	fd = dup(fileno(f));
	fclose(f);
	ck_assert_int_ge(fd, 0);
	return fd;
}

/* A whole stream of the guest to @fd: sealed with @key unless it is NULL. */
static int seal_write(int fd, const uint8_t *key, uint32_t flags)
{
	struct stream_writer w;
	struct stream_region region = { 0, NR_PAGES * PAGE };
	uint64_t pfns[NR_PAGES];
	uint8_t note[16] = "a note";
	bool compress = flags & STREAM_F_COMPRESSED;
	int rc;

	for (unsigned int i = 0; i < NR_PAGES; i++) {
		pfns[i] = i;
		/* every fourth page zero: left out, or (live) a zero entry */
		memset(guest[i], i % 4 ? (int)(0x11 * (i % 15) + 1) : 0, PAGE);
		if (i % 4)
			guest[i][i] = (uint8_t)i;
	}
	rc = stream_writer_init(&w, fd, flags);
	if (!rc && key)
		rc = stream_writer_set_key(&w, key);
	if (!rc)
		rc = stream_write_record(&w, STREAM_REC_DOMAIN_CONFIG, 0, seal_config,
					 strlen(seal_config));
	if (!rc)
		rc = stream_write_cpu_policy(&w, seal_cpuid, 1);
	if (!rc)
		rc = stream_write_layout(&w, &region, 1);
	if (!rc)
		rc = stream_write_record(&w, 0x7fff0001, STREAM_RF_OPTIONAL, note, sizeof(note));
	/* two batches: pages 0-11, then 12-23 */
	if (!rc)
		rc = stream_write_pages(&w, pfns, NR_PAGES / 2, seal_get, NULL, compress);
	if (!rc)
		rc = stream_write_pages(&w, pfns + NR_PAGES / 2, NR_PAGES / 2, seal_get, NULL,
					compress);
	if (!rc)
		rc = stream_write_record(&w, STREAM_REC_VM_STATE, 0, seal_vm, sizeof(seal_vm) - 1);
	/* two vCPU states of one length: swapping them breaks no rule but the MACs */
	for (uint32_t id = 0; !rc && id < 2; id++)
		rc = stream_write_vcpu(&w, id, seal_cpu0, sizeof(seal_cpu0) - 1);
	if (!rc)
		rc = stream_write_record(&w, STREAM_REC_DEVICE_STATE, 0, seal_dev,
					 sizeof(seal_dev) - 1);
	if (!rc)
		rc = stream_write_end(&w);
	if (rc)
		fprintf(stderr, "test-seal: writing: %s\n", w.errmsg);
	stream_writer_fini(&w);
	return rc;
}

static struct mem seal_sample(const uint8_t *key, uint32_t flags)
{
	int fd = seal_tmp_fd();
	struct mem m;
	off_t end;

	ck_assert_int_eq(seal_write(fd, key, flags), 0);
	end = lseek(fd, 0, SEEK_END);
	ck_assert_int_gt(end, 0);
	m.len = (size_t)end;
	m.p = malloc(m.len);
	ck_assert(m.p);
	ck_assert_int_eq(pread(fd, m.p, m.len, 0), (ssize_t)m.len);
	close(fd);
	return m;
}

struct seal_page_check {
	unsigned int pages;
	bool bad;
};

static int seal_check_page(void *opaque, uint64_t pfn, const void *page, uint64_t off)
{
	struct seal_page_check *c = opaque;

	(void)off;
	c->pages++;
	if (pfn >= NR_PAGES || (page ? memcmp(page, guest[pfn], PAGE) : pfn % 4 != 0))
		c->bad = true;
	return 0;
}

/*
 * Reads @m (from memory, or through a file with @via_fd) with @key (NULL:
 * none) to its end; the reader's result, its message in @msg.
 */
static int seal_read(const struct mem *m, const uint8_t *key, bool via_fd, char *msg,
		     size_t size, struct seal_page_check *c)
{
	struct stream_reader r;
	struct stream_record rec;
	int rc, fd = -1;

	if (via_fd) {
		fd = seal_tmp_fd();
		ck_assert_int_eq(pwrite(fd, m->p, m->len, 0), (ssize_t)m->len);
		ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
		stream_reader_init(&r, fd);
	} else {
		stream_reader_init_mem(&r, m->p, m->len);
		r.defer_page_crc = true;	/* as a lazy restore asks: never with a key */
	}
	if (key)
		ck_assert_int_eq(stream_reader_set_key(&r, key), 0);
	while ((rc = stream_read_record(&r, &rec)) > 0) {
		if (rec.type == STREAM_REC_PAGE_BATCH) {
			ck_assert(!key || !rec.batch.crc_deferred);
			if (c)
				stream_page_batch_foreach(&rec, seal_check_page, c);
		}
	}
	if (rc < 0) {
		ck_assert_int_eq(rc, r.err);
		ck_assert(r.errmsg[0]);
	}
	if (msg)
		snprintf(msg, size, "%s", r.errmsg);
	stream_reader_fini(&r);
	if (fd >= 0)
		close(fd);
	return rc;
}

static void seal_refused(const struct mem *m, const uint8_t *key, int code, const char *words,
			 const char *what)
{
	char msg[512];

	for (int via_fd = 0; via_fd < 2; via_fd++) {
		int rc = seal_read(m, key, via_fd, msg, sizeof(msg), NULL);

		ck_assert_msg(rc == -code, "%s (%s): expected %s, got %d (%s): %s", what,
			      via_fd ? "fd" : "memory", stream_strerror(-code), rc,
			      stream_strerror(rc), msg);
		ck_assert_msg(!words || strstr(msg, words), "%s: message \"%s\" lacks \"%s\"",
			      what, msg, words);
	}
}

/* The records of a sealed stream: where each starts, and its length in all. */
struct seal_rec {
	size_t off, total;
	uint32_t type;
};

static size_t seal_records(const struct mem *m, struct seal_rec *recs, size_t max)
{
	size_t off = STREAM_HEADER_SIZE + STREAM_SEAL_SIZE, n = 0;

	while (off < m->len) {
		uint32_t len = le_get32(m->p + off + 8);

		ck_assert_uint_lt(n, max);
		recs[n].off = off;
		recs[n].type = le_get32(m->p + off);
		recs[n].total = STREAM_RECORD_HEADER_SIZE + stream_pad8(len) +
				stream_trailer_size(STREAM_F_SEALED);
		off += recs[n++].total;
	}
	ck_assert_uint_eq(off, m->len);
	return n;
}

/* Makes the CRC of the record at @r right again, as anyone could. */
static void seal_fix_crc(struct mem *m, const struct seal_rec *r)
{
	size_t crc_at = r->off + r->total - stream_trailer_size(STREAM_F_SEALED);

	le_put32(m->p + crc_at, stream_crc32(0, m->p + r->off, crc_at - r->off));
}

static const uint32_t seal_modes[] = {
	0, STREAM_F_ALIGNED, STREAM_F_COMPRESSED, STREAM_F_LIVE,
};

START_TEST(sealed_round_trip)
{
	uint8_t key[STREAM_KEY_SIZE];
	char msg[512];

	seal_key(key, 1);
	for (size_t i = 0; i < sizeof(seal_modes) / sizeof(seal_modes[0]); i++) {
		struct mem m = seal_sample(key, seal_modes[i]);

		ck_assert_uint_eq(le_get32(m.p + 12), seal_modes[i] | STREAM_F_SEALED);
		for (int via_fd = 0; via_fd < 2; via_fd++) {
			struct seal_page_check c = { 0, false };
			int rc = seal_read(&m, key, via_fd, msg, sizeof(msg), &c);

			ck_assert_msg(rc == 0, "mode 0x%x: %s", seal_modes[i], msg);
			ck_assert(!c.bad);
			ck_assert_uint_eq(c.pages, seal_modes[i] & STREAM_F_LIVE ? NR_PAGES :
					  NR_PAGES - NR_PAGES / 4);
		}
		free(m.p);
	}
}
END_TEST

START_TEST(key_and_seal_go_together)
{
	uint8_t key[STREAM_KEY_SIZE], other[STREAM_KEY_SIZE];
	struct mem sealed, plain;

	seal_key(key, 1);
	seal_key(other, 2);
	sealed = seal_sample(key, STREAM_F_ALIGNED);
	plain = seal_sample(NULL, STREAM_F_ALIGNED);
	ck_assert_int_eq(seal_read(&plain, NULL, false, NULL, 0, NULL), 0);
	seal_refused(&sealed, NULL, STREAM_E_SEAL, "key it was saved with", "sealed, no key");
	seal_refused(&plain, key, STREAM_E_SEAL, "not sealed", "unsealed, a key");
	seal_refused(&sealed, other, STREAM_E_MAC, "another key", "another key");
	/* the flag taken away (header CRC made good): with the key, it is not sealed */
	le_put32(sealed.p + 12, le_get32(sealed.p + 12) & ~STREAM_F_SEALED);
	le_put32(sealed.p + 28, stream_crc32(0, sealed.p, 28));
	seal_refused(&sealed, key, STREAM_E_SEAL, "not sealed", "flag cleared");
	free(sealed.p);
	free(plain.p);
}
END_TEST

/* A byte of every record (and of the seal) changed, its CRC made good again. */
START_TEST(tampered_records_refused)
{
	uint8_t key[STREAM_KEY_SIZE];
	struct seal_rec recs[32];
	char what[64];

	seal_key(key, 1);
	for (size_t i = 0; i < sizeof(seal_modes) / sizeof(seal_modes[0]); i++) {
		struct mem m = seal_sample(key, seal_modes[i]);
		size_t n = seal_records(&m, recs, 32);
		bool types[8] = { false };

		for (size_t k = 0; k < n; k++) {
			struct seal_rec *r = &recs[k];
			size_t len = le_get32(m.p + r->off + 8);
			/* the body's last byte (page data, END's counts...), then its first */
			size_t at[] = { r->off + STREAM_RECORD_HEADER_SIZE + len - 1,
					r->off + STREAM_RECORD_HEADER_SIZE };

			if (r->type < 8)
				types[r->type] = true;
			for (size_t j = 0; j < 2; j++) {
				m.p[at[j]] ^= 0x01;
				seal_fix_crc(&m, r);
				snprintf(what, sizeof(what), "mode 0x%x record %zu byte %zu",
					 seal_modes[i], k, at[j]);
				seal_refused(&m, key, STREAM_E_MAC, "MAC", what);
				m.p[at[j]] ^= 0x01;
				seal_fix_crc(&m, r);
			}
			/* the MAC itself */
			m.p[r->off + r->total - 1] ^= 0x80;
			snprintf(what, sizeof(what), "mode 0x%x record %zu MAC", seal_modes[i], k);
			seal_refused(&m, key, STREAM_E_MAC, "MAC", what);
			m.p[r->off + r->total - 1] ^= 0x80;
		}
		for (uint32_t t = 0; t < 8; t++)
			ck_assert_msg(types[t], "mode 0x%x: no record of type %u tampered with",
				      seal_modes[i], t);
		/* the nonce and the seal's MAC */
		m.p[STREAM_HEADER_SIZE] ^= 0x01;
		seal_refused(&m, key, STREAM_E_MAC, "seal", "nonce");
		m.p[STREAM_HEADER_SIZE] ^= 0x01;
		m.p[STREAM_HEADER_SIZE + STREAM_SEAL_SIZE - 1] ^= 0x01;
		seal_refused(&m, key, STREAM_E_MAC, "seal", "seal MAC");
		m.p[STREAM_HEADER_SIZE + STREAM_SEAL_SIZE - 1] ^= 0x01;
		ck_assert_int_eq(seal_read(&m, key, false, NULL, 0, NULL), 0);
		free(m.p);
	}
}
END_TEST

/* Cut at every record boundary (and inside the seal): refused, never taken. */
START_TEST(truncated_at_record_boundaries)
{
	uint8_t key[STREAM_KEY_SIZE];
	struct seal_rec recs[32];
	struct mem m, t;
	size_t n;

	seal_key(key, 1);
	m = seal_sample(key, STREAM_F_ALIGNED);
	n = seal_records(&m, recs, 32);
	t.p = m.p;
	for (size_t k = 0; k < n; k++) {
		t.len = recs[k].off;
		seal_refused(&t, key, STREAM_E_TRUNCATED, NULL, "cut before a record");
		/* the MAC cut off the record, or part of it */
		t.len = recs[k].off + recs[k].total - STREAM_MAC_SIZE;
		seal_refused(&t, key, STREAM_E_TRUNCATED, NULL, "cut before a MAC");
	}
	for (t.len = 0; t.len < STREAM_HEADER_SIZE + STREAM_SEAL_SIZE; t.len++)
		ck_assert_int_lt(seal_read(&t, key, false, NULL, 0, NULL), 0);
	free(m.p);
}
END_TEST

static void seal_swap(struct mem *m, const struct seal_rec *a, const struct seal_rec *b)
{
	uint8_t *tmp = malloc(a->total);

	ck_assert_uint_eq(a->total, b->total);
	ck_assert(tmp);
	memcpy(tmp, m->p + a->off, a->total);
	memcpy(m->p + a->off, m->p + b->off, a->total);
	memcpy(m->p + b->off, tmp, a->total);
	free(tmp);
}

/* Records moved or dropped: each stays a valid stream without the MACs. */
START_TEST(reordered_and_dropped_refused)
{
	uint8_t key[STREAM_KEY_SIZE];
	struct seal_rec recs[32];
	struct mem m, d;
	size_t n, vcpu = 0, note = 0;

	seal_key(key, 1);
	m = seal_sample(key, 0);
	n = seal_records(&m, recs, 32);
	for (size_t k = 0; k < n; k++) {
		if (recs[k].type == STREAM_REC_VCPU_STATE && !vcpu)
			vcpu = k;
		if (recs[k].type == 0x7fff0001)
			note = k;
	}
	ck_assert(vcpu && note);
	/* the two vCPU states swapped (each vCPU id still once: the rules allow it) */
	seal_swap(&m, &recs[vcpu], &recs[vcpu + 1]);
	seal_refused(&m, key, STREAM_E_MAC, "MAC", "vCPU states swapped");
	seal_swap(&m, &recs[vcpu], &recs[vcpu + 1]);
	ck_assert_int_eq(seal_read(&m, key, false, NULL, 0, NULL), 0);
	/* the optional note dropped, END's record count made good (and its CRC) */
	d.len = m.len - recs[note].total;
	d.p = malloc(m.len);
	ck_assert(d.p);
	memcpy(d.p, m.p, recs[note].off);
	memcpy(d.p + recs[note].off, m.p + recs[note].off + recs[note].total,
	       m.len - recs[note].off - recs[note].total);
	{
		struct seal_rec end = recs[n - 1];

		end.off -= recs[note].total;
		le_put64(d.p + end.off + STREAM_RECORD_HEADER_SIZE,
			 le_get64(d.p + end.off + STREAM_RECORD_HEADER_SIZE) - 1);
		seal_fix_crc(&d, &end);
	}
	seal_refused(&d, key, STREAM_E_MAC, "MAC", "a record dropped");
	free(d.p);
	free(m.p);
}
END_TEST

/* Two images of the same domain and key: each one's records are the other's but for the MACs. */
START_TEST(spliced_images_refused)
{
	uint8_t key[STREAM_KEY_SIZE];
	struct seal_rec ra[32], rb[32];
	struct mem a, b, s;
	size_t na, nb;

	seal_key(key, 1);
	a = seal_sample(key, STREAM_F_ALIGNED);
	b = seal_sample(key, STREAM_F_ALIGNED);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert(memcmp(a.p, b.p, a.len));	/* the nonces differ, and so every MAC */
	na = seal_records(&a, ra, 32);
	nb = seal_records(&b, rb, 32);
	ck_assert_uint_eq(na, nb);
	s.len = a.len;
	s.p = malloc(s.len);
	ck_assert(s.p);
	/* a's first k records, then b's */
	for (size_t k = 0; k < na; k++) {
		char what[48];

		memcpy(s.p, a.p, ra[k].off);
		memcpy(s.p + ra[k].off, b.p + rb[k].off, b.len - rb[k].off);
		snprintf(what, sizeof(what), "a's %zu records, then b's", k);
		seal_refused(&s, key, STREAM_E_MAC, "MAC", what);
	}
	/* b's header and seal on a's records */
	memcpy(s.p, a.p, a.len);
	memcpy(s.p, b.p, STREAM_HEADER_SIZE + STREAM_SEAL_SIZE);
	seal_refused(&s, key, STREAM_E_MAC, "record 0", "b's seal on a's records");
	free(s.p);
	free(a.p);
	free(b.p);
}
END_TEST

static void seal_key_file(const char *path, size_t len, uint8_t fill)
{
	uint8_t buf[STREAM_KEY_FILE_MAX + 1];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_le(len, sizeof(buf));
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(fill + i);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

START_TEST(key_files)
{
	char path[] = "/tmp/test-seal-key.XXXXXX", msg[256];
	uint8_t k1[STREAM_KEY_SIZE], k2[STREAM_KEY_SIZE], k3[STREAM_KEY_SIZE];
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	seal_key_file(path, 0, 0);
	ck_assert_int_eq(stream_key_file_read(path, k1, msg, sizeof(msg)), -EINVAL);
	ck_assert_msg(strstr(msg, "head -c 32 /dev/urandom"), "%s", msg);
	seal_key_file(path, 31, 1);
	ck_assert_int_eq(stream_key_file_read(path, k1, msg, sizeof(msg)), -EINVAL);
	ck_assert_msg(strstr(msg, "fewer than 32"), "%s", msg);
	seal_key_file(path, STREAM_KEY_FILE_MAX + 1, 1);
	ck_assert_int_eq(stream_key_file_read(path, k1, msg, sizeof(msg)), -EINVAL);
	seal_key_file(path, 32, 1);
	ck_assert_int_eq(stream_key_file_read(path, k1, msg, sizeof(msg)), 0);
	ck_assert_int_eq(stream_key_file_read(path, k2, msg, sizeof(msg)), 0);
	ck_assert(!memcmp(k1, k2, sizeof(k1)));
	seal_key_file(path, 32, 2);
	ck_assert_int_eq(stream_key_file_read(path, k3, msg, sizeof(msg)), 0);
	ck_assert(memcmp(k1, k3, sizeof(k1)));
	seal_key_file(path, STREAM_KEY_FILE_MAX, 1);
	ck_assert_int_eq(stream_key_file_read(path, k3, msg, sizeof(msg)), 0);
	unlink(path);
	ck_assert_int_eq(stream_key_file_read(path, k3, msg, sizeof(msg)), -ENOENT);
	ck_assert_int_eq(stream_key_file_read("/tmp", k3, msg, sizeof(msg)), -EINVAL);
}
END_TEST

/* What libhv reads before a restore: the header, the seal and DOMAIN_CONFIG. */
START_TEST(config_read_with_key)
{
	uint8_t key[STREAM_KEY_SIZE], other[STREAM_KEY_SIZE];
	char *json = NULL, msg[512];
	uint32_t flags = 0;
	int fd = seal_tmp_fd();

	seal_key(key, 1);
	seal_key(other, 2);
	ck_assert_int_eq(seal_write(fd, key, STREAM_F_ALIGNED), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(stream_read_config(fd, key, &json, &flags, msg, sizeof(msg)), 0);
	ck_assert_str_eq(json, seal_config);
	ck_assert_uint_eq(flags, STREAM_F_ALIGNED | STREAM_F_SEALED);
	free(json);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 0);
	ck_assert_int_eq(stream_read_config(fd, NULL, &json, &flags, msg, sizeof(msg)),
			 -STREAM_E_SEAL);
	ck_assert_msg(strstr(msg, "xl restore -k"), "%s", msg);
	ck_assert_ptr_null(json);
	ck_assert_int_eq(stream_read_config(fd, other, &json, &flags, msg, sizeof(msg)),
			 -STREAM_E_MAC);
	ck_assert_ptr_null(json);
	close(fd);
}
END_TEST

START_TEST(writer_seals_once_and_first)
{
	uint8_t key[STREAM_KEY_SIZE];
	struct stream_writer w;
	int fd = seal_tmp_fd();

	seal_key(key, 1);
	ck_assert_int_eq(stream_writer_init(&w, fd, STREAM_F_SEALED), -EINVAL);
	stream_writer_fini(&w);
	ck_assert_int_eq(stream_writer_init(&w, fd, 0), 0);
	ck_assert_int_eq(stream_write_record(&w, STREAM_REC_DOMAIN_CONFIG, 0, seal_config,
					     strlen(seal_config)), 0);
	ck_assert_int_eq(stream_writer_set_key(&w, key), -EINVAL);
	stream_writer_fini(&w);
	ck_assert_int_eq(stream_writer_init(&w, fd, 0), 0);
	ck_assert_int_eq(stream_writer_set_key(&w, key), 0);
	ck_assert_int_eq(stream_writer_set_key(&w, key), -EINVAL);
	stream_writer_fini(&w);
	close(fd);
}
END_TEST

static Suite *seal_suite(void)
{
	Suite *s = suite_create("seal");
	TCase *tc = tcase_create("seal");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, sealed_round_trip);
	tcase_add_test(tc, key_and_seal_go_together);
	tcase_add_test(tc, tampered_records_refused);
	tcase_add_test(tc, truncated_at_record_boundaries);
	tcase_add_test(tc, reordered_and_dropped_refused);
	tcase_add_test(tc, spliced_images_refused);
	tcase_add_test(tc, key_files);
	tcase_add_test(tc, config_read_with_key);
	tcase_add_test(tc, writer_seals_once_and_first);
	suite_add_tcase(s, tc);
	return s;
}

/* test-seal write FILE KEYFILE [aligned|compressed|live] */
static int seal_write_main(int argc, char **argv)
{
	uint8_t key[STREAM_KEY_SIZE];
	uint32_t flags = 0;
	char msg[256];
	int fd, rc;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: test-seal write FILE KEYFILE [aligned|compressed|live]\n");
		return 2;
	}
	if (argc == 5)
		flags = !strcmp(argv[4], "aligned") ? STREAM_F_ALIGNED :
			!strcmp(argv[4], "compressed") ? STREAM_F_COMPRESSED :
			!strcmp(argv[4], "live") ? STREAM_F_LIVE : ~0u;
	if (flags == ~0u)
		return 2;
	if (stream_key_file_read(argv[3], key, msg, sizeof(msg))) {
		fprintf(stderr, "test-seal: %s\n", msg);
		return 1;
	}
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "test-seal: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	rc = seal_write(fd, key, flags);
	explicit_bzero(key, sizeof(key));
	if (close(fd) && !rc)
		rc = -errno;
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "write"))
		return seal_write_main(argc, argv);
	return check_run_suite(seal_suite());
}
