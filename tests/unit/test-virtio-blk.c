/*
 * virtio-blk and the split virtqueue, driven as a guest driver would:
 * rings and buffers in a block of memory laid out as guest RAM, the
 * device's registers through its BAR, its I/O on a real file through the
 * real engines (io_uring, then the thread pool), completions in a real
 * I/O thread.  Hostile chains must break the queue or fail the request,
 * never the process.
 */
#include <check.h>
#include "check-main.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <liburing.h>
#include "dev/pci.h"
#include "kvm/vm.h"
#include "loop.h"
#include "virtio/blk.h"
#include "virtio/blkio.h"
#include "virtio/pci.h"
#include "virtio/queue.h"
#include "snapshot/state.h"
#include "virtio-harness.h"

#define MEM_SIZE	(4u << 20)
#define QSIZE		64
#define DESC		0x0000
#define AVAIL		0x1000
#define USED		0x2000
#define INDIRECT	0x4000
#define HDR		0x8000
#define STATUS		0x9000
#define DATA		0x10000
#define DISK_SIZE	(1u << 20)

#define F_WRITE		2
#define F_NEXT		1
#define F_INDIRECT	4
#define FEAT_INDIRECT	(1ull << 28)
#define FEAT_EVENT_IDX	(1ull << 29)
#define FEAT_VERSION_1	(1ull << 32)
#define BLK_F_RO	(1ull << 5)
#define BLK_F_FLUSH	(1ull << 9)
#define BLK_F_DISCARD	(1ull << 13)
#define BLK_F_WZ	(1ull << 14)

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static struct virtio_blk *blk;
static char path[] = "/tmp/hv-test-blk-XXXXXX";
static int file_fd = -1;
static uint16_t avail_idx, head_next;

static uint16_t used_idx(void)
{
	return __atomic_load_n((uint16_t *)gpa(USED + 2), __ATOMIC_ACQUIRE);
}

/* The driver's side of the handshake; false when FEATURES_OK is refused. */
static bool drv_start(uint64_t features)
{
	reg_w(0x14, 0, 1);
	reg_w(0x14, 3, 1);
	reg_w(0x08, 0, 4);
	reg_w(0x0c, (uint32_t)features, 4);
	reg_w(0x08, 1, 4);
	reg_w(0x0c, features >> 32, 4);
	reg_w(0x14, 0x0b, 1);
	if (!(reg_r(0x14, 1) & 0x08))
		return false;
	memset(gpa(0), 0, DATA);
	reg_w(0x16, 0, 2);
	reg_w(0x18, QSIZE, 2);
	reg_w(0x20, DESC, 4);
	reg_w(0x28, AVAIL, 4);
	reg_w(0x30, USED, 4);
	reg_w(0x1c, 1, 2);
	reg_w(0x14, 0x0f, 1);
	avail_idx = head_next = 0;
	return true;
}

static void set_desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct desc d = { addr, len, flags, next };

	memcpy(gpa(DESC + 16 * i), &d, sizeof(d));
}

static void post(uint16_t head)
{
	uint16_t *avail = (uint16_t *)gpa(AVAIL);

	avail[2 + avail_idx % QSIZE] = head;
	__atomic_store_n(&avail[1], ++avail_idx, __ATOMIC_RELEASE);
	reg_w(0x3000, 0, 2);		/* queue 0's notify address */
}

/* Waits (up to 20 s, for loaded machines) until the device used @n requests. */
static bool wait_used(uint16_t n)
{
	for (int i = 0; i < 20000; i++) {
		if (used_idx() == n)
			return true;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	return false;
}

/* A request of three descriptors (header, data, status) from head_next on. */
static uint8_t *request(uint32_t type, uint64_t sector, uint64_t data, uint32_t len, bool to_dev)
{
	uint16_t h = head_next;
	unsigned int slot = (h / 3) % 16;
	uint8_t *status = gpa(STATUS + slot);
	uint32_t hdr[4] = { type, 0, (uint32_t)sector, (uint32_t)(sector >> 32) };

	memcpy(gpa(HDR + 16 * slot), hdr, 16);
	*status = 0xff;
	set_desc(h, HDR + 16 * slot, 16, F_NEXT, h + 1);
	if (len) {
		set_desc(h + 1, data, len, F_NEXT | (to_dev ? 0 : F_WRITE), h + 2);
		set_desc(h + 2, STATUS + slot, 1, F_WRITE, 0);
	} else {
		set_desc(h + 1, STATUS + slot, 1, F_WRITE, 0);
	}
	head_next = (h + 3) % (QSIZE - 2);
	post(h);
	return status;
}

static uint8_t do_request(uint32_t type, uint64_t sector, uint64_t data, uint32_t len, bool to_dev)
{
	uint16_t want = used_idx() + 1;
	uint8_t *st = request(type, sector, data, len, to_dev);

	ck_assert_msg(wait_used(want), "request type %u not completed", type);
	return *st;
}

static bool needs_reset(void)
{
	return reg_r(0x14, 1) & 0x40;
}

static void make_disk(bool ro, uint64_t iops, uint64_t bps, uint64_t bps_burst)
{
	struct virtio_blk_conf c = {
		.read_only = ro, .discard = true, .serial = "xvda", .nr_queues = 1,
		.iops = iops, .bps = bps, .bps_burst = bps_burst,
	};

	c.fd = open(path, ro ? O_RDONLY : O_RDWR);
	ck_assert_int_ge(c.fd, 0);
	ck_assert_int_eq(virtio_blk_create(&blk, &bus, &vm, loop, &c), 0);
	pd = &virtio_blk_pci(blk)->pci;
}

static void setup(void)
{
	harness_setup(MEM_SIZE);
	strcpy(path, "/tmp/hv-test-blk-XXXXXX");
	file_fd = mkstemp(path);
	ck_assert_int_ge(file_fd, 0);
	ck_assert_int_eq(ftruncate(file_fd, DISK_SIZE), 0);
}

static void teardown(void)
{
	if (blk) {
		pthread_mutex_lock(&vm.io_lock);
		virtio_blk_destroy(blk);
		pthread_mutex_unlock(&vm.io_lock);
		blk = NULL;
	}
	harness_teardown();
	close(file_fd);
	unlink(path);
}

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 9));
}

START_TEST(write_read_back)
{
	uint8_t want[8192], got[8192];

	make_disk(false, 0, 0, 0);
	ck_assert(drv_start(FEAT_VERSION_1 | BLK_F_FLUSH));
	fill(want, sizeof(want), 1);
	memcpy(gpa(DATA), want, sizeof(want));
	ck_assert_int_eq(do_request(1, 8, DATA, sizeof(want), true), 0);
	ck_assert_int_eq(do_request(4, 0, 0, 0, false), 0);		/* FLUSH */
	ck_assert_int_eq(pread(file_fd, got, sizeof(got), 8 * 512), (ssize_t)sizeof(got));
	ck_assert_mem_eq(got, want, sizeof(want));
	memset(gpa(DATA + 0x10000), 0, sizeof(got));
	ck_assert_int_eq(do_request(0, 8, DATA + 0x10000, sizeof(got), false), 0);
	ck_assert_mem_eq(gpa(DATA + 0x10000), want, sizeof(want));
	/* the used length of a read is its data and the status byte */
	ck_assert_uint_eq(*(uint32_t *)gpa(USED + 4 + 8 * ((used_idx() - 1) % QSIZE) + 4),
			  sizeof(got) + 1);
	ck_assert(!needs_reset());
}
END_TEST

START_TEST(capacity_and_serial)
{
	uint64_t cap;

	make_disk(false, 0, 0, 0);
	ck_assert(drv_start(FEAT_VERSION_1));
	cap = reg_r(0x2000, 4) | reg_r(0x2004, 4) << 32;
	ck_assert_uint_eq(cap, DISK_SIZE / 512);
	ck_assert_uint_eq(virtio_blk_capacity(blk), DISK_SIZE);
	memset(gpa(DATA), 0x55, 20);
	ck_assert_int_eq(do_request(8, 0, DATA, 20, false), 0);		/* GET_ID */
	ck_assert_str_eq((char *)gpa(DATA), "xvda");
	ck_assert_int_eq(gpa(DATA)[19], 0);
	ck_assert_int_eq(do_request(99, 0, 0, 0, false), 2);		/* UNSUPP */
}
END_TEST

START_TEST(out_of_range_and_odd_lengths)
{
	uint8_t before[512], after[512];

	make_disk(false, 0, 0, 0);
	ck_assert(drv_start(FEAT_VERSION_1));
	ck_assert_int_eq(pread(file_fd, before, sizeof(before), DISK_SIZE - 512), 512);
	memset(gpa(DATA), 0xaa, 4096);
	ck_assert_int_eq(do_request(1, DISK_SIZE / 512 - 1, DATA, 1024, true), 1);
	ck_assert_int_eq(do_request(1, UINT64_MAX - 1, DATA, 1024, true), 1);
	ck_assert_int_eq(do_request(0, DISK_SIZE / 512, DATA, 512, false), 1);
	ck_assert_int_eq(do_request(1, 0, DATA, 100, true), 1);
	ck_assert_int_eq(pread(file_fd, after, sizeof(after), DISK_SIZE - 512), 512);
	ck_assert_mem_eq(before, after, sizeof(after));
	ck_assert(!needs_reset());
	/* the last sector itself is in range */
	ck_assert_int_eq(do_request(0, DISK_SIZE / 512 - 1, DATA, 512, false), 0);
}
END_TEST

START_TEST(read_only_refuses_writes)
{
	make_disk(true, 0, 0, 0);
	ck_assert(!drv_start(FEAT_VERSION_1 | BLK_F_DISCARD));	/* not offered */
	ck_assert(drv_start(FEAT_VERSION_1 | BLK_F_RO));
	memset(gpa(DATA), 0xaa, 512);
	ck_assert_int_eq(do_request(1, 0, DATA, 512, true), 1);
	ck_assert_int_eq(do_request(0, 0, DATA, 512, false), 0);
	ck_assert_int_eq(gpa(DATA)[0], 0);	/* the file's zeroes, not 0xaa */
}
END_TEST

START_TEST(discard_and_write_zeroes)
{
	uint8_t buf[4096];
	struct { uint64_t sector; uint32_t num, flags; } seg = { 8, 8, 0 };

	make_disk(false, 0, 0, 0);
	ck_assert(drv_start(FEAT_VERSION_1 | BLK_F_DISCARD | BLK_F_WZ));
	memset(buf, 0x77, sizeof(buf));
	ck_assert_int_eq(pwrite(file_fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	ck_assert_int_eq(pwrite(file_fd, buf, sizeof(buf), 4096), (ssize_t)sizeof(buf));
	memcpy(gpa(DATA), &seg, sizeof(seg));
	ck_assert_int_eq(do_request(11, 0, DATA, sizeof(seg), true), 0);	/* DISCARD */
	ck_assert_int_eq(pread(file_fd, buf, sizeof(buf), 4096), (ssize_t)sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		ck_assert_int_eq(buf[i], 0);
	seg = (typeof(seg)){ 0, 8, 0 };
	memcpy(gpa(DATA), &seg, sizeof(seg));
	ck_assert_int_eq(do_request(13, 0, DATA, sizeof(seg), true), 0);	/* WRITE_ZEROES */
	ck_assert_int_eq(pread(file_fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		ck_assert_int_eq(buf[i], 0);
	/* a discard flag that does not exist, a range past the end */
	seg = (typeof(seg)){ 0, 8, 1 };
	memcpy(gpa(DATA), &seg, sizeof(seg));
	ck_assert_int_eq(do_request(11, 0, DATA, sizeof(seg), true), 2);
	seg = (typeof(seg)){ DISK_SIZE / 512 - 4, 8, 0 };
	memcpy(gpa(DATA), &seg, sizeof(seg));
	ck_assert_int_eq(do_request(11, 0, DATA, sizeof(seg), true), 1);
}
END_TEST

START_TEST(indirect_descriptors)
{
	struct desc t[3] = {
		{ HDR, 16, F_NEXT, 1 },
		{ DATA, 4096, F_NEXT | F_WRITE, 2 },
		{ STATUS, 1, F_WRITE, 0 },
	};
	uint32_t hdr[4] = { 0, 0, 0, 0 };
	uint8_t want[4096];

	make_disk(false, 0, 0, 0);
	fill(want, sizeof(want), 3);
	ck_assert_int_eq(pwrite(file_fd, want, sizeof(want), 0), (ssize_t)sizeof(want));
	ck_assert(drv_start(FEAT_VERSION_1 | FEAT_INDIRECT));
	memcpy(gpa(HDR), hdr, 16);
	memcpy(gpa(INDIRECT), t, sizeof(t));
	set_desc(0, INDIRECT, sizeof(t), F_INDIRECT, 0);
	post(0);
	ck_assert(wait_used(1));
	ck_assert_int_eq(*gpa(STATUS), 0);
	ck_assert_mem_eq(gpa(DATA), want, sizeof(want));

	/* a loop inside the table breaks the queue, and a reset mends it */
	t[2] = (struct desc){ STATUS, 1, F_WRITE | F_NEXT, 0 };
	memcpy(gpa(INDIRECT), t, sizeof(t));
	post(0);
	for (int i = 0; i < 20000 && !needs_reset(); i++)
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	ck_assert(needs_reset());
	ck_assert(drv_start(FEAT_VERSION_1));
	ck_assert(!needs_reset());
	/* not negotiated now: an indirect descriptor breaks the queue */
	memcpy(gpa(HDR), hdr, 16);
	memcpy(gpa(INDIRECT), t, sizeof(t));
	set_desc(0, INDIRECT, 48, F_INDIRECT, 0);
	post(0);
	for (int i = 0; i < 20000 && !needs_reset(); i++)
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	ck_assert(needs_reset());
}
END_TEST

START_TEST(hostile_chains)
{
	static const struct { struct desc d[3]; const char *what; } cases[] = {
		{ { { HDR, 16, F_NEXT, 1 }, { STATUS, 1, F_NEXT | F_WRITE, 0 } }, "loop" },
		{ { { HDR, 16, F_NEXT, 1 }, { MEM_SIZE - 8, 4096, F_NEXT | F_WRITE, 2 },
		    { STATUS, 1, F_WRITE, 0 } }, "outside RAM" },
		{ { { HDR, 8, F_NEXT, 1 }, { STATUS, 1, F_WRITE, 0 } }, "short header" },
		{ { { HDR, 16, 0, 0 } }, "no status" },
		{ { { HDR, 16, F_NEXT, 1 }, { STATUS, 1, F_WRITE | F_NEXT, 2 },
		    { DATA, 512, 0, 0 } }, "readable after writable" },
		{ { { HDR, 16, F_NEXT, 200 } }, "next out of range" },
	};

	make_disk(false, 0, 0, 0);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		ck_assert(drv_start(FEAT_VERSION_1));
		memset(gpa(HDR), 0, 16);
		for (int i = 0; i < 3; i++)
			memcpy(gpa(DESC + 16 * i), &cases[c].d[i], 16);
		post(0);
		for (int i = 0; i < 20000 && !needs_reset(); i++)
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
		ck_assert_msg(needs_reset(), "%s: the queue is not broken", cases[c].what);
	}
	/* and the device works again after a reset */
	ck_assert(drv_start(FEAT_VERSION_1));
	ck_assert_int_eq(do_request(0, 0, DATA, 512, false), 0);
}
END_TEST

START_TEST(rate_limit_holds_requests)
{
	uint8_t *s1, *s2;

	/* 4 KiB at once, then one byte a second: the second read waits */
	make_disk(false, 0, 1, 4096);
	ck_assert(drv_start(FEAT_VERSION_1));
	s1 = request(0, 0, DATA, 4096, false);
	s2 = request(0, 8, DATA + 4096, 4096, false);
	ck_assert(wait_used(1));
	ck_assert_int_eq(*s1, 0);
	ck_assert_int_eq(*s2, 0xff);
	ck_assert_uint_eq(used_idx(), 1);
	/* a reset drops what waits; the device is usable at once */
	ck_assert(drv_start(FEAT_VERSION_1));
	ck_assert_uint_eq(used_idx(), 0);
}
END_TEST

/* Every request completed is counted once, as what it was; a throttled one as waiting. */
START_TEST(counters_count_what_was_done)
{
	struct { uint64_t sector; uint32_t num, flags; } seg = { 8, 8, 0 };
	struct hv_vmm_diskstats st, slot = { .vdev = "xvda" };
	struct virtio_blk_conf c = {
		.discard = true, .serial = "xvda", .nr_queues = 1, .stats = &slot,
	};

	/* with a slot of the statistics file: the counts land there */
	c.fd = open(path, O_RDWR);
	ck_assert_int_ge(c.fd, 0);
	ck_assert_int_eq(virtio_blk_create(&blk, &bus, &vm, loop, &c), 0);
	pd = &virtio_blk_pci(blk)->pci;
	ck_assert(drv_start(FEAT_VERSION_1 | BLK_F_FLUSH | BLK_F_DISCARD | BLK_F_WZ));
	memset(gpa(DATA), 0x5a, 16384);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(do_request(1, 32 * i, DATA, 8192, true), 0);
	ck_assert_int_eq(do_request(0, 0, DATA, 4096, false), 0);
	ck_assert_int_eq(do_request(0, 8, DATA, 512, false), 0);
	ck_assert_int_eq(do_request(4, 0, 0, 0, false), 0);			/* FLUSH */
	memcpy(gpa(DATA + 0x8000), &seg, sizeof(seg));
	ck_assert_int_eq(do_request(11, 0, DATA + 0x8000, sizeof(seg), true), 0);
	ck_assert_int_eq(do_request(13, 0, DATA + 0x8000, sizeof(seg), true), 0);
	/* failures: past the end, an odd length, an unknown type */
	ck_assert_int_eq(do_request(0, DISK_SIZE / 512, DATA, 512, false), 1);
	ck_assert_int_eq(do_request(1, 0, DATA, 100, true), 1);
	ck_assert_int_eq(do_request(99, 0, 0, 0, false), 2);
	/* GET_ID is neither */
	ck_assert_int_eq(do_request(8, 0, DATA, 20, false), 0);
	virtio_blk_stats(blk, &st);
	ck_assert_str_eq(slot.vdev, "xvda");	/* the device leaves the name alone */
	ck_assert_uint_eq(slot.wr_reqs, 3);
	ck_assert_uint_eq(slot.wr_bytes, 3 * 8192);
	ck_assert_uint_eq(slot.rd_reqs, 2);
	ck_assert_uint_eq(slot.rd_bytes, 4096 + 512);
	ck_assert_uint_eq(slot.flush_reqs, 1);
	ck_assert_uint_eq(slot.discard_reqs, 2);
	ck_assert_uint_eq(slot.err_reqs, 3);
	ck_assert_uint_eq(slot.throttled_reqs, 0);
	ck_assert_mem_eq((char *)&st + sizeof(st.vdev), (char *)&slot + sizeof(slot.vdev),
			 sizeof(st) - sizeof(st.vdev));
	pthread_mutex_lock(&vm.io_lock);
	virtio_blk_destroy(blk);
	pthread_mutex_unlock(&vm.io_lock);
	blk = NULL;

	/* without one, the device's own; a request held by the rate limit counts as throttled */
	make_disk(false, 0, 1, 4096);
	ck_assert(drv_start(FEAT_VERSION_1));
	request(0, 0, DATA, 4096, false);
	request(0, 8, DATA + 4096, 4096, false);
	ck_assert(wait_used(1));
	pthread_mutex_lock(&vm.io_lock);
	virtio_blk_stats(blk, &st);
	pthread_mutex_unlock(&vm.io_lock);
	ck_assert_uint_eq(st.rd_reqs, 1);
	ck_assert_uint_eq(st.rd_bytes, 4096);
	ck_assert_uint_eq(st.throttled_reqs, 1);
	ck_assert_uint_eq(slot.rd_reqs, 2);	/* the first device's slot is left alone */
}
END_TEST

START_TEST(event_idx_suppresses_interrupts)
{
	struct virtq vq = { .size = QSIZE, .enabled = true, .desc = DESC, .avail = AVAIL,
			    .used = USED, .event_idx = true };
	uint16_t *avail = (uint16_t *)gpa(AVAIL);
	uint16_t *avail_event = (uint16_t *)gpa(USED + 4 + 8 * QSIZE);
	struct virtq_elem *e = malloc(sizeof(*e));
	const char *why = NULL;

	ck_assert_ptr_nonnull(e);
	memset(gpa(0), 0, DATA);
	for (int i = 0; i < 4; i++) {
		set_desc(i, DATA, 512, 0, 0);
		avail[2 + i] = i;
	}
	avail[1] = 4;
	avail[2 + QSIZE] = 2;		/* used_event: interrupt once the 3rd is used */
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(virtq_pop(&vq, &vm, e, &why), 1);
	ck_assert_int_eq(virtq_pop(&vq, &vm, e, &why), 0);
	ck_assert_uint_eq(*avail_event, 4);	/* kick me for the 5th */
	virtq_push_only(&vq, &vm, e, 0);
	virtq_push_only(&vq, &vm, e, 0);
	ck_assert(!virtq_should_notify(&vq, &vm));	/* 2 used, event at 2 */
	virtq_push_only(&vq, &vm, e, 0);
	ck_assert(virtq_should_notify(&vq, &vm));	/* crossed it */
	virtq_push_only(&vq, &vm, e, 0);
	ck_assert(!virtq_should_notify(&vq, &vm));
	/* without EVENT_IDX, the NO_INTERRUPT flag decides */
	vq.event_idx = false;
	avail[0] = 1;
	virtq_push_only(&vq, &vm, e, 0);
	ck_assert(!virtq_should_notify(&vq, &vm));
	avail[0] = 0;
	virtq_push_only(&vq, &vm, e, 0);
	ck_assert(virtq_should_notify(&vq, &vm));
	free(e);
}
END_TEST

/* The device's state once quiesced, as a save takes it (malloc'd, *@len bytes). */
static uint8_t *save_quiesced(size_t *len)
{
	struct state_io io;
	uint8_t *saved;

	virtio_blk_quiesce(blk);
	state_init_save(&io);
	virtio_blk_state(&io, blk);
	ck_assert_int_eq(io.err, 0);
	*len = io.len;
	saved = malloc(*len);
	ck_assert_ptr_nonnull(saved);
	memcpy(saved, io.buf, *len);
	state_fini(&io);
	return saved;
}

/* Loads @buf into a fresh device on the file as it is now; the post-load result. */
static int reload(const void *buf, size_t len)
{
	struct state_io io;

	pthread_mutex_lock(&vm.io_lock);
	virtio_blk_destroy(blk);
	pthread_mutex_unlock(&vm.io_lock);
	blk = NULL;
	make_disk(false, 0, 0, 0);
	state_init_load(&io, buf, len);
	virtio_blk_state(&io, blk);
	ck_assert_int_eq(io.err, 0);
	state_fini(&io);
	return virtio_blk_post_load(blk);
}

START_TEST(state_survives_and_checks_the_size)
{
	uint8_t *saved;
	size_t len;

	make_disk(false, 0, 0, 0);
	ck_assert(drv_start(FEAT_VERSION_1 | FEAT_EVENT_IDX));
	fill(gpa(DATA), 4096, 5);
	ck_assert_int_eq(do_request(1, 16, DATA, 4096, true), 0);
	saved = save_quiesced(&len);

	/* the target grew since the save: refused */
	ck_assert_int_eq(ftruncate(file_fd, 2 * DISK_SIZE), 0);
	ck_assert_int_ne(reload(saved, len), 0);
	/* the same size again: the queue goes on where it was */
	ck_assert_int_eq(ftruncate(file_fd, DISK_SIZE), 0);
	ck_assert_int_eq(reload(saved, len), 0);
	ck_assert(!needs_reset());
	memset(gpa(DATA + 0x10000), 0, 4096);
	ck_assert_int_eq(do_request(0, 16, DATA + 0x10000, 4096, false), 0);
	ck_assert_mem_eq(gpa(DATA + 0x10000), gpa(DATA), 4096);
	ck_assert_uint_eq(used_idx(), 2);
	free(saved);
}
END_TEST

static bool dirty(const uint64_t *bits, uint64_t gpa_)
{
	uint64_t page = gpa_ >> 12;

	return bits[page / 64] & (1ull << (page % 64));
}

/*
 * A live migration's record of what hv-vmm writes into guest memory: a
 * read's buffer, the status byte and the used ring, once the request
 * completes; not the buffer of a write, which the device only reads.
 */
START_TEST(device_writes_are_marked_for_migration)
{
	uint64_t *bits = calloc((MEM_SIZE >> 12) / 64 + 1, sizeof(*bits));

	ck_assert_ptr_nonnull(bits);
	make_disk(false, 0, 0, 0);
	ck_assert(drv_start(FEAT_VERSION_1 | BLK_F_FLUSH));
	__atomic_store_n(&vm.dirty_user, bits, __ATOMIC_RELEASE);
	ck_assert_int_eq(do_request(1, 0, DATA, 8192, true), 0);
	ck_assert(!dirty(bits, DATA) && !dirty(bits, DATA + 4096));
	ck_assert(dirty(bits, STATUS) && dirty(bits, USED));
	memset(bits, 0, ((MEM_SIZE >> 12) / 64 + 1) * sizeof(*bits));
	ck_assert_int_eq(do_request(0, 0, DATA + 0x20000, 8192, false), 0);
	ck_assert(dirty(bits, DATA + 0x20000) && dirty(bits, DATA + 0x21000));
	ck_assert(!dirty(bits, DATA + 0x22000) && !dirty(bits, DATA));
	ck_assert(dirty(bits, STATUS) && dirty(bits, USED));
	__atomic_store_n(&vm.dirty_user, NULL, __ATOMIC_RELEASE);
	free(bits);
}
END_TEST

/*
 * A started disk, its VM's I/O quiesced, and a read of one page into DATA
 * (0x5a before it) kicked meanwhile: its status byte.
 */
static uint8_t *request_while_quiesced(void)
{
	make_disk(false, 0, 0, 0);
	ck_assert(drv_start(FEAT_VERSION_1));
	memset(gpa(DATA), 0x5a, 4096);
	pthread_mutex_lock(&vm.io_lock);
	vm.io_quiesced = true;
	pthread_mutex_unlock(&vm.io_lock);
	return request(0, 0, DATA, 4096, false);
}

/*
 * While the VM's I/O is quiesced (a save, migration or core dump reads
 * memory), a notification the guest made before its pause is only noted:
 * no request is taken and nothing is written into guest memory until
 * the devices resume, when it is taken.
 */
START_TEST(quiesced_notifications_wait_for_resume)
{
	uint8_t *st = request_while_quiesced();
	struct virtio_pci *vp = virtio_blk_pci(blk);
	uint16_t want = 1;

	/* taken synchronously, or not at all: nothing was */
	ck_assert_uint_eq(vp->deferred, 1);
	ck_assert_uint_eq(used_idx(), 0);
	ck_assert_uint_eq(*st, 0xff);
	ck_assert_uint_eq(*(uint8_t *)gpa(DATA), 0x5a);
	pthread_mutex_lock(&vm.io_lock);
	vm.io_quiesced = false;
	virtio_pci_resume(vp);
	pthread_mutex_unlock(&vm.io_lock);
	ck_assert(wait_used(want));
	ck_assert_uint_eq(*st, 0);
	ck_assert_uint_eq(vp->deferred, 0);
	ck_assert_uint_eq(*(uint8_t *)gpa(DATA), 0);	/* the new disk's zeroes */
}
END_TEST

/*
 * A request the guest kicked while the source was quiesced is in the
 * avail ring of the saved state, its kick only noted there: the restored
 * device looks at each queue when the domain first runs, and takes it.
 */
START_TEST(a_request_kicked_while_quiesced_runs_after_restore)
{
	uint8_t *st = request_while_quiesced(), *saved;
	size_t len;

	ck_assert_uint_eq(used_idx(), 0);
	saved = save_quiesced(&len);
	vm.io_quiesced = false;

	ck_assert_int_eq(reload(saved, len), 0);
	ck_assert_uint_eq(virtio_blk_pci(blk)->deferred, 1);	/* its one queue, to look at */
	ck_assert_uint_eq(used_idx(), 0);
	pthread_mutex_lock(&vm.io_lock);
	virtio_pci_resume(virtio_blk_pci(blk));			/* the domain's first run */
	pthread_mutex_unlock(&vm.io_lock);
	ck_assert(wait_used(1));
	ck_assert_uint_eq(*st, 0);
	ck_assert_uint_eq(*(uint8_t *)gpa(DATA), 0);
	free(saved);
}
END_TEST

/*
 * The engine's ring does readv, writev and fsync on the disk, as its
 * fixed file 0, and nothing else: another operation, or a plain
 * descriptor, is refused by the kernel (the jail's seccomp filter does not
 * see what a ring does).
 */
static void blkio_done(void *arg, struct blkio_req *r)
{
	(void)arg;
	(void)r;
}

START_TEST(blkio_ring_is_confined)
{
	char tmp[] = "/tmp/hv-blkio-XXXXXX", buf[16] = "0123456789abcdef", back[16];
	struct iovec iov = { buf, sizeof(buf) };
	struct blkio_req r = { .op = BLKIO_WRITE, .iov = &iov, .nr_iov = 1 };
	struct blkio *io;
	int fd = mkstemp(tmp), other = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(other, 0);
	unlink(tmp);
	ck_assert_int_eq(blkio_create(&io, fd, 8, NULL, NULL, NULL, false), 0);
	if (strcmp(blkio_engine(io), "io_uring")) {
		fprintf(stderr, "blkio_ring_is_confined: no io_uring here (%s): not tested\n",
			blkio_engine(io));
		goto out;
	}
	/* what the disk needs works */
	blkio_submit(io, &r);
	blkio_drain(io, blkio_done, NULL);
	ck_assert_int_eq(r.result, 0);
	ck_assert_int_eq(blkio_uring_probe(io, IORING_OP_FSYNC, 0, true), 0);
	ck_assert_int_eq(pread(fd, back, sizeof(back), 0), (ssize_t)sizeof(back));
	ck_assert(!memcmp(back, buf, sizeof(buf)));
	/* the rest does not: other operations, other descriptors */
	ck_assert_int_eq(blkio_uring_probe(io, IORING_OP_OPENAT, AT_FDCWD, false), -EACCES);
	ck_assert_int_eq(blkio_uring_probe(io, IORING_OP_SOCKET, 0, false), -EACCES);
	ck_assert_int_eq(blkio_uring_probe(io, IORING_OP_FSYNC, other, false), -EACCES);
	ck_assert_int_eq(blkio_uring_probe(io, IORING_OP_READV, fd, false), -EACCES);
	ck_assert_int_eq(blkio_uring_probe(io, IORING_OP_READ, 0, true), -EACCES);
	ck_assert_int_eq(blkio_uring_probe(io, IORING_OP_FSYNC, 1, true), -EBADF);
out:
	blkio_destroy(io);
	close(other);
	close(fd);
}
END_TEST

/*
 * The disk's lock (an OFD lock, as hvd and libhv take it) goes with the
 * last descriptor of its open file.  A ring that kept the disk as a fixed
 * file past blkio_destroy() kept it locked after its process had exited
 * and been reaped (the kernel frees a ring in the background), and a
 * domain started on the image at once was refused.  A child process is
 * hv-vmm here: it locks, writes through blkio, ends it and exits.
 */
START_TEST(blkio_lets_go_of_the_disk)
{
	char tmp[] = "/tmp/hv-blkio-XXXXXX";
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1 };
	int fd, status = -1, again;
	pid_t pid;

	/* the thread pool holds no file of its own (and a fork with its
	 * threads about has hung under the sanitizers) */
	if (getenv("HV_VMM_BLKIO") && !strcmp(getenv("HV_VMM_BLKIO"), "threads"))
		return;
	fd = mkstemp(tmp);
	ck_assert_int_ge(fd, 0);
	close(fd);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		static char buf[64 << 10];
		struct iovec iov = { buf, sizeof(buf) };
		struct blkio_req r = { .op = BLKIO_WRITE, .iov = &iov, .nr_iov = 1 };
		struct blkio *io;

		fd = open(tmp, O_RDWR | O_CLOEXEC);
		if (fd < 0 || fcntl(fd, F_OFD_SETLK, &fl) ||
		    blkio_create(&io, fd, 8, NULL, NULL, NULL, false))
			_exit(2);
		for (int i = 0; i < 64; i++) {
			r = (struct blkio_req){ .op = BLKIO_WRITE, .iov = &iov, .nr_iov = 1,
						.off = (uint64_t)i * sizeof(buf) };
			iov = (struct iovec){ buf, sizeof(buf) };
			blkio_submit(io, &r);
			blkio_drain(io, blkio_done, NULL);
			if (r.result)
				_exit(3);
		}
		blkio_destroy(io);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	/* at once, from another open file: not "in use by another process" */
	again = open(tmp, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(again, 0);
	ck_assert_msg(fcntl(again, F_OFD_SETLK, &fl) == 0,
		      "the image is still locked after its process ended: %s", strerror(errno));
	close(again);
	unlink(tmp);
}
END_TEST

static Suite *blk_suite(void)
{
	Suite *s = suite_create("virtio-blk");
	TCase *tc = tcase_create("device");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, write_read_back);
	tcase_add_test(tc, capacity_and_serial);
	tcase_add_test(tc, out_of_range_and_odd_lengths);
	tcase_add_test(tc, read_only_refuses_writes);
	tcase_add_test(tc, discard_and_write_zeroes);
	tcase_add_test(tc, indirect_descriptors);
	tcase_add_test(tc, hostile_chains);
	tcase_add_test(tc, rate_limit_holds_requests);
	tcase_add_test(tc, event_idx_suppresses_interrupts);
	tcase_add_test(tc, counters_count_what_was_done);
	tcase_add_test(tc, state_survives_and_checks_the_size);
	tcase_add_test(tc, device_writes_are_marked_for_migration);
	tcase_add_test(tc, quiesced_notifications_wait_for_resume);
	tcase_add_test(tc, a_request_kicked_while_quiesced_runs_after_restore);
	tcase_add_test(tc, blkio_ring_is_confined);
	tcase_add_test(tc, blkio_lets_go_of_the_disk);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int failed;

	/* every test once with io_uring (where the kernel allows it), once with threads */
	unsetenv("HV_VMM_BLKIO");
	failed = check_run_suite(blk_suite());
	setenv("HV_VMM_BLKIO", "threads", 1);
	failed |= check_run_suite(blk_suite());
	return failed;
}
