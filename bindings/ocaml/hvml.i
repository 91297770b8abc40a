/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers of the raw layer (included by hv_raw.i): C code SWIG puts before
 * its wrappers, then the declarations it wraps.
 */
%{
/* Nonzero while this thread is inside a call made without the runtime
 * lock (see HVML_BLOCKING in hv_raw.i). */
static __thread int hvml_blocking;

static void hvml_blocking_enter(void)
{
	hvml_blocking = 1;
}

static void hvml_blocking_leave(void)
{
	hvml_blocking = 0;
}

/*
 * The logger.  libhv calls it in the thread that made the call, maybe
 * without the OCaml runtime lock, so it never calls OCaml: it keeps the
 * messages of this thread's last calls, which Hv reads (hvml_log_*) once
 * the call has returned, to pass to the program's logger and to put the
 * last error message in the exception.
 */
#define HVML_LOG_MAX 256

struct hvml_msg {
	int level;
	char *text;
};

static __thread struct hvml_msg hvml_log[HVML_LOG_MAX];
static __thread int hvml_nlog;
static __thread int hvml_dropped;

static void hvml_logger(void *opaque, enum hv_log_level level, const char *fmt,
			va_list ap)
{
	char *text = NULL;

	(void)opaque;
	if (hvml_nlog == HVML_LOG_MAX) {
		/* keep the latest: errors come last */
		free(hvml_log[0].text);
		memmove(&hvml_log[0], &hvml_log[1],
			(HVML_LOG_MAX - 1) * sizeof(hvml_log[0]));
		hvml_nlog--;
		hvml_dropped++;
	}
	if (vasprintf(&text, fmt, ap) < 0)
		return;
	hvml_log[hvml_nlog].level = (int)level;
	hvml_log[hvml_nlog].text = text;
	hvml_nlog++;
}

static void hvml_ctx_capture_log(hv_ctx *ctx, int max_level)
{
	hv_ctx_set_logger(ctx, hvml_logger, NULL, (enum hv_log_level)max_level);
}

static int hvml_log_count(void)
{
	return hvml_nlog;
}

static int hvml_log_level(int i)
{
	return i >= 0 && i < hvml_nlog ? hvml_log[i].level : -1;
}

static const char *hvml_log_text(int i)
{
	return i >= 0 && i < hvml_nlog ? hvml_log[i].text : "";
}

/* Forgets this thread's messages; returns how many were dropped. */
static int hvml_log_clear(void)
{
	int dropped = hvml_dropped;

	for (int i = 0; i < hvml_nlog; i++)
		free(hvml_log[i].text);
	hvml_nlog = 0;
	hvml_dropped = 0;
	return dropped;
}

/*
 * Progress callbacks.  @fn is a c_obj C_obj f, kept as a generational
 * root while the hv_progress lives; f gets "progress" and
 * C_list [C_int64 done; C_int64 total] and returns C_int 0 to go on,
 * anything else to cancel.  An exception escaping f (Hv's wrapper catches
 * them, so this is a last resort) cancels too.
 */
struct hvml_progress {
	hv_progress p;
	value fn;
};

static int hvml_progress_call(value fn, uint64_t done, uint64_t total)
{
	CAMLparam1(fn);
	CAMLlocal4(name, lst, arg, res);
	int rc;

	name = caml_copy_string("progress");
	lst = caml_list_append(Val_unit, caml_val_ulong((unsigned long)done));
	lst = caml_list_append(lst, caml_val_ulong((unsigned long)total));
	arg = caml_swig_alloc(1, C_list);
	SWIG_Store_field(arg, 0, lst);
	res = caml_callback2_exn(Field(fn, 0), name, arg);
	rc = Is_exception_result(res) ? 1 : caml_long_val(res) != 0;
	CAMLreturnT(int, rc);
}

/*
 * A callback into OCaml from inside a call made without the runtime lock
 * takes the lock back first (hvml_callback_enter), and gives it up again
 * after (hvml_callback_leave, with what enter returned).
 */
static int hvml_callback_enter(void)
{
	int blocking = hvml_blocking;

	if (blocking) {
		hvml_blocking = 0;
		caml_leave_blocking_section();
	}
	return blocking;
}

static void hvml_callback_leave(int blocking)
{
	if (blocking) {
		caml_enter_blocking_section();
		hvml_blocking = 1;
	}
}

static int hvml_progress_fn(void *opaque, uint64_t done, uint64_t total)
{
	struct hvml_progress *hp = opaque;
	int blocking = hvml_callback_enter();
	int rc;

	rc = hvml_progress_call(hp->fn, done, total);
	hvml_callback_leave(blocking);
	return rc;
}

static hv_progress *hvml_progress_new(value fn)
{
	struct hvml_progress *hp;

	if (!Is_block(fn) || SWIG_Tag_val(fn) != C_obj)
		caml_invalid_argument("hvml_progress_new: expected C_obj");
	hp = calloc(1, sizeof(*hp));
	if (!hp)
		caml_raise_out_of_memory();
	hv_progress_init(&hp->p);
	hp->p.fn = hvml_progress_fn;
	hp->p.opaque = hp;
	hp->fn = fn;
	caml_register_generational_global_root(&hp->fn);
	return &hp->p;
}

static void hvml_progress_free(hv_progress *p)
{
	struct hvml_progress *hp = (struct hvml_progress *)p;

	if (!hp)
		return;
	caml_remove_generational_global_root(&hp->fn);
	free(hp);
}

/*
 * Calls @p's callback as libhv calls it during a save (in this thread,
 * without the runtime lock: hv_raw.i wraps it as blocking), so that the
 * tests can check the callback path on a host where no domain can run.
 * Returns what the callback returned (non-zero: cancel).
 */
static int hvml_progress_selftest(const hv_progress *p, uint64_t done,
				  uint64_t total)
{
	return p->fn(p->opaque, done, total);
}

/*
 * Migration progress callbacks (hv_domain_migrate_send), kept as
 * hvml_progress is: @fn is a c_obj C_obj f, a generational root while the
 * hvml_migrate_progress lives; f gets "progress" and C_list [C_int phase;
 * C_int round; then C_int64 sent_bytes, remaining_bytes, memory_bytes,
 * dirty_rate, bandwidth, expected_downtime_ns, elapsed_ns] and returns
 * C_int 0 to go on, anything else to cancel.  An exception escaping f
 * cancels too.
 */
typedef struct hvml_migrate_progress {
	value fn;
} hvml_migrate_progress;

static int hvml_migrate_progress_call(value fn, const hv_migrate_progress *p)
{
	CAMLparam1(fn);
	CAMLlocal4(name, lst, arg, res);
	int rc;

	name = caml_copy_string("progress");
	lst = caml_list_append(Val_unit, caml_val_int((int)p->phase));
	lst = caml_list_append(lst, caml_val_uint(p->round));
	lst = caml_list_append(lst, caml_val_ulong((unsigned long)p->sent_bytes));
	lst = caml_list_append(lst, caml_val_ulong((unsigned long)p->remaining_bytes));
	lst = caml_list_append(lst, caml_val_ulong((unsigned long)p->memory_bytes));
	lst = caml_list_append(lst, caml_val_ulong((unsigned long)p->dirty_rate));
	lst = caml_list_append(lst, caml_val_ulong((unsigned long)p->bandwidth));
	lst = caml_list_append(lst, caml_val_ulong((unsigned long)p->expected_downtime_ns));
	lst = caml_list_append(lst, caml_val_ulong((unsigned long)p->elapsed_ns));
	arg = caml_swig_alloc(1, C_list);
	SWIG_Store_field(arg, 0, lst);
	res = caml_callback2_exn(Field(fn, 0), name, arg);
	rc = Is_exception_result(res) ? 1 : caml_long_val(res) != 0;
	CAMLreturnT(int, rc);
}

static int hvml_migrate_progress_fn(void *opaque, const hv_migrate_progress *p)
{
	hvml_migrate_progress *mp = opaque;
	int blocking = hvml_callback_enter();
	int rc;

	rc = hvml_migrate_progress_call(mp->fn, p);
	hvml_callback_leave(blocking);
	return rc;
}

static hvml_migrate_progress *hvml_migrate_progress_new(value fn)
{
	hvml_migrate_progress *mp;

	if (!Is_block(fn) || SWIG_Tag_val(fn) != C_obj)
		caml_invalid_argument("hvml_migrate_progress_new: expected C_obj");
	mp = calloc(1, sizeof(*mp));
	if (!mp)
		caml_raise_out_of_memory();
	mp->fn = fn;
	caml_register_generational_global_root(&mp->fn);
	return mp;
}

static void hvml_migrate_progress_free(hvml_migrate_progress *mp)
{
	if (!mp)
		return;
	caml_remove_generational_global_root(&mp->fn);
	free(mp);
}

/*
 * For the tests: calls @mp's callback as hv_domain_migrate_send() does (in
 * this thread, without the runtime lock: hv_raw.i wraps it as blocking)
 * with a made-up report of round 3 of a 64 MiB guest's migration.
 * Returns what the callback returned (non-zero: cancel).
 */
static int hvml_migrate_progress_selftest(hvml_migrate_progress *mp)
{
	hv_migrate_progress p = {
		.struct_size = sizeof(p), .phase = HV_MIGRATE_PHASE_ROUNDS, .round = 3,
		.sent_bytes = 70 << 20, .remaining_bytes = 1 << 20,
		.memory_bytes = 64 << 20, .dirty_rate = 4 << 20,
		.bandwidth = UINT64_C(1) << 33, .expected_downtime_ns = 250000,
		.elapsed_ns = UINT64_C(1500000000),
	};

	return hvml_migrate_progress_fn(mp, &p);
}

/*
 * For the tests: statistics made up here (free them with
 * hvml_hv_migrate_stats_free()), so that reading them can be checked where
 * no domain runs: id bytes 0xa0..0xaf, total_ns 2^40, bytes 10 * 2^32,
 * every other member its place in hv_migrate_stats (setup_ns 2 ...
 * dirty_rate 16).
 */
static hv_migrate_stats *hvml_migrate_stats_selftest(void)
{
	hv_migrate_stats *s = calloc(1, sizeof(*s));

	if (!s)
		caml_raise_out_of_memory();
	hv_migrate_stats_init(s);
	for (int i = 0; i < 16; i++)
		s->id[i] = (uint8_t)(0xa0 + i);
	s->total_ns = UINT64_C(1) << 40;
	s->setup_ns = 2;
	s->downtime_ns = 3;
	s->pause_ns = 4;
	s->last_pages_ns = 5;
	s->state_ns = 6;
	s->restore_ns = 7;
	s->resume_ns = 8;
	s->expected_downtime_ns = 9;
	s->bytes = UINT64_C(10) << 32;
	s->pages = 11;
	s->zero_pages = 12;
	s->rounds = 13;
	s->last_pages = 14;
	s->bandwidth = 15;
	s->dirty_rate = 16;
	s->go_sent = 1;
	return s;
}

/* Migration parameters; @cfg stays the caller's. */
static hv_migrate_stats *hvml_migrate_stats_selftest(void);
hv_migrate_params *hvml_migrate_params_new(const hv_domain_config *cfg,
						  unsigned int flags, uint32_t downtime_ms,
						  uint32_t ceiling_ms, uint64_t bandwidth,
						  uint64_t timeout_ms)
{
	hv_migrate_params *p = calloc(1, sizeof(*p));

	if (!p)
		caml_raise_out_of_memory();
	hv_migrate_params_init(p);
	p->flags = flags;
	p->downtime_ms = downtime_ms;
	p->ceiling_ms = ceiling_ms;
	p->bandwidth = bandwidth;
	p->timeout_ms = timeout_ms;
	p->config = cfg;
	return p;
}

static void hvml_migrate_params_free(hv_migrate_params *p)
{
	free(p);
}

/*
 * A sealed image's or migration's key (libhv 1.13), kept in C memory, out
 * of the OCaml heap (which the GC copies and never wipes): zeroed here,
 * wiped and freed by hvml_seal_key_free().
 */
static hv_seal_key *hvml_seal_key_new(void)
{
	hv_seal_key *k = calloc(1, sizeof(*k));

	if (!k)
		caml_raise_out_of_memory();
	return k;
}

static void hvml_seal_key_free(hv_seal_key *k)
{
	hv_seal_key_wipe(k);
	free(k);
}

/*
 * hv_seal_key_from_bytes() of key material written as hex digits: an OCaml
 * string may hold NUL bytes, which the raw layer's C strings cannot.  The
 * digits are the raw layer's own copy, wiped here with the decoded bytes.
 * HV_ERROR_INVAL for an odd count or a character that is not a hex digit.
 */
static int hvml_seal_key_from_hex(hv_ctx *ctx, const char *hex, hv_seal_key *key_r)
{
	size_t n = hex ? strlen(hex) : 0;
	unsigned char *buf = malloc(n / 2 + 1);
	int rc = 0;

	if (!buf)
		caml_raise_out_of_memory();
	for (size_t i = 0; i + 1 < n && !rc; i += 2) {
		unsigned int v;

		if (!isxdigit((unsigned char)hex[i]) || !isxdigit((unsigned char)hex[i + 1]) ||
		    sscanf(hex + i, "%2x", &v) != 1)
			rc = HV_ERROR_INVAL;
		else
			buf[i / 2] = (unsigned char)v;
	}
	if (!rc && n % 2)
		rc = HV_ERROR_INVAL;
	if (!rc)
		rc = hv_seal_key_from_bytes(ctx, buf, n / 2, key_r);
	explicit_bzero(buf, n / 2 + 1);
	free(buf);
	if (hex)
		explicit_bzero((char *)hex, n);
	return rc;
}

/* The key of a restore's or a migration's parameters (the caller's, kept meanwhile). */
static void hvml_restore_params_set_key(hv_restore_params *p, const hv_seal_key *key)
{
	p->key = key;
}

static void hvml_migrate_params_set_key(hv_migrate_params *p, const hv_seal_key *key)
{
	p->key = key;
}

/* The size-prefixed structures, allocated and initialised. */
#define HVML_NEW(TYPE, INIT)				\
	static TYPE *hvml_##TYPE##_new(void)		\
	{						\
		TYPE *p = calloc(1, sizeof(*p));	\
		if (!p)					\
			caml_raise_out_of_memory();	\
		INIT(p);				\
		return p;				\
	}						\
	static void hvml_##TYPE##_free(TYPE *p)	\
	{						\
		free(p);				\
	}
HVML_NEW(hv_dominfo, hv_dominfo_init)
HVML_NEW(hv_physinfo, hv_physinfo_init)
HVML_NEW(hv_event, hv_event_init)
HVML_NEW(hv_meminfo, hv_meminfo_init)
HVML_NEW(hv_migrate_stats, hv_migrate_stats_init)

/* Statistic @i of the guest's balloon (0 when @i is out of range). */
static uint64_t hvml_meminfo_stat(const hv_meminfo *info, int i)
{
	return i >= 0 && i < HV_BALLOON_STATS ? info->stats[i] : 0;
}

static hv_domain_config *hvml_config_new(void)
{
	hv_domain_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		caml_raise_out_of_memory();
	hv_domain_config_init(cfg);
	return cfg;
}

static void hvml_config_free(hv_domain_config *cfg)
{
	hv_domain_config_dispose(cfg);
	free(cfg);
}

/* Restore parameters; @cfg stays the caller's, @name is copied. */
static hv_restore_params *hvml_restore_params_new(const hv_domain_config *cfg,
						  const char *name,
						  unsigned int flags)
{
	hv_restore_params *p = calloc(1, sizeof(*p));

	if (!p)
		caml_raise_out_of_memory();
	hv_restore_params_init(p);
	p->config = cfg;
	p->name = name ? strdup(name) : NULL;
	p->flags = flags;
	if (name && !p->name) {
		free(p);
		caml_raise_out_of_memory();
	}
	return p;
}

static void hvml_restore_params_free(hv_restore_params *p)
{
	if (!p)
		return;
	free((char *)p->name);
	free(p);
}

static hv_dominfo *hvml_dominfo_list_nth(hv_dominfo **list, size_t i)
{
	return list[i];
}

static hv_domstats *hvml_domstats_list_nth(hv_domstats **list, size_t i)
{
	return list[i];
}

static hv_vcpuinfo *hvml_vcpuinfo_nth(hv_vcpuinfo *list, size_t i)
{
	return &list[i];
}

/* hv_domain_vcpu_list's array: one block from malloc */
static void hvml_vcpuinfo_free(hv_vcpuinfo *list)
{
	free(list);
}

static double hvml_domstats_start_time(const hv_domstats *s)
{
	return (double)s->start_time;
}

/* vif @i of the sample; NULL past nr_vifs */
static hv_vifstats *hvml_domstats_vif(hv_domstats *s, int i)
{
	return i >= 0 && (unsigned int)i < s->nr_vifs && i < HV_DOMAIN_MAX_VIFS ? &s->vifs[i] :
	       NULL;
}

/* libhv 1.14: the migration that brought it here, if the sample has one */
static int hvml_domstats_has_migration(const hv_domstats *s)
{
	return s->struct_size >= offsetof(hv_domstats, migration) + sizeof(s->migration) &&
	       (s->valid & HV_STATS_MIGRATION);
}

static hv_migrate_stats *hvml_domstats_migration(hv_domstats *s)
{
	return &s->migration;
}

/*
 * How many of disks[] the sample has: nr_disks, or none when the libhv
 * that filled it is older than 1.9 (its struct_size has no room for them).
 */
static int hvml_domstats_nr_vbds(const hv_domstats *s)
{
	if (s->struct_size < offsetof(hv_domstats, disks) + sizeof(s->disks))
		return 0;
	return s->nr_disks < HV_DOMAIN_MAX_DISKS ? (int)s->nr_disks : HV_DOMAIN_MAX_DISKS;
}

/* disk @i of the sample; NULL past hvml_domstats_nr_vbds() */
static hv_vbdstats *hvml_domstats_disk(hv_domstats *s, int i)
{
	return i >= 0 && i < hvml_domstats_nr_vbds(s) ? &s->disks[i] : NULL;
}

/*
 * For the tests: a sample made up here (free it with
 * hvml_domstats_selftest_free()), so that reading vifs[] and disks[] can
 * be checked where no domain runs.  Three disks (one with counters, an
 * empty CD-ROM drive, one whose vdev fills its field but for the NUL) and
 * one vif; disks[3] is filled too, past nr_disks, and must not show.
 * @old: struct_size is that of a libhv before 1.9, which has no disks[].
 */
static hv_domstats *hvml_domstats_selftest(int old)
{
	hv_domstats *s = calloc(1, sizeof(*s));

	if (!s)
		caml_raise_out_of_memory();
	s->struct_size = old ? offsetof(hv_domstats, disks) : sizeof(*s);
	s->domid = 7;
	s->state = HV_STATE_RUNNING;
	snprintf(s->name, sizeof(s->name), "stats-sample");
	s->valid = HV_STATS_CPU | HV_STATS_NET | HV_STATS_DISK;
	s->cpu_ns = 1000;
	s->vcpus = 1;
	s->nr_vifs = 1;
	s->vifs[0] = (hv_vifstats){ .devid = 0, .valid = 1, .rx_bytes = 100,
				    .rx_packets = 2, .tx_bytes = 300, .tx_packets = 4 };
	s->nr_disks = 3;
	s->disks[0] = (hv_vbdstats){ .vdev = "xvda", .valid = 1, .rd_reqs = 11,
				     .rd_bytes = (UINT64_C(1) << 40) + 12, .wr_reqs = 13,
				     .wr_bytes = 14 * 512, .flush_reqs = 15,
				     .discard_reqs = 16, .err_reqs = 17,
				     .throttled_reqs = 18 };
	s->disks[1] = (hv_vbdstats){ .vdev = "hdc", .valid = 0 };
	s->disks[2] = (hv_vbdstats){ .vdev = "xvdabcdefghijkl", .valid = 1,
				     .wr_reqs = 1, .wr_bytes = 4096 };
	s->disks[3] = (hv_vbdstats){ .vdev = "ghost", .valid = 1, .rd_reqs = 99 };
	if (!old) {
		s->valid |= HV_STATS_MIGRATION;
		hv_migrate_stats_init(&s->migration);
		memset(s->migration.id, 0xab, sizeof(s->migration.id));
		s->migration.total_ns = 21;
		s->migration.downtime_ns = (UINT64_C(1) << 33) + 5;
		s->migration.resume_ns = 3;
		s->migration.go_sent = 1;
	}
	return s;
}

static void hvml_domstats_selftest_free(hv_domstats *s)
{
	free(s);
}

static const char *hvml_uuid_str(const uint8_t *u)
{
	static __thread char buf[37];

	snprintf(buf, sizeof(buf),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
	return buf;
}

/* A migration's id as its logs write it: 32 hex digits. */
static const char *hvml_migrate_stats_id(const hv_migrate_stats *s)
{
	static __thread char buf[33];

	for (int i = 0; i < 16; i++)
		snprintf(buf + 2 * i, 3, "%02x", s->id[i]);
	return buf;
}

static const char *hvml_dominfo_uuid(const hv_dominfo *info)
{
	return hvml_uuid_str(info->uuid);
}

/* NULL (C_void) when the configuration has no UUID yet. */
static const char *hvml_config_uuid(const hv_domain_config *cfg)
{
	return cfg->has_uuid ? hvml_uuid_str(cfg->uuid) : NULL;
}

static const char *hvml_domstats_uuid(const hv_domstats *s)
{
	return hvml_uuid_str(s->uuid);
}

static double hvml_dominfo_start_time(const hv_dominfo *info)
{
	return (double)info->start_time;
}

static size_t hvml_config_nr_disks(const hv_domain_config *cfg)
{
	return cfg->nr_disks;
}

static hv_disk_spec *hvml_config_disk(const hv_domain_config *cfg, size_t i)
{
	return i < cfg->nr_disks ? cfg->disks[i] : NULL;
}

static size_t hvml_config_nr_vifs(const hv_domain_config *cfg)
{
	return cfg->nr_vifs;
}

static hv_vif_spec *hvml_config_vif(const hv_domain_config *cfg, size_t i)
{
	return i < cfg->nr_vifs ? cfg->vifs[i] : NULL;
}

/* "00:16:3e:01:02:03", or NULL (C_void) when the vif has no MAC yet. */
static const char *hvml_vif_mac(const hv_vif_spec *vif)
{
	static __thread char buf[18];
	const uint8_t *m = vif->mac;

	if (!vif->has_mac)
		return NULL;
	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

#undef value
%}

/* What SWIG wraps of the helpers above. */
%typemap(out) const char *hvml_config_uuid, const char *hvml_vif_mac
	"$result = $1 ? caml_val_string((char *)$1) : Val_unit;"
%typemap(in) caml_value_t "$1 = $input;"

void hvml_ctx_capture_log(hv_ctx *ctx, int max_level);
int hvml_log_count(void);
int hvml_log_level(int i);
const char *hvml_log_text(int i);
int hvml_log_clear(void);
hv_progress *hvml_progress_new(caml_value_t fn);
void hvml_progress_free(hv_progress *p);
int hvml_progress_selftest(const hv_progress *p, uint64_t done, uint64_t total);
hvml_migrate_progress *hvml_migrate_progress_new(caml_value_t fn);
void hvml_migrate_progress_free(hvml_migrate_progress *mp);
int hvml_migrate_progress_selftest(hvml_migrate_progress *mp);
hv_migrate_stats *hvml_migrate_stats_selftest(void);
hv_migrate_params *hvml_migrate_params_new(const hv_domain_config *cfg, unsigned int flags,
					   uint32_t downtime_ms, uint32_t ceiling_ms,
					   uint64_t bandwidth, uint64_t timeout_ms);
void hvml_migrate_params_free(hv_migrate_params *p);
hv_seal_key *hvml_seal_key_new(void);
void hvml_seal_key_free(hv_seal_key *k);
int hvml_seal_key_from_hex(hv_ctx *ctx, const char *hex, hv_seal_key *key_r);
void hvml_restore_params_set_key(hv_restore_params *p, const hv_seal_key *key);
void hvml_migrate_params_set_key(hv_migrate_params *p, const hv_seal_key *key);
hv_migrate_stats *hvml_hv_migrate_stats_new(void);
void hvml_hv_migrate_stats_free(hv_migrate_stats *p);
const char *hvml_migrate_stats_id(const hv_migrate_stats *s);
hv_dominfo *hvml_hv_dominfo_new(void);
void hvml_hv_dominfo_free(hv_dominfo *p);
hv_physinfo *hvml_hv_physinfo_new(void);
void hvml_hv_physinfo_free(hv_physinfo *p);
hv_event *hvml_hv_event_new(void);
void hvml_hv_event_free(hv_event *p);
hv_meminfo *hvml_hv_meminfo_new(void);
void hvml_hv_meminfo_free(hv_meminfo *p);
uint64_t hvml_meminfo_stat(const hv_meminfo *info, int i);
hv_domain_config *hvml_config_new(void);
void hvml_config_free(hv_domain_config *cfg);
hv_restore_params *hvml_restore_params_new(const hv_domain_config *cfg,
					   const char *name, unsigned int flags);
void hvml_restore_params_free(hv_restore_params *p);
hv_dominfo *hvml_dominfo_list_nth(hv_dominfo **list, size_t i);
hv_domstats *hvml_domstats_list_nth(hv_domstats **list, size_t i);
hv_vcpuinfo *hvml_vcpuinfo_nth(hv_vcpuinfo *list, size_t i);
void hvml_vcpuinfo_free(hv_vcpuinfo *list);
double hvml_domstats_start_time(const hv_domstats *s);
hv_vifstats *hvml_domstats_vif(hv_domstats *s, int i);
int hvml_domstats_nr_vbds(const hv_domstats *s);
int hvml_domstats_has_migration(const hv_domstats *s);
hv_migrate_stats *hvml_domstats_migration(hv_domstats *s);
hv_vbdstats *hvml_domstats_disk(hv_domstats *s, int i);
hv_domstats *hvml_domstats_selftest(int old);
void hvml_domstats_selftest_free(hv_domstats *s);
const char *hvml_domstats_uuid(const hv_domstats *s);
const char *hvml_dominfo_uuid(const hv_dominfo *info);
const char *hvml_config_uuid(const hv_domain_config *cfg);
double hvml_dominfo_start_time(const hv_dominfo *info);
size_t hvml_config_nr_disks(const hv_domain_config *cfg);
hv_disk_spec *hvml_config_disk(const hv_domain_config *cfg, size_t i);
size_t hvml_config_nr_vifs(const hv_domain_config *cfg);
hv_vif_spec *hvml_config_vif(const hv_domain_config *cfg, size_t i);
const char *hvml_vif_mac(const hv_vif_spec *vif);
