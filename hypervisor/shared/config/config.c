/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain configuration: structures, their descriptions, and validation. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_int.h"

/* Limits checked by hv_config_validate(). */
#define HV__MAX_MEMORY_MIB (UINT64_C(16) << 20)	/* 16 TiB */
#define HV__MAX_VCPUS 4096
#define HV__MAX_NAME 63	/* as HV_DOMAIN_NAME_MAX in hv/domain.h */

_Static_assert(sizeof(enum hv_action) == sizeof(int) &&
	       sizeof(enum hv_domain_type) == sizeof(int) &&
	       sizeof(enum hv_disk_format) == sizeof(int),
	       "the member tables store enumerations as int");

#define ENUM_NAMES(var, choices_text, ...)				\
	static const char *const var##_list[] = { NULL, __VA_ARGS__ };	\
	const struct hv__enum_names var = {				\
		var##_list,						\
		sizeof(var##_list) / sizeof(var##_list[0]),		\
		choices_text,						\
	}

ENUM_NAMES(hv__domain_type_names, "\"pvh\" or \"hvm\"", "pvh", "hvm");
ENUM_NAMES(hv__action_names,
	   "destroy, restart, rename-restart, preserve, coredump-destroy or coredump-restart",
	   "destroy", "restart", "rename-restart", "preserve",
	   "coredump-destroy", "coredump-restart");
ENUM_NAMES(hv__disk_format_names, "raw, qcow, qcow2, vhd or qed",
	   "raw", "qcow", "qcow2", "vhd", "qed");
ENUM_NAMES(hv__disk_access_names, "ro or rw", "rw", "ro");
ENUM_NAMES(hv__disk_devtype_names, "disk or cdrom", "disk", "cdrom");

int hv__enum_value(const struct hv__enum_names *e, const char *s)
{
	for (int i = 1; i < e->count; i++)
		if (!strcmp(e->names[i], s))
			return i;
	return 0;
}

const char *hv__enum_name(const struct hv__enum_names *e, int v)
{
	return v >= 1 && v < e->count ? e->names[v] : NULL;
}

/* Member tables. */
#define FIELD(type, member, ftype, ...) \
	{ #member, ftype, offsetof(type, member), __VA_ARGS__ }

static void disk_init(void *obj)
{
	hv_disk_spec *disk = obj;

	disk->format = HV_DISK_FORMAT_RAW;
	disk->access = HV_DISK_ACCESS_RW;
	disk->devtype = HV_DISK_DEVTYPE_DISK;
	disk->discard = -1;
}

static const struct hv__field disk_fields[] = {
	FIELD(hv_disk_spec, target, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_disk_spec, format, HV__F_ENUM, 0, &hv__disk_format_names, NULL),
	FIELD(hv_disk_spec, vdev, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_disk_spec, access, HV__F_ENUM, 0, &hv__disk_access_names, NULL),
	FIELD(hv_disk_spec, devtype, HV__F_ENUM, 0, &hv__disk_devtype_names, NULL),
	FIELD(hv_disk_spec, backendtype, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_disk_spec, script, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_disk_spec, discard, HV__F_TRISTATE, 0, NULL, NULL),
	FIELD(hv_disk_spec, direct_io_safe, HV__F_BOOL, 0, NULL, NULL),
};

const struct hv__struct_desc hv__disk_desc = {
	"disk", sizeof(hv_disk_spec), disk_init,
	disk_fields, sizeof(disk_fields) / sizeof(disk_fields[0]),
};

static void vif_init(void *obj)
{
	(void)obj;
}

static const struct hv__field vif_fields[] = {
	FIELD(hv_vif_spec, mac, HV__F_MAC, offsetof(hv_vif_spec, has_mac), NULL, NULL),
	FIELD(hv_vif_spec, bridge, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_vif_spec, ip, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_vif_spec, model, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_vif_spec, script, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_vif_spec, vifname, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_vif_spec, rate, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_vif_spec, mtu, HV__F_UINT, 0, NULL, NULL),
};

const struct hv__struct_desc hv__vif_desc = {
	"vif", sizeof(hv_vif_spec), vif_init,
	vif_fields, sizeof(vif_fields) / sizeof(vif_fields[0]),
};

static void domain_init(void *obj)
{
	hv_domain_config *cfg = obj;

	cfg->type = HV_DOMAIN_PVH;
	cfg->memory_mib = HV_DOMAIN_DEFAULT_MEMORY_MIB;
	cfg->vcpus = 1;
	cfg->on_poweroff = HV_ACTION_DESTROY;
	cfg->on_reboot = HV_ACTION_RESTART;
	cfg->on_crash = HV_ACTION_DESTROY;
}

static const struct hv__field domain_fields[] = {
	FIELD(hv_domain_config, name, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_domain_config, uuid, HV__F_UUID,
	      offsetof(hv_domain_config, has_uuid), NULL, NULL),
	FIELD(hv_domain_config, type, HV__F_ENUM, 0, &hv__domain_type_names, NULL),
	FIELD(hv_domain_config, memory_mib, HV__F_U64, 0, NULL, NULL),
	FIELD(hv_domain_config, maxmem_mib, HV__F_U64, 0, NULL, NULL),
	FIELD(hv_domain_config, vcpus, HV__F_UINT, 0, NULL, NULL),
	FIELD(hv_domain_config, maxvcpus, HV__F_UINT, 0, NULL, NULL),
	FIELD(hv_domain_config, cpus, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_domain_config, kernel, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_domain_config, ramdisk, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_domain_config, cmdline, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_domain_config, root, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_domain_config, extra, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_domain_config, on_poweroff, HV__F_ENUM, 0, &hv__action_names, NULL),
	FIELD(hv_domain_config, on_reboot, HV__F_ENUM, 0, &hv__action_names, NULL),
	FIELD(hv_domain_config, on_crash, HV__F_ENUM, 0, &hv__action_names, NULL),
	FIELD(hv_domain_config, disks, HV__F_ARRAY,
	      offsetof(hv_domain_config, nr_disks), NULL, &hv__disk_desc),
	FIELD(hv_domain_config, vifs, HV__F_ARRAY,
	      offsetof(hv_domain_config, nr_vifs), NULL, &hv__vif_desc),
};

const struct hv__struct_desc hv__domain_desc = {
	"domain", sizeof(hv_domain_config), domain_init,
	domain_fields, sizeof(domain_fields) / sizeof(domain_fields[0]),
};

/* Generic operations on described structures. */

static size_t field_size(const struct hv__field *f)
{
	switch (f->type) {
	case HV__F_STRING:
		return sizeof(char *);
	case HV__F_U64:
		return sizeof(uint64_t);
	case HV__F_UINT:
		return sizeof(unsigned int);
	case HV__F_BOOL:
	case HV__F_TRISTATE:
	case HV__F_ENUM:
		return sizeof(int);
	case HV__F_UUID:
		return 16;
	case HV__F_MAC:
		return 6;
	case HV__F_ARRAY:
		return sizeof(void **);
	}
	return 0;
}

bool hv__field_present(const struct hv__field *f, size_t size)
{
	if (f->off + field_size(f) > size)
		return false;
	switch (f->type) {
	case HV__F_UUID:
	case HV__F_MAC:
		return f->aux + sizeof(int) <= size;
	case HV__F_ARRAY:
		return f->aux + sizeof(size_t) <= size;
	default:
		return true;
	}
}

/* The members of the first libhv release; every caller has at least these. */
#define HV__CFG_SIZE_1_0 \
	(offsetof(hv_domain_config, nr_vifs) + sizeof(size_t))

size_t hv__cfg_size(const hv_domain_config *cfg)
{
	if (!cfg || cfg->struct_size < HV__CFG_SIZE_1_0)
		return 0;
	return cfg->struct_size < sizeof(*cfg) ? cfg->struct_size : sizeof(*cfg);
}

void *hv__obj_new(const struct hv__struct_desc *d)
{
	void *obj = calloc(1, d->size);

	if (obj)
		d->init(obj);
	return obj;
}

void hv__obj_free(const struct hv__struct_desc *d, void *obj)
{
	if (!obj)
		return;
	hv__obj_dispose(d, obj, d->size);
	free(obj);
}

void hv__obj_dispose(const struct hv__struct_desc *d, void *obj, size_t size)
{
	char *base = obj;

	for (size_t i = 0; i < d->nr_fields; i++) {
		const struct hv__field *f = &d->fields[i];

		if (!hv__field_present(f, size))
			continue;
		if (f->type == HV__F_STRING) {
			char **sp = (char **)(base + f->off);

			free(*sp);
			*sp = NULL;
		} else if (f->type == HV__F_ARRAY) {
			void ***ap = (void ***)(base + f->off);
			size_t *np = (size_t *)(base + f->aux);

			for (size_t j = 0; j < *np; j++)
				hv__obj_free(f->elem, (*ap)[j]);
			free(*ap);
			*ap = NULL;
			*np = 0;
		}
	}
}

int hv__array_append(const struct hv__field *f, void *obj, void *elem)
{
	void ***ap = (void ***)((char *)obj + f->off);
	size_t *np = (size_t *)((char *)obj + f->aux);
	void **n;

	if (*np >= SIZE_MAX / sizeof(void *) - 1)
		return HV_ERROR_NOMEM;
	n = realloc(*ap, (*np + 1) * sizeof(void *));
	if (!n)
		return HV_ERROR_NOMEM;
	n[*np] = elem;
	*ap = n;
	(*np)++;
	return 0;
}

int hv__obj_copy(const struct hv__struct_desc *d, void *dst, const void *src,
		 size_t size)
{
	const char *sb = src;
	char *db = dst;

	for (size_t i = 0; i < d->nr_fields; i++) {
		const struct hv__field *f = &d->fields[i];

		if (!hv__field_present(f, size))
			continue;
		if (f->type == HV__F_STRING) {
			const char *s = *(char *const *)(sb + f->off);
			char **dp = (char **)(db + f->off);

			free(*dp);
			*dp = NULL;
			if (s && !(*dp = strdup(s)))
				return HV_ERROR_NOMEM;
		} else if (f->type == HV__F_ARRAY) {
			void *const *sa = *(void *const *const *)(sb + f->off);
			size_t n = *(const size_t *)(sb + f->aux);

			for (size_t j = 0; j < n; j++) {
				void *e = hv__obj_new(f->elem);
				int rc;

				if (!e)
					return HV_ERROR_NOMEM;
				rc = hv__obj_copy(f->elem, e, sa[j], f->elem->size);
				if (!rc)
					rc = hv__array_append(f, dst, e);
				if (rc) {
					hv__obj_free(f->elem, e);
					return rc;
				}
			}
		} else {
			memcpy(db + f->off, sb + f->off, field_size(f));
			if (f->type == HV__F_UUID || f->type == HV__F_MAC)
				memcpy(db + f->aux, sb + f->aux, sizeof(int));
		}
	}
	return 0;
}

/* Public structure management. */

HV__EXPORT void hv_domain_config_init_sized(hv_domain_config *cfg, size_t size)
{
	memset(cfg, 0, size);
	cfg->struct_size = size;
	if (size >= HV__CFG_SIZE_1_0)
		domain_init(cfg);
}

HV__EXPORT void hv_domain_config_dispose(hv_domain_config *cfg)
{
	size_t size = hv__cfg_size(cfg);

	if (size)
		hv__obj_dispose(&hv__domain_desc, cfg, size);
}

HV__EXPORT int hv_domain_config_copy(hv_domain_config *dst,
				     const hv_domain_config *src)
{
	size_t dsize = hv__cfg_size(dst), ssize = hv__cfg_size(src);
	hv_domain_config tmp;
	int rc;

	if (!dsize || !ssize)
		return HV_ERROR_INVAL;
	hv_domain_config_init_sized(&tmp, dsize);
	rc = hv__obj_copy(&hv__domain_desc, &tmp, src,
			  dsize < ssize ? dsize : ssize);
	if (rc) {
		hv__obj_dispose(&hv__domain_desc, &tmp, tmp.struct_size);
		return rc;
	}
	hv__cfg_replace(dst, &tmp);
	return 0;
}

void hv__cfg_replace(hv_domain_config *cfg, hv_domain_config *tmp)
{
	size_t size = hv__cfg_size(cfg), keep = cfg->struct_size;

	hv__obj_dispose(&hv__domain_desc, cfg, size);
	memcpy(cfg, tmp, size);
	cfg->struct_size = keep;
}

HV__EXPORT int hv_disk_spec_new(hv_disk_spec **disk_r)
{
	*disk_r = hv__obj_new(&hv__disk_desc);
	return *disk_r ? 0 : HV_ERROR_NOMEM;
}

HV__EXPORT void hv_disk_spec_free(hv_disk_spec *disk)
{
	hv__obj_free(&hv__disk_desc, disk);
}

HV__EXPORT int hv_vif_spec_new(hv_vif_spec **vif_r)
{
	*vif_r = hv__obj_new(&hv__vif_desc);
	return *vif_r ? 0 : HV_ERROR_NOMEM;
}

HV__EXPORT void hv_vif_spec_free(hv_vif_spec *vif)
{
	hv__obj_free(&hv__vif_desc, vif);
}

static const struct hv__field *domain_field(const char *name)
{
	for (size_t i = 0; i < hv__domain_desc.nr_fields; i++)
		if (!strcmp(domain_fields[i].name, name))
			return &domain_fields[i];
	return NULL;
}

HV__EXPORT int hv_domain_config_add_disk(hv_domain_config *cfg,
					 hv_disk_spec *disk)
{
	if (!hv__cfg_size(cfg) || !disk)
		return HV_ERROR_INVAL;
	return hv__array_append(domain_field("disks"), cfg, disk);
}

HV__EXPORT int hv_domain_config_add_vif(hv_domain_config *cfg, hv_vif_spec *vif)
{
	if (!hv__cfg_size(cfg) || !vif)
		return HV_ERROR_INVAL;
	return hv__array_append(domain_field("vifs"), cfg, vif);
}

HV__EXPORT int hv_domain_config_kernel_cmdline(hv_ctx *ctx,
					       const hv_domain_config *cfg,
					       char **cmdline_r)
{
	const char *root = cfg->root, *extra = cfg->extra;
	char *s = NULL;
	int r = 0;

	*cmdline_r = NULL;
	if (cfg->cmdline) {
		if (root || extra)
			HV__WARN(ctx, "%s: root and extra are ignored because cmdline is set (as in xl); put everything in cmdline",
				 cfg->name ? cfg->name : "domain config");
		s = strdup(cfg->cmdline);
	} else if (root && extra) {
		r = asprintf(&s, "root=%s %s", root, extra);
	} else if (root) {
		r = asprintf(&s, "root=%s", root);
	} else if (extra) {
		s = strdup(extra);
	} else {
		return 0;
	}
	if (r < 0 || !s)
		return HV_ERROR_NOMEM;
	*cmdline_r = s;
	return 0;
}

/* Checks shared with the xl.cfg reader. */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_alnum(char c)
{
	return is_digit(c) || is_lower(c) || (c >= 'A' && c <= 'Z');
}

const char *hv__check_name(const char *s)
{
	size_t n = strlen(s), digits = 0;

	if (!n || n > HV__MAX_NAME || !is_alnum(s[0]))
		goto bad;
	for (size_t i = 0; i < n; i++) {
		if (is_digit(s[i]))
			digits++;
		else if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' &&
			 s[i] != '.')
			goto bad;
	}
	if (digits == n)
		return "is a number, which xl would take for a domain id; add a letter (e.g. \"guest1\")";
	return NULL;
bad:
	return "is not a usable domain name: use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit";
}

/* Reads a decimal number below 65536 at *p; false if there is none. */
static bool read_cpu_number(const char **p, unsigned int *v)
{
	const char *s = *p;
	unsigned int n = 0;

	if (!is_digit(*s))
		return false;
	while (is_digit(*s)) {
		n = n * 10 + (unsigned int)(*s++ - '0');
		if (n > 65535)
			return false;
	}
	*v = n;
	*p = s;
	return true;
}

const char *hv__check_cpus(const char *s, char *buf, size_t len)
{
	const char *p = s;

	for (;;) {
		const char *item = p;
		unsigned int a, b;

		if (*p == '^')
			p++;
		if (!strncmp(p, "all", 3) && (p[3] == ',' || !p[3])) {
			p += 3;
		} else {
			if (!strncmp(p, "nodes:", 6))
				p += 6;
			else if (!strncmp(p, "node:", 5))
				p += 5;
			if (!read_cpu_number(&p, &a))
				goto bad;
			if (*p == '-') {
				p++;
				if (!read_cpu_number(&p, &b))
					goto bad;
				if (b < a) {
					snprintf(buf, len, "is not a CPU list: range \"%.*s\" runs backwards (write it low-high, e.g. \"%u-%u\")",
						 (int)(p - item), item, b, a);
					return buf;
				}
			}
		}
		if (!*p)
			return NULL;
		if (*p != ',')
			goto bad;
		p++;
		continue;
bad:
		snprintf(buf, len, "is not a CPU list: \"%.*s\" is not a CPU, a range or \"all\" (try \"0-3\", \"0-3,^1\", \"all\" or \"nodes:0\")",
			 (int)strcspn(item, ","), item);
		return buf;
	}
}

const char *hv__check_vdev(const char *s)
{
	const char *p = s;
	size_t letters = 0, digits = 0;

	if (!strncmp(p, "xvd", 3)) {
		p += 3;
	} else if (!strncmp(p, "hd", 2) || !strncmp(p, "sd", 2)) {
		p += 2;
	} else if (*p == 'd' && is_digit(p[1])) {
		p++;
		while (is_digit(*p) && digits < 5)
			p++, digits++;
		if (*p == 'p' && is_digit(p[1]))
			for (p++, digits = 0; is_digit(*p) && digits < 3; p++)
				digits++;
		goto end;
	} else {
		goto end;
	}
	while (is_lower(*p) && letters < 4)
		p++, letters++;
	while (letters && is_digit(*p) && digits < 3)
		p++, digits++;
	if (!letters)
		p = s;
end:
	if (p != s && !*p)
		return NULL;
	return "is not a virtual disk name (try xvda, xvdb1, hdc, sda or d0p1)";
}

const char *hv__check_rate(const char *s)
{
	const char *p = s;

	if (!is_digit(*p))
		goto bad;
	while (is_digit(*p))
		p++;
	if (*p == 'K' || *p == 'M' || *p == 'G')
		p++;
	if (*p != 'B' && *p != 'b')
		goto bad;
	p++;
	if (strncmp(p, "/s", 2))
		goto bad;
	p += 2;
	if (!*p)
		return NULL;
	if (*p++ != '@' || !is_digit(*p))
		goto bad;
	while (is_digit(*p))
		p++;
	if (!strcmp(p, "s") || !strcmp(p, "ms") || !strcmp(p, "us"))
		return NULL;
bad:
	return "is not a rate (try \"10Mb/s\" or \"100MB/s@20ms\")";
}

const char *hv__check_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned int c = *p, n, cp, min;

		if (c < 0x80) {
			p++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			goto bad;
		}
		for (unsigned int i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		p += n + 1;
	}
	return NULL;
bad:
	return "is not valid UTF-8 text (hv configurations are UTF-8)";
}

int hv__hexval(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads @n bytes as hex pairs, each pair after the first preceded by the
 * separator given for it in @seps ('\0': none). */
static int parse_hex_bytes(const char *s, uint8_t *out, size_t n,
			   const char *seps)
{
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (i && seps[i - 1] && *s++ != seps[i - 1])
			return -1;
		hi = hv__hexval(s[0]);
		lo = hi < 0 ? -1 : hv__hexval(s[1]);
		if (lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return *s ? -1 : 0;
}

int hv__uuid_parse(const char *s, uint8_t uuid[16])
{
	static const char seps[15] = {
		0, 0, 0, '-', 0, '-', 0, '-', 0, '-', 0, 0, 0, 0, 0,
	};

	return parse_hex_bytes(s, uuid, 16, seps);
}

void hv__uuid_format(const uint8_t u[16], char buf[HV__UUID_STRLEN])
{
	snprintf(buf, HV__UUID_STRLEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
}

int hv__mac_parse(const char *s, uint8_t mac[6])
{
	return parse_hex_bytes(s, mac, 6, ":::::");
}

void hv__mac_format(const uint8_t m[6], char buf[HV__MAC_STRLEN])
{
	snprintf(buf, HV__MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* Growable strings. */

void hv__buf_add(struct hv__buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (n >= SIZE_MAX / 2 - b->len) {
		b->failed = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *ns;

		while (cap < b->len + n + 1)
			cap *= 2;
		ns = realloc(b->s, cap);
		if (!ns) {
			b->failed = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void hv__buf_addc(struct hv__buf *b, char c)
{
	hv__buf_add(b, &c, 1);
}

void hv__buf_adds(struct hv__buf *b, const char *s)
{
	hv__buf_add(b, s, strlen(s));
}

char *hv__buf_steal(struct hv__buf *b)
{
	char *s;

	if (b->failed) {
		hv__buf_free(b);
		return NULL;
	}
	if (!b->s)
		hv__buf_add(b, "", 0);
	if (!b->s) {
		hv__buf_free(b);
		return NULL;
	}
	s = b->s;
	memset(b, 0, sizeof(*b));
	return s;
}

void hv__buf_free(struct hv__buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

/* Validation. */

struct vctx {
	hv_ctx *ctx;
	const char *who;	/* 'domain "web"' or 'domain config' */
};

static int verr(struct vctx *v, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int verr(struct vctx *v, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	HV__ERR(v->ctx, "%s: %s: %s", v->who, key, msg);
	return HV_ERROR_CONFIG;
}

static int check_enum(struct vctx *v, const char *key,
		      const struct hv__enum_names *e, int value)
{
	if (hv__enum_name(e, value))
		return 0;
	return verr(v, key, "%d is not a valid value (use %s)", value,
		    e->choices);
}

static int validate_disk(struct vctx *v, const hv_domain_config *cfg,
			 size_t i)
{
	static const char *const backendtypes[] = {
		"phy", "qdisk", "tap", "standalone",
	};
	const hv_disk_spec *d = cfg->disks[i];
	char key[64];
	const char *why;
	bool ok;

	snprintf(key, sizeof(key), "disks[%zu]", i);
	if (!d)
		return verr(v, key, "is NULL (add disks with hv_domain_config_add_disk())");
	if (check_enum(v, key, &hv__disk_format_names, d->format) ||
	    check_enum(v, key, &hv__disk_access_names, d->access) ||
	    check_enum(v, key, &hv__disk_devtype_names, d->devtype))
		return HV_ERROR_CONFIG;
	if (!d->vdev)
		return verr(v, key, "has no vdev (say which disk the guest sees, e.g. vdev=xvda)");
	why = hv__check_vdev(d->vdev);
	if (why)
		return verr(v, key, "vdev \"%s\" %s", d->vdev, why);
	for (size_t j = 0; j < i; j++)
		if (cfg->disks[j] && cfg->disks[j]->vdev &&
		    !strcmp(cfg->disks[j]->vdev, d->vdev))
			return verr(v, key, "vdev \"%s\" is also used by disks[%zu]; give each disk its own vdev",
				    d->vdev, j);
	if (!d->target && d->devtype != HV_DISK_DEVTYPE_CDROM)
		return verr(v, key, "has no target (give the image or device path; only a CD-ROM may be empty)");
	if (d->target && !d->target[0])
		return verr(v, key, "target is empty (give the image or device path)");
	if (d->devtype == HV_DISK_DEVTYPE_CDROM && d->access != HV_DISK_ACCESS_RO)
		return verr(v, key, "a CD-ROM is read-only (use access=ro)");
	if (d->discard < -1 || d->discard > 1)
		return verr(v, key, "discard is %d (use -1 for the default, 0 or 1)",
			    d->discard);
	if (d->direct_io_safe != 0 && d->direct_io_safe != 1)
		return verr(v, key, "direct_io_safe is %d (use 0 or 1)",
			    d->direct_io_safe);
	if (d->backendtype) {
		ok = false;
		for (size_t j = 0; j < 4; j++)
			ok |= !strcmp(d->backendtype, backendtypes[j]);
		if (!ok)
			return verr(v, key, "backendtype \"%s\" is not phy, qdisk, tap or standalone",
				    d->backendtype);
	}
	return 0;
}

static int validate_vif(struct vctx *v, const hv_domain_config *cfg, size_t i)
{
	const hv_vif_spec *n = cfg->vifs[i];
	char key[64], mac[HV__MAC_STRLEN];
	const char *why;
	static const uint8_t zero[6];

	snprintf(key, sizeof(key), "vifs[%zu]", i);
	if (!n)
		return verr(v, key, "is NULL (add vifs with hv_domain_config_add_vif())");
	if (n->has_mac) {
		hv__mac_format(n->mac, mac);
		if (n->mac[0] & 1)
			return verr(v, key, "mac %s is a multicast address (clear the lowest bit of the first byte, e.g. 00:16:3e:...)",
				    mac);
		if (!memcmp(n->mac, zero, 6))
			return verr(v, key, "mac %s is all zeros (leave mac out to get a generated one)",
				    mac);
		for (size_t j = 0; j < i; j++)
			if (cfg->vifs[j] && cfg->vifs[j]->has_mac &&
			    !memcmp(cfg->vifs[j]->mac, n->mac, 6))
				return verr(v, key, "mac %s is also used by vifs[%zu]; give each vif its own",
					    mac, j);
	}
	if (n->rate && (why = hv__check_rate(n->rate)))
		return verr(v, key, "rate \"%s\" %s", n->rate, why);
	if (n->mtu && (n->mtu < 68 || n->mtu > 65535))
		return verr(v, key, "mtu %u is out of range (use 68 to 65535, or 0 for the default)",
			    n->mtu);
	return 0;
}

HV__EXPORT int hv_config_validate(hv_ctx *ctx, const hv_domain_config *cfg,
				  unsigned int flags)
{
	struct vctx v = { ctx, "domain config" };
	char who[HV__MAX_NAME + 16], buf[256];
	const char *why;
	int rc;

	if (!hv__cfg_size(cfg)) {
		HV__ERR(ctx, "domain config: not initialised (call hv_domain_config_init() first)");
		return HV_ERROR_INVAL;
	}
	if (flags) {
		HV__ERR(ctx, "hv_config_validate: unknown flags %#x (pass 0)", flags);
		return HV_ERROR_INVAL;
	}
	if (!cfg->name)
		return verr(&v, "name", "not set (add name = \"myguest\")");
	why = hv__check_name(cfg->name);
	if (why)
		return verr(&v, "name", "\"%s\" %s", cfg->name, why);
	snprintf(who, sizeof(who), "domain \"%s\"", cfg->name);
	v.who = who;

	if (check_enum(&v, "type", &hv__domain_type_names, cfg->type))
		return HV_ERROR_CONFIG;
	if (cfg->type == HV_DOMAIN_PVH && !cfg->kernel)
		return verr(&v, "kernel", "not set, and a PVH guest boots a kernel (add kernel = \"/path/to/vmlinuz\", or use type = \"hvm\")");
	if (cfg->ramdisk && !cfg->kernel)
		return verr(&v, "ramdisk", "set without a kernel (add kernel = \"/path/to/vmlinuz\")");

	if (cfg->memory_mib < 1 || cfg->memory_mib > HV__MAX_MEMORY_MIB)
		return verr(&v, "memory", "%" PRIu64 " MiB is out of range (use 1 to %" PRIu64 ")",
			    cfg->memory_mib, HV__MAX_MEMORY_MIB);
	if (cfg->maxmem_mib && cfg->maxmem_mib < cfg->memory_mib)
		return verr(&v, "maxmem", "%" PRIu64 " MiB is less than memory (%" PRIu64 " MiB); raise maxmem or leave it out",
			    cfg->maxmem_mib, cfg->memory_mib);
	if (cfg->maxmem_mib > HV__MAX_MEMORY_MIB)
		return verr(&v, "maxmem", "%" PRIu64 " MiB is out of range (use at most %" PRIu64 ")",
			    cfg->maxmem_mib, HV__MAX_MEMORY_MIB);
	if (cfg->vcpus < 1 || cfg->vcpus > HV__MAX_VCPUS)
		return verr(&v, "vcpus", "%u is out of range (use 1 to %d)",
			    cfg->vcpus, HV__MAX_VCPUS);
	if (cfg->maxvcpus && cfg->maxvcpus < cfg->vcpus)
		return verr(&v, "maxvcpus", "%u is less than vcpus (%u); raise maxvcpus or leave it out",
			    cfg->maxvcpus, cfg->vcpus);
	if (cfg->maxvcpus > HV__MAX_VCPUS)
		return verr(&v, "maxvcpus", "%u is out of range (use at most %d)",
			    cfg->maxvcpus, HV__MAX_VCPUS);
	if (cfg->cpus && (why = hv__check_cpus(cfg->cpus, buf, sizeof(buf))))
		return verr(&v, "cpus", "\"%s\" %s", cfg->cpus, why);

	if (check_enum(&v, "on_poweroff", &hv__action_names, cfg->on_poweroff) ||
	    check_enum(&v, "on_reboot", &hv__action_names, cfg->on_reboot) ||
	    check_enum(&v, "on_crash", &hv__action_names, cfg->on_crash))
		return HV_ERROR_CONFIG;

	for (size_t i = 0; i < cfg->nr_disks; i++)
		if ((rc = validate_disk(&v, cfg, i)))
			return rc;
	for (size_t i = 0; i < cfg->nr_vifs; i++)
		if ((rc = validate_vif(&v, cfg, i)))
			return rc;
	return 0;
}
