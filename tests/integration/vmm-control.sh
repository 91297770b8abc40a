#!/bin/sh
# The control channel hvd uses (hypervisor/include/public/vmm.h): query,
# pause/unpause (the guest's counter stops and resumes), malformed and
# unknown messages refused, power button, and the exit event.
. "$HV_TESTS_SRC/lib.sh"
need_kvm
need_cmd python3

exec python3 - "$HV_VMM" "$MINIOS" <<'PY'
import os, socket, struct, subprocess, sys, time

vmm, minios = sys.argv[1], sys.argv[2]
MAGIC, VERSION = 0x4d4d5648, 1
HDR = struct.Struct("<IHHIIII")
QUERY, PAUSE, UNPAUSE, POWER_BUTTON = 1, 2, 3, 4
EV_RUNNING, EV_EXIT = 64, 65

def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)

parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
parent.settimeout(20)
out = open(os.environ.get("T", "/tmp") + "/console", "w+b")
p = subprocess.Popen([vmm, "run", "--kernel", minios, "--cmdline", "workload=counter:50",
                      "--control-fd", str(child.fileno())],
                     pass_fds=[child.fileno()], stdin=subprocess.DEVNULL,
                     stdout=out, stderr=subprocess.PIPE)
child.close()

def recv():
    m = parent.recv(4096)
    magic, ver, op, flags, length, seq, res = HDR.unpack_from(m)
    if magic != MAGIC or ver != VERSION or length != len(m):
        fail("bad message from hv-vmm: %r" % m)
    return op, flags, seq, m[HDR.size:]

seq = 0
def call(op, body=b"", raw=None):
    global seq
    seq += 1
    msg = raw if raw is not None else HDR.pack(MAGIC, VERSION, op, 0, HDR.size + len(body), seq, 0) + body
    parent.send(msg)
    while True:
        rop, flags, rseq, rbody = recv()
        if flags & 1:
            status, = struct.unpack_from("<i", rbody)
            return status, rbody[8:]

def counters():
    out.flush()
    out.seek(0)
    return [l for l in out.read().decode(errors="replace").splitlines() if l.startswith("minios: counter ")]

op, flags, _, _ = recv()
if op != EV_RUNNING or not flags & 2:
    fail("first message was not the RUNNING event")
print("ok: RUNNING event")

status, info = call(QUERY)
state, nvcpu, mem, cpu = struct.unpack_from("<IIQQ", info)
if status != 0 or state != 1 or nvcpu != 1 or mem != 128 << 20:
    fail("QUERY: status %d state %d vcpus %d mem %d" % (status, state, nvcpu, mem))
print("ok: QUERY running, 1 vCPU, 128 MiB")

deadline = time.time() + 20
while len(counters()) < 3:
    if time.time() > deadline:
        fail("the counter workload never started")
    time.sleep(0.1)

if call(PAUSE)[0] != 0:
    fail("PAUSE failed")
if struct.unpack_from("<I", call(QUERY)[1])[0] != 2:
    fail("QUERY after PAUSE does not say paused")
time.sleep(0.2)
n1 = len(counters())
time.sleep(1.0)
n2 = len(counters())
if n2 != n1:
    fail("the guest ran while paused (%d -> %d counter lines)" % (n1, n2))
print("ok: paused, counter stayed at %d lines" % n1)
if call(UNPAUSE)[0] != 0:
    fail("UNPAUSE failed")
time.sleep(1.0)
if len(counters()) <= n2:
    fail("the counter did not resume after UNPAUSE")
print("ok: unpaused, counter resumed")

bad = HDR.pack(MAGIC ^ 1, VERSION, QUERY, 0, HDR.size, 99, 0)
if call(None, raw=bad)[0] != -71:
    fail("a bad magic was not refused with -EPROTO")
if call(None, raw=b"\x01\x02")[0] != -71:
    fail("a truncated message was not refused with -EPROTO")
if call(None, raw=HDR.pack(MAGIC, VERSION, QUERY, 0, HDR.size, 5, 7))[0] != -71:
    fail("a non-zero reserved field was not refused")
if call(999)[0] != -95:
    fail("an unknown op was not refused with -EOPNOTSUPP")
print("ok: malformed and unknown messages refused")

if call(POWER_BUTTON)[0] != 0:
    fail("POWER_BUTTON failed")
while True:
    op, flags, _, body = recv()
    if op == EV_EXIT:
        reason, = struct.unpack_from("<I", body)
        break
rc = p.wait(timeout=20)
if reason != 0 or rc != 0:
    fail("after the power button: exit event %d, exit status %d" % (reason, rc))
print("ok: power button -> EXIT event 0, exit status 0")
PY
