/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt domain XML writer: hv_domain_config_to_xml(), and the spellings
 * the reader shares.  The document is written by hand, in the order and
 * indentation virsh dumpxml uses, so that it reads the same every time;
 * what libvirt's format cannot say is left out with a warning.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "private.h"
#include "domxml_int.h"

/* hv's disk formats by libvirt's names ("vpc" is hv's "vhd"). */
static const char *const xml_formats[] = {
	[HV_DISK_FORMAT_RAW] = "raw",
	[HV_DISK_FORMAT_QCOW] = "qcow",
	[HV_DISK_FORMAT_QCOW2] = "qcow2",
	[HV_DISK_FORMAT_VHD] = "vpc",
	[HV_DISK_FORMAT_QED] = "qed",
};

const char *hv__xml_format_name(enum hv_disk_format f)
{
	if ((int)f < 1 || (size_t)f >= sizeof(xml_formats) / sizeof(xml_formats[0]))
		return NULL;
	return xml_formats[f];
}

int hv__xml_format_value(const char *name)
{
	if (!strcmp(name, "iso"))
		return HV_DISK_FORMAT_RAW;
	for (size_t i = 1; i < sizeof(xml_formats) / sizeof(xml_formats[0]); i++)
		if (!strcmp(xml_formats[i], name))
			return (int)i;
	return 0;
}

bool hv__xml_is_cpuset(const char *s)
{
	for (;;) {
		bool neg = *s == '^';
		const char *start;

		s += neg;
		start = s;
		while (*s >= '0' && *s <= '9')
			s++;
		if (s == start || s - start > 5)
			return false;
		if (*s == '-' && !neg) {
			start = ++s;
			while (*s >= '0' && *s <= '9')
				s++;
			if (s == start || s - start > 5)
				return false;
		}
		if (!*s)
			return true;
		if (*s++ != ',')
			return false;
	}
}

bool hv__xml_disk_is_block(const hv_disk_spec *d)
{
	return (d->backendtype && !strcmp(d->backendtype, "phy")) ||
	       (d->target && !strncmp(d->target, "/dev/", 5));
}

/* --- writing ------------------------------------------------------------ */

struct xw {
	hv_ctx *ctx;
	const char *who;	/* 'domain "web"' in messages */
	struct hv__buf b;
	int rc;			/* the first failure */
};

static void xw_fail(struct xw *w, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void xw_fail(struct xw *w, const char *what, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (w->rc)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	HV__ERR(w->ctx, "%s: %s: %s", w->who, what, msg);
	w->rc = HV_ERROR_INVAL;
}

static void xw_printf(struct xw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void xw_printf(struct xw *w, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		w->b.failed = true;
		return;
	}
	hv__buf_add(&w->b, s, (size_t)n);
	free(s);
}

/*
 * @s escaped for text and attribute values (quoted with '), named @what in
 * messages.  XML 1.0 cannot carry control characters (tabs and newlines
 * apart) or U+FFFE and U+FFFF, even as references: such a string fails.
 */
static void xw_escaped(struct xw *w, const char *what, const char *s)
{
	const char *why = hv__check_utf8(s);

	if (why) {
		xw_fail(w, what, "\"%s\" %s", s, why);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') ||
		    (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))) {
			xw_fail(w, what, "holds a character that XML cannot carry (a control character, U+FFFE or U+FFFF)");
			return;
		}
		switch (*p) {
		case '&':
			hv__buf_adds(&w->b, "&amp;");
			break;
		case '<':
			hv__buf_adds(&w->b, "&lt;");
			break;
		case '>':
			hv__buf_adds(&w->b, "&gt;");
			break;
		case '\'':
			hv__buf_adds(&w->b, "&apos;");
			break;
		case '"':
			hv__buf_adds(&w->b, "&quot;");
			break;
		case '\t':
		case '\n':
		case '\r':
			/* kept as they are by a parser only as references */
			xw_printf(w, "&#%d;", *p);
			break;
		default:
			hv__buf_addc(&w->b, (char)*p);
		}
	}
}

/* "<indent><tag>text</tag>\n" */
static void xw_element(struct xw *w, int indent, const char *tag, const char *what,
		       const char *text)
{
	xw_printf(w, "%*s<%s>", indent, "", tag);
	xw_escaped(w, what, text);
	xw_printf(w, "</%s>\n", tag);
}

/* " name='value'" */
static void xw_attr(struct xw *w, const char *name, const char *what, const char *value)
{
	xw_printf(w, " %s='", name);
	xw_escaped(w, what, value);
	hv__buf_addc(&w->b, '\'');
}

static const char *action_name(struct xw *w, const char *key, enum hv_action a, bool crash)
{
	const char *s = hv__enum_name(&hv__action_names, a);

	if (!s) {
		xw_fail(w, key, "%d is not a valid action", (int)a);
		return "destroy";
	}
	if (!crash && (a == HV_ACTION_COREDUMP_DESTROY || a == HV_ACTION_COREDUMP_RESTART)) {
		xw_fail(w, key, "libvirt has no %s for %s (only on_crash dumps core); use destroy or restart",
			s, key);
		return "destroy";
	}
	return s;
}

static void write_vcpu(struct xw *w, const hv_domain_config *cfg)
{
	unsigned int max = cfg->maxvcpus > cfg->vcpus ? cfg->maxvcpus : cfg->vcpus;

	xw_printf(w, "  <vcpu placement='static'");
	if (cfg->cpus && hv__xml_is_cpuset(cfg->cpus))
		xw_attr(w, "cpuset", "cpus", cfg->cpus);
	else if (cfg->cpus && strcmp(cfg->cpus, "all"))
		HV__WARN(w->ctx, "%s: cpus: \"%s\" is not a libvirt CPU set (numbers, ranges and ^exclusions); left out of the XML",
			 w->who, cfg->cpus);
	if (max > cfg->vcpus)
		xw_printf(w, " current='%u'", cfg->vcpus);
	xw_printf(w, ">%u</vcpu>\n", max);
}

static void write_os(struct xw *w, const hv_domain_config *cfg)
{
	char *cmdline = NULL;
	int rc;

	xw_printf(w, "  <os>\n    <type arch='x86_64'>hvm</type>\n");
	if (cfg->kernel)
		xw_element(w, 4, "kernel", "kernel", cfg->kernel);
	if (cfg->ramdisk)
		xw_element(w, 4, "initrd", "ramdisk", cfg->ramdisk);
	/* root and extra as the kernel gets them, in one command line */
	rc = hv_domain_config_kernel_cmdline(w->ctx, cfg, &cmdline);
	if (rc && !w->rc)
		w->rc = rc;
	if (cmdline)
		xw_element(w, 4, "cmdline", "cmdline", cmdline);
	free(cmdline);
	/* without a kernel libvirt wants to know what to boot */
	if (!cfg->kernel)
		xw_printf(w, "    <boot dev='hd'/>\n");
	xw_printf(w, "  </os>\n");
}


static void write_disk(struct xw *w, const hv_disk_spec *d, size_t i)
{
	bool block = hv__xml_disk_is_block(d);
	bool ro = d->access == HV_DISK_ACCESS_RO || d->devtype == HV_DISK_DEVTYPE_CDROM;
	const char *format = hv__xml_format_name(d->format);
	char what[32];

	snprintf(what, sizeof(what), "disks[%zu]", i);
	if (!d->vdev || !format) {
		xw_fail(w, what, "%s (hv_config_validate() says more)",
			!d->vdev ? "has no vdev" : "has an invalid format");
		return;
	}
	xw_printf(w, "    <disk type='%s' device='%s'>\n", block ? "block" : "file",
		  d->devtype == HV_DISK_DEVTYPE_CDROM ? "cdrom" : "disk");
	xw_printf(w, "      <driver type='%s'", format);
	if (d->direct_io_safe)
		xw_printf(w, " cache='none'");
	if (d->discard >= 0)
		xw_printf(w, " discard='%s'", d->discard ? "unmap" : "ignore");
	if (d->queues)
		xw_printf(w, " queues='%u'", d->queues);
	xw_printf(w, "/>\n");
	if (d->target) {
		xw_printf(w, "      <source");
		xw_attr(w, block ? "dev" : "file", what, d->target);
		xw_printf(w, "/>\n");
	}
	xw_printf(w, "      <target");
	xw_attr(w, "dev", what, d->vdev);
	xw_printf(w, " bus='virtio'/>\n");
	if (ro)
		xw_printf(w, "      <readonly/>\n      <shareable/>\n");
	/* what the guest sees as the disk's serial */
	xw_element(w, 6, "serial", what, d->vdev);
	if (d->iops || d->bps) {
		xw_printf(w, "      <iotune>\n");
		if (d->bps)
			xw_printf(w, "        <total_bytes_sec>%" PRIu64 "</total_bytes_sec>\n", d->bps);
		if (d->iops)
			xw_printf(w, "        <total_iops_sec>%" PRIu64 "</total_iops_sec>\n", d->iops);
		if (d->bps && d->bps_burst)
			xw_printf(w, "        <total_bytes_sec_max>%" PRIu64 "</total_bytes_sec_max>\n",
				  d->bps_burst);
		if (d->iops && d->iops_burst)
			xw_printf(w, "        <total_iops_sec_max>%" PRIu64 "</total_iops_sec_max>\n",
				  d->iops_burst);
		xw_printf(w, "      </iotune>\n");
	}
	xw_printf(w, "    </disk>\n");
}

static void write_vif(struct xw *w, const hv_vif_spec *v, size_t i)
{
	static const char *const lost[] = { "rate", "ip", "script" };
	const char *const vals[] = { v->rate, v->ip, v->script };
	char what[32], mac[HV__MAC_STRLEN];

	snprintf(what, sizeof(what), "vifs[%zu]", i);
	for (size_t k = 0; k < 3; k++)
		if (vals[k])
			HV__WARN(w->ctx, "%s: %s: %s \"%s\" has no libvirt form; left out of the XML",
				 w->who, what, lost[k], vals[k]);
	xw_printf(w, "    <interface type='bridge'>\n");
	if (v->has_mac) {
		hv__mac_format(v->mac, mac);
		xw_printf(w, "      <mac address='%s'/>\n", mac);
	}
	xw_printf(w, "      <source");
	xw_attr(w, "bridge", what, v->bridge ? v->bridge : HV_VIF_DEFAULT_BRIDGE);
	xw_printf(w, "/>\n");
	if (v->vifname) {
		xw_printf(w, "      <target");
		xw_attr(w, "dev", what, v->vifname);
		xw_printf(w, "/>\n");
	}
	/* hv's only model; another is written as given (and refused when read) */
	xw_printf(w, "      <model");
	xw_attr(w, "type", what, !v->model || !strcmp(v->model, "virtio-net") ? "virtio" : v->model);
	xw_printf(w, "/>\n");
	if (v->queues)
		xw_printf(w, "      <driver queues='%u'/>\n", v->queues);
	if (v->mtu)
		xw_printf(w, "      <mtu size='%u'/>\n", v->mtu);
	xw_printf(w, "    </interface>\n");
}

static void write_devices(struct xw *w, const hv_domain_config *cfg, size_t size)
{
	bool has_balloon = size >= offsetof(hv_domain_config, balloon_free_page_reporting) + sizeof(int);

	xw_printf(w, "  <devices>\n");
	for (size_t i = 0; i < cfg->nr_disks && !w->rc; i++)
		write_disk(w, cfg->disks[i], i);
	/* by devid, the vif's PCI slot, then those still without one */
	for (unsigned int devid = 0; devid <= HV_DOMAIN_MAX_VIFS; devid++)
		for (size_t i = 0; i < cfg->nr_vifs; i++)
			if (cfg->vifs[i]->devid == devid ||
			    (devid == HV_DOMAIN_MAX_VIFS && cfg->vifs[i]->devid >= HV_DOMAIN_MAX_VIFS))
				write_vif(w, cfg->vifs[i], i);
	xw_printf(w, "    <serial type='pty'>\n      <target type='isa-serial' port='0'>\n"
		  "        <model name='isa-serial'/>\n      </target>\n    </serial>\n");
	/* the serial port and hv's virtio console (hvc0) are one console */
	xw_printf(w, "    <console type='pty'>\n      <target type='serial' port='0'/>\n"
		  "    </console>\n");
	xw_printf(w, "    <console type='pty'>\n      <target type='virtio' port='0'/>\n"
		  "    </console>\n");
	xw_printf(w, "    <memballoon model='virtio' autodeflate='%s' freePageReporting='%s'/>\n",
		  has_balloon && cfg->balloon_deflate_on_oom ? "on" : "off",
		  !has_balloon || cfg->balloon_free_page_reporting ? "on" : "off");
	xw_printf(w, "    <panic model='isa'/>\n");
	xw_printf(w, "  </devices>\n");
}

HV__EXPORT int hv_domain_config_to_xml(hv_ctx *ctx, const hv_domain_config *cfg, char **xml_r)
{
	size_t size = hv__cfg_size(cfg);
	char who[96], uuid[HV__UUID_STRLEN];
	struct xw w = { .ctx = ctx, .who = who };
	uint64_t max_mib;

	*xml_r = NULL;
	if (!size) {
		HV__ERR(ctx, "domain config: not initialised (call hv_domain_config_init() first)");
		return HV_ERROR_INVAL;
	}
	if (!cfg->name) {
		HV__ERR(ctx, "domain config: name: not set; a libvirt domain has one");
		return HV_ERROR_INVAL;
	}
	snprintf(who, sizeof(who), "domain \"%.63s\"", cfg->name);
	max_mib = cfg->maxmem_mib > cfg->memory_mib ? cfg->maxmem_mib : cfg->memory_mib;

	xw_printf(&w, "<domain type='kvm'>\n");
	xw_element(&w, 2, "name", "name", cfg->name);
	if (cfg->has_uuid) {
		hv__uuid_format(cfg->uuid, uuid);
		xw_printf(&w, "  <uuid>%s</uuid>\n", uuid);
	}
	xw_printf(&w, "  <memory unit='MiB'>%" PRIu64 "</memory>\n", max_mib);
	xw_printf(&w, "  <currentMemory unit='MiB'>%" PRIu64 "</currentMemory>\n", cfg->memory_mib);
	write_vcpu(&w, cfg);
	write_os(&w, cfg);
	xw_printf(&w, "  <features>\n    <acpi/>\n    <apic/>\n  </features>\n");
	xw_printf(&w, "  <clock offset='utc'/>\n");
	xw_printf(&w, "  <on_poweroff>%s</on_poweroff>\n",
		  action_name(&w, "on_poweroff", cfg->on_poweroff, false));
	xw_printf(&w, "  <on_reboot>%s</on_reboot>\n",
		  action_name(&w, "on_reboot", cfg->on_reboot, false));
	xw_printf(&w, "  <on_crash>%s</on_crash>\n", action_name(&w, "on_crash", cfg->on_crash, true));
	write_devices(&w, cfg, size);
	xw_printf(&w, "</domain>\n");

	if (w.rc) {
		hv__buf_free(&w.b);
		return w.rc;
	}
	*xml_r = hv__buf_steal(&w.b);
	return *xml_r ? 0 : HV_ERROR_NOMEM;
}
