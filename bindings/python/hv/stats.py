# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a domain uses, sampled by hvd when asked (hv_domstats, libhv 1.8;
its disks' counters libhv 1.9; docs/metering.md)."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Dict, Optional, Tuple

from . import raw as _raw
from .migration import MigrateStats

__all__ = ["Stats", "VbdStats", "VcpuInfo", "VifStats"]


@dataclasses.dataclass(frozen=True)
class VcpuInfo:
    """One vCPU as the host runs it: a thread of the domain's hv-vmm
    (hv_vcpuinfo, libhv 1.11)."""
    vcpu: int
    cpu: int                #: the host CPU it ran on last
    running: bool           #: on a host CPU, or waiting for one
    blocked: bool           #: halted, waiting for an interrupt
    cpu_time_ns: int        #: the CPU time its thread has had
    affinity: str           #: its hard affinity as a CPU list ("all": any CPU)


@dataclasses.dataclass(frozen=True)
class VifStats:
    """One vif's traffic from the guest's point of view: rx is what the
    guest received, tx what it sent."""
    devid: int
    valid: bool             #: False: its tap could not be read
    rx_bytes: int
    rx_packets: int
    tx_bytes: int
    tx_packets: int


@dataclasses.dataclass(frozen=True)
class VbdStats:
    """One disk's requests as the domain's hv-vmm counts them: what the
    guest asked of the disk and got done (libhv 1.9)."""
    vdev: str               #: the disk's name in the domain's description
    valid: bool             #: False: no counters for it (an empty CD-ROM drive)
    rd_reqs: int
    rd_bytes: int
    wr_reqs: int
    wr_bytes: int
    flush_reqs: int
    discard_reqs: int       #: discards and write-zeroes
    err_reqs: int           #: requests that failed
    throttled_reqs: int     #: requests that waited for the rate limit


@dataclasses.dataclass(frozen=True)
class Stats:
    """A sample of what a domain uses (hv_domain_stats()).  A counter hvd
    could not read is None."""
    domid: int
    name: str
    state: int
    uuid: bytes
    sample_time_ns: int     #: CLOCK_REALTIME when hvd read the counters
    start_time: datetime.datetime
    uptime_ns: int
    cpu_ns: Optional[int]   #: host CPU its hv-vmm used, user + system
    mem_current_bytes: Optional[int]    #: host memory it takes now
    mem_peak_bytes: Optional[int]       #: the most it took
    mem_from_cgroup: bool   #: the two are its memory cgroup's
    memory_mib: int
    maxmem_mib: int
    vcpus: int
    nr_disks: int
    vifs: Tuple[VifStats, ...]
    #: one per disk, in the domain's order; empty with a libhv before 1.9
    disks: Tuple[VbdStats, ...]
    #: how the live migration that brought the domain here went (the
    #: source's figures and this side's resume; libhv 1.14), else None
    migration: Optional[MigrateStats] = None

    @classmethod
    def _from_raw(cls, d: Dict[str, Any]) -> "Stats":
        valid = d["valid"]

        def opt(bit: int, key: str) -> Optional[int]:
            return d[key] if valid & bit else None

        return cls(
            domid=d["domid"], name=d["name"], state=d["state"], uuid=d["uuid"],
            sample_time_ns=d["sample_time_ns"],
            start_time=datetime.datetime.fromtimestamp(d["start_time"],
                                                       datetime.timezone.utc),
            uptime_ns=d["uptime_ns"],
            cpu_ns=opt(_raw.HV_STATS_CPU, "cpu_ns"),
            mem_current_bytes=opt(_raw.HV_STATS_MEM, "mem_current_bytes"),
            mem_peak_bytes=opt(_raw.HV_STATS_MEM_PEAK, "mem_peak_bytes"),
            mem_from_cgroup=bool(valid & _raw.HV_STATS_MEM_CGROUP),
            memory_mib=d["memory_mib"], maxmem_mib=d["maxmem_mib"],
            vcpus=d["vcpus"], nr_disks=d["nr_disks"],
            vifs=tuple(VifStats(**v) for v in d["vifs"]),
            disks=tuple(VbdStats(**k) for k in d["disks"]),
            migration=(MigrateStats._from_raw(d["migration"])
                       if d.get("migration") is not None else None))

    def cpu_percent(self, earlier: "Stats") -> Optional[float]:
        """CPU use between @earlier and this sample, in percent of one CPU."""
        if self.cpu_ns is None or earlier.cpu_ns is None:
            return None
        dt = self.sample_time_ns - earlier.sample_time_ns
        if dt <= 0:
            return None
        return max(0, self.cpu_ns - earlier.cpu_ns) * 100.0 / dt
