# SPDX-License-Identifier: LGPL-2.1-or-later
"""Live migration (libhv 1.12, docs/migration.md): what a migration's
progress callback is given, what it reports when it is over, and the
arguments of :meth:`hv.Domain.migrate_send` and
:meth:`hv.Context.migrate_receive` as libhv takes them."""

from __future__ import annotations

import builtins
import dataclasses
import enum
import operator
from typing import Any, Callable, Dict, Optional, Protocol, Union, cast

from . import raw as _raw
from .errors import InvalidArgument

__all__ = ["MigratePhase", "MigrateProgress", "MigrateStats", "MigrateProgressFn",
           "FileDescriptor"]


class MigratePhase(enum.IntEnum):
    """Where a migration is (hv_migrate_phase)."""
    PREFLIGHT = _raw.HV_MIGRATE_PHASE_PREFLIGHT  #: the destination checks the domain
    SETUP = _raw.HV_MIGRATE_PHASE_SETUP
    FIRST = _raw.HV_MIGRATE_PHASE_FIRST          #: all of memory, the domain running
    ROUNDS = _raw.HV_MIGRATE_PHASE_ROUNDS        #: pages the guest wrote meanwhile
    FINAL = _raw.HV_MIGRATE_PHASE_FINAL          #: paused: the last pages, the state


def _phase(value: int) -> MigratePhase:
    """The phase; one newer than this binding comes back as the plain int
    (typed as the enum, which it compares equal to)."""
    try:
        return MigratePhase(value)
    except ValueError:
        return cast(MigratePhase, value)


@dataclasses.dataclass(frozen=True)
class MigrateProgress:
    """A migration's progress, as :meth:`hv.Domain.migrate_send` reports
    it a few times a second (hv_migrate_progress)."""
    phase: MigratePhase
    round: int              #: 0: the first pass over memory
    sent_bytes: int         #: of the stream, so far
    remaining_bytes: int    #: guest memory still to send
    memory_bytes: int       #: the guest's RAM
    dirty_rate: int         #: bytes per second the guest writes
    bandwidth: int          #: bytes per second the stream takes
    expected_downtime_ns: int   #: the downtime if it switched over now
    elapsed_ns: int

    @classmethod
    def _from_raw(cls, d: Dict[str, Any]) -> "MigrateProgress":
        return cls(**dict(d, phase=_phase(d["phase"])))


@dataclasses.dataclass(frozen=True)
class MigrateStats:
    """How a migration went (hv_migrate_stats).  The sender has every
    member; the destination has the sender's figures (sent with GO) with
    its own resume (GO to running), or, from a sender that sent none, only
    ``id``, ``total_ns`` and ``resume_ns`` (ready to running)."""
    id: builtins.bytes      #: the migration's id (16 bytes), the same at both ends
    total_ns: int           #: the whole migration
    setup_ns: int           #: to the first page
    #: the downtime, paused at the source to running at the destination,
    #: then its parts
    downtime_ns: int
    pause_ns: int           #: stopping the vCPUs and devices
    last_pages_ns: int      #: the last dirty pages
    state_ns: int           #: the VM, vCPU and device state
    restore_ns: int         #: the destination loading it, to ready
    resume_ns: int          #: go, to the destination running it
    expected_downtime_ns: int   #: the estimate it switched over on
    bytes: int              #: of the stream
    pages: int              #: page entries sent, zero pages included
    zero_pages: int
    rounds: int             #: after the first pass, the final one included
    last_pages: int         #: pages sent while paused
    bandwidth: int          #: bytes per second
    dirty_rate: int         #: bytes per second, the last measured
    #: the sender told the destination to go: a failure then left the domain
    #: paused here (the error's statistics say so; ask the destination by id)
    go_sent: int = 0

    @property
    def id_hex(self) -> str:
        """The id as the logs of both ends write it (32 hex digits)."""
        return self.id.hex()

    @classmethod
    def _from_raw(cls, d: Dict[str, Any]) -> "MigrateStats":
        return cls(**d)


#: A migration's progress callback: called with a :class:`MigrateProgress`
#: from the calling thread, inside the call.  A true return cancels the
#: migration (:class:`hv.Cancelled`); so does an exception, which the call
#: then raises.
MigrateProgressFn = Callable[[MigrateProgress], Any]


class _HasFileno(Protocol):
    def fileno(self) -> int: ...


#: A descriptor: an int, or an object with ``fileno()`` (a socket, a file).
FileDescriptor = Union[int, _HasFileno]


def _fileno(f: FileDescriptor) -> int:
    return f if isinstance(f, int) else f.fileno()


def _uint(name: str, value: Optional[int], bits: int) -> int:
    """``value`` checked as a C unsigned of ``bits`` bits (None: 0, libhv's
    default)."""
    if value is None:
        return 0
    n = operator.index(value)
    if not 0 <= n < 1 << bits:
        raise InvalidArgument("%s = %d: give a number from 0 to %d" % (name, n, (1 << bits) - 1))
    return n


def _params(downtime_ms: Optional[int] = None, ceiling_ms: Optional[int] = None,
            bandwidth: Optional[int] = None, timeout_ms: Optional[int] = None,
            compress: bool = False, auto_converge: bool = False,
            paused: bool = False, debug: bool = False, local: bool = False,
            config: Any = None) -> Dict[str, Any]:
    """hv_migrate_params as the raw layer takes it (a dict)."""
    flags = ((_raw.HV_MIGRATE_COMPRESS if compress else 0)
             | (_raw.HV_MIGRATE_AUTO_CONVERGE if auto_converge else 0)
             | (_raw.HV_MIGRATE_PAUSED if paused else 0)
             | (_raw.HV_MIGRATE_DEBUG if debug else 0)
             | (_raw.HV_MIGRATE_LOCAL if local else 0))
    return {"flags": flags,
            "downtime_ms": _uint("downtime_ms", downtime_ms, 32),
            "ceiling_ms": _uint("ceiling_ms", ceiling_ms, 32),
            "bandwidth": _uint("bandwidth", bandwidth, 64),
            "timeout_ms": _uint("timeout_ms", timeout_ms, 64),
            "config": config}


def _progress(progress: Optional[MigrateProgressFn]) -> Optional[Callable[[Dict[str, Any]], Any]]:
    """The raw layer's callback (a dict) around ``progress``."""
    if progress is None:
        return None
    if not callable(progress):
        raise TypeError("progress must be callable or None")
    fn = progress
    return lambda d: fn(MigrateProgress._from_raw(d))
