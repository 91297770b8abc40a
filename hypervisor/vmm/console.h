/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The console backend: where guest output goes and input comes from.
 * Output goes to the primary backend (stdio, a file, a pty, or none), to an
 * optional log fd, and to every client connected to an optional Unix
 * socket; input comes from the primary backend and from the clients.
 */
#ifndef HV_VMM_CONSOLE_H
#define HV_VMM_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

struct console;
struct loop;

/* Input sink: called from the I/O thread. */
typedef void console_input_fn(void *opaque, const uint8_t *buf, size_t len);

/* @spec: "stdio", "file:PATH", "pty" or "none". */
int console_open(struct console **con_r, const char *spec);
void console_close(struct console *con);
/* Also append all output to @fd (taken over: closed by console_close). */
/* Appends the console's output to @fd, keeping at most @max bytes in it
 * (its newest half when it is full; 0: no limit; at least 4096). */
void console_set_log(struct console *con, int fd, uint64_t max);
/* Serve clients on a Unix stream socket at @path (created; removed at close). */
int console_listen(struct console *con, const char *path);
/* Starts taking input (primary backend and clients) in @loop. */
int console_attach(struct console *con, struct loop *loop, console_input_fn *fn,
		   void *opaque);
/*
 * Guest output from one of the console devices.  Two devices share one
 * stream, so a line one of them has begun is finished before the other's
 * output goes out (held back at most CONSOLE_HOLD_MS).  Thread-safe; never
 * blocks on a slow reader (its output is dropped).
 */
enum console_source { CONSOLE_UART, CONSOLE_VIRTIO, CONSOLE_NR_SOURCES };
#define CONSOLE_HOLD_MS 100
void console_write(struct console *con, enum console_source src, const void *buf,
		   size_t len);
/*
 * Writes out what is held now, as the timer would: before a save or a
 * migration ends this copy of the domain (a line held here is not in the
 * image: its guest buffer is already used), and at the end.
 */
void console_flush(struct console *con);

#endif
