# SPDX-License-Identifier: LGPL-2.1-or-later
"""libhv's errors as exceptions: one class per ``HV_ERROR_*`` code.

Every class derives from :class:`Error` and, where one fits, from the
built-in exception a Python programmer would catch for it, so that
``except LookupError`` catches :class:`NotFound`.  Each carries ``code``
(the negative ``HV_ERROR_*`` value) and ``message`` (what libhv logged: for
a configuration, the file, line and key at fault and what to write
instead), which is also ``str(exc)``.
"""

from __future__ import annotations

from typing import Dict, Tuple, Type

from . import raw as _raw

__all__ = [
    "Error", "Failed", "NoMemory", "InvalidArgument", "InvalidConfig",
    "NotFound", "Exists", "PermissionDenied", "IOFailure", "ProtocolError",
    "VersionMismatch", "NotSupported", "Busy", "WrongState", "Corrupt",
    "TimedOut", "NoKVM", "DaemonError", "Cancelled", "ContextClosed",
    "error_for_code",
]


class Error(Exception):
    """A libhv call failed.  ``code`` is its HV_ERROR_* value (negative)."""

    code: int = _raw.HV_ERROR_FAIL

    def __init__(self, message: str = "", code: int | None = None) -> None:
        if code is not None:
            self.code = code
        self.message = message or _raw.hv_strerror(self.code)
        super().__init__(self.message)

    def __reduce__(self) -> Tuple[Type["Error"], Tuple[str, int]]:
        # keep code and message when pickled
        return (type(self), (self.message, self.code))


class Failed(Error):
    """HV_ERROR_FAIL: unspecified failure."""
    code = _raw.HV_ERROR_FAIL


class NoMemory(Error, MemoryError):
    """HV_ERROR_NOMEM: out of memory."""
    code = _raw.HV_ERROR_NOMEM


class InvalidArgument(Error, ValueError):
    """HV_ERROR_INVAL: invalid argument."""
    code = _raw.HV_ERROR_INVAL


class InvalidConfig(Error, ValueError):
    """HV_ERROR_CONFIG: the domain configuration is invalid."""
    code = _raw.HV_ERROR_CONFIG


class NotFound(Error, LookupError):
    """HV_ERROR_NOTFOUND: no such domain or object."""
    code = _raw.HV_ERROR_NOTFOUND


class Exists(Error, FileExistsError):
    """HV_ERROR_EXISTS: name or id already in use."""
    code = _raw.HV_ERROR_EXISTS


class PermissionDenied(Error, PermissionError):
    """HV_ERROR_PERM: permission denied."""
    code = _raw.HV_ERROR_PERM


class IOFailure(Error, OSError):
    """HV_ERROR_IO: I/O error on a file, socket or device."""
    code = _raw.HV_ERROR_IO


class ProtocolError(Error):
    """HV_ERROR_PROTOCOL: malformed or unexpected message."""
    code = _raw.HV_ERROR_PROTOCOL


class VersionMismatch(Error):
    """HV_ERROR_VERSION: unsupported ABI or format version."""
    code = _raw.HV_ERROR_VERSION


class NotSupported(Error, NotImplementedError):
    """HV_ERROR_NOSYS: not supported by this build or host."""
    code = _raw.HV_ERROR_NOSYS


class Busy(Error, BlockingIOError):
    """HV_ERROR_BUSY: object busy; try again."""
    code = _raw.HV_ERROR_BUSY


class WrongState(Error):
    """HV_ERROR_STATE: not valid in the object's current state."""
    code = _raw.HV_ERROR_STATE


class Corrupt(Error, ValueError):
    """HV_ERROR_CORRUPT: image or stream failed validation."""
    code = _raw.HV_ERROR_CORRUPT


class TimedOut(Error, TimeoutError):
    """HV_ERROR_TIMEDOUT: operation timed out."""
    code = _raw.HV_ERROR_TIMEDOUT


class NoKVM(Error):
    """HV_ERROR_NOKVM: /dev/kvm missing or unusable."""
    code = _raw.HV_ERROR_NOKVM


class DaemonError(Error, ConnectionError):
    """HV_ERROR_DAEMON: hvd could not be reached or started."""
    code = _raw.HV_ERROR_DAEMON


class Cancelled(Error):
    """HV_ERROR_CANCELLED: cancelled by the caller.

    Raise it from a progress callback to cancel a save or restore; any
    other exception cancels too, and is the one that the call raises.
    """
    code = _raw.HV_ERROR_CANCELLED


class ContextClosed(Error, RuntimeError):
    """The :class:`hv.Context` was used after ``close()``."""
    code = _raw.HV_ERROR_INVAL


_BY_CODE: Dict[int, Type[Error]] = {
    cls.code: cls for cls in (
        Failed, NoMemory, InvalidArgument, InvalidConfig, NotFound, Exists,
        PermissionDenied, IOFailure, ProtocolError, VersionMismatch,
        NotSupported, Busy, WrongState, Corrupt, TimedOut, NoKVM,
        DaemonError, Cancelled)
}


def error_for_code(code: int, message: str = "") -> Error:
    """The exception for HV_ERROR_* ``code`` (an unknown code: :class:`Error`)."""
    cls = _BY_CODE.get(code)
    if cls is None:
        return Error(message, code)
    return cls(message)


_raw.hvpy_set_error_factory(error_for_code)
