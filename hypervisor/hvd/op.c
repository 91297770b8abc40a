/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Operations in progress on a domain (see struct hvd_op in hvd.h): their
 * list, and the dispatch of the domain's events to each operation's
 * callbacks.  What an operation does lives in its own file (op-*.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hvd.h"

struct hvd_op *op_start(struct hvd_domain *d, const struct hvd_op_type *type,
			const struct hvd_conn *c, const struct hvd_req *req, int64_t timeout_ms)
{
	struct hvd_op *op = calloc(1, sizeof(*op)), **pp;

	if (!op)
		return NULL;
	op->type = type;
	op->conn_id = c ? c->id : 0;
	op->op = req ? req->hdr.op : 0;
	op->seq = req ? req->hdr.seq : 0;
	op->deadline = timeout_ms ? hvd_now_ms() + timeout_ms : 0;
	for (pp = &d->ops; *pp; pp = &(*pp)->next)
		;
	*pp = op;
	return op;
}

void op_end(struct hvd_domain *d, struct hvd_op *op)
{
	for (struct hvd_op **pp = &d->ops; *pp; pp = &(*pp)->next) {
		if (*pp == op) {
			*pp = op->next;
			break;
		}
	}
	if (op->data && op->type->dispose)
		op->type->dispose(op->data);
	free(op);
}

void op_reply(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
	      const void *body, size_t len)
{
	server_reply(hvd, op->conn_id, op->op, op->seq, status, body, len, -1);
	op_end(d, op);
}

void op_fail(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
	     const char *msg)
{
	server_reply_msg(hvd, op->conn_id, op->op, op->seq, status, msg);
	op_end(d, op);
}

struct hvd_op *op_find(const struct hvd_domain *d, const struct hvd_op_type *type)
{
	for (struct hvd_op *op = d->ops; op; op = op->next)
		if (op->type == type)
			return op;
	return NULL;
}

/*
 * Callbacks may end operations and take the domain away: the dispatchers
 * below look at the list again after each one.
 */
#define OP_HAS(op, cb) ((op)->type->cb != NULL)

bool op_ready(struct hvd *hvd, struct hvd_domain *d)
{
	bool taken = false;

	for (struct hvd_op *op = d->ops, *next; op && !d->dead; op = next) {
		next = op->next;
		if (OP_HAS(op, ready) && !op->vmm_seq) {
			op->type->ready(hvd, d, op);
			taken = true;
			/* it may have ended others: stop at one */
			break;
		}
	}
	return taken;
}

bool op_vmm_reply(struct hvd *hvd, struct hvd_domain *d, uint32_t seq, int status,
		  const void *data, size_t len)
{
	for (struct hvd_op *op = d->ops; op; op = op->next) {
		if (op->vmm_seq != seq || !OP_HAS(op, reply))
			continue;
		op->type->reply(hvd, d, op, status, data, len);
		return true;
	}
	return false;
}

void op_progress(struct hvd *hvd, struct hvd_domain *d, uint64_t done, uint64_t total)
{
	for (struct hvd_op *op = d->ops; op; op = op->next) {
		if (!op->progress)
			continue;
		if (op->stall_ms && op->deadline)
			op->deadline = hvd_now_ms() + op->stall_ms;
		server_progress(hvd, op->conn_id, op->op, op->seq, done < total ? done : total,
				total);
		return;
	}
}

void op_closed(struct hvd *hvd, struct hvd_domain *d)
{
	struct hvd_op *op = d->ops;

	while (op && !d->dead) {
		if (op->vmm_seq && OP_HAS(op, closed)) {
			op->type->closed(hvd, d, op);
			op = d->ops;	/* the list changed */
			continue;
		}
		op = op->next;
	}
}

bool op_gone(struct hvd *hvd, struct hvd_domain *d, int status, pid_t pid)
{
	bool taken = false;

	while (d->ops && !d->dead) {
		struct hvd_op *op = d->ops;

		taken = true;
		if (OP_HAS(op, gone))
			op->type->gone(hvd, d, op, status, pid);
		else
			op_fail(hvd, d, op, -HV_HC_EVMM, "the domain's hv-vmm ended meanwhile");
	}
	return taken;
}

int64_t op_tick(struct hvd *hvd, struct hvd_domain *d, int64_t now)
{
	int64_t next = 0;
	struct hvd_op *op = d->ops;

	while (op && !d->dead) {
		if (op->deadline && op->deadline <= now) {
			op->deadline = 0;
			op->type->expire(hvd, d, op);
			op = d->ops;	/* it may have ended */
			continue;
		}
		if (op->deadline && (!next || op->deadline < next))
			next = op->deadline;
		op = op->next;
	}
	return next;
}

void op_vmm_ended(struct hvd *hvd, const struct hvd_domain *d, const struct hvd_op *op,
		  int status, pid_t pid, const char *stalled, char *msg, size_t size)
{
	if (op->stalled)
		snprintf(msg, size, "%s", stalled);
	else if (d->vmm_error[0])
		snprintf(msg, size, "hv-vmm: %s", d->vmm_error);
	else
		snprintf(msg, size, "hv-vmm (pid %d) %s before the domain was ready; its "
			 "messages are in %s/vmm-%s.log", (int)pid,
			 status < 0 ? "was killed" : "exited", hvd->logdir, d->cfg->name);
	vmm_log_tail(hvd, d);
}

void op_abort_all(struct hvd *hvd, struct hvd_domain *d, int status)
{
	while (d->ops)
		op_reply(hvd, d, d->ops, status, NULL, 0);
}

/*
 * CANCEL: the client gives up on its pending RESTORE_DOMAIN or SAVE (the
 * request with its seq on the same connection).  The cancelled request is
 * answered ECANCELED by the operation once undone; CANCEL itself with 0.
 */
int op_cancel(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req)
{
	struct hvd_domain *d = domain_find(hvd, req->u.cancel.domid), *e;
	struct hvd_op *op = NULL;
	int rc;

	/* a restore's client does not know its domain's id yet: look everywhere */
	for (e = d ? d : hvd->domains; e && !op; e = d ? NULL : e->next) {
		for (struct hvd_op *x = e->ops; x; x = x->next) {
			if (x->conn_id == c->id && x->seq == req->u.cancel.seq && x->type->cancel) {
				op = x;
				d = e;
				break;
			}
		}
	}
	if (!op)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ENOENT,
					"no save or restore of this connection with seq %u is "
					"pending (it may have just finished)", req->u.cancel.seq);
	rc = op->type->cancel(hvd, d, op);
	if (rc)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc,
					"the %s cannot be cancelled now; it goes on",
					op->type->name);
	return 0;
}
