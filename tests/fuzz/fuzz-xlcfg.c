/*
 * libFuzzer target for the xl.cfg reader and the JSON round trip.
 *
 * Each input is read as an xl.cfg file; what parses must convert to JSON
 * and back to the same JSON.  The input is also fed to the override, disk,
 * vif and JSON readers.  Build with -fsanitize=fuzzer,address,undefined
 * and link against libhv; seeds: tests/data/config/.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/config.h>
#include "fuzz-log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(hv_ctx *ctx, const hv_domain_config *cfg)
{
	hv_domain_config back;
	char *j1 = NULL, *j2 = NULL;

	hv_config_validate(ctx, cfg, 0);
	if (hv_config_to_json(ctx, cfg, &j1))
		return;
	hv_domain_config_init(&back);
	if (hv_config_from_json(ctx, j1, &back))
		abort();
	if (hv_config_to_json(ctx, &back, &j2) || strcmp(j1, j2))
		abort();
	free(j1);
	free(j2);
	hv_domain_config_dispose(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hv_domain_config cfg;
	hv_disk_spec *disk;
	hv_vif_spec *vif;
	char *text, *cmdline;
	hv_ctx *ctx;

	if (hv_ctx_new(&ctx))
		return 0;
	hv_ctx_set_logger(ctx, fuzz_logger, NULL, HV_LOG_DEBUG);

	hv_domain_config_init(&cfg);
	if (!hv_config_parse_xl_buffer(ctx, "fuzz.cfg", (const char *)data,
				       size, &cfg)) {
		round_trip(ctx, &cfg);
		if (!hv_domain_config_kernel_cmdline(ctx, &cfg, &cmdline))
			free(cmdline);
	}

	text = malloc(size + 1);
	if (text) {
		memcpy(text, data, size);
		text[size] = '\0';
		if (!hv_config_set(ctx, &cfg, text))
			round_trip(ctx, &cfg);
		if (!hv_disk_spec_parse(ctx, text, &disk))
			hv_disk_spec_free(disk);
		if (!hv_vif_spec_parse(ctx, text, &vif))
			hv_vif_spec_free(vif);
		if (!hv_config_from_json(ctx, text, &cfg))
			round_trip(ctx, &cfg);
		free(text);
	}
	hv_domain_config_dispose(&cfg);
	hv_ctx_free(ctx);
	return 0;
}
