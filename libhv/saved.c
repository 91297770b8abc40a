/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a saved domain may use of the host.  An image is hostile input: its
 * configuration must not choose the host files and interfaces a restore
 * opens (a kernel or ramdisk of /etc/shadow, a disk of /dev/sda, a bridge
 * to the management network).  So each save records here, on the host
 * and in a directory of the caller's own, the domain's host bindings
 * (kernel, ramdisk, each disk's target, access, type, format and script,
 * each vif's bridge, host name, script and addresses) under its UUID; a
 * restore without a configuration of the caller's goes ahead only if the
 * image names exactly what was recorded.  With a configuration, the
 * caller's bindings are used and the image's ignored (saverestore.c).
 *
 * The records live in HV_STATEDIR/saved, or, without HV_STATEDIR, in
 * HV_RUNDIR/saved when HV_RUNDIR is set (a private hvd), else
 * /var/lib/hv/saved for root and $XDG_STATE_HOME/hv/saved (default
 * ~/.local/state/hv/saved) for other users: they outlive a reboot, as
 * images do.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "client.h"
#include "domain_int.h"

#define SAVED_MAX (64 * 1024)	/* a record's most bytes */

/* The records' directory into @buf (created, mode 0700, when @create). */
static int saved_dir(hv_ctx *ctx, char *buf, size_t len, bool create)
{
	const char *env = getenv("HV_STATEDIR"), *base = NULL, *sub = "saved";
	char path[PATH_MAX];
	int n;

	if (env && *env) {
		base = env;
	} else if ((env = getenv("HV_RUNDIR")) && *env) {
		base = env;
	} else if (geteuid() == 0) {
		base = "/var/lib/hv";
	} else if ((env = getenv("XDG_STATE_HOME")) && *env) {
		base = env;
		sub = "hv/saved";
	} else if ((env = getenv("HOME")) && *env) {
		base = env;
		sub = ".local/state/hv/saved";
	} else {
		HV__ERR(ctx, "no directory for the records of saved domains: set HV_STATEDIR");
		return HV_ERROR_INVAL;
	}
	n = snprintf(buf, len, "%s/%s", base, sub);
	if (n < 0 || (size_t)n >= len) {
		HV__ERR(ctx, "%s/%s: path too long (set HV_STATEDIR to a shorter one)", base, sub);
		return HV_ERROR_INVAL;
	}
	if (!create)
		return 0;
	/* mkdir -p, 0700 for what is made */
	snprintf(path, sizeof(path), "%s", buf);
	for (char *p = path + 1, c = 1; c; p++) {
		if (*p != '/' && *p)
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			HV__ERR(ctx, "cannot create %s for the records of saved domains: %s (set HV_STATEDIR to a directory you can write)",
				path, strerror(errno));
			return HV_ERROR_IO;
		}
		*p = c;
	}
	return 0;
}

static int saved_path(hv_ctx *ctx, const uint8_t uuid[16], char *buf, size_t len,
		      bool create)
{
	char dir[PATH_MAX];
	int rc = saved_dir(ctx, dir, sizeof(dir), create), n;

	if (rc)
		return rc;
	n = snprintf(buf, len, "%s/", dir);
	for (int i = 0; i < 16 && n > 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%02x", uuid[i]);
	if (n < 0 || (size_t)n + 1 >= len) {
		HV__ERR(ctx, "%s: path too long (set HV_STATEDIR to a shorter one)", dir);
		return HV_ERROR_INVAL;
	}
	return 0;
}

/* Appends "KEY=LEN:VALUE\n" ("KEY=-\n" for NULL) to the record in @b. */
static int put(char **b, size_t *len, const char *key, const char *v)
{
	char *n;
	int r = v ? asprintf(&n, "%s%s=%zu:%s\n", *b ? *b : "", key, strlen(v), v) :
		    asprintf(&n, "%s%s=-\n", *b ? *b : "", key);

	if (r < 0)
		return HV_ERROR_NOMEM;
	free(*b);
	*b = n;
	*len = (size_t)r;
	return 0;
}

static int put_int(char **b, size_t *len, const char *key, long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%ld", v);
	return put(b, len, key, num);
}

/*
 * @cfg's host bindings as text, one per line, in a fixed order, into *@r
 * (allocated): the same bindings give the same text.
 */
static int bindings(const hv_domain_config *cfg, char **r, size_t *len_r)
{
	char *b = NULL, key[48];
	size_t len = 0;
	int rc;

	rc = put(&b, &len, "kernel", cfg->kernel);
	if (!rc)
		rc = put(&b, &len, "ramdisk", cfg->ramdisk);
	for (size_t i = 0; !rc && i < cfg->nr_disks; i++) {
		const hv_disk_spec *d = cfg->disks[i];

		snprintf(key, sizeof(key), "disk%zu.target", i);
		rc = put(&b, &len, key, d->target);
		snprintf(key, sizeof(key), "disk%zu.script", i);
		if (!rc)
			rc = put(&b, &len, key, d->script);
		snprintf(key, sizeof(key), "disk%zu.access", i);
		if (!rc)
			rc = put_int(&b, &len, key, d->access);
		snprintf(key, sizeof(key), "disk%zu.devtype", i);
		if (!rc)
			rc = put_int(&b, &len, key, d->devtype);
		snprintf(key, sizeof(key), "disk%zu.format", i);
		if (!rc)
			rc = put_int(&b, &len, key, d->format);
	}
	for (size_t i = 0; !rc && i < cfg->nr_vifs; i++) {
		const hv_vif_spec *v = cfg->vifs[i];

		snprintf(key, sizeof(key), "vif%zu.bridge", i);
		rc = put(&b, &len, key, v->bridge);
		snprintf(key, sizeof(key), "vif%zu.vifname", i);
		if (!rc)
			rc = put(&b, &len, key, v->vifname);
		snprintf(key, sizeof(key), "vif%zu.script", i);
		if (!rc)
			rc = put(&b, &len, key, v->script);
		snprintf(key, sizeof(key), "vif%zu.ip", i);
		if (!rc)
			rc = put(&b, &len, key, v->ip);
	}
	if (!rc && !b)
		rc = put(&b, &len, "none", NULL);
	if (rc) {
		free(b);
		return rc;
	}
	*r = b;
	*len_r = len;
	return 0;
}

int hv__saved_record(hv_ctx *ctx, const hv_domain_config *cfg, const uint8_t uuid[16])
{
	char path[PATH_MAX], tmp[PATH_MAX + 8], *text = NULL;
	size_t len = 0;
	int fd, rc;

	rc = saved_path(ctx, uuid, path, sizeof(path), true);
	if (!rc)
		rc = bindings(cfg, &text, &len);
	if (rc)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0 ||
	    rename(tmp, path) < 0) {
		HV__ERR(ctx, "cannot write %s, the record of what the saved domain \"%s\" may use: %s",
			path, cfg->name, strerror(errno));
		rc = HV_ERROR_IO;
		unlink(tmp);
	}
	if (fd >= 0)
		close(fd);
	free(text);
	return rc;
}

/* The record for @uuid into *@r (allocated), or an error said. */
static int saved_read(hv_ctx *ctx, const char *name, const uint8_t uuid[16], char **r)
{
	char path[PATH_MAX], *buf;
	struct stat st;
	ssize_t n;
	int fd, rc;

	rc = saved_path(ctx, uuid, path, sizeof(path), false);
	if (rc)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			HV__ERR(ctx, "restore: this host has no record of saving domain \"%s\" (no %s): an image does not choose the host files and bridges a domain uses; restore it with a configuration that names them (xl restore CONFIG IMAGE)",
				name, path);
		else
			HV__ERR(ctx, "restore: cannot read %s, the record of domain \"%s\": %s",
				path, name, strerror(errno));
		return HV_ERROR_PERM;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) || st.st_size > SAVED_MAX) {
		HV__ERR(ctx, "restore: %s, the record of domain \"%s\", is not a file of this user's that only it may write: not trusted (remove it, and restore with a configuration: xl restore CONFIG IMAGE)",
			path, name);
		close(fd);
		return HV_ERROR_PERM;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return HV_ERROR_NOMEM;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		HV__ERR(ctx, "restore: cannot read %s", path);
		free(buf);
		return HV_ERROR_IO;
	}
	buf[n] = '\0';
	*r = buf;
	return 0;
}

/* The line of @text where it first differs from @other, cut at its end. */
static char *first_difference(const char *text, const char *other)
{
	const char *a = text, *b = other, *line = text;

	while (*a && *a == *b) {
		if (*a == '\n')
			line = a + 1;
		a++;
		b++;
	}
	return strndup(line, strcspn(line, "\n"));
}

int hv__saved_check(hv_ctx *ctx, const hv_domain_config *image)
{
	char *want = NULL, *have = NULL, *diff_img = NULL, *diff_rec = NULL;
	size_t len;
	int rc;

	if (!image->has_uuid) {
		HV__ERR(ctx, "restore: the image of domain \"%s\" has no UUID, so this host cannot tell what it may use: restore it with a configuration that names its files and bridges (xl restore CONFIG IMAGE)",
			image->name);
		return HV_ERROR_PERM;
	}
	rc = saved_read(ctx, image->name, image->uuid, &want);
	if (!rc)
		rc = bindings(image, &have, &len);
	if (rc)
		goto out;
	if (strcmp(want, have)) {
		diff_img = first_difference(have, want);
		diff_rec = first_difference(want, have);
		HV__ERR(ctx, "restore: the image of domain \"%s\" names host files or bridges this host did not record when it was saved (the image: %s; recorded: %s): an image does not choose what a domain uses; restore it with a configuration that names them (xl restore CONFIG IMAGE)",
			image->name, diff_img && *diff_img ? diff_img : "(nothing)",
			diff_rec && *diff_rec ? diff_rec : "(nothing)");
		rc = HV_ERROR_PERM;
	}
out:
	free(want);
	free(have);
	free(diff_img);
	free(diff_rec);
	return rc;
}
