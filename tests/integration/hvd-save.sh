#!/bin/sh
# hvd: save and restore.  The description: GET_CONFIG gives it back as
# CREATE_DOMAIN sent it (a UUID added when it had none), kept across an hvd
# restart and a domain restart, renamed by RENAME; a minios counter saved
# to a file and restored with the image's own DOMAIN_CONFIG, counting on
# where it stopped (plain, compressed, lazy, paused); a renamed domain's
# image carries its new name; save -c and -p; a save into a pipe nobody
# reads (an error with a message, the domain runs on); refused restores
# (garbage, a truncated image, a pipe, a name in use, a description that
# is not the image's) and a cancelled one leave nothing behind; restarts
# of restored domains with and without their kernel.
. "$HV_TESTS_SRC/lib.sh"
need_kvm
need_cmd python3
. "$HV_TESTS_SRC/integration/hvd-lib.sh"

hvd_start
hvd_py <<'PY'
import json, os
from hvc import *

h = Hvd()
text = json.dumps(describe("cfg", memory=80, vcpus=2, maxvcpus=3, on_reboot=PRESERVE,
                           extra="caf\u00e9 \"quoted\""), ensure_ascii=False)
d = h.create_domain(text, paused=True)
if h.get_config(d) != text:
    fail("GET_CONFIG gave back %r, not what CREATE_DOMAIN sent" % h.get_config(d))
if open("%s/domains/%d/config.json" % (RUNDIR, d), encoding="utf-8").read() != text:
    fail("domains/%d/config.json does not hold the description" % d)
nouuid = describe("cfg2", uuid=False)
d2 = h.create_domain(nouuid, paused=True)
j = json.loads(h.get_config(d2))
# hvd gives it a UUID, and so encodes it again (every member, defaults too)
if not j.get("uuid") or any(j.get(k) != v for k, v in nouuid.items()):
    fail("a description without a UUID came back as %r" % j)
h.destroy(d2)
if h.domop(GET_CONFIG, d + 100, check=False)[0] != -ENOENT:
    fail("GET_CONFIG of no domain was not refused with ENOENT")
ok("GET_CONFIG: the description as sent (one without a UUID gets one); no domain: ENOENT")
open(RUNDIR + "/../cfg", "w").write("%d\n%s" % (d, text))
PY
kill -9 "$HVD_PID"
hvd_start
hvd_py <<'PY'
import json, os
from hvc import *

h = Hvd()
ev = Hvd()
ev.subscribe()
d, text = open(RUNDIR + "/../cfg").read().split("\n", 1)
d = int(d)
if h.get_config(d) != text:
    fail("after an hvd restart GET_CONFIG gives %r" % h.get_config(d))
h.destroy(d)
ok("the stored description outlives hvd")

# a restart (on_reboot=restart) takes the description to the new domain
d = h.create_running("rs", "workload=counter:20", on_reboot=RESTART)
cfg = h.get_config(d)
wait_for(lambda: b"minios: counter 1" in console_log("rs"), "rs to run")
h.shutdown(d, reboot=True)
nd = ev.wait_event(EV_CREATED, name="rs")[1]
if h.get_config(nd) != cfg:
    fail("the restarted domain %d has the description %r" % (nd, h.get_config(nd)))
h.destroy(nd)
ok("a restarted domain keeps the stored description")
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

def retitled(text, name):
    """The description @text under another name (and UUID), as JSON text."""
    j = json.loads(text)
    j["name"] = name
    j.pop("uuid", None)
    return json.dumps(j)

def running(domid):
    i = h.info(domid)
    return i is not None and i.state == RUNNING

# refusals before any work
# (the first ABI's test of saving a domain in BUILDING, ESTATE, has no
# counterpart: no client sees a domain before it is built; a preserved
# domain that ended is the state SAVE refuses)
d = h.create_running("early", "workload=idle verbose", on_poweroff=PRESERVE)
# a press before the guest enabled its power button would be lost (minios says
# when it has, with "verbose")
wait_for(lambda: b"minios: power button enabled" in console_log("early"),
         "early to enable its power button")
h.shutdown(d)
wait_for(lambda: h.info(d).state == SHUTDOWN_S, "early to power off and be preserved")
r, w = os.pipe()
if h.save(d, w, check=False) != -ESTATE or not h.msg:
    fail("saving a domain that has shut down was not refused with ESTATE and a message")
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
ok("SAVE refuses a domain that shut down, no domain, contradicting flags, no descriptor, bad lengths")

# save (the domain goes) and restore: the counter counts on
d = h.create_running("ctr", "workload=counter:20", on_reboot=RESTART)
stored = h.get_config(d)
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

# the one path a description takes: the image's DOMAIN_CONFIG is what
# CREATE_DOMAIN sent (written out whole, with the usage totals so far);
# the client reads it and restores with it
cfg = image_config(T + "/ctr.img")
if not same_config(cfg, stored) or "usage_cpu_ns" not in json.loads(cfg):
    fail("the image's DOMAIN_CONFIG %r is not the stored description %r" % (cfg, stored))
nd = h.restore_domain(T + "/ctr.img", cfg)
seq = h.seq
ev.wait_event(EV_CREATED, nd)
if not running(nd) or not same_config(h.get_config(nd), cfg):
    fail("the restored domain: %r, config %r" % (h.info(nd), h.get_config(nd)))
if not progress_of(RESTORE_DOMAIN, seq):
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
    st = h.restore_domain(img, retitled(cfg, name), check=False)
    msg = h.msg
    if st != -EVMM or not msg:
        fail("restoring %s gave %s %r, expected EVMM with a message" %
             (name, ERRORS.get(-st, st), msg))
    if [x.name for x in h.list_all()] != ["ctr"] or domain_dirs() != dirs:
        fail("a refused restore (%s) left a domain behind: %r %r" %
             (name, h.list_all(), domain_dirs()))
    ok("restore of %s: EVMM \"%s\", nothing left" % (name, msg))
r, w = os.pipe()
if h.restore_domain(r, retitled(cfg, "piped"), check=False) != -EBADF or not h.msg:
    fail("restoring from a pipe was not refused with EBADF and a message")
os.close(r)
os.close(w)
if h.restore_domain(T + "/c.img", cfg, check=False) != -EEXIST:
    fail("restoring under a name in use was not refused with EEXIST")
img = os.open(T + "/c.img", os.O_RDONLY)
if h.call(RESTORE_DOMAIN, RESTORE_DOMAIN_S.pack(0, 0, 0, 0), [img], check=False)[0] != -EINVAL:
    fail("a restore without a description was not refused with EINVAL")
if h.restore_domain(img, '{"name": "x", "nmae": 1}', check=False) != -EINVAL or "nmae" not in h.msg:
    fail("a restore with an unknown key was not refused with EINVAL naming it: %r" % h.msg)
if h.restore_domain(img, retitled(cfg, "x"), flags=RESTORE_INITRD, check=False) != -EINVAL:
    fail("RESTORE_INITRD without RESTORE_KERNEL was not refused with EINVAL")
os.close(img)
wrong = json.loads(retitled(cfg, "wrong"))
wrong["memory_mib"] = 128
st = h.restore_domain(T + "/c.img", wrong, check=False)
if st != -EVMM or "MiB" not in h.msg:
    fail("a description with memory other than the image's gave %s %r, expected EVMM" %
         (ERRORS.get(-st, st), h.msg))
if [x.name for x in h.list_all()] != ["ctr"] or domain_dirs() != dirs:
    fail("a refused restore left a domain behind")
s = h.create("sentinel")
h.destroy(s)
ev.wait_event(EV_DEATH, s)
stray = [e for e in ev.events if e[3] in ("garbage", "trunc", "piped", "wrong", "cancelled")]
if stray or domain_dirs() != dirs:
    fail("refused restores sent events %r or left directories" % stray)
ok("refused restores: a pipe (EBADF), a name in use (EEXIST), no or a bad description, "
   "flags, another memory size (EVMM: %s); no events, no directories" % h.msg)

# a cancelled restore: CANCEL sent right behind it on the same connection
seq = h.restore_domain(T + "/c.img", retitled(cfg, "cancelled"), wait=False)
if h.cancel(seq) != 0:
    fail("CANCEL of a pending restore: %s" % h.msg)
st = h.restore_reply(seq, check=False)
if st != -ECANCELED:
    fail("the cancelled restore was answered %s, not ECANCELED" % ERRORS.get(-st, st))
if [x.name for x in h.list_all()] != ["ctr"] or domain_dirs() != dirs:
    fail("a cancelled restore left a domain behind: %r %r" % (h.list_all(), domain_dirs()))
if h.cancel(seq, check=False) != -ENOENT or h.cancel(h.seq + 5, check=False) != -ENOENT:
    fail("CANCEL of a request no longer (or never) pending was not answered ENOENT")
ok("CANCEL of a pending restore: ECANCELED, nothing left; CANCEL of nothing pending: ENOENT")

# the save -c image under another name, paused, with its kernel: a reboot restarts it
c2 = h.restore_domain(T + "/c.img", retitled(cfg, "ctr2"), flags=RESTORE_PAUSED, kernel=MINIOS)
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
# (retitled() leaves the UUID out: the restored domain got one of its own)
kept = config_meaning(h.get_config(c3))
if not kept.pop("uuid", None) or kept != config_meaning(retitled(cfg, "ctr2")):
    fail("the restarted restored domain lost its configuration: %r, not %r" %
         (h.get_config(c3), retitled(cfg, "ctr2")))
h.destroy(c3)
ok("restore paused (kernel kept): unpause resumes the counter; a reboot boots the kept kernel")

# lazily, from the compressed-free image, without a kernel: a reboot destroys it
lz = h.restore_domain(T + "/c.img", retitled(cfg, "lazy"), flags=RESTORE_LAZY)
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
p = h.restore_domain(T + "/p.img", image_config(T + "/p.img"))
wait_for(lambda: running(p), "the compressed image's domain to run")
n = counters("ctr")[-1]
wait_for(lambda: counters("ctr")[-1] > n + 2, "the compressed image's domain to count")
h.destroy(p)
ok("a compressed image restores")

# rename, save, restore: the image carries the new name
rn = h.create_running("before", "workload=counter:20")
wait_for(lambda: len(counters("before")) > 2, "before to count")
h.rename(rn, "after")
save_to(rn, T + "/rn.img")
ev.wait_event(EV_DEATH, rn)
n = len(counters("after"))
j = json.loads(image_config(T + "/rn.img"))
if j.get("name") != "after":
    fail("the image of a renamed domain names it %r" % j.get("name"))
rn = h.restore_domain(T + "/rn.img", image_config(T + "/rn.img"))
if h.info(rn).name != "after" or json.loads(h.get_config(rn)).get("name") != "after":
    fail("the domain restored from a renamed domain's image: %r" % h.info(rn))
wait_for(lambda: len(counters("after")) > n + 2, "the restored renamed domain to count on")
h.destroy(rn)
ok("rename, save, restore: the image's DOMAIN_CONFIG and the restored domain have the new name")
PY
