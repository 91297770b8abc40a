/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vCPUs: CPUID, MSRs, boot registers, one thread each running KVM_RUN. */
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "boot/boot.h"
#include "jail.h"
#include "log.h"
#include "platform.h"
#include "kvm/vcpu.h"
#include "kvm/vm.h"

#define SIG_KICK (SIGRTMIN + 1)

static void kick_handler(int sig)
{
	(void)sig;
}

static struct kvm_cpuid2 *get_supported_cpuid(int kvm_fd)
{
	for (unsigned int n = 128; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			return NULL;
		c->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG)
			return NULL;
	}
	return NULL;
}

static unsigned int order_base_2(unsigned int n)
{
	unsigned int o = 0;

	while ((1u << o) < n)
		o++;
	return o;
}

/* Per-vCPU CPUID: APIC ids and topology consistent with the MADT. */
static int vcpu_set_cpuid(struct vcpu *v)
{
	struct vm *vm = v->vm;
	unsigned int n = vm->nr_vcpus, shift = order_base_2(n);
	struct kvm_cpuid2 *c;
	size_t sz = sizeof(*c) + vm->cpuid->nent * sizeof(c->entries[0]);
	int tsc_khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
	bool tsc_deadline = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
				  KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	int rc = 0;

	c = malloc(sz + 2 * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;
	memcpy(c, vm->cpuid, sz);
	/*
	 * Leaf 0x40000010 gives the TSC and LAPIC timer frequencies in kHz (the
	 * LAPIC timer of KVM's in-kernel LAPIC counts at 1 GHz), so a guest
	 * need not spend milliseconds calibrating them against the PIT.
	 */
	if (tsc_khz > 0) {
		for (unsigned int i = 0; i < c->nent; i++)
			if (c->entries[i].function == 0x40000000 &&
			    c->entries[i].eax < 0x40000010)
				c->entries[i].eax = 0x40000010;
		c->entries[c->nent++] = (struct kvm_cpuid_entry2){
			.function = 0x40000010, .eax = tsc_khz, .ebx = 1000000,
		};
	}
	/* hv-vmm's own leaf, past KVM's: "hvhvhvhvhvhv", for guests that care */
	c->entries[c->nent++] = (struct kvm_cpuid_entry2){
		.function = 0x40000100, .eax = 0x40000100,
		.ebx = 0x76687668, .ecx = 0x76687668, .edx = 0x76687668,
	};
	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			e->ebx = (e->ebx & 0x0000ffff) | (v->id << 24) |
				 ((n > 255 ? 255 : (1u << shift)) << 16);
			e->ecx |= 1u << 31;		/* hypervisor */
			/* KVM emulates these with its in-kernel LAPIC but leaves
			 * them out of KVM_GET_SUPPORTED_CPUID */
			e->ecx |= 1u << 21;		/* x2APIC */
			if (tsc_deadline)
				e->ecx |= 1u << 24;	/* TSC-deadline timer */
			if (n > 1)
				e->edx |= 1u << 28;	/* HTT: several logical CPUs */
			break;
		case 4:
			/* cores per package - 1; each cache private to a core */
			e->eax = (e->eax & 0x3fff) | ((n - 1) << 26);
			break;
		case 0xb:
		case 0x1f:
			switch (e->index) {
			case 0:	/* SMT level: one thread per core */
				e->eax = 0;
				e->ebx = 1;
				e->ecx = (1 << 8) | 0;
				break;
			case 1:	/* core level */
				e->eax = shift;
				e->ebx = n;
				e->ecx = (2 << 8) | 1;
				break;
			default:
				e->eax = e->ebx = 0;
				e->ecx = e->index;
				break;
			}
			e->edx = v->id;
			break;
		case 0x80000008:
			e->ecx = (e->ecx & ~0xf0ffu) | (shift << 12) | (n - 1);
			break;
		}
	}
	if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0) {
		err("KVM_SET_CPUID2: %s", strerror(errno));
		rc = -errno;
	}
	free(c);
	return rc;
}

static void vcpu_set_msrs(struct vcpu *v)
{
	static const uint32_t zero[] = {
		0x174, 0x175, 0x176,		/* SYSENTER_CS/ESP/EIP */
		0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, /* STAR..FMASK */
		0xc0000102,			/* KERNEL_GS_BASE */
	};
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[16];
	} m = { 0 };
	unsigned int n = 0;
	int r;

	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		m.e[n++].index = zero[i];
	m.e[n].index = 0x1a0;			/* MISC_ENABLE: fast strings */
	m.e[n++].data = 1;
	m.e[n].index = 0x2ff;			/* MTRRdefType: enabled, WB */
	m.e[n++].data = (1 << 11) | 6;
	m.h.nmsrs = n;
	r = ioctl(v->fd, KVM_SET_MSRS, &m);
	if (r != (int)n)
		info("vcpu%u: KVM_SET_MSRS set %d of %u boot MSRs", v->id, r, n);
}

static int vcpu_set_lapic(struct vcpu *v)
{
	struct kvm_lapic_state l;
	uint32_t *lvt0, *lvt1;

	if (ioctl(v->fd, KVM_GET_LAPIC, &l) < 0)
		return -errno;
	lvt0 = (uint32_t *)&l.regs[0x350];
	lvt1 = (uint32_t *)&l.regs[0x360];
	*lvt0 = (*lvt0 & ~0x700u) | (7 << 8);	/* LINT0: ExtINT */
	*lvt1 = (*lvt1 & ~0x700u) | (4 << 8);	/* LINT1: NMI */
	if (ioctl(v->fd, KVM_SET_LAPIC, &l) < 0)
		return -errno;
	return 0;
}

static int vcpu_init(struct vm *vm, struct vcpu *v, unsigned int id)
{
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	int rc;

	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0) {
		err("KVM_CREATE_VCPU %u: %s", id, strerror(errno));
		return -errno;
	}
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return -errno;
	}
	rc = vcpu_set_cpuid(v);
	if (rc)
		return rc;
	vcpu_set_msrs(v);
	if (ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		return -errno;
	rc = vcpu_set_lapic(v);
	if (rc) {
		err("vcpu%u: LAPIC set-up: %s", id, strerror(-rc));
		return rc;
	}
	return 0;
}

int vm_cpuid_init(struct vm *vm)
{
	if (vm->cpuid)
		return 0;
	vm->cpuid = get_supported_cpuid(vm->kvm_fd);
	if (!vm->cpuid) {
		err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}

int vm_vcpus_init(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	int rc;

	sigaction(SIG_KICK, &sa, NULL);
	rc = vm_cpuid_init(vm);
	if (rc)
		return rc;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		rc = vcpu_init(vm, &vm->vcpus[i], i);
		if (rc)
			return rc;
	}
	return 0;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code64)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code64;
	s->db = !code64;
}

int vcpu_set_boot_regs(struct vcpu *v, const struct boot_entry *e)
{
	struct vm *vm = v->vm;
	struct kvm_sregs s;
	struct kvm_regs r = { .rflags = 2, .rip = e->rip };
	uint64_t *gdt = vm_gpa(vm, PLAT_BOOT_GDT, 8 * 4);
	bool lm = e->mode == BOOT_LINUX64;

	if (!gdt)
		return -EFAULT;
	/* null, (unused), 0x10 code, 0x18 data: the selectors Linux's boot expects */
	gdt[0] = 0;
	gdt[1] = lm ? 0 : 0x00cf9b000000ffffull;
	gdt[2] = lm ? 0x00af9b000000ffffull : 0x00cf9b000000ffffull;
	gdt[3] = 0x00cf93000000ffffull;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	set_seg(&s.cs, 0x10, 0xb, lm);
	set_seg(&s.ds, 0x18, 0x3, false);
	s.es = s.fs = s.gs = s.ss = s.ds;
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.limit = 0x67;
	s.tr.type = 0xb;
	s.tr.present = 1;
	s.gdt.base = PLAT_BOOT_GDT;
	s.gdt.limit = 4 * 8 - 1;
	s.idt.base = 0;
	s.idt.limit = 0;
	if (lm) {
		uint64_t *pml4 = vm_gpa(vm, PLAT_BOOT_PML4, 6 * 4096);
		uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024;

		if (!pml4)
			return -EFAULT;
		memset(pml4, 0, 6 * 4096);
		pml4[0] = (PLAT_BOOT_PML4 + 0x1000) | 0x3;
		for (unsigned int i = 0; i < 4; i++)
			pdpt[i] = (PLAT_BOOT_PML4 + 0x2000 + i * 0x1000) | 0x3;
		for (unsigned int i = 0; i < 2048; i++)
			pd[i] = ((uint64_t)i << 21) | 0x83;	/* P, RW, 2 MiB */
		s.cr3 = PLAT_BOOT_PML4;
		s.cr4 = 1 << 5;				/* PAE */
		s.cr0 = 0x80000011 | (1 << 16);		/* PG, ET, PE, WP */
		s.efer = (1 << 8) | (1 << 10);		/* LME, LMA */
		r.rsi = e->arg;
	} else {
		s.cr0 = 0x11;				/* ET, PE */
		s.cr4 = 0;
		s.efer = 0;
		r.rbx = e->arg;
	}
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0) {
		err("KVM_SET_SREGS: %s", strerror(errno));
		return -errno;
	}
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0) {
		err("KVM_SET_REGS: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static void io_dispatch(struct vm *vm, struct io_range *tab, unsigned int n,
			uint64_t addr, void *data, unsigned int size, bool write,
			const char *kind)
{
	for (unsigned int i = 0; i < n; i++) {
		struct io_range *r = &tab[i];

		if (addr >= r->base && addr - r->base < r->len) {
			if (size > r->len - (addr - r->base))
				break;
			if (write) {
				if (r->write)
					r->write(r->opaque, addr - r->base, data, size);
			} else if (r->read) {
				r->read(r->opaque, addr - r->base, data, size);
			} else {
				memset(data, 0xff, size);
			}
			return;
		}
	}
	guest_warn("guest: %s %s at 0x%llx (%u bytes): nothing there, ignored",
		   write ? "write" : "read", kind, (unsigned long long)addr, size);
	if (!write)
		memset(data, 0xff, size);
}

/* Where the vCPU was when the guest died (once per domain: it ends it). */
static void vcpu_dump(struct vcpu *v)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return;
	err("vcpu%u: rip=%016llx rsp=%016llx rflags=%08llx cs=%04x cr0=%08llx cr2=%016llx cr3=%016llx cr4=%08llx efer=%llx",
	    v->id, (unsigned long long)r.rip, (unsigned long long)r.rsp,
	    (unsigned long long)r.rflags, s.cs.selector, (unsigned long long)s.cr0,
	    (unsigned long long)s.cr2, (unsigned long long)s.cr3,
	    (unsigned long long)s.cr4, (unsigned long long)s.efer);
	err("vcpu%u: rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx rsi=%016llx rdi=%016llx",
	    v->id, (unsigned long long)r.rax, (unsigned long long)r.rbx,
	    (unsigned long long)r.rcx, (unsigned long long)r.rdx,
	    (unsigned long long)r.rsi, (unsigned long long)r.rdi);
	/* AMD: KVM starts the VMCB afresh after a shutdown intercept */
	if (r.rip == 0xfff0 && s.cs.selector == 0xf000 && !(s.cr0 & 1))
		err("vcpu%u: (these are a reset CPU's registers: on AMD, KVM resets the vCPU after its triple fault, so they do not say where the guest was)",
		    v->id);
}

static bool vcpu_handle_exit(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO: {
		uint8_t *p = (uint8_t *)run + run->io.data_offset;

		if (run->io.size != 1 && run->io.size != 2 && run->io.size != 4)
			return true;
		if ((uint64_t)run->io.data_offset + (uint64_t)run->io.count * run->io.size >
		    vm->run_size)
			return true;
		pthread_mutex_lock(&vm->io_lock);
		for (uint32_t i = 0; i < run->io.count; i++, p += run->io.size)
			io_dispatch(vm, vm->pio, vm->nr_pio, run->io.port, p,
				    run->io.size, run->io.direction == KVM_EXIT_IO_OUT,
				    "port");
		pthread_mutex_unlock(&vm->io_lock);
		return true;
	}
	case KVM_EXIT_MMIO:
		if (run->mmio.len == 0 || run->mmio.len > 8)
			return true;
		pthread_mutex_lock(&vm->io_lock);
		io_dispatch(vm, vm->mmio, vm->nr_mmio, run->mmio.phys_addr,
			    run->mmio.data, run->mmio.len, run->mmio.is_write, "MMIO");
		pthread_mutex_unlock(&vm->io_lock);
		return true;
	case KVM_EXIT_SHUTDOWN:
		err("vcpu%u: triple fault: the guest crashed", v->id);
		vcpu_dump(v);
		vm_request_exit(vm, VM_EXIT_CRASH);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			vm_request_exit(vm, VM_EXIT_POWEROFF);
			break;
		case KVM_SYSTEM_EVENT_RESET:
			vm_request_exit(vm, VM_EXIT_REBOOT);
			break;
		default:
			err("vcpu%u: KVM system event %u: the guest crashed", v->id,
			     run->system_event.type);
			vm_request_exit(vm, VM_EXIT_CRASH);
			break;
		}
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		err("vcpu%u: KVM internal error (suberror %u): the guest crashed",
		     v->id, run->internal.suberror);
		vcpu_dump(v);
		vm_request_exit(vm, VM_EXIT_CRASH);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		err("vcpu%u: KVM could not enter the guest (reason 0x%llx): crash", v->id,
		     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		vm_request_exit(vm, VM_EXIT_CRASH);
		return false;
	case KVM_EXIT_HLT:
		/* Only without an in-kernel LAPIC; a halted vCPU that can never wake. */
		return true;
	case KVM_EXIT_INTR:
		return true;
	default:
		err("vcpu%u: unexpected KVM exit %u: the guest crashed", v->id,
		     run->exit_reason);
		vm_request_exit(vm, VM_EXIT_CRASH);
		return false;
	}
}

static bool vcpu_should_stop(struct vm *vm)
{
	return __atomic_load_n(&vm->exit_reason, __ATOMIC_SEQ_CST) != VM_RUNNING;
}

static void vcpu_park(struct vcpu *v)
{
	struct vm *vm = v->vm;

	pthread_mutex_lock(&vm->pause_lock);
	if (vm->paused) {
		vm->nr_parked++;
		pthread_cond_broadcast(&vm->pause_cond);
		while (vm->paused && !vcpu_should_stop(vm))
			pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
		vm->nr_parked--;
	}
	pthread_mutex_unlock(&vm->pause_lock);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	vm_thread_begin(VM_THREAD_VCPU);

	for (;;) {
		__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		if (vcpu_should_stop(vm))
			break;
		if (__atomic_load_n(&vm->paused, __ATOMIC_SEQ_CST)) {
			/*
			 * An I/O exit just handled is only complete once KVM_RUN
			 * is entered again (the IN's data lands, RIP moves on);
			 * with immediate_exit set it does that and returns at
			 * once, so state read while parked is never mid-instruction.
			 * Completing it can need userspace again (an MMIO
			 * access's next fragment; a string I/O the emulator
			 * goes on with): KVM_RUN then returns 0 with that exit,
			 * which is handled before parking; dropped, a write
			 * would be lost and a read would get whatever the run
			 * area held.
			 */
			__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
			if (ioctl(v->fd, KVM_RUN, 0) == 0) {
				if (!vcpu_handle_exit(v))
					break;
				continue;
			}
			vcpu_park(v);
			continue;
		}
		if (__atomic_exchange_n(&v->nmi_pending, false, __ATOMIC_SEQ_CST) &&
		    ioctl(v->fd, KVM_NMI, 0) < 0)
			err("vcpu%u: KVM_NMI: %s", v->id, strerror(errno));
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err("vcpu%u: KVM_RUN: %s", v->id, strerror(errno));
			vm_request_exit(vm, VM_EXIT_CRASH);
			break;
		}
		if (!vcpu_handle_exit(v))
			break;
	}
	return NULL;
}

static void vcpu_kick(struct vcpu *v)
{
	if (!v->thread_started)
		return;
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(v->thread, SIG_KICK);
}

int vm_run(struct vm *vm)
{
	sigset_t set, old;
	int r;

	/* vCPU threads start with the kick signal blocked and unblock it themselves */
	sigemptyset(&set);
	sigaddset(&set, SIG_KICK);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		char name[16];

		/* top(1), perf, hvd and scripts/bench-disk tell them apart by it */
		snprintf(name, sizeof(name), "vcpu%u", i);
		r = vm_thread_create(&v->thread, vcpu_thread, v, name);
		if (r) {
			err("cannot start vCPU thread: %s", strerror(r));
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			vm_request_exit(vm, VM_EXIT_ERROR);
			return -r;
		}
		v->thread_started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

void vm_stop_vcpus(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->thread_started) {
			pthread_join(v->thread, NULL);
			v->thread_started = false;
		}
	}
}

/* Returns once every vCPU is parked outside KVM_RUN. */
void vm_pause(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	__atomic_store_n(&vm->paused, true, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&vm->pause_lock);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	pthread_mutex_lock(&vm->pause_lock);
	while (vm->nr_parked < vm->nr_vcpus && !vcpu_should_stop(vm))
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	pthread_mutex_unlock(&vm->pause_lock);
}

int vm_nmi(struct vm *vm, unsigned int id)
{
	if (id >= vm->nr_vcpus)
		return -EINVAL;
	__atomic_store_n(&vm->vcpus[id].nmi_pending, true, __ATOMIC_SEQ_CST);
	vcpu_kick(&vm->vcpus[id]);
	return 0;
}

void vm_unpause(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	__atomic_store_n(&vm->paused, false, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
	if (vm->on_unpause)
		vm->on_unpause(vm->on_unpause_arg);
}
