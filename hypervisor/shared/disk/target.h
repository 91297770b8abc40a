/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A disk's target as every hv program opens it: libhv (with the caller's
 * privileges, for xl create and restore), hvd (again, for a domain it
 * restarts after hvd itself was restarted) and a standalone hv-vmm
 * (--disk).  The descriptor is open for reading and writing (O_RDWR), or
 * for reading only for a read-only disk or a CD-ROM, with O_DIRECT for a
 * direct-io-safe disk, close-on-exec; it is a regular file or a block
 * device.  It carries an open file description lock (F_OFD_SETLK) on byte
 * 0: a write lock for a read-write disk, a read lock for a read-only one,
 * so that one image is never read-write in two domains (nor read-write in
 * one and read-only in another), while any number may share it read-only.
 * The lock belongs to the open file description: every duplicate of the
 * descriptor (hvd's, hv-vmm's) holds it, and it goes with the last one.
 */
#ifndef HV_DISK_TARGET_H
#define HV_DISK_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <hv/config.h>

/* What a disk's descriptor must be, from its spec. */
bool disk_target_read_only(const hv_disk_spec *d);

/*
 * Opens @d's target (which must be set) as above and locks it.  Returns the
 * descriptor, or -errno after writing what failed and what to do into @why
 * (@size bytes, starting with the target's path):
 *   -EBUSY  the lock is held through another open file description; *held_rw_r
 *           says whether that one is read-write (NULL: not wanted).  @why
 *           says "PATH is in use read-write" (or read-only); the caller
 *           adds by whom.
 *   -EISDIR, -ENOTBLK  a directory, or neither a regular file nor a block
 *           device.
 *   -EINVAL with direct-io-safe: the file system has no O_DIRECT.
 *   others  from open() (ENOENT, EACCES, EROFS...).
 */
int disk_target_open(const hv_disk_spec *d, bool *held_rw_r, char *why, size_t size);
/* The same, locked only if @lock: a migration's destination takes the lock at the hand-over. */
int disk_target_open_lock(const hv_disk_spec *d, bool lock, bool *held_rw_r, char *why,
			  size_t size);

/*
 * The lock disk_target_open() takes, on byte 0 of @fd's file for its open
 * file description (so every duplicate of @fd, in any process, holds it):
 * taken (read-write if @write) or given up.  0, -EBUSY (another holds it;
 * *held_rw_r as above), or -errno.  A migration hands a disk's lock from
 * the source to the destination with these.
 */
int disk_target_lock(int fd, bool write, bool *held_rw_r);
int disk_target_unlock(int fd);

/*
 * Whether the file or device @fd is open on is the one at @path (the same
 * inode, or the same block device): for finding which domain holds a disk.
 */
bool disk_target_is(int fd, const char *path);

/*
 * Checks a descriptor that came for @d (from a client, or through hvd): a
 * regular file or a block device, open for writing if @d is read-write
 * and for reading in any case.  0, or -EBADF with what is wrong in @why.
 */
int disk_target_check_fd(const hv_disk_spec *d, int fd, char *why, size_t size);

#endif
