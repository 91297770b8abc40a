/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hvd [--foreground] [-v]: the hv control daemon (see hvd(8)).
 *
 * Start-up order: runtime and log directories, the lock (a second hvd
 * exits 0 here), the log, daemonising, the domain table from disk, the pid
 * file, and last the socket, so a client that can connect finds an hvd
 * that knows every domain.  The process that was started exits only when
 * the daemon is ready, so a starter can wait for it and then connect.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "hvd.h"

/* the longest socket path under the runtime directory */
#define MAIN_LONGEST_SOCKET "/domains/4294967295/control.sock"

int64_t hvd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *hvd_path(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : p;
}

int hvd_watch_add(struct hvd *hvd, struct hvd_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(hvd->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0 ? -errno : 0;
}

void hvd_watch_mod(struct hvd *hvd, struct hvd_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (epoll_ctl(hvd->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		hvd_err(hvd, "epoll: cannot change the events of fd %d: %s", w->fd,
			strerror(errno));
}

void hvd_watch_del(struct hvd *hvd, struct hvd_watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(hvd->epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hvd [--foreground] [-v]\n"
		"\n"
		"The hv control daemon: serves the hypercall socket and supervises one\n"
		"hv-vmm per domain.  libhv starts it on demand.\n"
		"\n"
		"  -f, --foreground   do not daemonise; log to stderr too\n"
		"  -v, --verbose      log more\n"
		"  --conn-idle S      drop a client idle for S seconds (default 600;\n"
		"                     0: never); libhv reconnects on its next call\n"
		"  --overcommit PCT   admit domains whose maxmem (and hv-vmm margin)\n"
		"                     add up to PCT%% of the host's RAM (default 100;\n"
		"                     0: no check)\n"
		"  --console-log-max MIB  keep at most MIB of each console log (the\n"
		"                     newest half when full; default 16; 0: no limit)\n"
		"  --jail-uids BASE[:COUNT]  jailed hv-vmms run as uid and gid BASE + the\n"
		"                     domid modulo COUNT (default %u:%u)\n"
		"  --no-jail          run hv-vmms unjailed (for debugging; see hvd(8))\n"
		"  --keep-console-logs  keep a domain's console log when it is destroyed\n"
		"                     (by default it goes with the domain)\n"
		"  -h, --help         this text\n"
		"  -V, --version      the version\n"
		"\n"
		"Environment: HV_RUNDIR (runtime directory, default /run/hv for root,\n"
		"$XDG_RUNTIME_DIR/hv otherwise), HV_LOGDIR (default /var/log/hv for root,\n"
		"$HV_RUNDIR/log otherwise), HV_VMM (the hv-vmm binary, default\n"
		"%s/hv-vmm), HV_JAIL=0 (as --no-jail), HV_JAIL_UIDS (as --jail-uids),\n"
		"HV_KEEP_CONSOLE_LOGS=1 (as --keep-console-logs).\n",
		HVD_JAIL_UID_BASE, HVD_JAIL_UIDS, HV_LIBEXECDIR);
}

/* "BASE[:COUNT]": the jail's uids, none of them root nor past 2^32 - 2. */
static int main_jail_uids(struct hvd *hvd, const char *arg, const char *what)
{
	unsigned long long base, count = HVD_JAIL_UIDS;
	char *end;

	errno = 0;
	base = strtoull(arg, &end, 10);
	if (!errno && end != arg && *end == ':') {
		const char *c = end + 1;

		count = strtoull(c, &end, 10);
		if (end == c)
			errno = EINVAL;
	}
	if (errno || end == arg || *end || *arg == '-' || base == 0 || count == 0 ||
	    base + count > 0xffffffffull) {
		fprintf(stderr, "hvd: %s '%s': give BASE[:COUNT], the first uid (not 0) and "
			"how many (BASE + COUNT below 2^32 - 1)\n", what, arg);
		return -1;
	}
	hvd->jail_uid_base = (uint32_t)base;
	hvd->jail_uids = (uint32_t)count;
	return 0;
}

static int main_options(int argc, char **argv, struct hvd *hvd)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "conn-idle", required_argument, NULL, 'I' },
		{ "overcommit", required_argument, NULL, 'O' },
		{ "console-log-max", required_argument, NULL, 'C' },
		{ "jail-uids", required_argument, NULL, 'J' },
		{ "no-jail", no_argument, NULL, 'N' },
		{ "keep-console-logs", no_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "fvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			hvd->foreground = true;
			break;
		case 'v':
			hvd->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("hvd %s\n", PACKAGE_VERSION);
			exit(0);
		case 'I':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 0 || v > 86400 * 365) {
				fprintf(stderr, "hvd: --conn-idle '%s': give whole seconds, 0 "
					"for no limit\n", optarg);
				return -1;
			}
			hvd->conn_idle_ms = v * 1000;
			break;
		case 'O':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || (*end && strcmp(end, "%")) || v < 0 ||
			    v > 10000) {
				fprintf(stderr, "hvd: --overcommit '%s': give a percentage of the "
					"host's RAM (100: no overcommit; 0: no check)\n", optarg);
				return -1;
			}
			hvd->overcommit_pct = (unsigned int)v;
			break;
		case 'C':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 0 || v > 1 << 20) {
				fprintf(stderr, "hvd: --console-log-max '%s': give MiB (0: no "
					"limit)\n", optarg);
				return -1;
			}
			hvd->console_log_max = (uint64_t)v << 20;
			break;
		case 'J':
			if (main_jail_uids(hvd, optarg, "--jail-uids"))
				return -1;
			break;
		case 'N':
			hvd->jail = false;
			break;
		case 'K':
			hvd->keep_console_logs = true;
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hvd: unexpected argument '%s' (see hvd --help)\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* Like mkdir -p for the last two components at most; keeps existing modes. */
static int main_mkdir(const char *path, mode_t mode)
{
	char *parent, *slash;
	int rc = 0;

	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		goto fail;
	parent = strdup(path);
	if (!parent)
		return -1;
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0755) < 0 && errno != EEXIST)
			rc = -1;
	}
	free(parent);
	if (rc == 0 && (mkdir(path, mode) == 0 || errno == EEXIST))
		return 0;
fail:
	fprintf(stderr, "hvd: cannot create the directory %s: %s (create it or set %s)\n",
		path, strerror(errno), strstr(path, "log") ? "HV_LOGDIR" : "HV_RUNDIR");
	return -1;
}

/*
 * hvd keeps domain state in its runtime directory and acts on it after a
 * restart (it signals the processes named there): the directory must be
 * its own and closed to others, or someone else could plant a domain.
 * @deny: the mode bits no one but hvd may have (077 for the runtime
 * directory, 022 for the log directory, which may be readable).
 */
static int main_own_dir(const char *path, const char *what, const char *env, mode_t deny)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		fprintf(stderr, "hvd: cannot check the %s %s: %s\n", what, path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "hvd: the %s %s is not a directory (a symbolic link or a file): "
			"make it a directory of hvd's own, or set %s\n", what, path, env);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		fprintf(stderr, "hvd: the %s %s belongs to uid %u, not to hvd's uid %u: hvd "
			"uses only a directory of its own (chown it, or set %s to another)\n",
			what, path, (unsigned)st.st_uid, (unsigned)geteuid(), env);
		return -1;
	}
	if (st.st_mode & deny) {
		fprintf(stderr, "hvd: the %s %s has mode %04o: others may %s it; hvd needs it "
			"%04o at most (chmod %04o %s, or set %s to another)\n", what, path,
			(unsigned)(st.st_mode & 07777), deny & 044 ? "read or write" : "write",
			(unsigned)(0777 & ~deny), (unsigned)(0777 & ~deny), path, env);
		return -1;
	}
	return 0;
}

static int main_paths(struct hvd *hvd)
{
	const char *env = getenv("HV_RUNDIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char *p;

	if (env && *env)
		hvd->rundir = strdup(env);
	else if (geteuid() == 0)
		hvd->rundir = strdup("/run/hv");
	else if (xdg && *xdg)
		hvd->rundir = hvd_path("%s/hv", xdg);
	else {
		fprintf(stderr, "hvd: neither HV_RUNDIR nor XDG_RUNTIME_DIR is set: "
			"set one to choose the runtime directory\n");
		return -1;
	}
	env = getenv("HV_LOGDIR");
	if (env && *env)
		hvd->logdir = strdup(env);
	else if (geteuid() == 0)
		hvd->logdir = strdup("/var/log/hv");
	else
		hvd->logdir = hvd_path("%s/log", hvd->rundir);
	env = getenv("HV_VMM");
	hvd->vmm_path = env && *env ? strdup(env) : strdup(HV_LIBEXECDIR "/hv-vmm");
	if (!hvd->rundir || !hvd->logdir || !hvd->vmm_path)
		return -1;
	if (strlen(hvd->rundir) + strlen(MAIN_LONGEST_SOCKET) >= 108) {
		fprintf(stderr, "hvd: the runtime directory %s is too long for Unix socket "
			"paths under it: set HV_RUNDIR to a shorter one\n", hvd->rundir);
		return -1;
	}
	if (main_mkdir(hvd->rundir, 0700) || main_mkdir(hvd->logdir, 0750) ||
	    main_own_dir(hvd->rundir, "runtime directory", "HV_RUNDIR", 077) ||
	    main_own_dir(hvd->logdir, "log directory", "HV_LOGDIR", 022))
		return -1;
	p = hvd_path("%s/domains", hvd->rundir);
	if (!p || main_mkdir(p, 0700) ||
	    main_own_dir(p, "domain directory", "HV_RUNDIR", 077)) {
		free(p);
		return -1;
	}
	free(p);
	p = hvd_path("%s/console", hvd->logdir);
	if (!p || main_mkdir(p, 0750) ||
	    main_own_dir(p, "console log directory", "HV_LOGDIR", 022)) {
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

/* True if an hvd answers on the socket of this runtime directory. */
static bool main_socket_answers(struct hvd *hvd)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char *path = hvd_path("%s/hvd.sock", hvd->rundir);
	bool up = false;
	int fd;

	if (!path || strlen(path) >= sizeof(a.sun_path)) {
		free(path);
		return false;
	}
	strcpy(a.sun_path, path);
	free(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		up = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		close(fd);
	}
	return up;
}

/*
 * 1: this hvd holds the lock, 0: another one serves, -1: error.  A holder
 * that serves no socket is on its way out (or still starting): wait for
 * it, up to 10 s, rather than leave nobody serving.
 */
static int main_lock(struct hvd *hvd)
{
	char *path = hvd_path("%s/hvd.lock", hvd->rundir);
	int rc = -1;

	if (!path)
		return -1;
	hvd->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (hvd->lock_fd < 0) {
		fprintf(stderr, "hvd: cannot open the lock file %s: %s\n", path, strerror(errno));
		goto out;
	}
	for (int tries = 0; flock(hvd->lock_fd, LOCK_EX | LOCK_NB) < 0; tries++) {
		if (errno != EWOULDBLOCK) {
			fprintf(stderr, "hvd: cannot lock %s: %s\n", path, strerror(errno));
			goto out;
		}
		if (main_socket_answers(hvd) || tries == 500) {
			rc = 0;
			goto out;
		}
		usleep(20000);
	}
	rc = 1;
out:
	free(path);
	return rc;
}

/*
 * Double fork: the started process waits on a pipe and exits 0 once the
 * daemon says it is ready (1 if it fails), so its starter knows when to
 * connect.  Returns the pipe's write end in the daemon.
 */
static int main_daemonise(void)
{
	int p[2];
	pid_t pid;
	char c = 0;

	if (pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "hvd: cannot create a pipe: %s\n", strerror(errno));
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "hvd: cannot fork: %s\n", strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		close(p[1]);
		waitpid(pid, NULL, 0);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(c == 'R' ? 0 : 1);
	}
	close(p[0]);
	setsid();
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		_exit(1);
	return p[1];
}

static void main_detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

static int main_pidfile(struct hvd *hvd)
{
	char *path = hvd_path("%s/hvd.pid", hvd->rundir);
	char *tmp = hvd_path("%s/hvd.pid.tmp", hvd->rundir);
	char buf[32];
	int fd = -1, n, rc = -1;

	if (!path || !tmp)
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (fd < 0 || write(fd, buf, n) != n || close(fd) < 0 || rename(tmp, path) < 0) {
		hvd_err(hvd, "cannot write the pid file %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(path);
	free(tmp);
	return rc;
}

static void main_on_signal(struct hvd *hvd, struct hvd_watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			/*
			 * A child we stopped watching (a destroyed domain's
			 * hv-vmm, killed): reap it.  Watched ones are told by
			 * their pidfd, which stays readable after the reap.
			 */
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			continue;
		}
		if (si.ssi_signo == SIGHUP) {
			hvd_info(hvd, "SIGHUP: nothing to reload");
			continue;
		}
		hvd_info(hvd, "stopping on signal %u; the domains run on", si.ssi_signo);
		hvd->quit = true;
	}
}

static int main_signals(struct hvd *hvd)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	hvd->sigw.fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	hvd->sigw.fn = main_on_signal;
	if (hvd->sigw.fd < 0 || hvd_watch_add(hvd, &hvd->sigw, EPOLLIN)) {
		hvd_err(hvd, "cannot set up signal handling: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void main_loop(struct hvd *hvd)
{
	struct epoll_event evs[64];

	while (!hvd->quit) {
		int64_t now = hvd_now_ms();
		int64_t next = domain_tick(hvd, now);
		int64_t snext = server_tick(hvd, now);
		int timeout = -1, n;

		if (snext && (!next || snext < next))
			next = snext;
		if (next)
			timeout = next > now ? (int)(next - now) : 0;
		domain_reap(hvd);
		server_reap(hvd);
		n = epoll_wait(hvd->epfd, evs, 64, timeout);
		if (n < 0 && errno != EINTR) {
			hvd_err(hvd, "epoll_wait: %s; stopping", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct hvd_watch *w = evs[i].data.ptr;

			w->fn(hvd, w, evs[i].events);
		}
		domain_reap(hvd);
		server_reap(hvd);
	}
}

int main(int argc, char **argv)
{
	struct hvd *hvd = calloc(1, sizeof(*hvd));
	int ready_fd = -1, r, status = 1;

	if (!hvd)
		return 1;
	hvd->log_fd = hvd->lock_fd = hvd->epfd = hvd->jail_netns = hvd->meter_nl = -1;
	desc_init(hvd);
	hvd->sigw.fd = hvd->listenw.fd = -1;
	hvd->next_domid = 1;
	hvd->next_conn_id = 1;
	hvd->conn_idle_ms = HVD_CONN_IDLE_MS;
	hvd->overcommit_pct = 100;
	hvd->console_log_max = (uint64_t)HVD_CONSOLE_LOG_MIB << 20;
	hvd->jail = !getenv("HV_JAIL") || strcmp(getenv("HV_JAIL"), "0");
	hvd->keep_console_logs = getenv("HV_KEEP_CONSOLE_LOGS") &&
				 !strcmp(getenv("HV_KEEP_CONSOLE_LOGS"), "1");
	hvd->jail_uid_base = HVD_JAIL_UID_BASE;
	hvd->jail_uids = HVD_JAIL_UIDS;
	if (getenv("HV_JAIL_UIDS") && main_jail_uids(hvd, getenv("HV_JAIL_UIDS"), "HV_JAIL_UIDS"))
		goto out;
	if (main_options(argc, argv, hvd) || vmm_jail_check_ids(hvd) || main_paths(hvd))
		goto out;
	r = main_lock(hvd);
	if (r <= 0) {
		if (r == 0 && hvd->verbose)
			fprintf(stderr, "hvd: another hvd serves %s; exiting\n", hvd->rundir);
		status = r == 0 ? 0 : 1;
		goto out;
	}
	{
		char *log = hvd_path("%s/hvd.log", hvd->logdir);

		if (log)
			/* read too: xl dmesg reads it through hvd (READ_LOG) */
			hvd->log_fd = open(log, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (hvd->log_fd < 0) {
			fprintf(stderr, "hvd: cannot open the log %s: %s (set HV_LOGDIR)\n",
				log ? log : hvd->logdir, strerror(errno));
			free(log);
			goto out;
		}
		free(log);
	}
	if (!hvd->foreground)
		ready_fd = main_daemonise();
	{
		/*
		 * a domain's own descriptors and the files metering holds
		 * (meter-fds.c): allow as many as the hard limit does
		 */
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		meter_fds_init(hvd);
	}
	hvd->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (hvd->epfd < 0) {
		hvd_err(hvd, "cannot create an epoll instance: %s", strerror(errno));
		goto out;
	}
	hvd_info(hvd, "starting: runtime %s, logs %s, hv-vmm %s", hvd->rundir, hvd->logdir,
		 hvd->vmm_path);
	cgroup_init(hvd);
	vmm_jail_init(hvd);
	if (main_signals(hvd) || store_load(hvd) || main_pidfile(hvd) || server_listen(hvd))
		goto out;
	if (ready_fd >= 0) {
		if (write(ready_fd, "R", 1) != 1)
			hvd_err(hvd, "cannot tell the starting process that hvd is ready");
		close(ready_fd);
		ready_fd = -1;
		main_detach_stdio();
	}
	hvd_info(hvd, "ready on %s/hvd.sock", hvd->rundir);
	main_loop(hvd);
	status = 0;
	server_close(hvd);
	{
		char *pidf = hvd_path("%s/hvd.pid", hvd->rundir);

		if (pidf)
			unlink(pidf);
		free(pidf);
	}
out:
	if (status && ready_fd >= 0)
		fprintf(stderr, "hvd: failed to start; see %s/hvd.log\n", hvd->logdir);
	if (ready_fd >= 0)
		close(ready_fd);
	if (hvd->log_fd >= 0)
		close(hvd->log_fd);
	cgroup_fini(hvd);
	free(hvd->rundir);
	free(hvd->cg_base);
	free(hvd->cg_cpu_base);
	free(hvd->logdir);
	free(hvd->vmm_path);
	free(hvd);
	return status;
}
