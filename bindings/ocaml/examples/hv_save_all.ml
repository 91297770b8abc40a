(* SPDX-License-Identifier: LGPL-2.1-or-later *)
(* hv-save-all: saves every running domain to DIR/<name>.img with a
   progress bar.  With --continue the domains run on after their save;
   without, they are gone once their image is complete (restore them with
   "xl restore").
   Build: ocamlfind ocamlopt -package hv -linkpkg hv_save_all.ml -o hv-save-all *)

let bar name done_ total =
  let width = 40 in
  let frac = if total = 0 then 1. else float_of_int done_ /. float_of_int total in
  let n = int_of_float (frac *. float_of_int width) in
  Printf.eprintf "\r%-20s [%s%s] %3d%%%!"
    (if String.length name > 20 then String.sub name 0 20 else name)
    (String.make n '#') (String.make (width - n) ' ') (int_of_float (frac *. 100.))

let () =
  let dir, after =
    match Array.to_list Sys.argv with
    | [ _; dir ] -> (dir, Hv.Domain.Destroy_after)
    | [ _; dir; "--continue" ] -> (dir, Hv.Domain.Continue)
    | _ ->
        prerr_endline "usage: hv-save-all DIR [--continue]";
        exit 2
  in
  (try Unix.mkdir dir 0o755 with Unix.Unix_error (Unix.EEXIST, _, _) -> ());
  let failed = ref 0 in
  (try
     Hv.Ctx.with_ctx @@ fun ctx ->
     List.iter
       (fun (d : Hv.Domain.info) ->
         if d.state = Hv.Domain.Running then (
           let path = Filename.concat dir (d.name ^ ".img") in
           try
             Hv.Domain.save ctx ~domid:d.domid ~after ~progress:(bar d.name) ~path ();
             Printf.eprintf "  saved to %s\n%!" path
           with Hv.Error (e, msg) ->
             Printf.eprintf "\n%s: %s (%s)\n%!" d.name msg (Hv.string_of_error e);
             incr failed))
       (Hv.Domain.list ctx)
   with Hv.Error (e, msg) ->
     Printf.eprintf "hv-save-all: %s (%s)\n" msg (Hv.string_of_error e);
     exit 1);
  exit (if !failed > 0 then 1 else 0)
