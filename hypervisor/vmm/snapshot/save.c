/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Save: a domain into the stream of docs/save-stream.md (snapshot/save.h). */
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
#include "kvm/kvmstate.h"
#include "log.h"
#include "platform.h"
#include "snapshot/save.h"
#include "snapshot/save_int.h"
#include "snapshot/state.h"
#include "stream/stream.h"
#include "kvm/vcpu.h"
#include "vmm.h"

#define SAVE_CHUNK_PAGES	8192	/* 32 MiB between progress reports */

static double now_ms(void)
{
	return now_ns() / 1e6;
}

bool save_in_hole(struct save_pages *s, off_t off)
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
			if (!rc && pr && pr->fn && pr->fn(pr->opaque, done, vm->mem_size))
				rc = -ECANCELED;
		}
	}
	free(pfns);
	return rc;
}

int save_mem_digest(struct vm *vm, uint32_t **crcs_r, size_t *nr_r)
{
	size_t nr = (size_t)(vm->mem_size >> 20);
	uint32_t *crcs = calloc(nr ? nr : 1, sizeof(*crcs));

	if (!crcs)
		return -ENOMEM;
	for (unsigned int i = 0; i < vm->nr_regions; i++) {
		struct save_pages s = { vm, &vm->regions[i], true, 0, 0, 0 };
		const struct mem_region *r = &vm->regions[i];

		for (uint64_t off = 0; off < r->size; off += STREAM_PAGE_SIZE) {
			uint64_t at = r->offset + off;
			size_t mib = (size_t)(at >> 20);
			const void *p = save_in_hole(&s, (off_t)at) ? stream_zero_page : vm->mem + at;

			if (mib < nr)
				crcs[mib] = stream_crc32(crcs[mib], p, STREAM_PAGE_SIZE);
		}
	}
	*crcs_r = crcs;
	*nr_r = nr;
	return 0;
}

int save_cpu_policy(struct vm *vm, struct stream_writer *w)
{
	const struct kvm_cpuid2 *c = vm->cpuid;
	struct stream_cpuid e[STREAM_CPUID_MAX];

	if (!c || !c->nent || c->nent > STREAM_CPUID_MAX)
		return stream_write_cpu_policy(w, NULL, 0);	/* refused: says why */
	for (unsigned int i = 0; i < c->nent; i++)
		e[i] = (struct stream_cpuid){
			c->entries[i].function, c->entries[i].index, c->entries[i].flags,
			c->entries[i].eax, c->entries[i].ebx, c->entries[i].ecx,
			c->entries[i].edx,
		};
	return stream_write_cpu_policy(w, e, c->nent);
}

int save_layout(struct vm *vm, struct stream_writer *w)
{
	struct stream_region r[2];

	for (unsigned int i = 0; i < vm->nr_regions; i++)
		r[i] = (struct stream_region){ vm->regions[i].gpa, vm->regions[i].size };
	return stream_write_layout(w, r, vm->nr_regions);
}

/* VM_STATE, each VCPU_STATE, DEVICE_STATE. */
int save_state(struct vmm *vmm, struct stream_writer *w, char *msg, size_t msg_len)
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

/*
 * How long the reader of a pipe or socket may take nothing before the save
 * is abandoned and the domain resumes (HV_VMM_SAVE_STALL_MS, default
 * VMM_SAVE_STALL_MS): a stalled reader must not hold the domain paused.
 */
#define VMM_SAVE_STALL_MS	30000

int save_stall_ms(void)
{
	const char *e = getenv("HV_VMM_SAVE_STALL_MS");
	char *end;
	long v;

	if (!e || !*e)
		return VMM_SAVE_STALL_MS;
	errno = 0;
	v = strtol(e, &end, 10);
	if (errno || *end || v < 100 || v > 24L * 3600 * 1000) {
		warn("HV_VMM_SAVE_STALL_MS=%s is not a number of ms from 100 to a day; %d it is",
		     e, VMM_SAVE_STALL_MS);
		return VMM_SAVE_STALL_MS;
	}
	return (int)v;
}

int vmm_save(struct vmm *vmm, int fd, uint32_t flags, const uint8_t *key,
	     const char *config, size_t config_len, const struct save_progress *pr,
	     struct hv_vmm_save_result *res, char *msg, size_t msg_len)
{
	struct vm *vm = &vmm->vm;
	struct stream_writer w;
	bool compress = flags & HV_VMM_SAVE_COMPRESS;
	bool was_paused = vm->paused;
	uint32_t sflags = compress ? STREAM_F_COMPRESSED : 0;
	struct stat st = { 0 };
	double t0 = now_ms(), t_mem = 0, t_sync = 0;
	int fl = -1, rc;
	off_t at;

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
	/*
	 * A pipe or socket is written without blocking for the save, so that
	 * a reader that stops reading costs the domain at most the stall
	 * limit: then the save fails and the domain runs on.  Its flags are
	 * put back after (the descriptor's other holders share them).
	 */
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
		fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && !(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
			fl = -1;
	}
	vm_pause(vm);
	vmm_devices_quiesce(vmm);	/* no disk read lands in memory already saved */
	rc = stream_writer_init(&w, fd, sflags);
	if (!rc && key)
		rc = stream_writer_set_key(&w, key);
	w.pages_stable = true;		/* paused until the end */
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
		w.stall_ms = save_stall_ms();
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
	/* the last chance to stop: after the end record the stream restores */
	if (!rc && pr && pr->fn && pr->fn(pr->opaque, vm->mem_size, vm->mem_size))
		rc = -ECANCELED;
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
	if (rc == -ECANCELED && !msg[0])
		snprintf(msg, msg_len, "the save was cancelled; the domain is as it was");
	if (rc && !msg[0])
		snprintf(msg, msg_len, "%s", w.err ? w.errmsg : strerror(-rc));
	if (!rc) {
		res->bytes = w.bytes_written;
		res->pages = w.pages;
		res->zero_pages = w.zero_pages;
		info("saved %" PRIu64 " bytes%s: %" PRIu64 " pages, %" PRIu64 " of them zero, in %.1f ms (memory %.1f ms, flush %.1f ms)",
		     res->bytes, key ? ", sealed" : "", res->pages, res->zero_pages,
		     now_ms() - t0, t_mem, t_sync);
	}
	stream_writer_fini(&w);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl);
	if (rc == -ETIMEDOUT)
		snprintf(msg, msg_len, "%s; the save is abandoned and the domain runs on as it was",
			 w.errmsg);
	if (rc <= -4096)
		rc = -EINVAL;	/* a stream rule broken here: a bug, reported as such */
	if (!was_paused && (rc || (flags & HV_VMM_SAVE_RESUME)))
		vm_unpause(vm);
	return rc;
}
