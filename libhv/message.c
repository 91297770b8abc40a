/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One hypercall message on a SOCK_SEQPACKET socket, with the descriptors
 * that travel with it as SCM_RIGHTS.
 */
#include <errno.h>
#include <stdio.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "client_int.h"
#include "wire/fdpass.h"
#include "wire/hcmsg.h"

int hv__send_msg(int fd, uint16_t op, uint32_t seq, const void *body,
		    size_t body_len, const int *fds, unsigned int nr_fds)
{
	struct hv_hc_hdr h;
	struct iovec iov[2];
	ssize_t r;

	hcmsg_header(&h, op, 0, seq, 0, body_len);
	iov[0] = (struct iovec){ &h, sizeof(h) };
	iov[1] = (struct iovec){ (void *)body, body_len };
	do
		r = wire_send(fd, iov, body_len ? 2 : 1, fds, nr_fds, 0);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

/* A received message: its bytes and the fds that came with it. */
void hv__msg_close_fds(struct hv__msg *m)
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
int hv__recv_msg(int fd, struct hv__msg *m, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned int trunc;
	size_t nfds;
	ssize_t r;

	m->nr_fds = 0;
	r = poll(&p, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	r = wire_recv(fd, m->buf, sizeof(m->buf), m->fds, HV_HC_MAX_FDS, &nfds, &trunc,
		      MSG_DONTWAIT);
	if (r < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	m->nr_fds = (unsigned int)nfds;
	if (r == 0) {
		hv__msg_close_fds(m);
		return -EPIPE;
	}
	m->len = (size_t)r;
	if (trunc || hcmsg_check(m->buf, m->len, &m->h)) {
		hv__msg_close_fds(m);
		return -EPROTO;
	}
	return 0;
}

/* hvd's refusal in the failed reply @m (checked by hcmsg_check()). */
void hv__status_from_msg(const struct hv__msg *m, struct hv__status *st)
{
	const char *msg = hcmsg_errmsg(m->buf, m->len);
	int32_t status = m->h.status;

	/* a positive or absurd status from a broken hvd: "unknown" */
	st->code = status < 0 && status > -0x10000 ? -status : 0xffff;
	snprintf(st->msg, sizeof(st->msg), "%s", msg ? msg : "");
}
