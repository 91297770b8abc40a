/* Unit tests for the libhv context and error codes. */
#include <check.h>
#include "check-main.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <hv/hv.h>

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

static char last_msg[128];
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

int main(void)
{
	Suite *s = suite_create("libhv");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_strerror_every_code);
	tcase_add_test(tc, test_ctx_version);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
