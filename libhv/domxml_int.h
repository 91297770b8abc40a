/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt domain XML inside libhv.  The reader is three files: the engine
 * (domxml-read.c: parsing, messages, walking elements by tables), the
 * domain's own elements (domxml-domain.c) and its devices
 * (domxml-devices.c).  The writer (domxml-write.c) keeps the spellings
 * both directions share.  docs/libvirt-xml.md has the whole mapping.
 */
#ifndef HV_DOMXML_INT_H
#define HV_DOMXML_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <libxml/tree.h>
#include "config/config_int.h"

/* libvirt's name of a disk format hv knows (hv's "vhd" is libvirt's
 * "vpc"), or NULL. */
const char *hv__xml_format_name(enum hv_disk_format f);
/* The format libvirt's @name is (its "iso" is a raw image), or 0. */
int hv__xml_format_value(const char *name);

/* Whether @s is a CPU set as libvirt writes one ("1-4,^3,6"), which is
 * also one of xl.cfg's CPU lists. */
bool hv__xml_is_cpuset(const char *s);

/* Whether a disk is written as a block device (type='block'): xl.cfg's
 * phy: backend, or a path under /dev/.  The reader keeps "phy" for one
 * that this would not tell. */
bool hv__xml_disk_is_block(const hv_disk_spec *d);

/* --- the reader --------------------------------------------------------- */

/* One document being read. */
struct xr {
	hv_ctx *ctx;
	const char *name;		/* in messages: "guest.xml" */
	hv_domain_config *cfg;		/* the copy being filled */
	size_t size;			/* its usable size */
	/* the parser's first complaint, and whether it met a DOCTYPE */
	char perr[256];
	int perr_line;
	bool doctype;
	/* <memory> and <currentMemory> in MiB (0: not given) */
	uint64_t mem_mib, cur_mib;
	const xmlNode *cur_node;
	bool have_os;
};

/*
 * Refuses element @n, or its attribute @attr (NULL: the element), logging
 * "guest.xml:12: /domain/devices/disk[2]/target/@bus: <message>"; returns
 * HV_ERROR_CONFIG.  hv__xr_info() logs the same way at HV_LOG_INFO.
 */
int hv__xr_err(struct xr *r, const xmlNode *n, const char *attr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void hv__xr_info(struct xr *r, const xmlNode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Lists of attribute names for hv__xr_attrs(). */
#define ATTRS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_ATTRS ((const char *const[]){ NULL })

/*
 * hv__xr_attrs - refuses any attribute of @n not in @known: each reading
 * function lists what it reads and what it ignores, so that nothing is
 * dropped unsaid.  hv__xr_attr - the value of attribute @name (checked by
 * hv__xr_attrs() first), or NULL.
 */
int hv__xr_attrs(struct xr *r, const xmlNode *n, const char *const *known);
const char *hv__xr_attr(const xmlNode *n, const char *name);
/* Attribute @name: absent (*v_r kept) or a number from @min to @max. */
int hv__xr_attr_uint(struct xr *r, const xmlNode *n, const char *name, unsigned int min,
		     unsigned int max, unsigned int *v_r);
/* Attribute @name: absent or @want; refused with @why otherwise. */
int hv__xr_attr_only(struct xr *r, const xmlNode *n, const char *name, const char *want,
		     const char *why);
/* Attribute @name: absent (*v_r kept), "on" (1) or "off" (0). */
int hv__xr_attr_onoff(struct xr *r, const xmlNode *n, const char *name, int *v_r);

/* The text of leaf element @n, blanks around it removed, into *s_r
 * (malloc()ed); an empty one is refused. */
int hv__xr_text(struct xr *r, const xmlNode *n, char **s_r);
/* A decimal number up to @max: 0, or -1 if @s is not one. */
int hv__xr_u64(const char *s, uint64_t max, uint64_t *v_r);

typedef int hv__xr_fn(struct xr *r, xmlNode *n, void *obj);

enum hv__xr_kind { XR_READ, XR_IGNORE, XR_REFUSE };

/* One child element hv knows of: read by fn, ignored or refused (why). */
struct xr_child {
	const char *name;
	enum hv__xr_kind kind;
	hv__xr_fn *fn;
	const char *why;	/* XR_IGNORE: why it changes nothing; XR_REFUSE: why not */
	bool many;		/* may appear more than once */
};

#define READ(name, fn)		{ name, XR_READ, fn, NULL, false }
#define READ_MANY(name, fn)	{ name, XR_READ, fn, NULL, true }
#define IGNORE(name, why)	{ name, XR_IGNORE, NULL, why, true }
#define REFUSE(name, why)	{ name, XR_REFUSE, NULL, why, true }
#define TABLE(t)		t, sizeof(t) / sizeof(t[0])

/*
 * Each element child of @parent by @tab (@nr entries; fn gets @obj); text
 * outside elements is refused, comments are skipped, and elements not in
 * @tab are refused as "not supported by hv".
 */
int hv__xr_children(struct xr *r, xmlNode *parent, const struct xr_child *tab, size_t nr,
		    void *obj);
/* An element that carries nothing: <readonly/>, <acpi/>. */
int hv__xr_empty(struct xr *r, xmlNode *n);
/* hv__xr_text() of an element that has no attributes. */
int hv__xr_leaf(struct xr *r, const xmlNode *n, char **s_r);
/* A string member (*field, replaced) from an element's text. */
int hv__xr_string(struct xr *r, xmlNode *n, char **field);

/* <domain> into r->cfg (domxml-domain.c); its <devices> (domxml-devices.c). */
int hv__xr_domain(struct xr *r, xmlNode *root);
int hv__xr_devices(struct xr *r, xmlNode *n, void *cfg);

#endif
