/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "console.h"
#include "log.h"

struct console {
	int out_fd, in_fd;
	bool own_out, own_in;
	bool restore_tty;
	struct termios saved;
	pthread_mutex_t lock;
};

static int console_tty_raw(struct console *con, int fd)
{
	struct termios t;

	if (!isatty(fd) || tcgetattr(fd, &con->saved) < 0)
		return 0;
	t = con->saved;
	cfmakeraw(&t);
	t.c_lflag |= ISIG;	/* Ctrl-C still stops hv-vmm */
	t.c_oflag |= OPOST | ONLCR;
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	con->restore_tty = true;
	return 0;
}

int console_open(struct console **con_r, const char *spec)
{
	struct console *con = calloc(1, sizeof(*con));
	int rc = 0;

	*con_r = NULL;
	if (!con)
		return -ENOMEM;
	con->out_fd = con->in_fd = -1;
	pthread_mutex_init(&con->lock, NULL);
	if (!strcmp(spec, "stdio")) {
		con->out_fd = STDOUT_FILENO;
		con->in_fd = STDIN_FILENO;
		rc = console_tty_raw(con, STDIN_FILENO);
	} else if (!strncmp(spec, "file:", 5) && spec[5]) {
		con->out_fd = open(spec + 5, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (con->out_fd < 0) {
			rc = -errno;
			err("--console %s: %s", spec, strerror(errno));
		}
		con->own_out = true;
	} else if (!strcmp(spec, "pty")) {
		int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

		if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
			rc = -errno;
			err("--console pty: %s", strerror(errno));
		} else {
			struct termios t;

			if (tcgetattr(m, &t) == 0) {
				cfmakeraw(&t);
				tcsetattr(m, TCSANOW, &t);
			}
			fprintf(stderr, "hv-vmm: console on %s\n", ptsname(m));
			con->out_fd = con->in_fd = m;
			con->own_out = true;
		}
	} else if (!strncmp(spec, "fd:", 3)) {
		char *end;
		long fd = strtol(spec + 3, &end, 10);

		if (*end || fd < 0 || fcntl((int)fd, F_GETFD) < 0) {
			err("--console %s: not an open file descriptor", spec);
			rc = -EBADF;
		} else {
			con->out_fd = con->in_fd = (int)fd;
			con->own_out = true;
		}
	} else {
		err("--console %s: expected stdio, file:PATH or pty", spec);
		rc = -EINVAL;
	}
	if (rc) {
		console_close(con);
		return rc;
	}
	if (con->in_fd >= 0)
		fcntl(con->in_fd, F_SETFL, fcntl(con->in_fd, F_GETFL) | O_NONBLOCK);
	*con_r = con;
	return 0;
}

void console_close(struct console *con)
{
	if (!con)
		return;
	if (con->restore_tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &con->saved);
	if (con->in_fd >= 0 && con->in_fd != STDIN_FILENO)
		fcntl(con->in_fd, F_SETFL, fcntl(con->in_fd, F_GETFL) & ~O_NONBLOCK);
	if (con->own_out && con->out_fd >= 0)
		close(con->out_fd);
	pthread_mutex_destroy(&con->lock);
	free(con);
}

void console_write(struct console *con, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	pthread_mutex_lock(&con->lock);
	while (len) {
		ssize_t r = write(con->out_fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;	/* nobody is reading: drop the output, never block the guest */
		p += r;
		len -= r;
	}
	pthread_mutex_unlock(&con->lock);
}

int console_input_fd(struct console *con)
{
	return con->in_fd;
}

long console_read(struct console *con, uint8_t *buf, size_t len)
{
	ssize_t r = read(con->in_fd, buf, len);

	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
	return r;
}
