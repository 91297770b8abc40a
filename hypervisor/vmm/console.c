/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include "console.h"
#include "log.h"
#include "loop.h"

#define CONSOLE_MAX_CLIENTS 8
#define CONSOLE_HELD_MAX 4096

/* Output of one source waiting for another source's line to end. */
struct console_held {
	uint8_t buf[CONSOLE_HELD_MAX];
	size_t len;
};

struct console {
	int out_fd, in_fd;
	bool own_out;
	bool restore_tty;
	struct termios saved;
	int log_fd;
	uint64_t log_max;	/* the log's most bytes; 0: no limit */
	uint64_t log_size;	/* what it holds now (as far as hv-vmm knows) */
	int listen_fd;
	char *listen_path;
	int clients[CONSOLE_MAX_CLIENTS];
	struct loop *loop;
	console_input_fn *input;
	void *input_opaque;
	int owner;		/* source with a line begun, or -1 */
	struct console_held held[CONSOLE_NR_SOURCES];
	int timer_fd;		/* flushes held output after CONSOLE_HOLD_MS */
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
	con->out_fd = con->in_fd = con->log_fd = con->listen_fd = -1;
	con->owner = -1;
	con->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	for (int i = 0; i < CONSOLE_MAX_CLIENTS; i++)
		con->clients[i] = -1;
	pthread_mutex_init(&con->lock, NULL);
	if (!strcmp(spec, "stdio")) {
		con->out_fd = STDOUT_FILENO;
		con->in_fd = STDIN_FILENO;
		rc = console_tty_raw(con, STDIN_FILENO);
	} else if (!strcmp(spec, "none")) {
		/* output only to the log and the socket clients */
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
	} else {
		err("--console %s: expected stdio, file:PATH, pty or none", spec);
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
	console_flush(con);
	if (con->restore_tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &con->saved);
	if (con->in_fd == STDIN_FILENO)
		fcntl(con->in_fd, F_SETFL, fcntl(con->in_fd, F_GETFL) & ~O_NONBLOCK);
	if (con->own_out && con->out_fd >= 0)
		close(con->out_fd);
	if (con->log_fd >= 0)
		close(con->log_fd);
	for (int i = 0; i < CONSOLE_MAX_CLIENTS; i++)
		if (con->clients[i] >= 0)
			close(con->clients[i]);
	if (con->listen_fd >= 0) {
		close(con->listen_fd);
		unlink(con->listen_path);
	}
	free(con->listen_path);
	if (con->timer_fd >= 0)
		close(con->timer_fd);
	pthread_mutex_destroy(&con->lock);
	free(con);
}

void console_set_log(struct console *con, int fd, uint64_t max)
{
	struct stat st;

	con->log_fd = fd;
	con->log_max = max && max < 4096 ? 4096 : max;
	con->log_size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	/* output goes after what the log holds, with or without O_APPEND */
	if (lseek(fd, 0, SEEK_END) < 0)
		con->log_size = 0;
}

static void write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t r = write(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;	/* nobody reads: drop it, never stall the guest */
		p += r;
		len -= r;
	}
}

/*
 * A guest may write without end: the log keeps at most log_max bytes.
 * When @len more would pass it, the log keeps its newest half (read back
 * where the descriptor allows it: hvd opens it read-write), after a line
 * that says what was dropped; hv-vmm needs only the descriptor for it.
 */
static void console_log_write(struct console *con, const uint8_t *buf, size_t len)
{
	uint64_t keep = con->log_max / 2;
	uint8_t *tail = NULL;
	ssize_t got = 0;
	char note[128];
	int n;

	if (!con->log_max || con->log_size + len <= con->log_max) {
		write_all(con->log_fd, buf, len);
		con->log_size += len;
		return;
	}
	if (len > keep) {
		buf += len - keep;
		len = keep;
	}
	keep -= len;
	if (keep && con->log_size && (tail = malloc(keep))) {
		uint64_t from = con->log_size > keep ? con->log_size - keep : 0;

		got = pread(con->log_fd, tail, con->log_size - from, (off_t)from);
		if (got < 0)
			got = 0;
	}
	/* the offset too: without O_APPEND a write after it would leave a hole */
	if (ftruncate(con->log_fd, 0) < 0 || lseek(con->log_fd, 0, SEEK_SET) < 0) {
		free(tail);
		return;		/* cannot make room: this output is dropped */
	}
	n = snprintf(note, sizeof(note), "[hv-vmm: the console log reached %llu bytes; "
		     "its oldest part was dropped]\n", (unsigned long long)con->log_max);
	write_all(con->log_fd, (const uint8_t *)note, (size_t)n);
	if (got > 0)
		write_all(con->log_fd, tail, (size_t)got);
	write_all(con->log_fd, buf, len);
	con->log_size = (uint64_t)n + (uint64_t)got + len;
	free(tail);
}

/* Called with con->lock held. */
static void console_emit(struct console *con, const void *buf, size_t len)
{
	if (con->out_fd >= 0)
		write_all(con->out_fd, buf, len);
	if (con->log_fd >= 0)
		console_log_write(con, buf, len);
	for (int i = 0; i < CONSOLE_MAX_CLIENTS; i++)
		if (con->clients[i] >= 0 &&
		    send(con->clients[i], buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
		    errno != EAGAIN)
			shutdown(con->clients[i], SHUT_RDWR);	/* the loop reaps it */
}

/* Emits @src's output and notes whether it left a line open. */
static void console_emit_src(struct console *con, int src, const uint8_t *buf, size_t len)
{
	if (!len)
		return;
	console_emit(con, buf, len);
	con->owner = buf[len - 1] == '\n' ? -1 : src;
}

static void console_arm_timer(struct console *con)
{
	struct itimerspec t = { .it_value.tv_nsec = CONSOLE_HOLD_MS * 1000000L };

	if (con->timer_fd >= 0)
		timerfd_settime(con->timer_fd, 0, &t, NULL);
}

/* Releases what other sources held back, oldest owner first. */
static void console_release(struct console *con)
{
	for (int src = 0; src < CONSOLE_NR_SOURCES && con->owner < 0; src++) {
		struct console_held *h = &con->held[src];
		uint8_t *nl;
		size_t n;

		if (!h->len)
			continue;
		/* up to and including its last complete line, then the rest */
		nl = memrchr(h->buf, '\n', h->len);
		n = nl ? (size_t)(nl - h->buf) + 1 : h->len;
		console_emit_src(con, src, h->buf, n);
		memmove(h->buf, h->buf + n, h->len - n);
		h->len -= n;
		if (h->len) {
			console_emit_src(con, src, h->buf, h->len);
			h->len = 0;
		}
	}
	for (int src = 0; src < CONSOLE_NR_SOURCES; src++)
		if (con->held[src].len)
			console_arm_timer(con);
}

void console_write(struct console *con, enum console_source src, const void *buf,
		   size_t len)
{
	const uint8_t *p = buf;

	pthread_mutex_lock(&con->lock);
	if (con->owner >= 0 && con->owner != (int)src) {
		struct console_held *h = &con->held[src];

		while (len) {
			size_t n = len < CONSOLE_HELD_MAX - h->len ? len : CONSOLE_HELD_MAX - h->len;

			memcpy(h->buf + h->len, p, n);
			h->len += n;
			p += n;
			len -= n;
			if (h->len == CONSOLE_HELD_MAX) {
				/* too much waiting: the open line loses */
				con->owner = -1;
				console_release(con);
			}
		}
		console_arm_timer(con);
		pthread_mutex_unlock(&con->lock);
		return;
	}
	console_emit_src(con, src, p, len);
	if (con->owner < 0)
		console_release(con);
	pthread_mutex_unlock(&con->lock);
}

void console_flush(struct console *con)
{
	if (!con)
		return;
	pthread_mutex_lock(&con->lock);
	con->owner = -1;
	console_release(con);
	pthread_mutex_unlock(&con->lock);
}

static void console_on_timer(void *opaque, int fd, unsigned int events)
{
	struct console *con = opaque;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0)
		return;
	pthread_mutex_lock(&con->lock);
	con->owner = -1;	/* an open line has waited long enough */
	console_release(con);
	pthread_mutex_unlock(&con->lock);
}

static void console_on_input(void *opaque, int fd, unsigned int events)
{
	struct console *con = opaque;
	uint8_t buf[256];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		con->input(con->input_opaque, buf, n);
		return;
	}
	/* EOF or error: that input source is gone */
	loop_del(con->loop, fd);
	pthread_mutex_lock(&con->lock);
	for (int i = 0; i < CONSOLE_MAX_CLIENTS; i++)
		if (con->clients[i] == fd) {
			close(fd);
			con->clients[i] = -1;
		}
	pthread_mutex_unlock(&con->lock);
}

static void console_on_accept(void *opaque, int fd, unsigned int events)
{
	struct console *con = opaque;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int slot = -1;

	if (c < 0)
		return;
	pthread_mutex_lock(&con->lock);
	for (int i = 0; i < CONSOLE_MAX_CLIENTS && slot < 0; i++)
		if (con->clients[i] < 0)
			slot = i;
	if (slot >= 0)
		con->clients[slot] = c;
	pthread_mutex_unlock(&con->lock);
	if (slot < 0 || loop_add(con->loop, c, console_on_input, con)) {
		info("console: too many clients, one refused");
		pthread_mutex_lock(&con->lock);
		if (slot >= 0)
			con->clients[slot] = -1;
		pthread_mutex_unlock(&con->lock);
		close(c);
	}
}

int console_listen(struct console *con, const char *path)
{
	int fd = unix_listen(path, SOCK_STREAM, "--console-socket");

	if (fd < 0)
		return fd;
	con->listen_fd = fd;
	con->listen_path = strdup(path);
	return con->listen_path ? 0 : -ENOMEM;
}

int console_attach(struct console *con, struct loop *loop, console_input_fn *fn,
		   void *opaque)
{
	con->loop = loop;
	con->input = fn;
	con->input_opaque = opaque;
	if (con->timer_fd >= 0 && loop_add(loop, con->timer_fd, console_on_timer, con))
		return -ENOSPC;
	if (con->listen_fd >= 0 && loop_add(loop, con->listen_fd, console_on_accept, con))
		return -ENOSPC;
	if (con->in_fd >= 0 && loop_add(loop, con->in_fd, console_on_input, con))
		info("console input is not pollable (a file or /dev/null): no guest input");
	return 0;
}
