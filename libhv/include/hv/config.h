/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhv domain configuration: one typed description of a guest, read from
 * Xen-style xl.cfg files (xl.cfg(5), xl-disk-configuration(5),
 * xl-network-configuration(5)) or libvirt domain XML, and converted to and
 * from JSON and libvirt domain XML.
 *
 * Ownership.  Every char * in these structures is a NUL-terminated UTF-8
 * string allocated with malloc() and owned by the structure: the dispose or
 * free function of the structure releases it with free().  A caller that
 * replaces a string frees the old one and stores a malloc()ed copy.  NULL
 * means "not given".
 *
 * Extensibility.  hv_domain_config may grow new members at its end in later
 * versions of libhv; its first member, struct_size, tells the library how
 * large the caller's copy is, so programs built against an older header
 * keep working.  Always initialise one with hv_domain_config_init().
 * hv_disk_spec and hv_vif_spec may also grow: they are only ever allocated
 * by libhv (hv_*_spec_new(), hv_*_spec_parse()), and callers hold pointers
 * to them, never copies.
 *
 * Thread-safety.  These functions keep no global state.  Any number of
 * threads may call them at once on different configurations, sharing one
 * hv_ctx; a configuration that one thread modifies must not be used by
 * another at the same time.
 *
 * Errors.  Functions that can fail return 0 or a negative HV_ERROR_* code
 * and describe the failure through the context's logger, naming the file,
 * line and key at fault and what to write instead, e.g.
 *   guest.cfg:12: memory: "12x" is not a number of MiB (try memory = 512)
 */
#ifndef HV_CONFIG_H
#define HV_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <hv/hv.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Present when this header declares the domain configuration API. */
#define HV_HAVE_DOMAIN_CONFIG 1
/* Present when domains can have disks (libhv 1.3). */
#define HV_HAVE_DISKS 1

/* Memory a guest gets when its configuration does not say (MiB). */
#define HV_DOMAIN_DEFAULT_MEMORY_MIB 128

/*
 * Enumerations.  Zero is never a valid value, so a structure that was not
 * initialised is caught by hv_config_validate().  Values are never
 * renumbered; new ones are only appended.  The xl.cfg and JSON spelling of
 * each value is given beside it.
 */
enum hv_domain_type {
	HV_DOMAIN_PVH = 1,	/* "pvh": a kernel booted at its PVH entry */
	HV_DOMAIN_HVM = 2,	/* "hvm": firmware boot of a full PC */
};

/* What to do when a guest powers off, reboots or crashes. */
enum hv_action {
	HV_ACTION_DESTROY = 1,		/* "destroy" */
	HV_ACTION_RESTART = 2,		/* "restart" */
	HV_ACTION_RENAME_RESTART = 3,	/* "rename-restart" */
	HV_ACTION_PRESERVE = 4,		/* "preserve" */
	HV_ACTION_COREDUMP_DESTROY = 5,	/* "coredump-destroy" */
	HV_ACTION_COREDUMP_RESTART = 6,	/* "coredump-restart" */
};

enum hv_disk_format {
	HV_DISK_FORMAT_RAW = 1,		/* "raw" */
	HV_DISK_FORMAT_QCOW = 2,	/* "qcow" */
	HV_DISK_FORMAT_QCOW2 = 3,	/* "qcow2" */
	HV_DISK_FORMAT_VHD = 4,		/* "vhd" */
	HV_DISK_FORMAT_QED = 5,		/* "qed" */
};

enum hv_disk_access {
	HV_DISK_ACCESS_RW = 1,		/* "rw" (xl.cfg also takes "w") */
	HV_DISK_ACCESS_RO = 2,		/* "ro" (xl.cfg also takes "r") */
};

enum hv_disk_devtype {
	HV_DISK_DEVTYPE_DISK = 1,	/* "disk" */
	HV_DISK_DEVTYPE_CDROM = 2,	/* "cdrom" */
};

/*
 * One virtual disk: an entry of xl.cfg's disk = [ ... ] list.
 * Allocate with hv_disk_spec_new() or hv_disk_spec_parse().
 */
typedef struct hv_disk_spec {
	/* Host file or block device, opened by hv_domain_create() with the
	 * caller's privileges.  NULL only for an empty CD-ROM drive. */
	char *target;
	/* Image format; default HV_DISK_FORMAT_RAW, the only one hv creates
	 * a domain with (the others are parsed and kept). */
	enum hv_disk_format format;
	/* Name in the guest: xvdX, hdX, sdX, vdX (X: a..z, aa..; the disk's
	 * number, from 0, which orders the disks: see hv_config_validate())
	 * or dN[pM].  Required, unique among a domain's disks.  The guest sees
	 * it as the disk's serial. */
	char *vdev;
	/* Default HV_DISK_ACCESS_RW; CD-ROMs are always read-only. */
	enum hv_disk_access access;
	/* Default HV_DISK_DEVTYPE_DISK. */
	enum hv_disk_devtype devtype;
	/* Xen backend hint: "phy", "qdisk", "tap" or "standalone"; NULL: the
	 * toolstack chooses.  Kept for compatibility; hv has one backend. */
	char *backendtype;
	/* Hotplug script run in the host; NULL: none. */
	char *script;
	/* Pass guest discard requests to the target: -1 default (yes), 0 no,
	 * 1 yes. */
	int discard;
	/* Nonzero: the backend may use O_DIRECT ("direct-io-safe"). */
	int direct_io_safe;
	/*
	 * hv's own keys (libhv 1.3).  Rate limits: requests per second and
	 * bytes per second, each with the size of its bucket (the burst a
	 * disk may take at once after being idle; 0: one second's worth);
	 * 0: unlimited.  xl.cfg: iops=N, iops-burst=N, bps=SIZE,
	 * bps-burst=SIZE (SIZE: bytes, or with a K, M or G suffix).
	 */
	uint64_t iops, iops_burst;
	uint64_t bps, bps_burst;
	/* Request queues the guest may use, 1 to HV_DISK_MAX_QUEUES
	 * (xl.cfg: queues=N); 0: min(vcpus, HV_DISK_MAX_QUEUES). */
	unsigned int queues;
	/* libhv 1.9: the disk's requests before the domain was saved (reads
	 * and writes done, and their bytes), as hv_domain_config's
	 * usage_cpu_ns: only hvd writes them. */
	uint64_t usage_rd_reqs, usage_rd_bytes;
	uint64_t usage_wr_reqs, usage_wr_bytes;
} hv_disk_spec;

/* The most request queues a disk has. */
#define HV_DISK_MAX_QUEUES 4
/* The most disks with a target (CD-ROM drives left empty not counted)
 * that hv gives one domain. */
#define HV_DOMAIN_MAX_DISKS 12

/*
 * One virtual network interface: an entry of xl.cfg's vif = [ ... ] list.
 * Allocate with hv_vif_spec_new() or hv_vif_spec_parse().
 */
typedef struct hv_vif_spec {
	/* Guest MAC address, valid when has_mac is nonzero; otherwise one is
	 * generated when the domain is created. */
	uint8_t mac[6];
	int has_mac;
	/* Host bridge to join; NULL: the toolstack's default bridge. */
	char *bridge;
	/* IP address(es) for the vif-route/vif-nat scripts; NULL: none. */
	char *ip;
	/* Emulated NIC model ("virtio-net", "e1000", ...); NULL: default. */
	char *model;
	/* Host hotplug script; NULL: default. */
	char *script;
	/* Host-side interface name; NULL: generated. */
	char *vifname;
	/* Bandwidth limit as in Xen, "RATE/s[@INTERVAL]", e.g. "10Mb/s@20ms";
	 * NULL: unlimited. */
	char *rate;
	/* MTU; 0: the bridge's. */
	unsigned int mtu;
	/* Queue pairs (hv's own key, "queues="): 1 to HV_VIF_MAX_QUEUES; 0: 1. */
	unsigned int queues;
	/* The vif's number in its domain: its PCI slot, and its default host
	 * name vifDOMID.DEVID.  HV_VIF_DEVID_AUTO (the default): the lowest
	 * free one, given when the domain is created or the vif attached. */
	unsigned int devid;
	/* libhv 1.8: the vif's traffic before the domain was saved, from the
	 * guest's point of view, as hv_domain_config's usage_cpu_ns. */
	uint64_t usage_rx_bytes, usage_rx_packets;
	uint64_t usage_tx_bytes, usage_tx_packets;
} hv_vif_spec;

#define HV_VIF_DEVID_AUTO	0xffffffffu
#define HV_VIF_MAX_QUEUES	4
/* The most vifs a domain has; devids are 0 to HV_DOMAIN_MAX_VIFS - 1. */
#define HV_DOMAIN_MAX_VIFS	8
/* The bridge a vif joins when it names none. */
#define HV_VIF_DEFAULT_BRIDGE	"xenbr0"

/*
 * A domain's configuration.  Initialise with hv_domain_config_init(), fill
 * with the parse functions, hv_config_from_json() or by hand, release with
 * hv_domain_config_dispose().  Members not mentioned by a configuration
 * keep the defaults that hv_domain_config_init() set.
 */
typedef struct hv_domain_config {
	/* sizeof(hv_domain_config) as the caller saw it; set by
	 * hv_domain_config_init(), never change it. */
	size_t struct_size;

	/* Domain name; required. */
	char *name;
	/* UUID, valid when has_uuid is nonzero; otherwise generated. */
	uint8_t uuid[16];
	int has_uuid;
	/* Default HV_DOMAIN_PVH.  xl.cfg: type = "pvh" | "hvm", or the old
	 * builder = "hvm". */
	enum hv_domain_type type;

	/* Initial memory (xl.cfg: memory), in MiB; default
	 * HV_DOMAIN_DEFAULT_MEMORY_MIB. */
	uint64_t memory_mib;
	/* Most memory the guest may balloon up to (xl.cfg: maxmem), in MiB;
	 * 0: same as memory_mib. */
	uint64_t maxmem_mib;

	/* vCPUs online at boot; default 1. */
	unsigned int vcpus;
	/* Most vCPUs the guest may bring online; 0: same as vcpus. */
	unsigned int maxvcpus;
	/* Host CPUs the vCPUs may run on, in xl.cfg's syntax ("all", "0-3,^1",
	 * "nodes:0"), checked when parsed; NULL: all. */
	char *cpus;

	/* Kernel image in the host (PVH: required; HVM: NULL boots the
	 * firmware), initial ramdisk, and the command line parts exactly as
	 * given.  As in Xen, the command line the kernel gets is cmdline if
	 * set, otherwise "root=<root> <extra>": see
	 * hv_domain_config_kernel_cmdline(). */
	char *kernel;
	char *ramdisk;
	char *cmdline;
	char *root;
	char *extra;

	/* Defaults as in Xen: destroy, restart, destroy. */
	enum hv_action on_poweroff;
	enum hv_action on_reboot;
	enum hv_action on_crash;

	/* malloc()ed arrays of pointers, each entry owned by the configuration
	 * and freed by hv_domain_config_dispose().  Add entries with
	 * hv_domain_config_add_disk() and hv_domain_config_add_vif().
	 * Whether hv can create a domain with them is checked by
	 * hv_config_validate() with HV_CONFIG_VALIDATE_CREATE. */
	hv_disk_spec **disks;
	size_t nr_disks;
	hv_vif_spec **vifs;
	size_t nr_vifs;

	/* The balloon (a virtio-balloon device; every domain has one).  As in
	 * Xen, memory_mib is the target and maxmem_mib the RAM the guest has:
	 * memory_mib < maxmem_mib boots with the balloon holding the
	 * difference.  Added in libhv 1.5. */
	/* Let the guest take ballooned pages back when it runs out of memory
	 * (VIRTIO_BALLOON_F_DEFLATE_ON_OOM; xl.cfg: balloon_deflate_on_oom);
	 * default 0, so its MemTotal shrinks as under Xen. */
	int balloon_deflate_on_oom;
	/* The guest reports free pages, which the host takes back
	 * (VIRTIO_BALLOON_F_FREE_PAGE_REPORTING; xl.cfg:
	 * balloon_free_page_reporting); default 1. */
	int balloon_free_page_reporting;

	/* libhv 1.8: what the domain had used when it was saved: host CPU time
	 * in ns and the most host memory it took (docs/metering.md).  hvd
	 * writes them into a save image's description and counts on from them
	 * after a restore; 0 (and left out of the JSON) everywhere else, and
	 * refused in a create. */
	uint64_t usage_cpu_ns;
	uint64_t usage_mem_peak_bytes;
	/* libhv 1.12: the id of the live migration that brought the domain
	 * here (32 hex digits), which the receiver writes into the description
	 * it restores, so that a sender that lost the report can ask whether
	 * the domain runs here (xl migrate-receive --query); NULL otherwise. */
	char *migration_id;
	/* libhv 1.13: the domain's share of the host's CPUs, as Xen's credit
	 * scheduler has them (xl.cfg: cpu_weight, cap): its weight against
	 * other domains', 1 to 65535 (0: the default, 256), and the most CPU
	 * it may take, in percent of one host CPU (0: no cap; 150: one and a
	 * half CPUs).  hvd applies them through the domain's cgroup. */
	unsigned int cpu_weight;
	unsigned int cpu_cap;
} hv_domain_config;

/*
 * hv_domain_config_init - set every member of @cfg to its default (no
 * strings, no devices).  Call before anything else touches @cfg.  Never
 * fails.  It is a macro so that the library learns the caller's size.
 */
void hv_domain_config_init_sized(hv_domain_config *cfg, size_t size);
#define hv_domain_config_init(cfg) \
	hv_domain_config_init_sized((cfg), sizeof(hv_domain_config))

/*
 * hv_domain_config_dispose - free everything @cfg owns.  @cfg must be
 * initialised again before reuse.  NULL is allowed.
 */
void hv_domain_config_dispose(hv_domain_config *cfg);

/*
 * hv_domain_config_copy - make @dst a deep copy of @src.  @dst must be
 * initialised; on success its previous contents are disposed, on failure
 * (HV_ERROR_NOMEM, or HV_ERROR_INVAL for a structure that was not
 * initialised) it is left unchanged.
 */
int hv_domain_config_copy(hv_domain_config *dst, const hv_domain_config *src);

/*
 * hv_domain_config_kernel_cmdline - the command line to give the kernel,
 * built as xl does: cmdline if set (root and extra are then ignored, with
 * a warning), else "root=<root> <extra>", "root=<root>" or "<extra>".
 * Stores a malloc()ed string in *cmdline_r, or NULL if there is no command
 * line at all.  Returns 0 or HV_ERROR_NOMEM.
 */
int hv_domain_config_kernel_cmdline(hv_ctx *ctx, const hv_domain_config *cfg,
				    char **cmdline_r);

/*
 * Device specifications.  _new() allocates one with defaults into *r and
 * returns 0 or HV_ERROR_NOMEM.  _free() releases one and its strings (NULL
 * is allowed).  _parse() reads one xl-disk-configuration(5) DISKSPEC, e.g.
 * "/images/g.img,qcow2,xvda,rw", or one xl-network-configuration(5)
 * VIFSPEC, e.g. "mac=00:16:3e:01:02:03,bridge=br0", into a new spec in *r;
 * it returns 0, HV_ERROR_CONFIG (logged) or HV_ERROR_NOMEM, and stores
 * NULL in *r on failure.
 */
int hv_disk_spec_new(hv_disk_spec **disk_r);
void hv_disk_spec_free(hv_disk_spec *disk);
int hv_disk_spec_parse(hv_ctx *ctx, const char *spec, hv_disk_spec **disk_r);
int hv_vif_spec_new(hv_vif_spec **vif_r);
void hv_vif_spec_free(hv_vif_spec *vif);
int hv_vif_spec_parse(hv_ctx *ctx, const char *spec, hv_vif_spec **vif_r);

/*
 * hv_domain_config_add_disk/_add_vif - append @disk/@vif to @cfg, which
 * takes ownership of it on success.  Returns 0, or HV_ERROR_NOMEM (the
 * caller still owns the spec).
 */
int hv_domain_config_add_disk(hv_domain_config *cfg, hv_disk_spec *disk);
int hv_domain_config_add_vif(hv_domain_config *cfg, hv_vif_spec *vif);

/*
 * hv_config_parse_xl_file - read the xl.cfg file at @path into @cfg.
 * hv_config_parse_xl_buffer - the same from @len bytes at @buf (which
 * need not be NUL-terminated), named @name in messages (e.g. the file it
 * came from; NULL: "config").
 *
 * @cfg must be initialised; the file's settings are applied on top of what
 * it holds, so a caller may preset values that the file overrides.  On
 * failure @cfg is left unchanged.  Keys are applied in order, later ones
 * winning; "KEY += VALUE" appends to a list or a string.  Keys that hv does
 * not know (Xen has many) are logged as warnings and ignored.
 * The settings are checked one by one; the configuration as a whole is
 * checked by hv_config_validate().
 *
 * Returns 0, HV_ERROR_CONFIG (syntax or value errors, logged with file,
 * line and key), HV_ERROR_IO (file unreadable, logged), HV_ERROR_NOMEM,
 * HV_ERROR_INVAL (@cfg was not initialised).
 */
int hv_config_parse_xl_file(hv_ctx *ctx, const char *path,
			    hv_domain_config *cfg);
int hv_config_parse_xl_buffer(hv_ctx *ctx, const char *name, const char *buf,
			      size_t len, hv_domain_config *cfg);

/*
 * hv_config_set - apply one override, as given after the file name on
 * "xl create guest.cfg KEY=VALUE": the text of xl.cfg lines (several may be
 * separated by ';'), except that a value not starting with a quote or '['
 * is taken as a string running to the next ';' or the end, so
 * "kernel=/boot/vmlinuz" and "memory=1024" need no quotes.  Same rules and
 * return values as hv_config_parse_xl_buffer(); messages name
 * "command line" as the file.
 */
int hv_config_set(hv_ctx *ctx, hv_domain_config *cfg,
		  const char *key_equals_value);

/*
 * Settings in xl.cfg syntax whose keys the caller gives a meaning of its
 * own (libhv 1.10): xl reads its xl.conf(5) this way.
 */
#define HV_HAVE_CONFIG_SETTINGS 1

/*
 * One setting, as hv_config_read_settings() hands it to its callback;
 * what it points to lasts until the callback returns.
 */
typedef struct hv_config_setting {
	/* The key as written: a letter or '_', then letters, digits, '_'
	 * and '.' (Xen's xl.conf has keys such as "vif.default.bridge"). */
	const char *key;
	/* The line the setting starts on, from 1. */
	int line;
	/* Nonzero: written KEY += VALUE. */
	int append;
	/* A single value: a string with its escapes decoded, or a number as
	 * written; quoted is nonzero for a string.  NULL for a list. */
	const char *value;
	int quoted;
	/* A list: the text of each item, in order (a list inside a list is
	 * a syntax error here).  NULL and 0 for a single value. */
	const char *const *items;
	size_t nr_items;
} hv_config_setting;

typedef int hv_config_setting_fn(void *opaque, const hv_config_setting *setting);

/*
 * hv_config_read_settings - read the @len bytes at @buf (need not be
 * NUL-terminated) in xl.cfg syntax, named @name in messages (NULL:
 * "config"), and call @fn with @opaque for each setting, in the order
 * they are written.  The keys mean nothing to libhv: every one is handed
 * over, none is checked or warned about.  The whole text is parsed
 * before @fn is first called, so a syntax error anywhere hands over
 * nothing.
 *
 * Returns 0, HV_ERROR_CONFIG (a syntax error, logged as "NAME:LINE:
 * KEY: what is wrong"), HV_ERROR_NOMEM, or the first nonzero value @fn
 * returned, which stops the reading there.
 */
int hv_config_read_settings(hv_ctx *ctx, const char *name, const char *buf,
			    size_t len, hv_config_setting_fn *fn, void *opaque);

/*
 * Flags for hv_config_validate().
 * HV_CONFIG_VALIDATE_CREATE: also check that this hv can create the
 * domain: everything hv_domain_create() and hv_domain_restore() check
 * before they open a file, and hvd and hv-vmm check again (the same
 * code), so that "xl create -n" refuses exactly what "xl create" refuses
 * for the configuration itself.  Files are not opened: a kernel or disk
 * target that is missing is found when the domain is created.
 */
#define HV_CONFIG_VALIDATE_CREATE 0x1u

/*
 * hv_config_validate - check @cfg as a whole: a name that can be used in
 * paths and is not a number, a kernel for PVH guests, memory and vCPU
 * counts in range (maxmem >= memory, maxvcpus >= vcpus), valid
 * enumerations, well-formed and unique disks (no two naming the same
 * guest disk: xvda, hda, sda, vda and d0 are all disk 0) and vifs, rate
 * limits whose bursts hold at least one second's worth.  With
 * HV_CONFIG_VALIDATE_CREATE, also what this hv version supports (see
 * above): raw disk images only, at most HV_DOMAIN_MAX_DISKS disks, no
 * vifs, PVH domains, no core dumps, a kernel command line hv can pass.
 *
 * The guest sees its disks in the order of their vdev's disk number (then
 * partition), whatever the order of cfg->disks: xvda (disk 0) before xvdb
 * (disk 1) before xvdc...; letters count on past z as aa, ab...  Linux
 * names them /dev/vda, /dev/vdb... in that order; an empty CD-ROM drive
 * is left out.
 *
 * Returns 0, HV_ERROR_CONFIG after logging the first problem found,
 * HV_ERROR_NOSYS (logged) for a well-formed configuration that this hv
 * cannot create (with HV_CONFIG_VALIDATE_CREATE), HV_ERROR_INVAL for
 * unknown @flags or a structure that was not initialised.
 */
int hv_config_validate(hv_ctx *ctx, const hv_domain_config *cfg,
		       unsigned int flags);

/*
 * hv_config_to_json - write @cfg as a JSON object into *json_r (malloc()ed,
 * NUL-terminated; free it with free()).  The format is stable: keys are
 * the member names above (enumerations as their strings, the UUID and MAC
 * addresses in their usual text form, strings that are NULL left out).
 * hv_config_from_json() of the result gives an equal configuration, whose
 * JSON is byte-for-byte the same.  Returns 0, HV_ERROR_INVAL (a member
 * holds a value JSON cannot carry, such as an invalid enumeration or a
 * string that is not UTF-8; logged), HV_ERROR_NOMEM.
 */
int hv_config_to_json(hv_ctx *ctx, const hv_domain_config *cfg, char **json_r);

/*
 * hv_config_from_json - read a JSON object written by hv_config_to_json()
 * (or by hand: every key is optional, members left out keep the defaults
 * of hv_domain_config_init()) into @cfg, which must be initialised; its
 * previous contents are replaced on success and left unchanged on failure.
 * Returns 0, HV_ERROR_CONFIG (malformed JSON, unknown key, wrong type;
 * logged naming the key and what it expects), HV_ERROR_NOMEM.
 */
int hv_config_from_json(hv_ctx *ctx, const char *json, hv_domain_config *cfg);

/*
 * libvirt domain XML (libhv 1.7; docs/libvirt-xml.md has the mapping of
 * each element and what is refused).
 */
#define HV_HAVE_LIBVIRT_XML 1
/* The largest document hv_domain_config_from_xml() reads, in bytes. */
#define HV_XML_MAX_SIZE (1u << 20)

/*
 * hv_domain_config_from_xml - read the libvirt domain description in the
 * @len bytes at @xml (need not be NUL-terminated), named @name in
 * messages (e.g. the file it came from; NULL: "domain.xml"), into @cfg.
 * hv_domain_config_from_xml_file - the same from the file at @path.
 *
 * @cfg must be initialised; on success its previous contents are replaced
 * by the description (members it does not set keep the defaults of
 * hv_domain_config_init()), on failure it is left unchanged.  Every
 * element and attribute is either mapped, ignored because it changes
 * nothing in an hv domain (<address>, <clock>, <features><acpi/>...), or
 * refused with the file, line and element path at fault and the reason:
 *   guest.xml:12: /domain/devices/hostdev: PCI passthrough is not
 *   supported by hv
 * The document is read with no network access, no DTD and no entity
 * expansion: a document with a DOCTYPE is refused, as is one larger than
 * HV_XML_MAX_SIZE.  As with the xl.cfg reader, the description as a whole
 * is checked by hv_config_validate().
 *
 * Returns 0, HV_ERROR_CONFIG (malformed XML or a refused element, logged),
 * HV_ERROR_IO (file unreadable, logged), HV_ERROR_NOMEM, HV_ERROR_INVAL
 * (@cfg was not initialised).
 */
int hv_domain_config_from_xml(hv_ctx *ctx, const char *name, const char *xml,
			      size_t len, hv_domain_config *cfg);
int hv_domain_config_from_xml_file(hv_ctx *ctx, const char *path,
				   hv_domain_config *cfg);

/*
 * hv_domain_config_to_xml - write @cfg as a libvirt domain description
 * (<domain type='kvm'>, valid by libvirt's domain.rng) into *xml_r
 * (malloc()ed, NUL-terminated, ending with a newline; free it with
 * free()).  hv_domain_config_from_xml() of the result gives the same
 * configuration, except for what libvirt's format cannot say, which is
 * left out with a warning: a vif's rate, ip and script, and a vCPU list
 * that is not a plain CPU set ("nodes:0"); and, silently, the PVH/HVM
 * distinction (both are written as <type>hvm</type>, read back as PVH
 * with a kernel) and root and extra apart (written as the one command
 * line the kernel gets, read back as cmdline).
 * Returns 0, HV_ERROR_INVAL (no name, an action libvirt has no name for
 * such as on_poweroff = "coredump-destroy", a string that is not UTF-8 or
 * holds characters XML cannot carry; logged), HV_ERROR_NOMEM.
 */
int hv_domain_config_to_xml(hv_ctx *ctx, const hv_domain_config *cfg,
			    char **xml_r);

#ifdef __cplusplus
}
#endif
#endif /* HV_CONFIG_H */
