/*
 * hv-vmm's console stream (hypervisor/vmm/console.c): the UART and the
 * virtio console share one output, so a line one of them has begun is
 * finished before the other's output goes out; what waits is held, and
 * nothing held is ever lost: not when the line ends, not at a flush (a
 * save or migration ends this copy of the domain: what waits here is in
 * no image), not at the close, not when the other source writes too much.
 * The console writes to a log descriptor (a memfd), read back whole.
 */
#include <check.h>
#include "check-main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "console.h"

static struct console *con;
static int log_fd;

static void setup(void)
{
	ck_assert_int_eq(console_open(&con, "none"), 0);
	log_fd = memfd_create("console-log", MFD_CLOEXEC);
	ck_assert_int_ge(log_fd, 0);
	/* the console takes the descriptor over: the test reads a duplicate */
	console_set_log(con, dup(log_fd), 0);
}

static void teardown(void)
{
	console_close(con);
	close(log_fd);
}

/* Everything the log holds, as a string (the caller frees it). */
static char *log_text(void)
{
	off_t size = lseek(log_fd, 0, SEEK_END);
	char *s = calloc(1, (size_t)size + 1);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(pread(log_fd, s, (size_t)size, 0), size);
	return s;
}

static void log_is(const char *want)
{
	char *got = log_text();

	ck_assert_str_eq(got, want);
	free(got);
}

static void put(enum console_source src, const char *s)
{
	console_write(con, src, s, strlen(s));
}

START_TEST(one_source_goes_out_at_once)
{
	put(CONSOLE_UART, "min");
	log_is("min");
	put(CONSOLE_UART, "ios: counter 1\n");
	log_is("minios: counter 1\n");
}
END_TEST

START_TEST(the_other_source_waits_for_the_line_begun)
{
	put(CONSOLE_UART, "minios: cou");
	put(CONSOLE_VIRTIO, "virtio line\n");
	log_is("minios: cou");
	put(CONSOLE_UART, "nter 2\n");
	log_is("minios: counter 2\nvirtio line\n");
}
END_TEST

START_TEST(a_flush_writes_out_what_waits)
{
	put(CONSOLE_UART, "minios: cou");
	put(CONSOLE_VIRTIO, "virtio line\nand half");
	console_flush(con);
	/* nothing waits after a flush: its line is broken, none of it is lost */
	log_is("minios: couvirtio line\nand half");
	/* and the source that wrote last holds the line now */
	put(CONSOLE_UART, "nter 3\n");
	log_is("minios: couvirtio line\nand half");
	put(CONSOLE_VIRTIO, "\n");
	log_is("minios: couvirtio line\nand half\nnter 3\n");
	console_flush(con);
	console_flush(con);	/* nothing held: a flush writes nothing */
	log_is("minios: couvirtio line\nand half\nnter 3\n");
}
END_TEST

START_TEST(the_close_writes_out_what_waits)
{
	put(CONSOLE_VIRTIO, "virtio: ");
	put(CONSOLE_UART, "uart line\n");
	log_is("virtio: ");
	console_close(con);
	con = NULL;
	log_is("virtio: uart line\n");
}
END_TEST

START_TEST(too_much_waiting_breaks_the_open_line)
{
	static char big[3 * 4096 + 1];
	char *got;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 2] = '\n';
	put(CONSOLE_UART, "open");
	put(CONSOLE_VIRTIO, big);
	got = log_text();
	/* every byte is out, the open line first */
	ck_assert_uint_eq(strlen(got), 4 + strlen(big));
	ck_assert(!strncmp(got, "open", 4));
	ck_assert_str_eq(got + 4, big);
	free(got);
}
END_TEST

static Suite *console_suite(void)
{
	Suite *s = suite_create("console");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, one_source_goes_out_at_once);
	tcase_add_test(tc, the_other_source_waits_for_the_line_begun);
	tcase_add_test(tc, a_flush_writes_out_what_waits);
	tcase_add_test(tc, the_close_writes_out_what_waits);
	tcase_add_test(tc, too_much_waiting_breaks_the_open_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run_suite(console_suite());
}
