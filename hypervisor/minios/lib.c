// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Small library shared by the kernel and the ring-3 workloads. The linker
 * script puts this file in user pages, so both rings can call it; it must
 * not touch kernel data.
 */
#include "minios.h"

void *memset(void *d, int c, size_t n)
{
	void *r = d;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return r;
}

/* Eight bytes per step: on PVM hosts ring 0 pays for each step. */
void *memcpy(void *d, const void *s, size_t n)
{
	void *r = d;
	size_t q = n >> 3;

	n &= 7;
	__asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(q) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return r;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t lib_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int lib_strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

/* The value of a hex digit, or -1. */
int lib_hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decimal, or hex with 0x. */
u64 lib_strtou(const char *s, const char **end)
{
	u64 v = 0;
	int base = 10, d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; (d = lib_hexdigit(*s)) >= 0 && d < base; s++)
		v = v * base + d;
	if (end)
		*end = s;
	return v;
}

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32()), a nibble at a time. */
u32 lib_crc32(u32 crc, const void *buf, size_t len)
{
	static const u32 tab[16] = {
		0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
		0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
		0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
		0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
	};
	const u8 *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ tab[crc & 15];
		crc = (crc >> 4) ^ tab[crc & 15];
	}
	return ~crc;
}

/*
 * Formatting is the bulk of the kernel's ring-0 instructions (emulated one
 * by one on PVM hosts), so literal text and %s strings are copied eight
 * bytes per step, and numbers avoid divisions where they can.
 */
#define LIB_ONES	0x0101010101010101UL
#define LIB_HIGHS	0x8080808080808080UL

/* Nonzero if a byte of w is zero; its lowest set bit marks the first one. */
static inline u64 lib_zero_byte(u64 w)
{
	return (w - LIB_ONES) & ~w & LIB_HIGHS;
}

struct fmt_out {
	char *buf;
	size_t size;
	size_t n;
};

static inline void fmt_putc(struct fmt_out *o, char c)
{
	if (o->n + 1 < o->size)
		o->buf[o->n] = c;
	o->n++;
}

/*
 * Copies s up to its NUL or the first byte equal to stop (0: none), a word
 * at a time while the output has room and the word stays in s's page;
 * returns where it stopped. The bytes stored past the stop are overwritten
 * by what follows or lie past the final NUL.
 */
static const char *fmt_copy(struct fmt_out *o, const char *s, char stop)
{
	const u64 stops = (u8)stop * LIB_ONES;

	for (;;) {
		u64 w, m;

		if (o->n + 8 > o->size || ((u64)s & 0xfff) > 0xff8) {
			if (!*s || *s == stop)
				return s;
			fmt_putc(o, *s++);
			continue;
		}
		__builtin_memcpy(&w, s, 8);
		__builtin_memcpy(o->buf + o->n, &w, 8);
		m = lib_zero_byte(w) | lib_zero_byte(w ^ stops);
		if (m) {
			m = __builtin_ctzl(m) >> 3;
			o->n += m;
			return s + m;
		}
		o->n += 8;
		s += 8;
	}
}

static void fmt_num(struct fmt_out *o, u64 v, int base, int width, char pad,
		    int neg)
{
	char tmp[24];
	int n = 0;

	if (base == 16) {
		do {
			tmp[n++] = "0123456789abcdef"[v & 15];
			v >>= 4;
		} while (v);
	} else {
		do {
			tmp[n++] = '0' + v % 10;
			v /= 10;
		} while (v);
	}
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		fmt_putc(o, pad);
	while (n)
		fmt_putc(o, tmp[--n]);
}

/* %s %c %d %u %x %p %%, with 0/width and l/ll/z. */
int lib_vsnprintf(char *buf, size_t size, const char *fmt, __builtin_va_list ap)
{
	struct fmt_out o = { buf, size, 0 };

	for (;;) {
		int width = 0, lng = 0;
		char pad = ' ';

		fmt = fmt_copy(&o, fmt, '%');
		if (!*fmt)
			break;
		fmt++;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l' || *fmt == 'z') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = __builtin_va_arg(ap, const char *);

			fmt_copy(&o, s ? s : "(null)", '\0');
			break;
		}
		case 'c':
			fmt_putc(&o, (char)__builtin_va_arg(ap, int));
			break;
		case 'd': {
			s64 v = lng ? __builtin_va_arg(ap, s64) :
				      __builtin_va_arg(ap, int);

			fmt_num(&o, v < 0 ? -(u64)v : (u64)v, 10, width, pad,
				v < 0);
			break;
		}
		case 'u':
			fmt_num(&o, lng ? __builtin_va_arg(ap, u64) :
					  __builtin_va_arg(ap, u32),
				10, width, pad, 0);
			break;
		case 'x':
			fmt_num(&o, lng ? __builtin_va_arg(ap, u64) :
					  __builtin_va_arg(ap, u32),
				16, width, pad, 0);
			break;
		case 'p':
			fmt_num(&o, (u64)__builtin_va_arg(ap, void *), 16,
				width, pad, 0);
			break;
		case '\0':
			fmt--;
			break;
		default:
			fmt_putc(&o, *fmt);
			break;
		}
		fmt++;
	}
	if (size)
		buf[o.n < size ? o.n : size - 1] = '\0';
	return (int)o.n;
}

int lib_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	__builtin_va_list ap;
	int n;

	__builtin_va_start(ap, fmt);
	n = lib_vsnprintf(buf, size, fmt, ap);
	__builtin_va_end(ap);
	return n;
}
