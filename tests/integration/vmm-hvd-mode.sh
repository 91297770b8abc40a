#!/bin/sh
# hv-vmm as hvd runs it: images as inherited descriptors, started paused,
# the control channel on a socket that a restarted hvd can reconnect to,
# console to a log descriptor and to socket clients, exit status in a file.
. "$HV_TESTS_SRC/lib.sh"
need_kvm
need_cmd python3

exec python3 - "$HV_VMM" "$MINIOS" "$T" <<'PY'
import os, socket, struct, subprocess, sys, time

vmm, minios, tmp = sys.argv[1:4]
MAGIC, VERSION = 0x4d4d5648, 1
HDR = struct.Struct("<IHHIIII")

def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)

kfd = os.open(minios, os.O_RDONLY)
log = os.open(tmp + "/console.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
ctl, con, exitf = tmp + "/ctl.sock", tmp + "/con.sock", tmp + "/exit"
p = subprocess.Popen([vmm, "run", "--kernel-fd", str(kfd), "--paused", "--console", "none",
                      "--console-log-fd", str(log), "--console-socket", con,
                      "--control-socket", ctl, "--exit-file", exitf, "--name", "t1",
                      "--cmdline", "workload=counter:20"],
                     pass_fds=[kfd, log], stdin=subprocess.DEVNULL,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)

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
