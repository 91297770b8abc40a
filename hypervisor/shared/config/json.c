/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Domain configuration <-> JSON.  Both directions walk the member tables of
 * config.c, so they cannot drift apart; the output is deterministic (table
 * order, fixed indentation), which makes the round trip byte-exact.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>
#include "config_int.h"

#define MAX_JSON_DEPTH 16

static const char *path_or_top(const char *path)
{
	return *path ? path : "(top level)";
}

static void join_path(char *buf, size_t len, const char *path,
		      const char *key)
{
	snprintf(buf, len, "%.200s%s%.60s", path, *path ? "." : "", key);
}

/* Writing. */

struct gen {
	hv_ctx *ctx;
	yajl_gen g;
};

static int gen_fail(struct gen *gn, const char *path, yajl_gen_status st)
{
	if (st == yajl_gen_invalid_string) {
		HV__ERR(gn->ctx, "domain config to JSON: %s: the string is not valid UTF-8; store UTF-8 text",
			path);
		return HV_ERROR_INVAL;
	}
	HV__ERR(gn->ctx, "domain config to JSON: %s: JSON generator error %d",
		path, (int)st);
	return st == yajl_gen_status_ok ? 0 : HV_ERROR_FAIL;
}

static yajl_gen_status gen_str(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static int gen_obj(struct gen *gn, const struct hv__struct_desc *d,
		   const void *obj, size_t size, const char *path);

static int gen_field(struct gen *gn, const struct hv__field *f,
		     const char *base, const char *path)
{
	const void *p = base + f->off;
	char text[HV__UUID_STRLEN];
	yajl_gen_status st = yajl_gen_status_ok;
	int iv;

	switch (f->type) {
	case HV__F_STRING:
		if (!*(char *const *)p)
			return 0;
		st = gen_str(gn->g, f->name);
		if (st == yajl_gen_status_ok)
			st = gen_str(gn->g, *(char *const *)p);
		break;
	case HV__F_U64:
		if (f->aux == HV__OMIT_ZERO && !*(const uint64_t *)p)
			return 0;
		if (*(const uint64_t *)p > INT64_MAX) {
			HV__ERR(gn->ctx, "domain config to JSON: %s: %llu is too large (at most %lld)",
				path, (unsigned long long)*(const uint64_t *)p,
				(long long)INT64_MAX);
			return HV_ERROR_INVAL;
		}
		st = gen_str(gn->g, f->name);
		if (st == yajl_gen_status_ok)
			st = yajl_gen_integer(gn->g,
					      (long long)*(const uint64_t *)p);
		break;
	case HV__F_UINT:
		if ((f->aux == HV__OMIT_ZERO && !*(const unsigned int *)p) ||
		    (f->aux == HV__OMIT_UNSET && *(const unsigned int *)p == UINT_MAX))
			return 0;
		st = gen_str(gn->g, f->name);
		if (st == yajl_gen_status_ok)
			st = yajl_gen_integer(gn->g, *(const unsigned int *)p);
		break;
	case HV__F_BOOL:
	case HV__F_TRISTATE:
		iv = *(const int *)p;
		if (iv == -1 && f->type == HV__F_TRISTATE)
			return 0;
		if (iv != 0 && iv != 1) {
			HV__ERR(gn->ctx, "domain config to JSON: %s: %d is not 0 or 1%s",
				path, iv,
				f->type == HV__F_TRISTATE ? " (or -1: default)" : "");
			return HV_ERROR_INVAL;
		}
		st = gen_str(gn->g, f->name);
		if (st == yajl_gen_status_ok)
			st = yajl_gen_bool(gn->g, iv);
		break;
	case HV__F_ENUM:
		iv = *(const int *)p;
		if (!hv__enum_name(f->e, iv)) {
			HV__ERR(gn->ctx, "domain config to JSON: %s: %d is not a valid value (use %s)",
				path, iv, f->e->choices);
			return HV_ERROR_INVAL;
		}
		st = gen_str(gn->g, f->name);
		if (st == yajl_gen_status_ok)
			st = gen_str(gn->g, hv__enum_name(f->e, iv));
		break;
	case HV__F_UUID:
	case HV__F_MAC:
		if (!*(const int *)(base + f->aux))
			return 0;
		if (f->type == HV__F_UUID)
			hv__uuid_format(p, text);
		else
			hv__mac_format(p, text);
		st = gen_str(gn->g, f->name);
		if (st == yajl_gen_status_ok)
			st = gen_str(gn->g, text);
		break;
	case HV__F_ARRAY: {
		void *const *items = *(void *const *const *)p;
		size_t n = *(const size_t *)(base + f->aux);
		char ipath[320];
		int rc;

		st = gen_str(gn->g, f->name);
		if (st == yajl_gen_status_ok)
			st = yajl_gen_array_open(gn->g);
		for (size_t i = 0; i < n && st == yajl_gen_status_ok; i++) {
			snprintf(ipath, sizeof(ipath), "%.200s[%zu]", path, i);
			if (!items[i]) {
				HV__ERR(gn->ctx, "domain config to JSON: %s: NULL entry (add entries with hv_domain_config_add_%.4s())",
					ipath, f->name);
				return HV_ERROR_INVAL;
			}
			rc = gen_obj(gn, f->elem, items[i], f->elem->size,
				     ipath);
			if (rc)
				return rc;
		}
		if (st == yajl_gen_status_ok)
			st = yajl_gen_array_close(gn->g);
		break;
	}
	}
	return st == yajl_gen_status_ok ? 0 : gen_fail(gn, path, st);
}

static int gen_obj(struct gen *gn, const struct hv__struct_desc *d,
		   const void *obj, size_t size, const char *path)
{
	yajl_gen_status st = yajl_gen_map_open(gn->g);
	char fpath[320];
	int rc;

	if (st != yajl_gen_status_ok)
		return gen_fail(gn, path_or_top(path), st);
	for (size_t i = 0; i < d->nr_fields; i++) {
		const struct hv__field *f = &d->fields[i];

		if (!hv__field_present(f, size))
			continue;
		join_path(fpath, sizeof(fpath), path, f->name);
		rc = gen_field(gn, f, obj, fpath);
		if (rc)
			return rc;
	}
	st = yajl_gen_map_close(gn->g);
	return st == yajl_gen_status_ok ? 0 : gen_fail(gn, path_or_top(path), st);
}

/* @obj (described by @d, @size bytes of it usable) as JSON in *json_r. */
static int gen_json(hv_ctx *ctx, const struct hv__struct_desc *d, const void *obj,
		    size_t size, char **json_r)
{
	struct gen gn = { ctx, NULL };
	const unsigned char *out;
	size_t len;
	int rc;

	gn.g = yajl_gen_alloc(NULL);
	if (!gn.g)
		return HV_ERROR_NOMEM;
	yajl_gen_config(gn.g, yajl_gen_beautify, 1);
	yajl_gen_config(gn.g, yajl_gen_indent_string, "    ");
	yajl_gen_config(gn.g, yajl_gen_validate_utf8, 1);
	rc = gen_obj(&gn, d, obj, size, "");
	if (rc)
		goto out;
	if (yajl_gen_get_buf(gn.g, &out, &len) != yajl_gen_status_ok) {
		rc = HV_ERROR_FAIL;
		goto out;
	}
	*json_r = strndup((const char *)out, len);
	if (!*json_r)
		rc = HV_ERROR_NOMEM;
out:
	yajl_gen_free(gn.g);
	return rc;
}

HV__EXPORT int hv_config_to_json(hv_ctx *ctx, const hv_domain_config *cfg,
				 char **json_r)
{
	size_t size = hv__cfg_size(cfg);

	*json_r = NULL;
	if (!size) {
		HV__ERR(ctx, "domain config to JSON: not initialised (call hv_domain_config_init() first)");
		return HV_ERROR_INVAL;
	}
	return gen_json(ctx, &hv__domain_desc, cfg, size, json_r);
}

int hv__disk_to_json(hv_ctx *ctx, const hv_disk_spec *disk, char **json_r)
{
	*json_r = NULL;
	return gen_json(ctx, &hv__disk_desc, disk, sizeof(*disk), json_r);
}

int hv__vif_to_json(hv_ctx *ctx, const hv_vif_spec *vif, char **json_r)
{
	*json_r = NULL;
	return gen_json(ctx, &hv__vif_desc, vif, sizeof(*vif), json_r);
}

/* Reading. */

struct rd {
	hv_ctx *ctx;
};

static int rerr(struct rd *r, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rerr(struct rd *r, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	HV__ERR(r->ctx, "domain config JSON: %s: %s", path_or_top(path), msg);
	return HV_ERROR_CONFIG;
}

static const char *kind(yajl_val v)
{
	if (YAJL_IS_STRING(v))
		return "a string";
	if (YAJL_IS_NUMBER(v))
		return "a number";
	if (YAJL_IS_OBJECT(v))
		return "an object";
	if (YAJL_IS_ARRAY(v))
		return "an array";
	if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
		return "a boolean";
	return "null";
}

static int read_obj(struct rd *r, const struct hv__struct_desc *d, void *obj,
		    size_t size, yajl_val node, const char *path);

static int read_field(struct rd *r, const struct hv__field *f, char *base,
		      yajl_val v, const char *path)
{
	void *p = base + f->off;
	long long n;
	int e;

	switch (f->type) {
	case HV__F_STRING:
		if (YAJL_IS_NULL(v))
			return 0;
		if (!YAJL_IS_STRING(v))
			return rerr(r, path, "expected a string, got %s",
				    kind(v));
		free(*(char **)p);
		*(char **)p = strdup(v->u.string);
		return *(char **)p ? 0 : HV_ERROR_NOMEM;
	case HV__F_U64:
	case HV__F_UINT:
		if (!YAJL_IS_INTEGER(v) || (n = YAJL_GET_INTEGER(v)) < 0 ||
		    (f->type == HV__F_UINT && n > (long long)UINT_MAX))
			return rerr(r, path, "expected a whole number from 0 to %llu, got %s",
				    f->type == HV__F_UINT ?
				    (unsigned long long)UINT_MAX :
				    (unsigned long long)INT64_MAX,
				    YAJL_IS_NUMBER(v) ? YAJL_GET_NUMBER(v) : kind(v));
		if (f->type == HV__F_U64)
			*(uint64_t *)p = (uint64_t)n;
		else
			*(unsigned int *)p = (unsigned int)n;
		return 0;
	case HV__F_TRISTATE:
		if (YAJL_IS_NULL(v)) {
			*(int *)p = -1;
			return 0;
		}
		/* fall through */
	case HV__F_BOOL:
		if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
			return rerr(r, path, "expected true or false%s, got %s",
				    f->type == HV__F_TRISTATE ? " (or null)" : "",
				    kind(v));
		*(int *)p = YAJL_IS_TRUE(v);
		return 0;
	case HV__F_ENUM:
		if (!YAJL_IS_STRING(v))
			return rerr(r, path, "expected a string (%s), got %s",
				    f->e->choices, kind(v));
		e = hv__enum_value(f->e, v->u.string);
		if (!e)
			return rerr(r, path, "\"%s\" is not %s",
				    v->u.string, f->e->choices);
		*(int *)p = e;
		return 0;
	case HV__F_UUID:
	case HV__F_MAC:
		if (YAJL_IS_NULL(v)) {
			*(int *)(base + f->aux) = 0;
			return 0;
		}
		if (!YAJL_IS_STRING(v))
			return rerr(r, path, "expected a string, got %s",
				    kind(v));
		if (f->type == HV__F_UUID ?
		    hv__uuid_parse(v->u.string, p) :
		    hv__mac_parse(v->u.string, p))
			return rerr(r, path, "\"%s\" is not %s",
				    v->u.string,
				    f->type == HV__F_UUID ?
				    "a UUID (like \"4f1c2d9e-7b1a-4c3e-9a52-0d6e8f3b2a10\")" :
				    "a MAC address (like \"00:16:3e:12:34:56\")");
		*(int *)(base + f->aux) = 1;
		return 0;
	case HV__F_ARRAY: {
		char ipath[320];

		if (!YAJL_IS_ARRAY(v))
			return rerr(r, path, "expected an array of objects, got %s",
				    kind(v));
		for (size_t i = 0; i < v->u.array.len; i++) {
			void *elem = hv__obj_new(f->elem);
			int rc;

			if (!elem)
				return HV_ERROR_NOMEM;
			snprintf(ipath, sizeof(ipath), "%.200s[%zu]", path, i);
			rc = read_obj(r, f->elem, elem, f->elem->size,
				      v->u.array.values[i], ipath);
			if (!rc)
				rc = hv__array_append(f, base, elem);
			if (rc) {
				hv__obj_free(f->elem, elem);
				return rc;
			}
		}
		return 0;
	}
	}
	return HV_ERROR_FAIL;
}

static int read_obj(struct rd *r, const struct hv__struct_desc *d, void *obj,
		    size_t size, yajl_val node, const char *path)
{
	char fpath[320];
	int rc;

	if (!YAJL_IS_OBJECT(node))
		return rerr(r, path, "expected an object ({ ... }), got %s",
			    kind(node));
	for (size_t i = 0; i < node->u.object.len; i++) {
		const char *key = node->u.object.keys[i];
		const struct hv__field *f = NULL;

		for (size_t j = 0; j < i; j++)
			if (!strcmp(node->u.object.keys[j], key))
				return rerr(r, path, "key \"%s\" appears twice; keep one",
					    key);
		for (size_t j = 0; j < d->nr_fields; j++)
			if (!strcmp(d->fields[j].name, key))
				f = &d->fields[j];
		if (!f)
			return rerr(r, path, "unknown key \"%s\" in a %s object (check its spelling against hv/config.h)",
				    key, d->what);
		/* A member the caller's older structure does not have. */
		if (!hv__field_present(f, size))
			continue;
		join_path(fpath, sizeof(fpath), path, key);
		rc = read_field(r, f, obj, node->u.object.values[i], fpath);
		if (rc)
			return rc;
	}
	return 0;
}

/* yajl_tree recurses; refuse deep nesting before it sees the text. */
static bool too_deep(const char *s)
{
	int depth = 0;
	bool in_str = false;

	for (; *s; s++) {
		if (in_str) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '"')
				in_str = false;
		} else if (*s == '"') {
			in_str = true;
		} else if (*s == '[' || *s == '{') {
			if (++depth > MAX_JSON_DEPTH)
				return true;
		} else if (*s == ']' || *s == '}') {
			depth--;
		}
	}
	return false;
}

/* @json's tree into *root_r (yajl_tree_free() it): 0 or HV_ERROR_CONFIG (logged). */
static int parse_tree(struct rd *r, const char *json, const char *what, yajl_val *root_r)
{
	char errbuf[512];

	*root_r = NULL;
	if (too_deep(json))
		return rerr(r, "", "nested more than %d deep; this is not %s",
			    MAX_JSON_DEPTH, what);
	errbuf[0] = '\0';
	*root_r = yajl_tree_parse(json, errbuf, sizeof(errbuf));
	if (!*root_r) {
		for (char *c = errbuf; *c; c++)
			if (*c == '\n' || *c == '\r')
				*c = ' ';
		return rerr(r, "", "not valid JSON: %s",
			    *errbuf ? errbuf : "out of memory");
	}
	return 0;
}

HV__EXPORT int hv_config_from_json(hv_ctx *ctx, const char *json,
				   hv_domain_config *cfg)
{
	struct rd r = { ctx };
	size_t size = hv__cfg_size(cfg);
	hv_domain_config tmp;
	yajl_val root;
	int rc;

	if (!size) {
		HV__ERR(ctx, "domain config JSON: the configuration was not initialised (call hv_domain_config_init() first)");
		return HV_ERROR_INVAL;
	}
	rc = parse_tree(&r, json, "a domain configuration", &root);
	if (rc)
		return rc;
	hv_domain_config_init_sized(&tmp, size);
	rc = read_obj(&r, &hv__domain_desc, &tmp, size, root, "");
	yajl_tree_free(root);
	if (rc) {
		hv_domain_config_dispose(&tmp);
		return rc;
	}
	hv__cfg_replace(cfg, &tmp);
	return 0;
}

/* One device (@what: "a disk", named @key in messages) from its JSON. */
static int dev_from_json(hv_ctx *ctx, const struct hv__struct_desc *desc, size_t size,
			 const char *what, const char *key, const char *json, void **obj_r)
{
	struct rd r = { ctx };
	void *obj;
	yajl_val root;
	int rc;

	*obj_r = NULL;
	rc = parse_tree(&r, json, what, &root);
	if (rc)
		return rc;
	obj = hv__obj_new(desc);
	rc = obj ? read_obj(&r, desc, obj, size, root, key) : HV_ERROR_NOMEM;
	yajl_tree_free(root);
	if (rc) {
		hv__obj_free(desc, obj);
		return rc;
	}
	*obj_r = obj;
	return 0;
}

int hv__disk_from_json(hv_ctx *ctx, const char *json, hv_disk_spec **disk_r)
{
	return dev_from_json(ctx, &hv__disk_desc, sizeof(**disk_r), "a disk", "disk", json,
			     (void **)disk_r);
}

int hv__vif_from_json(hv_ctx *ctx, const char *json, hv_vif_spec **vif_r)
{
	return dev_from_json(ctx, &hv__vif_desc, sizeof(**vif_r), "a vif", "vif", json,
			     (void **)vif_r);
}
