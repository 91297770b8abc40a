/*
 * libFuzzer target: virtio-pci register writes and split virtqueues, as a
 * hostile guest drives them.  The input is split into a list of register
 * writes and the contents of 64 KiB of guest memory holding the rings.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "devices.h"
#include "kvm/vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUEST_MEM 0x10000

static uint8_t guest[GUEST_MEM];
static struct vm vm;

static void sink(void *opaque, const void *buf, size_t len)
{
	volatile const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		(void)p[i];	/* touch every byte the device hands out */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct test_devs d;
	struct pci_dev *pd;
	size_t ops;

	if (size < 2)
		return 0;
	if (test_devs_init(&d))
		abort();
	/* guest memory: one RAM region, no KVM behind it */
	memset(&vm, 0, sizeof(vm));
	vm.mem = guest;
	vm.mem_size = GUEST_MEM;
	vm.regions[0].size = GUEST_MEM;
	vm.nr_regions = 1;
	vm.vm_fd = -1;
	d.vcon.vp.vm = &vm;
	d.vcon.out = sink;
	pd = &d.vcon.vp.pci;

	ops = data[0] % 64;
	data++;
	size--;
	memset(guest, 0, sizeof(guest));
	if (size > ops * 4)
		memcpy(guest, data + ops * 4, size - ops * 4 < GUEST_MEM ? size - ops * 4 : GUEST_MEM);

	/* each op: 1 byte register/action, 1 byte size class, 2 bytes value */
	for (size_t i = 0; i < ops && (i + 1) * 4 <= size; i++) {
		const uint8_t *op = data + i * 4;
		uint32_t v = op[2] | (op[3] << 8);
		unsigned int sz = 1u << (op[1] % 3);
		uint8_t buf[4] = { 0 };

		switch (op[0] % 8) {
		case 0:
		case 1:
		case 2:	/* common config */
			memcpy(buf, &v, 4);
			pd->bar[0].write(pd, op[1] % 0x40, buf, sz);
			break;
		case 3:	/* a ring address in guest memory */
			memcpy(buf, &v, 4);
			pd->bar[0].write(pd, 0x20 + 8 * (op[1] % 3), buf, 4);
			break;
		case 4:	/* notify */
			memcpy(buf, &v, 4);
			pd->bar[0].write(pd, 0x3000 + 4 * (op[1] % 3), buf, 2);
			break;
		case 5:	/* console input */
			virtio_console_receive(&d.vcon, op + 1, 3);
			break;
		case 6:	/* reads */
			pd->bar[0].read(pd, v % 0x4000, buf, sz);
			break;
		case 7:	/* MSI-X table */
			memcpy(buf, &v, 4);
			pd->bar[1].write(pd, v % 0x1000, buf, 4);
			break;
		}
	}
	return 0;
}
