# SPDX-License-Identifier: LGPL-2.1-or-later
"""The package's type hints hold together (mypy, where installed: Debian
python3-mypy): every function of the hand-written layer is annotated, and
a program using the API as documented type-checks."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import hv

PROGRAM = '''
import asyncio
import hv

def show(ctx: hv.Context) -> None:
    for dom in ctx.domains():
        state: hv.State = dom.state
        print(dom.domid + 1, dom.name.upper(), state.name, dom.memory_target)
    dom = ctx.create({"name": "x"}, overrides=["memory=64"], paused=True)
    dom.memory_target = 48
    info: hv.MemInfo = dom.meminfo()
    print(info.stats.get("free_memory"), hv.strerror(-1))
    st: hv.Stats = dom.stats()
    disk: hv.VbdStats
    for disk in st.disks:
        print(disk.vdev.upper(), disk.rd_bytes + disk.wr_bytes, disk.valid)
    print(sum(v.tx_bytes for v in st.vifs), st.nr_disks)
    why = dom.wait(timeout=1.5)
    if why is not None:
        print(why.name)

async def watch(ctx: hv.Context) -> None:
    async for ev in ctx.watch():
        print(ev.type, ev.domid)
    dom = await ctx.restore_async("x.img", progress=lambda d, t: None)
    await dom.save_async("x.img", continue_=True)
    st: hv.MigrateStats = await dom.migrate_send_async(3, downtime_ms=100)
    print(st.id_hex.upper(), st.downtime_ns / 1e6)

def migrate(ctx: hv.Context, dom: hv.Domain) -> None:
    import socket
    a, b = socket.socketpair()
    def progress(p: hv.MigrateProgress) -> bool:
        print(p.phase.name, p.round, p.remaining_bytes * 100 // max(p.memory_bytes, 1))
        return p.elapsed_ns > 10 ** 10
    st = dom.migrate_send(a, b.fileno(), bandwidth=1 << 27, compress=True,
                          config={"name": "x"}, progress=progress)
    print(st.bytes + st.pages, st.id.hex())
    back, rst = ctx.migrate_receive(b, paused=True)
    print(back.domid, rst.total_ns, hv.MigratePhase.FINAL.value)

try:
    with hv.Context() as c:
        show(c)
except (hv.NotFound, hv.InvalidConfig) as e:
    print(e.code, e.message)
'''


def mypy():
    try:
        import mypy  # noqa: F401
    except ImportError:
        return None
    return [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", os.devnull,
            "--disallow-untyped-defs", "--disallow-incomplete-defs"]


@unittest.skipIf(mypy() is None, "mypy is not installed for %s (Debian: python3-mypy)"
                 % sys.executable)
class TypingTest(unittest.TestCase):
    def test_package_and_a_program(self):
        pkg = os.path.dirname(os.path.abspath(hv.__file__))
        self.assertTrue(os.path.isfile(os.path.join(pkg, "py.typed")))
        with tempfile.TemporaryDirectory() as tmp:
            # a copy without the C extension: mypy reads only Python
            shutil.copytree(pkg, os.path.join(tmp, "hv"),
                            ignore=shutil.ignore_patterns("*.so", "__pycache__"))
            with open(os.path.join(tmp, "prog.py"), "w") as f:
                f.write(PROGRAM)
            r = subprocess.run(mypy() + ["hv", "prog.py"], cwd=tmp,
                               capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
