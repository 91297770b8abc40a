# SPDX-License-Identifier: LGPL-2.1-or-later
"""Domain events (hv_event): a guest shut down, crashed, appeared, left,
reached its memory target or missed it."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Dict, Union

from . import raw as _raw
from .domain import ShutdownCode, _enum

__all__ = ["Event", "EventType", "MEMORY_MISSED"]


class EventType(enum.IntEnum):
    """What happened (hv_event_type)."""
    SHUTDOWN = _raw.HV_EVENT_SHUTDOWN  #: a guest shut down; ``code`` says why
    DEATH = _raw.HV_EVENT_DEATH        #: a domain left the table
    CRASH = _raw.HV_EVENT_CRASH        #: a guest crashed, or its hv-vmm died
    CREATED = _raw.HV_EVENT_CREATED    #: a domain appeared, e.g. by on_reboot=restart
    #: the guest reached its memory target (``code`` 0), or did not in time
    #: (``code`` MEMORY_MISSED)
    MEMORY = _raw.HV_EVENT_MEMORY


#: An :attr:`EventType.MEMORY` event's code when the guest did not reach
#: its target in time (HV_EVENT_MEMORY_MISSED).
MEMORY_MISSED = _raw.HV_EVENT_MEMORY_MISSED


@dataclasses.dataclass(frozen=True)
class Event:
    """One event, as hv_event_next() or hv_event_wait() gave it.  ``code``
    is a :class:`ShutdownCode`, except for :attr:`EventType.MEMORY` events:
    0 when the guest reached its memory target, :data:`MEMORY_MISSED` when
    it did not in time."""
    type: Union[EventType, int]
    domid: int
    code: Union[ShutdownCode, int]
    name: str

    @classmethod
    def _from_raw(cls, d: Dict[str, Any]) -> "Event":
        kind = _enum(EventType, d["type"])
        code = d["code"] if kind == EventType.MEMORY else _enum(ShutdownCode, d["code"])
        return cls(kind, d["domid"], code, d["name"])
