/* Unit tests for the libhv context, error codes and exported symbols. */
#include <check.h>
#include "check-main.h"
#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <hv/hv.h>
#include <hv/domain.h>

START_TEST(test_strerror_every_code)
{
	for (int rc = 0; rc >= HV_ERROR_MIN; rc--) {
		const char *s = hv_strerror(rc);
		ck_assert_ptr_nonnull(s);
		ck_assert_str_ne(s, "unknown error");
	}
	ck_assert_str_eq(hv_strerror(HV_ERROR_MIN - 1), "unknown error");
	ck_assert_str_eq(hv_strerror(1), "unknown error");
	ck_assert_str_eq(hv_strerror(HV_ERROR_NOMEM), "out of memory");
}
END_TEST

static char last_msg[512];
static int nmsg;

static void logger(void *opaque, enum hv_log_level level, const char *fmt, va_list ap)
{
	(void)opaque;
	(void)level;
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	nmsg++;
}

START_TEST(test_ctx_version)
{
	hv_ctx *ctx = NULL;

	ck_assert_int_eq(hv_ctx_new(&ctx), 0);
	ck_assert_ptr_nonnull(ctx);
	hv_ctx_set_logger(ctx, logger, NULL, HV_LOG_DEBUG);
	ck_assert_str_eq(hv_version(), PACKAGE_VERSION);
	hv_ctx_free(ctx);
	hv_ctx_free(NULL);
}
END_TEST

/*
 * The ABI: every public function with the version node it belongs to.  A
 * symbol is only ever added, in a new node; this table, libhv.map and the
 * library must agree.
 */
static const struct { const char *name, *node; } abi[] = {
	{ "hv_ctx_new", "HV_1.0" }, { "hv_ctx_free", "HV_1.0" },
	{ "hv_ctx_set_logger", "HV_1.0" }, { "hv_strerror", "HV_1.0" },
	{ "hv_version", "HV_1.0" }, { "hv_config_from_json", "HV_1.0" },
	{ "hv_config_parse_xl_buffer", "HV_1.0" },
	{ "hv_config_parse_xl_file", "HV_1.0" }, { "hv_config_set", "HV_1.0" },
	{ "hv_config_to_json", "HV_1.0" }, { "hv_config_validate", "HV_1.0" },
	{ "hv_disk_spec_free", "HV_1.0" }, { "hv_disk_spec_new", "HV_1.0" },
	{ "hv_disk_spec_parse", "HV_1.0" },
	{ "hv_domain_config_add_disk", "HV_1.0" },
	{ "hv_domain_config_add_vif", "HV_1.0" },
	{ "hv_domain_config_copy", "HV_1.0" },
	{ "hv_domain_config_dispose", "HV_1.0" },
	{ "hv_domain_config_init_sized", "HV_1.0" },
	{ "hv_domain_config_kernel_cmdline", "HV_1.0" },
	{ "hv_vif_spec_free", "HV_1.0" }, { "hv_vif_spec_new", "HV_1.0" },
	{ "hv_vif_spec_parse", "HV_1.0" }, { "hv_domain_console", "HV_1.0" },
	{ "hv_domain_create", "HV_1.0" }, { "hv_domain_destroy", "HV_1.0" },
	{ "hv_domain_info", "HV_1.0" }, { "hv_domain_list", "HV_1.0" },
	{ "hv_domain_lookup", "HV_1.0" }, { "hv_domain_pause", "HV_1.0" },
	{ "hv_domain_reboot", "HV_1.0" }, { "hv_domain_rename", "HV_1.0" },
	{ "hv_domain_shutdown", "HV_1.0" }, { "hv_domain_unpause", "HV_1.0" },
	{ "hv_event_fd", "HV_1.0" }, { "hv_event_next", "HV_1.0" },
	{ "hv_event_wait", "HV_1.0" }, { "hv_physinfo_get", "HV_1.0" },
	{ "hv_domain_config_get", "HV_1.1" }, { "hv_domain_restore", "HV_1.1" },
	{ "hv_domain_save", "HV_1.1" }, { "hv_domain_save_config", "HV_1.1" },
	{ "hv_dominfo_init_sized", "HV_1.2" },
	{ "hv_dominfo_list_free", "HV_1.2" },
	{ "hv_event_init_sized", "HV_1.2" },
	{ "hv_physinfo_init_sized", "HV_1.2" },
	{ "hv_progress_init_sized", "HV_1.2" },
	{ "hv_restore_params_init_sized", "HV_1.2" },
	{ "hv_domain_disk_attach", "HV_1.4" },
	{ "hv_domain_disk_detach", "HV_1.4" },
	{ "hv_domain_meminfo", "HV_1.5" },
	{ "hv_domain_set_memory_max", "HV_1.5" },
	{ "hv_domain_set_memory_target", "HV_1.5" },
	{ "hv_meminfo_init_sized", "HV_1.5" },
	{ "hv_domain_nic_attach", "HV_1.5" },
	{ "hv_domain_nic_detach", "HV_1.5" },
	{ "hv_domain_trigger", "HV_1.6" },
	{ "hv_hvd_log_read", "HV_1.6" },
	{ "hv_domain_config_from_xml", "HV_1.7" },
	{ "hv_domain_config_from_xml_file", "HV_1.7" },
	{ "hv_domain_config_to_xml", "HV_1.7" },
	{ "hv_domain_stats", "HV_1.8" },
	{ "hv_domain_stats_all", "HV_1.8" },
	{ "hv_domstats_free", "HV_1.8" },
	{ "hv_domstats_list_free", "HV_1.8" },
	{ "hv_config_read_settings", "HV_1.10" },
	{ "hv_domain_vcpu_list", "HV_1.11" },
	{ "hv_domain_vcpu_pin", "HV_1.11" },
	{ "hv_domain_migrate_send", "HV_1.12" },
	{ "hv_domain_migrate_receive", "HV_1.12" },
	{ "hv_migrate_params_init_sized", "HV_1.12" },
	{ "hv_migrate_stats_init_sized", "HV_1.12" },
	{ "hv_domain_dump_core", "HV_1.13" },
	{ "hv_domain_save_sealed", "HV_1.13" },
	{ "hv_seal_key_from_bytes", "HV_1.13" },
	{ "hv_seal_key_read", "HV_1.13" },
	{ "hv_seal_key_wipe", "HV_1.13" },
	{ "hv_domain_sched_get", "HV_1.13" },
	{ "hv_domain_sched_set", "HV_1.13" },
	{ "hv_domain_config_update", "HV_1.14" },
};
#define NR_ABI (sizeof(abi) / sizeof(abi[0]))

START_TEST(test_symbol_versions)
{
	for (size_t i = 0; i < NR_ABI; i++) {
		void *p = dlvsym(RTLD_DEFAULT, abi[i].name, abi[i].node);

		if (!p)
			ck_abort_msg("%s@%s is not exported", abi[i].name,
				     abi[i].node);
	}
	/* internals stay hidden */
	ck_assert_ptr_null(dlsym(RTLD_DEFAULT, "hv__call"));
	ck_assert_ptr_null(dlsym(RTLD_DEFAULT, "hv__log"));
}
END_TEST

/* libhv.map names exactly the functions of the table, in the same nodes. */
START_TEST(test_symbol_map)
{
	FILE *f = fopen(HV_MAP_FILE, "r");
	char line[256], node[160] = "";
	size_t seen = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		char name[128];
		bool found = false;

		if (sscanf(line, "HV_%31[0-9.] {", name) == 1) {
			snprintf(node, sizeof(node), "HV_%s", name);
			continue;
		}
		if (sscanf(line, " %127[a-z_0-9];", name) != 1 ||
		    strncmp(name, "hv_", 3))
			continue;
		for (size_t i = 0; i < NR_ABI && !found; i++)
			found = !strcmp(abi[i].name, name) &&
				!strcmp(abi[i].node, node);
		if (!found)
			ck_abort_msg("libhv.map: %s in %s is not in the test's table",
				     name, node);
		seen++;
	}
	fclose(f);
	ck_assert_uint_eq(seen, NR_ABI);
	ck_assert_int_eq(HV_API_VERSION_CURRENT, 0x010b00);
}
END_TEST

/* A key file's content and the file give one key; bad lengths are refused and wipe. */
START_TEST(test_seal_key_from_bytes)
{
	char path[] = "/tmp/test-libhv-key.XXXXXX";
	unsigned char material[40];
	hv_seal_key a, b;
	hv_ctx *ctx = NULL;
	int fd;

	for (size_t i = 0; i < sizeof(material); i++)
		material[i] = (unsigned char)(i * 37);	/* NUL bytes included */
	ck_assert_int_eq(hv_ctx_new(&ctx), 0);
	hv_ctx_set_logger(ctx, logger, NULL, HV_LOG_DEBUG);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, material, sizeof(material)), (int)sizeof(material));
	close(fd);
	ck_assert_int_eq(hv_seal_key_read(ctx, path, &a), 0);
	unlink(path);
	ck_assert_int_eq(hv_seal_key_from_bytes(ctx, material, sizeof(material), &b), 0);
	ck_assert_mem_eq(a.bytes, b.bytes, HV_SEAL_KEY_SIZE);
	material[0] ^= 1;
	ck_assert_int_eq(hv_seal_key_from_bytes(ctx, material, sizeof(material), &b), 0);
	ck_assert(memcmp(a.bytes, b.bytes, HV_SEAL_KEY_SIZE) != 0);
	/* 31 and 4097 bytes, and none: refused, saying how to make a key */
	ck_assert_int_eq(hv_seal_key_from_bytes(ctx, material, 31, &b), HV_ERROR_INVAL);
	ck_assert_ptr_nonnull(strstr(last_msg, "head -c 32"));
	for (size_t i = 0; i < HV_SEAL_KEY_SIZE; i++)
		ck_assert_uint_eq(b.bytes[i], 0);
	{
		unsigned char *big = calloc(1, 4097);

		ck_assert_ptr_nonnull(big);
		ck_assert_int_eq(hv_seal_key_from_bytes(ctx, big, 4097, &b), HV_ERROR_INVAL);
		ck_assert_int_eq(hv_seal_key_from_bytes(ctx, big, 4096, &b), 0);
		free(big);
	}
	ck_assert_int_eq(hv_seal_key_from_bytes(ctx, NULL, 32, &b), HV_ERROR_INVAL);
	hv_seal_key_wipe(&a);
	for (size_t i = 0; i < HV_SEAL_KEY_SIZE; i++)
		ck_assert_uint_eq(a.bytes[i], 0);
	hv_ctx_free(ctx);
}
END_TEST

/* A sealed local migration is refused before hvd is asked or anything is sent. */
START_TEST(test_migrate_sealed_local_refused)
{
	hv_migrate_params p;
	hv_seal_key key;
	hv_ctx *ctx = NULL;
	char c;
	int sv[2];

	ck_assert_int_eq(hv_ctx_new(&ctx), 0);
	hv_ctx_set_logger(ctx, logger, NULL, HV_LOG_DEBUG);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(&key, 7, sizeof(key));
	hv_migrate_params_init(&p);
	p.flags = HV_MIGRATE_LOCAL;
	p.key = &key;
	ck_assert_int_eq(hv_domain_migrate_send(ctx, 4242, sv[0], sv[0], &p, NULL, NULL, NULL),
			 HV_ERROR_INVAL);
	ck_assert_ptr_nonnull(strstr(last_msg, "local"));
	ck_assert_int_eq(recv(sv[1], &c, 1, MSG_DONTWAIT), -1);
	close(sv[0]);
	close(sv[1]);
	hv_ctx_free(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libhv");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_strerror_every_code);
	tcase_add_test(tc, test_ctx_version);
	tcase_add_test(tc, test_symbol_versions);
	tcase_add_test(tc, test_symbol_map);
	tcase_add_test(tc, test_seal_key_from_bytes);
	tcase_add_test(tc, test_migrate_sealed_local_refused);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
