# SPDX-License-Identifier: LGPL-2.1-or-later
"""Events: the descriptor, the iterator and the asyncio watcher."""

import asyncio
import time
import unittest

import hv
from hvtest import minios_config, needs_kvm


class EventTypeTest(unittest.TestCase):
    def test_memory_event(self):
        self.assertEqual(hv.EventType.MEMORY, hv.raw.HV_EVENT_MEMORY)
        self.assertEqual(hv.MEMORY_MISSED, hv.raw.HV_EVENT_MEMORY_MISSED)
        ev = hv.Event._from_raw({"type": hv.raw.HV_EVENT_MEMORY, "domid": 3,
                                 "code": hv.raw.HV_EVENT_MEMORY_MISSED, "name": "g"})
        self.assertIs(ev.type, hv.EventType.MEMORY)
        self.assertEqual(ev.code, hv.MEMORY_MISSED)
        self.assertNotIsInstance(ev.code, hv.ShutdownCode)
        ev = hv.Event._from_raw({"type": hv.raw.HV_EVENT_SHUTDOWN, "domid": 3,
                                 "code": hv.raw.HV_SHUTDOWN_REBOOT, "name": "g"})
        self.assertIs(ev.code, hv.ShutdownCode.REBOOT)

    def test_every_event_type_has_a_member(self):
        raw = {v for k, v in vars(hv.raw).items()
               if k.startswith("HV_EVENT_") and k != "HV_EVENT_MEMORY_MISSED"}
        self.assertEqual(raw, {t.value for t in hv.EventType})


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
