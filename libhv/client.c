/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hypercall client: its state in a context, hvd's status codes as
 * HV_ERROR_* values, and the conversions between the ABI and the API.
 * Connecting (and starting hvd) is in connect.c, messages with their
 * descriptors in message.c, requests in request.c, events in events.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "client_int.h"

struct hv__client *hv__client_new(void)
{
	struct hv__client *cl = calloc(1, sizeof(*cl));

	if (!cl)
		return NULL;
	pthread_mutex_init(&cl->req_lock, NULL);
	pthread_mutex_init(&cl->ev_lock, NULL);
	cl->fd = -1;
	cl->ev_sock = -1;
	cl->ev_epoll = -1;
	cl->ev_notify = -1;
	return cl;
}

void hv__close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void hv__client_free(struct hv__client *cl)
{
	if (!cl)
		return;
	hv__close_fd(&cl->fd);
	hv__close_fd(&cl->ev_sock);
	hv__close_fd(&cl->ev_epoll);
	hv__close_fd(&cl->ev_notify);
	free(cl->q);
	pthread_mutex_destroy(&cl->req_lock);
	pthread_mutex_destroy(&cl->ev_lock);
	free(cl);
}

/* --- status codes ---------------------------------------------------- */

int hv__hc_error(int status)
{
	switch (status) {
	case 0:
		return 0;
	case HV_HC_EPROTO:
		return HV_ERROR_PROTOCOL;
	case HV_HC_EVERSION:
		return HV_ERROR_VERSION;
	case HV_HC_EOPNOTSUPP:
	case HV_HC_ENOTSUP:
		return HV_ERROR_NOSYS;
	case HV_HC_EPERM:
		return HV_ERROR_PERM;
	case HV_HC_ENOENT:
		return HV_ERROR_NOTFOUND;
	case HV_HC_EEXIST:
		return HV_ERROR_EXISTS;
	case HV_HC_EINVAL:
		return HV_ERROR_INVAL;
	case HV_HC_ESTATE:
		return HV_ERROR_STATE;
	case HV_HC_ENOMEM:
		return HV_ERROR_NOMEM;
	case HV_HC_EIO:
	case HV_HC_EBADF:
		return HV_ERROR_IO;
	case HV_HC_ECANCELED:
		return HV_ERROR_CANCELLED;
	case HV_HC_ETIMEDOUT:
		return HV_ERROR_TIMEDOUT;
	case HV_HC_EVMM:
	default:
		return HV_ERROR_FAIL;
	}
}

const char *hv__hc_reason(int status)
{
	switch (status) {
	case HV_HC_EPROTO:
		return "hvd refused the request as malformed (libhv and hvd are from different hv versions? restart hvd)";
	case HV_HC_EVERSION:
		return "hvd speaks another hypercall ABI version (restart hvd from the same hv installation)";
	case HV_HC_EOPNOTSUPP:
		return "this hvd does not know the operation (upgrade hvd)";
	case HV_HC_EPERM:
		return "hvd refused: permission denied (run as root or as the user hvd runs as)";
	case HV_HC_ENOENT:
		return "no such domain (list the domains with xl list)";
	case HV_HC_EEXIST:
		return "the name is already in use (choose another name, or destroy the other domain)";
	case HV_HC_EINVAL:
		return "hvd refused a value as out of range (check memory, vcpus and the name)";
	case HV_HC_ESTATE:
		return "not possible in the domain's current state (check it with xl list)";
	case HV_HC_ENOMEM:
		return "not enough memory on the host, or too many domains (free memory or lower memory =)";
	case HV_HC_EIO:
		return "hvd failed to act (see hvd's log)";
	case HV_HC_EBADF:
		return "hvd got a missing or unusable file descriptor (is the kernel a readable regular file?)";
	case HV_HC_ENOTSUP:
		return "not supported by hv yet (leave that setting or request out)";
	case HV_HC_EVMM:
		return "the domain's hv-vmm failed or refused (see hvd's log and the domain's log)";
	case HV_HC_ECANCELED:
		return "cancelled, as the caller asked (the domain is as it was before)";
	case HV_HC_ETIMEDOUT:
		return "the guest did not do its part in time (see the domain's console)";
	default:
		return "hvd returned an unknown error code (upgrade libhv)";
	}
}

int hv__call_err(hv_ctx *ctx, const char *what, const struct hv__status *st)
{
	hv__log(ctx, st->code == HV_HC_ECANCELED ? HV_LOG_INFO : HV_LOG_ERROR,
		"%s: %s", what, st->msg[0] ? st->msg : hv__hc_reason(st->code));
	return hv__hc_error(st->code);
}

bool hv__progress_from_hc(const struct hv_hc_progress *in, uint64_t *done_r,
			  uint64_t *total_r)
{
	if (!in->total)
		return false;
	*total_r = in->total;
	*done_r = in->done < in->total ? in->done : in->total;
	return true;
}

/* --- conversions ----------------------------------------------------- */

static void copy_name(char *dst, const char *src)
{
	size_t n = strnlen(src, HV_HC_NAME_MAX - 1);

	if (n > HV_DOMAIN_NAME_MAX)
		n = HV_DOMAIN_NAME_MAX;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int hv__event_from_hc(const struct hv_hc_event *in, hv_event *out)
{
	memset(out, 0, sizeof(*out));
	out->struct_size = sizeof(*out);
	switch (in->type) {
	case HV_HC_EV_SHUTDOWN:
		out->type = HV_EVENT_SHUTDOWN;
		break;
	case HV_HC_EV_DEATH:
		out->type = HV_EVENT_DEATH;
		break;
	case HV_HC_EV_CRASH:
		out->type = HV_EVENT_CRASH;
		break;
	case HV_HC_EV_CREATED:
		out->type = HV_EVENT_CREATED;
		break;
	case HV_HC_EV_MEMORY:
		out->type = HV_EVENT_MEMORY;
		break;
	default:
		return HV_ERROR_PROTOCOL;
	}
	out->domid = in->domid;
	if (out->type == HV_EVENT_MEMORY)
		out->code = in->code ? HV_EVENT_MEMORY_MISSED : HV_SHUTDOWN_NONE;
	else
		out->code = in->code <= HV_HC_CODE_CRASH ? (hv_shutdown_code)in->code :
			HV_SHUTDOWN_NONE;
	copy_name(out->name, in->name);
	return 0;
}

static enum hv_action action_from_hc(uint8_t a)
{
	switch (a) {
	case HV_HC_ACTION_RESTART:
		return HV_ACTION_RESTART;
	case HV_HC_ACTION_PRESERVE:
		return HV_ACTION_PRESERVE;
	case HV_HC_ACTION_RENAME_RESTART:
		return HV_ACTION_RENAME_RESTART;
	default:
		return HV_ACTION_DESTROY;
	}
}

void hv__dominfo_from_hc(const struct hv_hc_dominfo *in, hv_dominfo *out)
{
	memset(out, 0, sizeof(*out));
	out->struct_size = sizeof(*out);
	out->domid = in->domid;
	out->state = in->state <= HV_HC_STATE_DYING ? (hv_domain_state)in->state :
		HV_STATE_DYING;
	copy_name(out->name, in->name);
	memcpy(out->uuid, in->uuid, sizeof(out->uuid));
	out->vcpus = in->vcpus;
	out->maxvcpus = in->maxvcpus;
	out->memory_mib = in->memory_mib;
	out->maxmem_mib = in->maxmem_mib;
	out->cpu_time_ns = in->cpu_time_ns;
	out->start_time = (time_t)in->start_time;
	out->shutdown_code = in->shutdown_code <= HV_HC_CODE_CRASH ?
		(hv_shutdown_code)in->shutdown_code : HV_SHUTDOWN_NONE;
	out->vmm_pid = (int)in->vmm_pid;
	out->on_poweroff = action_from_hc(in->on_poweroff);
	out->on_reboot = action_from_hc(in->on_reboot);
	out->on_crash = action_from_hc(in->on_crash);
	out->current_mib = in->current_mib;
	out->mem_flags = (in->mem_flags & HV_HC_MEM_TARGET_MISSED ? HV_MEM_TARGET_MISSED : 0) |
			 (in->mem_flags & HV_HC_MEM_CAPPED ? HV_MEM_CAPPED : 0);
	out->flags = in->state == HV_HC_STATE_RUNNING && (in->flags & HV_HC_DOMINFO_BLOCKED) ?
		     HV_DOMINFO_BLOCKED : 0;
}
