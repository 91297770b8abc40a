(* SPDX-License-Identifier: LGPL-2.1-or-later *)
(* Tests of the OCaml binding (run by ocaml-binding.sh, which starts no hvd
   itself: libhv starts one on demand, HV_RUNDIR and HV_HVD point at a
   private directory and the build tree's hvd).  Prints one line per check
   and "N passed, N failed, N skipped"; exits 1 if anything failed. *)

let passed = ref 0
let failed = ref 0
let skipped = ref 0

let check name f =
  match f () with
  | () ->
      incr passed;
      Printf.printf "ok: %s\n%!" name
  | exception e ->
      incr failed;
      Printf.printf "FAIL: %s: %s\n%!" name (Printexc.to_string e)

let skip name why =
  incr skipped;
  Printf.printf "SKIP: %s: %s\n%!" name why

let contains s sub =
  let n = String.length s and m = String.length sub in
  let rec at i = i + m <= n && (String.sub s i m = sub || at (i + 1)) in
  at 0

let getenv_req v =
  match Sys.getenv_opt v with
  | Some s -> s
  | None -> failwith (v ^ " is not set (run through ocaml-binding.sh)")

let tmpdir = getenv_req "T"

let write_file name text =
  let path = Filename.concat tmpdir name in
  let oc = open_out_bin path in
  output_string oc text;
  close_out oc;
  path

(* Expects [f] to raise Hv.Error with [e]; returns the message. *)
let expect_error e f =
  match f () with
  | _ -> failwith ("no exception; expected " ^ Hv.string_of_error e)
  | exception Hv.Error (got, msg) ->
      if got <> e then
        failwith (Printf.sprintf "Error (%s, %S); expected %s" (Hv.string_of_error got) msg
                    (Hv.string_of_error e));
      msg

let () =
  check "error codes map to the variant and back" (fun () ->
      assert (Hv.error_of_code (-4) = Hv.Config);
      assert (Hv.error_of_code (-5) = Hv.Notfound);
      assert (Hv.error_of_code (-18) = Hv.Cancelled);
      assert (Hv.error_of_code (-19) = Hv.Unknown (-19));
      assert (Hv.error_of_code 7 = Hv.Unknown 7);
      for rc = -18 to -1 do
        let e = Hv.error_of_code rc in
        assert (Hv.code_of_error e = rc);
        assert (Hv.string_of_error e <> "unknown error")
      done;
      assert (Hv.string_of_error Hv.Nomem = "out of memory"));

  check "version" (fun () -> assert (Hv.version () <> ""));

  check "a closed context raises; close is idempotent" (fun () ->
      let ctx = Hv.Ctx.create () in
      Hv.Ctx.close ctx;
      Hv.Ctx.close ctx;
      assert (Hv.Ctx.is_closed ctx);
      ignore (expect_error Hv.Inval (fun () -> Hv.Config.of_json ctx "{}"));
      ignore (expect_error Hv.Inval (fun () -> Hv.Domain.list ctx)));

  check "with_ctx closes on return and on exception" (fun () ->
      let kept = ref None in
      assert (Hv.Ctx.with_ctx (fun c -> kept := Some c; 42) = 42);
      assert (Hv.Ctx.is_closed (Option.get !kept));
      (match Hv.Ctx.with_ctx (fun c -> kept := Some c; raise Exit) with
      | () -> assert false
      | exception Exit -> ());
      assert (Hv.Ctx.is_closed (Option.get !kept)));

  check "Domain.stats: vif_stats and vbd_stats read from a sample made up in C (no domain)" (fun () ->
      let s = Hv.stats_selftest () in
      assert (s.Hv.Domain.s_domid = 7 && s.s_name = "stats-sample");
      assert (s.cpu_ns = Some 1000L && s.mem_current_bytes = None);
      (match s.vifs with
      | [ v ] ->
          assert (v = { Hv.Domain.devid = 0; valid = true; rx_bytes = 100L; rx_packets = 2L;
                        tx_bytes = 300L; tx_packets = 4L })
      | _ -> failwith "not one vif");
      (* nr_disks disks in order; disks[3], past them, is not read *)
      assert (s.nr_disks = 3 && List.length s.disks = s.nr_disks);
      (match s.disks with
      | [ a; b; c ] ->
          assert (a = { Hv.Domain.vdev = "xvda"; valid = true; rd_reqs = 11L;
                        rd_bytes = Int64.add (Int64.shift_left 1L 40) 12L; wr_reqs = 13L;
                        wr_bytes = 7168L; flush_reqs = 15L; discard_reqs = 16L; err_reqs = 17L;
                        throttled_reqs = 18L });
          (* an empty CD-ROM drive: there, without counters *)
          assert (b.vdev = "hdc" && (not b.valid) && b.rd_reqs = 0L && b.wr_bytes = 0L);
          assert (c.vdev = "xvdabcdefghijkl" && c.valid && c.wr_reqs = 1L && c.wr_bytes = 4096L)
      | _ -> failwith "not three disks");
      (* a structure from a libhv before 1.9 has no room for disks[] *)
      let old = Hv.stats_selftest ~old_libhv:true () in
      assert (old.nr_disks = 3 && old.disks = [] && List.length old.vifs = 1));

  check "forgotten contexts and configurations are freed by the GC" (fun () ->
      for _ = 1 to 200 do
        let c = Hv.Ctx.create () in
        ignore (Hv.Config.of_json c {|{"name": "gc", "memory_mib": 64}|})
      done;
      Gc.full_major ();
      Gc.full_major ())

let () =
  Hv.Ctx.with_ctx @@ fun ctx ->
  check "Config.of_xl_file" (fun () ->
      let path =
        write_file "guest.cfg"
          "name = \"web1\"\nmemory = 512\nmaxmem = 1024\nvcpus = 2\n\
           kernel = \"/boot/vmlinuz\"\nextra = \"console=hvc0\"\nroot = \"/dev/xvda1\"\n\
           on_crash = \"preserve\"\n\
           disk = [ \"/images/web1.img,raw,xvda,rw\", \"/images/cd.iso,raw,hdc,ro,cdrom\" ]\n\
           vif = [ \"mac=00:16:3e:01:02:03,bridge=br0\" ]\n"
      in
      let cfg = Hv.Config.of_xl_file ctx path in
      assert (Hv.Config.name cfg = Some "web1");
      assert (Hv.Config.memory_mib cfg = 512);
      assert (Hv.Config.maxmem_mib cfg = 1024);
      assert (Hv.Config.vcpus cfg = 2);
      assert (Hv.Config.kernel cfg = Some "/boot/vmlinuz");
      assert (Hv.Config.domain_type cfg = Hv.Config.Pvh);
      assert (Hv.Config.on_crash cfg = Hv.Config.Preserve);
      assert (Hv.Config.on_reboot cfg = Hv.Config.Restart);
      assert (Hv.Config.kernel_cmdline ctx cfg = Some "root=/dev/xvda1 console=hvc0");
      (match Hv.Config.disks cfg with
      | [ d1; d2 ] ->
          assert (d1.target = Some "/images/web1.img" && d1.vdev = "xvda" && not d1.read_only);
          assert (d2.vdev = "hdc" && d2.read_only && d2.cdrom)
      | _ -> assert false);
      (match Hv.Config.vifs cfg with
      | [ v ] -> assert (v.mac = Some "00:16:3e:01:02:03" && v.bridge = Some "br0")
      | _ -> assert false);
      Hv.Config.validate ctx cfg);

  check "libvirt XML round trip" (fun () ->
      let cfg =
        Hv.Config.of_xml_string ctx ~name:"inline.xml"
          "<domain type='kvm'><name>lv</name><memory unit='MiB'>512</memory>\n\
           <currentMemory unit='MiB'>256</currentMemory>\n\
           <os><type>hvm</type><kernel>/k</kernel></os></domain>"
      in
      assert (Hv.Config.memory_mib cfg = 256);
      let xml = Hv.Config.to_xml ctx cfg in
      assert (contains xml "<memory unit='MiB'>512</memory>");
      let back = Hv.Config.of_xml_string ctx xml in
      assert (Hv.Config.to_json ctx back = Hv.Config.to_json ctx cfg);
      ignore
        (expect_error Hv.Config (fun () ->
             Hv.Config.of_xml_string ctx "<domain type='kvm'><name>x</name><devices><sound/></devices></domain>")));

  check "JSON round trip" (fun () ->
      let cfg =
        Hv.Config.of_xl_string ctx ~name:"inline.cfg"
          "name = \"rt\"\nmemory = 256\nkernel = \"/k\"\nuuid = \"4a3b2c1d-0000-4000-8000-0123456789ab\"\n"
      in
      let json = Hv.Config.to_json ctx cfg in
      assert (contains json "\"rt\"");
      let back = Hv.Config.of_json ctx json in
      assert (Hv.Config.to_json ctx back = json);
      assert (Hv.Config.uuid back = Some "4a3b2c1d-0000-4000-8000-0123456789ab");
      assert (Hv.Config.memory_mib back = 256);
      let c2 = Hv.Config.copy back in
      Hv.Config.set ctx c2 "memory=1024";
      assert (Hv.Config.memory_mib c2 = 1024);
      assert (Hv.Config.memory_mib back = 256));

  check "a bad xl.cfg raises Error (Config, msg) with file and line" (fun () ->
      let path = write_file "bad.cfg" "name = \"bad\"\nmemory = \"12x\"\n" in
      let msg = expect_error Hv.Config (fun () -> Hv.Config.of_xl_file ctx path) in
      if not (contains msg "bad.cfg:2") then failwith ("message without file:line: " ^ msg));

  check "a missing xl.cfg raises Error (Io, _)" (fun () ->
      ignore (expect_error Hv.Io (fun () -> Hv.Config.of_xl_file ctx (Filename.concat tmpdir "none.cfg"))));

  check "bad JSON raises Error (Config, _)" (fun () ->
      ignore (expect_error Hv.Config (fun () -> Hv.Config.of_json ctx {|{"memory_mib": "x"}|}));
      ignore (expect_error Hv.Config (fun () -> Hv.Config.of_json ctx "{")));

  check "a bad DISKSPEC raises and leaves the config as it was" (fun () ->
      let cfg = Hv.Config.create () in
      ignore (expect_error Hv.Config (fun () -> Hv.Config.add_disk ctx cfg "/x.img,raw"));
      assert (Hv.Config.disks cfg = []));

  check "the logger gets libhv's messages" (fun () ->
      let seen = ref [] in
      Hv.Ctx.with_ctx ~logger:(fun l m -> seen := (l, m) :: !seen) (fun c ->
          ignore (expect_error Hv.Config (fun () -> Hv.Config.of_xl_string c "memory = \"12x\"\n")));
      assert (List.exists (fun (l, _) -> l = Hv.Log_error) !seen))

let () =
  check "progress callbacks: values through C, an exception cancels and propagates" (fun () ->
      let seen = ref [] in
      let cancelled = Hv.progress_selftest ~progress:(fun d t -> seen := (d, t) :: !seen) 4096 (1 lsl 40) in
      assert (not cancelled);
      assert (!seen = [ (4096, 1 lsl 40) ]);
      (match Hv.progress_selftest ~progress:(fun _ _ -> raise Exit) 1 2 with
      | _ -> failwith "the exception did not propagate"
      | exception Exit -> ());
      (* the callback allocates and runs the GC with the lock taken back *)
      for _ = 1 to 100 do
        ignore (Hv.progress_selftest ~progress:(fun _ _ -> Gc.minor (); ignore (Array.make 1000 0)) 1 2)
      done)

(* hvd: started on demand by libhv (HV_RUNDIR, HV_HVD). *)
let () =
  Hv.Ctx.with_ctx @@ fun ctx ->
  check "an unknown domain raises Error (Notfound, _) (hvd started on demand)" (fun () ->
      ignore (expect_error Hv.Notfound (fun () -> Hv.Domain.info ctx ~domid:4242));
      ignore (expect_error Hv.Notfound (fun () -> Hv.Domain.lookup ctx "no-such-domain"));
      ignore (expect_error Hv.Notfound (fun () -> Hv.Domain.destroy ctx ~domid:4242));
      ignore (expect_error Hv.Notfound (fun () -> Hv.Domain.config ctx ~domid:4242)));

  check "Domain.list and physinfo" (fun () ->
      assert (Hv.Domain.list ctx = []);
      let p = Hv.physinfo ctx in
      assert (p.Hv.nr_cpus > 0 && p.Hv.hvd_pid > 0 && p.Hv.nr_domains = 0));

  check "hvd_log, emptied with ~clear; triggers reach hvd" (fun () ->
      let contains s sub =
        let n = String.length sub in
        let rec go i = i + n <= String.length s && (String.sub s i n = sub || go (i + 1)) in
        go 0
      in
      assert (contains (Hv.hvd_log ctx) "ready on");
      ignore (Hv.hvd_log ~clear:true ctx);
      assert (not (contains (Hv.hvd_log ctx) "ready on"));
      ignore (expect_error Hv.Notfound (fun () -> Hv.Domain.trigger ctx ~domid:4242 (Hv.Domain.Nmi 0)));
      ignore (expect_error Hv.Inval (fun () -> Hv.Domain.trigger ctx ~domid:4242 (Hv.Domain.Sysrq ' '))));

  check "events: a descriptor, nothing waiting, a timed-out wait" (fun () ->
      let fd = Hv.Event.fd ctx in
      (match Unix.select [ fd ] [] [] 0. with [], _, _ -> () | _ -> failwith "fd readable");
      assert (Hv.Event.next ctx = None);
      let t0 = Unix.gettimeofday () in
      assert (Hv.Event.wait ctx ~timeout:0.2 () = None);
      assert (Unix.gettimeofday () -. t0 >= 0.15));

  check "saving an unknown domain raises; the file is left" (fun () ->
      let path = Filename.concat tmpdir "none.save" in
      ignore
        (expect_error Hv.Notfound (fun () ->
             Hv.Domain.save ctx ~domid:4242 ~progress:(fun _ _ -> ()) ~path ())));

  check "disk attach and detach reach hvd: unknown domain, bad DISKSPEC" (fun () ->
      let img = Filename.concat tmpdir "ghost.img" in
      let oc = open_out_bin img in
      close_out oc;
      Unix.truncate img (1 lsl 20);
      ignore (expect_error Hv.Notfound (fun () -> Hv.Domain.attach_disk ctx ~domid:4242 (img ^ ",raw,xvdb,rw")));
      ignore (expect_error Hv.Config (fun () -> Hv.Domain.attach_disk ctx ~domid:4242 ("vdev=xvdb,access=sideways,target=" ^ img)));
      ignore (expect_error Hv.Notfound (fun () -> Hv.Domain.detach_disk ctx ~domid:4242 ~force:true "xvdb")));

  check "memory: below 16 MiB is Inval before hvd is asked; an unknown domain is Notfound" (fun () ->
      (* domain 4242 does not exist: Inval, not Notfound, shows that libhv
         refused the size itself *)
      let msg = expect_error Hv.Inval (fun () -> Hv.Domain.set_memory_target ctx ~domid:4242 15) in
      if not (contains msg "too little") then failwith ("unexpected message: " ^ msg);
      ignore (expect_error Hv.Inval (fun () -> Hv.Domain.set_memory_max ctx ~domid:4242 0));
      ignore (expect_error Hv.Notfound (fun () -> Hv.Domain.set_memory_target ctx ~domid:4242 64));
      ignore (expect_error Hv.Notfound (fun () -> Hv.Domain.set_memory_max ctx ~domid:4242 64));
      ignore (expect_error Hv.Notfound (fun () -> Hv.Domain.meminfo ctx ~domid:4242)));

  check "memory events: HV_EVENT_MEMORY and its code" (fun () ->
      assert (Hv.Event.kind_of_raw 5 0 = (Hv.Event.Memory { missed = false }, Hv.Domain.No_shutdown));
      assert (Hv.Event.kind_of_raw 5 1 = (Hv.Event.Memory { missed = true }, Hv.Domain.No_shutdown));
      assert (Hv.Event.kind_of_raw 1 2 = (Hv.Event.Shutdown, Hv.Domain.Reboot));
      assert (Hv.Event.kind_of_raw 4 0 = (Hv.Event.Created, Hv.Domain.No_shutdown));
      assert (Hv.Event.kind_of_raw 6 0 = (Hv.Event.Kind_unknown 6, Hv.Domain.No_shutdown)));

  check "vif attach and detach reach hvd: unknown domain, bad vif spec" (fun () ->
      ignore (expect_error Hv.Notfound (fun () -> Hv.Domain.attach_nic ctx ~domid:4242 "bridge=hvtest0"));
      ignore (expect_error Hv.Config (fun () -> Hv.Domain.attach_nic ctx ~domid:4242 "mac=00:16:3e:zz"));
      ignore (expect_error Hv.Notfound (fun () -> Hv.Domain.detach_nic ctx ~domid:4242 ~force:true "1")));

  check "Domain.wait: a domain that is gone; shutdown_wait of an unknown one" (fun () ->
      assert (Hv.Domain.wait ctx ~domid:4242 ~timeout:1. () = None);
      ignore (expect_error Hv.Notfound (fun () -> Hv.Domain.shutdown_wait ctx ~domid:4242 ~timeout:1. ()));
      (* the wait used a context of its own: ctx's events are untouched *)
      assert (Hv.Event.next ctx = None))

(* Threads: calls release the runtime lock; a close waits for none. *)
let () =
  check "8 threads call at once on one context" (fun () ->
      Hv.Ctx.with_ctx @@ fun ctx ->
      let errors = ref [] in
      let work () =
        try
          for _ = 1 to 25 do
            ignore (Hv.Domain.list ctx);
            match Hv.Domain.lookup ctx "nosuch" with
            | _ -> errors := "lookup found nosuch" :: !errors
            | exception Hv.Error (Hv.Notfound, msg) ->
                if not (contains msg "nosuch") then errors := msg :: !errors
          done
        with e -> errors := Printexc.to_string e :: !errors
      in
      List.iter Thread.join (List.init 8 (fun _ -> Thread.create work ()));
      if !errors <> [] then failwith (String.concat "; " !errors));

  check "closing a context while other threads call on it" (fun () ->
      let ctx = Hv.Ctx.create () in
      let stop = ref false and errors = ref [] in
      let work () =
        try
          while not !stop do
            ignore (Hv.Domain.list ctx)
          done
        with
        | Hv.Error (Hv.Inval, _) -> ()
        | e -> errors := Printexc.to_string e :: !errors
      in
      let threads = List.init 4 (fun _ -> Thread.create work ()) in
      Thread.delay 0.05;
      Hv.Ctx.close ctx;
      stop := true;
      List.iter Thread.join threads;
      if !errors <> [] then failwith (String.concat "; " !errors);
      ignore (expect_error Hv.Inval (fun () -> Hv.Domain.list ctx)))

(* Real domains: with /dev/kvm and minios. *)
let scale = match Sys.getenv_opt "HV_TEST_TIME_SCALE" with Some s -> float_of_string s | None -> 1.

let kernel =
  match Sys.file_exists "/dev/kvm", Sys.getenv_opt "MINIOS" with
  | false, _ -> Error "no /dev/kvm on this host: no domain can run"
  | true, (None | Some "") -> Error "MINIOS is not set"
  | true, Some k -> Ok k

let with_kvm name f =
  match kernel with Error why -> skip name why | Ok k -> check name (fun () -> f k)

let minios_cfg ?(memory = 32) ?(extra = "workload=counter runtime=600") kernel name =
  Printf.sprintf "name = %S\nmemory = %d\nkernel = %S\nextra = %S\n" name memory kernel extra

(* Runs [f domid] on a new domain, destroyed afterwards if still there. *)
let with_domain ctx ?paused cfg f =
  let domid = Hv.Domain.create ctx ?paused cfg in
  Fun.protect ~finally:(fun () -> try Hv.Domain.destroy ctx ~domid with Hv.Error _ -> ()) @@ fun () ->
  f domid

let state ctx domid = (Hv.Domain.info ctx ~domid).Hv.Domain.state

let read_file path =
  match open_in_bin path with
  | ic ->
      Fun.protect ~finally:(fun () -> close_in ic) (fun () -> really_input_string ic (in_channel_length ic))
  | exception Sys_error _ -> ""

(* Waits until minios [name] (with workload=counter) prints its first count
   on its console log: its boot is over, the power button enabled (a
   shutdown asked for earlier is lost in the boot). *)
let wait_booted ?(text = "minios: counter ") name =
  let path = Filename.concat (getenv_req "HV_LOGDIR") ("console/" ^ name ^ ".log") in
  let limit = Unix.gettimeofday () +. (30. *. scale) in
  while not (contains (read_file path) text) do
    if Unix.gettimeofday () > limit then failwith (name ^ " did not finish its boot (no count in " ^ path ^ ")");
    Thread.delay 0.05
  done

let () =
  Hv.Ctx.with_ctx @@ fun ctx ->
  with_kvm "create from an xl.cfg file and from JSON; list; pause and unpause" (fun k ->
      let file = write_file "ml-file.cfg" (minios_cfg k "ml-file") in
      with_domain ctx (Hv.Config.of_xl_file ctx file) @@ fun d1 ->
      let json = Hv.Config.to_json ctx (Hv.Config.of_xl_string ctx (minios_cfg k "ml-json")) in
      with_domain ctx ~paused:true (Hv.Config.of_json ctx json) @@ fun d2 ->
      let names = List.map (fun (i : Hv.Domain.info) -> (i.name, i.domid)) (Hv.Domain.list ctx) in
      assert (List.mem ("ml-file", d1) names && List.mem ("ml-json", d2) names);
      assert (state ctx d1 = Hv.Domain.Running && state ctx d2 = Hv.Domain.Paused);
      assert (Hv.Domain.lookup ctx "ml-json" = d2);
      (* minios here has neither disks nor vifs *)
      let st = Hv.Domain.stats ctx ~domid:d1 in
      assert (st.Hv.Domain.s_domid = d1 && st.s_name = "ml-file");
      assert (st.nr_disks = 0 && st.disks = [] && st.vifs = []);
      Hv.Domain.pause ctx ~domid:d1;
      assert (state ctx d1 = Hv.Domain.Paused);
      Hv.Domain.unpause ctx ~domid:d1;
      Hv.Domain.unpause ctx ~domid:d2;
      assert (state ctx d1 = Hv.Domain.Running && state ctx d2 = Hv.Domain.Running));

  with_kvm "shutdown, then its events: Shutdown (Poweroff), Death" (fun k ->
      with_domain ctx (Hv.Config.of_xl_string ctx (minios_cfg k "ml-down")) @@ fun domid ->
      wait_booted "ml-down";
      ignore (Hv.Event.fd ctx);
      Hv.Domain.shutdown ctx ~domid;
      let rec collect acc =
        match Hv.Event.wait ctx ~timeout:(60. *. scale) () with
        | None -> failwith "no Death event within the time limit"
        | Some { Hv.Event.domid = d; _ } when d <> domid -> collect acc
        | Some ({ Hv.Event.kind = Hv.Event.Death; _ } as ev) -> List.rev (ev :: acc)
        | Some ev -> collect (ev :: acc)
      in
      match collect [] with
      | [ { kind = Hv.Event.Shutdown; code = Hv.Domain.Poweroff; name = "ml-down"; _ };
          { kind = Hv.Event.Death; code = Hv.Domain.Poweroff; _ } ] -> ()
      | evs -> failwith (Printf.sprintf "%d events, not Shutdown then Death" (List.length evs)));

  with_kvm "Domain.wait and shutdown_wait" (fun k ->
      let cfg = Hv.Config.of_xl_string ctx (minios_cfg ~extra:"workload=counter runtime=1" k "ml-end") in
      with_domain ctx cfg (fun domid ->
          assert (Hv.Domain.wait ctx ~domid ~timeout:(60. *. scale) () = Some Hv.Domain.Poweroff));
      with_domain ctx (Hv.Config.of_xl_string ctx (minios_cfg k "ml-end2")) (fun domid ->
          ignore (expect_error Hv.Timedout (fun () -> Hv.Domain.wait ctx ~domid ~timeout:0.3 ()));
          wait_booted "ml-end2";
          assert (Hv.Domain.shutdown_wait ctx ~domid ~timeout:(60. *. scale) () = Some Hv.Domain.Poweroff)));

  with_kvm "save and restore with progress" (fun k ->
      let path = Filename.concat tmpdir "ml-sr.save" in
      let cfg = Hv.Config.of_xl_string ctx (minios_cfg ~memory:64 k "ml-sr") in
      let domid = Hv.Domain.create ctx cfg in
      let uuid = (Hv.Domain.info ctx ~domid).Hv.Domain.uuid in
      let seen = ref [] in
      Hv.Domain.save ctx ~domid ~progress:(fun d t -> seen := (d, t) :: !seen) ~path ();
      (match !seen with
      | (d, t) :: _ -> assert (d = t && t = 64 lsl 20)
      | [] -> failwith "no progress");
      ignore (expect_error Hv.Notfound (fun () -> Hv.Domain.info ctx ~domid));
      let seen = ref 0 in
      let back = Hv.Domain.restore ctx ~paused:true ~name:"ml-sr-back" ~progress:(fun _ _ -> incr seen) ~path () in
      Fun.protect ~finally:(fun () -> try Hv.Domain.destroy ctx ~domid:back with Hv.Error _ -> ()) @@ fun () ->
      let i = Hv.Domain.info ctx ~domid:back in
      assert (i.Hv.Domain.state = Hv.Domain.Paused && i.name = "ml-sr-back" && i.uuid = uuid);
      assert (!seen >= 1);
      Hv.Domain.unpause ctx ~domid:back;
      assert (state ctx back = Hv.Domain.Running));

  with_kvm "an exception raised in a progress callback cancels the save and propagates" (fun k ->
      (* 256 MiB, 192 of them rewritten at 400 MiB/s (zero pages are not
         saved: an idle guest's save can be over before the cancel lands);
         progress reports every 32 MiB; the first raises *)
      let extra = "workload=counter workload=dirty:192:400 runtime=600" in
      with_domain ctx (Hv.Config.of_xl_string ctx (minios_cfg ~memory:256 ~extra k "ml-save")) @@ fun domid ->
      wait_booted ~text:"minios: counter 30" "ml-save";
      let calls = ref [] in
      let path = Filename.concat tmpdir "ml.save" in
      (match Hv.Domain.save ctx ~domid ~path ~progress:(fun d t -> calls := (d, t) :: !calls; raise Exit) () with
      | () -> failwith "save returned"
      | exception Exit -> ());
      (match !calls with [ (d, t) ] -> assert (d < t) | _ -> failwith "not one progress call");
      assert (state ctx domid = Hv.Domain.Running);
      Hv.Domain.pause ctx ~domid;
      Hv.Domain.unpause ctx ~domid);

  with_kvm "memory target and meminfo on a running domain" (fun k ->
      with_domain ctx (Hv.Config.of_xl_string ctx (minios_cfg ~memory:64 k "ml-mem")) @@ fun domid ->
      Hv.Domain.set_memory_target ctx ~domid 48;
      let i = Hv.Domain.info ctx ~domid in
      assert (i.Hv.Domain.memory_mib = 48);
      let m = Hv.Domain.meminfo ctx ~domid in
      assert (m.Hv.Domain.target_kib = 48 * 1024);
      assert (m.Hv.Domain.ram_kib = 64 * 1024);
      ignore (expect_error Hv.Inval (fun () -> Hv.Domain.set_memory_target ctx ~domid 128)))

let () =
  Hv.Ctx.with_ctx @@ fun ctx ->
  with_kvm "vcpu_list and vcpu_pin on a running domain" (fun k ->
      let cfg = minios_cfg k "ml-vcpu" ^ "vcpus = 2\n" in
      with_domain ctx (Hv.Config.of_xl_string ctx cfg) @@ fun domid ->
      let affinities () = List.map (fun v -> v.Hv.Domain.affinity) (Hv.Domain.vcpu_list ctx ~domid) in
      assert (List.map (fun v -> v.Hv.Domain.vcpu) (Hv.Domain.vcpu_list ctx ~domid) = [ 0; 1 ]);
      assert (affinities () = [ "all"; "all" ]);
      Hv.Domain.vcpu_pin ctx ~domid ~vcpu:1 "0";
      assert (affinities () = [ "all"; "0" ]);
      Hv.Domain.vcpu_pin ctx ~domid "all";
      assert (affinities () = [ "all"; "all" ]);
      ignore (expect_error Hv.Inval (fun () -> Hv.Domain.vcpu_pin ctx ~domid ~vcpu:2 "0"));
      ignore (expect_error Hv.Inval (fun () -> Hv.Domain.vcpu_pin ctx ~domid "1023")))

(* Every public hv_ function of the headers is bound or listed as skipped. *)
let () =
  check "every public hv_ function has a binding" (fun () ->
      let dir = getenv_req "HV_INCLUDE" in
      let decl = Str.regexp "^[a-z][a-z_ ]*[ *]\\(hv_[a-z0-9_]+\\)(" in
      let found = ref [] in
      List.iter
        (fun h ->
          let ic = open_in (Filename.concat dir h) in
          (try
             while true do
               let l = input_line ic in
               if (not (String.length l >= 7 && String.sub l 0 7 = "typedef"))
                  && Str.string_match decl l 0
               then found := Str.matched_group 1 l :: !found
             done
           with End_of_file -> ());
          close_in ic)
        [ "hv.h"; "error.h"; "config.h"; "domain.h" ];
      let found = List.sort_uniq compare !found in
      if List.length found < 40 then failwith "too few functions found in the headers";
      let bound = List.map fst Hv.bound_functions in
      let missing = List.filter (fun f -> not (List.mem f bound)) found in
      let stale = List.filter (fun f -> not (List.mem f found)) bound in
      if missing <> [] then failwith ("not bound: " ^ String.concat " " missing);
      if stale <> [] then failwith ("bound but not in the headers: " ^ String.concat " " stale);
      Printf.printf "  %d functions: %d bound, %d skipped on purpose\n" (List.length found)
        (List.length (List.filter (fun (_, b) -> b.[0] <> '-') Hv.bound_functions))
        (List.length (List.filter (fun (_, b) -> b.[0] = '-') Hv.bound_functions)))

let () =
  Printf.printf "%d passed, %d failed, %d skipped\n" !passed !failed !skipped;
  exit (if !failed > 0 then 1 else 0)
