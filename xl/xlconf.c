/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xl.conf(5): xl's own settings, read before a command runs, in xl.cfg
 * syntax (libhv's hv_config_read_settings() parses, the keys' meanings
 * are here).  Xen's keys are all accepted: those that mean something to
 * hv are applied; of those that do not, a value that asks for something
 * hv does not do gets one warning, and the others are taken silently.
 * man/xl.conf.5 has the table; keep the two in step.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "xl.h"

/* The most xl reads of an xl.conf. */
#define XL_CONF_MAX (1u << 20)

struct xl_conf xl_conf;

/* Reading one file: where, and what it said so far. */
struct conf_read {
	const char *path;
	/* vif.default.bridge wins over the older defaultbridge wherever
	 * each is, as in Xen; within a key, the later line wins */
	char *bridge, *old_bridge;
};

static void conf_warn(const struct conf_read *r, const hv_config_setting *s,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int conf_err(const struct conf_read *r, const hv_config_setting *s,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void conf_warn(const struct conf_read *r, const hv_config_setting *s,
		      const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xl_warning("%s:%d: %s: %s", r->path, s->line, s->key, msg);
}

static int conf_err(const struct conf_read *r, const hv_config_setting *s,
		    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xl_error_mark();
	return xl_error(0, "%s:%d: %s: %s", r->path, s->line, s->key, msg);
}

/* The setting's one value: lists and += have no use in xl.conf. */
static int single(const struct conf_read *r, const hv_config_setting *s, const char **v_r)
{
	*v_r = "";
	if (s->append)
		return conf_err(r, s, "+= has no use in xl.conf; write %s = ...", s->key);
	if (!s->value)
		return conf_err(r, s, "expects a single value, not a list (write %s = \"...\")",
				s->key);
	*v_r = s->value;
	return 0;
}

/* A whole number, decimal, as Xen's xl.conf writes them; -1: not one. */
static long long whole(const char *v)
{
	long long n = 0;

	if (!*v || strlen(v) > 18)
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		n = n * 10 + (*v - '0');
	}
	return n;
}

static int want_bool(const struct conf_read *r, const hv_config_setting *s, int *b_r)
{
	const char *v;

	*b_r = 0;
	if (single(r, s, &v))
		return XL_FAIL;
	if (strcmp(v, "0") && strcmp(v, "1"))
		return conf_err(r, s, "\"%s\" is not 0 or 1 (try %s = 1)", v, s->key);
	*b_r = v[0] == '1';
	return 0;
}

/* A Linux network interface name, as hv checks a vif's bridge. */
static const char *ifname_why(const char *v)
{
	if (!*v || strlen(v) > 15 || strpbrk(v, "/ \t\n:"))
		return "is not a host interface name (at most 15 characters, no '/', ':' or spaces)";
	return NULL;
}

/* --- the keys ---------------------------------------------------------- */

static int k_autoballoon(struct conf_read *r, const hv_config_setting *s)
{
	const char *v;

	if (single(r, s, &v))
		return XL_FAIL;
	if (!strcmp(v, "on") || !strcmp(v, "1"))
		conf_warn(r, s, "hv does not balloon domain 0: the host is no domain, and gives "
			  "up no memory to make room for one (hvd's --overcommit says what fits); "
			  "ignored");
	else if (strcmp(v, "off") && strcmp(v, "0") && strcmp(v, "auto"))
		return conf_err(r, s, "\"%s\" is not \"off\", \"on\" or \"auto\"", v);
	return 0;
}

/* run_hotplug_scripts, bootloader_restrict: hv runs neither hotplug
 * scripts nor bootloaders, whatever the value */
static int k_bool_silent(struct conf_read *r, const hv_config_setting *s)
{
	int b;

	return want_bool(r, s, &b);
}

/* lockfile, blkdev_start, remus.default.netbufscript,
 * colo.default.proxyscript, vm.pv.cpumask: no use in hv */
static int k_string_silent(struct conf_read *r, const hv_config_setting *s)
{
	const char *v;

	return single(r, s, &v);
}

/* max_grant_frames, max_maptrack_frames, max_grant_version: no grant tables */
static int k_number_silent(struct conf_read *r, const hv_config_setting *s)
{
	const char *v;

	if (single(r, s, &v))
		return XL_FAIL;
	if (whole(v) < 0)
		return conf_err(r, s, "\"%s\" is not a whole number (try %s = 64)", v, s->key);
	return 0;
}

static int k_bridge(struct conf_read *r, const hv_config_setting *s)
{
	bool old = !strcmp(s->key, "defaultbridge");
	const char *v, *why;
	char **dst = old ? &r->old_bridge : &r->bridge;

	if (single(r, s, &v))
		return XL_FAIL;
	why = ifname_why(v);
	if (why)
		return conf_err(r, s, "\"%s\" %s", v, why);
	free(*dst);
	*dst = strdup(v);
	if (!*dst)
		return xl_error(HV_ERROR_NOMEM, "%s", r->path);
	if (old)
		conf_warn(r, s, "the older name of vif.default.bridge (write that instead); vif.default.bridge wins where both are set");
	return 0;
}

/* vif.default.script, vifscript */
static int k_vifscript(struct conf_read *r, const hv_config_setting *s)
{
	bool old = !strcmp(s->key, "vifscript");
	const char *v, *base;

	if (single(r, s, &v))
		return XL_FAIL;
	base = strrchr(v, '/');
	base = base ? base + 1 : v;
	if (strcmp(base, "vif-bridge"))
		conf_warn(r, s, "\"%s\": hv runs no vif scripts: it makes each vif's tap and puts "
			  "it on its bridge itself, as vif-bridge would; ignored%s", v,
			  old ? " (vif.default.script is the key's newer name)" : "");
	else if (old)
		conf_warn(r, s, "the older name of vif.default.script (write that instead)");
	return 0;
}

static int k_gatewaydev(struct conf_read *r, const hv_config_setting *s)
{
	const char *v;

	if (single(r, s, &v))
		return XL_FAIL;
	conf_warn(r, s, "\"%s\": hv routes nothing for a vif (each joins its bridge); ignored", v);
	return 0;
}

static int k_backend(struct conf_read *r, const hv_config_setting *s)
{
	const char *v;

	if (single(r, s, &v))
		return XL_FAIL;
	if (!xl_is_dom0(v))
		return conf_err(r, s, "\"%s\": hv has no driver domains: every vif's backend is the "
				"host, domain 0 (write %s = \"0\", or remove the line)", v, s->key);
	return 0;
}

static int k_output_format(struct conf_read *r, const hv_config_setting *s)
{
	const char *v;

	if (single(r, s, &v))
		return XL_FAIL;
	if (!strcmp(v, "sxp"))
		return conf_err(r, s, "\"sxp\": hv's xl writes JSON only (xl list -l); write "
				"output_format = \"json\", or remove the line");
	if (strcmp(v, "json"))
		return conf_err(r, s, "\"%s\" is not \"json\" (hv's xl writes JSON only)", v);
	return 0;
}

static int k_claim_mode(struct conf_read *r, const hv_config_setting *s)
{
	int b;

	if (want_bool(r, s, &b))
		return XL_FAIL;
	if (!b)
		conf_warn(r, s, "0: whether a domain's memory must fit before it is created is "
			  "hvd's to say (hvd --overcommit; 0 turns the check off); ignored");
	return 0;
}

/* vm.cpumask, vm.hvm.cpumask */
static int k_cpumask(struct conf_read *r, const hv_config_setting *s)
{
	const char *v;

	if (single(r, s, &v))
		return XL_FAIL;
	conf_warn(r, s, "\"%s\": hv does not pin vCPUs yet (as with xl.cfg's cpus); ignored", v);
	return 0;
}

static int k_domid_policy(struct conf_read *r, const hv_config_setting *s)
{
	const char *v;

	if (single(r, s, &v))
		return XL_FAIL;
	if (!strcmp(v, "random"))
		conf_warn(r, s, "\"random\": hvd numbers domains in order and never gives an id "
			  "twice; ignored");
	else if (strcmp(v, "xen"))
		return conf_err(r, s, "\"%s\" is not \"xen\" or \"random\"", v);
	return 0;
}

static const struct conf_key {
	const char *key;
	int (*fn)(struct conf_read *r, const hv_config_setting *s);
} conf_keys[] = {
	{ "autoballoon", k_autoballoon },
	{ "run_hotplug_scripts", k_bool_silent },
	{ "lockfile", k_string_silent },
	{ "vif.default.bridge", k_bridge },
	{ "defaultbridge", k_bridge },
	{ "vif.default.script", k_vifscript },
	{ "vifscript", k_vifscript },
	{ "vif.default.gatewaydev", k_gatewaydev },
	{ "vif.default.backend", k_backend },
	{ "output_format", k_output_format },
	{ "blkdev_start", k_string_silent },
	{ "claim_mode", k_claim_mode },
	{ "remus.default.netbufscript", k_string_silent },
	{ "colo.default.proxyscript", k_string_silent },
	{ "max_grant_frames", k_number_silent },
	{ "max_maptrack_frames", k_number_silent },
	{ "max_grant_version", k_number_silent },
	{ "vm.cpumask", k_cpumask },
	{ "vm.hvm.cpumask", k_cpumask },
	{ "vm.pv.cpumask", k_string_silent },
	{ "domid_policy", k_domid_policy },
	{ "bootloader_restrict", k_bool_silent },
};

static int conf_setting(void *opaque, const hv_config_setting *s)
{
	struct conf_read *r = opaque;

	for (size_t i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++)
		if (!strcmp(conf_keys[i].key, s->key))
			return conf_keys[i].fn(r, s);
	conf_warn(r, s, "not a key of xl.conf; ignored (xl.conf(5) lists them)");
	return 0;
}

/* --- reading it -------------------------------------------------------- */

/* The file's bytes into *buf_r: XL_OK, XL_FAIL (said), or -ENOENT. */
static int conf_load(const char *path, char **buf_r, size_t *len_r)
{
	char *buf = malloc(XL_CONF_MAX + 1);
	size_t len = 0;
	int fd, err;

	*buf_r = NULL;
	*len_r = 0;
	if (!buf)
		return xl_error(HV_ERROR_NOMEM, "%s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		free(buf);
		if (err == ENOENT)
			return -ENOENT;
		return xl_error(0, "%s: cannot open xl's settings: %s", path, strerror(err));
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, XL_CONF_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			close(fd);
			free(buf);
			return xl_error(0, "%s: cannot read xl's settings: %s", path, strerror(err));
		}
		if (!n)
			break;
		len += (size_t)n;
		if (len > XL_CONF_MAX) {
			close(fd);
			free(buf);
			return xl_error(0, "%s: larger than %u KiB; is this really xl.conf?", path,
					XL_CONF_MAX >> 10);
		}
	}
	close(fd);
	*buf_r = buf;
	*len_r = len;
	return XL_OK;
}

int xl_conf_read(void)
{
	const char *env = getenv("HV_XL_CONF");
	const char *path = env ? env : XL_CONF_DEFAULT;
	struct conf_read r = { .path = path };
	char *buf = NULL;
	size_t len = 0;
	int rc;

	/* set and empty: no xl.conf at all */
	if (env && !*env)
		return XL_OK;
	rc = conf_load(path, &buf, &len);
	/* the usual one missing is the usual case; one asked for by name is not */
	if (rc == -ENOENT && !env)
		return XL_OK;
	if (rc == -ENOENT)
		return xl_error(0, "%s: cannot open xl's settings (HV_XL_CONF): %s", path,
				strerror(ENOENT));
	if (rc)
		return rc;
	xl_error_mark();
	rc = hv_config_read_settings(xl_ctx, path, buf, len, conf_setting, &r);
	free(buf);
	if (rc == HV_ERROR_CONFIG || rc == HV_ERROR_NOMEM)
		rc = xl_error(rc, "%s: cannot read xl's settings", path);
	if (!rc) {
		xl_conf.default_bridge = r.bridge ? r.bridge : r.old_bridge;
		if (r.bridge)
			free(r.old_bridge);
		return XL_OK;
	}
	free(r.bridge);
	free(r.old_bridge);
	return XL_FAIL;
}

void xl_conf_free(void)
{
	free(xl_conf.default_bridge);
	memset(&xl_conf, 0, sizeof(xl_conf));
}

int xl_conf_vif(hv_vif_spec *vif)
{
	if (vif->bridge || !xl_conf.default_bridge)
		return XL_OK;
	vif->bridge = strdup(xl_conf.default_bridge);
	if (!vif->bridge)
		return xl_error(HV_ERROR_NOMEM, "vif");
	return XL_OK;
}

int xl_conf_apply(hv_domain_config *cfg)
{
	for (size_t i = 0; i < cfg->nr_vifs; i++)
		if (xl_conf_vif(cfg->vifs[i]))
			return XL_FAIL;
	return XL_OK;
}
