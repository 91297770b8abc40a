#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A migration receiver with a fault: runs RECEIVER (through sh) with
pipes and relays xl migrate's standard input to it and its standard output
back, doing one thing wrong on the way:

  --cut N         stops relaying (both ways) after N bytes from the sender
  --flip N        inverts the byte at sender offset N
  --flip-crc N    inverts a byte of the save stream's first record whose
                  body reaches past sender offset N (at N, or the body's
                  first byte) and makes that record's CRC good again, so
                  that only a sealed stream's MAC can tell
  --cpu-feature   gives the stream's CPU policy (record type 2) a feature
                  this host's CPU lacks: sets the lowest clear bit of CPUID
                  leaf 1's ecx, the record's CRC made good again (a source
                  host of another kind)
  --kill-after-end  kills the receiver as soon as the stream's END has
                  passed to it: the last pages and the state are there, its
                  READY is not sent yet
  --delay-ready MS  holds back the receiver's answers for MS milliseconds
                  once the stream's END has passed to it, as a slow
                  destination would: its READY comes late
  --forge-go      alters the last byte of the sender's GO (a sealed
                  migration's MAC), as someone on the link saying GO would
  --record FILE   passes everything on, and writes what the sender sent
                  into FILE
  --replay FILE   plays FILE (a --record) to RECEIVER instead of a sender:
                  a recorded migration played again; exits with the
                  receiver's status
  --kill N        kills the receiver once N bytes from the sender passed
  --kill-at-go    kills the receiver, and passes nothing on, when the sender
                  says GO (the migration protocol's message type 4)
  --drop-report   passes GO on, then swallows the receiver's answer to it
                  (REPORT) and ends: the sender never hears how it went

With --query ID after RECEIVER (xl migrate asking the destination after a
lost report) it runs RECEIVER --query ID, no fault.

Used by tests/integration/xl-migrate.sh; prints what it did on stderr."""
import os
import select
import signal
import struct
import subprocess
import sys
import time
import zlib


class StreamFollower:
    """Follows the sender's bytes (HELLO, PING, then the save stream,
    docs/migration.md and docs/save-stream.md) and holds back each record
    until all of it has come, so that alter(type, body) may change it
    before it goes on (its CRC is then made good again).  alter returns
    what it did (for stderr) or None; after the first change nothing more
    is looked at.  end_at is the sender offset just past END, once known."""

    def __init__(self, alter=None):
        self.alter = alter
        self.buf = bytearray()      # not yet passed on, from offset base
        self.base = 0
        self.unit = 0               # where the next unit to parse starts
        self.step = 0               # 0, 1: HVMG messages; 2: header; 3: records
        self.rec_extra = 8          # a record's trailer past its padded body
        self.done = False
        self.end_at = None

    def _byte(self, off, n):
        i = off - self.base
        return bytes(self.buf[i:i + n]) if i + n <= len(self.buf) else None

    def feed(self, data):
        """The bytes that may go on now."""
        self.buf += data
        while not self.done:
            if self.step < 2:
                h = self._byte(self.unit, 16)
                if h is None:
                    break
                self.unit += 16 + struct.unpack_from("<I", h, 8)[0]
                self.step += 1
            elif self.step == 2:
                h = self._byte(self.unit, 32)
                if h is None:
                    break
                sealed = struct.unpack_from("<I", h, 12)[0] & 8
                self.rec_extra = 8 + (32 if sealed else 0)
                self.unit += 32 + (48 if sealed else 0)
                self.step = 3
            else:
                h = self._byte(self.unit, 16)
                if h is None:
                    break
                typ, _, ln, _ = struct.unpack_from("<IIII", h)
                padded = (ln + 7) & ~7
                end = self.unit + 16 + padded + self.rec_extra
                if typ == 0:            # END: nothing follows that is ours
                    self.end_at = end
                    self.done = True
                    break
                if self.alter and ln:
                    if self._byte(self.unit, end - self.unit) is None:
                        break           # all of it first
                    o = self.unit - self.base
                    body = memoryview(self.buf)[o + 16:o + 16 + ln]
                    what = self.alter(typ, self.unit + 16, body)
                    body.release()
                    if what:
                        crc_at = o + 16 + padded
                        struct.pack_into("<I", self.buf, crc_at,
                                         zlib.crc32(bytes(self.buf[o:crc_at])) & 0xffffffff)
                        sys.stderr.write("mig-proxy: %s, the CRC of record type %d made good\n"
                                         % (what, typ))
                        self.alter = None
                self.unit = end
        limit = len(self.buf) if self.done else min(len(self.buf), self.unit - self.base)
        out = bytes(self.buf[:limit])
        del self.buf[:limit]
        self.base += limit
        return out


def flip_at(at):
    """alter: inverts the byte at sender offset at, or the first byte of
    the first record body past it."""
    def alter(typ, off, body):
        if off + len(body) <= at:
            return None
        i = max(at - off, 0)
        body[i] ^= 0xff
        return "flipped the byte at %d" % (off + i)
    return alter


def cpu_feature(typ, off, body):
    """alter: CPU_POLICY's leaf 1 gets an ecx feature bit it lacked."""
    if typ != 2:
        return None
    count = struct.unpack_from("<I", body, 0)[0]
    for i in range(count):
        e = 8 + 32 * i
        function, index, _, _, _, ecx, _, _ = struct.unpack_from("<8I", body, e)
        if function == 1 and index == 0:
            bit = next(b for b in range(32) if not ecx & (1 << b))
            struct.pack_into("<I", body, e + 20, ecx | (1 << bit))
            return "gave the stream's CPU a feature this one lacks (CPUID 1 ecx bit %d)" % bit
    return None


def main():
    args = sys.argv[1:]
    fault, at = None, 0
    if args and args[0] in ("--cut", "--flip", "--flip-crc", "--kill", "--delay-ready"):
        fault, at = args[0][2:], int(args[1])
        args = args[2:]
    elif args and args[0] in ("--record", "--replay"):
        fault, path = args[0][2:], args[1]
        args = args[2:]
    elif args and args[0] in ("--kill-at-go", "--drop-report", "--cpu-feature",
                              "--kill-after-end", "--forge-go"):
        fault = args[0][2:]
        args = args[1:]
    if len(args) == 3 and args[1] == "--query":
        # xl migrate asking after a lost report: straight to the receiver
        os.execv("/bin/sh", ["sh", "-c", "%s --query %s" % (args[0], args[2])])
    if len(args) != 1:
        sys.exit("usage: mig-proxy.py [--cut N | --flip N | --flip-crc N | --kill N | --kill-at-go |"
                 " --drop-report | --cpu-feature | --kill-after-end | --delay-ready MS |"
                 " --forge-go | --record FILE | --replay FILE] RECEIVER")
    if fault == "replay":
        return replay(path, args[0])
    child = subprocess.Popen(["/bin/sh", "-c", args[0]], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, bufsize=0)
    down_in, down_out = 0, child.stdin.fileno()
    up_in, up_out = child.stdout.fileno(), 1
    passed = 0
    # the protocol's messages before the stream and after it: HELLO, then
    # the save stream (its END ends it), then GO; a GO starts with "HVMG"
    # and type 4 (then its length, and the sender's figures)
    go = b"HVMG" + struct.pack("<I", 4)
    tail = b""
    went = False
    open_fds = [down_in, up_in]
    follower = None
    if fault == "flip-crc":
        follower = StreamFollower(flip_at(at))
    elif fault == "cpu-feature":
        follower = StreamFollower(cpu_feature)
    elif fault in ("kill-after-end", "delay-ready", "forge-go"):
        follower = StreamFollower()
    record = open(path, "wb") if fault == "record" else None
    after_end = bytearray()     # --forge-go: what came after END, held until GO is whole
    held = False

    def write_all(fd, data):
        while data:
            data = data[os.write(fd, data):]

    while open_fds:
        r, _, _ = select.select(open_fds, [], [])
        if up_in in r:
            data = os.read(up_in, 65536)
            if not data:
                # the receiver is done: so is the link, which xl sees end
                # only once this proxy (and the shell that ran it, which
                # holds the link too) has exited
                return child.wait()
            elif went:
                sys.stderr.write("mig-proxy: dropped the receiver's report\n")
                return 0
            else:
                if fault == "delay-ready" and follower.end_at is not None and \
                        passed >= follower.end_at and not held:
                    held = True
                    time.sleep(at / 1000.0)
                    sys.stderr.write("mig-proxy: held the receiver's answer after END for %d ms\n" % at)
                write_all(up_out, data)
        if down_in in r:
            data = os.read(down_in, 65536)
            if not data:
                open_fds.remove(down_in)
                child.stdin.close()
                continue
            if record:
                record.write(data)
            if follower:
                out = follower.feed(data)
                if fault == "forge-go" and follower.end_at is not None:
                    # the stream's end goes on; what follows is GO, held until whole
                    cut = max(follower.end_at - passed, 0)
                    write_all(down_out, out[:cut])
                    passed += cut
                    after_end += out[cut:]
                    if len(after_end) < 16 or \
                            len(after_end) < 16 + struct.unpack_from("<I", after_end, 8)[0]:
                        continue
                    end = 16 + struct.unpack_from("<I", after_end, 8)[0]
                    after_end[end - 1] ^= 0xff
                    sys.stderr.write("mig-proxy: forged GO (its last byte changed)\n")
                    write_all(down_out, bytes(after_end))
                    passed += len(after_end)
                    follower = None
                    fault = None
                    continue
                write_all(down_out, out)
                passed += len(out)
                if fault == "kill-after-end" and follower.end_at is not None and \
                        passed >= follower.end_at:
                    child.kill()
                    sys.stderr.write("mig-proxy: killed the receiver after the stream's END\n")
                    return 0
                continue
            if fault == "drop-report":
                tail = (tail + data)[-len(go):]
                went = went or go in data or tail.endswith(go)
            if fault == "kill-at-go":
                tail = (tail + data)[-len(go):]
                if go in data or tail.endswith(go):
                    child.kill()
                    sys.stderr.write("mig-proxy: killed the receiver at GO\n")
                    return 0
            if fault in ("cut", "kill") and passed + len(data) >= at:
                write_all(down_out, data[:max(at - passed, 0)])
                if fault == "kill":
                    child.kill()
                    sys.stderr.write("mig-proxy: killed the receiver after %d bytes\n" % at)
                else:
                    sys.stderr.write("mig-proxy: cut the stream after %d bytes\n" % at)
                return 0
            if fault == "flip" and passed <= at < passed + len(data):
                b = bytearray(data)
                b[at - passed] ^= 0xff
                data = bytes(b)
                sys.stderr.write("mig-proxy: flipped the byte at %d\n" % at)
            write_all(down_out, data)
            passed += len(data)
    return child.wait()


def replay(path, receiver):
    """A recorded migration played to a receiver: its answers go to stdout."""
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    child = subprocess.Popen(["/bin/sh", "-c", receiver], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, bufsize=0)
    with open(path, "rb") as f:
        data = f.read()
    try:
        child.stdin.write(data)
        child.stdin.close()
    except BrokenPipeError:
        pass                    # it stopped reading: its status says why
    sys.stdout.buffer.write(child.stdout.read())
    rc = child.wait()
    sys.stderr.write("mig-proxy: replayed %d bytes; the receiver exited with %d\n" % (len(data), rc))
    return rc


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
