/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The domain table on disk, so a restarted hvd finds every domain:
 *
 *   $HV_RUNDIR/next-domid          the next domain id, never reused
 *   $HV_RUNDIR/domains/<domid>/    one directory per domain:
 *       config.json                the domain's description, as its client sent
 *                                  it (desc.c): everything the domain is
 *       state                      "key=value" lines (store_format): only what
 *                                  the description does not say, its life so far
 *       kernel, initrd             copies of the images, for (re)starts
 *       control.sock, console.sock hv-vmm's sockets
 *       exit                       hv-vmm's exit status, once it ended
 *
 * Files are replaced atomically (written aside, then renamed).  What hvd
 * reads back must be its own: a regular file or directory owned by hvd's
 * uid that no one else may write, never a symbolic link (store_open(),
 * store_own_dir()); main.c has made sure the directories above are so.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hvd.h"

#define STORE_STATE_MAX 4096

char *store_domain_dir(struct hvd *hvd, uint32_t domid)
{
	return hvd_path("%s/domains/%u", hvd->rundir, domid);
}

char *store_domain_file(struct hvd *hvd, uint32_t domid, const char *file)
{
	return hvd_path("%s/domains/%u/%s", hvd->rundir, domid, file);
}

/* 0 if @st is hvd's own (its uid, no one else may write), else -EPERM. */
static int store_own(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH)) ? 0 : -EPERM;
}

/*
 * Opens a file hvd wrote, for reading: not through a symbolic link, and
 * only a regular file of hvd's own.  A descriptor, or -1 with errno
 * (EPERM: someone else's, or writable by others).
 */
static int store_open(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), e = 0;

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0)
		e = errno;
	else if (!S_ISREG(st->st_mode))
		e = EINVAL;
	else if (store_own(st))
		e = EPERM;
	if (!e)
		return fd;
	close(fd);
	errno = e;
	return -1;
}

static int store_write(const char *path, const char *buf, size_t len)
{
	char *tmp = hvd_path("%s.tmp", path);
	int fd = -1, rc = -1;

	if (!tmp)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	if (write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

int store_put(struct hvd *hvd, uint32_t domid, const char *file, const void *buf, size_t len)
{
	char *path = store_domain_file(hvd, domid, file);
	int rc = -1;

	if (!path)
		errno = ENOMEM;
	else
		rc = store_write(path, buf, len);
	free(path);
	return rc;
}

int store_get(struct hvd *hvd, uint32_t domid, const char *file, size_t max, char **buf_r,
	      size_t *len_r)
{
	char *path = store_domain_file(hvd, domid, file);
	char *buf = NULL;
	struct stat st;
	size_t done = 0;
	int fd = -1, rc;

	*buf_r = NULL;
	*len_r = 0;
	if (!path)
		return -ENOMEM;
	fd = store_open(path, &st);
	if (fd < 0) {
		rc = -errno;
		if (rc == -EPERM)
			hvd_err(hvd, "domain %u: %s is not hvd's own (owner uid %u, mode %04o): "
				"not read", domid, path, (unsigned)st.st_uid,
				(unsigned)(st.st_mode & 07777));
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		rc = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	buf[done] = '\0';
	*buf_r = buf;
	*len_r = done;
	buf = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(path);
	return rc;
}

/* hv_hc_migstats' numbers, in the order a state file's migration= has them */
#define STORE_MIG_NUMBERS 17

static void store_mig_numbers(struct hv_hc_migstats *m, uint64_t *x, bool set)
{
	uint64_t *f[STORE_MIG_NUMBERS] = {
		&m->end_time, &m->total_ns, &m->setup_ns, &m->downtime_ns, &m->pause_ns,
		&m->last_pages_ns, &m->state_ns, &m->restore_ns, &m->resume_ns,
		&m->expected_downtime_ns, &m->bytes, &m->pages, &m->zero_pages, &m->rounds,
		&m->last_pages, &m->bandwidth, &m->dirty_rate,
	};

	for (unsigned int i = 0; i < STORE_MIG_NUMBERS; i++) {
		if (set)
			*f[i] = x[i];
		else
			x[i] = *f[i];
	}
}

int store_format(const struct hvd_domain *d, char *buf, size_t size)
{
	int n = snprintf(buf, size,
			 "domid=%u\nstate=%u\nshutdown_code=%u\nstart_time=%" PRIu64 "\n"
			 "cpu_time_ns=%" PRIu64 "\nvmm_pid=%d\nvmm_start=%llu\n"
			 "want_running=%d\n",
			 d->domid, d->state, d->shutdown_code, d->start_time, d->cpu_time_ns,
			 (int)d->pid, d->pid_start, d->want_running);

	if (n < 0 || (size_t)n >= size)
		return -1;
	/* what it used before a save, if it was restored (meter.c): optional keys */
	if (d->carried.cpu_ns || d->carried.mem_peak_bytes)
		n += snprintf(buf + n, size - (size_t)n, "carried_cpu_ns=%" PRIu64 "\n"
			      "carried_mem_peak_bytes=%" PRIu64 "\n", d->carried.cpu_ns,
			      d->carried.mem_peak_bytes);
	for (unsigned int i = 0; i < HV_HC_STATS_MAX_VIFS && (size_t)n < size; i++) {
		const struct hv_hc_vifstats *v = &d->carried.vifs[i];

		if (v->valid)
			n += snprintf(buf + n, size - (size_t)n, "carried_vif%u=%u,%" PRIu64 ",%"
				      PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", i, v->devid, v->rx_bytes,
				      v->rx_packets, v->tx_bytes, v->tx_packets);
	}
	for (unsigned int i = 0; i < HV_HC_STATS_MAX_DISKS && n >= 0 && (size_t)n < size; i++) {
		const struct hv_hc_diskstats *k = &d->carried.disks[i];

		if (k->valid)
			n += snprintf(buf + n, size - (size_t)n, "carried_disk%u=%s,%" PRIu64 ",%"
				      PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", i, k->vdev, k->rd_reqs,
				      k->rd_bytes, k->wr_reqs, k->wr_bytes);
	}
	/* the migration that brought it here: the id in hex, then the numbers in order */
	if (d->has_migration && n >= 0 && (size_t)n < size) {
		struct hv_hc_migstats m = d->migration;
		uint64_t x[STORE_MIG_NUMBERS];

		store_mig_numbers(&m, x, false);
		n += snprintf(buf + n, size - (size_t)n, "migration=");
		for (unsigned int i = 0; i < sizeof(d->migration.id) && n >= 0 && (size_t)n < size; i++)
			n += snprintf(buf + n, size - (size_t)n, "%02x", d->migration.id[i]);
		for (unsigned int i = 0; i < STORE_MIG_NUMBERS && n >= 0 && (size_t)n < size; i++)
			n += snprintf(buf + n, size - (size_t)n, ",%" PRIu64, x[i]);
		if (n >= 0 && (size_t)n < size)
			n += snprintf(buf + n, size - (size_t)n, "\n");
	}
	return n < 0 || (size_t)n >= size ? -1 : n;
}

/* @n comma-separated counters at @v, nothing after: 0, or -1. */
static int store_u64_list(const char *v, uint64_t *x, int n)
{
	char *end;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)*v))
			return -1;
		errno = 0;
		x[i] = strtoull(v, &end, 10);
		if (errno || *end != (i < n - 1 ? ',' : '\0'))
			return -1;
		v = end + 1;
	}
	return 0;
}

/* A carried_diskN line's value: vdev,rd_reqs,rd_bytes,wr_reqs,wr_bytes. */
static int store_disk(const char *v, struct hv_hc_diskstats *out)
{
	const char *comma = strchr(v, ',');
	uint64_t x[4];

	if (!comma || comma == v || (size_t)(comma - v) >= sizeof(out->vdev))
		return -1;
	memset(out, 0, sizeof(*out));
	memcpy(out->vdev, v, (size_t)(comma - v));
	for (size_t i = 0; out->vdev[i]; i++)
		if (!isalnum((unsigned char)out->vdev[i]))
			return -1;
	if (store_u64_list(comma + 1, x, 4))
		return -1;
	out->valid = 1;
	out->rd_reqs = x[0];
	out->rd_bytes = x[1];
	out->wr_reqs = x[2];
	out->wr_bytes = x[3];
	return 0;
}

/* A migration line's value: 32 hex digits of id, then the numbers. */
static int store_migration(const char *v, struct hv_hc_migstats *out)
{
	uint64_t x[STORE_MIG_NUMBERS];

	for (unsigned int i = 0; i < sizeof(out->id); i++) {
		unsigned int b;

		if (!isxdigit((unsigned char)v[2 * i]) || !isxdigit((unsigned char)v[2 * i + 1]) ||
		    sscanf(v + 2 * i, "%2x", &b) != 1)
			return -1;
		out->id[i] = (uint8_t)b;
	}
	v += 2 * sizeof(out->id);
	if (*v != ',' || store_u64_list(v + 1, x, STORE_MIG_NUMBERS))
		return -1;
	store_mig_numbers(out, x, true);
	return 0;
}

/* A carried_vifN line's value: devid,rx_bytes,rx_packets,tx_bytes,tx_packets. */
static int store_vif(const char *v, struct hv_hc_vifstats *out)
{
	uint64_t x[5];

	if (store_u64_list(v, x, 5) || x[0] >= HV_HC_STATS_MAX_VIFS)
		return -1;
	out->devid = (uint32_t)x[0];
	out->valid = 1;
	out->rx_bytes = x[1];
	out->rx_packets = x[2];
	out->tx_bytes = x[3];
	out->tx_packets = x[4];
	return 0;
}

int store_save(struct hvd *hvd, const struct hvd_domain *d)
{
	char buf[STORE_STATE_MAX];
	char *path = store_domain_file(hvd, d->domid, "state");
	int n = store_format(d, buf, sizeof(buf)), rc = -1;

	if (!path || n < 0)
		goto out;
	rc = store_write(path, buf, n);
	if (rc)
		hvd_err(hvd, "domain %u (%s): cannot write %s: %s; a restarted hvd would not "
			"find it", d->domid, d->cfg->name, path, strerror(errno));
out:
	free(path);
	return rc;
}

static int store_u64(const char *v, uint64_t max, uint64_t *r)
{
	char *end;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	*r = strtoull(v, &end, 10);
	return errno || *end || *r > max ? -1 : 0;
}

/*
 * Parses a state file.  Unknown keys are skipped (a newer hvd may add
 * some); every key this version writes must be there and valid.
 */
int store_parse(const char *text, size_t len, struct hvd_domain *d)
{
	enum { K_DOMID, K_STATE, K_CODE, K_START, K_CPU, K_PID, K_PIDSTART, K_WANT, K_NR };
	static const char *const keys[K_NR] = {
		"domid", "state", "shutdown_code", "start_time", "cpu_time_ns", "vmm_pid",
		"vmm_start", "want_running",
	};
	uint32_t seen = 0;
	size_t pos = 0;

	memset(d, 0, sizeof(*d));
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		char buf[512], *eq, *v;
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		uint64_t x = 0;
		int k;

		pos += ll + 1;
		if (ll >= sizeof(buf))
			continue;	/* a longer line is a key this version does not know */
		memcpy(buf, line, ll);
		buf[ll] = '\0';
		eq = strchr(buf, '=');
		if (!eq)
			return -1;
		*eq = '\0';
		v = eq + 1;
		if (!strcmp(buf, "carried_cpu_ns") || !strcmp(buf, "carried_mem_peak_bytes")) {
			if (store_u64(v, UINT64_MAX, &x))
				return -1;
			*(buf[8] == 'c' ? &d->carried.cpu_ns : &d->carried.mem_peak_bytes) = x;
			continue;
		}
		if (!strncmp(buf, "carried_vif", 11) && buf[11] >= '0' &&
		    buf[11] < '0' + HV_HC_STATS_MAX_VIFS && !buf[12]) {
			if (store_vif(v, &d->carried.vifs[buf[11] - '0']))
				return -1;
			continue;
		}
		if (!strcmp(buf, "migration")) {
			if (store_migration(v, &d->migration))
				return -1;
			d->has_migration = true;
			continue;
		}
		if (!strncmp(buf, "carried_disk", 12) && isdigit((unsigned char)buf[12])) {
			if (store_u64(buf + 12, HV_HC_STATS_MAX_DISKS - 1, &x) ||
			    store_disk(v, &d->carried.disks[x]))
				return -1;
			continue;
		}
		for (k = 0; k < K_NR && strcmp(buf, keys[k]); k++)
			;
		if (k == K_NR)
			continue;
		if ((seen & (1u << k)) || store_u64(v, UINT64_MAX, &x))
			return -1;
		seen |= 1u << k;
		switch (k) {
		case K_DOMID: d->domid = (uint32_t)x; if (x == 0 || x >= HV_HC_DOMID_INVALID) return -1; break;
		case K_STATE: if (x > HV_HC_STATE_DYING) return -1; d->state = (uint32_t)x; break;
		case K_CODE: if (x > HV_HC_CODE_CRASH) return -1; d->shutdown_code = (uint32_t)x; break;
		case K_START: d->start_time = x; break;
		case K_CPU: d->cpu_time_ns = x; break;
		case K_PID: if (x > INT32_MAX) return -1; d->pid = (pid_t)x; break;
		case K_PIDSTART: d->pid_start = x; break;
		case K_WANT: if (x > 1) return -1; d->want_running = x; break;
		default: break;
		}
	}
	return seen == (1u << K_NR) - 1 ? 0 : -1;
}

static int store_save_next(struct hvd *hvd)
{
	char *path = hvd_path("%s/next-domid", hvd->rundir);
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%u\n", hvd->next_domid), rc = -1;

	if (path)
		rc = store_write(path, buf, n);
	if (rc)
		hvd_err(hvd, "cannot write %s: %s", path ? path : "next-domid", strerror(errno));
	free(path);
	return rc;
}

int store_alloc_domid(struct hvd *hvd, uint32_t *domid_r)
{
	if (hvd->next_domid >= HV_HC_DOMID_INVALID - 1)
		return -HV_HC_ENOMEM;
	hvd->next_domid++;
	if (store_save_next(hvd)) {
		hvd->next_domid--;
		return -HV_HC_EIO;
	}
	*domid_r = hvd->next_domid - 1;
	return 0;
}

int store_mkdir(struct hvd *hvd, uint32_t domid)
{
	char *dir = store_domain_dir(hvd, domid);
	int rc = 0;

	if (!dir || mkdir(dir, 0700) < 0) {
		hvd_err(hvd, "domain %u: cannot create %s: %s", domid, dir ? dir : "its directory",
			strerror(errno));
		rc = -HV_HC_EIO;
	}
	free(dir);
	return rc;
}

void store_rmdir(struct hvd *hvd, uint32_t domid)
{
	char *dir = store_domain_dir(hvd, domid);
	struct dirent *e;
	DIR *dp;

	if (!dir)
		return;
	dp = opendir(dir);
	if (dp) {
		while ((e = readdir(dp)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(dp), e->d_name, 0);
		closedir(dp);
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		hvd_err(hvd, "domain %u: cannot remove %s: %s", domid, dir, strerror(errno));
	free(dir);
}

static int store_read(const char *path, char *buf, size_t size, size_t *len_r)
{
	struct stat st;
	int fd = store_open(path, &st);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size);
	close(fd);
	if (n < 0 || (size_t)n >= size)
		return -1;
	buf[n] = '\0';
	*len_r = n;
	return 0;
}

static bool store_has(struct hvd *hvd, uint32_t domid, const char *file)
{
	char *path = store_domain_file(hvd, domid, file);
	bool has = path && access(path, F_OK) == 0;

	free(path);
	return has;
}

/*
 * A domain directory found at start is only taken if it is hvd's own: a
 * directory (not a link) of its uid that no one else may write.  0, or
 * -1 after a log line.
 */
static int store_own_dir(struct hvd *hvd, uint32_t domid)
{
	char *dir = store_domain_dir(hvd, domid);
	struct stat st;
	int rc = -1;

	if (!dir)
		return -1;
	if (lstat(dir, &st) < 0)
		hvd_err(hvd, "domain %u: cannot read %s: %s", domid, dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode) || store_own(&st))
		hvd_err(hvd, "domain %u: %s is not a directory of hvd's own (owner uid %u, "
			"mode %04o): ignored, and left alone", domid, dir, (unsigned)st.st_uid,
			(unsigned)(st.st_mode & 07777));
	else
		rc = 0;
	free(dir);
	return rc;
}

static void store_load_one(struct hvd *hvd, uint32_t domid)
{
	char *path = store_domain_file(hvd, domid, "state");
	char *buf = malloc(STORE_STATE_MAX);
	struct hvd_domain *d = calloc(1, sizeof(*d));
	size_t len;

	if (!path || !buf || !d)
		goto out;
	if (store_own_dir(hvd, domid))
		goto out;
	if (store_read(path, buf, STORE_STATE_MAX, &len) || store_parse(buf, len, d) ||
	    d->domid != domid) {
		hvd_err(hvd, "domain %u: %s is missing, unreadable or not hvd's own; leaving the "
			"directory alone (remove it to drop the domain)", domid, path);
		goto out;
	}
	if (desc_load(hvd, d)) {
		hvd_err(hvd, "domain %u: leaving its directory alone (remove it to drop the "
			"domain)", domid);
		goto out;
	}
	desc_load_next(hvd, d);
	d->has_kernel = store_has(hvd, domid, "kernel");
	d->has_initrd = store_has(hvd, domid, "initrd");
	d->pidw.fd = d->ctlw.fd = -1;
	d->image_fd[0] = d->image_fd[1] = -1;	/* store_parse() zeroed them */
	meter_fds_none(d);
	d->exit_reason = -1;
	d->announced = true;
	domain_insert(hvd, d);
	hvd_info(hvd, "domain %u (%s): found, state %u, hv-vmm pid %d", d->domid, d->cfg->name,
		 d->state, (int)d->pid);
	d = NULL;
out:
	free(d);
	free(buf);
	free(path);
}

/* Brings back a domain found on disk: its hv-vmm runs on, or has ended since. */
static void store_revive(struct hvd *hvd, struct hvd_domain *d)
{
	uint32_t seq;

	if (!d->pid) {
		if (d->state == HV_HC_STATE_DYING || d->state == HV_HC_STATE_PAUSED ||
		    d->state == HV_HC_STATE_RUNNING) {
			/* it was going, or its hv-vmm was never recorded: nothing runs */
			domain_remove(hvd, d);
		}
		return;
	}
	if (vmm_attach(hvd, d)) {
		/* gone while no hvd watched: its exit file says how */
		d->pidw.fd = -1;
		domain_vmm_gone(hvd, d);
		return;
	}
	if (d->state == HV_HC_STATE_BUILDING || d->state == HV_HC_STATE_DYING) {
		/* an hvd died in the middle of building or destroying it: finish the job */
		hvd_info(hvd, "domain %u (%s): was being %s; destroying it", d->domid, d->cfg->name,
			 d->state == HV_HC_STATE_BUILDING ? "built" : "destroyed");
		d->state = HV_HC_STATE_DYING;
		vmm_signal(d, SIGKILL);
		return;
	}
	if (vmm_connect(hvd, d) == 0 && vmm_call(hvd, d, HV_VMM_OP_QUERY, &seq) == 0)
		hvd_dbg(hvd, "domain %u (%s): reconnected to hv-vmm pid %d", d->domid,
			d->cfg->name, (int)d->pid);
	else
		d->reconnect_at = hvd_now_ms() + HVD_RECONNECT_MS;
}

int store_load(struct hvd *hvd)
{
	char *path = hvd_path("%s/next-domid", hvd->rundir);
	char *dir = hvd_path("%s/domains", hvd->rundir);
	char buf[32];
	struct hvd_domain *d, *next;
	uint32_t last = 0;
	struct dirent *e;
	size_t len;
	uint64_t v;
	DIR *dp = NULL;
	int rc = -1;

	if (!path || !dir)
		goto out;
	if (store_read(path, buf, sizeof(buf), &len) == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		if (store_u64(buf, HV_HC_DOMID_INVALID - 1, &v) == 0 && v > 0)
			hvd->next_domid = (uint32_t)v;
		else
			hvd_err(hvd, "%s holds no domain id; going by the domains found", path);
	}
	dp = opendir(dir);
	if (!dp) {
		hvd_err(hvd, "cannot read %s: %s", dir, strerror(errno));
		goto out;
	}
	while ((e = readdir(dp))) {
		if (store_u64(e->d_name, HV_HC_DOMID_INVALID - 1, &v) || v == 0)
			continue;
		if (v >= hvd->next_domid)
			hvd->next_domid = (uint32_t)v + 1;
		store_load_one(hvd, (uint32_t)v);
	}
	for (d = hvd->domains; d; d = d->next)
		last = d->domid;
	/* a restart while reviving appends a new domain: that one is live already */
	for (d = hvd->domains; d && d->domid <= last; d = next) {
		next = d->next;
		store_revive(hvd, d);
	}
	rc = store_save_next(hvd);
out:
	if (dp)
		closedir(dp);
	free(path);
	free(dir);
	return rc;
}
