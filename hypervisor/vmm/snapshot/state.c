/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot/state.h"

void state_init_save(struct state_io *io)
{
	memset(io, 0, sizeof(*io));
}

void state_init_load(struct state_io *io, const void *data, size_t len)
{
	memset(io, 0, sizeof(*io));
	io->loading = true;
	io->in = data;
	io->in_len = len;
}

void state_fini(struct state_io *io)
{
	free(io->buf);
	io->buf = NULL;
}

void state_fail(struct state_io *io, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (io->err)
		return;
	io->err = -EINVAL;
	n = snprintf(io->errmsg, sizeof(io->errmsg), "%s: ", io->section);
	if (n < 0 || (size_t)n >= sizeof(io->errmsg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(io->errmsg + n, sizeof(io->errmsg) - n, fmt, ap);
	va_end(ap);
}

static void put(struct state_io *io, const void *p, size_t n)
{
	if (io->err)
		return;
	if (io->len + n > io->cap) {
		size_t cap = io->cap ? io->cap * 2 : 256;
		uint8_t *b;

		while (cap < io->len + n)
			cap *= 2;
		b = realloc(io->buf, cap);
		if (!b) {
			io->err = -ENOMEM;
			snprintf(io->errmsg, sizeof(io->errmsg), "out of memory");
			return;
		}
		io->buf = b;
		io->cap = cap;
	}
	memcpy(io->buf + io->len, p, n);
	io->len += n;
}

static void put_le(struct state_io *io, uint64_t v, size_t n)
{
	uint8_t b[8];

	for (size_t i = 0; i < n; i++)
		b[i] = v >> (8 * i);
	put(io, b, n);
}

static uint64_t get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static const uint8_t *take(struct state_io *io, size_t n)
{
	const uint8_t *p;

	if (io->err)
		return NULL;
	if (n > io->in_len - io->in_pos) {
		state_fail(io, "truncated state");
		return NULL;
	}
	p = io->in + io->in_pos;
	io->in_pos += n;
	return p;
}

int state_begin(struct state_io *io, const char *section, uint32_t version)
{
	const uint8_t *p;
	size_t slen;
	uint32_t nf;
	int n;

	if (io->instance && !(io->loading && io->bare_names))
		n = snprintf(io->section, sizeof(io->section), "%s/%s", io->instance, section);
	else
		n = snprintf(io->section, sizeof(io->section), "%s", section);
	if (io->err)
		return io->err;
	if (n < 0 || (size_t)n >= sizeof(io->section) || n > 255) {
		state_fail(io, "section name too long");
		return io->err;
	}
	section = io->section;
	slen = (size_t)n;
	if (!io->loading) {
		put_le(io, slen, 1);
		put(io, section, slen);
		put_le(io, version, 4);
		io->nfields_at = io->len;
		io->nfields = 0;
		put_le(io, 0, 4);
		return io->err;
	}
	io->nr_fields = 0;
	p = take(io, 1);
	if (!p)
		return io->err;
	p = take(io, *p);
	if (!p)
		return io->err;
	if (io->in + io->in_pos - p != (ptrdiff_t)slen || memcmp(p, section, slen)) {
		state_fail(io, "expected this section, found another");
		return io->err;
	}
	p = take(io, 8);
	if (!p)
		return io->err;
	io->version = get_le(p, 4);
	nf = get_le(p + 4, 4);
	if (io->version > version || io->version == 0) {
		state_fail(io, "version %u is not supported (at most %u)",
			   io->version, version);
		return io->err;
	}
	if (nf > STATE_MAX_FIELDS) {
		state_fail(io, "%u fields is too many", nf);
		return io->err;
	}
	for (uint32_t i = 0; i < nf; i++) {
		struct state_field_ref *f = &io->fields[i];

		p = take(io, 1);
		if (!p)
			return io->err;
		f->name_len = *p;
		f->name = (const char *)take(io, f->name_len);
		p = take(io, 5);
		if (!p)
			return io->err;
		f->type = p[0];
		f->len = get_le(p + 1, 4);
		f->data = take(io, f->len);
		f->used = false;
		if (!f->data)
			return io->err;
		for (uint32_t j = 0; j < i; j++)
			if (io->fields[j].name_len == f->name_len &&
			    !memcmp(io->fields[j].name, f->name, f->name_len)) {
				state_fail(io, "field %.*s appears twice",
					   f->name_len, f->name);
				return io->err;
			}
	}
	io->nr_fields = nf;
	return 0;
}

int state_end(struct state_io *io)
{
	if (io->err)
		return io->err;
	if (!io->loading) {
		for (int i = 0; i < 4; i++)
			io->buf[io->nfields_at + i] = io->nfields >> (8 * i);
		return 0;
	}
	for (unsigned int i = 0; i < io->nr_fields; i++)
		if (!io->fields[i].used) {
			state_fail(io, "unknown field %.*s",
				   io->fields[i].name_len, io->fields[i].name);
			return io->err;
		}
	return 0;
}

static const struct state_field_ref *lookup(struct state_io *io,
					    const char *name, uint8_t type,
					    size_t len)
{
	size_t nlen = strlen(name);

	for (unsigned int i = 0; i < io->nr_fields; i++) {
		struct state_field_ref *f = &io->fields[i];

		if (f->name_len != nlen || memcmp(f->name, name, nlen))
			continue;
		if (f->type != type || f->len != len) {
			state_fail(io, "field %s has the wrong type or size", name);
			return NULL;
		}
		f->used = true;
		return f;
	}
	state_fail(io, "field %s is missing", name);
	return NULL;
}

static void field(struct state_io *io, const char *name, uint8_t type,
		  void *p, size_t len, bool integer)
{
	size_t nlen = strlen(name);
	const struct state_field_ref *f;

	if (io->err)
		return;
	if (!io->loading) {
		if (nlen > 255) {
			state_fail(io, "field name too long");
			return;
		}
		put_le(io, nlen, 1);
		put(io, name, nlen);
		put_le(io, type, 1);
		put_le(io, len, 4);
		if (integer) {
			uint64_t v = 0;

			memcpy(&v, p, len);	/* little-endian host */
			put_le(io, v, len);
		} else {
			put(io, p, len);
		}
		io->nfields++;
		return;
	}
	f = lookup(io, name, type, len);
	if (!f)
		return;
	if (integer) {
		uint64_t v = get_le(f->data, len);

		memcpy(p, &v, len);
	} else {
		memcpy(p, f->data, len);
	}
}

void state_u8(struct state_io *io, const char *name, uint8_t *v)
{
	field(io, name, STATE_U8, v, 1, true);
}

void state_u16(struct state_io *io, const char *name, uint16_t *v)
{
	field(io, name, STATE_U16, v, 2, true);
}

void state_u32(struct state_io *io, const char *name, uint32_t *v)
{
	field(io, name, STATE_U32, v, 4, true);
}

void state_u64(struct state_io *io, const char *name, uint64_t *v)
{
	field(io, name, STATE_U64, v, 8, true);
}

void state_bool(struct state_io *io, const char *name, bool *v)
{
	uint8_t b = *v;

	field(io, name, STATE_U8, &b, 1, true);
	if (b > 1)
		state_fail(io, "field %s is not a boolean", name);
	*v = b;
}

void state_bytes(struct state_io *io, const char *name, void *p, size_t len)
{
	field(io, name, STATE_BYTES, p, len, false);
}

#define STATE_FMT_FN(fn, type, base)					\
void fn(struct state_io *io, type *v, const char *fmt, ...)		\
{									\
	char name[96];							\
	va_list ap;							\
									\
	va_start(ap, fmt);						\
	vsnprintf(name, sizeof(name), fmt, ap);				\
	va_end(ap);							\
	base(io, name, v);						\
}
STATE_FMT_FN(state_u16f, uint16_t, state_u16)
STATE_FMT_FN(state_u32f, uint32_t, state_u32)
STATE_FMT_FN(state_u64f, uint64_t, state_u64)

bool state_next_named(const struct state_io *io)
{
	size_t left = io->in_len - io->in_pos;
	const uint8_t *p = io->in + io->in_pos;

	return left && p[0] <= left - 1 && memchr(p + 1, '/', p[0]);
}

bool state_at_end(const struct state_io *io)
{
	return io->in_pos == io->in_len;
}
