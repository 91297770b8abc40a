#!/bin/sh
# The Python binding's tests (run.py: pytest, else unittest), with the
# Python the binding was built for.  Without /dev/kvm the tests that need
# a running domain skip, saying why; with HV_NESTED_INTEGRATION=1 the whole
# run happens again in the nested harness's outer host instead, where
# they run (tests/lib.sh, nested_rerun).
. "$top_srcdir/tests/lib.sh"

py=${HV_PYTHON:-python3}
[ -d "$top_builddir/bindings/python/pkg/hv" ] ||
	skip "the Python binding was not built (configure --disable-python?)"
[ -x "$HV_HVD" ] || skip "hvd was not built ($HV_HVD)"
if [ ! -e /dev/kvm ]; then
	nested_rerun
	echo "no /dev/kvm here: the tests that need a running domain skip${nested_why:+ ($nested_why)}"
fi
export HV_TEST_TIME_SCALE MINIOS
rc=0
"$py" "$top_srcdir/bindings/python/tests/run.py" || rc=$?
exit $rc
