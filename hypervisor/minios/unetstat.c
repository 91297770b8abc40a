// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The numbers the network workloads print: frames counted per stream
 * (whole, damaged, lost, reordered), rates, and round-trip samples with
 * their median and 99th percentile.
 */
#include "unet.h"

/* One whole frame of the stream, seq its sequence number, at TSC now. */
void unetstat_count(struct unetstat_count *c, u64 seq, u32 len, u64 now)
{
	if (!c->frames)
		c->first = now;
	c->last = now;
	c->frames++;
	c->bytes += len;
	if (seq < c->next_seq)
		c->reordered++;
	else
		c->next_seq = seq + 1;
}

/*
 * Frames expected (count, or up to the highest seen) that came neither
 * whole nor damaged.
 */
u64 unetstat_lost(const struct unetstat_count *c, u64 expected)
{
	if (!expected)
		expected = c->next_seq;
	return expected > c->frames + c->bad ? expected - c->frames - c->bad : 0;
}

/*
 * "N frames/s, X.Y Mbit/s" for frames (of bytes in all) from the first
 * to the last us microseconds later: frames - 1 intervals.
 */
const char *unetstat_rate(char *buf, u64 frames, u64 bytes, u64 us)
{
	u64 n = frames > 1 ? frames - 1 : 0;
	u64 fps = us ? n * 1000000 / us : 0;
	u64 mbit10 = us && n ? bytes / frames * n * 80 / us : 0;

	lib_snprintf(buf, 48, "%lu frames/s, %lu.%lu Mbit/s", fps,
		     mbit10 / 10, mbit10 % 10);
	return buf;
}

/* A round trip of tsc TSC ticks (kept while there is room). */
void unetstat_sample(struct unetstat_samples *s, u64 tsc)
{
	u64 ns = tsc * 1000 / (user_config_page.tsc_hz / 1000000);

	if (s->n < s->max)
		s->ns[s->n++] = ns > 0xffffffffUL ? 0xffffffffU : ns;
}

static void unetstat_sift(u32 *a, u32 i, u32 n)
{
	for (;;) {
		u32 c = 2 * i + 1, t;

		if (c >= n)
			return;
		if (c + 1 < n && a[c + 1] > a[c])
			c++;
		if (a[i] >= a[c])
			return;
		t = a[i];
		a[i] = a[c];
		a[c] = t;
		i = c;
	}
}

static void unetstat_sort(u32 *a, u32 n)
{
	u32 i, t;

	for (i = n / 2; i--;)
		unetstat_sift(a, i, n);
	for (i = n; i-- > 1;) {
		t = a[0];
		a[0] = a[i];
		a[i] = t;
		unetstat_sift(a, 0, i);
	}
}

/* Microseconds with one decimal, or "-". */
static const char *unetstat_us(char *buf, const struct unetstat_samples *s,
			       u32 idx)
{
	if (!s->n)
		return "-";
	lib_snprintf(buf, 24, "%u.%u", s->ns[idx] / 1000,
		     s->ns[idx] % 1000 / 100);
	return buf;
}

/* "median=A p99=B" (and min, max if all) of the samples, sorted here. */
const char *unetstat_rtt(char *buf, struct unetstat_samples *s, int all)
{
	char a[24], b[24], c[24], d[24];
	u32 mid = s->n ? (s->n - 1) / 2 : 0;
	u32 p99 = s->n ? (s->n * 99 + 99) / 100 - 1 : 0;	/* ceil(.99 n) */

	unetstat_sort(s->ns, s->n);
	if (all)
		lib_snprintf(buf, 128, "min=%s median=%s p99=%s max=%s",
			     unetstat_us(a, s, 0), unetstat_us(b, s, mid),
			     unetstat_us(c, s, p99),
			     unetstat_us(d, s, s->n ? s->n - 1 : 0));
	else
		lib_snprintf(buf, 128, "median=%s p99=%s",
			     unetstat_us(b, s, mid), unetstat_us(c, s, p99));
	return buf;
}
