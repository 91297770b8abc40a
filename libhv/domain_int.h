/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What domain.c (create) and saverestore.c (restore) share: both turn a
 * configuration into the ABI's create description, command line and
 * stored JSON, and open the kernel and ramdisk with the caller's
 * privileges.
 */
#ifndef HV_DOMAIN_INT_H
#define HV_DOMAIN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <hv/config.h>
#include <public/hypercall.h>
#include "client.h"
#include "net.h"

#define HV__WHAT_MAX 160


/* hv__call(), with hvd's refusal logged as "@what: <reason>". */
int hv__request(hv_ctx *ctx, const struct hv__req *req, const char *what);

/*
 * hv__describe - the description hvd, hv-vmm and a save image keep of
 * @cfg (already validated, with HV_CONFIG_VALIDATE_CREATE): the JSON with
 * @cfg's UUID, or a new random one, which goes to @uuid_r.  *json_r is
 * malloc()ed.  Returns 0 or HV_ERROR_* (logged).
 */
int hv__describe(hv_ctx *ctx, const hv_domain_config *cfg, uint8_t uuid_r[16],
		 char **json_r, size_t *len_r);

/*
 * saved.c: what a saved domain may use of the host.  hv__saved_record()
 * records @cfg's host bindings (kernel, ramdisk, disks, vifs) under
 * @uuid after a save; hv__saved_check() lets a restore without a
 * configuration of the caller's go ahead only if the image names exactly
 * what was recorded for its UUID.  0, or an HV_ERROR_* (said).
 */
int hv__saved_record(hv_ctx *ctx, const hv_domain_config *cfg, const uint8_t uuid[16]);
int hv__saved_check(hv_ctx *ctx, const hv_domain_config *image);

/*
 * Open the kernel or ramdisk @path (@key says which) of domain @name with
 * the caller's privileges: an fd, or a negative HV_ERROR_* (logged at
 * @level).
 */
int hv__open_image(hv_ctx *ctx, const char *name, const char *key,
		   const char *path, enum hv_log_level level);

/*
 * hv__disk_open - opens and locks disk @d (with a target) of domain
 * @domain (disk/target.h): its descriptor, or HV_ERROR_* after logging
 * what failed and what to do.  An image in use is HV_ERROR_BUSY; with
 * @find_owner, the domain whose description names it is looked up through
 * hvd and named ("... is in use read-write by domain 'alpha'"), and a lock
 * that no domain explains is tried again for up to 2 s (a domain just
 * destroyed releases its disks when its hv-vmm has gone).
 */
int hv__disk_open(hv_ctx *ctx, const char *domain, const hv_disk_spec *d, bool find_owner);

/*
 * hv__disks_open - opens every disk of @cfg that has a target (an empty
 * CD-ROM drive has none), in the order of cfg->disks, into @fds (room for
 * HV_DOMAIN_MAX_DISKS), their number in *nr_r: as CREATE_DOMAIN and
 * RESTORE_DOMAIN pass them.  On failure nothing is left open.
 */
int hv__disks_open(hv_ctx *ctx, const hv_domain_config *cfg, int *fds, size_t *nr_r);
/*
 * The same, unlocked unless @lock: a migration's destination, whose hvd
 * takes the locks at the hand-over, when the source has let them go.
 */
int hv__disks_open_lock(hv_ctx *ctx, const hv_domain_config *cfg, int *fds, size_t *nr_r,
			bool lock);
int hv__disk_open_lock(hv_ctx *ctx, const char *domain, const hv_disk_spec *d, bool find_owner,
		       bool lock);
/* Closes the @nr descriptors of @fds that are open and sets them to -1. */
void hv__disks_close(int *fds, size_t nr);

/* The most tap descriptors a domain's vifs take (one per queue pair). */
#define HV__NET_MAX_FDS (HV_DOMAIN_MAX_VIFS * HV_VIF_MAX_QUEUES)

/* A domain's taps while it is being created or restored (netdev.c). */
struct hv__nets {
	struct hv__tap taps[HV_DOMAIN_MAX_VIFS];
	unsigned int devid[HV_DOMAIN_MAX_VIFS];
	bool named[HV_DOMAIN_MAX_VIFS];	/* vifname given: the tap has it already */
	size_t nr;
};

/*
 * hv__nets_open - makes the tap of each vif of @cfg as the domain's
 * description (with @uuid) has it, on its bridge, and puts their
 * descriptors into @fds (room for HV__NET_MAX_FDS) in the order of
 * cfg->vifs, their number in *nr_fds_r: as CREATE_DOMAIN and RESTORE_DOMAIN
 * pass them, after the disks'.  A vif without a vifname gets a
 * kernel-chosen name until hv__nets_name().  On failure nothing is left.
 */
int hv__nets_open(hv_ctx *ctx, const hv_domain_config *cfg, const uint8_t uuid[16],
		  struct hv__nets *n, int *fds, size_t *nr_fds_r);
/* Renames the taps of vifs without a vifname to vifDOMID.DEVID, as xl does. */
int hv__nets_name(hv_ctx *ctx, struct hv__nets *n, uint32_t domid);
/* Closes libhv's descriptors (hvd and hv-vmm keep theirs). */
void hv__nets_close(struct hv__nets *n);

/*
 * @cfg as the JSON hvd stores for the domain, with @uuid (the one the
 * domain got) in it: a malloc()ed string in *json_r, its length in
 * *len_r, at most HV_HC_CONFIG_MAX bytes (else HV_ERROR_CONFIG, logged).
 */
int hv__config_json(hv_ctx *ctx, const hv_domain_config *cfg,
		    const uint8_t uuid[16], char **json_r, size_t *len_r);

/*
 * hv__call_creating - send @req, a request that creates the domain with
 * @uuid (CREATE, RESTORE), and log a refusal; if hvd went away or did not
 * answer, a domain it may have created is destroyed, so that nothing is
 * left behind.
 */
int hv__call_creating(hv_ctx *ctx, const struct hv__req *req,
		      const char *what, const uint8_t uuid[16]);

/* hv_domstats.migration and the like from hvd's MIGRATED figures (migrate.c). */
void hv__migstats_from_hc(const struct hv_hc_migstats *in, hv_migrate_stats *out);

/*
 * hv__restore_config - RESTORE_DOMAIN of the stream at @fd as the domain
 * @cfg (validated; its UUID is kept) with HV_HC_RESTORE_* @hc_flags: the
 * kernel and ramdisk it names opened for a later restart, its disks and
 * taps as for a create.  The new domain's id in *domid_r.  0 or HV_ERROR_*
 * (logged; nothing is left behind).
 */
int hv__restore_config(hv_ctx *ctx, int fd, const hv_domain_config *cfg, uint32_t hc_flags,
		       const hv_seal_key *key, uint32_t *domid_r, const hv_progress *progress);

/* A new buffer (free()) holding @a_len bytes of @a, then @b_len of @b. */
void *hv__join(const void *a, size_t a_len, const void *b, size_t b_len);

/*
 * A request's body: @head_len bytes of @head, then @key's bytes (if not
 * NULL: a sealed image or stream, HV_HC_KEY_SIZE bytes), then @len bytes
 * of @json, its size in *len_r; NULL when out of memory.  Free it with
 * hv__free_keyed(), which wipes the key first.
 */
void *hv__join_keyed(const void *head, size_t head_len, const hv_seal_key *key,
		     const char *json, size_t len, size_t *len_r);
void hv__free_keyed(void *body, size_t len, const hv_seal_key *key);

#endif
