/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xl: main, command dispatch, help, messages. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "xl.h"

/* sched-credit's and sched-credit2's options: they are the same command */
#define XL_SCHED_HELP \
	"  -d DOMAIN      show (or, with -w or -c, set) this domain's only\n" \
	"  -w WEIGHT      its share against other domains', 1 to 65535 (default 256)\n" \
	"  -c CAP         the most CPU it may take, in percent of one host CPU\n" \
	"                 (0: no cap)\n" \
	"  -p Pool-0      the CPU pool: hv has Pool-0 only\n" \
	"  (applied through the domain's cgroup; kept in its configuration)\n"

hv_ctx *xl_ctx;
int xl_verbose;
bool xl_dryrun, xl_force;

static int errors_logged;
static bool quiet;
/* -T: date and pid before xl's messages; -t: the progress bar off a terminal too */
static bool timestamps, progress_cr;
/* the command running (its full name), for messages that need it */
static const char *cmd_name = "xl";

/* The progress bar on stderr, while one is shown (xl_progress_*). */
static struct {
	const char *label;
	int pct;		/* shown, -1: none yet */
	int len;		/* characters on the line */
} bar;
static bool bar_on;

static const struct xl_cmd cmds[] = {
	{ "create", main_create, "Create a domain from a config file (xl.cfg or libvirt XML)",
	  "[options] CONFIGFILE [KEY=VALUE ...]",
	  "  -p             leave the domain paused after creating it\n"
	  "  -c             attach to the console after creating the domain\n"
	  "  -F             stay in the foreground until the domain dies (follows\n"
	  "                 restarts; with -c, keeps the console)\n"
	  "  -n             dry run: check the config and print it as JSON (libxl's\n"
	  "                 layout under \"config\", hv's own under \"hv_config\")\n"
	  "  -q             quiet\n"
	  "  -f FILE        the config file (instead of the CONFIGFILE argument)\n"
	  "  CONFIGFILE     an xl.cfg file, or a libvirt domain XML file (named\n"
	  "                 *.xml, or starting with '<')\n"
	  "  KEY=VALUE      override a config setting, as an xl.cfg line\n" },
	{ "list", main_list, "List information about all or some domains",
	  "[options] [DOMAIN ...]",
	  "  -l, --long     the domains' information as JSON (each configuration in\n"
	  "                 libxl's layout under \"config\", hv's own beside it)\n"
	  "  -v, --verbose  add each domain's UUID, why it ended and its security\n"
	  "                 label (\"-\": hv has none)\n"
	  "  -Z, --context  add the security label column\n"
	  "  -c, --cpupool  add the CPU pool column (Pool-0: hv has one pool)\n"
	  "  -n, --numa     add the NUMA node affinity column\n" },
	{ "top", main_top, "Show what the domains use, refreshed (as xentop)",
	  "[options]",
	  "  -b, --batch    print a table per iteration instead of redrawing\n"
	  "  -i, --iterations N  stop after N iterations (default: until q, or for\n"
	  "                 ever with -b)\n"
	  "  -d, --delay S  seconds between iterations (default 3; 0.01 to 3600);\n"
	  "                 CPU(%) is the CPU used between two of them\n"
	  "  -s COLUMN      sort by COLUMN, as the header names it (NAME, CPU%,\n"
	  "                 MEM, NETTX...): names ascending, numbers descending\n"
	  "  --json         one JSON object per iteration and line, for programs\n"
	  "                 (docs/metering.md)\n"
	  "  The host is the Domain-0 row.  VBD_RD and VBD_WR are the reads and\n"
	  "  writes the domain's disks did, VBD_RSECT and VBD_WSECT their 512-byte\n"
	  "  sectors, as its hv-vmm counts them; \"-\": no disk with counters.\n" },
	{ "destroy", main_destroy, "Terminate a domain immediately", "[-f] DOMAIN",
	  "  -f             accepted for Xen compatibility; domain 0, the host, is\n"
	  "                 refused all the same\n" },
	{ "save", main_save, "Save a domain's state to a file, to restore it later",
	  "[options] DOMAIN CHECKPOINTFILE [CONFIGFILE]",
	  "  -c             leave the domain running after saving it (a checkpoint);\n"
	  "                 without -c or -p it is destroyed once the image is\n"
	  "                 complete (a failed save leaves it as it was)\n"
	  "  -p             leave the domain paused after saving it\n"
	  "  -z             compress the memory (the image cannot be restored\n"
	  "                 with --lazy then)\n"
	  "  -k, --key KEYFILE\n"
	  "                 seal the image with the key in KEYFILE (32 to 4096\n"
	  "                 random bytes: head -c 32 /dev/urandom > KEYFILE): a\n"
	  "                 MAC on every record; restore it with the same -k\n"
	  "  -q             quiet: print only errors\n"
	  "  CONFIGFILE     an xl.cfg whose configuration goes into the image\n"
	  "                 instead of the domain's (same memory and vcpus)\n" },
	{ "migrate", main_migrate, "Move a running domain to another host, live",
	  "[options] DOMAIN HOST",
	  "  -s SSHCOMMAND  run SSHCOMMAND (through sh) instead of ssh to reach\n"
	  "                 HOST; with -s \"\", HOST itself is the command that\n"
	  "                 runs the receiver (e.g. \"xl migrate-receive\" on this\n"
	  "                 host, for another hvd)\n"
	  "  -C CONFIG      send the xl.cfg CONFIG instead of the domain's\n"
	  "                 configuration (same memory and vcpus)\n"
	  "  -e             accepted for Xen compatibility (nothing waits in the\n"
	  "                 background at the destination)\n"
	  "  -p             leave the domain paused at the destination\n"
	  "  --debug        print every round of the migration, and send a digest\n"
	  "                 of all memory that the destination checks its own\n"
	  "                 against before the domain runs there\n"
	  "  --downtime-ms MS  switch over once the estimated downtime is at\n"
	  "                 most MS (default 300)\n"
	  "  --ceiling-ms MS  abandon a switch-over whose downtime passes MS,\n"
	  "                 the domain runs on here (default: the downtime plus\n"
	  "                 the larger of it and 1000)\n"
	  "  --bandwidth MIBPS  send at most MIBPS MiB per second\n"
	  "  -t, --timeout S  give up after S seconds, the domain runs on here\n"
	  "  -z, --compress compress the memory (zlib)\n"
	  "  --auto-converge  slow the vCPUs of a guest that writes memory faster\n"
	  "                 than it can be sent\n"
	  "  --local        the receiver is on this host (-s \"\"): its hv-vmm maps\n"
	  "                 the domain's memory itself, nothing is copied; only\n"
	  "                 the state goes (e.g. to move to a new hv-vmm)\n"
	  "  -k, --key KEYFILE\n"
	  "                 seal the migration with the key in KEYFILE, which the\n"
	  "                 destination needs too (the receiver started through\n"
	  "                 ssh is given -k KEYFILE, the same path): it refuses\n"
	  "                 a stream altered or cut on the way; not with --local\n"
	  "  -q             quiet: print only errors\n"
	  "  HOST           reached through ssh (or -s); tcp://HOST:PORT connects\n"
	  "                 to an xl migrate-receive --listen there instead\n"
	  "  --tls-cert FILE, --tls-key FILE, --tls-ca FILE\n"
	  "                 over tcp://, TLS: this side's certificate and key,\n"
	  "                 and the CA the receiver's must be signed by (PEM)\n" },
	{ "migrate-receive", main_migrate_receive, "Receive a migrating domain (run by xl migrate)",
	  "[options]",
	  "  reads the migration from standard input and answers on standard\n"
	  "  output; xl migrate starts it through ssh (or -s)\n"
	  "  -d             debug: print libhv's informational messages\n"
	  "  -e             accepted for Xen compatibility\n"
	  "  -p             leave the domain paused once it has arrived\n"
	  "  -k, --key KEYFILE\n"
	  "                 take only a migration sealed with the key in KEYFILE\n"
	  "                 (xl migrate -k), refused before it runs here if it\n"
	  "                 was altered, cut or sealed with another key\n"
	  "  --query ID     print whether the domain migration ID brought here is\n"
	  "                 running, paused or absent (xl migrate asks it when the\n"
	  "                 report after go was lost)\n"
	  "  --listen HOST:PORT  take one migration from a TCP connection there\n"
	  "                 instead (xl migrate ... tcp://HOST:PORT)\n"
	  "  --tls-cert FILE, --tls-key FILE, --tls-ca FILE\n"
	  "                 with --listen, TLS: this side's certificate and key,\n"
	  "                 and the CA the sender's must be signed by (PEM)\n" },
	{ "restore", main_restore, "Restore a domain from a saved file",
	  "[options] CHECKPOINTFILE [CONFIGFILE]",
	  "  -p             leave the domain paused after restoring it\n"
	  "  -e             accepted for Xen compatibility: hvd, not xl, applies\n"
	  "                 the domain's on_* actions, so there is nothing to wait for\n"
	  "  -d             debug: print libhv's informational and debug messages\n"
	  "  -L, --lazy     map the file's memory instead of reading it first\n"
	  "                 (faster; the file must not change while the domain\n"
	  "                 runs; not with -k)\n"
	  "  -k, --key KEYFILE\n"
	  "                 the image is sealed with the key in KEYFILE: refuse it,\n"
	  "                 before anything runs or is opened, if it was altered,\n"
	  "                 cut, reordered, spliced or sealed with another key\n"
	  "  -q             quiet: print only errors\n"
	  "  CONFIGFILE     an xl.cfg that replaces the saved configuration\n"
	  "                 (same memory and vcpus; e.g. another name)\n"
	  "  CHECKPOINTFILE the saved image: a regular file (copy a pipe to a file\n"
	  "                 first); Xen's order, CONFIGFILE first, works too\n" },
	{ "dump-core", main_dump_core, "Write a domain's memory and vCPU registers to a core file",
	  "DOMAIN FILENAME",
	  "  FILENAME       an ELF core file (gdb -c, crash): one PT_LOAD per range of\n"
	  "                 the guest's physical memory, an NT_PRSTATUS note per\n"
	  "                 vCPU; created mode 0600, or overwritten.  The domain is\n"
	  "                 paused while it is written and runs on afterwards\n"
	  "                 (a paused domain stays paused)\n" },
	{ "shutdown", main_shutdown, "Ask a domain to power off (ACPI power button)",
	  "[options] [DOMAIN]",
	  "  -w, --wait     wait until the domain is gone (or has shut down and is\n"
	  "                 preserved)\n"
	  "  -a, --all      all domains\n"
	  "  -F             accepted for Xen compatibility (the power button is what\n"
	  "                 hv sends anyway)\n" },
	{ "reboot", main_reboot, "Ask a domain to reboot (Ctrl-Alt-Del)",
	  "[options] [DOMAIN]",
	  "  -w, --wait     wait until the domain has rebooted\n"
	  "  -a, --all      all domains\n"
	  "  -F             accepted for Xen compatibility\n" },
	{ "pause", main_pause, "Pause the execution of a domain", "DOMAIN", NULL },
	{ "unpause", main_unpause, "Unpause a paused domain", "DOMAIN", NULL },
	{ "rename", main_rename, "Rename a domain", "DOMAIN NEWNAME", NULL },
	{ "config-update", main_config_update,
	  "Set the configuration of a domain's next start by a restart action",
	  "DOMAIN [CONFIGFILE] [KEY=VALUE...]",
	  "  -f FILE        the config file (as the CONFIGFILE argument)\n"
	  "  CONFIGFILE     the new configuration; without it the KEY=VALUE\n"
	  "                 settings change the one the domain runs with\n"
	  "  The running domain does not change.  The configuration names the\n"
	  "  same kernel, disks and vifs as the domain (a restart reuses them);\n"
	  "  memory, vcpus, the command line, the actions and the rest may differ.\n" },
	{ "block-attach", main_block_attach, "Attach a disk to a running domain",
	  "DOMAIN DISKSPEC...",
	  "  DISKSPEC       as in xl.cfg's disk = [ ... ] (xl-disk-configuration(5));\n"
	  "                 its parts may come as several arguments, which are\n"
	  "                 joined with commas: /img/b.img,raw,xvdb,rw\n" },
	{ "block-detach", main_block_detach, "Detach a disk from a running domain",
	  "[options] DOMAIN VDEV",
	  "  -f, --force    remove the disk at once, whatever the guest does with it\n"
	  "  -t, --timeout S  wait up to S seconds for the guest to let go of the\n"
	  "                 disk (default 10)\n" },
	{ "block-list", main_block_list, "List the disks of a domain",
	  "DOMAIN", NULL },
	{ "network-attach", main_network_attach, "Attach a vif to a running domain",
	  "DOMAIN [KEY=VALUE...]",
	  "  KEY=VALUE      as in xl.cfg's vif = [ ... ] (xl-network-configuration(5)),\n"
	  "                 one per argument: bridge=xenbr0 mac=00:16:3e:01:02:03;\n"
	  "                 prints the devid and MAC the vif got\n" },
	{ "network-detach", main_network_detach, "Detach a vif from a running domain",
	  "[options] DOMAIN DEVID|MAC",
	  "  -f, --force    remove the vif at once, whatever the guest does with it\n"
	  "  -t, --timeout S  wait up to S seconds for the guest to let go of the\n"
	  "                 vif (default 10)\n" },
	{ "network-list", main_network_list, "List the vifs of domains",
	  "DOMAIN...", NULL },
	{ "mem-set", main_mem_set, "Set the memory target of a domain (its balloon)",
	  "DOMAIN SIZE",
	  "  SIZE           a number with t, g, m (the default), k or b after it,\n"
	  "                 e.g. 512m; at most the domain's maxmem\n" },
	{ "mem-max", main_mem_max, "Set the most memory a domain may have (enforced)",
	  "DOMAIN SIZE",
	  "  SIZE           as for mem-set; at least the domain's memory target\n" },
	{ "console", main_console, "Attach to a domain's console (Ctrl-] detaches)",
	  "[options] DOMAIN",
	  "  -e CHAR        detach with CHAR instead of Ctrl-]: ^X for Ctrl-X, or one\n"
	  "                 character\n"
	  "  -t pv|serial   the console type: hv has one console, on which the first\n"
	  "                 serial port and virtio-console both appear\n"
	  "  -n 0           the console number: hv has console 0 only\n" },
	{ "info", main_info, "Get information about the host and hv",
	  "[-n] [FIELD]",
	  "  -n, --numa     add the CPU topology and the NUMA nodes\n"
	  "  FIELD          print only the value of the keys that start with FIELD,\n"
	  "                 e.g. xl info free_memory\n" },
	{ "uptime", main_uptime, "Print how long domains have been running",
	  "[-s] [DOMAIN ...]",
	  "  -s             short: one line a domain, as uptime(1) prints it\n" },
	{ "vcpu-list", main_vcpulist, "List the vCPUs of all or some domains",
	  "[DOMAIN ...]", NULL },
	{ "vcpu-pin", main_vcpu_pin, "Set the host CPUs a domain's vCPU may run on",
	  "[-f] DOMAIN VCPU|all CPUS [SOFT]",
	  "  CPUS           a CPU list: \"2\", \"0-3,^1\", \"nodes:0\", \"all\"; - leaves\n"
	  "                 it as it is\n"
	  "  SOFT           - or all (Linux has no soft affinity: others are refused)\n"
	  "  -f             accepted for Xen compatibility\n" },
	{ "sched-credit", main_sched_credit, "Show or set domains' CPU weight and cap",
	  "[-d DOMAIN [-w WEIGHT] [-c CAP]] [-p Pool-0]", XL_SCHED_HELP },
	{ "sched-credit2", main_sched_credit2, "Show or set domains' CPU weight and cap "
	  "(as sched-credit)", "[-d DOMAIN [-w WEIGHT] [-c CAP]] [-p Pool-0]", XL_SCHED_HELP },
	{ "domid", main_domid, "Convert a domain name to a domain id", "NAME",
	  NULL },
	{ "domname", main_domname, "Convert a domain id to a domain name", "ID",
	  NULL },
	{ "domxml", main_domxml, "Print a domain's description as libvirt domain XML",
	  "[-f FILE | DOMAIN]",
	  "  -f FILE        convert the config FILE (xl.cfg or libvirt XML) instead\n"
	  "                 of a domain's description (no hvd needed)\n" },
	{ "vm-list", main_vm_list, "List the guest domains (not Domain-0)", "", NULL },
	{ "dmesg", main_dmesg, "Print hvd's log", "[-c]",
	  "  -c, --clear    empty the log after printing it\n" },
	{ "button-press", main_button_press, "Press a domain's ACPI button "
	  "(deprecated in Xen: use trigger)", "DOMAIN power|sleep", NULL },
	{ "trigger", main_trigger, "Send a trigger to a domain",
	  "DOMAIN power|reset|nmi|init|s3resume|sleep [VCPU]",
	  "  power          press its ACPI power button (as shutdown does)\n"
	  "  reset          reset it at once (its on_reboot action follows)\n"
	  "  nmi            a non-maskable interrupt to vCPU VCPU (default 0)\n"
	  "  init, s3resume, sleep\n"
	  "                 refused: hv's platform has no way to send them\n" },
	{ "sysrq", main_sysrq, "Send a magic SysRq key to a domain (a serial break "
	  "and the key on its console)", "DOMAIN KEY", NULL },
	{ "help", main_help, "Print help on xl or one of its commands",
	  "[COMMAND]", NULL },
};

#define NR_CMDS (sizeof(cmds) / sizeof(cmds[0]))

/*
 * The commands with a dry run of their own (xl -N): they check their
 * arguments, say what they would do and stop.  -N refuses the others, as
 * Xen's xl does.
 */
static const char *const dryrun_cmds[] = {
	"create", "destroy", "save", "dump-core", "restore", "shutdown", "reboot", "pause", "unpause",
	"rename", "config-update", "block-attach", "block-detach", "network-attach", "network-detach",
	"mem-set", "mem-max", "dmesg", "button-press", "trigger", "sysrq", "vcpu-pin", "migrate",
};

static bool has_dryrun(const char *name)
{
	for (size_t i = 0; i < sizeof(dryrun_cmds) / sizeof(dryrun_cmds[0]); i++)
		if (!strcmp(dryrun_cmds[i], name))
			return true;
	return false;
}

static const struct xl_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NR_CMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

/*
 * A command named in full or, as Xen's xl allows, by a prefix of only one
 * command's name ("li" is list); hv's commands and the Xen commands it
 * refuses count alike, so a prefix means what it means to Xen's xl.  The
 * full name in *name_r (NULL: none).  XL_OK, or XL_FAIL after saying that
 * the prefix fits several (listing them) or none.
 */
static int resolve_cmd(const char *s, const char **name_r)
{
	size_t len = strlen(s), n = 0, i;
	const char *hit = NULL, *u;

	*name_r = NULL;
	if (find_cmd(s) || xl_unsupported_why(s)) {
		*name_r = s;
		return XL_OK;
	}
	for (i = 0; i < NR_CMDS; i++)
		if (len && !strncmp(cmds[i].name, s, len))
			n++, hit = cmds[i].name;
	for (i = 0; (u = xl_unsupported_name(i)); i++)
		if (len && !strncmp(u, s, len))
			n++, hit = u;
	if (n == 1) {
		*name_r = hit;
		return XL_OK;
	}
	if (!n) {
		fprintf(stderr, "xl: unknown command '%s' (xl help lists the commands)\n", s);
		return XL_FAIL;
	}
	fprintf(stderr, "xl: '%s' is ambiguous: it begins", s);
	for (i = 0; i < NR_CMDS; i++)
		if (!strncmp(cmds[i].name, s, len))
			fprintf(stderr, " %s", cmds[i].name);
	for (i = 0; (u = xl_unsupported_name(i)); i++)
		if (!strncmp(u, s, len))
			fprintf(stderr, " %s", u);
	fprintf(stderr, " (give more of the name)\n");
	return XL_FAIL;
}

/* -T: "[2025-11-21 10:04:05.123 4242] " before a message on stderr */
static void stamp(void)
{
	struct timespec ts;
	struct tm tm;

	if (!timestamps)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "[%04d-%02d-%02d %02d:%02d:%02d.%03ld %d] ", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		ts.tv_nsec / 1000000, (int)getpid());
}

bool xl_dry(const char *fmt, ...)
{
	va_list ap;

	if (!xl_dryrun)
		return false;
	fputs("Dry run: would ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return true;
}

static void logger(void *opaque, enum hv_log_level level, const char *fmt,
		   va_list ap)
{
	(void)opaque;
	if (quiet && level <= HV_LOG_ERROR)
		return;
	if (level == HV_LOG_ERROR)
		errors_logged++;
	if (level > HV_LOG_WARN && xl_verbose < (level == HV_LOG_INFO ? 1 : 2))
		return;
	xl_progress_clear();
	stamp();
	fputs(level == HV_LOG_WARN ? "xl: warning: " : "xl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void xl_warning(const char *fmt, ...)
{
	va_list ap;

	xl_progress_clear();
	stamp();
	fputs("xl: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void xl_quiet(bool q)
{
	quiet = q;
}

void xl_error_mark(void)
{
	errors_logged = 0;
}

/* --- the progress bar ------------------------------------------------ */

#define BAR_WIDTH 20

/* SIGINT, SIGTERM or SIGHUP during a save or restore: cancel it. */
static volatile sig_atomic_t cancel_signal;
static struct sigaction cancel_old[3];
static const int cancel_sigs[3] = { SIGINT, SIGTERM, SIGHUP };

static void on_cancel_signal(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	/* a second one stops xl as it would have without us */
	if (cancel_signal) {
		sigaction(sig, &dfl, NULL);
		raise(sig);
	}
	cancel_signal = sig;
}

/* libhv's progress callback: draws the bar; non-zero cancels. */
static int bar_draw(void *opaque, uint64_t done, uint64_t total)
{
	static const char hashes[BAR_WIDTH + 1] = "####################";
	int pct = (int)((double)done * 100 / (double)total), n;

	(void)opaque;
	if (cancel_signal)
		return 1;
	if (pct == bar.pct || !bar_on)
		return 0;
	bar.pct = pct;
	n = fprintf(stderr, "\r%s: [%.*s%*s] %3d%% %" PRIu64 "/%" PRIu64 " MiB",
		    bar.label, pct * BAR_WIDTH / 100, hashes,
		    BAR_WIDTH - pct * BAR_WIDTH / 100, "", pct, done >> 20,
		    total >> 20);
	if (n < 1)
		return 0;
	/* a shorter line than the last one leaves no tail behind */
	if (n - 1 < bar.len)
		fprintf(stderr, "%*s", bar.len - (n - 1), "");
	if (n - 1 > bar.len)
		bar.len = n - 1;
	fflush(stderr);
	return 0;
}

void xl_progress_start(const char *label, bool show, hv_progress *p)
{
	struct sigaction sa = { .sa_handler = on_cancel_signal };

	hv_progress_init(p);
	p->fn = bar_draw;
	cancel_signal = 0;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(cancel_sigs[i], &sa, &cancel_old[i]);
	if (!show || (!isatty(STDERR_FILENO) && !progress_cr))
		return;
	bar.label = label;
	bar.pct = -1;
	bar.len = 0;
	bar_on = true;
}

void xl_progress_clear(void)
{
	if (!bar_on || !bar.len)
		return;
	fprintf(stderr, "\r%*s\r", bar.len, "");
	bar.len = 0;
	bar.pct = -1;
}

int xl_progress_end(void)
{
	xl_progress_clear();
	bar_on = false;
	for (int i = 0; i < 3; i++)
		sigaction(cancel_sigs[i], &cancel_old[i], NULL);
	return cancel_signal;
}

int xl_error(int rc, const char *fmt, ...)
{
	va_list ap;

	if (errors_logged && rc != HV_ERROR_NONE) {
		errors_logged = 0;
		return XL_FAIL;
	}
	xl_progress_clear();
	stamp();
	fputs("xl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (rc)
		fprintf(stderr, ": %s", hv_strerror(rc));
	fputc('\n', stderr);
	return XL_FAIL;
}

static void print_usage(FILE *f, const struct xl_cmd *c)
{
	fprintf(f, "Usage: xl %s%s%s\n", c->name, *c->usage ? " " : "",
		c->usage);
}

int xl_help(const char *name)
{
	const struct xl_cmd *c = find_cmd(name);
	const char *why = xl_unsupported_why(name);

	if (!c && why)
		printf("%s: a command of Xen's xl that hv does not support: %s.\n", name, why);
	if (!c)
		return XL_OK;
	print_usage(stdout, c);
	printf("\n%s.\n", c->summary);
	if (c->options)
		printf("\nOptions:\n%s", c->options);
	printf("  -h, --help     print this help\n");
	if (has_dryrun(c->name))
		printf("\nWith xl -N, says what it would do and does nothing.\n");
	return XL_OK;
}

int xl_usage(const char *name, const char *fmt, ...)
{
	const struct xl_cmd *c = find_cmd(name);
	va_list ap;

	if (fmt) {
		fprintf(stderr, "xl: %s: ", name);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	if (c)
		print_usage(stderr, c);
	fprintf(stderr, "Try 'xl help %s' for more.\n", name);
	return XL_USAGE;
}

int xl_timeout_arg(const char *cmd, const char *arg, unsigned long *ms_r)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(arg, &end);
	if (errno || end == arg || *end || !(s > 0) || s > 3600)
		return xl_usage(cmd, "--timeout: \"%s\" is not a number of seconds from 0.001 "
				"to 3600 (try 30)", arg);
	*ms_r = (unsigned long)(s * 1000 + 0.5);
	if (!*ms_r)
		*ms_r = 1;
	return 0;
}

int xl_hotplug_args(const char *cmd, int argc, char **argv, int min_specs, const char *usage,
		    uint32_t *domid_r, char **spec_r)
{
	size_t len = 1;
	int c;

	*spec_r = NULL;
	while ((c = xl_getopt(argc, argv, "")) != -1) {
		if (c == XL_HELP) {
			xl_help(cmd);
			return XL_HELP;
		}
		return XL_USAGE;
	}
	if (argc - optind < 1 + min_specs)
		return xl_usage(cmd, "%s", usage);
	for (int i = optind + 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	*spec_r = calloc(1, len);
	if (!*spec_r)
		return xl_error(HV_ERROR_NOMEM, "%s", cmd);
	for (int i = optind + 1; i < argc; i++) {
		if (i > optind + 1)
			strcat(*spec_r, ",");
		strcat(*spec_r, argv[i]);
	}
	if (xl_lookup(argv[optind], domid_r)) {
		free(*spec_r);
		*spec_r = NULL;
		return XL_FAIL;
	}
	return XL_OK;
}

int xl_hotplug_detach(const char *cmd, int argc, char **argv, unsigned int force,
		      int (*detach)(hv_ctx *ctx, uint32_t domid, const char *dev,
				    unsigned int flags, unsigned int timeout_ms),
		      const char *what)
{
	unsigned int flags = 0;
	unsigned long timeout_ms = 0;
	uint32_t domid;
	int c, rc;

	while ((c = xl_getopt(argc, argv, "ft:")) != -1) {
		switch (c) {
		case 'f':
			flags |= force;
			break;
		case 't':
			if (xl_timeout_arg(cmd, optarg, &timeout_ms))
				return XL_USAGE;
			break;
		case XL_HELP:
			return xl_help(cmd);
		default:
			return XL_USAGE;
		}
	}
	if (optind + 2 != argc)
		return xl_usage(cmd, "give a domain and %s", what);
	if (xl_lookup(argv[optind], &domid))
		return XL_FAIL;
	if (xl_dry("detach %s %s from domain %s (%" PRIu32 ")%s", strncmp(cmd, "block", 5) ? "vif" : "disk",
		   argv[optind + 1], argv[optind], domid, flags ? ", forced" : ""))
		return XL_OK;
	xl_error_mark();
	rc = detach(xl_ctx, domid, argv[optind + 1], flags, (unsigned int)timeout_ms);
	if (rc)
		return xl_error(rc, "%s %s from domain %s", cmd, argv[optind + 1], argv[optind]);
	return XL_OK;
}

/* Whether @w is one of the space-separated words of @list. */
static bool word_in(const char *w, const char *list)
{
	size_t n = strlen(w);

	for (const char *p = list; *p;) {
		size_t k = strcspn(p, " ");

		if (k == n && !strncmp(p, w, n))
			return true;
		p += k;
		p += *p == ' ';
	}
	return false;
}

int xl_getopt(int argc, char **argv, const char *opts)
{
	/*
	 * Long forms of short options, as Xen's xl spells them; each counts
	 * only where its letter does, and for the commands named after it
	 * where the same letter means other things to other commands.
	 */
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "long", no_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "lazy", no_argument, NULL, 'L' },
		{ "force", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "wait", no_argument, NULL, 'w' },
		{ "dryrun", no_argument, NULL, 'n' },
		{ "defconfig", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "context", no_argument, NULL, 'Z' },
		{ "cpupool", no_argument, NULL, 'c' },
		{ "numa", no_argument, NULL, 'n' },
		{ "clear", no_argument, NULL, 'c' },
		{ "batch", no_argument, NULL, 'b' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "delay", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "debug", no_argument, NULL, 'D' },
		{ "downtime-ms", required_argument, NULL, 'W' },
		{ "ceiling-ms", required_argument, NULL, 'X' },
		{ "bandwidth", required_argument, NULL, 'B' },
		{ "compress", no_argument, NULL, 'z' },
		{ "auto-converge", no_argument, NULL, 'A' },
		{ "listen", required_argument, NULL, 'I' },
		{ "local", no_argument, NULL, 'O' },
		{ "query", required_argument, NULL, 'Q' },
		{ "tls-cert", required_argument, NULL, 'R' },
		{ "tls-key", required_argument, NULL, 'Y' },
		{ "tls-ca", required_argument, NULL, 'U' },
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	/* the commands a long option is for, where its letter is not for all */
	static const struct {
		const char *name, *cmds;
	} only[] = {
		{ "force", "block-detach network-detach destroy" },
		{ "timeout", "block-detach network-detach migrate" },
		{ "all", "shutdown reboot" },
		{ "wait", "shutdown reboot" },
		{ "dryrun", "create" },
		{ "defconfig", "create" },
		{ "quiet", "create" },
		{ "context", "list" },
		{ "cpupool", "list" },
		{ "numa", "list info" },
		{ "clear", "dmesg" },
		{ "batch", "top" },
		{ "key", "save restore migrate migrate-receive" },
		{ "iterations", "top" },
		{ "delay", "top" },
		{ "json", "top" },
		{ "debug", "migrate" },
		{ "downtime-ms", "migrate" },
		{ "ceiling-ms", "migrate" },
		{ "bandwidth", "migrate" },
		{ "compress", "migrate" },
		{ "auto-converge", "migrate" },
		{ "listen", "migrate-receive" },
		{ "local", "migrate" },
		{ "query", "migrate-receive" },
		{ "tls-cert", "migrate migrate-receive" },
		{ "tls-key", "migrate migrate-receive" },
		{ "tls-ca", "migrate migrate-receive" },
	};
	const char *for_cmds = NULL;
	char spec[64];
	int c, li = -1;

	snprintf(spec, sizeof(spec), ":h%s", opts);
	c = getopt_long(argc, argv, spec, longopts, &li);
	if (c == 'h')
		return XL_HELP;
	for (size_t i = 0; li > 0 && i < sizeof(only) / sizeof(only[0]); i++)
		if (!strcmp(only[i].name, longopts[li].name))
			for_cmds = only[i].cmds;
	if (li > 0 && (!strchr(opts, c) || (for_cmds && !word_in(argv[0], for_cmds)))) {
		xl_usage(argv[0], "unknown option --%s", longopts[li].name);
		return '?';
	}
	if (c == '?') {
		if (optopt)
			xl_usage(argv[0], "unknown option -%c", optopt);
		else
			xl_usage(argv[0], "unknown option %s",
				 argv[optind - 1]);
		return '?';
	}
	if (c == ':') {
		xl_usage(argv[0], "option -%c needs an argument", optopt);
		return '?';
	}
	return c;
}

int xl_lookup(const char *name_or_id, uint32_t *domid_r)
{
	int rc;

	if (xl_is_dom0(name_or_id)) {
		*domid_r = HV_DOMID_INVALID;
		fprintf(stderr, "xl: %s: Domain-0 (domain 0) is the host, not a domain hv runs: "
			"%s acts on hv's domains only (xl list shows them)\n", cmd_name, cmd_name);
		return XL_FAIL;
	}
	xl_error_mark();
	rc = hv_domain_lookup(xl_ctx, name_or_id, domid_r);
	if (rc)
		return xl_error(rc, "domain %s", name_or_id);
	return XL_OK;
}

int xl_config_of(const char *cmd, const char *name_or_id, uint32_t *domid_r,
		 hv_domain_config *cfg)
{
	int rc;

	hv_domain_config_init(cfg);
	if (xl_lookup(name_or_id, domid_r))
		return XL_FAIL;
	xl_error_mark();
	rc = hv_domain_config_get(xl_ctx, *domid_r, cfg);
	if (rc)
		return xl_error(rc, "%s: domain %s", cmd, name_or_id);
	return XL_OK;
}

/*
 * Whether @file holds libvirt domain XML: its name ends in .xml, or its
 * first character after blanks (and a UTF-8 byte order mark) is '<', which
 * no xl.cfg starts with.
 */
static bool is_xml_file(const char *file)
{
	size_t n = strlen(file);
	unsigned char head[256];
	size_t len = 0, i = 0;
	FILE *f;

	if (n > 4 && !strcasecmp(file + n - 4, ".xml"))
		return true;
	f = fopen(file, "rb");
	if (!f)
		return false;	/* the xl.cfg reader says why */
	len = fread(head, 1, sizeof(head), f);
	fclose(f);
	if (len >= 3 && head[0] == 0xef && head[1] == 0xbb && head[2] == 0xbf)
		i = 3;
	while (i < len && (head[i] == ' ' || head[i] == '\t' || head[i] == '\n' || head[i] == '\r'))
		i++;
	return i < len && head[i] == '<';
}

int xl_config_read(const char *file, hv_domain_config *cfg)
{
	int rc;

	xl_error_mark();
	if (is_xml_file(file))
		rc = hv_domain_config_from_xml_file(xl_ctx, file, cfg);
	else
		rc = hv_config_parse_xl_file(xl_ctx, file, cfg);
	if (rc)
		return xl_error(rc, "%s: cannot read the config", file);
	return xl_conf_apply(cfg);
}

int xl_config_settings(hv_domain_config *cfg, int argc, char **argv, int first)
{
	for (int i = first; i < argc; i++) {
		int rc = hv_config_set(xl_ctx, cfg, argv[i]);

		if (rc)
			return xl_error(rc, "command line: %s", argv[i]);
	}
	return xl_conf_apply(cfg);
}

int xl_domains_get(struct xl_domains *ds, int argc, char **argv, int first)
{
	return xl_domains_get_flags(ds, argc, argv, first, 0);
}

int xl_domains_get_flags(struct xl_domains *ds, int argc, char **argv, int first,
			 unsigned int flags)
{
	size_t n = (size_t)(argc - first);
	bool dom0 = flags & XL_DOMAINS_DOM0;
	uint32_t *ids = NULL;
	int rc = XL_FAIL;

	memset(ds, 0, sizeof(*ds));
	if (n && !(ids = calloc(n, sizeof(*ids))))
		return xl_error(HV_ERROR_NOMEM, "list domains");
	for (size_t i = 0; i < n; i++) {
		if (dom0 && xl_is_dom0(argv[first + i]))
			ids[i] = 0;
		else if (xl_lookup(argv[first + i], &ids[i]))
			goto out;
	}
	xl_error_mark();
	rc = hv_domain_list(xl_ctx, &ds->all, &ds->nr_all);
	if (rc) {
		rc = xl_error(rc, "list domains");
		goto out;
	}
	if (dom0 && n) {
		/* named domains: the host's row only if it is one of them */
		bool named = false;

		for (size_t i = 0; i < n; i++)
			named |= ids[i] == 0;
		dom0 = named;
	}
	if (dom0) {
		hv_physinfo pi;

		hv_physinfo_init(&pi);
		xl_error_mark();
		rc = hv_physinfo_get(xl_ctx, &pi);
		if (rc) {
			rc = xl_error(rc, "get host information");
			goto out;
		}
		xl_dom0_info(&pi, &ds->dom0);
	}
	if (!n && !dom0) {
		ds->d = ds->all;
		ds->nr = ds->nr_all;
		goto out;
	}
	if (!n) {
		/* Domain-0 first, as Xen lists it */
		ds->d = calloc(ds->nr_all + 1, sizeof(*ds->d));
		if (!ds->d) {
			rc = xl_error(HV_ERROR_NOMEM, "list domains");
			goto out;
		}
		ds->d[0] = &ds->dom0;
		for (size_t j = 0; j < ds->nr_all; j++)
			ds->d[j + 1] = ds->all[j];
		ds->nr = ds->nr_all + 1;
		goto out;
	}
	ds->d = calloc(n, sizeof(*ds->d));
	if (!ds->d) {
		rc = xl_error(HV_ERROR_NOMEM, "list domains");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (dom0 && ids[i] == 0)
			ds->d[i] = &ds->dom0;
		for (size_t j = 0; j < ds->nr_all && !ds->d[i]; j++)
			if (ds->all[j]->domid == ids[i])
				ds->d[i] = ds->all[j];
		if (!ds->d[i]) {
			/* destroyed since the lookup */
			xl_error_mark();
			rc = xl_error(HV_ERROR_NOTFOUND, "domain %s", argv[first + i]);
			goto out;
		}
	}
	ds->nr = n;
out:
	free(ids);
	if (rc)
		xl_domains_free(ds);
	return rc;
}

void xl_domains_free(struct xl_domains *ds)
{
	if (ds->d != ds->all)
		free(ds->d);
	hv_dominfo_list_free(ds->all, ds->nr_all);
	memset(ds, 0, sizeof(*ds));
}

static void main_usage(FILE *f)
{
	fprintf(f, "Usage: xl [-vfNtT] COMMAND [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < NR_CMDS; i++)
		fprintf(f, " %-14s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\nGlobal options:\n"
		" -v             also print libhv's informational messages (twice: debug)\n"
		" -N             dry run: say what the command would do, and do nothing\n"
		" -f             force: accepted for Xen compatibility\n"
		" -t             draw progress bars even when standard error is no terminal\n"
		" -T             date and process id before each message\n"
		"\nA command may be shortened to a prefix of its name that no other command\n"
		"has (xl li: list).  Xen's commands that hv does not have (cpupool-*, pci-*,\n"
		"psr-*, ...) say why.  xl COMMAND --help, or xl help COMMAND, describes one\n"
		"command.\n");
}

int main_help(int argc, char **argv)
{
	const char *name;
	int c;

	while ((c = xl_getopt(argc, argv, "")) != -1) {
		if (c == XL_HELP)
			return xl_help("help");
		return XL_USAGE;
	}
	if (optind == argc) {
		main_usage(stdout);
		return XL_OK;
	}
	if (optind + 1 < argc)
		return xl_usage("help", "give at most one command");
	if (resolve_cmd(argv[optind], &name))
		return XL_FAIL;
	return xl_help(name);
}

int main(int argc, char **argv)
{
	static const struct option globals[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct xl_cmd *c;
	const char *name;
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:hvfNtT", globals, NULL)) != -1) {
		switch (opt) {
		case 'v':
			xl_verbose++;
			break;
		case 'f':
			xl_force = true;
			break;
		case 'N':
			xl_dryrun = true;
			break;
		case 't':
			progress_cr = true;
			break;
		case 'T':
			timestamps = true;
			break;
		case 'h':
			main_usage(stdout);
			return XL_OK;
		default:
			fprintf(stderr, "xl: unknown global option %s (xl help lists them)\n",
				argv[optind - 1]);
			return XL_FAIL;
		}
	}
	if (optind == argc) {
		main_usage(stderr);
		return XL_FAIL;
	}
	if (resolve_cmd(argv[optind], &name))
		return XL_FAIL;
	cmd_name = name;
	argc -= optind;
	argv += optind;
	/* the full name, so that messages and per-command options know it */
	argv[0] = (char *)name;
	c = find_cmd(name);
	if (!c)
		return xl_unsupported(name);
	/* help changes nothing and answers -N too, as in Xen's xl */
	if (xl_dryrun && !has_dryrun(name) && strcmp(name, "help")) {
		fprintf(stderr, "xl: %s: has no dry run (-N), as in Xen's xl; run it without "
			"-N\n", name);
		return XL_FAIL;
	}
	rc = hv_ctx_new(&xl_ctx);
	if (rc) {
		fprintf(stderr, "xl: cannot make a libhv context: %s\n",
			hv_strerror(rc));
		return XL_FAIL;
	}
	hv_ctx_set_logger(xl_ctx, logger, NULL, HV_LOG_DEBUG);
	/* xl.conf, as Xen's xl reads its own before any command; help needs
	 * none, so it works whatever the file says */
	rc = strcmp(name, "help") ? xl_conf_read() : XL_OK;
	optind = 0;
	if (!rc)
		rc = c->main(argc, argv);
	xl_conf_free();
	hv_ctx_free(xl_ctx);
	if (fflush(stdout) == EOF && !rc) {
		perror("xl: writing the output");
		rc = XL_FAIL;
	}
	return rc;
}
