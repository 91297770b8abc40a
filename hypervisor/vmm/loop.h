/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The I/O thread: one epoll loop for eventfds, the console and signals. */
#ifndef HV_VMM_LOOP_H
#define HV_VMM_LOOP_H

#include <stdbool.h>

typedef void loop_fn(void *opaque, int fd, unsigned int events);

struct loop;

struct loop *loop_new(void);
void loop_free(struct loop *l);
int loop_add(struct loop *l, int fd, loop_fn *fn, void *opaque);
void loop_del(struct loop *l, int fd);
/* Runs until loop_quit(); returns 0, or -errno if epoll failed. */
int loop_run(struct loop *l);
void loop_quit(struct loop *l);

/*
 * A listening Unix socket of @type at @path (replacing a stale one), non-
 * blocking and close-on-exec; @opt names the option for error messages.
 * Returns the fd or -errno.
 */
int unix_listen(const char *path, int type, const char *opt);

#endif
