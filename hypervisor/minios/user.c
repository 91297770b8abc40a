// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ring-3 workloads. This file is linked into user pages; it reaches the
 * kernel only through its system call (ud2, see minios.h) and reads its configuration from
 * user_config_page, which the kernel fills before entering ring 3.
 */
#include "minios.h"
#include "ublk.h"
#include "unet.h"
#include "uballoon.h"

struct user_config user_config_page __attribute__((aligned(64)));
u8 user_stack[16384] __attribute__((aligned(16)));
/* The kernel's copy of the command line, here so that ring 3 can print it. */
char boot_cmdline[4096];

struct user_dirty {
	u64 *base;
	u64 *sums;
	u64 pages;
	u64 pages_per_s;
	u64 written;		/* pages written so far, round robin */
	u64 gen;
};

struct user_counter {
	u64 next;
	u64 period;
	u64 n;
};

static struct user_dirty user_dirty[MAX_WORKLOADS];
static struct user_counter user_counter[MAX_WORKLOADS];
static u64 user_mem_next, user_mem_end;

long user_syscall(long nr, long a, long b)
{
	long r;

	__asm__ volatile("ud2" : "=a"(r) : "a"(nr), "D"(a), "S"(b)
			 : "memory");
	return r;
}

u64 user_us(u64 t)
{
	u64 hz = user_config_page.tsc_hz;

	return t / hz * 1000000 + t % hz * 1000000 / hz;
}

u64 user_tsc_after_us(u64 us)
{
	return rdtsc() + user_config_page.tsc_hz / 1000000 * us;
}

static void user_alloc_init(void)
{
	if (user_mem_next)
		return;
	user_mem_next = user_config_page.dma_mem;
	user_mem_end = user_config_page.dma_mem_end;
}

/*
 * User memory for the devices' rings and buffers, given out from
 * user_config.dma_mem; nothing is freed but by going back to a mark.
 */
void *user_alloc(u64 size, u64 align)
{
	u64 a;

	user_alloc_init();
	a = (user_mem_next + align - 1) & ~(align - 1);
	if (!a || a + size < a || a + size > user_mem_end)
		return NULL;
	user_mem_next = a + size;
	return (void *)a;
}

u64 user_alloc_mark(void)
{
	user_alloc_init();
	return user_mem_next;
}

/*
 * Ends the pool at end, leaving [end, dma_mem_end) to the balloon
 * (uballoon.c): 0, or -1 if that is given out already.
 */
int user_alloc_limit(u64 end)
{
	user_alloc_init();
	if (end < user_mem_next || end > user_config_page.dma_mem_end)
		return -1;
	user_mem_end = end;
	return 0;
}

void user_alloc_release(u64 mark)
{
	user_mem_next = mark;
}

/* Appends s to out (of size n, at *len) with each "\n" as "\r\n". */
static void user_crlf(char *out, size_t n, size_t *len, const char *s)
{
	for (; *s && *len + 2 < n; s++) {
		if (*s == '\n')
			out[(*len)++] = '\r';
		out[(*len)++] = *s;
	}
}

void user_printf(const char *fmt, ...)
{
	char buf[256], out[512];
	__builtin_va_list ap;
	size_t len = 0;

	__builtin_va_start(ap, fmt);
	lib_vsnprintf(buf, sizeof(buf), fmt, ap);
	__builtin_va_end(ap);
	user_crlf(out, sizeof(out), &len, buf);
	user_syscall(SYS_WRITE, (long)out, len);
}

/* The boot lines, from what the kernel found, in one system call. */
static void user_boot_report(const struct boot_report *b)
{
	char out[4096], line[256], cmdline[200];
	size_t len = 0;
	int i;

	if (b->acpi_tables >= 0) {
		lib_snprintf(line, sizeof(line), "minios: acpi ok tables=%d\n",
			     b->acpi_tables);
		user_crlf(out, sizeof(out), &len, line);
	}
	for (i = 0; i < b->nr_pci; i++) {
		lib_snprintf(line, sizeof(line),
			     "minios: pci 00:%02x.%x vendor=%04x device=%04x class=%06x\n",
			     b->pci[i].dev, b->pci[i].fn, b->pci[i].id & 0xffff,
			     b->pci[i].id >> 16, b->pci[i].class);
		user_crlf(out, sizeof(out), &len, line);
	}
	for (i = 0; i < (int)sizeof(cmdline) - 1 && boot_cmdline[i]; i++)
		cmdline[i] = boot_cmdline[i];
	cmdline[i] = '\0';
	lib_snprintf(line, sizeof(line),
		     "minios: boot ok vcpus=%d mem=%lu cmdline=\"%s\"\n",
		     b->nr_cpus, b->mem_mib, cmdline);
	user_crlf(out, sizeof(out), &len, line);
	if (b->virtio_ok)
		user_crlf(out, sizeof(out), &len,
			  "minios: virtio-console ok\n");
	lib_snprintf(line, sizeof(line), "minios: timer ok ticks=%lu\n",
		     b->timer_ticks);
	user_crlf(out, sizeof(out), &len, line);
	user_syscall(SYS_WRITE, (long)out, len);
}

static u64 user_page_fill(u64 *p, u64 page, u64 gen)
{
	u64 v = (page + 1) * 0x9e3779b97f4a7c15UL ^ (gen << 20), sum = 0;
	int i;

	for (i = 0; i < 512; i++) {
		v = v * 6364136223846793005UL + 1442695040888963407UL;
		p[i] = v;
		sum = (sum ^ v) * 0x100000001b3UL;
	}
	return sum;
}

static u64 user_page_sum(const volatile u64 *p)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < 512; i++)
		sum = (sum ^ p[i]) * 0x100000001b3UL;
	return sum;
}

static void user_dirty_write(struct user_dirty *d, u64 elapsed)
{
	u64 due = elapsed / user_config_page.tsc_hz * d->pages_per_s +
		  elapsed % user_config_page.tsc_hz * d->pages_per_s /
		  user_config_page.tsc_hz;
	u64 n = 0;

	while (d->written < due && n++ < 4096) {
		u64 page = d->written % d->pages;

		if (!page)
			d->gen++;
		d->sums[page] = user_page_fill(d->base + page * 512, page,
					       d->gen);
		d->written++;
	}
}

static void user_dirty_verify(void)
{
	int i, any = 0;

	for (i = 0; i < user_config_page.nr_workloads; i++) {
		struct user_dirty *d = &user_dirty[i];
		u64 n, page;

		if (!d->pages)
			continue;
		any = 1;
		n = d->written < d->pages ? d->written : d->pages;
		for (page = 0; page < n; page++)
			if (user_page_sum(d->base + page * 512) != d->sums[page]) {
				user_printf("minios: dirty verify FAILED page=%lu\n",
					    page);
				break;
			}
		if (page == n)
			user_printf("minios: dirty verify ok pages=%lu\n", n);
	}
	if (!any)
		user_printf("minios: dirty verify ok pages=0\n");
}

void user_main(void)
{
	struct user_config *cfg = &user_config_page;
	u64 hz = cfg->tsc_hz, end = ~0UL, now;
	int i, busy = 0, finite;

	user_boot_report(&cfg->boot);
	if (cfg->initrd_size)
		user_printf("minios: initrd size=%lu crc32=%08x\n",
			    cfg->initrd_size,
			    lib_crc32(0, (const void *)cfg->initrd_addr,
				      cfg->initrd_size));
	/* the disks, their hostile case and one-shot workloads */
	ublkwl_start();
	/* the network cards, their hostile case, the addresses */
	unetwl_start();
	/* the balloon, its hostile case, memory it touches */
	uballoon_start();
	if (!cfg->nr_workloads)
		user_syscall(SYS_EXIT, 0, 0);
	busy = ublkwl_busy();
	for (i = 0; i < cfg->nr_workloads; i++)
		if (cfg->wl[i].kind != WL_BLK && cfg->wl[i].kind != WL_NET)
			break;
	/* only disk workloads and network ones that end (send, ping) */
	finite = i == cfg->nr_workloads && !busy && !unetwl_forever() &&
		 !cfg->runtime_s;
	if (cfg->runtime_s)
		end = cfg->start_tsc + cfg->runtime_s * hz;
	for (i = 0; i < cfg->nr_workloads; i++) {
		struct workload *w = &cfg->wl[i];

		if (w->kind == WL_COUNTER) {
			user_counter[i].period = hz / w->arg1;
			user_counter[i].next = cfg->start_tsc;
			user_printf("minios: workload counter at %u Hz\n",
				    w->arg1);
		} else if (w->kind == WL_IDLE) {
			user_printf("minios: workload idle\n");
		} else if (w->kind == WL_DIRTY && w->arg1 && w->base) {
			struct user_dirty *d = &user_dirty[i];

			d->base = (u64 *)w->base;
			d->pages = (u64)w->arg1 << 8;
			d->sums = d->base + d->pages * 512;
			d->pages_per_s = (u64)w->arg2 << 8;
			busy = 1;
			user_printf("minios: dirty %u MiB at %u MiB/s (0x%lx)\n",
				    w->arg1, w->arg2, w->base);
		}
	}
	for (;;) {
		u64 wake = end, net;
		long ev;

		now = rdtsc();
		if (finite && unetwl_done()) {
			unetwl_finish();
			user_syscall(SYS_EXIT, 0, 0);	/* all done */
		}
		if (now >= end) {
			if (cfg->verify_at_end) {
				user_dirty_verify();
				ublkwl_verify();
			}
			unetwl_finish();
			user_syscall(SYS_EXIT, 0, 0);
		}
		ublkwl_tick(now);
		for (i = 0; i < cfg->nr_workloads; i++) {
			struct user_counter *c = &user_counter[i];

			if (!c->period)
				continue;
			if (now >= c->next) {
				user_printf("minios: counter %lu\n", c->n++);
				c->next += c->period;
				if (now > c->next + 10 * c->period)
					c->next = now + c->period;
			}
			if (c->next < wake)
				wake = c->next;
		}
		for (i = 0; i < cfg->nr_workloads; i++)
			if (user_dirty[i].pages)
				user_dirty_write(&user_dirty[i],
						 now - cfg->start_tsc);
		if (busy && now + hz / 100 < wake)
			wake = now + hz / 100;
		net = unetwl_run(now, wake);
		if (net < wake)
			wake = net;
		net = uballoon_run(now);
		if (net < wake)
			wake = net;
		ev = user_syscall(SYS_SLEEP, wake, 0);
		if (ev & EV_VERIFY) {
			user_dirty_verify();
			ublkwl_verify();
		}
	}
}
