/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhv domain lifecycle, information and events.
 *
 * Every call talks to hvd over the hypercall socket (see
 * hypervisor/include/public/hypercall.h).  The context connects on first
 * use and, if no hvd answers, starts one: root gets the system instance
 * (/run/hv), other users a per-user instance ($XDG_RUNTIME_DIR/hv);
 * HV_RUNDIR overrides the runtime directory.  All functions are safe to
 * call from several threads on one context; calls on one context are
 * serialised.  They return 0 or a negative HV_ERROR_* code and log the
 * reason through the context's logger.
 *
 * Extensibility.  hv_dominfo, hv_physinfo, hv_event, hv_progress and
 * hv_restore_params, like hv_domain_config, only ever grow at their end:
 * a later libhv may add members after the last one, never remove, move or
 * resize one.  Their first member, struct_size, is the size of the
 * caller's copy, set by the structure's init macro (hv_dominfo_init() and
 * so on), which passes sizeof as the caller's header has it and zeroes
 * the rest.  Initialise every such structure before giving it to libhv:
 * libhv reads and fills only the members that fit in struct_size, so a
 * program built against an older header keeps working with a newer
 * libhv.  A structure that was not initialised (struct_size below the
 * size of its first version) is refused with HV_ERROR_INVAL.  One that
 * libhv reads (hv_progress, hv_restore_params) and that is larger than
 * this libhv knows is accepted only if the members it does not know are
 * zero, since the caller asks for something this libhv cannot do
 * otherwise (HV_ERROR_INVAL).  Lists are arrays of pointers to structures
 * libhv allocated (their struct_size is libhv's), so that their elements
 * can grow too: see hv_domain_list().
 */
#ifndef HV_DOMAIN_H
#define HV_DOMAIN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <hv/hv.h>
#include <hv/config.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HV_HAVE_DOMAIN_LIFECYCLE 1
#define HV_HAVE_EVENTS 1

#define HV_DOMID_INVALID 0xffffffffu
#define HV_DOMAIN_NAME_MAX 63	/* bytes, without the NUL */

typedef enum hv_domain_state {
	HV_STATE_BUILDING = 0,	/* created, kernel not loaded yet */
	HV_STATE_PAUSED = 1,
	HV_STATE_RUNNING = 2,
	HV_STATE_SHUTDOWN = 3,	/* ended, kept because on_* = preserve */
	HV_STATE_CRASHED = 4,	/* crashed, kept because on_crash = preserve */
	HV_STATE_DYING = 5,
} hv_domain_state;

typedef enum hv_shutdown_code {
	HV_SHUTDOWN_NONE = 0,
	HV_SHUTDOWN_POWEROFF = 1,
	HV_SHUTDOWN_REBOOT = 2,
	HV_SHUTDOWN_CRASH = 3,
} hv_shutdown_code;

/* Filled by hv_domain_info() and hv_domain_list(). */
typedef struct hv_dominfo {
	size_t struct_size;		/* set by hv_dominfo_init() */
	uint32_t domid;
	hv_domain_state state;
	char name[HV_DOMAIN_NAME_MAX + 1];
	uint8_t uuid[16];
	unsigned int vcpus, maxvcpus;
	uint64_t memory_mib, maxmem_mib;
	uint64_t cpu_time_ns;		/* vCPU time used so far */
	time_t start_time;		/* when it was created */
	hv_shutdown_code shutdown_code;	/* for SHUTDOWN and CRASHED */
	int vmm_pid;			/* its hv-vmm, 0 if none runs */
	/* what hvd does when the guest powers off, reboots, crashes */
	enum hv_action on_poweroff, on_reboot, on_crash;
	/* libhv 1.5: the memory the guest has now (its RAM less its balloon,
	 * as it reports; 0: not known yet) and HV_MEM_* flags.  memory_mib is
	 * the target, maxmem_mib the cap. */
	uint64_t current_mib;
	unsigned int mem_flags;
	/* libhv 1.13: HV_DOMINFO_* flags */
	unsigned int flags;
	/* new members go here, and only here */
} hv_dominfo;

/*
 * hv_dominfo's flags (libhv 1.13).  HV_DOMINFO_BLOCKED: the domain runs
 * and all its vCPUs were idle (halted, waiting for an interrupt; their
 * host threads asleep) when hvd looked: Xen's "b" state in xl list.  A
 * sample of that moment; never set for a domain that is not running.
 */
#define HV_DOMINFO_BLOCKED 0x1

/* hv_dominfo's and hv_meminfo's mem_flags */
#define HV_MEM_TARGET_MISSED 0x1 /* the guest did not reach its target in time */
#define HV_MEM_CAPPED	     0x2 /* maxmem is enforced on its hv-vmm (cgroup) */

/* Filled by hv_physinfo_get(). */
typedef struct hv_physinfo {
	size_t struct_size;		/* set by hv_physinfo_init() */
	unsigned int nr_cpus;
	unsigned int nr_domains;
	uint64_t total_mib, free_mib;
	uint64_t domains_mib;		/* memory given to domains */
	unsigned int max_vcpus;		/* per domain */
	int hvd_pid;
	char version[32];
	/* new members go here, and only here */
} hv_physinfo;

/*
 * hv_dominfo_init, hv_physinfo_init - zero @info and set its struct_size
 * to the caller's sizeof.  Never fail.  Macros, so that libhv learns the
 * caller's size.
 */
void hv_dominfo_init_sized(hv_dominfo *info, size_t size);
#define hv_dominfo_init(info) \
	hv_dominfo_init_sized((info), sizeof(hv_dominfo))
void hv_physinfo_init_sized(hv_physinfo *info, size_t size);
#define hv_physinfo_init(info) \
	hv_physinfo_init_sized((info), sizeof(hv_physinfo))

/* hv_domain_create flags */
#define HV_CREATE_PAUSED 0x1	/* leave the vCPUs stopped; hv_domain_unpause() starts them */

/*
 * hv_domain_create - build and start a domain from @cfg.
 * Checks @cfg as hv_config_validate() with HV_CONFIG_VALIDATE_CREATE does
 * (HV_ERROR_CONFIG, or HV_ERROR_NOSYS for what hv cannot run yet: network
 * interfaces, disk formats other than raw), then opens the kernel, the
 * ramdisk and each disk's target with the caller's privileges and hands
 * hvd only their descriptors.  Each disk image is locked (an open file
 * description lock on its first byte, held as long as the domain exists):
 * read-write in one domain at a time, read-only in any number; an image
 * in use is HV_ERROR_BUSY, the message naming the domain that has it.  A
 * missing target is HV_ERROR_NOTFOUND, one that is no regular file or
 * block device HV_ERROR_CONFIG.  On any failure nothing is left behind: a
 * half-built domain is destroyed before this returns.  The new domain's
 * id goes to *domid_r.  hvd keeps @cfg (as JSON, with the UUID the domain
 * got) for hv_domain_config_get() and for the domain's save images.
 */
int hv_domain_create(hv_ctx *ctx, const hv_domain_config *cfg, unsigned int flags,
		     uint32_t *domid_r);

/* Stops the domain at once and removes it. */
int hv_domain_destroy(hv_ctx *ctx, uint32_t domid);
/* Asks the guest to power off (ACPI power button). Returns at once. */
int hv_domain_shutdown(hv_ctx *ctx, uint32_t domid);
/* Asks the guest to reboot (Ctrl-Alt-Del). Returns at once. */
int hv_domain_reboot(hv_ctx *ctx, uint32_t domid);
int hv_domain_pause(hv_ctx *ctx, uint32_t domid);
int hv_domain_unpause(hv_ctx *ctx, uint32_t domid);
/* New name: 1-63 bytes of [A-Za-z0-9_.-], not all digits, not in use. */
int hv_domain_rename(hv_ctx *ctx, uint32_t domid, const char *name);
/*
 * hv_domain_info - the domain's state into *info_r, which the caller
 * initialised with hv_dominfo_init() (else HV_ERROR_INVAL).  Members
 * beyond its struct_size are not touched.
 */
int hv_domain_info(hv_ctx *ctx, uint32_t domid, hv_dominfo *info_r);

/*
 * hv_domain_list - every domain, ordered by id: *list_r gets a new array
 * of *nr_r pointers to hv_dominfo, each allocated by libhv with its
 * struct_size set to libhv's sizeof (a caller reads the members its header
 * knows: list[i]->name; one that may run with an older libhv checks
 * list[i]->struct_size before reading a member newer than that libhv).
 * Free it with hv_dominfo_list_free(), never free().  On failure *list_r
 * is NULL and *nr_r 0.
 */
int hv_domain_list(hv_ctx *ctx, hv_dominfo ***list_r, size_t *nr_r);

/* hv_dominfo_list_free - free a list from hv_domain_list() (NULL is allowed). */
void hv_dominfo_list_free(hv_dominfo **list, size_t nr);

/*
 * hv_domain_lookup - a domain named by its name or by its id in decimal
 * (as xl accepts either).  HV_ERROR_NOTFOUND if there is none.
 */
int hv_domain_lookup(hv_ctx *ctx, const char *name_or_id, uint32_t *domid_r);

/*
 * hv_domain_console - a connected socket to the domain's console: read
 * gives the guest's output (from the moment of connecting), write sends
 * input.  The caller owns *fd_r and closes it.
 */
int hv_domain_console(hv_ctx *ctx, uint32_t domid, int *fd_r);

/*
 * hv_physinfo_get - the host's resources and hvd's version into *info_r,
 * initialised with hv_physinfo_init() (else HV_ERROR_INVAL).
 */
int hv_physinfo_get(hv_ctx *ctx, hv_physinfo *info_r);

/*
 * hv_domain_config_get - the configuration the domain was created (or
 * restored) with, into @cfg (initialised by the caller, who disposes of it
 * with hv_domain_config_dispose()).  HV_ERROR_NOTFOUND also when hvd keeps
 * none for the domain (created by an older libhv).
 */
int hv_domain_config_get(hv_ctx *ctx, uint32_t domid, hv_domain_config *cfg);

/*
 * hv_domain_config_update - @cfg becomes the configuration of the domain's
 * next start by on_poweroff, on_reboot or on_crash = "restart" (xl
 * config-update); the running domain does not change, and
 * hv_domain_config_get() still says how it runs.  A restart reuses the
 * domain's kernel, ramdisk, disks and taps, so @cfg must name the same:
 * the same name and type, kernel and ramdisk paths, disks (target, vdev,
 * format, access, type) and vifs (devid, bridge, vifname, queues) in the
 * same order; memory, vCPUs, the command line, the actions and the rest
 * may change.  A vif without a devid or MAC, and a @cfg without a UUID,
 * get the domain's.  A later update replaces this one; a disk or vif
 * attached or detached after it makes it not fit, and the restart keeps
 * the configuration the domain had (hvd's log says so).
 * Returns 0, HV_ERROR_CONFIG (@cfg is not valid, or names other devices:
 * logged with what differs), HV_ERROR_NOTFOUND, HV_ERROR_STATE (arriving
 * by migration), HV_ERROR_NOSYS (hvd is older).  Since libhv 1.14.
 */
int hv_domain_config_update(hv_ctx *ctx, uint32_t domid, const hv_domain_config *cfg);

/* --- save and restore ---------------------------------------------------- */

#define HV_HAVE_SAVE_RESTORE 1

#define HV_HAVE_CANCEL 1	/* a progress callback can cancel (libhv 1.2) */

/*
 * Progress of a save or restore, and a way to cancel it.  Initialise with
 * hv_progress_init(), then set @fn and @opaque.  @fn is called from inside
 * the call, in the caller's thread, with bytes of guest memory done (never
 * above the total, never going back) and the total.  It returns 0 to go
 * on; anything else cancels the operation: libhv asks hvd to stop it
 * (DOMCTL_CANCEL), calls @fn no more, and waits for the outcome, which is
 * HV_ERROR_CANCELLED with the domain as it was before the call (a saving
 * domain runs on, or stays paused; a restoring one is gone), or the
 * operation's own result if it ended before hvd could stop it.  @fn must
 * not call libhv on the same context.  A save or restore waits for hvd as
 * long as progress comes (at least once a minute), where other calls give
 * up after 30 seconds.
 */
typedef struct hv_progress {
	size_t struct_size;		/* set by hv_progress_init() */
	int (*fn)(void *opaque, uint64_t done, uint64_t total);
	void *opaque;
	/* new members go here, and only here */
} hv_progress;

void hv_progress_init_sized(hv_progress *progress, size_t size);
#define hv_progress_init(progress) \
	hv_progress_init_sized((progress), sizeof(hv_progress))

/* hv_domain_save flags */
#define HV_SAVE_CONTINUE 0x1	/* the domain runs on after the save (xl save -c) */
#define HV_SAVE_PAUSED	 0x2	/* the domain stays, paused (xl save -p) */
#define HV_SAVE_COMPRESS 0x4	/* zlib-compress memory (the image cannot be restored lazily) */

/*
 * hv_domain_save - write the domain to @fd (a file, pipe or socket open for
 * writing; the caller keeps it) as a save image (docs/save-stream.md).
 * Without HV_SAVE_CONTINUE or HV_SAVE_PAUSED the domain is destroyed once
 * the image is complete; the two flags exclude each other.  A failed save
 * (full disk, closed pipe) leaves the domain running, or paused, as it was;
 * what @fd got is not an image then.  @progress may be NULL.  Returns 0,
 * HV_ERROR_INVAL (flags, or @fd not open for writing), HV_ERROR_STATE (the
 * domain is not running or paused; or @progress not initialised),
 * HV_ERROR_CANCELLED (@progress's callback cancelled it; the domain is as
 * it was and what @fd got is not an image), or what hvd's refusal maps to,
 * with its reason logged.
 */
int hv_domain_save(hv_ctx *ctx, uint32_t domid, int fd, unsigned int flags,
		   const hv_progress *progress);
/*
 * The same, with @cfg written into the image instead of the stored config;
 * it must give the domain's memory and vcpus (else HV_ERROR_INVAL), and
 * gets the domain's UUID if it has none.
 */
int hv_domain_save_config(hv_ctx *ctx, uint32_t domid, int fd,
			  const hv_domain_config *cfg, unsigned int flags,
			  const hv_progress *progress);

/*
 * Sealed images (libhv 1.13; docs/save-stream.md, *Sealed streams*): a
 * key seals an image with a MAC over every record, and a restore with the
 * key refuses an image that was altered, cut, reordered, spliced from two
 * images or sealed with another key, before any vCPU runs and before any
 * disk or kernel it names is opened.  A key comes from a key file of 32 to
 * 4096 random bytes (make one with `head -c 32 /dev/urandom > KEYFILE`,
 * readable by its owner only); libhv derives the 32 bytes used from it.
 */
#define HV_HAVE_SEALED_IMAGES 1
#define HV_SEAL_KEY_SIZE 32

typedef struct hv_seal_key {
	unsigned char bytes[HV_SEAL_KEY_SIZE];
} hv_seal_key;

/*
 * hv_seal_key_read - the key of the key file @path into *key_r (the file's
 * bytes are wiped from memory once read).  Returns 0, HV_ERROR_NOTFOUND
 * (no such file), HV_ERROR_PERM (not readable), HV_ERROR_INVAL (not a
 * regular file, or fewer than 32 or more than 4096 bytes: the logged
 * message says how to make one) or HV_ERROR_IO.  Wipe the key with
 * hv_seal_key_wipe() when done.  Thread-safe.
 */
int hv_seal_key_read(hv_ctx *ctx, const char *path, hv_seal_key *key_r);

/*
 * hv_seal_key_from_bytes - the key of a key file's content, @len bytes at
 * @bytes (as hv_seal_key_read() derives it from the file), into *key_r:
 * for a caller that holds the key material itself (libhv 1.13).  The
 * caller wipes @bytes.  Returns 0 or HV_ERROR_INVAL (fewer than 32 or
 * more than 4096 bytes: the logged message says how to make a key).
 * Wipe the key with hv_seal_key_wipe() when done.  Thread-safe.
 */
int hv_seal_key_from_bytes(hv_ctx *ctx, const void *bytes, size_t len, hv_seal_key *key_r);

/* hv_seal_key_wipe - clears *key so that no copy of it stays in memory. */
void hv_seal_key_wipe(hv_seal_key *key);

/*
 * hv_domain_save_sealed - hv_domain_save() (@cfg NULL) or
 * hv_domain_save_config() (@cfg given) of an image sealed with @key
 * (not NULL).  libhv and hvd keep no copy of the key; hv-vmm wipes its own
 * after the save.  Returns what those return.
 */
int hv_domain_save_sealed(hv_ctx *ctx, uint32_t domid, int fd,
			  const hv_domain_config *cfg, unsigned int flags,
			  const hv_seal_key *key, const hv_progress *progress);

/* --- core dumps (libhv 1.13) ------------------------------------------- */

#define HV_HAVE_DUMP_CORE 1	/* libhv 1.13 */

/*
 * hv_domain_dump_core - write the memory and vCPU registers of the running
 * or paused domain @domid to @fd as an ELF64 core file (ET_CORE, x86-64),
 * as Xen's xl dump-core does: one PT_LOAD per guest-physical RAM range
 * (p_paddr and p_vaddr its guest-physical address) and a PT_NOTE with one
 * NT_PRSTATUS per vCPU (its general and segment registers, rip, rflags,
 * fs_base, gs_base), the layout qemu's dump-guest-memory writes, which gdb
 * and crash read.  @fd must be a regular file open for writing (the caller
 * opens it, with its own privileges, and keeps it); it is written from
 * offset 0 and truncated to the core's size, and pages the balloon gave
 * back are left as holes that read as zeros.  The vCPUs are paused while
 * the core is written and run on afterwards, unless the domain was paused
 * already; nothing else about the domain changes, whether or not the dump
 * succeeds.  @flags: none yet, give 0.  Returns 0;
 * HV_ERROR_INVAL (flags, or @fd not a regular file open for writing);
 * HV_ERROR_NOTFOUND (no such domain); HV_ERROR_STATE (not running or
 * paused, or being saved, migrated or dumped already); or what hvd's
 * refusal maps to (a full disk: HV_ERROR_IO), with its reason logged.
 * What @fd holds after a failure is not a core.  Waits as long as hv-vmm
 * reports progress.  Thread-safe as other calls on one context are.
 */
int hv_domain_dump_core(hv_ctx *ctx, uint32_t domid, int fd, unsigned int flags);

/* hv_restore_params flags */
#define HV_RESTORE_PAUSED 0x1	/* leave the vCPUs stopped (xl restore -p) */
#define HV_RESTORE_LAZY	  0x2	/* map the image's memory instead of reading it:
				 * returns before the pages are read; the file
				 * must stay unchanged while the domain runs */

/* What hv_domain_restore() changes; initialise with hv_restore_params_init(). */
typedef struct hv_restore_params {
	size_t struct_size;		/* set by hv_restore_params_init() */
	/* replaces the image's configuration; memory and vCPUs must match */
	const hv_domain_config *config;
	const char *name;		/* a new name, NULL: the config's */
	unsigned int flags;		/* HV_RESTORE_* */
	/*
	 * libhv 1.13: the key the image is sealed with, or NULL.  With a key,
	 * an image that is not sealed is refused, and so is HV_RESTORE_LAZY;
	 * without one, a sealed image is refused (HV_ERROR_INVAL, saying that
	 * it needs its key).  An image that fails its MACs: HV_ERROR_CORRUPT.
	 */
	const hv_seal_key *key;
	/* new members go here, and only here */
} hv_restore_params;

void hv_restore_params_init_sized(hv_restore_params *params, size_t size);
#define hv_restore_params_init(params) \
	hv_restore_params_init_sized((params), sizeof(hv_restore_params))

/*
 * hv_domain_restore - create a domain from the save image @fd (a regular
 * file open for reading, read from its current offset; the caller keeps
 * it).  The image's configuration is read here, with @overrides applied;
 * the kernel and ramdisk it names are opened with the caller's privileges,
 * if they still exist, so that the domain can restart later (without them
 * it is restored all the same, with a warning); its disks are opened and
 * locked as by hv_domain_create() (the image's, or those of a replacement
 * configuration: a disk that is missing or in use refuses the restore).
 * If a domain with the
 * image's UUID exists (the image is a checkpoint of it), the new domain
 * gets a new UUID.  The whole image is checked before any vCPU runs; a
 * refused image leaves nothing behind and the logged error says why.  On
 * success the new domain's id goes to *domid_r; it runs, or is paused with
 * HV_RESTORE_PAUSED.  @overrides and @progress may be NULL.  Returns 0,
 * HV_ERROR_INVAL (not a regular file; flags; a replacement config with
 * other memory or vcpus; HV_RESTORE_LAZY for an image that cannot be
 * mapped: compressed, or not written to a regular file at a multiple of
 * 4096; @overrides or @progress not initialised), HV_ERROR_CANCELLED
 * (@progress's callback cancelled it: no domain is left), HV_ERROR_CORRUPT or HV_ERROR_VERSION (the image's header or
 * configuration record), HV_ERROR_EXISTS (the name is in use), or what
 * hvd's refusal maps to.
 */
int hv_domain_restore(hv_ctx *ctx, int fd, const hv_restore_params *overrides,
		      uint32_t *domid_r, const hv_progress *progress);

/* --- disks of a running domain ------------------------------------------ */

#define HV_HAVE_DISK_HOTPLUG 1	/* libhv 1.4 */

/*
 * hv_domain_disk_attach - add @disk (from hv_disk_spec_parse(), or built
 * with hv_disk_spec_new(); the caller keeps it) to the running or paused
 * domain @domid.  Its target is opened and locked with the caller's
 * privileges exactly as hv_domain_create() does (an image in use is
 * HV_ERROR_BUSY, the message naming the domain that has it read-write);
 * hvd gets only the descriptor.  hvd refuses a vdev whose disk number the
 * domain uses already (HV_ERROR_EXISTS: xvdb and vdb are both disk 1), a
 * domain with HV_DOMAIN_MAX_DISKS disks (HV_ERROR_NOMEM), a domain that is
 * not running or paused, is being saved or has another disk coming or
 * going (HV_ERROR_STATE), and a disk that the domain's description with
 * it would not pass hv_config_validate() with HV_CONFIG_VALIDATE_CREATE
 * (HV_ERROR_INVAL, HV_ERROR_NOSYS); a disk without a vdev or target is
 * HV_ERROR_CONFIG.  Returns 0 once the guest was told of the new disk
 * (ACPI PCI hotplug): the domain's description (hv_domain_config_get())
 * then has it at the end of its disks, and save images and restarts keep
 * it.  On failure the domain is as it was.  The guest sees the disk in
 * PCI slot 2 + its disk number; a guest without a hotplug driver only
 * after a reboot.
 */
int hv_domain_disk_attach(hv_ctx *ctx, uint32_t domid, const hv_disk_spec *disk);

/* hv_domain_disk_detach flags */
#define HV_DISK_DETACH_FORCE 0x1	/* remove the device whatever the guest does */
#define HV_DISK_DETACH_TIMEOUT_DEFAULT_MS 10000	/* timeout_ms 0 */

/*
 * hv_domain_disk_detach - ask the guest of @domid to let go of the disk
 * @vdev (its disk number counts: "xvdb" finds a disk called "vdb") and
 * wait up to @timeout_ms (0: HV_DISK_DETACH_TIMEOUT_DEFAULT_MS, at most an
 * hour) for it to eject the device.  Returns 0 once it has: the disk has
 * left the domain's description and its image is free (its lock released)
 * for another domain.  HV_ERROR_TIMEDOUT when the guest did not (it may
 * have no PCI hotplug driver, or the disk mounted): the disk stays, and
 * leaves later if the guest ejects it after all.  With
 * HV_DISK_DETACH_FORCE the device is removed at once, whatever the guest
 * is doing with it (requests in flight fail in the guest).
 * HV_ERROR_NOTFOUND: no such domain or disk; HV_ERROR_STATE as for
 * hv_domain_disk_attach(); HV_ERROR_INVAL: @vdev, @flags or @timeout_ms.
 */
int hv_domain_disk_detach(hv_ctx *ctx, uint32_t domid, const char *vdev,
			  unsigned int flags, unsigned int timeout_ms);

#define HV_HAVE_NIC_HOTPLUG 1	/* libhv 1.5 */

/*
 * hv_domain_nic_attach - add @vif (from hv_vif_spec_parse(), or built with
 * hv_vif_spec_new(); the caller keeps it) to the running or paused domain
 * @domid.  What @vif leaves out is given as a create gives it: the lowest
 * free devid, the MAC derived from the domain's UUID and that devid, the
 * default bridge.  The tap is made here with the caller's privileges
 * exactly as hv_domain_create() makes one (it needs CAP_NET_ADMIN): named
 * @vif->vifname or vifDOMID.DEVID, its MAC and MTU set, a port of its
 * bridge (created when missing, as at boot), up; hvd and hv-vmm get only
 * its descriptors.  Refused: a devid, MAC or vifname the domain uses
 * (HV_ERROR_EXISTS), a domain with HV_DOMAIN_MAX_VIFS vifs
 * (HV_ERROR_NOMEM), a vif a create would refuse (HV_ERROR_CONFIG), a
 * domain that is not running or paused, is being saved or has another
 * device coming or going (HV_ERROR_STATE), a host interface or bridge that
 * cannot be made (HV_ERROR_EXISTS, HV_ERROR_CONFIG, HV_ERROR_PERM,
 * HV_ERROR_NOSYS, as hv_domain_create()).  Returns 0 once the guest was
 * told of the new device (ACPI PCI hotplug, slot 24 + devid), with
 * @vif's devid, mac/has_mac and (if it had none) bridge set to what the
 * vif got; the domain's description then has it at the end of its vifs.
 * On failure the domain is as it was and no tap or bridge port is left (a
 * bridge made for it stays, empty).  Not thread-safe on one @vif.
 */
int hv_domain_nic_attach(hv_ctx *ctx, uint32_t domid, hv_vif_spec *vif);

/* hv_domain_nic_detach flags */
#define HV_NIC_DETACH_FORCE 0x1	/* remove the device whatever the guest does */
#define HV_NIC_DETACH_TIMEOUT_DEFAULT_MS 10000	/* timeout_ms 0 */

/*
 * hv_domain_nic_detach - ask the guest of @domid to let go of the vif
 * @devid_or_mac (its devid, "0" to "7", or its MAC, "00:16:3e:..."), as
 * hv_domain_disk_detach() does for a disk: waits up to @timeout_ms (0:
 * HV_NIC_DETACH_TIMEOUT_DEFAULT_MS, at most an hour) for the guest to
 * eject the device.  Returns 0 once it has: the vif has left the domain's
 * description and its tap, with its bridge port, is gone.
 * HV_ERROR_TIMEDOUT when the guest did not (the vif stays, and leaves
 * later if the guest ejects it after all); HV_NIC_DETACH_FORCE removes the
 * device at once.  HV_ERROR_NOTFOUND: no such domain or vif;
 * HV_ERROR_STATE as for hv_domain_nic_attach(); HV_ERROR_INVAL:
 * @devid_or_mac, @flags or @timeout_ms.
 */
int hv_domain_nic_detach(hv_ctx *ctx, uint32_t domid, const char *devid_or_mac,
			 unsigned int flags, unsigned int timeout_ms);

/* --- memory: the balloon and the cap (libhv 1.5) ---------------------- */

#define HV_HAVE_BALLOON 1	/* libhv 1.5 */
/* The smallest target or cap, in MiB */
#define HV_MEMORY_MIN_MIB 16
/* How long a guest has to reach a new target before it is flagged */
#define HV_MEMORY_TARGET_TIMEOUT_MS 30000
/* virtio-balloon's statistics, by tag (VIRTIO_BALLOON_S_*) */
enum hv_balloon_stat {
	HV_BALLOON_SWAP_IN = 0, HV_BALLOON_SWAP_OUT = 1, HV_BALLOON_MAJFLT = 2,
	HV_BALLOON_MINFLT = 3, HV_BALLOON_MEMFREE = 4, HV_BALLOON_MEMTOT = 5,
	HV_BALLOON_AVAIL = 6, HV_BALLOON_CACHES = 7, HV_BALLOON_HTLB_PGALLOC = 8,
	HV_BALLOON_HTLB_PGFAIL = 9,
	HV_BALLOON_STATS = 16
};
/* hv_meminfo's features: what the guest's balloon driver took */
#define HV_BALLOON_F_DEFLATE_ON_OOM	0x1
#define HV_BALLOON_F_FREE_PAGE_REPORTING 0x2
#define HV_BALLOON_F_STATS		0x4
#define HV_BALLOON_F_PAGE_POISON	0x8
#define HV_BALLOON_F_DRIVER		0x80000000u	/* a driver runs the balloon */

/* Filled by hv_domain_meminfo().  Sizes in KiB. */
typedef struct hv_meminfo {
	size_t struct_size;		/* set by hv_meminfo_init() */
	uint64_t ram_kib;		/* the RAM the guest has */
	uint64_t target_kib;		/* what it was asked to have */
	uint64_t current_kib;		/* RAM less its balloon */
	uint64_t max_kib;		/* the cap (maxmem) */
	uint64_t allocated_kib;		/* host memory its RAM takes now */
	uint64_t cgroup_limit_kib;	/* what the cap is enforced as; 0: not */
	uint64_t cgroup_usage_kib;	/* what its hv-vmm uses, as the cgroup counts */
	uint64_t stats_valid;		/* bit N: stats[N] holds statistic N */
	uint64_t stats[HV_BALLOON_STATS]; /* the guest's, in bytes or counts */
	uint64_t stats_age_ms;		/* since the guest sent them; UINT64_MAX: never */
	unsigned int features;		/* HV_BALLOON_F_* */
	unsigned int mem_flags;		/* HV_MEM_* */
	/* new members go here, and only here */
} hv_meminfo;

void hv_meminfo_init_sized(hv_meminfo *info, size_t size);
#define hv_meminfo_init(info) hv_meminfo_init_sized((info), sizeof(hv_meminfo))

/*
 * hv_domain_set_memory_target - ask the guest of @domid to have
 * @target_mib (xl mem-set): its balloon driver inflates or deflates to
 * RAM - target.  Returns 0 once the guest was asked, not when it got
 * there (hv_dominfo's current_mib and hv_domain_meminfo() tell; a guest
 * that is not there within HV_MEMORY_TARGET_TIMEOUT_MS gets
 * HV_MEM_TARGET_MISSED and an HV_EVENT_MEMORY event).  The description's
 * memory_mib becomes the target, so save images and restarts keep it.
 * HV_ERROR_INVAL: below HV_MEMORY_MIN_MIB, above the domain's maxmem or
 * above the RAM it booted with; HV_ERROR_STATE: not running or paused, or
 * being saved; HV_ERROR_NOTFOUND: no such domain.
 */
int hv_domain_set_memory_target(hv_ctx *ctx, uint32_t domid, uint64_t target_mib);

/*
 * hv_domain_set_memory_max - set the cap of @domid to @max_mib (xl
 * mem-max): hvd enforces it on the domain's hv-vmm through its memory
 * cgroup (the cap plus a margin for hv-vmm itself, docs/balloon.md), so a
 * guest that ignores its balloon cannot take more.  The description's
 * maxmem_mib becomes @max_mib; a cap above the RAM the guest has takes
 * effect at its next boot.  HV_ERROR_INVAL: below the target;
 * HV_ERROR_NOMEM: the domain uses more than that now (lower its target
 * first); HV_ERROR_NOSYS: this host gives hvd no memory cgroup.
 */
int hv_domain_set_memory_max(hv_ctx *ctx, uint32_t domid, uint64_t max_mib);

/*
 * hv_domain_meminfo - how the memory of the running or paused domain
 * @domid stands now: its balloon, the guest's statistics (refreshed when
 * older than a second) and the host memory it takes.  @info_r must be
 * initialised with hv_meminfo_init().
 */
int hv_domain_meminfo(hv_ctx *ctx, uint32_t domid, hv_meminfo *info_r);

/* --- triggers and hvd's log (libhv 1.6) ------------------------------- */

#define HV_HAVE_TRIGGER 1	/* libhv 1.6 */

/* What hv_domain_trigger() sends, as Xen's xl trigger names them. */
typedef enum hv_trigger {
	HV_TRIGGER_POWER = 1,	/* press the ACPI power button: hv_domain_shutdown() */
	HV_TRIGGER_RESET = 2,	/* reset at once, as the guest's own reset: the
				 * domain's on_reboot action follows */
	HV_TRIGGER_NMI = 3,	/* a non-maskable interrupt to vCPU @arg */
	HV_TRIGGER_SYSRQ = 4,	/* a serial break then the byte @arg on the guest's
				 * first serial port: the magic SysRq key @arg for
				 * a Linux guest whose console is that port */
} hv_trigger;

/*
 * hv_domain_trigger - send @trigger to the running or paused domain
 * @domid; @arg is the vCPU for HV_TRIGGER_NMI (its NMI is taken when the
 * vCPU next runs: at once, or when the domain is unpaused), the key for
 * HV_TRIGGER_SYSRQ (printable ASCII, '!' to '~'), 0 otherwise.  Returns 0
 * once hv-vmm has done it; HV_ERROR_INVAL: an unknown trigger, a vCPU the
 * domain does not have, a key that is not printable, or an @arg where none
 * is taken; HV_ERROR_STATE: not running or paused, or being saved;
 * HV_ERROR_NOTFOUND: no such domain.  Xen's other triggers (sleep, init,
 * s3resume) have no counterpart on hv's platform.
 */
int hv_domain_trigger(hv_ctx *ctx, uint32_t domid, hv_trigger trigger, unsigned int arg);

/* hv_hvd_log_read flags */
#define HV_HVD_LOG_CLEAR 0x1	/* empty the log once it has all been read */

/*
 * hv_hvd_log_read - the whole of hvd's own log (what Xen's xl dmesg reads
 * of Xen's console): *text_r gets a malloc()ed copy of it, NUL-terminated,
 * *len_r its length (without the NUL); the caller frees it.  With
 * HV_HVD_LOG_CLEAR, hvd empties the log once the last byte has been read,
 * losing no line written meanwhile.  HV_ERROR_INVAL: unknown flags;
 * HV_ERROR_NOMEM.
 */
int hv_hvd_log_read(hv_ctx *ctx, unsigned int flags, char **text_r, size_t *len_r);

/* --- what domains use (libhv 1.8, docs/metering.md) ------------------- */

#define HV_HAVE_DOMAIN_STATS 1	/* libhv 1.8 */
#define HV_HAVE_VBD_STATS 1	/* libhv 1.9: hv_domstats' disks[] */

/* hv_domstats' valid: which counters hvd could read */
#define HV_STATS_CPU		0x1	/* cpu_ns */
#define HV_STATS_VCPU		0x2	/* vcpu_ns */
#define HV_STATS_MEM		0x4	/* mem_current_bytes */
#define HV_STATS_MEM_PEAK	0x8	/* mem_peak_bytes */
#define HV_STATS_MEM_CGROUP	0x10	/* both from the domain's memory cgroup, else
					 * from its hv-vmm's VmRSS and VmHWM */
#define HV_STATS_NET		0x20	/* vifs[] */
#define HV_STATS_DISK		0x40	/* disks[] (libhv 1.9) */
#define HV_STATS_MIGRATION	0x80	/* migration (libhv 1.14) */
#define HV_HAVE_MIGRATION_STATS 1	/* libhv 1.14: hv_domstats.migration */

/*
 * One vif's traffic from the guest's point of view: rx is what the guest
 * received (its tap transmitted), tx what the guest sent.
 */
typedef struct hv_vifstats {
	unsigned int devid;
	int valid;			/* 0: its tap could not be read */
	uint64_t rx_bytes, rx_packets;
	uint64_t tx_bytes, tx_packets;
} hv_vifstats;

/*
 * One disk's requests, as the domain's hv-vmm counts them (libhv 1.9):
 * what the guest asked of the disk and got done, not what the host's
 * storage did.  The counters come from the sandboxed hv-vmm, so they are
 * the guest's word; hvd keeps them from going backwards.
 */
typedef struct hv_vbdstats {
	char vdev[16];			/* the description's name of the disk */
	int valid;			/* 0: no counters for it (a CD-ROM drive
					 * left empty, or no hv-vmm counts it) */
	uint64_t rd_reqs, rd_bytes;	/* reads done */
	uint64_t wr_reqs, wr_bytes;	/* writes done */
	uint64_t flush_reqs;		/* flushes done */
	uint64_t discard_reqs;		/* discards and write-zeroes done */
	uint64_t err_reqs;		/* requests that failed */
	uint64_t throttled_reqs;	/* requests that waited for the rate limit */
} hv_vbdstats;

/*
 * How a live migration went (libhv 1.12; hv_domain_migrate_send() and
 * _receive() fill it, and hv_domstats.migration holds the one that brought
 * a domain here); initialise with hv_migrate_stats_init().
 */
typedef struct hv_migrate_stats {
	size_t struct_size;
	uint8_t id[16];			/* the migration's id, both sides */
	uint64_t total_ns;		/* the whole migration */
	uint64_t setup_ns;		/* to the first page */
	/* the downtime, paused at the source to running at the destination,
	 * and its parts */
	uint64_t downtime_ns;
	uint64_t pause_ns;		/* stopping the vCPUs and devices */
	uint64_t last_pages_ns;		/* the last dirty pages */
	uint64_t state_ns;		/* the VM, vCPU and device state */
	uint64_t restore_ns;		/* the destination loading it, to ready */
	uint64_t resume_ns;		/* go, to the destination running it */
	uint64_t expected_downtime_ns;	/* the estimate it switched over on */
	uint64_t bytes;			/* of the stream */
	uint64_t pages;			/* page entries sent, zero pages included */
	uint64_t zero_pages;
	uint64_t rounds;		/* after the first pass, the final one included */
	uint64_t last_pages;		/* sent while paused */
	uint64_t bandwidth;		/* bytes per second */
	uint64_t dirty_rate;		/* bytes per second, the last measured */
	/* the source: the destination was told to go, so a failure left the
	 * domain paused here (hv_domain_migrate_send() fills id and this
	 * when it fails too): ask the destination by id which copy runs */
	unsigned int go_sent;
	/* new members go here, and only here */
} hv_migrate_stats;

void hv_migrate_stats_init_sized(hv_migrate_stats *stats, size_t size);
#define hv_migrate_stats_init(stats) \
	hv_migrate_stats_init_sized((stats), sizeof(hv_migrate_stats))

/*
 * Filled by hv_domain_stats() and hv_domain_stats_all(), allocated by
 * libhv with struct_size its sizeof: a caller built against a newer
 * header checks struct_size before reading a member newer than the libhv
 * it runs with.  Counters start at 0 with the domain's hv-vmm (a restart
 * by on_reboot makes a new domain) and go on across a restart of hvd.
 */
typedef struct hv_domstats {
	size_t struct_size;
	uint32_t domid;
	hv_domain_state state;
	char name[HV_DOMAIN_NAME_MAX + 1];
	uint8_t uuid[16];
	unsigned int valid;		/* HV_STATS_* */
	uint64_t sample_time_ns;	/* CLOCK_REALTIME when hvd read the counters */
	time_t start_time;		/* when the domain was created */
	uint64_t uptime_ns;		/* since then; 0 while no hv-vmm runs */
	uint64_t cpu_ns;		/* host CPU its hv-vmm used, user + system */
	uint64_t vcpu_ns;		/* of that, its vCPUs' (0: not known) */
	uint64_t mem_current_bytes;	/* host memory it takes now */
	uint64_t mem_peak_bytes;	/* the most it took */
	uint64_t memory_mib, maxmem_mib; /* the guest's target and cap */
	unsigned int vcpus;
	unsigned int nr_disks;		/* the domain's disks, disks[] in use */
	unsigned int nr_vifs;		/* vifs[] in use */
	hv_vifstats vifs[HV_DOMAIN_MAX_VIFS];
	/* libhv 1.9 */
	hv_vbdstats disks[HV_DOMAIN_MAX_DISKS];
	/*
	 * libhv 1.14: with HV_STATS_MIGRATION, the live migration that brought
	 * the domain here: the source's figures, and its resume measured here
	 * (go_sent is 1).  Kept by hvd while the domain lives.
	 */
	hv_migrate_stats migration;
	/* new members go here, and only here */
} hv_domstats;

/*
 * hv_domain_stats - what the domain @domid has used, sampled now: *stats_r
 * gets a structure allocated by libhv (free it with hv_domstats_free()).
 * HV_ERROR_NOTFOUND: no such domain.  Cheap: hvd reads a few small kernel
 * files per domain and keeps nothing running between calls.
 */
int hv_domain_stats(hv_ctx *ctx, uint32_t domid, hv_domstats **stats_r);

/*
 * hv_domain_stats_all - the same for every domain, ordered by id, in as
 * few requests as fit (about 40 domains a request): *list_r gets a new
 * array of *nr_r pointers, freed with hv_domstats_list_free().  On failure
 * *list_r is NULL and *nr_r 0.  CPU percentages come from the difference
 * between two samples of cpu_ns over that of sample_time_ns.
 */
int hv_domain_stats_all(hv_ctx *ctx, hv_domstats ***list_r, size_t *nr_r);

/* hv_domstats_free, hv_domstats_list_free - free what the two return (NULL is allowed). */
void hv_domstats_free(hv_domstats *stats);
void hv_domstats_list_free(hv_domstats **list, size_t nr);

/* --- vCPUs -------------------------------------------------------------- */

#define HV_HAVE_VCPU_PIN 1	/* libhv 1.11: hv_domain_vcpu_list, hv_domain_vcpu_pin */
#define HV_CPULIST_MAX 256	/* a CPU list, its NUL included */

/*
 * One vCPU as the host runs it: a thread of the domain's hv-vmm, which
 * Linux schedules.  @affinity is its hard affinity as a CPU list ("0-3,8";
 * "all" when it may run on every host CPU).
 */
typedef struct hv_vcpuinfo {
	size_t struct_size;		/* sizeof(hv_vcpuinfo) as libhv filled it */
	unsigned int vcpu;
	unsigned int cpu;		/* the host CPU it ran on last */
	int running;			/* 1: on a host CPU, or waiting for one */
	int blocked;			/* 1: halted, waiting for an interrupt */
	uint64_t cpu_time_ns;		/* the CPU time its thread has had */
	char affinity[HV_CPULIST_MAX];
	/* new members go here, and only here */
} hv_vcpuinfo;

/*
 * hv_domain_vcpu_list - the vCPUs of domain @domid, in order: *list_r gets
 * a new array of *nr_r entries (free() it), *host_cpus_r (if not NULL) the
 * host's CPUs.  HV_ERROR_STATE: the domain is not running or paused.
 */
int hv_domain_vcpu_list(hv_ctx *ctx, uint32_t domid, hv_vcpuinfo **list_r, size_t *nr_r,
			unsigned int *host_cpus_r);

/*
 * hv_domain_vcpu_pin - let vCPU @vcpu of domain @domid (-1: every vCPU)
 * run only on the host CPUs @cpus names ("2", "0-3,^1", "all",
 * "nodes:0"; xl.cfg(5)'s cpus=), of those the host has online.  Lasts
 * until the domain's hv-vmm ends: a restart or restore pins to the
 * description's cpus= again.  HV_ERROR_INVAL: not a CPU list, no such
 * vCPU, or no online CPU in the list (the message says which).
 */
int hv_domain_vcpu_pin(hv_ctx *ctx, uint32_t domid, int vcpu, const char *cpus);

#define HV_HAVE_SCHED 1	/* libhv 1.13: hv_domain_sched_get, hv_domain_sched_set */
#define HV_HAVE_CONFIG_UPDATE 1	/* libhv 1.14: hv_domain_config_update */
#define HV_SCHED_WEIGHT_DEFAULT 256
#define HV_SCHED_WEIGHT_MAX 65535
#define HV_SCHED_CAP_MAX 102400

/*
 * hv_domain_sched_get - domain @domid's CPU weight (1-65535; 256 unless
 * its configuration says otherwise) and cap (percent of one host CPU; 0:
 * none), as Xen's credit scheduler has them (xl.cfg(5): cpu_weight, cap).
 * Either pointer may be NULL.
 */
int hv_domain_sched_get(hv_ctx *ctx, uint32_t domid, unsigned int *weight_r,
			unsigned int *cap_r);

/*
 * hv_domain_sched_set - set domain @domid's CPU weight (1-65535) and cap
 * (percent of one host CPU, 0 for none, at most HV_SCHED_CAP_MAX); a
 * negative value leaves that one as it is.  hvd applies them through the
 * domain's cgroup at once if it runs, and keeps them in its configuration
 * for its later starts.  HV_ERROR_INVAL: out of range; HV_ERROR_NOSYS:
 * the domain runs on a host without a cpu cgroup controller for hvd.
 */
int hv_domain_sched_set(hv_ctx *ctx, uint32_t domid, int weight, int cap);

/* --- live migration ---------------------------------------------------- */

#define HV_HAVE_MIGRATE 1	/* libhv 1.12 */
#define HV_HAVE_SEALED_MIGRATION 1	/* libhv 1.13: hv_migrate_params.key */

/* hv_migrate_params flags */
#define HV_MIGRATE_COMPRESS	  0x1	/* zlib-compress memory */
#define HV_MIGRATE_AUTO_CONVERGE 0x2	/* slow the vCPUs of a guest that outruns the link */
#define HV_MIGRATE_PAUSED	  0x4	/* the destination leaves it paused (xl migrate -p) */
#define HV_MIGRATE_DEBUG	  0x8	/* a digest of all memory goes last; the destination
					 * checks its own against it (xl migrate --debug) */
#define HV_MIGRATE_LOCAL	  0x10	/* the destination is on this host, at the other end
					 * of a Unix socket: the memory goes as its memfd,
					 * not copied; only the state is sent (xl migrate --local) */

#define HV_MIGRATE_DOWNTIME_DEFAULT_MS 300

/* How a migration goes; initialise with hv_migrate_params_init(). */
typedef struct hv_migrate_params {
	size_t struct_size;		/* set by hv_migrate_params_init() */
	unsigned int flags;		/* HV_MIGRATE_* */
	/* the switch-over waits until the estimated downtime is at most
	 * this (0: HV_MIGRATE_DOWNTIME_DEFAULT_MS) */
	uint32_t downtime_ms;
	/* the hard ceiling: a switch-over whose downtime would pass it
	 * before the destination is told to go is abandoned and the domain
	 * runs on at the source (0: the downtime plus the larger of the
	 * downtime and 1000 ms) */
	uint32_t ceiling_ms;
	uint64_t bandwidth;		/* bytes per second, 0: no cap */
	uint64_t timeout_ms;		/* the whole migration, 0: none */
	/* sending: the description to send instead of the stored one
	 * (xl migrate -C); same memory and vCPUs */
	const hv_domain_config *config;
	/*
	 * libhv 1.13 (HV_HAVE_SEALED_MIGRATION): the key both sides hold
	 * (hv_seal_key_read() of the same key file), or NULL.  The source
	 * seals the stream as hv_domain_save_sealed() seals an image, and its
	 * HELLO (the description) with a MAC; a destination with a key
	 * refuses, before any memory comes and before any file the
	 * description names is opened, a migration that is not sealed or is
	 * sealed with another key, and refuses a stream whose MACs fail
	 * before the domain runs there (the source's copy runs on).  A
	 * destination without a key refuses a sealed migration.  Not with
	 * HV_MIGRATE_LOCAL (HV_ERROR_INVAL: no MAC covers the memfd).
	 * libhv keeps no copy of the key past the call.
	 */
	const hv_seal_key *key;
	/* new members go here, and only here */
} hv_migrate_params;

void hv_migrate_params_init_sized(hv_migrate_params *params, size_t size);
#define hv_migrate_params_init(params) \
	hv_migrate_params_init_sized((params), sizeof(hv_migrate_params))

typedef enum hv_migrate_phase {
	HV_MIGRATE_PHASE_PREFLIGHT = 0,	/* the destination checks the domain */
	HV_MIGRATE_PHASE_SETUP = 1,
	HV_MIGRATE_PHASE_FIRST = 2,	/* all of memory */
	HV_MIGRATE_PHASE_ROUNDS = 3,	/* pages the guest wrote meanwhile */
	HV_MIGRATE_PHASE_FINAL = 4,	/* paused: the last pages, the state */
} hv_migrate_phase;

/* A migration's progress, as hv_domain_migrate_send()'s callback sees it. */
typedef struct hv_migrate_progress {
	size_t struct_size;
	hv_migrate_phase phase;
	unsigned int round;		/* 0: the first pass */
	uint64_t sent_bytes;		/* of the stream */
	uint64_t remaining_bytes;	/* guest memory still to send */
	uint64_t memory_bytes;		/* guest RAM */
	uint64_t dirty_rate;		/* bytes per second the guest writes */
	uint64_t bandwidth;		/* bytes per second the stream takes */
	uint64_t expected_downtime_ns;	/* if it switched over now */
	uint64_t elapsed_ns;
	/* new members go here, and only here */
} hv_migrate_progress;

/*
 * Called from inside hv_domain_migrate_send() in the caller's thread a few
 * times a second; a non-zero return cancels the migration (before the
 * destination is told to go: the domain runs on at the source).
 */
typedef int (*hv_migrate_progress_fn)(void *opaque, const hv_migrate_progress *p);

/*
 * hv_domain_migrate_send - live-migrate domain @domid to the destination
 * at the other end of @send_fd (written: a pipe or socket) and @recv_fd
 * (read; the same socket, or the other pipe), where a
 * hv_domain_migrate_receive() answers (docs/migration.md).  The
 * destination first checks the description (memory, name, disks,
 * bridges) and refuses before any memory is sent; then memory goes while
 * the domain runs, in rounds, until the estimated downtime is at most
 * params->downtime_ms; the domain pauses, the rest goes, and once the
 * destination has loaded it, it is told to go and the domain here is
 * destroyed.  Until the destination is told to go, every failure
 * (destination refusing or gone, stream cut, timeout, ceiling, cancel)
 * leaves the domain running here as it was (paused, if it was).  If the
 * destination does not answer after go, the domain is left paused here
 * and HV_ERROR_IO says so: the destination's log says which copy runs.
 * @params, @progress and @stats may be NULL.  Returns 0, HV_ERROR_INVAL
 * (descriptors, params), HV_ERROR_STATE, HV_ERROR_CANCELLED,
 * HV_ERROR_TIMEDOUT (did not converge in time, or the ceiling), HV_ERROR_IO
 * (the destination went away), HV_ERROR_PROTOCOL or HV_ERROR_VERSION (not
 * an hv destination, or another version), or the destination's refusal
 * (HV_ERROR_EXISTS, HV_ERROR_CONFIG, HV_ERROR_NOMEM, ...), its reason logged.
 */
int hv_domain_migrate_send(hv_ctx *ctx, uint32_t domid, int send_fd, int recv_fd,
			   const hv_migrate_params *params,
			   hv_migrate_progress_fn progress, void *opaque,
			   hv_migrate_stats *stats);

/*
 * hv_domain_migrate_receive - the destination's side: reads a migration
 * from @recv_fd, answers on @send_fd, and creates the domain, which runs
 * (paused, if the sender asked) once the sender says go; its id goes to
 * *domid_r.  Nothing is left behind if the migration fails before go.
 * @params: only its flags' HV_MIGRATE_PAUSED and its key are read here.
 * Returns 0 or an error as for hv_domain_migrate_send(); a migration whose
 * seal does not fit @params->key (a key on one side only, another key, a
 * MAC that fails) is refused with HV_ERROR_PERM, HV_ERROR_INVAL or
 * HV_ERROR_CORRUPT, its reason logged here and sent to the source.
 * *stats (may be NULL) gets the sender's figures, which come with go, and
 * the resume measured here; hvd keeps the same with the domain
 * (hv_domstats.migration, libhv 1.14).
 */
int hv_domain_migrate_receive(hv_ctx *ctx, int recv_fd, int send_fd,
			      const hv_migrate_params *params, uint32_t *domid_r,
			      hv_migrate_stats *stats);

/* --- events ------------------------------------------------------------ */

typedef enum hv_event_type {
	HV_EVENT_SHUTDOWN = 1,	/* a guest shut down; code says why */
	HV_EVENT_DEATH = 2,	/* a domain left the table */
	HV_EVENT_CRASH = 3,	/* a guest crashed, or its hv-vmm died */
	HV_EVENT_CREATED = 4,	/* a domain appeared, e.g. by on_reboot=restart */
	HV_EVENT_MEMORY = 5,	/* libhv 1.5: the guest reached its memory target
				 * (code HV_SHUTDOWN_NONE), or did not in time
				 * (code 1: HV_EVENT_MEMORY_MISSED) */
} hv_event_type;

#define HV_EVENT_MEMORY_MISSED 1

/* Filled by hv_event_next() and hv_event_wait(). */
typedef struct hv_event {
	size_t struct_size;		/* set by hv_event_init() */
	hv_event_type type;
	uint32_t domid;
	hv_shutdown_code code;
	char name[HV_DOMAIN_NAME_MAX + 1];
	/* new members go here, and only here */
} hv_event;

void hv_event_init_sized(hv_event *ev, size_t size);
#define hv_event_init(ev) hv_event_init_sized((ev), sizeof(hv_event))

/*
 * hv_event_fd - a descriptor that becomes readable when events wait;
 * put it in any poll/epoll/event loop.  Owned by the context (do not
 * close it).  The first call subscribes the context to events.
 */
int hv_event_fd(hv_ctx *ctx, int *fd_r);

/*
 * hv_event_next - takes one waiting event into *ev_r (initialised with
 * hv_event_init(), else HV_ERROR_INVAL and no event is taken) without
 * blocking.  Returns 0, or HV_ERROR_BUSY when none waits.
 */
int hv_event_next(hv_ctx *ctx, hv_event *ev_r);

/*
 * hv_event_wait - waits up to @timeout_ms (-1: forever) for an event, into
 * *ev_r as hv_event_next() does.  Returns 0, HV_ERROR_TIMEDOUT, or
 * HV_ERROR_INVAL (@ev_r not initialised).
 */
int hv_event_wait(hv_ctx *ctx, hv_event *ev_r, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* HV_DOMAIN_H */
