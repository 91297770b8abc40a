/* SPDX-License-Identifier: MIT */
/*
 * The hypercall ABI: what libhv says to hvd.
 *
 * Transport: a SOCK_SEQPACKET Unix socket, $HV_RUNDIR/hvd.sock (default
 * /run/hv for root, $XDG_RUNTIME_DIR/hv otherwise).  One packet is one
 * message: struct hv_hc_hdr, then an op-specific body.  File descriptors
 * travel as SCM_RIGHTS with the message that names them.  hvd checks the
 * peer with SO_PEERCRED: root, or the uid hvd runs as.
 *
 * Every integer is little-endian; every struct has a fixed layout with
 * explicit padding; strings are NUL-terminated within their fixed field;
 * reserved fields and padding must be zero.  A request gets exactly one
 * reply with the same seq, HV_HC_F_REPLY set and status 0 or a negative
 * HV_HC_E* code.  Events (HV_HC_F_EVENT, seq 0) go only to connections
 * that subscribed.
 *
 * docs/hypercall-abi.md is the specification; this header is its C form.
 * Versioning: ops and fields are only added.  A body may grow at its end in
 * a later version: a receiver accepts a body longer than it knows only if
 * the extra bytes are zero, and treats a shorter one (from an older
 * sender) as if the missing fields were zero.
 */
#ifndef HV_PUBLIC_HYPERCALL_H
#define HV_PUBLIC_HYPERCALL_H

#include <stdint.h>

#define HV_HC_MAGIC		0x43485648u	/* "HVHC" */
#define HV_HC_VERSION		1
#define HV_HC_MSG_MAX		65536		/* whole message, header included */
#define HV_HC_MAX_FDS		48	/* a restore: image, kernel, ramdisk, 12 disks, 8 vifs of 4 queues */

#define HV_HC_F_REPLY		0x0001
#define HV_HC_F_EVENT		0x0002
#define HV_HC_F_PROGRESS	0x0004	/* hvd -> requester: progress of a pending
					 * request (same op and seq), body
					 * struct hv_hc_progress; not its reply */

struct hv_hc_hdr {
	uint32_t magic;		/* HV_HC_MAGIC */
	uint16_t version;	/* HV_HC_VERSION */
	uint16_t op;		/* enum hv_hc_op */
	uint32_t flags;		/* HV_HC_F_* */
	uint32_t length;	/* whole message, header included */
	uint32_t seq;		/* chosen by the requester; echoed in the reply */
	int32_t status;		/* replies: 0 or -HV_HC_E*; requests: 0 */
	uint32_t reserved[2];
};

/* Status codes (negated in hv_hc_hdr.status). */
enum hv_hc_error {
	HV_HC_EPROTO = 1,	/* malformed message: magic, length, reserved, strings */
	HV_HC_EVERSION = 2,	/* unsupported ABI version */
	HV_HC_EOPNOTSUPP = 3,	/* unknown op */
	HV_HC_EPERM = 4,	/* peer not allowed */
	HV_HC_ENOENT = 5,	/* no such domain */
	HV_HC_EEXIST = 6,	/* name in use */
	HV_HC_EINVAL = 7,	/* a field out of range */
	HV_HC_ESTATE = 8,	/* not in this domain state */
	HV_HC_ENOMEM = 9,	/* host out of memory or domain limit */
	HV_HC_EIO = 10,		/* hvd failed to act (spawn, file) */
	HV_HC_EBADF = 11,	/* missing or wrong file descriptor */
	HV_HC_ENOTSUP = 12,	/* valid request hv does not support yet */
	HV_HC_EVMM = 13,	/* the domain's hv-vmm failed or refused */
	HV_HC_ECANCELED = 14,	/* the requester cancelled it (DOMCTL_CANCEL) */
	HV_HC_ETIMEDOUT = 15,	/* the guest did not do its part in time */
};

enum hv_hc_op {
	/*
	 * domctl.  Ops 1 (CREATE), 2 (BUILD), 11 (SET_CONFIG) and 14 (RESTORE)
	 * of the first ABI described a domain in fixed structs apart from its
	 * configuration; they are retired (answered HV_HC_EOPNOTSUPP) and
	 * their numbers are never reused: CREATE_DOMAIN and RESTORE_DOMAIN
	 * carry the domain description itself.
	 */
	HV_HC_DOMCTL_ADD_DEVICE = 3,	/* hv_hc_add_device + fds -> - */
	HV_HC_DOMCTL_PAUSE = 4,		/* hv_hc_domid -> - */
	HV_HC_DOMCTL_UNPAUSE = 5,	/* hv_hc_domid -> - */
	HV_HC_DOMCTL_SHUTDOWN = 6,	/* hv_hc_shutdown -> - */
	HV_HC_DOMCTL_DESTROY = 7,	/* hv_hc_domid -> - */
	HV_HC_DOMCTL_GETINFO = 8,	/* hv_hc_domid -> hv_hc_dominfo */
	HV_HC_DOMCTL_RENAME = 9,	/* hv_hc_rename -> - */
	HV_HC_DOMCTL_CONSOLE = 10,	/* hv_hc_domid -> - + 1 fd (console socket) */
	HV_HC_DOMCTL_GET_CONFIG = 12,	/* hv_hc_domid -> JSON text */
	HV_HC_DOMCTL_SAVE = 13,		/* hv_hc_save [+ JSON] + 1 fd -> hv_hc_save_result */
	HV_HC_DOMCTL_CANCEL = 15,	/* hv_hc_cancel -> - */
	HV_HC_DOMCTL_CREATE_DOMAIN = 16, /* hv_hc_create_domain + JSON + 1-2 fds -> hv_hc_domid */
	HV_HC_DOMCTL_RESTORE_DOMAIN = 17, /* hv_hc_restore_domain + JSON + 1-3 fds -> hv_hc_domid */
	HV_HC_DOMCTL_DISK_ATTACH = 18,	/* hv_hc_disk_attach + JSON + 1 fd -> - */
	HV_HC_DOMCTL_DISK_DETACH = 19,	/* hv_hc_disk_detach -> - */
	HV_HC_DOMCTL_NIC_ATTACH = 20,	/* hv_hc_nic_attach + JSON + 1-4 fds -> - */
	HV_HC_DOMCTL_NIC_DETACH = 21,	/* hv_hc_nic_detach -> - */
	HV_HC_DOMCTL_MEM_TARGET = 22,	/* hv_hc_mem_target -> - */
	HV_HC_DOMCTL_MEM_MAX = 23,	/* hv_hc_mem_max -> - */
	HV_HC_DOMCTL_MEM_INFO = 24,	/* hv_hc_domid -> hv_hc_meminfo */
	HV_HC_DOMCTL_TRIGGER = 25,	/* hv_hc_trigger -> - */
	HV_HC_DOMCTL_STATS = 26,	/* hv_hc_stats -> hv_hc_stats_reply + domstats */
	HV_HC_DOMCTL_VCPU_INFO = 27,	/* hv_hc_domid -> hv_hc_vcpu_info_reply + vcpuinfos */
	HV_HC_DOMCTL_VCPU_PIN = 28,	/* hv_hc_vcpu_pin -> - */
	HV_HC_DOMCTL_MIGRATE_SEND = 29,	/* hv_hc_migrate + JSON + 1 fd -> hv_hc_migrate_result */
	HV_HC_DOMCTL_DUMP_CORE = 30,	/* hv_hc_dump_core + 1 fd -> hv_hc_dump_core_result */
	HV_HC_DOMCTL_SCHED = 31,	/* hv_hc_sched -> - */
	/* sysctl */
	HV_HC_SYSCTL_PHYSINFO = 32,	/* - -> hv_hc_physinfo */
	HV_HC_SYSCTL_LIST = 33,		/* hv_hc_list -> hv_hc_list_reply + infos */
	HV_HC_SYSCTL_READ_LOG = 34,	/* hv_hc_read_log -> hv_hc_read_log_reply + text */
	/* domctl again: 1 to 31 are taken */
	HV_HC_DOMCTL_MIGRATED = 35,	/* hv_hc_migrated -> - */
	HV_HC_DOMCTL_CONFIG_UPDATE = 36, /* hv_hc_config_update + JSON -> - */
	/* events */
	HV_HC_EVENT_SUBSCRIBE = 64,	/* - -> -; then hv_hc_event messages */
	HV_HC_EVENT = 65,		/* hvd -> subscriber: hv_hc_event */
};

#define HV_HC_NAME_MAX		64	/* including the NUL */
#define HV_HC_DOMID_INVALID	0xffffffffu

/* on_poweroff / on_reboot / on_crash, as GETINFO reports them */
enum hv_hc_action {
	HV_HC_ACTION_DESTROY = 0,
	HV_HC_ACTION_RESTART = 1,
	HV_HC_ACTION_PRESERVE = 2,
	HV_HC_ACTION_RENAME_RESTART = 3,
};

/*
 * A reply with a non-zero status may carry, as its body, a NUL-terminated
 * message of at most HV_HC_ERRMSG_MAX bytes saying what failed (e.g. the
 * hv-vmm's reason for refusing a save image); a receiver that does not
 * want it ignores it.
 */
#define HV_HC_ERRMSG_MAX	1024

struct hv_hc_domid {
	uint32_t domid;
	uint32_t reserved;
};

/*
 * CREATE_DOMAIN: a new domain from its description, libhv's domain
 * configuration as JSON (hv_config_to_json(); config_len bytes after the
 * struct, no NUL), which hvd checks with the same code, stores as received
 * and hands to the domain's hv-vmm.  fd[0] is the kernel, fd[1] the
 * ramdisk with HV_HC_CREATE_RAMDISK: regular files, opened by the client
 * with its own privileges; the paths in the description are only
 * recorded.  The disks follow, one descriptor for each of the
 * description's disks that has a target (an empty CD-ROM drive has none),
 * in the order of its "disks" array: regular files or block devices, open
 * for reading and writing (for reading only if the disk is read-only or a
 * CD-ROM), locked by the client (docs/hypercall-abi.md); hvd keeps its own
 * duplicates, and so the locks, until the domain is destroyed, and hands
 * them to every hv-vmm the domain gets (restarts too).  Then the vifs'
 * taps, in the order of its "vifs" array, one descriptor per queue pair
 * ("queues", default 1): /dev/net/tun opened with IFF_TAP, IFF_NO_PI and
 * IFF_VNET_HDR (IFF_MULTI_QUEUE for more than one), the tap already on its
 * bridge and up (the client does all of that); hvd keeps duplicates as for
 * disks.  The description the client sends says each vif's devid, MAC and
 * bridge.  Too few or too many descriptors: HV_HC_EBADF.  The reply comes once the domain runs, or is built and paused
 * with HV_HC_CREATE_PAUSED; a domain whose build fails leaves nothing
 * behind, and the reply's message says why.
 */
#define HV_HC_CREATE_PAUSED	0x1
#define HV_HC_CREATE_RAMDISK	0x2	/* fd[1] is the ramdisk */

struct hv_hc_create_domain {
	uint32_t flags;		/* HV_HC_CREATE_* */
	uint32_t config_len;	/* bytes of JSON that follow, 1..HV_HC_CONFIG_MAX */
	uint32_t reserved[2];
};

struct hv_hc_add_device {
	uint32_t domid;
	uint32_t kind;		/* none are supported yet: HV_HC_ENOTSUP */
	uint8_t params[256];
};

enum hv_hc_shutdown_reason {
	HV_HC_SHUTDOWN_POWEROFF = 0,	/* ACPI power button */
	HV_HC_SHUTDOWN_REBOOT = 1,	/* Ctrl-Alt-Del */
};

struct hv_hc_shutdown {
	uint32_t domid;
	uint32_t reason;	/* enum hv_hc_shutdown_reason */
};

struct hv_hc_rename {
	uint32_t domid;
	uint32_t reserved;
	char name[HV_HC_NAME_MAX];
};

enum hv_hc_state {
	HV_HC_STATE_BUILDING = 0,	/* created, not yet built */
	HV_HC_STATE_PAUSED = 1,		/* built, vCPUs not running */
	HV_HC_STATE_RUNNING = 2,
	HV_HC_STATE_SHUTDOWN = 3,	/* ended and preserved (on_* = preserve) */
	HV_HC_STATE_CRASHED = 4,	/* crashed and preserved */
	HV_HC_STATE_DYING = 5,		/* being destroyed */
};

enum hv_hc_shutdown_code {	/* why a domain ended, as Xen says it */
	HV_HC_CODE_NONE = 0,
	HV_HC_CODE_POWEROFF = 1,
	HV_HC_CODE_REBOOT = 2,
	HV_HC_CODE_CRASH = 3,
};

struct hv_hc_dominfo {
	uint32_t domid;
	uint32_t state;		/* enum hv_hc_state */
	char name[HV_HC_NAME_MAX];
	uint8_t uuid[16];
	uint32_t vcpus;
	uint32_t maxvcpus;
	uint64_t memory_mib;
	uint64_t maxmem_mib;
	uint64_t cpu_time_ns;	/* vCPU time used so far */
	uint64_t start_time;	/* seconds since the epoch */
	uint32_t shutdown_code;	/* enum hv_hc_shutdown_code, for SHUTDOWN/CRASHED */
	uint32_t vmm_pid;	/* 0 when none runs */
	uint8_t on_poweroff, on_reboot, on_crash, reserved0;
	uint32_t current_mib;	/* RAM less the balloon the guest reports; 0: not known */
	uint32_t mem_flags;	/* HV_HC_MEM_* */
	uint32_t flags;		/* HV_HC_DOMINFO_* (was reserved: 0 from an older hvd) */
};

/*
 * dominfo's flags.  BLOCKED: the domain is RUNNING and every one of its
 * vCPU threads was asleep (not runnable: halted in KVM_RUN, waiting for an
 * interrupt) when hvd looked, from their /proc/PID/task/TID/stat state;
 * Xen's "b".  A sample of one moment, not an average.
 */
#define HV_HC_DOMINFO_BLOCKED	0x1

/* dominfo's and meminfo's mem_flags */
#define HV_HC_MEM_TARGET_MISSED	0x1	/* the guest did not reach its target in time */
#define HV_HC_MEM_CAPPED	0x2	/* hvd enforces maxmem on its hv-vmm (cgroup) */

struct hv_hc_list {
	uint32_t first_domid;	/* list domains with domid >= this */
	uint32_t max;		/* at most this many (0: as many as fit) */
};

struct hv_hc_list_reply {
	uint32_t count;		/* struct hv_hc_dominfo entries that follow */
	uint32_t more;		/* 1 if more domains follow the last one */
};

struct hv_hc_physinfo {
	uint32_t nr_cpus;
	uint32_t nr_domains;
	uint64_t total_mib;
	uint64_t free_mib;
	uint64_t domains_mib;	/* memory given to domains */
	uint32_t max_vcpus;	/* per domain */
	uint32_t hvd_pid;
	char version[32];	/* hv's version, e.g. "0.1.0" */
	uint32_t reserved[4];
};

/*
 * The most JSON a CREATE_DOMAIN, RESTORE_DOMAIN or SAVE carries, and
 * GET_CONFIG returns (a domain description; 65424 bytes).
 */
#define HV_HC_CONFIG_MAX \
	(HV_HC_MSG_MAX - sizeof(struct hv_hc_hdr) - sizeof(struct hv_hc_create_domain) - 64)

/*
 * SAVE writes the domain to fd[0] (a file, pipe or socket, open for
 * writing) as a save stream (docs/save-stream.md).  The image's
 * DOMAIN_CONFIG is the JSON that follows the struct (config_len bytes) or,
 * with config_len 0, the stored configuration.  hvd sends HV_HC_F_PROGRESS
 * messages while memory is written, then the reply.  After a successful
 * save the domain is destroyed (a DEATH event follows), unless
 * HV_HC_SAVE_CONTINUE (it runs on as before) or HV_HC_SAVE_PAUSED (it stays,
 * paused).  A failed save leaves the domain as it was.  States: RUNNING or
 * PAUSED, else HV_HC_ESTATE.
 */
#define HV_HC_SAVE_CONTINUE	0x1
#define HV_HC_SAVE_PAUSED	0x2
#define HV_HC_SAVE_COMPRESS	0x4	/* zlib page batches (no lazy restore then) */
#define HV_HC_SAVE_SEALED	0x8	/* a key comes first in the tail: seal the image */

/*
 * A sealed image's key (docs/save-stream.md, *Sealed streams*): with
 * HV_HC_SAVE_SEALED or HV_HC_RESTORE_SEALED, the body's tail is these
 * bytes of key, then the JSON (config_len bytes, which do not count them).
 * hvd passes the key to hv-vmm and keeps no copy once it has; it never logs it.
 */
#define HV_HC_KEY_SIZE		32

struct hv_hc_save {
	uint32_t domid;
	uint32_t flags;		/* HV_HC_SAVE_* */
	uint32_t config_len;	/* bytes of JSON that follow, 0: the stored one */
	uint32_t reserved;
};

struct hv_hc_save_result {
	uint64_t bytes;		/* image size */
	uint64_t pages;		/* guest pages saved, zero pages included */
	uint64_t zero_pages;	/* all zero: left out of the image */
	uint64_t reserved;
};

/*
 * RESTORE_DOMAIN creates a domain from the save image fd[0] (a regular
 * file, positioned at the stream's first byte).  The JSON after the struct
 * is the domain's description: the image's DOMAIN_CONFIG as the client read
 * it, or a replacement with the same memory and vCPUs; hvd checks it and
 * stores it as received.  fd[1] is the kernel and fd[2] the ramdisk when
 * the flags say so: hvd keeps them for a later on_reboot=restart.  The
 * description's disks follow, as for CREATE_DOMAIN (the targets it names:
 * the image's, or the replacement's).  hv-vmm
 * reads and checks the whole image before any vCPU runs (with
 * HV_HC_RESTORE_LAZY: everything but the page data, which it maps from the
 * file); hvd sends HV_HC_F_PROGRESS messages meanwhile, and replies once
 * the domain runs (or is paused, with HV_HC_RESTORE_PAUSED).  A refused
 * image leaves no domain behind; the reply's message says why.
 */
#define HV_HC_RESTORE_PAUSED	0x1
#define HV_HC_RESTORE_LAZY	0x2	/* map the image's pages; keep the file unchanged */
#define HV_HC_RESTORE_KERNEL	0x4	/* fd[1] is the kernel */
#define HV_HC_RESTORE_INITRD	0x8	/* fd[2] is the ramdisk (needs _KERNEL) */
#define HV_HC_RESTORE_STREAM	0x10	/* fd[0] is a pipe or socket: a migration
					 * stream, read to its END (not LAZY) */
#define HV_HC_RESTORE_SEALED	0x20	/* the key first in the tail: the image must be
					 * sealed with it (not LAZY) */

struct hv_hc_restore_domain {
	uint32_t flags;		/* HV_HC_RESTORE_* */
	uint32_t config_len;	/* bytes of JSON that follow, 1..HV_HC_CONFIG_MAX */
	uint32_t reserved[2];
};

struct hv_hc_progress {
	uint64_t done;		/* bytes of guest memory done */
	uint64_t total;		/* bytes of guest memory */
};

/*
 * MIGRATE_SEND writes the running domain to fd[0] (a pipe or socket open
 * for writing) as a live migration stream (docs/save-stream.md,
 * STREAM_F_LIVE): memory while the domain runs, then, once the estimated
 * downtime is at most downtime_ms, the last pages and the state with the
 * vCPUs paused.  The JSON after the struct (config_len bytes) is the
 * stream's DOMAIN_CONFIG, 0: the stored description.  hvd sends
 * HV_HC_F_PROGRESS messages with a struct hv_hc_migrate_progress (whose
 * first fields are a struct hv_hc_progress) meanwhile.  On success the
 * domain is left PAUSED for the caller, who destroys it once the
 * destination runs it, or unpauses it; a failure (timeout, the ceiling,
 * the reader gone, CANCEL) leaves it as it was.  With HV_HC_MIGRATE_SEALED
 * the tail starts with HV_HC_KEY_SIZE bytes of key, then the JSON, and the
 * stream is sealed with it (docs/save-stream.md, *Sealed streams*).  The migration protocol
 * around the stream is libhv's (docs/migration.md).  States: RUNNING or
 * PAUSED, else HV_HC_ESTATE.
 */
#define HV_HC_MIGRATE_COMPRESS		0x1	/* zlib page batches */
#define HV_HC_MIGRATE_AUTO_CONVERGE	0x2	/* slow a guest that outruns the link */
#define HV_HC_MIGRATE_DIGEST		0x4	/* a digest of all memory, checked by the destination */
#define HV_HC_MIGRATE_LOCAL		0x8	/* same host: the memory goes as the memfd itself */
#define HV_HC_MIGRATE_SEALED		0x10	/* a key comes first in the tail (as SAVE's):
						 * seal the stream; not with LOCAL */

struct hv_hc_migrate {
	uint32_t domid;
	uint32_t flags;		/* HV_HC_MIGRATE_* */
	uint32_t config_len;	/* bytes of JSON that follow, 0: the stored one */
	uint32_t downtime_ms;	/* the switch-over's limit, 1.. */
	uint32_t ceiling_ms;	/* the final phase is abandoned past it, >= downtime_ms */
	uint32_t reserved;
	uint64_t bandwidth;	/* bytes per second, 0: no cap */
	uint64_t timeout_ms;	/* the whole migration, 0: no limit */
	uint64_t overhead_ns;	/* the destination's restore and resume, estimated */
};

struct hv_hc_migrate_progress {
	uint64_t done;			/* bytes of guest memory sent at least once */
	uint64_t total;			/* bytes of guest memory */
	uint32_t phase;			/* 1 setup, 2 first pass, 3 rounds, 4 final */
	uint32_t round;
	uint64_t sent_bytes;		/* of the stream */
	uint64_t remaining_bytes;	/* dirty guest memory still to send */
	uint64_t dirty_rate;		/* bytes per second the guest writes */
	uint64_t bandwidth;		/* bytes per second the stream takes */
	uint64_t expected_downtime_ns;
	uint64_t elapsed_ns;
};

struct hv_hc_migrate_result {
	uint64_t bytes;			/* stream length */
	uint64_t pages;			/* page entries, zero pages included */
	uint64_t zero_pages;
	uint64_t rounds;		/* after the first pass, the final one included */
	uint64_t total_ns;		/* to END written */
	uint64_t setup_ns;
	uint64_t pause_ns;		/* final phase: vCPUs and devices stopped */
	uint64_t last_pages_ns;
	uint64_t state_ns;		/* state records and END */
	uint64_t last_pages;
	uint64_t expected_downtime_ns;	/* the estimate it switched over on */
	uint64_t bandwidth;		/* bytes per second */
	uint64_t dirty_rate;		/* bytes per second, the last measured */
	uint64_t reserved[3];
};

/*
 * DUMP_CORE writes the domain's memory and vCPU registers to fd[0] (a
 * regular file open for writing, written from offset 0 and truncated to
 * the core's size) as an ELF64 core file (docs/hypercall-abi.md,
 * *DUMP_CORE*): one PT_LOAD per guest-physical RAM range, p_paddr its
 * guest-physical address, and a PT_NOTE with one NT_PRSTATUS per vCPU.
 * Pages the balloon gave back are left as holes (they read as zeros).
 * The vCPUs are paused while it is written and run on afterwards, unless
 * the domain was paused before; the domain is otherwise untouched, a
 * failure included.  hvd sends HV_HC_F_PROGRESS messages while memory is
 * written.  States: RUNNING or PAUSED, else HV_HC_ESTATE; not while the
 * domain is saved or migrated (HV_HC_ESTATE).  No flags are defined yet.
 */
struct hv_hc_dump_core {
	uint32_t domid;
	uint32_t flags;		/* none yet: must be zero */
	uint32_t reserved[2];	/* must be zero */
};

struct hv_hc_dump_core_result {
	uint64_t bytes;		/* the core file's size */
	uint64_t memory_bytes;	/* guest RAM in its PT_LOADs */
	uint32_t vcpus;		/* NT_PRSTATUS notes */
	uint32_t reserved;
	uint64_t reserved2;
};

/*
 * CANCEL stops a SAVE or RESTORE_DOMAIN that the same connection sent
 * (@seq is that request's seq; @domid the domain saved, or
 * HV_HC_DOMID_INVALID for a restore, whose client does not know it yet)
 * and has not had its reply yet.  The cancelled
 * request is answered with -HV_HC_ECANCELED once the domain is as it was
 * before it (a saving domain runs on, or stays paused, unchanged; a
 * restoring one is gone); CANCEL's own reply is 0, or -HV_HC_ENOENT when
 * no such request is pending (it may have just finished: its own reply
 * says how).
 */
struct hv_hc_cancel {
	uint32_t domid;
	uint32_t seq;
};

/*
 * DISK_ATTACH adds a disk to a running (or paused) domain: the JSON after
 * the struct (config_len bytes, no NUL) is the disk, one object as an
 * element of the description's "disks" array is written; fd[0] its
 * target, opened and locked by the client as for CREATE_DOMAIN (an empty
 * CD-ROM drive cannot be attached).  hvd refuses a vdev whose disk number
 * the domain uses (HV_HC_EEXIST), a domain with HV_DOMAIN_MAX_DISKS disks
 * (HV_HC_ENOMEM), a domain that is not RUNNING or PAUSED or that is being
 * saved, or has another disk being attached or detached (HV_HC_ESTATE), a
 * description with the disk that the shared checks refuse (HV_HC_EINVAL,
 * HV_HC_ENOTSUP), a descriptor that does not fit the disk (HV_HC_EBADF);
 * then hands the disk to the domain's hv-vmm, which announces it to the
 * guest (ACPI PCI hotplug).  The reply comes once the guest was told: the
 * stored description has the disk at the end of "disks" (GET_CONFIG, save
 * images, restarts follow it) and hvd keeps a duplicate of the descriptor
 * as for the other disks.  On failure nothing changed.
 */
struct hv_hc_disk_attach {
	uint32_t domid;
	uint32_t flags;		/* none yet: 0 */
	uint32_t config_len;	/* bytes of JSON that follow, 1..HV_HC_CONFIG_MAX */
	uint32_t reserved;
};

/*
 * DISK_DETACH asks the guest to let go of the disk @vdev (its disk number:
 * "xvdb" also finds a disk called "vdb") and waits up to @timeout_ms for
 * it to eject the device; then the disk leaves the description and hvd
 * closes its descriptor (the lock goes with hv-vmm's, which it closed
 * first) and replies 0.  A guest that does not eject in time (no PCI
 * hotplug driver, the disk in use) gets HV_HC_ETIMEDOUT: the disk stays,
 * and leaves later if the guest ejects it after all.  With
 * HV_HC_DISK_DETACH_FORCE the device is removed at once, whatever the
 * guest does with it.  HV_HC_ENOENT: no such domain or disk; HV_HC_ESTATE:
 * the domain is not RUNNING or PAUSED, is being saved, or has another disk
 * being attached or detached.
 */
#define HV_HC_DISK_DETACH_FORCE		0x1
#define HV_HC_DISK_TIMEOUT_DEFAULT_MS	10000	/* timeout_ms 0 */
#define HV_HC_DISK_TIMEOUT_MAX_MS	3600000	/* an hour */
#define HV_HC_VDEV_MAX			32	/* including the NUL */

struct hv_hc_disk_detach {
	uint32_t domid;
	uint32_t flags;		/* HV_HC_DISK_DETACH_* */
	uint32_t timeout_ms;	/* 0: HV_HC_DISK_TIMEOUT_DEFAULT_MS */
	uint32_t reserved;
	char vdev[HV_HC_VDEV_MAX];	/* NUL-terminated */
};

/*
 * The balloon (docs/balloon.md).  A domain's description says its target
 * (memory_mib) and its cap (maxmem_mib; the RAM it boots with).
 *
 * MEM_TARGET asks the guest's balloon driver for @target_mib and replies
 * once asked; the description's memory_mib becomes the target.  The guest
 * gets there in its own time: MEM_INFO and GETINFO show how far it got,
 * and a guest that is not there within HV_HC_MEM_TARGET_MS gets the
 * MEM_TARGET_MISSED flag and an HV_HC_EV_MEMORY event (code 1; code 0 when
 * it gets there).  HV_HC_EINVAL: a target below HV_HC_MEM_MIN_MIB, above
 * maxmem or above the RAM the guest booted with.  HV_HC_ESTATE: not
 * RUNNING or PAUSED, or being saved.
 *
 * MEM_MAX sets the cap: at least the target (HV_HC_EINVAL), enforced on
 * hv-vmm through the domain's memory cgroup as the cap plus a margin for
 * hv-vmm itself (docs/balloon.md); HV_HC_ENOMEM: the domain uses more
 * than that now (lower its target and let it give memory back first);
 * HV_HC_ENOTSUP: this host gives hvd no memory cgroup.  The description's
 * maxmem_mib becomes the cap; a cap above the RAM takes effect as RAM at
 * the next boot.
 *
 * MEM_INFO: the balloon as hv-vmm sees it now (its statistics refreshed
 * if older than a second).
 */
#define HV_HC_MEM_MIN_MIB	16
#define HV_HC_MEM_TARGET_MS	30000
#define HV_HC_BALLOON_STATS	16	/* virtio-balloon statistics tags 0..15 */

struct hv_hc_mem_target {
	uint32_t domid;
	uint32_t flags;		/* none yet: 0 */
	uint64_t target_mib;
};

struct hv_hc_mem_max {
	uint32_t domid;
	uint32_t flags;		/* none yet: 0 */
	uint64_t max_mib;
};

/*
 * SCHED sets the domain's CPU weight and cap as Xen's credit scheduler has
 * them (the description's cpu_weight and cpu_cap), those @flags names: in
 * the domain's cgroup if its hv-vmm runs, and in its description, which
 * later starts of it use.  HV_HC_EINVAL: no flag, an unknown one, a weight
 * outside 1..65535 or a cap above 102400; HV_HC_ENOTSUP: the domain runs
 * and hvd has no cpu cgroup controller to apply it with (nothing changes).
 */
#define HV_HC_SCHED_WEIGHT	0x1
#define HV_HC_SCHED_CAP		0x2
#define HV_HC_SCHED_WEIGHT_MAX	65535
#define HV_HC_SCHED_CAP_MAX	102400	/* percent of one host CPU */

struct hv_hc_sched {
	uint32_t domid;
	uint32_t flags;		/* HV_HC_SCHED_*: what to set */
	uint32_t weight;
	uint32_t cap;		/* percent of one host CPU; 0: none */
};

/*
 * CONFIG_UPDATE (xl config-update) gives the domain the description in the
 * JSON after the struct (config_len bytes, no NUL) for its next start by
 * on_reboot/on_poweroff/on_crash = restart; the running domain is not
 * changed.  A start reuses the domain's images, disks and taps, so the new
 * description must name the same ones: the same name, type, kernel and
 * ramdisk paths, and the same disks (target, vdev, format, access, type)
 * and vifs (devid, bridge, vifname, queues) in the same order; memory,
 * vCPUs, the command line, actions, CPU weight and the rest may change.
 * HV_HC_EINVAL: a description the shared checks refuse, or one that names
 * other devices or images (the reply says which); HV_HC_ESTATE: the
 * domain is arriving by migration.  A later update replaces the pending
 * one; a disk or vif hotplugged since makes it not fit, and the restart
 * then keeps the description the domain had (hvd's log says so).
 */
struct hv_hc_config_update {
	uint32_t domid;
	uint32_t flags;		/* none yet: 0 */
	uint32_t config_len;	/* bytes of JSON that follow, 1..HV_HC_CONFIG_MAX */
	uint32_t reserved;
};

struct hv_hc_meminfo {
	uint64_t ram_kib;	/* the RAM the guest has */
	uint64_t target_kib;
	uint64_t current_kib;	/* RAM less its balloon, as the guest reports */
	uint64_t max_kib;	/* the cap (maxmem) */
	uint64_t allocated_kib;	/* host memory its RAM takes now */
	uint64_t cgroup_limit_kib; /* 0: none */
	uint64_t cgroup_usage_kib;
	uint64_t stats_valid;	/* bit N: stats[N] is tag N */
	uint64_t stats[HV_HC_BALLOON_STATS];
	uint64_t stats_age_ms;	/* ~0: the guest never sent any */
	uint32_t features;	/* what its driver took: HV_VMM_BALLOON_F_* (vmm.h) */
	uint32_t mem_flags;	/* HV_HC_MEM_* */
	uint32_t reserved[4];
};

/*
 * NIC_ATTACH adds a vif to a running (or paused) domain: the JSON after
 * the struct (config_len bytes, no NUL) is the vif, one object as an
 * element of the description's "vifs" array is written, with its devid,
 * MAC and bridge given (the client chose them: the lowest free devid, the
 * MAC a create would give that devid); then one tap descriptor per queue
 * pair ("queues", default 1), opened and put on its bridge by the client
 * as for CREATE_DOMAIN.  hvd refuses a devid, MAC or vifname the domain
 * uses (HV_HC_EEXIST), a domain with HV_DOMAIN_MAX_VIFS vifs
 * (HV_HC_ENOMEM), a domain that is not RUNNING or PAUSED, is being saved
 * or has another device being attached or detached (HV_HC_ESTATE), a
 * description with the vif that the shared checks refuse (HV_HC_EINVAL,
 * HV_HC_ENOTSUP), descriptors that are not such taps or not as many as
 * the queues (HV_HC_EBADF); then hands the taps to the domain's hv-vmm,
 * which puts a virtio-net device in PCI slot 24 + devid and announces it
 * (ACPI PCI hotplug).  The reply comes once the guest was told: the
 * stored description has the vif at the end of "vifs" and hvd keeps
 * duplicates of the taps as for the others.  On failure nothing changed
 * (the client closes its taps, and with them they go).
 */
struct hv_hc_nic_attach {
	uint32_t domid;
	uint32_t flags;		/* none yet: 0 */
	uint32_t config_len;	/* bytes of JSON that follow, 1..HV_HC_CONFIG_MAX */
	uint32_t reserved;
};

/*
 * NIC_DETACH asks the guest to let go of the vif @devid (the client finds
 * it by MAC if asked so) and waits up to @timeout_ms for it to eject the
 * device, as DISK_DETACH does; then the vif leaves the description, hvd
 * closes its taps (hv-vmm closed its own first: the tap and its bridge
 * port go) and replies 0.  HV_HC_ETIMEDOUT, HV_HC_NIC_DETACH_FORCE,
 * HV_HC_ENOENT (no such domain or vif) and HV_HC_ESTATE as for
 * DISK_DETACH; HV_HC_EINVAL: a devid of HV_DOMAIN_MAX_VIFS (8) or more.
 */
#define HV_HC_NIC_DETACH_FORCE		0x1
#define HV_HC_NIC_MAX_DEVID		7
#define HV_HC_NIC_MAX_QUEUES		4	/* tap descriptors with a NIC_ATTACH */

struct hv_hc_nic_detach {
	uint32_t domid;
	uint32_t flags;		/* HV_HC_NIC_DETACH_* */
	uint32_t timeout_ms;	/* 0: HV_HC_DISK_TIMEOUT_DEFAULT_MS; at most _MAX_MS */
	uint32_t devid;		/* 0..HV_HC_NIC_MAX_DEVID */
};

/*
 * TRIGGER sends the domain what Xen's xl trigger and sysrq send, where
 * hv can: RESET resets it at once (hv-vmm ends as the guest's own reset
 * ends it: the domain's on_reboot action follows); NMI injects a
 * non-maskable interrupt into vCPU @arg (below the domain's vcpus, else
 * HV_HC_EINVAL); SYSRQ sends a serial break then the byte @arg (printable
 * ASCII, 0x21..0x7e, else HV_HC_EINVAL) to the guest's first serial port,
 * which a Linux guest whose console is that port takes for the magic SysRq
 * key @arg.  The power button is DOMCTL_SHUTDOWN's.  Replies once hv-vmm
 * has done it (the NMI is pending on the vCPU, which takes it when it
 * runs: at once, or when a paused domain is unpaused).  HV_HC_ESTATE: not
 * RUNNING or PAUSED, or being saved; HV_HC_EINVAL: an unknown trigger.
 */
enum hv_hc_trigger_kind {
	HV_HC_TRIGGER_RESET = 1,
	HV_HC_TRIGGER_NMI = 2,
	HV_HC_TRIGGER_SYSRQ = 3,
};

struct hv_hc_trigger {
	uint32_t domid;
	uint32_t trigger;	/* enum hv_hc_trigger_kind */
	uint32_t arg;		/* NMI: the vCPU; SYSRQ: the key */
	uint32_t reserved;
};

/*
 * READ_LOG reads hvd's own log ($HV_LOGDIR/hvd.log, what Xen's xl dmesg
 * reads of Xen's console ring): the reply's text is the log's bytes from
 * @offset on, as many as fit in one message; the reply says where they
 * start (@offset, or 0 when the log is shorter than @offset: it was
 * emptied since) and how long the log is now, so a client reads on from
 * reply.offset + the text's length until it has reached the size.  With
 * HV_HC_READ_LOG_CLEAR hvd empties the log once a reply carries its last
 * byte (and says so with HV_HC_READ_LOG_CLEARED), so nothing written in
 * between is lost.  HV_HC_EINVAL: unknown flags.
 */
#define HV_HC_READ_LOG_CLEAR	0x1
#define HV_HC_READ_LOG_CLEARED	0x1	/* reply flags: the log is empty now */

struct hv_hc_read_log {
	uint64_t offset;
	uint32_t flags;		/* HV_HC_READ_LOG_CLEAR */
	uint32_t reserved;
};

struct hv_hc_read_log_reply {
	uint64_t offset;	/* of the text's first byte in the log */
	uint64_t size;		/* of the whole log now */
	uint32_t flags;		/* HV_HC_READ_LOG_CLEARED */
	uint32_t reserved;
};

/*
 * MIGRATED: how the live migration that brought domain @domid here went
 * (docs/migration.md), told by the receiving libhv once the domain runs:
 * the source's measurements (sent with GO) and this side's resume.  hvd
 * keeps it with the domain, across its own restarts, and STATS gives it
 * back (HV_HC_STATS_MIGRATION).  Only numbers, which hvd shows and
 * nothing acts on; and (HV_HC_MIGRATED_USAGE, struct hv_hc_migrated below)
 * what the domain had used at the source when it was paused for the
 * hand-over, which becomes its carried usage totals here
 * (docs/metering.md).  HV_HC_EINVAL: other flags, or a disk's name that
 * is not a string; HV_HC_ESTATE: the domain is not running or paused.
 */
struct hv_hc_migstats {
	uint8_t id[16];		/* the migration's id */
	uint64_t end_time;	/* seconds since the epoch, when it ran here */
	uint64_t total_ns;	/* the whole migration */
	uint64_t setup_ns;	/* to the first page */
	uint64_t downtime_ns;	/* paused at the source to running here */
	uint64_t pause_ns, last_pages_ns, state_ns, restore_ns, resume_ns; /* its parts */
	uint64_t expected_downtime_ns;	/* the estimate it switched over on */
	uint64_t bytes, pages, zero_pages, rounds, last_pages;
	uint64_t bandwidth, dirty_rate;	/* bytes per second */
};

/*
 * STATS: what domains have used (docs/metering.md), read by hvd when asked
 * from the kernel (the hv-vmm's /proc/PID/stat, its memory cgroup or
 * /proc/PID/status, its taps' /sys/class/net/IF/statistics) and from the
 * statistics file its hv-vmm keeps (disks), so a sample costs a few small
 * reads per domain and nothing runs between samples.
 * @domid names one domain (HV_HC_ENOENT if none), or with
 * HV_HC_DOMID_INVALID every domain whose domid is @first_domid or more, at
 * most @max of them (0: as many as fit), in domid order; @more in the
 * reply says whether more follow the last one (ask again from its domid +
 * 1).  The reply is struct hv_hc_stats_reply then @count entries, each
 * @entry_size bytes (struct hv_hc_domstats, whose first member repeats its
 * size): a later hvd may send longer entries, which a client reads up to
 * the size it knows; a shorter one means the fields past it are zero.
 * HV_HC_EINVAL: flags other than 0.
 */
#define HV_HC_STATS_MAX_VIFS	8	/* HV_DOMAIN_MAX_VIFS */
#define HV_HC_STATS_MAX_DISKS	12	/* HV_DOMAIN_MAX_DISKS */

struct hv_hc_stats {
	uint32_t domid;		/* one domain, or HV_HC_DOMID_INVALID: all */
	uint32_t first_domid;	/* all: from this domid on */
	uint32_t max;		/* all: at most this many (0: as many as fit) */
	uint32_t flags;		/* none yet: 0 */
};

struct hv_hc_stats_reply {
	uint32_t count;		/* entries that follow */
	uint32_t more;		/* 1 if more domains follow the last one */
	uint32_t entry_size;	/* bytes of each entry, at least 8 */
	uint32_t reserved;
};

/* hv_hc_domstats' valid: which of its counters hvd could read */
#define HV_HC_STATS_CPU		0x1	/* cpu_ns (the hv-vmm's process) */
#define HV_HC_STATS_VCPU	0x2	/* vcpu_ns (hv-vmm's own count, last reported) */
#define HV_HC_STATS_MEM		0x4	/* mem_current_bytes */
#define HV_HC_STATS_MEM_PEAK	0x8	/* mem_peak_bytes */
#define HV_HC_STATS_MEM_CGROUP	0x10	/* both from its memory cgroup, else from
					 * /proc/PID/status (VmRSS, VmHWM) */
#define HV_HC_STATS_NET		0x20	/* vifs[] */
#define HV_HC_STATS_DISK	0x40	/* disks[] (hv-vmm's counters) */
#define HV_HC_STATS_MIGRATION	0x80	/* migration (MIGRATED) */

/*
 * One vif's traffic from the guest's point of view: rx is what the guest
 * received (its tap's tx), tx what it sent (its tap's rx).  Counters of
 * the tap, which lives as long as the domain's hv-vmm: they start at 0
 * with each hv-vmm, carried totals aside.
 */
struct hv_hc_vifstats {
	uint32_t devid;
	uint32_t valid;		/* 1: read from the tap; 0: its tap was not found */
	uint64_t rx_bytes, rx_packets;
	uint64_t tx_bytes, tx_packets;
};

/*
 * One disk's requests as its hv-vmm counts them (the statistics file,
 * public/vmm.h): what the guest asked of it and got done, not what the
 * host's storage did (page cache, image format).  A guest in control of
 * its hv-vmm could write anything there; hvd only keeps the counters from
 * going backwards.  They start at 0 with each hv-vmm, carried totals aside
 * (rd_* and wr_*).
 */
struct hv_hc_diskstats {
	char vdev[16];		/* the description's name of it, NUL-terminated */
	uint32_t valid;		/* 1: hv-vmm counts it; 0: no counters for it */
	uint32_t reserved;
	uint64_t rd_reqs, rd_bytes;	/* reads done */
	uint64_t wr_reqs, wr_bytes;	/* writes done */
	uint64_t flush_reqs;		/* flushes done */
	uint64_t discard_reqs;		/* discards and write-zeroes done */
	uint64_t err_reqs;		/* requests that failed (IOERR, UNSUPP) */
	uint64_t throttled_reqs;	/* requests that waited for the rate limit */
};

/*
 * Usage totals as they travel (MIGRATED): a domain's CPU time and memory
 * peak, and the counters of its vifs (by devid) and disks (by vdev) with
 * valid set; hv_hc_domstats' meanings.
 */
struct hv_hc_usage {
	uint64_t cpu_ns;
	uint64_t mem_peak_bytes;
	struct hv_hc_vifstats vifs[HV_HC_STATS_MAX_VIFS];
	struct hv_hc_diskstats disks[HV_HC_STATS_MAX_DISKS];
};

#define HV_HC_MIGRATED_USAGE	0x1	/* @usage is the source's, at the hand-over */

struct hv_hc_migrated {
	uint32_t domid;
	uint32_t flags;		/* HV_HC_MIGRATED_* */
	struct hv_hc_migstats m;
	/* added with HV_HC_MIGRATED_USAGE: a shorter body has none */
	struct hv_hc_usage usage;
};

struct hv_hc_domstats {
	uint32_t size;		/* of this entry, = hv_hc_stats_reply.entry_size */
	uint32_t domid;
	uint32_t state;		/* enum hv_hc_state */
	uint32_t valid;		/* HV_HC_STATS_* */
	char name[HV_HC_NAME_MAX];
	uint8_t uuid[16];
	uint64_t sample_time_ns; /* CLOCK_REALTIME, when hvd read the counters */
	uint64_t start_time;	/* seconds since the epoch */
	uint64_t uptime_ns;	/* since start_time (0 while it runs no hv-vmm) */
	uint64_t cpu_ns;	/* host CPU its hv-vmm used (user + system), carried
				 * totals included */
	uint64_t vcpu_ns;	/* of that, its vCPU threads' (hv-vmm's own count) */
	uint64_t mem_current_bytes;	/* host memory its hv-vmm takes now */
	uint64_t mem_peak_bytes;	/* the most it took (since its cgroup was made) */
	uint64_t memory_mib;	/* the guest's target and cap, for percentages */
	uint64_t maxmem_mib;
	uint32_t vcpus;
	uint32_t nr_vifs;	/* vifs[] entries in use */
	uint32_t nr_disks;	/* the description's disks */
	uint32_t reserved;
	struct hv_hc_vifstats vifs[HV_HC_STATS_MAX_VIFS];
	/* added with disk counters: a shorter entry has none */
	struct hv_hc_diskstats disks[HV_HC_STATS_MAX_DISKS];	/* nr_disks in use */
	/* added with MIGRATED: the live migration that brought it here */
	struct hv_hc_migstats migration;
	/* new fields go here */
};

/*
 * VCPU_INFO: the domain's vCPUs as the host runs them (hv-vmm's threads
 * named "vcpuN"): the host CPU each ran on last, whether it is on a CPU
 * now, its CPU time and its hard affinity.  The reply is struct
 * hv_hc_vcpu_info_reply, then @count entries of @entry_size bytes each
 * (struct hv_hc_vcpuinfo; a later hvd may send longer ones), in vCPU
 * order.  HV_HC_ESTATE: the domain has no running hv-vmm.
 *
 * VCPU_PIN sets the hard affinity of one vCPU, or of all of them
 * (HV_HC_VCPU_ALL), to the host CPUs a CPU list names (NUL-terminated:
 * "0-3,^1", "all", "nodes:0"; the grammar of xl.cfg's cpus=), less the
 * CPUs the host does not have online; until the domain's hv-vmm ends (a
 * restart or restore takes cpus= from the description again).
 * HV_HC_EINVAL: not a CPU list, no such vCPU, or no CPU of the list online
 * (the reply says which); HV_HC_ESTATE: no running hv-vmm.
 */
#define HV_HC_CPUMAP_BYTES	128	/* host CPUs 0 to 1023 */
#define HV_HC_CPULIST_MAX	256	/* a CPU list, its NUL included */
#define HV_HC_VCPU_ALL		0xffffffffu

struct hv_hc_vcpu_info_reply {
	uint32_t count;		/* entries that follow */
	uint32_t entry_size;	/* bytes of each, at least 24 */
	uint32_t host_cpus;	/* CPUs the host has (configured) */
	uint32_t reserved;
};

#define HV_HC_VCPU_RUNNING	0x1	/* on a host CPU, or waiting for one */
#define HV_HC_VCPU_BLOCKED	0x2	/* waiting for an interrupt (halted) */

struct hv_hc_vcpuinfo {
	uint32_t vcpu;
	uint32_t cpu;		/* the host CPU it ran on last */
	uint32_t flags;		/* HV_HC_VCPU_* */
	uint32_t reserved;
	uint64_t cpu_time_ns;	/* its thread's user and system time */
	uint8_t affinity[HV_HC_CPUMAP_BYTES];	/* bit n of byte n / 8: host CPU n */
	/* new fields go here */
};

struct hv_hc_vcpu_pin {
	uint32_t domid;
	uint32_t vcpu;		/* or HV_HC_VCPU_ALL */
	char cpus[HV_HC_CPULIST_MAX];
};

enum hv_hc_event_type {
	HV_HC_EV_SHUTDOWN = 1,	/* the guest shut down; code says why */
	HV_HC_EV_DEATH = 2,	/* the domain is gone from the table */
	HV_HC_EV_CRASH = 3,	/* the guest crashed (or its hv-vmm died) */
	HV_HC_EV_CREATED = 4,	/* a domain appeared (also by restart) */
	HV_HC_EV_MEMORY = 5,	/* code 0: the guest reached its memory target;
				 * 1: it did not within HV_HC_MEM_TARGET_MS */
};

struct hv_hc_event {
	uint32_t type;		/* enum hv_hc_event_type */
	uint32_t domid;
	uint32_t code;		/* enum hv_hc_shutdown_code */
	uint32_t reserved;
	char name[HV_HC_NAME_MAX];
};

#endif
