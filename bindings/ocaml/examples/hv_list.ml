(* SPDX-License-Identifier: LGPL-2.1-or-later *)
(* hv-list: the domains, as "xl list" shows them.
   Build: ocamlfind ocamlopt -package hv -linkpkg hv_list.ml -o hv-list *)

let state = function
  | Hv.Domain.Running -> "r-----"
  | Hv.Domain.Paused -> "--p---"
  | Hv.Domain.Shutdown -> "---s--"
  | Hv.Domain.Crashed -> "----c-"
  | Hv.Domain.Dying -> "-----d"
  | Hv.Domain.Building | Hv.Domain.State_unknown _ -> "------"

let () =
  match
    Hv.Ctx.with_ctx (fun ctx ->
        Printf.printf "%-32s %5s %7s %5s %s\n" "Name" "ID" "Mem" "VCPUs" "State";
        List.iter
          (fun (d : Hv.Domain.info) ->
            Printf.printf "%-32s %5d %7d %5d %s\n" d.name d.domid d.memory_mib d.vcpus
              (state d.state))
          (Hv.Domain.list ctx))
  with
  | () -> ()
  | exception Hv.Error (e, msg) ->
      Printf.eprintf "hv-list: %s (%s)\n" msg (Hv.string_of_error e);
      exit 1
