/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xl create, destroy, shutdown, reboot, pause, unpause, rename. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "xl.h"

#define POLL_MS 1000
/* How long a restarting domain may be absent before we say it is gone. */
#define RESTART_GRACE_MS 5000

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * Copy a list's entry: what both know of it (libhv may be newer than our
 * header, or older), as a structure of our size.
 */
static void copy_info(hv_dominfo *dst, const hv_dominfo *src)
{
	size_t n = src->struct_size < sizeof(*dst) ? src->struct_size :
		sizeof(*dst);

	hv_dominfo_init(dst);
	memcpy(dst, src, n);
	dst->struct_size = sizeof(*dst);
}

/* The entry for @domid in the current list (copied), or false. */
static int find_domain(uint32_t domid, const char *name, hv_dominfo *info_r,
		       bool *found_r)
{
	hv_dominfo **list = NULL;
	size_t nr = 0;
	int rc;

	*found_r = false;
	xl_error_mark();
	rc = hv_domain_list(xl_ctx, &list, &nr);
	if (rc)
		return xl_error(rc, "list domains");
	for (size_t i = 0; i < nr; i++) {
		if (name ? !strcmp(list[i]->name, name) && list[i]->domid != domid :
		    list[i]->domid == domid) {
			copy_info(info_r, list[i]);
			*found_r = true;
			break;
		}
	}
	hv_dominfo_list_free(list, nr);
	return XL_OK;
}

/* Sleep until an event or POLL_MS passes; events only wake us early. */
static void wait_a_little(void)
{
	hv_event ev;

	hv_event_init(&ev);
	xl_quiet(true);
	hv_event_wait(xl_ctx, &ev, POLL_MS);
	xl_quiet(false);
}

/*
 * Whether @d, which has ended, stays as it is: hvd shows a domain that
 * ended as SHUTDOWN or CRASHED for a moment before it destroys or
 * restarts it, so only the action tells.
 */
static bool kept(const hv_dominfo *d)
{
	enum hv_action a;

	if (d->state != HV_STATE_SHUTDOWN && d->state != HV_STATE_CRASHED)
		return false;
	switch (d->shutdown_code) {
	case HV_SHUTDOWN_POWEROFF:
		a = d->on_poweroff;
		break;
	case HV_SHUTDOWN_REBOOT:
		a = d->on_reboot;
		break;
	case HV_SHUTDOWN_CRASH:
		a = d->on_crash;
		break;
	default:
		return true;
	}
	return a != HV_ACTION_DESTROY && a != HV_ACTION_RESTART;
}

/* An ended domain that stays so this long is kept, whatever its action
 * says (hvd keeps a domain that restarts too often). */
#define ENDED_SETTLE_MS 2000

int xl_wait_end(uint32_t domid, enum xl_wait_end *how_r)
{
	hv_dominfo info;
	long ended = 0;
	bool found;
	int fd;

	xl_quiet(true);
	hv_event_fd(xl_ctx, &fd);
	xl_quiet(false);
	for (;;) {
		if (find_domain(domid, NULL, &info, &found))
			return XL_FAIL;
		if (!found) {
			*how_r = XL_GONE;
			return XL_OK;
		}
		if (info.state != HV_STATE_SHUTDOWN &&
		    info.state != HV_STATE_CRASHED)
			ended = 0;
		else if (!ended)
			ended = now_ms();
		if (kept(&info) ||
		    (ended && now_ms() - ended >= ENDED_SETTLE_MS)) {
			*how_r = XL_PRESERVED;
			return XL_OK;
		}
		wait_a_little();
	}
}

/*
 * After @old (named @name, started at @started) ended: the domain that
 * replaced it by a restart, waiting up to RESTART_GRACE_MS for it.
 */
static int find_restarted(uint32_t old, const char *name, time_t started,
			  hv_dominfo *info_r, bool *found_r)
{
	long deadline = now_ms() + RESTART_GRACE_MS;

	for (;;) {
		if (find_domain(old, name, info_r, found_r))
			return XL_FAIL;
		if (!*found_r) {
			hv_dominfo same;
			bool alive;

			/* a restart that kept the id */
			if (find_domain(old, NULL, &same, &alive))
				return XL_FAIL;
			if (alive && !strcmp(same.name, name) &&
			    same.start_time != started &&
			    same.state != HV_STATE_SHUTDOWN &&
			    same.state != HV_STATE_CRASHED) {
				*info_r = same;
				*found_r = true;
			}
		}
		if (*found_r || now_ms() >= deadline)
			return XL_OK;
		wait_a_little();
	}
}

/* --- create ------------------------------------------------------------ */

/* Stay with the domain until it dies, following restarts (create -F). */
static int follow(uint32_t domid, const char *name, bool console, bool unpause, bool q)
{
	char *nm = strdup(name);
	int rc = XL_OK;

	if (!nm)
		return xl_error(HV_ERROR_NOMEM, "create -F");
	for (;;) {
		enum xl_wait_end how;
		hv_dominfo info;
		bool found, closed = false;

		if (find_domain(domid, NULL, &info, &found)) {
			rc = XL_FAIL;
			break;
		}
		if (!found)
			break;
		if (console) {
			rc = xl_console_attach(domid, unpause, &closed);
			unpause = false;
			if (rc > XL_USAGE)	/* a signal */
				break;
			console = closed;	/* detached: stop showing it */
			rc = XL_OK;
		}
		if (xl_wait_end(domid, &how)) {
			rc = XL_FAIL;
			break;
		}
		if (how == XL_PRESERVED &&
		    (!find_domain(domid, NULL, &info, &found) && found &&
		     info.shutdown_code == HV_SHUTDOWN_REBOOT &&
		     info.on_reboot == HV_ACTION_RENAME_RESTART)) {
			/* the old one is kept under a new name; follow the new */
			how = XL_GONE;
		}
		if (how == XL_PRESERVED) {
			if (!q)
				fprintf(stderr, "Domain %u has shut down and is preserved\n",
					(unsigned int)domid);
			break;
		}
		if (find_restarted(domid, nm, info.start_time, &info, &found)) {
			rc = XL_FAIL;
			break;
		}
		if (!found) {
			if (!q)
				fprintf(stderr, "Domain %u is dead\n",
					(unsigned int)domid);
			break;
		}
		if (!q)
			fprintf(stderr, "Domain %u has restarted as domain %u\n",
				(unsigned int)domid, (unsigned int)info.domid);
		domid = info.domid;
	}
	free(nm);
	return rc;
}

int main_create(int argc, char **argv)
{
	hv_domain_config cfg;
	const char *file = NULL;
	bool paused = false, console = false, fg = false, dry = false, q = false;
	uint32_t domid;
	int c, rc;

	hv_domain_config_init(&cfg);
	while ((c = xl_getopt(argc, argv, "pcFnqf:e")) != -1) {
		switch (c) {
		case 'p':
			paused = true;
			break;
		case 'c':
			console = true;
			break;
		case 'F':
			fg = true;
			break;
		case 'n':
			dry = true;
			break;
		case 'q':
			q = true;
			break;
		case 'f':
			file = optarg;
			break;
		case 'e':
			/* Xen: no event loop after creating; that is our default */
			break;
		case XL_HELP:
			return xl_help("create");
		default:
			return XL_USAGE;
		}
	}
	/* xl -N: Xen's global form of -n */
	if (xl_dryrun)
		dry = true;
	if (!file && optind < argc && !strchr(argv[optind], '='))
		file = argv[optind++];
	if (!file)
		return xl_usage("create", "give a config file");
	for (int i = optind; i < argc; i++)
		if (!strchr(argv[i], '='))
			return xl_usage("create", "'%s' is neither an option nor KEY=VALUE",
					argv[i]);
	if (!q && !dry)
		fprintf(stderr, "Parsing config from %s\n", file);
	rc = xl_config_read(file, &cfg);
	if (!rc)
		rc = xl_config_settings(&cfg, argc, argv, optind);
	if (rc)
		goto out;
	if (dry) {
		/* what xl create refuses of the configuration, the same code;
		 * files (the kernel, disk targets) are opened only by a create */
		rc = hv_config_validate(xl_ctx, &cfg, HV_CONFIG_VALIDATE_CREATE);
		if (rc) {
			rc = xl_error(rc, "%s: invalid config", file);
			goto out;
		}
		rc = xl_print_dry_json(&cfg);
		goto out;
	}
	/* with a console, start paused and unpause once it is attached */
	rc = hv_domain_create(xl_ctx, &cfg, paused || console ? HV_CREATE_PAUSED : 0,
			      &domid);
	if (rc) {
		rc = xl_error(rc, "create domain \"%s\" from %s",
			      cfg.name ? cfg.name : "", file);
		goto out;
	}
	if (!q)
		fprintf(stderr, "Domain \"%s\" created as domain %u%s\n",
			cfg.name, (unsigned int)domid, paused ? ", paused" : "");
	if (fg) {
		rc = follow(domid, cfg.name, console, console && !paused, q);
	} else if (console) {
		bool closed;

		rc = xl_console_attach(domid, !paused, &closed);
	}
out:
	hv_domain_config_dispose(&cfg);
	return rc;
}

/* --- one domain, one call ---------------------------------------------- */

static int one_domain(int argc, char **argv, const char *cmd,
		      int (*fn)(hv_ctx *, uint32_t), const char *verb)
{
	uint32_t domid;
	int c, rc;

	/* destroy -f: Xen's consent to destroy domain 0; hv refuses that all the same */
	while ((c = xl_getopt(argc, argv, strcmp(cmd, "destroy") ? "" : "f")) != -1) {
		if (c == 'f')
			continue;
		if (c == XL_HELP)
			return xl_help(cmd);
		return XL_USAGE;
	}
	if (optind + 1 != argc)
		return xl_usage(cmd, "give one domain");
	if (xl_lookup(argv[optind], &domid))
		return XL_FAIL;
	if (xl_dry("%s domain %s (%" PRIu32 ")", verb, argv[optind], domid))
		return XL_OK;
	xl_error_mark();
	rc = fn(xl_ctx, domid);
	if (rc)
		return xl_error(rc, "%s domain %s", verb, argv[optind]);
	return XL_OK;
}

int main_destroy(int argc, char **argv)
{
	return one_domain(argc, argv, "destroy", hv_domain_destroy, "destroy");
}

int main_pause(int argc, char **argv)
{
	return one_domain(argc, argv, "pause", hv_domain_pause, "pause");
}

int main_unpause(int argc, char **argv)
{
	return one_domain(argc, argv, "unpause", hv_domain_unpause, "unpause");
}

int main_rename(int argc, char **argv)
{
	uint32_t domid;
	int c, rc;

	while ((c = xl_getopt(argc, argv, "")) != -1) {
		if (c == XL_HELP)
			return xl_help("rename");
		return XL_USAGE;
	}
	if (optind + 2 != argc)
		return xl_usage("rename", "give a domain and its new name");
	if (xl_lookup(argv[optind], &domid))
		return XL_FAIL;
	if (xl_dry("rename domain %s (%" PRIu32 ") to %s", argv[optind], domid,
		   argv[optind + 1]))
		return XL_OK;
	xl_error_mark();
	rc = hv_domain_rename(xl_ctx, domid, argv[optind + 1]);
	if (rc)
		return xl_error(rc, "rename domain %s to %s", argv[optind],
				argv[optind + 1]);
	return XL_OK;
}

/* --- config-update ------------------------------------------------------ */

/*
 * xl config-update DOMAIN [CONFIGFILE] [KEY=VALUE...]: the configuration of
 * the domain's next start by a restart action.  Without a file, the
 * settings change the configuration the domain runs with.
 */
int main_config_update(int argc, char **argv)
{
	hv_domain_config cfg;
	const char *file = NULL, *dom;
	uint32_t domid;
	int c, rc;

	while ((c = xl_getopt(argc, argv, "f:")) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case XL_HELP:
			return xl_help("config-update");
		default:
			return XL_USAGE;
		}
	}
	if (optind >= argc)
		return xl_usage("config-update", "give a domain");
	dom = argv[optind++];
	if (!file && optind < argc && !strchr(argv[optind], '='))
		file = argv[optind++];
	for (int i = optind; i < argc; i++)
		if (!strchr(argv[i], '='))
			return xl_usage("config-update", "'%s' is neither a config file nor KEY=VALUE",
					argv[i]);
	if (!file && optind == argc)
		return xl_usage("config-update", "give a config file, KEY=VALUE settings or both");
	if (xl_lookup(dom, &domid))
		return XL_FAIL;
	hv_domain_config_init(&cfg);
	if (file) {
		rc = xl_config_read(file, &cfg);
	} else {
		xl_error_mark();
		rc = hv_domain_config_get(xl_ctx, domid, &cfg);
		if (rc)
			rc = xl_error(rc, "configuration of domain %s", dom);
	}
	if (!rc)
		rc = xl_config_settings(&cfg, argc, argv, optind);
	if (rc)
		goto out;
	if (xl_dry("update the configuration of domain %s (%" PRIu32 ") for its next start",
		   dom, domid)) {
		rc = XL_OK;
		goto out;
	}
	xl_error_mark();
	rc = hv_domain_config_update(xl_ctx, domid, &cfg);
	if (rc)
		rc = xl_error(rc, "config-update domain %s", dom);
out:
	hv_domain_config_dispose(&cfg);
	return rc;
}

/* --- shutdown and reboot ----------------------------------------------- */

/* Wait until @d has rebooted: replaced by a new domain of its name. */
static int wait_rebooted(const hv_dominfo *d)
{
	enum xl_wait_end how;
	hv_dominfo info;
	bool found;

	for (;;) {
		if (find_domain(d->domid, NULL, &info, &found))
			return XL_FAIL;
		if (found && kept(&info)) {
			if (info.shutdown_code != HV_SHUTDOWN_REBOOT ||
			    info.on_reboot != HV_ACTION_RENAME_RESTART) {
				fprintf(stderr, "Domain %u has shut down and is preserved\n",
					(unsigned int)d->domid);
				return XL_OK;
			}
			/* kept under a new name: look for its successor */
		} else if (found && info.start_time == d->start_time) {
			wait_a_little();
			continue;
		} else if (found && info.state != HV_STATE_DYING) {
			fprintf(stderr, "Domain %u has rebooted\n",
				(unsigned int)d->domid);
			return XL_OK;
		} else if (found && xl_wait_end(d->domid, &how)) {
			return XL_FAIL;
		}
		if (find_restarted(d->domid, d->name, d->start_time, &info,
				   &found))
			return XL_FAIL;
		if (!found) {
			fprintf(stderr, "Domain %u is dead and did not come back (on_reboot = destroy?)\n",
				(unsigned int)d->domid);
			return XL_OK;
		}
		fprintf(stderr, "Domain %u has rebooted as domain %u\n",
			(unsigned int)d->domid, (unsigned int)info.domid);
		return XL_OK;
	}
}

static int shutdown_reboot(int argc, char **argv, bool reboot)
{
	const char *cmd = reboot ? "reboot" : "shutdown";
	struct xl_domains ds;
	size_t i;
	bool wait = false, all = false;
	int c, rc = XL_OK, fd;

	while ((c = xl_getopt(argc, argv, "waF")) != -1) {
		switch (c) {
		case 'w':
			wait = true;
			break;
		case 'a':
			all = true;
			break;
		case 'F':
			/* Xen: fall back to ACPI for HVM guests; that is all hv does */
			break;
		case XL_HELP:
			return xl_help(cmd);
		default:
			return XL_USAGE;
		}
	}
	if (all ? optind != argc : optind + 1 != argc)
		return xl_usage(cmd, all ? "-a takes no domain" :
				"give one domain, or -a for all");
	xl_error_mark();
	if (wait) {
		xl_quiet(true);
		hv_event_fd(xl_ctx, &fd);
		xl_quiet(false);
	}
	if (xl_domains_get(&ds, argc, argv, optind))
		return XL_FAIL;
	for (i = 0; i < ds.nr; i++) {
		hv_dominfo *d = ds.d[i];
		int r;

		if (all && (d->state == HV_STATE_SHUTDOWN ||
			    d->state == HV_STATE_CRASHED ||
			    d->state == HV_STATE_DYING)) {
			d->domid = HV_DOMID_INVALID;
			continue;
		}
		if (xl_dry("%s domain %s (%u)%s", reboot ? "reboot" : "shut down", d->name,
			   (unsigned int)d->domid, wait ? " and wait" : "")) {
			d->domid = HV_DOMID_INVALID;
			continue;
		}
		fprintf(stderr, "%s domain %u\n",
			reboot ? "Rebooting" : "Shutting down",
			(unsigned int)d->domid);
		xl_error_mark();
		r = reboot ? hv_domain_reboot(xl_ctx, d->domid) :
			hv_domain_shutdown(xl_ctx, d->domid);
		if (r) {
			rc = xl_error(r, "%s domain %s (%u)", cmd, d->name,
				      (unsigned int)d->domid);
			d->domid = HV_DOMID_INVALID;
		}
	}
	if (!wait)
		goto out;
	for (i = 0; i < ds.nr; i++) {
		const hv_dominfo *d = ds.d[i];
		enum xl_wait_end how;

		if (d->domid == HV_DOMID_INVALID)
			continue;
		if (reboot) {
			if (wait_rebooted(d))
				rc = XL_FAIL;
			continue;
		}
		if (xl_wait_end(d->domid, &how)) {
			rc = XL_FAIL;
			continue;
		}
		fprintf(stderr, how == XL_GONE ? "Domain %u is dead\n" :
			"Domain %u has shut down and is preserved\n",
			(unsigned int)d->domid);
	}
out:
	xl_domains_free(&ds);
	return rc;
}

int main_shutdown(int argc, char **argv)
{
	return shutdown_reboot(argc, argv, false);
}

int main_reboot(int argc, char **argv)
{
	return shutdown_reboot(argc, argv, true);
}
