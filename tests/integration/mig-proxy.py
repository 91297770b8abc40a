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
import zlib


class CrcFlipper:
    """Follows the sender's bytes (HELLO, PING, then the save stream,
    docs/migration.md and docs/save-stream.md) and holds back the record
    to alter until all of it has come."""

    def __init__(self, at):
        self.at = at
        self.buf = bytearray()      # not yet passed on, from offset base
        self.base = 0
        self.unit = 0               # where the next unit to parse starts
        self.step = 0               # 0, 1: HVMG messages; 2: header; 3: records
        self.rec_extra = 8          # a record's trailer past its padded body
        self.done = False

    def _byte(self, off, n):
        i = off - self.base
        return bytes(self.buf[i:i + n]) if i + n <= len(self.buf) else None

    def feed(self, data):
        """The bytes that may go on now."""
        self.buf += data
        if self.done:
            out, self.buf = bytes(self.buf), bytearray()
            self.base += len(out)
            return out
        while True:
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
                if typ == 0:            # END: nothing to alter came
                    self.done = True
                    break
                if ln and self.unit + 16 + ln > self.at:
                    if self._byte(self.unit, end - self.unit) is None:
                        break           # all of it first
                    o = self.unit - self.base
                    flip = max(self.at, self.unit + 16) - self.base
                    self.buf[flip] ^= 0xff
                    crc_at = o + 16 + padded
                    struct.pack_into("<I", self.buf, crc_at,
                                     zlib.crc32(bytes(self.buf[o:crc_at])) & 0xffffffff)
                    sys.stderr.write("mig-proxy: flipped the byte at %d, the CRC of record type %d made good\n"
                                     % (flip + self.base, typ))
                    self.done = True
                    break
                self.unit = end
        limit = len(self.buf) if self.done else min(len(self.buf), self.unit - self.base)
        out = bytes(self.buf[:limit])
        del self.buf[:limit]
        self.base += limit
        return out


def main():
    args = sys.argv[1:]
    fault, at = None, 0
    if args and args[0] in ("--cut", "--flip", "--flip-crc", "--kill"):
        fault, at = args[0][2:], int(args[1])
        args = args[2:]
    elif args and args[0] in ("--kill-at-go", "--drop-report"):
        fault = args[0][2:]
        args = args[1:]
    if len(args) == 3 and args[1] == "--query":
        # xl migrate asking after a lost report: straight to the receiver
        os.execv("/bin/sh", ["sh", "-c", "%s --query %s" % (args[0], args[2])])
    if len(args) != 1:
        sys.exit("usage: mig-proxy.py [--cut N | --flip N | --flip-crc N | --kill N | --kill-at-go | --drop-report] RECEIVER")
    child = subprocess.Popen(["/bin/sh", "-c", args[0]], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, bufsize=0)
    down_in, down_out = 0, child.stdin.fileno()
    up_in, up_out = child.stdout.fileno(), 1
    passed = 0
    # the protocol's messages before the stream and after it: HELLO, then
    # the save stream (its END ends it), then GO; a GO is a header of
    # "HVMG", type 4, length 0, reserved 0
    go = b"HVMG" + struct.pack("<III", 4, 0, 0)
    tail = b""
    went = False
    open_fds = [down_in, up_in]
    flipper = CrcFlipper(at) if fault == "flip-crc" else None

    def write_all(fd, data):
        while data:
            data = data[os.write(fd, data):]

    while open_fds:
        r, _, _ = select.select(open_fds, [], [])
        if up_in in r:
            data = os.read(up_in, 65536)
            if not data:
                open_fds.remove(up_in)
                os.close(up_out)
            elif went:
                sys.stderr.write("mig-proxy: dropped the receiver's report\n")
                return 0
            else:
                write_all(up_out, data)
        if down_in in r:
            data = os.read(down_in, 65536)
            if not data:
                open_fds.remove(down_in)
                child.stdin.close()
                continue
            if flipper:
                write_all(down_out, flipper.feed(data))
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


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
