/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The taps' counters from rtnetlink (docs/metering.md): a STATS reply for
 * many domains asks the kernel once for every link (an RTM_GETLINK dump, a
 * few system calls however many taps), where reading each tap's four
 * counter files would cost a dozen per vif; a sample of one domain asks
 * for its taps by name.  The socket is hvd's one, kept open.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "hvd.h"
#include "meter-read.h"

/* The kernel fills at most 32 KiB of a dump per read; a link is 1 to 2 KiB. */
#define METER_NL_BUF	65536

static uint8_t meter_nl_buf[METER_NL_BUF] __attribute__((aligned(8)));

void meter_link_close(struct hvd *hvd)
{
	if (hvd->meter_nl >= 0)
		close(hvd->meter_nl);
	hvd->meter_nl = -1;
}

static int meter_nl_open(struct hvd *hvd)
{
	/* the kernel answers at once; a second is a safeguard, never waited out */
	struct timeval tv = { .tv_sec = 1 };
	int fd;

	if (hvd->meter_nl >= 0)
		return 0;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	hvd->meter_nl = fd;
	return 0;
}

/*
 * Sends @req (its nlmsg_seq set here) and hands each link of the answer to
 * @each until the dump is done or, not a dump, the one link came: 0, or
 * -errno (the kernel's NLMSG_ERROR, or the socket's; then it is closed, so
 * that no half-read answer is left in it).
 */
static int meter_nl_ask(struct hvd *hvd, struct nlmsghdr *req, bool dump,
			int (*each)(const struct meter_link *k, void *arg), void *arg)
{
	uint32_t seq;
	int rc;

	rc = meter_nl_open(hvd);
	if (rc)
		return rc;
	seq = ++hvd->meter_nl_seq;
	req->nlmsg_seq = seq;
	if (send(hvd->meter_nl, req, req->nlmsg_len, 0) != (ssize_t)req->nlmsg_len) {
		rc = -errno;
		goto fail;
	}
	for (;;) {
		ssize_t n = recv(hvd->meter_nl, meter_nl_buf, sizeof(meter_nl_buf), MSG_TRUNC);
		const struct nlmsghdr *h;
		int left;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto fail;
		}
		if ((size_t)n > sizeof(meter_nl_buf)) {
			rc = -EMSGSIZE;
			goto fail;
		}
		left = (int)n;
		for (h = (const void *)meter_nl_buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			struct meter_link k;

			if (h->nlmsg_seq != seq)
				continue;	/* an answer to a request given up on */
			if (h->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				/* a dump the kernel could not finish says why here */
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
					memcpy(&err, NLMSG_DATA(h), sizeof(err));
				return err < 0 ? err : 0;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) || e->error >= 0) {
					rc = -EPROTO;
					goto fail;
				}
				/* the kernel's refusal leaves nothing behind it */
				return e->error;
			}
			if (meter_parse_link(h, (size_t)left, &k) == 0) {
				rc = each(&k, arg);
				if (rc)
					goto fail;
			}
			if (!dump && h->nlmsg_type == RTM_NEWLINK)
				return 0;
		}
	}
fail:
	meter_link_close(hvd);
	return rc;
}

static int meter_links_add(const struct meter_link *k, void *arg)
{
	struct meter_links *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct meter_link *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *k;
	return 0;
}

static int meter_link_cmp(const void *a, const void *b)
{
	return strcmp(((const struct meter_link *)a)->name, ((const struct meter_link *)b)->name);
}

int meter_links_dump(struct hvd *hvd, struct meter_links *l)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.i = { .ifi_family = AF_UNSPEC },
	};
	int rc;

	memset(l, 0, sizeof(*l));
	rc = meter_nl_ask(hvd, &req.h, true, meter_links_add, l);
	if (rc) {
		meter_links_free(l);
		return rc;
	}
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), meter_link_cmp);
	l->ok = true;
	return 0;
}

const struct meter_link *meter_links_find(const struct meter_links *l, const char *name)
{
	struct meter_link key;

	if (!l->n || strlen(name) >= sizeof(key.name))
		return NULL;
	memset(&key, 0, sizeof(key));
	strcpy(key.name, name);
	return bsearch(&key, l->v, l->n, sizeof(*l->v), meter_link_cmp);
}

void meter_links_free(struct meter_links *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int meter_link_one(const struct meter_link *k, void *arg)
{
	*(struct meter_link *)arg = *k;
	return 0;
}

int meter_link_get(struct hvd *hvd, const char *name, struct meter_link *l)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
		struct rtattr a;
		char name[16];
	} req;
	size_t n = strlen(name);
	int rc;

	if (n == 0 || n >= sizeof(req.name))
		return -ENODEV;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_type = RTM_GETLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.i.ifi_family = AF_UNSPEC;
	req.a.rta_type = IFLA_IFNAME;
	req.a.rta_len = (unsigned short)RTA_LENGTH(n + 1);
	memcpy(req.name, name, n);
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.i)) + RTA_ALIGN(req.a.rta_len);
	memset(l, 0, sizeof(*l));
	rc = meter_nl_ask(hvd, &req.h, false, meter_link_one, l);
	if (rc)
		return rc;
	return l->name[0] ? 0 : -ENODEV;
}
