/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt domain XML reader: hv_domain_config_from_xml(), and the engine
 * that domxml-domain.c and domxml-devices.c read elements with.
 *
 * The document is parsed by libxml2 with no network, no DTD and no entity
 * expansion (a DOCTYPE stops the parser where it starts), then walked with
 * one table per element that lists its children: each is read into the
 * description, ignored because it changes nothing in an hv domain, or
 * refused with its line, its path and the reason.  Attributes are listed
 * by each reading function; one that is not listed is refused too, so
 * that nothing in a document is silently dropped.  docs/libvirt-xml.md is
 * the table in prose.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include "private.h"
#include "domxml_int.h"

#if LIBXML_VERSION >= 21200
typedef const xmlError *xr_error_t;
#else
typedef xmlError *xr_error_t;
#endif

/* --- messages ----------------------------------------------------------- */

/* "/domain/devices/disk[2]/target": the names from the root, with the
 * element's position among same-named siblings where it has any. */
static void xr_path(const xmlNode *n, char *buf, size_t len)
{
	const xmlNode *chain[12];
	size_t depth = 0, off = 0;
	bool cut = false;

	for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
		if (depth == sizeof(chain) / sizeof(chain[0])) {
			cut = true;
			break;
		}
		chain[depth++] = n;
	}
	buf[0] = '\0';
	if (cut)
		off += (size_t)snprintf(buf, len, "...");
	while (depth-- && off < len) {
		const xmlNode *e = chain[depth], *s;
		unsigned int pos = 1, same = 0;

		for (s = e->parent ? e->parent->children : NULL; s; s = s->next) {
			if (s->type != XML_ELEMENT_NODE || strcmp((const char *)s->name, (const char *)e->name))
				continue;
			same++;
			if (s == e)
				pos = same;
		}
		if (same > 1)
			off += (size_t)snprintf(buf + off, len - off, "/%s[%u]", (const char *)e->name, pos);
		else
			off += (size_t)snprintf(buf + off, len - off, "/%s", (const char *)e->name);
	}
}

static int xlog(struct xr *r, enum hv_log_level level, const xmlNode *n, const char *attr,
		const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static int xlog(struct xr *r, enum hv_log_level level, const xmlNode *n, const char *attr,
		const char *fmt, va_list ap)
{
	char path[512], msg[768];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	xr_path(n, path, sizeof(path));
	hv__log(r->ctx, level, "%s:%ld: %s%s%s: %s", r->name, xmlGetLineNo(n), path,
		attr ? "/@" : "", attr ? attr : "", msg);
	return HV_ERROR_CONFIG;
}

/* Refuses element @n (or its attribute @attr): logs and returns
 * HV_ERROR_CONFIG. */
int hv__xr_err(struct xr *r, const xmlNode *n, const char *attr, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = xlog(r, HV_LOG_ERROR, n, attr, fmt, ap);
	va_end(ap);
	return rc;
}

void hv__xr_info(struct xr *r, const xmlNode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xlog(r, HV_LOG_INFO, n, NULL, fmt, ap);
	va_end(ap);
}

/* --- attributes, text, numbers ----------------------------------------- */

static bool is_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/*
 * Refuses any attribute of @n that is not in @known (NULL-terminated):
 * each reading function lists what it reads and what it ignores.
 */
int hv__xr_attrs(struct xr *r, const xmlNode *n, const char *const *known)
{
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		const char *name = (const char *)a->name;
		char list[256] = "";
		size_t off = 0;
		bool found = false;

		if (a->ns)
			return hv__xr_err(r, n, name, "in namespace %s, which is not libvirt's: hv does not know it",
					  a->ns->href ? (const char *)a->ns->href : "?");
		if (a->children && (a->children->type != XML_TEXT_NODE || a->children->next))
			return hv__xr_err(r, n, name, "its value holds entity references, which hv does not expand");
		for (const char *const *k = known; *k && !found; k++)
			found = !strcmp(*k, name);
		if (found)
			continue;
		for (const char *const *k = known; *k && off < sizeof(list); k++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
						k == known ? "" : ", ", *k);
		return hv__xr_err(r, n, name, "not supported by hv (%s%s)",
				  *known ? "it reads " : "it reads no attribute here", list);
	}
	return 0;
}

/* The value of @n's attribute @name (checked by hv__xr_attrs()), or NULL. */
const char *hv__xr_attr(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (!a->ns && !strcmp((const char *)a->name, name))
			return a->children ? (const char *)a->children->content : "";
	return NULL;
}

/* The text of leaf element @n, blanks around it removed, into *s_r
 * (malloc()ed); an empty one is refused. */
int hv__xr_text(struct xr *r, const xmlNode *n, char **s_r)
{
	struct hv__buf b = { 0 };
	size_t start = 0;
	char *s;

	*s_r = NULL;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			hv__buf_free(&b);
			return hv__xr_err(r, c, NULL, "hv expects text in <%s>, not elements",
					  (const char *)n->name);
		}
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			hv__buf_adds(&b, (const char *)c->content);
	}
	s = hv__buf_steal(&b);
	if (!s)
		return HV_ERROR_NOMEM;
	while (s[start] == ' ' || s[start] == '\t' || s[start] == '\n' || s[start] == '\r')
		start++;
	memmove(s, s + start, strlen(s + start) + 1);
	for (size_t len = strlen(s); len && is_blank(s + len - 1); len--)
		s[len - 1] = '\0';
	if (!*s) {
		free(s);
		return hv__xr_err(r, n, NULL, "is empty (give its value, or leave the element out)");
	}
	*s_r = s;
	return 0;
}

/* A decimal number (libvirt writes no other) up to @max; -1 if @s is not one. */
int hv__xr_u64(const char *s, uint64_t max, uint64_t *v_r)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		uint64_t d = (uint64_t)(*s - '0');

		if (*s < '0' || *s > '9' || d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*v_r = v;
	return 0;
}

/* The number in attribute @name of @n, @min to @max; *v_r kept if absent. */
int hv__xr_attr_uint(struct xr *r, const xmlNode *n, const char *name, unsigned int min,
		     unsigned int max, unsigned int *v_r)
{
	const char *s = hv__xr_attr(n, name);
	uint64_t v;

	if (!s)
		return 0;
	if (hv__xr_u64(s, max, &v) || v < min)
		return hv__xr_err(r, n, name, "\"%s\" is not a number from %u to %u", s, min, max);
	*v_r = (unsigned int)v;
	return 0;
}

/* Whether attribute @name of @n is @want or absent; refuses anything else. */
int hv__xr_attr_only(struct xr *r, const xmlNode *n, const char *name, const char *want,
		     const char *why)
{
	const char *s = hv__xr_attr(n, name);

	if (!s || !strcmp(s, want))
		return 0;
	return hv__xr_err(r, n, name, "\"%s\": %s", s, why);
}

/* "on" or "off" into *v_r (1 or 0), kept if absent. */
int hv__xr_attr_onoff(struct xr *r, const xmlNode *n, const char *name, int *v_r)
{
	const char *s = hv__xr_attr(n, name);

	if (!s)
		return 0;
	if (strcmp(s, "on") && strcmp(s, "off"))
		return hv__xr_err(r, n, name, "\"%s\" is not on or off", s);
	*v_r = s[1] == 'n';
	return 0;
}

/* --- walking children --------------------------------------------------- */

/*
 * Each element child of @parent by @tab; text outside elements is
 * refused, comments are skipped.  Elements not in @tab are refused as
 * "not supported by hv".
 */
int hv__xr_children(struct xr *r, xmlNode *parent, const struct xr_child *tab, size_t nr,
		    void *obj)
{
	uint64_t seen = 0;

	for (xmlNode *c = parent->children; c; c = c->next) {
		const char *name = (const char *)c->name;
		size_t k;
		int rc;

		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content && !is_blank((const char *)c->content))
				return hv__xr_err(r, parent, NULL, "holds text outside its elements (\"%.24s\")",
						  (const char *)c->content);
			continue;
		}
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (c->ns)
			return hv__xr_err(r, c, NULL, "in namespace %s, which is not libvirt's: hv does not know it",
					  c->ns->href ? (const char *)c->ns->href : "?");
		for (k = 0; k < nr; k++)
			if (!strcmp(tab[k].name, name))
				break;
		if (k == nr)
			return hv__xr_err(r, c, NULL, "not supported by hv");
		if (tab[k].kind == XR_REFUSE)
			return hv__xr_err(r, c, NULL, "%s", tab[k].why);
		if (!tab[k].many && k < 64 && (seen & (UINT64_C(1) << k)))
			return hv__xr_err(r, c, NULL, "given twice (give <%s> once)", name);
		if (k < 64)
			seen |= UINT64_C(1) << k;
		if (tab[k].kind == XR_IGNORE) {
			hv__xr_info(r, c, "ignored: %s", tab[k].why);
			continue;
		}
		rc = tab[k].fn(r, c, obj);
		if (rc)
			return rc;
	}
	return 0;
}

/* An element that carries nothing: <readonly/>, <acpi/>. */
int hv__xr_empty(struct xr *r, xmlNode *n)
{
	int rc = hv__xr_attrs(r, n, NO_ATTRS);

	return rc ? rc : hv__xr_children(r, n, NULL, 0, NULL);
}

int hv__xr_leaf(struct xr *r, const xmlNode *n, char **s_r)
{
	int rc = hv__xr_attrs(r, n, NO_ATTRS);

	return rc ? rc : hv__xr_text(r, n, s_r);
}

int hv__xr_string(struct xr *r, xmlNode *n, char **field)
{
	char *s;
	int rc = hv__xr_leaf(r, n, &s);

	if (rc)
		return rc;
	free(*field);
	*field = s;
	return 0;
}

/* --- parsing ------------------------------------------------------------ */

static pthread_once_t xr_once = PTHREAD_ONCE_INIT;

static void xr_init(void)
{
	xmlInitParser();
}

/* A DOCTYPE stops the parser before its declarations are read: no
 * entities, internal or external, are ever defined. */
static void xr_doctype(void *opaque, const xmlChar *name, const xmlChar *external_id,
		       const xmlChar *system_id)
{
	xmlParserCtxt *pc = opaque;
	struct xr *r = pc->_private;

	if (!r->doctype)
		r->perr_line = pc->input ? pc->input->line : 0;
	r->doctype = true;
	xmlStopParser(pc);
}

static void xr_entity_decl(void *opaque, const xmlChar *name, int type, const xmlChar *public_id,
			   const xmlChar *system_id, xmlChar *content)
{
	xmlStopParser(opaque);
}

static void xr_parse_error(void *opaque, xr_error_t err)
{
	xmlParserCtxt *pc = opaque;
	struct xr *r = pc->_private;
	size_t n;

	if (r->perr[0] || r->doctype || !err || !err->message || err->level < XML_ERR_ERROR)
		return;
	snprintf(r->perr, sizeof(r->perr), "%s", err->message);
	n = strlen(r->perr);
	while (n && (r->perr[n - 1] == '\n' || r->perr[n - 1] == ' '))
		r->perr[--n] = '\0';
	r->perr_line = err->line;
}

/* No libvirt element has more than a dozen attributes. */
#define XR_MAX_ATTRS 64

/* Where @lit starts at @p (before @end), or NULL. */
static const char *skip_past(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	p = memmem(p, (size_t)(end - p), lit, n);
	return p ? p + n : NULL;
}

/*
 * libxml2 before 2.12 checks an element's attributes for duplicates pair by
 * pair: one element with the 100000 attributes that 1 MiB holds costs it
 * half a minute.  So the attributes of each tag are counted first, as the
 * XML grammar delimits tags (comments, CDATA sections and processing
 * instructions skipped), and a tag with more than XR_MAX_ATTRS is refused
 * before the parser sees the document.  Malformed text is left to the
 * parser to refuse.
 */
static int xr_count_attrs(struct xr *r, const char *xml, size_t len)
{
	const char *p = xml, *end = xml + len, *tag;
	unsigned int n = 0;
	char quote = 0;

	while (p && p < end) {
		p = memchr(p, '<', (size_t)(end - p));
		if (!p)
			break;
		if ((size_t)(end - p) >= 4 && !memcmp(p, "<!--", 4)) {
			p = skip_past(p + 4, end, "-->");
			continue;
		}
		if ((size_t)(end - p) >= 9 && !memcmp(p, "<![CDATA[", 9)) {
			p = skip_past(p + 9, end, "]]>");
			continue;
		}
		if ((size_t)(end - p) >= 2 && p[1] == '?') {
			p = skip_past(p + 2, end, "?>");
			continue;
		}
		tag = p;
		for (p++, n = 0, quote = 0; p < end && (quote || (*p != '>' && *p != '<')); p++) {
			if (quote)
				quote = *p == quote ? 0 : quote;
			else if (*p == '"' || *p == '\'')
				quote = *p;
			else if (*p == '=')
				n++;
		}
		if (n > XR_MAX_ATTRS) {
			int line = 1;

			for (const char *c = xml; c < tag; c++)
				line += *c == '\n';
			HV__ERR(r->ctx, "%s:%d: an element with %u attributes, more than the %d hv reads (no libvirt element has that many)",
				r->name, line, n, XR_MAX_ATTRS);
			return HV_ERROR_CONFIG;
		}
	}
	return 0;
}

/* The document's tree, or NULL after logging why not. */
static int xr_parse(struct xr *r, const char *xml, size_t len, xmlDoc **doc_r)
{
	/* no XML_PARSE_NOENT (entities stay unexpanded), DTDLOAD, DTDATTR,
	 * XINCLUDE or HUGE (libxml2's limits on depth and sizes stay) */
			     const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
			     XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA;
	xmlParserCtxt *pc;
	xmlDoc *doc;

	*doc_r = NULL;
	if (xr_count_attrs(r, xml, len))
		return HV_ERROR_CONFIG;
	pthread_once(&xr_once, xr_init);
	pc = xmlNewParserCtxt();
	if (!pc)
		return HV_ERROR_NOMEM;
	pc->_private = r;
	pc->sax->internalSubset = xr_doctype;
	pc->sax->externalSubset = NULL;
	pc->sax->entityDecl = xr_entity_decl;
	pc->sax->serror = xr_parse_error;
	doc = xmlCtxtReadMemory(pc, xml, (int)len, NULL, NULL, opts);
	xmlFreeParserCtxt(pc);
	if (r->doctype) {
		xmlFreeDoc(doc);
		HV__ERR(r->ctx, "%s:%d: <!DOCTYPE>: refused: libvirt domain XML has no DOCTYPE, and hv reads no DTD and expands no entities (remove it)",
			r->name, r->perr_line);
		return HV_ERROR_CONFIG;
	}
	if (!doc || r->perr[0]) {
		xmlFreeDoc(doc);
		if (r->perr[0])
			HV__ERR(r->ctx, "%s:%d: not well-formed XML: %s", r->name, r->perr_line, r->perr);
		else
			HV__ERR(r->ctx, "%s: not well-formed XML", r->name);
		return HV_ERROR_CONFIG;
	}
	if (!xmlDocGetRootElement(doc)) {
		xmlFreeDoc(doc);
		HV__ERR(r->ctx, "%s: no root element (a libvirt domain description is <domain type='kvm'>...</domain>)",
			r->name);
		return HV_ERROR_CONFIG;
	}
	*doc_r = doc;
	return 0;
}

HV__EXPORT int hv_domain_config_from_xml(hv_ctx *ctx, const char *name, const char *xml,
					 size_t len, hv_domain_config *cfg)
{
	struct xr r = { .ctx = ctx, .name = name ? name : "domain.xml" };
	hv_domain_config tmp;
	xmlDoc *doc = NULL;
	int rc;

	r.size = hv__cfg_size(cfg);
	if (!r.size) {
		HV__ERR(ctx, "%s: the configuration was not initialised (call hv_domain_config_init() first)",
			r.name);
		return HV_ERROR_INVAL;
	}
	if (len > HV_XML_MAX_SIZE) {
		HV__ERR(ctx, "%s: %zu bytes, more than the %u KiB hv reads of a domain description (is this really one?)",
			r.name, len, HV_XML_MAX_SIZE >> 10);
		return HV_ERROR_CONFIG;
	}
	rc = xr_parse(&r, xml, len, &doc);
	if (rc)
		return rc;
	hv_domain_config_init_sized(&tmp, r.size);
	r.cfg = &tmp;
	rc = hv__xr_domain(&r, xmlDocGetRootElement(doc));
	if (rc)
		hv_domain_config_dispose(&tmp);
	else
		hv__cfg_replace(cfg, &tmp);
	xmlFreeDoc(doc);
	return rc;
}

HV__EXPORT int hv_domain_config_from_xml_file(hv_ctx *ctx, const char *path,
					      hv_domain_config *cfg)
{
	char *buf;
	size_t len;
	int rc;

	if (!hv__cfg_size(cfg)) {
		HV__ERR(ctx, "%s: the configuration was not initialised (call hv_domain_config_init() first)",
			path);
		return HV_ERROR_INVAL;
	}
	rc = hv__file_read(ctx, path, HV_XML_MAX_SIZE, "domain XML file", &buf, &len);
	if (rc)
		return rc;
	rc = hv_domain_config_from_xml(ctx, path, buf, len, cfg);
	free(buf);
	return rc;
}
