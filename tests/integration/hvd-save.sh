#!/bin/sh
# hvd: save and restore.  SET_CONFIG/GET_CONFIG (stored, made up when none
# was stored, kept across an hvd restart and a domain restart); a minios
# counter saved to a file and restored, counting on where it stopped (plain,
# compressed, lazy, paused); save -c and -p; a save into a pipe nobody reads
# (an error with a message, the domain runs on); refused restores (garbage,
# a truncated image, a pipe, a name in use) leave nothing behind; restarts
# of restored domains with and without their kernel.
. "$HV_TESTS_SRC/lib.sh"
need_kvm
need_cmd python3
. "$HV_TESTS_SRC/integration/hvd-lib.sh"
"$HV_VMM" run --help 2>&1 | grep -q -- --restore-fd ||
	skip "this hv-vmm cannot restore (no --restore-fd in hv-vmm run --help)"

hvd_start
hvd_py <<'PY'
import json, os
from hvc import *

h = Hvd()
d = h.create("cfg", memory=80, vcpus=2, maxvcpus=3, on_reboot=PRESERVE)
made = h.get_config(d)
j = json.loads(made)
if (j.get("name"), j.get("memory_mib"), j.get("vcpus"), j.get("maxvcpus"),
        j.get("on_reboot")) != ("cfg", 80, 2, 3, "preserve"):
    fail("the configuration hvd makes up: %r" % made)
ok("GET_CONFIG without a stored configuration: valid JSON with name, memory and vCPUs")

text = '{\n  "name": "cfg",\n  "memory_mib": 80,\n  "extra": "caf\u00e9 \\"quoted\\""\n}'
h.set_config(d, text)
if h.get_config(d) != text:
    fail("GET_CONFIG gave back %r, not what was stored" % h.get_config(d))
if open("%s/domains/%d/config.json" % (RUNDIR, d), encoding="utf-8").read() != text:
    fail("domains/%d/config.json does not hold the configuration" % d)
for body, want, what in ((b"", EINVAL, "an empty configuration"),
                         (b"{\"a\": \"\0\"}", EPROTO, "a NUL in the configuration"),
                         (b"x" * (MSG_MAX - 4096 + 1), EINVAL, "a configuration over the limit")):
    st = h.call(SET_CONFIG, DOMID.pack(d, 0) + body, check=False)[0]
    if st != -want:
        fail("SET_CONFIG with %s gave %s, expected %s" % (what, ERRORS.get(-st, st), ERRORS[want]))
if h.set_config(d + 100, "{}", check=False) != -ENOENT:
    fail("SET_CONFIG of no domain was not refused with ENOENT")
if h.get_config(d) != text:
    fail("a refused SET_CONFIG changed the stored configuration")
ok("SET_CONFIG/GET_CONFIG round trip; empty, NUL, oversized and unknown-domain refused")
open(RUNDIR + "/../cfg", "w").write("%d\n" % d)
PY
kill -9 "$HVD_PID"
hvd_start
hvd_py <<'PY'
import os
from hvc import *

h = Hvd()
ev = Hvd()
ev.subscribe()
d = int(open(RUNDIR + "/../cfg").read())
text = '{\n  "name": "cfg",\n  "memory_mib": 80,\n  "extra": "caf\u00e9 \\"quoted\\""\n}'
if h.get_config(d) != text:
    fail("after an hvd restart GET_CONFIG gives %r" % h.get_config(d))
h.destroy(d)
ok("the stored configuration outlives hvd")

# a restart (on_reboot=restart) takes the configuration to the new domain
d = h.create_running("rs", "workload=counter:20", on_reboot=RESTART)
h.set_config(d, '{"name": "rs"}')
wait_for(lambda: b"minios: counter 1" in console_log("rs"), "rs to run")
h.shutdown(d, reboot=True)
nd = ev.wait_event(EV_CREATED, name="rs")[1]
if h.get_config(nd) != '{"name": "rs"}':
    fail("the restarted domain %d has the configuration %r" % (nd, h.get_config(nd)))
h.destroy(nd)
ok("a restarted domain keeps the stored configuration")
PY

printf 'this is not a save image, only text\n%.0s' $(seq 1000) >"$T/garbage.img"
hvd_py "$T" <<'PY'
import json, os, sys, time
from hvc import *

T = sys.argv[1]
h = Hvd()
ev = Hvd()
ev.subscribe()
MINIOS = os.environ["MINIOS"]

def progress_of(op, seq):
    p = [x for x in h.progress if x[0] == op and x[1] == seq]
    for _, _, done, total in p:
        if total == 0 or done > total:
            fail("progress %d of %d" % (done, total))
    return p

def save_to(domid, path, flags=0, **kw):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        return h.save(domid, fd, flags, **kw)
    finally:
        os.close(fd)

def check_counts(name, after, what):
    """The counter runs past @after, consecutively from 0: one boot, no gap."""
    wait_for(lambda: counters(name) and counters(name)[-1] >= after + 5,
             "%s: the counter to pass %d" % (name, after + 5))
    c = counters(name)
    if c != list(range(len(c))):
        fail("%s: the counter did not continue where it stopped (%d before): %r" %
             (what, after, c[max(0, after - 3):after + 6]))
    if console_log(name).count(b"minios: boot ok") != 1:
        fail("%s: the guest booted again instead of resuming" % what)

def running(domid):
    i = h.info(domid)
    return i is not None and i.state == RUNNING

# refusals before any work
d = h.create("early")
r, w = os.pipe()
if h.save(d, w, check=False) != -ESTATE or not h.msg:
    fail("saving a domain being built was not refused with ESTATE and a message")
if h.save(d + 100, w, check=False) != -ENOENT:
    fail("saving no domain was not refused with ENOENT")
if h.save(d, w, SAVE_CONTINUE | SAVE_PAUSED, check=False) != -EINVAL:
    fail("save with both CONTINUE and PAUSED was not refused with EINVAL")
if h.call(SAVE_OP, SAVE.pack(d, 0, 0, 0), check=False)[0] != -EBADF:
    fail("a save without a descriptor was not refused with EBADF")
if h.call(SAVE_OP, SAVE.pack(d, 0, 5, 0) + b"{}", [w], check=False)[0] != -EPROTO:
    fail("a save whose config_len disagrees with its length was not refused with EPROTO")
h.destroy(d)
os.close(r)
os.close(w)
ok("SAVE refuses a domain being built, no domain, contradicting flags, no descriptor, bad lengths")

# save (the domain goes) and restore: the counter counts on
d = h.create_running("ctr", "workload=counter:20", on_reboot=RESTART)
h.set_config(d, '{"name": "ctr", "memory_mib": 64}')
wait_for(lambda: len(counters("ctr")) > 5, "ctr to count")
res = save_to(d, T + "/ctr.img")
seq = h.seq
last = counters("ctr")[-1]
ev.wait_event(EV_DEATH, d)
if h.info(d) is not None or str(d) in domain_dirs():
    fail("the saved domain is still there")
if res[0] != os.path.getsize(T + "/ctr.img") or res[1] < 16384 or res[2] > res[1]:
    fail("save result %r for a file of %d bytes" % (res, os.path.getsize(T + "/ctr.img")))
if not progress_of(SAVE_OP, seq):
    fail("no progress messages during the save")
time.sleep(0.3)
if counters("ctr")[-1] != last:
    fail("the console went on after the save")
ok("save: %d bytes, %d pages (%d zero), progress reported, the domain destroyed (DEATH)" %
   res[:3])

cfg = '{"name": "ctr", "memory_mib": 64}'
nd = h.restore("ctr", T + "/ctr.img", cfg)
seq = h.seq
ev.wait_event(EV_CREATED, nd)
if not running(nd) or h.get_config(nd) != cfg:
    fail("the restored domain: %r, config %r" % (h.info(nd), h.get_config(nd)))
if not progress_of(RESTORE_OP, seq):
    fail("no progress messages during the restore")
check_counts("ctr", last, "restore")
ok("restore: domain %d runs, the counter goes on from %d, progress reported" % (nd, last))

# save -c: it runs on; the image restores under another name
res = save_to(nd, T + "/c.img", SAVE_CONTINUE)
n = counters("ctr")[-1]
wait_for(lambda: counters("ctr")[-1] > n + 2, "ctr to count on after save -c")
if not running(nd):
    fail("not RUNNING after save -c")
ok("save -c: the domain runs on")

# save -p: it stays, paused
res = save_to(nd, T + "/p.img", SAVE_PAUSED | SAVE_COMPRESS)
if h.info(nd).state != PAUSED:
    fail("not PAUSED after save -p")
n = len(console_log("ctr"))
time.sleep(0.4)
if len(console_log("ctr")) != n:
    fail("the console grew after save -p")
h.unpause(nd)
wait_for(lambda: len(console_log("ctr")) > n, "output after unpausing")
ok("save -p (compressed): the domain stays, paused, and runs on when unpaused")

# a pipe nobody reads: an error with a message, the domain as it was
r, w = os.pipe()
os.close(r)
st = h.save(nd, w, check=False)
msg = h.msg
os.close(w)
if st != -EIO or not msg:
    fail("saving into a pipe without a reader gave %s %r" % (ERRORS.get(-st, st), msg))
if not running(nd):
    fail("a failed save did not leave the domain running: %r" % h.info(nd))
n = counters("ctr")[-1]
wait_for(lambda: counters("ctr")[-1] > n + 2, "ctr to count on after a failed save")
ok("save into a closed pipe: %s \"%s\"; the domain runs on" % (ERRORS[-st], msg))

# a read-only descriptor
fd = os.open(T + "/ctr.img", os.O_RDONLY)
if h.save(nd, fd, check=False) != -EBADF or not h.msg:
    fail("saving into a read-only descriptor was not refused with EBADF and a message")
os.close(fd)

# refused restores leave nothing behind and say nothing to subscribers
dirs = domain_dirs()
data = open(T + "/c.img", "rb").read()
open(T + "/trunc.img", "wb").write(data[:len(data) // 2])
for img, name in ((T + "/garbage.img", "garbage"), (T + "/trunc.img", "trunc")):
    st = h.restore(name, img, cfg, check=False)
    msg = h.msg
    if st != -EVMM or not msg:
        fail("restoring %s gave %s %r, expected EVMM with a message" %
             (name, ERRORS.get(-st, st), msg))
    if [x.name for x in h.list_all()] != ["ctr"] or domain_dirs() != dirs:
        fail("a refused restore (%s) left a domain behind: %r %r" %
             (name, h.list_all(), domain_dirs()))
    ok("restore of %s: EVMM \"%s\", nothing left" % (name, msg))
r, w = os.pipe()
if h.restore("piped", r, cfg, check=False) != -EBADF or not h.msg:
    fail("restoring from a pipe was not refused with EBADF and a message")
os.close(r)
os.close(w)
if h.restore("ctr", T + "/c.img", cfg, check=False) != -EEXIST:
    fail("restoring under a name in use was not refused with EEXIST")
if h.call(RESTORE_OP, RESTORE.pack(b"x", bytes(16), 1, 1, 64, 64, 0, 0, 0, 0, 0, 0, 0,
                                   0, 0, b""), [os.open(MINIOS, os.O_RDONLY)],
          check=False)[0] != -EINVAL:
    fail("a restore without a configuration was not refused with EINVAL")
s = h.create("sentinel")
h.destroy(s)
ev.wait_event(EV_DEATH, s)
stray = [e for e in ev.events if e[3] in ("garbage", "trunc", "piped")]
if stray or domain_dirs() != dirs:
    fail("refused restores sent events %r or left directories" % stray)
ok("refused restores: a pipe (EBADF), a name in use (EEXIST), no configuration; "
   "no events, no directories")

# the save -c image under another name, paused, with its kernel: a reboot restarts it
c2 = h.restore("ctr2", T + "/c.img", cfg.replace("ctr", "ctr2"), flags=RESTORE_PAUSED,
               kernel=MINIOS, cmdline="workload=counter:20", on_reboot=RESTART)
ev.wait_event(EV_CREATED, c2)
if h.info(c2).state != PAUSED:
    fail("a restore with RESTORE_PAUSED is not PAUSED")
time.sleep(0.3)
if counters("ctr2"):
    fail("a paused restore ran its guest")
h.unpause(c2)
wait_for(lambda: len(counters("ctr2")) > 2, "ctr2 to count after unpausing")
c = counters("ctr2")
if c[0] <= 5:
    fail("ctr2 started counting at %d, not where the save -c image stopped" % c[0])
h.shutdown(c2, reboot=True)
ev.wait_event(EV_DEATH, c2)
c3 = ev.wait_event(EV_CREATED, name="ctr2")[1]
wait_for(lambda: b"minios: boot ok" in console_log("ctr2"), "ctr2 to boot its kernel")
if h.get_config(c3) != cfg.replace("ctr", "ctr2"):
    fail("the restarted restored domain lost its configuration")
h.destroy(c3)
ok("restore paused (kernel kept): unpause resumes the counter; a reboot boots the kept kernel")

# lazily, from the compressed-free image, without a kernel: a reboot destroys it
lz = h.restore("lazy", T + "/c.img", cfg.replace("ctr", "lazy"), flags=RESTORE_LAZY,
               on_reboot=RESTART)
ev.wait_event(EV_CREATED, lz)
wait_for(lambda: len(counters("lazy")) > 2, "the lazily restored domain to count")
h.shutdown(lz, reboot=True)
ev.wait_event(EV_DEATH, lz)
wait_for(lambda: "restored without its kernel" in open(LOGDIR + "/hvd.log").read(),
         "hvd's log to say why it did not restart the domain")
time.sleep(0.5)
if [x.name for x in h.list_all()] != ["ctr"]:
    fail("a restored domain without a kernel was restarted: %r" % h.list_all())
ok("lazy restore runs; without its kernel a reboot destroys it, saying why")

# the compressed save -p image restores too
h.destroy(nd)
ev.wait_event(EV_DEATH, nd)
p = h.restore("ctr", T + "/p.img", cfg)
wait_for(lambda: running(p), "the compressed image's domain to run")
n = counters("ctr")[-1]
wait_for(lambda: counters("ctr")[-1] > n + 2, "the compressed image's domain to count")
h.destroy(p)
ok("a compressed image restores")
PY
