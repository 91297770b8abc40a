/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The domain table and each domain's life: create, build, pause, shutdown,
 * destroy, and what happens when its hv-vmm ends (on_poweroff, on_reboot,
 * on_crash).  Requests that wait on an hv-vmm (build, destroy, pause, ...)
 * leave a waiter on the domain and are answered from the event loop, so
 * hvd never blocks on one domain.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "hcmsg.h"
#include "hvd.h"

#define DOMAIN_IMAGE_MAX (1ll << 30)	/* as hv-vmm reads at most */

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
		if (!strcmp(d->cfg.name, name))
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

static struct hvd_domain *domain_new(const struct hvd_config *cfg)
{
	struct hvd_domain *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->cfg = *cfg;
	d->pidw.fd = d->ctlw.fd = -1;
	d->exit_reason = -1;
	d->start_time = (uint64_t)time(NULL);
	return d;
}

/* --- waiters ------------------------------------------------------------ */

static int domain_wait(struct hvd_domain *d, enum hvd_wait_kind kind, const struct hvd_conn *c,
		       const struct hvd_req *req, uint16_t vmm_op, uint32_t vmm_seq,
		       int64_t timeout_ms)
{
	struct hvd_waiter *w = calloc(1, sizeof(*w)), **pp;

	if (!w)
		return -HV_HC_ENOMEM;
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
	return HVD_DEFERRED;
}

static bool domain_waiting(const struct hvd_domain *d, enum hvd_wait_kind kind)
{
	for (const struct hvd_waiter *w = d->waiters; w; w = w->next)
		if (w->kind == kind)
			return true;
	return false;
}

/* Answers and drops every waiter of @kind. */
static void domain_finish(struct hvd *hvd, struct hvd_domain *d, enum hvd_wait_kind kind,
			  int status)
{
	struct hvd_waiter **pp = &d->waiters;

	while (*pp) {
		struct hvd_waiter *w = *pp;

		if (w->kind != kind) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		server_reply(hvd, w->conn_id, w->op, w->seq, status, NULL, 0, -1);
		free(w);
	}
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
	hvd_err(hvd, "domain %u (%s): cannot copy the %s into %s: %s", d->domid, d->cfg.name,
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
	hvd_info(hvd, "domain %u (%s): destroyed", d->domid, d->cfg.name);
	server_event(hvd, HV_HC_EV_DEATH, d, d->shutdown_code);
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
	memcpy(info->name, d->cfg.name, sizeof(info->name));
	memcpy(info->uuid, d->cfg.uuid, sizeof(info->uuid));
	info->vcpus = d->cfg.vcpus;
	info->maxvcpus = d->cfg.maxvcpus;
	info->memory_mib = d->cfg.memory_mib;
	info->maxmem_mib = d->cfg.maxmem_mib;
	info->cpu_time_ns = d->cpu_time_ns;
	info->start_time = d->start_time;
	info->shutdown_code = d->shutdown_code;
	info->vmm_pid = (uint32_t)d->pid;
	info->on_poweroff = d->cfg.on_poweroff;
	info->on_reboot = d->cfg.on_reboot;
	info->on_crash = d->cfg.on_crash;
}

/* --- how a domain ends ---------------------------------------------------- */

static void domain_preserve(struct hvd *hvd, struct hvd_domain *d, uint32_t code)
{
	d->state = code == HV_HC_CODE_CRASH ? HV_HC_STATE_CRASHED : HV_HC_STATE_SHUTDOWN;
	d->shutdown_code = code;
	d->want_running = false;
	store_save(hvd, d);
	hvd_info(hvd, "domain %u (%s): preserved as %s", d->domid, d->cfg.name,
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
		snprintf(out, HV_HC_NAME_MAX, "%.*s%s", (int)room, d->cfg.name, suffix);
		if (!domain_find_name(hvd, out))
			return;
	}
}

/* Brings the images of @from over to @to: moved, or linked if @from keeps them. */
static int domain_take_images(struct hvd *hvd, struct hvd_domain *from, struct hvd_domain *to,
			      bool keep)
{
	static const char *const files[] = { "kernel", "initrd" };
	int rc = 0;

	for (size_t i = 0; i < 2 && rc == 0; i++) {
		char *a, *b;

		if (i == 1 && !from->cfg.initrd)
			break;
		a = store_domain_file(hvd, from->domid, files[i]);
		b = store_domain_file(hvd, to->domid, files[i]);
		if (!a || !b || (keep ? link(a, b) : rename(a, b)) < 0) {
			hvd_err(hvd, "domain %u (%s): cannot bring its %s over to domain %u: %s",
				from->domid, from->cfg.name, files[i], to->domid, strerror(errno));
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
		d->cfg.name, HVD_RESTART_MAX, HVD_RESTART_WINDOW_MS / 1000);
	return true;
}

/* on_* = restart or rename-restart: a new domain with the same config. */
static void domain_restart(struct hvd *hvd, struct hvd_domain *old, uint32_t code, bool rename)
{
	struct hvd_domain *nd = domain_new(&old->cfg);
	char preserved[HV_HC_NAME_MAX];

	if (!nd)
		goto fail;
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
		hvd_info(hvd, "domain %u (%s): renamed %s, preserved", old->domid, old->cfg.name,
			 preserved);
		domain_rename_logs(hvd, old->cfg.name, preserved);
		memcpy(old->cfg.name, preserved, sizeof(preserved));
		domain_preserve(hvd, old, code);
	} else {
		domain_remove(hvd, old);
	}
	domain_insert(hvd, nd);
	if (vmm_spawn(hvd, nd, false)) {
		hvd_err(hvd, "domain %u (%s): the restart failed; the domain is gone", nd->domid,
			nd->cfg.name);
		domain_remove(hvd, nd);
		return;
	}
	store_save(hvd, nd);
	hvd_info(hvd, "domain %u (%s): restarted as domain %u", old->domid, nd->cfg.name,
		 nd->domid);
	server_event(hvd, HV_HC_EV_CREATED, nd, HV_HC_CODE_NONE);
	return;
fail:
	free(nd);
	hvd_err(hvd, "domain %u (%s): cannot restart it; %s", old->domid, old->cfg.name,
		rename ? "it stays preserved" : "destroying it");
	if (rename)
		domain_preserve(hvd, old, code);
	else
		domain_remove(hvd, old);
}

void domain_vmm_gone(struct hvd *hvd, struct hvd_domain *d)
{
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
	if (!ready && domain_waiting(d, HVD_WAIT_BUILD)) {
		hvd_err(hvd, "domain %u (%s): hv-vmm (pid %d) %s before the guest started: the "
			"build failed", d->domid, d->cfg.name, (int)pid,
			status < 0 ? "was killed" : "exited");
		vmm_log_tail(hvd, d);
		domain_finish(hvd, d, HVD_WAIT_BUILD, -HV_HC_EVMM);
		domain_remove(hvd, d);
		return;
	}
	domain_finish(hvd, d, HVD_WAIT_VMM, -HV_HC_EVMM);
	switch (status) {
	case HV_VMM_EXIT_POWEROFF:
		code = HV_HC_CODE_POWEROFF;
		action = d->cfg.on_poweroff;
		break;
	case HV_VMM_EXIT_REBOOT:
		code = HV_HC_CODE_REBOOT;
		action = d->cfg.on_reboot;
		break;
	case HV_VMM_EXIT_CRASH:
		code = HV_HC_CODE_CRASH;
		action = d->cfg.on_crash;
		break;
	default:
		hvd_err(hvd, "domain %u (%s): hv-vmm (pid %d) %s; counting it as a crash",
			d->domid, d->cfg.name, (int)pid,
			status < 0 ? "was killed" : "failed");
		if (status >= 0)
			vmm_log_tail(hvd, d);
		code = HV_HC_CODE_CRASH;
		action = d->cfg.on_crash;
		break;
	}
	hvd_info(hvd, "domain %u (%s): %s", d->domid, d->cfg.name,
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
		if (domain_restart_loop(hvd, d))
			domain_preserve(hvd, d, code);
		else
			domain_restart(hvd, d, code, action == HV_HC_ACTION_RENAME_RESTART);
		break;
	default:
		domain_remove(hvd, d);
		break;
	}
}

void domain_vmm_ready(struct hvd *hvd, struct hvd_domain *d)
{
	d->vmm_ready = true;
	if (d->destroying)
		return;
	if (domain_waiting(d, HVD_WAIT_BUILD)) {
		d->state = HV_HC_STATE_PAUSED;
		store_save(hvd, d);
		hvd_info(hvd, "domain %u (%s): built, paused", d->domid, d->cfg.name);
		domain_finish(hvd, d, HVD_WAIT_BUILD, 0);
		return;
	}
	d->state = d->want_running ? HV_HC_STATE_RUNNING : HV_HC_STATE_PAUSED;
	store_save(hvd, d);
}

void domain_vmm_reply(struct hvd *hvd, struct hvd_domain *d, uint16_t op, uint32_t seq,
		      int status, const void *data, size_t len)
{
	struct hvd_waiter **pp;

	if (op == 0 && seq == 0) {
		/* the control channel closed: nothing will answer */
		domain_finish(hvd, d, HVD_WAIT_VMM, status);
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
		struct hvd_waiter *w = *pp;

		if (w->kind != HVD_WAIT_VMM || w->vmm_seq != seq)
			continue;
		*pp = w->next;
		if (status == 0 && w->vmm_op == HV_VMM_OP_PAUSE)
			d->state = HV_HC_STATE_PAUSED;
		else if (status == 0 && w->vmm_op == HV_VMM_OP_UNPAUSE)
			d->state = HV_HC_STATE_RUNNING;
		if (status == 0 && (w->vmm_op == HV_VMM_OP_PAUSE || w->vmm_op == HV_VMM_OP_UNPAUSE)) {
			d->want_running = d->state == HV_HC_STATE_RUNNING;
			store_save(hvd, d);
		}
		if (status)
			hvd_err(hvd, "domain %u (%s): hv-vmm refused op %u", d->domid, d->cfg.name,
				w->vmm_op);
		server_reply(hvd, w->conn_id, w->op, w->seq, status, NULL, 0, -1);
		free(w);
		break;
	}
}

int64_t domain_tick(struct hvd *hvd, int64_t now)
{
	int64_t next = 0;

	for (struct hvd_domain *d = hvd->domains, *dn; d; d = dn) {
		struct hvd_waiter **pp = &d->waiters;

		dn = d->next;
		while (*pp) {
			struct hvd_waiter *w = *pp;

			if (w->deadline && w->deadline <= now) {
				if (w->kind == HVD_WAIT_BUILD) {
					hvd_err(hvd, "domain %u (%s): hv-vmm did not start the guest "
						"in %d s; stopping it", d->domid, d->cfg.name,
						HVD_BUILD_TIMEOUT_MS / 1000);
					vmm_signal(d, SIGKILL);
					w->deadline = 0;
				} else {
					hvd_err(hvd, "domain %u (%s): hv-vmm did not answer op %u in "
						"%d s", d->domid, d->cfg.name, w->vmm_op,
						HVD_VMM_CALL_MS / 1000);
					*pp = w->next;
					server_reply(hvd, w->conn_id, w->op, w->seq, -HV_HC_EVMM,
						     NULL, 0, -1);
					free(w);
					continue;
				}
			}
			if (w->deadline && (!next || w->deadline < next))
				next = w->deadline;
			pp = &w->next;
		}
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

static int domain_op_create(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req)
{
	const struct hv_hc_create *cr = &req->u.create;
	struct hvd_config cfg;
	struct hvd_domain *d;
	struct hv_hc_domid reply = { 0 };
	int rc;

	if (domain_find_name(hvd, cr->name))
		return -HV_HC_EEXIST;
	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.name, cr->name, sizeof(cfg.name));
	memcpy(cfg.uuid, cr->uuid, sizeof(cfg.uuid));
	cfg.vcpus = cr->vcpus;
	cfg.maxvcpus = cr->maxvcpus;
	cfg.memory_mib = cr->memory_mib;
	cfg.maxmem_mib = cr->maxmem_mib;
	cfg.on_poweroff = cr->on_poweroff;
	cfg.on_reboot = cr->on_reboot;
	cfg.on_crash = cr->on_crash;
	d = domain_new(&cfg);
	if (!d)
		return -HV_HC_ENOMEM;
	d->state = HV_HC_STATE_BUILDING;
	rc = store_alloc_domid(hvd, &d->domid);
	if (!rc)
		rc = store_mkdir(hvd, d->domid);
	if (rc) {
		free(d);
		return rc;
	}
	if (store_save(hvd, d)) {
		store_rmdir(hvd, d->domid);
		free(d);
		return -HV_HC_EIO;
	}
	domain_insert(hvd, d);
	hvd_info(hvd, "domain %u (%s): created", d->domid, d->cfg.name);
	reply.domid = d->domid;
	server_reply(hvd, c->id, req->hdr.op, req->hdr.seq, 0, &reply, sizeof(reply), -1);
	server_event(hvd, HV_HC_EV_CREATED, d, HV_HC_CODE_NONE);
	return HVD_REPLIED;
}

static int domain_op_build(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
			   struct hvd_domain *d, int *fds)
{
	const struct hv_hc_build *b = &req->u.build;
	struct stat st;
	int rc;

	if (d->state != HV_HC_STATE_BUILDING || d->pid || d->cfg.built || d->destroying)
		return -HV_HC_ESTATE;
	for (int i = 0; i < (b->flags & HV_HC_BUILD_INITRD ? 2 : 1); i++)
		if (fstat(fds[i], &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > DOMAIN_IMAGE_MAX)
			return -HV_HC_EBADF;
	/* from here on a failure takes the domain away, as if never created */
	rc = domain_copy_fd(hvd, d, fds[0], "kernel");
	if (!rc && b->flags & HV_HC_BUILD_INITRD)
		rc = domain_copy_fd(hvd, d, fds[1], "initrd");
	if (rc)
		goto fail;
	d->cfg.built = true;
	d->cfg.initrd = b->flags & HV_HC_BUILD_INITRD;
	memcpy(d->cfg.cmdline, b->cmdline, sizeof(d->cfg.cmdline));
	if (vmm_spawn(hvd, d, true)) {
		rc = -HV_HC_EIO;
		goto fail;
	}
	store_save(hvd, d);
	return domain_wait(d, HVD_WAIT_BUILD, c, req, 0, 0, HVD_BUILD_TIMEOUT_MS);
fail:
	hvd_err(hvd, "domain %u (%s): build failed; removing the domain", d->domid, d->cfg.name);
	domain_remove(hvd, d);
	return rc;
}

static int domain_op_vmm(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
			 struct hvd_domain *d, uint16_t vmm_op)
{
	uint32_t seq;

	if (!d->pid || !d->vmm_ready || d->destroying)
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

	if (other == d)
		return 0;
	if (other)
		return -HV_HC_EEXIST;
	if (d->destroying)
		return -HV_HC_ESTATE;
	hvd_info(hvd, "domain %u (%s): renamed %s", d->domid, d->cfg.name, name);
	domain_rename_logs(hvd, d->cfg.name, name);
	snprintf(d->cfg.name, sizeof(d->cfg.name), "%s", name);
	return store_save(hvd, d) ? -HV_HC_EIO : 0;
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
			d->cfg.name, path, strerror(errno));
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
			pi.domains_mib += d->cfg.memory_mib;
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
	case HV_HC_DOMCTL_CREATE:
		return domain_op_create(hvd, c, req);
	case HV_HC_SYSCTL_PHYSINFO:
		return domain_op_physinfo(hvd, c, req);
	case HV_HC_SYSCTL_LIST:
		return domain_op_list(hvd, c, req);
	case HV_HC_DOMCTL_BUILD:
		d = domain_find(hvd, req->u.build.domid);
		break;
	case HV_HC_DOMCTL_ADD_DEVICE:
		d = domain_find(hvd, req->u.add_device.domid);
		break;
	case HV_HC_DOMCTL_SHUTDOWN:
		d = domain_find(hvd, req->u.shutdown.domid);
		break;
	case HV_HC_DOMCTL_RENAME:
		d = domain_find(hvd, req->u.rename.domid);
		break;
	default:
		d = domain_find(hvd, req->u.domid.domid);
		break;
	}
	if (!d)
		return -HV_HC_ENOENT;
	switch (req->hdr.op) {
	case HV_HC_DOMCTL_BUILD:
		return domain_op_build(hvd, c, req, d, fds);
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
	default:
		return -HV_HC_EOPNOTSUPP;
	}
}
