/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xl top: what the domains use, as Xen's xentop shows it, sampled by hvd
 * (hv_domain_stats_all(), docs/metering.md).  On a terminal it redraws in
 * place (plain ANSI) until q; with -b it prints one table per iteration,
 * with --json one JSON object per line, for programs.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "xl.h"

#define TOP_DELAY_MAX	3600.0

/* One row of the table: a domain, or the host as Domain-0. */
struct top_row {
	char name[HV_DOMAIN_NAME_MAX + 1];
	char state[7];
	uint32_t domid;
	bool has_cpu, has_mem;
	double cpu_s, cpu_pct;
	uint64_t mem_k, maxmem_k;
	double mem_pct, maxmem_pct;
	unsigned int vcpus, nets, vbds;
	uint64_t nettx_k, netrx_k;
	bool has_vbd;			/* a disk with counters */
	uint64_t vbd_rd, vbd_wr, vbd_rsect, vbd_wsect;
};

enum top_col {
	COL_NAME, COL_STATE, COL_CPU_S, COL_CPU_PCT, COL_MEM, COL_MEM_PCT, COL_MAXMEM,
	COL_MAXMEM_PCT, COL_VCPUS, COL_NETS, COL_NETTX, COL_NETRX, COL_VBDS, COL_VBD_RD,
	COL_VBD_WR, COL_VBD_RSECT, COL_VBD_WSECT, COL_NR
};

static const char *const col_names[COL_NR] = {
	"NAME", "STATE", "CPU(sec)", "CPU(%)", "MEM(k)", "MEM(%)", "MAXMEM(k)", "MAXMEM(%)",
	"VCPUS", "NETS", "NETTX(k)", "NETRX(k)", "VBDS", "VBD_RD", "VBD_WR", "VBD_RSECT",
	"VBD_WSECT",
};

static volatile sig_atomic_t top_stop;

static void top_on_signal(int sig)
{
	top_stop = sig;
}

/* -s COLUMN: a column's name, with or without its unit, in any case. */
static int top_col_find(const char *name)
{
	size_t n = strcspn(name, "(");

	for (int i = 0; i < COL_NR; i++) {
		size_t m = strcspn(col_names[i], "(");

		if (!strcasecmp(name, col_names[i]) ||
		    (n == strlen(name) && n == m && !strncasecmp(name, col_names[i], n) &&
		     !strchr(col_names[i], '%')))
			return i;
	}
	/* "CPU" alone is CPU(sec)'s, "CPU%" CPU(%)'s, and the same for the others */
	for (int i = 0; i < COL_NR; i++) {
		char alt[16];
		size_t m = strcspn(col_names[i], "(");

		if (!strchr(col_names[i], '%'))
			continue;
		snprintf(alt, sizeof(alt), "%.*s%%", (int)m, col_names[i]);
		if (!strcasecmp(name, alt))
			return i;
	}
	return -1;
}

static double top_num(const struct top_row *r, int col)
{
	switch (col) {
	case COL_CPU_S:
		return r->cpu_s;
	case COL_CPU_PCT:
		return r->cpu_pct;
	case COL_MEM:
		return (double)r->mem_k;
	case COL_MEM_PCT:
		return r->mem_pct;
	case COL_MAXMEM:
		return (double)r->maxmem_k;
	case COL_MAXMEM_PCT:
		return r->maxmem_pct;
	case COL_VCPUS:
		return r->vcpus;
	case COL_NETS:
		return r->nets;
	case COL_NETTX:
		return (double)r->nettx_k;
	case COL_NETRX:
		return (double)r->netrx_k;
	case COL_VBDS:
		return r->vbds;
	case COL_VBD_RD:
		return (double)r->vbd_rd;
	case COL_VBD_WR:
		return (double)r->vbd_wr;
	case COL_VBD_RSECT:
		return (double)r->vbd_rsect;
	case COL_VBD_WSECT:
		return (double)r->vbd_wsect;
	default:
		return 0;
	}
}

static int top_sort_col = -1;

/* NAME and STATE ascending, numbers descending (the biggest user first), ties by domid. */
static int top_cmp(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;
	int c = 0;

	if (top_sort_col == COL_NAME)
		c = strcmp(x->name, y->name);
	else if (top_sort_col == COL_STATE)
		c = strcmp(x->state, y->state);
	else if (top_sort_col >= 0) {
		double p = top_num(x, top_sort_col), q = top_num(y, top_sort_col);

		c = p < q ? 1 : p > q ? -1 : 0;
	}
	if (!c)
		c = x->domid < y->domid ? -1 : x->domid > y->domid;
	return c;
}

static double top_pct(double part, double whole)
{
	return whole > 0 ? part * 100.0 / whole : 0;
}

static uint64_t top_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The same domain in the previous sample, by domid and start time. */
static const hv_domstats *top_prev(hv_domstats **prev, size_t nr, const hv_domstats *s)
{
	for (size_t i = 0; i < nr; i++)
		if (prev[i]->domid == s->domid && prev[i]->start_time == s->start_time)
			return prev[i];
	return NULL;
}

static void top_row_of(const hv_domstats *s, const hv_domstats *p, uint64_t total_mib,
		       struct top_row *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", s->name);
	xl_state_letters(s->state, 0, r->state);
	r->domid = s->domid;
	r->has_cpu = s->valid & HV_STATS_CPU;
	r->cpu_s = (double)s->cpu_ns / 1e9;
	if (p && r->has_cpu && (p->valid & HV_STATS_CPU) && s->sample_time_ns > p->sample_time_ns &&
	    s->cpu_ns >= p->cpu_ns)
		r->cpu_pct = top_pct((double)(s->cpu_ns - p->cpu_ns),
				     (double)(s->sample_time_ns - p->sample_time_ns));
	r->has_mem = s->valid & HV_STATS_MEM;
	r->mem_k = s->mem_current_bytes >> 10;
	r->mem_pct = top_pct((double)r->mem_k, (double)total_mib * 1024);
	r->maxmem_k = s->maxmem_mib << 10;
	r->maxmem_pct = top_pct((double)r->maxmem_k, (double)total_mib * 1024);
	r->vcpus = s->vcpus;
	r->nets = s->nr_vifs;
	r->vbds = s->nr_disks;
	for (unsigned int i = 0; i < s->nr_vifs && i < HV_DOMAIN_MAX_VIFS; i++) {
		/* xentop's NETTX is what the domain sent, as here */
		r->nettx_k += s->vifs[i].tx_bytes >> 10;
		r->netrx_k += s->vifs[i].rx_bytes >> 10;
	}
	/* xentop's VBD_* are requests and 512-byte sectors, all disks together */
	for (unsigned int i = 0; s->struct_size >= sizeof(*s) && i < s->nr_disks &&
	     i < HV_DOMAIN_MAX_DISKS; i++) {
		const hv_vbdstats *k = &s->disks[i];

		if (!k->valid)
			continue;
		r->has_vbd = true;
		r->vbd_rd += k->rd_reqs;
		r->vbd_wr += k->wr_reqs;
		r->vbd_rsect += k->rd_bytes >> 9;
		r->vbd_wsect += k->wr_bytes >> 9;
	}
}

/* The host, as xl list shows it: its busy CPU time and the memory it keeps. */
struct top_host {
	double busy_s;
	uint64_t at_ns;
};

static void top_dom0_row(const hv_physinfo *pi, const struct top_host *h,
			 const struct top_host *prev, struct top_row *r)
{
	hv_dominfo d;

	xl_dom0_info(pi, &d);
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", d.name);
	xl_state_letters(d.state, 0, r->state);
	r->domid = 0;
	r->has_cpu = h->busy_s >= 0;
	r->cpu_s = h->busy_s >= 0 ? h->busy_s : 0;
	if (prev && prev->at_ns && h->at_ns > prev->at_ns && h->busy_s >= prev->busy_s &&
	    prev->busy_s >= 0)
		r->cpu_pct = top_pct((h->busy_s - prev->busy_s) * 1e9, (double)(h->at_ns - prev->at_ns));
	r->has_mem = true;
	r->mem_k = d.memory_mib << 10;
	r->mem_pct = top_pct((double)d.memory_mib, (double)pi->total_mib);
	r->maxmem_k = pi->total_mib << 10;
	r->maxmem_pct = 100.0;
	r->vcpus = d.vcpus;
}

static void top_print_table(FILE *f, const struct top_row *rows, size_t nr, bool tty)
{
	fprintf(f, "%10s %5s %10s %6s %10s %6s %10s %9s %5s %4s %8s %8s %4s %8s %8s %10s %10s%s\n",
		col_names[0], col_names[1], col_names[2], col_names[3], col_names[4], col_names[5],
		col_names[6], col_names[7], col_names[8], col_names[9], col_names[10],
		col_names[11], col_names[12], col_names[13], col_names[14], col_names[15],
		col_names[16], tty ? "\033[K" : "");
	for (size_t i = 0; i < nr; i++) {
		const struct top_row *r = &rows[i];
		char cpu[16], mem[24], mempct[12], vbd[4][24];

		if (r->has_cpu)
			snprintf(cpu, sizeof(cpu), "%10" PRIu64, (uint64_t)r->cpu_s);
		else
			snprintf(cpu, sizeof(cpu), "%10s", "n/a");
		if (r->has_mem) {
			snprintf(mem, sizeof(mem), "%10" PRIu64, r->mem_k);
			snprintf(mempct, sizeof(mempct), "%6.1f", r->mem_pct);
		} else {
			snprintf(mem, sizeof(mem), "%10s", "n/a");
			snprintf(mempct, sizeof(mempct), "%6s", "n/a");
		}
		/* no disk with counters (none, or the host's row): "-" */
		{
			const uint64_t v[4] = { r->vbd_rd, r->vbd_wr, r->vbd_rsect, r->vbd_wsect };

			for (int k = 0; k < 4; k++)
				if (r->has_vbd)
					snprintf(vbd[k], sizeof(vbd[k]), "%" PRIu64, v[k]);
				else
					snprintf(vbd[k], sizeof(vbd[k]), "-");
		}
		fprintf(f, "%10.10s %5.6s %s %6.1f %s %s %10" PRIu64 " %9.1f %5u %4u %8" PRIu64
			" %8" PRIu64 " %4u %8s %8s %10s %10s%s\n",
			r->name, r->state, cpu, r->cpu_pct, mem, mempct, r->maxmem_k,
			r->maxmem_pct, r->vcpus, r->nets, r->nettx_k, r->netrx_k, r->vbds, vbd[0],
			vbd[1], vbd[2], vbd[3], tty ? "\033[K" : "");
	}
}

static void top_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void top_print_json(hv_domstats **list, size_t nr, const struct top_row *rows,
			   size_t nrows, const struct top_row *dom0, uint64_t at_ns)
{
	printf("{\"time_ns\":%" PRIu64 ",\"host\":{\"cpu_s\":%.3f,\"cpu_pct\":%.2f,"
	       "\"mem_kib\":%" PRIu64 ",\"maxmem_kib\":%" PRIu64 ",\"vcpus\":%u},\"domains\":[",
	       at_ns, dom0->cpu_s, dom0->cpu_pct, dom0->mem_k, dom0->maxmem_k, dom0->vcpus);
	for (size_t i = 0; i < nr; i++) {
		const hv_domstats *s = list[i];
		const struct top_row *r = NULL;

		for (size_t j = 0; j < nrows && !r; j++)
			if (rows[j].domid == s->domid && rows[j].domid != 0)
				r = &rows[j];
		printf("%s{\"domid\":%" PRIu32 ",\"name\":", i ? "," : "", s->domid);
		top_json_str(s->name);
		printf(",\"state\":\"%s\",\"start_time\":%lld,\"uptime_ns\":%" PRIu64
		       ",\"sample_time_ns\":%" PRIu64, r ? r->state : "------",
		       (long long)s->start_time, s->uptime_ns, s->sample_time_ns);
		if (s->valid & HV_STATS_CPU)
			printf(",\"cpu_ns\":%" PRIu64 ",\"cpu_pct\":%.2f", s->cpu_ns,
			       r ? r->cpu_pct : 0.0);
		else
			printf(",\"cpu_ns\":null,\"cpu_pct\":null");
		if (s->valid & HV_STATS_MEM)
			printf(",\"mem_current_bytes\":%" PRIu64, s->mem_current_bytes);
		else
			printf(",\"mem_current_bytes\":null");
		if (s->valid & HV_STATS_MEM_PEAK)
			printf(",\"mem_peak_bytes\":%" PRIu64, s->mem_peak_bytes);
		else
			printf(",\"mem_peak_bytes\":null");
		printf(",\"mem_from_cgroup\":%s,\"memory_mib\":%" PRIu64 ",\"maxmem_mib\":%" PRIu64
		       ",\"vcpus\":%u,\"vbds\":%u,\"vifs\":[",
		       s->valid & HV_STATS_MEM_CGROUP ? "true" : "false", s->memory_mib,
		       s->maxmem_mib, s->vcpus, s->nr_disks);
		for (unsigned int v = 0; v < s->nr_vifs && v < HV_DOMAIN_MAX_VIFS; v++)
			printf("%s{\"devid\":%u,\"valid\":%s,\"rx_bytes\":%" PRIu64 ",\"rx_packets\":%"
			       PRIu64 ",\"tx_bytes\":%" PRIu64 ",\"tx_packets\":%" PRIu64 "}",
			       v ? "," : "", s->vifs[v].devid, s->vifs[v].valid ? "true" : "false",
			       s->vifs[v].rx_bytes, s->vifs[v].rx_packets, s->vifs[v].tx_bytes,
			       s->vifs[v].tx_packets);
		printf("],\"disks\":[");
		for (unsigned int v = 0; s->struct_size >= sizeof(*s) && v < s->nr_disks &&
		     v < HV_DOMAIN_MAX_DISKS; v++) {
			const hv_vbdstats *k = &s->disks[v];

			printf("%s{\"vdev\":", v ? "," : "");
			top_json_str(k->vdev);
			printf(",\"valid\":%s,\"rd_reqs\":%" PRIu64 ",\"rd_bytes\":%" PRIu64
			       ",\"wr_reqs\":%" PRIu64 ",\"wr_bytes\":%" PRIu64 ",\"flush_reqs\":%"
			       PRIu64 ",\"discard_reqs\":%" PRIu64 ",\"err_reqs\":%" PRIu64
			       ",\"throttled_reqs\":%" PRIu64 "}", k->valid ? "true" : "false",
			       k->rd_reqs, k->rd_bytes, k->wr_reqs, k->wr_bytes, k->flush_reqs,
			       k->discard_reqs, k->err_reqs, k->throttled_reqs);
		}
		printf("]}");
	}
	printf("]}\n");
}

/* Waits @ms, or until q (a terminal) or a signal: false to stop. */
static bool top_wait(long ms, bool keys)
{
	struct timespec end, now;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		long left;

		if (top_stop)
			return false;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000L;
		if (left <= 0)
			return true;
		if (poll(keys ? &p : NULL, keys ? 1 : 0, (int)left) > 0 && keys) {
			char c;

			if (read(STDIN_FILENO, &c, 1) != 1 || c == 'q' || c == 'Q')
				return false;
		}
	}
}

int main_top(int argc, char **argv)
{
	bool batch = false, json = false, tty, keys = false;
	long iterations = -1, delay_ms = 3000;
	struct termios saved;
	hv_domstats **prev = NULL;
	size_t nr_prev = 0;
	struct top_host host_prev = { .busy_s = -1 };
	struct sigaction sa = { .sa_handler = top_on_signal };
	int c, rc = XL_OK;

	while ((c = xl_getopt(argc, argv, "bi:d:s:j")) != -1) {
		char *end;
		double d;

		switch (c) {
		case 'b':
			batch = true;
			break;
		case 'j':
			json = true;
			break;
		case 'i':
			errno = 0;
			iterations = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || iterations < 1)
				return xl_usage("top", "-i: \"%s\" is not a number of iterations "
						"(try -i 10)", optarg);
			break;
		case 'd':
			errno = 0;
			d = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(d >= 0.01 && d <= TOP_DELAY_MAX))
				return xl_usage("top", "-d: \"%s\" is not a delay in seconds from "
						"0.01 to %.0f (try -d 1 or -d 0.5)", optarg,
						TOP_DELAY_MAX);
			delay_ms = (long)(d * 1000 + 0.5);
			break;
		case 's':
			top_sort_col = top_col_find(optarg);
			if (top_sort_col < 0)
				return xl_usage("top", "-s: no column \"%s\" (try -s CPU%% or -s MEM; "
						"the columns are those of the header)", optarg);
			break;
		case XL_HELP:
			return xl_help("top");
		default:
			return XL_USAGE;
		}
	}
	if (optind < argc)
		return xl_usage("top", "unexpected argument \"%s\" (xl top shows every domain)",
				argv[optind]);
	tty = !batch && !json && isatty(STDOUT_FILENO);
	if (tty && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		struct termios raw = saved;

		/* q without Enter, and not echoed over the table */
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		keys = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (long it = 0; iterations < 0 || it < iterations; it++) {
		hv_domstats **list = NULL;
		size_t nr = 0, nrows = 0;
		struct top_row *rows, dom0;
		struct top_host host;
		hv_physinfo pi;

		xl_error_mark();
		hv_physinfo_init(&pi);
		rc = hv_physinfo_get(xl_ctx, &pi);
		if (!rc)
			rc = hv_domain_stats_all(xl_ctx, &list, &nr);
		if (rc) {
			if (keys)
				tcsetattr(STDIN_FILENO, TCSANOW, &saved);
			keys = false;
			rc = xl_error(rc, "cannot sample the domains");
			break;
		}
		host.busy_s = xl_host_cpu_busy(-1);
		host.at_ns = top_now_ns();
		rows = calloc(nr + 1, sizeof(*rows));
		if (!rows) {
			hv_domstats_list_free(list, nr);
			rc = xl_error(HV_ERROR_NOMEM, "cannot sample the domains");
			break;
		}
		top_dom0_row(&pi, &host, &host_prev, &dom0);
		rows[nrows++] = dom0;
		for (size_t i = 0; i < nr; i++)
			top_row_of(list[i], top_prev(prev, nr_prev, list[i]), pi.total_mib,
				   &rows[nrows++]);
		qsort(rows, nrows, sizeof(*rows), top_cmp);
		if (json) {
			top_print_json(list, nr, rows, nrows, &dom0, host.at_ns);
		} else {
			if (tty)
				fputs("\033[H", stdout);
			else if (it)
				putchar('\n');
			if (tty) {
				time_t t = time(NULL);
				char when[32];

				strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
				printf("xl top - %s   %zu domains, %u CPUs, %" PRIu64 " MiB (%" PRIu64
				       " MiB free)%s\n%s\n", when, nr, pi.nr_cpus, pi.total_mib,
				       pi.free_mib, "\033[K", keys ? "q: quit\033[K" : "\033[K");
			}
			top_print_table(stdout, rows, nrows, tty);
			if (tty)
				fputs("\033[J", stdout);
		}
		fflush(stdout);
		free(rows);
		hv_domstats_list_free(prev, nr_prev);
		prev = list;
		nr_prev = nr;
		host_prev = host;
		if ((iterations < 0 || it + 1 < iterations) && !top_wait(delay_ms, keys))
			break;
	}
	hv_domstats_list_free(prev, nr_prev);
	if (keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (top_stop && rc == XL_OK)
		rc = top_stop == SIGINT ? XL_OK : 128 + top_stop;
	return rc;
}
