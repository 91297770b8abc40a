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

(* "test-hv --migrate-receive": the destination of a migration on standard
   input and output (the KVM checks below run it under "xl migrate"): says
   what it received on standard error, exits 0, or 1 with the error. *)
let () =
  if Array.length Sys.argv = 2 && Sys.argv.(1) = "--migrate-receive" then (
    Sys.set_signal Sys.sigpipe Sys.Signal_ignore;
    match Hv.Ctx.with_ctx (fun ctx -> Hv.Domain.migrate_receive ctx Unix.stdin) with
    | domid, st ->
        Printf.eprintf "received domain %d, migration %s\n%!" domid st.Hv.Domain.id;
        exit 0
    | exception Hv.Error (_, msg) ->
        prerr_endline ("test-hv --migrate-receive: " ^ msg);
        exit 1)

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
      (* the migration that brought it here (libhv 1.14) *)
      (match s.s_migration with
      | Some m ->
          assert (m.Hv.Domain.id = String.concat "" (List.init 16 (fun _ -> "ab")));
          assert (m.total_ns = 21L && m.resume_ns = 3L && m.setup_ns = 0L);
          assert (m.downtime_ns = Int64.add (Int64.shift_left 1L 33) 5L)
      | None -> failwith "no migration");
      let old = Hv.stats_selftest ~old_libhv:true () in
      assert (old.nr_disks = 3 && old.disks = [] && List.length old.vifs = 1);
      assert (old.s_migration = None));

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

let () =
  check "migration progress: values through C, true cancels, an exception propagates" (fun () ->
      let seen = ref [] in
      assert (not (Hv.migrate_progress_selftest ~progress:(fun p -> seen := p :: !seen; false)));
      (match !seen with
      | [ p ] ->
          assert (p = { Hv.Domain.phase = Hv.Domain.Rounds; round = 3; sent_bytes = 0x4600000L;
                        remaining_bytes = 0x100000L; memory_bytes = 0x4000000L;
                        dirty_rate = 0x400000L; bandwidth = 0x200000000L;
                        expected_downtime_ns = 250000L; elapsed_ns = 1500000000L })
      | _ -> failwith "not one call");
      assert (Hv.migrate_progress_selftest ~progress:(fun _ -> true));
      (match Hv.migrate_progress_selftest ~progress:(fun _ -> raise Exit) with
      | _ -> failwith "the exception did not propagate"
      | exception Exit -> ());
      for _ = 1 to 100 do
        ignore (Hv.migrate_progress_selftest ~progress:(fun _ -> Gc.minor (); ignore (Array.make 1000 0); false))
      done)

let () =
  check "migration statistics read from a sample made up in C (no domain)" (fun () ->
      let st = Hv.migrate_stats_selftest () in
      assert (
        st
        = { Hv.Domain.id = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"; total_ns = Int64.shift_left 1L 40;
            setup_ns = 2L; downtime_ns = 3L; pause_ns = 4L; last_pages_ns = 5L; state_ns = 6L;
            restore_ns = 7L; resume_ns = 8L; expected_downtime_ns = 9L;
            bytes = Int64.shift_left 10L 32; pages = 11L; zero_pages = 12L; rounds = 13L;
            last_pages = 14L; bandwidth = 15L; dirty_rate = 16L; go_sent = true }))

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

  check "migrate_send: numbers out of range and a ceiling under the downtime are Inval before anything is sent" (fun () ->
      let a, b = Unix.socketpair ~cloexec:true Unix.PF_UNIX Unix.SOCK_STREAM 0 in
      Fun.protect ~finally:(fun () -> Unix.close a; Unix.close b) @@ fun () ->
      let send ?downtime_ms ?ceiling_ms ?bandwidth ?timeout_ms () =
        Hv.Domain.migrate_send ctx ~domid:4242 ?downtime_ms ?ceiling_ms ?bandwidth ?timeout_ms a
      in
      let msg = expect_error Hv.Inval (fun () -> send ~downtime_ms:(-1) ()) in
      if not (contains msg "downtime_ms") then failwith ("unexpected message: " ^ msg);
      ignore (expect_error Hv.Inval (fun () -> send ~ceiling_ms:(1 lsl 32) ()));
      ignore (expect_error Hv.Inval (fun () -> send ~bandwidth:(-1) ()));
      ignore (expect_error Hv.Inval (fun () -> send ~timeout_ms:(-1) ()));
      (* libhv's own check, before it looks for the domain: Inval, not Notfound *)
      let msg = expect_error Hv.Inval (fun () -> send ~downtime_ms:500 ~ceiling_ms:200 ()) in
      if not (contains msg "ceiling") then failwith ("unexpected message: " ^ msg);
      ignore (expect_error Hv.Notfound (fun () -> send ~downtime_ms:500 ()));
      Unix.set_nonblock b;
      match Unix.read b (Bytes.create 1) 0 1 with
      | _ -> failwith "something was sent"
      | exception Unix.Unix_error ((Unix.EAGAIN | Unix.EWOULDBLOCK), _, _) -> ());

  check "migrate_receive: a file is Inval, junk Protocol, a hangup Io; another version is refused, the reason sent back" (fun () ->
      let before = Hv.Domain.list ctx in
      let path = Filename.concat tmpdir "not-a-socket" in
      let fd = Unix.openfile path [ Unix.O_RDWR; Unix.O_CREAT; Unix.O_CLOEXEC ] 0o600 in
      Fun.protect ~finally:(fun () -> Unix.close fd) (fun () ->
          let msg = expect_error Hv.Inval (fun () -> Hv.Domain.migrate_receive ctx fd) in
          if not (contains msg "not a pipe or socket") then failwith ("unexpected message: " ^ msg));
      let pair () = Unix.socketpair ~cloexec:true Unix.PF_UNIX Unix.SOCK_STREAM 0 in
      let a, b = pair () in
      ignore (Unix.write_substring b "GET / HTTP/1.0\r\n\r\n" 0 18);
      ignore (expect_error Hv.Protocol (fun () -> Hv.Domain.migrate_receive ctx a));
      Unix.close a;
      Unix.close b;
      let a, b = pair () in
      Unix.close b;
      ignore (expect_error Hv.Io (fun () -> Hv.Domain.migrate_receive ctx a));
      Unix.close a;
      (* HELLO (docs/migration.md) of protocol version 99 *)
      let a, b = pair () in
      Fun.protect ~finally:(fun () -> Unix.close a; Unix.close b) (fun () ->
          let json = {|{"name": "x"}|} in
          let body = Bytes.make (24 + String.length json) '\000' in
          Bytes.set_int32_le body 0 99l;
          Bytes.blit_string json 0 body 24 (String.length json);
          let head = Bytes.make 16 '\000' in
          Bytes.blit_string "HVMG" 0 head 0 4;
          Bytes.set_int32_le head 4 1l;
          Bytes.set_int32_le head 8 (Int32.of_int (Bytes.length body));
          ignore (Unix.write b head 0 16);
          ignore (Unix.write b body 0 (Bytes.length body));
          let msg = expect_error Hv.Version (fun () -> Hv.Domain.migrate_receive ctx a) in
          if not (contains msg "protocol 99") then failwith ("unexpected message: " ^ msg);
          (* the refusal: PREFLIGHT, HV_ERROR_VERSION and the reason *)
          let buf = Bytes.create 4096 in
          let n = Unix.read b buf 0 4096 in
          assert (n > 24 && Bytes.sub_string buf 0 4 = "HVMG");
          assert (Bytes.get_int32_le buf 4 = 2l);
          assert (Int32.to_int (Bytes.get_int32_le buf 16) = Hv.code_of_error Hv.Version);
          if not (contains (Bytes.sub_string buf 24 (n - 24)) "protocol 99") then
            failwith "the reason was not sent back");
      assert (Hv.Domain.list ctx = before));

  check "sealed images and migrations: bad keys before anything; the receiver's refusals, sent back" (fun () ->
      let path = Filename.concat tmpdir "ml-seal-none.save" in
      let msg =
        expect_error Hv.Inval (fun () ->
            Hv.Domain.save ctx ~domid:4242 ~key:(Hv.Domain.Key_bytes "short") ~path ())
      in
      if not (contains msg "head -c 32") then failwith ("unexpected message: " ^ msg);
      assert (not (Sys.file_exists path));
      ignore
        (expect_error Hv.Notfound (fun () ->
             Hv.Domain.save ctx ~domid:4242 ~key:(Hv.Domain.Key_file (path ^ ".key")) ~path ()));
      assert (not (Sys.file_exists path));
      (* key material with NUL bytes in it, as random bytes have *)
      let material = String.init 40 (fun i -> Char.chr ((i * 37) land 0xff)) in
      let key = Hv.Domain.Key_bytes material in
      let pair () = Unix.socketpair ~cloexec:true Unix.PF_UNIX Unix.SOCK_STREAM 0 in
      (let a, b = pair () in
       Fun.protect ~finally:(fun () -> Unix.close a; Unix.close b) @@ fun () ->
       let msg = expect_error Hv.Inval (fun () -> Hv.Domain.migrate_send ctx ~domid:4242 ~key ~local:true a) in
       if not (contains msg "local") then failwith ("unexpected message: " ^ msg));
      (* HELLO (docs/migration.md): flags, then the MAC of a sealed one *)
      let hello ~flags ~mac =
        let json = {|{"name": "x"}|} in
        let mac = if mac then String.make 32 '\000' else "" in
        let body = Bytes.make (24 + String.length mac + String.length json) '\000' in
        Bytes.set_int32_le body 0 3l; (* the protocol's version, MIG_VERSION *)
        Bytes.set_int32_le body 4 flags;
        Bytes.blit_string json 0 body (24 + String.length mac) (String.length json);
        let head = Bytes.make 16 '\000' in
        Bytes.blit_string "HVMG" 0 head 0 4;
        Bytes.set_int32_le head 4 1l;
        Bytes.set_int32_le head 8 (Int32.of_int (Bytes.length body));
        Bytes.cat head body
      in
      let refused ?key msg_part code h =
        let a, b = pair () in
        Fun.protect ~finally:(fun () -> Unix.close a; Unix.close b) @@ fun () ->
        ignore (Unix.write b h 0 (Bytes.length h));
        let msg = expect_error code (fun () -> Hv.Domain.migrate_receive ctx ?key a) in
        if not (contains msg msg_part) then failwith ("unexpected message: " ^ msg);
        let buf = Bytes.create 4096 in
        let n = Unix.read b buf 0 4096 in
        assert (n > 24 && Bytes.get_int32_le buf 4 = 2l);
        assert (Int32.to_int (Bytes.get_int32_le buf 16) = Hv.code_of_error code)
      in
      let before = Hv.Domain.list ctx in
      refused ~key "only sealed" Hv.Perm (hello ~flags:0l ~mac:false);
      refused "no key" Hv.Inval (hello ~flags:0x80000000l ~mac:true);
      refused ~key "another key" Hv.Corrupt (hello ~flags:0x80000000l ~mac:true);
      assert (Hv.Domain.list ctx = before));

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
let wait_booted ?(text = "minios: counter ") ?logdir name =
  let logdir = match logdir with Some d -> d | None -> getenv_req "HV_LOGDIR" in
  let path = Filename.concat logdir ("console/" ^ name ^ ".log") in
  let limit = Unix.gettimeofday () +. (30. *. scale) in
  while not (contains (read_file path) text) do
    if Unix.gettimeofday () > limit then failwith (name ^ " did not print " ^ text ^ " (in " ^ path ^ ")");
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

  with_kvm "a sealed image: saved with a key file, refused without it, restored with its bytes" (fun k ->
      let material = String.init 32 (fun i -> Char.chr ((i * 91) land 0xff)) in
      let keyfile = Filename.concat tmpdir "ml-seal.key" in
      let oc = open_out_bin keyfile in
      output_string oc material;
      close_out oc;
      let path = Filename.concat tmpdir "ml-seal.save" in
      let domid = Hv.Domain.create ctx (Hv.Config.of_xl_string ctx (minios_cfg k "ml-seal")) in
      Hv.Domain.save ctx ~domid ~key:(Hv.Domain.Key_file keyfile) ~path ();
      ignore (expect_error Hv.Inval (fun () -> Hv.Domain.restore ctx ~path ()));
      ignore
        (expect_error Hv.Corrupt (fun () ->
             Hv.Domain.restore ctx ~key:(Hv.Domain.Key_bytes (String.make 32 'x')) ~path ()));
      let back = Hv.Domain.restore ctx ~paused:true ~key:(Hv.Domain.Key_bytes material) ~path () in
      Fun.protect ~finally:(fun () -> try Hv.Domain.destroy ctx ~domid:back with Hv.Error _ -> ()) @@ fun () ->
      assert (state ctx back = Hv.Domain.Paused));

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

(* Live migration between this program's hvd and a second one (its own
   HV_RUNDIR and HV_LOGDIR under $T): to "xl migrate-receive" there, and
   back with "xl migrate" there to this program as the receiver. *)
let rundir2 = Filename.concat tmpdir "run2"
let logdir2 = Filename.concat tmpdir "log2"

let env2 =
  let keep v = not (String.starts_with ~prefix:"HV_RUNDIR=" v || String.starts_with ~prefix:"HV_LOGDIR=" v) in
  Array.append
    (Array.of_list (List.filter keep (Array.to_list (Unix.environment ()))))
    [| "HV_RUNDIR=" ^ rundir2; "HV_LOGDIR=" ^ logdir2 |]

let xl = match Sys.getenv_opt "HV_XL" with Some x -> x | None -> "xl"

(* xl ARGS under the second hvd: its exit status and what it wrote. *)
let xl2 args =
  let out = Filename.concat tmpdir "xl2.out" in
  let fd = Unix.openfile out [ Unix.O_WRONLY; Unix.O_CREAT; Unix.O_TRUNC; Unix.O_CLOEXEC ] 0o600 in
  let pid = Unix.create_process_env xl (Array.of_list (xl :: args)) env2 Unix.stdin fd fd in
  Unix.close fd;
  let _, st = Unix.waitpid [] pid in
  (st, read_file out)

(* The state column of "xl list" at the second hvd; None: no such domain. *)
let state2 name =
  let _, out = xl2 [ "list" ] in
  List.find_map
    (fun l ->
      match List.filter (( <> ) "") (String.split_on_char ' ' l) with
      | n :: _ :: _ :: _ :: st :: _ when n = name -> Some st
      | _ -> None)
    (String.split_on_char '\n' out)

(* "xl migrate-receive" under the second hvd on one end of a socket pair;
   the other end and its pid. *)
let receiver () =
  let mine, theirs = Unix.socketpair ~cloexec:true Unix.PF_UNIX Unix.SOCK_STREAM 0 in
  let pid = Unix.create_process_env xl [| xl; "migrate-receive" |] env2 theirs theirs Unix.stderr in
  Unix.close theirs;
  (mine, pid)

let exit_status pid = match Unix.waitpid [] pid with _, Unix.WEXITED n -> n | _ -> -1

let () =
  Hv.Ctx.with_ctx @@ fun ctx ->
  let with_mig name f =
    with_kvm name (fun k ->
        Sys.set_signal Sys.sigpipe Sys.Signal_ignore;
        Fun.protect
          ~finally:(fun () ->
            List.iter
              (fun (i : Hv.Domain.info) ->
                if String.starts_with ~prefix:"ml-mig" i.name then Hv.Domain.destroy ctx ~domid:i.domid)
              (Hv.Domain.list ctx))
          (fun () -> f k))
  in
  with_mig "migrate_send to xl migrate-receive at a second hvd, and back to migrate_receive" (fun k ->
      let domid = Hv.Domain.create ctx (Hv.Config.of_xl_string ctx (minios_cfg k "ml-mig")) in
      let uuid = (Hv.Domain.info ctx ~domid).Hv.Domain.uuid in
      wait_booted "ml-mig";
      let sock, pid = receiver () in
      let phases = ref [] in
      let st =
        Fun.protect ~finally:(fun () -> Unix.close sock) (fun () ->
            Hv.Domain.migrate_send ctx ~domid ~downtime_ms:(int_of_float (2000. *. scale))
              ~progress:(fun p -> phases := p.Hv.Domain.phase :: !phases; false)
              sock)
      in
      if exit_status pid <> 0 then failwith "xl migrate-receive failed";
      ignore (expect_error Hv.Notfound (fun () -> Hv.Domain.info ctx ~domid));
      if state2 "ml-mig" <> Some "r-----" && state2 "ml-mig" <> Some "-b----" then failwith "ml-mig does not run at the destination";
      wait_booted ~logdir:logdir2 "ml-mig";
      assert (String.length st.Hv.Domain.id = 32);
      assert (st.total_ns > 0L && st.downtime_ns > 0L && st.downtime_ns <= st.total_ns);
      assert (st.bytes > 0L && st.pages > 0L && st.rounds >= 1L);
      (match List.rev !phases with
      | Hv.Domain.Preflight :: _ -> ()
      | _ -> failwith "the first progress report is not Preflight");
      (* and back: this program as the receiver, under the first hvd *)
      let recv =
        Printf.sprintf "env HV_RUNDIR=%s HV_LOGDIR=%s %s --migrate-receive"
          (Filename.quote (getenv_req "HV_RUNDIR")) (Filename.quote (getenv_req "HV_LOGDIR"))
          (Filename.quote Sys.executable_name)
      in
      let status, out =
        xl2 [ "migrate"; "--downtime-ms"; string_of_int (int_of_float (2000. *. scale)); "-s"; ""; "ml-mig"; recv ]
      in
      if status <> Unix.WEXITED 0 then failwith ("xl migrate back failed: " ^ out);
      if not (contains out "received domain") then failwith ("the receiver said nothing: " ^ out);
      let back = Hv.Domain.lookup ctx "ml-mig" in
      let i = Hv.Domain.info ctx ~domid:back in
      assert (i.Hv.Domain.state = Hv.Domain.Running && i.uuid = uuid);
      assert (state2 "ml-mig" = None));

  with_mig "migrate_send: a progress callback that returns true cancels; the domain runs on" (fun k ->
      let domid = Hv.Domain.create ctx (Hv.Config.of_xl_string ctx (minios_cfg k "ml-mig-t")) in
      let sock, pid = receiver () in
      let calls = ref 0 in
      Fun.protect ~finally:(fun () -> Unix.close sock) (fun () ->
          ignore
            (expect_error Hv.Cancelled (fun () ->
                 Hv.Domain.migrate_send ctx ~domid ~progress:(fun _ -> incr calls; true) sock)));
      if exit_status pid = 0 then failwith "xl migrate-receive succeeded";
      assert (!calls = 1);
      assert (state ctx domid = Hv.Domain.Running);
      assert (state2 "ml-mig-t" = None));

  with_mig "migrate_send: an exception raised mid-stream cancels and propagates" (fun k ->
      (* 192 MiB rewritten, sent at 64 MiB/s: memory is still going *)
      let extra = "workload=counter workload=dirty:192:400 runtime=600" in
      let domid = Hv.Domain.create ctx (Hv.Config.of_xl_string ctx (minios_cfg ~memory:256 ~extra k "ml-mig-x")) in
      wait_booted ~text:"minios: counter 30" "ml-mig-x";
      let sock, pid = receiver () in
      Fun.protect ~finally:(fun () -> Unix.close sock) (fun () ->
          match
            Hv.Domain.migrate_send ctx ~domid ~bandwidth:(64 lsl 20) sock ~progress:(fun p ->
                if p.Hv.Domain.phase = Hv.Domain.First && p.sent_bytes > 0L then raise Exit;
                false)
          with
          | _ -> failwith "migrate_send returned"
          | exception Exit -> ());
      if exit_status pid = 0 then failwith "xl migrate-receive succeeded";
      assert (state ctx domid = Hv.Domain.Running);
      Hv.Domain.pause ctx ~domid;
      Hv.Domain.unpause ctx ~domid;
      assert (state2 "ml-mig-x" = None))

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
