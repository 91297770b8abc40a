/*
 * Unit tests for the libhv hypercall client: status codes, conversions,
 * and the public domain calls against a fake hvd (a thread of the test
 * serving $HV_RUNDIR/hvd.sock).
 */
#include <check.h>
#include "check-main.h"
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <hv/domain.h>
#include "client.h"
#include "config/config_int.h"
#include "domain_int.h"
#include "wire/hcmsg.h"
#include "public/vmm.h"
#include "stream/stream.h"

/* --- pure parts ---------------------------------------------------------- */

START_TEST(test_status_mapping)
{
	static const struct { int status, rc; } map[] = {
		{ 0, 0 },
		{ HV_HC_EPROTO, HV_ERROR_PROTOCOL },
		{ HV_HC_EVERSION, HV_ERROR_VERSION },
		{ HV_HC_EOPNOTSUPP, HV_ERROR_NOSYS },
		{ HV_HC_EPERM, HV_ERROR_PERM },
		{ HV_HC_ENOENT, HV_ERROR_NOTFOUND },
		{ HV_HC_EEXIST, HV_ERROR_EXISTS },
		{ HV_HC_EINVAL, HV_ERROR_INVAL },
		{ HV_HC_ESTATE, HV_ERROR_STATE },
		{ HV_HC_ENOMEM, HV_ERROR_NOMEM },
		{ HV_HC_EIO, HV_ERROR_IO },
		{ HV_HC_EBADF, HV_ERROR_IO },
		{ HV_HC_ENOTSUP, HV_ERROR_NOSYS },
		{ HV_HC_EVMM, HV_ERROR_FAIL },
		{ HV_HC_ECANCELED, HV_ERROR_CANCELLED },
		{ HV_HC_ETIMEDOUT, HV_ERROR_TIMEDOUT },
		{ 999, HV_ERROR_FAIL },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		ck_assert_int_eq(hv__hc_error(map[i].status), map[i].rc);
	/* every known code has its own reason, saying what to do */
	for (int a = HV_HC_EPROTO; a <= HV_HC_ETIMEDOUT; a++) {
		ck_assert_ptr_nonnull(strchr(hv__hc_reason(a), '('));
		for (int b = a + 1; b <= HV_HC_ETIMEDOUT; b++)
			ck_assert_str_ne(hv__hc_reason(a), hv__hc_reason(b));
	}
}
END_TEST

START_TEST(test_conversions)
{
	struct hv_hc_dominfo in = {
		.domid = 5, .state = HV_HC_STATE_CRASHED, .vcpus = 2,
		.maxvcpus = 4, .memory_mib = 64, .maxmem_mib = 128,
		.cpu_time_ns = 1500000000, .start_time = 1000,
		.shutdown_code = HV_HC_CODE_CRASH, .vmm_pid = 42,
		.on_reboot = HV_HC_ACTION_RESTART,
		.on_crash = HV_HC_ACTION_PRESERVE,
	};
	struct hv_hc_event ev = { .type = HV_HC_EV_DEATH, .domid = 9,
				  .code = HV_HC_CODE_POWEROFF };
	hv_dominfo out;
	hv_event e;

	strcpy(in.name, "guest");
	in.uuid[0] = 0xab;
	hv__dominfo_from_hc(&in, &out);
	ck_assert_uint_eq(out.struct_size, sizeof(out));
	ck_assert_uint_eq(out.domid, 5);
	ck_assert_int_eq(out.state, HV_STATE_CRASHED);
	ck_assert_str_eq(out.name, "guest");
	ck_assert_uint_eq(out.uuid[0], 0xab);
	ck_assert_uint_eq(out.maxvcpus, 4);
	ck_assert_uint_eq(out.maxmem_mib, 128);
	ck_assert_int_eq(out.shutdown_code, HV_SHUTDOWN_CRASH);
	ck_assert_int_eq(out.vmm_pid, 42);
	ck_assert_int_eq(out.on_poweroff, HV_ACTION_DESTROY);
	ck_assert_int_eq(out.on_reboot, HV_ACTION_RESTART);
	ck_assert_int_eq(out.on_crash, HV_ACTION_PRESERVE);

	/* an unterminated name from a broken hvd stays in bounds */
	memset(in.name, 'x', sizeof(in.name));
	hv__dominfo_from_hc(&in, &out);
	ck_assert_uint_eq(strlen(out.name), HV_DOMAIN_NAME_MAX);

	strcpy(ev.name, "g");
	ck_assert_int_eq(hv__event_from_hc(&ev, &e), 0);
	ck_assert_uint_eq(e.struct_size, sizeof(e));
	ck_assert_int_eq(e.type, HV_EVENT_DEATH);
	ck_assert_uint_eq(e.domid, 9);
	ck_assert_int_eq(e.code, HV_SHUTDOWN_POWEROFF);
	ck_assert_str_eq(e.name, "g");
	ev.type = 77;
	ck_assert_int_eq(hv__event_from_hc(&ev, &e), HV_ERROR_PROTOCOL);
}
END_TEST

/* --- a fake hvd ---------------------------------------------------------- */

static char logbuf[4096];

static void logger(void *opaque, enum hv_log_level level, const char *fmt,
		   va_list ap)
{
	size_t n = strlen(logbuf);

	(void)opaque;
	(void)level;
	if (n + 2 < sizeof(logbuf)) {
		vsnprintf(logbuf + n, sizeof(logbuf) - n - 1, fmt, ap);
		strcat(logbuf, "\n");
	}
}

struct fake {
	char dir[64];
	int lsock;
	pthread_t thread;
	int hangup_after;	/* close each connection after this many requests */
	int requests;		/* requests answered so far */
	int last_op;
	int ops[32];		/* the first requests' ops, in order */
	unsigned int last_nfds;	/* descriptors that came with the last request */
	char config[8192];	/* the last CREATE_DOMAIN's, SAVE's or RESTORE_DOMAIN's JSON */
	struct hv_hc_save save;		/* the last SAVE */
	struct hv_hc_create_domain create;	/* the last CREATE_DOMAIN */
	struct hv_hc_restore_domain restore;	/* the last RESTORE_DOMAIN */
	struct hv_hc_cancel cancel;	/* the last CANCEL */
	int cancels;			/* CANCELs received */
	char alpha_disk[256];		/* domain 1's disk in GET_CONFIG, "": none */
	int last_fd_modes[HV_HC_MAX_FDS];	/* O_ACCMODE of each descriptor that came */
	struct hv_hc_disk_attach disk_attach;	/* the last DISK_ATTACH (its JSON in config) */
	struct hv_hc_disk_detach disk_detach;	/* the last DISK_DETACH */
	struct hv_hc_mem_target mem;	/* the last MEM_TARGET or MEM_MAX */
	struct hv_hc_nic_detach nic_detach;	/* the last NIC_DETACH */
};

static void reply(int fd, const struct hv_hc_hdr *rq, int status,
		  const void *body, size_t len, int pass_fd)
{
	uint8_t buf[HV_HC_MSG_MAX];
	struct hv_hc_hdr h;
	struct iovec iov = { buf, sizeof(h) + len };
	union {
		char c[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} cm;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	hcmsg_header(&h, rq->op, HV_HC_F_REPLY, rq->seq, -status, len);
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), body, len);
	if (pass_fd >= 0) {
		struct cmsghdr *c;

		memset(&cm, 0, sizeof(cm));
		m.msg_control = cm.c;
		m.msg_controllen = sizeof(cm.c);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	ck_assert_int_ge(sendmsg(fd, &m, MSG_NOSIGNAL), 0);
}

/* A failed reply that says why. */
static void reply_msg(int fd, const struct hv_hc_hdr *rq, int status,
		      const char *msg)
{
	reply(fd, rq, status, msg, strlen(msg) + 1, -1);
}

static void send_progress(int fd, uint16_t op, uint32_t seq, uint64_t done,
			  uint64_t total)
{
	struct { struct hv_hc_hdr h; struct hv_hc_progress p; } msg;

	memset(&msg, 0, sizeof(msg));
	hcmsg_header(&msg.h, op, HV_HC_F_PROGRESS, seq, 0, sizeof(msg.p));
	msg.p.done = done;
	msg.p.total = total;
	ck_assert_int_ge(send(fd, &msg, sizeof(msg), MSG_NOSIGNAL), 0);
}

static void send_event_code(int fd, uint32_t type, uint32_t domid, const char *name,
			    uint32_t code)
{
	struct { struct hv_hc_hdr h; struct hv_hc_event e; } msg;

	memset(&msg, 0, sizeof(msg));
	hcmsg_header(&msg.h, HV_HC_EVENT, HV_HC_F_EVENT, 0, 0, sizeof(msg.e));
	msg.e.type = type;
	msg.e.domid = domid;
	msg.e.code = code;
	strcpy(msg.e.name, name);
	ck_assert_int_ge(send(fd, &msg, sizeof(msg), MSG_NOSIGNAL), 0);
}

static void send_event(int fd, uint32_t type, uint32_t domid, const char *name)
{
	send_event_code(fd, type, domid, name, 0);
}

static void dominfo(struct hv_hc_dominfo *d, uint32_t domid, const char *name)
{
	memset(d, 0, sizeof(*d));
	d->domid = domid;
	d->state = HV_HC_STATE_RUNNING;
	strcpy(d->name, name);
	d->vcpus = d->maxvcpus = 1;
	d->memory_mib = d->maxmem_mib = 64;
}

/* The JSON after a request's fixed part of @fixed bytes, kept in f->config. */
static void keep_json(struct fake *f, const uint8_t *buf, size_t len,
		      size_t fixed)
{
	size_t at = sizeof(struct hv_hc_hdr) + fixed, n = len - at;

	ck_assert_uint_ge(len, at);
	ck_assert_uint_lt(n, sizeof(f->config));
	memcpy(f->config, buf + at, n);
	f->config[n] = '\0';
	ck_assert_uint_eq(strlen(f->config), n);
}

/* Wait for the CANCEL of request @seq on @fd, into f->cancel; its header to @h. */
static void recv_cancel(struct fake *f, int fd, uint32_t seq,
			struct hv_hc_hdr *h)
{
	static uint8_t buf[HV_HC_MSG_MAX];
	ssize_t r = recv(fd, buf, sizeof(buf), 0);

	ck_assert_int_gt(r, 0);
	ck_assert_int_eq(hcmsg_check(buf, (size_t)r, h), 0);
	ck_assert_int_eq(h->op, HV_HC_DOMCTL_CANCEL);
	ck_assert_uint_eq(h->flags, 0);
	hcmsg_body(buf, (size_t)r, &f->cancel, sizeof(f->cancel));
	ck_assert_uint_eq(f->cancel.seq, seq);
	ck_assert_uint_ne(h->seq, seq);
	f->cancels++;
	if (f->requests < 32)
		f->ops[f->requests] = h->op;
	f->requests++;
}

/*
 * A SAVE (of domain 20 to 23) or RESTORE ("cancel-*") that reports
 * progress, then gets cancelled; how it ends is up to @mode:
 * 0: CANCEL's reply, then ECANCELED; 1: ECANCELED, then CANCEL's reply;
 * 2: the request ends first (CANCEL: ENOENT); 3: an hvd that cannot
 * cancel (EOPNOTSUPP): progress again, then it ends.
 */
static void serve_cancelled(struct fake *f, int fd, const struct hv_hc_hdr *h,
			    int mode, const void *done, size_t done_len)
{
	struct hv_hc_hdr ch;

	send_progress(fd, h->op, h->seq, 1 << 20, 4 << 20);
	recv_cancel(f, fd, h->seq, &ch);
	switch (mode) {
	case 0:
		reply(fd, &ch, 0, NULL, 0, -1);
		reply(fd, h, HV_HC_ECANCELED, NULL, 0, -1);
		break;
	case 1:
		reply(fd, h, HV_HC_ECANCELED, NULL, 0, -1);
		reply(fd, &ch, 0, NULL, 0, -1);
		break;
	case 2:
		reply(fd, h, 0, done, done_len, -1);
		reply(fd, &ch, HV_HC_ENOENT, NULL, 0, -1);
		break;
	default:
		reply(fd, &ch, HV_HC_EOPNOTSUPP, NULL, 0, -1);
		send_progress(fd, h->op, h->seq, 2 << 20, 4 << 20);
		reply(fd, h, 0, done, done_len, -1);
		break;
	}
}

/* Serve one request; false when the connection should close. */
static bool serve_one(struct fake *f, int fd)
{
	static uint8_t buf[HV_HC_MSG_MAX];
	union {
		char c[CMSG_SPACE(sizeof(int) * HV_HC_MAX_FDS)];
		struct cmsghdr a;
	} cm;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cm.c, .msg_controllen = sizeof(cm.c),
	};
	struct hv_hc_hdr h;
	struct hv_hc_domid id;
	ssize_t r = recvmsg(fd, &mh, 0);

	if (r <= 0)
		return false;
	f->last_nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		for (size_t i = 0; i < n; i++) {
			int pfd;

			memcpy(&pfd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (f->last_nfds < HV_HC_MAX_FDS)
				f->last_fd_modes[f->last_nfds] = fcntl(pfd, F_GETFL) & O_ACCMODE;
			close(pfd);
			f->last_nfds++;
		}
	}
	ck_assert_int_eq(hcmsg_check(buf, (size_t)r, &h), 0);
	f->last_op = h.op;
	if (f->requests < 32)
		f->ops[f->requests] = h.op;
	f->requests++;
	hcmsg_body(buf, (size_t)r, &id, sizeof(id));
	switch (h.op) {
	case HV_HC_DOMCTL_GETINFO:
		if (id.domid == 3) {
			struct hv_hc_dominfo d;

			dominfo(&d, 3, "g");
			reply(fd, &h, 0, &d, sizeof(d), -1);
		} else {
			reply(fd, &h, HV_HC_ENOENT, NULL, 0, -1);
		}
		break;
	case HV_HC_SYSCTL_LIST: {
		struct {
			struct hv_hc_list_reply r;
			struct hv_hc_dominfo d[2];
		} l;

		memset(&l, 0, sizeof(l));
		l.r.count = 2;
		dominfo(&l.d[0], 1, "alpha");
		dominfo(&l.d[1], 3, "g");
		reply(fd, &h, 0, &l, sizeof(l), -1);
		break;
	}
	case HV_HC_DOMCTL_PAUSE:
		reply(fd, &h, HV_HC_ESTATE, NULL, 0, -1);
		break;
	case HV_HC_DOMCTL_UNPAUSE:
	case HV_HC_DOMCTL_DESTROY:
		reply(fd, &h, 0, NULL, 0, -1);
		break;
	case HV_HC_DOMCTL_CREATE_DOMAIN: {
		struct hv_hc_domid d = { .domid = 5 };

		hcmsg_body(buf, (size_t)r, &f->create, sizeof(f->create));
		keep_json(f, buf, (size_t)r, sizeof(f->create));
		if (strstr(f->config, "\"nocfg\""))
			reply_msg(fd, &h, HV_HC_EINVAL, "configuration refused");
		else
			reply(fd, &h, 0, &d, sizeof(d), -1);
		break;
	}
	case HV_HC_DOMCTL_GET_CONFIG: {
		static const char json[] =
			"{ \"name\": \"g\", \"kernel\": \"/k\", \"memory_mib\": 96, \"vifs\": [ "
			"{ \"devid\": 0, \"mac\": \"00:16:3e:0a:0b:0c\", \"bridge\": \"xenbr0\" } ] }";
		char alpha[512];

		/* "alpha" has the disk f->alpha_disk, if the test gives one */
		snprintf(alpha, sizeof(alpha), "{ \"name\": \"alpha\", \"kernel\": \"/k\", "
			 "\"disks\": [ { \"vdev\": \"xvda\", \"target\": \"%s\" } ] }",
			 f->alpha_disk);
		if (id.domid == 3)
			reply(fd, &h, 0, json, strlen(json), -1);
		else if (id.domid == 1 && f->alpha_disk[0])
			reply(fd, &h, 0, alpha, strlen(alpha), -1);
		else
			reply(fd, &h, HV_HC_ENOENT, NULL, 0, -1);
		break;
	}
	case HV_HC_DOMCTL_SAVE: {
		struct hv_hc_save_result res = { .bytes = 4096 };

		hcmsg_body(buf, (size_t)r, &f->save, sizeof(f->save));
		keep_json(f, buf, (size_t)r, sizeof(f->save));
		if (f->save.domid == 9) {
			reply_msg(fd, &h, HV_HC_EVMM, "writing the image: No space left on device");
			break;
		}
		if (f->save.domid >= 20 && f->save.domid <= 23) {
			serve_cancelled(f, fd, &h, (int)f->save.domid - 20,
					&res, sizeof(res));
			break;
		}
		/* progress of an older request, an event, then ours */
		send_progress(fd, h.op, h.seq - 1, 1, 2);
		send_event(fd, HV_HC_EV_CREATED, 7, "other");
		send_progress(fd, h.op, h.seq, 0, 64 << 20);
		send_progress(fd, h.op, h.seq, 32 << 20, 64 << 20);
		send_progress(fd, h.op, h.seq, 65 << 20, 64 << 20);
		reply(fd, &h, 0, &res, sizeof(res), -1);
		break;
	}
	case HV_HC_DOMCTL_RESTORE_DOMAIN: {
		struct hv_hc_domid d = { .domid = 12 };

		hcmsg_body(buf, (size_t)r, &f->restore, sizeof(f->restore));
		keep_json(f, buf, (size_t)r, sizeof(f->restore));
		if (strstr(f->config, "\"broken\"")) {
			reply_msg(fd, &h, HV_HC_EVMM, "record 4 (PAGE_BATCH) at offset 8192: CRC mismatch");
			break;
		}
		if (strstr(f->config, "\"cancel-")) {
			serve_cancelled(f, fd, &h,
					strstr(f->config, "\"cancel-")[8] - '0',
					&d, sizeof(d));
			break;
		}
		send_progress(fd, h.op, h.seq, 16 << 20, 16 << 20);
		reply(fd, &h, 0, &d, sizeof(d), -1);
		break;
	}
	case HV_HC_DOMCTL_DISK_ATTACH:
		hcmsg_body(buf, (size_t)r, &f->disk_attach, sizeof(f->disk_attach));
		keep_json(f, buf, (size_t)r, sizeof(f->disk_attach));
		if (f->disk_attach.domid != 3)
			reply(fd, &h, HV_HC_ENOENT, NULL, 0, -1);
		else if (strstr(f->config, "\"xvdc\""))
			reply_msg(fd, &h, HV_HC_EEXIST, "domain g has a disk xvdc already");
		else
			reply(fd, &h, 0, NULL, 0, -1);
		break;
	case HV_HC_DOMCTL_MEM_TARGET:
	case HV_HC_DOMCTL_MEM_MAX:
		hcmsg_body(buf, (size_t)r, &f->mem, sizeof(f->mem));
		if (f->mem.target_mib > 1024)
			reply_msg(fd, &h, HV_HC_EINVAL, "2048 MiB is above domain g's maxmem of 1024 MiB");
		else if (h.op == HV_HC_DOMCTL_MEM_MAX && f->mem.target_mib < 256)
			reply_msg(fd, &h, HV_HC_ENOMEM, "domain g uses 300 MiB now");
		else
			reply(fd, &h, 0, NULL, 0, -1);
		break;
	case HV_HC_DOMCTL_MEM_INFO: {
		struct hv_hc_meminfo mi = {
			.ram_kib = 1 << 20, .target_kib = 512 << 10, .current_kib = 600 << 10,
			.max_kib = 1 << 20, .allocated_kib = 300 << 10, .cgroup_limit_kib = 1 << 21,
			.cgroup_usage_kib = 310 << 10, .stats_valid = 1 << 4, .stats_age_ms = 7,
			.features = HV_VMM_BALLOON_F_STATS | HV_VMM_BALLOON_F_DRIVER_OK,
			.mem_flags = HV_HC_MEM_TARGET_MISSED | HV_HC_MEM_CAPPED,
		};

		mi.stats[4] = 123456;
		reply(fd, &h, 0, &mi, sizeof(mi), -1);
		break;
	}
	case HV_HC_DOMCTL_DISK_DETACH:
		hcmsg_body(buf, (size_t)r, &f->disk_detach, sizeof(f->disk_detach));
		if (!strcmp(f->disk_detach.vdev, "xvdz"))
			reply_msg(fd, &h, HV_HC_ETIMEDOUT, "the guest did not let go of xvdz within 2 s");
		else if (strcmp(f->disk_detach.vdev, "xvdb"))
			reply_msg(fd, &h, HV_HC_ENOENT, "domain g has no disk");
		else
			reply(fd, &h, 0, NULL, 0, -1);
		break;
	case HV_HC_DOMCTL_NIC_DETACH:
		hcmsg_body(buf, (size_t)r, &f->nic_detach, sizeof(f->nic_detach));
		if (f->nic_detach.devid == 0 && f->nic_detach.timeout_ms == 2000 &&
		    !f->nic_detach.flags)
			reply_msg(fd, &h, HV_HC_ETIMEDOUT, "the guest did not let go of 0 within 2 s");
		else if (f->nic_detach.devid != 0)
			reply_msg(fd, &h, HV_HC_ENOENT, "domain g has no vif");
		else
			reply(fd, &h, 0, NULL, 0, -1);
		break;
	case HV_HC_DOMCTL_CONSOLE: {
		int p[2];

		ck_assert_int_eq(pipe(p), 0);
		reply(fd, &h, 0, NULL, 0, p[0]);
		close(p[0]);
		close(p[1]);
		break;
	}
	case HV_HC_EVENT_SUBSCRIBE:
		/* an event may overtake the reply */
		send_event(fd, HV_HC_EV_CREATED, 4, "early");
		reply(fd, &h, 0, NULL, 0, -1);
		send_event(fd, HV_HC_EV_DEATH, 3, "g");
		send_event_code(fd, HV_HC_EV_MEMORY, 5, "m", 1);
		break;
	default:
		reply(fd, &h, HV_HC_EOPNOTSUPP, NULL, 0, -1);
		break;
	}
	return !f->hangup_after || f->requests % f->hangup_after;
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	int fds[8], n = 0;

	for (;;) {
		struct pollfd p[9];
		int i;

		p[0] = (struct pollfd){ .fd = f->lsock, .events = POLLIN };
		for (i = 0; i < n; i++)
			p[i + 1] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (poll(p, (nfds_t)n + 1, -1) < 0)
			continue;
		if (p[0].revents) {
			int c = accept(f->lsock, NULL, NULL);

			if (c < 0)
				return NULL;
			if (n < 8)
				fds[n++] = c;
			else
				close(c);
		}
		for (i = 0; i < n; i++) {
			if (!p[i + 1].revents)
				continue;
			if (!serve_one(f, fds[i])) {
				close(fds[i]);
				fds[i] = fds[--n];
				p[i + 1] = p[n + 1];
				i--;
			}
		}
	}
	return NULL;
}

/* The runtime directories a test made, removed when its process ends. */
static char tmp_dirs[4][64];

static int tmp_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void tmp_cleanup(void)
{
	for (size_t i = 0; i < sizeof(tmp_dirs) / sizeof(tmp_dirs[0]); i++)
		if (tmp_dirs[i][0])
			nftw(tmp_dirs[i], tmp_remove, 8, FTW_DEPTH | FTW_PHYS);
}

static void tmp_dir(char *dir)
{
	static bool registered;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(tmp_dirs) / sizeof(tmp_dirs[0]); i++) {
		if (!tmp_dirs[i][0]) {
			snprintf(tmp_dirs[i], sizeof(tmp_dirs[i]), "%s", dir);
			break;
		}
	}
	if (!registered)
		atexit(tmp_cleanup);
	registered = true;
}

static void fake_start(struct fake *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	strcpy(f->dir, "/tmp/hv-test-client.XXXXXX");
	tmp_dir(f->dir);
	setenv("HV_RUNDIR", f->dir, 1);
	setenv("HV_HVD", "/nonexistent/hvd", 1);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/hvd.sock", f->dir);
	f->lsock = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ck_assert_int_ge(f->lsock, 0);
	ck_assert_int_eq(bind(f->lsock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(f->lsock, 8), 0);
	ck_assert_int_eq(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static hv_ctx *new_ctx(void)
{
	hv_ctx *ctx = NULL;

	ck_assert_int_eq(hv_ctx_new(&ctx), 0);
	hv_ctx_set_logger(ctx, logger, NULL, HV_LOG_WARN);
	logbuf[0] = '\0';
	return ctx;
}

START_TEST(test_errors_name_the_domain)
{
	struct fake f = { 0 };
	hv_ctx *ctx;
	hv_dominfo info;
	uint32_t domid;

	fake_start(&f);
	ctx = new_ctx();
	hv_dominfo_init(&info);
	ck_assert_int_eq(hv_domain_info(ctx, 7, &info), HV_ERROR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(logbuf, "domain 7: no such domain"));
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_pause(ctx, 3), HV_ERROR_STATE);
	ck_assert_ptr_nonnull(strstr(logbuf, "pause domain 3: not possible"));
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_lookup(ctx, "nosuch", &domid),
			 HV_ERROR_NOTFOUND);
	ck_assert_uint_eq(domid, HV_DOMID_INVALID);
	ck_assert_ptr_nonnull(strstr(logbuf, "\"nosuch\": no such domain"));
	ck_assert_int_eq(hv_domain_rename(ctx, 3, "123"), HV_ERROR_INVAL);
	hv_ctx_free(ctx);
}
END_TEST

START_TEST(test_queries)
{
	struct fake f = { 0 };
	hv_ctx *ctx;
	hv_dominfo info, **list;
	hv_physinfo pi;
	size_t nr;
	uint32_t domid;
	int fd = -1;

	fake_start(&f);
	ctx = new_ctx();
	hv_dominfo_init(&info);
	ck_assert_int_eq(hv_domain_info(ctx, 3, &info), 0);
	ck_assert_uint_eq(info.struct_size, sizeof(info));
	ck_assert_str_eq(info.name, "g");
	ck_assert_int_eq(info.state, HV_STATE_RUNNING);
	/* a list of pointers to libhv's structures, each saying its size */
	ck_assert_int_eq(hv_domain_list(ctx, &list, &nr), 0);
	ck_assert_uint_eq(nr, 2);
	ck_assert_str_eq(list[0]->name, "alpha");
	ck_assert_uint_eq(list[0]->struct_size, sizeof(hv_dominfo));
	ck_assert_str_eq(list[1]->name, "g");
	ck_assert_uint_eq(list[1]->domid, 3);
	ck_assert_uint_eq(list[1]->memory_mib, 64);
	hv_dominfo_list_free(list, nr);
	hv_dominfo_list_free(NULL, 0);
	/* the fake does not know PHYSINFO: the structure stays as it was */
	hv_physinfo_init(&pi);
	ck_assert_int_eq(hv_physinfo_get(ctx, &pi), HV_ERROR_NOSYS);
	ck_assert_uint_eq(pi.struct_size, sizeof(pi));
	ck_assert_uint_eq(pi.nr_cpus, 0);
	ck_assert_int_eq(hv_domain_lookup(ctx, "g", &domid), 0);
	ck_assert_uint_eq(domid, 3);
	ck_assert_int_eq(hv_domain_lookup(ctx, "3", &domid), 0);
	ck_assert_uint_eq(domid, 3);
	ck_assert_int_eq(hv_domain_console(ctx, 3, &fd), 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	hv_ctx_free(ctx);
}
END_TEST

START_TEST(test_reconnect_after_hangup)
{
	struct fake f = { .hangup_after = 1 };
	hv_ctx *ctx;
	hv_dominfo info;

	fake_start(&f);
	ctx = new_ctx();
	hv_dominfo_init(&info);
	/* hvd closes the connection after each answer: queries reconnect */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(hv_domain_info(ctx, 3, &info), 0);
	ck_assert_int_eq(f.requests, 3);
	hv_ctx_free(ctx);
}
END_TEST

START_TEST(test_events)
{
	struct fake f = { 0 };
	struct pollfd p;
	hv_ctx *ctx;
	hv_event ev;

	fake_start(&f);
	ctx = new_ctx();
	ck_assert_int_eq(hv_event_fd(ctx, &p.fd), 0);
	p.events = POLLIN;
	/* the event that came before the reply was queued: readable */
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	/* a structure not initialised is refused, and the event kept */
	memset(&ev, 0, sizeof(ev));
	ck_assert_int_eq(hv_event_next(ctx, &ev), HV_ERROR_INVAL);
	ck_assert_ptr_nonnull(strstr(logbuf, "hv_event_init()"));
	ck_assert_int_eq(hv_event_wait(ctx, &ev, 0), HV_ERROR_INVAL);
	hv_event_init(&ev);
	ck_assert_int_eq(hv_event_next(ctx, &ev), 0);
	ck_assert_uint_eq(ev.struct_size, sizeof(ev));
	ck_assert_int_eq(ev.type, HV_EVENT_CREATED);
	ck_assert_str_eq(ev.name, "early");
	ck_assert_int_eq(hv_event_wait(ctx, &ev, 5000), 0);
	ck_assert_int_eq(ev.type, HV_EVENT_DEATH);
	ck_assert_uint_eq(ev.domid, 3);
	/* a guest that missed its memory target */
	ck_assert_int_eq(hv_event_wait(ctx, &ev, 5000), 0);
	ck_assert_int_eq(ev.type, HV_EVENT_MEMORY);
	ck_assert_uint_eq(ev.domid, 5);
	ck_assert_int_eq(ev.code, HV_EVENT_MEMORY_MISSED);
	ck_assert_int_eq(hv_event_next(ctx, &ev), HV_ERROR_BUSY);
	ck_assert_int_eq(hv_event_wait(ctx, &ev, 100), HV_ERROR_TIMEDOUT);
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	hv_ctx_free(ctx);
}
END_TEST

START_TEST(test_no_hvd)
{
	char dir[] = "/tmp/hv-test-client.XXXXXX";
	hv_ctx *ctx;
	hv_dominfo info;

	tmp_dir(dir);
	setenv("HV_RUNDIR", dir, 1);
	setenv("HV_HVD", "/nonexistent/hvd", 1);
	ctx = new_ctx();
	hv_dominfo_init(&info);
	ck_assert_int_eq(hv_domain_info(ctx, 1, &info), HV_ERROR_DAEMON);
	ck_assert_ptr_nonnull(strstr(logbuf, "cannot start hvd: /nonexistent/hvd"));
	/* a failing hvd: what it says is passed on */
	setenv("HV_HVD", "/bin/false", 1);
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_info(ctx, 1, &info), HV_ERROR_DAEMON);
	ck_assert_ptr_nonnull(strstr(logbuf, "did not answer"));
	hv_ctx_free(ctx);
}
END_TEST

START_TEST(test_create_refusals)
{
	hv_domain_config cfg;
	hv_ctx *ctx;
	uint32_t domid;

	setenv("HV_HVD", "/nonexistent/hvd", 1);
	ctx = new_ctx();
	hv_domain_config_init(&cfg);
	ck_assert_int_eq(hv_config_set(ctx, &cfg,
				       "name=g;kernel=/nonexistent/kernel"), 0);
	ck_assert_int_eq(hv_domain_create(ctx, &cfg, 0, &domid), HV_ERROR_IO);
	ck_assert_ptr_nonnull(strstr(logbuf, "kernel: cannot open /nonexistent/kernel"));
	ck_assert_uint_eq(domid, HV_DOMID_INVALID);
	logbuf[0] = '\0';
	/* a disk is opened before hvd is asked: a missing target is said first */
	ck_assert_int_eq(hv_config_set(ctx, &cfg,
				       "kernel=/bin/sh;disk=['/nonexistent/x.img,raw,xvda,rw']"), 0);
	ck_assert_int_eq(hv_domain_create(ctx, &cfg, 0, &domid), HV_ERROR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(logbuf, "domain \"g\": disk xvda: /nonexistent/x.img: cannot open it for reading and writing: No such file or directory (check the target in the config)"));
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "disk=['/tmp/x.qcow2,qcow2,xvda,rw']"), 0);
	ck_assert_int_eq(hv_domain_create(ctx, &cfg, 0, &domid), HV_ERROR_NOSYS);
	ck_assert_ptr_nonnull(strstr(logbuf, "format qcow2: hv supports only raw images"));
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_config_set(ctx, &cfg,
				       "disk=[];on_crash=coredump-destroy"), 0);
	ck_assert_int_eq(hv_domain_create(ctx, &cfg, 0, &domid), HV_ERROR_NOSYS);
	ck_assert_ptr_nonnull(strstr(logbuf, "on_crash: core dumps"));
	hv_domain_config_dispose(&cfg);
	hv_ctx_free(ctx);
}
END_TEST

/* --- save, restore, stored configurations -------------------------------- */

struct seen {
	int calls;
	uint64_t done, total;
	int cancel_at;		/* cancel at this call (1: the first), 0: never */
};

static int on_progress(void *opaque, uint64_t done, uint64_t total)
{
	struct seen *p = opaque;

	ck_assert_uint_le(done, total);
	ck_assert_uint_ge(done, p->done);
	p->calls++;
	p->done = done;
	p->total = total;
	return p->calls == p->cancel_at;
}

static void progress_init(hv_progress *progress, struct seen *seen)
{
	memset(seen, 0, sizeof(*seen));
	hv_progress_init(progress);
	progress->fn = on_progress;
	progress->opaque = seen;
}

START_TEST(test_progress_decoding)
{
	struct hv_hc_progress in = { .done = 10, .total = 20 };
	uint64_t done, total;

	ck_assert(hv__progress_from_hc(&in, &done, &total));
	ck_assert_uint_eq(done, 10);
	ck_assert_uint_eq(total, 20);
	in.done = 30;
	ck_assert(hv__progress_from_hc(&in, &done, &total));
	ck_assert_uint_eq(done, 20);
	in.total = 0;
	ck_assert(!hv__progress_from_hc(&in, &done, &total));
}
END_TEST

START_TEST(test_save)
{
	struct fake f = { 0 };
	struct seen seen;
	hv_progress progress;
	char path[] = "/tmp/hv-test-save.XXXXXX";
	hv_domain_config cfg;
	hv_event ev;
	hv_ctx *ctx;
	int fd, ro;

	fake_start(&f);
	ctx = new_ctx();
	progress_init(&progress, &seen);
	hv_event_init(&ev);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ro = open(path, O_RDONLY);
	ck_assert_int_ge(ro, 0);
	unlink(path);

	/* progress of this request only, events queued on the way */
	ck_assert_int_eq(hv_domain_save(ctx, 3, fd, HV_SAVE_CONTINUE | HV_SAVE_COMPRESS,
					&progress), 0);
	ck_assert_int_eq(f.last_op, HV_HC_DOMCTL_SAVE);
	ck_assert_uint_eq(f.last_nfds, 1);
	ck_assert_uint_eq(f.save.domid, 3);
	ck_assert_uint_eq(f.save.flags, HV_HC_SAVE_CONTINUE | HV_HC_SAVE_COMPRESS);
	ck_assert_uint_eq(f.save.config_len, 0);
	ck_assert_int_eq(seen.calls, 3);
	ck_assert_uint_eq(seen.done, 64 << 20);
	ck_assert_uint_eq(seen.total, 64 << 20);
	ck_assert_int_eq(hv_event_next(ctx, &ev), 0);
	ck_assert_str_eq(ev.name, "other");

	/* a replacement configuration travels as JSON */
	hv_domain_config_init(&cfg);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "name=g2;kernel=/k;memory=64"), 0);
	ck_assert_int_eq(hv_domain_save_config(ctx, 3, fd, &cfg, HV_SAVE_PAUSED, NULL), 0);
	ck_assert_uint_eq(f.save.flags, HV_HC_SAVE_PAUSED);
	ck_assert_uint_eq(f.save.config_len, strlen(f.config));
	ck_assert_ptr_nonnull(strstr(f.config, "\"g2\""));
	/* it must describe the domain's machine */
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "memory=128"), 0);
	ck_assert_int_eq(hv_domain_save_config(ctx, 3, fd, &cfg, 0, NULL), HV_ERROR_INVAL);
	ck_assert_ptr_nonnull(strstr(logbuf, "memory = 128"));
	ck_assert_ptr_nonnull(strstr(logbuf, "64 MiB"));
	hv_domain_config_dispose(&cfg);

	/* hvd's reason is the reason logged */
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_save(ctx, 9, fd, 0, &progress), HV_ERROR_FAIL);
	ck_assert_ptr_nonnull(strstr(logbuf, "save domain 9: writing the image: No space left on device"));

	/* refused before asking hvd */
	f.requests = 0;
	ck_assert_int_eq(hv_domain_save(ctx, 3, fd, HV_SAVE_CONTINUE | HV_SAVE_PAUSED, NULL),
			 HV_ERROR_INVAL);
	ck_assert_int_eq(hv_domain_save(ctx, 3, ro, 0, NULL), HV_ERROR_INVAL);
	ck_assert_ptr_nonnull(strstr(logbuf, "read-only"));
	ck_assert_int_eq(f.requests, 0);
	close(fd);
	close(ro);
	hv_ctx_free(ctx);
}
END_TEST

START_TEST(test_create_stores_config)
{
	struct fake f = { 0 };
	hv_domain_config cfg, back;
	hv_ctx *ctx;
	uint32_t domid;

	fake_start(&f);
	ctx = new_ctx();
	hv_domain_config_init(&cfg);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "name=c1;kernel=/bin/sh;memory=64"), 0);
	ck_assert_int_eq(hv_domain_create(ctx, &cfg, 0, &domid), 0);
	ck_assert_uint_eq(domid, 5);
	/* one request carries the whole description and the kernel */
	ck_assert_int_eq(f.requests, 1);
	ck_assert_int_eq(f.ops[0], HV_HC_DOMCTL_CREATE_DOMAIN);
	ck_assert_uint_eq(f.create.flags, 0);
	ck_assert_uint_eq(f.create.config_len, strlen(f.config));
	ck_assert_uint_eq(f.last_nfds, 1);
	/* the description reads back, with the UUID the domain got */
	hv_domain_config_init(&back);
	ck_assert_int_eq(hv_config_from_json(ctx, f.config, &back), 0);
	ck_assert_str_eq(back.name, "c1");
	ck_assert_int_eq(back.has_uuid, 1);
	hv_domain_config_dispose(&back);

	/* a refused configuration: the half-domain is destroyed */
	f.requests = 0;
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "name=nocfg"), 0);
	ck_assert_int_eq(hv_domain_create(ctx, &cfg, 0, &domid), HV_ERROR_INVAL);
	ck_assert_uint_eq(domid, HV_DOMID_INVALID);
	ck_assert_ptr_nonnull(strstr(logbuf, "configuration refused"));
	ck_assert_int_eq(f.requests, 1);
	hv_domain_config_dispose(&cfg);

	/* GET_CONFIG */
	hv_domain_config_init(&back);
	ck_assert_int_eq(hv_domain_config_get(ctx, 3, &back), 0);
	ck_assert_str_eq(back.name, "g");
	ck_assert_uint_eq(back.memory_mib, 96);
	ck_assert_int_eq(hv_domain_config_get(ctx, 4, &back), HV_ERROR_NOTFOUND);
	hv_domain_config_dispose(&back);
	hv_ctx_free(ctx);
}
END_TEST

/*
 * Whether make_image() records the image's host bindings as a save on
 * this host would (in $HV_RUNDIR/saved: the fake's directory).
 */
static bool image_recorded = true;

/* An image that starts with @json as its DOMAIN_CONFIG, at @at in a file. */
static int make_image(const char *json, off_t at, uint32_t flags)
{
	char path[] = "/tmp/hv-test-image.XXXXXX";
	struct stream_writer w;
	int fd = mkstemp(path);

	if (image_recorded) {
		hv_domain_config cfg;
		hv_ctx *ctx = NULL;

		ck_assert_int_eq(hv_ctx_new(&ctx), 0);
		hv_domain_config_init(&cfg);
		ck_assert_int_eq(hv_config_from_json(ctx, json, &cfg), 0);
		ck_assert_int_eq(hv__saved_record(ctx, &cfg, cfg.uuid), 0);
		hv_domain_config_dispose(&cfg);
		hv_ctx_free(ctx);
	}

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(lseek(fd, at, SEEK_SET), at);
	ck_assert_int_eq(stream_writer_init(&w, fd, flags), 0);
	ck_assert_int_eq(stream_write_record(&w, STREAM_REC_DOMAIN_CONFIG, 0, json,
					     strlen(json)), 0);
	ck_assert_int_eq(stream_writer_flush(&w), 0);
	stream_writer_fini(&w);
	ck_assert_int_eq(lseek(fd, at, SEEK_SET), at);
	return fd;
}

START_TEST(test_restore)
{
	static const char json[] = "{ \"name\": \"r1\", \"kernel\": \"/bin/sh\", "
		"\"uuid\": \"0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0\", "
		"\"memory_mib\": 16, \"vcpus\": 2, \"extra\": \"workload=counter\" }";
	struct fake f = { 0 };
	struct seen seen;
	hv_progress progress;
	hv_restore_params ov;
	hv_domain_config cfg, back;
	hv_ctx *ctx;
	uint32_t domid;
	int fd, p[2];

	fake_start(&f);
	ctx = new_ctx();
	progress_init(&progress, &seen);
	hv_restore_params_init(&ov);
	ov.flags = HV_RESTORE_PAUSED;
	fd = make_image(json, 4096, STREAM_F_ALIGNED);
	ck_assert_int_eq(hv_domain_restore(ctx, fd, &ov, &domid, &progress), 0);
	ck_assert_uint_eq(domid, 12);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_int_eq(f.last_op, HV_HC_DOMCTL_RESTORE_DOMAIN);
	ck_assert_uint_eq(f.restore.flags, HV_HC_RESTORE_PAUSED | HV_HC_RESTORE_KERNEL);
	ck_assert_uint_eq(f.last_nfds, 2);
	ck_assert_uint_eq(f.restore.config_len, strlen(f.config));
	hv_domain_config_init(&back);
	ck_assert_int_eq(hv_config_from_json(ctx, f.config, &back), 0);
	ck_assert_str_eq(back.name, "r1");
	ck_assert_uint_eq(back.memory_mib, 16);
	ck_assert_uint_eq(back.vcpus, 2);
	ck_assert_uint_eq(back.uuid[0], 0x0f);
	ck_assert_str_eq(back.extra, "workload=counter");
	hv_domain_config_dispose(&back);
	/* the image fd is left where the stream starts */
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 4096);

	/* overrides: a name; a config of the same machine; lazy */
	ov.name = "r2";
	ov.flags = HV_RESTORE_LAZY;
	ck_assert_int_eq(hv_domain_restore(ctx, fd, &ov, &domid, NULL), 0);
	ck_assert_ptr_nonnull(strstr(f.config, "\"r2\""));
	ck_assert_uint_eq(f.restore.flags, HV_HC_RESTORE_LAZY | HV_HC_RESTORE_KERNEL);
	hv_domain_config_init(&cfg);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "name=r3;kernel=/nonexistent/k;memory=16;vcpus=2"), 0);
	ov.config = &cfg;
	ov.name = NULL;
	ov.flags = 0;
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_restore(ctx, fd, &ov, &domid, NULL), 0);
	ck_assert_ptr_nonnull(strstr(f.config, "\"r3\""));
	/* a kernel that is gone: restored without it, with a warning */
	ck_assert_uint_eq(f.restore.flags, 0);
	ck_assert_uint_eq(f.last_nfds, 1);
	ck_assert_ptr_nonnull(strstr(logbuf, "/nonexistent/k is gone"));
	/* the image's UUID is kept */
	ck_assert_ptr_nonnull(strstr(f.config, "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"));
	/* a config of another machine is refused, naming both */
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "memory=32"), 0);
	f.requests = 0;
	ck_assert_int_eq(hv_domain_restore(ctx, fd, &ov, &domid, NULL), HV_ERROR_INVAL);
	ck_assert_ptr_nonnull(strstr(logbuf, "memory = 32"));
	ck_assert_ptr_nonnull(strstr(logbuf, "memory = 16"));
	ck_assert_int_eq(f.requests, 0);
	ck_assert_uint_eq(domid, HV_DOMID_INVALID);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 4096);

	/* hvd's reason for refusing the image is the reason logged */
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "memory=16;name=broken"), 0);
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_restore(ctx, fd, &ov, &domid, NULL), HV_ERROR_FAIL);
	ck_assert_ptr_nonnull(strstr(logbuf, "restore domain \"broken\": record 4 (PAGE_BATCH) at offset 8192: CRC mismatch"));
	hv_domain_config_dispose(&cfg);
	close(fd);

	/* not aligned: no lazy restore */
	f.requests = 0;
	fd = make_image(json, 0, 0);
	ov.config = NULL;
	ov.flags = HV_RESTORE_LAZY;
	ck_assert_int_eq(hv_domain_restore(ctx, fd, &ov, &domid, NULL), HV_ERROR_INVAL);
	ck_assert_ptr_nonnull(strstr(logbuf, "without lazy"));
	close(fd);

	/* not an image, not a file */
	fd = make_image(json, 0, 0);
	ck_assert_int_eq(pwrite(fd, "X", 1, 0), 1);
	ck_assert_int_eq(hv_domain_restore(ctx, fd, NULL, &domid, NULL), HV_ERROR_CORRUPT);
	ck_assert_ptr_nonnull(strstr(logbuf, "xl save?"));
	close(fd);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(hv_domain_restore(ctx, p[0], NULL, &domid, NULL), HV_ERROR_INVAL);
	ck_assert_ptr_nonnull(strstr(logbuf, "restore needs a regular file; for a pipe, copy it to a file first"));
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(f.requests, 0);
	hv_ctx_free(ctx);
}
END_TEST

/* --- disks ----------------------------------------------------------------- */

/*
 * An image does not choose host files: without a configuration of the
 * caller's, a restore goes ahead only with what this host recorded when
 * it saved the domain; else it is refused before anything is opened or
 * hvd is asked.
 */
START_TEST(test_restore_trust)
{
	static const char saved[] = "{ \"name\": \"t1\", \"kernel\": \"/bin/sh\", "
		"\"uuid\": \"5a5a5a5a-4b5a-4978-8796-a5b4c3d2e1f0\", \"memory_mib\": 16 }";
	static const char altered[] = "{ \"name\": \"t1\", \"kernel\": \"/bin/sh\", "
		"\"ramdisk\": \"/etc/shadow\", "
		"\"uuid\": \"5a5a5a5a-4b5a-4978-8796-a5b4c3d2e1f0\", \"memory_mib\": 16 }";
	static const char unknown[] = "{ \"name\": \"t2\", \"kernel\": \"/bin/sh\", "
		"\"uuid\": \"6b6b6b6b-4b5a-4978-8796-a5b4c3d2e1f0\", \"memory_mib\": 16 }";
	static const char no_uuid[] = "{ \"name\": \"t3\", \"kernel\": \"/bin/sh\", "
		"\"memory_mib\": 16 }";
	char path[512];
	struct fake f = { 0 };
	hv_restore_params ov;
	hv_domain_config cfg;
	struct stat st;
	hv_ctx *ctx;
	uint32_t domid;
	int fd;

	fake_start(&f);
	ctx = new_ctx();
	hv_restore_params_init(&ov);
	/* recorded as it is: restored */
	fd = make_image(saved, 0, 0);
	ck_assert_int_eq(hv_domain_restore(ctx, fd, &ov, &domid, NULL), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/saved/5a5a5a5a4b5a49788796a5b4c3d2e1f0", f.dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);

	image_recorded = false;
	/* the same domain, its ramdisk rewritten to a host file: refused */
	fd = make_image(altered, 0, 0);
	f.requests = 0;
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_restore(ctx, fd, &ov, &domid, NULL), HV_ERROR_PERM);
	ck_assert_msg(strstr(logbuf, "names host files or bridges this host did not record") &&
		      strstr(logbuf, "ramdisk=11:/etc/shadow") && strstr(logbuf, "ramdisk=-") &&
		      strstr(logbuf, "xl restore CONFIG IMAGE"), "%s", logbuf);
	ck_assert_int_eq(f.requests, 0);
	ck_assert_uint_eq(domid, HV_DOMID_INVALID);
	/* with a configuration of the caller's, its files are used */
	hv_domain_config_init(&cfg);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, "name=t1;kernel=/bin/sh;memory=16"), 0);
	ov.config = &cfg;
	ck_assert_int_eq(hv_domain_restore(ctx, fd, &ov, &domid, NULL), 0);
	ck_assert_ptr_null(strstr(f.config, "shadow"));
	ov.config = NULL;
	close(fd);

	/* a domain this host never saved, and an image without a UUID */
	fd = make_image(unknown, 0, 0);
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_restore(ctx, fd, &ov, &domid, NULL), HV_ERROR_PERM);
	ck_assert_msg(strstr(logbuf, "this host has no record of saving domain \"t2\""), "%s", logbuf);
	close(fd);
	fd = make_image(no_uuid, 0, 0);
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_restore(ctx, fd, &ov, &domid, NULL), HV_ERROR_PERM);
	ck_assert_msg(strstr(logbuf, "has no UUID"), "%s", logbuf);
	close(fd);

	/* a record another may write is not trusted */
	ck_assert_int_eq(chmod(path, 0666), 0);
	fd = make_image(saved, 0, 0);
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_restore(ctx, fd, &ov, &domid, NULL), HV_ERROR_PERM);
	ck_assert_msg(strstr(logbuf, "not trusted"), "%s", logbuf);
	close(fd);
	image_recorded = true;

	hv_domain_config_dispose(&cfg);

	/* a save records the description it saved, under its UUID */
	hv_domain_config_init(&cfg);
	ck_assert_int_eq(hv_domain_config_get(ctx, 3, &cfg), 0);
	snprintf(path, sizeof(path), "%s/saved/", f.dir);
	for (int i = 0; i < 16; i++)
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "%02x", cfg.uuid[i]);
	ck_assert_int_ne(stat(path, &st), 0);
	fd = open("/dev/null", O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(hv_domain_save(ctx, 3, fd, 0, NULL), 0);
	close(fd);
	ck_assert_int_eq(stat(path, &st), 0);
	hv_domain_config_dispose(&cfg);
	hv_ctx_free(ctx);
}
END_TEST

START_TEST(test_disks)
{
	static const char img_json[] = "{ \"name\": \"r1\", \"kernel\": \"/bin/sh\", "
		"\"uuid\": \"0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f1\", "
		"\"memory_mib\": 16, \"disks\": [ { \"vdev\": \"xvda\", \"target\": \"%s\" } ] }";
	struct fake f = { 0 };
	char a[] = "/tmp/hv-test-disk-a.XXXXXX", b[] = "/tmp/hv-test-disk-b.XXXXXX";
	char set[256], want[256], *json;
	hv_domain_config cfg;
	hv_disk_spec *d = NULL;
	hv_ctx *ctx;
	uint32_t domid;
	int fa = mkstemp(a), fb = mkstemp(b), held, img;

	ck_assert_int_ge(fa, 0);
	ck_assert_int_ge(fb, 0);
	close(fa);
	close(fb);
	fake_start(&f);
	ctx = new_ctx();

	/* CREATE_DOMAIN carries the kernel, then each disk with a target, in the
	 * list's order, open as each disk is */
	hv_domain_config_init(&cfg);
	snprintf(set, sizeof(set), "name=c2;kernel=/bin/sh;memory=64;"
		 "disk=['%s,raw,xvdb,ro', ',,hdc,cdrom', 'vdev=xvda,target=%s']", a, b);
	ck_assert_int_eq(hv_config_set(ctx, &cfg, set), 0);
	ck_assert_int_eq(hv_domain_create(ctx, &cfg, 0, &domid), 0);
	ck_assert_uint_eq(f.last_nfds, 3);
	ck_assert_int_eq(f.last_fd_modes[0], O_RDONLY);
	ck_assert_int_eq(f.last_fd_modes[1], O_RDONLY);
	ck_assert_int_eq(f.last_fd_modes[2], O_RDWR);
	ck_assert_ptr_nonnull(strstr(f.config, b));

	/* an image another domain has read-write: that domain is named, and
	 * hvd is not asked to create anything */
	snprintf(f.alpha_disk, sizeof(f.alpha_disk), "%s", b);
	ck_assert_int_eq(hv_disk_spec_parse(ctx, "vdev=xvda,target=/x", &d), 0);
	free(d->target);
	d->target = strdup(b);
	held = hv__disk_open(ctx, "alpha", d, false);
	ck_assert_int_ge(held, 0);
	f.requests = 0;
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_create(ctx, &cfg, 0, &domid), HV_ERROR_BUSY);
	snprintf(want, sizeof(want), "domain \"c2\": disk xvda: %s is in use read-write by domain 'alpha'",
		 b);
	ck_assert_msg(strstr(logbuf, want), "%s", logbuf);
	ck_assert_int_eq(f.ops[0], HV_HC_SYSCTL_LIST);
	for (int i = 1; i < f.requests && i < 32; i++)
		ck_assert_int_eq(f.ops[i], HV_HC_DOMCTL_GET_CONFIG);
	close(held);
	hv_domain_config_dispose(&cfg);

	/* a restore reopens the disks its description names, after the image
	 * and kernel */
	ck_assert_int_ge(asprintf(&json, img_json, a), 0);
	img = make_image(json, 0, 0);
	ck_assert_int_eq(hv_domain_restore(ctx, img, NULL, &domid, NULL), 0);
	ck_assert_uint_eq(f.restore.flags, HV_HC_RESTORE_KERNEL);
	ck_assert_uint_eq(f.last_nfds, 3);
	ck_assert_int_eq(f.last_fd_modes[2], O_RDWR);
	/* one held elsewhere: refused before hvd hears of it */
	held = hv__disk_open(ctx, "alpha", d, false);
	free(json);
	close(img);
	ck_assert_int_ge(asprintf(&json, img_json, b), 0);
	img = make_image(json, 0, 0);
	f.requests = 0;
	ck_assert_int_eq(hv_domain_restore(ctx, img, NULL, &domid, NULL), HV_ERROR_BUSY);
	for (int i = 0; i < f.requests && i < 32; i++)
		ck_assert_int_ne(f.ops[i], HV_HC_DOMCTL_RESTORE_DOMAIN);
	close(held);
	close(img);
	free(json);
	hv_disk_spec_free(d);
	unlink(a);
	unlink(b);
	hv_ctx_free(ctx);
}
END_TEST

/* Attaching and detaching disks: the target's descriptor, the disk as JSON. */
/* The balloon's target, the cap and the memory's state, as libhv sends and reads them. */
START_TEST(test_memory)
{
	struct fake f = { 0 };
	hv_meminfo mi;
	hv_ctx *ctx;

	fake_start(&f);
	ctx = new_ctx();
	ck_assert_int_eq(hv_domain_set_memory_target(ctx, 3, 512), 0);
	ck_assert_int_eq(f.last_op, HV_HC_DOMCTL_MEM_TARGET);
	ck_assert_uint_eq(f.mem.domid, 3);
	ck_assert_uint_eq(f.mem.target_mib, 512);
	ck_assert_uint_eq(f.mem.flags, 0);
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_set_memory_target(ctx, 3, 2048), HV_ERROR_INVAL);
	ck_assert_msg(strstr(logbuf, "above domain g's maxmem"), "%s", logbuf);
	ck_assert_int_eq(hv_domain_set_memory_max(ctx, 3, 768), 0);
	ck_assert_int_eq(f.last_op, HV_HC_DOMCTL_MEM_MAX);
	ck_assert_uint_eq(f.mem.target_mib, 768);
	ck_assert_int_eq(hv_domain_set_memory_max(ctx, 3, 128), HV_ERROR_NOMEM);
	/* too little never reaches hvd */
	f.requests = 0;
	ck_assert_int_eq(hv_domain_set_memory_target(ctx, 3, HV_MEMORY_MIN_MIB - 1), HV_ERROR_INVAL);
	ck_assert_int_eq(hv_domain_set_memory_max(ctx, 3, 0), HV_ERROR_INVAL);
	ck_assert_int_eq(f.requests, 0);

	/* MEM_INFO into the caller's structure; one not initialised is refused */
	hv_meminfo_init(&mi);
	ck_assert_int_eq(hv_domain_meminfo(ctx, 3, &mi), 0);
	ck_assert_uint_eq(mi.struct_size, sizeof(mi));
	ck_assert_uint_eq(mi.ram_kib, 1 << 20);
	ck_assert_uint_eq(mi.target_kib, 512 << 10);
	ck_assert_uint_eq(mi.current_kib, 600 << 10);
	ck_assert_uint_eq(mi.allocated_kib, 300 << 10);
	ck_assert_uint_eq(mi.cgroup_limit_kib, 1 << 21);
	ck_assert_uint_eq(mi.cgroup_usage_kib, 310 << 10);
	ck_assert_uint_eq(mi.stats_valid, 1 << HV_BALLOON_MEMFREE);
	ck_assert_uint_eq(mi.stats[HV_BALLOON_MEMFREE], 123456);
	ck_assert_uint_eq(mi.stats_age_ms, 7);
	ck_assert_uint_eq(mi.features, HV_BALLOON_F_STATS | HV_BALLOON_F_DRIVER);
	ck_assert_uint_eq(mi.mem_flags, HV_MEM_TARGET_MISSED | HV_MEM_CAPPED);
	memset(&mi, 0, sizeof(mi));
	ck_assert_int_eq(hv_domain_meminfo(ctx, 3, &mi), HV_ERROR_INVAL);
	hv_ctx_free(ctx);
}
END_TEST

START_TEST(test_disk_hotplug)
{
	struct fake f = { 0 };
	char a[] = "/tmp/hv-test-hp-a.XXXXXX", spec[256], want[256];
	hv_disk_spec *d = NULL, *back = NULL;
	hv_ctx *ctx;
	int fa = mkstemp(a), held;

	ck_assert_int_ge(fa, 0);
	close(fa);
	fake_start(&f);
	ctx = new_ctx();

	/* one descriptor, open as the disk is; the disk itself as JSON */
	snprintf(spec, sizeof(spec), "%s,raw,xvdb,rw", a);
	ck_assert_int_eq(hv_disk_spec_parse(ctx, spec, &d), 0);
	ck_assert_int_eq(hv_domain_disk_attach(ctx, 3, d), 0);
	ck_assert_int_eq(f.last_op, HV_HC_DOMCTL_DISK_ATTACH);
	ck_assert_uint_eq(f.disk_attach.domid, 3);
	ck_assert_uint_eq(f.disk_attach.flags, 0);
	ck_assert_uint_eq(f.disk_attach.config_len, strlen(f.config));
	ck_assert_uint_eq(f.last_nfds, 1);
	ck_assert_int_eq(f.last_fd_modes[0], O_RDWR);
	ck_assert_int_eq(hv__disk_from_json(ctx, f.config, &back), 0);
	ck_assert_str_eq(back->vdev, "xvdb");
	ck_assert_str_eq(back->target, a);
	ck_assert_int_eq(back->access, HV_DISK_ACCESS_RW);
	hv_disk_spec_free(back);
	/* libhv closed its own: the image is free again once hvd let go */
	held = hv__disk_open(ctx, "other", d, false);
	ck_assert_int_ge(held, 0);

	/* an image in use read-write by another domain: named, hvd not asked */
	snprintf(f.alpha_disk, sizeof(f.alpha_disk), "%s", a);
	f.requests = 0;
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_disk_attach(ctx, 3, d), HV_ERROR_BUSY);
	snprintf(want, sizeof(want), "domain \"g\": disk xvdb: %s is in use read-write by domain 'alpha'",
		 a);
	ck_assert_msg(strstr(logbuf, want), "%s", logbuf);
	for (int i = 0; i < f.requests && i < 32; i++)
		ck_assert_int_ne(f.ops[i], HV_HC_DOMCTL_DISK_ATTACH);
	close(held);
	hv_disk_spec_free(d);
	d = NULL;

	/* read-only: opened for reading */
	snprintf(spec, sizeof(spec), "format=raw, vdev=xvdd, access=ro, target=%s", a);
	ck_assert_int_eq(hv_disk_spec_parse(ctx, spec, &d), 0);
	ck_assert_int_eq(hv_domain_disk_attach(ctx, 3, d), 0);
	ck_assert_int_eq(f.last_fd_modes[0], O_RDONLY);

	/* no such domain: said before the image is opened */
	f.requests = 0;
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_disk_attach(ctx, 8, d), HV_ERROR_NOTFOUND);
	ck_assert_int_eq(f.requests, 1);
	ck_assert_int_eq(f.ops[0], HV_HC_DOMCTL_GETINFO);
	hv_disk_spec_free(d);
	d = NULL;

	/* hvd's refusal and its reason */
	snprintf(spec, sizeof(spec), "%s,raw,xvdc,rw", a);
	ck_assert_int_eq(hv_disk_spec_parse(ctx, spec, &d), 0);
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_disk_attach(ctx, 3, d), HV_ERROR_EXISTS);
	ck_assert_msg(strstr(logbuf, "attach disk xvdc to domain \"g\": domain g has a disk xvdc already"),
		      "%s", logbuf);
	/* a disk without a target or vdev never reaches hvd */
	free(d->target);
	d->target = NULL;
	f.requests = 0;
	ck_assert_int_eq(hv_domain_disk_attach(ctx, 3, d), HV_ERROR_CONFIG);
	ck_assert_int_eq(hv_domain_disk_attach(ctx, 3, NULL), HV_ERROR_INVAL);
	ck_assert_int_eq(f.requests, 0);
	hv_disk_spec_free(d);

	/* detach: vdev, flags and timeout as given */
	ck_assert_int_eq(hv_domain_disk_detach(ctx, 3, "xvdb", HV_DISK_DETACH_FORCE, 2000), 0);
	ck_assert_int_eq(f.last_op, HV_HC_DOMCTL_DISK_DETACH);
	ck_assert_uint_eq(f.disk_detach.domid, 3);
	ck_assert_uint_eq(f.disk_detach.flags, HV_HC_DISK_DETACH_FORCE);
	ck_assert_uint_eq(f.disk_detach.timeout_ms, 2000);
	ck_assert_uint_eq(f.disk_detach.reserved, 0);
	ck_assert_str_eq(f.disk_detach.vdev, "xvdb");
	ck_assert_uint_eq(f.last_nfds, 0);
	ck_assert_int_eq(hv_domain_disk_detach(ctx, 3, "xvdb", 0, 0), 0);
	ck_assert_uint_eq(f.disk_detach.flags, 0);
	ck_assert_uint_eq(f.disk_detach.timeout_ms, 0);
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_disk_detach(ctx, 3, "xvdz", 0, 2000), HV_ERROR_TIMEDOUT);
	ck_assert_msg(strstr(logbuf, "did not let go of xvdz within 2 s"), "%s", logbuf);
	ck_assert_int_eq(hv_domain_disk_detach(ctx, 3, "xvde", 0, 0), HV_ERROR_NOTFOUND);
	/* refused here */
	f.requests = 0;
	ck_assert_int_eq(hv_domain_disk_detach(ctx, 3, "xvdb", 0x10, 0), HV_ERROR_INVAL);
	ck_assert_int_eq(hv_domain_disk_detach(ctx, 3, "", 0, 0), HV_ERROR_INVAL);
	ck_assert_int_eq(hv_domain_disk_detach(ctx, 3, NULL, 0, 0), HV_ERROR_INVAL);
	ck_assert_int_eq(hv_domain_disk_detach(ctx, 3, "xvdbxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0, 0),
			 HV_ERROR_INVAL);
	ck_assert_int_eq(hv_domain_disk_detach(ctx, 3, "xvdb", 0, HV_HC_DISK_TIMEOUT_MAX_MS + 1),
			 HV_ERROR_INVAL);
	ck_assert_int_eq(f.requests, 0);
	unlink(a);
	hv_ctx_free(ctx);
}
END_TEST

/* Whether the fake saw @op among the first requests since f->requests was 0. */
static bool fake_saw(const struct fake *f, int op)
{
	for (int i = 0; i < f->requests && i < 32; i++)
		if (f->ops[i] == op)
			return true;
	return false;
}

/*
 * Vifs: a detach finds the vif by devid or MAC; an attach that the
 * domain's description refuses never makes a tap nor reaches hvd (making
 * one needs a namespace of the test's own: tests/integration/xl-net.sh).
 */
START_TEST(test_nic_hotplug)
{
	struct fake f = { 0 };
	hv_vif_spec *v = NULL;
	hv_ctx *ctx;

	fake_start(&f);
	ctx = new_ctx();

	/* detach: by devid, by MAC; flags and timeout as given */
	ck_assert_int_eq(hv_domain_nic_detach(ctx, 3, "0", HV_NIC_DETACH_FORCE, 1000), 0);
	ck_assert_int_eq(f.last_op, HV_HC_DOMCTL_NIC_DETACH);
	ck_assert_uint_eq(f.nic_detach.domid, 3);
	ck_assert_uint_eq(f.nic_detach.devid, 0);
	ck_assert_uint_eq(f.nic_detach.flags, HV_HC_NIC_DETACH_FORCE);
	ck_assert_uint_eq(f.nic_detach.timeout_ms, 1000);
	ck_assert_uint_eq(f.last_nfds, 0);
	ck_assert_int_eq(hv_domain_nic_detach(ctx, 3, "00:16:3E:0a:0b:0c", 0, 0), 0);
	ck_assert_uint_eq(f.nic_detach.devid, 0);
	ck_assert_uint_eq(f.nic_detach.flags, 0);
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_nic_detach(ctx, 3, "0", 0, 2000), HV_ERROR_TIMEDOUT);
	ck_assert_msg(strstr(logbuf, "did not let go of 0 within 2 s"), "%s", logbuf);
	/* hvd's "no such vif" */
	ck_assert_int_eq(hv_domain_nic_detach(ctx, 3, "5", 0, 0), HV_ERROR_NOTFOUND);
	ck_assert_uint_eq(f.nic_detach.devid, 5);
	/* a MAC the domain does not have, a name that is neither: hvd not asked to detach */
	f.requests = 0;
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_nic_detach(ctx, 3, "00:16:3e:00:00:01", 0, 0), HV_ERROR_NOTFOUND);
	ck_assert_msg(strstr(logbuf, "has no vif with MAC 00:16:3e:00:00:01"), "%s", logbuf);
	ck_assert_int_eq(hv_domain_nic_detach(ctx, 3, "8", 0, 0), HV_ERROR_INVAL);
	ck_assert_int_eq(hv_domain_nic_detach(ctx, 3, "eth1", 0, 0), HV_ERROR_INVAL);
	ck_assert(!fake_saw(&f, HV_HC_DOMCTL_NIC_DETACH));
	f.requests = 0;
	ck_assert_int_eq(hv_domain_nic_detach(ctx, 3, "0", 0x10, 0), HV_ERROR_INVAL);
	ck_assert_int_eq(hv_domain_nic_detach(ctx, 3, "", 0, 0), HV_ERROR_INVAL);
	ck_assert_int_eq(hv_domain_nic_detach(ctx, 3, NULL, 0, 0), HV_ERROR_INVAL);
	ck_assert_int_eq(hv_domain_nic_detach(ctx, 3, "0", 0, HV_HC_DISK_TIMEOUT_MAX_MS + 1),
			 HV_ERROR_INVAL);
	ck_assert_int_eq(f.requests, 0);
	ck_assert_int_eq(hv_domain_nic_detach(ctx, 8, "0", 0, 0), HV_ERROR_NOTFOUND);

	/* attach: a devid or MAC in use, refused before a tap is made */
	f.requests = 0;
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_vif_spec_parse(ctx, "bridge=hvtest0,devid=0", &v), 0);
	ck_assert_int_eq(hv_domain_nic_attach(ctx, 3, v), HV_ERROR_EXISTS);
	ck_assert_msg(strstr(logbuf, "domain \"g\": the domain has a vif 0 already"), "%s", logbuf);
	hv_vif_spec_free(v);
	ck_assert_int_eq(hv_vif_spec_parse(ctx, "mac=00:16:3e:0a:0b:0c", &v), 0);
	ck_assert_int_eq(hv_domain_nic_attach(ctx, 3, v), HV_ERROR_EXISTS);
	ck_assert_msg(strstr(logbuf, "vif 0 has MAC 00:16:3e:0a:0b:0c already"), "%s", logbuf);
	/* no such domain: said before anything else */
	ck_assert_int_eq(hv_domain_nic_attach(ctx, 8, v), HV_ERROR_NOTFOUND);
	ck_assert_int_eq(hv_domain_nic_attach(ctx, 3, NULL), HV_ERROR_INVAL);
	ck_assert(!fake_saw(&f, HV_HC_DOMCTL_NIC_ATTACH));
	hv_vif_spec_free(v);
	hv_ctx_free(ctx);
}
END_TEST

/* --- cancelling ------------------------------------------------------------ */

START_TEST(test_cancel_save)
{
	struct fake f = { 0 };
	struct seen seen;
	hv_progress progress;
	char path[] = "/tmp/hv-test-save.XXXXXX";
	hv_dominfo info;
	hv_ctx *ctx;
	int fd;

	fake_start(&f);
	ctx = new_ctx();
	hv_ctx_set_logger(ctx, logger, NULL, HV_LOG_INFO);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	hv_dominfo_init(&info);
	progress_init(&progress, &seen);

	/* CANCEL's reply first, then the save's: cancelled */
	seen.cancel_at = 1;
	ck_assert_int_eq(hv_domain_save(ctx, 20, fd, 0, &progress),
			 HV_ERROR_CANCELLED);
	ck_assert_int_eq(f.cancels, 1);
	ck_assert_uint_eq(f.cancel.domid, 20);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_ptr_nonnull(strstr(logbuf, "save domain 20: cancelling"));
	ck_assert_ptr_nonnull(strstr(logbuf, "save domain 20: cancelled, as the caller asked"));
	ck_assert_str_eq(hv_strerror(HV_ERROR_CANCELLED), "cancelled");

	/* the save's reply first, CANCEL's after: the next call skips it */
	progress_init(&progress, &seen);
	seen.cancel_at = 1;
	ck_assert_int_eq(hv_domain_save(ctx, 21, fd, 0, &progress),
			 HV_ERROR_CANCELLED);
	ck_assert_int_eq(f.cancels, 2);
	ck_assert_int_eq(hv_domain_info(ctx, 3, &info), 0);
	ck_assert_str_eq(info.name, "g");

	/* the save ended before hvd could stop it: its own result */
	progress_init(&progress, &seen);
	seen.cancel_at = 1;
	ck_assert_int_eq(hv_domain_save(ctx, 22, fd, 0, &progress), 0);
	ck_assert_int_eq(f.cancels, 3);
	ck_assert_int_eq(hv_domain_info(ctx, 3, &info), 0);

	/* an hvd that cannot cancel: the save goes on, the callback is not
	 * called again, and the save's result is returned */
	progress_init(&progress, &seen);
	seen.cancel_at = 1;
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_save(ctx, 23, fd, 0, &progress), 0);
	ck_assert_int_eq(f.cancels, 4);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_ptr_nonnull(strstr(logbuf, "hvd cannot cancel it"));
	ck_assert_int_eq(hv_domain_info(ctx, 3, &info), 0);

	/* a callback that returns 0 cancels nothing */
	progress_init(&progress, &seen);
	ck_assert_int_eq(hv_domain_save(ctx, 3, fd, 0, &progress), 0);
	ck_assert_int_eq(seen.calls, 3);
	ck_assert_int_eq(f.cancels, 4);
	close(fd);
	hv_ctx_free(ctx);
}
END_TEST

START_TEST(test_cancel_restore)
{
	static const char json[] = "{ \"name\": \"r1\", \"memory_mib\": 16, "
		"\"uuid\": \"0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f2\", "
		"\"kernel\": \"/bin/sh\" }";
	struct fake f = { 0 };
	struct seen seen;
	hv_progress progress;
	hv_restore_params ov;
	hv_ctx *ctx;
	uint32_t domid;
	int fd;

	fake_start(&f);
	ctx = new_ctx();
	fd = make_image(json, 0, 0);
	hv_restore_params_init(&ov);
	for (int mode = 0; mode < 4; mode++) {
		char name[16];

		snprintf(name, sizeof(name), "cancel-%d", mode);
		ov.name = name;
		progress_init(&progress, &seen);
		seen.cancel_at = 1;
		f.requests = 0;
		ck_assert_int_eq(hv_domain_restore(ctx, fd, &ov, &domid, &progress),
				 mode < 2 ? HV_ERROR_CANCELLED : 0);
		ck_assert_int_eq(f.cancels, mode + 1);
		/* no domain id yet: CANCEL names the request only */
		ck_assert_uint_eq(f.cancel.domid, HV_DOMID_INVALID);
		ck_assert_int_eq(seen.calls, 1);
		if (mode < 2) {
			ck_assert_uint_eq(domid, HV_DOMID_INVALID);
			/* cancelled is not lost: nothing to clean up after */
			ck_assert_int_eq(f.ops[f.requests - 1], HV_HC_DOMCTL_CANCEL);
		} else {
			ck_assert_uint_eq(domid, 12);
		}
	}
	close(fd);
	hv_ctx_free(ctx);
}
END_TEST

/* --- structures that grow -------------------------------------------------- */

START_TEST(test_sized_structs)
{
	struct fake f = { 0 };
	struct { hv_dominfo info; uint64_t later[4]; } newer;
	struct { hv_progress p; uint64_t later; } pnewer;
	char path[] = "/tmp/hv-test-save.XXXXXX";
	hv_restore_params ov;
	hv_dominfo info;
	hv_dominfo **list;
	size_t nr;
	uint32_t domid;
	hv_ctx *ctx;
	int fd;

	fake_start(&f);
	ctx = new_ctx();
	/* not initialised: refused, saying what to do */
	memset(&info, 0, sizeof(info));
	ck_assert_int_eq(hv_domain_info(ctx, 3, &info), HV_ERROR_INVAL);
	ck_assert_ptr_nonnull(strstr(logbuf, "call hv_dominfo_init() first"));
	ck_assert_int_eq(hv_domain_info(ctx, 3, NULL), HV_ERROR_INVAL);
	/* a caller built against a later header: what libhv knows is filled,
	 * the rest is left as hv_dominfo_init() made it */
	memset(&newer, 0xaa, sizeof(newer));
	hv_dominfo_init_sized(&newer.info, sizeof(newer));
	ck_assert_uint_eq(newer.info.struct_size, sizeof(newer));
	ck_assert_int_eq(hv_domain_info(ctx, 3, &newer.info), 0);
	ck_assert_str_eq(newer.info.name, "g");
	ck_assert_uint_eq(newer.info.struct_size, sizeof(newer));
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(newer.later[i], 0);
	/* a caller built against an earlier header: only its part is written */
	memset(&newer, 0xaa, sizeof(newer));
	newer.info.struct_size = HV__DOMINFO_SIZE_1_2;
	ck_assert_int_eq(hv_domain_info(ctx, 3, &newer.info), 0);
	ck_assert_uint_eq(newer.info.domid, 3);
	ck_assert_uint_eq(((uint8_t *)&newer)[HV__DOMINFO_SIZE_1_2], 0xaa);

	/* given to libhv: members it does not know must be zero */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	hv_progress_init_sized(&pnewer.p, sizeof(pnewer));
	f.requests = 0;
	ck_assert_int_eq(hv_domain_save(ctx, 3, fd, 0, &pnewer.p), 0);
	pnewer.later = 1;
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_save(ctx, 3, fd, 0, &pnewer.p), HV_ERROR_INVAL);
	ck_assert_ptr_nonnull(strstr(logbuf, "upgrade libhv"));
	memset(&pnewer, 0, sizeof(pnewer));
	ck_assert_int_eq(hv_domain_save(ctx, 3, fd, 0, &pnewer.p), HV_ERROR_INVAL);
	memset(&ov, 0, sizeof(ov));
	ck_assert_int_eq(hv_domain_restore(ctx, fd, &ov, &domid, NULL), HV_ERROR_INVAL);
	ck_assert_ptr_nonnull(strstr(logbuf, "hv_restore_params_init()"));
	/* the first save: GET_CONFIG (the description it records), SAVE */
	ck_assert_int_eq(f.requests, 2);
	close(fd);

	/* list entries are libhv's size, whatever the caller's */
	ck_assert_int_eq(hv_domain_list(ctx, &list, &nr), 0);
	for (size_t i = 0; i < nr; i++)
		ck_assert_uint_eq(list[i]->struct_size, sizeof(hv_dominfo));
	hv_dominfo_list_free(list, nr);
	hv_ctx_free(ctx);
}
END_TEST

/* --- the logger ------------------------------------------------------------ */

struct reentry {
	hv_ctx *ctx;
	int calls, nested_rc;
	bool nested;
};

/* A logger that calls libhv on its own context, as a binding's might. */
static void reentrant_logger(void *opaque, enum hv_log_level level,
			     const char *fmt, va_list ap)
{
	struct reentry *r = opaque;

	logger(NULL, level, fmt, ap);
	r->calls++;
	if (!r->nested) {
		hv_dominfo info;

		r->nested = true;
		hv_dominfo_init(&info);
		r->nested_rc = hv_domain_info(r->ctx, 3, &info);
		/* and may change the logger without waiting for itself */
		hv_ctx_set_logger(r->ctx, reentrant_logger, r, HV_LOG_INFO);
	}
}

START_TEST(test_logger_holds_no_lock)
{
	struct fake f = { .hangup_after = 1 };
	struct reentry r = { 0 };
	hv_dominfo info;

	fake_start(&f);
	r.ctx = new_ctx();
	r.nested_rc = 1;
	hv_dominfo_init(&info);
	ck_assert_int_eq(hv_domain_info(r.ctx, 3, &info), 0);
	/* hvd closed the connection: "reconnecting" is logged while the
	 * request lock is held; the logger gets it once it is released */
	hv_ctx_set_logger(r.ctx, reentrant_logger, &r, HV_LOG_INFO);
	logbuf[0] = '\0';
	ck_assert_int_eq(hv_domain_info(r.ctx, 3, &info), 0);
	ck_assert_ptr_nonnull(strstr(logbuf, "reconnecting"));
	ck_assert(r.nested);
	ck_assert_int_eq(r.nested_rc, 0);
	ck_assert_int_ge(r.calls, 1);
	/* once hv_ctx_set_logger() returns, the old logger is done with */
	hv_ctx_set_logger(r.ctx, logger, NULL, HV_LOG_WARN);
	r.calls = 0;
	ck_assert_int_eq(hv_domain_info(r.ctx, 3, &info), 0);
	ck_assert_int_eq(r.calls, 0);
	hv_ctx_free(r.ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_status_mapping);
	tcase_add_test(tc, test_conversions);
	tcase_add_test(tc, test_errors_name_the_domain);
	tcase_add_test(tc, test_queries);
	tcase_add_test(tc, test_reconnect_after_hangup);
	tcase_add_test(tc, test_events);
	tcase_add_test(tc, test_no_hvd);
	tcase_add_test(tc, test_create_refusals);
	tcase_add_test(tc, test_progress_decoding);
	tcase_add_test(tc, test_save);
	tcase_add_test(tc, test_create_stores_config);
	tcase_add_test(tc, test_restore);
	tcase_add_test(tc, test_restore_trust);
	tcase_add_test(tc, test_disks);
	tcase_add_test(tc, test_disk_hotplug);
	tcase_add_test(tc, test_memory);
	tcase_add_test(tc, test_nic_hotplug);
	tcase_add_test(tc, test_cancel_save);
	tcase_add_test(tc, test_cancel_restore);
	tcase_add_test(tc, test_sized_structs);
	tcase_add_test(tc, test_logger_holds_no_lock);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
