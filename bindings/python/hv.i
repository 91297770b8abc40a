/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The raw Python binding of libhv: hv.raw (the C extension hv._raw), built
 * with "swig -python -threads" over the installed headers.  It stays close
 * to C: the same names, the same arguments, but
 *   - out-parameters (ids, descriptors, strings, result structures) are
 *     returned, structures as dicts of their members, hv_domain_list() as a
 *     list of such dicts;
 *   - a negative HV_ERROR_* is raised as the exception that the factory set
 *     by hvpy_set_error_factory() makes of (code, message), the message
 *     being the last error the context logged in this thread;
 *   - a progress argument is a Python callable(done, total) or None; an
 *     exception raised in it cancels the operation and is re-raised from
 *     the call;
 *   - hv_ctx_set_logger() takes a callable(level, message) or None;
 *   - the GIL is released around every call into libhv.
 * Each function's docstring is its C prototype and the comment above it
 * in the header (hv_doc.i, written by gendoc.py at build time).
 * The idiomatic layer is the hv package around it (bindings/python/hv/).
 */
%module(package="hv") raw

%include "hv_doc.i"

%{
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/config.h>
#include <hv/domain.h>
%}

%include <stdint.i>

/* ---- per-thread state: the last logged error, a pending exception ---- */
%{
#define HVPY_ERR_MAX 1024

/*
 * libhv calls the logger, and the progress callback, in the thread that
 * made the call, so what they leave for the wrapper to report is kept per
 * thread: the wrapper of the same call reads it on the same thread.
 */
struct hvpy_tls {
	char err[HVPY_ERR_MAX];		/* last HV_LOG_ERROR message */
	PyObject *exc;			/* raised by a callback, to re-raise */
};
static __thread struct hvpy_tls hvpy_tls;

/* The pending exception taken out (normalised, traceback attached) and
 * put back; PyErr_Fetch() and PyErr_Restore() are deprecated in 3.12. */
static PyObject *hvpy_exc_take(void)
{
#if PY_VERSION_HEX >= 0x030C0000
	return PyErr_GetRaisedException();
#else
	PyObject *t, *v, *tb;

	PyErr_Fetch(&t, &v, &tb);
	if (!t)
		return NULL;
	PyErr_NormalizeException(&t, &v, &tb);
	if (tb && v)
		PyException_SetTraceback(v, tb);
	Py_XDECREF(t);
	Py_XDECREF(tb);
	return v;
#endif
}

static void hvpy_exc_give(PyObject *exc)
{
#if PY_VERSION_HEX >= 0x030C0000
	PyErr_SetRaisedException(exc);
#else
	if (!exc)
		return;
	Py_INCREF(Py_TYPE(exc));
	PyErr_Restore((PyObject *)Py_TYPE(exc), exc, PyException_GetTraceback(exc));
#endif
}

static PyObject *hvpy_error_factory;

/* Called (without the GIL) before each call into libhv. */
static void hvpy_call_begin(void)
{
	hvpy_tls.err[0] = '\0';
}

/* Keeps the exception a callback raised, to re-raise after the call. */
static void hvpy_stash_exception(void)
{
	PyObject *exc = hvpy_exc_take();

	if (hvpy_tls.exc)		/* keep the first one */
		Py_XDECREF(exc);
	else
		hvpy_tls.exc = exc;
}

/* Raises HV_ERROR_* @rc with the message the context logged. */
static void hvpy_raise(int rc)
{
	const char *msg = hvpy_tls.err[0] ? hvpy_tls.err : hv_strerror(rc);
	PyObject *exc;

	if (!hvpy_error_factory) {
		PyErr_Format(PyExc_RuntimeError, "libhv error %d: %s", rc, msg);
		return;
	}
	exc = PyObject_CallFunction(hvpy_error_factory, "is", rc, msg);
	if (!exc)
		return;
	PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
	Py_DECREF(exc);
}

/*
 * After a call that returned @rc: raises the exception a callback raised,
 * if any (whatever @rc is: the caller asked for it), else the error @rc
 * names.  Returns -1 with an exception set, or 0.
 */
/* Raises what a callback raised: -1, or 0 if there was nothing. */
static int hvpy_reraise(void)
{
	if (!hvpy_tls.exc)
		return 0;
	hvpy_exc_give(hvpy_tls.exc);
	hvpy_tls.exc = NULL;
	return -1;
}

static int hvpy_check(int rc)
{
	if (hvpy_tls.exc && rc < 0)
		return hvpy_reraise();
	if (hvpy_tls.exc) {
		/*
		 * The progress callback raised, but the operation ended before
		 * the cancel reached it: it stands (a save has ended the domain
		 * and its image is whole, a restore made a domain).  Raising
		 * would tell the caller it failed, and lose the image or the
		 * domain: a warning says what happened instead.
		 */
		PyObject *exc = hvpy_tls.exc;
		int w;

		hvpy_tls.exc = NULL;
		w = PyErr_WarnFormat(PyExc_RuntimeWarning, 1, "the operation was complete "
				     "before the cancel its progress callback asked for "
				     "(by raising %R) reached it: it stands", exc);
		Py_DECREF(exc);
		if (w < 0)
			return -1;
	}
	if (rc >= 0)
		return 0;
	hvpy_raise(rc);
	return -1;
}

static void hvpy_set_error_factory(PyObject *factory)
{
	Py_XINCREF(factory == Py_None ? NULL : factory);
	Py_XDECREF(hvpy_error_factory);
	hvpy_error_factory = factory == Py_None ? NULL : factory;
}

/* ---- logger ---- */

/* One per context that has ever had a logger; found by its context. */
struct hvpy_logger {
	hv_ctx *ctx;
	PyObject *fn;			/* NULL: only keep the last error */
	struct hvpy_logger *next;
};
static pthread_mutex_t hvpy_loggers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hvpy_logger *hvpy_loggers;

static void hvpy_log(void *opaque, enum hv_log_level level, const char *fmt,
		     va_list ap)
{
	struct hvpy_logger *lg = opaque;
	char buf[HVPY_ERR_MAX];
	PyGILState_STATE gil;
	PyObject *saved, *msg, *r;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (level == HV_LOG_ERROR)
		memcpy(hvpy_tls.err, buf, sizeof(buf));
	if (!lg || !lg->fn || !Py_IsInitialized())
		return;
	gil = PyGILState_Ensure();
	saved = hvpy_exc_take();
	msg = PyUnicode_DecodeUTF8(buf, (Py_ssize_t)strlen(buf), "replace");
	r = msg ? PyObject_CallFunction(lg->fn, "iO", (int)level, msg) : NULL;
	if (!r)
		PyErr_WriteUnraisable(lg->fn);
	Py_XDECREF(r);
	Py_XDECREF(msg);
	if (saved)
		hvpy_exc_give(saved);
	PyGILState_Release(gil);
}

/* Unlinks @ctx's logger record and returns it (NULL: none). */
static struct hvpy_logger *hvpy_logger_unlink(hv_ctx *ctx)
{
	struct hvpy_logger **p, *lg = NULL;

	pthread_mutex_lock(&hvpy_loggers_lock);
	for (p = &hvpy_loggers; *p; p = &(*p)->next)
		if ((*p)->ctx == ctx) {
			lg = *p;
			*p = lg->next;
			break;
		}
	pthread_mutex_unlock(&hvpy_loggers_lock);
	return lg;
}

static void hvpy_logger_free(struct hvpy_logger *lg)
{
	if (!lg)
		return;
	Py_XDECREF(lg->fn);
	free(lg);
}

/*
 * hv_ctx_set_logger(ctx, fn, max_level): @fn(level, message) for messages
 * at or below @max_level, from any thread (with the GIL taken); None drops
 * them.  Errors are always kept for the exceptions' messages.
 */
static int hvpy_ctx_set_logger(hv_ctx *ctx, PyObject *fn, int max_level)
{
	struct hvpy_logger *lg, *old;

	if (fn != Py_None && !PyCallable_Check(fn)) {
		PyErr_SetString(PyExc_TypeError, "logger must be callable or None");
		return -1;
	}
	lg = calloc(1, sizeof(*lg));
	if (!lg) {
		PyErr_NoMemory();
		return -1;
	}
	lg->ctx = ctx;
	if (fn != Py_None) {
		Py_INCREF(fn);
		lg->fn = fn;
	}
	old = hvpy_logger_unlink(ctx);
	/* Waits for loggers running in other threads, which need the GIL. */
	Py_BEGIN_ALLOW_THREADS
	hv_ctx_set_logger(ctx, hvpy_log, lg,
			  fn == Py_None ? HV_LOG_ERROR : (enum hv_log_level)max_level);
	Py_END_ALLOW_THREADS
	pthread_mutex_lock(&hvpy_loggers_lock);
	lg->next = hvpy_loggers;
	hvpy_loggers = lg;
	pthread_mutex_unlock(&hvpy_loggers_lock);
	hvpy_logger_free(old);
	return 0;
}

/* hv_ctx_new(): a new context that keeps its errors for the exceptions. */
static int hvpy_ctx_new(hv_ctx **ctx_r)
{
	int rc;

	rc = hv_ctx_new(ctx_r);
	if (rc < 0)
		return rc;
	if (hvpy_ctx_set_logger(*ctx_r, Py_None, HV_LOG_ERROR) < 0) {
		PyErr_Clear();
		hv_ctx_free(*ctx_r);
		*ctx_r = NULL;
		return HV_ERROR_NOMEM;
	}
	return 0;
}

/* hv_ctx_free(ctx): frees @ctx and its logger. */
static void hvpy_ctx_free(hv_ctx *ctx)
{
	Py_BEGIN_ALLOW_THREADS
	hv_ctx_free(ctx);
	Py_END_ALLOW_THREADS
	hvpy_logger_free(hvpy_logger_unlink(ctx));
}

/* ---- progress ---- */

struct hvpy_progress {
	hv_progress p;
	PyObject *fn;
};

static int hvpy_progress_cb(void *opaque, uint64_t done, uint64_t total)
{
	struct hvpy_progress *pg = opaque;
	PyGILState_STATE gil = PyGILState_Ensure();
	PyObject *r;
	int stop = 0;

	r = PyObject_CallFunction(pg->fn, "KK", (unsigned long long)done,
				  (unsigned long long)total);
	if (r)
		Py_DECREF(r);
	else {
		hvpy_stash_exception();
		stop = 1;
	}
	PyGILState_Release(gil);
	return stop;
}

/*
 * For the tests: calls @progress as libhv calls it during a save (in this
 * thread, without the GIL), so that the callback's path can be checked
 * where no domain runs.  Returns non-zero if it asked to cancel.
 */
static int hvpy_progress_selftest(const hv_progress *progress, uint64_t done,
				  uint64_t total)
{
	return progress ? progress->fn(progress->opaque, done, total) : 0;
}

/* ---- result structures as dicts ---- */

static int hvpy_set(PyObject *d, const char *key, PyObject *v)
{
	int r;

	if (!v)
		return -1;
	r = PyDict_SetItemString(d, key, v);
	Py_DECREF(v);
	return r;
}

#define HVPY_U(d, s, m) hvpy_set(d, #m, PyLong_FromUnsignedLongLong((unsigned long long)(s)->m))
#define HVPY_I(d, s, m) hvpy_set(d, #m, PyLong_FromLongLong((long long)(s)->m))
#define HVPY_S(d, s, m) hvpy_set(d, #m, PyUnicode_DecodeUTF8((s)->m, (Py_ssize_t)strnlen((s)->m, sizeof((s)->m)), "replace"))
#define HVPY_B(d, s, m) hvpy_set(d, #m, PyBytes_FromStringAndSize((const char *)(s)->m, sizeof((s)->m)))

static PyObject *hvpy_dominfo_dict(const hv_dominfo *i)
{
	PyObject *d = PyDict_New();

	if (!d)
		return NULL;
	if (HVPY_U(d, i, domid) || HVPY_I(d, i, state) || HVPY_S(d, i, name) ||
	    HVPY_B(d, i, uuid) || HVPY_U(d, i, vcpus) || HVPY_U(d, i, maxvcpus) ||
	    HVPY_U(d, i, memory_mib) || HVPY_U(d, i, maxmem_mib) ||
	    HVPY_U(d, i, cpu_time_ns) || HVPY_I(d, i, start_time) ||
	    HVPY_I(d, i, shutdown_code) || HVPY_I(d, i, vmm_pid) ||
	    HVPY_I(d, i, on_poweroff) || HVPY_I(d, i, on_reboot) ||
	    HVPY_I(d, i, on_crash) || HVPY_U(d, i, current_mib) ||
	    HVPY_U(d, i, mem_flags) || HVPY_U(d, i, flags)) {
		Py_DECREF(d);
		return NULL;
	}
	return d;
}

/*
 * vifs is a list of nr_vifs dicts, from the guest's point of view; disks
 * one of nr_disks dicts, in the domain's order, empty when the libhv that
 * filled the structure is older than 1.9 (its struct_size has no room for
 * disks[]).
 */
static PyObject *hvpy_migrate_stats_dict(const hv_migrate_stats *s);

static PyObject *hvpy_domstats_dict(const hv_domstats *i)
{
	PyObject *d = PyDict_New();
	PyObject *vifs, *disks;
	unsigned int n;

	if (!d)
		return NULL;
	if (HVPY_U(d, i, domid) || HVPY_I(d, i, state) || HVPY_S(d, i, name) ||
	    HVPY_B(d, i, uuid) || HVPY_U(d, i, valid) || HVPY_U(d, i, sample_time_ns) ||
	    HVPY_I(d, i, start_time) || HVPY_U(d, i, uptime_ns) || HVPY_U(d, i, cpu_ns) ||
	    HVPY_U(d, i, vcpu_ns) || HVPY_U(d, i, mem_current_bytes) ||
	    HVPY_U(d, i, mem_peak_bytes) || HVPY_U(d, i, memory_mib) ||
	    HVPY_U(d, i, maxmem_mib) || HVPY_U(d, i, vcpus) || HVPY_U(d, i, nr_disks))
		goto fail;
	vifs = PyList_New(0);
	if (!vifs || hvpy_set(d, "vifs", vifs))
		goto fail;
	for (n = 0; n < i->nr_vifs && n < HV_DOMAIN_MAX_VIFS; n++) {
		const hv_vifstats *v = &i->vifs[n];
		PyObject *vd = PyDict_New();

		if (!vd)
			goto fail;
		if (HVPY_U(vd, v, devid) || hvpy_set(vd, "valid", PyBool_FromLong(v->valid)) ||
		    HVPY_U(vd, v, rx_bytes) || HVPY_U(vd, v, rx_packets) ||
		    HVPY_U(vd, v, tx_bytes) || HVPY_U(vd, v, tx_packets) ||
		    PyList_Append(vifs, vd)) {
			Py_DECREF(vd);
			goto fail;
		}
		Py_DECREF(vd);
	}
	disks = PyList_New(0);
	if (!disks || hvpy_set(d, "disks", disks))
		goto fail;
	for (n = 0; i->struct_size >= offsetof(hv_domstats, disks) + sizeof(i->disks) &&
	     n < i->nr_disks && n < HV_DOMAIN_MAX_DISKS; n++) {
		const hv_vbdstats *k = &i->disks[n];
		PyObject *kd = PyDict_New();

		if (!kd)
			goto fail;
		if (HVPY_S(kd, k, vdev) || hvpy_set(kd, "valid", PyBool_FromLong(k->valid)) ||
		    HVPY_U(kd, k, rd_reqs) || HVPY_U(kd, k, rd_bytes) ||
		    HVPY_U(kd, k, wr_reqs) || HVPY_U(kd, k, wr_bytes) ||
		    HVPY_U(kd, k, flush_reqs) || HVPY_U(kd, k, discard_reqs) ||
		    HVPY_U(kd, k, err_reqs) || HVPY_U(kd, k, throttled_reqs) ||
		    PyList_Append(disks, kd)) {
			Py_DECREF(kd);
			goto fail;
		}
		Py_DECREF(kd);
	}
	/* libhv 1.14: the migration that brought it here, or None */
	if (i->struct_size >= offsetof(hv_domstats, migration) + sizeof(i->migration) &&
	    (i->valid & HV_STATS_MIGRATION)) {
		if (hvpy_set(d, "migration", hvpy_migrate_stats_dict(&i->migration)))
			goto fail;
	} else {
		Py_INCREF(Py_None);
		if (hvpy_set(d, "migration", Py_None))
			goto fail;
	}
	return d;
fail:
	Py_DECREF(d);
	return NULL;
}

/*
 * For the tests: the dict hv_domain_stats() gives for a sample made up
 * here, so that reading vifs[] and disks[] can be checked where no domain
 * runs.  Three disks (one with counters, an empty CD-ROM drive, one whose
 * vdev fills its field but for the NUL) and one vif; disks[3] is filled
 * too, past nr_disks, and must not show.  @old: struct_size is that of a
 * libhv before 1.9, which has no disks[].
 */
static PyObject *hvpy_domstats_selftest(int old)
{
	hv_domstats *s = calloc(1, sizeof(*s));
	PyObject *d;

	if (!s)
		return PyErr_NoMemory();
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
	d = hvpy_domstats_dict(s);
	free(s);
	return d;
}

static PyObject *hvpy_physinfo_dict(const hv_physinfo *i)
{
	PyObject *d = PyDict_New();

	if (!d)
		return NULL;
	if (HVPY_U(d, i, nr_cpus) || HVPY_U(d, i, nr_domains) ||
	    HVPY_U(d, i, total_mib) || HVPY_U(d, i, free_mib) ||
	    HVPY_U(d, i, domains_mib) || HVPY_U(d, i, max_vcpus) ||
	    HVPY_I(d, i, hvd_pid) || HVPY_S(d, i, version)) {
		Py_DECREF(d);
		return NULL;
	}
	return d;
}

/* stats is a list of HV_BALLOON_STATS ints, stats_valid says which hold one. */
static PyObject *hvpy_meminfo_dict(const hv_meminfo *i)
{
	PyObject *d = PyDict_New();
	PyObject *stats;
	size_t n;

	if (!d)
		return NULL;
	stats = PyList_New(HV_BALLOON_STATS);
	if (!stats || hvpy_set(d, "stats", stats))
		goto fail;
	for (n = 0; n < HV_BALLOON_STATS; n++) {
		PyObject *v = PyLong_FromUnsignedLongLong((unsigned long long)i->stats[n]);

		if (!v)
			goto fail;
		PyList_SET_ITEM(stats, (Py_ssize_t)n, v);
	}
	if (HVPY_U(d, i, ram_kib) || HVPY_U(d, i, target_kib) ||
	    HVPY_U(d, i, current_kib) || HVPY_U(d, i, max_kib) ||
	    HVPY_U(d, i, allocated_kib) || HVPY_U(d, i, cgroup_limit_kib) ||
	    HVPY_U(d, i, cgroup_usage_kib) || HVPY_U(d, i, stats_valid) ||
	    HVPY_U(d, i, stats_age_ms) || HVPY_U(d, i, features) ||
	    HVPY_U(d, i, mem_flags))
		goto fail;
	return d;
fail:
	Py_DECREF(d);
	return NULL;
}

static PyObject *hvpy_event_dict(const hv_event *e)
{
	PyObject *d = PyDict_New();

	if (!d)
		return NULL;
	if (HVPY_I(d, e, type) || HVPY_U(d, e, domid) || HVPY_I(d, e, code) ||
	    HVPY_S(d, e, name)) {
		Py_DECREF(d);
		return NULL;
	}
	return d;
}

/* ---- migration ---- */

/*
 * A migration's progress callback: @fn is called with a dict of
 * hv_migrate_progress's members.  A true return cancels, as in C; so does
 * an exception, which is re-raised from the call.  Once it has asked to
 * cancel, it is not called again.
 */
struct hvpy_migrate_progress {
	PyObject *fn;
	int stop;
};

static PyObject *hvpy_migrate_progress_dict(const hv_migrate_progress *p)
{
	PyObject *d = PyDict_New();

	if (!d)
		return NULL;
	if (HVPY_I(d, p, phase) || HVPY_U(d, p, round) || HVPY_U(d, p, sent_bytes) ||
	    HVPY_U(d, p, remaining_bytes) || HVPY_U(d, p, memory_bytes) ||
	    HVPY_U(d, p, dirty_rate) || HVPY_U(d, p, bandwidth) ||
	    HVPY_U(d, p, expected_downtime_ns) || HVPY_U(d, p, elapsed_ns)) {
		Py_DECREF(d);
		return NULL;
	}
	return d;
}

static int hvpy_migrate_progress_cb(void *opaque, const hv_migrate_progress *p)
{
	struct hvpy_migrate_progress *mp = opaque;
	PyGILState_STATE gil;
	PyObject *d, *r = NULL;
	int truth;

	if (mp->stop)
		return 1;
	gil = PyGILState_Ensure();
	d = hvpy_migrate_progress_dict(p);
	if (d)
		r = PyObject_CallFunctionObjArgs(mp->fn, d, NULL);
	Py_XDECREF(d);
	truth = r ? PyObject_IsTrue(r) : -1;
	Py_XDECREF(r);
	if (truth < 0) {
		hvpy_stash_exception();
		truth = 1;
	}
	mp->stop = truth;
	PyGILState_Release(gil);
	return truth;
}

static PyObject *hvpy_migrate_stats_dict(const hv_migrate_stats *s)
{
	PyObject *d = PyDict_New();

	if (!d)
		return NULL;
	if (HVPY_B(d, s, id) || HVPY_U(d, s, total_ns) || HVPY_U(d, s, setup_ns) ||
	    HVPY_U(d, s, downtime_ns) || HVPY_U(d, s, pause_ns) ||
	    HVPY_U(d, s, last_pages_ns) || HVPY_U(d, s, state_ns) ||
	    HVPY_U(d, s, restore_ns) || HVPY_U(d, s, resume_ns) ||
	    HVPY_U(d, s, expected_downtime_ns) || HVPY_U(d, s, bytes) ||
	    HVPY_U(d, s, pages) || HVPY_U(d, s, zero_pages) || HVPY_U(d, s, rounds) ||
	    HVPY_U(d, s, last_pages) || HVPY_U(d, s, bandwidth) ||
	    HVPY_U(d, s, dirty_rate) || HVPY_U(d, s, go_sent)) {
		Py_DECREF(d);
		return NULL;
	}
	return d;
}

/*
 * For the tests: the dict hv_domain_migrate_send() gives for statistics
 * made up here (each member a different value, some past 32 bits), so
 * that reading them can be checked where no domain runs.
 */
static PyObject *hvpy_migrate_stats_selftest(void)
{
	hv_migrate_stats s;

	hv_migrate_stats_init(&s);
	for (int i = 0; i < 16; i++)
		s.id[i] = (uint8_t)(0xa0 + i);
	s.total_ns = UINT64_C(1) << 40;
	s.setup_ns = 2;
	s.downtime_ns = 3;
	s.pause_ns = 4;
	s.last_pages_ns = 5;
	s.state_ns = 6;
	s.restore_ns = 7;
	s.resume_ns = 8;
	s.expected_downtime_ns = 9;
	s.bytes = UINT64_C(10) << 32;
	s.pages = 11;
	s.zero_pages = 12;
	s.rounds = 13;
	s.last_pages = 14;
	s.bandwidth = 15;
	s.dirty_rate = 16;
	s.go_sent = 1;
	return hvpy_migrate_stats_dict(&s);
}

/* A dict's unsigned member @key (absent or None: 0), at most @max. */
static int hvpy_dict_uint(PyObject *dict, const char *key, unsigned long long max,
			  unsigned long long *out)
{
	PyObject *v = PyDict_GetItemString(dict, key);
	unsigned long long n;

	*out = 0;
	if (!v || v == Py_None)
		return 0;
	n = PyLong_AsUnsignedLongLong(v);
	if (PyErr_Occurred())
		return -1;
	if (n > max) {
		PyErr_Format(PyExc_OverflowError, "params[\"%s\"] is more than %llu", key, max);
		return -1;
	}
	*out = n;
	return 0;
}

/*
 * For the tests: calls @progress as hv_domain_migrate_send() calls it (in
 * this thread, without the GIL) with a made-up report of round 3 of a
 * 64 MiB guest's migration, so that the callback's path can be checked
 * where no domain runs.  Returns non-zero if it asked to cancel.
 */
static int hvpy_migrate_progress_selftest(hv_migrate_progress_fn progress, void *opaque)
{
	hv_migrate_progress p = {
		.struct_size = sizeof(p), .phase = HV_MIGRATE_PHASE_ROUNDS, .round = 3,
		.sent_bytes = 70 << 20, .remaining_bytes = 1 << 20,
		.memory_bytes = 64 << 20, .dirty_rate = 4 << 20,
		.bandwidth = UINT64_C(1) << 33, .expected_downtime_ns = 250000,
		.elapsed_ns = UINT64_C(1500000000),
	};

	return progress ? progress(opaque, &p) : 0;
}

/*
 * A sealed image's or migration's key (libhv 1.13) from @o, a bytes-like
 * object of HV_SEAL_KEY_SIZE bytes (what hv_seal_key_read() gives Python):
 * 0, or -1 with TypeError or ValueError set.  The caller wipes *key.
 */
static int hvpy_key_in(PyObject *o, hv_seal_key *key, const char *what)
{
	Py_buffer b;

	if (PyObject_GetBuffer(o, &b, PyBUF_SIMPLE) < 0) {
		PyErr_Format(PyExc_TypeError, "%s must be a key (the bytes hv_seal_key_read() gives) or None",
			     what);
		return -1;
	}
	if (b.len != HV_SEAL_KEY_SIZE) {
		PyBuffer_Release(&b);
		PyErr_Format(PyExc_ValueError, "%s must be %d bytes (hv_seal_key_read() gives them)",
			     what, HV_SEAL_KEY_SIZE);
		return -1;
	}
	memcpy(key->bytes, b.buf, HV_SEAL_KEY_SIZE);
	PyBuffer_Release(&b);
	return 0;
}

/*
 * hv_domain_save_sealed() with its configuration by another name, which
 * may be None (the stored one), unlike every other cfg argument.
 */
static int hvpy_domain_save_sealed(hv_ctx *ctx, uint32_t domid, int fd,
				   const hv_domain_config *config_or_none, unsigned int flags,
				   const hv_seal_key *key, const hv_progress *progress)
{
	return hv_domain_save_sealed(ctx, domid, fd, config_or_none, flags, key, progress);
}

/* A malloc()ed string from libhv as str (None for NULL), freed. */
static PyObject *hvpy_take_string(char *s)
{
	PyObject *o;

	if (!s)
		Py_RETURN_NONE;
	o = PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "replace");
	free(s);
	return o;
}
%}

/* Every call into libhv forgets the previous call's error first. */
%exception {
	hvpy_call_begin();
	$action
}

/* ---- what is replaced, or done by the typemaps ---- */
%ignore hv_ctx_new;
%ignore hv_ctx_free;
%ignore hv_ctx_set_logger;
%ignore hv_logger_fn;
%ignore hv_domain_config_init_sized;
%ignore hv_domain_config_dispose;
%ignore hv_dominfo_init_sized;
%ignore hv_physinfo_init_sized;
%ignore hv_progress_init_sized;
%ignore hv_restore_params_init_sized;
%ignore hv_migrate_params_init_sized;
%ignore hv_migrate_stats_init_sized;
%ignore hv_event_init_sized;
%ignore hv_meminfo_init_sized;
%ignore hv_dominfo_list_free;
%ignore hv_domstats_free;
%ignore hv_domstats_list_free;
%ignore hv_domstats;
%ignore hv_vifstats;
%ignore hv_vbdstats;
%ignore hv_dominfo;
%ignore hv_physinfo;
%ignore hv_event;
%ignore hv_meminfo;
%ignore hv_progress;
%ignore hv_restore_params;
%ignore hv_migrate_params;
%ignore hv_migrate_progress;
%ignore hv_migrate_progress_fn;
%ignore hv_migrate_stats;
%ignore hv_config_read_settings;
%ignore hv_seal_key;
%ignore hv_seal_key_wipe;
%ignore hv_domain_save_sealed;
%ignore hv_config_setting;
%ignore hv_config_setting_fn;

%rename(hv_ctx_new) hvpy_ctx_new;
%rename(hv_ctx_free) hvpy_ctx_free;
%rename(hv_ctx_set_logger) hvpy_ctx_set_logger;
%rename(hv_domain_save_sealed) hvpy_domain_save_sealed;
%nothread hvpy_ctx_new;
%nothread hvpy_ctx_free;
%nothread hvpy_ctx_set_logger;
%nothread hvpy_set_error_factory;
%nothread hv_strerror;
%nothread hv_version;

/* ---- return codes ---- */
%define HVPY_RC(fn)
%typemap(out) int fn {
	if (hvpy_check($1))
		SWIG_fail;
	$result = SWIG_Py_Void();
}
%enddef
HVPY_RC(hvpy_ctx_new)
HVPY_RC(hv_domain_config_copy)
HVPY_RC(hv_domain_config_kernel_cmdline)
HVPY_RC(hv_disk_spec_new)
HVPY_RC(hv_disk_spec_parse)
HVPY_RC(hv_vif_spec_new)
HVPY_RC(hv_vif_spec_parse)
HVPY_RC(hv_domain_config_add_disk)
HVPY_RC(hv_domain_config_add_vif)
HVPY_RC(hv_config_parse_xl_file)
HVPY_RC(hv_config_parse_xl_buffer)
HVPY_RC(hv_config_set)
HVPY_RC(hv_config_validate)
HVPY_RC(hv_config_to_json)
HVPY_RC(hv_config_from_json)
HVPY_RC(hv_domain_config_from_xml)
HVPY_RC(hv_domain_config_from_xml_file)
HVPY_RC(hv_domain_config_to_xml)
HVPY_RC(hv_domain_create)
HVPY_RC(hv_domain_destroy)
HVPY_RC(hv_domain_shutdown)
HVPY_RC(hv_domain_reboot)
HVPY_RC(hv_domain_pause)
HVPY_RC(hv_domain_unpause)
HVPY_RC(hv_domain_rename)
HVPY_RC(hv_domain_info)
HVPY_RC(hv_domain_list)
HVPY_RC(hv_domain_lookup)
HVPY_RC(hv_domain_console)
HVPY_RC(hv_physinfo_get)
HVPY_RC(hv_domain_config_get)
HVPY_RC(hv_domain_config_update)
HVPY_RC(hv_domain_save)
HVPY_RC(hv_domain_save_config)
HVPY_RC(hvpy_domain_save_sealed)
HVPY_RC(hv_seal_key_read)
HVPY_RC(hv_seal_key_from_bytes)
HVPY_RC(hv_domain_restore)
HVPY_RC(hv_domain_migrate_send)
HVPY_RC(hv_domain_migrate_receive)
HVPY_RC(hv_domain_disk_attach)
HVPY_RC(hv_domain_disk_detach)
HVPY_RC(hv_domain_set_memory_target)
HVPY_RC(hv_domain_set_memory_max)
HVPY_RC(hv_domain_meminfo)
HVPY_RC(hv_domain_nic_attach)
HVPY_RC(hv_domain_nic_detach)
HVPY_RC(hv_domain_trigger)
HVPY_RC(hv_hvd_log_read)
HVPY_RC(hv_domain_stats)
HVPY_RC(hv_domain_stats_all)
HVPY_RC(hv_domain_vcpu_list)
HVPY_RC(hv_domain_vcpu_pin)
HVPY_RC(hv_domain_sched_get)
HVPY_RC(hv_domain_sched_set)
HVPY_RC(hv_event_fd)
HVPY_RC(hv_event_next)
HVPY_RC(hv_event_wait)

/* True if the callback asked to cancel; its exception is raised. */
%typemap(out) int hvpy_progress_selftest, int hvpy_migrate_progress_selftest {
	if (hvpy_reraise())
		SWIG_fail;
	$result = PyBool_FromLong($1);
}

/* hvpy_ctx_set_logger has raised already when it returns -1. */
%typemap(out) int hvpy_ctx_set_logger {
	if ($1 < 0)
		SWIG_fail;
	$result = SWIG_Py_Void();
}

/* ---- arguments that must not be None ---- */
%typemap(check) hv_ctx *ctx, hv_domain_config *cfg, const hv_domain_config *cfg,
	hv_domain_config *dst, const hv_domain_config *src {
	if (!$1)
		SWIG_exception_fail(SWIG_ValueError, "$1_name must not be None");
}

/* ---- out-parameters ---- */
%typemap(in, numinputs=0) hv_ctx **ctx_r (hv_ctx *tmp = NULL) { $1 = &tmp; }
%typemap(argout) hv_ctx **ctx_r {
	$result = SWIG_Python_AppendOutput($result,
		SWIG_NewPointerObj(*$1, $*1_descriptor, 0));
}

%typemap(in, numinputs=0) uint32_t *domid_r (uint32_t tmp = HV_DOMID_INVALID) { $1 = &tmp; }
%typemap(argout) uint32_t *domid_r {
	$result = SWIG_Python_AppendOutput($result, PyLong_FromUnsignedLong(*$1));
}

%typemap(in, numinputs=0) int *fd_r (int tmp = -1) { $1 = &tmp; }
%typemap(argout) int *fd_r {
	$result = SWIG_Python_AppendOutput($result, PyLong_FromLong(*$1));
}

%typemap(in, numinputs=0) char **json_r (char *tmp = NULL), char **cmdline_r (char *tmp = NULL),
	char **text_r (char *tmp = NULL), char **xml_r (char *tmp = NULL) {
	$1 = &tmp;
}
%typemap(argout) char **json_r, char **cmdline_r, char **text_r, char **xml_r {
	PyObject *s = hvpy_take_string(*$1);

	*$1 = NULL;
	if (!s)
		SWIG_fail;
	$result = SWIG_Python_AppendOutput($result, s);
}
%typemap(freearg) char **json_r, char **cmdline_r, char **text_r, char **xml_r { free(*$1); }
/* hv_hvd_log_read(): the text is a str, whose length Python knows */
%typemap(in, numinputs=0) size_t *len_r (size_t tmp = 0) { $1 = &tmp; }

/* Specs belong to libhv: the Python object does not free them. */
%typemap(in, numinputs=0) hv_disk_spec **disk_r (hv_disk_spec *tmp = NULL) { $1 = &tmp; }
%typemap(argout) hv_disk_spec **disk_r {
	$result = SWIG_Python_AppendOutput($result,
		SWIG_NewPointerObj(*$1, $*1_descriptor, 0));
}
%typemap(in, numinputs=0) hv_vif_spec **vif_r (hv_vif_spec *tmp = NULL) { $1 = &tmp; }
%typemap(argout) hv_vif_spec **vif_r {
	$result = SWIG_Python_AppendOutput($result,
		SWIG_NewPointerObj(*$1, $*1_descriptor, 0));
}

%typemap(in, numinputs=0) hv_dominfo *info_r (hv_dominfo tmp) {
	hv_dominfo_init(&tmp);
	$1 = &tmp;
}
%typemap(argout) hv_dominfo *info_r {
	PyObject *d = hvpy_dominfo_dict($1);

	if (!d)
		SWIG_fail;
	$result = SWIG_Python_AppendOutput($result, d);
}

%typemap(in, numinputs=0) hv_physinfo *info_r (hv_physinfo tmp) {
	hv_physinfo_init(&tmp);
	$1 = &tmp;
}
%typemap(argout) hv_physinfo *info_r {
	PyObject *d = hvpy_physinfo_dict($1);

	if (!d)
		SWIG_fail;
	$result = SWIG_Python_AppendOutput($result, d);
}

%typemap(in, numinputs=0) hv_meminfo *info_r (hv_meminfo tmp) {
	hv_meminfo_init(&tmp);
	$1 = &tmp;
}
%typemap(argout) hv_meminfo *info_r {
	PyObject *d = hvpy_meminfo_dict($1);

	if (!d)
		SWIG_fail;
	$result = SWIG_Python_AppendOutput($result, d);
}

%typemap(in, numinputs=0) hv_event *ev_r (hv_event tmp) {
	hv_event_init(&tmp);
	$1 = &tmp;
}
%typemap(argout) hv_event *ev_r {
	PyObject *d = hvpy_event_dict($1);

	if (!d)
		SWIG_fail;
	$result = SWIG_Python_AppendOutput($result, d);
}

/* hv_domain_list(ctx) -> [dict, ...], freed with hv_dominfo_list_free(). */
%typemap(in, numinputs=0) (hv_dominfo ***list_r, size_t *nr_r)
	(hv_dominfo **list = NULL, size_t nr = 0) {
	$1 = &list;
	$2 = &nr;
}
%typemap(argout) (hv_dominfo ***list_r, size_t *nr_r) {
	PyObject *l = PyList_New((Py_ssize_t)*$2);
	size_t i;

	if (!l)
		SWIG_fail;
	for (i = 0; i < *$2; i++) {
		PyObject *d = hvpy_dominfo_dict((*$1)[i]);

		if (!d) {
			Py_DECREF(l);
			SWIG_fail;
		}
		PyList_SET_ITEM(l, (Py_ssize_t)i, d);
	}
	$result = SWIG_Python_AppendOutput($result, l);
}
%typemap(freearg) (hv_dominfo ***list_r, size_t *nr_r) {
	hv_dominfo_list_free(*$1, *$2);
	*$1 = NULL;
	*$2 = 0;
}

/* hv_domain_stats(ctx, domid) -> dict, freed with hv_domstats_free(). */
%typemap(in, numinputs=0) hv_domstats **stats_r (hv_domstats *tmp = NULL) { $1 = &tmp; }
%typemap(argout) hv_domstats **stats_r {
	PyObject *d;

	if (!*$1)
		SWIG_fail;
	d = hvpy_domstats_dict(*$1);
	if (!d)
		SWIG_fail;
	$result = SWIG_Python_AppendOutput($result, d);
}
%typemap(freearg) hv_domstats **stats_r {
	hv_domstats_free(*$1);
	*$1 = NULL;
}

/* hv_domain_vcpu_list(ctx, domid) -> ([dict, ...], host_cpus), the array freed with free(). */
%typemap(in, numinputs=0) (hv_vcpuinfo **list_r, size_t *nr_r, unsigned int *host_cpus_r)
	(hv_vcpuinfo *list = NULL, size_t nr = 0, unsigned int host = 0) {
	$1 = &list;
	$2 = &nr;
	$3 = &host;
}
%typemap(argout) (hv_vcpuinfo **list_r, size_t *nr_r, unsigned int *host_cpus_r) {
	PyObject *l = PyList_New((Py_ssize_t)*$2), *t;
	size_t i;

	if (!l)
		SWIG_fail;
	for (i = 0; i < *$2; i++) {
		const hv_vcpuinfo *v = &(*$1)[i];
		PyObject *d = PyDict_New();

		if (!d || HVPY_U(d, v, vcpu) || HVPY_U(d, v, cpu) ||
		    hvpy_set(d, "running", PyBool_FromLong(v->running)) ||
		    hvpy_set(d, "blocked", PyBool_FromLong(v->blocked)) ||
		    HVPY_U(d, v, cpu_time_ns) || HVPY_S(d, v, affinity)) {
			Py_XDECREF(d);
			Py_DECREF(l);
			SWIG_fail;
		}
		PyList_SET_ITEM(l, (Py_ssize_t)i, d);
	}
	t = Py_BuildValue("(NI)", l, *$3);
	if (!t)
		SWIG_fail;
	$result = SWIG_Python_AppendOutput($result, t);
}
%typemap(freearg) (hv_vcpuinfo **list_r, size_t *nr_r, unsigned int *host_cpus_r) {
	free(*$1);
	*$1 = NULL;
	*$2 = 0;
}

/* hv_domain_sched_get(ctx, domid) -> (weight, cap) */
%typemap(in, numinputs=0) (unsigned int *weight_r, unsigned int *cap_r)
	(unsigned int w = 0, unsigned int c = 0) {
	$1 = &w;
	$2 = &c;
}
%typemap(argout) (unsigned int *weight_r, unsigned int *cap_r) {
	PyObject *t = Py_BuildValue("(II)", *$1, *$2);

	if (!t)
		SWIG_fail;
	$result = SWIG_Python_AppendOutput($result, t);
}

/* hv_domain_stats_all(ctx) -> [dict, ...], freed with hv_domstats_list_free(). */
%typemap(in, numinputs=0) (hv_domstats ***list_r, size_t *nr_r)
	(hv_domstats **list = NULL, size_t nr = 0) {
	$1 = &list;
	$2 = &nr;
}
%typemap(argout) (hv_domstats ***list_r, size_t *nr_r) {
	PyObject *l = PyList_New((Py_ssize_t)*$2);
	size_t i;

	if (!l)
		SWIG_fail;
	for (i = 0; i < *$2; i++) {
		PyObject *d = hvpy_domstats_dict((*$1)[i]);

		if (!d) {
			Py_DECREF(l);
			SWIG_fail;
		}
		PyList_SET_ITEM(l, (Py_ssize_t)i, d);
	}
	$result = SWIG_Python_AppendOutput($result, l);
}
%typemap(freearg) (hv_domstats ***list_r, size_t *nr_r) {
	hv_domstats_list_free(*$1, *$2);
	*$1 = NULL;
	*$2 = 0;
}

/* ---- in-parameters ---- */
%apply (char *STRING, size_t LENGTH) { (const char *buf, size_t len) };
%apply (char *STRING, size_t LENGTH) { (const char *xml, size_t len) };

/* A callable(done, total), or None. */
%typemap(in) const hv_progress *progress (struct hvpy_progress pg) {
	if ($input == Py_None) {
		$1 = NULL;
	} else if (!PyCallable_Check($input)) {
		SWIG_exception_fail(SWIG_TypeError, "progress must be callable or None");
	} else {
		hv_progress_init(&pg.p);
		pg.p.fn = hvpy_progress_cb;
		pg.p.opaque = &pg;
		pg.fn = $input;
		$1 = &pg.p;
	}
}

/*
 * A sealed image's or migration's key: None, or the HV_SEAL_KEY_SIZE bytes
 * hv_seal_key_read() gives; the copy made here is wiped after the call.
 */
%typemap(in) const hv_seal_key *key (hv_seal_key k) {
	memset(&k, 0, sizeof(k));
	if ($input == Py_None)
		$1 = NULL;
	else if (hvpy_key_in($input, &k, "key"))
		SWIG_fail;
	else
		$1 = &k;
}
%typemap(freearg) const hv_seal_key *key {
	hv_seal_key_wipe(&k$argnum);
}

/* A key read or derived: returned as a bytearray, which the caller wipes. */
%typemap(in, numinputs=0) hv_seal_key *key_r (hv_seal_key k) {
	memset(&k, 0, sizeof(k));
	$1 = &k;
}
%typemap(argout) hv_seal_key *key_r {
	PyObject *b = PyByteArray_FromStringAndSize((const char *)$1->bytes, HV_SEAL_KEY_SIZE);

	if (!b)
		SWIG_fail;
	$result = SWIG_Python_AppendOutput($result, b);
}
%typemap(freearg) hv_seal_key *key_r {
	hv_seal_key_wipe(&k$argnum);
}

/* A key file's content, from any bytes-like object. */
%typemap(in) (const void *bytes, size_t len) (Py_buffer view, int have = 0) {
	if (PyObject_GetBuffer($input, &view, PyBUF_SIMPLE) < 0)
		SWIG_exception_fail(SWIG_TypeError, "the key material must be bytes-like");
	have = 1;
	$1 = view.buf;
	$2 = (size_t)view.len;
}
%typemap(freearg) (const void *bytes, size_t len) {
	if (have$argnum)
		PyBuffer_Release(&view$argnum);
}

/*
 * A dict {"config": hv_domain_config, "name": str, "flags": int, "key":
 * bytes}, every key optional, or None.
 */
%typemap(in) const hv_restore_params *overrides
	(hv_restore_params params, PyObject *pyname = NULL, PyObject *cfgobj = NULL,
	 hv_seal_key rkey) {
	if ($input == Py_None) {
		$1 = NULL;
	} else if (!PyDict_Check($input)) {
		SWIG_exception_fail(SWIG_TypeError, "overrides must be a dict or None");
	} else {
		PyObject *v;
		void *p = NULL;

		hv_restore_params_init(&params);
		memset(&rkey, 0, sizeof(rkey));
		if ((v = PyDict_GetItemString($input, "key")) && v != Py_None) {
			if (hvpy_key_in(v, &rkey, "overrides[\"key\"]"))
				SWIG_fail;
			params.key = &rkey;
		}
		if ((v = PyDict_GetItemString($input, "name")) && v != Py_None) {
			if (!PyUnicode_Check(v))
				SWIG_exception_fail(SWIG_TypeError, "overrides[\"name\"] must be a str");
			pyname = PyUnicode_AsUTF8String(v);
			if (!pyname)
				SWIG_fail;
			params.name = PyBytes_AS_STRING(pyname);
		}
		if ((v = PyDict_GetItemString($input, "flags")) && v != Py_None) {
			unsigned long f = PyLong_AsUnsignedLong(v);

			if (PyErr_Occurred())
				SWIG_fail;
			params.flags = (unsigned int)f;
		}
		if ((v = PyDict_GetItemString($input, "config")) && v != Py_None) {
			if (!SWIG_IsOK(SWIG_ConvertPtr(v, &p, SWIGTYPE_p_hv_domain_config, 0)))
				SWIG_exception_fail(SWIG_TypeError, "overrides[\"config\"] must be an hv_domain_config");
			Py_INCREF(v);
			cfgobj = v;
			params.config = p;
		}
		$1 = &params;
	}
}
%typemap(freearg) const hv_restore_params *overrides {
	Py_XDECREF(pyname$argnum);
	Py_XDECREF(cfgobj$argnum);
	hv_seal_key_wipe(&rkey$argnum);
}

/*
 * A migration's progress: a callable(dict) or None.  The dict holds
 * hv_migrate_progress's members; a true return cancels the migration, and
 * so does an exception, which the call raises again.
 */
%typemap(in) (hv_migrate_progress_fn progress, void *opaque) (struct hvpy_migrate_progress mp) {
	if ($input == Py_None) {
		$1 = NULL;
		$2 = NULL;
	} else if (!PyCallable_Check($input)) {
		SWIG_exception_fail(SWIG_TypeError, "progress must be callable or None");
	} else {
		mp.fn = $input;
		mp.stop = 0;
		$1 = hvpy_migrate_progress_cb;
		$2 = &mp;
	}
}

/*
 * A dict {"flags": int, "downtime_ms": int, "ceiling_ms": int, "bandwidth":
 * int, "timeout_ms": int, "config": hv_domain_config, "key": bytes}, every
 * key optional, or None.
 */
%typemap(in) const hv_migrate_params *params (hv_migrate_params mparams, PyObject *cfgobj = NULL,
					      hv_seal_key mkey) {
	if ($input == Py_None) {
		$1 = NULL;
	} else if (!PyDict_Check($input)) {
		SWIG_exception_fail(SWIG_TypeError, "params must be a dict or None");
	} else {
		unsigned long long n;
		PyObject *v;
		void *p = NULL;

		hv_migrate_params_init(&mparams);
		memset(&mkey, 0, sizeof(mkey));
		if ((v = PyDict_GetItemString($input, "key")) && v != Py_None) {
			if (hvpy_key_in(v, &mkey, "params[\"key\"]"))
				SWIG_fail;
			mparams.key = &mkey;
		}
		if (hvpy_dict_uint($input, "flags", UINT_MAX, &n))
			SWIG_fail;
		mparams.flags = (unsigned int)n;
		if (hvpy_dict_uint($input, "downtime_ms", UINT32_MAX, &n))
			SWIG_fail;
		mparams.downtime_ms = (uint32_t)n;
		if (hvpy_dict_uint($input, "ceiling_ms", UINT32_MAX, &n))
			SWIG_fail;
		mparams.ceiling_ms = (uint32_t)n;
		if (hvpy_dict_uint($input, "bandwidth", UINT64_MAX, &n))
			SWIG_fail;
		mparams.bandwidth = n;
		if (hvpy_dict_uint($input, "timeout_ms", UINT64_MAX, &n))
			SWIG_fail;
		mparams.timeout_ms = n;
		if ((v = PyDict_GetItemString($input, "config")) && v != Py_None) {
			if (!SWIG_IsOK(SWIG_ConvertPtr(v, &p, SWIGTYPE_p_hv_domain_config, 0)))
				SWIG_exception_fail(SWIG_TypeError, "params[\"config\"] must be an hv_domain_config");
			Py_INCREF(v);
			cfgobj = v;
			mparams.config = p;
		}
		$1 = &mparams;
	}
}
%typemap(freearg) const hv_migrate_params *params {
	Py_XDECREF(cfgobj$argnum);
	hv_seal_key_wipe(&mkey$argnum);
}

/* A migration's statistics: returned as a dict of hv_migrate_stats's members. */
%typemap(in, numinputs=0) hv_migrate_stats *stats (hv_migrate_stats tmp) {
	hv_migrate_stats_init(&tmp);
	$1 = &tmp;
}
%typemap(argout) hv_migrate_stats *stats {
	PyObject *d = hvpy_migrate_stats_dict($1);

	if (!d)
		SWIG_fail;
	$result = SWIG_Python_AppendOutput($result, d);
}

/* ---- the headers ---- */

/* Configuration structures: read-only views; libhv owns their strings. */
%immutable;
%nodefaultctor hv_disk_spec;
%nodefaultdtor hv_disk_spec;
%nodefaultctor hv_vif_spec;
%nodefaultdtor hv_vif_spec;
%nodefaultctor hv_domain_config;
%nodefaultdtor hv_domain_config;
%ignore hv_domain_config::struct_size;

%include <hv/error.h>
%include <hv/hv.h>
%include <hv/config.h>
%include <hv/domain.h>
%mutable;

/* A vif's MAC as text ("00:16:3e:01:02:03"), None while it has none. */
%extend hv_vif_spec {
	const char *mac_text() {
		static __thread char buf[18];
		const uint8_t *m = $self->mac;

		if (!$self->has_mac)
			return NULL;
		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
		return buf;
	}
}

/* hv_domain_config() is initialised; it is disposed of when collected. */
%extend hv_domain_config {
	hv_domain_config() {
		hv_domain_config *cfg = malloc(sizeof(*cfg));

		if (cfg)
			hv_domain_config_init(cfg);
		return cfg;
	}
	~hv_domain_config() {
		hv_domain_config_dispose($self);
		free($self);
	}
}

void hvpy_set_error_factory(PyObject *factory);
int hvpy_ctx_new(hv_ctx **ctx_r);
void hvpy_ctx_free(hv_ctx *ctx);
int hvpy_ctx_set_logger(hv_ctx *ctx, PyObject *fn, int max_level);
int hvpy_domain_save_sealed(hv_ctx *ctx, uint32_t domid, int fd,
			    const hv_domain_config *config_or_none, unsigned int flags,
			    const hv_seal_key *key, const hv_progress *progress);
%nothread hvpy_domstats_selftest;
%feature("docstring") hvpy_domstats_selftest "For the tests: the dict hv_domain_stats() gives for a sample made up in C\n(three disks, one vif); with old true, its struct_size is that of a libhv\nbefore 1.9, without disks[].";
PyObject *hvpy_domstats_selftest(int old);
%feature("docstring") hvpy_progress_selftest "For the tests: calls progress(done, total) through the C callback, as libhv does\nduring a save (without the GIL); True if it asked to cancel.  An exception it\nraises is raised again, as by hv_domain_save().";
int hvpy_progress_selftest(const hv_progress *progress, uint64_t done, uint64_t total);
%feature("docstring") hvpy_migrate_progress_selftest "For the tests: calls progress(dict) through the C callback, as\nhv_domain_migrate_send() does (without the GIL), with a made-up report of round 3\nof a 64 MiB guest's migration; True if it asked to cancel (a true return, or an\nexception, which is raised again).";
int hvpy_migrate_progress_selftest(hv_migrate_progress_fn progress, void *opaque);
%nothread hvpy_migrate_stats_selftest;
%feature("docstring") hvpy_migrate_stats_selftest "For the tests: the dict hv_domain_migrate_send() gives for statistics made up\nin C: id bytes 0xa0..0xaf, total_ns 2**40, bytes 10 * 2**32, every other member\nits place in hv_migrate_stats (setup_ns 2 ... dirty_rate 16).";
PyObject *hvpy_migrate_stats_selftest(void);
