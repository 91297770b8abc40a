/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HV_VMM_PVPANIC_H
#define HV_VMM_PVPANIC_H

#include <stdint.h>

/* pvpanic at port 0x505: reads give the events supported, a write reports one. */
struct pvpanic {
	void (*panic)(void *opaque, uint8_t event);
	void *opaque;
};

void pvpanic_read(void *opaque, uint64_t off, void *data, unsigned int size);
void pvpanic_write(void *opaque, uint64_t off, const void *data, unsigned int size);

#endif
