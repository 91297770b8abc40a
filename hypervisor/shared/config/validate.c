/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Domain configuration checks: the text forms of values (names, vdevs,
 * UTF-8, hex, UUIDs, MACs; CPU lists and rates are in textforms.c), shared
 * with the xl.cfg reader, and hv_config_validate().
 */
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "config_int.h"

/* Limits checked by hv_config_validate(). */
#define HV__MAX_MEMORY_MIB (UINT64_C(16) << 20)	/* 16 TiB */
#define HV__MAX_VCPUS 4096
#define HV__MAX_CPU_WEIGHT 65535	/* as Xen's credit scheduler */
#define HV__MAX_CPU_CAP (100 * 1024)	/* percent of a CPU: all of 1024 host CPUs */
#define HV__MAX_NAME 63	/* as HV_DOMAIN_NAME_MAX in hv/domain.h */

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
	if (!strcmp(s, "Domain-0"))
		return "is what xl calls the host (domain 0), as Xen's xl does; choose another name";
	return NULL;
bad:
	return "is not a usable domain name: use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit";
}

const char *hv__check_vdev(const char *s)
{
	const char *p = s;
	size_t letters = 0, digits = 0;

	if (!strncmp(p, "xvd", 3)) {
		p += 3;
	} else if (!strncmp(p, "hd", 2) || !strncmp(p, "sd", 2) || !strncmp(p, "vd", 2)) {
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
	return "is not a virtual disk name (try xvda, xvdb1, hdc, sda, vda or d0p1)";
}

int hv__vdev_number(const char *s, unsigned int *disk_r, unsigned int *part_r)
{
	const char *p = s;
	unsigned int disk = 0, part = 0;

	if (hv__check_vdev(s))
		return -1;
	if (*p == 'd') {
		for (p++; is_digit(*p); p++)
			disk = disk * 10 + (unsigned int)(*p - '0');
		if (*p == 'p')
			p++;
	} else {
		p += *p == 'x' ? 3 : 2;
		/* a..z are 0..25, then aa is 26: letters as digits 1..26 */
		for (; is_lower(*p); p++)
			disk = disk * 26 + (unsigned int)(*p - 'a') + 1;
		disk--;
	}
	for (; is_digit(*p); p++)
		part = part * 10 + (unsigned int)(*p - '0');
	*disk_r = disk;
	*part_r = part;
	return 0;
}

size_t hv__disk_guest_order(const hv_domain_config *cfg, size_t *order, size_t max)
{
	uint64_t keys[HV_DOMAIN_MAX_DISKS];
	size_t n = 0;

	if (max > HV_DOMAIN_MAX_DISKS)
		max = HV_DOMAIN_MAX_DISKS;
	for (size_t i = 0; i < cfg->nr_disks && max; i++) {
		const hv_disk_spec *d = cfg->disks[i];
		unsigned int disk, part;
		uint64_t key;
		size_t j;

		if (!d || !d->target || !d->vdev || hv__vdev_number(d->vdev, &disk, &part))
			continue;
		key = (uint64_t)disk << 32 | part;
		/* the first @max by key: insertion sort, equal keys (refused by
		 * validation) in their order, the last one dropped when full */
		if (n == max && keys[n - 1] <= key)
			continue;
		if (n < max)
			n++;
		for (j = n - 1; j && keys[j - 1] > key; j--) {
			keys[j] = keys[j - 1];
			order[j] = order[j - 1];
		}
		keys[j] = key;
		order[j] = i;
	}
	return n;
}

unsigned int hv__disk_queues(const hv_disk_spec *d, unsigned int vcpus)
{
	if (d->queues)
		return d->queues;
	return vcpus < 1 ? 1 : vcpus < HV_DISK_MAX_QUEUES ? vcpus : HV_DISK_MAX_QUEUES;
}

int hv__parse_size(const char *s, size_t n, uint64_t *v_r)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	size_t i;

	for (i = 0; i < n && is_digit(s[i]); i++) {
		uint64_t d = (uint64_t)(s[i] - '0');

		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (!i)
		return -1;
	if (i + 1 == n) {
		switch (s[i]) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		default: return -1;
		}
	} else if (i != n) {
		return -1;
	}
	if (v > (uint64_t)INT64_MAX >> shift)
		return -1;
	*v_r = v << shift;
	return 0;
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
	unsigned int disk, part;
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
	hv__vdev_number(d->vdev, &disk, &part);
	for (size_t j = 0; j < i; j++) {
		const hv_disk_spec *o = cfg->disks[j];
		unsigned int odisk, opart;

		if (!o || !o->vdev || hv__vdev_number(o->vdev, &odisk, &opart))
			continue;
		if (!strcmp(o->vdev, d->vdev))
			return verr(v, key, "vdev \"%s\" is also used by disks[%zu]; give each disk its own vdev",
				    d->vdev, j);
		if (odisk == disk && opart == part)
			return verr(v, key, "vdev \"%s\" names the same disk as disks[%zu]'s \"%s\" (disk %u%s); give each disk its own number, e.g. xvda, xvdb",
				    d->vdev, j, o->vdev, disk, part ? ", same partition" : "");
	}
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
	if (d->queues > HV_DISK_MAX_QUEUES)
		return verr(v, key, "queues is %u (use 1 to %d, or 0 for min(vcpus, %d))",
			    d->queues, HV_DISK_MAX_QUEUES, HV_DISK_MAX_QUEUES);
	if (d->iops_burst && d->iops_burst < d->iops)
		return verr(v, key, "iops-burst %" PRIu64 " is less than iops %" PRIu64 " (the burst is the bucket, which holds at least one second's worth; raise it or leave it out)",
			    d->iops_burst, d->iops);
	if (d->bps_burst && d->bps_burst < d->bps)
		return verr(v, key, "bps-burst %" PRIu64 " is less than bps %" PRIu64 " (the burst is the bucket, which holds at least one second's worth; raise it or leave it out)",
			    d->bps_burst, d->bps);
	if ((d->iops_burst && !d->iops) || (d->bps_burst && !d->bps))
		return verr(v, key, "%s is set without %s (a burst only shapes a limit; set the limit too, or leave the burst out)",
			    d->iops_burst && !d->iops ? "iops-burst" : "bps-burst",
			    d->iops_burst && !d->iops ? "iops" : "bps");
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
	if (n->queues > HV_VIF_MAX_QUEUES)
		return verr(v, key, "queues %u is out of range (use 1 to %d)", n->queues,
			    HV_VIF_MAX_QUEUES);
	if (n->devid != HV_VIF_DEVID_AUTO && n->devid >= HV_DOMAIN_MAX_VIFS)
		return verr(v, key, "devid %u is out of range (use 0 to %d, or leave it out)",
			    n->devid, HV_DOMAIN_MAX_VIFS - 1);
	if (n->vifname && (!*n->vifname || strlen(n->vifname) > 15 ||
			   strpbrk(n->vifname, "/ \t:")))
		return verr(v, key, "vifname \"%s\" is not a host interface name (at most 15 characters, no '/', ':' or spaces)",
			    n->vifname);
	if (n->bridge && (!*n->bridge || strlen(n->bridge) > 15 ||
			  strpbrk(n->bridge, "/ \t:")))
		return verr(v, key, "bridge \"%s\" is not a host interface name (at most 15 characters, no '/', ':' or spaces)",
			    n->bridge);
	for (size_t j = 0; j < i; j++) {
		const hv_vif_spec *o = cfg->vifs[j];

		if (!o)
			continue;
		if (n->devid != HV_VIF_DEVID_AUTO && o->devid == n->devid)
			return verr(v, key, "devid %u is also vifs[%zu]'s; give each vif its own",
				    n->devid, j);
		if (n->vifname && o->vifname && !strcmp(n->vifname, o->vifname))
			return verr(v, key, "vifname %s is also vifs[%zu]'s; give each vif its own",
				    n->vifname, j);
	}
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
	if (flags & ~HV_CONFIG_VALIDATE_CREATE) {
		HV__ERR(ctx, "hv_config_validate: unknown flags %#x (pass 0 or HV_CONFIG_VALIDATE_CREATE)",
			flags);
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
	if (cfg->cpu_weight > HV__MAX_CPU_WEIGHT)
		return verr(&v, "cpu_weight", "%u is out of range (use 1 to %d; 256 is the default)",
			    cfg->cpu_weight, HV__MAX_CPU_WEIGHT);
	if (cfg->cpu_cap > HV__MAX_CPU_CAP)
		return verr(&v, "cap", "%u is out of range (use 0, no cap, to %d: percent of one "
			    "host CPU)", cfg->cpu_cap, HV__MAX_CPU_CAP);

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
	if (flags & HV_CONFIG_VALIDATE_CREATE)
		return hv__validate_create(ctx, cfg, who);
	return 0;
}
