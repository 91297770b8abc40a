/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HV_VMM_IRQ_H
#define HV_VMM_IRQ_H

/* An interrupt line a device drives; the VMM wires it to a GSI. */
struct irq_line {
	void (*set)(void *opaque, unsigned int gsi, int level);
	void *opaque;
	unsigned int gsi;
	int level;
};

static inline void irq_line_set(struct irq_line *l, int level)
{
	if (l->level == level || !l->set)
		return;
	l->level = level;
	l->set(l->opaque, l->gsi, level);
}

#endif
