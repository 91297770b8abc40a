/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One packet with descriptors (SCM_RIGHTS) on a Unix socket, sent and
 * received the one way every hv program does it: libhv <-> hvd and
 * hvd <-> hv-vmm.
 */
#ifndef HV_WIRE_FDPASS_H
#define HV_WIRE_FDPASS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#define WIRE_MAX_FDS 48

/*
 * Sends one packet from @iov with @nfds descriptors from @fds (at most
 * WIRE_MAX_FDS), without SIGPIPE; @flags are sendmsg()'s (MSG_DONTWAIT:
 * without blocking).  sendmsg()'s result, errno set on -1 (EINVAL for too
 * many descriptors).
 */
ssize_t wire_send(int sock, const struct iovec *iov, size_t iovlen, const int *fds,
		  size_t nfds, int flags);

/*
 * Receives one packet into @buf (@len bytes) with its descriptors, which
 * are close-on-exec: at most @max_fds go to @fds (*nfds_r says how many).
 * @flags are recvmsg()'s (e.g. MSG_DONTWAIT).  *trunc_r gets
 * WIRE_TRUNC_DATA when the packet was longer than @len and WIRE_TRUNC_FDS
 * when more descriptors came than fit; the descriptors are then all
 * closed and *nfds_r is 0.  recvmsg()'s result, errno set on -1.
 */
#define WIRE_TRUNC_DATA 0x1
#define WIRE_TRUNC_FDS	0x2
ssize_t wire_recv(int sock, void *buf, size_t len, int *fds, size_t max_fds,
		  size_t *nfds_r, unsigned int *trunc_r, int flags);

/* Closes @n descriptors of @fds that are >= 0 and sets them to -1. */
void wire_close_fds(int *fds, size_t n);

#endif
