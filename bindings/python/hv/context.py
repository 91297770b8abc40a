# SPDX-License-Identifier: LGPL-2.1-or-later
"""The library context: a connection to hvd and what goes through it."""

from __future__ import annotations

import logging
import os
import select
import threading

import weakref
from typing import (Any, AsyncIterator, Callable, Dict, Iterable, Iterator,
                    List, Optional, Tuple, Union)

from . import raw as _raw
from . import _aio
from . import config as _config
from . import migration as _migration
from . import seal as _seal
from .domain import Domain, ProgressFn
from .errors import Busy, ContextClosed
from .events import Event
from .migration import FileDescriptor, MigrateStats
from .seal import KeySource
from .stats import Stats

__all__ = ["Context", "LoggerFn"]

#: A logger: called with (level, message), level one of hv.LOG_ERROR,
#: LOG_WARN, LOG_INFO, LOG_DEBUG; from whichever thread made the libhv call.
LoggerFn = Callable[[int, str], Any]

# Errors are the text of the exceptions raised for them: at DEBUG here, so
# that a caught exception does not print as well.
_LOGGING_LEVELS = {
    _raw.HV_LOG_ERROR: logging.DEBUG,
    _raw.HV_LOG_WARN: logging.WARNING,
    _raw.HV_LOG_INFO: logging.INFO,
    _raw.HV_LOG_DEBUG: logging.DEBUG,
}

_log = logging.getLogger("hv")


def _to_logging(level: int, message: str) -> None:
    _log.log(_LOGGING_LEVELS.get(level, logging.DEBUG), "%s", message)


def _free(ctx: Any) -> None:
    _raw.hv_ctx_free(ctx)


class Context:
    """A libhv context (hv_ctx): the handle every operation goes through.

    It connects to hvd on first use and, if none answers, starts one (root
    gets the system instance in /run/hv, others a per-user one in
    $XDG_RUNTIME_DIR/hv; HV_RUNDIR overrides the directory).  One context
    may be used from several threads at once; libhv serialises the calls
    that talk to hvd, and the GIL is released while they wait.

    Use it as a context manager, or call :meth:`close` (idempotent; also
    done when the object is collected).  Using it after close raises
    :class:`hv.ContextClosed`.

    ``logger(level, message)`` gets libhv's messages at or below
    ``log_level`` from any thread; by default they go to the :mod:`logging`
    logger "hv" (errors at DEBUG level, since they are also the text of
    the exceptions raised for them).
    """

    def __init__(self, logger: Optional[LoggerFn] = None,
                 log_level: int = _raw.HV_LOG_WARN) -> None:
        self._lock = threading.Condition()
        self._busy = 0
        self._closed = True
        ctx = _raw.hv_ctx_new()
        self._finalizer = weakref.finalize(self, _free, ctx)
        self._ctx = ctx
        self._closed = False
        self._logger, self._log_level = logger, log_level
        _raw.hv_ctx_set_logger(ctx, logger if logger is not None else _to_logging,
                               log_level)

    def _sibling(self) -> "Context":
        """A new context with this one's logger (for watches of its own)."""
        self._check()
        return type(self)(self._logger, self._log_level)

    # -- lifetime ------------------------------------------------------------
    def close(self) -> None:
        """Frees the context, after the calls other threads are making on
        it have returned.  Calling it again does nothing."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            while self._busy:
                self._lock.wait()
        self._finalizer()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Context":
        self._check()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<hv.Context%s>" % (" closed" if self._closed else "")

    def _check(self) -> None:
        if self._closed:
            raise ContextClosed("this hv.Context is closed")

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """fn(raw context, *args), with the context kept open meanwhile."""
        with self._lock:
            self._check()
            self._busy += 1
        try:
            return fn(self._ctx, *args)
        finally:
            with self._lock:
                self._busy -= 1
                if not self._busy:
                    self._lock.notify_all()

    def set_logger(self, logger: Optional[LoggerFn],
                   log_level: int = _raw.HV_LOG_WARN) -> None:
        """Replaces the logger (None: the :mod:`logging` logger "hv").  When
        it returns, no thread is still in the previous one."""
        self._call(_raw.hv_ctx_set_logger,
                   logger if logger is not None else _to_logging, log_level)
        self._logger, self._log_level = logger, log_level

    # -- configurations --------------------------------------------------------
    def parse_config(self, source: _config.ConfigSource,
                     overrides: Iterable[str] = (),
                     validate: bool = True) -> Dict[str, Any]:
        """The description of a domain (a dict, see :mod:`hv.config`) read
        from a dict, JSON text, libvirt XML or an xl.cfg file, with ``overrides``
        ("KEY=VALUE", as on xl's command line) applied, and checked as a
        whole (hv_config_validate()) unless ``validate`` is false.  Raises
        :class:`hv.InvalidConfig` whose message names the file, line and
        key at fault, :class:`hv.IOFailure` if the file cannot be read."""
        def parse(ctx: Any) -> Dict[str, Any]:
            cfg = _config.load(ctx, source, overrides)
            if validate:
                _raw.hv_config_validate(ctx, cfg, 0)
            return _config.to_dict(ctx, cfg)
        return self._call(parse)

    def domain_xml(self, source: _config.ConfigSource) -> str:
        """The configuration as libvirt domain XML, as ``xl domxml`` writes
        it (hv_domain_config_to_xml()); what libvirt cannot say is left out
        with a warning to the logger."""
        return self._call(lambda ctx: _config.to_xml(ctx, _config.load(ctx, source)))

    def kernel_cmdline(self, source: _config.ConfigSource) -> Optional[str]:
        """The command line the configuration gives the kernel, built as xl
        does (hv_domain_config_kernel_cmdline()); None if there is none."""
        return self._call(lambda ctx: _raw.hv_domain_config_kernel_cmdline(
            ctx, _config.load(ctx, source)))

    # -- domains ---------------------------------------------------------------
    def create(self, config: _config.ConfigSource,
               overrides: Iterable[str] = (), paused: bool = False) -> Domain:
        """Builds and starts a domain (hv_domain_create()) from a dict,
        JSON text or an xl.cfg file, with ``overrides`` applied; with
        ``paused`` its vCPUs wait for :meth:`Domain.unpause`.  On failure
        nothing is left behind."""
        def create(ctx: Any) -> int:
            cfg = _config.load(ctx, config, overrides)
            _raw.hv_config_validate(ctx, cfg, 0)
            return _raw.hv_domain_create(
                ctx, cfg, _raw.HV_CREATE_PAUSED if paused else 0)
        return self.domain(self._call(create))

    async def create_async(self, config: _config.ConfigSource,
                           overrides: Iterable[str] = (),
                           paused: bool = False) -> Domain:
        """:meth:`create`, awaitable (it runs in the loop's default
        executor; the GIL is released while libhv waits).  If the task
        that awaits it is cancelled, the domain, once built, is destroyed
        before :class:`asyncio.CancelledError` propagates."""
        return await _aio.run(lambda tick: self.create(config, overrides, paused),
                              undo=lambda dom: dom.destroy())

    def domains(self) -> List[Domain]:
        """Every domain, ordered by id (hv_domain_list())."""
        return [Domain(self, i) for i in self._call(_raw.hv_domain_list)]

    def __iter__(self) -> Iterator[Domain]:
        return iter(self.domains())

    def domain(self, name_or_id: Union[str, int]) -> Domain:
        """The domain of that name or id (as xl accepts either);
        :class:`hv.NotFound` if there is none."""
        if isinstance(name_or_id, int):
            domid = name_or_id
        else:
            domid = self._call(_raw.hv_domain_lookup, name_or_id)
        return Domain(self, self._call(_raw.hv_domain_info, domid))

    def restore(self, path: "str | os.PathLike[str]",
                progress: Optional[ProgressFn] = None, paused: bool = False,
                lazy: bool = False, name: Optional[str] = None,
                config: Optional[_config.ConfigSource] = None, *,
                key: Optional[KeySource] = None) -> Domain:
        """Creates a domain from the save image at ``path``
        (hv_domain_restore()).  ``paused`` leaves its vCPUs stopped;
        ``lazy`` maps the image's memory instead of reading it (the file
        must stay unchanged while the domain runs); ``name`` renames it;
        ``config`` replaces the image's configuration (same memory and
        vCPUs).  ``progress(done, total)`` as for :meth:`Domain.save`: an
        exception raised in it cancels the restore (no domain is left) and
        propagates.  The whole image is checked before any vCPU runs.

        ``key`` (xl restore -k; a key file's path or its bytes,
        :data:`hv.KeySource`): the image must be sealed with it, and one
        altered, cut, reordered, spliced or sealed with another key is
        refused (:class:`hv.Corrupt`) before it runs or any file it names
        is opened; not with ``lazy``.  A sealed image without its key, or
        an unsealed one with a key: :class:`hv.InvalidArgument`."""
        flags = ((_raw.HV_RESTORE_PAUSED if paused else 0)
                 | (_raw.HV_RESTORE_LAZY if lazy else 0))

        def restore(ctx: Any) -> int:
            over: Dict[str, Any] = {"flags": flags, "name": name}
            if config is not None:
                over["config"] = _config.load(ctx, config)
            k = over["key"] = _seal._derive(ctx, key)
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
                try:
                    return _raw.hv_domain_restore(ctx, fd, over, progress)
                finally:
                    os.close(fd)
            finally:
                over["key"] = None
                _seal._wipe(k)
        return self.domain(self._call(restore))

    async def restore_async(self, path: "str | os.PathLike[str]",
                            progress: Optional[ProgressFn] = None,
                            paused: bool = False, lazy: bool = False,
                            name: Optional[str] = None,
                            config: Optional[_config.ConfigSource] = None, *,
                            key: Optional[KeySource] = None) -> Domain:
        """:meth:`restore`, awaitable, ``progress(done, total)`` called on
        the event loop's thread (an exception it raises cancels the
        restore and propagates).  Cancelling the task that awaits it
        cancels the restore at its next progress report (no domain is
        left; one that was complete already is destroyed) before
        :class:`asyncio.CancelledError` propagates."""
        return await _aio.run(
            lambda tick: self.restore(path, tick, paused, lazy, name, config, key=key),
            progress, undo=lambda dom: dom.destroy())

    def migrate_receive(self, recv_fd: FileDescriptor,
                        send_fd: Optional[FileDescriptor] = None, *,
                        paused: bool = False,
                        key: Optional[KeySource] = None) -> Tuple[Domain, MigrateStats]:
        """The destination's side of a live migration
        (hv_domain_migrate_receive(), docs/migration.md): reads it from
        ``recv_fd`` (a pipe or socket), answers on ``send_fd`` (by default
        the same descriptor, a socket), and creates the domain, which runs
        once the sender says go (paused with ``paused``, or if the sender
        asked for it).  Each may be an int or an object with ``fileno()``;
        the caller keeps and closes them.  Returns the domain and the
        :class:`hv.MigrateStats` (at this end: ``id``, ``total_ns`` and
        ``resume_ns``).  Nothing is left here if the migration fails before
        go: :class:`hv.InvalidArgument` (``recv_fd`` is not a pipe or
        socket, checked before anything is read), :class:`hv.TimedOut`,
        :class:`hv.IOFailure` (the sender went away),
        :class:`hv.ProtocolError`, :class:`hv.VersionMismatch`, the reason
        this end refused it in its checks (:class:`hv.Exists`: a domain of
        that name or UUID is here; :class:`hv.NoMemory`;
        :class:`hv.NotFound`: a disk image or bridge is missing), or
        :class:`hv.Cancelled` (the sender gave up).

        ``key`` (xl migrate-receive -k; a key file's path or its bytes,
        :data:`hv.KeySource`) takes only a migration sealed with that key:
        an unsealed one is refused before its description is read
        (:class:`hv.PermissionDenied`), one sealed with another key too
        (:class:`hv.Corrupt`), and a stream whose MACs fail before the
        domain runs here.  Without a key, a sealed migration is refused
        (:class:`hv.InvalidArgument`).  The sender is told why."""
        params = _migration._params(paused=paused)
        inp = _migration._fileno(recv_fd)
        out = inp if send_fd is None else _migration._fileno(send_fd)

        def receive(ctx: Any) -> Tuple[int, Dict[str, Any]]:
            k = params["key"] = _seal._derive(ctx, key)
            try:
                return _raw.hv_domain_migrate_receive(ctx, inp, out, params)
            finally:
                params["key"] = None
                _seal._wipe(k)
        domid, stats = self._call(receive)
        return self.domain(domid), MigrateStats._from_raw(stats)

    async def migrate_receive_async(self, recv_fd: FileDescriptor,
                                    send_fd: Optional[FileDescriptor] = None, *,
                                    paused: bool = False,
                                    key: Optional[KeySource] = None) -> Tuple[Domain, MigrateStats]:
        """:meth:`migrate_receive`, awaitable (it runs in the loop's
        default executor; the GIL is released while libhv waits).  A
        receive has no progress report to stop at: cancelling the task
        that awaits it waits for the receive to end before
        :class:`asyncio.CancelledError` propagates, and a domain it
        received is left running, since it is the only copy (the source
        has destroyed its own)."""
        return await _aio.run(lambda tick: self.migrate_receive(recv_fd, send_fd,
                                                                paused=paused, key=key))

    def stats(self) -> List[Stats]:
        """What every domain uses, sampled now, ordered by id
        (hv_domain_stats_all())."""
        return [Stats._from_raw(d) for d in self._call(_raw.hv_domain_stats_all)]

    def physinfo(self) -> Dict[str, Any]:
        """The host's resources and hvd's version (hv_physinfo_get()):
        nr_cpus, nr_domains, total_mib, free_mib, domains_mib, max_vcpus,
        hvd_pid, version."""
        return self._call(_raw.hv_physinfo_get)

    def hvd_log(self, clear: bool = False) -> str:
        """hvd's own log, all of it (hv_hvd_log_read(), what xl dmesg
        prints); with ``clear``, hvd empties it once it has been read."""
        return self._call(_raw.hv_hvd_log_read,
                          _raw.HV_HVD_LOG_CLEAR if clear else 0)

    # -- events ----------------------------------------------------------------
    def event_fd(self) -> int:
        """A descriptor that becomes readable when events wait, for any
        event loop (hv_event_fd()).  The context owns it: do not close it.
        The first call subscribes the context to events."""
        return self._call(_raw.hv_event_fd)

    def next_event(self) -> Optional[Event]:
        """The next waiting event, or None if none waits (hv_event_next())."""
        try:
            return Event._from_raw(self._call(_raw.hv_event_next))
        except Busy:
            return None

    def events(self, timeout: Optional[float] = None) -> Iterator[Event]:
        """Events as they come, for ever, or until none came for ``timeout``
        seconds.  Subscribes at once (before the first ``next()``), so
        nothing that happens after this call is missed.  Waits in
        :func:`select.poll`, so Ctrl-C interrupts it."""
        fd = self.event_fd()
        return self._events(fd, timeout)

    def _events(self, fd: int, timeout: Optional[float]) -> Iterator[Event]:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while True:
            ev = self.next_event()
            if ev is not None:
                yield ev
                continue
            if not poller.poll(None if timeout is None else timeout * 1000):
                return

    def wait_event(self, timeout: Optional[float] = None) -> Event:
        """Waits for one event (hv_event_wait()); :class:`hv.TimedOut`
        after ``timeout`` seconds (None: for ever)."""
        ms = -1 if timeout is None else int(timeout * 1000)
        return Event._from_raw(self._call(_raw.hv_event_wait, ms))

    def watch(self) -> AsyncIterator[Event]:
        """Events on asyncio: ``async for ev in ctx.watch()``.  Subscribes
        at once; the event descriptor is watched with loop.add_reader()
        while the iterator waits."""
        fd = self.event_fd()
        return self._watch(fd)

    async def _watch(self, fd: int) -> AsyncIterator[Event]:
        while True:
            ev = self.next_event()
            if ev is not None:
                yield ev
                continue
            await _aio.readable(fd)


