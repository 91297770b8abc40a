/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The domains' memory cgroups: each hv-vmm runs in its own, whose limit is
 * the domain's maxmem plus a margin for hv-vmm itself (cgroup_limit()), so
 * a guest that ignores its balloon cannot take more than its cap.  The
 * memory controller is the cgroup v1 one where the host has it (as hosts
 * with a hybrid hierarchy do), else the unified (v2) one.  The domains'
 * groups live in "hv-HASH" (cg_group_name(): this hvd's own) beside hvd's
 * own group (v2: a group with processes cannot hand controllers to
 * children) or under it (v1), and are named after the domid, so a
 * restarted hvd finds them again.  A host without a
 * memory controller hvd can use runs domains without a cap (said once in
 * the log; MEM_MAX is refused there).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hvd.h"

/* Reads a small file into @buf (NUL-terminated); -errno. */
static int cg_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int cg_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int rc = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* A word in a list separated by any of @seps. */
static bool has_word(const char *list, const char *word, const char *seps)
{
	size_t len = strlen(word);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, seps);

		if (n == len && !strncmp(p, word, len))
			return true;
		p += n;
		p += strspn(p, seps);
	}
	return false;
}

/*
 * The memory controller's mount point into @mnt: version 1 or 2, 0 if
 * there is none.  /proc/self/mountinfo: "... MOUNTPOINT OPTS ... - FSTYPE
 * SOURCE SUPEROPTS".
 */
static int cg_find_mount(const char *ctrl, char *mnt, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024], v2[PATH_MAX] = "";
	int version = 0;

	if (!f)
		return 0;
	while (!version && fgets(line, sizeof(line), f)) {
		char point[PATH_MAX], fstype[64], super[512];
		const char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1 ||
		    sscanf(dash + 3, "%63s %*s %511s", fstype, super) != 2)
			continue;
		if (!strcmp(fstype, "cgroup") && has_word(super, ctrl, ",")) {
			snprintf(mnt, size, "%s", point);
			version = 1;
		} else if (!strcmp(fstype, "cgroup2") && !v2[0]) {
			char path[PATH_MAX + 32], ctl[512];

			snprintf(path, sizeof(path), "%s/cgroup.controllers", point);
			if (!cg_read(path, ctl, sizeof(ctl)) && has_word(ctl, ctrl, " \n"))
				snprintf(v2, sizeof(v2), "%s", point);
		}
	}
	fclose(f);
	if (!version && v2[0]) {
		snprintf(mnt, size, "%s", v2);
		version = 2;
	}
	return version;
}

/* hvd's own group in the memory hierarchy, from /proc/self/cgroup. */
static int cg_own_path(int version, const char *ctrl, char *path, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[PATH_MAX + 64];
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (rc && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *p;

		if (!ctl)
			continue;
		p = strchr(++ctl, ':');
		if (!p)
			continue;
		*p++ = '\0';
		p[strcspn(p, "\n")] = '\0';
		if ((version == 2 && !ctl[0] && !strncmp(line, "0:", 2)) ||
		    (version == 1 && has_word(ctl, ctrl, ","))) {
			snprintf(path, size, "%s", strcmp(p, "/") ? p : "");
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

/* Removes the domains' groups no process is in (left by an earlier hvd). */
static void cg_sweep(const char *base)
{
	DIR *dir = opendir(base);
	struct dirent *e;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		if (strncmp(e->d_name, "dom", 3) || e->d_type != DT_DIR)
			continue;
		/* EBUSY for one in use: it stays */
		if (unlinkat(dirfd(dir), e->d_name, AT_REMOVEDIR))
			continue;
	}
	closedir(dir);
}

/*
 * The name of the group under which this hvd keeps its domains' groups:
 * "hv-" and a hash of its run directory.  Each hvd needs its own: hvds of
 * other run directories on the host (a second one to migrate to, a
 * user's, a test's) number their domains from 1 too, and shared
 * "dom<domid>" groups put two domains under one limit (each group's limit
 * is one domain's) and were swept or removed by the other hvd.  A hvd
 * started again on the same run directory finds its groups.
 */
static void cg_group_name(const struct hvd *hvd, char *name, size_t size)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (const char *c = hvd->rundir; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	snprintf(name, size, "hv-%08" PRIx32, h);
}

static void cg_mem_init(struct hvd *hvd)
{
	char mnt[PATH_MAX], own[PATH_MAX], base[PATH_MAX * 2 + 16], file[sizeof(base) + 32];
	char name[16];
	int version = cg_find_mount("memory", mnt, sizeof(mnt)), rc;

	hvd->cg_version = 0;
	if (!version) {
		hvd_info(hvd, "no memory cgroup controller on this host: domains' maxmem is not "
			 "enforced");
		return;
	}
	rc = cg_own_path(version, "memory", own, sizeof(own));
	if (rc) {
		hvd_info(hvd, "cannot tell hvd's own memory cgroup (%s): domains' maxmem is not "
			 "enforced", strerror(-rc));
		return;
	}
	if (version == 2) {
		/* beside hvd's group: its parent hands the memory controller down */
		char *slash = strrchr(own, '/');

		if (slash)
			*slash = '\0';
	}
	cg_group_name(hvd, name, sizeof(name));
	snprintf(base, sizeof(base), "%s%s/%s", mnt, own, name);
	if (mkdir(base, 0755) && errno != EEXIST) {
		hvd_info(hvd, "cannot make the domains' memory cgroup %s (%s): domains' maxmem is "
			 "not enforced", base, strerror(errno));
		return;
	}
	if (version == 2) {
		char ctl[512];

		/* the parent hands the controller to hv-* (the root group always can) */
		snprintf(file, sizeof(file), "%s/cgroup.controllers", base);
		if (cg_read(file, ctl, sizeof(ctl)) || !has_word(ctl, "memory", " \n")) {
			snprintf(file, sizeof(file), "%s%s/cgroup.subtree_control", mnt, own);
			cg_write(file, "+memory");
		}
		snprintf(file, sizeof(file), "%s/cgroup.subtree_control", base);
		rc = cg_write(file, "+memory");
		if (rc) {
			hvd_info(hvd, "cannot enable the memory controller in %s (%s): domains' "
				 "maxmem is not enforced", base, strerror(-rc));
			return;
		}
	}
	free(hvd->cg_base);
	hvd->cg_base = strdup(base);
	if (!hvd->cg_base)
		return;
	hvd->cg_version = version;
	hvd_info(hvd, "domains' memory is capped in cgroup v%d groups under %s", version, base);
	cg_sweep(base);
}

/*
 * The cpu controller, for the domains' weight and cap (cpu_weight, cap):
 * in the memory groups themselves with cgroup v2, else in groups of the
 * same names in the v1 cpu hierarchy.  Without one, weights and caps are
 * not applied (said once).
 */
static void cg_cpu_init(struct hvd *hvd)
{
	char mnt[PATH_MAX], own[PATH_MAX], base[PATH_MAX * 2 + 16], file[sizeof(base) + 32];
	char ctl[512], name[16];
	int version = cg_find_mount("cpu", mnt, sizeof(mnt));

	hvd->cg_cpu_version = 0;
	if (version == 2 && hvd->cg_version == 2) {
		/* hand it down beside memory: the parent to hv-*, hv-* to the domains */
		snprintf(file, sizeof(file), "%s/cgroup.controllers", hvd->cg_base);
		if (cg_read(file, ctl, sizeof(ctl)) || !has_word(ctl, "cpu", " \n")) {
			char *parent = strdup(hvd->cg_base), *slash = parent ? strrchr(parent, '/') : NULL;

			if (slash) {
				*slash = '\0';
				snprintf(file, sizeof(file), "%s/cgroup.subtree_control", parent);
				cg_write(file, "+cpu");
			}
			free(parent);
		}
		snprintf(file, sizeof(file), "%s/cgroup.subtree_control", hvd->cg_base);
		if (cg_write(file, "+cpu") == 0) {
			hvd->cg_cpu_base = strdup(hvd->cg_base);
			hvd->cg_cpu_version = hvd->cg_cpu_base ? 2 : 0;
		}
	} else if (version == 1 && !cg_own_path(1, "cpu", own, sizeof(own))) {
		cg_group_name(hvd, name, sizeof(name));
		snprintf(base, sizeof(base), "%s%s/%s", mnt, own, name);
		if (!mkdir(base, 0755) || errno == EEXIST) {
			hvd->cg_cpu_base = strdup(base);
			hvd->cg_cpu_version = hvd->cg_cpu_base ? 1 : 0;
			cg_sweep(base);
		}
	}
	if (hvd->cg_cpu_version)
		hvd_info(hvd, "domains' CPU weight and cap are applied in cgroup v%d groups under %s",
			 hvd->cg_cpu_version, hvd->cg_cpu_base);
	else
		hvd_info(hvd, "no cpu cgroup controller hvd can use on this host: domains' "
			 "cpu_weight and cap are not applied");
}

void cgroup_init(struct hvd *hvd)
{
	cg_mem_init(hvd);
	cg_cpu_init(hvd);
}

void cgroup_fini(struct hvd *hvd)
{
	/* the groups of domains that ended; a running domain's stays (EBUSY) */
	if (hvd->cg_cpu_base && hvd->cg_cpu_version == 1) {
		cg_sweep(hvd->cg_cpu_base);
		rmdir(hvd->cg_cpu_base);
	}
	if (hvd->cg_base) {
		cg_sweep(hvd->cg_base);
		rmdir(hvd->cg_base);
	}
}

/* Xen's weight (1-65535, 256 by default) and cap (percent of a CPU, 0: none). */
static void cg_cpu_values(int version, unsigned int weight, unsigned int cap, char *w,
			  size_t wsize, char *c, size_t csize)
{
	uint64_t v;

	if (!weight)
		weight = HVD_CPU_WEIGHT_DEFAULT;
	if (version == 2) {
		/* cpu.weight: 1-10000, 100 the default */
		v = ((uint64_t)weight * 100 + 128) / 256;
		snprintf(w, wsize, "%" PRIu64, v < 1 ? 1 : v > 10000 ? 10000 : v);
		if (cap)
			snprintf(c, csize, "%" PRIu64 " 100000", (uint64_t)cap * 1000);
		else
			snprintf(c, csize, "max 100000");
	} else {
		/* cpu.shares: 2-262144, 1024 the default; cpu.cfs_quota_us over 100 ms */
		v = (uint64_t)weight * 4;
		snprintf(w, wsize, "%" PRIu64, v < 2 ? 2 : v > 262144 ? 262144 : v);
		snprintf(c, csize, "%lld", cap ? (long long)cap * 1000 : -1ll);
	}
}

int cgroup_set_cpu(struct hvd *hvd, struct hvd_domain *d, unsigned int weight, unsigned int cap)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], w[32], c[48];
	int rc;

	if (!hvd->cg_cpu_version)
		return -ENOTSUP;
	cg_cpu_values(hvd->cg_cpu_version, weight, cap, w, sizeof(w), c, sizeof(c));
	snprintf(dir, sizeof(dir), "%s/dom%" PRIu32, hvd->cg_cpu_base, d->domid);
	snprintf(path, sizeof(path), "%s/%s", dir,
		 hvd->cg_cpu_version == 2 ? "cpu.weight" : "cpu.shares");
	rc = cg_write(path, w);
	if (!rc && hvd->cg_cpu_version == 1) {
		snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
		rc = cg_write(path, "100000");
	}
	if (!rc) {
		snprintf(path, sizeof(path), "%s/%s", dir,
			 hvd->cg_cpu_version == 2 ? "cpu.max" : "cpu.cfs_quota_us");
		rc = cg_write(path, c);
	}
	return rc;
}

/* Puts @pid in @d's cpu group, with the description's weight and cap. */
static int cg_cpu_attach(struct hvd *hvd, struct hvd_domain *d, pid_t pid)
{
	char path[PATH_MAX + 32], text[32];
	int rc = 0;

	if (!hvd->cg_cpu_version)
		return 0;
	snprintf(path, sizeof(path), "%s/dom%" PRIu32, hvd->cg_cpu_base, d->domid);
	if (mkdir(path, 0755) && errno != EEXIST)
		rc = -errno;
	if (!rc)
		rc = cgroup_set_cpu(hvd, d, d->cfg->cpu_weight, d->cfg->cpu_cap);
	if (!rc && hvd->cg_cpu_version == 1) {
		snprintf(path, sizeof(path), "%s/dom%" PRIu32 "/cgroup.procs", hvd->cg_cpu_base,
			 d->domid);
		snprintf(text, sizeof(text), "%d", (int)pid);
		rc = cg_write(path, text);
	}
	if (rc)
		hvd_err(hvd, "domain %u (%s): cannot apply its cpu_weight and cap in %s: %s",
			d->domid, d->cfg->name, path, strerror(-rc));
	return rc;
}

uint64_t cgroup_limit(uint64_t maxmem_mib)
{
	/* hv-vmm's own memory, its page tables (about 1/512 of the RAM) and I/O buffers */
	return (maxmem_mib + CGROUP_MARGIN_MIB + maxmem_mib / 64) << 20;
}

/* The domain's group's file @name into @path. */
static void cg_file(const struct hvd *hvd, const struct hvd_domain *d, const char *name,
		    char *path, size_t size)
{
	snprintf(path, size, "%s/dom%" PRIu32 "%s%s", hvd->cg_base, d->domid, name[0] ? "/" : "",
		 name);
}

static const char *cg_limit_file(const struct hvd *hvd)
{
	return hvd->cg_version == 1 ? "memory.limit_in_bytes" : "memory.max";
}

int cgroup_usage(const struct hvd *hvd, const struct hvd_domain *d, uint64_t *usage,
		 uint64_t *limit)
{
	char path[PATH_MAX], buf[64];
	int rc;

	if (!hvd->cg_version)
		return -ENOTSUP;
	cg_file(hvd, d, hvd->cg_version == 1 ? "memory.usage_in_bytes" : "memory.current", path,
		sizeof(path));
	rc = cg_read(path, buf, sizeof(buf));
	if (rc)
		return rc;
	*usage = strtoull(buf, NULL, 10);
	if (limit) {
		cg_file(hvd, d, cg_limit_file(hvd), path, sizeof(path));
		rc = cg_read(path, buf, sizeof(buf));
		if (rc)
			return rc;
		*limit = strncmp(buf, "max", 3) ? strtoull(buf, NULL, 10) : 0;
	}
	return 0;
}

int cgroup_file_path(const struct hvd *hvd, const struct hvd_domain *d, const char *file,
		     char *path, size_t size)
{
	if (!hvd->cg_version)
		return -ENOTSUP;
	cg_file(hvd, d, file, path, size);
	return 0;
}

int cgroup_set_limit(struct hvd *hvd, struct hvd_domain *d, uint64_t bytes)
{
	char path[PATH_MAX], text[32];
	uint64_t usage = 0;
	int rc;

	if (!hvd->cg_version || !d->capped)
		return -ENOTSUP;
	/* never below what it uses: v2 would reclaim and then kill the domain */
	rc = cgroup_usage(hvd, d, &usage, NULL);
	if (rc)
		return rc;
	if (usage > bytes)
		return -EBUSY;
	cg_file(hvd, d, cg_limit_file(hvd), path, sizeof(path));
	snprintf(text, sizeof(text), "%" PRIu64, bytes);
	return cg_write(path, text);
}

int cgroup_attach(struct hvd *hvd, struct hvd_domain *d, pid_t pid)
{
	char path[PATH_MAX], text[32];
	int rc;

	d->capped = false;
	if (!hvd->cg_version)
		return cg_cpu_attach(hvd, d, pid);
	cg_file(hvd, d, "", path, sizeof(path));
	if (mkdir(path, 0755) && errno != EEXIST)
		rc = -errno;
	else
		rc = 0;
	if (!rc) {
		cg_file(hvd, d, cg_limit_file(hvd), path, sizeof(path));
		snprintf(text, sizeof(text), "%" PRIu64, cgroup_limit(desc_maxmem_mib(d)));
		rc = cg_write(path, text);
	}
	if (!rc) {
		cg_file(hvd, d, "cgroup.procs", path, sizeof(path));
		snprintf(text, sizeof(text), "%d", (int)pid);
		rc = cg_write(path, text);
	}
	if (rc) {
		hvd_err(hvd, "domain %u (%s): cannot put hv-vmm in its memory cgroup %s: %s; its "
			"maxmem is not enforced", d->domid, d->cfg->name, path, strerror(-rc));
		cg_cpu_attach(hvd, d, pid);
		return rc;
	}
	d->capped = true;
	cg_cpu_attach(hvd, d, pid);
	return 0;
}

void cgroup_found(struct hvd *hvd, struct hvd_domain *d)
{
	char path[PATH_MAX], buf[4096];
	char pid[16];

	/* an hv-vmm a restarted hvd found again: capped if it is in its group */
	d->capped = false;
	if (!hvd->cg_version || !d->pid)
		return;
	cg_file(hvd, d, "cgroup.procs", path, sizeof(path));
	snprintf(pid, sizeof(pid), "%d", (int)d->pid);
	d->capped = !cg_read(path, buf, sizeof(buf)) && has_word(buf, pid, "\n");
}

bool cgroup_oom_killed(struct hvd *hvd, const struct hvd_domain *d)
{
	char path[PATH_MAX], buf[1024];
	const char *p;

	if (!hvd->cg_version || !d->capped)
		return false;
	cg_file(hvd, d, hvd->cg_version == 1 ? "memory.oom_control" : "memory.events", path,
		sizeof(path));
	if (cg_read(path, buf, sizeof(buf)))
		return false;
	p = strstr(buf, "oom_kill ");
	return p && strtoull(p + 9, NULL, 10) > 0;
}

static int cg_rmdir(const struct hvd *hvd, uint32_t domid)
{
	char path[PATH_MAX];
	int rc = 0;

	if (hvd->cg_version) {
		snprintf(path, sizeof(path), "%s/dom%" PRIu32, hvd->cg_base, domid);
		rc = rmdir(path) && errno != ENOENT ? -errno : 0;
	}
	/* the v1 cpu hierarchy's group of the same name */
	if (hvd->cg_cpu_version == 1) {
		snprintf(path, sizeof(path), "%s/dom%" PRIu32, hvd->cg_cpu_base, domid);
		if (rmdir(path) && errno != ENOENT && !rc)
			rc = -errno;
	}
	return rc;
}

void cgroup_remove(struct hvd *hvd, struct hvd_domain *d)
{
	if (!hvd->cg_version && hvd->cg_cpu_version != 1)
		return;
	d->capped = false;
	/* a process killed a moment ago may still be in it: try again shortly */
	if (cg_rmdir(hvd, d->domid) == -EBUSY && hvd->nr_cg_pending < HVD_CG_PENDING_MAX) {
		hvd->cg_pending[hvd->nr_cg_pending].domid = d->domid;
		hvd->cg_pending[hvd->nr_cg_pending].tries = 0;
		hvd->nr_cg_pending++;
	}
}

int64_t cgroup_tick(struct hvd *hvd, int64_t now)
{
	unsigned int kept = 0;

	if (!hvd->nr_cg_pending)
		return 0;
	if (now < hvd->cg_retry_at)
		return hvd->cg_retry_at;
	for (unsigned int i = 0; i < hvd->nr_cg_pending; i++) {
		struct hvd_cg_pending p = hvd->cg_pending[i];

		/* a new domain with that id has it again: it is not ours to remove */
		if (domain_find(hvd, p.domid) || !cg_rmdir(hvd, p.domid) || ++p.tries >= 40)
			continue;
		hvd->cg_pending[kept++] = p;
	}
	hvd->nr_cg_pending = kept;
	hvd->cg_retry_at = now + 250;
	return kept ? hvd->cg_retry_at : 0;
}
