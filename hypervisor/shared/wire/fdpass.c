/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "fdpass.h"

union wire_cbuf {
	struct cmsghdr h;
	char b[CMSG_SPACE(sizeof(int) * WIRE_MAX_FDS)];
};

ssize_t wire_send(int sock, const struct iovec *iov, size_t iovlen, const int *fds,
		  size_t nfds, int flags)
{
	union wire_cbuf cbuf;
	struct msghdr mh = { .msg_iov = (struct iovec *)iov, .msg_iovlen = iovlen };

	if (nfds > WIRE_MAX_FDS) {
		errno = EINVAL;
		return -1;
	}
	if (nfds) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	return sendmsg(sock, &mh, flags | MSG_NOSIGNAL);
}

ssize_t wire_recv(int sock, void *buf, size_t len, int *fds, size_t max_fds,
		  size_t *nfds_r, unsigned int *trunc_r, int flags)
{
	union wire_cbuf cbuf;
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf.b, .msg_controllen = sizeof(cbuf.b) };
	size_t nfds = 0;
	unsigned int trunc = 0;
	ssize_t n;

	*nfds_r = 0;
	*trunc_r = 0;
	n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return n;
	if (mh.msg_flags & MSG_TRUNC)
		trunc |= WIRE_TRUNC_DATA;
	if (mh.msg_flags & MSG_CTRUNC)
		trunc |= WIRE_TRUNC_FDS;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (!trunc && nfds < max_fds)
				fds[nfds++] = fd;
			else {
				close(fd);
				trunc |= WIRE_TRUNC_FDS;
			}
		}
	}
	if (trunc) {
		wire_close_fds(fds, nfds);
		nfds = 0;
	}
	*nfds_r = nfds;
	*trunc_r = trunc;
	return n;
}

void wire_close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}
