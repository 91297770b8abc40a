/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hv_raw: the SWIG (-ocaml) layer of the OCaml binding.  It wraps every
 * function of the public headers as SWIG sees them, plus a few helpers
 * (hvml_*) for what SWIG cannot express: allocating the size-prefixed
 * structures, the logger (a va_list callback), progress callbacks into
 * OCaml, and reading arrays (UUIDs, lists).  Programs use Hv (hv.mli), not
 * this module.
 *
 * Conventions of this layer:
 *  - enumerations are plain ints (C_int), not SWIG's polymorphic variants;
 *  - output parameters (*_r) come back before the return code, as
 *    C_list [out...; C_int rc];
 *  - strings passed in are copied to the C heap before the call, so that
 *    the calls that talk to hvd can release the OCaml runtime lock
 *    (caml_enter_blocking_section) while they wait; C_void stands for
 *    NULL where a string is optional;
 *  - structures are read-only (getters only): libhv owns their strings.
 */
%module hv_raw

%begin %{
#define _GNU_SOURCE 1	/* vasprintf */
%}

%{
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* SWIG renames OCaml's "value"; the helpers (hvml.i) use the OCaml macros. */
#define value caml_value_t
#include <caml/callback.h>
#include <caml/signals.h>
#include <hv/hv.h>
#include <hv/domain.h>
%}

%include <stdint.i>

/* --- enumerations as ints ------------------------------------------- */
%typemap(in) enum SWIGTYPE "$1 = ($1_ltype)caml_long_val($input);"
%typemap(out) enum SWIGTYPE "$result = caml_val_int((int)$1);"
%typemap(varout) enum SWIGTYPE "$result = caml_val_int((int)$1);"

/* --- strings in: copied, C_void is NULL ------------------------------ */
%typemap(in) const char * {
	if (Is_block($input) && SWIG_Tag_val($input) == C_string) {
		$1 = strdup(caml_string_val($input));
		if (!$1)
			caml_raise_out_of_memory();
	} else {
		$1 = NULL;
	}
}
%typemap(freearg) const char * "free((char *)$1);"

/* --- output parameters ------------------------------------------------ */
%define HVML_OUT_PTR(TYPE, NAME)
%typemap(in, numinputs=0) TYPE **NAME (TYPE *tmp = NULL) "$1 = &tmp;"
%typemap(argout) TYPE **NAME {
	swig_result = caml_list_append(swig_result,
		SWIG_Ocaml_ptr_to_val("create_$*1_ltype_from_ptr", (void *)tmp$argnum, $*1_descriptor));
}
%enddef
HVML_OUT_PTR(hv_ctx, ctx_r)
HVML_OUT_PTR(hv_disk_spec, disk_r)
HVML_OUT_PTR(hv_domstats, stats_r)
HVML_OUT_PTR(hv_vif_spec, vif_r)

%typemap(in, numinputs=0) uint32_t *domid_r (uint32_t tmp = HV_DOMID_INVALID) "$1 = &tmp;"
%typemap(argout) uint32_t *domid_r
	"swig_result = caml_list_append(swig_result, caml_val_uint(tmp$argnum));"
%typemap(in, numinputs=0) int *fd_r (int tmp = -1) "$1 = &tmp;"
%typemap(argout) int *fd_r
	"swig_result = caml_list_append(swig_result, caml_val_int(tmp$argnum));"

/* malloc()ed strings handed to the caller: copied into OCaml, freed. */
%typemap(in, numinputs=0) char **json_r (char *tmp = NULL), char **cmdline_r (char *tmp = NULL),
	char **text_r (char *tmp = NULL), char **xml_r (char *tmp = NULL) "$1 = &tmp;"
%typemap(argout) char **json_r, char **cmdline_r, char **text_r, char **xml_r {
	swig_result = caml_list_append(swig_result,
		tmp$argnum ? caml_val_string(tmp$argnum) : Val_unit);
	free(tmp$argnum);
}

/* hv_hvd_log_read: the text's length is the OCaml string's */
%typemap(in, numinputs=0) size_t *len_r (size_t tmp = 0) "$1 = &tmp;"

/* hv_domain_list: the array (free it with hv_dominfo_list_free) and its length. */
%typemap(in, numinputs=0) (hv_dominfo ***list_r, size_t *nr_r) (hv_dominfo **tmpl = NULL, size_t tmpn = 0)
	"$1 = &tmpl; $2 = &tmpn;"
%typemap(argout) (hv_dominfo ***list_r, size_t *nr_r) {
	swig_result = caml_list_append(swig_result,
		SWIG_Ocaml_ptr_to_val("create_hv_dominfo_list_from_ptr", (void *)tmpl$argnum, $*1_descriptor));
	swig_result = caml_list_append(swig_result, caml_val_int((int)tmpn$argnum));
}

/* hv_domain_stats_all: the same (free it with hv_domstats_list_free). */
%typemap(in, numinputs=0) (hv_domstats ***list_r, size_t *nr_r) (hv_domstats **tmpl = NULL, size_t tmpn = 0)
	"$1 = &tmpl; $2 = &tmpn;"
%typemap(argout) (hv_domstats ***list_r, size_t *nr_r) {
	swig_result = caml_list_append(swig_result,
		SWIG_Ocaml_ptr_to_val("create_hv_domstats_list_from_ptr", (void *)tmpl$argnum, $*1_descriptor));
	swig_result = caml_list_append(swig_result, caml_val_int((int)tmpn$argnum));
}

/* hv_domain_vcpu_list: the array (free it with hvml_vcpuinfo_free), its
 * length and the host's CPUs. */
%typemap(in, numinputs=0) (hv_vcpuinfo **list_r, size_t *nr_r, unsigned int *host_cpus_r)
	(hv_vcpuinfo *tmpl = NULL, size_t tmpn = 0, unsigned int tmph = 0)
	"$1 = &tmpl; $2 = &tmpn; $3 = &tmph;"
%typemap(argout) (hv_vcpuinfo **list_r, size_t *nr_r, unsigned int *host_cpus_r) {
	swig_result = caml_list_append(swig_result,
		SWIG_Ocaml_ptr_to_val("create_hv_vcpuinfo_from_ptr", (void *)tmpl$argnum, $*1_descriptor));
	swig_result = caml_list_append(swig_result, caml_val_int((int)tmpn$argnum));
	swig_result = caml_list_append(swig_result, caml_val_int((int)tmph$argnum));
}

/* hv_domain_sched_get: the weight and the cap */
%typemap(in, numinputs=0) (unsigned int *weight_r, unsigned int *cap_r)
	(unsigned int tmpw = 0, unsigned int tmpc = 0)
	"$1 = &tmpw; $2 = &tmpc;"
%typemap(argout) (unsigned int *weight_r, unsigned int *cap_r) {
	swig_result = caml_list_append(swig_result, caml_val_int((int)tmpw$argnum));
	swig_result = caml_list_append(swig_result, caml_val_int((int)tmpc$argnum));
}

/* hv_domain_migrate_send's callback and its argument: one
 * hvml_migrate_progress (hvml_migrate_progress_new), or C_void for none. */
%typemap(in) (hv_migrate_progress_fn progress, void *opaque) {
	$2 = caml_ptr_val($input, $descriptor(hvml_migrate_progress *));
	$1 = $2 ? hvml_migrate_progress_fn : NULL;
}

/* --- calls that can block (those that talk to hvd, and reading an xl.cfg
 * file) run without the OCaml runtime lock ---------------------------- */
%define HVML_BLOCKING(NAME)
%exception NAME {
	caml_enter_blocking_section();
	hvml_blocking_enter();
	$action
	hvml_blocking_leave();
	caml_leave_blocking_section();
}
%enddef
HVML_BLOCKING(hv_domain_create)
HVML_BLOCKING(hv_domain_destroy)
HVML_BLOCKING(hv_domain_shutdown)
HVML_BLOCKING(hv_domain_reboot)
HVML_BLOCKING(hv_domain_pause)
HVML_BLOCKING(hv_domain_unpause)
HVML_BLOCKING(hv_domain_rename)
HVML_BLOCKING(hv_domain_info)
HVML_BLOCKING(hv_domain_list)
HVML_BLOCKING(hv_domain_lookup)
HVML_BLOCKING(hv_domain_console)
HVML_BLOCKING(hv_physinfo_get)
HVML_BLOCKING(hv_domain_config_get)
HVML_BLOCKING(hv_domain_config_update)
HVML_BLOCKING(hv_domain_save)
HVML_BLOCKING(hv_domain_disk_attach)
HVML_BLOCKING(hv_domain_disk_detach)
HVML_BLOCKING(hv_domain_set_memory_target)
HVML_BLOCKING(hv_domain_set_memory_max)
HVML_BLOCKING(hv_domain_meminfo)
HVML_BLOCKING(hv_domain_nic_attach)
HVML_BLOCKING(hv_domain_nic_detach)
HVML_BLOCKING(hv_domain_trigger)
HVML_BLOCKING(hv_hvd_log_read)
HVML_BLOCKING(hv_domain_stats)
HVML_BLOCKING(hv_domain_stats_all)
HVML_BLOCKING(hv_domain_vcpu_list)
HVML_BLOCKING(hv_domain_vcpu_pin)
HVML_BLOCKING(hv_domain_sched_get)
HVML_BLOCKING(hv_domain_sched_set)
HVML_BLOCKING(hv_domain_save_config)
HVML_BLOCKING(hv_domain_save_sealed)
HVML_BLOCKING(hv_domain_restore)
HVML_BLOCKING(hv_domain_migrate_send)
HVML_BLOCKING(hv_domain_migrate_receive)
HVML_BLOCKING(hv_event_fd)
HVML_BLOCKING(hv_event_next)
HVML_BLOCKING(hv_event_wait)
HVML_BLOCKING(hv_ctx_free)
HVML_BLOCKING(hv_config_parse_xl_file)
HVML_BLOCKING(hvml_progress_selftest)
HVML_BLOCKING(hvml_migrate_progress_selftest)

/* --- what SWIG cannot express ------------------------------------------ */
/* A va_list callback: hvml_ctx_capture_log() installs libhv's logger. */
%ignore hv_ctx_set_logger;
%ignore hv_logger_fn;
/* Byte arrays: read through hvml_*_uuid()/hvml_vif_mac(). */
%ignore hv_domain_config::uuid;
%ignore hv_dominfo::uuid;
%ignore hv_vif_spec::mac;
%ignore hv_dominfo::start_time;
/* Read through hvml_domstats_uuid(), _start_time(), _vif() and _disk(). */
%ignore hv_domstats::uuid;
%ignore hv_domstats::start_time;
%ignore hv_domstats::vifs;
%ignore hv_domstats::disks;
/* Read through hvml_migrate_stats_id(). */
%ignore hv_migrate_stats::id;
/* hvml_migrate_params_new() fills them; the callback type is the typemap's. */
%ignore hv_migrate_params;
%ignore hv_migrate_progress_fn;
/* An array: read through hvml_meminfo_stat(). */
%ignore hv_meminfo::stats;
/* Arrays of pointers: read through hvml_config_disk()/hvml_config_vif(). */
%ignore hv_domain_config::disks;
%ignore hv_domain_config::vifs;
/* A function pointer: hvml_progress_new() fills it. */
%ignore hv_progress::fn;
%ignore hv_progress::opaque;
/* A C callback for programs with keys of their own (xl's xl.conf): left out. */
%ignore hv_config_read_settings;
%ignore hv_config_setting;
%ignore hv_config_setting_fn;

/* libhv allocates its structures (hvml_*_new): no SWIG constructors. */
%nodefaultctor;
%nodefaultdtor;
%immutable;
%include <hv/error.h>
%include <hv/hv.h>
%include <hv/config.h>
%include <hv/domain.h>
%include "hvml.i"
%mutable;
