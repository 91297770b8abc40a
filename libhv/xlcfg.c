/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl.cfg reader: the entry points, and applying the statements that
 * xlcfg-parse.c reads to a configuration, key by key (the key table and
 * each key's handler).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "private.h"
#include "xlcfg_int.h"

#define MAX_FILE_SIZE (16u << 20)

/* Applying statements to a configuration. */

struct apply {
	struct parser *ps;
	hv_domain_config *cfg;
	const struct stmt *st;
	bool type_given;
};

static int aerr(struct apply *a, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int aerr(struct apply *a, int line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return hv__xl_perr(a->ps, line ? line : a->st->line, a->st->key,
			   "%s", msg);
}

/* The single value of the statement. */
static int atom(struct apply *a, const char **s_r)
{
	const struct value *v = a->st->v;

	if (v->is_list)
		return aerr(a, v->line,
			    "expects a single value, not a list (write %s = \"...\")",
			    a->st->key);
	*s_r = v->s;
	return 0;
}

static int no_append(struct apply *a)
{
	if (!a->st->append)
		return 0;
	return aerr(a, 0, "+= only adds to strings and lists; use %s = ...",
		    a->st->key);
}

static int apply_string(struct apply *a, char **field)
{
	const char *s = NULL;
	char *n;
	int rc = atom(a, &s);

	if (rc)
		return rc;
	if (a->st->append && *field) {
		if (asprintf(&n, "%s%s", *field, s) < 0)
			return HV_ERROR_NOMEM;
	} else if (!(n = strdup(s))) {
		return HV_ERROR_NOMEM;
	}
	free(*field);
	*field = n;
	return 0;
}

/*
 * Reads a whole number: decimal or 0x hex.  Xen reads a leading 0 as
 * octal; that is refused rather than guessed.
 */
static int number(struct apply *a, uint64_t max, const char *unit,
		  uint64_t *v_r)
{
	const char *s = NULL, *p;
	uint64_t v = 0;
	int base = 10, rc;

	rc = no_append(a);
	if (!rc)
		rc = atom(a, &s);
	if (rc)
		return rc;
	p = s;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && p[2]) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && hv__xl_is_digit(p[1])) {
		return aerr(a, 0, "\"%s\" has a leading zero, which Xen reads as octal; write it without the zero (or as 0x... hex)",
			    s);
	}
	if (!*p)
		goto bad;
	for (; *p; p++) {
		int d = base == 16 ? hv__hexval(*p) :
			(hv__xl_is_digit(*p) ? *p - '0' : -1);

		if (d < 0)
			goto bad;
		if (v > (max - (uint64_t)d) / (uint64_t)base)
			return aerr(a, 0, "%s is too large (at most %" PRIu64 ")",
				    s, max);
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*v_r = v;
	return 0;
bad:
	if (unit && hv__xl_is_digit(s[0])) {
		char *end;
		unsigned long long n = strtoull(s, &end, 10);
		int shift = -1;

		if (!strcasecmp(end, "k") || !strcasecmp(end, "kb"))
			shift = -10;
		else if (!strcasecmp(end, "m") || !strcasecmp(end, "mb"))
			shift = 0;
		else if (!strcasecmp(end, "g") || !strcasecmp(end, "gb"))
			shift = 10;
		else if (!strcasecmp(end, "t") || !strcasecmp(end, "tb"))
			shift = 20;
		if (shift == 0 || (shift > 0 && n < (1ULL << 40)))
			return aerr(a, 0, "\"%s\" has a unit, but %s is a plain number of MiB (write %s = %llu)",
				    s, a->st->key, a->st->key, n << shift);
		if (shift == -10)
			return aerr(a, 0, "\"%s\" has a unit, but %s is a plain number of MiB (write %s = %llu)",
				    s, a->st->key, a->st->key,
				    n / 1024 ? n / 1024 : 1);
	}
	if (unit)
		return aerr(a, 0, "\"%s\" is not a number of %s (try %s = 512)",
			    s, unit, a->st->key);
	return aerr(a, 0, "\"%s\" is not a whole number (try %s = 2)", s,
		    a->st->key);
}

static int apply_mib(struct apply *a, uint64_t *field)
{
	return number(a, INT64_MAX, "MiB", field);
}

static int apply_count(struct apply *a, unsigned int *field)
{
	uint64_t v;
	int rc = number(a, UINT32_MAX, NULL, &v);

	if (!rc)
		*field = (unsigned int)v;
	return rc;
}

/* xl.cfg's booleans: 0 or 1, as xl writes them. */
static int apply_bool(struct apply *a, int *field)
{
	uint64_t v;
	int rc = number(a, 1, NULL, &v);

	if (!rc)
		*field = (int)v;
	return rc;
}

static int apply_enum(struct apply *a, const struct hv__enum_names *e,
		      int *v_r)
{
	const char *s = NULL;
	int rc = no_append(a), v;

	if (!rc)
		rc = atom(a, &s);
	if (rc)
		return rc;
	v = hv__enum_value(e, s);
	if (!v)
		return aerr(a, 0, "\"%s\" is not %s", s, e->choices);
	*v_r = v;
	return 0;
}

static int k_name(struct apply *a)
{
	int rc = apply_string(a, &a->cfg->name);
	const char *why;

	if (rc)
		return rc;
	why = hv__check_name(a->cfg->name);
	if (why)
		return aerr(a, 0, "\"%s\" %s", a->cfg->name, why);
	return 0;
}

static int k_uuid(struct apply *a)
{
	const char *s = NULL;
	int rc = no_append(a);

	if (!rc)
		rc = atom(a, &s);
	if (rc)
		return rc;
	if (hv__uuid_parse(s, a->cfg->uuid))
		return aerr(a, 0, "\"%s\" is not a UUID (write 32 hex digits as 8-4-4-4-12, e.g. \"4f1c2d9e-7b1a-4c3e-9a52-0d6e8f3b2a10\")",
			    s);
	a->cfg->has_uuid = 1;
	return 0;
}

static int set_type(struct apply *a, const char *s, const char *key)
{
	if (!strcmp(s, "pvh")) {
		a->cfg->type = HV_DOMAIN_PVH;
	} else if (!strcmp(s, "hvm")) {
		a->cfg->type = HV_DOMAIN_HVM;
	} else if (!strcmp(s, "pv") || !strcmp(s, "generic") ||
		   !strcmp(s, "linux")) {
		return aerr(a, 0, "\"%s\" asks for a PV guest, which hv does not have: write type = \"pvh\" (PV-capable Linux kernels boot as PVH)",
			    s);
	} else {
		return aerr(a, 0, "\"%s\" is not a guest type (write %s = \"pvh\" or \"hvm\")",
			    s, key);
	}
	return 0;
}

static int k_type(struct apply *a)
{
	const char *s = NULL;
	int rc = no_append(a);

	if (!rc)
		rc = atom(a, &s);
	if (!rc)
		rc = set_type(a, s, "type");
	if (!rc)
		a->type_given = true;
	return rc;
}

static int k_builder(struct apply *a)
{
	const char *s = NULL;
	int rc = no_append(a);

	if (!rc)
		rc = atom(a, &s);
	if (rc)
		return rc;
	if (a->type_given) {
		char loc[300];

		hv__xl_where(a->ps, a->st->line, loc, sizeof(loc));
		HV__WARN(a->ps->ctx, "%s: builder: ignored because type is set; remove builder",
			 loc);
		return 0;
	}
	return set_type(a, s, "builder");
}

static int k_cpus(struct apply *a)
{
	char buf[256];
	const char *why;
	int rc;

	if (a->st->v->is_list)
		return aerr(a, a->st->v->line,
			    "per-vCPU lists are not supported; give one string for all vCPUs, e.g. cpus = \"0-3\"");
	rc = apply_string(a, &a->cfg->cpus);
	if (rc)
		return rc;
	why = hv__check_cpus(a->cfg->cpus, buf, sizeof(buf));
	if (why)
		return aerr(a, 0, "\"%s\" %s", a->cfg->cpus, why);
	return 0;
}

/* disk = [ ... ] and vif = [ ... ]: "=" replaces the list, "+=" adds. */
static int apply_devices(struct apply *a, bool disks)
{
	const struct value *v = a->st->v;
	const struct value *const *items = &v;
	size_t n = 1;
	char loc[300], what[340];
	int rc;

	if (v->is_list) {
		items = (const struct value *const *)v->items;
		n = v->n;
	}
	if (!a->st->append) {
		hv_domain_config *cfg = a->cfg;

		if (disks) {
			for (size_t i = 0; i < cfg->nr_disks; i++)
				hv_disk_spec_free(cfg->disks[i]);
			free(cfg->disks);
			cfg->disks = NULL;
			cfg->nr_disks = 0;
		} else {
			for (size_t i = 0; i < cfg->nr_vifs; i++)
				hv_vif_spec_free(cfg->vifs[i]);
			free(cfg->vifs);
			cfg->vifs = NULL;
			cfg->nr_vifs = 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct value *it = items[i];
		hv_disk_spec *disk = NULL;
		hv_vif_spec *vif = NULL;

		if (it->is_list)
			return aerr(a, it->line,
				    "entry %zu is a list; each entry is one \"string\"",
				    i + 1);
		hv__xl_where(a->ps, it->line, loc, sizeof(loc));
		snprintf(what, sizeof(what), "%s: %s", loc, a->st->key);
		if (disks) {
			rc = hv_disk_spec_new(&disk);
			if (!rc)
				rc = hv__disk_spec_parse(a->ps->ctx, what,
							 it->s, disk);
			if (!rc)
				rc = hv_domain_config_add_disk(a->cfg, disk);
			if (rc)
				hv_disk_spec_free(disk);
		} else {
			rc = hv_vif_spec_new(&vif);
			if (!rc)
				rc = hv__vif_spec_parse(a->ps->ctx, what,
							it->s, vif);
			if (!rc)
				rc = hv_domain_config_add_vif(a->cfg, vif);
			if (rc)
				hv_vif_spec_free(vif);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int k_disk(struct apply *a)
{
	return apply_devices(a, true);
}

static int k_vif(struct apply *a)
{
	return apply_devices(a, false);
}

/* How each key is read: by its kind, into the member at off, or by fn. */
enum key_kind { K_STRING, K_MIB, K_COUNT, K_BOOL, K_ACTION, K_CUSTOM };

#define KEY(name, kind, member) \
	{ name, kind, offsetof(hv_domain_config, member), NULL }

static const struct xl_key {
	const char *key;
	enum key_kind kind;
	size_t off;
	int (*fn)(struct apply *a);
} keys[] = {
	{ "name", K_CUSTOM, 0, k_name },
	{ "uuid", K_CUSTOM, 0, k_uuid },
	{ "type", K_CUSTOM, 0, k_type },
	{ "builder", K_CUSTOM, 0, k_builder },
	KEY("memory", K_MIB, memory_mib),
	KEY("maxmem", K_MIB, maxmem_mib),
	KEY("vcpus", K_COUNT, vcpus),
	KEY("maxvcpus", K_COUNT, maxvcpus),
	{ "cpus", K_CUSTOM, 0, k_cpus },
	KEY("kernel", K_STRING, kernel),
	KEY("ramdisk", K_STRING, ramdisk),
	KEY("cmdline", K_STRING, cmdline),
	KEY("root", K_STRING, root),
	KEY("extra", K_STRING, extra),
	KEY("on_poweroff", K_ACTION, on_poweroff),
	KEY("on_reboot", K_ACTION, on_reboot),
	KEY("on_crash", K_ACTION, on_crash),
	{ "disk", K_CUSTOM, 0, k_disk },
	{ "vif", K_CUSTOM, 0, k_vif },
	KEY("balloon_deflate_on_oom", K_BOOL, balloon_deflate_on_oom),
	KEY("balloon_free_page_reporting", K_BOOL, balloon_free_page_reporting),
	KEY("cpu_weight", K_COUNT, cpu_weight),
	KEY("cap", K_COUNT, cpu_cap),
};

static int apply_key(struct apply *a, const struct xl_key *k)
{
	void *field = (char *)a->cfg + k->off;
	int v = 0, rc;

	switch (k->kind) {
	case K_STRING:
		return apply_string(a, field);
	case K_MIB:
		return apply_mib(a, field);
	case K_COUNT:
		return apply_count(a, field);
	case K_BOOL:
		return apply_bool(a, field);
	case K_ACTION:
		rc = apply_enum(a, &hv__action_names, &v);
		if (!rc)
			*(enum hv_action *)field = v;
		return rc;
	case K_CUSTOM:
		break;
	}
	return k->fn(a);
}

static int apply_stmts(struct parser *ps, hv_domain_config *cfg)
{
	struct apply a = { .ps = ps, .cfg = cfg };
	char loc[300];

	/* type wins over builder wherever it appears, as in xl. */
	for (size_t i = 0; i < ps->nr_stmts; i++)
		if (!strcmp(ps->stmts[i].key, "type"))
			a.type_given = true;
	for (size_t i = 0; i < ps->nr_stmts; i++) {
		const struct stmt *st = &ps->stmts[i];
		size_t k;
		int rc;

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(keys[k].key, st->key))
				break;
		if (k == sizeof(keys) / sizeof(keys[0])) {
			hv__xl_where(ps, st->line, loc, sizeof(loc));
			HV__WARN(ps->ctx, "%s: %s: not used by hv; ignored",
				 loc, st->key);
			continue;
		}
		a.st = st;
		rc = apply_key(&a, &keys[k]);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_and_apply(hv_ctx *ctx, const char *name, bool override,
			   const char *buf, size_t len, hv_domain_config *cfg)
{
	struct parser ps = {
		.ctx = ctx, .name = name, .override = override,
		.p = buf, .end = buf + len, .line = 1,
	};
	hv_domain_config tmp;
	size_t size = hv__cfg_size(cfg);
	int rc;

	if (!size) {
		HV__ERR(ctx, "%s: the configuration was not initialised (call hv_domain_config_init() first)",
			name);
		return HV_ERROR_INVAL;
	}
	rc = hv__xl_parse_text(&ps);
	if (rc)
		goto out;
	hv_domain_config_init_sized(&tmp, size);
	rc = hv_domain_config_copy(&tmp, cfg);
	if (!rc)
		rc = apply_stmts(&ps, &tmp);
	if (rc)
		hv_domain_config_dispose(&tmp);
	else
		hv__cfg_replace(cfg, &tmp);
out:
	hv__xl_parser_free(&ps);
	return rc;
}

HV__EXPORT int hv_config_parse_xl_buffer(hv_ctx *ctx, const char *name,
					 const char *buf, size_t len,
					 hv_domain_config *cfg)
{
	return parse_and_apply(ctx, name ? name : "config", false, buf, len,
			       cfg);
}

HV__EXPORT int hv_config_set(hv_ctx *ctx, hv_domain_config *cfg,
			     const char *key_equals_value)
{
	return parse_and_apply(ctx, "command line", true, key_equals_value,
			       strlen(key_equals_value), cfg);
}

HV__EXPORT int hv_config_parse_xl_file(hv_ctx *ctx, const char *path,
				       hv_domain_config *cfg)
{
	char *buf;
	size_t len;
	int rc;

	rc = hv__file_read(ctx, path, MAX_FILE_SIZE, "config file", &buf, &len);
	if (rc)
		return rc;
	rc = hv_config_parse_xl_buffer(ctx, path, buf, len, cfg);
	free(buf);
	return rc;
}

/* Settings handed to the caller, keys and all (xl's xl.conf). */

HV__EXPORT int hv_config_read_settings(hv_ctx *ctx, const char *name,
				       const char *buf, size_t len,
				       hv_config_setting_fn *fn, void *opaque)
{
	struct parser ps = {
		.ctx = ctx, .name = name ? name : "config",
		.p = buf, .end = buf + len, .line = 1,
	};
	const char **items = NULL;
	int rc;

	if (!fn) {
		HV__ERR(ctx, "%s: no function to hand the settings to", ps.name);
		return HV_ERROR_INVAL;
	}
	rc = hv__xl_parse_text(&ps);
	/* lists in lists first: nothing is handed over if one is there */
	for (size_t i = 0; !rc && i < ps.nr_stmts; i++) {
		const struct value *v = ps.stmts[i].v;

		for (size_t j = 0; v->is_list && j < v->n; j++)
			if (v->items[j]->is_list) {
				rc = hv__xl_perr(&ps, v->items[j]->line, ps.stmts[i].key,
						 "item %zu is a list; each item is a \"string\" or a number",
						 j + 1);
				break;
			}
	}
	for (size_t i = 0; !rc && i < ps.nr_stmts; i++) {
		const struct stmt *st = &ps.stmts[i];
		hv_config_setting s = {
			.key = st->key, .line = st->line, .append = st->append,
		};

		if (st->v->is_list) {
			const char **n = realloc(items, (st->v->n ? st->v->n : 1) * sizeof(*n));

			if (!n) {
				rc = HV_ERROR_NOMEM;
				break;
			}
			items = n;
			for (size_t j = 0; j < st->v->n; j++)
				items[j] = st->v->items[j]->s;
			s.items = items;
			s.nr_items = st->v->n;
		} else {
			s.value = st->v->s;
			s.quoted = st->v->quoted;
		}
		rc = fn(opaque, &s);
	}
	free(items);
	hv__xl_parser_free(&ps);
	return rc;
}
