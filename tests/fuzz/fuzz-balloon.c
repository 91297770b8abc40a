/*
 * libFuzzer target: virtio-balloon requests as a hostile guest writes them.
 * The driver handshake is done right (features from the input), then the
 * input is guest memory (rings, PFN arrays, reported ranges, statistics),
 * a few configuration writes and notifications on any of the queues.  The
 * guest's RAM is a 2 MiB memfd, as hv-vmm's is, so inflated and reported
 * pages are really punched out of it.
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
#include "virtio/balloon.h"
#include "virtio/pci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUEST_MEM	(2u << 20)
#define INPUT_MAX	0x10000		/* the input lands in the first 64 KiB */
#define HDR		12

static struct vm vm;
static struct pci_bus bus;
static struct loop *loop;
static struct virtio_balloon dev;

static void reg(struct pci_dev *pd, uint64_t off, uint32_t v, unsigned int size)
{
	pd->bar[0].write(pd, off, &v, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_balloon_conf c = { .target_bytes = GUEST_MEM / 2 };
	struct hv_vmm_balloon_info info;
	struct pci_dev *pd;
	uint32_t features, poison;
	uint8_t kicks;

	if (size < HDR)
		return 0;
	if (!loop) {
		loop = loop_new();
		pthread_mutex_init(&vm.io_lock, NULL);
		vm.mem_fd = memfd_create("fuzz-ram", MFD_CLOEXEC);
		if (!loop || vm.mem_fd < 0 || ftruncate(vm.mem_fd, GUEST_MEM))
			abort();
		vm.mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE, MAP_SHARED, vm.mem_fd, 0);
		if (vm.mem == MAP_FAILED)
			abort();
		vm.mem_size = GUEST_MEM;
		vm.regions[0].size = GUEST_MEM;
		vm.nr_regions = 1;
		vm.vm_fd = -1;
	}
	if (pci_bus_init(&bus, NULL))
		abort();
	c.deflate_on_oom = data[0] & 1;
	c.free_page_reporting = data[0] & 2;
	if (virtio_balloon_init(&dev, &bus, &vm, loop, &c))
		abort();
	pd = &dev.vp.pci;
	memcpy(&features, data + 1, 4);
	memcpy(&poison, data + 5, 4);
	kicks = data[9];
	data += HDR;
	size -= HDR;
	memset(vm.mem, 0, INPUT_MAX);
	memcpy(vm.mem, data, size < INPUT_MAX ? size : INPUT_MAX);

	pthread_mutex_lock(&vm.io_lock);
	reg(pd, 0x14, 3, 1);
	reg(pd, 0x08, 0, 4);
	reg(pd, 0x0c, features, 4);	/* refused (and the queues stay off) if not offered */
	reg(pd, 0x08, 1, 4);
	reg(pd, 0x0c, 1, 4);		/* VERSION_1 */
	reg(pd, 0x14, 0x0b, 1);
	for (unsigned int q = 0; q < 4; q++) {
		/* rings of 16: queue q at q * 0x400, avail +0x100, used +0x200 */
		reg(pd, 0x16, q, 2);
		reg(pd, 0x18, 16, 2);
		reg(pd, 0x20, q * 0x400, 4);
		reg(pd, 0x28, q * 0x400 + 0x100, 4);
		reg(pd, 0x30, q * 0x400 + 0x200, 4);
		reg(pd, 0x1c, 1, 2);
	}
	reg(pd, 0x14, 0x0f, 1);
	reg(pd, 0x2000 + 12, poison, 4);
	reg(pd, 0x2000 + (kicks & 15), poison, 1u << ((kicks >> 6) % 3));	/* 1, 2 or 4 bytes */
	for (unsigned int i = 0; i < 4; i++)
		if (kicks & (1u << i))
			reg(pd, 0x3000 + 4 * i, i, 2);
	dev.stats_ns = 1;		/* old: a QUERY gives the stats buffer back */
	virtio_balloon_info(&dev, &info, true);
	virtio_balloon_set_target(&dev, poison);
	for (unsigned int i = 0; i < 4; i++)
		reg(pd, 0x3000 + 4 * i, i, 2);
	virtio_balloon_fini(&dev);
	pthread_mutex_unlock(&vm.io_lock);
	return 0;
}
