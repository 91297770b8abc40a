/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "kvmstate.h"
#include "log.h"
#include "platform.h"
#include "save.h"
#include "state.h"
#include "stream/stream.h"
#include "vcpu.h"
#include "vmm.h"

#define SAVE_CHUNK_PAGES	8192	/* 32 MiB between progress reports */
#define RESTORE_BG_NICE		10	/* the thread working on after a restore */
#define RESTORE_BG_DELAY_MS	20	/* after the start: see vmm_restore_start() */

static double now_ms(void)
{
	return now_ns() / 1e6;
}

/* ---- save ---------------------------------------------------------------- */

/*
 * Pages of one memory region, with the memfd's holes (never written, so
 * zero) found by SEEK_DATA/SEEK_HOLE and never read: reading them would
 * allocate them.  A restored domain maps runs of its RAM from the image
 * instead of the memfd (vm->mapped); their pages are read.
 */
struct save_pages {
	struct vm *vm;
	const struct mem_region *r;
	bool holes;
	off_t data, data_end;		/* the memfd's current data extent */
	size_t run;			/* first mapped run not below the page */
};

static bool save_in_hole(struct save_pages *s, off_t off)
{
	const struct vm *vm = s->vm;

	while (s->run < vm->nr_mapped &&
	       vm->mapped[s->run].offset + vm->mapped[s->run].len <= (uint64_t)off)
		s->run++;
	if (s->run < vm->nr_mapped && vm->mapped[s->run].offset <= (uint64_t)off)
		return false;	/* a page of the image, mapped */
	if (!s->holes)
		return false;
	if (off >= s->data_end) {
		s->data = lseek(s->vm->mem_fd, off, SEEK_DATA);
		if (s->data < 0) {
			if (errno != ENXIO) {
				s->holes = false;	/* cannot tell: read everything */
				return false;
			}
			s->data = s->data_end = (off_t)s->vm->mem_size;
			return true;
		}
		s->data_end = lseek(s->vm->mem_fd, s->data, SEEK_HOLE);
		if (s->data_end < 0)
			s->data_end = (off_t)s->vm->mem_size;
	}
	return off < s->data;
}

static const void *save_get_page(void *opaque, uint64_t pfn)
{
	struct save_pages *s = opaque;
	uint64_t rel = (pfn << 12) - s->r->gpa;

	if (save_in_hole(s, (off_t)(s->r->offset + rel)))
		return stream_zero_page;
	return s->vm->mem + s->r->offset + rel;
}

static int save_memory(struct vmm *vmm, struct stream_writer *w, bool compress,
		       const struct save_progress *pr)
{
	struct vm *vm = &vmm->vm;
	uint64_t *pfns = malloc(SAVE_CHUNK_PAGES * sizeof(*pfns));
	uint64_t done = 0;
	int rc = 0;

	if (!pfns)
		return -ENOMEM;
	for (unsigned int i = 0; !rc && i < vm->nr_regions; i++) {
		struct save_pages s = { vm, &vm->regions[i], true, 0, 0, 0 };
		uint64_t first = vm->regions[i].gpa >> 12;
		uint64_t n = vm->regions[i].size >> 12;

		for (uint64_t p = 0; !rc && p < n; p += SAVE_CHUNK_PAGES) {
			size_t k = n - p < SAVE_CHUNK_PAGES ? (size_t)(n - p) : SAVE_CHUNK_PAGES;

			for (size_t j = 0; j < k; j++)
				pfns[j] = first + p + j;
			rc = stream_write_pages(w, pfns, k, save_get_page, &s, compress);
			done += (uint64_t)k << 12;
			if (!rc && pr && pr->fn)
				pr->fn(pr->opaque, done, vm->mem_size);
		}
	}
	free(pfns);
	return rc;
}

static int save_cpu_policy(struct vm *vm, struct stream_writer *w)
{
	const struct kvm_cpuid2 *c = vm->cpuid;
	struct stream_cpuid e[STREAM_CPUID_MAX];

	if (!c || !c->nent || c->nent > STREAM_CPUID_MAX)
		return stream_write_cpu_policy(w, e, 0);	/* refused: says why */
	for (unsigned int i = 0; i < c->nent; i++)
		e[i] = (struct stream_cpuid){
			c->entries[i].function, c->entries[i].index, c->entries[i].flags,
			c->entries[i].eax, c->entries[i].ebx, c->entries[i].ecx,
			c->entries[i].edx,
		};
	return stream_write_cpu_policy(w, e, c->nent);
}

static int save_layout(struct vm *vm, struct stream_writer *w)
{
	struct stream_region r[2];

	for (unsigned int i = 0; i < vm->nr_regions; i++)
		r[i] = (struct stream_region){ vm->regions[i].gpa, vm->regions[i].size };
	return stream_write_layout(w, r, vm->nr_regions);
}

/* VM_STATE, each VCPU_STATE, DEVICE_STATE. */
static int save_state(struct vmm *vmm, struct stream_writer *w, char *msg, size_t msg_len)
{
	struct vm *vm = &vmm->vm;
	struct state_io io;
	int rc;

	state_init_save(&io);
	rc = kvmstate_vm(&io, vm);
	if (!rc)
		rc = stream_write_record(w, STREAM_REC_VM_STATE, 0, io.buf, io.len);
	else
		snprintf(msg, msg_len, "reading the VM's KVM state: %s", strerror(-rc));
	state_fini(&io);
	for (unsigned int i = 0; !rc && i < vm->nr_vcpus; i++) {
		state_init_save(&io);
		rc = kvmstate_vcpu(&io, &vm->vcpus[i]);
		if (!rc)
			rc = stream_write_vcpu(w, i, io.buf, io.len);
		else
			snprintf(msg, msg_len, "reading vCPU %u's KVM state: %s", i, strerror(-rc));
		state_fini(&io);
	}
	if (rc)
		return rc;
	state_init_save(&io);
	pthread_mutex_lock(&vm->io_lock);
	rc = vmm_devices_state(&io, vmm);
	pthread_mutex_unlock(&vm->io_lock);
	if (!rc)
		rc = stream_write_record(w, STREAM_REC_DEVICE_STATE, 0, io.buf, io.len);
	else
		snprintf(msg, msg_len, "saving the devices' state: %s", strerror(-rc));
	state_fini(&io);
	return rc;
}

int vmm_save(struct vmm *vmm, int fd, uint32_t flags, const char *config,
	     size_t config_len, const struct save_progress *pr,
	     struct hv_vmm_save_result *res, char *msg, size_t msg_len)
{
	struct vm *vm = &vmm->vm;
	struct stream_writer w;
	bool compress = flags & HV_VMM_SAVE_COMPRESS;
	bool was_paused = vm->paused;
	uint32_t sflags = compress ? STREAM_F_COMPRESSED : 0;
	struct stat st = { 0 };
	double t0 = now_ms(), t_mem = 0, t_sync = 0;
	off_t at;
	int rc;

	msg[0] = '\0';
	at = lseek(fd, 0, SEEK_CUR);
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		snprintf(msg, msg_len, "the descriptor to save to: %s", strerror(-rc));
		return rc;
	}
	vmm_restore_settle(vmm);
	if (vm->nr_mapped && st.st_dev == vm->image_dev &&
	    st.st_ino == vm->image_ino) {
		snprintf(msg, msg_len, "the domain's memory is mapped from this file (it was restored from it lazily): save it to another file");
		return -EBUSY;
	}
	if (S_ISREG(st.st_mode) && at >= 0) {
		/* a regular file at a page offset, uncompressed: a restore can map it */
		if (!compress && at % STREAM_PAGE_SIZE == 0)
			sflags |= STREAM_F_ALIGNED;
		if (ftruncate(fd, at) < 0) {
			rc = -errno;
			snprintf(msg, msg_len, "cannot truncate the file at offset %lld: %s",
				 (long long)at, strerror(-rc));
			return rc;
		}
	}
	vm_pause(vm);
	rc = stream_writer_init(&w, fd, sflags);
	w.pages_stable = true;		/* paused until the end */
	if (!rc)
		rc = stream_write_record(&w, STREAM_REC_DOMAIN_CONFIG, 0, config, config_len);
	if (!rc)
		rc = save_cpu_policy(vm, &w);
	if (!rc)
		rc = save_layout(vm, &w);
	if (!rc) {
		t_mem = now_ms();
		rc = save_memory(vmm, &w, compress, pr);
		t_mem = now_ms() - t_mem;
	}
	if (!rc)
		rc = save_state(vmm, &w, msg, msg_len);
	if (!rc)
		rc = stream_write_end(&w);
	/* a full disk may only show when the data reaches it: before success */
	if (!rc && S_ISREG(st.st_mode)) {
		t_sync = now_ms();
		if (fdatasync(fd) < 0) {
			rc = -errno;
			snprintf(msg, msg_len, "writing the image out: %s", strerror(errno));
		}
		t_sync = now_ms() - t_sync;
	}
	if (rc && !msg[0])
		snprintf(msg, msg_len, "%s", w.err ? w.errmsg : strerror(-rc));
	if (!rc) {
		res->bytes = w.bytes_written;
		res->pages = w.pages;
		res->zero_pages = w.zero_pages;
		info("saved %" PRIu64 " bytes: %" PRIu64 " pages, %" PRIu64 " of them zero, in %.1f ms (memory %.1f ms, flush %.1f ms)",
		     res->bytes, res->pages, res->zero_pages, now_ms() - t0, t_mem, t_sync);
	}
	stream_writer_fini(&w);
	if (rc <= -4096)
		rc = -EINVAL;	/* a stream rule broken here: a bug, reported as such */
	if (!was_paused && (rc || (flags & HV_VMM_SAVE_RESUME)))
		vm_unpause(vm);
	return rc;
}

/* ---- restore ------------------------------------------------------------- */

/* A copied record body (state records are applied after the whole read). */
struct blob {
	uint8_t *data;
	size_t len;
};

/* A batch whose page data's CRC is checked apart from the read. */
struct deferred {
	struct stream_batch bt;		/* pfns/data pointers are not kept */
	uint64_t data_offset;		/* into the mapping of the image */
	uint32_t index;			/* record, for the message */
};

struct restore {
	struct vmm *vmm;
	const struct restore_options *o;
	struct blob config, policy, vm_state, devices;
	struct blob vcpus[VM_MAX_VCPUS];
	unsigned int nr_vcpu_states;
	bool have_layout;
	const uint8_t *map;		/* the image, read-only */
	size_t map_len;
	uint64_t base;			/* file offset of the stream */
	uint64_t image_dev, image_ino;
	struct placer *pl;		/* for pages placed as they are read */
	struct deferred *deferred;
	size_t nr_deferred, cap_deferred;
};

/*
 * Puts pages into guest RAM, a run of consecutive ones at a time: maps them
 * from the image (lazy) or writes them into the memfd, which allocates the
 * pages without first clearing them, as a fault on the mapping would.
 */
struct placer {
	struct vm *vm;
	int fd;				/* the image, for mapping */
	bool map;
	uint64_t run_gpa, run_file, run_len;
	const uint8_t *run_src;
	uint64_t pages_mapped, pages_copied;
};

static int blob_take(struct blob *b, const void *data, size_t len)
{
	b->data = malloc(len ? len : 1);
	if (!b->data)
		return -ENOMEM;
	memcpy(b->data, data, len);
	b->len = len;
	return 0;
}

static void restore_free(struct restore *r)
{
	free(r->config.data);
	free(r->policy.data);
	free(r->vm_state.data);
	free(r->devices.data);
	for (unsigned int i = 0; i < VM_MAX_VCPUS; i++)
		free(r->vcpus[i].data);
	free(r->deferred);
}

static int run_add(struct vm *vm, uint64_t offset, uint64_t len)
{
	struct mem_run *m;

	if (vm->nr_mapped && vm->mapped[vm->nr_mapped - 1].offset +
	    vm->mapped[vm->nr_mapped - 1].len == offset) {
		vm->mapped[vm->nr_mapped - 1].len += len;
		return 0;
	}
	if (!(vm->nr_mapped & (vm->nr_mapped - 1)) || !vm->nr_mapped) {
		m = realloc(vm->mapped, (vm->nr_mapped ? 2 * vm->nr_mapped : 16) * sizeof(*m));
		if (!m)
			return -ENOMEM;
		vm->mapped = m;
	}
	vm->mapped[vm->nr_mapped++] = (struct mem_run){ offset, len };
	return 0;
}

static int restore_fail(struct restore *r, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int restore_fail(struct restore *r, int rc, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	err("restore %s: %s", r->o->what, buf);
	return rc;
}

/* Creates the VM and its devices for the image's layout. */
static int restore_layout(struct restore *r, const struct stream_layout *l)
{
	struct vmm *vmm = r->vmm;
	uint64_t mib = l->total >> 20;
	int rc;

	if (l->total & ((1u << 20) - 1) || mib < 16)
		return restore_fail(r, -EINVAL, "the image's memory (%" PRIu64 " bytes) is not a whole number of MiB of at least 16",
				    l->total);
	if (r->o->memory_mib && r->o->memory_mib != mib)
		return restore_fail(r, -EINVAL, "the image holds %" PRIu64 " MiB of memory, the configuration says %" PRIu64 " MiB",
				    mib, r->o->memory_mib);
	rc = vm_create(&vmm->vm, mib, r->o->vcpus ? r->o->vcpus : 1);
	if (rc)
		return rc;
	if (l->nr != vmm->vm.nr_regions)
		goto differ;
	for (unsigned int i = 0; i < l->nr; i++)
		if (l->regions[i].gpa != vmm->vm.regions[i].gpa ||
		    l->regions[i].size != vmm->vm.regions[i].size)
			goto differ;
	rc = vmm_devices_init(vmm);
	if (rc)
		return rc;
	r->have_layout = true;
	return 0;
differ:
	return restore_fail(r, -EINVAL, "the image's memory layout is not the one hv-vmm gives %" PRIu64 " MiB (region 0x%" PRIx64 "+0x%" PRIx64 ")",
			    mib, l->regions[0].gpa, l->regions[0].size);
}

/*
 * Writes @len bytes into the memfd at @off, which allocates its pages
 * without first clearing them, as a fault on the mapping would.  Returns
 * how much it wrote (less on an error, with errno set).
 */
static size_t ram_write(struct vm *vm, const uint8_t *src, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(vm->mem_fd, src + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return done;
}

static int place_flush(struct placer *p)
{
	struct vm *vm = p->vm;
	uint8_t *hva;
	size_t done;

	if (!p->run_len)
		return 0;
	hva = vm_gpa(vm, p->run_gpa, p->run_len);
	if (!hva)
		return -EFAULT;
	if (p->map && p->run_file != STREAM_NO_OFFSET) {
		void *m = mmap(hva, p->run_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
			       p->fd, (off_t)p->run_file);

		if (m != MAP_FAILED) {
			if (run_add(vm, hva - vm->mem, p->run_len))
				return -ENOMEM;
			p->pages_mapped += p->run_len >> 12;
			p->run_len = 0;
			return 0;
		}
		/* too many mappings (a scattered image): copy these pages */
	}
	p->pages_copied += p->run_len >> 12;
	done = ram_write(vm, p->run_src, p->run_len, hva - vm->mem);
	if (done < p->run_len)	/* out of memory: an error now, not a fault later */
		return errno ? -errno : -EIO;
	p->run_len = 0;
	return 0;
}

static int place_page(void *opaque, uint64_t pfn, const void *page, uint64_t file_offset)
{
	struct placer *p = opaque;
	uint64_t gpa = pfn << 12;
	int rc;

	if (!page)
		return 0;	/* fresh memory is zero already (saved images send a page once) */
	if (p->run_len && gpa == p->run_gpa + p->run_len &&
	    (const uint8_t *)page == p->run_src + p->run_len &&
	    (!p->map || file_offset == STREAM_NO_OFFSET ||
	     file_offset == p->run_file + p->run_len) &&
	    vm_gpa(p->vm, p->run_gpa, p->run_len + 4096)) {
		p->run_len += 4096;
		return 0;
	}
	rc = place_flush(p);
	if (rc)
		return rc;
	if (!vm_gpa(p->vm, gpa, 4096))
		return -EFAULT;
	p->run_gpa = gpa;
	p->run_src = page;
	p->run_file = file_offset;
	p->run_len = 4096;
	return 0;
}

static int place_batch(struct placer *p, const struct stream_record *rec)
{
	int rc = stream_page_batch_foreach(rec, place_page, p);

	return rc ? rc : place_flush(p);
}

static int restore_defer(struct restore *r, const struct stream_record *rec)
{
	struct deferred *d;

	if (r->nr_deferred == r->cap_deferred) {
		size_t cap = r->cap_deferred ? 2 * r->cap_deferred : 64;

		d = realloc(r->deferred, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		r->deferred = d;
		r->cap_deferred = cap;
	}
	d = &r->deferred[r->nr_deferred++];
	d->bt = rec->batch;		/* pfns and data point into the mapped image */
	d->data_offset = rec->batch.data_file_offset - r->base;
	d->index = rec->index;
	return 0;
}

static int restore_record(struct restore *r, struct stream_reader *rd,
			  const struct stream_record *rec)
{
	struct blob *b = NULL;
	int rc;

	switch (rec->type) {
	case STREAM_REC_DOMAIN_CONFIG:
		b = &r->config;
		break;
	case STREAM_REC_CPU_POLICY:
		b = &r->policy;
		break;
	case STREAM_REC_MEMORY_LAYOUT:
		return restore_layout(r, stream_reader_layout(rd));
	case STREAM_REC_PAGE_BATCH:
		/* mapped (or copied) now, its CRC checked before or after the start */
		if (rec->batch.crc_deferred && (rc = restore_defer(r, rec)))
			return rc;
		rc = place_batch(r->pl, rec);
		return rc ? restore_fail(r, rc, "record %u: cannot place its pages: %s", rec->index,
					 strerror(-rc)) : 0;
	case STREAM_REC_VM_STATE:
		b = &r->vm_state;
		break;
	case STREAM_REC_VCPU_STATE:
		if (rec->vcpu_id >= VM_MAX_VCPUS)
			return restore_fail(r, -EINVAL, "the image has vCPU %u; hv-vmm runs at most %u vCPUs",
					    rec->vcpu_id, VM_MAX_VCPUS);
		r->nr_vcpu_states++;
		return blob_take(&r->vcpus[rec->vcpu_id], rec->body + 8, rec->len - 8);
	case STREAM_REC_DEVICE_STATE:
		if (r->devices.data)
			return restore_fail(r, -EINVAL, "record %u: a second DEVICE_STATE record (hv-vmm writes one)",
					    rec->index);
		b = &r->devices;
		break;
	default:
		return 0;	/* an optional record of a newer writer */
	}
	return blob_take(b, rec->body, rec->len);
}

/*
 * Whether leaf @e differs from the saved @v (function, index, flags, eax..edx)
 * in more than the fields KVM fills in from whichever host CPU answered (the
 * APIC ids), which hv-vmm sets per vCPU anyway, and leaf 0x10, which
 * changes from one VM to the next here.
 */
static bool cpuid_differs(const struct kvm_cpuid_entry2 *e, const struct stream_cpuid *v)
{
	uint32_t ebx_mask = e->function == 1 ? 0x00ffffffu : ~0u;
	uint32_t edx_mask = e->function == 0xb || e->function == 0x1f ? 0 : ~0u;

	/* leaf 0x10 carries a figure KVM measures anew for each VM on PVM hosts */
	if (e->function == 0x10)
		return false;
	return e->eax != v->eax || (e->ebx ^ v->ebx) & ebx_mask || e->ecx != v->ecx ||
	       (e->edx ^ v->edx) & edx_mask;
}

/* The saved CPU policy must be what this host gives, leaf for leaf. */
static int restore_check_policy(struct restore *r)
{
	const struct kvm_cpuid2 *c = r->vmm->vm.cpuid;
	struct stream_record rec = { .type = STREAM_REC_CPU_POLICY };
	uint32_t n;

	if (!r->policy.data)
		return 0;
	rec.body = r->policy.data;
	rec.len = (uint32_t)r->policy.len;
	n = (rec.len - 8) / 32;
	for (uint32_t i = 0; i < n; i++) {
		struct stream_cpuid v;
		unsigned int j;

		stream_cpu_policy_entry(&rec, i, &v);
		for (j = 0; j < c->nent; j++)
			if (c->entries[j].function == v.function && c->entries[j].index == v.index)
				break;
		if (j == c->nent)
			return restore_fail(r, -EINVAL, "the image's CPU has CPUID leaf 0x%x.%u, this host's KVM does not give it (saved on another kind of host?)",
					    v.function, v.index);
		if (cpuid_differs(&c->entries[j], &v))
			return restore_fail(r, -EINVAL, "CPUID leaf 0x%x.%u differs from this host's (eax..edx %08x %08x %08x %08x here, %08x %08x %08x %08x in the image): saved on another kind of host",
					    v.function, v.index, c->entries[j].eax, c->entries[j].ebx,
					    c->entries[j].ecx, c->entries[j].edx, v.eax, v.ebx, v.ecx, v.edx);
	}
	if (n != c->nent)
		return restore_fail(r, -EINVAL, "the image's CPU has %u CPUID leaves, this host gives %u: saved on another kind of host",
				    n, c->nent);
	return 0;
}

static int restore_load(struct restore *r, const char *what, const struct blob *b,
			int (*fn)(struct state_io *io, void *arg), void *arg)
{
	struct state_io io;
	int rc;

	state_init_load(&io, b->data, b->len);
	rc = fn(&io, arg);
	if (!rc)
		rc = io.err;
	if (!rc && io.in_pos != io.in_len)
		state_fail(&io, "%zu bytes after the last section", io.in_len - io.in_pos), rc = io.err;
	if (rc)
		restore_fail(r, rc, "%s: %s", what, io.errmsg[0] ? io.errmsg : strerror(-rc));
	return rc;
}

static int load_vm(struct state_io *io, void *arg)
{
	return kvmstate_vm(io, arg);
}

static int load_vcpu(struct state_io *io, void *arg)
{
	return kvmstate_vcpu(io, arg);
}

static int load_devices(struct state_io *io, void *arg)
{
	return vmm_devices_state(io, arg);
}

/* After END: vCPUs, CPU policy, then the state, in the documented order. */
static int restore_apply(struct restore *r)
{
	struct vmm *vmm = r->vmm;
	struct vm *vm = &vmm->vm;
	unsigned int n = r->nr_vcpu_states;
	uint64_t *gen;
	char what[32];
	int rc;

	for (unsigned int i = 0; i < n; i++)
		if (!r->vcpus[i].data)
			return restore_fail(r, -EINVAL, "the image has %u vCPU states but none for vCPU %u (ids must be 0 to %u)",
					    n, i, n - 1);
	if (r->o->vcpus && r->o->vcpus != n)
		return restore_fail(r, -EINVAL, "the image holds %u vCPUs, the configuration says %u",
				    n, r->o->vcpus);
	if (!r->devices.data)
		return restore_fail(r, -EINVAL, "the image has no DEVICE_STATE record");
	vm->nr_vcpus = n;
	rc = vm_vcpus_init(vm);
	if (rc)
		return restore_fail(r, rc, "cannot create %u vCPUs", n);
	rc = restore_check_policy(r);
	if (!rc)
		rc = restore_load(r, "VM state", &r->vm_state, load_vm, vm);
	for (unsigned int i = 0; !rc && i < n; i++) {
		snprintf(what, sizeof(what), "vCPU %u state", i);
		rc = restore_load(r, what, &r->vcpus[i], load_vcpu, &vm->vcpus[i]);
	}
	if (rc)
		return rc;
	pthread_mutex_lock(&vm->io_lock);
	rc = restore_load(r, "device state", &r->devices, load_devices, vmm);
	pthread_mutex_unlock(&vm->io_lock);
	if (rc)
		return rc;
	gen = vm_gpa(vm, PLAT_GENID_PAGE, sizeof(*gen));
	if (gen)
		__atomic_add_fetch(gen, 1, __ATOMIC_SEQ_CST);
	return 0;
}

/* Checks deferred[first], deferred[first + step], ...; returns a bad one or -1. */
static long verify_batches(const uint8_t *map, const struct deferred *d, size_t nr,
			   size_t first, size_t step, volatile bool *stop)
{
	for (size_t i = first; i < nr && !(stop && *stop); i += step)
		if (stream_batch_verify(&d[i].bt, map + d[i].data_offset))
			return (long)i;
	return -1;
}

/* Eager: one of two workers that check the page data's CRCs. */
struct verify_half {
	const struct restore *r;
	size_t first;
	long bad;			/* a batch with a bad CRC, or -1 */
};

static void *verify_half(void *arg)
{
	struct verify_half *h = arg;

	h->bad = verify_batches(h->r->map, h->r->deferred, h->r->nr_deferred,
				h->first, 2, NULL);
	return NULL;
}

/*
 * Eager: every batch's page data checked against its CRC, on two CPUs,
 * before any vCPU runs.  The data was mapped (or copied) as it was read.
 */
static int restore_verify(struct restore *r)
{
	struct verify_half h[2] = { { r, 0, -1 }, { r, 1, -1 } };
	pthread_t t;
	bool two = !pthread_create(&t, NULL, verify_half, &h[1]);
	long bad;

	verify_half(&h[0]);
	if (two)
		pthread_join(t, NULL);
	else
		verify_half(&h[1]);
	bad = h[0].bad;
	if (h[1].bad >= 0 && (bad < 0 || h[1].bad < bad))
		bad = h[1].bad;
	if (bad >= 0)
		return restore_fail(r, -EINVAL, "record %u (PAGE_BATCH): the page data does not match the record's CRC: the image is corrupt",
				    r->deferred[bad].index);
	return 0;
}

/*
 * The thread that finishes a restore once the domain runs: lazy, it checks
 * the CRCs of the mapped page data and stops the domain on a mismatch;
 * eager, it detaches the domain's memory from the image.
 */
struct restore_bg {
	pthread_t thread;
	struct vmm *vmm;
	const uint8_t *map;
	size_t map_len;
	struct deferred *deferred;
	size_t nr;
	char what[256];
	volatile bool stop;
	/* eager: the memory's way out of the image (detach_finish()) */
	bool detach;
	int efd;			/* the thread's "copied" to the I/O thread */
	int pagemap_fd;			/* /proc/self/pagemap, or -1 */
	int image_fd;			/* the image, closed last: see detach_finish() */
	bool leased;			/* image_fd holds a read lease */
	int copy_rc;			/* the thread's: 0 or -errno */
	uint64_t t0;			/* when the domain started */
	bool started;			/* the thread runs */
	int timer_fd;			/* until then: when it is to start, or -1 */
};

static struct restore_bg *restore_bg;

/*
 * Eager restore, once the domain runs: its memory leaves the image, so that
 * the file may then change or go (pages mapped from a file are the file's:
 * truncating it takes even their private copies away).  A thread copies
 * the mapped runs into the memfd while the vCPUs run; then the I/O thread
 * pauses them, copies again the pages written since the copy began (the
 * private copies that writes made: /proc/self/pagemap tells them from the
 * file's pages), maps the memfd back over the runs and lets the vCPUs go.
 */
#define DETACH_STEP	(8u << 20)	/* remapped in one pause (about 1-2 ms) */
#define PM_PRESENT	(1ull << 63)
#define PM_SWAPPED	(1ull << 62)
#define PM_FILE		(1ull << 61)	/* a file page (or shared anonymous) */

static int detach_copy(struct vm *vm, volatile bool *stop)
{
	for (size_t i = 0; i < vm->nr_mapped && !*stop; i++) {
		const struct mem_run *m = &vm->mapped[i];

		if (ram_write(vm, vm->mem + m->offset, m->len, m->offset) < m->len)
			return -errno;
	}
	return *stop ? -EINTR : 0;
}

/* Copies the pages of @m written since detach_copy() (all of them without @pagemap_fd). */
static int detach_recopy(struct vm *vm, int pagemap_fd, const struct mem_run *m,
			 uint64_t *pages)
{
	uint64_t pm[512];
	uint64_t first = (uintptr_t)(vm->mem + m->offset) / STREAM_PAGE_SIZE;
	uint64_t n = m->len / STREAM_PAGE_SIZE;

	if (pagemap_fd < 0) {
		*pages += n;
		return ram_write(vm, vm->mem + m->offset, m->len, m->offset) < m->len ? -errno : 0;
	}
	for (uint64_t i = 0; i < n; i += 512) {
		size_t k = n - i < 512 ? (size_t)(n - i) : 512;

		if (pread(pagemap_fd, pm, k * 8, (off_t)((first + i) * 8)) != (ssize_t)(k * 8))
			return detach_recopy(vm, -1, m, pages);
		for (size_t j = 0; j < k; j++) {
			uint64_t off = m->offset + (i + j) * STREAM_PAGE_SIZE;

			if (!(pm[j] & PM_SWAPPED) && (!(pm[j] & PM_PRESENT) || (pm[j] & PM_FILE)))
				continue;	/* still the file's page: copied already */
			(*pages)++;
			if (ram_write(vm, vm->mem + off, STREAM_PAGE_SIZE, off) < STREAM_PAGE_SIZE)
				return -errno;
		}
	}
	return 0;
}

/* Ends the lease (writers waiting go on) and closes the image. */
static void detach_close_image(struct restore_bg *b)
{
	if (b->image_fd < 0)
		return;
	if (b->leased)
		fcntl(b->image_fd, F_SETLEASE, F_UNLCK);
	b->leased = false;
	close(b->image_fd);
	b->image_fd = -1;
}

/*
 * Runs in the I/O thread once the copy is done (or from a save that cannot
 * wait): the paused part of the detach, DETACH_STEP at a time, so that no
 * pause is long.  The image stays open (b->image_fd) until the vCPUs run
 * again: when its last mapping went in a pause, that pause would also pay
 * for the file's release, which for a deleted image frees all of it (tens
 * of milliseconds).  Returns 0 or -errno (the rest of the memory then stays
 * mapped from the image).
 */
static int detach_finish(struct vm *vm, struct restore_bg *b)
{
	bool was_paused = vm->paused;
	uint64_t again = 0, longest = 0;
	unsigned int pauses = 0;
	int rc = b->copy_rc;

	while (!rc && vm->nr_mapped) {
		struct mem_run *m = &vm->mapped[vm->nr_mapped - 1];
		uint64_t len = m->len < DETACH_STEP ? m->len : DETACH_STEP;
		struct mem_run c = { m->offset + m->len - len, len };
		uint64_t t = now_ns();

		if (!was_paused)
			vm_pause(vm);
		rc = detach_recopy(vm, b->pagemap_fd, &c, &again);
		if (!rc && mmap(vm->mem + c.offset, c.len, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_FIXED, vm->mem_fd, (off_t)c.offset) == MAP_FAILED) {
			rc = -errno;
			err("restore %s: cannot map guest memory back from its memfd: %s; stopping the domain",
			    b->what, strerror(errno));
			vm_request_exit(vm, VM_EXIT_ERROR);
		}
		if (!rc) {
			madvise(vm->mem + c.offset, c.len, MADV_HUGEPAGE);
			m->len -= len;
			if (!m->len)
				vm->nr_mapped--;
		}
		if (!was_paused)
			vm_unpause(vm);
		pauses++;
		if (now_ns() - t > longest)
			longest = now_ns() - t;
	}
	if (rc)
		warn("restore %s: memory stays mapped from the image (%s): the file must not change while the domain runs",
		     b->what, strerror(-rc));
	else
		info("restore %s: memory copied out of the image %.1f ms after the start; %" PRIu64 " pages written meanwhile copied again in %u pauses of at most %.2f ms",
		     b->what, (now_ns() - b->t0) / 1e6, again, pauses, longest / 1e6);
	detach_close_image(b);		/* said first: a writer waiting may look */
	return rc;
}

static void *restore_bg_thread(void *arg)
{
	struct restore_bg *b = arg;
	long bad;

	/*
	 * Background work: the domain, hvd and the caller waiting for the
	 * restore's answer come first (on two CPUs, a lazy restore's CRC pass
	 * at nice 0 measured 8-20 ms instead of 8 until xl had its answer).
	 */
	setpriority(PRIO_PROCESS, (id_t)gettid(), RESTORE_BG_NICE);
	if (b->detach) {
		b->copy_rc = detach_copy(&b->vmm->vm, &b->stop);
		if (eventfd_write(b->efd, 1) < 0)
			warn("restore %s: cannot wake the I/O thread: %s", b->what, strerror(errno));
		return NULL;
	}
	bad = verify_batches(b->map, b->deferred, b->nr, 0, 1, &b->stop);
	if (bad >= 0) {
		err("restore %s: record %u (PAGE_BATCH): the page data does not match the record's CRC: the image is corrupt; stopping the domain",
		    b->what, b->deferred[bad].index);
		vm_request_exit(&b->vmm->vm, VM_EXIT_ERROR);
	} else if (!b->stop) {
		info("restore %s: the page data of %zu batches matches their CRCs", b->what, b->nr);
	}
	return NULL;
}

/* Drops the timer that was to start the thread. */
static void restore_bg_untimer(struct restore_bg *b)
{
	if (b->timer_fd < 0)
		return;
	loop_del(b->vmm->loop, b->timer_fd);
	close(b->timer_fd);
	b->timer_fd = -1;
}

static void restore_bg_free(struct restore_bg *b)
{
	restore_bg_untimer(b);
	if (b->efd >= 0) {
		loop_del(b->vmm->loop, b->efd);
		close(b->efd);
	}
	if (b->pagemap_fd >= 0)
		close(b->pagemap_fd);
	detach_close_image(b);
	if (b->map)
		munmap((void *)b->map, b->map_len);
	free(b->deferred);
	free(b);
}

/* Waits for the thread; a detach's copy is then finished here. */
static void restore_bg_join(bool stop)
{
	struct restore_bg *b = restore_bg;

	if (!b)
		return;
	b->stop = stop;
	if (b->started)
		pthread_join(b->thread, NULL);
	if (b->detach && b->started && !stop)
		detach_finish(&b->vmm->vm, b);
	restore_bg_free(b);
	restore_bg = NULL;
}

/* The I/O thread's side of the detach: the copy is done. */
static void restore_copied(void *opaque, int fd, unsigned int events)
{
	eventfd_t v;

	(void)opaque;
	(void)events;
	if (eventfd_read(fd, &v) == 0)
		restore_bg_join(false);
}

/*
 * Prepares what goes on once the domain runs (vmm_restore_start()).
 * Lazy: hands the image mapping and the deferred CRC checks over.
 * Eager: what the copy of the memory out of the image needs.
 */
static int restore_prepare_bg(struct restore *r)
{
	struct restore_bg *b;
	bool detach = !r->o->lazy;

	if (detach ? !r->vmm->vm.nr_mapped : !r->nr_deferred)
		return 0;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->vmm = r->vmm;
	b->detach = detach;
	b->efd = b->pagemap_fd = b->image_fd = b->timer_fd = -1;
	snprintf(b->what, sizeof(b->what), "%s", r->o->what);
	if (detach) {
		b->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
		b->image_fd = fcntl(r->o->fd, F_DUPFD_CLOEXEC, 0);
		/*
		 * A read lease: whoever truncates the image or opens it for
		 * writing waits until the memory is out of it (the kernel's
		 * notice of that, SIGIO, is ignored: the copy ends anyway).
		 */
		if (b->image_fd >= 0 && !fcntl(b->image_fd, F_SETLEASE, F_RDLCK))
			b->leased = true;
		else
			info("restore %s: no lease on the image (%s): it must not change until its memory is copied out",
			     r->o->what, strerror(errno));
		b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (b->efd < 0 || loop_add(r->vmm->loop, b->efd, restore_copied, NULL)) {
			if (b->efd >= 0)
				close(b->efd);
			b->efd = -1;
			restore_bg_free(b);
			return -ENOMEM;
		}
	} else {
		b->map = r->map;
		b->map_len = r->map_len;
		b->deferred = r->deferred;
		b->nr = r->nr_deferred;
		r->deferred = NULL;
		r->map = NULL;
	}
	restore_bg = b;
	return 0;
}

/* Runs the thread now. */
static void restore_bg_run(struct restore_bg *b)
{
	restore_bg_untimer(b);
	if (!b->t0)
		b->t0 = now_ns();
	if (!pthread_create(&b->thread, NULL, restore_bg_thread, b)) {
		b->started = true;
		return;
	}
	if (b->detach) {
		warn("restore %s: cannot start copying the memory out of the image: it stays mapped from the image, which must not change while the domain runs",
		     b->what);
	} else {
		err("restore %s: cannot start checking the page data against its CRCs; stopping the domain",
		    b->what);
		vm_request_exit(&b->vmm->vm, VM_EXIT_ERROR);
	}
	restore_bg_free(b);
	restore_bg = NULL;
}

static void restore_bg_due(void *opaque, int fd, unsigned int events)
{
	(void)opaque;
	(void)fd;
	(void)events;
	if (restore_bg && !restore_bg->started)
		restore_bg_run(restore_bg);
}

void vmm_restore_start(struct vmm *vmm)
{
	struct restore_bg *b = restore_bg;
	struct itimerspec due = { .it_value = { 0, RESTORE_BG_DELAY_MS * 1000000L } };

	if (!b || b->started || b->timer_fd >= 0)
		return;
	b->t0 = now_ns();		/* the domain's start */
	b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (b->timer_fd >= 0 && !timerfd_settime(b->timer_fd, 0, &due, NULL) &&
	    !loop_add(vmm->loop, b->timer_fd, restore_bg_due, NULL))
		return;
	if (b->timer_fd >= 0)
		close(b->timer_fd);
	b->timer_fd = -1;
	restore_bg_run(b);
}

void vmm_restore_settle(struct vmm *vmm)
{
	(void)vmm;
	if (restore_bg && restore_bg->detach) {
		if (!restore_bg->started)
			restore_bg_run(restore_bg);
		restore_bg_join(false);
	}
}

void vmm_restore_fini(struct vmm *vmm)
{
	(void)vmm;
	restore_bg_join(true);
}

/*
 * Maps the image and reads it from the mapping: the page data is then copied
 * once (into the memfd), or not at all (lazy).  False, and read() instead,
 * if it cannot be mapped.
 */
static bool restore_map_image(struct restore *r, struct stream_reader *rd)
{
	struct stat st;
	off_t at = lseek(r->o->fd, 0, SEEK_CUR);
	void *p;

	if (at < 0 || at % STREAM_PAGE_SIZE || fstat(r->o->fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size <= at) {
		if (r->o->lazy)
			info("restore %s: not a regular file at a page offset: reading it instead of mapping it",
			     r->o->what);
		return false;
	}
	p = mmap(NULL, st.st_size - at, PROT_READ, MAP_SHARED, r->o->fd, at);
	if (p == MAP_FAILED) {
		info("restore %s: cannot map it (%s): reading it instead", r->o->what, strerror(errno));
		return false;
	}
	r->map = p;
	r->map_len = st.st_size - at;
	r->base = at;
	madvise(p, r->map_len, MADV_SEQUENTIAL);
	stream_reader_init_mem(rd, p, r->map_len);
	rd->base = at;
	rd->defer_page_crc = true;	/* checked apart: restore_verify() or later */
	r->image_dev = st.st_dev;
	r->image_ino = st.st_ino;
	return true;
}

int vmm_restore(struct vmm *vmm, const struct restore_options *o)
{
	double t0 = now_ms();
	struct placer pl = { .vm = &vmm->vm, .fd = o->fd };
	struct restore r = { .vmm = vmm, .o = o, .pl = &pl };
	struct stream_reader rd;
	struct stream_record rec;
	uint64_t pages = 0, total = 0, next_report = 0;
	int rc;

	if (!restore_map_image(&r, &rd))
		stream_reader_init(&rd, o->fd);
	pl.map = r.map;		/* else pages are copied */
	while ((rc = stream_read_record(&rd, &rec)) > 0) {
		rc = restore_record(&r, &rd, &rec);
		if (rc)
			goto out;
		if (rec.type == STREAM_REC_MEMORY_LAYOUT)
			total = stream_reader_layout(&rd)->total;
		if (rec.type == STREAM_REC_PAGE_BATCH) {
			pages += rec.batch.count;
			if (o->progress.fn && (pages << 12) >= next_report) {
				o->progress.fn(o->progress.opaque, pages << 12, total);
				next_report = (pages << 12) + (32u << 20);
			}
		}
	}
	if (rc < 0) {
		rc = restore_fail(&r, rc > -4096 ? rc : -EINVAL, "%s", rd.errmsg);
		goto out;
	}
	if (!r.have_layout) {
		rc = restore_fail(&r, -EINVAL, "no memory layout");
		goto out;
	}
	if (!o->lazy && r.nr_deferred) {
		rc = restore_verify(&r);
		if (rc)
			goto out;
	}
	rc = restore_apply(&r);
	if (rc)
		goto out;
	vmm->vm.image_dev = r.image_dev;
	vmm->vm.image_ino = r.image_ino;
	if (o->progress.fn)
		o->progress.fn(o->progress.opaque, total, total);
	info("restore %s: %" PRIu64 " MiB, %u vCPUs, %s in %.1f ms; %" PRIu64 " pages mapped from the image, %" PRIu64 " copied",
	     o->what, total >> 20, vmm->vm.nr_vcpus,
	     o->lazy && r.nr_deferred ? "read and checked but for the page data" : "read and checked",
	     now_ms() - t0, pl.pages_mapped, pl.pages_copied);
	rc = restore_prepare_bg(&r);
out:
	if (r.map)
		munmap((void *)r.map, r.map_len);
	stream_reader_fini(&rd);
	restore_free(&r);
	return rc;
}
