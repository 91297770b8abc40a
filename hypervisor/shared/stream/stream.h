/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The save image and migration stream (docs/save-stream.md): a writer that
 * produces it through a file descriptor (stream-write.c) and a reader that
 * checks every byte of it before handing a record over, page data included
 * (stream-read.c on stream-record.h's record reader).  Shared by hv-vmm and
 * hv-streamcheck; libhv builds only stream-record.h's part, with
 * -DHV_STREAM_HIDDEN.
 */
#ifndef HV_STREAM_H
#define HV_STREAM_H

#include "stream-record.h"

/* One CPUID leaf of a CPU_POLICY record. */
struct stream_cpuid {
	uint32_t function, index, flags;
	uint32_t eax, ebx, ecx, edx;
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
	/*
	 * Set by the caller: on a descriptor in non-blocking mode, how long
	 * the reader may take nothing before the write fails with -ETIMEDOUT
	 * (0: for ever).
	 */
	int stall_ms;
	/*
	 * Set by the caller (a Unix socket): this descriptor goes with the
	 * next bytes written (SCM_RIGHTS), then it is -1 again.
	 */
	int pass_fd;
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
	struct stream_seal *seal;	/* stream_writer_set_key(): the key's MAC state */
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

/*
 * Seals the stream with @key (docs/save-stream.md, *Sealed streams*): sets
 * STREAM_F_SEALED, draws the nonce (getrandom) and puts the seal after the
 * header; every record then ends with its MAC.  Call it right after
 * stream_writer_init(), before the first record.  The key is kept, keyed,
 * until stream_writer_fini(), which wipes it; the caller wipes its own copy.
 * Returns 0, -EINVAL (too late), -ENOMEM, or -errno from getrandom().
 */
STREAM_API int stream_writer_set_key(struct stream_writer *w,
				     const uint8_t key[STREAM_KEY_SIZE]);

/* Stops the writeback thread, frees the buffers (unwritten bytes are dropped), wipes the key. */
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

/*
 * How many bytes written to the descriptor its reader has not taken yet,
 * as the kernel counts them (a socket's send queue, with its overhead; a
 * pipe's contents); 0 where it cannot tell (a file).
 */
STREAM_API uint64_t stream_writer_unread(const struct stream_writer *w);

/* ---- Reader (stream_reader_init() and the rest: stream-record.h) ---- */

/*
 * Checks the stream header (first call) and the next record completely:
 * CRC, reserved fields and padding, order, body format, every pfn against the
 * layout, and decompression (stream_read_next() and inflating).  Returns 1 with *rec filled in, 0 once END has
 * been read (rec describes END), or a negative error.  Nothing in a record
 * should be acted on before it has been returned here; a restore should read
 * to END before the domain runs.
 */
STREAM_API int stream_read_record(struct stream_reader *r, struct stream_record *rec);

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
