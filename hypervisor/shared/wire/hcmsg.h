/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Building and checking hypercall messages (public/hypercall.h).  Shared
 * by hvd and libhv, so both sides read the ABI the same way.
 */
#ifndef HV_HCMSG_H
#define HV_HCMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <public/hypercall.h>

#ifdef HV_HCMSG_HIDDEN
#define HCMSG_API __attribute__((visibility("hidden")))
#else
#define HCMSG_API
#endif

/*
 * The body size an op's request (reply = false) or reply (reply = true)
 * has, or -1 for an unknown op.  Variable-length bodies (see
 * hcmsg_body_tail()) give their fixed part.
 */
HCMSG_API long hcmsg_body_size(uint16_t op, bool reply);

/*
 * True if the op's request or reply body is its fixed part followed by
 * data of any length (the LIST reply's entries, the JSON of CREATE_DOMAIN,
 * RESTORE_DOMAIN, SAVE, DISK_ATTACH and NIC_ATTACH, the GET_CONFIG
 * reply): such a body may be no shorter
 * than its fixed part, and what follows is the reader's to check.
 */
HCMSG_API bool hcmsg_body_tail(uint16_t op, bool reply);

/*
 * Checks a received message of @len bytes and copies its header to *h:
 * magic, version, length == @len, reserved zero, known flags (at most one
 * of REPLY, EVENT and PROGRESS), and a body of the op's size (longer only
 * if the extra bytes are zero; shorter is padded with zeros by the caller
 * through hcmsg_body()).  A failed reply carries no body or an error
 * message (hcmsg_errmsg()); a progress message is the struct
 * hv_hc_progress of a SAVE or RESTORE_DOMAIN.  Returns 0 or -HV_HC_E*.
 */
HCMSG_API int hcmsg_check(const void *buf, size_t len, struct hv_hc_hdr *h);

/*
 * Copies the body of a checked message into @body (@size bytes, the size
 * the receiver knows), zero-filling what an older sender did not send.
 */
HCMSG_API void hcmsg_body(const void *buf, size_t len, void *body, size_t size);

/*
 * The error message of a checked failed reply of @len bytes, or NULL if it
 * carries none.  It points into @buf: printable ASCII, NUL-terminated.
 */
HCMSG_API const char *hcmsg_errmsg(const void *buf, size_t len);

/* True if @s holds a NUL within @size bytes and only printable ASCII before it. */
HCMSG_API bool hcmsg_string_ok(const char *s, size_t size);

/* The name xl gives the host, domain 0: no domain may take it. */
#define HCMSG_DOM0_NAME "Domain-0"

/* A domain name: 1..63 bytes of [A-Za-z0-9_.-], not all digits, not Domain-0. */
HCMSG_API bool hcmsg_name_ok(const char *s, size_t size);

/* Fills a header for a message with a body of @body_len bytes. */
HCMSG_API void hcmsg_header(struct hv_hc_hdr *h, uint16_t op, uint32_t flags,
			    uint32_t seq, int32_t status, size_t body_len);

#endif
