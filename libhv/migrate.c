/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live migration: the protocol between the two libhvs (docs/migration.md)
 * around the live save stream that the source's hv-vmm writes and the
 * destination's reads.
 *
 *   source                         destination
 *   HELLO (id, flags, description) ->
 *                                  <- PREFLIGHT (refused, or go ahead)
 *   PING                           ->
 *                                  <- PONG
 *   the save stream, to its END    ->   (restored, paused)
 *                                  <- READY (or what failed)
 *   GO (or ABORT)                  ->   (unpaused)
 *                                  <- REPORT (running, or what failed)
 *
 * Until GO, a failure anywhere leaves the domain running at the source and
 * nothing at the destination (which destroys what it restored when it
 * reads anything but GO).  After GO the destination's REPORT decides: it
 * runs there (the source destroys its copy), or it does not (the
 * destination has destroyed its copy, the source resumes).  No REPORT
 * leaves the source's copy paused, and says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include "client.h"
#include "domain_int.h"
#include "client_int.h"
#include "private.h"

#define MIG_MAGIC		"HVMG"
#define MIG_VERSION		3	/* 2: GO carries figures; sealed messages; 3: and usage */
#define MIG_BODY_MAX		(HV_HC_CONFIG_MAX + 64)
#define MIG_PREFLIGHT_MS	60000	/* the destination's checks */
#define MIG_ANSWER_MS		60000	/* READY after the stream, REPORT after GO */

enum mig_type {
	MIG_HELLO = 1,
	MIG_PREFLIGHT = 2,
	MIG_READY = 3,
	MIG_GO = 4,
	MIG_ABORT = 5,
	MIG_REPORT = 6,
	MIG_PING = 7,			/* after PREFLIGHT: the round trip, measured */
	MIG_PONG = 8,
	MIG_CHALLENGE = 9,		/* sealed: after PREFLIGHT, the destination's nonce */
};

/* Every message: this header, then @length bytes of body. */
struct mig_hdr {
	char magic[4];
	uint32_t type;
	uint32_t length;
	uint32_t reserved;
};

/*
 * HELLO's body: this, then (MIG_HELLO_SEALED) a MAC of MIG_MAC_SIZE bytes,
 * then the description's JSON (no NUL).
 */
struct mig_hello {
	uint32_t version;
	uint32_t flags;			/* HV_MIGRATE_PAUSED, MIG_HELLO_SEALED */
	uint8_t id[16];
};

/*
 * A sealed migration (hv_migrate_params.key): the stream is sealed, and
 * HELLO carries HMAC-SHA256(key, MIG_HELLO_LABEL || struct mig_hello ||
 * JSON), so that a destination with the key refuses a description that is
 * not the key holder's before it looks at it (docs/migration.md).  The bit
 * is the protocol's own, above every HV_MIGRATE_* flag.
 */
#define MIG_HELLO_SEALED	0x80000000u
#define MIG_MAC_SIZE		32
#define MIG_HELLO_LABEL		"hv migration hello 1"

/*
 * Once the destination has taken a sealed HELLO it sends CHALLENGE, 32
 * random bytes.  Both sides then derive the migration's session key,
 * HMAC-SHA256(key, MIG_SESSION_LABEL || id || challenge): the stream is
 * sealed with it (a stream recorded from another migration does not
 * verify), and every later message (PING, PONG, READY, GO, ABORT, REPORT)
 * ends with HMAC-SHA256(session key, MIG_MESSAGE_LABEL || type || length
 * || body), so nobody without the key can say GO, READY or REPORT, and a
 * recorded migration played again fails at its PING.
 */
#define MIG_NONCE_SIZE		32
#define MIG_SESSION_LABEL	"hv migration session 1"
#define MIG_MESSAGE_LABEL	"hv migration message 1"

/* PREFLIGHT, READY, REPORT: this, then a message (NUL-terminated, may be empty). */
struct mig_status {
	int32_t status;			/* 0 or HV_ERROR_* */
	uint32_t reserved;
};

/*
 * GO's body: the migration's figures so far, and (MIG_GO_USAGE) what the
 * domain had used at the source when it was paused for the hand-over,
 * which the destination's totals carry on from (docs/metering.md).
 */
struct mig_go {
	struct hv_hc_migstats m;
	uint32_t flags;			/* MIG_GO_USAGE */
	uint32_t reserved;
	struct hv_hc_usage usage;
};
#define MIG_GO_USAGE		0x1
_Static_assert(sizeof(struct mig_go) == 1552, "GO's body as docs/migration.md has it");

struct mig_msg {
	uint32_t type;
	uint32_t length;
	uint8_t *body;			/* malloc()ed, with a NUL after it */
};

static uint64_t mig_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { fd, POLLOUT, 0 };

			if (poll(&pfd, 1, MIG_ANSWER_MS) <= 0)
				return -ETIMEDOUT;
			continue;
		}
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads exactly @len bytes within @deadline_ms of CLOCK_MONOTONIC. */
static int read_all(int fd, void *buf, size_t len, long deadline_ms)
{
	uint8_t *p = buf;

	while (len) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		long left = deadline_ms - hv__now_ms();
		ssize_t n;
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = read(fd, p, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;	/* the other side went away */
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A sealed message's MAC, over the label, its type and length, and its body (@a then @b). */
static void mig_msg_mac(const hv_seal_key *sk, uint32_t type, const void *a, size_t a_len,
			const void *b, size_t b_len, uint8_t mac[MIG_MAC_SIZE])
{
	struct hmac_sha256_ctx hm;
	uint8_t tl[8];

	for (int i = 0; i < 4; i++) {	/* little-endian */
		tl[i] = (uint8_t)(type >> (8 * i));
		tl[4 + i] = (uint8_t)((a_len + b_len) >> (8 * i));
	}
	hmac_sha256_set_key(&hm, sizeof(sk->bytes), sk->bytes);
	hmac_sha256_update(&hm, sizeof(MIG_MESSAGE_LABEL) - 1, (const uint8_t *)MIG_MESSAGE_LABEL);
	hmac_sha256_update(&hm, sizeof(tl), tl);
	hmac_sha256_update(&hm, a_len, a);
	hmac_sha256_update(&hm, b_len, b);
	hmac_sha256_digest(&hm, MIG_MAC_SIZE, mac);
	explicit_bzero(&hm, sizeof(hm));	/* keyed */
}

/* A message: @a then @b as its body, and with a session key @sk its MAC after them. */
static int mig_send(int fd, uint32_t type, const void *a, size_t a_len, const void *b,
		    size_t b_len, const hv_seal_key *sk)
{
	struct mig_hdr h = { .type = type, .length = (uint32_t)(a_len + b_len) };
	uint8_t mac[MIG_MAC_SIZE];
	int rc;

	memcpy(h.magic, MIG_MAGIC, 4);
	if (sk) {
		mig_msg_mac(sk, type, a, a_len, b, b_len, mac);
		h.length += MIG_MAC_SIZE;
	}
	rc = write_all(fd, &h, sizeof(h));
	if (!rc && a_len)
		rc = write_all(fd, a, a_len);
	if (!rc && b_len)
		rc = write_all(fd, b, b_len);
	if (!rc && sk)
		rc = write_all(fd, mac, sizeof(mac));
	return rc;
}

static int mig_send_status(int fd, uint32_t type, int status, const char *msg,
			   const hv_seal_key *sk)
{
	struct mig_status st = { .status = status };

	return mig_send(fd, type, &st, sizeof(st), msg ? msg : "", (msg ? strlen(msg) : 0) + 1, sk);
}

/*
 * The next message: 0, or -ECONNRESET (closed), -ETIMEDOUT, -EPROTO (not
 * our protocol), -EMSGSIZE, -EBADMSG (with a session key @sk: its MAC is
 * not the key's: forged or altered on the way), -errno.  With @sk the MAC
 * is checked and taken off the body.
 */
static int mig_recv(int fd, struct mig_msg *m, int timeout_ms, const hv_seal_key *sk)
{
	long deadline = hv__now_ms() + timeout_ms;
	struct mig_hdr h;
	int rc;

	m->body = NULL;
	rc = read_all(fd, &h, sizeof(h), deadline);
	if (rc)
		return rc;
	if (memcmp(h.magic, MIG_MAGIC, 4) || h.reserved)
		return -EPROTO;
	if (h.length > MIG_BODY_MAX)
		return -EMSGSIZE;
	m->type = h.type;
	m->length = h.length;
	m->body = malloc((size_t)h.length + 1);
	if (!m->body)
		return -ENOMEM;
	rc = read_all(fd, m->body, h.length, deadline);
	if (rc) {
		free(m->body);
		m->body = NULL;
		return rc;
	}
	m->body[h.length] = '\0';
	if (sk) {
		uint8_t mac[MIG_MAC_SIZE];
		bool same;

		if (m->length < MIG_MAC_SIZE) {
			free(m->body);
			m->body = NULL;
			return -EBADMSG;
		}
		m->length -= MIG_MAC_SIZE;
		mig_msg_mac(sk, m->type, m->body, m->length, NULL, 0, mac);
		same = memeql_sec(mac, m->body + m->length, MIG_MAC_SIZE);
		if (!same) {
			free(m->body);
			m->body = NULL;
			return -EBADMSG;
		}
		m->body[m->length] = '\0';
	}
	return 0;
}

/* The session key of a sealed migration: @key's, for this @id and @nonce. */
static void mig_session_key(const hv_seal_key *key, const uint8_t id[16],
			    const uint8_t nonce[MIG_NONCE_SIZE], hv_seal_key *sk)
{
	struct hmac_sha256_ctx hm;

	_Static_assert(sizeof(sk->bytes) == SHA256_DIGEST_SIZE, "a session key is one HMAC");
	hmac_sha256_set_key(&hm, sizeof(key->bytes), key->bytes);
	hmac_sha256_update(&hm, sizeof(MIG_SESSION_LABEL) - 1, (const uint8_t *)MIG_SESSION_LABEL);
	hmac_sha256_update(&hm, 16, id);
	hmac_sha256_update(&hm, MIG_NONCE_SIZE, nonce);
	hmac_sha256_digest(&hm, sizeof(sk->bytes), sk->bytes);
	explicit_bzero(&hm, sizeof(hm));	/* keyed */
}

/* A status message's status and text (printable, at most 1023 bytes shown). */
static int mig_status_of(const struct mig_msg *m, const char **text_r)
{
	struct mig_status st;

	*text_r = "";
	if (m->length < sizeof(st) + 1 || m->body[m->length - 1] != '\0')
		return HV_ERROR_PROTOCOL;
	memcpy(&st, m->body, sizeof(st));
	*text_r = (const char *)m->body + sizeof(st);
	for (char *p = (char *)m->body + sizeof(st); *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';	/* another host's words: printable only */
	if (st.status > 0 || st.status < HV_ERROR_MIN)
		return HV_ERROR_FAIL;
	return st.status;
}

static const char *mig_io_why(int r)
{
	return r == -ETIMEDOUT ? "it did not answer in time" :
	       r == -ECONNRESET || r == -EPIPE ? "it went away (closed the connection)" :
	       r == -EPROTO ? "it does not speak hv's migration protocol" :
	       r == -EMSGSIZE ? "it sent a message longer than any the protocol has" :
	       r == -EBADMSG ? "a message that is not sealed with the migration's key came (forged or altered on the way)" :
	       strerror(-r);
}

/* HELLO's MAC (MIG_HELLO_SEALED): over the label, @h (flags included) and the JSON. */
static void mig_hello_mac(const hv_seal_key *key, const struct mig_hello *h, const char *json,
			  size_t len, uint8_t mac[MIG_MAC_SIZE])
{
	struct hmac_sha256_ctx hm;

	_Static_assert(MIG_MAC_SIZE == SHA256_DIGEST_SIZE, "HELLO's MAC is HMAC-SHA256");
	hmac_sha256_set_key(&hm, sizeof(key->bytes), key->bytes);
	hmac_sha256_update(&hm, sizeof(MIG_HELLO_LABEL) - 1, (const uint8_t *)MIG_HELLO_LABEL);
	hmac_sha256_update(&hm, sizeof(*h), (const uint8_t *)h);
	hmac_sha256_update(&hm, len, (const uint8_t *)json);
	hmac_sha256_digest(&hm, MIG_MAC_SIZE, mac);
	explicit_bzero(&hm, sizeof(hm));	/* keyed */
}

static void mig_id_text(const uint8_t id[16], char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}

/* The caller's params into @p, and a check of its stats structure. */
static int mig_args(hv_ctx *ctx, hv_migrate_params *p, const hv_migrate_params *params_in,
		    const hv_migrate_stats *stats_out)
{
	int rc = hv__sized_in(ctx, p, params_in, HV__SIZE_UPTO(hv_migrate_params, config),
			      sizeof(*p), "hv_migrate_params");

	if (!rc && stats_out)
		rc = hv__sized_check(ctx, stats_out, HV__SIZE_UPTO(hv_migrate_stats, dirty_rate),
				     "hv_migrate_stats");
	return rc;
}

/* --- the source ---------------------------------------------------------- */

struct mig_source {
	hv_ctx *ctx;
	hv_migrate_progress_fn fn;
	void *opaque;
};

static int source_progress(void *opaque, const void *body, size_t len)
{
	struct mig_source *s = opaque;
	struct hv_hc_migrate_progress hp = { 0 };
	hv_migrate_progress p = { .struct_size = sizeof(p) };

	memcpy(&hp, body, len < sizeof(hp) ? len : sizeof(hp));
	if (!s->fn)
		return 0;
	p.phase = (hv_migrate_phase)hp.phase;
	p.round = hp.round;
	p.sent_bytes = hp.sent_bytes;
	p.remaining_bytes = hp.remaining_bytes;
	p.memory_bytes = hp.total;
	p.dirty_rate = hp.dirty_rate;
	p.bandwidth = hp.bandwidth;
	p.expected_downtime_ns = hp.expected_downtime_ns;
	p.elapsed_ns = hp.elapsed_ns;
	return s->fn(s->opaque, &p);
}

/* hv_migrate_stats' figures, and where GO and MIGRATED have them (hv_hc_migstats) */
#define MIG_FIGURE(f) { offsetof(hv_migrate_stats, f), offsetof(struct hv_hc_migstats, f) }
static const struct {
	size_t st, hc;
} mig_figure[] = {
	MIG_FIGURE(total_ns), MIG_FIGURE(setup_ns), MIG_FIGURE(downtime_ns),
	MIG_FIGURE(pause_ns), MIG_FIGURE(last_pages_ns), MIG_FIGURE(state_ns),
	MIG_FIGURE(restore_ns), MIG_FIGURE(resume_ns), MIG_FIGURE(expected_downtime_ns),
	MIG_FIGURE(bytes), MIG_FIGURE(pages), MIG_FIGURE(zero_pages), MIG_FIGURE(rounds),
	MIG_FIGURE(last_pages), MIG_FIGURE(bandwidth), MIG_FIGURE(dirty_rate),
};

/* The id and the figures from *st into *hc (@to_hc), or the other way. */
static void mig_figures(hv_migrate_stats *st, struct hv_hc_migstats *hc, bool to_hc)
{
	memcpy(to_hc ? hc->id : st->id, to_hc ? st->id : hc->id, sizeof(hc->id));
	for (size_t i = 0; i < sizeof(mig_figure) / sizeof(mig_figure[0]); i++) {
		uint64_t *a = (uint64_t *)((char *)st + mig_figure[i].st);
		uint64_t *b = (uint64_t *)((char *)hc + mig_figure[i].hc);

		if (to_hc)
			*b = *a;
		else
			*a = *b;
	}
}

/* What the domain has used so far (hv_domain_stats()) into *u, for GO. */
static int mig_usage(hv_ctx *ctx, uint32_t domid, struct hv_hc_usage *u)
{
	hv_domstats *ds = NULL;
	int rc = hv_domain_stats(ctx, domid, &ds);

	if (rc)
		return rc;
	memset(u, 0, sizeof(*u));
	u->cpu_ns = ds->cpu_ns;
	u->mem_peak_bytes = ds->mem_peak_bytes;
	for (unsigned int i = 0; i < ds->nr_vifs && i < HV_HC_STATS_MAX_VIFS; i++) {
		u->vifs[i].devid = ds->vifs[i].devid;
		u->vifs[i].valid = ds->vifs[i].valid != 0;
		u->vifs[i].rx_bytes = ds->vifs[i].rx_bytes;
		u->vifs[i].rx_packets = ds->vifs[i].rx_packets;
		u->vifs[i].tx_bytes = ds->vifs[i].tx_bytes;
		u->vifs[i].tx_packets = ds->vifs[i].tx_packets;
	}
	for (unsigned int i = 0; i < ds->nr_disks && i < HV_HC_STATS_MAX_DISKS; i++) {
		snprintf(u->disks[i].vdev, sizeof(u->disks[i].vdev), "%s", ds->disks[i].vdev);
		u->disks[i].valid = ds->disks[i].valid != 0;
		u->disks[i].rd_reqs = ds->disks[i].rd_reqs;
		u->disks[i].rd_bytes = ds->disks[i].rd_bytes;
		u->disks[i].wr_reqs = ds->disks[i].wr_reqs;
		u->disks[i].wr_bytes = ds->disks[i].wr_bytes;
	}
	hv_domstats_free(ds);
	return 0;
}

/* After a failure before GO: the domain runs on here, as it was. */
static void source_resume(hv_ctx *ctx, uint32_t domid, bool was_paused)
{
	if (!was_paused && hv_domain_unpause(ctx, domid))
		HV__ERR(ctx, "migrate domain %" PRIu32 ": cannot resume it here; it is paused (xl unpause)",
			domid);
}

/* The ceiling passed while the destination got ready: ABORT, and the domain resumes here. */
static int mig_ceiling_abort(hv_ctx *ctx, const char *what, uint64_t paused_ns,
			     uint32_t ceiling_ms, bool ready, int send_fd, const hv_seal_key *sk,
			     uint32_t domid, bool was_paused)
{
	HV__ERR(ctx, "%s: the domain has been paused for %.1f ms and the destination is %s, over the ceiling of %u ms: the migration is abandoned and the domain runs on here",
		what, paused_ns / 1e6, ready ? "only now ready" : "not ready yet", ceiling_ms);
	mig_send_status(send_fd, MIG_ABORT, HV_ERROR_TIMEDOUT, "over the downtime ceiling", sk);
	source_resume(ctx, domid, was_paused);
	return HV_ERROR_TIMEDOUT;
}

HV__EXPORT int hv_domain_migrate_send(hv_ctx *ctx, uint32_t domid, int send_fd, int recv_fd,
				      const hv_migrate_params *params_in,
				      hv_migrate_progress_fn progress, void *opaque,
				      hv_migrate_stats *stats_out)
{
	hv_migrate_params p;
	hv_migrate_stats st = { .struct_size = sizeof(st) };
	hv_seal_key session, *sk = NULL;	/* a sealed migration's session key */
	struct mig_source src = { ctx, progress, opaque };
	struct hv_hc_migrate head = { .domid = domid };
	struct hv_hc_migrate_result res;
	struct {
		struct mig_hello h;
		uint8_t mac[MIG_MAC_SIZE];	/* sent only if sealed */
	} hello = { .h.version = MIG_VERSION };
	struct mig_msg m = { 0 };
	hv_domain_config stored;
	const hv_domain_config *cfg;
	hv_dominfo info;
	char what[HV__WHAT_MAX], idtext[33], *json = NULL;
	const char *text;
	uint8_t uuid[16];
	uint64_t t0 = mig_now_ns(), t_ping, rtt, hvd_call, t_sent, t_ready, t_go, t_report, final_ns;
	uint64_t ceiling_ns, wait_ns, spent_ns, wait_ms;
	struct mig_go go = { .flags = 0 };	/* GO's body */
	int info_rc;
	void *body = NULL;
	size_t len = 0, body_len = 0;
	bool was_paused;
	int r, rc;

	snprintf(what, sizeof(what), "migrate domain %" PRIu32, domid);
	hv_domain_config_init(&stored);
	rc = mig_args(ctx, &p, params_in, stats_out);
	if (rc)
		return rc;
	if (p.flags & ~(HV_MIGRATE_COMPRESS | HV_MIGRATE_AUTO_CONVERGE | HV_MIGRATE_PAUSED |
			HV_MIGRATE_DEBUG | HV_MIGRATE_LOCAL)) {
		HV__ERR(ctx, "%s: unknown flags 0x%x", what, p.flags);
		return HV_ERROR_INVAL;
	}
	if (p.key && (p.flags & HV_MIGRATE_LOCAL)) {
		HV__ERR(ctx, "%s: a local migration is not sealed: its memory goes as the memfd itself, which no MAC covers (migrate without the key, or without local)",
			what);
		return HV_ERROR_INVAL;
	}
	if (!p.downtime_ms)
		p.downtime_ms = HV_MIGRATE_DOWNTIME_DEFAULT_MS;
	if (!p.ceiling_ms)
		p.ceiling_ms = p.downtime_ms + (p.downtime_ms > 1000 ? p.downtime_ms : 1000);
	if (p.ceiling_ms < p.downtime_ms) {
		HV__ERR(ctx, "%s: the ceiling (%u ms) is below the downtime limit (%u ms)", what,
			p.ceiling_ms, p.downtime_ms);
		return HV_ERROR_INVAL;
	}
	if (fcntl(send_fd, F_GETFL) < 0 || fcntl(recv_fd, F_GETFL) < 0) {
		HV__ERR(ctx, "%s: descriptor %d or %d is not open", what, send_fd, recv_fd);
		return HV_ERROR_INVAL;
	}
	hv_dominfo_init(&info);
	rc = hv_domain_info(ctx, domid, &info);
	if (rc)
		return rc;
	was_paused = info.state == HV_STATE_PAUSED;
	if (p.config) {
		cfg = p.config;
		if (cfg->memory_mib != info.memory_mib || cfg->vcpus != info.vcpus) {
			HV__ERR(ctx, "%s: the configuration to send gives memory = %" PRIu64 " and vcpus = %u, the domain has %" PRIu64 " MiB and %u vCPUs (they must be the same)",
				what, cfg->memory_mib, cfg->vcpus, info.memory_mib, info.vcpus);
			return HV_ERROR_INVAL;
		}
	} else {
		hv_domstats *ds = NULL;

		rc = hv_domain_config_get(ctx, domid, &stored);
		if (rc)
			return rc;
		/*
		 * what it has used so far goes along, as in a save image, and the
		 * destination counts on from it (docs/metering.md); what it uses
		 * during the migration is in this host's usage record for it
		 */
		if (hv_domain_stats(ctx, domid, &ds) == 0) {
			stored.usage_cpu_ns = ds->cpu_ns;
			stored.usage_mem_peak_bytes = ds->mem_peak_bytes;
			for (unsigned int i = 0; i < ds->nr_vifs; i++)
				for (size_t k = 0; k < stored.nr_vifs; k++)
					if (ds->vifs[i].valid &&
					    stored.vifs[k]->devid == ds->vifs[i].devid) {
						stored.vifs[k]->usage_rx_bytes = ds->vifs[i].rx_bytes;
						stored.vifs[k]->usage_rx_packets = ds->vifs[i].rx_packets;
						stored.vifs[k]->usage_tx_bytes = ds->vifs[i].tx_bytes;
						stored.vifs[k]->usage_tx_packets = ds->vifs[i].tx_packets;
					}
			for (unsigned int i = 0; i < ds->nr_disks; i++)
				for (size_t k = 0; k < stored.nr_disks; k++)
					if (ds->disks[i].valid &&
					    !strcmp(stored.disks[k]->vdev, ds->disks[i].vdev)) {
						stored.disks[k]->usage_rd_reqs = ds->disks[i].rd_reqs;
						stored.disks[k]->usage_rd_bytes = ds->disks[i].rd_bytes;
						stored.disks[k]->usage_wr_reqs = ds->disks[i].wr_reqs;
						stored.disks[k]->usage_wr_bytes = ds->disks[i].wr_bytes;
					}
			hv_domstats_free(ds);
		}
		cfg = &stored;
	}
	memcpy(uuid, cfg->has_uuid ? cfg->uuid : info.uuid, sizeof(uuid));
	rc = hv__config_json(ctx, cfg, uuid, &json, &len);
	if (rc)
		goto out;
	if (getrandom(hello.h.id, sizeof(hello.h.id), 0) != sizeof(hello.h.id)) {
		HV__ERR(ctx, "%s: no random bytes for the migration's id: %s", what,
			strerror(errno));
		rc = HV_ERROR_IO;
		goto out;
	}
	memcpy(st.id, hello.h.id, sizeof(st.id));
	mig_id_text(hello.h.id, idtext);
	hello.h.flags = (p.flags & HV_MIGRATE_PAUSED) | (p.key ? MIG_HELLO_SEALED : 0);
	if (p.key)
		mig_hello_mac(p.key, &hello.h, json, len, hello.mac);

	/* preflight: the destination checks the domain before any memory goes */
	if (progress) {
		hv_migrate_progress pp = { .struct_size = sizeof(pp),
					   .phase = HV_MIGRATE_PHASE_PREFLIGHT,
					   .memory_bytes = info.memory_mib << 20 };

		if (progress(opaque, &pp)) {
			HV__ERR(ctx, "%s: cancelled before it began", what);
			rc = HV_ERROR_CANCELLED;
			goto out;
		}
	}
	r = mig_send(send_fd, MIG_HELLO, &hello,
		     sizeof(hello.h) + (p.key ? sizeof(hello.mac) : 0), json, len, NULL);
	if (!r)
		r = mig_recv(recv_fd, &m, MIG_PREFLIGHT_MS, NULL);
	if (r) {
		HV__ERR(ctx, "%s: the destination did not take the migration: %s; the domain runs on here",
			what, mig_io_why(r));
		rc = r == -EPROTO || r == -EMSGSIZE ? HV_ERROR_PROTOCOL : r == -ETIMEDOUT ?
		     HV_ERROR_TIMEDOUT : HV_ERROR_IO;
		goto out;
	}
	if (m.type != MIG_PREFLIGHT) {
		HV__ERR(ctx, "%s: the destination answered message %u to HELLO; the domain runs on here",
			what, m.type);
		rc = HV_ERROR_PROTOCOL;
		goto out;
	}
	rc = mig_status_of(&m, &text);
	if (rc) {
		HV__ERR(ctx, "%s: the destination refused it: %s; the domain runs on here", what,
			text[0] ? text : hv_strerror(rc));
		goto out;
	}
	free(m.body);
	m.body = NULL;
	HV__INFO(ctx, "%s: migration %s: the destination takes it", what, idtext);
	/* sealed: the destination's challenge makes this migration's session key */
	if (p.key) {
		r = mig_recv(recv_fd, &m, MIG_PREFLIGHT_MS, NULL);
		if (r || m.type != MIG_CHALLENGE || m.length != MIG_NONCE_SIZE) {
			HV__ERR(ctx, "%s: the destination sent no challenge for a sealed migration (%s); the domain runs on here",
				what, r ? mig_io_why(r) : "another message came");
			rc = r == -ETIMEDOUT ? HV_ERROR_TIMEDOUT : r == -EBADMSG ? HV_ERROR_CORRUPT :
			     r ? HV_ERROR_IO : HV_ERROR_PROTOCOL;
			goto out;
		}
		mig_session_key(p.key, hello.h.id, m.body, &session);
		sk = &session;
		free(m.body);
		m.body = NULL;
	}

	/* the round trip, for the downtime's estimate */
	t_ping = mig_now_ns();
	r = mig_send(send_fd, MIG_PING, NULL, 0, NULL, 0, sk);
	if (!r)
		r = mig_recv(recv_fd, &m, MIG_PREFLIGHT_MS, sk);
	if (r || m.type != MIG_PONG) {
		HV__ERR(ctx, "%s: the destination did not answer PING: %s; the domain runs on here",
			what, r ? mig_io_why(r) : "it sent another message");
		rc = r == -ETIMEDOUT ? HV_ERROR_TIMEDOUT : r == -EBADMSG ? HV_ERROR_CORRUPT :
			     r ? HV_ERROR_IO : HV_ERROR_PROTOCOL;
		goto out;
	}
	rtt = mig_now_ns() - t_ping;
	free(m.body);
	m.body = NULL;
	/* a request to hvd, as the destination's libhv makes twice after the stream */
	t_ping = mig_now_ns();
	info_rc = hv_domain_info(ctx, domid, &info);
	hvd_call = mig_now_ns() - t_ping;
	if (info_rc)
		HV__DEBUG(ctx, "%s: domain info: %s", what, hv_strerror(info_rc));

	/*
	 * after the stream's end: READY, GO and REPORT cross the link (one and
	 * a half round trips) and the destination asks its hvd twice (the
	 * restore's reply, the unpause); hv-vmm adds its own measured costs
	 */
	head.flags = (p.flags & HV_MIGRATE_COMPRESS ? HV_HC_MIGRATE_COMPRESS : 0) |
		     (p.flags & HV_MIGRATE_AUTO_CONVERGE ? HV_HC_MIGRATE_AUTO_CONVERGE : 0) |
		     (p.flags & HV_MIGRATE_DEBUG ? HV_HC_MIGRATE_DIGEST : 0) |
		     (p.flags & HV_MIGRATE_LOCAL ? HV_HC_MIGRATE_LOCAL : 0) |
		     (p.key ? HV_HC_MIGRATE_SEALED : 0);
	head.downtime_ms = p.downtime_ms;
	head.ceiling_ms = p.ceiling_ms;
	head.bandwidth = p.bandwidth;
	head.timeout_ms = p.timeout_ms;
	head.overhead_ns = rtt * 3 / 2 + 2 * hvd_call;
	head.config_len = (uint32_t)len;
	/* the stream is sealed with the session's key: it verifies in this migration only */
	body = hv__join_keyed(&head, sizeof(head), sk, json, len, &body_len);
	if (!body) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	{
		struct hv__req req = {
			.op = HV_HC_DOMCTL_MIGRATE_SEND, .body = body,
			.body_len = body_len, .fds = &send_fd, .nr_fds = 1,
			.reply = &res, .reply_len = sizeof(res),
			.raw_progress = source_progress, .raw_opaque = &src,
			.domid = domid,
		};

		rc = hv__request(ctx, &req, what);
	}
	if (rc) {
		/* hv-vmm resumed it: the stream has no END, the destination gives up */
		HV__ERR(ctx, "%s: migration %s failed while sending; the domain runs on here",
			what, idtext);
		goto out;
	}
	t_sent = mig_now_ns();
	final_ns = res.pause_ns + res.last_pages_ns + res.state_ns;

	/*
	 * Paused here for good: its usage totals are final, and are read
	 * while the destination loads it, not on the way to GO.  GO carries
	 * them (unless a configuration of the caller's replaced the
	 * description); the description had them as they were at the start.
	 */
	if (!p.config && mig_usage(ctx, domid, &go.usage) == 0)
		go.flags |= MIG_GO_USAGE;

	/*
	 * The destination loads it and says it is ready.  The ceiling is
	 * enforced, not found out afterwards: READY is waited for until two
	 * thirds of what was left of it when the stream ended (GO's round
	 * trip takes the rest).
	 */
	ceiling_ns = (uint64_t)p.ceiling_ms * 1000000ull;
	wait_ns = final_ns < ceiling_ns ? (ceiling_ns - final_ns) * 2 / 3 : 0;
	spent_ns = mig_now_ns() - t_sent;
	wait_ms = wait_ns > spent_ns ? (wait_ns - spent_ns) / 1000000ull : 0;
	r = mig_recv(recv_fd, &m, wait_ms < 1 ? 1 : wait_ms < MIG_ANSWER_MS ? (int)wait_ms :
			 MIG_ANSWER_MS, sk);
	t_ready = mig_now_ns();
	if (r == -ETIMEDOUT && wait_ms < MIG_ANSWER_MS) {
		rc = mig_ceiling_abort(ctx, what, final_ns + (t_ready - t_sent), p.ceiling_ms, false,
				       send_fd, sk, domid, was_paused);
		goto out;
	}
	if (r || m.type != MIG_READY || (rc = mig_status_of(&m, &text))) {
		if (r)
			HV__ERR(ctx, "%s: the destination did not say it was ready: %s; the domain runs on here",
				what, mig_io_why(r));
		else if (m.type != MIG_READY)
			HV__ERR(ctx, "%s: the destination answered message %u to the stream; the domain runs on here",
				what, m.type);
		else
			HV__ERR(ctx, "%s: the destination could not load the domain: %s; the domain runs on here",
				what, text[0] ? text : hv_strerror(rc));
		if (!rc)
			rc = r == -ETIMEDOUT ? HV_ERROR_TIMEDOUT : r == -EBADMSG ? HV_ERROR_CORRUPT :
			     r ? HV_ERROR_IO : HV_ERROR_PROTOCOL;
		mig_send_status(send_fd, MIG_ABORT, rc, "the source gives up", sk);
		source_resume(ctx, domid, was_paused);
		goto out;
	}
	free(m.body);
	m.body = NULL;
	/* the ceiling: the downtime so far, and a round trip more for GO */
	if (final_ns + (t_ready - t_sent) * 3 / 2 > ceiling_ns) {
		rc = mig_ceiling_abort(ctx, what, final_ns + (t_ready - t_sent), p.ceiling_ms, true,
				       send_fd, sk, domid, was_paused);
		goto out;
	}

	/* the hand-over: from here on exactly one copy may run */
	t_go = mig_now_ns();
	st.go_sent = 1;
	st.total_ns = t_go - t0;
	st.setup_ns = res.setup_ns + (t_sent - t0 - res.total_ns);
	st.pause_ns = res.pause_ns;
	st.last_pages_ns = res.last_pages_ns;
	st.state_ns = res.state_ns;
	st.restore_ns = t_ready - t_sent;
	st.downtime_ns = final_ns + (t_go - t_sent);
	st.expected_downtime_ns = res.expected_downtime_ns;
	st.bytes = res.bytes;
	st.pages = res.pages;
	st.zero_pages = res.zero_pages;
	st.rounds = res.rounds;
	st.last_pages = res.last_pages;
	st.bandwidth = res.bandwidth;
	st.dirty_rate = res.dirty_rate;
	/* GO carries these figures so far, which the destination keeps (MIGRATED) */
	mig_figures(&st, &go.m, true);
	r = mig_send(send_fd, MIG_GO, &go, sizeof(go), NULL, 0, sk);
	if (!r)
		r = mig_recv(recv_fd, &m, MIG_ANSWER_MS, sk);
	t_report = mig_now_ns();
	if (r || m.type != MIG_REPORT) {
		HV__ERR(ctx, "%s: migration %s: the destination was told to go but did not report (%s): the domain is left paused here; if it runs at the destination (its log names the migration), destroy this copy (xl destroy), else resume it (xl unpause)",
			what, idtext, r ? mig_io_why(r) : "it sent another message");
		rc = r == -ETIMEDOUT ? HV_ERROR_TIMEDOUT : HV_ERROR_IO;
		goto out;
	}
	rc = mig_status_of(&m, &text);
	if (rc) {
		HV__ERR(ctx, "%s: the destination could not start the domain: %s; it has destroyed its copy, the domain runs on here",
			what, text[0] ? text : hv_strerror(rc));
		source_resume(ctx, domid, was_paused);
		goto out;
	}
	/* it runs there: this copy goes */
	if (hv_domain_destroy(ctx, domid))
		HV__ERR(ctx, "%s: the domain runs at the destination, but this paused copy could not be destroyed (xl destroy %" PRIu32 ")",
			what, domid);
	st.total_ns = t_report - t0;
	st.resume_ns = t_report - t_go;
	st.downtime_ns = final_ns + (t_report - t_sent);
	HV__INFO(ctx, "%s: migration %s done in %.1f ms: downtime %.2f ms (expected %.2f), %" PRIu64 " bytes in %" PRIu64 " rounds",
		 what, idtext, st.total_ns / 1e6, st.downtime_ns / 1e6,
		 st.expected_downtime_ns / 1e6, st.bytes, st.rounds);
	if (stats_out)
		hv__sized_out(ctx, stats_out, &st, HV__SIZE_UPTO(hv_migrate_stats, dirty_rate),
			      sizeof(st), "hv_migrate_stats");
out:
	explicit_bzero(&session, sizeof(session));
	/* the migration's id, whatever happened: a lost report is asked after by it */
	if (rc && stats_out)
		hv__sized_out(ctx, stats_out, &st, HV__SIZE_UPTO(hv_migrate_stats, dirty_rate),
			      sizeof(st), "hv_migrate_stats");
	free(m.body);
	hv__free_keyed(body, body_len, p.key);
	free(json);
	hv_domain_config_dispose(&stored);
	return rc;
}

/* --- the destination ----------------------------------------------------- */

/* Whether a domain named @name or with @uuid is here already. */
static int preflight_unique(hv_ctx *ctx, const hv_domain_config *cfg, char *why, size_t n)
{
	hv_dominfo **list = NULL;
	size_t nr = 0;
	int rc = hv_domain_list(ctx, &list, &nr);

	for (size_t i = 0; !rc && i < nr; i++) {
		if (!strcmp(list[i]->name, cfg->name)) {
			snprintf(why, n, "a domain named \"%s\" exists at the destination (domain %" PRIu32 ")",
				 cfg->name, list[i]->domid);
			rc = HV_ERROR_EXISTS;
		} else if (cfg->has_uuid && !memcmp(list[i]->uuid, cfg->uuid, 16)) {
			snprintf(why, n, "domain \"%s\" at the destination has this domain's UUID",
				 list[i]->name);
			rc = HV_ERROR_EXISTS;
		}
	}
	hv_dominfo_list_free(list, nr);
	return rc;
}

/*
 * What the destination needs before any memory comes: a description it
 * can run, a free name and UUID, the memory, the disks' images (shared
 * storage) and the vifs' bridges.  0, or HV_ERROR_* with @why.
 */
static int preflight(hv_ctx *ctx, const hv_domain_config *cfg, char *why, size_t n)
{
	hv_physinfo phys;
	struct stat sb;
	char path[300];
	int rc;

	rc = hv_config_validate(ctx, cfg, HV_CONFIG_VALIDATE_CREATE);
	if (rc) {
		snprintf(why, n, "the destination cannot run the domain's description (%s; see its log)",
			 hv_strerror(rc));
		return rc;
	}
	rc = preflight_unique(ctx, cfg, why, n);
	if (rc)
		return rc;
	hv_physinfo_init(&phys);
	rc = hv_physinfo_get(ctx, &phys);
	if (rc) {
		snprintf(why, n, "the destination's hvd does not answer (%s)", hv_strerror(rc));
		return rc;
	}
	{
		uint64_t need = cfg->maxmem_mib > cfg->memory_mib ? cfg->maxmem_mib : cfg->memory_mib;

		if (phys.free_mib < need) {
			snprintf(why, n, "the destination has %" PRIu64 " MiB free, the domain needs %" PRIu64 " MiB",
				 phys.free_mib, need);
			return HV_ERROR_NOMEM;
		}
	}
	/* the images, at the same paths (shared storage): the lock comes at the hand-over */
	for (size_t i = 0; i < cfg->nr_disks; i++) {
		const char *t = cfg->disks[i]->target;
		int fd;

		if (!t || !t[0])
			continue;
		if (stat(t, &sb) < 0) {
			snprintf(why, n, "disk %s: its image %s is not at the destination (%s): a migrating domain's disks must be on storage both hosts share",
				 cfg->disks[i]->vdev, t, strerror(errno));
			return HV_ERROR_NOTFOUND;
		}
		fd = hv__disk_open_lock(ctx, cfg->name, cfg->disks[i], false, false);
		if (fd < 0) {
			snprintf(why, n, "disk %s: the destination cannot open %s (%s; see its log)",
				 cfg->disks[i]->vdev, t, hv_strerror(fd));
			return fd;
		}
		close(fd);
	}
	for (size_t i = 0; i < cfg->nr_vifs; i++) {
		const char *br = cfg->vifs[i]->bridge ? cfg->vifs[i]->bridge :
				 HV_VIF_DEFAULT_BRIDGE;

		snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", br);
		if (stat(path, &sb) < 0) {
			snprintf(why, n, "vif %zu: the destination has no bridge %s", i, br);
			return HV_ERROR_NOTFOUND;
		}
	}
	return 0;
}

void hv__migstats_from_hc(const struct hv_hc_migstats *in, hv_migrate_stats *out)
{
	struct hv_hc_migstats hc = *in;
	size_t size = out->struct_size;

	memset(out, 0, sizeof(*out));
	out->struct_size = size ? size : sizeof(*out);
	mig_figures(out, &hc, false);
	out->go_sent = 1;
}

/*
 * The domain runs here: the sender's figures (with GO) and this side's
 * resume (@resume_ns) make the migration's, which hvd keeps with the
 * domain (MIGRATED) and *st gets.  The figures are the sender's word, and
 * only ever shown; a failure to keep them costs nothing but a warning.
 * So does the usage GO carries, which hvd counts on from as it does from a
 * description's (the sender's word too, as that was).
 */
static void mig_record(hv_ctx *ctx, const char *what, uint32_t domid, const uint8_t id[16],
		       const struct mig_go *go, uint64_t resume_ns, hv_migrate_stats *st)
{
	struct hv_hc_migrated body = { .domid = domid, .m = go->m };
	struct hv__req req = { .op = HV_HC_DOMCTL_MIGRATED, .body = &body, .body_len = sizeof(body) };

	memcpy(body.m.id, id, sizeof(body.m.id));
	body.m.resume_ns = resume_ns;
	body.m.downtime_ns += resume_ns;
	body.m.total_ns += resume_ns;
	body.m.end_time = (uint64_t)time(NULL);
	if (go->flags & MIG_GO_USAGE) {
		/* the sender's word, as the description's usage was: names end in NUL */
		body.flags |= HV_HC_MIGRATED_USAGE;
		body.usage = go->usage;
		for (unsigned int i = 0; i < HV_HC_STATS_MAX_DISKS; i++)
			body.usage.disks[i].vdev[sizeof(body.usage.disks[i].vdev) - 1] = '\0';
	}
	hv__migstats_from_hc(&body.m, st);
	if (hv__request(ctx, &req, what))
		HV__WARN(ctx, "%s: hvd did not keep the migration's figures; the domain runs on",
			 what);
}

HV__EXPORT int hv_domain_migrate_receive(hv_ctx *ctx, int recv_fd, int send_fd,
					 const hv_migrate_params *params_in, uint32_t *domid_r,
					 hv_migrate_stats *stats_out)
{
	hv_migrate_params p;
	hv_migrate_stats st = { .struct_size = sizeof(st) };
	struct mig_hello hello;
	struct mig_msg m = { 0 };
	hv_domain_config cfg;
	hv_progress progress;
	size_t at;			/* the JSON's offset in HELLO */
	char why[512] = "", idtext[33] = "", what[HV__WHAT_MAX] = "receive a migration";
	uint64_t t0 = mig_now_ns(), t_ready = 0, t_go = 0, t_running = 0;
	uint32_t domid = HV_DOMID_INVALID;
	struct mig_go go;
	bool have_go = false;
	hv_seal_key session, *sk = NULL;	/* a sealed migration's session key */
	uint8_t nonce[MIG_NONCE_SIZE];
	struct stat sb;
	int r, rc;

	*domid_r = HV_DOMID_INVALID;
	hv_domain_config_init(&cfg);
	hv_progress_init(&progress);
	rc = mig_args(ctx, &p, params_in, stats_out);
	if (rc)
		return rc;
	if (fstat(recv_fd, &sb) < 0 || !(S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)) ||
	    fcntl(send_fd, F_GETFL) < 0) {
		HV__ERR(ctx, "%s: descriptor %d is not a pipe or socket, or %d is not open",
			what, recv_fd, send_fd);
		return HV_ERROR_INVAL;
	}
	r = mig_recv(recv_fd, &m, MIG_PREFLIGHT_MS, NULL);
	if (r) {
		HV__ERR(ctx, "%s: no migration came: %s", what, mig_io_why(r));
		return r == -EPROTO || r == -EMSGSIZE ? HV_ERROR_PROTOCOL : r == -ETIMEDOUT ?
		       HV_ERROR_TIMEDOUT : HV_ERROR_IO;
	}
	if (m.type != MIG_HELLO || m.length < sizeof(hello)) {
		HV__ERR(ctx, "%s: the sender began with message %u, not HELLO", what, m.type);
		rc = HV_ERROR_PROTOCOL;
		goto refuse;
	}
	memcpy(&hello, m.body, sizeof(hello));
	memcpy(st.id, hello.id, sizeof(st.id));
	mig_id_text(hello.id, idtext);
	if (hello.version != MIG_VERSION) {
		snprintf(why, sizeof(why), "the sender speaks migration protocol %u, the destination %u (migrate between the same hv versions)",
			 hello.version, MIG_VERSION);
		rc = HV_ERROR_VERSION;
		goto refuse;
	}
	if (hello.flags & ~(HV_MIGRATE_PAUSED | MIG_HELLO_SEALED)) {
		snprintf(why, sizeof(why), "the sender asks for flags 0x%x the destination does not know",
			 hello.flags);
		rc = HV_ERROR_VERSION;
		goto refuse;
	}
	/* a sealed migration: the seal first, before the description is read */
	if (p.key && !(hello.flags & MIG_HELLO_SEALED)) {
		snprintf(why, sizeof(why), "the destination takes only sealed migrations (migrate-receive -k): migrate with -k and the key file the destination has");
		rc = HV_ERROR_PERM;
		goto refuse;
	}
	if (!p.key && (hello.flags & MIG_HELLO_SEALED)) {
		snprintf(why, sizeof(why), "the migration is sealed (migrate -k) but the destination has no key: run migrate-receive -k with the same key file");
		rc = HV_ERROR_INVAL;
		goto refuse;
	}
	at = sizeof(hello) + (p.key ? MIG_MAC_SIZE : 0);
	if (p.key) {
		uint8_t mac[MIG_MAC_SIZE];
		bool same;

		if (m.length < at) {
			snprintf(why, sizeof(why), "the sender's HELLO is too short to hold its MAC");
			rc = HV_ERROR_PROTOCOL;
			goto refuse;
		}
		mig_hello_mac(p.key, &hello, (const char *)m.body + at, m.length - at, mac);
		same = memeql_sec(mac, m.body + sizeof(hello), MIG_MAC_SIZE);
		explicit_bzero(mac, sizeof(mac));
		if (!same) {
			snprintf(why, sizeof(why), "the migration is sealed with another key than the destination's, or its HELLO was altered on the way: give both sides the same key file");
			rc = HV_ERROR_CORRUPT;
			goto refuse;
		}
	}
	if (m.length == at || memchr(m.body + at, '\0', m.length - at)) {
		snprintf(why, sizeof(why), "the sender's description is empty or holds a NUL byte");
		rc = HV_ERROR_PROTOCOL;
		goto refuse;
	}
	rc = hv_config_from_json(ctx, (const char *)m.body + at, &cfg);
	if (rc) {
		snprintf(why, sizeof(why), "the destination cannot read the domain's description (%s)",
			 hv_strerror(rc));
		goto refuse;
	}
	snprintf(what, sizeof(what), "receive domain \"%s\" (migration %s)", cfg.name, idtext);
	/* the description here names the migration: a sender can ask after it */
	free(cfg.migration_id);
	cfg.migration_id = strdup(idtext);
	if (!cfg.migration_id) {
		rc = HV_ERROR_NOMEM;
		goto refuse;
	}
	rc = preflight(ctx, &cfg, why, sizeof(why));
	if (rc)
		goto refuse;
	free(m.body);
	m.body = NULL;
	r = mig_send_status(send_fd, MIG_PREFLIGHT, 0, NULL, NULL);
	/* sealed: a fresh challenge, so that only a live key holder gets on */
	if (!r && p.key) {
		if (getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce)) {
			HV__ERR(ctx, "%s: no random bytes for the challenge: %s", what,
				strerror(errno));
			rc = HV_ERROR_IO;
			goto out;
		}
		mig_session_key(p.key, hello.id, nonce, &session);
		sk = &session;
		r = mig_send(send_fd, MIG_CHALLENGE, nonce, sizeof(nonce), NULL, 0, NULL);
	}
	if (r) {
		HV__ERR(ctx, "%s: cannot answer the sender: %s", what, mig_io_why(r));
		rc = HV_ERROR_IO;
		goto out;
	}
	r = mig_recv(recv_fd, &m, MIG_PREFLIGHT_MS, sk);
	if (!r && m.type != MIG_PING)
		r = -EPROTO;
	if (!r)
		r = mig_send(send_fd, MIG_PONG, NULL, 0, NULL, 0, sk);
	free(m.body);
	m.body = NULL;
	if (r) {
		HV__ERR(ctx, "%s: no PING from the sender: %s", what, mig_io_why(r));
		rc = r == -ETIMEDOUT ? HV_ERROR_TIMEDOUT : r == -EBADMSG ? HV_ERROR_CORRUPT :
		     HV_ERROR_IO;
		goto out;
	}
	HV__INFO(ctx, "%s: preflight passed; receiving memory%s", what,
		 p.key ? ", sealed" : "");

	/* the stream, to its END: the domain is then loaded, paused (every MAC checked first) */
	rc = hv__restore_config(ctx, recv_fd, &cfg, HV_HC_RESTORE_PAUSED | HV_HC_RESTORE_STREAM,
				sk, &domid, &progress);
	if (rc) {
		HV__ERR(ctx, "%s: the stream did not restore; nothing is left here", what);
		mig_send_status(send_fd, MIG_READY, rc, p.key ?
				"the destination could not load the sealed stream: altered, cut, or not the key holder's (see its log)" :
				"the destination could not load the stream (see its log)", sk);
		goto out;
	}
	t_ready = mig_now_ns();
	r = mig_send_status(send_fd, MIG_READY, 0, NULL, sk);
	if (!r)
		r = mig_recv(recv_fd, &m, MIG_ANSWER_MS, sk);
	t_go = mig_now_ns();
	if (!r && m.type == MIG_GO && m.length == sizeof(go)) {
		memcpy(&go, m.body, sizeof(go));
		have_go = true;
	}
	if (r || m.type != MIG_GO) {
		HV__ERR(ctx, "%s: the sender did not say go (%s): the domain goes on at the source; its copy here is destroyed",
			what, r ? mig_io_why(r) : m.type == MIG_ABORT ? "it gave up" :
			"it sent another message");
		hv_domain_destroy(ctx, domid);
		rc = r == -ETIMEDOUT ? HV_ERROR_TIMEDOUT : r == -EBADMSG ? HV_ERROR_CORRUPT :
		     r ? HV_ERROR_IO : HV_ERROR_CANCELLED;
		goto out;
	}
	/*
	 * go: from here this is the only copy that may run.  Unpausing it (or
	 * pausing it, to leave it paused) commits it: until then hvd destroys
	 * it if this connection goes.
	 */
	{
		bool run = !(hello.flags & HV_MIGRATE_PAUSED) && !(p.flags & HV_MIGRATE_PAUSED);

		rc = run ? hv_domain_unpause(ctx, domid) : hv_domain_pause(ctx, domid);
		t_running = mig_now_ns();
		if (rc) {
			HV__ERR(ctx, "%s: cannot start the domain here (%s); destroying this copy, the source resumes",
				what, hv_strerror(rc));
			hv_domain_destroy(ctx, domid);
			mig_send_status(send_fd, MIG_REPORT, rc, "the destination could not start the domain", sk);
			goto out;
		}
	}
	r = mig_send_status(send_fd, MIG_REPORT, 0, NULL, sk);
	if (r)
		HV__WARN(ctx, "%s: the domain runs here, but the sender did not get the report (%s): its copy stays paused there",
			 what, mig_io_why(r));
	HV__INFO(ctx, "%s: domain %" PRIu32 " runs here", what, domid);
	*domid_r = domid;
	st.total_ns = mig_now_ns() - t0;
	st.resume_ns = mig_now_ns() - t_ready;
	if (have_go)
		mig_record(ctx, what, domid, hello.id, &go, t_running - t_go, &st);
	if (stats_out)
		hv__sized_out(ctx, stats_out, &st, HV__SIZE_UPTO(hv_migrate_stats, dirty_rate),
			      sizeof(st), "hv_migrate_stats");
	rc = 0;
	goto out;
refuse:
	HV__ERR(ctx, "%s: refused: %s", what, why[0] ? why : hv_strerror(rc));
	mig_send_status(send_fd, MIG_PREFLIGHT, rc, why[0] ? why : hv_strerror(rc), NULL);
out:
	explicit_bzero(&session, sizeof(session));
	free(m.body);
	hv_domain_config_dispose(&cfg);
	return rc;
}
