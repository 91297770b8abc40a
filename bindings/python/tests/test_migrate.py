# SPDX-License-Identifier: LGPL-2.1-or-later
"""Live migration: the progress callback's path through C and the
arguments checked before anything is sent (no domain needed), a receiver
refusing a sender it does not understand, and, with KVM, migrations
between this hvd and a second one (its own HV_RUNDIR and HV_LOGDIR), to
``xl migrate-receive`` and back from ``xl migrate`` to a receiver that
uses this binding."""

import asyncio
import dataclasses
import hashlib
import hmac
import os
import re
import shlex
import socket
import struct
import subprocess
import sys
import threading
import unittest

import hv
from hv import _aio
from hv import migration as _migration
from hvtest import (BUSY_CMDLINE, BUSY_WARM, MINIOS, SRC, TMP, XL, kill_daemons,
                    minios_config, needs_kvm, scaled, wait_booted)


class Stop(Exception):
    pass


def selftest(progress):
    """Calls ``progress`` through the C callback as hv_domain_migrate_send()
    does, with a made-up report (round 3 of a 64 MiB guest's migration)."""
    return hv.raw.hvpy_migrate_progress_selftest(_migration._progress(progress))


class ProgressTest(unittest.TestCase):
    def test_values_through_c(self):
        seen = []
        self.assertFalse(selftest(seen.append))
        self.assertEqual(len(seen), 1)
        p = seen[0]
        self.assertIsInstance(p, hv.MigrateProgress)
        self.assertIs(p.phase, hv.MigratePhase.ROUNDS)
        self.assertEqual(p.phase.name, "ROUNDS")
        self.assertEqual((p.round, p.memory_bytes, p.remaining_bytes), (3, 64 << 20, 1 << 20))
        self.assertEqual((p.sent_bytes, p.dirty_rate), (70 << 20, 4 << 20))
        self.assertEqual(p.bandwidth, 1 << 33)      # past 32 bits
        self.assertEqual((p.expected_downtime_ns, p.elapsed_ns), (250000, 1500000000))

    def test_true_cancels_an_exception_propagates(self):
        self.assertTrue(selftest(lambda p: True))
        self.assertTrue(selftest(lambda p: 1))
        self.assertFalse(selftest(lambda p: None))
        self.assertFalse(selftest(lambda p: 0))
        with self.assertRaises(Stop):
            selftest(lambda p: (_ for _ in ()).throw(Stop()))
        self.assertFalse(hv.raw.hvpy_migrate_progress_selftest(None))
        with self.assertRaises(TypeError):
            hv.raw.hvpy_migrate_progress_selftest(42)

    def test_on_the_loop_thread(self):
        """The awaitable migrate_send's path: the callback runs on the
        loop's thread and what it returns reaches C."""
        threads = []

        def progress(p):
            threads.append(threading.get_ident())
            return p.round == 3

        async def main():
            return await _aio.run(lambda tick: selftest(tick), progress)
        self.assertTrue(asyncio.run(main()))
        self.assertEqual(threads, [threading.get_ident()])

    def test_stats_through_c(self):
        st = hv.MigrateStats._from_raw(hv.raw.hvpy_migrate_stats_selftest())
        self.assertEqual(st.id, bytes(range(0xa0, 0xb0)))
        self.assertEqual(st.id_hex, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")
        self.assertEqual(st.total_ns, 1 << 40)
        self.assertEqual(st.bytes, 10 << 32)
        self.assertEqual([st.setup_ns, st.downtime_ns, st.pause_ns, st.last_pages_ns,
                          st.state_ns, st.restore_ns, st.resume_ns, st.expected_downtime_ns],
                         list(range(2, 10)))
        self.assertEqual([st.pages, st.zero_pages, st.rounds, st.last_pages, st.bandwidth,
                          st.dirty_rate], list(range(11, 17)))
        self.assertEqual(st.go_sent, 1)

    def test_every_member_of_the_header(self):
        """MigrateProgress and MigrateStats have every member of their C
        structures, in their order."""
        with open(os.path.join(SRC, "libhv", "include", "hv", "domain.h")) as f:
            header = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
        for struct, cls in (("hv_migrate_progress", hv.MigrateProgress),
                            ("hv_migrate_stats", hv.MigrateStats)):
            body = re.search(r"typedef struct %s \{(.*?)\}" % struct, header, re.S).group(1)
            members = re.findall(r"(\w+)(?:\[\d+\])?;", body)
            self.assertEqual(members[0], "struct_size")
            self.assertEqual([f.name for f in dataclasses.fields(cls)], members[1:], struct)


# the migration protocol's version (MIG_VERSION in libhv/migrate.c)
MIG_VERSION = 3


def hello(version=MIG_VERSION, flags=0, description=b'{"name": "x"}'):
    """A HELLO message of the protocol (docs/migration.md)."""
    body = struct.pack("<II16s", version, flags, os.urandom(16)) + description
    return struct.pack("<4sIII", b"HVMG", 1, len(body), 0) + body


def read_message(sock):
    """(type, body) of the next message on ``sock``."""
    def exactly(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise EOFError("the connection ended")
            data += chunk
        return data
    magic, kind, length, _ = struct.unpack("<4sIII", exactly(16))
    assert magic == b"HVMG", magic
    return kind, exactly(length)


class ArgumentTest(unittest.TestCase):
    """What is refused before anything is sent or read (hvd runs, but no
    domain is needed)."""

    def setUp(self):
        self.ctx = hv.Context()
        self.ghost = hv.Domain(self.ctx, {"domid": 4242, "name": "ghost"})
        self.a, self.b = socket.socketpair()

    def tearDown(self):
        self.a.close()
        self.b.close()
        self.ctx.close()

    def assertNothingSent(self):
        self.b.setblocking(False)
        with self.assertRaises(BlockingIOError):
            self.b.recv(1)

    def test_bad_params(self):
        for kw in ({"downtime_ms": -1}, {"ceiling_ms": 1 << 32}, {"bandwidth": -5},
                   {"timeout_ms": 1 << 64}):
            with self.assertRaises(hv.InvalidArgument, msg=kw) as cm:
                self.ghost.migrate_send(self.a, **kw)
            self.assertIn(next(iter(kw)), str(cm.exception))
        # checked by libhv before it looks for the domain: InvalidArgument,
        # not NotFound
        with self.assertRaises(hv.InvalidArgument) as cm:
            self.ghost.migrate_send(self.a, downtime_ms=500, ceiling_ms=200)
        self.assertIn("ceiling", str(cm.exception))
        self.assertIsInstance(cm.exception, ValueError)
        with self.assertRaises(TypeError):
            self.ghost.migrate_send(self.a, progress=42)
        with self.assertRaises(TypeError):
            self.ghost.migrate_send(self.a, downtime_ms=1.5)
        self.assertNothingSent()

    def test_bad_descriptors(self):
        r, w = os.pipe()
        os.close(r)
        os.close(w)
        with self.assertRaises(hv.InvalidArgument) as cm:
            self.ghost.migrate_send(w)
        self.assertIn("not open", str(cm.exception))
        with self.assertRaises(hv.InvalidArgument):
            self.ghost.migrate_send(self.a, r)

    def test_unknown_domain(self):
        with self.assertRaises(hv.NotFound):
            self.ghost.migrate_send(self.a, progress=lambda p: None)
        self.assertNothingSent()

    def test_receive_from_a_file(self):
        before = self.ctx.domains()
        path = os.path.join(TMP, "py-mig-not-a-socket")
        with open(path, "wb+") as f:
            f.write(hello())
            f.seek(0)
            with self.assertRaises(hv.InvalidArgument) as cm:
                self.ctx.migrate_receive(f)
            self.assertIn("not a pipe or socket", str(cm.exception))
        with self.assertRaises(hv.InvalidArgument):
            self.ctx.migrate_receive(self.a, 1 << 20)
        self.assertEqual(self.ctx.domains(), before)

    def test_receive_refuses_another_version(self):
        """A sender of another protocol version is refused in preflight:
        VersionMismatch here, the reason sent back."""
        self.b.sendall(hello(version=99))
        with self.assertRaises(hv.VersionMismatch) as cm:
            self.ctx.migrate_receive(self.a)
        self.assertIn("protocol 99", str(cm.exception))
        kind, body = read_message(self.b)
        self.assertEqual(kind, 2)      # PREFLIGHT
        status, _ = struct.unpack("<iI", body[:8])
        self.assertEqual(status, hv.raw.HV_ERROR_VERSION)
        self.assertIn(b"protocol 99", body[8:])

    def test_receive_junk_and_hangup(self):
        self.b.sendall(b"GET / HTTP/1.0\r\n\r\n")
        with self.assertRaises(hv.ProtocolError):
            self.ctx.migrate_receive(self.a)
        a, b = socket.socketpair()
        with a:
            b.close()
            with self.assertRaises(hv.IOFailure):
                asyncio.run(self.ctx.migrate_receive_async(a))


def sealed_hello(key, flags=0, description=b'{"name": "x"}'):
    """A HELLO of a sealed migration with its MAC under ``key`` (the derived
    key, as hv.raw.hv_seal_key_from_bytes() gives it; docs/migration.md)."""
    head = struct.pack("<II16s", MIG_VERSION, flags | 0x80000000, os.urandom(16))
    mac = hmac.new(bytes(key), b"hv migration hello 1" + head + description,
                   hashlib.sha256).digest()
    body = head + mac + description
    return struct.pack("<4sIII", b"HVMG", 1, len(body), 0) + body


class SealTest(unittest.TestCase):
    """Keys, and a sealed migration's refusals before anything reaches hvd."""

    def setUp(self):
        self.ctx = hv.Context()
        self.a, self.b = socket.socketpair()
        self.material = os.urandom(40)

    def tearDown(self):
        self.a.close()
        self.b.close()
        self.ctx.close()

    def preflight(self):
        """The PREFLIGHT the receiver answered: (status, message)."""
        kind, body = read_message(self.b)
        self.assertEqual(kind, 2)
        status, _ = struct.unpack("<iI", body[:8])
        return status, body[8:]

    def test_keys(self):
        path = os.path.join(TMP, "py-seal-test.key")
        with open(path, "wb") as f:
            f.write(self.material)
        k = self.ctx._call(hv.seal._derive, path)
        self.assertIsInstance(k, bytearray)
        self.assertEqual(len(k), 32)
        self.assertEqual(k, self.ctx._call(hv.seal._derive, self.material))
        self.assertEqual(k, self.ctx._call(hv.seal._derive, memoryview(self.material)))
        self.assertNotEqual(k, self.ctx._call(hv.seal._derive, os.urandom(32)))
        hv.seal._wipe(k)
        self.assertEqual(k, bytearray(32))
        with self.assertRaises(hv.InvalidArgument) as cm:
            self.ctx._call(hv.seal._derive, b"short")
        self.assertIn("head -c 32", str(cm.exception))
        with self.assertRaises(hv.NotFound):
            self.ctx._call(hv.seal._derive, path + ".none")
        with self.assertRaises(TypeError):
            self.ctx._call(hv.seal._derive, 42)
        with self.assertRaises(ValueError):
            hv.raw.hv_domain_save_sealed(self.ctx._ctx, 4242, 1, None, 0, b"x" * 31, None)

    def test_bad_key_before_anything(self):
        ghost = hv.Domain(self.ctx, {"domid": 4242, "name": "ghost"})
        path = os.path.join(TMP, "py-seal-nothing.img")
        with self.assertRaises(hv.InvalidArgument):
            ghost.save(path, key=b"too short")
        self.assertFalse(os.path.exists(path))
        with self.assertRaises(hv.InvalidArgument) as cm:
            ghost.migrate_send(self.a, key=self.material, local=True)
        self.assertIn("local", str(cm.exception))
        self.b.setblocking(False)
        with self.assertRaises(BlockingIOError):
            self.b.recv(1)

    def test_receiver_with_a_key_refuses_unsealed(self):
        self.b.sendall(hello())
        with self.assertRaises(hv.PermissionDenied) as cm:
            self.ctx.migrate_receive(self.a, key=self.material)
        self.assertIn("only sealed", str(cm.exception))
        status, msg = self.preflight()
        self.assertEqual(status, hv.raw.HV_ERROR_PERM)
        self.assertIn(b"migrate with -k", msg)

    def test_receiver_without_a_key_refuses_sealed(self):
        k = self.ctx._call(hv.seal._derive, self.material)
        self.b.sendall(sealed_hello(k))
        with self.assertRaises(hv.InvalidArgument) as cm:
            self.ctx.migrate_receive(self.a)
        self.assertIn("no key", str(cm.exception))
        status, msg = self.preflight()
        self.assertEqual(status, hv.raw.HV_ERROR_INVAL)
        self.assertIn(b"migrate-receive -k", msg)

    def test_another_key_or_an_altered_hello(self):
        other = self.ctx._call(hv.seal._derive, os.urandom(32))
        self.b.sendall(sealed_hello(other))
        with self.assertRaises(hv.Corrupt) as cm:
            self.ctx.migrate_receive(self.a, key=self.material)
        self.assertIn("another key", str(cm.exception))
        status, _ = self.preflight()
        self.assertEqual(status, hv.raw.HV_ERROR_CORRUPT)
        # the right key, the description changed after it was sealed
        a, b = socket.socketpair()
        with a, b:
            k = self.ctx._call(hv.seal._derive, self.material)
            msg = bytearray(sealed_hello(k))
            msg[-3] ^= 1
            b.sendall(bytes(msg))
            with self.assertRaises(hv.Corrupt):
                self.ctx.migrate_receive(a, key=self.material)

    def test_the_right_key_passes_the_seal(self):
        """With the key the HELLO was sealed with, the receiver reads on:
        this description is refused for what it is, not for its seal."""
        k = self.ctx._call(hv.seal._derive, self.material)
        self.b.sendall(sealed_hello(k, description=b"{"))
        with self.assertRaises(hv.Error) as cm:
            self.ctx.migrate_receive(self.a, key=self.material)
        self.assertNotIsInstance(cm.exception, (hv.Corrupt, hv.PermissionDenied))
        self.assertIn("description", str(cm.exception))


@needs_kvm
@unittest.skipUnless(os.access(XL, os.X_OK), "xl was not built (%s)" % XL)
class MigrateTest(unittest.TestCase):
    """Migrations between this hvd and a second one on this host."""

    def setUp(self):
        self.ctx = hv.Context()
        self.rundir2 = os.path.join(TMP, "run2")
        self.logdir2 = os.path.join(TMP, "log2")
        self.env2 = dict(os.environ, HV_RUNDIR=self.rundir2, HV_LOGDIR=self.logdir2)

    def tearDown(self):
        for d in self.ctx.domains():
            if d.name.startswith("py-mig"):
                d.destroy()
        self.ctx.close()
        kill_daemons(self.rundir2)

    def xl2(self, *args, **kw):
        """xl under the second hvd."""
        return subprocess.run([XL] + list(args), env=self.env2, capture_output=True,
                              text=True, timeout=scaled(60), **kw)

    def state2(self, name):
        """The state column of ``xl list`` at the second hvd (None: no such
        domain)."""
        for line in self.xl2("list").stdout.splitlines()[1:]:
            cols = line.split()
            if cols and cols[0] == name:
                return cols[4]
        return None

    def receiver(self, *args):
        """``xl migrate-receive`` under the second hvd, on one end of a
        socket pair; the other end is returned."""
        mine, theirs = socket.socketpair()
        with theirs:
            proc = subprocess.Popen([XL, "migrate-receive"] + list(args), stdin=theirs,
                                    stdout=theirs, stderr=subprocess.PIPE, env=self.env2)
        return mine, proc

    def test_there_and_back(self):
        dom = self.ctx.create(minios_config("py-mig"))
        wait_booted("py-mig")
        sock, proc = self.receiver()
        seen = []
        with sock:
            st = dom.migrate_send(sock, downtime_ms=int(scaled(2000)), progress=seen.append)
        _, err = proc.communicate(timeout=scaled(60))
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn(b"runs here", err)
        # it runs there, and no longer here
        with self.assertRaises(hv.NotFound):
            dom.refresh()
        self.assertIn(self.state2("py-mig"), ("r-----", "-b----"))
        wait_booted("py-mig", text="minios: counter ", logdir=self.logdir2)
        # what the migration reported
        self.assertIsInstance(st, hv.MigrateStats)
        self.assertEqual(len(st.id), 16)
        self.assertEqual(len(st.id_hex), 32)
        self.assertGreater(st.total_ns, 0)
        self.assertGreater(st.downtime_ns, 0)
        self.assertLessEqual(st.downtime_ns, st.total_ns)
        self.assertGreater(st.bytes, 0)
        self.assertGreater(st.pages, 0)
        self.assertGreaterEqual(st.rounds, 1)
        self.assertTrue(seen, "no progress report")
        self.assertIs(seen[0].phase, hv.MigratePhase.PREFLIGHT)
        self.assertEqual(seen[0].memory_bytes, 32 << 20)
        phases = [p.phase for p in seen]
        self.assertEqual(phases, sorted(phases), "the phases went backwards")

        # and back: xl migrate at the second hvd, to a receiver that is this
        # binding under the first
        script = ("import sys, hv\n"
                  "with hv.Context() as ctx:\n"
                  "    dom, st = ctx.migrate_receive(sys.stdin, sys.stdout)\n"
                  "    print('received', dom.name, dom.state.name, st.id_hex, file=sys.stderr)\n")
        cmd = "env HV_RUNDIR=%s HV_LOGDIR=%s %s -c %s" % (
            shlex.quote(os.environ["HV_RUNDIR"]), shlex.quote(os.environ["HV_LOGDIR"]),
            shlex.quote(sys.executable), shlex.quote(script))
        r = self.xl2("migrate", "--downtime-ms", str(int(scaled(2000))), "-s", "", "py-mig", cmd)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"received py-mig RUNNING [0-9a-f]{32}")
        self.assertIsNone(self.state2("py-mig"))
        back = self.ctx.domain("py-mig")
        self.assertEqual(back.state, hv.State.RUNNING)
        self.assertEqual(back.uuid, dom.uuid)

    def test_cancelled_by_true_before_anything_is_sent(self):
        dom = self.ctx.create(minios_config("py-mig-t"))
        sock, proc = self.receiver()
        seen = []
        with sock:
            with self.assertRaises(hv.Cancelled):
                dom.migrate_send(sock, progress=lambda p: seen.append(p.phase) or True)
        proc.communicate(timeout=scaled(60))
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(seen, [hv.MigratePhase.PREFLIGHT])
        self.assertEqual(dom.refresh().state, hv.State.RUNNING)
        self.assertIsNone(self.state2("py-mig-t"))

    def test_exception_cancels_mid_stream(self):
        # a guest that keeps writing 192 MiB, sent at 64 MiB/s: memory is
        # still going when the callback raises
        dom = self.ctx.create(minios_config("py-mig-x", memory_mib=256, cmdline=BUSY_CMDLINE))
        wait_booted("py-mig-x", text=BUSY_WARM)
        sock, proc = self.receiver()
        seen = []

        def progress(p):
            seen.append(p)
            if p.phase >= hv.MigratePhase.FIRST and p.sent_bytes > 0:
                raise Stop("stop here")
        with sock:
            with self.assertRaises(Stop):
                dom.migrate_send(sock, bandwidth=64 << 20, progress=progress)
        proc.communicate(timeout=scaled(60))
        self.assertNotEqual(proc.returncode, 0)
        self.assertLess(seen[-1].sent_bytes, 256 << 20)
        self.assertEqual(dom.refresh().state, hv.State.RUNNING)
        dom.pause()     # it still answers
        dom.unpause()
        self.assertIsNone(self.state2("py-mig-x"))

    def test_refused_by_the_destination(self):
        """A name the destination has: refused in preflight, Exists here."""
        dom = self.ctx.create(minios_config("py-mig-r"))
        cfg = os.path.join(TMP, "py-mig-r.cfg")
        with open(cfg, "w") as f:
            f.write('name = "py-mig-r"\nkernel = "%s"\nmemory = 32\n'
                    'extra = "workload=counter runtime=600"\n' % MINIOS)
        r = self.xl2("create", "-q", cfg)
        self.assertEqual(r.returncode, 0, r.stderr)
        sock, proc = self.receiver()
        with sock:
            with self.assertRaises(hv.Exists) as cm:
                asyncio.run(dom.migrate_send_async(sock))
        self.assertIn("exists at the destination", str(cm.exception))
        proc.communicate(timeout=scaled(60))
        self.assertEqual(dom.refresh().state, hv.State.RUNNING)
        self.xl2("destroy", "py-mig-r")

    def test_sealed(self):
        """key=: to xl migrate-receive -k with the same key it goes; with
        another, the destination refuses and the domain runs on here."""
        keyfile = os.path.join(TMP, "py-mig-s.key")
        with open(keyfile, "wb") as f:
            f.write(os.urandom(32))
        other = os.path.join(TMP, "py-mig-s-other.key")
        with open(other, "wb") as f:
            f.write(os.urandom(32))
        dom = self.ctx.create(minios_config("py-mig-s"))
        wait_booted("py-mig-s")
        sock, proc = self.receiver("-k", other)
        with sock:
            with self.assertRaises(hv.Corrupt) as cm:
                dom.migrate_send(sock, key=keyfile)
        self.assertIn("another key", str(cm.exception))
        proc.communicate(timeout=scaled(60))
        self.assertEqual(dom.refresh().state, hv.State.RUNNING)
        self.assertIsNone(self.state2("py-mig-s"))
        sock, proc = self.receiver("-k", keyfile)
        with sock:
            dom.migrate_send(sock, downtime_ms=int(scaled(2000)), key=keyfile)
        _, err = proc.communicate(timeout=scaled(60))
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn(self.state2("py-mig-s"), ("r-----", "-b----"))
        self.xl2("destroy", "py-mig-s")


if __name__ == "__main__":
    unittest.main()
