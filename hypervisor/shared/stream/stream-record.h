/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The save image and migration stream (docs/save-stream.md), as far as a
 * reader of its records needs it: the format's constants, the rules' state,
 * and a reader that checks every byte of a record (framing, CRC, order, body)
 * before handing it over, without decompressing page data.  libhv reads an
 * image's DOMAIN_CONFIG with this alone (stream.c, stream-record.c,
 * stream-crc.c: no zlib, no ISA-L); stream.h adds the writer and the page
 * data (stream-write.c, stream-read.c).
 *
 * No global state and no printing: a writer or reader is one struct owned by
 * the caller, used by one thread at a time; separate structs may be used
 * from separate threads.  Errors are negative numbers, either -errno (I/O,
 * memory, API misuse) or -STREAM_E_* (the stream breaks a rule), with a
 * message in ->errmsg that says what and where (record index, byte offset).
 * The first error is sticky: every later call returns it again.
 */
#ifndef HV_STREAM_RECORD_H
#define HV_STREAM_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef HV_STREAM_HIDDEN
#define STREAM_API __attribute__((visibility("hidden")))
#else
#define STREAM_API
#endif

#define STREAM_MAGIC		"HVSAVE\r\n"	/* 8 bytes, no NUL */
#define STREAM_VERSION		1u
#define STREAM_HEADER_SIZE	32u
#define STREAM_RECORD_HEADER_SIZE 16u
#define STREAM_RECORD_TRAILER_SIZE 8u

/* Stream header flags. */
#define STREAM_F_LIVE		(1u << 0)	/* migration: a pfn may be sent again */
#define STREAM_F_ALIGNED	(1u << 1)	/* page data on 4 KiB offsets, never compressed */
#define STREAM_F_COMPRESSED	(1u << 2)	/* page batches may be zlib-compressed */
#define STREAM_F_SEALED		(1u << 3)	/* a seal after the header, a MAC after every record */
#define STREAM_F_ALL		(STREAM_F_LIVE | STREAM_F_ALIGNED | STREAM_F_COMPRESSED | \
				 STREAM_F_SEALED)

/*
 * Sealed streams: HMAC-SHA256 with a 32-byte key.  After the header, a seal
 * of STREAM_SEAL_SIZE bytes (a random nonce, then the MAC of the header and
 * nonce); every record's trailer then ends with the MAC of the previous MAC
 * and the record's bytes, header to CRC word and reserved word.
 */
#define STREAM_KEY_SIZE		32u
#define STREAM_MAC_SIZE		32u
#define STREAM_NONCE_SIZE	16u
#define STREAM_SEAL_SIZE	(STREAM_NONCE_SIZE + STREAM_MAC_SIZE)
/* Key files: at least this many bytes (of random data), at most the second. */
#define STREAM_KEY_FILE_MIN	32u
#define STREAM_KEY_FILE_MAX	4096u

/* Record types. */
enum stream_rec_type {
	STREAM_REC_END = 0,
	STREAM_REC_DOMAIN_CONFIG = 1,
	STREAM_REC_CPU_POLICY = 2,
	STREAM_REC_MEMORY_LAYOUT = 3,
	STREAM_REC_PAGE_BATCH = 4,
	STREAM_REC_VM_STATE = 5,
	STREAM_REC_VCPU_STATE = 6,
	STREAM_REC_DEVICE_STATE = 7,
};

/* Record flags. */
#define STREAM_RF_OPTIONAL	(1u << 0)	/* an unknown type is skipped, not refused */

/* Limits (a reader refuses more). */
#define STREAM_RECORD_MAX	(16u << 20)	/* body length of any record */
#define STREAM_CONFIG_MAX	(1u << 20)	/* DOMAIN_CONFIG body */
#define STREAM_CPUID_MAX	256u		/* CPU_POLICY entries */
#define STREAM_REGIONS_MAX	64u		/* MEMORY_LAYOUT regions */
#define STREAM_VCPUS_MAX	4096u		/* vCPU ids are 0..STREAM_VCPUS_MAX-1 */
#define STREAM_BATCH_MAX	1024u		/* pages in one PAGE_BATCH */
#define STREAM_PAGE_SIZE	4096u
#define STREAM_PFN_MAX		((1ull << 40) - 1)	/* 52-bit guest-physical addresses */
#define STREAM_PFN_ZERO		(1ull << 63)	/* PAGE_BATCH pfn entry: a zero page, no data */
#define STREAM_BATCH_COMPRESSED	(1u << 0)	/* PAGE_BATCH flags: data is one zlib stream */

/* Format errors (returned negated); distinct from every errno value. */
enum stream_error {
	STREAM_E_MAGIC = 0x1000,	/* not a save stream */
	STREAM_E_VERSION,		/* a version this reader does not know */
	STREAM_E_HEADER,		/* stream header flags or reserved bytes */
	STREAM_E_CRC,			/* header or record CRC mismatch */
	STREAM_E_TRUNCATED,		/* the stream ends inside a record or before END */
	STREAM_E_LENGTH,		/* a length over a limit or not what the type needs */
	STREAM_E_RESERVED,		/* non-zero reserved field or padding */
	STREAM_E_TYPE,			/* unknown mandatory record type, or bad record flags */
	STREAM_E_ORDER,			/* a record where it may not be, or one missing */
	STREAM_E_BODY,			/* a record body breaks its type's rules */
	STREAM_E_PFN,			/* a pfn outside the layout or out of order */
	STREAM_E_DUPLICATE,		/* a vCPU id or singleton record seen twice */
	STREAM_E_COMPRESS,		/* zlib data does not inflate to the right size */
	STREAM_E_TRAILING,		/* bytes after END */
	STREAM_E_SEAL,			/* sealed without a key given, or a key for an unsealed stream */
	STREAM_E_MAC,			/* a seal or record MAC that the key does not give */
};

/* A name for an error code ("CRC mismatch", "No space left on device"). */
STREAM_API const char *stream_strerror(int rc);

/* The stream's CRC-32 (zlib's crc32(), at memory speed with ISA-L), continued from @crc. */
STREAM_API uint32_t stream_crc32(uint32_t crc, const void *p, size_t len);
/*
 * The 32-byte key of a sealed stream from a key file's @len bytes at
 * @material (HMAC-SHA256 keyed with them, of a fixed label).  The caller
 * wipes both when done (explicit_bzero).
 */
STREAM_API void stream_key_derive(const void *material, size_t len,
				  uint8_t key[STREAM_KEY_SIZE]);

/*
 * Reads the key file @path (a regular file of STREAM_KEY_FILE_MIN to _MAX
 * bytes) and derives the stream key from it into @key; the file's bytes
 * are wiped.  0, or -errno / -EINVAL with what is wrong (and how to make a
 * key file) in @msg.
 */
STREAM_API int stream_key_file_read(const char *path, uint8_t key[STREAM_KEY_SIZE],
				    char *msg, size_t msg_size);

/* The bytes a record takes after its body and padding in a stream with @flags. */
static inline uint32_t stream_trailer_size(uint32_t flags)
{
	return STREAM_RECORD_TRAILER_SIZE + (flags & STREAM_F_SEALED ? STREAM_MAC_SIZE : 0);
}

/* "DOMAIN_CONFIG", ..., or NULL for an unknown type. */
STREAM_API const char *stream_type_name(uint32_t type);

struct stream_seal;

struct stream_region {
	uint64_t gpa;		/* 4 KiB aligned */
	uint64_t size;		/* 4 KiB aligned, not zero */
};

struct stream_layout {
	uint32_t nr;
	uint64_t total;		/* sum of the sizes, bytes */
	struct stream_region regions[STREAM_REGIONS_MAX];
};

/* True when the page @pfn lies in one of @l's regions. */
STREAM_API bool stream_layout_has_pfn(const struct stream_layout *l, uint64_t pfn);

/*
 * What has been seen so far, in stream order: the one set of rules that both
 * the writer (before it emits a record) and the reader (before it hands one
 * over) apply.  Internal to both; read the counters from it if useful.
 */
struct stream_order {
	uint32_t stream_flags;
	uint32_t records;		/* records accepted, END included */
	bool have_config, have_policy, have_layout, have_vm, ended;
	uint32_t nr_vcpus;
	uint64_t vcpu_seen[STREAM_VCPUS_MAX / 64];
	uint64_t pages, zero_pages;	/* PAGE_BATCH entries accepted */
	uint64_t next_pfn;		/* lowest pfn allowed next (not LIVE) */
	struct stream_layout layout;
};

/* ---- Reader ---- */

struct stream_batch {
	uint32_t count;			/* entries */
	uint32_t nr_data;		/* entries with data (not zero pages) */
	bool compressed;
	const uint8_t *pfns;		/* count little-endian u64 entries */
	const uint8_t *data;		/* nr_data pages, inflated if compressed (by
					 * stream_read_record(), not stream_read_next()) */
	uint64_t data_file_offset;	/* file offset of the first page of data, or
					 * STREAM_NO_OFFSET when compressed */
	/* defer_page_crc: the record's CRC, still to be checked over the data */
	bool crc_deferred;
	uint32_t crc;			/* the record's CRC as stored */
	uint32_t crc_prefix;		/* CRC of the record up to the page data */
	uint32_t crc_tail;		/* zero padding bytes after the data */
};

#define STREAM_NO_OFFSET UINT64_MAX

struct stream_record {
	uint32_t index;			/* 0 for the first record */
	uint64_t offset;		/* stream offset of the record header */
	uint32_t type, flags;
	uint32_t len;
	const uint8_t *body;		/* len bytes, valid until the next read */
	bool unknown;			/* optional record of a type not known here: skip it */
	uint32_t vcpu_id;		/* VCPU_STATE: its id; state is body + 8 */
	struct stream_batch batch;	/* PAGE_BATCH */
};

struct stream_reader {
	int fd;				/* -1 when reading a buffer */
	const uint8_t *mem;
	size_t mem_len;
	bool check_eof;			/* refuse bytes after END (files, buffers) */
	/*
	 * Set by the caller of stream_reader_init_mem() for a lazy restore: the
	 * page data of an aligned stream's batches is not read (nor checked);
	 * every other byte is.  Such batches come back with crc_deferred set,
	 * and stream_batch_verify() checks them later.
	 */
	bool defer_page_crc;
	uint64_t file_size;		/* regular files: bytes from the stream start */
	uint64_t base;			/* file offset of the stream's first byte */
	uint32_t version, flags;	/* from the header */
	bool started;
	uint64_t offset;		/* stream offset of the next record */
	int err;
	char errmsg[256];
	uint8_t *buf;			/* the current record (fd) */
	size_t cap;
	uint8_t *pages;			/* inflated page data */
	struct stream_order order;
	uint64_t bytes;			/* stream bytes accepted */
	/*
	 * Set by the caller on a Unix socket: a descriptor that comes with the
	 * stream's bytes (SCM_RIGHTS: a local migration's memory) is kept in
	 * passed_fd (the first one; later ones are closed) for the caller to
	 * take (and set to -1); stream_reader_fini() closes one left there.
	 */
	bool take_fds;
	int passed_fd;
	struct stream_seal *seal;	/* stream_reader_set_key(): the key's MAC state */
};

/*
 * Reads from @fd, from its current offset; reads exactly the stream's bytes,
 * never ahead, so a migration socket can carry other messages after END.
 * A regular file is also checked to end right after END.  The reader does not
 * own @fd.  Returns 0 (errors come from the first stream_read_record()).
 */
STREAM_API int stream_reader_init(struct stream_reader *r, int fd);

/* Reads the @len bytes at @data (a buffer or an mmap'd file), which must stay
 * valid; record bodies point into it.  Page data offsets count from @data. */
STREAM_API int stream_reader_init_mem(struct stream_reader *r, const void *data,
				      size_t len);

/* Frees the buffers and wipes the key. */
STREAM_API void stream_reader_fini(struct stream_reader *r);

/*
 * Gives the reader the key of a sealed stream, before the first read (a
 * copy is kept, keyed, until stream_reader_fini()).  With a key, a stream
 * that is not sealed is refused (-STREAM_E_SEAL), and every record must
 * carry the MAC the key gives (-STREAM_E_MAC); without one, a sealed stream
 * is refused (-STREAM_E_SEAL: it needs its key).  A sealed stream's page
 * data is never deferred (defer_page_crc): its MACs are checked in order.
 * Returns 0, -ENOMEM, or -EINVAL after the first read.
 */
STREAM_API int stream_reader_set_key(struct stream_reader *r,
				     const uint8_t key[STREAM_KEY_SIZE]);

/*
 * Checks the stream header (first call) and the next record completely:
 * CRC, reserved fields and padding, order, body format and every pfn against
 * the layout; the page data of a compressed PAGE_BATCH is left as it is in
 * the stream (rec->batch.data is the zlib data, not inflated or checked).
 * Returns 1 with *rec filled in, 0 once END has been read (rec describes
 * END), or a negative error.  stream_read_record() (stream.h) is this with
 * the page data inflated.
 */
STREAM_API int stream_read_next(struct stream_reader *r, struct stream_record *rec);

/* The header and layout, once read. */
STREAM_API const struct stream_layout *stream_reader_layout(const struct stream_reader *r);

/*
 * The domain's description in the image at @fd's offset (which it puts
 * back): the stream header and its first record, DOMAIN_CONFIG, checked as
 * every record is (with @key, if not NULL, its seal and MAC too; see
 * stream_reader_set_key()).  0 with a malloc()ed NUL-terminated copy in *json_r
 * and the header's flags in *flags_r; or -STREAM_E_* (-STREAM_E_ORDER: the
 * first record is another) or -errno, with the reader's message in @msg.
 */
STREAM_API int stream_read_config(int fd, const uint8_t *key, char **json_r,
				  uint32_t *flags_r, char *msg, size_t msg_size);

#endif
