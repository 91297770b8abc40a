/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Live migration, the sending side (snapshot/migrate.h).
 *
 * Setup: the dirty log starts (KVM's, and hv-vmm's record of its own
 * writes), and the domain is paused once for as long as it takes to read
 * its VM, vCPU and device state without sending it: that measures the
 * cost of pausing and the size and cost of the state, which the final
 * phase pays again.  Then the first pass sends every page that is not a
 * hole of the memfd, and rounds send the pages written meanwhile.  After
 * each harvest of the dirty log the downtime of a switch-over now is
 * estimated from measured figures only:
 *
 *   pause + (dirty pages + state bytes) / bandwidth + state reading
 *         + the caller's overhead (the destination's restore and resume)
 *
 * and once it is at most the limit, the final phase pauses the vCPUs,
 * completes the devices' I/O, sends the last pages from where they lie,
 * the state and END.  While the guest runs, pages are copied before they
 * are checksummed and written, so that a write in between cannot make a
 * batch's CRC wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ctl.h"
#include "kvm/kvmstate.h"
#include "le.h"
#include "log.h"
#include "loop.h"
#include "snapshot/migrate.h"
#include "snapshot/save.h"
#include "snapshot/save_int.h"
#include "snapshot/state.h"
#include "vmm.h"

#define MIG_CHUNK_PAGES		1024	/* one batch, copied then written */
#define MIG_PROGRESS_NS		200000000ull	/* between progress events */
#define MIG_THROTTLE_SLICE_NS	10000000ull	/* auto-converge: vCPUs run this long */
#define MIG_THROTTLE_MAX	95	/* percent of the time the vCPUs stand */
/* the stream's reader has caught up when this much at most is unread */
#define MIG_UNREAD_MAX		(64u << 10)
#define MIG_UNREAD_WAIT_MS	100	/* then another round */

struct migration {
	struct vmm *vmm;
	struct hv_vmm_msg req;
	struct hv_vmm_migrate p;
	char *config;
	size_t config_len;
	int fd, fl;			/* the stream; its flags before, or -1 */
	migrate_done_fn *done;
	pthread_t thread;
	int done_efd;
	bool cancel;			/* atomic */
	bool was_paused;		/* by the user, before: stays so on failure */
	int rc;
	char msg[256];
	struct hv_vmm_migrate_result res;
	/* a sealed stream's key (HV_VMM_MIGRATE_SEALED), until the writer has it */
	uint8_t key[HV_VMM_KEY_SIZE];

	struct stream_writer w;
	uint64_t *bits;			/* pages to send: one bit per page of the memfd */
	size_t words;
	uint8_t *bounce;		/* MIG_CHUNK_PAGES pages' copies */
	uint64_t pfns[MIG_CHUNK_PAGES];
	unsigned int nr;
	bool copy;			/* the guest runs: copy pages before use */
	unsigned int phase, round;
	uint64_t t0, send_ns;		/* time spent writing pages */
	uint64_t bytes_sent_in_send;	/* stream bytes written by page writes */
	uint64_t pause_cost_ns, state_cost_ns, state_bytes, harvest_ns;
	uint64_t remaining;		/* pages */
	uint64_t dirty_rate, bw;	/* bytes per second */
	uint64_t last_progress;
	unsigned int throttle;		/* auto-converge: percent */
	uint64_t throttle_at;
};

static struct migration *mig_of(const struct vmm *vmm)
{
	return vmm->mig;
}

static int mig_fail(struct migration *m, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int mig_fail(struct migration *m, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!m->msg[0]) {
		va_start(ap, fmt);
		vsnprintf(m->msg, sizeof(m->msg), fmt, ap);
		va_end(ap);
	}
	return rc;
}

static bool mig_cancelled(struct migration *m)
{
	return __atomic_load_n(&m->cancel, __ATOMIC_ACQUIRE);
}

/*
 * Whether the stream's reader has taken what was sent, waiting for it up to
 * MIG_UNREAD_WAIT_MS.  Writes land in the kernel's buffers at once, so a
 * round can look sent while the destination has not read it (its hv-vmm
 * still starting, a slow link); paused then, the domain waited for it: the
 * last 2 pages of an idle domain took 11 ms at the switch-over, all of it
 * waiting for the first pass to be read.
 */
static bool mig_reader_caught_up(struct migration *m)
{
	uint64_t until = now_ns() + MIG_UNREAD_WAIT_MS * 1000000ull;

	for (;;) {
		struct timespec ts = { 0, 250000 };

		if (stream_writer_unread(&m->w) <= MIG_UNREAD_MAX)
			return true;
		if (now_ns() >= until || mig_cancelled(m))
			return false;
		nanosleep(&ts, NULL);
	}
}

/* The pfn of page @page of the memfd. */
static uint64_t mig_pfn(const struct vm *vm, uint64_t page)
{
	for (unsigned int i = 0; i < vm->nr_regions; i++) {
		const struct mem_region *r = &vm->regions[i];

		if (page >= r->offset >> 12 && page < (r->offset + r->size) >> 12)
			return (r->gpa >> 12) + page - (r->offset >> 12);
	}
	return UINT64_MAX;
}

struct mig_get {
	struct migration *m;
	unsigned int i;
};

static const void *mig_get_page(void *opaque, uint64_t pfn)
{
	struct mig_get *g = opaque;
	uint8_t *p = vm_gpa(&g->m->vmm->vm, pfn << 12, STREAM_PAGE_SIZE), *b;

	if (!p || !g->m->copy)
		return p;
	b = g->m->bounce + (size_t)g->i++ * STREAM_PAGE_SIZE;
	memcpy(b, p, STREAM_PAGE_SIZE);
	return b;
}

/* Estimated downtime if the domain switched over now, with @pages left. */
static uint64_t mig_estimate(const struct migration *m, uint64_t pages)
{
	uint64_t bw = m->bw ? m->bw : 1;
	double bytes = (double)pages * STREAM_PAGE_SIZE + (double)m->state_bytes;

	/* the destination loads the state about as fast as it was read here */
	return m->pause_cost_ns + m->harvest_ns + 2 * m->state_cost_ns +
	       (uint64_t)(bytes * 1e9 / (double)bw) + m->p.overhead_ns;
}

static void mig_progress(struct migration *m, bool force)
{
	struct hv_vmm_migrate_progress pr;
	uint64_t now = now_ns();

	if (!force && now - m->last_progress < MIG_PROGRESS_NS)
		return;
	m->last_progress = now;
	pr = (struct hv_vmm_migrate_progress){
		.phase = m->phase,
		.round = m->round,
		.sent_bytes = m->w.bytes_written,
		.remaining_bytes = m->remaining * STREAM_PAGE_SIZE,
		.memory_bytes = m->vmm->vm.mem_size,
		.dirty_rate = m->dirty_rate,
		.bandwidth = m->bw,
		.expected_downtime_ns = mig_estimate(m, m->remaining),
		.elapsed_ns = now - m->t0,
	};
	ctl_event_migrate(m->vmm, &pr);
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * After a batch: the bandwidth cap (sleep until the bytes so far fit it),
 * auto-converge (the vCPUs stand a share of the time), progress.
 */
static void mig_pace(struct migration *m)
{
	struct vm *vm = &m->vmm->vm;
	uint64_t now = now_ns();

	if (m->p.bandwidth) {
		uint64_t due = (uint64_t)((double)m->w.bytes_written * 1e9 / (double)m->p.bandwidth);

		if (due > now - m->t0)
			sleep_ns(due - (now - m->t0));
	}
	if (m->throttle && m->copy && !m->was_paused) {
		now = now_ns();
		if (now - m->throttle_at >= MIG_THROTTLE_SLICE_NS) {
			uint64_t ran = now - m->throttle_at;

			vm_pause(vm);
			sleep_ns(ran * m->throttle / (100 - m->throttle));
			vm_unpause(vm);
			m->throttle_at = now_ns();
		}
	}
	mig_progress(m, false);
}

/* Writes the pages collected in m->pfns. */
static int mig_flush(struct migration *m)
{
	struct mig_get g = { m, 0 };
	uint64_t t = now_ns(), before = m->w.bytes_written;
	int rc;

	if (!m->nr)
		return 0;
	rc = stream_write_pages(&m->w, m->pfns, m->nr, mig_get_page, &g,
				m->p.flags & HV_VMM_MIGRATE_COMPRESS);
	m->nr = 0;
	if (rc)
		return rc;
	if (m->phase != HV_VMM_MIGRATE_PHASE_FINAL) {
		mig_pace(m);
		m->send_ns += now_ns() - t;
		m->bytes_sent_in_send += m->w.bytes_written - before;
		m->bw = (uint64_t)((double)m->bytes_sent_in_send * 1e9 / (double)(m->send_ns ? m->send_ns : 1));
	}
	if (mig_cancelled(m))
		return -ECANCELED;
	if (m->p.timeout_ms && now_ns() - m->t0 > m->p.timeout_ms * 1000000ull &&
	    m->phase != HV_VMM_MIGRATE_PHASE_FINAL)
		return -ETIMEDOUT;
	return 0;
}

static int mig_add(struct migration *m, uint64_t pfn)
{
	m->pfns[m->nr++] = pfn;
	return m->nr == MIG_CHUNK_PAGES ? mig_flush(m) : 0;
}

/* The first pass: every page that is not a hole of the memfd. */
static int mig_first_pass(struct migration *m)
{
	struct vm *vm = &m->vmm->vm;
	int rc = 0;

	for (unsigned int i = 0; !rc && i < vm->nr_regions; i++) {
		struct save_pages s = { vm, &vm->regions[i], true, 0, 0, 0 };
		uint64_t first = vm->regions[i].gpa >> 12, n = vm->regions[i].size >> 12;

		for (uint64_t p = 0; !rc && p < n; p++)
			if (!save_in_hole(&s, (off_t)(vm->regions[i].offset + (p << 12))))
				rc = mig_add(m, first + p);
	}
	return rc ? rc : mig_flush(m);
}

/* The dirty log into m->bits; the number of pages in m->remaining. */
static int mig_harvest(struct migration *m)
{
	uint64_t t = now_ns(), n = 0;
	int rc = vm_dirty_harvest(&m->vmm->vm, m->bits);

	if (rc)
		return mig_fail(m, rc, "reading the dirty log: %s", strerror(-rc));
	for (size_t w = 0; w < m->words; w++)
		n += (uint64_t)__builtin_popcountll(m->bits[w]);
	m->remaining = n;
	m->harvest_ns = now_ns() - t;
	return 0;
}

/* Sends the pages in m->bits and clears them. */
static int mig_send_dirty(struct migration *m)
{
	const struct vm *vm = &m->vmm->vm;
	int rc = 0;

	for (size_t w = 0; !rc && w < m->words; w++) {
		uint64_t bits = m->bits[w];

		m->bits[w] = 0;
		while (bits && !rc) {
			uint64_t pfn = mig_pfn(vm, w * 64 + (uint64_t)__builtin_ctzll(bits));

			bits &= bits - 1;
			if (pfn != UINT64_MAX)
				rc = mig_add(m, pfn);
		}
	}
	m->remaining = 0;
	return rc ? rc : mig_flush(m);
}

/*
 * Pauses the domain once, briefly, to measure what the final phase will
 * pay besides the pages: stopping the vCPUs, and reading the VM, vCPU and
 * device state (whose size is then known too).
 */
static int mig_measure(struct migration *m)
{
	struct vmm *vmm = m->vmm;
	struct vm *vm = &vmm->vm;
	struct state_io io;
	uint64_t t = now_ns(), t1;
	int rc;

	vm_pause(vm);
	t1 = now_ns();
	m->pause_cost_ns = t1 - t;
	state_init_save(&io);
	rc = kvmstate_vm(&io, vm);
	for (unsigned int i = 0; !rc && i < vm->nr_vcpus; i++)
		rc = kvmstate_vcpu(&io, &vm->vcpus[i]);
	if (!rc) {
		pthread_mutex_lock(&vm->io_lock);
		rc = vmm_devices_state(&io, vmm);
		pthread_mutex_unlock(&vm->io_lock);
	}
	m->state_bytes = io.len + 64 * (2 + vm->nr_vcpus);	/* and the records' framing */
	state_fini(&io);
	m->state_cost_ns = now_ns() - t1;
	if (!m->was_paused)
		vm_unpause(vm);
	return rc ? mig_fail(m, rc, "reading the domain's state: %s", strerror(-rc)) : 0;
}

/* --debug: the digest of the paused memory, for the destination to check. */
static int mig_digest(struct migration *m)
{
	uint32_t *crcs = NULL;
	size_t nr = 0;
	uint8_t *body;
	int rc = save_mem_digest(&m->vmm->vm, &crcs, &nr);

	if (rc)
		return mig_fail(m, rc, "computing the memory digest: %s", strerror(-rc));
	body = malloc(8 + 4 * nr);
	if (!body) {
		free(crcs);
		return -ENOMEM;
	}
	le_put32(body, (uint32_t)nr);
	le_put32(body + 4, 0);
	for (size_t i = 0; i < nr; i++)
		le_put32(body + 8 + 4 * i, crcs[i]);
	rc = stream_write_record(&m->w, VMM_REC_MEM_DIGEST, STREAM_RF_OPTIONAL, body, 8 + 4 * nr);
	free(body);
	free(crcs);
	return rc;
}

/* Paused: the destination reads the images through shared storage, the writes reach them. */
static int mig_flush_disks(struct migration *m)
{
	struct vmm *vmm = m->vmm;
	int rc = 0;

	for (unsigned int i = 0; !rc && i < vmm->nr_disks; i++)
		if (vmm->disks[i].blk && (rc = virtio_blk_sync(vmm->disks[i].blk)))
			rc = mig_fail(m, rc, "disk %s: flushing its writes: %s", vmm->disks[i].vdev,
				      strerror(-rc));
	return rc;
}

/* After the state: the digest (--debug), then END, unless cancelled first. */
static int mig_end(struct migration *m)
{
	int rc = 0;

	if (m->p.flags & HV_VMM_MIGRATE_DIGEST)
		rc = mig_digest(m);
	/* the last chance to stop: after the end record the stream restores */
	if (!rc && mig_cancelled(m))
		rc = -ECANCELED;
	return rc ? rc : stream_write_end(&m->w);
}

/*
 * A local migration: no memory is copied.  Paused at once, the devices'
 * I/O completed and the disks flushed, the memfd goes over the Unix socket
 * with a MEMFD record, then the state and END.
 */
static int mig_local(struct migration *m)
{
	struct vmm *vmm = m->vmm;
	struct vm *vm = &vmm->vm;
	uint64_t t0 = now_ns(), t1;
	uint8_t body[8];
	int rc;

	m->phase = HV_VMM_MIGRATE_PHASE_FINAL;
	vm_pause(vm);
	vmm_devices_quiesce(vmm);
	rc = mig_flush_disks(m);
	t1 = now_ns();
	m->res.pause_ns = t1 - t0;
	le_put64(body, vm->mem_size);
	if (!rc)
		rc = stream_writer_flush(&m->w);
	if (!rc) {
		m->w.pass_fd = vm->mem_fd;
		rc = stream_write_record(&m->w, VMM_REC_MEMFD, STREAM_RF_OPTIONAL, body, sizeof(body));
	}
	if (!rc)
		rc = stream_writer_flush(&m->w);
	if (!rc && m->w.pass_fd >= 0)
		rc = mig_fail(m, -EIO, "the memory's descriptor did not go with the stream");
	if (!rc)
		rc = save_state(vmm, &m->w, m->msg, sizeof(m->msg));
	if (!rc)
		rc = mig_end(m);
	m->res.state_ns = now_ns() - t1;
	m->res.rounds = 0;
	return rc;
}

/* Paused: the last pages, the state, END; within the ceiling. */
static int mig_final(struct migration *m)
{
	struct vmm *vmm = m->vmm;
	struct vm *vm = &vmm->vm;
	uint64_t ceiling = (uint64_t)m->p.ceiling_ms * 1000000ull;
	uint64_t t0 = now_ns(), t1, t2;
	int rc = 0;

	m->phase = HV_VMM_MIGRATE_PHASE_FINAL;
	m->res.expected_downtime_ns = mig_estimate(m, m->remaining);
	vm_pause(vm);
	vmm_devices_quiesce(vmm);	/* no disk read lands in memory already sent */
	t1 = now_ns();
	rc = mig_flush_disks(m);
	if (rc)
		return rc;
	m->copy = false;
	m->w.pages_stable = true;	/* paused until the end */
	rc = mig_harvest(m);
	m->res.last_pages = m->remaining;
	if (!rc)
		rc = mig_send_dirty(m);
	t2 = now_ns();
	if (!rc && t2 - t0 > ceiling)
		rc = mig_fail(m, -ETIME, "the last %" PRIu64 " pages took the paused domain to %.1f ms, over the ceiling of %u ms: the migration is abandoned and the domain runs on here",
			      m->res.last_pages, (t2 - t0) / 1e6, m->p.ceiling_ms);
	if (!rc)
		rc = save_state(vmm, &m->w, m->msg, sizeof(m->msg));
	if (!rc && now_ns() - t0 > ceiling)
		rc = mig_fail(m, -ETIME, "the paused domain's state was sent at %.1f ms, over the ceiling of %u ms: the migration is abandoned and the domain runs on here",
			      (now_ns() - t0) / 1e6, m->p.ceiling_ms);
	if (!rc)
		rc = mig_end(m);
	m->res.pause_ns = t1 - t0;
	m->res.last_pages_ns = t2 - t1;
	m->res.state_ns = now_ns() - t2;
	return rc;
}

static int mig_run(struct migration *m)
{
	struct vmm *vmm = m->vmm;
	struct vm *vm = &vmm->vm;
	uint32_t sflags = STREAM_F_LIVE |
			  (m->p.flags & HV_VMM_MIGRATE_COMPRESS ? STREAM_F_COMPRESSED : 0);
	uint64_t limit = (uint64_t)m->p.downtime_ms * 1000000ull;
	uint64_t t_round, est;
	int rc;

	m->phase = HV_VMM_MIGRATE_PHASE_SETUP;
	rc = stream_writer_init(&m->w, m->fd, sflags);
	if (!rc && (m->p.flags & HV_VMM_MIGRATE_SEALED))
		rc = stream_writer_set_key(&m->w, m->key);
	/* the writer's keyed MAC state holds it now (wiped by stream_writer_fini()) */
	explicit_bzero(m->key, sizeof(m->key));
	if (rc)
		return mig_fail(m, rc, "starting the stream: %s", m->w.err ? m->w.errmsg : strerror(-rc));
	m->w.stall_ms = save_stall_ms();
	rc = stream_write_record(&m->w, STREAM_REC_DOMAIN_CONFIG, 0, m->config, m->config_len);
	if (!rc)
		rc = save_cpu_policy(vm, &m->w);
	if (!rc)
		rc = save_layout(vm, &m->w);
	if (!rc)
		rc = stream_writer_flush(&m->w);
	if (rc)
		return rc;
	if (m->p.flags & HV_VMM_MIGRATE_LOCAL) {
		m->res.setup_ns = now_ns() - m->t0;
		return mig_local(m);
	}
	rc = vm_dirty_start(vm);
	if (rc)
		return mig_fail(m, rc, "starting the dirty log: %s", strerror(-rc));
	rc = mig_measure(m);
	if (rc)
		return rc;
	m->res.setup_ns = now_ns() - m->t0;
	m->phase = HV_VMM_MIGRATE_PHASE_FIRST;
	m->throttle_at = now_ns();
	info("migrate: setup %.1f ms (pausing %.2f ms, %" PRIu64 " bytes of state read in %.2f ms); sending %" PRIu64 " MiB",
	     m->res.setup_ns / 1e6, m->pause_cost_ns / 1e6, m->state_bytes, m->state_cost_ns / 1e6,
	     vm->mem_size >> 20);
	t_round = now_ns();
	rc = mig_first_pass(m);
	for (;;) {
		uint64_t now;

		if (!rc)
			rc = mig_harvest(m);
		if (rc)
			break;
		now = now_ns();
		m->dirty_rate = (uint64_t)((double)m->remaining * STREAM_PAGE_SIZE * 1e9 /
					   (double)(now - t_round ? now - t_round : 1));
		est = mig_estimate(m, m->remaining);
		info("migrate: round %u: %" PRIu64 " pages dirty (%.1f MiB/s), %.1f MiB/s sent; downtime now would be %.2f ms",
		     m->round, m->remaining, m->dirty_rate / 1048576.0, m->bw / 1048576.0, est / 1e6);
		mig_progress(m, true);
		if (est <= limit && mig_reader_caught_up(m))
			break;
		if (mig_estimate(m, 0) > limit)
			return mig_fail(m, -ETIME, "the downtime cannot get under %u ms: pausing, the state and the destination's start alone are measured at %.1f ms (allow a larger downtime)",
					m->p.downtime_ms, mig_estimate(m, 0) / 1e6);
		if (mig_cancelled(m))
			return -ECANCELED;
		if (m->p.timeout_ms && now - m->t0 > m->p.timeout_ms * 1000000ull)
			return -ETIMEDOUT;
		if ((m->p.flags & HV_VMM_MIGRATE_AUTO_CONVERGE) && m->round >= 1 &&
		    m->dirty_rate > m->bw / 2) {
			m->throttle = m->throttle ? m->throttle + 10 : 20;
			if (m->throttle > MIG_THROTTLE_MAX)
				m->throttle = MIG_THROTTLE_MAX;
			info("migrate: the guest writes %.1f MiB/s, the link takes %.1f MiB/s: its vCPUs now stand %u%% of the time",
			     m->dirty_rate / 1048576.0, m->bw / 1048576.0, m->throttle);
		}
		m->round++;
		m->phase = HV_VMM_MIGRATE_PHASE_ROUNDS;
		t_round = now;
		rc = mig_send_dirty(m);
	}
	if (rc)
		return rc;
	m->res.rounds = m->round + 1;
	return mig_final(m);
}

static void *mig_thread(void *arg)
{
	struct migration *m = arg;
	struct vm *vm = &m->vmm->vm;
	uint64_t one = 1;
	int rc;

	vm_thread_begin(VM_THREAD_MIGRATE);
	rc = mig_run(m);
	vm_dirty_stop(vm);
	m->res.total_ns = now_ns() - m->t0;
	m->res.bytes = m->w.bytes_written;
	m->res.pages = m->w.pages;
	m->res.zero_pages = m->w.zero_pages;
	m->res.bandwidth = m->bw;
	m->res.dirty_rate = m->dirty_rate;
	if (rc == -ECANCELED)
		mig_fail(m, rc, "the migration was cancelled; the domain runs on as it was");
	else if (rc == -ETIMEDOUT && !m->w.err)
		mig_fail(m, rc, "the migration did not converge within its timeout of %" PRIu64 " ms (the guest writes %.1f MiB/s, the link takes %.1f MiB/s): the domain runs on here",
			 m->p.timeout_ms, m->dirty_rate / 1048576.0, m->bw / 1048576.0);
	else if (rc && m->w.err)
		mig_fail(m, rc, "%s; the domain runs on here", m->w.errmsg);
	else if (rc)
		mig_fail(m, rc, "%s", strerror(-rc));
	stream_writer_fini(&m->w);
	if (rc && !m->was_paused)
		vm_unpause(vm);
	m->rc = rc <= -4096 ? -EINVAL : rc;
	if (write(m->done_efd, &one, sizeof(one)) < 0)
		err("migrate: cannot tell the I/O thread it ended: %s", strerror(errno));
	return NULL;
}

static void mig_free(struct migration *m)
{
	if (m->fl >= 0)
		fcntl(m->fd, F_SETFL, m->fl);
	if (m->fd >= 0)
		close(m->fd);
	if (m->done_efd >= 0)
		close(m->done_efd);
	free(m->bits);
	free(m->bounce);
	free(m->config);
	explicit_bzero(m->key, sizeof(m->key));
	free(m);
}

/* The I/O thread: the migration thread ended. */
static void mig_on_done(void *opaque, int fd, unsigned int events)
{
	struct vmm *vmm = opaque;
	struct migration *m = vmm->mig;
	uint64_t v;

	if (!m || read(fd, &v, sizeof(v)) != sizeof(v))
		return;
	pthread_join(m->thread, NULL);
	loop_del(vmm->loop, m->done_efd);
	vmm->mig = NULL;
	if (m->rc)
		err("migrate: %s", m->msg);
	else
		info("migrate: sent %" PRIu64 " bytes (%" PRIu64 " pages, %" PRIu64 " zero) in %" PRIu64 " rounds, %.1f ms; paused for %.2f ms: stopping %.2f, %" PRIu64 " last pages %.2f, state %.2f (estimated %.2f ms plus the destination's start)",
		     m->res.bytes, m->res.pages, m->res.zero_pages, m->res.rounds,
		     m->res.total_ns / 1e6,
		     (m->res.pause_ns + m->res.last_pages_ns + m->res.state_ns) / 1e6,
		     m->res.pause_ns / 1e6, m->res.last_pages, m->res.last_pages_ns / 1e6,
		     m->res.state_ns / 1e6, (m->res.expected_downtime_ns - m->p.overhead_ns) / 1e6);
	m->done(vmm, &m->req, m->rc, &m->res, m->msg);
	mig_free(m);
}

int vmm_migrate_start(struct vmm *vmm, const struct hv_vmm_msg *req,
		      const struct hv_vmm_migrate *p, const uint8_t *key,
		      const char *config, int fd,
		      migrate_done_fn *done, char *msg, size_t msg_len)
{
	struct vm *vm = &vmm->vm;
	struct migration *m;
	struct stat st;
	int rc;

	if (vmm->mig) {
		snprintf(msg, msg_len, "a migration of this domain runs already");
		close(fd);
		return -EBUSY;
	}
	if (fstat(fd, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
		snprintf(msg, msg_len, "a migration stream goes to a pipe or a socket");
		close(fd);
		return -EINVAL;
	}
	vmm_restore_settle(vmm);
	if (!(p->flags & HV_VMM_MIGRATE_SEALED) != !key ||
	    ((p->flags & HV_VMM_MIGRATE_SEALED) && (p->flags & HV_VMM_MIGRATE_LOCAL))) {
		snprintf(msg, msg_len, "a sealed migration needs its key, and is not local (no MAC covers the memfd)");
		close(fd);
		return -EINVAL;
	}
	if (p->flags & HV_VMM_MIGRATE_LOCAL) {
		int domain = 0;
		socklen_t len = sizeof(domain);

		if (!S_ISSOCK(st.st_mode) ||
		    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 || domain != AF_UNIX) {
			snprintf(msg, msg_len, "a local migration needs a Unix socket to a receiver on this host");
			close(fd);
			return -EINVAL;
		}
		if (vm->nr_mapped) {
			snprintf(msg, msg_len, "part of the domain's memory is mapped from its save image (a lazy restore): migrate it without --local");
			close(fd);
			return -EBUSY;
		}
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		close(fd);
		return -ENOMEM;
	}
	m->vmm = vmm;
	m->req = *req;
	m->p = *p;
	m->fd = fd;
	m->fl = -1;
	m->done = done;
	m->t0 = now_ns();
	m->was_paused = __atomic_load_n(&vm->paused, __ATOMIC_ACQUIRE);
	m->copy = true;
	if (key)
		memcpy(m->key, key, sizeof(m->key));
	m->config_len = strlen(config);
	m->config = strdup(config);
	m->words = (size_t)((vm->mem_size >> 12) + 63) / 64;
	m->bits = calloc(m->words, sizeof(*m->bits));
	m->bounce = malloc((size_t)MIG_CHUNK_PAGES * STREAM_PAGE_SIZE);
	m->done_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!m->config || !m->bits || !m->bounce || m->done_efd < 0) {
		mig_free(m);
		return -ENOMEM;
	}
	/* a reader that stops reading costs at most the stall limit (as a save) */
	m->fl = fcntl(fd, F_GETFL);
	if (m->fl >= 0 && (m->fl & O_NONBLOCK))
		m->fl = -1;	/* nothing to put back */
	else if (m->fl >= 0 && fcntl(fd, F_SETFL, m->fl | O_NONBLOCK) < 0)
		m->fl = -1;
	rc = loop_add(vmm->loop, m->done_efd, mig_on_done, vmm);
	if (rc) {
		mig_free(m);
		return rc;
	}
	vmm->mig = m;
	rc = vm_thread_create(&m->thread, mig_thread, m, "migrate");
	if (rc) {
		loop_del(vmm->loop, m->done_efd);
		vmm->mig = NULL;
		mig_free(m);
		snprintf(msg, msg_len, "cannot start the migration thread: %s", strerror(rc));
		return -rc;
	}
	info("migrate: started (downtime limit %u ms, ceiling %u ms, bandwidth %s%" PRIu64 " MiB/s, timeout %" PRIu64 " ms%s%s%s)",
	     p->downtime_ms, p->ceiling_ms, p->bandwidth ? "" : "unlimited ",
	     p->bandwidth >> 20, p->timeout_ms,
	     p->flags & HV_VMM_MIGRATE_COMPRESS ? ", compressed" : "",
	     p->flags & HV_VMM_MIGRATE_AUTO_CONVERGE ? ", auto-converge" : "",
	     key ? ", sealed" : "");
	return 0;
}

bool vmm_migrating(const struct vmm *vmm)
{
	return mig_of(vmm) != NULL;
}

bool vmm_migrate_cancel(struct vmm *vmm, const char *why)
{
	struct migration *m = vmm->mig;

	if (!m)
		return false;
	info("migrate: %s", why);
	__atomic_store_n(&m->cancel, true, __ATOMIC_RELEASE);
	return true;
}

void vmm_migrate_stop(struct vmm *vmm)
{
	struct migration *m = vmm->mig;

	if (!m)
		return;
	vmm_migrate_cancel(vmm, "the domain ends: the migration stops");
	shutdown(m->fd, SHUT_RDWR);	/* a socket: no waiting for its reader */
	pthread_join(m->thread, NULL);
	loop_del(vmm->loop, m->done_efd);
	vmm->mig = NULL;
	mig_free(m);
}
