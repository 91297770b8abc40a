(* SPDX-License-Identifier: LGPL-2.1-or-later *)
(** OCaml binding of libhv, the hv toolstack library (libhv(3)).

    Every function that can fail raises {!Error} with the libhv error and
    the last error message libhv logged for the call (it names the file,
    line and key for configuration errors).  Calls that talk to hvd
    release the OCaml runtime lock while they wait, so other OCaml
    threads run meanwhile.  hvd is started on demand, as libhv does
    (HV_RUNDIR, HV_HVD: see libhv(3)). *)

(** {1 Errors} *)

(** The [HV_ERROR_*] codes of [<hv/error.h>]. *)
type error =
  | Fail  (** HV_ERROR_FAIL *)
  | Nomem
  | Inval
  | Config  (** the domain configuration is invalid *)
  | Notfound
  | Exists
  | Perm
  | Io
  | Protocol
  | Version
  | Nosys
  | Busy
  | State
  | Corrupt
  | Timedout
  | Nokvm  (** /dev/kvm missing or unusable *)
  | Daemon  (** hvd could not be reached or started *)
  | Cancelled  (** a progress callback cancelled the operation *)
  | Unknown of int  (** a code this binding does not know *)

exception Error of error * string
(** [Error (e, msg)]: [msg] is libhv's last error message for the call,
    or [hv_strerror] of the code when libhv logged none. *)

val error_of_code : int -> error
(** [error_of_code (-4)] is [Config]; unknown codes give [Unknown n]. *)

val code_of_error : error -> int
val string_of_error : error -> string
(** libhv's short description ([hv_strerror]). *)

val version : unit -> string
(** libhv's version, e.g. ["0.1.0"]. *)

type log_level = Log_error | Log_warn | Log_info | Log_debug

(** {1 Contexts} *)

module Ctx : sig
  type t

  val create :
    ?logger:(log_level -> string -> unit) -> ?log_level:log_level -> unit -> t
  (** A new libhv context.  [logger] gets libhv's messages up to
      [log_level] (default [Log_warn]), in order, in the calling thread,
      once the call that produced them has returned (libhv may log from a
      thread without the runtime lock, so messages are kept until then).
      A context that is never closed is freed by the garbage collector. *)

  val close : t -> unit
  (** Frees the context.  Idempotent.  Using a closed context raises
      [Error (Inval, _)].  Calls that other threads are making on it
      meanwhile run to their end; the last of them frees it. *)

  val is_closed : t -> bool

  val with_ctx :
    ?logger:(log_level -> string -> unit) -> ?log_level:log_level ->
    (t -> 'a) -> 'a
  (** [with_ctx f] calls [f] with a new context and closes it when [f]
      returns or raises. *)
end

(** {1 Domain configurations} *)

module Config : sig
  type t
  (** One [hv_domain_config], freed by the garbage collector. *)

  type domain_type = Pvh | Hvm | Type_unknown of int

  type action =
    | Destroy
    | Restart
    | Rename_restart
    | Preserve
    | Coredump_destroy
    | Coredump_restart
    | Action_unknown of int

  type disk = {
    target : string option;
    vdev : string;
    read_only : bool;
    cdrom : bool;
  }

  type vif = {
    mac : string option;
    bridge : string option;
    model : string option;
  }

  val create : unit -> t
  (** A configuration with libhv's defaults and no name. *)

  val of_xl_file : Ctx.t -> string -> t
  (** Reads an xl.cfg(5) file.  A syntax or value error raises
      [Error (Config, msg)] with file and line in [msg]; an unreadable
      file [Error (Io, msg)]. *)

  val of_xl_string : Ctx.t -> ?name:string -> string -> t
  (** The same from a string, named [name] in messages. *)

  val of_json : Ctx.t -> string -> t
  val to_json : Ctx.t -> t -> string
  (** The JSON form of [hv_config_to_json]: [of_json] of it gives an equal
      configuration with the same JSON. *)

  val of_xml_file : Ctx.t -> string -> t
  (** Reads a libvirt domain XML file (docs/libvirt-xml.md).  What hv
      cannot honour raises [Error (Config, msg)] with the file, line and
      element path in [msg]. *)

  val of_xml_string : Ctx.t -> ?name:string -> string -> t
  (** The same from a string, named [name] in messages. *)

  val to_xml : Ctx.t -> t -> string
  (** The configuration as libvirt domain XML, as [xl domxml] writes it. *)

  val set : Ctx.t -> t -> string -> unit
  (** [set ctx cfg "memory=512"]: one override, as after the file name of
      [xl create]. *)

  val add_disk : Ctx.t -> t -> string -> unit
  (** Appends a DISKSPEC (xl-disk-configuration(5)). *)

  val add_vif : Ctx.t -> t -> string -> unit
  (** Appends a VIFSPEC (xl-network-configuration(5)). *)

  val validate : Ctx.t -> t -> unit
  val copy : t -> t
  val kernel_cmdline : Ctx.t -> t -> string option

  val name : t -> string option
  val uuid : t -> string option
  val domain_type : t -> domain_type
  val memory_mib : t -> int
  val maxmem_mib : t -> int
  val vcpus : t -> int
  val maxvcpus : t -> int
  val cpus : t -> string option
  val kernel : t -> string option
  val ramdisk : t -> string option
  val cmdline : t -> string option
  val on_poweroff : t -> action
  val on_reboot : t -> action
  val on_crash : t -> action
  val disks : t -> disk list
  val vifs : t -> vif list
end

(** {1 Domains} *)

module Domain : sig
  type state =
    | Building
    | Paused
    | Running
    | Shutdown
    | Crashed
    | Dying
    | State_unknown of int

  type shutdown_code = No_shutdown | Poweroff | Reboot | Crash | Code_unknown of int

  (** [HV_MEM_*]: how a domain's memory stands. *)
  type mem_flag =
    | Target_missed  (** the guest did not reach its target in time *)
    | Capped  (** maxmem is enforced on its hv-vmm (cgroup) *)

  type info = {
    domid : int;
    state : state;
    name : string;
    uuid : string;
    vcpus : int;
    maxvcpus : int;
    memory_mib : int;
    maxmem_mib : int;
    cpu_time_ns : int64;
    start_time : float;  (** seconds since the epoch *)
    shutdown_code : shutdown_code;
    vmm_pid : int;  (** 0 when no hv-vmm runs *)
    on_poweroff : Config.action;
    on_reboot : Config.action;
    on_crash : Config.action;
    current_mib : int option;
        (** the memory the guest has now (its RAM less its balloon, as it
            reports); [None] while not known.  [memory_mib] is the target,
            [maxmem_mib] the cap. *)
    mem_flags : mem_flag list;
  }

  val create : Ctx.t -> ?paused:bool -> Config.t -> int
  (** Builds and starts a domain; its id.  Nothing is left behind on
      failure. *)

  val destroy : Ctx.t -> domid:int -> unit

  val shutdown : Ctx.t -> domid:int -> unit
  (** Asks the guest to power off (the ACPI power button); returns at
      once. *)

  val wait : Ctx.t -> domid:int -> ?timeout:float -> unit -> shutdown_code option
  (** Waits until the domain has ended: it left hvd's table (powered off,
      crashed, was destroyed, or restarted under a new id), or is kept
      ended ([Shutdown] or [Crashed] by an on_* = "preserve").  Returns
      why ([Some Poweroff], [Some Reboot], [Some Crash], [Some No_shutdown]
      when it was destroyed), or [None] when it was gone already.  The
      events are watched on a context of its own (subscribed before it
      looks at the domain, so nothing is missed, and without taking events
      from [ctx]).  [Error (Timedout, _)] after [timeout] seconds (default:
      no limit). *)

  val shutdown_wait : Ctx.t -> domid:int -> ?timeout:float -> unit -> shutdown_code option
  (** {!shutdown}, then {!wait}; the watch starts before the request. *)

  val reboot : Ctx.t -> domid:int -> unit
  val pause : Ctx.t -> domid:int -> unit
  val unpause : Ctx.t -> domid:int -> unit
  val rename : Ctx.t -> domid:int -> string -> unit

  type trigger =
    | Power  (** its ACPI power button, as [shutdown] *)
    | Reset  (** at once; its on_reboot action follows *)
    | Nmi of int  (** a non-maskable interrupt to that vCPU *)
    | Sysrq of char  (** a serial break and the key on its first serial port *)

  val trigger : Ctx.t -> domid:int -> trigger -> unit
  (** Sends a running or paused domain a trigger (hv_domain_trigger()). *)

  val attach_disk : Ctx.t -> domid:int -> string -> unit
  (** Adds the disk a DISKSPEC describes (xl-disk-configuration(5)) to a
      running or paused domain through PCI hotplug; the image is opened
      and locked with this process's privileges. *)

  val detach_disk : Ctx.t -> domid:int -> ?force:bool -> ?timeout:float -> string -> unit
  (** Asks the guest to eject the disk [vdev] and waits up to [timeout]
      seconds (default 10) for it: [Error (Timedout, _)] when it did not,
      the disk then stays.  [~force:true] removes it at once. *)

  val attach_nic : Ctx.t -> domid:int -> string -> int * string
  (** Adds the vif a vif spec describes (xl-network-configuration(5),
      e.g. ["bridge=xenbr0,mac=00:16:3e:01:02:03"]; [""]: all defaults) to
      a running or paused domain through PCI hotplug; its tap is made and
      put on its bridge with this process's privileges.  Returns the
      devid and MAC the vif got. *)

  val detach_nic : Ctx.t -> domid:int -> ?force:bool -> ?timeout:float -> string -> unit
  (** Asks the guest to eject the vif (its devid, ["1"], or its MAC) and
      waits up to [timeout] seconds (default 10) for it: [Error (Timedout,
      _)] when it did not, the vif then stays.  [~force:true] removes it at
      once; its tap goes with it. *)

  (** {2 Memory: the balloon and the cap (libhv 1.5)} *)

  val set_memory_target : Ctx.t -> domid:int -> int -> unit
  (** [set_memory_target ctx ~domid mib] asks the guest to have [mib] MiB
      (xl mem-set): its balloon driver inflates or deflates to RAM -
      target.  Returns once the guest was asked, not when it got there
      ([current_mib] of {!info} and {!meminfo} tell; a guest that is not
      there within 30 s gets [Target_missed] and a {!Event.Memory} event).
      The description's [memory_mib] becomes the target, so save images
      and restarts keep it.  [Error (Inval, _)]: below 16 MiB (checked
      before hvd is asked), above the domain's maxmem or above the RAM it
      booted with; [Error (State, _)]: not running or paused, or being
      saved; [Error (Notfound, _)]: no such domain. *)

  val set_memory_max : Ctx.t -> domid:int -> int -> unit
  (** [set_memory_max ctx ~domid mib] sets the cap (xl mem-max): hvd
      enforces it on the domain's hv-vmm through its memory cgroup (the
      cap plus a margin for hv-vmm itself), so a guest that ignores its
      balloon cannot take more.  The description's [maxmem_mib] becomes
      [mib]; a cap above the RAM the guest has takes effect at its next
      boot.  [Error (Inval, _)]: below the target (or 16 MiB);
      [Error (Nomem, _)]: the domain uses more than that now (lower its
      target first); [Error (Nosys, _)]: this host gives hvd no memory
      cgroup. *)

  (** virtio-balloon's statistics ([enum hv_balloon_stat]). *)
  type balloon_stat =
    | Swap_in
    | Swap_out
    | Major_faults
    | Minor_faults
    | Free_memory
    | Total_memory
    | Available_memory
    | Disk_caches
    | Hugetlb_allocations
    | Hugetlb_failures
    | Stat_unknown of int  (** a tag this binding has no name for *)

  (** What the guest's balloon driver took ([HV_BALLOON_F_*]). *)
  type balloon_feature =
    | Deflate_on_oom
    | Free_page_reporting
    | Stats
    | Page_poison
    | Driver  (** a driver runs the balloon *)

  (** [hv_meminfo]; sizes in KiB. *)
  type meminfo = {
    ram_kib : int;  (** the RAM the guest has *)
    target_kib : int;  (** what it was asked to have *)
    current_kib : int;  (** RAM less its balloon *)
    max_kib : int;  (** the cap (maxmem) *)
    allocated_kib : int;  (** host memory its RAM takes now *)
    cgroup_limit_kib : int;  (** what the cap is enforced as; 0: not *)
    cgroup_usage_kib : int;  (** what its hv-vmm uses, as the cgroup counts *)
    stats : (balloon_stat * int) list;
        (** the statistics the guest sent (bytes or counts), in tag order *)
    stats_age : float option;  (** seconds since the guest sent them; [None]: never *)
    features : balloon_feature list;
    target_missed : bool;  (** the guest did not reach its target in time *)
    capped : bool;  (** maxmem is enforced on its hv-vmm (cgroup) *)
  }

  val meminfo : Ctx.t -> domid:int -> meminfo
  (** How the memory of the running or paused domain stands now: its
      balloon, the guest's statistics (refreshed when older than a second)
      and the host memory it takes. *)

  val info : Ctx.t -> domid:int -> info
  val list : Ctx.t -> info list
  (** Every domain, ordered by id. *)

  val lookup : Ctx.t -> string -> int
  (** A domain by name or decimal id; [Error (Notfound, _)] if none. *)

  (** One vif's traffic as the guest sees it (rx: what the guest received). *)
  type vif_stats = {
    devid : int;
    valid : bool;  (** false: its tap could not be read *)
    rx_bytes : int64;
    rx_packets : int64;
    tx_bytes : int64;
    tx_packets : int64;
  }

  (** How a migration went ([hv_migrate_stats]).  The sender has every
      field; the destination the sender's figures (sent with go) and its
      own resume, or from a sender that sent none only [id], [total_ns]
      and [resume_ns] (ready to running). *)
  type migrate_stats = {
    id : string;  (** the migration's id, 32 hex digits, as both ends log it *)
    total_ns : int64;  (** the whole migration *)
    setup_ns : int64;  (** to the first page *)
    downtime_ns : int64;
        (** paused at the source to running at the destination; its parts follow *)
    pause_ns : int64;  (** stopping the vCPUs and devices *)
    last_pages_ns : int64;  (** the last dirty pages *)
    state_ns : int64;  (** the VM, vCPU and device state *)
    restore_ns : int64;  (** the destination loading it, to ready *)
    resume_ns : int64;  (** go, to the destination running it *)
    expected_downtime_ns : int64;  (** the estimate it switched over on *)
    bytes : int64;  (** of the stream *)
    pages : int64;  (** page entries sent, zero pages included *)
    zero_pages : int64;
    rounds : int64;  (** after the first pass, the final one included *)
    last_pages : int64;  (** pages sent while paused *)
    bandwidth : int64;  (** bytes per second *)
    dirty_rate : int64;  (** bytes per second, the last measured *)
    go_sent : bool;
        (** the sender told the destination to go: a failure then left the
            domain paused here; ask the destination by [id] *)
  }

  (** One disk's requests as the domain's hv-vmm counts them: what the
      guest asked of the disk and got done (libhv 1.9). *)
  type vbd_stats = {
    vdev : string;  (** the disk's name in the domain's description *)
    valid : bool;  (** false: no counters for it (an empty CD-ROM drive) *)
    rd_reqs : int64;
    rd_bytes : int64;
    wr_reqs : int64;
    wr_bytes : int64;
    flush_reqs : int64;
    discard_reqs : int64;  (** discards and write-zeroes *)
    err_reqs : int64;  (** requests that failed *)
    throttled_reqs : int64;  (** requests that waited for the rate limit *)
  }

  (** [hv_domstats] (docs/metering.md); [None]: hvd could not read it. *)
  type stats = {
    s_domid : int;
    s_state : state;
    s_name : string;
    s_uuid : string;
    sample_time_ns : int64;  (** CLOCK_REALTIME when hvd read the counters *)
    s_start_time : float;
    uptime_ns : int64;
    cpu_ns : int64 option;  (** host CPU its hv-vmm used, user + system *)
    mem_current_bytes : int64 option;  (** host memory it takes now *)
    mem_peak_bytes : int64 option;  (** the most it took *)
    s_memory_mib : int;
    s_maxmem_mib : int;
    s_vcpus : int;
    nr_disks : int;
    vifs : vif_stats list;
    disks : vbd_stats list;
        (** one per disk, in the domain's order; [[]] with a libhv before 1.9 *)
    s_migration : migrate_stats option;
        (** how the live migration that brought the domain here went (libhv 1.14) *)
  }

  val stats : Ctx.t -> domid:int -> stats
  (** What the domain uses, sampled now (hv_domain_stats()). *)

  type vcpu = {
    vcpu : int;
    cpu : int;  (** the host CPU it ran on last *)
    running : bool;  (** on a host CPU, or waiting for one *)
    blocked : bool;  (** halted, waiting for an interrupt *)
    cpu_time_ns : int64;  (** the CPU time its thread has had *)
    affinity : string;  (** its hard affinity as a CPU list; "all": any host CPU *)
  }
  (** One vCPU as the host runs it: a thread of the domain's hv-vmm
      (hv_vcpuinfo, libhv 1.11). *)

  val vcpu_list : Ctx.t -> domid:int -> vcpu list
  (** The domain's vCPUs, in order (hv_domain_vcpu_list()). [Error (State, _)]:
      not running or paused. *)

  val vcpu_pin : Ctx.t -> domid:int -> ?vcpu:int -> string -> unit
  (** [vcpu_pin ctx ~domid ~vcpu cpus] lets vCPU [vcpu] (every vCPU without
      it) run only on the host CPUs [cpus] names ("2", "0-3,^1", "nodes:0",
      "all"; xl.cfg's cpus=), of those the host has online, until the
      domain's hv-vmm ends (hv_domain_vcpu_pin(), xl vcpu-pin).
      [Error (Inval, _)]: no such vCPU, not a CPU list, or no online CPU in
      it. *)

  val sched : Ctx.t -> domid:int -> int * int
  (** [(weight, cap)]: the domain's CPU weight (1-65535, 256 by default) and
      cap (percent of one host CPU; 0: none), as Xen's credit scheduler has
      them (hv_domain_sched_get(), xl sched-credit). *)

  val set_sched : Ctx.t -> domid:int -> ?weight:int -> ?cap:int -> unit -> unit
  (** Sets the domain's weight, cap or both, in its cgroup at once if it
      runs and in its configuration (hv_domain_sched_set(), xl sched-credit
      -w -c).  [Error (Inval, _)]: out of range; [Error (Nosys, _)]: the
      domain runs on a host without a cpu cgroup controller for hvd. *)

  val console : Ctx.t -> domid:int -> Unix.file_descr
  (** A connected socket to the console; the caller closes it. *)

  val config : Ctx.t -> domid:int -> Config.t
  (** The configuration the domain was created or restored with. *)

  val config_update : Ctx.t -> domid:int -> Config.t -> unit
  (** The configuration of the domain's next start by a restart action
      (hv_domain_config_update(), xl config-update); the running domain
      does not change.  It names the same kernel, disks and vifs as the
      domain: [Error (Config, _)] says what differs when it does not. *)

  type after_save = Destroy_after | Continue | Pause_after

  (** The key of a sealed image or migration (libhv 1.13,
      docs/save-stream.md, {i Sealed streams}): a key file's path
      ([hv_seal_key_read()]), or the key file's content itself, 32 to 4096
      random bytes ([hv_seal_key_from_bytes()]).  The derived key is held in
      C memory for the length of the call and wiped after it; a bad one
      raises [Error (Notfound | Perm | Inval, _)] (the message says how to
      make one) before anything is written or sent. *)
  type key = Key_file of string | Key_bytes of string

  val save :
    Ctx.t -> domid:int -> ?progress:(int -> int -> unit) ->
    ?after:after_save -> ?compress:bool -> ?config:Config.t -> ?key:key -> path:string ->
    unit -> unit
  (** Writes a save image to [path] (created, mode 0600).  By default the
      domain is destroyed once the image is complete ([Destroy_after]).
      [progress done total] is called with bytes of guest memory done;
      an exception it raises cancels the save (libhv is told to stop, the
      domain is left as it was) and is then raised again by [save].  A save
      that was complete before the cancel reached it stands: [save]
      returns, the domain has ended and the image is whole.  [key] seals
      the image ([hv_domain_save_sealed()], xl save -k): restore it with
      the same key. *)

  val save_fd :
    Ctx.t -> domid:int -> ?progress:(int -> int -> unit) ->
    ?after:after_save -> ?compress:bool -> ?config:Config.t -> ?key:key ->
    Unix.file_descr -> unit
  (** The same to a descriptor open for writing, which the caller keeps. *)

  val restore :
    Ctx.t -> ?paused:bool -> ?lazy_:bool -> ?name:string -> ?config:Config.t ->
    ?key:key -> ?progress:(int -> int -> unit) -> path:string -> unit -> int
  (** A domain from a save image; its id.  [progress] as for {!save}: an
      exception it raises cancels the restore (no domain is left) and is
      raised again; a restore that was complete before the cancel reached
      it stands, and its domain's id is returned.  With [key] (xl restore
      -k) the image must be sealed with it: one altered, cut, reordered,
      spliced or sealed with another key raises [Error (Corrupt, _)] before
      it runs or any file it names is opened; not with [~lazy_:true].  A
      sealed image without its key, or an unsealed one with a key:
      [Error (Inval, _)]. *)

  (** {2 Live migration (libhv 1.12, docs/migration.md)} *)

  (** Where a migration is ([hv_migrate_phase]). *)
  type migrate_phase =
    | Preflight  (** the destination checks the domain *)
    | Setup
    | First  (** all of memory, the domain running *)
    | Rounds  (** pages the guest wrote meanwhile *)
    | Final  (** paused: the last pages, the state *)
    | Phase_unknown of int


  (** A migration's progress ([hv_migrate_progress]). *)
  type migrate_progress = {
    phase : migrate_phase;
    round : int;  (** 0: the first pass over memory *)
    sent_bytes : int64;  (** of the stream, so far *)
    remaining_bytes : int64;  (** guest memory still to send *)
    memory_bytes : int64;  (** the guest's RAM *)
    dirty_rate : int64;  (** bytes per second the guest writes *)
    bandwidth : int64;  (** bytes per second the stream takes *)
    expected_downtime_ns : int64;  (** the downtime if it switched over now *)
    elapsed_ns : int64;
  }

  val migrate_send :
    Ctx.t -> domid:int -> ?downtime_ms:int -> ?ceiling_ms:int -> ?bandwidth:int ->
    ?timeout_ms:int -> ?compress:bool -> ?auto_converge:bool -> ?paused:bool ->
    ?debug:bool -> ?local:bool -> ?config:Config.t -> ?key:key ->
    ?progress:(migrate_progress -> bool) -> ?recv_fd:Unix.file_descr -> Unix.file_descr ->
    migrate_stats
  (** [migrate_send ctx ~domid fd] live-migrates the domain to the
      destination at the other end of [fd] (written, and read unless
      [recv_fd] is given: one socket, or two pipes), where {!migrate_receive}
      or [xl migrate-receive] answers (hv_domain_migrate_send()).  The
      caller keeps and closes the descriptors.

      The destination checks the description first and refuses before any
      memory is sent; memory then goes while the domain runs, in rounds,
      until the estimated downtime is at most [downtime_ms] (default 300);
      the domain pauses, the rest goes, and once the destination has
      loaded it, it runs there and the domain here is destroyed.
      [ceiling_ms] is the hard limit on the downtime (default: the downtime
      plus the larger of it and 1000 ms); [bandwidth] caps the stream in
      bytes per second, [timeout_ms] the whole migration (default: no cap,
      no limit).  [~compress:true] zlib-compresses memory,
      [~auto_converge:true] slows the vCPUs of a guest that writes faster
      than the link, [~paused:true] leaves the domain paused at the
      destination, [~debug:true] sends a digest of all memory last, which
      the destination checks its copy against (xl migrate --debug),
      [~local:true] hands the memory itself to a destination on this host
      at the other end of a Unix socket, copying nothing (xl migrate --local),
      [config] sends another description (same memory and vCPUs).
      [key] seals the migration (xl migrate -k): the destination must hold
      the same key, refuses a migration sealed with another ([Corrupt])
      before any memory is sent, and a stream altered on the way before
      the domain runs there; not with [~local:true] ([Inval]).

      [progress p] is called a few times a second; returning [true]
      cancels the migration ([Error (Cancelled, _)]), and so does an
      exception it raises, which is then raised again from
      [migrate_send] (a migration that was complete before the cancel
      reached it stands: its statistics are returned).  Until the
      destination is told to go, every failure leaves the domain running
      here as it was: [Error (Inval, _)] (descriptors, or a number out of
      range: checked before anything is sent), [Timedout] (it did not
      converge in time, or the ceiling), [Io] (the destination went away),
      [Protocol] or [Version] (not an hv destination, or another version),
      or the destination's refusal ([Exists], [Config], [Nomem], ...).
      [Error (Io, _)] after go: the destination did not report, and the
      domain is left paused here (the destination's log says which copy
      runs).

      libhv writes to the descriptors itself: a program whose destination
      may go away ignores SIGPIPE ([Sys.set_signal Sys.sigpipe
      Sys.Signal_ignore]), as xl does, so that it gets [Error (Io, _)]
      instead of dying. *)

  val migrate_receive :
    Ctx.t -> ?paused:bool -> ?key:key -> ?send_fd:Unix.file_descr -> Unix.file_descr ->
    int * migrate_stats
  (** [migrate_receive ctx fd] is the destination's side: it reads a
      migration from [fd] (a pipe or socket), answers on it (or on
      [send_fd]), and creates the domain, which runs once the sender says
      go (paused with [~paused:true], or if the sender asked for it).
      Returns the domain's id and the statistics (hv_domain_migrate_receive()).
      Nothing is left here if the migration fails before go:
      [Error (Inval, _)] ([fd] is not a pipe or socket, checked before
      anything is read), [Timedout], [Io] (the sender went away),
      [Protocol], [Version], the reason this end refused it in its checks
      ([Exists]: a domain of that name or UUID is here; [Nomem];
      [Notfound]: a disk image or bridge is missing), or [Cancelled] (the
      sender gave up).  With [key] (xl migrate-receive -k) only a
      migration sealed with that key is taken: an unsealed one is refused
      ([Perm]) before its description is read, one sealed with another key
      too ([Corrupt]), and a stream whose MACs fail before the domain runs
      here; without a key a sealed migration is refused ([Inval]).  The
      sender is told why.  SIGPIPE as for {!migrate_send}. *)
end

(** {1 The host} *)

type physinfo = {
  nr_cpus : int;
  nr_domains : int;
  total_mib : int;
  free_mib : int;
  domains_mib : int;
  max_vcpus : int;
  hvd_pid : int;
  hvd_version : string;
}

val physinfo : Ctx.t -> physinfo

val stats_all : Ctx.t -> Domain.stats list
(** What every domain uses, sampled now, ordered by id (hv_domain_stats_all()). *)

val hvd_log : ?clear:bool -> Ctx.t -> string
(** hvd's own log, all of it (hv_hvd_log_read(), what xl dmesg prints);
    with [~clear:true], hvd empties it once it has been read. *)

(** {1 Events} *)

module Event : sig
  type kind =
    | Shutdown  (** a guest shut down; [code] says why *)
    | Death  (** a domain left the table *)
    | Crash  (** a guest crashed, or its hv-vmm died *)
    | Created  (** a domain appeared, e.g. by on_reboot=restart *)
    | Memory of { missed : bool }
        (** the guest reached its memory target, or did not in time
            ([missed]); [code] is [No_shutdown] *)
    | Kind_unknown of int

  type t = {
    kind : kind;
    domid : int;
    code : Domain.shutdown_code;
    name : string;
  }

  val kind_of_raw : int -> int -> kind * Domain.shutdown_code
  (** [kind_of_raw type code]: an [hv_event]'s [type] and [code] as this
      module gives them. *)

  val fd : Ctx.t -> Unix.file_descr
  (** Readable when events wait: put it in [Unix.select] or any event loop.
      Owned by the context: do not close it.  The first call subscribes
      the context to events. *)

  val next : Ctx.t -> t option
  (** One waiting event, without blocking; [None] when none waits. *)

  val wait : Ctx.t -> ?timeout:float -> unit -> t option
  (** Waits up to [timeout] seconds (default: forever) for an event;
      [None] on timeout. *)
end

(**/**)

val progress_selftest : progress:(int -> int -> unit) -> int -> int -> bool
(** For the tests: calls [progress] through the C callback the way libhv
    does during a save (runtime lock released); [true] if it asked to
    cancel.  An exception it raises is raised again, as by {!Domain.save}. *)

val migrate_progress_selftest : progress:(Domain.migrate_progress -> bool) -> bool
(** For the tests: calls [progress] through the C callback the way
    hv_domain_migrate_send() does (runtime lock released), with a made-up
    report of round 3 of a 64 MiB guest's migration; [true] if it asked to
    cancel.  An exception it raises is raised again. *)

val migrate_stats_selftest : unit -> Domain.migrate_stats
(** For the tests: {!Domain.migrate_stats} read from statistics made up in C
    (id bytes 0xa0..0xaf, total_ns 2^40, bytes 10 * 2^32, every other field
    its place in hv_migrate_stats: setup_ns 2 ... dirty_rate 16). *)

val stats_selftest : ?old_libhv:bool -> unit -> Domain.stats
(** For the tests: {!Domain.stats} read from a sample made up in C (three
    disks, one vif), so that reading them can be checked where no domain
    runs.  [~old_libhv:true]: the sample's struct_size is that of a libhv
    before 1.9, without disks[]. *)

(**/**)

(** {1 Coverage} *)

val bound_functions : (string * string) list
(** Every public [hv_] function of the C headers with the OCaml function
    that binds it ("Module.name"), or ["-"] followed by why it is not
    bound on its own.  The test suite checks it against the headers. *)
