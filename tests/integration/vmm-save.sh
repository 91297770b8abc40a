#!/bin/sh
# Save and restore at hv-vmm's level, on the control channel as hvd drives
# it: the domain built by BUILD (its description and kernel descriptor),
# SAVE, then a new hv-vmm given the image by RESTORE (LAZY: mapped); the
# standalone `hv-vmm run --restore FILE` for the refusals.  minios with a counter and a dirty
# working set, 1 and 4 vCPUs: the counter goes on from where it was and the
# guest verifies its pages after the resume; a save that fails (full disk,
# closed pipe) leaves the domain running; SAVE with RESUME twice gives two
# images that both restore; corrupt, truncated and mismatched images are
# refused before any vCPU runs, standalone and in RESTORE's reply (lazy
# ones too: their mapped page data's CRCs are checked before the start);
# an eagerly restored domain
# runs on when its image is rewritten once its memory is copied out, and a
# writer opening the image before then waits for that (a read lease).
. "$HV_TESTS_SRC/lib.sh"
need_kvm
need_cmd python3

exec python3 - "$HV_VMM" "$MINIOS" "$T" <<'PY'
import atexit, json, os, re, signal, socket, struct, subprocess, sys, time

vmm, minios, T = sys.argv[1:4]
# Time limits grow on slow hosts (HV_TEST_TIME_SCALE, tests/lib.sh).
SCALE = float(os.environ.get("HV_TEST_TIME_SCALE") or 1)
MAGIC, VERSION = 0x4d4d5648, 1
HDR = struct.Struct("<IHHIIII")
QUERY, SAVE, BUILD, RESTORE, EV_RUNNING, EV_EXIT, EV_PROGRESS = 1, 7, 8, 9, 64, 65, 66
STATE_PAUSED = 2
SAVE_COMPRESS, SAVE_RESUME = 1, 2
RESTORE_PAUSED, RESTORE_LAZY = 1, 2
CONFIG = json.dumps({"name": "vmm-save", "type": "pvh", "memory_mib": 64, "vcpus": 1,
                     "kernel": minios}).encode()


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def ok(msg):
    print("ok: " + msg)


# every hv-vmm this test starts ends with it, whichever way it ends
domains = []


@atexit.register
def kill_all():
    for d in domains:
        if d.p.poll() is None:
            d.p.kill()
            d.p.wait()


signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
signal.signal(signal.SIGHUP, lambda *_: sys.exit(129))


class Domain:
    """An hv-vmm on a control socketpair, its console in a file, given its
    domain by the first request (@op BUILD or RESTORE, @body, @fds)."""

    def __init__(self, name, op, body, fds, args=()):
        self.name = name
        self.log = "%s/%s.console" % (T, name)
        self.errlog = "%s/%s.stderr" % (T, name)
        self.ctl, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.ctl.settimeout(60 * SCALE)
        self.p = subprocess.Popen([vmm, "run", "--console", "file:" + self.log,
                                   "--control-fd", str(child.fileno())] + list(args),
                                  pass_fds=[child.fileno()], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL,
                                  stderr=open(self.errlog, "wb"))
        child.close()
        domains.append(self)
        self.seq = 1
        self.events = []
        self.first = None
        msg = HDR.pack(MAGIC, VERSION, op, 0, HDR.size + len(body), 1, 0) + body
        socket.send_fds(self.ctl, [msg], fds)

    def started(self):
        """The reply to the first request: (status, message), progress aside."""
        while self.first is None:
            m = self.recv()
            if m is None:
                fail("%s: hv-vmm ended before it answered its first request: %s" %
                     (self.name, self.stderr()))
            op, fl, seq, body = m
            if fl & 1 and seq == 1:
                status, = struct.unpack_from("<i", body)
                self.first = (status, body[8:].split(b"\0")[0].decode(errors="replace"))
            else:
                self.events.append(m)
        return self.first

    def recv(self):
        m, fds, _, _ = socket.recv_fds(self.ctl, 65536, 4)
        for fd in fds:
            os.close(fd)
        if not m:
            return None
        magic, ver, op, flags, length, seq, res = HDR.unpack_from(m)
        if magic != MAGIC or ver != VERSION or length != len(m):
            fail("%s: bad message from hv-vmm: %r" % (self.name, m[:32]))
        return op, flags, seq, m[HDR.size:]

    def wait_running(self):
        st, msg = self.started()
        if st:
            fail("%s: hv-vmm refused its first request: %d %s" % (self.name, st, msg))
        while True:
            m = self.recv()
            if m is None:
                fail("%s: hv-vmm ended before RUNNING: %s" % (self.name, self.stderr()))
            if m[0] == EV_RUNNING:
                return
            self.events.append(m)

    def save(self, path, flags=0, fd=None, trunc=True):
        """SAVE to @path (or @fd); returns status, message or result, progress."""
        own = fd is None
        if own:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if trunc else 0), 0o644)
        self.seq += 1
        body = struct.pack("<II", flags, len(CONFIG)) + CONFIG
        msg = HDR.pack(MAGIC, VERSION, SAVE, 0, HDR.size + len(body), self.seq, 0) + body
        socket.send_fds(self.ctl, [msg], [fd])
        if own:
            os.close(fd)
        progress = []
        while True:
            m = self.recv()
            if m is None:
                fail("%s: hv-vmm ended during SAVE: %s" % (self.name, self.stderr()))
            op, fl, seq, body = m
            if fl & 2 and op == EV_PROGRESS:
                progress.append(struct.unpack_from("<QQ", body))
            elif fl & 1 and seq == self.seq:
                status, = struct.unpack_from("<i", body)
                rest = body[8:]
                if status:
                    return status, rest.split(b"\0")[0].decode(), progress
                return 0, struct.unpack_from("<QQQ", rest), progress

    def console(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode(errors="replace").replace("\r", "")
        except FileNotFoundError:
            return ""

    def stderr(self):
        with open(self.errlog, "rb") as f:
            return f.read().decode(errors="replace").strip()

    def counters(self):
        return [int(x) for x in re.findall(r"^minios: counter (\d+)", self.console(), re.M)]

    def last_counter(self):
        """The last counter the guest printed, once it has printed one."""
        self.wait_console(r"^minios: counter \d+$")
        return self.counters()[-1]

    def query(self):
        """QUERY: the domain's state (HV_VMM_STATE_*)."""
        self.seq += 1
        socket.send_fds(self.ctl, [HDR.pack(MAGIC, VERSION, QUERY, 0, HDR.size, self.seq, 0)], [])
        while True:
            m = self.recv()
            if m is None:
                fail("%s: hv-vmm ended before it answered QUERY: %s" % (self.name, self.stderr()))
            op, fl, seq, body = m
            if fl & 1 and seq == self.seq:
                status, = struct.unpack_from("<i", body)
                if status:
                    fail("%s: QUERY answered %d" % (self.name, status))
                return struct.unpack_from("<I", body, 8)[0]
            self.events.append(m)

    def wait_console(self, pattern, timeout=20, after=0):
        deadline = time.time() + timeout * SCALE
        while time.time() < deadline:
            m = re.search(pattern, self.console()[after:], re.M)
            if m:
                return m
            if self.p.poll() is not None:
                break
            time.sleep(0.05)
        fail("%s: no %r on the console (exit %s); stderr: %s; console tail: %r" %
             (self.name, pattern, self.p.poll(), self.stderr(), self.console()[-400:]))

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()
        self.ctl.close()


def boot(name, vcpus, extra=""):
    """A domain from BUILD: minios counting and dirtying pages."""
    config = json.dumps({"name": name, "type": "pvh", "memory_mib": 64, "vcpus": vcpus,
                         "kernel": minios,
                         "cmdline": "workload=counter:40 workload=dirty:8:16 " + extra}).encode()
    kfd = os.open(minios, os.O_RDONLY)
    d = Domain(name, BUILD, struct.pack("<II", 0, len(config)) + config, [kfd])
    os.close(kfd)
    d.wait_running()
    d.wait_console(r"^minios: counter 5$")
    return d


def restoring(name, image, *args, memory=0, vcpus=0):
    """A domain from RESTORE of @image; "--lazy" in @args is RESTORE_LAZY, the
    rest are hv-vmm's options."""
    flags = RESTORE_LAZY if "--lazy" in args else 0
    fd = os.open(image, os.O_RDONLY)
    d = Domain(name, RESTORE, struct.pack("<IIQ", flags, vcpus, memory), [fd],
               [a for a in args if a != "--lazy"])
    os.close(fd)
    return d


def restore(name, image, *args):
    d = restoring(name, image, *args)
    d.wait_running()
    return d


def saved_and_restored(d, path, name, what, generation=None):
    """Saves @d to @path and ends it; the domain restored from @path (as
    @name) says it resumed and verifies its pages."""
    st, res, _ = d.save(path, 0)
    if st:
        fail("%s: %s" % (what, res))
    d.kill()
    r = restore(name, path)
    if generation:
        r.wait_console(r"^minios: resumed generation=%d$" % generation)
    r.wait_console(r"^minios: dirty verify ok pages=\d+$")
    r.kill()


def check_continues(d, last, what, tail=""):
    """The restored guest says so, verifies its pages, and counts on from last.
    @tail: the saved domain's console after its last newline; a save can
    catch the guest half way through "minios: counter N+1" (the rest of the
    line goes to the restored domain's console), and then N+2 comes first."""
    d.wait_console(r"^minios: resumed generation=1$")
    d.wait_console(r"^minios: dirty verify ok pages=\d+$")
    d.wait_console(r"^minios: counter %d$" % (last + 3))
    c = d.counters()
    if "boot ok" in d.console():
        fail("%s: the guest booted again instead of resuming" % what)
    first = last + 1
    if tail and ("minios: counter %d\n" % (last + 1)).startswith(tail):
        first = last + 2
    if c[0] != first or c != list(range(c[0], c[0] + len(c))):
        fail("%s: counter after the restore goes %r, expected %d, %d, ... (saved console ends %r)" %
             (what, c[:6], first, first + 1, tail))


def corrupt(src, dst, at, byte=None):
    with open(src, "rb") as f:
        data = bytearray(f.read())
    if byte is None:
        data = data[:at]
    else:
        data[at] ^= byte
    with open(dst, "wb") as f:
        f.write(data)


def refused(name, image, pattern, *args):
    p = subprocess.run([vmm, "run", "--restore", image, "--console", "file:%s/%s.console" % (T, name)]
                       + list(args), stdin=subprocess.DEVNULL, capture_output=True, timeout=60 * SCALE)
    err = p.stderr.decode(errors="replace")
    if p.returncode != 1 or not re.search(pattern, err):
        fail("%s: exit %d, stderr %r; expected 1 and %r" % (name, p.returncode, err, pattern))
    con = "%s/%s.console" % (T, name)
    if os.path.exists(con) and os.path.getsize(con):
        fail("%s: the guest ran before the image was refused: %r" % (name, open(con).read()[:200]))
    return err.strip()


def refused_ctl(name, image, pattern, memory=0, vcpus=0):
    """RESTORE of @image refused in its reply, with a message; hv-vmm exits 1."""
    d = restoring(name, image, memory=memory, vcpus=vcpus)
    st, msg = d.started()
    rc = d.p.wait(timeout=60 * SCALE)
    d.ctl.close()
    if st >= 0 or not re.search(pattern, msg) or rc != 1:
        fail("%s: RESTORE answered %d %r, exit %d; expected a failure matching %r, exit 1" %
             (name, st, msg, rc, pattern))
    if os.path.exists(d.log) and os.path.getsize(d.log):
        fail("%s: the guest ran before the image was refused" % name)
    return msg


for vcpus in (1, 4):
    # save, the domain stays paused; restore eagerly and lazily
    d = boot("s%d" % vcpus, vcpus)
    img = "%s/s%d.img" % (T, vcpus)
    st, res, progress = d.save(img)
    if st:
        fail("save with %d vCPUs: %s" % (vcpus, res))
    if not progress or progress[-1][0] != progress[-1][1] or progress[-1][1] != 64 << 20:
        fail("save progress: %r" % progress[-3:])
    if os.path.getsize(img) != res[0]:
        fail("save says %d bytes, the file has %d" % (res[0], os.path.getsize(img)))
    # paused by the save: hv-vmm says so, and no counter came after its answer
    last = d.last_counter()
    tail = d.console().rsplit("\n", 1)[-1]
    if d.query() != STATE_PAUSED:
        fail("the domain ran on after a save without RESUME (QUERY: not paused)")
    if d.last_counter() != last:
        fail("the domain ran on after a save without RESUME")
    d.kill()
    ok("%d vCPU%s: saved %d bytes (%d pages, %d zero), %d progress reports; the domain stayed paused"
       % (vcpus, "s" if vcpus > 1 else "", res[0], res[1], res[2], len(progress)))
    for mode in ([], ["--lazy"]):
        r = restore("r%d%s" % (vcpus, "".join(mode)), img, *mode)
        check_continues(r, last, "restore%s of %d vCPUs" % (" " + mode[0] if mode else "", vcpus), tail)
        r.kill()
        ok("%d vCPUs, restore%s: resumed, pages verified, counter on from %d"
           % (vcpus, " --lazy" if mode else "", last))

# a restored domain saved onto the image it was restored from: eagerly
# restored, it owns its memory; lazily, its memory maps the file, and the
# save is refused (the domain runs on)
img = "%s/s1.img" % T
r = restore("same", img)
r.wait_console(r"^minios: resumed generation=1$")
st, res, _ = r.save(img, SAVE_RESUME, trunc=False)
if st:
    fail("save onto the image the domain was restored from: %s" % res)
r.wait_console(r"^minios: counter %d$" % (r.last_counter() + 2))
r.kill()
r = restore("same2", img, "--lazy")
r.wait_console(r"^minios: resumed generation=2$")
r.wait_console(r"^minios: dirty verify ok pages=\d+$")
st, msg, _ = r.save(img, 0, trunc=False)
if st != -16 or "mapped from this file" not in msg:
    fail("save of a lazily restored domain onto its own image: %d %r, expected -EBUSY" % (st, msg))
r.wait_console(r"^minios: counter %d$" % (r.last_counter() + 2))
saved_and_restored(r, img + ".2", "same3", "save of a lazily restored domain", 3)
ok("saved onto the image it was restored from (eager); lazily restored: refused (%s), saved elsewhere and restored" % msg)

# an eagerly restored domain's memory leaves the image a moment after the
# start (hv-vmm -v says when): the image may then be truncated and
# rewritten under the running domain, which runs on, and its next image
# still holds the working set it verifies
img = "%s/detach.img" % T
with open("%s/s1.img" % T, "rb") as f, open(img, "wb") as g:
    g.write(f.read())
r = restore("detach", img, "-v")
deadline = time.time() + 20 * SCALE
while "memory copied out of the image" not in r.stderr():
    if time.time() > deadline or r.p.poll() is not None:
        fail("detach: no \"memory copied out of the image\" from hv-vmm -v: %s" % r.stderr())
    time.sleep(0.05)
size = os.path.getsize(img)
with open(img, "r+b") as f:
    f.truncate(0)
    f.write(b"\xa5" * size)
# its memory may be out of the image before the guest printed a counter
last = r.last_counter()
r.wait_console(r"^minios: counter %d$" % (last + 3))
saved_and_restored(r, img + ".2", "detach2", "detach: save after the image was rewritten")
ok("eager restore: memory copied out of the image (%s); image rewritten, the domain ran on and saved its memory whole"
   % re.search(r"copied out of the image ([^;]*)", open("%s/detach.stderr" % T).read()).group(1))

# nor does a writer have to wait for that message: hv-vmm holds a read
# lease on the image until the memory is out, so opening it for writing
# right after the start waits for the copy, and the domain runs on whole
img = "%s/lease.img" % T
with open("%s/s1.img" % T, "rb") as f, open(img, "wb") as g:
    g.write(f.read())
r = restore("lease", img, "-v")
t = time.time()
with open(img, "r+b") as f:
    waited = time.time() - t
    if "memory copied out of the image" not in r.stderr():
        fail("lease: the image opened for writing before its memory was copied out: %s" % r.stderr())
    f.truncate(0)
    f.write(b"\x5a" * size)
last = r.last_counter()
r.wait_console(r"^minios: counter %d$" % (last + 3))
saved_and_restored(r, img + ".2", "lease2", "lease: save after the image was rewritten at once")
ok("eager restore: opened for writing at once, the image waited %.0f ms for the memory to be copied out; the domain ran on and saved its memory whole"
   % (waited * 1000))

# SAVE with RESUME twice while it runs; both images restore
d = boot("c", 2)
imgs = []
for i in range(2):
    img = "%s/c%d.img" % (T, i)
    flags = SAVE_RESUME | (SAVE_COMPRESS if i else 0)
    st, res, _ = d.save(img, flags)
    if st:
        fail("save -c #%d: %s" % (i, res))
    n = len(d.counters())
    d.wait_console(r"^minios: counter %d$" % (d.last_counter() + 2))
    imgs.append((img, d.counters()[n - 1] if n else 0))
d.kill()
for i, (img, _) in enumerate(imgs):
    r = restore("c%dr" % i, img)
    r.wait_console(r"^minios: resumed generation=1$")
    r.wait_console(r"^minios: dirty verify ok pages=\d+$")
    r.kill()
ok("two saves while running (one compressed); the domain ran on; both images restore")

# failed saves leave the domain running: a full disk, a pipe nobody reads
d = boot("f", 1)
full = os.open("/dev/full", os.O_WRONLY)
st, msg, _ = d.save(None, 0, fd=full)
os.close(full)
if st != -28 or "No space" not in msg:
    fail("save onto /dev/full: status %d %r, expected -ENOSPC with a message" % (st, msg))
n = d.last_counter()
d.wait_console(r"^minios: counter %d$" % (n + 3))
rd, wr = os.pipe()
os.close(rd)
st, msg2, _ = d.save(None, 0, fd=wr)
os.close(wr)
if st != -32:
    fail("save into a closed pipe: status %d %r, expected -EPIPE" % (st, msg2))
n = d.last_counter()
d.wait_console(r"^minios: counter %d$" % (n + 3))
d.kill()
ok("failed saves (%s; %s) leave the domain running" % (msg, msg2))

# refusals before any vCPU runs
img = "%s/s1.img" % T
size = os.path.getsize(img)
bad = "%s/bad.img" % T
corrupt(img, bad, size // 2, 0x40)
e = refused("bad", bad, r"CRC")
ok("a flipped byte in the page data: " + e)
corrupt(img, bad, 200, 0x01)
e = refused("bad-head", bad, r"CRC|refus|record")
ok("a flipped byte in the first records: " + e)
for cut in (0, 20, 4096, size // 3, size - 1):
    corrupt(img, bad, cut)
    refused("cut%d" % cut, bad, r"truncated|ends|past the end|empty|magic")
ok("truncated images (5 lengths) refused")
corrupt(img, bad, 8, 0x02)
e = refused("version", bad, r"version")
ok("a wrong version: " + e)
e = refused("memory", img, r"64 MiB.*128 MiB|MiB", "--memory", "128")
ok("memory other than the image's: " + e)
e = refused("vcpus", img, r"vCPU", "--vcpus", "2")
ok("vCPUs other than the image's: " + e)
# a CPU other than this host's: leaf 0's eax changed in CPU_POLICY (record
# 1), with the record's CRC made good again, so only the CPU check can refuse
import zlib
with open(img, "rb") as f:
    data = bytearray(f.read())
off = 32
rtype, rflags, rlen = struct.unpack_from("<III", data, off)
off += 16 + ((rlen + 7) & ~7) + 8
rtype, rflags, rlen = struct.unpack_from("<III", data, off)
if rtype != 2:
    fail("record 1 is of type %d, not CPU_POLICY" % rtype)
struct.pack_into("<I", data, off + 16 + 8 + 12, struct.unpack_from("<I", data, off + 16 + 8 + 12)[0] ^ 1)
total = 16 + ((rlen + 7) & ~7) + 8
struct.pack_into("<I", data, off + total - 8, zlib.crc32(bytes(data[off:off + total - 8])))
with open(bad, "wb") as f:
    f.write(data)
e = refused("cpu", bad, r"CPUID leaf 0x0\.0 differs")
ok("a CPU other than this host's: " + e)
with open(bad, "wb") as f:
    f.write(b"not a save image at all" * 100)
e = refused("garbage", bad, r"magic|not an hv save")
ok("not an image: " + e)

# the same refusals in RESTORE's reply on the control channel
e = refused_ctl("ctl-garbage", bad, r"magic|not an hv save")
e2 = refused_ctl("ctl-memory", img, r"MiB", memory=128)
e3 = refused_ctl("ctl-vcpus", img, r"vCPU", vcpus=2)
ok("RESTORE on the control channel refuses with a message: %s; %s; %s" % (e, e2, e3))

# lazy too: the page data is checked before any vCPU runs; corrupt data is refused
corrupt(img, bad, size // 2, 0x40)
r = restoring("lazybad", bad, "--lazy")
if r.p.wait(timeout=60 * SCALE) != 1 or "does not match the record's CRC" not in r.stderr():
    fail("lazy restore of a corrupt image: exit %s, stderr %r" % (r.p.returncode, r.stderr()))
r.ctl.close()
ok("lazy restore of corrupt page data: refused before any vCPU runs with %r" % r.stderr().splitlines()[-1])
PY
