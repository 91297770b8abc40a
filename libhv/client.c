/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hypercall client.  A context holds two connections to hvd: one for
 * requests (one at a time, under req_lock) and, once events are asked for,
 * one that is subscribed to events (under ev_lock), so that a thread
 * waiting for events never holds up requests.
 *
 * The descriptor handed out by hv_event_fd() is an epoll instance watching
 * the event connection and an eventfd that is readable while events wait
 * in the queue, so it is readable exactly when hv_event_next() has
 * something to give, whichever way the event arrived.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "client.h"
#include "wire/hcmsg.h"

#ifndef HV_SBINDIR
#define HV_SBINDIR "/usr/local/sbin"
#endif

#define REPLY_TIMEOUT_MS 30000
/* a save or restore may take long, but not without saying how far it is */
#define PROGRESS_STALL_MS 60000
#define START_TIMEOUT_MS 5000
#define START_FAILED_MS 1000
#define EVENT_QUEUE_MAX 4096

extern char **environ;

struct hv__client {
	pthread_mutex_t req_lock;
	int fd;				/* request connection, -1: none */
	uint32_t seq;

	pthread_mutex_t ev_lock;
	int ev_sock;			/* subscribed connection, -1: none */
	int ev_epoll;			/* handed out by hv_event_fd() */
	int ev_notify;			/* eventfd: readable while q_len > 0 */
	uint32_t ev_seq;
	hv_event *q;			/* ring of waiting events */
	size_t q_head, q_len, q_cap;
};

struct hv__client *hv__client_new(void)
{
	struct hv__client *cl = calloc(1, sizeof(*cl));

	if (!cl)
		return NULL;
	pthread_mutex_init(&cl->req_lock, NULL);
	pthread_mutex_init(&cl->ev_lock, NULL);
	cl->fd = -1;
	cl->ev_sock = -1;
	cl->ev_epoll = -1;
	cl->ev_notify = -1;
	return cl;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void hv__client_free(struct hv__client *cl)
{
	if (!cl)
		return;
	close_fd(&cl->fd);
	close_fd(&cl->ev_sock);
	close_fd(&cl->ev_epoll);
	close_fd(&cl->ev_notify);
	free(cl->q);
	pthread_mutex_destroy(&cl->req_lock);
	pthread_mutex_destroy(&cl->ev_lock);
	free(cl);
}

/* --- status codes ---------------------------------------------------- */

int hv__hc_error(int status)
{
	switch (status) {
	case 0:
		return 0;
	case HV_HC_EPROTO:
		return HV_ERROR_PROTOCOL;
	case HV_HC_EVERSION:
		return HV_ERROR_VERSION;
	case HV_HC_EOPNOTSUPP:
	case HV_HC_ENOTSUP:
		return HV_ERROR_NOSYS;
	case HV_HC_EPERM:
		return HV_ERROR_PERM;
	case HV_HC_ENOENT:
		return HV_ERROR_NOTFOUND;
	case HV_HC_EEXIST:
		return HV_ERROR_EXISTS;
	case HV_HC_EINVAL:
		return HV_ERROR_INVAL;
	case HV_HC_ESTATE:
		return HV_ERROR_STATE;
	case HV_HC_ENOMEM:
		return HV_ERROR_NOMEM;
	case HV_HC_EIO:
	case HV_HC_EBADF:
		return HV_ERROR_IO;
	case HV_HC_EVMM:
	default:
		return HV_ERROR_FAIL;
	}
}

const char *hv__hc_reason(int status)
{
	switch (status) {
	case HV_HC_EPROTO:
		return "hvd refused the request as malformed (libhv and hvd are from different hv versions? restart hvd)";
	case HV_HC_EVERSION:
		return "hvd speaks another hypercall ABI version (restart hvd from the same hv installation)";
	case HV_HC_EOPNOTSUPP:
		return "this hvd does not know the operation (upgrade hvd)";
	case HV_HC_EPERM:
		return "hvd refused: permission denied (run as root or as the user hvd runs as)";
	case HV_HC_ENOENT:
		return "no such domain (list the domains with xl list)";
	case HV_HC_EEXIST:
		return "the name is already in use (choose another name, or destroy the other domain)";
	case HV_HC_EINVAL:
		return "hvd refused a value as out of range (check memory, vcpus and the name)";
	case HV_HC_ESTATE:
		return "not possible in the domain's current state (check it with xl list)";
	case HV_HC_ENOMEM:
		return "not enough memory on the host, or too many domains (free memory or lower memory =)";
	case HV_HC_EIO:
		return "hvd failed to act (see hvd's log)";
	case HV_HC_EBADF:
		return "hvd got a missing or unusable file descriptor (is the kernel a readable regular file?)";
	case HV_HC_ENOTSUP:
		return "not supported by hv yet (leave that setting or request out)";
	case HV_HC_EVMM:
		return "the domain's hv-vmm failed or refused (see hvd's log and the domain's log)";
	default:
		return "hvd returned an unknown error code (upgrade libhv)";
	}
}

int hv__call_err(hv_ctx *ctx, const char *what, const struct hv__status *st)
{
	HV__ERR(ctx, "%s: %s", what, st->msg[0] ? st->msg :
		hv__hc_reason(st->code));
	return hv__hc_error(st->code);
}

bool hv__progress_from_hc(const struct hv_hc_progress *in, uint64_t *done_r,
			  uint64_t *total_r)
{
	if (!in->total)
		return false;
	*total_r = in->total;
	*done_r = in->done < in->total ? in->done : in->total;
	return true;
}

/* --- conversions ----------------------------------------------------- */

static void copy_name(char *dst, const char *src)
{
	size_t n = strnlen(src, HV_HC_NAME_MAX - 1);

	if (n > HV_DOMAIN_NAME_MAX)
		n = HV_DOMAIN_NAME_MAX;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int hv__event_from_hc(const struct hv_hc_event *in, hv_event *out)
{
	memset(out, 0, sizeof(*out));
	switch (in->type) {
	case HV_HC_EV_SHUTDOWN:
		out->type = HV_EVENT_SHUTDOWN;
		break;
	case HV_HC_EV_DEATH:
		out->type = HV_EVENT_DEATH;
		break;
	case HV_HC_EV_CRASH:
		out->type = HV_EVENT_CRASH;
		break;
	case HV_HC_EV_CREATED:
		out->type = HV_EVENT_CREATED;
		break;
	default:
		return HV_ERROR_PROTOCOL;
	}
	out->domid = in->domid;
	out->code = in->code <= HV_HC_CODE_CRASH ? (hv_shutdown_code)in->code :
		HV_SHUTDOWN_NONE;
	copy_name(out->name, in->name);
	return 0;
}

static enum hv_action action_from_hc(uint8_t a)
{
	switch (a) {
	case HV_HC_ACTION_RESTART:
		return HV_ACTION_RESTART;
	case HV_HC_ACTION_PRESERVE:
		return HV_ACTION_PRESERVE;
	case HV_HC_ACTION_RENAME_RESTART:
		return HV_ACTION_RENAME_RESTART;
	default:
		return HV_ACTION_DESTROY;
	}
}

void hv__dominfo_from_hc(const struct hv_hc_dominfo *in, hv_dominfo *out)
{
	memset(out, 0, sizeof(*out));
	out->domid = in->domid;
	out->state = in->state <= HV_HC_STATE_DYING ? (hv_domain_state)in->state :
		HV_STATE_DYING;
	copy_name(out->name, in->name);
	memcpy(out->uuid, in->uuid, sizeof(out->uuid));
	out->vcpus = in->vcpus;
	out->maxvcpus = in->maxvcpus;
	out->memory_mib = in->memory_mib;
	out->maxmem_mib = in->maxmem_mib;
	out->cpu_time_ns = in->cpu_time_ns;
	out->start_time = (time_t)in->start_time;
	out->shutdown_code = in->shutdown_code <= HV_HC_CODE_CRASH ?
		(hv_shutdown_code)in->shutdown_code : HV_SHUTDOWN_NONE;
	out->vmm_pid = (int)in->vmm_pid;
	out->on_poweroff = action_from_hc(in->on_poweroff);
	out->on_reboot = action_from_hc(in->on_reboot);
	out->on_crash = action_from_hc(in->on_crash);
}

/* --- connecting and starting hvd ------------------------------------- */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int hv__rundir(hv_ctx *ctx, char *buf, size_t len)
{
	const char *env = getenv("HV_RUNDIR");
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/run/hv");
	else if ((env = getenv("XDG_RUNTIME_DIR")) && *env)
		n = snprintf(buf, len, "%s/hv", env);
	else {
		HV__ERR(ctx, "no runtime directory for hvd: XDG_RUNTIME_DIR is not set (set HV_RUNDIR to a private directory, e.g. HV_RUNDIR=$HOME/.hv/run)");
		return HV_ERROR_DAEMON;
	}
	if (n < 0 || (size_t)n >= len) {
		HV__ERR(ctx, "runtime directory %s: path too long (set HV_RUNDIR to a shorter path)",
			env);
		return HV_ERROR_DAEMON;
	}
	return 0;
}

/* mkdir -p with mode 0700 for what it creates. */
static int make_dir(hv_ctx *ctx, const char *dir)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);

	if (n >= sizeof(path))
		return HV_ERROR_DAEMON;
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			HV__ERR(ctx, "runtime directory %s: cannot create %s: %s (set HV_RUNDIR to a directory you can write)",
				dir, path, strerror(errno));
			return HV_ERROR_DAEMON;
		}
		path[i] = i < n ? '/' : '\0';
	}
	return 0;
}

/* One connection attempt: a socket, or -errno. */
static int try_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

static bool no_listener(int err)
{
	return err == -ENOENT || err == -ECONNREFUSED;
}

/* Log what a failed hvd wrote to its stderr (@fd, a memfd). */
static void log_hvd_output(hv_ctx *ctx, int fd)
{
	char out[2048];
	ssize_t r;

	if (fd < 0)
		return;
	r = pread(fd, out, sizeof(out) - 1, 0);
	if (r <= 0)
		return;
	while (r > 0 && (out[r - 1] == '\n' || out[r - 1] == '\r'))
		r--;
	out[r] = '\0';
	if (r)
		HV__ERR(ctx, "hvd said: %s", out);
}

static char **make_env(const char *rundir)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "HV_RUNDIR=", 10))
			env[k++] = environ[i];
	if (asprintf(&env[k], "HV_RUNDIR=%s", rundir) < 0) {
		free(env);
		return NULL;
	}
	return env;
}

static void free_env(char **env)
{
	size_t n = 0;

	if (!env)
		return;
	while (env[n])
		n++;
	free(env[n - 1]);
	free(env);
}

/*
 * Start hvd and wait until its socket answers: a connected socket, or a
 * negative HV_ERROR_* (logged).
 */
static int start_hvd(hv_ctx *ctx, const char *rundir, const char *sock)
{
	const char *hvd = getenv("HV_HVD");
	char defpath[] = HV_SBINDIR "/hvd";
	char *argv[2] = { NULL, NULL };
	char **env = NULL;
	posix_spawn_file_actions_t fa;
	bool fa_init = false, exited = false, failed = false;
	int errfd = -1, rc, r, status, fd = -ENOENT;
	long deadline;
	pid_t pid = -1;

	if (!hvd || !*hvd)
		hvd = defpath;
	if (access(hvd, X_OK) < 0) {
		HV__ERR(ctx, "cannot start hvd: %s: %s (install hv, or set HV_HVD to the hvd program)",
			hvd, strerror(errno));
		return HV_ERROR_DAEMON;
	}
	argv[0] = (char *)hvd;
	env = make_env(rundir);
	errfd = memfd_create("hvd-start", MFD_CLOEXEC);
	if (!env) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa)) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	fa_init = true;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (errfd >= 0)
		posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	else
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	HV__INFO(ctx, "no hvd answers on %s; starting %s", sock, hvd);
	r = posix_spawn(&pid, hvd, &fa, NULL, argv, env);
	if (r) {
		HV__ERR(ctx, "cannot start hvd: %s: %s (check HV_HVD or the installation)",
			hvd, strerror(r));
		rc = HV_ERROR_DAEMON;
		goto out;
	}
	/* hvd daemonises: its first process exits once it serves. */
	deadline = now_ms() + START_TIMEOUT_MS;
	for (;;) {
		fd = try_connect(sock);
		if (fd >= 0 || !no_listener(fd))
			break;
		if (!exited) {
			r = waitpid(pid, &status, WNOHANG);
			if (r == pid || (r < 0 && errno == ECHILD)) {
				exited = true;
				failed = r == pid && !(WIFEXITED(status) &&
						       WEXITSTATUS(status) == 0);
				/* another hvd may be starting (it holds the lock) */
				if (failed)
					deadline = now_ms() + START_FAILED_MS;
			}
		}
		if (now_ms() >= deadline)
			break;
		sleep_ms(20);
	}
	if (!exited)
		waitpid(pid, &status, WNOHANG);
	if (fd >= 0) {
		rc = fd;
		goto out;
	}
	if (failed)
		log_hvd_output(ctx, errfd);
	if (no_listener(fd))
		HV__ERR(ctx, "started %s, but it did not answer on %s within %d s (%s; see hvd's log)",
			hvd, sock, START_TIMEOUT_MS / 1000,
			failed ? "it failed" : "is it still starting?");
	else
		HV__ERR(ctx, "cannot connect to hvd at %s: %s", sock,
			strerror(-fd));
	rc = HV_ERROR_DAEMON;
out:
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
	close_fd(&errfd);
	free_env(env);
	return rc;
}

/* Refuse a socket whose owner is neither root nor us. */
static int check_peer(hv_ctx *ctx, int fd, const char *sock)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		HV__ERR(ctx, "hvd at %s: cannot check who serves it: %s", sock,
			strerror(errno));
		return HV_ERROR_DAEMON;
	}
	if (cred.uid != 0 && cred.uid != geteuid()) {
		HV__ERR(ctx, "hvd at %s runs as uid %u, neither root nor you: not trusted (remove the socket, or set HV_RUNDIR to your own directory)",
			sock, (unsigned int)cred.uid);
		return HV_ERROR_PERM;
	}
	return 0;
}

/* A connected, checked socket to hvd (started if needed), or HV_ERROR_*. */
static int hvd_connect(hv_ctx *ctx)
{
	char rundir[PATH_MAX - 16], sock[PATH_MAX];
	int fd, rc;

	rc = hv__rundir(ctx, rundir, sizeof(rundir));
	if (rc)
		return rc;
	rc = make_dir(ctx, rundir);
	if (rc)
		return rc;
	snprintf(sock, sizeof(sock), "%s/hvd.sock", rundir);
	fd = try_connect(sock);
	if (no_listener(fd))
		fd = start_hvd(ctx, rundir, sock);
	else if (fd == -EACCES || fd == -EPERM) {
		HV__ERR(ctx, "cannot connect to hvd at %s: %s (run as root or as the user hvd runs as)",
			sock, strerror(-fd));
		return HV_ERROR_PERM;
	} else if (fd < 0) {
		HV__ERR(ctx, "cannot connect to hvd at %s: %s", sock,
			strerror(-fd));
		return HV_ERROR_DAEMON;
	}
	if (fd < 0)
		return fd;
	rc = check_peer(ctx, fd, sock);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

/* True if hvd closed @fd (it was killed or restarted). */
static bool conn_dead(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & (POLLHUP | POLLERR))
		return true;
	return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* --- messages -------------------------------------------------------- */

static int send_msg(int fd, uint16_t op, uint32_t seq, const void *body,
		    size_t body_len, const int *fds, unsigned int nr_fds)
{
	struct hv_hc_hdr h;
	struct iovec iov[2];
	union {
		char buf[CMSG_SPACE(sizeof(int) * HV_HC_MAX_FDS)];
		struct cmsghdr align;
	} cm;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = body_len ? 2 : 1 };
	ssize_t r;

	hcmsg_header(&h, op, 0, seq, 0, body_len);
	iov[0] = (struct iovec){ &h, sizeof(h) };
	iov[1] = (struct iovec){ (void *)body, body_len };
	if (nr_fds) {
		struct cmsghdr *c;

		memset(&cm, 0, sizeof(cm));
		m.msg_control = cm.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nr_fds);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nr_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nr_fds);
	}
	do
		r = sendmsg(fd, &m, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

/* A received message: its bytes and the fds that came with it. */
struct msg {
	uint8_t buf[HV_HC_MSG_MAX];
	size_t len;
	struct hv_hc_hdr h;
	int fds[HV_HC_MAX_FDS];
	unsigned int nr_fds;
};

static void msg_close_fds(struct msg *m)
{
	for (unsigned int i = 0; i < m->nr_fds; i++)
		close(m->fds[i]);
	m->nr_fds = 0;
}

/*
 * Receive one message, waiting up to @timeout_ms (-1: forever; 0: only
 * what is there).  Returns 0, -ETIMEDOUT, -EPIPE (hvd closed the
 * connection), -EPROTO (malformed; dropped) or another -errno.
 */
static int recv_msg(int fd, struct msg *m, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * HV_HC_MAX_FDS)];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { m->buf, sizeof(m->buf) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
	};
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t r;

	m->nr_fds = 0;
	r = poll(&p, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	r = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (r < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int f;

			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (m->nr_fds < HV_HC_MAX_FDS)
				m->fds[m->nr_fds++] = f;
			else
				close(f);
		}
	}
	if (r == 0)
		return -EPIPE;
	m->len = (size_t)r;
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    hcmsg_check(m->buf, m->len, &m->h)) {
		msg_close_fds(m);
		return -EPROTO;
	}
	return 0;
}

/* --- the event queue (under ev_lock) --------------------------------- */

static void queue_push(hv_ctx *ctx, struct hv__client *cl, const hv_event *ev)
{
	uint64_t one = 1;

	if (cl->q_len == cl->q_cap) {
		size_t cap = cl->q_cap ? cl->q_cap * 2 : 16;
		hv_event *q;

		if (cap > EVENT_QUEUE_MAX) {
			HV__WARN(ctx, "more than %d events wait unread; dropping the oldest",
				 EVENT_QUEUE_MAX);
			cl->q_head = (cl->q_head + 1) % cl->q_cap;
			cl->q_len--;
		} else {
			q = malloc(cap * sizeof(*q));
			if (!q) {
				HV__WARN(ctx, "out of memory: event for domain %u dropped",
					 (unsigned int)ev->domid);
				return;
			}
			for (size_t i = 0; i < cl->q_len; i++)
				q[i] = cl->q[(cl->q_head + i) % cl->q_cap];
			free(cl->q);
			cl->q = q;
			cl->q_cap = cap;
			cl->q_head = 0;
		}
	}
	cl->q[(cl->q_head + cl->q_len) % cl->q_cap] = *ev;
	cl->q_len++;
	if (cl->ev_notify >= 0 && write(cl->ev_notify, &one, sizeof(one)) < 0)
		HV__DEBUG(ctx, "event notification: %s", strerror(errno));
}

static bool queue_pop(struct hv__client *cl, hv_event *ev_r)
{
	uint64_t v;

	if (!cl->q_len)
		return false;
	*ev_r = cl->q[cl->q_head];
	cl->q_head = (cl->q_head + 1) % cl->q_cap;
	cl->q_len--;
	if (!cl->q_len && cl->ev_notify >= 0 &&
	    read(cl->ev_notify, &v, sizeof(v)) < 0 && errno != EAGAIN)
		v = 0;
	return true;
}

/* Queue an event message; anything else unexpected is dropped. */
static void take_event(hv_ctx *ctx, struct hv__client *cl, struct msg *m)
{
	struct hv_hc_event body;
	hv_event ev;

	msg_close_fds(m);
	if (!(m->h.flags & HV_HC_F_EVENT) || m->h.op != HV_HC_EVENT)
		return;
	hcmsg_body(m->buf, m->len, &body, sizeof(body));
	if (hv__event_from_hc(&body, &ev)) {
		HV__DEBUG(ctx, "event of unknown type %u ignored",
			  (unsigned int)body.type);
		return;
	}
	pthread_mutex_lock(&cl->ev_lock);
	queue_push(ctx, cl, &ev);
	pthread_mutex_unlock(&cl->ev_lock);
}

/* --- requests -------------------------------------------------------- */

enum exchange_result { EX_OK, EX_NOT_SENT, EX_LOST };

/*
 * Pass a progress message for the pending request to its callback; *shown
 * is what it was last told, so that it never sees progress go back.
 */
static void take_progress(hv_ctx *ctx, const struct hv__req *req,
			  struct msg *m, uint64_t *shown)
{
	struct hv_hc_progress body;
	uint64_t done, total;

	msg_close_fds(m);
	hcmsg_body(m->buf, m->len, &body, sizeof(body));
	if (!hv__progress_from_hc(&body, &done, &total)) {
		HV__DEBUG(ctx, "progress message with a total of 0 ignored");
		return;
	}
	if (done < *shown)
		done = *shown < total ? *shown : total;
	*shown = done;
	if (req->progress && req->progress->fn)
		req->progress->fn(req->progress->opaque, done, total);
}

/*
 * One request on @fd and its reply into @m.  EX_NOT_SENT: hvd had closed
 * the connection before it took the request; EX_LOST: the connection broke
 * after sending.  *rc_r holds the error for other failures.  The reply is
 * awaited for REPLY_TIMEOUT_MS, or, once progress messages come, for
 * PROGRESS_STALL_MS after the last one.
 */
static enum exchange_result exchange(hv_ctx *ctx, int fd, uint32_t seq,
				     const struct hv__req *req, const char *what,
				     struct msg *m, int *rc_r)
{
	long deadline = now_ms() + REPLY_TIMEOUT_MS;
	struct hv__client *cl = ctx->client;
	bool progressed = false;
	uint64_t shown = 0;
	int r;

	*rc_r = 0;
	r = send_msg(fd, req->op, seq, req->body, req->body_len, req->fds,
		     req->nr_fds);
	if (r == -EPIPE || r == -ECONNRESET || r == -ENOTCONN)
		return EX_NOT_SENT;
	if (r < 0) {
		HV__ERR(ctx, "%s: cannot send the request to hvd: %s", what,
			strerror(-r));
		*rc_r = HV_ERROR_DAEMON;
		return EX_OK;
	}
	for (;;) {
		long left = deadline - now_ms();

		r = recv_msg(fd, m, left > 0 ? (int)left : 0);
		if (r == -EPIPE || r == -ECONNRESET)
			return EX_LOST;
		if (r == -EPROTO) {
			HV__WARN(ctx, "%s: ignored a malformed message from hvd",
				 what);
			continue;
		}
		if (r == -ETIMEDOUT) {
			if (progressed)
				HV__ERR(ctx, "%s: no progress for %d s (is the domain's hv-vmm stuck? see hvd's log)",
					what, PROGRESS_STALL_MS / 1000);
			else
				HV__ERR(ctx, "%s: hvd did not answer within %d s (is it stuck? see hvd's log)",
					what, REPLY_TIMEOUT_MS / 1000);
			*rc_r = HV_ERROR_TIMEDOUT;
			return EX_OK;
		}
		if (r == -EINTR)
			continue;
		if (r < 0) {
			HV__ERR(ctx, "%s: cannot read hvd's reply: %s", what,
				strerror(-r));
			*rc_r = HV_ERROR_DAEMON;
			return EX_OK;
		}
		if (m->h.flags & HV_HC_F_PROGRESS) {
			if (m->h.seq != seq || m->h.op != req->op) {
				/* of a request that timed out */
				msg_close_fds(m);
				continue;
			}
			take_progress(ctx, req, m, &shown);
			progressed = true;
			deadline = now_ms() + PROGRESS_STALL_MS;
			continue;
		}
		if (!(m->h.flags & HV_HC_F_REPLY)) {
			take_event(ctx, cl, m);
			continue;
		}
		if (m->h.seq != seq) {
			/* the late answer to a request that timed out */
			msg_close_fds(m);
			continue;
		}
		if (m->h.op != req->op) {
			msg_close_fds(m);
			HV__ERR(ctx, "%s: hvd answered operation %u to request %u (restart hvd)",
				what, (unsigned int)m->h.op, (unsigned int)req->op);
			*rc_r = HV_ERROR_PROTOCOL;
			return EX_OK;
		}
		return EX_OK;
	}
}

/* Store the reply of @m as @req asks; fds it does not want are closed. */
static int take_reply(hv_ctx *ctx, const struct hv__req *req, const char *what,
		      struct msg *m)
{
	size_t body = m->len - sizeof(struct hv_hc_hdr);
	int rc = 0;

	if (req->reply)
		hcmsg_body(m->buf, m->len, req->reply, req->reply_len);
	if (req->tail_r) {
		size_t fixed = req->reply_len;
		size_t n = body > fixed ? body - fixed : 0;
		char *t = malloc(n + 1);

		if (!t) {
			rc = HV_ERROR_NOMEM;
			goto out;
		}
		memcpy(t, m->buf + sizeof(struct hv_hc_hdr) + fixed, n);
		t[n] = '\0';
		*req->tail_r = t;
		*req->tail_len_r = n;
	}
	if (req->fd_r) {
		if (m->nr_fds != 1) {
			HV__ERR(ctx, "%s: hvd's reply carried %u descriptors instead of 1 (restart hvd)",
				what, m->nr_fds);
			rc = HV_ERROR_PROTOCOL;
			goto out;
		}
		*req->fd_r = m->fds[0];
		m->nr_fds = 0;
	}
out:
	msg_close_fds(m);
	return rc;
}

/* hvd's refusal in the failed reply @m (checked by hcmsg_check()). */
static void status_from_msg(const struct msg *m, struct hv__status *st)
{
	const char *msg = hcmsg_errmsg(m->buf, m->len);
	int32_t status = m->h.status;

	/* a positive or absurd status from a broken hvd: "unknown" */
	st->code = status < 0 && status > -0x10000 ? -status : 0xffff;
	snprintf(st->msg, sizeof(st->msg), "%s", msg ? msg : "");
}

int hv__call(hv_ctx *ctx, const struct hv__req *req, const char *what,
	     struct hv__status *st_r)
{
	struct hv__client *cl = ctx->client;
	struct msg *m = malloc(sizeof(*m));
	enum exchange_result ex;
	int rc = 0, attempts = 0;

	st_r->code = 0;
	st_r->msg[0] = '\0';
	if (req->fd_r)
		*req->fd_r = -1;
	if (req->tail_r) {
		*req->tail_r = NULL;
		*req->tail_len_r = 0;
	}
	if (!m)
		return HV_ERROR_NOMEM;
	pthread_mutex_lock(&cl->req_lock);
	for (;;) {
		if (cl->fd >= 0 && conn_dead(cl->fd)) {
			HV__INFO(ctx, "hvd closed the connection; reconnecting");
			close_fd(&cl->fd);
		}
		if (cl->fd < 0) {
			rc = hvd_connect(ctx);
			if (rc < 0)
				goto out;
			cl->fd = rc;
			rc = 0;
		}
		cl->seq = cl->seq + 1 ? cl->seq + 1 : 1;
		ex = exchange(ctx, cl->fd, cl->seq, req, what, m, &rc);
		if (ex == EX_OK)
			break;
		close_fd(&cl->fd);
		if (attempts++ ||
		    (ex == EX_LOST && !req->retry_safe)) {
			HV__ERR(ctx, "%s: hvd went away before answering; the operation may or may not have happened (check with xl list; see hvd's log for why it stopped)",
				what);
			rc = HV_ERROR_DAEMON;
			goto out;
		}
		HV__INFO(ctx, "%s: hvd went away; reconnecting and asking again",
			 what);
	}
	if (rc)
		goto out;
	if (m->h.status) {
		msg_close_fds(m);
		status_from_msg(m, st_r);
		rc = hv__hc_error(st_r->code);
		goto out;
	}
	rc = take_reply(ctx, req, what, m);
out:
	pthread_mutex_unlock(&cl->req_lock);
	free(m);
	return rc;
}

/* --- events ---------------------------------------------------------- */

/* (Re)subscribe: a new event connection; called under ev_lock. */
static int ev_subscribe(hv_ctx *ctx, struct hv__client *cl)
{
	struct epoll_event ee = { .events = EPOLLIN };
	struct msg *m = NULL;
	long deadline;
	int fd, rc, r;

	if (cl->ev_sock >= 0) {
		epoll_ctl(cl->ev_epoll, EPOLL_CTL_DEL, cl->ev_sock, NULL);
		close_fd(&cl->ev_sock);
	}
	fd = hvd_connect(ctx);
	if (fd < 0)
		return fd;
	m = malloc(sizeof(*m));
	if (!m) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	cl->ev_seq = cl->ev_seq + 1 ? cl->ev_seq + 1 : 1;
	r = send_msg(fd, HV_HC_EVENT_SUBSCRIBE, cl->ev_seq, NULL, 0, NULL, 0);
	if (r < 0) {
		HV__ERR(ctx, "subscribe to events: cannot send to hvd: %s",
			strerror(-r));
		rc = HV_ERROR_DAEMON;
		goto out;
	}
	deadline = now_ms() + REPLY_TIMEOUT_MS;
	for (;;) {
		long left = deadline - now_ms();

		r = recv_msg(fd, m, left > 0 ? (int)left : 0);
		if (r == -EPROTO || r == -EINTR)
			continue;
		if (r == -ETIMEDOUT) {
			HV__ERR(ctx, "subscribe to events: hvd did not answer within %d s (see hvd's log)",
				REPLY_TIMEOUT_MS / 1000);
			rc = HV_ERROR_TIMEDOUT;
			goto out;
		}
		if (r < 0) {
			HV__ERR(ctx, "subscribe to events: hvd closed the connection (see hvd's log)");
			rc = HV_ERROR_DAEMON;
			goto out;
		}
		if (m->h.flags & HV_HC_F_EVENT) {
			struct hv_hc_event body;
			hv_event ev;

			msg_close_fds(m);
			hcmsg_body(m->buf, m->len, &body, sizeof(body));
			if (!hv__event_from_hc(&body, &ev))
				queue_push(ctx, cl, &ev);
			continue;
		}
		msg_close_fds(m);
		if (m->h.seq == cl->ev_seq && m->h.op == HV_HC_EVENT_SUBSCRIBE)
			break;
	}
	if (m->h.status) {
		struct hv__status st;

		status_from_msg(m, &st);
		rc = hv__call_err(ctx, "subscribe to events", &st);
		goto out;
	}
	ee.data.fd = fd;
	if (epoll_ctl(cl->ev_epoll, EPOLL_CTL_ADD, fd, &ee) < 0) {
		HV__ERR(ctx, "subscribe to events: epoll: %s", strerror(errno));
		rc = HV_ERROR_FAIL;
		goto out;
	}
	cl->ev_sock = fd;
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(m);
	return rc;
}

/* Make sure the epoll fd, eventfd and subscription exist (under ev_lock). */
static int ev_setup(hv_ctx *ctx, struct hv__client *cl)
{
	struct epoll_event ee = { .events = EPOLLIN };

	if (cl->ev_epoll < 0) {
		cl->ev_epoll = epoll_create1(EPOLL_CLOEXEC);
		cl->ev_notify = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (cl->ev_epoll < 0 || cl->ev_notify < 0) {
			HV__ERR(ctx, "events: cannot create descriptors: %s",
				strerror(errno));
			close_fd(&cl->ev_epoll);
			close_fd(&cl->ev_notify);
			return HV_ERROR_FAIL;
		}
		ee.data.fd = cl->ev_notify;
		epoll_ctl(cl->ev_epoll, EPOLL_CTL_ADD, cl->ev_notify, &ee);
		if (cl->q_len) {
			uint64_t one = 1;

			if (write(cl->ev_notify, &one, sizeof(one)) < 0)
				return HV_ERROR_FAIL;
		}
	}
	if (cl->ev_sock < 0)
		return ev_subscribe(ctx, cl);
	return 0;
}

int hv__event_fd(hv_ctx *ctx, int *fd_r)
{
	struct hv__client *cl = ctx->client;
	int rc;

	*fd_r = -1;
	pthread_mutex_lock(&cl->ev_lock);
	rc = ev_setup(ctx, cl);
	if (!rc)
		*fd_r = cl->ev_epoll;
	pthread_mutex_unlock(&cl->ev_lock);
	return rc;
}

/* Read what waits on the event connection into the queue (under ev_lock). */
static int ev_drain(hv_ctx *ctx, struct hv__client *cl)
{
	struct msg *m = malloc(sizeof(*m));
	int rc = 0, r;

	if (!m)
		return HV_ERROR_NOMEM;
	while (cl->ev_sock >= 0) {
		r = recv_msg(cl->ev_sock, m, 0);
		if (r == -ETIMEDOUT)
			break;
		if (r == -EPROTO || r == -EINTR)
			continue;
		if (r < 0) {
			HV__WARN(ctx, "hvd closed the event connection; subscribing again (events in between are lost)");
			rc = ev_subscribe(ctx, cl);
			break;
		}
		if (m->h.flags & HV_HC_F_EVENT && m->h.op == HV_HC_EVENT) {
			struct hv_hc_event body;
			hv_event ev;

			hcmsg_body(m->buf, m->len, &body, sizeof(body));
			if (!hv__event_from_hc(&body, &ev))
				queue_push(ctx, cl, &ev);
		}
		msg_close_fds(m);
	}
	free(m);
	return rc;
}

int hv__event_next(hv_ctx *ctx, hv_event *ev_r)
{
	struct hv__client *cl = ctx->client;
	int rc;

	pthread_mutex_lock(&cl->ev_lock);
	rc = ev_setup(ctx, cl);
	if (!rc && !cl->q_len)
		rc = ev_drain(ctx, cl);
	if (!rc)
		rc = queue_pop(cl, ev_r) ? 0 : HV_ERROR_BUSY;
	pthread_mutex_unlock(&cl->ev_lock);
	return rc;
}

int hv__event_wait(hv_ctx *ctx, hv_event *ev_r, int timeout_ms)
{
	struct hv__client *cl = ctx->client;
	long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int rc;

	for (;;) {
		struct pollfd p;
		long left;

		rc = hv__event_next(ctx, ev_r);
		if (rc != HV_ERROR_BUSY)
			return rc;
		left = deadline - now_ms();
		if (timeout_ms >= 0 && left <= 0)
			return HV_ERROR_TIMEDOUT;
		pthread_mutex_lock(&cl->ev_lock);
		p.fd = cl->ev_epoll;
		pthread_mutex_unlock(&cl->ev_lock);
		p.events = POLLIN;
		if (poll(&p, 1, timeout_ms < 0 ? -1 : (int)left) < 0 &&
		    errno != EINTR) {
			HV__ERR(ctx, "waiting for events: %s", strerror(errno));
			return HV_ERROR_FAIL;
		}
	}
}
