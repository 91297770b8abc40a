/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sealed streams (docs/save-stream.md, *Sealed streams*): HMAC-SHA256
 * (nettle) chained from the header through every record, so that a record
 * changed, dropped, moved or taken from another image, and a key that is not
 * the writer's, all show.  The key stays in the keyed HMAC state of one
 * writer or reader and is wiped when that is freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include "stream-int.h"

struct stream_seal {
	struct hmac_sha256_ctx hmac;	/* keyed; ready for the next message */
	uint8_t chain[STREAM_MAC_SIZE];	/* the last MAC: the next one covers it */
};

/* Domain separation: what a key and a seal are for, so no other use of the key matches. */
static const char stream_key_label[] = "hv save image key 1";
static const char stream_seal_label[] = "hv sealed stream 1";

void stream_key_derive(const void *material, size_t len, uint8_t key[STREAM_KEY_SIZE])
{
	struct hmac_sha256_ctx h;

	hmac_sha256_set_key(&h, len, material);
	hmac_sha256_update(&h, sizeof(stream_key_label) - 1, (const uint8_t *)stream_key_label);
	hmac_sha256_digest(&h, STREAM_KEY_SIZE, key);
	explicit_bzero(&h, sizeof(h));
}

int stream_key_file_read(const char *path, uint8_t key[STREAM_KEY_SIZE], char *msg,
			 size_t msg_size)
{
	uint8_t buf[STREAM_KEY_FILE_MAX + 1];
	size_t got = 0;
	struct stat st;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		snprintf(msg, msg_size, "key file %s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msg_size, "key file %s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	while (got < sizeof(buf)) {
		ssize_t k = read(fd, buf + got, sizeof(buf) - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = -errno;
			snprintf(msg, msg_size, "key file %s: %s", path, strerror(errno));
			break;
		}
		if (!k)
			break;
		got += (size_t)k;
	}
	close(fd);
	if (!rc && (got < STREAM_KEY_FILE_MIN || got > STREAM_KEY_FILE_MAX)) {
		snprintf(msg, msg_size, "key file %s: %s bytes, a key file holds %u to %u random bytes (make one with: head -c 32 /dev/urandom > KEYFILE; chmod 600 KEYFILE)",
			 path, got > STREAM_KEY_FILE_MAX ? "more than 4096" : got ? "fewer than 32" : "no",
			 STREAM_KEY_FILE_MIN, STREAM_KEY_FILE_MAX);
		rc = -EINVAL;
	}
	if (!rc)
		stream_key_derive(buf, got, key);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

struct stream_seal *stream_seal_new(const uint8_t key[STREAM_KEY_SIZE])
{
	struct stream_seal *s = calloc(1, sizeof(*s));

	if (s)
		hmac_sha256_set_key(&s->hmac, STREAM_KEY_SIZE, key);
	return s;
}

void stream_seal_free(struct stream_seal *s)
{
	if (!s)
		return;
	explicit_bzero(s, sizeof(*s));
	free(s);
}

void stream_seal_start(struct stream_seal *s, const uint8_t header[STREAM_HEADER_SIZE],
		       const uint8_t nonce[STREAM_NONCE_SIZE], uint8_t mac[STREAM_MAC_SIZE])
{
	hmac_sha256_update(&s->hmac, sizeof(stream_seal_label) - 1,
			   (const uint8_t *)stream_seal_label);
	hmac_sha256_update(&s->hmac, STREAM_HEADER_SIZE, header);
	hmac_sha256_update(&s->hmac, STREAM_NONCE_SIZE, nonce);
	hmac_sha256_digest(&s->hmac, STREAM_MAC_SIZE, s->chain);
	memcpy(mac, s->chain, STREAM_MAC_SIZE);
}

void stream_seal_begin(struct stream_seal *s)
{
	hmac_sha256_update(&s->hmac, STREAM_MAC_SIZE, s->chain);
}

void stream_seal_update(struct stream_seal *s, const void *p, size_t len)
{
	hmac_sha256_update(&s->hmac, len, p);
}

void stream_seal_end(struct stream_seal *s, uint8_t mac[STREAM_MAC_SIZE])
{
	hmac_sha256_digest(&s->hmac, STREAM_MAC_SIZE, s->chain);
	memcpy(mac, s->chain, STREAM_MAC_SIZE);
}

bool stream_seal_equal(const uint8_t a[STREAM_MAC_SIZE], const uint8_t b[STREAM_MAC_SIZE])
{
	return memeql_sec(a, b, STREAM_MAC_SIZE);
}
