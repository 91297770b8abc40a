(* SPDX-License-Identifier: LGPL-2.1-or-later *)
(* Tests of Hv_lwt (run by ocaml-binding.sh after test-hv, in the same
   private hvd).  Prints one line per check and "N passed, N failed,
   N skipped"; exits 1 if anything failed. *)

let passed = ref 0
let failed = ref 0
let skipped = ref 0

let check name f =
  match Lwt_main.run (f ()) with
  | () ->
      incr passed;
      Printf.printf "ok: %s\n%!" name
  | exception e ->
      incr failed;
      Printf.printf "FAIL: %s: %s\n%!" name (Printexc.to_string e)

let skip name why =
  incr skipped;
  Printf.printf "SKIP: %s: %s\n%!" name why

let ( let* ) = Lwt.bind

let expect_error e p =
  Lwt.catch
    (fun () -> let* _ = p () in failwith "no exception")
    (function Hv.Error (got, _) when got = e -> Lwt.return_unit | x -> Lwt.fail x)

let tmpdir = Sys.getenv "T"
let scale = match Sys.getenv_opt "HV_TEST_TIME_SCALE" with Some s -> float_of_string s | None -> 1.

let () =
  Hv.Ctx.with_ctx @@ fun ctx ->
  check "Event.next waits on the descriptor; other promises run meanwhile" (fun () ->
      let ticks = ref 0 in
      let rec tick () = incr ticks; let* () = Lwt_unix.sleep 0.02 in tick () in
      let* r =
        Lwt.pick
          [ Lwt.map (fun _ -> `Event) (Hv_lwt.Event.next ctx);
            Lwt.map (fun () -> `Timeout) (Lwt_unix.sleep 0.3);
            tick () ]
      in
      assert (r = `Timeout);
      assert (!ticks >= 5);
      Lwt.return_unit);

  check "progress runs in the main thread; an exception comes back out" (fun () ->
      let main = Thread.id (Thread.self ()) and seen = ref [] in
      let* cancelled =
        Hv_lwt.progress_selftest ~progress:(fun d t -> seen := (d, t, Thread.id (Thread.self ())) :: !seen) 3 4
      in
      assert (not cancelled);
      assert (!seen = [ (3, 4, main) ]);
      Lwt.catch
        (fun () ->
          let* _ = Hv_lwt.progress_selftest ~progress:(fun _ _ -> raise Exit) 1 2 in
          failwith "the exception did not come back")
        (function Exit -> Lwt.return_unit | e -> Lwt.fail e));

  check "errors fail the promises" (fun () ->
      let* () =
        expect_error Hv.Notfound (fun () ->
            Hv_lwt.Domain.save ctx ~domid:4242 ~progress:(fun _ _ -> ())
              ~path:(Filename.concat tmpdir "lwt.save") ())
      in
      let* () = expect_error Hv.Notfound (fun () -> Hv_lwt.Domain.shutdown_wait ctx ~domid:4242 ()) in
      let* w = Hv_lwt.Domain.wait ctx ~domid:4242 () in
      assert (w = None);
      let* () =
        expect_error Hv.Notfound (fun () ->
            let a, b = Unix.socketpair ~cloexec:true Unix.PF_UNIX Unix.SOCK_STREAM 0 in
            Lwt.finalize
              (fun () -> Hv_lwt.Domain.migrate_send ctx ~domid:4242 ~progress:(fun _ -> false) a)
              (fun () -> Unix.close a; Unix.close b; Lwt.return_unit))
      in
      (* a sender that hangs up: the receive fails, nothing is made *)
      let* () =
        expect_error Hv.Io (fun () ->
            let a, b = Unix.socketpair ~cloexec:true Unix.PF_UNIX Unix.SOCK_STREAM 0 in
            Unix.close b;
            Lwt.finalize (fun () -> Hv_lwt.Domain.migrate_receive ctx a)
              (fun () -> Unix.close a; Lwt.return_unit))
      in
      Lwt.return_unit);

  match Sys.file_exists "/dev/kvm", Sys.getenv_opt "MINIOS" with
  | false, _ | _, (None | Some "") ->
      skip "a domain's life on Lwt: create, events, save with progress, restore, shutdown"
        "no /dev/kvm on this host (or MINIOS not set): no domain can run"
  | true, Some kernel ->
      check "a domain's life on Lwt: create, events, save with progress, restore, shutdown" (fun () ->
          let events = Hv_lwt.Event.stream ctx in
          let cfg =
            Hv.Config.of_xl_string ctx
              (Printf.sprintf "name = \"lwt-dom\"\nmemory = 32\nkernel = %S\nextra = \"workload=counter\"\n" kernel)
          in
          let* domid = Hv_lwt.Domain.create ctx cfg in
          (* the image must keep a guest that takes the power button: one
             whose boot is over (it counts) *)
          let log = Filename.concat (Sys.getenv "HV_LOGDIR") "console/lwt-dom.log" in
          let rec booted n =
            let text =
              match open_in_bin log with
              | ic ->
                  let t = really_input_string ic (in_channel_length ic) in
                  close_in ic;
                  t
              | exception Sys_error _ -> ""
            in
            let re = Str.regexp_string "minios: counter " in
            if (try ignore (Str.search_forward re text 0); true with Not_found -> false) then Lwt.return_unit
            else if n = 0 then failwith "lwt-dom did not finish its boot (no count)"
            else let* () = Lwt_unix.sleep 0.05 in booted (n - 1)
          in
          let* () = booted (int_of_float (600. *. scale)) in
          let path = Filename.concat tmpdir "lwt-dom.save" and seen = ref 0 in
          let* () = Hv_lwt.Domain.save ctx ~domid ~progress:(fun _ _ -> incr seen) ~path () in
          assert (!seen >= 1);
          let rec until_death () =
            let* ev = Lwt_stream.next events in
            if ev.Hv.Event.kind = Hv.Event.Death && ev.domid = domid then Lwt.return_unit
            else until_death ()
          in
          let* () = Lwt_unix.with_timeout (60. *. scale) until_death in
          let* back = Hv_lwt.Domain.restore ctx ~path () in
          let* why = Hv_lwt.Domain.shutdown_wait ctx ~domid:back ~timeout:(60. *. scale) () in
          assert (why = Some Hv.Domain.Poweroff);
          Lwt.return_unit)

let () =
  Printf.printf "%d passed, %d failed, %d skipped\n" !passed !failed !skipped;
  exit (if !failed > 0 then 1 else 0)
