/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "kvm/kvmstate.h"
#include "log.h"

#define KVMSTATE_MAX_MSRS 256
#define KVMSTATE_XSAVE_MAX (64 * 1024)

/* Field helpers: the field's name is its C name. */
#define F8(io, s, f) state_u8(io, #f, &(s)->f)
#define F16(io, s, f) state_u16(io, #f, &(s)->f)
#define F32(io, s, f) state_u32(io, #f, &(s)->f)
/* KVM's __u64 is unsigned long long; uint64_t is unsigned long here */
#define F64(io, s, f) state_u64(io, #f, (uint64_t *)(void *)&(s)->f)

static int kvm_io(struct state_io *io, int fd, unsigned long req, void *arg, const char *what)
{
	if (ioctl(fd, req, arg) < 0) {
		int e = errno;

		if (io->loading)
			state_fail(io, "KVM refused the %s: %s", what, strerror(e));
		else
			err("cannot read the %s from KVM: %s", what, strerror(e));
		return -e;
	}
	return 0;
}

static void seg_state(struct state_io *io, const char *name, struct kvm_segment *s)
{
	char n[32];

#define SEGF(type, f) do {						\
	snprintf(n, sizeof(n), "%s.%s", name, #f);			\
	state_##type(io, n, (void *)&s->f);				\
} while (0)
	SEGF(u64, base);
	SEGF(u32, limit);
	SEGF(u16, selector);
	SEGF(u8, type);
	SEGF(u8, present);
	SEGF(u8, dpl);
	SEGF(u8, db);
	SEGF(u8, s);
	SEGF(u8, l);
	SEGF(u8, g);
	SEGF(u8, avl);
	SEGF(u8, unusable);
#undef SEGF
}

static void regs_state(struct state_io *io, struct kvm_regs *r)
{
	F64(io, r, rax); F64(io, r, rbx); F64(io, r, rcx); F64(io, r, rdx);
	F64(io, r, rsi); F64(io, r, rdi); F64(io, r, rsp); F64(io, r, rbp);
	F64(io, r, r8); F64(io, r, r9); F64(io, r, r10); F64(io, r, r11);
	F64(io, r, r12); F64(io, r, r13); F64(io, r, r14); F64(io, r, r15);
	F64(io, r, rip); F64(io, r, rflags);
}

static void sregs_state(struct state_io *io, struct kvm_sregs *s)
{
	seg_state(io, "cs", &s->cs);
	seg_state(io, "ds", &s->ds);
	seg_state(io, "es", &s->es);
	seg_state(io, "fs", &s->fs);
	seg_state(io, "gs", &s->gs);
	seg_state(io, "ss", &s->ss);
	seg_state(io, "tr", &s->tr);
	seg_state(io, "ldt", &s->ldt);
	state_u64(io, "gdt.base", (uint64_t *)(void *)&s->gdt.base);
	state_u16(io, "gdt.limit", &s->gdt.limit);
	state_u64(io, "idt.base", (uint64_t *)(void *)&s->idt.base);
	state_u16(io, "idt.limit", &s->idt.limit);
	F64(io, s, cr0); F64(io, s, cr2); F64(io, s, cr3); F64(io, s, cr4);
	F64(io, s, cr8); F64(io, s, efer); F64(io, s, apic_base);
	state_bytes(io, "interrupt_bitmap", s->interrupt_bitmap, sizeof(s->interrupt_bitmap));
}

static void events_state(struct state_io *io, struct kvm_vcpu_events *e)
{
	state_u8(io, "exception.injected", &e->exception.injected);
	state_u8(io, "exception.nr", &e->exception.nr);
	state_u8(io, "exception.has_error_code", &e->exception.has_error_code);
	state_u8(io, "exception.pending", &e->exception.pending);
	state_u32(io, "exception.error_code", &e->exception.error_code);
	state_u8(io, "interrupt.injected", &e->interrupt.injected);
	state_u8(io, "interrupt.nr", &e->interrupt.nr);
	state_u8(io, "interrupt.soft", &e->interrupt.soft);
	state_u8(io, "interrupt.shadow", &e->interrupt.shadow);
	state_u8(io, "nmi.injected", &e->nmi.injected);
	state_u8(io, "nmi.pending", &e->nmi.pending);
	state_u8(io, "nmi.masked", &e->nmi.masked);
	state_u32(io, "sipi_vector", &e->sipi_vector);
	state_u32(io, "events_flags", &e->flags);
}

/* The MSRs KVM can save for this host, from KVM_GET_MSR_INDEX_LIST. */
static int msr_list(struct vm *vm, uint32_t *idx, uint32_t *n)
{
	struct {
		struct kvm_msr_list l;
		uint32_t i[KVMSTATE_MAX_MSRS];
	} m = { .l.nmsrs = KVMSTATE_MAX_MSRS };

	if (ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, &m) < 0)
		return -errno;
	memcpy(idx, m.i, m.l.nmsrs * sizeof(uint32_t));
	*n = m.l.nmsrs;
	return 0;
}

#define MSR_IA32_TSC		0x10
#define MSR_KVM_SYSTEM_TIME	0x12
#define MSR_IA32_TSC_DEADLINE	0x6e0
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01

/*
 * On load, *deadline gets the TSC-deadline timer, which only takes once the
 * LAPIC is in deadline mode (UINT64_MAX: none saved).
 */
static int msrs_state(struct state_io *io, struct vcpu *v, uint64_t *deadline)
{
	uint32_t host[KVMSTATE_MAX_MSRS];
	uint32_t nhost = 0, n = 0, index[KVMSTATE_MAX_MSRS];
	uint64_t data[KVMSTATE_MAX_MSRS];
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[KVMSTATE_MAX_MSRS];
	} *m;
	int rc = msr_list(v->vm, host, &nhost);

	if (rc)
		return rc;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	if (!io->loading) {
		/* the TSC goes with kvmclock, in the VM state */
		for (uint32_t i = 0; i < nhost; i++)
			if (host[i] != MSR_IA32_TSC)
				m->e[m->h.nmsrs++].index = host[i];
		/* KVM stops at the first MSR it cannot read: keep those it read */
		rc = ioctl(v->fd, KVM_GET_MSRS, m);
		n = rc < 0 ? 0 : (uint32_t)rc;
		for (uint32_t i = 0; i < n; i++) {
			index[i] = m->e[i].index;
			data[i] = m->e[i].data;
		}
	}
	state_u32(io, "msr_count", &n);
	if (n > KVMSTATE_MAX_MSRS)
		state_fail(io, "%u MSRs is too many", n);
	state_bytes(io, "msr_index", index, n * sizeof(uint32_t));
	state_bytes(io, "msr_data", data, n * sizeof(uint64_t));
	rc = 0;
	if (io->loading && !io->err) {
		for (uint32_t i = 0; i < n; i++) {
			bool known = false;

			for (uint32_t j = 0; j < nhost && !known; j++)
				known = host[j] == index[i];
			if (!known || index[i] == MSR_IA32_TSC) {
				state_fail(io, "MSR 0x%x cannot be restored %s", index[i],
					   known ? "with a vCPU (the TSC is VM state)" : "on this host");
				break;
			}
			m->e[i].index = index[i];
			m->e[i].data = data[i];
			if (index[i] == MSR_IA32_TSC_DEADLINE)
				*deadline = data[i];
		}
		m->h.nmsrs = n;
		if (!io->err && ioctl(v->fd, KVM_SET_MSRS, m) != (int)n)
			state_fail(io, "KVM refused one of %u MSRs", n);
	}
	free(m);
	return rc;
}

int kvmstate_vcpu(struct state_io *io, struct vcpu *v)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs = { 0 };
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events = { 0 };
	struct kvm_mp_state mp = { 0 };
	struct kvm_debugregs dbg = { 0 };
	struct kvm_xsave *xs = NULL;
	uint32_t xsave_len = sizeof(struct kvm_xsave), id = v->id;
	uint64_t xcr0 = 0, deadline = UINT64_MAX;
	char name[32];
	int r, rc = 0;

	r = ioctl(v->vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	if (r > (int)xsave_len && r <= KVMSTATE_XSAVE_MAX)
		xsave_len = r;
	if (!io->loading) {
		xs = calloc(1, xsave_len);
		if (!xs)
			return -ENOMEM;
		if ((rc = kvm_io(io, v->fd, KVM_GET_REGS, &regs, "registers")) ||
		    (rc = kvm_io(io, v->fd, KVM_GET_SREGS, &sregs, "system registers")) ||
		    (rc = kvm_io(io, v->fd, xsave_len > sizeof(*xs) ? KVM_GET_XSAVE2 : KVM_GET_XSAVE,
				 xs, "XSAVE area")) ||
		    (rc = kvm_io(io, v->fd, KVM_GET_XCRS, &xcrs, "XCRs")) ||
		    (rc = kvm_io(io, v->fd, KVM_GET_LAPIC, &lapic, "LAPIC")) ||
		    (rc = kvm_io(io, v->fd, KVM_GET_VCPU_EVENTS, &events, "vCPU events")) ||
		    (rc = kvm_io(io, v->fd, KVM_GET_MP_STATE, &mp, "MP state")) ||
		    (rc = kvm_io(io, v->fd, KVM_GET_DEBUGREGS, &dbg, "debug registers")))
			goto out;
		for (uint32_t i = 0; i < xcrs.nr_xcrs && i < KVM_MAX_XCRS; i++)
			if (xcrs.xcrs[i].xcr == 0)
				xcr0 = xcrs.xcrs[i].value;
	}
	snprintf(name, sizeof(name), "vcpu%u", v->id);
	if (state_begin(io, name, 1))
		goto out;
	state_u32(io, "id", &id);
	regs_state(io, &regs);
	sregs_state(io, &sregs);
	state_u32(io, "xsave_len", &xsave_len);
	if (io->loading && !io->err) {
		if (xsave_len < sizeof(*xs) || xsave_len > KVMSTATE_XSAVE_MAX) {
			state_fail(io, "XSAVE area of %u bytes", xsave_len);
			goto out;
		}
		xs = calloc(1, xsave_len);
		if (!xs) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (xs)
		state_bytes(io, "xsave", xs, xsave_len);
	state_u64(io, "xcr0", &xcr0);
	rc = msrs_state(io, v, &deadline);
	if (rc)
		goto out;
	state_bytes(io, "lapic", lapic.regs, sizeof(lapic.regs));
	events_state(io, &events);
	state_u32(io, "mp_state", &mp.mp_state);
	state_bytes(io, "db", dbg.db, sizeof(dbg.db));
	state_u64(io, "dr6", (uint64_t *)(void *)&dbg.dr6);
	state_u64(io, "dr7", (uint64_t *)(void *)&dbg.dr7);
	state_end(io);
	if (!io->loading || io->err)
		goto out;
	if (id != v->id) {
		state_fail(io, "state of vCPU %u given to vCPU %u", id, v->id);
		goto out;
	}
	/* system registers first (they decide how the rest is read), then the rest */
	xcrs = (struct kvm_xcrs){ .nr_xcrs = 1, .xcrs[0] = { .xcr = 0, .value = xcr0 } };
	dbg.flags = 0;
	events.flags &= KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |
			KVM_VCPUEVENT_VALID_SHADOW;
	if ((rc = kvm_io(io, v->fd, KVM_SET_SREGS, &sregs, "system registers")) ||
	    (rc = kvm_io(io, v->fd, KVM_SET_REGS, &regs, "registers")) ||
	    (rc = kvm_io(io, v->fd, KVM_SET_XSAVE, xs, "XSAVE area")) ||
	    (xcr0 && (rc = kvm_io(io, v->fd, KVM_SET_XCRS, &xcrs, "XCRs"))) ||
	    (rc = kvm_io(io, v->fd, KVM_SET_LAPIC, &lapic, "LAPIC")) ||
	    (rc = kvm_io(io, v->fd, KVM_SET_VCPU_EVENTS, &events, "vCPU events")) ||
	    (rc = kvm_io(io, v->fd, KVM_SET_MP_STATE, &mp, "MP state")) ||
	    (rc = kvm_io(io, v->fd, KVM_SET_DEBUGREGS, &dbg, "debug registers")))
		goto out;
	if (deadline != UINT64_MAX) {
		/* KVM drops a deadline written before the LAPIC's timer mode */
		struct {
			struct kvm_msrs h;
			struct kvm_msr_entry e;
		} dl = { .h.nmsrs = 1, .e = { .index = MSR_IA32_TSC_DEADLINE, .data = deadline } };

		if (ioctl(v->fd, KVM_SET_MSRS, &dl) != 1)
			state_fail(io, "KVM refused the TSC-deadline timer");
	}
out:
	free(xs);
	return rc ? rc : io->err;
}

static void pic_state(struct state_io *io, const char *name, struct kvm_pic_state *p)
{
	char n[48];

#define PICF(f) do {							\
	snprintf(n, sizeof(n), "%s.%s", name, #f);			\
	state_u8(io, n, &p->f);						\
} while (0)
	PICF(last_irr); PICF(irr); PICF(imr); PICF(isr); PICF(priority_add);
	PICF(irq_base); PICF(read_reg_select); PICF(poll); PICF(special_mask);
	PICF(init_state); PICF(auto_eoi); PICF(rotate_on_auto_eoi);
	PICF(special_fully_nested_mode); PICF(init4); PICF(elcr); PICF(elcr_mask);
#undef PICF
}

static void pit_channel_state(struct state_io *io, unsigned int i, struct kvm_pit_channel_state *c)
{
	char n[48];

#define PITF(type, f) do {						\
	snprintf(n, sizeof(n), "pit%u.%s", i, #f);			\
	state_##type(io, n, (void *)&c->f);				\
} while (0)
	PITF(u32, count); PITF(u16, latched_count); PITF(u8, count_latched);
	PITF(u8, status_latched); PITF(u8, status); PITF(u8, read_state);
	PITF(u8, write_state); PITF(u8, write_latch); PITF(u8, rw_mode);
	PITF(u8, mode); PITF(u8, bcd); PITF(u8, gate); PITF(u64, count_load_time);
#undef PITF
}

static bool msr_get(struct vcpu *v, uint32_t index, uint64_t *data)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = index };

	if (ioctl(v->fd, KVM_GET_MSRS, &m) != 1)
		return false;
	*data = m.e.data;
	return true;
}

static bool msr_set(struct vcpu *v, uint32_t index, uint64_t data)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e = { .index = index, .data = data } };

	return ioctl(v->fd, KVM_SET_MSRS, &m) == 1;
}

/* A vCPU's kvmclock page in guest memory (struct pvclock_vcpu_time_info). */
struct pvclock_time {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
};

/*
 * @ns of kvmclock as TSC cycles at the page's scale: the inverse of the
 * guest's ns = ((cycles << tsc_shift) * tsc_to_system_mul) >> 32.
 */
static bool pvclock_cycles(const struct pvclock_time *t, uint64_t ns, uint64_t *cycles)
{
	unsigned __int128 c;

	if (!t->tsc_to_system_mul || t->tsc_shift < -32 || t->tsc_shift > 32)
		return false;
	c = ((unsigned __int128)ns << 32) / t->tsc_to_system_mul;
	c = t->tsc_shift < 0 ? c << -t->tsc_shift : c >> t->tsc_shift;
	if (c >> 64)
		return false;
	*cycles = (uint64_t)c;
	return true;
}

/*
 * The guest TSC that goes with kvmclock @clock as the guest itself relates
 * the two: by the kvmclock page of its first vCPU that has one.  The TSC
 * that KVM_GET_MSRS gives will not do: where the host's TSC is unstable
 * (the nested test's outer host), a vCPU's TSC stands still while it is
 * out of the guest and KVM catches it up on the next entry, so it lags
 * kvmclock by the time the vCPU has been stopped.  False if no vCPU has
 * kvmclock on.
 */
static bool pvclock_tsc(struct vm *vm, uint64_t clock, uint64_t *tsc)
{
	static const uint32_t msrs[] = { MSR_KVM_SYSTEM_TIME_NEW, MSR_KVM_SYSTEM_TIME };

	for (unsigned int i = 0; i < vm->nr_vcpus * 2; i++) {
		struct pvclock_time t;
		const void *page;
		uint64_t msr, d;

		if (!msr_get(&vm->vcpus[i / 2], msrs[i % 2], &msr) || !(msr & 1))
			continue;
		page = vm_gpa(vm, msr & ~1ull, sizeof(t));
		if (!page)
			continue;
		/* the vCPUs are paused: KVM does not write the page now */
		memcpy(&t, page, sizeof(t));
		if (t.version & 1)
			continue;
		if (clock >= t.system_time && pvclock_cycles(&t, clock - t.system_time, &d))
			*tsc = t.tsc_timestamp + d;
		else if (clock < t.system_time && pvclock_cycles(&t, t.system_time - clock, &d))
			*tsc = t.tsc_timestamp - d;
		else
			continue;
		return true;
	}
	return false;
}

/* Saving: kvmclock, and the guest TSC of the same moment (vCPUs paused). */
static int clock_get(struct state_io *io, struct vm *vm, struct kvm_clock_data *clock,
		     uint64_t *tsc)
{
	int rc = kvm_io(io, vm->vm_fd, KVM_GET_CLOCK, clock, "clock");

	if (rc || !vm->nr_vcpus)
		return rc;
	if (pvclock_tsc(vm, clock->clock, tsc))
		return 0;
	/* no kvmclock in the guest: vCPU 0's TSC, read right after the clock */
	if (!msr_get(&vm->vcpus[0], MSR_IA32_TSC, tsc)) {
		err("cannot read the TSC from KVM");
		return -EIO;
	}
	return 0;
}

static uint64_t ns_to_cycles(uint64_t ns, unsigned int khz)
{
	return (uint64_t)((unsigned __int128)ns * khz / 1000000);
}

/*
 * KVM anchors the TSC when it is written (kvm_synchronize_tsc): vCPU 0's
 * TSC is written again until the clock readings around the write are at
 * most this far apart, well within what Linux's clocksource watchdog
 * allows between kvmclock and the TSC (400 us with its default settings).
 */
#define TSC_WRITE_NS	50000
#define TSC_WRITE_TRIES	20

/*
 * vCPU 0's TSC: @tsc at kvmclock @clock, written with the kvmclock time
 * since then added.  KVM takes a write within a second of the TSC it
 * expects as that TSC and keeps its old anchor, so each try first writes
 * one two seconds off.  *t gets the value written.
 */
static int tsc_anchor(struct vm *vm, uint64_t clock, uint64_t tsc, uint64_t *t)
{
	struct kvm_clock_data a = { 0 }, c = { 0 };
	struct vcpu *v0 = &vm->vcpus[0];
	int khz = ioctl(v0->fd, KVM_GET_TSC_KHZ, 0);
	unsigned int i;

	*t = tsc;
	if (khz <= 0)	/* nothing to convert the time by: the TSC as saved */
		return msr_set(v0, MSR_IA32_TSC, tsc) ? 0 : -EINVAL;
	for (i = 0; i < TSC_WRITE_TRIES; i++) {
		if (!msr_set(v0, MSR_IA32_TSC, *t + 2000ull * (unsigned int)khz))
			return -EINVAL;
		if (ioctl(vm->vm_fd, KVM_GET_CLOCK, &a) < 0)
			return -errno;
		*t = tsc;
		if (a.clock > clock)
			*t += ns_to_cycles(a.clock - clock, khz);
		if (!msr_set(v0, MSR_IA32_TSC, *t))
			return -EINVAL;
		if (ioctl(vm->vm_fd, KVM_GET_CLOCK, &c) < 0)
			return -errno;
		if (c.clock - a.clock <= TSC_WRITE_NS)
			break;
	}
	if (i == TSC_WRITE_TRIES)
		warn("the TSC is restored up to %llu us off kvmclock",
		     (unsigned long long)(c.clock - a.clock) / 1000);
	return 0;
}

/*
 * Loading: kvmclock resumes at @clock and every vCPU's TSC at @tsc, as one
 * moment.  The other vCPUs get vCPU 0's value, which KVM matches to vCPU
 * 0's TSC (kvm_synchronize_tsc), so all share one TSC.
 */
static int clock_set(struct state_io *io, struct vm *vm, struct kvm_clock_data *clock,
		     uint64_t tsc)
{
	uint64_t t;
	int rc;

	clock->flags = 0;
	if ((rc = kvm_io(io, vm->vm_fd, KVM_SET_CLOCK, clock, "clock")) || !vm->nr_vcpus)
		return rc;
	rc = tsc_anchor(vm, clock->clock, tsc, &t);
	for (unsigned int i = 1; !rc && i < vm->nr_vcpus; i++)
		if (!msr_set(&vm->vcpus[i], MSR_IA32_TSC, t))
			rc = -EINVAL;
	if (rc)
		state_fail(io, "KVM refused the TSC: %s", strerror(-rc));
	return rc ? io->err : 0;
}

int kvmstate_vm(struct state_io *io, struct vm *vm)
{
	struct kvm_irqchip pic[2] = { { .chip_id = KVM_IRQCHIP_PIC_MASTER },
				      { .chip_id = KVM_IRQCHIP_PIC_SLAVE } };
	struct kvm_irqchip ioapic = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_ioapic_state *ia = &ioapic.chip.ioapic;
	struct kvm_pit_state2 pit = { 0 };
	struct kvm_clock_data clock = { 0 };
	uint64_t tsc = 0;
	char n[32];
	int rc = 0;

	if (!io->loading &&
	    ((rc = kvm_io(io, vm->vm_fd, KVM_GET_IRQCHIP, &pic[0], "PIC")) ||
	     (rc = kvm_io(io, vm->vm_fd, KVM_GET_IRQCHIP, &pic[1], "PIC")) ||
	     (rc = kvm_io(io, vm->vm_fd, KVM_GET_IRQCHIP, &ioapic, "I/O APIC")) ||
	     (rc = kvm_io(io, vm->vm_fd, KVM_GET_PIT2, &pit, "PIT")) ||
	     (rc = clock_get(io, vm, &clock, &tsc))))
		return rc;
	if (state_begin(io, "kvm-vm", 2))
		return io->err;
	pic_state(io, "pic0", &pic[0].chip.pic);
	pic_state(io, "pic1", &pic[1].chip.pic);
	state_u64(io, "ioapic.base_address", (uint64_t *)&ia->base_address);
	state_u32(io, "ioapic.ioregsel", &ia->ioregsel);
	state_u32(io, "ioapic.id", &ia->id);
	state_u32(io, "ioapic.irr", &ia->irr);
	for (unsigned int i = 0; i < KVM_IOAPIC_NUM_PINS; i++) {
		snprintf(n, sizeof(n), "ioapic.redir%u", i);
		state_u64(io, n, (uint64_t *)&ia->redirtbl[i].bits);
	}
	for (unsigned int i = 0; i < 3; i++)
		pit_channel_state(io, i, &pit.channels[i]);
	state_u32(io, "pit.flags", &pit.flags);
	state_u64(io, "clock", (uint64_t *)&clock.clock);
	state_u64(io, "tsc", &tsc);
	state_end(io);
	if (!io->loading || io->err)
		return io->err;
	pit.flags &= KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	if ((rc = kvm_io(io, vm->vm_fd, KVM_SET_IRQCHIP, &pic[0], "PIC")) ||
	    (rc = kvm_io(io, vm->vm_fd, KVM_SET_IRQCHIP, &pic[1], "PIC")) ||
	    (rc = kvm_io(io, vm->vm_fd, KVM_SET_IRQCHIP, &ioapic, "I/O APIC")) ||
	    (rc = kvm_io(io, vm->vm_fd, KVM_SET_PIT2, &pit, "PIT")))
		return rc;
	return clock_set(io, vm, &clock, tsc);
}
