/* Unit tests for the libhv domain configuration: xl.cfg, JSON, validation. */
#include <check.h>
#include "check-main.h"
#include "check-log.h"
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/config.h>

static char *data_path(const char *rel)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/tests/data/config/%s", test_srcdir(), rel), 0);
	return p;
}

static int parse_text(hv_domain_config *cfg, const char *text)
{
	return hv_config_parse_xl_buffer(ctx, "guest.cfg", text, strlen(text), cfg);
}

static char *to_json(const hv_domain_config *cfg)
{
	char *json = NULL;

	ck_assert_int_eq(hv_config_to_json(ctx, cfg, &json), 0);
	ck_assert_ptr_nonnull(json);
	return json;
}

START_TEST(test_defaults)
{
	hv_domain_config cfg;

	hv_domain_config_init(&cfg);
	ck_assert_uint_eq(cfg.struct_size, sizeof(cfg));
	ck_assert_ptr_null(cfg.name);
	ck_assert_int_eq(cfg.has_uuid, 0);
	ck_assert_int_eq(cfg.type, HV_DOMAIN_PVH);
	ck_assert_uint_eq(cfg.memory_mib, HV_DOMAIN_DEFAULT_MEMORY_MIB);
	ck_assert_uint_eq(cfg.maxmem_mib, 0);
	ck_assert_uint_eq(cfg.vcpus, 1);
	ck_assert_uint_eq(cfg.maxvcpus, 0);
	ck_assert_int_eq(cfg.on_poweroff, HV_ACTION_DESTROY);
	ck_assert_int_eq(cfg.on_reboot, HV_ACTION_RESTART);
	ck_assert_int_eq(cfg.on_crash, HV_ACTION_DESTROY);
	ck_assert_uint_eq(cfg.nr_disks, 0);
	ck_assert_uint_eq(cfg.nr_vifs, 0);
	hv_domain_config_dispose(&cfg);
	hv_domain_config_dispose(NULL);
}
END_TEST

START_TEST(test_parse_web1)
{
	static const uint8_t uuid[16] = {
		0x4f, 0x1c, 0x2d, 0x9e, 0x7b, 0x1a, 0x4c, 0x3e,
		0x9a, 0x52, 0x0d, 0x6e, 0x8f, 0x3b, 0x2a, 0x10,
	};
	static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x74, 0x3d, 0x76 };
	char *path = data_path("valid/web1.cfg"), *cmdline, *want;
	hv_domain_config cfg;
	hv_disk_spec *d;
	hv_vif_spec *v;

	hv_domain_config_init(&cfg);
	ck_assert_int_eq(hv_config_parse_xl_file(ctx, path, &cfg), 0);
	ck_assert_str_eq(cfg.name, "web1");
	ck_assert_int_eq(cfg.has_uuid, 1);
	ck_assert_mem_eq(cfg.uuid, uuid, 16);
	ck_assert_int_eq(cfg.type, HV_DOMAIN_PVH);
	ck_assert_uint_eq(cfg.memory_mib, 1024);
	ck_assert_uint_eq(cfg.maxmem_mib, 2048);
	ck_assert_uint_eq(cfg.vcpus, 2);
	ck_assert_uint_eq(cfg.maxvcpus, 4);
	ck_assert_str_eq(cfg.cpus, "0-3,^1");
	ck_assert_str_eq(cfg.kernel, "/var/lib/hv/images/vmlinuz-6.6");
	ck_assert_str_eq(cfg.ramdisk, "/var/lib/hv/images/initrd-6.6.img");
	ck_assert_ptr_null(cfg.cmdline);
	ck_assert_str_eq(cfg.root, "/dev/xvda1 ro");
	ck_assert_str_eq(cfg.extra, "console=hvc0 quiet");
	ck_assert_int_eq(cfg.on_poweroff, HV_ACTION_DESTROY);
	ck_assert_int_eq(cfg.on_reboot, HV_ACTION_RESTART);
	ck_assert_int_eq(cfg.on_crash, HV_ACTION_PRESERVE);

	ck_assert_uint_eq(cfg.nr_disks, 3);
	d = cfg.disks[0];
	ck_assert_str_eq(d->target, "/var/lib/hv/images/web1.qcow2");
	ck_assert_int_eq(d->format, HV_DISK_FORMAT_QCOW2);
	ck_assert_str_eq(d->vdev, "xvda");
	ck_assert_int_eq(d->access, HV_DISK_ACCESS_RW);
	ck_assert_int_eq(d->devtype, HV_DISK_DEVTYPE_DISK);
	d = cfg.disks[1];
	ck_assert_str_eq(d->target, "/srv/data,with,commas.img");
	ck_assert_int_eq(d->format, HV_DISK_FORMAT_RAW);
	ck_assert_str_eq(d->vdev, "xvdb");
	ck_assert_int_eq(d->access, HV_DISK_ACCESS_RO);
	d = cfg.disks[2];
	ck_assert_str_eq(d->target, "/srv/iso/install.iso");
	ck_assert_int_eq(d->format, HV_DISK_FORMAT_RAW);
	ck_assert_str_eq(d->vdev, "hdc");
	ck_assert_int_eq(d->devtype, HV_DISK_DEVTYPE_CDROM);
	ck_assert_int_eq(d->access, HV_DISK_ACCESS_RO);

	ck_assert_uint_eq(cfg.nr_vifs, 3);
	v = cfg.vifs[0];
	ck_assert_int_eq(v->has_mac, 1);
	ck_assert_mem_eq(v->mac, mac, 6);
	ck_assert_str_eq(v->bridge, "br0");
	ck_assert_str_eq(v->model, "virtio-net");
	v = cfg.vifs[1];
	ck_assert_int_eq(v->has_mac, 0);
	ck_assert_str_eq(v->bridge, "br1");
	ck_assert_str_eq(v->rate, "10Mb/s@20ms");
	ck_assert_uint_eq(v->mtu, 9000);
	v = cfg.vifs[2];
	ck_assert_ptr_null(v->bridge);

	/* Unknown keys warn with file, line and key. */
	ck_assert_int_ge(asprintf(&want, "W: %s:38: vnc: not used by hv; ignored", path), 0);
	ck_log_has(want);
	ck_assert_ptr_null(strstr(logbuf, "E: "));

	ck_assert_int_eq(hv_config_validate(ctx, &cfg, 0), 0);
	ck_assert_int_eq(hv_domain_config_kernel_cmdline(ctx, &cfg, &cmdline), 0);
	ck_assert_str_eq(cmdline, "root=/dev/xvda1 ro console=hvc0 quiet");
	free(cmdline);
	free(want);
	free(path);
	hv_domain_config_dispose(&cfg);
}
END_TEST

START_TEST(test_parse_legacy_hvm)
{
	char *path = data_path("valid/hvm-legacy.cfg");
	hv_domain_config cfg;

	hv_domain_config_init(&cfg);
	ck_assert_int_eq(hv_config_parse_xl_file(ctx, path, &cfg), 0);
	ck_assert_str_eq(cfg.name, "legacy-hvm");
	ck_assert_int_eq(cfg.type, HV_DOMAIN_HVM);
	ck_assert_uint_eq(cfg.memory_mib, 512);
	ck_assert_int_eq(cfg.on_crash, HV_ACTION_COREDUMP_RESTART);
	ck_assert_str_eq(cfg.cmdline, "console=ttyS0");
	ck_assert_uint_eq(cfg.nr_disks, 2);
	ck_assert_str_eq(cfg.disks[0]->target, "/dev/vg0/legacy");
	ck_assert_str_eq(cfg.disks[0]->vdev, "hda");
	ck_assert_str_eq(cfg.disks[0]->backendtype, "phy");
	ck_assert_int_eq(cfg.disks[0]->access, HV_DISK_ACCESS_RW);
	ck_assert_str_eq(cfg.disks[1]->target, "/srv/iso/boot.iso");
	ck_assert_str_eq(cfg.disks[1]->vdev, "hdc");
	ck_assert_int_eq(cfg.disks[1]->devtype, HV_DISK_DEVTYPE_CDROM);
	ck_assert_int_eq(cfg.disks[1]->access, HV_DISK_ACCESS_RO);
	ck_assert_uint_eq(cfg.nr_vifs, 1);
	/* An HVM guest may boot its firmware without a kernel. */
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, 0), 0);
	free(path);
	hv_domain_config_dispose(&cfg);
}
END_TEST

START_TEST(test_parse_crlf)
{
	char *path = data_path("valid/crlf.cfg");
	hv_domain_config cfg;

	hv_domain_config_init(&cfg);
	ck_assert_int_eq(hv_config_parse_xl_file(ctx, path, &cfg), 0);
	ck_assert_str_eq(cfg.name, "crlf");
	ck_assert_str_eq(cfg.kernel, "/boot/vmlinuz");
	ck_assert_uint_eq(cfg.memory_mib, 256);
	free(path);
	hv_domain_config_dispose(&cfg);
}
END_TEST

START_TEST(test_strings_and_numbers)
{
	hv_domain_config cfg;

	hv_domain_config_init(&cfg);
	ck_assert_int_eq(parse_text(&cfg,
		"extra = \"a\\tb\\\"c\\\\d\\x41\\101\\n\"  # comment\n"
		"cmdline = 'single \\x42 \"quoted\"'\n"
		"root='x';kernel=\"/k\"\n"
		"ramdisk = \"/caf\xc3\xa9\"\n"
		"memory = 0x200\n"
		"vcpus = \"3\"\n"
		"\n\n   # only a comment\n"
		"maxvcpus = 8"), 0);
	ck_assert_str_eq(cfg.extra, "a\tb\"c\\dAA\n");
	ck_assert_str_eq(cfg.cmdline, "single B \"quoted\"");
	ck_assert_str_eq(cfg.root, "x");
	ck_assert_str_eq(cfg.kernel, "/k");
	ck_assert_str_eq(cfg.ramdisk, "/caf\xc3\xa9");
	ck_assert_uint_eq(cfg.memory_mib, 512);
	ck_assert_uint_eq(cfg.vcpus, 3);
	ck_assert_uint_eq(cfg.maxvcpus, 8);
	/* as in Xen, \' and \" are quotes in strings of either kind */
	ck_assert_int_eq(parse_text(&cfg, "extra = 'it\\'s \\\"x\\\"'\n"
				    "cmdline = \"a \\'b\\' \\\"c\\\"\"\n"), 0);
	ck_assert_str_eq(cfg.extra, "it's \"x\"");
	ck_assert_str_eq(cfg.cmdline, "a 'b' \"c\"");
	/* a dotted key (Xen's xl.conf has them) is a key hv does not know */
	log_clear();
	ck_assert_int_eq(parse_text(&cfg, "vif.default.bridge = \"br0\"\n"), 0);
	ck_log_has("W: guest.cfg:1: vif.default.bridge: not used by hv; ignored");
	hv_domain_config_dispose(&cfg);
}
END_TEST

/* hv_config_read_settings(): every setting handed over, none applied */
struct got_settings {
	char text[1024];
	int stop_at;		/* the callback returns 42 at this setting (from 1) */
	int n;
};

static int got_setting(void *opaque, const hv_config_setting *s)
{
	struct got_settings *g = opaque;
	size_t len = strlen(g->text);

	snprintf(g->text + len, sizeof(g->text) - len, "%d:%s%s", s->line, s->key,
		 s->append ? "+=" : "=");
	if (s->value) {
		len = strlen(g->text);
		snprintf(g->text + len, sizeof(g->text) - len, "%s%s;", s->quoted ? "s:" : "n:",
			 s->value);
		ck_assert_ptr_null(s->items);
		ck_assert_uint_eq(s->nr_items, 0);
	} else {
		for (size_t i = 0; i < s->nr_items; i++) {
			len = strlen(g->text);
			snprintf(g->text + len, sizeof(g->text) - len, "[%s]", s->items[i]);
		}
		len = strlen(g->text);
		snprintf(g->text + len, sizeof(g->text) - len, ";");
	}
	return ++g->n == g->stop_at ? 42 : 0;
}

START_TEST(test_read_settings)
{
	static const char text[] =
		"# xl.conf\n"
		"vif.default.bridge = \"br0\"\n"
		"autoballoon='off' ; claim_mode = 1\n"
		"memory = 12x\n"		/* no meaning here: handed over as written */
		"things = [ 'a',\n  \"b\", 3, ]\n"
		"none = []\n"
		"extra += \"it\\'s\"\n";
	static const char bad1[] = "a = 1\nb = \"x\nc = 2\n";
	static const char bad2[] = "a = 1\nb = [ [ 1 ] ]\n";
	struct got_settings g = { .text = "" };

	log_clear();
	ck_assert_int_eq(hv_config_read_settings(ctx, "xl.conf", text, strlen(text),
						 got_setting, &g), 0);
	ck_assert_str_eq(g.text, "2:vif.default.bridge=s:br0;3:autoballoon=s:off;"
			 "3:claim_mode=n:1;4:memory=n:12x;5:things=[a][b][3];7:none=;"
			 "8:extra+=s:it's;");
	ck_assert_str_eq(logbuf, "");

	/* the callback stops the reading with what it returns */
	memset(&g, 0, sizeof(g));
	g.stop_at = 2;
	ck_assert_int_eq(hv_config_read_settings(ctx, NULL, text, strlen(text), got_setting,
						 &g), 42);
	ck_assert_int_eq(g.n, 2);

	/* a syntax error anywhere: nothing handed over */
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(hv_config_read_settings(ctx, "xl.conf", bad1, strlen(bad1),
						 got_setting, &g), HV_ERROR_CONFIG);
	ck_log_has("E: xl.conf:2: string not closed");
	ck_assert_int_eq(g.n, 0);
	ck_assert_int_eq(hv_config_read_settings(ctx, NULL, bad2, strlen(bad2),
						 got_setting, &g), HV_ERROR_CONFIG);
	ck_log_has("E: config:2: b: item 1 is a list; each item is a \"string\" or a number");
	ck_assert_int_eq(g.n, 0);
	ck_assert_int_eq(hv_config_read_settings(ctx, NULL, "a = 1\n", 6, NULL, NULL),
			 HV_ERROR_INVAL);
}
END_TEST

START_TEST(test_later_wins_and_append)
{
	hv_domain_config cfg;

	hv_domain_config_init(&cfg);
	ck_assert_int_eq(parse_text(&cfg,
		"memory = 256\n"
		"memory = 768\n"
		"disk = [ '/a,raw,xvda' ]\n"
		"disk = [ '/b,raw,xvdb' ]\n"
		"disk += [ '/c,raw,xvdc', ]\n"
		"vif += [ 'bridge=br0' ]\n"
		"extra += \"quiet\"\n"
		"disk += '/d,raw,xvdd'\n"), 0);
	ck_assert_uint_eq(cfg.memory_mib, 768);
	ck_assert_uint_eq(cfg.nr_disks, 3);
	ck_assert_str_eq(cfg.disks[0]->target, "/b");
	ck_assert_str_eq(cfg.disks[1]->target, "/c");
	ck_assert_str_eq(cfg.disks[2]->target, "/d");
	ck_assert_uint_eq(cfg.nr_vifs, 1);
	ck_assert_str_eq(cfg.extra, "quiet");
	/* A second file applies on top of the first. */
	ck_assert_int_eq(parse_text(&cfg, "disk += [ '/e,raw,xvde' ]\nmemory = 1024\n"), 0);
	ck_assert_uint_eq(cfg.nr_disks, 4);
	ck_assert_uint_eq(cfg.memory_mib, 1024);
	hv_domain_config_dispose(&cfg);
}
END_TEST

START_TEST(test_builder_and_type)
{
	hv_domain_config cfg;

	hv_domain_config_init(&cfg);
	ck_assert_int_eq(parse_text(&cfg, "builder = 'hvm'\n"), 0);
	ck_assert_int_eq(cfg.type, HV_DOMAIN_HVM);
	ck_assert_int_eq(parse_text(&cfg, "type = 'pvh'\nbuilder = 'hvm'\n"), 0);
	ck_assert_int_eq(cfg.type, HV_DOMAIN_PVH);
	ck_log_has("W: guest.cfg:2: builder: ignored because type is set");
	log_clear();
	ck_assert_int_eq(parse_text(&cfg, "builder = \"generic\"\n"), HV_ERROR_CONFIG);
	ck_log_has("E: guest.cfg:1: builder: \"generic\" asks for a PV guest, which hv does not have: write type = \"pvh\"");
	log_clear();
	ck_assert_int_eq(parse_text(&cfg, "type = \"xen\"\n"), HV_ERROR_CONFIG);
	ck_log_has("E: guest.cfg:1: type: \"xen\" is not a guest type (write type = \"pvh\" or \"hvm\")");
	hv_domain_config_dispose(&cfg);
}
END_TEST

/* Every file in invalid/ names, on its first line, the message it gives. */
START_TEST(test_invalid_files)
{
	char *dirpath = data_path("invalid");
	DIR *dir = opendir(dirpath);
	struct dirent *de;
	int count = 0;

	ck_assert_msg(dir != NULL, "cannot open %s", dirpath);
	while ((de = readdir(dir))) {
		char *path, expect[512], *nl;
		hv_domain_config cfg;
		FILE *f;
		size_t n = strlen(de->d_name);

		if (n < 5 || strcmp(de->d_name + n - 4, ".cfg"))
			continue;
		ck_assert_int_ge(asprintf(&path, "%s/%s", dirpath, de->d_name), 0);
		f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		ck_assert_ptr_nonnull(fgets(expect, sizeof(expect), f));
		fclose(f);
		ck_assert_msg(!strncmp(expect, "# expect: ", 10),
			      "%s: first line must be '# expect: MESSAGE'", path);
		nl = strchr(expect, '\n');
		if (nl)
			*nl = '\0';

		log_clear();
		hv_domain_config_init(&cfg);
		ck_assert_msg(hv_config_parse_xl_file(ctx, path, &cfg) == HV_ERROR_CONFIG,
			      "%s parsed", path);
		/* The message starts with the path, then line and key. */
		ck_assert_msg(strstr(logbuf, dirpath) && strstr(logbuf, expect + 10),
			      "%s: log lacks [%s]; log is:\n%s", de->d_name,
			      expect + 10, logbuf);
		/* Nothing was applied. */
		ck_assert_ptr_null(cfg.name);
		ck_assert_uint_eq(cfg.nr_disks, 0);
		hv_domain_config_dispose(&cfg);
		free(path);
		count++;
	}
	closedir(dir);
	free(dirpath);
	ck_assert_int_ge(count, 20);
}
END_TEST

static const struct {
	const char *text;
	const char *msg;
} bad_texts[] = {
	{ "memory = 512M\n", "guest.cfg:1: memory: \"512M\" has a unit, but memory is a plain number of MiB (write memory = 512)" },
	{ "maxmem = 1.5\n", "guest.cfg:1: maxmem: \"1.5\" is not a number of MiB (try maxmem = 512)" },
	{ "memory = 99999999999999999999\n", "guest.cfg:1: memory: 99999999999999999999 is too large" },
	{ "vcpus = \"two\"\n", "guest.cfg:1: vcpus: \"two\" is not a whole number (try vcpus = 2)" },
	{ "vcpus = 4294967296\n", "guest.cfg:1: vcpus: 4294967296 is too large (at most 4294967295)" },
	{ "\n\nname = \"a\" ; = 3\n", "guest.cfg:3: expected a KEY = VALUE setting, found \"=\"" },
	{ "name =\n", "guest.cfg:1: name: expected a value (a \"string\", a number or a [ list ]), found the end of the line" },
	{ "name = ", "guest.cfg:1: name: expected a value (a \"string\", a number or a [ list ]), found the end of the file" },
	{ "disk = [ [ 'x' ] ]\n", "guest.cfg:1: disk: entry 1 is a list; each entry is one \"string\"" },
	{ "disk = [ , ]\n", "guest.cfg:1: disk: expected a value" },
	{ "disk = [ 'a,raw,xvda' 'b,raw,xvdb' ]\n", "guest.cfg:1: disk: expected ',' or ']' in the list, found the string \"b,raw,xvdb\"" },
	{ "x = [[[[[[[[[[1]]]]]]]]]]\n", "guest.cfg:1: x: lists nested more than 8 deep" },
	{ "name = \"a\\\"\n", "guest.cfg:1: string not closed" },
	{ "name = 'a\\'\n", "guest.cfg:1: string not closed: add the closing ' on the same line" },
	{ "name = \"a\\\n", "guest.cfg:1: backslash at the end of a string" },
	{ "name = \"\\x4\"\n", "guest.cfg:1: \\x in a string needs two hex digits" },
	{ "name = \"\\0\"\n", "guest.cfg:1: a NUL byte is not allowed in a string" },
	{ "name = \"\\777\"\n", "guest.cfg:1: octal escape in a string is above \\377" },
	{ "name = \"\xff\xfe\"\n", "guest.cfg:1: string is not valid UTF-8 text" },
	{ "name = @\n", "guest.cfg:1: unexpected '@'" },
	{ "name = \"a\"\x01\n", "guest.cfg:1: unexpected byte 0x01" },
	{ "cpus = [ \"0\", \"1\" ]\n", "guest.cfg:1: cpus: per-vCPU lists are not supported" },
	{ "cpus = \"3-1\"\n", "guest.cfg:1: cpus: \"3-1\" is not a CPU list: range \"3-1\" runs backwards (write it low-high, e.g. \"1-3\")" },
	{ "on_reboot += \"restart\"\n", "guest.cfg:1: on_reboot: += only adds to strings and lists" },
	{ "uuid = \"4f1c2d9e-7b1a-4c3e-9a52-0d6e8f3b2a1\"\n", "guest.cfg:1: uuid: \"4f1c2d9e-7b1a-4c3e-9a52-0d6e8f3b2a1\" is not a UUID" },
	{ "name = \"-x\"\n", "guest.cfg:1: name: \"-x\" is not a usable domain name" },
	{ "name = \"Domain-0\"\n", "guest.cfg:1: name: \"Domain-0\" is what xl calls the host (domain 0)" },
	{ "disk = [ 'target=' ]\n", "guest.cfg:1: disk: \"target=\": no vdev" },
	{ "disk = [ ',raw,xvda' ]\n", "guest.cfg:1: disk: \",raw,xvda\": no target" },
	{ "disk = [ '/a,raw,xvda,rw,extra' ]\n", "guest.cfg:1: disk: \"/a,raw,xvda,rw,extra\": \"extra\" is one positional parameter too many" },
	{ "disk = [ '/a,raw,xvda,vdev=xvdb' ]\n", "disk: \"/a,raw,xvda,vdev=xvdb\": vdev is given twice" },
	{ "disk = [ '/a,vmdk,xvda' ]\n", "disk: \"/a,vmdk,xvda\": format \"vmdk\" is not raw, qcow, qcow2, vhd or qed" },
	{ "disk = [ '/a,raw,vd1' ]\n", "disk: \"/a,raw,vd1\": vdev \"vd1\" is not a virtual disk name" },
	{ "disk = [ '/a,raw,xvda,colo=1' ]\n", "disk: \"/a,raw,xvda,colo=1\": unknown parameter \"colo\"" },
	{ "disk = [ '/a,raw,xvda,backend=dom1' ]\n", "backend=dom1: hv has no driver domains" },
	{ "disk = [ 'foo:/a,xvda' ]\n", "disk: \"foo:/a,xvda\": unknown prefix \"foo:\"" },
	{ "disk = [ 'tap:bar:,xvda' ]\n", "unknown prefix \"bar:\"" },
	{ "disk = [ ',hdc:disk,r' ]\n", "disk: \",hdc:disk,r\": no target" },
	{ "disk = [ '/a.iso,raw,hdc,rw,devtype=cdrom' ]\n", "a CD-ROM is read-only" },
	{ "disk = [ '/a,raw,xvda,devtype=floppy' ]\n", "devtype \"floppy\" is not disk or cdrom" },
	{ "vif = [ 'bridge' ]\n", "guest.cfg:1: vif: \"bridge\": \"bridge\" is not KEY=VALUE (e.g. bridge=br0)" },
	{ "vif = [ 'brige=br0' ]\n", "guest.cfg:1: vif: \"brige=br0\": unknown parameter \"brige\"" },
	{ "vif = [ 'rate=fast' ]\n", "vif: \"rate=fast\": rate \"fast\" is not a rate (a number with K, M or G" },
	{ "vif = [ 'mtu=9' ]\n", "vif: \"mtu=9\": mtu \"9\" is not a number from 68 to 65535" },
	{ "vif = [ 'vifname=a/b' ]\n", "vifname \"a/b\" is not a host interface name" },
};

START_TEST(test_invalid_texts)
{
	hv_domain_config cfg;

	hv_domain_config_init(&cfg);
	for (size_t i = 0; i < sizeof(bad_texts) / sizeof(bad_texts[0]); i++) {
		log_clear();
		ck_assert_msg(parse_text(&cfg, bad_texts[i].text) == HV_ERROR_CONFIG,
			      "parsed: %s", bad_texts[i].text);
		ck_assert_msg(strstr(logbuf, bad_texts[i].msg),
			      "text [%s]: log lacks [%s]; log is:\n%s",
			      bad_texts[i].text, bad_texts[i].msg, logbuf);
	}
	hv_domain_config_dispose(&cfg);
}
END_TEST

START_TEST(test_unchanged_on_error)
{
	hv_domain_config cfg;
	char *before, *after;

	hv_domain_config_init(&cfg);
	ck_assert_int_eq(parse_text(&cfg, "name = 'keep'\nmemory = 300\ndisk = ['/a,raw,xvda']\n"), 0);
	before = to_json(&cfg);
	/* The error is on the last line: the earlier ones must not stick. */
	ck_assert_int_eq(parse_text(&cfg, "name = 'lost'\ndisk = []\nmemory = 1x\n"),
			 HV_ERROR_CONFIG);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "name=lost; vcpus=x"), HV_ERROR_CONFIG);
	after = to_json(&cfg);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	hv_domain_config_dispose(&cfg);
}
END_TEST

START_TEST(test_overrides)
{
	hv_domain_config cfg;

	hv_domain_config_init(&cfg);
	ck_assert_int_eq(parse_text(&cfg, "name = 'g'\nkernel = '/k'\nextra = 'a'\n"), 0);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "memory=2048"), 0);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "kernel=/boot/vmlinuz-6.6"), 0);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "extra=console=hvc0 root=/dev/vda"), 0);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "vcpus = 4 ; cpus=\"0-3\"; on_crash=preserve"), 0);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "disk=['/img,qcow2,xvda']"), 0);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "disk+=['/img2,raw,xvdb']"), 0);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "name='quoted name'") , HV_ERROR_CONFIG);
	ck_log_has("E: command line: name: \"quoted name\" is not a usable domain name");
	ck_assert_uint_eq(cfg.memory_mib, 2048);
	ck_assert_str_eq(cfg.kernel, "/boot/vmlinuz-6.6");
	ck_assert_str_eq(cfg.extra, "console=hvc0 root=/dev/vda");
	ck_assert_uint_eq(cfg.vcpus, 4);
	ck_assert_str_eq(cfg.cpus, "0-3");
	ck_assert_int_eq(cfg.on_crash, HV_ACTION_PRESERVE);
	ck_assert_uint_eq(cfg.nr_disks, 2);
	ck_assert_str_eq(cfg.name, "g");

	log_clear();
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "memory=12x"), HV_ERROR_CONFIG);
	ck_log_has("E: command line: memory: \"12x\" is not a number of MiB (try memory = 512)");
	log_clear();
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "memory"), HV_ERROR_CONFIG);
	ck_log_has("E: command line: memory: expected '=' after the key, found the end of the text");
	log_clear();
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "disk=[/img]"), HV_ERROR_CONFIG);
	ck_log_has("E: command line: unexpected '/'");
	log_clear();
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "bootloader=pygrub"), 0);
	ck_log_has("W: command line: bootloader: not used by hv; ignored");
	hv_domain_config_dispose(&cfg);
}
END_TEST

static const struct {
	const char *spec;
	const char *target, *vdev, *backendtype;
	enum hv_disk_format format;
	enum hv_disk_access access;
	enum hv_disk_devtype devtype;
	int discard, direct_io_safe;
} disk_specs[] = {
	{ "/dev/vg/guest-volume,,hda", "/dev/vg/guest-volume", "hda", NULL,
	  HV_DISK_FORMAT_RAW, HV_DISK_ACCESS_RW, HV_DISK_DEVTYPE_DISK, -1, 0 },
	{ "/dev/vg/guest-volume,raw,hda,rw", "/dev/vg/guest-volume", "hda", NULL,
	  HV_DISK_FORMAT_RAW, HV_DISK_ACCESS_RW, HV_DISK_DEVTYPE_DISK, -1, 0 },
	{ "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
	  "/dev/vg/guest-volume", "hda", NULL,
	  HV_DISK_FORMAT_RAW, HV_DISK_ACCESS_RW, HV_DISK_DEVTYPE_DISK, -1, 0 },
	{ "raw:/dev/vg/guest-volume,hda,w", "/dev/vg/guest-volume", "hda", NULL,
	  HV_DISK_FORMAT_RAW, HV_DISK_ACCESS_RW, HV_DISK_DEVTYPE_DISK, -1, 0 },
	{ "/root/image.iso,,hdc,cdrom", "/root/image.iso", "hdc", NULL,
	  HV_DISK_FORMAT_RAW, HV_DISK_ACCESS_RO, HV_DISK_DEVTYPE_CDROM, -1, 0 },
	{ "/root/image.iso,,hdc,,cdrom", "/root/image.iso", "hdc", NULL,
	  HV_DISK_FORMAT_RAW, HV_DISK_ACCESS_RO, HV_DISK_DEVTYPE_CDROM, -1, 0 },
	{ "/root/image.iso,raw,hdc,devtype=cdrom", "/root/image.iso", "hdc", NULL,
	  HV_DISK_FORMAT_RAW, HV_DISK_ACCESS_RO, HV_DISK_DEVTYPE_CDROM, -1, 0 },
	{ "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
	  "/root/image.iso", "hdc", NULL,
	  HV_DISK_FORMAT_RAW, HV_DISK_ACCESS_RO, HV_DISK_DEVTYPE_CDROM, -1, 0 },
	{ "raw:/root/image.iso,hdc:cdrom,ro", "/root/image.iso", "hdc", NULL,
	  HV_DISK_FORMAT_RAW, HV_DISK_ACCESS_RO, HV_DISK_DEVTYPE_CDROM, -1, 0 },
	{ ",,hdc,cdrom", NULL, "hdc", NULL,
	  HV_DISK_FORMAT_RAW, HV_DISK_ACCESS_RO, HV_DISK_DEVTYPE_CDROM, -1, 0 },
	{ ",hdc:cdrom,r", NULL, "hdc", NULL,
	  HV_DISK_FORMAT_RAW, HV_DISK_ACCESS_RO, HV_DISK_DEVTYPE_CDROM, -1, 0 },
	{ "tap:qcow2:/img/g.qcow2,xvda,r", "/img/g.qcow2", "xvda", NULL,
	  HV_DISK_FORMAT_QCOW2, HV_DISK_ACCESS_RO, HV_DISK_DEVTYPE_DISK, -1, 0 },
	{ "phy:/dev/sdb,xvdb1,w", "/dev/sdb", "xvdb1", "phy",
	  HV_DISK_FORMAT_RAW, HV_DISK_ACCESS_RW, HV_DISK_DEVTYPE_DISK, -1, 0 },
	{ "vdev=d0p1,discard,direct-io-safe,backendtype=qdisk,script=block-x,/img/a.vhd,vhd",
	  "/img/a.vhd", "d0p1", "qdisk",
	  HV_DISK_FORMAT_VHD, HV_DISK_ACCESS_RW, HV_DISK_DEVTYPE_DISK, 1, 1 },
	{ "/img/a,qed,sdaa,no-discard", "/img/a", "sdaa", NULL,
	  HV_DISK_FORMAT_QED, HV_DISK_ACCESS_RW, HV_DISK_DEVTYPE_DISK, 0, 0 },
};

START_TEST(test_disk_specs)
{
	for (size_t i = 0; i < sizeof(disk_specs) / sizeof(disk_specs[0]); i++) {
		hv_disk_spec *d = NULL;

		log_clear();
		ck_assert_msg(hv_disk_spec_parse(ctx, disk_specs[i].spec, &d) == 0,
			      "%s: %s", disk_specs[i].spec, logbuf);
		if (disk_specs[i].target)
			ck_assert_str_eq(d->target, disk_specs[i].target);
		else
			ck_assert_ptr_null(d->target);
		ck_assert_str_eq(d->vdev, disk_specs[i].vdev);
		if (disk_specs[i].backendtype)
			ck_assert_str_eq(d->backendtype, disk_specs[i].backendtype);
		else
			ck_assert_ptr_null(d->backendtype);
		ck_assert_int_eq(d->format, disk_specs[i].format);
		ck_assert_int_eq(d->access, disk_specs[i].access);
		ck_assert_int_eq(d->devtype, disk_specs[i].devtype);
		ck_assert_int_eq(d->discard, disk_specs[i].discard);
		ck_assert_int_eq(d->direct_io_safe, disk_specs[i].direct_io_safe);
		hv_disk_spec_free(d);
	}
	ck_assert_int_eq(hv_disk_spec_parse(ctx, "/a,raw", &(hv_disk_spec *){ NULL }),
			 HV_ERROR_CONFIG);
	ck_log_has("E: disk: \"/a,raw\": no vdev");

	/* Xen's script prefixes, its ignored ones, and format=empty */
	{
		static const struct {
			const char *spec, *target, *script;
		} scripted[] = {
			{ "iscsi:iqn.2001-05.com.example:disk0,xvda,w", "iqn.2001-05.com.example:disk0", "block-iscsi" },
			{ "drbd:guest-res,xvdb,r", "guest-res", "block-drbd" },
			{ "nbd:host:10809,xvdc", "host:10809", "block-nbd" },
			{ "tapdisk:aio:/img/a,xvdd", "/img/a", NULL },
			{ "ioemu:/img/b,hda", "/img/b", NULL },
		};
		hv_disk_spec *d = NULL;

		for (size_t i = 0; i < sizeof(scripted) / sizeof(scripted[0]); i++) {
			log_clear();
			ck_assert_msg(hv_disk_spec_parse(ctx, scripted[i].spec, &d) == 0, "%s: %s",
				      scripted[i].spec, logbuf);
			ck_assert_str_eq(d->target, scripted[i].target);
			if (scripted[i].script)
				ck_assert_str_eq(d->script, scripted[i].script);
			else
				ck_assert_ptr_null(d->script);
			hv_disk_spec_free(d);
		}
		ck_assert_int_eq(hv_disk_spec_parse(ctx, "drbd:r,xvda,script=block-x", &d),
				 HV_ERROR_CONFIG);
		ck_log_has("script is given twice");
		ck_assert_int_eq(hv_disk_spec_parse(ctx, "format=empty,vdev=hdc,devtype=cdrom", &d), 0);
		ck_assert_ptr_null(d->target);
		ck_assert_int_eq(d->format, HV_DISK_FORMAT_RAW);
		ck_assert_int_eq(d->devtype, HV_DISK_DEVTYPE_CDROM);
		hv_disk_spec_free(d);
		ck_assert_int_eq(hv_disk_spec_parse(ctx, ",empty,hdc,cdrom", &d), 0);
		hv_disk_spec_free(d);
		ck_assert_int_eq(hv_disk_spec_parse(ctx, "format=empty,vdev=xvda", &d), HV_ERROR_CONFIG);
		ck_log_has("format empty is a CD-ROM drive with nothing in it, and this is no CD-ROM");
		ck_assert_int_eq(hv_disk_spec_parse(ctx, "/a.iso,empty,hdc,cdrom", &d), HV_ERROR_CONFIG);
		ck_log_has("but a target is given");
	}
}
END_TEST

START_TEST(test_vif_specs)
{
	static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x74, 0x34, 0x32 };
	hv_vif_spec *v = NULL;

	ck_assert_int_eq(hv_vif_spec_parse(ctx,
		" mac=00:16:3E:74:34:32 , bridge=xenbr1,ip=10.0.0.2 10.0.0.3,model=e1000,"
		"script=vif-route,vifname=web1-eth0,rate=100MB/s,mtu=1500,type=ioemu,"
		"devid=3,queues=2,accel=x",
		&v), 0);
	ck_assert_int_eq(v->has_mac, 1);
	ck_assert_mem_eq(v->mac, mac, 6);
	ck_assert_str_eq(v->bridge, "xenbr1");
	ck_assert_str_eq(v->ip, "10.0.0.2 10.0.0.3");
	ck_assert_str_eq(v->model, "e1000");
	ck_assert_str_eq(v->script, "vif-route");
	ck_assert_str_eq(v->vifname, "web1-eth0");
	ck_assert_str_eq(v->rate, "100MB/s");
	ck_assert_uint_eq(v->mtu, 1500);
	ck_assert_uint_eq(v->devid, 3);
	ck_assert_uint_eq(v->queues, 2);
	ck_log_has("W: vif: \" mac=00:16:3E:74:34:32 , bridge=xenbr1");
	ck_log_has("accel is not used by hv; ignored");
	hv_vif_spec_free(v);

	ck_assert_int_eq(hv_vif_spec_parse(ctx, "", &v), 0);
	ck_assert_int_eq(v->has_mac, 0);
	ck_assert_ptr_null(v->bridge);
	ck_assert_uint_eq(v->devid, HV_VIF_DEVID_AUTO);
	ck_assert_uint_eq(v->queues, 0);
	hv_vif_spec_free(v);

	ck_assert_int_eq(hv_vif_spec_parse(ctx, "type=netfront", &v), HV_ERROR_CONFIG);
	ck_log_has("type \"netfront\" is not vif or ioemu");
	ck_assert_int_eq(hv_vif_spec_parse(ctx, "devid=8", &v), HV_ERROR_CONFIG);
	ck_log_has("devid \"8\" is not a number from 0 to 7");
	ck_assert_int_eq(hv_vif_spec_parse(ctx, "queues=0", &v), HV_ERROR_CONFIG);
	ck_log_has("queues \"0\" is not a number from 1 to 4");

	ck_assert_int_eq(hv_vif_spec_parse(ctx, "mac=00:16:3e:74:34", &v), HV_ERROR_CONFIG);
	ck_assert_ptr_null(v);
	ck_log_has("E: vif: \"mac=00:16:3e:74:34\": mac \"00:16:3e:74:34\" is not a MAC address");
}
END_TEST

static void fill_everything(hv_domain_config *cfg)
{
	hv_disk_spec *d;
	hv_vif_spec *v;

	ck_assert_int_eq(parse_text(cfg,
		"name = 'full'\n"
		"uuid = '00112233-4455-6677-8899-aabbccddeeff'\n"
		"type = 'hvm'\n"
		"memory = 4096\nmaxmem = 8192\nvcpus = 4\nmaxvcpus = 8\n"
		"cpus = 'nodes:0,^node:1,all'\n"
		"kernel = '/k'\nramdisk = '/r'\ncmdline = 'c \"q\" \\\\ \\t \xe2\x82\xac'\n"
		"root = '/dev/xvda'\nextra = 'e'\n"
		"on_poweroff = 'preserve'\non_reboot = 'rename-restart'\n"
		"on_crash = 'coredump-destroy'\n"
		"disk = [ 'vdev=xvda,discard,direct-io-safe,backendtype=qdisk,script=s,/a.qcow,qcow',"
		" 'format=qcow2,vdev=xvdb,no-discard,target=/b', ',,hdc,cdrom' ]\n"
		"vif = [ 'mac=02:00:00:00:00:01,bridge=b,ip=1.2.3.4,model=m,script=s,vifname=v,rate=1Gb/s@10us,mtu=1400', '' ]\n"), 0);
	d = cfg->disks[0];
	ck_assert_int_eq(d->discard, 1);
	v = cfg->vifs[0];
	ck_assert_int_eq(v->has_mac, 1);
}

/* Compares every member, independently of the library's own tables. */
static void ck_configs_equal(const hv_domain_config *a, const hv_domain_config *b)
{
#define STR_EQ(x, y) do {						\
		if ((x) || (y)) {					\
			ck_assert_ptr_nonnull(x);			\
			ck_assert_ptr_nonnull(y);			\
			ck_assert_str_eq((x), (y));			\
		}							\
	} while (0)
	STR_EQ(a->name, b->name);
	ck_assert_int_eq(a->has_uuid, b->has_uuid);
	ck_assert_mem_eq(a->uuid, b->uuid, 16);
	ck_assert_int_eq(a->type, b->type);
	ck_assert_uint_eq(a->memory_mib, b->memory_mib);
	ck_assert_uint_eq(a->maxmem_mib, b->maxmem_mib);
	ck_assert_uint_eq(a->vcpus, b->vcpus);
	ck_assert_uint_eq(a->maxvcpus, b->maxvcpus);
	STR_EQ(a->cpus, b->cpus);
	STR_EQ(a->kernel, b->kernel);
	STR_EQ(a->ramdisk, b->ramdisk);
	STR_EQ(a->cmdline, b->cmdline);
	STR_EQ(a->root, b->root);
	STR_EQ(a->extra, b->extra);
	ck_assert_int_eq(a->on_poweroff, b->on_poweroff);
	ck_assert_int_eq(a->on_reboot, b->on_reboot);
	ck_assert_int_eq(a->on_crash, b->on_crash);
	ck_assert_uint_eq(a->nr_disks, b->nr_disks);
	for (size_t i = 0; i < a->nr_disks; i++) {
		const hv_disk_spec *x = a->disks[i], *y = b->disks[i];

		STR_EQ(x->target, y->target);
		STR_EQ(x->vdev, y->vdev);
		STR_EQ(x->backendtype, y->backendtype);
		STR_EQ(x->script, y->script);
		ck_assert_int_eq(x->format, y->format);
		ck_assert_int_eq(x->access, y->access);
		ck_assert_int_eq(x->devtype, y->devtype);
		ck_assert_int_eq(x->discard, y->discard);
		ck_assert_int_eq(x->direct_io_safe, y->direct_io_safe);
	}
	ck_assert_uint_eq(a->nr_vifs, b->nr_vifs);
	for (size_t i = 0; i < a->nr_vifs; i++) {
		const hv_vif_spec *x = a->vifs[i], *y = b->vifs[i];

		ck_assert_int_eq(x->has_mac, y->has_mac);
		if (x->has_mac)
			ck_assert_mem_eq(x->mac, y->mac, 6);
		STR_EQ(x->bridge, y->bridge);
		STR_EQ(x->ip, y->ip);
		STR_EQ(x->model, y->model);
		STR_EQ(x->script, y->script);
		STR_EQ(x->vifname, y->vifname);
		STR_EQ(x->rate, y->rate);
		ck_assert_uint_eq(x->mtu, y->mtu);
	}
#undef STR_EQ
}

static void check_round_trip(const hv_domain_config *cfg)
{
	hv_domain_config back;
	char *j1, *j2;

	j1 = to_json(cfg);
	hv_domain_config_init(&back);
	ck_assert_msg(hv_config_from_json(ctx, j1, &back) == 0, "%s\n%s", j1, logbuf);
	j2 = to_json(&back);
	ck_assert_str_eq(j1, j2);
	ck_configs_equal(cfg, &back);
	free(j1);
	free(j2);
	hv_domain_config_dispose(&back);
}

START_TEST(test_json_round_trip)
{
	const char *files[] = {
		"valid/web1.cfg", "valid/hvm-legacy.cfg", "valid/crlf.cfg",
	};
	hv_domain_config cfg;

	hv_domain_config_init(&cfg);
	check_round_trip(&cfg);
	fill_everything(&cfg);
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, 0), 0);
	check_round_trip(&cfg);
	hv_domain_config_dispose(&cfg);

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = data_path(files[i]);

		hv_domain_config_init(&cfg);
		ck_assert_int_eq(hv_config_parse_xl_file(ctx, path, &cfg), 0);
		check_round_trip(&cfg);
		hv_domain_config_dispose(&cfg);
		free(path);
	}
}
END_TEST

START_TEST(test_json_format)
{
	hv_domain_config cfg;
	char *json;

	hv_domain_config_init(&cfg);
	ck_assert_int_eq(parse_text(&cfg,
		"name = 'j'\nkernel = '/k'\nuuid = '00112233-4455-6677-8899-AABBCCDDEEFF'\n"
		"disk = [ '/a,raw,xvda' ]\nvif = [ 'mac=00:16:3E:00:00:0A' ]\n"), 0);
	json = to_json(&cfg);
	ck_assert_str_eq(json,
		"{\n"
		"    \"name\": \"j\",\n"
		"    \"uuid\": \"00112233-4455-6677-8899-aabbccddeeff\",\n"
		"    \"type\": \"pvh\",\n"
		"    \"memory_mib\": 128,\n"
		"    \"maxmem_mib\": 0,\n"
		"    \"vcpus\": 1,\n"
		"    \"maxvcpus\": 0,\n"
		"    \"kernel\": \"/k\",\n"
		"    \"on_poweroff\": \"destroy\",\n"
		"    \"on_reboot\": \"restart\",\n"
		"    \"on_crash\": \"destroy\",\n"
		"    \"disks\": [\n"
		"        {\n"
		"            \"target\": \"/a\",\n"
		"            \"format\": \"raw\",\n"
		"            \"vdev\": \"xvda\",\n"
		"            \"access\": \"rw\",\n"
		"            \"devtype\": \"disk\",\n"
		"            \"direct_io_safe\": false\n"
		"        }\n"
		"    ],\n"
		"    \"vifs\": [\n"
		"        {\n"
		"            \"mac\": \"00:16:3e:00:00:0a\",\n"
		"            \"mtu\": 0\n"
		"        }\n"
		"    ],\n"
		"    \"balloon_deflate_on_oom\": false,\n"
		"    \"balloon_free_page_reporting\": true\n"
		"}\n");
	free(json);
	hv_domain_config_dispose(&cfg);
}
END_TEST

START_TEST(test_json_minimal_input)
{
	hv_domain_config cfg;

	hv_domain_config_init(&cfg);
	ck_assert_int_eq(hv_config_from_json(ctx,
		"{ \"name\": \"m\", \"kernel\": \"/k\", \"cmdline\": null,"
		"  \"disks\": [ { \"target\": \"/a\", \"vdev\": \"xvda\", \"discard\": null } ] }",
		&cfg), 0);
	ck_assert_str_eq(cfg.name, "m");
	ck_assert_uint_eq(cfg.memory_mib, HV_DOMAIN_DEFAULT_MEMORY_MIB);
	ck_assert_uint_eq(cfg.nr_disks, 1);
	ck_assert_int_eq(cfg.disks[0]->format, HV_DISK_FORMAT_RAW);
	ck_assert_int_eq(cfg.disks[0]->discard, -1);
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, 0), 0);
	hv_domain_config_dispose(&cfg);
}
END_TEST

/* What a save image says the domain used (libhv 1.8, docs/metering.md): read, written
 * back, and left out when 0 (test_json_format's text has none). */
START_TEST(test_json_usage)
{
	hv_domain_config cfg;
	char *json = NULL;

	hv_domain_config_init(&cfg);
	ck_assert_int_eq(hv_config_from_json(ctx,
		"{ \"name\": \"m\", \"kernel\": \"/k\", \"usage_cpu_ns\": 1500000000,"
		"  \"usage_mem_peak_bytes\": 71303168,"
		"  \"vifs\": [ { \"mac\": \"00:16:3e:00:00:0a\", \"usage_rx_bytes\": 10,"
		"             \"usage_tx_packets\": 3 } ] }", &cfg), 0);
	ck_assert_uint_eq(cfg.usage_cpu_ns, 1500000000);
	ck_assert_uint_eq(cfg.usage_mem_peak_bytes, 71303168);
	ck_assert_uint_eq(cfg.vifs[0]->usage_rx_bytes, 10);
	ck_assert_uint_eq(cfg.vifs[0]->usage_tx_packets, 3);
	ck_assert_int_eq(hv_config_to_json(ctx, &cfg, &json), 0);
	ck_assert_ptr_nonnull(strstr(json, "\"usage_cpu_ns\": 1500000000"));
	ck_assert_ptr_nonnull(strstr(json, "\"usage_rx_bytes\": 10"));
	ck_assert_ptr_null(strstr(json, "usage_rx_packets"));
	free(json);
	json = NULL;
	cfg.usage_cpu_ns = cfg.usage_mem_peak_bytes = 0;
	cfg.vifs[0]->usage_rx_bytes = cfg.vifs[0]->usage_tx_packets = 0;
	ck_assert_int_eq(hv_config_to_json(ctx, &cfg, &json), 0);
	ck_assert_ptr_null(strstr(json, "usage"));
	free(json);
	hv_domain_config_dispose(&cfg);
}
END_TEST

static const struct {
	const char *json;
	const char *msg;
} bad_json[] = {
	{ "", "domain config JSON: (top level): not valid JSON" },
	{ "{ \"name\": ", "domain config JSON: (top level): not valid JSON" },
	{ "[]", "domain config JSON: (top level): expected an object ({ ... }), got an array" },
	{ "{ \"memory\": 512 }", "domain config JSON: (top level): unknown key \"memory\" in a domain object" },
	{ "{ \"memory_mib\": \"512\" }", "domain config JSON: memory_mib: expected a whole number from 0 to 9223372036854775807, got a string" },
	{ "{ \"memory_mib\": -1 }", "domain config JSON: memory_mib: expected a whole number from 0 to 9223372036854775807, got -1" },
	{ "{ \"memory_mib\": 1.5 }", "memory_mib: expected a whole number from 0 to 9223372036854775807, got 1.5" },
	{ "{ \"memory_mib\": 99999999999999999999 }", "memory_mib: expected a whole number" },
	{ "{ \"vcpus\": 4294967296 }", "domain config JSON: vcpus: expected a whole number from 0 to 4294967295, got 4294967296" },
	{ "{ \"type\": \"pv\" }", "domain config JSON: type: \"pv\" is not \"pvh\" or \"hvm\"" },
	{ "{ \"type\": 1 }", "domain config JSON: type: expected a string (\"pvh\" or \"hvm\"), got a number" },
	{ "{ \"name\": 5 }", "domain config JSON: name: expected a string, got a number" },
	{ "{ \"name\": \"a\", \"name\": \"b\" }", "domain config JSON: (top level): key \"name\" appears twice" },
	{ "{ \"uuid\": \"nope\" }", "domain config JSON: uuid: \"nope\" is not a UUID" },
	{ "{ \"disks\": {} }", "domain config JSON: disks: expected an array of objects, got an object" },
	{ "{ \"disks\": [ 1 ] }", "domain config JSON: disks[0]: expected an object ({ ... }), got a number" },
	{ "{ \"disks\": [ {}, { \"format\": \"vmdk\" } ] }", "domain config JSON: disks[1].format: \"vmdk\" is not raw, qcow, qcow2, vhd or qed" },
	{ "{ \"disks\": [ { \"discard\": 1 } ] }", "domain config JSON: disks[0].discard: expected true or false (or null), got a number" },
	{ "{ \"disks\": [ { \"direct_io_safe\": null } ] }", "disks[0].direct_io_safe: expected true or false, got null" },
	{ "{ \"vifs\": [ { \"mac\": \"00:16:3e\" } ] }", "domain config JSON: vifs[0].mac: \"00:16:3e\" is not a MAC address" },
	{ "{ \"vifs\": [ { \"bridg\": \"b\" } ] }", "domain config JSON: vifs[0]: unknown key \"bridg\" in a vif object" },
	{ "{ \"name\": \"\xff\" }", "domain config JSON: (top level): not valid JSON" },
	{ "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", "nested more than 16 deep" },
};

START_TEST(test_json_errors)
{
	hv_domain_config cfg;
	char *before, *after;

	hv_domain_config_init(&cfg);
	ck_assert_int_eq(parse_text(&cfg, "name = 'keep'\n"), 0);
	before = to_json(&cfg);
	for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		log_clear();
		ck_assert_msg(hv_config_from_json(ctx, bad_json[i].json, &cfg) == HV_ERROR_CONFIG,
			      "accepted: %s", bad_json[i].json);
		ck_assert_msg(strstr(logbuf, bad_json[i].msg),
			      "json [%s]: log lacks [%s]; log is:\n%s",
			      bad_json[i].json, bad_json[i].msg, logbuf);
	}
	after = to_json(&cfg);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	hv_domain_config_dispose(&cfg);
}
END_TEST

START_TEST(test_to_json_errors)
{
	hv_domain_config cfg;
	char *json = (char *)"x";

	hv_domain_config_init(&cfg);
	cfg.on_crash = 0;
	ck_assert_int_eq(hv_config_to_json(ctx, &cfg, &json), HV_ERROR_INVAL);
	ck_assert_ptr_null(json);
	ck_log_has("E: domain config to JSON: on_crash: 0 is not a valid value");
	cfg.on_crash = HV_ACTION_DESTROY;
	cfg.name = strdup("bad\xff");
	ck_assert_int_eq(hv_config_to_json(ctx, &cfg, &json), HV_ERROR_INVAL);
	ck_log_has("E: domain config to JSON: name: the string is not valid UTF-8");
	free(cfg.name);
	cfg.name = NULL;
	cfg.memory_mib = UINT64_MAX;
	ck_assert_int_eq(hv_config_to_json(ctx, &cfg, &json), HV_ERROR_INVAL);
	ck_log_has("E: domain config to JSON: memory_mib: 18446744073709551615 is too large");
	hv_domain_config_dispose(&cfg);
}
END_TEST

static void base_config(hv_domain_config *cfg)
{
	hv_domain_config_init(cfg);
	ck_assert_int_eq(parse_text(cfg,
		"name = 'v'\nkernel = '/k'\nmemory = 512\nvcpus = 2\n"
		"disk = [ '/a,raw,xvda', '/b,raw,xvdb' ]\n"
		"vif = [ 'mac=00:16:3e:00:00:01', 'mac=00:16:3e:00:00:02' ]\n"), 0);
	ck_assert_int_eq(hv_config_validate(ctx, cfg, 0), 0);
}

START_TEST(test_validate)
{
	hv_domain_config cfg;

#define EXPECT_INVALID(change, message) do {				\
		base_config(&cfg);					\
		change;							\
		log_clear();						\
		ck_assert_int_eq(hv_config_validate(ctx, &cfg, 0), HV_ERROR_CONFIG); \
		ck_log_has(message);					\
		hv_domain_config_dispose(&cfg);				\
	} while (0)

	EXPECT_INVALID((free(cfg.name), cfg.name = NULL),
		       "E: domain config: name: not set (add name = \"myguest\")");
	EXPECT_INVALID((free(cfg.name), cfg.name = strdup("1234")),
		       "E: domain config: name: \"1234\" is a number");
	EXPECT_INVALID((free(cfg.kernel), cfg.kernel = NULL),
		       "E: domain \"v\": kernel: not set, and a PVH guest boots a kernel");
	EXPECT_INVALID((free(cfg.kernel), cfg.kernel = NULL, cfg.type = HV_DOMAIN_HVM,
			cfg.ramdisk = strdup("/r")),
		       "E: domain \"v\": ramdisk: set without a kernel");
	EXPECT_INVALID(cfg.type = 7, "E: domain \"v\": type: 7 is not a valid value (use \"pvh\" or \"hvm\")");
	EXPECT_INVALID(cfg.memory_mib = 0, "E: domain \"v\": memory: 0 MiB is out of range (use 1 to 16777216)");
	EXPECT_INVALID(cfg.maxmem_mib = 256,
		       "E: domain \"v\": maxmem: 256 MiB is less than memory (512 MiB); raise maxmem or leave it out");
	EXPECT_INVALID(cfg.vcpus = 0, "E: domain \"v\": vcpus: 0 is out of range (use 1 to 4096)");
	EXPECT_INVALID(cfg.maxvcpus = 1,
		       "E: domain \"v\": maxvcpus: 1 is less than vcpus (2); raise maxvcpus or leave it out");
	EXPECT_INVALID(cfg.cpus = strdup("1-"), "E: domain \"v\": cpus: \"1-\" is not a CPU list");
	EXPECT_INVALID(cfg.on_reboot = 0, "E: domain \"v\": on_reboot: 0 is not a valid value");
	EXPECT_INVALID((free(cfg.disks[1]->vdev), cfg.disks[1]->vdev = strdup("xvda")),
		       "E: domain \"v\": disks[1]: vdev \"xvda\" is also used by disks[0]; give each disk its own vdev");
	EXPECT_INVALID((free(cfg.disks[0]->target), cfg.disks[0]->target = NULL),
		       "E: domain \"v\": disks[0]: has no target");
	EXPECT_INVALID(cfg.disks[0]->devtype = HV_DISK_DEVTYPE_CDROM,
		       "E: domain \"v\": disks[0]: a CD-ROM is read-only (use access=ro)");
	EXPECT_INVALID(cfg.disks[0]->discard = 2, "E: domain \"v\": disks[0]: discard is 2");
	EXPECT_INVALID(cfg.disks[0]->format = 0, "E: domain \"v\": disks[0]: 0 is not a valid value (use raw, qcow, qcow2, vhd or qed)");
	EXPECT_INVALID(cfg.vifs[1]->mac[5] = 1,
		       "E: domain \"v\": vifs[1]: mac 00:16:3e:00:00:01 is also used by vifs[0]");
	EXPECT_INVALID(cfg.vifs[1]->mac[0] = 1,
		       "E: domain \"v\": vifs[1]: mac 01:16:3e:00:00:02 is a multicast address");
	EXPECT_INVALID(cfg.vifs[0]->mtu = 10, "E: domain \"v\": vifs[0]: mtu 10 is out of range");
#undef EXPECT_INVALID

	base_config(&cfg);
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, 2), HV_ERROR_INVAL);
	hv_domain_config_dispose(&cfg);
}
END_TEST

START_TEST(test_kernel_cmdline)
{
	static const struct {
		const char *cmdline, *root, *extra, *want;
	} cases[] = {
		{ NULL, NULL, NULL, NULL },
		{ NULL, "/dev/xvda1", NULL, "root=/dev/xvda1" },
		{ NULL, NULL, "quiet", "quiet" },
		{ NULL, "/dev/xvda1", "quiet", "root=/dev/xvda1 quiet" },
		{ "console=hvc0", "/dev/xvda1", "quiet", "console=hvc0" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hv_domain_config cfg;
		char *s = (char *)"x";

		hv_domain_config_init(&cfg);
		cfg.cmdline = cases[i].cmdline ? strdup(cases[i].cmdline) : NULL;
		cfg.root = cases[i].root ? strdup(cases[i].root) : NULL;
		cfg.extra = cases[i].extra ? strdup(cases[i].extra) : NULL;
		ck_assert_int_eq(hv_domain_config_kernel_cmdline(ctx, &cfg, &s), 0);
		if (cases[i].want)
			ck_assert_str_eq(s, cases[i].want);
		else
			ck_assert_ptr_null(s);
		free(s);
		hv_domain_config_dispose(&cfg);
	}
	ck_log_has("W: domain config: root and extra are ignored because cmdline is set");
}
END_TEST

START_TEST(test_copy_and_devices)
{
	hv_domain_config a, b;
	hv_disk_spec *d;
	hv_vif_spec *v;
	char *ja, *jb;

	hv_domain_config_init(&a);
	hv_domain_config_init(&b);
	fill_everything(&a);
	ck_assert_int_eq(parse_text(&b, "name = 'old'\ndisk = ['/x,raw,xvdz']\n"), 0);
	ck_assert_int_eq(hv_domain_config_copy(&b, &a), 0);
	ck_configs_equal(&a, &b);
	ck_assert_ptr_ne(a.disks[0], b.disks[0]);
	ck_assert_ptr_ne(a.name, b.name);
	ja = to_json(&a);
	jb = to_json(&b);
	ck_assert_str_eq(ja, jb);
	free(ja);
	free(jb);

	ck_assert_int_eq(hv_disk_spec_new(&d), 0);
	d->target = strdup("/new");
	d->vdev = strdup("xvdq");
	ck_assert_int_eq(hv_domain_config_add_disk(&b, d), 0);
	ck_assert_uint_eq(b.nr_disks, a.nr_disks + 1);
	ck_assert_ptr_eq(b.disks[b.nr_disks - 1], d);
	ck_assert_int_eq(hv_vif_spec_new(&v), 0);
	ck_assert_int_eq(hv_domain_config_add_vif(&b, v), 0);
	ck_assert_int_eq(hv_config_validate(ctx, &b, 0), 0);
	hv_domain_config_dispose(&a);
	hv_domain_config_dispose(&b);
}
END_TEST

START_TEST(test_uninitialised_and_io)
{
	hv_domain_config cfg;
	char *json = NULL;

	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(parse_text(&cfg, "name = 'x'\n"), HV_ERROR_INVAL);
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, 0), HV_ERROR_INVAL);
	ck_assert_int_eq(hv_config_to_json(ctx, &cfg, &json), HV_ERROR_INVAL);
	ck_assert_int_eq(hv_config_from_json(ctx, "{}", &cfg), HV_ERROR_INVAL);
	ck_log_has("call hv_domain_config_init() first");

	hv_domain_config_init(&cfg);
	log_clear();
	ck_assert_int_eq(hv_config_parse_xl_file(ctx, "/nonexistent/guest.cfg", &cfg),
			 HV_ERROR_IO);
	ck_log_has("E: /nonexistent/guest.cfg: cannot open the config file: No such file or directory");
	hv_domain_config_dispose(&cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, log_setup, log_teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_parse_web1);
	tcase_add_test(tc, test_parse_legacy_hvm);
	tcase_add_test(tc, test_parse_crlf);
	tcase_add_test(tc, test_strings_and_numbers);
	tcase_add_test(tc, test_read_settings);
	tcase_add_test(tc, test_later_wins_and_append);
	tcase_add_test(tc, test_builder_and_type);
	tcase_add_test(tc, test_invalid_files);
	tcase_add_test(tc, test_invalid_texts);
	tcase_add_test(tc, test_unchanged_on_error);
	tcase_add_test(tc, test_overrides);
	tcase_add_test(tc, test_disk_specs);
	tcase_add_test(tc, test_vif_specs);
	tcase_add_test(tc, test_json_round_trip);
	tcase_add_test(tc, test_json_format);
	tcase_add_test(tc, test_json_minimal_input);
	tcase_add_test(tc, test_json_usage);
	tcase_add_test(tc, test_json_errors);
	tcase_add_test(tc, test_to_json_errors);
	tcase_add_test(tc, test_validate);
	tcase_add_test(tc, test_kernel_cmdline);
	tcase_add_test(tc, test_copy_and_devices);
	tcase_add_test(tc, test_uninitialised_and_io);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
