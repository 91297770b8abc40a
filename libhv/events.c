/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Events.  Once events are asked for, a context holds a second connection
 * to hvd, subscribed to events (under ev_lock), so that a thread waiting
 * for events never holds up requests.
 *
 * The descriptor handed out by hv_event_fd() is an epoll instance watching
 * the event connection and an eventfd that is readable while events wait
 * in the queue, so it is readable exactly when hv_event_next() has
 * something to give, whichever way the event arrived (an event that comes
 * on the request connection is queued too).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include "client_int.h"
#include "wire/hcmsg.h"

#define EVENT_QUEUE_MAX 4096

/* --- the event queue (under ev_lock) --------------------------------- */

static void queue_push(hv_ctx *ctx, struct hv__client *cl, const hv_event *ev)
{
	uint64_t one = 1;

	if (cl->q_len == cl->q_cap) {
		size_t cap = cl->q_cap ? cl->q_cap * 2 : 16;
		hv_event *q;

		if (cap > EVENT_QUEUE_MAX) {
			HV__WARN(ctx, "more than %d events wait unread; dropping the oldest",
				 EVENT_QUEUE_MAX);
			cl->q_head = (cl->q_head + 1) % cl->q_cap;
			cl->q_len--;
		} else {
			q = malloc(cap * sizeof(*q));
			if (!q) {
				HV__WARN(ctx, "out of memory: event for domain %u dropped",
					 (unsigned int)ev->domid);
				return;
			}
			for (size_t i = 0; i < cl->q_len; i++)
				q[i] = cl->q[(cl->q_head + i) % cl->q_cap];
			free(cl->q);
			cl->q = q;
			cl->q_cap = cap;
			cl->q_head = 0;
		}
	}
	cl->q[(cl->q_head + cl->q_len) % cl->q_cap] = *ev;
	cl->q_len++;
	if (cl->ev_notify >= 0 && write(cl->ev_notify, &one, sizeof(one)) < 0)
		HV__DEBUG(ctx, "event notification: %s", strerror(errno));
}

static bool queue_pop(struct hv__client *cl, hv_event *ev_r)
{
	uint64_t v;

	if (!cl->q_len)
		return false;
	*ev_r = cl->q[cl->q_head];
	cl->q_head = (cl->q_head + 1) % cl->q_cap;
	cl->q_len--;
	if (!cl->q_len && cl->ev_notify >= 0 &&
	    read(cl->ev_notify, &v, sizeof(v)) < 0 && errno != EAGAIN)
		v = 0;
	return true;
}

/* Queue an event message; anything else unexpected is dropped. */
void hv__take_event(hv_ctx *ctx, struct hv__client *cl, struct hv__msg *m)
{
	struct hv_hc_event body;
	hv_event ev;

	hv__msg_close_fds(m);
	if (!(m->h.flags & HV_HC_F_EVENT) || m->h.op != HV_HC_EVENT)
		return;
	hcmsg_body(m->buf, m->len, &body, sizeof(body));
	if (hv__event_from_hc(&body, &ev)) {
		HV__DEBUG(ctx, "event of unknown type %u ignored",
			  (unsigned int)body.type);
		return;
	}
	hv__lock(&cl->ev_lock);
	queue_push(ctx, cl, &ev);
	hv__unlock(&cl->ev_lock);
}

/* --- events ---------------------------------------------------------- */

/* (Re)subscribe: a new event connection; called under ev_lock. */
static int ev_subscribe(hv_ctx *ctx, struct hv__client *cl)
{
	struct epoll_event ee = { .events = EPOLLIN };
	struct hv__msg *m = NULL;
	long deadline;
	int fd, rc, r;

	if (cl->ev_sock >= 0) {
		epoll_ctl(cl->ev_epoll, EPOLL_CTL_DEL, cl->ev_sock, NULL);
		hv__close_fd(&cl->ev_sock);
	}
	fd = hv__hvd_connect(ctx);
	if (fd < 0)
		return fd;
	m = malloc(sizeof(*m));
	if (!m) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	cl->ev_seq = cl->ev_seq + 1 ? cl->ev_seq + 1 : 1;
	r = hv__send_msg(fd, HV_HC_EVENT_SUBSCRIBE, cl->ev_seq, NULL, 0, NULL, 0);
	if (r < 0) {
		HV__ERR(ctx, "subscribe to events: cannot send to hvd: %s",
			strerror(-r));
		rc = HV_ERROR_DAEMON;
		goto out;
	}
	deadline = hv__now_ms() + REPLY_TIMEOUT_MS;
	for (;;) {
		long left = deadline - hv__now_ms();

		r = hv__recv_msg(fd, m, left > 0 ? (int)left : 0);
		if (r == -EPROTO || r == -EINTR)
			continue;
		if (r == -ETIMEDOUT) {
			HV__ERR(ctx, "subscribe to events: hvd did not answer within %d s (see hvd's log)",
				REPLY_TIMEOUT_MS / 1000);
			rc = HV_ERROR_TIMEDOUT;
			goto out;
		}
		if (r < 0) {
			HV__ERR(ctx, "subscribe to events: hvd closed the connection (see hvd's log)");
			rc = HV_ERROR_DAEMON;
			goto out;
		}
		if (m->h.flags & HV_HC_F_EVENT) {
			struct hv_hc_event body;
			hv_event ev;

			hv__msg_close_fds(m);
			hcmsg_body(m->buf, m->len, &body, sizeof(body));
			if (!hv__event_from_hc(&body, &ev))
				queue_push(ctx, cl, &ev);
			continue;
		}
		hv__msg_close_fds(m);
		if (m->h.seq == cl->ev_seq && m->h.op == HV_HC_EVENT_SUBSCRIBE)
			break;
	}
	if (m->h.status) {
		struct hv__status st;

		hv__status_from_msg(m, &st);
		rc = hv__call_err(ctx, "subscribe to events", &st);
		goto out;
	}
	ee.data.fd = fd;
	if (epoll_ctl(cl->ev_epoll, EPOLL_CTL_ADD, fd, &ee) < 0) {
		HV__ERR(ctx, "subscribe to events: epoll: %s", strerror(errno));
		rc = HV_ERROR_FAIL;
		goto out;
	}
	cl->ev_sock = fd;
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(m);
	return rc;
}

/* Make sure the epoll fd, eventfd and subscription exist (under ev_lock). */
static int ev_setup(hv_ctx *ctx, struct hv__client *cl)
{
	struct epoll_event ee = { .events = EPOLLIN };

	if (cl->ev_epoll < 0) {
		cl->ev_epoll = epoll_create1(EPOLL_CLOEXEC);
		cl->ev_notify = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (cl->ev_epoll < 0 || cl->ev_notify < 0) {
			HV__ERR(ctx, "events: cannot create descriptors: %s",
				strerror(errno));
			hv__close_fd(&cl->ev_epoll);
			hv__close_fd(&cl->ev_notify);
			return HV_ERROR_FAIL;
		}
		ee.data.fd = cl->ev_notify;
		epoll_ctl(cl->ev_epoll, EPOLL_CTL_ADD, cl->ev_notify, &ee);
		if (cl->q_len) {
			uint64_t one = 1;

			if (write(cl->ev_notify, &one, sizeof(one)) < 0)
				return HV_ERROR_FAIL;
		}
	}
	if (cl->ev_sock < 0)
		return ev_subscribe(ctx, cl);
	return 0;
}

int hv__event_fd(hv_ctx *ctx, int *fd_r)
{
	struct hv__client *cl = ctx->client;
	int rc;

	*fd_r = -1;
	hv__lock(&cl->ev_lock);
	rc = ev_setup(ctx, cl);
	if (!rc)
		*fd_r = cl->ev_epoll;
	hv__unlock(&cl->ev_lock);
	return rc;
}

/* Read what waits on the event connection into the queue (under ev_lock). */
static int ev_drain(hv_ctx *ctx, struct hv__client *cl)
{
	struct hv__msg *m = malloc(sizeof(*m));
	int rc = 0, r;

	if (!m)
		return HV_ERROR_NOMEM;
	while (cl->ev_sock >= 0) {
		r = hv__recv_msg(cl->ev_sock, m, 0);
		if (r == -ETIMEDOUT)
			break;
		if (r == -EPROTO || r == -EINTR)
			continue;
		if (r < 0) {
			HV__WARN(ctx, "hvd closed the event connection; subscribing again (events in between are lost)");
			rc = ev_subscribe(ctx, cl);
			break;
		}
		if (m->h.flags & HV_HC_F_EVENT && m->h.op == HV_HC_EVENT) {
			struct hv_hc_event body;
			hv_event ev;

			hcmsg_body(m->buf, m->len, &body, sizeof(body));
			if (!hv__event_from_hc(&body, &ev))
				queue_push(ctx, cl, &ev);
		}
		hv__msg_close_fds(m);
	}
	free(m);
	return rc;
}

int hv__event_next(hv_ctx *ctx, hv_event *ev_r)
{
	struct hv__client *cl = ctx->client;
	hv_event ev;
	int rc;

	/* refused before an event is taken, so that none is lost */
	rc = hv__sized_check(ctx, ev_r, HV__EVENT_SIZE_1_2, "hv_event");
	if (rc)
		return rc;
	hv__lock(&cl->ev_lock);
	rc = ev_setup(ctx, cl);
	if (!rc && !cl->q_len)
		rc = ev_drain(ctx, cl);
	if (!rc)
		rc = queue_pop(cl, &ev) ? 0 : HV_ERROR_BUSY;
	hv__unlock(&cl->ev_lock);
	if (!rc)
		rc = hv__sized_out(ctx, ev_r, &ev, HV__EVENT_SIZE_1_2,
				   sizeof(ev), "hv_event");
	return rc;
}

int hv__event_wait(hv_ctx *ctx, hv_event *ev_r, int timeout_ms)
{
	struct hv__client *cl = ctx->client;
	long deadline = hv__now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int rc;

	for (;;) {
		struct pollfd p;
		long left;

		rc = hv__event_next(ctx, ev_r);
		if (rc != HV_ERROR_BUSY)
			return rc;
		left = deadline - hv__now_ms();
		if (timeout_ms >= 0 && left <= 0)
			return HV_ERROR_TIMEDOUT;
		hv__lock(&cl->ev_lock);
		p.fd = cl->ev_epoll;
		hv__unlock(&cl->ev_lock);
		p.events = POLLIN;
		if (poll(&p, 1, timeout_ms < 0 ? -1 : (int)left) < 0 &&
		    errno != EINTR) {
			HV__ERR(ctx, "waiting for events: %s", strerror(errno));
			return HV_ERROR_FAIL;
		}
	}
}
