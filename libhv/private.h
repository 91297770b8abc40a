/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libhv internals: hv__ names, hidden from the ABI. */
#ifndef HV_PRIVATE_H
#define HV_PRIVATE_H

#include "config/ctx.h"

#endif
