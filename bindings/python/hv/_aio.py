# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the awaitable operations share: a libhv call run in a worker
thread (the GIL is released while libhv waits), its progress reported on
the event loop's thread, and cancelling the awaiting task cancelling the
call."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any, Callable, Optional, TypeVar

from .errors import Cancelled

T = TypeVar("T")

#: What a worker passes as the C progress callback: it takes what libhv
#: reports ((done, total) of a save or restore, a
#: :class:`hv.MigrateProgress` of a migration) and returns what the
#: caller's progress function returned.
Tick = Callable[..., Any]


def _ticker(loop: asyncio.AbstractEventLoop,
            progress: Optional[Callable[..., Any]],
            stop: threading.Event) -> Tick:
    """The progress callback the worker thread gives libhv.  It raises
    (and so cancels the operation) once ``stop`` is set, and runs
    ``progress`` on the loop's thread, waiting for it, and returns what it
    returned: an exception it raises is raised here, in the worker, and
    cancels the operation too."""
    def tick(*args: Any) -> Any:
        if stop.is_set():
            raise Cancelled("cancelled: the task awaiting it was cancelled")
        if progress is None:
            return None
        result: "concurrent.futures.Future[Any]" = concurrent.futures.Future()

        def run(fn: Callable[..., Any]) -> None:
            if not result.set_running_or_notify_cancel():
                return
            try:
                value = fn(*args)
            except BaseException as e:  # handed to the worker, which re-raises
                result.set_exception(e)
            else:
                result.set_result(value)
        try:
            loop.call_soon_threadsafe(run, progress)
        except RuntimeError:
            raise Cancelled("cancelled: the event loop was closed") from None
        while not concurrent.futures.wait([result], timeout=0.1).done:
            if stop.is_set() or loop.is_closed():
                result.cancel()
                raise Cancelled("cancelled: the task awaiting it was cancelled")
        return result.result()
    return tick


async def run(call: Callable[[Tick], T],
              progress: Optional[Callable[..., Any]] = None,
              undo: Optional[Callable[[T], None]] = None) -> T:
    """``call(tick)`` in the loop's default executor; ``tick`` is the
    progress callback to give libhv.  If the awaiting task is cancelled,
    the call is cancelled at its next progress report, this waits for it
    to end, and, if it succeeded all the same, ``undo(result)`` runs
    (e.g. destroys the domain a cancelled create made) before
    :class:`asyncio.CancelledError` propagates."""
    loop = asyncio.get_running_loop()
    stop = threading.Event()
    fut = loop.run_in_executor(None, call, _ticker(loop, progress, stop))
    try:
        return await asyncio.shield(fut)
    except asyncio.CancelledError:
        stop.set()
        try:
            result = await fut
        except BaseException:
            pass            # cancelled, or failed: nothing to undo
        else:
            if undo is not None:
                try:
                    await loop.run_in_executor(None, undo, result)
                except Exception:   # gone already: the cancel stands
                    pass
        raise


async def readable(fd: int) -> None:
    """Returns once ``fd`` is readable, watched with the running loop's
    add_reader()."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)
    loop.add_reader(fd, wake)
    try:
        await ready
    finally:
        loop.remove_reader(fd)
