#!/bin/sh
# hvd with many domains: 50 minios domains (64 MiB, workload=idle; 20 in the
# nested outer host, tests/nested/README) running
# at once, listed quickly, then all destroyed; and the rate of sequential
# CREATE_DOMAIN (paused: built, not run) + destroy.  Prints the figures; the targets are checked by
# scripts/bench-lifecycle, not here (timings on a loaded machine say little).
. "$HV_TESTS_SRC/lib.sh"
need_kvm
need_cmd python3
. "$HV_TESTS_SRC/integration/hvd-lib.sh"

hvd_start
hvd_py <<'PY'
import os, time
from hvc import *

# In the nested outer host (QEMU TCG, 2 GiB) 20 domains (LIST pages from the
# 11th), unless HVD_MANY says.
N = int(os.environ.get("HVD_MANY") or (20 if os.environ.get("HV_NESTED_INNER") else 50))
h = Hvd()
t0 = time.time()
doms = [h.create_running("m%d" % i, "workload=idle", memory=64) for i in range(N)]
t1 = time.time()
infos = h.list_all()
if len(infos) != N or any(x.state != RUNNING or not alive(x.vmm_pid) for x in infos):
    fail("%d domains listed, expected %d running: %r" % (len(infos), N, infos[:5]))
ok("%d domains running: created (CREATE_DOMAIN) in %.2f s (%.0f ms each)" %
   (N, t1 - t0, (t1 - t0) * 1000 / N))

times = []
for _ in range(20):
    s = time.perf_counter()
    infos, more = h.list()
    times.append(time.perf_counter() - s)
times.sort()
if len(infos) != N or more:
    fail("one LIST gave %d domains (more=%d), expected all %d" % (len(infos), more, N))
page, more = h.list(first=doms[10], maxn=7)
if [x.domid for x in page] != doms[10:17] or not more:
    fail("LIST from domain %d, at most 7: %r more=%d" % (doms[10], page, more))
ok("LIST of %d domains: median %.2f ms, max %.2f ms; pagination works" %
   (N, times[len(times) // 2] * 1000, times[-1] * 1000))

pids = [x.vmm_pid for x in infos]
t0 = time.time()
for d in doms:
    h.destroy(d)
t1 = time.time()
if h.list()[0]:
    fail("domains left after destroying all")
for p in pids:
    wait_for(lambda: not alive(p), "hv-vmm %d to end" % p, timeout=60)
if os.listdir(RUNDIR + "/domains"):
    fail("directories left: %r" % os.listdir(RUNDIR + "/domains"))
ok("%d domains destroyed in %.2f s, no hv-vmm and no directory left" % (N, t1 - t0))

M = 25
t0 = time.time()
for i in range(M):
    d = h.create_paused("cd%d" % i, "workload=idle", memory=64)
    h.destroy(d)
t1 = time.time()
rate = M / (t1 - t0)
ok("sequential CREATE_DOMAIN (paused) + destroy of 64 MiB minios: %.1f per second" % rate)
PY
