/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "wire/fdpass.h"
#include "wire/vmmmsg.h"
#include "ctl.h"
#include "log.h"
#include "snapshot/coredump.h"
#include "snapshot/migrate.h"
#include "snapshot/save.h"
#include "vmm.h"

_Static_assert(sizeof(struct hv_vmm_info) <= 256, "QUERY's reply fits ctl_reply()");

static void ctl_send(struct vmm *vmm, uint16_t op, uint32_t flags, uint32_t seq,
		     const void *body, size_t len)
{
	struct hv_vmm_msg h;
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)body, len } };

	/* a migration's thread sends progress too: one read of the descriptor */
	int fd = __atomic_load_n(&vmm->ctl_fd, __ATOMIC_ACQUIRE);

	if (fd < 0 || vmmmsg_header(&h, op, flags, seq, len))
		return;
	if (wire_send(fd, iov, len ? 2 : 1, NULL, 0, MSG_DONTWAIT) < 0)
		info("control channel: %s", strerror(errno));
}

static void ctl_reply(struct vmm *vmm, const struct hv_vmm_msg *req, int status,
		      const void *data, size_t len)
{
	uint8_t body[sizeof(struct hv_vmm_reply) + 256];
	struct hv_vmm_reply r = { .status = status };

	if (len > 256)
		len = 0;
	memcpy(body, &r, sizeof(r));
	if (len)
		memcpy(body + sizeof(r), data, len);
	ctl_send(vmm, req->op, HV_VMM_F_REPLY, req->seq, body, sizeof(r) + len);
}

static uint64_t vcpu_time_ns(void)
{
	struct timespec ts;

	/* the whole process: vCPU threads dominate it */
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* A failed reply with a NUL-terminated message saying why. */
static void ctl_reply_msg(struct vmm *vmm, const struct hv_vmm_msg *req, int status,
			  const char *msg)
{
	size_t n = strnlen(msg, 255);
	char buf[256];

	memcpy(buf, msg, n);
	buf[n] = '\0';
	ctl_reply(vmm, req, status, buf, n + 1);
}

static void ctl_progress(void *opaque, uint64_t done, uint64_t total)
{
	struct hv_vmm_progress p = { .done = done, .total = total };

	ctl_send(opaque, HV_VMM_EV_PROGRESS, HV_VMM_F_EVENT, 0, &p, sizeof(p));
}

/*
 * A save's progress, and the moment to see whether hvd asked to stop it:
 * the save holds the I/O thread, so a CANCEL waits in the channel.  Only
 * a CANCEL is taken here; anything else waits for the save's end.  A
 * channel hvd closed (it died) stops the save too: no one would hear how
 * it ended, and a stream finished then would be a second copy of a domain
 * that runs on (the stream's end record is written only after the last
 * look here, and a stream without it never restores).
 */
static int ctl_save_progress(void *opaque, uint64_t done, uint64_t total)
{
	struct vmm *vmm = opaque;
	struct hv_vmm_msg m;
	uint8_t buf[sizeof(m) + 64];
	ssize_t n;

	ctl_progress(vmm, done, total);
	if (vmm->ctl_fd < 0)
		return 0;
	n = recv(vmm->ctl_fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	if (n == 0) {
		err("hvd went away during the save: it is abandoned and the domain runs on");
		return 1;
	}
	if (n < (ssize_t)sizeof(m) || vmmmsg_check(buf, (size_t)n, &m) ||
	    m.op != HV_VMM_OP_CANCEL || m.flags)
		return 0;
	if (recv(vmm->ctl_fd, buf, sizeof(buf), MSG_DONTWAIT) != n)
		return 0;
	info("the save is cancelled");
	ctl_reply(vmm, &m, 0, NULL, 0);
	return 1;
}

static void ctl_save(struct vmm *vmm, const struct hv_vmm_msg *m, const uint8_t *body,
		     size_t len, int fd)
{
	struct save_progress pr = { ctl_save_progress, vmm };
	struct hv_vmm_save_result res = { 0 };
	struct hv_vmm_save s;
	const uint8_t *key = NULL;
	size_t klen = 0;
	char msg[256];
	int rc;

	if (len < sizeof(s)) {
		ctl_reply_msg(vmm, m, -EPROTO, "SAVE: body shorter than struct hv_vmm_save");
		return;
	}
	memcpy(&s, body, sizeof(s));
	if (s.flags & HV_VMM_SAVE_SEALED) {
		/* a sealed image's key, between the struct and the description */
		klen = HV_VMM_KEY_SIZE;
		key = body + sizeof(s);
	}
	if (s.flags & ~(HV_VMM_SAVE_COMPRESS | HV_VMM_SAVE_RESUME | HV_VMM_SAVE_SEALED) ||
	    !s.config_len || len < sizeof(s) + klen || s.config_len != len - sizeof(s) - klen) {
		ctl_reply_msg(vmm, m, -EINVAL, "SAVE: unknown flags, or config_len is not the rest of the body (after the key, if SEALED)");
		return;
	}
	if (fd < 0) {
		ctl_reply_msg(vmm, m, -EBADF, "SAVE: no descriptor to write the image to came with the request");
		return;
	}
	rc = vmm_save(vmm, fd, s.flags, key, (const char *)body + sizeof(s) + klen, s.config_len,
		      &pr, &res, msg, sizeof(msg));
	if (key)	/* the request's buffer: the key goes now */
		explicit_bzero((uint8_t *)body + sizeof(s), klen);
	if (rc) {
		err("save failed: %s", msg);
		ctl_reply_msg(vmm, m, rc, msg);
		return;
	}
	ctl_reply(vmm, m, 0, &res, sizeof(res));
}

/* DUMP_CORE: the domain's core to the file that came with it. */
static void ctl_dump_core(struct vmm *vmm, const struct hv_vmm_msg *m, const uint8_t *body,
			  size_t len, int fd)
{
	struct save_progress pr = { ctl_save_progress, vmm };
	struct hv_vmm_dump_core_result res = { 0 };
	struct hv_vmm_dump_core d;
	char msg[256];
	int rc;

	if (len != sizeof(d)) {
		ctl_reply_msg(vmm, m, -EPROTO, "DUMP_CORE: the body is not a struct hv_vmm_dump_core");
		return;
	}
	memcpy(&d, body, sizeof(d));
	if (d.flags || d.reserved) {
		ctl_reply_msg(vmm, m, -EINVAL, "DUMP_CORE: flags and reserved must be zero");
		return;
	}
	if (fd < 0) {
		ctl_reply_msg(vmm, m, -EBADF, "DUMP_CORE: no descriptor to write the core to came with the request");
		return;
	}
	rc = vmm_dump_core(vmm, fd, &pr, &res, msg, sizeof(msg));
	if (rc) {
		err("core dump failed: %s", msg);
		ctl_reply_msg(vmm, m, rc, msg);
		return;
	}
	ctl_reply(vmm, m, 0, &res, sizeof(res));
}

static void ctl_migrate_done(struct vmm *vmm, const struct hv_vmm_msg *req, int rc,
			     const struct hv_vmm_migrate_result *res, const char *msg)
{
	if (rc)
		ctl_reply_msg(vmm, req, rc, msg[0] ? msg : strerror(-rc));
	else
		ctl_reply(vmm, req, 0, res, sizeof(*res));
}

/* MIGRATE: started here, answered by ctl_migrate_done() when its thread ends. */
static void ctl_migrate(struct vmm *vmm, const struct hv_vmm_msg *m, const uint8_t *body,
			size_t len, int fd)
{
	struct hv_vmm_migrate p;
	char msg[256] = "", *config = NULL;
	const uint8_t *key = NULL;
	size_t klen = 0;
	int rc;

	if (len < sizeof(p)) {
		ctl_reply_msg(vmm, m, -EPROTO, "MIGRATE: body shorter than struct hv_vmm_migrate");
		return;
	}
	memcpy(&p, body, sizeof(p));
	if (p.flags & HV_VMM_MIGRATE_SEALED) {
		/* a sealed stream's key, between the struct and the description */
		klen = HV_VMM_KEY_SIZE;
		key = body + sizeof(p);
	}
	if (p.flags & ~(HV_VMM_MIGRATE_COMPRESS | HV_VMM_MIGRATE_AUTO_CONVERGE |
			HV_VMM_MIGRATE_DIGEST | HV_VMM_MIGRATE_LOCAL | HV_VMM_MIGRATE_SEALED) ||
	    ((p.flags & HV_VMM_MIGRATE_SEALED) && (p.flags & HV_VMM_MIGRATE_LOCAL)) ||
	    !p.config_len || len < sizeof(p) + klen || p.config_len != len - sizeof(p) - klen ||
	    p.reserved[0] || p.reserved[1] || !p.downtime_ms || p.ceiling_ms < p.downtime_ms) {
		ctl_reply_msg(vmm, m, -EINVAL, "MIGRATE: unknown flags (or SEALED with LOCAL), config_len not the rest of the body (after the key, if SEALED), reserved fields set, or no downtime (or a ceiling below it)");
		goto out;
	}
	if (fd < 0) {
		ctl_reply_msg(vmm, m, -EBADF, "MIGRATE: no descriptor to write the stream to came with the request");
		goto out;
	}
	config = strndup((const char *)body + sizeof(p) + klen, p.config_len);
	if (!config || strlen(config) != p.config_len) {
		ctl_reply_msg(vmm, m, -EINVAL, "MIGRATE: the configuration holds a NUL byte");
		goto out;
	}
	/* the descriptor is the migration's from here on; it keeps its own copy of the key */
	rc = vmm_migrate_start(vmm, m, &p, key, config, dup(fd), ctl_migrate_done, msg,
			       sizeof(msg));
	if (rc)
		ctl_reply_msg(vmm, m, rc, msg[0] ? msg : strerror(-rc));
out:
	free(config);
	if (key)	/* the request's buffer: the key goes now */
		explicit_bzero((uint8_t *)body + sizeof(p), klen);
}

/* DISK_ATTACH, DISK_DETACH, NET_ATTACH, NET_DETACH */
static void ctl_hotplug(struct vmm *vmm, const struct hv_vmm_msg *m, const uint8_t *body,
			size_t len, int *fds, size_t nfds)
{
	char msg[256] = "";
	const char *what;
	int rc;

	switch (m->op) {
	case HV_VMM_OP_DISK_ATTACH:
		what = "disk attach";
		rc = vmm_disk_attach(vmm, body, len, fds, nfds, msg, sizeof(msg));
		break;
	case HV_VMM_OP_DISK_DETACH:
		what = "disk detach";
		rc = vmm_disk_detach(vmm, body, len, msg, sizeof(msg));
		break;
	case HV_VMM_OP_NET_ATTACH:
		what = "vif attach";
		rc = vmm_net_attach(vmm, body, len, fds, nfds, msg, sizeof(msg));
		break;
	default:
		what = "vif detach";
		rc = vmm_net_detach(vmm, body, len, msg, sizeof(msg));
		break;
	}
	if (rc) {
		info("%s: %s", what, msg);
		ctl_reply_msg(vmm, m, rc, msg[0] ? msg : strerror(-rc));
	} else {
		ctl_reply(vmm, m, 0, NULL, 0);
	}
}

/* MEM_TARGET: the balloon's new size, told to the guest's driver. */
static void ctl_mem_target(struct vmm *vmm, const struct hv_vmm_msg *m, const uint8_t *body,
			   size_t len)
{
	struct hv_vmm_mem_target t;
	char msg[256];
	int rc;

	if (len != sizeof(t)) {
		ctl_reply_msg(vmm, m, -EPROTO, "MEM_TARGET: the body is not a struct hv_vmm_mem_target");
		return;
	}
	memcpy(&t, body, sizeof(t));
	if (t.flags || t.reserved) {
		ctl_reply_msg(vmm, m, -EINVAL, "MEM_TARGET: flags and reserved must be zero");
		return;
	}
	pthread_mutex_lock(&vmm->vm.io_lock);
	rc = virtio_balloon_set_target(&vmm->balloon, t.target_bytes);
	pthread_mutex_unlock(&vmm->vm.io_lock);
	if (rc) {
		snprintf(msg, sizeof(msg), "MEM_TARGET: %llu bytes is not between one page and the guest's RAM (%llu bytes)",
			 (unsigned long long)t.target_bytes, (unsigned long long)vmm->balloon.ram_bytes);
		ctl_reply_msg(vmm, m, rc, msg);
		return;
	}
	info("balloon: target %llu MiB", (unsigned long long)(t.target_bytes >> 20));
	ctl_reply(vmm, m, 0, NULL, 0);
}

/* TRIGGER: a reset, an NMI to a vCPU, or a break and a key on COM1. */
static void ctl_trigger(struct vmm *vmm, const struct hv_vmm_msg *m, const uint8_t *body,
			size_t len)
{
	struct hv_vmm_trigger t;
	const char *why = NULL;
	uint8_t key;
	int rc = vmmmsg_trigger(body, len, &t, &why);

	if (rc) {
		ctl_reply_msg(vmm, m, rc, why);
		return;
	}
	switch (t.trigger) {
	case HV_VMM_TRIGGER_RESET:
		info("reset, as hvd asked");
		ctl_reply(vmm, m, 0, NULL, 0);
		vm_request_exit(&vmm->vm, VM_EXIT_REBOOT);
		return;
	case HV_VMM_TRIGGER_NMI:
		if (vm_nmi(&vmm->vm, t.arg)) {
			ctl_reply_msg(vmm, m, -EINVAL, "TRIGGER: NMI to a vCPU the domain does not have");
			return;
		}
		info("NMI to vcpu%u, as hvd asked", t.arg);
		break;
	default:
		key = (uint8_t)t.arg;
		pthread_mutex_lock(&vmm->vm.io_lock);
		uart_break(&vmm->uart);
		uart_receive(&vmm->uart, &key, 1);
		pthread_mutex_unlock(&vmm->vm.io_lock);
		info("SysRq '%c' on COM1 (a break and the key), as hvd asked", key);
		break;
	}
	ctl_reply(vmm, m, 0, NULL, 0);
}

static void ctl_handle(struct vmm *vmm, const struct hv_vmm_msg *m, const uint8_t *body,
		       size_t len, int *fds, size_t nfds)
{
	struct hv_vmm_info info;
	int fd = (m->op == HV_VMM_OP_SAVE || m->op == HV_VMM_OP_MIGRATE ||
		  m->op == HV_VMM_OP_DUMP_CORE) && nfds == 1 ? fds[0] : -1;

	if (m->flags) {
		ctl_reply(vmm, m, -EPROTO, NULL, 0);
		return;
	}
	switch (m->op) {
	case HV_VMM_OP_QUERY:
		info = (struct hv_vmm_info){
			.state = vmm->vm.paused ? HV_VMM_STATE_PAUSED : HV_VMM_STATE_RUNNING,
			.nr_vcpus = vmm->vm.nr_vcpus,
			.memory_bytes = vmm->vm.mem_size,
			.cpu_time_ns = vcpu_time_ns(),
		};
		pthread_mutex_lock(&vmm->vm.io_lock);
		virtio_balloon_info(&vmm->balloon, &info.balloon, true);
		pthread_mutex_unlock(&vmm->vm.io_lock);
		ctl_reply(vmm, m, 0, &info, sizeof(info));
		break;
	case HV_VMM_OP_PAUSE:
		vm_pause(&vmm->vm);
		ctl_reply(vmm, m, 0, NULL, 0);
		break;
	case HV_VMM_OP_UNPAUSE:
		vm_unpause(&vmm->vm);
		ctl_reply(vmm, m, 0, NULL, 0);
		break;
	case HV_VMM_OP_POWER_BUTTON:
		vmm_power_button(vmm);
		ctl_reply(vmm, m, 0, NULL, 0);
		break;
	case HV_VMM_OP_CTRL_ALT_DEL:
		vmm_ctrl_alt_del(vmm);
		ctl_reply(vmm, m, 0, NULL, 0);
		break;
	case HV_VMM_OP_DESTROY:
		ctl_reply(vmm, m, 0, NULL, 0);
		vm_request_exit(&vmm->vm, VM_EXIT_ERROR);
		break;
	case HV_VMM_OP_SAVE:
		if (vmm_migrating(vmm))
			ctl_reply_msg(vmm, m, -EBUSY, "the domain is being migrated");
		else
			ctl_save(vmm, m, body, len, fd);
		break;
	case HV_VMM_OP_MIGRATE:
		ctl_migrate(vmm, m, body, len, fd);
		break;
	case HV_VMM_OP_DUMP_CORE:
		if (vmm_migrating(vmm))
			ctl_reply_msg(vmm, m, -EBUSY, "the domain is being migrated");
		else
			ctl_dump_core(vmm, m, body, len, fd);
		break;
	case HV_VMM_OP_CANCEL:
		if (vmm_migrate_cancel(vmm, "hvd cancels the migration"))
			ctl_reply(vmm, m, 0, NULL, 0);
		else
			ctl_reply_msg(vmm, m, -ENOENT, "no save is in progress");
		break;
	case HV_VMM_OP_DISK_ATTACH:
	case HV_VMM_OP_DISK_DETACH:
	case HV_VMM_OP_NET_ATTACH:
	case HV_VMM_OP_NET_DETACH:
		ctl_hotplug(vmm, m, body, len, fds, nfds);
		break;
	case HV_VMM_OP_MEM_TARGET:
		ctl_mem_target(vmm, m, body, len);
		break;
	case HV_VMM_OP_TRIGGER:
		ctl_trigger(vmm, m, body, len);
		break;
	case HV_VMM_OP_BUILD:
	case HV_VMM_OP_RESTORE:
		ctl_reply_msg(vmm, m, -EBUSY, "the domain is built already: BUILD and RESTORE "
			      "come only as the first request");
		break;
	default:
		ctl_reply(vmm, m, -EOPNOTSUPP, NULL, 0);
		break;
	}
}

static void on_ctl(void *opaque, int fd, unsigned int events)
{
	struct vmm *vmm = opaque;
	uint8_t buf[HV_VMM_MSG_MAX];
	struct hv_vmm_msg m;
	int fds[WIRE_MAX_FDS];
	size_t nfds = 0;
	unsigned int trunc;
	ssize_t n = wire_recv(fd, buf, sizeof(buf), fds, WIRE_MAX_FDS, &nfds, &trunc,
			      MSG_DONTWAIT);
	bool closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);

	if (n > 0 && !trunc && !vmmmsg_check(buf, n, &m)) {
		/* SAVE, DISK_ATTACH and NET_ATTACH take theirs; the rest are closed */
		ctl_handle(vmm, &m, buf + sizeof(m), n - sizeof(m), fds, nfds);
	} else if (n > 0) {
		struct hv_vmm_msg bad = { 0 };

		if ((size_t)n >= sizeof(bad))
			memcpy(&bad, buf, sizeof(bad));
		ctl_reply(vmm, &bad, -EPROTO, NULL, 0);
	}
	wire_close_fds(fds, nfds);
	if (closed) {
		/* hvd went away; the domain runs on until it ends */
		info("control channel closed");
		/* no one would hear how a migration ended: a second copy, or none */
		vmm_migrate_cancel(vmm, "hvd went away: the migration is abandoned and the domain runs on");
		loop_del(vmm->loop, fd);
		close(fd);
		if (vmm->ctl_fd == fd)
			vmm->ctl_fd = -1;
	}
}

static void on_ctl_accept(void *opaque, int fd, unsigned int events)
{
	struct vmm *vmm = opaque;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (c < 0)
		return;
	/* a new hvd takes over from the old connection, if any */
	if (vmm->ctl_fd >= 0) {
		loop_del(vmm->loop, vmm->ctl_fd);
		close(vmm->ctl_fd);
	}
	vmm->ctl_fd = c;
	if (loop_add(vmm->loop, c, on_ctl, vmm)) {
		close(c);
		vmm->ctl_fd = -1;
	}
}

int ctl_listen(struct vmm *vmm, const char *path)
{
	int fd = unix_listen(path, SOCK_SEQPACKET, "--control-socket");

	if (fd < 0)
		return fd;
	vmm->ctl_listen_fd = fd;
	vmm->ctl_path = strdup(path);
	return loop_add(vmm->loop, fd, on_ctl_accept, vmm);
}

void ctl_close(struct vmm *vmm)
{
	if (vmm->ctl_fd >= 0)
		close(vmm->ctl_fd);
	vmm->ctl_fd = -1;
	if (vmm->ctl_listen_fd >= 0) {
		close(vmm->ctl_listen_fd);
		if (vmm->ctl_path)
			unlink(vmm->ctl_path);
	}
	vmm->ctl_listen_fd = -1;
	free(vmm->ctl_path);
	vmm->ctl_path = NULL;
}

int ctl_check(struct vmm *vmm)
{
	int type;
	socklen_t len = sizeof(type);

	if (getsockopt(vmm->ctl_fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_SEQPACKET) {
		err("--control-fd %d: not a SOCK_SEQPACKET socket", vmm->ctl_fd);
		return -EINVAL;
	}
	return 0;
}

int ctl_init(struct vmm *vmm)
{
	int rc = ctl_check(vmm);

	return rc ? rc : loop_add(vmm->loop, vmm->ctl_fd, on_ctl, vmm);
}

void ctl_event_running(struct vmm *vmm)
{
	ctl_send(vmm, HV_VMM_EV_RUNNING, HV_VMM_F_EVENT, 0, NULL, 0);
}

void ctl_event_progress(struct vmm *vmm, uint64_t done, uint64_t total)
{
	ctl_progress(vmm, done, total);
}

void ctl_event_exit(struct vmm *vmm, int status)
{
	struct hv_vmm_exit e = { .reason = status };

	ctl_send(vmm, HV_VMM_EV_EXIT, HV_VMM_F_EVENT, 0, &e, sizeof(e));
}

void ctl_event_migrate(struct vmm *vmm, const struct hv_vmm_migrate_progress *p)
{
	ctl_send(vmm, HV_VMM_EV_MIGRATE, HV_VMM_F_EVENT, 0, p, sizeof(*p));
}

void ctl_event_disk_ejected(struct vmm *vmm, const char *vdev)
{
	struct hv_vmm_disk_ejected e = { { 0 } };

	snprintf(e.vdev, sizeof(e.vdev), "%s", vdev);
	ctl_send(vmm, HV_VMM_EV_DISK_EJECTED, HV_VMM_F_EVENT, 0, &e, sizeof(e));
}

void ctl_event_balloon(struct vmm *vmm, const struct hv_vmm_balloon *ev)
{
	ctl_send(vmm, HV_VMM_EV_BALLOON, HV_VMM_F_EVENT, 0, ev, sizeof(*ev));
}

void ctl_event_net_ejected(struct vmm *vmm, unsigned int devid)
{
	struct hv_vmm_net_ejected e = { .devid = devid };

	ctl_send(vmm, HV_VMM_EV_NET_EJECTED, HV_VMM_F_EVENT, 0, &e, sizeof(e));
}
