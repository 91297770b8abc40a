// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The virtio-balloon driver and its workload (workload=balloon[:OPTS], see
 * README), in ring 3: virtio 1.x over the PCI structures pci.c found, the
 * queues polled (no interrupts), num_pages re-read every poll= ms (each
 * read is an exit), actual written after each inflate or deflate buffer.
 * The pages it gives are the top of the user memory pool (uballoon.h).
 */
#include "uballoon.h"

#define UBALLOON_PAGE		4096UL
#define UBALLOON_MAGIC		0x62616c6c6f6f6e21UL	/* "balloon!" */

struct uballoon uballoon;

/* What workload=balloon asked for, and where it stands. */
static struct {
	int on;			/* a balloon workload runs */
	int ignore;		/* never inflate */
	u64 touch, report, keep;	/* bytes */
	u64 poll;		/* TSC ticks between num_pages reads */
	u64 next_poll;
	u64 touch_base;		/* the touched pages: [touch_base, hi) */
	u32 target;		/* num_pages as last read */
	int shown;		/* an "actual" line was printed for ... */
	u32 shown_actual, shown_target;	/* ... these */
	u32 capped;		/* the last target said to be out of reach */
	u64 retouched, retouch_bad, retouch_first;
	u64 gen, written, since;	/* ignore: rewriting the touched pages */
} uballoon_wl;

/* keep=: the working set the balloon never takes, [lo, lo + keep). */
#define UBALLOON_KEEP_GEN	2UL

/* Fills a page with a pattern of its address and gen (never zero). */
static void uballoon_fill(u64 *p, u64 gen)
{
	int i;

	for (i = 0; i < 512; i++)
		p[i] = (((u64)&p[i] * 0x9e3779b97f4a7c15UL) ^ gen ^ UBALLOON_MAGIC) | 1;
}

/* 1 if the page holds uballoon_fill(p, gen)'s pattern. */
static int uballoon_holds(const volatile u64 *p, u64 gen)
{
	int i;

	for (i = 0; i < 512; i++)
		if (p[i] != ((((u64)&p[i] * 0x9e3779b97f4a7c15UL) ^ gen ^ UBALLOON_MAGIC) | 1))
			return 0;
	return 1;
}

/* keep=: every page of the working set checked, a line saying how. */
static void uballoon_keep_check(const struct uballoon *b)
{
	u64 a, pages = 0, bad = 0, first = 0;

	for (a = b->lo; a < b->lo + uballoon_wl.keep; a += UBALLOON_PAGE, pages++)
		if (!uballoon_holds((const u64 *)a, UBALLOON_KEEP_GEN) && !bad++)
			first = a;
	if (bad)
		user_printf("minios: balloon keep FAILED pages=%lu bad=%lu first=0x%lx\n",
			    pages, bad, first);
	else
		user_printf("minios: balloon keep ok pages=%lu\n", pages);
}

static int uballoon_is_zero(const volatile u64 *p)
{
	int i;

	for (i = 0; i < 512; i++)
		if (p[i])
			return 0;
	return 1;
}

/* The pool slack and the area neither in the balloon nor touched. */
static u64 uballoon_free_bytes(const struct uballoon *b)
{
	u64 top = b->hi - (u64)b->actual * UBALLOON_PAGE, mark = user_alloc_mark();
	u64 free = mark < b->lo ? b->lo - mark : 0, bottom = b->lo + uballoon_wl.keep;

	if (uballoon_wl.touch_base && uballoon_wl.touch_base < top)
		top = uballoon_wl.touch_base;
	return free + (top > bottom ? top - bottom : 0);
}

/* The statistics, as they are now, in the buffer the device reads. */
static void uballoon_stats_fill(struct uballoon *b)
{
	u64 total = user_config_page.ram_bytes - (u64)b->actual * UBALLOON_PAGE;
	u64 free = uballoon_free_bytes(b);
	u64 val[VBAL_NR_STATS] = { 0 };
	u16 i;

	val[VBAL_S_MEMFREE] = free;
	val[VBAL_S_MEMTOT] = total;
	val[VBAL_S_AVAIL] = free;
	for (i = 0; i < VBAL_NR_STATS; i++) {
		b->stat[i].tag = i;
		b->stat[i].val = val[i];
	}
}

/*
 * Sends the statistics: a line for the first ten and then every 100th
 * (the device may ask every second).
 */
static void uballoon_stats_send(struct uballoon *b)
{
	uballoon_stats_fill(b);
	b->stats.desc[0] = (struct vring_desc){
		(u64)b->stat, VBAL_NR_STATS * sizeof(*b->stat), 0, 0 };
	uvq_post(&b->stats, 0);
	uvq_kick(&b->stats);
	b->nr_stats_sent++;
	if (b->nr_stats_sent <= 10 || b->nr_stats_sent % 100 == 0)
		user_printf("minios: balloon stats sent %lu total=%lu free=%lu\n",
			    b->nr_stats_sent, b->stat[VBAL_S_MEMTOT].val,
			    b->stat[VBAL_S_MEMFREE].val);
}

/*
 * Reset, features, the queues the features call for (inflate 0, deflate
 * 1, then stats and reporting where negotiated: no free page hints),
 * DRIVER_OK, actual. Returns 0, or -1 with *why_r. The first statistics
 * go when the workload starts (uballoon_start()).
 */
int uballoon_reset(struct uballoon *b, const char **why_r)
{
	u16 q = 0;

	b->ok = 0;
	if (uvirtio_start(b->pci, b->want, &b->features, why_r) ||
	    uvirtio_queue(b->pci, q++, &b->inflate, 1, why_r) ||
	    uvirtio_queue(b->pci, q++, &b->deflate, 1, why_r))
		return -1;
	if ((b->features & VBAL_F_STATS_VQ) &&
	    uvirtio_queue(b->pci, q++, &b->stats, 1, why_r))
		return -1;
	if ((b->features & VBAL_F_REPORTING) &&
	    uvirtio_queue(b->pci, q++, &b->report, 1, why_r))
		return -1;
	b->nr_queues = q;
	if (uvirtio_driver_ok(b->pci, why_r))
		return -1;
	b->ok = 1;
	uvirtio_cfg_w32(b->pci, VBAL_CFG_ACTUAL, b->actual);
	return 0;
}

/*
 * Posts the chain at head, notifies, waits for the device to use it.
 * Returns 0, or -1 (a line says why; the device is given up).
 */
int uballoon_xfer(struct uballoon *b, struct uvq *q, u16 head,
		  const char *what)
{
	u16 before = q->last_used;
	u32 id;
	int r;

	uvq_post(q, head);
	uvq_kick(q);
	r = uvq_await(q, b->pci, before, UBALLOON_TIMEOUT_US, &id);
	if (r > 0)
		return 0;
	user_printf("minios: balloon %s: %s (status 0x%02x): the balloon stops\n",
		    what, r ? "no answer in 5 s" : "the device needs a reset",
		    uvirtio_status(b->pci));
	b->ok = 0;
	return -1;
}

/*
 * Pages given back that had been touched must read as zero (the host
 * dropped them); they are touched again.
 */
static void uballoon_retouch(u64 first, u32 n)
{
	u64 a, end = first + (u64)n * UBALLOON_PAGE;

	if (first < uballoon_wl.touch_base)
		first = uballoon_wl.touch_base;
	for (a = first; a < end; a += UBALLOON_PAGE) {
		if (!uballoon_is_zero((u64 *)a) && !uballoon_wl.retouch_bad++)
			uballoon_wl.retouch_first = a;
		uballoon_fill((u64 *)a, 0);
		uballoon_wl.retouched++;
	}
}

/* Inflates (or deflates) the balloon by n pages, one buffer. */
static int uballoon_move(struct uballoon *b, int inflate, u32 n)
{
	u64 bottom = b->hi - (u64)b->actual * UBALLOON_PAGE;
	u64 first = inflate ? bottom - (u64)n * UBALLOON_PAGE : bottom;
	struct uvq *q = inflate ? &b->inflate : &b->deflate;
	u32 i;

	for (i = 0; i < n; i++)
		b->pfns[i] = (first / UBALLOON_PAGE) + i;
	q->desc[0] = (struct vring_desc){ (u64)b->pfns, 4 * n, 0, 0 };
	if (uballoon_xfer(b, q, 0, inflate ? "inflate" : "deflate"))
		return -1;
	b->actual = inflate ? b->actual + n : b->actual - n;
	uvirtio_cfg_w32(b->pci, VBAL_CFG_ACTUAL, b->actual);
	if (!inflate && uballoon_wl.touch_base)
		uballoon_retouch(first, n);
	return 0;
}

/* Moves the balloon to the target (or as near as its pages allow). */
static void uballoon_follow(struct uballoon *b, u32 target)
{
	u32 max = (b->hi - b->lo - uballoon_wl.keep) / UBALLOON_PAGE, want = target, n;

	if (want > max) {
		if (uballoon_wl.capped != target)
			user_printf("minios: balloon target %u pages: at most %u can be given\n",
				    target, max);
		uballoon_wl.capped = target;
		want = max;
	}
	while (b->ok && b->actual != want) {
		n = b->actual < want ? want - b->actual : b->actual - want;
		if (n > UBALLOON_PFNS)
			n = UBALLOON_PFNS;
		if (uballoon_move(b, b->actual < want, n))
			return;
	}
	if (uballoon_wl.retouched) {
		if (uballoon_wl.retouch_bad)
			user_printf("minios: balloon retouch FAILED pages=%lu nonzero=%lu first=0x%lx\n",
				    uballoon_wl.retouched, uballoon_wl.retouch_bad,
				    uballoon_wl.retouch_first);
		else
			user_printf("minios: balloon retouch ok pages=%lu\n",
				    uballoon_wl.retouched);
		uballoon_wl.retouched = uballoon_wl.retouch_bad = 0;
	}
	if (uballoon_wl.shown && uballoon_wl.shown_actual == b->actual &&
	    uballoon_wl.shown_target == target)
		return;
	if (uballoon_wl.keep && b->ok && b->actual == want)
		uballoon_keep_check(b);
	user_printf("minios: balloon actual %u pages (target %u)\n", b->actual,
		    target);
	uballoon_wl.shown = 1;
	uballoon_wl.shown_actual = b->actual;
	uballoon_wl.shown_target = target;
}

/*
 * report=MiB: the bottom of the area, written first (so that the host
 * has it), reported free in ranges of up to 1 MiB, UBALLOON_REPORT_RANGES
 * per buffer, then read: a page the host dropped reads as zero.
 */
static void uballoon_report(struct uballoon *b, u64 bytes)
{
	u64 lo = b->lo + uballoon_wl.keep, end = lo + bytes, a, zero = 0, pages = 0, ranges = 0;
	struct vring_desc *t = b->report.desc;
	u16 n;

	if (!(b->features & VBAL_F_REPORTING)) {
		user_printf("minios: balloon report: free page reporting not negotiated\n");
		return;
	}
	if (uballoon_wl.touch_base && end > uballoon_wl.touch_base)
		end = uballoon_wl.touch_base;
	if (end > b->hi - (u64)b->actual * UBALLOON_PAGE)
		end = b->hi - (u64)b->actual * UBALLOON_PAGE;
	for (a = lo; a < end; a += UBALLOON_PAGE)
		uballoon_fill((u64 *)a, 1);
	for (a = lo; a < end && b->ok;) {
		for (n = 0; n < UBALLOON_REPORT_RANGES && a < end; n++) {
			u64 len = end - a < (1UL << 20) ? end - a : 1UL << 20;

			t[n] = (struct vring_desc){ a, len, DESC_WRITE | DESC_NEXT,
						    n + 1 };
			a += len;
		}
		t[n - 1].flags = DESC_WRITE;
		ranges += n;
		if (uballoon_xfer(b, &b->report, 0, "report"))
			return;
	}
	for (a = lo; a < end; a += UBALLOON_PAGE, pages++)
		zero += uballoon_is_zero((u64 *)a);
	user_printf("minios: balloon reported %lu pages in %lu ranges: %lu zero, %lu kept\n",
		    pages, ranges, zero, pages - zero);
}

/* The options after "balloon" (see README): 0, or -1 after a line. */
static int uballoon_parse(const char *s)
{
	const char *e, *v;
	u64 poll = 20;

	while (*s) {
		if (*s == ':' || *s == ',') {
			s++;
			continue;
		}
		if (!lib_strncmp(s, "touch=", 6) || !lib_strncmp(s, "report=", 7) ||
		    !lib_strncmp(s, "poll=", 5) || !lib_strncmp(s, "keep=", 5)) {
			v = s[0] == 't' ? s + 6 : s[0] == 'r' ? s + 7 : s + 5;
			if (s[0] == 't')
				uballoon_wl.touch = lib_strtou(v, &e) << 20;
			else if (s[0] == 'r')
				uballoon_wl.report = lib_strtou(v, &e) << 20;
			else if (s[0] == 'k')
				uballoon_wl.keep = lib_strtou(v, &e) << 20;
			else
				poll = lib_strtou(v, &e);
			if (e == v)
				goto bad;
			s = e;
		} else if (!lib_strncmp(s, "nostats", 7)) {
			uballoon.want &= ~VBAL_F_STATS_VQ;
			s += 7;
		} else if (!lib_strncmp(s, "noreport", 8)) {
			uballoon.want &= ~VBAL_F_REPORTING;
			s += 8;
		} else if (!lib_strncmp(s, "nooom", 5)) {
			uballoon.want &= ~VBAL_F_DEFLATE_ON_OOM;
			s += 5;
		} else if (!lib_strncmp(s, "ignore", 6)) {
			uballoon_wl.ignore = 1;
			s += 6;
		} else {
			goto bad;
		}
		if (*s && *s != ':' && *s != ',')
			goto bad;
	}
	uballoon_wl.poll = user_config_page.tsc_hz / 1000 * (poll ? poll : 1);
	return 0;
bad:
	user_printf("minios: balloon: bad option at \"%s\" (see the README)\n", s);
	return -1;
}

/* ignore: the touched pages rewritten, all of them once a second. */
static void uballoon_rewrite(u64 now)
{
	u64 pages = (uballoon.hi - uballoon_wl.touch_base) / UBALLOON_PAGE;
	u64 hz = user_config_page.tsc_hz, el = now - uballoon_wl.since;
	u64 due = el / hz * pages + el % hz * pages / hz, n = 0;

	while (uballoon_wl.written < due && n++ < 4096) {
		u64 page = uballoon_wl.written++ % pages;

		if (!page)
			uballoon_wl.gen++;
		uballoon_fill((u64 *)(uballoon_wl.touch_base + page * UBALLOON_PAGE),
			      uballoon_wl.gen);
	}
}

/*
 * After the network cards: the device (if a balloon workload or case asks
 * for it), the hostile case, then the workload's touch= and report=.
 */
void uballoon_start(void)
{
	struct user_config *cfg = &user_config_page;
	struct uballoon *b = &uballoon;
	const char *spec = NULL, *why = NULL;
	u64 a;
	int i;

	for (i = 0; i < cfg->nr_workloads && !spec; i++)
		if (cfg->wl[i].kind == WL_BALLOON)
			spec = cfg->wl[i].spec;
	if (!spec && lib_strncmp(cfg->hostile3, "balloon-", 8))
		return;
	b->want = VBAL_F_STATS_VQ | VBAL_F_DEFLATE_ON_OOM | VBAL_F_REPORTING;
	if (spec && uballoon_parse(spec))
		return;
	if (!cfg->nr_balloon) {
		user_printf("minios: balloon: no virtio-balloon device\n");
		return;
	}
	b->pci = &cfg->balloon;
	if (!b->pci->ok)
		return;			/* pci.c said why */
	b->pfns = user_alloc(4 * UBALLOON_PFNS, 64);
	b->stat = user_alloc(VBAL_NR_STATS * sizeof(*b->stat), 64);
	if (!b->stat || uvq_alloc(&b->inflate, UBALLOON_QSIZE) ||
	    uvq_alloc(&b->deflate, UBALLOON_QSIZE) ||
	    uvq_alloc(&b->stats, UBALLOON_QSIZE) ||
	    uvq_alloc(&b->report, UBALLOON_QSIZE)) {
		user_printf("minios: balloon: no memory for its queues\n");
		return;
	}
	b->lo = (user_alloc_mark() + UBALLOON_RESERVE + 0x1fffff) & ~0x1fffffUL;
	b->hi = cfg->dma_mem_end & ~(UBALLOON_PAGE - 1);
	if (b->lo >= b->hi || user_alloc_limit(b->lo)) {
		user_printf("minios: balloon: no memory to give (pool 0x%lx-0x%lx)\n",
			    cfg->dma_mem, cfg->dma_mem_end);
		return;
	}
	b->offered = uvirtio_offered(b->pci);
	if (uballoon_reset(b, &why)) {
		user_printf("minios: balloon 00:%02x.%x: %s (status 0x%02x)\n",
			    b->pci->dev, b->pci->fn, why, uvirtio_status(b->pci));
		return;
	}
	user_printf("minios: balloon features=0x%lx offered=0x%lx stats=%d report=%d deflate_on_oom=%d queues=%u pages=%lu area=0x%lx-0x%lx pci=00:%02x.%x\n",
		    b->features, b->offered, !!(b->features & VBAL_F_STATS_VQ),
		    !!(b->features & VBAL_F_REPORTING),
		    !!(b->features & VBAL_F_DEFLATE_ON_OOM), b->nr_queues,
		    (b->hi - b->lo) / UBALLOON_PAGE, b->lo, b->hi, b->pci->dev,
		    b->pci->fn);
	if (!lib_strncmp(cfg->hostile3, "balloon-", 8))
		uballoonhostile_run(cfg->hostile3);
	if (!spec || !b->ok)
		return;
	if (uballoon_wl.keep) {
		if (uballoon_wl.keep > (b->hi - b->lo) / 2)
			uballoon_wl.keep = ((b->hi - b->lo) / 2) & ~(UBALLOON_PAGE - 1);
		for (a = b->lo; a < b->lo + uballoon_wl.keep; a += UBALLOON_PAGE)
			uballoon_fill((u64 *)a, UBALLOON_KEEP_GEN);
		user_printf("minios: balloon keep %lu MiB at 0x%lx-0x%lx\n",
			    uballoon_wl.keep >> 20, b->lo, b->lo + uballoon_wl.keep);
	}
	if (uballoon_wl.touch) {
		if (uballoon_wl.touch > b->hi - b->lo - uballoon_wl.keep)
			uballoon_wl.touch = (b->hi - b->lo - uballoon_wl.keep) & ~(UBALLOON_PAGE - 1);
		uballoon_wl.touch_base = b->hi - uballoon_wl.touch;
		for (a = uballoon_wl.touch_base; a < b->hi; a += UBALLOON_PAGE)
			uballoon_fill((u64 *)a, 0);
		user_printf("minios: balloon touched %lu MiB at 0x%lx-0x%lx\n",
			    uballoon_wl.touch >> 20, uballoon_wl.touch_base, b->hi);
	}
	if (uballoon_wl.report)
		uballoon_report(b, uballoon_wl.report);
	if (uballoon_wl.ignore)
		user_printf("minios: balloon ignore: the target is not followed\n");
	if (b->features & VBAL_F_STATS_VQ)
		uballoon_stats_send(b);
	uballoon_wl.on = 1;
	uballoon_wl.since = rdtsc();
	uballoon_wl.next_poll = uballoon_wl.since;
}

/* From the workload loop: the next time it wants to run. */
u64 uballoon_run(u64 now)
{
	struct uballoon *b = &uballoon;
	u32 id, len, target;

	if (!uballoon_wl.on || !b->ok)
		return ~0UL;
	if ((b->features & VBAL_F_STATS_VQ) && uvq_used(&b->stats, &id, &len))
		uballoon_stats_send(b);
	if (now >= uballoon_wl.next_poll) {
		target = uvirtio_cfg32(b->pci, VBAL_CFG_NUM_PAGES);
		if (!uballoon_wl.ignore) {
			uballoon_follow(b, target);
		} else if (!uballoon_wl.shown || target != uballoon_wl.target) {
			user_printf("minios: balloon ignore target %u pages (actual 0)\n",
				    target);
			uballoon_wl.shown = 1;
		}
		uballoon_wl.target = target;
		uballoon_wl.next_poll = rdtsc() + uballoon_wl.poll;
	}
	if (uballoon_wl.ignore && uballoon_wl.touch) {
		uballoon_rewrite(now);
		if (uballoon_wl.next_poll > now + user_config_page.tsc_hz / 100)
			return now + user_config_page.tsc_hz / 100;
	}
	return uballoon_wl.next_poll;
}
