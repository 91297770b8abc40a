#!/bin/sh
# The bindings work once installed, from outside the build tree: "make
# install" into a DESTDIR under $T, then Debian's /usr/bin/python3 imports
# hv from where it was put, and a program built with
# "ocamlfind ocamlopt -package hv" (and hv.lwt) runs; both talk to an hvd.
# Also checks that the default places are where those tools look.
. "$top_srcdir/tests/lib.sh"

[ -n "$HV_BINDINGS" ] || skip "no binding was built (configure found neither Python nor OCaml)"
[ "${HV_SANITIZERS:-no}" != yes ] ||
	skip "the sanitizer build's installed libraries need the ASan runtime preloaded; the normal build runs this test"
dest=$T/dest
make -s -C "$top_builddir" install DESTDIR="$dest" >"$T/install.log" 2>&1 ||
	{ tail -n 30 "$T/install.log"; fail "make install DESTDIR=$dest failed"; }
lib=$dest$HV_LIBDIR
[ -f "$lib/libhv.so" ] || fail "libhv.so was not installed in $lib"

HV_RUNDIR=$T/run
HV_LOGDIR=$T/log
LD_LIBRARY_PATH=$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export HV_RUNDIR HV_LOGDIR LD_LIBRARY_PATH
cleanup() {
	[ -f "$T/run/hvd.pid" ] && kill -9 "$(cat "$T/run/hvd.pid")" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
cd "$T" || fail "cannot enter $T"

case " $HV_BINDINGS " in
*" python "*)
	pkg=$dest$HV_PYTHON_DIR/hv
	for f in __init__.py raw.py raw.pyi py.typed _raw.so; do
		[ -f "$pkg/$f" ] || fail "$pkg/$f was not installed"
	done
	[ ! -e "$pkg/_raw.la" ] || fail "libtool's _raw.la was installed"
	py=$HV_PYTHON
	[ ! -x /usr/bin/python3 ] || py=/usr/bin/python3
	# Where the package goes by default is on that Python's path.
	if [ "$HV_PYTHON_DIR_DEFAULT" = yes ]; then
		"$py" -c 'import sys; sys.exit(sys.argv[1] not in sys.path)' "$HV_PYTHON_DIR" ||
			fail "$py does not import from $HV_PYTHON_DIR, where make install puts hv"
	fi
	PYTHONPATH=$dest$HV_PYTHON_DIR "$py" -c '
import os, sys, hv
assert hv.__file__.startswith(sys.argv[1]), hv.__file__
with hv.Context() as ctx:
    assert ctx.domains() == []
    assert ctx.physinfo()["version"] == hv.version()
print("python:", hv.__file__, hv.version())
' "$dest" >"$T/py.out" 2>&1 || { cat "$T/py.out"; fail "the installed Python package does not work"; }
	cat "$T/py.out"
	ok "python3 -c 'import hv' from $HV_PYTHON_DIR (in DESTDIR), hvd answers"
	;;
esac

case " $HV_BINDINGS " in
*" ocaml "*)
	if [ "$HV_OCAML_DESTDIR_DEFAULT" = yes ]; then
		ocamlfind printconf path | grep -qx "$HV_OCAML_DESTDIR" ||
			fail "ocamlfind does not look in $HV_OCAML_DESTDIR, where make install puts hv"
	fi
	OCAMLPATH=$dest$HV_OCAML_DESTDIR
	export OCAMLPATH
	cat >prog.ml <<'ML'
let () =
  Hv.Ctx.with_ctx @@ fun ctx ->
  assert (Hv.Domain.list ctx = []);
  Printf.printf "ocaml: hv %s, hvd pid %d\n" (Hv.version ()) (Hv.physinfo ctx).Hv.hvd_pid
ML
	ocamlfind ocamlopt -package hv -linkpkg prog.ml -ccopt -L"$lib" -o prog >"$T/ml.out" 2>&1 ||
		{ cat "$T/ml.out"; fail "ocamlfind ocamlopt -package hv failed"; }
	./prog || fail "a program built with -package hv does not run"
	ok "ocamlfind ocamlopt -package hv: built and ran against the installed package"
	case " $HV_BINDINGS " in
	*" lwt "*)
		cat >lwtprog.ml <<'ML'
let () =
  Hv.Ctx.with_ctx @@ fun ctx ->
  match Lwt_main.run (Lwt.pick [ Lwt.map Option.some (Hv_lwt.Event.next ctx);
                                 Lwt.map (fun () -> None) (Lwt_unix.sleep 0.1) ]) with
  | None -> print_endline "ocaml: hv.lwt, no event in 0.1 s"
  | Some _ -> failwith "an event with no domain"
ML
		ocamlfind ocamlopt -thread -package hv.lwt -linkpkg lwtprog.ml -ccopt -L"$lib" -o lwtprog \
			>"$T/ml.out" 2>&1 || { cat "$T/ml.out"; fail "ocamlfind ocamlopt -thread -package hv.lwt failed"; }
		./lwtprog || fail "a program built with -package hv.lwt does not run"
		ok "ocamlfind ocamlopt -thread -package hv.lwt: built and ran"
		;;
	esac
	;;
esac
