/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xl migrate, migrate-receive.  As in Xen, the sender runs
 * "ssh HOST xl migrate-receive" (or -s's command) with a socket as its
 * standard input and output, and libhv speaks the migration protocol
 * (docs/migration.md) over it.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "xl.h"

#define RECEIVER_EXIT_MS 30000	/* after the migration, for the receiver to end */

/* A number of @what from @arg, @min to @max; false (said) if it is not one. */
static bool number_arg(const char *arg, const char *what, double min, double max, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(arg, &end);
	if (errno || end == arg || *end || *v < min || *v > max) {
		xl_usage("migrate", "%s %s: give a number from %g to %g", what, arg, min, max);
		return false;
	}
	return true;
}

/* --tls-cert, --tls-key, --tls-ca (both commands): whether @c was one. */
static bool tls_option(int c, struct xl_tls_opts *tls)
{
	switch (c) {
	case 'R':
		tls->cert = optarg;
		return true;
	case 'Y':
		tls->key = optarg;
		return true;
	case 'U':
		tls->ca = optarg;
		return true;
	default:
		return false;
	}
}

struct send_progress {
	hv_progress bar;		/* xl's progress bar */
	bool debug;
	unsigned int last_round;
	hv_migrate_phase last_phase;
};

static const char *phase_name(hv_migrate_phase p)
{
	switch (p) {
	case HV_MIGRATE_PHASE_PREFLIGHT: return "preflight";
	case HV_MIGRATE_PHASE_SETUP: return "setup";
	case HV_MIGRATE_PHASE_FIRST: return "memory";
	case HV_MIGRATE_PHASE_ROUNDS: return "rounds";
	case HV_MIGRATE_PHASE_FINAL: return "final";
	}
	return "?";
}

static int on_progress(void *opaque, const hv_migrate_progress *p)
{
	struct send_progress *s = opaque;
	uint64_t done;

	if (s->debug && p->phase != s->last_phase && p->phase < HV_MIGRATE_PHASE_ROUNDS) {
		xl_progress_clear();
		fprintf(stderr, "migration: %s\n", phase_name(p->phase));
	}
	if (s->debug && (p->round != s->last_round || p->phase != s->last_phase) &&
	    p->phase >= HV_MIGRATE_PHASE_ROUNDS) {
		xl_progress_clear();
		fprintf(stderr, "migration: round %u: %.1f MiB dirty, the guest writes %.1f MiB/s, %.1f MiB/s sent; downtime now: %.2f ms\n",
			p->round, p->remaining_bytes / 1048576.0, p->dirty_rate / 1048576.0,
			p->bandwidth / 1048576.0, p->expected_downtime_ns / 1e6);
	}
	s->last_round = p->round;
	s->last_phase = p->phase;
	if (!p->memory_bytes)
		return s->bar.fn(s->bar.opaque, 0, 1);
	/* the first pass fills the bar; rounds show what is left */
	done = p->phase >= HV_MIGRATE_PHASE_ROUNDS ?
		p->memory_bytes - (p->remaining_bytes < p->memory_bytes ? p->remaining_bytes :
				   p->memory_bytes) :
		p->sent_bytes < p->memory_bytes ? p->sent_bytes : p->memory_bytes;
	return s->bar.fn(s->bar.opaque, done, p->memory_bytes);
}

/*
 * Whether a key file's path can go to the receiver's command line through
 * ssh as it is: two shells read it (this side's and the far one's), so
 * only characters neither treats specially.
 */
static bool path_plain(const char *path)
{
	return path[0] && strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				 "0123456789/._-+,:@%") == strlen(path);
}

/*
 * The receiver: sh -c "SSHCOMMAND HOST xl migrate-receive [-p] [-k KEYFILE]",
 * or with an empty SSHCOMMAND, sh -c "HOST"; its standard input and output
 * are one end of a socket pair, whose other end goes to *fd_r.
 */
static pid_t start_receiver(const char *ssh, const char *host, bool paused,
			    const char *keyfile, int *fd_r)
{
	char *cmd = NULL;
	int sv[2];
	pid_t pid;

	if (ssh && !*ssh)
		cmd = strdup(host);
	else if (asprintf(&cmd, "%s %s xl migrate-receive%s%s%s", ssh ? ssh : "ssh", host,
			  paused ? " -p" : "", keyfile ? " -k " : "", keyfile ? keyfile : "") < 0)
		cmd = NULL;
	if (!cmd)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		xl_error(0, "migrate: cannot make a socket pair: %s", strerror(errno));
		free(cmd);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		dup2(sv[1], STDIN_FILENO);
		dup2(sv[1], STDOUT_FILENO);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		fprintf(stderr, "xl: migrate: cannot run /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	free(cmd);
	if (pid < 0) {
		xl_error(0, "migrate: cannot start the receiver: %s", strerror(errno));
		close(sv[0]);
		return -1;
	}
	*fd_r = sv[0];
	return pid;
}

/*
 * After go, no report: asks the destination which copy runs (the same
 * command as the receiver's, with --query ID) and acts on it.  XL_OK when
 * the domain runs there (this copy is destroyed), XL_FAIL otherwise (it
 * resumes here when the destination does not have it, or stays paused).
 */
static int ask_destination(const char *ssh, const char *host, uint32_t domid, const uint8_t id[16])
{
	char idtext[33], *cmd = NULL, answer[32] = "";
	FILE *f;

	for (int i = 0; i < 16; i++)
		snprintf(idtext + 2 * i, 3, "%02x", id[i]);
	if (ssh && !*ssh) {
		if (asprintf(&cmd, "%s --query %s", host, idtext) < 0)
			cmd = NULL;
	} else if (asprintf(&cmd, "%s %s xl migrate-receive --query %s", ssh ? ssh : "ssh", host,
			    idtext) < 0) {
		cmd = NULL;
	}
	/* a receiver that died leaves an uncommitted copy, which its hvd removes: a moment */
	for (int tries = 0; cmd && tries < 20; tries++) {
		struct timespec ts = { 0, 250000000 };

		answer[0] = '\0';
		f = popen(cmd, "r");
		if (f) {
			if (!fgets(answer, sizeof(answer), f))
				answer[0] = '\0';
			pclose(f);
		}
		answer[strcspn(answer, "\n")] = '\0';
		if (strcmp(answer, "paused"))
			break;
		nanosleep(&ts, NULL);
	}
	free(cmd);
	if (!strcmp(answer, "running")) {
		fprintf(stderr, "xl: migrate: the destination says the domain runs there (migration %s): its copy here is destroyed\n",
			idtext);
		if (hv_domain_destroy(xl_ctx, domid))
			fprintf(stderr, "xl: migrate: cannot destroy the copy here (xl destroy %" PRIu32 ")\n",
				domid);
		return XL_OK;
	}
	if (!strcmp(answer, "absent")) {
		fprintf(stderr, "xl: migrate: the destination does not have the domain (migration %s): it resumes here\n",
			idtext);
		if (hv_domain_unpause(xl_ctx, domid))
			fprintf(stderr, "xl: migrate: cannot resume it (xl unpause %" PRIu32 ")\n", domid);
		return XL_FAIL;
	}
	fprintf(stderr, "xl: migrate: the destination could not say which copy runs (migration %s, answer '%s'): the domain stays paused here\n",
		idtext, answer);
	return XL_FAIL;
}

/* Waits for the receiver's end, RECEIVER_EXIT_MS at most. */
static void reap_receiver(pid_t pid)
{
	struct timespec ts = { 0, 10000000 };

	for (int i = 0; i < RECEIVER_EXIT_MS / 10; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "xl: migrate: the receiver did not end after the migration; stopping it\n");
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

int main_migrate(int argc, char **argv)
{
	hv_migrate_params params;
	hv_migrate_stats st;
	hv_domain_config cfg;
	struct send_progress sp = { .last_round = ~0u };
	const char *ssh = NULL, *cfgfile = NULL, *keyfile = NULL, *host;
	hv_seal_key key;
	struct xl_tls_opts tls = { NULL, NULL, NULL };
	struct xl_tls *relay = NULL;
	bool paused = false, q = false, tcp;
	char label[160];
	hv_dominfo info;
	uint32_t domid;
	pid_t pid;
	double v;
	int c, fd = -1, rc;

	memset(&key, 0, sizeof(key));
	hv_domain_config_init(&cfg);
	hv_migrate_params_init(&params);
	hv_migrate_stats_init(&st);
	hv_dominfo_init(&info);
	while ((c = xl_getopt(argc, argv, "s:C:epqDW:X:B:t:zAOR:Y:U:k:")) != -1) {
		if (tls_option(c, &tls))
			continue;
		switch (c) {
		case 's':
			ssh = optarg;
			break;
		case 'C':
			cfgfile = optarg;
			break;
		case 'e':
			/* Xen: the receiver does not wait for the domain in the
			 * background; hvd applies the on_* actions anyway */
			break;
		case 'p':
			paused = true;
			break;
		case 'q':
			q = true;
			break;
		case 'D':
			sp.debug = true;
			params.flags |= HV_MIGRATE_DEBUG;
			break;
		case 'W':
			if (!number_arg(optarg, "--downtime-ms", 1, 3600000, &v))
				return XL_USAGE;
			params.downtime_ms = (uint32_t)v;
			break;
		case 'X':
			if (!number_arg(optarg, "--ceiling-ms", 1, 3600000, &v))
				return XL_USAGE;
			params.ceiling_ms = (uint32_t)v;
			break;
		case 'B':
			if (!number_arg(optarg, "--bandwidth", 0.01, 1048576, &v))
				return XL_USAGE;
			params.bandwidth = (uint64_t)(v * 1048576);
			break;
		case 't':
			if (!number_arg(optarg, "--timeout", 0.001, 86400, &v))
				return XL_USAGE;
			params.timeout_ms = (uint64_t)(v * 1000);
			break;
		case 'z':
			params.flags |= HV_MIGRATE_COMPRESS;
			break;
		case 'A':
			params.flags |= HV_MIGRATE_AUTO_CONVERGE;
			break;
		case 'O':
			params.flags |= HV_MIGRATE_LOCAL;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case XL_HELP:
			return xl_help("migrate");
		default:
			return XL_USAGE;
		}
	}
	if (argc - optind != 2)
		return xl_usage("migrate", "give the domain and the host to move it to");
	if (params.ceiling_ms && params.ceiling_ms < (params.downtime_ms ? params.downtime_ms :
						      HV_MIGRATE_DOWNTIME_DEFAULT_MS))
		return xl_usage("migrate", "the --ceiling-ms must not be below the downtime limit");
	host = argv[optind + 1];
	tcp = !strncmp(host, "tcp://", 6);
	if (tcp && ssh)
		return xl_usage("migrate", "-s is for a host reached through ssh, not tcp://");
	if ((params.flags & HV_MIGRATE_LOCAL) && (tcp || !ssh || *ssh))
		return xl_usage("migrate", "--local needs -s \"\" and a receiver command on this host");
	if ((tls.cert || tls.key || tls.ca) && !(tls.cert && tls.key && tls.ca && tcp))
		return xl_usage("migrate", "TLS needs tcp://HOST:PORT and all of --tls-cert, --tls-key and --tls-ca");
	if (keyfile && (params.flags & HV_MIGRATE_LOCAL))
		return xl_usage("migrate", "-k and --local exclude each other: a local migration's memory goes as its memfd, which no MAC covers");
	if (keyfile && !tcp && !(ssh && !*ssh) && !path_plain(keyfile))
		return xl_usage("migrate", "-k %s: the receiver is told the same path through ssh, which this one cannot cross as it is (use a path of letters, digits and /._-+,:@%%, or -s with the receiver's command)",
				keyfile);
	if (xl_lookup(argv[optind], &domid))
		return XL_FAIL;
	if (cfgfile) {
		if (xl_config_read(cfgfile, &cfg)) {
			rc = XL_FAIL;
			goto out;
		}
		params.config = &cfg;
	}
	if (paused)
		params.flags |= HV_MIGRATE_PAUSED;
	xl_error_mark();
	rc = hv_domain_info(xl_ctx, domid, &info);
	if (rc) {
		rc = xl_error(rc, "domain %s", argv[optind]);
		goto out;
	}
	/* the key before the receiver starts: a bad key file sends nothing */
	if (keyfile) {
		rc = hv_seal_key_read(xl_ctx, keyfile, &key);
		if (rc) {
			rc = xl_error(rc, "migrate domain %s: the key to seal the migration with",
				      argv[optind]);
			goto out;
		}
		params.key = &key;
	}
	if (xl_dry("migrate domain %s (%" PRIu32 ") to %s%s", argv[optind], domid, host,
		   keyfile ? ", sealed" : "")) {
		rc = XL_OK;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);	/* a receiver gone is an error, not our end */
	if (tcp) {
		int conn;

		pid = 0;
		if (xl_tcp_connect(host + 6, &conn)) {
			rc = XL_FAIL;
			goto out;
		}
		fd = conn;
		if (tls.cert && !(relay = xl_tls_start(conn, false, &tls, &fd))) {
			fprintf(stderr, "xl: migrate: no TLS session with %s; the domain runs on here\n",
				host);
			rc = XL_FAIL;
			goto out;
		}
	} else {
		pid = start_receiver(ssh, host, paused, keyfile, &fd);
		if (pid < 0) {
			rc = XL_FAIL;
			goto out;
		}
	}
	snprintf(label, sizeof(label), "Migrating domain %" PRIu32 " (%s)", domid, info.name);
	xl_progress_start(label, !q, &sp.bar);
	xl_error_mark();
	rc = hv_domain_migrate_send(xl_ctx, domid, fd, fd, &params, on_progress, &sp, &st);
	hv_seal_key_wipe(&key);
	xl_progress_end();
	if (!relay)
		shutdown(fd, SHUT_RDWR);
	close(fd);
	xl_tls_end(relay);
	if (pid > 0)
		reap_receiver(pid);
	if (rc) {
		xl_error(rc, "migrate domain %s to %s", argv[optind], host);
		/* after go: over ssh (or -s) the destination can be asked */
		rc = st.go_sent && !tcp ? ask_destination(ssh, host, domid, st.id) : XL_FAIL;
		goto out;
	}
	if (!q)
		fprintf(stderr, "Migrating domain %" PRIu32 " (%s) to %s... done in %.2f s: downtime %.2f ms (expected %.2f): pause %.2f, %" PRIu64 " last pages %.2f, state %.2f, restore %.2f, resume %.2f; %.1f MiB sent in %" PRIu64 " rounds at %.1f MiB/s\n",
			domid, info.name, host, st.total_ns / 1e9, st.downtime_ns / 1e6,
			st.expected_downtime_ns / 1e6, st.pause_ns / 1e6, st.last_pages,
			st.last_pages_ns / 1e6, st.state_ns / 1e6, st.restore_ns / 1e6,
			st.resume_ns / 1e6, st.bytes / 1048576.0, st.rounds,
			st.bandwidth / 1048576.0);
	rc = XL_OK;
out:
	hv_seal_key_wipe(&key);
	hv_domain_config_dispose(&cfg);
	return rc;
}

/*
 * migrate-receive --query ID: which state the domain that migration ID
 * brought here is in, on standard output: running, paused, or absent.
 */
static int query(const char *id)
{
	hv_dominfo **list = NULL;
	const char *state = "absent";
	size_t nr = 0;

	xl_quiet(true);
	if (hv_domain_list(xl_ctx, &list, &nr) == 0) {
		for (size_t i = 0; i < nr; i++) {
			hv_domain_config cfg;

			hv_domain_config_init(&cfg);
			if (hv_domain_config_get(xl_ctx, list[i]->domid, &cfg) == 0 &&
			    cfg.migration_id && !strcmp(cfg.migration_id, id))
				state = list[i]->state == HV_STATE_RUNNING ? "running" :
					list[i]->state == HV_STATE_PAUSED ? "paused" : "ended";
			hv_domain_config_dispose(&cfg);
		}
		hv_dominfo_list_free(list, nr);
	} else {
		state = "unknown";
	}
	xl_quiet(false);
	printf("%s\n", state);
	return XL_OK;
}

int main_migrate_receive(int argc, char **argv)
{
	hv_migrate_params params;
	hv_migrate_stats st;
	hv_dominfo info;
	struct xl_tls_opts tls = { NULL, NULL, NULL };
	struct xl_tls *relay = NULL;
	const char *listen_at = NULL, *keyfile = NULL;
	hv_seal_key key;
	int in = STDIN_FILENO, out = STDOUT_FILENO, conn = -1;
	uint32_t domid;
	int c, rc;

	memset(&key, 0, sizeof(key));
	hv_migrate_params_init(&params);
	hv_migrate_stats_init(&st);
	hv_dominfo_init(&info);
	while ((c = xl_getopt(argc, argv, "depI:R:Y:U:Q:k:")) != -1) {
		if (tls_option(c, &tls))
			continue;
		switch (c) {
		case 'Q':
			return query(optarg);
		case 'I':
			listen_at = optarg;
			break;
		case 'd':
			if (xl_verbose < 2)
				xl_verbose = 2;
			break;
		case 'e':
			break;
		case 'p':
			params.flags |= HV_MIGRATE_PAUSED;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case XL_HELP:
			return xl_help("migrate-receive");
		default:
			return XL_USAGE;
		}
	}
	if (argc != optind)
		return xl_usage("migrate-receive", "takes no arguments: the migration comes on standard input (or --listen)");
	if ((tls.cert || tls.key || tls.ca) && !(tls.cert && tls.key && tls.ca && listen_at))
		return xl_usage("migrate-receive", "TLS needs --listen and all of --tls-cert, --tls-key and --tls-ca");
	signal(SIGPIPE, SIG_IGN);
	/* the key first: a bad key file takes no connection */
	if (keyfile) {
		rc = hv_seal_key_read(xl_ctx, keyfile, &key);
		if (rc)
			return xl_error(rc, "migrate-receive: the key the migration must be sealed with; nothing was created here");
		params.key = &key;
	}
	if (listen_at) {
		if (xl_tcp_accept(listen_at, &conn)) {
			hv_seal_key_wipe(&key);
			return XL_FAIL;
		}
		in = out = conn;
		if (tls.cert) {
			relay = xl_tls_start(conn, true, &tls, &conn);
			if (!relay) {
				fprintf(stderr, "xl: migrate-receive: no TLS session with the sender; nothing was created here\n");
				hv_seal_key_wipe(&key);
				return XL_FAIL;
			}
			in = out = conn;
		}
	}
	xl_error_mark();
	rc = hv_domain_migrate_receive(xl_ctx, in, out, &params, &domid, &st);
	hv_seal_key_wipe(&key);
	if (conn >= 0)
		close(conn);
	xl_tls_end(relay);
	if (rc)
		return xl_error(rc, "migrate-receive: nothing was created here");
	xl_quiet(true);
	if (hv_domain_info(xl_ctx, domid, &info))
		snprintf(info.name, sizeof(info.name), "?");
	xl_quiet(false);
	fprintf(stderr, "migration target: domain %" PRIu32 " (%s) %s here\n", domid, info.name,
		params.flags & HV_MIGRATE_PAUSED ? "is paused" : "runs");
	return XL_OK;
}
