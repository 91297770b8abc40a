/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Requests: one at a time on the context's request connection (under
 * req_lock), each awaited with its progress messages, cancelled on the
 * progress callback's word, and asked again on a new connection when hvd
 * went away before it could have acted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "client_int.h"
#include "wire/hcmsg.h"

/* a save or restore may take long, but not without saying how far it is */
#define PROGRESS_STALL_MS 60000

enum exchange_result { EX_OK, EX_NOT_SENT, EX_LOST };

/* The pending request's progress and cancellation. */
struct pending {
	uint32_t seq;			/* the request's */
	uint64_t shown;			/* what the callback was last told */
	bool progressed;		/* a progress message came */
	bool cancelled;			/* the callback asked to cancel */
	uint32_t cancel_seq;		/* CANCEL's, while its reply is awaited */
};

/*
 * Ask hvd to stop the pending request.  Its reply, and the request's, come
 * later in either order; the request's ends the wait, and a CANCEL reply
 * still on its way then is skipped by the next request (its seq is not
 * that one's).
 */
static void send_cancel(hv_ctx *ctx, struct hv__client *cl, int fd,
			const struct hv__req *req, const char *what,
			struct pending *p)
{
	struct hv_hc_cancel body = { .domid = req->domid, .seq = p->seq };
	int r;

	p->cancelled = true;
	cl->seq = cl->seq + 1 ? cl->seq + 1 : 1;
	r = hv__send_msg(fd, HV_HC_DOMCTL_CANCEL, cl->seq, &body, sizeof(body),
			 NULL, 0);
	if (r < 0) {
		HV__WARN(ctx, "%s: cannot ask hvd to cancel: %s (waiting for the operation to end)",
			 what, strerror(-r));
		return;
	}
	p->cancel_seq = cl->seq;
	HV__INFO(ctx, "%s: cancelling", what);
}

/* CANCEL's reply @m: how hvd took it. */
static void take_cancel_reply(hv_ctx *ctx, const char *what,
			      struct hv__msg *m, struct pending *p)
{
	struct hv__status st;

	hv__msg_close_fds(m);
	p->cancel_seq = 0;
	if (!m->h.status) {
		HV__DEBUG(ctx, "%s: hvd is cancelling it", what);
		return;
	}
	hv__status_from_msg(m, &st);
	if (st.code == HV_HC_ENOENT)
		HV__DEBUG(ctx, "%s: nothing to cancel any more: it has just ended",
			  what);
	else
		HV__WARN(ctx, "%s: hvd cannot cancel it: %s (waiting for the operation to end)",
			 what, st.msg[0] ? st.msg : hv__hc_reason(st.code));
}

/*
 * Pass a progress message for the pending request to its callback, which
 * never sees progress go back; when it asks to, cancel the request.
 */
static void take_progress(hv_ctx *ctx, struct hv__client *cl, int fd,
			  const struct hv__req *req, const char *what,
			  struct hv__msg *m, struct pending *p)
{
	struct hv_hc_progress body;
	uint64_t done, total;

	hv__msg_close_fds(m);
	if (req->raw_progress) {
		if (!p->cancelled &&
		    req->raw_progress(req->raw_opaque, m->buf + sizeof(struct hv_hc_hdr),
				      m->len - sizeof(struct hv_hc_hdr)))
			send_cancel(ctx, cl, fd, req, what, p);
		return;
	}
	hcmsg_body(m->buf, m->len, &body, sizeof(body));
	if (!hv__progress_from_hc(&body, &done, &total)) {
		HV__DEBUG(ctx, "progress message with a total of 0 ignored");
		return;
	}
	if (done < p->shown)
		done = p->shown < total ? p->shown : total;
	p->shown = done;
	if (p->cancelled || !req->progress || !req->progress->fn)
		return;
	if (req->progress->fn(req->progress->opaque, done, total))
		send_cancel(ctx, cl, fd, req, what, p);
}

/*
 * One request on @fd and its reply into @m.  EX_NOT_SENT: hvd had closed
 * the connection before it took the request; EX_LOST: the connection broke
 * after sending.  *rc_r holds the error for other failures.  The reply is
 * awaited for REPLY_TIMEOUT_MS, or, once progress messages come, for
 * PROGRESS_STALL_MS after the last one.
 */
static enum exchange_result exchange(hv_ctx *ctx, int fd, uint32_t seq,
				     const struct hv__req *req, const char *what,
				     struct hv__msg *m, int *rc_r)
{
	long deadline = hv__now_ms() + REPLY_TIMEOUT_MS + req->wait_ms;
	struct hv__client *cl = ctx->client;
	struct pending p = { .seq = seq };
	int r;

	*rc_r = 0;
	r = hv__send_msg(fd, req->op, seq, req->body, req->body_len, req->fds,
			 req->nr_fds);
	if (r == -EPIPE || r == -ECONNRESET || r == -ENOTCONN)
		return EX_NOT_SENT;
	if (r < 0) {
		HV__ERR(ctx, "%s: cannot send the request to hvd: %s", what,
			strerror(-r));
		*rc_r = HV_ERROR_DAEMON;
		return EX_OK;
	}
	for (;;) {
		long left = deadline - hv__now_ms();

		r = hv__recv_msg(fd, m, left > 0 ? (int)left : 0);
		if (r == -EPIPE || r == -ECONNRESET)
			return EX_LOST;
		if (r == -EPROTO) {
			HV__WARN(ctx, "%s: ignored a malformed message from hvd",
				 what);
			continue;
		}
		if (r == -ETIMEDOUT) {
			if (p.progressed)
				HV__ERR(ctx, "%s: no progress for %d s (is the domain's hv-vmm stuck? see hvd's log)",
					what, PROGRESS_STALL_MS / 1000);
			else
				HV__ERR(ctx, "%s: hvd did not answer within %ld s (is it stuck? see hvd's log)",
					what, (REPLY_TIMEOUT_MS + req->wait_ms) / 1000);
			*rc_r = HV_ERROR_TIMEDOUT;
			return EX_OK;
		}
		if (r == -EINTR)
			continue;
		if (r < 0) {
			HV__ERR(ctx, "%s: cannot read hvd's reply: %s", what,
				strerror(-r));
			*rc_r = HV_ERROR_DAEMON;
			return EX_OK;
		}
		if (m->h.flags & HV_HC_F_PROGRESS) {
			if (m->h.seq != seq || m->h.op != req->op) {
				/* of a request that timed out */
				hv__msg_close_fds(m);
				continue;
			}
			take_progress(ctx, cl, fd, req, what, m, &p);
			p.progressed = true;
			deadline = hv__now_ms() + PROGRESS_STALL_MS;
			continue;
		}
		if (!(m->h.flags & HV_HC_F_REPLY)) {
			hv__take_event(ctx, cl, m);
			continue;
		}
		if (p.cancel_seq && m->h.seq == p.cancel_seq &&
		    m->h.op == HV_HC_DOMCTL_CANCEL) {
			take_cancel_reply(ctx, what, m, &p);
			continue;
		}
		if (m->h.seq != seq) {
			/* the late answer to a request that timed out, or
			 * to a CANCEL whose request had its answer first */
			hv__msg_close_fds(m);
			continue;
		}
		if (m->h.op != req->op) {
			hv__msg_close_fds(m);
			HV__ERR(ctx, "%s: hvd answered operation %u to request %u (restart hvd)",
				what, (unsigned int)m->h.op, (unsigned int)req->op);
			*rc_r = HV_ERROR_PROTOCOL;
			return EX_OK;
		}
		return EX_OK;
	}
}

/* Store the reply of @m as @req asks; fds it does not want are closed. */
static int take_reply(hv_ctx *ctx, const struct hv__req *req, const char *what,
		      struct hv__msg *m)
{
	size_t body = m->len - sizeof(struct hv_hc_hdr);
	int rc = 0;

	if (req->reply)
		hcmsg_body(m->buf, m->len, req->reply, req->reply_len);
	if (req->tail_r) {
		size_t fixed = req->reply_len;
		size_t n = body > fixed ? body - fixed : 0;
		char *t = malloc(n + 1);

		if (!t) {
			rc = HV_ERROR_NOMEM;
			goto out;
		}
		memcpy(t, m->buf + sizeof(struct hv_hc_hdr) + fixed, n);
		t[n] = '\0';
		*req->tail_r = t;
		*req->tail_len_r = n;
	}
	if (req->fd_r) {
		if (m->nr_fds != 1) {
			HV__ERR(ctx, "%s: hvd's reply carried %u descriptors instead of 1 (restart hvd)",
				what, m->nr_fds);
			rc = HV_ERROR_PROTOCOL;
			goto out;
		}
		*req->fd_r = m->fds[0];
		m->nr_fds = 0;
	}
out:
	hv__msg_close_fds(m);
	return rc;
}

int hv__call(hv_ctx *ctx, const struct hv__req *req, const char *what,
	     struct hv__status *st_r)
{
	struct hv__client *cl = ctx->client;
	struct hv__msg *m = malloc(sizeof(*m));
	enum exchange_result ex;
	int rc = 0, attempts = 0;

	st_r->code = 0;
	st_r->msg[0] = '\0';
	if (req->fd_r)
		*req->fd_r = -1;
	if (req->tail_r) {
		*req->tail_r = NULL;
		*req->tail_len_r = 0;
	}
	if (!m)
		return HV_ERROR_NOMEM;
	hv__lock(&cl->req_lock);
	for (;;) {
		if (cl->fd >= 0 && hv__conn_dead(cl->fd)) {
			HV__INFO(ctx, "hvd closed the connection; reconnecting");
			hv__close_fd(&cl->fd);
		}
		if (cl->fd < 0) {
			rc = hv__hvd_connect(ctx);
			if (rc < 0)
				goto out;
			cl->fd = rc;
			rc = 0;
		}
		cl->seq = cl->seq + 1 ? cl->seq + 1 : 1;
		ex = exchange(ctx, cl->fd, cl->seq, req, what, m, &rc);
		if (ex == EX_OK)
			break;
		hv__close_fd(&cl->fd);
		if (attempts++ ||
		    (ex == EX_LOST && !req->retry_safe)) {
			HV__ERR(ctx, "%s: hvd went away before answering; the operation may or may not have happened (check with xl list; see hvd's log for why it stopped)",
				what);
			rc = HV_ERROR_DAEMON;
			goto out;
		}
		HV__INFO(ctx, "%s: hvd went away; reconnecting and asking again",
			 what);
	}
	if (rc)
		goto out;
	if (m->h.status) {
		hv__msg_close_fds(m);
		hv__status_from_msg(m, st_r);
		rc = hv__hc_error(st_r->code);
		goto out;
	}
	rc = take_reply(ctx, req, what, m);
out:
	hv__unlock(&cl->req_lock);
	free(m);
	return rc;
}
