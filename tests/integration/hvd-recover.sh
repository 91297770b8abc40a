#!/bin/sh
# hvd survives its own death: kill -9 of hvd with domains running, a new
# hvd finds them all (listed, controllable, consoles still logging, one
# that powered off meanwhile handled by its on_poweroff); and kill -9 of
# an hv-vmm counts as a crash (on_crash applies).
. "$HV_TESTS_SRC/lib.sh"
need_kvm
need_cmd python3
. "$HV_TESTS_SRC/integration/hvd-lib.sh"

hvd_start
hvd_py <<'PY'
from hvc import *
h = Hvd()
a = h.create_running("ra", "workload=counter:20", on_crash=PRESERVE)
b = h.create_paused("rb", "workload=counter:20")
c = h.create_running("rc", "workload=idle", on_crash=RESTART)
d = h.create_running("rd", "workload=idle", on_poweroff=PRESERVE)
wait_for(lambda: b"counter 2" in console_log("ra"), "ra to run")
with open(RUNDIR + "/../pids", "w") as f:
    for x in h.list()[0]:
        f.write("%s %d %d\n" % (x.name, x.domid, x.vmm_pid))
ok("four domains: ra running, rb paused, rc and rd running")
PY
kill -9 "$HVD_PID"
sleep 0.2
while read -r name domid pid; do
	kill -0 "$pid" 2>/dev/null || fail "hv-vmm of $name (pid $pid) died with hvd"
done <"$T/pids"
ok "kill -9 of hvd: every hv-vmm runs on"

# rd powers off while no hvd watches
rd_pid=$(sed -n 's/^rd [0-9]* //p' "$T/pids")
kill -USR1 "$rd_pid"
i=0
rd_max=$(($(scaled 10) * 10))
while kill -0 "$rd_pid" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt "$rd_max" ] || fail "rd did not power off"; sleep 0.1
done
[ "$(cat "$T"/run/domains/*/exit 2>/dev/null)" = 0 ] || fail "rd left no exit file saying 0"

hvd_start
hvd_py <<'PY'
import os, signal, time
from hvc import *
h = Hvd()
ev = Hvd()
ev.subscribe()
was = {}
for line in open(RUNDIR + "/../pids"):
    name, domid, pid = line.split()
    was[name] = (int(domid), int(pid))
now = {x.name: x for x in h.list()[0]}
if sorted(now) != ["ra", "rb", "rc", "rd"]:
    fail("the new hvd lists %r" % sorted(now))
for name in ("ra", "rb", "rc"):
    if (now[name].domid, now[name].vmm_pid) != was[name]:
        fail("%s: now %r, was %r" % (name, now[name], was[name]))
if now["ra"].state != RUNNING or now["rb"].state != PAUSED or now["rc"].state != RUNNING:
    fail("states after the restart: %r" % now)
if now["rd"].state != SHUTDOWN_S or now["rd"].shutdown_code != CODE_POWEROFF or now["rd"].vmm_pid:
    fail("rd powered off while hvd was away, but is %r" % now["rd"])
ok("a new hvd lists all four with the same ids and pids; rd preserved as powered off")

a, b, c, d = (now[n].domid for n in ("ra", "rb", "rc", "rd"))
n = len(console_log("ra"))
wait_for(lambda: len(console_log("ra")) > n, "ra's console log to grow")
check_pause(h, a, "ra")
h.unpause(b)
wait_for(lambda: b"counter 2" in console_log("rb"), "rb to run")
read_console(h, a, b"counter")
h.destroy(d)
ok("after the restart: consoles log, pause/unpause/console/destroy work")

# kill -9 of an hv-vmm is a crash
os.kill(was["ra"][1], signal.SIGKILL)
e = ev.wait_event(EV_CRASH, a)
i = wait_for(lambda: (lambda x: x if x and x.state == CRASHED else None)(h.info(a)), "ra CRASHED")
if i.shutdown_code != CODE_CRASH or i.vmm_pid:
    fail("ra after kill -9: %r" % i)
os.kill(was["rc"][1], signal.SIGKILL)
ev.wait_event(EV_CRASH, c)
e = ev.wait_event(EV_CREATED, name="rc")
wait_for(lambda: (lambda x: x and x.state == RUNNING)(h.info(e[1])), "rc restarted")
ok("kill -9 of hv-vmm: CRASH event; on_crash=preserve keeps ra, on_crash=restart restarts rc")

# a clean stop keeps the domains too
os.kill(int(open(RUNDIR + "/hvd.pid").read()), signal.SIGTERM)
wait_for(lambda: not os.path.exists(RUNDIR + "/hvd.sock"), "hvd to stop")
PY
[ -e "$T/run/hvd.pid" ] && fail "a stopped hvd left its pid file"
hvd_start
hvd_py <<'PY'
from hvc import *
h = Hvd()
l = {x.name: x for x in h.list()[0]}
if sorted(l) != ["ra", "rb", "rc"] or l["rb"].state != RUNNING or l["ra"].state != CRASHED:
    fail("after SIGTERM and a new hvd: %r" % l)
pids = [x.vmm_pid for x in l.values() if x.vmm_pid]
for x in l.values():
    h.destroy(x.domid)
if h.list()[0]:
    fail("domains left after destroying all")
for p in pids:
    wait_for(lambda: not alive(p), "hv-vmm %d to end" % p)
ok("SIGTERM stops hvd and keeps the domains; all destroyed, no hv-vmm left")
PY
