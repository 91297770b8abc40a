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

typedef struct hv_dominfo {
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
} hv_dominfo;

typedef struct hv_physinfo {
	unsigned int nr_cpus;
	unsigned int nr_domains;
	uint64_t total_mib, free_mib;
	uint64_t domains_mib;		/* memory given to domains */
	unsigned int max_vcpus;		/* per domain */
	int hvd_pid;
	char version[32];
} hv_physinfo;

/* hv_domain_create flags */
#define HV_CREATE_PAUSED 0x1	/* leave the vCPUs stopped; hv_domain_unpause() starts them */

/*
 * hv_domain_create - build and start a domain from @cfg.
 * Opens the kernel and ramdisk with the caller's privileges and hands
 * hvd only their descriptors.  On any failure nothing is left behind: a
 * half-built domain is destroyed before this returns.  The new domain's
 * id goes to *domid_r.  Configs with disks or network interfaces are
 * refused with HV_ERROR_NOSYS until hv has those devices.  hvd keeps
 * @cfg (as JSON, with the UUID the domain got) for hv_domain_config_get()
 * and for the domain's save images.
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
int hv_domain_info(hv_ctx *ctx, uint32_t domid, hv_dominfo *info_r);

/*
 * hv_domain_list - every domain, ordered by id, in a new array the caller
 * frees with free().  *nr_r gets the count.
 */
int hv_domain_list(hv_ctx *ctx, hv_dominfo **list_r, size_t *nr_r);

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

int hv_physinfo_get(hv_ctx *ctx, hv_physinfo *info_r);

/*
 * hv_domain_config_get - the configuration the domain was created (or
 * restored) with, into @cfg (initialised by the caller, who disposes of it
 * with hv_domain_config_dispose()).  HV_ERROR_NOTFOUND also when hvd keeps
 * none for the domain (created by an older libhv).
 */
int hv_domain_config_get(hv_ctx *ctx, uint32_t domid, hv_domain_config *cfg);

/* --- save and restore ---------------------------------------------------- */

#define HV_HAVE_SAVE_RESTORE 1

/*
 * Progress of a save or restore: @fn is called from inside the call, in the
 * caller's thread, with bytes of guest memory done (never above the total,
 * never going back) and the total.  It must not call libhv on the same
 * context.  A save or restore waits for hvd as long as progress comes (at
 * least once a minute), where other calls give up after 30 seconds.
 */
typedef struct hv_progress {
	void (*fn)(void *opaque, uint64_t done, uint64_t total);
	void *opaque;
} hv_progress;

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
 * domain is not running or paused), or what hvd's refusal maps to, with its
 * reason logged.
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

/* hv_restore_params flags */
#define HV_RESTORE_PAUSED 0x1	/* leave the vCPUs stopped (xl restore -p) */
#define HV_RESTORE_LAZY	  0x2	/* map the image's memory instead of reading it:
				 * returns before the pages are read; the file
				 * must stay unchanged while the domain runs */

typedef struct hv_restore_params {
	/* replaces the image's configuration; memory and vCPUs must match */
	const hv_domain_config *config;
	const char *name;		/* a new name, NULL: the config's */
	unsigned int flags;		/* HV_RESTORE_* */
} hv_restore_params;

/*
 * hv_domain_restore - create a domain from the save image @fd (a regular
 * file open for reading, read from its current offset; the caller keeps
 * it).  The image's configuration is read here, with @overrides applied;
 * the kernel and ramdisk it names are opened with the caller's privileges,
 * if they still exist, so that the domain can restart later (without them
 * it is restored all the same, with a warning).  If a domain with the
 * image's UUID exists (the image is a checkpoint of it), the new domain
 * gets a new UUID.  The whole image is checked before any vCPU runs; a
 * refused image leaves nothing behind and the logged error says why.  On
 * success the new domain's id goes to *domid_r; it runs, or is paused with
 * HV_RESTORE_PAUSED.  @overrides and @progress may be NULL.  Returns 0,
 * HV_ERROR_INVAL (not a regular file; flags; a replacement config with
 * other memory or vcpus; HV_RESTORE_LAZY for an image that cannot be
 * mapped: compressed, or not written to a regular file at a multiple of
 * 4096), HV_ERROR_CORRUPT or HV_ERROR_VERSION (the image's header or
 * configuration record), HV_ERROR_EXISTS (the name is in use), or what
 * hvd's refusal maps to.
 */
int hv_domain_restore(hv_ctx *ctx, int fd, const hv_restore_params *overrides,
		      uint32_t *domid_r, const hv_progress *progress);

/* --- events ------------------------------------------------------------ */

typedef enum hv_event_type {
	HV_EVENT_SHUTDOWN = 1,	/* a guest shut down; code says why */
	HV_EVENT_DEATH = 2,	/* a domain left the table */
	HV_EVENT_CRASH = 3,	/* a guest crashed, or its hv-vmm died */
	HV_EVENT_CREATED = 4,	/* a domain appeared, e.g. by on_reboot=restart */
} hv_event_type;

typedef struct hv_event {
	hv_event_type type;
	uint32_t domid;
	hv_shutdown_code code;
	char name[HV_DOMAIN_NAME_MAX + 1];
} hv_event;

/*
 * hv_event_fd - a descriptor that becomes readable when events wait;
 * put it in any poll/epoll/event loop.  Owned by the context (do not
 * close it).  The first call subscribes the context to events.
 */
int hv_event_fd(hv_ctx *ctx, int *fd_r);

/*
 * hv_event_next - takes one waiting event into *ev_r without blocking.
 * Returns 0, or HV_ERROR_BUSY when none waits.
 */
int hv_event_next(hv_ctx *ctx, hv_event *ev_r);

/*
 * hv_event_wait - waits up to @timeout_ms (-1: forever) for an event.
 * Returns 0, or HV_ERROR_TIMEDOUT.
 */
int hv_event_wait(hv_ctx *ctx, hv_event *ev_r, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* HV_DOMAIN_H */
