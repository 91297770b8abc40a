/* SPDX-License-Identifier: MIT */
/*
 * The control channel's messages (public/vmm.h), built and checked in one
 * place for both ends: hvd and hv-vmm.
 */
#ifndef HV_WIRE_VMMMSG_H
#define HV_WIRE_VMMMSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <public/vmm.h>

/*
 * Checks the header of the @len bytes at @buf and copies it to *hdr:
 * magic, version, length equal to @len, reserved zero, only known flags,
 * and at most one of REPLY and EVENT.  0 or -EPROTO.
 */
int vmmmsg_check(const void *buf, size_t len, struct hv_vmm_msg *hdr);

/*
 * A header for @op with @flags and @seq whose body is @body_len bytes, in
 * *hdr; -EMSGSIZE if the whole would be longer than HV_VMM_MSG_MAX.
 */
int vmmmsg_header(struct hv_vmm_msg *hdr, uint16_t op, uint32_t flags, uint32_t seq,
		  size_t body_len);

/*
 * The body of a reply: struct hv_vmm_reply's status (0 or -errno; any
 * other value becomes -EIO) in *status_r and what follows it in
 * *data_r / *data_len_r.  -EPROTO if the body is too short.
 */
int vmmmsg_reply(const void *body, size_t len, int *status_r, const void **data_r,
		 size_t *data_len_r);

/*
 * A failed reply's message (NUL-terminated, at most 255 bytes after the
 * status) made printable, into @buf of @size bytes; "" if none.
 */
void vmmmsg_reply_text(const void *data, size_t len, char *buf, size_t size);

/*
 * BUILD's body: struct hv_vmm_build and @len bytes of @json, in a malloc()ed
 * buffer of *size_r bytes (NULL: out of memory).
 */
void *vmmmsg_build_body(uint32_t flags, const char *json, size_t len, size_t *size_r);

/*
 * Checks a received BUILD body of @len bytes that came with @nfds
 * descriptors: the struct into *b, the JSON (not NUL-terminated, no NUL in
 * it) at *json_r, *json_len_r bytes.  0, -EPROTO (malformed: unknown flags,
 * a length that is not the rest of the body, a NUL) or -EBADF (fewer
 * descriptors than the flags say; those after them are the disks', which
 * the caller counts against the description); @why says which.
 */
int vmmmsg_build(const void *body, size_t len, size_t nfds, struct hv_vmm_build *b,
		 const char **json_r, size_t *json_len_r, const char **why);

/*
 * RESTORE's body: @r (its config_len set to @len), with @key (not NULL:
 * HV_VMM_KEY_SIZE bytes, and HV_VMM_RESTORE_SEALED set) and @len bytes of
 * @json (0: no description), in a malloc()ed buffer of *size_r bytes (NULL:
 * out of memory).  The caller wipes and frees a body with a key.
 */
void *vmmmsg_restore_body(const struct hv_vmm_restore *r, const uint8_t *key,
			  const char *json, size_t len, size_t *size_r);

/*
 * The same checks for RESTORE's body (the first version's 16 bytes too):
 * known flags, reserved zero, the key with HV_VMM_RESTORE_SEALED (*key_r,
 * pointing into @body, else NULL; not with LAZY), the description (if any:
 * *json_r, else NULL) as for BUILD; the image's descriptor, and with a
 * description the disks' after it.
 */
int vmmmsg_restore(const void *body, size_t len, size_t nfds, struct hv_vmm_restore *r,
		   const uint8_t **key_r, const char **json_r, size_t *json_len_r,
		   const char **why);

/*
 * DISK_ATTACH's body: the struct (disk = @disk) and @len bytes of @json, in
 * a malloc()ed buffer of *size_r bytes (NULL: out of memory).
 */
void *vmmmsg_disk_attach_body(uint32_t disk, const char *json, size_t len, size_t *size_r);

/*
 * Checks a received DISK_ATTACH body: as BUILD's (no flags, reserved
 * zero, the JSON the rest of the body, no NUL in it), and exactly one
 * descriptor.
 */
int vmmmsg_disk_attach(const void *body, size_t len, size_t nfds, struct hv_vmm_disk_attach *a,
		       const char **json_r, size_t *json_len_r, const char **why);

/* DISK_DETACH's and DISK_EJECTED's bodies: known flags, a NUL-terminated vdev. */
int vmmmsg_disk_detach(const void *body, size_t len, struct hv_vmm_disk_detach *d,
		       const char **why);
int vmmmsg_disk_ejected(const void *body, size_t len, struct hv_vmm_disk_ejected *e,
			const char **why);

/*
 * NET_ATTACH's body and its checks, as DISK_ATTACH's; one to
 * HV_VMM_NET_MAX_QUEUES descriptors (the description's vif says how many
 * it needs: the caller checks that).
 */
void *vmmmsg_net_attach_body(uint32_t vif, const char *json, size_t len, size_t *size_r);
int vmmmsg_net_attach(const void *body, size_t len, size_t nfds, struct hv_vmm_net_attach *a,
		      const char **json_r, size_t *json_len_r, const char **why);

/* NET_DETACH's and NET_EJECTED's bodies: known flags, reserved zero, a devid below 8. */
int vmmmsg_net_detach(const void *body, size_t len, struct hv_vmm_net_detach *d,
		      const char **why);
int vmmmsg_net_ejected(const void *body, size_t len, struct hv_vmm_net_ejected *e,
		       const char **why);

/*
 * TRIGGER's body: a known trigger, reserved zero, for SYSRQ a printable
 * key (0x21..0x7e); NMI's vCPU is the receiver's to check against the
 * domain.  0 or -EINVAL (a well-formed body hv-vmm cannot act on) or
 * -EPROTO (a body of another size); @why says which.
 */
int vmmmsg_trigger(const void *body, size_t len, struct hv_vmm_trigger *t, const char **why);

#endif
