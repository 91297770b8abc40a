(* SPDX-License-Identifier: LGPL-2.1-or-later *)
(* The typed layer over Hv_raw (SWIG).  See hv.mli. *)

open Swig
module R = Hv_raw

type error =
  | Fail
  | Nomem
  | Inval
  | Config
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
  | Nokvm
  | Daemon
  | Cancelled
  | Unknown of int

exception Error of error * string

(* In the order of <hv/error.h>: HV_ERROR_FAIL = -1 onwards. *)
let errors =
  [| Fail; Nomem; Inval; Config; Notfound; Exists; Perm; Io; Protocol; Version;
     Nosys; Busy; State; Corrupt; Timedout; Nokvm; Daemon; Cancelled |]

let error_of_code rc =
  if rc < 0 && -rc <= Array.length errors then errors.(-rc - 1) else Unknown rc

let code_of_error = function
  | Unknown n -> n
  | e ->
      let rec find i = if errors.(i) = e then -(i + 1) else find (i + 1) in
      find 0

let string_of_error e = get_string (R._hv_strerror (C_int (code_of_error e)))
let version () = get_string (R._hv_version C_void)

type log_level = Log_error | Log_warn | Log_info | Log_debug

let int_of_level = function
  | Log_error -> 0
  | Log_warn -> 1
  | Log_info -> 2
  | Log_debug -> 3

let level_of_int = function
  | 0 -> Log_error
  | 1 -> Log_warn
  | 2 -> Log_info
  | _ -> Log_debug

(* --- calls ----------------------------------------------------------- *)

(* A raw call's result: C_list [outs...; rc] (SWIG appends the return
   value after the output parameters), or rc alone. *)
let split = function
  | C_list (_ :: _ as l) -> (
      match List.rev l with
      | rc :: outs -> (get_int rc, List.rev outs)
      | [] -> (0, []))
  | C_void -> (0, [])
  | v -> (get_int v, [])

let opt_string = function C_string s -> Some s | _ -> None
let c_string = function None -> C_void | Some s -> C_string s
let c_bool b = if b then 1 else 0

(* Messages libhv logged in this thread during the last call. *)
let take_log () =
  match get_int (R._hvml_log_count C_void) with
  | 0 -> []  (* nothing to clear: one call into C, not two *)
  | n ->
      let msgs =
        List.init n (fun i ->
            ( level_of_int (get_int (R._hvml_log_level (C_int i))),
              get_string (R._hvml_log_text (C_int i)) ))
      in
      ignore (R._hvml_log_clear C_void);
      msgs

let clear_log () = ignore (R._hvml_log_clear C_void)

let last_error msgs rc =
  let errs = List.filter (fun (l, _) -> l = Log_error) msgs in
  match List.rev errs with
  | (_, m) :: _ -> m
  | [] -> string_of_error (error_of_code rc)

let check_rc msgs rc = if rc < 0 then raise (Error (error_of_code rc, last_error msgs rc))

module Ctx = struct
  (* [busy] counts the calls in progress on the context (from several
     threads, which the runtime lock lets through one at a time between
     their blocking sections); a close meanwhile leaves the freeing to the
     last of them ([orphan]). *)
  type t = {
    mutable ptr : R.c_obj option;
    mutable busy : int;
    mutable orphan : R.c_obj option;
    logger : (log_level -> string -> unit) option;
    log_level : log_level;
  }

  let closed () = Error (Inval, "Hv.Ctx: the context is closed")
  let free_raw p = ignore (R._hv_ctx_free p)

  let close t =
    match t.ptr with
    | None -> ()
    | Some p ->
        t.ptr <- None;
        if t.busy = 0 then free_raw p else t.orphan <- Some p

  let is_closed t = t.ptr = None

  let create ?logger ?(log_level = Log_warn) () =
    clear_log ();
    let rc, outs = split (R._hv_ctx_new C_void) in
    check_rc [] rc;
    let p = List.hd outs in
    ignore (R._hvml_ctx_capture_log (C_list [ p; C_int (int_of_level log_level) ]));
    let t = { ptr = Some p; busy = 0; orphan = None; logger; log_level } in
    Gc.finalise close t;
    t

  (* A new context with [t]'s logger. *)
  let sibling t = create ?logger:t.logger ~log_level:t.log_level ()

  let with_ctx ?logger ?log_level f =
    let t = create ?logger ?log_level () in
    Fun.protect ~finally:(fun () -> close t) (fun () -> f t)

  let ptr t = match t.ptr with Some p -> p | None -> raise (closed ())

  (* Takes the raw context for a call; [release] gives it back. *)
  let acquire t =
    match t.ptr with
    | Some p ->
        t.busy <- t.busy + 1;
        p
    | None -> raise (closed ())

  let release t =
    t.busy <- t.busy - 1;
    match t.orphan with
    | Some p when t.busy = 0 ->
        t.orphan <- None;
        free_raw p
    | _ -> ()

  (* Runs [f] on the raw context, hands the call's messages to the
     logger, raises on a negative code; the other outputs are returned. *)
  let call t f =
    let p = acquire t in
    clear_log ();
    let rc, outs = Fun.protect ~finally:(fun () -> release t) (fun () -> split (f p)) in
    let msgs = take_log () in
    (match t.logger with
    | Some log -> List.iter (fun (l, m) -> log l m) msgs
    | None -> ());
    check_rc msgs rc;
    outs

  let call_unit t f = ignore (call t f)
end

let call = Ctx.call

(* --- configurations ---------------------------------------------------- *)

module Config = struct
  type t = { cfg : R.c_obj }

  type domain_type = Pvh | Hvm | Type_unknown of int

  type action =
    | Destroy
    | Restart
    | Rename_restart
    | Preserve
    | Coredump_destroy
    | Coredump_restart
    | Action_unknown of int

  type disk = { target : string option; vdev : string; read_only : bool; cdrom : bool }
  type vif = { mac : string option; bridge : string option; model : string option }

  let action_of_int = function
    | 1 -> Destroy
    | 2 -> Restart
    | 3 -> Rename_restart
    | 4 -> Preserve
    | 5 -> Coredump_destroy
    | 6 -> Coredump_restart
    | n -> Action_unknown n

  let wrap cfg =
    let t = { cfg } in
    Gc.finalise (fun t -> ignore (R._hvml_config_free t.cfg)) t;
    t

  let create () = wrap (R._hvml_config_new C_void)

  (* Runs [f] on a fresh configuration, freed if [f] raises. *)
  let fresh f =
    let t = create () in
    f t.cfg;
    t

  let keep t r =
    ignore (Sys.opaque_identity t);
    r

  let of_xl_file ctx path =
    fresh (fun c -> Ctx.call_unit ctx (fun p -> R._hv_config_parse_xl_file (C_list [ p; C_string path; c ])))

  let of_xl_string ctx ?name text =
    fresh (fun c ->
        Ctx.call_unit ctx (fun p ->
            R._hv_config_parse_xl_buffer
              (C_list [ p; c_string name; C_string text; C_int (String.length text); c ])))

  let of_json ctx json =
    fresh (fun c -> Ctx.call_unit ctx (fun p -> R._hv_config_from_json (C_list [ p; C_string json; c ])))

  let to_json ctx t =
    match call ctx (fun p -> R._hv_config_to_json (C_list [ p; t.cfg ])) with
    | [ C_string s ] -> keep t s
    | _ -> raise (Error (Fail, "hv_config_to_json gave no JSON"))

  let of_xml_file ctx path =
    fresh (fun c -> Ctx.call_unit ctx (fun p -> R._hv_domain_config_from_xml_file (C_list [ p; C_string path; c ])))

  let of_xml_string ctx ?name text =
    fresh (fun c ->
        Ctx.call_unit ctx (fun p ->
            R._hv_domain_config_from_xml
              (C_list [ p; c_string name; C_string text; C_int (String.length text); c ])))

  let to_xml ctx t =
    match call ctx (fun p -> R._hv_domain_config_to_xml (C_list [ p; t.cfg ])) with
    | [ C_string s ] -> keep t s
    | _ -> raise (Error (Fail, "hv_domain_config_to_xml gave no XML"))

  let set ctx t kv = keep t (Ctx.call_unit ctx (fun p -> R._hv_config_set (C_list [ p; t.cfg; C_string kv ])))

  let add_spec ctx t spec parse add free =
    match call ctx (fun p -> parse (C_list [ p; C_string spec ])) with
    | [ s ] ->
        let rc = get_int (add (C_list [ t.cfg; s ])) in
        if rc < 0 then (
          ignore (free s);
          raise (Error (error_of_code rc, string_of_error (error_of_code rc))));
        keep t ()
    | _ -> raise (Error (Fail, "no device spec"))

  let add_disk ctx t spec =
    add_spec ctx t spec R._hv_disk_spec_parse R._hv_domain_config_add_disk R._hv_disk_spec_free

  let add_vif ctx t spec =
    add_spec ctx t spec R._hv_vif_spec_parse R._hv_domain_config_add_vif R._hv_vif_spec_free

  let validate ctx t = keep t (Ctx.call_unit ctx (fun p -> R._hv_config_validate (C_list [ p; t.cfg; C_int 0 ])))

  let copy t =
    let d = create () in
    let rc = get_int (R._hv_domain_config_copy (C_list [ d.cfg; t.cfg ])) in
    if rc < 0 then raise (Error (error_of_code rc, string_of_error (error_of_code rc)));
    keep t d

  let kernel_cmdline ctx t =
    match call ctx (fun p -> R._hv_domain_config_kernel_cmdline (C_list [ p; t.cfg ])) with
    | [ v ] -> keep t (opt_string v)
    | _ -> None

  let get f t = keep t (f t.cfg)
  let str f = get (fun c -> opt_string (f c))
  let int f = get (fun c -> get_int (f c))
  let name = str R._hv_domain_config_name_get
  let uuid = str R._hvml_config_uuid

  let domain_type =
    int R._hv_domain_config_type_get |> fun f t ->
    match f t with 1 -> Pvh | 2 -> Hvm | n -> Type_unknown n

  let memory_mib = int R._hv_domain_config_memory_mib_get
  let maxmem_mib = int R._hv_domain_config_maxmem_mib_get
  let vcpus = int R._hv_domain_config_vcpus_get
  let maxvcpus = int R._hv_domain_config_maxvcpus_get
  let cpus = str R._hv_domain_config_cpus_get
  let kernel = str R._hv_domain_config_kernel_get
  let ramdisk = str R._hv_domain_config_ramdisk_get
  let cmdline = str R._hv_domain_config_cmdline_get
  let on_poweroff t = action_of_int (int R._hv_domain_config_on_poweroff_get t)
  let on_reboot t = action_of_int (int R._hv_domain_config_on_reboot_get t)
  let on_crash t = action_of_int (int R._hv_domain_config_on_crash_get t)

  let disks t =
    get
      (fun c ->
        let n = get_int (R._hvml_config_nr_disks c) in
        List.init n (fun i ->
            let d = R._hvml_config_disk (C_list [ c; C_int i ]) in
            {
              target = opt_string (R._hv_disk_spec_target_get d);
              vdev = get_string (R._hv_disk_spec_vdev_get d);
              read_only = get_int (R._hv_disk_spec_access_get d) = 2;
              cdrom = get_int (R._hv_disk_spec_devtype_get d) = 2;
            }))
      t

  let vifs t =
    get
      (fun c ->
        let n = get_int (R._hvml_config_nr_vifs c) in
        List.init n (fun i ->
            let v = R._hvml_config_vif (C_list [ c; C_int i ]) in
            {
              mac = opt_string (R._hvml_vif_mac v);
              bridge = opt_string (R._hv_vif_spec_bridge_get v);
              model = opt_string (R._hv_vif_spec_model_get v);
            }))
      t
end

(* --- domains ------------------------------------------------------------ *)

external file_descr_of_int : int -> Unix.file_descr = "%identity"
external int_of_file_descr : Unix.file_descr -> int = "%identity"

(* Runs [f] with a raw callback object that [make] builds around [cb]
   (C_void without a callback; [free] frees it).  [cb] gets the C
   callback's arguments and says whether to cancel.  An exception raised
   by it cancels the operation too (the C callback returns non-zero) and
   is raised again once the call has failed.  An operation that was
   complete before the cancel reached it stands: its result is returned
   (raising would hide a domain a restore made, or the end of the domain a
   save or migration wrote). *)
let with_callback ~make ~free cb f =
  match cb with
  | None -> f C_void
  | Some cb ->
      let raised = ref None in
      let fn _ arg =
        match !raised with
        | Some _ -> C_int 1
        | None -> (
            try C_int (c_bool (cb arg))
            with e ->
              raised := Some (e, Printexc.get_raw_backtrace ());
              C_int 1)
      in
      let p = make (C_obj fn) in
      let result =
        Fun.protect ~finally:(fun () -> ignore (free p)) (fun () ->
            match f p with r -> `Done r | exception e -> `Raised e)
      in
      match result, !raised with
      | `Done r, _ -> r
      | `Raised _, Some (e, bt) -> Printexc.raise_with_backtrace e bt
      | `Raised e, None -> raise e

(* Runs [f] with a raw hv_progress (C_void without a callback), as
   [with_callback]: [progress done total] cancels by raising. *)
let with_progress progress f =
  let cb progress = function
    | C_list [ d; t ] ->
        progress (get_int d) (get_int t);
        false
    | _ -> false
  in
  with_callback ~make:R._hvml_progress_new ~free:R._hvml_progress_free (Option.map cb progress) f

(* Events as hv_event has them: (type, domid, code, name). *)
let event_fd ctx =
  match call ctx (fun p -> R._hv_event_fd p) with
  | [ fd ] -> get_int fd
  | _ -> raise (Error (Fail, "hv_event_fd gave no descriptor"))

(* [f] fills a raw hv_event; [none] is the error meaning "no event". *)
let take_event ctx none f =
  let ev = R._hvml_hv_event_new C_void in
  Fun.protect ~finally:(fun () -> ignore (R._hvml_hv_event_free ev)) (fun () ->
      match Ctx.call_unit ctx (fun p -> f p ev) with
      | () ->
          Some
            ( get_int (R._hv_event_type_get ev),
              get_int (R._hv_event_domid_get ev),
              get_int (R._hv_event_code_get ev),
              get_string (R._hv_event_name_get ev) )
      | exception Error (e, _) when e = none -> None)

(* hv_event_wait's timeout: seconds (None: for ever) to milliseconds. *)
let timeout_ms = function None -> -1 | Some s -> max 0 (int_of_float (s *. 1000.))

module Domain = struct
  type state = Building | Paused | Running | Shutdown | Crashed | Dying | State_unknown of int
  type shutdown_code = No_shutdown | Poweroff | Reboot | Crash | Code_unknown of int
  type mem_flag = Target_missed | Capped

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
    start_time : float;
    shutdown_code : shutdown_code;
    vmm_pid : int;
    on_poweroff : Config.action;
    on_reboot : Config.action;
    on_crash : Config.action;
    current_mib : int option;
    mem_flags : mem_flag list;
  }

  let mem_flags_of_int n =
    List.filter_map (fun (bit, f) -> if n land bit <> 0 then Some f else None)
      [ (0x1, Target_missed); (0x2, Capped) ]

  let state_of_int = function
    | 0 -> Building
    | 1 -> Paused
    | 2 -> Running
    | 3 -> Shutdown
    | 4 -> Crashed
    | 5 -> Dying
    | n -> State_unknown n

  let code_of_int = function
    | 0 -> No_shutdown
    | 1 -> Poweroff
    | 2 -> Reboot
    | 3 -> Crash
    | n -> Code_unknown n

  let int64_of = function C_int64 v -> v | v -> Int64.of_int (get_int v)

  let info_of i =
    let g f = get_int (f i) in
    {
      domid = g R._hv_dominfo_domid_get;
      state = state_of_int (g R._hv_dominfo_state_get);
      name = get_string (R._hv_dominfo_name_get i);
      uuid = get_string (R._hvml_dominfo_uuid i);
      vcpus = g R._hv_dominfo_vcpus_get;
      maxvcpus = g R._hv_dominfo_maxvcpus_get;
      memory_mib = g R._hv_dominfo_memory_mib_get;
      maxmem_mib = g R._hv_dominfo_maxmem_mib_get;
      cpu_time_ns = int64_of (R._hv_dominfo_cpu_time_ns_get i);
      start_time = get_float (R._hvml_dominfo_start_time i);
      shutdown_code = code_of_int (g R._hv_dominfo_shutdown_code_get);
      vmm_pid = g R._hv_dominfo_vmm_pid_get;
      on_poweroff = Config.action_of_int (g R._hv_dominfo_on_poweroff_get);
      on_reboot = Config.action_of_int (g R._hv_dominfo_on_reboot_get);
      on_crash = Config.action_of_int (g R._hv_dominfo_on_crash_get);
      current_mib = (match g R._hv_dominfo_current_mib_get with 0 -> None | n -> Some n);
      mem_flags = mem_flags_of_int (g R._hv_dominfo_mem_flags_get);
    }

  let create ctx ?(paused = false) (cfg : Config.t) =
    match call ctx (fun p -> R._hv_domain_create (C_list [ p; cfg.cfg; C_int (c_bool paused) ])) with
    | [ d ] -> Config.keep cfg (get_int d)
    | _ -> raise (Error (Fail, "hv_domain_create gave no domain id"))

  let simple f ctx ~domid = Ctx.call_unit ctx (fun p -> f (C_list [ p; C_int domid ]))
  let destroy = simple R._hv_domain_destroy
  let shutdown = simple R._hv_domain_shutdown
  let reboot = simple R._hv_domain_reboot
  let pause = simple R._hv_domain_pause
  let unpause = simple R._hv_domain_unpause

  let rename ctx ~domid name =
    Ctx.call_unit ctx (fun p -> R._hv_domain_rename (C_list [ p; C_int domid; C_string name ]))

  type trigger = Power | Reset | Nmi of int | Sysrq of char

  let trigger ctx ~domid t =
    (* hv_trigger's values *)
    let kind, arg =
      match t with
      | Power -> (1, 0)
      | Reset -> (2, 0)
      | Nmi vcpu -> (3, vcpu)
      | Sysrq key -> (4, Char.code key)
    in
    Ctx.call_unit ctx (fun p ->
        R._hv_domain_trigger (C_list [ p; C_int domid; C_int kind; C_int arg ]))

  let attach_disk ctx ~domid spec =
    match call ctx (fun p -> R._hv_disk_spec_parse (C_list [ p; C_string spec ])) with
    | [ s ] ->
        Fun.protect ~finally:(fun () -> ignore (R._hv_disk_spec_free s)) (fun () ->
            Ctx.call_unit ctx (fun p -> R._hv_domain_disk_attach (C_list [ p; C_int domid; s ])))
    | _ -> raise (Error (Fail, "no disk spec"))

  let detach_disk ctx ~domid ?(force = false) ?timeout vdev =
    let ms = match timeout with None -> 0 | Some s -> max 1 (int_of_float (s *. 1000.)) in
    Ctx.call_unit ctx (fun p ->
        R._hv_domain_disk_detach (C_list [ p; C_int domid; C_string vdev; C_int (c_bool force); C_int ms ]))

  let set_memory_target ctx ~domid mib =
    Ctx.call_unit ctx (fun p ->
        R._hv_domain_set_memory_target (C_list [ p; C_int domid; C_int64 (Int64.of_int mib) ]))

  let set_memory_max ctx ~domid mib =
    Ctx.call_unit ctx (fun p ->
        R._hv_domain_set_memory_max (C_list [ p; C_int domid; C_int64 (Int64.of_int mib) ]))

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
    | Stat_unknown of int

  type balloon_feature = Deflate_on_oom | Free_page_reporting | Stats | Page_poison | Driver

  type meminfo = {
    ram_kib : int;
    target_kib : int;
    current_kib : int;
    max_kib : int;
    allocated_kib : int;
    cgroup_limit_kib : int;
    cgroup_usage_kib : int;
    stats : (balloon_stat * int) list;
    stats_age : float option;
    features : balloon_feature list;
    target_missed : bool;
    capped : bool;
  }

  (* In the order of enum hv_balloon_stat; HV_BALLOON_STATS slots in all. *)
  let balloon_stats =
    [| Swap_in; Swap_out; Major_faults; Minor_faults; Free_memory; Total_memory;
       Available_memory; Disk_caches; Hugetlb_allocations; Hugetlb_failures |]

  let nr_balloon_stats = 16

  let stat_of_int n = if n < Array.length balloon_stats then balloon_stats.(n) else Stat_unknown n

  let meminfo ctx ~domid =
    let i = R._hvml_hv_meminfo_new C_void in
    Fun.protect ~finally:(fun () -> ignore (R._hvml_hv_meminfo_free i)) (fun () ->
        Ctx.call_unit ctx (fun p -> R._hv_domain_meminfo (C_list [ p; C_int domid; i ]));
        let g f = get_int (f i) in
        let valid = int64_of (R._hv_meminfo_stats_valid_get i) in
        let stats =
          List.filter_map
            (fun n ->
              if Int64.logand valid (Int64.shift_left 1L n) = 0L then None
              else Some (stat_of_int n, get_int (R._hvml_meminfo_stat (C_list [ i; C_int n ]))))
            (List.init nr_balloon_stats Fun.id)
        in
        let features = g R._hv_meminfo_features_get in
        let flags = mem_flags_of_int (g R._hv_meminfo_mem_flags_get) in
        {
          ram_kib = g R._hv_meminfo_ram_kib_get;
          target_kib = g R._hv_meminfo_target_kib_get;
          current_kib = g R._hv_meminfo_current_kib_get;
          max_kib = g R._hv_meminfo_max_kib_get;
          allocated_kib = g R._hv_meminfo_allocated_kib_get;
          cgroup_limit_kib = g R._hv_meminfo_cgroup_limit_kib_get;
          cgroup_usage_kib = g R._hv_meminfo_cgroup_usage_kib_get;
          stats;
          (* UINT64_MAX, never, comes as -1 *)
          stats_age =
            (match int64_of (R._hv_meminfo_stats_age_ms_get i) with
            | -1L -> None
            | ms -> Some (Int64.to_float ms /. 1000.));
          features =
            List.filter_map
              (fun (bit, f) -> if features land bit <> 0 then Some f else None)
              [ (0x1, Deflate_on_oom); (0x2, Free_page_reporting); (0x4, Stats); (0x8, Page_poison);
                (0x80000000, Driver) ];
          target_missed = List.mem Target_missed flags;
          capped = List.mem Capped flags;
        })

  let attach_nic ctx ~domid spec =
    match call ctx (fun p -> R._hv_vif_spec_parse (C_list [ p; C_string spec ])) with
    | [ s ] ->
        Fun.protect ~finally:(fun () -> ignore (R._hv_vif_spec_free s)) (fun () ->
            Ctx.call_unit ctx (fun p -> R._hv_domain_nic_attach (C_list [ p; C_int domid; s ]));
            (get_int (R._hv_vif_spec_devid_get s), get_string (R._hvml_vif_mac s)))
    | _ -> raise (Error (Fail, "no vif spec"))

  let detach_nic ctx ~domid ?(force = false) ?timeout devid_or_mac =
    let ms = match timeout with None -> 0 | Some s -> max 1 (int_of_float (s *. 1000.)) in
    Ctx.call_unit ctx (fun p ->
        R._hv_domain_nic_detach
          (C_list [ p; C_int domid; C_string devid_or_mac; C_int (c_bool force); C_int ms ]))

  let info ctx ~domid =
    let i = R._hvml_hv_dominfo_new C_void in
    Fun.protect ~finally:(fun () -> ignore (R._hvml_hv_dominfo_free i)) (fun () ->
        Ctx.call_unit ctx (fun p -> R._hv_domain_info (C_list [ p; C_int domid; i ]));
        info_of i)

  (* (ended, why) as hvd's table has the domain: gone, or kept ended. *)
  let look ctx ~domid =
    match info ctx ~domid with
    | { state = Shutdown | Crashed; shutdown_code; _ } -> (true, Some shutdown_code)
    | _ -> (false, None)
    | exception Error (Notfound, _) -> (true, None)

  (* Runs [before] once a context of its own is subscribed to events,
     then waits for the domain's end. *)
  let watch_end ctx ~domid ?timeout before =
    let w = Ctx.sibling ctx in
    Fun.protect ~finally:(fun () -> Ctx.close w) @@ fun () ->
    ignore (event_fd w);
    before ();
    let why = ref None in
    let look () = match look w ~domid with true, None -> (true, !why) | r -> r in
    let deadline = Option.map (fun s -> Unix.gettimeofday () +. s) timeout in
    let timed_out () =
      Error
        ( Timedout,
          Printf.sprintf "domain %d did not end within %g s" domid
            (Option.value timeout ~default:0.) )
    in
    let rec loop (ended, code) =
      if ended then code
      else
        let left = Option.map (fun d -> d -. Unix.gettimeofday ()) deadline in
        match left with
        | Some l when l <= 0. -> raise (timed_out ())
        | _ -> (
            match
              take_event w Timedout (fun p ev ->
                  R._hv_event_wait (C_list [ p; ev; C_int (timeout_ms left) ]))
            with
            | None -> raise (timed_out ())
            | Some (2, d, c, _) when d = domid -> loop (true, Some (code_of_int c))
            | Some ((1 | 3), d, c, _) when d = domid ->
                why := Some (code_of_int c);
                loop (look ())
            | Some _ -> loop (false, None))
    in
    loop (look ())

  let wait ctx ~domid ?timeout () = watch_end ctx ~domid ?timeout ignore

  let shutdown_wait ctx ~domid ?timeout () =
    watch_end ctx ~domid ?timeout (fun () -> shutdown ctx ~domid)

  (* An array libhv allocates and returns with its length: each entry through
     [nth] and [conv], then the array freed with [free]. *)
  let c_array ctx f ~free ~nth conv =
    match call ctx f with
    | [ l; n ] ->
        let n = get_int n in
        Fun.protect ~finally:(fun () -> ignore (free (C_list [ l; C_int n ])))
          (fun () -> List.init n (fun i -> conv (nth (C_list [ l; C_int i ]))))
    | _ -> []

  let list ctx =
    c_array ctx (fun p -> R._hv_domain_list p) ~free:R._hv_dominfo_list_free
      ~nth:R._hvml_dominfo_list_nth info_of

  type vif_stats = {
    devid : int;
    valid : bool;
    rx_bytes : int64;
    rx_packets : int64;
    tx_bytes : int64;
    tx_packets : int64;
  }

  type migrate_stats = {
    id : string;
    total_ns : int64;
    setup_ns : int64;
    downtime_ns : int64;
    pause_ns : int64;
    last_pages_ns : int64;
    state_ns : int64;
    restore_ns : int64;
    resume_ns : int64;
    expected_downtime_ns : int64;
    bytes : int64;
    pages : int64;
    zero_pages : int64;
    rounds : int64;
    last_pages : int64;
    bandwidth : int64;
    dirty_rate : int64;
    go_sent : bool;
  }

  type vbd_stats = {
    vdev : string;
    valid : bool;
    rd_reqs : int64;
    rd_bytes : int64;
    wr_reqs : int64;
    wr_bytes : int64;
    flush_reqs : int64;
    discard_reqs : int64;
    err_reqs : int64;
    throttled_reqs : int64;
  }

  type stats = {
    s_domid : int;
    s_state : state;
    s_name : string;
    s_uuid : string;
    sample_time_ns : int64;
    s_start_time : float;
    uptime_ns : int64;
    cpu_ns : int64 option;
    mem_current_bytes : int64 option;
    mem_peak_bytes : int64 option;
    s_memory_mib : int;
    s_maxmem_mib : int;
    s_vcpus : int;
    nr_disks : int;
    vifs : vif_stats list;
    disks : vbd_stats list;
    s_migration : migrate_stats option;
  }

  let migrate_stats_of s : migrate_stats =
    let g f = int64_of (f s) in
    {
      id = get_string (R._hvml_migrate_stats_id s);
      total_ns = g R._hv_migrate_stats_total_ns_get;
      setup_ns = g R._hv_migrate_stats_setup_ns_get;
      downtime_ns = g R._hv_migrate_stats_downtime_ns_get;
      pause_ns = g R._hv_migrate_stats_pause_ns_get;
      last_pages_ns = g R._hv_migrate_stats_last_pages_ns_get;
      state_ns = g R._hv_migrate_stats_state_ns_get;
      restore_ns = g R._hv_migrate_stats_restore_ns_get;
      resume_ns = g R._hv_migrate_stats_resume_ns_get;
      expected_downtime_ns = g R._hv_migrate_stats_expected_downtime_ns_get;
      bytes = g R._hv_migrate_stats_bytes_get;
      pages = g R._hv_migrate_stats_pages_get;
      zero_pages = g R._hv_migrate_stats_zero_pages_get;
      rounds = g R._hv_migrate_stats_rounds_get;
      last_pages = g R._hv_migrate_stats_last_pages_get;
      bandwidth = g R._hv_migrate_stats_bandwidth_get;
      dirty_rate = g R._hv_migrate_stats_dirty_rate_get;
      go_sent = g R._hv_migrate_stats_go_sent_get <> 0L;
    }

  let stats_of s =
    let g f = get_int (f s) and g64 f = int64_of (f s) in
    let valid = g R._hv_domstats_valid_get in
    let opt bit f = if valid land bit <> 0 then Some (g64 f) else None in
    let vif i =
      let v = R._hvml_domstats_vif (C_list [ s; C_int i ]) in
      let g f = get_int (f v) and g64 f = int64_of (f v) in
      {
        devid = g R._hv_vifstats_devid_get;
        valid = g R._hv_vifstats_valid_get <> 0;
        rx_bytes = g64 R._hv_vifstats_rx_bytes_get;
        rx_packets = g64 R._hv_vifstats_rx_packets_get;
        tx_bytes = g64 R._hv_vifstats_tx_bytes_get;
        tx_packets = g64 R._hv_vifstats_tx_packets_get;
      }
    in
    let disk i =
      let k = R._hvml_domstats_disk (C_list [ s; C_int i ]) in
      let g64 f = int64_of (f k) in
      {
        vdev = get_string (R._hv_vbdstats_vdev_get k);
        valid = get_int (R._hv_vbdstats_valid_get k) <> 0;
        rd_reqs = g64 R._hv_vbdstats_rd_reqs_get;
        rd_bytes = g64 R._hv_vbdstats_rd_bytes_get;
        wr_reqs = g64 R._hv_vbdstats_wr_reqs_get;
        wr_bytes = g64 R._hv_vbdstats_wr_bytes_get;
        flush_reqs = g64 R._hv_vbdstats_flush_reqs_get;
        discard_reqs = g64 R._hv_vbdstats_discard_reqs_get;
        err_reqs = g64 R._hv_vbdstats_err_reqs_get;
        throttled_reqs = g64 R._hv_vbdstats_throttled_reqs_get;
      }
    in
    {
      s_domid = g R._hv_domstats_domid_get;
      s_state = state_of_int (g R._hv_domstats_state_get);
      s_name = get_string (R._hv_domstats_name_get s);
      s_uuid = get_string (R._hvml_domstats_uuid s);
      sample_time_ns = g64 R._hv_domstats_sample_time_ns_get;
      s_start_time = get_float (R._hvml_domstats_start_time s);
      uptime_ns = g64 R._hv_domstats_uptime_ns_get;
      cpu_ns = opt 0x1 R._hv_domstats_cpu_ns_get;
      mem_current_bytes = opt 0x4 R._hv_domstats_mem_current_bytes_get;
      mem_peak_bytes = opt 0x8 R._hv_domstats_mem_peak_bytes_get;
      s_memory_mib = g R._hv_domstats_memory_mib_get;
      s_maxmem_mib = g R._hv_domstats_maxmem_mib_get;
      s_vcpus = g R._hv_domstats_vcpus_get;
      nr_disks = g R._hv_domstats_nr_disks_get;
      vifs = List.init (g R._hv_domstats_nr_vifs_get) vif;
      disks = List.init (g R._hvml_domstats_nr_vbds) disk;
      s_migration =
        (if g R._hvml_domstats_has_migration <> 0 then
           Some (migrate_stats_of (R._hvml_domstats_migration s))
         else None);
    }

  let stats ctx ~domid =
    match call ctx (fun p -> R._hv_domain_stats (C_list [ p; C_int domid ])) with
    | [ s ] -> Fun.protect ~finally:(fun () -> ignore (R._hv_domstats_free s)) (fun () -> stats_of s)
    | _ -> raise (Error (Notfound, string_of_int domid))

  type vcpu = {
    vcpu : int;
    cpu : int;
    running : bool;
    blocked : bool;
    cpu_time_ns : int64;
    affinity : string;
  }

  let vcpu_list ctx ~domid =
    match call ctx (fun p -> R._hv_domain_vcpu_list (C_list [ p; C_int domid ])) with
    | l :: n :: _ ->
        let n = get_int n in
        Fun.protect
          ~finally:(fun () -> ignore (R._hvml_vcpuinfo_free l))
          (fun () ->
            List.init n (fun i ->
                let v = R._hvml_vcpuinfo_nth (C_list [ l; C_int i ]) in
                let g f = get_int (f v) in
                {
                  vcpu = g R._hv_vcpuinfo_vcpu_get;
                  cpu = g R._hv_vcpuinfo_cpu_get;
                  running = g R._hv_vcpuinfo_running_get <> 0;
                  blocked = g R._hv_vcpuinfo_blocked_get <> 0;
                  cpu_time_ns = int64_of (R._hv_vcpuinfo_cpu_time_ns_get v);
                  affinity = get_string (R._hv_vcpuinfo_affinity_get v);
                }))
    | _ -> []

  let vcpu_pin ctx ~domid ?vcpu cpus =
    let v = match vcpu with Some v -> v | None -> -1 in
    Ctx.call_unit ctx (fun p ->
        R._hv_domain_vcpu_pin (C_list [ p; C_int domid; C_int v; C_string cpus ]))

  let sched ctx ~domid =
    match call ctx (fun p -> R._hv_domain_sched_get (C_list [ p; C_int domid ])) with
    | [ w; c ] -> (get_int w, get_int c)
    | _ -> raise (Error (Notfound, string_of_int domid))

  let set_sched ctx ~domid ?weight ?cap () =
    let v = function Some x -> x | None -> -1 in
    Ctx.call_unit ctx (fun p ->
        R._hv_domain_sched_set (C_list [ p; C_int domid; C_int (v weight); C_int (v cap) ]))

  let stats_all ctx =
    c_array ctx (fun p -> R._hv_domain_stats_all p) ~free:R._hv_domstats_list_free
      ~nth:R._hvml_domstats_list_nth stats_of

  let lookup ctx name =
    match call ctx (fun p -> R._hv_domain_lookup (C_list [ p; C_string name ])) with
    | [ d ] -> get_int d
    | _ -> raise (Error (Notfound, name))

  let console ctx ~domid =
    match call ctx (fun p -> R._hv_domain_console (C_list [ p; C_int domid ])) with
    | [ fd ] -> file_descr_of_int (get_int fd)
    | _ -> raise (Error (Fail, "hv_domain_console gave no descriptor"))

  let config ctx ~domid =
    Config.fresh (fun c -> Ctx.call_unit ctx (fun p -> R._hv_domain_config_get (C_list [ p; C_int domid; c ])))

  let config_update ctx ~domid (cfg : Config.t) =
    Config.keep cfg
      (Ctx.call_unit ctx (fun p -> R._hv_domain_config_update (C_list [ p; C_int domid; cfg.cfg ])))

  type after_save = Destroy_after | Continue | Pause_after

  type key = Key_file of string | Key_bytes of string

  let has_key = function C_void -> false | _ -> true

  (* Runs [f] with [key] derived into C memory (hvml_seal_key_new; C_void
     for no key), wiped and freed after it.  Key material goes to C as hex
     digits from a buffer that is zeroed once C has its copy. *)
  let with_key ctx key f =
    match key with
    | None -> f C_void
    | Some src ->
        let k = R._hvml_seal_key_new C_void in
        Fun.protect ~finally:(fun () -> ignore (R._hvml_seal_key_free k)) @@ fun () ->
        (match src with
        | Key_file path -> Ctx.call_unit ctx (fun p -> R._hv_seal_key_read (C_list [ p; C_string path; k ]))
        | Key_bytes b ->
            let hex = Bytes.create (2 * String.length b) in
            String.iteri
              (fun i c ->
                let d = "0123456789abcdef" in
                Bytes.set hex (2 * i) d.[Char.code c lsr 4];
                Bytes.set hex ((2 * i) + 1) d.[Char.code c land 15])
              b;
            (* not copied to a string of its own: the raw layer copies it to
               C for the call, and these bytes are zeroed after it *)
            Fun.protect ~finally:(fun () -> Bytes.fill hex 0 (Bytes.length hex) '0') (fun () ->
                Ctx.call_unit ctx (fun p ->
                    R._hvml_seal_key_from_hex (C_list [ p; C_string (Bytes.unsafe_to_string hex); k ]))));
        f k

  (* hv_domain_save, _config or _sealed to [fd], with a key already derived. *)
  let save_raw ctx ~domid ?progress ~after ~compress ?config k fd =
    let flags =
      (match after with Destroy_after -> 0 | Continue -> 1 | Pause_after -> 2)
      lor if compress then 4 else 0
    in
    let fd = C_int (int_of_file_descr fd) in
    with_progress progress (fun prog ->
        match config, k with
        | None, C_void ->
            Ctx.call_unit ctx (fun p -> R._hv_domain_save (C_list [ p; C_int domid; fd; C_int flags; prog ]))
        | Some (cfg : Config.t), C_void ->
            Ctx.call_unit ctx (fun p ->
                R._hv_domain_save_config (C_list [ p; C_int domid; fd; cfg.cfg; C_int flags; prog ]));
            Config.keep cfg ()
        | _, k ->
            let cfg = match config with Some (c : Config.t) -> c.cfg | None -> C_void in
            Ctx.call_unit ctx (fun p ->
                R._hv_domain_save_sealed (C_list [ p; C_int domid; fd; cfg; C_int flags; k; prog ]));
            ignore (Sys.opaque_identity config))

  let save_fd ctx ~domid ?progress ?(after = Destroy_after) ?(compress = false) ?config ?key fd =
    with_key ctx key (fun k -> save_raw ctx ~domid ?progress ~after ~compress ?config k fd)

  let save ctx ~domid ?progress ?(after = Destroy_after) ?(compress = false) ?config ?key ~path () =
    ignore (Ctx.ptr ctx);
    (* the key first: a bad one leaves no file *)
    with_key ctx key (fun k ->
        let fd = Unix.openfile path [ Unix.O_WRONLY; Unix.O_CREAT; Unix.O_TRUNC; Unix.O_CLOEXEC ] 0o600 in
        Fun.protect ~finally:(fun () -> Unix.close fd) (fun () ->
            save_raw ctx ~domid ?progress ~after ~compress ?config k fd))

  let restore ctx ?(paused = false) ?(lazy_ = false) ?name ?config ?key ?progress ~path () =
    ignore (Ctx.ptr ctx);
    let flags = (if paused then 1 else 0) lor if lazy_ then 2 else 0 in
    let cfg = match config with Some (c : Config.t) -> c.cfg | None -> C_void in
    with_key ctx key @@ fun k ->
    let params = R._hvml_restore_params_new (C_list [ cfg; c_string name; C_int flags ]) in
    if has_key k then ignore (R._hvml_restore_params_set_key (C_list [ params; k ]));
    let fd =
      try Unix.openfile path [ Unix.O_RDONLY; Unix.O_CLOEXEC ] 0
      with e ->
        ignore (R._hvml_restore_params_free params);
        raise e
    in
    Fun.protect
      ~finally:(fun () ->
        Unix.close fd;
        ignore (R._hvml_restore_params_free params);
        ignore (Sys.opaque_identity config))
      (fun () ->
        with_progress progress (fun prog ->
            match
              call ctx (fun p ->
                  R._hv_domain_restore (C_list [ p; C_int (int_of_file_descr fd); params; prog ]))
            with
            | [ d ] -> get_int d
            | _ -> raise (Error (Fail, "hv_domain_restore gave no domain id"))))

  type migrate_phase = Preflight | Setup | First | Rounds | Final | Phase_unknown of int


  type migrate_progress = {
    phase : migrate_phase;
    round : int;
    sent_bytes : int64;
    remaining_bytes : int64;
    memory_bytes : int64;
    dirty_rate : int64;
    bandwidth : int64;
    expected_downtime_ns : int64;
    elapsed_ns : int64;
  }

  (* hv_migrate_phase's values *)
  let migrate_phase_of_int = function
    | 0 -> Preflight
    | 1 -> Setup
    | 2 -> First
    | 3 -> Rounds
    | 4 -> Final
    | n -> Phase_unknown n

  (* What hvml_migrate_progress_call hands the callback. *)
  let migrate_progress_of = function
    | [ ph; r; sent; rem; mem; dirty; bw; exp; el ] ->
        Some
          {
            phase = migrate_phase_of_int (get_int ph);
            round = get_int r;
            sent_bytes = int64_of sent;
            remaining_bytes = int64_of rem;
            memory_bytes = int64_of mem;
            dirty_rate = int64_of dirty;
            bandwidth = int64_of bw;
            expected_downtime_ns = int64_of exp;
            elapsed_ns = int64_of el;
          }
    | _ -> None

  (* Runs [f] with a raw migration progress callback, as [with_callback]:
     [progress p] cancels by returning true or by raising. *)
  let with_migrate_progress progress f =
    let cb progress = function
      | C_list l -> ( match migrate_progress_of l with Some p -> progress p | None -> false)
      | _ -> false
    in
    with_callback ~make:R._hvml_migrate_progress_new ~free:R._hvml_migrate_progress_free
      (Option.map cb progress) f


  (* A raw hv_migrate_params, its numbers checked first: libhv's are
     unsigned, uint32_t for the two in ms.  Free it with
     hvml_migrate_params_free. *)
  let migrate_params ?(downtime_ms = 0) ?(ceiling_ms = 0) ?(bandwidth = 0) ?(timeout_ms = 0)
      ~flags cfg =
    let check name v max =
      if v < 0 || v > max then
        raise (Error (Inval, Printf.sprintf "%s = %d: give a number from 0 to %d" name v max))
    in
    check "downtime_ms" downtime_ms 0xFFFF_FFFF;
    check "ceiling_ms" ceiling_ms 0xFFFF_FFFF;
    check "bandwidth" bandwidth max_int;
    check "timeout_ms" timeout_ms max_int;
    R._hvml_migrate_params_new
      (C_list
         [ cfg; C_int flags; C_int downtime_ms; C_int ceiling_ms; C_int64 (Int64.of_int bandwidth);
           C_int64 (Int64.of_int timeout_ms) ])

  (* HV_MIGRATE_PAUSED *)
  let migrate_paused = 0x4

  let migrate_send ctx ~domid ?downtime_ms ?ceiling_ms ?bandwidth ?timeout_ms ?(compress = false)
      ?(auto_converge = false) ?(paused = false) ?(debug = false) ?(local = false) ?config ?key
      ?progress ?recv_fd send_fd =
    (* HV_MIGRATE_COMPRESS, _AUTO_CONVERGE, _PAUSED, _DEBUG, _LOCAL *)
    let flags =
      (if compress then 0x1 else 0)
      lor (if auto_converge then 0x2 else 0)
      lor (if paused then migrate_paused else 0)
      lor (if debug then 0x8 else 0)
      lor if local then 0x10 else 0
    in
    let cfg = match config with Some (c : Config.t) -> c.cfg | None -> C_void in
    with_key ctx key @@ fun k ->
    let params = migrate_params ?downtime_ms ?ceiling_ms ?bandwidth ?timeout_ms ~flags cfg in
    if has_key k then ignore (R._hvml_migrate_params_set_key (C_list [ params; k ]));
    let stats = R._hvml_hv_migrate_stats_new C_void in
    let send_fd = int_of_file_descr send_fd in
    let recv_fd = match recv_fd with Some fd -> int_of_file_descr fd | None -> send_fd in
    Fun.protect
      ~finally:(fun () ->
        ignore (R._hvml_migrate_params_free params);
        ignore (R._hvml_hv_migrate_stats_free stats);
        ignore (Sys.opaque_identity config))
      (fun () ->
        with_migrate_progress progress (fun prog ->
            Ctx.call_unit ctx (fun p ->
                R._hv_domain_migrate_send
                  (C_list [ p; C_int domid; C_int send_fd; C_int recv_fd; params; prog; stats ])));
        migrate_stats_of stats)

  let migrate_receive ctx ?(paused = false) ?key ?send_fd recv_fd =
    with_key ctx key @@ fun k ->
    let params = migrate_params ~flags:(if paused then migrate_paused else 0) C_void in
    if has_key k then ignore (R._hvml_migrate_params_set_key (C_list [ params; k ]));
    let stats = R._hvml_hv_migrate_stats_new C_void in
    let recv_fd = int_of_file_descr recv_fd in
    let send_fd = match send_fd with Some fd -> int_of_file_descr fd | None -> recv_fd in
    Fun.protect
      ~finally:(fun () ->
        ignore (R._hvml_migrate_params_free params);
        ignore (R._hvml_hv_migrate_stats_free stats))
      (fun () ->
        match
          call ctx (fun p ->
              R._hv_domain_migrate_receive (C_list [ p; C_int recv_fd; C_int send_fd; params; stats ]))
        with
        | [ d ] -> (get_int d, migrate_stats_of stats)
        | _ -> raise (Error (Fail, "hv_domain_migrate_receive gave no domain id")))
end

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

let stats_all = Domain.stats_all

let physinfo ctx =
  let i = R._hvml_hv_physinfo_new C_void in
  Fun.protect ~finally:(fun () -> ignore (R._hvml_hv_physinfo_free i)) (fun () ->
      Ctx.call_unit ctx (fun p -> R._hv_physinfo_get (C_list [ p; i ]));
      let g f = get_int (f i) in
      {
        nr_cpus = g R._hv_physinfo_nr_cpus_get;
        nr_domains = g R._hv_physinfo_nr_domains_get;
        total_mib = g R._hv_physinfo_total_mib_get;
        free_mib = g R._hv_physinfo_free_mib_get;
        domains_mib = g R._hv_physinfo_domains_mib_get;
        max_vcpus = g R._hv_physinfo_max_vcpus_get;
        hvd_pid = g R._hv_physinfo_hvd_pid_get;
        hvd_version = get_string (R._hv_physinfo_version_get i);
      })

let hvd_log ?(clear = false) ctx =
  match call ctx (fun p -> R._hv_hvd_log_read (C_list [ p; C_int (if clear then 1 else 0) ])) with
  | [ C_string s ] -> s
  | _ -> ""

module Event = struct
  type kind = Shutdown | Death | Crash | Created | Memory of { missed : bool } | Kind_unknown of int
  type t = { kind : kind; domid : int; code : Domain.shutdown_code; name : string }

  (* A memory event's code is 0 (reached) or HV_EVENT_MEMORY_MISSED. *)
  let kind_of_raw kind code =
    match kind with
    | 1 -> (Shutdown, Domain.code_of_int code)
    | 2 -> (Death, Domain.code_of_int code)
    | 3 -> (Crash, Domain.code_of_int code)
    | 4 -> (Created, Domain.code_of_int code)
    | 5 -> (Memory { missed = code = 1 }, Domain.No_shutdown)
    | n -> (Kind_unknown n, Domain.code_of_int code)

  let fd ctx = file_descr_of_int (event_fd ctx)

  let take ctx none f =
    Option.map
      (fun (ty, domid, c, name) ->
        let kind, code = kind_of_raw ty c in
        { kind; domid; code; name })
      (take_event ctx none f)

  let next ctx = take ctx Busy (fun p ev -> R._hv_event_next (C_list [ p; ev ]))

  let wait ctx ?timeout () =
    take ctx Timedout (fun p ev -> R._hv_event_wait (C_list [ p; ev; C_int (timeout_ms timeout) ]))
end

let progress_selftest ~progress d t =
  (* the C call "succeeds": what the callback raised is raised here *)
  let raised = ref None in
  let cb d t = try progress d t with e -> raised := Some e; raise e in
  let stop =
    with_progress (Some cb) (fun p ->
        get_int (R._hvml_progress_selftest (C_list [ p; C_int64 (Int64.of_int d); C_int64 (Int64.of_int t) ])) <> 0)
  in
  match !raised with Some e -> raise e | None -> stop

let migrate_progress_selftest ~progress =
  (* as progress_selftest: what the callback raised is raised here *)
  let raised = ref None in
  let cb p = try progress p with e -> raised := Some e; raise e in
  let stop =
    Domain.with_migrate_progress (Some cb) (fun p -> get_int (R._hvml_migrate_progress_selftest p) <> 0)
  in
  match !raised with Some e -> raise e | None -> stop

let migrate_stats_selftest () =
  let s = R._hvml_migrate_stats_selftest C_void in
  Fun.protect ~finally:(fun () -> ignore (R._hvml_hv_migrate_stats_free s)) (fun () -> Domain.migrate_stats_of s)

let stats_selftest ?(old_libhv = false) () =
  let s = R._hvml_domstats_selftest (C_int (if old_libhv then 1 else 0)) in
  Fun.protect ~finally:(fun () -> ignore (R._hvml_domstats_selftest_free s)) (fun () -> Domain.stats_of s)

let bound_functions =
  [
    ("hv_strerror", "string_of_error");
    ("hv_version", "version");
    ("hv_ctx_new", "Ctx.create");
    ("hv_ctx_free", "Ctx.close");
    ("hv_ctx_set_logger", "Ctx.create ~logger");
    ("hv_domain_config_init_sized", "Config.create");
    ("hv_domain_config_dispose", "Config.t's finaliser");
    ("hv_domain_config_copy", "Config.copy");
    ("hv_domain_config_kernel_cmdline", "Config.kernel_cmdline");
    ("hv_disk_spec_new", "- Config.add_disk parses a DISKSPEC; a blank spec cannot be filled from OCaml");
    ("hv_disk_spec_free", "Config.add_disk");
    ("hv_disk_spec_parse", "Config.add_disk");
    ("hv_vif_spec_new", "- Config.add_vif parses a VIFSPEC; a blank spec cannot be filled from OCaml");
    ("hv_vif_spec_free", "Config.add_vif");
    ("hv_vif_spec_parse", "Config.add_vif");
    ("hv_domain_config_add_disk", "Config.add_disk");
    ("hv_domain_config_add_vif", "Config.add_vif");
    ("hv_config_parse_xl_file", "Config.of_xl_file");
    ("hv_config_parse_xl_buffer", "Config.of_xl_string");
    ("hv_config_set", "Config.set");
    ("hv_config_validate", "Config.validate");
    ("hv_config_to_json", "Config.to_json");
    ("hv_config_from_json", "Config.of_json");
    ("hv_domain_config_from_xml", "Config.of_xml_string");
    ("hv_domain_config_from_xml_file", "Config.of_xml_file");
    ("hv_domain_config_to_xml", "Config.to_xml");
    ("hv_dominfo_init_sized", "Domain.info");
    ("hv_physinfo_init_sized", "physinfo");
    ("hv_domain_create", "Domain.create");
    ("hv_domain_destroy", "Domain.destroy");
    ("hv_domain_shutdown", "Domain.shutdown, Domain.shutdown_wait");
    ("hv_domain_reboot", "Domain.reboot");
    ("hv_domain_pause", "Domain.pause");
    ("hv_domain_unpause", "Domain.unpause");
    ("hv_domain_rename", "Domain.rename");
    ("hv_domain_info", "Domain.info");
    ("hv_domain_disk_attach", "Domain.attach_disk");
    ("hv_domain_disk_detach", "Domain.detach_disk");
    ("hv_meminfo_init_sized", "Domain.meminfo");
    ("hv_domain_set_memory_target", "Domain.set_memory_target");
    ("hv_domain_set_memory_max", "Domain.set_memory_max");
    ("hv_domain_meminfo", "Domain.meminfo");
    ("hv_domain_nic_attach", "Domain.attach_nic");
    ("hv_domain_nic_detach", "Domain.detach_nic");
    ("hv_domain_list", "Domain.list");
    ("hv_dominfo_list_free", "Domain.list");
    ("hv_domain_lookup", "Domain.lookup");
    ("hv_domain_console", "Domain.console");
    ("hv_physinfo_get", "physinfo");
    ("hv_domain_trigger", "Domain.trigger");
    ("hv_hvd_log_read", "hvd_log");
    ("hv_domain_config_get", "Domain.config");
    ("hv_domain_config_update", "Domain.config_update");
    ("hv_progress_init_sized", "Domain.save ?progress");
    ("hv_domain_save", "Domain.save");
    ("hv_domain_save_config", "Domain.save ?config");
    ("hv_domain_save_sealed", "Domain.save ?key");
    ("hv_seal_key_read", "Domain.save, restore, migrate_send, migrate_receive ?key:(Key_file _)");
    ("hv_seal_key_from_bytes", "Domain.save, restore, migrate_send, migrate_receive ?key:(Key_bytes _)");
    ("hv_seal_key_wipe", "Domain.save, restore, migrate_send, migrate_receive ?key (wiped after the call)");
    ("hv_domain_dump_core", "- core dumps (libhv 1.13) are not bound yet: xl dump-core");
    ("hv_restore_params_init_sized", "Domain.restore");
    ("hv_domain_restore", "Domain.restore");
    ("hv_migrate_params_init_sized", "Domain.migrate_send, Domain.migrate_receive");
    ("hv_migrate_stats_init_sized", "Domain.migrate_send, Domain.migrate_receive");
    ("hv_domain_migrate_send", "Domain.migrate_send");
    ("hv_domain_migrate_receive", "Domain.migrate_receive");
    ("hv_event_init_sized", "Event.next");
    ("hv_event_fd", "Event.fd");
    ("hv_event_next", "Event.next");
    ("hv_event_wait", "Event.wait");
    ("hv_domain_stats", "Domain.stats");
    ("hv_domain_stats_all", "stats_all");
    ("hv_domain_vcpu_list", "Domain.vcpu_list");
    ("hv_domain_vcpu_pin", "Domain.vcpu_pin");
    ("hv_domain_sched_get", "Domain.sched");
    ("hv_domain_sched_set", "Domain.set_sched");
    ("hv_domstats_free", "Domain.stats");
    ("hv_domstats_list_free", "stats_all");
    ("hv_config_read_settings", "- a C callback for programs that give xl.cfg keys meanings of their own (xl's xl.conf); Config.of_xl_string reads xl.cfg");
  ]
