/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DUMP_CORE: the domain as an ELF64 core file (snapshot/coredump.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "snapshot/coredump.h"
#include "snapshot/save_int.h"
#include "vmm.h"

#define CORE_PAGE		4096u
#define CORE_CHUNK		(32u << 20)	/* bytes of memory between progress reports */

static int write_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len > CORE_CHUNK ? CORE_CHUNK : len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* One region's pages at @off in the file, holes left as they are. */
static int dump_region(struct vmm *vmm, int fd, const struct mem_region *r, uint64_t off,
		       uint64_t *done, const struct save_progress *pr)
{
	struct vm *vm = &vmm->vm;
	struct save_pages s = { vm, r, true, 0, 0, 0 };
	uint64_t run = 0, run_len = 0, next_report = *done + CORE_CHUNK;
	int rc = 0;

	for (uint64_t p = 0; !rc && p <= r->size; p += CORE_PAGE) {
		bool data = p < r->size && !save_in_hole(&s, (off_t)(r->offset + p));

		if (data && !run_len)
			run = p;
		if (data)
			run_len += CORE_PAGE;
		/* a run ends at a hole, at the region's end, or when it is a chunk long */
		if (run_len && (!data || run_len >= CORE_CHUNK)) {
			rc = write_all(fd, vm->mem + r->offset + run, run_len, off + run);
			run_len = 0;
		}
		if (p < r->size)
			*done += CORE_PAGE;
		if (!rc && *done >= next_report) {
			next_report = *done + CORE_CHUNK;
			if (pr && pr->fn && pr->fn(pr->opaque, *done, vm->mem_size))
				rc = -ECANCELED;
		}
	}
	return rc;
}

int vmm_dump_core(struct vmm *vmm, int fd, const struct save_progress *pr,
		  struct hv_vmm_dump_core_result *res, char *msg, size_t msg_len)
{
	struct vm *vm = &vmm->vm;
	struct coredump_region regions[2];
	struct kvm_regs *regs = calloc(vm->nr_vcpus ? vm->nr_vcpus : 1, sizeof(*regs));
	struct kvm_sregs *sregs = calloc(vm->nr_vcpus ? vm->nr_vcpus : 1, sizeof(*sregs));
	bool was_paused = vm->paused;
	uint64_t size = 0, off, done = 0;
	struct stat st;
	void *head = NULL;
	size_t head_len = 0;
	int rc = 0;

	msg[0] = '\0';
	if (!regs || !sregs) {
		rc = -ENOMEM;
		goto out_free;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = -EBADF;
		snprintf(msg, msg_len, "the descriptor to write the core to is not a regular file");
		goto out_free;
	}
	vmm_restore_settle(vmm);
	if (vm->nr_mapped && st.st_dev == vm->image_dev && st.st_ino == vm->image_ino) {
		snprintf(msg, msg_len, "the domain's memory is mapped from this file (it was restored from it lazily): dump it to another file");
		rc = -EBUSY;
		goto out_free;
	}
	vm_pause(vm);
	vmm_devices_quiesce(vmm);	/* as a save: no disk read lands in memory meanwhile */
	for (unsigned int i = 0; !rc && i < vm->nr_vcpus; i++) {
		if (ioctl(vm->vcpus[i].fd, KVM_GET_REGS, &regs[i]) < 0 ||
		    ioctl(vm->vcpus[i].fd, KVM_GET_SREGS, &sregs[i]) < 0) {
			rc = -errno;
			snprintf(msg, msg_len, "reading vCPU %u's registers: %s", i, strerror(-rc));
		}
	}
	for (unsigned int i = 0; i < vm->nr_regions; i++)
		regions[i] = (struct coredump_region){ vm->regions[i].gpa, vm->regions[i].size };
	if (!rc) {
		head = coredump_head(regions, vm->nr_regions, regs, sregs, vm->nr_vcpus, &head_len,
				     &size);
		if (!head)
			rc = -ENOMEM;
	}
	/* whatever the file held goes; what is not written reads as zeros */
	if (!rc && (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)size) < 0)) {
		rc = -errno;
		snprintf(msg, msg_len, "cannot size the core file to %" PRIu64 " bytes: %s", size,
			 strerror(-rc));
	}
	if (!rc)
		rc = write_all(fd, head, head_len, 0);
	off = head_len;
	for (unsigned int i = 0; !rc && i < vm->nr_regions; i++) {
		rc = dump_region(vmm, fd, &vm->regions[i], off, &done, pr);
		off += vm->regions[i].size;
	}
	/* a full disk may only show when the data reaches it */
	if (!rc && fdatasync(fd) < 0)
		rc = -errno;
	if (!was_paused)
		vm_unpause(vm);
	if (rc == -ECANCELED && !msg[0])
		snprintf(msg, msg_len, "the core dump was stopped; the domain is as it was");
	if (rc && !msg[0])
		snprintf(msg, msg_len, "writing the core: %s", strerror(-rc));
	if (!rc) {
		res->bytes = size;
		res->memory_bytes = vm->mem_size;
		res->vcpus = vm->nr_vcpus;
		info("core dumped: %" PRIu64 " bytes, %u vCPUs", size, vm->nr_vcpus);
	}
out_free:
	if (rc == -ENOMEM && !msg[0])
		snprintf(msg, msg_len, "out of memory");
	free(head);
	free(regs);
	free(sregs);
	return rc;
}
