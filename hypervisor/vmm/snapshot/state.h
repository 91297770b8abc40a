/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device state as named, versioned records.
 *
 * Each device has one function, <dev>_state(struct state_io *, dev), that
 * both saves and loads: it calls state_begin(), one state_<type>() per
 * field, then state_end().  On save the calls append fields; on load they
 * look each field up by name and type.  Loading fails, and says why, on a
 * missing field, a field of the wrong type or size, an unknown field, or a
 * newer section version; the caller then validates the values it got.
 *
 * A device instance's sections are named "<instance>/<section>"
 * ("virtio-console.0/pci-08"): the device table sets io->instance around
 * each instance's state function, which names its sections as before.
 *
 * Encoding of one section (all little-endian):
 *   u8 name_len, name, u32 version, u32 nr_fields,
 *   nr_fields * { u8 name_len, name, u8 type, u32 len, data[len] }
 */
#ifndef HV_VMM_STATE_H
#define HV_VMM_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum state_type { STATE_U8 = 1, STATE_U16, STATE_U32, STATE_U64, STATE_BYTES };

#define STATE_MAX_FIELDS 256

struct state_field_ref {
	const char *name;
	uint8_t name_len;
	uint8_t type;
	uint32_t len;
	const uint8_t *data;
	bool used;
};

struct state_io {
	bool loading;
	int err;			/* sticky: 0 or -errno */
	char errmsg[160];
	/* saving: a growing buffer */
	uint8_t *buf;
	size_t len, cap;
	size_t nfields_at;
	uint32_t nfields;
	/* loading: the input and the current section's fields */
	const uint8_t *in;
	size_t in_len, in_pos;
	uint32_t version;		/* version of the section being loaded */
	struct state_field_ref fields[STATE_MAX_FIELDS];
	unsigned int nr_fields;
	char section[128];		/* the current section's whole name */
	/* the device instance whose sections follow ("uart.0"), or NULL */
	const char *instance;
	/* loading: sections without instance names, as saved before them */
	bool bare_names;
};

void state_init_save(struct state_io *io);
void state_init_load(struct state_io *io, const void *data, size_t len);
void state_fini(struct state_io *io);

/* Starts a section; on load returns the stored version in io->version. */
int state_begin(struct state_io *io, const char *section, uint32_t version);
int state_end(struct state_io *io);

void state_u8(struct state_io *io, const char *name, uint8_t *v);
void state_u16(struct state_io *io, const char *name, uint16_t *v);
void state_u32(struct state_io *io, const char *name, uint32_t *v);
void state_u64(struct state_io *io, const char *name, uint64_t *v);
void state_bool(struct state_io *io, const char *name, bool *v);
/* A byte string of exactly @len bytes. */
void state_bytes(struct state_io *io, const char *name, void *p, size_t len);
/* Field names built with printf, for arrays ("q0.size"). */
void state_u64f(struct state_io *io, uint64_t *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void state_u16f(struct state_io *io, uint16_t *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void state_u32f(struct state_io *io, uint32_t *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Marks the load as failed with a message (for value validation). */
void state_fail(struct state_io *io, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Loading: whether the next section's name carries an instance name ("/"),
 * as device state has since device instances were named.
 */
bool state_next_named(const struct state_io *io);

/* True when all input has been consumed. */
bool state_at_end(const struct state_io *io);

#endif
