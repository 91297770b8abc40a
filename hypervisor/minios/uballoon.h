/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ring-3 virtio-balloon driver and its workload (uballoon.c) and
 * hostile cases (uballoonhostile.c), over uvirtio.c.
 *
 * Which pages the balloon gives: the top of the user memory pool
 * (user_alloc(), user.c). When the driver starts, it ends the pool 4 MiB
 * above what the other drivers took (user_alloc_limit()) and keeps the
 * rest, [lo, hi), for itself: the balloon grows from hi downwards, a page
 * at a time, so it always holds [hi - 4096 * actual, hi); a touch= region
 * is the top of [lo, hi), and thus the first to go; report= ranges are
 * its bottom. Nothing else in minios uses those pages.
 */
#ifndef MINIOS_UBALLOON_H
#define MINIOS_UBALLOON_H

#include "uvirtio.h"

/* Feature bits (virtio 1.x, 5.5.3). */
#define VBAL_F_MUST_TELL_HOST	(1UL << 0)
#define VBAL_F_STATS_VQ		(1UL << 1)
#define VBAL_F_DEFLATE_ON_OOM	(1UL << 2)
#define VBAL_F_FREE_PAGE_HINT	(1UL << 3)
#define VBAL_F_PAGE_POISON	(1UL << 4)
#define VBAL_F_REPORTING	(1UL << 5)

/* Configuration space (le32 fields). */
#define VBAL_CFG_NUM_PAGES	0
#define VBAL_CFG_ACTUAL		4

/* Statistics tags (virtio 1.x, 5.5.6.3). */
#define VBAL_S_SWAP_IN		0
#define VBAL_S_SWAP_OUT		1
#define VBAL_S_MAJFLT		2
#define VBAL_S_MINFLT		3
#define VBAL_S_MEMFREE		4
#define VBAL_S_MEMTOT		5
#define VBAL_S_AVAIL		6
#define VBAL_S_CACHES		7
#define VBAL_S_HTLB_PGALLOC	8
#define VBAL_S_HTLB_PGFAIL	9
#define VBAL_NR_STATS		10

struct vbal_stat {
	u16 tag;
	u64 val;
} __attribute__((packed));

#define UBALLOON_QSIZE		64
#define UBALLOON_PFNS		256	/* page numbers per inflate/deflate buffer */
#define UBALLOON_REPORT_RANGES	16	/* ranges per free page report */
#define UBALLOON_TIMEOUT_US	5000000
#define UBALLOON_RESERVE	(4UL << 20)	/* left to the pool */

struct uballoon {
	const struct user_pci *pci;
	int ok;
	u64 offered, features;	/* negotiated */
	u64 want;		/* the features asked for */
	u16 nr_queues;
	struct uvq inflate, deflate, stats, report;
	u32 *pfns;		/* UBALLOON_PFNS */
	struct vbal_stat *stat;	/* VBAL_NR_STATS */
	u64 nr_stats_sent;
	u64 lo, hi;		/* its pages: [lo, hi) */
	u32 actual;		/* pages in the balloon: [hi - 4096 * actual, hi) */
};

extern struct uballoon uballoon;

/* uballoon.c */
int uballoon_reset(struct uballoon *b, const char **why_r);
int uballoon_xfer(struct uballoon *b, struct uvq *q, u16 head,
		  const char *what);
void uballoon_start(void);
u64 uballoon_run(u64 now);

/* uballoonhostile.c */
void uballoonhostile_run(const char *name);

#endif
