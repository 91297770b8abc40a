# SPDX-License-Identifier: LGPL-2.1-or-later
"""A domain's memory: its balloon, the cap hvd enforces, the guest's
statistics (hv_meminfo, libhv 1.5)."""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, FrozenSet, Optional, Union

from . import raw as _raw

__all__ = ["MemInfo", "BALLOON_STATS", "BALLOON_FEATURES"]

#: virtio-balloon's statistics (enum hv_balloon_stat): index -> name.
#: Memory sizes are in bytes, the others counts.
BALLOON_STATS: Dict[int, str] = {
    _raw.HV_BALLOON_SWAP_IN: "swap_in",
    _raw.HV_BALLOON_SWAP_OUT: "swap_out",
    _raw.HV_BALLOON_MAJFLT: "major_faults",
    _raw.HV_BALLOON_MINFLT: "minor_faults",
    _raw.HV_BALLOON_MEMFREE: "free_memory",
    _raw.HV_BALLOON_MEMTOT: "total_memory",
    _raw.HV_BALLOON_AVAIL: "available_memory",
    _raw.HV_BALLOON_CACHES: "disk_caches",
    _raw.HV_BALLOON_HTLB_PGALLOC: "hugetlb_allocations",
    _raw.HV_BALLOON_HTLB_PGFAIL: "hugetlb_failures",
}

#: What the guest's balloon driver took (HV_BALLOON_F_*): bit -> name.
BALLOON_FEATURES: Dict[int, str] = {
    _raw.HV_BALLOON_F_DEFLATE_ON_OOM: "deflate_on_oom",
    _raw.HV_BALLOON_F_FREE_PAGE_REPORTING: "free_page_reporting",
    _raw.HV_BALLOON_F_STATS: "stats",
    _raw.HV_BALLOON_F_PAGE_POISON: "page_poison",
    _raw.HV_BALLOON_F_DRIVER: "driver",     # a driver runs the balloon
}

# stats_age_ms when the guest never sent statistics
_NEVER = (1 << 64) - 1


@dataclasses.dataclass(frozen=True)
class MemInfo:
    """How the memory of a running or paused domain stands
    (hv_domain_meminfo()).  Sizes in KiB."""
    ram_kib: int            #: the RAM the guest has
    target_kib: int         #: what it was asked to have
    current_kib: int        #: RAM less its balloon
    max_kib: int            #: the cap (maxmem)
    allocated_kib: int      #: host memory its RAM takes now
    cgroup_limit_kib: int   #: what the cap is enforced as; 0: not
    cgroup_usage_kib: int   #: what its hv-vmm uses, as the cgroup counts
    #: the guest's statistics that it sent, by name (see BALLOON_STATS),
    #: in bytes or counts; statistics this binding has no name for are
    #: keyed by their tag
    stats: Dict[Union[str, int], int]
    #: seconds since the guest sent them; None: never
    stats_age: Optional[float]
    #: what the guest's balloon driver took (see BALLOON_FEATURES)
    features: FrozenSet[str]
    #: the guest did not reach its target in time (HV_MEM_TARGET_MISSED)
    target_missed: bool
    #: maxmem is enforced on its hv-vmm through a cgroup (HV_MEM_CAPPED)
    capped: bool

    @classmethod
    def _from_raw(cls, d: Dict[str, Any]) -> "MemInfo":
        valid = d["stats_valid"]
        stats = {BALLOON_STATS.get(n, n): v for n, v in enumerate(d["stats"])
                 if valid & (1 << n)}
        features = frozenset(name for bit, name in BALLOON_FEATURES.items()
                             if d["features"] & bit)
        age = d["stats_age_ms"]
        return cls(d["ram_kib"], d["target_kib"], d["current_kib"],
                   d["max_kib"], d["allocated_kib"], d["cgroup_limit_kib"],
                   d["cgroup_usage_kib"], stats,
                   None if age == _NEVER else age / 1000.0, features,
                   bool(d["mem_flags"] & _raw.HV_MEM_TARGET_MISSED),
                   bool(d["mem_flags"] & _raw.HV_MEM_CAPPED))
