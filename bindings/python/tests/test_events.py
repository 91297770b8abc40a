# SPDX-License-Identifier: LGPL-2.1-or-later
"""Events: the descriptor, the iterator and the asyncio watcher."""

import asyncio
import time
import unittest

import hv
from hvtest import minios_config, needs_kvm


class EventTest(unittest.TestCase):
    def setUp(self):
        self.ctx = hv.Context()

    def tearDown(self):
        self.ctx.close()

    def test_subscribe(self):
        fd = self.ctx.event_fd()
        self.assertGreaterEqual(fd, 0)
        self.assertEqual(self.ctx.event_fd(), fd)
        self.assertIsNone(self.ctx.next_event())

    def test_iterator_times_out(self):
        t0 = time.monotonic()
        self.assertEqual(list(self.ctx.events(timeout=0.2)), [])
        self.assertGreaterEqual(time.monotonic() - t0, 0.15)

    def test_wait_times_out(self):
        with self.assertRaises(hv.TimedOut):
            self.ctx.wait_event(timeout=0.1)

    def test_asyncio_watcher_waits(self):
        async def first():
            async for ev in self.ctx.watch():
                return ev
        async def main():
            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for(first(), 0.3)
        asyncio.run(main())

    @needs_kvm
    def test_asyncio_watcher_sees_death(self):
        async def main():
            watch = self.ctx.watch()
            dom = self.ctx.create(minios_config("py-ev"))
            dom.destroy()
            async for ev in watch:
                if ev.type == hv.EventType.DEATH and ev.domid == dom.domid:
                    return ev
        ev = asyncio.run(asyncio.wait_for(main(), 30))
        self.assertEqual(ev.name, "py-ev")


if __name__ == "__main__":
    unittest.main()
