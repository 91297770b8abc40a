(* SPDX-License-Identifier: LGPL-2.1-or-later *)
(** Lwt versions of {!Hv}'s calls that wait (the findlib package
    [hv.lwt]; programs that use it are built with [-thread]).

    Events are read when the context's event descriptor becomes readable
    ([Lwt_unix.wait_read]); no thread waits for them.  The long operations
    (create, save, restore, waiting for a domain's end) run in Lwt's pool
    of preemptive threads ([Lwt_preemptive.detach]; Hv releases the OCaml
    runtime lock while libhv waits), and a [progress] function runs in the
    main thread, between Lwt's callbacks ([Lwt_preemptive.run_in_main]):
    an exception it raises cancels the operation, as with {!Hv}, and fails
    the promise with it.  Cancelling the promise ([Lwt.cancel]) does not
    stop an operation once started; use a [progress] function that raises.
    Errors fail the promises with {!Hv.Error}. *)

module Event : sig
  val next : Hv.Ctx.t -> Hv.Event.t Lwt.t
  (** The next event: one that waits, else the first to come. *)

  val stream : Hv.Ctx.t -> Hv.Event.t Lwt_stream.t
  (** Every event, as it comes (subscribed at once). *)
end

module Domain : sig
  val create : Hv.Ctx.t -> ?paused:bool -> Hv.Config.t -> int Lwt.t
  (** {!Hv.Domain.create}. *)

  val save :
    Hv.Ctx.t -> domid:int -> ?progress:(int -> int -> unit) ->
    ?after:Hv.Domain.after_save -> ?compress:bool -> ?config:Hv.Config.t ->
    ?key:Hv.Domain.key -> path:string -> unit -> unit Lwt.t
  (** {!Hv.Domain.save}. *)

  val restore :
    Hv.Ctx.t -> ?paused:bool -> ?lazy_:bool -> ?name:string -> ?config:Hv.Config.t ->
    ?key:Hv.Domain.key -> ?progress:(int -> int -> unit) -> path:string -> unit -> int Lwt.t
  (** {!Hv.Domain.restore}. *)

  val migrate_send :
    Hv.Ctx.t -> domid:int -> ?downtime_ms:int -> ?ceiling_ms:int -> ?bandwidth:int ->
    ?timeout_ms:int -> ?compress:bool -> ?auto_converge:bool -> ?paused:bool ->
    ?debug:bool -> ?local:bool -> ?config:Hv.Config.t -> ?key:Hv.Domain.key ->
    ?progress:(Hv.Domain.migrate_progress -> bool) ->
    ?recv_fd:Unix.file_descr -> Unix.file_descr -> Hv.Domain.migrate_stats Lwt.t
  (** {!Hv.Domain.migrate_send}; [progress] runs in the main thread, and
      returning [true] there cancels the migration as with {!Hv}. *)

  val migrate_receive :
    Hv.Ctx.t -> ?paused:bool -> ?key:Hv.Domain.key -> ?send_fd:Unix.file_descr ->
    Unix.file_descr -> (int * Hv.Domain.migrate_stats) Lwt.t
  (** {!Hv.Domain.migrate_receive}. *)

  val wait : Hv.Ctx.t -> domid:int -> ?timeout:float -> unit -> Hv.Domain.shutdown_code option Lwt.t
  (** {!Hv.Domain.wait}. *)

  val shutdown_wait :
    Hv.Ctx.t -> domid:int -> ?timeout:float -> unit -> Hv.Domain.shutdown_code option Lwt.t
  (** {!Hv.Domain.shutdown_wait}. *)
end

(**/**)

val progress_selftest : progress:(int -> int -> unit) -> int -> int -> bool Lwt.t
(** For the tests: {!Hv.progress_selftest} in a preemptive thread, with
    [progress] run in the main thread as the long operations do. *)

(**/**)
