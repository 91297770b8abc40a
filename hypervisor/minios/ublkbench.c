// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * workload=blk-bench (ring 3): the requests scripts/bench-disk measures
 * under hv-vmm and QEMU alike (docs/bench-disk.md).
 */
#include "ublk.h"

const char *const ublkbench_modes[UBLKBENCH_MODES] = {
	"seqread", "seqwrite", "randread", "randwrite",
};

/*
 * The benchmark: sequential 1 MiB or random 4 KiB requests, qd in flight,
 * for limit requests or seconds. One line when it starts (a host can
 * sample its VMM's CPU time there) and one with the result.
 */
void ublkbench_run(struct ublk *d, int mode, u32 qd, u64 limit, int limit_s)
{
	u64 mark = user_alloc_mark(), hz = user_config_page.tsc_hz;
	int seq = mode < 2, write = mode & 1;
	u32 bs = seq ? 1 << 20 : 4096;
	u64 blocks, next = 0, rnd;
	u64 done = 0, errors = 0, submitted = 0, tenths, us, t0, end;
	u64 last_progress, now;
	u8 *bufs;
	int shared = 0, stop = 0, slot, status, r;

	/* a device whose requests are smaller: as large as it takes */
	if (bs > ublk_max_request(d))
		bs = ublk_max_request(d);
	blocks = bs >= UBLK_SECTOR ? d->capacity / (bs / UBLK_SECTOR) : 0;
	if (!blocks) {
		user_printf("minios: blk %s bench FAILED: the disk is smaller than %u bytes\n",
			    d->name, bs);
		return;
	}
	if (qd > d->nslots)
		qd = d->nslots;
	bufs = user_alloc((u64)qd * bs, 4096);
	if (!bufs) {
		shared = 1;
		bufs = user_alloc(bs, 4096);
	}
	if (!bufs) {
		user_printf("minios: blk %s bench FAILED: no memory for a %u-byte buffer\n",
			    d->name, bs);
		return;
	}
	/* touched first: a guest page's first use is not what is measured */
	memset(bufs, write ? 0x5a : 0, shared ? bs : (u64)qd * bs);
	d->indirect_every = d->split_every = 0;
	rnd = 0x2545f4914f6cdd1dUL ^ (u64)d->idx;
	user_printf("minios: blk %s bench %s qd=%u bs=%u start\n", d->name,
		    ublkbench_modes[mode], qd, bs);
	t0 = last_progress = rdtsc();
	end = limit_s ? t0 + limit * hz : ~0UL;
	for (;;) {
		while (!stop && d->nbusy < qd) {
			u64 blk;

			if (seq) {
				blk = next++;
				if (next == blocks)
					next = 0;
			} else {
				rnd ^= rnd << 13;
				rnd ^= rnd >> 7;
				rnd ^= rnd << 17;
				blk = rnd % blocks;
			}
			/* the lowest free slot: below qd, a buffer of its own */
			slot = ublk_next_slot(d);
			slot = ublk_submit(d, write ? VBLK_T_OUT : VBLK_T_IN,
					   blk * (bs / UBLK_SECTOR),
					   bufs + (shared ? 0 : (u64)slot * bs),
					   bs, 0);
			if (slot < 0)
				break;
			if (++submitted == limit && !limit_s)
				stop = 1;
		}
		ublk_kick(d);
		now = rdtsc();
		while ((r = ublk_poll(d, &slot, &status)) > 0) {
			done++;
			errors += status != VBLK_S_OK;
			last_progress = now;
		}
		if (now >= end)
			stop = 1;
		if (r < 0 || (stop && !d->nbusy))
			break;
		if (now - last_progress > hz / 100 &&
		    ((ublk_status(d) & ST_NEEDS_RESET) ||
		     now - last_progress > hz / 1000000 * UBLK_STALL_US)) {
			user_printf("minios: blk %s bench FAILED: %s with %u requests in flight\n",
				    d->name, ublk_status(d) & ST_NEEDS_RESET ?
				    "needs-reset" : "timeout", d->nbusy);
			d->ok = 0;
			break;
		}
	}
	us = user_us(rdtsc() - t0);
	if (!us)
		us = 1;
	tenths = done * bs * 10 * 1000000 / (1 << 20) / us;
	user_printf("minios: blk %s bench %s qd=%u bs=%u requests=%lu errors=%lu us=%lu mib_s=%lu.%lu iops=%lu%s\n",
		    d->name, ublkbench_modes[mode], qd, bs, done, errors, us,
		    tenths / 10, tenths % 10, done * 1000000 / us,
		    shared ? " shared-buffer" : "");
	user_alloc_release(mark);
}
