/*
 * libFuzzer target for the libvirt domain XML reader and writer.
 *
 * Each input is read as a libvirt domain description; what is accepted
 * must be written back as XML (which cannot fail for a description read
 * from XML), read again to the same JSON, and written again to the same
 * XML.  Build with -fsanitize=fuzzer,address,undefined and link against
 * libhv; seeds: tests/data/libvirt/.
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
	char *x1 = NULL, *x2 = NULL, *j1 = NULL, *j2 = NULL;

	hv_config_validate(ctx, cfg, HV_CONFIG_VALIDATE_CREATE);
	if (hv_domain_config_to_xml(ctx, cfg, &x1))
		abort();
	hv_domain_config_init(&back);
	if (hv_domain_config_from_xml(ctx, "again.xml", x1, strlen(x1), &back))
		abort();
	if (hv_config_to_json(ctx, cfg, &j1) || hv_config_to_json(ctx, &back, &j2) ||
	    strcmp(j1, j2))
		abort();
	if (hv_domain_config_to_xml(ctx, &back, &x2) || strcmp(x1, x2))
		abort();
	free(x1);
	free(x2);
	free(j1);
	free(j2);
	hv_domain_config_dispose(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hv_domain_config cfg;
	hv_ctx *ctx;

	if (hv_ctx_new(&ctx))
		return 0;
	hv_ctx_set_logger(ctx, fuzz_logger, NULL, HV_LOG_DEBUG);
	hv_domain_config_init(&cfg);
	if (!hv_domain_config_from_xml(ctx, "fuzz.xml", (const char *)data, size, &cfg))
		round_trip(ctx, &cfg);
	hv_domain_config_dispose(&cfg);
	hv_ctx_free(ctx);
	return 0;
}
