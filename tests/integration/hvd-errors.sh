#!/bin/sh
# hvd: refusals.  A kernel hv-vmm cannot boot (EVMM, nothing left behind),
# bad create and build parameters, malformed, truncated, oversized and
# unknown messages (an error reply each, and hvd serves on), and a peer
# with another uid (EPERM by SO_PEERCRED, then disconnected).
. "$HV_TESTS_SRC/lib.sh"
need_kvm
need_cmd python3
need_cmd setpriv "util-linux"
. "$HV_TESTS_SRC/integration/hvd-lib.sh"

hvd_start
printf 'this is not a kernel\n' >"$T/bad-kernel"
hvd_py "$T/bad-kernel" <<'PY'
import os, struct, sys
from hvc import *

h = Hvd()

# a kernel hv-vmm refuses
d = h.create("bad")
st = h.build(d, "", kernel=sys.argv[1], check=False)
if st != -EVMM:
    fail("building a bad kernel gave %s, expected EVMM" % ERRORS.get(-st, st))
if h.info(d) is not None or h.list()[0] or os.path.exists("%s/domains/%d" % (RUNDIR, d)):
    fail("a failed build left the domain behind")
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            if RUNDIR.encode() in open("/proc/%s/cmdline" % p, "rb").read():
                fail("a failed build left hv-vmm pid %s running" % p)
        except OSError:
            pass
log = open("%s/vmm-bad.log" % LOGDIR).read()
if "neither a PVH ELF kernel nor a bzImage" not in log:
    fail("hv-vmm's message is not in vmm-bad.log: %r" % log)
ok("a bad kernel: EVMM, no domain, no directory, no process; hv-vmm's reason in vmm-bad.log")

# creation parameters
def create_st(**kw):
    return h.create(kw.pop("name", "p"), check=False, **kw)
cases = [
    (dict(memory=8), EINVAL, "memory below 16 MiB"),
    (dict(vcpus=0), EINVAL, "0 vCPUs"),
    (dict(vcpus=65), EINVAL, "65 vCPUs"),
    (dict(vcpus=4, maxvcpus=2), EINVAL, "maxvcpus below vcpus"),
    (dict(memory=64, maxmem=32), EINVAL, "maxmem below memory"),
    (dict(on_crash=9), EINVAL, "an unknown action"),
    (dict(name="a/b"), EINVAL, "a name with a slash"),
    (dict(name=""), EINVAL, "an empty name"),
    (dict(name="123"), EINVAL, "an all-digit name"),
]
for kw, want, what in cases:
    st = create_st(**kw)
    if st != -want:
        fail("create with %s gave %s, expected %s" % (what, ERRORS.get(-st, st), ERRORS[want]))
body = bytearray(CREATE.pack(b"x" * 64, bytes(16), 1, 1, 64, 64, 0, 0, 0, 0, 0, 0, 0))
if h.call(CREATE_OP, bytes(body), check=False)[0] != -EPROTO:
    fail("a name without its NUL was not refused with EPROTO")
body = CREATE.pack(b"r", bytes(16), 1, 1, 64, 64, 0, 0, 0, 0, 0, 1, 0)
if h.call(CREATE_OP, body, check=False)[0] != -EPROTO:
    fail("a non-zero reserved field was not refused with EPROTO")
if h.list()[0]:
    fail("a refused create left a domain")
ok("create refuses bad sizes, counts, actions, names and reserved fields")

# build descriptors
d = h.create("fds")
b = BUILD.pack(d, 0, 0, 0, b"")
if h.call(BUILD_OP, b, check=False)[0] != -EBADF:
    fail("a build without a kernel descriptor was not refused with EBADF")
r, w = os.pipe()
if h.call(BUILD_OP, b, [r], check=False)[0] != -EBADF:
    fail("a pipe as the kernel was not refused with EBADF")
k = os.open(os.environ["MINIOS"], os.O_RDONLY)
if h.call(BUILD_OP, b, [k, k], check=False)[0] != -EBADF:
    fail("two descriptors without the initrd flag were not refused with EBADF")
if h.call(BUILD_OP, BUILD.pack(d, 0, 7, 0, b""), [k], check=False)[0] != -EINVAL:
    fail("an unknown boot protocol was not refused with EINVAL")
if h.call(BUILD_OP, BUILD.pack(d + 100, 0, 0, 0, b""), [k], check=False)[0] != -ENOENT:
    fail("a build of no domain was not refused with ENOENT")
if h.call(ADD_DEVICE, struct.pack("<II256s", d, 1, b""), check=False)[0] != -ENOTSUP:
    fail("add-device did not say ENOTSUP")
if h.pause(d, check=False) != -ESTATE:
    fail("pause of a BUILDING domain was not refused with ESTATE")
if h.info(d).state != BUILDING:
    fail("refused builds changed the domain")
h.destroy(d)
ok("build refuses missing, wrong and extra descriptors; add-device is ENOTSUP")

# malformed messages
def raw(data, fds=()):
    return h.raw_call(bytes(data), fds)[1]
def hdr(op=PHYSINFO, length=None, magic=MAGIC, version=VERSION, flags=0, seq=77, status=0,
        r0=0, body=b""):
    return HDR.pack(magic, version, op, flags, HDR.size + len(body) if length is None else length,
                    seq, status, r0, 0) + body
checks = [
    (hdr(magic=0x12345678), EPROTO, "a wrong magic"),
    (hdr(version=9), EVERSION, "a newer version"),
    (hdr(length=HDR.size + 4), EPROTO, "a length that is not the message's"),
    (hdr()[:20], EPROTO, "a truncated header"),
    (hdr(op=99), EOPNOTSUPP, "an unknown op"),
    (hdr(op=EVENT_OP, body=bytes(EVENT.size)), EOPNOTSUPP, "an event sent to hvd"),
    (hdr(flags=F_REPLY), EPROTO, "a reply sent to hvd"),
    (hdr(flags=0x100), EPROTO, "unknown flags"),
    (hdr(status=-1), EPROTO, "a request with a status"),
    (hdr(r0=1), EPROTO, "a reserved header field"),
    (hdr(op=GETINFO, body=DOMID.pack(1, 0) + b"\1"), EPROTO, "non-zero bytes past the body"),
    (hdr(op=GETINFO, body=DOMID.pack(4000, 0) + bytes(8)), ENOENT, "zero bytes past the body"),
    (hdr(op=GETINFO, body=DOMID.pack(1, 5)), EPROTO, "a reserved body field"),
    (hdr(op=GETINFO), ENOENT, "a short body (domain 0)"),
    (hdr(op=SHUTDOWN, body=DOMID.pack(1, 7)), EINVAL, "an unknown shutdown reason"),
    (hdr(op=PHYSINFO, body=bytes(70000 - HDR.size)), EPROTO, "an oversized message"),
]
for data, want, what in checks:
    st = raw(data)
    if st != -want:
        fail("%s gave %s, expected %s" % (what, ERRORS.get(-st, st), ERRORS[want]))
if raw(hdr(op=LIST_OP, body=LIST.pack(0, 0)), [k]) != -EBADF:
    fail("a descriptor with LIST was not refused with EBADF")
if raw(hdr(op=BUILD_OP, body=BUILD.pack(1, 0, 0, 0, b"")), [k] * 9) != -EBADF:
    fail("nine descriptors were not refused with EBADF")
if h.physinfo()[6] != int(open(RUNDIR + "/hvd.pid").read()):
    fail("hvd does not answer after the malformed messages")
ok("%d malformed or unknown messages: one error reply each, hvd serves on" % (len(checks) + 2))
PY

# another uid: hvd must refuse it by SO_PEERCRED, so open the files up
chmod 755 "$T" "$T/run"
chmod 666 "$T/run/hvd.sock"
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
PYTHONPATH=$T setpriv --reuid=nobody --regid=nogroup --clear-groups "$py" - <<'PY' || exit 1
import os
from hvc import *

h = Hvd()
st = h.call(PHYSINFO, check=False)[0]
if st != -EPERM:
    fail("a peer with uid %d got %s, expected EPERM" % (os.getuid(), ERRORS.get(-st, st)))
try:
    h.s.settimeout(5)
    if h.s.recv(100):
        fail("hvd sent more to a refused peer")
except ConnectionResetError:
    pass
ok("uid %d: EPERM, then disconnected" % os.getuid())
PY
expect_line "$T/log/hvd.log" "refusing a client with uid 65534" "hvd's log"
kill -0 "$HVD_PID" || fail "hvd died"
ok "hvd logged the refusal and serves on"
