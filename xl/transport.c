/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xl migrate's transports besides ssh: a TCP connection (tcp://HOST:PORT,
 * and migrate-receive --listen HOST:PORT), optionally with TLS through
 * GnuTLS, both sides authenticated by certificates that one CA signed.
 *
 * libhv speaks the migration protocol on plain descriptors and hv-vmm
 * writes the stream straight into the one it gets, so TLS runs in a relay
 * thread: libhv gets one end of a socket pair, the thread moves bytes
 * between the other end and the TLS session.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include "xl.h"

#define TLS_HANDSHAKE_MS 30000

struct xl_tls {
	gnutls_session_t session;
	gnutls_certificate_credentials_t cred;
	int tcp, local;			/* the connection, and the relay's end */
	pthread_t thread;
	bool running;
};

/* "HOST:PORT" or "[V6]:PORT" into its parts (@host is rewritten in place). */
static int split_hostport(const char *what, char *spec, char **host_r, char **port_r)
{
	char *colon;

	if (spec[0] == '[') {
		char *end = strchr(spec, ']');

		if (!end || end[1] != ':')
			goto bad;
		*end = '\0';
		*host_r = spec + 1;
		*port_r = end + 2;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			goto bad;
		*colon = '\0';
		*host_r = spec;
		*port_r = colon + 1;
	}
	if (!**port_r)
		goto bad;
	return 0;
bad:
	fprintf(stderr, "xl: %s: give HOST:PORT (or [IPV6]:PORT)\n", what);
	return -1;
}

static int tcp_open(const char *hostport, bool listen_, int *fd_r)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = listen_ ? AI_PASSIVE : 0 };
	struct addrinfo *res, *ai;
	char *spec = strdup(hostport), *host, *port;
	int fd = -1, r, one = 1;

	if (!spec)
		return -1;
	if (split_hostport(hostport, spec, &host, &port)) {
		free(spec);
		return -1;
	}
	r = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (r) {
		fprintf(stderr, "xl: %s: %s\n", hostport, gai_strerror(r));
		free(spec);
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (listen_) {
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0)
				break;
		} else if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			break;
		}
		r = errno;
		close(fd);
		fd = -1;
		errno = r;
	}
	if (fd < 0)
		fprintf(stderr, "xl: %s: cannot %s: %s\n", hostport, listen_ ? "listen there" : "connect",
			strerror(errno));
	freeaddrinfo(res);
	free(spec);
	if (fd < 0)
		return -1;
	if (listen_) {
		int c;

		fprintf(stderr, "migration target: waiting for the sender on %s\n", hostport);
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			fprintf(stderr, "xl: %s: accept: %s\n", hostport, strerror(errno));
		close(fd);
		if (c < 0)
			return -1;
		fd = c;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*fd_r = fd;
	return 0;
}

int xl_tcp_connect(const char *hostport, int *fd_r)
{
	return tcp_open(hostport, false, fd_r);
}

int xl_tcp_accept(const char *hostport, int *fd_r)
{
	return tcp_open(hostport, true, fd_r);
}

/* Writes all of @len bytes to the TLS session. */
static int tls_send_all(gnutls_session_t s, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = gnutls_record_send(s, p, len);

		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { fd, POLLOUT, 0 };

			poll(&pfd, 1, -1);
			continue;
		}
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The relay: local <-> TLS, until both directions have ended. */
static void *tls_relay(void *arg)
{
	struct xl_tls *t = arg;
	static uint8_t out_buf[65536], in_buf[65536];	/* one relay per xl */
	bool out_open = true, in_open = true;

	while (out_open || in_open) {
		struct pollfd p[2] = {
			{ out_open ? t->local : -1, POLLIN, 0 },
			{ in_open ? t->tcp : -1, POLLIN, 0 },
		};

		if (!(in_open && gnutls_record_check_pending(t->session)) &&
		    poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (in_open && (gnutls_record_check_pending(t->session) || (p[1].revents & (POLLIN | POLLHUP | POLLERR)))) {
			ssize_t n = gnutls_record_recv(t->session, in_buf, sizeof(in_buf));

			if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
				continue;
			if (n <= 0 || write_all(t->local, in_buf, (size_t)n)) {
				/* the peer ended (or broke): libhv reads the end */
				in_open = false;
				shutdown(t->local, SHUT_WR);
			}
		}
		if (out_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = read(t->local, out_buf, sizeof(out_buf));

			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0 || tls_send_all(t->session, out_buf, (size_t)n)) {
				out_open = false;
				gnutls_bye(t->session, GNUTLS_SHUT_WR);
				if (n > 0)	/* the connection broke: nothing more comes in either */
					in_open = false;
			}
		}
	}
	shutdown(t->local, SHUT_RDWR);
	shutdown(t->tcp, SHUT_RDWR);
	return NULL;
}

static void tls_free(struct xl_tls *t)
{
	if (t->session)
		gnutls_deinit(t->session);
	if (t->cred)
		gnutls_certificate_free_credentials(t->cred);
	if (t->local >= 0)
		close(t->local);
	if (t->tcp >= 0)
		close(t->tcp);
	free(t);
}

struct xl_tls *xl_tls_start(int tcp, bool server, const struct xl_tls_opts *o, int *fd_r)
{
	struct xl_tls *t = calloc(1, sizeof(*t));
	int sv[2], r;
	unsigned int status = 0;
	const char *step = "";

	if (!t) {
		close(tcp);
		return NULL;
	}
	t->tcp = tcp;
	t->local = -1;
	r = gnutls_certificate_allocate_credentials(&t->cred);
	if (r >= 0) {
		step = o->ca;
		r = gnutls_certificate_set_x509_trust_file(t->cred, o->ca, GNUTLS_X509_FMT_PEM);
		if (r == 0)
			r = GNUTLS_E_FILE_ERROR;	/* no certificate in it */
	}
	if (r >= 0) {
		step = o->cert;
		r = gnutls_certificate_set_x509_key_file(t->cred, o->cert, o->key, GNUTLS_X509_FMT_PEM);
	}
	if (r >= 0) {
		step = "the TLS session";
		r = gnutls_init(&t->session, server ? GNUTLS_SERVER : GNUTLS_CLIENT);
	}
	if (r >= 0)
		r = gnutls_set_default_priority(t->session);
	if (r >= 0)
		r = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, t->cred);
	if (r < 0) {
		fprintf(stderr, "xl: TLS: %s: %s\n", step, gnutls_strerror(r));
		tls_free(t);
		return NULL;
	}
	/* both sides show a certificate the CA signed; no names are checked */
	if (server)
		gnutls_certificate_server_set_request(t->session, GNUTLS_CERT_REQUIRE);
	gnutls_session_set_verify_cert(t->session, NULL, 0);
	gnutls_transport_set_int(t->session, tcp);
	gnutls_handshake_set_timeout(t->session, TLS_HANDSHAKE_MS);
	do {
		r = gnutls_handshake(t->session);
	} while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0) {
		status = gnutls_session_get_verify_cert_status(t->session);
		if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR && status) {
			gnutls_datum_t why;

			if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509,
									 &why, 0) == 0) {
				fprintf(stderr, "xl: TLS: the peer's certificate is refused: %s\n",
					why.data);
				gnutls_free(why.data);
			}
		} else {
			fprintf(stderr, "xl: TLS: the handshake failed: %s%s\n", gnutls_strerror(r),
				server ? " (does the sender show a certificate this side's CA signed?)" :
				" (does the receiver take this side's certificate?)");
		}
		tls_free(t);
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		fprintf(stderr, "xl: TLS: socketpair: %s\n", strerror(errno));
		tls_free(t);
		return NULL;
	}
	t->local = sv[1];
	r = pthread_create(&t->thread, NULL, tls_relay, t);
	if (r) {
		fprintf(stderr, "xl: TLS: cannot start the relay: %s\n", strerror(r));
		close(sv[0]);
		tls_free(t);
		return NULL;
	}
	t->running = true;
	*fd_r = sv[0];
	return t;
}

void xl_tls_end(struct xl_tls *t)
{
	struct timespec ts;

	if (!t)
		return;
	if (t->running) {
		/* what libhv wrote goes out; a peer that never ends its side is cut off */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 30;
		if (pthread_timedjoin_np(t->thread, NULL, &ts)) {
			shutdown(t->tcp, SHUT_RDWR);
			shutdown(t->local, SHUT_RDWR);
			pthread_join(t->thread, NULL);
		}
	}
	tls_free(t);
}
