/*
 * Every device's state survives a save/load round trip, and a load refuses
 * truncated, altered or foreign state with a message instead of crashing.
 */
#include <check.h>
#include "check-main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "devices.h"

#define devs test_devs

static void devs_init(struct devs *d)
{
	ck_assert_int_eq(test_devs_init(d), 0);
}

#define devs_state test_devs_state

static void w8(void (*fn)(void *, uint64_t, const void *, unsigned int), void *o,
	       uint64_t off, uint32_t v, unsigned int size)
{
	fn(o, off, &v, size);
}

static void pci_cfg_write(struct pci_bus *b, unsigned int slot, unsigned int reg,
			  uint32_t v, unsigned int size)
{
	uint32_t a = 0x80000000u | (slot << 11) | (reg & 0xfc);

	pci_config_io_write(b, 0, &a, 4);
	pci_config_io_write(b, 4 + (reg & 3), &v, size);
}

/* Puts every device into a state that differs from its reset state. */
static void devs_dirty(struct devs *d)
{
	static const uint8_t in[] = "typed ahead";
	struct virtio_pci *vp = &d->vcon.vp;
	struct pci_dev *pd = &vp->pci;

	w8(uart_write, &d->uart, 3, 0x83, 1);	/* DLAB */
	w8(uart_write, &d->uart, 0, 0x01, 1);	/* 115200 */
	w8(uart_write, &d->uart, 3, 0x03, 1);
	w8(uart_write, &d->uart, 1, 0x03, 1);
	w8(uart_write, &d->uart, 4, 0x0b, 1);
	w8(uart_write, &d->uart, 7, 0x5a, 1);
	uart_receive(&d->uart, in, sizeof(in) - 1);
	i8042_ctrl_alt_del(&d->kbd);
	w8(i8042_write, &d->kbd, 4, 0xad, 1);
	w8(pm_write, &d->pm, 2, 0x0120, 2);
	pm_power_button(&d->pm);

	/* virtio: features, a queue set up, MSI-X vectors */
	pci_cfg_write(&d->bus, pd->slot, 0x04, 0x0006, 2);
	pci_cfg_write(&d->bus, pd->slot, pd->msix->cap + 2, 0x8000, 2);
	pd->bar[1].write(pd, 0, (uint32_t[]){ 0xfee00000 }, 4);
	pd->bar[1].write(pd, 8, (uint32_t[]){ 0x41 }, 4);
	pd->bar[1].write(pd, 12, (uint32_t[]){ 0 }, 4);
	pd->bar[0].write(pd, 0x14, (uint8_t[]){ 3 }, 1);
	pd->bar[0].write(pd, 0x08, (uint32_t[]){ 1 }, 4);
	pd->bar[0].write(pd, 0x0c, (uint32_t[]){ 1 }, 4);
	pd->bar[0].write(pd, 0x14, (uint8_t[]){ 0x0b }, 1);
	pd->bar[0].write(pd, 0x16, (uint16_t[]){ 1 }, 2);
	pd->bar[0].write(pd, 0x18, (uint16_t[]){ 64 }, 2);
	pd->bar[0].write(pd, 0x1a, (uint16_t[]){ 2 }, 2);
	pd->bar[0].write(pd, 0x20, (uint32_t[]){ 0x10000 }, 4);
	pd->bar[0].write(pd, 0x28, (uint32_t[]){ 0x11000 }, 4);
	pd->bar[0].write(pd, 0x30, (uint32_t[]){ 0x12000 }, 4);
	pd->bar[0].write(pd, 0x1c, (uint16_t[]){ 1 }, 2);
	pd->bar[0].write(pd, 0x14, (uint8_t[]){ 0x0f }, 1);
	vp->vq[1].last_avail = 7;
	vp->vq[1].used_idx = 7;

	/* the balloon: what the driver wrote, statistics it sent */
	d->balloon.actual = 1000;
	d->balloon.poison_val = 0xaa;
	d->balloon.stats[4] = 77;
	d->balloon.stats_valid = 1u << 4;
}

static void save(struct devs *d, uint8_t **buf, size_t *len)
{
	struct state_io io;

	state_init_save(&io);
	devs_state(&io, d);
	ck_assert_msg(io.err == 0, "save failed: %s", io.errmsg);
	*buf = io.buf;
	*len = io.len;
}

static int load(struct devs *d, const uint8_t *buf, size_t len, char *msg, size_t msglen)
{
	struct state_io io;

	state_init_load(&io, buf, len);
	devs_state(&io, d);
	if (!io.err && !state_at_end(&io))
		state_fail(&io, "trailing bytes");
	if (msg)
		snprintf(msg, msglen, "%s", io.errmsg);
	return io.err;
}

START_TEST(test_round_trip)
{
	struct devs *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	uint8_t *s1, *s2;
	size_t l1, l2;
	char msg[160];

	devs_init(a);
	devs_dirty(a);
	save(a, &s1, &l1);
	devs_init(b);
	ck_assert_msg(load(b, s1, l1, msg, sizeof(msg)) == 0, "load: %s", msg);
	save(b, &s2, &l2);
	ck_assert_uint_eq(l1, l2);
	ck_assert_mem_eq(s1, s2, l1);

	/* what the guest sees after the load */
	ck_assert_uint_eq(b->uart.dll, 1);
	ck_assert_uint_eq(b->uart.scr, 0x5a);
	ck_assert_uint_eq(b->uart.rx_count, 11);
	ck_assert_uint_eq(b->kbd.q_count, 8);
	ck_assert_uint_eq(b->pm.pm1_sts & 0x100, 0x100);
	ck_assert_uint_eq(b->vcon.vp.status, 0x0f);
	ck_assert_uint_eq(b->vcon.vp.vq[1].size, 64);
	ck_assert_uint_eq(b->vcon.vp.vq[1].desc, 0x10000);
	ck_assert_uint_eq(b->vcon.vp.vq[1].last_avail, 7);
	ck_assert(b->vcon.vp.vq[1].enabled);
	ck_assert_uint_eq(b->vcon.vp.msix.table[0].data, 0x41);
	ck_assert_uint_eq(b->balloon.actual, 1000);
	ck_assert_uint_eq(b->balloon.poison_val, 0xaa);
	ck_assert_uint_eq(b->balloon.num_pages, 4096);
	ck_assert_uint_eq(b->balloon.stats[4], 77);
	free(s1);
	free(s2);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_refuse_bad_state)
{
	struct devs *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	uint8_t *s, *c;
	size_t l;
	char msg[160];

	devs_init(a);
	devs_dirty(a);
	save(a, &s, &l);
	c = malloc(l + 16);

	/* every truncation is refused, but where the balloon begins (below) */
	for (size_t cut = 0; cut < l; cut += 1 + cut / 8) {
		devs_init(b);
		if (cut + 1 < l && s[cut] == strlen("virtio-balloon.0/pci-02") &&
		    !memcmp(s + cut + 1, "virtio-balloon.0/", 17))
			continue;
		ck_assert_int_ne(load(b, s, cut, NULL, 0), 0);
	}
	/* a newer section version is refused with a message */
	memcpy(c, s, l);
	c[1 + s[0]] = 9;	/* "uart.0/uart" version, low byte */
	devs_init(b);
	ck_assert_int_ne(load(b, c, l, msg, sizeof(msg)), 0);
	ck_assert_msg(strstr(msg, "version 9"), "message: %s", msg);
	/* a renamed field is both unknown and missing */
	memcpy(c, s, l);
	c[1 + s[0] + 4 + 4 + 1] ^= 0x20;	/* first letter of the first field name */
	devs_init(b);
	ck_assert_int_ne(load(b, c, l, msg, sizeof(msg)), 0);
	ck_assert_msg(strstr(msg, "uart"), "message: %s", msg);
	/* random corruption never crashes the loader */
	srand(1);
	for (int i = 0; i < 2000; i++) {
		memcpy(c, s, l);
		for (int j = 0; j < 1 + i % 4; j++)
			c[rand() % l] = rand();
		devs_init(b);
		load(b, c, l, NULL, 0);
	}
	free(c);
	free(s);
	free(a);
	free(b);
}
END_TEST

/* Sections carry their device instance's name from the device table. */
START_TEST(test_instance_names)
{
	struct devs *a = malloc(sizeof(*a));
	static const char *const names[] = {
		"uart.0/uart", "i8042.0/i8042", "acpi-pm.0/acpi-pm", "pci.0/pci-bus",
		"pci.0/pci-00", "virtio-console.0/pci-01", "virtio-console.0/virtio-console",
		"virtio-console.0/virtio-console-dev", "virtio-balloon.0/pci-02",
		"virtio-balloon.0/virtio-virtio-balloon", "virtio-balloon.0/virtio-balloon-dev",
	};
	const uint8_t *at;
	uint8_t *s;
	size_t l;

	devs_init(a);
	save(a, &s, &l);
	ck_assert_uint_eq(s[0], strlen(names[0]));
	ck_assert_mem_eq(s + 1, names[0], strlen(names[0]));
	at = s;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		at = memmem(at, l - (size_t)(at - s), names[i], strlen(names[i]));
		ck_assert_msg(at, "no section %s after the one before", names[i]);
	}
	free(s);
	free(a);
}
END_TEST

/* Device state saved before instances were named (bare section names) loads. */
START_TEST(test_bare_names)
{
	struct devs *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct state_io io;
	uint8_t *named, *again;
	size_t l1, l2;
	char msg[160];

	devs_init(a);
	devs_dirty(a);
	save(a, &named, &l1);
	state_init_save(&io);
	test_devs_state_as(&io, a, false);
	ck_assert_msg(io.err == 0, "save failed: %s", io.errmsg);
	ck_assert_uint_eq(io.buf[0], 4);
	ck_assert_mem_eq(io.buf + 1, "uart", 4);
	devs_init(b);
	ck_assert_msg(load(b, io.buf, io.len, msg, sizeof(msg)) == 0, "load: %s", msg);
	save(b, &again, &l2);
	ck_assert_uint_eq(l1, l2);
	ck_assert_mem_eq(named, again, l1);
	ck_assert_int_eq(virtio_pci_post_load(&b->vcon.vp), 0);
	state_fini(&io);
	free(named);
	free(again);
	free(a);
	free(b);
}
END_TEST

/*
 * An image from before the balloon: its device state ends after the other
 * devices, and loads with the balloon as a boot makes it.  A balloon section
 * with bad values is refused.
 */
START_TEST(test_no_balloon)
{
	struct devs *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	uint8_t *s;
	const uint8_t *at;
	size_t l;
	char msg[160];

	devs_init(a);
	devs_dirty(a);
	save(a, &s, &l);
	at = memmem(s, l, "virtio-balloon.0/", 17);
	ck_assert_ptr_nonnull(at);
	devs_init(b);
	ck_assert_msg(load(b, s, (size_t)(at - 1 - s), msg, sizeof(msg)) == 0, "load: %s", msg);
	ck_assert_uint_eq(b->balloon.actual, 0);
	ck_assert_uint_eq(b->balloon.num_pages, 4096);
	ck_assert_uint_eq(b->balloon.vp.status, 0);
	ck_assert_int_eq(virtio_balloon_post_load(&b->balloon), 0);
	ck_assert_uint_eq(b->balloon.vp.status, 0);
	/* more pages than the RAM */
	a->balloon.num_pages = (64u << 20) / 4096 + 1;
	free(s);
	save(a, &s, &l);
	devs_init(b);
	ck_assert_int_ne(load(b, s, l, msg, sizeof(msg)), 0);
	ck_assert_msg(strstr(msg, "virtio-balloon.0/virtio-balloon-dev: num_pages"), "message: %s", msg);
	free(s);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_value_validation)
{
	struct devs *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct state_io io;
	char msg[160];

	/* a queue size that is not a power of two cannot come back enabled */
	devs_init(a);
	devs_dirty(a);
	a->vcon.vp.vq[1].size = 48;
	state_init_save(&io);
	devs_state(&io, a);
	devs_init(b);
	ck_assert_int_eq(load(b, io.buf, io.len, msg, sizeof(msg)), 0);
	ck_assert_int_ne(virtio_pci_post_load(&b->vcon.vp), 0);
	state_fini(&io);
	free(a);
	free(b);
}
END_TEST

static int resets;

static void count_reset(void *opaque)
{
	resets++;
}

/* Ports 0x61-0x63 sit inside the i8042's range but are not its registers. */
START_TEST(test_i8042_ports_between)
{
	struct devs *d = malloc(sizeof(*d));
	uint8_t v = 0xfe;

	devs_init(d);
	d->kbd.reset = count_reset;
	resets = 0;
	for (uint64_t off = 1; off < 4; off++) {
		i8042_write(&d->kbd, off, &v, 1);
		i8042_read(&d->kbd, off, &v, 1);
		ck_assert_uint_eq(v, 0xff);
		v = 0xfe;
	}
	ck_assert_int_eq(resets, 0);
	i8042_write(&d->kbd, 4, &v, 1);		/* the real command port */
	ck_assert_int_eq(resets, 1);
	free(d);
}
END_TEST

static uint8_t r8(void (*fn)(void *, uint64_t, void *, unsigned int), void *o, uint64_t off)
{
	uint8_t v = 0;

	fn(o, off, &v, 1);
	return v;
}

/*
 * A break (xl sysrq) reads as a 16550 shows one: a NUL whose line status
 * has BI and DR, a line status interrupt when enabled, then the key as a
 * plain byte; a FIFO reset drops it.
 */
START_TEST(test_uart_break)
{
	struct devs *d = malloc(sizeof(*d));
	const uint8_t key = 'h', a = 'a';

	devs_init(d);
	w8(uart_write, &d->uart, 1, 0x05, 1);	/* IER: RDI and RLSI */
	w8(uart_write, &d->uart, 4, 0x08, 1);	/* OUT2 */
	uart_receive(&d->uart, &a, 1);
	uart_break(&d->uart);
	uart_receive(&d->uart, &key, 1);
	/* first the byte before the break, as any byte */
	ck_assert_uint_eq(r8(uart_read, &d->uart, 5) & 0x11, 0x01);
	ck_assert_uint_eq(r8(uart_read, &d->uart, 2) & 0x0f, 0x04);
	ck_assert_uint_eq(r8(uart_read, &d->uart, 0), 'a');
	/* the break: BI with DR, a line status interrupt, a NUL */
	ck_assert_uint_eq(r8(uart_read, &d->uart, 5) & 0x11, 0x11);
	ck_assert_uint_eq(r8(uart_read, &d->uart, 2) & 0x0f, 0x06);
	ck_assert_uint_eq(r8(uart_read, &d->uart, 0), 0);
	/* then the key */
	ck_assert_uint_eq(r8(uart_read, &d->uart, 5) & 0x11, 0x01);
	ck_assert_uint_eq(r8(uart_read, &d->uart, 0), 'h');
	ck_assert_uint_eq(r8(uart_read, &d->uart, 5) & 0x11, 0x00);
	/* a FIFO reset takes a pending break with it */
	uart_break(&d->uart);
	w8(uart_write, &d->uart, 2, 0x03, 1);
	uart_receive(&d->uart, &a, 1);
	ck_assert_uint_eq(r8(uart_read, &d->uart, 5) & 0x11, 0x01);
	free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("device state");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_refuse_bad_state);
	tcase_add_test(tc, test_instance_names);
	tcase_add_test(tc, test_bare_names);
	tcase_add_test(tc, test_no_balloon);
	tcase_add_test(tc, test_value_validation);
	tcase_add_test(tc, test_i8042_ports_between);
	tcase_add_test(tc, test_uart_break);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
