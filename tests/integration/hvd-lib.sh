# Shared by the hvd-*.sh tests (sourced after lib.sh): starts an hvd of the
# test's own ($T/run, $T/log), kills it and every hv-vmm it left at the
# end, and writes $T/hvc.py, a small hypercall client (struct packing of
# hypervisor/include/public/hypercall.h) so the tests need neither libhv
# nor xl.  A domain is made as libhv makes it: its description (libhv's
# configuration JSON; describe() builds one from keyword arguments) and
# its kernel as a descriptor in one CREATE_DOMAIN (create_domain(), or
# create()/create_running()/create_paused() for short), a save image with
# its description in one RESTORE_DOMAIN (restore_domain()); cancel() gives
# up on a pending restore.

HVD=${HV_HVD:-$top_builddir/hypervisor/hvd/hvd}
HV_RUNDIR=$T/run
HV_LOGDIR=$T/log
export HVD HV_RUNDIR HV_LOGDIR HV_VMM MINIOS
[ -x "$HVD" ] || skip "hvd was not built ($HVD)"
[ -x "$HV_VMM" ] || skip "hv-vmm was not built ($HV_VMM)"
[ -f "$MINIOS" ] || skip "minios was not built ($MINIOS)"

# Kills (by pid, from their files) the hvd and the hv-vmms of this test.
hvd_cleanup() {
	if [ -f "$T/run/hvd.pid" ]; then
		kill -9 "$(cat "$T/run/hvd.pid")" 2>/dev/null
	fi
	for s in "$T"/run/domains/*/state; do
		[ -f "$s" ] || continue
		p=$(sed -n 's/^vmm_pid=//p' "$s")
		[ -z "$p" ] || [ "$p" = 0 ] || kill -9 "$p" 2>/dev/null
	done
	if [ -n "${HVD_KEEP:-}" ]; then
		echo "keeping $T"
		return
	fi
	rm -rf "$T"
}
trap 'hvd_cleanup' EXIT

# hvd_start [ARGS]: starts hvd (a daemon: returns once it serves).
hvd_start() {
	"$HVD" "$@" || { tail -n 30 "$T/log/hvd.log" >&2; fail "hvd $* did not start"; }
	[ -S "$T/run/hvd.sock" ] || fail "hvd returned but $T/run/hvd.sock is not there"
	HVD_PID=$(cat "$T/run/hvd.pid") || fail "hvd wrote no pid file"
}

# hvd_py: runs python3 with the client importable; the script on stdin.
hvd_py() {
	PYTHONPATH=$T python3 - "$@"
}

cat >"$T/hvc.py" <<'PY'
"""A small hypercall client for the hvd tests."""
import array, json, os, re, socket, struct, sys, time, uuid as uuidlib

# Time limits grow on slow hosts (HV_TEST_TIME_SCALE, tests/lib.sh): the
# helpers below scale the limits they are given.
SCALE = float(os.environ.get("HV_TEST_TIME_SCALE") or 1)

MAGIC, VERSION, MSG_MAX, MAX_FDS = 0x43485648, 1, 65536, 16
F_REPLY, F_EVENT, F_PROGRESS = 1, 2, 4
HDR = struct.Struct("<IHHIIIi2I")
CREATE_DOMAIN_S = struct.Struct("<II2I")    # struct hv_hc_create_domain
RESTORE_DOMAIN_S = struct.Struct("<II2I")   # struct hv_hc_restore_domain
CANCEL_S = struct.Struct("<II")
DOMID = struct.Struct("<II")
RENAME = struct.Struct("<II64s")
LIST = struct.Struct("<II")
INFO = struct.Struct("<II64s16sIIQQQQII4B3I")
PHYS = struct.Struct("<IIQQQII32s4I")
EVENT = struct.Struct("<IIII64s")
SAVE = struct.Struct("<IIII")
SAVE_RESULT = struct.Struct("<QQQQ")
PROGRESS = struct.Struct("<QQ")

# ops 1 (CREATE), 2 (BUILD), 11 (SET_CONFIG) and 14 (RESTORE) are retired
RETIRED_OPS = {1: "CREATE", 2: "BUILD", 11: "SET_CONFIG", 14: "RESTORE"}
(ADD_DEVICE, PAUSE, UNPAUSE, SHUTDOWN, DESTROY, GETINFO, RENAME_OP, CONSOLE) = range(3, 11)
GET_CONFIG, SAVE_OP, CANCEL_OP, CREATE_DOMAIN, RESTORE_DOMAIN = 12, 13, 15, 16, 17
PHYSINFO, LIST_OP, SUBSCRIBE, EVENT_OP = 32, 33, 64, 65
ERRORS = {0: "OK", 1: "EPROTO", 2: "EVERSION", 3: "EOPNOTSUPP", 4: "EPERM", 5: "ENOENT",
          6: "EEXIST", 7: "EINVAL", 8: "ESTATE", 9: "ENOMEM", 10: "EIO", 11: "EBADF",
          12: "ENOTSUP", 13: "EVMM", 14: "ECANCELED"}
EPROTO, EVERSION, EOPNOTSUPP, EPERM, ENOENT, EEXIST, EINVAL, ESTATE = 1, 2, 3, 4, 5, 6, 7, 8
ENOMEM, EIO, EBADF, ENOTSUP, EVMM, ECANCELED = 9, 10, 11, 12, 13, 14
CONFIG_MAX = MSG_MAX - HDR.size - CREATE_DOMAIN_S.size - 64     # HV_HC_CONFIG_MAX
DOMID_INVALID = 0xffffffff
CREATE_PAUSED, CREATE_RAMDISK = 1, 2
SAVE_CONTINUE, SAVE_PAUSED, SAVE_COMPRESS = 1, 2, 4
RESTORE_PAUSED, RESTORE_LAZY, RESTORE_KERNEL, RESTORE_INITRD = 1, 2, 4, 8
DESTROY_A, RESTART, PRESERVE, RENAME_RESTART = 0, 1, 2, 3
ACTIONS = {DESTROY_A: "destroy", RESTART: "restart", PRESERVE: "preserve",
           RENAME_RESTART: "rename-restart"}
# BUILDING (0) is in the ABI's enum but no client sees it any more: CREATE_DOMAIN
# answers once the domain is built
BUILDING, PAUSED, RUNNING, SHUTDOWN_S, CRASHED, DYING = range(6)
EV_SHUTDOWN, EV_DEATH, EV_CRASH, EV_CREATED = 1, 2, 3, 4
CODE_NONE, CODE_POWEROFF, CODE_REBOOT, CODE_CRASH = range(4)
RUNDIR = os.environ.get("HV_RUNDIR", "")
LOGDIR = os.environ.get("HV_LOGDIR", "")


def fail(msg):
    print("FAIL: " + msg, flush=True)
    # what hvd said last, which a nested run's outer host takes with it
    try:
        with open(os.path.join(LOGDIR, "hvd.log"), errors="replace") as f:
            tail = f.readlines()[-40:]
        print("--- the end of hvd's log:\n" + "".join(tail), end="", flush=True)
    except OSError:
        pass
    sys.exit(1)


def ok(msg):
    print("ok: " + msg, flush=True)


def cstr(b):
    return b.split(b"\0", 1)[0].decode()


def action(a):
    return ACTIONS[a] if isinstance(a, int) else a


def describe(name, memory=64, vcpus=1, maxvcpus=None, maxmem=None, on_poweroff=DESTROY_A,
             on_reboot=RESTART, on_crash=DESTROY_A, cmdline=None, kernel=None, ramdisk=None,
             uuid=True, **more):
    """A domain description (libhv's configuration as a dict, keys as in
    hv/config.h): memory and vCPUs, the actions (RESTART or "restart"), the
    kernel's path (only recorded by hvd: the image goes as a descriptor),
    a fresh UUID unless uuid is False (or a string), and any other keys."""
    d = {"name": name, "type": "pvh", "memory_mib": memory, "vcpus": vcpus,
         "kernel": kernel or os.environ.get("MINIOS", "/minios"),
         "on_poweroff": action(on_poweroff), "on_reboot": action(on_reboot),
         "on_crash": action(on_crash)}
    if uuid:
        d["uuid"] = uuid if isinstance(uuid, str) else str(uuidlib.uuid4())
    if maxvcpus is not None:
        d["maxvcpus"] = maxvcpus
    if maxmem is not None:
        d["maxmem_mib"] = maxmem
    if cmdline:
        d["cmdline"] = cmdline
    if ramdisk:
        d["ramdisk"] = ramdisk
    d.update(more)
    return d


def config_bytes(config):
    """A description as the bytes that travel: a dict becomes JSON, text is
    sent as it is (UTF-8), bytes unchanged (for malformed ones)."""
    if isinstance(config, dict):
        return json.dumps(config, indent=2).encode()
    if isinstance(config, str):
        return config.encode()
    return bytes(config)


class Info:
    def __init__(self, raw):
        f = INFO.unpack(raw[:INFO.size])
        (self.domid, self.state, name, self.uuid, self.vcpus, self.maxvcpus,
         self.memory_mib, self.maxmem_mib, self.cpu_time_ns, self.start_time,
         self.shutdown_code, self.vmm_pid, self.on_poweroff, self.on_reboot,
         self.on_crash) = f[:15]
        self.name = cstr(name)

    def __repr__(self):
        return "<dom %d %s state %d pid %d>" % (self.domid, self.name, self.state, self.vmm_pid)


class Error(Exception):
    def __init__(self, op, status, msg=""):
        Exception.__init__(self, "op %d: %s%s" % (op, ERRORS.get(-status, status),
                                                  ": " + msg if msg else ""))
        self.status = -status
        self.msg = msg


class Hvd:
    def __init__(self, path=None, timeout=30):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.timeout = timeout * SCALE
        self.s.settimeout(self.timeout)
        self.s.connect(path or RUNDIR + "/hvd.sock")
        self.seq = 0
        self.events = []
        self.progress = []      # (op, seq, done, total) of pending requests
        self.replies = {}       # seq -> reply that came while waiting for another
        self.msg = ""           # the message of the last failed reply

    def close(self):
        self.s.close()

    def send_raw(self, data, fds=()):
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        self.s.sendmsg([data], anc)

    def recv(self):
        data, anc, flags, _ = self.s.recvmsg(MSG_MAX + 1, socket.CMSG_SPACE(4 * MAX_FDS))
        if not data:
            raise EOFError("hvd closed the connection")
        fds = []
        for level, kind, blob in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                a = array.array("i")
                a.frombytes(blob[:len(blob) - len(blob) % 4])
                fds.extend(a)
        magic, ver, op, fl, length, seq, status, r0, r1 = HDR.unpack_from(data)
        if magic != MAGIC or length != len(data):
            raise ValueError("malformed message from hvd")
        return op, fl, seq, status, data[HDR.size:], fds

    def _event(self, body):
        t, domid, code, _, name = EVENT.unpack(body[:EVENT.size])
        self.events.append((t, domid, code, cstr(name)))

    def raw_call(self, data, fds=(), seq=None):
        """Sends raw bytes; returns (op, status, body, fds) of the reply with seq."""
        self.send_raw(data, fds)
        return self._wait(seq)

    def _wait(self, seq):
        """The next reply (with @seq if not None), keeping events, progress
        and the replies to other requests (self.replies) aside."""
        if seq is not None and seq in self.replies:
            return self.replies.pop(seq)
        while True:
            op, fl, rseq, status, body, rfds = self.recv()
            if fl & F_EVENT:
                self._event(body)
                continue
            if fl & F_PROGRESS:
                if fl != F_PROGRESS or status or len(body) != PROGRESS.size or rfds:
                    raise ValueError("malformed progress message %r" % ((op, fl, status, body),))
                self.progress.append((op, rseq) + PROGRESS.unpack(body))
                continue
            if seq is None or rseq == seq:
                return op, status, body, rfds
            self.replies[rseq] = (op, status, body, rfds)

    def send(self, op, body=b"", fds=()):
        """Sends a request without waiting for its reply: its seq (see reply())."""
        self.seq += 1
        hdr = HDR.pack(MAGIC, VERSION, op, 0, HDR.size + len(body), self.seq, 0, 0, 0)
        self.send_raw(hdr + body, fds)
        return self.seq

    def reply(self, op, seq, check=True):
        """The reply to request @seq (an @op): (status, body, fds)."""
        rop, status, rbody, rfds = self._wait(seq)
        if rop != op:
            raise ValueError("reply for op %d to op %d" % (rop, op))
        self.msg = ""
        if status:
            # a failed reply: no body, or a NUL-terminated printable message
            if rbody and (len(rbody) > 1024 or rbody[-1:] != b"\0" or b"\0" in rbody[:-1] or
                          any(b < 0x20 or b > 0x7e for b in rbody[:-1])):
                raise ValueError("malformed error message %r" % rbody)
            self.msg = rbody[:-1].decode() if rbody else ""
        if check and status:
            raise Error(op, status, self.msg)
        return status, rbody, rfds

    def call(self, op, body=b"", fds=(), check=True):
        return self.reply(op, self.send(op, body, fds), check)

    # domctl
    def create_domain(self, config, kernel=None, ramdisk=None, paused=False, check=True,
                      flags=None, fds=None, disks=()):
        """CREATE_DOMAIN: @config a dict (describe()), JSON text or raw bytes;
        @kernel (default: the description's kernel, else minios) and @ramdisk
        opened here and sent as descriptors, then @disks: paths opened
        read-write, (path, os.O_RDONLY) pairs, or descriptors sent as they
        are, in the description's order (not locked: libhv's part).  @flags
        and @fds replace what would be sent, for the tests of refusals.  Returns the domid, or
        the (negative) status with check=False (the message in self.msg)."""
        cfg = config_bytes(config)
        mine = []
        if fds is None:
            if kernel is None:
                kernel = config.get("kernel") if isinstance(config, dict) else None
            mine.append(os.open(kernel or os.environ["MINIOS"], os.O_RDONLY))
            if ramdisk:
                mine.append(os.open(ramdisk, os.O_RDONLY))
            fds = list(mine)
            for d in disks:
                if isinstance(d, int):
                    fds.append(d)
                    continue
                path, mode = d if isinstance(d, tuple) else (d, os.O_RDWR)
                mine.append(os.open(path, mode))
                fds.append(mine[-1])
        if flags is None:
            flags = (CREATE_PAUSED if paused else 0) | (CREATE_RAMDISK if ramdisk else 0)
        body = CREATE_DOMAIN_S.pack(flags, len(cfg), 0, 0) + cfg
        try:
            st, rb, _ = self.call(CREATE_DOMAIN, body, fds, check=check)
        finally:
            for fd in mine:
                os.close(fd)
        if st == 0 and len(rb) != DOMID.size:
            fail("a CREATE_DOMAIN reply of %d bytes" % len(rb))
        return DOMID.unpack(rb)[0] if st == 0 else st

    def create(self, name, cmdline=None, paused=False, check=True, **kw):
        """create_domain() of describe(name, cmdline=..., **kw)."""
        return self.create_domain(describe(name, cmdline=cmdline, **kw), paused=paused,
                                  check=check)

    def domop(self, op, domid, check=True):
        return self.call(op, DOMID.pack(domid, 0), check=check)

    def pause(self, domid, check=True):
        return self.domop(PAUSE, domid, check)[0]

    def unpause(self, domid, check=True):
        return self.domop(UNPAUSE, domid, check)[0]

    def destroy(self, domid, check=True):
        return self.domop(DESTROY, domid, check)[0]

    def shutdown(self, domid, reboot=False, check=True):
        return self.call(SHUTDOWN, DOMID.pack(domid, 1 if reboot else 0), check=check)[0]

    def rename(self, domid, name, check=True):
        return self.call(RENAME_OP, RENAME.pack(domid, 0, name.encode()), check=check)[0]

    def info(self, domid):
        st, body, _ = self.domop(GETINFO, domid, check=False)
        return Info(body) if st == 0 else None

    def console(self, domid):
        st, _, fds = self.domop(CONSOLE, domid)
        return socket.socket(fileno=fds[0])

    def list(self, first=0, maxn=0):
        st, body, _ = self.call(LIST_OP, LIST.pack(first, maxn))
        count, more = LIST.unpack_from(body)
        infos = [Info(body[8 + i * INFO.size:]) for i in range(count)]
        return infos, more

    def list_all(self):
        out, first = [], 0
        while True:
            infos, more = self.list(first)
            out.extend(infos)
            if not more:
                return out
            first = infos[-1].domid + 1

    def get_config(self, domid):
        st, body, _ = self.domop(GET_CONFIG, domid)
        return body.decode()

    def save(self, domid, fd, flags=0, config=None, check=True):
        """SAVE into @fd: the struct hv_hc_save_result as a tuple, or the status."""
        cfg = config_bytes(config) if config else b""
        st, body, _ = self.call(SAVE_OP, SAVE.pack(domid, flags, len(cfg), 0) + cfg, [fd],
                                check=check)
        if st:
            return st
        if len(body) != SAVE_RESULT.size:
            fail("a save result of %d bytes" % len(body))
        return SAVE_RESULT.unpack(body)

    def restore_domain(self, image, config, flags=0, kernel=None, initrd=None, check=True,
                       wait=True):
        """RESTORE_DOMAIN from the file @image (a path, or an open descriptor)
        with the description @config (a dict, text or bytes, as for
        create_domain()): the domid, or the status with check=False; with
        wait=False the request's seq, for cancel() and reply()."""
        fds = [image if isinstance(image, int) else os.open(image, os.O_RDONLY)]
        mine = [] if isinstance(image, int) else [fds[0]]
        if kernel:
            flags |= RESTORE_KERNEL
            fds.append(os.open(kernel, os.O_RDONLY))
            mine.append(fds[-1])
        if initrd:
            flags |= RESTORE_INITRD
            fds.append(os.open(initrd, os.O_RDONLY))
            mine.append(fds[-1])
        cfg = config_bytes(config)
        body = RESTORE_DOMAIN_S.pack(flags, len(cfg), 0, 0) + cfg
        try:
            seq = self.send(RESTORE_DOMAIN, body, fds)
        finally:
            for fd in mine:
                os.close(fd)
        if not wait:
            return seq
        return self.restore_reply(seq, check)

    def restore_reply(self, seq, check=True):
        """The reply to the RESTORE_DOMAIN @seq: the domid or the status."""
        st, rb, _ = self.reply(RESTORE_DOMAIN, seq, check=check)
        return DOMID.unpack(rb[:8])[0] if st == 0 else st

    def cancel(self, seq, domid=DOMID_INVALID, check=True):
        """CANCEL of this connection's pending request @seq (a restore's
        domain has no id the client knows: DOMID_INVALID); its status."""
        return self.call(CANCEL_OP, CANCEL_S.pack(domid, seq), check=check)[0]

    def physinfo(self):
        st, body, _ = self.call(PHYSINFO)
        return PHYS.unpack(body[:PHYS.size])

    def subscribe(self):
        self.call(SUBSCRIBE)

    def create_running(self, name, cmdline="workload=idle", **kw):
        return self.create(name, cmdline, **kw)

    def create_paused(self, name, cmdline="workload=idle", **kw):
        return self.create(name, cmdline, paused=True, **kw)

    def wait_event(self, etype, domid=None, name=None, timeout=20):
        timeout *= SCALE
        deadline = time.time() + timeout
        while True:
            for e in self.events:
                if e[0] == etype and (domid is None or e[1] == domid) and \
                   (name is None or e[3] == name):
                    self.events.remove(e)
                    return e
            left = deadline - time.time()
            if left <= 0:
                fail("no event %d for domain %s/%s in %ds (have %r)" %
                     (etype, domid, name, timeout, self.events))
            self.s.settimeout(left)
            try:
                op, fl, seq, status, body, fds = self.recv()
            except socket.timeout:
                continue
            finally:
                self.s.settimeout(self.timeout)
            if fl & F_EVENT:
                self._event(body)
            elif fl & F_PROGRESS:
                self.progress.append((op, seq) + PROGRESS.unpack(body[:PROGRESS.size]))
            else:
                self.replies[seq] = (op, status, body, fds)


def wait_for(pred, what, timeout=20, step=0.05):
    timeout *= SCALE
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.time() > deadline:
            fail("timed out after %ds waiting for %s" % (timeout, what))
        time.sleep(step)


def console_log(name):
    try:
        with open("%s/console/%s.log" % (LOGDIR, name), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b""


def check_pause(h, domid, name):
    """Pauses a domain running a counter: its console stops, then resumes."""
    h.pause(domid)
    if h.info(domid).state != PAUSED:
        fail("%s: not PAUSED after pause" % name)
    time.sleep(0.2)
    n = len(console_log(name))
    time.sleep(0.4)
    if len(console_log(name)) != n:
        fail("%s: the console log grew while paused" % name)
    h.unpause(domid)
    if h.info(domid).state != RUNNING:
        fail("%s: not RUNNING after unpause" % name)
    wait_for(lambda: len(console_log(name)) > n, "%s: output after unpause" % name)


def read_console(h, domid, needle, timeout=10):
    """Reads the domain's console socket until @needle comes."""
    c = h.console(domid)
    c.settimeout(timeout * SCALE)
    buf = b""
    while needle not in buf:
        data = c.recv(4096)
        if not data:
            fail("domain %d: the console closed before %r" % (domid, needle))
        buf += data
    c.close()


def image_config(path):
    """The DOMAIN_CONFIG record of a save image (record 0, docs/save-stream.md):
    the description a client hands to RESTORE_DOMAIN, as text."""
    with open(path, "rb") as f:
        head = f.read(32 + 16)
        if len(head) < 48 or head[:8] != b"HVSAVE\r\n":
            fail("%s is not a save image" % path)
        rtype, rflags, rlen, _ = struct.unpack_from("<IIII", head, 32)
        if rtype != 1:
            fail("%s: record 0 is of type %d, not DOMAIN_CONFIG" % (path, rtype))
        return f.read(rlen).decode()


# What a description leaves out and what it then is (hv_domain_config's
# defaults, docs/xl.cfg): a description as sent and the same one written
# out whole (into a save image) compare equal.
CONFIG_DEFAULTS = {"maxmem_mib": 0, "maxvcpus": 0, "disks": [], "vifs": [],
                   "balloon_deflate_on_oom": False, "balloon_free_page_reporting": True}


def config_meaning(text):
    """A description's JSON text as a dict without the usage totals a save
    image carries (usage_*, at the top and in each disk and vif) and with
    the defaults filled in."""
    j = json.loads(text)
    for part in [j] + j.get("disks", []) + j.get("vifs", []):
        for k in [k for k in part if k.startswith("usage_")]:
            del part[k]
    for k, v in CONFIG_DEFAULTS.items():
        j.setdefault(k, v)
    return j


def same_config(a, b):
    return config_meaning(a) == config_meaning(b)


def domain_dirs():
    return sorted(os.listdir(RUNDIR + "/domains"))


def counters(name):
    """The numbers of the \"minios: counter N\" lines in the console log."""
    return [int(x) for x in re.findall(rb"minios: counter (\d+)\r?\n", console_log(name))]


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except (OSError, IndexError):  # gone (ESRCH if between open and read)
        return False
PY
chmod 644 "$T/hvc.py"
