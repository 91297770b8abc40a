# SPDX-License-Identifier: LGPL-2.1-or-later
"""Domains: what hv_domain_info() tells of one, and what can be done to it."""

from __future__ import annotations

import asyncio
import datetime
import enum
import os
import socket
import time
import uuid as _uuid
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterable, Optional, Tuple,
                    Type, TypeVar, cast)

from . import raw as _raw
from . import _aio
from . import config as _config
from . import migration as _migration
from . import seal as _seal
from .errors import NotFound, TimedOut
from .memory import MemInfo
from .migration import FileDescriptor, MigrateProgressFn, MigrateStats
from .seal import KeySource
from .stats import Stats, VcpuInfo

if TYPE_CHECKING:
    from .context import Context

__all__ = ["Domain", "State", "ShutdownCode", "Action", "ProgressFn"]

#: A progress callback: called with (bytes done, bytes in all) of the
#: guest's memory, from the calling thread, inside the call.  Raising any
#: exception in it cancels the operation, which then raises that exception.
ProgressFn = Callable[[int, int], Any]


class State(enum.IntEnum):
    """A domain's state (hv_domain_state)."""
    BUILDING = _raw.HV_STATE_BUILDING  #: created, kernel not loaded yet
    PAUSED = _raw.HV_STATE_PAUSED
    RUNNING = _raw.HV_STATE_RUNNING
    SHUTDOWN = _raw.HV_STATE_SHUTDOWN  #: ended, kept because on_* = preserve
    CRASHED = _raw.HV_STATE_CRASHED    #: crashed, kept because on_crash = preserve
    DYING = _raw.HV_STATE_DYING


class ShutdownCode(enum.IntEnum):
    """Why a guest ended (hv_shutdown_code)."""
    NONE = _raw.HV_SHUTDOWN_NONE
    POWEROFF = _raw.HV_SHUTDOWN_POWEROFF
    REBOOT = _raw.HV_SHUTDOWN_REBOOT
    CRASH = _raw.HV_SHUTDOWN_CRASH


class Trigger(enum.IntEnum):
    """What :meth:`Domain.trigger` sends (hv_trigger)."""
    POWER = _raw.HV_TRIGGER_POWER
    RESET = _raw.HV_TRIGGER_RESET
    NMI = _raw.HV_TRIGGER_NMI
    SYSRQ = _raw.HV_TRIGGER_SYSRQ


class Action(enum.IntEnum):
    """What hvd does when a guest powers off, reboots or crashes (hv_action)."""
    NONE = 0
    DESTROY = _raw.HV_ACTION_DESTROY
    RESTART = _raw.HV_ACTION_RESTART
    RENAME_RESTART = _raw.HV_ACTION_RENAME_RESTART
    PRESERVE = _raw.HV_ACTION_PRESERVE
    COREDUMP_DESTROY = _raw.HV_ACTION_COREDUMP_DESTROY
    COREDUMP_RESTART = _raw.HV_ACTION_COREDUMP_RESTART


E = TypeVar("E", bound=enum.IntEnum)


def _enum(cls: Type[E], value: int) -> E:
    """``cls(value)``; a value newer than this binding comes back as the
    plain int (typed as the enum, which it compares equal to)."""
    try:
        return cls(value)
    except ValueError:
        return cast(E, value)


class Domain:
    """One domain, as hvd described it when this object was made.

    The properties are a snapshot; :meth:`refresh` takes a new one.  The
    methods act on the domain by its id, through the :class:`hv.Context`
    that made the object, and raise :class:`hv.Error` subclasses (e.g.
    :class:`hv.NotFound` once the domain is gone).
    """

    __slots__ = ("_ctx", "_info")

    def __init__(self, ctx: "Context", info: Dict[str, Any]) -> None:
        self._ctx = ctx
        self._info = info

    def __repr__(self) -> str:
        return "<hv.Domain %d %r %s>" % (self.domid, self.name, self.state.name
                                         if isinstance(self.state, State) else self.state)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Domain) and other._ctx is self._ctx
                and other.domid == self.domid)

    def __hash__(self) -> int:
        return hash((id(self._ctx), self.domid))

    # -- what hv_domain_info() says ---------------------------------------
    @property
    def domid(self) -> int:
        """The domain's id."""
        return self._info["domid"]

    @property
    def name(self) -> str:
        return self._info["name"]

    @property
    def uuid(self) -> _uuid.UUID:
        return _uuid.UUID(bytes=self._info["uuid"])

    @property
    def state(self) -> State:
        return _enum(State, self._info["state"])

    @property
    def memory(self) -> int:
        """Memory in MiB: the target (as :attr:`memory_target`)."""
        return self._info["memory_mib"]

    @property
    def maxmem(self) -> int:
        """The most memory the guest may balloon up to, in MiB."""
        return self._info["maxmem_mib"]

    @property
    def memory_target(self) -> int:
        """The memory the guest is asked to have, in MiB (hv_dominfo's
        memory_mib).  Setting it asks the guest's balloon driver to inflate
        or deflate to RAM - target (hv_domain_set_memory_target(), xl
        mem-set): it returns once the guest was asked, not when it got
        there (:attr:`memory_current` and :meth:`meminfo` tell; a guest
        that is not there within 30 s is flagged ``target_missed`` and an
        :attr:`hv.EventType.MEMORY` event says so).  The description's
        memory_mib becomes the target, so save images and restarts keep
        it.  :class:`hv.InvalidArgument`: below 16 MiB (checked before
        hvd is asked), above the domain's maxmem or above the RAM it booted
        with; :class:`hv.WrongState`: not running or paused, or being
        saved; :class:`hv.NotFound`: no such domain."""
        return self._info["memory_mib"]

    @memory_target.setter
    def memory_target(self, mib: int) -> None:
        self._ctx._call(_raw.hv_domain_set_memory_target, self.domid, mib)
        self._info["memory_mib"] = mib

    @property
    def memory_max(self) -> int:
        """The cap, in MiB (hv_dominfo's maxmem_mib).  Setting it
        (hv_domain_set_memory_max(), xl mem-max) has hvd enforce it on the
        domain's hv-vmm through its memory cgroup (the cap plus a margin
        for hv-vmm itself), so a guest that ignores its balloon cannot take
        more; the description's maxmem_mib becomes it, and a cap above the
        RAM the guest has takes effect at its next boot.
        :class:`hv.InvalidArgument`: below the target (or 16 MiB);
        :class:`hv.NoMemory`: the domain uses more than that now (lower
        its target first); :class:`hv.NotSupported`: this host gives hvd no
        memory cgroup."""
        return self._info["maxmem_mib"]

    @memory_max.setter
    def memory_max(self, mib: int) -> None:
        self._ctx._call(_raw.hv_domain_set_memory_max, self.domid, mib)
        self._info["maxmem_mib"] = mib

    @property
    def memory_current(self) -> Optional[int]:
        """The memory the guest has now, in MiB: its RAM less its balloon,
        as it reports (hv_dominfo's current_mib); None while not known."""
        return self._info.get("current_mib") or None

    def meminfo(self) -> MemInfo:
        """How the memory of the running or paused domain stands now
        (hv_domain_meminfo()): its balloon, the guest's statistics
        (refreshed when older than a second) and the host memory it
        takes."""
        return MemInfo._from_raw(self._ctx._call(_raw.hv_domain_meminfo,
                                                 self.domid))

    def stats(self) -> Stats:
        """What the domain uses, sampled now (hv_domain_stats()): host CPU
        and memory of its hv-vmm, each vif's traffic, each disk's
        requests."""
        return Stats._from_raw(self._ctx._call(_raw.hv_domain_stats, self.domid))

    @property
    def vcpus(self) -> int:
        return self._info["vcpus"]

    def vcpu_list(self) -> "list[VcpuInfo]":
        """The domain's vCPUs as the host runs them (hv_domain_vcpu_list()),
        in order: each a thread of its hv-vmm, with the host CPU it ran on
        last, whether it is on a CPU (``running``) or halted
        (``blocked``), its CPU time and its hard affinity as a CPU list
        (``"all"``: any host CPU).  :class:`hv.WrongState`: not running or
        paused."""
        entries, _host = self._ctx._call(_raw.hv_domain_vcpu_list, self.domid)
        return [VcpuInfo(**e) for e in entries]

    def vcpu_pin(self, vcpu: Optional[int], cpus: str) -> None:
        """Lets vCPU ``vcpu`` (None: every vCPU) run only on the host CPUs
        ``cpus`` names ("2", "0-3,^1", "nodes:0", "all"; xl.cfg's cpus=), of
        those the host has online (hv_domain_vcpu_pin(), xl vcpu-pin), until
        the domain's hv-vmm ends: a restart or restore pins to the
        description's cpus again.  :class:`hv.InvalidArgument`: no such
        vCPU, not a CPU list, or no online CPU in it."""
        self._ctx._call(_raw.hv_domain_vcpu_pin, self.domid,
                        -1 if vcpu is None else vcpu, cpus)

    def sched(self) -> "tuple[int, int]":
        """``(weight, cap)``: the domain's CPU weight (1-65535, 256 by
        default) and cap (percent of one host CPU; 0: none), as Xen's credit
        scheduler has them (hv_domain_sched_get(), xl sched-credit)."""
        return self._ctx._call(_raw.hv_domain_sched_get, self.domid)

    def set_sched(self, weight: Optional[int] = None, cap: Optional[int] = None) -> None:
        """Sets the domain's CPU weight, cap or both: in its cgroup at once
        if it runs, and in its configuration for its later starts
        (hv_domain_sched_set(), xl sched-credit -w -c).
        :class:`hv.InvalidArgument`: out of range; :class:`hv.NotSupported`:
        it runs on a host without a cpu cgroup controller for hvd."""
        self._ctx._call(_raw.hv_domain_sched_set, self.domid,
                        -1 if weight is None else weight, -1 if cap is None else cap)

    @property
    def maxvcpus(self) -> int:
        return self._info["maxvcpus"]

    @property
    def cpu_time(self) -> float:
        """vCPU time used so far, in seconds."""
        return self._info["cpu_time_ns"] / 1e9

    @property
    def start_time(self) -> datetime.datetime:
        """When the domain was created (UTC)."""
        return datetime.datetime.fromtimestamp(self._info["start_time"],
                                               datetime.timezone.utc)

    @property
    def shutdown_code(self) -> ShutdownCode:
        """Why it ended, for SHUTDOWN and CRASHED."""
        return _enum(ShutdownCode, self._info["shutdown_code"])

    @property
    def vmm_pid(self) -> int:
        """The pid of its hv-vmm, 0 if none runs."""
        return self._info["vmm_pid"]

    @property
    def on_poweroff(self) -> Action:
        return _enum(Action, self._info["on_poweroff"])

    @property
    def on_reboot(self) -> Action:
        return _enum(Action, self._info["on_reboot"])

    @property
    def on_crash(self) -> Action:
        return _enum(Action, self._info["on_crash"])

    @property
    def info(self) -> Dict[str, Any]:
        """Every member of hv_dominfo, as a dict (a copy)."""
        return dict(self._info)

    def refresh(self) -> "Domain":
        """Asks hvd again (hv_domain_info()); returns self."""
        self._info = self._ctx._call(_raw.hv_domain_info, self.domid)
        return self

    # -- what can be done --------------------------------------------------
    @property
    def config(self) -> Dict[str, Any]:
        """The configuration the domain was created (or restored) with, as
        a dict (hv_domain_config_get()); :class:`hv.NotFound` if hvd keeps
        none for it."""
        cfg = _raw.hv_domain_config()
        self._ctx._call(_raw.hv_domain_config_get, self.domid, cfg)
        return self._ctx._call(_config.to_dict, cfg)

    def config_update(self, config: _config.ConfigSource,
                      overrides: Iterable[str] = ()) -> None:
        """The configuration of the domain's next start by a restart
        action (hv_domain_config_update(), xl config-update): a dict, JSON
        text or an xl.cfg file, with ``overrides`` applied.  The running
        domain does not change; the new configuration names the same
        kernel, disks and vifs (:class:`hv.InvalidConfig` says what differs
        when it does not)."""
        self._ctx._call(lambda ctx: _raw.hv_domain_config_update(
            ctx, self.domid, _config.load(ctx, config, overrides)))

    def pause(self) -> None:
        """Stops the domain's vCPUs (hv_domain_pause())."""
        self._ctx._call(_raw.hv_domain_pause, self.domid)

    def unpause(self) -> None:
        """Starts the domain's vCPUs again (hv_domain_unpause())."""
        self._ctx._call(_raw.hv_domain_unpause, self.domid)

    def shutdown(self, wait: bool = False,
                 timeout: Optional[float] = None) -> Optional[ShutdownCode]:
        """Asks the guest to power off (the ACPI power button).  Without
        ``wait`` it returns at once (None); with ``wait``, as :meth:`wait`
        does, once the domain has ended, saying why (the watch starts
        before the request, so the end cannot slip past)."""
        if not wait:
            self._ctx._call(_raw.hv_domain_shutdown, self.domid)
            return None
        with _EndWatch(self) as watch:
            self._ctx._call(_raw.hv_domain_shutdown, self.domid)
            return watch.wait(timeout)

    async def shutdown_async(self, timeout: Optional[float] = None) -> Optional[ShutdownCode]:
        """:meth:`shutdown` with ``wait``, awaitable: the request, then
        :meth:`wait_async`."""
        with _EndWatch(self) as watch:
            self._ctx._call(_raw.hv_domain_shutdown, self.domid)
            return await watch.wait_async(timeout)

    def wait(self, timeout: Optional[float] = None) -> Optional[ShutdownCode]:
        """Waits until the domain has ended: it left hvd's table (powered
        off, crashed, was destroyed, or restarted under a new id), or is
        kept ended (SHUTDOWN or CRASHED, by on_* = "preserve").  Returns
        why: :class:`ShutdownCode` POWEROFF, REBOOT or CRASH, NONE when it
        was destroyed, or None when it was gone already when the wait
        began.  Watches the events on a context of its own (subscribed
        before it looks at the domain, so nothing is missed, and without
        taking events from this one).  :class:`hv.TimedOut` after
        ``timeout`` seconds (None: no limit)."""
        with _EndWatch(self) as watch:
            return watch.wait(timeout)

    async def wait_async(self, timeout: Optional[float] = None) -> Optional[ShutdownCode]:
        """:meth:`wait`, awaitable: the event descriptor is watched with
        the running loop's add_reader(); no thread waits."""
        with _EndWatch(self) as watch:
            return await watch.wait_async(timeout)

    def reboot(self) -> None:
        """Asks the guest to reboot (Ctrl-Alt-Del).  Returns at once."""
        self._ctx._call(_raw.hv_domain_reboot, self.domid)

    def destroy(self) -> None:
        """Stops the domain at once and removes it."""
        self._ctx._call(_raw.hv_domain_destroy, self.domid)

    def trigger(self, trigger: Trigger, arg: "int | str" = 0) -> None:
        """Sends the domain a trigger (hv_domain_trigger()): POWER (its
        ACPI power button), RESET (at once; its on_reboot action follows),
        NMI to vCPU ``arg``, or SYSRQ: a serial break and the key ``arg``
        (one printable character) on its first serial port."""
        if isinstance(arg, str):
            if len(arg) != 1:
                raise ValueError("a SysRq key is one character")
            arg = ord(arg)
        self._ctx._call(_raw.hv_domain_trigger, self.domid, int(trigger), arg)

    def rename(self, name: str) -> None:
        """Gives the domain a new name: 1-63 bytes of [A-Za-z0-9_.-], not
        all digits, not in use."""
        self._ctx._call(_raw.hv_domain_rename, self.domid, name)
        self._info["name"] = name

    def attach_disk(self, spec: str) -> None:
        """Adds the disk a DISKSPEC describes (xl-disk-configuration(5),
        e.g. ``"/srv/data.img,raw,xvdb,rw"``) to the running or paused
        domain through PCI hotplug (hv_domain_disk_attach()).  The image is
        opened and locked with this process's privileges."""
        disk = self._ctx._call(_raw.hv_disk_spec_parse, spec)
        try:
            self._ctx._call(_raw.hv_domain_disk_attach, self.domid, disk)
        finally:
            _raw.hv_disk_spec_free(disk)

    def detach_disk(self, vdev: str, force: bool = False,
                    timeout: Optional[float] = None) -> None:
        """Asks the guest to eject the disk ``vdev`` and waits up to
        ``timeout`` seconds (None: 10) for it (hv_domain_disk_detach());
        :class:`hv.TimedOut` when it did not, the disk then stays.  With
        ``force`` the device is removed at once."""
        ms = 0 if timeout is None else max(1, int(timeout * 1000))
        self._ctx._call(_raw.hv_domain_disk_detach, self.domid, vdev,
                        _raw.HV_DISK_DETACH_FORCE if force else 0, ms)

    def attach_nic(self, spec: str = "") -> Tuple[int, str]:
        """Adds the vif a vif spec describes (xl-network-configuration(5),
        e.g. ``"bridge=xenbr0,mac=00:16:3e:01:02:03"``; empty: all
        defaults) to the running or paused domain through PCI hotplug
        (hv_domain_nic_attach()).  Its tap is made and put on its bridge
        with this process's privileges.  Returns the devid and the MAC the
        vif got."""
        vif = self._ctx._call(_raw.hv_vif_spec_parse, spec)
        try:
            self._ctx._call(_raw.hv_domain_nic_attach, self.domid, vif)
            return vif.devid, vif.mac_text()
        finally:
            _raw.hv_vif_spec_free(vif)

    def detach_nic(self, devid_or_mac: "int | str", force: bool = False,
                   timeout: Optional[float] = None) -> None:
        """Asks the guest to eject the vif (its devid, or its MAC) and
        waits up to ``timeout`` seconds (None: 10) for it
        (hv_domain_nic_detach()); :class:`hv.TimedOut` when it did not, the
        vif then stays.  With ``force`` the device is removed at once; its
        tap goes with it."""
        ms = 0 if timeout is None else max(1, int(timeout * 1000))
        self._ctx._call(_raw.hv_domain_nic_detach, self.domid, str(devid_or_mac),
                        _raw.HV_NIC_DETACH_FORCE if force else 0, ms)

    def console(self) -> socket.socket:
        """A connected socket to the domain's console: reading gives the
        guest's output from now on, writing sends input.  The caller
        closes it."""
        fd = self._ctx._call(_raw.hv_domain_console, self.domid)
        return socket.socket(fileno=fd)

    def save(self, path: "str | os.PathLike[str] | FileDescriptor",
             progress: Optional[ProgressFn] = None, continue_: bool = False,
             paused: bool = False, compress: bool = False, *,
             key: Optional[KeySource] = None) -> None:
        """Writes the domain to the file ``path`` as a save image
        (hv_domain_save()), or to a descriptor (an int or an object with
        ``fileno()``: a file, pipe or socket open for writing, which the
        caller keeps and closes).  Without ``continue_`` or ``paused`` the domain
        is destroyed once the image is complete; with ``continue_`` it runs
        on, with ``paused`` it stays, paused.  ``compress`` zlib-compresses
        the memory (such an image cannot be restored lazily).
        ``progress(done, total)`` is called as memory is written; an
        exception raised in it cancels the save, leaves the domain as it
        was, and propagates from this call (unless the save was complete
        before the cancel reached it: then it stands, and a RuntimeWarning
        says so).  A failed save leaves the
        domain as it was and removes the file (not a descriptor's).

        ``key`` seals the image (hv_domain_save_sealed(), xl save -k): a
        key file's path or its bytes (:data:`hv.KeySource`); restore it
        with the same key.  A bad key raises before the file is made."""
        flags = 0
        if continue_:
            flags |= _raw.HV_SAVE_CONTINUE
        if paused:
            flags |= _raw.HV_SAVE_PAUSED
        if compress:
            flags |= _raw.HV_SAVE_COMPRESS
        k = self._ctx._call(_seal._derive, key)
        try:
            if not isinstance(path, (str, os.PathLike)):
                self._save_fd(_migration._fileno(path), flags, k, progress)
                return
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC,
                         0o600)
            try:
                self._save_fd(fd, flags, k, progress)
            except BaseException as e:
                os.close(fd)
                fd = -1
                # a RuntimeWarning made an error (python -W error) comes after
                # a complete save, whose image is the domain now
                if not isinstance(e, RuntimeWarning):
                    try:
                        os.unlink(path)
                    except OSError:
                        pass
                raise
            finally:
                if fd >= 0:
                    os.close(fd)
        finally:
            _seal._wipe(k)

    def _save_fd(self, fd: int, flags: int, key: Optional[bytearray],
                 progress: Optional[ProgressFn]) -> None:
        if key is None:
            self._ctx._call(_raw.hv_domain_save, self.domid, fd, flags, progress)
        else:
            self._ctx._call(_raw.hv_domain_save_sealed, self.domid, fd, None, flags, key,
                            progress)

    async def save_async(self, path: "str | os.PathLike[str] | FileDescriptor",
                         progress: Optional[ProgressFn] = None,
                         continue_: bool = False, paused: bool = False,
                         compress: bool = False, *,
                         key: Optional[KeySource] = None) -> None:
        """:meth:`save`, awaitable: it runs in the loop's default executor
        (the GIL is released while libhv waits) and ``progress(done,
        total)`` is called on the event loop's thread; an exception it
        raises cancels the save and propagates, as for :meth:`save`.
        Cancelling the task that awaits it cancels the save at its next
        progress report (the domain is left as it was, the file removed)
        before :class:`asyncio.CancelledError` propagates."""
        await _aio.run(lambda tick: self.save(path, tick, continue_, paused, compress,
                                              key=key),
                       progress)

    def migrate_send(self, send_fd: FileDescriptor,
                     recv_fd: Optional[FileDescriptor] = None, *,
                     downtime_ms: Optional[int] = None,
                     ceiling_ms: Optional[int] = None,
                     bandwidth: Optional[int] = None,
                     timeout_ms: Optional[int] = None, compress: bool = False,
                     auto_converge: bool = False, paused: bool = False,
                     debug: bool = False, local: bool = False,
                     config: Optional[_config.ConfigSource] = None,
                     progress: Optional[MigrateProgressFn] = None,
                     key: Optional[KeySource] = None) -> MigrateStats:
        """Live-migrates the domain to the destination at the other end of
        ``send_fd`` (written) and ``recv_fd`` (read; by default the same
        descriptor, a socket), where :meth:`hv.Context.migrate_receive` or
        ``xl migrate-receive`` answers (hv_domain_migrate_send(),
        docs/migration.md).  Each may be an int or an object with
        ``fileno()``; the caller keeps and closes them.

        The destination checks the description first and refuses before
        any memory is sent; memory then goes while the domain runs, in
        rounds, until the estimated downtime is at most ``downtime_ms``
        (None: 300); the domain pauses, the rest goes, and once the
        destination has loaded it, it runs there and the domain here is
        destroyed.  ``ceiling_ms`` is the hard limit on the downtime (None:
        the downtime plus the larger of it and 1000 ms); ``bandwidth``
        caps the stream in bytes per second, ``timeout_ms`` the whole
        migration (None: no cap, no limit).  ``compress`` zlib-compresses
        memory, ``auto_converge`` slows the vCPUs of a guest that writes
        faster than the link, ``paused`` leaves the domain paused at the
        destination, ``debug`` sends a digest of all memory last, which the
        destination checks its copy against (xl migrate --debug), ``local``
        hands the memory itself to a destination on this host at the other
        end of a Unix socket, copying nothing (xl migrate --local), ``config``
        sends another description (same memory and vCPUs; a source as for
        :meth:`hv.Context.create`).  ``key`` seals the migration (xl migrate
        -k; a key file's path or its bytes, :data:`hv.KeySource`): the
        destination must hold the same key, and refuses a stream altered
        on the way before the domain runs there (not with ``local``).

        ``progress(p)`` gets a :class:`hv.MigrateProgress` a few times a
        second; a true return cancels the migration (:class:`hv.Cancelled`),
        and so does an exception raised in it, which propagates from this
        call (unless the migration was complete before the cancel reached
        it: then it stands, and a RuntimeWarning says so).

        Returns the :class:`hv.MigrateStats`.  Until the destination is told
        to go, every failure leaves the domain running here as it was:
        :class:`hv.InvalidArgument` (descriptors, arguments: checked before
        anything is sent), :class:`hv.TimedOut` (it did not converge in
        time, or the ceiling), :class:`hv.IOFailure` (the destination went
        away), :class:`hv.ProtocolError` or :class:`hv.VersionMismatch`
        (not an hv destination, or another version), or the destination's
        refusal (:class:`hv.Exists`, :class:`hv.InvalidConfig`,
        :class:`hv.NoMemory`, ...).  :class:`hv.IOFailure` after go: the
        destination did not report, the domain is left paused here (the
        destination's log says which copy runs)."""
        params = _migration._params(downtime_ms, ceiling_ms, bandwidth, timeout_ms,
                                    compress, auto_converge, paused, debug, local)
        out = _migration._fileno(send_fd)
        inp = out if recv_fd is None else _migration._fileno(recv_fd)
        callback = _migration._progress(progress)

        def send(ctx: Any) -> Dict[str, Any]:
            if config is not None:
                params["config"] = _config.load(ctx, config)
            k = params["key"] = _seal._derive(ctx, key)
            try:
                return _raw.hv_domain_migrate_send(ctx, self.domid, out, inp, params, callback)
            finally:
                params["key"] = None
                _seal._wipe(k)
        return MigrateStats._from_raw(self._ctx._call(send))

    async def migrate_send_async(self, send_fd: FileDescriptor,
                                 recv_fd: Optional[FileDescriptor] = None, *,
                                 downtime_ms: Optional[int] = None,
                                 ceiling_ms: Optional[int] = None,
                                 bandwidth: Optional[int] = None,
                                 timeout_ms: Optional[int] = None,
                                 compress: bool = False, auto_converge: bool = False,
                                 paused: bool = False, debug: bool = False,
                                 local: bool = False,
                                 config: Optional[_config.ConfigSource] = None,
                                 progress: Optional[MigrateProgressFn] = None,
                                 key: Optional[KeySource] = None) -> MigrateStats:
        """:meth:`migrate_send`, awaitable: it runs in the loop's default
        executor and ``progress(p)`` is called on the event loop's thread
        (a true return or an exception cancels the migration, as for
        :meth:`migrate_send`).  Cancelling the task that awaits it cancels
        the migration at its next progress report (the domain runs on
        here) before :class:`asyncio.CancelledError` propagates; one that
        had reached the destination stands."""
        return await _aio.run(
            lambda tick: self.migrate_send(
                send_fd, recv_fd, downtime_ms=downtime_ms, ceiling_ms=ceiling_ms,
                bandwidth=bandwidth, timeout_ms=timeout_ms, compress=compress,
                auto_converge=auto_converge, paused=paused, debug=debug, local=local,
                config=config, progress=tick, key=key),
            progress)

    #: the same as :meth:`migrate_send`
    migrate = migrate_send


def _ended(info: Dict[str, Any]) -> Optional[ShutdownCode]:
    """Why a domain ended, if hv_domain_info() says that it did."""
    if info["state"] in (State.SHUTDOWN, State.CRASHED):
        return _enum(ShutdownCode, info["shutdown_code"])
    return None


class _EndWatch:
    """Watches one domain for its end, through a context of its own
    subscribed to events before it first looks at the domain."""

    def __init__(self, dom: Domain) -> None:
        self.domid = dom.domid
        self.name = dom.name
        self.ctx = dom._ctx._sibling()
        self.code: Optional[ShutdownCode] = None

    def __enter__(self) -> "_EndWatch":
        try:
            self.fd = self.ctx.event_fd()
        except BaseException:
            self.ctx.close()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.ctx.close()

    def _look(self) -> Tuple[bool, Optional[ShutdownCode]]:
        """(ended, why) from hvd's table."""
        try:
            info = self.ctx._call(_raw.hv_domain_info, self.domid)
        except NotFound:
            return True, self.code
        code = _ended(info)
        return code is not None, code

    def _feed(self, ev: Any) -> Tuple[bool, Optional[ShutdownCode]]:
        if ev.domid != self.domid:
            return False, None
        if ev.type == _raw.HV_EVENT_DEATH:
            return True, ev.code
        if ev.type in (_raw.HV_EVENT_SHUTDOWN, _raw.HV_EVENT_CRASH):
            self.code = ev.code
            return self._look()
        return False, None

    def _timed_out(self, timeout: Optional[float]) -> TimedOut:
        return TimedOut("domain %d (%s) did not end within %g s"
                        % (self.domid, self.name, timeout or 0))

    def wait(self, timeout: Optional[float]) -> Optional[ShutdownCode]:
        ended, code = self._look()
        end = None if timeout is None else time.monotonic() + timeout
        while not ended:
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                raise self._timed_out(timeout)
            try:
                ev = self.ctx.wait_event(left)
            except TimedOut:
                raise self._timed_out(timeout) from None
            ended, code = self._feed(ev)
        return code

    async def wait_async(self, timeout: Optional[float]) -> Optional[ShutdownCode]:
        async def until_end() -> Optional[ShutdownCode]:
            ended, code = self._look()
            while not ended:
                ev = self.ctx.next_event()
                if ev is None:
                    await _aio.readable(self.fd)
                    continue
                ended, code = self._feed(ev)
            return code
        try:
            return await asyncio.wait_for(until_end(), timeout)
        except asyncio.TimeoutError:
            raise self._timed_out(timeout) from None
