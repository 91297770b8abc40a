/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A domain's kernel and ramdisk.  hvd keeps a copy of each in the domain's
 * directory ("kernel", "initrd"), for the domain's restarts and for a
 * restarted hvd.  A kernel may be 1 GiB: copied in the event loop it would
 * stall every other client for seconds.  So a thread copies them, while
 * the domain starts at once from the client's own descriptors, whose
 * duplicates hvd holds until the copies are in place (images_fd()).  The
 * thread writes "kernel.tmp" and renames it, so a file named "kernel" is
 * always whole; the loop hears of its end through an eventfd.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "hvd.h"

#define IMAGES_CHUNK	(64ll << 20)	/* copied between looks at the cancel flag */

static const char *const images_name[2] = { "kernel", "initrd" };

struct images_job {
	struct hvd_watch w;		/* the eventfd the thread signals */
	struct hvd_domain *d;		/* NULL once the domain went */
	uint32_t domid;
	int src[2];			/* duplicates of the domain's kept descriptors */
	char *tmp[2], *dst[2];
	atomic_bool cancel;
	int error;			/* errno of the failure, 0 */
	int failed;			/* which image failed */
	uint64_t bytes;
	double ms;
	pthread_t thread;
};

static double images_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Copies @from into a new @tmp, then renames it @dst: 0 or an errno. */
static int images_copy(struct images_job *j, int from, const char *tmp, const char *dst)
{
	char *buf = NULL;
	struct stat st;
	off_t done = 0;
	int to, rc = 0;

	if (fstat(from, &st) < 0)
		return errno;
	to = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (to < 0)
		return errno;
	while (!rc && done < st.st_size) {
		loff_t off = done;
		ssize_t r;

		if (atomic_load(&j->cancel)) {
			rc = ECANCELED;
			break;
		}
		r = copy_file_range(from, &off, to, NULL, st.st_size - done < IMAGES_CHUNK ?
				    st.st_size - done : IMAGES_CHUNK, 0);
		if (r < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
			      errno == EOPNOTSUPP))
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			rc = r < 0 ? errno : EIO;
		else
			done += r;
	}
	if (!rc && done < st.st_size) {
		/* no in-kernel copy between these files: through a buffer */
		buf = malloc(1 << 20);
		if (!buf || ftruncate(to, 0) < 0)
			rc = buf ? errno : ENOMEM;
		for (done = 0; !rc && done < st.st_size;) {
			ssize_t r = pread(from, buf, 1 << 20, done);

			if (atomic_load(&j->cancel)) {
				rc = ECANCELED;
			} else if (r < 0 && errno == EINTR) {
				continue;
			} else if (r < 0) {
				rc = errno;
			} else if (r == 0) {
				rc = EIO;	/* it shrank while copied */
			} else {
				errno = 0;
				if (pwrite(to, buf, r, done) != r)
					rc = errno ? errno : EIO;
				else
					done += r;
			}
		}
	}
	free(buf);
	if (close(to) < 0 && !rc)
		rc = errno;
	if (!rc && rename(tmp, dst) < 0)
		rc = errno;
	if (rc)
		unlink(tmp);
	j->bytes += (uint64_t)done;
	return rc;
}

static void *images_thread(void *arg)
{
	struct images_job *j = arg;
	double t0 = images_now_ms();
	uint64_t one = 1;

	for (int i = 0; i < 2 && !j->error; i++) {
		if (j->src[i] < 0)
			continue;
		j->error = images_copy(j, j->src[i], j->tmp[i], j->dst[i]);
		j->failed = i;
	}
	j->ms = images_now_ms() - t0;
	if (write(j->w.fd, &one, sizeof(one)) < 0) {
		/* the loop then never hears: nothing better to do */
	}
	return NULL;
}

static void images_job_free(struct images_job *j)
{
	for (int i = 0; i < 2; i++) {
		if (j->src[i] >= 0)
			close(j->src[i]);
		free(j->tmp[i]);
		free(j->dst[i]);
	}
	if (j->w.fd >= 0)
		close(j->w.fd);
	free(j);
}

/* In the loop: the thread has ended. */
static void images_done(struct hvd *hvd, struct hvd_watch *w, uint32_t events)
{
	struct images_job *j = (struct images_job *)((char *)w - offsetof(struct images_job, w));
	struct hvd_domain *d = j->d;

	pthread_join(j->thread, NULL);
	hvd_watch_del(hvd, &j->w);
	if (!d) {
		/* the domain went meanwhile: what the thread may have made since goes too */
		hvd_dbg(hvd, "domain %u: stopped copying its kernel: %s", j->domid,
			j->error ? strerror(j->error) : "it was copied");
		store_rmdir(hvd, j->domid);
	} else {
		d->images_job = NULL;
		if (j->error) {
			hvd_err(hvd, "domain %u (%s): cannot keep a copy of its %s in %s: %s; it "
				"runs on from the descriptor hvd holds, but a restarted hvd "
				"cannot restart it", d->domid, d->cfg->name,
				images_name[j->failed], hvd->rundir, strerror(j->error));
		} else {
			for (int i = 0; i < 2; i++) {
				if (d->image_fd[i] >= 0)
					close(d->image_fd[i]);
				d->image_fd[i] = -1;
			}
			hvd_dbg(hvd, "domain %u (%s): kernel%s copied, %llu MiB in %.0f ms",
				d->domid, d->cfg->name, d->has_initrd ? " and ramdisk" : "",
				(unsigned long long)(j->bytes >> 20), j->ms);
		}
	}
	images_job_free(j);
}

/* Starts the thread copying @d's kept descriptors into its directory. */
static int images_start(struct hvd *hvd, struct hvd_domain *d)
{
	struct images_job *j = calloc(1, sizeof(*j));
	sigset_t all, old;
	int rc = -HV_HC_ENOMEM;

	if (!j)
		return rc;
	j->w.fd = -1;
	j->src[0] = j->src[1] = -1;
	for (int i = 0; i < 2; i++) {
		if (d->image_fd[i] < 0)
			continue;
		j->src[i] = fcntl(d->image_fd[i], F_DUPFD_CLOEXEC, 3);
		j->tmp[i] = store_domain_file(hvd, d->domid, i ? "initrd.tmp" : "kernel.tmp");
		j->dst[i] = store_domain_file(hvd, d->domid, images_name[i]);
		if (j->src[i] < 0 || !j->tmp[i] || !j->dst[i])
			goto fail;
	}
	j->w.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	j->w.fn = images_done;
	if (j->w.fd < 0 || hvd_watch_add(hvd, &j->w, EPOLLIN))
		goto fail;
	j->d = d;
	j->domid = d->domid;
	/* the thread takes no signal: the loop's signalfd does */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&j->thread, NULL, images_thread, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		hvd_watch_del(hvd, &j->w);
		rc = -HV_HC_EIO;
		goto fail;
	}
	d->images_job = j;
	return 0;
fail:
	hvd_err(hvd, "domain %u (%s): cannot start copying its kernel: %s", d->domid,
		d->cfg->name, strerror(errno));
	images_job_free(j);
	return rc ? rc : -HV_HC_EIO;
}

int images_keep(struct hvd *hvd, struct hvd_domain *d, int kernel, int ramdisk)
{
	int src[2] = { kernel, ramdisk };

	for (int i = 0; i < 2; i++) {
		d->image_fd[i] = src[i] < 0 ? -1 : fcntl(src[i], F_DUPFD_CLOEXEC, 3);
		if (src[i] >= 0 && d->image_fd[i] < 0) {
			hvd_err(hvd, "domain %u (%s): cannot keep its %s: %s", d->domid,
				d->cfg->name, images_name[i], strerror(errno));
			images_forget(hvd, d);
			return -HV_HC_EIO;
		}
	}
	d->has_kernel = kernel >= 0;
	d->has_initrd = ramdisk >= 0;
	if (kernel < 0 && ramdisk < 0)
		return 0;
	return images_start(hvd, d);
}

int images_fd(struct hvd *hvd, const struct hvd_domain *d, int which)
{
	char *path;
	int fd;

	if (d->image_fd[which] >= 0)
		return fcntl(d->image_fd[which], F_DUPFD_CLOEXEC, 3);
	path = store_domain_file(hvd, d->domid, images_name[which]);
	if (!path) {
		errno = ENOMEM;
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(path);
	return fd;
}

bool images_pending(const struct hvd_domain *d)
{
	return d->image_fd[0] >= 0 || d->image_fd[1] >= 0;
}

void images_forget(struct hvd *hvd, struct hvd_domain *d)
{
	if (d->images_job) {
		/* it stops at its next chunk; its files go with the directory */
		atomic_store(&d->images_job->cancel, true);
		d->images_job->d = NULL;
		d->images_job = NULL;
	}
	for (int i = 0; i < 2; i++) {
		if (d->image_fd[i] >= 0)
			close(d->image_fd[i]);
		d->image_fd[i] = -1;
	}
}
