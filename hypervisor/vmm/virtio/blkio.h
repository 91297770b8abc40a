/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Asynchronous file I/O for disk devices: io_uring where the kernel allows
 * it, else a small pool of threads doing preadv2/pwritev2.  Either way the
 * caller submits from one thread and learns of completions through the
 * I/O loop, then reaps them in that same thread; a short transfer is
 * continued here, so a completion is all of the request or an error.
 */
#ifndef HV_VMM_VIRTIO_BLKIO_H
#define HV_VMM_VIRTIO_BLKIO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct loop;
struct blkio;

enum blkio_op {
	BLKIO_READ,
	BLKIO_WRITE,
	BLKIO_FLUSH,		/* fdatasync */
};

struct blkio_req {
	enum blkio_op op;
	struct iovec *iov;	/* advanced in place on a short transfer */
	unsigned int nr_iov;
	uint64_t off;
	bool dsync;		/* a write that reaches the medium (no write cache) */
	int result;		/* after completion: 0 or -errno */
	/* private to blkio */
	uint64_t left;
	struct blkio_req *next;
};

/*
 * Opens the engine on @fd for up to @depth requests in flight; @kick runs
 * in @loop's thread when completions are ready to reap.  @force_threads
 * skips io_uring (tests; HV_VMM_BLKIO=threads).
 */
int blkio_create(struct blkio **io_r, int fd, unsigned int depth, struct loop *loop,
		 void (*kick)(void *opaque), void *opaque, bool force_threads);
/* Queues @r; nothing reaches the kernel before blkio_commit(). */
void blkio_submit(struct blkio *io, struct blkio_req *r);
/* Hands every queued request to the kernel (one system call for io_uring). */
void blkio_commit(struct blkio *io);
/* Calls @done for each finished request; returns how many. */
unsigned int blkio_reap(struct blkio *io, void (*done)(void *arg, struct blkio_req *r),
			void *arg);
/* Waits until nothing is in flight, calling @done for each request. */
void blkio_drain(struct blkio *io, void (*done)(void *arg, struct blkio_req *r), void *arg);
/* "io_uring" or "threads". */
const char *blkio_engine(const struct blkio *io);
/*
 * For tests: submits one request of io_uring @opcode on @fd (a fixed-file
 * index when @fixed), no buffer, and returns its result (-EACCES: the
 * ring's restrictions refused it); -ENODEV without a ring or while
 * requests are in flight.
 */
int blkio_uring_probe(struct blkio *io, uint8_t opcode, int fd, bool fixed);
/* Drains (results dropped) and frees; the fd stays the caller's. */
void blkio_destroy(struct blkio *io);

#endif
