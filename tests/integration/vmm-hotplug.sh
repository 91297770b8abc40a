#!/bin/sh
# Disk hotplug on hv-vmm's control channel (hypervisor/include/public/vmm.h),
# as hvd drives it: DISK_ATTACH of a disk (the description with it, its
# target's descriptor) makes the device and hv-vmm holds the image; the
# same vdev again is refused (-EEXIST); DISK_DETACH asks the guest (minios
# has no hotplug driver, so nothing more happens and the disk stays);
# DISK_DETACH with FORCE removes it at once, DISK_EJECTED follows and the
# image is closed; a detach of a disk it does not have is -ENOENT, and
# malformed bodies are -EPROTO; the guest runs on throughout.
. "$HV_TESTS_SRC/lib.sh"
need_kvm
need_cmd python3
truncate -s 4M "$T/b.img"

exec python3 - "$HV_VMM" "$MINIOS" "$T" <<'PY'
import json, os, socket, struct, subprocess, sys, time

vmm, minios, tmp = sys.argv[1], sys.argv[2], sys.argv[3]
MAGIC, VERSION = 0x4d4d5648, 1
HDR = struct.Struct("<IHHIIII")
BUILD, DISK_ATTACH, DISK_DETACH = 8, 11, 12
EV_RUNNING, EV_DISK_EJECTED = 64, 67
FORCE = 1
EEXIST, ENOENT, EPROTO, EBADF = 17, 2, 71, 9
scale = int(os.environ.get("HV_TEST_TIME_SCALE", "1"))

def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)

parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
parent.settimeout(20 * scale)
out = open(tmp + "/console", "w+b")
p = subprocess.Popen([vmm, "run", "--control-fd", str(child.fileno())],
                     pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, stdout=out)
child.close()

desc = {"name": "hp", "type": "pvh", "memory_mib": 64, "vcpus": 1, "kernel": minios,
        "cmdline": "workload=counter:20"}
seq = 0

def msg(op, body):
    global seq
    seq += 1
    return HDR.pack(MAGIC, VERSION, op, 0, HDR.size + len(body), seq, 0) + body

events = []
def call(op, body, fds=()):
    m = msg(op, body)
    if fds:
        socket.send_fds(parent, [m], list(fds))
    else:
        parent.send(m)
    while True:
        r = parent.recv(4096)
        _, _, rop, flags, length, rseq, _ = HDR.unpack_from(r)
        if flags & 1 and rseq == seq:
            status, = struct.unpack_from("<i", r, HDR.size)
            return status, r[HDR.size + 8:].rstrip(b"\0").decode(errors="replace")
        events.append((rop, r[HDR.size:]))

def wait_event(op):
    deadline = time.time() + 20 * scale
    while time.time() < deadline:
        for e in events:
            if e[0] == op:
                events.remove(e)
                return e[1]
        r = parent.recv(4096)
        _, _, rop, flags, _, _, _ = HDR.unpack_from(r)
        events.append((rop, r[HDR.size:]))
    fail("no event %d" % op)

def holds(pid, path):
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == path:
                return True
        except OSError:
            pass
    return False

kfd = os.open(minios, os.O_RDONLY)
cfg = json.dumps(desc).encode()
st, text = call(BUILD, struct.pack("<II", 0, len(cfg)) + cfg, [kfd])
os.close(kfd)
if st:
    fail("BUILD: %d %s" % (st, text))
wait_event(EV_RUNNING)

def counters():
    with open(tmp + "/console", "rb") as f:
        return sum(1 for l in f.read().decode(errors="replace").splitlines()
                   if l.startswith("minios: counter "))

def wait_counters(n, what):
    deadline = time.time() + 20 * scale
    while counters() < n:
        if time.time() > deadline or p.poll() is not None:
            fail("timed out waiting for " + what)
        time.sleep(0.05)

wait_counters(1, "the guest's counter")
seen = counters()

img = tmp + "/b.img"
with_disk = dict(desc, disks=[{"target": img, "format": "raw", "vdev": "xvdb", "access": "rw",
                               "devtype": "disk"}])
def attach(d, index=0, fds=None):
    cfg = json.dumps(d).encode()
    if fds is None:
        fds = [os.open(img, os.O_RDWR)]
    body = struct.pack("<IIII", 0, index, len(cfg), 0) + cfg
    try:
        return call(DISK_ATTACH, body, fds)
    finally:
        for f in fds:
            os.close(f)

st, text = attach(with_disk)
if st:
    fail("DISK_ATTACH: %d %s" % (st, text))
if not holds(p.pid, img):
    fail("hv-vmm does not hold the attached image")
print("ok: DISK_ATTACH: the device is made and hv-vmm holds the image")

st, text = attach(with_disk)
if st != -EEXIST or "xvdb" not in text:
    fail("a second xvdb: %d %r, expected -EEXIST naming xvdb" % (st, text))
st, text = attach(with_disk, fds=[])
if st != -EBADF:
    fail("DISK_ATTACH without a descriptor: %d %r, expected -EBADF" % (st, text))
st, text = attach(with_disk, index=3)
if st == 0:
    fail("DISK_ATTACH of a disk the description does not have was accepted")
print("ok: the same vdev again, no descriptor, a disk index out of range: refused with a reason")

def detach(vdev, flags=0):
    return call(DISK_DETACH, struct.pack("<II32s", flags, 0, vdev.encode()))

st, text = detach("xvdc")
if st != -ENOENT or "xvdc" not in text:
    fail("detach of xvdc: %d %r, expected -ENOENT naming it" % (st, text))
st, text = call(DISK_DETACH, struct.pack("<II", 0, 0))
if st != -EPROTO:
    fail("a short DISK_DETACH: %d, expected -EPROTO" % st)
st, text = detach("xvdb")
if st:
    fail("DISK_DETACH (ask the guest): %d %s" % (st, text))
if not holds(p.pid, img) or any(e[0] == EV_DISK_EJECTED for e in events):
    fail("the disk went although the guest did not eject it")
print("ok: DISK_DETACH asks the guest; minios does not eject, so the disk stays")

st, text = detach("xvdb", FORCE)
if st:
    fail("DISK_DETACH FORCE: %d %s" % (st, text))
ev = wait_event(EV_DISK_EJECTED)
if ev.rstrip(b"\0").decode() != "xvdb":
    fail("DISK_EJECTED names %r" % ev)
if holds(p.pid, img):
    fail("hv-vmm still holds the image after a forced detach")
st, text = attach(with_disk)
if st:
    fail("attaching xvdb again after the forced detach: %d %s" % (st, text))
print("ok: DISK_DETACH FORCE: DISK_EJECTED follows, the image is closed, the slot is free again")

if p.poll() is not None:
    fail("hv-vmm exited (%s)" % p.returncode)
# the guest runs on: its counter goes past where it was before the hotplug
wait_counters(seen + 1, "the guest's counter to go on after the hotplug")
p.kill()
p.wait()
print("ok: the guest ran on through all of it")
PY
