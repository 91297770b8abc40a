#!/bin/sh
# The xl.cfg corpus (tests/xlcfg/, its README says what each file is):
# every NAME.cfg goes through xl create -n, and what xl does must be what
# NAME.expect says: the exit status, lines of standard error, and fields of
# the JSON description (hv's, and libxl's layout of it).  No KVM: create -n asks no hvd (here a path that
# does not exist) and opens no kernel or disk.
. "$HV_TESTS_SRC/lib.sh"
XL=$top_builddir/xl/xl
CORPUS=$HV_TESTS_SRC/xlcfg
[ -x "$XL" ] || skip "xl is not built ($XL)"
[ -f "$MINIOS" ] || skip "minios is not built ($MINIOS)"
need_cmd python3
HV_RUNDIR=$T/run
HV_LOGDIR=$T/log
HV_HVD=/nonexistent/hvd
export HV_RUNDIR HV_LOGDIR HV_HVD

n=0
for cfg in "$CORPUS"/*.cfg; do
	name=$(basename "$cfg" .cfg)
	[ -f "$CORPUS/$name.expect" ] || fail "$name.cfg has no $name.expect"
	# the kernel is the bundled guest wherever the build tree is
	sed "s|@MINIOS@|$MINIOS|g" "$cfg" >"$T/$name.cfg"
	rc=0
	"$XL" create -n "$T/$name.cfg" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
	python3 - "$CORPUS/$name.expect" "$T/$name.cfg" "$rc" "$T/$name.out" \
		"$T/$name.err" "$MINIOS" <<'PY' || fail "$name.cfg: not what $name.expect says"
import json, sys

expect, cfg, rc, out, err, minios = sys.argv[1:]
problems = []
stdout = open(out).read()
stderr = open(err).read().splitlines()
doc = None


def subst(s):
    return s.replace("@FILE@", cfg).replace("@MINIOS@", minios)


def field(path, top="hv_config"):
    """The JSON value at PATH (keys and list indices joined by dots) in
    hv's description, or in libxl's layout (top "config")."""
    v = doc[top]
    for part in path.split("."):
        if isinstance(v, list) and part.isdigit() and int(part) < len(v):
            v = v[int(part)]
        elif isinstance(v, dict) and part in v:
            v = v[part]
        else:
            raise KeyError(path)
    return v


want_rc = None
for lineno, line in enumerate(open(expect), 1):
    line = line.rstrip("\n")
    if not line.strip() or line.lstrip().startswith("#"):
        continue
    word, _, arg = line.partition(" ")
    arg = subst(arg)
    if word == "exit":
        want_rc = int(arg)
        if rc != arg:
            problems.append("exit status %s, expected %s" % (rc, arg))
        if want_rc == 0:
            try:
                doc = json.loads(stdout)
            except ValueError as e:
                problems.append("standard output is not JSON: %s" % e)
            if doc is not None and (not isinstance(doc, dict) or "domid" not in doc
                                    or doc["domid"] is not None or "config" not in doc
                                    or "hv_config" not in doc):
                problems.append("standard output is not {\"domid\": null, \"config\": ..., \"hv_config\": ...}")
                doc = None
        elif stdout:
            problems.append("a refused config printed something on standard output")
    elif word == "no-stderr":
        if stderr:
            problems.append("standard error is not empty")
    elif word == "stderr":
        if not any(arg in l for l in stderr):
            problems.append("no line of standard error holds: %s" % arg)
    elif word == "stderr-lines":
        if len(stderr) != int(arg):
            problems.append("%d lines on standard error, expected %s" % (len(stderr), arg))
    elif word in ("json", "absent", "libxl", "libxl-absent"):
        if doc is None:
            if want_rc != 0:
                problems.append("line %d: %s without exit 0 before it" % (lineno, word))
            continue
        path, _, value = arg.partition(" ")
        top = "config" if word.startswith("libxl") else "hv_config"
        try:
            got = field(path, top)
        except KeyError:
            if word in ("json", "libxl"):
                problems.append("%s is not in the JSON's %s" % (path, top))
            continue
        if word.endswith("absent"):
            problems.append("%s is in the JSON (%s)" % (path, json.dumps(got)))
        elif got != json.loads(value):
            problems.append("%s is %s, expected %s" % (path, json.dumps(got), value))
    else:
        problems.append("line %d: unknown word %r" % (lineno, word))
if want_rc is None:
    problems.append("no exit line")
if problems:
    print("\n".join(["%s:" % cfg] + ["  " + p for p in problems]
                    + ["  standard error was:"] + ["    " + l for l in stderr]),
          file=sys.stderr)
    sys.exit(1)
PY
	n=$((n + 1))
done
[ "$n" -ge 40 ] || fail "only $n configs in $CORPUS"
# every expectation has its config
for e in "$CORPUS"/*.expect; do
	[ -f "${e%.expect}.cfg" ] || fail "$(basename "$e") has no config"
done
ok "$n configs of the xl.cfg corpus: each accepted or refused as its .expect says"
exit 0
