/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Connecting to hvd: the runtime directory, the socket, and starting hvd
 * on demand when no one answers there.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "client_int.h"

#ifndef HV_SBINDIR
#define HV_SBINDIR "/usr/local/sbin"
#endif

#define START_TIMEOUT_MS 5000
#define START_FAILED_MS 1000

extern char **environ;

long hv__now_ms(void)
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
	deadline = hv__now_ms() + START_TIMEOUT_MS;
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
					deadline = hv__now_ms() + START_FAILED_MS;
			}
		}
		if (hv__now_ms() >= deadline)
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
	hv__close_fd(&errfd);
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
int hv__hvd_connect(hv_ctx *ctx)
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
bool hv__conn_dead(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & (POLLHUP | POLLERR))
		return true;
	return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}
