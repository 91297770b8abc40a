/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "dev/pvpanic.h"

#define PVPANIC_PANICKED	0x01
#define PVPANIC_CRASH_LOADED	0x02

void pvpanic_read(void *opaque, uint64_t off, void *data, unsigned int size)
{
	memset(data, 0, size);
	*(uint8_t *)data = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
}

void pvpanic_write(void *opaque, uint64_t off, const void *data, unsigned int size)
{
	struct pvpanic *p = opaque;
	uint8_t v = *(const uint8_t *)data;

	if (v & (PVPANIC_PANICKED | PVPANIC_CRASH_LOADED))
		p->panic(p->opaque, v);
}
