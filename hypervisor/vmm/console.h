/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The console backend: where guest output goes and input comes from. */
#ifndef HV_VMM_CONSOLE_H
#define HV_VMM_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

struct console;

/* Input sink: called from the I/O thread with the VM's io_lock held. */
typedef void console_input_fn(void *opaque, const uint8_t *buf, size_t len);

/* @spec: "stdio", "file:PATH", "pty", or "fd:N" (an inherited fd, both ways). */
int console_open(struct console **con_r, const char *spec);
void console_close(struct console *con);
void console_write(struct console *con, const void *buf, size_t len);
/* -1 when the backend has no input. */
int console_input_fd(struct console *con);
/* Reads what is waiting on the input fd; returns bytes read, 0 at EOF, -errno. */
long console_read(struct console *con, uint8_t *buf, size_t len);

#endif
