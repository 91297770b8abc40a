/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HV_VMM_VCPU_H
#define HV_VMM_VCPU_H

#include "boot/boot.h"
#include "kvm/vm.h"

int vcpu_set_boot_regs(struct vcpu *v, const struct boot_entry *e);

#endif
