#!/bin/sh
# hv-vmm as hvd runs it: `hv-vmm run --control-fd N` and the options for
# its sockets and files only; the domain (description and kernel
# descriptor) comes in BUILD, the first request, here with BUILD_PAUSED;
# the control channel also on a socket that a restarted hvd can reconnect
# to, console to a log descriptor and to socket clients, exit status in a
# file.  The options a BUILD replaces (--cmdline, --paused, ...) are
# refused without --kernel.
. "$HV_TESTS_SRC/lib.sh"
need_kvm
need_cmd python3

exec python3 - "$HV_VMM" "$MINIOS" "$T" <<'PY'
import json, os, socket, struct, subprocess, sys, time

vmm, minios, tmp = sys.argv[1:4]
MAGIC, VERSION = 0x4d4d5648, 1
HDR = struct.Struct("<IHHIIII")

def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)

BUILD, BUILD_PAUSED = 8, 1

# the options a BUILD gives are refused in hvd mode
for opt in (["--cmdline", "x"], ["--paused"], ["--memory", "64"], ["--vcpus", "2"]):
    r = subprocess.run([vmm, "run", "--control-fd", "0"] + opt, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=20)
    if r.returncode != 1 or b"BUILD" not in r.stderr:
        fail("hv-vmm run --control-fd 0 %s: exit %d %r, expected 1 and a word on BUILD" %
             (" ".join(opt), r.returncode, r.stderr))
print("ok: --cmdline, --paused, --memory and --vcpus refused with --control-fd and no --kernel")

log = os.open(tmp + "/console.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
ctl, con, exitf = tmp + "/ctl.sock", tmp + "/con.sock", tmp + "/exit"
c0, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
c0.settimeout(20)
p = subprocess.Popen([vmm, "run", "--control-fd", str(child.fileno()), "--console", "none",
                      "--console-log-fd", str(log), "--console-socket", con,
                      "--control-socket", ctl, "--exit-file", exitf, "--name", "t1"],
                     pass_fds=[child.fileno(), log], stdin=subprocess.DEVNULL,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
child.close()
os.close(log)
config = json.dumps({"name": "t1", "type": "pvh", "memory_mib": 64, "vcpus": 1,
                     "kernel": minios, "cmdline": "workload=counter:20"}).encode()
body = struct.pack("<II", BUILD_PAUSED, len(config)) + config
kfd = os.open(minios, os.O_RDONLY)
socket.send_fds(c0, [HDR.pack(MAGIC, VERSION, BUILD, 0, HDR.size + len(body), 1000, 0) + body],
                [kfd])
os.close(kfd)
while True:
    m = c0.recv(4096)
    magic, ver, rop, flags, length, rseq, res = HDR.unpack_from(m)
    if flags & 1:
        break
st, = struct.unpack_from("<i", m, HDR.size)
if rop != BUILD or rseq != 1000 or st != 0:
    fail("BUILD: op %d seq %d status %d %r" % (rop, rseq, st, m[HDR.size + 8:]))
print("ok: BUILD (paused) on --control-fd: reply 0")

def connect(path, kind):
    for _ in range(200):
        try:
            s = socket.socket(socket.AF_UNIX, kind)
            s.connect(path)
            s.settimeout(20)
            return s
        except OSError:
            time.sleep(0.05)
    fail("cannot connect to " + path)

seq = 0
def call(s, op):
    global seq
    seq += 1
    s.send(HDR.pack(MAGIC, VERSION, op, 0, HDR.size, seq, 0))
    while True:
        m = s.recv(4096)
        magic, ver, rop, flags, length, rseq, res = HDR.unpack_from(m)
        if flags & 1 and rseq == seq:
            return struct.unpack_from("<i", m, HDR.size)[0], m[HDR.size + 8:]

c1 = connect(ctl, socket.SOCK_SEQPACKET)
st, info = call(c1, 1)
if st != 0 or struct.unpack_from("<I", info)[0] != 2:
    fail("a --paused domain does not say it is paused")
cons = connect(con, socket.SOCK_STREAM)
time.sleep(0.5)
if os.path.getsize(tmp + "/console.log") != 0:
    fail("the guest ran while paused")
print("ok: started paused, nothing ran")

if call(c1, 3)[0] != 0:
    fail("UNPAUSE failed")
buf = b""
deadline = time.time() + 20
while b"minios: counter 3" not in buf:
    if time.time() > deadline:
        fail("no console output on the socket: %r" % buf[-300:])
    buf += cons.recv(4096)
print("ok: console socket carries the guest's output")

# a second control connection (a restarted hvd) takes over
c2 = connect(ctl, socket.SOCK_SEQPACKET)
if call(c2, 1)[0] != 0:
    fail("QUERY on a new control connection failed")
print("ok: a new control connection takes over")
cons.send(b"v")
if call(c2, 4)[0] != 0:
    fail("POWER_BUTTON failed")
rc = p.wait(timeout=20)
if rc != 0:
    fail("exit status %d after the power button" % rc)
if open(exitf).read().strip() != "0":
    fail("exit file says %r" % open(exitf).read())
logtext = open(tmp + "/console.log", "rb").read()
if b"minios: boot ok" not in logtext or b"minios: power button" not in logtext:
    fail("the console log lacks the boot or the power button")
if os.path.exists(ctl) or os.path.exists(con):
    fail("hv-vmm left its sockets behind")
out, err = p.communicate()
if out:
    fail("hv-vmm wrote to stdout with --console none: %r" % out[:200])
print("ok: exit file 0, console log complete, sockets removed")
PY
