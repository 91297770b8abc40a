/*
 * Unit tests for opening and locking a disk's target as libhv (and hvd,
 * and a standalone hv-vmm) does, on real files: an image read-write in one
 * domain at a time, read-only in any number; what is not a file or block
 * device refused; the descriptors open as the disk is; the lock held by
 * every duplicate; the checks hvd makes of a descriptor that came for a
 * disk.  No hvd: the holder of a lock is "another process" here (its
 * lookup among the domains is in test-client.c).
 */
#include <check.h>
#include "check-main.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <hv/config.h>
#include "disk/target.h"
#include "domain_int.h"

static char logbuf[4096];
static char dir[] = "/tmp/hv-test-disk.XXXXXX";
static char image[64];
static hv_ctx *ctx;

static void logger(void *opaque, enum hv_log_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(logbuf);

	(void)opaque;
	(void)level;
	if (n + 2 < sizeof(logbuf)) {
		vsnprintf(logbuf + n, sizeof(logbuf) - n - 1, fmt, ap);
		strcat(logbuf, "\n");
	}
}

#define ck_log_has(s) \
	ck_assert_msg(strstr(logbuf, (s)), "log lacks [%s]; log is:\n%s", (s), logbuf)

static void setup(void)
{
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(image, sizeof(image), "%s/disk.img", dir);
	fd = open(image, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
	close(fd);
	/* no hvd: looking for the domain that holds a disk finds none at once */
	setenv("HV_RUNDIR", dir, 1);
	setenv("HV_HVD", "/nonexistent/hvd", 1);
	ck_assert_int_eq(hv_ctx_new(&ctx), 0);
	hv_ctx_set_logger(ctx, logger, NULL, HV_LOG_WARN);
	logbuf[0] = '\0';
}

static void teardown(void)
{
	hv_ctx_free(ctx);
	unlink(image);
	{
		char sock[96];

		snprintf(sock, sizeof(sock), "%s/hvd.sock", dir);
		unlink(sock);
	}
	rmdir(dir);
	strcpy(dir, "/tmp/hv-test-disk.XXXXXX");
}

static hv_disk_spec *spec(const char *text)
{
	hv_disk_spec *d = NULL;
	char *s;

	ck_assert_int_ge(asprintf(&s, "%s,target=%s", text, image), 0);
	ck_assert_int_eq(hv_disk_spec_parse(ctx, s, &d), 0);
	free(s);
	return d;
}

static int open_disk(const char *domain, const hv_disk_spec *d)
{
	logbuf[0] = '\0';
	return hv__disk_open(ctx, domain, d, false);
}

START_TEST(test_rw_once)
{
	hv_disk_spec *rw = spec("vdev=xvda"), *ro = spec("vdev=xvdb,access=ro");
	char want[256];
	int a, b, dup;

	a = open_disk("alpha", rw);
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(fcntl(a, F_GETFL) & O_ACCMODE, O_RDWR);
	ck_assert(fcntl(a, F_GETFD) & FD_CLOEXEC);
	/* a second read-write user, and a reader, are refused, saying so */
	ck_assert_int_eq(open_disk("beta", rw), HV_ERROR_BUSY);
	snprintf(want, sizeof(want), "domain \"beta\": disk xvda: %s is in use read-write by another process",
		 image);
	ck_log_has(want);
	ck_assert_int_eq(open_disk("beta", ro), HV_ERROR_BUSY);
	ck_log_has("in use read-write");
	/* the lock is the open file description's: a duplicate keeps it */
	dup = fcntl(a, F_DUPFD_CLOEXEC, 0);
	close(a);
	ck_assert_int_eq(open_disk("beta", rw), HV_ERROR_BUSY);
	close(dup);
	b = open_disk("beta", rw);
	ck_assert_msg(b >= 0, "%s", logbuf);
	close(b);
	hv_disk_spec_free(rw);
	hv_disk_spec_free(ro);
}
END_TEST

START_TEST(test_ro_shared)
{
	hv_disk_spec *ro = spec("vdev=xvda,access=ro"), *cd = spec("vdev=hdc,devtype=cdrom");
	hv_disk_spec *rw = spec("vdev=xvda");
	char want[256];
	int a, b, c;

	a = open_disk("alpha", ro);
	b = open_disk("beta", ro);
	c = open_disk("gamma", cd);
	ck_assert_msg(a >= 0 && b >= 0 && c >= 0, "%s", logbuf);
	ck_assert_int_eq(fcntl(a, F_GETFL) & O_ACCMODE, O_RDONLY);
	ck_assert_int_eq(fcntl(c, F_GETFL) & O_ACCMODE, O_RDONLY);
	/* ... but no writer while they read */
	ck_assert_int_eq(open_disk("delta", rw), HV_ERROR_BUSY);
	snprintf(want, sizeof(want), "disk xvda: %s is in use read-only by another process", image);
	ck_log_has(want);
	close(a);
	close(b);
	ck_assert_int_eq(open_disk("delta", rw), HV_ERROR_BUSY);
	close(c);
	a = open_disk("delta", rw);
	ck_assert_msg(a >= 0, "%s", logbuf);
	close(a);
	hv_disk_spec_free(ro);
	hv_disk_spec_free(cd);
	hv_disk_spec_free(rw);
}
END_TEST

START_TEST(test_refused_targets)
{
	hv_disk_spec *d = spec("vdev=xvda");
	char want[256];

	free(d->target);
	d->target = strdup(dir);
	ck_assert_int_eq(open_disk("alpha", d), HV_ERROR_CONFIG);
	snprintf(want, sizeof(want), "domain \"alpha\": disk xvda: %s: ", dir);
	ck_log_has(want);
	ck_log_has("give an image file or a block device");
	free(d->target);
	d->target = strdup("/dev/null");
	ck_assert_int_eq(open_disk("alpha", d), HV_ERROR_CONFIG);
	ck_log_has("/dev/null: it is a character device, not an image file or a block device");
	free(d->target);
	ck_assert_int_ge(asprintf(&d->target, "%s/missing.img", dir), 0);
	ck_assert_int_eq(open_disk("alpha", d), HV_ERROR_NOTFOUND);
	ck_log_has("missing.img: cannot open it for reading and writing: No such file or directory (check the target in the config)");
	hv_disk_spec_free(d);
}
END_TEST

START_TEST(test_direct)
{
	hv_disk_spec *d = spec("vdev=xvda,direct-io-safe");
	int fd = open_disk("alpha", d);

	/* O_DIRECT where the file system has it; a clear refusal where not */
	if (fd >= 0) {
		ck_assert(fcntl(fd, F_GETFL) & O_DIRECT);
		close(fd);
	} else {
		ck_assert_int_eq(fd, HV_ERROR_CONFIG);
		ck_log_has("its file system cannot do direct I/O (leave direct-io-safe out)");
	}
	hv_disk_spec_free(d);
}
END_TEST

START_TEST(test_all_disks)
{
	hv_domain_config cfg;
	hv_disk_spec *cd = NULL;
	int fds[HV_DOMAIN_MAX_DISKS];
	size_t n = 99;

	hv_domain_config_init(&cfg);
	cfg.name = strdup("alpha");
	ck_assert_int_eq(hv_disk_spec_parse(ctx, ",,hdc,cdrom", &cd), 0);
	ck_assert_int_eq(hv_domain_config_add_disk(&cfg, spec("vdev=xvdb,access=ro")), 0);
	ck_assert_int_eq(hv_domain_config_add_disk(&cfg, cd), 0);
	ck_assert_int_eq(hv_domain_config_add_disk(&cfg, spec("vdev=xvda,access=ro")), 0);
	/* one descriptor per disk with a target, in the list's order */
	ck_assert_int_eq(hv__disks_open(ctx, &cfg, fds, &n), 0);
	ck_assert_uint_eq(n, 2);
	hv__disks_close(fds, n);
	ck_assert_int_eq(fds[0], -1);
	/* one that fails leaves none open */
	cfg.disks[2]->access = HV_DISK_ACCESS_RW;
	ck_assert_int_eq(hv__disks_open(ctx, &cfg, fds, &n), HV_ERROR_BUSY);
	ck_assert_uint_eq(n, 0);
	ck_log_has("disk xvda:");
	n = 0;
	cfg.disks[0]->access = HV_DISK_ACCESS_RW;
	cfg.disks[2]->access = HV_DISK_ACCESS_RO;
	ck_assert_int_eq(hv__disks_open(ctx, &cfg, fds, &n), HV_ERROR_BUSY);
	hv_domain_config_dispose(&cfg);
}
END_TEST

START_TEST(test_check_fd)
{
	hv_disk_spec *rw = spec("vdev=xvda"), *ro = spec("vdev=xvdb,access=ro");
	char why[256];
	int r = open(image, O_RDONLY), w = open(image, O_RDWR), p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(disk_target_check_fd(rw, w, why, sizeof(why)), 0);
	ck_assert_int_eq(disk_target_check_fd(ro, r, why, sizeof(why)), 0);
	ck_assert_int_eq(disk_target_check_fd(ro, w, why, sizeof(why)), 0);
	ck_assert_int_eq(disk_target_check_fd(rw, r, why, sizeof(why)), -EBADF);
	ck_assert_str_eq(why, "disk xvda: its descriptor is open read-only, the disk is read-write");
	ck_assert_int_eq(disk_target_check_fd(ro, p[0], why, sizeof(why)), -EBADF);
	ck_assert_str_eq(why, "disk xvdb: its descriptor is not a regular file or a block device");
	ck_assert(disk_target_is(w, image));
	ck_assert(!disk_target_is(w, dir));
	close(r);
	close(w);
	close(p[0]);
	close(p[1]);
	hv_disk_spec_free(rw);
	hv_disk_spec_free(ro);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("disk-lock");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rw_once);
	tcase_add_test(tc, test_ro_shared);
	tcase_add_test(tc, test_refused_targets);
	tcase_add_test(tc, test_direct);
	tcase_add_test(tc, test_all_disks);
	tcase_add_test(tc, test_check_fd);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
