(* SPDX-License-Identifier: LGPL-2.1-or-later *)
(* Lwt over Hv: see hv_lwt.mli. *)

let ( >>= ) = Lwt.( >>= )

module Event = struct
  let rec next ctx =
    match Hv.Event.next ctx with
    | Some ev -> Lwt.return ev
    | None ->
        let fd = Lwt_unix.of_unix_file_descr ~blocking:false ~set_flags:false (Hv.Event.fd ctx) in
        Lwt_unix.wait_read fd >>= fun () -> next ctx

  let stream ctx =
    ignore (Hv.Event.fd ctx);
    Lwt_stream.from (fun () -> Lwt.map Option.some (next ctx))
end

(* [progress] as called from a preemptive thread: run in the main one. *)
let in_main progress =
  Option.map
    (fun f d t -> Lwt_preemptive.run_in_main (fun () -> f d t; Lwt.return_unit))
    progress

let detach f = Lwt_preemptive.detach f ()

module Domain = struct
  let create ctx ?paused cfg = detach (fun () -> Hv.Domain.create ctx ?paused cfg)

  let save ctx ~domid ?progress ?after ?compress ?config ?key ~path () =
    let progress = in_main progress in
    detach (fun () -> Hv.Domain.save ctx ~domid ?progress ?after ?compress ?config ?key ~path ())

  let restore ctx ?paused ?lazy_ ?name ?config ?key ?progress ~path () =
    let progress = in_main progress in
    detach (fun () -> Hv.Domain.restore ctx ?paused ?lazy_ ?name ?config ?key ?progress ~path ())

  let migrate_send ctx ~domid ?downtime_ms ?ceiling_ms ?bandwidth ?timeout_ms ?compress
      ?auto_converge ?paused ?debug ?local ?config ?key ?progress ?recv_fd send_fd =
    let progress =
      Option.map (fun f p -> Lwt_preemptive.run_in_main (fun () -> Lwt.return (f p))) progress
    in
    detach (fun () ->
        Hv.Domain.migrate_send ctx ~domid ?downtime_ms ?ceiling_ms ?bandwidth ?timeout_ms ?compress
          ?auto_converge ?paused ?debug ?local ?config ?key ?progress ?recv_fd send_fd)

  let migrate_receive ctx ?paused ?key ?send_fd recv_fd =
    detach (fun () -> Hv.Domain.migrate_receive ctx ?paused ?key ?send_fd recv_fd)

  let wait ctx ~domid ?timeout () = detach (fun () -> Hv.Domain.wait ctx ~domid ?timeout ())

  let shutdown_wait ctx ~domid ?timeout () =
    detach (fun () -> Hv.Domain.shutdown_wait ctx ~domid ?timeout ())
end

let progress_selftest ~progress d t =
  let progress = Option.get (in_main (Some progress)) in
  detach (fun () -> Hv.progress_selftest ~progress d t)
