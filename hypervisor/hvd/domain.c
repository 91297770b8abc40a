/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The domain table and each domain's life: create, build, pause, shutdown,
 * destroy, save and restore, and what happens when its hv-vmm ends
 * (on_poweroff, on_reboot, on_crash).  Requests that wait on an hv-vmm
 * (build, pause, save, restore, ...) leave a waiter on the domain and are
 * answered from the event loop, so hvd never blocks on one domain.
 */
#include <errno.h>
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

static struct hvd_domain *domain_find_name(struct hvd *hvd, const char *name)
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
	d->exit_reason = -1;
	d->start_time = (uint64_t)time(NULL);
	return d;
}

/* --- waiters ------------------------------------------------------------ */

static struct hvd_waiter *domain_waiter_add(struct hvd_domain *d, enum hvd_wait_kind kind,
					    const struct hvd_conn *c, const struct hvd_req *req,
					    uint16_t vmm_op, uint32_t vmm_seq, int64_t timeout_ms)
{
	struct hvd_waiter *w = calloc(1, sizeof(*w)), **pp;

	if (!w)
		return NULL;
	w->kind = kind;
	w->conn_id = c ? c->id : 0;
	w->op = req ? req->hdr.op : 0;
	w->seq = req ? req->hdr.seq : 0;
	w->vmm_op = vmm_op;
	w->vmm_seq = vmm_seq;
	w->deadline = timeout_ms ? hvd_now_ms() + timeout_ms : 0;
	for (pp = &d->waiters; *pp; pp = &(*pp)->next)
		;
	*pp = w;
	return w;
}

static int domain_wait(struct hvd_domain *d, enum hvd_wait_kind kind, const struct hvd_conn *c,
		       const struct hvd_req *req, uint16_t vmm_op, uint32_t vmm_seq,
		       int64_t timeout_ms)
{
	return domain_waiter_add(d, kind, c, req, vmm_op, vmm_seq, timeout_ms) ?
		HVD_DEFERRED : -HV_HC_ENOMEM;
}

/* The waiter of a pending client request @op (SAVE, RESTORE), or NULL. */
static struct hvd_waiter *domain_waiter_op(const struct hvd_domain *d, uint16_t op)
{
	for (struct hvd_waiter *w = d->waiters; w; w = w->next)
		if (w->op == op && w->conn_id)
			return w;
	return NULL;
}

/* Takes @w off the domain's list; the caller answers and frees it. */
static void domain_unlink(struct hvd_domain *d, struct hvd_waiter *w)
{
	for (struct hvd_waiter **pp = &d->waiters; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			w->next = NULL;
			return;
		}
	}
}

static bool domain_waiting(const struct hvd_domain *d, enum hvd_wait_kind kind)
{
	for (const struct hvd_waiter *w = d->waiters; w; w = w->next)
		if (w->kind == kind)
			return true;
	return false;
}

/* Answers and drops every waiter of @kind, a failure with @msg (NULL: none). */
static void domain_finish_msg(struct hvd *hvd, struct hvd_domain *d, enum hvd_wait_kind kind,
			      int status, const char *msg)
{
	struct hvd_waiter **pp = &d->waiters;

	while (*pp) {
		struct hvd_waiter *w = *pp;

		if (w->kind != kind) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		if (status && msg)
			server_reply_msg(hvd, w->conn_id, w->op, w->seq, status, msg);
		else
			server_reply(hvd, w->conn_id, w->op, w->seq, status, NULL, 0, -1);
		free(w);
	}
}

static void domain_finish(struct hvd *hvd, struct hvd_domain *d, enum hvd_wait_kind kind,
			  int status)
{
	domain_finish_msg(hvd, d, kind, status, NULL);
}

/* --- files ---------------------------------------------------------------- */

static int domain_copy_fd(struct hvd *hvd, struct hvd_domain *d, int from, const char *file)
{
	char *path = store_domain_file(hvd, d->domid, file);
	char *buf = NULL;
	struct stat st;
	off_t done = 0;
	int to = -1, rc = -HV_HC_EIO;

	if (!path)
		goto out;
	if (fstat(from, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > DOMAIN_IMAGE_MAX) {
		rc = -HV_HC_EBADF;
		goto out;
	}
	to = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (to < 0)
		goto fail;
	while (done < st.st_size) {
		loff_t off = done;
		ssize_t r = copy_file_range(from, &off, to, NULL, st.st_size - done, 0);

		if (r < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
			      errno == EOPNOTSUPP))
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto fail;
		done += r;
	}
	if (done < st.st_size) {
		/* no in-kernel copy between these files: copy through a buffer */
		buf = malloc(1 << 16);
		if (!buf || ftruncate(to, 0) < 0 || lseek(to, 0, SEEK_SET) < 0)
			goto fail;
		for (done = 0; done < st.st_size;) {
			ssize_t r = pread(from, buf, 1 << 16, done);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0 || write(to, buf, r) != r)
				goto fail;
			done += r;
		}
	}
	if (close(to) < 0) {
		to = -1;
		goto fail;
	}
	to = -1;
	rc = 0;
	goto out;
fail:
	hvd_err(hvd, "domain %u (%s): cannot copy the %s into %s: %s", d->domid, d->cfg->name,
		file, path, errno ? strerror(errno) : "the file shrank while copied");
out:
	if (to >= 0)
		close(to);
	free(buf);
	free(path);
	return rc;
}

/* Renames the domain's logs along with the domain. */
static void domain_rename_logs(struct hvd *hvd, const char *from, const char *to)
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
	if (d->pid) {
		vmm_signal(d, SIGKILL);
		vmm_detach(hvd, d);
	}
	domain_finish(hvd, d, HVD_WAIT_BUILD, -HV_HC_ENOENT);
	domain_finish(hvd, d, HVD_WAIT_VMM, -HV_HC_ENOENT);
	store_rmdir(hvd, d->domid);
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

/* The domain is there for everyone: CREATED. */
static void domain_announce(struct hvd *hvd, struct hvd_domain *d)
{
	d->announced = true;
	server_event(hvd, HV_HC_EV_CREATED, d, HV_HC_CODE_NONE);
}

void domain_reap(struct hvd *hvd)
{
	while (hvd->graveyard) {
		struct hvd_domain *d = hvd->graveyard;

		hvd->graveyard = d->next;
		while (d->waiters) {
			struct hvd_waiter *w = d->waiters;

			d->waiters = w->next;
			free(w);
		}
		desc_free(d);
		free(d);
	}
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
	int rc = 0;

	for (size_t i = 0; i < 3 && rc == 0; i++) {
		char *a, *b;

		if ((i == 0 && !from->has_kernel) || (i == 1 && !from->has_initrd))
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

	if (!nd || desc_copy(nd, old))
		goto fail;
	nd->has_kernel = old->has_kernel;
	nd->has_initrd = old->has_initrd;
	nd->restarts = old->restarts;
	nd->restart_window = old->restart_window;
	nd->state = HV_HC_STATE_RUNNING;
	nd->want_running = true;
	if (store_alloc_domid(hvd, &nd->domid) || store_mkdir(hvd, nd->domid))
		goto fail;
	if (domain_take_images(hvd, old, nd, rename)) {
		store_rmdir(hvd, nd->domid);
		goto fail;
	}
	if (rename) {
		domain_preserved_name(hvd, old, preserved);
		hvd_info(hvd, "domain %u (%s): renamed %s, preserved", old->domid, old->cfg->name,
			 preserved);
		domain_rename_logs(hvd, old->cfg->name, preserved);
		memcpy(old->cfg->name, preserved, sizeof(preserved));
		domain_preserve(hvd, old, code);
	} else {
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

/*
 * A restore that did not come to a running (or paused) domain: the domain
 * goes, leaving nothing, and the client learns why.
 */
static void domain_restore_fail(struct hvd *hvd, struct hvd_domain *d, struct hvd_waiter *w,
				int status, const char *msg)
{
	hvd_err(hvd, "domain %u (%s): restore failed: %s; removing the domain", d->domid,
		d->cfg->name, msg);
	domain_unlink(d, w);
	server_reply_msg(hvd, w->conn_id, w->op, w->seq, status, msg);
	free(w);
	domain_remove(hvd, d);
}

/* hv-vmm ended during a restore, before the domain was ready. */
static void domain_restore_died(struct hvd *hvd, struct hvd_domain *d, struct hvd_waiter *w,
				int status, pid_t pid)
{
	char msg[HV_HC_ERRMSG_MAX];

	if (w->stalled)
		snprintf(msg, sizeof(msg), "hv-vmm made no progress reading the save image for "
			 "%d s and was stopped", HVD_STALL_MS / 1000);
	else if (d->vmm_error[0])
		snprintf(msg, sizeof(msg), "hv-vmm: %s", d->vmm_error);
	else
		snprintf(msg, sizeof(msg), "hv-vmm (pid %d) %s before the domain was ready; its "
			 "messages are in %s/vmm-%s.log", (int)pid,
			 status < 0 ? "was killed" : "exited", hvd->logdir, d->cfg->name);
	vmm_log_tail(hvd, d);
	domain_restore_fail(hvd, d, w, -HV_HC_EVMM, msg);
}

void domain_vmm_gone(struct hvd *hvd, struct hvd_domain *d)
{
	struct hvd_waiter *rw = domain_waiter_op(d, HV_HC_DOMCTL_RESTORE_DOMAIN);
	int status = vmm_exit_status(hvd, d);
	bool ready = d->vmm_ready;
	pid_t pid = d->pid;
	uint32_t code;
	uint8_t action;

	if (status < 0)
		status = d->exit_reason;
	vmm_detach(hvd, d);
	if (d->destroying) {
		domain_remove(hvd, d);
		return;
	}
	if (rw) {
		/* restoring, or restored and not yet unpaused: never there for anyone */
		domain_restore_died(hvd, d, rw, status, pid);
		return;
	}
	if (!ready && domain_waiting(d, HVD_WAIT_BUILD)) {
		hvd_err(hvd, "domain %u (%s): hv-vmm (pid %d) %s before the guest started: the "
			"build failed", d->domid, d->cfg->name, (int)pid,
			status < 0 ? "was killed" : "exited");
		vmm_log_tail(hvd, d);
		if (d->vmm_error[0]) {
			char msg[HV_HC_ERRMSG_MAX];

			snprintf(msg, sizeof(msg), "hv-vmm: %s", d->vmm_error);
			domain_finish_msg(hvd, d, HVD_WAIT_BUILD, -HV_HC_EVMM, msg);
		} else {
			domain_finish(hvd, d, HVD_WAIT_BUILD, -HV_HC_EVMM);
		}
		domain_remove(hvd, d);
		return;
	}
	domain_finish(hvd, d, HVD_WAIT_VMM, -HV_HC_EVMM);
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

/* The restored domain is paused or running: the RESTORE's reply. */
static void domain_restored(struct hvd *hvd, struct hvd_domain *d, struct hvd_waiter *w)
{
	struct hv_hc_domid reply = { .domid = d->domid };

	d->state = w->flags & HV_HC_RESTORE_PAUSED ? HV_HC_STATE_PAUSED : HV_HC_STATE_RUNNING;
	d->want_running = d->state == HV_HC_STATE_RUNNING;
	store_save(hvd, d);
	hvd_info(hvd, "domain %u (%s): restored, %s", d->domid, d->cfg->name,
		 d->state == HV_HC_STATE_RUNNING ? "running" : "paused");
	domain_unlink(d, w);
	server_reply(hvd, w->conn_id, w->op, w->seq, 0, &reply, sizeof(reply), -1);
	free(w);
	domain_announce(hvd, d);
}

/* hv-vmm has read the image and parked the vCPUs: run them, unless asked not to. */
static void domain_restore_ready(struct hvd *hvd, struct hvd_domain *d, struct hvd_waiter *w)
{
	uint32_t seq;
	int r;

	if (w->flags & HV_HC_RESTORE_PAUSED) {
		domain_restored(hvd, d, w);
		return;
	}
	r = vmm_call(hvd, d, HV_VMM_OP_UNPAUSE, &seq);
	if (r) {
		char msg[128];

		snprintf(msg, sizeof(msg), "cannot ask hv-vmm to start the restored domain: %s",
			 strerror(-r));
		domain_restore_fail(hvd, d, w, -HV_HC_EVMM, msg);
		return;
	}
	w->kind = HVD_WAIT_VMM;
	w->vmm_op = HV_VMM_OP_UNPAUSE;
	w->vmm_seq = seq;
	w->stall_ms = 0;
	w->deadline = hvd_now_ms() + HVD_VMM_CALL_MS;
}

void domain_vmm_ready(struct hvd *hvd, struct hvd_domain *d)
{
	struct hvd_waiter *rw;

	d->vmm_ready = true;
	if (d->destroying)
		return;
	rw = domain_waiter_op(d, HV_HC_DOMCTL_RESTORE_DOMAIN);
	if (rw) {
		if (rw->kind == HVD_WAIT_BUILD)
			domain_restore_ready(hvd, d, rw);
		return;
	}
	if (domain_waiting(d, HVD_WAIT_BUILD)) {
		struct hv_hc_domid reply = { .domid = d->domid };
		struct hvd_waiter **pp = &d->waiters;

		d->state = d->want_running ? HV_HC_STATE_RUNNING : HV_HC_STATE_PAUSED;
		store_save(hvd, d);
		hvd_info(hvd, "domain %u (%s): built, %s", d->domid, d->cfg->name,
			 d->want_running ? "running" : "paused");
		while (*pp) {
			struct hvd_waiter *w = *pp;

			if (w->kind != HVD_WAIT_BUILD) {
				pp = &w->next;
				continue;
			}
			*pp = w->next;
			server_reply(hvd, w->conn_id, w->op, w->seq, 0, &reply, sizeof(reply), -1);
			free(w);
		}
		domain_announce(hvd, d);
		return;
	}
	d->state = d->want_running ? HV_HC_STATE_RUNNING : HV_HC_STATE_PAUSED;
	store_save(hvd, d);
}

/* A save's failure, from hv-vmm's errno, as the client's status. */
static int domain_save_status(int vmm_status)
{
	switch (-vmm_status) {
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
	case EPIPE:
	case ECONNRESET:
	case EIO:
		return -HV_HC_EIO;	/* writing the image failed */
	case EBADF:
	case EACCES:
		return -HV_HC_EBADF;
	case ENOMEM:
		return -HV_HC_ENOMEM;
	case EOPNOTSUPP:
		return -HV_HC_ENOTSUP;	/* an hv-vmm that cannot save */
	default:
		return -HV_HC_EVMM;
	}
}

/* hv-vmm answered the SAVE of @w. */
static void domain_saved(struct hvd *hvd, struct hvd_domain *d, struct hvd_waiter *w,
			 int status, const void *data, size_t len)
{
	struct hv_vmm_save_result vr;
	struct hv_hc_save_result res;
	char vmsg[256], msg[HV_HC_ERRMSG_MAX];

	if (status) {
		vmmmsg_reply_text(data, len, vmsg, sizeof(vmsg));
		if (vmsg[0])
			snprintf(msg, sizeof(msg), "hv-vmm: %s", vmsg);
		else
			snprintf(msg, sizeof(msg), "hv-vmm could not save the domain: %s",
				 strerror(-status));
		hvd_err(hvd, "domain %u (%s): save failed: %s; the domain is left as it was",
			d->domid, d->cfg->name, msg);
		server_reply_msg(hvd, w->conn_id, w->op, w->seq, domain_save_status(status), msg);
		return;
	}
	memset(&vr, 0, sizeof(vr));
	memcpy(&vr, data, len < sizeof(vr) ? len : sizeof(vr));
	memset(&res, 0, sizeof(res));
	res.bytes = vr.bytes;
	res.pages = vr.pages;
	res.zero_pages = vr.zero_pages;
	hvd_info(hvd, "domain %u (%s): saved, %llu bytes, %llu pages (%llu zero)", d->domid,
		 d->cfg->name, (unsigned long long)res.bytes, (unsigned long long)res.pages,
		 (unsigned long long)res.zero_pages);
	if (w->flags & HV_HC_SAVE_PAUSED) {
		d->state = HV_HC_STATE_PAUSED;
		d->want_running = false;
		store_save(hvd, d);
	} else if (!(w->flags & HV_HC_SAVE_CONTINUE)) {
		/* the image is the domain now: it goes, as by DESTROY, before the reply */
		domain_remove(hvd, d);
	}
	server_reply(hvd, w->conn_id, w->op, w->seq, 0, &res, sizeof(res), -1);
}

void domain_vmm_progress(struct hvd *hvd, struct hvd_domain *d, uint64_t done, uint64_t total)
{
	struct hvd_waiter *w = domain_waiter_op(d, HV_HC_DOMCTL_SAVE);

	if (!w)
		w = domain_waiter_op(d, HV_HC_DOMCTL_RESTORE_DOMAIN);
	if (!w)
		return;
	if (w->stall_ms && w->deadline)
		w->deadline = hvd_now_ms() + w->stall_ms;
	server_progress(hvd, w->conn_id, w->op, w->seq, done < total ? done : total, total);
}

void domain_vmm_reply(struct hvd *hvd, struct hvd_domain *d, uint16_t op, uint32_t seq,
		      int status, const void *data, size_t len)
{
	struct hvd_waiter **pp, *w;

	if (op == 0 && seq == 0) {
		/* the control channel closed: nothing will answer */
		w = domain_waiter_op(d, HV_HC_DOMCTL_RESTORE_DOMAIN);
		if (w && w->kind == HVD_WAIT_VMM) {
			domain_restore_fail(hvd, d, w, -HV_HC_EVMM, "hv-vmm closed its control "
					    "channel before starting the restored domain");
			return;
		}
		w = domain_waiter_op(d, HV_HC_DOMCTL_SAVE);
		if (w) {
			domain_unlink(d, w);
			server_reply_msg(hvd, w->conn_id, w->op, w->seq, -HV_HC_EVMM,
					 "hv-vmm closed its control channel during the save");
			free(w);
		}
		domain_finish(hvd, d, HVD_WAIT_VMM, -HV_HC_EVMM);
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
	if (op == HV_VMM_OP_QUERY && status == 0 && len >= sizeof(struct hv_vmm_info)) {
		struct hv_vmm_info info;

		memcpy(&info, data, sizeof(info));
		d->cpu_time_ns = info.cpu_time_ns;
		if (!d->vmm_ready && !domain_waiting(d, HVD_WAIT_BUILD)) {
			/* a restarted hvd: hv-vmm answers, so its vCPUs are set up */
			d->vmm_ready = true;
		}
		if (d->vmm_ready && !d->destroying &&
		    (d->state == HV_HC_STATE_PAUSED || d->state == HV_HC_STATE_RUNNING)) {
			uint32_t s = info.state == HV_VMM_STATE_PAUSED ? HV_HC_STATE_PAUSED :
					HV_HC_STATE_RUNNING;

			if (s != d->state) {
				d->state = s;
				store_save(hvd, d);
			}
		}
	}
	for (pp = &d->waiters; *pp; pp = &(*pp)->next) {
		w = *pp;
		if (w->kind != HVD_WAIT_VMM || w->vmm_seq != seq)
			continue;
		if (w->op == HV_HC_DOMCTL_RESTORE_DOMAIN) {
			/* the UNPAUSE that starts a restored domain */
			if (status == 0)
				domain_restored(hvd, d, w);
			else
				domain_restore_fail(hvd, d, w, -HV_HC_EVMM, "hv-vmm restored the "
						    "domain but would not start its vCPUs");
			return;
		}
		*pp = w->next;
		if (w->vmm_op == HV_VMM_OP_SAVE) {
			domain_saved(hvd, d, w, status, data, len);
			free(w);
			return;
		}
		if (status == 0 && w->vmm_op == HV_VMM_OP_PAUSE)
			d->state = HV_HC_STATE_PAUSED;
		else if (status == 0 && w->vmm_op == HV_VMM_OP_UNPAUSE)
			d->state = HV_HC_STATE_RUNNING;
		if (status == 0 && (w->vmm_op == HV_VMM_OP_PAUSE || w->vmm_op == HV_VMM_OP_UNPAUSE)) {
			d->want_running = d->state == HV_HC_STATE_RUNNING;
			store_save(hvd, d);
		}
		if (status)
			hvd_err(hvd, "domain %u (%s): hv-vmm refused op %u: %s", d->domid,
				d->cfg->name, w->vmm_op, strerror(-status));
		server_reply(hvd, w->conn_id, w->op, w->seq, status ? -HV_HC_EVMM : 0, NULL, 0, -1);
		free(w);
		return;
	}
	if (op == HV_VMM_OP_SAVE && !d->dead) {
		/* a save given up on has ended after all: learn how hv-vmm left the domain */
		hvd_info(hvd, "domain %u (%s): hv-vmm finished an abandoned save (status %d)",
			 d->domid, d->cfg->name, status);
		vmm_call(hvd, d, HV_VMM_OP_QUERY, NULL);
	}
}

/*
 * @w's deadline has passed.  Returns true if @w is gone: answered and
 * freed, or taken away with the domain (then d->dead).
 */
static bool domain_expire(struct hvd *hvd, struct hvd_domain *d, struct hvd_waiter *w)
{
	if (w->kind == HVD_WAIT_BUILD) {
		/* the end of hv-vmm answers the client */
		if (w->op == HV_HC_DOMCTL_RESTORE_DOMAIN)
			hvd_err(hvd, "domain %u (%s): hv-vmm made no progress restoring for %d s; "
				"stopping it", d->domid, d->cfg->name, HVD_STALL_MS / 1000);
		else
			hvd_err(hvd, "domain %u (%s): hv-vmm did not start the guest in %d s; "
				"stopping it", d->domid, d->cfg->name, HVD_BUILD_TIMEOUT_MS / 1000);
		w->stalled = w->op == HV_HC_DOMCTL_RESTORE_DOMAIN;
		w->deadline = 0;
		vmm_signal(d, SIGKILL);
		return false;
	}
	if (w->op == HV_HC_DOMCTL_RESTORE_DOMAIN) {
		domain_restore_fail(hvd, d, w, -HV_HC_EVMM,
				    "hv-vmm did not start the restored domain's vCPUs");
		return true;
	}
	domain_unlink(d, w);
	if (w->vmm_op == HV_VMM_OP_SAVE) {
		hvd_err(hvd, "domain %u (%s): hv-vmm reported no progress saving for %d s; no "
			"longer waiting for it", d->domid, d->cfg->name, HVD_STALL_MS / 1000);
		server_reply_err(hvd, w->conn_id, w->op, w->seq, -HV_HC_EVMM,
				 "the save made no progress for %d s (does the image's reader "
				 "still read?); hv-vmm may yet finish it, see hvd's log",
				 HVD_STALL_MS / 1000);
	} else {
		hvd_err(hvd, "domain %u (%s): hv-vmm did not answer op %u in %d s", d->domid,
			d->cfg->name, w->vmm_op, HVD_VMM_CALL_MS / 1000);
		server_reply(hvd, w->conn_id, w->op, w->seq, -HV_HC_EVMM, NULL, 0, -1);
	}
	free(w);
	return true;
}

int64_t domain_tick(struct hvd *hvd, int64_t now)
{
	int64_t next = 0;

	for (struct hvd_domain *d = hvd->domains, *dn; d; d = dn) {
		dn = d->next;
		for (struct hvd_waiter *w = d->waiters, *wn; w; w = wn) {
			wn = w->next;
			if (w->deadline && w->deadline <= now && domain_expire(hvd, d, w)) {
				if (d->dead)
					break;
				continue;
			}
			if (w->deadline && (!next || w->deadline < next))
				next = w->deadline;
		}
		if (d->dead)
			continue;
		if (d->reconnect_at && d->reconnect_at <= now) {
			uint32_t seq;

			/* its control socket was not there: try again, then ask its state */
			d->reconnect_at = 0;
			if (!d->pid || d->destroying || d->ctlw.fd >= 0)
				continue;
			if (vmm_connect(hvd, d) || vmm_call(hvd, d, HV_VMM_OP_QUERY, &seq))
				d->reconnect_at = now + 10 * HVD_RECONNECT_MS;
		}
		if (d->reconnect_at && (!next || d->reconnect_at < next))
			next = d->reconnect_at;
	}
	return next;
}

/* --- requests ------------------------------------------------------------- */

/*
 * A new domain in state BUILDING with the description @cfg/@json (which it
 * takes over, also on failure), in the table and on disk; NULL with *rc_r
 * and @why set if it cannot be.
 */
static struct hvd_domain *domain_make(struct hvd *hvd, hv_domain_config *cfg, char *json,
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

/* A kernel or ramdisk as CREATE_DOMAIN and RESTORE_DOMAIN take it: a regular file hv-vmm can read. */
static bool domain_image_ok(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= DOMAIN_IMAGE_MAX;
}

/* Copies the kernel and ramdisk into the domain's directory, for every (re)start. */
static int domain_keep_images(struct hvd *hvd, struct hvd_domain *d, int kernel, int ramdisk)
{
	int rc = kernel >= 0 ? domain_copy_fd(hvd, d, kernel, "kernel") : 0;

	if (!rc && ramdisk >= 0)
		rc = domain_copy_fd(hvd, d, ramdisk, "initrd");
	if (rc)
		return rc;
	d->has_kernel = kernel >= 0;
	d->has_initrd = ramdisk >= 0;
	return 0;
}

/*
 * CREATE_DOMAIN: the description, checked by libhv's own code, becomes a
 * domain whose hv-vmm builds it; the reply waits until it runs (or is
 * paused).  Every failure takes the domain away, as if never created.
 */
static int domain_op_create(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
			    int *fds)
{
	const struct hv_hc_create_domain *cr = &req->u.create;
	bool ramdisk = cr->flags & HV_HC_CREATE_RAMDISK;
	hv_domain_config *cfg;
	struct hvd_domain *d;
	char why[HV_HC_ERRMSG_MAX], *json;
	int rc;

	if (!domain_image_ok(fds[0]) || (ramdisk && !domain_image_ok(fds[1])))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EBADF,
					"the %s is not a regular file of at most 1 GiB",
					domain_image_ok(fds[0]) ? "ramdisk" : "kernel");
	rc = desc_parse(hvd, req->json, req->json_len, &cfg, &json, why, sizeof(why));
	if (!rc && (!cfg->ramdisk) != !ramdisk) {
		snprintf(why, sizeof(why), "the description %s a ramdisk but %s came with it",
			 cfg->ramdisk ? "names" : "does not name", ramdisk ? "one" : "none");
		hv_domain_config_dispose(cfg);
		free(cfg);
		free(json);
		rc = -HV_HC_EBADF;
	}
	if (rc)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc, "%s", why);
	d = domain_make(hvd, cfg, json, &rc, why, sizeof(why));
	if (!d)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc, "%s", why);
	/* from here on a failure takes the domain away, as if never there */
	rc = domain_keep_images(hvd, d, fds[0], ramdisk ? fds[1] : -1);
	if (rc) {
		rc = server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc,
				      "cannot keep a copy of the kernel or ramdisk in %s/domains/%u "
				      "(see hvd's log)", hvd->rundir, d->domid);
		goto fail;
	}
	d->want_running = !(cr->flags & HV_HC_CREATE_PAUSED);
	if (vmm_spawn(hvd, d, !d->want_running, -1, false)) {
		rc = server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EIO,
				      "cannot start hv-vmm (see hvd's log in %s)", hvd->logdir);
		goto fail;
	}
	store_save(hvd, d);
	hvd_info(hvd, "domain %u (%s): created, %llu MiB, %u vCPU(s)", d->domid, d->cfg->name,
		 (unsigned long long)d->cfg->memory_mib, d->cfg->vcpus);
	rc = domain_wait(d, HVD_WAIT_BUILD, c, req, 0, 0, HVD_BUILD_TIMEOUT_MS);
	if (rc == HVD_DEFERRED)
		return rc;
fail:
	hvd_err(hvd, "domain %u (%s): create failed; removing the domain", d->domid,
		d->cfg->name);
	domain_remove(hvd, d);
	return rc;
}

/* --- configuration, save, restore ----------------------------------------- */

static int domain_op_get_config(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
				struct hvd_domain *d)
{
	server_reply(hvd, c->id, req->hdr.op, req->hdr.seq, 0, d->json, d->json_len, -1);
	return HVD_REPLIED;
}

/* What an open descriptor is, for messages. */
static const char *domain_fd_kind(int fd)
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
static bool domain_fd_open_for(int fd, bool write)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return false;
	fl &= O_ACCMODE;
	return fl == O_RDWR || fl == (write ? O_WRONLY : O_RDONLY);
}

/* Only one save or restore at a time, and nothing else that needs the vCPUs meanwhile. */
static bool domain_saving(const struct hvd_domain *d)
{
	return domain_waiter_op(d, HV_HC_DOMCTL_SAVE) != NULL;
}

static int domain_op_save(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
			  struct hvd_domain *d, int fd)
{
	const struct hv_hc_save *sv = &req->u.save;
	struct hv_vmm_save vs = { 0 };
	struct hvd_waiter *w;
	const char *json = req->json;
	size_t json_len = req->json_len;
	uint8_t *body = NULL;
	uint32_t seq;
	int r, rc;

	if (d->state != HV_HC_STATE_RUNNING && d->state != HV_HC_STATE_PAUSED)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u is neither running nor paused", d->domid);
	if (!d->pid || !d->vmm_ready || d->destroying)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u is starting or stopping; try again", d->domid);
	if (domain_saving(d))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u is being saved already", d->domid);
	if (!domain_fd_open_for(fd, true))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EBADF,
					"the descriptor to save into (%s) is not open for writing",
					domain_fd_kind(fd));
	if (!sv->config_len) {
		/* the image carries the domain's description as it is now */
		json = d->json;
		json_len = d->json_len;
	}
	rc = HVD_REPLIED;
	body = malloc(sizeof(vs) + json_len);
	if (!body || sizeof(struct hv_vmm_msg) + sizeof(vs) + json_len > HV_VMM_MSG_MAX) {
		server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ENOMEM,
				 body ? "the configuration (%zu bytes) is too long to send to hv-vmm" :
				 "hvd is out of memory (%zu bytes of configuration)", json_len);
		goto out;
	}
	vs.flags = (sv->flags & HV_HC_SAVE_COMPRESS ? HV_VMM_SAVE_COMPRESS : 0) |
		   (sv->flags & HV_HC_SAVE_CONTINUE ? HV_VMM_SAVE_RESUME : 0);
	vs.config_len = (uint32_t)json_len;
	memcpy(body, &vs, sizeof(vs));
	memcpy(body + sizeof(vs), json, json_len);
	w = domain_waiter_add(d, HVD_WAIT_VMM, c, req, HV_VMM_OP_SAVE, 0, HVD_STALL_MS);
	if (!w) {
		rc = -HV_HC_ENOMEM;
		goto out;
	}
	r = vmm_send(hvd, d, HV_VMM_OP_SAVE, body, sizeof(vs) + json_len, fd, &seq);
	if (r) {
		domain_unlink(d, w);
		free(w);
		server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EVMM,
				 "cannot send the save request to domain %u's hv-vmm: %s", d->domid,
				 strerror(-r));
		goto out;
	}
	w->vmm_seq = seq;
	w->flags = sv->flags;
	w->stall_ms = HVD_STALL_MS;
	hvd_info(hvd, "domain %u (%s): saving%s%s", d->domid, d->cfg->name,
		 sv->flags & HV_HC_SAVE_COMPRESS ? ", compressed" : "",
		 sv->flags & HV_HC_SAVE_CONTINUE ? ", to run on" :
		 sv->flags & HV_HC_SAVE_PAUSED ? ", to stay paused" : ", to be destroyed");
	rc = HVD_DEFERRED;
out:
	free(body);
	return rc;
}

/*
 * RESTORE_DOMAIN: a new domain whose hv-vmm reads the image (fds[0]); the
 * reply waits until it runs or is paused.  Every failure takes the domain
 * away.
 */
static int domain_op_restore(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
			     int *fds)
{
	const struct hv_hc_restore_domain *rs = &req->u.restore;
	bool kernel = rs->flags & HV_HC_RESTORE_KERNEL, initrd = rs->flags & HV_HC_RESTORE_INITRD;
	hv_domain_config *cfg;
	struct hvd_waiter *w;
	struct hvd_domain *d;
	char why[HV_HC_ERRMSG_MAX], *json;
	struct stat st;
	int rc;

	if (fstat(fds[0], &st) < 0 || !S_ISREG(st.st_mode))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EBADF,
					"the save image is %s, not a regular file: restore reads "
					"a file (copy a stream into one first)",
					domain_fd_kind(fds[0]));
	if (!domain_fd_open_for(fds[0], false))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EBADF,
					"the save image is not open for reading");
	if ((kernel && !domain_image_ok(fds[1])) || (initrd && !domain_image_ok(fds[2])))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EBADF,
					"the %s is not a regular file of at most 1 GiB",
					kernel && !domain_image_ok(fds[1]) ? "kernel" : "ramdisk");
	rc = desc_parse(hvd, req->json, req->json_len, &cfg, &json, why, sizeof(why));
	if (rc)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc, "%s", why);
	d = domain_make(hvd, cfg, json, &rc, why, sizeof(why));
	if (!d)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc, "%s", why);
	/* from here on a failure takes the domain away, as if never there */
	rc = domain_keep_images(hvd, d, kernel ? fds[1] : -1, initrd ? fds[2] : -1);
	if (rc) {
		rc = server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc,
				      "cannot keep a copy of the %s in %s/domains/%u (see hvd's log)",
				      rc == -HV_HC_EBADF ? "images" : "kernel or ramdisk",
				      hvd->rundir, d->domid);
		goto fail;
	}
	if (vmm_spawn(hvd, d, true, fds[0], rs->flags & HV_HC_RESTORE_LAZY)) {
		rc = server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EIO,
				      "cannot start hv-vmm for the restore (see hvd's log in %s)",
				      hvd->logdir);
		goto fail;
	}
	store_save(hvd, d);
	w = domain_waiter_add(d, HVD_WAIT_BUILD, c, req, 0, 0, HVD_STALL_MS);
	if (!w) {
		rc = -HV_HC_ENOMEM;
		goto fail;
	}
	w->flags = rs->flags;
	w->stall_ms = HVD_STALL_MS;
	hvd_info(hvd, "domain %u (%s): restoring%s%s", d->domid, d->cfg->name,
		 rs->flags & HV_HC_RESTORE_LAZY ? " lazily" : "",
		 kernel ? ", kernel kept for restarts" : ", no kernel (no restarts)");
	return HVD_DEFERRED;
fail:
	hvd_err(hvd, "domain %u (%s): restore failed; removing the domain", d->domid, d->cfg->name);
	domain_remove(hvd, d);
	return rc;
}

/*
 * CANCEL: the client gives up on its pending RESTORE_DOMAIN or SAVE.  A
 * restore not yet answered is undone (its domain goes); the cancelled
 * request is answered with ECANCELED, CANCEL itself with 0.
 */
/* @conn's pending SAVE or RESTORE_DOMAIN with @seq on @d, or NULL. */
static struct hvd_waiter *domain_cancellable(struct hvd_domain *d, uint64_t conn, uint32_t seq)
{
	for (struct hvd_waiter *w = d->waiters; w; w = w->next)
		if (w->conn_id == conn && w->seq == seq &&
		    (w->op == HV_HC_DOMCTL_SAVE || w->op == HV_HC_DOMCTL_RESTORE_DOMAIN))
			return w;
	return NULL;
}

static int domain_op_cancel(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req)
{
	struct hvd_domain *d = domain_find(hvd, req->u.cancel.domid);
	struct hvd_waiter *w = d ? domain_cancellable(d, c->id, req->u.cancel.seq) : NULL;

	/* a restore's client does not know its domain's id yet */
	for (struct hvd_domain *e = hvd->domains; !w && e; e = e->next) {
		w = domain_cancellable(e, c->id, req->u.cancel.seq);
		d = e;
	}
	if (!w)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ENOENT,
					"no save or restore of this connection with seq %u is "
					"pending (it may have just finished)", req->u.cancel.seq);
	if (w->op == HV_HC_DOMCTL_SAVE)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ENOTSUP,
					"a save cannot be cancelled yet; it goes on");
	hvd_info(hvd, "domain %u (%s): the client cancelled its restore", d->domid,
		 d->cfg->name);
	server_reply(hvd, c->id, req->hdr.op, req->hdr.seq, 0, NULL, 0, -1);
	domain_restore_fail(hvd, d, w, -HV_HC_ECANCELED, "the restore was cancelled");
	return HVD_REPLIED;
}

static int domain_op_vmm(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
			 struct hvd_domain *d, uint16_t vmm_op)
{
	uint32_t seq;

	if (!d->pid || !d->vmm_ready || d->destroying || domain_saving(d))
		return -HV_HC_ESTATE;
	if (vmm_call(hvd, d, vmm_op, &seq))
		return -HV_HC_EVMM;
	return domain_wait(d, HVD_WAIT_VMM, c, req, vmm_op, seq, HVD_VMM_CALL_MS);
}

/*
 * Destroy, as in Xen, is immediate: the hv-vmm gets SIGKILL (its vCPUs run
 * no further) and the domain leaves the table at once; the kernel frees
 * its memory behind us and SIGCHLD reaps the process.
 */
static int domain_op_destroy(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
			     struct hvd_domain *d)
{
	domain_remove(hvd, d);
	return 0;
}

static int domain_op_rename(struct hvd *hvd, struct hvd_domain *d, const char *name)
{
	struct hvd_domain *other = domain_find_name(hvd, name);
	char *old;
	int rc;

	if (other == d)
		return 0;
	if (other)
		return -HV_HC_EEXIST;
	if (d->destroying)
		return -HV_HC_ESTATE;
	old = strdup(d->cfg->name);
	if (!old)
		return -HV_HC_ENOMEM;
	/* the description says the name: a save image, a restart, GET_CONFIG follow it */
	rc = desc_rename(hvd, d, name);
	if (rc == 0) {
		hvd_info(hvd, "domain %u (%s): renamed %s", d->domid, old, name);
		domain_rename_logs(hvd, old, name);
	}
	free(old);
	return rc;
}

static int domain_op_console(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
			     struct hvd_domain *d)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char *path;
	int fd = -1, rc = -HV_HC_EIO;

	if (!d->pid || !d->vmm_ready || d->destroying)
		return -HV_HC_ESTATE;
	path = store_domain_file(hvd, d->domid, "console.sock");
	if (!path || strlen(path) >= sizeof(a.sun_path))
		goto out;
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		hvd_err(hvd, "domain %u (%s): cannot connect to its console at %s: %s", d->domid,
			d->cfg->name, path, strerror(errno));
		goto out;
	}
	server_reply(hvd, c->id, req->hdr.op, req->hdr.seq, 0, NULL, 0, fd);
	fd = -1;
	rc = HVD_REPLIED;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

static uint64_t domain_meminfo(const char *key)
{
	char buf[4096], *p;
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, key);
	return p ? strtoull(p + strlen(key), NULL, 10) / 1024 : 0;
}

static int domain_op_physinfo(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req)
{
	struct hv_hc_physinfo pi;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(&pi, 0, sizeof(pi));
	pi.nr_cpus = cpus > 0 ? (uint32_t)cpus : 1;
	pi.total_mib = domain_meminfo("MemTotal:");
	pi.free_mib = domain_meminfo("MemAvailable:");
	for (struct hvd_domain *d = hvd->domains; d; d = d->next) {
		pi.nr_domains++;
		if (d->pid)
			pi.domains_mib += d->cfg->memory_mib;
	}
	pi.max_vcpus = REQUEST_MAX_VCPUS;
	pi.hvd_pid = (uint32_t)getpid();
	snprintf(pi.version, sizeof(pi.version), "%s", PACKAGE_VERSION);
	server_reply(hvd, c->id, req->hdr.op, req->hdr.seq, 0, &pi, sizeof(pi), -1);
	return HVD_REPLIED;
}

static int domain_op_list(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req)
{
	uint8_t *body = hvd->listbuf;
	struct hv_hc_list_reply lr = { 0 };
	size_t fit = request_list_fit(), off = sizeof(lr);
	struct hvd_domain *d;

	if (req->u.list.max && req->u.list.max < fit)
		fit = req->u.list.max;
	for (d = hvd->domains; d && d->domid < req->u.list.first_domid; d = d->next)
		;
	for (; d && lr.count < fit; d = d->next) {
		struct hv_hc_dominfo info;

		domain_fill_info(d, &info);
		memcpy(body + off, &info, sizeof(info));
		off += sizeof(info);
		lr.count++;
	}
	lr.more = d != NULL;
	memcpy(body, &lr, sizeof(lr));
	server_reply(hvd, c->id, req->hdr.op, req->hdr.seq, 0, body, off, -1);
	return HVD_REPLIED;
}

int domain_op(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req, int *fds,
	      unsigned int nfds)
{
	struct hvd_domain *d = NULL;
	struct hv_hc_dominfo info;

	switch (req->hdr.op) {
	case HV_HC_DOMCTL_CREATE_DOMAIN:
		return domain_op_create(hvd, c, req, fds);
	case HV_HC_DOMCTL_RESTORE_DOMAIN:
		return domain_op_restore(hvd, c, req, fds);
	case HV_HC_DOMCTL_CANCEL:
		return domain_op_cancel(hvd, c, req);
	case HV_HC_SYSCTL_PHYSINFO:
		return domain_op_physinfo(hvd, c, req);
	case HV_HC_SYSCTL_LIST:
		return domain_op_list(hvd, c, req);
	case HV_HC_DOMCTL_ADD_DEVICE:
		d = domain_find(hvd, req->u.add_device.domid);
		break;
	case HV_HC_DOMCTL_SHUTDOWN:
		d = domain_find(hvd, req->u.shutdown.domid);
		break;
	case HV_HC_DOMCTL_RENAME:
		d = domain_find(hvd, req->u.rename.domid);
		break;
	case HV_HC_DOMCTL_SAVE:
		d = domain_find(hvd, req->u.save.domid);
		break;
	default:
		d = domain_find(hvd, req->u.domid.domid);
		break;
	}
	if (!d)
		return -HV_HC_ENOENT;
	switch (req->hdr.op) {
	case HV_HC_DOMCTL_ADD_DEVICE:
		return -HV_HC_ENOTSUP;
	case HV_HC_DOMCTL_PAUSE:
		if (d->state == HV_HC_STATE_PAUSED && d->vmm_ready && !d->destroying)
			return 0;
		return d->state == HV_HC_STATE_RUNNING ?
			domain_op_vmm(hvd, c, req, d, HV_VMM_OP_PAUSE) : -HV_HC_ESTATE;
	case HV_HC_DOMCTL_UNPAUSE:
		if (d->state == HV_HC_STATE_RUNNING && d->vmm_ready && !d->destroying)
			return 0;
		return d->state == HV_HC_STATE_PAUSED ?
			domain_op_vmm(hvd, c, req, d, HV_VMM_OP_UNPAUSE) : -HV_HC_ESTATE;
	case HV_HC_DOMCTL_SHUTDOWN:
		if (d->state != HV_HC_STATE_RUNNING && d->state != HV_HC_STATE_PAUSED)
			return -HV_HC_ESTATE;
		return domain_op_vmm(hvd, c, req, d,
				     req->u.shutdown.reason == HV_HC_SHUTDOWN_REBOOT ?
				     HV_VMM_OP_CTRL_ALT_DEL : HV_VMM_OP_POWER_BUTTON);
	case HV_HC_DOMCTL_DESTROY:
		return domain_op_destroy(hvd, c, req, d);
	case HV_HC_DOMCTL_GETINFO:
		domain_fill_info(d, &info);
		server_reply(hvd, c->id, req->hdr.op, req->hdr.seq, 0, &info, sizeof(info), -1);
		return HVD_REPLIED;
	case HV_HC_DOMCTL_RENAME:
		return domain_op_rename(hvd, d, req->u.rename.name);
	case HV_HC_DOMCTL_CONSOLE:
		return domain_op_console(hvd, c, req, d);
	case HV_HC_DOMCTL_GET_CONFIG:
		return domain_op_get_config(hvd, c, req, d);
	case HV_HC_DOMCTL_SAVE:
		return domain_op_save(hvd, c, req, d, fds[0]);
	default:
		return -HV_HC_EOPNOTSUPP;
	}
}
