/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-streamcheck: checks a save image or a captured migration stream
 * (docs/save-stream.md) and lists its records.  Exits 0 when the stream is
 * valid, 1 with the reader's message when it is not, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "stream.h"

static void streamcheck_usage(FILE *f)
{
	fprintf(f, "usage: hv-streamcheck [-q] [-k KEYFILE] FILE\n"
		   "Checks an hv save image or migration stream (FILE - reads standard input)\n"
		   "and prints one line per record and a summary.\n"
		   "  -q, --quiet        print only the summary or the error\n"
		   "  -k, --key KEYFILE  the stream is sealed with this key: check every MAC\n");
}

static void streamcheck_flags(char *buf, size_t size, uint32_t flags)
{
	snprintf(buf, size, "%s%s%s%s%s",
		 flags & STREAM_F_LIVE ? "live," : "",
		 flags & STREAM_F_ALIGNED ? "aligned," : "",
		 flags & STREAM_F_COMPRESSED ? "compressed," : "",
		 flags & STREAM_F_SEALED ? "sealed," : "",
		 flags ? "" : "none");
	if (flags)
		buf[strlen(buf) - 1] = '\0';
}

static void streamcheck_print(const struct stream_record *rec)
{
	const char *name = stream_type_name(rec->type);

	printf("%5u  offset %-12" PRIu64 " %-14s len %-9u flags 0x%x", rec->index,
	       rec->offset, name ? name : "unknown", rec->len, rec->flags);
	if (rec->unknown)
		printf("  type 0x%x, optional, skipped", rec->type);
	if (rec->type == STREAM_REC_PAGE_BATCH && !rec->unknown)
		printf("  pages %u zero %u %s", rec->batch.count,
		       rec->batch.count - rec->batch.nr_data,
		       rec->batch.compressed ? "compressed" : "uncompressed");
	if (rec->type == STREAM_REC_VCPU_STATE && !rec->unknown)
		printf("  vcpu %u", rec->vcpu_id);
	putchar('\n');
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct stream_reader r;
	struct stream_record rec;
	const char *path, *keyfile = NULL;
	uint8_t key[STREAM_KEY_SIZE];
	bool quiet = false;
	char flags[48], msg[256];
	int fd = -1, rc, status = 1, opt;

	while ((opt = getopt_long(argc, argv, "qk:h", longopts, NULL)) != -1) {
		if (opt == 'q') {
			quiet = true;
		} else if (opt == 'k') {
			keyfile = optarg;
		} else if (opt == 'h') {
			streamcheck_usage(stdout);
			return 0;
		} else {
			streamcheck_usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		streamcheck_usage(stderr);
		return 2;
	}
	path = argv[optind];
	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0) {
		fprintf(stderr, "hv-streamcheck: %s: %s\n", path, strerror(errno));
		return 2;
	}
	stream_reader_init(&r, fd);
	if (keyfile) {
		rc = stream_key_file_read(keyfile, key, msg, sizeof(msg));
		if (!rc)
			rc = stream_reader_set_key(&r, key);
		explicit_bzero(key, sizeof(key));
		if (rc) {
			fprintf(stderr, "hv-streamcheck: %s\n", rc == -ENOMEM ? strerror(ENOMEM) : msg);
			status = 2;
			goto out;
		}
	}
	do {
		rc = stream_read_record(&r, &rec);
		if (rc >= 0 && !quiet)
			streamcheck_print(&rec);
	} while (rc > 0);
	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "hv-streamcheck: %s: %s: %s\n", path, stream_strerror(rc), r.errmsg);
		goto out;
	}
	streamcheck_flags(flags, sizeof(flags), r.flags);
	printf("valid: version %u, flags %s, %u records, %" PRIu64 " pages (%" PRIu64
	       " zero), %" PRIu64 " bytes\n", r.version, flags, r.order.records,
	       r.order.pages, r.order.zero_pages, r.bytes);
	status = 0;
out:
	stream_reader_fini(&r);
	if (fd != STDIN_FILENO)
		close(fd);
	return status;
}
