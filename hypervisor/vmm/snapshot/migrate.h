/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Live migration, the sending side: MIGRATE (public/vmm.h) in a thread of
 * its own, so that the I/O thread serves the devices while memory goes
 * across.  The receiving side is an ordinary restore of the stream
 * (snapshot/restore.c), which takes a page sent again as the newer copy.
 */
#ifndef HV_VMM_MIGRATE_H
#define HV_VMM_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <public/vmm.h>

struct vmm;

/* Called in the I/O thread once the migration has ended (rc 0 or -errno). */
typedef void migrate_done_fn(struct vmm *vmm, const struct hv_vmm_msg *req, int rc,
			     const struct hv_vmm_migrate_result *res, const char *msg);

/*
 * Starts migrating the domain to @fd (taken over: closed at the end) as
 * @p and @config ask, the stream sealed with @key (HV_VMM_KEY_SIZE bytes,
 * with HV_VMM_MIGRATE_SEALED; NULL: not sealed), of which the migration
 * keeps its own copy until the stream's writer has it, then wipes it; the
 * caller wipes @key.  @done answers @req.  0, or -errno with the reason in
 * @msg (nothing started, @fd closed).
 */
int vmm_migrate_start(struct vmm *vmm, const struct hv_vmm_msg *req,
		      const struct hv_vmm_migrate *p, const uint8_t *key,
		      const char *config, int fd,
		      migrate_done_fn *done, char *msg, size_t msg_len);

/* Whether a migration runs. */
bool vmm_migrating(const struct vmm *vmm);

/* Asks the running migration to stop (it fails with -ECANCELED); false if none runs. */
bool vmm_migrate_cancel(struct vmm *vmm, const char *why);

/* At exit: stops a running migration and waits for its thread. */
void vmm_migrate_stop(struct vmm *vmm);

#endif
