/* SPDX-License-Identifier: MIT */
/*
 * The control channel between hvd and one hv-vmm.
 *
 * hvd creates a SOCK_SEQPACKET socketpair, keeps one end and hands the
 * other to hv-vmm as --control-fd N.  The first request is BUILD or
 * RESTORE: it gives hv-vmm the domain and the descriptors it runs it with
 * (hv-vmm opens no host path).  Each packet is one message: a
 * struct hv_vmm_msg header followed by an op-specific body; file
 * descriptors travel as SCM_RIGHTS.  All integers are little-endian.
 *
 * Requests go hvd -> hv-vmm and are answered by exactly one reply with the
 * same seq, HV_VMM_F_REPLY set and a struct hv_vmm_reply body.  hv-vmm
 * also sends unsolicited events (seq 0, HV_VMM_F_EVENT).  A message with a
 * wrong magic, version, length or a non-zero reserved field is answered
 * with -EPROTO and otherwise ignored; an unknown op gets -EOPNOTSUPP.
 *
 * Versioning: ops and fields are only ever added.  A new field goes at
 * the end of a body, and the length says whether the sender knew it.
 */
#ifndef HV_PUBLIC_VMM_H
#define HV_PUBLIC_VMM_H

#include <stdint.h>

#define HV_VMM_MAGIC		0x4d4d5648u	/* "HVMM" */
#define HV_VMM_VERSION		1
#define HV_VMM_MSG_MAX		65536	/* whole message: a SAVE carries the config */

#define HV_VMM_F_REPLY		0x0001
#define HV_VMM_F_EVENT		0x0002

struct hv_vmm_msg {
	uint32_t magic;
	uint16_t version;
	uint16_t op;
	uint32_t flags;
	uint32_t length;	/* of the whole message, header included */
	uint32_t seq;
	uint32_t reserved;	/* must be zero */
};

enum hv_vmm_op {
	HV_VMM_OP_QUERY = 1,		/* -> struct hv_vmm_info */
	HV_VMM_OP_PAUSE = 2,
	HV_VMM_OP_UNPAUSE = 3,
	HV_VMM_OP_POWER_BUTTON = 4,	/* graceful shutdown request */
	HV_VMM_OP_CTRL_ALT_DEL = 5,	/* graceful reboot request */
	HV_VMM_OP_DESTROY = 6,		/* stop now; exit status 1 */
	HV_VMM_OP_SAVE = 7,		/* struct hv_vmm_save + config; 1 fd: the stream
					 * -> struct hv_vmm_save_result */
	HV_VMM_OP_BUILD = 8,		/* struct hv_vmm_build + config; fds: kernel
					 * [, ramdisk], disks -> - */
	HV_VMM_OP_RESTORE = 9,		/* struct hv_vmm_restore [+ config]; fds: the
					 * image, disks -> - */
	HV_VMM_OP_CANCEL = 10,		/* stop the SAVE in progress -> - (-ENOENT: none);
					 * the SAVE then fails with -ECANCELED, the
					 * domain left as it was */
	HV_VMM_OP_DISK_ATTACH = 11,	/* struct hv_vmm_disk_attach + the description
					 * with the new disk; 1 fd: its target -> - */
	HV_VMM_OP_DISK_DETACH = 12,	/* struct hv_vmm_disk_detach -> - (-ENOENT: no
					 * such disk); HV_VMM_EV_DISK_EJECTED follows */
	HV_VMM_OP_MEM_TARGET = 13,	/* struct hv_vmm_mem_target -> - */
	HV_VMM_OP_NET_ATTACH = 14,	/* struct hv_vmm_net_attach + the description
					 * with the new vif; 1-4 fds: its taps -> - */
	HV_VMM_OP_NET_DETACH = 15,	/* struct hv_vmm_net_detach -> - (-ENOENT: no
					 * such vif); HV_VMM_EV_NET_EJECTED follows */
	HV_VMM_OP_TRIGGER = 16,		/* struct hv_vmm_trigger -> - */
	HV_VMM_OP_MIGRATE = 17,		/* struct hv_vmm_migrate + config; 1 fd: the
					 * stream -> struct hv_vmm_migrate_result;
					 * CANCEL stops it as a SAVE */
	HV_VMM_OP_DUMP_CORE = 18,	/* struct hv_vmm_dump_core; 1 fd: the file
					 * -> struct hv_vmm_dump_core_result */
	/* events, hv-vmm -> hvd */
	HV_VMM_EV_RUNNING = 64,		/* the guest's vCPUs have started */
	HV_VMM_EV_EXIT = 65,		/* struct hv_vmm_exit: how the guest ended */
	HV_VMM_EV_PROGRESS = 66,	/* struct hv_vmm_progress, during a SAVE or RESTORE */
	HV_VMM_EV_DISK_EJECTED = 67,	/* struct hv_vmm_disk_ejected: a disk is gone */
	HV_VMM_EV_BALLOON = 68,		/* struct hv_vmm_balloon: the guest moved its
					 * balloon */
	HV_VMM_EV_NET_EJECTED = 69,	/* struct hv_vmm_net_ejected: a vif is gone */
	HV_VMM_EV_MIGRATE = 70,		/* struct hv_vmm_migrate_progress, during a
					 * MIGRATE (instead of HV_VMM_EV_PROGRESS) */
};

struct hv_vmm_reply {
	int32_t status;		/* 0 or -errno */
	uint32_t reserved;
	/*
	 * op-specific data follows; when status is not 0, it may be a
	 * NUL-terminated message saying what failed (at most 255 bytes)
	 */
};

/* virtio-balloon's statistics tags (VIRTIO_BALLOON_S_*), 0 to 15. */
#define HV_VMM_BALLOON_STATS 16

enum hv_vmm_state {
	HV_VMM_STATE_RUNNING = 1,
	HV_VMM_STATE_PAUSED = 2,
};

struct hv_vmm_info {
	uint32_t state;		/* enum hv_vmm_state */
	uint32_t nr_vcpus;
	uint64_t memory_bytes;	/* the guest's RAM (maxmem) */
	uint64_t cpu_time_ns;	/* all vCPU threads */
	/* added with the balloon: a shorter reply is from a hv-vmm without it */
	struct hv_vmm_balloon_info {
		uint64_t target_bytes;	 /* what the guest was asked to have */
		uint64_t current_bytes;	 /* RAM less the balloon the guest reports */
		uint64_t allocated_bytes; /* of the RAM's memfd: what the host gave */
		uint64_t stats_valid;	 /* bit N: stats[N] holds tag N */
		uint64_t stats[HV_VMM_BALLOON_STATS];	/* by VIRTIO_BALLOON_S_* tag */
		uint64_t stats_age_ms;	 /* since the guest sent them; ~0: never */
		uint32_t features;	 /* HV_VMM_BALLOON_F_*: what the guest's driver took */
		uint32_t reserved;
	} balloon;
};

enum hv_vmm_exit_reason {
	HV_VMM_EXIT_POWEROFF = 0,
	HV_VMM_EXIT_ERROR = 1,
	HV_VMM_EXIT_REBOOT = 2,
	HV_VMM_EXIT_CRASH = 3,
	/* only an exit status: the jail's seccomp filter stopped it (128 + SIGSYS) */
	HV_VMM_EXIT_SECCOMP = 159,
};

struct hv_vmm_exit {
	uint32_t reason;	/* enum hv_vmm_exit_reason, also the exit status */
	uint32_t reserved;
};

/*
 * SAVE: writes the domain to the descriptor that comes with the request
 * (docs/save-stream.md), from its current offset (a regular file is
 * truncated there; it is refused with -EBUSY if the domain's memory is
 * mapped from it by a lazy restore); config_len bytes of
 * domain configuration JSON follow the struct and become the stream's
 * DOMAIN_CONFIG record.  The vCPUs are paused for the whole save.  On
 * success the domain stays paused unless HV_VMM_SAVE_RESUME is given and it
 * was running before; on failure (status -errno and a message: full disk,
 * closed pipe) it is left exactly as it was, running or paused.  hv-vmm
 * writes an aligned stream (lazy restore can map it) when the descriptor is
 * a regular file at an offset that is a multiple of 4096 and
 * HV_VMM_SAVE_COMPRESS is not given.  HV_VMM_EV_PROGRESS events come while
 * it writes memory.
 */
#define HV_VMM_SAVE_COMPRESS	0x1	/* zlib-compress page batches */
#define HV_VMM_SAVE_RESUME	0x2	/* run on afterwards if it was running */
#define HV_VMM_SAVE_SEALED	0x4	/* HV_VMM_KEY_SIZE bytes of key follow the
					 * struct, before the JSON: seal the image */

/*
 * A sealed image's key (docs/save-stream.md, *Sealed streams*), in SAVE and
 * RESTORE with their SEALED flag: right after the struct, before the JSON
 * (config_len does not count it).  hv-vmm wipes it after use, never logs it.
 */
#define HV_VMM_KEY_SIZE		32

struct hv_vmm_save {
	uint32_t flags;		/* HV_VMM_SAVE_* */
	uint32_t config_len;	/* bytes of JSON after this struct (and key), 1.. */
};

struct hv_vmm_save_result {
	uint64_t bytes;		/* stream length */
	uint64_t pages;		/* guest pages saved, zero pages included */
	uint64_t zero_pages;	/* all zero: left out of the image */
};

/*
 * MIGRATE: a live save (docs/save-stream.md, STREAM_F_LIVE) to the
 * descriptor that comes with the request, while the domain runs: all of
 * memory, then rounds of the pages written meanwhile (KVM's dirty log and
 * hv-vmm's own writes), until the estimated downtime (the pages left at
 * the measured bandwidth, plus the measured cost of pausing and of the
 * state, plus overhead_ns, the caller's estimate of what follows the
 * stream's end) is at most downtime_ms; then the vCPUs are paused and the
 * last pages, the state and END are written.  On success the domain stays
 * paused (the caller resumes or destroys it); on failure or CANCEL it runs
 * on as it was.  The final phase (pause to END) is abandoned, and the
 * domain resumed, once it takes longer than ceiling_ms; the whole
 * migration once it takes longer than timeout_ms (0: no limit).  A
 * bandwidth above 0 caps the bytes written per second.  The work runs in
 * a thread of its own: the devices go on meanwhile.
 */
#define HV_VMM_MIGRATE_COMPRESS		0x1	/* zlib page batches */
#define HV_VMM_MIGRATE_AUTO_CONVERGE	0x2	/* slow down vCPUs that outrun the link */
#define HV_VMM_MIGRATE_DIGEST		0x4	/* a digest of all memory before END */
#define HV_VMM_MIGRATE_LOCAL		0x8	/* same host: the memfd itself goes over the
						 * Unix socket, paused at once; only state follows */
#define HV_VMM_MIGRATE_SEALED		0x10	/* HV_VMM_KEY_SIZE bytes of key follow the
						 * struct, before the JSON: seal the stream
						 * (not with LOCAL) */

struct hv_vmm_migrate {
	uint32_t flags;		/* HV_VMM_MIGRATE_* */
	uint32_t config_len;	/* bytes of JSON after this struct (and key), 1.. */
	uint32_t downtime_ms;	/* 1.. */
	uint32_t ceiling_ms;	/* >= downtime_ms */
	uint64_t bandwidth;	/* bytes per second, 0: no cap */
	uint64_t timeout_ms;	/* 0: none */
	uint64_t overhead_ns;	/* after the stream's end, until the guest runs */
	uint64_t reserved[2];	/* zero */
};

enum hv_vmm_migrate_phase {
	HV_VMM_MIGRATE_PHASE_SETUP = 1,
	HV_VMM_MIGRATE_PHASE_FIRST = 2,		/* all of memory */
	HV_VMM_MIGRATE_PHASE_ROUNDS = 3,	/* pages written meanwhile */
	HV_VMM_MIGRATE_PHASE_FINAL = 4,		/* paused: last pages and state */
};

struct hv_vmm_migrate_progress {
	uint32_t phase;			/* enum hv_vmm_migrate_phase */
	uint32_t round;			/* 0: the first pass */
	uint64_t sent_bytes;		/* of the stream so far */
	uint64_t remaining_bytes;	/* guest pages still to send (dirty) */
	uint64_t memory_bytes;		/* guest RAM */
	uint64_t dirty_rate;		/* bytes the guest writes per second */
	uint64_t bandwidth;		/* bytes per second the stream takes */
	uint64_t expected_downtime_ns;	/* if it switched over now */
	uint64_t elapsed_ns;
};

struct hv_vmm_migrate_result {
	uint64_t bytes;			/* stream length */
	uint64_t pages;			/* page entries sent, zero pages included */
	uint64_t zero_pages;
	uint64_t rounds;		/* after the first pass, the final one included */
	uint64_t total_ns;		/* request to END written */
	uint64_t setup_ns;		/* to the first page */
	uint64_t pause_ns;		/* final phase: stopping the vCPUs and devices */
	uint64_t last_pages_ns;		/* final phase: the last dirty pages */
	uint64_t state_ns;		/* final phase: VM, vCPU and device state, END */
	uint64_t last_pages;		/* pages sent while paused */
	uint64_t expected_downtime_ns;	/* the estimate it switched over on */
	uint64_t bandwidth;		/* bytes per second, measured */
	uint64_t dirty_rate;		/* bytes per second, the last measured */
	uint64_t reserved[3];
};
/*
 * DUMP_CORE: writes the domain's memory and vCPU registers to the regular
 * file that comes with the request as an ELF64 core (ET_CORE, EM_X86_64):
 * a PT_NOTE segment with one NT_PRSTATUS note ("CORE", x86-64 struct
 * elf_prstatus: the general registers, rip, rflags, the segment selectors,
 * fs_base and gs_base; pr_pid is the vCPU's number + 1) per vCPU, then one
 * PT_LOAD per guest-physical RAM range (p_paddr and p_vaddr its
 * guest-physical address, page-aligned file offsets).  The file is
 * truncated to the core's size and written with pwrite() from offset 0;
 * pages not in the RAM's memfd (the balloon's) are not written, so the
 * file has holes there that read as zeros.  The vCPUs are paused for the
 * dump and resumed afterwards unless they were paused before; failure
 * (-errno and a message) leaves the domain as it was.  HV_VMM_EV_PROGRESS
 * events come while it writes memory.  -EBUSY while a migration runs.
 */
struct hv_vmm_dump_core {
	uint32_t flags;		/* none yet: must be zero */
	uint32_t reserved;	/* must be zero */
};

struct hv_vmm_dump_core_result {
	uint64_t bytes;		/* the core file's size */
	uint64_t memory_bytes;	/* guest RAM in its PT_LOADs */
	uint32_t vcpus;		/* NT_PRSTATUS notes */
	uint32_t reserved;
};

/*
 * BUILD: the domain's description (libhv's configuration JSON, config_len
 * bytes after the struct) and its kernel, and ramdisk with
 * HV_VMM_BUILD_RAMDISK, as descriptors, then one descriptor for each of
 * the description's disks that has a target (an empty CD-ROM drive has
 * none), in the order of its "disks" array: open as the disk is (read and
 * write, or read only), locked by whoever opened it (the lock is the open
 * file description's: hv-vmm holds it too); hv-vmm owns them from then on
 * and never opens a disk path itself.  The guest sees the disks in the
 * order of their vdev's disk number (hv_config_validate() in
 * hv/config.h), as virtio-blk devices whose serial is the vdev.  Fewer or
 * more disk descriptors than that: -EBADF.  The vifs' taps follow the
 * disks' (as CREATE_DOMAIN passes them, hypercall.h): one descriptor per
 * queue pair, in the order of the description's "vifs"; each becomes a
 * virtio-net device in PCI slot 24 + its devid.  hv-vmm builds the domain (memory,
 * devices, ACPI, the kernel loaded) and replies; a failed reply's message
 * says why, and hv-vmm then exits.  After a successful reply the vCPUs
 * start, unless HV_VMM_BUILD_PAUSED, and HV_VMM_EV_RUNNING follows.  Only
 * as the first request: a BUILD or RESTORE after it is refused with -EBUSY
 * (and a message), the domain unchanged.
 */
#define HV_VMM_BUILD_PAUSED	0x1
#define HV_VMM_BUILD_RAMDISK	0x2

struct hv_vmm_build {
	uint32_t flags;		/* HV_VMM_BUILD_* */
	uint32_t config_len;	/* bytes of JSON after this struct, 1.. */
};

/*
 * RESTORE: the domain is in the save image that comes with it (a regular
 * file, read from its current offset).  hv-vmm checks all of it before any
 * vCPU exists (HV_VMM_EV_PROGRESS events while it reads memory), then
 * replies as for BUILD.  memory_mib and vcpus, when not 0, are what the
 * image must hold (else it is refused); memory_mib is the RAM.  With a
 * description, its memory_mib or its RAM (maxmem_mib, or memory_mib) there
 * means: any RAM from memory_mib to maxmem_mib (the cap may have grown
 * since the save).  Only as the first request.
 *
 * The domain's description may follow the struct (config_len bytes of
 * JSON, as in BUILD): the one the domain has now, which says its disks
 * (their targets may be others than the image's; their descriptors follow
 * the image's, as in BUILD).  Without it (config_len 0, or a body of the
 * first version's 16 bytes) the domain has no disks, and no descriptor but
 * the image may come.
 */
#define HV_VMM_RESTORE_PAUSED	0x1
#define HV_VMM_RESTORE_LAZY	0x2	/* map the image's pages (docs/hv-vmm.md) */
#define HV_VMM_RESTORE_SEALED	0x4	/* HV_VMM_KEY_SIZE bytes of key follow the
					 * struct: the image must be sealed with it;
					 * not with LAZY */

struct hv_vmm_restore {
	uint32_t flags;		/* HV_VMM_RESTORE_* */
	uint32_t vcpus;		/* 0: as the image says */
	uint64_t memory_mib;	/* 0: as the image says */
	uint32_t config_len;	/* bytes of JSON after this struct, 0: none */
	uint32_t reserved;	/* must be zero */
};

/* The first version's struct hv_vmm_restore: without config_len. */
#define HV_VMM_RESTORE_V1_SIZE 16

struct hv_vmm_progress {
	uint64_t done;		/* bytes of guest memory written so far */
	uint64_t total;		/* bytes of guest memory */
};

/*
 * DISK_ATTACH: a disk for the running domain, put in its PCI slot (2 + the
 * vdev's disk number) and announced to the guest through ACPI PCI hotplug.
 * The body is the struct and config_len bytes of the domain's description
 * as it will be with the disk (JSON, as in BUILD), whose disks[disk] is
 * the new one; its target's descriptor comes with it (opened and locked as
 * for BUILD).  Replies 0 once the guest has been told; -EEXIST (its vdev
 * or slot is taken), -ENOSPC (VMM_MAX_DISKS), -EINVAL (the description or
 * disk is refused), -EBADF (not one descriptor), -EBUSY (a SAVE runs).
 */
struct hv_vmm_disk_attach {
	uint32_t flags;		/* none yet: must be zero */
	uint32_t disk;		/* index into the description's disks */
	uint32_t config_len;	/* bytes of JSON after this struct, 1.. */
	uint32_t reserved;	/* must be zero */
};

/*
 * DISK_DETACH: asks the guest to let go of the disk @vdev (an ACPI eject
 * request its driver answers by ejecting the slot); replies 0 once asked,
 * and HV_VMM_EV_DISK_EJECTED follows when the guest has ejected it and the
 * device is gone (its requests in flight completed, its descriptor
 * closed).  With HV_VMM_DISK_DETACH_FORCE the device is removed at once,
 * whatever the guest is doing with it (its driver sees the function
 * vanish), and the event follows the reply.
 */
#define HV_VMM_DISK_DETACH_FORCE 0x1
#define HV_VMM_VDEV_MAX 32

struct hv_vmm_disk_detach {
	uint32_t flags;		/* HV_VMM_DISK_DETACH_* */
	uint32_t reserved;	/* must be zero */
	char vdev[HV_VMM_VDEV_MAX];	/* NUL-terminated */
};

struct hv_vmm_disk_ejected {
	char vdev[HV_VMM_VDEV_MAX];	/* NUL-terminated */
};

/*
 * NET_ATTACH: a vif for the running domain, as DISK_ATTACH: a virtio-net
 * device put in PCI slot 24 + its devid and announced through ACPI PCI
 * hotplug.  The body is the struct and config_len bytes of the domain's
 * description as it will be with the vif, whose vifs[vif] is the new one
 * (its devid and MAC given); its taps come with it, one per queue pair,
 * opened as for BUILD.  Replies 0 once the guest has been told; -EEXIST
 * (its devid or slot is taken), -ENOSPC (VMM_MAX_VIFS), -EINVAL (the
 * description or vif is refused), -EBADF (not one descriptor per queue
 * pair), -EBUSY (a SAVE runs).
 */
struct hv_vmm_net_attach {
	uint32_t flags;		/* none yet: must be zero */
	uint32_t vif;		/* index into the description's vifs */
	uint32_t config_len;	/* bytes of JSON after this struct, 1.. */
	uint32_t reserved;	/* must be zero */
};

/*
 * NET_DETACH: asks the guest to let go of the vif @devid, as DISK_DETACH;
 * HV_VMM_EV_NET_EJECTED follows once the device is gone: its queue pairs
 * stopped and its taps closed (hv-vmm's descriptors; the tap itself goes
 * when hvd closes its own).  With HV_VMM_NET_DETACH_FORCE the device is
 * removed at once and the event follows the reply.
 */
#define HV_VMM_NET_DETACH_FORCE 0x1
#define HV_VMM_NET_MAX_DEVICES	8	/* devids 0..7 */
#define HV_VMM_NET_MAX_QUEUES	4	/* tap descriptors with a NET_ATTACH */

struct hv_vmm_net_detach {
	uint32_t flags;		/* HV_VMM_NET_DETACH_* */
	uint32_t devid;		/* below HV_VMM_NET_MAX_DEVICES */
};

struct hv_vmm_net_ejected {
	uint32_t devid;
	uint32_t reserved;	/* zero */
};

/*
 * The balloon.  Every domain has a virtio-balloon device, in PCI slot 23.
 * The guest's RAM is the description's maxmem_mib (memory_mib when that
 * is 0), and it boots with the balloon asked to hold maxmem - memory
 * (pre-ballooned, as under Xen).  The description's
 * balloon_deflate_on_oom and balloon_free_page_reporting choose those
 * features; the statistics queue is always offered.  Pages the guest
 * inflates or reports are punched out of the RAM's memfd and read as
 * zeros when it touches them again.
 *
 * MEM_TARGET asks the guest to have @target_bytes (rounded down to whole
 * 4 KiB pages): the balloon's num_pages becomes RAM - target and the
 * driver is told (a configuration change interrupt).  Replies 0 once
 * asked, not when the guest got there; -EINVAL: a target of 0, one above
 * the RAM, or a non-zero flags/reserved; -EBUSY: a SAVE runs.  The
 * target a restore starts with is the description's memory_mib.
 *
 * EV_BALLOON comes whenever the size the guest reports (virtio's actual)
 * changes, at most one every 100 ms (the last change is never lost: one
 * more comes when the 100 ms are up), and when the guest's driver is
 * reset or its features are set.
 */
#define HV_VMM_BALLOON_F_DEFLATE_ON_OOM		0x1
#define HV_VMM_BALLOON_F_FREE_PAGE_REPORTING	0x2
#define HV_VMM_BALLOON_F_STATS			0x4
#define HV_VMM_BALLOON_F_PAGE_POISON		0x8
#define HV_VMM_BALLOON_F_DRIVER_OK		0x80000000u	/* a driver runs it */

struct hv_vmm_mem_target {
	uint64_t target_bytes;
	uint32_t flags;		/* none yet: must be zero */
	uint32_t reserved;	/* must be zero */
};

struct hv_vmm_balloon {
	uint64_t ram_bytes;	/* the guest's RAM */
	uint64_t target_bytes;
	uint64_t current_bytes;	/* RAM less the balloon the guest reports */
	uint32_t features;	/* HV_VMM_BALLOON_F_* */
	uint32_t reserved;
};

/*
 * TRIGGER: RESET ends the domain as a reset by the guest does (exit
 * status 2, reboot); NMI makes a non-maskable interrupt pending on vCPU
 * @arg (KVM_NMI), taken when the vCPU next runs; SYSRQ puts a break and
 * then the byte @arg on COM1's receiver (a 16550 break: a NUL with the
 * line status's break bit), the magic SysRq sequence of a Linux console on
 * a serial port.  Replies 0 once done; -EINVAL: an unknown trigger, a vCPU
 * the domain does not have, a key that is not printable ASCII (0x21 to
 * 0x7e); -EPROTO: a body of another size or a non-zero reserved.
 */
#define HV_VMM_TRIGGER_RESET	1
#define HV_VMM_TRIGGER_NMI	2
#define HV_VMM_TRIGGER_SYSRQ	3

struct hv_vmm_trigger {
	uint32_t trigger;	/* HV_VMM_TRIGGER_* */
	uint32_t arg;		/* NMI: the vCPU; SYSRQ: the key */
	uint32_t reserved[2];	/* must be zero */
};

/*
 * The statistics file: hvd creates the domain's "stats" file (a regular
 * file of HV_VMM_STATS_SIZE bytes, zeroed, in its run directory) and
 * passes it to hv-vmm as --stats-fd N.  hv-vmm maps it and keeps its
 * counters there as it goes, with plain 64-bit stores (one writer); hvd
 * reads the file whenever it samples (docs/metering.md) and needs no round
 * trip.  Counters start at 0 with each hv-vmm.  Everything in it comes
 * from hv-vmm, which the guest may have taken over: hvd checks the layout,
 * never lets a counter go backwards and treats the numbers as the guest's
 * word (what it asked of its disks), not as the host's own count.
 *
 * disks[i] is the disk in hv-vmm's slot i (the description's disks[i] at
 * build or restore; a hot-plugged disk takes a free slot): vdev names it,
 * NUL-terminated; an empty vdev is a free slot.  hv-vmm zeroes a slot's
 * counters before it writes its vdev, and its vdev before it frees it.
 */
#define HV_VMM_STATS_MAGIC	0x54535648u	/* "HVST" */
#define HV_VMM_STATS_VERSION	1
#define HV_VMM_STATS_SIZE	4096
#define HV_VMM_STATS_DISKS	12	/* HV_DOMAIN_MAX_DISKS */

struct hv_vmm_diskstats {
	char vdev[16];
	uint64_t rd_reqs, rd_bytes;	/* reads completed (status OK) */
	uint64_t wr_reqs, wr_bytes;	/* writes completed */
	uint64_t flush_reqs;		/* flushes completed */
	uint64_t discard_reqs;		/* discards and write-zeroes completed */
	uint64_t err_reqs;		/* requests answered IOERR or UNSUPP */
	uint64_t throttled_reqs;	/* requests that waited for the rate limit */
};

struct hv_vmm_stats {
	uint32_t magic;		/* HV_VMM_STATS_MAGIC, written last at start */
	uint32_t version;	/* HV_VMM_STATS_VERSION */
	uint32_t nr_disks;	/* HV_VMM_STATS_DISKS */
	uint32_t reserved;
	struct hv_vmm_diskstats disks[HV_VMM_STATS_DISKS];
};


#endif
