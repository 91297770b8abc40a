/*
 * libFuzzer target: device state loading (hypervisor/vmm/snapshot/state.c and every
 * device's <dev>_state()).  A save image is untrusted input: whatever the
 * bytes, loading must fail cleanly or give state that validates.
 */
#include <stdint.h>
#include <stdlib.h>
#include "devices.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct test_devs d;
	struct state_io io;

	if (test_devs_init(&d))
		abort();
	state_init_load(&io, data, size);
	test_devs_state(&io, &d);
	if (!io.err)
		virtio_pci_post_load(&d.vcon.vp);
	/* a loaded device must still take guest accesses */
	for (unsigned int off = 0; off < 8; off++) {
		uint8_t b;

		uart_read(&d.uart, off, &b, 1);
		i8042_read(&d.kbd, off & 4, &b, 1);
	}
	return 0;
}
