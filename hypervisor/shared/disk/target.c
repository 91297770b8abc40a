/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "target.h"

bool disk_target_read_only(const hv_disk_spec *d)
{
	return d->access == HV_DISK_ACCESS_RO || d->devtype == HV_DISK_DEVTYPE_CDROM;
}

int disk_target_lock(int fd, bool write, bool *held_rw_r)
{
	struct flock fl = {
		.l_type = write ? F_WRLCK : F_RDLCK,
		.l_whence = SEEK_SET,
		.l_start = 0,
		.l_len = 1,
	};

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno != EAGAIN && errno != EACCES)
		return -errno;
	/* who is in the way: a writer, or readers (when we would write) */
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1 };
	if (held_rw_r)
		*held_rw_r = fcntl(fd, F_OFD_GETLK, &fl) < 0 || fl.l_type != F_RDLCK;
	return -EBUSY;
}

int disk_target_unlock(int fd)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };

	return fcntl(fd, F_OFD_SETLK, &fl) == 0 ? 0 : -errno;
}

int disk_target_open(const hv_disk_spec *d, bool *held_rw_r, char *why, size_t size)
{
	return disk_target_open_lock(d, true, held_rw_r, why, size);
}

int disk_target_open_lock(const hv_disk_spec *d, bool lock, bool *held_rw_r, char *why,
			  size_t size)
{
	bool ro = disk_target_read_only(d);
	int flags = (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY |
		    (d->direct_io_safe ? O_DIRECT : 0);
	bool held_rw = false;
	struct stat st;
	int fd, r;

	fd = open(d->target, flags);
	if (fd < 0) {
		r = -errno;
		if (r == -EINVAL && d->direct_io_safe)
			snprintf(why, size, "%s: its file system cannot do direct I/O (leave direct-io-safe out)",
				 d->target);
		else
			snprintf(why, size, "%s: cannot open it %s: %s (%s)", d->target,
				 ro ? "for reading" : "for reading and writing", strerror(-r),
				 r == -ENOENT ? "check the target in the config" :
				 r == -EACCES || r == -EPERM ? (ro ? "make it readable to you" :
				 "make it readable and writable to you, or give access=ro") :
				 r == -EROFS ? "it is on a read-only file system: give access=ro" :
				 r == -EISDIR ? "give an image file or a block device" :
				 "check the target");
		return r;
	}
	if (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -ENOTBLK;
		snprintf(why, size, "%s: it is %s, not an image file or a block device (give one of those)",
			 d->target, r == -EISDIR ? "a directory" :
			 S_ISCHR(st.st_mode) ? "a character device" :
			 S_ISFIFO(st.st_mode) ? "a pipe" : "a special file");
		close(fd);
		return r;
	}
	r = lock ? disk_target_lock(fd, !ro, &held_rw) : 0;
	if (r) {
		if (r == -EBUSY)
			snprintf(why, size, "%s is in use %s", d->target,
				 held_rw ? "read-write" : "read-only");
		else
			snprintf(why, size, "%s: cannot lock it: %s", d->target, strerror(-r));
		if (held_rw_r)
			*held_rw_r = held_rw;
		close(fd);
		return r;
	}
	return fd;
}

bool disk_target_is(int fd, const char *path)
{
	struct stat a, b;

	if (fstat(fd, &a) < 0 || stat(path, &b) < 0)
		return false;
	if (S_ISBLK(a.st_mode))
		return S_ISBLK(b.st_mode) && a.st_rdev == b.st_rdev;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int disk_target_check_fd(const hv_disk_spec *d, int fd, char *why, size_t size)
{
	int fl = fcntl(fd, F_GETFL);
	struct stat st;

	if (fl < 0 || fstat(fd, &st) < 0) {
		snprintf(why, size, "disk %s: its descriptor is not open", d->vdev);
		return -EBADF;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		snprintf(why, size, "disk %s: its descriptor is not a regular file or a block device",
			 d->vdev);
		return -EBADF;
	}
	fl &= O_ACCMODE;
	if (fl == O_WRONLY || (!disk_target_read_only(d) && fl != O_RDWR)) {
		snprintf(why, size, "disk %s: its descriptor is open %s, the disk is %s",
			 d->vdev, fl == O_WRONLY ? "write-only" : "read-only",
			 disk_target_read_only(d) ? "read-only" : "read-write");
		return -EBADF;
	}
	return 0;
}
