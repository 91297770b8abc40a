# SPDX-License-Identifier: LGPL-2.1-or-later
"""Domain events (hv_event): a guest shut down, crashed, appeared, left."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Dict, Union

from . import raw as _raw
from .domain import ShutdownCode, _enum

__all__ = ["Event", "EventType"]


class EventType(enum.IntEnum):
    """What happened (hv_event_type)."""
    SHUTDOWN = _raw.HV_EVENT_SHUTDOWN  #: a guest shut down; ``code`` says why
    DEATH = _raw.HV_EVENT_DEATH        #: a domain left the table
    CRASH = _raw.HV_EVENT_CRASH        #: a guest crashed, or its hv-vmm died
    CREATED = _raw.HV_EVENT_CREATED    #: a domain appeared, e.g. by on_reboot=restart


@dataclasses.dataclass(frozen=True)
class Event:
    """One event, as hv_event_next() or hv_event_wait() gave it."""
    type: Union[EventType, int]
    domid: int
    code: Union[ShutdownCode, int]
    name: str

    @classmethod
    def _from_raw(cls, d: Dict[str, Any]) -> "Event":
        return cls(_enum(EventType, d["type"]), d["domid"],
                   _enum(ShutdownCode, d["code"]), d["name"])
