// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The disk workloads (workload=blk-..., see README), in ring 3: patterns
 * written, flushed, read back and verified; read-only disks; discard and
 * write-zeroes; a benchmark. Each prints one line per result.
 *
 * The pattern of a 512-byte sector depends on its number and a seed
 * only, so a later boot, a restored domain or the host can check it: the
 * first u64 is the sector, the second the seed, the other 62 follow from
 * both (ublkwl_fill()).
 */
#include "ublk.h"

#define UBLKWL_CHUNK	128		/* sectors per request */
#define UBLKWL_QD	8		/* requests in flight per disk */

enum ublkwl_op {
	UW_WRITE,
	UW_VERIFY,
	UW_ONCE,
	UW_CYCLE,
	UW_RO,
	UW_DISCARD,
	UW_BENCH,
};

static const char *const ublkwl_ops[] = {
	"write", "verify", "once", "cycle", "ro", "discard", "bench",
};

struct ublkwl {
	int op;
	int disk;		/* index, or -1: every disk at once */
	u64 seed, start, count;
	int mode;		/* bench */
	u32 qd;
	u64 limit;		/* bench: requests, or seconds if limit_s */
	int limit_s;
	u64 pass, next_tsc;	/* cycle */
	int stopped;
};

static struct ublkwl ublkwl_list[MAX_WORKLOADS];
static int ublkwl_n;

/* A range of one disk written or read by up to UBLKWL_QD requests. */
struct ublkwl_job {
	struct ublk *d;
	int write;
	u64 seed, start, end, next;
	u32 chunk;			/* sectors per request */
	u8 *bufs;			/* UBLKWL_QD buffers of UBLKWL_CHUNK sectors */
	u8 free[UBLKWL_QD];
	int nfree;
	u64 last_progress;
	int status;			/* the first failure, or VBLK_S_OK */
	u64 fail_sector;
	u64 n_match, n_zero, n_other;	/* reads: sectors */
	u64 first_bad, first_other;	/* ~0: none */
};

static u64 ublkwl_mix(u64 x)
{
	x += 0x9e3779b97f4a7c15UL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
	return x ^ (x >> 31);
}

static void ublkwl_fill(u64 *p, u64 sector, u64 seed)
{
	u64 v = ublkwl_mix(sector ^ ublkwl_mix(seed));
	int i;

	p[0] = sector;
	p[1] = seed;
	for (i = 2; i < UBLK_SECTOR / 8; i++) {
		v = v * 6364136223846793005UL + 1442695040888963407UL;
		p[i] = v;
	}
}

/* 0: the sector's pattern; 1: all zero; 2: something else. */
static int ublkwl_check(const u64 *p, u64 sector, u64 seed)
{
	u64 v = ublkwl_mix(sector ^ ublkwl_mix(seed)), any = 0;
	int i, match = p[0] == sector && p[1] == seed;

	for (i = 2; i < UBLK_SECTOR / 8; i++) {
		v = v * 6364136223846793005UL + 1442695040888963407UL;
		match &= p[i] == v;
		any |= p[i];
	}
	if (match)
		return 0;
	return !(any | p[0] | p[1]) ? 1 : 2;
}

static int ublkwl_job_init(struct ublkwl_job *j, struct ublk *d, int write,
			   u64 seed, u64 start, u64 count)
{
	int i;

	memset(j, 0, sizeof(*j));
	j->d = d;
	j->write = write;
	j->seed = seed;
	j->start = j->next = start;
	j->end = start + count;
	j->first_bad = j->first_other = ~0UL;
	j->chunk = ublk_max_request(d) / UBLK_SECTOR;
	if (j->chunk > UBLKWL_CHUNK)
		j->chunk = UBLKWL_CHUNK;
	if (!j->chunk) {
		user_printf("minios: blk %s: the device takes no request of a whole block\n",
			    d->name);
		return -1;
	}
	j->bufs = user_alloc((u64)UBLKWL_QD * UBLKWL_CHUNK * UBLK_SECTOR, 4096);
	if (!j->bufs) {
		user_printf("minios: blk %s: no memory for %d buffers of %d KiB\n",
			    d->name, UBLKWL_QD, UBLKWL_CHUNK / 2);
		return -1;
	}
	for (i = 0; i < UBLKWL_QD; i++)
		j->free[i] = i;
	j->nfree = UBLKWL_QD;
	return 0;
}

static void ublkwl_job_fail(struct ublkwl_job *j, int status, u64 sector)
{
	if (j->status == VBLK_S_OK) {
		j->status = status;
		j->fail_sector = sector;
	}
}

static void ublkwl_job_submit(struct ublkwl_job *j)
{
	struct ublk *d = j->d;

	while (j->status == VBLK_S_OK && j->next < j->end && j->nfree) {
		u64 n = j->end - j->next, i;
		u8 b = j->free[j->nfree - 1];
		u8 *buf = j->bufs + (u64)b * UBLKWL_CHUNK * UBLK_SECTOR;

		if (n > j->chunk)
			n = j->chunk;
		if (j->write)
			for (i = 0; i < n; i++)
				ublkwl_fill((u64 *)(buf + i * UBLK_SECTOR),
					    j->next + i, j->seed);
		if (ublk_submit(d, j->write ? VBLK_T_OUT : VBLK_T_IN, j->next,
				buf, n * UBLK_SECTOR, b) < 0) {
			/* all slots busy; nothing in flight: no way on */
			if (!d->ok || !d->nbusy)
				ublkwl_job_fail(j, d->ok ? UBLK_S_TIMEOUT :
						   UBLK_S_RESET, j->next);
			break;
		}
		j->nfree--;
		j->next += n;
	}
	ublk_kick(d);
}

static void ublkwl_job_done(struct ublkwl_job *j, int slot, int status)
{
	const struct ublk_slot *s = &j->d->slot[slot];
	const u8 *buf = j->bufs + s->tag * UBLKWL_CHUNK * UBLK_SECTOR;
	u64 i;

	j->free[j->nfree++] = s->tag;
	if (status != VBLK_S_OK) {
		ublkwl_job_fail(j, status, s->sector);
		return;
	}
	if (j->write)
		return;
	for (i = 0; i < s->len / UBLK_SECTOR; i++) {
		u64 sector = s->sector + i;

		switch (ublkwl_check((const u64 *)(buf + i * UBLK_SECTOR),
				     sector, j->seed)) {
		case 0:
			j->n_match++;
			continue;
		case 1:
			j->n_zero++;
			break;
		default:
			j->n_other++;
			if (sector < j->first_other)
				j->first_other = sector;
			break;
		}
		if (sector < j->first_bad)
			j->first_bad = sector;
	}
}

/*
 * Takes what completed; after 10 ms without a completion reads the device
 * status, and gives the disk up when it needs a reset or after
 * UBLK_STALL_US. Returns the requests still in flight.
 */
static int ublkwl_job_reap(struct ublkwl_job *j, u64 now)
{
	struct ublk *d = j->d;
	u64 hz = user_config_page.tsc_hz;
	int slot, status, r;

	while ((r = ublk_poll(d, &slot, &status)) > 0) {
		ublkwl_job_done(j, slot, status);
		j->last_progress = now;
	}
	if (r < 0) {
		ublkwl_job_fail(j, UBLK_S_RESET, j->next);
		j->nfree = UBLKWL_QD;
	}
	if (j->nfree == UBLKWL_QD || now - j->last_progress < hz / 100)
		return UBLKWL_QD - j->nfree;
	if (ublk_status(d) & ST_NEEDS_RESET)
		status = UBLK_S_RESET;
	else if (now - j->last_progress > hz / 1000000 * UBLK_STALL_US)
		status = UBLK_S_TIMEOUT;
	else
		return UBLKWL_QD - j->nfree;
	user_printf("minios: blk %s: %s with %d requests in flight (status 0x%02x avail %u used %u)\n",
		    d->name, ublk_status_name(status), UBLKWL_QD - j->nfree,
		    ublk_status(d), d->q.avail_idx, d->q.used[1]);
	d->ok = 0;
	ublkwl_job_fail(j, status, j->next);
	j->nfree = UBLKWL_QD;
	return 0;
}

/* Runs the jobs side by side (one per disk) to the end. */
static void ublkwl_run(struct ublkwl_job *jobs, int n)
{
	int i, busy;

	for (i = 0; i < n; i++) {
		if (!jobs[i].d->ok)
			ublkwl_job_fail(&jobs[i], UBLK_S_RESET, jobs[i].next);
		jobs[i].last_progress = rdtsc();
	}
	do {
		u64 now;

		busy = 0;
		for (i = 0; i < n; i++)
			ublkwl_job_submit(&jobs[i]);
		now = rdtsc();
		for (i = 0; i < n; i++) {
			struct ublkwl_job *j = &jobs[i];

			busy |= ublkwl_job_reap(j, now) ||
				(j->status == VBLK_S_OK && j->next < j->end);
		}
	} while (busy);
}

/* FLUSH where the device has it. */
static int ublkwl_flush(struct ublk *d)
{
	if (!(d->features & VBLK_F_FLUSH) || !d->ok)
		return d->ok ? VBLK_S_OK : UBLK_S_RESET;
	return ublk_sync(d, VBLK_T_FLUSH, 0, NULL, 0);
}

static u64 ublkwl_seed(const struct ublkwl *w, const struct ublk *d)
{
	return w->disk < 0 ? w->seed + d->idx : w->seed;
}

/* The disks a workload names: index w->disk, or all. */
static int ublkwl_disks(const struct ublkwl *w, struct ublk **out)
{
	int i, n = 0;

	for (i = 0; i < ublk_nr_disks; i++)
		if (w->disk < 0 || w->disk == i)
			out[n++] = &ublk_disks[i];
	return n;
}

static void ublkwl_report_fail(const char *name, const char *what,
			       const struct ublkwl_job *j)
{
	if (j->status != VBLK_S_OK)
		user_printf("minios: blk %s %s FAILED: %s at sector %lu\n",
			    name, what, ublk_status_name(j->status),
			    j->fail_sector);
	else
		user_printf("minios: blk %s %s FAILED sector=%lu start=%lu count=%lu seed=%lu (%lu match, %lu zero, %lu other)\n",
			    name, what, j->first_bad, j->start,
			    j->end - j->start, j->seed, j->n_match,
			    j->n_zero, j->n_other);
}

/* The job again from its start (run) or idle (not run), as a writer or reader. */
static void ublkwl_job_restart(struct ublkwl_job *j, int write, int run)
{
	j->write = write;
	j->next = run && j->status == VBLK_S_OK ? j->start : j->end;
	if (!write && run) {
		j->n_match = j->n_zero = j->n_other = 0;
		j->first_bad = j->first_other = ~0UL;
	}
}

/*
 * write: pattern, flush, read back; verify: read back only; once: read
 * back, and if the range is all zero (a fresh image: the first boot)
 * write it as write does; cycle: write with the pass's seed. Every disk
 * of the workload at once.
 */
static int ublkwl_pattern(struct ublkwl *w, int op)
{
	struct ublkwl_job jobs[MAX_BLK];
	struct ublk *disks[MAX_BLK];
	int n = ublkwl_disks(w, disks), i, rc = 0, writes[MAX_BLK];
	u64 mark = user_alloc_mark(), t0 = rdtsc();

	for (i = 0; i < n; i++) {
		if (ublkwl_job_init(&jobs[i], disks[i], 0,
				    ublkwl_seed(w, disks[i]) + w->pass,
				    w->start, w->count)) {
			rc = -1;
			goto out;
		}
		writes[i] = op != UW_VERIFY && op != UW_ONCE;
	}
	if (op == UW_ONCE) {
		ublkwl_run(jobs, n);
		for (i = 0; i < n; i++)
			writes[i] = jobs[i].status == VBLK_S_OK &&
				    jobs[i].n_zero == w->count;
	}
	for (i = 0; i < n; i++)
		ublkwl_job_restart(&jobs[i], 1, writes[i]);
	ublkwl_run(jobs, n);
	for (i = 0; i < n; i++) {
		if (writes[i] && jobs[i].status == VBLK_S_OK) {
			int st = ublkwl_flush(disks[i]);

			if (st != VBLK_S_OK)
				ublkwl_job_fail(&jobs[i], st, 0);
		}
		/* once: a range that was there already was just verified */
		ublkwl_job_restart(&jobs[i], 0, writes[i] || op != UW_ONCE);
	}
	ublkwl_run(jobs, n);
	for (i = 0; i < n; i++) {
		const struct ublkwl_job *j = &jobs[i];
		const char *what = op == UW_CYCLE ? "cycle" :
				   writes[i] ? "write" : "verify";

		if (j->status != VBLK_S_OK || j->n_match != w->count) {
			ublkwl_report_fail(disks[i]->name, what, j);
			rc = -1;
		} else if (op == UW_CYCLE) {
			user_printf("minios: blk %s cycle %lu ok start=%lu count=%lu seed=%lu\n",
				    disks[i]->name, w->pass, w->start, w->count,
				    j->seed);
		} else {
			user_printf("minios: blk %s %s ok start=%lu count=%lu seed=%lu us=%lu\n",
				    disks[i]->name, what, w->start, w->count,
				    j->seed, user_us(rdtsc() - t0));
		}
	}
out:
	user_alloc_release(mark);
	return rc;
}

/* One request, the range being read back into buf: its status. */
static int ublkwl_ro_try(struct ublk *d, u32 type, u64 sector, void *buf,
			 u32 len)
{
	return ublk_sync(d, type, sector, buf, len);
}

/*
 * A read-only disk: a write, a write-zeroes and a discard (where offered)
 * must each fail with IOERR, and the data read before and after match.
 */
static void ublkwl_ro(struct ublkwl *w, struct ublk *d)
{
	u64 mark = user_alloc_mark(), len = w->count * UBLK_SECTOR, i;
	u8 *before = user_alloc(len, 4096), *after = user_alloc(len, 4096);
	struct vblk_range *r = user_alloc(sizeof(*r), 64);
	int st_w, st_z = -1, st_d = -1, ok, same;

	if (!r || !len || len > 0x100000) {
		user_printf("minios: blk %s ro FAILED: %lu sectors do not fit the buffers\n",
			    d->name, w->count);
		goto out;
	}
	if (ublk_sync(d, VBLK_T_IN, w->start, before, len) != VBLK_S_OK) {
		user_printf("minios: blk %s ro FAILED: the first read failed\n",
			    d->name);
		goto out;
	}
	for (i = 0; i < w->count; i++)
		ublkwl_fill((u64 *)(after + i * UBLK_SECTOR), w->start + i,
			    0x726f);
	st_w = ublkwl_ro_try(d, VBLK_T_OUT, w->start, after, len);
	*r = (struct vblk_range){ w->start, w->count, 0 };
	if (d->features & VBLK_F_WRITE_ZEROES)
		st_z = ublkwl_ro_try(d, VBLK_T_WRITE_ZEROES, 0, r, sizeof(*r));
	if (d->features & VBLK_F_DISCARD)
		st_d = ublkwl_ro_try(d, VBLK_T_DISCARD, 0, r, sizeof(*r));
	memset(after, 0xa5, len);
	if (ublk_sync(d, VBLK_T_IN, w->start, after, len) != VBLK_S_OK) {
		user_printf("minios: blk %s ro FAILED: the read after the writes failed\n",
			    d->name);
		goto out;
	}
	same = !memcmp(before, after, len);
	ok = st_w == VBLK_S_IOERR && (st_z < 0 || st_z == VBLK_S_IOERR) &&
	     (st_d < 0 || st_d == VBLK_S_IOERR) && same;
	user_printf("minios: blk %s ro %s write=%s write_zeroes=%s discard=%s data=%s ro_feature=%d\n",
		    d->name, ok ? "ok" : "FAILED", ublk_status_name(st_w),
		    st_z < 0 ? "-" : ublk_status_name(st_z),
		    st_d < 0 ? "-" : ublk_status_name(st_d),
		    same ? "unchanged" : "CHANGED",
		    !!(d->features & VBLK_F_RO));
out:
	user_alloc_release(mark);
}

/* DISCARD or WRITE_ZEROES over [start, start + count), split by max. */
static int ublkwl_ranges(struct ublk *d, u32 type, u64 start, u64 count,
			 u32 max)
{
	struct vblk_range *r = user_alloc(sizeof(*r), 64);
	u32 align = d->blk_size / UBLK_SECTOR;
	int st = VBLK_S_OK;

	if (!r)
		return UBLK_S_TIMEOUT;
	if (!max || max > 0x400000)
		max = 0x400000;
	max = max / align * align;
	if (!max)
		max = align;
	while (count && st == VBLK_S_OK) {
		u32 n = count < max ? count : max;

		*r = (struct vblk_range){ start, n, 0 };
		st = ublk_sync(d, type, 0, r, sizeof(*r));
		start += n;
		count -= n;
	}
	return st;
}

static const char *ublkwl_zeroed(const struct ublkwl_job *j, u64 count)
{
	if (j->n_zero == count)
		return "zeroed";
	if (j->n_match == count)
		return "kept";
	return j->n_other ? "GARBAGE" : "partial";
}

/*
 * The range gets a pattern; its first half is discarded, its second half
 * written with zeroes; both are read back. Write-zeroes must read zero;
 * discarded sectors may read zero or keep their data (the device's
 * choice), nothing else.
 */
static void ublkwl_discard(struct ublkwl *w, struct ublk *d)
{
	u64 mark = user_alloc_mark(), half = w->count / 2;
	u32 align = d->blk_size / UBLK_SECTOR;
	struct ublkwl_job j1, j2;
	int st_d = -1, st_z = -1, ok;

	half = half / align * align;
	if (ublkwl_job_init(&j1, d, 1, 0xd15c, w->start, half) ||
	    ublkwl_job_init(&j2, d, 1, 0xd15c, w->start + half, w->count - half))
		goto out;
	ublkwl_run(&j1, 1);
	ublkwl_run(&j2, 1);
	if (j1.status != VBLK_S_OK || j2.status != VBLK_S_OK) {
		ublkwl_report_fail(d->name, "discard",
				   j1.status != VBLK_S_OK ? &j1 : &j2);
		goto out;
	}
	if (d->features & VBLK_F_DISCARD)
		st_d = ublkwl_ranges(d, VBLK_T_DISCARD, w->start, half,
				     d->max_discard_sectors);
	if (d->features & VBLK_F_WRITE_ZEROES)
		st_z = ublkwl_ranges(d, VBLK_T_WRITE_ZEROES, w->start + half,
				     w->count - half, d->max_wz_sectors);
	ublkwl_flush(d);
	ublkwl_job_restart(&j1, 0, 1);
	ublkwl_job_restart(&j2, 0, 1);
	ublkwl_run(&j1, 1);
	ublkwl_run(&j2, 1);
	ok = (st_d < 0 || st_d == VBLK_S_OK) && (st_z < 0 || st_z == VBLK_S_OK) &&
	     j1.status == VBLK_S_OK && j2.status == VBLK_S_OK && !j1.n_other &&
	     (st_z < 0 ? j2.n_match : j2.n_zero) == w->count - half &&
	     (st_d >= 0 || j1.n_match == half);
	user_printf("minios: blk %s discard %s start=%lu count=%lu discard=%s write_zeroes=%s\n",
		    d->name, ok ? "ok" : "FAILED", w->start, w->count,
		    st_d < 0 ? "unsupported" : st_d != VBLK_S_OK ?
		    ublk_status_name(st_d) : ublkwl_zeroed(&j1, half),
		    st_z < 0 ? "unsupported" : st_z != VBLK_S_OK ?
		    ublk_status_name(st_z) : ublkwl_zeroed(&j2, w->count - half));
out:
	user_alloc_release(mark);
}

/* One workload on its disk(s). */
static void ublkwl_run_one(struct ublkwl *w)
{
	struct ublk *disks[MAX_BLK];
	int n = ublkwl_disks(w, disks), i;

	for (i = 0; i < n; i++) {
		disks[i]->indirect_every = 2;
		disks[i]->split_every = 3;
	}
	switch (w->op) {
	case UW_WRITE:
	case UW_VERIFY:
	case UW_ONCE:
	case UW_CYCLE:
		if (ublkwl_pattern(w, w->op) && w->op == UW_CYCLE)
			w->stopped = 1;
		if (w->op == UW_CYCLE)
			w->pass++;
		break;
	case UW_RO:
		for (i = 0; i < n; i++)
			ublkwl_ro(w, disks[i]);
		break;
	case UW_DISCARD:
		for (i = 0; i < n; i++)
			ublkwl_discard(w, disks[i]);
		break;
	case UW_BENCH:
		for (i = 0; i < n; i++)
			ublkbench_run(disks[i], w->mode, w->qd, w->limit,
				      w->limit_s);
		break;
	}
}

static int ublkwl_lookup(const char *s, const char *const *names, int n,
			 const char **end)
{
	int i;

	for (i = 0; i < n; i++) {
		size_t l = lib_strlen(names[i]);

		if (!lib_strncmp(s, names[i], l) &&
		    (s[l] == ':' || s[l] == '\0' || s[l] == ' ')) {
			*end = s + l;
			return i;
		}
	}
	return -1;
}

/* ":N" into *v, if there is one. */
static void ublkwl_num(const char **s, u64 *v)
{
	if (**s != ':')
		return;
	*v = lib_strtou(*s + 1, s);
}

/*
 * OP:DISK[:...] (the text after "blk-"): see README. Returns 0, or -1
 * after saying what is wrong.
 */
static int ublkwl_parse(const char *spec, struct ublkwl *w)
{
	const char *s = spec, *e;
	struct ublk *d;
	u64 v = 0;

	memset(w, 0, sizeof(*w));
	w->op = ublkwl_lookup(s, ublkwl_ops, ARRAY_SIZE(ublkwl_ops), &s);
	if (w->op < 0 || *s != ':')
		goto bad;
	s++;
	if (!lib_strncmp(s, "all", 3)) {
		w->disk = -1;
		s += 3;
	} else if ((d = ublk_by_name(s, &e))) {
		w->disk = d->idx;
		s = e;
	} else {
		user_printf("minios: blk-%s: no such disk (%d found)\n", spec,
			    ublk_nr_disks);
		return -1;
	}
	w->seed = 1;
	w->count = w->op == UW_RO ? 8 : 2048;
	w->qd = 1;
	w->limit = 5;
	w->limit_s = 1;
	if (w->op == UW_BENCH) {
		if (*s != ':')
			goto bad;
		w->mode = ublkwl_lookup(s + 1, ublkbench_modes,
					UBLKBENCH_MODES, &s);
		if (w->mode < 0)
			goto bad;
		ublkwl_num(&s, &v);
		w->qd = v ? v : 1;
		if (*s == ':') {
			w->limit = lib_strtou(s + 1, &s);
			w->limit_s = *s == 's';
			s += w->limit_s;
		}
		if (!w->limit)
			goto bad;
	} else {
		if (w->op != UW_RO && w->op != UW_DISCARD)
			ublkwl_num(&s, &w->seed);
		ublkwl_num(&s, &w->start);
		ublkwl_num(&s, &w->count);
		if (!w->count)
			goto bad;
	}
	if (*s && *s != ' ')
		goto bad;
	return 0;
bad:
	user_printf("minios: blk-%s: not a disk workload (see the README)\n", spec);
	return -1;
}

/*
 * After the boot report: the disks, the hostile case if one was asked
 * for, then every disk workload but cycle, in command-line order.
 */
void ublkwl_start(void)
{
	struct user_config *cfg = &user_config_page;
	int i;

	ublk_init_all();
	if (!lib_strncmp(cfg->hostile3, "blk-", 4))
		ublkhostile_run(cfg->hostile3);
	for (i = 0; i < cfg->nr_workloads; i++) {
		struct ublkwl *w = &ublkwl_list[ublkwl_n];

		if (cfg->wl[i].kind != WL_BLK || ublkwl_parse(cfg->wl[i].spec, w))
			continue;
		ublkwl_n++;
		if (w->op != UW_CYCLE)
			ublkwl_run_one(w);
	}
}

/* Whether a workload runs on (cycle), so that the run does not end. */
int ublkwl_busy(void)
{
	int i;

	for (i = 0; i < ublkwl_n; i++)
		if (ublkwl_list[i].op == UW_CYCLE)
			return 1;
	return 0;
}

/* cycle: a pass whenever one is due, at most 10 a second. */
void ublkwl_tick(u64 now)
{
	int i;

	for (i = 0; i < ublkwl_n; i++) {
		struct ublkwl *w = &ublkwl_list[i];

		if (w->op != UW_CYCLE || w->stopped || now < w->next_tsc)
			continue;
		ublkwl_run_one(w);
		w->next_tsc = now + user_config_page.tsc_hz / 10;
	}
}

/* 'v' or a restore: the ranges written or verified are read back again. */
void ublkwl_verify(void)
{
	int i;

	for (i = 0; i < ublkwl_n; i++) {
		struct ublkwl *w = &ublkwl_list[i];

		if (w->op == UW_WRITE || w->op == UW_VERIFY || w->op == UW_ONCE)
			ublkwl_pattern(w, UW_VERIFY);
	}
}
