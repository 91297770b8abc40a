/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A domain's description: libhv's domain configuration, as JSON, decoded
 * and checked by libhv's own code (hypervisor/shared/config/).  hvd keeps
 * the text as the client sent it in config.json, hands it to hv-vmm in
 * BUILD and to a save image in SAVE, and re-encodes it only when it changes
 * the description itself (a rename).  Nothing else in hvd describes a
 * domain.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "config/config_int.h"
#include "hvd.h"

#define DESC_JSON_MAX HV_HC_CONFIG_MAX

/* The description's code logs here: the last error is what a client is told. */
static void desc_log(void *opaque, enum hv_log_level level, const char *fmt, va_list ap)
{
	struct hvd *hvd = opaque;
	char buf[sizeof(hvd->desc_error)];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (level == HV_LOG_ERROR)
		memcpy(hvd->desc_error, buf, sizeof(buf));
	hvd_dbg(hvd, "domain description: %s", buf);
}

void desc_init(struct hvd *hvd)
{
	hv__ctx_init(&hvd->ctx);
	hv_ctx_set_logger(&hvd->ctx, desc_log, hvd, HV_LOG_DEBUG);
}

/* hvd's limits are the description's (config/support.c) */
_Static_assert(REQUEST_MAX_VCPUS == HV__CREATE_MAX_VCPUS &&
	       REQUEST_MIN_MEMORY_MIB == HV__CREATE_MIN_MEMORY_MIB &&
	       REQUEST_MAX_MEMORY_MIB == HV__CREATE_MAX_MEMORY_MIB,
	       "hvd takes what hv_config_validate() lets through");

/*
 * desc_parse(), and whether the text named a UUID into *uuid_given_r (if
 * not NULL).  With @json_r NULL, only the config: one without a UUID keeps
 * none (the caller gives it one, and encodes it when it is done with it).
 */
static int desc_decode(struct hvd *hvd, const char *json, size_t len, hv_domain_config **cfg_r,
		       char **json_r, bool *uuid_given_r, char *why, size_t why_size)
{
	hv_domain_config *cfg = calloc(1, sizeof(*cfg));
	char *text = strndup(json, len);
	int rc = -HV_HC_EINVAL, vrc;

	*cfg_r = NULL;
	if (json_r)
		*json_r = NULL;
	if (!cfg || !text) {
		snprintf(why, why_size, "hvd is out of memory");
		rc = -HV_HC_ENOMEM;
		goto fail;
	}
	hv_domain_config_init(cfg);
	hvd->desc_error[0] = '\0';
	if (strlen(text) != len || hv_config_from_json(&hvd->ctx, text, cfg) ||
	    hv_config_validate(&hvd->ctx, cfg, 0)) {
		snprintf(why, why_size, "invalid domain description: %s",
			 hvd->desc_error[0] ? hvd->desc_error : "it holds a NUL");
		goto fail;
	}
	if (uuid_given_r)
		*uuid_given_r = cfg->has_uuid;
	/* what hv can run of it: the checks libhv made before it sent it */
	hvd->desc_error[0] = '\0';
	vrc = hv_config_validate(&hvd->ctx, cfg, HV_CONFIG_VALIDATE_CREATE);
	if (vrc) {
		snprintf(why, why_size, "%s", hvd->desc_error[0] ? hvd->desc_error :
			 "the description cannot be run");
		rc = vrc == HV_ERROR_NOSYS ? -HV_HC_ENOTSUP : -HV_HC_EINVAL;
		goto fail;
	}
	if (json_r && !cfg->has_uuid) {
		/* libhv always gives one; a hand-made description gets a random one */
		if (getrandom(cfg->uuid, sizeof(cfg->uuid), 0) != sizeof(cfg->uuid)) {
			snprintf(why, why_size, "cannot make a UUID: %s", strerror(errno));
			rc = -HV_HC_EIO;
			goto fail;
		}
		cfg->uuid[6] = (cfg->uuid[6] & 0x0f) | 0x40;
		cfg->uuid[8] = (cfg->uuid[8] & 0x3f) | 0x80;
		cfg->has_uuid = 1;
		free(text);
		text = NULL;
		if (hv_config_to_json(&hvd->ctx, cfg, &text)) {
			snprintf(why, why_size, "cannot encode the description: %s",
				 hvd->desc_error);
			rc = -HV_HC_ENOMEM;
			goto fail;
		}
	}
	*cfg_r = cfg;
	if (json_r)
		*json_r = text;
	else
		free(text);
	return 0;
fail:
	if (cfg) {
		hv_domain_config_dispose(cfg);
		free(cfg);
	}
	free(text);
	return rc;
}

int desc_parse(struct hvd *hvd, const char *json, size_t len, hv_domain_config **cfg_r,
	       char **json_r, char *why, size_t why_size)
{
	return desc_decode(hvd, json, len, cfg_r, json_r, NULL, why, why_size);
}

int desc_set(struct hvd *hvd, struct hvd_domain *d, hv_domain_config *cfg, char *json)
{
	desc_free(d);
	d->cfg = cfg;
	d->json = json;
	d->json_len = strlen(json);
	if (store_put(hvd, d->domid, STORE_CONFIG_FILE, d->json, d->json_len)) {
		hvd_err(hvd, "domain %u (%s): cannot store its description: %s", d->domid,
			d->cfg->name, strerror(errno));
		return -HV_HC_EIO;
	}
	return 0;
}

static void desc_rename_next(struct hvd *hvd, struct hvd_domain *d, const char *name);

int desc_rename(struct hvd *hvd, struct hvd_domain *d, const char *name)
{
	hv_domain_config *cfg = calloc(1, sizeof(*cfg));
	char *json = NULL, *dup = strdup(name);
	int rc = -HV_HC_ENOMEM;

	if (!cfg || !dup)
		goto out;
	hv_domain_config_init(cfg);
	if (hv_domain_config_copy(cfg, d->cfg))
		goto out;
	free(cfg->name);
	cfg->name = dup;
	dup = NULL;
	if (hv_config_to_json(&hvd->ctx, cfg, &json)) {
		hvd_err(hvd, "domain %u (%s): cannot encode its renamed description: %s",
			d->domid, d->cfg->name, hvd->desc_error);
		rc = -HV_HC_EIO;
		goto out;
	}
	if (store_put(hvd, d->domid, STORE_CONFIG_FILE, json, strlen(json))) {
		hvd_err(hvd, "domain %u (%s): cannot store its renamed description: %s",
			d->domid, d->cfg->name, strerror(errno));
		rc = -HV_HC_EIO;
		goto out;
	}
	desc_free(d);
	d->cfg = cfg;
	d->json = json;
	d->json_len = strlen(json);
	/* a pending config-update follows the name, else the restart would refuse it */
	if (d->next_json)
		desc_rename_next(hvd, d, name);
	return 0;
out:
	if (cfg) {
		hv_domain_config_dispose(cfg);
		free(cfg);
	}
	free(json);
	free(dup);
	return rc;
}

/* A new copy of @d's description: NULL if out of memory. */
static hv_domain_config *desc_dup(const struct hvd_domain *d)
{
	hv_domain_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	hv_domain_config_init(cfg);
	if (hv_domain_config_copy(cfg, d->cfg)) {
		hv_domain_config_dispose(cfg);
		free(cfg);
		return NULL;
	}
	return cfg;
}

static void desc_drop(hv_domain_config *cfg)
{
	if (cfg) {
		hv_domain_config_dispose(cfg);
		free(cfg);
	}
}

/*
 * @d's description with one more device, which @add appends to its copy,
 * checked as CREATE_DOMAIN checks one; @what names the device in messages.
 */
static int desc_with(struct hvd *hvd, const struct hvd_domain *d,
		     int (*add)(hv_domain_config *cfg, const void *dev), const void *dev,
		     const char *what, hv_domain_config **cfg_r, char **json_r, char *why,
		     size_t why_size)
{
	hv_domain_config *cfg = desc_dup(d);
	char *json = NULL;
	int rc = -HV_HC_ENOMEM, vrc;

	*cfg_r = NULL;
	*json_r = NULL;
	snprintf(why, why_size, "hvd is out of memory");
	if (!cfg || add(cfg, dev))
		goto fail;
	hvd->desc_error[0] = '\0';
	vrc = hv_config_validate(&hvd->ctx, cfg, 0);
	if (!vrc)
		vrc = hv_config_validate(&hvd->ctx, cfg, HV_CONFIG_VALIDATE_CREATE);
	if (vrc) {
		snprintf(why, why_size, "%s", hvd->desc_error[0] ? hvd->desc_error : "");
		if (!why[0])
			snprintf(why, why_size, "the description with this %s cannot be run", what);
		rc = vrc == HV_ERROR_NOSYS ? -HV_HC_ENOTSUP : -HV_HC_EINVAL;
		goto fail;
	}
	if (hv_config_to_json(&hvd->ctx, cfg, &json)) {
		snprintf(why, why_size, "cannot encode the description: %s", hvd->desc_error);
		goto fail;
	}
	if (strlen(json) > DESC_JSON_MAX) {
		snprintf(why, why_size, "the description with this %s is too long (%zu bytes, "
			 "at most %zu)", what, strlen(json), (size_t)DESC_JSON_MAX);
		rc = -HV_HC_EINVAL;
		goto fail;
	}
	*cfg_r = cfg;
	*json_r = json;
	return 0;
fail:
	desc_drop(cfg);
	free(json);
	return rc;
}

static int desc_add_disk(hv_domain_config *cfg, const void *dev)
{
	hv_disk_spec *copy = NULL;

	if (hv_disk_spec_new(&copy) ||
	    hv__obj_copy(&hv__disk_desc, copy, dev, sizeof(*copy)) ||
	    hv_domain_config_add_disk(cfg, copy)) {
		hv_disk_spec_free(copy);
		return -1;
	}
	return 0;
}

static int desc_add_vif(hv_domain_config *cfg, const void *dev)
{
	hv_vif_spec *copy = NULL;

	if (hv_vif_spec_new(&copy) ||
	    hv__obj_copy(&hv__vif_desc, copy, dev, sizeof(*copy)) ||
	    hv_domain_config_add_vif(cfg, copy)) {
		hv_vif_spec_free(copy);
		return -1;
	}
	return 0;
}

int desc_with_disk(struct hvd *hvd, const struct hvd_domain *d, const hv_disk_spec *disk,
		   hv_domain_config **cfg_r, char **json_r, char *why, size_t why_size)
{
	return desc_with(hvd, d, desc_add_disk, disk, "disk", cfg_r, json_r, why, why_size);
}

int desc_with_vif(struct hvd *hvd, const struct hvd_domain *d, const hv_vif_spec *vif,
		  hv_domain_config **cfg_r, char **json_r, char *why, size_t why_size)
{
	return desc_with(hvd, d, desc_add_vif, vif, "vif", cfg_r, json_r, why, why_size);
}

/* Gives @d its description @cfg (taken over) re-encoded and stored; @what for messages. */
static int desc_set_new(struct hvd *hvd, struct hvd_domain *d, hv_domain_config *cfg,
			const char *what)
{
	char *json = NULL;

	if (hv_config_to_json(&hvd->ctx, cfg, &json)) {
		hvd_err(hvd, "domain %u (%s): cannot encode its description %s: %s",
			d->domid, d->cfg->name, what, hvd->desc_error);
		desc_drop(cfg);
		return -HV_HC_EIO;
	}
	/* desc_set() keeps the new one in memory even if storing it fails */
	return desc_set(hvd, d, cfg, json);
}

int desc_set_memory(struct hvd *hvd, struct hvd_domain *d, uint64_t memory_mib,
		    uint64_t maxmem_mib)
{
	hv_domain_config *cfg = desc_dup(d);
	char what[96];

	if (!cfg)
		return -HV_HC_ENOMEM;
	cfg->memory_mib = memory_mib;
	cfg->maxmem_mib = maxmem_mib;
	snprintf(what, sizeof(what), "with %llu MiB (max %llu MiB)",
		 (unsigned long long)memory_mib, (unsigned long long)maxmem_mib);
	return desc_set_new(hvd, d, cfg, what);
}

int desc_set_sched(struct hvd *hvd, struct hvd_domain *d, unsigned int weight,
		   unsigned int cap)
{
	hv_domain_config *cfg = desc_dup(d);
	char what[64];

	if (!cfg)
		return -HV_HC_ENOMEM;
	cfg->cpu_weight = weight;
	cfg->cpu_cap = cap;
	snprintf(what, sizeof(what), "with cpu_weight %u, cap %u", weight, cap);
	return desc_set_new(hvd, d, cfg, what);
}

int desc_remove_disk(struct hvd *hvd, struct hvd_domain *d, size_t index)
{
	hv_domain_config *cfg;

	if (index >= d->cfg->nr_disks)
		return -HV_HC_ENOENT;
	cfg = desc_dup(d);
	if (!cfg)
		return -HV_HC_ENOMEM;
	hv_disk_spec_free(cfg->disks[index]);
	memmove(cfg->disks + index, cfg->disks + index + 1,
		(cfg->nr_disks - index - 1) * sizeof(cfg->disks[0]));
	cfg->nr_disks--;
	return desc_set_new(hvd, d, cfg, "without a disk");
}

int desc_remove_vif(struct hvd *hvd, struct hvd_domain *d, size_t index)
{
	hv_domain_config *cfg;

	if (index >= d->cfg->nr_vifs)
		return -HV_HC_ENOENT;
	cfg = desc_dup(d);
	if (!cfg)
		return -HV_HC_ENOMEM;
	hv_vif_spec_free(cfg->vifs[index]);
	memmove(cfg->vifs + index, cfg->vifs + index + 1,
		(cfg->nr_vifs - index - 1) * sizeof(cfg->vifs[0]));
	cfg->nr_vifs--;
	return desc_set_new(hvd, d, cfg, "without a vif");
}

int desc_copy(struct hvd_domain *to, const struct hvd_domain *from)
{
	hv_domain_config *cfg = calloc(1, sizeof(*cfg));
	char *json = strdup(from->json);

	if (!cfg || !json)
		goto fail;
	hv_domain_config_init(cfg);
	if (hv_domain_config_copy(cfg, from->cfg))
		goto fail;
	to->cfg = cfg;
	to->json = json;
	to->json_len = from->json_len;
	return 0;
fail:
	free(cfg);
	free(json);
	return -HV_HC_ENOMEM;
}

void desc_free(struct hvd_domain *d)
{
	if (d->cfg) {
		hv_domain_config_dispose(d->cfg);
		free(d->cfg);
	}
	free(d->json);
	d->cfg = NULL;
	d->json = NULL;
	d->json_len = 0;
}

int desc_load(struct hvd *hvd, struct hvd_domain *d)
{
	hv_domain_config *cfg;
	char *text = NULL, *json, why[HV_HC_ERRMSG_MAX];
	size_t len;
	int r = store_get(hvd, d->domid, STORE_CONFIG_FILE, DESC_JSON_MAX, &text, &len);

	if (r) {
		hvd_err(hvd, "domain %u: cannot read its description %s/domains/%u/%s: %s",
			d->domid, hvd->rundir, d->domid, STORE_CONFIG_FILE, strerror(-r));
		return -1;
	}
	r = desc_parse(hvd, text, len, &cfg, &json, why, sizeof(why));
	free(text);
	if (r) {
		hvd_err(hvd, "domain %u: its stored description is not usable: %s", d->domid, why);
		return -1;
	}
	d->cfg = cfg;
	d->json = json;
	d->json_len = strlen(json);
	return 0;
}

uint64_t desc_maxmem_mib(const struct hvd_domain *d)
{
	return d->cfg->maxmem_mib ? d->cfg->maxmem_mib : d->cfg->memory_mib;
}

uint32_t desc_maxvcpus(const struct hvd_domain *d)
{
	return d->cfg->maxvcpus ? d->cfg->maxvcpus : d->cfg->vcpus;
}

uint8_t desc_action(enum hv_action a)
{
	switch (a) {
	case HV_ACTION_RESTART:
		return HV_HC_ACTION_RESTART;
	case HV_ACTION_RENAME_RESTART:
		return HV_HC_ACTION_RENAME_RESTART;
	case HV_ACTION_PRESERVE:
		return HV_HC_ACTION_PRESERVE;
	default:
		return HV_HC_ACTION_DESTROY;
	}
}

static bool desc_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static const char *desc_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

/*
 * Whether @next can be @cur's next description: a start reuses @cur's
 * images, disks and taps, so it must name the same ones (why not in @why).
 * A vif whose devid or MAC @next leaves to hv gets @cur's, so the guest
 * keeps its MAC; a description without a UUID gets @cur's.
 */
static bool desc_fits(const hv_domain_config *cur, hv_domain_config *next, bool uuid_given,
		      char *why, size_t size)
{
	if (!desc_same(cur->name, next->name)) {
		snprintf(why, size, "it names the domain \"%s\", not \"%s\" (xl rename renames "
			 "a domain)", next->name, cur->name);
		return false;
	}
	if (uuid_given && memcmp(cur->uuid, next->uuid, sizeof(cur->uuid))) {
		snprintf(why, size, "its uuid is not the domain's (leave uuid out, or give the "
			 "domain's)");
		return false;
	}
	if (cur->type != next->type) {
		snprintf(why, size, "its type is not the domain's: a domain of another type is a "
			 "new domain (destroy this one and create that)");
		return false;
	}
	if (!desc_same(cur->kernel, next->kernel) || !desc_same(cur->ramdisk, next->ramdisk)) {
		snprintf(why, size, "its %s is not the one the domain was started with (%s): "
			 "a restart boots the copy hvd keeps of that one",
			 desc_same(cur->kernel, next->kernel) ? "ramdisk" : "kernel",
			 desc_or(desc_same(cur->kernel, next->kernel) ? cur->ramdisk : cur->kernel,
				 "none"));
		return false;
	}
	if (cur->nr_disks != next->nr_disks) {
		snprintf(why, size, "it has %zu disk%s, the domain %zu: a restart reuses the "
			 "domain's disks (attach or detach them with xl block-attach/block-detach)",
			 next->nr_disks, next->nr_disks == 1 ? "" : "s", cur->nr_disks);
		return false;
	}
	for (size_t i = 0; i < cur->nr_disks; i++) {
		const hv_disk_spec *a = cur->disks[i], *b = next->disks[i];

		if (!desc_same(a->target, b->target) || !desc_same(a->vdev, b->vdev) ||
		    a->format != b->format || a->access != b->access || a->devtype != b->devtype) {
			snprintf(why, size, "its disk %zu (%s) is not the domain's (%s on %s): a "
				 "restart reuses the domain's disks, in the same order, with the same "
				 "target, vdev, format, access and type", i + 1,
				 desc_or(b->vdev, "?"), desc_or(a->vdev, "?"),
				 desc_or(a->target, "an empty drive"));
			return false;
		}
	}
	if (cur->nr_vifs != next->nr_vifs) {
		snprintf(why, size, "it has %zu vif%s, the domain %zu: a restart reuses the "
			 "domain's taps (attach or detach them with xl network-attach/network-detach)",
			 next->nr_vifs, next->nr_vifs == 1 ? "" : "s", cur->nr_vifs);
		return false;
	}
	for (size_t i = 0; i < cur->nr_vifs; i++) {
		const hv_vif_spec *a = cur->vifs[i];
		hv_vif_spec *b = next->vifs[i];

		if (b->devid == HV_VIF_DEVID_AUTO)
			b->devid = a->devid;
		if (!b->has_mac && a->has_mac) {
			memcpy(b->mac, a->mac, sizeof(b->mac));
			b->has_mac = 1;
		}
		if (a->devid != b->devid ||
		    !desc_same(desc_or(a->bridge, HV_VIF_DEFAULT_BRIDGE),
			       desc_or(b->bridge, HV_VIF_DEFAULT_BRIDGE)) ||
		    !desc_same(a->vifname, b->vifname) ||
		    (a->queues ? a->queues : 1) != (b->queues ? b->queues : 1)) {
			snprintf(why, size, "its vif %zu is not the domain's vif %u: a restart reuses "
				 "the domain's taps, in the same order, with the same devid, bridge, "
				 "vifname and queues", i + 1, a->devid);
			return false;
		}
	}
	if (!uuid_given) {
		memcpy(next->uuid, cur->uuid, sizeof(next->uuid));
		next->has_uuid = 1;
	}
	return true;
}

/* @d's next description (config-update's), renamed @name and stored again. */
static void desc_rename_next(struct hvd *hvd, struct hvd_domain *d, const char *name)
{
	hv_domain_config *cfg = NULL;
	char why[HV_HC_ERRMSG_MAX], *text = NULL, *dup = strdup(name);

	if (!dup) {
		snprintf(why, sizeof(why), "hvd is out of memory");
		goto fail;
	}
	if (desc_decode(hvd, d->next_json, strlen(d->next_json), &cfg, NULL, NULL, why,
			sizeof(why)))
		goto fail;
	free(cfg->name);
	cfg->name = dup;
	dup = NULL;
	if (hv_config_to_json(&hvd->ctx, cfg, &text)) {
		snprintf(why, sizeof(why), "cannot encode it: %s", hvd->desc_error);
		goto fail;
	}
	if (store_put(hvd, d->domid, STORE_NEXT_FILE, text, strlen(text))) {
		snprintf(why, sizeof(why), "cannot store it: %s", strerror(errno));
		goto fail;
	}
	free(d->next_json);
	d->next_json = text;
	desc_drop(cfg);
	return;
fail:
	hvd_err(hvd, "domain %u (%s): the description config-update gave could not take the new "
		"name (%s); its next start keeps the description it runs with", d->domid, name,
		why);
	free(dup);
	free(text);
	desc_drop(cfg);
}

/*
 * @json (@len bytes) as @d's next description: decoded, checked against @d,
 * completed with what it takes from @d (desc_fits()) into *cfg_r and
 * encoded again into *json_r.  0, or -HV_HC_E* with why in @why.
 */
static int desc_next(struct hvd *hvd, const struct hvd_domain *d, const char *json, size_t len,
		     hv_domain_config **cfg_r, char **json_r, char *why, size_t why_size)
{
	hv_domain_config *cfg = NULL;
	char *text = NULL, fit[HV_HC_ERRMSG_MAX];
	bool uuid_given = false;
	int rc;

	*cfg_r = NULL;
	*json_r = NULL;
	rc = desc_decode(hvd, json, len, &cfg, NULL, &uuid_given, why, why_size);
	if (rc)
		return rc;
	rc = -HV_HC_EINVAL;
	if (meter_cfg_has_usage(cfg)) {
		snprintf(why, why_size, "the description says what the domain used (usage_*): "
			 "only hvd writes that; remove it");
		goto fail;
	}
	if (!desc_fits(d->cfg, cfg, uuid_given, fit, sizeof(fit))) {
		snprintf(why, why_size, "this description cannot be the next start of domain %u "
			 "(%.64s): %.800s", d->domid, d->cfg->name, fit);
		goto fail;
	}
	if (hv_config_to_json(&hvd->ctx, cfg, &text)) {
		snprintf(why, why_size, "cannot encode the description: %s", hvd->desc_error);
		rc = -HV_HC_EIO;
		goto fail;
	}
	*cfg_r = cfg;
	*json_r = text;
	return 0;
fail:
	desc_drop(cfg);
	return rc;
}

int op_config_update(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		     struct hvd_domain *d)
{
	char why[HV_HC_ERRMSG_MAX], *json = NULL;
	hv_domain_config *cfg;
	int rc;

	if (d->incoming_conn)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u is arriving by migration: update its "
					"description once it runs", d->domid);
	rc = desc_next(hvd, d, req->json, req->json_len, &cfg, &json, why, sizeof(why));
	if (rc)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc, "%s", why);
	desc_drop(cfg);
	if (store_put(hvd, d->domid, STORE_NEXT_FILE, json, strlen(json))) {
		hvd_err(hvd, "domain %u (%s): cannot store its next description: %s", d->domid,
			d->cfg->name, strerror(errno));
		free(json);
		return -HV_HC_EIO;
	}
	free(d->next_json);
	d->next_json = json;
	hvd_info(hvd, "domain %u (%s): config-update: its next start takes the new description",
		 d->domid, d->cfg->name);
	return 0;
}

bool desc_take_next(struct hvd *hvd, struct hvd_domain *nd, const struct hvd_domain *old)
{
	hv_domain_config *cfg = NULL;
	char why[HV_HC_ERRMSG_MAX], *json = NULL;

	if (!old->next_json)
		return false;
	/* a disk or vif hotplugged since may have made it not fit */
	if (desc_next(hvd, old, old->next_json, strlen(old->next_json), &cfg, &json, why,
		      sizeof(why))) {
		hvd_err(hvd, "domain %u (%s): the description config-update gave no longer fits "
			"(%s); it restarts with the one it had", old->domid, old->cfg->name, why);
		return false;
	}
	desc_free(nd);
	nd->cfg = cfg;
	nd->json = json;
	nd->json_len = strlen(json);
	hvd_info(hvd, "domain %u (%s): restarts with the description config-update gave",
		 old->domid, old->cfg->name);
	return true;
}

void desc_load_next(struct hvd *hvd, struct hvd_domain *d)
{
	char *text = NULL;
	size_t len;
	int r = store_get(hvd, d->domid, STORE_NEXT_FILE, DESC_JSON_MAX, &text, &len);

	if (r == -ENOENT)
		return;
	if (r || strlen(text) != len) {
		hvd_err(hvd, "domain %u: cannot read %s/domains/%u/%s (%s): its next start keeps "
			"its description", d->domid, hvd->rundir, d->domid, STORE_NEXT_FILE,
			r ? strerror(-r) : "it holds a NUL");
		free(text);
		return;
	}
	d->next_json = text;
}
