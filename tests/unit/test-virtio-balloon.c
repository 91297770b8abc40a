/*
 * virtio-balloon, driven as a guest driver would: rings and PFN arrays in
 * guest RAM that is a real sealed memfd (as hv-vmm's), the device's
 * registers through its BAR.  What the balloon gives back is measured as
 * hv-vmm measures it, by the memfd's allocated blocks.  Hostile requests
 * must break the queue (NEEDS_RESET) and punch nothing, never crash.
 */
#include <check.h>
#include "check-main.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "dev/pci.h"
#include "kvm/vm.h"
#include "loop.h"
#include "snapshot/state.h"
#include "virtio/balloon.h"
#include "virtio/pci.h"
#include "virtio/queue.h"
#include "virtio-harness.h"

#define MEM_SIZE	(8u << 20)
#define QSIZE		64
#define RINGS		0x10000		/* queue q: desc, avail, used at RINGS + q * 0x4000 */
#define RINGS_LEN	0x10000
#define DATA		0x20000		/* PFN arrays, stats */
#define BIG		0x40000		/* an oversized PFN array (64 KiB + 4) */
#define PAGES		(2u << 20)	/* [2 MiB, 8 MiB): pages the tests balloon */
#define PFN(a)		((uint32_t)((a) >> 12))

#define F_NEXT		1
#define F_WRITE		2
#define FEAT_VERSION_1	(1ull << 32)
#define FEAT_STATS	VIRTIO_BALLOON_F_STATS_VQ
#define FEAT_DOO	VIRTIO_BALLOON_F_DEFLATE_ON_OOM
#define FEAT_POISON	VIRTIO_BALLOON_F_PAGE_POISON
#define FEAT_REPORT	VIRTIO_BALLOON_F_REPORTING

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static struct virtio_balloon dev;
static bool made;
static uint16_t avail_idx[4];
static int nr_events;
static struct hv_vmm_balloon last_event;

static uint64_t q_desc(unsigned int q) { return RINGS + q * 0x4000; }
static uint64_t q_avail(unsigned int q) { return q_desc(q) + 0x1000; }
static uint64_t q_used(unsigned int q) { return q_desc(q) + 0x2000; }

static uint16_t used_idx(unsigned int q)
{
	return __atomic_load_n((uint16_t *)gpa(q_used(q) + 2), __ATOMIC_ACQUIRE);
}

static void on_event(void *opaque, const struct hv_vmm_balloon *ev)
{
	(void)opaque;
	pthread_mutex_lock(&vm.io_lock);
	last_event = *ev;
	nr_events++;
	pthread_mutex_unlock(&vm.io_lock);
}

static int events(void)
{
	int n;

	pthread_mutex_lock(&vm.io_lock);
	n = nr_events;
	pthread_mutex_unlock(&vm.io_lock);
	return n;
}

static void make(uint64_t target, bool doo, bool report)
{
	struct virtio_balloon_conf c = {
		.target_bytes = target, .deflate_on_oom = doo, .free_page_reporting = report,
		.event = on_event,
	};

	ck_assert_int_eq(virtio_balloon_init(&dev, &bus, &vm, loop, &c), 0);
	made = true;
	pd = &dev.vp.pci;
}

static void setup(void)
{
	harness_setup_mem(MEM_SIZE, true);
	nr_events = 0;
	memset(&last_event, 0, sizeof(last_event));
}

static void teardown(void)
{
	if (made) {
		pthread_mutex_lock(&vm.io_lock);
		virtio_balloon_fini(&dev);
		pthread_mutex_unlock(&vm.io_lock);
		made = false;
	}
	harness_teardown();
}

/* The driver's side of the handshake, every queue set up; @before_ok runs before DRIVER_OK. */
static bool drv_start(uint64_t features, void (*before_ok)(void))
{
	reg_w(0x14, 0, 1);
	reg_w(0x14, 3, 1);
	reg_w(0x08, 0, 4);
	reg_w(0x0c, (uint32_t)features, 4);
	reg_w(0x08, 1, 4);
	reg_w(0x0c, (features | FEAT_VERSION_1) >> 32, 4);
	reg_w(0x14, 0x0b, 1);
	if (!(reg_r(0x14, 1) & 0x08))
		return false;
	memset(gpa(RINGS), 0, RINGS_LEN);
	ck_assert_uint_eq(reg_r(0x12, 2), 4);		/* num_queues */
	for (unsigned int q = 0; q < 4; q++) {
		reg_w(0x16, q, 2);
		reg_w(0x18, QSIZE, 2);
		reg_w(0x20, q_desc(q), 4);
		reg_w(0x28, q_avail(q), 4);
		reg_w(0x30, q_used(q), 4);
		reg_w(0x1c, 1, 2);
		avail_idx[q] = 0;
	}
	if (before_ok)
		before_ok();
	reg_w(0x14, 0x0f, 1);
	return true;
}

static void set_desc(unsigned int q, unsigned int i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	struct desc d = { addr, len, flags, next };

	memcpy(gpa(q_desc(q) + 16 * i), &d, sizeof(d));
}

/* Makes @head available on queue @q; with @kick, notifies (the device works at once). */
static void post(unsigned int q, uint16_t head, bool kick)
{
	uint16_t *avail = (uint16_t *)gpa(q_avail(q));

	avail[2 + avail_idx[q] % QSIZE] = head;
	__atomic_store_n(&avail[1], ++avail_idx[q], __ATOMIC_RELEASE);
	if (kick)
		reg_w(0x3000 + 4 * q, q, 2);
}

static bool needs_reset(void)
{
	return reg_r(0x14, 1) & 0x40;
}

static uint64_t allocated(void)
{
	struct stat st;

	ck_assert_int_eq(fstat(vm.mem_fd, &st), 0);
	return (uint64_t)st.st_blocks * 512;
}

/* Every page of [PAGES, MEM_SIZE) written: allocated in the memfd (and the
 * requests' pages, so that writing a request allocates nothing). */
static void touch_pages(void)
{
	for (uint64_t a = DATA; a < DATA + 0x2000; a += 4096)
		__atomic_store_n(gpa(a), *gpa(a), __ATOMIC_RELAXED);	/* as it was */
	for (uint64_t a = PAGES; a < MEM_SIZE; a += 4096)
		memset(gpa(a), 0x5a, 4096);
}

/* A PFN array request on queue @q (0 inflate, 1 deflate); returns whether it was used. */
static bool pfns(unsigned int q, const uint32_t *p, unsigned int n)
{
	uint16_t want = used_idx(q) + 1;

	memcpy(gpa(DATA), p, n * 4);
	set_desc(q, 0, DATA, n * 4, 0, 0);
	post(q, 0, true);
	return used_idx(q) == want;
}

static struct virtio_balloon_counters counters(void)
{
	struct virtio_balloon_counters c;

	pthread_mutex_lock(&vm.io_lock);
	c = dev.c;
	pthread_mutex_unlock(&vm.io_lock);
	return c;
}

static uint32_t cfg_r(unsigned int off)
{
	return (uint32_t)reg_r(0x2000 + off, 4);
}

static void wait_ms(unsigned int ms)
{
	nanosleep(&(struct timespec){ ms / 1000, (ms % 1000) * 1000000L }, NULL);
}

START_TEST(queue_numbering)
{
	static const struct { uint64_t f; enum virtio_balloon_queue q[5]; } t[] = {
		{ 0, { VIRTIO_BALLOON_Q_INFLATE, VIRTIO_BALLOON_Q_DEFLATE, VIRTIO_BALLOON_Q_NONE,
		       VIRTIO_BALLOON_Q_NONE, VIRTIO_BALLOON_Q_NONE } },
		{ FEAT_STATS, { VIRTIO_BALLOON_Q_INFLATE, VIRTIO_BALLOON_Q_DEFLATE,
				VIRTIO_BALLOON_Q_STATS, VIRTIO_BALLOON_Q_NONE, VIRTIO_BALLOON_Q_NONE } },
		{ FEAT_REPORT, { VIRTIO_BALLOON_Q_INFLATE, VIRTIO_BALLOON_Q_DEFLATE,
				 VIRTIO_BALLOON_Q_REPORTING, VIRTIO_BALLOON_Q_NONE, VIRTIO_BALLOON_Q_NONE } },
		{ FEAT_STATS | FEAT_REPORT, { VIRTIO_BALLOON_Q_INFLATE, VIRTIO_BALLOON_Q_DEFLATE,
					      VIRTIO_BALLOON_Q_STATS, VIRTIO_BALLOON_Q_REPORTING,
					      VIRTIO_BALLOON_Q_NONE } },
		{ FEAT_STATS | FEAT_REPORT | VIRTIO_BALLOON_F_FREE_PAGE_HINT,
		  { VIRTIO_BALLOON_Q_INFLATE, VIRTIO_BALLOON_Q_DEFLATE, VIRTIO_BALLOON_Q_STATS,
		    VIRTIO_BALLOON_Q_FREE_PAGE, VIRTIO_BALLOON_Q_REPORTING } },
		{ VIRTIO_BALLOON_F_FREE_PAGE_HINT | FEAT_REPORT,
		  { VIRTIO_BALLOON_Q_INFLATE, VIRTIO_BALLOON_Q_DEFLATE, VIRTIO_BALLOON_Q_FREE_PAGE,
		    VIRTIO_BALLOON_Q_REPORTING, VIRTIO_BALLOON_Q_NONE } },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (unsigned int q = 0; q < 5; q++)
			ck_assert_msg(virtio_balloon_queue(t[i].f | FEAT_DOO | FEAT_POISON, q) == t[i].q[q],
				      "features 0x%llx queue %u", (unsigned long long)t[i].f, q);
	ck_assert(virtio_balloon_queue(~0ull, 9) == VIRTIO_BALLOON_Q_NONE);
}
END_TEST

START_TEST(features_offered)
{
	uint64_t f;

	make(0, false, true);
	f = reg_r(0x04, 4);
	ck_assert(f & FEAT_STATS);
	ck_assert(f & FEAT_REPORT);
	ck_assert(f & FEAT_POISON);
	ck_assert(!(f & FEAT_DOO));
	ck_assert(!(f & VIRTIO_BALLOON_F_FREE_PAGE_HINT));
	ck_assert(!drv_start(VIRTIO_BALLOON_F_FREE_PAGE_HINT, NULL));	/* not offered */
	ck_assert(!drv_start(FEAT_DOO, NULL));
	pthread_mutex_lock(&vm.io_lock);
	virtio_balloon_fini(&dev);
	pthread_mutex_unlock(&vm.io_lock);
	made = false;
	harness_teardown();
	harness_setup_mem(MEM_SIZE, true);
	make(0, true, false);
	f = reg_r(0x04, 4);
	ck_assert(f & FEAT_DOO);
	ck_assert(!(f & FEAT_REPORT));
	ck_assert(drv_start(FEAT_DOO | FEAT_STATS, NULL));
	ck_assert_uint_eq(reg_r(0x2000, 4), 0);	/* all of the RAM is the target */
}
END_TEST

START_TEST(inflate_punches_runs)
{
	uint32_t p[300];
	unsigned int n = 0;
	uint64_t before, after;
	struct virtio_balloon_counters c;

	make(0, false, true);
	ck_assert(drv_start(FEAT_STATS | FEAT_REPORT, NULL));
	touch_pages();
	before = allocated();
	/* 1 MiB at 4 MiB, in descending order and one page twice: one run */
	for (int i = 255; i >= 0; i--)
		p[n++] = PFN(4u << 20) + i;
	p[n++] = PFN(4u << 20) + 17;
	/* five pages apart from each other and from the run: five runs */
	for (int i = 0; i < 5; i++)
		p[n++] = PFN(PAGES) + 2 * i;
	ck_assert(pfns(0, p, n));
	ck_assert(!needs_reset());
	c = counters();
	ck_assert_uint_eq(c.punches, 6);
	ck_assert_uint_eq(c.inflated_pages, n);
	ck_assert_uint_eq(c.punched_bytes, (256 + 5) * 4096ull);
	after = allocated();
	ck_assert_uint_eq(before - after, (256 + 5) * 4096ull);
	/* the guest reads zeros there; its neighbours are untouched */
	ck_assert_int_eq(gpa(4u << 20)[100], 0);
	ck_assert_int_eq(gpa(PAGES)[0], 0);
	ck_assert_int_eq(gpa(PAGES + 4096)[0], 0x5a);
	ck_assert_int_eq(gpa((4u << 20) + (1u << 20))[0], 0x5a);
	/* (reading a hole of a memfd allocates a page, as writing does) */
	after = allocated();

	/* deflate: nothing to do on the host, counted */
	ck_assert(pfns(1, p, 10));
	ck_assert_uint_eq(counters().deflated_pages, 10);
	ck_assert_uint_eq(allocated(), after);
	memset(gpa((4u << 20) + 8192), 1, 4096);	/* the guest uses a page again */
	ck_assert_uint_eq(allocated(), after + 4096);
}
END_TEST

static void stats_buffer(void);

START_TEST(reporting_punches_ranges)
{
	uint64_t before;

	make(0, false, true);
	/* without STATS the reporting queue is 2 */
	ck_assert(drv_start(FEAT_REPORT, NULL));
	touch_pages();
	before = allocated();
	set_desc(2, 0, 4u << 20, 2u << 20, F_WRITE | F_NEXT, 1);
	set_desc(2, 1, PAGES, 1u << 20, F_WRITE, 0);
	post(2, 0, true);
	ck_assert_uint_eq(used_idx(2), 1);
	ck_assert(!needs_reset());
	ck_assert_uint_eq(before - allocated(), 3u << 20);
	ck_assert_uint_eq(counters().punches, 2);
	ck_assert_uint_eq(counters().reported_bytes, 3u << 20);

	/* with STATS it is 3, and 2 holds the statistics */
	touch_pages();
	before = allocated();
	ck_assert(drv_start(FEAT_STATS | FEAT_REPORT, stats_buffer));
	ck_assert_uint_eq(used_idx(2), 0);		/* held */
	set_desc(3, 0, 4u << 20, 2u << 20, F_WRITE, 0);
	post(3, 0, true);
	ck_assert_uint_eq(used_idx(3), 1);
	ck_assert(!needs_reset());
	ck_assert_uint_eq(before - allocated(), 2u << 20);
}
END_TEST

START_TEST(page_poison_keeps_reported_pages)
{
	uint64_t before;
	uint32_t p = PFN(PAGES);

	make(0, false, true);
	ck_assert(drv_start(FEAT_REPORT | FEAT_POISON, NULL));
	reg_w(0x2000 + 12, 0xaaaaaaaa, 4);	/* poison_val */
	ck_assert_uint_eq(cfg_r(12), 0xaaaaaaaa);
	touch_pages();
	before = allocated();
	set_desc(2, 0, 4u << 20, 2u << 20, F_WRITE, 0);
	post(2, 0, true);
	ck_assert_uint_eq(used_idx(2), 1);
	ck_assert_uint_eq(allocated(), before);
	ck_assert_int_eq(gpa(4u << 20)[0], 0x5a);
	ck_assert_uint_eq(counters().kept_bytes, 2u << 20);
	/* inflated pages are the balloon's: the guest poisons them again when it takes them back */
	ck_assert(pfns(0, &p, 1));
	ck_assert_uint_eq(before - allocated(), 4096);
	/* poison 0 (init_on_free): zeros are what the guest expects */
	reg_w(0x2000 + 12, 0, 4);
	post(2, 0, true);
	ck_assert_uint_eq(before - allocated(), (2u << 20) + 4096);
	/* PAGE_POISON not negotiated: the value means nothing */
	touch_pages();
	before = allocated();
	ck_assert(drv_start(FEAT_REPORT, NULL));
	reg_w(0x2000 + 12, 0xaaaaaaaa, 4);
	set_desc(2, 0, 4u << 20, 2u << 20, F_WRITE, 0);
	post(2, 0, true);
	ck_assert_uint_eq(before - allocated(), 2u << 20);
}
END_TEST

/* Puts one request on queue @q; true if it broke the device and punched nothing. */
static bool breaks(unsigned int q, const struct desc *d, unsigned int n, const char *what)
{
	uint64_t before;

	ck_assert(drv_start(FEAT_STATS | FEAT_REPORT, NULL));
	touch_pages();
	before = allocated();
	for (unsigned int i = 0; i < n; i++)
		set_desc(q, i, d[i].addr, d[i].len, d[i].flags, d[i].next);
	post(q, 0, true);
	if (!needs_reset() || allocated() != before) {
		fprintf(stderr, "%s: %s\n", what, needs_reset() ? "punched" : "not refused");
		return false;
	}
	return true;
}

START_TEST(hostile_requests)
{
	uint32_t p[2] = { PFN(PAGES), PFN(PAGES) + 1 };
	uint32_t big = 0;

	make(0, false, true);
	/* inflate: a PFN past the RAM, one in the BIOS area, an odd length, a loop,
	 * a writable buffer, too many PFNs, a buffer outside RAM */
	p[1] = PFN(MEM_SIZE) + 10;
	memcpy(gpa(DATA), p, 8);
	ck_assert(breaks(0, (struct desc[]){ { DATA, 8, 0, 0 } }, 1, "PFN past RAM"));
	p[1] = 0xa0;
	memcpy(gpa(DATA), p, 8);
	ck_assert(breaks(0, (struct desc[]){ { DATA, 8, 0, 0 } }, 1, "PFN in the BIOS area"));
	p[1] = 0xffffffff;
	memcpy(gpa(DATA), p, 8);
	ck_assert(breaks(1, (struct desc[]){ { DATA, 8, 0, 0 } }, 1, "deflate PFN past RAM"));
	p[1] = PFN(PAGES) + 1;
	memcpy(gpa(DATA), p, 8);
	ck_assert(breaks(0, (struct desc[]){ { DATA, 6, 0, 0 } }, 1, "odd length"));
	ck_assert(breaks(0, (struct desc[]){ { DATA, 4, F_NEXT, 1 }, { DATA + 4, 4, F_NEXT, 0 } }, 2,
			 "loop"));
	ck_assert(breaks(0, (struct desc[]){ { DATA, 8, F_WRITE, 0 } }, 1, "writable"));
	for (uint32_t i = 0; i <= VIRTIO_BALLOON_MAX_PFNS; i++) {
		big = PFN(PAGES) + i % 256;
		memcpy(gpa(BIG + 4 * i), &big, 4);
	}
	ck_assert(breaks(0, (struct desc[]){ { BIG, 4 * (VIRTIO_BALLOON_MAX_PFNS + 1), 0, 0 } }, 1,
			 "too many PFNs"));
	ck_assert(breaks(0, (struct desc[]){ { MEM_SIZE - 4, 8, 0, 0 } }, 1, "outside RAM"));
	/* reporting: readable, unaligned, part of a page, outside RAM, the BIOS area, huge */
	ck_assert(breaks(3, (struct desc[]){ { PAGES, 4096, 0, 0 } }, 1, "readable report"));
	ck_assert(breaks(3, (struct desc[]){ { PAGES + 8, 4096, F_WRITE, 0 } }, 1, "unaligned"));
	ck_assert(breaks(3, (struct desc[]){ { PAGES, 100, F_WRITE, 0 } }, 1, "part of a page"));
	ck_assert(breaks(3, (struct desc[]){ { PAGES, 0, F_WRITE, 0 } }, 1, "empty"));
	ck_assert(breaks(3, (struct desc[]){ { 0xa0000, 4096, F_WRITE, 0 } }, 1, "BIOS area"));
	ck_assert(breaks(3, (struct desc[]){ { 0, 0x200000, F_WRITE, 0 } }, 1, "over the BIOS area"));
	ck_assert(breaks(3, (struct desc[]){ { PAGES, 0xfffff000u, F_WRITE, 0 } }, 1, "huge"));
	ck_assert(breaks(3, (struct desc[]){ { PAGES, 4096, F_WRITE | F_NEXT, 1 },
					     { 1ull << 40, 4096, F_WRITE, 0 } }, 2, "far away"));
	ck_assert(breaks(3, (struct desc[]){ { PAGES, 4096, F_WRITE | F_NEXT, 0 } }, 1, "report loop"));
	/* stats: not whole entries, writable */
	ck_assert(breaks(2, (struct desc[]){ { DATA, 15, 0, 0 } }, 1, "stats length"));
	ck_assert(breaks(2, (struct desc[]){ { DATA, 10, F_WRITE, 0 } }, 1, "stats writable"));
	ck_assert(breaks(2, (struct desc[]){ { DATA, 10 * (VIRTIO_BALLOON_MAX_STATS + 1), 0, 0 } }, 1,
			 "too many stats"));
	/* a queue the features do not use is ignored; a reset mends everything */
	ck_assert(drv_start(0, NULL));
	set_desc(2, 0, DATA, 8, 0, 0);
	post(2, 0, true);
	ck_assert(!needs_reset());
	ck_assert_uint_eq(used_idx(2), 0);
	p[0] = PFN(PAGES);
	ck_assert(pfns(0, p, 1));
	ck_assert(!needs_reset());
}
END_TEST

START_TEST(config_and_target)
{
	uint16_t gen;
	struct hv_vmm_balloon_info info;

	/* 8 MiB of RAM, a target of 6 MiB: 512 pages pre-ballooned */
	make(6u << 20, false, true);
	ck_assert_uint_eq(cfg_r(0), 512);
	ck_assert_uint_eq(cfg_r(4), 0);
	ck_assert(drv_start(FEAT_STATS, NULL));
	gen = reg_r(0x15, 1);
	pthread_mutex_lock(&vm.io_lock);
	ck_assert_int_eq(virtio_balloon_set_target(&dev, (4u << 20) + 100), 0);	/* rounded down */
	ck_assert_int_eq(virtio_balloon_set_target(&dev, 0), -EINVAL);
	ck_assert_int_eq(virtio_balloon_set_target(&dev, 100), -EINVAL);
	ck_assert_int_eq(virtio_balloon_set_target(&dev, MEM_SIZE + 4096), -EINVAL);
	pthread_mutex_unlock(&vm.io_lock);
	ck_assert_uint_eq(cfg_r(0), 1024);
	ck_assert_uint_ne(reg_r(0x15, 1), gen);			/* config_generation */
	/* the driver's writes: actual and poison_val; num_pages is the device's */
	reg_w(0x2000, 7, 4);
	ck_assert_uint_eq(cfg_r(0), 1024);
	reg_w(0x2004, 1000, 4);
	reg_w(0x2004, 0x00, 1);		/* byte by byte works too: 1024 */
	reg_w(0x2005, 0x04, 1);
	ck_assert_uint_eq(cfg_r(4), 1024);
	pthread_mutex_lock(&vm.io_lock);
	virtio_balloon_info(&dev, &info, false);
	pthread_mutex_unlock(&vm.io_lock);
	ck_assert_uint_eq(info.target_bytes, 4u << 20);
	ck_assert_uint_eq(info.current_bytes, MEM_SIZE - (4u << 20));
	ck_assert_uint_eq(info.features, HV_VMM_BALLOON_F_STATS | HV_VMM_BALLOON_F_DRIVER_OK);
	ck_assert_uint_eq(info.stats_age_ms, ~0ull);
	/* a guest that claims more than its RAM */
	reg_w(0x2004, 0xffffffff, 4);
	pthread_mutex_lock(&vm.io_lock);
	virtio_balloon_info(&dev, &info, false);
	pthread_mutex_unlock(&vm.io_lock);
	ck_assert_uint_eq(info.current_bytes, 0);
	/* a reset: the new driver holds nothing */
	reg_w(0x14, 0, 1);
	ck_assert_uint_eq(cfg_r(4), 0);
	ck_assert_uint_eq(cfg_r(0), 1024);
}
END_TEST

START_TEST(events_rate_limited)
{
	int n;

	make(6u << 20, false, true);
	ck_assert(drv_start(FEAT_STATS, NULL));
	/* the reset and the driver's start: one event, or two 100 ms apart */
	for (int i = 0; i < 200 && events() < 1; i++)
		wait_ms(5);
	wait_ms(150);
	ck_assert_int_ge(events(), 1);
	ck_assert_int_le(events(), 2);
	/* ten changes at once: one event now, one with the last value 100 ms on */
	n = events();
	for (uint32_t a = 1; a <= 10; a++)
		reg_w(0x2004, a * 64, 4);
	wait_ms(300);
	ck_assert_int_ge(events() - n, 1);
	ck_assert_int_le(events() - n, 2);
	pthread_mutex_lock(&vm.io_lock);
	ck_assert_uint_eq(last_event.current_bytes, MEM_SIZE - 640 * 4096);
	ck_assert_uint_eq(last_event.target_bytes, 6u << 20);
	ck_assert_uint_eq(last_event.ram_bytes, MEM_SIZE);
	ck_assert(last_event.features & HV_VMM_BALLOON_F_DRIVER_OK);
	pthread_mutex_unlock(&vm.io_lock);
}
END_TEST

/* A stats buffer (MEMFREE, MEMTOT, a tag hv does not know) made available, not kicked. */
static void stats_buffer(void)
{
	uint8_t s[30];
	uint16_t tag[3] = { 4, 5, 99 };
	uint64_t val[3] = { 1234, 5678, 9 };

	for (int i = 0; i < 3; i++) {
		memcpy(s + 10 * i, &tag[i], 2);
		memcpy(s + 10 * i + 2, &val[i], 8);
	}
	memcpy(gpa(DATA + 0x1000), s, sizeof(s));
	set_desc(2, 0, DATA + 0x1000, sizeof(s), 0, 0);
	post(2, 0, false);
}

START_TEST(stats_held_and_refreshed)
{
	struct hv_vmm_balloon_info info;
	uint64_t v = 4321;

	make(0, false, true);
	/* the buffer is queued before DRIVER_OK, as Linux does */
	ck_assert(drv_start(FEAT_STATS, stats_buffer));
	ck_assert_uint_eq(used_idx(2), 0);
	pthread_mutex_lock(&vm.io_lock);
	virtio_balloon_info(&dev, &info, true);		/* fresh: not asked again */
	pthread_mutex_unlock(&vm.io_lock);
	ck_assert_uint_eq(used_idx(2), 0);
	ck_assert_uint_eq(info.stats_valid, (1u << 4) | (1u << 5));
	ck_assert_uint_eq(info.stats[4], 1234);
	ck_assert_uint_eq(info.stats[5], 5678);
	ck_assert_uint_lt(info.stats_age_ms, 1000);
	/* a second old: a QUERY gives the buffer back for new values */
	pthread_mutex_lock(&vm.io_lock);
	dev.stats_ns -= 2000000000ull;
	virtio_balloon_info(&dev, &info, true);
	ck_assert_uint_ge(info.stats_age_ms, 2000);
	virtio_balloon_info(&dev, &info, true);		/* asked already */
	pthread_mutex_unlock(&vm.io_lock);
	ck_assert_uint_eq(used_idx(2), 1);
	ck_assert_uint_eq(*(uint32_t *)gpa(q_used(2) + 4), 0);	/* head 0 */
	/* the driver refills it */
	memcpy(gpa(DATA + 0x1000 + 2), &v, 8);
	post(2, 0, true);
	pthread_mutex_lock(&vm.io_lock);
	virtio_balloon_info(&dev, &info, false);
	pthread_mutex_unlock(&vm.io_lock);
	ck_assert_uint_eq(info.stats[4], 4321);
	ck_assert_uint_eq(used_idx(2), 1);
	ck_assert_uint_eq(counters().stats_updates, 2);
	ck_assert(!needs_reset());
}
END_TEST

START_TEST(state_round_trip)
{
	struct state_io io;
	uint8_t *saved;
	size_t len;
	uint64_t valid;

	make(6u << 20, true, true);
	ck_assert(drv_start(FEAT_STATS | FEAT_REPORT | FEAT_DOO | FEAT_POISON, stats_buffer));
	reg_w(0x2004, 300, 4);
	reg_w(0x200c, 0x55, 4);
	pthread_mutex_lock(&vm.io_lock);
	state_init_save(&io);
	virtio_balloon_state(&io, &dev);
	ck_assert_int_eq(io.err, 0);
	saved = io.buf;
	len = io.len;
	valid = dev.stats_valid;
	/* another state, then the saved one back */
	dev.actual = dev.poison_val = 0;
	dev.stats_held = false;
	dev.stats_valid = 0;
	dev.ops.features = 0;
	state_init_load(&io, saved, len);
	virtio_balloon_state(&io, &dev);
	ck_assert_msg(io.err == 0, "%s", io.errmsg);
	ck_assert(state_at_end(&io));
	ck_assert_int_eq(virtio_balloon_post_load(&dev), 0);
	pthread_mutex_unlock(&vm.io_lock);
	ck_assert_uint_eq(cfg_r(4), 300);
	ck_assert_uint_eq(cfg_r(12), 0x55);
	ck_assert_uint_eq(cfg_r(0), 512);
	ck_assert(dev.stats_held);
	ck_assert_uint_eq(dev.stats_valid, valid);
	ck_assert(dev.ops.features & FEAT_DOO);
	/* a held buffer on a queue that is not there is refused */
	pthread_mutex_lock(&vm.io_lock);
	dev.stats_head = QSIZE;
	ck_assert_int_eq(virtio_balloon_post_load(&dev), -EINVAL);
	/* as are a target past the RAM and features that are not the balloon's */
	for (int k = 0; k < 2; k++) {
		/* the field's name with its length byte: not driver_features */
		const char *f = k ? "\x08" "features" : "\x0c" "target_bytes";
		uint8_t *copy = malloc(len);
		size_t at;

		for (at = 0; at + strlen(f) < len && memcmp(saved + at, f, strlen(f)); at++)
			;
		ck_assert_uint_lt(at + strlen(f), len);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, saved, len);
		memset(copy + at + strlen(f) + 5, 0xff, 8);	/* type, length, then the value */
		state_init_load(&io, copy, len);
		virtio_balloon_state(&io, &dev);
		ck_assert_int_ne(io.err, 0);
		free(copy);
	}
	pthread_mutex_unlock(&vm.io_lock);
	free(saved);
}
END_TEST

/* Pages a restore mapped from an image: punched only once they are the memfd's again. */
START_TEST(image_mapped_pages)
{
	char path[] = "/tmp/hv-test-balloon-XXXXXX";
	int fd = mkstemp(path);
	uint8_t *img;
	uint64_t kept = 0;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(ftruncate(fd, 4u << 20), 0);
	img = mmap(NULL, 4u << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(img != MAP_FAILED);
	memset(img, 0x77, 4u << 20);
	munmap(img, 4u << 20);
	/* [4 MiB, 8 MiB) of RAM mapped private from the file, as a lazy restore does */
	ck_assert(mmap(gpa(4u << 20), 4u << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
		       fd, 0) != MAP_FAILED);
	vm.mapped = malloc(sizeof(*vm.mapped));
	vm.mapped[0] = (struct mem_run){ 4u << 20, 4u << 20 };
	vm.nr_mapped = 1;
	ck_assert_int_eq(gpa(5u << 20)[0], 0x77);
	/* while a thread copies the runs, they stay */
	vm.mapped_busy = true;
	ck_assert_int_eq(vm_ram_discard(&vm, 3u << 20, 2u << 20, &kept), 0);
	ck_assert_uint_eq(kept, 1u << 20);
	ck_assert_int_eq(gpa(4u << 20)[0], 0x77);
	ck_assert_uint_eq(vm.nr_mapped, 1);
	/* then: the middle of the run is the memfd's again (zeros), the run split */
	vm.mapped_busy = false;
	ck_assert_int_eq(vm_ram_discard(&vm, 5u << 20, 1u << 20, &kept), 0);
	ck_assert_uint_eq(kept, 0);
	ck_assert_int_eq(gpa(5u << 20)[0], 0);
	ck_assert_int_eq(gpa((6u << 20) - 1)[0], 0);
	ck_assert_int_eq(gpa((5u << 20) - 1)[0], 0x77);
	ck_assert_int_eq(gpa(6u << 20)[0], 0x77);
	ck_assert_uint_eq(vm.nr_mapped, 2);
	ck_assert_uint_eq(vm.mapped[0].offset, 4u << 20);
	ck_assert_uint_eq(vm.mapped[0].len, 1u << 20);
	ck_assert_uint_eq(vm.mapped[1].offset, 6u << 20);
	ck_assert_uint_eq(vm.mapped[1].len, 2u << 20);
	/* a range over both ends and the gap */
	ck_assert_int_eq(vm_ram_discard(&vm, 4u << 20, 3u << 20, &kept), 0);
	ck_assert_uint_eq(vm.nr_mapped, 1);
	ck_assert_uint_eq(vm.mapped[0].offset, 7u << 20);
	ck_assert_int_eq(gpa(4u << 20)[0], 0);
	ck_assert_int_eq(gpa(7u << 20)[0], 0x77);
	ck_assert_int_eq(vm_ram_discard(&vm, 4096, 100, &kept), -EINVAL);
	ck_assert_int_eq(vm_ram_discard(&vm, MEM_SIZE - 4096, 8192, &kept), -EINVAL);
	/* the memfd over the whole range again, for teardown's munmap */
	ck_assert(mmap(gpa(4u << 20), 4u << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		       vm.mem_fd, 4u << 20) != MAP_FAILED);
	free(vm.mapped);
	vm.mapped = NULL;
	vm.nr_mapped = 0;
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio-balloon");
	TCase *tc = tcase_create("device");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, queue_numbering);
	tcase_add_test(tc, features_offered);
	tcase_add_test(tc, inflate_punches_runs);
	tcase_add_test(tc, reporting_punches_ranges);
	tcase_add_test(tc, page_poison_keeps_reported_pages);
	tcase_add_test(tc, hostile_requests);
	tcase_add_test(tc, config_and_target);
	tcase_add_test(tc, events_rate_limited);
	tcase_add_test(tc, stats_held_and_refreshed);
	tcase_add_test(tc, state_round_trip);
	tcase_add_test(tc, image_mapped_pages);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
