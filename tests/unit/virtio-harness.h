/*
 * A guest for virtio device tests, without KVM: a block of memory laid
 * out as guest RAM, the I/O loop in a thread of its own (ioeventfds and
 * the devices' completions), a PCI bus, and the device's BAR0 reached as
 * a vCPU reaches it, under the VM's io_lock.  The test sets @pd to its
 * device's PCI function.
 */
#ifndef HV_TEST_VIRTIO_HARNESS_H
#define HV_TEST_VIRTIO_HARNESS_H

#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include "dev/pci.h"
#include "kvm/vm.h"
#include "loop.h"

static struct vm vm;
static struct pci_bus bus;
static struct loop *loop;
static pthread_t loop_thread;
static int quit_fd = -1;
static struct pci_dev *pd;

static void harness_quit(void *opaque, int fd, unsigned int events)
{
	loop_quit(opaque);
}

static void *harness_loop(void *opaque)
{
	loop_run(opaque);
	return NULL;
}

static inline void reg_w(uint64_t off, uint64_t v, unsigned int size)
{
	pthread_mutex_lock(&vm.io_lock);
	pd->bar[0].write(pd, off, &v, size);
	pthread_mutex_unlock(&vm.io_lock);
}

static inline uint64_t reg_r(uint64_t off, unsigned int size)
{
	uint64_t v = 0;

	pthread_mutex_lock(&vm.io_lock);
	pd->bar[0].read(pd, off, &v, size);
	pthread_mutex_unlock(&vm.io_lock);
	return v;
}

static inline uint8_t *gpa(uint64_t a)
{
	return vm.mem + a;
}

/*
 * @mem_size bytes of zeroed guest RAM (with @memfd, a memfd mapped shared,
 * as hv-vmm's RAM is), the bus, the loop's thread.
 */
static inline void harness_setup_mem(uint64_t mem_size, bool memfd)
{
	memset(&vm, 0, sizeof(vm));
	vm.mem_fd = -1;
	if (memfd) {
		vm.mem_fd = memfd_create("hv-test-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		ck_assert_int_ge(vm.mem_fd, 0);
		ck_assert_int_eq(ftruncate(vm.mem_fd, mem_size), 0);
		ck_assert_int_eq(fcntl(vm.mem_fd, F_ADD_SEALS,
				       F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), 0);
		vm.mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm.mem_fd, 0);
		ck_assert(vm.mem != MAP_FAILED);
	} else {
		vm.mem = aligned_alloc(4096, mem_size);
		ck_assert_ptr_nonnull(vm.mem);
		memset(vm.mem, 0, mem_size);
	}
	vm.mem_size = mem_size;
	vm.regions[0].size = mem_size;
	vm.nr_regions = 1;
	vm.vm_fd = -1;
	pthread_mutex_init(&vm.io_lock, NULL);
	ck_assert_int_eq(pci_bus_init(&bus, NULL), 0);
	loop = loop_new();
	ck_assert_ptr_nonnull(loop);
	quit_fd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_eq(loop_add(loop, quit_fd, harness_quit, loop), 0);
	ck_assert_int_eq(pthread_create(&loop_thread, NULL, harness_loop, loop), 0);
}

static inline void harness_setup(uint64_t mem_size)
{
	harness_setup_mem(mem_size, false);
}

/* Once the device is gone: the loop's thread ends, the memory goes. */
static inline void harness_teardown(void)
{
	ck_assert_int_eq(eventfd_write(quit_fd, 1), 0);
	pthread_join(loop_thread, NULL);
	close(quit_fd);
	loop_free(loop);
	if (vm.mem_fd >= 0) {
		munmap(vm.mem, vm.mem_size);
		close(vm.mem_fd);
		vm.mem_fd = -1;
	} else {
		free(vm.mem);
	}
	vm.mem = NULL;
}

#endif
