# SPDX-License-Identifier: LGPL-2.1-or-later
"""The awaitable operations: progress on the loop's thread, exceptions and
task cancellation cancelling the call (checked through the C callback
without a domain), and their errors against hvd."""

import asyncio
import os
import threading
import time
import unittest

import hv
from hv import _aio
from hvtest import BUSY_CMDLINE, BUSY_WARM, TMP, minios_config, needs_kvm, scaled, wait_booted


class Stop(Exception):
    pass


def ticking(n, delay=0.0, log=None):
    """An operation that reports progress n times through libhv's C
    callback path (hvpy_progress_selftest), as a save does."""
    def call(tick):
        for i in range(n):
            if log is not None:
                log.append(i)
            hv.raw.hvpy_progress_selftest(tick, i + 1, n)
            time.sleep(delay)
        return "done"
    return call


class AioMachineryTest(unittest.TestCase):
    def test_progress_runs_on_the_loop_thread(self):
        seen, threads = [], set()

        def progress(done, total):
            seen.append((done, total))
            threads.add(threading.get_ident())

        async def main():
            return await _aio.run(ticking(3), progress)
        self.assertEqual(asyncio.run(main()), "done")
        self.assertEqual(seen, [(1, 3), (2, 3), (3, 3)])
        self.assertEqual(threads, {threading.get_ident()})

    def test_exception_in_progress_cancels_and_propagates(self):
        log = []

        def progress(done, total):
            if done == 2:
                raise Stop("enough")

        async def main():
            await _aio.run(ticking(5, log=log), progress)
        with self.assertRaises(Stop):
            asyncio.run(main())
        self.assertEqual(log, [0, 1], "the operation went on after the exception")

    def test_task_cancel_cancels_the_call(self):
        log, finished = [], threading.Event()

        def call(tick):
            try:
                return ticking(200, 0.02, log)(tick)
            finally:
                finished.set()

        async def main():
            task = asyncio.create_task(_aio.run(call))
            await asyncio.sleep(0.2)
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task
            # the call had ended when the cancel propagated
            self.assertTrue(finished.is_set())
        asyncio.run(main())
        self.assertLess(len(log), 200)

    def test_cancel_undoes_a_call_that_finished(self):
        undone = []

        def call(tick):
            time.sleep(0.3)     # no progress report to stop it
            return 42

        async def main():
            task = asyncio.create_task(_aio.run(call, undo=undone.append))
            await asyncio.sleep(0.05)
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task
        asyncio.run(main())
        self.assertEqual(undone, [42])

    def test_other_tasks_run_meanwhile(self):
        beats = []

        async def heartbeat():
            while True:
                beats.append(time.monotonic())
                await asyncio.sleep(0.01)

        async def main():
            hb = asyncio.create_task(heartbeat())
            await _aio.run(ticking(5, 0.05))
            hb.cancel()
        asyncio.run(main())
        self.assertGreater(len(beats), 5)


class AsyncDaemonTest(unittest.TestCase):
    """Errors of the awaitable calls, from hvd (no domain needed)."""

    def setUp(self):
        self.ctx = hv.Context()
        self.ghost = hv.domain.Domain(self.ctx, {"domid": 4000, "name": "ghost"})

    def tearDown(self):
        self.ctx.close()

    def test_save_async_unknown_domain(self):
        path = os.path.join(TMP, "async-ghost.img")
        with self.assertRaises(hv.NotFound):
            asyncio.run(self.ghost.save_async(path, progress=lambda d, t: None))
        self.assertFalse(os.path.exists(path))

    def test_restore_async_refuses_junk(self):
        path = os.path.join(TMP, "async-junk.img")
        with open(path, "wb") as f:
            f.write(os.urandom(8192))
        with self.assertRaises(hv.Corrupt):
            asyncio.run(self.ctx.restore_async(path))
        self.assertEqual(self.ctx.domains(), [])

    def test_create_async_error(self):
        with self.assertRaises(hv.Error) as cm:
            asyncio.run(self.ctx.create_async({"name": "nok", "kernel": "/nonexistent/k"}))
        self.assertIn("/nonexistent/k", str(cm.exception))

    def test_wait_for_a_domain_that_is_gone(self):
        self.assertIsNone(self.ghost.wait(timeout=1))
        self.assertIsNone(asyncio.run(self.ghost.wait_async(timeout=1)))

    def test_wait_leaves_the_context_events_alone(self):
        fd = self.ctx.event_fd()
        self.ghost.wait(timeout=1)
        self.assertEqual(self.ctx.event_fd(), fd)
        self.assertIsNone(self.ctx.next_event())

    def test_shutdown_unknown_domain(self):
        with self.assertRaises(hv.NotFound):
            self.ghost.shutdown(wait=True, timeout=1)
        with self.assertRaises(hv.NotFound):
            asyncio.run(self.ghost.shutdown_async(timeout=1))


@needs_kvm
class AsyncDomainTest(unittest.TestCase):
    def setUp(self):
        self.ctx = hv.Context()

    def tearDown(self):
        for d in self.ctx.domains():
            if d.name.startswith("py-async"):
                d.destroy()
        self.ctx.close()

    def test_create_save_restore_wait(self):
        path = os.path.join(TMP, "py-async.img")
        seen = []

        async def main():
            dom = await self.ctx.create_async(minios_config("py-async"))
            wait_booted("py-async")  # the image keeps a guest that takes the power button
            await dom.save_async(path, progress=lambda d, t: seen.append((d, t)))
            back = await self.ctx.restore_async(path, name="py-async-back")
            code = await back.shutdown_async(timeout=scaled(60))
            return dom, back, code
        dom, back, code = asyncio.run(main())
        self.assertTrue(seen)
        self.assertEqual(seen[-1][0], seen[-1][1])
        self.assertEqual(back.uuid, dom.uuid)
        self.assertEqual(code, hv.ShutdownCode.POWEROFF)

    def test_cancelled_task_cancels_the_save(self):
        # 256 MiB: eight progress reports (one per 32 MiB).  The task is
        # cancelled in the first; the save stops at the next, and the
        # cancel must reach hv-vmm while memory is still being written.
        dom = self.ctx.create(minios_config("py-async-c", memory_mib=256,
                                            cmdline=BUSY_CMDLINE))
        wait_booted("py-async-c", text=BUSY_WARM)
        path = os.path.join(TMP, "py-async-c.img")

        async def main():
            seen = []

            def progress(done, total):
                seen.append(done)
                task.cancel()
            task = asyncio.create_task(dom.save_async(path, progress=progress))
            with self.assertRaises(asyncio.CancelledError):
                await task
            return seen
        seen = asyncio.run(main())
        self.assertLess(len(seen), 8, "every progress report came: the save was not cancelled")
        self.assertFalse(os.path.exists(path))
        self.assertEqual(dom.refresh().state, hv.State.RUNNING)


if __name__ == "__main__":
    unittest.main()
