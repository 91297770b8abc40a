/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain lifecycle and information: the public side of the hypercall client. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "config/config_int.h"
#include "client.h"
#include "domain_int.h"
#include "wire/hcmsg.h"

#define WHAT_MAX HV__WHAT_MAX

int hv__request(hv_ctx *ctx, const struct hv__req *req, const char *what)
{
	struct hv__status st;
	int rc;

	rc = hv__call(ctx, req, what, &st);
	if (st.code)
		rc = hv__call_err(ctx, what, &st);
	return rc;
}

static int simple_op(hv_ctx *ctx, uint16_t op, const char *verb, uint32_t domid)
{
	struct hv_hc_domid body = { .domid = domid };
	struct hv__req req = {
		.op = op, .body = &body, .body_len = sizeof(body),
	};
	char what[WHAT_MAX];

	snprintf(what, sizeof(what), "%s domain %" PRIu32, verb, domid);
	return hv__request(ctx, &req, what);
}

HV__EXPORT int hv_domain_destroy(hv_ctx *ctx, uint32_t domid)
{
	return simple_op(ctx, HV_HC_DOMCTL_DESTROY, "destroy", domid);
}

HV__EXPORT int hv_domain_pause(hv_ctx *ctx, uint32_t domid)
{
	return simple_op(ctx, HV_HC_DOMCTL_PAUSE, "pause", domid);
}

HV__EXPORT int hv_domain_unpause(hv_ctx *ctx, uint32_t domid)
{
	return simple_op(ctx, HV_HC_DOMCTL_UNPAUSE, "unpause", domid);
}

static int shutdown_op(hv_ctx *ctx, uint32_t domid, uint32_t reason,
		       const char *verb)
{
	struct hv_hc_shutdown body = { .domid = domid, .reason = reason };
	struct hv__req req = {
		.op = HV_HC_DOMCTL_SHUTDOWN, .body = &body,
		.body_len = sizeof(body),
	};
	char what[WHAT_MAX];

	snprintf(what, sizeof(what), "%s domain %" PRIu32, verb, domid);
	return hv__request(ctx, &req, what);
}

HV__EXPORT int hv_domain_shutdown(hv_ctx *ctx, uint32_t domid)
{
	return shutdown_op(ctx, domid, HV_HC_SHUTDOWN_POWEROFF, "shut down");
}

HV__EXPORT int hv_domain_reboot(hv_ctx *ctx, uint32_t domid)
{
	return shutdown_op(ctx, domid, HV_HC_SHUTDOWN_REBOOT, "reboot");
}

HV__EXPORT int hv_domain_rename(hv_ctx *ctx, uint32_t domid, const char *name)
{
	struct hv_hc_rename body = { .domid = domid };
	struct hv__req req = {
		.op = HV_HC_DOMCTL_RENAME, .body = &body,
		.body_len = sizeof(body),
	};
	char what[WHAT_MAX];
	struct hv__status st;
	int rc;

	snprintf(what, sizeof(what), "rename domain %" PRIu32 " to \"%.63s\"",
		 domid, name ? name : "");
	if (!name || strlen(name) >= sizeof(body.name) ||
	    !hcmsg_name_ok(name, sizeof(body.name))) {
		HV__ERR(ctx, "%s: not a usable domain name (use 1 to 63 letters, digits, '-', '_' or '.', not all digits, not Domain-0)",
			what);
		return HV_ERROR_INVAL;
	}
	strcpy(body.name, name);
	rc = hv__call(ctx, &req, what, &st);
	if (st.code == HV_HC_EEXIST) {
		HV__ERR(ctx, "%s: another domain has that name (choose another name)",
			what);
		rc = HV_ERROR_EXISTS;
	} else if (st.code) {
		rc = hv__call_err(ctx, what, &st);
	}
	return rc;
}

/* Like hv_domain_info(), without logging "no such domain". */
static int get_info(hv_ctx *ctx, uint32_t domid, hv_dominfo *info_r,
		    struct hv__status *st_r)
{
	struct hv_hc_domid body = { .domid = domid };
	struct hv_hc_dominfo reply;
	struct hv__req req = {
		.op = HV_HC_DOMCTL_GETINFO, .body = &body,
		.body_len = sizeof(body), .reply = &reply,
		.reply_len = sizeof(reply), .retry_safe = true,
	};
	char what[WHAT_MAX];
	int rc;

	snprintf(what, sizeof(what), "get information on domain %" PRIu32,
		 domid);
	rc = hv__call(ctx, &req, what, st_r);
	if (!rc)
		hv__dominfo_from_hc(&reply, info_r);
	return rc;
}

HV__EXPORT int hv_domain_info(hv_ctx *ctx, uint32_t domid, hv_dominfo *info_r)
{
	char what[WHAT_MAX];
	struct hv__status st;
	hv_dominfo info;
	int rc;

	rc = hv__sized_check(ctx, info_r, HV__DOMINFO_SIZE_1_2, "hv_dominfo");
	if (rc)
		return rc;
	rc = get_info(ctx, domid, &info, &st);
	if (st.code) {
		snprintf(what, sizeof(what), "domain %" PRIu32, domid);
		rc = hv__call_err(ctx, what, &st);
	}
	if (!rc)
		rc = hv__sized_out(ctx, info_r, &info, HV__DOMINFO_SIZE_1_2,
				   sizeof(info), "hv_dominfo");
	return rc;
}

/*
 * The list as hv_domain_list() hands it out: @nr pointers, then the @nr
 * structures they point to, in one allocation.
 */
static hv_dominfo **make_list(const hv_dominfo *infos, size_t nr)
{
	hv_dominfo **list = malloc(nr * (sizeof(*list) + sizeof(**list)) + 1);
	hv_dominfo *at;

	if (!list)
		return NULL;
	at = (hv_dominfo *)(list + nr);
	for (size_t i = 0; i < nr; i++) {
		at[i] = infos[i];
		list[i] = &at[i];
	}
	return list;
}

HV__EXPORT void hv_dominfo_list_free(hv_dominfo **list, size_t nr)
{
	(void)nr;
	free(list);
}

HV__EXPORT int hv_domain_list(hv_ctx *ctx, hv_dominfo ***list_r, size_t *nr_r)
{
	hv_dominfo *infos = NULL;
	size_t nr = 0;
	uint32_t first = 0;
	int rc = 0;

	*list_r = NULL;
	*nr_r = 0;
	for (;;) {
		struct hv_hc_list body = { .first_domid = first };
		struct hv_hc_list_reply reply;
		void *tail = NULL;
		size_t tail_len = 0, n;
		struct hv__req req = {
			.op = HV_HC_SYSCTL_LIST, .body = &body,
			.body_len = sizeof(body), .reply = &reply,
			.reply_len = sizeof(reply), .tail_r = &tail,
			.tail_len_r = &tail_len, .retry_safe = true,
		};
		hv_dominfo *grown;

		rc = hv__request(ctx, &req, "list domains");
		if (rc)
			goto out;
		n = reply.count;
		if (n > tail_len / sizeof(struct hv_hc_dominfo) ||
		    (reply.more && !n)) {
			HV__ERR(ctx, "list domains: hvd's reply announces %zu domains but carries %zu bytes (restart hvd)",
				n, tail_len);
			free(tail);
			rc = HV_ERROR_PROTOCOL;
			goto out;
		}
		grown = realloc(infos, (nr + n + 1) * sizeof(*infos));
		if (!grown) {
			free(tail);
			rc = HV_ERROR_NOMEM;
			goto out;
		}
		infos = grown;
		for (size_t i = 0; i < n; i++) {
			struct hv_hc_dominfo e;

			memcpy(&e, (uint8_t *)tail + i * sizeof(e), sizeof(e));
			hv__dominfo_from_hc(&e, &infos[nr + i]);
		}
		nr += n;
		free(tail);
		if (!reply.more)
			break;
		if (infos[nr - 1].domid < first ||
		    infos[nr - 1].domid == HV_DOMID_INVALID) {
			HV__ERR(ctx, "list domains: hvd's reply is out of order (restart hvd)");
			rc = HV_ERROR_PROTOCOL;
			goto out;
		}
		first = infos[nr - 1].domid + 1;
	}
	*list_r = make_list(infos, nr);
	if (!*list_r) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	*nr_r = nr;
out:
	free(infos);
	return rc;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

HV__EXPORT int hv_domain_lookup(hv_ctx *ctx, const char *name_or_id,
				uint32_t *domid_r)
{
	hv_dominfo **list = NULL, info;
	struct hv__status st;
	size_t nr = 0;
	int rc;

	*domid_r = HV_DOMID_INVALID;
	if (!name_or_id || !*name_or_id) {
		HV__ERR(ctx, "an empty domain name (give a domain's name or id)");
		return HV_ERROR_INVAL;
	}
	if (all_digits(name_or_id)) {
		unsigned long long id;

		errno = 0;
		id = strtoull(name_or_id, NULL, 10);
		if (errno || id >= HV_DOMID_INVALID) {
			HV__ERR(ctx, "domain %s: no such domain (ids are below %u; xl list shows the domains)",
				name_or_id, HV_DOMID_INVALID);
			return HV_ERROR_NOTFOUND;
		}
		rc = get_info(ctx, (uint32_t)id, &info, &st);
		if (st.code == HV_HC_ENOENT)
			HV__ERR(ctx, "domain %s: no such domain (xl list shows the domains)",
				name_or_id);
		else if (st.code)
			rc = hv__call_err(ctx, name_or_id, &st);
		if (!rc)
			*domid_r = (uint32_t)id;
		return rc;
	}
	rc = hv_domain_list(ctx, &list, &nr);
	if (rc)
		return rc;
	rc = HV_ERROR_NOTFOUND;
	for (size_t i = 0; i < nr; i++) {
		if (!strcmp(list[i]->name, name_or_id)) {
			*domid_r = list[i]->domid;
			rc = 0;
			break;
		}
	}
	if (rc)
		HV__ERR(ctx, "domain \"%s\": no such domain (xl list shows the domains)",
			name_or_id);
	hv_dominfo_list_free(list, nr);
	return rc;
}

HV__EXPORT int hv_domain_console(hv_ctx *ctx, uint32_t domid, int *fd_r)
{
	struct hv_hc_domid body = { .domid = domid };
	struct hv__req req = {
		.op = HV_HC_DOMCTL_CONSOLE, .body = &body,
		.body_len = sizeof(body), .fd_r = fd_r, .retry_safe = true,
	};
	char what[WHAT_MAX];

	snprintf(what, sizeof(what), "console of domain %" PRIu32, domid);
	return hv__request(ctx, &req, what);
}

HV__EXPORT int hv_physinfo_get(hv_ctx *ctx, hv_physinfo *info_r)
{
	struct hv_hc_physinfo reply;
	struct hv__req req = {
		.op = HV_HC_SYSCTL_PHYSINFO, .reply = &reply,
		.reply_len = sizeof(reply), .retry_safe = true,
	};
	hv_physinfo info = { .struct_size = sizeof(info) };
	int rc;

	rc = hv__sized_check(ctx, info_r, HV__PHYSINFO_SIZE_1_2, "hv_physinfo");
	if (rc)
		return rc;
	rc = hv__request(ctx, &req, "get host information");
	if (rc)
		return rc;
	info.nr_cpus = reply.nr_cpus;
	info.nr_domains = reply.nr_domains;
	info.total_mib = reply.total_mib;
	info.free_mib = reply.free_mib;
	info.domains_mib = reply.domains_mib;
	info.max_vcpus = reply.max_vcpus;
	info.hvd_pid = (int)reply.hvd_pid;
	memcpy(info.version, reply.version, sizeof(info.version) - 1);
	return hv__sized_out(ctx, info_r, &info, HV__PHYSINFO_SIZE_1_2,
			     sizeof(info), "hv_physinfo");
}

/* --- create ---------------------------------------------------------- */

int hv__open_image(hv_ctx *ctx, const char *name, const char *key,
		   const char *path, enum hv_log_level level)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int err = errno;

		hv__log(ctx, level, "domain \"%s\": %s: cannot open %s: %s (%s)",
			name, key, path, strerror(err),
			err == ENOENT ? "check the path in the config" :
			err == EACCES ? "make it readable to you" :
			"check the file");
		return err == EACCES || err == EPERM ? HV_ERROR_PERM :
			HV_ERROR_IO;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		hv__log(ctx, level, "domain \"%s\": %s: %s is %s (give a kernel or ramdisk image file)",
			name, key, path,
			S_ISDIR(st.st_mode) ? "a directory" :
			!S_ISREG(st.st_mode) ? "not a regular file" : "empty");
		close(fd);
		return HV_ERROR_CONFIG;
	}
	return fd;
}

int hv__describe(hv_ctx *ctx, const hv_domain_config *cfg, uint8_t uuid_r[16],
		 char **json_r, size_t *len_r)
{
	*json_r = NULL;
	if (cfg->has_uuid) {
		memcpy(uuid_r, cfg->uuid, 16);
	} else {
		if (getrandom(uuid_r, 16, 0) != 16) {
			HV__ERR(ctx, "domain \"%s\": cannot make a UUID: %s (set uuid = in the config)",
				cfg->name, strerror(errno));
			return HV_ERROR_FAIL;
		}
		uuid_r[6] = (uuid_r[6] & 0x0f) | 0x40;
		uuid_r[8] = (uuid_r[8] & 0x3f) | 0x80;
	}
	return hv__config_json(ctx, cfg, uuid_r, json_r, len_r);
}

int hv__config_json(hv_ctx *ctx, const hv_domain_config *cfg,
		    const uint8_t uuid[16], char **json_r, size_t *len_r)
{
	hv_domain_config copy;
	char *json = NULL;
	int rc;

	*json_r = NULL;
	*len_r = 0;
	hv_domain_config_init(&copy);
	rc = hv_domain_config_copy(&copy, cfg);
	if (rc)
		goto out;
	memcpy(copy.uuid, uuid, sizeof(copy.uuid));
	copy.has_uuid = 1;
	/* the vifs' devids, MACs and bridges are the domain's from now on */
	rc = hv__vifs_complete(&copy, uuid);
	if (rc) {
		HV__ERR(ctx, "domain \"%s\": vifs: %s", cfg->name, rc == HV_ERROR_NOMEM ?
			"out of memory" : "no devid is free (a domain has at most 8 vifs)");
		goto out;
	}
	rc = hv_config_to_json(ctx, &copy, &json);
	if (rc)
		goto out;
	if (strlen(json) > HV_HC_CONFIG_MAX) {
		HV__ERR(ctx, "domain \"%s\": the configuration is %zu bytes as JSON, more than the %zu hvd keeps (shorten it)",
			cfg->name, strlen(json), (size_t)HV_HC_CONFIG_MAX);
		rc = HV_ERROR_CONFIG;
		goto out;
	}
	*len_r = strlen(json);
	*json_r = json;
	json = NULL;
out:
	free(json);
	hv_domain_config_dispose(&copy);
	return rc;
}

/*
 * After hvd went away during CREATE, a domain may exist that we do not
 * know the id of: find it by its UUID and destroy it.
 */
static void destroy_by_uuid(hv_ctx *ctx, const uint8_t uuid[16])
{
	hv_dominfo **list = NULL;
	size_t nr = 0;

	if (hv_domain_list(ctx, &list, &nr))
		return;
	for (size_t i = 0; i < nr; i++)
		if (!memcmp(list[i]->uuid, uuid, 16))
			hv_domain_destroy(ctx, list[i]->domid);
	hv_dominfo_list_free(list, nr);
}

int hv__call_creating(hv_ctx *ctx, const struct hv__req *req,
		      const char *what, const uint8_t uuid[16])
{
	struct hv__status st;
	int rc;

	rc = hv__call(ctx, req, what, &st);
	if (st.code == HV_HC_EEXIST) {
		HV__ERR(ctx, "%s: a domain of that name exists already (choose another name, or destroy that domain first)",
			what);
		return HV_ERROR_EXISTS;
	}
	if (st.code)
		return hv__call_err(ctx, what, &st);
	if (rc == HV_ERROR_DAEMON || rc == HV_ERROR_TIMEDOUT)
		destroy_by_uuid(ctx, uuid);
	return rc;
}

void *hv__join(const void *a, size_t a_len, const void *b, size_t b_len)
{
	uint8_t *p = malloc(a_len + b_len ? a_len + b_len : 1);

	if (!p)
		return NULL;
	memcpy(p, a, a_len);
	if (b_len)
		memcpy(p + a_len, b, b_len);
	return p;
}

HV__EXPORT int hv_domain_create(hv_ctx *ctx, const hv_domain_config *cfg,
				unsigned int flags, uint32_t *domid_r)
{
	struct hv_hc_create_domain head = { 0 };
	struct hv_hc_domid created;
	uint8_t uuid[16], *body = NULL;
	/* the kernel, the ramdisk, the disks, the taps */
	int fds[2 + HV_DOMAIN_MAX_DISKS + HV__NET_MAX_FDS], rc;
	char what[WHAT_MAX], *json = NULL;
	/* the descriptors before the taps (theirs are nets') */
	size_t len = 0, nr_fds = 1, nr_disks = 0, nr_taps = 0, nr_files = 2 + HV_DOMAIN_MAX_DISKS;
	struct hv__nets nets = { .nr = 0 };

	_Static_assert(2 + HV_DOMAIN_MAX_DISKS + HV__NET_MAX_FDS <= HV_HC_MAX_FDS,
		       "CREATE_DOMAIN carries the kernel, the ramdisk, every disk and every tap");
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		fds[i] = -1;

	*domid_r = HV_DOMID_INVALID;
	if (!cfg || (flags & ~HV_CREATE_PAUSED)) {
		HV__ERR(ctx, "hv_domain_create: %s", cfg ? "unknown flags" :
			"no configuration");
		return HV_ERROR_INVAL;
	}
	/* what "xl create -n" checks, the same code */
	rc = hv_config_validate(ctx, cfg, HV_CONFIG_VALIDATE_CREATE);
	if (rc)
		return rc;
	/* the one description of the domain, as hvd, hv-vmm and a save image keep it */
	rc = hv__describe(ctx, cfg, uuid, &json, &len);
	if (rc)
		goto out;
	/* the images are opened here, with the caller's privileges */
	rc = fds[0] = hv__open_image(ctx, cfg->name, "kernel", cfg->kernel, HV_LOG_ERROR);
	if (rc < 0)
		goto out;
	if (cfg->ramdisk) {
		rc = fds[1] = hv__open_image(ctx, cfg->name, "ramdisk",
					     cfg->ramdisk, HV_LOG_ERROR);
		if (rc < 0)
			goto out;
		head.flags |= HV_HC_CREATE_RAMDISK;
		nr_fds = 2;
	}
	/* the disks, in the order of cfg->disks, each locked against a second writer */
	rc = hv__disks_open(ctx, cfg, fds + nr_fds, &nr_disks);
	if (rc)
		goto out;
	nr_fds += nr_disks;
	nr_files = nr_fds;
	/* the vifs' taps, made and put on their bridges here too */
	rc = hv__nets_open(ctx, cfg, uuid, &nets, fds + nr_fds, &nr_taps);
	if (rc)
		goto out;
	nr_fds += nr_taps;
	if (flags & HV_CREATE_PAUSED)
		head.flags |= HV_HC_CREATE_PAUSED;
	head.config_len = (uint32_t)len;
	body = hv__join(&head, sizeof(head), json, len);
	if (!body) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	snprintf(what, sizeof(what), "create domain \"%s\"", cfg->name);
	{
		struct hv__req req = {
			.op = HV_HC_DOMCTL_CREATE_DOMAIN, .body = body,
			.body_len = sizeof(head) + len, .fds = fds,
			.nr_fds = (unsigned int)nr_fds, .reply = &created,
			.reply_len = sizeof(created),
		};

		rc = hv__call_creating(ctx, &req, what, uuid);
	}
	if (rc)
		goto out;
	HV__DEBUG(ctx, "domain \"%s\" is domain %" PRIu32, cfg->name, created.domid);
	/* its taps' names say its id: a create that cannot name them fails whole */
	rc = hv__nets_name(ctx, &nets, created.domid);
	if (rc) {
		hv_domain_destroy(ctx, created.domid);
		goto out;
	}
	*domid_r = created.domid;
out:
	/* hvd keeps its own copies of the disks' and taps' descriptors */
	hv__disks_close(fds, nr_files);
	hv__nets_close(&nets);
	free(body);
	free(json);
	return rc;
}

HV__EXPORT int hv_domain_config_update(hv_ctx *ctx, uint32_t domid, const hv_domain_config *cfg)
{
	struct hv_hc_config_update head = { .domid = domid };
	char what[WHAT_MAX], *json = NULL;
	uint8_t *body = NULL;
	size_t len;
	int rc;

	snprintf(what, sizeof(what), "update the configuration of domain %" PRIu32, domid);
	if (!cfg) {
		HV__ERR(ctx, "%s: no configuration given", what);
		return HV_ERROR_INVAL;
	}
	rc = hv_config_validate(ctx, cfg, HV_CONFIG_VALIDATE_CREATE);
	if (rc)
		return rc;
	rc = hv_config_to_json(ctx, cfg, &json);
	if (rc)
		return rc;
	len = strlen(json);
	if (len > HV_HC_CONFIG_MAX) {
		HV__ERR(ctx, "%s: the description is too long (%zu bytes, at most %zu)", what, len,
			(size_t)HV_HC_CONFIG_MAX);
		rc = HV_ERROR_CONFIG;
		goto out;
	}
	head.config_len = (uint32_t)len;
	body = hv__join(&head, sizeof(head), json, len);
	if (!body) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	{
		struct hv__req req = {
			.op = HV_HC_DOMCTL_CONFIG_UPDATE, .body = body,
			.body_len = sizeof(head) + len,
		};

		rc = hv__request(ctx, &req, what);
	}
out:
	free(body);
	free(json);
	return rc;
}

HV__EXPORT int hv_domain_config_get(hv_ctx *ctx, uint32_t domid,
				    hv_domain_config *cfg)
{
	struct hv_hc_domid body = { .domid = domid };
	char what[WHAT_MAX], *json = NULL;
	void *tail = NULL;
	size_t len = 0;
	struct hv__req req = {
		.op = HV_HC_DOMCTL_GET_CONFIG, .body = &body,
		.body_len = sizeof(body), .tail_r = &tail, .tail_len_r = &len,
		.retry_safe = true,
	};
	int rc;

	snprintf(what, sizeof(what), "configuration of domain %" PRIu32, domid);
	rc = hv__request(ctx, &req, what);
	if (rc)
		return rc;
	json = tail;
	if (!len) {
		HV__ERR(ctx, "%s: hvd keeps none (the domain was created by an older libhv)",
			what);
		rc = HV_ERROR_NOTFOUND;
		goto out;
	}
	if (strlen(json) != len) {
		HV__ERR(ctx, "%s: hvd's reply holds a NUL byte (restart hvd)", what);
		rc = HV_ERROR_PROTOCOL;
		goto out;
	}
	rc = hv_config_from_json(ctx, json, cfg);
	if (rc)
		HV__ERR(ctx, "%s: the stored configuration cannot be read by this libhv",
			what);
out:
	free(json);
	return rc;
}

/* --- events ---------------------------------------------------------- */

HV__EXPORT int hv_event_fd(hv_ctx *ctx, int *fd_r)
{
	return hv__event_fd(ctx, fd_r);
}

HV__EXPORT int hv_event_next(hv_ctx *ctx, hv_event *ev_r)
{
	return hv__event_next(ctx, ev_r);
}

HV__EXPORT int hv_event_wait(hv_ctx *ctx, hv_event *ev_r, int timeout_ms)
{
	return hv__event_wait(ctx, ev_r, timeout_ms);
}

HV__EXPORT int hv_domain_trigger(hv_ctx *ctx, uint32_t domid, hv_trigger trigger,
				 unsigned int arg)
{
	struct hv_hc_trigger body = { .domid = domid, .arg = arg };
	struct hv__req req = {
		.op = HV_HC_DOMCTL_TRIGGER, .body = &body, .body_len = sizeof(body),
	};
	char what[WHAT_MAX];

	switch (trigger) {
	case HV_TRIGGER_POWER:
		if (arg)
			break;
		return hv_domain_shutdown(ctx, domid);
	case HV_TRIGGER_RESET:
		if (arg)
			break;
		body.trigger = HV_HC_TRIGGER_RESET;
		snprintf(what, sizeof(what), "reset domain %" PRIu32, domid);
		return hv__request(ctx, &req, what);
	case HV_TRIGGER_NMI:
		body.trigger = HV_HC_TRIGGER_NMI;
		snprintf(what, sizeof(what), "NMI to vCPU %u of domain %" PRIu32, arg, domid);
		return hv__request(ctx, &req, what);
	case HV_TRIGGER_SYSRQ:
		if (arg < 0x21 || arg > 0x7e) {
			HV__ERR(ctx, "SysRq to domain %" PRIu32 ": key 0x%x is not a printable character (give one letter or digit, e.g. h for help)",
				domid, arg);
			return HV_ERROR_INVAL;
		}
		body.trigger = HV_HC_TRIGGER_SYSRQ;
		snprintf(what, sizeof(what), "SysRq '%c' to domain %" PRIu32, (char)arg, domid);
		return hv__request(ctx, &req, what);
	}
	HV__ERR(ctx, "trigger %d with argument %u to domain %" PRIu32 ": not a trigger hv knows, or one that takes no argument",
		(int)trigger, arg, domid);
	return HV_ERROR_INVAL;
}

HV__EXPORT int hv_hvd_log_read(hv_ctx *ctx, unsigned int flags, char **text_r, size_t *len_r)
{
	char *text = NULL, *grown;
	size_t len = 0;
	uint64_t at = 0;
	int rc;

	*text_r = NULL;
	*len_r = 0;
	if (flags & ~(unsigned int)HV_HVD_LOG_CLEAR) {
		HV__ERR(ctx, "read hvd's log: unknown flags 0x%x", flags);
		return HV_ERROR_INVAL;
	}
	for (;;) {
		struct hv_hc_read_log body = {
			.offset = at,
			.flags = flags & HV_HVD_LOG_CLEAR ? HV_HC_READ_LOG_CLEAR : 0,
		};
		struct hv_hc_read_log_reply reply;
		void *tail = NULL;
		size_t n = 0;
		struct hv__req req = {
			.op = HV_HC_SYSCTL_READ_LOG, .body = &body, .body_len = sizeof(body),
			.reply = &reply, .reply_len = sizeof(reply), .tail_r = &tail,
			.tail_len_r = &n, .retry_safe = !(flags & HV_HVD_LOG_CLEAR),
		};

		rc = hv__request(ctx, &req, "read hvd's log");
		if (rc)
			goto out;
		/* reply.offset 0 where we asked for more: the log was emptied meanwhile
		 * (another reader's CLEAR); what came before stays ours, and the new
		 * log follows it */
		grown = realloc(text, len + n + 1);
		if (!grown) {
			free(tail);
			rc = HV_ERROR_NOMEM;
			goto out;
		}
		text = grown;
		memcpy(text + len, tail, n);
		len += n;
		text[len] = '\0';
		free(tail);
		at = reply.offset + n;
		/* all of it; or none came although the log says more: it shrank */
		if (at >= reply.size || !n)
			break;
	}
	*text_r = text;
	*len_r = len;
	text = NULL;
out:
	free(text);
	return rc;
}
