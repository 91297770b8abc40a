(* SPDX-License-Identifier: LGPL-2.1-or-later *)
(* hv-create-wait: creates a domain from an xl.cfg file (KEY=VALUE
   arguments override its settings, as after the file name of
   "xl create") and waits for its end, saying how it ended.  Exits 0 when
   the guest powered off, 3 when it crashed, 1 on an error.
   Build: ocamlfind ocamlopt -package hv -linkpkg hv_create_wait.ml -o hv-create-wait *)

let ended = function
  | Some Hv.Domain.Poweroff -> "powered off"
  | Some Reboot -> "rebooted"
  | Some Crash -> "crashed"
  | Some No_shutdown -> "was destroyed"
  | Some (Code_unknown n) -> Printf.sprintf "ended (code %d)" n
  | None -> "is gone"

let () =
  match Array.to_list Sys.argv with
  | [] | [ _ ] ->
      prerr_endline "usage: hv-create-wait CONFIG [KEY=VALUE...]";
      exit 2
  | _ :: file :: overrides -> (
      match
        Hv.Ctx.with_ctx @@ fun ctx ->
        let cfg = Hv.Config.of_xl_file ctx file in
        List.iter (Hv.Config.set ctx cfg) overrides;
        let domid = Hv.Domain.create ctx cfg in
        let name = Option.value (Hv.Config.name cfg) ~default:"?" in
        Printf.printf "%s: domain %d, %d MiB, %d vCPU(s)\n%!" name domid
          (Hv.Config.memory_mib cfg) (Hv.Config.vcpus cfg);
        let why = Hv.Domain.wait ctx ~domid () in
        Printf.printf "%s: %s\n" name (ended why);
        why
      with
      | Some Hv.Domain.Crash -> exit 3
      | _ -> ()
      | exception Hv.Error (e, msg) ->
          Printf.eprintf "hv-create-wait: %s (%s)\n" msg (Hv.string_of_error e);
          exit 1)
