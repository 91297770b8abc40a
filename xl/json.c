/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A domain's configuration in libxl's layout, libxl_domain_config as Xen's
 * xl list -l and xl create -n print it ("c_info", "b_info", "disks",
 * "nics", "on_*"), so that what reads Xen's JSON reads hv's: Xen's keys
 * and spellings for what hv's description says, nothing for what hv does
 * not have.  As libxl, a member at its default (a devid left to hv, no
 * cap) is left out.  hv's own description (hv_config_to_json()) is printed
 * beside it, under a key of its own.
 */
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <hv/config.h>
#include "config/config_int.h"
#include "xl.h"

/* A generator and its first failure: each call after one does nothing. */
struct lj {
	yajl_gen g;
	yajl_gen_status st;
};

static void lj_str(struct lj *j, const char *s)
{
	if (j->st == yajl_gen_status_ok)
		j->st = yajl_gen_string(j->g, (const unsigned char *)s, strlen(s));
}

static void lj_key_str(struct lj *j, const char *key, const char *s)
{
	if (!s)
		return;
	lj_str(j, key);
	lj_str(j, s);
}

static void lj_key_int(struct lj *j, const char *key, long long v)
{
	lj_str(j, key);
	if (j->st == yajl_gen_status_ok)
		j->st = yajl_gen_integer(j->g, v);
}

static void lj_open(struct lj *j, const char *key, bool map)
{
	if (key)
		lj_str(j, key);
	if (j->st == yajl_gen_status_ok)
		j->st = map ? yajl_gen_map_open(j->g) : yajl_gen_array_open(j->g);
}

static void lj_close(struct lj *j, bool map)
{
	if (j->st == yajl_gen_status_ok)
		j->st = map ? yajl_gen_map_close(j->g) : yajl_gen_array_close(j->g);
}

/* A libxl_bitmap: the numbers of its set bits, below @nr. */
static void lj_bitmap(struct lj *j, const char *key, const cpu_set_t *set, unsigned int nr)
{
	lj_open(j, key, false);
	for (unsigned int i = 0; i < nr && i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, set) && j->st == yajl_gen_status_ok)
			j->st = yajl_gen_integer(j->g, i);
	lj_close(j, false);
}

/* libxl_action_on_shutdown's spellings */
static const char *lj_action(enum hv_action a)
{
	switch (a) {
	case HV_ACTION_RESTART:
		return "restart";
	case HV_ACTION_RENAME_RESTART:
		return "restart_rename";
	case HV_ACTION_PRESERVE:
		return "preserve";
	case HV_ACTION_COREDUMP_DESTROY:
		return "coredump_destroy";
	case HV_ACTION_COREDUMP_RESTART:
		return "coredump_restart";
	case HV_ACTION_DESTROY:
		break;
	}
	return "destroy";
}

/* libxl_disk_format's spellings (hv's are the same) */
static const char *lj_format(enum hv_disk_format f)
{
	switch (f) {
	case HV_DISK_FORMAT_QCOW:
		return "qcow";
	case HV_DISK_FORMAT_QCOW2:
		return "qcow2";
	case HV_DISK_FORMAT_VHD:
		return "vhd";
	case HV_DISK_FORMAT_QED:
		return "qed";
	case HV_DISK_FORMAT_RAW:
		break;
	}
	return "raw";
}

/*
 * b_info's vcpu_hard_affinity: xl.cfg's cpus= as libxl has it, one bitmap
 * per vCPU (the same for each), of the CPUs this host has.  Left out
 * without cpus=, or where it names a NUMA node this host lacks.
 */
static void lj_affinity(struct lj *j, const hv_domain_config *cfg, unsigned int max_vcpus)
{
	long host = sysconf(_SC_NPROCESSORS_CONF);
	char why[256];
	cpu_set_t set;

	if (!cfg->cpus || host < 1 ||
	    hv__cpulist_parse(cfg->cpus, &set, hv__node_cpus, why, sizeof(why)))
		return;
	lj_open(j, "vcpu_hard_affinity", false);
	for (unsigned int v = 0; v < max_vcpus; v++)
		lj_bitmap(j, NULL, &set, (unsigned int)host);
	lj_close(j, false);
}

static void lj_b_info(struct lj *j, const hv_domain_config *cfg, const char *cmdline)
{
	unsigned int max_vcpus = cfg->maxvcpus ? cfg->maxvcpus : cfg->vcpus;
	uint64_t max_mib = cfg->maxmem_mib ? cfg->maxmem_mib : cfg->memory_mib;

	lj_open(j, "b_info", true);
	lj_key_int(j, "max_vcpus", max_vcpus);
	/* a bitmap of the vCPUs online at boot */
	lj_open(j, "avail_vcpus", false);
	for (unsigned int v = 0; v < cfg->vcpus && j->st == yajl_gen_status_ok; v++)
		j->st = yajl_gen_integer(j->g, v);
	lj_close(j, false);
	lj_affinity(j, cfg, max_vcpus);
	lj_key_int(j, "max_memkb", (long long)(max_mib * 1024));
	lj_key_int(j, "target_memkb", (long long)(cfg->memory_mib * 1024));
	if (cfg->cpu_weight || cfg->cpu_cap) {
		lj_open(j, "sched_params", true);
		if (cfg->cpu_weight)
			lj_key_int(j, "weight", cfg->cpu_weight);
		if (cfg->cpu_cap)
			lj_key_int(j, "cap", cfg->cpu_cap);
		lj_close(j, true);
	}
	lj_key_str(j, "kernel", cfg->kernel);
	lj_key_str(j, "cmdline", cmdline);
	lj_key_str(j, "ramdisk", cfg->ramdisk);
	/* the type's own members: none that hv has */
	lj_open(j, cfg->type == HV_DOMAIN_HVM ? "type.hvm" : "type.pvh", true);
	lj_close(j, true);
	lj_close(j, true);
}

static void lj_disk(struct lj *j, const hv_disk_spec *d)
{
	bool cdrom = d->devtype == HV_DISK_DEVTYPE_CDROM;

	lj_open(j, NULL, true);
	lj_key_str(j, "pdev_path", d->target);
	lj_key_str(j, "vdev", d->vdev);
	lj_key_str(j, "backend", d->backendtype);
	/* a CD-ROM drive without a medium: libxl's "empty" */
	lj_key_str(j, "format", d->target ? lj_format(d->format) : "empty");
	lj_key_str(j, "script", d->script);
	if (!cdrom && d->access != HV_DISK_ACCESS_RO)
		lj_key_int(j, "readwrite", 1);
	if (cdrom)
		lj_key_int(j, "is_cdrom", 1);
	if (d->direct_io_safe) {
		lj_str(j, "direct_io_safe");
		if (j->st == yajl_gen_status_ok)
			j->st = yajl_gen_bool(j->g, 1);
	}
	/* a libxl_defbool */
	if (d->discard >= 0)
		lj_key_str(j, "discard_enable", d->discard ? "True" : "False");
	lj_close(j, true);
}

static void lj_nic(struct lj *j, const hv_vif_spec *v)
{
	uint64_t bytes, us;
	char mac[18];

	lj_open(j, NULL, true);
	if (v->devid != HV_VIF_DEVID_AUTO)
		lj_key_int(j, "devid", v->devid);
	if (v->mtu)
		lj_key_int(j, "mtu", v->mtu);
	lj_key_str(j, "model", v->model);
	if (v->has_mac) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0],
			 v->mac[1], v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
		lj_key_str(j, "mac", mac);
	}
	lj_key_str(j, "ip", v->ip);
	lj_key_str(j, "bridge", v->bridge);
	lj_key_str(j, "ifname", v->vifname);
	lj_key_str(j, "script", v->script);
	/* rate= as libxl keeps it: the credit per interval */
	if (v->rate && !hv__rate_parse(v->rate, &bytes, &us)) {
		lj_key_int(j, "rate_bytes_per_interval", (long long)bytes);
		lj_key_int(j, "rate_interval_usecs", (long long)us);
	}
	lj_close(j, true);
}

int xl_libxl_config_json(const hv_domain_config *cfg, const uint8_t *uuid, char **json_r)
{
	struct lj j = { .st = yajl_gen_status_ok };
	const unsigned char *buf;
	char *cmdline = NULL, u[37];
	size_t len;
	int rc;

	*json_r = NULL;
	/* its warning (root and extra beside cmdline) is create's to give */
	xl_quiet(true);
	rc = hv_domain_config_kernel_cmdline(xl_ctx, cfg, &cmdline);
	xl_quiet(false);
	if (rc)
		return rc;
	j.g = yajl_gen_alloc(NULL);
	if (!j.g) {
		free(cmdline);
		return HV_ERROR_NOMEM;
	}
	yajl_gen_config(j.g, yajl_gen_beautify, 1);
	yajl_gen_config(j.g, yajl_gen_indent_string, "    ");
	yajl_gen_config(j.g, yajl_gen_validate_utf8, 1);

	lj_open(&j, NULL, true);
	lj_open(&j, "c_info", true);
	lj_key_str(&j, "type", cfg->type == HV_DOMAIN_HVM ? "hvm" : "pvh");
	lj_key_str(&j, "name", cfg->name);
	if (!uuid && cfg->has_uuid)
		uuid = cfg->uuid;
	if (uuid) {
		snprintf(u, sizeof(u),
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7],
			 uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14],
			 uuid[15]);
		lj_key_str(&j, "uuid", u);
	}
	lj_close(&j, true);
	lj_b_info(&j, cfg, cmdline);
	if (cfg->nr_disks) {
		lj_open(&j, "disks", false);
		for (size_t i = 0; i < cfg->nr_disks; i++)
			lj_disk(&j, cfg->disks[i]);
		lj_close(&j, false);
	}
	if (cfg->nr_vifs) {
		lj_open(&j, "nics", false);
		for (size_t i = 0; i < cfg->nr_vifs; i++)
			lj_nic(&j, cfg->vifs[i]);
		lj_close(&j, false);
	}
	lj_key_str(&j, "on_poweroff", lj_action(cfg->on_poweroff));
	lj_key_str(&j, "on_reboot", lj_action(cfg->on_reboot));
	lj_key_str(&j, "on_crash", lj_action(cfg->on_crash));
	lj_close(&j, true);

	if (j.st == yajl_gen_status_ok &&
	    yajl_gen_get_buf(j.g, &buf, &len) == yajl_gen_status_ok) {
		*json_r = strndup((const char *)buf, len);
		rc = *json_r ? 0 : HV_ERROR_NOMEM;
	} else {
		/* strings were checked as UTF-8 when the description was read */
		rc = j.st == yajl_gen_invalid_string ? HV_ERROR_INVAL : HV_ERROR_FAIL;
	}
	yajl_gen_free(j.g);
	free(cmdline);
	return rc;
}

char *xl_json_indent(const char *json, unsigned int by)
{
	size_t lines = 1;
	char *out, *o;

	for (const char *p = json; *p; p++)
		lines += *p == '\n';
	out = malloc(strlen(json) + lines * by + 1);
	if (!out)
		return NULL;
	o = out;
	for (const char *p = json; *p; p++) {
		if (*p == '\n' && !p[1])
			break;
		*o++ = *p;
		/* no spaces on an empty line (yajl's empty map has one) */
		if (*p == '\n' && p[1] != '\n') {
			memset(o, ' ', by);
			o += by;
		}
	}
	*o = '\0';
	return out;
}

int xl_print_dry_json(const hv_domain_config *cfg)
{
	char *json = NULL, *lxl = NULL, *a = NULL, *b = NULL;
	int rc;

	xl_error_mark();
	rc = xl_libxl_config_json(cfg, NULL, &lxl);
	if (!rc)
		rc = hv_config_to_json(xl_ctx, cfg, &json);
	if (!rc) {
		a = xl_json_indent(lxl, 4);
		b = xl_json_indent(json, 4);
		if (!a || !b)
			rc = HV_ERROR_NOMEM;
	}
	if (rc) {
		rc = xl_error(rc, "domain \"%s\": cannot write the config as JSON",
			      cfg->name ? cfg->name : "");
		goto out;
	}
	/* libxl's {"domid": null, "config": ...}, then hv's own */
	printf("{\n    \"domid\": null,\n    \"config\": %s,\n    \"hv_config\": %s\n}\n", a, b);
	rc = XL_OK;
out:
	free(a);
	free(b);
	free(lxl);
	free(json);
	return rc;
}
