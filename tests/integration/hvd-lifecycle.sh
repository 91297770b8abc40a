#!/bin/sh
# hvd: start-up (daemon, pid file, one instance), CREATE_DOMAIN of minios
# paused (description stored as sent) then unpause, list and getinfo,
# pause/unpause, the console, rename (the stored description follows), and
# a power-button shutdown with on_poweroff=destroy.
. "$HV_TESTS_SRC/lib.sh"
need_kvm
need_cmd python3
. "$HV_TESTS_SRC/integration/hvd-lib.sh"

hvd_start
kill -0 "$HVD_PID" || fail "the pid in hvd.pid ($HVD_PID) is not running"
[ "$(readlink "/proc/$HVD_PID/fd/2")" = /dev/null ] || fail "hvd kept its stderr after daemonising"
ok "hvd daemonised (pid $HVD_PID) and serves $T/run/hvd.sock"

# a second hvd (and two at once) exit 0 and leave the first serving
"$HVD" & "$HVD"; r2=$?; wait $!; r1=$?
[ "$r1" = 0 ] && [ "$r2" = 0 ] || fail "a second hvd exited $r1/$r2, expected 0"
[ "$(cat "$T/run/hvd.pid")" = "$HVD_PID" ] || fail "a second hvd took over the pid file"
ok "a second hvd exits 0 quietly"

hvd_py <<'PY'
import json, os, socket, time
from hvc import *

h = Hvd()
ev = Hvd()
ev.subscribe()
pi = h.physinfo()
if pi[6] != int(open(RUNDIR + "/hvd.pid").read()) or not pi[7].startswith(b"0."):
    fail("physinfo: %r" % (pi,))
ok("physinfo: %d cpus, %d MiB, hvd pid %d" % (pi[0], pi[2], pi[6]))

# (the first ABI made a domain in two steps, CREATE then BUILD, with a
# BUILDING state between them that clients could see; CREATE_DOMAIN is
# one step, answered once hv-vmm has built the domain)
desc = describe("life", memory=64, vcpus=2, on_poweroff=DESTROY_A,
                cmdline="workload=counter:20", extra="caf\u00e9 \"quoted\"")
text = json.dumps(desc, indent=1, ensure_ascii=False)
d = h.create_domain(text, paused=True)
if d < 1:
    fail("create: %d" % d)
i = h.info(d)
if i.state != PAUSED or i.name != "life" or i.vcpus != 2 or i.memory_mib != 64 or \
   not i.vmm_pid or not alive(i.vmm_pid) or i.on_poweroff != DESTROY_A:
    fail("a domain created paused: %r" % i)
ev.wait_event(EV_CREATED, d)
if not os.path.exists("%s/domains/%d/kernel" % (RUNDIR, d)):
    fail("the kernel was not copied into the domain's directory")
if h.get_config(d) != text:
    fail("GET_CONFIG gave back %r, not the description sent" % h.get_config(d))
if open("%s/domains/%d/config.json" % (RUNDIR, d), encoding="utf-8").read() != text:
    fail("domains/%d/config.json does not hold the description as sent" % d)
state = dict(l.split("=", 1) for l in
             open("%s/domains/%d/state" % (RUNDIR, d)).read().splitlines() if "=" in l)
for key in ("name", "memory_mib", "vcpus", "cmdline", "uuid", "on_poweroff"):
    if key in state:
        fail("the state file still holds the description's %s: %r" % (key, state))
if state.get("domid") != str(d) or state.get("vmm_pid") != str(i.vmm_pid):
    fail("the state file: %r" % state)
time.sleep(0.3)
if b"counter" in console_log("life"):
    fail("the guest ran before unpause")
if h.create_domain(describe("life"), check=False) != -EEXIST or "life" not in h.msg:
    fail("a second domain named life was not refused with EEXIST and a message")
ok("CREATE_DOMAIN paused: domain %d, hv-vmm pid %d, description stored as sent, "
   "state file runtime only, name in use refused" % (d, i.vmm_pid))

h.unpause(d)
if h.info(d).state != RUNNING:
    fail("not RUNNING after unpause")
wait_for(lambda: b"minios: counter 3" in console_log("life"), "counter output in the console log")
ok("unpause: RUNNING, the console log fills")

infos, more = h.list()
if more or [x.domid for x in infos] != [d] or infos[0].name != "life":
    fail("list: %r more=%d" % (infos, more))
wait_for(lambda: h.info(d).cpu_time_ns > 0, "cpu time")
ok("list and getinfo (cpu time %d ns)" % h.info(d).cpu_time_ns)

check_pause(h, d, "life")
ok("pause stops the guest, unpause resumes it")

read_console(h, d, b"counter")
ok("console: a connected socket carries the guest's output")

h.rename(d, "life2")
if h.info(d).name != "life2":
    fail("rename did not rename")
j = json.loads(h.get_config(d))
if j.get("name") != "life2" or j.get("extra") != desc["extra"] or j.get("uuid") != desc["uuid"] or \
   j.get("memory_mib") != 64 or j.get("cmdline") != "workload=counter:20":
    fail("GET_CONFIG after the rename: %r" % j)
if json.load(open("%s/domains/%d/config.json" % (RUNDIR, d), encoding="utf-8")) != j:
    fail("config.json does not hold the renamed description")
if console_log("life") or not console_log("life2"):
    fail("the console log was not renamed")
n = len(console_log("life2"))
wait_for(lambda: len(console_log("life2")) > n, "output in the renamed log")
if h.rename(d, "9999", check=False) != -EINVAL:
    fail("an all-digit name was not refused with EINVAL")
ok("rename: renamed, the stored description and the console log follow")

pid = h.info(d).vmm_pid
h.shutdown(d)
e = ev.wait_event(EV_SHUTDOWN, d)
if e[2] != CODE_POWEROFF:
    fail("shutdown event code %d" % e[2])
ev.wait_event(EV_DEATH, d)
if h.info(d) is not None or h.list()[0]:
    fail("the domain is still there after poweroff with on_poweroff=destroy")
if os.path.exists("%s/domains/%d" % (RUNDIR, d)):
    fail("its directory is still there")
wait_for(lambda: not alive(pid), "hv-vmm to be reaped")
if b"minios: power button" not in console_log("life2"):
    fail("the guest did not see the power button")
ok("shutdown: power button, SHUTDOWN(poweroff) and DEATH events, nothing left")

d2 = h.create_running("life")
if d2 <= d:
    fail("domain ids went back: %d after %d" % (d2, d))
h.destroy(d2)
ok("ids only grow (%d), destroy of a running domain" % d2)
PY
