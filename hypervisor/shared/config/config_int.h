/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Domain configuration internals shared by config.c (structures and their
 * operations), validate.c (checks and validation), devspec.c (disk and vif
 * specs), json.c and libhv's xl.cfg reader (libhv/xlcfg.c, xlcfg-parse.c).
 *
 * Each public structure is described once, by a table of its members
 * (struct hv__struct_desc); disposing, copying and both JSON directions
 * walk that table, so a new member is added in one place.
 */
#ifndef HV_CONFIG_INT_H
#define HV_CONFIG_INT_H

#include <stdbool.h>
#include <sched.h>
#include <stddef.h>
#include <hv/config.h>
#include "ctx.h"

/* Spellings of an enumeration; names[0] is NULL (zero is never valid). */
struct hv__enum_names {
	const char *const *names;
	int count;		/* entries in names[], including [0] */
	const char *choices;	/* for messages: "raw, qcow2 or vhd" */
};

extern const struct hv__enum_names hv__domain_type_names;
extern const struct hv__enum_names hv__action_names;
extern const struct hv__enum_names hv__disk_format_names;
extern const struct hv__enum_names hv__disk_access_names;
extern const struct hv__enum_names hv__disk_devtype_names;

/* The value spelt @s, or 0. */
int hv__enum_value(const struct hv__enum_names *e, const char *s);
/* The spelling of @v, or NULL if @v is not a valid value. */
const char *hv__enum_name(const struct hv__enum_names *e, int v);

enum hv__ftype {
	HV__F_STRING,	/* char * */
	HV__F_U64,	/* uint64_t, at most INT64_MAX */
	HV__F_UINT,	/* unsigned int */
	HV__F_BOOL,	/* int, 0 or 1 */
	HV__F_TRISTATE,	/* int, -1 (default), 0 or 1 */
	HV__F_ENUM,	/* an enum, stored as int */
	HV__F_UUID,	/* uint8_t[16], flag int at aux */
	HV__F_MAC,	/* uint8_t[6], flag int at aux */
	HV__F_ARRAY,	/* T **, count size_t at aux, T described by elem */
};

struct hv__struct_desc;

/* aux of HV__F_U64 and HV__F_UINT: the JSON leaves the member out when it
 * is 0 (members added later, so that descriptions without them stay as
 * they were). */
#define HV__OMIT_ZERO 1
/* aux of HV__F_UINT: the JSON leaves the member out when it is UINT_MAX
 * ("not given": e.g. a vif's devid, which libhv assigns). */
#define HV__OMIT_UNSET 2

struct hv__field {
	const char *name;	/* JSON key */
	enum hv__ftype type;
	size_t off;
	size_t aux;
	const struct hv__enum_names *e;
	const struct hv__struct_desc *elem;
};

struct hv__struct_desc {
	const char *what;	/* for messages */
	size_t size;		/* sizeof the structure in this libhv */
	void (*init)(void *obj);
	const struct hv__field *fields;
	size_t nr_fields;
};

extern const struct hv__struct_desc hv__domain_desc;
extern const struct hv__struct_desc hv__disk_desc;
extern const struct hv__struct_desc hv__vif_desc;

/* Whether @f lies inside the first @size bytes of its structure. */
bool hv__field_present(const struct hv__field *f, size_t size);
/* The usable size of @cfg (0 if it was never initialised). */
size_t hv__cfg_size(const hv_domain_config *cfg);

void *hv__obj_new(const struct hv__struct_desc *d);
void hv__obj_free(const struct hv__struct_desc *d, void *obj);
void hv__obj_dispose(const struct hv__struct_desc *d, void *obj, size_t size);
/* Deep-copy into @dst (already initialised, owning nothing).  On failure
 * @dst holds a partial copy that hv__obj_dispose() releases. */
int hv__obj_copy(const struct hv__struct_desc *d, void *dst, const void *src,
		 size_t size);
/* Replace @cfg's contents by @tmp's, which @cfg takes over; @tmp was
 * initialised with @cfg's usable size. */
void hv__cfg_replace(hv_domain_config *cfg, hv_domain_config *tmp);
/* Append @elem to the array member @f of @obj. */
int hv__array_append(const struct hv__field *f, void *obj, void *elem);

/*
 * Checks shared by the xl.cfg reader and hv_config_validate(), in
 * validate.c with the hex, UUID and MAC helpers below (CPU lists and
 * rates in textforms.c, which xl builds in as well).  Each returns NULL
 * if @s is acceptable, or a sentence saying what is wrong and what to write
 * instead, for the caller to prefix with where it came from.  The sentence
 * may be built in @buf (of @len bytes).
 */
const char *hv__check_name(const char *s);
const char *hv__check_cpus(const char *s, char *buf, size_t len);
/*
 * A CPU list as xl.cfg's cpus= and xl vcpu-pin take it: items separated
 * by ',', each "all", a CPU "N", a range "N-M" or NUMA nodes "nodes:N[-M]"
 * (also "node:"), any of them after '^' to take those CPUs away; a list
 * whose first item takes CPUs away starts from all.  Into @set (bit n:
 * host CPU n, below CPU_SETSIZE) unless it is NULL; @node_cpus gives a
 * node's CPUs (0, or nonzero where there is no such node; NULL: nodes are
 * refused when @set is given).  NULL, or why not (as hv__check_*).
 */
const char *hv__cpulist_parse(const char *s, cpu_set_t *set,
			      int (*node_cpus)(unsigned int node, cpu_set_t *cpus),
			      char *buf, size_t len);
/*
 * @set as a CPU list into @out ("0-3,8"; "all" when it has all of CPUs 0
 * to @nr_cpus - 1 and only those; "" when empty); -1 if it does not fit.
 */
int hv__cpulist_format(const cpu_set_t *set, unsigned int nr_cpus, char *out, size_t size);
/*
 * The CPUs of this host's NUMA node @node, from sysfs, as @node_cpus of
 * hv__cpulist_parse() wants them: 0, or -1 where the host has no such node.
 */
int hv__node_cpus(unsigned int node, cpu_set_t *cpus);
const char *hv__check_vdev(const char *s);
const char *hv__check_rate(const char *s);
/*
 * A vif's rate as Xen's credit scheduler takes it: "RATE/s[@INTERVAL]",
 * RATE a number with K, M or G (powers of 1000) and B (bytes) or b (bits),
 * INTERVAL a number with s, ms or us (none: us), default 50 ms, at most
 * 10 s.  Gives the bytes the guest may send per interval (at least 1) and
 * the interval; 0, or -1 if @s is not a rate.
 */
#define HV__RATE_INTERVAL_DEFAULT_US	50000
#define HV__RATE_INTERVAL_MAX_US	10000000
int hv__rate_parse(const char *s, uint64_t *bytes_r, uint64_t *interval_us_r);

/*
 * What a domain's description says of each vif once the domain has one:
 * a devid (the lowest free), a MAC (hv__vif_default_mac()) and a bridge
 * (HV_VIF_DEFAULT_BRIDGE) where @cfg left them out.  HV_ERROR_CONFIG when
 * no devid is free, HV_ERROR_NOMEM.
 */
int hv__vifs_complete(hv_domain_config *cfg, const uint8_t uuid[16]);
void hv__vif_default_mac(const uint8_t uuid[16], unsigned int devid, uint8_t mac[6]);
const char *hv__check_utf8(const char *s);

/*
 * The disk number and partition a valid vdev names, as Xen numbers them:
 * xvdX, hdX, sdX and vdX count X = a, b, ..., z, aa, ab, ... from 0, and
 * dNpM is disk N, partition M.  0, or -1 for a name hv__check_vdev()
 * refuses.
 */
int hv__vdev_number(const char *s, unsigned int *disk_r, unsigned int *part_r);

/* The largest disk number hv runs: disk N is in the guest's PCI slot 2 + N
 * (slots 22 and 23 are kept for the balloon and one more device, 24 + D is
 * the vif with devid D). */
#define HV__DISK_NUMBER_MAX 19

/*
 * The disks the guest sees, in the order it sees them: the indexes into
 * @cfg->disks of those with a target (an empty CD-ROM is no device), by
 * their vdev's disk number, then partition.  Fills at most @max (and at
 * most HV_DOMAIN_MAX_DISKS) entries of @order; returns how many.
 */
size_t hv__disk_guest_order(const hv_domain_config *cfg, size_t *order, size_t max);

/* The request queues @d gets in a domain of @vcpus vCPUs. */
unsigned int hv__disk_queues(const hv_disk_spec *d, unsigned int vcpus);

/*
 * A SIZE of xl.cfg's disk keys: the @n bytes at @s, decimal bytes with an
 * optional K, M or G suffix (powers of 1024), at most INT64_MAX.  0 with
 * the value in *v_r, or -1.
 */
int hv__parse_size(const char *s, size_t n, uint64_t *v_r);

/*
 * hv_config_validate()'s HV_CONFIG_VALIDATE_CREATE part, in support.c:
 * whether this hv can create the (well-formed) domain @cfg, called @who in
 * messages.  0, HV_ERROR_CONFIG or HV_ERROR_NOSYS (logged).
 */
int hv__validate_create(hv_ctx *ctx, const hv_domain_config *cfg, const char *who);

/* What hv creates: the limits hv__validate_create() checks. */
#define HV__CMDLINE_MAX 4096		/* the longest kernel command line, with its NUL */
#define HV__CREATE_MIN_MEMORY_MIB 16
#define HV__CREATE_MAX_MEMORY_MIB (UINT64_C(1) << 22)	/* 4 TiB */
#define HV__CREATE_MAX_VCPUS 64

/* The value of hex digit @c, or -1. */
int hv__hexval(char c);

/* Text forms of UUIDs ("01234567-89ab-cdef-0123-456789abcdef") and MAC
 * addresses ("00:16:3e:01:02:03"): parsers return 0 or -1. */
#define HV__UUID_STRLEN 37
#define HV__MAC_STRLEN 18
int hv__uuid_parse(const char *s, uint8_t uuid[16]);
void hv__uuid_format(const uint8_t uuid[16], char buf[HV__UUID_STRLEN]);
int hv__mac_parse(const char *s, uint8_t mac[6]);
void hv__mac_format(const uint8_t mac[6], char buf[HV__MAC_STRLEN]);

/*
 * Parse one disk or vif spec into @disk/@vif (initialised).  @where
 * prefixes messages ("guest.cfg:7: disk").  Return 0, HV_ERROR_CONFIG or
 * HV_ERROR_NOMEM.
 */
int hv__disk_spec_parse(hv_ctx *ctx, const char *where, const char *spec,
			hv_disk_spec *disk);
int hv__vif_spec_parse(hv_ctx *ctx, const char *where, const char *spec,
		       hv_vif_spec *vif);

/*
 * One disk as JSON, an element of the description's "disks" array as
 * hv_config_to_json() writes it (DISK_ATTACH carries one), and back into
 * a new hv_disk_spec (hv_disk_spec_free()): 0 or HV_ERROR_* (logged).
 * Reading checks the form of each member, not the disk as a whole
 * (hv_config_validate() on a description that holds it does).
 */
int hv__disk_to_json(hv_ctx *ctx, const hv_disk_spec *disk, char **json_r);
int hv__disk_from_json(hv_ctx *ctx, const char *json, hv_disk_spec **disk_r);
/* The same for one vif, an element of "vifs" (NIC_ATTACH carries one). */
int hv__vif_to_json(hv_ctx *ctx, const hv_vif_spec *vif, char **json_r);
int hv__vif_from_json(hv_ctx *ctx, const char *json, hv_vif_spec **vif_r);

/* Growable string. */
struct hv__buf {
	char *s;
	size_t len, cap;
	bool failed;
};
void hv__buf_add(struct hv__buf *b, const char *s, size_t n);
void hv__buf_addc(struct hv__buf *b, char c);
void hv__buf_adds(struct hv__buf *b, const char *s);
/* The string (owned by the caller), or NULL after an allocation failed. */
char *hv__buf_steal(struct hv__buf *b);
void hv__buf_free(struct hv__buf *b);

#endif
