/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVM side of a domain's state, as named, versioned sections
 * (snapshot/state.h): each vCPU (registers, FPU/XSAVE, XCRs, MSRs but the TSC, LAPIC, events,
 * MP state, debug registers) and the VM (PIC, I/O APIC, PIT, kvmclock and
 * the TSC that goes with it).  Save reads it from KVM, load checks it and
 * writes it to KVM; the vCPUs must not be running (paused) either way.
 */
#ifndef HV_VMM_KVMSTATE_H
#define HV_VMM_KVMSTATE_H

#include "snapshot/state.h"
#include "kvm/vm.h"

/* Returns 0 or -errno; on a failed load io->errmsg says why. */
int kvmstate_vcpu(struct state_io *io, struct vcpu *v);
int kvmstate_vm(struct state_io *io, struct vm *vm);

#endif
