/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt domain XML reader: <devices>.  hv's disks and vifs are read;
 * the serial port, virtio console, balloon and pvpanic port that every hv
 * domain has are accepted as libvirt says them; the rest is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domxml_int.h"

/* Disks or vifs past which a document is surely not one hv can run (hv
 * creates at most HV_DOMAIN_MAX_DISKS and HV_DOMAIN_MAX_VIFS): a bound on
 * the work a document makes, not the limit itself. */
#define XR_MAX_DEVICES 64

/* A host interface name, as hv_config_validate() takes one. */
static const char *ifname_why(const char *s)
{
	if (!*s || strlen(s) > 15 || strpbrk(s, "/ \t:"))
		return "is not a host interface name (at most 15 characters, no '/', ':' or spaces)";
	return NULL;
}

/* --- <devices><disk> ---------------------------------------------------- */

struct xr_disk {
	hv_disk_spec *d;
	bool block, cdrom, readonly, shareable;
	const xmlNode *source, *serial_node, *shareable_node;
	char *serial;
	/* <iotune>: limits, and bursts as rates and their lengths in seconds */
	uint64_t iops, bps, iops_max, bps_max, iops_len, bps_len;
};

static int k_disk_driver(struct xr *r, xmlNode *n, void *obj)
{
	struct xr_disk *xd = obj;
	const char *type = hv__xr_attr(n, "type"), *cache = hv__xr_attr(n, "cache");
	const char *discard = hv__xr_attr(n, "discard");
	int rc = hv__xr_attrs(r, n, ATTRS("name", "type", "cache", "io", "discard", "queues"));

	if (rc)
		return rc;
	if (type) {
		int f = hv__xml_format_value(type);

		if (!f)
			return hv__xr_err(r, n, "type", "\"%s\": hv reads raw images (and knows qcow, qcow2, vpc and qed images, which it does not run yet); convert it, e.g. qemu-img convert -O raw IMAGE IMAGE.raw",
					  type);
		xd->d->format = f;
	}
	if (cache && !strcmp(cache, "none")) {
		xd->d->direct_io_safe = 1;
	} else if (cache && strcmp(cache, "default") && strcmp(cache, "writeback")) {
		return hv__xr_err(r, n, "cache", "\"%s\": hv either keeps writes in the host's page cache until the guest flushes them (writeback, the default) or bypasses it (none); write one of those",
				  cache);
	}
	if (discard && !strcmp(discard, "unmap"))
		xd->d->discard = 1;
	else if (discard && !strcmp(discard, "ignore"))
		xd->d->discard = 0;
	else if (discard)
		return hv__xr_err(r, n, "discard", "\"%s\" is not unmap or ignore", discard);
	return hv__xr_attr_uint(r, n, "queues", 1, HV_DISK_MAX_QUEUES, &xd->d->queues);
}

static int k_disk_source(struct xr *r, xmlNode *n, void *obj)
{
	struct xr_disk *xd = obj;
	const char *want = xd->block ? "dev" : "file";
	const char *path;
	int rc = hv__xr_attrs(r, n, ATTRS(want, "index"));

	if (!rc)
		rc = hv__xr_children(r, n, NULL, 0, NULL);
	if (rc)
		return rc;
	path = hv__xr_attr(n, want);
	if (!path || !*path)
		return hv__xr_err(r, n, NULL, "no %s='...' (a disk of type='%s' names its %s)", want,
				  xd->block ? "block" : "file", xd->block ? "block device" : "image file");
	xd->source = n;
	free(xd->d->target);
	xd->d->target = strdup(path);
	return xd->d->target ? 0 : HV_ERROR_NOMEM;
}

static int k_disk_target(struct xr *r, xmlNode *n, void *obj)
{
	struct xr_disk *xd = obj;
	const char *dev = hv__xr_attr(n, "dev"), *why;
	int rc = hv__xr_attrs(r, n, ATTRS("dev", "bus", "tray"));

	if (!rc)
		rc = hv__xr_attr_only(r, n, "bus", "virtio",
				      "hv's disks are virtio-blk devices (write bus='virtio', or leave bus out)");
	if (!rc)
		rc = hv__xr_attr_only(r, n, "tray", "closed",
				      "hv's CD-ROM drives have no tray to open (leave <source> out for an empty drive)");
	if (!rc)
		rc = hv__xr_children(r, n, NULL, 0, NULL);
	if (rc)
		return rc;
	if (!dev)
		return hv__xr_err(r, n, NULL, "no dev='...' (name the disk the guest sees, e.g. dev='vda')");
	why = hv__check_vdev(dev);
	if (why)
		return hv__xr_err(r, n, "dev", "\"%s\" %s", dev, why);
	free(xd->d->vdev);
	xd->d->vdev = strdup(dev);
	return xd->d->vdev ? 0 : HV_ERROR_NOMEM;
}

static int k_disk_readonly(struct xr *r, xmlNode *n, void *obj)
{
	((struct xr_disk *)obj)->readonly = true;
	return hv__xr_empty(r, n);
}

static int k_disk_shareable(struct xr *r, xmlNode *n, void *obj)
{
	struct xr_disk *xd = obj;

	xd->shareable = true;
	xd->shareable_node = n;
	return hv__xr_empty(r, n);
}

static int k_disk_serial(struct xr *r, xmlNode *n, void *obj)
{
	struct xr_disk *xd = obj;

	xd->serial_node = n;
	return hv__xr_string(r, n, &xd->serial);
}

/* <iotune>'s children hv reads: a number each. */
static const struct {
	const char *name;
	size_t off;
} iotune_values[] = {
	{ "total_iops_sec", offsetof(struct xr_disk, iops) },
	{ "total_bytes_sec", offsetof(struct xr_disk, bps) },
	{ "total_iops_sec_max", offsetof(struct xr_disk, iops_max) },
	{ "total_bytes_sec_max", offsetof(struct xr_disk, bps_max) },
	{ "total_iops_sec_max_length", offsetof(struct xr_disk, iops_len) },
	{ "total_bytes_sec_max_length", offsetof(struct xr_disk, bps_len) },
};

static int k_iotune_value(struct xr *r, xmlNode *n, void *obj)
{
	uint64_t v;
	char *s;
	int rc = hv__xr_leaf(r, n, &s);

	if (rc)
		return rc;
	rc = hv__xr_u64(s, INT64_MAX, &v);
	free(s);
	if (rc)
		return hv__xr_err(r, n, NULL, "is not a whole number");
	for (size_t i = 0; i < sizeof(iotune_values) / sizeof(iotune_values[0]); i++)
		if (!strcmp(iotune_values[i].name, (const char *)n->name))
			*(uint64_t *)((char *)obj + iotune_values[i].off) = v;
	return 0;
}

static int k_disk_iotune(struct xr *r, xmlNode *n, void *obj)
{
	static const char rw[] = "hv limits reads and writes together: use the total_* limits";
	static const struct xr_child tab[] = {
		READ("total_iops_sec", k_iotune_value),
		READ("total_bytes_sec", k_iotune_value),
		READ("total_iops_sec_max", k_iotune_value),
		READ("total_bytes_sec_max", k_iotune_value),
		READ("total_iops_sec_max_length", k_iotune_value),
		READ("total_bytes_sec_max_length", k_iotune_value),
		REFUSE("read_bytes_sec", rw), REFUSE("write_bytes_sec", rw),
		REFUSE("read_iops_sec", rw), REFUSE("write_iops_sec", rw),
		REFUSE("read_bytes_sec_max", rw), REFUSE("write_bytes_sec_max", rw),
		REFUSE("read_iops_sec_max", rw), REFUSE("write_iops_sec_max", rw),
		REFUSE("read_bytes_sec_max_length", rw), REFUSE("write_bytes_sec_max_length", rw),
		REFUSE("read_iops_sec_max_length", rw), REFUSE("write_iops_sec_max_length", rw),
		REFUSE("group_name", "hv limits each disk by itself, not in groups"),
		REFUSE("size_iops_sec", "hv counts every request as one, whatever its size"),
	};
	int rc = hv__xr_attrs(r, n, NO_ATTRS);

	return rc ? rc : hv__xr_children(r, n, TABLE(tab), obj);
}

/* iotune's limits into the disk; a burst of MAX per second for LENGTH
 * seconds (default 1) is a bucket of MAX * LENGTH. */
static int disk_iotune(struct xr *r, const xmlNode *n, struct xr_disk *xd)
{
	uint64_t il = xd->iops_len ? xd->iops_len : 1, bl = xd->bps_len ? xd->bps_len : 1;

	if ((xd->iops_max && !xd->iops) || (xd->bps_max && !xd->bps))
		return hv__xr_err(r, n, NULL, "<iotune>: a burst (total_%s_sec_max) without its limit (total_%s_sec)",
				  xd->iops_max && !xd->iops ? "iops" : "bytes",
				  xd->iops_max && !xd->iops ? "iops" : "bytes");
	if ((xd->iops_len && !xd->iops_max) || (xd->bps_len && !xd->bps_max))
		return hv__xr_err(r, n, NULL, "<iotune>: a burst's length (total_%s_sec_max_length) without the burst",
				  xd->iops_len && !xd->iops_max ? "iops" : "bytes");
	if (xd->iops_max > INT64_MAX / il || xd->bps_max > INT64_MAX / bl)
		return hv__xr_err(r, n, NULL, "<iotune>: the burst (*_max times *_max_length) is too large");
	xd->d->iops = xd->iops;
	xd->d->bps = xd->bps;
	xd->d->iops_burst = xd->iops_max * il;
	xd->d->bps_burst = xd->bps_max * bl;
	return 0;
}

static int k_disk_backing(struct xr *r, xmlNode *n, void *obj)
{
	if (n->children || n->properties)
		return hv__xr_err(r, n, NULL, "backing chains are not supported by hv (give a whole raw image; <backingStore/> empty is accepted)");
	return 0;
}

static const struct xr_child disk_children[] = {
	READ("driver", k_disk_driver),
	READ("source", k_disk_source),
	READ("target", k_disk_target),
	READ("readonly", k_disk_readonly),
	READ("shareable", k_disk_shareable),
	READ("serial", k_disk_serial),
	READ("iotune", k_disk_iotune),
	READ("backingStore", k_disk_backing),
	IGNORE("address", "hv gives each disk its PCI slot by its number (vda: 0)"),
	IGNORE("alias", "a name libvirt gives devices"),
	IGNORE("boot", "hv boots <os><kernel> directly"),
	REFUSE("encryption", "encrypted images are not supported by hv"),
	REFUSE("auth", "network disks are not supported by hv"),
	REFUSE("geometry", "hv's disks are virtio-blk devices, which have no geometry to set"),
	REFUSE("blockio", "hv gives each disk its image's own block sizes"),
	REFUSE("transient", "hv writes to the image itself (no transient overlay)"),
	REFUSE("mirror", "block copy jobs are not supported by hv"),
	REFUSE("wwn", "hv's disks are virtio-blk devices, which have no WWN"),
	REFUSE("vendor", "hv's disks are virtio-blk devices, which have no vendor"),
	REFUSE("product", "hv's disks are virtio-blk devices, which have no product name"),
};

static int k_disk(struct xr *r, xmlNode *n, void *obj)
{
	hv_domain_config *cfg = obj;
	const char *type = hv__xr_attr(n, "type"), *device = hv__xr_attr(n, "device");
	struct xr_disk xd = { 0 };
	int rc = hv__xr_attrs(r, n, ATTRS("type", "device"));

	if (rc)
		return rc;
	if (type && strcmp(type, "file") && strcmp(type, "block"))
		return hv__xr_err(r, n, "type", "\"%s\": hv's disks are image files (type='file') or block devices (type='block')",
				  type);
	if (device && !strcmp(device, "floppy"))
		return hv__xr_err(r, n, "device", "\"floppy\": hv has no floppy drives");
	if (device && !strcmp(device, "lun"))
		return hv__xr_err(r, n, "device", "\"lun\": SCSI passthrough is not supported by hv (write device='disk')");
	if (device && strcmp(device, "disk") && strcmp(device, "cdrom"))
		return hv__xr_err(r, n, "device", "\"%s\" is not disk or cdrom", device);
	xd.block = type && !strcmp(type, "block");
	xd.cdrom = device && !strcmp(device, "cdrom");
	rc = hv_disk_spec_new(&xd.d);
	if (rc)
		return rc;
	if (xd.cdrom)
		xd.d->devtype = HV_DISK_DEVTYPE_CDROM;
	rc = hv__xr_children(r, n, TABLE(disk_children), &xd);
	if (rc)
		goto out;
	/* a block device that the writer would not tell by its path */
	if (xd.block && !hv__xml_disk_is_block(xd.d) && !(xd.d->backendtype = strdup("phy"))) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	if (!xd.d->vdev) {
		rc = hv__xr_err(r, n, NULL, "no <target dev='...'/> (name the disk the guest sees, e.g. <target dev='vda' bus='virtio'/>)");
		goto out;
	}
	if (!xd.source && !xd.cdrom) {
		rc = hv__xr_err(r, n, NULL, "no <source %s='...'/> (only a CD-ROM drive may be empty)",
				xd.block ? "dev" : "file");
		goto out;
	}
	if (xd.serial && strcmp(xd.serial, xd.d->vdev)) {
		rc = hv__xr_err(r, xd.serial_node, NULL, "\"%s\": the guest sees each disk's name as its serial (write <serial>%s</serial>, or leave it out)",
				xd.serial, xd.d->vdev);
		goto out;
	}
	if (xd.shareable && !xd.readonly && !xd.cdrom) {
		rc = hv__xr_err(r, xd.shareable_node, NULL, "hv locks a read-write disk for one domain; share it read-only (add <readonly/>)");
		goto out;
	}
	if (xd.readonly || xd.cdrom)
		xd.d->access = HV_DISK_ACCESS_RO;
	rc = disk_iotune(r, n, &xd);
	if (rc)
		goto out;
	if (cfg->nr_disks >= XR_MAX_DEVICES) {
		rc = hv__xr_err(r, n, NULL, "more than %d disks (hv gives a domain at most %d)",
				XR_MAX_DEVICES, HV_DOMAIN_MAX_DISKS);
		goto out;
	}
	rc = hv_domain_config_add_disk(cfg, xd.d);
	if (!rc)
		xd.d = NULL;
out:
	hv_disk_spec_free(xd.d);
	free(xd.serial);
	return rc;
}

/* --- <devices><interface> ----------------------------------------------- */

static int k_nic_source(struct xr *r, xmlNode *n, void *obj)
{
	hv_vif_spec *v = obj;
	const char *br = hv__xr_attr(n, "bridge"), *why;
	int rc = hv__xr_attrs(r, n, ATTRS("bridge"));

	if (!rc)
		rc = hv__xr_children(r, n, NULL, 0, NULL);
	if (rc)
		return rc;
	if (!br)
		return hv__xr_err(r, n, NULL, "no bridge='...' (name the host bridge to join)");
	why = ifname_why(br);
	if (why)
		return hv__xr_err(r, n, "bridge", "\"%s\" %s", br, why);
	free(v->bridge);
	v->bridge = strdup(br);
	return v->bridge ? 0 : HV_ERROR_NOMEM;
}

static int k_nic_mac(struct xr *r, xmlNode *n, void *obj)
{
	hv_vif_spec *v = obj;
	const char *mac = hv__xr_attr(n, "address");
	int rc = hv__xr_attrs(r, n, ATTRS("address"));

	if (!rc)
		rc = hv__xr_children(r, n, NULL, 0, NULL);
	if (rc)
		return rc;
	if (!mac || hv__mac_parse(mac, v->mac))
		return hv__xr_err(r, n, "address", "\"%s\" is not a MAC address (write six hex pairs, e.g. 52:54:00:12:34:56)",
				  mac ? mac : "");
	if (v->mac[0] & 1)
		return hv__xr_err(r, n, "address", "\"%s\" is a multicast address (clear the lowest bit of the first byte)",
				  mac);
	v->has_mac = 1;
	return 0;
}

static int k_nic_model(struct xr *r, xmlNode *n, void *obj)
{
	hv_vif_spec *v = obj;
	int rc = hv__xr_attrs(r, n, ATTRS("type"));

	if (!rc)
		rc = hv__xr_children(r, n, NULL, 0, NULL);
	if (!rc && !hv__xr_attr(n, "type"))
		rc = hv__xr_err(r, n, NULL, "no type='...' (write <model type='virtio'/>)");
	if (!rc)
		rc = hv__xr_attr_only(r, n, "type", "virtio",
				      "hv's network device is virtio-net (write type='virtio')");
	if (rc)
		return rc;
	free(v->model);
	v->model = strdup("virtio");
	return v->model ? 0 : HV_ERROR_NOMEM;
}

static int k_nic_target(struct xr *r, xmlNode *n, void *obj)
{
	hv_vif_spec *v = obj;
	const char *dev = hv__xr_attr(n, "dev"), *why;
	int rc = hv__xr_attrs(r, n, ATTRS("dev"));

	if (!rc)
		rc = hv__xr_children(r, n, NULL, 0, NULL);
	if (rc)
		return rc;
	if (!dev)
		return hv__xr_err(r, n, NULL, "no dev='...' (name the host's tap, or leave <target> out)");
	why = ifname_why(dev);
	if (why)
		return hv__xr_err(r, n, "dev", "\"%s\" %s", dev, why);
	free(v->vifname);
	v->vifname = strdup(dev);
	return v->vifname ? 0 : HV_ERROR_NOMEM;
}

static int k_nic_mtu(struct xr *r, xmlNode *n, void *obj)
{
	hv_vif_spec *v = obj;
	int rc = hv__xr_attrs(r, n, ATTRS("size"));

	if (!rc)
		rc = hv__xr_children(r, n, NULL, 0, NULL);
	if (!rc && !hv__xr_attr(n, "size"))
		rc = hv__xr_err(r, n, NULL, "no size='...' (e.g. <mtu size='9000'/>)");
	return rc ? rc : hv__xr_attr_uint(r, n, "size", 68, 65535, &v->mtu);
}

static int k_nic_driver(struct xr *r, xmlNode *n, void *obj)
{
	hv_vif_spec *v = obj;
	int rc = hv__xr_attrs(r, n, ATTRS("name", "queues"));

	if (!rc)
		rc = hv__xr_children(r, n, NULL, 0, NULL);
	return rc ? rc : hv__xr_attr_uint(r, n, "queues", 1, HV_VIF_MAX_QUEUES, &v->queues);
}

static int k_nic_link(struct xr *r, xmlNode *n, void *obj)
{
	int rc = hv__xr_attrs(r, n, ATTRS("state"));

	if (!rc)
		rc = hv__xr_children(r, n, NULL, 0, NULL);
	return rc ? rc : hv__xr_attr_only(r, n, "state", "up", "hv starts every vif with its link up");
}

static const struct xr_child nic_children[] = {
	READ("source", k_nic_source),
	READ("mac", k_nic_mac),
	READ("model", k_nic_model),
	READ("target", k_nic_target),
	READ("mtu", k_nic_mtu),
	READ("driver", k_nic_driver),
	READ("link", k_nic_link),
	IGNORE("address", "hv gives each vif its PCI slot by its number"),
	IGNORE("alias", "a name libvirt gives devices"),
	IGNORE("boot", "hv boots <os><kernel> directly"),
	IGNORE("rom", "hv has no firmware, so no option ROMs"),
	REFUSE("bandwidth", "hv limits a vif's sending only, with xl.cfg's rate=, which libvirt's bandwidth does not say"),
	REFUSE("virtualport", "hv puts the tap on a Linux bridge; Open vSwitch and 802.1Qbh ports are not supported"),
	REFUSE("vlan", "hv puts the tap on a Linux bridge, untagged"),
	REFUSE("filterref", "libvirt's network filters are not supported by hv"),
	REFUSE("script", "hv makes the tap and puts it on its bridge itself, with no script"),
	REFUSE("ip", "hv does not configure the guest's addresses"),
	REFUSE("route", "hv does not configure the guest's routes"),
	REFUSE("backend", "hv opens /dev/net/tun itself, with no vhost"),
	REFUSE("tune", "hv's taps have no send buffer setting"),
	REFUSE("coalesce", "hv's virtio-net has no interrupt coalescing settings"),
	REFUSE("guest", "hv does not name the guest's interfaces"),
	REFUSE("teaming", "failover teams are not supported by hv"),
	REFUSE("port", "hv's vifs have no port isolation"),
};

static int k_interface(struct xr *r, xmlNode *n, void *obj)
{
	hv_domain_config *cfg = obj;
	const char *type = hv__xr_attr(n, "type");
	hv_vif_spec *v = NULL;
	int rc = hv__xr_attrs(r, n, ATTRS("type"));

	if (rc)
		return rc;
	if (type && !strcmp(type, "network"))
		return hv__xr_err(r, n, "type", "\"network\": hv has no libvirt networks; write type='bridge' with the network's bridge, e.g. <source bridge='virbr0'/>");
	if (!type || strcmp(type, "bridge"))
		return hv__xr_err(r, n, "type", "\"%s\": hv's vifs are taps on a host bridge (write type='bridge')",
				  type ? type : "");
	rc = hv_vif_spec_new(&v);
	/* what the guest gets, <model> or not (libvirt's default is another) */
	if (!rc && !(v->model = strdup("virtio")))
		rc = HV_ERROR_NOMEM;
	if (!rc)
		rc = hv__xr_children(r, n, TABLE(nic_children), v);
	if (!rc && !v->bridge)
		rc = hv__xr_err(r, n, NULL, "no <source bridge='...'/> (name the host bridge to join)");
	if (!rc && cfg->nr_vifs >= XR_MAX_DEVICES)
		rc = hv__xr_err(r, n, NULL, "more than %d interfaces (hv gives a domain at most %d)",
				XR_MAX_DEVICES, HV_DOMAIN_MAX_VIFS);
	if (!rc)
		rc = hv_domain_config_add_vif(cfg, v);
	if (rc)
		hv_vif_spec_free(v);
	return rc;
}

/* --- <devices>: the console, the balloon, controllers, panic ------------- */

static int k_chr_model(struct xr *r, xmlNode *n, void *obj)
{
	int rc = hv__xr_attrs(r, n, ATTRS("name"));

	if (!rc && *(bool *)obj)
		rc = hv__xr_err(r, n, NULL, "a console's target has no model");
	if (!rc)
		rc = hv__xr_attr_only(r, n, "name", "isa-serial", "hv's serial port is a 16550A UART (COM1)");
	return rc ? rc : hv__xr_children(r, n, NULL, 0, NULL);
}

static int k_chr_target(struct xr *r, xmlNode *n, void *obj)
{
	static const struct xr_child tab[] = {
		READ("model", k_chr_model),
	};
	bool console = *(bool *)obj;
	const char *type = hv__xr_attr(n, "type");
	int rc = hv__xr_attrs(r, n, ATTRS("type", "port"));

	if (!rc)
		rc = hv__xr_attr_only(r, n, "port", "0", "hv has one serial port and one virtio console (port 0)");
	if (rc)
		return rc;
	if (console && type && strcmp(type, "serial") && strcmp(type, "virtio"))
		return hv__xr_err(r, n, "type", "\"%s\": hv's consoles are its serial port (type='serial') and a virtio console (type='virtio')",
				  type);
	if (!console && type && strcmp(type, "isa-serial"))
		return hv__xr_err(r, n, "type", "\"%s\": hv's serial port is a 16550A UART (COM1, type='isa-serial')",
				  type);
	return hv__xr_children(r, n, TABLE(tab), obj);
}

static int k_chardev(struct xr *r, xmlNode *n, void *obj)
{
	static const struct xr_child tab[] = {
		READ("target", k_chr_target),
		IGNORE("source", "hv gives the console a pty of its own, which xl console attaches to"),
		IGNORE("alias", "a name libvirt gives devices"),
		IGNORE("address", "hv places its serial port and virtio console itself"),
		REFUSE("log", "hv keeps no console log file"),
		REFUSE("protocol", "hv's console is a pty"),
	};
	bool console = !strcmp((const char *)n->name, "console");
	int rc = hv__xr_attrs(r, n, ATTRS("type", "tty"));

	if (!rc)
		rc = hv__xr_attr_only(r, n, "type", "pty",
				      "hv's console is a pty that xl console attaches to (write type='pty')");
	return rc ? rc : hv__xr_children(r, n, TABLE(tab), &console);
}

static int k_memballoon(struct xr *r, xmlNode *n, void *obj)
{
	static const struct xr_child tab[] = {
		IGNORE("alias", "a name libvirt gives devices"),
		IGNORE("address", "hv places the balloon itself"),
		IGNORE("stats", "the guest reports its statistics when hv asks (xl list -l)"),
	};
	hv_domain_config *cfg = obj;
	const char *model = hv__xr_attr(n, "model");
	int rc = hv__xr_attrs(r, n, ATTRS("model", "autodeflate", "freePageReporting"));

	if (!rc && model && !strcmp(model, "none"))
		rc = hv__xr_err(r, n, "model", "\"none\": every hv domain has a virtio balloon (write model='virtio', or leave <memballoon> out)");
	if (!rc)
		rc = hv__xr_attr_only(r, n, "model", "virtio", "hv's balloon is a virtio-balloon (write model='virtio')");
	if (!rc && r->size >= offsetof(hv_domain_config, balloon_free_page_reporting) + sizeof(int)) {
		rc = hv__xr_attr_onoff(r, n, "autodeflate", &cfg->balloon_deflate_on_oom);
		if (!rc)
			rc = hv__xr_attr_onoff(r, n, "freePageReporting", &cfg->balloon_free_page_reporting);
	}
	return rc ? rc : hv__xr_children(r, n, TABLE(tab), NULL);
}

static int k_controller(struct xr *r, xmlNode *n, void *obj)
{
	static const struct xr_child tab[] = {
		IGNORE("alias", "a name libvirt gives devices"),
		IGNORE("address", "hv places its devices itself"),
		IGNORE("model", "hv has one kind of each controller it has"),
		IGNORE("target", "hv has one kind of each controller it has"),
		IGNORE("driver", "hv has one kind of each controller it has"),
	};
	const char *type = hv__xr_attr(n, "type"), *model = hv__xr_attr(n, "model");
	int rc = hv__xr_attrs(r, n, ATTRS("type", "index", "model", "ports", "vectors"));

	if (rc)
		return rc;
	if (!type)
		return hv__xr_err(r, n, NULL, "no type='...'");
	if (!strcmp(type, "pci")) {
		rc = hv__xr_attr_only(r, n, "model", "pci-root",
				      "hv's devices sit on one conventional PCI root bus (model='pci-root')");
	} else if (!strcmp(type, "usb")) {
		if (!model || strcmp(model, "none"))
			return hv__xr_err(r, n, NULL, "hv has no USB (write model='none', or leave the controller out)");
	} else if (strcmp(type, "virtio-serial")) {
		return hv__xr_err(r, n, "type", "\"%s\": hv's disks and vifs are virtio devices on its PCI bus; it has no %s controller (leave it out)",
				  type, type);
	}
	if (!rc)
		rc = hv__xr_attr_only(r, n, "index", "0", "hv has one controller of each kind (index='0')");
	return rc ? rc : hv__xr_children(r, n, TABLE(tab), NULL);
}

static int k_panic(struct xr *r, xmlNode *n, void *obj)
{
	static const struct xr_child tab[] = {
		IGNORE("alias", "a name libvirt gives devices"),
		IGNORE("address", "hv's pvpanic port is 0x505, as QEMU's"),
	};
	int rc = hv__xr_attrs(r, n, ATTRS("model"));

	if (!rc)
		rc = hv__xr_attr_only(r, n, "model", "isa", "hv's panic device is the ISA pvpanic port (model='isa')");
	return rc ? rc : hv__xr_children(r, n, TABLE(tab), NULL);
}

static int k_hostdev(struct xr *r, xmlNode *n, void *obj)
{
	const char *type = hv__xr_attr(n, "type");

	if (type && !strcmp(type, "pci"))
		return hv__xr_err(r, n, NULL, "PCI passthrough is not supported by hv");
	return hv__xr_err(r, n, NULL, "device passthrough is not supported by hv");
}

static const struct xr_child devices_children[] = {
	IGNORE("emulator", "hv-vmm is the emulator"),
	READ_MANY("disk", k_disk),
	READ_MANY("interface", k_interface),
	READ_MANY("serial", k_chardev),
	READ_MANY("console", k_chardev),
	READ("memballoon", k_memballoon),
	READ_MANY("controller", k_controller),
	READ("panic", k_panic),
	READ_MANY("hostdev", k_hostdev),
	REFUSE("graphics", "hv has no display; the guest's console is its serial port and virtio console (xl console)"),
	REFUSE("video", "hv has no display adapter"),
	REFUSE("input", "hv has no keyboard, mouse or tablet; the guest's console is its serial port"),
	REFUSE("sound", "hv has no sound devices"),
	REFUSE("audio", "hv has no sound devices"),
	REFUSE("redirdev", "hv has no USB"),
	REFUSE("smartcard", "hv has no USB"),
	REFUSE("hub", "hv has no USB"),
	REFUSE("filesystem", "hv shares no host directories (virtiofs, 9p); give the guest a disk"),
	REFUSE("channel", "hv has no channels (virtio-serial ports such as the QEMU guest agent's); the guest has one console"),
	REFUSE("parallel", "hv has no parallel port"),
	REFUSE("rng", "hv has no virtio-rng device"),
	REFUSE("tpm", "hv has no TPM"),
	REFUSE("watchdog", "hv has no watchdog device"),
	REFUSE("shmem", "hv shares no memory between guests"),
	REFUSE("memory", "memory hotplug is not supported by hv (its balloon moves memory between <currentMemory> and <memory>)"),
	REFUSE("iommu", "hv has no IOMMU"),
	REFUSE("vsock", "hv has no vsock device"),
	REFUSE("crypto", "hv has no crypto device"),
	REFUSE("lease", "hv takes no lock manager leases; it locks each disk image itself"),
	REFUSE("nvram", "hv has no NVRAM device"),
};

int hv__xr_devices(struct xr *r, xmlNode *n, void *obj)
{
	int rc = hv__xr_attrs(r, n, NO_ATTRS);

	return rc ? rc : hv__xr_children(r, n, TABLE(devices_children), obj);
}

