/*
 * Unit tests for libhv's libvirt domain XML reader and writer: the corpus
 * in tests/data/libvirt/ (valid/: each file's description as JSON beside
 * it; invalid/: each file's first line names its refusal), the round trip
 * XML -> hv -> XML, memory units, the writer's own cases, and hostile
 * documents (huge, deep, entity bombs, external entities), during which
 * the process must open no file and no socket.
 */
#undef _FORTIFY_SOURCE	/* open() is replaced below */
#include <check.h>
#include "check-main.h"
#include "check-log.h"
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <hv/hv.h>
#include <hv/config.h>

/* --- what the process tries: files named *passwd*, and the network ---- */

static int passwd_opens, net_tries;

static void note_path(const char *path)
{
	if (path && strstr(path, "passwd"))
		passwd_opens++;
}

FILE *fopen(const char *path, const char *mode)
{
	FILE *(*real)(const char *, const char *) =
		(FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, "fopen");

	note_path(path);
	return real(path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
	FILE *(*real)(const char *, const char *) =
		(FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, "fopen64");

	note_path(path);
	return real(path, mode);
}

static int open_via(const char *name, const char *path, int flags, va_list ap)
{
	int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, name);
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	note_path(path);
	return real(path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	int r;

	va_start(ap, flags);
	r = open_via("open", path, flags, ap);
	va_end(ap);
	return r;
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	int r;

	va_start(ap, flags);
	r = open_via("open64", path, flags, ap);
	va_end(ap);
	return r;
}

/* No Internet socket is ever made: one that is tried is counted and refused. */
int socket(int domain, int type, int protocol)
{
	int (*real)(int, int, int) = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");

	if (domain == AF_INET || domain == AF_INET6) {
		net_tries++;
		errno = EACCES;
		return -1;
	}
	return real(domain, type, protocol);
}

static void setup(void)
{
	log_setup();
	passwd_opens = net_tries = 0;
}

static char *data_path(const char *rel)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/tests/data/libvirt/%s", test_srcdir(), rel), 0);
	return p;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	size_t cap = 0, len = 0, r;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	do {
		cap += 4096;
		s = realloc(s, cap + 1);
		ck_assert_ptr_nonnull(s);
		r = fread(s + len, 1, cap - len, f);
		len += r;
	} while (r);
	fclose(f);
	s[len] = '\0';
	return s;
}

static int from_xml(hv_domain_config *cfg, const char *xml)
{
	return hv_domain_config_from_xml(ctx, "guest.xml", xml, strlen(xml), cfg);
}

static char *to_json(const hv_domain_config *cfg)
{
	char *json = NULL;

	ck_assert_int_eq(hv_config_to_json(ctx, cfg, &json), 0);
	return json;
}

static char *to_xml(const hv_domain_config *cfg)
{
	char *xml = NULL;

	ck_assert_msg(hv_domain_config_to_xml(ctx, cfg, &xml) == 0, "to_xml failed:\n%s", logbuf);
	ck_assert_ptr_nonnull(xml);
	return xml;
}

static void rtrim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* A document whose <domain> holds @body after a name and a kernel. */
static char *doc(const char *body)
{
	char *s;

	ck_assert_int_ge(asprintf(&s, "<domain type='kvm'>\n<name>t</name>\n"
				  "<os><type>hvm</type><kernel>/k</kernel></os>\n%s\n</domain>\n",
				  body), 0);
	return s;
}

/* --- the round trip keeps what hv reads -------------------------------- */

/*
 * What hv keeps of a document: each node these match in the input has,
 * at the same path in hv's output, the same value (UUIDs and MACs in any
 * case, UUIDs with or without dashes, libvirt's "iso" format as "raw").
 * Memory is compared in bytes; <iotune>'s bursts through the JSON.
 */
static const char *const kept[] = {
	"/domain/@type", "/domain/name", "/domain/uuid", "/domain/vcpu",
	"/domain/vcpu/@current[. != ..]", "/domain/vcpu/@cpuset",
	"/domain/os/type", "/domain/os/kernel", "/domain/os/initrd", "/domain/os/cmdline",
	"/domain/on_poweroff", "/domain/on_reboot", "/domain/on_crash",
	"/domain/devices/disk/@type", "/domain/devices/disk/@device",
	"/domain/devices/disk/driver/@type", "/domain/devices/disk/driver/@cache[. = 'none']",
	"/domain/devices/disk/driver/@discard", "/domain/devices/disk/driver/@queues",
	"/domain/devices/disk/source/@file", "/domain/devices/disk/source/@dev",
	"/domain/devices/disk/target/@dev", "/domain/devices/disk/target/@bus",
	"/domain/devices/disk/readonly", "/domain/devices/disk/shareable",
	"/domain/devices/disk/serial",
	"/domain/devices/disk/iotune/total_bytes_sec", "/domain/devices/disk/iotune/total_iops_sec",
	"/domain/devices/interface/@type", "/domain/devices/interface/source/@bridge",
	"/domain/devices/interface/mac/@address", "/domain/devices/interface/model/@type",
	"/domain/devices/interface/target/@dev", "/domain/devices/interface/mtu/@size",
	"/domain/devices/interface/driver/@queues",
	"/domain/devices/memballoon/@model", "/domain/devices/memballoon/@autodeflate",
	"/domain/devices/memballoon/@freePageReporting",
	"/domain/devices/serial/@type", "/domain/devices/console/@type",
	"/domain/devices/panic/@model",
};

/* A node's value for comparing: trimmed, lower case, no dashes in UUIDs. */
static char *value_of(xmlNode *n, const char *path)
{
	xmlChar *c = xmlNodeGetContent(n);
	char *s = strdup(c ? (const char *)c : ""), *o = s;

	xmlFree(c);
	ck_assert_ptr_nonnull(s);
	for (char *p = s; *p; p++) {
		if (*p == ' ' || *p == '\n' || *p == '\t')
			continue;
		if (*p == '-' && strstr(path, "uuid"))
			continue;
		*o++ = strstr(path, "uuid") || strstr(path, "mac") ?
		       (char)(*p | (*p >= 'A' && *p <= 'Z' ? 0x20 : 0)) : *p;
	}
	*o = '\0';
	if (!strcmp(s, "iso"))
		strcpy(s, "raw");
	return s;
}

static uint64_t mem_bytes(xmlXPathContext *x, const char *el)
{
	static const struct { const char *u; uint64_t m; } units[] = {
		{ "b", 1 }, { "bytes", 1 }, { "KB", 1000 }, { "k", 1024 }, { "KiB", 1024 },
		{ "MB", 1000000 }, { "M", 1 << 20 }, { "MiB", 1 << 20 },
		{ "GB", 1000000000 }, { "G", 1 << 30 }, { "GiB", 1 << 30 },
	};
	char q[64];
	xmlXPathObject *o;
	uint64_t v = 0, m = 1024;

	snprintf(q, sizeof(q), "/domain/%s", el);
	o = xmlXPathEvalExpression((const xmlChar *)q, x);
	if (o && o->nodesetval && o->nodesetval->nodeNr) {
		xmlNode *n = o->nodesetval->nodeTab[0];
		xmlChar *t = xmlNodeGetContent(n), *u = xmlGetProp(n, (const xmlChar *)"unit");

		v = strtoull((const char *)t, NULL, 10);
		for (size_t i = 0; u && i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(units[i].u, (const char *)u))
				m = units[i].m;
		xmlFree(t);
		xmlFree(u);
	}
	xmlXPathFreeObject(o);
	return v * m;
}

static void check_kept(const char *name, const char *in, const char *out)
{
	xmlDoc *a = xmlReadMemory(in, (int)strlen(in), NULL, NULL, XML_PARSE_NONET);
	xmlDoc *b = xmlReadMemory(out, (int)strlen(out), NULL, NULL, XML_PARSE_NONET);
	xmlXPathContext *xa, *xb;
	size_t checked = 0;

	ck_assert_ptr_nonnull(a);
	ck_assert_msg(b != NULL, "%s: hv's XML does not parse:\n%s", name, out);
	xa = xmlXPathNewContext(a);
	xb = xmlXPathNewContext(b);
	for (size_t k = 0; k < sizeof(kept) / sizeof(kept[0]); k++) {
		xmlXPathObject *o = xmlXPathEvalExpression((const xmlChar *)kept[k], xa);

		for (int i = 0; o && o->nodesetval && i < o->nodesetval->nodeNr; i++) {
			xmlNode *n = o->nodesetval->nodeTab[i];
			xmlChar *path = xmlGetNodePath(n);
			xmlXPathObject *p = xmlXPathEvalExpression(path, xb);
			char *want = value_of(n, kept[k]), *got;

			ck_assert_msg(p && p->nodesetval && p->nodesetval->nodeNr >= 1,
				      "%s: %s is not in hv's XML:\n%s", name, (const char *)path, out);
			got = value_of(p->nodesetval->nodeTab[0], kept[k]);
			ck_assert_msg(!strcmp(want, got), "%s: %s is \"%s\" in hv's XML, not \"%s\"",
				      name, (const char *)path, got, want);
			free(want);
			free(got);
			xmlXPathFreeObject(p);
			xmlFree(path);
			checked++;
		}
		xmlXPathFreeObject(o);
	}
	ck_assert_uint_eq(mem_bytes(xa, "memory"), mem_bytes(xb, "memory"));
	if (mem_bytes(xa, "currentMemory"))
		ck_assert_uint_eq(mem_bytes(xa, "currentMemory"), mem_bytes(xb, "currentMemory"));
	ck_assert_uint_gt(checked, 3);
	xmlXPathFreeContext(xa);
	xmlXPathFreeContext(xb);
	xmlFreeDoc(a);
	xmlFreeDoc(b);
}

/* The *.xml files of tests/data/libvirt/@sub, by name: an array of paths
 * ending with NULL, freed with free_list(). */
static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **xml_files(const char *sub, size_t *nr_r)
{
	char *dirpath = data_path(sub), **list = NULL;
	DIR *dir = opendir(dirpath);
	struct dirent *de;
	size_t nr = 0;

	ck_assert_msg(dir != NULL, "cannot open %s", dirpath);
	while ((de = readdir(dir))) {
		size_t n = strlen(de->d_name);

		if (n < 5 || strcmp(de->d_name + n - 4, ".xml"))
			continue;
		list = realloc(list, (nr + 2) * sizeof(*list));
		ck_assert_ptr_nonnull(list);
		ck_assert_int_ge(asprintf(&list[nr++], "%s/%s", dirpath, de->d_name), 0);
	}
	closedir(dir);
	free(dirpath);
	ck_assert_ptr_nonnull(list);
	qsort(list, nr, sizeof(*list), by_name);
	list[nr] = NULL;
	*nr_r = nr;
	return list;
}

static void free_list(char **list)
{
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

/* Every file in valid/ reads to the JSON beside it, and comes back. */
START_TEST(test_valid_corpus)
{
	size_t nr;
	char **files = xml_files("valid", &nr);

	ck_assert_uint_ge(nr, 6);
	for (char **f = files; *f; f++) {
		const char *name = strrchr(*f, '/') + 1;
		char *jpath, *want, *json, *xml, *json2, *xml2, *in;
		hv_domain_config cfg, back;

		ck_assert_int_ge(asprintf(&jpath, "%.*s.json", (int)strlen(*f) - 4, *f), 0);
		log_clear();
		hv_domain_config_init(&cfg);
		ck_assert_msg(hv_domain_config_from_xml_file(ctx, *f, &cfg) == 0,
			      "%s refused:\n%s", name, logbuf);
		ck_assert_msg(hv_config_validate(ctx, &cfg, HV_CONFIG_VALIDATE_CREATE) == 0,
			      "%s: hv would not create it:\n%s", name, logbuf);
		want = slurp(jpath);
		json = to_json(&cfg);
		rtrim(want);
		rtrim(json);
		ck_assert_msg(!strcmp(want, json), "%s: read as\n%s\nnot as %s says:\n%s",
			      name, json, jpath, want);

		/* XML -> hv -> XML -> hv: the same description, the same XML */
		xml = to_xml(&cfg);
		hv_domain_config_init(&back);
		ck_assert_msg(from_xml(&back, xml) == 0, "%s: hv's own XML is refused:\n%s\n%s",
			      name, logbuf, xml);
		json2 = to_json(&back);
		rtrim(json2);
		ck_assert_msg(!strcmp(json, json2), "%s: the round trip changed it:\n%s\n%s",
			      name, json, json2);
		xml2 = to_xml(&back);
		ck_assert_str_eq(xml, xml2);
		in = slurp(*f);
		check_kept(name, in, xml);

		free(in);
		free(xml2);
		free(json2);
		free(xml);
		free(json);
		free(want);
		hv_domain_config_dispose(&back);
		hv_domain_config_dispose(&cfg);
		free(jpath);
	}
	free_list(files);
	/* none of it reached for the network */
	ck_assert_int_eq(net_tries, 0);
}
END_TEST

/* Every file in invalid/ is refused with the message its first line gives. */
START_TEST(test_invalid_corpus)
{
	size_t nr;
	char **files = xml_files("invalid", &nr);

	ck_assert_uint_ge(nr, 50);
	for (char **f = files; *f; f++) {
		const char *name = strrchr(*f, '/') + 1;
		char *text, *want, *end;
		hv_domain_config cfg;
		struct timespec t0, t1;

		text = slurp(*f);
		ck_assert_msg(!strncmp(text, "<!-- refused: ", 14) && (end = strstr(text, " -->")),
			      "%s: the first line must be <!-- refused: MESSAGE -->", *f);
		*end = '\0';
		ck_assert_int_ge(asprintf(&want, "E: %s%s", *f, text + 14), 0);

		log_clear();
		hv_domain_config_init(&cfg);
		ck_assert_int_eq(hv_config_set(ctx, &cfg, "name=kept"), 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ck_assert_msg(hv_domain_config_from_xml_file(ctx, *f, &cfg) == HV_ERROR_CONFIG,
			      "%s was not refused:\n%s", name, logbuf);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ck_assert_msg(strstr(logbuf, want), "%s: log lacks [%s]; log is:\n%s", name,
			      want, logbuf);
		/* refused at once, and nothing was applied */
		ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 2);
		ck_assert_str_eq(cfg.name, "kept");
		ck_assert_ptr_null(strstr(logbuf, "root:"));
		hv_domain_config_dispose(&cfg);
		free(want);
		free(text);
	}
	free_list(files);
	/* the external entities were neither fetched nor read */
	ck_assert_int_eq(net_tries, 0);
	ck_assert_int_eq(passwd_opens, 0);
}
END_TEST

/* --- hostile documents -------------------------------------------------- */

static void quiet(void *opaque, const char *fmt, ...)
{
}

/*
 * The hooks above see what libxml2 does when asked to load external
 * entities: without this, "no file was opened" would prove nothing.
 */
START_TEST(test_hooks_see_external_entities)
{
	char *path = data_path("invalid/xxe-file.xml");
	char *text = slurp(path);
	xmlDoc *d;

	/* libxml2's own complaints (the refused socket) to nowhere */
	xmlSetGenericErrorFunc(NULL, quiet);
	passwd_opens = 0;
	d = xmlReadMemory(text, (int)strlen(text), NULL, NULL,
			  XML_PARSE_NOENT | XML_PARSE_DTDLOAD | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlFreeDoc(d);
	ck_assert_int_gt(passwd_opens, 0);
#ifdef LIBXML_HTTP_ENABLED
	{
		static const char net[] = "<!DOCTYPE d SYSTEM 'http://192.0.2.1/d.dtd'><d/>";

		net_tries = 0;
		d = xmlReadMemory(net, (int)strlen(net), NULL, NULL,
				  XML_PARSE_DTDLOAD | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
		xmlFreeDoc(d);
		ck_assert_int_gt(net_tries, 0);
	}
#endif
	free(text);
	free(path);
}
END_TEST

static const struct {
	const char *text;
	const char *msg;
} bad_docs[] = {
	{ "", "E: guest.xml" },
	{ "   \n\t", "E: guest.xml:2: not well-formed XML: " },
	{ "name = \"xl.cfg\"\n", "E: guest.xml:1: not well-formed XML: Start tag expected" },
	{ "<domain type='kvm'>", "E: guest.xml:1: not well-formed XML: " },
	{ "<domain type='kvm'></domain><domain/>", "E: guest.xml:1: not well-formed XML: Extra content at the end of the document" },
	{ "<domain type='kvm' type='kvm'/>", "E: guest.xml:1: not well-formed XML: Attribute type redefined" },
	{ "<domain type='kvm'><name>a\x01</name></domain>", "E: guest.xml:1: not well-formed XML: " },
	{ "<?xml version='1.0' encoding='UTF-8'?><domain type='kvm'><name>\xff\xfe</name></domain>", "E: guest.xml:1: not well-formed XML: " },
	{ "<!DOCTYPE domain><domain type='kvm'/>", "E: guest.xml:1: <!DOCTYPE>: refused" },
	{ "<!DOCTYPE domain [ <!ENTITY % p SYSTEM 'file:///etc/passwd'> %p; ]><domain/>", "E: guest.xml:1: <!DOCTYPE>: refused" },
	{ "<domain type='kvm' xmlns:xi='http://www.w3.org/2001/XInclude'><xi:include href='file:///etc/passwd' parse='text'/></domain>",
	  "E: guest.xml:1: /domain/include: in namespace http://www.w3.org/2001/XInclude, which is not libvirt's" },
	{ "<domain type='kvm'><name>&#0;</name></domain>", "E: guest.xml:1: not well-formed XML: " },
	{ "<domain type='kvm'><name>&amp;</name><os><type>hvm</type></os></domain>",
	  "E: guest.xml:1: /domain/name: \"&\" is not a usable domain name" },
	{ "<domain type='kvm'><name><b>x</b></name></domain>",
	  "E: guest.xml:1: /domain/name/b: hv expects text in <name>, not elements" },
	{ "<domain type='kvm'><name>  </name></domain>",
	  "E: guest.xml:1: /domain/name: is empty (give its value, or leave the element out)" },
	{ "<domain type='kvm'><name x:y='1' xmlns:x='urn:x'>a</name></domain>",
	  "E: guest.xml:1: /domain/name/@y: in namespace urn:x, which is not libvirt's" },
	{ "<domain><name>a</name></domain>", "E: guest.xml:1: /domain: no type='...' (write <domain type='kvm'>)" },
	{ "<domain xmlns='urn:other' type='kvm'/>", "E: guest.xml:1: /domain: this is not a libvirt domain description" },
};

START_TEST(test_malformed)
{
	hv_domain_config cfg;

	hv_domain_config_init(&cfg);
	for (size_t i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
		log_clear();
		ck_assert_msg(from_xml(&cfg, bad_docs[i].text) == HV_ERROR_CONFIG,
			      "accepted: %s", bad_docs[i].text);
		ck_assert_msg(strstr(logbuf, bad_docs[i].msg), "[%s]: log lacks [%s]; log is:\n%s",
			      bad_docs[i].text, bad_docs[i].msg, logbuf);
	}
	/* a NUL inside the buffer */
	log_clear();
	ck_assert_int_eq(hv_domain_config_from_xml(ctx, NULL, "<domain type='kvm'>\0</domain>",
						   sizeof("<domain type='kvm'>\0</domain>") - 1, &cfg),
			 HV_ERROR_CONFIG);
	ck_log_has("E: domain.xml:1: not well-formed XML: ");
	ck_assert_int_eq(net_tries, 0);
	ck_assert_int_eq(passwd_opens, 0);
	hv_domain_config_dispose(&cfg);
}
END_TEST

/* 10 MiB, refused before it is parsed; 1 MiB of nesting, by libxml2's limit. */
START_TEST(test_huge_and_deep)
{
	size_t big = 10u << 20, deep = HV_XML_MAX_SIZE - 64, i;
	char *s = malloc(big + 1), *path;
	hv_domain_config cfg;
	FILE *f;

	ck_assert_ptr_nonnull(s);
	hv_domain_config_init(&cfg);
	memcpy(s, "<domain type='kvm'><description>", 32);
	memset(s + 32, 'x', big - 32);
	s[big] = '\0';
	ck_assert_int_eq(hv_domain_config_from_xml(ctx, "big.xml", s, big, &cfg), HV_ERROR_CONFIG);
	ck_log_has("E: big.xml: 10485760 bytes, more than the 1024 KiB hv reads of a domain description");

	/* the same as a file is not even read whole */
	ck_assert_int_ge(asprintf(&path, "%s/hv-test-big-%d.xml", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
				  (int)getpid()), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(s, 1, big, f), big);
	fclose(f);
	log_clear();
	ck_assert_int_eq(hv_domain_config_from_xml_file(ctx, path, &cfg), HV_ERROR_CONFIG);
	ck_log_has("larger than 1 MiB; is this really a domain XML file?");
	unlink(path);
	free(path);

	/* elements nested as deep as 1 MiB allows */
	for (i = 0; i + 3 <= deep; i += 3)
		memcpy(s + i, "<a>", 3);
	log_clear();
	ck_assert_int_eq(hv_domain_config_from_xml(ctx, "deep.xml", s, i, &cfg), HV_ERROR_CONFIG);
	ck_log_has("E: deep.xml:1: not well-formed XML: ");

	/* one element with 100000 attributes, and 50000 elements */
	memcpy(s, "<domain type='kvm'", 18);
	for (i = 18; i < 18 + 100000 * 10; i += 10)
		snprintf(s + i, 11, " a%05zu=''", (i - 18) / 10);
	memcpy(s + i, "/>", 3);
	log_clear();
	ck_assert_int_eq(from_xml(&cfg, s), HV_ERROR_CONFIG);
	ck_log_has("E: guest.xml:1: an element with 100001 attributes, more than the 64 hv reads");
	strcpy(s, "<domain type='kvm'><devices>");
	for (i = strlen(s); i < 28 + 50000 * 18; i += 18)
		memcpy(s + i, "<serial type='x'/>", 18);
	log_clear();
	strcpy(s + i, "</devices></domain>");
	ck_assert_int_eq(from_xml(&cfg, s), HV_ERROR_CONFIG);
	ck_assert_ptr_null(cfg.name);

	/* 65 disks */
	strcpy(s, "<domain type='kvm'><name>many</name><os><type>hvm</type></os><devices>\n");
	for (i = 0; i < 65; i++)
		snprintf(s + strlen(s), 128, "<disk><source file='/d%zu'/><target dev='vd%c%c'/></disk>\n",
			 i, (char)('a' + i / 26), (char)('a' + i % 26));
	strcat(s, "</devices></domain>");
	log_clear();
	ck_assert_int_eq(from_xml(&cfg, s), HV_ERROR_CONFIG);
	ck_log_has("E: guest.xml:66: /domain/devices/disk[65]: more than 64 disks (hv gives a domain at most 12)");
	hv_domain_config_dispose(&cfg);
	free(s);
}
END_TEST

/* What counts as an attribute: '=' in tags, not in text, values or comments. */
START_TEST(test_attribute_count)
{
	char attrs[64 * 8 + 1] = "", eqs[1001], *d;
	hv_domain_config cfg;

	hv_domain_config_init(&cfg);
	memset(eqs, '=', 1000);
	eqs[1000] = '\0';
	ck_assert_int_ge(asprintf(&d, "<domain type='kvm'><!-- <a %s> --><?pi %s?><name>eq</name>"
				  "<os><type>hvm</type><kernel>/k=%s</kernel>"
				  "<cmdline><![CDATA[%s<x a=b>]]></cmdline></os><devices>"
				  "<disk><source file='/%s'/><target dev='vda'/></disk></devices></domain>",
				  eqs, eqs, eqs, eqs, eqs), 0);
	ck_assert_msg(from_xml(&cfg, d) == 0, "%s", logbuf);
	ck_assert_uint_eq(strlen(cfg.disks[0]->target), 1001);
	free(d);
	/* 64 attributes reach the reader, which names the first it does not know */
	for (int i = 1; i < 64; i++)
		snprintf(attrs + strlen(attrs), 9, " a%02d='x'", i);
	ck_assert_int_ge(asprintf(&d, "<domain type='kvm'%s/>", attrs), 0);
	log_clear();
	ck_assert_int_eq(from_xml(&cfg, d), HV_ERROR_CONFIG);
	ck_log_has("/domain/@a01: not supported by hv (it reads type, id)");
	free(d);
	ck_assert_int_ge(asprintf(&d, "<domain type='kvm'%s b='='/>", attrs), 0);
	log_clear();
	ck_assert_int_eq(from_xml(&cfg, d), HV_ERROR_CONFIG);
	ck_log_has("E: guest.xml:1: an element with 65 attributes, more than the 64 hv reads");
	free(d);
	hv_domain_config_dispose(&cfg);
}
END_TEST

/* --- units and mapping -------------------------------------------------- */

static const struct {
	const char *unit;
	const char *value;
	uint64_t mib;		/* 0: refused */
} units[] = {
	{ NULL, "131072", 128 }, { "k", "131072", 128 }, { "KiB", "131072", 128 },
	{ "kib", "131072", 128 }, { "b", "134217728", 128 }, { "bytes", "134217728", 128 },
	{ "M", "128", 128 }, { "MiB", "128", 128 }, { "m", "128", 128 },
	{ "G", "2", 2048 }, { "GiB", "2", 2048 }, { "T", "1", 1 << 20 }, { "TiB", "1", 1 << 20 },
	{ "KB", "1048576", 1000 }, { "kB", "1048576", 1000 }, { "MB", "1048576", 1000000 },
	{ "GB", "1", 0 }, { "MB", "1", 0 }, { "KiB", "1", 0 }, { "b", "1048577", 0 },
	{ "MiB", "0", 0 }, { "MiB", "-1", 0 }, { "MiB", "0x80", 0 }, { "MiB", "1.5", 0 },
	{ "PiB", "16385", 0 }, { "EiB", "16", 0 }, { "Mi", "1", 0 }, { "", "1", 0 },
	{ "MiB", "18446744073709551616", 0 },
};

START_TEST(test_memory_units)
{
	hv_domain_config cfg;

	hv_domain_config_init(&cfg);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		char body[128], *d;
		int rc;

		if (units[i].unit)
			snprintf(body, sizeof(body), "<memory unit='%s'>%s</memory>", units[i].unit,
				 units[i].value);
		else
			snprintf(body, sizeof(body), "<memory>%s</memory>", units[i].value);
		d = doc(body);
		log_clear();
		rc = from_xml(&cfg, d);
		if (units[i].mib) {
			ck_assert_msg(rc == 0, "%s refused:\n%s", body, logbuf);
			ck_assert_uint_eq(cfg.memory_mib, units[i].mib);
			ck_assert_uint_eq(cfg.maxmem_mib, 0);
		} else {
			ck_assert_msg(rc == HV_ERROR_CONFIG, "%s accepted", body);
			ck_log_has("/domain/memory");
		}
		free(d);
	}
	hv_domain_config_dispose(&cfg);
}
END_TEST

START_TEST(test_mapping)
{
	hv_domain_config cfg;
	char *d, *xml;

	hv_domain_config_init(&cfg);
	/* memory equal to currentMemory: no balloon; formats by libvirt's names */
	d = doc("<memory unit='MiB'>256</memory><currentMemory unit='MiB'>256</currentMemory>"
		"<vcpu current='3'>3</vcpu><devices>"
		"<disk type='file'><driver type='vpc'/><source file='/a.vhd'/><target dev='xvda'/></disk>"
		"<disk type='file'><driver type='qcow2'/><source file='/b.qcow2'/><target dev='xvdb'/></disk>"
		"<disk device='cdrom'><source file='/c.iso'/><target dev='hdc'/></disk>"
		"</devices>");
	ck_assert_msg(from_xml(&cfg, d) == 0, "%s", logbuf);
	ck_assert_uint_eq(cfg.memory_mib, 256);
	ck_assert_uint_eq(cfg.maxmem_mib, 0);
	ck_assert_uint_eq(cfg.vcpus, 3);
	ck_assert_uint_eq(cfg.maxvcpus, 0);
	ck_assert_int_eq(cfg.type, HV_DOMAIN_PVH);
	ck_assert_uint_eq(cfg.nr_disks, 3);
	ck_assert_int_eq(cfg.disks[0]->format, HV_DISK_FORMAT_VHD);
	ck_assert_int_eq(cfg.disks[1]->format, HV_DISK_FORMAT_QCOW2);
	/* a CD-ROM is read-only without <readonly/> */
	ck_assert_int_eq(cfg.disks[2]->access, HV_DISK_ACCESS_RO);
	ck_assert_int_eq(cfg.disks[2]->devtype, HV_DISK_DEVTYPE_CDROM);
	/* read, but hv does not create qcow2 domains (the same refusal as xl.cfg's) */
	log_clear();
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, HV_CONFIG_VALIDATE_CREATE), HV_ERROR_NOSYS);
	ck_log_has("format vhd: hv supports only raw images");
	xml = to_xml(&cfg);
	ck_assert_ptr_nonnull(strstr(xml, "<driver type='vpc'/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<memory unit='MiB'>256</memory>"));
	ck_assert_ptr_nonnull(strstr(xml, "<currentMemory unit='MiB'>256</currentMemory>"));
	ck_assert_ptr_nonnull(strstr(xml, "<vcpu placement='static'>3</vcpu>"));
	free(xml);
	free(d);

	/* no kernel: an "hvm" domain, which hv would boot from firmware */
	log_clear();
	ck_assert_int_eq(from_xml(&cfg, "<domain type='kvm'><name>fw</name><os><type>hvm</type><boot dev='hd'/></os></domain>"), 0);
	ck_assert_int_eq(cfg.type, HV_DOMAIN_HVM);
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, HV_CONFIG_VALIDATE_CREATE), HV_ERROR_NOSYS);
	ck_log_has("without a kernel boots firmware");
	/* the ignored, at HV_LOG_INFO */
	log_clear();
	d = doc("<title>t</title><devices><emulator>/usr/bin/qemu-kvm</emulator></devices>");
	ck_assert_int_eq(from_xml(&cfg, d), 0);
	ck_log_has("I: guest.xml:4: /domain/devices/emulator: ignored: hv-vmm is the emulator");
	ck_log_has("I: guest.xml:4: /domain/title: ignored: hv keeps no title");
	free(d);
	/* elements given twice, or in the wrong place */
	d = doc("<devices><memballoon model='virtio'/><memballoon model='virtio'/></devices>");
	log_clear();
	ck_assert_int_eq(from_xml(&cfg, d), HV_ERROR_CONFIG);
	ck_log_has("/domain/devices/memballoon[2]: given twice (give <memballoon> once)");
	free(d);
	d = doc("<devices><disk type='file'><source file='/a'/><target dev='vda'/><address type='pci' slot='0x09'/><kernel>x</kernel></disk></devices>");
	log_clear();
	ck_assert_int_eq(from_xml(&cfg, d), HV_ERROR_CONFIG);
	ck_log_has("E: guest.xml:4: /domain/devices/disk/kernel: not supported by hv");
	free(d);
	/* a block device outside /dev keeps the phy hint, to be written as one */
	d = doc("<devices><disk type='block'><source dev='/srv/blk0'/><target dev='vda'/></disk>"
		"<disk type='block'><source dev='/dev/sdc'/><target dev='vdb'/></disk></devices>");
	log_clear();
	ck_assert_msg(from_xml(&cfg, d) == 0, "%s", logbuf);
	ck_assert_str_eq(cfg.disks[0]->backendtype, "phy");
	ck_assert_ptr_null(cfg.disks[1]->backendtype);
	xml = to_xml(&cfg);
	ck_assert_ptr_nonnull(strstr(xml, "<source dev='/srv/blk0'/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<source dev='/dev/sdc'/>"));
	free(xml);
	free(d);
		/* a type='file' disk names a file, a type='block' one a device */
	d = doc("<devices><disk type='block'><source file='/a'/><target dev='vda'/></disk></devices>");
	log_clear();
	ck_assert_int_eq(from_xml(&cfg, d), HV_ERROR_CONFIG);
	ck_log_has("/domain/devices/disk/source/@file: not supported by hv (it reads dev, index)");
	free(d);
	hv_domain_config_dispose(&cfg);
}
END_TEST

/* --- the writer ---------------------------------------------------------- */

static hv_disk_spec *disk(const char *spec)
{
	hv_disk_spec *d = NULL;

	ck_assert_int_eq(hv_disk_spec_parse(ctx, spec, &d), 0);
	return d;
}

static hv_vif_spec *vif(const char *spec, unsigned int devid)
{
	hv_vif_spec *v = NULL;

	ck_assert_int_eq(hv_vif_spec_parse(ctx, spec, &v), 0);
	v->devid = devid;
	return v;
}

START_TEST(test_writer)
{
	hv_domain_config cfg, back;
	char *xml, *j1, *j2;

	hv_domain_config_init(&cfg);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "name=w;memory=300;maxmem=600;vcpus=2;maxvcpus=8"), 0);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "kernel=/boot/it's <a> & \"b\""), 0);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "root=/dev/vda;extra=quiet"), 0);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "cpus=nodes:0"), 0);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "on_crash=coredump-restart;balloon_deflate_on_oom=1"), 0);
	hv_domain_config_add_disk(&cfg, disk("/dev/sdb,raw,xvdb,ro"));
	hv_domain_config_add_disk(&cfg, disk("/img/a.img,raw,xvda,iops=100,iops-burst=200,bps=1M,no-discard,direct-io-safe"));
	hv_domain_config_add_vif(&cfg, vif("bridge=br2,rate=10Mb/s,mac=00:16:3e:00:00:02", 2));
	hv_domain_config_add_vif(&cfg, vif("bridge=br9", HV_VIF_DEVID_AUTO));
	hv_domain_config_add_vif(&cfg, vif("bridge=br0,vifname=tap-w0,mtu=1400,queues=2", 0));
	xml = to_xml(&cfg);
	/* escaped, and the command line as the kernel gets it */
	ck_assert_ptr_nonnull(strstr(xml, "<kernel>/boot/it&apos;s &lt;a&gt; &amp; &quot;b&quot;</kernel>"));
	ck_assert_ptr_nonnull(strstr(xml, "<cmdline>root=/dev/vda quiet</cmdline>"));
	ck_assert_ptr_nonnull(strstr(xml, "<memory unit='MiB'>600</memory>"));
	ck_assert_ptr_nonnull(strstr(xml, "<currentMemory unit='MiB'>300</currentMemory>"));
	ck_assert_ptr_nonnull(strstr(xml, "<vcpu placement='static' current='2'>8</vcpu>"));
	ck_assert_ptr_nonnull(strstr(xml, "<on_crash>coredump-restart</on_crash>"));
	ck_assert_ptr_nonnull(strstr(xml, "<memballoon model='virtio' autodeflate='on' freePageReporting='on'/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<disk type='block' device='disk'>\n      <driver type='raw'/>\n      <source dev='/dev/sdb'/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<driver type='raw' cache='none' discard='ignore'/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<total_iops_sec_max>200</total_iops_sec_max>"));
	ck_assert_ptr_nonnull(strstr(xml, "<total_bytes_sec>1048576</total_bytes_sec>"));
	/* vifs by devid; what libvirt cannot say is left out, with a warning */
	ck_assert_ptr_nonnull(strstr(xml, "tap-w0"));
	ck_assert(strstr(xml, "'br0'") && strstr(xml, "'br0'") < strstr(xml, "'br2'"));
	ck_assert(strstr(xml, "'br2'") && strstr(xml, "'br2'") < strstr(xml, "'br9'"));
	ck_assert_ptr_null(strstr(xml, "cpuset"));
	ck_log_has("W: domain \"w\": vifs[0]: rate \"10Mb/s\" has no libvirt form; left out of the XML");
	ck_log_has("W: domain \"w\": cpus: \"nodes:0\" is not a libvirt CPU set");

	/* read back: the same but for what was left out */
	hv_domain_config_init(&back);
	ck_assert_msg(from_xml(&back, xml) == 0, "%s\n%s", logbuf, xml);
	ck_assert_str_eq(back.kernel, cfg.kernel);
	ck_assert_str_eq(back.cmdline, "root=/dev/vda quiet");
	ck_assert_int_eq(back.on_crash, HV_ACTION_COREDUMP_RESTART);
	ck_assert_int_eq(back.balloon_deflate_on_oom, 1);
	ck_assert_uint_eq(back.nr_vifs, 3);
	ck_assert_str_eq(back.vifs[0]->vifname, "tap-w0");
	ck_assert_ptr_null(back.vifs[1]->rate);
	ck_assert_ptr_null(back.cpus);
	ck_assert_uint_eq(back.disks[1]->iops_burst, 200);
	ck_assert_int_eq(back.disks[1]->discard, 0);
	free(xml);

	/* what cannot be written */
	log_clear();
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "on_poweroff=coredump-destroy"), 0);
	ck_assert_int_eq(hv_domain_config_to_xml(ctx, &cfg, &xml), HV_ERROR_INVAL);
	ck_assert_ptr_null(xml);
	ck_log_has("E: domain \"w\": on_poweroff: libvirt has no coredump-destroy for on_poweroff");
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "on_poweroff=destroy"), 0);
	free(cfg.extra);
	cfg.extra = strdup("a\001b");
	log_clear();
	ck_assert_int_eq(hv_domain_config_to_xml(ctx, &cfg, &xml), HV_ERROR_INVAL);
	ck_log_has("E: domain \"w\": cmdline: holds a character that XML cannot carry");
	free(cfg.extra);
	cfg.extra = strdup("\xc3\x28");
	log_clear();
	ck_assert_int_eq(hv_domain_config_to_xml(ctx, &cfg, &xml), HV_ERROR_INVAL);
	ck_log_has("is not valid UTF-8 text");
	free(cfg.extra);
	cfg.extra = NULL;
	free(cfg.name);
	cfg.name = NULL;
	log_clear();
	ck_assert_int_eq(hv_domain_config_to_xml(ctx, &cfg, &xml), HV_ERROR_INVAL);
	ck_log_has("E: domain config: name: not set; a libvirt domain has one");

	/* a description from xl.cfg, written and read: the same JSON */
	hv_domain_config_dispose(&back);
	hv_domain_config_init(&back);
	ck_assert_int_eq(hv_config_set(ctx, &back, "name=x;kernel=/k;memory=64;cpus=all"), 0);
	xml = to_xml(&back);
	j1 = to_json(&back);
	ck_assert_int_eq(from_xml(&back, xml), 0);
	free(back.cpus);
	back.cpus = strdup("all");
	j2 = to_json(&back);
	ck_assert_str_eq(j1, j2);
	free(j1);
	free(j2);
	free(xml);
	hv_domain_config_dispose(&back);
	hv_domain_config_dispose(&cfg);
}
END_TEST

START_TEST(test_unchanged_and_errors)
{
	hv_domain_config cfg;
	char *d, *xml = NULL;

	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(from_xml(&cfg, "<domain/>"), HV_ERROR_INVAL);
	ck_assert_int_eq(hv_domain_config_from_xml_file(ctx, "/x.xml", &cfg), HV_ERROR_INVAL);
	ck_assert_int_eq(hv_domain_config_to_xml(ctx, &cfg, &xml), HV_ERROR_INVAL);
	ck_log_has("call hv_domain_config_init() first");

	/* a refused document leaves the configuration as it was */
	hv_domain_config_init(&cfg);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "name=old;memory=512;disk=['/a,raw,xvda']"), 0);
	d = doc("<memory unit='MiB'>64</memory><devices><disk type='file'><source file='/b'/>"
		"<target dev='vda'/></disk><sound model='ac97'/></devices>");
	log_clear();
	ck_assert_int_eq(from_xml(&cfg, d), HV_ERROR_CONFIG);
	ck_log_has("E: guest.xml:4: /domain/devices/sound: hv has no sound devices");
	ck_assert_str_eq(cfg.name, "old");
	ck_assert_uint_eq(cfg.memory_mib, 512);
	ck_assert_uint_eq(cfg.nr_disks, 1);
	ck_assert_str_eq(cfg.disks[0]->target, "/a");
	free(d);
	/* an accepted one replaces it whole */
	ck_assert_int_eq(from_xml(&cfg, "<domain type='kvm'><name>new</name><os><type>hvm</type></os></domain>"), 0);
	ck_assert_str_eq(cfg.name, "new");
	ck_assert_uint_eq(cfg.memory_mib, HV_DOMAIN_DEFAULT_MEMORY_MIB);
	ck_assert_uint_eq(cfg.nr_disks, 0);

	log_clear();
	ck_assert_int_eq(hv_domain_config_from_xml_file(ctx, "/nonexistent/guest.xml", &cfg), HV_ERROR_IO);
	ck_log_has("E: /nonexistent/guest.xml: cannot open the domain XML file: No such file or directory");
	hv_domain_config_dispose(&cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("domxml");
	TCase *tc = tcase_create("domxml");

	tcase_add_checked_fixture(tc, setup, log_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_valid_corpus);
	tcase_add_test(tc, test_invalid_corpus);
	tcase_add_test(tc, test_hooks_see_external_entities);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_huge_and_deep);
	tcase_add_test(tc, test_attribute_count);
	tcase_add_test(tc, test_memory_units);
	tcase_add_test(tc, test_mapping);
	tcase_add_test(tc, test_writer);
	tcase_add_test(tc, test_unchanged_and_errors);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
