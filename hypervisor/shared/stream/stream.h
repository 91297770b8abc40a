/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The save image and migration stream (docs/save-stream.md): a writer that
 * produces it through a file descriptor and a reader that checks every byte
 * of it before handing a record over.  Shared by hv-vmm, libhv and
 * hv-streamcheck; libhv builds it with -DHV_STREAM_HIDDEN.
 *
 * No global state and no printing: a writer or reader is one struct owned by
 * the caller, used by one thread at a time; separate structs may be used
 * from separate threads.  Errors are negative numbers, either -errno (I/O,
 * memory, API misuse) or -STREAM_E_* (the stream breaks a rule), with a
 * message in ->errmsg that says what and where (record index, byte offset).
 * The first error is sticky: every later call returns it again.
 */
#ifndef HV_STREAM_H
#define HV_STREAM_H

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
#define STREAM_F_ALL		(STREAM_F_LIVE | STREAM_F_ALIGNED | STREAM_F_COMPRESSED)

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
};

/* A name for an error code ("CRC mismatch", "No space left on device"). */
STREAM_API const char *stream_strerror(int rc);
/* "DOMAIN_CONFIG", ..., or NULL for an unknown type. */
STREAM_API const char *stream_type_name(uint32_t type);

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

/* One CPUID leaf of a CPU_POLICY record. */
struct stream_cpuid {
	uint32_t function, index, flags;
	uint32_t eax, ebx, ecx, edx;
};

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

/* ---- Writer ---- */

/* 4096 zero bytes: what a page getter gives for a page known to be zero. */
STREAM_API extern const uint8_t stream_zero_page[STREAM_PAGE_SIZE];

/*
 * Writes to a regular file end on multiples of this where they can (the
 * largest page cache folio, PMD-sized): a write that starts inside a folio's
 * span gets small folios for the rest of it, and copying into those measured
 * 3.5 times slower here (ext4, 256 MiB in 4 MiB writes: 185 ms vs 52 ms).
 */
#define STREAM_WRITE_ALIGN	(2u << 20)

struct stream_wb;
struct stream_seg;

struct stream_writer {
	int fd;
	uint32_t flags;
	int err;			/* sticky: 0 or negative */
	char errmsg[256];
	/*
	 * Set by the caller: page data stays unchanged until the next
	 * stream_writer_flush() (a paused domain), so stream_write_pages() may
	 * leave its last bytes queued for the next call's first write.
	 */
	bool pages_stable;
	uint8_t *buf;			/* bytes not yet written to fd */
	size_t len, cap;
	/* queued for writev, in stream order: page data where it lies and w->buf[0..buf_queued) */
	struct stream_seg *segs;
	struct iovec *iov;		/* room for as many iovecs as segs */
	size_t nr_segs, segs_cap, buf_queued;
	uint64_t queued;		/* bytes in segs */
	long long file_base;		/* the stream's offset in a regular file, or -1 */
	uint64_t writeback_done;	/* bytes last told to the writeback thread */
	struct stream_wb *wb;		/* that thread, once started */
	void *z;			/* deflate state, once compressing */
	struct stream_order order;
	/* progress, for the caller to read */
	uint64_t bytes_written;		/* reached the fd */
	uint64_t pages, zero_pages;	/* pages written, zero pages among them */
	uint64_t data_bytes;		/* page data bytes written, after compression */
};

/*
 * Gives the 4096 bytes of guest page @pfn, or NULL to fail the write with
 * -EFAULT; stream_zero_page for a page known to be zero (not read again).
 * The bytes are written from where they are, not copied: they must stay
 * unchanged until stream_write_pages() returns.
 */
typedef const void *(*stream_page_getter)(void *opaque, uint64_t pfn);

/*
 * Starts a stream on @fd (a file, pipe or socket; blocking or not) with
 * header @flags (STREAM_F_*).  STREAM_F_ALIGNED needs no STREAM_F_COMPRESSED;
 * page data offsets then count from the stream's first byte, which is the
 * file offset @fd had here (it must be a multiple of 4096 for a lazy restore
 * to map pages).  Nothing reaches @fd until a flush.  Returns 0 or -EINVAL;
 * on error, stream_writer_fini() is still safe.  The writer does not own @fd.
 */
STREAM_API int stream_writer_init(struct stream_writer *w, int fd, uint32_t flags);

/* Stops the writeback thread, frees the buffers (unwritten bytes are dropped). */
STREAM_API void stream_writer_fini(struct stream_writer *w);

/*
 * Appends one record with @len bytes of @body.  The writer applies the
 * reader's rules first (order, body format, limits) and refuses a record
 * the reader would refuse with -STREAM_E_*.  Use this for DOMAIN_CONFIG,
 * CPU_POLICY, VM_STATE, DEVICE_STATE and for optional records of new types
 * (flags STREAM_RF_OPTIONAL); the helpers below build the other bodies.
 * Returns 0 or a negative error (-errno from the fd: -ENOSPC for a full disk,
 * -EPIPE for a closed peer; the caller abandons the save and the domain
 * goes on running).
 */
STREAM_API int stream_write_record(struct stream_writer *w, uint32_t type,
				   uint32_t flags, const void *body, size_t len);

/* CPU_POLICY from @n CPUID leaves. */
STREAM_API int stream_write_cpu_policy(struct stream_writer *w,
				       const struct stream_cpuid *e, size_t n);

/* MEMORY_LAYOUT from @n RAM regions in ascending, non-overlapping order. */
STREAM_API int stream_write_layout(struct stream_writer *w,
				   const struct stream_region *r, size_t n);

/* VCPU_STATE for vCPU @id with @len bytes of state (state_io sections). */
STREAM_API int stream_write_vcpu(struct stream_writer *w, uint32_t id,
				 const void *state, size_t len);

/*
 * Page batches for the @n pages @pfns (ascending within the call; ascending
 * across the whole stream unless STREAM_F_LIVE), STREAM_BATCH_MAX per record.
 * All-zero pages are left out of a saved image (a page it does not mention
 * is zero) and sent as zero-page entries without data in a live stream.
 * With @compress (needs STREAM_F_COMPRESSED) each batch's data is one zlib
 * stream, unless that would not be smaller.  In a regular file, a thread
 * of the writer's hands written ranges to writeback as the stream goes
 * (sync_file_range, beside the writes), so that the caller's final
 * fdatasync() finds little left to do.
 */
STREAM_API int stream_write_pages(struct stream_writer *w, const uint64_t *pfns,
				  size_t n, stream_page_getter get, void *opaque,
				  bool compress);

/* END (with the record and page counts), then flushes; stops the writeback thread. */
STREAM_API int stream_write_end(struct stream_writer *w);

/* Writes out everything buffered or queued.  Returns 0 or -errno. */
STREAM_API int stream_writer_flush(struct stream_writer *w);

/* ---- Reader ---- */

struct stream_batch {
	uint32_t count;			/* entries */
	uint32_t nr_data;		/* entries with data (not zero pages) */
	bool compressed;
	const uint8_t *pfns;		/* count little-endian u64 entries */
	const uint8_t *data;		/* nr_data pages, inflated if compressed */
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

STREAM_API void stream_reader_fini(struct stream_reader *r);

/*
 * Checks the stream header (first call) and the next record completely:
 * CRC, reserved fields and padding, order, body format, every pfn against the
 * layout, and decompression.  Returns 1 with *rec filled in, 0 once END has
 * been read (rec describes END), or a negative error.  Nothing in a record
 * should be acted on before it has been returned here; a restore should read
 * to END before the domain runs.
 */
STREAM_API int stream_read_record(struct stream_reader *r, struct stream_record *rec);

/* The header and layout, once read. */
STREAM_API const struct stream_layout *stream_reader_layout(const struct stream_reader *r);

/*
 * Calls @fn for each entry of a PAGE_BATCH record returned by
 * stream_read_record() (already checked): @page is the 4096 bytes, or NULL
 * for a zero page; @file_offset is where those bytes lie in the file for an
 * uncompressed batch (for mmap MAP_PRIVATE), else STREAM_NO_OFFSET.  Stops at
 * and returns the first non-zero value @fn returns; 0 otherwise.
 */
typedef int (*stream_page_fn)(void *opaque, uint64_t pfn, const void *page,
			      uint64_t file_offset);
STREAM_API int stream_page_batch_foreach(const struct stream_record *rec,
					 stream_page_fn fn, void *opaque);

/*
 * Checks the CRC of a batch read with defer_page_crc against its @data (the
 * nr_data pages, as they lie in the file).  Returns 0 or -STREAM_E_CRC; 0
 * for a batch whose CRC was checked already.
 */
STREAM_API int stream_batch_verify(const struct stream_batch *bt, const void *data);

/* Decodes CPUID leaf @i of a checked CPU_POLICY record (i < (len - 8) / 32). */
STREAM_API void stream_cpu_policy_entry(const struct stream_record *rec, uint32_t i,
					struct stream_cpuid *e);

#endif
