/*
 * libFuzzer target: virtio-blk requests as a hostile guest writes them.
 * The driver handshake is done right (features from the input), then the
 * input is guest memory (rings, headers, segment lists) and a few
 * notifications; every request is completed before the next input.  The
 * disk is a 64 KiB memfd, so nothing reaches a real file.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "dev/pci.h"
#include "kvm/vm.h"
#include "loop.h"
#include "virtio/blk.h"
#include "virtio/pci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUEST_MEM 0x10000

static uint8_t guest[GUEST_MEM] __attribute__((aligned(4096)));
static struct vm vm;
static struct pci_bus bus;
static struct loop *loop;

static void reg(struct pci_dev *pd, uint64_t off, uint32_t v, unsigned int size)
{
	pd->bar[0].write(pd, off, &v, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_blk_conf c = { .serial = "xvda", .nr_queues = 1, .discard = true };
	struct virtio_blk *blk;
	struct pci_dev *pd;
	uint32_t features;
	unsigned int kicks;

	if (size < 8)
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
	if (pci_bus_init(&bus, NULL))
		abort();
	c.fd = memfd_create("fuzz-disk", MFD_CLOEXEC);
	if (c.fd < 0 || ftruncate(c.fd, 0x10000))
		abort();
	c.read_only = data[0] & 1;
	c.direct = false;
	if (virtio_blk_create(&blk, &bus, &vm, loop, &c))
		abort();
	pd = &virtio_blk_pci(blk)->pci;
	memcpy(&features, data + 1, 4);
	kicks = 1 + data[5] % 4;
	data += 8;
	size -= 8;
	memset(guest, 0, sizeof(guest));
	memcpy(guest, data, size < GUEST_MEM ? size : GUEST_MEM);

	pthread_mutex_lock(&vm.io_lock);
	reg(pd, 0x14, 3, 1);
	reg(pd, 0x08, 0, 4);
	reg(pd, 0x0c, features, 4);	/* refused (and the queue stays off) if not offered */
	reg(pd, 0x08, 1, 4);
	reg(pd, 0x0c, 1, 4);		/* VERSION_1 */
	reg(pd, 0x14, 0x0b, 1);
	reg(pd, 0x16, 0, 2);
	reg(pd, 0x18, 16, 2);		/* rings: 0x0, 0x100, 0x200 */
	reg(pd, 0x20, 0x0, 4);
	reg(pd, 0x28, 0x100, 4);
	reg(pd, 0x30, 0x200, 4);
	reg(pd, 0x1c, 1, 2);
	reg(pd, 0x14, 0x0f, 1);
	for (unsigned int i = 0; i < kicks; i++)
		reg(pd, 0x3000, 0, 2);
	pthread_mutex_unlock(&vm.io_lock);
	virtio_blk_quiesce(blk);
	virtio_blk_destroy(blk);
	return 0;
}
