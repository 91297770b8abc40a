/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "log.h"
#include "loop.h"

#define LOOP_MAX 128

struct loop_entry {
	int fd;
	loop_fn *fn;
	void *opaque;
};

struct loop {
	int epfd;
	bool quit;
	struct loop_entry e[LOOP_MAX];
};

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	for (int i = 0; i < LOOP_MAX; i++)
		l->e[i].fd = -1;
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l);
}

int loop_add(struct loop *l, int fd, loop_fn *fn, void *opaque)
{
	for (int i = 0; i < LOOP_MAX; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &l->e[i] };

		if (l->e[i].fd >= 0)
			continue;
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			return -errno;
		l->e[i] = (struct loop_entry){ fd, fn, opaque };
		return 0;
	}
	return -ENOSPC;
}

void loop_del(struct loop *l, int fd)
{
	for (int i = 0; i < LOOP_MAX; i++)
		if (l->e[i].fd == fd) {
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
			l->e[i].fd = -1;
		}
}

void loop_quit(struct loop *l)
{
	l->quit = true;
}

int loop_run(struct loop *l)
{
	struct epoll_event ev[16];

	while (!l->quit) {
		int n = epoll_wait(l->epfd, ev, 16, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n && !l->quit; i++) {
			struct loop_entry *e = ev[i].data.ptr;

			if (e->fd >= 0)
				e->fn(e->opaque, e->fd, ev[i].events);
		}
	}
	return 0;
}

int unix_listen(const char *path, int type, const char *opt)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(a.sun_path)) {
		err("%s %s: path too long", opt, path);
		return -ENAMETOOLONG;
	}
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0) {
		rc = -errno;
		err("%s %s: %s", opt, path, strerror(errno));
		close(fd);
		return rc;
	}
	return fd;
}
