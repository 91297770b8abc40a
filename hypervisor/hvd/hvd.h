/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hvd: the control daemon.  One single-threaded epoll loop serves the
 * hypercall socket (server.c), supervises one hv-vmm per domain (vmm.c,
 * domain.c) and keeps the domain table on disk (store.c) so a restarted
 * hvd finds every domain again.
 */
#ifndef HVD_H
#define HVD_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <hv/config.h>
#include <public/hypercall.h>
#include <public/vmm.h>
#include "config/ctx.h"
#include "request.h"

#define HVD_BUILD_TIMEOUT_MS	30000	/* hv-vmm must say RUNNING by then */
#define HVD_VMM_CALL_MS		5000	/* a control request's reply */
#define HVD_STALL_MS		60000	/* a save or restore without progress */
#define HVD_AUTH_LINGER_MS	2000	/* a refused peer is dropped after this */
#define HVD_RECONNECT_MS	1000	/* between tries of an hv-vmm's control socket */
#define HVD_CONN_QUEUE_MAX	4096	/* messages queued for a slow reader */
#define HVD_CONN_QUEUE_BYTES	(8u << 20)	/* bytes queued for a slow reader */
#define HVD_CONN_MAX		256	/* clients at once; more are closed at once */
#define HVD_CONN_IDLE_MS	600000	/* a client with nothing going on is dropped */
#define HVD_ACCEPT_BACKOFF_MS	250	/* no accept() for this long at the fd limit */
#define HVD_ADMIT_VMM_MIB	8	/* admission: an hv-vmm's own memory, RAM aside */
/* The uids of jailed hv-vmms: one per domid, from BASE (docs: hvd(8)). */
#define HVD_JAIL_UID_BASE	0x70000000u
#define HVD_JAIL_UIDS		65536u
#define HVD_CONSOLE_LOG_MIB	16	/* a console log's most, by default */
#define HVD_RESTART_MAX		10	/* restarts within HVD_RESTART_WINDOW_MS */
#define HVD_RESTART_WINDOW_MS	60000

/* Handler results besides 0 and -HV_HC_E*. */
#define HVD_CPU_WEIGHT_DEFAULT	256	/* a domain's cpu_weight when it says none */
#define HVD_CG_PENDING_MAX	64	/* cgroups waiting for their process to go */
#define HVD_MAX_NET_FDS		(HV_DOMAIN_MAX_VIFS * HV_VIF_MAX_QUEUES)
#define HVD_REPLIED		1	/* the handler sent the reply itself */
#define HVD_DEFERRED		2	/* the reply comes later; the client waits */

struct hvd;

/* The files a domain's sample reads (meter-fds.c). */
enum meter_file {
	METER_STAT,		/* /proc/PID/stat */
	METER_STATUS,		/* /proc/PID/status, where it has no memory cgroup */
	METER_MEM_CURRENT,	/* its memory cgroup's usage */
	METER_MEM_PEAK,		/* and peak */
	METER_STATS,		/* its statistics file, RUNDIR/domains/ID/stats */
	METER_NR_FDS
};

/* Anything in the epoll set. */
struct hvd_watch {
	int fd;
	void (*fn)(struct hvd *hvd, struct hvd_watch *w, uint32_t events);
};

/*
 * A long request in progress on a domain: create, restore, save, or a
 * call hv-vmm answers (pause, unpause, shutdown).  Each kind is one
 * object with its own callbacks for what can happen to it; the domain's
 * events (its hv-vmm is ready, replied, reported progress, closed its
 * channel, went away; a deadline passed; the client cancelled) are
 * dispatched to them by op.c.  A callback that finishes the operation
 * answers the client and ends it (op_end); one may also take the domain
 * away (then d->dead).
 */
struct hvd_op;
struct hvd_domain;

struct hvd_op_type {
	const char *name;
	/* hv-vmm's vCPUs are set up (HV_VMM_EV_RUNNING) */
	void (*ready)(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op);
	/* hv-vmm answered op->vmm_seq */
	void (*reply)(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
		      const void *data, size_t len);
	/* hv-vmm closed its control channel while op->vmm_seq was pending */
	void (*closed)(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op);
	/* hv-vmm ended (@status its exit status, -1 if killed) */
	void (*gone)(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
		     pid_t pid);
	/* op->deadline passed */
	void (*expire)(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op);
	/* the client sent CANCEL: 0 once undone, or -HV_HC_E* (CANCEL's reply) */
	int (*cancel)(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op);
	/* frees op->data when the operation ends */
	void (*dispose)(void *data);
};

struct hvd_op {
	struct hvd_op *next;
	const struct hvd_op_type *type;
	uint64_t conn_id;	/* the client's request, 0: hvd itself asked */
	uint16_t op;
	uint32_t seq;
	uint32_t flags;		/* the request's HV_HC_SAVE_* or HV_HC_RESTORE_* */
	uint16_t vmm_op;	/* the hv-vmm request it waits on, 0: none */
	uint32_t vmm_seq;
	int64_t deadline;	/* CLOCK_MONOTONIC ms, 0: none */
	int64_t stall_ms;	/* progress moves the deadline this far on, 0: it does not */
	bool progress;		/* hv-vmm's progress goes to the client */
	bool stalled;		/* hv-vmm was stopped for making no progress */
	void *data;		/* the operation's own state, freed by type->dispose */
};

struct hvd_domain {
	struct hvd_domain *next;	/* the table, ordered by domid */
	uint32_t domid;
	/*
	 * The domain's description (desc.c): the JSON as the client sent it
	 * (config.json in the domain's directory; re-encoded only when hvd
	 * changes it, as by a rename) and what it decodes to.  A restart
	 * carries both over unchanged.
	 */
	hv_domain_config *cfg;
	char *json;
	size_t json_len;
	/* CONFIG_UPDATE's description for the next start (next.json); NULL: none */
	char *next_json;
	bool has_kernel;		/* a kernel lies in the domain's directory */
	bool has_initrd;		/* and a ramdisk */
	/* until they do (images.c): the client's, and the thread copying them */
	int image_fd[2];
	struct images_job *images_job;
	/*
	 * hvd's own duplicates of the disks' descriptors (disk.c), one for
	 * each of the description's disks with a target, in its order: they
	 * hold the disks' locks for the domain's life and go to each hv-vmm
	 * it gets.  A domain that a restarted hvd found again has none
	 * (disks_open false) until it needs them for a restart.
	 */
	int disk_fds[HV_DOMAIN_MAX_DISKS];
	unsigned int nr_disk_fds;
	bool disks_open;
	/* The same for the vifs' taps (net.c): one per queue pair, in the
	 * order of the description's vifs. */
	int net_fds[HVD_MAX_NET_FDS];
	unsigned int nr_net_fds;
	bool nets_open;
	/*
	 * The one state (enum hv_hc_state, as clients see it): BUILDING while
	 * its hv-vmm builds or restores it (a create or restore operation
	 * runs), PAUSED or RUNNING once its vCPUs are set up, SHUTDOWN or
	 * CRASHED when preserved, DYING when a restarted hvd finishes off
	 * one it found half made.  want_running says which of PAUSED and
	 * RUNNING it goes to when it is (re)built.
	 */
	uint32_t state;
	uint32_t shutdown_code;		/* enum hv_hc_shutdown_code */
	uint64_t start_time;		/* seconds since the epoch */
	uint64_t cpu_time_ns;		/* last seen */

	/* its hv-vmm */
	pid_t pid;			/* 0: none runs */
	unsigned long long pid_start;	/* /proc starttime, against pid reuse */
	bool child;			/* spawned by this hvd: reap it */
	bool want_running;		/* unpaused once ready (restarts) */
	/*
	 * A domain restored from a migration stream belongs to the connection
	 * that restored it (its id here) until that connection pauses or
	 * unpauses it, which commits it: if the connection closes first (the
	 * receiver died before the sender said go), hvd destroys it, and no
	 * other client may unpause it meanwhile.  0: none.
	 */
	uint64_t incoming_conn;
	/*
	 * The disks' locks are let go (disk_relock()): the source of a
	 * migration between its stream and the hand-over, a destination
	 * until it is committed.  Taken again before the domain runs.
	 */
	bool disks_unlocked;
	/*
	 * A sealed image's key for the RESTORE hv-vmm is sent while a restore
	 * starts it (op_restore(): points into the request, NULL after).
	 */
	const uint8_t *restore_key;
	bool announced;			/* a CREATED event went out: its end gets DEATH */
	bool log_lives_on;		/* its console log goes on (a restart under its name) */
	int exit_reason;		/* from its EXIT event, -1: none yet */
	char vmm_error[256];		/* why hv-vmm refused BUILD or RESTORE, "" if not */
	struct hvd_watch pidw;		/* pidfd */
	struct hvd_watch ctlw;		/* control channel, fd -1 if none */
	uint32_t vmm_seq;
	int64_t reconnect_at;		/* retry the control socket at, 0: none */

	/* The balloon (op-mem.c) as hv-vmm last reported it, and the cap. */
	uint64_t mem_ram_kib;		/* 0: not reported yet */
	uint64_t mem_current_kib;	/* RAM less the balloon */
	uint32_t mem_features;		/* HV_VMM_BALLOON_F_* */
	uint32_t mem_flags;		/* HV_HC_MEM_TARGET_MISSED */
	int64_t mem_deadline;		/* to reach the target by; 0: none */
	bool capped;			/* its hv-vmm is in its memory cgroup (cgroup.c) */

	/*
	 * Metering (meter.c): the last counters read, which stand once the
	 * hv-vmm that kept them is gone; and why the domain ends, for its
	 * usage record (NULL: its shutdown code says).
	 */
	/* carried: what it used before it was saved or migrated (a restore,
	 * MIGRATED), counted on top of what it uses now */
	struct hv_hc_usage meter, carried;
	const char *end_why;
	/* the live migration that brought it here (MIGRATED), if one did */
	struct hv_hc_migstats migration;
	bool has_migration;
	/*
	 * The files its samples read, held open from the first sample until
	 * its hv-vmm ends (meter-fds.c): -1 where none is held.  They are
	 * those of the hv-vmm whose pid and start time they name.
	 */
	struct meter_fds {
		pid_t pid;
		unsigned long long pid_start;
		int fd[METER_NR_FDS];
	} mfds;

	struct hvd_op *ops;		/* in progress, oldest first */
	unsigned int restarts;		/* within the window below */
	int64_t restart_window;
	bool dead;			/* left the table, freed after this round */
};

struct hvd_outmsg {
	struct hvd_outmsg *next;
	int fd;				/* passed along, or -1 */
	size_t len;
	uint8_t data[];
};

struct hvd_conn {
	struct hvd_conn *next;
	uint64_t id;
	struct hvd_watch w;
	uid_t uid;
	pid_t pid;
	bool authorised, subscribed;
	bool busy;			/* a deferred reply is owed (to busy_seq) */
	bool held;			/* busy, and a request other than CANCEL waits */
	uint32_t busy_seq;
	bool closing;			/* close once the queue is sent */
	bool dead;
	int64_t deadline;		/* a refused peer goes at this time */
	struct hvd_outmsg *out_head, *out_tail;
	unsigned int nout;
	size_t out_bytes;		/* queued in out_head..out_tail */
	int64_t active_at;		/* its last request (or its connect) */
	uint32_t events;		/* registered with epoll */
};

struct hvd {
	int epfd;
	hv_ctx ctx;			/* for the description's code; logs into hvd's log */
	char desc_error[512];		/* the last error that code logged */
	bool verbose, foreground, quit;
	char *rundir, *logdir, *vmm_path;
	char *cg_base;			/* the domains' memory cgroups (cgroup.c) */
	int cg_version;			/* 1 or 2; 0: none */
	char *cg_cpu_base;		/* the domains' cpu cgroups: cg_base in v2 */
	int cg_cpu_version;		/* 1 or 2; 0: none */
	struct hvd_cg_pending {		/* groups to remove once their process is gone */
		uint32_t domid;
		unsigned int tries;
	} cg_pending[HVD_CG_PENDING_MAX];
	unsigned int nr_cg_pending;
	int64_t cg_retry_at;
	int log_fd;
	int lock_fd;
	struct hvd_watch listenw, sigw;
	struct hvd_domain *domains;
	struct hvd_domain *graveyard;	/* freed after each round */
	struct hvd_conn *conns;
	unsigned int nr_conns;
	struct hvd_conn *conn_graveyard;
	int64_t accept_at;		/* accept() paused until then (fd limit); 0: not */
	int64_t accept_said_at;		/* when that was last logged */
	unsigned long accept_refused;	/* clients closed at HVD_CONN_MAX since logged */
	int64_t conn_idle_ms;		/* HVD_CONN_IDLE_MS, or --conn-idle */
	unsigned int overcommit_pct;	/* --overcommit: 100 = host RAM; 0: no check */
	uint64_t console_log_max;	/* bytes of a console log (--console-log-max) */
	bool jail;			/* hv-vmms run jailed (--no-jail: not) */
	bool keep_console_logs;		/* --keep-console-logs: not removed with domains */
	uint32_t jail_uid_base, jail_uids;	/* --jail-uids BASE:COUNT */
	int jail_netns;			/* the empty network namespace they share, or -1 */
	uint32_t next_domid;
	uint64_t next_conn_id;
	/* Metering's descriptors (meter-fds.c, meter-link.c). */
	unsigned int meter_nfds;	/* held by the domains' samples */
	unsigned int meter_fds_max;	/* the most they may hold */
	int64_t meter_fds_after;	/* none held before then (ms): hvd ran short */
	int meter_nl;			/* rtnetlink, for the taps' counters, or -1 */
	uint32_t meter_nl_seq;
	uint8_t rxbuf[HV_HC_MSG_MAX];
	uint8_t txbuf[HV_HC_MSG_MAX];
	uint8_t listbuf[HV_HC_MSG_MAX];
};

/* log.c */
enum hvd_log_level { HVD_LOG_ERR, HVD_LOG_INFO, HVD_LOG_DEBUG };
void hvd_log(struct hvd *hvd, enum hvd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define hvd_err(h, ...) hvd_log(h, HVD_LOG_ERR, __VA_ARGS__)
#define hvd_info(h, ...) hvd_log(h, HVD_LOG_INFO, __VA_ARGS__)
#define hvd_dbg(h, ...) hvd_log(h, HVD_LOG_DEBUG, __VA_ARGS__)
struct hvd_conn;
struct hvd_req;
/* READ_LOG: a piece of hvd.log for the client (xl dmesg), emptying it if asked. */
int log_op_read(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req);

/* main.c */
int64_t hvd_now_ms(void);
int hvd_watch_add(struct hvd *hvd, struct hvd_watch *w, uint32_t events);
void hvd_watch_mod(struct hvd *hvd, struct hvd_watch *w, uint32_t events);
void hvd_watch_del(struct hvd *hvd, struct hvd_watch *w);
char *hvd_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* server.c */
int server_listen(struct hvd *hvd);
void server_close(struct hvd *hvd);
/*
 * Replies to the request @op/@seq of the client @conn_id (gone: nothing
 * happens, and @fd is closed).  @body goes only with status 0; a failed
 * reply has no body.  Takes ownership of @fd.
 */
void server_reply(struct hvd *hvd, uint64_t conn_id, uint16_t op, uint32_t seq,
		  int status, const void *body, size_t len, int fd);
/* A failed reply with @msg (NULL or "": none) saying what failed and what to do. */
void server_reply_msg(struct hvd *hvd, uint64_t conn_id, uint16_t op, uint32_t seq,
		      int status, const char *msg);
/* The same with a formatted message; returns HVD_REPLIED, for handlers. */
int server_reply_err(struct hvd *hvd, uint64_t conn_id, uint16_t op, uint32_t seq,
		     int status, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/*
 * A progress message for a pending SAVE, RESTORE or MIGRATE_SEND (not its
 * reply): done and total, or a body of its own (hv_hc_migrate_progress).
 */
void server_progress_body(struct hvd *hvd, uint64_t conn_id, uint16_t op, uint32_t seq,
			  const void *body, size_t len);
void server_progress(struct hvd *hvd, uint64_t conn_id, uint16_t op, uint32_t seq,
		     uint64_t done, uint64_t total);
/* The connection @id, or NULL once it has gone. */
struct hvd_conn *server_conn(struct hvd *hvd, uint64_t id);
void server_event(struct hvd *hvd, uint32_t type, const struct hvd_domain *d,
		  uint32_t code);
int64_t server_tick(struct hvd *hvd, int64_t now);
void server_reap(struct hvd *hvd);

/* op.c: operations in progress */
struct hvd_op *op_start(struct hvd_domain *d, const struct hvd_op_type *type,
			const struct hvd_conn *c, const struct hvd_req *req, int64_t timeout_ms);
/* Takes @op off its domain and frees it (its client has its answer). */
void op_end(struct hvd_domain *d, struct hvd_op *op);
/* Answers @op's client (a failure with @msg, NULL: none) and ends it. */
void op_reply(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
	      const void *body, size_t len);
void op_fail(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
	     const char *msg);
struct hvd_op *op_find(const struct hvd_domain *d, const struct hvd_op_type *type);
/* Each returns true if an operation took the event. */
bool op_ready(struct hvd *hvd, struct hvd_domain *d);
bool op_vmm_reply(struct hvd *hvd, struct hvd_domain *d, uint32_t seq, int status,
		  const void *data, size_t len);
void op_progress(struct hvd *hvd, struct hvd_domain *d, uint64_t done, uint64_t total);
void op_closed(struct hvd *hvd, struct hvd_domain *d);
bool op_gone(struct hvd *hvd, struct hvd_domain *d, int status, pid_t pid);
int64_t op_tick(struct hvd *hvd, struct hvd_domain *d, int64_t now);
/*
 * Why @d's hv-vmm ended before @op's domain was ready, into @msg: @stalled
 * if hvd stopped it, else the reason hv-vmm gave, else where its log is.
 * Copies the end of that log into hvd's.
 */
void op_vmm_ended(struct hvd *hvd, const struct hvd_domain *d, const struct hvd_op *op,
		  int status, pid_t pid, const char *stalled, char *msg, size_t size);
/* Answers every operation of @d with @status (the domain goes). */
void op_abort_all(struct hvd *hvd, struct hvd_domain *d, int status);
int op_cancel(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req);

/* The operations, one file each. */
extern const struct hvd_op_type op_create_type;	/* op-create.c */
extern const struct hvd_op_type op_restore_type;	/* op-restore.c */
extern const struct hvd_op_type op_save_type;		/* op-save.c */
extern const struct hvd_op_type op_migrate_type;	/* op-migrate.c */
extern const struct hvd_op_type op_dump_core_type;	/* op-dump-core.c */
extern const struct hvd_op_type op_call_type;		/* op-call.c */
extern const struct hvd_op_type op_disk_attach_type;	/* op-disk-attach.c */
extern const struct hvd_op_type op_disk_detach_type;	/* op-disk-detach.c */
extern const struct hvd_op_type op_mem_target_type;	/* op-mem.c */
extern const struct hvd_op_type op_mem_info_type;	/* op-mem.c */
extern const struct hvd_op_type op_nic_attach_type;	/* op-nic-attach.c */
extern const struct hvd_op_type op_nic_detach_type;	/* op-nic-detach.c */
int op_create(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req, int *fds,
	      unsigned int nfds);
int op_restore(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req, int *fds,
	       unsigned int nfds);
/*
 * SAVE's and MIGRATE_SEND's checks of the domain and @fd, and hv-vmm's
 * request: @head (its struct, whose config_len the caller sets after)
 * then @json, or the stored description with its usage when @json_len is
 * 0, into *@body_r (malloc()ed, *@len_r bytes).  0, or HVD_REPLIED after
 * answering the client.
 */
int op_stream_begin(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		    struct hvd_domain *d, int fd, const char *json, size_t json_len,
		    const void *head, size_t head_len, uint8_t **body_r, size_t *len_r);
int op_migrate(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
	       struct hvd_domain *d, int fd);
/*
 * The client @conn_id went away: a migration of @d it sent is cancelled
 * (the domain runs on as it was); one whose stream is already whole is
 * resumed when hv-vmm answers, since no one will tell the destination to go.
 */
void op_migrate_client_gone(struct hvd *hvd, struct hvd_domain *d, uint64_t conn_id);
/* HV_VMM_EV_MIGRATE: a migration's progress, to its client. */
void op_migrate_progress(struct hvd *hvd, struct hvd_domain *d, const void *body, size_t len);
int op_save(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
	    struct hvd_domain *d, int fd);
/* DUMP_CORE: hv-vmm writes an ELF core of the domain to the regular file @fd. */
int op_dump_core(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		 struct hvd_domain *d, int fd);
/* PAUSE, UNPAUSE, SHUTDOWN: @vmm_op to hv-vmm, answered when it answers. */
int op_call(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
	    struct hvd_domain *d, uint16_t vmm_op);
/* The same with a body of @len bytes (TRIGGER's); hv-vmm's reason for a
 * refusal goes to the client. */
int op_call_body(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		 struct hvd_domain *d, uint16_t vmm_op, const void *body, size_t len);

/*
 * DISK_ATTACH and DISK_DETACH (op-disk-attach.c, op-disk-detach.c),
 * NIC_ATTACH and NIC_DETACH (op-nic-attach.c, op-nic-detach.c): one device
 * at a time on a domain, answered when hv-vmm has told the guest
 * (attach), or when the guest has ejected the device or the wait ends
 * (detach).
 */
int op_disk_attach(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		   struct hvd_domain *d, int fd);
int op_disk_detach(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		   struct hvd_domain *d);
int op_nic_attach(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		  struct hvd_domain *d, const int *fds, unsigned int nfds);
int op_nic_detach(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		  struct hvd_domain *d);
/*
 * hv-vmm's DISK_EJECTED and NET_EJECTED events (@body, @len bytes),
 * whenever they come: the device leaves the description and hvd closes
 * its descriptors; a detach waiting for it is answered.
 */
void op_disk_ejected(struct hvd *hvd, struct hvd_domain *d, const void *body, size_t len);
/* op-vcpu.c: VCPU_INFO, VCPU_PIN and cpus=: the vCPU threads' affinity */
/* A CPU list (cpus=, VCPU_PIN) as the host's online CPUs it names; -1 with why. */
int vcpu_cpuset(const char *list, cpu_set_t *set, char *why, size_t why_size);
/* Pins every thread of the domain's hv-vmm, just started, to the
 * description's cpus=, before hvd asks it to build or restore: the vCPU
 * and I/O threads it makes then inherit it.  Logs what fails. */
void vcpu_apply_cpus(struct hvd *hvd, struct hvd_domain *d);
int op_vcpu_info(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		 struct hvd_domain *d);
/*
 * Whether every vCPU thread of the domain's hv-vmm is asleep (its /proc
 * state not 'R': halted in KVM_RUN, or parked): dominfo's BLOCKED.  False
 * when any of them cannot be found or read.
 */
bool vcpu_all_blocked(const struct hvd_domain *d);
int op_vcpu_pin(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		struct hvd_domain *d);
int op_migrated(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		struct hvd_domain *d);
int op_sched(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
	     struct hvd_domain *d);
/* op-mem.c: MEM_TARGET, MEM_MAX, MEM_INFO; hv-vmm's BALLOON events; the
 * deadline for reaching a target */
int op_mem_target(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		  struct hvd_domain *d);
int op_mem_max(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
	       struct hvd_domain *d);
int op_mem_info(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		struct hvd_domain *d);
void op_mem_balloon(struct hvd *hvd, struct hvd_domain *d, const void *body, size_t len);
void op_mem_ready(struct hvd *hvd, struct hvd_domain *d);
int64_t op_mem_tick(struct hvd *hvd, struct hvd_domain *d, int64_t now);

/* The "KEY: N kB" line of a /proc file (/proc/meminfo, /proc/PID/status)
 * in KiB; 0 when the file or the line is missing (ops.c). */
uint64_t hvd_proc_kib(const char *path, const char *key);

/* cgroup.c: the domains' memory cgroups */
#define CGROUP_MARGIN_MIB	64
void cgroup_init(struct hvd *hvd);
/* At hvd's end: the groups of domains that ended, and its hv-* group once
 * no running domain's is in it (the domains outlive hvd). */
void cgroup_fini(struct hvd *hvd);
/* The cgroup limit for a cap of @maxmem_mib: the cap, a margin, 1/64 of it. */
uint64_t cgroup_limit(uint64_t maxmem_mib);
int cgroup_attach(struct hvd *hvd, struct hvd_domain *d, pid_t pid);
void cgroup_found(struct hvd *hvd, struct hvd_domain *d);
int cgroup_set_limit(struct hvd *hvd, struct hvd_domain *d, uint64_t bytes);
/* The path of the domain's group's @file into @path: 0, or -ENOTSUP (no groups). */
int cgroup_file_path(const struct hvd *hvd, const struct hvd_domain *d, const char *file,
		     char *path, size_t size);
int cgroup_usage(const struct hvd *hvd, const struct hvd_domain *d, uint64_t *usage,
		 uint64_t *limit);
/* The kernel killed a process of the domain's group for going over its limit. */
bool cgroup_oom_killed(struct hvd *hvd, const struct hvd_domain *d);
void cgroup_remove(struct hvd *hvd, struct hvd_domain *d);
/* Applies Xen's weight (0: 256) and cap (percent of a CPU; 0: none) to @d's group. */
int cgroup_set_cpu(struct hvd *hvd, struct hvd_domain *d, unsigned int weight, unsigned int cap);
/* Retries the removals a process still in its group held up. */
int64_t cgroup_tick(struct hvd *hvd, int64_t now);
void op_nic_ejected(struct hvd *hvd, struct hvd_domain *d, const void *body, size_t len);

/*
 * op-hotplug.c: what the four have in common.  Each one's op->data starts
 * with this.
 */
struct op_hotplug {
	char what[48];		/* the device in messages: "disk xvdb", "vif 1" */
	char name[32];		/* as its EJECTED event names it: the vdev, the devid */
	char force_cmd[160];	/* what removes it anyway: "xl block-detach --force ..." */
	uint32_t timeout_ms;	/* detach: the guest's time to eject it */
	bool detach, force, asked;
};
/* Whether a device is coming to @d or leaving it. */
bool op_hotplug_running(const struct hvd_domain *d);
/*
 * Whether a device can come to @d or leave it now (running or paused, not
 * being saved, no other device coming or going): 0, or HVD_REPLIED after
 * replying why not.
 */
int op_hotplug_check_state(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
			   struct hvd_domain *d);
/*
 * An attach's start: op_hotplug_check_state(), then the request's JSON
 * read as a disk or (@vif) a vif into *dev_r (the caller frees it).  0,
 * or HVD_REPLIED / -HV_HC_E* when it is refused.
 */
int op_hotplug_read(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		    struct hvd_domain *d, bool vif, void **dev_r);
/* An attach's or detach's hv-vmm refused it (@status -errno): the client hears why. */
void op_hotplug_refused(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
			const void *data, size_t len);
/* The hvd_op_type callbacks both kinds share. */
void op_hotplug_closed(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op);
void op_hotplug_gone(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
		     pid_t pid);
void op_hotplug_expire(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op);
/*
 * Starts an attach or detach of @type (@h its data, taken over; h->detach
 * says which) by sending @vmm_op with @body and @nfds descriptors to
 * hv-vmm: HVD_DEFERRED, HVD_REPLIED or -HV_HC_ENOMEM.
 */
int op_hotplug_send(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		    struct hvd_domain *d, const struct hvd_op_type *type, struct op_hotplug *h,
		    uint16_t vmm_op, const void *body, size_t len, const int *fds, size_t nfds);
/* A detach's reply: hv-vmm refused, or it asked the guest and the wait starts. */
void op_hotplug_detach_reply(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op,
			     int status, const void *data, size_t len);
/* A detach's dispose: its data is one struct op_hotplug. */
void op_hotplug_free(void *data);
/* The device @name left: the detach of @type waiting for it is answered. */
void op_hotplug_ejected(struct hvd *hvd, struct hvd_domain *d, const struct hvd_op_type *type,
			const char *name);

/* meter.c: what domains use (docs/metering.md) */
/* Reads @d's counters now into @s (and keeps them as its last seen). */
void meter_sample(struct hvd *hvd, struct hvd_domain *d, struct hv_hc_domstats *s);
/* Its hv-vmm ended but is not reaped yet: the last look at its counters. */
void meter_vmm_ending(struct hvd *hvd, struct hvd_domain *d);
/* The disk @vdev left @d: its last counters go. */
void meter_forget_disk(struct hvd_domain *d, const char *vdev);
/* The number of entries that fit in one STATS reply. */
size_t meter_fit(void);
int meter_op_stats(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req);
/*
 * What a restore's description says the domain had used (its usage_*
 * members) becomes @d's carried totals, and leaves the description (so a
 * restart of the domain does not inherit it): call before domain_make().
 */
void meter_take_carried(hv_domain_config *cfg, struct hv_hc_usage *carried);
/* What a migration's source says the domain had used (MIGRATED): the
 * carried totals become that where it is more. */
void meter_carry_migrated(struct hvd_domain *d, const struct hv_hc_usage *u);
/* Whether a description names usage (a create must not). */
bool meter_cfg_has_usage(const hv_domain_config *cfg);
/* @d's description with its totals now in its usage_* members, as JSON for
 * a save image: 0 or -HV_HC_E* (then none: the save goes on without). */
int meter_save_json(struct hvd *hvd, struct hvd_domain *d, char **json_r, size_t *len_r);
/* @d leaves the table: its usage record goes to $HV_LOGDIR/usage.jsonl. */
void meter_end(struct hvd *hvd, struct hvd_domain *d);

/*
 * meter-fds.c: the files a sample reads stay open between samples, a
 * pread() each; at most hvd->meter_fds_max of them in all, so that
 * clients always find descriptors (docs/metering.md).
 */
/* How many descriptors metering may hold (half the limit less clients'). */
void meter_fds_init(struct hvd *hvd);
/* A new domain holds none. */
void meter_fds_none(struct hvd_domain *d);
/*
 * Reads @d's file @which (at @path, opened there on the first read, or
 * again after the held one failed) into @buf: its length, or -errno.  A
 * file held for another hv-vmm than d->pid's is let go first.
 */
ssize_t meter_fds_read(struct hvd *hvd, struct hvd_domain *d, enum meter_file which,
		       const char *path, char *buf, size_t size);
/* Lets go of @d's files: its hv-vmm ended, or the domain goes. */
void meter_fds_close(struct hvd *hvd, struct hvd_domain *d);
/* Lets go of every domain's, for a while: hvd is at its descriptor limit. */
void meter_fds_release(struct hvd *hvd);

/* meter-link.c: the taps' counters from rtnetlink */
struct meter_link;
struct meter_links {
	struct meter_link *v;	/* sorted by name */
	size_t n, cap;
	bool ok;		/* a whole dump: a name not in it has no link */
};
/* Every link's counters, one RTM_GETLINK dump: 0, or -errno (then l->ok false). */
int meter_links_dump(struct hvd *hvd, struct meter_links *l);
const struct meter_link *meter_links_find(const struct meter_links *l, const char *name);
void meter_links_free(struct meter_links *l);
/*
 * The counters of the link named @name: 0, -ENODEV (no such link), or
 * another -errno (rtnetlink could not be asked).
 */
int meter_link_get(struct hvd *hvd, const char *name, struct meter_link *l);
/* Closes the rtnetlink socket (hvd ends, or it ran short of descriptors). */
void meter_link_close(struct hvd *hvd);

/* domain.c */
struct hvd_domain *domain_find(struct hvd *hvd, uint32_t domid);
struct hvd_domain *domain_find_name(struct hvd *hvd, const char *name);
/*
 * A new domain in state BUILDING with the description @cfg/@json (which it
 * takes over, also on failure), in the table and on disk; NULL with *rc_r
 * and @why set if it cannot be.
 */
struct hvd_domain *domain_make(struct hvd *hvd, hv_domain_config *cfg, char *json,
			       int *rc_r, char *why, size_t why_size);
/* A kernel or ramdisk as hv-vmm reads it: a regular file of at most 1 GiB. */
bool domain_image_ok(int fd);
/* Copies the kernel and ramdisk (-1: none) into the domain's directory. */
int domain_keep_images(struct hvd *hvd, struct hvd_domain *d, int kernel, int ramdisk);

/*
 * vmm.c: makes the empty network namespace the jailed hv-vmms join (a root
 * hvd's; a per-user hvd's make their own), or leaves it -1 saying why.
 */
int vmm_jail_check_ids(const struct hvd *hvd);
void vmm_jail_init(struct hvd *hvd);

/*
 * images.c: keeps duplicates of @kernel and @ramdisk (-1: none) for @d and
 * starts a thread copying them into its directory; 0 or -HV_HC_*.
 */
int images_keep(struct hvd *hvd, struct hvd_domain *d, int kernel, int ramdisk);
/* A new descriptor of @d's kernel (@which 0) or ramdisk (1), or -1 (errno). */
int images_fd(struct hvd *hvd, const struct hvd_domain *d, int which);
/* Whether @d's images are still being copied (their descriptors are held). */
bool images_pending(const struct hvd_domain *d);
/* Lets @d's images go: its descriptors, and a copy under way (stopped). */
void images_forget(struct hvd *hvd, struct hvd_domain *d);
/* The domain is there for everyone: the CREATED event. */
void domain_announce(struct hvd *hvd, struct hvd_domain *d);
/* Only one save or restore at a time, and nothing else that needs the vCPUs meanwhile. */
bool domain_busy(const struct hvd_domain *d);
/* What an open descriptor is, for messages; whether it is open for writing or reading. */
const char *domain_fd_kind(int fd);
bool domain_fd_open_for(int fd, bool write);
/* Renames the domain's logs along with the domain. */
void domain_rename_logs(struct hvd *hvd, const char *from, const char *to);
void domain_vmm_ready(struct hvd *hvd, struct hvd_domain *d);
void domain_vmm_gone(struct hvd *hvd, struct hvd_domain *d);
/* hv-vmm's reply: @status 0 or -errno, @data what follows struct hv_vmm_reply. */
void domain_vmm_reply(struct hvd *hvd, struct hvd_domain *d, uint16_t op,
		      uint32_t seq, int status, const void *data, size_t len);
void domain_vmm_progress(struct hvd *hvd, struct hvd_domain *d, uint64_t done,
			 uint64_t total);
void domain_insert(struct hvd *hvd, struct hvd_domain *d);
void domain_remove(struct hvd *hvd, struct hvd_domain *d);
int64_t domain_tick(struct hvd *hvd, int64_t now);
void domain_reap(struct hvd *hvd);
void domain_fill_info(struct hvd_domain *d, struct hv_hc_dominfo *info);
/* Its hv-vmm runs and its vCPUs are set up: PAUSED or RUNNING. */
bool domain_live(const struct hvd_domain *d);

/* net.c: the domain's taps */
/* The number of descriptors @cfg's vifs take (one per queue pair). */
unsigned int net_fd_count(const hv_domain_config *cfg);
/* Checks the @nfds descriptors that came for @cfg's vifs: 0 or -HV_HC_EBADF with @why. */
int net_check(const hv_domain_config *cfg, const int *fds, unsigned int nfds, char *why,
	      size_t why_size);
/* net_check() for @d's description, then keeps duplicates of @fds: 0 or -HV_HC_E*. */
int net_take(struct hvd_domain *d, const int *fds, unsigned int nfds, char *why,
	     size_t why_size);
/* 0 if @d holds its taps (or has no vifs), else -1, logged. */
int net_ensure(struct hvd *hvd, struct hvd_domain *d);
void net_move(struct hvd_domain *to, struct hvd_domain *from);
void net_close(struct hvd_domain *d);
/* The name of the tap of vif @index of @d's description, into @name: 0. */
int net_ifname(const struct hvd_domain *d, size_t index, char *name, size_t size);
/* The index in @cfg's vifs of the one with @devid; -1 if none. */
int net_find(const hv_domain_config *cfg, unsigned int devid);
/*
 * Checks the @nfds descriptors that came with a NIC_ATTACH of @vif: one
 * tap per queue pair.  0 or -HV_HC_EBADF with @why.
 */
int net_check_vif(const hv_vif_spec *vif, const int *fds, unsigned int nfds, char *why,
		  size_t why_size);
/*
 * Keeps @fds (taken over) as the taps of the vif added last to @d's
 * description (call it after the description has it).  A domain whose
 * taps a restarted hvd lost keeps none: it cannot start again anyway.
 */
void net_add_fds(struct hvd_domain *d, int *fds, unsigned int nfds);
/*
 * Closes the taps of vif @index of @d's description (call it before the
 * description loses it): with hv-vmm's closed too, the tap goes.
 */
void net_remove_fds(struct hvd_domain *d, size_t index);
/* disk_check()/disk_take() and net_check()/net_take() for the descriptors
 * that came with a create or restore: the disks', then the taps'. */
int dev_check(const hv_domain_config *cfg, const int *fds, unsigned int nfds, char *why,
	      size_t why_size);
int dev_take(struct hvd *hvd, struct hvd_domain *d, const int *fds, unsigned int nfds,
	     char *why, size_t why_size);

/* disk.c: the domain's disks */
/* The number of descriptors @cfg's disks take (those with a target). */
unsigned int disk_count(const hv_domain_config *cfg);
/*
 * Checks the @nfds descriptors that came for @cfg's disks: as many as it
 * has disks with targets, each a file or block device open as its disk
 * needs.  0, or -HV_HC_EBADF with what is wrong in @why.
 */
int disk_check(const hv_domain_config *cfg, const int *fds, unsigned int nfds, char *why,
	       size_t why_size);
/* disk_check() for @d's description, then keeps duplicates of @fds: 0 or -HV_HC_E*. */
int disk_take(struct hvd *hvd, struct hvd_domain *d, const int *fds, unsigned int nfds,
	      char *why, size_t why_size);
/*
 * Makes sure @d holds its disks: a domain that a restarted hvd found again
 * opens and locks its targets anew (as libhv would).  0, or -1 (logged).
 */
int disk_ensure(struct hvd *hvd, struct hvd_domain *d);
/* Hands @from's disks over to @to (a restart). */
void disk_move(struct hvd_domain *to, struct hvd_domain *from);
/* Closes @d's disks: their locks go with the last holder (its hv-vmm's end). */
void disk_close(struct hvd_domain *d);
/*
 * Takes (@lock) or gives up the locks of the domain's disks, all or none:
 * a migration hands them from the source to the destination.  0, or
 * -errno with the disk and its holder in @why.
 */
int disk_relock(struct hvd *hvd, struct hvd_domain *d, bool lock, char *why, size_t why_size);
/*
 * The index in @cfg's disks of the one @vdev names: the same name, else
 * the same disk number (xvdb, vdb, sdb, d1 are all disk 1); -1 if none.
 */
int disk_find(const hv_domain_config *cfg, const char *vdev);
/* Keeps @fd (taken over) as the descriptor of @d's disk added last. */
void disk_add_fd(struct hvd_domain *d, int fd);
/*
 * Closes the descriptor of disk @index of @d's description (call it before
 * the description loses that disk); nothing if the disk has no target.
 */
void disk_remove_fd(struct hvd_domain *d, size_t index);

/* ops.c: a client's request about domains */
int domain_op(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
	      int *fds, unsigned int nfds);

/* desc.c: a domain's description */
void desc_init(struct hvd *hvd);
/*
 * Decodes and checks the @len bytes of JSON at @json (no NUL needed) as a
 * domain description hv can run: into *cfg_r (allocated), with a malloc()ed
 * copy of the text (NUL-terminated) in *json_r.  0, or -HV_HC_EINVAL /
 * -HV_HC_ENOTSUP / -HV_HC_ENOMEM with what is wrong and what to do in @why.
 */
int desc_parse(struct hvd *hvd, const char *json, size_t len, hv_domain_config **cfg_r,
	       char **json_r, char *why, size_t why_size);
/* Gives @d the description (it takes over @cfg and @json) and stores it. */
int desc_set(struct hvd *hvd, struct hvd_domain *d, hv_domain_config *cfg, char *json);
/* Renames @d in its description (re-encoded and stored): 0 or -HV_HC_E*. */
int desc_rename(struct hvd *hvd, struct hvd_domain *d, const char *name);
/* The description with memory_mib and maxmem_mib as given, stored. */
int desc_set_memory(struct hvd *hvd, struct hvd_domain *d, uint64_t memory_mib,
		    uint64_t maxmem_mib);
/* The description with cpu_weight and cpu_cap set, stored: 0 or -HV_HC_*. */
int desc_set_sched(struct hvd *hvd, struct hvd_domain *d, unsigned int weight,
		   unsigned int cap);
/*
 * @d's description with @disk added at the end of its disks, checked as
 * CREATE_DOMAIN checks one (hv_config_validate(), HV_CONFIG_VALIDATE_CREATE),
 * into *cfg_r and *json_r (allocated): 0, or -HV_HC_E* with why in @why.
 */
int desc_with_disk(struct hvd *hvd, const struct hvd_domain *d, const hv_disk_spec *disk,
		   hv_domain_config **cfg_r, char **json_r, char *why, size_t why_size);
/* @d's description loses disk @index (re-encoded and stored): 0 or -HV_HC_E*. */
int desc_remove_disk(struct hvd *hvd, struct hvd_domain *d, size_t index);
/* The same two for a vif, added at the end of the description's vifs. */
int desc_with_vif(struct hvd *hvd, const struct hvd_domain *d, const hv_vif_spec *vif,
		  hv_domain_config **cfg_r, char **json_r, char *why, size_t why_size);
int desc_remove_vif(struct hvd *hvd, struct hvd_domain *d, size_t index);
/* CONFIG_UPDATE: @d's description for its next start, checked and stored. */
int op_config_update(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		     struct hvd_domain *d);
/*
 * A restart of @old as @nd (which has a copy of @old's description): the
 * description CONFIG_UPDATE gave @old instead, if it still fits @old's
 * devices (else hvd's log says why not).  Returns whether @nd took it.
 */
bool desc_take_next(struct hvd *hvd, struct hvd_domain *nd, const struct hvd_domain *old);
/* Reads next.json back, if there is one, for a domain of the table (hvd restarted). */
void desc_load_next(struct hvd *hvd, struct hvd_domain *d);
/* A copy of @from's description for a restarted domain: 0 or -HV_HC_ENOMEM. */
int desc_copy(struct hvd_domain *to, const struct hvd_domain *from);
void desc_free(struct hvd_domain *d);
/* Reads config.json back for a domain of the table (hvd restarted). */
int desc_load(struct hvd *hvd, struct hvd_domain *d);
/* The description's numbers and actions as the hypercall ABI gives them. */
uint64_t desc_maxmem_mib(const struct hvd_domain *d);
uint32_t desc_maxvcpus(const struct hvd_domain *d);
uint8_t desc_action(enum hv_action a);

/* vmm.c */
/*
 * Starts the domain's hv-vmm and sends it BUILD (the description, the
 * kernel and ramdisk in the domain's directory) or, with @image_fd >= 0,
 * RESTORE of the save image @image_fd (the caller keeps its descriptor).
 * 0 or -HV_HC_EIO (logged).
 */
int vmm_spawn(struct hvd *hvd, struct hvd_domain *d, bool paused, int image_fd, bool lazy);
int vmm_attach(struct hvd *hvd, struct hvd_domain *d);
int vmm_connect(struct hvd *hvd, struct hvd_domain *d);
void vmm_detach(struct hvd *hvd, struct hvd_domain *d);
int vmm_call(struct hvd *hvd, struct hvd_domain *d, uint16_t op, uint32_t *seq_r);
/* A request with @body and, if @fd >= 0, a descriptor: 0 or -errno (logged). */
int vmm_send(struct hvd *hvd, struct hvd_domain *d, uint16_t op, const void *body,
	     size_t len, int fd, uint32_t *seq_r);
/* The same with @nfds descriptors. */
int vmm_send_fds(struct hvd *hvd, struct hvd_domain *d, uint16_t op, const void *body,
		 size_t len, const int *fds, size_t nfds, uint32_t *seq_r);
int vmm_signal(struct hvd_domain *d, int sig);
int vmm_exit_status(struct hvd *hvd, const struct hvd_domain *d);
int vmm_proc_stat(pid_t pid, uint64_t *cpu_ns_r, unsigned long long *start_r);
void vmm_log_tail(struct hvd *hvd, const struct hvd_domain *d);

/* store.c */
char *store_domain_dir(struct hvd *hvd, uint32_t domid);
char *store_domain_file(struct hvd *hvd, uint32_t domid, const char *file);
int store_save(struct hvd *hvd, const struct hvd_domain *d);
/* Replaces the domain's @file with @len bytes of @buf: 0 or -1 (errno set). */
int store_put(struct hvd *hvd, uint32_t domid, const char *file, const void *buf, size_t len);
/*
 * Reads the domain's @file, at most @max bytes, into a malloc()ed buffer
 * with a NUL after its *len_r bytes: 0, -ENOENT if there is none, -EFBIG
 * if it is longer, or another -errno.
 */
int store_get(struct hvd *hvd, uint32_t domid, const char *file, size_t max, char **buf_r,
	      size_t *len_r);
int store_alloc_domid(struct hvd *hvd, uint32_t *domid_r);
int store_mkdir(struct hvd *hvd, uint32_t domid);
void store_rmdir(struct hvd *hvd, uint32_t domid);
int store_load(struct hvd *hvd);
int store_parse(const char *text, size_t len, struct hvd_domain *d);
/* Files in a domain's directory. */
#define STORE_CONFIG_FILE "config.json"
#define STORE_NEXT_FILE "next.json"	/* CONFIG_UPDATE's, for the next start */
int store_format(const struct hvd_domain *d, char *buf, size_t size);

#endif
