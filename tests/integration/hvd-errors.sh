#!/bin/sh
# hvd: refusals.  A kernel hv-vmm cannot boot (EVMM with hv-vmm's reason,
# nothing left behind), bad descriptions in CREATE_DOMAIN (EINVAL with a
# message naming the key, ENOTSUP for what hv cannot run yet), its
# descriptors (EBADF), the disks' among them, the retired ops of the first ABI (EOPNOTSUPP),
# malformed, truncated, oversized and unknown messages (an error reply
# each, and hvd serves on), and a peer with another uid (EPERM by
# SO_PEERCRED, then disconnected).
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
ev = Hvd()
ev.subscribe()
st = h.create_domain(describe("bad", kernel=sys.argv[1]), check=False)
if st != -EVMM or "neither a PVH ELF kernel nor a bzImage" not in h.msg:
    fail("creating with a bad kernel gave %s %r, expected EVMM with hv-vmm's reason" %
         (ERRORS.get(-st, st), h.msg))
if h.list()[0] or os.listdir(RUNDIR + "/domains"):
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
ok("a bad kernel: EVMM \"%s\", no domain, no directory, no process" % h.msg)

# descriptions: each refused with a message that names what is wrong
def refused(config, want, needle, what, **kw):
    st = h.create_domain(config, check=False, **kw)
    if st != -want or needle not in h.msg:
        fail("CREATE_DOMAIN with %s gave %s %r, expected %s and a message naming %r" %
             (what, ERRORS.get(-st, st), h.msg, ERRORS[want], needle))
good = describe("p")
cases = [
    (b"{\"name\": \"p\", ", EINVAL, "JSON", "malformed JSON"),
    (b"[1, 2]", EINVAL, "object", "a JSON array"),
    (dict(good, nmae="q"), EINVAL, "nmae", "an unknown key"),
    (dict(good, memory_mib="64"), EINVAL, "memory_mib", "memory as a string"),
    (describe("p", memory=8), EINVAL, "memory", "memory below 16 MiB"),
    (describe("p", vcpus=0), EINVAL, "vcpus", "0 vCPUs"),
    (describe("p", vcpus=65), EINVAL, "vcpus", "65 vCPUs"),
    (describe("p", vcpus=4, maxvcpus=2), EINVAL, "maxvcpus", "maxvcpus below vcpus"),
    (describe("p", memory=64, maxmem=32), EINVAL, "maxmem", "maxmem below memory"),
    (describe("p", on_crash="explode"), EINVAL, "on_crash", "an unknown action"),
    (describe("a/b"), EINVAL, "name", "a name with a slash"),
    (describe(""), EINVAL, "name", "an empty name"),
    (describe("123"), EINVAL, "name", "an all-digit name"),
    ({k: v for k, v in good.items() if k != "name"}, EINVAL, "name", "no name"),
    ({k: v for k, v in good.items() if k != "kernel"}, EINVAL, "kernel", "no kernel"),
    (dict(good, disks=[{"target": "/img", "vdev": "xvda", "format": "qcow2"}]), ENOTSUP,
     "only raw images", "a qcow2 disk"),
    (dict(good, disks=[{"target": "/img%d" % i, "vdev": "xvd" + chr(97 + i)}
                       for i in range(13)]), EINVAL, "13 disks", "13 disks"),
    (dict(good, disks=[{"target": "/a", "vdev": "xvda"}, {"target": "/b", "vdev": "hda"}]),
     EINVAL, "names the same disk", "xvda and hda"),
    (dict(good, disks=[{"target": "/a", "vdev": "xvda", "queues": 9}]), EINVAL, "queues",
     "9 queues"),
    (dict(good, vifs=[{"bridge": "br0"}]), ENOTSUP, "network", "a vif"),
]
for config, want, needle, what in cases:
    refused(config, want, needle, what)
for body, want, what in ((b"", EINVAL, "no description"),
                         (b"x" * (CONFIG_MAX + 1), EINVAL, "a description over the limit")):
    st = h.create_domain(body, check=False)
    if st != -want:
        fail("CREATE_DOMAIN with %s gave %s, expected %s" % (what, ERRORS.get(-st, st), ERRORS[want]))
k = os.open(os.environ["MINIOS"], os.O_RDONLY)
cfg = config_bytes(good)
for flags, clen, res, tail, what in (
        (0, len(cfg) + 3, 0, b"", "a config_len past the message"),
        (0, len(cfg) - 1, 0, b"", "a config_len short of the message"),
        (0, len(cfg) + 2, 0, b"\0\0", "a NUL after the description"),
        (0, len(cfg), 1, b"", "a non-zero reserved field")):
    body = struct.pack("<IIII", flags, clen, res, 0) + cfg + tail
    st = h.call(CREATE_DOMAIN, body, [k], check=False)[0]
    if st != -EPROTO:
        fail("CREATE_DOMAIN with %s gave %s, expected EPROTO" % (what, ERRORS.get(-st, st)))
if h.create_domain(good, flags=0x80, check=False) != -EINVAL:
    fail("CREATE_DOMAIN with unknown flags was not refused with EINVAL")
if h.list()[0] or os.listdir(RUNDIR + "/domains"):
    fail("a refused create left a domain")
ok("CREATE_DOMAIN refuses %d bad descriptions (EINVAL or ENOTSUP, the key named), "
   "bad lengths, NULs, reserved fields and flags" % (len(cases) + 2))

# disks: one descriptor for each disk with a target, open as the disk is
img = os.environ["T"] + "/disk.img"
with open(img, "wb") as f:
    f.truncate(1 << 20)
r, w = os.pipe()
disk = dict(good, disks=[{"target": img, "vdev": "xvda"}])
for disks, config, needle, what in (
        ([], disk, "1 disk with a target, but 0 descriptors", "a disk without its descriptor"),
        ([img, img], disk, "but 2 descriptors", "two descriptors for one disk"),
        ([img], good, "0 disks with a target, but 1 descriptor", "a descriptor for no disk"),
        ([(img, os.O_RDONLY)], disk, "open read-only, the disk is read-write",
         "a read-only descriptor for a read-write disk"),
        ([(img, os.O_WRONLY)], disk, "write-only", "a write-only descriptor"),
        ([r], disk, "not a regular file or a block device", "a pipe as the disk"),
        ([img], dict(good, disks=[{"vdev": "hdc", "devtype": "cdrom", "access": "ro"}]),
         "0 disks with a target", "a descriptor for an empty CD-ROM drive")):
    st = h.create_domain(config, disks=disks, check=False)
    if st != -EBADF or needle not in h.msg:
        fail("CREATE_DOMAIN with %s gave %s %r, expected EBADF and %r" %
             (what, ERRORS.get(-st, st), h.msg, needle))
if h.list()[0] or os.listdir(RUNDIR + "/domains"):
    fail("a create refused for its disks left a domain")
ok("CREATE_DOMAIN refuses missing, extra and wrongly opened disk descriptors (EBADF, said)")

# descriptors: the kernel, and the ramdisk iff the flags say so
r, w = os.pipe()
for fds, flags, config, what in (
        ([], 0, good, "no kernel descriptor"),
        ([r], 0, good, "a pipe as the kernel"),
        ([k, k], 0, good, "two descriptors without the ramdisk flag"),
        ([k], CREATE_RAMDISK, describe("p", ramdisk="/initrd"), "the ramdisk flag and one descriptor"),
        ([k, r], CREATE_RAMDISK, describe("p", ramdisk="/initrd"), "a pipe as the ramdisk"),
        ([k, k], CREATE_RAMDISK, good, "a ramdisk the description does not name"),
        ([k], 0, describe("p", ramdisk="/initrd"), "a named ramdisk that did not come")):
    st = h.create_domain(config, flags=flags, fds=fds, check=False)
    if st != -EBADF:
        fail("CREATE_DOMAIN with %s gave %s, expected EBADF" % (what, ERRORS.get(-st, st)))
many = HDR.pack(MAGIC, VERSION, CREATE_DOMAIN, 0, HDR.size + CREATE_DOMAIN_S.size + len(cfg),
                99, 0, 0, 0) + CREATE_DOMAIN_S.pack(0, len(cfg), 0, 0) + cfg
if h.raw_call(many, [k] * (MAX_FDS + 1))[1] != -EBADF:
    fail("%d descriptors were not refused with EBADF" % (MAX_FDS + 1))
if h.list()[0] or os.listdir(RUNDIR + "/domains"):
    fail("a create refused for its descriptors left a domain")
# (the first ABI's BUILDING state, a domain created but not built, is gone:
# CREATE_DOMAIN answers once hv-vmm has built it, so there is no domain to
# look at between a create and its build)
d = h.create_paused("fds")
if h.call(ADD_DEVICE, struct.pack("<II256s", d, 1, b""), check=False)[0] != -ENOTSUP:
    fail("add-device did not say ENOTSUP")
if h.info(d).state != PAUSED:
    fail("add-device changed the domain")
h.destroy(d)
ok("CREATE_DOMAIN refuses missing, wrong and extra descriptors; add-device is ENOTSUP")

# the first ABI's ops are retired, their numbers never reused
for op, name in sorted(RETIRED_OPS.items()):
    for body, fds in ((b"", []), (bytes(120), []), (bytes(4112), [k])):
        st = h.call(op, body, fds, check=False)[0]
        if st != -EOPNOTSUPP:
            fail("the retired op %d (%s) gave %s, expected EOPNOTSUPP" % (op, name, ERRORS.get(-st, st)))
if h.list()[0]:
    fail("a retired op made a domain")
ok("the retired ops %s answer EOPNOTSUPP" %
   ", ".join("%d (%s)" % x for x in sorted(RETIRED_OPS.items())))

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
if raw(hdr(op=CANCEL_OP, body=CANCEL_S.pack(DOMID_INVALID, 12345))) != -ENOENT:
    fail("a CANCEL of no pending request was not answered ENOENT")
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
