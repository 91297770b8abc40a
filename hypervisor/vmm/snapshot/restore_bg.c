/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rest of an eager restore, once the domain runs: the memory's way out
 * of the image.  (A lazy restore has nothing left: its page data was
 * checked before the start, restore.c, and stays mapped from the image.)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "jail.h"
#include "log.h"
#include "snapshot/restore_int.h"
#include "vmm.h"

#define RESTORE_BG_NICE		10	/* the thread working on after a restore */
#define RESTORE_BG_DELAY_MS	20	/* after the start: see vmm_restore_start() */

/* The thread that detaches the domain's memory from the image once it runs. */
struct restore_bg {
	pthread_t thread;
	struct vmm *vmm;
	char what[256];
	volatile bool stop;
	/* the memory's way out of the image (detach_finish()) */
	int efd;			/* the thread's "copied" to the I/O thread */
	int pagemap_fd;			/* /proc/self/pagemap, or -1 */
	int image_fd;			/* the image, closed last: see detach_finish() */
	bool leased;			/* image_fd holds a read lease */
	int copy_rc;			/* the thread's: 0 or -errno */
	uint64_t t0;			/* when the domain started */
	bool started;			/* the thread runs */
	int timer_fd;			/* until then: when it is to start, or -1 */
};

static struct restore_bg *restore_bg;

/*
 * Eager restore, once the domain runs: its memory leaves the image, so that
 * the file may then change or go (pages mapped from a file are the file's:
 * truncating it takes even their private copies away).  A thread copies
 * the mapped runs into the memfd while the vCPUs run; then the I/O thread
 * pauses them, copies again the pages written since the copy began (the
 * private copies that writes made: /proc/self/pagemap tells them from the
 * file's pages), maps the memfd back over the runs and lets the vCPUs go.
 */
#define DETACH_STEP	(8u << 20)	/* remapped in one pause (about 1-2 ms) */
#define PM_PRESENT	(1ull << 63)
#define PM_SWAPPED	(1ull << 62)
#define PM_FILE		(1ull << 61)	/* a file page (or shared anonymous) */

static int detach_copy(struct vm *vm, volatile bool *stop)
{
	for (size_t i = 0; i < vm->nr_mapped && !*stop; i++) {
		const struct mem_run *m = &vm->mapped[i];

		if (restore_ram_write(vm, vm->mem + m->offset, m->len, m->offset) < m->len)
			return -errno;
	}
	return *stop ? -EINTR : 0;
}

/* Copies the pages of @m written since detach_copy() (all of them without @pagemap_fd). */
static int detach_recopy(struct vm *vm, int pagemap_fd, const struct mem_run *m,
			 uint64_t *pages)
{
	uint64_t pm[512];
	uint64_t first = (uintptr_t)(vm->mem + m->offset) / STREAM_PAGE_SIZE;
	uint64_t n = m->len / STREAM_PAGE_SIZE;

	if (pagemap_fd < 0) {
		*pages += n;
		return restore_ram_write(vm, vm->mem + m->offset, m->len, m->offset) < m->len ? -errno : 0;
	}
	for (uint64_t i = 0; i < n; i += 512) {
		size_t k = n - i < 512 ? (size_t)(n - i) : 512;

		if (pread(pagemap_fd, pm, k * 8, (off_t)((first + i) * 8)) != (ssize_t)(k * 8))
			return detach_recopy(vm, -1, m, pages);
		for (size_t j = 0; j < k; j++) {
			uint64_t off = m->offset + (i + j) * STREAM_PAGE_SIZE;

			if (!(pm[j] & PM_SWAPPED) && (!(pm[j] & PM_PRESENT) || (pm[j] & PM_FILE)))
				continue;	/* still the file's page: copied already */
			(*pages)++;
			if (restore_ram_write(vm, vm->mem + off, STREAM_PAGE_SIZE, off) < STREAM_PAGE_SIZE)
				return -errno;
		}
	}
	return 0;
}

/* Ends the lease (writers waiting go on) and closes the image. */
static void detach_close_image(struct restore_bg *b)
{
	if (b->image_fd < 0)
		return;
	if (b->leased)
		fcntl(b->image_fd, F_SETLEASE, F_UNLCK);
	b->leased = false;
	close(b->image_fd);
	b->image_fd = -1;
}

/*
 * Runs in the I/O thread once the copy is done (or from a save that cannot
 * wait): the paused part of the detach, DETACH_STEP at a time, so that no
 * pause is long.  The image stays open (b->image_fd) until the vCPUs run
 * again: when its last mapping went in a pause, that pause would also pay
 * for the file's release, which for a deleted image frees all of it (tens
 * of milliseconds).  Returns 0 or -errno (the rest of the memory then stays
 * mapped from the image).
 */
static int detach_finish(struct vm *vm, struct restore_bg *b)
{
	bool was_paused = vm->paused;
	uint64_t again = 0, longest = 0;
	unsigned int pauses = 0;
	int rc = b->copy_rc;

	while (!rc && vm->nr_mapped) {
		struct mem_run *m = &vm->mapped[vm->nr_mapped - 1];
		uint64_t len = m->len < DETACH_STEP ? m->len : DETACH_STEP;
		struct mem_run c = { m->offset + m->len - len, len };
		uint64_t t = now_ns();

		if (!was_paused)
			vm_pause(vm);
		rc = detach_recopy(vm, b->pagemap_fd, &c, &again);
		if (!rc && mmap(vm->mem + c.offset, c.len, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_FIXED, vm->mem_fd, (off_t)c.offset) == MAP_FAILED) {
			rc = -errno;
			err("restore %s: cannot map guest memory back from its memfd: %s; stopping the domain",
			    b->what, strerror(errno));
			vm_request_exit(vm, VM_EXIT_ERROR);
		}
		if (!rc) {
			madvise(vm->mem + c.offset, c.len, MADV_HUGEPAGE);
			m->len -= len;
			if (!m->len)
				vm->nr_mapped--;
		}
		if (!was_paused)
			vm_unpause(vm);
		pauses++;
		if (now_ns() - t > longest)
			longest = now_ns() - t;
	}
	if (rc)
		warn("restore %s: memory stays mapped from the image (%s): the file must not change while the domain runs",
		     b->what, strerror(-rc));
	else
		info("restore %s: memory copied out of the image %.1f ms after the start; %" PRIu64 " pages written meanwhile copied again in %u pauses of at most %.2f ms",
		     b->what, (now_ns() - b->t0) / 1e6, again, pauses, longest / 1e6);
	detach_close_image(b);		/* said first: a writer waiting may look */
	return rc;
}

static void *restore_bg_thread(void *arg)
{
	struct restore_bg *b = arg;

	/*
	 * Background work: the domain, hvd and the caller waiting for the
	 * restore's answer come first (on two CPUs, a lazy restore's CRC pass
	 * at nice 0 measured 8-20 ms instead of 8 until xl had its answer).
	 */
	vm_thread_begin(VM_THREAD_BACKGROUND);
	setpriority(PRIO_PROCESS, (id_t)gettid(), RESTORE_BG_NICE);
	b->copy_rc = detach_copy(&b->vmm->vm, &b->stop);
	if (eventfd_write(b->efd, 1) < 0)
		warn("restore %s: cannot wake the I/O thread: %s", b->what, strerror(errno));
	return NULL;
}

/* Drops the timer that was to start the thread. */
static void restore_bg_untimer(struct restore_bg *b)
{
	if (b->timer_fd < 0)
		return;
	loop_del(b->vmm->loop, b->timer_fd);
	close(b->timer_fd);
	b->timer_fd = -1;
}

static void restore_bg_free(struct restore_bg *b)
{
	restore_bg_untimer(b);
	if (b->efd >= 0) {
		loop_del(b->vmm->loop, b->efd);
		close(b->efd);
	}
	if (b->pagemap_fd >= 0)
		close(b->pagemap_fd);
	detach_close_image(b);
	free(b);
}

/* Waits for the thread; a detach's copy is then finished here. */
static void restore_bg_join(bool stop)
{
	struct restore_bg *b = restore_bg;

	if (!b)
		return;
	b->stop = stop;
	if (b->started)
		pthread_join(b->thread, NULL);
	b->vmm->vm.mapped_busy = false;
	if (b->started && !stop)
		detach_finish(&b->vmm->vm, b);
	restore_bg_free(b);
	restore_bg = NULL;
}

/* The I/O thread's side of the detach: the copy is done. */
static void restore_copied(void *opaque, int fd, unsigned int events)
{
	eventfd_t v;

	(void)opaque;
	(void)events;
	if (eventfd_read(fd, &v) == 0)
		restore_bg_join(false);
}

int restore_bg_prepare(struct restore *r)
{
	struct restore_bg *b;

	/* lazy: memory stays mapped from the image; eager with nothing mapped: done */
	if (r->o->lazy || !r->vmm->vm.nr_mapped)
		return 0;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->vmm = r->vmm;
	b->efd = b->pagemap_fd = b->image_fd = b->timer_fd = -1;
	snprintf(b->what, sizeof(b->what), "%s", r->o->what);
	b->pagemap_fd = jail_pagemap_fd();
	b->image_fd = fcntl(r->o->fd, F_DUPFD_CLOEXEC, 0);
	/*
	 * A read lease: whoever truncates the image or opens it for
	 * writing waits until the memory is out of it (the kernel's
	 * notice of that, SIGIO, is ignored: the copy ends anyway).
	 */
	if (b->image_fd >= 0 && !fcntl(b->image_fd, F_SETLEASE, F_RDLCK))
		b->leased = true;
	else
		info("restore %s: no lease on the image (%s): it must not change until its memory is copied out",
		     r->o->what, strerror(errno));
	b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->efd < 0 || loop_add(r->vmm->loop, b->efd, restore_copied, NULL)) {
		if (b->efd >= 0)
			close(b->efd);
		b->efd = -1;
		restore_bg_free(b);
		return -ENOMEM;
	}
	restore_bg = b;
	return 0;
}

/* Runs the thread now. */
static void restore_bg_run(struct restore_bg *b)
{
	restore_bg_untimer(b);
	if (!b->t0)
		b->t0 = now_ns();
	/* the balloon leaves the runs alone while the thread copies them */
	b->vmm->vm.mapped_busy = true;
	if (!vm_thread_create(&b->thread, restore_bg_thread, b, "restore-copy")) {
		b->started = true;
		return;
	}
	b->vmm->vm.mapped_busy = false;
	warn("restore %s: cannot start copying the memory out of the image: it stays mapped from the image, which must not change while the domain runs",
	     b->what);
	restore_bg_free(b);
	restore_bg = NULL;
}

static void restore_bg_due(void *opaque, int fd, unsigned int events)
{
	(void)opaque;
	(void)fd;
	(void)events;
	if (restore_bg && !restore_bg->started)
		restore_bg_run(restore_bg);
}

void vmm_restore_start(struct vmm *vmm)
{
	struct restore_bg *b = restore_bg;
	struct itimerspec due = { .it_value = { 0, RESTORE_BG_DELAY_MS * 1000000L } };

	if (!b || b->started || b->timer_fd >= 0)
		return;
	b->t0 = now_ns();		/* the domain's start */
	b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (b->timer_fd >= 0 && !timerfd_settime(b->timer_fd, 0, &due, NULL) &&
	    !loop_add(vmm->loop, b->timer_fd, restore_bg_due, NULL))
		return;
	if (b->timer_fd >= 0)
		close(b->timer_fd);
	b->timer_fd = -1;
	restore_bg_run(b);
}

void vmm_restore_settle(struct vmm *vmm)
{
	(void)vmm;
	if (restore_bg) {
		if (!restore_bg->started)
			restore_bg_run(restore_bg);
		restore_bg_join(false);
	}
}

void vmm_restore_fini(struct vmm *vmm)
{
	(void)vmm;
	restore_bg_join(true);
}
