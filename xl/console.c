/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xl console: copy between the terminal and a domain's console. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "xl.h"

int xl_console_escape = 0x1d;	/* Ctrl-] */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t r = write(fd, buf, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * Copy until the console closes (*closed_r = true), the user types Ctrl-]
 * or a signal asks us to stop.
 */
static int copy_loop(int con, bool *closed_r)
{
	struct pollfd p[2] = {
		{ .fd = con, .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
	};
	char buf[4096];
	int nfds = 2;

	while (!stop_signal) {
		ssize_t r;

		if (poll(p, nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			return xl_error(0, "console: poll: %s", strerror(errno));
		}
		if (p[0].revents) {
			r = read(con, buf, sizeof(buf));
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				*closed_r = true;
				return XL_OK;
			}
			if (write_all(STDOUT_FILENO, buf, (size_t)r))
				return XL_FAIL;
		}
		if (nfds > 1 && p[1].revents) {
			char *esc;

			r = read(STDIN_FILENO, buf, sizeof(buf));
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				/* no more input: keep showing the output */
				nfds = 1;
				continue;
			}
			esc = memchr(buf, xl_console_escape, (size_t)r);
			if (esc) {
				write_all(con, buf, (size_t)(esc - buf));
				return XL_OK;
			}
			if (write_all(con, buf, (size_t)r)) {
				*closed_r = true;
				return XL_OK;
			}
		}
	}
	return XL_OK;
}

int xl_console_attach(uint32_t domid, bool unpause, bool *closed_r)
{
	struct sigaction sa = { .sa_handler = on_signal }, old[3];
	static const int sigs[3] = { SIGTERM, SIGHUP, SIGINT };
	struct termios saved, raw;
	bool tty = isatty(STDIN_FILENO), restore = false;
	int con = -1, rc;

	*closed_r = false;
	xl_error_mark();
	rc = hv_domain_console(xl_ctx, domid, &con);
	if (rc)
		return xl_error(rc, "console of domain %u", (unsigned int)domid);
	/* connected before the first instruction runs: nothing is missed */
	if (unpause && (rc = hv_domain_unpause(xl_ctx, domid))) {
		close(con);
		return xl_error(rc, "unpause domain %u", (unsigned int)domid);
	}
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (tty && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0)
			restore = true;
	}
	rc = copy_loop(con, closed_r);
	if (restore) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		fputc('\n', stderr);
	}
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (stop_signal && !rc)
		rc = 128 + stop_signal;
	close(con);
	return rc;
}

/*
 * console -e: "^]" (a caret and a character: that character's control
 * code, as xenconsole reads it) or one character; -1 if neither.
 */
static int escape_arg(const char *s)
{
	if (s[0] == '^' && s[1] && !s[2])
		return s[1] == '?' ? 0x7f : s[1] & 0x1f;
	if (s[0] && !s[1])
		return (unsigned char)s[0];
	return -1;
}

int main_console(int argc, char **argv)
{
	uint32_t domid;
	bool closed;
	int c;

	while ((c = xl_getopt(argc, argv, "t:n:e:")) != -1) {
		switch (c) {
		case 't':
			/* COM1 and virtio-console are one console in hv-vmm */
			if (strcmp(optarg, "pv") && strcmp(optarg, "serial")) {
				fprintf(stderr, "xl: console: type \"%s\": hv's domains have one "
					"console, of types pv and serial at once (vuart is ARM's)\n",
					optarg);
				return XL_FAIL;
			}
			break;
		case 'n':
			if (strcmp(optarg, "0")) {
				fprintf(stderr, "xl: console: number \"%s\": hv's domains have "
					"console 0 only\n", optarg);
				return XL_FAIL;
			}
			break;
		case 'e':
			xl_console_escape = escape_arg(optarg);
			if (xl_console_escape < 0)
				return xl_usage("console", "-e: \"%s\" is not one character nor "
						"^ and one (e.g. ^a for Ctrl-A)", optarg);
			break;
		case XL_HELP:
			return xl_help("console");
		default:
			return XL_USAGE;
		}
	}
	if (optind + 1 != argc)
		return xl_usage("console", "give one domain");
	if (xl_lookup(argv[optind], &domid))
		return XL_FAIL;
	return xl_console_attach(domid, false, &closed);
}
