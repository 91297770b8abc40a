/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hypercall socket: accepting and authenticating clients, receiving
 * requests with their descriptors, sending replies and events.  A client
 * with a reply owed is not read from until it is sent, so its replies
 * come in order; a client that does not read is queued for, up to a
 * limit of messages and of bytes, and then dropped, so it never blocks hvd
 * nor grows it.  hvd also defends itself against being worn down: at most
 * HVD_CONN_MAX clients (more are closed at once), accept() paused for a
 * moment at the descriptor limit instead of failing in a loop, and a
 * client idle for HVD_CONN_IDLE_MS (no request, nothing owed, no events
 * asked for) dropped: libhv reconnects on its next call.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "wire/hcmsg.h"
#include "wire/fdpass.h"
#include "hvd.h"

#define SERVER_BATCH 32		/* requests from one client per wake-up */

struct hvd_conn *server_conn(struct hvd *hvd, uint64_t id)
{
	for (struct hvd_conn *c = hvd->conns; c; c = c->next)
		if (c->id == id && !c->dead)
			return c;
	return NULL;
}

static void server_update(struct hvd *hvd, struct hvd_conn *c)
{
	uint32_t ev = 0;

	/* while a request is pending, only a CANCEL of it is read */
	if (!c->closing && (!c->busy || !c->held))
		ev |= EPOLLIN;
	if (c->out_head)
		ev |= EPOLLOUT;
	if (ev != c->events) {
		c->events = ev;
		hvd_watch_mod(hvd, &c->w, ev);
	}
}

static void server_drop(struct hvd *hvd, struct hvd_conn *c)
{
	struct hvd_conn **pp;

	if (c->dead)
		return;
	for (pp = &hvd->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	hvd->nr_conns--;
	hvd_watch_del(hvd, &c->w);
	close(c->w.fd);
	c->w.fd = -1;
	while (c->out_head) {
		struct hvd_outmsg *m = c->out_head;

		c->out_head = m->next;
		if (m->fd >= 0)
			close(m->fd);
		free(m);
	}
	c->dead = true;
	/* domains it was receiving by migration, not yet committed: gone with it;
	 * domains it was sending: no one will say go, they run on here */
	for (struct hvd_domain *d = hvd->domains, *next; d; d = next) {
		next = d->next;
		op_migrate_client_gone(hvd, d, c->id);
		if (d->incoming_conn == c->id) {
			hvd_info(hvd, "domain %u (%s): the migration's receiver went away before "
				 "committing it; destroying it (the domain runs on at the source)",
				 d->domid, d->cfg->name);
			domain_remove(hvd, d);
		}
	}
	c->next = hvd->conn_graveyard;
	hvd->conn_graveyard = c;
	hvd_dbg(hvd, "client %llu (pid %d) gone", (unsigned long long)c->id, (int)c->pid);
}

void server_reap(struct hvd *hvd)
{
	while (hvd->conn_graveyard) {
		struct hvd_conn *c = hvd->conn_graveyard;

		hvd->conn_graveyard = c->next;
		free(c);
	}
}

/* 0 sent, 1 would block, -1 the peer is gone. */
static int server_sendmsg(int fd, const void *buf, size_t len, int pass_fd)
{
	struct iovec iov = { (void *)buf, len };

	if (wire_send(fd, &iov, 1, &pass_fd, pass_fd >= 0 ? 1 : 0, MSG_DONTWAIT) >= 0)
		return 0;
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ? 1 : -1;
}

static void server_flush(struct hvd *hvd, struct hvd_conn *c)
{
	while (c->out_head) {
		struct hvd_outmsg *m = c->out_head;
		int r = server_sendmsg(c->w.fd, m->data, m->len, m->fd);

		if (r > 0)
			break;
		if (r < 0) {
			server_drop(hvd, c);
			return;
		}
		c->out_head = m->next;
		if (!c->out_head)
			c->out_tail = NULL;
		c->nout--;
		c->out_bytes -= m->len;
		if (m->fd >= 0)
			close(m->fd);
		free(m);
	}
	if (!c->out_head && c->closing) {
		server_drop(hvd, c);
		return;
	}
	server_update(hvd, c);
}

/* Sends or queues one message; takes ownership of @fd. */
static void server_send(struct hvd *hvd, struct hvd_conn *c, const void *buf, size_t len,
			int fd)
{
	struct hvd_outmsg *m;
	int r = 1;

	if (!c->out_head)
		r = server_sendmsg(c->w.fd, buf, len, fd);
	if (r == 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (r < 0 || c->nout >= HVD_CONN_QUEUE_MAX ||
	    c->out_bytes + len > HVD_CONN_QUEUE_BYTES) {
		if (r > 0)
			hvd_err(hvd, "client %llu (pid %d) reads nothing and has %u messages "
				"(%zu bytes) queued; dropping it", (unsigned long long)c->id,
				(int)c->pid, c->nout, c->out_bytes);
		if (fd >= 0)
			close(fd);
		server_drop(hvd, c);
		return;
	}
	m = malloc(sizeof(*m) + len);
	if (!m) {
		if (fd >= 0)
			close(fd);
		server_drop(hvd, c);
		return;
	}
	m->next = NULL;
	m->fd = fd;
	m->len = len;
	memcpy(m->data, buf, len);
	if (c->out_tail)
		c->out_tail->next = m;
	else
		c->out_head = m;
	c->out_tail = m;
	c->nout++;
	c->out_bytes += len;
	server_update(hvd, c);
}

/*
 * A reply: @body for status 0; for an error, @msg (NULL: none) goes as its
 * body, made printable and cut to HV_HC_ERRMSG_MAX with its NUL.
 */
static void server_send_reply(struct hvd *hvd, struct hvd_conn *c, uint16_t op, uint32_t seq,
			      int status, const void *body, size_t len, int fd, const char *msg)
{
	struct hv_hc_hdr *h = (struct hv_hc_hdr *)hvd->txbuf;
	uint8_t *out = hvd->txbuf + sizeof(*h);

	if (status) {
		len = 0;
		if (fd >= 0) {
			close(fd);
			fd = -1;
		}
		if (msg && *msg) {
			for (; msg[len] && len < HV_HC_ERRMSG_MAX - 1; len++)
				out[len] = msg[len] >= 0x20 && msg[len] < 0x7f ? msg[len] : '?';
			out[len++] = '\0';
		}
	} else if (len) {
		memcpy(out, body, len);
	}
	hcmsg_header(h, op, HV_HC_F_REPLY, seq, status, len);
	server_send(hvd, c, hvd->txbuf, sizeof(*h) + len, fd);
}

static void server_answer(struct hvd *hvd, uint64_t conn_id, uint16_t op, uint32_t seq,
			  int status, const void *body, size_t len, int fd, const char *msg)
{
	struct hvd_conn *c = conn_id ? server_conn(hvd, conn_id) : NULL;

	if (!c) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (c->busy && seq == c->busy_seq) {
		c->busy = false;
		c->held = false;
	}
	server_send_reply(hvd, c, op, seq, status, body, len, fd, msg);
	if (!c->dead)
		server_update(hvd, c);
}

void server_reply(struct hvd *hvd, uint64_t conn_id, uint16_t op, uint32_t seq, int status,
		  const void *body, size_t len, int fd)
{
	server_answer(hvd, conn_id, op, seq, status, body, len, fd, NULL);
}

void server_reply_msg(struct hvd *hvd, uint64_t conn_id, uint16_t op, uint32_t seq,
		      int status, const char *msg)
{
	if (msg && *msg)
		hvd_dbg(hvd, "client %llu: op %u seq %u fails with error %d: %s",
			(unsigned long long)conn_id, op, seq, -status, msg);
	server_answer(hvd, conn_id, op, seq, status, NULL, 0, -1, msg);
}

int server_reply_err(struct hvd *hvd, uint64_t conn_id, uint16_t op, uint32_t seq,
		     int status, const char *fmt, ...)
{
	char msg[HV_HC_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	server_reply_msg(hvd, conn_id, op, seq, status, msg);
	return HVD_REPLIED;
}

void server_progress_body(struct hvd *hvd, uint64_t conn_id, uint16_t op, uint32_t seq,
			  const void *body, size_t len)
{
	struct {
		struct hv_hc_hdr h;
		uint8_t body[sizeof(struct hv_hc_migrate_progress)];
	} msg;
	struct hvd_conn *c = conn_id ? server_conn(hvd, conn_id) : NULL;

	/* a client behind on reading learns the progress from a later one */
	if (!c || c->closing || c->out_head || len > sizeof(msg.body))
		return;
	memset(&msg, 0, sizeof(msg));
	hcmsg_header(&msg.h, op, HV_HC_F_PROGRESS, seq, 0, len);
	memcpy(msg.body, body, len);
	server_send(hvd, c, &msg, sizeof(msg.h) + len, -1);
}

void server_progress(struct hvd *hvd, uint64_t conn_id, uint16_t op, uint32_t seq,
		     uint64_t done, uint64_t total)
{
	struct hv_hc_progress p = { .done = done, .total = total };

	server_progress_body(hvd, conn_id, op, seq, &p, sizeof(p));
}

void server_event(struct hvd *hvd, uint32_t type, const struct hvd_domain *d, uint32_t code)
{
	struct {
		struct hv_hc_hdr h;
		struct hv_hc_event e;
	} msg;
	struct hvd_conn *c, *next;

	memset(&msg, 0, sizeof(msg));
	hcmsg_header(&msg.h, HV_HC_EVENT, HV_HC_F_EVENT, 0, 0, sizeof(msg.e));
	msg.e.type = type;
	msg.e.domid = d->domid;
	msg.e.code = code;
	snprintf(msg.e.name, sizeof(msg.e.name), "%s", d->cfg->name);
	hvd_dbg(hvd, "event %u for domain %u (%s), code %u", type, d->domid, d->cfg->name, code);
	for (c = hvd->conns; c; c = next) {
		next = c->next;
		if (c->subscribed && !c->closing)
			server_send(hvd, c, &msg, sizeof(msg), -1);
	}
}

static void server_close_fds(int *fds, unsigned int nfds)
{
	for (unsigned int i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void server_request(struct hvd *hvd, struct hvd_conn *c, size_t len, bool truncated,
			   int *fds, unsigned int nfds)
{
	struct hvd_req req;
	int rc;

	c->active_at = hvd_now_ms();
	rc = request_decode(hvd->rxbuf, len, nfds, &req);
	if (rc && req.key)	/* refused: the key goes now */
		explicit_bzero(hvd->rxbuf + (req.key - hvd->rxbuf), HV_HC_KEY_SIZE);
	if (truncated) {
		hvd_dbg(hvd, "client %llu: a message over %d bytes", (unsigned long long)c->id,
			HV_HC_MSG_MAX);
		rc = -HV_HC_EPROTO;
	}
	if (!c->authorised) {
		char msg[128];

		snprintf(msg, sizeof(msg), "uid %u may not use this hvd: only root and uid %u may",
			 (unsigned int)c->uid, (unsigned int)geteuid());
		server_close_fds(fds, nfds);
		if (req.key)
			explicit_bzero(hvd->rxbuf + (req.key - hvd->rxbuf), HV_HC_KEY_SIZE);
		server_send_reply(hvd, c, req.hdr.op, req.hdr.seq, -HV_HC_EPERM, NULL, 0, -1, msg);
		if (!c->dead) {
			c->closing = true;
			server_flush(hvd, c);
		}
		return;
	}
	if (rc) {
		hvd_dbg(hvd, "client %llu: refusing op %u seq %u: error %d",
			(unsigned long long)c->id, req.hdr.op, req.hdr.seq, -rc);
		server_close_fds(fds, nfds);
		server_send_reply(hvd, c, req.hdr.op, req.hdr.seq, rc, NULL, 0, -1, NULL);
		return;
	}
	switch (req.hdr.op) {
	case HV_HC_EVENT_SUBSCRIBE:
		c->subscribed = true;
		rc = 0;
		break;
	default:
		/* reads the descriptors it needs; they are closed below */
		rc = domain_op(hvd, c, &req, fds, nfds);
		break;
	}
	server_close_fds(fds, nfds);
	/* a sealed image's key: passed on to hv-vmm by now, kept nowhere */
	if (req.key)
		explicit_bzero(hvd->rxbuf + (req.key - hvd->rxbuf), HV_HC_KEY_SIZE);
	if (rc == HVD_DEFERRED) {
		c->busy = true;
		c->busy_seq = req.hdr.seq;
		server_update(hvd, c);
	} else if (rc != HVD_REPLIED) {
		server_send_reply(hvd, c, req.hdr.op, req.hdr.seq, rc, NULL, 0, -1, NULL);
	}
}

static void server_on_conn(struct hvd *hvd, struct hvd_watch *w, uint32_t events)
{
	struct hvd_conn *c = (struct hvd_conn *)((char *)w - offsetof(struct hvd_conn, w));

	if (c->dead)
		return;
	if (events & EPOLLOUT) {
		server_flush(hvd, c);
		if (c->dead)
			return;
	}
	for (int i = 0; i < SERVER_BATCH && !c->held && !c->closing && !c->dead; i++) {
		int fds[HV_HC_MAX_FDS + 1];
		size_t nfds;
		unsigned int trunc;
		ssize_t n;

		if (c->busy) {
			struct hv_hc_hdr h;

			/* a pending request: take a CANCEL, leave anything else queued */
			n = recv(c->w.fd, &h, sizeof(h), MSG_DONTWAIT | MSG_PEEK);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (n == (ssize_t)sizeof(h) && h.op != HV_HC_DOMCTL_CANCEL) {
				c->held = true;
				server_update(hvd, c);
				break;
			}
		}
		n = wire_recv(c->w.fd, hvd->rxbuf, sizeof(hvd->rxbuf), fds, HV_HC_MAX_FDS + 1,
			      &nfds, &trunc, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			server_drop(hvd, c);
			return;
		}
		if (trunc & WIRE_TRUNC_FDS) {
			/* more descriptors than any request takes */
			nfds = HV_HC_MAX_FDS + 1;
			for (unsigned int k = 0; k < nfds; k++)
				fds[k] = -1;
		}
		server_request(hvd, c, (size_t)n, trunc & WIRE_TRUNC_DATA, fds, (unsigned int)nfds);
	}
	if (!c->dead && (events & (EPOLLHUP | EPOLLERR)) && (c->busy || c->closing))
		server_drop(hvd, c);
}

/*
 * What was refused at the door, logged at most every 10 s: clients closed
 * at HVD_CONN_MAX (@paused false), or accept() paused at the descriptor
 * limit (@paused true).
 */
static void server_accept_said(struct hvd *hvd, int64_t now, bool paused)
{
	if (!paused)
		hvd->accept_refused++;
	if (hvd->accept_said_at && now - hvd->accept_said_at < 10000)
		return;
	hvd->accept_said_at = now;
	if (paused)
		hvd_err(hvd, "at its descriptor limit (%u clients): not accepting new ones for "
			"%d ms at a time until some go", hvd->nr_conns, HVD_ACCEPT_BACKOFF_MS);
	if (hvd->accept_refused) {
		hvd_err(hvd, "%lu client(s) closed at once: %d are connected, the most hvd "
			"takes", hvd->accept_refused, HVD_CONN_MAX);
		hvd->accept_refused = 0;
	}
}

/* At the descriptor limit: stop watching the socket for a moment. */
static void server_accept_pause(struct hvd *hvd)
{
	int64_t now = hvd_now_ms();

	hvd->accept_at = now + HVD_ACCEPT_BACKOFF_MS;
	hvd_watch_mod(hvd, &hvd->listenw, 0);
	/* clients come before metering's convenience */
	meter_fds_release(hvd);
	server_accept_said(hvd, now, true);
}

static void server_on_listen(struct hvd *hvd, struct hvd_watch *w, uint32_t events)
{
	for (int i = 0; i < 64; i++) {
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		struct hvd_conn *c;
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				server_accept_pause(hvd);
			else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				hvd_err(hvd, "accept on the hypercall socket: %s", strerror(errno));
			return;
		}
		if (hvd->nr_conns >= HVD_CONN_MAX) {
			close(fd);
			server_accept_said(hvd, hvd_now_ms(), false);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
			hvd_err(hvd, "cannot take a new client: %s", strerror(errno ? errno : ENOMEM));
			free(c);
			close(fd);
			continue;
		}
		c->id = hvd->next_conn_id++;
		c->w.fd = fd;
		c->w.fn = server_on_conn;
		c->uid = cred.uid;
		c->pid = cred.pid;
		c->authorised = cred.uid == 0 || cred.uid == geteuid();
		c->events = EPOLLIN;
		if (!c->authorised) {
			hvd_err(hvd, "refusing a client with uid %u (pid %d): only root and uid %u "
				"may use this hvd", (unsigned int)cred.uid, (int)cred.pid,
				(unsigned int)geteuid());
			c->deadline = hvd_now_ms() + HVD_AUTH_LINGER_MS;
		}
		if (hvd_watch_add(hvd, &c->w, c->events)) {
			close(fd);
			free(c);
			continue;
		}
		c->next = hvd->conns;
		hvd->conns = c;
		hvd->nr_conns++;
		c->active_at = hvd_now_ms();
		hvd_dbg(hvd, "client %llu: uid %u pid %d", (unsigned long long)c->id,
			(unsigned int)cred.uid, (int)cred.pid);
	}
}

int64_t server_tick(struct hvd *hvd, int64_t now)
{
	int64_t next = 0;
	struct hvd_conn *c, *n;

	if (hvd->accept_at) {
		if (hvd->accept_at <= now) {
			hvd->accept_at = 0;
			hvd_watch_mod(hvd, &hvd->listenw, EPOLLIN);
		} else {
			next = hvd->accept_at;
		}
	}
	for (c = hvd->conns; c; c = n) {
		n = c->next;
		if (c->authorised) {
			int64_t idle_at = c->active_at + hvd->conn_idle_ms;

			if (c->subscribed || c->busy || c->out_head || hvd->conn_idle_ms <= 0)
				continue;
			if (idle_at <= now) {
				hvd_info(hvd, "client %llu (pid %d): idle for %lld s; dropped (it "
					 "reconnects on its next call)", (unsigned long long)c->id,
					 (int)c->pid, (long long)(hvd->conn_idle_ms / 1000));
				server_drop(hvd, c);
			} else if (!next || idle_at < next) {
				next = idle_at;
			}
			continue;
		}
		if (!c->deadline)
			continue;
		if (c->deadline <= now) {
			server_drop(hvd, c);
			continue;
		}
		if (!next || c->deadline < next)
			next = c->deadline;
	}
	return next;
}

int server_listen(struct hvd *hvd)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s/hvd.sock", hvd->rundir) >=
	    sizeof(a.sun_path)) {
		hvd_err(hvd, "%s/hvd.sock: path too long for a Unix socket; set HV_RUNDIR to a "
			"shorter directory", hvd->rundir);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		hvd_err(hvd, "cannot create the hypercall socket: %s", strerror(errno));
		return -1;
	}
	/* we hold the lock: a socket left here is from an hvd that died */
	unlink(a.sun_path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(a.sun_path, 0600) < 0 ||
	    listen(fd, 128) < 0) {
		hvd_err(hvd, "cannot listen on %s: %s", a.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	hvd->listenw.fd = fd;
	hvd->listenw.fn = server_on_listen;
	if (hvd_watch_add(hvd, &hvd->listenw, EPOLLIN)) {
		hvd_err(hvd, "cannot watch %s: %s", a.sun_path, strerror(errno));
		close(fd);
		hvd->listenw.fd = -1;
		return -1;
	}
	return 0;
}

void server_close(struct hvd *hvd)
{
	char *path = hvd_path("%s/hvd.sock", hvd->rundir);

	if (hvd->listenw.fd >= 0) {
		hvd_watch_del(hvd, &hvd->listenw);
		close(hvd->listenw.fd);
		hvd->listenw.fd = -1;
		if (path)
			unlink(path);
	}
	free(path);
	while (hvd->conns)
		server_drop(hvd, hvd->conns);
	server_reap(hvd);
}
