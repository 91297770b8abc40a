# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the Python binding's tests against the build tree (make check).

Uses pytest when the python that configure found has it, else unittest;
either way the last line gives the counts.  Exits 0 when nothing failed
(tests that need /dev/kvm skip, saying why), 1 otherwise, 77 when there is
no test to run.  hvd runs in a private HV_RUNDIR/HV_LOGDIR under a
temporary directory; the hvd and the hv-vmms it started are killed at the
end.
"""

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

here = os.path.dirname(os.path.abspath(__file__))
build = os.environ.get("top_builddir") or os.path.abspath(os.path.join(here, "..", "..", ".."))
pkg = os.path.join(build, "bindings", "python", "pkg")


def reexec_with_asan():
    """libhv built with ASan loads only into a process whose first library
    is the ASan runtime: start again with it preloaded."""
    if os.environ.get("HV_SANITIZERS") != "yes" or os.environ.get("HVPY_ASAN_PRELOADED"):
        return
    cc = os.environ.get("CC", "cc")
    lib = subprocess.run([cc, "-print-file-name=libasan.so"], capture_output=True,
                         text=True).stdout.strip()
    if not os.path.isabs(lib):
        print("SKIP: the sanitizer build needs libasan.so to preload, and %s does not "
              "know where it is" % cc)
        sys.exit(77)
    env = dict(os.environ, HVPY_ASAN_PRELOADED="1", LD_PRELOAD=lib,
               # Python itself keeps memory at exit, on purpose.
               ASAN_OPTIONS="detect_leaks=0:" + os.environ.get("ASAN_OPTIONS", ""))
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def run_unittest():
    suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py", top_level_dir=here)
    runner = unittest.TextTestRunner(verbosity=2, stream=sys.stdout)
    res = runner.run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    skipped = len(res.skipped)
    passed = res.testsRun - failed - skipped
    print("python binding (unittest): %d passed, %d failed, %d skipped"
          % (passed, failed, skipped))
    if res.testsRun == 0:
        return 77
    return 0 if failed == 0 else 1


def main():
    reexec_with_asan()
    if not os.path.isdir(os.path.join(pkg, "hv")):
        print("FAIL: the package was not built in %s" % pkg)
        return 1
    sys.dont_write_bytecode = True     # nothing written into the source tree
    sys.path[:0] = [pkg, here]
    tmp = tempfile.mkdtemp(prefix="hv-py.")
    os.environ["HV_RUNDIR"] = os.path.join(tmp, "run")
    os.environ["HV_LOGDIR"] = os.path.join(tmp, "log")
    os.environ["HVPY_TMP"] = tmp
    os.environ.setdefault("HV_HVD", os.path.join(build, "hypervisor", "hvd", "hvd"))
    os.environ.setdefault("HV_VMM", os.path.join(build, "hypervisor", "vmm", "hv-vmm"))
    os.environ.setdefault("HV_XL", os.path.join(build, "xl", "xl"))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [pkg] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    # only now: hvtest reads the environment set above when first imported
    from hvtest import kill_daemons
    try:
        try:
            import pytest
        except ImportError:
            pytest = None
        if pytest is None:
            print("pytest is not installed for %s: running the tests with unittest"
                  % sys.executable)
            return run_unittest()
        rc = pytest.main(["-v", "-rs", "-p", "no:cacheprovider", "--rootdir", here, here])
        if rc == pytest.ExitCode.NO_TESTS_COLLECTED:
            return 77
        return 0 if rc == pytest.ExitCode.OK else 1
    finally:
        # the tests' hvd, and any other that a migration test started
        for rundir in glob.glob(os.path.join(tmp, "run*")):
            kill_daemons(rundir)
        if os.environ.get("HVPY_KEEP"):
            print("keeping %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
