(* SPDX-License-Identifier: LGPL-2.1-or-later *)
(* hv-events: prints domain events as they come, from an event loop
   (Unix.select on the context's event descriptor), for SECONDS seconds
   (default: until interrupted).
   Build: ocamlfind ocamlopt -package hv -linkpkg hv_events.ml -o hv-events *)

let describe (ev : Hv.Event.t) =
  let code =
    match ev.code with
    | Hv.Domain.No_shutdown -> ""
    | Poweroff -> " (poweroff)"
    | Reboot -> " (reboot)"
    | Crash -> " (crash)"
    | Code_unknown n -> Printf.sprintf " (code %d)" n
  in
  let what =
    match ev.kind with
    | Hv.Event.Shutdown -> "shut down"
    | Death -> "is gone"
    | Crash -> "crashed"
    | Created -> "was created"
    | Memory { missed = false } -> "reached its memory target"
    | Memory { missed = true } -> "did not reach its memory target in time"
    | Kind_unknown n -> Printf.sprintf "event %d" n
  in
  Printf.sprintf "domain %d (%s) %s%s" ev.domid ev.name what code

let () =
  let until =
    match Sys.argv with
    | [| _ |] -> infinity
    | [| _; s |] -> Unix.gettimeofday () +. float_of_string s
    | _ ->
        prerr_endline "usage: hv-events [SECONDS]";
        exit 2
  in
  try
    Hv.Ctx.with_ctx @@ fun ctx ->
    let fd = Hv.Event.fd ctx in
    let rec loop () =
      let left = until -. Unix.gettimeofday () in
      if left > 0. then (
        let timeout = if left = infinity then -1. else left in
        (match Unix.select [ fd ] [] [] timeout with
        | [], _, _ -> ()
        | _ ->
            (* take every event that waits *)
            let rec drain () =
              match Hv.Event.next ctx with
              | Some ev ->
                  print_endline (describe ev);
                  drain ()
              | None -> ()
            in
            drain ());
        loop ())
    in
    loop ()
  with Hv.Error (e, msg) ->
    Printf.eprintf "hv-events: %s (%s)\n" msg (Hv.string_of_error e);
    exit 1
