/*
 * libFuzzer target: virtio-net as a hostile guest drives it.  The driver
 * handshake is done right (features and queue pairs from the input); then
 * the input is a list of operations: chains the guest posts (buffers of
 * any length and direction, contents from the input: headers, frames,
 * control commands), notifications, frames the host sends (headers
 * included), raw writes anywhere in guest memory (rings, descriptors),
 * resets, announcements, quiesce and resume.  The taps are SOCK_SEQPACKET
 * socket pairs and the device has no threads, so every input runs the same
 * way; what the device transmits is read and dropped.  Each input ends
 * with the device's state saved and loaded into a new device.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "dev/pci.h"
#include "kvm/vm.h"
#include "loop.h"
#include "snapshot/state.h"
#include "virtio/net.h"
#include "virtio/pci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUEST_MEM	0x40000
#define QSIZE		32
#define RINGS		0x3000		/* queue q's rings at q * 0x400 */
#define BUFS		(GUEST_MEM - RINGS)
#define MAX_QUEUES	9
/* the features the device offers (MQ with more than one pair): the input picks */
#define OFFERED		0x3067bbafu
#define F_MQ		(1u << 22)

static uint8_t guest[GUEST_MEM] __attribute__((aligned(4096)));
static struct vm vm;
static struct pci_bus bus;
static struct loop *loop;

struct input {
	const uint8_t *p;
	size_t left;
};

static unsigned int take(struct input *in, unsigned int bytes)
{
	unsigned int v = 0;

	for (unsigned int i = 0; i < bytes && in->left; i++, in->left--)
		v |= (unsigned int)*in->p++ << (8 * i);
	return v;
}

/* The guest driver's view of one queue. */
struct drvq {
	uint16_t avail_idx, next;
};

struct fuzz {
	struct virtio_net *n;
	struct pci_dev *pd;
	unsigned int pairs, nq;
	uint32_t features;
	int peer[VIRTIO_NET_MAX_QUEUE_PAIRS];
	struct drvq q[MAX_QUEUES];
	uint32_t buf_next;		/* bump allocator for buffers */
};

static void reg(struct pci_dev *pd, uint64_t off, uint32_t v, unsigned int size)
{
	pd->bar[0].write(pd, off, &v, size);
}

static uint32_t reg_r(struct pci_dev *pd, uint64_t off, unsigned int size)
{
	uint32_t v = 0;

	pd->bar[0].read(pd, off, &v, size);
	return v;
}

/* A device on fresh socket pairs; the host's ends in @peer. */
static struct virtio_net *make(unsigned int pairs, int *peer)
{
	struct virtio_net_conf c = { .nr_queue_pairs = pairs, .sockets = true, .no_threads = true,
				     .mac = { 2, 0, 0, 0, 0, 1 }, .name = "fuzz" };
	struct virtio_net *n;

	for (unsigned int i = 0; i < pairs; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv))
			abort();
		c.tap_fds[i] = sv[0];
		peer[i] = sv[1];
	}
	if (virtio_net_create(&n, &bus, &vm, loop, &c))
		abort();
	return n;
}

static void drain(const int *peer, unsigned int pairs)
{
	static uint8_t buf[70000];

	for (unsigned int i = 0; i < pairs; i++)
		while (read(peer[i], buf, sizeof(buf)) > 0)
			;
}

/* io_lock held: the driver's handshake, every queue enabled. */
static void handshake(struct fuzz *f)
{
	struct pci_dev *pd = f->pd;

	reg(pd, 0x14, 0, 1);
	memset(guest, 0, RINGS);
	memset(f->q, 0, sizeof(f->q));
	reg(pd, 0x14, 3, 1);
	reg(pd, 0x08, 0, 4);
	reg(pd, 0x0c, f->features, 4);
	reg(pd, 0x08, 1, 4);
	reg(pd, 0x0c, 1, 4);		/* VERSION_1 */
	reg(pd, 0x14, 0x0b, 1);
	for (unsigned int q = 0; q < f->nq; q++) {
		/* descriptors at q * 0x400, available +0x200, used +0x280 */
		reg(pd, 0x16, q, 2);
		reg(pd, 0x18, QSIZE, 2);
		reg(pd, 0x20, q * 0x400, 4);
		reg(pd, 0x28, q * 0x400 + 0x200, 4);
		reg(pd, 0x30, q * 0x400 + 0x280, 4);
		reg(pd, 0x1c, 1, 2);
	}
	reg(pd, 0x14, 0x0f, 1);
}

/*
 * A chain on queue @q: 1 to 4 buffers, each { u16 length, u8 flags }
 * (bit 0: device-writable, bit 1: the index of the next descriptor is
 * taken from the input instead), readable ones filled from the input.
 */
static void add_chain(struct fuzz *f, struct input *in, unsigned int q, unsigned int nseg)
{
	struct drvq *d = &f->q[q];
	uint8_t *desc = guest + q * 0x400;
	uint16_t *avail = (uint16_t *)(guest + q * 0x400 + 0x200);
	uint16_t head = d->next % QSIZE;

	for (unsigned int i = 0; i < nseg; i++) {
		unsigned int len = take(in, 2), fl = take(in, 1);
		uint16_t idx = (uint16_t)((head + i) % QSIZE);
		uint16_t flags = (fl & 1 ? 2 : 0) | (i + 1 < nseg ? 1 : 0);
		uint16_t next = fl & 2 ? (uint16_t)take(in, 1) : (uint16_t)((idx + 1) % QSIZE);
		uint64_t addr;

		if (f->buf_next + len > BUFS)
			f->buf_next = 0;
		addr = RINGS + f->buf_next;
		if (len <= BUFS)
			f->buf_next += len;
		if (!(fl & 1)) {
			size_t n = len < in->left ? len : in->left;

			if (addr + n <= GUEST_MEM)
				memcpy(guest + addr, in->p, n);
			in->p += n;
			in->left -= n;
		}
		memcpy(desc + 16 * idx, &addr, 8);
		memcpy(desc + 16 * idx + 8, &len, 4);
		memcpy(desc + 16 * idx + 12, &flags, 2);
		memcpy(desc + 16 * idx + 14, &next, 2);
	}
	d->next = (uint16_t)(d->next + nseg);
	avail[2 + d->avail_idx % QSIZE] = head;
	__atomic_store_n(&avail[1], ++d->avail_idx, __ATOMIC_RELEASE);
}

/* Host frames up to 4 KiB: { u8 pair, u16 length, bytes }. */
static void host_frame(struct fuzz *f, struct input *in)
{
	unsigned int pair = take(in, 1) % f->pairs;
	size_t len = take(in, 2) % 4096;

	if (len > in->left)
		len = in->left;
	if (write(f->peer[pair], in->p, len) < 0) {
		/* the socket is full: the host drops it */
	}
	in->p += len;
	in->left -= len;
}

static void run_ops(struct fuzz *f, struct input *in)
{
	unsigned int ops = 0;

	while (in->left && ops++ < 256) {
		unsigned int op = take(in, 1);

		switch (op & 7) {
		case 0:
		case 1:
			add_chain(f, in, take(in, 1) % f->nq, 1 + (op >> 3) % 4);
			break;
		case 2:
			reg(f->pd, 0x3000 + 4 * ((op >> 3) % f->nq), 0, 2);
			break;
		case 3:
			virtio_net_poll(f->n);
			drain(f->peer, f->pairs);
			break;
		case 4: {
			unsigned int off = take(in, 3) % (GUEST_MEM - 2), v = take(in, 2);

			memcpy(guest + off, &v, 2);
			break;
		}
		case 5:
			host_frame(f, in);
			break;
		case 6:
			if (op & 8)
				handshake(f);
			else if (op & 16)
				virtio_net_announce(f->n);
			else
				(void)reg_r(f->pd, 0x2000 + (op >> 5) % 12, 1);
			break;
		case 7:
			virtio_net_quiesce(f->n);
			virtio_net_resume(f->n);
			break;
		}
	}
	virtio_net_poll(f->n);
	drain(f->peer, f->pairs);
}

/* Saves the device's state and loads it into a new one, which then runs a little. */
static void round_trip(struct fuzz *f)
{
	int peer[VIRTIO_NET_MAX_QUEUE_PAIRS];
	struct state_io io, in;
	struct virtio_net *n2;
	uint8_t *buf;

	state_init_save(&io);
	virtio_net_state(&io, f->n);
	if (io.err) {
		state_fini(&io);
		return;
	}
	buf = malloc(io.len);
	if (!buf)
		abort();
	memcpy(buf, io.buf, io.len);
	n2 = make(f->pairs, peer);
	state_init_load(&in, buf, io.len);
	virtio_net_state(&in, n2);
	if (!in.err && !virtio_net_post_load(n2)) {
		virtio_net_poll(n2);
		drain(peer, f->pairs);
	}
	virtio_net_destroy(n2);
	state_fini(&in);
	state_fini(&io);
	free(buf);
	for (unsigned int i = 0; i < f->pairs; i++)
		close(peer[i]);
}

/*
 * Input: byte 0: queue pairs (1 + low 2 bits; bit 2: features not offered
 * are asked for too), bytes 1-4: features (low word), then operations.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct fuzz f = { 0 };
	unsigned int b0;

	if (size < 5)
		return 0;
	if (!loop) {
		loop = loop_new();
		pthread_mutex_init(&vm.io_lock, NULL);
		if (!loop)
			abort();
	}
	vm.mem = guest;
	vm.mem_size = GUEST_MEM;
	vm.regions[0].size = GUEST_MEM;
	vm.nr_regions = 1;
	vm.vm_fd = -1;
	memset(guest, 0, sizeof(guest));
	if (pci_bus_init(&bus, NULL))
		abort();
	b0 = take(&in, 1);
	f.pairs = 1 + (b0 & 3);
	f.nq = 2 * f.pairs + 1;
	f.features = take(&in, 4);
	if (!(b0 & 4))
		f.features &= OFFERED & (f.pairs > 1 ? ~0u : ~F_MQ);
	f.n = make(f.pairs, f.peer);
	f.pd = &virtio_net_pci(f.n)->pci;

	pthread_mutex_lock(&vm.io_lock);
	handshake(&f);
	run_ops(&f, &in);
	round_trip(&f);
	virtio_net_destroy(f.n);
	pthread_mutex_unlock(&vm.io_lock);
	for (unsigned int i = 0; i < f.pairs; i++)
		close(f.peer[i]);
	return 0;
}
