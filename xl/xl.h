/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xl: the hv command line, compatible with Xen's xl. */
#ifndef XL_H
#define XL_H

#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>
#include <hv/hv.h>
#include <hv/domain.h>

/* Exit statuses. */
#define XL_OK 0
#define XL_FAIL 1
#define XL_USAGE 2

/* xl_getopt() returns this for -h and --help. */
#define XL_HELP 0x100

struct xl_cmd {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
	const char *usage;	/* after "xl NAME " */
	const char *options;	/* one option a line, already indented */
};

/* The library context, made by main() before a command runs. */
extern hv_ctx *xl_ctx;
/* -v given to xl: log libhv's informational messages too. */
extern int xl_verbose;
/* xl's global -N (dry run) and -f (force) */
extern bool xl_dryrun, xl_force;

/*
 * Under -N: "Dry run: would <fmt>" on standard output, and true (the
 * caller returns XL_OK having changed nothing); otherwise false.  Called
 * once the arguments are checked and the domain found, so that a dry run
 * refuses what the command would refuse.  Only the commands that xl.c
 * lists as having a dry run get as far (Xen's xl refuses -N for others).
 */
bool xl_dry(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Xen's commands that hv does not have (unsupported.c): the reason, or
 * NULL for a command not in that table.  xl_unsupported() says
 * "xl: CMD: not supported by hv: WHY" and returns XL_FAIL, as Xen's xl
 * fails an operation its platform lacks.
 */
const char *xl_unsupported_why(const char *name);
int xl_unsupported(const char *name);
/* The table's names, for the prefix match and help: NULL after the last. */
const char *xl_unsupported_name(size_t i);

/*
 * xl_getopt - getopt for a command's argv (argv[0] is the command name);
 * adds -h/--help (XL_HELP).  Unknown options and missing arguments are
 * reported and give '?'.
 */
int xl_getopt(int argc, char **argv, const char *opts);

/* Help for @cmd on stdout; returns XL_OK. */
int xl_help(const char *cmd);
/* "xl: CMD: <fmt>" and CMD's usage on stderr; returns XL_USAGE. */
/*
 * --timeout's seconds (0.001 to 3600) in *ms_r: 0, or XL_USAGE after
 * saying what is wrong.
 */
int xl_timeout_arg(const char *cmd, const char *arg, unsigned long *ms_r);
/*
 * block-attach, network-attach: options (only --help: XL_HELP, after
 * printing it), then DOMAIN and at least @min_specs more arguments, joined
 * with commas into *spec_r (malloc()ed), the domain's id in *domid_r.
 * XL_OK, or the exit status after saying what is wrong (@usage).
 */
int xl_hotplug_args(const char *cmd, int argc, char **argv, int min_specs, const char *usage,
		    uint32_t *domid_r, char **spec_r);
/*
 * block-detach, network-detach: [-f|--force] [-t|--timeout S] DOMAIN DEV,
 * @force the flag --force sets; @detach does it.  An exit status.
 */
int xl_hotplug_detach(const char *cmd, int argc, char **argv, unsigned int force,
		      int (*detach)(hv_ctx *ctx, uint32_t domid, const char *dev,
				    unsigned int flags, unsigned int timeout_ms),
		      const char *what);
int xl_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * xl_error - "xl: <fmt>" on stderr, with ": <hv_strerror(rc)>" appended
 * only if libhv logged no error since the last xl_error_mark(): libhv's
 * message says more than the code.  Returns XL_FAIL.
 */
int xl_error(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void xl_error_mark(void);

/* Make libhv log nothing below HV_LOG_ERROR+1 while @quiet (for probes). */
void xl_quiet(bool quiet);

/*
 * A progress bar for a save or restore, on stderr when @show and stderr is
 * a terminal: xl_progress_start() fills @p for libhv; xl_progress_end()
 * erases the bar.  Messages printed meanwhile first erase it
 * (xl_progress_clear()); the next update draws it again.  Between the
 * two, SIGINT, SIGTERM and SIGHUP cancel the operation (at its next
 * progress report) instead of killing xl, and a second one kills it;
 * xl_progress_end() returns the signal that asked to cancel, or 0.
 */
void xl_progress_start(const char *label, bool show, hv_progress *p);
void xl_progress_clear(void);
int xl_progress_end(void);

/*
 * xl_lookup - a domain named by name or id; XL_OK or XL_FAIL (said).
 * Domain 0 (Domain-0), the host, is refused with a message naming the
 * command: every command that takes a domain acts on hv's domains only.
 */
int xl_lookup(const char *name_or_id, uint32_t *domid_r);

/* The host, as Xen's xl shows domain 0 (host.c). */
#define XL_DOM0_NAME "Domain-0"
/* Whether @name_or_id names domain 0: "0" (or "00"...) or "Domain-0". */
bool xl_is_dom0(const char *name_or_id);
/*
 * Domain-0's row: the host's CPUs as its vCPUs, the host's memory less
 * what hv's domains have (@pi, from hv_physinfo_get()), its CPU time
 * (the busy time of every CPU) and its start (the host's boot), state
 * running.  Fills @d (initialised here).
 */
void xl_dom0_info(const hv_physinfo *pi, hv_dominfo *d);
/*
 * Xen's six state letters (r b p s c d; '-' where not) of @state, as xl
 * list prints them: a running domain is "b" instead of "r" when @flags
 * (hv_dominfo's) has HV_DOMINFO_BLOCKED.
 */
void xl_state_letters(hv_domain_state state, unsigned int flags, char s[7]);
/* Host numbers from /proc: seconds since boot, busy seconds of CPU @cpu
 * (-1: all of them); -1 if unknown. */
double xl_host_uptime(void);
double xl_host_cpu_busy(int cpu);
/*
 * xl_config_of - the description of the domain @name_or_id, for command
 * @cmd's messages, into @cfg (initialised here; the caller disposes of it
 * whatever the result): XL_OK or XL_FAIL (said).
 */
int xl_config_of(const char *cmd, const char *name_or_id, uint32_t *domid_r,
		 hv_domain_config *cfg);

/*
 * xl_config_read - the config @file into @cfg (initialised): libvirt
 * domain XML when its name ends in .xml or it starts with '<', an xl.cfg
 * otherwise, with xl.conf's defaults applied (xl_conf_apply()).  XL_OK or
 * XL_FAIL (said).
 */
int xl_config_read(const char *file, hv_domain_config *cfg);
/*
 * The KEY=VALUE settings argv[first..argc-1] applied to @cfg, as "xl
 * create guest.cfg KEY=VALUE" applies them, then xl.conf's defaults (a vif
 * they added gets them too): XL_OK, or the error's exit status (said).
 */
int xl_config_settings(hv_domain_config *cfg, int argc, char **argv, int first);

/*
 * xl.conf(5) (xlconf.c): read by main() before a command runs, from
 * $HV_XL_CONF if set (empty: none), else XL_CONF_DEFAULT, which may be
 * missing.  xl_conf_read(): XL_OK, or XL_FAIL after naming the file, line
 * and key at fault; its warnings are said once.  What it sets is applied
 * to every domain configuration xl reads (xl_config_read() does it; a
 * command that changes the configuration after that, or makes a vif of
 * its own, calls xl_conf_apply() or xl_conf_vif()): a vif that names no
 * bridge gets vif.default.bridge.  XL_OK, or XL_FAIL (said).
 */
#define XL_CONF_DEFAULT "/etc/hv/xl.conf"
struct xl_conf {
	char *default_bridge;	/* vif.default.bridge; NULL: hvd's default */
};
extern struct xl_conf xl_conf;
int xl_conf_read(void);
void xl_conf_free(void);
int xl_conf_apply(hv_domain_config *cfg);
int xl_conf_vif(hv_vif_spec *vif);

/*
 * JSON of a domain's configuration (json.c).  xl_libxl_config_json():
 * @cfg in libxl's libxl_domain_config layout ("c_info", "b_info",
 * "disks", "nics", "on_poweroff"...), as a new string in *json_r, with
 * @uuid (16 bytes; NULL: @cfg's, if it has one) as c_info's; 0 or an
 * HV_ERROR_* code.  xl_json_indent(): @json with every line after its
 * first indented by @by spaces more, its last newline dropped (to nest it
 * in another object); NULL when out of memory.  xl_print_dry_json(): what
 * xl create -n prints, {"domid": null, "config": <libxl's layout>,
 * "hv_config": <hv_config_to_json()>}; XL_OK or XL_FAIL (said).
 */
int xl_libxl_config_json(const hv_domain_config *cfg, const uint8_t *uuid, char **json_r);
char *xl_json_indent(const char *json, unsigned int by);
int xl_print_dry_json(const hv_domain_config *cfg);

/* "xl: warning: <fmt>" on stderr, as libhv's warnings are shown. */
void xl_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Domains to show or act on: d[0..nr) point into all[0..nr_all), the
 * list from hv_domain_list().  xl_domains_get() fills @ds with the domains
 * named in argv[first..argc) (by name or id), or all of them; XL_OK or
 * XL_FAIL (said).  xl_domains_free() releases them.
 */
struct xl_domains {
	hv_dominfo **all;
	size_t nr_all;
	hv_dominfo **d;
	size_t nr;
	hv_dominfo dom0;	/* with XL_DOMAINS_DOM0: the host's row */
};
/* xl_domains_get() flags */
#define XL_DOMAINS_DOM0	0x1	/* show the host as Domain-0: first of all,
				 * and wherever "0" or "Domain-0" is named */
int xl_domains_get(struct xl_domains *ds, int argc, char **argv, int first);
int xl_domains_get_flags(struct xl_domains *ds, int argc, char **argv, int first,
			 unsigned int flags);
void xl_domains_free(struct xl_domains *ds);

/*
 * xl_console_attach - see console.c.  With @unpause, the domain (created
 * paused) is unpaused once the console is connected.  *closed_r: the
 * console ended.
 */
int xl_console_attach(uint32_t domid, bool unpause, bool *closed_r);
/* console -e: the escape character (Ctrl-] by default) */
extern int xl_console_escape;

/* Waiting for domains, see vmcontrol.c. */
enum xl_wait_end { XL_GONE, XL_PRESERVED };
int xl_wait_end(uint32_t domid, enum xl_wait_end *how_r);

int main_create(int argc, char **argv);
int main_destroy(int argc, char **argv);
int main_save(int argc, char **argv);
int main_dump_core(int argc, char **argv);
int main_restore(int argc, char **argv);
int main_migrate(int argc, char **argv);
int main_sched_credit(int argc, char **argv);
int main_sched_credit2(int argc, char **argv);
/*
 * transport.c: TCP for xl migrate (tcp://HOST:PORT) and migrate-receive
 * (--listen HOST:PORT, one connection), and TLS over it.  0 with the
 * connection in *fd_r, or -1 after saying why.  xl_tls_start() takes the
 * connection over, does the handshake (each side shows a certificate the
 * CA signed, and checks the other's) and returns a relay whose plain end
 * goes to *fd_r (NULL after saying why); once done with it, close that end,
 * then xl_tls_end() lets the relay finish.
 */
struct xl_tls_opts {
	const char *cert, *key, *ca;	/* PEM files */
};
struct xl_tls;
int xl_tcp_connect(const char *hostport, int *fd_r);
int xl_tcp_accept(const char *hostport, int *fd_r);
struct xl_tls *xl_tls_start(int tcp, bool server, const struct xl_tls_opts *o, int *fd_r);
void xl_tls_end(struct xl_tls *t);
int main_migrate_receive(int argc, char **argv);
int main_shutdown(int argc, char **argv);
int main_reboot(int argc, char **argv);
int main_pause(int argc, char **argv);
int main_unpause(int argc, char **argv);
int main_rename(int argc, char **argv);
int main_config_update(int argc, char **argv);
int main_console(int argc, char **argv);
int main_block_attach(int argc, char **argv);
int main_block_detach(int argc, char **argv);
int main_block_list(int argc, char **argv);
int main_network_list(int argc, char **argv);
int main_mem_set(int argc, char **argv);
int main_mem_max(int argc, char **argv);
int main_network_attach(int argc, char **argv);
int main_network_detach(int argc, char **argv);
int main_list(int argc, char **argv);
int main_top(int argc, char **argv);
int main_info(int argc, char **argv);
int main_uptime(int argc, char **argv);
int main_vcpulist(int argc, char **argv);
int main_domxml(int argc, char **argv);
int main_domid(int argc, char **argv);
int main_domname(int argc, char **argv);
int main_vm_list(int argc, char **argv);
int main_dmesg(int argc, char **argv);
int main_button_press(int argc, char **argv);
int main_trigger(int argc, char **argv);
int main_vcpu_pin(int argc, char **argv);
int main_sysrq(int argc, char **argv);
int main_help(int argc, char **argv);

#endif
