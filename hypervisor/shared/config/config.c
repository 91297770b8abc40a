/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Domain configuration: the member tables that describe each structure, the
 * operations that walk them (init, dispose, copy, arrays), enumeration
 * names, and growable strings.  The checks and hv_config_validate() are in
 * validate.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_int.h"

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
	FIELD(hv_disk_spec, iops, HV__F_U64, HV__OMIT_ZERO, NULL, NULL),
	FIELD(hv_disk_spec, iops_burst, HV__F_U64, HV__OMIT_ZERO, NULL, NULL),
	FIELD(hv_disk_spec, bps, HV__F_U64, HV__OMIT_ZERO, NULL, NULL),
	FIELD(hv_disk_spec, bps_burst, HV__F_U64, HV__OMIT_ZERO, NULL, NULL),
	FIELD(hv_disk_spec, queues, HV__F_UINT, HV__OMIT_ZERO, NULL, NULL),
	FIELD(hv_disk_spec, usage_rd_reqs, HV__F_U64, HV__OMIT_ZERO, NULL, NULL),
	FIELD(hv_disk_spec, usage_rd_bytes, HV__F_U64, HV__OMIT_ZERO, NULL, NULL),
	FIELD(hv_disk_spec, usage_wr_reqs, HV__F_U64, HV__OMIT_ZERO, NULL, NULL),
	FIELD(hv_disk_spec, usage_wr_bytes, HV__F_U64, HV__OMIT_ZERO, NULL, NULL),
};

const struct hv__struct_desc hv__disk_desc = {
	"disk", sizeof(hv_disk_spec), disk_init,
	disk_fields, sizeof(disk_fields) / sizeof(disk_fields[0]),
};

static void vif_init(void *obj)
{
	hv_vif_spec *vif = obj;

	vif->devid = HV_VIF_DEVID_AUTO;
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
	FIELD(hv_vif_spec, queues, HV__F_UINT, HV__OMIT_ZERO, NULL, NULL),
	FIELD(hv_vif_spec, devid, HV__F_UINT, HV__OMIT_UNSET, NULL, NULL),
	FIELD(hv_vif_spec, usage_rx_bytes, HV__F_U64, HV__OMIT_ZERO, NULL, NULL),
	FIELD(hv_vif_spec, usage_rx_packets, HV__F_U64, HV__OMIT_ZERO, NULL, NULL),
	FIELD(hv_vif_spec, usage_tx_bytes, HV__F_U64, HV__OMIT_ZERO, NULL, NULL),
	FIELD(hv_vif_spec, usage_tx_packets, HV__F_U64, HV__OMIT_ZERO, NULL, NULL),
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
	cfg->balloon_free_page_reporting = 1;
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
	FIELD(hv_domain_config, balloon_deflate_on_oom, HV__F_BOOL, 0, NULL, NULL),
	FIELD(hv_domain_config, balloon_free_page_reporting, HV__F_BOOL, 0, NULL, NULL),
	FIELD(hv_domain_config, usage_cpu_ns, HV__F_U64, HV__OMIT_ZERO, NULL, NULL),
	FIELD(hv_domain_config, usage_mem_peak_bytes, HV__F_U64, HV__OMIT_ZERO, NULL, NULL),
	FIELD(hv_domain_config, migration_id, HV__F_STRING, 0, NULL, NULL),
	FIELD(hv_domain_config, cpu_weight, HV__F_UINT, HV__OMIT_ZERO, NULL, NULL),
	FIELD(hv_domain_config, cpu_cap, HV__F_UINT, HV__OMIT_ZERO, NULL, NULL),
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

/*
 * The MAC a vif without one gets: 00:16:3e (Xen's prefix, as xl uses) and
 * three bytes of a hash of the domain's UUID and the vif's devid, so that
 * the same domain's vif keeps its address across reboots, saves and
 * migrations (the hash is FNV-1a; the fourth byte's top bit is clear, as
 * in xl's random ones).
 */
void hv__vif_default_mac(const uint8_t uuid[16], unsigned int devid, uint8_t mac[6])
{
	uint32_t h = 2166136261u;

	for (unsigned int i = 0; i < 16 + 4; i++) {
		h ^= i < 16 ? uuid[i] : (uint8_t)(devid >> (8 * (i - 16)));
		h *= 16777619u;
	}
	mac[0] = 0x00;
	mac[1] = 0x16;
	mac[2] = 0x3e;
	mac[3] = (uint8_t)(h >> 16) & 0x7f;
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

int hv__vifs_complete(hv_domain_config *cfg, const uint8_t uuid[16])
{
	unsigned int used = 0;

	for (size_t i = 0; i < cfg->nr_vifs; i++)
		if (cfg->vifs[i]->devid < HV_DOMAIN_MAX_VIFS)
			used |= 1u << cfg->vifs[i]->devid;
	for (size_t i = 0; i < cfg->nr_vifs; i++) {
		hv_vif_spec *n = cfg->vifs[i];

		if (n->devid == HV_VIF_DEVID_AUTO) {
			unsigned int d = 0;

			while (d < HV_DOMAIN_MAX_VIFS && (used & (1u << d)))
				d++;
			if (d == HV_DOMAIN_MAX_VIFS)
				return HV_ERROR_CONFIG;
			n->devid = d;
			used |= 1u << d;
		}
		if (!n->has_mac) {
			hv__vif_default_mac(uuid, n->devid, n->mac);
			n->has_mac = 1;
		}
		if (!n->bridge && !(n->bridge = strdup(HV_VIF_DEFAULT_BRIDGE)))
			return HV_ERROR_NOMEM;
	}
	return 0;
}
