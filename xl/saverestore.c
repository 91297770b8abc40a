/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xl save, restore, dump-core. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "xl.h"

/* The first bytes of every image (docs/save-stream.md). */
#define IMAGE_MAGIC "HVSAVE\r\n"
#define IMAGE_MAGIC_LEN 8

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "512 KiB", "3.5 MiB", "256 MiB", "2.0 GiB" */
static void format_size(uint64_t bytes, char *buf, size_t len)
{
	double mib = (double)bytes / (1024 * 1024);

	if (bytes < 1024 * 1024)
		snprintf(buf, len, "%" PRIu64 " KiB", (bytes + 1023) / 1024);
	else if (mib < 10)
		snprintf(buf, len, "%.1f MiB", mib);
	else if (mib < 10240)
		snprintf(buf, len, "%.0f MiB", mib);
	else
		snprintf(buf, len, "%.1f GiB", mib / 1024);
}

/* --- save -------------------------------------------------------------- */

int main_save(int argc, char **argv)
{
	hv_domain_config cfg;
	hv_progress progress;
	hv_dominfo info;
	const char *file, *cfgfile = NULL, *keyfile = NULL;
	hv_seal_key key;
	bool checkpoint = false, paused = false, compress = false, q = false;
	bool regular = false, have_cfg = false, created;
	struct stat before = { 0 };
	unsigned int flags = 0;
	char label[128], size[32];
	struct stat st;
	uint32_t domid;
	off_t start = 0;
	double t0;
	int c, fd = -1, rc;

	hv_domain_config_init(&cfg);
	hv_dominfo_init(&info);
	memset(&key, 0, sizeof(key));
	while ((c = xl_getopt(argc, argv, "cpzqk:")) != -1) {
		switch (c) {
		case 'c':
			checkpoint = true;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'p':
			paused = true;
			break;
		case 'z':
			compress = true;
			break;
		case 'q':
			q = true;
			break;
		case XL_HELP:
			return xl_help("save");
		default:
			return XL_USAGE;
		}
	}
	if (argc - optind < 2 || argc - optind > 3)
		return xl_usage("save", "give a domain, the file to save it to, and optionally a config file");
	if (checkpoint && paused)
		return xl_usage("save", "-c (leave it running) and -p (leave it paused) exclude each other");
	file = argv[optind + 1];
	if (argc - optind == 3)
		cfgfile = argv[optind + 2];
	if (xl_lookup(argv[optind], &domid))
		return XL_FAIL;
	xl_error_mark();
	rc = hv_domain_info(xl_ctx, domid, &info);
	if (rc)
		return xl_error(rc, "domain %s", argv[optind]);
	if (cfgfile) {
		have_cfg = true;
		if (xl_config_read(cfgfile, &cfg)) {
			rc = XL_FAIL;
			goto out;
		}
	}
	/* the key before the image: a bad key file leaves nothing behind */
	if (keyfile && (rc = hv_seal_key_read(xl_ctx, keyfile, &key))) {
		rc = xl_error(rc, "save domain %s: the key to seal the image with", argv[optind]);
		goto out;
	}
	if (xl_dry("save domain %s (%" PRIu32 ") to %s%s%s%s", argv[optind], domid, file,
		   checkpoint ? ", leaving it running" : paused ? ", leaving it paused" :
		   ", then destroy it", compress ? ", compressed" : "",
		   keyfile ? ", sealed" : "")) {
		rc = XL_OK;
		goto out;
	}

	/*
	 * Not O_TRUNC: hv-vmm truncates the file once it knows the file is not
	 * the one the domain's memory is mapped from (a lazy restore's image).
	 */
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
	created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(file, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = xl_error(0, "%s: cannot create the image: %s (%s)", file,
			      strerror(errno),
			      errno == ENOENT ? "check the directory" :
			      errno == EACCES ? "choose a file you can write" :
			      "choose another file");
		goto out;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		regular = true;
		start = lseek(fd, 0, SEEK_CUR);
		before = st;
	}
	flags = (checkpoint ? HV_SAVE_CONTINUE : 0) |
		(paused ? HV_SAVE_PAUSED : 0) |
		(compress ? HV_SAVE_COMPRESS : 0);
	snprintf(label, sizeof(label), "Saving domain %" PRIu32 " (%s)", domid,
		 info.name);
	xl_progress_start(label, !q, &progress);
	t0 = now_s();
	xl_error_mark();
	rc = keyfile ?
		hv_domain_save_sealed(xl_ctx, domid, fd, have_cfg ? &cfg : NULL, flags, &key,
				      &progress) :
		have_cfg ?
		hv_domain_save_config(xl_ctx, domid, fd, &cfg, flags, &progress) :
		hv_domain_save(xl_ctx, domid, fd, flags, &progress);
	hv_seal_key_wipe(&key);
	xl_progress_end();
	if (rc)
		xl_error(rc, "save domain %s to %s", argv[optind], file);
	if (rc) {
		/* an image begun here goes; a file hv-vmm refused to touch stays */
		bool touched = created || (fstat(fd, &st) == 0 &&
					   (st.st_size != before.st_size ||
					    st.st_mtim.tv_sec != before.st_mtim.tv_sec ||
					    st.st_mtim.tv_nsec != before.st_mtim.tv_nsec));
		bool removed = regular && touched && unlink(file) == 0;

		fprintf(stderr, "xl: %s: %s%s\n", file,
			removed ? "removed the incomplete image" : "not saved",
			rc == HV_ERROR_DAEMON || rc == HV_ERROR_TIMEDOUT ? "" :
			"; the domain is left as it was");
		rc = XL_FAIL;
		goto out;
	}
	if (!q) {
		if (regular && fstat(fd, &st) == 0)
			format_size((uint64_t)(st.st_size - start), size,
				    sizeof(size));
		else
			format_size(info.memory_mib << 20, size, sizeof(size));
		fprintf(stderr, "Saving domain %" PRIu32 " (%s) to %s... done (%s%s, %.2f s)%s\n",
			domid, info.name, file, size, keyfile ? ", sealed" : "", now_s() - t0,
			paused ? "; the domain is paused" :
			checkpoint ? "; the domain runs on" : "");
	}
	rc = XL_OK;
out:
	if (fd >= 0 && close(fd) < 0 && rc == XL_OK)
		rc = xl_error(0, "%s: closing the image: %s", file, strerror(errno));
	hv_seal_key_wipe(&key);
	hv_domain_config_dispose(&cfg);
	return rc;
}

/* --- restore ----------------------------------------------------------- */

/* True if @path starts like a save image. */
static bool is_image(const char *path)
{
	char magic[IMAGE_MAGIC_LEN];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	bool yes;

	if (fd < 0)
		return false;
	yes = pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
		!memcmp(magic, IMAGE_MAGIC, sizeof(magic));
	close(fd);
	return yes;
}

int main_restore(int argc, char **argv)
{
	hv_restore_params params;
	hv_domain_config cfg;
	hv_progress progress;
	hv_dominfo info;
	const char *file, *cfgfile = NULL, *keyfile = NULL;
	hv_seal_key key;
	bool paused = false, lazy = false, q = false;
	char label[128], size[32];
	struct stat st;
	uint32_t domid;
	double t0;
	int c, fd = -1, rc;

	hv_domain_config_init(&cfg);
	hv_restore_params_init(&params);
	hv_dominfo_init(&info);
	memset(&key, 0, sizeof(key));
	while ((c = xl_getopt(argc, argv, "pedLqk:")) != -1) {
		switch (c) {
		case 'p':
			paused = true;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'e':
			/* Xen: do not wait for the domain in the background;
			 * hvd applies the on_* actions, xl never waits */
			break;
		case 'd':
			if (xl_verbose < 2)
				xl_verbose = 2;
			break;
		case 'L':
			lazy = true;
			break;
		case 'q':
			q = true;
			break;
		case XL_HELP:
			return xl_help("restore");
		default:
			return XL_USAGE;
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		return xl_usage("restore", "give the saved file, and optionally a config file");
	if (keyfile && lazy)
		return xl_usage("restore", "-k (a sealed image, checked before it runs) and --lazy (its memory mapped unchecked) exclude each other: restore it without --lazy");
	file = argv[optind];
	if (argc - optind == 2) {
		cfgfile = argv[optind + 1];
		/* Xen's order, the config file first, is taken too */
		if (!is_image(file) && is_image(cfgfile)) {
			cfgfile = argv[optind];
			file = argv[optind + 1];
		}
	}
	if (cfgfile) {
		if (xl_config_read(cfgfile, &cfg)) {
			rc = XL_FAIL;
			goto out;
		}
		params.config = &cfg;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = xl_error(0, "%s: cannot open the image: %s (%s)", file,
			      strerror(errno),
			      errno == ENOENT ? "check the path" :
			      errno == EACCES ? "make it readable to you" :
			      "check the file");
		goto out;
	}
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		rc = xl_error(0, "%s: restore needs a regular file; for a pipe, copy it to a file first",
			      file);
		goto out;
	}
	if (keyfile) {
		rc = hv_seal_key_read(xl_ctx, keyfile, &key);
		if (rc) {
			rc = xl_error(rc, "restore from %s: the key it is sealed with", file);
			goto out;
		}
		params.key = &key;
	}
	if (xl_dry("restore a domain from %s%s%s%s", file, paused ? ", paused" : "",
		   lazy ? ", its memory mapped from the file" : "",
		   keyfile ? ", sealed: every MAC checked first" : "")) {
		rc = XL_OK;
		goto out;
	}
	params.flags = (paused ? HV_RESTORE_PAUSED : 0) |
		(lazy ? HV_RESTORE_LAZY : 0);
	snprintf(label, sizeof(label), "Restoring from %s", file);
	xl_progress_start(label, !q, &progress);
	t0 = now_s();
	xl_error_mark();
	rc = hv_domain_restore(xl_ctx, fd, &params, &domid, &progress);
	hv_seal_key_wipe(&key);
	xl_progress_end();
	if (rc) {
		xl_error(rc, "restore from %s", file);
		fprintf(stderr, "xl: %s: not restored; no domain was created\n",
			file);
		rc = XL_FAIL;
		goto out;
	}
	if (!q) {
		xl_quiet(true);
		if (hv_domain_info(xl_ctx, domid, &info))
			snprintf(info.name, sizeof(info.name), "?");
		xl_quiet(false);
		format_size(info.memory_mib << 20, size, sizeof(size));
		fprintf(stderr, "Restoring from %s... done: domain %" PRIu32 " (%s), %s, %.2f s%s%s\n",
			file, domid, info.name, size, now_s() - t0,
			paused ? ", paused" : "",
			lazy ? "; keep the file unchanged while the domain runs" : "");
	}
	rc = XL_OK;
out:
	if (fd >= 0)
		close(fd);
	hv_seal_key_wipe(&key);
	hv_domain_config_dispose(&cfg);
	return rc;
}

/* --- dump-core --------------------------------------------------------- */

int main_dump_core(int argc, char **argv)
{
	hv_dominfo info;
	const char *file;
	struct stat st, before = { 0 };
	bool created, existed;
	char size[32];
	uint32_t domid;
	double t0;
	int c, fd = -1, rc;

	hv_dominfo_init(&info);
	while ((c = xl_getopt(argc, argv, "")) != -1) {
		switch (c) {
		case XL_HELP:
			return xl_help("dump-core");
		default:
			return XL_USAGE;
		}
	}
	if (argc - optind != 2)
		return xl_usage("dump-core", "give a domain and the file to write its core to");
	file = argv[optind + 1];
	if (xl_lookup(argv[optind], &domid))
		return XL_FAIL;
	xl_error_mark();
	rc = hv_domain_info(xl_ctx, domid, &info);
	if (rc)
		return xl_error(rc, "domain %s", argv[optind]);
	if (xl_dry("dump the core of domain %s (%" PRIu32 ") to %s", argv[optind], domid, file))
		return XL_OK;

	/*
	 * Opened here, with the caller's rights, and readable only by its
	 * owner: it holds the guest's memory.  Not O_TRUNC: hv-vmm truncates
	 * the file once it knows the domain's memory is not mapped from it
	 * (a lazy restore's image).
	 */
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
	created = fd >= 0;
	existed = fd < 0 && errno == EEXIST;
	if (existed)
		fd = open(file, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return xl_error(0, "%s: cannot write the core there: %s (%s)", file,
				strerror(errno),
				errno == ENOENT ? "check the directory" :
				errno == EACCES ? "choose a file you can write" :
				"choose another file");
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return xl_error(0, "%s: not a regular file (a core is written at its offsets: "
				"choose a file)", file);
	}
	before = st;
	t0 = now_s();
	xl_error_mark();
	rc = hv_domain_dump_core(xl_ctx, domid, fd, 0);
	if (rc) {
		bool touched = created || (fstat(fd, &st) == 0 &&
					   (st.st_size != before.st_size ||
					    st.st_mtim.tv_sec != before.st_mtim.tv_sec ||
					    st.st_mtim.tv_nsec != before.st_mtim.tv_nsec));
		bool removed = touched && unlink(file) == 0;

		xl_error(rc, "dump the core of domain %s to %s", argv[optind], file);
		fprintf(stderr, "xl: %s: %s%s\n", file,
			removed ? "removed the incomplete core" : "no core written",
			rc == HV_ERROR_DAEMON || rc == HV_ERROR_TIMEDOUT ? "" :
			"; the domain is left as it was");
		close(fd);
		return XL_FAIL;
	}
	if (close(fd) < 0)
		return xl_error(0, "%s: closing the core: %s", file, strerror(errno));
	if (stat(file, &st) == 0)
		format_size((uint64_t)st.st_size, size, sizeof(size));
	else
		format_size(info.memory_mib << 20, size, sizeof(size));
	fprintf(stderr, "Dumping the core of domain %" PRIu32 " (%s) to %s... done (%s, %.2f s)\n",
		domid, info.name, file, size, now_s() - t0);
	return XL_OK;
}
