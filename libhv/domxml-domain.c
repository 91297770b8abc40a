/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt domain XML reader: the domain's own elements (name, memory,
 * vCPUs, <os>, actions, and what hv accepts without a setting of its own),
 * and what the description needs as a whole.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "domxml_int.h"

#define MIB (UINT64_C(1) << 20)

/*
 * libvirt's units of memory: b or bytes; k, KiB, m, MiB... (powers of
 * 1024); KB, MB... (powers of 1000); the first letter in either case.
 * The multiplier, or 0.
 */
static uint64_t unit_scale(const char *u)
{
	static const char letters[] = "kmgtpe";
	const char *p;
	uint64_t m = 1, base;

	if (!strcasecmp(u, "b") || !strcasecmp(u, "byte") || !strcasecmp(u, "bytes"))
		return 1;
	p = u[0] ? strchr(letters, u[0] | 0x20) : NULL;
	if (!p)
		return 0;
	if (!u[1] || !strcasecmp(u + 1, "ib"))
		base = 1024;
	else if (!strcasecmp(u + 1, "b"))
		base = 1000;
	else
		return 0;
	for (ptrdiff_t i = 0; i <= p - letters; i++)
		m *= base;
	return m;
}

/* <memory> and <currentMemory>: a size in whole MiB, not 0. */
static int xr_mib(struct xr *r, const xmlNode *n, uint64_t *mib_r)
{
	const char *unit = hv__xr_attr(n, "unit");
	uint64_t v, scale = unit_scale(unit ? unit : "KiB");
	char *s;
	int rc;

	if (!scale)
		return hv__xr_err(r, n, "unit", "\"%s\" is not a unit of memory (b, KiB, MiB, GiB, TiB, or KB, MB, GB, TB)",
				  unit);
	rc = hv__xr_text(r, n, &s);
	if (rc)
		return rc;
	if (hv__xr_u64(s, UINT64_MAX, &v)) {
		rc = hv__xr_err(r, n, NULL, "\"%s\" is not a whole number (write e.g. <%s unit='MiB'>512</%s>)",
				s, (const char *)n->name, (const char *)n->name);
	} else if (v > UINT64_MAX / scale) {
		rc = hv__xr_err(r, n, NULL, "%s %s is more memory than can be counted", s,
				unit ? unit : "KiB");
	} else if (!v) {
		rc = hv__xr_err(r, n, NULL, "0 is no memory (give the guest some)");
	} else if ((v * scale) % MIB) {
		uint64_t up = (v * scale + MIB - 1) / MIB;

		rc = hv__xr_err(r, n, NULL, "%s %s is not a whole number of MiB, the unit hv sizes memory in (write <%s unit='MiB'>%" PRIu64 "</%s>)",
				s, unit ? unit : "KiB", (const char *)n->name, up, (const char *)n->name);
	} else {
		*mib_r = v * scale / MIB;
	}
	free(s);
	return rc;
}

/* --- the domain's own elements ----------------------------------------- */

static int k_name(struct xr *r, xmlNode *n, void *obj)
{
	hv_domain_config *cfg = obj;
	const char *why;
	int rc = hv__xr_string(r, n, &cfg->name);

	if (rc)
		return rc;
	why = hv__check_name(cfg->name);
	return why ? hv__xr_err(r, n, NULL, "\"%s\" %s", cfg->name, why) : 0;
}

static int k_uuid(struct xr *r, xmlNode *n, void *obj)
{
	hv_domain_config *cfg = obj;
	char *s, dashed[HV__UUID_STRLEN];
	int rc = hv__xr_leaf(r, n, &s);

	if (rc)
		return rc;
	/* libvirt also takes the 32 digits without dashes */
	if (strlen(s) == 32 && !strchr(s, '-'))
		snprintf(dashed, sizeof(dashed), "%.8s-%.4s-%.4s-%.4s-%.12s", s, s + 8, s + 12,
			 s + 16, s + 20);
	else
		snprintf(dashed, sizeof(dashed), "%s", strlen(s) < sizeof(dashed) ? s : "");
	if (hv__uuid_parse(dashed, cfg->uuid))
		rc = hv__xr_err(r, n, NULL, "\"%s\" is not a UUID (write 32 hex digits as 8-4-4-4-12)", s);
	else
		cfg->has_uuid = 1;
	free(s);
	return rc;
}

static int k_memory(struct xr *r, xmlNode *n, void *obj)
{
	int rc = hv__xr_attrs(r, n, ATTRS("unit", "dumpCore"));

	return rc ? rc : xr_mib(r, n, &r->mem_mib);
}

static int k_current_memory(struct xr *r, xmlNode *n, void *obj)
{
	int rc = hv__xr_attrs(r, n, ATTRS("unit"));

	r->cur_node = n;
	return rc ? rc : xr_mib(r, n, &r->cur_mib);
}

static int k_vcpu(struct xr *r, xmlNode *n, void *obj)
{
	hv_domain_config *cfg = obj;
	const char *cpuset = hv__xr_attr(n, "cpuset");
	unsigned int current = 0;
	uint64_t max;
	char *s;
	int rc = hv__xr_attrs(r, n, ATTRS("placement", "cpuset", "current"));

	if (!rc)
		rc = hv__xr_attr_only(r, n, "placement", "static",
				      "hv does not place vCPUs by NUMA advice (write placement='static')");
	if (!rc)
		rc = hv__xr_text(r, n, &s);
	if (rc)
		return rc;
	rc = hv__xr_u64(s, UINT32_MAX, &max);
	if (rc || !max)
		rc = hv__xr_err(r, n, NULL, "\"%s\" is not a number of vCPUs (1 or more)", s);
	free(s);
	if (!rc)
		rc = hv__xr_attr_uint(r, n, "current", 1, (unsigned int)max, &current);
	if (rc)
		return rc;
	if (cpuset && !hv__xml_is_cpuset(cpuset))
		return hv__xr_err(r, n, "cpuset", "\"%s\" is not a CPU set (e.g. '0-3,^1')", cpuset);
	if (cpuset) {
		free(cfg->cpus);
		if (!(cfg->cpus = strdup(cpuset)))
			return HV_ERROR_NOMEM;
	}
	cfg->vcpus = current ? current : (unsigned int)max;
	cfg->maxvcpus = current && current < max ? (unsigned int)max : 0;
	return 0;
}

static int k_os_type(struct xr *r, xmlNode *n, void *obj)
{
	const char *machine = hv__xr_attr(n, "machine");
	char *s;
	int rc = hv__xr_attrs(r, n, ATTRS("arch", "machine"));

	if (!rc)
		rc = hv__xr_attr_only(r, n, "arch", "x86_64", "hv runs x86-64 guests (write arch='x86_64')");
	if (!rc)
		rc = hv__xr_text(r, n, &s);
	if (rc)
		return rc;
	if (strcmp(s, "hvm"))
		rc = hv__xr_err(r, n, NULL, "\"%s\": hv runs fully virtualised guests on KVM (write <type>hvm</type>; a PV-capable Linux kernel boots as PVH)",
				s);
	else
		r->have_os = true;
	free(s);
	if (!rc && machine)
		hv__xr_info(r, n, "machine '%s' ignored: hv-vmm has one machine (docs/platform.md)", machine);
	return rc;
}

static int k_os_kernel(struct xr *r, xmlNode *n, void *obj)
{
	return hv__xr_string(r, n, &((hv_domain_config *)obj)->kernel);
}

static int k_os_initrd(struct xr *r, xmlNode *n, void *obj)
{
	return hv__xr_string(r, n, &((hv_domain_config *)obj)->ramdisk);
}

static int k_os_cmdline(struct xr *r, xmlNode *n, void *obj)
{
	return hv__xr_string(r, n, &((hv_domain_config *)obj)->cmdline);
}

static int k_os(struct xr *r, xmlNode *n, void *obj)
{
	static const char fw[] = "hv has no firmware: it boots <kernel> directly";
	static const char ct[] = "for containers (LXC); hv boots <kernel>";
	static const struct xr_child tab[] = {
		READ("type", k_os_type),
		READ("kernel", k_os_kernel),
		READ("initrd", k_os_initrd),
		READ("cmdline", k_os_cmdline),
		IGNORE("boot", "hv boots <kernel> directly"),
		IGNORE("bootmenu", "hv boots <kernel> directly"),
		IGNORE("bios", "hv has no firmware"),
		REFUSE("loader", fw), REFUSE("nvram", fw), REFUSE("firmware", fw),
		REFUSE("smbios", "hv gives guests no SMBIOS tables"),
		REFUSE("dtb", "x86 guests take no device tree"),
		REFUSE("acpi", "hv builds the guest's ACPI tables itself"),
		REFUSE("init", ct), REFUSE("initarg", ct), REFUSE("initenv", ct),
		REFUSE("initdir", ct), REFUSE("inituser", ct), REFUSE("initgroup", ct),
	};
	int rc = hv__xr_attrs(r, n, NO_ATTRS);

	if (rc)
		return rc;
	rc = hv__xr_children(r, n, TABLE(tab), obj);
	if (!rc && !r->have_os)
		rc = hv__xr_err(r, n, NULL, "no <type>hvm</type>");
	return rc;
}

static int k_action(struct xr *r, xmlNode *n, void *obj)
{
	hv_domain_config *cfg = obj;
	const char *name = (const char *)n->name;
	bool crash = !strcmp(name, "on_crash");
	enum hv_action *field = crash ? &cfg->on_crash :
		!strcmp(name, "on_reboot") ? &cfg->on_reboot : &cfg->on_poweroff;
	char *s;
	int v, rc = hv__xr_leaf(r, n, &s);

	if (rc)
		return rc;
	v = hv__enum_value(&hv__action_names, s);
	if (!v || (!crash && (v == HV_ACTION_COREDUMP_DESTROY || v == HV_ACTION_COREDUMP_RESTART)))
		rc = hv__xr_err(r, n, NULL, "\"%s\" is not destroy, restart, preserve or rename-restart%s",
				s, crash ? ", coredump-destroy or coredump-restart" : "");
	else
		*field = v;
	free(s);
	return rc;
}

static int k_features(struct xr *r, xmlNode *n, void *obj)
{
	static const struct xr_child tab[] = {
		IGNORE("acpi", "hv's guests always have ACPI"),
		IGNORE("apic", "hv's guests always have local and I/O APICs"),
		IGNORE("pae", "x86-64 guests always have PAE"),
	};
	int rc = hv__xr_attrs(r, n, NO_ATTRS);

	return rc ? rc : hv__xr_children(r, n, TABLE(tab), NULL);
}

static int k_clock(struct xr *r, xmlNode *n, void *obj)
{
	static const struct xr_child tab[] = {
		IGNORE("timer", "hv's guests keep time with kvmclock, and have no RTC, PIT or HPET to tune"),
	};
	int rc = hv__xr_attrs(r, n, ATTRS("offset"));

	if (!rc)
		rc = hv__xr_attr_only(r, n, "offset", "utc", "hv's guests read the host's time (UTC) from kvmclock");
	return rc ? rc : hv__xr_children(r, n, TABLE(tab), NULL);
}

static int k_cpu(struct xr *r, xmlNode *n, void *obj)
{
	const char *mode = hv__xr_attr(n, "mode");
	int rc = hv__xr_attrs(r, n, ATTRS("mode", "match", "check", "migratable"));

	if (rc)
		return rc;
	if (!mode || (strcmp(mode, "host-passthrough") && strcmp(mode, "host-model") &&
		      strcmp(mode, "maximum")))
		return hv__xr_err(r, n, "mode", "\"%s\": hv gives the guest the CPU that KVM offers, as mode='host-passthrough' does",
				  mode ? mode : "custom");
	for (xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return hv__xr_err(r, c, NULL, "hv gives the guest the host's CPU model and features, with one socket (leave out model, topology, feature, numa and cache)");
	return 0;
}

static int k_pm_state(struct xr *r, xmlNode *n, void *obj)
{
	int rc = hv__xr_attrs(r, n, ATTRS("enabled"));

	if (!rc)
		rc = hv__xr_children(r, n, NULL, 0, NULL);
	return rc ? rc : hv__xr_attr_only(r, n, "enabled", "no", "hv's guests have no sleep states (S3, S4)");
}

static int k_pm(struct xr *r, xmlNode *n, void *obj)
{
	static const struct xr_child tab[] = {
		READ("suspend-to-mem", k_pm_state),
		READ("suspend-to-disk", k_pm_state),
	};
	int rc = hv__xr_attrs(r, n, NO_ATTRS);

	return rc ? rc : hv__xr_children(r, n, TABLE(tab), NULL);
}

static int k_seclabel(struct xr *r, xmlNode *n, void *obj)
{
	int rc = hv__xr_attrs(r, n, ATTRS("type", "model", "relabel"));

	if (!rc && !hv__xr_attr(n, "type"))
		rc = hv__xr_err(r, n, NULL, "no type='...' (hv applies no security labels: write type='none')");
	if (!rc)
		rc = hv__xr_attr_only(r, n, "type", "none",
				      "hv confines hv-vmm itself and applies no libvirt security labels (write type='none', or leave <seclabel> out)");
	return rc ? rc : hv__xr_children(r, n, NULL, 0, NULL);
}

static const struct xr_child domain_children[] = {
	READ("name", k_name),
	READ("uuid", k_uuid),
	IGNORE("title", "hv keeps no title"),
	IGNORE("description", "hv keeps no description"),
	IGNORE("metadata", "hv keeps no metadata"),
	READ("memory", k_memory),
	READ("currentMemory", k_current_memory),
	READ("vcpu", k_vcpu),
	READ("os", k_os),
	READ("on_poweroff", k_action),
	READ("on_reboot", k_action),
	READ("on_crash", k_action),
	READ("features", k_features),
	READ("clock", k_clock),
	READ("cpu", k_cpu),
	READ("pm", k_pm),
	READ_MANY("seclabel", k_seclabel),
	IGNORE("resource", "hv places each domain in a cgroup of its own"),
	READ("devices", hv__xr_devices),
	REFUSE("maxMemory", "memory hotplug is not supported by hv (its balloon moves memory between <currentMemory> and <memory>)"),
	REFUSE("memoryBacking", "hv backs guest memory with ordinary host memory (no huge pages, locking, sharing or files)"),
	REFUSE("memtune", "hv caps a domain's memory itself (a memory cgroup at <memory> and a margin)"),
	REFUSE("blkiotune", "hv limits a disk with the disk's <iotune>"),
	REFUSE("cputune", "vCPU scheduling and pinning settings are not supported by hv"),
	REFUSE("numatune", "hv's guests have no NUMA topology"),
	REFUSE("vcpus", "vCPU hotplug settings are not supported by hv (<vcpu current='N'> says how many are online at boot)"),
	REFUSE("iothreads", "hv's disks have their own I/O threads"),
	REFUSE("iothreadids", "hv's disks have their own I/O threads"),
	REFUSE("genid", "hv gives guests no VM generation ID"),
	REFUSE("sysinfo", "hv gives guests no SMBIOS tables"),
	REFUSE("bootloader", "hv boots <os><kernel> directly, with no host-side bootloader"),
	REFUSE("bootloader_args", "hv boots <os><kernel> directly, with no host-side bootloader"),
	REFUSE("on_lockfailure", "hv takes no lock manager leases"),
	REFUSE("idmap", "for containers (LXC)"),
	REFUSE("keywrap", "hv has no s390 crypto"),
	REFUSE("launchSecurity", "confidential guests (SEV, TDX) are not supported by hv"),
	REFUSE("perf", "hv collects no perf events for a domain"),
	REFUSE("throttlegroups", "hv limits each disk by itself, not in groups"),
};

/* <domain type='kvm'>, and what the description needs as a whole. */
int hv__xr_domain(struct xr *r, xmlNode *root)
{
	hv_domain_config *cfg = r->cfg;
	const char *type = hv__xr_attr(root, "type");
	int rc;

	if (root->ns || strcmp((const char *)root->name, "domain"))
		return hv__xr_err(r, root, NULL, "this is not a libvirt domain description (its root is <domain type='kvm'>)");
	rc = hv__xr_attrs(r, root, ATTRS("type", "id"));
	if (rc)
		return rc;
	if (!type)
		return hv__xr_err(r, root, NULL, "no type='...' (write <domain type='kvm'>)");
	if (!strcmp(type, "qemu"))
		return hv__xr_err(r, root, "type", "\"qemu\" asks for emulation; hv runs guests on KVM (write type='kvm')");
	if (strcmp(type, "kvm"))
		return hv__xr_err(r, root, "type", "\"%s\": hv runs guests on KVM (write type='kvm')", type);
	rc = hv__xr_children(r, root, TABLE(domain_children), cfg);
	if (rc)
		return rc;
	if (!cfg->name)
		return hv__xr_err(r, root, NULL, "no <name> (give the domain one)");
	if (!r->have_os)
		return hv__xr_err(r, root, NULL, "no <os> (write <os><type>hvm</type><kernel>...</kernel></os>)");
	if (r->cur_mib && !r->mem_mib)
		return hv__xr_err(r, r->cur_node, NULL, "given without <memory> (the most the domain may have)");
	if (r->cur_mib > r->mem_mib)
		return hv__xr_err(r, r->cur_node, NULL, "%" PRIu64 " MiB is more than <memory>'s %" PRIu64 " MiB",
				  r->cur_mib, r->mem_mib);
	if (r->mem_mib) {
		bool ballooned = r->cur_mib && r->cur_mib < r->mem_mib;

		cfg->memory_mib = ballooned ? r->cur_mib : r->mem_mib;
		cfg->maxmem_mib = ballooned ? r->mem_mib : 0;
	}
	/* hv boots a kernel at its PVH entry whatever the type; without one
	 * an "hvm" domain would boot firmware (refused when created) */
	cfg->type = cfg->kernel ? HV_DOMAIN_PVH : HV_DOMAIN_HVM;
	return 0;
}

