#!/bin/sh
# hvd: what happens when a guest ends: on_reboot=restart (new domid, same
# name), on_crash=preserve (CRASHED, kept until destroyed), rename-restart,
# and a guest that crashes at every start (restarts stop after a while).
. "$HV_TESTS_SRC/lib.sh"
need_kvm
need_cmd python3
. "$HV_TESTS_SRC/integration/hvd-lib.sh"

hvd_start
hvd_py <<'PY'
import os
from hvc import *

h = Hvd()
ev = Hvd()
ev.subscribe()

# reboot -> restart
d = h.create_running("rb", "workload=counter:20", on_reboot=RESTART)
ev.wait_event(EV_CREATED, d)
wait_for(lambda: b"minios: counter 2" in console_log("rb"), "the guest to run")
h.shutdown(d, reboot=True)
e = ev.wait_event(EV_SHUTDOWN, d)
if e[2] != CODE_REBOOT:
    fail("reboot gave shutdown code %d" % e[2])
ev.wait_event(EV_DEATH, d)
e = ev.wait_event(EV_CREATED, name="rb")
nd = e[1]
if nd <= d:
    fail("the restarted domain has id %d, not above %d" % (nd, d))
i = wait_for(lambda: (lambda x: x if x and x.state == RUNNING else None)(h.info(nd)),
             "the restarted domain to run")
if i.name != "rb" or h.info(d) is not None:
    fail("after the restart: %r, old %r" % (i, h.info(d)))
if os.path.exists("%s/domains/%d" % (RUNDIR, d)):
    fail("the old domain's directory is still there")
wait_for(lambda: console_log("rb").count(b"minios: boot ok") >= 2,
         "a second boot in the console log")
ok("reboot with on_reboot=restart: domain %d -> %d, same name, events in order" % (d, nd))
h.destroy(nd)
ev.wait_event(EV_DEATH, nd)

# crash -> preserve
d = h.create_running("cr", "action=crash", on_crash=PRESERVE)
e = ev.wait_event(EV_CRASH, d)
if e[2] != CODE_CRASH:
    fail("crash event code %d" % e[2])
i = wait_for(lambda: (lambda x: x if x and x.state == CRASHED else None)(h.info(d)),
             "state CRASHED")
if i.vmm_pid or i.shutdown_code != CODE_CRASH or [x.domid for x in h.list()[0]] != [d]:
    fail("a preserved crashed domain: %r" % i)
if h.unpause(d, check=False) != -ESTATE:
    fail("unpause of a crashed domain was not refused with ESTATE")
h.destroy(d)
ev.wait_event(EV_DEATH, d)
if h.list()[0] or os.path.exists("%s/domains/%d" % (RUNDIR, d)):
    fail("the crashed domain outlived its destroy")
ok("crash with on_crash=preserve: CRASHED, listed, then destroyed")

# reboot -> rename-restart
d = h.create_running("rr", "workload=counter:20", on_reboot=RENAME_RESTART)
ev.wait_event(EV_CREATED, d)
wait_for(lambda: b"minios: counter 2" in console_log("rr"), "the guest to run")
h.shutdown(d, reboot=True)
e = ev.wait_event(EV_CREATED, name="rr")
nd = e[1]
old = h.info(d)
new = wait_for(lambda: (lambda x: x if x and x.state == RUNNING else None)(h.info(nd)),
               "the new domain to run")
if old is None or old.name != "rr-%d" % d or old.state != SHUTDOWN_S or \
   old.shutdown_code != CODE_REBOOT or new.name != "rr":
    fail("after rename-restart: old %r new %r" % (old, new))
if not console_log("rr-%d" % d) or b"minios: boot ok" not in console_log("rr-%d" % d):
    fail("the preserved domain's console log was not renamed with it")
wait_for(lambda: b"minios: boot ok" in console_log("rr"), "the new domain's console log")
ok("reboot with on_reboot=rename-restart: old kept as %s, new %d" % (old.name, nd))
h.destroy(d)
h.destroy(nd)
if h.list()[0]:
    fail("domains left: %r" % (h.list()[0],))

# a guest that crashes at every start is not restarted forever
d = h.create_running("loop", "action=crash", on_crash=RESTART)
ev.wait_event(EV_CREATED, d)
def crashed():
    l = [x for x in h.list_all() if x.name == "loop"]
    return l[0] if l and l[0].state == CRASHED else None
i = wait_for(crashed, "the restart loop to stop", timeout=30)
n = i.domid - d
ok("a crash loop stops after %d restarts, domain %d kept as CRASHED" % (n, i.domid))
h.destroy(i.domid)
PY
