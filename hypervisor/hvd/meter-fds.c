/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The files a domain's sample reads (docs/metering.md), held open between
 * samples: opening, reading and closing each file every time costs three
 * system calls where a pread() at offset 0 costs one, and /proc/PID/stat,
 * the cgroup's files and hv-vmm's statistics file are all made anew by
 * such a read.  They are opened on a domain's first sample and let go when
 * its hv-vmm ends (vmm_detach()), when the domain goes, and when a sample
 * finds another hv-vmm (pid and start time) than the one they were opened
 * for.  A held file that fails (its process, cgroup or file went) is
 * opened anew, once, by its path.
 *
 * They are held within a budget (meter_fds_init()), past which a sample
 * opens and closes its files as before; and all are let go for a minute
 * when hvd runs out of descriptors (accept() or a sample's open() says
 * so), so that metering never keeps a client out.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hvd.h"
#include "meter-read.h"

#define METER_FDS_PAUSE_MS	60000	/* none held for this long after running short */

void meter_fds_init(struct hvd *hvd)
{
	struct rlimit rl;
	rlim_t half;

	hvd->meter_nl = -1;
	hvd->meter_fds_max = 0;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	/* the other half for the domains' own (pidfd, control channel, disks, taps) */
	half = rl.rlim_cur == RLIM_INFINITY ? (rlim_t)1 << 20 : rl.rlim_cur / 2;
	if (half > HVD_CONN_MAX)
		hvd->meter_fds_max = half - HVD_CONN_MAX > 1u << 20 ? 1u << 20 :
				     (unsigned int)(half - HVD_CONN_MAX);
}

void meter_fds_none(struct hvd_domain *d)
{
	d->mfds.pid = 0;
	d->mfds.pid_start = 0;
	for (int i = 0; i < METER_NR_FDS; i++)
		d->mfds.fd[i] = -1;
}

static void meter_fds_drop(struct hvd *hvd, struct hvd_domain *d, enum meter_file which)
{
	if (d->mfds.fd[which] < 0)
		return;
	close(d->mfds.fd[which]);
	d->mfds.fd[which] = -1;
	hvd->meter_nfds--;
}

void meter_fds_close(struct hvd *hvd, struct hvd_domain *d)
{
	for (int i = 0; i < METER_NR_FDS; i++)
		meter_fds_drop(hvd, d, (enum meter_file)i);
	d->mfds.pid = 0;
	d->mfds.pid_start = 0;
}

void meter_fds_release(struct hvd *hvd)
{
	bool held = hvd->meter_nfds > 0 || hvd->meter_nl >= 0;

	for (struct hvd_domain *d = hvd->domains; d; d = d->next)
		meter_fds_close(hvd, d);
	meter_link_close(hvd);
	hvd->meter_fds_after = hvd_now_ms() + METER_FDS_PAUSE_MS;
	if (held)
		hvd_err(hvd, "at its descriptor limit: metering holds no files for %d s (raise "
			"hvd's RLIMIT_NOFILE for many domains)", METER_FDS_PAUSE_MS / 1000);
}

/*
 * Opens @path for @which.  The statistics file is written by hv-vmm, whose
 * word it is: it must be hvd's own regular file, not a link (as all that
 * hvd reads back, store.c).  Checked once: a held descriptor keeps its
 * inode, whose type cannot change, and whose owner only root could change.
 */
static int meter_fds_open(enum meter_file which, const char *path)
{
	struct stat st;
	int fd;

	if (which != METER_STATS)
		return meter_open(path);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* The statistics file is read as it is, the kernel's text whole (meter_pread()). */
static ssize_t meter_fds_pread(enum meter_file which, int fd, char *buf, size_t size)
{
	ssize_t n;

	if (which != METER_STATS)
		return meter_pread(fd, buf, size);
	do
		n = pread(fd, buf, size, 0);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

ssize_t meter_fds_read(struct hvd *hvd, struct hvd_domain *d, enum meter_file which,
		       const char *path, char *buf, size_t size)
{
	struct meter_fds *m = &d->mfds;
	ssize_t n;
	int fd;

	/* files of another hv-vmm than the one that runs now are not its own */
	if (m->pid != d->pid || m->pid_start != d->pid_start) {
		meter_fds_close(hvd, d);
		m->pid = d->pid;
		m->pid_start = d->pid_start;
	}
	if (m->fd[which] >= 0) {
		n = meter_fds_pread(which, m->fd[which], buf, size);
		if (n >= 0 || n == -EFBIG)
			return n;
		/* gone with its process, group or file: what the path names now */
		meter_fds_drop(hvd, d, which);
	}
	fd = meter_fds_open(which, path);
	if (fd == -EMFILE || fd == -ENFILE) {
		meter_fds_release(hvd);
		fd = meter_fds_open(which, path);
	}
	if (fd < 0)
		return fd;
	n = meter_fds_pread(which, fd, buf, size);
	if (n >= 0 && d->pid && hvd->meter_nfds < hvd->meter_fds_max &&
	    hvd_now_ms() >= hvd->meter_fds_after) {
		m->fd[which] = fd;
		hvd->meter_nfds++;
	} else {
		close(fd);
	}
	return n;
}
