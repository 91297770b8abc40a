/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Restore: reads and checks every record of an image, places its pages,
 * then creates the vCPUs and loads the state (snapshot/save.h says how).
 * What goes on once the domain runs is restore_bg.c.
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
#include <sys/timerfd.h>
#include <sys/mman.h>
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "kvm/kvmstate.h"
#include "kvm/vcpu.h"
#include "log.h"
#include "platform.h"
#include "le.h"
#include "snapshot/restore_int.h"
#include "snapshot/save_int.h"
#include "snapshot/state.h"
#include "vmm.h"

static double now_ms(void)
{
	return now_ns() / 1e6;
}

/*
 * Puts pages into guest RAM, a run of consecutive ones at a time: maps them
 * from the image (lazy) or writes them into the memfd, which allocates the
 * pages without first clearing them, as a fault on the mapping would.
 */
struct placer {
	struct vm *vm;
	int fd;				/* the image, for mapping */
	bool map;
	bool live;			/* a migration stream: a page may come again */
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
	free(r->digest.data);
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

static int restore_check_policy(struct restore *r);

/* Creates the VM and its devices for the image's layout. */
static int restore_layout(struct restore *r, const struct stream_layout *l)
{
	struct vmm *vmm = r->vmm;
	uint64_t mib = l->total >> 20;
	int rc;

	if (l->total & ((1u << 20) - 1) || mib < 16)
		return restore_fail(r, -EINVAL, "the image's memory (%" PRIu64 " bytes) is not a whole number of MiB of at least 16",
				    l->total);
	if (r->o->memory_mib && r->o->memory_mib != mib &&
	    !(r->o->memory_min_mib && mib >= r->o->memory_min_mib && mib <= r->o->memory_max_mib))
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
	/* a host that cannot give the CPU refuses now, before any page comes */
	rc = vm_cpuid_init(&vmm->vm);
	if (rc)
		return restore_fail(r, rc, "cannot read this host's CPUID");
	return restore_check_policy(r);
differ:
	return restore_fail(r, -EINVAL, "the image's memory layout is not the one hv-vmm gives %" PRIu64 " MiB (region 0x%" PRIx64 "+0x%" PRIx64 ")",
			    mib, l->regions[0].gpa, l->regions[0].size);
}

size_t restore_ram_write(struct vm *vm, const uint8_t *src, size_t len, uint64_t off)
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
	done = restore_ram_write(vm, p->run_src, p->run_len, hva - vm->mem);
	if (done < p->run_len)	/* out of memory: an error now, not a fault later */
		return errno ? -errno : -EIO;
	/*
	 * A migration's pages are mapped into hv-vmm now, while the source
	 * still runs: written through the memfd they were not, and the
	 * guest's first touch of each faulted it in after the switch-over,
	 * in its downtime (64 MiB dirtied at 100 MiB/s: 80 ms).  A kernel
	 * without MADV_POPULATE_WRITE (before 5.14) faults them in later.
	 */
	if (p->live)
		madvise(hva, p->run_len, MADV_POPULATE_WRITE);
	p->run_len = 0;
	return 0;
}

static int place_page(void *opaque, uint64_t pfn, const void *page, uint64_t file_offset)
{
	struct placer *p = opaque;
	uint64_t gpa = pfn << 12;
	int rc;

	if (!page && p->live) {
		/* a page sent before may have been zeroed since, or ballooned */
		uint8_t *hva = vm_gpa(p->vm, gpa, 4096);
		uint64_t kept;

		rc = place_flush(p);
		if (!rc && !hva)
			rc = -EFAULT;
		if (!rc)
			rc = vm_ram_discard(p->vm, (uint64_t)(hva - p->vm->mem), 4096, &kept);
		return rc;
	}
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

/*
 * A local migration's memory: the sender's memfd, which came with this
 * record, replaces the RAM the layout made (mapped over it, at the same
 * address, so KVM's memory slots stay as they are).  It must be sealed
 * against shrinking and growing and have the layout's size.
 */
static int restore_memfd(struct restore *r, struct stream_reader *rd,
			 const struct stream_record *rec)
{
	struct vm *vm = &r->vmm->vm;
	int fd = rd->passed_fd, seals;
	struct stat st;

	rd->passed_fd = -1;
	if (fd < 0)
		return restore_fail(r, -EINVAL, "record %u: a local migration's memory record came without its descriptor (is the sender on another host?)",
				    rec->index);
	seals = fcntl(fd, F_GET_SEALS);
	if (!r->have_layout || rec->len != 8 || le_get64(rec->body) != vm->mem_size ||
	    fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != vm->mem_size ||
	    seals < 0 || (seals & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW) ||
	    r->pl->pages_copied || r->pl->pages_mapped) {
		close(fd);
		return restore_fail(r, -EINVAL, "record %u: the memory that came is not a sealed memfd of the domain's %" PRIu64 " MiB, or pages came too",
				    rec->index, vm->mem_size >> 20);
	}
	if (mmap(vm->mem, vm->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
	    MAP_FAILED) {
		int e = errno;

		close(fd);
		return restore_fail(r, -e, "mapping the sender's memory: %s", strerror(e));
	}
	madvise(vm->mem, vm->mem_size, MADV_HUGEPAGE);
	close(vm->mem_fd);
	vm->mem_fd = fd;
	r->local = true;
	info("restore %s: the sender's memory (%" PRIu64 " MiB) is this domain's now: nothing copied",
	     r->o->what, vm->mem_size >> 20);
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
		if (r->local)
			return restore_fail(r, -EINVAL, "record %u: pages after a local migration's memory",
					    rec->index);
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
	case VMM_REC_MEMFD:
		return restore_memfd(r, rd, rec);
	case VMM_REC_MEM_DIGEST:
		if (r->digest.data || rec->len < 8)
			return restore_fail(r, -EINVAL, "record %u: a second memory digest, or a short one",
					    rec->index);
		b = &r->digest;
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

/*
 * A migration's memory digest: what the sender's paused memory held, MiB by
 * MiB, must be what this side has now (xl migrate --debug).
 */
static int restore_check_digest(struct restore *r)
{
	const uint8_t *b = r->digest.data;
	uint32_t *crcs = NULL;
	size_t nr = 0;
	uint32_t want;
	int rc;

	if (!b)
		return 0;
	want = le_get32(b);
	rc = save_mem_digest(&r->vmm->vm, &crcs, &nr);
	if (rc)
		return restore_fail(r, rc, "computing the memory digest: %s", strerror(-rc));
	if (want != nr || r->digest.len != 8 + 4 * (size_t)want) {
		free(crcs);
		return restore_fail(r, -EINVAL, "the memory digest covers %u MiB, the domain has %zu",
				    want, nr);
	}
	for (size_t i = 0; i < nr; i++)
		if (le_get32(b + 8 + 4 * i) != crcs[i]) {
			free(crcs);
			return restore_fail(r, -EINVAL, "the memory differs from the sender's in MiB %zu of the memfd (its digest): the stream lost a write",
					    i);
		}
	free(crcs);
	info("restore %s: the memory digest matches the sender's (%zu MiB)", r->o->what, nr);
	return 0;
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

long restore_verify_batches(const uint8_t *map, const struct deferred *d, size_t nr,
			    size_t first, size_t step, volatile bool *stop)
{
	for (size_t i = first; i < nr && !(stop && *stop); i += step)
		if (stream_batch_verify(&d[i].bt, map + d[i].data_offset))
			return (long)i;
	return -1;
}

/* One of two workers that check the page data's CRCs. */
struct verify_half {
	const struct restore *r;
	size_t first;
	long bad;			/* a batch with a bad CRC, or -1 */
};

static void verify_half(struct verify_half *h)
{
	h->bad = restore_verify_batches(h->r->map, h->r->deferred, h->r->nr_deferred,
					h->first, 2, NULL);
}

/* The second half's thread (the calling thread does the first: it keeps its filter). */
static void *verify_thread(void *arg)
{
	vm_thread_begin(VM_THREAD_BACKGROUND);
	verify_half(arg);
	return NULL;
}

/*
 * Every batch's page data checked against its CRC, on two CPUs, before any
 * vCPU runs: the data was mapped (or copied) as it was read, and a lazy
 * restore's stays mapped from the image.
 */
static int restore_verify(struct restore *r)
{
	struct verify_half h[2] = { { r, 0, -1 }, { r, 1, -1 } };
	pthread_t t;
	bool two = !vm_thread_create(&t, verify_thread, &h[1], "verify");
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
	uint64_t pages = 0, total = 0, next_report = 0, last_report = 0;
	int rc;

	if (o->key && o->lazy)
		/* libhv and hvd refuse it first; a vCPU never runs on unchecked pages */
		return restore_fail(&r, -EINVAL, "a sealed image is not restored lazily: the pages it maps would run unchecked (restore it without lazy)");
	/*
	 * A sealed image is read into hv-vmm's own buffer, not mapped: the
	 * bytes whose MAC is checked are the bytes that go into guest memory,
	 * whoever may write the file meanwhile.
	 */
	if (o->key || !restore_map_image(&r, &rd)) {
		struct stat st;

		stream_reader_init(&rd, o->fd);
		/* a local migration's memory comes as a descriptor with the stream */
		rd.take_fds = fstat(o->fd, &st) == 0 && S_ISSOCK(st.st_mode);
	}
	/* a sealed image: every record's MAC, in order, before any vCPU exists */
	if (o->key && stream_reader_set_key(&rd, o->key)) {
		rc = restore_fail(&r, -ENOMEM, "out of memory for the key");
		goto out;
	}
	pl.map = r.map;		/* else pages are copied */
	while ((rc = stream_read_record(&rd, &rec)) > 0) {
		rc = restore_record(&r, &rd, &rec);
		if (rc)
			goto out;
		if (rec.type == STREAM_REC_DOMAIN_CONFIG)
			pl.live = rd.flags & STREAM_F_LIVE;
		if (rec.type == STREAM_REC_MEMORY_LAYOUT)
			total = stream_reader_layout(&rd)->total;
		if (rec.type == STREAM_REC_PAGE_BATCH) {
			pages += rec.batch.count;
			/* a live stream may send more pages than the total, slowly: each second */
			if (o->progress.fn && ((pages << 12) >= next_report ||
					       (pl.live && now_ms() - last_report >= 1000))) {
				o->progress.fn(o->progress.opaque,
					       (pages << 12) < total ? pages << 12 : total, total);
				next_report = (pages << 12) + (32u << 20);
				last_report = now_ms();
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
	/* lazy too: no vCPU runs on page data that was not checked */
	if (r.nr_deferred) {
		rc = restore_verify(&r);
		if (rc)
			goto out;
	}
	rc = restore_check_digest(&r);
	if (rc)
		goto out;
	rc = restore_apply(&r);
	if (rc)
		goto out;
	vmm->vm.image_dev = r.image_dev;
	vmm->vm.image_ino = r.image_ino;
	if (o->progress.fn)
		o->progress.fn(o->progress.opaque, total, total);
	info("restore %s: %" PRIu64 " MiB, %u vCPUs, %s in %.1f ms; %" PRIu64 " pages mapped from the image, %" PRIu64 " copied",
	     o->what, total >> 20, vmm->vm.nr_vcpus,
	     o->key ? "read and checked, every MAC too" : "read and checked",
	     now_ms() - t0, pl.pages_mapped, pl.pages_copied);
	rc = restore_bg_prepare(&r);
out:
	if (r.map)
		munmap((void *)r.map, r.map_len);
	stream_reader_fini(&rd);
	restore_free(&r);
	return rc;
}
