/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One hv-vmm per domain: spawning it, its control channel, watching its
 * process.  hvd is not always the parent of the hv-vmm it watches (a
 * restarted hvd inherits running ones), so the end of a domain is seen
 * through a pidfd and its reason read from the exit file hv-vmm writes;
 * children this hvd spawned are also reaped, so none is left a zombie.
 *
 * Files in the domain's directory (see docs/hypercall-abi.md): kernel,
 * initrd, control.sock and console.sock (hv-vmm listens on both), exit.
 * hv-vmm's first request on its control channel, BUILD or RESTORE, gives
 * it the domain's description and the descriptors it runs it with: the
 * kernel and ramdisk (or the image), then the disks hvd keeps (disk.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "wire/fdpass.h"
#include "wire/vmmmsg.h"
#include "hvd.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

extern char **environ;

/* The descriptors hv-vmm is started with, besides stdin, stdout, stderr. */
enum { VMM_FD_CONLOG = 3, VMM_FD_CONTROL, VMM_FD_STATS, VMM_FD_NETNS };

/* What starts each hv-vmm's part of its log. */
#define VMM_LOG_MARK "--- hvd: domain "


static struct hvd_domain *vmm_domain_of_pid(struct hvd_watch *w)
{
	return (struct hvd_domain *)((char *)w - offsetof(struct hvd_domain, pidw));
}

static struct hvd_domain *vmm_domain_of_ctl(struct hvd_watch *w)
{
	return (struct hvd_domain *)((char *)w - offsetof(struct hvd_domain, ctlw));
}

int vmm_proc_stat(pid_t pid, uint64_t *cpu_ns_r, unsigned long long *start_r)
{
	char path[64], buf[1024], *p;
	unsigned long long utime = 0, stime = 0, start = 0;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: skip to the last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	/* field 3 (state) follows; utime is 14, stime 15, starttime 22 */
	for (field = 3, p += 2; *p && field <= 22; field++) {
		if (field == 14)
			utime = strtoull(p, NULL, 10);
		else if (field == 15)
			stime = strtoull(p, NULL, 10);
		else if (field == 22)
			start = strtoull(p, NULL, 10);
		p = strchr(p, ' ');
		if (!p)
			break;
		p++;
	}
	if (field <= 22)
		return -EIO;
	if (cpu_ns_r)
		*cpu_ns_r = (utime + stime) * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK));
	if (start_r)
		*start_r = start;
	return 0;
}

int vmm_signal(struct hvd_domain *d, int sig)
{
	if (d->pidw.fd < 0)
		return -ESRCH;
	return syscall(SYS_pidfd_send_signal, d->pidw.fd, sig, NULL, 0) < 0 ? -errno : 0;
}

int vmm_send_fds(struct hvd *hvd, struct hvd_domain *d, uint16_t op, const void *body,
		 size_t len, const int *fds, size_t nfds, uint32_t *seq_r)
{
	struct hv_vmm_msg m;
	struct iovec iov[2] = { { &m, sizeof(m) }, { (void *)body, len } };
	int r;

	if (d->ctlw.fd < 0 && vmm_connect(hvd, d))
		return -ENOTCONN;
	if (++d->vmm_seq == 0)
		d->vmm_seq = 1;
	r = vmmmsg_header(&m, op, 0, d->vmm_seq, len);
	if (r == 0 && wire_send(d->ctlw.fd, iov, len ? 2 : 1, fds, nfds, MSG_DONTWAIT) < 0)
		r = -errno;
	if (r) {
		hvd_err(hvd, "domain %u (%s): cannot send op %u to its hv-vmm: %s", d->domid,
			d->cfg->name, op, strerror(-r));
		return r;
	}
	if (seq_r)
		*seq_r = m.seq;
	return 0;
}

int vmm_send(struct hvd *hvd, struct hvd_domain *d, uint16_t op, const void *body,
	     size_t len, int fd, uint32_t *seq_r)
{
	return vmm_send_fds(hvd, d, op, body, len, &fd, fd >= 0 ? 1 : 0, seq_r);
}

int vmm_call(struct hvd *hvd, struct hvd_domain *d, uint16_t op, uint32_t *seq_r)
{
	return vmm_send(hvd, d, op, NULL, 0, -1, seq_r);
}

static void vmm_ctl_close(struct hvd *hvd, struct hvd_domain *d)
{
	if (d->ctlw.fd < 0)
		return;
	hvd_watch_del(hvd, &d->ctlw);
	close(d->ctlw.fd);
	d->ctlw.fd = -1;
}

static void vmm_on_ctl(struct hvd *hvd, struct hvd_watch *w, uint32_t events)
{
	struct hvd_domain *d = vmm_domain_of_ctl(w);

	for (int i = 0; i < 16 && !d->dead && d->ctlw.fd >= 0; i++) {
		uint8_t buf[HV_VMM_MSG_MAX];
		const uint8_t *body = buf + sizeof(struct hv_vmm_msg);
		struct hv_vmm_msg m;
		const void *data;
		size_t len, dlen;
		int status;
		ssize_t n = recv(d->ctlw.fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			/* the pidfd says whether the domain ended; this only closes */
			hvd_dbg(hvd, "domain %u (%s): control channel closed", d->domid, d->cfg->name);
			vmm_ctl_close(hvd, d);
			d->reconnect_at = hvd_now_ms() + HVD_RECONNECT_MS;
			domain_vmm_reply(hvd, d, 0, 0, -ECONNRESET, NULL, 0);
			return;
		}
		if (vmmmsg_check(buf, (size_t)n, &m)) {
			hvd_err(hvd, "domain %u (%s): malformed message from hv-vmm; ignored",
				d->domid, d->cfg->name);
			continue;
		}
		len = (size_t)n - sizeof(m);
		if (m.flags & HV_VMM_F_EVENT) {
			if (m.op == HV_VMM_EV_RUNNING) {
				domain_vmm_ready(hvd, d);
			} else if (m.op == HV_VMM_EV_PROGRESS &&
				   len >= sizeof(struct hv_vmm_progress)) {
				struct hv_vmm_progress p;

				memcpy(&p, body, sizeof(p));
				domain_vmm_progress(hvd, d, p.done, p.total);
			} else if (m.op == HV_VMM_EV_EXIT && len >= sizeof(struct hv_vmm_exit)) {
				struct hv_vmm_exit e;

				memcpy(&e, body, sizeof(e));
				d->exit_reason = (int)e.reason;
			} else if (m.op == HV_VMM_EV_DISK_EJECTED) {
				op_disk_ejected(hvd, d, body, len);
			} else if (m.op == HV_VMM_EV_BALLOON) {
				op_mem_balloon(hvd, d, body, len);
			} else if (m.op == HV_VMM_EV_MIGRATE) {
				op_migrate_progress(hvd, d, body, len);
			} else if (m.op == HV_VMM_EV_NET_EJECTED) {
				op_nic_ejected(hvd, d, body, len);
			}
			continue;
		}
		if (!(m.flags & HV_VMM_F_REPLY) || vmmmsg_reply(body, len, &status, &data, &dlen))
			continue;
		domain_vmm_reply(hvd, d, m.op, m.seq, status, data, dlen);
	}
}

/* Says so when the jail's seccomp filter stopped hv-vmm (its exit status). */
static void vmm_check_seccomp(struct hvd *hvd, struct hvd_domain *d)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (!d->child || waitid(P_PIDFD, d->pidw.fd, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
	    !si.si_pid || si.si_code != CLD_EXITED || si.si_status != HV_VMM_EXIT_SECCOMP)
		return;
	snprintf(d->vmm_error, sizeof(d->vmm_error), "its jail's seccomp filter stopped it for a "
		 "system call it may not make (a bug in hv-vmm, or an attack); see %s/vmm-%s.log",
		 hvd->logdir, d->cfg->name);
	hvd_err(hvd, "domain %u (%s): hv-vmm (pid %d) was stopped by its jail's seccomp filter",
		d->domid, d->cfg->name, (int)d->pid);
	vmm_log_tail(hvd, d);
}

static void vmm_on_pid(struct hvd *hvd, struct hvd_watch *w, uint32_t events)
{
	struct hvd_domain *d = vmm_domain_of_pid(w);

	if (d->dead)
		return;
	vmm_check_seccomp(hvd, d);
	/* read whatever the control channel still holds (the EXIT event) */
	if (d->ctlw.fd >= 0)
		vmm_on_ctl(hvd, &d->ctlw, EPOLLIN);
	if (!d->dead) {
		meter_vmm_ending(hvd, d);
		domain_vmm_gone(hvd, d);
	}
}

static int vmm_ctl_watch(struct hvd *hvd, struct hvd_domain *d, int fd)
{
	d->ctlw.fd = fd;
	d->ctlw.fn = vmm_on_ctl;
	if (hvd_watch_add(hvd, &d->ctlw, EPOLLIN)) {
		close(fd);
		d->ctlw.fd = -1;
		return -1;
	}
	return 0;
}

int vmm_connect(struct hvd *hvd, struct hvd_domain *d)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char *path = store_domain_file(hvd, d->domid, "control.sock");
	int fd = -1, rc = -1;

	if (!d->pid || !path || strlen(path) >= sizeof(a.sun_path))
		goto out;
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		hvd_err(hvd, "domain %u (%s): cannot connect to its hv-vmm at %s: %s", d->domid,
			d->cfg->name, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	rc = vmm_ctl_watch(hvd, d, fd);
	if (rc == 0)
		d->reconnect_at = 0;
out:
	free(path);
	return rc;
}

/* Watches a running hv-vmm whose pid is in d->pid (a restarted hvd). */
int vmm_attach(struct hvd *hvd, struct hvd_domain *d)
{
	unsigned long long start = 0;
	int fd = (int)syscall(SYS_pidfd_open, d->pid, 0);

	if (fd < 0)
		return -errno;
	/* the pid may have been reused since: compare its start time */
	if (vmm_proc_stat(d->pid, NULL, &start) || start != d->pid_start) {
		close(fd);
		return -ESRCH;
	}
	d->pidw.fd = fd;
	d->pidw.fn = vmm_on_pid;
	d->child = false;
	if (hvd_watch_add(hvd, &d->pidw, EPOLLIN)) {
		close(fd);
		d->pidw.fd = -1;
		return -EIO;
	}
	cgroup_found(hvd, d);
	return 0;
}

void vmm_detach(struct hvd *hvd, struct hvd_domain *d)
{
	static const char *const files[] = { "control.sock", "console.sock", "exit", "exit.tmp" };

	vmm_ctl_close(hvd, d);
	if (d->pidw.fd >= 0) {
		if (d->child) {
			siginfo_t si;

			memset(&si, 0, sizeof(si));
			waitid(P_PIDFD, d->pidw.fd, &si, WEXITED | WNOHANG);
		}
		hvd_watch_del(hvd, &d->pidw);
		close(d->pidw.fd);
		d->pidw.fd = -1;
	}
	/* a killed hv-vmm leaves its sockets */
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *p = store_domain_file(hvd, d->domid, files[i]);

		if (p)
			unlink(p);
		free(p);
	}
	d->pid = 0;
	d->pid_start = 0;
	d->child = false;
	d->reconnect_at = 0;
	/* its /proc files, its cgroup's (removed next) and its statistics file */
	meter_fds_close(hvd, d);
}

/* hv-vmm's exit status from its exit file, or -1 if it wrote none. */
int vmm_exit_status(struct hvd *hvd, const struct hvd_domain *d)
{
	char *path = store_domain_file(hvd, d->domid, "exit");
	char buf[32];
	int fd, status = -1;
	ssize_t n;

	if (!path)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			char *end;
			long v;

			buf[n] = '\0';
			v = strtol(buf, &end, 10);
			if (end != buf && (*end == '\n' || *end == '\0') && v >= 0 && v <= 255)
				status = (int)v;
		}
		close(fd);
	}
	free(path);
	return status;
}

static char *vmm_log_path(struct hvd *hvd, const struct hvd_domain *d)
{
	return hvd_path("%s/vmm-%s.log", hvd->logdir, d->cfg->name);
}

/* Copies the end of hv-vmm's stderr into hvd's log, where a failed build is explained. */
void vmm_log_tail(struct hvd *hvd, const struct hvd_domain *d)
{
	char *path = vmm_log_path(hvd, d);
	char buf[1024];
	off_t size;
	ssize_t n;
	int fd;

	if (!path)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		size = lseek(fd, 0, SEEK_END);
		n = pread(fd, buf, sizeof(buf) - 1, size > (off_t)sizeof(buf) - 1 ?
			  size - (off_t)sizeof(buf) + 1 : 0);
		if (n > 0) {
			char *line, *save = NULL;

			buf[n] = '\0';
			for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
				hvd_err(hvd, "domain %u (%s): hv-vmm: %s", d->domid, d->cfg->name, line);
		}
		close(fd);
	}
	hvd_err(hvd, "domain %u (%s): hv-vmm's messages are in %s", d->domid, d->cfg->name, path);
	free(path);
}

/* Moves @fd to a number of at least 10, so the child's dup2s cannot clobber it. */
static int vmm_high_fd(int fd)
{
	int high;

	if (fd < 0)
		return -1;
	high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return high;
}

/*
 * hv-vmm's first request: BUILD with the description and the images in
 * the domain's directory, or RESTORE with the save image @image_fd.
 */
static int vmm_start_request(struct hvd *hvd, struct hvd_domain *d, bool paused, int image_fd,
			     bool lazy)
{
	void *body = NULL;
	/* the kernel and ramdisk we open, or the image; then hvd's own disk descriptors */
	int fds[2 + HV_DOMAIN_MAX_DISKS + HVD_MAX_NET_FDS], rc = -HV_HC_EIO;
	size_t nfds = 0, len, base;

	_Static_assert(2 + HV_DOMAIN_MAX_DISKS + HVD_MAX_NET_FDS <= WIRE_MAX_FDS,
		       "BUILD carries the kernel, the ramdisk, every disk and every tap");
	if (disk_ensure(hvd, d) || net_ensure(hvd, d))
		return -HV_HC_EIO;
	if (image_fd >= 0) {
		struct hv_vmm_restore r = {
			.flags = (paused ? HV_VMM_RESTORE_PAUSED : 0) |
				 (lazy ? HV_VMM_RESTORE_LAZY : 0),
			/* what the image must hold: the description's machine */
			.vcpus = d->cfg->vcpus,
			.memory_mib = d->cfg->memory_mib,
		};

		/* the description says the disks, whose descriptors follow the image */
		body = vmmmsg_restore_body(&r, d->restore_key, d->json, d->json_len, &len);
		if (!body)
			return -HV_HC_ENOMEM;
		fds[0] = image_fd;
		memcpy(fds + 1, d->disk_fds, d->nr_disk_fds * sizeof(int));
		memcpy(fds + 1 + d->nr_disk_fds, d->net_fds, d->nr_net_fds * sizeof(int));
		rc = vmm_send_fds(hvd, d, HV_VMM_OP_RESTORE, body, len, fds,
				  1 + d->nr_disk_fds + d->nr_net_fds, NULL) ? -HV_HC_EIO : 0;
		if (d->restore_key)	/* a sealed image's key: sent, and kept nowhere */
			explicit_bzero(body, len);
		free(body);
		return rc;
	}
	if (!d->has_kernel) {
		hvd_err(hvd, "domain %u (%s): it has no kernel to boot (it was restored without "
			"one)", d->domid, d->cfg->name);
		return -HV_HC_EIO;
	}
	fds[0] = fds[1] = -1;
	body = vmmmsg_build_body((paused ? HV_VMM_BUILD_PAUSED : 0) |
				 (d->has_initrd ? HV_VMM_BUILD_RAMDISK : 0), d->json, d->json_len, &len);
	if (!body)
		goto out;
	fds[nfds++] = images_fd(hvd, d, 0);
	if (d->has_initrd)
		fds[nfds++] = images_fd(hvd, d, 1);
	if (fds[0] < 0 || (d->has_initrd && fds[1] < 0)) {
		hvd_err(hvd, "domain %u (%s): cannot open its kernel or initrd in %s/domains/%u: %s",
			d->domid, d->cfg->name, hvd->rundir, d->domid, strerror(errno));
		goto out;
	}
	base = nfds;
	memcpy(fds + base, d->disk_fds, d->nr_disk_fds * sizeof(int));
	memcpy(fds + base + d->nr_disk_fds, d->net_fds, d->nr_net_fds * sizeof(int));
	if (vmm_send_fds(hvd, d, HV_VMM_OP_BUILD, body, len, fds,
			 base + d->nr_disk_fds + d->nr_net_fds, NULL) == 0)
		rc = 0;
out:
	/* the disks' stay hvd's */
	wire_close_fds(fds, nfds);
	free(body);
	return rc;
}

/*
 * The domain's statistics file (public/vmm.h), new and zeroed for each
 * hv-vmm: a descriptor, or -1 after saying why (the domain then runs with
 * its disks not counted).
 */
static int vmm_stats_file(struct hvd *hvd, struct hvd_domain *d)
{
	char *path = store_domain_file(hvd, d->domid, "stats");
	int fd = -1;

	if (!path)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT)
		goto fail;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, HV_VMM_STATS_SIZE) < 0)
		goto fail;
	free(path);
	return fd;
fail:
	hvd_err(hvd, "domain %u (%s): cannot make its statistics file %s: %s; its disks are "
		"not counted", d->domid, d->cfg->name, path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(path);
	return -1;
}

/* /etc/subuid or /etc/subgid's "name:first:count" ranges: one that meets [lo, hi). */
static bool vmm_subid_clash(const char *path, uint64_t lo, uint64_t hi, char *who, size_t size,
			    uint64_t *first_r, uint64_t *count_r)
{
	FILE *f = fopen(path, "re");
	char line[512];
	bool clash = false;

	if (!f)
		return false;
	while (!clash && fgets(line, sizeof(line), f)) {
		unsigned long long first, count;
		char name[256];

		if (sscanf(line, "%255[^:]:%llu:%llu", name, &first, &count) != 3 || !count)
			continue;
		if (first < hi && first + count > lo) {
			snprintf(who, size, "%s", name);
			*first_r = first;
			*count_r = count;
			clash = true;
		}
	}
	fclose(f);
	return clash;
}

/*
 * The jail's uids and gids must be no one else's: an hv-vmm running as a
 * uid the host gives a user could be signalled or traced by that user, and
 * could reach that user's files.  A root hvd checks its range (--jail-uids)
 * against the users and groups the host knows and against the ranges it
 * delegates to containers (/etc/subuid, /etc/subgid), and refuses to start
 * where they meet.  Returns 0, or -1 with the clash on stderr.
 */
int vmm_jail_check_ids(const struct hvd *hvd)
{
	uint64_t lo = hvd->jail_uid_base, hi = lo + hvd->jail_uids, first, count;
	const char *kind = NULL, *src = NULL;
	char who[256] = "";
	unsigned long long id = 0;
	struct passwd *pw;
	struct group *gr;

	if (!hvd->jail || geteuid() != 0)
		return 0;
	setpwent();
	while ((pw = getpwent()))
		if ((pw->pw_uid >= lo && pw->pw_uid < hi) || (pw->pw_gid >= lo && pw->pw_gid < hi)) {
			snprintf(who, sizeof(who), "%s", pw->pw_name);
			id = pw->pw_uid >= lo && pw->pw_uid < hi ? pw->pw_uid : pw->pw_gid;
			kind = pw->pw_uid >= lo && pw->pw_uid < hi ? "uid" : "primary gid";
			src = "user";
			break;
		}
	endpwent();
	if (!kind) {
		setgrent();
		while ((gr = getgrent()))
			if (gr->gr_gid >= lo && gr->gr_gid < hi) {
				snprintf(who, sizeof(who), "%s", gr->gr_name);
				id = gr->gr_gid;
				kind = "gid";
				src = "group";
				break;
			}
		endgrent();
	}
	if (kind) {
		fprintf(stderr, "hvd: the jail's uids and gids %" PRIu64 "-%" PRIu64
			" include %s %llu of %s \"%s\": give jailed hv-vmms a range no user or group "
			"has (--jail-uids BASE:COUNT or HV_JAIL_UIDS; see hvd(8))\n",
			lo, hi - 1, kind, id, src, who);
		return -1;
	}
	if (vmm_subid_clash("/etc/subuid", lo, hi, who, sizeof(who), &first, &count))
		src = "/etc/subuid";
	else if (vmm_subid_clash("/etc/subgid", lo, hi, who, sizeof(who), &first, &count))
		src = "/etc/subgid";
	if (src) {
		fprintf(stderr, "hvd: the jail's uids and gids %" PRIu64 "-%" PRIu64
			" meet %s's range %" PRIu64 ":%" PRIu64 " of \"%s\" (ids its containers "
			"run as): give jailed hv-vmms a range no one has (--jail-uids BASE:COUNT or "
			"HV_JAIL_UIDS; see hvd(8))\n", lo, hi - 1, src, first, count, who);
		return -1;
	}
	return 0;
}

/* The descriptors hv-vmm is started with, by number: stdin to --jail-netns-fd. */
#define VMM_NR_FDS (VMM_FD_NETNS + 1)

/*
 * Making a network namespace costs a jailed hv-vmm's start about a
 * millisecond, and namespaces are made and torn down one at a time
 * host-wide.  A root hvd's hv-vmms join one instead, empty (a loopback that
 * is down), made here once: none of them may make a socket (the jail's
 * filter), so sharing it gives them no channel to each other.
 */
void vmm_jail_init(struct hvd *hvd)
{
	char path[64], b;
	int p[2];
	pid_t pid;

	if (!hvd->jail || geteuid() != 0)
		return;
	if (pipe2(p, O_CLOEXEC) < 0)
		goto fail;
	pid = fork();
	if (pid == 0) {
		/* hold the namespace until hvd has opened it, then be killed */
		b = unshare(CLONE_NEWNET) < 0 ? 'E' : 'R';
		if (write(p[1], &b, 1) < 0)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &b, 1) != 1 || b != 'R') {
		close(p[0]);
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		goto fail;
	}
	close(p[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	/* above the numbers hv-vmm's descriptors are given (vmm_child_main()) */
	hvd->jail_netns = vmm_high_fd(open(path, O_RDONLY | O_CLOEXEC));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (hvd->jail_netns >= 0)
		return;
fail:
	hvd_info(hvd, "cannot make the jail's network namespace (%s): each hv-vmm makes its own",
		 strerror(errno));
}

struct vmm_child {
	const char *path;
	char *const *argv;
	const int *map;		/* what becomes descriptor i (-1: nothing) */
	bool userns;		/* in a user namespace: map our uid and gid to root */
	char uid_map[32], gid_map[32];
	int error;		/* why the exec failed */
};

/* In the child: writes @text to @path. */
static int vmm_child_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/*
 * The child, sharing hvd's memory until it execs (CLONE_VM | CLONE_VFORK),
 * so it only makes system calls: its descriptors, its own session, every
 * signal back to its default and unblocked.
 */
static int vmm_child_main(void *arg)
{
	struct vmm_child *c = arg;
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
	sigset_t none;

	/* a per-user hvd's: root of its own user namespace, hvd's uid outside */
	if (c->userns && (vmm_child_write("/proc/self/setgroups", "deny") ||
			  vmm_child_write("/proc/self/uid_map", c->uid_map) ||
			  vmm_child_write("/proc/self/gid_map", c->gid_map)))
		goto fail;
	for (int i = 0; i < VMM_NR_FDS; i++)
		if (c->map[i] >= 0 && dup2(c->map[i], i) < 0)
			goto fail;
	if (setsid() < 0)
		goto fail;
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &old) < 0)
			continue;
		/* hvd's SIGPIPE is ignored: hv-vmm's is not */
		if (old.sa_handler != SIG_DFL)
			sigaction(sig, &dfl, NULL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(c->path, c->argv, environ);
fail:
	c->error = errno;
	_exit(127);
}

/*
 * Starts hv-vmm: in a PID namespace of its own when @jail (it makes the
 * rest of its jail itself: hypervisor/vmm/jail.c), and when hvd is not
 * root, in a user namespace of its own too, where hvd's uid and gid are
 * root (hv-vmm --jail self drops what that gives).  With @map's
 * descriptors.  0 with its pid and a pidfd, or an errno.
 */
static int vmm_clone(struct hvd *hvd, char *const *argv, const int *map, bool jail,
		     pid_t *pid_r, int *pidfd_r)
{
	struct vmm_child c = { .path = hvd->vmm_path, .argv = argv, .map = map,
			       .userns = jail && geteuid() != 0 };
	size_t stack_size = 64 * 1024;
	char *stack = malloc(stack_size);
	sigset_t all, old;
	int pidfd = -1;
	pid_t pid;

	if (!stack)
		return ENOMEM;
	/* no hvd handler may run in the child, which shares hvd's memory */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	snprintf(c.uid_map, sizeof(c.uid_map), "0 %u 1\n", (unsigned int)geteuid());
	snprintf(c.gid_map, sizeof(c.gid_map), "0 %u 1\n", (unsigned int)getegid());
	pid = clone(vmm_child_main, stack + stack_size, CLONE_VM | CLONE_VFORK | CLONE_PIDFD |
		    (jail ? CLONE_NEWPID : 0) | (c.userns ? CLONE_NEWUSER : 0) | SIGCHLD,
		    &c, &pidfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(stack);
	if (pid < 0)
		return errno;
	if (c.error) {
		waitpid(pid, NULL, 0);
		close(pidfd);
		return c.error;
	}
	*pid_r = pid;
	*pidfd_r = pidfd;
	return 0;
}

int vmm_spawn(struct hvd *hvd, struct hvd_domain *d, bool paused, int image_fd, bool lazy)
{
	char *ctl = store_domain_file(hvd, d->domid, "control.sock");
	char *con = store_domain_file(hvd, d->domid, "console.sock");
	char *exitf = store_domain_file(hvd, d->domid, "exit");
	char *conlog = hvd_path("%s/console/%s.log", hvd->logdir, d->cfg->name);
	char *vmmlog = vmm_log_path(hvd, d);
	char fdl[16], fdc[16], fdst[16], fdns[16], logmax[24], jail[32];
	int lfd = -1, efd = -1, nullfd = -1, sfd = -1, sv[2] = { -1, -1 }, pidfd = -1;
	const char *argv[32];	/* every option below, and the NULL */
	int argc = 0, rc = -HV_HC_EIO, r;
	bool jailed = hvd->jail;
	pid_t pid = 0;

	if (!ctl || !con || !exitf || !conlog || !vmmlog)
		goto out;
	unlink(exitf);
	d->vmm_error[0] = '\0';
	/* read-write: hv-vmm keeps the newest half when it is full */
	lfd = vmm_high_fd(open(conlog, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
	efd = vmm_high_fd(open(vmmlog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
	nullfd = vmm_high_fd(open("/dev/null", O_RDWR | O_CLOEXEC));
	sfd = vmm_high_fd(vmm_stats_file(hvd, d));
	if (lfd < 0 || efd < 0 || nullfd < 0) {
		hvd_err(hvd, "domain %u (%s): cannot open %s or %s: %s (check HV_LOGDIR)",
			d->domid, d->cfg->name, conlog, vmmlog, strerror(errno));
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		hvd_err(hvd, "domain %u (%s): cannot create its control channel: %s", d->domid,
			d->cfg->name, strerror(errno));
		goto out;
	}
	sv[1] = vmm_high_fd(sv[1]);
	if (sv[1] < 0 || fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0)
		goto out;
	dprintf(efd, VMM_LOG_MARK "%u (%s) %s hv-vmm at %llu\n", d->domid, d->cfg->name,
		image_fd >= 0 ? "restoring with" : "starting", (unsigned long long)time(NULL));

	snprintf(fdl, sizeof(fdl), "%d", VMM_FD_CONLOG);
	snprintf(fdc, sizeof(fdc), "%d", VMM_FD_CONTROL);
	argv[argc++] = hvd->vmm_path;
	argv[argc++] = "run";
	argv[argc++] = "--console";
	argv[argc++] = "none";
	argv[argc++] = "--console-log-fd";
	argv[argc++] = fdl;
	snprintf(logmax, sizeof(logmax), "%llu", (unsigned long long)hvd->console_log_max);
	argv[argc++] = "--console-log-max";
	argv[argc++] = logmax;
	argv[argc++] = "--console-socket";
	argv[argc++] = con;
	argv[argc++] = "--control-fd";
	argv[argc++] = fdc;
	argv[argc++] = "--control-socket";
	argv[argc++] = ctl;
	argv[argc++] = "--exit-file";
	argv[argc++] = exitf;
	if (sfd >= 0) {
		snprintf(fdst, sizeof(fdst), "%d", VMM_FD_STATS);
		argv[argc++] = "--stats-fd";
		argv[argc++] = fdst;
	}
	argv[argc++] = "--name";
	argv[argc++] = d->cfg->name;

	if (jailed && hvd->jail_netns >= 0) {
		snprintf(fdns, sizeof(fdns), "%d", VMM_FD_NETNS);
		argv[argc++] = "--jail-netns-fd";
		argv[argc++] = fdns;
	}
	if (jailed) {
		uint32_t uid = hvd->jail_uid_base + d->domid % hvd->jail_uids;

		/* a per-user hvd's keep the user's uid */
		if (geteuid() != 0)
			snprintf(jail, sizeof(jail), "self");
		else
			snprintf(jail, sizeof(jail), "%u:%u", uid, uid);
		argv[argc++] = "--jail";
		argv[argc++] = jail;
	}
	_Static_assert(sizeof(argv) / sizeof(argv[0]) >= 26, "hv-vmm's options, jail's included");
	argv[argc] = NULL;
	{
		int map[VMM_NR_FDS] = { nullfd, nullfd, efd, lfd, sv[1], sfd,
					 jailed ? hvd->jail_netns : -1 };

		r = vmm_clone(hvd, (char *const *)argv, map, jailed, &pid, &pidfd);
	}
	if (r) {
		hvd_err(hvd, "domain %u (%s): cannot start %s: %s (set HV_VMM to the hv-vmm binary)",
			d->domid, d->cfg->name, hvd->vmm_path, strerror(r));
		goto out;
	}
	d->pid = pid;
	d->child = true;
	/* before BUILD or RESTORE: the vCPU threads it makes then inherit it */
	vcpu_apply_cpus(hvd, d);
	d->exit_reason = -1;
	d->pidw.fd = pidfd;
	d->pidw.fn = vmm_on_pid;
	if (hvd_watch_add(hvd, &d->pidw, EPOLLIN)) {
		hvd_err(hvd, "domain %u (%s): cannot watch its hv-vmm (pid %d): %s", d->domid,
			d->cfg->name, (int)pid, strerror(errno));
		if (d->pidw.fd >= 0)
			close(d->pidw.fd);
		d->pidw.fd = -1;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		d->pid = 0;
		goto out;
	}
	vmm_proc_stat(pid, NULL, &d->pid_start);
	/* before BUILD or RESTORE: the guest's RAM is all allocated after it */
	cgroup_attach(hvd, d, pid);
	d->mem_ram_kib = 0;
	d->mem_current_kib = 0;
	d->mem_features = 0;
	d->mem_deadline = 0;
	d->mem_flags = 0;
	if (vmm_ctl_watch(hvd, d, sv[0])) {
		sv[0] = -1;
		hvd_err(hvd, "domain %u (%s): cannot watch its control channel", d->domid,
			d->cfg->name);
		vmm_signal(d, SIGKILL);
		/* the pidfd reports the end; the caller treats it as a failed start */
		rc = 0;
		goto out;
	}
	sv[0] = -1;
	if (vmm_start_request(hvd, d, paused, image_fd, lazy)) {
		vmm_signal(d, SIGKILL);
		/* the pidfd reports the end; the caller treats it as a failed start */
		snprintf(d->vmm_error, sizeof(d->vmm_error), "hvd could not send it the domain "
			 "(see hvd's log)");
		rc = 0;
		goto out;
	}
	hvd_info(hvd, "domain %u (%s): hv-vmm pid %d, %llu MiB, %u vCPU(s)%s%s", d->domid,
		 d->cfg->name, (int)pid, (unsigned long long)d->cfg->memory_mib, d->cfg->vcpus,
		 image_fd < 0 ? "" : lazy ? ", restoring lazily" : ", restoring",
		 paused ? ", paused" : "");
	rc = 0;
out:
	{
		int fds[] = { lfd, efd, nullfd, sfd, sv[0], sv[1] };

		for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	free(ctl);
	free(con);
	free(exitf);
	free(conlog);
	free(vmmlog);
	return rc;
}
