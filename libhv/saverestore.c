/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Save and restore.  SAVE hands hvd the domain's id and the descriptor to
 * write the image to.  RESTORE needs more from us: the image's
 * configuration is read here with the stream's record reader (which checks
 * it like every other record), the caller's overrides are applied, and hvd
 * gets the create description, the image, the kernel and ramdisk (kept for
 * a later restart, as BUILD's), the disks the description names (opened
 * and locked here, as for a create) and the configuration to store.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "client.h"
#include "domain_int.h"
#include "stream/stream-record.h"

#define SAVE_FLAGS (HV_SAVE_CONTINUE | HV_SAVE_PAUSED | HV_SAVE_COMPRESS)
#define RESTORE_FLAGS (HV_RESTORE_PAUSED | HV_RESTORE_LAZY)

/* --- save ------------------------------------------------------------ */

/*
 * A replacement configuration for the image of @domid must describe the
 * same machine: the image's memory and vCPU state are the domain's.
 * Its UUID, if it has none, is the domain's (into @uuid).
 */
static int check_save_config(hv_ctx *ctx, uint32_t domid, const char *what,
			     const hv_domain_config *cfg, uint8_t uuid[16])
{
	hv_dominfo info;
	int rc;

	rc = hv_config_validate(ctx, cfg, 0);
	if (rc)
		return rc;
	hv_dominfo_init(&info);
	rc = hv_domain_info(ctx, domid, &info);
	if (rc)
		return rc;
	if (cfg->memory_mib != info.memory_mib || cfg->vcpus != info.vcpus) {
		HV__ERR(ctx, "%s: the configuration to save gives memory = %" PRIu64 " and vcpus = %u, but the domain has %" PRIu64 " MiB and %u vCPUs (they must be the same)",
			what, cfg->memory_mib, cfg->vcpus, info.memory_mib,
			info.vcpus);
		return HV_ERROR_INVAL;
	}
	memcpy(uuid, cfg->has_uuid ? cfg->uuid : info.uuid, 16);
	return 0;
}

/*
 * A request's body: @head, then a sealed image's or stream's @key (if not
 * NULL), then @len bytes of @json; NULL when out of memory.  The caller
 * frees it with hv__free_keyed(), which wipes the key.
 */
void *hv__join_keyed(const void *head, size_t head_len, const hv_seal_key *key,
		     const char *json, size_t len, size_t *len_r)
{
	size_t klen = key ? HV_SEAL_KEY_SIZE : 0;
	uint8_t *body = malloc(head_len + klen + len + 1);

	_Static_assert(HV_SEAL_KEY_SIZE == HV_HC_KEY_SIZE && HV_SEAL_KEY_SIZE == STREAM_KEY_SIZE,
		       "one key size from libhv to the stream");
	if (!body)
		return NULL;
	memcpy(body, head, head_len);
	if (klen)
		memcpy(body + head_len, key->bytes, klen);
	if (len)
		memcpy(body + head_len + klen, json, len);
	*len_r = head_len + klen + len;
	return body;
}

void hv__free_keyed(void *body, size_t len, const hv_seal_key *key)
{
	if (body && key)
		explicit_bzero(body, len);
	free(body);
}

static int save(hv_ctx *ctx, uint32_t domid, int fd,
		const hv_domain_config *cfg, unsigned int flags,
		const hv_seal_key *key, const hv_progress *progress_in)
{
	struct hv_hc_save head = { .domid = domid };
	struct hv_hc_save_result result;
	hv_domain_config stored;
	hv_progress progress;
	char what[HV__WHAT_MAX], *json = NULL;
	uint8_t uuid[16];
	void *body = NULL;
	size_t len = 0, body_len = 0;
	int fl, rc;

	snprintf(what, sizeof(what), "save domain %" PRIu32, domid);
	if (flags & ~SAVE_FLAGS) {
		HV__ERR(ctx, "%s: unknown flags 0x%x", what, flags & ~SAVE_FLAGS);
		return HV_ERROR_INVAL;
	}
	if ((flags & HV_SAVE_CONTINUE) && (flags & HV_SAVE_PAUSED)) {
		HV__ERR(ctx, "%s: HV_SAVE_CONTINUE (run on) and HV_SAVE_PAUSED (stay paused) exclude each other (give one)",
			what);
		return HV_ERROR_INVAL;
	}
	rc = hv__sized_in(ctx, &progress, progress_in, HV__PROGRESS_SIZE_1_2,
			  sizeof(progress), "hv_progress");
	if (rc)
		return rc;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
		HV__ERR(ctx, "%s: descriptor %d %s (give a file, pipe or socket open for writing)",
			what, fd, fl < 0 ? "is not open" : "is open read-only");
		return HV_ERROR_INVAL;
	}
	hv_domain_config_init(&stored);
	if (cfg) {
		rc = check_save_config(ctx, domid, what, cfg, uuid);
		if (rc)
			return rc;
		rc = hv__config_json(ctx, cfg, uuid, &json, &len);
		if (rc)
			return rc;
	} else if (hv_domain_config_get(ctx, domid, &stored) == 0) {
		/* the description hvd puts in the image: its bindings are recorded */
		memcpy(uuid, stored.uuid, sizeof(uuid));
		cfg = &stored;
	}
	head.flags = (flags & HV_SAVE_CONTINUE ? HV_HC_SAVE_CONTINUE : 0) |
		(flags & HV_SAVE_PAUSED ? HV_HC_SAVE_PAUSED : 0) |
		(flags & HV_SAVE_COMPRESS ? HV_HC_SAVE_COMPRESS : 0) |
		(key ? HV_HC_SAVE_SEALED : 0);
	head.config_len = (uint32_t)len;
	body = hv__join_keyed(&head, sizeof(head), key, json, len, &body_len);
	if (!body) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	{
		struct hv__req req = {
			.op = HV_HC_DOMCTL_SAVE, .body = body,
			.body_len = body_len, .fds = &fd, .nr_fds = 1,
			.reply = &result, .reply_len = sizeof(result),
			.progress = &progress, .domid = domid,
		};

		rc = hv__request(ctx, &req, what);
	}
	if (!rc) {
		HV__DEBUG(ctx, "%s: %" PRIu64 " bytes, %" PRIu64 " pages (%" PRIu64 " zero)",
			  what, result.bytes, result.pages, result.zero_pages);
		/* what a restore without a configuration may use: saved.c */
		if (!cfg || hv__saved_record(ctx, cfg, uuid))
			HV__WARN(ctx, "%s: the image is whole, but without this host's record of it a restore needs a configuration (xl restore CONFIG IMAGE)",
				 what);
	}
out:
	hv_domain_config_dispose(&stored);
	hv__free_keyed(body, body_len, key);
	free(json);
	return rc;
}

HV__EXPORT int hv_domain_dump_core(hv_ctx *ctx, uint32_t domid, int fd, unsigned int flags)
{
	struct hv_hc_dump_core body = { .domid = domid };
	struct hv_hc_dump_core_result result;
	char what[HV__WHAT_MAX];
	struct stat st;
	int fl, rc;

	snprintf(what, sizeof(what), "dump the core of domain %" PRIu32, domid);
	if (flags) {
		HV__ERR(ctx, "%s: unknown flags 0x%x (none are defined yet: give 0)", what, flags);
		return HV_ERROR_INVAL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY || fstat(fd, &st) < 0 ||
	    !S_ISREG(st.st_mode)) {
		HV__ERR(ctx, "%s: descriptor %d %s (give a regular file open for writing)", what, fd,
			fl < 0 ? "is not open" : (fl & O_ACCMODE) == O_RDONLY ?
			"is open read-only" : "is not a regular file");
		return HV_ERROR_INVAL;
	}
	{
		/* progress messages only keep the wait alive: a dump has no callback */
		struct hv__req req = {
			.op = HV_HC_DOMCTL_DUMP_CORE, .body = &body, .body_len = sizeof(body),
			.fds = &fd, .nr_fds = 1, .reply = &result, .reply_len = sizeof(result),
			.domid = domid,
		};

		rc = hv__request(ctx, &req, what);
	}
	if (!rc)
		HV__DEBUG(ctx, "%s: %" PRIu64 " bytes, %" PRIu64 " bytes of RAM, %" PRIu32 " vCPUs",
			  what, result.bytes, result.memory_bytes, result.vcpus);
	return rc;
}

HV__EXPORT int hv_domain_save(hv_ctx *ctx, uint32_t domid, int fd,
			      unsigned int flags, const hv_progress *progress)
{
	return save(ctx, domid, fd, NULL, flags, NULL, progress);
}

HV__EXPORT int hv_domain_save_sealed(hv_ctx *ctx, uint32_t domid, int fd,
				     const hv_domain_config *cfg, unsigned int flags,
				     const hv_seal_key *key, const hv_progress *progress)
{
	if (!key) {
		HV__ERR(ctx, "save domain %" PRIu32 ": no key to seal the image with (hv_seal_key_read() reads one)",
			domid);
		return HV_ERROR_INVAL;
	}
	return save(ctx, domid, fd, cfg, flags, key, progress);
}

HV__EXPORT int hv_seal_key_read(hv_ctx *ctx, const char *path, hv_seal_key *key_r)
{
	char msg[256];
	int r;

	r = stream_key_file_read(path, key_r->bytes, msg, sizeof(msg));
	if (!r)
		return 0;
	hv_seal_key_wipe(key_r);
	HV__ERR(ctx, "%s", msg);
	return r == -ENOENT ? HV_ERROR_NOTFOUND : r == -EACCES || r == -EPERM ? HV_ERROR_PERM :
	       r == -EINVAL ? HV_ERROR_INVAL : HV_ERROR_IO;
}

HV__EXPORT int hv_seal_key_from_bytes(hv_ctx *ctx, const void *bytes, size_t len,
				      hv_seal_key *key_r)
{
	if (!bytes || len < STREAM_KEY_FILE_MIN || len > STREAM_KEY_FILE_MAX) {
		hv_seal_key_wipe(key_r);
		HV__ERR(ctx, "seal key: %zu bytes, a key holds %u to %u random bytes (make one with: head -c 32 /dev/urandom > KEYFILE; chmod 600 KEYFILE)",
			bytes ? len : 0, STREAM_KEY_FILE_MIN, STREAM_KEY_FILE_MAX);
		return HV_ERROR_INVAL;
	}
	stream_key_derive(bytes, len, key_r->bytes);
	return 0;
}

HV__EXPORT void hv_seal_key_wipe(hv_seal_key *key)
{
	if (key)
		explicit_bzero(key, sizeof(*key));
}

HV__EXPORT int hv_domain_save_config(hv_ctx *ctx, uint32_t domid, int fd,
				     const hv_domain_config *cfg,
				     unsigned int flags,
				     const hv_progress *progress)
{
	if (!cfg) {
		HV__ERR(ctx, "save domain %" PRIu32 ": no configuration (use hv_domain_save() to save the stored one)",
			domid);
		return HV_ERROR_INVAL;
	}
	return save(ctx, domid, fd, cfg, flags, NULL, progress);
}

/* --- restore --------------------------------------------------------- */

/* The HV_ERROR_* for the stream reader's error @r. */
static int stream_error(int r)
{
	if (r == -STREAM_E_VERSION)
		return HV_ERROR_VERSION;
	if (r == -STREAM_E_SEAL)
		return HV_ERROR_INVAL;	/* a key missing, or one too many */
	if (r <= -STREAM_E_MAGIC)
		return HV_ERROR_CORRUPT;
	return r == -ENOMEM ? HV_ERROR_NOMEM : HV_ERROR_IO;
}

/*
 * The image's configuration: the stream header and its first record,
 * DOMAIN_CONFIG, read from @fd's offset, which it is put back to.
 * The header's flags go to *stream_flags_r.
 */
static int read_image_config(hv_ctx *ctx, int fd, const hv_seal_key *key,
			     hv_domain_config *cfg, uint32_t *stream_flags_r)
{
	char *json = NULL, msg[512];
	int r, rc;

	r = stream_read_config(fd, key ? key->bytes : NULL, &json, stream_flags_r, msg,
			       sizeof(msg));
	if (r < 0) {
		HV__ERR(ctx, "restore: %s%s", msg,
			r == -STREAM_E_MAGIC ? " (is it an image written by xl save?)" :
			r == -STREAM_E_VERSION ? " (restore it with the hv that saved it, or a newer one)" :
			r == -STREAM_E_SEAL || r == -STREAM_E_MAC ? "" :
			r <= -STREAM_E_MAGIC ? " (the image is damaged; restore another copy)" :
			"");
		return stream_error(r);
	}
	if (strlen(json) > HV_HC_CONFIG_MAX) {
		HV__ERR(ctx, "restore: the image's configuration is %zu bytes, more than the %zu hvd keeps",
			strlen(json), (size_t)HV_HC_CONFIG_MAX);
		free(json);
		return HV_ERROR_CONFIG;
	}
	rc = hv_config_from_json(ctx, json, cfg);
	if (rc)
		HV__ERR(ctx, "restore: the image's configuration cannot be read by this libhv");
	free(json);
	return rc;
}

/* The image's configuration with the caller's overrides, into @cfg. */
static int apply_overrides(hv_ctx *ctx, const hv_domain_config *image,
			   const hv_restore_params *ov, hv_domain_config *cfg)
{
	const hv_domain_config *base = image;
	char *name;
	int rc;

	if (ov && ov->config) {
		base = ov->config;
		if (base->memory_mib != image->memory_mib ||
		    base->vcpus != image->vcpus) {
			HV__ERR(ctx, "restore: the configuration given has memory = %" PRIu64 " and vcpus = %u, but the image was saved with memory = %" PRIu64 " and vcpus = %u (they must be the same)",
				base->memory_mib, base->vcpus,
				image->memory_mib, image->vcpus);
			return HV_ERROR_INVAL;
		}
	}
	rc = hv_domain_config_copy(cfg, base);
	if (rc)
		return rc;
	/* a replacement without a UUID keeps the image's */
	if (!cfg->has_uuid && image->has_uuid) {
		memcpy(cfg->uuid, image->uuid, sizeof(cfg->uuid));
		cfg->has_uuid = 1;
	}
	if (ov && ov->name) {
		name = strdup(ov->name);
		if (!name)
			return HV_ERROR_NOMEM;
		free(cfg->name);
		cfg->name = name;
	}
	return 0;
}

/*
 * The image's UUID may belong to a running domain (the image is a
 * checkpoint of it): the restored one then gets a new UUID, so that the
 * two stay apart.
 */
static int unique_uuid(hv_ctx *ctx, hv_domain_config *cfg)
{
	hv_dominfo **list = NULL;
	size_t nr = 0;
	int rc;

	if (!cfg->has_uuid)
		return 0;
	rc = hv_domain_list(ctx, &list, &nr);
	if (rc)
		return rc;
	for (size_t i = 0; i < nr; i++) {
		if (!memcmp(list[i]->uuid, cfg->uuid, sizeof(cfg->uuid))) {
			HV__INFO(ctx, "domain \"%s\" (%" PRIu32 ") has the image's UUID: the restored domain gets a new one",
				 list[i]->name, list[i]->domid);
			cfg->has_uuid = 0;
			break;
		}
	}
	hv_dominfo_list_free(list, nr);
	return 0;
}

/*
 * The kernel or ramdisk @path for a later restart: an fd, or -1 if it is
 * gone or unusable (said; the domain is restored all the same).
 */
static int open_for_restart(hv_ctx *ctx, const hv_domain_config *cfg,
			    const char *key, const char *path)
{
	int fd;

	if (access(path, F_OK) < 0 && errno == ENOENT) {
		HV__WARN(ctx, "domain \"%s\": %s %s is gone: the domain is restored, but cannot restart (on_reboot = restart) without it",
			 cfg->name, key, path);
		return -1;
	}
	fd = hv__open_image(ctx, cfg->name, key, path, HV_LOG_WARN);
	return fd < 0 ? -1 : fd;
}

HV__EXPORT int hv_domain_restore(hv_ctx *ctx, int fd,
				 const hv_restore_params *overrides_in,
				 uint32_t *domid_r, const hv_progress *progress_in)
{
	hv_domain_config image, cfg;
	hv_restore_params ov, *overrides = &ov;
	hv_progress progress;
	unsigned int flags;
	uint32_t stream_flags = 0;
	struct stat sb;
	int fl, rc;
	off_t start;

	*domid_r = HV_DOMID_INVALID;
	hv_domain_config_init(&image);
	hv_domain_config_init(&cfg);
	rc = hv__sized_in(ctx, &ov, overrides_in, HV__RESTORE_PARAMS_SIZE_1_2,
			  sizeof(ov), "hv_restore_params");
	if (!rc)
		rc = hv__sized_in(ctx, &progress, progress_in,
				  HV__PROGRESS_SIZE_1_2, sizeof(progress),
				  "hv_progress");
	if (rc)
		return rc;
	flags = ov.flags;
	if (flags & ~RESTORE_FLAGS) {
		HV__ERR(ctx, "restore: unknown flags 0x%x", flags & ~RESTORE_FLAGS);
		return HV_ERROR_INVAL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fstat(fd, &sb) < 0) {
		HV__ERR(ctx, "restore: descriptor %d is not open (give the image open for reading)",
			fd);
		return HV_ERROR_INVAL;
	}
	if (!S_ISREG(sb.st_mode)) {
		HV__ERR(ctx, "restore needs a regular file; for a pipe, copy it to a file first");
		return HV_ERROR_INVAL;
	}
	if ((fl & O_ACCMODE) == O_WRONLY) {
		HV__ERR(ctx, "restore: the image is open write-only (open it for reading)");
		return HV_ERROR_INVAL;
	}
	start = lseek(fd, 0, SEEK_CUR);
	if (start < 0) {
		HV__ERR(ctx, "restore: cannot tell the offset in the image: %s",
			strerror(errno));
		return HV_ERROR_IO;
	}
	if (ov.key && (flags & HV_RESTORE_LAZY)) {
		HV__ERR(ctx, "restore: a sealed image is not restored lazily: its pages would be mapped unchecked and the file could change under the domain (restore it without lazy; its MACs are then checked before the domain runs)");
		return HV_ERROR_INVAL;
	}
	/* a sealed image's header, seal and configuration: checked before any file is opened */
	rc = read_image_config(ctx, fd, ov.key, &image, &stream_flags);
	if (rc)
		goto out;
	/* an image does not choose host files: the caller's, or the recorded */
	if (!overrides->config) {
		rc = hv__saved_check(ctx, &image);
		if (rc)
			goto out;
	}
	if ((flags & HV_RESTORE_LAZY) &&
	    (!(stream_flags & STREAM_F_ALIGNED) || start % STREAM_PAGE_SIZE)) {
		HV__ERR(ctx, "restore: the image cannot be mapped for a lazy restore: it was %s (restore it without lazy)",
			stream_flags & STREAM_F_COMPRESSED ? "saved compressed" :
			!(stream_flags & STREAM_F_ALIGNED) ?
			"written to a pipe or at an unaligned offset" :
			"copied to an offset that is not a multiple of 4096");
		rc = HV_ERROR_INVAL;
		goto out;
	}
	rc = apply_overrides(ctx, &image, overrides, &cfg);
	if (rc)
		goto out;
	rc = hv_config_validate(ctx, &cfg, HV_CONFIG_VALIDATE_CREATE);
	if (rc)
		goto out;
	rc = unique_uuid(ctx, &cfg);
	if (rc)
		goto out;
	rc = hv__restore_config(ctx, fd, &cfg,
				(flags & HV_RESTORE_PAUSED ? HV_HC_RESTORE_PAUSED : 0) |
				(flags & HV_RESTORE_LAZY ? HV_HC_RESTORE_LAZY : 0),
				ov.key, domid_r, &progress);
out:
	hv_domain_config_dispose(&cfg);
	hv_domain_config_dispose(&image);
	return rc;
}

int hv__restore_config(hv_ctx *ctx, int fd, const hv_domain_config *cfg,
		       uint32_t hc_flags, const hv_seal_key *key, uint32_t *domid_r,
		       const hv_progress *progress)
{
	struct hv_hc_restore_domain rs = { 0 };
	struct hv_hc_domid created;
	uint8_t uuid[16];
	char what[HV__WHAT_MAX], *json = NULL;
	void *body = NULL;
	/* the image, the kernel, the ramdisk, the disks, the taps */
	int fds[3 + HV_DOMAIN_MAX_DISKS + HV__NET_MAX_FDS], rc;
	size_t nr_fds = 1, nr_disks = 0, nr_taps = 0, nr_files = 3 + HV_DOMAIN_MAX_DISKS;
	struct hv__nets nets = { .nr = 0 };
	size_t len = 0, body_len = 0;

	_Static_assert(3 + HV_DOMAIN_MAX_DISKS + HV__NET_MAX_FDS <= HV_HC_MAX_FDS,
		       "RESTORE_DOMAIN carries the image, kernel, ramdisk, every disk and tap");
	fds[0] = fd;
	for (size_t i = 1; i < sizeof(fds) / sizeof(fds[0]); i++)
		fds[i] = -1;
	*domid_r = HV_DOMID_INVALID;
	rc = hv__describe(ctx, cfg, uuid, &json, &len);
	if (rc)
		goto out;
	rs.flags = hc_flags;
	if (cfg->kernel && (fds[1] = open_for_restart(ctx, cfg, "kernel",
						     cfg->kernel)) >= 0) {
		rs.flags |= HV_HC_RESTORE_KERNEL;
		nr_fds = 2;
		if (cfg->ramdisk &&
		    (fds[2] = open_for_restart(ctx, cfg, "ramdisk",
					       cfg->ramdisk)) >= 0) {
			rs.flags |= HV_HC_RESTORE_INITRD;
			nr_fds = 3;
		}
	}
	/* the disks the description names, reopened and locked as for a create */
	/* a migration's destination: its hvd locks them when the source has let go */
	rc = hv__disks_open_lock(ctx, cfg, fds + nr_fds, &nr_disks,
				 !(hc_flags & HV_HC_RESTORE_STREAM));
	if (rc)
		goto out;
	nr_fds += nr_disks;
	nr_files = nr_fds;
	/* new taps on the bridges the description names (the guest announces itself) */
	rc = hv__nets_open(ctx, cfg, uuid, &nets, fds + nr_fds, &nr_taps);
	if (rc)
		goto out;
	nr_fds += nr_taps;
	rs.config_len = (uint32_t)len;
	if (key)
		rs.flags |= HV_HC_RESTORE_SEALED;
	body = hv__join_keyed(&rs, sizeof(rs), key, json, len, &body_len);
	if (!body) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}

	snprintf(what, sizeof(what), "restore domain \"%s\"", cfg->name);
	{
		struct hv__req req = {
			.op = HV_HC_DOMCTL_RESTORE_DOMAIN, .body = body,
			.body_len = body_len, .fds = fds,
			.nr_fds = (unsigned int)nr_fds, .reply = &created,
			.reply_len = sizeof(created), .progress = progress,
			.domid = HV_DOMID_INVALID,
		};

		rc = hv__call_creating(ctx, &req, what, uuid);
	}
	if (rc)
		goto out;
	HV__DEBUG(ctx, "domain \"%s\" restored as domain %" PRIu32, cfg->name,
		  created.domid);
	rc = hv__nets_name(ctx, &nets, created.domid);
	if (rc) {
		hv_domain_destroy(ctx, created.domid);
		goto out;
	}
	*domid_r = created.domid;
out:
	/* not the caller's image; hvd keeps its own copies of the rest */
	hv__disks_close(fds + 1, nr_files - 1);
	hv__nets_close(&nets);
	hv__free_keyed(body, body_len, key);
	free(json);
	return rc;
}
