/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HV_VMM_IO_H
#define HV_VMM_IO_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Little-endian access to an I/O exit's data buffer. */
static inline uint64_t io_get(const void *data, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, data, size > 8 ? 8 : size);
	return v;
}

static inline void io_put(void *data, unsigned int size, uint64_t v)
{
	memcpy(data, &v, size > 8 ? 8 : size);
}

#endif
