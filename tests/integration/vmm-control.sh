#!/bin/sh
# The control channel hvd uses (hypervisor/include/public/vmm.h): hv-vmm
# started with only --control-fd gets the domain in its first request
# (BUILD: the description's JSON and the kernel as a descriptor), then
# query (with the balloon's part: the RAM is maxmem, the target memory),
# MEM_TARGET and its refusals, pause/unpause (the guest's counter stops and resumes), a second
# BUILD or RESTORE refused (-EBUSY), malformed and unknown messages
# refused, power button, and the exit event.  First requests that fail
# (a bad description, a missing descriptor, another op) get a reply with
# hv-vmm's reason, and hv-vmm exits 1 without running anything.
. "$HV_TESTS_SRC/lib.sh"
need_kvm
need_cmd python3

exec python3 - "$HV_VMM" "$MINIOS" <<'PY'
import json, os, socket, struct, subprocess, sys, time

vmm, minios = sys.argv[1], sys.argv[2]
MAGIC, VERSION = 0x4d4d5648, 1
HDR = struct.Struct("<IHHIIII")
QUERY, PAUSE, UNPAUSE, POWER_BUTTON, BUILD, RESTORE, MEM_TARGET = 1, 2, 3, 4, 8, 9, 13
EV_RUNNING, EV_EXIT = 64, 65
BUILD_PAUSED, BUILD_RAMDISK = 1, 2
EPROTO, EBUSY, EBADF, EINVAL = 71, 16, 9, 22

def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)

tmp = os.environ.get("T", "/tmp")

def spawn(out):
    """hv-vmm as hvd starts it: only the control channel; the domain comes in BUILD."""
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    parent.settimeout(20)
    p = subprocess.Popen([vmm, "run", "--control-fd", str(child.fileno())],
                         pass_fds=[child.fileno()], stdin=subprocess.DEVNULL,
                         stdout=out, stderr=subprocess.PIPE)
    child.close()
    return p, parent

def describe(**kw):
    d = {"name": "ctl", "type": "pvh", "memory_mib": 128, "vcpus": 1, "kernel": minios,
         "cmdline": "workload=counter:50"}
    d.update(kw)
    return json.dumps(d).encode()

def send(sock, msg, fds=()):
    if fds:
        socket.send_fds(sock, [msg], list(fds))
    else:
        sock.send(msg)

def build_msg(seq, config, flags=0):
    body = struct.pack("<II", flags, len(config)) + config
    return HDR.pack(MAGIC, VERSION, BUILD, 0, HDR.size + len(body), seq, 0) + body

def first_request(msg, fds):
    """Sends @msg as the first request to a fresh hv-vmm: (status, message, exit status)."""
    con = open(tmp + "/refused.console", "w+b")
    q, s = spawn(con)
    send(s, msg, fds)
    m = s.recv(4096)
    magic, ver, op, flags, length, seq, res = HDR.unpack_from(m)
    if magic != MAGIC or length != len(m) or not flags & 1:
        fail("the reply to a first request is malformed: %r" % m)
    status, = struct.unpack_from("<i", m, HDR.size)
    text = m[HDR.size + 8:]
    if status and (not text.endswith(b"\0") or len(text) > 256):
        fail("a failed reply's message is not a NUL-terminated string of at most 255 bytes: %r" % text)
    rc = q.wait(timeout=20)
    s.close()
    con.seek(0)
    if status and con.read():
        fail("the guest ran although its first request was refused")
    return status, text[:-1].decode(errors="replace"), rc

kfd = os.open(minios, os.O_RDONLY)
for msg, fds, want, needle, what in (
        (build_msg(1, b'{"name": "ctl", "kernel": "/k", "memory_mib": }'), [kfd], -EINVAL,
         "JSON", "a BUILD with malformed JSON"),
        (build_msg(1, describe(nmae="x")), [kfd], -EINVAL, "nmae", "a BUILD with an unknown key"),
        (build_msg(1, describe()), [], -EBADF, "descriptor", "a BUILD without the kernel"),
        (build_msg(1, describe(), BUILD_RAMDISK), [kfd], -EBADF, "descriptor",
         "a BUILD with the ramdisk flag and one descriptor"),
        (HDR.pack(MAGIC, VERSION, QUERY, 0, HDR.size, 1, 0), [], -EPROTO, "BUILD or RESTORE",
         "a QUERY before BUILD")):
    st, text, rc = first_request(msg, fds)
    if st != want or needle not in text or rc != 1:
        fail("%s: status %d %r, exit %d; expected %d with a message naming %r, exit 1" %
             (what, st, text, rc, want, needle))
print("ok: failed first requests (bad JSON, unknown key, missing descriptors, not BUILD): "
      "a reply with hv-vmm's reason, exit 1, nothing ran")

out = open(tmp + "/console", "w+b")
p, parent = spawn(out)
send(parent, build_msg(1, describe(maxmem_mib=192)), [kfd])
os.close(kfd)

def recv():
    m = parent.recv(4096)
    magic, ver, op, flags, length, seq, res = HDR.unpack_from(m)
    if magic != MAGIC or ver != VERSION or length != len(m):
        fail("bad message from hv-vmm: %r" % m)
    return op, flags, seq, m[HDR.size:]

seq = 1
def call(op, body=b"", raw=None, fds=()):
    global seq
    seq += 1
    msg = raw if raw is not None else HDR.pack(MAGIC, VERSION, op, 0, HDR.size + len(body), seq, 0) + body
    send(parent, msg, fds)
    while True:
        rop, flags, rseq, rbody = recv()
        if flags & 1:
            status, = struct.unpack_from("<i", rbody)
            return status, rbody[8:]

def counters():
    out.flush()
    out.seek(0)
    return [l for l in out.read().decode(errors="replace").splitlines() if l.startswith("minios: counter ")]

op, flags, rseq, body = recv()
if op != BUILD or not flags & 1 or rseq != 1 or struct.unpack_from("<i", body)[0] != 0:
    fail("the first message was not BUILD's reply with status 0: %r" % ((op, flags, rseq, body),))
op, flags, _, _ = recv()
if op != EV_RUNNING or not flags & 2:
    fail("the message after BUILD's reply was not the RUNNING event")
print("ok: BUILD on the control channel: reply 0, then the RUNNING event")

status, info = call(QUERY)
state, nvcpu, mem, cpu = struct.unpack_from("<IIQQ", info)
if status != 0 or state != 1 or nvcpu != 1 or mem != 192 << 20:
    fail("QUERY: status %d state %d vcpus %d mem %d" % (status, state, nvcpu, mem))
print("ok: QUERY running, 1 vCPU, 192 MiB of RAM (maxmem)")

def balloon():
    """QUERY's balloon part: target, current, allocated, stats_valid, age, features."""
    status, info = call(QUERY)
    if status != 0 or len(info) != 200:
        fail("QUERY: status %d, %d bytes (want 200, with the balloon's part)" % (status, len(info)))
    target, current, alloc, valid = struct.unpack_from("<QQQQ", info, 24)
    age, features = struct.unpack_from("<QI", info, 184)
    return target, current, alloc, valid, age, features

target, current, alloc, valid, age, features = balloon()
# minios has no balloon driver: it holds nothing, sent no statistics
if target != 128 << 20 or current != 192 << 20 or valid or age != (1 << 64) - 1 or features:
    fail("QUERY balloon: target %d current %d stats_valid %x age %d features %x" %
         (target, current, valid, age, features))
if not 0 < alloc <= 192 << 20:
    fail("QUERY balloon: allocated_bytes %d is not within the RAM" % alloc)
if call(MEM_TARGET, struct.pack("<QII", (100 << 20) + 100, 0, 0))[0] != 0:
    fail("MEM_TARGET 100 MiB was refused")
if balloon()[0] != 100 << 20:
    fail("QUERY balloon: the target is not 100 MiB after MEM_TARGET")
for body, want, what in ((struct.pack("<QII", 0, 0, 0), -EINVAL, "a target of 0"),
                         (struct.pack("<QII", 193 << 20, 0, 0), -EINVAL, "a target above the RAM"),
                         (struct.pack("<QII", 64 << 20, 1, 0), -EINVAL, "unknown flags"),
                         (struct.pack("<QII", 64 << 20, 0, 1), -EINVAL, "a non-zero reserved"),
                         (struct.pack("<Q", 64 << 20), -EPROTO, "a short body")):
    if call(MEM_TARGET, body)[0] != want:
        fail("MEM_TARGET with %s was not refused with %d" % (what, want))
if balloon()[0] != 100 << 20:
    fail("a refused MEM_TARGET changed the target")
print("ok: QUERY's balloon part (target 128 MiB of 192, no driver); MEM_TARGET sets it, refuses 0, above the RAM, flags, a short body")

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

# BUILD and RESTORE come only as the first request
k2 = os.open(minios, os.O_RDONLY)
st, text = call(None, raw=build_msg(seq + 1, describe()), fds=[k2])
if st != -EBUSY or not text.rstrip(b"\0"):
    fail("a second BUILD: status %d %r, expected -EBUSY with a message" % (st, text))
st, text = call(RESTORE, struct.pack("<IIQ", 0, 0, 0), fds=[k2])
if st != -EBUSY:
    fail("a RESTORE after BUILD: status %d %r, expected -EBUSY" % (st, text))
os.close(k2)
if struct.unpack_from("<I", call(QUERY)[1])[0] != 1:
    fail("the domain is not running on after the refused BUILD and RESTORE")
print("ok: a second BUILD and a RESTORE after it refused with -EBUSY; the domain runs on")

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
