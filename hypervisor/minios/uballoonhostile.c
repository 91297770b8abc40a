// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostile=balloon-NAME, in ring 3 on the virtio-balloon device: buffers a
 * broken or malicious driver sends. Each sub-case prints what the device
 * status reads after it:
 *   minios: hostile balloon-NAME: WHAT -> RESULT (status 0xSS)
 * RESULT is needs-reset (what hv-vmm's device does), accepted (the buffer
 * came back and the device goes on: QEMU's does that with page numbers it
 * has no RAM for) or timeout. The device is reset after every sub-case;
 * at the end a page must inflate and deflate:
 *   minios: hostile balloon-NAME done status=0xSS result=pass|FAIL after=ok|FAILED
 * pass: every sub-case needs-reset.
 */
#include "uballoon.h"

#define UBALH_FAR	0x10000000000UL		/* 1 TiB: no RAM, no MMIO */

struct uballoonh {
	const char *name;
	struct uballoon *b;
	u32 *buf;		/* page numbers: a page of the balloon's area */
	u8 last_status;
	int bad;
};

/* Posts the chain at descriptor 0 of q, waits, prints, resets. */
static void uballoonh_post(struct uballoonh *h, struct uvq *q, const char *what)
{
	struct uballoon *b = h->b;
	u16 before = q->last_used;
	const char *res, *why = NULL;
	u32 id;
	int r;

	uvq_post_notify(q, 0);
	r = uvq_await(q, b->pci, before, UBALLOON_TIMEOUT_US, &id);
	h->last_status = uvirtio_status(b->pci);
	if (r == 0 || (h->last_status & ST_NEEDS_RESET))
		res = "needs-reset";
	else
		res = r < 0 ? "timeout" : "accepted";
	user_printf("minios: hostile %s: %s -> %s (status 0x%02x)\n", h->name,
		    what, res, h->last_status);
	h->bad |= res[0] != 'n';
	if (uballoon_reset(b, &why))
		user_printf("minios: hostile %s: reset FAILED: %s (status 0x%02x)\n",
			    h->name, why, uvirtio_status(b->pci));
}

/* One page number in an inflate buffer. */
static void uballoonh_pfn(struct uballoonh *h, u64 pfn, const char *what)
{
	struct uvq *q = &h->b->inflate;

	h->buf[0] = (u32)pfn;
	q->desc[0] = (struct vring_desc){ (u64)h->buf, 4, 0, 0 };
	uballoonh_post(h, q, what);
}

static void uballoonh_pfn_oob(struct uballoonh *h)
{
	/* firmware may keep RAM's last pages out of the e820 map: 2 MiB up */
	uballoonh_pfn(h, ((user_config_page.ram_top + 0x1fffff) & ~0x1fffffUL) >> 12,
		      "page number at the end of RAM");
	uballoonh_pfn(h, UBALH_FAR >> 12, "page number at 1 TiB");
	uballoonh_pfn(h, 0xffffffffUL, "page number 0xffffffff");
}

static void uballoonh_pfn_mmio(struct uballoonh *h)
{
	uballoonh_pfn(h, 0xfec00, "page number of the I/O APIC");
	uballoonh_pfn(h, h->b->pci->common >> 12,
		      "page number of the device's own registers");
}

static void uballoonh_desc_loop(struct uballoonh *h)
{
	struct uvq *q = &h->b->inflate;

	h->buf[0] = h->b->lo >> 12;
	q->desc[0] = (struct vring_desc){ (u64)h->buf, 4, DESC_NEXT, 0 };
	uballoonh_post(h, q, "inflate descriptor chained to itself");
	q->desc[0] = (struct vring_desc){ (u64)h->buf, 4, DESC_NEXT, 1 };
	q->desc[1] = (struct vring_desc){ (u64)h->buf, 4, DESC_NEXT, 0 };
	uballoonh_post(h, q, "two inflate descriptors in a loop");
}

/*
 * Lengths that run past RAM. The buffer is the top page of the area
 * (where hv-vmm and QEMU put RAM's end for small guests) filled with
 * page numbers of the area, so that a device that read part of it would
 * only take free pages.
 */
static void uballoonh_desc_big(struct uballoonh *h)
{
	struct uballoon *b = h->b;
	struct uvq *q = &b->inflate;
	u32 *top = (u32 *)(b->hi - 4096), i;

	for (i = 0; i < 1024; i++)
		top[i] = (b->lo >> 12) + i;
	q->desc[0] = (struct vring_desc){ (u64)top, 0xfffffffc, 0, 0 };
	uballoonh_post(h, q, "inflate buffer 4 GiB long");
	if (b->hi != user_config_page.ram_top)
		return;			/* the initrd lies between */
	q->desc[0] = (struct vring_desc){ b->hi - 8, 16, 0, 0 };
	uballoonh_post(h, q, "inflate buffer across the end of RAM");
}

static void uballoonh_report_oob(struct uballoonh *h)
{
	struct uballoon *b = h->b;
	struct uvq *q = &b->report;
	u64 top = user_config_page.ram_top;

	if (!(b->features & VBAL_F_REPORTING)) {
		user_printf("minios: hostile %s: free page reporting not negotiated: skipped\n",
			    h->name);
		return;
	}
	q->desc[0] = (struct vring_desc){ UBALH_FAR, 1 << 20, DESC_WRITE, 0 };
	uballoonh_post(h, q, "report a range at 1 TiB");
	if (b->hi == top) {
		q->desc[0] = (struct vring_desc){ top - (1 << 20), 2 << 20,
						  DESC_WRITE, 0 };
		uballoonh_post(h, q, "report a range across the end of RAM");
		q->desc[0] = (struct vring_desc){ top - (2 << 20), 0xfffff000,
						  DESC_WRITE, 0 };
		uballoonh_post(h, q, "report a range 4 GiB long");
	}
}

static const struct {
	const char *name;
	void (*run)(struct uballoonh *h);
} uballoonh_cases[] = {
	{ "balloon-pfn-oob", uballoonh_pfn_oob },
	{ "balloon-pfn-mmio", uballoonh_pfn_mmio },
	{ "balloon-desc-loop", uballoonh_desc_loop },
	{ "balloon-desc-big", uballoonh_desc_big },
	{ "balloon-report-oob", uballoonh_report_oob },
};

/* One case, or every one (balloon-all); the balloon is empty. */
void uballoonhostile_run(const char *name)
{
	struct uballoonh h = { name, &uballoon, NULL, 0, 0 };
	struct uballoon *b = &uballoon;
	int all = !lib_strncmp(name, "balloon-all", 12), found = 0, ok;
	const char *why = NULL;
	u32 i;

	h.buf = (u32 *)b->lo;
	for (i = 0; i < ARRAY_SIZE(uballoonh_cases); i++) {
		if (!all && lib_strncmp(name, uballoonh_cases[i].name, 32))
			continue;
		found = 1;
		h.name = all ? uballoonh_cases[i].name : name;
		if (!b->ok && uballoon_reset(b, &why))
			break;
		uballoonh_cases[i].run(&h);
	}
	if (!found) {
		user_printf("minios: hostile %s: unknown case\n", name);
		h.bad = 1;
	}
	/* after: one page of the area in and out again */
	ok = b->ok || !uballoon_reset(b, &why);
	if (ok) {
		h.buf[0] = (b->lo >> 12) + 1;
		b->inflate.desc[0] = (struct vring_desc){ (u64)h.buf, 4, 0, 0 };
		ok = !uballoon_xfer(b, &b->inflate, 0, "inflate");
	}
	if (ok) {
		b->deflate.desc[0] = (struct vring_desc){ (u64)h.buf, 4, 0, 0 };
		ok = !uballoon_xfer(b, &b->deflate, 0, "deflate");
	}
	user_printf("minios: hostile %s done status=0x%02x result=%s after=%s\n",
		    name, h.last_status, h.bad ? "FAIL" : "pass",
		    ok ? "ok" : "FAILED");
}
