/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the parts of the hypercall client share (client.c, connect.c,
 * message.c, request.c, events.c); the rest of libhv uses client.h.
 */
#ifndef HV_CLIENT_INT_H
#define HV_CLIENT_INT_H

#include "client.h"

#define REPLY_TIMEOUT_MS 30000

struct hv__client {
	pthread_mutex_t req_lock;
	int fd;				/* request connection, -1: none */
	uint32_t seq;

	pthread_mutex_t ev_lock;
	int ev_sock;			/* subscribed connection, -1: none */
	int ev_epoll;			/* handed out by hv_event_fd() */
	int ev_notify;			/* eventfd: readable while q_len > 0 */
	uint32_t ev_seq;
	hv_event *q;			/* ring of waiting events */
	size_t q_head, q_len, q_cap;
};

/* Close *fd if open and set it to -1. */
void hv__close_fd(int *fd);
/* CLOCK_MONOTONIC in milliseconds. */
long hv__now_ms(void);

/* --- connect.c --- */

/* A connected, checked socket to hvd (started if needed), or HV_ERROR_*. */
int hv__hvd_connect(hv_ctx *ctx);
/* True if hvd closed @fd (it was killed or restarted). */
bool hv__conn_dead(int fd);

/* --- message.c --- */

/* A received message: its bytes and the fds that came with it. */
struct hv__msg {
	uint8_t buf[HV_HC_MSG_MAX];
	size_t len;
	struct hv_hc_hdr h;
	int fds[HV_HC_MAX_FDS];
	unsigned int nr_fds;
};

/* Send one request (with @nr_fds descriptors): 0 or -errno. */
int hv__send_msg(int fd, uint16_t op, uint32_t seq, const void *body,
		 size_t body_len, const int *fds, unsigned int nr_fds);
/*
 * Receive one message, waiting up to @timeout_ms (-1: forever; 0: only
 * what is there).  Returns 0, -ETIMEDOUT, -EPIPE (hvd closed the
 * connection), -EPROTO (malformed; dropped) or another -errno.
 */
int hv__recv_msg(int fd, struct hv__msg *m, int timeout_ms);
void hv__msg_close_fds(struct hv__msg *m);
/* hvd's refusal in the failed reply @m (checked by hcmsg_check()). */
void hv__status_from_msg(const struct hv__msg *m, struct hv__status *st);

/* --- events.c --- */

/* Queue an event that came on the request connection; anything else is dropped. */
void hv__take_event(hv_ctx *ctx, struct hv__client *cl, struct hv__msg *m);

#endif
