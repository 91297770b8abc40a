/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM: KVM handles, guest memory, vCPUs, the I/O dispatch tables. */
#ifndef HV_VMM_VM_H
#define HV_VMM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#define VM_MAX_VCPUS 64
#define VM_MAX_IO 32
#define VM_MAX_GSI 256
#define VM_NR_LEGACY_GSI 24

/* How the guest ended; also hv-vmm's exit status. */
enum vm_exit {
	VM_RUNNING = -1,
	VM_EXIT_POWEROFF = 0,
	VM_EXIT_ERROR = 1,
	VM_EXIT_REBOOT = 2,
	VM_EXIT_CRASH = 3,
};

struct vm;

/* A port or MMIO range and its handler, called with vm->io_lock held. */
struct io_range {
	uint64_t base, len;
	void *opaque;
	/* @addr is relative to base; @data is @size bytes, little-endian. */
	void (*read)(void *opaque, uint64_t addr, void *data, unsigned int size);
	void (*write)(void *opaque, uint64_t addr, const void *data, unsigned int size);
	const char *name;
};

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	bool nmi_pending;		/* vm_nmi(): injected before the next KVM_RUN */
};

struct mem_region {
	uint64_t gpa, size, offset;	/* offset into the memfd */
};

struct vm {
	int kvm_fd, vm_fd;
	size_t run_size;
	unsigned int nr_vcpus;
	struct vcpu vcpus[VM_MAX_VCPUS];

	/* Guest RAM: one sealed memfd, mapped once. */
	int mem_fd;
	uint8_t *mem;
	uint64_t mem_size;
	struct mem_region regions[2];
	unsigned int nr_regions;
	/*
	 * Runs of RAM mapped MAP_PRIVATE from a save image by a restore, as
	 * ascending [offset, offset + len) of the memfd they cover: their
	 * pages are not in the memfd, whatever SEEK_DATA says.  While there
	 * are any, the domain depends on the file (an eager restore copies
	 * them out and maps the memfd back: detach_finish() in
	 * snapshot/restore_bg.c).
	 */
	struct mem_run { uint64_t offset, len; } *mapped;
	size_t nr_mapped;
	/* a thread reads mapped[] (an eager restore's copy): leave it as it is */
	bool mapped_busy;
	uint64_t image_dev, image_ino;	/* the file they map */

	/* Port and MMIO dispatch, filled in from the device table. */
	pthread_mutex_t io_lock;
	struct io_range pio[VM_MAX_IO];
	unsigned int nr_pio;
	struct io_range mmio[VM_MAX_IO];
	unsigned int nr_mmio;

	/* GSI routing: the legacy pins plus MSI routes (gsi >= 24). */
	pthread_mutex_t route_lock;
	struct kvm_irq_routing_entry msi_routes[VM_MAX_GSI];
	bool msi_used[VM_MAX_GSI];

	/* How the guest ended; first writer wins. */
	pthread_mutex_t exit_lock;
	enum vm_exit exit_reason;
	int exit_efd;			/* signalled when exit_reason is set */

	/* Pause: vCPUs park here. */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	bool paused;
	unsigned int nr_parked;
	/* called at the end of vm_unpause() (devices.c: quiesced I/O resumes) */
	void (*on_unpause)(void *arg);
	void *on_unpause_arg;
	/*
	 * The devices take no request from the guest (vmm_devices_quiesce(),
	 * for a save, migration or core dump): notifications are only noted
	 * until vm_unpause().  Written under io_lock.
	 */
	bool io_quiesced;

	struct kvm_cpuid2 *cpuid;

	/*
	 * A live migration's record of pages written since it last looked,
	 * one bit per page of the memfd: what hv-vmm itself writes into guest
	 * memory (virtio buffers and rings, balloon holes), which KVM's dirty
	 * log does not see.  NULL while no migration runs.
	 */
	uint64_t *dirty_user;
	uint64_t *dirty_kvm;		/* KVM_GET_DIRTY_LOG's buffer, per slot */
	uint64_t *dirty_old;		/* the last one stopped: freed with the VM */
};

/*
 * A descriptor of /dev/kvm: the one vm_kvm_preset() gave (once; with an
 * error instead, -1 with errno set to it), else opened now.
 */
int vm_kvm_open(void);
void vm_kvm_preset(int fd, int error);

/* The kinds of thread hv-vmm makes (the jail narrows each to what it does). */
enum vm_thread {
	VM_THREAD_VCPU,		/* runs a vCPU: KVM_RUN, its exits' devices */
	VM_THREAD_IO,		/* a device's: a net queue pair's, a disk's pool */
	VM_THREAD_MIGRATE,	/* writes a migration stream */
	VM_THREAD_BACKGROUND,	/* a restore's copy out of its image, its checksums */
};

/*
 * pthread_create() of one of hv-vmm's threads, named @name (at most 15
 * characters: ps, top and perf show it, and hvd finds vCPU threads by it)
 * from its first instruction: a new thread starts with its creator's
 * name, which is @name meanwhile.  glibc's pthread_setname_np() names
 * another thread through /proc, which a jailed hv-vmm cannot open.
 */
int vm_thread_create(pthread_t *thread, void *(*fn)(void *), void *arg, const char *name);

/*
 * What each thread hv-vmm makes calls first, with its kind: the hook set
 * (jail.c, once jailed) or nothing.
 */
void vm_thread_begin(enum vm_thread kind);
void vm_thread_hook(int (*hook)(enum vm_thread kind));

int vm_create(struct vm *vm, uint64_t mem_mib, unsigned int nr_vcpus);
void vm_destroy(struct vm *vm);

/* Guest-physical to host pointer; NULL unless [gpa, gpa+len) is RAM. */
void *vm_gpa(struct vm *vm, uint64_t gpa, uint64_t len);

/* The e820/PVH memory map: RAM regions and the reserved BIOS area. */
struct mem_map_entry {
	uint64_t addr, size;
	uint32_t type;			/* 1 RAM, 2 reserved */
};
unsigned int vm_memory_map(struct vm *vm, struct mem_map_entry *e, unsigned int max);

/*
 * Whether [gpa, gpa + len) lies in one RAM entry of the memory map (not in
 * the reserved BIOS area, not in the MMIO hole); its offset in the memfd
 * in *@off_r.
 */
bool vm_ram_offset(struct vm *vm, uint64_t gpa, uint64_t len, uint64_t *off_r);

/*
 * Gives the RAM [off, off + len) of the memfd (page-aligned offsets) back
 * to the host: one fallocate(PUNCH_HOLE | KEEP_SIZE); the guest reads
 * zeros there when it touches the pages again.  Pages a restore mapped
 * from a save image (mapped[]) get the memfd mapped over them again first,
 * so their private copies go too and the guest no longer depends on the
 * file for them; while a thread reads mapped[] (vm->mapped_busy), they are
 * left as they are and counted in *@kept_r instead.  0 or -errno.  I/O
 * thread (or with io_lock held), as the save and restore code that reads
 * mapped[].
 */
int vm_ram_discard(struct vm *vm, uint64_t off, uint64_t len, uint64_t *kept_r);

/*
 * Dirty page tracking, for a live migration (snapshot/migrate.c): starts
 * KVM's dirty log on every memory slot and hv-vmm's own record of what it
 * writes.  vm_dirty_harvest() ORs into @bits (one bit per page of the
 * memfd) every page written since the start or the last harvest, by the
 * guest or by hv-vmm, and clears the logs.  0 or -errno.
 */
int vm_dirty_start(struct vm *vm);
int vm_dirty_harvest(struct vm *vm, uint64_t *bits);
void vm_dirty_stop(struct vm *vm);

/*
 * Records that hv-vmm wrote [@hva, @hva + @len) of guest memory (a no-op
 * unless a migration tracks writes); any thread.
 */
static inline void vm_mark_dirty(struct vm *vm, const void *hva, uint64_t len)
{
	uint64_t *bits = vm ? __atomic_load_n(&vm->dirty_user, __ATOMIC_ACQUIRE) : NULL;
	uint64_t off, first, last;

	if (!bits || !len || (const uint8_t *)hva < vm->mem ||
	    (uint64_t)((const uint8_t *)hva - vm->mem) >= vm->mem_size)
		return;
	off = (uint64_t)((const uint8_t *)hva - vm->mem);
	first = off >> 12;
	last = (off + len - 1 < vm->mem_size ? off + len - 1 : vm->mem_size - 1) >> 12;
	for (uint64_t p = first; p <= last; p++)
		__atomic_fetch_or(&bits[p / 64], 1ull << (p % 64), __ATOMIC_RELAXED);
}

int vm_add_pio(struct vm *vm, const struct io_range *r);
int vm_add_mmio(struct vm *vm, const struct io_range *r);
/* Removes the MMIO range at @base registered with @opaque (a PCI BAR unmapped). */
void vm_del_mmio(struct vm *vm, void *opaque, uint64_t base);

/* Interrupts. */
void vm_irq_line(struct vm *vm, unsigned int gsi, int level);
int vm_msi_route_alloc(struct vm *vm);
int vm_msi_route_set(struct vm *vm, int gsi, uint64_t addr, uint32_t data, bool valid);
void vm_msi_route_free(struct vm *vm, int gsi);
int vm_irqfd(struct vm *vm, int efd, int gsi, bool assign);
int vm_ioeventfd(struct vm *vm, int efd, uint64_t addr, unsigned int len, bool assign);

/* vm->cpuid: what this host's KVM gives (vm_vcpus_init() calls it). */
int vm_cpuid_init(struct vm *vm);
int vm_vcpus_init(struct vm *vm);
int vm_run(struct vm *vm);		/* start the vCPU threads */
void vm_request_exit(struct vm *vm, enum vm_exit reason);
void vm_stop_vcpus(struct vm *vm);
void vm_pause(struct vm *vm);
void vm_unpause(struct vm *vm);
/*
 * An NMI for vCPU @id: its thread injects it (KVM_NMI, which only the
 * vCPU's own thread may issue while it runs) before it next enters the
 * guest; a paused vCPU takes it once unpaused.  -EINVAL: no such vCPU.
 */
int vm_nmi(struct vm *vm, unsigned int id);

#endif
