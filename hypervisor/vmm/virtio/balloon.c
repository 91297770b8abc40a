/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-balloon: inflate and deflate (PFN arrays), statistics, free page
 * reporting; page poison.  Memory goes back to the host by punching the
 * memfd (vm_ram_discard()), one fallocate per run of contiguous pages.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "io.h"
#include "kvm/vm.h"
#include "log.h"
#include "loop.h"
#include "snapshot/state.h"
#include "virtio/balloon.h"

#define VB_PAGE			4096u
#define VB_NR_QUEUES		4	/* inflate, deflate, stats, reporting */
#define VB_QUEUE_MAX		256
#define VB_CONFIG_LEN		16	/* num_pages, actual, free_page_hint_cmd_id, poison_val */
#define VB_STAT_LEN		10	/* le16 tag, le64 value */
#define VB_FEATURES_ALL		(VIRTIO_BALLOON_F_STATS_VQ | VIRTIO_BALLOON_F_DEFLATE_ON_OOM | \
				 VIRTIO_BALLOON_F_PAGE_POISON | VIRTIO_BALLOON_F_REPORTING)

static struct virtio_balloon *vb(struct virtio_pci *vp)
{
	return vp->dev;
}

enum virtio_balloon_queue virtio_balloon_queue(uint64_t features, unsigned int q)
{
	static const struct { uint64_t feature; enum virtio_balloon_queue what; } order[] = {
		{ 0, VIRTIO_BALLOON_Q_INFLATE },
		{ 0, VIRTIO_BALLOON_Q_DEFLATE },
		{ VIRTIO_BALLOON_F_STATS_VQ, VIRTIO_BALLOON_Q_STATS },
		{ VIRTIO_BALLOON_F_FREE_PAGE_HINT, VIRTIO_BALLOON_Q_FREE_PAGE },
		{ VIRTIO_BALLOON_F_REPORTING, VIRTIO_BALLOON_Q_REPORTING },
	};
	unsigned int n = 0;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (order[i].feature && !(features & order[i].feature))
			continue;
		if (n++ == q)
			return order[i].what;
	}
	return VIRTIO_BALLOON_Q_NONE;
}

/* The features the driver took, once it said FEATURES_OK; else none. */
static uint64_t vb_features(const struct virtio_balloon *b)
{
	return b->vp.status & VIRTIO_STATUS_FEATURES_OK ? b->vp.driver_features : 0;
}

static bool vb_has(const struct virtio_balloon *b, uint64_t f)
{
	return vb_features(b) & f;
}

/* --- EV_BALLOON, at most one per VIRTIO_BALLOON_EVENT_NS ------------------ */

void virtio_balloon_event(struct virtio_balloon *b, struct hv_vmm_balloon *ev)
{
	uint64_t f = vb_features(b);
	uint64_t held = (uint64_t)b->actual * VB_PAGE;

	*ev = (struct hv_vmm_balloon){
		.ram_bytes = b->ram_bytes,
		.target_bytes = b->target_bytes,
		.current_bytes = held < b->ram_bytes ? b->ram_bytes - held : 0,
		.features = (f & VIRTIO_BALLOON_F_DEFLATE_ON_OOM ? HV_VMM_BALLOON_F_DEFLATE_ON_OOM : 0) |
			    (f & VIRTIO_BALLOON_F_REPORTING ? HV_VMM_BALLOON_F_FREE_PAGE_REPORTING : 0) |
			    (f & VIRTIO_BALLOON_F_STATS_VQ ? HV_VMM_BALLOON_F_STATS : 0) |
			    (f & VIRTIO_BALLOON_F_PAGE_POISON ? HV_VMM_BALLOON_F_PAGE_POISON : 0) |
			    (virtio_pci_running(&b->vp) ? HV_VMM_BALLOON_F_DRIVER_OK : 0),
	};
}

static void vb_event_due(void *opaque, int fd, unsigned int events)
{
	struct virtio_balloon *b = opaque;
	struct hv_vmm_balloon ev;
	uint64_t n;

	(void)events;
	if (read(fd, &n, sizeof(n)) < 0)
		return;
	pthread_mutex_lock(&b->vm->io_lock);
	b->event_pending = false;
	b->event_ns = now_ns();
	virtio_balloon_event(b, &ev);
	pthread_mutex_unlock(&b->vm->io_lock);
	if (b->conf.event)
		b->conf.event(b->conf.event_opaque, &ev);
}

/*
 * Something EV_BALLOON reports changed.  The event goes from the I/O thread
 * (this may run in a vCPU's): at once if the last went long enough ago, else
 * when the interval is up, with the state of that moment, so the last
 * change is never lost and a guest moving its balloon page by page costs
 * at most ten events a second.
 */
static void vb_changed(struct virtio_balloon *b)
{
	uint64_t now = now_ns(), due = 1;
	struct itimerspec t = { { 0, 0 }, { 0, 0 } };

	if (!b->ready || b->timer_fd < 0 || b->event_pending)
		return;
	if (b->event_ns && now - b->event_ns < VIRTIO_BALLOON_EVENT_NS)
		due = VIRTIO_BALLOON_EVENT_NS - (now - b->event_ns);
	t.it_value.tv_sec = due / 1000000000ull;
	t.it_value.tv_nsec = due % 1000000000ull;
	if (timerfd_settime(b->timer_fd, 0, &t, NULL) == 0)
		b->event_pending = true;
}

/* --- inflate, deflate, reporting ------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Punches [off, off + len) of the memfd; counts what went and what stayed. */
static void vb_discard(struct virtio_balloon *b, uint64_t off, uint64_t len)
{
	uint64_t kept = 0;
	int rc = vm_ram_discard(b->vm, off, len, &kept);

	b->c.punches++;
	if (rc) {
		/* the host's trouble, not the guest's: the memory just stays */
		static struct ratelimit rl;

		log_ratelimited(&rl, "virtio-balloon: cannot give back %llu bytes at memfd offset 0x%llx: %s",
				(unsigned long long)len, (unsigned long long)off, strerror(-rc));
		b->c.kept_bytes += len;
		return;
	}
	b->c.punched_bytes += len - kept;
	b->c.kept_bytes += kept;
}

/*
 * An inflate or deflate request: an array of 32-bit PFNs of 4 KiB pages,
 * each of which must be guest RAM.  Inflated pages are sorted by memfd
 * offset and punched a run at a time.  -1: the request is malformed.
 */
static int vb_pfns(struct virtio_balloon *b, const struct virtq_elem *e, bool inflate)
{
	uint64_t len = 0, n;

	if (e->nr_in) {
		virtio_pci_fail(&b->vp, "balloon PFN array with device-writable buffers");
		return -1;
	}
	for (unsigned int i = 0; i < e->nr_out; i++)
		len += e->out[i].len;
	if (len % 4 || len / 4 > VIRTIO_BALLOON_MAX_PFNS) {
		virtio_pci_fail(&b->vp, "balloon PFN array whose length is not a multiple of 4 or is too long");
		return -1;
	}
	n = len / 4;
	for (uint64_t i = 0; i < n; i++) {
		uint32_t pfn;
		uint64_t off;

		virtq_iov_read(&pfn, e->out, e->nr_out, i * 4, 4);
		pfn = le32toh(pfn);
		if (!vm_ram_offset(b->vm, (uint64_t)pfn * VB_PAGE, VB_PAGE, &off)) {
			guest_warn("guest: virtio-balloon: PFN 0x%x is not RAM", pfn);
			virtio_pci_fail(&b->vp, "balloon PFN outside guest RAM");
			return -1;
		}
		b->runs[i] = off;
	}
	if (!inflate) {
		b->c.deflated_pages += n;	/* nothing to do: the page faults back in */
		return 0;
	}
	b->c.inflated_pages += n;
	qsort(b->runs, n, sizeof(b->runs[0]), cmp_u64);
	for (uint64_t i = 0; i < n;) {
		uint64_t start = b->runs[i], end = start + VB_PAGE;

		/* contiguous or repeated pages join the run */
		while (++i < n && b->runs[i] <= end)
			if (b->runs[i] == end)
				end += VB_PAGE;
		vb_discard(b, start, end - start);
	}
	return 0;
}

/* The memfd offset of a host pointer into guest RAM, and whether the range is RAM. */
static bool vb_range(struct virtio_balloon *b, const struct iov *v, uint64_t *off_r)
{
	uint64_t off = (uint64_t)((uint8_t *)v->base - b->vm->mem), gpa = 0, ram;
	bool found = false;

	for (unsigned int r = 0; r < b->vm->nr_regions; r++) {
		const struct mem_region *m = &b->vm->regions[r];

		if (off >= m->offset && off - m->offset < m->size) {
			gpa = m->gpa + (off - m->offset);
			found = true;
		}
	}
	if (!found || !vm_ram_offset(b->vm, gpa, v->len, &ram) || ram != off)
		return false;
	*off_r = off;
	return true;
}

/*
 * A free page report: device-writable buffers, each a range of free guest
 * RAM (whole pages).  With PAGE_POISON and a poison value other than 0 the
 * guest expects its pattern back, so nothing is punched.
 */
static int vb_report(struct virtio_balloon *b, const struct virtq_elem *e)
{
	bool keep = vb_has(b, VIRTIO_BALLOON_F_PAGE_POISON) && b->poison_val;

	if (e->nr_out) {
		virtio_pci_fail(&b->vp, "free page report with device-readable buffers");
		return -1;
	}
	for (unsigned int i = 0; i < e->nr_in; i++) {
		const struct iov *v = &e->in[i];
		uint64_t off;

		if (!v->len || v->len % VB_PAGE || ((uintptr_t)v->base % VB_PAGE) ||
		    !vb_range(b, v, &off)) {
			virtio_pci_fail(&b->vp, "free page report of a range that is not whole pages of RAM");
			return -1;
		}
	}
	for (unsigned int i = 0; i < e->nr_in; i++) {
		uint64_t off;

		vb_range(b, &e->in[i], &off);
		b->c.reported_bytes += e->in[i].len;
		if (keep)
			b->c.kept_bytes += e->in[i].len;
		else
			vb_discard(b, off, e->in[i].len);
	}
	return 0;
}

/* --- statistics ------------------------------------------------------------ */

/* A stats buffer: tag/value pairs; kept by tag, the buffer held until asked. */
static int vb_stats(struct virtio_balloon *b, const struct virtq_elem *e, unsigned int q)
{
	uint64_t len = 0, n;

	if (e->nr_in) {
		virtio_pci_fail(&b->vp, "balloon statistics with device-writable buffers");
		return -1;
	}
	for (unsigned int i = 0; i < e->nr_out; i++)
		len += e->out[i].len;
	if (len % VB_STAT_LEN || len / VB_STAT_LEN > VIRTIO_BALLOON_MAX_STATS) {
		virtio_pci_fail(&b->vp, "balloon statistics buffer whose length is not a whole number of entries, or too long");
		return -1;
	}
	n = len / VB_STAT_LEN;
	for (uint64_t i = 0; i < n; i++) {
		uint8_t s[VB_STAT_LEN];
		uint16_t tag;
		uint64_t val;

		virtq_iov_read(s, e->out, e->nr_out, i * VB_STAT_LEN, VB_STAT_LEN);
		memcpy(&tag, s, 2);
		memcpy(&val, s + 2, 8);
		tag = le16toh(tag);
		if (tag >= HV_VMM_BALLOON_STATS)
			continue;	/* a tag newer than hv: left out */
		b->stats[tag] = le64toh(val);
		b->stats_valid |= 1ull << tag;
	}
	/* one buffer at a time: an older one the driver gave up on goes back */
	if (b->stats_held) {
		struct virtq_elem old = { .head = b->stats_head };

		virtio_pci_push_only(&b->vp, q, &old, 0);
	}
	b->stats_held = true;
	b->stats_head = e->head;
	b->stats_ns = now_ns();
	b->c.stats_updates++;
	return 0;
}

/* The queue the stats buffer is on (STATS_VQ negotiated: always 2). */
static unsigned int vb_stats_queue(void)
{
	return 2;
}

/* Gives the held stats buffer back, so the driver refills it. */
static void vb_stats_ask(struct virtio_balloon *b)
{
	struct virtq_elem e = { .head = b->stats_head };
	unsigned int q = vb_stats_queue();

	if (!b->stats_held || !virtio_pci_running(&b->vp) || !b->vp.vq[q].enabled)
		return;
	b->stats_held = false;
	b->stats_asked_ns = now_ns();
	virtio_pci_push(&b->vp, q, &e, 0);
}

/* --- the queues ------------------------------------------------------------ */

static void vb_notify(struct virtio_pci *vp, unsigned int q)
{
	struct virtio_balloon *b = vb(vp);
	enum virtio_balloon_queue what = virtio_balloon_queue(vb_features(b), q);
	unsigned int done = 0;
	int r = 0;

	if (what == VIRTIO_BALLOON_Q_NONE || what == VIRTIO_BALLOON_Q_FREE_PAGE) {
		guest_warn("guest: virtio-balloon: notify for queue %u, which the features taken do not use",
			   q);
		return;
	}
	/* made on first use: a domain whose guest has no driver never needs them */
	if (!b->runs)
		b->runs = calloc(VIRTIO_BALLOON_MAX_PFNS, sizeof(*b->runs));
	if (!b->elem)
		b->elem = malloc(sizeof(*b->elem));
	if (!b->runs || !b->elem) {
		err("virtio-balloon: out of memory; queue %u waits", q);
		return;
	}
	while (r == 0 && virtio_pci_pop(vp, q, b->elem) == 1) {
		switch (what) {
		case VIRTIO_BALLOON_Q_INFLATE:
		case VIRTIO_BALLOON_Q_DEFLATE:
			r = vb_pfns(b, b->elem, what == VIRTIO_BALLOON_Q_INFLATE);
			break;
		case VIRTIO_BALLOON_Q_REPORTING:
			r = vb_report(b, b->elem);
			break;
		default:
			r = vb_stats(b, b->elem, q);
			if (!r)
				done++;	/* the previous buffer, if any, was pushed */
			continue;	/* held, not returned */
		}
		if (r)
			break;
		virtio_pci_push_only(vp, q, b->elem, 0);
		done++;
	}
	if (done && !(vp->status & VIRTIO_STATUS_NEEDS_RESET))
		virtio_pci_notify(vp, q);
}

static void vb_driver_ok(struct virtio_pci *vp)
{
	/* buffers the driver queued (and kicked) before DRIVER_OK: the stats one */
	for (unsigned int q = 0; q < VB_NR_QUEUES; q++)
		if (vp->vq[q].enabled && virtio_pci_running(vp))
			vb_notify(vp, q);
	vb_changed(vb(vp));
}

/* --- configuration space --------------------------------------------------- */

static void vb_config_get(const struct virtio_balloon *b, uint8_t *cfg)
{
	uint32_t v[4] = { htole32(b->num_pages), htole32(b->actual), 0, htole32(b->poison_val) };

	memcpy(cfg, v, VB_CONFIG_LEN);
}

static void vb_config_read(struct virtio_pci *vp, uint32_t off, void *data, unsigned int size)
{
	uint8_t cfg[VB_CONFIG_LEN];

	vb_config_get(vb(vp), cfg);
	memcpy(data, cfg + off, size);
}

/* The driver writes actual and poison_val; the rest is the device's. */
static void vb_config_write(struct virtio_pci *vp, uint32_t off, const void *data,
			    unsigned int size)
{
	struct virtio_balloon *b = vb(vp);
	uint8_t cfg[VB_CONFIG_LEN];
	uint32_t v[4], actual = b->actual;

	vb_config_get(b, cfg);
	for (unsigned int i = 0; i < size; i++) {
		unsigned int at = off + i;

		if ((at >= 4 && at < 8) || at >= 12)
			cfg[at] = ((const uint8_t *)data)[i];
		else
			guest_warn("guest: virtio-balloon: write to read-only config byte %u ignored", at);
	}
	memcpy(v, cfg, sizeof(v));
	b->actual = le32toh(v[1]);
	b->poison_val = le32toh(v[3]);
	if (b->actual != actual)
		vb_changed(b);
}

static void vb_reset(struct virtio_pci *vp)
{
	struct virtio_balloon *b = vb(vp);

	/* a new driver knows of no pages in the balloon: they are the guest's again */
	if (b->actual)
		b->actual = 0;
	b->poison_val = 0;
	b->stats_held = false;
	vb_changed(b);
}

/* --- state ------------------------------------------------------------------ */

static void vb_state(struct state_io *io, struct virtio_pci *vp)
{
	struct virtio_balloon *b = vb(vp);
	uint64_t features = b->ops.features, age = ~0ull;
	bool held = b->stats_held;

	if (state_begin(io, "virtio-balloon-dev", 1))
		return;
	if (!io->loading && b->stats_ns)
		age = (now_ns() - b->stats_ns) / 1000000;
	state_u64(io, "features", &features);
	state_u64(io, "target_bytes", &b->target_bytes);
	state_u32(io, "num_pages", &b->num_pages);
	state_u32(io, "actual", &b->actual);
	state_u32(io, "poison_val", &b->poison_val);
	state_bool(io, "stats_held", &held);
	state_u16(io, "stats_head", &b->stats_head);
	state_u64(io, "stats_valid", &b->stats_valid);
	state_bytes(io, "stats", b->stats, sizeof(b->stats));	/* little-endian host */
	state_u64(io, "stats_age_ms", &age);			/* ~0: never came */
	if (io->loading && !io->err) {
		if (features & ~VB_FEATURES_ALL)
			state_fail(io, "features 0x%llx are not the balloon's",
				   (unsigned long long)features);
		else if ((uint64_t)b->num_pages * VB_PAGE > b->ram_bytes ||
			 !b->target_bytes || b->target_bytes > b->ram_bytes ||
			 b->target_bytes % VB_PAGE)
			state_fail(io, "num_pages %u or target %llu bytes does not fit %llu bytes of RAM",
				   b->num_pages, (unsigned long long)b->target_bytes,
				   (unsigned long long)b->ram_bytes);
		else if (b->stats_valid >> HV_VMM_BALLOON_STATS)
			state_fail(io, "stats_valid 0x%llx names tags past %u",
				   (unsigned long long)b->stats_valid, HV_VMM_BALLOON_STATS - 1);
		b->ops.features = features;	/* what the guest's driver was offered */
		b->stats_held = held;
		/* as old as they were at the save (the time saved does not count) */
		b->stats_ns = 0;
		if (age != ~0ull && age < now_ns() / 1000000)
			b->stats_ns = now_ns() - age * 1000000;
		b->stats_asked_ns = 0;
	}
	state_end(io);
}

/* --- the device -------------------------------------------------------------- */

static const struct virtio_dev_ops vb_ops = {
	.name = "virtio-balloon",
	.device_id = 5,
	.nr_queues = VB_NR_QUEUES,
	.queue_max = VB_QUEUE_MAX,
	.config_len = VB_CONFIG_LEN,
	.config_read = vb_config_read,
	.config_write = vb_config_write,
	.queue_notify = vb_notify,
	.reset = vb_reset,
	.driver_ok = vb_driver_ok,
	.state = vb_state,
};

static uint32_t vb_pages_for(const struct virtio_balloon *b, uint64_t target)
{
	return (uint32_t)((b->ram_bytes - target) / VB_PAGE);
}

int virtio_balloon_init(struct virtio_balloon *b, struct pci_bus *bus, struct vm *vm,
			struct loop *loop, const struct virtio_balloon_conf *conf)
{
	int rc;

	memset(b, 0, sizeof(*b));
	b->timer_fd = -1;
	b->conf = *conf;
	b->vm = vm;
	b->loop = loop;
	b->ram_bytes = (conf->ram_bytes ? conf->ram_bytes : vm ? vm->mem_size : 0) &
		       ~(uint64_t)(VB_PAGE - 1);
	b->target_bytes = conf->target_bytes && conf->target_bytes <= b->ram_bytes ?
			  conf->target_bytes & ~(uint64_t)(VB_PAGE - 1) : b->ram_bytes;
	if (!b->target_bytes)
		b->target_bytes = b->ram_bytes;
	b->num_pages = vb_pages_for(b, b->target_bytes);
	b->ops = vb_ops;
	b->ops.pci_slot = conf->pci_slot;
	b->ops.features = VIRTIO_BALLOON_F_STATS_VQ | VIRTIO_BALLOON_F_PAGE_POISON |
			  (conf->deflate_on_oom ? VIRTIO_BALLOON_F_DEFLATE_ON_OOM : 0) |
			  (conf->free_page_reporting ? VIRTIO_BALLOON_F_REPORTING : 0);
	if (loop && vm) {
		b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (b->timer_fd < 0) {
			rc = -errno;
			goto fail;
		}
		rc = loop_add(loop, b->timer_fd, vb_event_due, b);
		if (rc) {
			close(b->timer_fd);
			b->timer_fd = -1;
			goto fail;
		}
	}
	rc = virtio_pci_init(&b->vp, bus, vm, loop, &b->ops, b);
	if (rc)
		goto fail;
	b->ready = true;
	dbg("virtio-balloon: %llu MiB of RAM, target %llu MiB (%u pages ballooned), features 0x%llx",
	    (unsigned long long)(b->ram_bytes >> 20), (unsigned long long)(b->target_bytes >> 20),
	    b->num_pages, (unsigned long long)b->ops.features);
	return 0;
fail:
	virtio_balloon_fini(b);
	return rc;
}

void virtio_balloon_fini(struct virtio_balloon *b)
{
	if (b->vp.ops)
		virtio_pci_fini(&b->vp, b->loop);
	if (b->timer_fd >= 0) {
		if (b->loop)
			loop_del(b->loop, b->timer_fd);
		close(b->timer_fd);
		b->timer_fd = -1;
	}
	free(b->runs);
	free(b->elem);
	b->runs = NULL;
	b->elem = NULL;
	b->ready = false;
}

int virtio_balloon_set_target(struct virtio_balloon *b, uint64_t target_bytes)
{
	uint32_t pages;

	target_bytes &= ~(uint64_t)(VB_PAGE - 1);
	if (!target_bytes || target_bytes > b->ram_bytes)
		return -EINVAL;
	pages = vb_pages_for(b, target_bytes);
	b->target_bytes = target_bytes;
	if (pages == b->num_pages)
		return 0;
	b->num_pages = pages;
	if (b->vp.status & VIRTIO_STATUS_DRIVER_OK)
		virtio_pci_config_changed(&b->vp);
	else
		b->vp.config_generation++;
	return 0;
}

void virtio_balloon_info(struct virtio_balloon *b, struct hv_vmm_balloon_info *info,
			 bool refresh)
{
	struct hv_vmm_balloon ev;
	struct stat st;
	uint64_t now = now_ns();

	virtio_balloon_event(b, &ev);
	memset(info, 0, sizeof(*info));
	info->target_bytes = ev.target_bytes;
	info->current_bytes = ev.current_bytes;
	info->features = ev.features;
	if (b->vm && b->vm->mem_fd >= 0 && fstat(b->vm->mem_fd, &st) == 0)
		info->allocated_bytes = (uint64_t)st.st_blocks * 512;
	info->stats_valid = b->stats_valid;
	memcpy(info->stats, b->stats, sizeof(info->stats));
	info->stats_age_ms = b->stats_ns ? (now - b->stats_ns) / 1000000 : ~0ull;
	if (refresh && vb_has(b, VIRTIO_BALLOON_F_STATS_VQ) &&
	    (!b->stats_ns || now - b->stats_ns >= VIRTIO_BALLOON_STATS_REFRESH_NS) &&
	    (!b->stats_asked_ns || now - b->stats_asked_ns >= VIRTIO_BALLOON_STATS_REFRESH_NS))
		vb_stats_ask(b);
}

int virtio_balloon_post_load(struct virtio_balloon *b)
{
	int rc = virtio_pci_post_load(&b->vp);
	unsigned int q = vb_stats_queue();

	if (rc)
		return rc;
	if (b->stats_held && (!vb_has(b, VIRTIO_BALLOON_F_STATS_VQ) || !b->vp.vq[q].enabled ||
			      b->stats_head >= b->vp.vq[q].size))
		return -EINVAL;
	/* the restore's target: the description's memory */
	if (b->conf.target_bytes && b->conf.target_bytes <= b->ram_bytes)
		virtio_balloon_set_target(b, b->conf.target_bytes);
	return 0;
}

void virtio_balloon_state(struct state_io *io, struct virtio_balloon *b)
{
	virtio_pci_state(io, &b->vp);
}

void virtio_balloon_load_absent(struct virtio_balloon *b)
{
	info("virtio-balloon: the image is from before the balloon: the device starts reset");
	(void)b;
}
