/*
 * Unit tests for disks in the domain description: Xen's DISKSPEC grammar
 * with hv's own keys, vdev numbers and the order the guest sees, JSON,
 * and the checks of hv_config_validate() (with HV_CONFIG_VALIDATE_CREATE:
 * what "xl create -n" and "xl create" refuse alike).  Built from the
 * description's sources, so that its internal functions can be called.
 */
#include <check.h>
#include "check-main.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hv/config.h>
#include "config/config_int.h"

static char logbuf[8192];
static hv_ctx ctx_s, *ctx = &ctx_s;

static void logger(void *opaque, enum hv_log_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(logbuf);

	(void)opaque;
	if (n + 8 >= sizeof(logbuf))
		return;
	n += (size_t)snprintf(logbuf + n, sizeof(logbuf) - n, "%s: ",
			      level == HV_LOG_ERROR ? "E" : level == HV_LOG_WARN ? "W" : "I");
	vsnprintf(logbuf + n, sizeof(logbuf) - n - 1, fmt, ap);
	strcat(logbuf, "\n");
}

static void setup(void)
{
	hv__ctx_init(ctx);
	hv_ctx_set_logger(ctx, logger, NULL, HV_LOG_DEBUG);
	logbuf[0] = '\0';
}

static void teardown(void)
{
	hv__ctx_fini(ctx);
}

#define ck_log_has(s) \
	ck_assert_msg(strstr(logbuf, (s)), "log lacks [%s]; log is:\n%s", (s), logbuf)

static hv_disk_spec *parse_ok(const char *spec)
{
	hv_disk_spec *d = NULL;

	logbuf[0] = '\0';
	ck_assert_msg(hv_disk_spec_parse(ctx, spec, &d) == 0, "%s: %s", spec, logbuf);
	return d;
}

static void parse_bad(const char *spec, const char *msg)
{
	hv_disk_spec *d = (hv_disk_spec *)1;

	logbuf[0] = '\0';
	ck_assert_msg(hv_disk_spec_parse(ctx, spec, &d) == HV_ERROR_CONFIG, "parsed: %s", spec);
	ck_assert_ptr_null(d);
	ck_log_has(msg);
}

/* A domain of @n disks from their specs, which must parse. */
static void config_of(hv_domain_config *cfg, const char *const *specs, size_t n)
{
	hv_domain_config_init(cfg);
	cfg->name = strdup("d");
	cfg->kernel = strdup("/k");
	cfg->vcpus = 2;
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(hv_domain_config_add_disk(cfg, parse_ok(specs[i])), 0);
}

START_TEST(test_grammar)
{
	hv_disk_spec *d;

	/* key=value, target last, taking the commas */
	d = parse_ok("format=raw, vdev=xvdb, access=ro, target=/images/a,b c,d.img");
	ck_assert_str_eq(d->target, "/images/a,b c,d.img");
	ck_assert_str_eq(d->vdev, "xvdb");
	ck_assert_int_eq(d->access, HV_DISK_ACCESS_RO);
	ck_assert_int_eq(d->format, HV_DISK_FORMAT_RAW);
	hv_disk_spec_free(d);

	/* positional, with flags and hv's keys between */
	d = parse_ok("/img/g.img,raw,vdc,rw,discard,iops=1000,iops-burst=2500,bps=100M,"
		     "bps-burst=1G,queues=2,specification=virtio,backendtype=standalone");
	ck_assert_str_eq(d->target, "/img/g.img");
	ck_assert_str_eq(d->vdev, "vdc");
	ck_assert_int_eq(d->discard, 1);
	ck_assert_uint_eq(d->iops, 1000);
	ck_assert_uint_eq(d->iops_burst, 2500);
	ck_assert_uint_eq(d->bps, 100ull << 20);
	ck_assert_uint_eq(d->bps_burst, 1ull << 30);
	ck_assert_uint_eq(d->queues, 2);
	ck_assert_str_eq(d->backendtype, "standalone");
	hv_disk_spec_free(d);

	d = parse_ok("bps=4096,vdev=hda,no-discard,direct-io-safe,target=/dev/sdb");
	ck_assert_uint_eq(d->bps, 4096);
	ck_assert_uint_eq(d->iops, 0);
	ck_assert_uint_eq(d->queues, 0);
	ck_assert_int_eq(d->discard, 0);
	ck_assert_int_eq(d->direct_io_safe, 1);
	hv_disk_spec_free(d);

	/* a CD-ROM: read-only, may be empty */
	d = parse_ok("vdev=hdc,devtype=cdrom,target=");
	ck_assert_ptr_null(d->target);
	ck_assert_int_eq(d->access, HV_DISK_ACCESS_RO);
	hv_disk_spec_free(d);
	d = parse_ok("/iso/x.iso,,hdc:cdrom");
	ck_assert_int_eq(d->devtype, HV_DISK_DEVTYPE_CDROM);
	ck_assert_int_eq(d->access, HV_DISK_ACCESS_RO);
	hv_disk_spec_free(d);

	/* every backendtype Xen has is recorded */
	d = parse_ok("/a,raw,xvda,backendtype=tap");
	ck_assert_str_eq(d->backendtype, "tap");
	hv_disk_spec_free(d);
	d = parse_ok("phy:/dev/vg/x,xvda,w");
	ck_assert_str_eq(d->backendtype, "phy");
	hv_disk_spec_free(d);
}
END_TEST

START_TEST(test_grammar_errors)
{
	parse_bad("/a,raw,xvda,queues=0", "queues \"0\" is not a number from 1 to 4");
	parse_bad("/a,raw,xvda,queues=5", "queues \"5\" is not a number from 1 to 4");
	parse_bad("/a,raw,xvda,queues=1K", "queues \"1K\" is not a number");
	parse_bad("/a,raw,xvda,iops=fast", "iops \"fast\" is not a whole number of requests per second (try iops=1000)");
	parse_bad("/a,raw,xvda,iops=1M", "iops \"1M\" is not a whole number");
	parse_bad("/a,raw,xvda,iops-burst=", "iops-burst \"\" is not a whole number");
	parse_bad("/a,raw,xvda,bps=10X", "bps \"10X\" is not a number of bytes per second (try bps=100M");
	parse_bad("/a,raw,xvda,bps=9999999999999G", "bps \"9999999999999G\" is not a number");
	parse_bad("/a,raw,xvda,bps-burst=-1", "bps-burst \"-1\" is not a number");
	parse_bad("/a,raw,xvda,specification=xen",
		  "specification \"xen\": hv's disks are virtio-blk devices (write specification=virtio, or leave it out)");
	parse_bad("/a,raw,xvda,iopz=1", "unknown parameter \"iopz\" (known: target, format, vdev, access, devtype, backendtype, script, specification, iops");
	parse_bad("/a,raw,vd1", "vdev \"vd1\" is not a virtual disk name");
	parse_bad("/a,raw,xvda,backendtype=qemu", "backendtype \"qemu\" is not phy, qdisk, tap or standalone");
}
END_TEST

START_TEST(test_vdev_numbers)
{
	static const struct {
		const char *vdev;
		unsigned int disk, part;
	} v[] = {
		{ "xvda", 0, 0 }, { "xvdb", 1, 0 }, { "xvdz", 25, 0 }, { "xvdaa", 26, 0 },
		{ "xvdab", 27, 0 }, { "xvdba", 52, 0 }, { "xvdb3", 1, 3 }, { "hda", 0, 0 },
		{ "hdc", 2, 0 }, { "sdb1", 1, 1 }, { "vda", 0, 0 }, { "vdl", 11, 0 },
		{ "d0", 0, 0 }, { "d3p2", 3, 2 }, { "d12", 12, 0 },
	};
	unsigned int disk, part;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_msg(hv__vdev_number(v[i].vdev, &disk, &part) == 0, "%s", v[i].vdev);
		ck_assert_msg(disk == v[i].disk && part == v[i].part, "%s: %u/%u, not %u/%u",
			      v[i].vdev, disk, part, v[i].disk, v[i].part);
	}
	ck_assert_int_eq(hv__vdev_number("xvd", &disk, &part), -1);
	ck_assert_int_eq(hv__vdev_number("ada", &disk, &part), -1);
}
END_TEST

START_TEST(test_guest_order)
{
	static const char *const specs[] = {
		"/c,raw,xvdc", "/a,raw,xvda", ",,hdd,cdrom", "/e,raw,xvde", "/b,raw,sdb",
	};
	hv_domain_config cfg;
	size_t order[HV_DOMAIN_MAX_DISKS];

	config_of(&cfg, specs, 5);
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, HV_CONFIG_VALIDATE_CREATE), 0);
	/* by disk number, then partition; the empty drive is no device */
	ck_assert_uint_eq(hv__disk_guest_order(&cfg, order, HV_DOMAIN_MAX_DISKS), 4);
	ck_assert_uint_eq(order[0], 1);	/* xvda */
	ck_assert_uint_eq(order[1], 4);	/* sdb: disk 1 */
	ck_assert_uint_eq(order[2], 0);	/* xvdc */
	ck_assert_uint_eq(order[3], 3);	/* xvde */
	ck_assert_uint_eq(hv__disk_guest_order(&cfg, order, 2), 2);
	ck_assert_uint_eq(order[0], 1);
	ck_assert_uint_eq(order[1], 4);
	hv_domain_config_dispose(&cfg);
}
END_TEST

START_TEST(test_queues_default)
{
	hv_disk_spec *d = parse_ok("/a,raw,xvda");

	ck_assert_uint_eq(hv__disk_queues(d, 1), 1);
	ck_assert_uint_eq(hv__disk_queues(d, 3), 3);
	ck_assert_uint_eq(hv__disk_queues(d, 64), 4);
	d->queues = 2;
	ck_assert_uint_eq(hv__disk_queues(d, 64), 2);
	hv_disk_spec_free(d);
}
END_TEST

START_TEST(test_json)
{
	static const char *const specs[] = {
		"/a,raw,xvda,iops=500,iops-burst=900,bps=1M,bps-burst=2M,queues=3",
		"/b,raw,xvdb",
	};
	hv_domain_config cfg, back;
	char *j1 = NULL, *j2 = NULL;

	config_of(&cfg, specs, 2);
	ck_assert_int_eq(hv_config_to_json(ctx, &cfg, &j1), 0);
	ck_assert_ptr_nonnull(strstr(j1,
		"            \"direct_io_safe\": false,\n"
		"            \"iops\": 500,\n"
		"            \"iops_burst\": 900,\n"
		"            \"bps\": 1048576,\n"
		"            \"bps_burst\": 2097152,\n"
		"            \"queues\": 3\n"));
	/* members left at 0 are left out: a description without them is as it was */
	ck_assert_ptr_nonnull(strstr(j1,
		"            \"vdev\": \"xvdb\",\n"
		"            \"access\": \"rw\",\n"
		"            \"devtype\": \"disk\",\n"
		"            \"direct_io_safe\": false\n"
		"        }\n"));
	hv_domain_config_init(&back);
	ck_assert_int_eq(hv_config_from_json(ctx, j1, &back), 0);
	ck_assert_uint_eq(back.disks[0]->iops, 500);
	ck_assert_uint_eq(back.disks[0]->iops_burst, 900);
	ck_assert_uint_eq(back.disks[0]->bps, 1 << 20);
	ck_assert_uint_eq(back.disks[0]->bps_burst, 2 << 20);
	ck_assert_uint_eq(back.disks[0]->queues, 3);
	ck_assert_uint_eq(back.disks[1]->queues, 0);
	ck_assert_int_eq(hv_config_to_json(ctx, &back, &j2), 0);
	ck_assert_str_eq(j1, j2);
	hv_domain_config_dispose(&back);

	/* a copy carries them too */
	hv_domain_config_init(&back);
	ck_assert_int_eq(hv_domain_config_copy(&back, &cfg), 0);
	ck_assert_uint_eq(back.disks[0]->bps_burst, 2 << 20);
	hv_domain_config_dispose(&back);

	/* wrong types are refused naming the member */
	hv_domain_config_init(&back);
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_config_from_json(ctx,
		"{ \"disks\": [ { \"iops\": \"many\" } ] }", &back), HV_ERROR_CONFIG);
	ck_log_has("disks[0].iops: expected a whole number");
	ck_assert_int_eq(hv_config_from_json(ctx,
		"{ \"disks\": [ { \"queues\": -1 } ] }", &back), HV_ERROR_CONFIG);
	ck_log_has("disks[0].queues: expected a whole number");
	hv_domain_config_dispose(&back);
	free(j1);
	free(j2);
	hv_domain_config_dispose(&cfg);
}
END_TEST

/* @cfg is refused by hv_config_validate(@flags) with @rc and @msg. */
static void refused(const hv_domain_config *cfg, unsigned int flags, int rc, const char *msg)
{
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_config_validate(ctx, cfg, flags), rc);
	ck_log_has(msg);
}

START_TEST(test_validate)
{
	static const char *const one[] = { "/a,raw,xvda" };
	static const char *const twins[] = { "/a,raw,xvda", "/b,raw,hda" };
	static const char *const parts[] = { "/a,raw,xvda1", "/b,raw,xvda2", "/c,raw,xvda" };
	static const char *const far[] = { "/a,raw,xvdu" };
	hv_domain_config cfg;

	config_of(&cfg, twins, 2);
	refused(&cfg, 0, HV_ERROR_CONFIG,
		"E: domain \"d\": disks[1]: vdev \"hda\" names the same disk as disks[0]'s \"xvda\" (disk 0); give each disk its own number");
	hv_domain_config_dispose(&cfg);

	/* partitions of one disk number: a valid description, but hv runs
	 * whole disks, one PCI slot per disk number */
	config_of(&cfg, parts, 3);
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, 0), 0);
	refused(&cfg, HV_CONFIG_VALIDATE_CREATE, HV_ERROR_CONFIG,
		"vdev xvda1 and xvda2 are partitions of one disk (0)");
	hv_domain_config_dispose(&cfg);

	/* disk numbers past the last PCI slot */
	config_of(&cfg, far, 1);
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, 0), 0);
	refused(&cfg, HV_CONFIG_VALIDATE_CREATE, HV_ERROR_CONFIG,
		"vdev xvdu is disk 20: hv gives disk numbers 0 to 19");
	hv_domain_config_dispose(&cfg);

	config_of(&cfg, one, 1);
	cfg.disks[0]->queues = 5;
	refused(&cfg, 0, HV_ERROR_CONFIG, "disks[0]: queues is 5 (use 1 to 4");
	cfg.disks[0]->queues = 4;
	cfg.disks[0]->iops = 100;
	cfg.disks[0]->iops_burst = 50;
	refused(&cfg, 0, HV_ERROR_CONFIG, "disks[0]: iops-burst 50 is less than iops 100");
	cfg.disks[0]->iops = 0;
	refused(&cfg, 0, HV_ERROR_CONFIG, "disks[0]: iops-burst is set without iops");
	cfg.disks[0]->iops_burst = 0;
	cfg.disks[0]->bps = 1000;
	cfg.disks[0]->bps_burst = 999;
	refused(&cfg, 0, HV_ERROR_CONFIG, "disks[0]: bps-burst 999 is less than bps 1000");
	cfg.disks[0]->bps_burst = 1000;
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, HV_CONFIG_VALIDATE_CREATE), 0);

	/* well formed, but only raw images are supported */
	cfg.disks[0]->format = HV_DISK_FORMAT_QCOW2;
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, 0), 0);
	refused(&cfg, HV_CONFIG_VALIDATE_CREATE, HV_ERROR_NOSYS,
		"E: domain \"d\": disks[0]: vdev xvda: format qcow2: hv supports only raw images (convert it, e.g. qemu-img convert -O raw /a /a.raw, and give format=raw)");
	hv_domain_config_dispose(&cfg);
}
END_TEST

/* Xen's credit: bytes per interval */
START_TEST(test_vif_rate)
{
	static const struct {
		const char *s;
		uint64_t bytes, us;
	} good[] = {
		{ "10Mb/s@20ms", 25000, 20000 },	/* 1.25 MB/s for 20 ms */
		{ "100MB/s", 5000000, 50000 },		/* default interval 50 ms */
		{ "1Gb/s@10us", 1250, 10 },
		{ "8b/s@1s", 1, 1000000 },
		{ "1B/s@100", 1, 100 },			/* no suffix: microseconds */
		{ "3KB/s@1ms", 3, 1000 },
	};
	static const char *const bad[] = {
		"", "fast", "10Mb", "10Mb/s@", "10Mb/s@ms", "10Mb/s@20h", "0Mb/s",
		"10M/s", "10Mb/s@0ms", "10Mb/s@11s", "99999999999999999999B/s",
	};
	uint64_t b, us;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(hv__rate_parse(good[i].s, &b, &us) == 0, "%s", good[i].s);
		ck_assert_msg(b == good[i].bytes && us == good[i].us, "%s: %llu bytes per %llu us",
			      good[i].s, (unsigned long long)b, (unsigned long long)us);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(hv__rate_parse(bad[i], &b, &us) == -1, "%s", bad[i]);
}
END_TEST

/* devids, MACs and bridges a domain's vifs get */
START_TEST(test_vifs_complete)
{
	static const uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	static const uint8_t uuid2[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17 };
	static const char *const specs[] = { "", "devid=0", "mac=00:16:3e:00:00:01,bridge=br1", "" };
	uint8_t m[6], m2[6];
	hv_domain_config cfg;
	hv_vif_spec *v;

	config_of(&cfg, NULL, 0);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(hv_vif_spec_parse(ctx, specs[i], &v), 0);
		ck_assert_int_eq(hv_domain_config_add_vif(&cfg, v), 0);
	}
	ck_assert_int_eq(hv__vifs_complete(&cfg, uuid), 0);
	/* a given devid is kept, the others take the lowest free ones in order */
	ck_assert_uint_eq(cfg.vifs[0]->devid, 1);
	ck_assert_uint_eq(cfg.vifs[1]->devid, 0);
	ck_assert_uint_eq(cfg.vifs[2]->devid, 2);
	ck_assert_uint_eq(cfg.vifs[3]->devid, 3);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(cfg.vifs[i]->has_mac, 1);
		ck_assert_str_eq(cfg.vifs[i]->bridge, i == 2 ? "br1" : HV_VIF_DEFAULT_BRIDGE);
		/* Xen's prefix, unicast, locally unique */
		if (i != 2)
			ck_assert(cfg.vifs[i]->mac[0] == 0 && cfg.vifs[i]->mac[1] == 0x16 &&
				  cfg.vifs[i]->mac[2] == 0x3e && !(cfg.vifs[i]->mac[3] & 0x80));
	}
	ck_assert_uint_eq(cfg.vifs[2]->mac[5], 1);
	ck_assert_mem_ne(cfg.vifs[0]->mac, cfg.vifs[1]->mac, 6);
	/* stable for one domain, another for another */
	hv__vif_default_mac(uuid, 1, m);
	ck_assert_mem_eq(m, cfg.vifs[0]->mac, 6);
	hv__vif_default_mac(uuid2, 1, m2);
	ck_assert_mem_ne(m, m2, 6);
	/* idempotent: a second pass changes nothing */
	memcpy(m, cfg.vifs[3]->mac, 6);
	ck_assert_int_eq(hv__vifs_complete(&cfg, uuid2), 0);
	ck_assert_mem_eq(m, cfg.vifs[3]->mac, 6);
	ck_assert_uint_eq(cfg.vifs[3]->devid, 3);
	/* a devid given twice is refused */
	cfg.vifs[3]->devid = 0;
	refused(&cfg, 0, HV_ERROR_CONFIG, "vifs[3]: devid 0 is also vifs[1]'s");
	hv_domain_config_dispose(&cfg);
}
END_TEST

START_TEST(test_disk_limit)
{
	char specs[HV_DOMAIN_MAX_DISKS + 2][32];
	const char *p[HV_DOMAIN_MAX_DISKS + 2];
	hv_domain_config cfg;

	for (int i = 0; i < HV_DOMAIN_MAX_DISKS + 1; i++) {
		snprintf(specs[i], sizeof(specs[i]), "/d%d,raw,xvd%c", i, 'a' + i);
		p[i] = specs[i];
	}
	/* 12 disks and an empty CD-ROM drive are fine */
	snprintf(specs[HV_DOMAIN_MAX_DISKS], sizeof(specs[0]), ",,hdt,cdrom");
	config_of(&cfg, p, HV_DOMAIN_MAX_DISKS + 1);
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, HV_CONFIG_VALIDATE_CREATE), 0);
	hv_domain_config_dispose(&cfg);
	/* a 13th with a target is not */
	snprintf(specs[HV_DOMAIN_MAX_DISKS], sizeof(specs[0]), "/d12,raw,xvdm");
	config_of(&cfg, p, HV_DOMAIN_MAX_DISKS + 1);
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, 0), 0);
	refused(&cfg, HV_CONFIG_VALIDATE_CREATE, HV_ERROR_CONFIG,
		"E: domain \"d\": disk: 13 disks, more than the 12 hv gives a domain (an empty CD-ROM drive does not count)");
	hv_domain_config_dispose(&cfg);
}
END_TEST

/* What the create checks refuse besides disks: xl create -n says the same. */
START_TEST(test_validate_create)
{
	hv_domain_config cfg;
	hv_vif_spec *vif = NULL;

	config_of(&cfg, NULL, 0);
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, HV_CONFIG_VALIDATE_CREATE), 0);
	cfg.memory_mib = 8;
	refused(&cfg, HV_CONFIG_VALIDATE_CREATE, HV_ERROR_CONFIG,
		"E: domain \"d\": memory: 8 MiB is out of range (16 MiB to 4194304 MiB)");
	cfg.memory_mib = 64;
	cfg.vcpus = 65;
	refused(&cfg, HV_CONFIG_VALIDATE_CREATE, HV_ERROR_CONFIG, "E: domain \"d\": vcpus: at most 64");
	cfg.vcpus = 1;
	cfg.on_crash = HV_ACTION_COREDUMP_RESTART;
	refused(&cfg, HV_CONFIG_VALIDATE_CREATE, HV_ERROR_NOSYS,
		"E: domain \"d\": on_crash: core dumps are not supported yet");
	cfg.on_crash = HV_ACTION_DESTROY;
	cfg.extra = strdup("console=\x01");
	refused(&cfg, HV_CONFIG_VALIDATE_CREATE, HV_ERROR_CONFIG,
		"E: domain \"d\": cmdline: control characters cannot be passed to the kernel");
	free(cfg.extra);
	cfg.extra = strdup("caf\xc3\xa9");	/* UTF-8 goes through as bytes */
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, HV_CONFIG_VALIDATE_CREATE), 0);
	free(cfg.extra);
	cfg.extra = NULL;
	/* hvm boots its kernel as pvh does; without one it would need firmware */
	cfg.type = HV_DOMAIN_HVM;
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, HV_CONFIG_VALIDATE_CREATE), 0);
	free(cfg.kernel);
	cfg.kernel = NULL;
	refused(&cfg, HV_CONFIG_VALIDATE_CREATE, HV_ERROR_NOSYS,
		"E: domain \"d\": type: \"hvm\" without a kernel boots firmware, which hv does not have yet");
	cfg.kernel = strdup("/k");
	cfg.cpus = strdup("0-1");
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, HV_CONFIG_VALIDATE_CREATE), 0);
	/* pinned by hvd (which host CPUs are online is its to say): no warning */
	ck_assert_str_eq(logbuf, "");
	ck_assert_int_eq(hv_vif_spec_parse(ctx, "bridge=br0", &vif), 0);
	ck_assert_int_eq(hv_domain_config_add_vif(&cfg, vif), 0);
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, HV_CONFIG_VALIDATE_CREATE), 0);
	vif->model = strdup("e1000");
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, 0), 0);
	refused(&cfg, HV_CONFIG_VALIDATE_CREATE, HV_ERROR_NOSYS,
		"E: domain \"d\": vifs[0]: model e1000: hv's network device is virtio-net (use model=virtio, or leave model out)");
	free(vif->model);
	vif->model = strdup("virtio");
	vif->script = strdup("vif-bridge");
	refused(&cfg, HV_CONFIG_VALIDATE_CREATE, HV_ERROR_NOSYS,
		"vifs[0]: script vif-bridge: hv makes the tap and puts it on its bridge itself");
	free(vif->script);
	vif->script = NULL;
	for (int i = 1; i <= HV_DOMAIN_MAX_VIFS; i++) {
		ck_assert_int_eq(hv_vif_spec_parse(ctx, "", &vif), 0);
		ck_assert_int_eq(hv_domain_config_add_vif(&cfg, vif), 0);
	}
	ck_assert_int_eq(hv_config_validate(ctx, &cfg, 0), 0);
	refused(&cfg, HV_CONFIG_VALIDATE_CREATE, HV_ERROR_CONFIG,
		"vif: 9 vifs, more than the 8 hv gives a domain");
	refused(&cfg, 4, HV_ERROR_INVAL, "unknown flags 0x4");
	hv_domain_config_dispose(&cfg);
}
END_TEST

/* Nodes 0 (CPUs 0-1) and 1 (CPUs 2-3) for "nodes:". */
static int two_nodes(unsigned int node, cpu_set_t *cpus)
{
	if (node > 1)
		return -1;
	CPU_ZERO(cpus);
	CPU_SET(node * 2, cpus);
	CPU_SET(node * 2 + 1, cpus);
	return 0;
}

/* s parsed and formatted back for a host of 8 CPUs */
static const char *cpulist(const char *s)
{
	static char out[512];
	char why[256];
	cpu_set_t set;
	const char *bad = hv__cpulist_parse(s, &set, two_nodes, why, sizeof(why));

	if (bad) {
		snprintf(out, sizeof(out), "E: %s", bad);
		return out;
	}
	if (hv__cpulist_format(&set, 8, out, sizeof(out)))
		return "(too long)";
	return out;
}

START_TEST(test_cpulist)
{
	char why[256], small[3];
	cpu_set_t set;

	static const struct { const char *in, *out; } cases[] = {
		{ "3", "3" },
		{ "0-3,^1", "0,2-3" },
		{ "^1", "0,2-1023" },
		{ "1,1,2-2", "1-2" },
		{ "nodes:1", "2-3" },
		{ "node:0-1,^nodes:0", "2-3" },
		{ "6,1023", "6,1023" },
		{ "3,^3", "" },
		{ "nodes:2", "E: names NUMA node 2, which this host does not have" },
		{ "1024", "E: names CPU 1024; hv pins to CPUs 0 to 1023 only" },
		{ "3-1", "E: is not a CPU list: range \"3-1\" runs backwards (write it low-high, e.g. \"1-3\")" },
		{ "1,,2", "E: is not a CPU list: \"\" is not a CPU, a range or \"all\" (try \"0-3\", \"0-3,^1\", \"all\" or \"nodes:0\")" },
		{ "1-", "E: is not a CPU list: \"1-\" is not a CPU, a range or \"all\" (try \"0-3\", \"0-3,^1\", \"all\" or \"nodes:0\")" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(cpulist(cases[i].in), cases[i].out);
	ck_assert_ptr_nonnull(hv__cpulist_parse("99999", &set, NULL, why, sizeof(why)));
	/* "all" is all of the host's CPUs and only those */
	CPU_ZERO(&set);
	for (int c = 0; c < 8; c++)
		CPU_SET(c, &set);
	ck_assert_int_eq(hv__cpulist_format(&set, 8, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "all");
	ck_assert_int_eq(hv__cpulist_format(&set, 16, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "0-7");
	ck_assert_int_eq(hv__cpulist_format(&set, 16, small, sizeof(small)), -1);
	/* without a set only the syntax counts: nodes are not looked up */
	ck_assert_ptr_null(hv__check_cpus("nodes:7", why, sizeof(why)));
}
END_TEST

START_TEST(test_sizes)
{
	uint64_t v;

	ck_assert_int_eq(hv__parse_size("0", 1, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(hv__parse_size("12k", 3, &v), 0);
	ck_assert_uint_eq(v, 12 << 10);
	ck_assert_int_eq(hv__parse_size("3G", 2, &v), 0);
	ck_assert_uint_eq(v, 3ull << 30);
	ck_assert_int_eq(hv__parse_size("9223372036854775807", 19, &v), 0);
	ck_assert_uint_eq(v, INT64_MAX);
	ck_assert_int_eq(hv__parse_size("9223372036854775808", 19, &v), -1);
	ck_assert_int_eq(hv__parse_size("8589934592G", 11, &v), -1);
	ck_assert_int_eq(hv__parse_size("", 0, &v), -1);
	ck_assert_int_eq(hv__parse_size("M", 1, &v), -1);
	ck_assert_int_eq(hv__parse_size("1MB", 3, &v), -1);
	/* only the @n bytes count */
	ck_assert_int_eq(hv__parse_size("64,queues=1", 2, &v), 0);
	ck_assert_uint_eq(v, 64);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config-disk");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_grammar);
	tcase_add_test(tc, test_grammar_errors);
	tcase_add_test(tc, test_vdev_numbers);
	tcase_add_test(tc, test_guest_order);
	tcase_add_test(tc, test_queues_default);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_validate);
	tcase_add_test(tc, test_disk_limit);
	tcase_add_test(tc, test_vif_rate);
	tcase_add_test(tc, test_vifs_complete);
	tcase_add_test(tc, test_validate_create);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_cpulist);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
