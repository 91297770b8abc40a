# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the binding's tests share: paths, the skip for hosts without KVM,
and stopping an hvd and the hv-vmms it started."""

import glob
import os
import signal
import time
import unittest

SRC = os.environ.get("top_srcdir") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CONFIGS = os.path.join(SRC, "tests", "data", "config")
MINIOS = os.environ.get("MINIOS", "")
TMP = os.environ.get("HVPY_TMP", "/tmp")
#: The build tree's xl (run.py sets it), for the other end of a migration.
XL = os.environ.get("HV_XL", "")


def kill_daemons(rundir):
    """Kills (SIGKILL) the hvd of ``rundir`` and every hv-vmm it started."""
    pids = []
    try:
        with open(os.path.join(rundir, "hvd.pid")) as f:
            pids.append(int(f.read().strip()))
    except (OSError, ValueError):
        pass
    for state in glob.glob(os.path.join(rundir, "domains", "*", "state")):
        with open(state) as f:
            for line in f:
                if line.startswith("vmm_pid="):
                    pid = int(line.split("=", 1)[1] or 0)
                    if pid:
                        pids.append(pid)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def kvm_missing():
    """Why real domains cannot run here, or None."""
    if not os.path.exists("/dev/kvm"):
        return "no /dev/kvm on this host (hardware virtualization or PVM needed)"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "/dev/kvm is not accessible to this user"
    if not os.path.isfile(MINIOS):
        return "minios was not built (%s)" % MINIOS
    return None


#: Decorates a test that needs a running domain.
needs_kvm = unittest.skipIf(kvm_missing() is not None, kvm_missing() or "")


def scaled(seconds):
    """A time limit, longer on slow hosts (HV_TEST_TIME_SCALE, as
    tests/lib.sh: 10 in the nested outer host)."""
    return seconds * float(os.environ.get("HV_TEST_TIME_SCALE", "1"))


def wait_booted(name, timeout=30, text="minios: counter ", logdir=None):
    """Waits (``timeout`` seconds, scaled) until minios ``name`` (with
    workload=counter) prints its first count on its console log: its boot
    is over, the power button enabled (a shutdown asked for earlier is
    lost in the boot).  ``text`` waits for another line instead; ``logdir``
    is the HV_LOGDIR of another hvd than the tests' own."""
    path = os.path.join(logdir or os.environ["HV_LOGDIR"], "console", name + ".log")
    end = time.monotonic() + scaled(timeout)
    while time.monotonic() < end:
        try:
            with open(path, "rb") as f:
                if text.encode() in f.read():
                    return
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    raise AssertionError("%s did not print %r within %g s (see %s)"
                         % (name, text, scaled(timeout), path))


#: A minios that has 192 MiB of memory to save: its dirty working set,
#: rewritten at 400 MiB/s.  Zero pages are not written, so a save of an
#: idle guest is done before a cancel can reach it; this one takes long
#: enough for the cancel to land.  Wait for count 30 (3 s) before saving.
BUSY_CMDLINE = "workload=counter workload=dirty:192:400 runtime=600"
BUSY_WARM = "minios: counter 30"


def minios_config(name, **kw):
    """A dict description of a minios domain that counts for a while."""
    cfg = {"name": name, "kernel": MINIOS, "memory_mib": 32, "vcpus": 1,
           "cmdline": "workload=counter runtime=600"}
    cfg.update(kw)
    return cfg
