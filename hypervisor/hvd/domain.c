/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The domain table and each domain's life: what its hv-vmm's events mean
 * (ready, replied, progress, gone) and what happens when it ends
 * (on_poweroff, on_reboot, on_crash).  Long requests are operations
 * (op.c, op-*.c) that these events are handed to; hvd never blocks on one
 * domain.
 */
#include <errno.h>
#include <sched.h>
#include <inttypes.h>
#include <stddef.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "wire/hcmsg.h"
#include "wire/vmmmsg.h"
#include "hvd.h"

#define DOMAIN_IMAGE_MAX (1ll << 30)	/* as hv-vmm reads at most */
#define DOMAIN_CONFIG_FILE STORE_CONFIG_FILE

struct hvd_domain *domain_find(struct hvd *hvd, uint32_t domid)
{
	for (struct hvd_domain *d = hvd->domains; d && d->domid <= domid; d = d->next)
		if (d->domid == domid)
			return d;
	return NULL;
}

struct hvd_domain *domain_find_name(struct hvd *hvd, const char *name)
{
	for (struct hvd_domain *d = hvd->domains; d; d = d->next)
		if (!strcmp(d->cfg->name, name))
			return d;
	return NULL;
}

void domain_insert(struct hvd *hvd, struct hvd_domain *d)
{
	struct hvd_domain **pp = &hvd->domains;

	while (*pp && (*pp)->domid < d->domid)
		pp = &(*pp)->next;
	d->next = *pp;
	*pp = d;
}

/* A domain with no description yet (the caller gives it one). */
static struct hvd_domain *domain_new(void)
{
	struct hvd_domain *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->pidw.fd = d->ctlw.fd = -1;
	d->image_fd[0] = d->image_fd[1] = -1;
	meter_fds_none(d);
	d->exit_reason = -1;
	d->start_time = (uint64_t)time(NULL);
	return d;
}

/* --- files ---------------------------------------------------------------- */

/* Renames the domain's logs along with the domain. */
void domain_rename_logs(struct hvd *hvd, const char *from, const char *to)
{
	char *a = hvd_path("%s/console/%s.log", hvd->logdir, from);
	char *b = hvd_path("%s/console/%s.log", hvd->logdir, to);
	char *c = hvd_path("%s/vmm-%s.log", hvd->logdir, from);
	char *e = hvd_path("%s/vmm-%s.log", hvd->logdir, to);

	if (a && b && rename(a, b) < 0 && errno != ENOENT)
		hvd_err(hvd, "cannot rename the console log %s to %s: %s", a, b, strerror(errno));
	if (c && e && rename(c, e) < 0 && errno != ENOENT)
		hvd_err(hvd, "cannot rename %s to %s: %s", c, e, strerror(errno));
	free(a);
	free(b);
	free(c);
	free(e);
}

/* --- the table ------------------------------------------------------------ */

/* Takes @d out of the table with everything it had; its hv-vmm must be gone. */
void domain_remove(struct hvd *hvd, struct hvd_domain *d)
{
	struct hvd_domain **pp;

	if (d->dead)
		return;
	/* its totals while its hv-vmm and taps are still there; one that
	 * never appeared (a failed create or restore) ran nothing to count */
	if (d->announced)
		meter_end(hvd, d);
	if (d->pid) {
		vmm_signal(d, SIGKILL);
		vmm_detach(hvd, d);
	}
	cgroup_remove(hvd, d);	/* EBUSY while the process still exits: swept later */
	meter_fds_close(hvd, d);
	op_abort_all(hvd, d, -HV_HC_ENOENT);
	/* its disks' locks go when its hv-vmm has gone too, and its taps */
	disk_close(d);
	net_close(d);
	images_forget(hvd, d);
	store_rmdir(hvd, d->domid);
	/* its console log goes with it, unless hvd keeps them or a restart goes on in it */
	if (!hvd->keep_console_logs && !d->log_lives_on) {
		char *log = hvd_path("%s/console/%s.log", hvd->logdir, d->cfg->name);

		if (log && unlink(log) < 0 && errno != ENOENT)
			hvd_err(hvd, "domain %u (%s): cannot remove its console log %s: %s",
				d->domid, d->cfg->name, log, strerror(errno));
		free(log);
	}
	for (pp = &hvd->domains; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	d->dead = true;
	d->next = hvd->graveyard;
	hvd->graveyard = d;
	hvd_info(hvd, "domain %u (%s): destroyed", d->domid, d->cfg->name);
	/* one that never appeared (a failed restore) leaves without a word */
	if (d->announced)
		server_event(hvd, HV_HC_EV_DEATH, d, d->shutdown_code);
}

void domain_announce(struct hvd *hvd, struct hvd_domain *d)
{
	d->announced = true;
	server_event(hvd, HV_HC_EV_CREATED, d, HV_HC_CODE_NONE);
}

void domain_reap(struct hvd *hvd)
{
	while (hvd->graveyard) {
		struct hvd_domain *d = hvd->graveyard;

		hvd->graveyard = d->next;
		while (d->ops)
			op_end(d, d->ops);
		desc_free(d);
		free(d->next_json);
		free(d);
	}
}

bool domain_live(const struct hvd_domain *d)
{
	return d->pid && (d->state == HV_HC_STATE_PAUSED || d->state == HV_HC_STATE_RUNNING);
}

void domain_fill_info(struct hvd_domain *d, struct hv_hc_dominfo *info)
{
	uint64_t cpu;

	if (d->pid && vmm_proc_stat(d->pid, &cpu, NULL) == 0)
		d->cpu_time_ns = cpu;
	memset(info, 0, sizeof(*info));
	info->domid = d->domid;
	info->state = d->state;
	snprintf(info->name, sizeof(info->name), "%s", d->cfg->name);
	memcpy(info->uuid, d->cfg->uuid, sizeof(info->uuid));
	info->vcpus = d->cfg->vcpus;
	info->maxvcpus = desc_maxvcpus(d);
	info->memory_mib = d->cfg->memory_mib;
	info->maxmem_mib = desc_maxmem_mib(d);
	info->cpu_time_ns = d->cpu_time_ns;
	info->start_time = d->start_time;
	info->shutdown_code = d->shutdown_code;
	info->vmm_pid = (uint32_t)d->pid;
	info->on_poweroff = desc_action(d->cfg->on_poweroff);
	info->on_reboot = desc_action(d->cfg->on_reboot);
	info->on_crash = desc_action(d->cfg->on_crash);
	info->current_mib = (uint32_t)(d->mem_current_kib >> 10);
	info->mem_flags = d->mem_flags | (d->capped ? HV_HC_MEM_CAPPED : 0);
	if (d->state == HV_HC_STATE_RUNNING && d->pid && domain_live(d) && vcpu_all_blocked(d))
		info->flags |= HV_HC_DOMINFO_BLOCKED;
}

/* --- how a domain ends ---------------------------------------------------- */

static void domain_preserve(struct hvd *hvd, struct hvd_domain *d, uint32_t code)
{
	d->state = code == HV_HC_CODE_CRASH ? HV_HC_STATE_CRASHED : HV_HC_STATE_SHUTDOWN;
	d->shutdown_code = code;
	d->want_running = false;
	store_save(hvd, d);
	hvd_info(hvd, "domain %u (%s): preserved as %s", d->domid, d->cfg->name,
		 code == HV_HC_CODE_CRASH ? "crashed" : "shut down");
}

/* A name for a preserved domain whose name a new one takes: "<name>-<domid>". */
static void domain_preserved_name(struct hvd *hvd, const struct hvd_domain *d, char *out)
{
	char suffix[24];

	for (unsigned int n = 0;; n++) {
		size_t room;

		if (n)
			snprintf(suffix, sizeof(suffix), "-%u-%u", d->domid, n);
		else
			snprintf(suffix, sizeof(suffix), "-%u", d->domid);
		room = HV_HC_NAME_MAX - 1 - strlen(suffix);
		snprintf(out, HV_HC_NAME_MAX, "%.*s%s", (int)room, d->cfg->name, suffix);
		if (!domain_find_name(hvd, out))
			return;
	}
}

/*
 * Brings the images and the stored configuration of @from over to @to:
 * moved, or linked if @from keeps them (a file is replaced by renaming a
 * new one over it, so the two never share a change).
 */
static int domain_take_images(struct hvd *hvd, struct hvd_domain *from, struct hvd_domain *to,
			      bool keep)
{
	static const char *const files[] = { "kernel", "initrd", DOMAIN_CONFIG_FILE };
	/* still being copied: @to keeps the descriptors too, and copies them itself */
	bool pending = images_pending(from);
	int rc = pending ? images_keep(hvd, to, from->image_fd[0], from->image_fd[1]) : 0;

	for (size_t i = 0; i < 3 && rc == 0; i++) {
		char *a, *b;

		if ((i == 0 && (!from->has_kernel || pending)) ||
		    (i == 1 && (!from->has_initrd || pending)))
			continue;
		a = store_domain_file(hvd, from->domid, files[i]);
		b = store_domain_file(hvd, to->domid, files[i]);
		if (!a || !b || (keep ? link(a, b) : rename(a, b)) < 0) {
			hvd_err(hvd, "domain %u (%s): cannot bring its %s over to domain %u: %s",
				from->domid, from->cfg->name, files[i], to->domid, strerror(errno));
			rc = -1;
		}
		free(a);
		free(b);
	}
	return rc;
}

/* Too many restarts in a short time: the guest cannot start, stop trying. */
static bool domain_restart_loop(struct hvd *hvd, struct hvd_domain *d)
{
	int64_t now = hvd_now_ms();

	if (!d->restart_window || now - d->restart_window > HVD_RESTART_WINDOW_MS) {
		d->restart_window = now;
		d->restarts = 0;
	}
	if (++d->restarts <= HVD_RESTART_MAX)
		return false;
	hvd_err(hvd, "domain %u (%s): restarted %u times in %d s; preserving it instead of "
		"restarting again (look at its console log, then destroy it)", d->domid,
		d->cfg->name, HVD_RESTART_MAX, HVD_RESTART_WINDOW_MS / 1000);
	return true;
}

/* on_* = restart or rename-restart: a new domain with the same config. */
static void domain_restart(struct hvd *hvd, struct hvd_domain *old, uint32_t code, bool rename)
{
	struct hvd_domain *nd = domain_new();
	char preserved[HV_HC_NAME_MAX];
	bool next;

	/* the new domain runs on the old one's disks (opened again by a restarted hvd) */
	if (!nd || disk_ensure(hvd, old) || net_ensure(hvd, old) || desc_copy(nd, old))
		goto fail;
	/* or the description xl config-update gave it, if it still fits */
	next = desc_take_next(hvd, nd, old);
	nd->has_kernel = old->has_kernel;
	nd->has_initrd = old->has_initrd;
	nd->restarts = old->restarts;
	nd->restart_window = old->restart_window;
	nd->state = HV_HC_STATE_BUILDING;
	nd->want_running = true;
	if (store_alloc_domid(hvd, &nd->domid) || store_mkdir(hvd, nd->domid))
		goto fail;
	if (domain_take_images(hvd, old, nd, rename) ||
	    (next && store_put(hvd, nd->domid, STORE_CONFIG_FILE, nd->json, nd->json_len))) {
		store_rmdir(hvd, nd->domid);
		goto fail;
	}
	if (rename) {
		/* the old one's description says its new name (as a RENAME does) */
		domain_preserved_name(hvd, old, preserved);
		if (desc_rename(hvd, old, preserved)) {
			store_rmdir(hvd, nd->domid);
			goto fail;
		}
		hvd_info(hvd, "domain %u (%s): renamed %s, preserved", old->domid, nd->cfg->name,
			 preserved);
		domain_rename_logs(hvd, nd->cfg->name, preserved);
	}
	disk_move(nd, old);
	net_move(nd, old);
	if (rename) {
		domain_preserve(hvd, old, code);
	} else {
		old->log_lives_on = true;	/* the new domain writes on in it */
		domain_remove(hvd, old);
	}
	domain_insert(hvd, nd);
	if (vmm_spawn(hvd, nd, false, -1, false)) {
		hvd_err(hvd, "domain %u (%s): the restart failed; the domain is gone", nd->domid,
			nd->cfg->name);
		domain_remove(hvd, nd);
		return;
	}
	store_save(hvd, nd);
	hvd_info(hvd, "domain %u (%s): restarted as domain %u", old->domid, nd->cfg->name,
		 nd->domid);
	domain_announce(hvd, nd);
	return;
fail:
	if (nd)
		desc_free(nd);
	free(nd);
	hvd_err(hvd, "domain %u (%s): cannot restart it; %s", old->domid, old->cfg->name,
		rename ? "it stays preserved" : "destroying it");
	if (rename)
		domain_preserve(hvd, old, code);
	else
		domain_remove(hvd, old);
}

void domain_vmm_gone(struct hvd *hvd, struct hvd_domain *d)
{
	int status = vmm_exit_status(hvd, d);
	pid_t pid = d->pid;
	uint32_t code;
	uint8_t action;

	if (status < 0)
		status = d->exit_reason;
	vmm_detach(hvd, d);
	if (cgroup_oom_killed(hvd, d))
		hvd_err(hvd, "domain %u (%s): its hv-vmm was stopped for going over the domain's "
			"memory cap (maxmem %llu MiB: a cgroup limit of %llu MiB)", d->domid,
			d->cfg->name, (unsigned long long)desc_maxmem_mib(d),
			(unsigned long long)(cgroup_limit(desc_maxmem_mib(d)) >> 20));
	cgroup_remove(hvd, d);
	d->mem_deadline = 0;
	if (d->state == HV_HC_STATE_DYING) {
		domain_remove(hvd, d);
		return;
	}
	/* a create or restore not yet answered takes the domain away with it */
	op_gone(hvd, d, status, pid);
	if (d->dead)
		return;
	switch (status) {
	case HV_VMM_EXIT_POWEROFF:
		code = HV_HC_CODE_POWEROFF;
		action = desc_action(d->cfg->on_poweroff);
		break;
	case HV_VMM_EXIT_REBOOT:
		code = HV_HC_CODE_REBOOT;
		action = desc_action(d->cfg->on_reboot);
		break;
	case HV_VMM_EXIT_CRASH:
		code = HV_HC_CODE_CRASH;
		action = desc_action(d->cfg->on_crash);
		break;
	default:
		hvd_err(hvd, "domain %u (%s): hv-vmm (pid %d) %s; counting it as a crash",
			d->domid, d->cfg->name, (int)pid,
			status < 0 ? "was killed" : "failed");
		if (status >= 0)
			vmm_log_tail(hvd, d);
		code = HV_HC_CODE_CRASH;
		action = desc_action(d->cfg->on_crash);
		break;
	}
	hvd_info(hvd, "domain %u (%s): %s", d->domid, d->cfg->name,
		 code == HV_HC_CODE_POWEROFF ? "powered off" :
		 code == HV_HC_CODE_REBOOT ? "rebooted" : "crashed");
	d->shutdown_code = code;
	server_event(hvd, code == HV_HC_CODE_CRASH ? HV_HC_EV_CRASH : HV_HC_EV_SHUTDOWN, d, code);
	switch (action) {
	case HV_HC_ACTION_PRESERVE:
		domain_preserve(hvd, d, code);
		break;
	case HV_HC_ACTION_RESTART:
	case HV_HC_ACTION_RENAME_RESTART:
		if (!d->has_kernel) {
			hvd_err(hvd, "domain %u (%s): cannot restart it: it was restored without "
				"its kernel (restore it with the kernel to allow restarts); %s",
				d->domid, d->cfg->name, action == HV_HC_ACTION_RESTART ?
				"destroying it" : "preserving it");
			if (action == HV_HC_ACTION_RESTART)
				domain_remove(hvd, d);
			else
				domain_preserve(hvd, d, code);
		} else if (domain_restart_loop(hvd, d)) {
			domain_preserve(hvd, d, code);
		} else {
			domain_restart(hvd, d, code, action == HV_HC_ACTION_RENAME_RESTART);
		}
		break;
	default:
		domain_remove(hvd, d);
		break;
	}
}

void domain_vmm_ready(struct hvd *hvd, struct hvd_domain *d)
{
	if (d->state == HV_HC_STATE_DYING)
		return;
	op_mem_ready(hvd, d);
	if (op_ready(hvd, d))
		return;
	/* a restart, or an hv-vmm a restarted hvd found again */
	d->state = d->want_running ? HV_HC_STATE_RUNNING : HV_HC_STATE_PAUSED;
	store_save(hvd, d);
}

void domain_vmm_progress(struct hvd *hvd, struct hvd_domain *d, uint64_t done, uint64_t total)
{
	op_progress(hvd, d, done, total);
}

void domain_vmm_reply(struct hvd *hvd, struct hvd_domain *d, uint16_t op, uint32_t seq,
		      int status, const void *data, size_t len)
{
	if (op == 0 && seq == 0) {
		/* the control channel closed: nothing will answer */
		op_closed(hvd, d);
		return;
	}
	if ((op == HV_VMM_OP_BUILD || op == HV_VMM_OP_RESTORE) && status) {
		/* hv-vmm exits next: the end of its process answers the client */
		vmmmsg_reply_text(data, len, d->vmm_error, sizeof(d->vmm_error));
		if (!d->vmm_error[0])
			snprintf(d->vmm_error, sizeof(d->vmm_error), "%s", strerror(-status));
		hvd_err(hvd, "domain %u (%s): hv-vmm refused to %s it: %s", d->domid, d->cfg->name,
			op == HV_VMM_OP_BUILD ? "build" : "restore", d->vmm_error);
		return;
	}
	if (op == HV_VMM_OP_QUERY && status == 0 &&
	    len >= offsetof(struct hv_vmm_info, balloon)) {
		struct hv_vmm_info info = { 0 };

		/* a shorter reply is from a hv-vmm without the balloon's part */
		memcpy(&info, data, len < sizeof(info) ? len : sizeof(info));
		d->cpu_time_ns = info.cpu_time_ns;
		/* a restarted hvd learns what its hv-vmm does now */
		if (domain_live(d) && !d->ops) {
			uint32_t s = info.state == HV_VMM_STATE_PAUSED ? HV_HC_STATE_PAUSED :
					HV_HC_STATE_RUNNING;

			if (s != d->state) {
				d->state = s;
				store_save(hvd, d);
			}
		}
	}
	if (op_vmm_reply(hvd, d, seq, status, data, len))
		return;
	if (op == HV_VMM_OP_SAVE && !d->dead) {
		/* a save given up on has ended after all: learn how hv-vmm left the domain */
		hvd_info(hvd, "domain %u (%s): hv-vmm finished an abandoned save (status %d)",
			 d->domid, d->cfg->name, status);
		vmm_call(hvd, d, HV_VMM_OP_QUERY, NULL);
	}
}

int64_t domain_tick(struct hvd *hvd, int64_t now)
{
	int64_t next = cgroup_tick(hvd, now);

	for (struct hvd_domain *d = hvd->domains, *dn; d; d = dn) {
		int64_t t;

		dn = d->next;
		t = op_tick(hvd, d, now);
		if (d->dead)
			continue;
		if (t && (!next || t < next))
			next = t;
		t = op_mem_tick(hvd, d, now);
		if (t && (!next || t < next))
			next = t;
		if (d->reconnect_at && d->reconnect_at <= now) {
			uint32_t seq;

			/* its control socket was not there: try again, then ask its state */
			d->reconnect_at = 0;
			if (!d->pid || d->state == HV_HC_STATE_DYING || d->ctlw.fd >= 0)
				continue;
			if (vmm_connect(hvd, d) || vmm_call(hvd, d, HV_VMM_OP_QUERY, &seq))
				d->reconnect_at = now + 10 * HVD_RECONNECT_MS;
		}
		if (d->reconnect_at && (!next || d->reconnect_at < next))
			next = d->reconnect_at;
	}
	return next;
}

/* --- making a domain ------------------------------------------------------ */

/*
 * Admission: every domain that has or is getting an hv-vmm may take its
 * maxmem, plus HVD_ADMIT_VMM_MIB for its hv-vmm; together they must fit
 * the host's RAM times --overcommit (100% by default).  0, or
 * -HV_HC_ENOMEM with @why.
 */
static int domain_admit(struct hvd *hvd, const hv_domain_config *cfg, char *why,
			size_t why_size)
{
	uint64_t want = (cfg->maxmem_mib ? cfg->maxmem_mib : cfg->memory_mib) + HVD_ADMIT_VMM_MIB;
	uint64_t total = hvd_proc_kib("/proc/meminfo", "MemTotal") >> 10, held = 0, limit;

	if (!hvd->overcommit_pct || !total)
		return 0;
	for (struct hvd_domain *d = hvd->domains; d; d = d->next)
		if (d->pid || d->state == HV_HC_STATE_BUILDING)
			held += desc_maxmem_mib(d) + HVD_ADMIT_VMM_MIB;
	limit = total * hvd->overcommit_pct / 100;
	if (held + want <= limit)
		return 0;
	snprintf(why, why_size, "not enough memory on this host for %s: it may take %" PRIu64
		 " MiB (maxmem and its hv-vmm), the domains running hold up to %" PRIu64
		 " MiB, and hvd admits %" PRIu64 " MiB in all (%u%% of the host's %" PRIu64
		 " MiB): %" PRIu64 " MiB are free for domains (lower maxmem, or start hvd "
		 "with a higher --overcommit)", cfg->name, want, held, limit,
		 hvd->overcommit_pct, total, held < limit ? limit - held : 0);
	return -HV_HC_ENOMEM;
}

struct hvd_domain *domain_make(struct hvd *hvd, hv_domain_config *cfg, char *json,
				      int *rc_r, char *why, size_t why_size)
{
	struct hvd_domain *d;
	int rc;

	if (domain_find_name(hvd, cfg->name)) {
		snprintf(why, why_size, "a domain named %s exists already; choose another name, "
			 "or destroy it first", cfg->name);
		*rc_r = -HV_HC_EEXIST;
		goto fail;
	}
	rc = domain_admit(hvd, cfg, why, why_size);
	if (rc) {
		hvd_err(hvd, "domain %s refused: %s", cfg->name, why);
		*rc_r = rc;
		goto fail;
	}
	if (cfg->cpus) {
		cpu_set_t set;
		char bad[640];

		if (vcpu_cpuset(cfg->cpus, &set, bad, sizeof(bad))) {
			snprintf(why, why_size, "cpus %s", bad);
			*rc_r = -HV_HC_EINVAL;
			goto fail;
		}
	}
	d = domain_new();
	if (!d) {
		snprintf(why, why_size, "hvd is out of memory");
		*rc_r = -HV_HC_ENOMEM;
		goto fail;
	}
	d->state = HV_HC_STATE_BUILDING;
	rc = store_alloc_domid(hvd, &d->domid);
	if (!rc)
		rc = store_mkdir(hvd, d->domid);
	if (rc) {
		snprintf(why, why_size, "cannot make the domain's directory in %s (see hvd's log)",
			 hvd->rundir);
		free(d);
		*rc_r = rc;
		goto fail;
	}
	if (desc_set(hvd, d, cfg, json) || store_save(hvd, d)) {
		snprintf(why, why_size, "cannot store the domain in %s/domains/%u (see hvd's log)",
			 hvd->rundir, d->domid);
		store_rmdir(hvd, d->domid);
		desc_free(d);
		free(d);
		*rc_r = -HV_HC_EIO;
		return NULL;
	}
	domain_insert(hvd, d);
	return d;
fail:
	hv_domain_config_dispose(cfg);
	free(cfg);
	free(json);
	return NULL;
}

bool domain_image_ok(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= DOMAIN_IMAGE_MAX;
}

int domain_keep_images(struct hvd *hvd, struct hvd_domain *d, int kernel, int ramdisk)
{
	return images_keep(hvd, d, kernel, ramdisk);
}

/* What an open descriptor is, for messages. */
const char *domain_fd_kind(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return "not an open descriptor";
	if (S_ISREG(st.st_mode))
		return "a regular file";
	if (S_ISFIFO(st.st_mode))
		return "a pipe";
	if (S_ISSOCK(st.st_mode))
		return "a socket";
	if (S_ISDIR(st.st_mode))
		return "a directory";
	if (S_ISCHR(st.st_mode))
		return "a character device";
	return "a special file";
}

/* True if @fd is open for reading (@write false) or writing. */
bool domain_fd_open_for(int fd, bool write)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return false;
	fl &= O_ACCMODE;
	return fl == O_RDWR || fl == (write ? O_WRONLY : O_RDONLY);
}

bool domain_busy(const struct hvd_domain *d)
{
	return op_find(d, &op_save_type) || op_find(d, &op_migrate_type) ||
	       op_find(d, &op_dump_core_type);
}
