# SPDX-License-Identifier: LGPL-2.1-or-later
"""hv: Python binding of libhv, the hv toolstack library.

    import hv
    with hv.Context() as ctx:
        for dom in ctx.domains():
            print(dom.domid, dom.name, dom.state.name, dom.memory)
        dom = ctx.create("/etc/hv/guest.cfg")
        dom.save("guest.img", progress=lambda done, total: None)
        dom = ctx.restore("guest.img")
        dom.unpause()
        print(dom.wait())               # ShutdownCode.POWEROFF, say

    async def main(ctx):                # on asyncio
        dom = await ctx.create_async("/etc/hv/guest.cfg")
        await dom.save_async("guest.img", progress=bar, continue_=True)
        async for ev in ctx.watch():
            print(ev.type.name, ev.name)

:class:`Context` is the entry point; :class:`Domain` the domains it finds
or makes; :class:`Event` what :meth:`Context.events` and
:meth:`Context.watch` (asyncio) deliver; every failure raises a subclass
of :class:`Error`, one per HV_ERROR_* code.  The long operations have
awaitable twins (:meth:`Context.create_async`, :meth:`Context.restore_async`,
:meth:`Domain.save_async`, :meth:`Domain.wait_async`,
:meth:`Domain.shutdown_async`).  :mod:`hv.raw` is the SWIG layer
underneath, close to the C API (libhv(3)); its docstrings are the
headers' comments.

A domain's memory (libhv 1.5): :attr:`Domain.memory_target` (xl mem-set),
:attr:`Domain.memory_max` (xl mem-max), :attr:`Domain.memory_current` and
:meth:`Domain.meminfo` (a :class:`MemInfo`).

What domains use (libhv 1.8): :meth:`Domain.stats` and
:meth:`Context.stats` (:class:`Stats`; each vif's traffic a
:class:`VifStats`, each disk's requests a :class:`VbdStats`, libhv 1.9).

vCPUs as the host runs them (libhv 1.11): :meth:`Domain.vcpu_list` (each a
:class:`VcpuInfo`) and :meth:`Domain.vcpu_pin` (xl vcpu-pin).

Live migration (libhv 1.12, docs/migration.md): :meth:`Domain.migrate_send`
over any pair of descriptors (one socket will do) to
:meth:`Context.migrate_receive` or ``xl migrate-receive`` at the other end;
progress as :class:`MigrateProgress`, the result as :class:`MigrateStats`;
awaitable twins :meth:`Domain.migrate_send_async` and
:meth:`Context.migrate_receive_async`.

Sealed images and migrations (libhv 1.13, docs/save-stream.md): ``key=``
on :meth:`Domain.save`, :meth:`Context.restore`, :meth:`Domain.migrate_send`
and :meth:`Context.migrate_receive` (and their awaitable twins), a key
file's path or its bytes (:data:`KeySource`).
"""

from . import raw
from .errors import *  # noqa: F401,F403
from .errors import __all__ as _errors_all
from .config import ConfigSource
from .domain import Action, Domain, ProgressFn, ShutdownCode, State, Trigger
from .events import MEMORY_MISSED, Event, EventType
from .memory import BALLOON_FEATURES, BALLOON_STATS, MemInfo
from .migration import MigratePhase, MigrateProgress, MigrateProgressFn, MigrateStats
from .seal import KeySource
from .stats import Stats, VbdStats, VcpuInfo, VifStats
from .context import Context, LoggerFn

LOG_ERROR = raw.HV_LOG_ERROR
LOG_WARN = raw.HV_LOG_WARN
LOG_INFO = raw.HV_LOG_INFO
LOG_DEBUG = raw.HV_LOG_DEBUG

#: The C API version this binding was built against (0xMMmmpp).
API_VERSION = raw.HV_API_VERSION_CURRENT


def version() -> str:
    """libhv's version, e.g. "0.1.0" (hv_version())."""
    return raw.hv_version()


def strerror(code: int) -> str:
    """A short English description of an HV_ERROR_* code (hv_strerror())."""
    return raw.hv_strerror(code)


__all__ = [
    "Context", "Domain", "Event", "EventType", "State", "ShutdownCode", "Trigger",
    "Action", "ConfigSource", "ProgressFn", "LoggerFn", "LOG_ERROR",
    "LOG_WARN", "LOG_INFO", "LOG_DEBUG", "API_VERSION", "version",
    "strerror", "raw", "MemInfo", "BALLOON_STATS", "BALLOON_FEATURES",
    "MEMORY_MISSED", "Stats", "VbdStats", "VcpuInfo", "VifStats",
    "MigratePhase", "MigrateProgress", "MigrateProgressFn", "MigrateStats",
    "KeySource",
] + list(_errors_all)
