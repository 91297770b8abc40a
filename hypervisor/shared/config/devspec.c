/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Xen disk and vif specifications: xl-disk-configuration(5) and
 * xl-network-configuration(5).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_int.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A copy of @s, or NULL if @s is empty: an empty value means the default. */
static int set_str(char **dst, const char *s, size_t n)
{
	char *v = NULL;

	if (n) {
		v = strndup(s, n);
		if (!v)
			return HV_ERROR_NOMEM;
	}
	free(*dst);
	*dst = v;
	return 0;
}

/* Disk positional parameters, in the order they are filled. */
enum { P_TARGET, P_FORMAT, P_VDEV, P_ACCESS, NR_POS };

static const char *const pos_names[NR_POS] = {
	"target", "format", "vdev", "access",
};

/* Where a spec came from, for messages. */
struct spec_src {
	hv_ctx *ctx;
	const char *where, *spec;
};

static int serr(const struct spec_src *src, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int serr(const struct spec_src *src, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	HV__ERR(src->ctx, "%s: \"%s\": %s", src->where, src->spec, msg);
	return HV_ERROR_CONFIG;
}

struct disk_parse {
	struct spec_src src;
	hv_disk_spec *disk;
	bool given[NR_POS];	/* named or positional, may appear once */
	bool devtype_given, access_given, script_given;
	bool skip_format;	/* old "raw:/path,vdev,access" form */
	bool format_empty;	/* format=empty: a CD-ROM drive with no medium */
};

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z][a-z0-9]*: what Xen's disk syntax takes for an old prefix */
static bool is_prefix_word(const char *t, size_t len)
{
	if (!len || t[0] < 'a' || t[0] > 'z')
		return false;
	for (size_t i = 1; i < len; i++)
		if (!is_lower_alnum(t[i]))
			return false;
	return true;
}

/* Strips the deprecated "phy:", "file:", "tap:aio:", "qcow2:"... prefixes
 * of a positional target; "iscsi:", "nbd:", "enbd:" and "drbd:" name the
 * script, as script=block-iscsi... would. */
static int disk_old_prefixes(struct disk_parse *dp, const char **tp, size_t *np)
{
	static const char *const ignored[] = {
		"file", "tap", "tap2", "aio", "tapdisk", "ioemu",
	};
	static const char *const scripts[] = { "iscsi", "nbd", "enbd", "drbd" };
	const char *t = *tp;
	size_t n = *np;

	for (;;) {
		const char *colon = memchr(t, ':', n);
		size_t len = colon ? (size_t)(colon - t) : 0;
		char word[8] = "";
		bool known = false;
		int fmt;

		if (!colon || !len)
			break;
		if (len < sizeof(word)) {
			memcpy(word, t, len);
			word[len] = '\0';
		}
		fmt = *word ? hv__enum_value(&hv__disk_format_names, word) : 0;
		if (!*word) {
			/* too long for a prefix */
		} else if (fmt) {
			dp->disk->format = fmt;
			dp->given[P_FORMAT] = true;
			known = true;
		} else if (!strcmp(word, "phy")) {
			free(dp->disk->backendtype);
			dp->disk->backendtype = strdup("phy");
			if (!dp->disk->backendtype)
				return HV_ERROR_NOMEM;
			known = true;
		} else {
			for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
				known |= !strcmp(word, ignored[i]);
		}
		for (size_t i = 0; !known && i < sizeof(scripts) / sizeof(scripts[0]); i++) {
			char *script;

			if (strcmp(word, scripts[i]))
				continue;
			if (dp->script_given)
				return serr(&dp->src, "script is given twice (the prefix %s: is script=block-%s)",
					    word, word);
			if (asprintf(&script, "block-%s", word) < 0)
				return HV_ERROR_NOMEM;
			free(dp->disk->script);
			dp->disk->script = script;
			dp->script_given = true;
			known = true;
		}
		/* As in Xen, a word and a colon with no letter or digit after
		 * it looks like a prefix: one that is none is refused. */
		if (!known && is_prefix_word(t, len) &&
		    (len + 1 == n || !is_lower_alnum(colon[1])))
			return serr(&dp->src, "unknown prefix \"%.*s:\" (Xen's are phy:, file:, tap:, tap2:, tapdisk:, aio:, ioemu:, the formats and iscsi:, nbd:, enbd:, drbd:; give a target with such a colon last, as target=...)",
				    (int)len, t);
		if (!known)
			break;
		dp->skip_format = true;
		t += len + 1;
		n -= len + 1;
	}
	*tp = t;
	*np = n;
	return 0;
}

static int disk_set(struct disk_parse *dp, int which, const char *v, size_t n)
{
	hv_disk_spec *disk = dp->disk;
	char val[32];
	int e;

	if (dp->given[which])
		return serr(&dp->src, "%s is given twice (give each parameter once)",
			    pos_names[which]);
	dp->given[which] = true;
	switch (which) {
	case P_TARGET:
		return set_str(&disk->target, v, n);
	case P_VDEV:
		if (n > 6 && !memcmp(v + n - 6, ":cdrom", 6)) {
			disk->devtype = HV_DISK_DEVTYPE_CDROM;
			dp->devtype_given = true;
			n -= 6;
		} else if (n > 5 && !memcmp(v + n - 5, ":disk", 5)) {
			n -= 5;
		}
		return set_str(&disk->vdev, v, n);
	}
	if (!n)
		return 0;
	if (n >= sizeof(val))
		n = sizeof(val) - 1;
	memcpy(val, v, n);
	val[n] = '\0';
	if (which == P_FORMAT) {
		/* Xen's format for a CD-ROM drive with nothing in it */
		if (!strcmp(val, "empty")) {
			dp->format_empty = true;
			return 0;
		}
		e = hv__enum_value(&hv__disk_format_names, val);
		if (!e)
			return serr(&dp->src, "format \"%s\" is not %s",
				    val, hv__disk_format_names.choices);
		disk->format = e;
		return 0;
	}
	if (!strcmp(val, "ro") || !strcmp(val, "r"))
		disk->access = HV_DISK_ACCESS_RO;
	else if (!strcmp(val, "rw") || !strcmp(val, "w"))
		disk->access = HV_DISK_ACCESS_RW;
	else
		return serr(&dp->src, "access \"%s\" is not ro or rw", val);
	dp->access_given = true;
	return 0;
}

/* hv's own keys: rate limits and queues. 1 if @k is one, 0 if not, or an error. */
static int disk_hv_keyword(struct disk_parse *dp, const char *k, size_t kn,
			   const char *v, size_t vn)
{
	static const struct {
		const char *key;
		size_t off;
		bool size;	/* a SIZE (K/M/G suffixes), else a plain number */
	} keys[] = {
		{ "iops", offsetof(hv_disk_spec, iops), false },
		{ "iops-burst", offsetof(hv_disk_spec, iops_burst), false },
		{ "bps", offsetof(hv_disk_spec, bps), true },
		{ "bps-burst", offsetof(hv_disk_spec, bps_burst), true },
	};
	uint64_t val;

	if (kn == 6 && !memcmp(k, "queues", 6)) {
		if (hv__parse_size(v, vn, &val) || !memchr("0123456789", v[vn - 1], 10) ||
		    val < 1 || val > HV_DISK_MAX_QUEUES)
			return serr(&dp->src, "queues \"%.*s\" is not a number from 1 to %d (try queues=%d)",
				    (int)vn, v, HV_DISK_MAX_QUEUES, HV_DISK_MAX_QUEUES);
		dp->disk->queues = (unsigned int)val;
		return 1;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (kn != strlen(keys[i].key) || memcmp(k, keys[i].key, kn))
			continue;
		if (hv__parse_size(v, vn, &val) ||
		    (!keys[i].size && !memchr("0123456789", v[vn - 1], 10)))
			return serr(&dp->src, "%s \"%.*s\" is not %s", keys[i].key, (int)vn, v,
				    keys[i].size ?
				    "a number of bytes per second (try bps=100M; K, M and G are powers of 1024)" :
				    "a whole number of requests per second (try iops=1000)");
		*(uint64_t *)((char *)dp->disk + keys[i].off) = val;
		return 1;
	}
	return 0;
}

static int disk_keyword(struct disk_parse *dp, const char *k, size_t kn,
			const char *v, size_t vn)
{
	hv_disk_spec *disk = dp->disk;
	int rc;

	for (int i = 0; i < NR_POS; i++)
		if (kn == strlen(pos_names[i]) && !memcmp(k, pos_names[i], kn))
			return disk_set(dp, i, v, vn);
	if (kn == 7 && !memcmp(k, "devtype", 7)) {
		if (vn == 5 && !memcmp(v, "cdrom", 5))
			disk->devtype = HV_DISK_DEVTYPE_CDROM;
		else if (!(vn == 4 && !memcmp(v, "disk", 4)) && vn)
			return serr(&dp->src, "devtype \"%.*s\" is not disk or cdrom",
				    (int)vn, v);
		dp->devtype_given = true;
		return 0;
	}
	if (kn == 11 && !memcmp(k, "backendtype", 11)) {
		static const char *const types[] = {
			"phy", "qdisk", "tap", "standalone",
		};

		for (size_t i = 0; i < 4; i++)
			if (vn == strlen(types[i]) && !memcmp(v, types[i], vn))
				return set_str(&disk->backendtype, v, vn);
		if (!vn)
			return set_str(&disk->backendtype, v, 0);
		return serr(&dp->src, "backendtype \"%.*s\" is not phy, qdisk, tap or standalone",
			    (int)vn, v);
	}
	if (kn == 6 && !memcmp(k, "script", 6)) {
		if (dp->script_given)
			return serr(&dp->src, "script is given twice (give each parameter once)");
		dp->script_given = true;
		return set_str(&disk->script, v, vn);
	}
	if (kn == 13 && !memcmp(k, "specification", 13)) {
		/* Xen's "xen" is its own PV protocol; hv's disks are virtio */
		if (vn == 6 && !memcmp(v, "virtio", 6))
			return 0;
		return serr(&dp->src, "specification \"%.*s\": hv's disks are virtio-blk devices (write specification=virtio, or leave it out)",
			    (int)vn, v);
	}
	rc = disk_hv_keyword(dp, k, kn, v, vn);
	if (rc)
		return rc < 0 ? rc : 0;
	if (kn == 7 && !memcmp(k, "backend", 7))
		return serr(&dp->src, "backend=%.*s: hv has no driver domains; leave backend out",
			    (int)vn, v);
	return serr(&dp->src, "unknown parameter \"%.*s\" (known: target, format, vdev, access, devtype, backendtype, script, specification, iops, iops-burst, bps, bps-burst, queues, and the flags cdrom, discard, no-discard, direct-io-safe)",
		    (int)kn, k);
}

static int disk_flag(struct disk_parse *dp, const char *w, size_t n)
{
	static const char *const flags[] = {
		"cdrom", "discard", "no-discard", "direct-io-safe",
		"trusted", "untrusted",
	};
	int which = -1;

	for (int i = 0; i < 6; i++)
		if (n == strlen(flags[i]) && !memcmp(w, flags[i], n))
			which = i;
	switch (which) {
	case 0:
		dp->disk->devtype = HV_DISK_DEVTYPE_CDROM;
		dp->devtype_given = true;
		return 1;
	case 1:
	case 2:
		dp->disk->discard = which == 1;
		return 1;
	case 3:
		dp->disk->direct_io_safe = 1;
		return 1;
	case 4:
	case 5:
		/* Only meaningful with driver domains: accepted, no effect. */
		return 1;
	}
	return 0;
}

int hv__disk_spec_parse(hv_ctx *ctx, const char *where, const char *spec,
			hv_disk_spec *disk)
{
	struct disk_parse dp = {
		.src = { ctx, where, spec }, .disk = disk,
	};
	const char *p = spec;
	int rc;

	while (*p) {
		const char *item, *eq, *end;
		size_t n;

		while (is_space(*p))
			p++;
		item = p;
		if (!strncmp(item, "target=", 7)) {
			/* The rest of the spec, commas and all. */
			rc = disk_set(&dp, P_TARGET, item + 7, strlen(item + 7));
			if (rc)
				return rc;
			break;
		}
		end = item + strcspn(item, ",");
		n = (size_t)(end - item);
		eq = memchr(item, '=', n);
		if (eq) {
			rc = disk_keyword(&dp, item, (size_t)(eq - item), eq + 1,
					  (size_t)(end - eq - 1));
		} else if (!(rc = disk_flag(&dp, item, n))) {
			int which = 0;

			while (which < NR_POS &&
			       (dp.given[which] ||
				(which == P_FORMAT && dp.skip_format)))
				which++;
			if (which == NR_POS)
				return serr(&dp.src, "\"%.*s\" is one positional parameter too many (the order is target, format, vdev, access)",
					    (int)n, item);
			if (which == P_TARGET) {
				rc = disk_old_prefixes(&dp, &item, &n);
				if (rc)
					return rc;
			}
			/* xend's empty CD-ROM, ",hdc:cdrom,r": after an empty
			 * target, VDEV:DEVTYPE is the vdev, and no format */
			if (which == P_FORMAT && !disk->target && memchr(item, ':', n)) {
				dp.given[P_FORMAT] = true;
				which = P_VDEV;
			}
			rc = disk_set(&dp, which, item, n);
		} else {
			rc = 0;
		}
		if (rc)
			return rc;
		p = *end ? end + 1 : end;
	}

	if (!disk->vdev)
		return serr(&dp.src, "no vdev (say which disk the guest sees, e.g. \"/images/guest.img,raw,xvda,rw\")");
	if (hv__check_vdev(disk->vdev))
		return serr(&dp.src, "vdev \"%s\" %s", disk->vdev,
			    hv__check_vdev(disk->vdev));
	if (dp.format_empty && disk->devtype != HV_DISK_DEVTYPE_CDROM)
		return serr(&dp.src, "format empty is a CD-ROM drive with nothing in it, and this is no CD-ROM (add cdrom, or give the image's format)");
	if (dp.format_empty && disk->target)
		return serr(&dp.src, "format empty is a CD-ROM drive with nothing in it, but a target is given (leave out the target or format=empty)");
	if (disk->devtype == HV_DISK_DEVTYPE_CDROM) {
		if (dp.access_given && disk->access == HV_DISK_ACCESS_RW)
			return serr(&dp.src, "a CD-ROM is read-only (use access ro, or leave it out)");
		disk->access = HV_DISK_ACCESS_RO;
	} else if (!disk->target) {
		return serr(&dp.src, "no target (give the image or device path first, e.g. \"/images/guest.img,raw,%s\"; only a cdrom may be empty)",
			    disk->vdev);
	}
	return 0;
}

static int vif_keyword(const struct spec_src *vp, hv_vif_spec *vif, const char *k,
		       const char *v)
{
	static const char *const ignored[] = {
		"gatewaydev", "netdev", "accel",
		"powerswitch", "forwarddev",
	};
	const char *why;
	size_t n = strlen(v);

	if (!strcmp(k, "mac")) {
		if (!n) {
			vif->has_mac = 0;
			return 0;
		}
		if (hv__mac_parse(v, vif->mac))
			return serr(vp, "mac \"%s\" is not a MAC address (write six hex pairs, e.g. 00:16:3e:12:34:56)",
				    v);
		vif->has_mac = 1;
		return 0;
	}
	if (!strcmp(k, "bridge"))
		return set_str(&vif->bridge, v, n);
	if (!strcmp(k, "ip"))
		return set_str(&vif->ip, v, n);
	if (!strcmp(k, "model"))
		return set_str(&vif->model, v, n);
	if (!strcmp(k, "script"))
		return set_str(&vif->script, v, n);
	if (!strcmp(k, "vifname")) {
		if (n > 15 || strpbrk(v, "/ \t:"))
			return serr(vp, "vifname \"%s\" is not a host interface name (at most 15 characters, no '/', ':' or spaces)",
				    v);
		return set_str(&vif->vifname, v, n);
	}
	if (!strcmp(k, "rate")) {
		if (n && (why = hv__check_rate(v)))
			return serr(vp, "rate \"%s\" %s", v, why);
		return set_str(&vif->rate, v, n);
	}
	if (!strcmp(k, "mtu")) {
		char *end;
		unsigned long m = strtoul(v, &end, 10);

		if (!n) {
			vif->mtu = 0;
			return 0;
		}
		if (*v < '0' || *v > '9' || *end || m < 68 || m > 65535)
			return serr(vp, "mtu \"%s\" is not a number from 68 to 65535 (try mtu=1500)",
				    v);
		vif->mtu = (unsigned int)m;
		return 0;
	}
	if (!strcmp(k, "backend"))
		return serr(vp, "backend=%s: hv has no driver domains; leave backend out",
			    v);
	/* either way the guest gets a virtio-net device */
	if (!strcmp(k, "type")) {
		if (n && strcmp(v, "vif") && strcmp(v, "ioemu"))
			return serr(vp, "type \"%s\" is not vif or ioemu", v);
		return 0;
	}
	if (!strcmp(k, "devid") || !strcmp(k, "queues")) {
		bool devid = k[0] == 'd';
		unsigned long lim = devid ? HV_DOMAIN_MAX_VIFS - 1 : HV_VIF_MAX_QUEUES;
		char *end;
		unsigned long m = strtoul(v, &end, 10);

		if (!n) {
			*(devid ? &vif->devid : &vif->queues) = devid ? HV_VIF_DEVID_AUTO : 0;
			return 0;
		}
		if (*v < '0' || *v > '9' || *end || m > lim || (!devid && !m))
			return serr(vp, "%s \"%s\" is not a number from %d to %lu", k, v,
				    devid ? 0 : 1, lim);
		*(devid ? &vif->devid : &vif->queues) = (unsigned int)m;
		return 0;
	}
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		if (!strcmp(k, ignored[i])) {
			HV__WARN(vp->ctx, "%s: \"%s\": %s is not used by hv; ignored",
				 vp->where, vp->spec, k);
			return 0;
		}
	}
	return serr(vp, "unknown parameter \"%s\" (known: mac, bridge, ip, model, script, vifname, rate, mtu, type, devid, queues)",
		    k);
}

int hv__vif_spec_parse(hv_ctx *ctx, const char *where, const char *spec,
		       hv_vif_spec *vif)
{
	struct spec_src vp = { ctx, where, spec };
	char *copy = strdup(spec), *p, *item;
	int rc = 0;

	if (!copy)
		return HV_ERROR_NOMEM;
	for (p = copy; (item = strsep(&p, ",")) != NULL;) {
		char *eq, *end;

		while (is_space(*item))
			item++;
		end = item + strlen(item);
		while (end > item && is_space(end[-1]))
			*--end = '\0';
		if (!*item)
			continue;
		if (!strcmp(item, "trusted") || !strcmp(item, "untrusted"))
			continue;
		eq = strchr(item, '=');
		if (!eq) {
			rc = serr(&vp, "\"%s\" is not KEY=VALUE (e.g. bridge=br0)",
				  item);
			break;
		}
		*eq = '\0';
		rc = vif_keyword(&vp, vif, item, eq + 1);
		if (rc)
			break;
	}
	free(copy);
	return rc;
}

static int spec_parse(hv_ctx *ctx, const struct hv__struct_desc *d,
		      const char *what, const char *spec, void **obj_r)
{
	void *obj = hv__obj_new(d);
	int rc;

	*obj_r = NULL;
	if (!obj)
		return HV_ERROR_NOMEM;
	if (d == &hv__disk_desc)
		rc = hv__disk_spec_parse(ctx, what, spec, obj);
	else
		rc = hv__vif_spec_parse(ctx, what, spec, obj);
	if (rc) {
		hv__obj_free(d, obj);
		return rc;
	}
	*obj_r = obj;
	return 0;
}

HV__EXPORT int hv_disk_spec_parse(hv_ctx *ctx, const char *spec,
				  hv_disk_spec **disk_r)
{
	void *obj;
	int rc = spec_parse(ctx, &hv__disk_desc, "disk", spec, &obj);

	*disk_r = obj;
	return rc;
}

HV__EXPORT int hv_vif_spec_parse(hv_ctx *ctx, const char *spec,
				 hv_vif_spec **vif_r)
{
	void *obj;
	int rc = spec_parse(ctx, &hv__vif_desc, "vif", spec, &obj);

	*vif_r = obj;
	return rc;
}
