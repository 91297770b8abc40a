/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Disk I/O engines: io_uring, and a thread pool where io_uring is refused.
 *
 * A ring is confined before its first use: it is made disabled, given the
 * disk's descriptor as its one fixed file, restricted to readv, writev and
 * fsync on fixed files with no register operation after but the one that
 * lets go of that file (at the end), and only then enabled.  The jail's seccomp filter does not see what a ring does; these
 * restrictions are what keep it to the disk (docs/hv-vmm.md, "The jail").
 */
#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "log.h"
#include "kvm/vm.h"
#include "loop.h"
#include "virtio/blkio.h"

#define BLKIO_THREADS 4

struct blkio {
	int fd;
	int efd;			/* completions ready: read by the loop */
	struct loop *loop;
	void (*kick)(void *opaque);
	void *opaque;
	unsigned int inflight;		/* handed to the kernel or a worker */
	struct blkio_req *staged, **staged_tail;	/* submitted, not committed */
	bool uring;

	struct io_uring ring;

	/* the thread pool */
	pthread_mutex_t lock;
	pthread_cond_t work, idle;
	struct blkio_req *todo, **todo_tail;
	struct blkio_req *done, **done_tail;
	unsigned int busy;		/* queued or running in the pool */
	bool stop;
	unsigned int nr_threads;
	pthread_t threads[BLKIO_THREADS];
};

static uint64_t iov_total(const struct iovec *iov, unsigned int n)
{
	uint64_t t = 0;

	for (unsigned int i = 0; i < n; i++)
		t += iov[i].iov_len;
	return t;
}

/* Consumes @n bytes from the front of @r's buffers after a short transfer. */
static void req_advance(struct blkio_req *r, uint64_t n)
{
	r->off += n;
	r->left -= n;
	while (n && r->nr_iov) {
		if (n < r->iov->iov_len) {
			r->iov->iov_base = (uint8_t *)r->iov->iov_base + n;
			r->iov->iov_len -= n;
			return;
		}
		n -= r->iov->iov_len;
		r->iov++;
		r->nr_iov--;
	}
	while (r->nr_iov && !r->iov->iov_len) {
		r->iov++;
		r->nr_iov--;
	}
}

/*
 * What a transfer of @res bytes (or -errno) means for @r: true when the
 * request is finished (result set), false when the rest must be redone.
 */
static bool req_progress(struct blkio_req *r, long res)
{
	if (res == -EINTR || res == -EAGAIN)
		return false;
	if (res < 0) {
		r->result = (int)res;
		return true;
	}
	if (r->op == BLKIO_FLUSH || (uint64_t)res >= r->left) {
		r->result = 0;
		return true;
	}
	if (res == 0) {			/* end of file: the target shrank */
		r->result = -EIO;
		return true;
	}
	req_advance(r, (uint64_t)res);
	return false;
}

static void blkio_efd_cb(void *opaque, int fd, unsigned int events)
{
	struct blkio *io = opaque;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	io->kick(io->opaque);
}

/* --- io_uring ------------------------------------------------------------ */

static bool uring_queue(struct blkio *io, struct blkio_req *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&io->ring);

	if (!sqe) {
		io_uring_submit(&io->ring);
		sqe = io_uring_get_sqe(&io->ring);
		if (!sqe)
			return false;
	}
	/* the disk is the ring's fixed file 0 */
	switch (r->op) {
	case BLKIO_READ:
		io_uring_prep_readv(sqe, 0, r->iov, r->nr_iov, r->off);
		break;
	case BLKIO_WRITE:
		io_uring_prep_writev(sqe, 0, r->iov, r->nr_iov, r->off);
		if (r->dsync)
			sqe->rw_flags = RWF_DSYNC;
		break;
	case BLKIO_FLUSH:
		io_uring_prep_fsync(sqe, 0, IORING_FSYNC_DATASYNC);
		break;
	}
	io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE);
	io_uring_sqe_set_data(sqe, r);
	return true;
}

static void uring_commit(struct blkio *io)
{
	while (io->staged) {
		struct blkio_req *r = io->staged;

		if (!uring_queue(io, r))
			break;		/* the ring is full: the rest go at the next reap */
		io->staged = r->next;
		io->inflight++;
	}
	if (!io->staged)
		io->staged_tail = &io->staged;
	io_uring_submit(&io->ring);
}

static unsigned int uring_reap(struct blkio *io, void (*done)(void *, struct blkio_req *),
			       void *arg, bool wait)
{
	struct io_uring_cqe *cqe;
	unsigned int n = 0;

	for (;;) {
		struct blkio_req *r;
		int rc;

		if (wait && !n && io->staged)
			uring_commit(io);	/* what a short transfer left */
		rc = wait && !n ? io_uring_wait_cqe(&io->ring, &cqe) :
				  io_uring_peek_cqe(&io->ring, &cqe);

		if (rc == -EINTR)
			continue;
		if (rc)
			break;
		r = io_uring_cqe_get_data(cqe);
		io_uring_cqe_seen(&io->ring, cqe);
		io->inflight--;
		if (!req_progress(r, cqe->res)) {
			blkio_submit(io, r);	/* the rest of a short transfer */
			continue;
		}
		done(arg, r);
		n++;
	}
	if (io->staged)
		uring_commit(io);
	return n;
}

/* --- the thread pool ----------------------------------------------------- */

static void pool_do(struct blkio *io, struct blkio_req *r)
{
	for (;;) {
		long res;

		switch (r->op) {
		case BLKIO_READ:
			res = preadv2(io->fd, r->iov, (int)r->nr_iov, (off_t)r->off, 0);
			break;
		case BLKIO_WRITE:
			res = pwritev2(io->fd, r->iov, (int)r->nr_iov, (off_t)r->off,
				       r->dsync ? RWF_DSYNC : 0);
			break;
		default:
			res = fdatasync(io->fd);
			break;
		}
		if (req_progress(r, res < 0 ? -errno : res))
			return;
	}
}

static void *pool_thread(void *opaque)
{
	struct blkio *io = opaque;
	uint64_t one = 1;

	vm_thread_begin(VM_THREAD_IO);
	pthread_mutex_lock(&io->lock);
	for (;;) {
		struct blkio_req *r;

		while (!io->todo && !io->stop)
			pthread_cond_wait(&io->work, &io->lock);
		if (!io->todo)
			break;
		r = io->todo;
		io->todo = r->next;
		if (!io->todo)
			io->todo_tail = &io->todo;
		pthread_mutex_unlock(&io->lock);
		pool_do(io, r);
		pthread_mutex_lock(&io->lock);
		r->next = NULL;
		*io->done_tail = r;
		io->done_tail = &r->next;
		io->busy--;
		pthread_cond_broadcast(&io->idle);
		/* a full counter fails, with a wakeup pending anyway */
		(void)!write(io->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&io->lock);
	return NULL;
}

static void pool_commit(struct blkio *io)
{
	unsigned int n = 0;

	if (!io->staged)
		return;
	for (struct blkio_req *r = io->staged; r; r = r->next)
		n++;
	pthread_mutex_lock(&io->lock);
	*io->todo_tail = io->staged;
	io->todo_tail = io->staged_tail;
	io->busy += n;
	pthread_cond_broadcast(&io->work);
	pthread_mutex_unlock(&io->lock);
	io->inflight += n;
	io->staged = NULL;
	io->staged_tail = &io->staged;
}

static unsigned int pool_reap(struct blkio *io, void (*done)(void *, struct blkio_req *),
			      void *arg, bool wait)
{
	struct blkio_req *list;
	unsigned int n = 0;

	pthread_mutex_lock(&io->lock);
	while (wait && !io->done && io->busy)
		pthread_cond_wait(&io->idle, &io->lock);
	list = io->done;
	io->done = NULL;
	io->done_tail = &io->done;
	pthread_mutex_unlock(&io->lock);
	while (list) {
		struct blkio_req *r = list;

		list = r->next;
		io->inflight--;
		done(arg, r);
		n++;
	}
	return n;
}

static int pool_start(struct blkio *io)
{
	io->todo_tail = &io->todo;
	io->done_tail = &io->done;
	pthread_mutex_init(&io->lock, NULL);
	pthread_cond_init(&io->work, NULL);
	pthread_cond_init(&io->idle, NULL);
	for (; io->nr_threads < BLKIO_THREADS; io->nr_threads++) {
		int rc = vm_thread_create(&io->threads[io->nr_threads], pool_thread, io, "blkio");

		if (rc)
			return io->nr_threads ? 0 : -rc;
	}
	return 0;
}

/* A confined ring on io->fd (top of file); -errno where the kernel has none. */
static int uring_start(struct blkio *io, unsigned int entries)
{
	struct io_uring_restriction allow[] = {
		{ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_READV },
		{ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_WRITEV },
		{ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_FSYNC },
		{ .opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED, .sqe_flags = IOSQE_FIXED_FILE },
		{ .opcode = IORING_RESTRICTION_SQE_FLAGS_REQUIRED, .sqe_flags = IOSQE_FIXED_FILE },
		/* blkio_destroy() lets go of the disk */
		{ .opcode = IORING_RESTRICTION_REGISTER_OP, .register_op = IORING_UNREGISTER_FILES },
	};
	int rc = io_uring_queue_init(entries, &io->ring, IORING_SETUP_R_DISABLED);

	if (rc)
		return rc;
	rc = io_uring_register_files(&io->ring, &io->fd, 1);
	if (!rc)
		rc = io_uring_register_eventfd(&io->ring, io->efd);
	/* the system call itself: Debian's liburing 2.3 exports no wrapper for these */
	if (!rc && syscall(__NR_io_uring_register, io->ring.ring_fd, IORING_REGISTER_RESTRICTIONS,
			   allow, sizeof(allow) / sizeof(allow[0])) < 0)
		rc = -errno;
	if (!rc && syscall(__NR_io_uring_register, io->ring.ring_fd, IORING_REGISTER_ENABLE_RINGS,
			   NULL, 0) < 0)
		rc = -errno;
	if (rc) {
		io_uring_queue_exit(&io->ring);
		return rc < 0 ? rc : -EINVAL;
	}
	return 0;
}

int blkio_uring_probe(struct blkio *io, uint8_t opcode, int fd, bool fixed)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int rc;

	if (!io->uring || io->inflight || io->staged)
		return -ENODEV;
	sqe = io_uring_get_sqe(&io->ring);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_rw(opcode, sqe, fd, NULL, 0, 0);
	if (fixed)
		io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE);
	io_uring_sqe_set_data(sqe, NULL);
	rc = io_uring_submit_and_wait(&io->ring, 1);
	if (rc < 0)
		return rc;
	rc = io_uring_wait_cqe(&io->ring, &cqe);
	if (rc)
		return rc;
	rc = cqe->res;
	io_uring_cqe_seen(&io->ring, cqe);
	return rc;
}

/* --- the interface ------------------------------------------------------- */

int blkio_create(struct blkio **io_r, int fd, unsigned int depth, struct loop *loop,
		 void (*kick)(void *opaque), void *opaque, bool force_threads)
{
	struct blkio *io = calloc(1, sizeof(*io));
	unsigned int entries = 8;
	const char *env = getenv("HV_VMM_BLKIO");
	int rc;

	if (!io)
		return -ENOMEM;
	io->fd = fd;
	io->loop = loop;
	io->kick = kick;
	io->opaque = opaque;
	io->staged_tail = &io->staged;
	io->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (io->efd < 0) {
		rc = -errno;
		goto fail;
	}
	if (env && !strcmp(env, "threads"))
		force_threads = true;
	while (entries < depth && entries < 4096)
		entries *= 2;
	if (!force_threads) {
		rc = uring_start(io, entries);
		io->uring = !rc;
		if (rc)
			dbg("io_uring unavailable or not confinable (%s): disk I/O goes through threads",
			    strerror(-rc));
	}
	if (!io->uring) {
		rc = pool_start(io);
		if (rc)
			goto fail;
	}
	if (loop) {
		rc = loop_add(loop, io->efd, blkio_efd_cb, io);
		if (rc)
			goto fail;
	}
	*io_r = io;
	return 0;
fail:
	blkio_destroy(io);
	return rc;
}

void blkio_submit(struct blkio *io, struct blkio_req *r)
{
	if (r->op != BLKIO_FLUSH && !r->left)
		r->left = iov_total(r->iov, r->nr_iov);
	r->next = NULL;
	*io->staged_tail = r;
	io->staged_tail = &r->next;
}

void blkio_commit(struct blkio *io)
{
	if (io->uring)
		uring_commit(io);
	else
		pool_commit(io);
}

unsigned int blkio_reap(struct blkio *io, void (*done)(void *, struct blkio_req *), void *arg)
{
	return io->uring ? uring_reap(io, done, arg, false) : pool_reap(io, done, arg, false);
}

void blkio_drain(struct blkio *io, void (*done)(void *, struct blkio_req *), void *arg)
{
	blkio_commit(io);
	while (io->inflight || io->staged) {
		if (io->uring)
			uring_reap(io, done, arg, true);
		else
			pool_reap(io, done, arg, true);
		blkio_commit(io);
	}
}

const char *blkio_engine(const struct blkio *io)
{
	return io->uring ? "io_uring" : "threads";
}

static void drop(void *arg, struct blkio_req *r)
{
}

void blkio_destroy(struct blkio *io)
{
	if (!io)
		return;
	if (io->uring || io->nr_threads)
		blkio_drain(io, drop, NULL);
	if (io->uring) {
		/*
		 * A ring's fixed file is let go when the kernel frees the ring,
		 * which it does in the background after the ring is closed, and
		 * with it the disk's lock (an OFD lock lives while its open file
		 * does): a domain started at once on the image found it still
		 * locked.  Nothing is in flight any more, so the ring lets go
		 * of it now; the lock goes when hv-vmm's descriptor and hvd's do.
		 */
		io_uring_unregister_files(&io->ring);
		io_uring_queue_exit(&io->ring);
	}
	if (io->nr_threads) {
		pthread_mutex_lock(&io->lock);
		io->stop = true;
		pthread_cond_broadcast(&io->work);
		pthread_mutex_unlock(&io->lock);
		for (unsigned int i = 0; i < io->nr_threads; i++)
			pthread_join(io->threads[i], NULL);
	}
	if (io->efd >= 0) {
		if (io->loop)
			loop_del(io->loop, io->efd);
		close(io->efd);
	}
	free(io);
}
