/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hypercall client: libhv's connections to hvd (one for requests, one
 * for events), starting hvd on demand, and the mapping of hvd's status
 * codes to HV_ERROR_* values.  Its parts: client.c (state, status codes,
 * conversions), connect.c, message.c, request.c, events.c; what they
 * share among themselves is in client_int.h.
 */
#ifndef HV_CLIENT_H
#define HV_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <hv/domain.h>
#include <public/hypercall.h>
#include "private.h"

struct hv__client;

/* The public structures' sizes in their first version (libhv 1.2). */
#define HV__DOMINFO_SIZE_1_2 HV__SIZE_UPTO(hv_dominfo, on_crash)
#define HV__PHYSINFO_SIZE_1_2 HV__SIZE_UPTO(hv_physinfo, version)
#define HV__EVENT_SIZE_1_2 HV__SIZE_UPTO(hv_event, name)
#define HV__PROGRESS_SIZE_1_2 HV__SIZE_UPTO(hv_progress, opaque)
#define HV__RESTORE_PARAMS_SIZE_1_2 HV__SIZE_UPTO(hv_restore_params, flags)

/* Allocated by hv_ctx_new(), freed by hv_ctx_free(). */
struct hv__client *hv__client_new(void);
void hv__client_free(struct hv__client *cl);

/* One request and what to do with its reply. */
struct hv__req {
	/* SAVE and RESTORE: hvd's HV_HC_F_PROGRESS messages go to @progress
	 * (may be NULL; a copy in libhv's layout, see hv__sized_in()); each
	 * one also restarts the wait for the reply.  When its callback
	 * returns non-zero, a CANCEL naming @domid (HV_DOMID_INVALID: the
	 * domain has no id yet) and the request's seq goes to hvd */
	const hv_progress *progress;
	/* MIGRATE_SEND: its progress messages' bodies go here instead; a
	 * non-zero return cancels as @progress's does */
	int (*raw_progress)(void *opaque, const void *body, size_t len);
	void *raw_opaque;
	uint32_t domid;
	uint16_t op;			/* enum hv_hc_op */
	const void *body;		/* request body, body_len bytes */
	size_t body_len;
	const int *fds;			/* sent with the request */
	unsigned int nr_fds;
	void *reply;			/* fixed reply body, zero-filled */
	size_t reply_len;
	void **tail_r;			/* bytes after the fixed reply (malloc()ed,
					 * with a NUL after them) */
	size_t *tail_len_r;
	int *fd_r;			/* the one fd the reply carries */
	bool retry_safe;		/* a query: may be sent again after hvd died */
	long wait_ms;			/* hvd may take this much longer than for
					 * other requests (a detach waits for the guest) */
};

/* How hvd refused a request. */
struct hv__status {
	int code;			/* HV_HC_E* (positive); 0: not refused */
	char msg[HV_HC_ERRMSG_MAX];	/* hvd's reason (printable ASCII), "": none */
};

/*
 * hv__call - send @req to hvd and wait for its reply.  Returns 0 with the
 * reply stored, HV_ERROR_DAEMON/TIMEDOUT/PROTOCOL/NOMEM (logged; @what
 * names the operation, e.g. "pause domain 3"), or, when hvd answered with
 * an error, the HV_ERROR_* it maps to with *st_r holding hvd's HV_HC_E*
 * code and message (not logged: the caller knows what to say, or passes
 * it to hv__call_err()).  st_r->code is 0 unless hvd refused.
 */
int hv__call(hv_ctx *ctx, const struct hv__req *req, const char *what,
	     struct hv__status *st_r);

/* The HV_ERROR_* for hvd's status code @status (HV_HC_E*, positive). */
int hv__hc_error(int status);
/* A short reason for @status, with what to do about it. */
const char *hv__hc_reason(int status);
/*
 * hv__call_err - log "@what: <reason>" for hvd's refusal @st, the reason
 * being hvd's message if it sent one, else hv__hc_reason(); returns
 * hv__hc_error(st->code).  A cancelled request (the caller asked for it)
 * is logged as information, not as an error.
 */
int hv__call_err(hv_ctx *ctx, const char *what, const struct hv__status *st);

/*
 * hv__progress_from_hc - the progress message body @in as bytes done and
 * total, done clamped to total.  False when total is 0 (nothing to show).
 */
bool hv__progress_from_hc(const struct hv_hc_progress *in, uint64_t *done_r,
			  uint64_t *total_r);

/* Resolve the runtime directory into @buf; HV_ERROR_DAEMON if none. */
int hv__rundir(hv_ctx *ctx, char *buf, size_t len);

/* Events: see hv_event_fd() and friends in domain.h. */
int hv__event_fd(hv_ctx *ctx, int *fd_r);
int hv__event_next(hv_ctx *ctx, hv_event *ev_r);
int hv__event_wait(hv_ctx *ctx, hv_event *ev_r, int timeout_ms);

/*
 * Conversions between the ABI and the API (shared with the unit test):
 * @out is libhv's whole structure, its struct_size set to libhv's sizeof.
 */
int hv__event_from_hc(const struct hv_hc_event *in, hv_event *out);
void hv__dominfo_from_hc(const struct hv_hc_dominfo *in, hv_dominfo *out);

#endif
