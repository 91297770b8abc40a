/* SPDX-License-Identifier: GPL-2.0-or-later */
/* KVM VM set-up: guest memory, interrupt routing, I/O registration. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "log.h"
#include "platform.h"
#include "kvm/vm.h"

#define VM_MIN_MEM_MIB 16ULL
#define VM_TSS_ADDR 0xfffbd000ULL

static uint64_t host_mem_mib(void)
{
	long pages = sysconf(_SC_PHYS_PAGES);
	long psz = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || psz <= 0)
		return UINT64_MAX;
	return (uint64_t)pages * psz >> 20;
}

static int vm_memory_init(struct vm *vm, uint64_t mem_mib)
{
	uint64_t low, high;

	if (mem_mib < VM_MIN_MEM_MIB || mem_mib > host_mem_mib()) {
		err("--memory %llu MiB: must be between %llu MiB and the host's %llu MiB",
		    (unsigned long long)mem_mib, VM_MIN_MEM_MIB,
		    (unsigned long long)host_mem_mib());
		return -EINVAL;
	}
	vm->mem_size = mem_mib << 20;
	vm->mem_fd = memfd_create("hv-guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (vm->mem_fd < 0) {
		err("memfd_create: %s", strerror(errno));
		return -errno;
	}
	if (ftruncate(vm->mem_fd, vm->mem_size) < 0) {
		err("cannot size guest memory (%llu MiB): %s",
		    (unsigned long long)mem_mib, strerror(errno));
		return -errno;
	}
	/* The size is fixed for the domain's life: nobody may shrink it under us. */
	if (fcntl(vm->mem_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		err("cannot seal guest memory: %s", strerror(errno));
		return -errno;
	}
	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->mem_fd, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		err("cannot map guest memory: %s", strerror(errno));
		return -ENOMEM;
	}
	madvise(vm->mem, vm->mem_size, MADV_HUGEPAGE);

	low = vm->mem_size < PLAT_MMIO_HOLE ? vm->mem_size : PLAT_MMIO_HOLE;
	high = vm->mem_size - low;
	vm->regions[0] = (struct mem_region){ 0, low, 0 };
	vm->nr_regions = 1;
	if (high)
		vm->regions[vm->nr_regions++] =
			(struct mem_region){ PLAT_HIGHMEM_START, high, low };

	for (unsigned int i = 0; i < vm->nr_regions; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.guest_phys_addr = vm->regions[i].gpa,
			.memory_size = vm->regions[i].size,
			.userspace_addr = (uintptr_t)vm->mem + vm->regions[i].offset,
		};

		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
			err("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
			return -errno;
		}
	}
	return 0;
}

void *vm_gpa(struct vm *vm, uint64_t gpa, uint64_t len)
{
	for (unsigned int i = 0; i < vm->nr_regions; i++) {
		const struct mem_region *r = &vm->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa <= r->size &&
		    len <= r->size - (gpa - r->gpa))
			return vm->mem + r->offset + (gpa - r->gpa);
	}
	return NULL;
}

unsigned int vm_memory_map(struct vm *vm, struct mem_map_entry *e, unsigned int max)
{
	unsigned int n = 0;

	if (max < 4)
		return 0;
	e[n++] = (struct mem_map_entry){ 0, PLAT_LOWMEM_END, 1 };
	e[n++] = (struct mem_map_entry){ PLAT_LOWMEM_END,
					 PLAT_HIMEM_START - PLAT_LOWMEM_END, 2 };
	e[n++] = (struct mem_map_entry){ PLAT_HIMEM_START,
					 vm->regions[0].size - PLAT_HIMEM_START, 1 };
	if (vm->nr_regions > 1)
		e[n++] = (struct mem_map_entry){ vm->regions[1].gpa,
						 vm->regions[1].size, 1 };
	return n;
}

bool vm_ram_offset(struct vm *vm, uint64_t gpa, uint64_t len, uint64_t *off_r)
{
	struct mem_map_entry map[4];
	unsigned int n = vm_memory_map(vm, map, 4);

	for (unsigned int i = 0; i < n; i++) {
		if (map[i].type != 1 || gpa < map[i].addr || gpa - map[i].addr >= map[i].size ||
		    len > map[i].size - (gpa - map[i].addr))
			continue;
		for (unsigned int r = 0; r < vm->nr_regions; r++) {
			const struct mem_region *m = &vm->regions[r];

			if (gpa >= m->gpa && gpa - m->gpa < m->size && len <= m->size - (gpa - m->gpa)) {
				*off_r = m->offset + (gpa - m->gpa);
				return true;
			}
		}
	}
	return false;
}

/* Maps the memfd over [off, off + len) again and takes it out of mapped[]. */
static int vm_ram_unmap_image(struct vm *vm, uint64_t off, uint64_t len)
{
	uint64_t end = off + len;
	struct mem_run *m = realloc(vm->mapped, (vm->nr_mapped + 1) * sizeof(*m));

	if (!m)
		return -ENOMEM;	/* room for one more run: a run split in two */
	vm->mapped = m;
	if (mmap(vm->mem + off, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 vm->mem_fd, (off_t)off) == MAP_FAILED)
		return -errno;
	for (size_t i = 0; i < vm->nr_mapped; i++) {
		uint64_t m_end = vm->mapped[i].offset + vm->mapped[i].len;

		m = &vm->mapped[i];
		if (m_end <= off || m->offset >= end)
			continue;
		if (m->offset < off && m_end > end) {
			memmove(m + 2, m + 1, (vm->nr_mapped - i - 1) * sizeof(*m));
			m[1] = (struct mem_run){ end, m_end - end };
			m->len = off - m->offset;
			vm->nr_mapped++;
			i++;
		} else if (m->offset < off) {
			m->len = off - m->offset;
		} else if (m_end > end) {
			m->len = m_end - end;
			m->offset = end;
		} else {
			memmove(m, m + 1, (vm->nr_mapped - i - 1) * sizeof(*m));
			vm->nr_mapped--;
			i--;
		}
	}
	return 0;
}

static int vm_ram_punch(struct vm *vm, uint64_t off, uint64_t len)
{
	if (!len)
		return 0;
	/* the seals (SHRINK, GROW) allow it; F_SEAL_WRITE would not */
	if (fallocate(vm->mem_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
		      (off_t)len) < 0)
		return -errno;
	return 0;
}

int vm_ram_discard(struct vm *vm, uint64_t off, uint64_t len, uint64_t *kept_r)
{
	uint64_t end = off + len, pos = off;
	int rc = 0;

	*kept_r = 0;
	if (!len || ((off | len) & 4095) || off > vm->mem_size || len > vm->mem_size - off)
		return -EINVAL;
	if (vm->mem_fd < 0)
		return -EBADF;
	/* the runs are ascending and apart */
	for (size_t i = 0; i < vm->nr_mapped && !rc; i++) {
		struct mem_run m = vm->mapped[i];
		uint64_t a = m.offset > pos ? m.offset : pos;
		uint64_t b = m.offset + m.len < end ? m.offset + m.len : end;

		if (a >= b)
			continue;
		if (vm->mapped_busy) {
			/* punch what lies before the run; the run's pages stay */
			rc = vm_ram_punch(vm, pos, a - pos);
			*kept_r += b - a;
			pos = b;
			continue;
		}
		rc = vm_ram_unmap_image(vm, a, b - a);
		i = (size_t)-1;		/* mapped[] changed: look again from the start */
	}
	if (!rc)
		rc = vm_ram_punch(vm, pos, end - pos);
	vm_mark_dirty(vm, vm->mem + off, len);	/* a migration sends them as zero */
	return rc;
}

/* Sets or clears KVM_MEM_LOG_DIRTY_PAGES on every memory slot. */
static int vm_dirty_slots(struct vm *vm, bool on)
{
	for (unsigned int i = 0; i < vm->nr_regions; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.flags = on ? KVM_MEM_LOG_DIRTY_PAGES : 0,
			.guest_phys_addr = vm->regions[i].gpa,
			.memory_size = vm->regions[i].size,
			.userspace_addr = (uintptr_t)vm->mem + vm->regions[i].offset,
		};

		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return -errno;
	}
	return 0;
}

static size_t vm_dirty_words(const struct vm *vm)
{
	return (size_t)((vm->mem_size >> 12) + 63) / 64;
}

int vm_dirty_start(struct vm *vm)
{
	size_t words = vm_dirty_words(vm);
	uint64_t *user = calloc(words, sizeof(*user));
	int rc;

	if (vm->dirty_user) {
		free(user);
		return -EBUSY;
	}
	free(vm->dirty_old);	/* stopped a migration ago: no marker holds it now */
	vm->dirty_old = NULL;
	vm->dirty_kvm = calloc(words, sizeof(*vm->dirty_kvm));
	if (!user || !vm->dirty_kvm) {
		free(user);
		free(vm->dirty_kvm);
		vm->dirty_kvm = NULL;
		return -ENOMEM;
	}
	rc = vm_dirty_slots(vm, true);
	if (rc) {
		vm_dirty_slots(vm, false);
		free(user);
		free(vm->dirty_kvm);
		vm->dirty_kvm = NULL;
		return rc;
	}
	__atomic_store_n(&vm->dirty_user, user, __ATOMIC_RELEASE);
	return 0;
}

int vm_dirty_harvest(struct vm *vm, uint64_t *bits)
{
	size_t words = vm_dirty_words(vm);

	if (!vm->dirty_user)
		return -EINVAL;
	for (unsigned int i = 0; i < vm->nr_regions; i++) {
		/* each region starts on a whole MiB of the memfd: a whole word of bits */
		uint64_t first = vm->regions[i].offset >> 12, n = vm->regions[i].size >> 12;
		struct kvm_dirty_log log = { .slot = i, .dirty_bitmap = vm->dirty_kvm };

		memset(vm->dirty_kvm, 0, (n + 63) / 64 * 8);
		if (ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0)
			return -errno;
		for (uint64_t w = 0; w < (n + 63) / 64; w++)
			bits[first / 64 + w] |= vm->dirty_kvm[w];
	}
	for (size_t w = 0; w < words; w++)
		if (__atomic_load_n(&vm->dirty_user[w], __ATOMIC_RELAXED))
			bits[w] |= __atomic_exchange_n(&vm->dirty_user[w], 0, __ATOMIC_ACQ_REL);
	return 0;
}

void vm_dirty_stop(struct vm *vm)
{
	uint64_t *user = vm->dirty_user;

	if (!user)
		return;
	vm_dirty_slots(vm, false);
	__atomic_store_n(&vm->dirty_user, NULL, __ATOMIC_RELEASE);
	/* a device thread may still be marking: the bitmap goes when the VM does */
	vm->dirty_old = user;
	free(vm->dirty_kvm);
	vm->dirty_kvm = NULL;
}

/*
 * The legacy routing, as on a PC and as the MADT says: GSI n to PIC pin n
 * (n < 16) and I/O APIC pin n, except that the PIT's GSI 0 reaches the
 * I/O APIC on pin 2 (the MADT's override of IRQ 0 to GSI 2) and the
 * cascade pin 2 carries nothing of its own.  Then our MSI routes.
 */
static int vm_commit_routes(struct vm *vm)
{
	struct kvm_irq_routing *t;
	unsigned int n = 0;
	int r;

	t = calloc(1, sizeof(*t) + (VM_MAX_GSI + 16) * sizeof(t->entries[0]));
	if (!t)
		return -ENOMEM;
	for (unsigned int gsi = 0; gsi < VM_NR_LEGACY_GSI; gsi++) {
		if (gsi == 2)
			continue;
		t->entries[n].gsi = gsi;
		t->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		t->entries[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		t->entries[n].u.irqchip.pin = gsi == 0 ? 2 : gsi;
		n++;
		if (gsi < 16) {
			t->entries[n].gsi = gsi;
			t->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
			t->entries[n].u.irqchip.irqchip =
				gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
			t->entries[n].u.irqchip.pin = gsi % 8;
			n++;
		}
	}
	for (unsigned int gsi = VM_NR_LEGACY_GSI; gsi < VM_MAX_GSI; gsi++)
		if (vm->msi_used[gsi] && vm->msi_routes[gsi].type == KVM_IRQ_ROUTING_MSI)
			t->entries[n++] = vm->msi_routes[gsi];
	t->nr = n;
	r = ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, t);
	free(t);
	if (r < 0) {
		err("KVM_SET_GSI_ROUTING: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int vm_msi_route_alloc(struct vm *vm)
{
	int gsi = -ENOSPC;

	pthread_mutex_lock(&vm->route_lock);
	for (unsigned int i = VM_NR_LEGACY_GSI; i < VM_MAX_GSI; i++)
		if (!vm->msi_used[i]) {
			vm->msi_used[i] = true;
			memset(&vm->msi_routes[i], 0, sizeof(vm->msi_routes[i]));
			gsi = i;
			break;
		}
	pthread_mutex_unlock(&vm->route_lock);
	return gsi;
}

int vm_msi_route_set(struct vm *vm, int gsi, uint64_t addr, uint32_t data, bool valid)
{
	struct kvm_irq_routing_entry *e;
	int rc = 0;

	if (gsi < VM_NR_LEGACY_GSI || gsi >= VM_MAX_GSI)
		return -EINVAL;
	pthread_mutex_lock(&vm->route_lock);
	e = &vm->msi_routes[gsi];
	if (valid != (e->type == KVM_IRQ_ROUTING_MSI) ||
	    (valid && (e->u.msi.address_lo != (uint32_t)addr ||
		       e->u.msi.address_hi != (uint32_t)(addr >> 32) ||
		       e->u.msi.data != data))) {
		memset(e, 0, sizeof(*e));
		if (valid) {
			e->gsi = gsi;
			e->type = KVM_IRQ_ROUTING_MSI;
			e->u.msi.address_lo = addr;
			e->u.msi.address_hi = addr >> 32;
			e->u.msi.data = data;
		}
		rc = vm_commit_routes(vm);
	}
	pthread_mutex_unlock(&vm->route_lock);
	return rc;
}

void vm_msi_route_free(struct vm *vm, int gsi)
{
	if (gsi < VM_NR_LEGACY_GSI || gsi >= VM_MAX_GSI)
		return;
	vm_msi_route_set(vm, gsi, 0, 0, false);
	pthread_mutex_lock(&vm->route_lock);
	vm->msi_used[gsi] = false;
	pthread_mutex_unlock(&vm->route_lock);
}

int vm_irqfd(struct vm *vm, int efd, int gsi, bool assign)
{
	struct kvm_irqfd f = {
		.fd = efd,
		.gsi = gsi,
		.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	if (ioctl(vm->vm_fd, KVM_IRQFD, &f) < 0)
		return -errno;
	return 0;
}

int vm_ioeventfd(struct vm *vm, int efd, uint64_t addr, unsigned int len, bool assign)
{
	struct kvm_ioeventfd f = {
		.addr = addr,
		.len = len,
		.fd = efd,
		.flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};

	if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &f) < 0)
		return -errno;
	return 0;
}

void vm_irq_line(struct vm *vm, unsigned int gsi, int level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
		warn("KVM_IRQ_LINE %u: %s", gsi, strerror(errno));
}

static int vm_add_range(struct io_range *tab, unsigned int *n, const struct io_range *r)
{
	if (*n >= VM_MAX_IO)
		return -ENOSPC;
	for (unsigned int i = 0; i < *n; i++)
		if (r->base < tab[i].base + tab[i].len && tab[i].base < r->base + r->len) {
			err("I/O range %s overlaps %s", r->name, tab[i].name);
			return -EEXIST;
		}
	tab[(*n)++] = *r;
	return 0;
}

int vm_add_pio(struct vm *vm, const struct io_range *r)
{
	return vm_add_range(vm->pio, &vm->nr_pio, r);
}

int vm_add_mmio(struct vm *vm, const struct io_range *r)
{
	return vm_add_range(vm->mmio, &vm->nr_mmio, r);
}

void vm_del_mmio(struct vm *vm, void *opaque, uint64_t base)
{
	for (unsigned int i = 0; i < vm->nr_mmio; i++)
		if (vm->mmio[i].opaque == opaque && vm->mmio[i].base == base) {
			vm->mmio[i] = vm->mmio[--vm->nr_mmio];
			return;
		}
}

/* /dev/kvm as opened before the jail (jail.c), or the error that gave */
static int kvm_preset_fd = -1, kvm_preset_err;

void vm_kvm_preset(int fd, int error)
{
	kvm_preset_fd = fd;
	kvm_preset_err = fd < 0 ? error : 0;
}

static int (*thread_hook)(enum vm_thread kind);

void vm_thread_hook(int (*hook)(enum vm_thread kind))
{
	thread_hook = hook;
}

int vm_thread_create(pthread_t *thread, void *(*fn)(void *), void *arg, const char *name)
{
	char was[16] = "";
	int rc;

	prctl(PR_GET_NAME, was);
	prctl(PR_SET_NAME, name);
	rc = pthread_create(thread, NULL, fn, arg);
	prctl(PR_SET_NAME, was);
	return rc;
}

void vm_thread_begin(enum vm_thread kind)
{
	if (thread_hook)
		thread_hook(kind);	/* it says why when it fails */
}

int vm_kvm_open(void)
{
	int fd = kvm_preset_fd;

	if (fd >= 0 || kvm_preset_err) {
		kvm_preset_fd = -1;
		if (fd < 0)
			errno = kvm_preset_err;
		return fd;
	}
	return open("/dev/kvm", O_RDWR | O_CLOEXEC);
}

int vm_create(struct vm *vm, uint64_t mem_mib, unsigned int nr_vcpus)
{
	int r, rc;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->mem_fd = vm->exit_efd = -1;
	vm->exit_reason = VM_RUNNING;
	vm->nr_vcpus = nr_vcpus;
	for (unsigned int i = 0; i < VM_MAX_VCPUS; i++)
		vm->vcpus[i].fd = -1;
	pthread_mutex_init(&vm->io_lock, NULL);
	pthread_mutex_init(&vm->route_lock, NULL);
	pthread_mutex_init(&vm->exit_lock, NULL);
	pthread_mutex_init(&vm->pause_lock, NULL);
	pthread_cond_init(&vm->pause_cond, NULL);

	vm->kvm_fd = vm_kvm_open();
	if (vm->kvm_fd < 0) {
		err("cannot open /dev/kvm: %s (is KVM enabled and are you in the kvm group?)",
		    strerror(errno));
		return -errno;
	}
	r = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (r != KVM_API_VERSION) {
		err("/dev/kvm speaks API version %d, hv-vmm needs %d", r, KVM_API_VERSION);
		return -ENOTSUP;
	}
	static const struct { long cap; const char *name; } caps[] = {
		{ KVM_CAP_IRQCHIP, "IRQCHIP" },
		{ KVM_CAP_PIT2, "PIT2" },
		{ KVM_CAP_IOEVENTFD, "IOEVENTFD" },
		{ KVM_CAP_IRQFD, "IRQFD" },
		{ KVM_CAP_IRQ_ROUTING, "IRQ_ROUTING" },
		{ KVM_CAP_USER_MEMORY, "USER_MEMORY" },
		{ KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT" },
	};
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0) {
			err("this host's KVM lacks KVM_CAP_%s, which hv-vmm needs", caps[i].name);
			return -ENOTSUP;
		}
	r = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (r > 0 && nr_vcpus > (unsigned int)r) {
		err("--vcpus %u: this host's KVM allows at most %d", nr_vcpus, r);
		return -EINVAL;
	}
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		err("KVM_CREATE_VM: %s", strerror(errno));
		return -errno;
	}
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, VM_TSS_ADDR) < 0) {
		err("KVM_SET_TSS_ADDR: %s", strerror(errno));
		return -errno;
	}
	rc = vm_memory_init(vm, mem_mib);
	if (rc)
		return rc;
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		err("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -errno;
	}
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		err("KVM_CREATE_PIT2: %s", strerror(errno));
		return -errno;
	}
	rc = vm_commit_routes(vm);
	if (rc)
		return rc;
	vm->exit_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->exit_efd < 0)
		return -errno;
	return 0;
}

void vm_request_exit(struct vm *vm, enum vm_exit reason)
{
	uint64_t one = 1;
	bool first;

	pthread_mutex_lock(&vm->exit_lock);
	first = vm->exit_reason == VM_RUNNING;
	if (first)
		__atomic_store_n(&vm->exit_reason, reason, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&vm->exit_lock);
	if (first && write(vm->exit_efd, &one, sizeof(one)) < 0)
		warn("exit eventfd: %s", strerror(errno));
}

void vm_destroy(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, vm->run_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	free(vm->cpuid);
	vm_dirty_stop(vm);
	free(vm->dirty_old);
	vm->dirty_old = NULL;
	free(vm->mapped);
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	if (vm->mem_fd >= 0)
		close(vm->mem_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->exit_efd >= 0)
		close(vm->exit_efd);
}
