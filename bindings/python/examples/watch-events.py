#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Prints domain events as they come, from an asyncio program.

    watch-events.py [SECONDS]

Watches for SECONDS (default: until Ctrl-C).  Meanwhile another task
prints, every 10 seconds, how many domains run: both share one loop, the
event descriptor being watched with loop.add_reader() (ctx.watch()).
"""

import asyncio
import sys
import time

import hv


def describe(ev: hv.Event) -> str:
    what = {
        hv.EventType.SHUTDOWN: "shut down (%s)" % getattr(ev.code, "name", ev.code),
        hv.EventType.DEATH: "is gone",
        hv.EventType.CRASH: "crashed",
        hv.EventType.CREATED: "was created",
        hv.EventType.MEMORY: ("did not reach its memory target in time"
                              if ev.code == hv.MEMORY_MISSED else "reached its memory target"),
    }.get(ev.type, "event %s" % ev.type)
    return "%s domain %d (%s) %s" % (time.strftime("%H:%M:%S"), ev.domid, ev.name, what)


async def events(ctx: hv.Context) -> None:
    async for ev in ctx.watch():
        print(describe(ev), flush=True)


async def census(ctx: hv.Context) -> None:
    while True:
        await asyncio.sleep(10)
        running = [d for d in ctx.domains() if d.state == hv.State.RUNNING]
        print("%s %d domain(s) running" % (time.strftime("%H:%M:%S"), len(running)),
              flush=True)


async def main(seconds: float) -> None:
    with hv.Context() as ctx:
        tasks = [asyncio.create_task(events(ctx)), asyncio.create_task(census(ctx))]
        done, pending = await asyncio.wait(tasks, timeout=seconds,
                                           return_when=asyncio.FIRST_EXCEPTION)
        for t in pending:
            t.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for t in done:
            t.result()      # raises what ended it


if __name__ == "__main__":
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and not sys.argv[1].replace(".", "", 1).isdigit()):
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    try:
        asyncio.run(main(float(sys.argv[1]) if len(sys.argv) == 2 else None))
    except hv.Error as e:
        print("watch-events: %s" % e, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
