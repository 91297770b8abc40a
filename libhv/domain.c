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
#include "client.h"
#include "hcmsg.h"

#define WHAT_MAX 160

/* hv__call(), with hvd's refusal logged as "@what: <reason>". */
static int call(hv_ctx *ctx, const struct hv__req *req, const char *what)
{
	int status, rc;

	rc = hv__call(ctx, req, what, &status);
	if (status)
		rc = hv__call_err(ctx, what, status);
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
	return call(ctx, &req, what);
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
	return call(ctx, &req, what);
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
	int status, rc;

	snprintf(what, sizeof(what), "rename domain %" PRIu32 " to \"%.63s\"",
		 domid, name ? name : "");
	if (!name || strlen(name) >= sizeof(body.name) ||
	    !hcmsg_name_ok(name, sizeof(body.name))) {
		HV__ERR(ctx, "%s: not a usable domain name (use 1 to 63 letters, digits, '-', '_' or '.', not all digits)",
			what);
		return HV_ERROR_INVAL;
	}
	strcpy(body.name, name);
	rc = hv__call(ctx, &req, what, &status);
	if (status == HV_HC_EEXIST) {
		HV__ERR(ctx, "%s: another domain has that name (choose another name)",
			what);
		rc = HV_ERROR_EXISTS;
	} else if (status) {
		rc = hv__call_err(ctx, what, status);
	}
	return rc;
}

/* Like hv_domain_info(), without logging "no such domain". */
static int get_info(hv_ctx *ctx, uint32_t domid, hv_dominfo *info_r,
		    int *status_r)
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
	rc = hv__call(ctx, &req, what, status_r);
	if (!rc)
		hv__dominfo_from_hc(&reply, info_r);
	return rc;
}

HV__EXPORT int hv_domain_info(hv_ctx *ctx, uint32_t domid, hv_dominfo *info_r)
{
	char what[WHAT_MAX];
	int status, rc;

	memset(info_r, 0, sizeof(*info_r));
	rc = get_info(ctx, domid, info_r, &status);
	if (status) {
		snprintf(what, sizeof(what), "domain %" PRIu32, domid);
		rc = hv__call_err(ctx, what, status);
	}
	return rc;
}

HV__EXPORT int hv_domain_list(hv_ctx *ctx, hv_dominfo **list_r, size_t *nr_r)
{
	hv_dominfo *list = NULL;
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

		rc = call(ctx, &req, "list domains");
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
		grown = realloc(list, (nr + n + 1) * sizeof(*list));
		if (!grown) {
			free(tail);
			rc = HV_ERROR_NOMEM;
			goto out;
		}
		list = grown;
		for (size_t i = 0; i < n; i++) {
			struct hv_hc_dominfo e;

			memcpy(&e, (uint8_t *)tail + i * sizeof(e), sizeof(e));
			hv__dominfo_from_hc(&e, &list[nr + i]);
		}
		nr += n;
		free(tail);
		if (!reply.more)
			break;
		if (list[nr - 1].domid < first ||
		    list[nr - 1].domid == HV_DOMID_INVALID) {
			HV__ERR(ctx, "list domains: hvd's reply is out of order (restart hvd)");
			rc = HV_ERROR_PROTOCOL;
			goto out;
		}
		first = list[nr - 1].domid + 1;
	}
	*list_r = list;
	*nr_r = nr;
	list = NULL;
out:
	free(list);
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
	hv_dominfo *list = NULL, info;
	size_t nr = 0;
	int status, rc;

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
		rc = get_info(ctx, (uint32_t)id, &info, &status);
		if (status == HV_HC_ENOENT)
			HV__ERR(ctx, "domain %s: no such domain (xl list shows the domains)",
				name_or_id);
		else if (status)
			rc = hv__call_err(ctx, name_or_id, status);
		if (!rc)
			*domid_r = (uint32_t)id;
		return rc;
	}
	rc = hv_domain_list(ctx, &list, &nr);
	if (rc)
		return rc;
	rc = HV_ERROR_NOTFOUND;
	for (size_t i = 0; i < nr; i++) {
		if (!strcmp(list[i].name, name_or_id)) {
			*domid_r = list[i].domid;
			rc = 0;
			break;
		}
	}
	if (rc)
		HV__ERR(ctx, "domain \"%s\": no such domain (xl list shows the domains)",
			name_or_id);
	free(list);
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
	return call(ctx, &req, what);
}

HV__EXPORT int hv_physinfo_get(hv_ctx *ctx, hv_physinfo *info_r)
{
	struct hv_hc_physinfo reply;
	struct hv__req req = {
		.op = HV_HC_SYSCTL_PHYSINFO, .reply = &reply,
		.reply_len = sizeof(reply), .retry_safe = true,
	};
	int rc;

	memset(info_r, 0, sizeof(*info_r));
	rc = call(ctx, &req, "get host information");
	if (rc)
		return rc;
	info_r->nr_cpus = reply.nr_cpus;
	info_r->nr_domains = reply.nr_domains;
	info_r->total_mib = reply.total_mib;
	info_r->free_mib = reply.free_mib;
	info_r->domains_mib = reply.domains_mib;
	info_r->max_vcpus = reply.max_vcpus;
	info_r->hvd_pid = (int)reply.hvd_pid;
	memcpy(info_r->version, reply.version, sizeof(info_r->version) - 1);
	info_r->version[sizeof(info_r->version) - 1] = '\0';
	return 0;
}

/* --- create ---------------------------------------------------------- */

/* The ABI's action for @a, or -1 (logged) if hv cannot do it. */
static int hc_action(hv_ctx *ctx, const char *name, const char *key,
		     enum hv_action a)
{
	switch (a) {
	case HV_ACTION_DESTROY:
		return HV_HC_ACTION_DESTROY;
	case HV_ACTION_RESTART:
		return HV_HC_ACTION_RESTART;
	case HV_ACTION_RENAME_RESTART:
		return HV_HC_ACTION_RENAME_RESTART;
	case HV_ACTION_PRESERVE:
		return HV_HC_ACTION_PRESERVE;
	case HV_ACTION_COREDUMP_DESTROY:
	case HV_ACTION_COREDUMP_RESTART:
		HV__ERR(ctx, "domain \"%s\": %s: core dumps are not supported yet (use %s)",
			name, key, a == HV_ACTION_COREDUMP_DESTROY ?
			"destroy or preserve" : "restart");
		return -1;
	}
	HV__ERR(ctx, "domain \"%s\": %s: invalid action %d", name, key, (int)a);
	return -1;
}

/* Open a guest image with the caller's privileges: an fd or HV_ERROR_*. */
static int open_image(hv_ctx *ctx, const char *name, const char *key,
		      const char *path)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int err = errno;

		HV__ERR(ctx, "domain \"%s\": %s: cannot open %s: %s (%s)",
			name, key, path, strerror(err),
			err == ENOENT ? "check the path in the config" :
			err == EACCES ? "make it readable to you" :
			"check the file");
		return err == EACCES || err == EPERM ? HV_ERROR_PERM :
			HV_ERROR_IO;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		HV__ERR(ctx, "domain \"%s\": %s: %s is %s (give a kernel or ramdisk image file)",
			name, key, path,
			S_ISDIR(st.st_mode) ? "a directory" :
			!S_ISREG(st.st_mode) ? "not a regular file" : "empty");
		close(fd);
		return HV_ERROR_CONFIG;
	}
	return fd;
}

/* What hv cannot do yet, said before anything is created. */
static int check_supported(hv_ctx *ctx, const hv_domain_config *cfg)
{
	if (cfg->nr_disks) {
		HV__ERR(ctx, "domain \"%s\": disk: virtual disks are not supported by hv yet (remove the disk = [...] line; boot from a ramdisk instead)",
			cfg->name);
		return HV_ERROR_NOSYS;
	}
	if (cfg->nr_vifs) {
		HV__ERR(ctx, "domain \"%s\": vif: network interfaces are not supported by hv yet (remove the vif = [...] line)",
			cfg->name);
		return HV_ERROR_NOSYS;
	}
	if (cfg->type == HV_DOMAIN_HVM && !cfg->kernel) {
		HV__ERR(ctx, "domain \"%s\": type: \"hvm\" without a kernel boots firmware, which hv does not have yet (set kernel = \"/path/to/bzImage\")",
			cfg->name);
		return HV_ERROR_NOSYS;
	}
	if (cfg->cpus)
		HV__WARN(ctx, "domain \"%s\": cpus: vCPU pinning is not supported yet; \"%s\" is ignored",
			 cfg->name, cfg->cpus);
	return 0;
}

static int fill_create(hv_ctx *ctx, const hv_domain_config *cfg,
		       struct hv_hc_create *c)
{
	int a;

	memset(c, 0, sizeof(*c));
	if (strlen(cfg->name) >= sizeof(c->name)) {
		HV__ERR(ctx, "domain \"%s\": name: longer than %d bytes",
			cfg->name, HV_DOMAIN_NAME_MAX);
		return HV_ERROR_CONFIG;
	}
	strcpy(c->name, cfg->name);
	if (cfg->has_uuid) {
		memcpy(c->uuid, cfg->uuid, sizeof(c->uuid));
	} else {
		if (getrandom(c->uuid, sizeof(c->uuid), 0) != sizeof(c->uuid)) {
			HV__ERR(ctx, "domain \"%s\": cannot make a UUID: %s (set uuid = in the config)",
				cfg->name, strerror(errno));
			return HV_ERROR_FAIL;
		}
		c->uuid[6] = (c->uuid[6] & 0x0f) | 0x40;
		c->uuid[8] = (c->uuid[8] & 0x3f) | 0x80;
	}
	c->vcpus = cfg->vcpus;
	c->maxvcpus = cfg->maxvcpus ? cfg->maxvcpus : cfg->vcpus;
	c->memory_mib = cfg->memory_mib;
	c->maxmem_mib = cfg->maxmem_mib ? cfg->maxmem_mib : cfg->memory_mib;
	if ((a = hc_action(ctx, cfg->name, "on_poweroff", cfg->on_poweroff)) < 0)
		return HV_ERROR_NOSYS;
	c->on_poweroff = (uint8_t)a;
	if ((a = hc_action(ctx, cfg->name, "on_reboot", cfg->on_reboot)) < 0)
		return HV_ERROR_NOSYS;
	c->on_reboot = (uint8_t)a;
	if ((a = hc_action(ctx, cfg->name, "on_crash", cfg->on_crash)) < 0)
		return HV_ERROR_NOSYS;
	c->on_crash = (uint8_t)a;
	return 0;
}

static int fill_build(hv_ctx *ctx, const hv_domain_config *cfg,
		      struct hv_hc_build *b)
{
	char *cmdline = NULL;
	int rc;

	rc = hv_domain_config_kernel_cmdline(ctx, cfg, &cmdline);
	if (rc)
		return rc;
	if (cmdline && strlen(cmdline) >= sizeof(b->cmdline)) {
		HV__ERR(ctx, "domain \"%s\": cmdline: %zu bytes, longer than the %zu hv passes (shorten cmdline, root or extra)",
			cfg->name, strlen(cmdline), sizeof(b->cmdline) - 1);
		rc = HV_ERROR_CONFIG;
		goto out;
	}
	if (cmdline && !hcmsg_string_ok(cmdline, sizeof(b->cmdline))) {
		HV__ERR(ctx, "domain \"%s\": cmdline: only printable ASCII can be passed to the kernel",
			cfg->name);
		rc = HV_ERROR_CONFIG;
		goto out;
	}
	if (cmdline)
		strcpy(b->cmdline, cmdline);
out:
	free(cmdline);
	return rc;
}

/*
 * After hvd went away during CREATE, a domain may exist that we do not
 * know the id of: find it by its UUID and destroy it.
 */
static void destroy_by_uuid(hv_ctx *ctx, const uint8_t uuid[16])
{
	hv_dominfo *list = NULL;
	size_t nr = 0;

	if (hv_domain_list(ctx, &list, &nr))
		return;
	for (size_t i = 0; i < nr; i++)
		if (!memcmp(list[i].uuid, uuid, 16))
			hv_domain_destroy(ctx, list[i].domid);
	free(list);
}

HV__EXPORT int hv_domain_create(hv_ctx *ctx, const hv_domain_config *cfg,
				unsigned int flags, uint32_t *domid_r)
{
	struct hv_hc_create create;
	struct hv_hc_domid created;
	struct hv_hc_build *build = NULL;
	uint32_t domid = HV_DOMID_INVALID;
	int fds[2] = { -1, -1 }, status, rc;
	char what[WHAT_MAX];

	*domid_r = HV_DOMID_INVALID;
	if (!cfg || (flags & ~HV_CREATE_PAUSED)) {
		HV__ERR(ctx, "hv_domain_create: %s", cfg ? "unknown flags" :
			"no configuration");
		return HV_ERROR_INVAL;
	}
	rc = hv_config_validate(ctx, cfg, 0);
	if (rc)
		return rc;
	rc = check_supported(ctx, cfg);
	if (rc)
		return rc;
	rc = fill_create(ctx, cfg, &create);
	if (rc)
		return rc;
	build = calloc(1, sizeof(*build));
	if (!build)
		return HV_ERROR_NOMEM;
	rc = fill_build(ctx, cfg, build);
	if (rc)
		goto out;
	if (cfg->kernel) {
		rc = fds[0] = open_image(ctx, cfg->name, "kernel", cfg->kernel);
		if (rc < 0)
			goto out;
	}
	if (cfg->ramdisk) {
		rc = fds[1] = open_image(ctx, cfg->name, "ramdisk", cfg->ramdisk);
		if (rc < 0)
			goto out;
		build->flags |= HV_HC_BUILD_INITRD;
	}

	snprintf(what, sizeof(what), "create domain \"%s\"", cfg->name);
	{
		struct hv__req req = {
			.op = HV_HC_DOMCTL_CREATE, .body = &create,
			.body_len = sizeof(create), .reply = &created,
			.reply_len = sizeof(created),
		};

		rc = hv__call(ctx, &req, what, &status);
	}
	if (status == HV_HC_EEXIST) {
		HV__ERR(ctx, "%s: a domain of that name exists already (choose another name, or destroy that domain first)",
			what);
		rc = HV_ERROR_EXISTS;
		goto out;
	}
	if (status) {
		rc = hv__call_err(ctx, what, status);
		goto out;
	}
	if (rc == HV_ERROR_DAEMON || rc == HV_ERROR_TIMEDOUT)
		destroy_by_uuid(ctx, create.uuid);
	if (rc)
		goto out;
	domid = created.domid;
	HV__DEBUG(ctx, "domain \"%s\" is domain %" PRIu32, cfg->name, domid);

	build->domid = domid;
	build->boot = HV_HC_BOOT_AUTO;
	snprintf(what, sizeof(what), "build domain \"%s\" (%" PRIu32 ")",
		 cfg->name, domid);
	{
		struct hv__req req = {
			.op = HV_HC_DOMCTL_BUILD, .body = build,
			.body_len = sizeof(*build), .fds = fds,
			.nr_fds = cfg->ramdisk ? 2 : 1,
		};

		rc = call(ctx, &req, what);
	}
	if (rc)
		goto out;

	if (!(flags & HV_CREATE_PAUSED)) {
		rc = hv_domain_unpause(ctx, domid);
		if (rc)
			goto out;
	}
	*domid_r = domid;
	domid = HV_DOMID_INVALID;
out:
	if (domid != HV_DOMID_INVALID && hv_domain_destroy(ctx, domid))
		HV__WARN(ctx, "domain \"%s\" (%" PRIu32 ") was left half-built: destroy it with xl destroy %" PRIu32,
			 cfg->name, domid, domid);
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(build);
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
